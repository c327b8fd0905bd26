"""Events that changed: a later article that reports an event already stored, with a
higher toll or a finer place, updates that event (its history kept by the store)
instead of adding a second one.

When two events are the same, as a general rule:

- the same event type (ACLED's family of sub-event types);
- dated within a day of each other (reports run a day behind, dates are approximate);
- the same place, or one inside or near the other: the coarser one's shape contains
  the finer one's point, or the coarser is a whole region holding the finer one, or
  they lie within a distance that grows with the coarser one's precision;
  (the new one is the finer place when its precision is finer, or when it lies in the
  stored place's shape or within a town's reach of it and its report names the
  stored place: "the Shejaiya neighbourhood of Gaza City");
- overlapping actors: they share one, or one of them names none (an unnamed actor
  is not a contradiction);
- neither is a running total or history recalled, and the stored one came from an
  article (imported rows are curated data, not corrected by news).

A stored event matched this way is corrected with what the new report adds — a higher
toll, a finer place, an actor it lacked — and marked ``extra["updated"]`` with the
day of the correction; a new report that adds nothing is a repeat and stores no
second event. Events that match nothing are stored as they are.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from webapp.extract.finer import TOWN_REACH_KM
from webapp.models import Article, Correction, Event
from webapp.store.base import EventStore, make_filters

# How near two places must be to be one, by the coarser one's precision (ACLED's
# geo_precision: 1 the town itself, 2 near a town or a district, 3 a region).
NEAR_KM = {1: 5.0, 2: 25.0, 3: 100.0}
DAYS_APART = 1
MAX_CANDIDATES = 200      # stored events read per new event, at most
PLACE_FIELDS = ("location", "latitude", "longitude", "geometry", "country_code", "admin1",
                "geo_precision")
_FIELDS = ("fatalities", "actor1", "actor2", *PLACE_FIELDS)   # what a correction sets


def reconcile(store: EventStore, article: Article,
              events: list[Event]) -> tuple[list[Event], list[Correction]]:
    """Split ``article``'s events into those to store as new and the corrections of
    stored events; ``store.add_articles(..., corrections={hash: corrections})``
    then writes both in one transaction."""
    keep: list[Event] = []
    corrected: dict[str, tuple[Event, Event]] = {}   # id -> (as stored, as corrected)
    day = (article.published or datetime.now(timezone.utc).date()).isoformat()
    for event in events:
        if not _matchable(event):
            keep.append(event)
            continue
        stored = [corrected.get(c.event_id, (c, c))[1]
                  for c in _candidates(store, event)]
        match = best_match(event, stored)
        if match is None:
            keep.append(event)
            continue
        changes = improvements(match, event)
        if changes:
            original = corrected.get(match.event_id, (match, match))[0]
            corrected[match.event_id] = (original, replace(match, **changes))
    corrections = []
    for original, now in corrected.values():
        changes = {f: getattr(now, f) for f in _FIELDS
                   if getattr(now, f) != getattr(original, f)}
        changes["extra"] = {**original.extra, "updated": day}
        corrections.append(Correction(original.event_id, changes))
    return keep, corrections


def same_event(a: Event, b: Event) -> bool:
    """Whether ``a`` and ``b`` report one event (the rule in the module's doc)."""
    return (_matchable(a) and _matchable(b) and a.event_type == b.event_type
            and abs((a.event_date - b.event_date).days) <= DAYS_APART
            and same_place(a, b) and actors_overlap(a, b))


def best_match(event: Event, stored: list[Event]) -> Event | None:
    """The stored event ``event`` reports again (the nearest, then the closest in
    date), or None."""
    found = [s for s in stored if s.article_hash and same_event(event, s)]
    if not found:
        return None
    return min(found, key=lambda s: (_km(event, s),
                                     abs((event.event_date - s.event_date).days),
                                     s.event_id))


def improvements(stored: Event, new: Event) -> dict:
    """The fields of ``stored`` that ``new`` makes more exact: a higher toll, a finer
    place, an actor ``stored`` lacks; empty when ``new`` adds nothing."""
    changes: dict = {}
    if new.fatalities > stored.fatalities:
        changes["fatalities"] = new.fatalities
    if _finer(new, stored):
        changes.update({f: getattr(new, f) for f in PLACE_FIELDS
                        if getattr(new, f) != getattr(stored, f)})
    names = {_actor(stored.actor1), _actor(stored.actor2)} - {""}
    offered = [a for a in dict.fromkeys((new.actor1, new.actor2))
               if a and _actor(a) not in names]
    for field in ("actor1", "actor2"):
        if not getattr(stored, field) and offered:
            changes[field] = offered.pop(0)
    return changes


def same_place(a: Event, b: Event) -> bool:
    """One place, or one inside or near the other."""
    if a.country_code and b.country_code and a.country_code != b.country_code:
        return False
    coarse, fine = (a, b) if a.geo_precision >= b.geo_precision else (b, a)
    if _contains(coarse.geometry, fine) or _contains(fine.geometry, coarse):
        return True
    if (coarse.geo_precision == 3 and coarse.country_code
            and (not coarse.admin1 or coarse.admin1 == fine.admin1)):
        return True   # a whole region (or country) and a place in it
    return _km(a, b) <= NEAR_KM.get(coarse.geo_precision, NEAR_KM[3])


def actors_overlap(a: Event, b: Event) -> bool:
    first = {_actor(x) for x in (a.actor1, a.actor2)} - {""}
    second = {_actor(x) for x in (b.actor1, b.actor2)} - {""}
    return not first or not second or bool(first & second)


def _finer(new: Event, stored: Event) -> bool:
    """Whether ``new`` places the event more exactly than ``stored``: a finer
    precision; or, at the same precision, a point inside the stored place's shape, or
    a place within a town's reach of it that the new report names as being in the
    stored place ("the Shejaiya neighbourhood of Gaza City" after "Gaza City"). A
    later report that names only the town again does not move the event back."""
    if new.geo_precision != stored.geo_precision or new.location == stored.location:
        return new.geo_precision < stored.geo_precision
    if _has_area(new.geometry):
        return False
    if _contains(stored.geometry, new):
        return True
    return _km(new, stored) <= TOWN_REACH_KM and _names(new.notes, stored.location)


def _names(text: str, place: str) -> bool:
    """Whether ``text`` names ``place`` (as a word, any case)."""
    return bool(place) and re.search(rf"(?<!\w){re.escape(place)}(?!\w)", text,
                                     re.IGNORECASE) is not None


def _matchable(event: Event) -> bool:
    return (event.event_date is not None and event.latitude is not None
            and event.longitude is not None and not event.is_total
            and not event.is_historical)


def _candidates(store: EventStore, event: Event) -> list[Event]:
    day = event.event_date
    filters = make_filters(types=(event.event_type,), country=event.country_code or None,
                           since=day - timedelta(days=DAYS_APART),
                           until=day + timedelta(days=DAYS_APART))
    return [e for e in store.query(filters, limit=MAX_CANDIDATES)
            if e.event_type == event.event_type]


def _actor(name: str) -> str:
    return " ".join((name or "").casefold().split())


def _km(a: Event, b: Event) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude,
                                                b.latitude, b.longitude))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _has_area(geometry: dict | None) -> bool:
    return bool(geometry) and geometry.get("type") in ("Polygon", "MultiPolygon")


def _contains(geometry: dict | None, event: Event) -> bool:
    if not _has_area(geometry) or event.latitude is None:
        return False
    from shapely.geometry import Point, shape

    try:
        return shape(geometry).covers(Point(event.longitude, event.latitude))
    except (ValueError, TypeError, AttributeError):   # a malformed stored shape
        return False
