"""The SQL the stores build from a :class:`~webapp.store.base.Filters` value: its
WHERE clause, the listing order and where a page resumes, and the terms that pick a
view's cells from the per-cell table or from the events; in SQLite's words or
PostgreSQL's (:mod:`~webapp.store.dialect`)."""

from __future__ import annotations

from webapp.store import cells
from webapp.store.base import Filters
from webapp.store.dialect import SQLITE, Dialect


def newest_first(d: Dialect = SQLITE) -> str:
    """The listing order: newest first, undated events last (SQLite sorts NULL
    lowest, so last when descending; PostgreSQL is told), then by id."""
    return f"ORDER BY e.event_date DESC{d.nulls_last}, e.event_id"


def after_steps(after: tuple | None, d: Dialect = SQLITE) -> list[tuple[str, list]]:
    """The ranges of the listing order that follow the position ``after`` (an event's
    (ISO date or None, event id)), in order, as (WHERE term, parameters)."""
    if after is None:
        return [("true", [])]
    day, event_id = after
    m = d.mark
    if day is None:
        return [(f"e.event_date IS NULL AND e.event_id > {m}", [event_id])]
    return [(f"e.event_date = {m} AND e.event_id > {m}", [day, event_id]),
            (f"e.event_date < {m}", [day]),
            ("e.event_date IS NULL", [])]


def cell_where(f: Filters, d: Dialect = SQLITE) -> tuple[str, list]:
    """The extra WHERE terms (each led by AND) of a tabled answer."""
    clauses, params = [], []
    if f.types:
        marks = d.marks(len(f.types))
        clauses.append(f"(event_type IN ({marks}) OR sub_event_type IN ({marks}) "
                       f"OR category IN ({marks}))")
        params += [*f.types * 3]
    if f.country:
        clauses.append(f"country_code = {d.mark}")
        params.append(f.country)
    if not f.include_flagged:
        clauses.append("flagged = 0")
    return "".join(f" AND {c}" for c in clauses), params


# An event's cell and what it adds to its mark (see _gather), from the events.
CELL_ROW = ("{{cx}} AS x, {{cy}} AS y, e.event_type, e.category, count(*), "
             "total(e.latitude), total(e.longitude), {ident}, sum(e.fatalities)")


def cells_area(columns, first_row: int, last_row: int, zoom: int,
                by_place: bool = True, d: Dialect = SQLITE,
                geom: bool = True) -> tuple[str, list]:
    """Placed events in the given cells, as coordinate ranges the place index serves
    (or, with ``by_place`` false, that keep SQLite from using it: ``+`` makes a column
    an expression, which no index answers)."""
    south = cells.cell_bounds(0, first_row, zoom)[1]
    north = cells.cell_bounds(0, last_row, zoom)[3]
    terms, params = [], []
    for a, b in columns:
        term, values = d.in_box(cells.cell_bounds(a, 0, zoom)[0], south,
                                cells.cell_bounds(b, 0, zoom)[2], north,
                                plus="" if by_place else "+", geom=geom)
        terms.append(f"({term})")
        params += values
    return "(" + " OR ".join(terms) + ")", params


def where(f: Filters, newest_first: bool = False, d: Dialect = SQLITE) -> tuple[str, list]:
    """The WHERE clause (with its parameters) for validated filters. A box is found
    through the dates' index (which carries the coordinates) when the answer is a
    listing (``newest_first``: read in order, stopped at the page's end) or dates are
    given: the place index would walk, then sort, every event of the box's latitudes,
    in a dense place hundreds of thousands (``+`` makes a column an expression, which
    no index answers)."""
    clauses, params = [], []

    def add(clause: str, *values) -> None:
        clauses.append(clause)
        params.extend(values)

    m = d.mark
    if f.types:
        marks = d.marks(len(f.types))
        add(f"(e.event_type IN ({marks}) OR e.sub_event_type IN ({marks}) "
            f"OR e.category IN ({marks}))", *f.types * 3)
    if f.since:
        add(f"e.event_date >= {m}", f.since)
    if f.until:
        add(f"e.event_date <= {m}", f.until)
    if f.country:
        add(f"e.country_code = {m}", f.country)
    if f.region:
        add(d.same_text("e.admin1"), f.region)
    if f.q:
        add(*text_clause(f.q, d))
    if f.article:
        add(f"e.article_id = (SELECT id FROM articles WHERE content_hash = {m})", f.article)
    if f.bbox:
        # west > east: the box crosses the antimeridian (e.g. Fiji: 177 to -178)
        term, values = d.in_box(*f.bbox, plus="+" if newest_first or f.since or f.until
                                else "")
        add(term, *values)
    if not f.include_flagged:
        add("e.is_total = 0 AND e.is_historical = 0")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


_TEXT_COLUMNS = ("e.notes", "e.location", "e.actor1", "e.actor2")


def text_clause(q: str, d: Dialect = SQLITE) -> tuple:
    """(clause, *params) finding ``q`` in any text column, ignoring case."""
    # SQLite's LIKE ignores case for ASCII letters only; that covers English queries at
    # full speed. A query with other letters ("Ḥalab", "Şanlıurfa") is compared through
    # Python's casefold (bm_casefold) instead.
    if q.isascii():
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return ("(" + " OR ".join(f"{c} {d.like} {d.mark} ESCAPE '\\'"
                                  for c in _TEXT_COLUMNS) + ")",
                *[pattern] * len(_TEXT_COLUMNS))
    return ("(" + " OR ".join(d.contains_folded(c) for c in _TEXT_COLUMNS)
            + ")", *[d.fold(q)] * len(_TEXT_COLUMNS))
