"""What a store lists rather than counts: the newest events under some filters, one
page of them after another, one event by its id; the same SQL for SQLite and PostGIS,
in each one's dialect (a mixin reading through the store's ``_read``)."""

from __future__ import annotations

from webapp.errors import FilterError
from webapp.models import Event
from webapp.store import clauses
from webapp.store.aggregates import checked
from webapp.store.base import READ_COLUMNS, Filters, Page, event_from_row

# article_hash is not stored twice: it comes from the article the event belongs to
SELECT = ("SELECT " + ", ".join("a.content_hash" if c == "article_hash" else f"e.{c}"
                                for c in READ_COLUMNS)
          + " FROM events e LEFT JOIN articles a ON a.id = e.article_id")


class Listing:
    """Listings of a store whose events and articles tables are those of its schema."""

    def query(self, filters: Filters = Filters(), limit: int | None = None) -> list[Event]:
        d = self._dialect
        where, params = clauses.where(checked(filters), newest_first=True, d=d)
        if limit is not None:
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
                raise FilterError(f"limit must be a whole number >= 0: {limit!r}")
            return [event_from_row(row) for row in self._read(
                self._newest_sql(where, limit), params)]
        return [event_from_row(row) for row in self._read(
            f"{SELECT}{where} {clauses.newest_first(d)}", params)]

    def _newest_sql(self, where: str, limit: int) -> str:
        """The newest ``limit`` events under ``where``. PostgreSQL checks a filter
        on the table's row, even for the columns its index carries, unless it reads
        the index alone: so the ids are picked from the dates' index first (reading
        it alone), and only those rows are read."""
        order = clauses.newest_first(self._dialect)
        if not self._dialect.spatial:
            return f"{SELECT}{where} {order} LIMIT {limit:d}"
        return (f"{SELECT} WHERE e.id IN (SELECT e.id FROM events e{where} {order} "
                f"LIMIT {limit:d}) {order}")

    def page(self, filters: Filters, limit: int, after: tuple | None = None) -> Page:
        d = self._dialect
        f = checked(filters)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise FilterError(f"limit must be a whole number >= 1: {limit!r}")
        where, params = clauses.where(f, newest_first=True, d=d)
        glue = " AND " if where else " WHERE "
        found: list[tuple] = []
        # The order is (date newest first, then id), undated last. Each step below is
        # one range of the events_newest index, so a page deep in a million events
        # costs what the first one does. One row more than the page tells if another
        # page follows.
        for clause, values in clauses.after_steps(after, d):
            if len(found) > limit:
                break
            found += self._read(self._newest_sql(f"{where}{glue}{clause}",
                                                 limit + 1 - len(found)),
                                [*params, *values])
        events = [event_from_row(row) for row in found[:limit]]
        next_after = None
        if len(found) > limit:
            last = events[-1]
            next_after = (last.event_date.isoformat() if last.event_date else None,
                          last.event_id)
        return Page(events=events, total=self.count(f), next_after=next_after)

    def heaviest(self, filters: Filters, limit: int) -> list[Event]:
        """At most ``limit`` matching events with fatalities, most first (then newest):
        a brief's key events. Read through the filters' own indexes and sorted top-N
        by the database, so only ``limit`` rows ever reach Python."""
        d = self._dialect
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise FilterError(f"limit must be a whole number >= 0: {limit!r}")
        f = checked(filters)
        where, params = clauses.where(f, newest_first=True, d=d)
        glue = " AND " if where else " WHERE "
        select = SELECT.replace(" FROM events e ", f" FROM {self._events_for(f)} ")
        return [event_from_row(row) for row in self._read(
            f"{select}{where}{glue}e.fatalities > 0 ORDER BY e.fatalities DESC, "
            f"e.event_date DESC{d.nulls_last}, e.event_id LIMIT {limit:d}", params)]

    def get_event(self, event_id: str) -> Event | None:
        rows = self._read(f"{SELECT} WHERE e.event_id = {self._dialect.mark}",
                          (str(event_id),))
        return event_from_row(rows[0]) if rows else None

    def articles_count(self) -> int:
        return self._read("SELECT count(*) FROM articles", ())[0][0]
