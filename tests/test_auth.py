"""Users, roles, logins and the audit trail, through the real app, a real server, the
real command line and real SQLite files."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import pytest

from conftest import EDITOR, EDITOR_PASSWORD, ROOT, add_user, log_in, run_cli
from webapp.store import SCHEMA_VERSION, SQLiteStore
from webapp.store.accounts import Accounts
from webapp.web import create_app
from webapp.store.base import make_filters

ARTICLE = {
    "title": "Strike in Khan Younis",
    "text": "Strike in Khan Younis\n\nKHAN YOUNIS, Gaza -- Israeli aircraft struck a house "
            "in Khan Younis on Monday, killing three people, the civil defence said.\n",
    "published": "2024-05-08",
}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "events.sqlite"
    SQLiteStore(path).close()
    return path


@pytest.fixture
def tokens(db):
    """API tokens of an editor ("ed") and a viewer ("vi")."""
    return {"editor": add_user(db), "viewer": add_user(db, "vi", "viewer", "vi-password-1")}


def make_app(db, tmp_path, geocoder=None, **config):
    return create_app({"DB": str(db), "GEOCODER": geocoder, "TESTING": True,
                       "SNAPSHOT_BROWSER": "none", **config},
                      instance_path=tmp_path / "instance")


@pytest.fixture
def app(db, tmp_path, geocoder, tokens):
    return make_app(db, tmp_path, geocoder)


def articles_in(db) -> int:
    with SQLiteStore(db) as store:
        return store.articles_count()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def hidden_token(html: str) -> str:
    return unescape(re.search(r'name="csrf_token" value="([^"]+)"', html).group(1))


def meta_token(html: str) -> str:
    return unescape(re.search(r'<meta name="csrf-token" content="([^"]+)">', html).group(1))


# -- who may write --------------------------------------------------------------------

def test_anonymous_writes_are_refused_json_form_and_page(app, db):
    client = app.test_client()   # the test client comes from 127.0.0.1
    response = client.post("/api/articles", json=ARTICLE,
                           environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 401 and "log in" in response.json["error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.post("/api/articles", data={"text": ARTICLE["text"]},
                           headers={"Accept": "text/html"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    response = client.get("/paste")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/paste"
    # whatever the method or the address: nothing anonymous writes
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)("/api/articles", json=ARTICLE).status_code in (401, 405)
    assert articles_in(db) == 0


def test_anonymous_writes_over_loopback_to_a_real_server_are_refused(app, db):
    from browsing import serving

    refusals = []
    with serving(app) as url:
        # the server's own name, and a rebound one (refused for its Host before the login)
        for host in (None, "evil.example"):
            headers = {"Content-Type": "application/json"} | ({"Host": host} if host else {})
            request = urllib.request.Request(f"{url}/api/articles", method="POST",
                                             data=json.dumps(ARTICLE).encode(),
                                             headers=headers)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            refusals.append(refused.value.code)
    assert refusals == [401, 400]
    assert articles_in(db) == 0


def test_a_viewer_may_read_but_not_write(app, db, tokens):
    api = app.test_client(use_cookies=False)
    response = api.post("/api/articles", json=ARTICLE, headers=bearer(tokens["viewer"]))
    assert response.status_code == 403 and "editor" in response.json["error"]
    assert api.get("/api/events", headers=bearer(tokens["viewer"])).status_code == 200
    browser = log_in(app.test_client(), db, "vi")
    response = browser.get("/paste")
    assert response.status_code == 403 and "editor" in response.get_data(as_text=True)
    assert "vi (viewer)" in browser.get("/").get_data(as_text=True)
    assert articles_in(db) == 0


def test_an_editor_writes_with_an_api_token_and_no_csrf_token(app, db, tokens):
    api = app.test_client(use_cookies=False)
    response = api.post("/api/articles", json=ARTICLE, headers=bearer(tokens["editor"]))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert articles_in(db) == 1


@pytest.mark.parametrize("header", [
    "Bearer not-a-token", "Bearer ", "Basic ZWQ6ZWQtcGFzc3dvcmQtMQ==", "Bearer " + "x" * 5000,
])
def test_wrong_tokens_are_refused(app, db, header):
    response = app.test_client().post("/api/articles", json=ARTICLE,
                                      headers={"Authorization": header})
    assert response.status_code == 401 and "token" in response.json["error"]
    # a bad token is refused on reads too, rather than read as anonymous
    assert app.test_client().get("/api/events",
                                 headers={"Authorization": header}).status_code == 401
    assert articles_in(db) == 0


def test_expired_replaced_and_removed_users_tokens_are_refused(app, db, tokens):
    with SQLiteStore(db) as store:
        accounts = Accounts(store)
        expired = accounts.make_token(EDITOR, days=1e-9, by="test")   # gone at once
        week = accounts.make_token(EDITOR, days=7, by="test")
    api = app.test_client(use_cookies=False)
    assert api.post("/api/articles", json=ARTICLE, headers=bearer(expired)).status_code == 401
    assert api.get("/api/types", headers=bearer(week)).status_code == 200
    result = run_cli("users", "reset", EDITOR, "--no-password", "--token", "--db", str(db))
    assert result.returncode == 0, result.stderr
    fresh = re.search(r"API token.*: (\S+)", result.stdout).group(1)
    for old in (tokens["editor"], week):
        assert api.get("/api/types", headers=bearer(old)).status_code == 401
    assert api.get("/api/types", headers=bearer(fresh)).status_code == 200
    assert run_cli("users", "remove", EDITOR, "--db", str(db)).returncode == 0
    assert api.get("/api/types", headers=bearer(fresh)).status_code == 401
    assert articles_in(db) == 0


def test_passwords_and_tokens_are_never_stored_in_clear(app, db, tokens):
    log_in(app.test_client(), db)
    with SQLiteStore(db) as store:
        link = Accounts(store).make_login_link_token(EDITOR, by="test")
    secrets = [EDITOR_PASSWORD, "vi-password-1", tokens["editor"], tokens["viewer"], link]
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    raw = b"".join(p.read_bytes() for p in files)
    assert raw and not [s for s in secrets if s.encode() in raw]
    conn = sqlite3.connect(db)
    try:
        hashes = [h for (h,) in conn.execute("SELECT password_hash FROM users")]
        token_hashes = [h for (h,) in conn.execute("SELECT token_hash FROM api_tokens")]
    finally:
        conn.close()
    assert len(hashes) == 2 and all(h.startswith("scrypt:") for h in hashes)
    assert len(token_hashes) >= 3
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in token_hashes)


# -- CSRF for the session cookie ------------------------------------------------------

def test_json_writes_with_the_session_cookie_need_the_pages_csrf_token(app, db):
    browser = log_in(app.test_client(), db)
    token = meta_token(browser.get("/paste").get_data(as_text=True))
    other = meta_token(log_in(app.test_client(), db).get("/paste").get_data(as_text=True))
    for name, headers in [("none", {}), ("empty", {"X-CSRF-Token": ""}),
                          ("another browser's", {"X-CSRF-Token": other}),
                          ("from another site", {"X-CSRF-Token": token,
                                                 "Origin": "https://evil.example"})]:
        response = browser.post("/api/articles", json=ARTICLE, headers=headers)
        assert response.status_code == 403, name
        assert "nothing was stored" in response.json["error"], name
    assert articles_in(db) == 0
    response = browser.post("/api/articles", json=ARTICLE, headers={"X-CSRF-Token": token})
    assert response.status_code == 201 and articles_in(db) == 1


def test_logging_in_needs_the_forms_token_and_the_right_password(app, db):
    browser = app.test_client()
    form = browser.get("/login?next=/paste").get_data(as_text=True)
    fields = {"name": EDITOR, "password": EDITOR_PASSWORD, "next": "/paste"}
    assert browser.post("/login", data=fields).status_code == 403   # no token
    wrong = browser.post("/login", data={**fields, "password": "not-it-at-all",
                                         "csrf_token": hidden_token(form)})
    assert wrong.status_code == 401 and "Wrong name or password" in wrong.get_data(True)
    assert browser.get("/paste").status_code == 303   # still not logged in
    right = browser.post("/login", data={**fields, "csrf_token": hidden_token(form)})
    assert right.status_code == 303 and right.headers["Location"] == "/paste"
    assert browser.get("/paste").status_code == 200
    # the login form only ever leads back to this server
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example",
                   "/\t/evil.example", "/\n/evil.example"):
        other = app.test_client()
        form = other.get("/login").get_data(as_text=True)
        response = other.post("/login", data={**fields, "next": target,
                                              "csrf_token": hidden_token(form)})
        assert response.status_code == 303 and response.headers["Location"] == "/", target


def test_logging_out_and_a_new_password_end_the_session(app, db):
    browser = log_in(app.test_client(), db)
    page = browser.get("/logout").get_data(as_text=True)
    assert browser.post("/logout").status_code == 403   # a forged logout does nothing
    assert browser.get("/paste").status_code == 200
    assert browser.post("/logout", data={"csrf_token": hidden_token(page)}).status_code == 303
    assert browser.get("/paste").status_code == 303
    browser = log_in(app.test_client(), db)
    with SQLiteStore(db) as store:
        Accounts(store).set_password(EDITOR, "a-new-password", by="test")
    assert browser.get("/paste").status_code == 303


# -- reading --------------------------------------------------------------------------

def test_read_access_login_hides_pages_and_the_api_from_anonymous_users(db, tmp_path,
                                                                        tokens, monkeypatch):
    monkeypatch.setenv("BRIEFING_READ_ACCESS", "login")
    app = make_app(db, tmp_path)
    assert app.config["READ_ACCESS"] == "login"
    anonymous = app.test_client()
    for url in ("/", "/embed", "/snapshot.png", "/?type=strike"):
        response = anonymous.get(url)
        assert response.status_code == 303, url
        assert response.headers["Location"].startswith("/login?next=/"), url
    for url in ("/api/events", "/api/types", "/api/regions"):
        response = anonymous.get(url)
        assert response.status_code == 401 and "logged-in" in response.json["error"], url
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/static/leaflet/leaflet.js").status_code == 200
    viewer = log_in(app.test_client(), db, "vi")
    assert viewer.get("/").status_code == 200
    reader = app.test_client(use_cookies=False)
    assert reader.get("/api/types", headers=bearer(tokens["viewer"])).status_code == 200
    # public (the default): anyone reads
    monkeypatch.delenv("BRIEFING_READ_ACCESS")
    assert make_app(db, tmp_path).test_client().get("/api/types").status_code == 200


def test_an_unknown_read_access_setting_is_refused(db, tmp_path):
    from webapp.errors import ConfigError

    with pytest.raises(ConfigError, match="public or login"):
        make_app(db, tmp_path, READ_ACCESS="everyone")


def test_g_user_names_who_is_asking(db, tmp_path, tokens):
    from flask import g

    app = make_app(db, tmp_path)

    @app.get("/whoami")
    def whoami():
        user = g.get("user")
        return {"name": user.name, "role": user.role} if user else {"name": None}

    assert app.test_client().get("/whoami").json == {"name": None}
    assert app.test_client().get("/whoami", headers=bearer(tokens["viewer"])).json == {
        "name": "vi", "role": "viewer"}
    assert log_in(app.test_client(), db).get("/whoami").json == {"name": EDITOR,
                                                                 "role": "editor"}


# -- the first start ------------------------------------------------------------------

def test_the_first_start_makes_an_admin_and_a_link_that_logs_in_once(tmp_path):
    db = tmp_path / "fresh.sqlite"
    env = {**os.environ, "BRIEFING_SNAPSHOT_BROWSER": "none"}
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp", "serve", "--db", str(db), "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = [process.stdout.readline() for _ in range(5)]
        text = "".join(lines)
        link = re.search(r"(http://127\.0\.0\.1:\d+/login\?token=\S+)", text)
        assert link, (text, process.stderr.read() if process.poll() is not None else "")
        assert "python -m webapp users add NAME --role editor" in text
        base = link.group(1).split("/login")[0]
        first = _browser()
        answer = _open(first, link.group(1))
        assert answer.status == 200 and answer.url == base + "/"
        assert "admin (admin)" in answer.read().decode()
        assert "Log in" not in _open(first, base + "/paste").read().decode()
        second = _browser()
        with pytest.raises(urllib.error.HTTPError) as spent:
            _open(second, link.group(1))
        assert spent.value.code == 401 and "used up" in spent.value.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
    with SQLiteStore(db) as store:
        assert [(u.name, u.role) for u, _ in Accounts(store).list()] == [("admin", "admin")]
        assert [e.action for e in store.audit_trail()] == ["login.link", "user.add"]


def _browser():
    from http.cookiejar import CookieJar

    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def _open(opener, url):
    deadline = time.monotonic() + 30
    while True:
        try:
            return opener.open(url, timeout=30)
        except urllib.error.URLError as err:
            if isinstance(err, urllib.error.HTTPError) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_no_new_admin_when_a_user_exists(db, tokens):
    with SQLiteStore(db) as store:
        assert Accounts(store).add_first_admin(by="test") is None
        assert len(Accounts(store).list()) == 2


# -- the command line -----------------------------------------------------------------

def test_the_users_commands_end_to_end(db, tmp_path, geocoder):
    def cli(*args, input_text=None):
        result = run_cli("users", *args, "--db", str(db), input_text=input_text)
        assert "Traceback" not in result.stderr
        return result

    added = cli("add", "alice", "--role", "editor", input_text="alice-secret-1\n")
    assert added.returncode == 0 and "added alice (editor)" in added.stdout
    robot = cli("add", "robot", "--role", "viewer", "--generate-password", "--token")
    assert robot.returncode == 0
    password = re.search(r"password: (\S+)", robot.stdout).group(1)
    token = re.search(r"API token \(shown once\): (\S+)", robot.stdout).group(1)
    assert len(password) >= 12 and len(token) >= 40
    listed = cli("list").stdout.splitlines()
    assert listed == ["alice\teditor\t0 API token(s)", "robot\tviewer\t1 API token(s)"]
    assert cli("role", "robot", "editor").returncode == 0
    another = cli("token", "robot", "--days", "30").stdout.strip()
    more = re.search(r": (\S+)$", another).group(1)

    app = make_app(db, tmp_path, geocoder)
    api = app.test_client(use_cookies=False)
    response = api.post("/api/articles", json=ARTICLE, headers=bearer(token))
    assert response.status_code == 201          # robot is an editor now
    assert api.get("/api/types", headers=bearer(more)).status_code == 200
    browser = app.test_client()
    form = browser.get("/login").get_data(as_text=True)
    response = browser.post("/login", data={"name": "alice", "password": "alice-secret-1",
                                            "csrf_token": hidden_token(form)})
    assert response.status_code == 303

    reset = cli("reset", "alice", "--generate-password")
    assert reset.returncode == 0
    assert browser.get("/paste").status_code == 303   # the old session ended
    new = re.search(r"new password for alice: (\S+)", reset.stdout).group(1)
    with SQLiteStore(db) as store:
        assert Accounts(store).check_password("alice", new)
        assert not Accounts(store).check_password("alice", "alice-secret-1")

    # mistakes: one line, exit status 1, nothing changed
    for args, words, input_text in [
            (("add", "alice"), "already exists", "another-password\n"),
            (("add", "bob"), "at least 8", "short\n"),
            (("add", "no good"), "user name", None),
            (("remove", "nobody"), "no user named 'nobody'", None),
            (("reset", "nobody", "--generate-password"), "no user named", None)]:
        result = cli(*args, input_text=input_text)
        assert result.returncode == 1 and result.stderr.startswith("error: "), args
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1, args
    assert cli("role", "alice", "chief").returncode == 2    # click: not one of the roles
    missing = run_cli("users", "list", "--db", str(tmp_path / "typo.sqlite"))
    assert missing.returncode == 1 and "no event store" in missing.stderr
    assert not (tmp_path / "typo.sqlite").exists()
    assert cli("remove", "robot").returncode == 0
    assert cli("list").stdout.splitlines() == ["alice\teditor\t0 API token(s)"]
    assert api.get("/api/types", headers=bearer(token)).status_code == 401


# -- the audit trail ------------------------------------------------------------------

def test_every_write_is_in_the_audit_trail_with_who_when_and_what(app, db, tokens, tmp_path):
    api = app.test_client(use_cookies=False)
    response = api.post("/api/articles", json=ARTICLE, headers=bearer(tokens["editor"]))
    posted = json.loads(response.get_data(as_text=True))
    article = tmp_path / "report.txt"
    article.write_text("Shelling in Tyre\n\nTYRE, Lebanon -- Israeli artillery shelled "
                       "the outskirts of Tyre on Tuesday, wounding two people.\n")
    assert run_cli("ingest", str(article), "--published", "2024-05-07",
                   "--db", str(db)).returncode == 0
    exported = tmp_path / "events.geojson"
    assert run_cli("export", "--db", str(db), "-o", str(exported)).returncode == 0
    assert run_cli("import", str(exported), "--db", str(db)).returncode == 0
    assert run_cli("users", "remove", "vi", "--db", str(db)).returncode == 0

    with SQLiteStore(db) as store:
        trail = store.audit_trail(limit=10)
        events = len(store.query(make_filters(include_flagged=True)))
    newest_first = [(e.who.split(":")[0], e.action) for e in trail]
    assert newest_first[:4] == [("cli", "user.remove"), ("cli", "events.import"),
                                ("cli", "article.add"), (EDITOR, "article.add")]
    web = trail[3]
    assert web.detail["article"] == posted["article"]
    assert web.detail["events"] == len(posted["features"]) > 0
    assert trail[1].detail == {"file": "events.geojson", "events": events, "replace": True}
    assert trail[0].detail == {"user": "vi"}
    assert all(e.who != "cli:" and e.who.startswith(("cli:", EDITOR, "test"))
               for e in trail)
    now = datetime.now(timezone.utc)
    assert all(timedelta(0) <= now - datetime.fromisoformat(e.at) < timedelta(minutes=10)
               for e in trail)

    shown = run_cli("audit", "--limit", "2", "--db", str(db))
    lines = shown.stdout.splitlines()
    assert shown.returncode == 0 and len(lines) == 2
    assert lines[0].split("\t")[2:] == ["user.remove", '{"user": "vi"}']
    assert lines[1].split("\t")[1].startswith("cli:")


def test_a_duplicate_article_writes_no_audit_row(app, db, tokens):
    api = app.test_client(use_cookies=False)
    for _ in range(2):
        api.post("/api/articles", json=ARTICLE, headers=bearer(tokens["editor"]))
    with SQLiteStore(db) as store:
        assert [e.action for e in store.audit_trail()].count("article.add") == 1


def test_an_old_store_is_brought_up_to_date_with_its_articles_kept(tmp_path):
    from webapp.store.schema import MIGRATIONS

    path = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[1](conn)
    conn.execute("INSERT INTO articles (content_hash, ingested_at) VALUES ('h', 'now')")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("PRAGMA application_id = 1112690000")   # 0x42524D50
    conn.close()
    with SQLiteStore(path) as store:
        assert store.articles_count() == 1
        Accounts(store).add("ann", "admin", "ann-password", by="test")
        assert [u.name for u, _ in Accounts(store).list()] == ["ann"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
    conn.close()


def test_a_refused_cross_site_form_leaves_the_browsers_session_alone(app, db):
    # SameSite=Lax keeps the cookie off another site's form post; the refusal must not
    # answer with a new cookie either, which would log the browser's user out
    stranger = app.test_client()
    response = stranger.post("/api/articles", data={"text": ARTICLE["text"]},
                             headers={"Accept": "text/html", "Origin": "https://evil.example"})
    assert response.status_code == 403 and "Set-Cookie" not in response.headers
    assert "Nothing was stored" in response.get_data(as_text=True)
    assert articles_in(db) == 0


def test_any_new_write_needs_an_editor_even_if_its_view_asks_for_less(db, tmp_path, tokens):
    from webapp.web.auth import requires

    app = make_app(db, tmp_path)
    done = []

    @app.post("/api/corrections")
    @requires("viewer")
    def correct():
        done.append(1)
        return {"ok": True}

    client = app.test_client(use_cookies=False)
    assert client.post("/api/corrections", json={}).status_code == 401
    assert client.post("/api/corrections", json={},
                       headers=bearer(tokens["viewer"])).status_code == 403
    assert client.post("/api/corrections", json={},
                       headers=bearer(tokens["editor"])).status_code == 200
    assert done == [1]
