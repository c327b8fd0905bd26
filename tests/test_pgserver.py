"""The throwaway PostgreSQL + PostGIS server the store tests run against
(tests/pgserver.py): it starts, serves PostGIS, gives each test its own database, and
leaves nothing behind, even when the test run is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pgserver

ROOT = Path(__file__).resolve().parents[1]


def test_postgis_answers_in_a_fresh_database(postgis_url):
    import psycopg

    with psycopg.connect(postgis_url) as conn:
        version = conn.execute("SELECT postgis_version()").fetchone()[0]
        assert version.startswith("3.")
        # a PostGIS function the store relies on, answering as expected
        snapped = conn.execute("SELECT ST_AsText(ST_SnapToGrid("
                               "ST_SetSRID(ST_MakePoint(35.49, 33.87), 4326), 0.5))"
                               ).fetchone()[0]
        assert snapped == "POINT(35.5 34)"
        tables = conn.execute("SELECT table_name FROM information_schema.tables WHERE "
                              "table_schema = 'public' AND table_type = 'BASE TABLE'"
                              ).fetchall()
        assert tables == [("spatial_ref_sys",)]   # PostGIS's own, nothing else


def test_each_database_is_separate(pg_server):
    import psycopg

    first, second = pg_server.create_database(), pg_server.create_database()
    assert first != second
    with psycopg.connect(first, autocommit=True) as conn:
        conn.execute("CREATE TABLE events (id int)")
    with psycopg.connect(second) as conn:
        assert conn.execute("SELECT to_regclass('events')").fetchone()[0] is None
    pg_server.drop_database(first.rsplit("/", 1)[1])
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(first, connect_timeout=5).close()


def test_store_target_is_a_path_or_a_postgis_url(store_target, request):
    from webapp.store import is_database_url

    if request.node.callspec.params["store_target"] == "sqlite":
        assert not is_database_url(store_target) and store_target.endswith(".sqlite")
    else:
        assert is_database_url(store_target)


def test_a_killed_test_run_leaves_no_server(pg_server):
    """The watchdog stops the server and removes its folder once its owner is gone."""
    owner = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nsys.path.insert(0, 'tests')\n"
         "from pgserver import PostgresServer\n"
         "print(PostgresServer().folder, flush=True)\ntime.sleep(120)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        folder = Path(owner.stdout.readline().strip())
        assert (folder / "data" / "postmaster.pid").exists()
        pid = int((folder / "data" / "postmaster.pid").read_text().split()[0])
        assert pgserver._is_postmaster(pid, folder / "data")
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (folder.exists()
                                           or pgserver._is_postmaster(pid, folder / "data")):
        time.sleep(0.2)
    assert not folder.exists()
    assert not pgserver._is_postmaster(pid, folder / "data")


def test_missing_programs_say_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(pgserver, "BIN", tmp_path / "nowhere")
    assert pgserver.missing() == ("PostgreSQL 15 + PostGIS not installed: apt-get install "
                                  "postgresql postgresql-15-postgis-3")
    with pytest.raises(pgserver.PostgresUnavailable, match="apt-get install"):
        pgserver.PostgresServer()


def test_the_session_server_listens_on_loopback_only(pg_server):
    import psycopg

    with psycopg.connect(pg_server.url()) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert conn.execute("SHOW fsync").fetchone()[0] == "off"
    assert os.path.isdir(pg_server.folder)
