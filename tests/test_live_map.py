"""The served map asks the server for each view, in a real browser: Debian's Chromium
driven by Playwright against the real app (waitress in a thread), over a store of events
made by hand, with every request that leaves this machine cut off.

The page holds no event: as the map moves it asks /api/clusters for the view, draws
round marks with exact counts and single events as glyphs, and asks /api/events/<id>
for a popup. Skipped when /usr/bin/chromium is not installed.
"""

from __future__ import annotations

import random
from urllib.parse import parse_qs, urlsplit

import pytest

from browsing import keep_local, marker_count, needs_chromium, serving, wait_until
from conftest import make_event

pytestmark = needs_chromium
pytest.importorskip("playwright.sync_api")

HOSTILE = '<img src=x onerror="window.__pwned = 1; alert(1)">'
KHAN_YUNIS = (31.3462, 34.3063)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TYPES = [("Battles", "Armed clash", "armed clash"),
         ("Explosions/Remote violence", "Air/drone strike", "strike"),
         ("Protests", "Peaceful protest", "protest")]


def made_events():
    """130 events a map can draw (90 over Gaza, 36 over Lebanon, 3 on one spot in Khan
    Yunis with hostile notes, one on a border line), plus two without a place and a
    running total."""
    rng = random.Random(10)
    events = []
    for i in range(126):
        kind = TYPES[i % 3]
        if i < 90:
            lat, lon = rng.uniform(31.25, 31.58), rng.uniform(34.22, 34.52)
        else:
            lat, lon = rng.uniform(33.05, 33.9), rng.uniform(35.15, 35.6)
        events.append(make_event(f"ev{i:03d}", round(lat, 5), round(lon, 5), *kind,
                                 day=_day(i), location=f"Place {i}", notes=f"Report {i}."))
    for i in range(3):
        events.append(make_event(f"spot{i}", *KHAN_YUNIS, *TYPES[i], day=_day(i),
                                 location="Khan Yunis", notes=f"Spot {i}: {HOSTILE}"))
    events.append(make_event("border", 33.10, 35.45, *TYPES[0], location="the border",
                             notes="Fire across the border.",
                             geometry={"type": "LineString",
                                       "coordinates": [[35.1, 33.09], [35.5, 33.1]]}))
    events += [make_event("nowhere-1", None, None, notes="No place."),
               make_event("nowhere-2", None, None, notes="No place either."),
               make_event("toll", 31.5, 34.47, notes="The toll so far.", is_total=True)]
    return events


def _day(i):
    from datetime import date, timedelta

    return date(2024, 5, 1) + timedelta(days=i % 20)


EVENTS = made_events()
DRAWN = [e for e in EVENTS if e.latitude is not None and not e.is_total]
LISTED = [e for e in EVENTS if not e.is_total]   # running totals are left out by default


@pytest.fixture(scope="module")
def server(tmp_path_factory, geocoder, module_store_target):
    """The map server over the events, once on SQLite and once on PostGIS."""
    from webapp.store import open_store
    from webapp.web import create_app

    folder = tmp_path_factory.mktemp("live")
    with open_store(module_store_target) as store:
        store.add_events(EVENTS)
    app = create_app({"DB": module_store_target, "GEOCODER": geocoder},
                     instance_path=folder)
    with serving(app) as url:
        yield url


class Tab:
    """A page cut off from everything beyond this machine, remembering its script
    errors, dialogs and every /api/clusters request it made."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.context.set_default_timeout(20_000)
        self.errors, self.dialogs, self.clusters, self.outside = [], [], [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", self._request)

    def _route(self, route):
        keep_local(route, self.outside, LOCAL_HOSTS)

    def _request(self, request):
        url = urlsplit(request.url)
        if url.path == "/api/clusters":
            self.clusters.append(parse_qs(url.query))

    def open(self, url):
        self.page.goto(url, wait_until="load")
        wait_until(self.page, "window.briefingMap && briefingMap.layer.total !== null")
        return self.page

    def move(self, lat, lon, zoom):
        """Set the view without animation and wait for the marks of the new view."""
        asked = len(self.clusters)
        self.page.evaluate(f"void briefingMap.map.setView([{lat}, {lon}], {zoom}, "
                           "{animate: false})")
        wait_until(self.page, f"briefingMap.map.getZoom() === {zoom}")
        self.wait_for(lambda: len(self.clusters) > asked)
        wait_until(self.page, "briefingMap.layer._request === null")
        return self.clusters[-1]

    def wait_for(self, condition, timeout=10.0):
        """Wait for a condition on what the page's events told us (they are only
        delivered while Playwright is called: hence wait_for_timeout, not sleep)."""
        import time

        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise AssertionError("timed out")
            self.page.wait_for_timeout(50)


@pytest.fixture
def tab(browser):
    opened = Tab(browser)
    yield opened
    opened.context.close()
    assert opened.errors == [] and opened.dialogs == [] and opened.outside == []


def in_cells(box_text, zoom, events):
    """The events in the grid cells a view's bbox touches at ``zoom``: the store answers
    with whole cells (360 / 2**(zoom + 2) degrees a side), so a mark at the edge counts
    every event of its cell."""
    import math

    side = 360 / 2 ** (zoom + 2)
    west, south, east, north = map(float, box_text.split(","))
    cell = lambda lon, lat: (math.floor((lon + 180) / side), math.floor((lat + 90) / side))
    (x0, y0), (x1, y1) = cell(west, south), cell(east, north)
    return [e for e in events
            if x0 <= cell(e.longitude, e.latitude)[0] <= x1
            and y0 <= cell(e.longitude, e.latitude)[1] <= y1]


def test_the_marks_count_every_event_in_view_at_every_zoom(server, tab):
    page = tab.open(f"{server}/")
    assert marker_count(page, len(DRAWN)) == len(DRAWN) == page.evaluate(
        "briefingMap.layer.total")
    first = tab.clusters[0]
    assert set(first) == {"bbox", "zoom"}
    # the whole world in view: no bbox at all, and every event still counted
    world = tab.move(30, 0, 2)
    assert "bbox" not in world and world["zoom"] == ["2"]
    assert marker_count(page, len(DRAWN)) == len(DRAWN)
    # closer in, the marks count exactly the events inside the view asked for
    for zoom in (11, 13):
        asked = tab.move(31.42, 34.37, zoom)
        assert asked["zoom"] == [str(zoom)]
        expected = len(in_cells(asked["bbox"][0], zoom, DRAWN))
        assert 0 < expected < len(DRAWN)
        assert marker_count(page, expected) == expected
    assert page.locator(".leaflet-marker-icon.briefing-marker").count() > 0


def test_a_cluster_shows_its_count_and_type_mix_and_zooms_in_when_clicked(server, tab):
    page = tab.open(f"{server}/")
    page.evaluate("void briefingMap.map.setView([32.4, 34.9], 6, {animate: false})")
    wait_until(page, "document.querySelector('.briefing-cluster') !== null")
    wait_until(page, "briefingMap.layer._request === null")
    cluster = page.locator(".leaflet-marker-icon.briefing-cluster").first
    # read together: the layer may redraw between two separate reads
    shown, text = cluster.evaluate("el => [el.getAttribute('data-count'), "
                                   "el.querySelector('.briefing-count').textContent]")
    count = int(shown)
    assert text == str(count) and count > 1
    # one ring segment per type, in the types' colours
    colours = set(cluster.locator("circle[stroke-dasharray]").evaluate_all(
        "cs => cs.map(c => c.getAttribute('stroke'))"))
    assert colours <= {"#c0392b", "#e67e22", "#2980b9"} and len(colours) >= 2
    assert "events:" in cluster.locator("title").text_content()
    before = page.evaluate("briefingMap.map.getZoom()")
    asked = len(tab.clusters)
    cluster.click()
    wait_until(page, f"briefingMap.map.getZoom() > {before}")
    # a request for the view before the click may still be on its way: wait for the
    # one the closer view makes
    tab.wait_for(lambda: any(int(asked_for["zoom"][0]) > before
                             for asked_for in tab.clusters[asked:]))


def test_filters_in_the_url_reach_the_clusters_request(server, tab):
    page = tab.open(f"{server}/?type=Protests&since=2024-05-05")
    asked = tab.clusters[0]
    assert asked["type"] == ["Protests"] and asked["since"] == ["2024-05-05"]
    expected = [e for e in DRAWN if e.event_type == "Protests"
                and e.event_date.isoformat() >= "2024-05-05"]
    assert marker_count(page, len(expected)) == len(expected) > 0
    # an area filter: the map never asks beyond it
    page = tab.open(f"{server}/?bbox=34.2,31.2,34.6,31.6")
    west, south, east, north = map(float, tab.clusters[-1]["bbox"][0].split(","))
    assert 34.2 <= west and 31.2 <= south and east <= 34.6 and north <= 31.6
    gaza = [e for e in DRAWN if 34.2 <= e.longitude <= 34.6 and 31.2 <= e.latitude <= 31.6]
    assert marker_count(page, len(gaza)) == len(gaza)


def test_a_stack_that_cannot_split_lists_its_events_as_text(server, tab):
    page = tab.open(f"{server}/")
    tab.move(*KHAN_YUNIS, 17)   # the closest zoom: three events on one spot stay one mark
    stack = page.locator(".leaflet-marker-icon.briefing-cluster[data-count='3']")
    stack.click()
    popup = page.locator(".leaflet-popup-content .briefing-list")
    popup.wait_for(state="visible")
    assert popup.locator("li").count() == 3
    assert "3 events here" in popup.inner_text()
    assert HOSTILE in popup.inner_text()           # shown as text, not made an element
    assert popup.locator("img").count() == 0
    popup.locator("button").first.click()
    single = page.locator(".leaflet-popup-content .briefing-popup")
    single.wait_for(state="visible")
    assert HOSTILE in single.inner_text() and single.locator("img").count() == 0
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned === undefined")


def test_a_single_events_popup_comes_from_the_server_with_its_line(server, tab):
    page = tab.open(f"{server}/")
    tab.move(33.1, 35.45, 13)
    marker = page.locator(".leaflet-marker-icon.briefing-marker[data-event-id='border']")
    # its glyph: the colour of its type (Battles), the shape of its category (a diamond)
    glyph = marker.locator(".briefing-glyph")
    assert glyph.evaluate("g => getComputedStyle(g).color") == "rgb(192, 57, 43)"
    assert glyph.locator("path").get_attribute("d") == "M9 1 17 9 9 17 1 9Z"
    with page.expect_response(lambda r: r.url.endswith("/api/events/border")):
        marker.click()
    popup = page.locator(".leaflet-popup-content .briefing-popup")
    popup.wait_for(state="visible")
    assert "Fire across the border." in popup.inner_text()
    # the line the event is placed on, drawn while its popup is open
    wait_until(page, "document.querySelectorAll('path[stroke-dasharray=\"6 4\"]').length === 1")
    page.evaluate("briefingMap.close()")
    wait_until(page, "document.querySelectorAll('path[stroke-dasharray=\"6 4\"]').length === 0")


def test_the_list_shows_a_page_and_more_on_request(server, tab):
    page = tab.open(f"{server}/")
    entries = page.locator("#event-list li")
    assert entries.count() == 100
    page.click("#more-events")
    wait_until(page, f"document.querySelectorAll('#event-list li').length === {len(LISTED)}")
    assert page.locator("#more-events").count() == 0   # nothing more to ask for
    assert page.inner_text("#more-status") == f"{len(LISTED)} of {len(LISTED)} listed."
    added = page.locator("#event-list li").last.locator("button")
    assert added.get_attribute("data-event-id")
    assert page.locator("#event-list img").count() == 0
    # an entry added by "More" opens its popup on the map like the first ones
    spot = page.locator("#event-list button", has_text="Spot 0").first
    spot.click()
    popup = page.locator(".leaflet-popup-content .briefing-popup")
    popup.wait_for(state="visible")
    assert "Khan Yunis" in popup.inner_text() and HOSTILE in popup.inner_text()
    assert page.evaluate("window.__pwned === undefined")


def test_region_shading_is_fetched_when_ticked(server, tab):
    page = tab.open(f"{server}/?type=Battles")
    switch = page.locator(".leaflet-control-layers-overlays label",
                          has_text="Events per region").locator("input")
    assert not switch.is_checked()
    with page.expect_response(lambda r: "/api/regions" in r.url) as answer:
        switch.check()
    query = parse_qs(urlsplit(answer.value.url).query)
    assert query == {"format": ["geojson"], "by_type": ["0"], "type": ["Battles"]}
    key = page.locator(".briefing-region-key")
    key.wait_for(state="visible")
    assert "event(s)" in key.inner_text()
    switch.uncheck()
    assert page.locator(".briefing-region-key").count() == 0
