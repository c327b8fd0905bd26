"""What the store remembers of each watched source (``python -m webapp watch``): its
HTTP validators (ETag, Last-Modified), the items it has shown, and its failures with
the time of the next try.

A successful poll's state is written in the transaction that stores its new items'
articles and events (:class:`FeedUpdate`, passed to ``add_articles``), so a poll cut
short leaves neither items marked seen that were not stored nor the reverse. The SQL
uses ``?`` placeholders and runs on both stores.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from webapp.store.audit import now_text

MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class FeedState:
    """A source as the store remembers it (a source never polled has the defaults)."""

    source: str
    etag: str = ""
    last_modified: str = ""
    failures: int = 0             # failed polls since the last good one
    next_try: str | None = None   # ISO time, UTC: not polled again before it
    last_ok: str | None = None
    last_error: str = ""


@dataclass(frozen=True)
class FeedUpdate:
    """What a poll writes: the keys of items seen for the first time (with the
    transaction storing their articles), and at its end (``done``) the validators the
    server sent, which also mark the poll good."""

    source: str
    new_keys: tuple[str, ...] = field(default_factory=tuple)
    done: bool = False
    etag: str = ""
    last_modified: str = ""


def state(conn, source: str) -> FeedState:
    row = conn.execute("SELECT etag, last_modified, failures, next_try, last_ok, "
                       "last_error FROM feeds WHERE source = ?", (source,)).fetchone()
    return FeedState(source, *row) if row else FeedState(source)


def seen(conn, source: str, keys: Iterable[str]) -> set[str]:
    keys = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        found.update(k for (k,) in conn.execute(
            f"SELECT item_key FROM feed_items WHERE source = ? AND item_key IN ({marks})",
            (source, *chunk)).fetchall())
    return found


def _ensure(conn, source: str) -> None:
    conn.execute("INSERT INTO feeds (source) VALUES (?) ON CONFLICT (source) DO NOTHING",
                 (source,))


def write_success(conn, update: FeedUpdate) -> None:
    """Inside the caller's transaction: items seen, or (``done``) a good poll."""
    _ensure(conn, update.source)
    now = now_text()
    if update.done:
        conn.execute(
            "UPDATE feeds SET etag = ?, last_modified = ?, failures = 0, next_try = NULL, "
            "last_ok = ?, last_error = '' WHERE source = ?",
            (update.etag, update.last_modified, now, update.source))
    if update.new_keys:
        conn.executemany("INSERT INTO feed_items (source, item_key, seen_at) VALUES "
                         "(?, ?, ?) ON CONFLICT (source, item_key) DO NOTHING",
                         [(update.source, key, now) for key in update.new_keys])


def write_failure(conn, source: str, error: str, next_try: str) -> int:
    """Inside the caller's transaction: one more failure; returns how many in a row."""
    _ensure(conn, source)
    conn.execute("UPDATE feeds SET failures = failures + 1, next_try = ?, last_error = ? "
                 "WHERE source = ?", (next_try, error[:MAX_ERROR_CHARS], source))
    return conn.execute("SELECT failures FROM feeds WHERE source = ?",
                        (source,)).fetchone()[0]


class FeedRecords:
    """The store methods over these tables, for a store with ``_transaction()`` (a
    connection taking ``?`` placeholders) and ``database_errors``."""

    def feed_state(self, source: str) -> FeedState:
        return self._feeds_call(state, source)

    def feed_seen(self, source: str, keys: Iterable[str]) -> set[str]:
        return self._feeds_call(seen, source, keys)

    def feed_failed(self, source: str, error: str, next_try: str) -> int:
        return self._feeds_call(write_failure, source, error, next_try)

    def event_history(self, event_id: str) -> list:
        from webapp.store import history

        return self._feeds_call(history.read, event_id)

    def _feeds_call(self, func, *args):
        from webapp.errors import StoreError

        try:
            with self._transaction() as conn:
                return func(conn, *args)
        except self.database_errors as err:
            text = str(err).strip()
            first = text.splitlines()[0] if text else type(err).__name__
            raise StoreError(f"the event store {self.path}: {first}") from err
