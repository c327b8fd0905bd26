"""`python -m webapp copy`: a whole store into an empty one (SQLite -> SQLite here, and
SQLite <-> PostGIS when the PostGIS store is there); the copy answers every question
as the original does, and a failed copy leaves nothing behind."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date

import pytest

from conftest import make_event, needs_postgis_store, run_cli

from webapp.errors import StoreError
from webapp.models import Article, UserPlace
from webapp.store import open_store
from webapp.store.accounts import Accounts
from webapp.store.base import Filters, make_filters
from webapp.store.transfer import copy_store

IMPORTED = 2500   # past the store's bulk threshold: the counts are tallied, not triggered


def fill(store) -> None:
    """Articles with events of every kind, a bulk import, users and tokens."""
    for n in range(3):
        article = Article(title=f"Report {n}", text=f"Text of report {n}.",
                          published=date(2024, 5, 1 + n), url=f"https://example.org/{n}",
                          source="wire")
        store.add_article(article, [
            make_event(f"A{n}-1", 31.3 + n / 10, 34.3, notes=f"strike {n}", span=(0, 9),
                       country_code="PS", admin1="Gaza", location="Rafah",
                       geometry={"type": "LineString",
                                 "coordinates": [[34.2, 31.2], [34.3, 31.3]]}),
            make_event(f"A{n}-2", None, None, day=None, event_type="Battles",
                       sub="Armed clash", category="armed clash", geo_precision=3),
            make_event(f"A{n}-3", 33.2, 35.4, fatalities=34_000, is_total=True,
                       country_code="LB", extra={"tags": ["total"], "n": n}),
        ], by="test")
    store.add_events([make_event(f"I{i}", -60 + (i % 120), -170 + (i * 7) % 340,
                                 day=date(2023, 1 + i % 12, 1 + i % 28),
                                 country_code=("SY", "UA", "SD")[i % 3],
                                 admin1=("North", "South")[i % 2], fatalities=i % 5,
                                 is_historical=i % 97 == 0)
                      for i in range(IMPORTED)], by="test", about={"file": "x.csv"})
    accounts = Accounts(store)
    accounts.add("alice", "editor", "alice-password", by="test")
    accounts.add("bob", "admin", "bob-password-2", by="test")
    store.token = accounts.make_token("alice", days=30, by="test")
    accounts.make_login_link_token("bob", by="test")
    store.places().add([UserPlace("Tel al-Hawa", 31.507, 34.436, ("Tal al-Hawa",),
                                  country_code="PS", admin1="Gaza", kind="neighbourhood")],
                       by="test")


def assert_same_answers(one, other) -> None:
    everything = Filters(include_flagged=True)
    gaza = make_filters(bbox=(34, 31, 35, 32), include_flagged=True)
    assert one.articles_count() == other.articles_count()
    for filters in (Filters(), everything, gaza, make_filters(types=["Battles"]),
                    make_filters(since="2023-03-01", until="2023-06-30", country="UA")):
        assert one.count(filters) == other.count(filters)
        for by in ("event_type", "category", "event_date"):
            assert one.counts(filters, by=by) == other.counts(filters, by=by)
        assert one.region_totals(filters) == other.region_totals(filters)
        for zoom in (1, 5, 12):
            assert sorted(one.clusters(filters, zoom), key=repr) == \
                sorted(other.clusters(filters, zoom), key=repr)
    assert list(one.iter_events(everything)) == list(other.iter_events(everything))
    # the user's gazetteer comes along (numbered anew by the copy)
    assert [replace(p, id=None) for p in one.places().page()] == \
        [replace(p, id=None) for p in other.places().page()]


def test_a_copy_answers_as_the_original(tmp_path):
    with open_store(tmp_path / "src.sqlite") as src, \
            open_store(tmp_path / "dst.sqlite") as dst:
        fill(src)
        told = {}
        copied = copy_store(src, dst, lambda table, n: told.update(
            {table: told.get(table, 0) + n}), by="test", about={"from": "src"})
        assert copied == {"articles": 3, "events": 9 + IMPORTED, "users": 2,
                          "api_tokens": 2, "audit": 9, "event_history": 0, "feeds": 0,
                          "feed_items": 0, "places": 1}
        assert told == {table: n for table, n in copied.items() if n}
        assert_same_answers(src, dst)
        assert dst.get_event("A1-1").article_hash == src.get_event("A1-1").article_hash
        assert dst.has_articles([Article("Report 2", "Text of report 2.").content_hash])
        # users log in as before: same password, same API token
        accounts = Accounts(dst)
        assert accounts.check_password("alice", "alice-password").role == "editor"
        assert accounts.by_token(src.token).name == "alice"
        trail = dst.audit_trail(100)
        assert trail[0].action == "store.copy" and trail[0].detail["events"] == 2509
        assert trail[1:] == src.audit_trail(100)


def test_the_command_copies_and_then_refuses_a_store_that_is_not_empty(tmp_path):
    source, dest = tmp_path / "src.sqlite", tmp_path / "new" / "dst.sqlite"
    with open_store(source) as src:
        fill(src)
    done = run_cli("copy", "--from", str(source), "--to", str(dest))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"copied {9 + IMPORTED:,} event(s), 3 article(s), "
                                  "2 user(s), 2 API token(s) and 9 audit row(s)")
    again = run_cli("copy", "--from", str(source), "--to", str(dest))
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        "error: the destination is not empty (it holds articles, events, users, audit, "
        "places); "
        "copy into a new store"]
    with open_store(source) as src, open_store(dest) as dst:
        assert_same_answers(src, dst)
        assert len(dst.audit_trail(100)) == 10   # the first copy's row, once


def test_a_failed_copy_leaves_nothing(tmp_path):
    source, dest = tmp_path / "src.sqlite", tmp_path / "dst.sqlite"
    with open_store(source) as src:
        fill(src)
    # an event deep in the bulk part that breaks the vocabulary's rules
    with sqlite3.connect(source) as conn:
        conn.execute("UPDATE events SET event_type = 'Nonsense' WHERE event_id = 'I2400'")
    done = run_cli("copy", "--from", str(source), "--to", str(dest))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "I2400" in lines[0]
    assert not dest.exists() and not list(tmp_path.glob("dst.sqlite*"))
    # into a store that exists: left empty, and usable
    with open_store(source) as src, open_store(dest) as dst:
        with pytest.raises(StoreError, match="I2400"):
            copy_store(src, dst)
        assert dst.count(Filters(include_flagged=True)) == 0
        assert dst.articles_count() == 0 and Accounts(dst).count() == 0
        assert dst.clusters(Filters(include_flagged=True), 3) == []
        assert dst.record_counts() == dict.fromkeys(dst.record_counts(), 0)


def test_bad_sources_and_destinations(tmp_path):
    store = tmp_path / "a.sqlite"
    with open_store(store) as src:
        src.add_events([make_event("E1", 31.5, 34.4)])
    missing = run_cli("copy", "--from", str(tmp_path / "none.sqlite"), "--to",
                      str(tmp_path / "b.sqlite"))
    assert missing.returncode == 1 and missing.stderr.startswith("error: no event store")
    assert not (tmp_path / "b.sqlite").exists()
    itself = run_cli("copy", "--from", str(store), "--to", str(tmp_path / "." / "a.sqlite"))
    assert itself.returncode == 1
    assert itself.stderr.strip() == "error: --from and --to name the same store"


# -- with PostGIS ----------------------------------------------------------------------

def needs_postgis_records():
    """Skip until the PostGIS store has the whole-store records (base.py's methods)."""
    needs_postgis_store()
    from webapp.store.base import EventStore
    from webapp.store.postgis import PostGISStore

    if PostGISStore.import_records is EventStore.import_records or \
            PostGISStore.export_records is EventStore.export_records:
        pytest.skip("PostGISStore has no export_records/import_records yet")


def test_sqlite_to_postgis_and_back(tmp_path, postgis_url):
    needs_postgis_records()
    with open_store(tmp_path / "src.sqlite") as src:
        fill(src)
    done = run_cli("copy", "--from", str(tmp_path / "src.sqlite"), "--to", postgis_url)
    assert done.returncode == 0, done.stderr
    back = run_cli("copy", "--from", postgis_url, "--to", str(tmp_path / "back.sqlite"))
    assert back.returncode == 0, back.stderr
    with open_store(tmp_path / "src.sqlite") as src, open_store(postgis_url) as pg, \
            open_store(tmp_path / "back.sqlite") as again:
        assert_same_answers(src, pg)
        assert_same_answers(src, again)
        assert Accounts(pg).check_password("bob", "bob-password-2").role == "admin"
        assert [e.action for e in again.audit_trail(100)[:2]] == ["store.copy"] * 2


def test_a_failed_copy_into_postgis_leaves_it_empty(tmp_path, postgis_url):
    needs_postgis_records()
    source = tmp_path / "src.sqlite"
    with open_store(source) as src:
        fill(src)
    with sqlite3.connect(source) as conn:
        conn.execute("UPDATE events SET event_type = 'Nonsense' WHERE event_id = 'I2400'")
    done = run_cli("copy", "--from", str(source), "--to", postgis_url)
    assert done.returncode == 1 and "I2400" in done.stderr
    with open_store(postgis_url) as pg:
        assert pg.count(Filters(include_flagged=True)) == 0 and pg.articles_count() == 0
        assert Accounts(pg).count() == 0 and pg.audit_trail(10) == []
