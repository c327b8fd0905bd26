"""An online geocoder behind the offline one, rate-limited and cached on disk.

Offline stays the default: a fallback is used only when configured, e.g. a
self-hosted Nominatim for street addresses::

    make_geocoder({"GEOCODER_FALLBACK": "nominatim",
                   "GEOCODER_FALLBACK_OPTIONS": {"domain": "nominatim.internal:8080",
                                                 "scheme": "http",
                                                 "user_agent": "briefing-map"}})

Any geopy geocoder class works; answers (and misses) are kept in a small SQLite
cache so the same query never reaches the service twice. The chain implements the
resolver interface (resolver.py) too: contexts, names and borders come from the offline
geocoder; only a name it cannot resolve is asked of the service.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service
from geopy.location import Location

from webapp.errors import GeocoderServiceError
from webapp.geocoder.kinds import PlaceKind
from webapp.geocoder.resolver import Resolved


class QueryCache:
    """Persistent query -> Location (or miss) store, safe across threads."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, raw TEXT)")
        self._lock = threading.Lock()

    def get(self, key: str):
        """(True, Location or None) when cached, else (False, None)."""
        with self._lock:
            row = self._db.execute("SELECT raw FROM answers WHERE key = ?", (key,)).fetchone()
        if row is None:
            return False, None
        data = json.loads(row[0])
        if data is None:
            return True, None
        return True, Location(data["address"], (data["latitude"], data["longitude"]),
                              data["raw"])

    def put(self, key: str, location: Location | None) -> None:
        data = None if location is None else {
            "address": location.address, "latitude": location.latitude,
            "longitude": location.longitude, "raw": location.raw}
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?)",
                             (key, json.dumps(data, default=str)))


class FallbackGeocoder:
    """Asks the offline geocoder first, then a rate-limited online one.

    Implements :class:`webapp.geocoder.resolver.Resolver`."""

    def __init__(self, offline, online, cache: QueryCache | None = None,
                 min_delay_seconds: float = 1.0):
        self.offline = offline
        self.online = online
        self.cache = cache
        self._online_geocode = RateLimiter(online.geocode, min_delay_seconds=min_delay_seconds,
                                           max_retries=1, swallow_exceptions=False)

    def geocode(self, query, exactly_one: bool = True, timeout=None, **kwargs):
        found = self.offline.geocode(query, exactly_one=exactly_one, **kwargs)
        if found:
            return found
        return self._ask_online(query, exactly_one, timeout)

    # -- resolver interface (webapp.geocoder.resolver) ------------------------------
    def resolve(self, name: str, context=None, position: int | None = None):
        found = self.offline.resolve(name, context, position)
        if found is not None:
            return found
        location = self._ask_online(name, True, None)
        return Resolved.from_raw(location.raw) if location is not None else None

    def context(self, text, check=None, origin: str = ""):
        return self.offline.context(text, check, origin)

    def border(self, a_country: str, b_country: str):
        return self.offline.border(a_country, b_country)

    def country_name(self, country_code: str):
        return self.offline.country_name(country_code)

    def knows_name(self, key: str) -> bool:
        return self.offline.knows_name(key)

    def demonym_country(self, key: str):
        return self.offline.demonym_country(key)

    def name_kinds(self, key: str) -> frozenset:
        return self.offline.name_kinds(key)

    def _ask_online(self, query: str, exactly_one: bool, timeout):
        """The service's answer (a Location, or a list of one), from the disk cache
        when it was asked before."""
        key = f"{type(self.online).__name__}:{int(exactly_one)}:{' '.join(query.split())}"
        hit, location = self.cache.get(key) if self.cache is not None else (False, None)
        if not hit:
            try:
                location = self._online_geocode(query, exactly_one=True, timeout=timeout)
            except GeopyError as err:
                raise GeocoderServiceError(f"fallback geocoder failed: {err}") from err
            if location is not None:
                location = _tagged(query, location, type(self.online).__name__)
            if self.cache is not None:
                self.cache.put(key, location)
        if location is None or exactly_one:
            return location
        return [location]


def _tagged(query: str, location: Location, service: str) -> Location:
    """An online answer in the offline geocoder's shape (precision unknown: 1)."""
    raw = {
        "query": query, "name": location.address.split(",")[0], "latitude": location.latitude,
        "longitude": location.longitude, "country_code": "", "admin1": "",
        "kind": PlaceKind.ADDRESS.value, "geo_precision": PlaceKind.ADDRESS.precision, "source": f"{service.lower()}", "approximate": False,
        "geometry": {"type": "Point", "coordinates": [location.longitude, location.latitude]},
        "service_raw": location.raw,
    }
    return Location(location.address, (location.latitude, location.longitude), raw)


def make_geocoder(config: dict | None = None, offline=None):
    """The geocoder a configuration asks for; the offline one when none is set."""
    from webapp.geocoder.offline import OfflineGeocoder

    config = config or {}
    offline = offline or OfflineGeocoder(cache_dir=config.get("INSTANCE_PATH"))
    service = config.get("GEOCODER_FALLBACK")
    if not service:
        return offline
    if isinstance(service, str):
        try:
            service_cls = get_geocoder_for_service(service)
        except GeopyError as err:
            raise GeocoderServiceError(f"unknown geocoder service {service!r}") from err
        online = service_cls(**config.get("GEOCODER_FALLBACK_OPTIONS", {}))
    else:
        online = service  # an instance, e.g. injected by tests
    cache_path = Path(config.get("INSTANCE_PATH") or "instance") / "geocode-cache.sqlite"
    return FallbackGeocoder(offline, online, QueryCache(cache_path),
                            float(config.get("GEOCODER_FALLBACK_DELAY", 1.0)))
