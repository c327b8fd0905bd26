"""Which store the commands and the server use: the same one wherever they are run
from (webapp.paths), a path or a postgresql:// URL given by --db or DATABASE_URL, and
one clear line when it cannot be opened."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import ROOT, needs_postgis_store

SAMPLE = ROOT / "webapp" / "samples" / "sitrep-2024-05-03.txt"
ACLED_HEADER = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,"
                "sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,"
                "interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
                "location,latitude,longitude,geo_precision,source,source_scale,notes,"
                "fatalities,tags,timestamp")


@pytest.fixture
def clean_env(monkeypatch):
    """No store or instance named by the environment the tests run in."""
    for name in ("DATABASE_URL", "BRIEFING_DB", "BRIEFING_INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def cli(*args, cwd, env=None):
    """``python -m webapp`` run from ``cwd`` with ``env`` added to a clean environment."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "BRIEFING_DB", "BRIEFING_INSTANCE")}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "webapp", *args], cwd=cwd,
                          env={**base, **(env or {})}, capture_output=True, text=True,
                          timeout=180)


def instance_with_index(folder: Path) -> Path:
    """A new instance folder holding the project's built gazetteer index (linked, not
    rebuilt: building it takes a minute or two)."""
    folder.mkdir()
    for index in (ROOT / "instance").glob("gazetteer-*.pickle"):
        (folder / index.name).symlink_to(index)
    return folder


def acled_csv(path: Path, rows: int) -> Path:
    lines = [ACLED_HEADER]
    for i in range(rows):
        lines.append(f"LBN{i},2024-05-0{1 + i % 3},2024,1,Political violence,"
                     "Explosions/Remote violence,Air/drone strike,Israeli Air Force,,8,,,,"
                     "80,,422,Middle East,Lebanon,South Lebanon,Tyre,,Tyre,"
                     f"{33.27 + i / 1000:.3f},35.203,1,Reuters,International,"
                     f"Strike number {i},0,,1715000000")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ingest_run_elsewhere_fills_the_store_the_server_reads(tmp_path, clean_env):
    from webapp.web import create_app

    instance = instance_with_index(tmp_path / "instance")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = cli("ingest", str(SAMPLE), "--published", "2024-05-03", cwd=elsewhere,
               env={"BRIEFING_INSTANCE": str(instance)})
    assert done.returncode == 0, done.stderr
    assert "1 article(s) ingested" in done.stdout
    assert (instance / "briefing.sqlite").is_file()
    assert not (elsewhere / "instance").exists()   # nothing made relative to the cwd

    clean_env.setenv("BRIEFING_INSTANCE", str(instance))
    app = create_app({"TESTING": True})
    assert app.config["DB"] == str(instance / "briefing.sqlite")
    events = app.test_client().get("/api/events").get_json()
    assert events["features"], "the server sees the events ingest stored"


def test_commands_and_server_agree_without_any_setting(tmp_path, clean_env):
    from webapp.paths import configured_store, instance_dir
    from webapp.web import create_app

    clean_env.chdir(tmp_path)
    assert instance_dir() == ROOT / "instance"
    assert configured_store() == str(ROOT / "instance" / "briefing.sqlite")
    app = create_app()
    assert app.config["DB"] == configured_store()
    assert app.config["INSTANCE_PATH"] == str(instance_dir())


def test_the_store_settings_in_order(tmp_path, clean_env):
    from webapp.paths import configured_store
    from webapp.web import create_app

    clean_env.setenv("BRIEFING_INSTANCE", str(tmp_path))
    assert configured_store() == str(tmp_path / "briefing.sqlite")
    clean_env.setenv("DATABASE_URL", "postgresql://maps@db.example/briefing")
    assert configured_store() == "postgresql://maps@db.example/briefing"
    assert create_app().config["DB"] == "postgresql://maps@db.example/briefing"
    (tmp_path / "config.py").write_text('DB = "/data/from-config.sqlite"\n')
    assert configured_store() == "/data/from-config.sqlite"
    assert create_app().config["DB"] == "/data/from-config.sqlite"
    clean_env.setenv("BRIEFING_DB", "/data/from-env.sqlite")
    assert configured_store() == create_app().config["DB"] == "/data/from-env.sqlite"


def test_DATABASE_URL_names_the_store_of_every_command(tmp_path):
    store = tmp_path / "named.sqlite"
    csv = acled_csv(tmp_path / "rows.csv", 5)
    done = cli("import", str(csv), cwd=tmp_path, env={"DATABASE_URL": str(store)})
    assert done.returncode == 0, done.stderr
    assert "5 event(s) imported" in done.stdout
    listed = cli("export", "--format", "csv", "-o", "-", cwd=ROOT,
                 env={"DATABASE_URL": str(store)})
    assert listed.returncode == 0 and listed.stdout.count("LBN") == 5
    # --db wins over the environment
    other = cli("export", "--db", str(tmp_path / "other.sqlite"), "--format", "csv",
                cwd=ROOT, env={"DATABASE_URL": str(store)})
    assert other.returncode == 0 and "LBN" not in other.stdout


def test_a_bad_config_file_is_one_line(tmp_path):
    (tmp_path / "config.py").write_text("DB = \n")
    done = cli("audit", cwd=tmp_path, env={"BRIEFING_INSTANCE": str(tmp_path)})
    assert done.returncode == 1
    assert done.stderr.lower().startswith("error: cannot read ") and "config.py" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_server_keeps_one_sqlite_store_per_thread(tmp_path, clean_env):
    from webapp.web import create_app

    db = str(tmp_path / "events.sqlite")
    shared = create_app({"DB": db}).extensions["briefing"]
    seen = []
    thread = threading.Thread(target=lambda: seen.append(shared.thread_store(db)))
    thread.start()
    thread.join()
    mine = shared.thread_store(db)
    assert mine is shared.thread_store(db) and mine is not seen[0]


# -- with the PostGIS store ----------------------------------------------------------

UNREACHABLE = "postgresql://briefing:s3cret-word@127.0.0.1:9/nowhere"


@pytest.mark.parametrize("command", [["export"], ["import", "rows.csv"], ["audit"],
                                     ["users", "list"], ["serve", "--port", "0"]])
def test_an_unreachable_database_is_one_line(tmp_path, command):
    needs_postgis_store()
    acled_csv(tmp_path / "rows.csv", 2)
    done = cli(*command, "--db", UNREACHABLE, cwd=tmp_path)
    assert done.returncode == 1, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "s3cret-word" not in done.stderr + done.stdout
    assert "Serving" not in done.stdout


def test_the_server_shares_one_postgis_store_between_threads(postgis_url, clean_env):
    needs_postgis_store()
    from webapp.web import create_app

    shared = create_app({"DB": postgis_url}).extensions["briefing"]
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(shared.thread_store(postgis_url)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(store is seen[0] for store in seen)
    assert shared.thread_store(postgis_url) is seen[0]
    shared.close()


def test_DATABASE_URL_with_postgis(tmp_path, postgis_url):
    needs_postgis_store()
    from webapp.store import open_store

    csv = acled_csv(tmp_path / "rows.csv", 7)
    done = cli("import", str(csv), cwd=tmp_path, env={"DATABASE_URL": postgis_url})
    assert done.returncode == 0, done.stderr
    with open_store(postgis_url) as store:
        assert store.count() == 7
