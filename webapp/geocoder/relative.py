"""Composed places: the part of an area in a direction, the part of A nearest B, a buffer.

Every function takes and returns shapely geometries in longitude/latitude; distances
are in kilometres, measured in a local equirectangular frame (good to a few per cent
over the tens of kilometres these phrases span).

A region part of a country ("southern Israel", "northern Lebanon") is the union of the
country's own administrative areas that lie in that direction, not a slice of its
bounding box: an elongated country's southern third is its desert tip, while its
"south", as people use the word, is the administrative south. Areas without
administrative sub-areas (or none in that direction) keep the bounding-box slice.
"""

from __future__ import annotations

import math

import shapely
from shapely import affinity
from shapely.geometry import Point, Polygon

from webapp.geocoder import spatial
from webapp.geocoder.kinds import PlaceKind

KM_PER_DEGREE = 110.57
# How far around a point place "east of X", "near X", "X's outskirts" reach.
POINT_REACH_KM = 10.0
# "The part of A close to B" keeps A within this distance beyond the gap between them.
NEAREST_REACH_KM = 20.0
# "Near the border": the strip along the line on the side the phrase speaks of.
BORDER_STRIP_KM = 7.0
# A sub-area belongs to a direction's part when this much of it lies in the slice...
_OWN_SHARE = 0.5
# ...or when it makes up this much of the slice (a large area reaching into it).
_SLICE_SHARE = 0.25


def _scale(lat: float) -> float:
    return max(math.cos(math.radians(lat)), 0.05)


def buffer_km(geom, km: float):
    """``geom`` grown by ``km`` kilometres on every side."""
    lat = geom.centroid.y
    c = _scale(lat)
    flat = affinity.scale(geom, xfact=c, yfact=1.0, origin=(0, 0))
    grown = flat.buffer(km / KM_PER_DEGREE, 32)
    return affinity.scale(grown, xfact=1 / c, yfact=1.0, origin=(0, 0))


def distance_km(a, b) -> float:
    """Shortest distance between two geometries, in kilometres."""
    lat = (a.centroid.y + b.centroid.y) / 2
    c = _scale(lat)
    fa = affinity.scale(a, xfact=c, yfact=1.0, origin=(0, 0))
    fb = affinity.scale(b, xfact=c, yfact=1.0, origin=(0, 0))
    return fa.distance(fb) * KM_PER_DEGREE


def sector(lon: float, lat: float, direction: str, km: float = POINT_REACH_KM):
    """The quarter-disc of radius ``km`` opening from a point towards a compass
    direction ("east of X": the land up to ``km`` away on X's east side)."""
    bearing = spatial._COMPASS[direction]
    c = _scale(lat)
    arc = []
    for step in range(-45, 46, 5):
        b = math.radians(bearing + step)
        arc.append((lon + math.sin(b) * km / KM_PER_DEGREE / c,
                    lat + math.cos(b) * km / KM_PER_DEGREE))
    return Polygon([(lon, lat), *arc, (lon, lat)])


def beyond(geom, direction: str, km: float = POINT_REACH_KM):
    """The land in a compass direction of an area or point, outside it."""
    anchor = geom.centroid
    if geom.geom_type == "Point":
        return sector(anchor.x, anchor.y, direction, km)
    minx, miny, maxx, maxy = geom.bounds
    half_diagonal = distance_km(Point(minx, miny), Point(maxx, maxy)) / 2
    wedge = sector(anchor.x, anchor.y, direction, half_diagonal + km)
    outside = wedge.difference(geom)
    return outside if not outside.is_empty else wedge


def within_country(geom, country):
    """``geom`` clipped to the country of the place it was composed from: "east of
    Gaza City" is in Gaza, though Israel is five kilometres east of the city."""
    if country is None or country.geom_type not in ("Polygon", "MultiPolygon"):
        return geom
    clipped = geom.intersection(country)
    clipped = _areas_only(clipped)
    return clipped if not clipped.is_empty else geom


def region_part(area, direction: str, sub_areas=()):
    """The part of ``area`` that a compass word names: its sub-areas lying in that
    direction, else the slice of its bounding box (see the module's note)."""
    piece = spatial.part_of(area, direction)
    if piece is area or piece.is_empty:
        return area
    chosen = []
    for sub in sub_areas:
        overlap = sub.intersection(piece).area
        if sub.area > 0 and (overlap >= _OWN_SHARE * sub.area
                             or overlap >= _SLICE_SHARE * piece.area):
            chosen.append(sub)
    if not chosen or len(chosen) == len(sub_areas):
        return piece  # no division of the area separates that direction from the rest
    union = _areas_only(shapely.union_all(chosen).intersection(area))
    return union if not union.is_empty else piece


def nearest_part(area, place, reach_km: float = NEAREST_REACH_KM):
    """The part of ``area`` nearest to ``place``: what lies within the gap between them
    plus ``reach_km`` ("an area of southern Israel close to Rafah")."""
    gap = distance_km(area, place)
    zone = buffer_km(place, gap + reach_km)
    part = _areas_only(area.intersection(zone))
    return part if not part.is_empty else area


def border_strip(line, side, km: float = BORDER_STRIP_KM):
    """The strip along a border line on one side of it ("near the border with Gaza",
    said of Israel: the Israeli side)."""
    strip = _areas_only(buffer_km(line, km).intersection(side))
    return strip if not strip.is_empty else buffer_km(line, km)


def _areas_only(geom):
    """The polygonal part of an intersection (dropping the lines and points where
    shapes merely touch)."""
    if geom.is_empty or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", [geom])
             if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
    return shapely.union_all(parts) if parts else Polygon()


class SubAreas:
    """The administrative areas of a gazetteer, found by the area they divide (only
    the areas of the same country are read: decoding every outline would cost seconds)."""

    def __init__(self, gaz):
        self.gaz = gaz
        self.by_country: dict[str, list[int]] = {}
        for i, (kind, cc) in enumerate(zip(gaz.kinds, gaz.country_codes)):
            if kind == PlaceKind.ADMIN_AREA and i in gaz.shapes_wkb:
                self.by_country.setdefault(cc, []).append(i)
        self._cache: dict[int, list] = {}

    def of(self, index: int, geom) -> list:
        """The areas (other than ``index`` itself) that lie within ``geom``."""
        if index in self._cache:
            return self._cache[index]
        if not self.gaz.country_codes[index]:
            return []  # a continent or sea: no administrative division of its own
        found = []
        for i in self.by_country.get(self.gaz.country_codes[index], []):
            if i == index:
                continue
            sub = self.gaz.geometry(i)
            if not sub.intersects(geom) or sub.area >= 0.95 * geom.area:
                continue
            if sub.intersection(geom).area >= 0.9 * sub.area:
                found.append(sub)
        self._cache[index] = found
        return found
