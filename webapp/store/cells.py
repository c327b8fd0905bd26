"""Events counted per grid cell at every map zoom, so a map view of a million events
is answered from a few thousand rows.

The grid: at map zoom ``z`` a cell is ``360 / 2**(z + 2)`` degrees on a side (about 64
screen pixels at the equator), numbered from the south-west corner of the world. The
table ``event_cells`` holds, for every zoom up to :data:`TOP_ZOOM`, the events of each
cell per country, type, sub-event type, category and flag, with their coordinate sums
(for the cluster's mean position), rowid sum (a cell of one event names it) and
fatalities. Triggers keep it exact as single events come and go; a bulk import sets the
triggers aside and adds its rows to the table in one grouped pass (:func:`add_since`).
Events without coordinates sit in cell (-1, -1) of every zoom, so zoom 0 alone answers
the legend's counts.

What the table cannot answer (a date range, a region, a text search, one article, or a
zoom closer than :data:`TOP_ZOOM`) is grouped from the events themselves with the same
cell arithmetic: see :func:`cell_sql`.
"""

from __future__ import annotations

import sqlite3

from webapp.store.base import Cluster
from webapp.store.count_tables import COUNT_TABLES, FLAGGED, upsert_sql
from webapp.store.dialect import SQLITE, Dialect
from webapp.store.triggers import count_triggers

TOP_ZOOM = 10          # zooms 0..10 are tabled; closer views hold few enough events
# Up to this zoom the counts are kept per month too (rows with month 202405; 0 for
# undated events), so a view of some months is answered from the table as well (days
# at the ends of the range are read from the events). Closer in, a view is small
# enough to read its events, unless it holds very many (see EventStore.answer_zoom). Every zoom also has the rows of all time (month -1), which
# answer a view with no dates without summing three years of months.
MONTH_ZOOM = 10
ALL_TIME = -1
_LEVELS = tuple(range(TOP_ZOOM + 1))


def month_sql(day: str) -> str:
    """SQL for the month (2024-05-03 -> 202405) of an ISO day; 0 when undated."""
    return f"coalesce(CAST(substr({day}, 1, 4) || substr({day}, 6, 2) AS INTEGER), 0)"


def cells_across(zoom: int) -> int:
    """How many cells span the 360 degrees of longitude at ``zoom``."""
    return 2 ** (zoom + 2)


def cell_sql(zoom_cells: str, lon: str = "e.longitude", lat: str = "e.latitude",
             d: Dialect = SQLITE) -> tuple[str, str]:
    """SQL for an event's cell column and row with ``zoom_cells`` cells across (an
    expression or a column). Longitude 180 and latitude 90 belong to the last cell; no
    coordinates give -1."""
    x = d.whole(f"({lon} + 180.0) * {zoom_cells} / 360.0")
    y = d.whole(f"({lat} + 90.0) * {zoom_cells} / 360.0")
    cx = f"coalesce({d.smaller(x, f'{zoom_cells} - 1')}, -1)"
    cy = f"coalesce({d.smaller(y, f'{zoom_cells} / 2 - 1')}, -1)"
    return cx, cy


def _row_sql(prefix: str, sign: str) -> str:
    """The values an event adds to event_cells (one row per tabled zoom)."""
    cx, cy = cell_sql("z.cells", f"{prefix}.longitude", f"{prefix}.latitude")
    month = (f"CASE WHEN m.k = {ALL_TIME:d} THEN {ALL_TIME:d} "
             f"ELSE {month_sql(f'{prefix}.event_date')} END")
    return (f"SELECT z.zoom, {cx}, {cy}, {month}, {prefix}.country_code, {prefix}.event_type, "
            f"{prefix}.sub_event_type, {prefix}.category, "
            f"({prefix}.is_total OR {prefix}.is_historical), {sign}1, "
            f"{sign}coalesce({prefix}.latitude, 0), {sign}coalesce({prefix}.longitude, 0), "
            f"{sign}{prefix}.rowid, {sign}{prefix}.fatalities FROM cell_zooms z, "
            f"(SELECT {ALL_TIME:d} AS k UNION ALL SELECT 0) m "
            f"WHERE m.k = {ALL_TIME:d} OR z.zoom <= {MONTH_ZOOM:d}")


_UPSERT = upsert_sql("event_cells", "{select}")

_WATCHED = ("latitude, longitude, country_code, event_type, sub_event_type, category, "
            "is_total, is_historical, fatalities")
TRIGGERS = count_triggers("cells", _UPSERT, _row_sql, _WATCHED)


def create(conn: sqlite3.Connection) -> None:
    """The table and its zooms, filled from the events already stored; the caller
    adds the triggers (webapp.store.schema.set_count_triggers)."""
    conn.execute("""
        CREATE TABLE cell_zooms (zoom INTEGER PRIMARY KEY, cells INTEGER NOT NULL)""")
    conn.executemany("INSERT INTO cell_zooms VALUES (?, ?)",
                     [(z, cells_across(z)) for z in _LEVELS])
    conn.execute("""
        CREATE TABLE event_cells (
            zoom INTEGER NOT NULL, cx INTEGER NOT NULL, cy INTEGER NOT NULL,
            month INTEGER NOT NULL,   -- 202405; 0 when undated; -1 all time
            country_code TEXT NOT NULL, event_type TEXT NOT NULL,
            sub_event_type TEXT NOT NULL, category TEXT NOT NULL,
            flagged INTEGER NOT NULL,
            n INTEGER NOT NULL, lat_sum REAL NOT NULL, lon_sum REAL NOT NULL,
            id_sum INTEGER NOT NULL, fatalities INTEGER NOT NULL,
            -- the month before the cell: a view reads all-time rows (or some months')
            -- as one run of the key, not every month of every cell it touches
            PRIMARY KEY (zoom, month, cx, cy, country_code, event_type, sub_event_type,
                         category, flagged)
        ) WITHOUT ROWID""")
    add_since(conn, 0)


def add_since(conn, rowid: int, d: Dialect = SQLITE) -> None:
    """Add the events numbered above ``rowid`` (those a bulk insert just made) to
    the table: two grouped passes over them (the finest zoom, and the finest zoom kept
    per month), each coarser zoom then summed from the finer one's rows rather than
    from the events again."""
    columns = ", ".join(COUNT_TABLES["event_cells"][0])
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS cells_new AS SELECT {columns} "
                 "FROM event_cells WHERE false")
    # each zoom is summed from the one above: read through this index, not a scan
    # (SQLite names the temporary schema; PostgreSQL puts it there by itself)
    conn.execute("CREATE INDEX IF NOT EXISTS "
                 f"{'' if d.spatial else 'temp.'}cells_new_zoom ON cells_new (zoom)")
    conn.execute("DELETE FROM cells_new")
    for top, month in ((TOP_ZOOM, str(ALL_TIME)), (MONTH_ZOOM, month_sql("e.event_date"))):
        cx, cy = cell_sql(str(cells_across(top)), d=d)
        conn.execute(
            f"INSERT INTO cells_new ({columns}) SELECT {top}, {cx} AS x, {cy} AS y, "
            f"{month} AS m, e.country_code, e.event_type, e.sub_event_type, e.category, "
            f"{FLAGGED} AS f, count(*), "
            "total(coalesce(e.latitude, 0)), total(coalesce(e.longitude, 0)), "
            f"sum(e.{d.rowid}), sum(e.fatalities) FROM events e "
            f"WHERE e.{d.rowid} > {int(rowid):d} "
            "GROUP BY x, y, m, e.country_code, e.event_type, e.sub_event_type, "
            "e.category, f")
        kept = (f"month = {ALL_TIME:d}" if month == str(ALL_TIME)
                else f"month <> {ALL_TIME:d}")
        for zoom in range(top - 1, -1, -1):   # halve the finer cells
            conn.execute(
                f"INSERT INTO cells_new ({columns}) SELECT {zoom}, "
                "CASE WHEN cx < 0 THEN -1 ELSE cx / 2 END AS x, "
                "CASE WHEN cy < 0 THEN -1 ELSE cy / 2 END AS y, month, country_code, "
                "event_type, sub_event_type, category, flagged, sum(n), total(lat_sum), "
                "total(lon_sum), sum(id_sum), sum(fatalities) FROM cells_new "
                f"WHERE zoom = {zoom + 1} AND {kept} GROUP BY x, y, month, country_code, "
                "event_type, sub_event_type, category, flagged")
    conn.execute(_UPSERT.format(select=f"SELECT {columns} FROM cells_new WHERE true"))
    conn.execute("DELETE FROM cells_new")


def rebuild(conn: sqlite3.Connection) -> None:
    """Count every event again (after a bulk overwrite of stored rows)."""
    conn.execute("DELETE FROM event_cells")
    add_since(conn, 0)


# -- reading ---------------------------------------------------------------------------

def tabled(f, zoom: int = 0) -> bool:
    """Whether the table answers for filters ``f`` at ``zoom`` (bbox aside, which is
    cells; dates only where months are kept, see :func:`month_split`)."""
    if f.region or f.q or f.article or zoom > TOP_ZOOM:
        return False
    return zoom <= MONTH_ZOOM or not (f.since or f.until)


def by_point(f, zoom: int) -> bool:
    """Whether the per-point counts answer a view closer than the cell table goes."""
    return zoom > TOP_ZOOM and not (f.since or f.until or f.region or f.q or f.article)


SHORT_RANGE_DAYS = 92


def read_by_place(f, zoom: int) -> bool:
    """Whether a view read from the events should find them through the place index
    rather than the others. A wide view, or a few weeks' events, is better read through
    the dates' (or the country's) index: the place index would walk most of the view's
    events, in a dense place hundreds of thousands."""
    return zoom > MONTH_ZOOM and short_range(f) is None


def short_range(f) -> int | None:
    """The number of days of ``f``'s dates when both ends are given and at most
    :data:`SHORT_RANGE_DAYS` apart; else None."""
    if not (f.since and f.until):
        return None
    from datetime import date

    days = (date.fromisoformat(f.until) - date.fromisoformat(f.since)).days
    return days if days <= SHORT_RANGE_DAYS else None


def month_split(since: str | None, until: str | None):
    """A date range as (the whole months in it, as (first, last) yyyymm or None; the
    (since, until) day ranges left over at its ends, read from the events). An open
    end takes every month that way (undated events, month 0, are in no date range)."""
    from datetime import date, timedelta

    if not since and not until:
        return None, []
    edges = []
    low, high = 1, 999912
    if since:
        first = date.fromisoformat(since)
        start = first if first.day == 1 else _next_month(first)
        if start != first:
            edges.append((since, (start - timedelta(days=1)).isoformat()))
        low = start.year * 100 + start.month
    if until:
        last = date.fromisoformat(until)
        if _next_month(last) - timedelta(days=1) != last:   # not a month's last day
            edges.append((last.replace(day=1).isoformat(), until))
            last = last.replace(day=1) - timedelta(days=1)
        high = last.year * 100 + last.month
    if low > high:   # no whole month inside: the range is all edges
        return None, [(since, until)]
    return (low, high), edges


def _next_month(day):
    from datetime import date

    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def cell_ranges(bbox, zoom: int) -> tuple[list[tuple[int, int]], int, int]:
    """The columns (one or two ranges: a box crossing the antimeridian has two) and
    the first and last row of the cells that ``bbox`` touches at ``zoom``."""
    across = cells_across(zoom)
    if bbox is None:
        return [(0, across - 1)], 0, across // 2 - 1
    west, south, east, north = bbox

    def column(lon: float) -> int:
        return min(int((lon + 180.0) * across / 360.0), across - 1)

    def row(lat: float) -> int:
        return min(int((lat + 90.0) * across / 360.0), across // 2 - 1)

    if west <= east:
        columns = [(column(west), column(east))]
    else:
        columns = [(column(west), across - 1), (0, column(east))]
    return columns, row(south), row(north)


def cells_in_view(bbox, zoom: int) -> int:
    """How many cells of ``zoom`` a view of ``bbox`` (None: the world) touches."""
    columns, first_row, last_row = cell_ranges(bbox, zoom)
    return sum(b - a + 1 for a, b in columns) * (last_row - first_row + 1)


def fitting_zoom(bbox, zoom: int, most_cells: int) -> int:
    """``zoom``, or the closest coarser zoom at which the view touches at most
    ``most_cells`` cells: an answer's size is bounded by its cells, whatever is asked."""
    while zoom > 0 and cells_in_view(bbox, zoom) > most_cells:
        zoom -= 1
    return zoom


def cell_bounds(cx: int, cy: int, zoom: int) -> tuple[float, float, float, float]:
    """A cell's (west, south, east, north) in degrees."""
    side = 360.0 / cells_across(zoom)
    return (round(-180.0 + cx * side, 9), round(max(-90.0, -90.0 + cy * side), 9),
            round(-180.0 + (cx + 1) * side, 9), round(min(90.0, -90.0 + (cy + 1) * side), 9))


def range_sql(columns, first_row: int, last_row: int, x: str = "cx", y: str = "cy") -> str:
    """A WHERE term keeping the cells in those columns and rows (all integers)."""
    spans = " OR ".join(f"{x} BETWEEN {int(a):d} AND {int(b):d}" for a, b in columns)
    return f"({spans}) AND {y} BETWEEN {int(first_row):d} AND {int(last_row):d}"


def gather(rows, zoom: int) -> dict:
    """Rows of (cx, cy, event_type, category, n, lat sum, lon sum, id, fatalities)
    folded into one record per cell."""
    found: dict = {}
    for cx, cy, event_type, category, n, lat, lon, ident, dead in rows:
        if not n:   # what deleted events leave in the table
            continue
        c = found.get((cx, cy))
        if c is None:
            c = found[(cx, cy)] = {"cell": (cx, cy, zoom), "count": 0, "lat": 0.0,
                                   "lon": 0.0, "types": {}, "dead": 0, "id": ident,
                                   "type": event_type, "category": category}
        c["count"] += n
        c["lat"] += lat
        c["lon"] += lon
        c["dead"] += dead or 0
        c["types"][event_type] = c["types"].get(event_type, 0) + n
    return found


def to_cluster(c: dict) -> Cluster:
    n = c["count"]
    single = n == 1
    # Rounded twice: the sum's last bit depends on the order the store added the
    # coordinates in (SQLite's and PostgreSQL's differ), and a mean that falls on a
    # half of the sixth decimal would otherwise round either way.
    return Cluster(latitude=round(round(c["lat"] / n, 9), 6),
                   longitude=round(round(c["lon"] / n, 9), 6),
                   count=n, by_type=dict(sorted(c["types"].items(), key=lambda kv: -kv[1])),
                   bounds=cell_bounds(*c["cell"]), fatalities=c["dead"],
                   event_id=str(c["id"]) if single else None,
                   event_type=c["type"] if single else None,
                   category=c["category"] if single else None)
