"""``python -m webapp backup``: a consistent copy of a store that is in use."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from conftest import ROOT, make_event, run_cli

from webapp.store import SQLiteStore
from webapp.store.base import make_filters


def _count(path) -> int:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]


def _store_of_one_event(tmp_path):
    db = tmp_path / "events.sqlite"
    with SQLiteStore(db) as store:
        store.add_events([make_event("E1", 31.5, 34.4)])
    return db


def _csv(path, rows: int) -> None:
    from webapp.interchange import write_acled_csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        write_acled_csv((make_event(f"B{i}", 31.3, 34.3 + i / 1e6) for i in range(rows)), fh)


def test_a_backup_taken_during_an_import_holds_the_store_before_or_after_it(tmp_path):
    db = tmp_path / "events.sqlite"
    with SQLiteStore(db) as store:
        store.add_events([make_event(f"A{i}", 31.5, 34.4) for i in range(50)])
    big = tmp_path / "big.csv"
    _csv(big, 60_000)
    importing = subprocess.Popen([sys.executable, "-m", "webapp", "import", str(big),
                                  "--db", str(db)], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
    seen = set()
    try:
        for n in range(6):
            dest = tmp_path / f"copy-{n}.sqlite"
            result = run_cli("backup", str(dest), "--db", str(db))
            assert result.returncode == 0, result.stderr
            assert "backed up" in result.stdout
            # the import is one transaction: a copy has all of it or none of it
            seen.add(_count(dest))
            if importing.poll() is not None:
                break
    finally:
        out, err = importing.communicate(timeout=120)
    assert importing.returncode == 0, err
    assert seen <= {50, 60_050}, seen
    last = tmp_path / "last.sqlite"
    assert run_cli("backup", str(last), "--db", str(db)).returncode == 0
    assert _count(last) == 60_050
    # the copy is a store of its own, in one file
    assert not (tmp_path / "last.sqlite-wal").exists()
    with SQLiteStore(last) as copy:
        assert len(copy.query(make_filters(), 10)) == 10


def test_backup_refuses_to_overwrite_or_copy_onto_itself(tmp_path):
    db = _store_of_one_event(tmp_path)
    dest = tmp_path / "copy.sqlite"
    dest.write_text("last week's backup")
    result = run_cli("backup", str(dest), "--db", str(db))
    assert result.returncode == 1 and "--overwrite" in result.stderr
    assert dest.read_text() == "last week's backup"
    assert run_cli("backup", str(dest), "--db", str(db), "--overwrite").returncode == 0
    assert _count(dest) == 1
    same = run_cli("backup", str(db), "--db", str(db), "--overwrite")
    assert same.returncode == 1 and "cannot replace the store" in same.stderr
    assert _count(db) == 1
    missing = run_cli("backup", str(tmp_path / "x.sqlite"), "--db", str(tmp_path / "none"))
    assert missing.returncode == 1 and "no event store" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert not (tmp_path / "none").exists() and not (tmp_path / "x.sqlite").exists()


def test_a_backup_that_cannot_be_written_says_why_in_one_line(tmp_path):
    db = _store_of_one_event(tmp_path)
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file where a folder should be")
    result = run_cli("backup", str(not_a_folder / "copy.sqlite"), "--db", str(db))
    assert result.returncode == 1 and "backup to" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("events")) \
        == ["notes.txt"]
