"""Admin-1 borders on the map: the committed lines file (geodata/web/admin1_lines.geojson),
the map page fetching it from the server only when zoomed in, the standalone export
carrying the lines around its events, and the snapshot drawing them.

The browser tests drive Debian's Chromium (/usr/bin/chromium, through Playwright; they
skip without it) with every request beyond the test server aborted and remembered.
"""

from __future__ import annotations

import importlib.util
import json
import re
import time
from datetime import date

import numpy as np
import pytest
import shapely

from browsing import needs_chromium, serving, wait_until

from webapp.assets import GEODATA_DIR, admin1_lines_geojson
from webapp.models import Event

LINES = GEODATA_DIR / "web" / "admin1_lines.geojson"
STATIC_URL = re.compile(r'"url":\s*"(/static/geodata/admin1_lines\.geojson\?v=\w+)"')
DRAWN = "document.querySelectorAll('path.briefing-admin1').length"
GAZA = (31.42, 34.38)


def read_lines() -> dict[str, shapely.Geometry]:
    data = json.loads(LINES.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shapely.geometry.shape(f["geometry"])
            for f in data["features"]}


@pytest.fixture(scope="module")
def areas():
    import geopandas as gpd

    frame = gpd.read_file(GEODATA_DIR / "admin1.geojson", columns=["code", "name"])
    return {(code, name): geom for code, name, geom in
            zip(frame["code"], frame["name"], frame.geometry)}


# -- the file -----------------------------------------------------------------------

def test_the_lines_file_is_small_lines_only_and_rounded():
    text = LINES.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 400_000
    data = json.loads(text)
    types = {f["geometry"]["type"] for f in data["features"]}
    assert types <= {"LineString", "MultiLineString"}, types
    assert len(data["features"]) > 150          # most countries have inner borders
    xy = shapely.get_coordinates(list(read_lines().values()))
    assert np.allclose(xy, np.round(xy, 3), atol=1e-9)


def test_gaza_governorates_are_parted_by_lines(areas):
    lines = read_lines()["PS"]
    strip = areas[("PS", "Gaza Strip")]
    inside = shapely.intersection(lines, strip.buffer(0.002))
    # four borders between five governorates, each crossing the Strip from sea to Israel
    assert len(shapely.get_parts(shapely.line_merge(inside))) >= 4
    for one, other in [("North Gaza", "Gaza"), ("Gaza", "Deir al-Balah"),
                       ("Deir al-Balah", "Khan Yunis"), ("Khan Yunis", "Rafah")]:
        shared = areas[("PS", one)].boundary.intersection(areas[("PS", other)].boundary)
        assert shared.length > 0.03, (one, other)
        middle = shared.interpolate(0.5, normalized=True)
        assert lines.distance(middle) < 0.002, (one, other)   # about 200 m


def test_lebanon_has_inner_lines_but_not_its_border_or_coast(areas):
    lines = read_lines()["LB"]
    lebanon = shapely.union_all([g for (code, _), g in areas.items() if code == "LB"])
    assert lines.length > 2.0                      # degrees: its governorates' borders
    assert shapely.within(lines, lebanon.buffer(0.02))
    border = lebanon.boundary.intersection(
        shapely.union_all([g for (code, _), g in areas.items() if code == "IL"]).buffer(0.001))
    coast = lebanon.boundary.difference(border.buffer(0.01))
    for edge in (border, coast):                   # drawn by the land layer, not here
        samples = [edge.interpolate(f, normalized=True) for f in np.linspace(0.1, 0.9, 9)]
        assert sum(lines.distance(p) > 0.01 for p in samples) >= 7


def test_the_committed_file_is_what_the_build_writes_now():
    """Rebuilding must change nothing: the lines are fitted to the land layer, so a change
    there (webapp/assets.py) needs a rebuild (python geodata/build_admin1_lines.py)."""
    spec = importlib.util.spec_from_file_location(
        "build_admin1_lines", GEODATA_DIR / "build_admin1_lines.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    committed = json.loads(LINES.read_text(encoding="utf-8"))["features"]
    assert json.loads(json.dumps(build.build())) == committed


# -- the web page and the export ------------------------------------------------------

def event(event_id, lat, lon, country="PS") -> Event:
    return Event(event_id=event_id, event_date=date(2024, 5, 3), time_precision=1,
                 event_type="Explosions/Remote violence", sub_event_type="Air/drone strike",
                 category="strike", latitude=lat, longitude=lon, geo_precision=1,
                 country_code=country, location=event_id, notes=f"A strike in {event_id}.")


GAZA_EVENTS = [event("Gaza City", 31.5017, 34.4668), event("Rafah", 31.2969, 34.2455),
               event("Khan Yunis", 31.3462, 34.3063)]
WORLD_EVENTS = GAZA_EVENTS + [event("New York", 40.71, -74.0, "US"),
                              event("Jakarta", -6.2, 106.8, "ID")]


def make_app(tmp_path, events):
    from webapp.store import SQLiteStore
    from webapp.web import create_app

    with SQLiteStore(tmp_path / "events.sqlite") as store:
        store.add_events(events)
    return create_app({"DB": str(tmp_path / "events.sqlite"), "TESTING": True,
                       "SNAPSHOT_BROWSER": "none"}, instance_path=tmp_path)


def test_the_map_page_links_the_lines_and_the_server_sends_them(tmp_path):
    app = make_app(tmp_path, GAZA_EVENTS)
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    url = STATIC_URL.search(page).group(1)
    # not inlined: a governorate border's coordinates are only in the file
    assert len(page) < 300_000 and "34.504,31.501" not in page
    answer = client.get(url)
    assert answer.status_code == 200
    assert "json" in answer.mimetype
    assert "max-age=31536000" in answer.headers["Cache-Control"]
    data = answer.get_json(force=True)
    assert data["type"] == "FeatureCollection"
    assert "PS" in {f["properties"]["code"] for f in data["features"]}
    # the folder holds that file alone, and nothing beside it is reachable through it
    for other in ("admin1.geojson", "../admin1.geojson", "..%2Fadmin1.geojson",
                  "../build.py", "../README.md"):
        assert client.get(f"/static/geodata/{other}").status_code == 404, other


def test_the_export_carries_the_lines_around_its_events():
    box = admin1_lines_geojson(31.2, 34.2, 31.6, 34.6)
    codes = {f["properties"]["code"] for f in box["features"]}
    assert {"PS", "IL", "EG", "LB", "JO"} <= codes and "US" not in codes
    size = len(json.dumps(box, separators=(",", ":")))
    assert size < 100_000                         # the world's would be about 380 kB

    from webapp.standalone import export_html

    page = export_html(GAZA_EVENTS)
    start = page.index("BriefingMap.admin1(")
    payload = json.loads(page[page.index("{", start):page.index(");", start)])
    assert "url" not in payload                   # there is no server to fetch from
    assert {f["properties"]["code"] for f in payload["lines"]["features"]} == codes


# -- in the browser -------------------------------------------------------------------


def settle(page, zoom: int) -> None:
    # void: evaluate() would copy the returned map object back, which takes seconds
    page.evaluate(f"void briefingMap.map.setView([{GAZA[0]}, {GAZA[1]}], {zoom}, "
                  "{animate: false})")
    wait_until(page, f"briefingMap.map.getZoom() === {zoom}")
    time.sleep(0.3)   # a fetch asked for at this zoom would have started by now


class Tab:
    """A page that may reach ``origin`` only (or, with no origin, local files): every
    other request is aborted and remembered, as are the page's errors."""

    def __init__(self, browser, origin: str | None = None):
        self.context = browser.new_context(viewport={"width": 1200, "height": 800})
        self.context.set_default_timeout(30_000)
        self.origin = origin
        self.outside: list[str] = []
        self.fetched: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.on("console", lambda m: m.type in ("error", "warning")
                     and self.errors.append(m.text))

    def _route(self, route):
        url = route.request.url
        if (url.startswith(self.origin + "/") if self.origin else url.startswith("file:")):
            if "admin1_lines" in url:
                self.fetched.append(url)
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        wait_until(self.page, "window.briefingMap && briefingMap.layer")
        return self.page


@pytest.fixture
def tabs(browser):
    opened = []

    def make(origin=None):
        opened.append(Tab(browser, origin))
        return opened[-1]

    yield make
    for tab in opened:
        assert tab.outside == [] and tab.errors == [], (tab.outside, tab.errors)
        tab.context.close()


@pytest.fixture
def serve(tmp_path):
    def start(events):
        return serving(make_app(tmp_path, events))

    return start


@needs_chromium
def test_the_page_fetches_and_draws_the_lines_from_zoom_five_only(serve, tabs):
    with serve(WORLD_EVENTS) as url:
        tab = tabs(url)
        page = tab.open(f"{url}/")
        assert page.evaluate("briefingMap.map.getZoom()") < 5   # Gaza to Jakarta
        time.sleep(0.5)
        assert tab.fetched == [] and page.evaluate(DRAWN) == 0
        settle(page, 4)
        assert tab.fetched == [] and page.evaluate(DRAWN) == 0
        settle(page, 8)                              # over Gaza
        wait_until(page, f"{DRAWN} > 0")
        assert len(tab.fetched) == 1
        # the governorate borders are on screen, in the land's pane, over the land
        on_screen = """() => {
            const box = briefingMap.map.getContainer().getBoundingClientRect();
            return [...document.querySelectorAll('path.briefing-admin1')].filter(p => {
                const r = p.getBoundingClientRect();
                return r.width + r.height > 0 && r.right > box.left && r.left < box.right
                    && r.bottom > box.top && r.top < box.bottom;
            }).length;
        }"""
        assert page.evaluate(f"({on_screen})()") > 0
        assert page.evaluate("document.querySelector('path.briefing-admin1')"
                             ".closest('.leaflet-pane').classList.contains("
                             "'leaflet-briefingLand-pane')")
        assert page.evaluate("""(() => { const all = [...document.querySelector(
            '.leaflet-briefingLand-pane svg g').children];
            return all.findIndex(p => p.classList.contains('briefing-admin1'))
                > all.findIndex(p => !p.classList.contains('briefing-admin1')); })()""")
        settle(page, 3)
        assert page.evaluate(DRAWN) == 0
        settle(page, 6)
        wait_until(page, f"{DRAWN} > 0")
        assert len(tab.fetched) == 1                 # kept, not fetched again


@needs_chromium
def test_a_page_opening_close_in_fetches_the_lines_at_once(serve, tabs):
    with serve(GAZA_EVENTS) as url:
        tab = tabs(url)
        page = tab.open(f"{url}/")
        assert page.evaluate("briefingMap.map.getZoom()") >= 5
        wait_until(page, f"{DRAWN} > 0")
        assert len(tab.fetched) == 1


@needs_chromium
def test_the_exported_file_draws_the_lines_with_the_network_cut(tmp_path, tabs):
    from webapp.standalone import export_html

    path = tmp_path / "map.html"
    path.write_text(export_html(GAZA_EVENTS), encoding="utf-8")
    tab = tabs()
    page = tab.open(path.as_uri())
    wait_until(page, f"{DRAWN} > 0")
    settle(page, 3)
    assert page.evaluate(DRAWN) == 0
    settle(page, 9)
    wait_until(page, f"{DRAWN} > 0")
    assert tab.fetched == []                         # nothing beyond the file itself


@needs_chromium
def test_the_snapshot_draws_the_lines():
    from webapp.snapshot.browser import ChromiumRenderer
    from webapp.snapshot.page import snapshot_html
    from webapp.snapshot.spec import SnapshotSpec

    renderer = ChromiumRenderer()
    try:
        spec = SnapshotSpec(width=800, height=600)
        renderer.render_png(snapshot_html(GAZA_EVENTS, spec), 800, 600)
        assert renderer.page_evaluate(DRAWN) > 0
        assert renderer.refused == []
    finally:
        renderer.close()
