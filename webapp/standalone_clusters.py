"""The map of many events for the standalone export: the store's clusters for every zoom
a reader will use, written into the page, instead of one row per event.

A page of a million events' rows would weigh hundreds of megabytes and never open; the
clusters of zooms 2 to 12 (:meth:`EventStore.clusters`) hold what a reader can see of
them at each zoom in a few megabytes, bounded by :data:`MAX_CLUSTER_ROWS`: the zooms are
taken coarsest first while their rows fit, and closer zooms show the closest embedded
one's clusters. ``map_static/briefing-clusters.js`` draws the clusters of the map's zoom
as circles sized by count, cut into their types' colours; a click zooms into one. The
legend gives the store's exact totals per type and says the marks are clusters.

The map around them is the briefing map's: land, admin-1 borders (written in), the
optional online tiles, the regions shaded by their exact counts, title, full screen.
No Flask here.
"""

from __future__ import annotations

import json
from dataclasses import replace
from html import escape

import folium
from branca.element import MacroElement
from folium.map import Layer
from folium.template import Template

from webapp import maps
from webapp.assets import land_geojson
from webapp.map_html import type_colour
from webapp.snapshot.caption import zoomable_note
from webapp.snapshot.legend import legend_html
from webapp.snapshot.marks import Marks, marks_summary
from webapp.store.base import Filters

MIN_ZOOM, MAX_ZOOM = 2, 12          # the zooms embedded, at most (the page's minZoom is 2)
MAX_CLUSTER_ROWS = 60_000           # rows over all zooms: about 2.5 MB of JSON
COORD_DECIMALS = 4


def cluster_map(store, filters: Filters, *, title: str = "") -> tuple[folium.Map, Marks]:
    """The folium map of ``filters``' events as clusters, and the marks (totals, and the
    clusters of the coarsest zoom) its legend counts."""
    drawable = replace(filters, include_flagged=False)
    marks = marks_summary(store, filters)
    zooms, colours, names = cluster_payload(store, drawable)
    south, west, north, east = marks.extent or maps.MIDDLE_EAST
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=5,
                   tiles=None, control_scale=True, minZoom=MIN_ZOOM, maxZoom=maps.MAX_ZOOM)
    m.default_js, m.default_css = [], []   # the export writes the scripts into the page
    m.briefing_title = title
    _LayerCall("land", {"land": json.loads(land_geojson()),
                        "attribution": maps.ATTRIBUTION},
               name="Land", overlay=False, control=False).add_to(m)
    _LayerCall("admin1", maps.admin1_payload("", (south, west, north, east)),
               name="Admin-1 borders", overlay=False, control=False).add_to(m)
    _LayerCall("osm", {"url": maps.OSM_TILES, "attribution": maps.OSM_ATTRIBUTION,
                       "maxZoom": maps.MAX_ZOOM},
               name=maps.OSM_LAYER_NAME, overlay=True, show=False).add_to(m)
    region_keys = _regions(store, drawable, m)
    _LayerCall("clusters", {"zooms": zooms, "colours": colours, "names": names,
                            "attribution": _sources(marks)},
               factory_object="BriefingClusters", name="Events", overlay=True).add_to(m)
    _Call("legend", {"html": legend_html(marks, region_keys, note=zoomable_note(marks))}
          ).add_to(m)
    _Call("fullscreen", None).add_to(m)
    if title:
        _Call("title", title).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[south, west], [north, east]], padding=(30, 30),
                 max_zoom=maps.MAX_FIT_ZOOM)
    return m, marks


def cluster_payload(store, drawable: Filters, max_rows: int = MAX_CLUSTER_ROWS):
    """({zoom: rows}, colours, type names) of the zooms that fit in ``max_rows``; a row
    is [lat, lon, count, type index, n, type index, n, ...], largest share first."""
    types: dict[str, int] = {}
    zooms: dict[str, list] = {}
    used, last, growth = 0, 0, 1.0
    for zoom in range(MIN_ZOOM, MAX_ZOOM + 1):
        if last and used + last * growth > max_rows:
            break   # the next zoom would not fit (its cells grow as the last ones did)
        clusters = store.clusters(drawable, zoom)
        if zooms and used + len(clusters) > max_rows:
            break   # a closer zoom never has fewer cells: the rest would not fit either
        growth = max(len(clusters) / last, 1.0) if last else 1.0
        last = len(clusters)
        rows = []
        for c in clusters:
            row = [round(c.latitude, COORD_DECIMALS), round(c.longitude, COORD_DECIMALS),
                   c.count]
            for name, n in c.by_type.items():
                row += [types.setdefault(name, len(types)), n]
            rows.append(row)
        zooms[str(zoom)] = rows
        used += len(rows)
    return zooms, [type_colour(name) for name in types], list(types)


def _sources(marks: Marks) -> str:
    """Escaped HTML naming the commonest sources of the newest events."""
    if not marks.sources:
        return ""
    named = ", ".join(escape(label) for label in marks.sources[:maps.TOP_SOURCES])
    return f"Events: {named} and others"


def _regions(store, drawable: Filters, m: folium.Map) -> list[tuple[str, str]]:
    """The regions' layer, shaded by the store's exact counts; the legend's classes."""
    from webapp.regions import Regions   # loads the admin-1 areas: only when drawing

    table = Regions.load().totals_table(store.region_totals(drawable), by_type=False)
    regions, keys = maps.region_layer(table)
    _LayerCall("regions", regions, name="Events per region", overlay=True,
               show=False).add_to(m)
    return keys


_TEMPLATE = Template("""
    {% macro script(this, kwargs) %}
    var {{ this.get_name() }} = {{ this.factory_object }}.{{ this.factory }}(
        {{ this._parent.get_name() }}, {{ this.payload }});
    {% endmacro %}""")


class _LayerCall(Layer):
    """A layer made by one call into the page's scripts (BriefingMap's, or
    ``factory_object``'s) with JSON escaped for <script> by
    :func:`webapp.maps.script_json`; a Layer, so the layer switcher can list it."""

    _template = _TEMPLATE

    def __init__(self, factory: str, payload, factory_object: str = "BriefingMap",
                 **options):
        super().__init__(**options)
        self._name = f"briefing_{factory}"
        self.factory = factory
        self.factory_object = factory_object
        self.payload = maps.script_json(payload)


class _Call(MacroElement):
    """A control or decoration added by one call into BriefingMap."""

    _template = _TEMPLATE

    def __init__(self, factory: str, payload):
        super().__init__()
        self._name = f"briefing_{factory}"
        self.factory = factory
        self.factory_object = "BriefingMap"
        self.payload = maps.script_json(payload)
