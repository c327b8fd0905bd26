"""The timeline above the event list: how many events each day (or week, or month) holds,
as bars a reader can click to narrow the map to that time.

The bars count the view's events with every filter except the dates, so the whole span
stays in sight while a part of it is selected; the selected bars are marked. Spans of up
to :data:`MAX_DAY_BARS` days get a bar a day; longer ones a bar a week (weeks start on
Monday, as ISO's do), and beyond :data:`MAX_WEEK_BARS` weeks a bar a month. Plain data
only: the template draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

MAX_DAY_BARS = 92
MAX_WEEK_BARS = 104


@dataclass(frozen=True)
class Bar:
    first: date        # the bin's first and last day (both inclusive)
    last: date
    count: int
    selected: bool     # inside the view's since/until

    @property
    def label(self) -> str:
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()} – {self.last.isoformat()}"


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    unit: str          # "day", "week" or "month"
    undated: int       # events with no date: counted, not drawn

    @property
    def peak(self) -> int:
        return max((b.count for b in self.bars), default=0)


def build(counts: dict, since: str | None = None, until: str | None = None) -> Timeline | None:
    """Bars from ``{day: count}`` (days as ``date`` or ISO text; ``None`` for undated),
    marking those within ``since``..``until``; None when no event has a date."""
    days: dict[date, int] = {}
    undated = 0
    for key, count in counts.items():
        day = _day(key)
        if day is None:
            undated += int(count)
        else:
            days[day] = days.get(day, 0) + int(count)
    if not days:
        return None
    first, last = min(days), max(days)
    span = (last - first).days + 1
    if span <= MAX_DAY_BARS:
        unit, start, step = "day", first, _next_day
    elif span <= MAX_WEEK_BARS * 7:
        unit, start, step = "week", first - timedelta(days=first.weekday()), _next_week
    else:
        unit, start, step = "month", first.replace(day=1), _next_month
    low = _day(since) or date.min
    high = _day(until) or date.max
    bars = []
    while start <= last:
        end = step(start)
        count = sum(n for d, n in days.items() if start <= d < end)
        stop = end - timedelta(days=1)
        bars.append(Bar(start, stop, count, selected=low <= start and stop <= high))
        start = end
    return Timeline(bars, unit, undated)


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:   # a date an import left unreadable: not on the timeline
        return None


def _next_day(day: date) -> date:
    return day + timedelta(days=1)


def _next_week(day: date) -> date:
    return day + timedelta(days=7)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
