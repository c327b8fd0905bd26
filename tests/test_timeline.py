"""The timeline above the event list: bars per day, week or month, linked to the view
narrowed to that time."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from webapp.models import Event
from webapp.web import timeline


def test_a_short_span_has_a_bar_a_day_and_empty_days_stay():
    built = timeline.build({"2024-05-01": 3, "2024-05-03": 1, None: 2})
    assert built.unit == "day"
    assert [(b.first, b.count) for b in built.bars] == [
        (date(2024, 5, 1), 3), (date(2024, 5, 2), 0), (date(2024, 5, 3), 1)]
    assert built.undated == 2
    assert built.peak == 3
    assert all(b.selected for b in built.bars)   # no dates chosen: the whole span is


def test_the_chosen_dates_are_marked():
    built = timeline.build({"2024-05-01": 3, "2024-05-02": 2, "2024-05-03": 1},
                           since="2024-05-02", until=None)
    assert [b.selected for b in built.bars] == [False, True, True]


def test_long_spans_fold_into_weeks_then_months():
    start = date(2024, 1, 3)   # a Wednesday
    weeks = timeline.build({start: 1, start + timedelta(days=200): 4})
    assert weeks.unit == "week"
    assert weeks.bars[0].first == date(2024, 1, 1)      # weeks start on Monday
    assert all((b.last - b.first).days == 6 for b in weeks.bars)
    assert sum(b.count for b in weeks.bars) == 5
    months = timeline.build({date(2020, 12, 31): 2, date(2024, 2, 29): 1})
    assert months.unit == "month"
    assert months.bars[0].first == date(2020, 12, 1)
    assert months.bars[1].first == date(2021, 1, 1)
    assert months.bars[-1].last == date(2024, 2, 29)
    assert sum(b.count for b in months.bars) == 3


def test_nothing_dated_means_no_timeline():
    assert timeline.build({}) is None
    assert timeline.build({None: 4, "not a date": 1}) is None


@pytest.fixture()
def client(store_target):
    from webapp.store import open_store
    from webapp.web import create_app

    db = store_target
    made = [Event(event_id=f"t{i}", event_date=date(2024, 5, 1 + i % 4), time_precision=1,
                  event_type="Battles", sub_event_type="Armed clash",
                  category="armed clash", location="Rafah", latitude=31.29,
                  longitude=34.25, geo_precision=1, country_code="PS",
                  notes=f"Clash {i}.") for i in range(10)]
    with open_store(db) as store:
        store.add_events(made)
    return create_app({"DB": str(db), "SNAPSHOT_BROWSER": "none"}).test_client()


def _bars(html: str) -> list[tuple[str, str]]:
    """(link, tooltip) of each bar on the page."""
    return [(unescape(href), title) for href, title in
            re.findall(r'<a href="([^"]+)" class="[^"]*">\s*<title>([^<]+)</title>', html)]


def test_the_map_page_shows_a_bar_a_day_and_each_narrows_the_view(client):
    page = client.get("/?country=PS").get_data(as_text=True)
    bars = _bars(page)
    assert [t for _, t in bars] == ["2024-05-01: 3 events", "2024-05-02: 3 events",
                                    "2024-05-03: 2 events", "2024-05-04: 2 events"]
    link = bars[1][0]
    query = parse_qs(urlsplit(link).query)
    assert query == {"country": ["PS"], "since": ["2024-05-02"], "until": ["2024-05-02"]}
    narrowed = client.get(link).get_data(as_text=True)
    assert '<strong id="total-count">3</strong>' in narrowed
    # the whole span is still drawn, the chosen day marked, and a way back offered
    assert len(_bars(narrowed)) == 4
    assert narrowed.count('class="sel"') == 1
    assert "all dates" in narrowed
