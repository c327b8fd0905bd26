"""Countries and first-level areas for located events, and per-area counts for the map.

:meth:`Regions.assign` fills ``country_code`` and ``admin1`` from the boundary files in
``geodata/`` with one spatial join per layer; :meth:`Regions.aggregate` counts events
and sums fatalities per admin-1 area (and event type), with the area's outline, for a
choropleth. No Flask, no network: the boundaries are read once and kept in memory.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from webapp.errors import DataError
from webapp.models import Event

GEODATA_DIR = Path(__file__).resolve().parents[1] / "geodata"
NEAREST_COUNTRY_KM = 25.0  # a coastal or border point further out than this stays unplaced
# Web Mercator is conformal, so locally it ranks "nearest" correctly and its lengths are
# true lengths times sec(latitude); it is undefined at the poles, hence the clip.
_MERCATOR = "EPSG:3857"
_TO_MERCATOR = Transformer.from_crs("EPSG:4326", _MERCATOR, always_xy=True)
_MAX_LAT = 85.0
_COLUMNS = ["code", "name", "geometry"]


class Regions:
    """The admin-0 and admin-1 polygons (EPSG:4326) and the joins made against them."""

    def __init__(self, countries: gpd.GeoDataFrame, admin1: gpd.GeoDataFrame):
        self.countries = countries[_COLUMNS].reset_index(drop=True)
        # The ordinary units tile the land, so a point is in exactly one of them. The Gaza
        # governorates (approximate Voronoi cells) and the UK nations overlap those units:
        # they are finer or coarser detail, never joined.
        overlay = admin1["approximate"].fillna(False).astype(bool)
        if "level" in admin1:
            overlay |= admin1["level"].eq("nation")
        self.admin1 = admin1.loc[~overlay, _COLUMNS].reset_index(drop=True)
        # Names and Natural Earth's other names of each country's units, case-folded, so an
        # admin1 set upstream ("North Lebanon", "Ash Shamal") is recognised and spelt alike.
        # An alias that two units of one country share names neither; own names win.
        aliases: dict[tuple[str, str], set[str]] = {}
        for code, name, alts in zip(self.admin1["code"], self.admin1["name"],
                                    admin1.loc[~overlay, "names"]):
            for alt in (alts if alts is not None else ()):
                aliases.setdefault((code, alt.casefold()), set()).add(name)
        self._names: dict[str, dict[str, str]] = {}
        for (code, key), names in aliases.items():
            if len(names) == 1:
                self._names.setdefault(code, {})[key] = names.pop()
        for code, name in zip(self.admin1["code"], self.admin1["name"]):
            self._names.setdefault(code, {})[name.casefold()] = name
        self._mercator: dict[str, np.ndarray] = {}
        self._trees: dict[tuple, tuple[shapely.STRtree, np.ndarray]] = {}
        self._layer_trees: dict[str, shapely.STRtree] = {}
        # the columns assign() reads for every article, taken out of the frames once
        self._codes = {layer: getattr(self, layer)["code"].to_numpy()
                       for layer in ("countries", "admin1")}
        self._admin1_names = self.admin1["name"].to_numpy()
        self._shapes: dict[tuple[str, str], object] | None = None

    @classmethod
    def load(cls, geodata_dir: str | Path = GEODATA_DIR) -> Regions:
        """The regions built from ``geodata_dir``, read once per directory and cached."""
        return _load(Path(geodata_dir).resolve())

    def canonical(self, country_code: str, admin1: str) -> str | None:
        """The unit's own name if ``admin1`` names an ordinary unit of that country."""
        return self._names.get(country_code, {}).get(admin1.casefold()) if admin1 else None

    # -- assignment ------------------------------------------------------------------

    def assign(self, events: list[Event]) -> list[Event]:
        """New events with country_code and admin1 filled from where they are.

        A country the geocoder gave is kept (its gazetteer knows which side of a border
        a town is on better than these simplified lines); admin1 is then sought only
        among that country's units. Events without usable coordinates come back as is.
        """
        out = list(events)
        rows = [i for i, e in enumerate(out) if _usable(e.latitude, e.longitude)]
        if not rows:
            return out
        lat = np.array([out[i].latitude for i in rows], dtype=float)
        lon = np.array([out[i].longitude for i in rows], dtype=float)
        points = shapely.points(lon, lat)
        codes = np.array([out[i].country_code or "" for i in rows], dtype=object)

        todo = np.flatnonzero(codes == "")
        if todo.size:
            at, row = self._intersecting("countries", points[todo])
            at, first = np.unique(at, return_index=True)   # a point on a shared border
            codes[todo[at]] = self._codes["countries"][row[first]]
            rest = np.setdiff1d(todo, todo[at])
            if rest.size:
                near = self._nearest("countries", lon[rest], lat[rest], NEAREST_COUNTRY_KM)
                codes[rest[near >= 0]] = self._codes["countries"][near[near >= 0]]

        names = np.full(len(rows), None, dtype=object)
        at, row = self._intersecting("admin1", points)
        keep = self._codes["admin1"][row] == codes[at]
        at, first = np.unique(at[keep], return_index=True)
        names[at] = self._admin1_names[row[keep][first]]
        missing = np.flatnonzero(pd.isna(names) & (codes != ""))
        for code in pd.unique(codes[missing]):
            # Points on coasts and borders often fall just outside every outline: take the
            # country's nearest unit, at whatever distance, since the country is settled.
            group = missing[codes[missing] == code]
            near = self._nearest("admin1", lon[group], lat[group], country=code)
            names[group[near >= 0]] = self._admin1_names[near[near >= 0]]

        for k, i in enumerate(rows):
            event, code = out[i], codes[k]
            admin1 = self.canonical(code, event.admin1) or names[k] or event.admin1
            if code != event.country_code or admin1 != event.admin1:
                out[i] = dataclasses.replace(event, country_code=code, admin1=admin1)
        return out

    def _intersecting(self, layer: str, points) -> tuple[np.ndarray, np.ndarray]:
        """(point, polygon row) pairs where they intersect, in the order geopandas'
        sjoin finds them, so the first per point is the one its join kept. A direct
        query of a tree kept for the layer: sjoin's frames cost 15 ms per article."""
        if layer not in self._layer_trees:
            geoms = getattr(self, layer).geometry.to_numpy().copy()
            geoms[shapely.is_empty(geoms)] = None   # as geopandas' spatial index does
            self._layer_trees[layer] = shapely.STRtree(geoms)
        return self._layer_trees[layer].query(points, predicate="intersects")

    def _nearest(self, layer: str, lon, lat, max_km: float | None = None,
                 country: str | None = None) -> np.ndarray:
        """Row in ``layer`` of the polygon nearest each point (of ``country`` only if
        given), or -1 where none lies within ``max_km``."""
        tree, rows = self._tree(layer, country)
        found = np.full(len(lon), -1)
        if not len(rows):
            return found
        lat = np.clip(lat, -_MAX_LAT, _MAX_LAT)
        x, y = _TO_MERCATOR.transform(lon, lat)
        scale = np.cos(np.radians(lat))            # true metres per Mercator metre
        limit = None if max_km is None else max_km * 1000 / scale.min()
        (which, hit), metres = tree.query_nearest(shapely.points(x, y), max_distance=limit,
                                                  return_distance=True, all_matches=False)
        if max_km is not None:
            keep = metres * scale[which] <= max_km * 1000
            which, hit = which[keep], hit[keep]
        found[which] = rows[hit]
        return found

    def _tree(self, layer: str, country: str | None) -> tuple[shapely.STRtree, np.ndarray]:
        # Built on first use and kept: most batches need no nearest search at all, and
        # shapely's own tree costs far less per call than a GeoDataFrame join.
        if (layer, country) not in self._trees:
            if layer not in self._mercator:
                frame = getattr(self, layer)
                clipped = shapely.clip_by_rect(frame.geometry.to_numpy(), -180, -_MAX_LAT,
                                               180, _MAX_LAT)
                self._mercator[layer] = (gpd.GeoSeries(clipped, crs="EPSG:4326")
                                         .to_crs(_MERCATOR).to_numpy())
            codes = getattr(self, layer)["code"].to_numpy()
            rows = (np.arange(len(codes)) if country is None
                    else np.flatnonzero(codes == country))
            # One entry per polygon part: a multipolygon's envelope (Fiji, Russia, across
            # the antimeridian) would make every ocean point a candidate for it.
            parts, owner = shapely.get_parts(self._mercator[layer][rows], return_index=True)
            self._trees[(layer, country)] = (shapely.STRtree(parts), rows[owner])
        return self._trees[(layer, country)]

    # -- aggregation -----------------------------------------------------------------

    def aggregate(self, events: list[Event], by_type: bool = True) -> gpd.GeoDataFrame:
        """Events and fatalities per admin-1 area (and event type), with its outline.

        Running totals and recalled history are left out: they would count deaths that
        other reports already counted. Events with no admin1 have no area to colour.
        With ``by_type=False`` there is one row per area, all types together.
        """
        rows = [(e.country_code, e.admin1, *([e.event_type] if by_type else []), 1,
                 int(e.fatalities or 0))
                for e in events if e.admin1 and not (e.is_total or e.is_historical)]
        return self.totals_table(rows, by_type)

    def totals_table(self, rows, by_type: bool = True) -> gpd.GeoDataFrame:
        """:meth:`aggregate`'s table from counts made elsewhere (the store's
        ``region_totals``): rows of (country_code, admin1, [event_type,] events,
        fatalities). Areas named in other spellings are counted under their own name."""
        keys = ["country_code", "admin1"] + (["event_type"] if by_type else [])
        frame = pd.DataFrame(list(rows), columns=keys + ["events", "fatalities"])
        frame["admin1"] = [self.canonical(code, name) or name
                           for code, name in zip(frame["country_code"], frame["admin1"])]
        table = (frame.groupby(keys, as_index=False, sort=True)
                 .agg(events=("events", "sum"), fatalities=("fatalities", "sum"))
                 .astype({"events": "int64", "fatalities": "int64"}))
        shapes = self._region_shapes()
        outline = [shapes.get(key) for key in zip(table["country_code"], table["admin1"])]
        return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(outline, crs="EPSG:4326",
                                                              index=table.index))

    def _region_shapes(self) -> dict[tuple[str, str], object]:
        # A few countries have two units of one name (Cork city and county); events can
        # only name them together, so their outlines are merged.
        if self._shapes is None:
            units = self.admin1
            twins = units.duplicated(["code", "name"], keep=False).to_numpy()
            self._shapes = dict(zip(zip(units["code"][~twins], units["name"][~twins]),
                                    units.geometry[~twins]))
            for key, geoms in units[twins].groupby(["code", "name"]).geometry:
                self._shapes[key] = shapely.union_all(geoms.values)
        return self._shapes


def _usable(lat, lon) -> bool:
    try:
        return abs(float(lat)) <= 90 and abs(float(lon)) <= 180   # False for NaN too
    except (TypeError, ValueError):
        return False


@lru_cache(maxsize=4)
def _load(geodata_dir: Path) -> Regions:
    layers = []
    for name in ("countries.geojson", "admin1.geojson"):
        path = geodata_dir / name
        if not path.exists():
            raise DataError(f"missing {path}; run `python geodata/build.py`")
        try:
            layers.append(gpd.read_file(path).to_crs("EPSG:4326"))
        except Exception as err:  # pyogrio raises its own types, all meaning unreadable
            raise DataError(f"cannot read {path}: {err}") from err
    return Regions(*layers)


def assign(events: list[Event]) -> list[Event]:
    """:meth:`Regions.assign` with the project's boundary files."""
    return Regions.load().assign(events)


def aggregate(events: list[Event], by_type: bool = True) -> gpd.GeoDataFrame:
    """:meth:`Regions.aggregate` with the project's boundary files."""
    return Regions.load().aggregate(events, by_type=by_type)
