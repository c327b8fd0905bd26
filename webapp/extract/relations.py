"""Places a sentence composes from two of its place names.

The geoparser reads each name on its own; some phrases say where an event was only
through two of them together:

* "an area of southern Israel that is close to Rafah": the part of A nearest B;
* "in the vicinity of Jabalia in Gaza", "Tripoli in Lebanon": the first name read
  within the second (a comma is not enough: it also separates the names of a list);
* "Khirbet Tana (Nablus, West Bank)": the place in brackets holds the name before
  them; when that name is unknown, the event is near the bracketed place
  (ACLED's geo-precision 2);
* one name with words around it: "east of Gaza City", "12 km from Tyre", "the
  southern areas of Khan Younis", "the north of X", "near the border with Gaza",
  "on the outskirts of Jenin", "Jenin's outskirts" (see :func:`_relative`).

:func:`compose` rewrites a sentence's toponyms with the composed readings, asking the
geocoder (its public ``geocode``) for the composed phrase so that the geometry is built
where spatial expressions are (:mod:`webapp.geocoder.relative`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from shapely.geometry import Point, shape

from webapp.errors import BadQueryError, GeocoderServiceError
from webapp.geocoder.context import haversine_km
from webapp.geocoder.kinds import PlaceKind
from webapp.models import Toponym

_NEAR_BETWEEN = re.compile(
    r"^\s*,?\s*(?:(?:that|which)\s+(?:is|are|was|were|lies|lie)\s+)?"
    r"(?:close\s+to|near|next\s+to|adjacent\s+to|not\s+far\s+from|in\s+the\s+vicinity\s+of|"
    r"bordering)\s+(?:the\s+)?$", re.IGNORECASE)
_WITHIN_BETWEEN = re.compile(r"^\s+in\s+(?:the\s+)?$")
_OPEN_BRACKET = re.compile(r"^\s*\(\s*$")
_VICINITY_BEFORE = re.compile(r"\b(?:in\s+the\s+vicinity\s+of|near|close\s+to|outside|"
                              r"on\s+the\s+outskirts\s+of)\s+$", re.IGNORECASE)
# "Tana (Nablus": the name a bracket qualifies, when the geoparser did not know it
_NAME_BEFORE_BRACKET = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:al-|el-)?[A-Z][\w'’-]*)*\s*\($")
_UNIT = r"(?:km|kilometers|kilometres|kilometer|kilometre|miles|mile)"
_DIRECTION = r"(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)"
# Words before a name that make the place relative to it (the toponym keeps the name's
# own span; its reading becomes the composed place).
_BEFORE = [
    re.compile(rf"\b(\d+(?:\.\d+)?)\s*-?\s*({_UNIT})\s+(?:away\s+)?from\s+$"),
    re.compile(rf"\bthe\s+(?:far\s+)?({_DIRECTION})(?:ern)?\s+(?:(?:areas|parts|part|"
               r"outskirts|suburbs|districts|neighbourhoods|neighborhoods|edge|side)\s+)?"
               r"of\s+$"),
    re.compile(rf"(?<!\d\s)(?<!km\s)\b(?:just\s+|due\s+)?({_DIRECTION})\s+of\s+$"),
    re.compile(r"\b(?:near|close\s+to|(?:on\s+)?the\s+outskirts\s+of|outskirts\s+of|"
               r"(?:in\s+)?the\s+vicinity\s+of|just\s+outside|outside)\s+(?:the\s+)?$"),
]
_OUTSKIRTS_AFTER = re.compile(r"(?:'s|’s)?\s+(?:outskirts|suburbs|environs)\b")
_AREA_KINDS = frozenset({PlaceKind.COUNTRY, PlaceKind.ADMIN_AREA, PlaceKind.REGION_PART,
                         PlaceKind.REGION, PlaceKind.AREA, PlaceKind.DESERT, PlaceKind.COUNTY,
                         PlaceKind.BORDER})
_TOWN_REACH_KM = 25.0  # a place "in" or "(" a town lies this close to its point
_FIELDS = {"name", "latitude", "longitude", "country_code", "admin1", "kind", "geo_precision",
           "source", "geometry"}
_REACH = 60  # characters: the widest gap these phrases leave between two names


def compose(text: str, toponyms: list[Toponym], geocode) -> list[Toponym]:
    """``toponyms`` (in text order, all from one sentence of ``text``) with composed
    readings in place of the names they compose; ``geocode(query, position)`` returns
    a geopy Location or None."""
    out = list(toponyms)
    for k in range(len(out) - 1):
        a, b = out[k], out[k + 1]
        if b.phrase_start - a.phrase_end > _REACH:
            continue
        between = text[a.phrase_end:b.phrase_start]
        composed = None
        if _NEAR_BETWEEN.match(between) and a.kind in _AREA_KINDS:
            composed = ask(geocode, f"{a.words(text)} close to {b.words(text)}", a, text, b.end,
                            keep=2)
        elif _WITHIN_BETWEEN.match(between) or _OPEN_BRACKET.match(between):
            composed = _within(text, a, b, geocode)
        if composed is not None:
            out[k] = composed
    return [_relative(text, _bracketed(text, t, geocode), geocode) for t in out]


def _relative(text: str, t: Toponym, geocode) -> Toponym:
    """"east of Gaza City", "12 km from Tyre", "the southern areas of Khan Younis",
    "near the border with Gaza", "Jenin's outskirts": the name's place, composed."""
    if t.kind == "country" or t.weak:
        return t  # "outside Israel", "north of Lebanon": too coarse to compose
    # an expression ("the Lebanon border") is read from its phrase's words, not its
    # name's: the words before the phrase, never the phrase's own ("10 kilometers south")
    start, words = t.phrase_start, t.words(text)
    window = text[max(0, start - 40):start]
    query = None
    for n, pattern in enumerate(_BEFORE):
        m = pattern.search(window)
        if m is None:
            continue
        if n == 0:
            query = f"{m.group(1)} {m.group(2)} from {words}"
        elif n == 1:
            query = f"the {m.group(1).lower()} areas of {words}"
        elif n == 2:
            query = f"{m.group(1).lower()} of {words}"
        elif t.geo_precision < 2 or t.kind == "border":
            query = f"near {words}"
        break
    if query is None and t.geo_precision < 2 and _OUTSKIRTS_AFTER.match(text, t.phrase_end):
        query = f"near {words}"
    if query is None:
        return t
    found = ask(geocode, query, t, text, t.end, keep=2)
    return found if found is not None else t


def _within(text: str, a: Toponym, b: Toponym, geocode) -> Toponym | None:
    """"Y in X" or "Y (X": Y read inside X, when the first reading was elsewhere; "Y (X"
    with no reading of Y inside X is near X."""
    vicinity = _VICINITY_BEFORE.search(text, max(0, a.phrase_start - 40),
                                       a.phrase_start) is not None
    if a.kind in _AREA_KINDS or (_holds(b, a) and not vicinity):
        return None  # already inside (or nothing to narrow)
    query = f"{a.words(text)}, {b.words(text)}"
    if vicinity and a.geo_precision < 2:
        query = f"near {query}"
    found = ask(geocode, query, a, text, a.end, keep=2 if vicinity else 0)
    if found is not None and _holds(b, found):
        return found
    if _OPEN_BRACKET.match(text[a.phrase_end:b.phrase_start]):
        near = ask(geocode, f"near {b.words(text)}", b, text, b.end, keep=2)
        if near is not None:
            return replace(near, text=a.text, start=a.start, end=a.end, phrase=a.phrase)
    return None


def _holds(area: Toponym, place: Toponym) -> bool:
    """Whether ``place`` lies in ``area`` (its outline, or a town's reach)."""
    if area.country_code != place.country_code:
        return False
    if area.kind == "country":
        return True
    geometry = shape(area.geometry) if area.geometry else None
    if geometry is not None and geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry.buffer(0.01).contains(Point(place.longitude, place.latitude))
    return haversine_km(area.latitude, area.longitude,
                        place.latitude, place.longitude) <= _TOWN_REACH_KM


def _bracketed(text: str, t: Toponym, geocode) -> Toponym:
    """"Khirbet Tana (Nablus, West Bank)" with Khirbet Tana unknown: near Nablus."""
    if t.geo_precision >= 2 or not _NAME_BEFORE_BRACKET.search(text, max(0, t.start - 60),
                                                               t.start):
        return t
    found = ask(geocode, f"near {t.text}", t, text, t.end, keep=0)
    return found if found is not None else t


def ask(geocode, query: str, first: Toponym, text: str, end: int, keep: int):
    """The composed ``query`` read as a toponym spanning ``first`` to ``end`` (its
    precision at least ``keep``), or None when the geocoder has no answer."""
    try:
        loc = geocode(query, first.start)
    except (BadQueryError, GeocoderServiceError):
        return None  # a composed reading is a refinement: the name's own reading stands
    if loc is None or not _FIELDS <= set(loc.raw):
        return None  # (an online fallback's answer lacks the gazetteer's fields)
    raw = loc.raw
    # a composed reading keeps the first name's span, and an expression's phrase
    phrase = (first.phrase[0], max(end, first.phrase[1])) if first.phrase else None
    return Toponym(text=text[first.start:end], start=first.start, end=end, name=raw["name"],
                   phrase=phrase,
                   latitude=raw["latitude"], longitude=raw["longitude"],
                   country_code=raw["country_code"], admin1=raw["admin1"], kind=raw["kind"],
                   geo_precision=max(raw["geo_precision"], keep), source=raw["source"],
                   geometry=raw["geometry"])
