"""What the map page needs besides our Python: browser libraries and the land it draws.

The map must open with no internet at all, so nothing comes from a CDN or a tile server.
Leaflet and its plugins come from PyPI's XStatic packages, which install the upstream
release files as package data:

- ``leaflet``: xstatic-leaflet 1.9.3, the version folium uses (Leaflet: BSD-2-Clause)
- ``markercluster``: xstatic-leaflet-markercluster 1.4.1 (Leaflet.markercluster: MIT)
- ``jquery``: xstatic-jquery 3.7.1 (jQuery: MIT)
- ``fontawesome``: xstatic-font-awesome 6.2.1 (Font Awesome Free: code MIT, fonts
  SIL OFL 1.1, icons CC BY 4.0)
- ``briefing``: this project's own ``map_static/`` (briefing-map.js and .css)
- ``geodata``: ``geodata/web/``, boundary data fetched by the map when it needs it (the
  admin-1 borders, too heavy to inline in every page); nothing else lives in that folder

The map itself loads only Leaflet, MarkerCluster and our own files; jQuery and Font Awesome
are served for the pages around it. The base layer is land drawn from the project's own
country outlines (Natural Earth, names from GeoNames), thinned further here for the page.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely

from webapp.errors import DataError

BRIEFING_DIR = Path(__file__).with_name("map_static")
GEODATA_DIR = Path(__file__).resolve().parents[1] / "geodata"
GEODATA_WEB_DIR = GEODATA_DIR / "web"    # served whole: only files meant for browsers
ADMIN1_LINES = "admin1_lines.geojson"    # built by geodata/build_admin1_lines.py
LAND_FILE = "land.geojson"              # served at <static_url>/land.geojson
ADMIN1_MIN_ZOOM = 5       # below it admin-1 borders are clutter, and are not even fetched
ADMIN1_MARGIN = 10.0      # degrees around the view kept when the lines are inlined
# Browser cache lifetime by prefix (else a day): the geodata URLs carry their file's
# digest, so a rebuilt file is a new URL and the old one may be kept for good.
CACHE_SECONDS = {"geodata": 365 * 24 * 3600}

# Files the map page links, by URL prefix; all of them must exist in asset_folders().
MAP_SCRIPTS = [("leaflet", "leaflet.js"), ("markercluster", "leaflet.markercluster.js"),
               ("briefing", "briefing-map.js")]
MAP_STYLES = [("leaflet", "leaflet.css"), ("markercluster", "MarkerCluster.css"),
              ("markercluster", "MarkerCluster.Default.css"), ("briefing", "briefing-map.css")]
# The served page's map asks the server for its marks (webapp.live_map): the server
# clusters, so MarkerCluster is not needed there.
LIVE_SCRIPTS = [("leaflet", "leaflet.js"), ("briefing", "briefing-map.js"),
                ("briefing", "briefing-live.js"), ("briefing", "briefing-updates.js")]
LIVE_STYLES = [("leaflet", "leaflet.css"), ("briefing", "briefing-map.css")]

# The land layer is inlined in every page, so it is thinned hard away from the region the
# briefings cover and barely at all in the Levant, where a map is zoomed to street level.
# Each axis is stretched piecewise-linearly (x1 far away, x5 over the Middle East, x80 over
# the Levant) before a coverage simplification, then shrunk back: shared borders stay
# shared, and the tolerance in stretched degrees becomes finer where the stretch is larger.
_LON_KNOTS = np.array([-180.0, 20.0, 33.0, 37.5, 65.0, 180.0])
_LAT_KNOTS = np.array([-90.0, 10.0, 29.0, 34.5, 45.0, 90.0])
_STRETCH = np.array([1.0, 5.0, 80.0, 5.0, 1.0])
LAND_TOLERANCE = 1.0          # in stretched degrees
LAND_MIN_ISLAND = 0.2         # square degrees; smaller islands outside the region are dropped
                              # unless they are a country's largest part
LAND_REGION = (20.0, 10.0, 65.0, 45.0)   # lon/lat box in which every island is kept
LAND_DECIMALS = 3             # about 100 m; shared vertices round alike, so borders still meet


def asset_folders() -> dict[str, Path]:
    """URL prefix -> local folder to serve under ``<static_url>/<prefix>/``."""
    try:
        from xstatic.pkg import font_awesome, jquery, leaflet, leaflet_markercluster
    except ImportError as err:  # the web layer reports this better than a bare traceback
        raise DataError(f"a map asset package is missing ({err}); "
                        "run `pip install -r requirements.txt`") from err
    return {"leaflet": Path(leaflet.BASE_DIR),
            "markercluster": Path(leaflet_markercluster.BASE_DIR),
            "jquery": Path(jquery.BASE_DIR),
            "fontawesome": Path(font_awesome.BASE_DIR),
            "briefing": BRIEFING_DIR,
            "geodata": GEODATA_WEB_DIR}


def asset_urls(static_url: str, scripts=None, styles=None) -> tuple[list[str], list[str]]:
    """(script URLs, stylesheet URLs) of the map page under ``static_url``: by default
    those of the map with its events inline (MAP_SCRIPTS, MAP_STYLES)."""
    base = static_url.rstrip("/")
    return ([f"{base}/{prefix}/{name}" for prefix, name in scripts or MAP_SCRIPTS],
            [f"{base}/{prefix}/{name}" for prefix, name in styles or MAP_STYLES])


def _stretch(values: np.ndarray, knots: np.ndarray, inverse: bool = False) -> np.ndarray:
    stretched = np.concatenate([[knots[0]], knots[0] + np.cumsum(np.diff(knots) * _STRETCH)])
    return np.interp(values, stretched, knots) if inverse else np.interp(values, knots, stretched)


def _lens(xy: np.ndarray, inverse: bool = False) -> np.ndarray:
    return np.column_stack([_stretch(xy[:, 0], _LON_KNOTS, inverse),
                            _stretch(xy[:, 1], _LAT_KNOTS, inverse)])


@lru_cache(maxsize=1)
def _countries() -> tuple[np.ndarray, dict[str, str]]:
    import geopandas as gpd  # only the map needs it here; keep `import webapp.assets` light

    path = GEODATA_DIR / "countries.geojson"
    try:
        frame = gpd.read_file(path, columns=["code", "name"])
    except Exception as err:  # pyogrio raises its own types, all meaning unreadable
        raise DataError(f"cannot read {path}: {err}") from err
    names = {code: name for code, name in zip(frame["code"], frame["name"]) if code}
    return frame.geometry.to_numpy(), names


def country_names() -> dict[str, str]:
    """ISO alpha-2 code -> the country's name, for popups."""
    return dict(_country_name_table())


@lru_cache(maxsize=1)
def _country_name_table() -> dict[str, str]:
    # Read as plain JSON, shapes and all (a few hundredths of a second): through
    # geopandas, a brief or an export that only names countries paid a second for it.
    path = GEODATA_DIR / "countries.geojson"
    try:
        with open(path, encoding="utf-8") as fh:
            features = json.load(fh)["features"]
        return {f["properties"]["code"]: f["properties"]["name"] for f in features
                if f["properties"].get("code")}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DataError(f"cannot read {path}: {err}") from err


@lru_cache(maxsize=1)
def land_geojson() -> str:
    """The land base layer as compact GeoJSON text (one feature per country, no properties)."""
    shapes = _countries()[0]
    parts, owner = shapely.get_parts(shapes, return_index=True)
    area = shapely.area(parts)
    largest = np.zeros(len(parts), dtype=bool)   # every country keeps its main part
    largest[[np.flatnonzero(owner == i)[np.argmax(area[owner == i])]
             for i in np.unique(owner)]] = True
    keep = largest | (area >= LAND_MIN_ISLAND) | shapely.intersects(
        parts, shapely.box(*LAND_REGION))
    kept = [shapely.multipolygons(parts[keep & (owner == i)]) for i in range(len(shapes))]
    thin = shapely.coverage_simplify(shapely.transform(np.array(kept), _lens), LAND_TOLERANCE)
    thin = shapely.transform(thin, lambda xy: np.round(_lens(xy, inverse=True), LAND_DECIMALS))
    features = [{"type": "Feature", "properties": {},
                 "geometry": shapely.geometry.mapping(geom)}
                for geom in thin if not geom.is_empty]
    return json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":"))


@lru_cache(maxsize=1)
def land_version() -> str:
    """A digest of the land layer's text, for its URL: a new outline is a new URL."""
    return hashlib.sha256(land_geojson().encode("utf-8")).hexdigest()[:12]


def land_url(static_url: str) -> str:
    """Where a served map fetches the land from (160 kB: kept out of every page, and
    cached by the browser for good, see CACHE_SECONDS)."""
    return f"{static_url.rstrip('/')}/{LAND_FILE}?v={land_version()}"


def _admin1_lines_path() -> Path:
    path = GEODATA_WEB_DIR / ADMIN1_LINES
    if not path.is_file():
        raise DataError(f"{path} is missing; run `python geodata/build_admin1_lines.py`")
    return path


@lru_cache(maxsize=1)
def admin1_lines_version() -> str:
    """A digest of the admin-1 lines file, for its URL (see CACHE_SECONDS)."""
    return hashlib.sha256(_admin1_lines_path().read_bytes()).hexdigest()[:12]


def admin1_lines_url(static_url: str) -> str:
    """Where the map fetches the admin-1 borders from."""
    return (f"{static_url.rstrip('/')}/geodata/{ADMIN1_LINES}"
            f"?v={admin1_lines_version()}")


@lru_cache(maxsize=1)
def _admin1_lines() -> tuple[list[str], np.ndarray]:
    with _admin1_lines_path().open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    return ([f["properties"]["code"] for f in features],
            np.array([shapely.geometry.shape(f["geometry"]) for f in features]))


def admin1_lines_geojson(south: float, west: float, north: float, east: float,
                         margin: float = ADMIN1_MARGIN) -> dict:
    """The admin-1 borders within the box plus ``margin`` degrees, as GeoJSON, for a page
    with no server to fetch them from (the standalone export): the whole world's would
    weigh about 380 kB."""
    codes, lines = _admin1_lines()
    clipped = shapely.clip_by_rect(lines, west - margin, max(south - margin, -90.0),
                                   east + margin, min(north + margin, 90.0))
    features = [{"type": "Feature", "properties": {"code": code},
                 "geometry": shapely.geometry.mapping(
                     shapely.transform(geom, lambda xy: np.round(xy, LAND_DECIMALS)))}
                for code, geom in zip(codes, clipped) if not geom.is_empty]
    return {"type": "FeatureCollection", "features": features}
