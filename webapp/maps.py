"""The briefing map: events in, a folium map that opens with no internet at all.

:func:`build_map` writes the events into the page (for a page with no server behind
it: the standalone export); the served page's map asks the server for each view
instead (:mod:`webapp.live_map`), and both start from :func:`base_map` and end with
:func:`finish_map`. :func:`build_map` draws one marker per located event (colour =
event type, shape = category), clustered in the browser; the admin-1 regions shaded by
event count (a layer, off at first); a legend, a scale bar, a layer switcher, a
full-screen button and the title. The land under them is the project's own country
outlines, with admin-1 borders from zoom 5
(fetched from ``static_url`` when first needed, or written into the page by
``inline_admin1``); OpenStreetMap's tiles are an optional layer, off at first, for a
user who is online and turns them on. Every script and stylesheet is linked under
``static_url`` and served from :func:`webapp.assets.asset_folders`.

Events flagged ``is_total`` (running tolls) or ``is_historical`` (history recalled) are not
drawn: a map of the day's events would show them as new. The legend says how many were
left out; the side list can still show them (``briefingMap.open(id)`` returns false).

All event text is treated as hostile: it is HTML-escaped where the popups and the legend
are built, and the JSON written into <script> has ``<``, ``>`` and ``&`` escaped too, so no
text can close the script or start markup. Only http(s) sources become links.

No Flask here: the web layer embeds :func:`map_parts` in its own page, and export uses
:func:`standalone_html`. The browser side lives in ``map_static/briefing-map.js``.
"""

from __future__ import annotations

import copy
import json
from html import escape

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.map import Layer
from folium.template import Template

from webapp.assets import (ADMIN1_MIN_ZOOM, admin1_lines_geojson, admin1_lines_url,
                           asset_folders, asset_urls, country_names, land_geojson)
from webapp.map_html import CATEGORY_SHAPES, glyph, legend_html, popup_html, type_colour
# The view and event helpers live in a module of their own, so the static snapshot and
# the brief can use them without importing folium (and pandas behind it).
from webapp.map_view import (MAX_FIT_ZOOM, MAX_ZOOM, MIDDLE_EAST, drawn_events,
                             ranked_sources, source_label, view_bounds)
from webapp.models import Event

__all__ = ["JsCall", "JsLayer", "asset_folders", "build_map", "drawn_events", "map_parts",
           "outline_geojson", "ranked_sources", "script_json",
           "source_label", "sources_attribution", "standalone_html", "view_bounds"]

ATTRIBUTION = "Natural Earth, GeoNames"
TOP_SOURCES = 3          # sources named in the attribution; the rest are counted
# The one thing on the page that may go online, and only when the user turns it on.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = ('&copy; <a href="https://www.openstreetmap.org/copyright">'
                   "OpenStreetMap</a> contributors")
OSM_LAYER_NAME = "OpenStreetMap (online)"
CLUSTER_ABOVE = 50       # beyond this many markers, nearby ones gather into clusters;
# below it only overlapping ones do (12 px), so none hides under another
# Light to dark, none as pale as the land; as many as there are classes are used.
REGION_COLOURS = ["#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"]
NICE_BREAKS = (1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10000)


def build_map(events: list[Event], region_totals=None, *, static_url: str = "/static",
              title: str = "", fit: tuple | None = None,
              inline_admin1: bool = False) -> folium.Map:
    """A folium map of ``events``, with ``region_totals`` (Regions.aggregate with
    ``by_type=False``) as a choropleth layer if given. The admin-1 borders are fetched
    from ``static_url`` when first zoomed to; ``inline_admin1`` (a page with no server)
    writes those around the events into the page instead."""
    drawn = drawn_events(events)
    south, west, north, east = view_bounds(drawn, fit)
    m = base_map((south, west, north, east), static_url=static_url, title=title,
                 land={"land": json.loads(land_geojson())},
                 admin1=admin1_payload(static_url, (south, west, north, east)
                                       if inline_admin1 else None))
    region_keys: list[tuple[str, str]] = []
    if region_totals is not None:
        # Off at first: shading under the markers would compete with their colours.
        regions, region_keys = _region_features(region_totals)
        JsLayer("regions", regions, name="Events per region", overlay=True,
                show=False).add_to(m)
    markers = _marker_payload(drawn)
    markers["attribution"] = sources_attribution(drawn)
    JsLayer("events", markers, name="Events", overlay=True).add_to(m)
    JsCall("legend", {"html": legend_html(events, drawn, region_keys)}).add_to(m)
    finish_map(m, (south, west, north, east))
    return m


def base_map(bounds: tuple, *, static_url: str, title: str, land: dict, admin1: dict,
             assets: tuple | None = None) -> folium.Map:
    """The map every briefing map starts from, centred in ``bounds`` (south, west,
    north, east): no tiles, our own scripts and styles (``assets``: (scripts, styles)
    as webapp.assets lists them; by default those of the map with its events inline),
    the land (``land``: BriefingMap.land's data or URL), the admin-1 borders and the
    optional OpenStreetMap layer."""
    south, west, north, east = bounds
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=5,
                   tiles=None, control_scale=True, minZoom=2, maxZoom=MAX_ZOOM)
    # New lists on this instance: folium's class-level lists point at CDNs and stay as is.
    scripts, styles = asset_urls(static_url, *(assets or ()))
    m.default_js = [(f"briefing_js_{i}", url) for i, url in enumerate(scripts)]
    m.default_css = [(f"briefing_css_{i}", url) for i, url in enumerate(styles)]
    m.briefing_title = title

    JsLayer("land", {**land, "attribution": ATTRIBUTION},
            name="Land", overlay=False, control=False).add_to(m)
    JsLayer("admin1", admin1, name="Admin-1 borders", overlay=False,
            control=False).add_to(m)
    # Off at first (show=False: folium writes no addTo), so no tile is requested until
    # the layer switcher adds it; the page works the same with no internet at all.
    JsLayer("osm", {"url": OSM_TILES, "attribution": OSM_ATTRIBUTION, "maxZoom": MAX_ZOOM},
            name=OSM_LAYER_NAME, overlay=True, show=False).add_to(m)
    return m


def finish_map(m: folium.Map, bounds: tuple) -> None:
    """The controls every briefing map ends with (after its own layers and legend),
    and the view fitted to ``bounds`` (south, west, north, east)."""
    south, west, north, east = bounds
    JsCall("fullscreen", None).add_to(m)
    if m.briefing_title:
        JsCall("title", m.briefing_title).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[south, west], [north, east]], padding=(30, 30), max_zoom=MAX_FIT_ZOOM)


def admin1_payload(static_url: str, inline_bounds: tuple | None = None) -> dict:
    """BriefingMap.admin1's settings: the URL to fetch the borders from, or with
    ``inline_bounds`` (south, west, north, east) the borders around them themselves."""
    if inline_bounds is None:
        return {"minZoom": ADMIN1_MIN_ZOOM, "url": admin1_lines_url(static_url)}
    return {"minZoom": ADMIN1_MIN_ZOOM, "lines": admin1_lines_geojson(*inline_bounds)}


def map_parts(m: folium.Map) -> dict[str, str]:
    """The rendered map in three pieces of HTML for a page of our own: ``head`` (links and
    styles for <head>), ``body`` (the map's <div>) and ``script`` (a whole <script> element
    to place after that div)."""
    # Rendering adds elements to the figure (folium's layers append a fresh "addTo" call
    # each time), so a copy is rendered and the map can be rendered again unchanged.
    figure = copy.deepcopy(m.get_root())
    figure.render()
    return {"head": figure.header.render(), "body": figure.html.render(),
            "script": f"<script>\n{figure.script.render()}\n</script>"}


def standalone_html(m: folium.Map) -> str:
    """A whole page holding the map alone; its assets are still under ``static_url``."""
    parts = map_parts(m)
    title = escape(getattr(m, "briefing_title", "") or "Briefing map")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n{parts['head']}\n</head>\n<body>\n{parts['body']}\n"
            f"{parts['script']}\n</body>\n</html>\n")


# -- browser calls ------------------------------------------------------------------

def script_json(value) -> str:
    """JSON that is safe inside <script>: nothing in it can close the element or open
    markup or a comment, and line separators cannot end a JS string."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


class JsLayer(Layer):
    """A layer made by one call into briefing-map.js; a Layer, so LayerControl lists it."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = BriefingMap.{{ this.factory }}(
            {{ this._parent.get_name() }}, {{ this.payload }});
        {% endmacro %}""")

    def __init__(self, factory: str, payload, **layer):
        super().__init__(**layer)
        self._name = f"briefing_{factory}"
        self.factory = factory
        self.payload = script_json(payload)


class JsCall(MacroElement):
    """A control or decoration added by one call into briefing-map.js."""

    _template = JsLayer._template

    def __init__(self, factory: str, payload):
        super().__init__()
        self._name = f"briefing_{factory}"
        self.factory = factory
        self.payload = script_json(payload)


# -- events -------------------------------------------------------------------------

def sources_attribution(events: list[Event], top: int = TOP_SOURCES) -> str:
    """Escaped HTML naming the most frequent sources of the events and how many others
    there are; "" when no event says."""
    ranked = ranked_sources(events)
    if not ranked:
        return ""
    named = ", ".join(escape(label) for label in ranked[:top])
    rest = len(ranked) - top
    more = f" and {rest} other source{'s' if rest > 1 else ''}" if rest > 0 else ""
    return f"Events: {named}{more}"


def _marker_payload(drawn: list[Event]) -> dict:
    """Rows [id, lat, lon, icon, popup html, outline index] plus the shared icons and
    outlines: many events share one glyph, and many sit on one border or area."""
    icons: dict[tuple[str, str], int] = {}
    shapes: dict[str, int] = {}
    rows = []
    names = country_names()
    for event in drawn:
        key = (type_colour(event.event_type), CATEGORY_SHAPES.get(event.category, "circle"))
        icon = icons.setdefault(key, len(icons))
        outline = _outline(event.geometry)
        shape = -1 if outline is None else shapes.setdefault(outline, len(shapes))
        rows.append([str(event.event_id), round(float(event.latitude), 5),
                     round(float(event.longitude), 5), icon, popup_html(event, names), shape])
    return {"clusterRadius": 60 if len(drawn) > CLUSTER_ABOVE else 12,
            "icons": [glyph(shape, colour) for colour, shape in icons],
            "colours": [colour for colour, _ in icons],
            "shapes": [json.loads(text) for text in shapes], "events": rows}


def outline_geojson(geometry) -> dict | None:
    """The event's line or area simplified for the map, or None for a point or junk."""
    text = _outline(geometry)
    return json.loads(text) if text else None


def _outline(geometry) -> str | None:
    """The event's line or area as compact GeoJSON text, or None for a point or junk."""
    if not isinstance(geometry, dict) or "Point" in str(geometry.get("type", "Point")):
        return None
    try:
        shape = shapely.geometry.shape(geometry)
    except Exception:   # malformed GeoJSON from an import: draw the marker, not the shape
        return None
    if shape.is_empty:
        return None
    shape = shapely.simplify(shape, 0.0005, preserve_topology=True)
    shape = shapely.transform(shape, lambda xy: np.round(xy, 4))
    return json.dumps(shapely.geometry.mapping(shape), separators=(",", ":"))




# -- regions ------------------------------------------------------------------------

def _class_breaks(top: int, classes: int = len(REGION_COLOURS)) -> list[int]:
    """Lower bounds of up to ``classes`` count classes, round numbers, from 1 to ``top``:
    counts per region are skewed (one governorate with most events), so steps widen."""
    nice = [b for b in NICE_BREAKS if b <= top] or [1]
    if len(nice) > classes:
        nice = [nice[i] for i in np.round(np.linspace(0, len(nice) - 1, classes)).astype(int)]
    return nice


def _region_features(totals) -> tuple[dict, list[tuple[str, str]]]:
    """GeoJSON of the regions with their fill and an escaped tooltip, and the legend's
    (class label, colour) pairs."""
    frame = totals
    if "event_type" in frame.columns:   # a by-type table: fold it to one row per region
        frame = frame.groupby(["country_code", "admin1"], as_index=False).agg(
            events=("events", "sum"), fatalities=("fatalities", "sum"),
            geometry=("geometry", "first"))
    # A boolean array, not a list: an empty list would select no columns, not no rows.
    frame = frame[np.array([isinstance(g, shapely.Geometry) and not g.is_empty
                            for g in frame["geometry"]], dtype=bool)]
    breaks = _class_breaks(int(frame["events"].max())) if len(frame) else []
    colours = [REGION_COLOURS[round(i)]
               for i in np.linspace(0, len(REGION_COLOURS) - 1, len(breaks))]
    names = country_names()
    features = []
    for code, admin1, count, dead, shape in zip(frame["country_code"], frame["admin1"],
                                                frame["events"], frame["fatalities"],
                                                frame["geometry"]):
        fill = colours[max(int(np.searchsorted(breaks, int(count), side="right")) - 1, 0)]
        label = (f"<b>{escape(str(admin1))}</b>, {escape(names.get(code, str(code)))}<br>"
                 f"{int(count)} event(s), {int(dead)} fatalities")
        shape = shapely.transform(shape, lambda xy: np.round(xy, 4))
        features.append({"type": "Feature", "properties": {"fill": fill, "label": label},
                         "geometry": shapely.geometry.mapping(shape)})
    keys = []
    for i, low in enumerate(breaks):
        high = breaks[i + 1] - 1 if i + 1 < len(breaks) else None
        text = f"{low}+" if high is None else (str(low) if high == low else f"{low}–{high}")
        keys.append((f"{text} event(s)", colours[i]))
    return {"type": "FeatureCollection", "features": features}, keys


def region_layer(totals) -> tuple[dict, list[tuple[str, str]]]:
    """The regions' shaded GeoJSON and the legend's (class label, colour) pairs for a
    totals table (``Regions.totals_table``), for maps built outside this module (the
    standalone export of many events)."""
    return _region_features(totals)
