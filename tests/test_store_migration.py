"""Schema versions 3 (indexes in the listings' order, newest first, by country too),
4 (events counted per map cell; a place index) and 5 (the user's places: see
tests/test_user_places.py)."""

from __future__ import annotations

import sqlite3
from datetime import date

from webapp.store import SCHEMA_VERSION, SQLiteStore
from webapp.store.base import make_filters
from conftest import make_event


# What version 6 added (the user's places), taken away again: a file as version 5 left it
WITHOUT_V6 = """
    DROP TABLE places;
    DROP TABLE places_version;
"""
# What version 4 added, taken away again (a file as version 3 left it, but for the
# listing index version 4 remade and the type index it dropped, which the tests set back)
# what version 5 added: the watched sources and the corrected events' history
WITHOUT_V5 = WITHOUT_V6 + """
    DROP TABLE feed_items;
    DROP TABLE feeds;
    DROP TABLE event_history;
"""
WITHOUT_V4 = WITHOUT_V5 + "".join(
    f"DROP TRIGGER events_{table}_{change};\n" for table in ("cells", "points", "days", "regions")
    for change in ("insert", "delete", "update")) + """
    DROP TABLE event_days;
    DROP TABLE event_regions;
    DROP TABLE event_cells;
    DROP TABLE cell_zooms;
    DROP TABLE event_points;
    DROP INDEX events_place;
"""


def plan(path, sql, params=()) -> str:
    with sqlite3.connect(path) as conn:
        return " ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_a_version_1_store_gains_the_newest_first_indexes_and_keeps_its_events(tmp_path):
    path = tmp_path / "events.sqlite"
    with SQLiteStore(path) as store:
        store.add_events([make_event("old-1", 31.3, 34.3, country_code="PS"),
                          make_event("old-2", 33.3, 35.4, country_code="LB",
                                     day=date(2024, 4, 1))])
    with sqlite3.connect(path) as conn:   # back to the file version 1 wrote
        conn.executescript(WITHOUT_V4 + """
            DROP TABLE audit;
            DROP TABLE api_tokens;
            DROP TABLE users;
            DROP INDEX events_newest;
            DROP INDEX events_country_newest;
            CREATE INDEX events_event_date ON events(event_date);
            CREATE INDEX events_event_type ON events(event_type);
            CREATE INDEX events_country_code ON events(country_code);
            PRAGMA user_version = 1;
        """)
    with SQLiteStore(path) as store:
        assert [e.event_id for e in store.query(make_filters(country="LB"))] == ["old-2"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
        names = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"events_newest", "events_country_newest"} <= names
    assert not names & {"events_event_date", "events_country_code"}
    # a country over some dates, newest first, is read from the index in range
    query = ("SELECT event_id FROM events WHERE country_code = ? AND event_date >= ? "
             "AND event_date <= ? ORDER BY event_date DESC, event_id LIMIT 100")
    found = plan(path, query, ("PS", "2024-01-01", "2024-06-01"))
    assert "events_country_newest (country_code=? AND event_date>? AND event_date<?)" in found
    assert "TEMP B-TREE" not in found   # no sorting: read in order, stopped at the page
    assert "TEMP B-TREE" not in plan(path, "SELECT event_id FROM events ORDER BY "
                                           "event_date DESC, event_id LIMIT 1")


def test_a_version_3_store_counts_its_events_per_map_cell_once_opened(tmp_path):
    path = tmp_path / "events.sqlite"
    with SQLiteStore(path) as store:
        store.add_events([make_event(f"e{i}", 31.3 + i / 100, 34.3, country_code="PS")
                          for i in range(30)] + [make_event("far", 33.3, 35.4)])
    with sqlite3.connect(path) as conn:   # back to the file version 3 wrote
        conn.executescript(WITHOUT_V4 + """
            DROP INDEX events_newest;
            CREATE INDEX events_newest ON events(event_date DESC, event_id, event_type,
                sub_event_type, category, is_total, is_historical);
            CREATE INDEX events_event_type ON events(event_type);
            PRAGMA user_version = 3;
        """)
    with SQLiteStore(path) as store:
        world = store.clusters(make_filters(), 2)
        assert sum(c.count for c in world) == 31
        store.add_events([make_event("new", 31.5, 34.4)])   # the triggers count it
        assert sum(c.count for c in store.clusters(make_filters(), 2)) == 32
        close = store.clusters(make_filters(bbox=(34.2, 31.2, 34.5, 31.7)), 14)
        assert sum(c.count for c in close) == 31   # from the per-point counts


def test_a_version_4_store_gains_the_watch_and_history_tables_and_keeps_its_events(
        tmp_path):
    from webapp.models import Article
    from webapp.store.feeds import FeedUpdate

    path = tmp_path / "events.sqlite"
    with SQLiteStore(path) as store:
        store.add_article(Article("Strike", "Strike on Rafah."),
                          [make_event("kept", 31.3, 34.25, country_code="PS")])
    with sqlite3.connect(path) as conn:   # back to the file version 4 wrote
        conn.executescript(WITHOUT_V5 + "PRAGMA user_version = 4;")
    with SQLiteStore(path) as store:
        assert [e.event_id for e in store.query(make_filters())] == ["kept"]
        assert store.event_history("kept") == []
        store.add_articles([], feed=FeedUpdate("https://news.example/feed", ("item-1",),
                                               done=True, etag='"v1"'))
        assert store.feed_state("https://news.example/feed").etag == '"v1"'
        assert store.feed_seen("https://news.example/feed", ["item-1", "item-2"]) == {
            "item-1"}
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 6
