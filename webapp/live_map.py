"""The served page's map: it holds no event; the browser asks the server for each view.

:func:`build_live_map` makes the same folium map as :func:`webapp.maps.build_map` (land,
admin-1 borders, optional OpenStreetMap tiles, legend, title, full-screen button), but
its events layer is a :class:`ViewportEvents` element: the URLs of the JSON API, the
filters as a query string, the type colours and the category glyphs.
``map_static/briefing-live.js`` asks ``/api/clusters`` for the marks of every view the
reader moves to, ``/api/events/<id>`` for a popup, and ``/api/regions`` for the region
shading when that layer is ticked; ``map_static/briefing-updates.js`` asks
``/api/changes`` whether events were stored after the page's marker, and offers to
bring them in (:mod:`webapp.web.live`). The land is fetched from one cached file too, so the
page weighs the same with ten events in the store or a million.

The legend's numbers are whole totals the store counted (:class:`LegendCounts`), and the
view opens on the events (:func:`events_extent`), both without reading an event row.

No Flask here: the web layer gives the URLs (:class:`LiveSource`) and the counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import folium
from folium.map import Layer
from folium.template import Template

from webapp.assets import (LIVE_SCRIPTS, LIVE_STYLES, admin1_lines_url, country_names,
                           land_url, ADMIN1_MIN_ZOOM)
from webapp.map_html import (CATEGORY_SHAPES, UNKNOWN_COLOUR, glyph, glyph_shapes,
                             legend_counts_html, type_colour)
from webapp.maps import (MIDDLE_EAST, NICE_BREAKS, REGION_COLOURS, JsCall, JsLayer,
                         base_map, finish_map, script_json, MAX_ZOOM)
from webapp.models import vocabulary

# Zooms at which events_extent looks for the events (cells of 0.7 and 0.04 degrees):
# the first bounds the work (the Middle East holds some 2,500 such cells), the second
# opens a view of a few places close on them.
EXTENT_ZOOMS = (7, 11)
FEW_CELLS = 4
EVENT_ID = "__id__"     # where an event's id goes in LiveSource.event_url


@dataclass(frozen=True)
class LiveSource:
    """Where the map asks for its events, and for which filters."""

    clusters_url: str          # /api/clusters
    events_url: str            # /api/events (a cluster's list)
    event_url: str             # /api/events/__id__ (one event's popup)
    regions_url: str           # /api/regions as GeoJSON, one row per region
    query: str = ""            # the filters as a URL query, without their bbox
    bbox: tuple | None = None  # the filters' area: the map never asks beyond it
    changes_url: str = ""      # /api/changes: asked every few seconds ("" = never)
    marker: int = 0            # the store's newest marker when the page was made


@dataclass(frozen=True)
class LegendCounts:
    """What the legend says: events per type and per category (all that match the
    filters), and those not drawn: flagged (running totals, recalled history) and
    without a place."""

    types: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)
    flagged: int = 0
    unplaced: int = 0


class ViewportEvents(Layer):
    """The events layer of a served map: briefing-live.js draws what each view needs."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = BriefingMap.live(
            {{ this._parent.get_name() }}, {{ this.settings }});
        {% endmacro %}""")

    def __init__(self, source: LiveSource, **layer):
        super().__init__(name="Events", overlay=True, **layer)
        self._name = "briefing_live"
        self.settings = script_json({
            "clustersUrl": source.clusters_url, "eventsUrl": source.events_url,
            "eventUrl": source.event_url, "query": source.query,
            "bbox": list(source.bbox) if source.bbox else None, "maxZoom": MAX_ZOOM,
            "changesUrl": source.changes_url, "marker": source.marker,
            "colours": {name: type_colour(name) for name in vocabulary()["event_types"]},
            "unknownColour": UNKNOWN_COLOUR, "shapes": CATEGORY_SHAPES,
            # fill and stroke follow the mark's CSS colour, set to its type's
            "glyphs": {shape: glyph(shape, "currentColor") for shape in glyph_shapes()},
        })


def build_live_map(source: LiveSource, counts: LegendCounts, *, static_url: str = "/static",
                   title: str = "", fit: tuple | None = None) -> folium.Map:
    """The served page's map of the events ``source`` names, opened on ``fit``
    (south, west, north, east; the Middle East when None)."""
    bounds = tuple(fit) if fit else MIDDLE_EAST
    m = base_map(bounds, static_url=static_url, title=title,
                 land={"url": land_url(static_url)},
                 admin1={"minZoom": ADMIN1_MIN_ZOOM, "url": admin1_lines_url(static_url)},
                 assets=(LIVE_SCRIPTS, LIVE_STYLES))
    # Off at first, and fetched only when ticked: shading under the marks would
    # compete with their colours.
    JsLayer("regionsOnDemand", {"url": source.regions_url, "colours": REGION_COLOURS,
                                "breaks": NICE_BREAKS, "countries": country_names()},
            name="Events per region", overlay=True, show=False).add_to(m)
    ViewportEvents(source).add_to(m)
    legend = legend_counts_html(counts.types, counts.categories, flagged=counts.flagged,
                                unplaced=counts.unplaced, heading="Events matching")
    JsCall("legend", {"html": legend}).add_to(m)
    finish_map(m, bounds)
    return m


def legend_counts(store, filters, counts: dict | None = None) -> LegendCounts:
    """The legend's totals for ``filters``, counted by the store (GROUP BY, and the
    map's own cells for the events that have a place); ``counts``, when the caller has
    them already: {"event_type": {...}, "category": {...}} for the same filters."""
    counts = counts or {by: store.counts(filters, by=by) for by in ("event_type", "category")}
    types = counts["event_type"]
    matching = sum(types.values())
    placed = sum(c.count for c in store.clusters(filters, 0))
    flagged = 0
    if not filters.include_flagged:
        flagged = store.count(filters.replace(include_flagged=True)) - matching
    return LegendCounts(types=types, categories=counts["category"], flagged=flagged,
                        unplaced=matching - placed)


def events_extent(store, filters) -> tuple | None:
    """(south, west, north, east) around the placed events that match ``filters``, or
    None when there are none: the centres of their clusters at a zoom where a cell is
    some 80 km across, and when they are few, closer in, within those cells."""
    found = store.clusters(filters, EXTENT_ZOOMS[0])
    if 0 < len(found) <= FEW_CELLS:
        cells = [c.bounds for c in found]
        area = _overlap((min(b[0] for b in cells), min(b[1] for b in cells),
                         max(b[2] for b in cells), max(b[3] for b in cells)), filters.bbox)
        found = store.clusters(filters.replace(bbox=area), EXTENT_ZOOMS[1])
    if not found:
        return None
    lats = [c.latitude for c in found]
    lons = [c.longitude for c in found]
    return min(lats), min(lons), max(lats), max(lons)


def _overlap(cell: tuple, area: tuple | None) -> tuple:
    """A cell cut to the filters' area (west, south, east, north), when it has one that
    does not cross the antimeridian."""
    if not area or area[0] > area[2]:
        return cell
    return (max(cell[0], area[0]), max(cell[1], area[1]),
            min(cell[2], area[2]), min(cell[3], area[3]))
