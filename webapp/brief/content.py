"""What a brief says, gathered from the store as plain data for every format to print.

Every number here is the store's answer to one aggregate query (counts by type and
category, totals by region, the grid cells of the hot spots) or a small ``LIMIT`` read
(the key events): a brief of a million events reads no more rows into Python than one
of a hundred. The same filters, narrowed to the brief's period, give the same numbers
from the JSON API (``/api/types``, ``/api/regions``, ``/api/events``'s ``total``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timezone

from webapp.assets import country_names
from webapp.brief.hotspots import HotSpot, find_hot_spots
from webapp.brief.key_events import KeyEvent, key_events
from webapp.brief.period import Period, brief_period
from webapp.models import vocabulary
from webapp.snapshot.caption import filters_text
from webapp.store.base import Filters

MAX_REGION_ROWS = 15     # regions listed by name; the rest are summed in one row
RISE_FACTOR = 2.0        # "rose sharply": at least twice the previous period's events
RISE_MIN = 5             # ... and at least this many more
CREDITS = ("Places: GeoNames (geonames.org), CC BY 4.0. Boundaries: Natural Earth "
           "(naturalearthdata.com), public domain.")


@dataclass(frozen=True)
class Row:
    """One line of a count table: this period's number and the previous one's."""

    name: str
    now: int
    before: int | None = None          # None: no comparison asked
    fatalities: int | None = None

    @property
    def change(self) -> str:
        """The change in words: "+12 (+40%)", "−3 (−20%)", "new", "0"."""
        if self.before is None:
            return ""
        diff = self.now - self.before
        if self.before == 0:
            return "new" if self.now else "0"
        sign = "+" if diff > 0 else "−" if diff < 0 else "±"
        return f"{sign}{abs(diff):,} ({sign}{abs(diff) / self.before:.0%})"


@dataclass(frozen=True)
class Brief:
    title: str
    filters: Filters                   # the user's filters, narrowed to the period
    period: Period | None
    previous: Period | None            # the period compared with, when asked
    made_at: datetime
    events: int = 0
    fatalities: int = 0                # of the events with a place (the grid's total)
    before_events: int | None = None
    by_type: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    by_region: list[Row] = field(default_factory=list)
    rising: list[Row] = field(default_factory=list)
    new_areas: list[Row] = field(default_factory=list)
    hot_spots: list[HotSpot] = field(default_factory=list)
    key_events: list[KeyEvent] = field(default_factory=list)

    @property
    def compared(self) -> bool:
        return self.previous is not None

    @property
    def period_words(self) -> str:
        return self.period.words if self.period else "no dated events"

    @property
    def method(self) -> list[str]:
        return method_notes(self)

    @property
    def summary(self) -> str:
        """The opening paragraph in plain words."""
        return summary_text(self)


def gather(store, filters: Filters, compare: bool = False, title: str | None = None,
           made_at: datetime | None = None) -> Brief:
    """The brief of ``filters`` (its period: their dates, else the events' own), with
    the previous period of the same length beside it when ``compare``."""
    period = brief_period(store, filters)
    made_at = made_at or datetime.now(timezone.utc)
    heading = title or filters_text(dataclasses.replace(filters, since=None, until=None))
    if period is None:
        return Brief(title=heading, filters=filters, period=None, previous=None,
                     made_at=made_at)
    now = period.filters(filters)
    previous = period.previous() if compare else None
    before = previous.filters(filters) if previous else None

    # The zoom-0 cells: every mapped event once, with its fatalities (a box is
    # answered in whole cells, so within a box the regions' sums stand in).
    grid = store.clusters(now, 0)
    regions_now = store.region_totals(now)
    regions_before = _region_index(store.region_totals(before)) if before else {}
    region_rows = [_region_row(c, a, n, k, regions_before, before is not None)
                   for c, a, n, k in regions_now]
    rising = [r for r in region_rows if r.before and r.now >= RISE_FACTOR * r.before
              and r.now - r.before >= RISE_MIN]
    new_areas = [r for r in region_rows if before is not None and r.before == 0]
    new_keys = [(c, a) for c, a, n, k in regions_now if before is not None
                and (c, a) not in regions_before]
    return Brief(
        title=heading, filters=now, period=period, previous=previous, made_at=made_at,
        events=store.count(now),
        fatalities=sum(c.fatalities for c in grid) if not now.bbox else
        sum(k or 0 for *_, k in regions_now),
        before_events=store.count(before) if before else None,
        by_type=_count_rows(store, now, before, "event_type", lambda k: k),
        by_category=_count_rows(store, now, before, "category", _category_label),
        by_region=_top_regions(region_rows),
        rising=rising, new_areas=new_areas,
        hot_spots=find_hot_spots(store, now, sum(c.count for c in grid)),
        key_events=key_events(store, now, new_keys))


def _count_rows(store, now, before, by: str, label) -> list[Row]:
    counts = store.counts(now, by=by)
    previous = store.counts(before, by=by) if before else {}
    names = list(counts) + [k for k in previous if k not in counts]
    return [Row(label(k), counts.get(k, 0), previous.get(k, 0) if before else None)
            for k in names]


def _category_label(key: str) -> str:
    return vocabulary()["categories"].get(key, {}).get("label", key)


def _region_index(rows) -> dict[tuple[str, str], int]:
    return {(c, a): n for c, a, n, _ in rows}


def _region_row(country, admin1, events, fatalities, before, compared) -> Row:
    name = f"{admin1}, {country_names().get(country, country)}"
    return Row(name, events, before.get((country, admin1), 0) if compared else None,
               fatalities or 0)


def _top_regions(rows: list[Row]) -> list[Row]:
    if len(rows) <= MAX_REGION_ROWS:
        return rows
    rest = rows[MAX_REGION_ROWS - 1:]
    before = None if rest[0].before is None else sum(r.before for r in rest)
    return rows[:MAX_REGION_ROWS - 1] + [
        Row(f"{len(rest):,} other regions", sum(r.now for r in rest), before,
            sum(r.fatalities or 0 for r in rest))]


def summary_text(brief: Brief) -> str:
    text = (f"{brief.events:,} event{'' if brief.events == 1 else 's'} and "
            f"{brief.fatalities:,} reported fatalit{'y' if brief.fatalities == 1 else 'ies'}.")
    if brief.compared:
        text += (f" The previous {brief.previous.length_words} ({brief.previous.words}) "
                 f"had {brief.before_events:,} event{'' if brief.before_events == 1 else 's'}.")
    if brief.hot_spots:
        text += (" Hot spots: " if len(brief.hot_spots) > 1 else " Hot spot: ") + \
            ", ".join(s.name for s in brief.hot_spots) + "."
    if brief.rising:
        text += " Activity rose sharply in " + ", ".join(r.name for r in brief.rising[:5]) + "."
    return text


def method_notes(brief: Brief) -> list[str]:
    notes = [
        "Events are extracted from news reports and imported ACLED-style data, typed in "
        "ACLED's vocabulary and placed with an offline gazetteer; each carries the "
        "report it came from. Running totals and recalled history are left out unless "
        "the filters include them.",
        "Every count is the event store's own aggregate for the filters shown, narrowed "
        "to the period; the map API gives the same numbers for the same filters. "
        "Fatalities are as reported and are summed over the events with a place.",
        "Hot spots are the map cells of about 1.4 degrees holding at least a tenth of "
        "the mapped events (at most three), each shown with the area around it. Key "
        "events are the deadliest, the first events in regions with none in the "
        "previous period, and strategic developments.",
    ]
    if brief.previous:
        notes.append(
            f"The comparison is with the previous {brief.previous.length_words} "
            f"({brief.previous.words}). A region's activity “rose sharply” when it had at "
            f"least {RISE_FACTOR:g} times as many events and {RISE_MIN} more.")
    notes.append("Events marked “updated” were corrected by a later report.")
    notes.append(CREDITS)
    return notes
