"""The four count tables both stores keep beside their events (per grid cell, exact
point, day and admin-1 area: see :mod:`webapp.store.cells`), described once: their
columns, which of them a new row adds to, and the one upsert that adds rows to them,
written so that SQLite and PostgreSQL both take it."""

from __future__ import annotations

_KIND = ("country_code", "event_type", "sub_event_type", "category", "flagged")
# count table -> (its columns as tables() gives them, the columns a new row adds to)
COUNT_TABLES = {
    "event_cells": (("zoom", "cx", "cy", "month", *_KIND, "n", "lat_sum", "lon_sum",
                     "id_sum", "fatalities"),
                    ("n", "lat_sum", "lon_sum", "id_sum", "fatalities")),
    "event_points": (("latitude", "longitude", *_KIND, "n", "id_sum", "fatalities"),
                     ("n", "id_sum", "fatalities")),
    "event_days": (("day", *_KIND, "n"), ("n",)),
    "event_regions": (("admin1", *_KIND, "n", "fatalities"), ("n", "fatalities")),
}

# An event's flag (a running total or recalled history) as 0 or 1, in either dialect
FLAGGED = "CASE WHEN e.is_total <> 0 OR e.is_historical <> 0 THEN 1 ELSE 0 END"


def upsert_sql(table: str, select: str) -> str:
    """INSERT the rows of ``select`` (a SELECT, which SQLite wants with a WHERE, or a
    VALUES) into count table ``table``, adding to the rows already there. PostgreSQL
    needs the conflict's columns named; SQLite takes them as well."""
    columns, sums = COUNT_TABLES[table]
    keys = [c for c in columns if c not in sums]
    return (f"INSERT INTO {table} ({', '.join(columns)}) {select} "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
            + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in sums))
