"""The view of a picture fitted the way Leaflet fits a map, and its cluster grid.

Leaflet's ``fitBounds`` picks the closest whole zoom at which a box fits; the store's
cluster grid at that zoom has cells of about 64 px (``360 / 2**(zoom + 2)`` degrees).
Both renderers and :mod:`webapp.snapshot.marks` use :func:`picture_grid`, so the
clusters asked of the store are those of the zoom the picture is drawn at.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from webapp.map_view import MAX_FIT_ZOOM
from webapp.snapshot import basemap
from webapp.store.base import MAX_ZOOM as GRID_MAX_ZOOM

FIT_PAD_PX = 40           # room around the fitted events, as the pages leave


class Grid(NamedTuple):
    zoom: int                                   # whole map zoom (the grid's too)
    box: tuple[float, float, float, float]      # west, south, east, north in view
    centre: tuple[float, float]                 # latitude, longitude


def picture_grid(extent, width: int, height: int, pad_px: float = FIT_PAD_PX,
                 max_zoom: int | None = None) -> Grid:
    """The view of a picture of ``width`` x ``height`` px fitted to ``extent`` (south,
    west, north, east) the way Leaflet's fitBounds fits it: the zoom is a whole one, the
    closest at which the extent fits, and that zoom's grid is the clusters'."""
    south, west, north, east = extent
    limit = MAX_FIT_ZOOM if max_zoom is None else max_zoom
    view = basemap.fit_view(south, west, north, east, width, height, pad_px, limit)
    exact = math.log2(basemap.ZOOM0_METRES_PER_PX / view.metres_per_px)
    zoom = int(min(max(math.floor(exact + 1e-9), 0), GRID_MAX_ZOOM))
    # The view at that whole zoom, about the same centre: a little larger than fitted.
    per_px = basemap.ZOOM0_METRES_PER_PX / 2 ** zoom
    cx, cy = (view.x0 + view.x1) / 2, (view.y0 + view.y1) / 2
    (west_deg, east_deg), (south_deg, north_deg) = basemap.from_mercator(
        [cx - per_px * width / 2, cx + per_px * width / 2],
        [cy - per_px * height / 2, cy + per_px * height / 2])
    if east_deg - west_deg >= 360:
        box = (-180.0, float(south_deg), 180.0, float(north_deg))
    else:
        box = (_wrap(float(west_deg)), float(south_deg), _wrap(float(east_deg)),
               float(north_deg))
    lon, lat = basemap.from_mercator(cx, cy)
    return Grid(zoom, (box[0], max(box[1], -90.0), box[2], min(box[3], 90.0)),
                (float(lat), _wrap(float(lon))))


def _wrap(lon: float) -> float:
    return ((lon + 180.0) % 360.0) - 180.0 if not -180.0 <= lon <= 180.0 else lon
