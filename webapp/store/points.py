"""Events counted per exact point, for map views closer than the cell table goes.

Reports place events at a town's, camp's or neighbourhood's point, so a dense place
holds tens of thousands of events on one coordinate pair: a close view over it reads
one row per point and kind here instead of every event. Where events are spread out
instead, a close view holds few of them, so the table costs a view little either way.
Kept like ``event_cells``: triggers for single writes, a tally or one grouped pass
for bulk imports (:mod:`webapp.store.tally`, :func:`add_since`).
"""

from __future__ import annotations

import sqlite3

from webapp.store.count_tables import FLAGGED, upsert_sql
from webapp.store.dialect import SQLITE, Dialect
from webapp.store.triggers import count_triggers

_KIND = "country_code, event_type, sub_event_type, category, flagged"
_UPSERT = upsert_sql("event_points", "{select}")


def _row_sql(prefix: str, sign: str) -> str:
    return (f"SELECT {prefix}.latitude, {prefix}.longitude, {prefix}.country_code, "
            f"{prefix}.event_type, {prefix}.sub_event_type, {prefix}.category, "
            f"({prefix}.is_total OR {prefix}.is_historical), {sign}1, {sign}{prefix}.rowid, "
            f"{sign}{prefix}.fatalities WHERE {prefix}.latitude IS NOT NULL "
            f"AND {prefix}.longitude IS NOT NULL")


_WATCHED = ("latitude, longitude, country_code, event_type, sub_event_type, category, "
            "is_total, is_historical, fatalities")
TRIGGERS = count_triggers("points", _UPSERT, _row_sql, _WATCHED)


def create(conn: sqlite3.Connection) -> None:
    """The table (filled from the events already stored); the caller adds triggers."""
    conn.execute(f"""
        CREATE TABLE event_points (
            latitude REAL NOT NULL, longitude REAL NOT NULL,
            country_code TEXT NOT NULL, event_type TEXT NOT NULL,
            sub_event_type TEXT NOT NULL, category TEXT NOT NULL, flagged INTEGER NOT NULL,
            n INTEGER NOT NULL, id_sum INTEGER NOT NULL, fatalities INTEGER NOT NULL,
            PRIMARY KEY (latitude, longitude, {_KIND})
        ) WITHOUT ROWID""")
    add_since(conn, 0)


def add_since(conn, rowid: int, d: Dialect = SQLITE) -> None:
    """Add the events numbered above ``rowid`` in one grouped pass."""
    conn.execute(_UPSERT.format(select=(
        "SELECT e.latitude, e.longitude, e.country_code, e.event_type, e.sub_event_type, "
        f"e.category, {FLAGGED} AS f, count(*), sum(e.{d.rowid}), "
        f"sum(e.fatalities) FROM events e WHERE e.{d.rowid} > {int(rowid):d} "
        "AND e.latitude IS NOT NULL AND e.longitude IS NOT NULL "
        "GROUP BY e.latitude, e.longitude, e.country_code, e.event_type, "
        "e.sub_event_type, e.category, f")))


def rebuild(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM event_points")
    add_since(conn, 0)


def view_sql(cx: str, cy: str) -> str:
    """The SELECT of a close view's marks (as the cell table's: x, y, type, category,
    n, latitude sum, longitude sum, rowid sum, fatalities), to be completed with the
    view's WHERE terms and ``GROUP BY x, y, event_type, category``."""
    return (f"SELECT {cx} AS x, {cy} AS y, event_type, category, sum(n), "
            "total(n * latitude), total(n * longitude), sum(id_sum), sum(fatalities) "
            "FROM event_points e")
