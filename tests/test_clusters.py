"""The map's marks at any size: every placed event under the filters is counted in
exactly one cluster at every zoom, whichever way the store answers (its per-cell counts
or the rows), and the counts stay right as events come, change and go."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from datetime import date, timedelta

import pytest

from webapp.errors import FilterError
from webapp.store import SQLiteStore, open_store
from webapp.store.base import make_filters
from conftest import make_event

KINDS = [("Explosions/Remote violence", "Air/drone strike", "strike"),
         ("Battles", "Armed clash", "armed clash"),
         ("Protests", "Peaceful protest", "protest"),
         ("Violence against civilians", "Attack", "attack on civilians")]
SPOTS = [(31.52, 34.45, "PS", "Gaza"), (31.29, 34.25, "PS", "Rafah"),
         (33.27, 35.20, "LB", "South"), (36.20, 37.15, "SY", "Aleppo"),
         (15.35, 44.20, "YE", "Amanat al Asimah"), (-17.8, 178.0, "FJ", "Central"),
         (-16.5, -179.9, "FJ", "Northern")]


def random_events(n: int, seed: int = 3) -> list:
    rng = random.Random(seed)
    events = []
    for i in range(n):
        lat, lon, country, admin1 = rng.choice(SPOTS)
        event_type, sub, category = rng.choice(KINDS)
        same_spot = rng.random() < 0.3   # many reports place events on a town's point
        events.append(make_event(
            f"r{i}", lat if same_spot else lat + rng.gauss(0, 0.05),
            lon if same_spot else max(-180.0, min(180.0, lon + rng.gauss(0, 0.05))),
            event_type=event_type, sub=sub, category=category, country_code=country,
            admin1=admin1, location=f"Town {i % 50}",
            day=date(2024, 1, 1) + timedelta(days=rng.randrange(120)),
            fatalities=rng.choice((0, 0, 1, 3)), is_total=rng.random() < 0.05))
    # and some without a place: counted in totals, in no mark
    events += [make_event(f"u{i}", None, None, country_code="PS", location="Town unknown")
               for i in range(7)]
    return events


@pytest.fixture(scope="module")
def store(module_store_target):
    """3,000 events, once in SQLite and once in PostGIS."""
    with open_store(module_store_target) as opened:
        opened.add_events(random_events(3000))
        yield opened


def placed(store, filters) -> int:
    return sum(1 for e in store.query(filters) if e.latitude is not None)


FILTERS = [{}, {"types": ["Battles"]}, {"types": ["strike", "Peaceful protest"]},
           {"country": "PS"}, {"include_flagged": True},
           {"since": "2024-02-01", "until": "2024-03-15"},          # answered from rows
           {"region": "Aleppo"}, {"q": "nothing like this"}]


@pytest.mark.parametrize("given", FILTERS)
@pytest.mark.parametrize("zoom", [0, 3, 8, 12, 13, 17])
def test_over_the_world_the_counts_add_up_to_the_filtered_total(store, given, zoom):
    filters = make_filters(**given)
    found = store.clusters(filters, zoom)
    assert sum(c.count for c in found) == placed(store, filters)
    for c in found:   # each mark is in its own cell (positions are rounded to 1e-6
        west, south, east, north = c.bounds   # degrees), and a single names its event
        assert west - 1e-6 <= c.longitude <= east + 1e-6
        assert south - 1e-6 <= c.latitude <= north + 1e-6
        assert sum(c.by_type.values()) == c.count
        assert (c.event_id is not None) == (c.count == 1)


@pytest.mark.parametrize("zoom", [2, 6, 8, 10, 12])
@pytest.mark.parametrize("given", [{"types": ["Battles"]}, {"country": "PS"},
                                   {"since": "2024-01-15", "until": "2024-03-10"},
                                   {"since": "2024-02-01"}, {"until": "2024-02-29"},
                                   {"since": "2024-02-03", "until": "2024-02-20"}])
def test_the_tabled_counts_and_the_rows_give_the_same_marks(store, zoom, given):
    tabled = store.clusters(make_filters(**given), zoom)
    # a text every event holds makes the store group the rows instead
    from_rows = store.clusters(make_filters(**given, q="town"), zoom)
    assert marks(tabled) == marks(from_rows)
    for by in ("category", "event_date"):
        counted = store.counts(make_filters(**given), by)
        assert counted == store.counts(make_filters(**given, q="town"), by)
    for by_type in (False, True):
        assert store.region_totals(make_filters(**given), by_type) == \
            store.region_totals(make_filters(**given, q="town"), by_type)
    boxed = {**given, "bbox": (34.3, 31.3, 34.6, 31.6)}
    assert store.count(make_filters(**boxed)) == store.count(make_filters(**boxed, q="town"))
    assert store.counts(make_filters(**boxed), "sub_event_type") == \
        store.counts(make_filters(**boxed, q="town"), "sub_event_type")


def marks(found):
    return sorted((c.bounds, c.count, c.event_id, tuple(sorted(c.by_type.items())),
                   round(c.latitude, 5), round(c.longitude, 5)) for c in found)


def test_a_view_holds_the_cells_it_touches_and_a_box_may_cross_the_antimeridian(store):
    gaza = make_filters(bbox=(34.2, 31.2, 34.6, 31.6))
    found = store.clusters(gaza, 9)
    assert found and all(c.bounds[2] > 34.2 and c.bounds[0] < 34.6 for c in found)
    assert sum(c.count for c in found) >= placed(store, gaza)
    fiji = store.clusters(make_filters(bbox=(177.0, -19.0, -179.0, -15.0)), 6)
    assert sum(c.count for c in fiji) == placed(store, make_filters(country="FJ"))


def test_counts_follow_events_that_are_added_changed_and_deleted(tmp_path):
    with SQLiteStore(tmp_path / "events.sqlite") as store:
        store.add_events([make_event("a", 31.5, 34.45), make_event("b", 31.5, 34.45)])
        assert [c.count for c in store.clusters(make_filters(), 5)] == [2]
        store.add_events([make_event("a", 33.3, 35.4, event_type="Battles",
                                     sub="Armed clash", category="armed clash")],
                         replace=True)   # moved to Lebanon, and another type
        marks = {c.event_id: c for c in store.clusters(make_filters(), 8)}
        assert set(marks) == {"a", "b"} and marks["a"].by_type == {"Battles": 1}
        with sqlite3.connect(store.path) as conn:   # deleting rows (as a cascade does)
            conn.execute("DELETE FROM events WHERE event_id = 'b'")
        assert [(c.event_id, c.latitude) for c in store.clusters(make_filters(), 8)] == [
            ("a", 33.3)]
        assert store.counts(make_filters()) == {"Battles": 1}


def test_a_bulk_import_into_a_full_store_counts_new_and_overwritten_rows(store_target):
    with open_store(store_target) as fresh:
        # each batch above BULK_ROWS: the grouped pass instead of the triggers
        events = random_events(25_000, seed=5)
        fresh.add_events(events[:12_000])
        fresh.add_events(events[8000:])           # 4,000 already there, kept
        fresh.add_events([dataclasses.replace(e, latitude=e.latitude and -e.latitude)
                          for e in events[:11_000]], replace=True)   # overwritten
        for zoom in (1, 7, 12, 15):
            assert sum(c.count for c in fresh.clusters(make_filters(), zoom)) == \
                placed(fresh, make_filters())
        assert fresh.counts(make_filters()) == fresh.counts(make_filters(since="1990-01-01"))
        assert marks(fresh.clusters(make_filters(), 6)) == \
            marks(fresh.clusters(make_filters(since="1990-01-01"), 6))


def test_counts_by_type_match_whichever_way_they_are_made(store):
    for by in ("event_type", "sub_event_type", "category"):
        assert store.counts(make_filters(country="PS"), by) == \
            store.counts(make_filters(country="PS", since="1990-01-01"), by)
    assert store.count(make_filters()) == len(store.query(make_filters()))


def test_zoom_out_of_range_is_refused(store):
    for zoom in (-1, 19, 2.5, True):
        with pytest.raises(FilterError):
            store.clusters(make_filters(), zoom)


def test_the_counts_tallied_during_a_bulk_import_are_those_sql_makes(tmp_path):
    from webapp.store import cells, days, points, regions_table

    path = tmp_path / "events.sqlite"
    events = random_events(30_000, seed=11)
    with SQLiteStore(path) as store:
        store.add_events(events[:12_000])      # into an empty store
        store.add_events(events[12_000:])      # into a full one: both tallied

    def table(conn):
        return {row[:9]: row[9:] for row in conn.execute(
            "SELECT * FROM event_cells WHERE n <> 0")}

    def day_table(conn):
        return {row[:6]: row[6] for row in conn.execute(
            "SELECT * FROM event_days WHERE n <> 0")}

    def region_table(conn):
        return {row[:6]: row[6:] for row in conn.execute(
            "SELECT * FROM event_regions WHERE n <> 0")}

    def point_table(conn):
        return {row[:7]: row[7:] for row in conn.execute(
            "SELECT * FROM event_points WHERE n <> 0")}

    with sqlite3.connect(path) as conn:
        tallied, tallied_points = table(conn), point_table(conn)
        tallied_days, tallied_regions = day_table(conn), region_table(conn)
        cells.rebuild(conn)                   # the same counts, grouped by SQL
        points.rebuild(conn)
        days.rebuild(conn)
        regions_table.rebuild(conn)
        assert region_table(conn) == tallied_regions and len(tallied_regions) > 10
        assert day_table(conn) == tallied_days and len(tallied_days) > 100
        grouped = table(conn)
        assert point_table(conn) == tallied_points and len(tallied_points) > 1000
        conn.rollback()
    assert tallied.keys() == grouped.keys()
    for key, (n, lat, lon, ident, dead) in tallied.items():
        assert (n, ident, dead) == (grouped[key][0], grouped[key][3], grouped[key][4])
        assert lat == pytest.approx(grouped[key][1], rel=1e-12, abs=1e-9)
        assert lon == pytest.approx(grouped[key][2], rel=1e-12, abs=1e-9)


def test_a_close_view_of_very_many_events_over_a_long_range_is_answered_coarser(tmp_path,
                                                                                monkeypatch):
    from webapp.store import aggregates as backend

    with SQLiteStore(tmp_path / "events.sqlite") as store:
        store.add_events(random_events(3000, seed=2))
        gaza = make_filters(bbox=(34.3, 31.4, 34.6, 31.6), since="2024-01-01",
                            until="2024-12-31")
        assert store.answer_zoom(gaza, 12) == 12          # few enough to read
        monkeypatch.setattr(backend, "CLOSE_VIEW_EVENTS", 100)
        assert store.answer_zoom(gaza, 12) == 10          # too many: the table's zoom
        short = make_filters(bbox=gaza.bbox, since="2024-01-01", until="2024-02-15")
        assert store.answer_zoom(short, 12) == 12         # a few weeks: read by date
        assert store.answer_zoom(make_filters(bbox=gaza.bbox), 12) == 12   # by point
        assert store.answer_zoom(gaza, 13) == 13   # closer: marks must split, read them
        found = store.clusters(gaza, 10)
        assert sum(c.count for c in found) >= placed(store, gaza)
