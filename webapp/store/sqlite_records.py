"""The SQLite store's side of whole-store records (:mod:`webapp.store.records`):
reading them in one read transaction, and writing events through its bulk path."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from webapp.store import records
from webapp.store.base import RECORD_TABLES
from webapp.store.sqlite import _INSERT, _SELECT, _insert_many

_BATCH = 1000   # rows fetched at a time
_KEEP = _INSERT + " ON CONFLICT(event_id) DO NOTHING"


def read_all(conn: sqlite3.Connection) -> Iterator[tuple[str, object]]:
    """Every record, table by table, inside one read transaction of ``conn`` (in WAL
    mode one moment of the file, however long the reading takes)."""
    conn.execute("BEGIN")
    try:
        for table in RECORD_TABLES:
            cursor = conn.execute(records.read_sql(table, _SELECT, "e.rowid"))
            while batch := cursor.fetchmany(_BATCH):
                for row in batch:
                    yield table, records.record(table, row)
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def write_all(conn: sqlite3.Connection, pairs: Iterable[tuple[str, object]],
              by: str | None, about: dict | None) -> dict[str, int]:
    # the bulk path of every import: counts tallied, indexes built again at the end
    return records.write_all(conn, pairs, lambda c, rows: _insert_many(c, rows, _KEEP, False),
                             by, about)


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    return records.counts(conn)
