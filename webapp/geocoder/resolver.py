"""What the geoparser and the extractor ask of a geocoder, and nothing more.

They read a text's context once, resolve each mention with that context and the
mention's offset, ask which capitalised phrases are place names or demonyms at all,
and ask for the shared border of two countries a sentence names. The offline geocoder
(offline.py) answers all of it from its gazetteer; the fallback chain (chain.py) answers
from its offline geocoder and asks the online service only for names that are not
found. Nothing outside ``webapp.geocoder`` needs to know how the gazetteer is laid out.

geopy's ``geocode(query, exactly_one=True)`` stays the public face for users and
tools; :class:`Resolved` is the same answer as plain data, the fields of a
``Location.raw``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

from webapp.geocoder.context import Context

MAX_QUERY_CHARS = 1000   # no place's name is longer; longer queries are refused


@dataclass(frozen=True)
class Resolved:
    """One place a name was resolved to."""

    name: str
    latitude: float
    longitude: float
    country_code: str
    admin1: str
    kind: str                      # a PlaceKind's value (webapp.geocoder.kinds)
    geo_precision: int             # ACLED: 1 the place, 2 part of or near an area, 3 area
    source: str                    # "geonames:ID", "curated:ID", "border:A|B", a service
    geometry: dict | None = None   # GeoJSON of the place's own shape
    approximate: bool = False
    population: int = 0
    query: str = ""                # the name as asked

    @classmethod
    def from_raw(cls, raw: dict) -> "Resolved":
        """From a geopy ``Location.raw`` made by this package's geocoders."""
        return cls(name=raw["name"], latitude=raw["latitude"], longitude=raw["longitude"],
                   country_code=raw["country_code"], admin1=raw["admin1"], kind=raw["kind"],
                   geo_precision=raw["geo_precision"], source=raw["source"],
                   geometry=raw.get("geometry"), approximate=bool(raw.get("approximate")),
                   population=raw.get("population") or 0, query=raw.get("query", ""))

    def as_raw(self) -> dict:
        """The fields as a geopy ``Location.raw`` (the offline geocoder's key order)."""
        return {"query": self.query, "name": self.name, "latitude": self.latitude,
                "longitude": self.longitude, "country_code": self.country_code,
                "admin1": self.admin1, "kind": self.kind,
                "geo_precision": self.geo_precision, "source": self.source,
                "approximate": self.approximate, "population": self.population,
                "geometry": self.geometry}


@runtime_checkable
class Resolver(Protocol):
    """The geocoder as the geoparser and the extractor use it.

    Name keys are exact keys (:func:`webapp.geocoder.normalize.exact_key`, or
    :func:`webapp.geocoder.context.mention_key` for a name as written).
    """

    def context(self, text: str | None, check: Callable[[], None] | None = None,
                origin: str = "") -> Context:
        """The place evidence of a text, read once and reused for all its mentions;
        ``check`` may raise to stop a long reading; ``origin`` (the article's URL or
        feed) may name the publisher's home region."""

    def resolve(self, name: str, context: Context | str | None = None,
                position: int | None = None) -> Resolved | None:
        """The best reading of ``name`` (a place name or a spatial expression) as
        mentioned at character ``position`` of the text ``context`` was read from."""

    def border(self, a_country: str, b_country: str) -> Resolved | None:
        """The border two countries (ISO codes) share, as "the A-B border" reads;
        None when they share none."""

    def country_name(self, country_code: str) -> str | None:
        """The name of the country with that ISO code, else None."""

    def knows_name(self, key: str) -> bool:
        """Whether some place has this name."""

    def demonym_country(self, key: str) -> str | None:
        """The country code of a demonym ("Lebanese" -> "LB"), else None."""

    def name_kinds(self, key: str) -> frozenset:
        """The kinds of the places with this name (empty when none)."""


__all__ = ["Resolved", "Resolver", "MAX_QUERY_CHARS"]
