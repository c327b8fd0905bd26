"""Movements across a border: "the raid into southern Israel", "fighters infiltrated
into northern Israel from Lebanon", "a cross-border attack on the Kursk region".

A force that crosses into an area strikes first where it comes in: the part of the
area nearest where it came from, not the area's middle (ACLED codes the Oct. 7 raid
in the communities along the Gaza fence, not in Beersheba). Where it came from is

1. a place the same sentence names after "from" ("from Gaza", "from Lebanon");
2. else the neighbour the article speaks of most: the country, outside the target
   area's own, whose places the article names most often among those that border or
   lie close to the area, read at its most-named such place;
3. else unknown, and the area keeps its own reading.

The geometry is the geocoder's composite "A close to B" (the part of A nearest B,
ACLED's geo-precision 2), asked through its public ``geocode`` as
:func:`webapp.extract.relations.compose` does. Only areas are moved: "a raid on a
town" is at the town.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from shapely.geometry import Point, shape

from webapp.extract.relations import ask
from webapp.geocoder.kinds import PlaceKind
from webapp.geocoder.relative import distance_km
from webapp.models import Toponym

_AREA_KINDS = frozenset({PlaceKind.COUNTRY, PlaceKind.REGION_PART, PlaceKind.ADMIN_AREA,
                         PlaceKind.REGION, PlaceKind.AREA})
_MOVER = (r"(?:raids?|raided|incursions?|infiltrat(?:ed|es|e|ing|ion|ions)|cross(?:ed|es|ing)?|"
          r"storm(?:ed|s|ing)?|push(?:ed|es|ing)?|invasion|advance[ds]?|advancing|"
          r"sweep(?:s|ing)?|swept|poured|pour(?:s|ing)?|rushed|surged|"
          r"(?:cross-border|transborder)\s+(?:attacks?|raids?|assaults?|strikes?|"
          r"offensives?|operations?|incursions?))")
_MANNER = (r"(?:\s+(?:deep|deeper|further|farther|back|southward|northward|eastward|"
           r"westward))?(?:\s+(?:across|over|through)\s+the\s+(?:border|frontier|fence|"
           r"boundary))?")
# The movement right before the area's name ("raid into", "crossed the border into",
# "cross-border attack on"); "on" only after a cross-border noun: "a raid on" a place
# is at the place.
_MOVEMENT_BEFORE = re.compile(
    rf"\b(?:{_MOVER}{_MANNER}\s+(?:into|in\s+to)|"
    r"(?:cross-border|transborder)\s+(?:attacks?|raids?|assaults?|strikes?|offensives?|"
    r"operations?|incursions?)\s+(?:on|against|in))\s+(?:the\s+)?"
    r"(?:(?:an?|the|some|several)\s+(?:areas?|parts?|sections?|stretch)\s+of\s+)?$",
    re.IGNORECASE)
_FROM_BEFORE = re.compile(r"\bfrom\s+(?:the\s+)?$", re.IGNORECASE)
# "12 km from Tyre" says how far, not whence
_DISTANCE_FROM = re.compile(r"\d\s*-?\s*(?:km|kilomet(?:er|re)s?|miles?|mi)\s+(?:away\s+)?"
                            r"from\s+(?:the\s+)?$", re.IGNORECASE)
_WINDOW = 60  # characters before a name that the movement words may span
# A place "lies close to" the area within this distance (a neighbour's border towns;
# the capital deep inside it does not make it a neighbour of this area).
NEIGHBOUR_KM = 30.0


def moved_in(text: str, sentence: list[Toponym], article: list[Toponym],
             geocode) -> list[Toponym]:
    """``sentence`` (one sentence's toponyms, text order) with each area that a
    movement crosses into read as its part nearest where the movement came from;
    ``article`` holds all the article's toponyms; ``geocode(query, position)``."""
    out = list(sentence)
    for k, target in enumerate(out):
        if not crossed_into(text, target):
            continue
        origin = _named_origin(text, target, out) or _neighbour(target, article)
        if origin is None:
            continue
        found = ask(geocode, f"{target.words(text)} close to {origin.words(text)}", target, text,
                    target.end, keep=2)
        if found is not None and found.country_code == target.country_code:
            # the strip where a force came in: part of a region, whatever the area's size
            out[k] = replace(found, geo_precision=2)
    return out


def crossed_into(text: str, t: Toponym, offset: int = 0) -> bool:
    """Whether a movement across a border goes into the area ``t`` ("raid into X");
    ``text`` starts at ``offset`` of the text ``t`` was found in."""
    if t.kind not in _AREA_KINDS or t.weak:
        return False
    at = t.phrase_start - offset   # before "southern" of "into southern Israel"
    window = text[max(0, at - _WINDOW):at]
    # every movement phrase has one of these words: most names are passed over cheaply
    lowered = window.lower()
    if "into" not in lowered and "in to" not in lowered and "border" not in lowered:
        return False
    return _MOVEMENT_BEFORE.search(window) is not None


def _named_origin(text: str, target: Toponym, sentence: list[Toponym]) -> Toponym | None:
    """The place the sentence says the movement came "from"."""
    for t in sentence:
        if t is target or t.weak or t.name == target.name:
            continue
        window = text[max(0, t.phrase_start - 30):t.phrase_start]
        if _FROM_BEFORE.search(window) and not _DISTANCE_FROM.search(window):
            return t
    return None


def _neighbour(target: Toponym, article: list[Toponym]) -> Toponym | None:
    """The article's most-named place of the most-named neighbour close to ``target``."""
    if not target.geometry:
        return None
    area = shape(target.geometry)
    near: dict[tuple, bool] = {}
    close: list[Toponym] = []
    for t in article:
        if t.weak or not t.country_code or t.country_code == target.country_code:
            continue
        key = (t.name, t.country_code, t.latitude, t.longitude)
        if key not in near:
            near[key] = _distance(area, t) <= NEIGHBOUR_KM
        if near[key]:
            close.append(t)
    if not close:
        return None
    by_country = Counter(t.country_code for t in close)
    # most mentions; a tie goes to the neighbour named first
    country = max(by_country, key=lambda c: (by_country[c], -_first(close, c)))
    mine = [t for t in close if t.country_code == country]
    by_name = Counter(t.name for t in mine)
    name = max(by_name, key=lambda n: (by_name[n], -_first(mine, n, by="name")))
    return next(t for t in mine if t.name == name)


def _first(toponyms: list[Toponym], value: str, by: str = "country_code") -> int:
    return next(t.start for t in toponyms if getattr(t, by) == value)


def _distance(area, t: Toponym) -> float:
    place = shape(t.geometry) if t.geometry else None
    if place is None or place.is_empty:
        place = Point(t.longitude, t.latitude)
    return distance_km(area, place)
