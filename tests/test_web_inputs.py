"""Inputs that once made the server answer 500, and the Host header: each must now be a
clean 4xx with a one-line message, never a traceback, a file path or a stored article.
Real SQLite files in tmp_path; the real gazetteer and extractor for posted articles."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest

from conftest import add_user, make_event
from webapp.models import Article
from webapp.store import SQLiteStore
from webapp.web import create_app

STORY = {"title": "Strikes on Rafah", "published": "2024-05-08",
         "text": "Israeli air strikes hit Rafah in southern Gaza on Monday, killing four "
                 "people, the health ministry said.\n"}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "events.sqlite"
    events = [make_event(f"t-{i:03d}", 31.29 + i / 1000, 34.24, location="Rafah",
                         country_code="PS", admin1="Gaza Strip", notes=f"Strike {i}.",
                         day=date(2024, 5, 1 + i % 5)) for i in range(40)]
    with SQLiteStore(path) as store:
        store.add_article(Article(title="Strikes", text="Strikes.", published=date(2024, 5, 5)),
                          events)
    return path


def make_client(db, geocoder, tmp_path, **config):
    app = create_app({"DB": str(db), "GEOCODER": geocoder, **config},
                     instance_path=tmp_path / "instance")
    return app.test_client()


@pytest.fixture
def client(db, geocoder, tmp_path):
    """A script with an editor's API token: the inputs reach the checks after the login."""
    client = make_client(db, geocoder, tmp_path)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {add_user(db, password=None)}"
    return client


def articles_in(db) -> int:
    with SQLiteStore(db) as store:
        return store.articles_count()


def assert_clean_400(response, word: str):
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    assert set(response.json) == {"error"} and word in response.json["error"]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "/tmp" not in text and ".sqlite" not in text


# -- the five inputs of issue 9 ----------------------------------------------------------

@pytest.mark.parametrize("value, word", [
    ("²", "whole number"),                    # str.isdigit() says yes, int() says no
    ("٣", "whole number"),                    # an Arabic-Indic three: int() would take it
    ("99999999999999999999999999", "at most 10,000"),   # past SQLite's integers
    ("1" * 5000, "at most"),                  # past int()'s 4,300-digit guard
    ("10001", "at most 10,000"), ("-1", "whole number"), ("0", "whole number"),
    ("1e3", "whole number"), (" 12 x", "whole number"),
])
def test_limit_takes_ascii_whole_numbers_up_to_the_largest_page(client, value, word):
    assert_clean_400(client.get("/api/events", query_string={"limit": value}), word)


def test_limit_at_the_maximum_is_answered(client):
    response = client.get("/api/events?limit=10000")
    assert response.status_code == 200 and len(response.json["features"]) == 40
    assert response.json["total"] == 40 and response.json["next"] is None
    assert len(client.get("/api/events?limit=007").json["features"]) == 7


@pytest.mark.parametrize("field", ["text", "title", "url", "published"])
def test_a_lone_surrogate_in_a_posted_field_is_refused(client, db, field):
    body = {**STORY, "url": "https://example.org/a"}
    raw = json.dumps(body)[:-1] + f', "{field}": "Rafah \\ud800 strike"}}'
    response = client.post("/api/articles", data=raw, content_type="application/json")
    assert_clean_400(response, field)
    assert "surrogate" in response.json["error"] and "\\ud800" in response.json["error"]
    assert articles_in(db) == 1


def test_a_surrogate_pair_is_one_character_and_accepted(client, db):
    raw = json.dumps({**STORY, "title": "Strikes \U0001F4A5 on Rafah"}, ensure_ascii=True)
    assert "\\ud83d\\udca5" in raw
    response = client.post("/api/articles", data=raw, content_type="application/json")
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert articles_in(db) == 2


@pytest.mark.parametrize("body", ["[" * 100_000, '{"text": ' + "[" * 100_000,
                                  '{"text": ' + '{"a":' * 50_000])
def test_json_nested_beyond_the_parser_is_a_400(client, db, body):
    response = client.post("/api/articles", data=body, content_type="application/json")
    assert_clean_400(response, "JSON")
    assert articles_in(db) == 1


@pytest.mark.parametrize("url", ["https://[::1", "http://[not-ipv6]/", "https://x:99999/",
                                 "https://", "http:///path", "https://exa mple.org/",
                                 "https://example.org/a\nb"])
def test_a_malformed_url_is_a_400(client, db, url):
    assert_clean_400(client.post("/api/articles", json={**STORY, "url": url}), "url")
    assert articles_in(db) == 1


@pytest.mark.parametrize("published", ["Mon, 01 Jan 99999999999 00:00:00 +0000",
                                       "99999-01-01", "Mon, 32 Jan 2024 00:00:00"])
def test_a_published_date_out_of_any_calendar_is_a_400(client, db, published):
    assert_clean_400(client.post("/api/articles", json={**STORY, "published": published}),
                     "published")
    assert articles_in(db) == 1


def test_a_stored_notice_with_odd_digits_is_ignored_not_a_500(client):
    article = "a" * 64
    for notice in ("stored-²", "stored-" + "9" * 5000, "stored-٣"):
        response = client.get(f"/?article={article}&notice={notice}")
        assert response.status_code == 200, notice
        assert "Article stored" not in response.get_data(as_text=True)


# -- messages name no files --------------------------------------------------------------

def test_a_broken_store_is_a_generic_500_and_the_path_is_logged(tmp_path, geocoder, caplog):
    not_a_db = tmp_path / "private-name.sqlite"
    not_a_db.write_text("this is not a database, " * 100)
    client = make_client(not_a_db, geocoder, tmp_path)
    for url in ("/api/events", "/api/types", "/"):
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == 500, url
        assert "private-name" not in text and str(tmp_path) not in text, url
        assert "event store could not be read" in text, url
    assert "private-name.sqlite" in caplog.text


# -- trusted hosts -----------------------------------------------------------------------

@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1:5000"])
def test_loopback_names_are_trusted_by_default(client, host):
    assert client.get("/api/types", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:5000",
                                  "localhost.attacker.example", "127.0.0.2", "a b"])
def test_another_host_is_a_clean_400_and_nothing_is_stored(client, db, host):
    response = client.get("/api/events", headers={"Host": host})
    assert_clean_400(response, "host name")
    page = client.get("/", headers={"Host": host})
    assert page.status_code == 400 and page.mimetype == "text/plain"
    assert "host name" in page.get_data(as_text=True)
    posted = client.post("/api/articles", json=STORY, headers={"Host": host})
    assert posted.status_code == 400 and articles_in(db) == 1


def test_trusted_hosts_come_from_the_environment(db, geocoder, tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFING_TRUSTED_HOSTS", "map.example.org, .briefing.example")
    client = make_client(db, geocoder, tmp_path)
    assert client.get("/api/types", headers={"Host": "map.example.org"}).status_code == 200
    assert client.get("/api/types", headers={"Host": "eu.briefing.example"}).status_code == 200
    assert client.get("/api/types", headers={"Host": "localhost"}).status_code == 400
    monkeypatch.setenv("BRIEFING_TRUSTED_HOSTS", '["map.example.org"]')
    client = make_client(db, geocoder, tmp_path)
    assert client.get("/api/types", headers={"Host": "map.example.org"}).status_code == 200


def test_an_empty_trusted_hosts_list_is_refused_not_read_as_any_host(db, geocoder, tmp_path):
    from webapp.errors import BriefingMapError

    with pytest.raises(BriefingMapError, match="TRUSTED_HOSTS"):
        make_client(db, geocoder, tmp_path, TRUSTED_HOSTS=[])


# -- the embed snippet's address ---------------------------------------------------------

def embed_src(client, host="localhost") -> str:
    import re
    from html import unescape

    html = client.get("/?country=PS", headers={"Host": host}).get_data(as_text=True)
    match = re.search(r'iframe src=&#34;(.*?)&#34;|iframe src=&quot;(.*?)&quot;', html)
    assert match, "no embed snippet on the page"
    return unescape(unescape(match.group(1) or match.group(2)))


def test_the_embed_snippet_uses_public_url_never_the_host_header(db, geocoder, tmp_path):
    client = make_client(db, geocoder, tmp_path, PUBLIC_URL="https://map.example.org/team",
                         TRUSTED_HOSTS=["localhost", "other.example"])
    assert embed_src(client) == "https://map.example.org/team/embed?country=PS"
    assert embed_src(client, "other.example") == "https://map.example.org/team/embed?country=PS"


def test_without_public_url_the_snippet_names_the_default_address(client):
    assert embed_src(client, "127.0.0.1:9999") == "http://127.0.0.1:5000/embed?country=PS"


@pytest.mark.parametrize("bad", ["map.example.org", "ftp://map.example.org/",
                                 "https://", "https://[::1", "https://x/?a=1"])
def test_a_bad_public_url_is_refused_at_start(db, geocoder, tmp_path, bad):
    from webapp.errors import BriefingMapError

    with pytest.raises(BriefingMapError, match="PUBLIC_URL"):
        make_client(db, geocoder, tmp_path, PUBLIC_URL=bad)


# -- compression -------------------------------------------------------------------------

def test_geojson_responses_are_compressed(client):
    plain = client.get("/api/events")
    packed = client.get("/api/events", headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200 and packed.mimetype == "application/geo+json"
    assert packed.headers["Content-Encoding"] == "gzip"
    body = packed.get_data()
    assert len(body) < len(plain.get_data()) / 3
    assert gzip.decompress(body) == plain.get_data()


# -- serve's own address -----------------------------------------------------------------

def serve(db, *args, env=None):
    """``python -m webapp serve --port 0 ...``: (process, base URL, first stderr line)."""
    import os
    import re
    import subprocess
    import sys

    from conftest import ROOT

    process = subprocess.Popen(
        [sys.executable, "-m", "webapp", "serve", "--db", str(db), "--port", "0", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "BRIEFING_SNAPSHOT_BROWSER": "none", **(env or {})})
    match = re.search(r"http://\S+:(\d+)/", process.stdout.readline())
    assert match, process.stderr.read() if process.poll() is not None else "no address"
    return process, f"http://127.0.0.1:{match.group(1)}"


def fetch(url: str, host: str | None = None) -> tuple[int, str]:
    import time
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    for _ in range(150):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def stop(process) -> str:
    process.terminate()
    process.wait(timeout=20)
    process.stdout.close()
    errors = process.stderr.read()
    process.stderr.close()
    return errors


def test_serve_puts_its_own_address_in_the_embed_snippet_whatever_the_host(db):
    from html import unescape

    process, base = serve(db)
    try:
        status, html = fetch(base + "/?country=PS", host=f"localhost:{base.rsplit(':', 1)[1]}")
        assert status == 200
        assert f"{base}/embed?country=PS" in unescape(unescape(html))
        status, text = fetch(base + "/api/types", host="rebound.attacker.example")
        assert status == 400 and "host name" in text
    finally:
        assert "Only requests for localhost" not in stop(process)


def test_serve_on_every_interface_warns_while_only_loopback_names_are_trusted(db):
    process, base = serve(db, "--host", "0.0.0.0")
    try:
        assert fetch(base + "/api/types")[0] == 200
    finally:
        errors = stop(process)
    assert "BRIEFING_TRUSTED_HOSTS" in errors and "BRIEFING_PUBLIC_URL" in errors


def test_a_failing_online_geocoder_is_a_502_naming_no_internal_address(db, geocoder,
                                                                       tmp_path, caplog):
    from geopy.exc import GeocoderUnavailable

    class DownService:   # the network stand-in: the service's own error names its host
        def geocode(self, query, exactly_one=True, timeout=None):
            raise GeocoderUnavailable("HTTPConnectionPool(host='nominatim.internal', "
                                      "port=8080): Max retries exceeded")

    from webapp.geocoder import make_geocoder

    chain = make_geocoder({"GEOCODER_FALLBACK": DownService(), "GEOCODER_FALLBACK_DELAY": 0,
                           "INSTANCE_PATH": str(tmp_path)}, offline=geocoder)
    client = make_client(db, chain, tmp_path)
    response = client.get("/api/geocode?q=Somewhere Not Offline 12")
    assert response.status_code == 502 and "geocoder" in response.json["error"]
    assert "nominatim.internal" not in response.get_data(as_text=True)
    assert "nominatim.internal" in caplog.text
