"""The store shared by a running server and the command line, as a desk uses it.

Analysts read the map while someone runs ``ingest`` and ``import`` into the same file
from a terminal. Every read must succeed while the writes land, and the file must be
sound afterwards: a process that broke SQLite's locks (by opening the database file
with its own descriptor and closing it, which drops every POSIX lock the process holds
on that file) let a CLI writer checkpoint and delete the WAL under the server's
readers, who then read "database disk image is malformed".
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta

import pytest
from conftest import ROOT, make_event, run_cli

READERS = 4
ROUNDS = 3
IMPORT_ROWS = 3000
READ_PATHS = ("/api/events?limit=300", "/api/types", "/api/events?type=Battles&limit=50",
              "/api/regions?by_type=0", "/")


def _acled_csv(path, round_number: int, rows: int) -> None:
    """An ACLED export of ``rows`` events with ids of their own for this round."""
    from webapp.interchange import write_acled_csv

    start = date(2024, 1, 1)
    events = (make_event(f"R{round_number}-{i}", 31.2 + (i % 50) / 100,
                         34.2 + (i % 40) / 100, day=start + timedelta(days=i % 120),
                         location=f"Place {i % 300}", notes=f"Round {round_number} event {i}")
              for i in range(rows))
    with path.open("w", newline="", encoding="utf-8") as fh:
        write_acled_csv(events, fh)


def _articles(folder, round_number: int) -> None:
    """A few short reports, different each round (their text is their identity)."""
    folder.mkdir()
    for i in range(3):
        (folder / f"report-{i}.txt").write_text(
            f"Strikes reported, round {round_number}, report {i}\n\n"
            f"On 3 May 2024 an Israeli air strike hit a house in Rafah, killing {i + 2} "
            f"people (round {round_number}). Clashes were reported in Khan Younis.\n",
            encoding="utf-8")


def _start_server(db):
    env = dict(os.environ, BRIEFING_SNAPSHOT_BROWSER="none")
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp", "serve", "--db", str(db), "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if match:
            # drain the rest of stdout so the server never blocks writing to it
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, f"http://127.0.0.1:{match.group(1)}"
    process.kill()
    pytest.fail("the server did not print its address")


class Readers:
    """Threads reading the map and the API until told to stop, keeping every failure."""

    def __init__(self, base: str, count: int):
        self.base = base
        self.reads = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True)
                         for n in range(count)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _run(self, n: int) -> None:
        i = n
        while not self._stop.is_set():
            path = READ_PATHS[i % len(READ_PATHS)]
            i += 1
            try:
                with urllib.request.urlopen(self.base + path, timeout=30) as resp:
                    body = resp.read()
                    if path.startswith("/api/"):
                        json.loads(body)
                    ok = resp.status == 200
                    detail = str(resp.status)
            except urllib.error.HTTPError as err:
                ok, detail = False, f"{err.code} {err.read()[:200]!r}"
            except (OSError, ValueError) as err:
                ok, detail = False, repr(err)
            with self._lock:
                self.reads += 1
                if not ok:
                    self.failures.append(f"{path}: {detail}")


def test_reads_never_fail_while_the_cli_ingests_and_imports(tmp_path):
    db = tmp_path / "shared.sqlite"
    first = tmp_path / "round-0.csv"
    _acled_csv(first, 0, IMPORT_ROWS)
    assert run_cli("import", str(first), "--db", str(db)).returncode == 0

    server, base = _start_server(db)
    try:
        with Readers(base, READERS) as readers:
            for round_number in range(1, ROUNDS + 1):
                csv_path = tmp_path / f"round-{round_number}.csv"
                _acled_csv(csv_path, round_number, IMPORT_ROWS)
                folder = tmp_path / f"articles-{round_number}"
                _articles(folder, round_number)
                ingested = run_cli("ingest", str(folder), "--db", str(db),
                                   "--published", "2024-05-03")
                assert ingested.returncode == 0, ingested.stderr
                assert "3 article(s) ingested" in ingested.stdout
                imported = run_cli("import", str(csv_path), "--db", str(db))
                assert imported.returncode == 0, imported.stderr
                assert f"{IMPORT_ROWS} event(s) imported" in imported.stdout
            time.sleep(0.5)   # reads that began before the last write ended
        assert readers.failures == [], (f"{len(readers.failures)} of {readers.reads} "
                                        f"reads failed: {readers.failures[:5]}")
        assert readers.reads >= 4 * READERS
        print(f"{readers.reads} reads by {READERS} readers over {ROUNDS} rounds of ingest "
              f"+ import: {len(readers.failures)} failed")
        with urllib.request.urlopen(base + "/api/types", timeout=30) as resp:
            served_total = json.load(resp)["total"]
    finally:
        server.terminate()
        server.wait(timeout=20)

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        imported_rows = conn.execute(
            "SELECT count(*) FROM events WHERE event_id LIKE 'R%'").fetchone()[0]
    assert articles == 3 * ROUNDS
    assert imported_rows == IMPORT_ROWS * (ROUNDS + 1)
    assert served_total >= IMPORT_ROWS * (ROUNDS + 1)
