"""Shapely shapes onto matplotlib axes, as one collection per call.

The static snapshot used to draw its land and outlines through geopandas' plotting, which
brings pandas with it: a second of a command line's start, for what is a loop over
rings. Here a polygon is one compound path (its holes wound against its shell, so they
stay empty) and a line one polyline; the axes' limits are left alone. The paths are
made from all rings' coordinates at once (:func:`polygon_paths`), and a layer drawn
twice (the land, filled and then outlined) makes them once.
"""

from __future__ import annotations

import numpy as np
import shapely
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path


def _parts(shapes, kinds: tuple[str, ...]) -> np.ndarray:
    shapes = list(shapes)
    if not shapes:
        return np.empty(0, dtype=object)
    parts = shapely.get_parts(np.asarray(shapes, dtype=object))
    keep = [part.geom_type in kinds and not part.is_empty for part in parts]
    return parts[np.asarray(keep, dtype=bool)]


def polygon_paths(shapes) -> list[Path]:
    """One compound path per polygon of ``shapes`` (other parts are skipped)."""
    polygons = _parts(shapes, ("Polygon",))
    if not len(polygons):
        return []
    # Agg fills by the non-zero rule: a hole wound as its shell would be filled.
    polygons = shapely.orient_polygons(polygons)
    exteriors = shapely.get_exterior_ring(polygons)
    holes = [shapely.get_interior_ring(polygons, k)
             for k in range(int(shapely.get_num_interior_rings(polygons).max()))]
    rings = np.concatenate([exteriors, *holes])
    owner = np.concatenate([np.arange(len(polygons))] * (1 + len(holes)))
    present = ~shapely.is_missing(rings) & ~shapely.is_empty(rings)
    rings, owner = rings[present], owner[present]
    rings, owner = rings[np.argsort(owner, kind="stable")], np.sort(owner, kind="stable")
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
    starts = np.flatnonzero(np.r_[True, ring_of[1:] != ring_of[:-1]])
    codes[starts] = Path.MOVETO
    codes[np.r_[starts[1:], len(xy)] - 1] = Path.CLOSEPOLY
    polygon_of = owner[ring_of]
    cuts = np.flatnonzero(np.r_[True, polygon_of[1:] != polygon_of[:-1], True])
    return [Path(xy[a:b], codes[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]


def draw_polygons(ax, shapes=None, *, paths: list[Path] | None = None, facecolor,
                  edgecolor, linewidth: float, zorder: float) -> None:
    """The areas of ``shapes`` (polygons and multipolygons; other parts are skipped),
    or ``paths`` made by :func:`polygon_paths`."""
    if paths is None:
        paths = polygon_paths(shapes)
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
