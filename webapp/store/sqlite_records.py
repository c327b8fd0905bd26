"""The SQLite store's whole-store records: read out as plain (table, record) pairs and
written back in one transaction, for copies between stores of any kind (see
:meth:`webapp.store.base.EventStore.export_records` for the records' shape)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from itertools import groupby

from webapp.errors import StoreError
from webapp.store import audit
from webapp.store.base import RECORD_TABLES
from webapp.store.sqlite import _INSERT, _SELECT, _insert_many, event_from_row, event_rows

_BATCH = 1000   # rows fetched at a time

_ARTICLE_KEYS = ("content_hash", "title", "url", "source", "published", "ingested_at")
_USER_KEYS = ("name", "role", "password_hash", "login_key", "created_at")
_TOKEN_KEYS = ("user", "token_hash", "kind", "created_at", "expires_at")
_AUDIT_KEYS = ("at", "who", "action", "detail")

_READ = {
    "articles": f"SELECT {', '.join(_ARTICLE_KEYS)} FROM articles ORDER BY id",
    "events": f"{_SELECT} ORDER BY e.rowid",
    "users": f"SELECT {', '.join(_USER_KEYS)} FROM users ORDER BY id",
    "api_tokens": "SELECT u.name, t.token_hash, t.kind, t.created_at, t.expires_at "
                  "FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id",
    "audit": f"SELECT {', '.join(_AUDIT_KEYS)} FROM audit ORDER BY id",
}
_KEYS = {"articles": _ARTICLE_KEYS, "users": _USER_KEYS, "api_tokens": _TOKEN_KEYS,
         "audit": _AUDIT_KEYS}


def read_all(conn: sqlite3.Connection) -> Iterator[tuple[str, object]]:
    """Every record, table by table, inside one read transaction of ``conn`` (in WAL
    mode one moment of the file, however long the reading takes)."""
    conn.execute("BEGIN")
    try:
        for table in RECORD_TABLES:
            cursor = conn.execute(_READ[table])
            while batch := cursor.fetchmany(_BATCH):
                for row in batch:
                    yield table, _record(table, row)
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def _record(table: str, row: tuple):
    if table == "events":
        return event_from_row(row)
    record = dict(zip(_KEYS[table], row))
    if table == "audit":
        record["detail"] = json.loads(record["detail"]) if record["detail"] else {}
    return record


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    # table names are our own constants
    return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in RECORD_TABLES}


def write_all(conn: sqlite3.Connection, records: Iterable[tuple[str, object]],
              by: str | None, about: dict | None) -> dict[str, int]:
    """Store ``records`` in the empty store of ``conn``, inside the caller's
    transaction (which the caller rolls back on any error)."""
    held = [t for t in ("articles", "events", "users", "audit")
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
        stored[table] = _WRITERS[table](conn, (record for _, record in pairs))
    if by is not None:
        audit.write(conn, by, "store.copy", {**(about or {}), **stored})
    return stored


def _write_articles(conn, records) -> int:
    return conn.executemany(
        f"INSERT INTO articles ({', '.join(_ARTICLE_KEYS)}) VALUES (?, ?, ?, ?, ?, ?)",
        (tuple(r[k] for k in _ARTICLE_KEYS) for r in records)).rowcount


def _write_events(conn, events) -> int:
    # the bulk path of every import: counts tallied, indexes rebuilt at the end
    return _insert_many(conn, _linked_rows(conn, events),
                        _INSERT + " ON CONFLICT(event_id) DO NOTHING", False)


def _linked_rows(conn, events) -> Iterator[tuple]:
    """The events' rows (checked as every stored event is), each linked to the
    article its ``article_hash`` names in this store."""
    current = [""]

    def remember(items):
        for event in items:
            current[0] = getattr(event, "article_hash", "")
            yield event

    find = "SELECT id FROM articles WHERE content_hash = ?"
    for row in event_rows(remember(events), None):
        if current[0]:
            found = conn.execute(find, (current[0],)).fetchone()
            if found is None:
                raise StoreError(f"event {row[0]!r} belongs to an article that was not "
                                 "copied; nothing was copied")
            row = (row[0], found[0], *row[2:])
        yield row


def _write_users(conn, records) -> int:
    return conn.executemany(
        f"INSERT INTO users ({', '.join(_USER_KEYS)}) VALUES (?, ?, ?, ?, ?)",
        (tuple(r[k] for k in _USER_KEYS) for r in records)).rowcount


def _write_tokens(conn, records) -> int:
    count = 0
    for r in records:
        added = conn.execute(
            "INSERT INTO api_tokens (user_id, token_hash, kind, created_at, expires_at) "
            "SELECT id, ?, ?, ?, ? FROM users WHERE name = ?",
            (r["token_hash"], r["kind"], r["created_at"], r["expires_at"], r["user"]))
        if added.rowcount != 1:
            raise StoreError(f"an API token belongs to {str(r['user'])[:64]!r}, a user "
                             "that was not copied; nothing was copied")
        count += 1
    return count


def _write_audit(conn, records) -> int:
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return conn.executemany(
        "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
        ((r["at"], r["who"], r["action"], dumps(r["detail"] or {})) for r in records)
    ).rowcount


_WRITERS = {"articles": _write_articles, "events": _write_events, "users": _write_users,
            "api_tokens": _write_tokens, "audit": _write_audit}
