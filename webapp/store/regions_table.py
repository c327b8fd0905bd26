"""Events and fatalities counted per admin-1 area and kind, for the region shading.

Shading the map's regions grouped every matching event by area: about 12 s at a
million events on a busy machine. Areas are a few thousand, so counting per area and
kind (country, type, sub-event type, category, flag) leaves tens of thousands of rows
to add up for a view filtered by type or country. Kept like ``event_cells``: triggers
for single writes, a tally or one grouped pass for bulk imports. Events with no area
(``admin1`` empty) are left out, as the shading leaves them out.
"""

from __future__ import annotations

import sqlite3

from webapp.store.count_tables import FLAGGED, upsert_sql
from webapp.store.dialect import SQLITE, Dialect
from webapp.store.triggers import count_triggers

_KIND = "country_code, event_type, sub_event_type, category, flagged"
_UPSERT = upsert_sql("event_regions", "{select}")


def _row_sql(prefix: str, sign: str) -> str:
    return (f"SELECT {prefix}.admin1, {prefix}.country_code, {prefix}.event_type, "
            f"{prefix}.sub_event_type, {prefix}.category, "
            f"({prefix}.is_total OR {prefix}.is_historical), {sign}1, "
            f"{sign}{prefix}.fatalities WHERE {prefix}.admin1 <> ''")


_WATCHED = ("admin1, country_code, event_type, sub_event_type, category, is_total, "
            "is_historical, fatalities")
TRIGGERS = count_triggers("regions", _UPSERT, _row_sql, _WATCHED)


def create(conn: sqlite3.Connection) -> None:
    """The table (filled from the events already stored); the caller adds triggers."""
    conn.execute("""
        CREATE TABLE event_regions (
            admin1 TEXT NOT NULL,
            country_code TEXT NOT NULL, event_type TEXT NOT NULL,
            sub_event_type TEXT NOT NULL, category TEXT NOT NULL, flagged INTEGER NOT NULL,
            n INTEGER NOT NULL, fatalities INTEGER NOT NULL,
            PRIMARY KEY (country_code, admin1, event_type, sub_event_type, category,
                         flagged)
        ) WITHOUT ROWID""")
    add_since(conn, 0)


def add_since(conn, rowid: int, d: Dialect = SQLITE) -> None:
    """Add the events numbered above ``rowid`` in one grouped pass."""
    conn.execute(_UPSERT.format(select=(
        "SELECT e.admin1, e.country_code, e.event_type, e.sub_event_type, e.category, "
        f"{FLAGGED} AS f, count(*), sum(e.fatalities) "
        f"FROM events e WHERE e.{d.rowid} > {int(rowid):d} AND e.admin1 <> '' "
        "GROUP BY e.admin1, e.country_code, e.event_type, e.sub_event_type, e.category, f")))


def rebuild(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM event_regions")
    add_since(conn, 0)
