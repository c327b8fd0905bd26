"""The event store in one SQLite file: no server to run.

Every write is one transaction, so a failure half way through a batch leaves the file
as it was. The schema is versioned with ``PRAGMA user_version``: :data:`MIGRATIONS`
has one function per version so a later release can bring an older file up to date,
and a file written by a newer release is refused instead of being misread.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from itertools import chain, islice
from pathlib import Path

from webapp.errors import FilterError, StoreError
from webapp.models import Article, Event
from webapp.store import audit
from webapp.store.base import (EVENT_COLUMNS, READ_COLUMNS, EventStore, Filters,
                               event_from_row, event_rows, make_filters)

# Marks the file as ours (PRAGMA application_id), so another program's database that
# happens to sit at the path is not silently extended with our tables.
APPLICATION_ID = 0x42524D50  # "BRMP"


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it commits first, and a migration must stay inside the
    # caller's transaction so that a failed one leaves the file at its old version.
    statement = ""
    for piece in script.split(";"):  # a ";" inside a comment does not end a statement
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \n;"):
                conn.execute(statement)
            statement = ""


def _create_v1(conn: sqlite3.Connection) -> None:
    _run_script(conn, """
        CREATE TABLE articles (
            id           INTEGER PRIMARY KEY,
            content_hash TEXT NOT NULL UNIQUE,
            title        TEXT NOT NULL DEFAULT '',
            url          TEXT NOT NULL DEFAULT '',
            source       TEXT NOT NULL DEFAULT '',
            published    TEXT,
            ingested_at  TEXT NOT NULL
        );
        -- Values are checked by event_problem(), shared by every store: as CHECK
        -- constraints the same rules took a quarter of an import's insert time.
        CREATE TABLE events (
            event_id       TEXT PRIMARY KEY NOT NULL CHECK (event_id <> ''),
            article_id     INTEGER REFERENCES articles(id) ON DELETE CASCADE,
            event_date     TEXT,
            time_precision INTEGER NOT NULL,
            event_type     TEXT NOT NULL,
            sub_event_type TEXT NOT NULL,
            category       TEXT NOT NULL,
            actor1         TEXT NOT NULL DEFAULT '',
            actor2         TEXT NOT NULL DEFAULT '',
            fatalities     INTEGER NOT NULL DEFAULT 0,
            location       TEXT NOT NULL DEFAULT '',
            latitude       REAL,
            longitude      REAL,
            geometry       TEXT,
            country_code   TEXT NOT NULL DEFAULT '',
            admin1         TEXT NOT NULL DEFAULT '',
            geo_precision  INTEGER NOT NULL,
            notes          TEXT NOT NULL DEFAULT '',
            source         TEXT NOT NULL DEFAULT '',
            span_start     INTEGER,
            span_end       INTEGER,
            is_total       INTEGER NOT NULL DEFAULT 0,
            is_historical  INTEGER NOT NULL DEFAULT 0,
            extra          TEXT
        );
        CREATE INDEX events_event_date ON events(event_date);
        CREATE INDEX events_event_type ON events(event_type);
        CREATE INDEX events_country_code ON events(country_code);
        -- for the foreign key (deleting an article), partial: imports cost nothing here
        CREATE INDEX events_article_id ON events(article_id) WHERE article_id IS NOT NULL
    """)


def _add_accounts_v2(conn: sqlite3.Connection) -> None:
    # Users, their API tokens and the audit trail live beside the events, so that one
    # file (and one backup) holds everything, and an article and its audit row commit
    # together. Passwords and tokens are stored as hashes only (webapp.store.accounts).
    _run_script(conn, """
        CREATE TABLE users (
            id            INTEGER PRIMARY KEY,
            name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
            role          TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
            password_hash TEXT NOT NULL,
            -- what a browser session names the user by: made anew with each new
            -- password, which ends the sessions opened with the old one
            login_key     TEXT NOT NULL UNIQUE,
            created_at    TEXT NOT NULL
        );
        CREATE TABLE api_tokens (
            id         INTEGER PRIMARY KEY,
            user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            -- 'api': Authorization: Bearer; 'login': a one-time login link
            kind       TEXT NOT NULL CHECK (kind IN ('api', 'login')),
            created_at TEXT NOT NULL,
            expires_at TEXT
        );
        CREATE INDEX api_tokens_user_id ON api_tokens(user_id);
        CREATE TABLE audit (
            id     INTEGER PRIMARY KEY,
            at     TEXT NOT NULL,
            who    TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        )
    """)


def _newest_first_v3(conn: sqlite3.Connection) -> None:
    # Every listing is newest first (ORDER BY event_date DESC, event_id): indexes in
    # that order let SQLite stop after the page's last row instead of sorting every
    # match, and one on the country before the date answers the map's usual question,
    # a country over some weeks. They carry the columns the type and flag filters read,
    # so rows that do not match are passed over in the index without reading the table.
    # 100,000 events: one country's 90 days of one type went from 60 ms to 3 ms, the
    # newest event of all from 140 ms (a full scan and sort) to 2 ms (bench/load.py).
    _run_script(conn, """
        DROP INDEX events_event_date;
        DROP INDEX events_country_code;
        CREATE INDEX events_newest ON events(event_date DESC, event_id, event_type,
            sub_event_type, category, is_total, is_historical);
        CREATE INDEX events_country_newest ON events(country_code, event_date DESC,
            event_id, event_type, sub_event_type, category, is_total, is_historical)
    """)


# version -> function bringing a file from version-1 to version. Append, never edit.
MIGRATIONS = {1: _create_v1, 2: _add_accounts_v2, 3: _newest_first_v3}
SCHEMA_VERSION = max(MIGRATIONS)

# article_hash is not stored twice: it comes from the article the event belongs to
_SELECT = ("SELECT " + ", ".join("a.content_hash" if c == "article_hash" else f"e.{c}"
                                 for c in READ_COLUMNS)
           + " FROM events e LEFT JOIN articles a ON a.id = e.article_id")

_INSERT = (f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES "
           f"({', '.join('?' * len(EVENT_COLUMNS))})")
_ON_CONFLICT_KEEP = " ON CONFLICT(event_id) DO NOTHING"
# An upsert rather than INSERT OR REPLACE, which would delete the old row and insert
# a new one instead of updating it; an event from an article stays linked to it.
_ON_CONFLICT_REPLACE = " ON CONFLICT(event_id) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in EVENT_COLUMNS if c not in ("event_id", "article_id"))


def connect(path: Path, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection with the one policy every process uses, server and CLI alike.

    Only SQLite ever opens the file. Opening it any other way (Python's ``open()`` to
    peek at the header, say) and closing that descriptor drops every POSIX lock the
    process holds on the file, SQLite's included: another process then believes it is
    alone, checkpoints and deletes the WAL under this one's readers, and they read a
    "malformed" database.
    """
    # autocommit mode: transactions are opened explicitly in SQLiteStore._transaction()
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None,
                           check_same_thread=True)
    try:
        # The header check: this first read makes SQLite look at the file's first page
        # and refuse a file that is not a database before anything is written (no
        # journal, no WAL), so such a file is left as it was.
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as err:
        conn.close()
        if "not a database" not in str(err):
            raise
        raise StoreError(f"{path} is not an SQLite database (refusing to overwrite it)") \
            from err
    try:
        # for text queries beyond ASCII, see _text_clause(); the columns are never NULL
        conn.create_function("bm_casefold", 1, str.casefold, deterministic=True)
        conn.execute("PRAGMA foreign_keys = ON")
        # WAL with synchronous=NORMAL stays consistent after a crash; at worst the
        # last commit is lost on power failure, and commits need no fsync.
        conn.execute("PRAGMA synchronous = NORMAL")
        # Bulk imports touch three indexes at once: a 64 MB page cache keeps their
        # pages in memory instead of re-reading them (SQLite's default is 2 MB).
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA temp_store = MEMORY")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


class SQLiteStore(EventStore):
    """Events and articles in the SQLite file at ``path`` (created when missing)."""

    def __init__(self, path, *, timeout: float = 30.0):
        self.path = Path(path)
        self._conn = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.is_dir():
                raise StoreError(f"{self.path} is a folder, not a database file")
            self._conn = connect(self.path, timeout)
            version = self._check_version()  # before anything is written to the file
            self._use_wal(timeout)
            self._migrate(version)
        except (OSError, sqlite3.Error, StoreError) as err:
            self.close()
            if isinstance(err, StoreError):
                raise
            raise StoreError(f"cannot open the event store {self.path}: {err}") from err

    def _use_wal(self, timeout: float) -> None:
        """Switch the file to WAL. SQLite refuses the switch at once ("database is
        locked"), without waiting out the busy timeout, while another connection is
        writing, as it is when two first openings race to create the tables; so the
        switch is retried here for as long as the timeout allows."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _check_version(self) -> int:
        conn = self._conn
        # One read transaction: another opening may commit the new file's tables and
        # version between two separate reads, which would look like a foreign database.
        conn.execute("BEGIN")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            conn.execute("COMMIT")
        if (version > 0 and app_id != APPLICATION_ID) or (version == 0 and tables):
            raise StoreError(f"{self.path} is an SQLite database of another program, "
                             f"not an event store")
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} has schema version {version}, newer than this "
                             f"program knows ({SCHEMA_VERSION}); upgrade the program")
        return version

    def _migrate(self, version: int) -> None:
        if version == SCHEMA_VERSION:
            return
        with self._transaction() as conn:
            # Another connection may have migrated while we waited for the write lock.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for target in range(version + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[target](conn)
            # PRAGMAs take no parameters; both values are our own integers
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        # IMMEDIATE takes the write lock at once, so two writers queue on the busy
        # timeout instead of one failing when it upgrades a read lock.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite may already have rolled back by itself
                conn.execute("ROLLBACK")
            raise

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"the event store {self.path} is closed")
        return self._conn

    def add_article(self, article: Article, events: Iterable[Event], *,
                    by: str | None = None) -> bool:
        try:
            with self._transaction() as conn:
                cur = conn.execute(
                    "INSERT INTO articles (content_hash, title, url, source, published, "
                    "ingested_at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(content_hash) DO NOTHING",
                    (article.content_hash, article.title, article.url, article.source,
                     article.published.isoformat() if article.published else None,
                     datetime.now(timezone.utc).isoformat(timespec="seconds")))
                if cur.rowcount == 0:
                    return False
                article_id = cur.lastrowid
                before = conn.total_changes
                conn.executemany(_INSERT, event_rows(events, article_id))
                if by is not None:
                    audit.write(conn, by, "article.add", {
                        "article": article.content_hash, "title": article.title[:80],
                        "events": conn.total_changes - before})
        except sqlite3.IntegrityError as err:
            raise StoreError(f"article {article.title[:60]!r} not stored: {err} "
                             f"(an event id is already taken?)") from err
        except sqlite3.Error as err:
            raise StoreError(f"article {article.title[:60]!r} not stored: {err}") from err
        return True

    def add_events(self, events: Iterable[Event], replace: bool = False, *,
                   by: str | None = None, about: dict | None = None) -> int:
        return self.add_rows(event_rows(events, None), replace, by=by, about=about)

    def add_rows(self, rows: Iterable[tuple], replace: bool = False, *,
                 by: str | None = None, about: dict | None = None) -> int:
        sql = _INSERT + (_ON_CONFLICT_REPLACE if replace else _ON_CONFLICT_KEEP)
        try:
            with self._transaction() as conn:
                before = conn.total_changes
                _insert_many(conn, sql, rows)
                count = conn.total_changes - before
                if by is not None:
                    audit.write(conn, by, "events.import",
                                {**(about or {}), "events": count, "replace": replace})
                return count
        except sqlite3.Error as err:
            raise StoreError(f"events not stored, the store is unchanged: {err}") from err

    def query(self, types=(), since=None, until=None, country=None, region=None, q=None,
              bbox=None, include_flagged=False, limit=None) -> list[Event]:
        where, params = _where(make_filters(types, since, until, country, region, q, bbox,
                                            include_flagged))
        # newest first; SQLite sorts NULL lowest, so undated events come last
        sql = f"{_SELECT}{where} ORDER BY e.event_date DESC, e.event_id"
        if limit is not None:
            if not isinstance(limit, int) or limit < 0:
                raise FilterError(f"limit must be a whole number >= 0: {limit!r}")
            sql += f" LIMIT {limit:d}"
        return [event_from_row(row) for row in self._read(sql, params)]

    def count_by_type(self, types=(), since=None, until=None, country=None, region=None,
                      q=None, bbox=None, include_flagged=False,
                      by: str = "event_type") -> dict[str, int]:
        if by not in ("event_type", "sub_event_type", "category", "event_date"):
            raise FilterError(f"count_by_type: by must be event_type, sub_event_type, "
                              f"category or event_date, not {by!r}")
        where, params = _where(make_filters(types, since, until, country, region, q, bbox,
                                            include_flagged))
        sql = (f"SELECT e.{by}, count(*) FROM events e{where} "
               f"GROUP BY e.{by} ORDER BY count(*) DESC, e.{by}")
        return dict(self._read(sql, params))

    def articles_count(self) -> int:
        return self._read("SELECT count(*) FROM articles", ())[0][0]

    def record(self, who: str, action: str, detail: dict) -> None:
        """Add an audit row for a change made outside the store's own writes."""
        try:
            with self._transaction() as conn:
                audit.write(conn, who, action, detail)
        except sqlite3.Error as err:
            raise StoreError(f"the audit trail cannot be written: {err}") from err

    def audit_trail(self, limit: int = 100) -> list[audit.AuditEntry]:
        """The newest ``limit`` audit rows, newest first."""
        try:
            return audit.read(self._connection(), limit)
        except sqlite3.Error as err:
            raise StoreError(f"reading the audit trail failed: {err}") from err

    def _read(self, sql: str, params) -> list[tuple]:
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.Error as err:
            raise StoreError(f"reading the event store {self.path} failed: {err}") from err

    def backup(self, dest, overwrite: bool = False) -> dict:
        dest = Path(dest)
        if dest.resolve() == self.path.resolve():
            raise StoreError("the backup cannot replace the store it copies")
        if dest.exists() and not overwrite:
            raise StoreError(f"{dest} exists already (give --overwrite to replace it)")
        if dest.is_dir():
            raise StoreError(f"{dest} is a folder, not a file name for the backup")
        # Written beside dest under another name, then renamed over it: a backup cut
        # short leaves no half file where the last good backup was.
        partial = dest.with_name(f".{dest.name}.partial")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            partial.unlink(missing_ok=True)
            target = sqlite3.connect(partial, isolation_level=None)
            try:
                # One step (pages=-1), not page batches: a step is one read transaction,
                # which in WAL mode sees one moment of the store and never blocks its
                # writers, whereas a batched copy starts over whenever another process
                # writes, and might never finish on a busy store.
                self._connection().backup(target, pages=-1)
                # the copy stands alone: one file, no WAL beside it
                target.execute("PRAGMA journal_mode = DELETE")
                if target.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise StoreError("the copy failed its check; nothing was replaced")
                events = target.execute("SELECT count(*) FROM events").fetchone()[0]
                articles = target.execute("SELECT count(*) FROM articles").fetchone()[0]
            finally:
                target.close()
            # the copy holds what the store holds: readable by those who may read it
            partial.chmod(self.path.stat().st_mode & 0o777)
            partial.replace(dest)
        except (OSError, sqlite3.Error, StoreError) as err:
            with suppress(OSError):   # there may be no folder to hold it
                partial.unlink(missing_ok=True)
            if isinstance(err, StoreError):
                raise
            raise StoreError(f"backup to {dest} failed: {err}") from err
        return {"events": events, "articles": articles, "bytes": dest.stat().st_size}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# Rows read ahead into an empty store before its indexes are set aside (see below).
BULK_ROWS = 10_000


def _insert_many(conn: sqlite3.Connection, sql: str, rows: Iterable[tuple]) -> None:
    """``executemany``; but a large batch into an empty table goes in without the
    secondary indexes, which are built again afterwards: building an index from
    all its rows at once is quicker than growing it row by row. Both happen inside
    the caller's transaction, so a failure restores the indexes with the rows."""
    if conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None:
        conn.executemany(sql, rows)
        return
    rows = iter(rows)
    head = list(islice(rows, BULK_ROWS))
    if len(head) < BULK_ROWS:
        conn.executemany(sql, head)
        return
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                           "AND tbl_name = 'events' AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        conn.execute('DROP INDEX "{}"'.format(name.replace('"', '""')))
    conn.executemany(sql, chain(head, rows))
    for _, create in indexes:
        conn.execute(create)


def _where(f: Filters) -> tuple[str, list]:
    """The WHERE clause (with its parameters) for validated filters."""
    clauses, params = [], []

    def add(clause: str, *values) -> None:
        clauses.append(clause)
        params.extend(values)

    if f.types:
        marks = ", ".join("?" * len(f.types))
        add(f"(e.event_type IN ({marks}) OR e.sub_event_type IN ({marks}) "
            f"OR e.category IN ({marks}))", *f.types * 3)
    if f.since:
        add("e.event_date >= ?", f.since)
    if f.until:
        add("e.event_date <= ?", f.until)
    if f.country:
        add("e.country_code = ?", f.country)
    if f.region:
        add("e.admin1 = ? COLLATE NOCASE", f.region)
    if f.q:
        add(*_text_clause(f.q))
    if f.bbox:
        west, south, east, north = f.bbox
        add("e.latitude BETWEEN ? AND ?", south, north)
        if west <= east:
            add("e.longitude BETWEEN ? AND ?", west, east)
        else:  # the box crosses the antimeridian (e.g. Fiji: 177 to -178)
            add("(e.longitude >= ? OR e.longitude <= ?)", west, east)
    if not f.include_flagged:
        add("e.is_total = 0 AND e.is_historical = 0")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


_TEXT_COLUMNS = ("e.notes", "e.location", "e.actor1", "e.actor2")


def _text_clause(q: str) -> tuple:
    """(clause, *params) finding ``q`` in any text column, ignoring case."""
    # LIKE ignores case for ASCII letters only; that covers English queries at full
    # speed. A query with other letters ("Ḥalab", "Şanlıurfa") is compared through
    # Python's casefold (bm_casefold) instead.
    if q.isascii():
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return ("(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in _TEXT_COLUMNS) + ")",
                *[pattern] * len(_TEXT_COLUMNS))
    return ("(" + " OR ".join(f"instr(bm_casefold({c}), ?) > 0" for c in _TEXT_COLUMNS)
            + ")", *[q.casefold()] * len(_TEXT_COLUMNS))
