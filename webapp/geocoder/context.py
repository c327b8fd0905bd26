"""What the surrounding text says about where an ambiguous name lies.

An article that names Lebanon, Hezbollah's border and Beirut wants the Lebanese
Tripoli; one that says "TRIPOLI, Libya (AP) --" wants the Libyan one. We read the
text once (cheaply: capitalised phrases looked up in the gazetteer's exact index)
into a :class:`Context`: how strongly each country is named, which admin-1 areas are
named, where the unambiguous places lie and what the dateline says. The ranking then
rewards candidates that agree with it.
"""

from __future__ import annotations

import math
import re
import threading
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from webapp.geocoder.focus import (FOCUS_FLOOR, focus_weights, origin_states,
                                   pinned_readings, qualified_mentions, town_cued_keys)
from webapp.geocoder.kinds import LOCAL_KINDS, POLITICAL, SUPRANATIONAL, PlaceKind
from webapp.geocoder.normalize import exact_key

_WORD = re.compile(r"[A-Za-z\u00C0-\u024F][\w\u00C0-\u024F'’.-]*")
_DATELINE = re.compile(
    r"^\s*([A-Z][A-Z .'’-]{1,40}[A-Z])(?:,\s*([A-Z][A-Za-z. ]{1,30}))?\s*"
    # then the agency, and a dash or straight into the first sentence ("WASHINGTON
    # (RNS) Evangelical leaders...")
    r"(?:\((?:AP|Reuters|AFP|UPI|dpa|CNN|Xinhua|[A-Z]{2,8})\)\s*)?"
    r"(?:[-—–]{1,2}|(?=[A-Z][a-z]))",
    re.MULTILINE,
)
# The same in title case, as some networks write it ("Washington (CNN)", "Beirut,
# Lebanon (Reuters)"): only at the text's start and only with the agency in brackets,
# since a capitalised word opens every sentence
_TITLE_DATELINE = re.compile(
    r"\s*([A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})(?:,\s*([A-Z][A-Za-z. ]{1,30}))?\s*"
    r"\((?:AP|Reuters|AFP|UPI|dpa|CNN|Xinhua|[A-Z]{2,8})\)")
_MAX_NGRAM = 5   # "Democratic Republic of the Congo"
SHARE_FLOOR = 1.0
_POSSESSIVE = re.compile(r"['’]s?$")
_ARTICLE_NAME = re.compile(r"(?:al|el|ad|an|ar|as|ash|at|az|ed|en|es)-[A-Z]")  # "al-Mawasi"
# Capitalised words that start sentences or titles far more often than they name places.
_STOPWORDS = frozenset(
    "a an the this that these those he she it we they i you his her its their our "
    "in on at of for from by with and or but if as to is was are were be been has have "
    "had will would can could may might must should not no yes mr mrs ms dr gen col sgt "
    "president minister prime secretary king queen prince general officials said "
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december "
    # organisations whose names are also places somewhere ("Hamas" is a German town's
    # alternate name, "Hezbollah" a village's)
    "hamas hezbollah hizbollah fatah taliban houthi houthis isis daesh nato un "
    # compass adjectives ("Western diplomats"); whole expressions are parsed elsewhere.
    # "Sheikh" is no stop word: it heads places ("Sheikh Radwan", "Sheikh Jarrah"), and
    # as a title (TITLES) it still keeps the name after it from being read as a place
    "western eastern northern southern central".split()
)

# Titles: "Texas Senator Ted Cruz", "Gaza Governor": the place before one is where the
# title holder serves, not part of a name; a word after one is a name ("President Abbas").
TITLES = frozenset(
    "president minister secretary ambassador envoy spokesman spokeswoman spokesperson "
    "general gen lt col maj capt sgt commander chief king queen prince princess emir sheikh "
    "mr mrs ms dr prof sen rep gov governor mayor judge justice pope rabbi imam cardinal "
    "chancellor premier lord lady sir saint senator congressman congresswoman "
    "representative councillor councilor sheriff".split()
)


# Words that make the place before them the seat of a local authority ("Glasgow Police
# Department", "Litchfield Superior Court", "Metcalfe County Coroner", "Enfield
# Council"): the place is named, not a person's or a firm's. Schools, hospitals and
# universities are left out: they are named after people as often as after places
# ("Thomas Memorial Hospital", "Duke University").
LOCAL_AUTHORITIES = frozenset(
    "police sheriff sheriff's fire court courts council coroner coroner's detention jail "
    "magistrates township borough municipality".split()
)
# Up to four capitalised words, one space apart ("Superior Court", "Police
# Department"): the rest of a name that starts with a place
_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’.]*+(?: [A-Z][\w'’.]*+){0,3}")
_POSSESSIVE_END = re.compile(r"[A-Za-z]['’]s$")
_AREA_NAMES = frozenset({PlaceKind.ADMIN_AREA, PlaceKind.COUNTY})
# punctuation that ends a name: a capitalised word after it starts another
_RUN_BREAKS = frozenset(",;:).!?\"”’'-–—")


@dataclass
class Context:
    votes: dict = field(default_factory=dict)          # mention key -> Counter(cc -> weight)
    country_weight: Counter = field(default_factory=Counter)
    admin1: Counter = field(default_factory=Counter)   # (country_code, admin1) -> weight
    admin1_votes: dict = field(default_factory=dict)   # mention key -> set of (cc, admin1)
    anchor_lat: np.ndarray = field(default_factory=lambda: np.empty(0))
    anchor_lon: np.ndarray = field(default_factory=lambda: np.empty(0))
    anchor_keys: tuple = ()
    located: list = field(default_factory=list)        # (offset, key, cc, admin1)
    position: int | None = None                        # where the name being resolved is
    _share_cache: dict = field(default_factory=dict, repr=False, compare=False)
    dateline: tuple | None = None                      # (lat, lon, country_code)
    dateline_place: tuple | None = None                # see _dateline()
    # `located` sorted by offset, for nearby(): [starts, rows, how many rows of located
    # it covers]. Shared by the copies at() makes, which share `located` too.
    _by_offset: list = field(default_factory=list, repr=False, compare=False)
    # The story's focus (see focus.py): (cc, admin1) -> weight, and each name's part of it
    focus: Counter = field(default_factory=Counter)
    focus_by_key: dict = field(default_factory=dict)
    qualified: dict = field(default_factory=dict)       # key -> [(offset, cc, admin1)]
    town_keys: frozenset = frozenset()                   # names the text calls a town
    # every reading of the counties the text names: keys, lat, lon, rough radius (km)
    counties: tuple = (np.empty(0, dtype=object), np.empty(0), np.empty(0), np.empty(0))
    _focus_cache: dict = field(default_factory=dict, repr=False, compare=False)
    # anchor_distances() by (name, readings); replaced whenever the anchors are set
    _distance_cache: dict = field(default_factory=dict, repr=False, compare=False)

    def add_vote(self, key: str, cc: str, weight: float) -> None:
        if cc:
            self.votes.setdefault(key, Counter())[cc] += weight
            self.country_weight[cc] += weight
            self._share_cache.clear()

    def add_admin1(self, key: str, cc: str, admin1: str) -> None:
        if admin1:
            self.admin1_votes.setdefault(key, Counter())[(cc, admin1)] += 1
            self.admin1[(cc, admin1)] += 1

    def country_share(self, cc: str, exclude: str = "") -> float:
        """How strongly the text points at a country, 0..1, leaving out the mentions
        of the name being resolved (a name is no evidence for its own reading)."""
        if not self.country_weight or not cc:
            return 0.0
        return self._shares(exclude).get(cc, 0.0)

    def _shares(self, exclude: str) -> dict:
        # Every candidate of a name asks with the same `exclude`, and a batch over one
        # article asks again for each mention: computed once per name and kept.
        cached = self._share_cache.get(exclude)
        if cached is None:
            weights = self.country_weight
            own = self.votes.get(exclude)
            if own:
                weights = weights - own
            # A single weak clue is not a dominant country: shares are taken against
            # at least SHARE_FLOOR worth of evidence.
            top = max(max(weights.values(), default=0.0), SHARE_FLOOR)
            cached = self._share_cache[exclude] = {c: w / top for c, w in weights.items()}
        return cached

    def focus_share(self, cc: str, admin1: str, exclude: str = "") -> float:
        """How much the story is about admin-1 area ``admin1`` of ``cc``, 0..1: the
        area's part of all the focus evidence (at least FOCUS_FLOOR of it), leaving
        out what the name being resolved contributes."""
        if not self.focus or not admin1:
            return 0.0
        return self.focus_shares(exclude).get((cc, admin1), 0.0)

    def focus_shares(self, exclude: str = "") -> dict:
        """:meth:`focus_share` of every area the story names, (cc, admin1) -> share."""
        shares = self._focus_cache.get(exclude)
        if shares is None:
            weights = self.focus
            own = self.focus_by_key.get(exclude)
            if own:
                weights = weights - own
            # against the whole focus: a list of twenty states is no focus at all
            whole = max(sum(weights.values()), FOCUS_FLOOR)
            shares = self._focus_cache[exclude] = {a: w / whole for a, w in weights.items()}
        return shares

    def main_focus(self, exclude: str = "") -> tuple:
        """The story's main area (cc, admin1) and its share, or (None, 0.0)."""
        if not self.focus:
            return None, 0.0
        found = self._focus_cache.get(("main", exclude))
        if found is None:
            shares = self.focus_shares(exclude)
            area = max(shares, key=shares.get, default=None)
            found = self._focus_cache[("main", exclude)] = (area, shares.get(area, 0.0))
        return found

    def in_named_county(self, lat, lon, exclude: str = "") -> np.ndarray:
        """For each point, whether it lies in (within the rough radius of) a county the
        text names: "Palestine" with "Anderson County" is the Palestine in it."""
        keys, c_lat, c_lon, radius = self.counties
        lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        if not len(keys):
            return np.zeros(lat.shape, dtype=bool)
        mask = keys != exclude
        if not mask.any():
            return np.zeros(lat.shape, dtype=bool)
        d = haversine_km(lat[:, None], lon[:, None], c_lat[mask][None, :], c_lon[mask][None, :])
        return (d <= radius[mask][None, :]).any(axis=1)

    def qualifier_at(self, key: str) -> tuple:
        """The areas the text qualifies ``key`` with ("Paris, Missouri"): those at the
        name's own position, and those anywhere in the text, as two sets of (cc, admin1)."""
        rows = self.qualified.get(key, ())
        here = {(cc, a1) for start, cc, a1 in rows if start == self.position}
        return here, {(cc, a1) for _start, cc, a1 in rows}

    def names_admin1(self, cc: str, admin1: str, exclude: str = "") -> bool:
        own = self.admin1_votes.get(exclude)
        return self.admin1.get((cc, admin1), 0) > (own[(cc, admin1)] if own else 0)

    def at(self, position: int | None) -> "Context":
        """This context, for a name found at character offset ``position``."""
        if position is None or self is EMPTY:
            return self
        # a shallow copy, as dataclasses.replace makes, without its per-field __init__
        # (asked once for every name resolved)
        moved = object.__new__(Context)
        moved.__dict__.update(self.__dict__)
        moved.position = position
        return moved

    def nearby(self, exclude: str = "", window: int = 300):
        """Countries and (country, admin-1) pairs named within ``window`` characters
        of the name: "Paris" beside "France" is not the one in Kentucky."""
        if self.position is None:
            return frozenset(), frozenset()
        hits = [(cc, a1) for start, key, cc, a1 in self._located_between(
                self.position - window, self.position + window) if key != exclude]
        return frozenset(cc for cc, _ in hits), frozenset(h for h in hits if h[1])

    def _located_between(self, lo: int, hi: int) -> list:
        """The entries of ``located`` with lo <= offset <= hi. A text naming thousands
        of places asks this for every mention, so it is a search in a sorted copy (plus
        the few entries added since the copy was made), not a scan of them all."""
        index, located = self._by_offset, self.located
        if not index or len(located) - index[2] > 64 + index[2] // 8:
            rows = sorted(located, key=lambda row: row[0])
            index[:] = [[row[0] for row in rows], rows, len(located)]
        starts, rows, covered = index
        return (rows[bisect_left(starts, lo):bisect_right(starts, hi)]
                + [row for row in located[covered:] if lo <= row[0] <= hi])

    def mention_distance(self, cc: str) -> float:
        """Characters between the name being resolved and the nearest mention of a
        place in country ``cc`` (infinity without a position or a mention)."""
        if self.position is None:
            return math.inf
        return min((abs(start - self.position) for start, _, c, _ in self.located if c == cc),
                   default=math.inf)

    def anchor_distances(self, lat, lon, exclude: str = "") -> np.ndarray:
        """Km from each point to the nearest place the text names (other than the
        mentions of ``exclude``); infinity when there is none."""
        lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        if not len(self.anchor_lat):
            return np.full(lat.shape, np.inf)
        # A name named again in the text asks again with the same readings: the
        # distances do not depend on where the mention is, so they are kept.
        cache_key = (exclude, lat.tobytes(), lon.tobytes())
        found = self._distance_cache.get(cache_key)
        if found is not None:
            return found
        mask = np.asarray(self.anchor_keys, dtype=object) != exclude
        if not mask.any():
            return np.full(lat.shape, np.inf)
        found = haversine_km(lat[:, None], lon[:, None], self.anchor_lat[mask][None, :],
                             self.anchor_lon[mask][None, :]).min(axis=1)
        found.flags.writeable = False   # shared by every later mention of the name
        self._distance_cache[cache_key] = found
        return found


EMPTY = Context()


def haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


class Mention(NamedTuple):
    start: int
    end: int          # the name's own end: possessive "'s" and a full stop left out
    key: str          # exact key of the name
    in_run: bool      # next to another capitalised word ("Abbas Kamel")
    previous: str     # the word before, for callers' own rules ("President Abbas")


def mention_key(surface: str) -> str:
    """The name-index key of a mention as written ("Egypt's" -> "egypt")."""
    return exact_key(_POSSESSIVE.sub("", surface))


def capitalised_mentions(text: str, names, check=None):
    """Capitalised phrases of up to five words that the gazetteer knows, as Mentions
    (and the places inside hyphenated words, see :func:`_compound_parts`).

    ``names`` answers ``knows_name(key)``, ``demonym_country(key)`` and
    ``name_kinds(key)`` for exact keys: the gazetteer, or any geocoder with the
    resolver interface (webapp.geocoder.resolver).

    Longest match wins; a phrase never starts with a stop word. Matching capitalised
    n-grams against the name index finds what an automaton over all 500,000 names would
    find in news text, without a second index to build and cache.

    ``check``, when given, is called every few hundred words and may raise to stop.
    """
    words = list(_WORD.finditer(text))
    knows_name = names.knows_name
    i = 0
    while i < len(words):
        if check is not None and i % 256 == 0:
            check()
        word = words[i].group()
        w = _strip_possessive(word.rstrip("."))
        if not (w[:1].isupper() or _ARTICLE_NAME.match(w)) or w.lower() in _STOPWORDS:
            if "-" in word:   # (most words are not hyphenated: no generator for them)
                yield from _compound_parts(text, words, i, names)
            i += 1
            continue
        found = None
        start = words[i].start()
        # A phrase spans no comma or line break; words hold neither, so only the gaps
        # between them are looked at, and longer phrases are not tried at all.
        reach, limit = 1, min(_MAX_NGRAM, len(words) - i)
        while reach < limit:
            gap = text[words[i + reach - 1].end():words[i + reach].start()]
            if "," in gap or "\n" in gap:
                break
            reach += 1
        for n in range(reach, 0, -1):
            surface = _strip_possessive(text[start:words[i + n - 1].end()])
            if surface.endswith(".") and surface.count(".") == 1:
                surface = surface[:-1]  # a full stop, not an abbreviation's ("U.S.")
            key = exact_key(surface)
            if knows_name(key) or (n == 1 and names.demonym_country(key) is not None):
                found = (start, start + len(surface), key, n)
                break
        if found:
            before = words[i - 1] if i else None
            after = words[i + found[3]] if i + found[3] < len(words) else None
            area = bool(names.name_kinds(found[2]) & _AREA_NAMES)
            yield Mention(*found[:3], _in_name_run(text, before, after, area),
                          before.group() if before else "")
            i += found[3]
        else:
            if "-" in word:
                yield from _compound_parts(text, words, i, names)
            i += 1


def _strip_possessive(surface: str) -> str:
    # the regular expression only where it can match: most words end otherwise
    return _POSSESSIVE.sub("", surface) if surface[-1:] in ("'", "’", "s") else surface


def _compound_parts(text: str, words: list, i: int, names):
    """The places inside a hyphenated word that is not itself a name: "Canada-wide",
    "made-in-China", "EU-Canada", "Israel-Hamas". Only countries, their demonyms and
    areas count, and every capitalised part must be one (or an organisation we know),
    so "Coca-Cola" or "Al-Qaeda" yield nothing; but any place before "-based" does."""
    word = words[i]
    if "-" not in word.group():
        return
    parts = [(m.start(), m.group()) for m in re.finditer(r"[^-]+", word.group())]
    # "a London-based firm", "Seattle-based": the town a firm is based in
    based = len(parts) == 2 and parts[1][1].rstrip(".,") == "based"
    if based and i and words[i - 1].group()[:1].isupper() \
            and text[words[i - 1].end():word.start()] == " ":
        return   # "New York-based", "Los Angeles-based": not York, nor Angeles
    named, keys = [], {}
    for offset, part in parts:
        part = _POSSESSIVE.sub("", part.rstrip("."))
        if not part[:1].isupper():
            continue
        key = exact_key(part)
        if key in _STOPWORDS:
            continue   # "Hamas" in "Israel-Hamas": known, not a place
        if based and names.knows_name(key):
            pass
        elif (names.demonym_country(key) is None
                and POLITICAL.isdisjoint(names.name_kinds(key))):
            return
        named.append((word.start() + offset, part))
        keys[part] = key
    if not named or len(named) == len(parts) == 1:
        return
    before = words[i - 1] if i else None
    after = words[i + 1] if i + 1 < len(words) else None
    in_run = _in_name_run(text, before, after)
    for start, part in named:
        yield Mention(start, start + len(part), keys[part], in_run,
                      before.group() if before else "")


def _in_name_run(text: str, before, after, area: bool = False) -> bool:
    """True when a capitalised word sits right next to the match, one space away
    ("Julia Gillard", "Food and Drug Administration"): the match is then likely part of
    a person's or an organisation's name. ``area``: the name may be a state, province
    or county's, which a possessive next to it does not join to a person's name."""
    def capitalised(w) -> bool:
        return w is not None and w.group()[:1].isupper()

    # ("Queensland. Health officials": a sentence ends between them, no run; nor in
    # "AUSTIN, Texas A white nationalist" or "Texas Senator Ted Cruz"; nor after
    # "Wyoming,” Fodge says" or "in Wales.\n    Ronaldo", where the punctuation lies
    # before a run of spaces)
    if capitalised(after) and text[after.start() - 1:after.start()] == " ":
        gap_start = len(text[:after.start()].rstrip())
        last = text[gap_start - 1] if gap_start else ","
        next_is_name = (last not in _RUN_BREAKS
                        and not (area and _POSSESSIVE_END.search(
                            text, max(0, gap_start - 3), gap_start))
                        and after.group().lower().rstrip(".") not in _STOPWORDS | TITLES
                        and not _names_institution(text, after.start()))
    else:
        next_is_name = False
    # "Queensland's Easter toll", "China's Guangdong province": a possessive ends an
    # area's name ("Brazil's Kaka", "St. Michael's Hospital" are read as before)
    prev_is_name = capitalised(before) and before.group().lower() not in _STOPWORDS \
        and not before.group().endswith(".") and text[before.end():before.end() + 1] == " " \
        and not (area and _POSSESSIVE_END.search(before.group()))
    return next_is_name or prev_is_name


def _names_institution(text: str, start: int) -> bool:
    """Whether the capitalised words from ``start`` name a local authority ("Police
    Department", "Superior Court", "County Coroner"): the place before them is its
    seat, named as a place, not a person's or a firm's name."""
    run = _CAPITALISED_RUN.match(text, start)
    for word in run.group().split() if run else ():
        if _POSSESSIVE.sub("", word).lower() in LOCAL_AUTHORITIES:
            return True
        if word.endswith("."):
            return False   # "England. Cornwall Fire...": the sentence, and the name, ended
    return False


def build_context(text: str, gaz, rank=None, check=None, origin: str = "") -> Context:
    """Read a text's place evidence.

    First pass: countries, demonyms, admin-1 areas and places whose reading is clear
    from importance alone. Second pass (when ``rank`` is given: a function
    ``rank(key, ctx) -> (record id, margin)``): the ambiguous names, resolved against
    the first pass, add weaker votes and anchors of their own. ``check``, when given,
    is called between steps and may raise to stop the reading. ``origin`` is the
    article's URL or feed, which may name the publisher's home state (focus.py).
    """
    ctx = Context()
    anchors: dict[str, int] = {}
    ambiguous: dict[str, list[int]] = {}
    mentions = list(capitalised_mentions(text, gaz, check))
    ctx.qualified = qualified_mentions(mentions, text, gaz)
    ctx.town_keys = town_cued_keys(text, gaz)
    ctx.counties = _named_counties(mentions, gaz)
    found = _dateline(text, gaz)
    written = _dateline_match(text) if found else None
    qualifier = (written.group(2) or "") if written else ""   # "Ky." of "COLUMBIA, Ky."
    pinned = pinned_readings(ctx.qualified, found, gaz)
    for start, _end, key, in_run, _previous in mentions:
        if key in pinned:   # "PARIS, Texas --", "Detroit, Texas": the text says which
            _take(ctx, gaz, key, pinned[key], 1.0, anchors, [start])
            continue
        if key in gaz.demonyms:
            ctx.add_vote(key, gaz.demonyms[key], 0.7)
            ctx.located.append((start, key, gaz.demonyms[key], ""))
            continue
        ids = sorted(gaz.exact[key], key=lambda j: -gaz.prior[j])
        top, kind = ids[0], gaz.kinds[ids[0]]
        cc = gaz.country_codes[top]
        if kind == PlaceKind.COUNTRY and key not in ctx.town_keys:
            ctx.add_vote(key, cc, 1.0)
            ctx.located.append((start, key, cc, ""))
            continue
        rivals = [j for j in ids[1:] if gaz.country_codes[j] != cc]
        margin = gaz.prior[top] - (gaz.prior[rivals[0]] if rivals else 0.0)
        # Evidence must be strong on its own: capitalised words also name people and
        # things ("Clever", "Angela", "Federal" are villages somewhere), so a small
        # place counts only once the text's other evidence backs it (second pass).
        if margin < 1.0 or (kind == PlaceKind.CITY and gaz.population[top] < 100_000):
            if not in_run:
                ambiguous.setdefault(key, []).append(start)
            continue
        _take(ctx, gaz, key, top, 1.0, anchors, [start])
    if found:
        top = found[0]
        ctx.dateline = float(gaz.lat[top]), float(gaz.lon[top]), gaz.country_codes[top]
        ctx.dateline_place = found
        ctx.add_vote("", ctx.dateline[2], 1.0)
    if origin_states(origin):   # a publisher in a US state writes about the US
        ctx.add_vote("", "US", 1.0)
    # read once, from the first pass: the second adds only names resolved in its light
    ctx.focus, ctx.focus_by_key = focus_weights(ctx, gaz, mentions, pinned, ctx.qualified,
                                                origin, qualifier)
    if rank is not None:
        first = Context(**{**ctx.__dict__, "votes": dict(ctx.votes), "_share_cache": {},
                           "country_weight": Counter(ctx.country_weight),
                           "admin1": Counter(ctx.admin1), "_focus_cache": {}})
        _set_anchors(first, gaz, anchors)
        for key, starts in ambiguous.items():
            if check is not None:
                check()
            best, margin = rank(key, first)
            if best is None or margin < 1.0:
                continue
            backed = first.country_weight.get(gaz.country_codes[best], 0) > 0
            if backed or gaz.population[best] >= 50_000:
                _take(ctx, gaz, key, best, 0.5, anchors, starts)
    _set_anchors(ctx, gaz, anchors)
    return ctx


def _take(ctx: Context, gaz, key: str, i: int, weight: float, anchors: dict,
          starts: list[int]) -> None:
    """Count each mention of ``key`` as evidence for record ``i``."""
    kind, cc = gaz.kinds[i], gaz.country_codes[i]
    admin1 = gaz.admin1[i] if kind in LOCAL_KINDS else ""
    if kind == PlaceKind.COUNTY and not _sure_within_country(key, i, gaz):
        admin1 = ""   # "Lamar County": four states have one; it names none of them
    for start in starts:
        ctx.located.append((start, key, cc, admin1))
        if admin1:
            ctx.add_admin1(key, cc, admin1)
        ctx.add_vote(key, cc, (0.7 if kind == PlaceKind.ADMIN_AREA else 0.5) * weight)
    if kind == PlaceKind.ADMIN_AREA:
        return
    if kind not in SUPRANATIONAL and gaz.prior[i] >= 3.0:
        anchors[key] = i


_MAX_COUNTIES = 200   # readings kept: a text naming every county is no focus anyway


def _named_counties(mentions: list, gaz) -> tuple:
    """Every reading of each county the text names, with a radius from its area."""
    keys, lat, lon, radius = [], [], [], []
    for key in dict.fromkeys(m.key for m in mentions):
        for j in gaz.exact.get(key, ()):
            if gaz.kinds[j] == PlaceKind.COUNTY and len(keys) < _MAX_COUNTIES:
                keys.append(key)
                lat.append(gaz.lat[j])
                lon.append(gaz.lon[j])
                radius.append(1.2 * math.sqrt(gaz.area_km2.get(j, 1500.0) / math.pi))
    return (np.asarray(keys, dtype=object), np.asarray(lat), np.asarray(lon),
            np.asarray(radius))


def _sure_within_country(key: str, i: int, gaz) -> bool:
    """Whether no namesake of record ``i`` in another admin-1 area of its country comes
    within a factor of ten of it."""
    cc, admin1, floor = gaz.country_codes[i], gaz.admin1[i], gaz.prior[i] - 1.0
    return not any(gaz.country_codes[j] == cc and gaz.admin1[j] != admin1
                   and gaz.prior[j] > floor for j in gaz.exact.get(key, ()))


def _set_anchors(ctx: Context, gaz, anchors: dict) -> None:
    ctx.anchor_keys = tuple(anchors)
    ctx._distance_cache = {}   # a new dict: a copy made earlier may share the old one
    ctx.anchor_lat = np.asarray([gaz.lat[j] for j in anchors.values()])
    ctx.anchor_lon = np.asarray([gaz.lon[j] for j in anchors.values()])


def _dateline_match(text: str):
    return _DATELINE.search(text[:600]) or _TITLE_DATELINE.match(text[:600])


def _dateline(text: str, gaz):
    """(record, start, end, key, qualified) of the place a wire dateline names
    ("WASHINGTON (AP) --", "COLUMBIA, Ky. (WBKO) -"), or None; ``qualified`` when a state
    or country after the name picked the record. A dateline names a town, never a state
    or a country, so "WASHINGTON" is the capital even though the state is larger."""
    m = _dateline_match(text)
    if not m:
        return None
    key = exact_key(m.group(1))
    ids = gaz.exact.get(key)
    if not ids:
        return None
    ids = [j for j in ids if gaz.kinds[j] == PlaceKind.CITY] or list(ids)
    qualified = False
    qualifier = m.group(2)
    if qualifier:   # "Ky.", "Texas", "Lebanon": the state or country the town is in
        q = exact_key(qualifier)
        within = gaz.exact.get(q, [])
        regions = {(gaz.country_codes[a], exact_key(gaz.admin1[a] or gaz.names[a]))
                   for a in within if gaz.kinds[a] == PlaceKind.ADMIN_AREA}
        countries = {gaz.country_codes[a] for a in within if gaz.kinds[a] == PlaceKind.COUNTRY}
        narrowed = [j for j in ids if exact_key(gaz.admin1[j]) == q
                    or (gaz.country_codes[j], exact_key(gaz.admin1[j])) in regions
                    or gaz.country_codes[j] in countries]
        qualified = bool(narrowed)
        ids = narrowed or ids
    top = max(ids, key=lambda j: gaz.prior[j])
    return top, m.start(1), m.end(1), key, qualified


class ContextCache:
    """Contexts of recently seen texts, so a batch over one article reads it once.

    Bounded in entries and in the characters of the texts it keeps as keys: a server
    fed long posted articles would otherwise hold a thousand of them (256 MB)."""

    def __init__(self, gaz, rank=None, size: int = 1024, max_chars: int = 16_000_000):
        self._gaz, self._rank, self._size = gaz, rank, size
        self._max_chars = max_chars
        self._chars = 0
        self._contexts: OrderedDict[str, Context] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str | None, check=None, origin: str = "") -> Context:
        """The context of ``text`` (published at ``origin``, a URL or feed name, when
        known); ``check`` is passed to :func:`build_context` when the text is new (a
        reading it stops is not kept)."""
        if not text:
            return EMPTY
        cache_key = f"{origin}\0{text}" if origin else text
        with self._lock:
            ctx = self._contexts.get(cache_key)
            if ctx is not None:
                self._contexts.move_to_end(cache_key)
                return ctx
        ctx = build_context(text, self._gaz, self._rank, check, origin)
        with self._lock:
            if cache_key not in self._contexts:
                self._contexts[cache_key] = ctx
                self._chars += len(cache_key)
            while self._contexts and (len(self._contexts) > self._size
                                      or self._chars > self._max_chars):
                dropped, _ = self._contexts.popitem(last=False)
                self._chars -= len(dropped)
        return ctx
