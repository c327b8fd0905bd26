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
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from webapp.geocoder.normalize import exact_key

_WORD = re.compile(r"[A-Za-z\u00C0-\u024F][\w\u00C0-\u024F'’.-]*")
_DATELINE = re.compile(
    r"^\s*([A-Z][A-Z .'’-]{1,40}[A-Z])(?:,\s*([A-Z][A-Za-z. ]{1,30}))?\s*"
    r"(?:\((?:AP|Reuters|AFP|UPI|dpa|CNN|Xinhua)\)\s*)?[-—–]{1,2}",
    re.MULTILINE,
)
_MAX_NGRAM = 4
# Capitalised words that start sentences or titles far more often than they name places.
_STOPWORDS = frozenset(
    "a an the this that these those he she it we they i you his her its their our "
    "in on at of for from by with and or but if as to is was are were be been has have "
    "had will would can could may might must should not no yes mr mrs ms dr gen col sgt "
    "president minister prime secretary king queen prince sheikh general officials said "
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december".split()
)


@dataclass
class Context:
    country_weight: Counter = field(default_factory=Counter)
    admin1: set = field(default_factory=set)          # {(country_code, admin1 name)}
    anchor_lat: np.ndarray = field(default_factory=lambda: np.empty(0))
    anchor_lon: np.ndarray = field(default_factory=lambda: np.empty(0))
    anchor_ids: tuple = ()
    dateline: tuple | None = None                      # (lat, lon, country_code)

    def country_share(self, cc: str) -> float:
        if not self.country_weight or not cc:
            return 0.0
        return self.country_weight.get(cc, 0.0) / max(self.country_weight.values())

    def nearest_anchor_km(self, lat: float, lon: float, exclude: int) -> float:
        if not len(self.anchor_lat):
            return math.inf
        mask = np.asarray(self.anchor_ids) != exclude
        if not mask.any():
            return math.inf
        return float(haversine_km(lat, lon, self.anchor_lat[mask], self.anchor_lon[mask]).min())


EMPTY = Context()


def haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def capitalised_mentions(text: str, gaz):
    """(start, end, exact key) of capitalised phrases that the gazetteer knows.

    Longest match wins; a phrase never starts with a stop word.
    """
    words = list(_WORD.finditer(text))
    i = 0
    while i < len(words):
        w = words[i].group().rstrip(".")
        if not w[:1].isupper() or w.lower() in _STOPWORDS:
            i += 1
            continue
        found = None
        for n in range(min(_MAX_NGRAM, len(words) - i), 0, -1):
            last = words[i + n - 1]
            gap = text[words[i].start():last.end()]
            if n > 1 and ("\n" in gap or "," in gap):
                continue
            key = exact_key(gap)
            if key in gaz.exact or (n == 1 and key in gaz.demonyms):
                found = (words[i].start(), last.end(), key, n)
                break
        if found:
            yield found[:3]
            i += found[3]
        else:
            i += 1


def _best_by_prior(ids, gaz):
    ranked = sorted(ids, key=lambda j: -gaz.prior[j])
    return ranked


def build_context(text: str, gaz) -> Context:
    ctx = Context()
    anchors: dict[int, float] = {}
    for _start, _end, key in capitalised_mentions(text, gaz):
        if key in gaz.demonyms:
            ctx.country_weight[gaz.demonyms[key]] += 0.7
            continue
        ids = _best_by_prior(gaz.exact[key], gaz)
        top = ids[0]
        kind = gaz.kinds[top]
        cc = gaz.country_codes[top]
        if kind == "country":
            ctx.country_weight[cc] += 1.0
            continue
        # A name is a trustworthy clue only when one reading clearly dominates.
        rivals = [j for j in ids[1:] if gaz.country_codes[j] != cc]
        margin = gaz.prior[top] - (gaz.prior[rivals[0]] if rivals else 0.0)
        if margin < 1.0:
            continue
        if kind == "admin area":
            ctx.admin1.add((cc, gaz.admin1[top]))
            ctx.country_weight[cc] += 0.7
        elif cc:
            ctx.country_weight[cc] += 0.5
        if kind not in ("continent", "region", "sea") and gaz.prior[top] >= 3.0:
            anchors[top] = 1.0
    for j in [j for j in anchors if gaz.kinds[j] == "city" and gaz.admin1[j]]:
        ctx.admin1.add((gaz.country_codes[j], gaz.admin1[j]))
    ids = list(anchors)
    ctx.anchor_ids = tuple(ids)
    ctx.anchor_lat = np.asarray([gaz.lat[j] for j in ids])
    ctx.anchor_lon = np.asarray([gaz.lon[j] for j in ids])
    ctx.dateline = _dateline(text, gaz)
    if ctx.dateline:
        ctx.country_weight[ctx.dateline[2]] += 1.0
    return ctx


def _dateline(text: str, gaz):
    m = _DATELINE.search(text[:600])
    if not m:
        return None
    ids = gaz.exact.get(exact_key(m.group(1)))
    if not ids:
        return None
    qualifier = m.group(2)
    if qualifier:
        q = exact_key(qualifier)
        narrowed = [j for j in ids if exact_key(gaz.admin1[j]) == q
                    or gaz.country_codes[j] == gaz.country_codes[gaz.exact.get(q, [ids[0]])[0]]]
        ids = narrowed or ids
    top = max(ids, key=lambda j: gaz.prior[j])
    return float(gaz.lat[top]), float(gaz.lon[top]), gaz.country_codes[top]


class ContextCache:
    """Contexts of recently seen texts, so a batch over one article reads it once."""

    def __init__(self, gaz, size: int = 256):
        self._build = lru_cache(maxsize=size)(lambda text: build_context(text, gaz))

    def get(self, text: str | None) -> Context:
        return self._build(text) if text else EMPTY
