"""Open maps stay current: /api/changes answers "how many events matching these filters
were stored after marker M" (with an ETag, 304 while nothing was stored), the map's
answers mark what is new, and in a real Chromium an open page announces an event stored
after it loaded, brings it in on a click without moving, and rings it.

The API is checked on both stores (SQLite and PostGIS); the browser on SQLite, with
the events written through the store as the feed watcher writes them.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest

from browsing import keep_local, needs_chromium, serving, wait_until
from conftest import make_app, make_event

GAZA = (31.40, 34.36)
TYRE = (33.27, 35.20)


def old_events():
    """Twenty events over Gaza and ten over south Lebanon, stored before any page."""
    found = [make_event(f"old-gaza-{i}", GAZA[0] + i / 500, GAZA[1] + i / 500,
                        country_code="PS", location=f"Gaza {i}") for i in range(20)]
    found += [make_event(f"old-leb-{i}", TYRE[0] + i / 500, TYRE[1] + i / 500,
                         "Battles", "Armed clash", "armed clash", country_code="LB",
                         location=f"Tyre {i}") for i in range(10)]
    return found


def later_events():
    """What arrives afterwards: two clashes in Gaza, a protest in Tyre, a running
    total (left out unless asked for) and one event with no place."""
    return [make_event("new-gaza-1", GAZA[0] + 0.1, GAZA[1] + 0.05, "Battles",
                       "Armed clash", "armed clash", country_code="PS"),
            make_event("new-gaza-2", GAZA[0] + 0.11, GAZA[1] + 0.05, "Battles",
                       "Armed clash", "armed clash", country_code="PS"),
            make_event("new-tyre", TYRE[0], TYRE[1], "Protests", "Peaceful protest",
                       "protest", country_code="LB"),
            make_event("new-total", GAZA[0], GAZA[1], country_code="PS", is_total=True),
            make_event("new-nowhere", None, None, country_code="PS")]


@pytest.fixture
def api(store_target, tmp_path, geocoder):
    """A test client over a store holding the old events, and the store itself."""
    from webapp.store import open_store

    store = open_store(store_target)
    store.add_events(old_events())
    app = make_app(store_target, geocoder, tmp_path)
    yield app.test_client(), store
    store.close()


def test_changes_count_what_was_stored_after_the_marker_under_the_filters(api):
    client, store = api
    marker = store.latest_marker()
    assert client.get(f"/api/changes?marker={marker}").json["new"] == 0
    store.add_events(later_events())

    def new(query=""):
        answer = client.get(f"/api/changes?marker={marker}{query}")
        assert answer.status_code == 200, answer.json
        return answer.json["new"]

    # the running total is left out, as everywhere on the map
    assert new() == 4
    assert new("&include_flagged=1") == 5
    assert new("&country=LB") == 1
    assert new("&type=Battles") == 2
    assert new("&type=Protests&country=PS") == 0
    assert new("&bbox=35,33,35.5,33.5") == 1          # around Tyre
    assert new("&since=2024-05-04") == 0               # all are of 2024-05-03
    body = client.get(f"/api/changes?marker={marker}").json
    assert body["latest"] == store.latest_marker() > marker and body["more"] is False
    # from the very start, every event is new
    assert new_from_zero(client) == 30 + 4


def new_from_zero(client):
    return client.get("/api/changes?marker=0").json["new"]


def test_the_same_question_while_nothing_was_stored_is_answered_304(api):
    client, store = api
    marker = store.latest_marker()
    first = client.get(f"/api/changes?marker={marker}&country=PS")
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag
    again = client.get(f"/api/changes?marker={marker}&country=PS",
                       headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    # another question has another tag
    other = client.get(f"/api/changes?marker={marker}&country=LB")
    assert other.headers["ETag"] != tag
    store.add_events(later_events()[:1])
    after = client.get(f"/api/changes?marker={marker}&country=PS",
                       headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.json["new"] == 1
    assert after.headers["ETag"] != tag


@pytest.mark.parametrize("query, said", [
    ("", "marker is missing"),
    ("marker=", "marker is missing"),
    ("marker=abc", "'abc'"),
    ("marker=-1", "'-1'"),
    ("marker=1.5", "'1.5'"),
    ("marker=%D9%A3", "whole"),                     # an Arabic-Indic three
    ("marker=99999999999999999999", "whole number from 0"),
    ("marker=1&marker=2", "given 2 times"),
    ("marker=999999", "ahead of the newest stored event"),
])
def test_a_bad_marker_is_refused_with_the_reason(api, query, said):
    client, _store = api
    answer = client.get(f"/api/changes?{query}")
    assert answer.status_code == 400
    assert said in answer.json["error"]
    assert client.get("/api/clusters?zoom=3&newer_than=x").status_code == 400
    assert client.get("/api/events?newer_than=-4").status_code == 400


def test_the_marks_and_the_listing_say_which_events_are_new(api):
    client, store = api
    marker = store.latest_marker()
    store.add_events(later_events())
    plain = client.get("/api/clusters?zoom=12&bbox=34.3,31.3,34.5,31.6").json
    assert "latest" not in plain
    assert all("new" not in f["properties"] for f in plain["features"])
    marked = client.get(f"/api/clusters?zoom=12&bbox=34.3,31.3,34.5,31.6"
                        f"&newer_than={marker}").json
    assert marked["latest"] == store.latest_marker()
    new_marks = [f["properties"] for f in marked["features"] if "new" in f["properties"]]
    # the two clashes in Gaza: on their own marks, or one mark holding both
    assert sum(p["new"] for p in new_marks) == marked["new_total"] == 2
    singles = {p["event_id"] for p in new_marks if p["count"] == 1}
    assert singles <= {"new-gaza-1", "new-gaza-2"}
    # the marks of old events only are not marked
    assert 0 < len(new_marks) < len(marked["features"])
    # a whole-world view: the marks' new events add up to those placed
    world = client.get(f"/api/clusters?zoom=2&newer_than={marker}").json
    assert sum(f["properties"].get("new", 0) for f in world["features"]) == 3
    listing = client.get(f"/api/events?newer_than={marker}&limit=100").json
    assert sorted(listing["new"]) == ["new-gaza-1", "new-gaza-2", "new-nowhere",
                                      "new-tyre"]
    assert "new" not in client.get("/api/events?limit=5").json


def test_the_answers_stay_bounded_however_much_arrived(api, monkeypatch):
    from webapp.store import changes

    client, store = api
    marker = store.latest_marker()
    store.add_events([make_event(f"flood-{i}", GAZA[0] + (i % 50) / 1000,
                                 GAZA[1] + (i // 50) / 1000, country_code="PS")
                      for i in range(1200)])
    body = client.get(f"/api/changes?marker={marker}").json
    assert body["new"] == changes.COUNT_LIMIT and body["more"] is True
    world = client.get(f"/api/clusters?zoom=2&newer_than={marker}").json
    assert world["new_total"] == changes.NEWEST_LIMIT and world["new_more"] is True
    # a marker further back than the rows one answer may look at: the newest are
    # counted, and the answer says there may be more
    monkeypatch.setattr(changes, "WINDOW", 100)
    body = client.get(f"/api/changes?marker={marker}&type=Battles").json
    assert body["new"] == 0 and body["more"] is True


# -- in a real browser ------------------------------------------------------------------

@pytest.fixture(scope="module")
def live(tmp_path_factory, geocoder):
    """The map server over the old events (SQLite), and the store's path."""
    from webapp.store import open_store

    folder = tmp_path_factory.mktemp("updates")
    db = str(folder / "events.sqlite")
    with open_store(db) as store:
        store.add_events(old_events())
    app = make_app(db, geocoder, folder)
    with serving(app) as url:
        yield url, db


def store_article(db, title, events):
    """Store an article and its events through the store, as ingest and the feed
    watcher do."""
    from webapp.models import Article
    from webapp.store import open_store

    article = Article(title=title, text=f"{title}. Reported today.",
                      published=date(2024, 5, 3))
    with open_store(db) as store:
        assert store.add_article(article, events)


class Page:
    """A tab cut off from everything beyond this machine, noting script errors and the
    status of every /api/changes answer."""

    def __init__(self, context):
        self.errors, self.outside, self.changes = [], [], []
        self.page = context.new_page()
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.on("response", self._response)

    def _response(self, response):
        if urlsplit(response.url).path == "/api/changes":
            self.changes.append(response.status)

    def open(self, url):
        self.page.goto(url, wait_until="load")
        wait_until(self.page, "window.briefingMap && briefingMap.layer.total !== null")
        return self.page

    def view(self):
        return self.page.evaluate("(() => { const c = briefingMap.map.getCenter(); "
                                  "return [c.lat, c.lng, briefingMap.map.getZoom()]; })()")


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    context.set_default_timeout(20_000)
    outside = []
    context.route("**/*", lambda route: keep_local(route, outside,
                                                   {"127.0.0.1", "localhost"}))
    yield context
    context.close()
    assert outside == []


@needs_chromium
def test_an_open_page_announces_a_new_event_and_brings_it_in_where_the_reader_is(
        live, context):
    url, db = live
    tab = Page(context)
    page = tab.open(f"{url}/?country=PS")
    # close enough that each event is a mark of its own
    page.evaluate(f"void briefingMap.map.setView([{GAZA[0] + 0.02}, {GAZA[1] + 0.02}], 16, "
                  "{animate: false})")
    wait_until(page, "briefingMap.layer._request === null && briefingMap.has('old-gaza-10')")
    # nothing new: the notice stays hidden, and asking again costs a 304
    page.evaluate("briefingMap.updates.ask()")
    page.evaluate("briefingMap.updates.ask()")
    wait_until(page, "!briefingMap.updates.asking")
    assert 304 in tab.changes
    assert page.locator(".briefing-updates").is_hidden()
    assert page.locator(".briefing-new").count() == 0
    before = tab.view()

    spot = (GAZA[0] + 0.024, GAZA[1] + 0.015)
    store_article(db, "A strike in Gaza", [
        make_event("fresh-gaza", *spot, country_code="PS", location="Gaza",
                   notes="A strike hit a house."),
        make_event("fresh-tyre", *TYRE, country_code="LB", location="Tyre")])
    notice = page.locator(".briefing-updates button")
    # the page asks by itself every 5 s; the Lebanese event is not of its filters
    notice.wait_for(state="visible", timeout=15_000)
    assert notice.text_content() == "1 new event – show"
    assert not page.evaluate("briefingMap.has('fresh-gaza')")
    notice.click()
    wait_until(page, "briefingMap.has('fresh-gaza')")
    marker = page.locator('.briefing-marker[data-event-id="fresh-gaza"]')
    assert "briefing-new" in marker.get_attribute("class")
    assert marker.get_attribute("title")
    # the reader's view, filters included, is where it was
    assert tab.view() == before
    assert "country=PS" in page.url
    wait_until(page, "document.querySelector('.briefing-updates').hidden")
    # the old events are not ringed
    assert page.locator('.briefing-marker[data-event-id="old-gaza-10"].briefing-new'
                        ).count() == 0
    assert tab.errors == []


@needs_chromium
def test_events_stored_since_the_last_visit_are_ringed_when_the_page_opens(live, context):
    url, db = live
    first = Page(context)
    page = first.open(f"{url}/?country=LB")
    wait_until(page, "briefingMap.layer._request === null")
    # a first visit rings nothing
    assert page.locator(".briefing-new").count() == 0
    page.close()

    store_article(db, "A protest in Tyre", [
        make_event("visit-tyre", TYRE[0] + 0.013, TYRE[1] - 0.011, "Protests",
                   "Peaceful protest", "protest", country_code="LB", location="Tyre")])
    second = Page(context)
    page = second.open(f"{url}/?country=LB")
    page.evaluate(f"void briefingMap.map.setView([{TYRE[0] + 0.01}, {TYRE[1]}], 16, "
                  "{animate: false})")
    wait_until(page, "briefingMap.layer._request === null && briefingMap.has('visit-tyre')")
    ringed = page.locator(".briefing-marker.briefing-new").evaluate_all(
        "els => els.map(e => e.getAttribute('data-event-id'))")
    assert ringed == ["visit-tyre"]
    # seen now: a third visit rings nothing
    page.close()
    third = Page(context)
    page = third.open(f"{url}/?country=LB")
    page.evaluate(f"void briefingMap.map.setView([{TYRE[0] + 0.01}, {TYRE[1]}], 16, "
                  "{animate: false})")
    wait_until(page, "briefingMap.layer._request === null && briefingMap.has('visit-tyre')")
    assert page.locator(".briefing-new").count() == 0
    assert first.errors == second.errors == third.errors == []


@needs_chromium
def test_a_failing_server_is_asked_less_often_and_a_refusal_stops_the_asking(live, context):
    url, _db = live
    tab = Page(context)
    page = tab.open(f"{url}/")
    assert page.evaluate("briefingMap.updates._next()") == 5000
    failing = lambda route: route.fulfill(status=503, body="busy")   # noqa: E731
    page.route("**/api/changes*", failing)
    for wait in (10_000, 20_000, 40_000):
        page.evaluate("briefingMap.updates.ask()")
        wait_until(page, "!briefingMap.updates.asking")
        assert page.evaluate("briefingMap.updates._next()") == wait
    page.unroute("**/api/changes*", failing)
    page.evaluate("briefingMap.updates.ask()")
    wait_until(page, "!briefingMap.updates.asking")
    assert page.evaluate("briefingMap.updates._next()") == 5000
    # a marker the store does not know: the server says why, and the page stops asking
    page.evaluate("briefingMap.updates.seen = 10 ** 12; briefingMap.updates.etag = null")
    page.evaluate("briefingMap.updates.ask()")
    wait_until(page, "!briefingMap.updates.asking")
    assert page.evaluate("briefingMap.updates.stopped") is True
    assert tab.changes[-1] == 400
    assert page.locator(".briefing-updates").is_hidden()
