"""The land under a static snapshot: projection, view and clipped boundary shapes.

Snapshots are drawn in Web Mercator (EPSG:3857), the projection of the interactive map,
so a snapshot and the page it was taken from look alike. Boundaries are read once per
process and indexed (from a WKB copy under ``instance/`` kept while the GeoJSON in
``geodata/`` is unchanged: reading the GeoJSON costs thirty times more); each render
takes only what lies in its view, clipped and thinned to the pixel, so a small view of
Gaza draws a few dozen shapes.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
import shapely.errors

from webapp.assets import GEODATA_DIR
from webapp.errors import DataError

log = logging.getLogger(__name__)

RADIUS = 6378137.0                  # EPSG:3857 puts the ellipsoid's equator on a sphere
WORLD = math.pi * RADIUS            # half the world's width in Mercator metres
MAX_LAT = 85.05112878               # where Web Mercator's square world ends
_E2 = 0.00669437999014              # WGS84 first eccentricity squared
# Leaflet's metres per pixel at zoom 0 (256-pixel tiles); zoom z is this / 2**z.
ZOOM0_METRES_PER_PX = 2 * WORLD / 256


def to_mercator(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lon, dtype=float)
    lat = np.clip(np.asarray(lat, dtype=float), -MAX_LAT, MAX_LAT)
    return (np.radians(lon) * RADIUS,
            np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * RADIUS)


def from_mercator(x, y) -> tuple[np.ndarray, np.ndarray]:
    return (np.degrees(np.asarray(x, dtype=float) / RADIUS),
            np.degrees(2 * np.arctan(np.exp(np.asarray(y, dtype=float) / RADIUS))
                       - np.pi / 2))


def _mercator_xy(xy: np.ndarray) -> np.ndarray:
    return np.column_stack(to_mercator(xy[:, 0], xy[:, 1]))


def ground_metres(mercator_metres: float, y: float) -> float:
    """How long ``mercator_metres`` east-west at Mercator height ``y`` is on the ground:
    the WGS84 parallel's true length, not a spherical guess."""
    lat = math.radians(float(from_mercator(0.0, y)[1]))
    return mercator_metres * math.cos(lat) / math.sqrt(1 - _E2 * math.sin(lat) ** 2)


@dataclass(frozen=True)
class View:
    """The map's extent in Mercator metres, and its size in pixels."""

    x0: float
    y0: float
    x1: float
    y1: float
    width_px: int
    height_px: int

    @property
    def metres_per_px(self) -> float:
        return (self.x1 - self.x0) / self.width_px

    def world_copies(self) -> list[int]:
        """Which copies of the world (-1 west, 0, 1 east) the view shows: a view across
        the antimeridian shows parts of two."""
        return [k for k in (-1, 0, 1)
                if self.x0 < WORLD + 2 * k * WORLD and self.x1 > -WORLD + 2 * k * WORLD]

    def degree_box(self, copy: int) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) of the view in one world copy's degrees."""
        shift = 2 * copy * WORLD
        (west, east), (south, north) = from_mercator(
            [max(self.x0 - shift, -WORLD), min(self.x1 - shift, WORLD)],
            [max(self.y0, -2 * WORLD), min(self.y1, 2 * WORLD)])
        return (float(west), float(south), float(east), float(north)) if west < east \
            else None


def fit_view(south: float, west: float, north: float, east: float, width_px: int,
             height_px: int, pad_px: float, max_zoom: int) -> View:
    """The view showing the box (degrees; ``east < west`` crosses the antimeridian) with
    ``pad_px`` of room on every side, no closer than ``max_zoom`` and filling the pixels."""
    if east < west:
        east += 360.0
    (x0, x1), (y0, y1) = to_mercator([west, east], [south, north])
    inner_w = max(width_px - 2 * pad_px, width_px / 2)
    inner_h = max(height_px - 2 * pad_px, height_px / 2)
    per_px = max((x1 - x0) / inner_w, (y1 - y0) / inner_h,
                 ZOOM0_METRES_PER_PX / 2 ** max_zoom)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = per_px * width_px / 2, per_px * height_px / 2
    return View(cx - half_w, cy - half_h, cx + half_w, cy + half_h, width_px, height_px)


# -- boundary shapes ----------------------------------------------------------------

LAYER_SOURCES = (("countries", "countries.geojson", []),
                 ("admin1", "admin1.geojson", ["approximate", "level"]))
LAYERS_VERSION = 1   # bump when what the cache holds changes
CACHE_PREFIX = "land-layers-"


@lru_cache(maxsize=1)
def _layers() -> dict[str, tuple[np.ndarray, shapely.STRtree]]:
    """Country and ordinary admin-1 polygons in degrees, each with a spatial index."""
    shapes = _cached_shapes()
    return {name: (found, shapely.STRtree(found)) for name, found in shapes.items()}


def layers_fingerprint(geodata: Path = GEODATA_DIR) -> str | None:
    """Changes when a source file does (its size or time) or what is cached does; None
    when a source is missing (reading it then says so)."""
    digest = hashlib.sha256(str(LAYERS_VERSION).encode())
    for _, file, _ in LAYER_SOURCES:
        try:
            stat = (geodata / file).stat()
        except OSError:
            return None
        digest.update(f"{file}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _cached_shapes() -> dict[str, np.ndarray]:
    """The layers' shapes from ``instance/`` as WKB (a few hundredths of a second),
    else read from the GeoJSON (about a second, with geopandas' import) and cached
    there for the next process. A cache that cannot be written is only a slower start."""
    from webapp.paths import instance_dir

    fingerprint = layers_fingerprint()
    if fingerprint is None:
        return _read_sources()
    cache = instance_dir() / f"{CACHE_PREFIX}{fingerprint}.pickle"
    try:
        with open(cache, "rb") as fh:
            stored = pickle.load(fh)
        return {name: shapely.from_wkb(stored[name]) for name, _, _ in LAYER_SOURCES}
    except (OSError, pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError,
            shapely.errors.ShapelyError):
        pass   # absent, half-written by an older version, or foreign: read the sources
    shapes = _read_sources()
    _write_cache(cache, {name: shapely.to_wkb(found) for name, found in shapes.items()})
    return shapes


def _read_sources() -> dict[str, np.ndarray]:
    import geopandas as gpd

    shapes = {}
    for name, file, columns in LAYER_SOURCES:
        path = GEODATA_DIR / file
        try:
            frame = gpd.read_file(path, columns=columns)
        except Exception as err:   # pyogrio raises its own types, all meaning unreadable
            raise DataError(f"cannot read {path}: {err}") from err
        if name == "admin1":   # the Gaza cells and UK nations overlap the ordinary units
            overlay = frame["approximate"].fillna(False).astype(bool)
            overlay |= frame["level"].eq("nation")
            frame = frame.loc[~overlay]
        found = frame.geometry.to_numpy()
        shapes[name] = found[~shapely.is_empty(found)]
    return shapes


def _write_cache(cache: Path, stored: dict) -> None:
    """Written under another name and renamed, so a reader never sees half a file;
    older fingerprints' files are removed."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=cache.parent, prefix=f".{cache.name}.",
                                        suffix=".part")
        try:
            with os.fdopen(handle, "wb") as fh:
                pickle.dump(stored, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, cache)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        for old in cache.parent.glob(f"{CACHE_PREFIX}*.pickle"):
            if old != cache:
                old.unlink(missing_ok=True)
    except OSError as err:
        log.info("land layers not cached at %s: %s", cache, err)


def layer_in_view(name: str, view: View) -> list:
    """The layer's shapes inside ``view``, clipped, thinned to half a pixel and in
    Mercator metres (shifted onto each world copy the view shows)."""
    shapes, tree = _layers()[name]
    found = []
    for copy in view.world_copies():
        box = view.degree_box(copy)
        if box is None:
            continue
        west, south, east, north = box
        # a margin, so the cut edges fall outside the axes and are never drawn as borders
        pad = max(east - west, north - south) * 0.02
        area = (west - pad, max(south - pad, -90), east + pad, min(north + pad, 90))
        picked = shapes[tree.query(shapely.box(*area))]
        if not len(picked):
            continue
        clipped = shapely.clip_by_rect(picked, *area)
        shift = 2 * copy * WORLD
        moved = shapely.transform(clipped, lambda xy, s=shift: _mercator_xy(xy) + [s, 0])
        thin = shapely.simplify(moved, view.metres_per_px / 2, preserve_topology=False)
        found.extend(g for g in thin if not g.is_empty and g.area > 0)
    return found


def shape_in_view(geometry: dict, view: View):
    """An event's GeoJSON line or area in Mercator metres, clipped to the view, or None
    for a point, junk or a shape elsewhere."""
    if not isinstance(geometry, dict) or "Point" in str(geometry.get("type", "Point")):
        return None
    try:
        shape = shapely.geometry.shape(geometry)
        moved = shapely.transform(shape, _mercator_xy)
    except Exception:   # malformed GeoJSON from an import: the marker alone is drawn
        return None
    pad = 4 * view.metres_per_px
    clipped = shapely.clip_by_rect(moved, view.x0 - pad, view.y0 - pad, view.x1 + pad,
                                   view.y1 + pad)
    return None if clipped.is_empty else clipped
