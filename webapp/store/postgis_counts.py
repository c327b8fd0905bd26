"""The PostGIS store's count tables (per cell, point, day and area; see
:mod:`webapp.store.cells`): written from a write's :class:`~webapp.store.tally.Tally`
when its rows went in as new rows numbered in order, else counted again in SQL from
the events themselves, with the same cell arithmetic as SQLite's."""

from __future__ import annotations

from webapp.store import cells
from webapp.store.dialect import POSTGRES
from webapp.store.postgis_schema import count_staging_sql, upsert_sql
from webapp.store.tally import COUNT_TABLES

# the count tables' columns that are not int4 (see postgis_schema)
_TYPES = {"lat_sum": "float8", "lon_sum": "float8", "id_sum": "int8", "fatalities": "int8",
          "latitude": "float8", "longitude": "float8", "day": "text", "admin1": "text",
          "country_code": "text", "event_type": "text", "sub_event_type": "text",
          "category": "text"}
ANALYZE_ROWS = 10_000
_FLAG = "CASE WHEN e.is_total <> 0 OR e.is_historical <> 0 THEN 1 ELSE 0 END"
_KIND = "e.country_code, e.event_type, e.sub_event_type, e.category"


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
    """Count the events with an id above ``last_id`` into every count table."""
    since = f"e.id > {int(last_id):d}"
    _cells_since(conn, since)
    conn.execute(upsert_sql("event_points", (
        f"SELECT e.latitude, e.longitude, {_KIND}, {_FLAG} AS f, count(*), sum(e.id), "
        f"sum(e.fatalities) FROM events e WHERE {since} AND e.latitude IS NOT NULL AND "
        f"e.longitude IS NOT NULL GROUP BY e.latitude, e.longitude, {_KIND}, f")))
    conn.execute(upsert_sql("event_days", (
        f"SELECT coalesce(e.event_date, '') AS d, {_KIND}, {_FLAG} AS f, count(*) "
        f"FROM events e WHERE {since} GROUP BY d, {_KIND}, f")))
    conn.execute(upsert_sql("event_regions", (
        f"SELECT e.admin1, {_KIND}, {_FLAG} AS f, count(*), sum(e.fatalities) FROM events e "
        f"WHERE {since} AND e.admin1 <> '' GROUP BY e.admin1, {_KIND}, f")))


def _cells_since(conn, since: str) -> None:
    """Two grouped passes over the events (the finest zoom, of all time and per
    month), each coarser zoom then summed from the finer one's rows."""
    columns = ", ".join(COUNT_TABLES["event_cells"][0])
    keys = "country_code, event_type, sub_event_type, category, flagged"
    conn.execute(count_staging_sql("event_cells"))
    for top, month in ((cells.TOP_ZOOM, str(cells.ALL_TIME)),
                       (cells.MONTH_ZOOM, cells.month_sql("e.event_date"))):
        cx, cy = cells.cell_sql(str(cells.cells_across(top)), d=POSTGRES)
        conn.execute(
            f"INSERT INTO staged_event_cells ({columns}) SELECT {top}, {cx} AS x, "
            f"{cy} AS y, {month} AS m, {_KIND}, {_FLAG} AS f, count(*), "
            "total(coalesce(e.latitude, 0)), total(coalesce(e.longitude, 0)), sum(e.id), "
            f"sum(e.fatalities) FROM events e WHERE {since} GROUP BY x, y, m, {_KIND}, f")
        kept = (f"month = {cells.ALL_TIME:d}" if month == str(cells.ALL_TIME)
                else f"month <> {cells.ALL_TIME:d}")
        for zoom in range(top - 1, -1, -1):   # halve the finer cells
            conn.execute(
                f"INSERT INTO staged_event_cells ({columns}) SELECT {zoom}, "
                "CASE WHEN cx < 0 THEN -1 ELSE cx / 2 END AS x, "
                "CASE WHEN cy < 0 THEN -1 ELSE cy / 2 END AS y, month, "
                f"{keys}, sum(n), total(lat_sum), total(lon_sum), sum(id_sum), "
                f"sum(fatalities) FROM staged_event_cells WHERE zoom = {zoom + 1} AND "
                f"{kept} GROUP BY x, y, month, {keys}")
    conn.execute(upsert_sql("event_cells", f"SELECT {columns} FROM staged_event_cells"))
    conn.execute("DELETE FROM staged_event_cells")


def rebuild(conn) -> None:
    """Count every event again (after a write overwrote stored events)."""
    conn.execute("TRUNCATE " + ", ".join(COUNT_TABLES))
    add_since(conn, 0)
    for table in COUNT_TABLES:
        conn.execute(f"ANALYZE {table}")
