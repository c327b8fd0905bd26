"""The JSON API at scale: pages that walk every event once, marks that count every
event, whole downloads streamed, and a clear 400 for any bad bbox, zoom, limit or
cursor."""

from __future__ import annotations

import json
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from webapp.store import open_store
from conftest import make_app, make_event


@pytest.fixture(scope="module")
def db(module_store_target):
    """1,242 events, once in SQLite and once in PostGIS."""
    path = module_store_target
    events = []
    for i in range(1234):   # many share a day: the order must break ties the same way
        events.append(make_event(
            f"e{i:04d}", 31.0 + (i % 50) / 50, 34.0 + (i % 37) / 37,
            day=date(2024, 1, 1) + timedelta(days=i % 40), country_code="PS",
            notes="<img src=x onerror=alert(1)>" if i == 7 else "shelling"))
    events += [make_event(f"undated{i}", 31.5, 34.5, day=None) for i in range(5)]
    events += [make_event(f"unplaced{i}", None, None) for i in range(3)]
    with open_store(path) as store:
        store.add_events(events)
    return path


@pytest.fixture
def client(db, geocoder, tmp_path):
    return make_app(db, geocoder, tmp_path).test_client()


def walk(client, url: str, days: list | None = None) -> list[str]:
    ids, pages = [], 0
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.json
        body = answer.json
        ids += [f["properties"]["event_id"] for f in body["features"]]
        if days is not None:
            days += [f["properties"]["event_date"] for f in body["features"]]
        url = body["next"]
        pages += 1
        assert pages < 100
    return ids


def test_pages_walk_every_event_exactly_once_newest_first(client):
    first = client.get("/api/events?limit=100").json
    assert first["total"] == 1242 and len(first["features"]) == 100
    days: list = []
    ids = walk(client, "/api/events?limit=100", days)
    assert len(ids) == len(set(ids)) == 1242
    dated = [d for d in days if d]
    assert dated == sorted(dated, reverse=True) and days[-5:] == [None] * 5
    assert sorted(ids[-5:]) == [f"undated{i}" for i in range(5)]   # undated come last


def test_a_page_follows_its_filters_and_its_next_link_keeps_them(client):
    url = "/api/events?country=PS&since=2024-01-20&limit=50"
    first = client.get(url).json
    query = dict(parse_qsl(urlsplit(first["next"]).query))
    assert query["country"] == "PS" and query["since"] == "2024-01-20"
    ids = walk(client, url)
    assert len(ids) == len(set(ids)) == first["total"]


def test_without_a_limit_a_page_holds_the_default_and_a_huge_limit_is_refused(client):
    assert len(client.get("/api/events").json["features"]) == 1000
    answer = client.get("/api/events?limit=1000000")
    assert answer.status_code == 400 and "at most 10,000" in answer.json["error"]


@pytest.mark.parametrize("query, words", [
    ("after=garbage", "cursor"),
    ("after=" + "x" * 1000, "cursor"),
    ("limit=0", "limit"), ("limit=-5", "limit"), ("limit=ten", "limit"),
    ("bbox=1,2,3", "bbox"), ("bbox=0,80,10,-80", "bbox"), ("bbox=nan,0,1,1", "bbox"),
    ("bbox=0,0,200,1", "bbox"),
])
def test_malformed_page_parameters_get_a_400_with_a_reason(client, query, words):
    answer = client.get(f"/api/events?{query}")
    assert answer.status_code == 400 and words in answer.json["error"]
    assert "\n" not in answer.json["error"]


def test_a_cursor_cannot_be_edited_or_moved_to_other_filters(client):
    nxt = client.get("/api/events?limit=10&country=PS").json["next"]
    cursor = dict(parse_qsl(urlsplit(nxt).query))["after"]
    assert client.get(f"/api/events?limit=10&after={cursor}").status_code == 400
    forged = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    answer = client.get(f"/api/events?limit=10&country=PS&after={forged}")
    assert answer.status_code == 400 and "cursor" in answer.json["error"]


@pytest.mark.parametrize("zoom", [0, 4, 9, 13, 18])
def test_marks_over_the_world_count_every_placed_event(client, zoom):
    body = client.get(f"/api/clusters?zoom={zoom}").json
    assert body["total"] == sum(f["properties"]["count"] for f in body["features"]) == 1239
    assert len(body["features"]) <= 8192
    for feature in body["features"]:
        props = feature["properties"]
        assert sum(props["types"].values()) == props["count"]
        assert ("event_id" in props) == (props["count"] == 1)


def test_marks_of_a_view_follow_the_filters(client):
    body = client.get("/api/clusters?zoom=10&bbox=34.0,31.0,34.3,31.3"
                      "&since=2024-01-10&until=2024-01-12").json
    inside = client.get("/api/events?bbox=34.0,31.0,34.3,31.3&since=2024-01-10"
                        "&until=2024-01-12").json["total"]
    assert 0 < inside <= body["total"]


@pytest.mark.parametrize("query, words", [
    ("", "zoom is missing"), ("zoom=19", "zoom"), ("zoom=-1", "zoom"), ("zoom=4.5", "zoom"),
    ("zoom=4&zoom=5", "once"), ("zoom=4&bbox=a,b,c,d", "bbox"),
    ("zoom=4&bbox=10,10,20", "bbox"), ("zoom=4&type=Nonsense", "type"),
])
def test_malformed_view_parameters_get_a_400_with_a_reason(client, query, words):
    answer = client.get(f"/api/clusters?{query}")
    assert answer.status_code == 400 and words in answer.json["error"]


def test_one_event_comes_with_its_escaped_popup(client):
    body = client.get("/api/events/e0007").json
    assert body["properties"]["event_id"] == "e0007"
    assert "<img" not in body["popup"] and "&lt;img" in body["popup"]
    assert client.get("/api/events/nope").status_code == 404


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_the_whole_download_is_streamed_and_holds_every_event(client, fmt):
    answer = client.get(f"/api/events.{fmt}?include_flagged=1")
    assert answer.status_code == 200 and answer.is_streamed
    text = answer.get_data(as_text=True)
    if fmt == "geojson":
        assert len(json.loads(text)["features"]) == 1242
    else:
        assert len(text.strip().splitlines()) == 1243   # and the header
    assert "attachment" in answer.headers["Content-Disposition"]


def test_a_view_too_wide_for_its_zoom_is_answered_coarser_and_still_counts_everything(client):
    body = client.get("/api/clusters?zoom=18").json   # the whole world at street level
    assert body["asked_zoom"] == 18 and body["zoom"] < 18
    assert len(body["features"]) <= 8192
    assert sum(f["properties"]["count"] for f in body["features"]) == 1239
    near = client.get("/api/clusters?zoom=18&bbox=34.49,31.49,34.51,31.51").json
    assert near["zoom"] == 18   # a screen's worth is answered as asked
