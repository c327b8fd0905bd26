"""The page a browser photographs: the briefing map, still, with everything a picture in a
report needs printed on it.

It is the interactive map's own make-up (the same land, glyphs, colours, legend and title
from :mod:`webapp.maps` and :mod:`webapp.map_html`) with what only a screen needs taken
away: no popups, zoom buttons or layer switcher. The events are painted onto one
canvas (``map_static/briefing-snapshot.js``); when too many are in view to tell apart
(:mod:`webapp.snapshot.marks`), the store's clusters are painted instead, as circles
sized by their counts, split by type and numbered, at the map zoom their grid was made
for, and the legend says so; the lines and areas that single events are placed on are
outlined; a caption names the sources,
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
from webapp.map_html import CATEGORY_SHAPES, glyph, type_colour
from webapp.models import Event
from webapp.snapshot.caption import attribution_text, empty_text, made_text, title_text
from webapp.snapshot.legend import legend_html
from webapp.snapshot.grid import FIT_PAD_PX, picture_grid
from webapp.snapshot.marks import Marks, as_marks, cluster_radius, count_label
from webapp.snapshot.spec import SnapshotSpec

SCRIPTS = [("leaflet", "leaflet.js"), ("briefing", "briefing-map.js"),
           ("briefing", "briefing-snapshot.js")]
STYLES = [("leaflet", "leaflet.css"), ("briefing", "briefing-map.css"),
          ("briefing", "briefing-snapshot.css")]
MAX_OUTLINES = 300     # distinct borders/areas outlined; beyond that they hide the map
COORD_DECIMALS = 4     # about 10 m: finer than a glyph at any zoom a report prints


def snapshot_html(events: Marks | list[Event], spec: SnapshotSpec, *,
                  static_url: str = "/static") -> str:
    """A whole HTML page holding the snapshot of ``events`` (marks from
    :func:`webapp.snapshot.marks.marks_for`, or a list of events) at ``spec``'s size."""
    marks = as_marks(events)
    drawn = list(marks.events)
    fit = None
    if spec.frame:
        west, south, east, north = spec.frame
        fit = (south, west, north, east if east >= west else east + 360)
    elif marks.clustered and marks.extent:
        fit = marks.extent
    south, west, north, east = maps.view_bounds(drawn, fit)
    centre, zoom = [(south + north) / 2, (west + east) / 2], 5   # until fitted below
    if marks.clustered:   # the view the clusters' grid was made for, as fitBounds picks it
        zoom, _, centre = picture_grid((south, west, north, east), spec.width, spec.height,
                                       pad_px=0 if spec.frame else FIT_PAD_PX,
                                       max_zoom=maps.MAX_ZOOM if spec.frame else None)
    fmap = folium.Map(location=list(centre), zoom_start=zoom,
                      tiles=None, control_scale=True, zoom_control=False,
                      attributionControl=False, minZoom=1, maxZoom=maps.MAX_ZOOM,
                      zoomAnimation=False, fadeAnimation=False, markerZoomAnimation=False,
                      inertia=False)
    base = static_url.rstrip("/")
    fmap.default_js = [(f"snapshot_js_{i}", f"{base}/{prefix}/{name}")
                       for i, (prefix, name) in enumerate(SCRIPTS)]
    fmap.default_css = [(f"snapshot_css_{i}", f"{base}/{prefix}/{name}")
                        for i, (prefix, name) in enumerate(STYLES)]

    maps.JsLayer("land", {"land": json.loads(land_geojson()),
                           "attribution": maps.ATTRIBUTION}, name="Land",
                  overlay=False, control=False).add_to(fmap)
    _Call("admin1", maps.admin1_payload(static_url)).add_to(fmap)
    if marks.clustered:
        _Call("clusters", clusters_payload(marks)).add_to(fmap)
    else:
        _Call("events", _payload(drawn)).add_to(fmap)
    maps.JsCall("legend", {"html": legend_html(marks)}).add_to(fmap)
    title = title_text(spec, marks)
    maps.JsCall("title", title).add_to(fmap)
    if not marks.placed:
        _Call("message", empty_text(marks)).add_to(fmap)
    _Call("caption", [attribution_text(marks), made_text(spec)]).add_to(fmap)
    if spec.frame and not marks.clustered:   # the frame a reader chose, edge to edge
        fmap.fit_bounds([[south, west], [north, east]], max_zoom=maps.MAX_ZOOM)
    elif not marks.clustered:   # (clusters: the map is at their grid's view already)
        fmap.fit_bounds([[south, west], [north, east]], padding=(FIT_PAD_PX, FIT_PAD_PX),
                        max_zoom=maps.MAX_FIT_ZOOM)
    _Ready().add_to(fmap)   # last: after the view is fitted
    return maps.standalone_html(_titled(fmap, title))


def clusters_payload(marks: Marks) -> dict:
    """Rows [lat, lon, radius px, label, colour index, count, colour index, count, ...]
    and the colours, for painting the clusters as the matplotlib picture does."""
    colours: dict[str, int] = {}
    largest = max((c.count for c in marks.clusters), default=1)
    rows = []
    for c in sorted(marks.clusters, key=lambda c: -c.count):   # small ones on top
        row = [round(c.latitude, COORD_DECIMALS), round(c.longitude, COORD_DECIMALS),
               round(cluster_radius(c.count, largest), 1), count_label(c.count)]
        for name, n in c.by_type.items():
            row += [colours.setdefault(type_colour(name), len(colours)), n]
        rows.append(row)
    return {"rows": rows, "colours": list(colours)}


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
