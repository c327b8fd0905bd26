"""Where people live inside an area: a representative point weighted by population.

"Southern Israel" is a desert by area and a string of towns near Gaza by population;
a report about it is about the towns. The geometric centre of such a region lands in
the empty part, so regions composed from directions ("southern Israel", "the part of
southern Israel close to Rafah") take the population-weighted point of the GeoNames
places inside them instead.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Point


class People:
    """Populated places of a gazetteer as flat arrays, for weighted points of areas."""

    def __init__(self, gaz):
        kinds = np.asarray(gaz.kinds, dtype=object)
        population = np.asarray(gaz.population, dtype=np.float64)
        keep = (kinds == "city") & (population > 0)
        self.lon = np.asarray(gaz.lon, dtype=np.float64)[keep]
        self.lat = np.asarray(gaz.lat, dtype=np.float64)[keep]
        self.population = population[keep]

    def inside(self, geom) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Longitudes, latitudes and populations of the places inside ``geom``."""
        minx, miny, maxx, maxy = geom.bounds
        near = ((self.lon >= minx) & (self.lon <= maxx)
                & (self.lat >= miny) & (self.lat <= maxy))
        lon, lat, pop = self.lon[near], self.lat[near], self.population[near]
        if len(lon) == 0:
            return lon, lat, pop
        shapely.prepare(geom)
        within = shapely.contains_xy(geom, lon, lat)
        return lon[within], lat[within], pop[within]

    def weighted_point(self, geom) -> Point | None:
        """The population-weighted centre of ``geom`` when it lies inside the area, else
        the populated place inside nearest to it; None when nobody lives there (by the
        gazetteer's account)."""
        if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            return None
        lon, lat, pop = self.inside(geom)
        if len(lon) == 0:
            return None
        x, y = float(np.average(lon, weights=pop)), float(np.average(lat, weights=pop))
        centre = Point(x, y)
        if geom.contains(centre):
            return centre
        # A crescent-shaped region can have its weighted centre outside it: take the
        # inhabited place closest to that centre (weighted by size, so a hamlet next
        # to the centre does not beat the town the centre was pulled towards).
        reach = np.hypot(lon - x, lat - y) / np.sqrt(pop)
        k = int(np.argmin(reach))
        return Point(float(lon[k]), float(lat[k]))

    def representative_point(self, geom) -> Point:
        """The weighted point, else a point guaranteed to lie inside ``geom``."""
        point = self.weighted_point(geom)
        if point is not None:
            return point
        if geom.geom_type in ("LineString", "MultiLineString"):
            return shapely.line_interpolate_point(geom, 0.5, normalized=True)
        return geom.representative_point()
