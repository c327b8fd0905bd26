"""The events a brief names one by one: the deadliest, the first in areas that were
quiet in the previous period, and strategic developments.

Each is read with a small ``LIMIT`` from the store, so a brief of a million events reads
a dozen rows here. An event a later report corrected (``extra["updated"]`` set) says
so, since the reader may remember the earlier figure.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from webapp.assets import country_names
from webapp.store.base import Filters

MOST_FATALITIES = 5
NEW_AREAS = 3
STRATEGIC = 3
STRATEGIC_TYPE = "Strategic developments"
SUMMARY_CHARS = 220
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"])")


@dataclass(frozen=True)
class KeyEvent:
    why: str                 # "most fatalities", "new area", "strategic development"
    event_id: str
    day: str                 # ISO date, or "" when undated
    place: str
    summary: str
    actors: str
    fatalities: int
    event_type: str
    source: str              # as stored: a URL or a report's title
    source_url: str | None   # the source when it is a web address, else None
    updated: bool

    @property
    def source_label(self) -> str:
        """What a link to the source shows: the site's name for a web address."""
        if not self.source_url:
            return self.source
        return urlsplit(self.source_url).netloc.removeprefix("www.") or self.source_url


def key_events(store, filters: Filters, new_areas: list[tuple[str, str]]) -> list[KeyEvent]:
    """The brief's key events under ``filters`` (already narrowed to its period);
    ``new_areas`` are (country code, admin-1) with events now and none before."""
    chosen: dict[str, KeyEvent] = {}

    def take(events, why: str) -> None:
        for event in events:
            if event.event_id not in chosen:
                chosen[event.event_id] = as_key_event(event, why)

    take(store.heaviest(filters, MOST_FATALITIES), "most fatalities")
    for country, admin1 in new_areas[:NEW_AREAS]:
        area = dataclasses.replace(filters, country=country, region=admin1)
        take(store.heaviest(area, 1) or store.query(area, limit=1), "new area")
    if not filters.types or STRATEGIC_TYPE in filters.types:
        take(store.query(dataclasses.replace(filters, types=(STRATEGIC_TYPE,)),
                         limit=STRATEGIC), "strategic development")
    return list(chosen.values())


def as_key_event(event, why: str) -> KeyEvent:
    actors = " and ".join(a for a in (event.actor1, event.actor2) if a)
    source = event.source or ""
    return KeyEvent(
        why=why, event_id=event.event_id,
        day=event.event_date.isoformat() if event.event_date else "",
        place=place_words(event), summary=one_line(event.notes), actors=actors,
        fatalities=event.fatalities, event_type=event.event_type, source=source,
        source_url=source if re.match(r"https?://[^\s]+$", source) else None,
        updated=bool((event.extra or {}).get("updated")))


def place_words(event) -> str:
    country = country_names().get(event.country_code, event.country_code)
    parts = [event.location, event.admin1 if event.admin1 != event.location else "", country]
    return ", ".join(dict.fromkeys(p for p in parts if p)) or "place unknown"


def one_line(notes: str) -> str:
    """The first sentence of an event's notes, cut to :data:`SUMMARY_CHARS`."""
    text = " ".join((notes or "").split())
    first = _SENTENCE_END.split(text, 1)[0]
    if len(first) <= SUMMARY_CHARS:
        return first
    return first[:SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"
