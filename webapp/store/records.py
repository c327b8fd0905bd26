"""Whole-store records, the part every SQL store shares: what each table's records
hold (see :meth:`webapp.store.base.EventStore.export_records`), the SQL that reads
them, and writing them into an empty store inside the caller's transaction.

The SQL uses ``?`` placeholders and plain SQL both SQLite and PostgreSQL run; a store
hands :func:`write_all` a connection taking ``?`` (PostGIS: its ``_Qmark``) and its
own way of writing events (its bulk path) and of finding an article's id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby

from webapp.errors import StoreError
from webapp.store import audit, places
from webapp.store.base import RECORD_TABLES, event_from_row, event_rows

ARTICLE_KEYS = ("content_hash", "title", "url", "source", "published", "ingested_at")
USER_KEYS = ("name", "role", "password_hash", "login_key", "created_at")
TOKEN_KEYS = ("user", "token_hash", "kind", "created_at", "expires_at")
AUDIT_KEYS = ("at", "who", "action", "detail")
HISTORY_KEYS = ("event_id", "article_hash", "at", "old_values", "new_values")
FEED_KEYS = ("source", "etag", "last_modified", "failures", "next_try", "last_ok",
             "last_error")
FEED_ITEM_KEYS = ("source", "item_key", "seen_at")
_KEYS = {"articles": ARTICLE_KEYS, "users": USER_KEYS, "api_tokens": TOKEN_KEYS,
         "audit": AUDIT_KEYS, "event_history": HISTORY_KEYS, "feeds": FEED_KEYS,
         "feed_items": FEED_ITEM_KEYS}
# the tables without an id: read in the order of their keys
_ORDER = {"feeds": "source", "feed_items": "source, item_key"}


def read_sql(table: str, events_select: str, events_order: str) -> str:
    """The SELECT of ``table``'s records in the order they were stored; events are
    read with the store's own SELECT of :data:`READ_COLUMNS` (``events_select``),
    ordered by ``events_order`` (SQLite: ``e.rowid``, PostGIS: ``e.id``)."""
    if table == "events":
        return f"{events_select} ORDER BY {events_order}"
    if table == "places":
        return f"SELECT {', '.join(places.COLUMNS)} FROM places ORDER BY id"
    if table == "api_tokens":
        return ("SELECT u.name, t.token_hash, t.kind, t.created_at, t.expires_at "
                "FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id")
    order = _ORDER.get(table, "id")
    return f"SELECT {', '.join(_KEYS[table])} FROM {table} ORDER BY {order}"


def record(table: str, row: tuple):
    """The record for a row that :func:`read_sql` read."""
    if table == "events":
        return event_from_row(row)
    if table == "places":
        return places.place_from_row(row)
    found = dict(zip(_KEYS[table], row))
    if table == "audit":
        detail = found["detail"]
        found["detail"] = json.loads(detail) if isinstance(detail, str) and detail \
            else (detail or {})
    return found


# (connection, the events' rows, linked to their articles) -> how many were stored
WriteEvents = Callable[[object, Iterator[tuple]], int]


def write_all(conn, records: Iterable[tuple[str, object]], write_events: WriteEvents,
              by: str | None, about: dict | None, *,
              article_ids_first: bool = False) -> dict[str, int]:
    """Store ``records`` (``(table, record)`` pairs, tables in :data:`RECORD_TABLES`'
    order) in the empty store of ``conn``, inside the caller's transaction, which
    the caller rolls back on any error. The events' rows (:data:`EVENT_COLUMNS`,
    each ``article_id`` that of its article in this store) go to ``write_events``.

    Each event's article is looked up as its row goes by, unless
    ``article_ids_first``: then every article's id is read before the events (one
    query), for a ``write_events`` that cannot run a query while it takes rows (a
    PostgreSQL COPY holds its connection)."""
    held = [t for t in ("articles", "events", "users", "audit", "places")
            if conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()]
    if held:
        raise StoreError(f"the destination is not empty (it holds {', '.join(held)}); "
                         "copy into a new store")
    stored = dict.fromkeys(RECORD_TABLES, 0)
    done: set[str] = set()
    for table, pairs in groupby(records, key=lambda pair: pair[0]):
        if table not in stored or table in done or any(
                later in done for later in RECORD_TABLES[RECORD_TABLES.index(table) + 1:]):
            raise StoreError(f"records of {str(table)[:40]!r} out of order; nothing "
                             "was copied")
        done.add(table)
        items = (item for _, item in pairs)
        if table == "events":
            known = None
            if article_ids_first:
                known = dict(conn.execute("SELECT content_hash, id FROM articles")
                             .fetchall())
            stored[table] = write_events(conn, linked_rows(conn, items, known))
        else:
            stored[table] = _WRITERS[table](conn, items)
    if by is not None:
        audit.write(conn, by, "store.copy", {**(about or {}), **stored})
    return stored


def linked_rows(conn, events: Iterable, known: dict | None = None) -> Iterator[tuple]:
    """The events' rows (checked as every stored event is), each linked to the article
    its ``article_hash`` names in the store of ``conn`` (or in ``known``, content
    hash -> id, when given: then ``conn`` is not asked)."""
    current = [""]

    def remember(items):
        for event in items:
            current[0] = getattr(event, "article_hash", "")
            yield event

    ids: dict[str, int] = {}   # the articles of the latest events: they come in runs
    for row in event_rows(remember(events), None):
        content_hash = current[0]
        if content_hash:
            article_id = (known or ids).get(content_hash)
            if article_id is None:
                found = None if known is not None else conn.execute(
                    "SELECT id FROM articles WHERE content_hash = ?",
                    (content_hash,)).fetchone()
                if found is None:
                    raise StoreError(f"event {row[0]!r} belongs to an article that was "
                                     "not copied; nothing was copied")
                if len(ids) >= 10_000:
                    ids.clear()
                article_id = ids[content_hash] = found[0]
            row = (row[0], article_id, *row[2:])
        yield row


def _write_articles(conn, items) -> int:
    return conn.executemany(
        f"INSERT INTO articles ({', '.join(ARTICLE_KEYS)}) VALUES (?, ?, ?, ?, ?, ?)",
        (tuple(r[k] for k in ARTICLE_KEYS) for r in items)).rowcount


def _write_users(conn, items) -> int:
    return conn.executemany(
        f"INSERT INTO users ({', '.join(USER_KEYS)}) VALUES (?, ?, ?, ?, ?)",
        (tuple(r[k] for k in USER_KEYS) for r in items)).rowcount


def _write_tokens(conn, items) -> int:
    count = 0
    for r in items:
        added = conn.execute(
            "INSERT INTO api_tokens (user_id, token_hash, kind, created_at, expires_at) "
            "SELECT id, ?, ?, ?, ? FROM users WHERE name = ?",
            (r["token_hash"], r["kind"], r["created_at"], r["expires_at"], r["user"]))
        if added.rowcount != 1:
            raise StoreError(f"an API token belongs to {str(r['user'])[:64]!r}, a user "
                             "that was not copied; nothing was copied")
        count += 1
    return count


def _write_audit(conn, items) -> int:
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return conn.executemany(
        "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
        ((r["at"], r["who"], r["action"], dumps(r["detail"] or {})) for r in items)
    ).rowcount


def _plain_writer(table: str):
    """A writer of records that are a row each, as read."""
    keys = _KEYS[table]
    sql = (f"INSERT INTO {table} ({', '.join(keys)}) VALUES "
           f"({', '.join('?' * len(keys))})")

    def write(conn, items) -> int:
        return conn.executemany(sql, (tuple(r[k] for k in keys) for r in items)).rowcount

    return write


_WRITERS = {"articles": _write_articles, "users": _write_users,
            "api_tokens": _write_tokens, "audit": _write_audit, "places": places.write,
            **{t: _plain_writer(t) for t in ("event_history", "feeds", "feed_items")}}


def counts(conn) -> dict[str, int]:
    """How many records each table holds (table names are our own constants)."""
    return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in RECORD_TABLES}
