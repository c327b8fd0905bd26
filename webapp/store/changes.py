"""What a store answers about events stored since a moment: "how many newer than
marker M match these filters", and which ones, so that an open map can tell its
reader that new events have arrived and mark them.

A marker is the number the store gives each event as it is written: SQLite's rowid,
PostGIS's ``id`` (given under the writers' lock, in the order of their commits), so
an event stored later always has a larger number and "newer than M" is a range of the
table's own primary key: read by index, never by scanning the older rows. Events are
never renumbered by the store (it does not VACUUM, and overwriting an event keeps its
number), so a marker a page was given stays meaningful for as long as it is open.

Every answer is bounded twice: at most :data:`WINDOW` stored rows are looked at (a
marker further back is answered for the newest rows only, and says so with ``more``),
and at most ``limit`` rows are returned or counted.

A mixin of :class:`~webapp.store.sqlite.SQLiteStore` and
:class:`~webapp.store.postgis.PostGISStore`, reading through the store's ``_read`` in
its SQL dialect.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.errors import FilterError
from webapp.store import cells, clauses
from webapp.store.aggregates import checked
from webapp.store.base import Filters

WINDOW = 100_000    # the most stored rows one answer looks at
COUNT_LIMIT = 1000  # "1000+ new events" is all a notice needs to say
NEWEST_LIMIT = 1000  # new events placed on one view's marks
MAX_MARKER = 2 ** 63 - 1


@dataclass(frozen=True)
class Changes:
    """Events matching some filters stored after ``marker``, up to ``latest``."""

    marker: int
    latest: int      # the store's newest marker when asked
    new: int         # how many of them match (at most the limit asked)
    more: bool       # True: there may be more than ``new`` (a limit or WINDOW hit)


@dataclass(frozen=True)
class NewEvents:
    """The newest of the events stored after a marker: (event_id, longitude, latitude)
    rows, newest first, placed ones only."""

    latest: int
    rows: list
    more: bool


def check_marker(marker) -> int:
    if not isinstance(marker, int) or isinstance(marker, bool) or not \
            0 <= marker <= MAX_MARKER:
        raise FilterError(f"marker must be a whole number from 0 to {MAX_MARKER}: "
                          f"{marker!r}")
    return marker


class ChangesMixin:
    """Markers of a store whose events carry the dialect's ``rowid`` column."""

    def latest_marker(self) -> int:
        """The marker of the newest stored event (0 for an empty store): the largest
        key of the events' primary index, read at its end."""
        return self._read(f"SELECT coalesce(max({self._dialect.rowid}), 0) FROM events",
                          ())[0][0]

    def changes(self, filters: Filters, marker: int, limit: int = COUNT_LIMIT,
                latest: int | None = None) -> Changes:
        """How many events matching ``filters`` were stored after ``marker`` (at most
        ``limit``); ``latest``, when the caller read it already, is where the count
        stops, so the answer matches the ETag made from it."""
        marker = check_marker(marker)
        latest = self.latest_marker() if latest is None else latest
        if marker >= latest:
            return Changes(marker=marker, latest=latest, new=0, more=False)
        sql, params, cut = self._newer_sql(checked(filters), marker, latest, "1")
        found = self._read(f"SELECT count(*) FROM ({sql} LIMIT {int(limit) + 1:d}) AS n",
                           params)[0][0]
        return Changes(marker=marker, latest=latest, new=min(found, limit),
                       more=found > limit or cut)

    def newest_since(self, filters: Filters, marker: int, limit: int = NEWEST_LIMIT,
                     latest: int | None = None) -> NewEvents:
        """The placed events matching ``filters`` (a view's box among them) stored
        after ``marker``, newest first, at most ``limit``."""
        marker = check_marker(marker)
        latest = self.latest_marker() if latest is None else latest
        if marker >= latest:
            return NewEvents(latest=latest, rows=[], more=False)
        sql, params, cut = self._newer_sql(
            checked(filters), marker, latest, "e.event_id, e.longitude, e.latitude",
            placed=True)
        rows = self._read(f"{sql} ORDER BY e.{self._dialect.rowid} DESC "
                          f"LIMIT {int(limit) + 1:d}", params)
        return NewEvents(latest=latest, rows=[tuple(r) for r in rows[:limit]],
                         more=len(rows) > limit or cut)

    def stored_after(self, event_ids, marker: int) -> set[str]:
        """Those of ``event_ids`` (a page's: a few hundred at most) stored after
        ``marker``."""
        marker = check_marker(marker)
        ids = [str(i) for i in event_ids]
        if not ids:
            return set()
        d = self._dialect
        rows = self._read(f"SELECT event_id FROM events WHERE event_id IN "
                          f"({d.marks(len(ids))}) AND {d.rowid} > {d.mark}",
                          [*ids, marker])
        return {r[0] for r in rows}

    def _newer_sql(self, f: Filters, marker: int, latest: int, columns: str,
                   placed: bool = False) -> tuple[str, list, bool]:
        """(SELECT of ``columns`` over the matching events numbered after ``marker``
        up to ``latest``, its parameters, whether WINDOW cut the range short)."""
        d = self._dialect
        low = max(marker, latest - WINDOW)
        # newest_first: a box is compared on the columns, not through the place index,
        # so the primary key's range is what the database walks.
        where, params = clauses.where(f, newest_first=True, d=d)
        m = d.mark
        terms = [f"e.{d.rowid} > {m} AND e.{d.rowid} <= {m}"]
        if placed:
            terms.append("e.latitude IS NOT NULL")
        where = (where + " AND " if where else " WHERE ") + " AND ".join(terms)
        # NOT INDEXED: SQLite walks the rowid range, whatever other index a filter
        # could use (they would each read far more than a few new rows).
        table = "events e" if d.spatial else "events e NOT INDEXED"
        return f"SELECT {columns} FROM {table}{where}", [*params, low, latest], low > marker


def cell_of(longitude: float, latitude: float, zoom: int) -> tuple[int, int]:
    """The grid cell of a point at ``zoom``, with the store's arithmetic
    (:func:`webapp.store.cells.cell_sql`), so a new event lands on its own mark."""
    across = cells.cells_across(zoom)
    x = min(int((longitude + 180.0) * across / 360.0), across - 1)
    y = min(int((latitude + 90.0) * across / 360.0), across // 2 - 1)
    return x, y
