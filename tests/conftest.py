"""Shared fixtures: the real gazetteer (built once, cached under instance/)."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BRIEFING_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def regions():
    from webapp.regions import Regions

    return Regions.load()


def make_event(event_id, lat, lon, event_type="Explosions/Remote violence",
               sub="Air/drone strike", category="strike", day=date(2024, 5, 3), **fields):
    """A located event with the fields a test cares about; an air strike by default."""
    from webapp.models import Event

    fields.setdefault("geo_precision", 1)
    return Event(event_id=event_id, event_date=day, time_precision=1, event_type=event_type,
                 sub_event_type=sub, category=category, latitude=lat, longitude=lon,
                 **fields)


@pytest.fixture
def empty_db(tmp_path):
    """A new, empty event store file."""
    from webapp.store import SQLiteStore

    path = tmp_path / "events.sqlite"
    SQLiteStore(path).close()
    return path


def make_app(db, geocoder, tmp_path, **config):
    """The map server's app on the store at ``db`` (testing mode), ``config`` on top."""
    from webapp.web import create_app

    return create_app({"DB": str(db), "GEOCODER": geocoder, "TESTING": True, **config},
                      instance_path=tmp_path / "instance")


@pytest.fixture(scope="session")
def geocoder():
    from webapp.geocoder import OfflineGeocoder

    return OfflineGeocoder()


def run_cli(*args, input_text=None):
    """Run ``python -m webapp`` as a user would; returns the CompletedProcess."""
    import subprocess

    return subprocess.run([sys.executable, "-m", "webapp", *args], cwd=ROOT, input=input_text,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's) for every real-browser test of the run."""
    from browsing import CHROMIUM, chromium

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    with chromium() as opened:
        yield opened


# -- users ------------------------------------------------------------------------------
# Logging in through a one-time link costs a SHA-256; through the password form it costs
# a scrypt hash (a tenth of a second or more): tests log in by link unless the password
# form is what they test.

EDITOR, EDITOR_PASSWORD = "ed", "ed-password-1"


def add_user(db, name=EDITOR, role="editor", password=EDITOR_PASSWORD):
    """Add a user to the store at ``db``; returns an API token of theirs."""
    from webapp.store import open_store
    from webapp.store.accounts import Accounts

    with open_store(db) as store:
        accounts = Accounts(store)
        accounts.add(name, role, password, by="test")
        return accounts.make_token(name, by="test")


def log_in(client, db, name=EDITOR):
    """Log ``client`` (a Flask test client) in as ``name`` through a one-time link."""
    from webapp.store import open_store
    from webapp.store.accounts import Accounts

    with open_store(db) as store:
        token = Accounts(store).make_login_link_token(name, by="test")
    response = client.get(f"/login?token={token}")
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return client


def editor_client(app, db, name=EDITOR):
    """A script's client for ``app``: the API token of the editor ``name`` (added to the
    store at ``db`` when missing) as ``Authorization: Bearer``, no cookies."""
    from webapp.errors import AccountError
    from webapp.store import open_store
    from webapp.store.accounts import Accounts

    with open_store(db) as store:
        accounts = Accounts(store)
        try:
            accounts.get(name)
        except AccountError:
            accounts.add(name, "editor", by="test")
        token = accounts.make_token(name, by="test")
    client = app.test_client(use_cookies=False)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def browser_client(app, db, name=EDITOR):
    """A browser's client for ``app``, logged in as the editor ``name`` (a session
    cookie), with the paste form's CSRF token: (client, token)."""
    import re

    editor_client(app, db, name)   # the user exists
    client = log_in(app.test_client(), db, name)
    html = client.get("/paste").get_data(as_text=True)
    return client, re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# -- PostgreSQL + PostGIS -----------------------------------------------------------------
# One throwaway server per test run (tests/pgserver.py), started when a test first
# asks for it; each test gets a database of its own, copied from a template that has
# the postgis extension already.

@pytest.fixture(scope="session")
def pg_server():
    import pgserver

    problem = pgserver.missing()
    if problem:
        pytest.skip(problem)
    server = pgserver.PostgresServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgis_url(pg_server):
    """The URL of a new, empty database with PostGIS, dropped after the test."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture(params=["sqlite", "postgis"])
def store_target(request, tmp_path):
    """Where a new store goes, once as an SQLite file path and once as a PostGIS URL:
    for tests that must hold for both stores (``open_store(store_target)``)."""
    if request.param == "sqlite":
        return str(tmp_path / "events.sqlite")
    return request.getfixturevalue("postgis_url")


@pytest.fixture(scope="module", params=["sqlite", "postgis"])
def module_store_target(request, tmp_path_factory):
    """As ``store_target``, for a store a whole module shares (made once per kind)."""
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("store") / "events.sqlite")
        return
    server = request.getfixturevalue("pg_server")
    url = server.create_database()
    yield url
    server.drop_database(url.rsplit("/", 1)[1])


def needs_postgis_store():
    """Skip unless the PostGIS store is there (it is being written alongside)."""
    try:
        import webapp.store.postgis  # noqa: F401
    except ImportError:
        pytest.skip("webapp.store.postgis is not there yet")
