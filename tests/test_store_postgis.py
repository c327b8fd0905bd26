"""The PostGIS store against the SQLite one: the same events give the same answers to
every question the map asks (counts, marks at every zoom, pages, timeline, regions),
however they were written; and what PostgreSQL adds: several writers at once, and a
database that is not ours, not reachable or without PostGIS refused in one line."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date

import psycopg
import pytest

from conftest import make_event
from test_clusters import random_events
from webapp.errors import StoreError
from webapp.models import Article
from webapp.store import SQLiteStore, open_store
from webapp.store.base import make_filters

FILTERS = [{}, {"types": ["Battles"]}, {"types": ["strike", "Peaceful protest"]},
           {"country": "PS"}, {"include_flagged": True},
           {"since": "2024-02-01", "until": "2024-03-15"}, {"since": "2024-02-03"},
           {"region": "aleppo"}, {"q": "town 1"}, {"q": "TOWN 4"},
           {"bbox": (34, 31, 35, 32)}, {"bbox": (170, -20, -170, -10)},
           {"bbox": (34, 31, 35, 32), "since": "2024-02-01", "until": "2024-02-20"}]
ZOOMS = (0, 3, 8, 10, 11, 13, 17)


def marks(store, filters, zoom):
    return sorted((c.count, round(c.latitude, 6), round(c.longitude, 6), c.bounds,
                   c.fatalities, c.event_id, sorted(c.by_type.items()))
                  for c in store.clusters(filters, zoom))


def answers(store) -> dict:
    """Everything the map asks a store, for every filter of FILTERS."""
    out = {}
    for given in FILTERS:
        f = make_filters(**given)
        key = repr(sorted(given.items()))
        out[key] = {
            "count": store.count(f),
            "types": store.counts(f),
            "categories": store.counts(f, by="category"),
            "days": store.counts(f, by="event_date"),
            "regions": sorted(store.region_totals(f)),
            "regions_by_type": sorted(store.region_totals(f, by_type=True)),
            "newest": [e.event_id for e in store.query(f, limit=40)],
            "page": [e.event_id for e in store.page(f, 25, ("2024-02-01", "r5")).events],
            "marks": {z: marks(store, f, z) for z in ZOOMS},
        }
    return out


@pytest.fixture
def both(tmp_path, postgis_url):
    with SQLiteStore(tmp_path / "events.sqlite") as lite, open_store(postgis_url) as pg:
        yield lite, pg


def test_the_same_events_give_the_same_answers_in_both_stores(both):
    lite, pg = both
    events = random_events(3000)
    assert lite.add_events(events) == pg.add_events(events) == len(events)
    assert answers(pg) == answers(lite)
    one = events[17]
    assert pg.get_event(one.event_id) == lite.get_event(one.event_id)
    assert ([e.event_id for e in pg.iter_events(make_filters(country="PS"))]
            == [e.event_id for e in lite.iter_events(make_filters(country="PS"))])


def test_answers_stay_equal_after_overwrites_duplicates_and_articles(both):
    lite, pg = both
    events = random_events(2500)
    for store in both:
        store.add_events(events)
    moved = [dataclasses.replace(e, fatalities=e.fatalities + 5,
                                 latitude=e.latitude + 0.01 if e.latitude else None)
             for e in events[:300]]
    twice = [dataclasses.replace(events[5], event_id="dup"),
             dataclasses.replace(events[6], event_id="dup")]
    article = Article(title="Strikes", text="Strikes on Rafah.", published=date(2024, 5, 1))
    told = [dataclasses.replace(events[8], event_id="a1"),
            dataclasses.replace(events[9], event_id="a2")]
    for store in both:
        assert store.add_events(moved + twice, replace=True) == 302   # every row counts
        assert store.add_events(events[:10] + [dataclasses.replace(events[7],
                                                                   event_id="new")]) == 1
        assert store.add_article(article, told, by="tester")
        assert not store.add_article(article, told, by="tester")   # one article, once
    assert pg.get_event("dup") == lite.get_event("dup")
    assert pg.get_event("dup").location == events[6].location     # the last row won
    assert pg.has_articles([article.content_hash, "0" * 64]) == {article.content_hash}
    assert answers(pg) == answers(lite)
    assert sorted(e.event_id for e in pg.query(
        make_filters(article=article.content_hash))) == ["a1", "a2"]


def test_a_bulk_load_with_repeated_ids_keeps_one_of_each(both):
    rows = random_events(3000) + [make_event("r10", 31.5, 34.4, location="again")]
    lite, pg = both
    for store in both:
        assert store.add_events(rows) == 3007   # the repeat is left out ...
    assert pg.get_event("r10").location != "again"
    assert answers(pg) == answers(lite)


def test_a_batch_of_articles_is_stored_all_or_nothing(postgis_url):
    good = Article(title="One", text="A strike on Rafah.")
    bad = Article(title="Two", text="Another strike.")
    with open_store(postgis_url) as store:
        store.add_article(Article(title="Zero", text="First."), [make_event("taken", 31, 34)])
        with pytest.raises(StoreError, match="already taken"):
            store.add_articles([(good, [make_event("e1", 31.3, 34.2)]),
                                (bad, [make_event("taken", 31.3, 34.2)])])
        assert store.has_articles([good.content_hash, bad.content_hash]) == set()
        assert store.count(make_filters()) == 1
        assert store.add_articles([(good, [make_event("e1", 31.3, 34.2)]),
                                   (good, [])]) == [True, False]


def test_writers_in_parallel_store_each_article_once(postgis_url):
    articles = [Article(title=f"Report {i}", text=f"Strike number {i} on Rafah.")
                for i in range(12)]
    stores = [open_store(postgis_url) for _ in range(3)]   # three servers' pools
    results, errors = [], []

    def write(store, offset):
        try:
            for i, article in enumerate(articles):
                events = [make_event(f"w{offset}-{i}", 31.29, 34.25)]
                results.append((article.content_hash, store.add_article(article, events)))
        except Exception as err:   # noqa: BLE001 -- reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(s, n)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors
        stored = [h for h, added in results if added]
        assert sorted(stored) == sorted(a.content_hash for a in articles)
        assert stores[0].articles_count() == 12
        assert stores[1].count(make_filters()) == 12
        assert sum(c.count for c in stores[2].clusters(make_filters(), 4)) == 12
    finally:
        for s in stores:
            s.close()


def test_an_unreachable_database_is_one_clear_line(pg_server):
    url = pg_server.url("postgres").replace(f":{pg_server.port}/", ":1/")
    with pytest.raises(StoreError) as caught:
        open_store(url, timeout=2)
    assert "cannot open the event store postgresql://postgres@127.0.0.1:1/postgres" \
        in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_wrong_password_is_not_shown(pg_server):
    url = pg_server.url("no_such_db").replace("postgres@", "postgres:s3cret@")
    with pytest.raises(StoreError) as caught:
        open_store(url)
    assert "s3cret" not in str(caught.value)
    assert "no_such_db" in str(caught.value)


def test_a_database_without_postgis_is_refused_unchanged(pg_server):
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        conn.execute("CREATE ROLE plain LOGIN")
        conn.execute("CREATE DATABASE plain_db OWNER plain TEMPLATE template0")
    try:
        url = pg_server.url("plain_db").replace("postgres@", "plain@")
        with pytest.raises(StoreError, match="PostGIS is not available"):
            open_store(url)
        with psycopg.connect(url) as conn:   # nothing half-made
            assert conn.execute("SELECT to_regclass('events')").fetchone()[0] is None
    finally:
        with psycopg.connect(pg_server.url(), autocommit=True) as conn:
            conn.execute("DROP DATABASE plain_db")
            conn.execute("DROP ROLE plain")


def test_another_programs_database_and_a_newer_schema_are_left_alone(postgis_url):
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE events (id int)")
    with pytest.raises(StoreError, match="another program"):
        open_store(postgis_url)
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute("DROP TABLE events")
    open_store(postgis_url).close()
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute("UPDATE store_schema SET version = version + 1")
    with pytest.raises(StoreError, match="newer than this program"):
        open_store(postgis_url)


def test_two_first_openings_at_once_make_the_tables_once(postgis_url):
    opened, errors = [], []

    def open_one():
        try:
            opened.append(open_store(postgis_url))
        except Exception as err:   # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(opened) == 4
    for store in opened:
        store.close()


def test_a_backup_of_the_database_is_one_sqlite_file_with_the_same_answers(tmp_path,
                                                                           postgis_url):
    with open_store(postgis_url) as pg:
        pg.add_events(random_events(2100))
        pg.add_article(Article(title="T", text="Strike."), [make_event("a1", 31.5, 34.4)])
        done = pg.backup(tmp_path / "copy.sqlite")
        assert (done["events"], done["articles"]) == (2108, 1)
        with pytest.raises(StoreError, match="exists already"):
            pg.backup(tmp_path / "copy.sqlite")
        with SQLiteStore(tmp_path / "copy.sqlite") as copy:
            assert answers(copy) == answers(pg)


def test_servers_starting_at_once_make_one_first_admin(postgis_url):
    from webapp.store.accounts import Accounts

    stores = [open_store(postgis_url) for _ in range(4)]
    links = []
    threads = [threading.Thread(target=lambda s=s: links.append(
        Accounts(s).add_first_admin(by="test"))) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert len([link for link in links if link]) == 1 and len(links) == 4
        assert Accounts(stores[0]).count() == 1
    finally:
        for s in stores:
            s.close()
