"""The event store in a PostgreSQL database with PostGIS: one store shared by several
map servers and by ingest workers.

It holds what the SQLite store holds and answers every question with the same SQL
(:mod:`webapp.store.clauses`, :mod:`webapp.store.aggregates`, in PostgreSQL's words),
so the two give the same answers; boxes are found through a PostGIS point column and
its GiST index. Connections come from a pool, so one store serves every thread of a
server. Each write is one transaction. Writers take a lock on the events table in
turn (readers never wait for it): events are numbered in the order they are written,
as SQLite's rowids are, which is what lets a bulk write's counts be tallied in Python
rather than grouped again in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg.adapt import Loader
from psycopg_pool import ConnectionPool, PoolTimeout

from webapp.errors import StoreError
from webapp.models import Article, Event
from webapp.store import audit, clauses, feeds, history, postgis_counts, postgis_rows
from webapp.store.aggregates import Aggregates
from webapp.store.changes import ChangesMixin
from webapp.store.aggregates import checked as _checked
from webapp.store.base import (EVENT_COLUMNS, RECORD_TABLES, EventStore, Filters,
                               event_from_row, event_rows)
from webapp.store.feeds import FeedRecords, FeedUpdate
from webapp.store.listing import SELECT as _SELECT
from webapp.store.listing import Listing
from webapp.store.dialect import POSTGRES
from webapp.store.postgis_schema import (APPLICATION, MIGRATION_LOCK, MIGRATIONS,
                                         SCHEMA_VERSION)

_BATCH = 1000         # rows fetched at a time by iter_events
CONNECT_SECONDS = 10
ACCOUNTS_LOCK = MIGRATION_LOCK + 1   # held by each write to users, tokens and the audit


class _WholeNumbers(Loader):
    """PostgreSQL's sum() of integers is NUMERIC; read whole ones as int, as SQLite
    gives them, and the others as float."""

    def load(self, data):
        text = bytes(data).decode()
        if "." in text or "e" in text.lower() or text in ("NaN", "Infinity", "-Infinity"):
            return float(text)
        return int(text)


def _configure(conn: psycopg.Connection) -> None:
    conn.adapters.register_loader("numeric", _WholeNumbers)


class _Qmark:
    """A connection for SQL written with SQLite's ``?`` placeholders (the accounts'
    and the audit trail's, shared by both stores)."""

    def __init__(self, conn: psycopg.Connection):
        self._conn = conn

    def execute(self, sql: str, params=()):
        return self._conn.execute(POSTGRES.from_qmarks(sql), params)

    def executemany(self, sql: str, rows):
        cur = self._conn.cursor()
        cur.executemany(POSTGRES.from_qmarks(sql), rows)
        return cur


class PostGISStore(FeedRecords, Listing, Aggregates, ChangesMixin, EventStore):
    """Events and articles in the PostgreSQL database at ``url``
    (``postgresql://user:password@host:port/dbname``), created in it when missing."""

    _dialect = POSTGRES
    integrity_errors = (psycopg.IntegrityError,)
    database_errors = (psycopg.Error,)

    def __init__(self, url: str, *, pool_size: int = 8, timeout: float = CONNECT_SECONDS):
        from webapp.store import describe

        self.url = url
        self.path = describe(url)   # what messages name the store by
        self._pool = None
        try:
            # one connection first: its error says what is wrong (no server, no such
            # database, a refused password), where a pool would only time out
            with psycopg.connect(url, connect_timeout=max(1, int(timeout))) as conn:
                self._migrate(conn)
        except psycopg.Error as err:
            raise StoreError(f"cannot open the event store {self.path}: "
                             f"{_first_line(err)}") from err
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False,
                                    configure=_configure, timeout=max(timeout, 30),
                                    kwargs={"connect_timeout": max(1, int(timeout))})
        try:
            self._pool.open(wait=True, timeout=timeout)
        except PoolTimeout as err:
            self._pool.close()
            self._pool = None
            raise StoreError(f"cannot open the event store {self.path}: no connection "
                             f"within {timeout:g} s") from err

    # -- schema ----------------------------------------------------------------------

    def _migrate(self, conn: psycopg.Connection) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            version = self._version(conn)
            if version == SCHEMA_VERSION:
                return
            if version == 0:
                try:
                    with conn.transaction():
                        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                except psycopg.Error as err:
                    raise StoreError(
                        f"cannot open the event store {self.path}: PostGIS is not "
                        f"available in this database ({_first_line(err)}); install "
                        f"postgresql-15-postgis-3 on the server, or have its owner run "
                        f"CREATE EXTENSION postgis") from err
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target]:
                    conn.execute(statement)
            if version == 0:
                conn.execute("INSERT INTO store_schema VALUES (%s, %s)",
                             (APPLICATION, SCHEMA_VERSION))
            else:
                conn.execute("UPDATE store_schema SET version = %s", (SCHEMA_VERSION,))

    def _version(self, conn: psycopg.Connection) -> int:
        found = conn.execute("SELECT to_regclass('store_schema') IS NOT NULL, "
                             "to_regclass('events') IS NOT NULL").fetchone()
        if not found[0]:
            if found[1]:
                raise StoreError(f"{self.path} holds an events table of another program, "
                                 f"not an event store")
            return 0
        row = conn.execute("SELECT application, version FROM store_schema").fetchone()
        if row is None or row[0] != APPLICATION:
            raise StoreError(f"{self.path} is a database of another program, "
                             f"not an event store")
        if row[1] > SCHEMA_VERSION:
            raise StoreError(f"{self.path} has schema version {row[1]}, newer than this "
                             f"program knows ({SCHEMA_VERSION}); upgrade the program")
        return row[1]

    # -- connections -------------------------------------------------------------------

    def _pooled(self):
        if self._pool is None:
            raise StoreError(f"the event store {self.path} is closed")
        return self._pool.connection()

    @contextmanager
    def _transaction(self) -> Iterator[_Qmark]:
        """One transaction on a pooled connection, for the accounts' SQL. They take
        turns, as SQLite's writers do: a check and the write it decides ("is there a
        user yet?", then the first admin) see no other server's write in between."""
        with self._pooled() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (ACCOUNTS_LOCK,))
            yield _Qmark(conn)

    def _read(self, sql: str, params) -> list[tuple]:
        try:
            with self._pooled() as conn:
                return conn.execute(sql, params).fetchall()
        except psycopg.Error as err:
            raise StoreError(f"reading the event store {self.path} failed: "
                             f"{_first_line(err)}") from err

    # -- writing -------------------------------------------------------------------------

    def add_article(self, article: Article, events: Iterable[Event], *,
                    by: str | None = None) -> bool:
        return self.add_articles([(article, events)], by=by)[0]

    def add_articles(self, batch, *, by: str | None = None, corrections: dict | None = None,
                     feed: FeedUpdate | None = None) -> list[bool]:
        batch = list(batch)
        article = None
        try:
            with self._pooled() as conn, conn.transaction():
                stored, rows = [], []
                for article, events in batch:
                    found = conn.execute(
                        "INSERT INTO articles (content_hash, title, url, source, "
                        "published, ingested_at) VALUES (%s, %s, %s, %s, %s, %s) "
                        "ON CONFLICT (content_hash) DO NOTHING RETURNING id",
                        (article.content_hash, article.title, article.url, article.source,
                         article.published.isoformat() if article.published else None,
                         audit.now_text())).fetchone()
                    stored.append(found is not None)
                    if found is None:
                        continue
                    new = list(event_rows(events, found[0]))
                    rows += new
                    if by is not None:
                        audit.write(_Qmark(conn), by, "article.add", {
                            "article": article.content_hash, "title": article.title[:80],
                            "events": len(new)})
                if batch:   # (a poll's state alone takes no lock on the events)
                    postgis_rows.write_rows(conn, rows, "new")
                for article, new in zip((a for a, _ in batch), stored):
                    if new and corrections and corrections.get(article.content_hash):
                        history.apply(_Qmark(conn), article,
                                      corrections[article.content_hash], _rewrite)
                if feed is not None:
                    feeds.write_success(_Qmark(conn), feed)
        except psycopg.IntegrityError as err:
            raise StoreError(f"article {_title(article)!r} not stored: "
                             f"{_first_line(err)} (an event id is already taken?)") from err
        except psycopg.Error as err:
            raise StoreError(f"article {_title(article)!r} not stored: "
                             f"{_first_line(err)}") from err
        return stored

    def has_articles(self, hashes: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(hashes))
        if not wanted:
            return set()
        return {h for (h,) in self._read(
            "SELECT content_hash FROM articles WHERE content_hash = ANY(%s)", (wanted,))}

    def add_events(self, events: Iterable[Event], replace: bool = False, *,
                   by: str | None = None, about: dict | None = None) -> int:
        return self.add_rows(event_rows(events, None), replace, by=by, about=about)

    def add_rows(self, rows: Iterable[tuple], replace: bool = False, *,
                 by: str | None = None, about: dict | None = None) -> int:
        try:
            with self._pooled() as conn, conn.transaction():
                count = postgis_rows.write_rows(conn, rows, "replace" if replace else "keep")
                if by is not None:
                    audit.write(_Qmark(conn), by, "events.import",
                                {**(about or {}), "events": count, "replace": replace})
                return count
        except psycopg.Error as err:
            raise StoreError(f"events not stored, the store is unchanged: "
                             f"{_first_line(err)}") from err

    def record(self, who: str, action: str, detail: dict) -> None:
        """Add an audit row for a change made outside the store's own writes."""
        try:
            with self._transaction() as conn:
                audit.write(conn, who, action, detail)
        except psycopg.Error as err:
            raise StoreError(f"the audit trail cannot be written: {_first_line(err)}") \
                from err

    def audit_trail(self, limit: int = 100) -> list[audit.AuditEntry]:
        try:
            with self._transaction() as conn:
                return audit.read(conn, limit)
        except psycopg.Error as err:
            raise StoreError(f"reading the audit trail failed: {_first_line(err)}") from err

    # -- reading -------------------------------------------------------------------------

    def iter_events(self, filters: Filters = Filters()) -> Iterator[Event]:
        where, params = clauses.where(_checked(filters), newest_first=True, d=POSTGRES)
        try:
            # a server-side cursor: the rows come a batch at a time, never all at once
            with self._pooled() as conn, conn.transaction():
                with conn.cursor(name="events_dump") as cursor:
                    cursor.itersize = _BATCH
                    cursor.execute(f"{_SELECT}{where} {clauses.newest_first(POSTGRES)}",
                                   params)
                    while batch := cursor.fetchmany(_BATCH):
                        yield from map(event_from_row, batch)
        except psycopg.Error as err:
            raise StoreError(f"reading the event store failed: {_first_line(err)}") from err

    # -- whole-store records (python -m webapp copy) -----------------------------------

    def export_records(self) -> Iterator[tuple[str, object]]:
        from webapp.store import records

        try:
            with self._pooled() as conn, conn.transaction():
                # every table as of one moment, while writers go on
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                for table in RECORD_TABLES:
                    with conn.cursor(name=f"export_{table}") as cursor:
                        cursor.itersize = _BATCH
                        cursor.execute(records.read_sql(table, _SELECT, "e.id"))
                        for row in cursor:
                            yield table, records.record(table, row)
        except psycopg.Error as err:
            raise StoreError(f"reading the event store {self.path} failed: "
                             f"{_first_line(err)}") from err

    def import_records(self, pairs, *, by=None, about=None) -> dict[str, int]:
        from webapp.store import records

        try:
            with self._pooled() as conn, conn.transaction():
                # a COPY holds the connection, so the articles' ids are read first
                return records.write_all(
                    _Qmark(conn), pairs,
                    lambda _, rows: postgis_rows.write_rows(conn, rows, "keep"),
                    by, about, article_ids_first=True)
        except psycopg.Error as err:
            raise StoreError(f"nothing was copied into {self.path}: "
                             f"{_first_line(err)}") from err

    def record_counts(self) -> dict[str, int]:
        from webapp.store import records

        try:
            with self._pooled() as conn:
                return records.counts(conn)
        except psycopg.Error as err:
            raise StoreError(f"reading the event store {self.path} failed: "
                             f"{_first_line(err)}") from err

    def backup(self, dest, overwrite: bool = False) -> dict:
        """The whole store, as of one moment, copied into a new SQLite file at ``dest``
        (one file a laptop can open); the database itself is backed up with the
        server's own tools (pg_dump)."""
        from webapp.store.base import backup_paths
        from webapp.store.sqlite import SQLiteStore
        from webapp.store.transfer import copy_store

        dest, partial = backup_paths(dest, overwrite)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            partial.unlink(missing_ok=True)
            with SQLiteStore(partial) as copy:
                copied = copy_store(self, copy)
            partial.replace(dest)
        except (OSError, StoreError) as err:
            partial.unlink(missing_ok=True)
            if isinstance(err, StoreError):
                raise
            raise StoreError(f"backup to {dest} failed: {err}") from err
        return {"events": copied["events"], "articles": copied["articles"],
                "bytes": dest.stat().st_size}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _rewrite(qmark: _Qmark, before: Event, after: Event) -> None:
    """Rewrite a corrected event's row and move its counts: what the old values added
    to the count tables is taken away, what the new ones add is added (the same
    arithmetic as a bulk write's tally, for one row)."""
    from webapp.store.tally import Tally

    conn = qmark._conn
    read = f"SELECT id, {', '.join(EVENT_COLUMNS)} FROM events WHERE event_id = %s"
    old = conn.execute(read, (before.event_id,)).fetchone()
    qmark.execute(history.UPDATE_SQL, history.updated_row(after))
    new = conn.execute(read, (before.event_id,)).fetchone()
    for row, sign in ((old, -1), (new, 1)):
        tally = Tally()
        for _ in tally.tap([row[1:]]):
            pass
        tables = tally.tables(row[0])
        if sign < 0:
            tables = {table: [_negated(table, r) for r in rows]
                      for table, rows in tables.items()}
        postgis_counts.write(conn, tables)


def _negated(table: str, row: tuple) -> tuple:
    from webapp.store.count_tables import COUNT_TABLES

    columns, sums = COUNT_TABLES[table]
    return tuple(-v if c in sums else v for c, v in zip(columns, row))


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _title(article) -> str:
    return article.title[:60] if article is not None else ""
