"""Events counted per day and kind, for the timeline.

The timeline counts a view's events per day whatever its dates; grouping a million
events by day took a quarter of a second, more than the rest of the page. Three years
hold about a thousand days, so counting per day and kind (country, type, sub-event
type, category, flag) leaves a few tens of thousands of rows to add up. Kept like
``event_cells``: triggers for single writes, a tally or one grouped pass for bulk
imports (:mod:`webapp.store.tally`, :func:`add_since`). Undated events count under
the day ``''``.
"""

from __future__ import annotations

import sqlite3

from webapp.store.count_tables import FLAGGED, upsert_sql
from webapp.store.dialect import SQLITE, Dialect
from webapp.store.triggers import count_triggers

_KIND = "country_code, event_type, sub_event_type, category, flagged"
_UPSERT = upsert_sql("event_days", "{select}")


def _row_sql(prefix: str, sign: str) -> str:
    return (f"SELECT coalesce({prefix}.event_date, ''), {prefix}.country_code, "
            f"{prefix}.event_type, {prefix}.sub_event_type, {prefix}.category, "
            f"({prefix}.is_total OR {prefix}.is_historical), {sign}1 WHERE true")


_WATCHED = ("event_date, country_code, event_type, sub_event_type, category, is_total, "
            "is_historical")
TRIGGERS = count_triggers("days", _UPSERT, _row_sql, _WATCHED)


def create(conn: sqlite3.Connection) -> None:
    """The table (filled from the events already stored); the caller adds triggers."""
    conn.execute(f"""
        CREATE TABLE event_days (
            day TEXT NOT NULL,
            country_code TEXT NOT NULL, event_type TEXT NOT NULL,
            sub_event_type TEXT NOT NULL, category TEXT NOT NULL, flagged INTEGER NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (day, {_KIND})
        ) WITHOUT ROWID""")
    add_since(conn, 0)


def add_since(conn, rowid: int, d: Dialect = SQLITE) -> None:
    """Add the events numbered above ``rowid`` in one grouped pass."""
    conn.execute(_UPSERT.format(select=(
        "SELECT coalesce(e.event_date, '') AS d, e.country_code, e.event_type, "
        f"e.sub_event_type, e.category, {FLAGGED} AS f, count(*) "
        f"FROM events e WHERE e.{d.rowid} > {int(rowid):d} "
        "GROUP BY d, e.country_code, e.event_type, e.sub_event_type, e.category, f")))


def rebuild(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM event_days")
    add_since(conn, 0)
