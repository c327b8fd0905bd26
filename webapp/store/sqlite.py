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

from webapp.errors import StoreError
from webapp.models import Article, Event
from webapp.store import audit, cells, clauses, days, feeds, history, points, regions_table
from webapp.store.aggregates import Aggregates
from webapp.store.changes import ChangesMixin
from webapp.store.aggregates import checked as _checked
from webapp.store.base import (EVENT_COLUMNS, EventStore, Filters, backup_paths,
                               event_from_row, event_rows)
from webapp.store.listing import SELECT as _SELECT
from webapp.store.feeds import FeedRecords, FeedUpdate
from webapp.store.listing import Listing
from webapp.store.schema import (APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION,
                                 set_count_triggers)
from webapp.store.tally import Tally


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
        # for text queries beyond ASCII, see clauses.text_clause(); the columns are never NULL
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


class SQLiteStore(FeedRecords, Listing, Aggregates, ChangesMixin, EventStore):
    """Events and articles in the SQLite file at ``path`` (created when missing)."""

    integrity_errors = (sqlite3.IntegrityError,)   # what the accounts' writes may raise
    database_errors = (sqlite3.Error,)

    def __init__(self, path, *, timeout: float = 30.0):
        self.path = Path(path)
        self._conn = None
        self._timeout = timeout
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
        return self.add_articles([(article, events)], by=by)[0]

    def add_articles(self, batch: Iterable[tuple[Article, Iterable[Event]]], *,
                     by: str | None = None, corrections: dict | None = None,
                     feed: FeedUpdate | None = None) -> list[bool]:
        batch = list(batch)
        article = None
        try:
            with self._transaction() as conn:
                stored = []
                for article, events in batch:
                    new = _insert_article(conn, article, events, by)
                    stored.append(new)
                    if new and corrections and corrections.get(article.content_hash):
                        history.apply(conn, article, corrections[article.content_hash],
                                      _rewrite)
                if feed is not None:
                    feeds.write_success(conn, feed)
        except sqlite3.IntegrityError as err:
            raise StoreError(f"article {article.title[:60]!r} not stored: {err} "
                             f"(an event id is already taken?)") from err
        except sqlite3.Error as err:
            title = article.title[:60] if article is not None else ""
            raise StoreError(f"article {title!r} not stored: {err}") from err
        return stored

    def has_articles(self, hashes: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(list(dict.fromkeys(hashes)), 500):
            marks = ", ".join("?" * len(chunk))
            found.update(h for (h,) in self._read(
                f"SELECT content_hash FROM articles WHERE content_hash IN ({marks})", chunk))
        return found

    def add_events(self, events: Iterable[Event], replace: bool = False, *,
                   by: str | None = None, about: dict | None = None) -> int:
        return self.add_rows(event_rows(events, None), replace, by=by, about=about)

    def add_rows(self, rows: Iterable[tuple], replace: bool = False, *,
                 by: str | None = None, about: dict | None = None) -> int:
        sql = _INSERT + (_ON_CONFLICT_REPLACE if replace else _ON_CONFLICT_KEEP)
        rows = iter(rows)
        head = list(islice(rows, BULK_ROWS))
        rollback_journal = len(head) == BULK_ROWS and self._set_aside_wal()
        try:
            with self._transaction() as conn:
                count = _insert_many(conn, chain(head, rows), sql, replace)
                if by is not None:
                    audit.write(conn, by, "events.import",
                                {**(about or {}), "events": count, "replace": replace})
                return count
        except sqlite3.Error as err:
            raise StoreError(f"events not stored, the store is unchanged: {err}") from err
        finally:
            if rollback_journal:
                with suppress(sqlite3.Error):   # the next opening switches it anyway
                    self._use_wal(self._timeout)

    def _set_aside_wal(self) -> bool:
        """For a bulk import into an empty store that no one else has open: a rollback
        journal instead of the WAL, so the rows are written once, not into the WAL and
        then again into the file (a third of the store's time at a million rows).
        SQLite refuses the switch while another connection is open (a running server);
        the import then goes through the WAL as usual. True when switched."""
        conn = self._connection()
        if conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None:
            return False
        try:
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        except sqlite3.OperationalError:   # locked by another connection
            return False
        return mode == "delete"

    def iter_events(self, filters: Filters = Filters()) -> Iterator[Event]:
        where, params = clauses.where(_checked(filters), newest_first=True)
        # A connection of its own: the rows are read while the caller writes them out,
        # and this store's connection stays free for other questions meanwhile.
        conn = connect(self.path)
        try:
            cursor = conn.execute(f"{_SELECT}{where} {clauses.newest_first()}", params)
            while batch := cursor.fetchmany(_BATCH):
                yield from map(event_from_row, batch)
        except sqlite3.Error as err:
            raise StoreError(f"reading the event store failed: {err}") from err
        finally:
            conn.close()

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
        if Path(dest).resolve() == self.path.resolve():
            raise StoreError("the backup cannot replace the store it copies")
        dest, partial = backup_paths(dest, overwrite)
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

    # -- whole-store records (webapp.store.sqlite_records) -----------------------------

    def export_records(self) -> Iterator[tuple[str, object]]:
        from webapp.store import sqlite_records

        conn = connect(self.path)   # its own: one read transaction for the whole export
        try:
            yield from sqlite_records.read_all(conn)
        except sqlite3.Error as err:
            raise StoreError(f"reading the event store {self.path} failed: {err}") from err
        finally:
            conn.close()

    def import_records(self, records, *, by=None, about=None) -> dict[str, int]:
        from webapp.store import sqlite_records

        rollback_journal = self._set_aside_wal()   # as add_rows does for a bulk import
        try:
            with self._transaction() as conn:
                return sqlite_records.write_all(conn, records, by, about)
        except sqlite3.Error as err:
            raise StoreError(f"nothing was copied into {self.path}: {err}") from err
        finally:
            if rollback_journal:
                with suppress(sqlite3.Error):
                    self._use_wal(self._timeout)

    def record_counts(self) -> dict[str, int]:
        from webapp.store import sqlite_records

        try:
            return sqlite_records.counts(self._connection())
        except sqlite3.Error as err:
            raise StoreError(f"reading the event store {self.path} failed: {err}") from err


# Rows read ahead before a batch counts as bulk (see _insert_many): each row costs the
# triggers 22 small writes, so past a few thousand the counts are tallied instead.
BULK_ROWS = 2_000


def _insert_many(conn: sqlite3.Connection, rows: Iterable[tuple], sql: str,
                 replace: bool) -> int:
    """``executemany`` (returning how many rows it added or overwrote), with two
    shortcuts for a large batch: the per-cell counts are tallied as the rows go by
    (:mod:`webapp.store.tally`) instead of by the triggers row by row, and into an
    empty table the secondary indexes are set aside and built again afterwards
    (building an index from all its rows at once is quicker than growing it row by
    row). All of it happens inside the caller's transaction, so a failure restores the
    triggers and indexes with the rows."""
    rows = iter(rows)
    head = list(islice(rows, BULK_ROWS))
    if len(head) < BULK_ROWS:
        # rowcount leaves out the triggers' writes, which total_changes counts
        return conn.executemany(sql, head).rowcount
    last = conn.execute("SELECT coalesce(max(rowid), 0) FROM events").fetchone()[0]
    set_count_triggers(conn, False)
    indexes = []
    if last == 0 and conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is None:
        # (the partial index on article_id stays: imports add nothing to it)
        indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                               "AND tbl_name = 'events' AND sql IS NOT NULL "
                               "AND name <> 'events_article_id'").fetchall()
    for name, _ in indexes:
        conn.execute('DROP INDEX "{}"'.format(name.replace('"', '""')))
    seen = Tally()
    count = conn.executemany(sql, seen.tap(chain(head, rows))).rowcount
    for _, create in indexes:
        conn.execute(create)
    if not seen.write(conn, last):   # some rows were not new rows
        for table in (cells, points, days, regions_table):
            if replace and last:   # stored rows were overwritten: count all anew
                table.rebuild(conn)
            else:                  # duplicates in the batch: count the new rows, all
                table.add_since(conn, last)   # after the last rowid there was
    set_count_triggers(conn, True)
    return count


_BATCH = 1000          # rows fetched at a time by iter_events


def _insert_article(conn: sqlite3.Connection, article: Article, events: Iterable[Event],
                    by: str | None) -> bool:
    cur = conn.execute(
        "INSERT INTO articles (content_hash, title, url, source, published, "
        "ingested_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(content_hash) DO NOTHING",
        (article.content_hash, article.title, article.url, article.source,
         article.published.isoformat() if article.published else None,
         datetime.now(timezone.utc).isoformat(timespec="seconds")))
    if cur.rowcount == 0:
        return False
    added = conn.executemany(_INSERT, event_rows(events, cur.lastrowid)).rowcount
    if by is not None:
        audit.write(conn, by, "article.add", {
            "article": article.content_hash, "title": article.title[:80], "events": added})
    return True


def _rewrite(conn: sqlite3.Connection, before: Event, after: Event) -> None:
    # the count triggers move the event's counts from its old values to its new ones
    conn.execute(history.UPDATE_SQL, history.updated_row(after))


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
