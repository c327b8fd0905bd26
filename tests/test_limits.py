"""Rate limits per user or address on writes and snapshots; snapshots in flight capped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import browser_client, editor_client
from conftest import make_app as shared_make_app

from webapp.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = (ROOT / "webapp" / "samples" / "sitrep-2024-05-03.txt").read_text(encoding="utf-8")


@pytest.fixture
def db(empty_db):
    return empty_db


def make_app(db, geocoder, tmp_path, **config):
    return shared_make_app(db, geocoder, tmp_path, **{"SNAPSHOT_BROWSER": "none", **config})


def article(n: int) -> dict:
    return {"title": f"Report {n}", "text": f"Report {n}.\n\n{SAMPLE}", "published": "2024-05-03"}


def articles_in(db) -> int:
    with SQLiteStore(db) as store:
        return store.articles_count()


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_writes_past_the_limit_are_429_with_retry_after(db, geocoder, tmp_path):
    app = make_app(db, geocoder, tmp_path, WRITE_RATE_LIMIT="2/minute")
    client = editor_client(app, db)
    for n in range(2):
        assert client.post("/api/articles", json=article(n)).status_code == 201
    refused = client.post("/api/articles", json=article(2))
    assert refused.status_code == 429
    assert refused.mimetype == "application/json"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Too many writes" in refused.json["error"]
    assert "Nothing was stored" in refused.json["error"]
    assert articles_in(db) == 2
    # reading is not limited
    for _ in range(20):
        assert client.get("/api/types").status_code == 200
    # another editor has a count of their own
    other = editor_client(app, db, "ana").post("/api/articles", json=article(3))
    assert other.status_code == 201
    assert articles_in(db) == 3


def test_the_paste_form_over_the_limit_gets_a_page(db, geocoder, tmp_path):
    client, token = browser_client(make_app(db, geocoder, tmp_path,
                                            WRITE_RATE_LIMIT="1/minute"), db)
    for expected in (303, 429):
        response = client.post("/api/articles", data={"csrf_token": token, **article(expected)},
                               headers={"Accept": "text/html"})
        assert response.status_code == expected
    assert response.mimetype == "text/html" and response.headers["Retry-After"]
    assert "Too many writes" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_logged_in_users_are_counted_by_name_not_address(db, geocoder, tmp_path):
    app = make_app(db, geocoder, tmp_path, WRITE_RATE_LIMIT="1/minute")
    ana, ben = editor_client(app, db, "ana"), editor_client(app, db, "ben")
    same_address = from_address("10.0.0.1")
    assert ana.post("/api/articles", json=article(1), **same_address).status_code == 201
    assert ben.post("/api/articles", json=article(2), **same_address).status_code == 201
    # ana's count follows her to another address
    assert ana.post("/api/articles", json=article(3),
                    **from_address("10.0.0.2")).status_code == 429
    assert articles_in(db) == 2


def test_password_guesses_are_limited_per_address(db, geocoder, tmp_path):
    app = make_app(db, geocoder, tmp_path, LOGIN_RATE_LIMIT="3/minute")
    editor_client(app, db)   # the user exists
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def guess(password: str, address: str) -> int:
        return client.post("/login", data={"name": "ed", "password": password,
                                           "csrf_token": token},
                           **from_address(address)).status_code

    assert [guess(f"guess-{n}", "10.0.0.9") for n in range(4)] == [401, 401, 401, 429]
    assert client.get("/login", **from_address("10.0.0.9")).status_code == 200  # the form
    assert guess("another", "10.0.0.10") == 401   # another address may still try


def test_snapshots_past_the_limit_are_429(db, geocoder, tmp_path):
    client = make_app(db, geocoder, tmp_path, SNAPSHOT_RATE_LIMIT="1/minute").test_client()
    assert client.get("/snapshot.png?width=300&height=200").status_code == 200
    refused = client.get("/snapshot.png?width=300&height=200")
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert refused.headers["Retry-After"] and "Too many snapshots" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 200   # the map itself is not limited


def test_snapshots_in_flight_are_capped_with_503(db, geocoder, tmp_path):
    app = make_app(db, geocoder, tmp_path, SNAPSHOT_SLOTS=1)
    slots = app.extensions["briefing_snapshot_slots"]
    assert slots.acquire(blocking=False)   # one picture being drawn
    try:
        busy = app.test_client().get("/snapshot.png?width=300&height=200")
        assert busy.status_code == 503 and int(busy.headers["Retry-After"]) > 0
        assert "Other snapshots" in busy.get_data(as_text=True)
    finally:
        slots.release()
    client = app.test_client()
    for _ in range(2):   # each finished picture gives its slot back
        assert client.get("/snapshot.png?width=300&height=200").status_code == 200


def test_limits_are_configurable_off(db, geocoder, tmp_path):
    client = editor_client(make_app(db, geocoder, tmp_path, WRITE_RATE_LIMIT="1/minute",
                                    RATELIMIT_ENABLED=False), db)
    for n in range(3):
        assert client.post("/api/articles", json=article(n)).status_code == 201
