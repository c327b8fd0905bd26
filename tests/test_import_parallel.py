"""A large ACLED file read by a second process while the store takes its rows: the
same rows, the same errors on the same lines and the same all-or-nothing import as
reading it in one process."""

import multiprocessing

import pytest
from conftest import run_cli
from test_interchange import AWKWARD_ROWS, HEADER, ROWS, write

from webapp.errors import ImportFormatError
from webapp.interchange import read_acled_rows, read_acled_rows_parallel
from webapp.store import SQLiteStore
from webapp.store.base import make_filters

EVERY_EVENT = make_filters(include_flagged=True)


def many_rows(count: int) -> list[str]:
    """``count`` rows with distinct ids, cycling through the plain and awkward rows
    (quoted commas, a note across two lines, tags, blank and padded cells)."""
    pattern = ROWS + AWKWARD_ROWS
    rows = []
    for i in range(count):
        row = pattern[i % len(pattern)]
        event_id = row.split(",", 1)[0]
        rows.append(f"{event_id}-{i}" + row[len(event_id):])
    return rows


def csv_file(tmp_path, rows, name="big.csv"):
    return write(tmp_path / name, HEADER + "\n" + "\n".join(rows) + "\n")


def line_of(rows, index):
    """The line the row at ``index`` starts on: after the header, and after the
    notes that run over two lines."""
    return 2 + index + sum(row.count("\n") for row in rows[:index])


def parallel(path, **kw):
    return read_acled_rows_parallel(path, min_bytes=0, batch_rows=7, **kw)


def test_the_second_process_gives_exactly_the_rows_read_here(tmp_path):
    path = csv_file(tmp_path, many_rows(500))
    assert list(parallel(path)) == list(read_acled_rows(path))
    stored = {}
    for way, rows in (("serial", read_acled_rows(path)), ("parallel", parallel(path))):
        with SQLiteStore(tmp_path / f"{way}.sqlite") as store:
            assert store.add_rows(rows, replace=True) == 500
            stored[way] = store.query(EVERY_EVENT)
    assert stored["parallel"] == stored["serial"]


def a_syrian_row_near(rows, index):
    """The index, at or before ``index``, of a row made from ROWS[2] (SYR33)."""
    return index - (index - 2) % len(ROWS + AWKWARD_ROWS)


@pytest.mark.parametrize("reason", ["unknown event_type 'Skirmishes'", "unreadable CSV"])
def test_a_bad_row_late_in_a_large_file_leaves_the_store_unchanged(tmp_path, reason):
    rows = many_rows(300)
    bad = a_syrian_row_near(rows, 290)
    rows[bad] = rows[bad].replace("Battles", "Skirmishes").replace("Aleppo", "Ale@ppo")
    path = csv_file(tmp_path, rows)
    if reason == "unreadable CSV":  # bytes that are not UTF-8
        path.write_bytes(path.read_bytes().replace(b"Ale@ppo", b"Ale\xff\xfeppo"))
    with SQLiteStore(tmp_path / "events.sqlite") as store:
        store.add_rows(read_acled_rows(csv_file(tmp_path, ROWS, "before.csv")))
        before = store.query(EVERY_EVENT)
        with pytest.raises(ImportFormatError, match=reason) as caught:
            store.add_rows(parallel(path), replace=True)
        assert store.query(EVERY_EVENT) == before
    with pytest.raises(ImportFormatError) as serial:
        list(read_acled_rows(path))
    assert (str(caught.value), caught.value.line) == (str(serial.value), serial.value.line)
    if reason.startswith("unknown"):
        assert caught.value.line == line_of(rows, bad)


def test_skipped_rows_are_the_same_and_on_the_same_lines(tmp_path):
    rows = many_rows(300)
    bad = [5, 6, 150, 299]
    for i in bad:
        rows[i] += ",one too many"
    path = csv_file(tmp_path, rows)
    skipped_here, skipped_there = [], []
    assert list(parallel(path, skipped=skipped_there)) == list(
        read_acled_rows(path, skipped=skipped_here))
    assert [(p.line, str(p)) for p in skipped_there] == [
        (p.line, str(p)) for p in skipped_here]
    assert [p.line for p in skipped_there] == [line_of(rows, i) for i in bad]
    with SQLiteStore(tmp_path / "events.sqlite") as store:
        assert store.add_rows(parallel(path, skipped=[])) == 296


def test_the_reader_process_stops_when_the_rows_are_no_longer_wanted(tmp_path):
    path = csv_file(tmp_path, many_rows(2000))
    others = set(multiprocessing.active_children())
    rows = parallel(path)
    assert next(rows)
    assert set(multiprocessing.active_children()) - others  # reading ahead meanwhile
    del rows
    assert set(multiprocessing.active_children()) - others == set()


def test_a_small_file_is_read_without_a_second_process(tmp_path):
    path = csv_file(tmp_path, ROWS)
    others = set(multiprocessing.active_children())
    rows = read_acled_rows_parallel(path)
    assert next(rows) and set(multiprocessing.active_children()) - others == set()


def test_cli_import_of_a_large_file_is_all_or_nothing(tmp_path):
    count = 18_000  # over 4 MB: read by a second process
    rows = many_rows(count)
    bad = a_syrian_row_near(rows, count - 5)
    rows[bad] = rows[bad].replace("36.2021", "136.2021")
    path = csv_file(tmp_path, rows)
    assert path.stat().st_size > 4_000_000
    db = tmp_path / "events.sqlite"
    refused = run_cli("import", str(path), "--db", str(db))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines() == [
        f"error: {path}, line {line_of(rows, bad)}: "
        f"latitude/longitude out of range: 136.2021, 37.1343"]
    with SQLiteStore(db) as store:
        assert store.query(limit=1) == []
    skipped = run_cli("import", str(path), "--db", str(db), "--skip-bad")
    assert skipped.returncode == 0, skipped.stderr
    assert skipped.stdout.strip() == (
        f"{count - 1} event(s) imported (1 bad row(s) skipped, first: {path}, "
        f"line {line_of(rows, bad)}: latitude/longitude out of range: "
        f"136.2021, 37.1343)")
