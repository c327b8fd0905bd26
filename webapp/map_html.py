"""What the briefing map says in HTML: marker glyphs, event popups and the legend.

Every string that came from a report or an import (types, places, actors, notes,
sources, ids) is hostile: it goes through ``html.escape`` here and nowhere else is it
put into markup. Colours come from the vocabulary file and are checked to be hex codes.
Only http(s) sources become links; anything else (``javascript:``, ``data:``) is text.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from html import escape
from urllib.parse import urlsplit

from webapp.models import Event, vocabulary

UNKNOWN_COLOUR = "#555555"
LEGEND_GLYPH_COLOUR = "#6b6b6b"
_HEX = re.compile(r"#[0-9a-fA-F]{3,8}")
_PRECISION = {2: "near the place named", 3: "placed at region level"}

# Marker glyphs, 18 x 18 px: the fill is the event type's colour, the shape the category's.
_GLYPHS = {
    "circle": '<circle cx="9" cy="9" r="6.5"/>',
    "ring": '<circle cx="9" cy="9" r="5.5" fill="none" stroke="#fff" stroke-width="5"/>'
            '<circle cx="9" cy="9" r="5.5" fill="none" stroke="{c}" stroke-width="3"/>',
    "square": '<rect x="3" y="3" width="12" height="12" rx="1"/>',
    "diamond": '<path d="M9 1 17 9 9 17 1 9Z"/>',
    "triangle": '<path d="M9 1.5 17 16H1Z"/>',
    "triangle-down": '<path d="M9 16.5 1 2H17Z"/>',
    "star": '<path d="M9 .8l2.3 5.1 5.5.6-4.1 3.7 1.2 5.4L9 12.8l-4.9 2.8 1.2-5.4L1.2 6.5'
            'l5.5-.6Z"/>',
    "plus": '<path d="M6.3 1.5h5.4v4.8h4.8v5.4h-4.8v4.8H6.3v-4.8H1.5V6.3h4.8Z"/>',
    "hexagon": '<path d="M5 1.8h8L17 9l-4 7.2H5L1 9Z"/>',
}
CATEGORY_SHAPES = {
    "armed clash": "diamond", "strike": "star", "raid": "triangle",
    "attack on civilians": "triangle-down", "abduction": "square", "protest": "circle",
    "riot": "hexagon", "arrests": "square", "diplomacy": "plus", "statement": "ring",
    "military deployment": "hexagon", "displacement": "triangle-down",
    "casualty report": "ring", "other": "circle",
}


def type_colour(event_type: str) -> str:
    colour = vocabulary()["event_types"].get(event_type, {}).get("color", "")
    return colour if _HEX.fullmatch(colour) else UNKNOWN_COLOUR


def glyph(shape: str, colour: str, size: int = 18) -> str:
    return (f'<svg width="{size}" height="{size}" viewBox="0 0 18 18" fill="{colour}" '
            f'stroke="#fff" stroke-width="1.4">{_GLYPHS[shape].replace("{c}", colour)}</svg>')


def glyph_shapes() -> tuple[str, ...]:
    """The names of the marker shapes :func:`glyph` draws."""
    return tuple(_GLYPHS)


def _when(event: Event) -> str:
    day = event.event_date
    if not isinstance(day, date):
        return str(day) if day else "date unknown"
    if event.time_precision == 3:
        return day.strftime("%B %Y")
    return f"week of {day.isoformat()}" if event.time_precision == 2 else day.isoformat()


def _esc(value) -> str:
    """Escaped text of a field that an import may have left as None or a number."""
    return escape("" if value is None else str(value))


def _source_html(source) -> str:
    source = str(source or "").strip()
    if not source:
        return ""
    try:
        parts = urlsplit(source)
    except ValueError:   # e.g. a malformed IPv6 host: shown as text, like any non-URL
        return escape(source)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return (f'<a href="{escape(source, quote=True)}" target="_blank" '
                f'rel="noopener noreferrer nofollow">{escape(parts.netloc)}</a>')
    return escape(source)   # a title, or a URL we will not link (javascript:, data:...)


def popup_html(event: Event, names: dict[str, str]) -> str:
    category = vocabulary()["categories"].get(event.category, {}).get("label", event.category)
    kinds = [event.sub_event_type] + ([category] if category != event.sub_event_type else [])
    sub = " · ".join(_esc(t) for t in kinds if t)
    area = ", ".join(str(t) for t in (event.admin1, names.get(event.country_code,
                                                              event.country_code)) if t)
    place = " — ".join(_esc(t) for t in (event.location, area) if t) or "unnamed place"
    if event.geo_precision in _PRECISION:
        place += f' <span class="bp-precision">({_PRECISION[event.geo_precision]})</span>'
    actors = "; ".join(_esc(a) for a in (event.actor1, event.actor2) if a)
    rows = [("Date", escape(_when(event))), ("Place", place)]
    rows += [("Actors", actors)] if actors else []
    rows += [("Fatalities", _esc(event.fatalities or 0))]
    source = _source_html(event.source)
    rows += [("Source", f'<span class="bp-source">{source}</span>')] if source else []
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    notes = f'<div class="bp-notes">{_esc(event.notes)}</div>' if event.notes else ""
    return (f'<div class="briefing-popup"><div class="bp-type"><span class="bp-swatch" '
            f'style="background:{type_colour(event.event_type)}"></span>'
            f'{_esc(event.event_type or "Unknown type")}</div>'
            f'<div class="bp-sub">{sub}</div><table>{table}</table>{notes}</div>')


def legend_html(events: list[Event], drawn: list[Event], region_keys: list[tuple],
                *, only_drawn: bool = False) -> str:
    """The legend of a map drawing ``drawn`` of ``events`` (see :func:`legend_counts_html`;
    with ``only_drawn``, as a picture for a report wants, just the types on the map)."""
    flagged = sum(1 for e in events if e.is_total or e.is_historical)
    return legend_counts_html(
        Counter(e.event_type for e in drawn), Counter(e.category for e in drawn),
        flagged=flagged, unplaced=len(events) - len(drawn) - flagged,
        region_keys=region_keys, only_drawn=only_drawn)


def legend_counts_html(types: dict, categories: dict, *, flagged: int = 0,
                       unplaced: int = 0, region_keys: list[tuple] = (),
                       only_drawn: bool = False, heading: str = "Events on the map") -> str:
    """Event types (all of the vocabulary's, and any others counted) with colour and
    count, the categories counted with their glyphs, how many events were left off
    (``flagged``: running totals and recalled history; ``unplaced``: no usable place),
    and the region classes. The counts are whole totals however many events there are."""
    known = vocabulary()["event_types"]
    items = []
    for name in list(known) + sorted(t for t in types if t not in known):
        count = types.get(name, 0)
        if only_drawn and not count:
            continue
        dim = "" if count else ' class="bl-none"'   # a type absent today stays in the key
        items.append(f'<li{dim}><span class="bl-key bl-dot" '
                     f'style="background:{type_colour(name)}"></span>'
                     f'{escape(name or "Unknown type")}<span class="bl-count">{count}</span>'
                     "</li>")
    html = f'<h4>{escape(heading)}</h4><ul>{"".join(items)}</ul>'

    labels = vocabulary()["categories"]
    order = [c for c in labels if categories.get(c)] + sorted(
        c for c in categories if c not in labels and categories[c])
    items = [f'<li><span class="bl-key">'
             f'{glyph(CATEGORY_SHAPES.get(c, "circle"), LEGEND_GLYPH_COLOUR, 14)}</span>'
             f'{escape(labels.get(c, {}).get("label", c) or "Uncategorised")}'
             f'<span class="bl-count">{categories[c]}</span></li>' for c in order]
    if items:   # folded: fourteen lines would hide the map on a small screen
        html += f'<details><summary>Categories</summary><ul>{"".join(items)}</ul></details>'

    if flagged:
        html += (f'<p class="bl-note">{flagged} running total(s) or recalled past '
                 "event(s) not drawn.</p>")
    if unplaced:
        html += f'<p class="bl-note">{unplaced} event(s) without a usable place.</p>'
    if region_keys:
        items = [f'<li><span class="bl-key" style="background:{colour};opacity:.8"></span>'
                 f"{escape(label)}</li>" for label, colour in region_keys]
        html += ('<details><summary>Events per region</summary><ul>' + "".join(items) +
                 '</ul><p class="bl-note">Tick “Events per region” above to shade admin-1 '
                 "areas.</p></details>")
    return html
