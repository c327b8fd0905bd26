"""Which events a map draws and the view that fits them, without folium.

Shared by the interactive map (:mod:`webapp.maps`, which re-exports these names) and the
static snapshot and brief, which need the same view and the same source ranking but
not folium: importing folium (and pandas behind it) costs a second or more of a
command line's start.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from webapp.models import Event

_WEB_HOST = re.compile(r"https?://(?:[^@/?#\s]*@)?([^/:?#\s\[\]]+)", re.IGNORECASE)
MIDDLE_EAST = (12.0, 25.0, 42.0, 63.0)   # (south, west, north, east) when nothing else fits
MAX_ZOOM = 17            # set on the map itself: with no tile layer Leaflet has no
# maximum zoom, and MarkerCluster refuses to start without one
MAX_FIT_ZOOM = 11        # fitting one event should still show the town around it


def ranked_sources(events: list[Event]) -> list[str]:
    """Where the events came from, most frequent first (a web address by its host name,
    so one outlet's many articles count once; ties alphabetically)."""
    counts: Counter = Counter()
    # Counted raw first: 100,000 events come from far fewer reports than that.
    for raw, count in Counter(e.source for e in events).items():
        label = source_label(raw)
        if label:
            counts[label] += count
    return sorted(counts, key=lambda label: (-counts[label], label))


def source_label(source) -> str:
    """A report's source as a reader would cite it: the site's host name for a web
    address ("reuters.com"), else the text itself, cut at 40 characters."""
    text = " ".join(str(source or "").split())
    # A regex rather than urlsplit: an import of 100,000 events may carry as many URLs.
    web = _WEB_HOST.match(text)
    if web:
        return web.group(1).lower().removeprefix("www.")
    return text if len(text) <= 40 else text[:39] + "…"


def drawn_events(events: list[Event]) -> list[Event]:
    """The events a map draws: placed, and neither a running total nor history recalled."""
    return [e for e in events if _located(e) and not (e.is_total or e.is_historical)]


def _located(event: Event) -> bool:
    try:
        return abs(float(event.latitude)) <= 90 and abs(float(event.longitude)) <= 180
    except (TypeError, ValueError):   # None, or text from a careless import
        return False


def view_bounds(drawn: list[Event], fit: tuple | None = None) -> tuple[float, float, float, float]:
    if fit:
        try:
            south, west, north, east = (float(v) for v in fit)
        except (TypeError, ValueError) as err:
            raise ValueError(f"fit must be (south, west, north, east), not {fit!r}") from err
        if all(map(math.isfinite, (south, west, north, east))):
            return south, west, north, east
    # Events placed only at a country's point (a phone call "with the Netherlands")
    # would pull the view across a continent: fit the precisely placed ones when any.
    precise = [e for e in drawn if e.geo_precision < 3] or drawn
    if precise:
        lats = [float(e.latitude) for e in precise]
        lons = [float(e.longitude) for e in precise]
        return min(lats), min(lons), max(lats), max(lons)
    return MIDDLE_EAST
