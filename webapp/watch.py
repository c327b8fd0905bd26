"""Watching sources (RSS/Atom feeds over HTTP(S), and folders) for new reports: each
poll ingests only the items not seen before, through the ingest path every article
takes (:func:`webapp.ingest_run.store_article`: extraction, corrections, one
transaction per article).

What the watcher knows lives in the store (:mod:`webapp.store.feeds`), so a restart
re-ingests nothing: a feed's ETag and Last-Modified for conditional requests, the key
of every item seen (a feed item's content hash; a folder file's name, size and time),
and its failures. An item's key is written in the transaction that stores its
article, so a poll cut short leaves no item marked seen that was not stored.

A source that fails (no answer, too large, not a feed, an XML bomb, a redirect loop)
gets one log line and is tried again later, after a delay doubling with each failure
in a row; the other sources go on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from webapp.errors import BriefingMapError
from webapp.extract.budget import ExtractionError
from webapp.feed_fetch import fetch, is_url
from webapp.ingest import IngestError, expand, parse_feed, read_file
from webapp.ingest_run import store_article
from webapp.models import Article
from webapp.store.feeds import FeedUpdate

MAX_BACKOFF_SECONDS = 6 * 3600
ITEM_SECONDS = 60.0    # extraction time one feed item may take (its text is untrusted)


@dataclass
class PollResult:
    """What one poll of one source did."""

    source: str
    items: int = 0          # items the source showed
    new_items: int = 0      # of them not seen before
    articles: int = 0       # articles stored (new items already stored elsewhere are not)
    events: int = 0         # events stored as new
    unchanged: bool = False  # the server answered 304
    error: str = ""
    retry_in: float = 0.0   # seconds, after an error
    skipped_until: str = ""  # not polled: still waiting after a failure
    problems: list[str] = field(default_factory=list)   # files of a folder not read

    def line(self) -> str:
        """One log line."""
        if self.skipped_until:
            return f"{self.source}: waiting after failures, next try at {self.skipped_until}"
        if self.error:
            return (f"{self.source}: failed: {self.error}; next try in "
                    f"{_duration(self.retry_in)}")
        if self.unchanged:
            return f"{self.source}: unchanged"
        return (f"{self.source}: {self.new_items} new of {self.items} item(s), "
                f"{self.articles} article(s) stored, {self.events} new event(s)")


def source_name(source: str) -> str:
    """How the store names a source: a URL as given, a folder by its absolute path."""
    return source if is_url(source) else str(Path(source).expanduser().resolve())


class Watcher:
    """Polls sources into ``store``, extracting with ``extractor``; ``every`` (seconds)
    is the time between polls and the first delay after a failure."""

    def __init__(self, store, extractor, *, every: float, by: str | None = None,
                 log: Callable[[str], None] = lambda line: None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 fetch_options: dict | None = None, item_seconds: float = ITEM_SECONDS):
        self.store, self.extractor, self.every = store, extractor, every
        self.item_seconds = item_seconds
        self.by, self.log, self.now = by, log, now
        self.fetch_options = fetch_options or {}

    def poll_all(self, sources) -> list[PollResult]:
        results = []
        for source in sources:
            result = self.poll(source)
            self.log(result.line())
            for problem in result.problems:
                self.log(f"{result.source}: {problem}")
            results.append(result)
        return results

    def run(self, sources, *, sleep: Callable[[float], None] = time.sleep) -> None:
        """Poll every source, wait ``every`` seconds, and again, until interrupted."""
        while True:
            self.poll_all(sources)
            sleep(self.every)

    def poll(self, source: str) -> PollResult:
        name = source_name(source)
        state = self.store.feed_state(name)
        if state.next_try and state.next_try > _iso(self.now()):
            return PollResult(name, skipped_until=state.next_try)
        try:
            if is_url(name):
                return self._poll_feed(name, state)
            return self._poll_folder(name)
        except BriefingMapError as err:
            # (messages about the feed's text name it first: said once is enough)
            return self._failed(name, state.failures,
                                _one_line(err).removeprefix(f"{name}: "))

    # -- feeds over HTTP(S) -------------------------------------------------------------

    def _poll_feed(self, url: str, state) -> PollResult:
        fetched = fetch(url, etag=state.etag, last_modified=state.last_modified,
                        **self.fetch_options)
        result = PollResult(url)
        if fetched.body is None:
            result.unchanged = True
        else:
            articles = parse_feed(fetched.body, url)
            result.items = len(articles)
            keyed = {a.content_hash: a for a in articles}
            seen = self.store.feed_seen(url, keyed)
            for key, article in keyed.items():
                if key not in seen:
                    self._ingest(result, self._dated(article), FeedUpdate(url, (key,)))
        self.store.add_articles([], feed=FeedUpdate(url, done=True, etag=fetched.etag,
                                                    last_modified=fetched.last_modified))
        return result

    # -- folders --------------------------------------------------------------------------

    def _poll_folder(self, folder: str) -> PollResult:
        path = Path(folder)
        if not path.is_dir():
            raise IngestError(f"{folder}: no such folder (give a folder or an "
                              f"http(s) feed address)")
        files = {_file_key(path, f): f for f in expand([path])}
        result = PollResult(folder, items=len(files))
        seen = self.store.feed_seen(folder, files)
        for key, file in files.items():
            if key in seen:
                continue
            try:
                articles = read_file(file)
            except IngestError as err:   # this file only: marked seen until it changes
                result.problems.append(_one_line(err))
                result.new_items += 1
                self.store.add_articles([], feed=FeedUpdate(folder, (key,)))
                continue
            for number, article in enumerate(articles, 1):
                keys = (key,) if number == len(articles) else ()
                self._ingest(result, self._dated(article), FeedUpdate(folder, keys),
                             count_item=number == 1)
        self.store.add_articles([], feed=FeedUpdate(folder, done=True))
        return result

    # -- shared -----------------------------------------------------------------------------

    def _ingest(self, result: PollResult, article: Article, update: FeedUpdate, *,
                count_item: bool = True) -> None:
        result.new_items += 1 if count_item else 0
        try:
            events = self.extractor.events(article, time_limit=self.item_seconds)
        except ExtractionError as err:
            # this item only: marked seen, so one bad item never holds up the feed
            result.problems.append(f"item {article.title[:60]!r} not read: "
                                   f"{_one_line(err)}")
            self.store.add_articles([], feed=update)
            return
        stored, added = store_article(self.store, article, events, by=self.by,
                                      feed=update)
        result.articles += 1 if stored else 0
        result.events += len(added)

    def _dated(self, article: Article) -> Article:
        # an item without a date is dated the day it was first seen
        return article if article.published else replace(article,
                                                         published=self.now().date())

    def _failed(self, name: str, failures_before: int, message: str) -> PollResult:
        delay = min(self.every * 2 ** failures_before, MAX_BACKOFF_SECONDS)
        delay = max(delay, 1.0)
        next_try = _iso(self.now() + timedelta(seconds=delay))
        self.store.feed_failed(name, message, next_try)
        return PollResult(name, error=message, retry_in=delay)


def parse_every(text: str) -> float:
    """"5m", "90s", "1h" or a number of seconds, as seconds (at least 1)."""
    text = (text or "").strip().lower()
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], units[text[-1]]) if text[-1:] in units else (text, 1)
    try:
        seconds = float(number) * unit
    except ValueError:
        raise ValueError(f"{text!r} is not a duration like 5m, 90s or 1h") from None
    if not seconds >= 1:
        raise ValueError(f"{text!r}: the interval must be at least 1 second")
    return seconds


def _file_key(folder: Path, file: Path) -> str:
    # name, size and modification time: a file changed in place is read again (its
    # articles already stored are skipped by their content hash)
    try:
        info = file.stat()
    except OSError:
        return f"{file.relative_to(folder).as_posix()}|?"
    return f"{file.relative_to(folder).as_posix()}|{info.st_size}|{info.st_mtime_ns}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())[:300] or type(err).__name__


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"

