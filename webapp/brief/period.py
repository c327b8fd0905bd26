"""The days a brief covers, and the days it is compared with.

A brief always covers a closed run of days: the filters' ``since`` and ``until`` when
given, else the first and last day the selected events carry (asked of the store's
per-day counts, one row per day). The previous period is the run of the same length
that ends the day before, so "this week against last week" needs no arithmetic from
the reader.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

from webapp.snapshot.caption import _dates_text
from webapp.store.base import Filters


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def words(self) -> str:
        """E.g. "3 May 2024", "1–7 May 2024", "28 April – 4 May 2024"."""
        return _dates_text(self.first.isoformat(), self.last.isoformat())

    @property
    def length_words(self) -> str:
        return "1 day" if self.days == 1 else f"{self.days:,} days"

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last)

    def filters(self, filters: Filters) -> Filters:
        """``filters`` narrowed to these days."""
        return dataclasses.replace(filters, since=self.first.isoformat(),
                                   until=self.last.isoformat())


def brief_period(store, filters: Filters) -> Period | None:
    """The days a brief of ``filters`` covers; None when neither the filters nor any
    selected (dated) event says."""
    since = date.fromisoformat(filters.since) if filters.since else None
    until = date.fromisoformat(filters.until) if filters.until else None
    if since and until:
        return Period(since, until)
    days = [d for d in store.counts(filters, by="event_date") if d]
    if not days:
        if since or until:
            return Period(since or until, until or since)
        return None
    first, last = date.fromisoformat(min(days)), date.fromisoformat(max(days))
    return Period(since or first, until or max(last, since or last))
