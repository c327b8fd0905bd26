"""The words a snapshot prints: title, legend rows, credits and when it was made.

Both renderers (matplotlib here, headless Chromium in the web layer) print exactly these,
so they are plain functions returning text. They read a picture's
:class:`~webapp.snapshot.marks.Marks` (or a list of events, made into marks): its counts
are the store's exact totals, whether the events are drawn one by one or as clusters.
The text is NOT escaped: report text is hostile, and each renderer escapes it for its
own medium (HTML, SVG, mathtext).
"""

from __future__ import annotations

from datetime import date

from webapp.assets import country_names
from webapp.map_html import type_colour
from webapp.models import vocabulary
from webapp.snapshot.marks import as_marks

NO_EVENTS_TEXT = "No events match these filters"
BASEMAP_CREDITS = "Boundaries: Natural Earth · Places: GeoNames (CC BY 4.0)"
MAX_SOURCES = 3
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def title_text(spec, marks=None) -> str:
    """The spec's own title, else its filters in words, e.g. "Battles in Lebanon,
    1–3 May 2024"; with no dates chosen, the dates the drawable events span."""
    if spec.title:
        return spec.title
    words = filters_text(spec.filters)
    if spec.filters.since or spec.filters.until or marks is None:
        return words
    days = as_marks(marks).days
    if not days:
        return words
    return f"{words}, {_dates_text(days[0].isoformat(), days[1].isoformat())}"


def filters_text(f, everything: str = "All events") -> str:
    """Store filters (:class:`webapp.store.base.Filters`) in words, starting with the
    types chosen, or ``everything`` when none is."""
    words = _types_text(f.types) if f.types else everything
    places = []
    if f.region:
        places.append(f"{f.region} (region)")
    if f.country:
        places.append(country_names().get(f.country, f.country))
    if places:
        words += " in " + ", ".join(places)
    if f.q:
        words += f" matching “{f.q}”"
    if f.bbox:
        west, south, east, north = f.bbox
        words += (f" within {_degrees(west, 'E', 'W')}–{_degrees(east, 'E', 'W')}, "
                  f"{_degrees(south, 'N', 'S')}–{_degrees(north, 'N', 'S')}")
    days = _dates_text(f.since, f.until)
    return f"{words}, {days}" if days else words


def legend_rows(marks) -> list[tuple[str, str, int]]:
    """(event type, colour, count) of the drawable events (placed, not flagged: all of
    them, not only those in the frame), in the vocabulary's order (types outside it
    after, alphabetically); types with none are left out."""
    counts = as_marks(marks).by_type
    known = list(vocabulary()["event_types"])
    order = [t for t in known if t in counts] + sorted(
        (t for t in counts if t not in known), key=lambda t: str(t))
    return [(name, type_colour(name), counts[name]) for name in order]


def attribution_text(marks) -> str:
    """Credits for the basemap and the reports the events came from (the three most
    frequent, then how many more; of a large selection, the newest events' sources)."""
    marks = as_marks(marks)
    ranked = marks.sources
    if not ranked:
        return BASEMAP_CREDITS
    shown = ", ".join(ranked[:MAX_SOURCES])
    more = len(ranked) - MAX_SOURCES
    if not marks.sources_complete:
        return f"{BASEMAP_CREDITS} · Events: {shown} and others"
    return f"{BASEMAP_CREDITS} · Events: {shown}" + (f" and {more} more" if more > 0
                                                     else "")


def empty_text(marks) -> str:
    """What a picture with no marker says instead: nothing matched, or nothing that
    matched can be drawn (no place, or only running totals and history)."""
    marks = as_marks(marks)
    return NO_EVENTS_TEXT if not marks.matched else (
        f"{marks.matched:,} event(s) match, but none can be drawn on the map")


def marks_note(marks) -> str | None:
    """What the legend says when the marks are clusters, not single events."""
    marks = as_marks(marks)
    if not marks.clusters:   # single events, or no cluster in the frame
        return None
    shown = sum(c.count for c in marks.clusters)
    return (f"{shown:,} events shown as {len(marks.clusters):,} clusters (circle size "
            "and number: events in each); exact counts per type below")


def zoomable_note(marks) -> str:
    """What the legend of an interactive map of clusters (the standalone export) says."""
    return (f"{as_marks(marks).placed:,} events shown as clusters (circle size and "
            "number: events in each; click one to zoom in); exact counts per type below")


def left_out_notes(marks) -> list[str]:
    """The legend's notes on selected events that are not drawn."""
    marks = as_marks(marks)
    notes = []
    if marks.flagged:
        notes.append(f"{marks.flagged:,} running total(s) or recalled past event(s) "
                     "not drawn.")
    if marks.unplaced:
        notes.append(f"{marks.unplaced:,} event(s) without a usable place.")
    return notes


def made_text(spec) -> str:
    """E.g. "Made 2026-11-28 20:31 UTC"."""
    return f"Made {spec.made_at:%Y-%m-%d %H:%M} UTC"


# -- pieces -------------------------------------------------------------------------

def _types_text(types: tuple[str, ...]) -> str:
    labels = vocabulary()["categories"]
    names = [labels.get(t, {}).get("label", t) for t in types]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _degrees(value: float, positive: str, negative: str) -> str:
    amount = f"{abs(value):.2f}".rstrip("0").rstrip(".")
    return f"{amount}°{positive if value >= 0 else negative}"


def _day(day: date, month: bool = True, year: bool = True) -> str:
    text = str(day.day)
    if month:
        text += f" {_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def _dates_text(since: str | None, until: str | None) -> str:
    first = date.fromisoformat(since) if since else None
    last = date.fromisoformat(until) if until else None
    if first and last:
        if first == last:
            return _day(first)
        if first > last:   # nothing can match; say what was asked all the same
            return f"{_day(first)} – {_day(last)}"
        if (first.year, first.month) == (last.year, last.month):
            return f"{_day(first, month=False, year=False)}–{_day(last)}"
        if first.year == last.year:
            return f"{_day(first, year=False)} – {_day(last)}"
        return f"{_day(first)} – {_day(last)}"
    if first:
        return f"since {_day(first)}"
    if last:
        return f"until {_day(last)}"
    return ""
