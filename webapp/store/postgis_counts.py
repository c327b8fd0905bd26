"""The PostGIS store's count tables (per cell, point, day and area; see
:mod:`webapp.store.cells`): written from a write's :class:`~webapp.store.tally.Tally`
when its rows went in as new rows numbered in order, else counted again in SQL from
the events themselves, with the same cell arithmetic as SQLite's."""

from __future__ import annotations

from webapp.store import cells, days, points, regions_table
from webapp.store.count_tables import COUNT_TABLES, upsert_sql
from webapp.store.dialect import POSTGRES
from webapp.store.postgis_schema import count_staging_sql

# the count tables' columns that are not int4 (see postgis_schema)
_TYPES = {"lat_sum": "float8", "lon_sum": "float8", "id_sum": "int8", "fatalities": "int8",
          "latitude": "float8", "longitude": "float8", "day": "text", "admin1": "text",
          "country_code": "text", "event_type": "text", "sub_event_type": "text",
          "category": "text"}
ANALYZE_ROWS = 10_000


def write(conn, tables: dict[str, list[tuple]]) -> None:
    """Add the rows of :meth:`Tally.tables` to the count tables: copied straight in
    when a table is empty (the first bulk load), else through a staging table and one
    upsert."""
    for table, rows in tables.items():
        if not rows:
            continue
        columns = ", ".join(COUNT_TABLES[table][0])
        empty = conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None
        target = table if empty else f"staged_{table}"
        if not empty:
            conn.execute(count_staging_sql(table))
        with conn.cursor().copy(f"COPY {target} ({columns}) FROM STDIN "
                                "(FORMAT BINARY)") as copy:
            copy.set_types([_TYPES.get(c, "int4") for c in COUNT_TABLES[table][0]])
            for row in rows:
                copy.write_row(row)
        if not empty:
            conn.execute(upsert_sql(table, f"SELECT {columns} FROM staged_{table}"))
            conn.execute(f"DELETE FROM staged_{table}")
        elif len(rows) > ANALYZE_ROWS:
            # a table filled at once has no statistics yet: the planner would take a
            # dense view's tens of thousands of points for one row
            conn.execute(f"ANALYZE {table}")


def add_since(conn, last_id: int) -> None:
    """Count the events with an id above ``last_id`` into every count table, with
    the SQL the SQLite store counts its bulk imports with."""
    for table in (cells, points, days, regions_table):
        table.add_since(conn, last_id, POSTGRES)


def rebuild(conn) -> None:
    """Count every event again (after a write overwrote stored events)."""
    conn.execute("TRUNCATE " + ", ".join(COUNT_TABLES))
    add_since(conn, 0)
    for table in COUNT_TABLES:
        conn.execute(f"ANALYZE {table}")
