"""The event store's SQLite schema, one migration per version.

The version is ``PRAGMA user_version``: :data:`MIGRATIONS` has one function per version,
so a later release brings an older file up to date, and a file written by a newer one
is refused instead of being misread (see :class:`webapp.store.sqlite.SQLiteStore`).
"""

from __future__ import annotations

import sqlite3

from webapp.store import cells, days, points, regions_table

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


def _cells_v4(conn: sqlite3.Connection) -> None:
    # Map views of any size come from counts per grid cell (webapp.store.cells) and,
    # closer in, per point (webapp.store.points) instead of the rows; views filtered
    # by region, text or article read the rows in the view, through the place index.
    # 1,000,000 events: grouping the rows of a whole-world view took 0.8-1.3 s, the
    # tabled counts answer it in milliseconds. The listing's index now carries the
    # coordinates too, so a page of a box over some days is read from the index alone;
    # the type's own index goes: the counts and the listing's index answer types.
    _run_script(conn, """
        CREATE INDEX events_place ON events(latitude, longitude);
        DROP INDEX events_event_type;
        DROP INDEX events_newest;
        CREATE INDEX events_newest ON events(event_date DESC, event_id, event_type,
            sub_event_type, category, is_total, is_historical, latitude, longitude)
    """)
    cells.create(conn)
    points.create(conn)
    days.create(conn)
    regions_table.create(conn)
    set_count_triggers(conn, True)


def _feeds_and_history_v5(conn: sqlite3.Connection) -> None:
    # Self-contained (nothing else in this file depends on it), so it can be renumbered
    # when another version 5 lands first.
    _run_script(conn, FEEDS_AND_HISTORY)


# What `python -m webapp watch` remembers per source (webapp.store.feeds), and the
# history of events that later reports corrected (webapp.corrections). Plain SQL both
# SQLite and PostgreSQL take (postgis_schema uses it too).
FEEDS_AND_HISTORY = """
    CREATE TABLE feeds (
        source        TEXT PRIMARY KEY NOT NULL,
        etag          TEXT NOT NULL DEFAULT '',
        last_modified TEXT NOT NULL DEFAULT '',
        failures      INTEGER NOT NULL DEFAULT 0,
        next_try      TEXT,
        last_ok       TEXT,
        last_error    TEXT NOT NULL DEFAULT ''
    );
    -- the items a source has shown: an item seen once is never extracted again
    CREATE TABLE feed_items (
        source   TEXT NOT NULL REFERENCES feeds(source) ON DELETE CASCADE,
        item_key TEXT NOT NULL,
        seen_at  TEXT NOT NULL,
        PRIMARY KEY (source, item_key)
    );
    -- one row per correction: the event's values before and after, as JSON objects of
    -- the changed fields, and the article that brought it. No foreign key to events:
    -- a bulk load into PostgreSQL sets the events' keys aside for a while.
    CREATE TABLE event_history (
        id           INTEGER PRIMARY KEY,
        event_id     TEXT NOT NULL,
        article_hash TEXT NOT NULL DEFAULT '',
        at           TEXT NOT NULL,
        old_values   TEXT NOT NULL,
        new_values   TEXT NOT NULL
    );
    CREATE INDEX event_history_event_id ON event_history(event_id)
"""


def set_count_triggers(conn: sqlite3.Connection, on: bool) -> None:
    """Create the triggers that keep the cell, point, day and region counts, or drop them for a bulk
    insert (inside its transaction, which restores them if it fails)."""
    for name, sql in {**cells.TRIGGERS, **points.TRIGGERS, **days.TRIGGERS,
                      **regions_table.TRIGGERS}.items():
        conn.execute(sql if on else f"DROP TRIGGER IF EXISTS {name}")


def _places_v6(conn: sqlite3.Connection) -> None:
    # The user's own gazetteer (webapp.store.places): a gazetteer file's places and an
    # ACLED import's locations. One place per name, country and admin-1 area, so the
    # same file or export loaded twice updates its places instead of doubling them.
    # The version counter goes up with every change, so that a geocoder holding the
    # places rebuilds its index when they change and not for every article.
    _run_script(conn, """
        CREATE TABLE places (
            id              INTEGER PRIMARY KEY,
            name            TEXT NOT NULL CHECK (name <> ''),
            name_key        TEXT NOT NULL,
            alternate_names TEXT NOT NULL DEFAULT '[]',
            latitude        REAL NOT NULL,
            longitude       REAL NOT NULL,
            geometry        TEXT,
            country_code    TEXT NOT NULL DEFAULT '',
            admin1          TEXT NOT NULL DEFAULT '',
            admin2          TEXT NOT NULL DEFAULT '',
            kind            TEXT NOT NULL,
            source          TEXT NOT NULL DEFAULT '',
            added_at        TEXT NOT NULL,
            UNIQUE (name_key, country_code, admin1)
        );
        CREATE TABLE places_version (version INTEGER NOT NULL);
        INSERT INTO places_version VALUES (0)
    """)


# version -> function bringing a file from version-1 to version. Append, never edit.
MIGRATIONS = {1: _create_v1, 2: _add_accounts_v2, 3: _newest_first_v3, 4: _cells_v4,
              5: _feeds_and_history_v5, 6: _places_v6}
SCHEMA_VERSION = max(MIGRATIONS)
