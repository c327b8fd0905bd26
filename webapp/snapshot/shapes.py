"""Shapely shapes onto matplotlib axes, as one collection per call.

The static snapshot used to draw its land and outlines through geopandas' plotting, which
brings pandas with it: a second of a command line's start, for what is a loop over
rings. Here a polygon is one compound path (its holes wound the other way, so they stay
empty) and a line one polyline; the axes' limits are left alone.
"""

from __future__ import annotations

import numpy as np
import shapely
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path


def _ring_path(ring) -> Path:
    xy = shapely.get_coordinates(ring)
    codes = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
    codes[0] = Path.MOVETO
    codes[-1] = Path.CLOSEPOLY
    return Path(xy, codes)


def _polygon_path(polygon) -> Path:
    rings = [polygon.exterior, *polygon.interiors]
    return Path.make_compound_path(*(_ring_path(ring) for ring in rings if len(ring.coords)))


def _parts(shapes, kinds: tuple[str, ...]) -> list:
    shapes = list(shapes)
    if not shapes:
        return []
    parts = shapely.get_parts(np.asarray(shapes, dtype=object))
    return [part for part in parts if part.geom_type in kinds and not part.is_empty]


def draw_polygons(ax, shapes, *, facecolor, edgecolor, linewidth: float,
                  zorder: float) -> None:
    """The areas of ``shapes`` (polygons and multipolygons; other parts are skipped)."""
    paths = [_polygon_path(p) for p in _parts(shapes, ("Polygon",))]
    if not paths:
        return
    # One PathCollection, not a patch per polygon: an Artist each costs more to make
    # than the polygon costs to draw.
    ax.add_collection(PathCollection(paths, facecolors=[facecolor], edgecolors=[edgecolor],
                                     linewidths=[linewidth], zorder=zorder), autolim=False)


def draw_lines(ax, shapes, *, color, linewidth: float, zorder: float) -> None:
    """The lines of ``shapes`` (lines and multilines; other parts are skipped)."""
    lines = [shapely.get_coordinates(p) for p in _parts(shapes, ("LineString",
                                                                  "LinearRing"))]
    if not lines:
        return
    ax.add_collection(LineCollection(lines, colors=[color], linewidths=[linewidth],
                                     zorder=zorder), autolim=False)
