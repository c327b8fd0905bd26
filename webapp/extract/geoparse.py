"""Finding and resolving the places a text names.

Recognition needs no model: capitalised phrases are looked up in the gazetteer's name
index (see :func:`webapp.geocoder.context.capitalised_mentions`), spatial expressions
("northern Gaza", "the Israel-Lebanon border", "10 km south of Tyre") are matched whole,
and rules drop the false matches news text is full of: people's names ("Abbas Kamel",
"Mark Rutte"), words after titles ("President", "Minister"), organisations ("Hamas"),
weekdays. Resolution asks the geocoder with the whole text as context and the mention's
offset, so places named together pull each other's readings.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import replace

from webapp.geocoder.context import TITLES, capitalised_mentions, mention_key
from webapp.geocoder.kinds import LOCAL_KINDS, PlaceKind
from webapp.geocoder.resolver import MAX_QUERY_CHARS, Resolver
from webapp.models import Toponym

# A capitalised name of up to four words. Every quantifier here is bounded or possessive
# (``*+``, ``{0,60}+``): a name's word is never longer than 60 characters, and
# whitespace or a word, once read, is never given back, so adversarial text (thousands
# of hyphenated capitals, long runs of spaces) is read in linear time, not
# quadratic or worse. Giving back could never make a match here: what follows a word
# is whitespace or the end, which no word character matches.
_NAME_WORD = r"[A-Z][\w'’.-]{0,60}+"
_CAP = rf"{_NAME_WORD}(?:\s++(?:(?:al|el|de|of|the)\s*+)?+{_NAME_WORD}){{0,3}}+"
# The same, with its last word free to give back its end: "Israel-Lebanon" is read as
# "Israel", then the dash of a "X-Y border".
_CAP_BEFORE_DASH = (r"[A-Z][\w'’.-]{0,60}(?:\s++(?:(?:al|el|de|of|the)\s*+)?+"
                    r"[A-Z][\w'’.-]{0,60}){0,3}")
_DIRECTION = (r"(?i:north|south|east|west|central|north-?east|north-?west|south-?east|"
              r"south-?west)(?:ern)?")
# Spatial expressions recognised whole; the geocoder parses their meaning. The group
# ``name`` is the place name a one-name phrase is built on: the toponym's span is that
# name (its reading stays the phrase's); a phrase of two names ("the Israel-Lebanon
# border", "the border between Israel and Lebanon") names no one place, and a
# capitalised direction ("Southern California") is part of a name: both keep their
# whole span.
_EXPRESSIONS = [
    re.compile(rf"\b\d++(?:\.\d+)?+\s*+(?:km|kilometers|kilometres|miles)\s++{_DIRECTION}\s++"
               rf"of\s++(?P<name>{_CAP})"),
    re.compile(rf"\b(?:the\s++)?{_CAP_BEFORE_DASH}\s*+[-–—/]\s*+{_CAP}\s++"
               r"(?:border|frontier)\b"),
    re.compile(rf"\b(?:the\s++)?border\s++(?:with|between)\s++(?P<name>{_CAP})"
               rf"(?:\s++and\s++(?P<other>{_CAP}))?"),
    re.compile(rf"\b(?:the\s++)?(?P<name>{_CAP})\s++border\b"),
    re.compile(rf"\b(?:far\s++)?(?P<direction>{_DIRECTION})\s++(?P<name>{_CAP})"),
]
# Words that make the state or county before them the seat of an institution ("Kentucky
# State Police", "Queensland Police Service", "Metcalfe County Sheriff's Office"): the
# place is named, not a person's or a company's name.
_INSTITUTIONS = frozenset(
    "police state department ministry government university college hospital county "
    "council health fire sheriff sheriff's airport court army guard public school schools "
    "service office emergency legislature assembly parliament senate provincial regional "
    "authority municipality district".split()
)
_NEXT_WORD = re.compile(r"[ \t]++([A-Z][\w'’]*+)")
_PREVIOUS_WORD = re.compile(r"([\w'’.]++)[ \t]++$")
_FUNCTION = frozenset("the a an in of at on for from by to and or with".split())
# The words that make a place's name a newspaper's ("The New York Times")
_PAPERS = frozenset("times post herald tribune journal gazette chronicle courier "
                    "examiner observer telegraph".split())
# A full stop after a word of four letters or more, then a space: not "St." or "U.S."
_SENTENCE_BREAK = re.compile(r"(?<=[A-Za-z]{4})\.\s")
_SENTENCE_START = re.compile(r"(?:^|[.!?\n][\"'”’)]?\s*|\n)$")
# Single small places named alone are the classic false match ("Kamel", "Naim"): keep
# them only when the text's other evidence points at their country.
_MIN_UNBACKED_POPULATION = 20_000


class Geoparser:
    def __init__(self, geocoder: Resolver):
        self.geocoder = geocoder

    def toponyms(self, text: str, check=None, origin: str = "") -> list[Toponym]:
        """Every place mention in ``text`` with its resolution, in text order.

        ``check``, when given, is called between steps and may raise to stop the work
        (see :class:`webapp.extract.budget.Budget`); ``origin``, the article's URL or
        feed, may name the publisher's home state (the story's focus)."""
        check = check or _no_check
        ctx = self.geocoder.context(text, check=check, origin=origin)
        found: list[Toponym] = []
        taken: list[tuple[int, int]] = []
        names = {}  # a one-name expression's start -> its name's span
        for start, end, name in self._expressions(text):
            check()
            if len(" ".join(text[start:end].split())) > MAX_QUERY_CHARS:
                continue  # no place's name is that long (and the geocoder refuses it)
            top = self._resolve(text, start, end, ctx, expression=True)
            if top is not None:
                found.append(top)
                taken.append((start, end))
                # a phrase that is itself a place's name ("North Carolina", "Eastern
                # Cape", "South Sudan") is that name, not a part of another place
                if name is not None and not self.geocoder.knows_name(
                        mention_key(text[start:end])):
                    names[start] = name
        lowercase_words = set(re.findall(r"\b[a-z][a-z'-]+\b", text))
        taken.sort()
        taken_starts = [s for s, _ in taken]
        for m in self._mentions(text, check):
            check()
            k = bisect_right(taken_starts, m.start) - 1  # expressions never overlap
            if (k >= 0 and m.start < taken[k][1]) or not self._plausible(m):
                continue
            # "More than 34,000 ...": a word the text also writes in lower case is an
            # ordinary word capitalised at a sentence start, unless it names a country.
            common = text[m.start:m.end].lower() in lowercase_words
            initial = _SENTENCE_START.search(text[max(0, m.start - 3):m.start]) is not None \
                or m.start == 0
            top = self._resolve(text, m.start, m.end, ctx, in_run=m.in_run,
                                common=common, initial=initial,
                                institution=_before_institution(text, m.end))
            if top is not None:
                found.append(top)
        # One sense per text compares the phrases read ("eastern Aleppo" is not
        # "Aleppo"); only then does each expression's span become its name's.
        return [_named(text, t, names.get(t.start))
                for t in _one_sense_per_text(sorted(found, key=lambda t: t.start))]

    def _mentions(self, text: str, check):
        """The names the gazetteer knows in ``text``, and the user's own places'
        when the geocoder carries them (webapp.geocoder.user_places)."""
        found = capitalised_mentions(text, self.geocoder, check)
        with_user_places = getattr(self.geocoder, "user_mentions", None)
        return found if with_user_places is None else with_user_places(text, found)

    def _expressions(self, text: str):
        """(start, end, name) of each spatial expression, ``name`` the span of the one
        place name it is built on (None for a phrase of two names)."""
        spans = []
        for pattern in _EXPRESSIONS:
            for m in pattern.finditer(text):
                # A name's word may hold full stops ("U.S.", "St."), so the pattern can
                # run on past a sentence's end ("northern China. At"): cut it there.
                stop = _SENTENCE_BREAK.search(m.group())
                end = m.start() + stop.start() + 1 if stop else m.end()
                if text[end - 1] == ".":
                    end -= 1
                if not any(s < end and m.start() < e for s, e, _ in spans):
                    spans.append((m.start(), end, _name_span(m, end)))
        return sorted(spans)

    def _plausible(self, m) -> bool:
        previous = m.previous.rstrip(".").lower()
        return previous not in TITLES

    def _resolve(self, text, start, end, ctx, in_run=False, common=False,
                 initial=False, expression=False, institution=False) -> Toponym | None:
        surface = text[start:end]
        found = self.geocoder.resolve(surface, ctx, start)
        if found is None:
            return None
        weak = (self.geocoder.demonym_country(mention_key(surface)) is not None
                and found.kind == PlaceKind.COUNTRY)
        strong = expression or weak or found.kind not in LOCAL_KINDS
        if common and found.kind != PlaceKind.COUNTRY and not weak:
            return None
        if not strong:
            share = ctx.country_share(found.country_code, exclude=mention_key(surface))
            population = found.population
            # a state's or county's institution ("Kentucky State Police") names it
            seat = institution and found.kind in (PlaceKind.ADMIN_AREA, PlaceKind.COUNTY)
            # a state or province the text's other places lie in is that area when it
            # heads a name ("Manitoba Underdogs Rescue" in Winnipeg news), unless the
            # name is a paper's ("New York Times") or it follows one ("Racing Victoria")
            seat = seat or (found.kind == PlaceKind.ADMIN_AREA
                            and _heads_name(text, start, end) and ctx.names_admin1(
                                found.country_code, found.admin1,
                                exclude=mention_key(surface)))
            if in_run and population < 100_000 and not seat:
                return None  # part of a name ("Abbas Kamel", "Camp David Accords")
            if initial and share == 0 and " " not in surface:
                return None  # "More than 200 people": a capital only for the sentence
            if (share == 0 and found.kind == PlaceKind.CITY
                    and population < _MIN_UNBACKED_POPULATION):
                return None
        return Toponym(text=surface, start=start, end=end, name=found.name,
                       latitude=found.latitude, longitude=found.longitude,
                       country_code=found.country_code, admin1=found.admin1,
                       kind=found.kind, geo_precision=found.geo_precision,
                       source=found.source, geometry=found.geometry, weak=weak)


def _no_check() -> None:
    pass


def _name_span(m: re.Match, end: int) -> tuple[int, int] | None:
    """The span of the one name expression ``m`` (cut at ``end``) is built on."""
    groups = m.groupdict()
    if "name" not in groups or groups.get("other") is not None:
        return None
    if (groups.get("direction") or "x")[0].isupper():
        return None  # "Southern California", "East Java": the capital makes it a name
    start, name_end = m.span("name")
    name_end = min(name_end, end)
    return (start, name_end) if start < name_end else None


def _named(text: str, t: Toponym, name: tuple[int, int] | None) -> Toponym:
    """``t`` with the span of the name its expression is built on, its reading kept."""
    if name is None or (name[0], name[1]) == (t.start, t.end):
        return t
    return replace(t, text=text[name[0]:name[1]], start=name[0], end=name[1],
                   phrase=(t.start, t.end))


def _heads_name(text: str, start: int, end: int) -> bool:
    """Whether the name at ``start:end`` starts the capitalised words around it (no
    capitalised word but a function word before it) and they do not name a paper."""
    before = _PREVIOUS_WORD.search(text, max(0, start - 40), start)
    if before and before.group(1)[:1].isupper() and before.group(1).lower() not in _FUNCTION:
        return False
    following = _NEXT_WORD.match(text, end)
    return following is None or following.group(1).lower() not in _PAPERS


def _before_institution(text: str, end: int) -> bool:
    following = _NEXT_WORD.match(text, end)
    return following is not None and following.group(1).lower() in _INSTITUTIONS


def _one_sense_per_text(toponyms: list[Toponym]) -> list[Toponym]:
    """A name means one place throughout a text: "Rafah" read as Egyptian once, beside
    "Egypt", among eight readings as Gaza's Rafah is Gaza's too. The reading most of its
    mentions got (the first, on a tie) wins."""
    readings: dict[str, list[Toponym]] = {}
    for t in toponyms:
        readings.setdefault(mention_key(t.text), []).append(t)
    winners = {}
    for key, group in readings.items():
        votes = Counter(t.source for t in group)
        winners[key] = max(group, key=lambda o: votes[o.source]), votes
    out = []
    for t in toponyms:
        best, votes = winners[mention_key(t.text)]
        if best.source != t.source and votes[best.source] > votes[t.source]:
            t = replace(best, text=t.text, start=t.start, end=t.end)
        out.append(t)
    return out
