"""Watching feeds and folders: only new items are ingested, a restart ingests nothing
twice, an unchanged feed answers 304, and a bad feed (not XML, huge, redirecting
forever, too slow, an XML bomb) gets one log line and a later retry while the other
feeds go on.

Feeds are served by a local HTTP server in a thread; the reports in them are written
here and go through the real extractor and gazetteer into a real SQLite store."""

from __future__ import annotations

import hashlib
import http.server
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from conftest import run_cli
from webapp.store import SQLiteStore
from webapp.store.base import Filters
from webapp.watch import Watcher, parse_every

ALL = Filters(include_flagged=True)
EVERY = 300.0
START = datetime(2024, 5, 7, 8, 0, tzinfo=timezone.utc)

REPORTS = [
    ("Clashes in Jenin", "JENIN, West Bank (AP) -- Israeli forces clashed with Palestinian "
     "gunmen in Jenin on Monday; two gunmen were killed, the Palestinian Health Ministry "
     "said.", START - timedelta(days=1)),
    ("Rockets fired at Kiryat Shmona", "JERUSALEM (AP) -- Hezbollah fired rockets at "
     "Kiryat Shmona in northern Israel on Tuesday, causing damage but no injuries, the "
     "Israeli military said.", START),
    ("Protest in Amman", "AMMAN, Jordan (AP) -- Thousands of protesters marched in Amman "
     "on Tuesday to demand an end to the war.", START),
]


def rss(reports) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://news.example/{n}</link>"
        f"<description>{body}</description><pubDate>{format_datetime(day)}</pubDate>"
        f"</item>" for n, (title, body, day) in enumerate(reports))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Wire</title>{items}</channel></rss>").encode()


BOMB = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">'
        b']><rss><channel><item><title>&c;</title></item></channel></rss>')


class FeedServer:
    """Serves ``feeds[path]`` (bytes) with an ETag, and a few misbehaving paths."""

    def __init__(self):
        self.feeds: dict[str, bytes] = {}
        self.etags = True
        self.requests: list[str] = []
        self.not_modified = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                if self.path.startswith("/loop/"):
                    step = int(self.path.rsplit("/", 1)[1])
                    self.send_response(302)
                    self.send_header("Location", f"/loop/{step + 1}")
                    self.end_headers()
                elif self.path == "/slow.rss":
                    time.sleep(3)
                    self._send(rss(REPORTS[:1]))
                elif self.path == "/huge.rss":
                    self.send_response(200)   # no length: read until the server stops
                    self.end_headers()
                    try:
                        self.wfile.write(b"<rss>" + b"<item>x</item>" * 100_000)
                    except OSError:            # the watcher stopped reading
                        pass
                elif self.path in server.feeds:
                    body = server.feeds[self.path]
                    tag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
                    if server.etags and self.headers.get("If-None-Match") == tag:
                        server.not_modified += 1
                        self.send_response(304)
                        self.end_headers()
                        return
                    self._send(body, tag if server.etags else None)
                else:
                    self.send_error(404)

            def _send(self, body, tag=None):
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                if tag:
                    self.send_header("ETag", tag)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:   # the watcher gave up waiting
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    running = FeedServer()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def extractor(geocoder, regions):
    from webapp.extract.pipeline import Extractor

    return Extractor(geocoder, regions)


class Clock:
    def __init__(self):
        self.moment = START

    def __call__(self):
        return self.moment


def watcher(db, extractor, clock=None, lines=None):
    """A watcher as a new process would make it: a new store object on the file."""
    store = SQLiteStore(db)
    return Watcher(store, extractor, every=EVERY, by="test",
                   log=(lines.append if lines is not None else lambda line: None),
                   now=clock or Clock(), fetch_options={"timeout": 1.0,
                                                        "max_bytes": 256 * 1024})


def test_only_new_items_are_ingested_and_a_restart_ingests_nothing(tmp_path, server,
                                                                     extractor):
    db = tmp_path / "events.sqlite"
    server.feeds["/wire.rss"] = rss(REPORTS[:2])
    url = server.url("/wire.rss")

    first = watcher(db, extractor)
    [result] = first.poll_all([url])
    assert (result.items, result.new_items, result.articles) == (2, 2, 2)
    assert first.store.articles_count() == 2
    events = first.store.count(ALL)
    assert events >= 2 and result.events == events

    server.feeds["/wire.rss"] = rss(REPORTS)   # the feed gains an item
    [result] = first.poll_all([url])
    assert (result.items, result.new_items, result.articles) == (3, 1, 1)
    assert first.store.articles_count() == 3
    [protest] = first.store.query(Filters(types=("Protests",)))
    assert protest.location == "Amman"

    # unchanged: the server answers 304 to the ETag, nothing is read or stored
    [result] = first.poll_all([url])
    assert result.unchanged and server.not_modified == 1
    first.store.close()

    # a restart: a new store object, the ETag and the items seen come from the store
    again = watcher(db, extractor)
    [result] = again.poll_all([url])
    assert result.unchanged and server.not_modified == 2
    # and without ETags the whole feed is read, but every item is known already
    server.etags = False
    [result] = again.poll_all([url])
    assert (result.items, result.new_items, result.articles) == (3, 0, 0)
    assert again.store.articles_count() == 3 and again.store.count(ALL) == events + 1
    again.store.close()


def test_each_bad_feed_gets_one_line_and_a_later_retry_while_others_go_on(
        tmp_path, server, extractor):
    db = tmp_path / "events.sqlite"
    server.feeds["/good.rss"] = rss(REPORTS[:1])
    server.feeds["/page.html"] = b"<html><body><p>Not a feed<br></body></html>"
    server.feeds["/bomb.rss"] = BOMB
    bad = {"/page.html": "not a readable RSS/Atom feed",
           "/huge.rss": "too large",
           "/loop/0": "redirect",
           "/slow.rss": "within 1 s",
           "/bomb.rss": "possible XML bomb"}
    sources = [server.url(p) for p in bad] + [server.url("/good.rss")]
    clock, lines = Clock(), []
    watch = watcher(db, extractor, clock, lines)

    started = time.monotonic()
    results = {r.source: r for r in watch.poll_all(sources)}
    assert time.monotonic() - started < 15
    assert results[server.url("/good.rss")].articles == 1
    assert watch.store.articles_count() == 1
    for path, reason in bad.items():
        url = server.url(path)
        mine = [line for line in lines if line.startswith(url + ":")]
        assert len(mine) == 1, (path, lines)
        assert "failed" in mine[0] and reason in mine[0], mine
        assert "next try in 5 min" in mine[0]
        state = watch.store.feed_state(url)
        assert state.failures == 1 and state.next_try and reason in state.last_error
    assert all("\n" not in line and "Traceback" not in line for line in lines)

    # before the next try, a failing feed is left alone; the good one is polled
    asked = len(server.requests)
    lines.clear()
    clock.moment += timedelta(seconds=EVERY / 2)
    watch.poll_all(sources)
    assert server.requests[asked:] == ["/good.rss"]
    assert sum("waiting after failures" in line for line in lines) == len(bad)

    # after it, each is tried again and, failing again, waits twice as long
    clock.moment += timedelta(seconds=EVERY)
    lines.clear()
    watch.poll_all(sources)
    for path in bad:
        assert watch.store.feed_state(server.url(path)).failures == 2
        assert any(line.startswith(server.url(path)) and "next try in 10 min" in line
                   for line in lines)

    # a feed that comes right is read, and its failures are forgotten
    server.feeds["/page.html"] = rss(REPORTS[2:])
    clock.moment += timedelta(seconds=2 * EVERY + 1)
    [result] = watch.poll_all([server.url("/page.html")])
    assert not result.error and result.articles == 1
    assert watch.store.feed_state(server.url("/page.html")).failures == 0
    assert watch.store.articles_count() == 2
    watch.store.close()


def test_a_folder_source(tmp_path, extractor):
    db = tmp_path / "events.sqlite"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "jenin.txt").write_text(f"{REPORTS[0][0]}\n\n{REPORTS[0][1]}\n", "utf-8")
    (inbox / "broken.json").write_text("{not json", "utf-8")
    lines = []
    first = watcher(db, extractor, lines=lines)
    [result] = first.poll_all([str(inbox)])
    assert result.articles == 1 and first.store.articles_count() == 1
    assert sum("broken.json" in line and "not valid JSON" in line for line in lines) == 1
    [event] = first.store.query(ALL)
    assert event.location == "Janin"

    lines.clear()
    [result] = first.poll_all([str(inbox)])
    assert (result.new_items, result.articles) == (0, 0) and lines == [
        f"{inbox}: 0 new of 2 item(s), 0 article(s) stored, 0 new event(s)"]
    first.store.close()

    (inbox / "amman.txt").write_text(f"{REPORTS[2][0]}\n\n{REPORTS[2][1]}\n", "utf-8")
    again = watcher(db, extractor)
    [result] = again.poll_all([str(inbox)])
    assert (result.new_items, result.articles) == (1, 1)
    assert again.store.articles_count() == 2
    # the undated text file is dated the day it was first seen
    [protest] = again.store.query(Filters(types=("Protests",)))
    assert protest.event_date == START.date()
    again.store.close()


def test_intervals_and_the_command_line(tmp_path):
    assert parse_every("5m") == 300 and parse_every("90s") == 90 and parse_every("1h") == 3600
    for wrong in ("soon", "0s", "-5m", ""):
        with pytest.raises(ValueError):
            parse_every(wrong)
    done = run_cli("watch", str(tmp_path), "--every", "soon", "--once",
                   "--db", str(tmp_path / "e.sqlite"))
    assert done.returncode == 2 and "is not a duration like 5m" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_feed_state_is_kept_by_either_store(store_target):
    from webapp.store import open_store
    from webapp.store.feeds import FeedUpdate

    url = "https://news.example/wire.rss"
    with open_store(store_target) as store:
        assert store.feed_state(url).failures == 0 and store.feed_seen(url, ["a"]) == set()
        assert store.feed_failed(url, "no answer within 30 s",
                                 "2024-05-07T08:05:00+00:00") == 1
        assert store.feed_failed(url, "HTTP 503 Service Unavailable",
                                 "2024-05-07T08:15:00+00:00") == 2
        store.add_articles([], feed=FeedUpdate(url, ("a", "b")))
    with open_store(store_target) as store:   # as a restarted watcher finds it
        state = store.feed_state(url)
        assert (state.failures, state.last_error) == (2, "HTTP 503 Service Unavailable")
        assert store.feed_seen(url, ["a", "b", "c"]) == {"a", "b"}
        store.add_articles([], feed=FeedUpdate(url, done=True, etag='"v2"',
                                               last_modified="Tue, 07 May 2024 08:00:00 GMT"))
        state = store.feed_state(url)
        assert (state.failures, state.next_try, state.etag) == (0, None, '"v2"')
        assert state.last_modified == "Tue, 07 May 2024 08:00:00 GMT"


def test_the_command_polls_once_and_says_what_failed_in_one_line(tmp_path):
    import socket

    with socket.socket() as sock:   # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "jenin.txt").write_text(f"{REPORTS[0][0]}\n\n{REPORTS[0][1]}\n", "utf-8")
    db = tmp_path / "events.sqlite"
    dead = f"http://127.0.0.1:{port}/wire.rss"
    done = run_cli("watch", str(inbox), dead, "--once", "--db", str(db))
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in done.stderr
    assert lines[0].endswith(f"{inbox}: 1 new of 1 item(s), 1 article(s) stored, "
                             "1 new event(s)")
    assert f"{dead}: failed: cannot connect" in lines[1] and "next try in 5 min" in lines[1]
    with SQLiteStore(db) as store:
        assert store.articles_count() == 1 and store.feed_state(dead).failures == 1


def test_an_item_too_slow_to_read_is_passed_over_and_the_feed_goes_on(tmp_path, server,
                                                                        extractor):
    db = tmp_path / "events.sqlite"
    server.feeds["/wire.rss"] = rss(REPORTS[:2])
    url = server.url("/wire.rss")
    lines = []
    hurried = watcher(db, extractor, lines=lines)
    hurried.item_seconds = 0.0     # no time at all to read an item
    [result] = hurried.poll_all([url])
    assert not result.error and result.new_items == 2 and result.articles == 0
    assert sum("not read" in line and "took longer than" in line for line in lines) == 2
    assert hurried.store.feed_state(url).failures == 0
    hurried.store.close()
    # the items are not read again; the feed's next item is
    server.feeds["/wire.rss"] = rss(REPORTS)
    again = watcher(db, extractor)
    [result] = again.poll_all([url])
    assert (result.new_items, result.articles) == (1, 1)
    again.store.close()


def test_an_answer_cut_short_is_one_line(tmp_path, extractor):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def answer_badly():
        conn, _ = listener.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<rss><chan")
        conn.close()

    threading.Thread(target=answer_badly, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/wire.rss"
    lines = []
    watch = watcher(tmp_path / "events.sqlite", extractor, lines=lines)
    [result] = watch.poll_all([url])
    listener.close()
    assert len(lines) == 1 and "failed: the answer was cut short (10 of 5,000 bytes)" in lines[0]
    watch.store.close()
