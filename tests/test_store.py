"""The SQLite event store as its callers see it: real files in tmp_path, no mocks."""

import sqlite3
from datetime import date

import pytest

from webapp.errors import StoreError
from webapp.models import Article, Event
from webapp.store import SCHEMA_VERSION, EventStore, SQLiteStore, open_store
from webapp.store.base import event_rows
from webapp.store.sqlite import BULK_ROWS
from webapp.store.base import make_filters
from conftest import make_event


def ev(event_id, **fields):
    """An event with plausible defaults; tests override what they look at."""
    base = dict(event_date=date(2024, 4, 26), time_precision=1, event_type="Battles",
                sub_event_type="Armed clash", category="armed clash", actor1="IDF",
                actor2="Hamas", location="Khan Younis", latitude=31.34, longitude=34.30,
                country_code="PS", admin1="Khan Younis", geo_precision=1,
                notes="Clashes were reported.", source="Reuters")
    base.update(fields)
    return Event(event_id=event_id, **base)


def ids(events):
    return sorted(e.event_id for e in events)


@pytest.fixture
def store(store_target):
    """An empty store, once in SQLite and once in PostGIS."""
    with open_store(store_target) as opened:
        yield opened


@pytest.fixture
def varied(store):
    """A small store with one event per thing the filters look at."""
    store.add_events([
        ev("clash", notes="Fighting near the hospital."),
        ev("strike", event_type="Explosions/Remote violence",
           sub_event_type="Air/drone strike", category="strike", location="Rafah",
           latitude=31.29, longitude=34.25, admin1="Rafah", event_date=date(2024, 5, 6),
           notes="An air strike hit a house; \"heavy\" damage."),
        ev("talks", event_type="Strategic developments", sub_event_type="Agreement",
           category="diplomacy", location="Cairo", latitude=30.04, longitude=31.24,
           country_code="EG", admin1="Cairo", actor1="Mediators", actor2="",
           event_date=date(2024, 5, 1), notes="Ceasefire talks resumed."),
        ev("protest", event_type="Protests", sub_event_type="Peaceful protest",
           category="protest", location="Tel Aviv", latitude=32.08, longitude=34.78,
           country_code="IL", admin1="Tel Aviv", actor1="Protesters (Israel)", actor2="",
           event_date=date(2024, 3, 30), notes="Families of hostages rallied."),
        ev("aleppo", location="Ḥalab", latitude=36.2, longitude=37.16, country_code="SY",
           admin1="Aleppo", event_date=date(2023, 12, 1),
           notes="Shelling of the ÉCOLE district."),
        ev("fiji", event_type="Protests", sub_event_type="Peaceful protest",
           category="protest", location="Labasa", latitude=-16.4, longitude=179.4,
           country_code="FJ", admin1="Northern", event_date=date(2024, 1, 2), actor1="Farmers",
           actor2="", notes="50% turnout"),
        ev("toll", is_total=True, notes="34,000 killed in the war so far."),
        ev("oct7", is_historical=True, event_date=date(2023, 10, 7), notes="The Oct. 7 raid."),
    ])
    return store


# -- storing ------------------------------------------------------------------------

def test_an_article_is_stored_once_with_its_events(store):
    article = Article(title="Strikes in Rafah", text="An air strike hit Rafah.",
                      published=date(2024, 5, 6), url="https://example.org/a")
    assert store.add_article(article, [ev("a1"), ev("a2")]) is True
    again = Article(title=article.title, text=article.text, url="https://example.org/b")
    assert store.add_article(again, [ev("b1")]) is False
    assert store.articles_count() == 1
    found = store.query()
    assert ids(found) == ["a1", "a2"]
    assert {e.article_hash for e in found} == {article.content_hash}
    store.add_events([ev("a1", fatalities=4)], replace=True)  # a correction, say
    assert [e.article_hash for e in store.query(make_filters(q="clashes"), 1)] == [article.content_hash]


def test_every_event_field_comes_back_as_stored(store):
    original = ev("full", event_date=date(2024, 2, 29), time_precision=2, fatalities=3,
                  geometry={"type": "LineString", "coordinates": [[34.2, 31.2], [34.5, 31.6]]},
                  geo_precision=2, notes='He said "no", then left,\nthen </script>.',
                  span=(10, 42), extra={"admin2": "Khan Yunis", "tags": "ünïcode"})
    undated = ev("undated", event_date=None, latitude=None, longitude=None)
    assert store.add_events([original, undated]) == 2
    assert {e.event_id: e for e in store.query()} == {"full": original, "undated": undated}


def test_imports_keep_stored_ids_unless_asked_to_replace(store):
    assert store.add_events([ev("x1"), ev("x2")]) == 2
    assert store.add_events([ev("x1", fatalities=9), ev("x3")]) == 1
    assert {e.event_id: e.fatalities for e in store.query()} == {"x1": 0, "x2": 0, "x3": 0}
    assert store.add_events([ev("x1", fatalities=9)], replace=True) == 1
    assert {e.event_id: e.fatalities for e in store.query()}["x1"] == 9


def test_a_failing_batch_leaves_the_store_unchanged(tmp_path):
    path = tmp_path / "events.sqlite"
    with SQLiteStore(path) as store:
        store.add_events([ev("kept")])
        before = store.query(make_filters(include_flagged=True))
        batch = [ev(f"new{i}") for i in range(1000)]
        batch[500] = ev("bad", latitude=123.0)  # invalid halfway through
        with pytest.raises(StoreError, match="501.*'bad'.*out of range"):
            store.add_events(batch)
        assert store.query(make_filters(include_flagged=True)) == before
        with pytest.raises(StoreError, match="unknown event_type"):
            store.add_article(Article(title="t", text="x"), [ev("a"), ev("b", event_type="War")])
        assert store.articles_count() == 0
        with pytest.raises(StoreError, match="already taken"):
            store.add_article(Article(title="t", text="x"), [ev("c"), ev("c")])
        assert store.articles_count() == 0
    with SQLiteStore(path) as reopened:  # and on disk, not only in this connection
        assert reopened.query(make_filters(include_flagged=True)) == before


@pytest.mark.parametrize("change, message", [
    (dict(sub_event_type="Peaceful protest"), "not one of 'Battles'"),
    (dict(category="skirmish"), "unknown category"),
    (dict(time_precision=4), "precision"),
    (dict(latitude=None), "both"),
    (dict(fatalities=-1), "fatalities"),
    (dict(extra={"seen": date(2024, 5, 1)}), "not JSON"),
])
def test_events_outside_the_vocabulary_or_ranges_are_refused(store, change, message):
    with pytest.raises(StoreError, match=message):
        store.add_events([ev("e", **change)])
    assert store.query(make_filters(include_flagged=True)) == []


def _indexes(store_path) -> list:
    with sqlite3.connect(store_path) as conn:
        return conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                            "ORDER BY name").fetchall()


def _plan(store_path, sql) -> str:
    with sqlite3.connect(store_path) as conn:
        return " ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))


def test_a_large_import_into_an_empty_store_keeps_its_indexes(tmp_path):
    # Past BULK_ROWS the store sets its indexes aside and builds them after the rows.
    path = tmp_path / "events.sqlite"
    many = BULK_ROWS + 50
    with SQLiteStore(path) as store:
        indexes = _indexes(path)
        batch = [ev(f"n{i}", event_date=date(2024, 1, 1 + i % 28)) for i in range(many)]
        batch[-2] = ev("bad", fatalities=-3)  # read after the indexes were dropped
        with pytest.raises(StoreError, match="fatalities"):
            store.add_events(batch)
        assert store.query(make_filters(include_flagged=True)) == []
        assert _indexes(path) == indexes  # the failed import gave them back
        batch[-2] = ev("fixed", event_date=date(2024, 2, 1), country_code="LB")
        assert store.add_events(batch) == many
        assert _indexes(path) == indexes
        assert [e.event_id for e in store.query(make_filters(since="2024-02-01"))] == ["fixed"]
        assert [e.event_id for e in store.query(make_filters(country="LB"))] == ["fixed"]
    assert "USING INDEX events_newest" in _plan(
        path, "SELECT * FROM events WHERE event_date >= '2024-02-01'")
    assert "USING INDEX events_country_newest" in _plan(
        path, "SELECT * FROM events WHERE country_code = 'LB'")


def test_rows_given_by_a_reader_that_does_not_check_them_are_checked(store):
    # add_rows trusts its rows on SQLite; the interface's own version (for stores that
    # do not write rows directly) goes through add_events and its checks.
    good, bad = (next(event_rows([e], None)) for e in (ev("good"), ev("bad")))
    bad = bad[:6] + ("skirmish",) + bad[7:]  # an unknown category
    with pytest.raises(StoreError, match="unknown category 'skirmish'"):
        EventStore.add_rows(store, [good, bad])
    assert store.query(make_filters(include_flagged=True)) == []
    assert EventStore.add_rows(store, [good]) == 1
    assert store.query() == [ev("good")]


# -- filters ------------------------------------------------------------------------

@pytest.mark.parametrize("types, expected", [
    (["Battles"], ["aleppo", "clash"]),                       # event_type
    (["Air/drone strike"], ["strike"]),                       # sub_event_type
    (["diplomacy", "protest"], ["fiji", "protest", "talks"]),  # categories
    ("strike", ["strike"]),                                   # one name, not a list
])
def test_type_filter_matches_type_sub_type_or_category(varied, types, expected):
    assert ids(varied.query(make_filters(types=types))) == expected


def test_date_filters_are_inclusive(varied):
    assert ids(varied.query(make_filters(since=date(2024, 5, 1)))) == ["strike", "talks"]
    assert ids(varied.query(make_filters(since="2024-04-26", until="2024-05-01"))) == ["clash", "talks"]
    assert ids(varied.query(make_filters(until=date(2023, 12, 31)))) == ["aleppo"]


def test_country_and_region_filters(varied):
    assert ids(varied.query(make_filters(country="eg"))) == ["talks"]
    assert ids(varied.query(make_filters(country="PS"))) == ["clash", "strike"]
    assert ids(varied.query(make_filters(region="rafah"))) == ["strike"]
    assert ids(varied.query(make_filters(country="PS", region="Khan Younis"))) == ["clash"]


@pytest.mark.parametrize("q, expected", [
    ("HOSPITAL", ["clash"]),          # notes, any case
    ("rafah", ["strike"]),            # location
    ("mediators", ["talks"]),         # actor1
    ("hamas", ["aleppo", "clash", "strike"]),  # actor2
    ('"heavy"', ["strike"]),          # quotes are plain characters
    ("50%", ["fiji"]),                # and so are LIKE's wildcards
    ("5_%", []),
    ("ḥalab", ["aleppo"]),            # beyond ASCII, case still ignored
    ("école", ["aleppo"]),
])
def test_text_search(varied, q, expected):
    assert ids(varied.query(make_filters(q=q))) == expected


def test_bbox_filter_including_across_the_antimeridian(varied):
    gaza = (34.2, 31.2, 34.6, 31.6)
    assert ids(varied.query(make_filters(bbox=gaza))) == ["clash", "strike"]
    assert ids(varied.query(make_filters(bbox=(170, -20, -170, -10)))) == ["fiji"]
    with pytest.raises(StoreError, match="bbox"):
        varied.query(make_filters(bbox=(34, 32, 35, 31)))  # south above north


def test_flagged_events_are_left_out_unless_asked_for(varied):
    assert "toll" not in ids(varied.query()) and "oct7" not in ids(varied.query())
    assert {"toll", "oct7"} <= set(ids(varied.query(make_filters(include_flagged=True))))
    assert varied.counts(make_filters())["Battles"] == 2
    assert varied.counts(make_filters(include_flagged=True))["Battles"] == 4


def test_counts_follow_the_same_filters(varied):
    assert varied.counts(make_filters()) == {"Battles": 2, "Protests": 2,
                                      "Explosions/Remote violence": 1,
                                      "Strategic developments": 1}
    assert varied.counts(make_filters(country="PS"), by="category") == {"armed clash": 1, "strike": 1}
    assert varied.counts(make_filters(q="no such words")) == {}


def test_newest_first_and_limit(varied):
    assert [e.event_id for e in varied.query(make_filters(), 3)] == ["strike", "talks", "clash"]
    varied.add_events([ev("undated", event_date=None)])
    assert varied.query()[-1].event_id == "undated"
    with pytest.raises(StoreError):
        varied.query(make_filters(since="last week"))


# -- the file -----------------------------------------------------------------------

def test_the_file_is_created_with_wal_and_a_schema_version(tmp_path):
    path = tmp_path / "deep" / "er" / "events.sqlite"
    with SQLiteStore(path) as store:
        store.add_events([ev("one")])
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    with SQLiteStore(path) as again:
        assert ids(again.query()) == ["one"]


def test_many_first_openings_at_once_all_succeed(tmp_path):
    """Servers open the store from several threads at their first requests: the ones
    switching the new file to WAL while another creates the tables must wait, not fail."""
    import threading

    path = tmp_path / "fresh.sqlite"
    errors, start = [], threading.Barrier(8)

    def open_and_count():
        start.wait()
        try:
            with SQLiteStore(path) as opened:
                opened.articles_count()
        except Exception as err:   # collected: an exception in a thread fails nothing
            errors.append(err)

    threads = [threading.Thread(target=open_and_count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with SQLiteStore(path) as opened:
        assert opened._connection().execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("id,name\n1,Rafah\n" * 10)
    with pytest.raises(StoreError, match="not an SQLite database"):
        SQLiteStore(path)
    assert path.read_text() == "id,name\n1,Rafah\n" * 10
    with pytest.raises(StoreError, match="folder"):
        SQLiteStore(tmp_path)


def test_another_programs_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="another program"):
        SQLiteStore(path)


def test_a_newer_schema_version_is_refused(tmp_path):
    path = tmp_path / "events.sqlite"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}.*upgrade"):
        SQLiteStore(path)


def test_a_closed_store_says_so(tmp_path):
    store = SQLiteStore(tmp_path / "events.sqlite")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.query()


def test_a_bulk_import_into_an_empty_store_leaves_it_in_wal_whether_or_not_others_read(
        tmp_path):
    many = [make_event(f"b{i}", 31.5, 34.4) for i in range(BULK_ROWS + 10)]
    for others_reading in (False, True):
        path = tmp_path / f"events-{others_reading}.sqlite"
        with SQLiteStore(path) as store:
            reader = SQLiteStore(path) if others_reading else None
            assert store.add_events(many) == len(many)
            if reader is not None:
                assert reader.count(make_filters()) == len(many)
                reader.close()
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == len(many)
