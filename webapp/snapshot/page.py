"""The page a browser photographs: the briefing map, still, with everything a picture in a
report needs printed on it.

It is the interactive map's own make-up (the same land, glyphs, colours, legend and title
from :mod:`webapp.maps` and :mod:`webapp.map_html`) with what only a screen needs taken
away: no popups, clusters, zoom buttons or layer switcher. The events are painted onto one
canvas (``map_static/briefing-snapshot.js``), so 100,000 of them draw in about a second;
the lines and areas that events are placed on are outlined; a caption names the sources,
the licences and when the picture was made. Report text reaches the page only as JSON
escaped by :func:`webapp.maps.script_json` and is shown through ``textContent`` or HTML
that :mod:`webapp.map_html` escaped.
"""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from folium.template import Template

from webapp import maps
from webapp.assets import land_geojson
from webapp.map_html import CATEGORY_SHAPES, glyph, legend_html, type_colour
from webapp.models import Event
from webapp.snapshot.caption import NO_EVENTS_TEXT, attribution_text, made_text, title_text
from webapp.snapshot.spec import SnapshotSpec

SCRIPTS = [("leaflet", "leaflet.js"), ("briefing", "briefing-map.js"),
           ("briefing", "briefing-snapshot.js")]
STYLES = [("leaflet", "leaflet.css"), ("briefing", "briefing-map.css"),
          ("briefing", "briefing-snapshot.css")]
MAX_OUTLINES = 300     # distinct borders/areas outlined; beyond that they hide the map
COORD_DECIMALS = 4     # about 10 m: finer than a glyph at any zoom a report prints


def snapshot_html(events: list[Event], spec: SnapshotSpec, *, static_url: str = "/static") -> str:
    """A whole HTML page holding the snapshot of ``events`` at ``spec``'s size."""
    drawn = maps.drawn_events(events)
    fit = None
    if spec.frame:
        west, south, east, north = spec.frame
        fit = (south, west, north, east if east >= west else east + 360)
    south, west, north, east = maps.view_bounds(drawn, fit)
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=5,
                      tiles=None, control_scale=True, zoom_control=False,
                      attributionControl=False, minZoom=1, maxZoom=maps.MAX_ZOOM,
                      zoomAnimation=False, fadeAnimation=False, markerZoomAnimation=False,
                      inertia=False)
    base = static_url.rstrip("/")
    fmap.default_js = [(f"snapshot_js_{i}", f"{base}/{prefix}/{name}")
                       for i, (prefix, name) in enumerate(SCRIPTS)]
    fmap.default_css = [(f"snapshot_css_{i}", f"{base}/{prefix}/{name}")
                        for i, (prefix, name) in enumerate(STYLES)]

    maps._JsLayer("land", {"land": json.loads(land_geojson()),
                           "attribution": maps.ATTRIBUTION}, name="Land",
                  overlay=False, control=False).add_to(fmap)
    _Call("admin1", maps.admin1_payload(static_url)).add_to(fmap)
    _Call("events", _payload(drawn)).add_to(fmap)
    # The picture cannot be clicked: the categories are shown, not folded away.
    legend = legend_html(events, drawn, [], only_drawn=True).replace("<details>",
                                                                      "<details open>")
    maps._JsCall("legend", {"html": legend}).add_to(fmap)
    title = title_text(spec, events)
    maps._JsCall("title", title).add_to(fmap)
    if not drawn:
        _Call("message", NO_EVENTS_TEXT).add_to(fmap)
    _Call("caption", [attribution_text(events), made_text(spec)]).add_to(fmap)
    if spec.frame:   # the frame a reader chose, edge to edge, however close
        fmap.fit_bounds([[south, west], [north, east]], max_zoom=maps.MAX_ZOOM)
    else:
        fmap.fit_bounds([[south, west], [north, east]], padding=(40, 40),
                        max_zoom=maps.MAX_FIT_ZOOM)
    _Ready().add_to(fmap)   # last: after the view is fitted
    return maps.standalone_html(_titled(fmap, title))


def _titled(fmap: folium.Map, title: str) -> folium.Map:
    fmap.briefing_title = title   # standalone_html escapes it for <title>
    return fmap


def _payload(drawn: list[Event]) -> dict:
    """Rows [lat, lon, icon] plus the shared glyphs and the outlines to draw."""
    icons: dict[tuple[str, str], int] = {}
    outlines: dict[str, str] = {}
    rows = []
    colours: dict[str, str] = {}
    for event in drawn:
        colour = colours.get(event.event_type)
        if colour is None:
            colour = colours[event.event_type] = type_colour(event.event_type)
        key = (colour, CATEGORY_SHAPES.get(event.category, "circle"))
        rows.append([round(float(event.latitude), COORD_DECIMALS),
                     round(float(event.longitude), COORD_DECIMALS),
                     icons.setdefault(key, len(icons))])
        if len(outlines) < MAX_OUTLINES and isinstance(event.geometry, dict):
            outline = maps._outline(event.geometry)
            if outline is not None:
                outlines.setdefault(outline, colour)
    return {"icons": [glyph(shape, colour) for colour, shape in icons],
            "rows": rows,
            "shapes": [{"geometry": json.loads(text), "colour": colour}
                       for text, colour in outlines.items()]}


class _Call(MacroElement):
    """One call into briefing-snapshot.js with JSON written by maps.script_json."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        BriefingSnapshot.{{ this.factory }}({{ this._parent.get_name() }}, {{ this.payload }});
        {% endmacro %}""")

    def __init__(self, factory: str, payload):
        super().__init__()
        self._name = f"snapshot_{factory}"
        self.factory = factory
        self.payload = maps.script_json(payload)


class _Ready(MacroElement):
    _template = Template("""
        {% macro script(this, kwargs) %}
        BriefingSnapshot.ready();
        {% endmacro %}""")
