"""The event store's PostgreSQL + PostGIS schema, one migration per version.

The tables hold what SQLite's do, column for column, so that the same filters and the
same cell arithmetic give the same answers (:mod:`webapp.store.dialect`); PostGIS adds
a point column with a GiST index for boxes. The version lives in ``store_schema``: a
database written by a newer release is refused, one of another program is left alone.
"""

from __future__ import annotations

from webapp.store.base import EVENT_COLUMNS

APPLICATION = "briefing-map"
# Taken by every migration, so two servers opening a new database at once create its
# tables once (pg_advisory_xact_lock holds it to the end of the transaction).
MIGRATION_LOCK = 0x42524D50

_KIND = ("country_code TEXT NOT NULL, event_type TEXT NOT NULL, sub_event_type TEXT NOT "
         "NULL, category TEXT NOT NULL, flagged INTEGER NOT NULL")

_V1 = [
    "CREATE TABLE store_schema (application TEXT NOT NULL, version INTEGER NOT NULL)",
    # SQLite's total(): a sum of no rows is 0.0, not NULL, which the cell sums rely on
    "CREATE AGGREGATE total(double precision) (SFUNC = float8pl, STYPE = float8, "
    "INITCOND = '0')",
    """CREATE TABLE articles (
        id           BIGSERIAL PRIMARY KEY,
        content_hash TEXT NOT NULL UNIQUE,
        title        TEXT NOT NULL DEFAULT '',
        url          TEXT NOT NULL DEFAULT '',
        source       TEXT NOT NULL DEFAULT '',
        published    TEXT,
        ingested_at  TEXT NOT NULL)""",
    # ids are given by the store in the order events are written (under a lock, see
    # PostGISStore._write_rows), as SQLite's rowids are: a cell's id sum names its
    # single event. Dates stay ISO text so they compare and group as in SQLite.
    """CREATE TABLE events (
        id             BIGINT PRIMARY KEY,
        event_id       TEXT NOT NULL UNIQUE CHECK (event_id <> ''),
        article_id     BIGINT REFERENCES articles(id) ON DELETE CASCADE,
        event_date     TEXT,
        time_precision INTEGER NOT NULL,
        event_type     TEXT NOT NULL,
        sub_event_type TEXT NOT NULL,
        category       TEXT NOT NULL,
        actor1         TEXT NOT NULL DEFAULT '',
        actor2         TEXT NOT NULL DEFAULT '',
        fatalities     INTEGER NOT NULL DEFAULT 0,
        location       TEXT NOT NULL DEFAULT '',
        latitude       DOUBLE PRECISION,
        longitude      DOUBLE PRECISION,
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
        extra          TEXT,
        geom geometry(Point, 4326) GENERATED ALWAYS AS (
            CASE WHEN latitude IS NOT NULL AND longitude IS NOT NULL
                 THEN ST_SetSRID(ST_MakePoint(longitude, latitude), 4326) END) STORED)""",
    "CREATE INDEX events_article_id ON events (article_id) WHERE article_id IS NOT NULL",
    """CREATE TABLE event_cells (
        zoom INTEGER NOT NULL, cx INTEGER NOT NULL, cy INTEGER NOT NULL,
        month INTEGER NOT NULL, """ + _KIND + """,
        n INTEGER NOT NULL, lat_sum DOUBLE PRECISION NOT NULL,
        lon_sum DOUBLE PRECISION NOT NULL, id_sum BIGINT NOT NULL,
        fatalities BIGINT NOT NULL,
        PRIMARY KEY (zoom, month, cx, cy, country_code, event_type, sub_event_type,
                     category, flagged))""",
    """CREATE TABLE event_points (
        latitude DOUBLE PRECISION NOT NULL, longitude DOUBLE PRECISION NOT NULL,
        """ + _KIND + """, n INTEGER NOT NULL, id_sum BIGINT NOT NULL,
        fatalities BIGINT NOT NULL,
        PRIMARY KEY (latitude, longitude, country_code, event_type, sub_event_type,
                     category, flagged))""",
    """CREATE TABLE event_days (
        day TEXT NOT NULL, """ + _KIND + """, n INTEGER NOT NULL,
        PRIMARY KEY (day, country_code, event_type, sub_event_type, category, flagged))""",
    """CREATE TABLE event_regions (
        admin1 TEXT NOT NULL, """ + _KIND + """, n INTEGER NOT NULL,
        fatalities BIGINT NOT NULL,
        PRIMARY KEY (country_code, admin1, event_type, sub_event_type, category,
                     flagged))""",
    # user names are unique whatever their case, as in SQLite (COLLATE NOCASE)
    """CREATE TABLE users (
        id            BIGSERIAL PRIMARY KEY,
        name          TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
        password_hash TEXT NOT NULL,
        login_key     TEXT NOT NULL UNIQUE,
        created_at    TEXT NOT NULL)""",
    "CREATE UNIQUE INDEX users_name ON users (lower(name))",
    """CREATE TABLE api_tokens (
        id         BIGSERIAL PRIMARY KEY,
        user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        kind       TEXT NOT NULL CHECK (kind IN ('api', 'login')),
        created_at TEXT NOT NULL,
        expires_at TEXT)""",
    "CREATE INDEX api_tokens_user_id ON api_tokens (user_id)",
    """CREATE TABLE audit (
        id     BIGSERIAL PRIMARY KEY,
        at     TEXT NOT NULL,
        who    TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}')""",
]

# The secondary indexes of events: set aside while a bulk load fills an empty table,
# and built again at its end (quicker than growing them row by row).
# What a map view or a listing over some dates reads besides the dates: carried in the
# dates' indexes, so such a view is read from the index alone (a dense box over three
# months at a million events: 48 ms, against 420 ms through the GiST index and the
# table), and a listing picks its page's ids there (see Listing._newest_sql).
_CARRIED = ("INCLUDE (event_type, sub_event_type, category, is_total, is_historical, "
            "latitude, longitude, fatalities, id)")
EVENT_INDEXES = {
    "events_geom": "CREATE INDEX events_geom ON events USING gist (geom)",
    # the listing order (newest first, undated last) and the map's usual question, a
    # country over some weeks
    "events_newest": "CREATE INDEX events_newest ON events "
                     f"(event_date DESC NULLS LAST, event_id) {_CARRIED}",
    "events_country_newest": "CREATE INDEX events_country_newest ON events "
                             f"(country_code, event_date DESC NULLS LAST, event_id) "
                             f"{_CARRIED}",
}

# What `python -m webapp watch` remembers per source and the history of corrected
# events: the tables of SQLite's version 5 (webapp.store.schema), self-contained so the
# version can be renumbered at a merge.
_FEEDS_AND_HISTORY = [
    """CREATE TABLE feeds (
        source        TEXT PRIMARY KEY,
        etag          TEXT NOT NULL DEFAULT '',
        last_modified TEXT NOT NULL DEFAULT '',
        failures      INTEGER NOT NULL DEFAULT 0,
        next_try      TEXT,
        last_ok       TEXT,
        last_error    TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE feed_items (
        source   TEXT NOT NULL REFERENCES feeds(source) ON DELETE CASCADE,
        item_key TEXT NOT NULL,
        seen_at  TEXT NOT NULL,
        PRIMARY KEY (source, item_key))""",
    """CREATE TABLE event_history (
        id           BIGSERIAL PRIMARY KEY,
        event_id     TEXT NOT NULL,
        article_hash TEXT NOT NULL DEFAULT '',
        at           TEXT NOT NULL,
        old_values   TEXT NOT NULL,
        new_values   TEXT NOT NULL)""",
    "CREATE INDEX event_history_event_id ON event_history (event_id)",
]

# version -> statements bringing a database from version-1 to version. Append only.
# The user's own gazetteer, as in SQLite's version 6 (webapp.store.schema._places_v6).
_V3_PLACES = [
    """CREATE TABLE places (
        id              BIGSERIAL PRIMARY KEY,
        name            TEXT NOT NULL CHECK (name <> ''),
        name_key        TEXT NOT NULL,
        alternate_names TEXT NOT NULL DEFAULT '[]',
        latitude        DOUBLE PRECISION NOT NULL,
        longitude       DOUBLE PRECISION NOT NULL,
        geometry        TEXT,
        country_code    TEXT NOT NULL DEFAULT '',
        admin1          TEXT NOT NULL DEFAULT '',
        admin2          TEXT NOT NULL DEFAULT '',
        kind            TEXT NOT NULL,
        source          TEXT NOT NULL DEFAULT '',
        added_at        TEXT NOT NULL,
        UNIQUE (name_key, country_code, admin1))""",
    "CREATE TABLE places_version (version BIGINT NOT NULL)",
    "INSERT INTO places_version VALUES (0)",
]

# version -> statements bringing a database from version-1 to version. Append only.
MIGRATIONS = {1: _V1 + list(EVENT_INDEXES.values()), 2: _FEEDS_AND_HISTORY, 3: _V3_PLACES}
SCHEMA_VERSION = max(MIGRATIONS)

# The events' columns that are not text, with their types: a binary COPY names them.
_TYPES = {"article_id": "BIGINT", "time_precision": "INTEGER", "fatalities": "INTEGER",
          "latitude": "DOUBLE PRECISION", "longitude": "DOUBLE PRECISION",
          "geo_precision": "INTEGER", "span_start": "INTEGER", "span_end": "INTEGER",
          "is_total": "INTEGER", "is_historical": "INTEGER"}
_BINARY = {"BIGINT": "int8", "INTEGER": "int4", "DOUBLE PRECISION": "float8", "TEXT": "text"}
# the types of (id, *EVENT_COLUMNS), for Copy.set_types
COPY_TYPES = ["int8"] + [_BINARY[_TYPES.get(c, "TEXT")] for c in EVENT_COLUMNS]
# the constraints a bulk load into an empty table adds back at its end
EVENT_KEYS = {"events_pkey": "PRIMARY KEY (id)",
              "events_event_id_key": "UNIQUE (event_id)"}


def staging_sql() -> str:
    """The temporary table a write copies its rows into first; ON COMMIT DELETE ROWS
    empties it with every transaction, so a pooled connection reuses it."""
    columns = ", ".join(f"{c} {_TYPES.get(c, 'TEXT')}" for c in EVENT_COLUMNS)
    return (f"CREATE TEMP TABLE IF NOT EXISTS staged_events (id BIGINT NOT NULL, "
            f"{columns}) ON COMMIT DELETE ROWS")


def count_staging_sql(table: str) -> str:
    """A temporary table shaped like count table ``table`` (see staging_sql)."""
    return (f"CREATE TEMP TABLE IF NOT EXISTS staged_{table} "
            f"(LIKE {table}) ON COMMIT DELETE ROWS")
