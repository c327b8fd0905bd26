"""Events that changed: a later report of a stored event with a higher toll or a finer
place updates that event, keeps the old values in its history and adds no second
event; an unrelated event stays apart; the same article again changes nothing.

The articles are written here; they go through the real extractor and gazetteer and
the ingest path's store_article, into real stores (SQLite, and PostGIS when there)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import add_user, log_in, make_app
from webapp.ingest_run import store_article
from webapp.models import Article
from webapp.store import open_store
from webapp.store.base import Filters

ALL = Filters(include_flagged=True)


def article(title: str, body: str, day: date) -> Article:
    return Article(title=title, text=f"{title}\n\n{body}", published=day,
                   url=f"https://news.example/{title.lower().replace(' ', '-')}")


CLASH = article(
    "Clashes in Jenin",
    "JENIN, West Bank (AP) -- Israeli forces clashed with Palestinian gunmen in Jenin on "
    "Monday; two gunmen were killed, the Palestinian Health Ministry said.",
    date(2024, 5, 6))
CLASH_TOLL = article(
    "Jenin clashes toll rises",
    "JENIN, West Bank (AP) -- Israeli forces clashed with Palestinian gunmen in Jenin on "
    "Monday; five gunmen were killed, the Palestinian Health Ministry said on Tuesday.",
    date(2024, 5, 7))
OTHER_CLASH = article(
    "Clashes in Nablus",
    "NABLUS, West Bank (AP) -- Israeli forces clashed with Palestinian gunmen in Nablus on "
    "Monday; one gunman was killed, the Palestinian Health Ministry said.",
    date(2024, 5, 6))
STRIKE = article(
    "Airstrike hits Gaza City",
    "GAZA CITY (AP) -- An Israeli airstrike hit a house in Gaza City on Monday, killing "
    "four people, Palestinian health officials said.",
    date(2024, 5, 6))
STRIKE_PLACE = article(
    "Monday's airstrike hit Shejaiya",
    "GAZA CITY (AP) -- The Israeli airstrike that killed four people on Monday hit a house "
    "in the Shejaiya neighbourhood of Gaza City, Palestinian health officials said on "
    "Tuesday.",
    date(2024, 5, 7))
STRIKE_AGAIN = article(
    "Gaza City strike",
    "GAZA CITY (AP) -- An Israeli airstrike on a house in Gaza City killed four people on "
    "Monday, Palestinian health officials said on Tuesday.",
    date(2024, 5, 7))


@pytest.fixture(scope="module")
def extractor(geocoder, regions):
    from webapp.extract.pipeline import Extractor

    return Extractor(geocoder, regions)


@pytest.fixture(params=["sqlite", "postgis"])
def store(request, tmp_path):
    target = (str(tmp_path / "events.sqlite") if request.param == "sqlite"
              else request.getfixturevalue("postgis_url"))
    with open_store(target) as opened:
        yield opened


def ingest(store, extractor, *articles):
    return [store_article(store, a, extractor.events(a), by="test") for a in articles]


def only_event(store):
    [event] = store.query(ALL)
    return event


def test_a_higher_toll_updates_the_event_and_keeps_the_old_one(store, extractor):
    ingest(store, extractor, CLASH)
    before = only_event(store)
    assert before.fatalities == 2 and before.location == "Janin"
    assert store.event_history(before.event_id) == []

    [(new, added)] = ingest(store, extractor, CLASH_TOLL)
    assert new and added == []                 # the article is stored, no second event
    after = only_event(store)
    assert after.event_id == before.event_id
    assert after.fatalities == 5
    assert after.extra["updated"] == "2024-05-07"
    [entry] = store.event_history(after.event_id)
    assert entry.old == {"fatalities": 2} and entry.new == {"fatalities": 5}
    assert entry.article_hash == CLASH_TOLL.content_hash
    # the counts the map and the region table show moved with it
    assert store.region_totals(ALL)[0][2:] == (1, 5)
    assert store.articles_count() == 2


def test_a_report_naming_the_neighbourhood_moves_the_event_there(store, extractor):
    ingest(store, extractor, STRIKE)
    before = only_event(store)
    assert before.location == "Gaza"

    ingest(store, extractor, STRIKE_PLACE)
    after = only_event(store)
    assert after.location == "Shujaiya"
    assert (after.latitude, after.longitude) != (before.latitude, before.longitude)
    assert after.fatalities == before.fatalities == 4
    [entry] = store.event_history(after.event_id)
    assert entry.old["location"] == "Gaza" and entry.new["location"] == "Shujaiya"

    # a later report naming only the city again does not move it back, nor add one
    ingest(store, extractor, STRIKE_AGAIN)
    assert only_event(store).location == "Shujaiya"
    assert len(store.event_history(after.event_id)) == 1
    # the map's clusters follow the event to its new place
    [cluster] = store.clusters(ALL, 14)
    assert (cluster.latitude, cluster.longitude) == (after.latitude, after.longitude)


def test_an_unrelated_event_is_not_merged(store, extractor):
    ingest(store, extractor, CLASH, OTHER_CLASH, STRIKE)
    events = {e.location: e for e in store.query(ALL)}
    assert set(events) == {"Janin", "Nablus", "Gaza"}
    assert events["Janin"].fatalities == 2 and events["Nablus"].fatalities == 1
    assert all("updated" not in e.extra for e in events.values())


def test_the_same_article_again_changes_nothing(store, extractor):
    ingest(store, extractor, CLASH, CLASH_TOLL)
    event = only_event(store)
    [(new, added)] = ingest(store, extractor, CLASH_TOLL)
    assert (new, added) == (False, [])
    assert only_event(store) == event
    assert len(store.event_history(event.event_id)) == 1


def test_the_history_is_shown_to_logged_in_users(tmp_path, geocoder, extractor):
    db = tmp_path / "events.sqlite"
    with open_store(str(db)) as store:
        ingest(store, extractor, CLASH, CLASH_TOLL)
        event_id = only_event(store).event_id
    app = make_app(db, geocoder, tmp_path)
    anonymous = app.test_client().get(f"/api/events/{event_id}")
    assert anonymous.status_code == 200 and "history" not in anonymous.json
    add_user(db)
    client = app.test_client()
    log_in(client, db)
    body = client.get(f"/api/events/{event_id}").json
    assert body["properties"]["fatalities"] == 5
    [entry] = body["history"]
    assert entry["old"] == {"fatalities": 2} and entry["new"] == {"fatalities": 5}
    assert entry["article"] == CLASH_TOLL.content_hash


def test_ingest_updates_events_when_asked(tmp_path):
    from conftest import run_cli

    for name, report in (("1-clash.json", CLASH), ("2-toll.json", CLASH_TOLL)):
        (tmp_path / name).write_text(json.dumps({
            "title": report.title, "text": report.text.split("\n\n", 1)[1],
            "published": report.published.isoformat(), "url": report.url}), "utf-8")
    plain, updating = tmp_path / "plain.sqlite", tmp_path / "updating.sqlite"
    files = [str(tmp_path / "1-clash.json"), str(tmp_path / "2-toll.json")]
    assert run_cli("ingest", *files, "--db", str(plain)).returncode == 0
    done = run_cli("ingest", *files, "--update-events", "--db", str(updating))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 article(s) ingested, 0 already stored, 0 failed; "
                                  "1 event(s)")
    with open_store(str(plain)) as store:   # as before: each report its own event
        assert sorted(e.fatalities for e in store.query(ALL)) == [2, 5]
    with open_store(str(updating)) as store:
        assert only_event(store).fatalities == 5
    refused = run_cli("ingest", *files, "--update-events", "--workers", "2",
                      "--db", str(updating))
    assert refused.returncode == 2 and "--update-events" in refused.stderr


def test_a_copy_keeps_the_history_and_what_the_watcher_has_seen(tmp_path, extractor,
                                                                  store_target):
    from webapp.store.feeds import FeedUpdate
    from webapp.store.transfer import copy_store

    feed = "https://news.example/wire.rss"
    with open_store(str(tmp_path / "src.sqlite")) as src:
        ingest(src, extractor, CLASH, CLASH_TOLL)
        src.add_articles([], feed=FeedUpdate(feed, ("item-1",), done=True, etag='"v1"'))
        src.feed_failed("https://news.example/down.rss", "HTTP 503 Service Unavailable",
                        "2024-05-07T08:05:00+00:00")
        with open_store(store_target) as dst:
            copied = copy_store(src, dst)
            assert (copied["event_history"], copied["feeds"],
                    copied["feed_items"]) == (1, 2, 1)
            event_id = only_event(dst).event_id
            assert dst.event_history(event_id) == src.event_history(event_id)
            assert dst.feed_state(feed) == src.feed_state(feed)
            assert dst.feed_seen(feed, ["item-1", "item-2"]) == {"item-1"}
            assert dst.feed_state("https://news.example/down.rss").failures == 1
