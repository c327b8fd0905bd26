"""The map outside the map page: ``export --format html`` (one file that works with no
server and no internet), ``/embed`` (the map alone, for other sites' iframes) and the map
page's "Download PNG" and "Embed" controls.

Events are built by hand around Gaza and Lebanon (with hostile text) and stored in real
SQLite files; the files and pages are opened in Debian's Chromium (/usr/bin/chromium,
through Playwright; those tests skip without it) with every request that would leave the
file or the test app aborted and remembered.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest

from conftest import make_event as event
from conftest import run_cli
from browsing import marker_count, needs_chromium, wait_until

from webapp.assets import MAP_SCRIPTS, MAP_STYLES, asset_folders
from webapp.maps import sources_attribution
from webapp.models import Event
from webapp.regions import Regions
from webapp.standalone import caption, export_html, script_text, style_text
from webapp.store import SQLiteStore
from webapp.store.base import Filters, make_filters
from webapp.web import create_app

HOSTILE = "</script><script>window.__pwned = 1</script><!-- <img src=x onerror=alert(1)>"
TWO_MB = 2 * 1024 * 1024
OUTSIDE = re.compile(r"(?i)^\s*(https?:)?//")
EXPORTED = datetime(2024, 5, 4, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def events(regions):
    made = [
        event("gaza", 31.5017, 34.4668, location="Gaza City", fatalities=3,
              notes=f"An air strike hit a house. {HOSTILE}",
              source="https://www.reuters.com/world/a?b=1&c=2"),
        event("rafah", 31.2969, 34.2455, "Battles", "Armed clash", "armed clash",
              location="Rafah", source="https://www.reuters.com/world/b"),
        event("khan-yunis", 31.3462, 34.3063, location="Khan Yunis",
              source="https://apnews.com/article/c", day=date(2024, 5, 2)),
        event("tyre", 33.2705, 35.2038, location="Tyre", source="Reuters",
              day=date(2024, 5, 1)),
        event("nabatieh", 33.3772, 35.4836, location="Nabatieh",
              source="<img src=x onerror=alert(1)>", day=date(2024, 5, 1)),
        event("border", 33.10, 35.45, "Battles", "Armed clash", "armed clash",
              location="the Israel-Lebanon border", source="javascript:alert(1)",
              geometry={"type": "LineString",
                        "coordinates": [[35.10, 33.09], [35.50, 33.10], [35.80, 33.30]]}),
        event("beirut", 33.8938, 35.5018, "Protests", "Peaceful protest", "protest",
              location="Beirut"),
        event("toll", 31.50, 34.47, location="Gaza", fatalities=34000, is_total=True),
        event("nowhere", None, None, location="somewhere unnamed"),
    ]
    return regions.assign(made)


DRAWN = 7   # the events above with a place that are not a running total


@pytest.fixture(scope="module")
def db(tmp_path_factory, events):
    path = tmp_path_factory.mktemp("store") / "events.sqlite"
    with SQLiteStore(path) as store:
        assert store.add_events(events) == len(events)
    return path


def synthetic_events(n: int, regions: Regions, seed: int = 5) -> list[Event]:
    """Events scattered over the Levant with ~200-character sentences, as bench/web.py
    makes them."""
    rng = random.Random(seed)
    kinds = [("Explosions/Remote violence", "Air/drone strike", "strike"),
             ("Battles", "Armed clash", "armed clash"),
             ("Violence against civilians", "Attack", "attack on civilians"),
             ("Protests", "Peaceful protest", "protest"),
             ("Strategic developments", "Arrests", "arrests")]
    places = ["Gaza City", "Khan Yunis", "Rafah", "Tyre", "Nabatieh", "Jenin", "Nablus"]
    made = []
    for i in range(n):
        etype, sub, category = rng.choice(kinds)
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
        place, killed = rng.choice(places), rng.choice((0, 0, 1, 2, 5))
        made.append(Event(
            event_id=f"syn-{i}", event_date=day, time_precision=1, event_type=etype,
            sub_event_type=sub, category=category, actor1="Military Forces of Israel",
            fatalities=killed, location=place, latitude=round(rng.uniform(29.5, 34.6), 5),
            longitude=round(rng.uniform(34.2, 36.6), 5), geo_precision=1,
            notes=(f"{place}: forces struck a building near the market on {day:%d %B}, "
                   f"killing {killed} people and wounding several others, local health "
                   "officials said; residents reported heavy fire through the night."),
            source=f"https://news.example.org/report/{i}"))
    return regions.assign(made)


class Page(HTMLParser):
    """What a browser would fetch from a page (src, srcset, <link href>, <object data>,
    CSS url() and @import in <style> and style=""), the bodies of its <script> elements
    and its <title>."""

    CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.I)

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.fetched: list[str] = []
        self.scripts: list[str] = []
        self.title = ""
        self._in = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "data", "poster"):
            if attrs.get(name):
                self.fetched.append(attrs[name])
        if attrs.get("srcset"):
            self.fetched += [p.split()[0] for p in attrs["srcset"].split(",") if p.strip()]
        if tag == "link" and attrs.get("href"):
            self.fetched.append(attrs["href"])
        if attrs.get("style"):
            self._css(attrs["style"])
        self._in = tag if tag in ("script", "style", "title") else None
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self._css(data)
        elif self._in == "script":
            self.scripts[-1] += data
        elif self._in == "title":
            self.title += data

    def _css(self, text):
        self.fetched += [a or b for a, b in self.CSS_URL.findall(text)]


def payload(text: str, factory: str):
    """The JSON handed to BriefingMap.<factory>(map, ...) in a page."""
    found = re.search(rf"BriefingMap\.{factory}\(\s*map_\w+,\s*", text)
    assert found, f"no BriefingMap.{factory} call"
    return json.JSONDecoder().raw_decode(text, found.end())[0]


def drawn_ids(text: str) -> set[str]:
    """The events written into an exported page."""
    return {row[0] for row in payload(text, "events")["events"]}


def mapped_ids(client, text: str) -> set[str]:
    """The events a served page's map (which holds none) gets from the server: its
    marks over the whole area, each cluster opened by asking for its cell closer in,
    as a reader's click does, until every mark is one event."""
    live = payload(text, "live")
    assert "BriefingMap.events(" not in text and "events" not in live
    area = live["bbox"]

    def marks(box, zoom):
        query = [q for q in live["query"].split("&") if q] + [f"zoom={zoom}"]
        if box:
            query.append("bbox=" + ",".join(str(v) for v in box))
        answer = client.get(f"{live['clustersUrl']}?{'&'.join(query)}")
        assert answer.status_code == 200
        for mark in answer.get_json()["features"]:
            if mark["properties"]["count"] == 1:
                yield mark["properties"]["event_id"]
            else:
                assert zoom < 17, mark   # these events are all apart
                yield from marks(overlap(mark["properties"]["bbox"], area), zoom + 4)

    return set(marks(area, 4))


def overlap(cell, area):
    """A cluster's cell cut to the page's area filter, as the map cuts it."""
    if not area:
        return cell
    return [max(cell[0], area[0]), max(cell[1], area[1]),
            min(cell[2], area[2]), min(cell[3], area[3])]


# -- export --format html -----------------------------------------------------------

@pytest.fixture(scope="module")
def exported(db, tmp_path_factory):
    """The whole store exported by the CLI, with a hostile title."""
    out = tmp_path_factory.mktemp("export") / "map.html"
    result = run_cli("export", "--db", str(db), "--format", "html", "-o", str(out),
                     "--title", f"Briefing {HOSTILE}")
    assert result.returncode == 0, result.stderr
    assert f"{9} event(s) written to {out}" in result.stderr
    return out


def test_export_html_is_one_file_that_fetches_nothing(exported):
    text = exported.read_text(encoding="utf-8")
    page = Page(text)
    # the libraries are inside: no <script src>, no stylesheet link, images as data:
    assert page.fetched, "the checker found nothing at all (Leaflet's images?)"
    assert all(u.startswith(("data:", "#")) for u in page.fetched), page.fetched
    assert not re.search(r"<script[^>]+src=|<link[^>]+stylesheet", text, re.I)
    assert len([u for u in page.fetched if u.startswith("data:image/png")]) >= 2
    folders = asset_folders()
    for prefix, name in MAP_SCRIPTS:   # Leaflet, MarkerCluster, ours: each one whole
        code = script_text((folders[prefix] / name).read_text(encoding="utf-8")).strip()
        assert sum(body.strip() == code for body in page.scripts) == 1, name
    styles = "".join(re.findall(r"<style>(.*?)</style>", text, re.S))
    for prefix, name in MAP_STYLES:
        css = (folders[prefix] / name).read_text(encoding="utf-8")
        assert re.sub(r"url\([^)]*\)", "", css) in re.sub(r"url\([^)]*\)", "", styles), name
    # land, events, regions and the legend are in the page itself
    assert len(payload(text, "land")["land"]["features"]) > 200
    assert drawn_ids(text) == {"gaza", "rafah", "khan-yunis", "tyre", "nabatieh",
                               "border", "beirut"}
    assert payload(text, "regions")["features"]
    assert "Events on the map" in payload(text, "legend")["html"]
    # the browser is told the same: no source but the page itself (and the opt-in tiles)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)
    assert policy and "default-src 'none'" in policy.group(1)
    assert "connect-src" not in policy.group(1)


def test_export_html_escapes_the_title_and_report_text(exported, events, regions):
    text = exported.read_text(encoding="utf-8")
    page = Page(text)
    assert page.title == f"Briefing {HOSTILE}"          # shown as text, not markup
    assert payload(text, "title") == f"Briefing {HOSTILE}"   # set as textContent
    assert "window.__pwned" not in "".join(b for b in page.scripts if "BriefingMap.events"
                                           not in b and "BriefingMap.title" not in b)
    # hostile notes and title open no script of their own: the same number of <script>
    # elements as a page made of harmless text
    tame = [e for e in events if e.event_id != "gaza"]
    assert len(page.scripts) == len(Page(export_html(tame)).scripts) == len(MAP_SCRIPTS) + 2
    assert "<img src=x" not in text and "<!-- <img" not in text


def test_inlined_code_cannot_end_its_element():
    library = ('var a = "</script><script>window.__pwned = 1</script>";\n'
               "var b = /<\\/SCRIPT>/i; // <!-- <script> -->\nvar c = '</Script >';\n")
    unsafe = Page(f"<script>{library}</script><p>after</p>")
    assert len(unsafe.scripts) > 1    # what the escaping is for
    safe = Page(f"<script>{script_text(library)}</script><p>after</p>")
    assert len(safe.scripts) == 1 and "__pwned" in safe.scripts[0]
    assert "<!--" not in safe.scripts[0]
    css = '.a::after { content: "</style><script>x()</script>"; }'
    page = Page(f"<style>{style_text(css)}</style><script>ok()</script>")
    assert page.scripts == ["ok()"]


def test_export_html_honours_the_filters_and_says_so_in_the_caption(db, tmp_path):
    out = tmp_path / "lebanon.html"
    result = run_cli("export", "--db", str(db), "--format", "html", "-o", str(out),
                     "--country", "LB", "--since", "2024-05-02", "--type", "Battles")
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert drawn_ids(text) == {"border"}
    line = re.search(r'<p class="export-caption">(.*?)</p>', text).group(1)
    assert line.startswith("1 event: Battles in Lebanon, since 2 May 2024")
    assert "Exported 20" in line and "UTC" in line
    assert "Briefing map" in Page(text).title


def test_export_html_to_standard_output(db):
    result = run_cli("export", "--db", str(db), "--format", "html", "--country", "PS")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert drawn_ids(result.stdout) == {"gaza", "rafah", "khan-yunis"}
    assert "written to" not in result.stderr


def test_caption_words():
    assert caption(3, Filters(), EXPORTED) == (
        "All 3 stored events. Exported 2024-05-04 09:30 UTC.")
    assert caption(1, make_filters(types=("strike", "Battles"), since="2024-05-01",
                                   until="2024-05-01", q="Rafah"), EXPORTED) == (
        "1 event: Strike or shelling and Battles matching “Rafah”, 1 May 2024. "
        "Exported 2024-05-04 09:30 UTC.")
    html = export_html([], filters=make_filters(q="<b>x</b>"), exported=EXPORTED)
    assert "0 events matching “&lt;b&gt;x&lt;/b&gt;”. Exported 2024-05-04 09:30 UTC." in html


def test_a_thousand_events_fit_in_two_megabytes(regions):
    many = synthetic_events(1000, regions)
    text = export_html(many, title="A year in the Levant", exported=EXPORTED)
    size = len(text.encode("utf-8"))
    print(f"export --format html, 1,000 events: {size / 2**20:.2f} MB")
    assert size <= TWO_MB, f"{size:,} bytes"
    assert len(payload(text, "events")["events"]) == 1000
    assert "Events: news.example.org" in payload(text, "events")["attribution"]


# -- the sources in the attribution -------------------------------------------------

def test_attribution_names_the_main_sources_escaped(events):
    text = sources_attribution(events)
    # web addresses count by host: reuters.com twice, then the rest in name order
    assert text.startswith("Events: reuters.com, &lt;img src=x onerror=alert(1)&gt;, ")
    assert text.endswith(" and 2 other sources")
    assert sources_attribution([]) == ""
    assert sources_attribution(events[:1]) == "Events: reuters.com"


# -- /embed ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(db, tmp_path_factory):
    # the snippet names PUBLIC_URL (never the request's Host): here, the test client's
    return create_app({"DB": str(db), "TESTING": True, "SNAPSHOT_BROWSER": "none",
                       "PUBLIC_URL": "http://localhost/"},
                      instance_path=tmp_path_factory.mktemp("instance"))


@pytest.fixture
def client(app):
    return app.test_client()


def test_embed_is_the_map_alone_with_the_pages_filters(client):
    response = client.get("/embed")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert mapped_ids(client, html) == {"gaza", "rafah", "khan-yunis", "tyre", "nabatieh",
                                        "border", "beirut"}
    assert 'class="folium-map"' in html
    assert "<form" not in html and "event-list" not in html and "Paste an article" not in html
    assert payload(html, "title") == "Briefing map"
    assert "Events per region" in html and "BriefingMap.legend(" in html
    assert not [u for u in Page(html).fetched if OUTSIDE.match(u)]

    html = client.get("/embed?type=Battles&country=lb").get_data(as_text=True)
    assert mapped_ids(client, html) == {"border"}
    html = client.get("/embed?until=2024-05-02&include_flagged=1").get_data(as_text=True)
    assert mapped_ids(client, html) == {"khan-yunis", "tyre", "nabatieh"}
    assert 'href="/?until=2024-05-02&amp;include_flagged=1"' in html   # the full map
    nothing = client.get("/embed?q=no+such+words")   # no event, no region: still a map
    assert nothing.status_code == 200
    assert mapped_ids(client, nothing.get_data(as_text=True)) == set()


def test_only_embed_may_be_framed_by_other_sites(client):
    embed = client.get("/embed?type=strike")
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" not in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    for url in ("/", "/?type=strike", "/paste", "/no/such/page"):
        response = client.get(url)
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"], url
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", url


def test_embed_with_bad_filters_is_a_clean_400(client):
    for url in ("/embed?since=yesterday", "/embed?type=Picnic", "/embed?bbox=1,2,3"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and response.mimetype == "text/html", url
        assert "Traceback" not in html and "BriefingMap" not in html
    assert "since must be a date" in client.get("/embed?since=yesterday").get_data(True)


# -- the map page's controls --------------------------------------------------------

class Controls(HTMLParser):
    """The map page's "Download PNG" link and the text of its embed code box."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.png: dict = {}
        self.code = None
        self._in_code = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == "download-png":
            self.png = attrs
        self._in_code = attrs.get("id") == "embed-code"
        if self._in_code:
            self.code = ""

    def handle_endtag(self, tag):
        self._in_code = False

    def handle_data(self, data):
        if self._in_code:
            self.code += data


class Iframe(HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.attrs = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.attrs = dict(attrs)


@pytest.mark.parametrize("query", [
    "", "type=strike&type=Battles&since=2024-05-01&country=ps",
    "q=a%22b%3C%26c%3E&region=Gaza+%27x%27&include_flagged=1",
    "bbox=34.2,31.2,34.6,31.6&until=2024-05-03"])
def test_the_embed_code_and_png_link_carry_the_pages_filters(client, query):
    from werkzeug.datastructures import MultiDict

    from webapp.web import filters as webfilters

    page = client.get(f"/?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    wanted = webfilters.parse(MultiDict(parse_qsl(query))).args()
    controls = Controls(html)

    png = urlsplit(controls.png["href"])
    assert png.path == "/snapshot.png" and controls.png.get("download", "").endswith(".png")
    assert parse_qsl(png.query) == wanted

    frame = Iframe(controls.code).attrs   # the snippet as a user copies it
    assert frame is not None, controls.code
    src = urlsplit(frame["src"])
    assert (src.scheme, src.netloc, src.path) == ("http", "localhost", "/embed")
    assert parse_qsl(src.query) == wanted
    assert frame["width"] == "800" and frame["height"] == "500"
    assert frame["title"] == "Briefing map" and frame["loading"] == "lazy"
    # the embedded map shows what the page's map shows
    embedded = client.get(f"{src.path}?{src.query}")
    assert embedded.status_code == 200
    assert payload(embedded.get_data(as_text=True), "live") == payload(html, "live")
    assert mapped_ids(client, embedded.get_data(as_text=True)) == mapped_ids(client, html)


def test_the_embed_code_escapes_the_sites_title(db, tmp_path):
    app = create_app({"DB": str(db), "TESTING": True, "SNAPSHOT_BROWSER": "none",
                      "TITLE": 'Map "of" <b>'}, instance_path=tmp_path)
    html = app.test_client().get("/?q=%22%3E%3Cscript%3E").get_data(as_text=True)
    code = Controls(html).code
    frame = Iframe(code).attrs
    assert frame["title"] == 'Map "of" <b>'
    assert parse_qsl(urlsplit(frame["src"]).query) == [("q", '"><script>')]
    assert "<script>" not in code and "<b>" not in code


# -- in a real browser --------------------------------------------------------------

class Tab:
    """A browser page whose requests go to ``serve(route)`` (a fake web); anything it
    does not answer is aborted and remembered, as are script and console errors."""

    def __init__(self, browser, serve=None, **context):
        self.context = browser.new_context(viewport={"width": 1200, "height": 800}, **context)
        self.context.set_default_timeout(30_000)
        self.serve = serve
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.on("console", lambda m: m.type == "error" and self.console.append(m.text))

    def _route(self, route):
        url = route.request.url
        if url.startswith("file:") and self.serve is None:
            route.continue_()
        elif self.serve is None or not self.serve(route):
            self.outside.append(url)
            route.abort()


@pytest.fixture
def tabs(browser):
    opened = []

    def make(serve=None, **context):
        tab = Tab(browser, serve, **context)
        opened.append(tab)
        return tab

    yield make
    for tab in opened:
        tab.context.close()


@needs_chromium
def test_exported_file_works_from_disk_without_any_request(exported, tabs):
    tab = tabs()
    page = tab.page
    page.goto(exported.as_uri(), wait_until="load")
    wait_until(page, "window.briefingMap && briefingMap.layer")
    assert marker_count(page, DRAWN) == DRAWN
    # the layer switcher, the legend, the scale and the attribution with the sources
    overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [t.strip() for t in overlays] == ["OpenStreetMap (online)", "Events per region",
                                             "Events"]
    assert "Events on the map" in page.locator(".briefing-legend").inner_text()
    assert page.locator(".leaflet-control-scale").count() == 1
    credit = page.locator(".leaflet-control-attribution").inner_text()
    assert "Natural Earth" in credit and "GeoNames" in credit and "reuters.com" in credit
    assert page.locator(".leaflet-control-attribution img").count() == 0
    # a popup with the hostile sentence shown as text
    assert page.evaluate("briefingMap.open('gaza')")
    popup = page.locator(".leaflet-popup-content", has_text="An air strike")
    popup.wait_for(state="visible")
    assert HOSTILE in popup.inner_text()
    assert page.evaluate("window.__pwned === undefined")
    # a border event shows its line while its popup is open
    paths = "document.querySelectorAll('.leaflet-overlay-pane path').length"
    before = page.evaluate(paths)
    assert page.evaluate("briefingMap.open('border')")
    page.locator(".leaflet-popup-content", has_text="Israel-Lebanon border").wait_for()
    wait_until(page, f"{paths} > {before}")
    # the regions layer, ticked on
    page.locator(".leaflet-control-layers-overlays label",
                 has_text="Events per region").locator("input").check()
    wait_until(page, f"{paths} > {before + 1}")
    assert "Exported" in page.locator(".export-caption").inner_text()
    assert page.title() == f"Briefing {HOSTILE}"
    assert tab.outside == [] and tab.errors == [] and tab.console == [], (
        tab.outside, tab.errors, tab.console)


@needs_chromium
def test_a_thousand_exported_events_are_all_drawn(regions, tmp_path, tabs):
    path = tmp_path / "many.html"
    path.write_text(export_html(synthetic_events(1000, regions)), encoding="utf-8")
    tab = tabs()
    tab.page.goto(path.as_uri(), wait_until="load")
    wait_until(tab.page, "window.briefingMap && briefingMap.layer.getLayers().length === 1000")
    assert marker_count(tab.page, 1000) == 1000
    assert tab.page.locator(".marker-cluster").count() > 0   # gathered into clusters
    assert tab.outside == [] and tab.errors == [] and tab.console == []


def flask_web(client, pages: dict[str, str] | None = None):
    """A route handler answering http://localhost/... from the Flask test client and
    http://other.example/<name> from ``pages``."""
    def serve(route) -> bool:
        url = urlsplit(route.request.url)
        if url.hostname == "localhost":
            response = client.get(url.path + (f"?{url.query}" if url.query else ""))
            route.fulfill(status=response.status_code, headers=dict(response.headers),
                          body=response.get_data())
            return True
        if url.hostname == "other.example" and pages and url.path in pages:
            route.fulfill(status=200, content_type="text/html", body=pages[url.path])
            return True
        return False
    return serve


@needs_chromium
def test_another_site_can_frame_the_embed_page_but_not_the_map_page(client, tabs):
    html = client.get("/?country=PS").get_data(as_text=True)
    code = Controls(html).code
    host = (f"<!doctype html><title>A news site</title>{code}"
            '<iframe src="http://localhost/?country=PS" id="whole"></iframe>')
    tab = tabs(flask_web(client, {"/": host}))
    tab.page.goto("http://other.example/", wait_until="load")
    framed = [f for f in tab.page.frames if f.url.startswith("http://localhost/embed")]
    assert framed, [f.url for f in tab.page.frames]   # refused frames show an error page
    frame = framed[0]
    wait_until(frame, "window.briefingMap && briefingMap.layer")
    assert marker_count(frame, 3) == 3
    assert "Gaza City" not in frame.evaluate("document.body.innerText")   # no event list
    # the full page refuses to be framed here: its frame holds the browser's error page
    assert not [f for f in tab.page.frames if f.url.startswith("http://localhost/?")]
    assert len(tab.console) == 1 and "frame-ancestors 'self'" in tab.console[0], tab.console
    assert tab.outside == [] and tab.errors == []


@needs_chromium
def test_embed_button_shows_and_copies_the_code(client, tabs):
    tab = tabs(flask_web(client), permissions=["clipboard-read", "clipboard-write"])
    page = tab.page
    page.goto("http://localhost/?type=strike", wait_until="load")
    wait_until(page, "window.briefingMap && briefingMap.layer")
    box = page.locator("#embed-box")
    assert box.is_hidden()
    page.locator("#embed-toggle").click()
    assert box.is_visible()
    assert page.locator("#embed-toggle").get_attribute("aria-expanded") == "true"
    code = page.locator("#embed-code").input_value()
    assert code.startswith('<iframe src="http://localhost/embed?type=strike"')
    page.locator("#embed-copy").click()
    page.locator("#embed-copied", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == code
    png = page.locator("#download-png")
    # the page's filters, and the map's view once it has settled (the picture's frame)
    assert png.get_attribute("href").startswith("/snapshot.png?type=strike")
    page.locator("#embed-toggle").click()
    assert box.is_hidden()
    assert tab.outside == [] and tab.errors == [] and tab.console == []
