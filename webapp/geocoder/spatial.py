"""Spatial expressions: "northern Gaza", "the Lebanon border", "10 km south of Tyre".

:func:`parse` turns a query into an :class:`Expression` naming the places it builds
on; the geometry helpers below turn resolved places into the shape the expression
means. Resolution of the names themselves stays in :mod:`webapp.geocoder.offline`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import shapely
from geopy.distance import distance
from shapely.geometry import Point, box

_COMPASS = {
    "north": 0, "northeast": 45, "east": 90, "southeast": 135, "south": 180,
    "southwest": 225, "west": 270, "northwest": 315,
}
_ADJECTIVE = {
    "northern": "north", "southern": "south", "eastern": "east", "western": "west",
    "northeastern": "northeast", "northwestern": "northwest",
    "southeastern": "southeast", "southwestern": "southwest", "central": "central",
    "north": "north", "south": "south", "east": "east", "west": "west",
    "northeast": "northeast", "northwest": "northwest", "southeast": "southeast",
    "southwest": "southwest", "centre": "central", "center": "central", "mid": "central",
}
_DIR_WORDS = "|".join(sorted(_ADJECTIVE, key=len, reverse=True))
_UNITS = {"km": 1.0, "kilometers": 1.0, "kilometres": 1.0, "kilometer": 1.0,
          "kilometre": 1.0, "mi": 1.609344, "mile": 1.609344, "miles": 1.609344}

_NEAR_WORDS = (r"close to|near|nearby|next to|adjacent to|not far from|in the vicinity of|"
               r"bordering")
_PATTERNS = [
    ("near", re.compile(r"^(?:near|nearby|around|close to|next to|outside|just outside|"
                        r"(?:on )?the outskirts of|outskirts of|(?:in )?the vicinity of|"
                        r"vicinity of|the edge of|edge of) (.+)$")),
    # "an area of southern Israel that is close to Rafah": the part of A nearest B
    ("nearest", re.compile(
        r"^(?:(?:an? |the )?(?:area|part|section|stretch) of )?(.+?),?\s+"
        rf"(?:(?:that|which) (?:is|are|was|were|lies|lie) )?(?:{_NEAR_WORDS}) (.+)$")),
    ("radius", re.compile(
        r"^(?:about |some |around |nearly |roughly |within )?(\d+(?:\.\d+)?)\s*-?\s*"
        r"(km|kilometers|kilometres|kilometer|kilometre|miles|mile|mi)\s+"
        r"(?:away )?(?:from|outside|outside of|of) (.+)$")),
    ("direction", re.compile(
        r"^(?:just |directly |due |further |farther )?"
        r"(north|south|east|west|north-?east|north-?west|south-?east|south-?west) of (.+)$")),
    ("near", re.compile(r"^(?:the )?(.+?)(?:'s|’s) (?:outskirts|suburbs|vicinity|"
                        r"surroundings|environs|periphery)$")),
    ("offset", re.compile(
        r"^(?:about |some |around |nearly |roughly )?(\d+(?:\.\d+)?)\s*-?\s*"
        r"(km|kilometers|kilometres|kilometer|kilometre|miles|mile|mi)\s*\(?[^)]*\)?\s+"
        r"(north|south|east|west|north-?east|north-?west|south-?east|south-?west)\s+of\s+(.+)$")),
    ("border", re.compile(r"^(?:the )?border (?:between|of) (.+?) and (.+)$")),
    ("border1", re.compile(r"^(?:the )?border with (.+)$")),
    ("border", re.compile(r"^(?:the )?(.+?)(?:'s|’s)? border with (.+)$")),
    ("border", re.compile(r"^(?:the )?(.+?)\s*[-–—/]\s*(.+?) (?:border|frontier|boundary)"
                          r"(?: area| region| line| zone)?$")),
    ("border1", re.compile(r"^(?:the )?(.+?)(?:'s|’s)? (?:border|frontier)"
                           r"(?: area| region| zone)?$")),
    ("near", re.compile(r"^(?:the )?(.+?) (?:area|region|vicinity|outskirts|surroundings)$")),
    ("part", re.compile(rf"^(?:the )?(?:far )?({_DIR_WORDS})[- ](?:(?:part|parts|area|areas|"
                        r"region|regions|districts|neighbourhoods|neighborhoods|edge|"
                        r"outskirts|suburbs|side) of )?(.+)$")),
]


@dataclass(frozen=True)
class Expression:
    kind: str                 # "name", "offset", "border", "near", "part", "radius",
    #                           "direction" ("east of X"), "nearest" (the part of A near B)
    names: tuple              # the place names the expression builds on
    direction: str = ""       # compass word for "part", "offset" and "direction"
    km: float = 0.0           # distance for "offset" and "radius"


def parse(query: str) -> Expression:
    """The expression in a (whitespace-normalised) query; plain names parse as "name"."""
    q = " ".join(query.split())
    low = q.lower()
    for kind, pattern in _PATTERNS:
        m = pattern.match(low)
        if not m:
            continue
        groups = [q[m.start(g):m.end(g)] for g in range(1, m.lastindex + 1)]
        if kind == "offset":
            number, unit, direction, base = groups
            return Expression("offset", (base,), direction.lower().replace("-", ""),
                              float(number) * _UNITS[unit.lower()])
        if kind == "radius":
            number, unit, base = groups
            return Expression("radius", (base,), km=float(number) * _UNITS[unit.lower()])
        if kind == "direction":
            return Expression("direction", (groups[1],), groups[0].lower().replace("-", ""))
        if kind == "border1":
            return Expression("border", (groups[0],))
        if kind == "part":
            return Expression("part", (groups[1],), _ADJECTIVE[groups[0].lower()])
        return Expression(kind, tuple(groups))
    return Expression("name", (q,))


def adjective(direction: str) -> str:
    """"north" -> "northern", "central" -> "central"."""
    return direction if direction == "central" else f"{direction}ern"


def offset_point(lat: float, lon: float, km: float, direction: str) -> tuple[float, float]:
    dest = distance(kilometers=km).destination((lat, lon), bearing=_COMPASS[direction])
    return dest.latitude, dest.longitude


def part_of(geom, direction: str):
    """The third of an area's bounding box that a compass word names, clipped to it."""
    minx, miny, maxx, maxy = geom.bounds
    w, h = (maxx - minx) / 3, (maxy - miny) / 3
    cols = {"west": (minx, minx + w), "east": (maxx - w, maxx), "mid": (minx + w, maxx - w),
            "all": (minx, maxx)}
    rows = {"south": (miny, miny + h), "north": (maxy - h, maxy), "mid": (miny + h, maxy - h),
            "all": (miny, maxy)}
    col, row = "all", "all"
    if direction == "central":
        col, row = "mid", "mid"
    for word in ("north", "south"):
        if word in direction:
            row = word
    for word in ("east", "west"):
        if word in direction:
            col = word
    (x0, x1), (y0, y1) = cols[col], rows[row]
    piece = geom.intersection(box(x0, y0, x1, y1))
    return piece if not piece.is_empty else geom


def shared_border(a, b, tolerance: float = 0.02):
    """The line along which two areas meet (empty when they do not touch)."""
    line = a.boundary.intersection(b.buffer(tolerance))
    if line.is_empty:
        return line
    line = shapely.line_merge(shapely.union_all([g for g in getattr(line, "geoms", [line])
                                                 if g.geom_type in ("LineString",
                                                                    "MultiLineString")]))
    return line


def point_on(geom) -> Point:
    """A representative point guaranteed to lie on a line or inside a polygon."""
    if geom.geom_type in ("LineString", "MultiLineString"):
        return shapely.line_interpolate_point(geom, 0.5, normalized=True)
    return geom.representative_point()
