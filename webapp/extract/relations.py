"""Places a sentence composes from two of its place names.

The geoparser reads each name on its own; some phrases say where an event was only
through two of them together:

* "an area of southern Israel that is close to Rafah": the part of A nearest B;
* "in the vicinity of Jabalia in Gaza", "Beit Lahia, Gaza": the first name read
  within the second;
* "Khirbet Tana (Nablus, West Bank)": the place in brackets holds the name before
  them; when that name is unknown, the event is near the bracketed place
  (ACLED's geo-precision 2).

:func:`compose` rewrites a sentence's toponyms with the composed readings, asking the
geocoder (its public ``geocode``) for the composed phrase so that the geometry is built
where spatial expressions are (:mod:`webapp.geocoder.relative`).
"""

from __future__ import annotations

import re

from webapp.models import Toponym

_NEAR_BETWEEN = re.compile(
    r"^\s*,?\s*(?:(?:that|which)\s+(?:is|are|was|were|lies|lie)\s+)?"
    r"(?:close\s+to|near|next\s+to|adjacent\s+to|not\s+far\s+from|in\s+the\s+vicinity\s+of|"
    r"bordering)\s+(?:the\s+)?$", re.IGNORECASE)
_WITHIN_BETWEEN = re.compile(r"^\s*(?:in|,)\s+(?:the\s+)?$")
_OPEN_BRACKET = re.compile(r"^\s*\(\s*$")
_VICINITY_BEFORE = re.compile(r"\b(?:in\s+the\s+vicinity\s+of|near|close\s+to|outside|"
                              r"on\s+the\s+outskirts\s+of)\s+$", re.IGNORECASE)
# "Tana (Nablus": the name a bracket qualifies, when the geoparser did not know it
_NAME_BEFORE_BRACKET = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:al-|el-)?[A-Z][\w'’-]*)*\s*\($")
_AREA_KINDS = frozenset({"country", "admin area", "region part", "region", "area", "desert",
                         "county", "border"})
_REACH = 60  # characters: the widest gap these phrases leave between two names


def compose(text: str, toponyms: list[Toponym], geocode) -> list[Toponym]:
    """``toponyms`` (in text order, all from one sentence of ``text``) with composed
    readings in place of the names they compose; ``geocode(query, position)`` returns
    a geopy Location or None."""
    out = list(toponyms)
    for k in range(len(out) - 1):
        a, b = out[k], out[k + 1]
        if b.start - a.end > _REACH:
            continue
        between = text[a.end:b.start]
        composed = None
        if _NEAR_BETWEEN.match(between) and a.kind in _AREA_KINDS:
            composed = _ask(geocode, f"{a.text} close to {b.text}", a, text, b.end, keep=2)
        elif _WITHIN_BETWEEN.match(between) or _OPEN_BRACKET.match(between):
            composed = _within(text, a, b, geocode)
        if composed is not None:
            out[k] = composed
    return [_bracketed(text, t, geocode) for t in out]


def _within(text: str, a: Toponym, b: Toponym, geocode) -> Toponym | None:
    """"Y in X" or "Y (X": Y read inside X, when the first reading was elsewhere."""
    if a.kind in _AREA_KINDS or a.country_code == b.country_code and \
            not _VICINITY_BEFORE.search(text, max(0, a.start - 40), a.start):
        return None  # already inside (or nothing to narrow)
    query = f"{a.text}, {b.text}"
    if a.geo_precision < 2 and _VICINITY_BEFORE.search(text, max(0, a.start - 40), a.start):
        query = f"near {query}"
    found = _ask(geocode, query, a, text, a.end, keep=0)
    if found is None or found.country_code != b.country_code:
        return None
    return found


def _bracketed(text: str, t: Toponym, geocode) -> Toponym:
    """"Khirbet Tana (Nablus, West Bank)" with Khirbet Tana unknown: near Nablus."""
    if t.geo_precision >= 2 or not _NAME_BEFORE_BRACKET.search(text, max(0, t.start - 60),
                                                               t.start):
        return t
    found = _ask(geocode, f"near {t.text}", t, text, t.end, keep=0)
    return found if found is not None else t


def _ask(geocode, query: str, first: Toponym, text: str, end: int, keep: int):
    loc = geocode(query, first.start)
    if loc is None:
        return None
    raw = loc.raw
    return Toponym(text=text[first.start:end], start=first.start, end=end, name=raw["name"],
                   latitude=raw["latitude"], longitude=raw["longitude"],
                   country_code=raw["country_code"], admin1=raw["admin1"], kind=raw["kind"],
                   geo_precision=max(raw["geo_precision"], keep), source=raw["source"],
                   geometry=raw["geometry"])
