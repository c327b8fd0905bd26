"""ACLED's CSV export format, read and written.

ACLED files are large (hundreds of thousands of rows), so rows are streamed with the
csv module rather than loaded with pandas. Columns that have no :class:`Event` field
(disorder type, associated actors, inter codes, admin2/3, tags, ...) are kept verbatim
in ``Event.extra`` so that an export gives them back. What the briefing adds and ACLED
has no column for (a category other than the one derived from the sub-event type, the
running-total and history flags) travels as ``briefing ...`` entries in ``tags``, so
that re-importing an export does not put a casualty total back on the map as an event.

Bad rows: by default the first bad row raises :class:`ImportFormatError` naming its
line, and since the store writes a whole import in one transaction, nothing of that
file is stored. A caller that would rather import the good rows passes a list as
``skipped``; each bad row's error is appended to it and the row is left out.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Iterator

from webapp.errors import ImportFormatError
from webapp.interchange.codes import (PRECISIONS_BY_TEXT, Counted, Memo, alpha2_from_numeric,
                                      category_for, cell_coordinates, cell_count,
                                      cell_day, cell_iso_day, cell_precision, countries)
from webapp.models import Event, sub_event_types, vocabulary
from webapp.store.base import quote_json

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
)
# Columns with no Event field, carried in Event.extra. "year" is not among them: it is
# derived from event_date on export, so a stored copy could only disagree with it.
EXTRA_COLUMNS = ("disorder_type", "assoc_actor_1", "inter1", "assoc_actor_2", "inter2",
                 "interaction", "civilian_targeting", "region", "country", "admin2",
                 "admin3", "source_scale", "tags", "timestamp")
# How many distinct actors, places and sources the reader keeps one copy of.
SHARED_CELLS = 100_000
REQUIRED_COLUMNS = ("event_id_cnty", "event_date", "event_type", "sub_event_type",
                    "latitude", "longitude")

# -- the briefing's own fields, as ACLED-style "key=value" tags ------------------------

TAG_CATEGORY = "briefing category="
TAG_TOTAL = "briefing: running total"
TAG_HISTORICAL = "briefing: history recalled"


def _briefing_tags(ev: Event) -> list[str]:
    tags = []
    if ev.category != category_for(ev.event_type, ev.sub_event_type):
        tags.append(TAG_CATEGORY + ev.category)
    if ev.is_total:
        tags.append(TAG_TOTAL)
    if ev.is_historical:
        tags.append(TAG_HISTORICAL)
    return tags


def _read_briefing_tags(tags: str, category: str) -> tuple[str, bool, bool, str]:
    """(category, is_total, is_historical, the other tags) from an ACLED tags cell."""
    is_total = is_historical = False
    rest = []
    for tag in (t.strip() for t in tags.split(";")):
        if tag.startswith(TAG_CATEGORY):
            category = tag[len(TAG_CATEGORY):]
            if category not in vocabulary()["categories"]:
                raise ValueError(f"unknown category in tags: {category!r}")
        elif tag == TAG_TOTAL:
            is_total = True
        elif tag == TAG_HISTORICAL:
            is_historical = True
        elif tag:
            rest.append(tag)
    return category, is_total, is_historical, "; ".join(rest)


# -- reading -------------------------------------------------------------------------

def read_acled_csv(path, skipped: list | None = None) -> Iterator[Event]:
    """Events from an ACLED export CSV (UTF-8, with or without a byte-order mark).

    Only event_id_cnty, event_date, event_type, sub_event_type, latitude and longitude
    columns are required; other standard columns may be missing. Unknown columns are
    ignored. See the module docstring for what happens to bad rows.
    """
    return _read(path, skipped, as_rows=False)


def read_acled_rows(path, skipped: list | None = None) -> Iterator[tuple]:
    """The same file as :func:`read_acled_csv` reads it, as the store's rows
    (:data:`~webapp.store.base.EVENT_COLUMNS`) for :meth:`EventStore.add_rows`.

    The fast way to import: no :class:`Event` is built. Rows are checked exactly as
    :func:`read_acled_csv` checks them (one converter makes both), which covers every
    rule of :func:`~webapp.store.base.event_problem`, so the store need not check again.
    """
    return _read(path, skipped, as_rows=True)


def _read(path, skipped: list | None, as_rows: bool) -> Iterator:
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as err:
        raise ImportFormatError(f"cannot read the file: {err.strerror}", path=path) from err
    with fh:
        reader = csv.reader(fh)
        try:
            header = [name.strip().lower() for name in next(reader, [])]
        except (csv.Error, UnicodeDecodeError) as err:
            raise ImportFormatError(f"not a readable CSV file: {err}", path=path) from err
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise ImportFormatError(f"not an ACLED CSV: missing column(s) "
                                    f"{', '.join(missing)}", path=path)
        convert = _row_converter(header, as_rows)
        start = reader.line_num + 1
        try:
            for row in reader:
                line, start = start, reader.line_num + 1
                if not row:
                    continue  # blank line
                try:
                    converted = convert(row)
                except ValueError as err:
                    problem = ImportFormatError(str(err), path=path, line=line)
                    if skipped is None:
                        raise problem from err
                    skipped.append(problem)
                    continue
                yield converted
        except (csv.Error, UnicodeDecodeError) as err:
            # the reader cannot resync after a broken quote or encoding: give up
            raise ImportFormatError(f"unreadable CSV: {err}", path=path, line=start) from err


def _row_converter(header: list[str], as_rows: bool):
    """A function turning one CSV row (a list) into an Event, or into the store's row
    for it when ``as_rows``, for this header.

    Written for speed (it runs once per row of files with millions of rows): column
    positions are looked up once, a column the file lacks points at an empty cell
    appended to every row, and what repeats from row to row (dates, country numbers,
    categories) is worked out once per distinct value.
    """
    width = len(header)
    at = {name: header.index(name) if name in header else width for name in ACLED_COLUMNS}
    extras = [(name, at[name]) for name in EXTRA_COLUMNS if at[name] < width]
    # for rows, extra's JSON is written straight from the cells, keys quoted once
    quoted_extras = [(quote_json(name) + ":", i) for name, i in extras]
    known = vocabulary()["event_types"]
    parents = sub_event_types()
    # sub_event_type decides the category once its event_type is checked against it
    category_of = {sub: category_for(parent, sub) for sub, parent in parents.items()}
    # One string object per distinct type, actor, place and source, so that a batch of
    # rows sent to another process pickles each of them once (acled_parallel.py)
    own_sub = {sub: sub for sub in parents}
    seen: dict[str, str] = {}
    share = seen.setdefault
    names = countries()[2]
    country_of = Memo(alpha2_from_numeric)
    precisions = PRECISIONS_BY_TEXT
    day_of = Memo(cell_iso_day if as_rows else cell_day)
    (i_id, i_date, i_type, i_sub, i_lat, i_lon, i_iso, i_tp, i_gp, i_fat, i_actor1,
     i_actor2, i_location, i_admin1, i_notes, i_source, i_country, i_tags) = (
        at[name] for name in (
            "event_id_cnty", "event_date", "event_type", "sub_event_type", "latitude",
            "longitude", "iso", "time_precision", "geo_precision", "fatalities", "actor1",
            "actor2", "location", "admin1", "notes", "source", "country", "tags"))

    def convert(row: list[str]):
        if len(row) != width:
            raise ValueError(f"expected {width} fields, found {len(row)}")
        row.append("")
        event_id = row[i_id].strip()
        if not event_id:
            raise ValueError("event_id_cnty is empty")
        event_type, sub_event_type = row[i_type].strip(), row[i_sub].strip()
        if parents.get(sub_event_type) != event_type:
            if event_type not in known:
                raise ValueError(f"unknown event_type {event_type!r}")
            raise ValueError(f"sub_event_type {sub_event_type!r} is not one of "
                             f"{event_type!r}'s")
        sub_event_type = own_sub[sub_event_type]
        event_type = parents[sub_event_type]
        event_date = day_of[row[i_date]]
        latitude, longitude = cell_coordinates(row[i_lat], row[i_lon])
        iso = row[i_iso]
        country_code = country_of[iso] if iso else ""
        # Cells emptied here are left out of extra, as empty cells are.
        unknown_iso = ""
        if country_code:
            if row[i_country] == names.get(country_code):
                row[i_country] = ""  # the export derives the same name from the code
        else:
            unknown_iso = iso.strip()  # kept in extra so the export writes it back
        category = category_of[sub_event_type]
        is_total = is_historical = False
        if "briefing" in row[i_tags]:
            category, is_total, is_historical, row[i_tags] = _read_briefing_tags(
                row[i_tags], category)
        # the dictionary answers the usual "1".."3"; the function blanks and mistakes
        time_precision = (precisions.get(row[i_tp])
                          or cell_precision(row[i_tp], "time_precision", 1))
        fatalities = cell_count(row[i_fat])
        geo_precision = (precisions.get(row[i_gp])
                         or cell_precision(row[i_gp], "geo_precision", 3))
        if as_rows:  # in EVENT_COLUMNS' order
            if len(seen) > SHARED_CELLS:
                seen.clear()  # a file of ever new names: memory stays bounded
            actor1, actor2, location, admin1, source = (
                row[i_actor1], row[i_actor2], row[i_location], row[i_admin1], row[i_source])
            parts = [key + quote_json(row[i]) for key, i in quoted_extras if row[i]]
            if unknown_iso:
                parts.append('"iso":' + quote_json(unknown_iso))
            return (event_id, None, event_date, time_precision, event_type,
                    sub_event_type, category, share(actor1, actor1), share(actor2, actor2),
                    fatalities, share(location, location), latitude, longitude, None,
                    country_code, share(admin1, admin1), geo_precision, row[i_notes],
                    share(source, source), None,
                    None, int(is_total), int(is_historical),
                    "{" + ",".join(parts) + "}" if parts else None)
        extra = {name: row[i] for name, i in extras if row[i]}
        if unknown_iso:
            extra["iso"] = unknown_iso
        return Event(
            event_id=event_id, event_date=event_date, time_precision=time_precision,
            event_type=event_type, sub_event_type=sub_event_type,
            category=category, is_total=is_total, is_historical=is_historical,
            actor1=row[i_actor1], actor2=row[i_actor2], fatalities=fatalities,
            location=row[i_location], latitude=latitude, longitude=longitude,
            country_code=country_code, admin1=row[i_admin1],
            geo_precision=geo_precision, notes=row[i_notes], source=row[i_source],
            extra=extra)

    return convert


# -- writing -------------------------------------------------------------------------

def write_acled_csv(events: Iterable[Event], fh) -> int:
    """Write ``events`` as an ACLED CSV (31 columns, ACLED's order) to the text file
    ``fh`` (open it with ``newline=""``). Returns the number of rows written.

    ``iso`` is the ISO 3166 number and ``country`` the English name of
    ``country_code``; ``year`` comes from ``event_date``; ``timestamp`` and the other
    ACLED-only columns come from ``extra`` (``timestamp`` defaults to now). Category
    and flags go into ``tags`` (see the module docstring); shapes are not written.
    """
    counted = Counted(events)
    for part in acled_csv_parts(counted):
        fh.write(part)
    return counted.count


def acled_csv_parts(events: Iterable[Event], rows_per_part: int = 500) -> Iterator[str]:
    """The CSV :func:`write_acled_csv` writes, as pieces of text made as the events
    come (a streamed download holds one piece at a time)."""
    _, numbers, names = countries()
    now = str(int(time.time()))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(ACLED_COLUMNS)
    for count, ev in enumerate(events, 1):
        x = ev.extra or {}
        code = ev.country_code
        iso = str(numbers[code]) if code in numbers else x.get("iso", "")
        writer.writerow((
            ev.event_id, ev.event_date.isoformat() if ev.event_date else "",
            ev.event_date.year if ev.event_date else "", ev.time_precision,
            x.get("disorder_type", ""), ev.event_type, ev.sub_event_type, ev.actor1,
            x.get("assoc_actor_1", ""), x.get("inter1", ""), ev.actor2,
            x.get("assoc_actor_2", ""), x.get("inter2", ""), x.get("interaction", ""),
            x.get("civilian_targeting", ""), iso, x.get("region", ""),
            x.get("country") or names.get(code, ""), ev.admin1, x.get("admin2", ""),
            x.get("admin3", ""), ev.location,
            "" if ev.latitude is None else repr(float(ev.latitude)),
            "" if ev.longitude is None else repr(float(ev.longitude)),
            ev.geo_precision, ev.source, x.get("source_scale", ""), ev.notes,
            ev.fatalities, "; ".join(filter(None, (x.get("tags", ""), *_briefing_tags(ev)))),
            x.get("timestamp") or now))
        if count % rows_per_part == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
