"""The SQL the SQLite store builds from a :class:`~webapp.store.base.Filters` value:
its WHERE clause, the listing order and where a page resumes, and the terms that pick
a view's cells from the per-cell table or from the events."""

from __future__ import annotations

from webapp.store import cells
from webapp.store.base import Filters

# newest first; SQLite sorts NULL lowest, so undated events come last
NEWEST_FIRST = "ORDER BY e.event_date DESC, e.event_id"


def after_steps(after: tuple | None) -> list[tuple[str, list]]:
    """The ranges of the listing order that follow the position ``after`` (an event's
    (ISO date or None, event id)), in order, as (WHERE term, parameters)."""
    if after is None:
        return [("1", [])]
    day, event_id = after
    if day is None:
        return [("e.event_date IS NULL AND e.event_id > ?", [event_id])]
    return [("e.event_date = ? AND e.event_id > ?", [day, event_id]),
            ("e.event_date < ?", [day]),
            ("e.event_date IS NULL", [])]


def cell_where(f: Filters) -> tuple[str, list]:
    """The extra WHERE terms (each led by AND) of a tabled answer."""
    clauses, params = [], []
    if f.types:
        marks = ", ".join("?" * len(f.types))
        clauses.append(f"(event_type IN ({marks}) OR sub_event_type IN ({marks}) "
                       f"OR category IN ({marks}))")
        params += [*f.types * 3]
    if f.country:
        clauses.append("country_code = ?")
        params.append(f.country)
    if not f.include_flagged:
        clauses.append("flagged = 0")
    return "".join(f" AND {c}" for c in clauses), params


# An event's cell and what it adds to its mark (see _gather), from the events.
CELL_ROW = ("{{cx}} AS x, {{cy}} AS y, e.event_type, e.category, count(*), "
             "total(e.latitude), total(e.longitude), {ident}, sum(e.fatalities)")


def cells_area(columns, first_row: int, last_row: int, zoom: int,
                by_place: bool = True) -> tuple[str, list]:
    """Placed events in the given cells, as coordinate ranges the place index serves
    (or, with ``by_place`` false, that keep SQLite from using it: ``+`` makes a column
    an expression, which no index answers)."""
    west = [cells.cell_bounds(a, 0, zoom)[0] for a, _ in columns]
    east = [cells.cell_bounds(b, 0, zoom)[2] for _, b in columns]
    south = cells.cell_bounds(0, first_row, zoom)[1]
    north = cells.cell_bounds(0, last_row, zoom)[3]
    plus = "" if by_place else "+"
    spans = " OR ".join(f"{plus}e.longitude BETWEEN ? AND ?" for _ in columns)
    return (f"{plus}e.latitude BETWEEN ? AND ? AND ({spans})",
            [south, north, *[v for pair in zip(west, east) for v in pair]])


def where(f: Filters, newest_first: bool = False) -> tuple[str, list]:
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

    if f.types:
        marks = ", ".join("?" * len(f.types))
        add(f"(e.event_type IN ({marks}) OR e.sub_event_type IN ({marks}) "
            f"OR e.category IN ({marks}))", *f.types * 3)
    if f.since:
        add("e.event_date >= ?", f.since)
    if f.until:
        add("e.event_date <= ?", f.until)
    if f.country:
        add("e.country_code = ?", f.country)
    if f.region:
        add("e.admin1 = ? COLLATE NOCASE", f.region)
    if f.q:
        add(*text_clause(f.q))
    if f.article:
        add("e.article_id = (SELECT id FROM articles WHERE content_hash = ?)", f.article)
    if f.bbox:
        west, south, east, north = f.bbox
        plus = "+" if newest_first or f.since or f.until else ""
        add(f"{plus}e.latitude BETWEEN ? AND ?", south, north)
        if west <= east:
            add(f"{plus}e.longitude BETWEEN ? AND ?", west, east)
        else:  # the box crosses the antimeridian (e.g. Fiji: 177 to -178)
            add(f"({plus}e.longitude >= ? OR {plus}e.longitude <= ?)", west, east)
    if not f.include_flagged:
        add("e.is_total = 0 AND e.is_historical = 0")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


_TEXT_COLUMNS = ("e.notes", "e.location", "e.actor1", "e.actor2")


def text_clause(q: str) -> tuple:
    """(clause, *params) finding ``q`` in any text column, ignoring case."""
    # LIKE ignores case for ASCII letters only; that covers English queries at full
    # speed. A query with other letters ("Ḥalab", "Şanlıurfa") is compared through
    # Python's casefold (bm_casefold) instead.
    if q.isascii():
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return ("(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in _TEXT_COLUMNS) + ")",
                *[pattern] * len(_TEXT_COLUMNS))
    return ("(" + " OR ".join(f"instr(bm_casefold({c}), ?) > 0" for c in _TEXT_COLUMNS)
            + ")", *[q.casefold()] * len(_TEXT_COLUMNS))
