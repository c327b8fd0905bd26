"""How the PostGIS store writes events: numbered after the last stored one (writers
take turns on the events table), tallied on their way in, and copied with COPY, into a
staging table and then into events, or straight in when a bulk load fills an empty
store (its keys and indexes built afterwards from all the rows at once)."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, islice

import psycopg

from webapp.store import postgis_counts
from webapp.store.base import EVENT_COLUMNS
from webapp.store.postgis_schema import COPY_TYPES, EVENT_INDEXES, EVENT_KEYS, staging_sql
from webapp.store.tally import Tally

_COLUMNS = ", ".join(EVENT_COLUMNS)
_UPDATED = ", ".join(f"{c} = excluded.{c}" for c in EVENT_COLUMNS
                     if c not in ("event_id", "article_id"))
BULK_ROWS = 2_000     # a write of this many rows into an empty store sets indexes aside


def write_rows(conn: psycopg.Connection, rows: Iterable[tuple], mode: str) -> int:
    """Write rows of :data:`EVENT_COLUMNS` inside the caller's transaction, numbered
    after the last stored event and tallied on the way. ``mode``: "new" (an id
    already stored is an error), "keep" (such rows are left out) or "replace"
    (they overwrite)."""
    conn.execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
    last = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    rows = iter(rows)
    head = list(islice(rows, BULK_ROWS))
    seen = Tally()
    if len(head) == BULK_ROWS and last == 0 and mode != "new":
        count, dropped = _load_empty(conn, chain(head, rows), seen, mode)
    else:
        count, dropped = _merge(conn, chain(head, rows), seen, mode, last), 0
    if count < 0:      # stored events were overwritten
        postgis_counts.rebuild(conn)
        return -count
    if dropped or count != len(seen) or not seen.fits:
        # duplicate ids left some numbers unused: count what went in
        postgis_counts.add_since(conn, last)
    elif count:
        postgis_counts.write(conn, seen.tables(last + 1))
    return count

def _copy(conn: psycopg.Connection, table: str, rows: Iterable[tuple], seen: Tally,
          first: int, freeze: bool = False) -> None:
    options = "FORMAT BINARY, FREEZE" if freeze else "FORMAT BINARY"
    with conn.cursor().copy(f"COPY {table} (id, {_COLUMNS}) FROM STDIN "
                            f"({options})") as copy:
        copy.set_types(COPY_TYPES)
        for number, row in enumerate(seen.tap(rows), first):
            copy.write_row((number, *row))

def _merge(conn, rows, seen: Tally, mode: str, last: int) -> int:
    """Rows copied into a staging table, then moved into events; the number
    stored, negative when stored events were overwritten."""
    conn.execute(staging_sql())
    _copy(conn, "staged_events", rows, seen, last + 1)
    if not len(seen):
        return 0
    moved = f"INSERT INTO events (id, {_COLUMNS}) SELECT id, {_COLUMNS} FROM "
    overwritten = 0
    if mode == "new":
        count = conn.execute(f"{moved} staged_events ORDER BY id").rowcount
    elif mode == "keep":
        count = conn.execute(f"{moved} staged_events ORDER BY id "
                             "ON CONFLICT (event_id) DO NOTHING").rowcount
    else:
        overwritten = conn.execute(
            "SELECT count(*) FROM staged_events s JOIN events e "
            "USING (event_id)").fetchone()[0] if last else 0
        # the last of several rows with one id wins, as in a row-by-row upsert
        conn.execute(f"{moved} (SELECT DISTINCT ON (event_id) * FROM staged_events "
                     f"ORDER BY event_id, id DESC) s ORDER BY id "
                     f"ON CONFLICT (event_id) DO UPDATE SET {_UPDATED}")
        # as a row-by-row upsert counts it: every row was added or overwrote one
        count = len(seen)
    conn.execute("DELETE FROM staged_events")
    return -count if overwritten else count

def _load_empty(conn, rows, seen: Tally, mode: str) -> tuple[int, int]:
    """A bulk load into an empty events table: copied straight in with its keys
    and indexes set aside, which are built afterwards from all the rows at once
    (quicker than growing them row by row). Rows sharing an id are then thinned
    to one (the last for "replace", the first for "keep"). (rows stored, rows
    dropped as duplicates)."""
    conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for name in EVENT_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    for name in EVENT_KEYS:
        conn.execute(f"ALTER TABLE events DROP CONSTRAINT IF EXISTS {name}")
    # emptied in this transaction, the table takes the rows frozen and marked
    # visible to all (COPY FREEZE): index-only reads work at once, no VACUUM needed
    conn.execute("TRUNCATE events")
    _copy(conn, "events", rows, seen, 1, freeze=True)
    keys = ", ".join(f"ADD CONSTRAINT {name} {sql}" for name, sql in EVENT_KEYS.items())
    dropped = 0
    try:
        with conn.transaction():   # a savepoint: a duplicate id undoes only this
            conn.execute(f"ALTER TABLE events {keys}")
    except psycopg.errors.UniqueViolation:
        keep = "<" if mode == "replace" else ">"
        dropped = conn.execute(
            f"DELETE FROM events a USING events b WHERE a.event_id = b.event_id "
            f"AND a.id {keep} b.id").rowcount
        conn.execute(f"ALTER TABLE events {keys}")
    for create in EVENT_INDEXES.values():
        conn.execute(create)
    conn.execute("ANALYZE events")
    count = len(seen)
    # "replace" counts every row as a row-by-row upsert would (added or overwrote)
    return (count if mode == "replace" else count - dropped), dropped
