"""The map server through Flask's test client: real SQLite files in tmp_path, filled by
running the project's sample situation report through the real extractor."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import date
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from webapp.store import SQLiteStore, open_store
from webapp.store.transfer import copy_store
from webapp.web import create_app
from webapp.web import filters as webfilters

from conftest import add_user, log_in

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "webapp" / "samples" / "sitrep-2024-05-03.txt"
HOSTILE = "</script><script>alert(1)</script>"


@pytest.fixture(scope="session")
def sample(geocoder):
    """(article, events) of the sample report, published 2024-05-03."""
    from webapp.extract.pipeline import Extractor
    from webapp.ingest import read_file
    from webapp.regions import Regions

    article = read_file(SAMPLE, date(2024, 5, 3))[0]
    return article, Extractor(geocoder, Regions.load()).events(article)


@pytest.fixture(scope="session")
def stocked(tmp_path_factory, sample):
    """A store with the sample article and an editor, made once: (file, API token)."""
    path = tmp_path_factory.mktemp("stocked") / "events.sqlite"
    with SQLiteStore(path) as store:
        assert store.add_article(*sample)
    return path, add_user(path)


@pytest.fixture(params=["sqlite", "postgis"])
def db(request, tmp_path, stocked):
    """A copy of the stocked store, for one test to change: an SQLite file, and a
    PostGIS database the same tests run against."""
    path = tmp_path / "events.sqlite"
    shutil.copyfile(stocked[0], path)
    if request.param == "sqlite":
        return path
    url = request.getfixturevalue("postgis_url")
    with SQLiteStore(path) as source, open_store(url) as copy:
        copy_store(source, copy)
    return url


@pytest.fixture
def app(db, geocoder, tmp_path):
    return create_app({"DB": str(db), "GEOCODER": geocoder, "TESTING": True},
                      instance_path=tmp_path / "instance")


@pytest.fixture
def client(app, db):
    """A browser logged in as an editor (a session cookie)."""
    return log_in(app.test_client(), db)


@pytest.fixture
def api(app, stocked):
    """A script with the editor's API token (Authorization: Bearer), no cookie."""
    client = app.test_client(use_cookies=False)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {stocked[1]}"
    return client


def features(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/geo+json"
    data = json.loads(response.get_data(as_text=True))
    assert data["type"] == "FeatureCollection"
    return data["features"]


def locations(response) -> set[str]:
    return {f["properties"]["location"] for f in features(response)}


def listed_ids(html: str) -> list[str]:
    """The event ids of the page's side list, in order."""
    return re.findall(r'data-event-id="([^"]+)"', html)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def form_token(html: str) -> str:
    """The paste form's hidden CSRF token."""
    found = re.findall(r'<input type="hidden" name="csrf_token" value="([^"]+)">', html)
    assert len(found) == 1, "the paste form has one token"
    return unescape(found[0])


def paste_token(client) -> str:
    """Open the paste page as a browser would, keeping its cookie: the form's token."""
    return form_token(page(client, "/paste"))


# -- the map page -------------------------------------------------------------------

def test_map_page_lists_and_maps_the_days_events(client, sample):
    _, events = sample
    html = page(client, "/")
    daily = [e for e in events if not (e.is_total or e.is_historical)]
    assert len(daily) == 11 and len(events) == 12
    assert sorted(listed_ids(html)) == sorted(e.event_id for e in daily)
    assert 'id="total-count">11<' in html
    # newest first, as the store gives them
    dates = [e.event_date for e in sorted(daily, key=lambda e: listed_ids(html).index(e.event_id))]
    assert dates == sorted(dates, reverse=True)
    # the map itself: its div, its scripts from our own server, and the popup-opening API
    assert 'class="folium-map"' in html
    assert "/static/leaflet/leaflet.js" in html and "/static/briefing/briefing-map.js" in html
    assert "briefingMap.open" in html
    assert not re.search(r'(?:src|href)="https?://(?!www\.naturalearthdata|www\.geonames)', html)
    assert "Natural Earth" in html and "GeoNames" in html
    assert 'href="/api/events.geojson"' in html  # Download GeoJSON: all, unfiltered


def test_map_assets_are_served_locally(client):
    html = page(client, "/")
    urls = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))
    assert any(u.endswith(".js") for u in urls) and any(u.endswith(".css") for u in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()
    assert client.get("/static/leaflet/../../../../etc/passwd").status_code == 404
    assert client.get("/static/nosuchprefix/x.js").status_code == 404


def test_filters_round_trip_through_the_url(client):
    url = ("/?type=strike&type=Battles&since=2024-05-01&until=2024-05-02&country=lb"
           "&region=An+Nabatiyah&q=shelled&bbox=35,33,36,34")
    html = page(client, url)
    assert len(listed_ids(html)) == 1
    # the form shows every value back
    assert re.search(r'value="strike" checked', html)
    assert re.search(r'value="Battles" checked', html)
    assert not re.search(r'value="protest" checked', html)
    for name, value in (("since", "2024-05-01"), ("until", "2024-05-02"), ("country", "LB"),
                        ("region", "An Nabatiyah"), ("q", "shelled"), ("bbox", "35,33,36,34")):
        assert re.search(rf'name="{name}"[^>]*value="{re.escape(value)}"', html), name
    # ... and the download link asks the API for the same view
    link = unescape(re.search(r'href="([^"]+)"[^>]*id="download-geojson"', html).group(1))
    assert urlsplit(link).path == "/api/events.geojson"   # every event, streamed
    asked = webfilters.parse(MultiDict(parse_qsl(urlsplit(url).query)))
    assert webfilters.parse(MultiDict(parse_qsl(urlsplit(link).query))) == asked
    assert locations(client.get(link)) == {"Kfar Kila"}


@pytest.mark.parametrize("args", [
    [],
    [("type", "strike"), ("type", "Explosions/Remote violence"), ("type", "Air/drone strike")],
    [("since", "2024-05-02"), ("until", "2024-05-03")],
    [("country", "ps"), ("region", "Gaza Strip"), ("q", "Rafah & \"crossing\" <b>")],
    [("bbox", "-178.5,-20,177.25,-10.125")],
    [("bbox", "34.2,31.2,34.6,31.6"), ("include_flagged", "1")],
    [("article", "ab" * 32)],
])
def test_parsed_filters_write_back_the_same_view(args):
    view = webfilters.parse(MultiDict(args))
    again = webfilters.parse(MultiDict(view.args()))
    assert again == view
    assert webfilters.parse(MultiDict(again.args())).args() == view.args()


def test_submitted_form_redirects_to_the_clean_url(client):
    response = client.get("/?type=strike&since=&until=&country=&region=&q=&bbox=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?type=strike"


def test_type_matches_event_type_sub_event_type_or_category(client):
    strikes = {"Dayr al Balah", "Metula", "Kfar Kila"}
    assert locations(client.get("/api/events?type=strike")) == strikes  # category
    assert locations(client.get("/api/events?type=Air/drone+strike")) == {"Dayr al Balah"}
    assert locations(client.get("/api/events?type=Explosions/Remote+violence")) == strikes
    assert locations(client.get("/api/events?type=protest&type=Battles")) == {
        "Tel Aviv", "Central Gaza Strip"}
    html = page(client, "/?type=diplomacy")
    assert 'id="total-count">1<' in html and "Cairo" in html and "Tel Aviv" not in html


def test_dates_filter_inclusively(client):
    on_may_2 = features(client.get("/api/events?since=2024-05-02&until=2024-05-02"))
    assert on_may_2 and {f["properties"]["event_date"] for f in on_may_2} == {"2024-05-02"}
    later = features(client.get("/api/events?since=2024-05-03"))
    assert {f["properties"]["location"] for f in later} == {"Cairo", "Rafah"}
    earlier = features(client.get("/api/events?until=2024-04-30"))
    assert [f["properties"]["category"] for f in earlier] == ["military deployment"]


def test_country_region_text_and_bbox(client):
    assert locations(client.get("/api/events?country=LB")) == {"Kfar Kila"}
    assert locations(client.get("/api/events?country=eg")) == {"Cairo"}
    assert locations(client.get("/api/events?region=west+bank")) == {"Janin"}
    assert locations(client.get("/api/events?q=LEAFLETS")) == {"al-Mawasi"}
    # a box around the Gaza Strip holds the Gaza events and nothing in Israel or Lebanon
    gaza = features(client.get("/api/events?bbox=34.2,31.2,34.6,31.6"))
    assert len(gaza) == 6 and {f["properties"]["country_code"] for f in gaza} == {"PS"}
    assert locations(client.get("/api/events?bbox=35.4,33.2,35.7,33.4")) == {"Metula",
                                                                             "Kfar Kila"}
    html = page(client, "/?bbox=34.2,31.2,34.6,31.6")
    assert len(listed_ids(html)) == 6


def test_flagged_events_only_when_asked(client):
    plain = features(client.get("/api/events"))
    everything = features(client.get("/api/events?include_flagged=1"))
    assert len(plain) == 11 and len(everything) == 12
    toll = [f for f in everything if f["properties"]["is_total"]]
    assert [f["properties"]["category"] for f in toll] == ["casualty report"]
    assert "casualty report" not in {f["properties"]["category"] for f in plain}
    assert len(listed_ids(page(client, "/?include_flagged=1"))) == 12


def test_events_api_has_the_exports_properties(client, sample):
    from webapp.interchange.geojson import PROPERTIES

    found = features(client.get("/api/events?limit=3"))
    assert len(found) == 3
    for feature in found:
        assert set(PROPERTIES) <= set(feature["properties"])
        assert feature["geometry"]["type"] == "Point"
        assert feature["id"] == feature["properties"]["event_id"]


# -- bad requests -------------------------------------------------------------------

BAD = [
    ("since=2024-13-01", "since"), ("since=yesterday", "since"), ("until=2024-5-3", "until"),
    ("since=2024-05-03&until=2024-05-01", "after"), ("country=PSE", "country"),
    ("country=1x", "country"), ("bbox=1,2,3", "bbox"), ("bbox=a,b,c,d", "bbox"),
    ("bbox=0,0,200,10", "bbox"), ("bbox=0,50,10,40", "south"), ("bbox=nan,0,1,1", "bbox"),
    ("type=not-a-type", "type"), ("include_flagged=maybe", "include_flagged"),
    ("q=" + "x" * 201, "q"), ("since=2024-05-01&since=2024-05-02", "since"),
    ("article=xyz", "article"),
]


@pytest.mark.parametrize("query, word", BAD)
def test_bad_filters_are_400_json_for_the_api(client, query, word):
    response = client.get(f"/api/events?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert set(response.json) == {"error"} and word in response.json["error"]
    assert "Traceback" not in response.get_data(as_text=True)
    for endpoint in ("/api/types", "/api/regions"):
        assert client.get(f"{endpoint}?{query}").status_code == 400


@pytest.mark.parametrize("query, word", BAD[:6])
def test_bad_filters_are_a_clean_400_page(client, query, word):
    response = client.get(f"/?{query}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'id="error-message"' in html and word in html
    assert "Traceback" not in html and "File \"" not in html


def test_bad_limit_and_format(client):
    for url in ("/api/events?limit=0", "/api/events?limit=ten", "/api/regions?format=xml",
                "/api/regions?by_type=2"):
        response = client.get(url)
        assert response.status_code == 400 and "error" in response.json, url


def test_unknown_pages_are_404_pages_and_api_404_json(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Back to the map" in response.get_data(as_text=True)
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404 and "error" in response.json
    response = client.get("/api/articles")  # exists, but only for POST
    assert response.status_code == 405 and "error" in response.json


CSP = ("default-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; "
       "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; "
       "connect-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'")


def test_every_page_has_a_content_security_policy(client):
    responses = {url: client.get(url) for url in ("/", "/paste", "/no/such/page",
                                                  "/?since=not-a-date")}
    responses["form error"] = client.post("/api/articles",
                                          data={"text": " ", "csrf_token": paste_token(client)},
                                          headers={"Accept": "text/html"})
    responses["too large"] = client.post("/api/articles",
                                         data={"text": "x" * (2 * 1024 * 1024 + 10)},
                                         headers={"Accept": "text/html"})
    for name, response in responses.items():
        assert response.mimetype == "text/html", name
        assert response.headers["Content-Security-Policy"] == CSP, name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name


def test_the_policy_lets_in_the_tile_layers_host_only_for_images():
    from webapp.maps import OSM_TILES

    host = "https://" + urlsplit(OSM_TILES).netloc
    rules = dict(rule.split(" ", 1) for rule in CSP.split("; "))
    assert [name for name, value in rules.items() if host in value] == ["img-src"]


class Referenced(HTMLParser):
    """Every URL a page makes the browser fetch as a script, stylesheet, font or image:
    src and srcset, <link href> of any rel (stylesheets, preloads, icons), <object data>,
    and url(...) / @import in <style> blocks and style attributes. Plain <a href> links
    are not fetched and not collected."""

    CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.I)

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "data", "poster"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if attrs.get("srcset"):
            self.urls += [part.split()[0] for part in attrs["srcset"].split(",") if part.strip()]
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        if attrs.get("style"):
            self._css(attrs["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self._css(data)

    def _css(self, text):
        self.urls += [a or b for a, b in self.CSS_URL.findall(text)]


def test_no_page_references_an_outside_script_stylesheet_font_or_image(client):
    outside = re.compile(r"(?i)^\s*(https?:)?//")
    for url in ("/", "/?type=strike", "/paste", "/no/such/page", "/embed",
                "/embed?type=strike"):
        html = client.get(url).get_data(as_text=True)
        fetched = Referenced(html).urls
        assert any(u.endswith(".js") for u in fetched) or url not in ("/", "/embed"), fetched
        assert not [u for u in fetched if outside.match(u)], (url, fetched)
    # the map's own stylesheets, and the fonts and images they point at
    html = page(client, "/")
    for css in re.findall(r'href="(/static/[^"]+\.css)"', html):
        text = client.get(css).get_data(as_text=True)
        found = [a or b for a, b in Referenced.CSS_URL.findall(text)]
        assert not [u for u in found if outside.match(u)], (css, found)
    # the checker itself catches each kind
    for bad in ('<script src="https://cdn.example/x.js"></script>',
                '<link rel="stylesheet" href="//cdn.example/x.css">',
                '<style>@font-face { src: url("https://fonts.example/f.woff2") }</style>',
                '<img src="http://tiles.example/1/2/3.png">',
                '<div style="background: url(https://x.example/a.png)"></div>'):
        assert [u for u in Referenced(bad).urls if outside.match(u)], bad


def test_server_failures_are_500_without_a_traceback_or_a_path(tmp_path, geocoder, caplog):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    client = create_app({"DB": str(folder), "GEOCODER": geocoder},
                        instance_path=tmp_path).test_client()
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "event store could not be read" in html
    assert "Traceback" not in html and str(tmp_path) not in html and "folder" not in html
    response = client.get("/api/events")
    assert response.status_code == 500
    assert response.json["error"].startswith("The event store could not be read")
    assert str(tmp_path) not in response.get_data(as_text=True)
    # the administrator still learns what is wrong, from the log
    assert f"{folder} is a folder" in caplog.text


def test_unexpected_exceptions_are_a_generic_500(app, monkeypatch):
    from webapp.web import api

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.paging, "read_cursor", broken)
    response = app.test_client().get("/api/events")
    assert response.status_code == 500
    assert "secret" not in response.json["error"] and "Traceback" not in response.json["error"]


# -- the other API endpoints --------------------------------------------------------

def test_types_lists_the_vocabulary_with_colours_and_counts(client):
    data = client.get("/api/types").json
    assert data["total"] == 11
    battles = next(t for t in data["event_types"] if t["name"] == "Battles")
    assert battles["color"].startswith("#") and battles["count"] == 1
    assert {s["name"] for s in battles["sub_event_types"]} >= {"Armed clash"}
    strike = next(c for c in data["categories"] if c["name"] == "strike")
    assert strike["count"] == 3 and strike["label"] and strike["color"].startswith("#")
    assert sum(t["count"] for t in data["event_types"]) == 11
    assert client.get("/api/types?country=LB").json["total"] == 1


def test_regions_as_json_and_geojson(client):
    data = client.get("/api/regions").json
    assert data["by_type"] is True
    gaza = [r for r in data["regions"] if r["admin1"] == "Gaza Strip"]
    assert sum(r["events"] for r in gaza) == 6 and {r["country_code"] for r in gaza} == {"PS"}
    assert all("event_type" in r for r in data["regions"])
    totals = client.get("/api/regions?by_type=0").json["regions"]
    assert {r["admin1"]: r["events"] for r in totals}["Gaza Strip"] == 6
    response = client.get("/api/regions?format=geojson&by_type=0&country=PS")
    assert response.mimetype == "application/geo+json"
    shapes = json.loads(response.get_data(as_text=True))["features"]
    assert {f["properties"]["admin1"] for f in shapes} == {"Gaza Strip", "West Bank"}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in shapes)
    assert client.get("/api/regions?country=FR").json["regions"] == []


def test_geocode(client):
    found = client.get("/api/geocode?q=Rafah&context=Israeli+strikes+in+Gaza").json
    assert found["country_code"] == "PS" and found["name"] == "Rafah"
    assert {"latitude", "longitude", "geo_precision", "geometry"} <= set(found)
    border = client.get("/api/geocode?q=the+Israel-Lebanon+border").json
    assert border["kind"] == "border"
    missing = client.get("/api/geocode?q=Qwxzzyplace")
    assert missing.status_code == 404 and "not found" in missing.json["error"]
    for url in ("/api/geocode", "/api/geocode?q=+++", "/api/geocode?q=" + "x" * 1200):
        response = client.get(url)
        assert response.status_code == 400 and response.json["error"], url


# -- posting articles ---------------------------------------------------------------

ARTICLE = {
    "title": "Strikes in Khan Younis",
    "text": "Strikes in Khan Younis\n\nKHAN YOUNIS, Gaza (Briefing Map) -- Israeli aircraft "
            "struck a house in Khan Younis on Monday, killing three people, the civil "
            "defence said.\n\nProtesters rallied in Amman on Tuesday against the war.\n",
    "published": "2024-05-08",
    "url": "https://example.org/khan-younis",
}


def test_post_article_stores_its_events_and_a_second_post_is_a_duplicate(api, client, db):
    response = api.post("/api/articles", json=ARTICLE)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = json.loads(response.get_data(as_text=True))
    assert body["type"] == "FeatureCollection" and body["article"]
    places = {f["properties"]["location"] for f in body["features"]}
    assert "Khan Yunis" in places or "Khan Younis" in places
    assert {f["properties"]["event_date"] for f in body["features"]} >= {"2024-05-06"}
    stored = features(client.get("/api/events?since=2024-05-06"))
    assert {f["id"] for f in stored} == {f["id"] for f in body["features"]}
    assert client.get(body["map_url"]).status_code == 200
    assert set(listed_ids(page(client, body["map_url"]))) == {f["id"] for f in stored}

    again = api.post("/api/articles", json=ARTICLE)
    assert again.status_code == 200 and again.json["duplicate"] is True
    assert len(features(client.get("/api/events?since=2024-05-06"))) == len(stored)
    with open_store(db) as store:
        assert store.articles_count() == 2


@pytest.mark.parametrize("change, word", [
    ({"text": ""}, "empty"), ({"text": "   \n "}, "empty"),
    ({"text": "x" * (1024 * 1024 + 1)}, "MB"), ({"published": "last Friday"}, "published"),
    ({"published": "2024-02-30"}, "published"), ({"text": 5}, "text"),
    ({"url": "javascript:alert(1)"}, "url"),
])
def test_post_article_refuses_bad_input(api, change, word):
    response = api.post("/api/articles", json={**ARTICLE, **change})
    assert response.status_code == 400
    assert word in response.json["error"]


def test_post_article_needs_json_or_a_form(api):
    assert api.post("/api/articles", data="hello",
                    content_type="text/plain").status_code == 415
    response = api.post("/api/articles", data="{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json["error"]
    response = api.post("/api/articles", json=["a", "list"])
    assert response.status_code == 400


def test_oversized_requests_are_413(api, client):
    response = api.post("/api/articles", data="x" * (2 * 1024 * 1024 + 10),
                           content_type="application/json")
    assert response.status_code == 413 and "too large" in response.json["error"]
    response = client.post("/api/articles", data={"text": "x" * (2 * 1024 * 1024 + 10)},
                           headers={"Accept": "text/html"})
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "too large" in response.get_data(as_text=True)


def test_paste_page_posts_a_form_and_lands_on_the_articles_map(client):
    html = page(client, "/paste")
    assert 'action="/api/articles"' in html and 'type="file"' in html
    assert 'name="text"' in html and 'name="published"' in html
    token = form_token(html)
    upload = (io.BytesIO(ARTICLE["text"].replace("\n", "\r\n").encode("utf-8")), "story.txt")
    response = client.post("/api/articles", data={"title": "", "published": "2024-05-08",
                                                  "url": "", "text": "", "file": upload,
                                                  "csrf_token": token},
                           headers={"Accept": "text/html", "Origin": "http://localhost"})
    assert response.status_code == 303
    target = response.headers["Location"]
    assert target.startswith("/?article=") and "notice=stored-" in target
    html = page(client, target)
    assert "Article stored:" in html and "events extracted" in html
    ids = listed_ids(html)
    assert ids and all(i in {f["id"] for f in features(client.get("/api/events?since=2024-05-06"))}
                       for i in ids)
    # the same text pasted (CRLF from a browser's textarea) is the same article; the
    # page's token serves again (the back button, a second article)
    response = client.post("/api/articles", data={"text": ARTICLE["text"].replace("\n", "\r\n"),
                                                  "published": "2024-05-08",
                                                  "csrf_token": token})
    assert response.status_code == 303 and "notice=duplicate" in response.headers["Location"]
    assert "already stored" in page(client, response.headers["Location"])


def test_paste_form_errors_show_the_form_again(client):
    token = paste_token(client)
    response = client.post("/api/articles", data={"title": "Kept <title>", "text": "  ",
                                                  "published": "2024-05-08",
                                                  "csrf_token": token},
                           headers={"Accept": "text/html"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "empty" in html
    assert 'value="Kept &lt;title&gt;"' in html
    response = client.post("/api/articles", data={"file": (io.BytesIO(b"\x00\x01binary"), "x.bin"),
                                                  "csrf_token": token},
                           headers={"Accept": "text/html"})
    assert response.status_code == 400 and "binary" in response.get_data(as_text=True)


def test_form_posts_from_other_sites_are_refused(client):
    token = paste_token(client)   # a valid token does not excuse a foreign Origin
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Referer": "https://evil.example/page"}):
        response = client.post("/api/articles", data={"text": ARTICLE["text"],
                                                      "csrf_token": token},
                               headers={"Accept": "text/html", **headers})
        assert response.status_code == 403, headers
    assert len(features(client.get("/api/events?since=2024-05-06"))) == 0


def articles_in(db) -> int:
    with open_store(db) as store:
        return store.articles_count()


def test_form_posts_need_the_paste_pages_token(app, client, db):
    before = articles_in(db)
    token = paste_token(client)
    stranger = log_in(app.test_client(), db)   # another browser, with its own cookie
    foreign = paste_token(stranger)
    nonce, mac = token.split(".")
    flipped = mac[:-1] + ("0" if mac[-1] != "0" else "1")
    renonced = ("y" if nonce[0] == "x" else "x") + nonce[1:]   # really another nonce
    text = "Kept <text>\n\n" + ARTICLE["text"]
    for name, fields in [("no token", {}), ("empty token", {"csrf_token": ""}),
                         ("another browser's token", {"csrf_token": foreign}),
                         ("a changed signature", {"csrf_token": f"{nonce}.{flipped}"}),
                         ("a changed nonce", {"csrf_token": f"{renonced}.{mac}"}),
                         ("the signature alone", {"csrf_token": mac})]:
        response = client.post("/api/articles", headers={"Accept": "text/html"},
                               data={"text": text, "published": "2024-05-08", **fields})
        assert response.status_code == 403, name
        html = response.get_data(as_text=True)
        assert 'role="alert"' in html and "nothing was stored" in html, name
        # what was pasted is still in the form, escaped, with a fresh token to send it
        assert "Kept &lt;text&gt;" in html and 'value="2024-05-08"' in html, name
        assert articles_in(db) == before, name
    # a script asking for JSON hears the same
    response = client.post("/api/articles", data={"text": text},
                           headers={"Accept": "application/json"})
    assert response.status_code == 403 and "nothing was stored" in response.json["error"]
    # sending the refused page's form again works
    response = client.post("/api/articles", headers={"Accept": "text/html"},
                           data={"text": text, "published": "2024-05-08",
                                 "csrf_token": form_token(html)})
    assert response.status_code == 303 and "notice=stored-" in response.headers["Location"]
    assert articles_in(db) == before + 1
    # the other browser's own token is good for the other browser
    response = stranger.post("/api/articles", headers={"Accept": "text/html"},
                             data={"text": "Another\n\n" + ARTICLE["text"],
                                   "csrf_token": foreign})
    assert response.status_code == 303 and articles_in(db) == before + 2


def test_a_refused_upload_asks_for_the_file_again(client, db):
    paste_token(client)
    upload = (io.BytesIO(ARTICLE["text"].encode("utf-8")), "story.txt")
    response = client.post("/api/articles", data={"file": upload},
                           headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert "Choose the file again" in response.get_data(as_text=True)
    assert articles_in(db) == 1


def test_the_json_api_with_an_api_token_needs_no_csrf_token_and_no_cookie(api, db):
    response = api.post("/api/articles", json=ARTICLE)
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers and articles_in(db) == 2


def test_only_logging_in_and_the_paste_page_set_a_cookie_httponly_and_samesite(app, client):
    reader = app.test_client()   # not logged in
    for url in ("/", "/embed", "/api/types"):
        assert "Set-Cookie" not in client.get(url).headers, url
        assert "Set-Cookie" not in reader.get(url).headers, url
    cookie = client.get("/paste").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie            # a plain-http server must get it back
    # over https the cookie is kept from plain-http pages
    cookie = reader.get("/login", base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_every_page_of_the_form_gets_a_new_token_but_one_cookie(client):
    tokens = {paste_token(client) for _ in range(3)}
    assert len(tokens) == 3
    assert "Set-Cookie" not in client.get("/paste").headers   # the secret is kept
    for token in tokens:
        assert client.post("/api/articles", data={"text": "", "csrf_token": token},
                           headers={"Accept": "text/html"}).status_code == 400  # not 403


class Urls(HTMLParser):
    """Every URL a page holds (links, sources, form actions), and its forms' methods
    with the names of their fields."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.forms: list[tuple[str, list[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [attrs[name] for name in ("href", "src", "action") if attrs.get(name)]
        if tag == "form":
            self.forms.append(((attrs.get("method") or "get").lower(), []))
        elif tag in ("input", "textarea", "select") and self.forms and attrs.get("name"):
            self.forms[-1][1].append(attrs["name"])


def test_the_token_never_appears_in_a_url(client):
    html = page(client, "/paste")
    token = form_token(html)
    parsed = Urls(html)
    assert parsed.urls and not [u for u in parsed.urls if token in u or "csrf" in u]
    assert [method for method, fields in parsed.forms if "csrf_token" in fields] == ["post"]
    response = client.post("/api/articles", headers={"Accept": "text/html"},
                           data={"text": ARTICLE["text"], "csrf_token": token})
    target = response.headers["Location"]
    assert response.status_code == 303 and token not in target and "csrf" not in target
    html = page(client, target)
    assert token not in html and "csrf" not in html
    assert all("csrf_token" not in fields for _, fields in Urls(html).forms)


def test_the_secret_key_is_made_once_and_kept_in_the_instance_folder(db, geocoder, tmp_path):
    import stat

    instance = tmp_path / "fresh-instance"
    config = {"DB": str(db), "GEOCODER": geocoder}
    first = create_app(config, instance_path=instance)
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 64 and first.secret_key == key
    browser = log_in(first.test_client(), db)
    token = paste_token(browser)
    cookie = browser.get_cookie("session").value

    # a restart: the same key, so the form left open in the browser is still accepted
    second = create_app(config, instance_path=instance)
    assert second.secret_key == key and key_file.read_text().strip() == key
    after_restart = second.test_client()
    after_restart.set_cookie("session", cookie)
    response = after_restart.post("/api/articles", headers={"Accept": "text/html"},
                                  data={"text": ARTICLE["text"], "csrf_token": token})
    assert response.status_code == 303 and articles_in(db) == 2

    # another instance folder is another key: the old cookie and token are refused there
    other = create_app(config, instance_path=tmp_path / "other-instance")
    assert other.secret_key != key
    elsewhere = other.test_client()
    elsewhere.set_cookie("session", cookie)
    response = elsewhere.post("/api/articles", headers={"Accept": "text/html"},
                              data={"text": "Other\n\n" + ARTICLE["text"], "csrf_token": token})
    # the cookie means nothing there: not logged in, so sent to the login page
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert articles_in(db) == 2


def test_a_configured_secret_key_is_used_and_no_file_is_made(db, geocoder, tmp_path,
                                                             monkeypatch):
    app = create_app({"DB": str(db), "SECRET_KEY": "k" * 40}, instance_path=tmp_path / "a")
    assert app.secret_key == "k" * 40 and not (tmp_path / "a" / "secret_key").exists()
    monkeypatch.setenv("BRIEFING_SECRET_KEY", "1234567890" * 4)   # read as JSON: a number
    app = create_app({"DB": str(db), "GEOCODER": geocoder}, instance_path=tmp_path / "b")
    assert app.secret_key == "1234567890" * 4 and not (tmp_path / "b").exists()
    client = log_in(app.test_client(), db)
    response = client.post("/api/articles", headers={"Accept": "text/html"},
                           data={"text": ARTICLE["text"], "csrf_token": paste_token(client)})
    assert response.status_code == 303


def test_an_unwritable_instance_folder_still_serves_forms_and_says_why(db, geocoder,
                                                                      tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level("WARNING", logger="webapp.web.csrf"):
        app = create_app({"DB": str(db), "GEOCODER": geocoder}, instance_path=blocker / "inst")
    assert "BRIEFING_SECRET_KEY" in caplog.text and len(app.secret_key) >= 64
    client = log_in(app.test_client(), db)
    response = client.post("/api/articles", headers={"Accept": "text/html"},
                           data={"text": ARTICLE["text"], "csrf_token": paste_token(client)})
    assert response.status_code == 303 and articles_in(db) == 2


def test_hostile_text_is_shown_as_text(api, client):
    text = (f"Clashes in Rafah\n\nIsraeli forces clashed with Hamas fighters in Rafah on "
            f"Thursday {HOSTILE} near the crossing.\n")
    response = api.post("/api/articles", json={
        "title": f"Clashes {HOSTILE}", "text": text, "published": "2024-05-10",
        "url": "https://example.org/a?b=<script>"})
    assert response.status_code == 201
    assert HOSTILE in json.dumps(json.loads(response.get_data(as_text=True)))
    html = page(client, "/?since=2024-05-09")
    assert listed_ids(html)
    assert "alert(1)" in html
    assert "<script>alert(1)" not in html and "</script><script>alert" not in html
    # in the side list it is escaped HTML text, which the browser shows as typed
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- configuration and the serve command ---------------------------------------------

def test_configuration_order(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "BRIEFING_INSTANCE", "BRIEFING_DB"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config.py").write_text('DB = "from-file.sqlite"\nPAGE_SIZE = 7\n'
                                        'TITLE = "From the file"\n')
    app = create_app(instance_path=tmp_path)
    assert app.config["DB"] == "from-file.sqlite" and app.config["PAGE_SIZE"] == 7
    monkeypatch.setenv("BRIEFING_DB", "/data/from-env.sqlite")
    monkeypatch.setenv("BRIEFING_PAGE_SIZE", "50")
    app = create_app(instance_path=tmp_path)
    assert app.config["DB"] == "/data/from-env.sqlite" and app.config["PAGE_SIZE"] == 50
    assert app.config["TITLE"] == "From the file"
    app = create_app({"DB": "given.sqlite"}, instance_path=tmp_path)
    assert app.config["DB"] == "given.sqlite" and app.config["PAGE_SIZE"] == 50
    monkeypatch.delenv("BRIEFING_DB")
    empty = tmp_path / "empty"
    assert create_app(instance_path=empty).config["DB"] == str(empty / "briefing.sqlite")
    assert create_app().config["DB"] == str(ROOT / "instance" / "briefing.sqlite")


def test_concurrent_first_requests_on_a_new_store(tmp_path, geocoder):
    """Threads (waitress has several) opening a store file that does not exist yet."""
    import threading

    app = create_app({"DB": str(tmp_path / "new.sqlite"), "GEOCODER": geocoder},
                     instance_path=tmp_path)
    start = threading.Barrier(8)
    statuses = []

    def ask():
        client = app.test_client()
        start.wait()
        statuses.append(client.get("/api/types").status_code)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 8


def made_store(path, n: int, unplaced: int = 0, flagged: int = 0):
    """A store of ``n`` air strikes over Gaza over 60 days (the higher the number, the
    newer), plus some without a place and some running totals."""
    from datetime import timedelta

    from conftest import make_event

    day = date(2020, 1, 1)
    with SQLiteStore(path) as store:
        store.add_events(
            [make_event(f"ev{i:05d}", 31.2 + (i % 97) / 300, 34.2 + (i // 97) / 300,
                        day=day + timedelta(days=i * 60 // n), notes=f"Strike number {i}.")
             for i in range(n)]
            + [make_event(f"nowhere{i}", None, None, notes="No place.") for i in range(unplaced)]
            + [make_event(f"toll{i}", 31.5, 34.4, is_total=True) for i in range(flagged)])
    return path


def map_script(html: str) -> str:
    return re.search(r"BriefingMap\.live\(.*?\);", html, re.S).group(0)


def test_the_map_page_holds_no_events_and_weighs_the_same_for_any_number(tmp_path, geocoder):
    from conftest import make_app

    pages = {}
    for n in (20, 200, 3000):
        app = make_app(made_store(tmp_path / f"{n}.sqlite", n), geocoder, tmp_path)
        pages[n] = page(app.test_client(), "/")
        assert f'id="total-count">{n}<' in pages[n]
        assert len(pages[n].encode()) <= 300_000
    for n, html in pages.items():
        listed = listed_ids(html)
        assert len(listed) == min(n, 100) and f"ev{n - 1:05d}" in listed   # newest first
        # no event beyond the list's first page is anywhere in the page
        assert n <= 100 or ("ev00000" not in html and "Strike number 0." not in html)
        assert "BriefingMap.events(" not in html and "Strike number" not in map_script(html)
    # the map's part is the same whatever is stored; the list stops at its first page
    assert abs(len(map_script(pages[3000])) - len(map_script(pages[20]))) < 300
    assert abs(len(pages[3000]) - len(pages[200])) < 0.01 * len(pages[200])
    assert "showing the newest" not in pages[3000]


def test_the_list_gives_its_next_page_and_walks_every_event_once(tmp_path, geocoder):
    from conftest import make_app

    app = make_app(made_store(tmp_path / "e.sqlite", 250), geocoder, tmp_path)
    client = app.test_client()
    html = page(client, "/")
    seen = listed_ids(html)
    following = unescape(re.search(r'id="more-events" data-next="([^"]+)"', html).group(1))
    assert urlsplit(following).path == "/api/events"
    while following:
        answer = client.get(following).get_json()
        assert answer["total"] == 250 and len(answer["features"]) <= 100
        seen += [f["properties"]["event_id"] for f in answer["features"]]
        following = answer["next"]
    assert sorted(seen) == sorted(f"ev{i:05d}" for i in range(250))
    few = make_app(made_store(tmp_path / "few.sqlite", 30), geocoder, tmp_path)
    assert 'id="more-events"' not in page(few.test_client(), "/")


def test_the_legend_counts_every_event_and_says_what_is_not_drawn(tmp_path, geocoder):
    from conftest import make_app

    app = make_app(made_store(tmp_path / "e.sqlite", 2500, unplaced=3, flagged=2),
                   geocoder, tmp_path)
    html = page(app.test_client(), "/")
    legend = json.JSONDecoder().raw_decode(
        html, re.search(r"BriefingMap\.legend\(\s*map_\w+,\s*", html).end())[0]["html"]
    assert 'Explosions/Remote violence<span class="bl-count">2503</span>' in legend
    assert "3 event(s) without a usable place" in legend
    assert "2 running total(s) or recalled past event(s) not drawn" in legend
    assert 'id="total-count">2503<' in html and "3 without a place are listed" in html
    # the region shading is not in the page: the map asks for it when it is ticked
    settings = json.JSONDecoder().raw_decode(
        html, re.search(r"BriefingMap\.regionsOnDemand\(\s*map_\w+,\s*", html).end())[0]
    assert parse_qsl(urlsplit(settings["url"]).query) == [("format", "geojson"),
                                                         ("by_type", "0")]
    assert "features" not in settings


def test_the_land_is_one_cached_file(client):
    html = page(client, "/")
    url = unescape(re.search(r'"url":"(/static/land\.geojson\?v=[0-9a-f]+)"', html).group(1))
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert len(response.get_json()["features"]) > 240
    assert response.cache_control.max_age >= 30 * 24 * 3600
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    # an old digest is still answered, but not kept for long
    assert client.get("/static/land.geojson?v=old").cache_control.max_age <= 3600


def test_serve_command_prints_its_url_and_serves(db, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp", "serve", "--db", str(db), "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        assert match, (line, process.stderr.read() if process.poll() is not None else "")
        # the store has users: no first-start admin, but how to add users
        line = process.stdout.readline()
        assert "python -m webapp users add NAME --role editor" in line and "token" not in line
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(match.group(1) + "api/types", timeout=10) as resp:
                    assert json.load(resp)["total"] == 11
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_serve_refuses_a_bad_port():
    result = subprocess.run([sys.executable, "-m", "webapp", "serve", "--port", "70000"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and "port" in result.stderr.lower()
    assert "Traceback" not in result.stderr
