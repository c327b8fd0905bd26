"""A desk behind a proxy: two ``serve`` processes on one PostGIS database. What one
stores, the other shows at once, on its API and its map; the same article posted to
both at the same moment is stored once."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
from conftest import add_user
from test_concurrent_writes import _start_server

from webapp.store import open_store

ARTICLE = {
    "title": "Strikes in Khan Younis",
    "text": "Strikes in Khan Younis\n\nKHAN YOUNIS, Gaza (Briefing Map) -- Israeli aircraft "
            "struck a house in Khan Younis on Monday, killing three people, the civil "
            "defence said.\n",
    "published": "2024-05-08",
}


def call(base: str, path: str, token: str | None = None, body: dict | None = None):
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


@pytest.fixture
def two_servers(postgis_url):
    token = add_user(postgis_url)
    started = []
    try:
        for _ in range(2):
            started.append(_start_server(postgis_url))
        yield [base for _, base in started], token, postgis_url
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=30)


def test_an_article_posted_to_one_server_is_on_the_others_map_at_once(two_servers):
    (first, second), token, _ = two_servers
    status, body = call(first, "/api/articles", token, ARTICLE)
    assert status == 201, body
    posted = json.loads(body)
    ids = {f["id"] for f in posted["features"]}
    assert ids
    article = posted["article"]
    status, body = call(second, f"/api/events?article={article}")
    assert status == 200
    assert {f["id"] for f in json.loads(body)["features"]} == ids
    status, body = call(second, "/api/clusters?bbox=34,31,35,32&zoom=8")
    assert sum(f["properties"]["count"] for f in json.loads(body)["features"]) == len(ids)
    status, page = call(second, f"/?article={article}")
    assert status == 200 and ("Khan Yunis" in page or "Khan Younis" in page)
    status, body = call(second, "/api/articles", token, ARTICLE)   # already there
    assert status == 200 and json.loads(body)["duplicate"] is True


def test_the_same_article_posted_to_both_at_once_is_stored_once(two_servers):
    (first, second), token, url = two_servers
    stored = set()
    for round_number in range(4):
        article = dict(ARTICLE, text=ARTICLE["text"] + f"\nUpdate {round_number}.\n")
        answers = []
        threads = [threading.Thread(target=lambda base=base: answers.append(
            call(base, "/api/articles", token, article))) for base in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(status for status, _ in answers) == [200, 201], answers
        stored |= {f["id"] for status, body in answers if status == 201
                   for f in json.loads(body)["features"]}
    status, body = call(second, "/api/events?limit=1000")
    listed = json.loads(body)
    assert listed["total"] == len(stored)
    assert {f["id"] for f in listed["features"]} == stored
    with open_store(url) as store:
        assert store.articles_count() == 4
