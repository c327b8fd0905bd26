"""The few places where SQLite's SQL and PostgreSQL's differ, for the SQL the stores
build from one :class:`~webapp.store.base.Filters` value.

The filter, cell and count queries (:mod:`~webapp.store.clauses`,
:mod:`~webapp.store.aggregates`) are written once; each store names its dialect, and
these hooks fill in the words that differ, so the two stores answer the same question
with the same arithmetic and give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    name: str
    rowid: str          # the column numbering events in the order they were stored
    nulls_last: str     # after "ORDER BY e.event_date DESC": undated events last
    like: str           # LIKE that ignores case (SQLite's LIKE does, for ASCII)
    spatial: bool       # a PostGIS point column ``geom`` answers boxes (GiST index)

    def whole(self, expr: str) -> str:
        """The whole part of a number that is never negative (a cell's index)."""
        if self.spatial:   # PostgreSQL's CAST rounds; SQLite's truncates
            return f"CAST(floor({expr}) AS INTEGER)"
        return f"CAST({expr} AS INTEGER)"

    def smaller(self, a: str, b: str) -> str:
        """The smaller of two numbers; NULL when ``a`` is NULL (PostgreSQL's least()
        would pass over it, and an event with no place would land in a cell)."""
        if self.spatial:
            return f"CASE WHEN {a} IS NULL THEN NULL ELSE least({a}, {b}) END"
        return f"min({a}, {b})"

    def same_text(self, column: str) -> str:
        """A term matching ``column`` to one parameter, ignoring case."""
        if self.spatial:
            return f"lower({column}) = lower(%s)"
        return f"{column} = ? COLLATE NOCASE"

    def contains_folded(self, column: str) -> str:
        """A term true when ``column``, case folded, contains the (folded) parameter."""
        if self.spatial:
            # ICU's case mapping: lower() alone follows the database's locale, which
            # folds ASCII letters only in a "C" database
            return f'strpos(lower({column} COLLATE "und-x-icu"), %s) > 0'
        return f"instr(bm_casefold({column}), ?) > 0"

    def fold(self, text: str) -> str:
        return text.lower() if self.spatial else text.casefold()

    def from_qmarks(self, sql: str) -> str:
        """SQL written with SQLite's ``?`` placeholders (the accounts' and the audit
        trail's, shared by both stores), in this dialect's."""
        return sql.replace("?", "%s") if self.spatial else sql

    @property
    def mark(self) -> str:
        """A parameter's placeholder."""
        return "%s" if self.spatial else "?"

    def marks(self, n: int) -> str:
        return ", ".join([self.mark] * n)

    def in_box(self, west: float, south: float, east: float, north: float,
               plus: str = "", geom: bool = True) -> tuple[str, list]:
        """(term, parameters) keeping placed events inside the box, edges included;
        west > east crosses the antimeridian. ``plus`` ("+") asks for the events to
        be found through another index than the place's (see clauses.where): SQLite
        then reads the coordinates as expressions, PostgreSQL compares the columns
        its dates' indexes carry instead of the PostGIS point. ``geom`` false: the
        table has coordinates but no PostGIS point (the per-point counts)."""
        if self.spatial and geom and not plus:
            spans = [(west, east)] if west <= east else [(west, 180.0), (-180.0, east)]
            # ST_Intersects checks the exact coordinates after the index's rounded
            # boxes, so an event on the edge counts as it does in SQLite
            term = " OR ".join("ST_Intersects(e.geom, ST_MakeEnvelope(%s, %s, %s, %s, "
                               "4326))" for _ in spans)
            return f"({term})", [v for w, e in spans for v in (w, south, e, north)]
        m = self.mark
        plus = "" if self.spatial else plus
        if west <= east:
            return (f"{plus}e.latitude BETWEEN {m} AND {m} AND "
                    f"{plus}e.longitude BETWEEN {m} AND {m}", [south, north, west, east])
        return (f"{plus}e.latitude BETWEEN {m} AND {m} AND ({plus}e.longitude >= {m} "
                f"OR {plus}e.longitude <= {m})", [south, north, west, east])


SQLITE = Dialect(name="sqlite", rowid="rowid", nulls_last="", like="LIKE", spatial=False)
POSTGRES = Dialect(name="postgresql", rowid="id", nulls_last=" NULLS LAST", like="ILIKE",
                   spatial=True)
