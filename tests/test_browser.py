"""The map page in a real browser: Debian's Chromium (/usr/bin/chromium) driven by
Playwright, against the real app served by waitress from a thread, with every request
that leaves this machine cut off.

Skipped when /usr/bin/chromium is not installed (``apt-get install chromium``; .ci/run
does it). Playwright's own browser downloads are never used.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import json
import pytest

from browsing import marker_count as count_markers
from browsing import keep_local, needs_chromium, serving, wait_until

pytestmark = needs_chromium
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "webapp" / "samples" / "sitrep-2024-05-03.txt"
HOSTILE = "</script><script>window.__pwned = 1; alert(1)</script>"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SAMPLE_DAYS = "until=2024-05-08"   # the sample's events, not the hostile article's


@pytest.fixture(scope="module")
def server(tmp_path_factory, geocoder):
    """The real app, served by waitress on a free port, over a store holding the sample
    report and an article with hostile text."""
    from webapp.extract.pipeline import Extractor
    from webapp.ingest import read_file
    from webapp.models import Article
    from webapp.regions import Regions
    from webapp.store import SQLiteStore
    from webapp.web import create_app

    folder = tmp_path_factory.mktemp("browser")
    extractor = Extractor(geocoder, Regions.load())
    hostile = Article(title=f"Clashes {HOSTILE}", published=date(2024, 5, 10),
                      text=f"Clashes in Rafah\n\nIsraeli forces clashed with Hamas fighters "
                           f"in Rafah on Thursday, witnesses said: {HOSTILE}\n")
    with SQLiteStore(folder / "events.sqlite") as store:
        for article in (read_file(SAMPLE, date(2024, 5, 3))[0], hostile):
            assert store.add_article(article, extractor.events(article))
    app = create_app({"DB": str(folder / "events.sqlite"), "GEOCODER": geocoder},
                     instance_path=folder)
    with serving(app) as url:
        yield url


class Offline:
    """A page whose requests beyond this machine are aborted and remembered, with the
    page's script errors and dialogs remembered too."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.context.set_default_timeout(30_000)
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []   # console errors: CSP violations are reported there
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.on("console", self._console)
        self.page.on("dialog", self._dialog)

    def _route(self, route):
        keep_local(route, self.outside, LOCAL_HOSTS)

    def _console(self, message):
        if message.type == "error":
            self.console.append(message.text)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        wait_until(self.page, "window.briefingMap && window.briefingMap.layer")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def tab(browser):
    offline = Offline(browser)
    yield offline
    offline.close()
    assert offline.errors == [], offline.errors
    assert offline.console == [], offline.console


def marker_count(page, expected: int) -> int:
    page.wait_for_selector(".leaflet-marker-icon")
    return count_markers(page, expected, timeout=10)


def test_page_loads_offline_and_draws_every_event(server, tab):
    asked = []
    tab.page.on("request", lambda r: asked.append(urlsplit(r.url).path))
    page = tab.open(f"{server}/?{SAMPLE_DAYS}")
    assert page.locator("#event-list li").count() == 11
    assert marker_count(page, 11) == 11
    assert page.evaluate("briefingMap.layer.total") == 11
    assert page.locator(".leaflet-marker-icon").count() >= 1
    # the marks and the land came from the server after the page, not in it
    assert "/api/clusters" in asked and "/static/land.geojson" in asked
    wait_until(page, "briefingMap.map.getPane('briefingLand').querySelectorAll('path')"
                     ".length > 0")
    assert "Natural Earth" in page.locator("#credits").inner_text()
    assert "GeoNames" in page.locator("#credits").inner_text()
    assert tab.outside == [], f"requests beyond this machine: {tab.outside}"


SETTLED = """() => {
    const map = briefingMap.map;
    return !map._animatingZoom && !(map._panAnim && map._panAnim._inProgress);
}"""


def click_entries(page, places, settle: bool, timeout: float = 30_000):
    for place in places:
        entry = page.locator("#event-list button", has_text=place).first
        notes = entry.locator(".what").inner_text()
        entry.click()
        # the previous popup may still be fading out: look for the one with this text
        popup = page.locator(".leaflet-popup-content", has_text=notes[:40])
        popup.wait_for(state="visible", timeout=timeout)
        assert place in popup.inner_text()
        assert "selected" in (entry.get_attribute("class") or "")
        if settle:  # the popup's pan into view has ended
            wait_until(page, SETTLED)


def test_clicking_a_list_entry_opens_its_popup(server, tab):
    page = tab.open(f"{server}/?{SAMPLE_DAYS}")
    # Kfar Kila and Metula share a mark at first: opening them flies in
    click_entries(page, ("Cairo", "Kfar Kila", "Metula", "Tel Aviv"), settle=True)
    assert tab.outside == []


def test_quick_clicks_on_the_list_open_each_popup(server, tab):
    page = tab.open(f"{server}/?{SAMPLE_DAYS}")
    click_entries(page, ("Cairo", "Kfar Kila", "Metula"), settle=False, timeout=8_000)


def test_a_filtered_view_reloads_from_its_url(server, tab):
    page = tab.open(f"{server}/")
    page.locator("summary", has_text="Briefing categories").click()
    page.check("input[name=type][value=strike]")
    page.fill("input[name=since]", "2024-05-02")
    page.fill("input[name=country]", "lb")
    submit_filters(page)
    url = urlsplit(page.url)
    assert parse_qs(url.query) == {"type": ["strike"], "since": ["2024-05-02"],
                                   "country": ["LB"]}

    def same_view(p):
        assert p.locator("#event-list li").count() == 1
        assert "Kfar Kila" in p.locator("#event-list").inner_text()
        assert p.is_checked("input[name=type][value=strike]")
        assert not p.is_checked("input[name=type][value=protest]")
        assert p.input_value("input[name=since]") == "2024-05-02"
        assert p.input_value("input[name=country]") == "LB"
        assert marker_count(p, 1) == 1

    same_view(page)
    page.reload()
    wait_until(page, "window.briefingMap && window.briefingMap.layer")
    same_view(page)
    shared = tab.context.new_page()  # a bookmark or a shared link
    shared.goto(page.url)
    wait_until(shared, "window.briefingMap && window.briefingMap.layer")
    same_view(shared)
    assert tab.outside == []


def test_download_png_follows_what_is_on_screen(server, tab):
    page = tab.open(f"{server}/?{SAMPLE_DAYS}&country=PS")
    link = page.locator("#download-png")
    first = parse_qs(urlsplit(link.get_attribute("href")).query)
    assert first["until"] == ["2024-05-08"] and first["country"] == ["PS"]
    # void: evaluate() would copy the returned map object back
    page.evaluate("void briefingMap.map.setView([31.35, 34.3], 12, {animate: false})")
    wait_until(page, "document.getElementById('download-png').href.includes('view=34.')")
    moved = parse_qs(urlsplit(link.get_attribute("href")).query)
    assert moved["until"] == ["2024-05-08"] and moved["country"] == ["PS"]
    west, south, east, north = map(float, moved["view"][0].split(","))
    assert west < 34.3 < east and south < 31.35 < north and east - west < 0.5
    picture = page.request.get(f"{server}{link.get_attribute('href')}")
    assert picture.status == 200 and picture.headers["content-type"] == "image/png"


def test_hostile_text_stays_text(server, tab):
    page = tab.open(f"{server}/?since=2024-05-09")
    entries = page.locator("#event-list button")
    assert entries.count() >= 1
    assert "<script>window.__pwned" in page.locator("#event-list").inner_text()
    entries.last.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    page.wait_for_timeout(200)
    assert tab.dialogs == []
    assert page.evaluate("window.__pwned === undefined")
    assert tab.outside == []


def shown_categories(page) -> set[str]:
    """The briefing categories of the events in the side list (the .meta line's third
    part is the category's label)."""
    metas = page.locator("#event-list .meta").all_inner_texts()
    return {meta.split("·")[2].strip() for meta in metas}


def submit_filters(page):
    """Apply the filter form and wait for the redirected, clean URL's map."""
    before = page.url
    page.click("form#filters button[type=submit]")
    page.wait_for_url(lambda url: url != before, timeout=15_000)
    page.wait_for_load_state("load")
    wait_until(page, "window.briefingMap && window.briefingMap.layer")


def test_unticking_a_type_hides_its_events(server, tab):
    page = tab.open(f"{server}/?{SAMPLE_DAYS}")
    page.locator("summary", has_text="Briefing categories").click()
    counts = {}
    for label in page.locator(".types details").nth(1).locator("label").all():
        value = label.locator("input").get_attribute("value")
        counts[value] = int(label.locator(".n").inner_text())
    present = [name for name, n in counts.items() if n]
    assert len(present) >= 2 and sum(counts.values()) == 11, counts
    for name in present:   # every category with events ticked: all 11 still drawn
        page.check(f"input[name=type][value='{name}']")
    submit_filters(page)
    assert marker_count(page, 11) == 11

    hidden = max(present, key=lambda name: counts[name])   # the biggest, say "strike"
    from webapp.models import vocabulary

    label = vocabulary()["categories"][hidden]["label"]
    assert label in shown_categories(page)
    page.uncheck(f"input[name=type][value='{hidden}']")
    submit_filters(page)
    assert hidden not in parse_qs(urlsplit(page.url).query)["type"]
    left = 11 - counts[hidden]
    assert page.locator("#event-list li").count() == left
    assert marker_count(page, left) == left
    assert page.evaluate("briefingMap.layer.total") == left
    assert label not in shown_categories(page)
    assert tab.outside == []


def test_a_markers_popup_shows_its_sentence(server, tab):
    page = tab.open(f"{server}/?type=strike&since=2024-05-02&country=LB")
    sentence = page.locator("#event-list .what").inner_text().strip()
    assert sentence
    marker = page.locator(".leaflet-marker-icon.briefing-marker")
    marker.wait_for(state="visible")
    marker.click()   # the marker on the map, not the list entry
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert sentence in " ".join(popup.inner_text().split())
    assert tab.outside == []


LAND_FILL = """() => [...briefingMap.map.getPane('briefingLand')
    .querySelectorAll('path:not(.briefing-admin1)')]
    .map(p => p.getAttribute('fill-opacity'))"""


def test_openstreetmap_tiles_only_when_turned_on(server, tab):
    page = tab.open(f"{server}/?{SAMPLE_DAYS}")
    page.wait_for_timeout(300)
    assert tab.outside == []   # off at first: not one tile asked for
    assert set(page.evaluate(LAND_FILL)) == {"1"}
    switch = page.locator(".leaflet-control-layers-overlays label",
                          has_text="OpenStreetMap (online)").locator("input")
    assert not switch.is_checked()
    switch.check()
    # the page asks for tiles (the policy lets them through; this test cuts them off)
    wait_until(page, "document.querySelectorAll('.leaflet-tile').length > 0")
    page.wait_for_timeout(300)
    assert tab.outside and all(urlsplit(u).hostname == "tile.openstreetmap.org"
                               for u in tab.outside), tab.outside
    # the land keeps its borders but no longer hides the tiles
    assert set(page.evaluate(LAND_FILL)) == {"0"}
    switch.uncheck()
    assert set(page.evaluate(LAND_FILL)) == {"1"}
    # the tiles cut off above are logged as failed loads; nothing else may be
    assert all("Failed to load resource" in text for text in tab.console), tab.console
    tab.console.clear()


PASTED = ("Strikes in Khan Younis\n\nKHAN YOUNIS, Gaza (Briefing Map) -- Israeli aircraft "
          "struck a house in Khan Younis on Monday, killing three people, the civil "
          "defence said.\n")


@pytest.fixture
def paste_server(tmp_path, geocoder):
    """The real app over an empty store of its own (the tests above count events)."""
    from webapp.web import create_app

    from conftest import add_user

    db = tmp_path / "pasted.sqlite"
    add_user(db)   # an editor
    app = create_app({"DB": str(db), "GEOCODER": geocoder}, instance_path=tmp_path)
    with serving(app) as url:
        yield url, db


def stored_articles(db) -> int:
    from webapp.store import SQLiteStore

    with SQLiteStore(db) as store:
        return store.articles_count()


def test_the_paste_form_stores_an_article_and_another_site_cannot_post(paste_server, tab):
    from webapp.store import SQLiteStore
    from webapp.store.accounts import Accounts

    url, db = paste_server
    page = tab.page
    page.goto(f"{url}/paste", wait_until="load")   # not logged in: the login page
    assert "/login?next=" in page.url and page.locator("input[name=password]").count() == 1
    with SQLiteStore(db) as store:   # logged in by a one-time link, as on the first start
        link = Accounts(store).make_login_link_token("ed", by="test")
    page.goto(f"{url}/login?token={link}&next=/paste", wait_until="load")
    assert page.url == f"{url}/paste" and "ed (editor)" in page.locator("header").inner_text()
    page.fill("textarea[name=text]", PASTED)
    page.fill("input[name=published]", "2024-05-08")
    with page.expect_navigation():
        page.click("form.paste button[type=submit]")
    wait_until(page, "window.briefingMap && window.briefingMap.layer")
    assert "notice=stored-" in page.url and "csrf" not in page.url
    assert "Article stored" in page.locator("body").inner_text()
    assert stored_articles(db) == 1

    # a page on another site, in the same browser, that posts a form to the server
    attack = (f'<form method="post" action="{url}/api/articles" '
              'enctype="multipart/form-data"><textarea name="text">Forged\n\n'
              f'{PASTED}</textarea></form><script>document.forms[0].submit()</script>')
    tab.context.route("http://evil.example/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=attack))
    evil = tab.context.new_page()   # its 403 is logged as a failed load: not on tab.page
    with evil.expect_response(lambda r: r.url.endswith("/api/articles")) as answer:
        evil.goto("http://evil.example/", wait_until="load")
    assert answer.value.status == 403
    evil.wait_for_selector("#error")
    assert "nothing was stored" in evil.locator("#error").inner_text().lower()
    assert stored_articles(db) == 1

    # a script of the server's own page posts JSON with the session cookie: only with
    # the page's CSRF token in the X-CSRF-Token header
    page.goto(f"{url}/paste", wait_until="load")
    post = """async (withToken) => {
        const headers = {"Content-Type": "application/json"};
        if (withToken) headers["X-CSRF-Token"] =
            document.querySelector('meta[name="csrf-token"]').content;
        const answer = await fetch("/api/articles", {method: "POST", headers,
            body: JSON.stringify({text: "Scripted\\n\\n" + %s, published: "2024-05-08"})});
        return answer.status;
    }""" % json.dumps(PASTED)
    assert page.evaluate(post, False) == 403 and stored_articles(db) == 1
    assert [text for text in tab.console if "403" not in text] == []
    tab.console.clear()   # the refused fetch, logged by the browser
    assert page.evaluate(post, True) == 201 and stored_articles(db) == 2
    assert tab.outside == []
