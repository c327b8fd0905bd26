"""What a store counts rather than lists: totals, counts by type, day and
area, and the marks of a map view, each answered from the count tables
(:mod:`~webapp.store.cells`, :mod:`~webapp.store.points`, :mod:`~webapp.store.days`,
:mod:`~webapp.store.regions_table`) where they can, else grouped from the events.

A mixin of :class:`~webapp.store.sqlite.SQLiteStore` and
:class:`~webapp.store.postgis.PostGISStore`: it reads through the store's ``_read``, in
the store's SQL dialect (``_dialect``).
"""

from __future__ import annotations

import dataclasses

from webapp.errors import FilterError
from webapp.store import cells, clauses, points
from webapp.store.base import MAX_ZOOM, Cluster, Filters
from webapp.store.dialect import SQLITE

# The most events a close view over a long date range reads one by one (answer_zoom).
CLOSE_VIEW_EVENTS = 20_000
# From this share of the store's events on, SQLite groups a date range's events faster
# by reading the table through than through the dates' index (one row lookup per event;
# at 100,000 of 200,000 events, about half the CPU: bench/README.md, "Briefs").
SCAN_SHARE = 0.25


class Aggregates:
    """Counts and map marks of a store holding the count tables."""

    _dialect = SQLITE

    def _read(self, sql: str, params) -> list[tuple]:   # the store's
        raise NotImplementedError

    def count(self, filters: Filters = Filters()) -> int:
        f = checked(filters)
        if cells.tabled(f) and (not f.bbox or not (f.since or f.until)):
            return sum(self.counts(f).values())
        where, params = clauses.where(f, d=self._dialect)
        return self._read(f"SELECT count(*) FROM events e{where}", params)[0][0]

    def counts(self, filters: Filters = Filters(), by: str = "event_type") -> dict[str, int]:
        if by not in ("event_type", "sub_event_type", "category", "event_date"):
            raise FilterError(f"counts: by must be event_type, sub_event_type, "
                              f"category or event_date, not {by!r}")
        f = checked(filters)
        if by == "event_date" and cells.tabled(f) and not f.bbox:
            return self._day_counts(f)
        if f.bbox and by != "event_date" and cells.by_point(f, cells.TOP_ZOOM + 1):
            return self._point_counts(f, by)
        if by == "event_date" or not cells.tabled(f) or f.bbox:
            where, params = clauses.where(f, d=self._dialect)
            return dict(self._read(f"SELECT e.{by}, count(*) FROM events e{where} "
                                   f"GROUP BY e.{by} ORDER BY count(*) DESC, e.{by}", params))
        found: dict[str, int] = {}
        for key, n in self._tabled(f, 0, f"{by}, sum(n)", by, f"e.{by}, count(*)",
                                   f"e.{by}"):
            found[key] = found.get(key, 0) + n
        return dict(sorted(((k, n) for k, n in found.items() if n > 0),
                           key=lambda kv: (-kv[1], kv[0])))

    def _point_counts(self, f: Filters, by: str) -> dict:
        """counts() of a box from the per-point counts: placed events only, as a box
        holds no others."""
        west, south, east, north = f.bbox
        spans = [(west, east)] if west <= east else [(west, 180.0), (-180.0, east)]
        m = self._dialect.mark
        area = f"e.latitude BETWEEN {m} AND {m} AND (" + " OR ".join(
            f"e.longitude BETWEEN {m} AND {m}" for _ in spans) + ")"
        extra, params = clauses.cell_where(f, self._dialect)
        rows = self._read(f"SELECT {by}, sum(n) AS c FROM event_points e WHERE {area}"
                          f"{extra} GROUP BY {by} HAVING sum(n) > 0",
                          [south, north, *[v for span in spans for v in span], *params])
        return dict(sorted(rows, key=lambda kv: (-kv[1], kv[0])))

    def _day_counts(self, f: Filters) -> dict:
        """counts(by="event_date") from the per-day counts."""
        extra, params = clauses.cell_where(f, self._dialect)
        if f.since or f.until:   # undated events ('') are in no date range
            extra += f" AND day BETWEEN {self._dialect.mark} AND {self._dialect.mark}"
            params += [f.since or "0000-01-01", f.until or "9999-12-31"]
        rows = self._read(f"SELECT day, sum(n) AS c FROM event_days WHERE true{extra} "
                          "GROUP BY day HAVING sum(n) > 0", params)
        return dict(sorted(((day or None, n) for day, n in rows),
                           key=lambda kv: (-kv[1], kv[0] or "")))

    def region_totals(self, filters: Filters = Filters(), by_type: bool = False) -> list[tuple]:
        f = checked(filters)
        keys = "country_code, admin1" + (", event_type" if by_type else "")
        if cells.tabled(f) and not (f.bbox or f.since or f.until):
            extra, params = clauses.cell_where(f, self._dialect)
            return self._read(
                f"SELECT {keys}, sum(n) AS c, sum(fatalities) FROM event_regions "
                f"WHERE true{extra} GROUP BY {keys} HAVING sum(n) > 0 "
                f"ORDER BY c DESC, {keys}", params)
        where, params = clauses.where(f, d=self._dialect)
        glue = " AND " if where else " WHERE "
        keys = "e.country_code, e.admin1" + (", e.event_type" if by_type else "")
        return self._read(
            f"SELECT {keys}, count(*), sum(e.fatalities) FROM {self._events_for(f)}"
            f"{where}{glue}e.admin1 <> '' GROUP BY {keys} ORDER BY count(*) DESC, {keys}",
            params)

    def _events_for(self, f: Filters) -> str:
        """The events table as a query grouping ``f``'s events should read it: through
        without an index when a date range holds a large share of a SQLite store (the
        count tables tell how large, in milliseconds). PostgreSQL's planner weighs
        that itself from its statistics."""
        if self._dialect.spatial or not (f.since or f.until) or f.bbox \
                or not cells.tabled(f):
            return "events e"
        total = self.count(Filters(include_flagged=True))
        return "events e NOT INDEXED" if total and \
            self.count(f) >= SCAN_SHARE * total else "events e"

    def clusters(self, filters: Filters, zoom: int) -> list[Cluster]:
        f = checked(filters)
        if not isinstance(zoom, int) or isinstance(zoom, bool) or not 0 <= zoom <= MAX_ZOOM:
            raise FilterError(f"zoom must be a whole number from 0 to {MAX_ZOOM}: {zoom!r}")
        columns, first_row, last_row = cells.cell_ranges(f.bbox, zoom)
        if cells.tabled(f, zoom):
            rows = self._tabled(
                f, zoom, "cx, cy, event_type, category, sum(n), total(lat_sum), "
                "total(lon_sum), sum(id_sum), sum(fatalities)",
                "cx, cy, event_type, category",
                clauses.CELL_ROW.format(ident=f"sum(e.{self._dialect.rowid})"),
                "x, y, e.event_type, e.category",
                where=cells.range_sql(columns, first_row, last_row))
            found = cells.gather(rows, zoom)
            if self._name_singles(found):
                return _marks(found)
            # a rowid no longer names its event (the file was vacuumed): count anew
        elif cells.by_point(f, zoom):
            found = cells.gather(self._points_in_cells(f, zoom), zoom)
            if self._name_singles(found):
                return _marks(found)
        rows = self._events_in_cells(
            f, zoom, clauses.CELL_ROW.format(ident="min(e.event_id)"),
            "x, y, e.event_type, e.category")
        return _marks(cells.gather(rows, zoom))

    def answer_zoom(self, filters: Filters, zoom: int) -> int:
        # A close view filtered by a long date range is read from the events; over a
        # dense place that is hundreds of thousands (1-2 s at a million events). When
        # the monthly counts say the view holds that many, the closest tabled zoom
        # answers instead.
        # Only the two zooms after it: closer in, a view is a few kilometres, and its
        # marks must split as the reader zooms in, whatever it costs.
        f = checked(filters)
        if not cells.TOP_ZOOM < zoom <= cells.TOP_ZOOM + 2 or not (f.since or f.until) \
                or cells.short_range(f) or f.region or f.q or f.article:
            return zoom
        columns, first_row, last_row = cells.cell_ranges(f.bbox, cells.TOP_ZOOM)
        inside = sum(n for (n,) in self._tabled(
            f, cells.TOP_ZOOM, "sum(n)", "zoom", "count(*)", "e.country_code",
            where=cells.range_sql(columns, first_row, last_row)) if n)
        return cells.TOP_ZOOM if inside > CLOSE_VIEW_EVENTS else zoom

    def _tabled(self, f: Filters, zoom: int, select: str, group: str, row_select: str,
                row_group: str, where: str = "true") -> list[tuple]:
        """Rows of ``select`` from event_cells at ``zoom`` grouped by ``group``; the
        days of a date range outside whole months are read from the events with
        ``row_select`` grouped by ``row_group``, and their rows added after."""
        months, edges = cells.month_split(f.since, f.until)
        extra, params = clauses.cell_where(f, self._dialect)
        rows = []
        if months is not None or not (f.since or f.until):
            extra += (f" AND month BETWEEN {months[0]:d} AND {months[1]:d}" if months
                      else f" AND month = {cells.ALL_TIME:d}")
            rows += self._read(f"SELECT {select} FROM event_cells WHERE zoom = {zoom:d} "
                               f"AND {where}{extra} GROUP BY {group}", params)
        for since, until in edges:
            rows += self._events_in_cells(dataclasses.replace(f, since=since, until=until),
                                          zoom, row_select, row_group)
        return rows

    def _points_in_cells(self, f: Filters, zoom: int) -> list:
        """A close view's marks from the per-point counts."""
        columns, first_row, last_row = cells.cell_ranges(f.bbox, zoom)
        area, area_params = clauses.cells_area(columns, first_row, last_row, zoom,
                                               d=self._dialect, geom=False)
        extra, params = clauses.cell_where(f, self._dialect)
        cx, cy = cells.cell_sql(str(cells.cells_across(zoom)), d=self._dialect)
        return self._read(f"{points.view_sql(cx, cy)} WHERE {area}{extra} "
                          "GROUP BY x, y, event_type, category", [*area_params, *params])

    def _events_in_cells(self, f: Filters, zoom: int, select: str, group: str) -> list:
        """Rows of ``select`` (which may name the cell as x, y) over the events in the
        cells of ``f.bbox`` at ``zoom``, grouped by ``group``."""
        columns, first_row, last_row = cells.cell_ranges(f.bbox, zoom)
        where, params = clauses.where(dataclasses.replace(f, bbox=None), d=self._dialect)
        glue = " AND " if where else " WHERE "
        area, area_params = clauses.cells_area(columns, first_row, last_row, zoom,
                                               by_place=cells.read_by_place(f, zoom),
                                               d=self._dialect)
        cx, cy = cells.cell_sql(str(cells.cells_across(zoom)), d=self._dialect)
        return self._read(f"SELECT {select.format(cx=cx, cy=cy)} FROM events e"
                          f"{where}{glue}{area} GROUP BY {group}", [*params, *area_params])

    def _name_singles(self, found: dict) -> bool:
        """Put the event ids into the clusters of one event (their id is a rowid still);
        False when a rowid does not lead back to an event where it was counted."""
        singles = {c["id"]: key for key, c in found.items() if c["count"] == 1}
        named = {}
        for chunk in _chunks(list(singles), 500):
            rowid = self._dialect.rowid
            for number, event_id, lat, lon in self._read(
                    f"SELECT {rowid}, event_id, latitude, longitude FROM events "
                    f"WHERE {rowid} IN ({self._dialect.marks(len(chunk))})", chunk):
                single = found[singles[number]]
                if lat is not None and abs(lat - single["lat"]) < 1e-7 \
                        and abs(lon - single["lon"]) < 1e-7:
                    named[number] = event_id
        if len(named) < len(singles):
            return False
        for rowid, key in singles.items():
            found[key]["id"] = named[rowid]
        return True


def _marks(found: dict) -> list[Cluster]:
    """The clusters of gathered cells, west to east then south to north: the same
    order whichever store grouped them."""
    return [cells.to_cluster(found[key]) for key in sorted(found)]


def checked(filters) -> Filters:
    if not isinstance(filters, Filters):
        raise FilterError(f"filters must be a Filters value, not {type(filters).__name__}")
    return filters


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
