"""The user's own places (webapp.store.places) known to the geocoder beside the offline
gazetteer.

:class:`UserPlacesGeocoder` wraps any geocoder (offline, or the fallback chain) and
answers as it does, with two additions: the geoparser finds the user's place names in
a text (:meth:`~UserPlacesGeocoder.user_mentions`, asked by
:class:`webapp.extract.geoparse.Geoparser`), and :meth:`~UserPlacesGeocoder.geocode`
weighs a user place of the name against the gazetteer's reading.

The rule between the two is general, not per place: the user's place wins when the
gazetteer knows no place of that name, when both readings lie in one country (the
user's is the one they meant: a finer point, a shape), when the user's place has no
country, or when the text points at the user's country more than at the gazetteer's.
So an ACLED export's "Paris" (Texas) does not move every Paris to Texas, but a report
from Texas gets it.

The index is built from the store once, and again only when the store's places
version changes (:meth:`~UserPlacesGeocoder.keep_current`, checked at most every
``check_seconds``), never per article.
"""

from __future__ import annotations

import re
import threading
import time
from typing import NamedTuple

from geopy.location import Location

from webapp.geocoder.context import Context, Mention, haversine_km, mention_key
from webapp.geocoder.resolver import Resolved
from webapp.models import UserPlace

_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_MAX_WORDS = 6       # the longest name looked for, in words
_POSSESSIVE = re.compile(r"['’]s?$")
# a name written with its article in lower case ("al-Mawasi"), capitalised after it
_ARTICLE_NAME = re.compile(r"(?:al|el|ad|an|ar|as|ash|at|az|ed|en|es)-[A-Z]")
SAME_TOWN_KM = 25    # a user's point and the gazetteer's this close: one town


class UserPlaceIndex(NamedTuple):
    """Places by the key of each of their names, and the keys of names' first words
    (so that a text's words are looked up only where a name may start)."""

    version: object          # (the store's name, its places version); None: none yet
    by_key: dict
    first_words: frozenset
    longest: int

    @classmethod
    def build(cls, version, places) -> "UserPlaceIndex":
        by_key: dict[str, list[UserPlace]] = {}
        first, longest = set(), 1
        for place in places:
            for name in dict.fromkeys((place.name, *place.alternate_names,
                                       *_acled_parts(place.name))):
                key = mention_key(name)
                words = _WORD.findall(name)   # as a text's words are read
                if not key or not words or len(words) > _MAX_WORDS:
                    continue
                bucket = by_key.setdefault(key, [])
                if place not in bucket:
                    bucket.append(place)
                first.add(mention_key(words[0]))
                longest = max(longest, len(words))
        return cls(version, by_key, frozenset(first), longest)


EMPTY = UserPlaceIndex(None, {}, frozenset(), 1)


def _acled_parts(name: str) -> list[str]:
    """ACLED names a part of a town "Town - Part" ("Gaza City - Shujaiyeh"): the part
    is written alone in reports."""
    if " - " not in name:
        return []
    return [name.rsplit(" - ", 1)[1].strip()]


class UserPlacesGeocoder:
    """``inner`` (any geocoder) with the user's places: see the module docstring."""

    def __init__(self, inner, check_seconds: float = 1.0):
        self.inner = inner
        self.check_seconds = check_seconds
        self.index = EMPTY
        self._checked_at = -float("inf")
        self._lock = threading.Lock()

    def __getattr__(self, name):
        # everything else (gaz, context, resolve_area ...) is the inner geocoder's
        if name == "inner":   # not yet set (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    # -- keeping the index current -----------------------------------------------------

    def keep_current(self, store, force: bool = False) -> bool:
        """Rebuild the index when ``store``'s places changed since it was built
        (their version is read at most every ``check_seconds``); True when rebuilt."""
        now = time.monotonic()
        if not force and now - self._checked_at < self.check_seconds:
            return False
        with self._lock:
            self._checked_at = now
            shelf = store.places()
            # the store's name with its version: another store's version 3 is not this one's
            if (str(store.path), shelf.version()) == self.index.version:
                return False
            version, places = shelf.snapshot()
            self.use((str(store.path), version), places)
            return True

    def use(self, version, places) -> None:
        """Take these places (of ``version``: the store's name and its places version)
        as the user's; a no-op for the version held already (a Dask worker is sent the
        same places with every batch)."""
        if version != self.index.version:
            self.index = UserPlaceIndex.build(version, places)

    # -- finding names in text ----------------------------------------------------------

    def user_mentions(self, text: str, found) -> list[Mention]:
        """The gazetteer's mentions ``found`` with the user's place names in ``text``
        added: of two that overlap the longer stays (the gazetteer's on a tie)."""
        found = list(found)
        index = self.index
        if not index.by_key:
            return found
        own = list(self._own_mentions(text, index))
        if not own:
            return found
        spans = sorted(found + own, key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[Mention] = []
        for m in spans:
            if kept and m.start < kept[-1].end:
                if m.end - m.start > kept[-1].end - kept[-1].start:
                    kept[-1] = m
                continue
            kept.append(m)
        return kept

    def _own_mentions(self, text: str, index: UserPlaceIndex):
        words = list(_WORD.finditer(text))
        i = 0
        while i < len(words):
            first = words[i].group()
            if not (first[:1].isupper() or _ARTICLE_NAME.match(first)) \
                    or mention_key(first) not in index.first_words:
                i += 1
                continue
            hit = None
            for n in range(min(index.longest, len(words) - i), 0, -1):
                surface = _POSSESSIVE.sub("", text[words[i].start():words[i + n - 1].end()])
                if surface.endswith(".") and surface.count(".") == 1:
                    surface = surface[:-1]
                if n > 1 and ("\n" in surface or "," in surface):
                    continue
                key = mention_key(surface)
                if key in index.by_key:
                    hit = (surface, key, n)
                    break
            if hit is None:
                i += 1
                continue
            surface, key, n = hit
            start = words[i].start()
            before = words[i - 1].group() if i else ""
            yield Mention(start, start + len(surface), key,
                          _next_to_capital(text, words, i, n), before)
            i += n

    # -- resolving ------------------------------------------------------------------------

    def geocode(self, query, exactly_one: bool = True, timeout=None, **kwargs):
        found = self.inner.geocode(query, exactly_one, timeout, **kwargs)
        index = self.index
        if not index.by_key or not isinstance(query, str):
            return found
        candidates = index.by_key.get(mention_key(" ".join(query.split())), [])
        allowed = kwargs.get("country_codes")
        if allowed:
            allowed = {c.upper() for c in ([allowed] if isinstance(allowed, str) else allowed)}
            candidates = [p for p in candidates if p.country_code in allowed]
        if not candidates:
            return found
        share = self._share(kwargs.get("context"), query)
        mine = max(candidates, key=lambda p: share(p.country_code))   # first on a tie
        theirs = found if exactly_one or found is None else found[0]
        if not _user_wins(mine, theirs, share):
            return found
        location = _location(query, mine, _same_town_population(mine, theirs))
        return location if exactly_one else [location, *(found or [])]

    def resolve(self, name: str, context=None, position: int | None = None):
        """The resolver interface's reading of ``name``: the inner geocoder's, unless a
        user place of that name wins (the same rule as :meth:`geocode`)."""
        if not self.index.by_key or not isinstance(name, str) or \
                mention_key(" ".join(name.split())) not in self.index.by_key:
            return self.inner.resolve(name, context, position)
        found = self.geocode(name, context=context, position=position)
        return Resolved.from_raw(found.raw) if found is not None else None

    def _share(self, context, query: str):
        ctx = context
        if not isinstance(ctx, Context):
            maker = getattr(self.inner, "context", None)
            ctx = maker(context) if maker is not None and context else None
        if ctx is None:
            return lambda cc: 0.0
        exclude = mention_key(query)
        return lambda cc: ctx.country_share(cc, exclude=exclude) if cc else 0.0


def _user_wins(mine: UserPlace, theirs, share) -> bool:
    if theirs is None or not mine.country_code:
        return True
    other = theirs.raw.get("country_code", "")
    return other == mine.country_code or share(mine.country_code) > share(other)


def _same_town_population(mine: UserPlace, theirs) -> int | None:
    """The gazetteer's population of the place, when its reading is the same town
    (one country, a few kilometres apart): an export's "Gaza City" is still a city of
    half a million for the geoparser's rules about small places named alone."""
    if theirs is None or theirs.raw.get("country_code") != mine.country_code:
        return None
    if haversine_km(mine.latitude, mine.longitude, theirs.latitude,
                    theirs.longitude) > SAME_TOWN_KM:
        return None
    return theirs.raw.get("population")


def _next_to_capital(text: str, words, i: int, n: int) -> bool:
    """A capitalised word one space away on either side ("Abbas Kamel")."""
    before = words[i - 1] if i else None
    after = words[i + n] if i + n < len(words) else None
    if before is not None and before.group()[:1].isupper() \
            and text[before.end():words[i].start()] == " ":
        return True
    return after is not None and after.group()[:1].isupper() \
        and text[words[i + n - 1].end():after.start()] == " "


def _location(query: str, place: UserPlace, population: int | None = None) -> Location:
    """The user's place as the offline geocoder's answer is shaped."""
    geometry = place.geometry or {"type": "Point",
                                  "coordinates": [place.longitude, place.latitude]}
    raw = {"query": query, "name": place.name, "latitude": round(place.latitude, 6),
           "longitude": round(place.longitude, 6), "country_code": place.country_code,
           "admin1": place.admin1, "kind": place.kind, "geo_precision": 1,
           "source": f"user:{place.id}", "approximate": False, "population": population,
           "geometry": geometry}
    address = ", ".join(p for p in (place.name, place.admin2, place.admin1,
                                    place.country_code) if p)
    return Location(address, (place.latitude, place.longitude), raw)


def keep_current(geocoder, store) -> None:
    """Bring ``geocoder``'s user places up to ``store``'s, when it carries some (a
    plain geocoder is left alone)."""
    refresh = getattr(geocoder, "keep_current", None)
    if refresh is not None:
        refresh(store)
