"""The per-cell counts of a bulk import, made while its rows stream into the store.

The rows pass through Python on their way to ``executemany`` anyway; noting each one's
place, month, kind and toll there (a few list appends) and grouping them with numpy
afterwards costs a fraction of grouping the new rows again in SQL. Every count is the
same as :func:`webapp.store.cells.add_since` makes; the tally only holds if the rows
went in as new rows numbered one after another (rowids are summed to name a cell's
single event), which :meth:`Tally.write` checks, and otherwise declines.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable, Iterator

import numpy as np

from webapp.store import cells
from webapp.store.base import EVENT_COLUMNS
from webapp.store.count_tables import COUNT_TABLES, upsert_sql

_AT = {name: EVENT_COLUMNS.index(name) for name in (
    "event_date", "event_type", "sub_event_type", "category", "fatalities", "latitude",
    "longitude", "country_code", "is_total", "is_historical", "admin1")}


class Tally:
    """Notes what each row passing through :meth:`tap` adds to the cell counts."""

    def __init__(self):
        self._lat = array("d")
        self._lon = array("d")
        self._day = array("q")     # 20240503; 0 when undated
        self._dead = array("q")
        self._kind = array("q")
        self._kinds: dict[tuple, int] = {}   # (country, type, sub, category, flagged)
        self._area = array("q")
        self._areas: dict[str, int] = {}     # admin1 -> its number

    def __len__(self) -> int:
        return len(self._kind)

    def tap(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        """``rows``, unchanged, noted as they go by."""
        lat, lon = self._lat.append, self._lon.append
        day_of, dead, kind = self._day.append, self._dead.append, self._kind.append
        kinds = self._kinds
        (at_date, at_type, at_sub, at_cat, at_dead, at_lat, at_lon, at_country, at_total,
         at_past, at_area) = _AT.values()
        area, areas = self._area.append, self._areas
        nan = float("nan")
        for row in rows:
            yield row
            y = row[at_lat]
            lat(nan if y is None else y)
            x = row[at_lon]
            lon(nan if x is None else x)
            day = row[at_date]
            day_of(int(day[:4]) * 10000 + int(day[5:7]) * 100 + int(day[8:10]) if day else 0)
            dead(row[at_dead])
            key = (row[at_country], row[at_type], row[at_sub], row[at_cat],
                   1 if (row[at_total] or row[at_past]) else 0)
            number = kinds.get(key)
            if number is None:
                number = kinds[key] = len(kinds)
            kind(number)
            name = row[at_area]
            number = areas.get(name)
            if number is None:
                number = areas[name] = len(areas)
            area(number)

    def write(self, conn: sqlite3.Connection, last_rowid: int) -> bool:
        """Add the tallied rows to the SQLite store's count tables, if they were stored
        as rowids ``last_rowid + 1`` onwards in the order seen; False (nothing written)
        if not."""
        count = len(self)
        stored = conn.execute("SELECT coalesce(max(rowid), 0) FROM events").fetchone()[0]
        if stored != last_rowid + count or len(self._kinds) >= MAX_KINDS:
            return False   # some rows were duplicates or overwrote others; or too varied
        for table, rows in self.tables(last_rowid + 1).items():
            values = f"VALUES ({', '.join('?' * len(COUNT_TABLES[table][0]))})"
            conn.executemany(upsert_sql(table, values), rows)
        return True

    @property
    def fits(self) -> bool:
        """Whether the rows are few enough kinds to be tallied (see MAX_KINDS)."""
        return len(self._kinds) < MAX_KINDS

    def tables(self, first_id: int) -> dict[str, list[tuple]]:
        """{count table: its rows, in :data:`COUNT_TABLES`' column order and the
        table's key order}, for the rows seen numbered ``first_id`` onwards."""
        count = len(self)
        if not count:
            return {}
        lat = np.frombuffer(self._lat, dtype=np.float64)
        lon = np.frombuffer(self._lon, dtype=np.float64)
        placed = ~np.isnan(lat)
        values = np.stack([np.ones(count), np.where(placed, lat, 0.0),
                           np.where(placed, lon, 0.0),
                           np.arange(first_id, first_id + count, dtype=np.float64),
                           np.frombuffer(self._dead, dtype=np.int64).astype(np.float64)])
        kind = np.frombuffer(self._kind, dtype=np.int64)
        day = np.frombuffer(self._day, dtype=np.int64)
        month = day // 100
        rows = []
        for top, by_month in ((cells.TOP_ZOOM, False), (cells.MONTH_ZOOM, True)):
            across = cells.cells_across(top)
            cx = np.where(placed, np.minimum(((np.where(placed, lon, 0) + 180.0) * across
                                              / 360.0).astype(np.int64), across - 1), -1)
            cy = np.where(placed, np.minimum(((np.where(placed, lat, 0) + 90.0) * across
                                              / 360.0).astype(np.int64), across // 2 - 1), -1)
            when = month if by_month else np.full(count, cells.ALL_TIME, dtype=np.int64)
            groups = _group(cx, cy, when, kind, values)
            for zoom in range(top, -1, -1):
                if zoom < top:   # halve the finer cells (unplaced stay at -1)
                    gx, gy, gm, gk, gv = groups
                    groups = _group(np.where(gx >= 0, gx // 2, -1),
                                    np.where(gy >= 0, gy // 2, -1), gm, gk, gv)
                rows.append(_rows(zoom, groups))
        names = list(self._kinds)
        # In the table's key order: the B-tree then grows at its end instead of being
        # split all over (a third of the time, for a million events' cells).
        return {
            "event_cells": sorted(
                ((zoom, x, y, m, *names[k], n, la, lo, ident, dead)
                 for part in rows for zoom, x, y, m, k, n, la, lo, ident, dead in part),
                key=lambda row: (row[0], row[3], row[1], row[2], *row[4:9])),
            "event_points": self._points(placed, lat, lon, kind, values, names),
            "event_days": self._days(day, names),
            "event_regions": self._regions(values[4], names),
        }

    def _regions(self, dead, names) -> list[tuple]:
        """The same rows' counts per admin-1 area and kind (webapp.store.regions_table)."""
        kind = np.frombuffer(self._kind, dtype=np.int64)
        area = np.frombuffer(self._area, dtype=np.int64)
        unique, inverse, counts = np.unique(area << _BITS_KIND | kind, return_inverse=True,
                                            return_counts=True)
        fatalities = np.bincount(inverse.ravel(), weights=dead, minlength=len(unique))
        area_names = list(self._areas)
        rows = sorted((names[k & (MAX_KINDS - 1)][0], area_names[k >> _BITS_KIND],
                       *names[k & (MAX_KINDS - 1)][1:], n, d)
                      for k, n, d in zip(unique.tolist(), counts.tolist(),
                                         fatalities.astype(np.int64).tolist())
                      if area_names[k >> _BITS_KIND])
        return [(a, c, *rest) for c, a, *rest in rows]

    def _days(self, day, names) -> list[tuple]:
        """The same rows' counts per day and kind (webapp.store.days)."""
        kind = np.frombuffer(self._kind, dtype=np.int64)
        unique, counts = np.unique(day << _BITS_KIND | kind, return_counts=True)
        return sorted((_iso(d >> _BITS_KIND), *names[d & (MAX_KINDS - 1)], n)
                      for d, n in zip(unique.tolist(), counts.tolist()))

    @staticmethod
    def _points(placed, lat, lon, kind, values, names) -> list[tuple]:
        """The same rows' counts per exact point and kind (webapp.store.points)."""
        keys = np.empty(int(placed.sum()), dtype=[("lat", "f8"), ("lon", "f8"),
                                                  ("kind", "i8")])
        keys["lat"], keys["lon"], keys["kind"] = lat[placed], lon[placed], kind[placed]
        unique, inverse = np.unique(keys, return_inverse=True)
        inverse = inverse.ravel()
        n, ident, dead = (np.bincount(inverse, weights=v[placed], minlength=len(unique))
                          .astype(np.int64).tolist() for v in values[[0, 3, 4]])
        return sorted((la, lo, *names[k], c, i, d) for la, lo, k, c, i, d in zip(
            unique["lat"].tolist(), unique["lon"].tolist(), unique["kind"].tolist(),
            n, ident, dead))


# One int64 key per (cx, cy, month, kind): cx + 1 < 2**15 (16,384 cells across at zoom
# 12, -1 when unplaced), cy + 1 < 2**14, month + 1 < 2**20 (999912, or -1 all time),
# kind < 2**14. np.unique of one column is several times quicker than of four.
_BITS_Y, _BITS_MONTH, _BITS_KIND = 14, 20, 14
MAX_KINDS = 1 << _BITS_KIND


def _group(cx, cy, month, kind, values):
    """The distinct (cx, cy, month, kind) and the sums of ``values`` over each."""
    key = ((((cx + 1) << _BITS_Y | (cy + 1)) << _BITS_MONTH | (month + 1)) << _BITS_KIND
           | kind)
    unique, inverse = np.unique(key, return_inverse=True)
    sums = np.stack([np.bincount(inverse, weights=v, minlength=len(unique))
                     for v in values])
    kind = unique & (MAX_KINDS - 1)
    rest = unique >> _BITS_KIND
    month = (rest & ((1 << _BITS_MONTH) - 1)) - 1
    rest >>= _BITS_MONTH
    return (rest >> _BITS_Y) - 1, (rest & ((1 << _BITS_Y) - 1)) - 1, month, kind, sums


def _iso(day: int) -> str:
    """20240503 -> '2024-05-03'; 0 -> '' (undated)."""
    if not day:
        return ""
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def _rows(zoom: int, groups):
    gx, gy, gm, gk, sums = groups
    n, lat, lon, ident, dead = sums
    # sums of whole numbers below 2**53 are exact in float64; back to int for SQLite
    return zip([zoom] * len(gx), gx.tolist(), gy.tolist(), gm.tolist(), gk.tolist(),
               n.astype(np.int64).tolist(), lat.tolist(), lon.tolist(),
               ident.astype(np.int64).tolist(), dead.astype(np.int64).tolist())
