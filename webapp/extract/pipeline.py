"""From an article to its events.

Each sentence that reports something happening becomes an event: typed
(:mod:`.classify`), dated (:mod:`.dates`), placed (the sentence's own place, else its
neighbours'), with actors (:mod:`.actors`) and deaths (:mod:`.fatalities`). Mentions of
one event spread over several sentences are merged; running totals and history are
kept but flagged.

Untrusted articles (posted to the server) are read under a time limit: ``time_limit``
seconds, per call or for the extractor; past it, :class:`~.budget.ExtractionTimeout`
is raised and nothing is returned (no partial result). Text that is not valid Unicode
is refused with :class:`~.budget.UnreadableTextError`. Both are BriefingMapErrors.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import replace
from datetime import date

from webapp.extract.actor_types import CIVILIANS, inter_code, interaction
from webapp.extract.actors import find_actors
from webapp.extract.budget import Budget, check_text
from webapp.extract.classify import classify
from webapp.extract.dates import resolve_date
from webapp.extract.fatalities import ANOTHER_ACT, count_fatalities
from webapp.extract.finer import finest_inside
from webapp.extract.geoparse import Geoparser
from webapp.extract.movement import crossed_into, moved_in
from webapp.extract.relations import compose
from webapp.extract.sentences import Sentence, split
from webapp.extract.targeting import CIVILIAN_TARGETING, civilian_targeting
from webapp.geocoder.kinds import PlaceKind
from webapp.geocoder.resolver import Resolver
from webapp.models import Article, Event, Toponym

# Words that put the place after them where the event happened ("raids on Rafah",
# "talks in Cairo", "tanks in an area of southern Israel").
_LOCATIVE = re.compile(r"\b(?:in|at|on|near|to|into|inside|across|along|outside|of|from|"
                       r"around|toward|towards)\s+(?:the\s+|an?\s+(?:\w+\s+){0,2}(?:of\s+)?)?$",
                       re.IGNORECASE)
# "Prime Minister Mark Rutte of The Netherlands": "of" after a name is whom a person
# speaks for, not where the event is.
_AFFILIATION = re.compile(r"[A-Z][\w'’-]+\s+of\s+(?:[Tt]he\s+)?$")
_BORDER_WORD = re.compile(r"\b(?:border|cross-border|frontier)\b", re.IGNORECASE)
_NEIGHBOUR_PARAGRAPHS = 3  # how far back a sentence without a place looks for one
# _LOCATIVE reads this far back from a place name (its longest form, "towards an area
# of", is far shorter): a long sentence full of names stays linear, not quadratic.
_LOCATIVE_REACH = 80


class Extractor:
    def __init__(self, geocoder: Resolver, regions=None, time_limit: float | None = None):
        self.geocoder = geocoder
        self.geoparser = Geoparser(geocoder)
        self.regions = regions
        self.time_limit = time_limit  # seconds per article; None: no limit

    def events(self, article: Article, published: date | None = None, *,
               time_limit: float | None = None) -> list[Event]:
        """The article's events. ``time_limit`` (seconds, else the extractor's) bounds
        the work: past it, ExtractionTimeout is raised and nothing is returned."""
        check_text(title=article.title, text=article.text, url=article.url)
        budget = Budget(time_limit if time_limit is not None else self.time_limit)
        published = published or article.published
        toponyms = self.geoparser.toponyms(article.text, check=budget.checker,
                                           origin=article.url or article.source)
        starts = [t.start for t in toponyms]
        sentences = split(article.text)
        if sentences and sentences[0].text == article.title.strip():
            sentences = sentences[1:]  # the headline sums up the story: not an event
        events: list[Event] = []
        previous_place: tuple[Toponym | None, int] = (None, -99)
        last_paragraph = -99
        for sentence in sentences:
            budget.check()
            inside = toponyms[bisect_left(starts, sentence.start):
                              bisect_left(starts, sentence.end)]
            if inside:
                ask = lambda query, at: self.geocoder.geocode(  # noqa: E731
                    query, context=article.text, position=at)
                # a movement first: a phrase that composes the area itself ("into an
                # area of X close to Y") then has the last word
                inside = compose(article.text, moved_in(article.text, inside, toponyms, ask),
                                 ask)
            place = self._place(sentence, inside)
            found = classify(sentence.text)
            if found is None:
                continue
            inherited = place is None
            if inherited and sentence.paragraph - previous_place[1] <= _NEIGHBOUR_PARAGRAPHS:
                place = previous_place[0]
            when = resolve_date(sentence.text, published) if published else None
            event = self._event(article, sentence, found, place, when, len(events))
            if event.event_date is None and when is not None and when.vague:
                # A period, not a day ("in recent months"): no neighbour's date either.
                event = replace(event, event_date=published, time_precision=3)
            if event.event_date is None:
                # No date of its own: the story's previous event's, if close, else the
                # publication date ("its artillery then shelled ...").
                close = events and sentence.paragraph - last_paragraph <= 1
                event = replace(event, event_date=events[-1].event_date if close else published,
                                time_precision=events[-1].time_precision if close else 1)
            last_paragraph = sentence.paragraph
            if inherited and events and _continues(events[-1], event):
                events[-1] = _merge(events[-1], event)
                continue
            if events and _same_event(events[-1], event):
                events[-1] = _merge(events[-1], event)
                continue
            events.append(event)
            if not inherited:
                previous_place = (place, sentence.paragraph)
        events = [_with_codes(ev) for ev in events]
        if self.regions is not None:
            events = self.regions.assign(events)
        return events

    def _place(self, sentence: Sentence, inside: list[Toponym]) -> Toponym | None:
        """The sentence's own place: the first one a locative word introduces, else the
        most precise one; a bare "border" between two countries the sentence names is
        their shared border."""
        strong = [t for t in inside if not t.weak]
        for t in strong:
            # "gunmen from Lebanon raided into northern Israel": where they went, not
            # where they came from
            if crossed_into(sentence.text, t, sentence.start):
                return finest_inside(t, strong)
        for t in strong:
            at = t.phrase_start - sentence.start  # "in eastern Aleppo": before the phrase
            if _LOCATIVE.search(sentence.text, max(0, at - _LOCATIVE_REACH), at) and \
                    not _AFFILIATION.search(sentence.text, max(0, at - _LOCATIVE_REACH), at):
                return finest_inside(t, strong)
        if (_BORDER_WORD.search(sentence.text)
                and not any(t.kind == PlaceKind.BORDER for t in inside)):
            border = self._border_between(sentence, inside)
            if border is not None:
                return border
        precise = [t for t in strong if t.geo_precision < 3]
        return finest_inside(min(precise, key=lambda t: t.geo_precision), strong) \
            if precise else None

    def _border_between(self, sentence: Sentence, inside: list[Toponym]) -> Toponym | None:
        countries = list(dict.fromkeys(t.country_code for t in inside
                                       if t.kind == PlaceKind.COUNTRY and t.country_code))
        if len(countries) < 2:
            return None
        found = self.geocoder.border(countries[0], countries[1])
        if found is None:
            return None
        return Toponym(text="border", start=sentence.start, end=sentence.start,
                       name=found.name, latitude=found.latitude, longitude=found.longitude,
                       country_code=found.country_code, admin1=found.admin1,
                       kind=found.kind, geo_precision=found.geo_precision,
                       source=found.source, geometry=found.geometry)

    def _event(self, article, sentence, found, place, when, n) -> Event:
        deaths = count_fatalities(sentence.text)
        actor1, actor2 = find_actors(sentence.text)
        return Event(
            event_id=f"{article.content_hash[:12]}-{n + 1:03d}",
            event_date=when.event_date if when else None,
            time_precision=when.time_precision if when and when.event_date else 1,
            event_type=found.event_type, sub_event_type=found.sub_event_type,
            category=found.category, actor1=actor1, actor2=actor2,
            fatalities=deaths.count,
            location=place.name if place else "",
            latitude=place.latitude if place else None,
            longitude=place.longitude if place else None,
            geometry=place.geometry if place else None,
            country_code=place.country_code if place else "",
            admin1=place.admin1 if place else "",
            geo_precision=place.geo_precision if place else 3,
            notes=sentence.text, source=article.url or article.title,
            span=(sentence.start, sentence.end), is_total=deaths.is_total,
            is_historical=bool(when and when.historical), article_hash=article.content_hash,
            extra=_admin2(place),
        )


_VIOLENT = {"Battles", "Explosions/Remote violence", "Violence against civilians"}


def _continues(prev: Event, new: Event) -> bool:
    """A placeless sentence that goes on about the event before it: "Hezbollah said
    its fighters ambushed the convoy" after "Hezbollah fired missiles at a convoy",
    "he later died of his wounds"."""
    if new.is_total or new.is_historical or prev.is_total or prev.is_historical:
        return False
    same_kind = (new.event_type == prev.event_type or prev.category == new.category
                 or {new.event_type, prev.event_type} <= _VIOLENT)
    return same_kind and new.event_date == prev.event_date


def _same_event(prev: Event, new: Event) -> bool:
    return (prev.category == new.category and prev.location == new.location
            and prev.event_date == new.event_date and not (prev.is_total or new.is_total))


def _merge(prev: Event, new: Event) -> Event:
    """One event told twice: deaths are not added up (the same death, told again),
    unless the new sentence tells another strike of the same day and place ("another
    strike killed 3 more"): then one event, ACLED's way, with the dead of both."""
    another = ANOTHER_ACT.search(new.notes) and not (prev.is_total or new.is_total)
    return replace(
        prev,
        fatalities=prev.fatalities + new.fatalities if another
        else max(prev.fatalities, new.fatalities),
        actor1=prev.actor1 or new.actor1, actor2=prev.actor2 or new.actor2,
        notes=f"{prev.notes} {new.notes}",
        span=(prev.span[0], new.span[1]) if prev.span and new.span else prev.span,
        event_date=min(d for d in (prev.event_date, new.event_date) if d)
        if prev.event_date or new.event_date else None,
    )


def _admin2(place: Toponym | None) -> dict:
    """ACLED's admin2 where the gazetteer knows it. Its only second-level areas are US
    counties, so an event placed at a county gets that county; anything else, none
    (the gazetteer does not say which district a town is in, and a guess is worse)."""
    if place is not None and place.kind == "county":
        return {"admin2": place.name}
    return {}


def _with_codes(ev: Event) -> Event:
    """The event with ACLED's actor-type, interaction and civilian-targeting codes in
    ``extra`` (as ACLED's CSV has them: text), worked out from the whole merged event."""
    extra = dict(ev.extra)
    targeted = civilian_targeting(ev.event_type, ev.notes)
    inter1, inter2 = inter_code(ev.actor1), inter_code(ev.actor2)
    if targeted and inter2 is None and inter1 != CIVILIANS:
        inter2 = CIVILIANS  # ACLED always codes the targeted civilians as the other side
    if targeted:
        extra["civilian_targeting"] = CIVILIAN_TARGETING
    extra.update((k, str(v)) for k, v in (("inter1", inter1), ("inter2", inter2)) if v)
    if code := interaction(inter1, inter2):
        extra["interaction"] = code
    return replace(ev, extra=extra) if extra != ev.extra else ev
