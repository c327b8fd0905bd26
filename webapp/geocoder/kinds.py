"""What a place is: the kinds the gazetteer knows and what each kind implies.

A kind's value is the string written in ``geodata/`` files, kept in the index and
written in every output (API JSON, exports, the store), so a ``PlaceKind`` compares,
hashes, formats and serialises as that plain string. Each kind carries the two numbers
the geocoder reads from it: its ranking prior (how important a place of that kind is
when it has no population of its own) and the ACLED geo-precision of a place found by
its own name.
"""

from __future__ import annotations

from enum import Enum

# A kind the data files name but the table below does not: a middling prior, and the
# coarsest precision, so that an unlisted kind never outranks or outplaces a known one.
DEFAULT_PRIOR = 5.0
DEFAULT_PRECISION = 3


class PlaceKind(str, Enum):
    # value, prior (log10(population)-like units; None: from the population), precision
    CITY = "city", None, 1
    VILLAGE = "village", 4.0, 1
    NEIGHBOURHOOD = "neighbourhood", 5.0, 1
    CAMP = "camp", 5.8, 1
    FACILITY = "facility", 5.5, 1
    HOSPITAL = "hospital", 5.5, 1
    UNIVERSITY = "university", 5.5, 1
    LANDMARK = "landmark", 5.0, 1
    JUNCTION = "junction", 5.0, 1
    ROUNDABOUT = "roundabout", 5.0, 1
    PORT = "port", 5.5, 1
    CROSSING = "crossing", 5.8, 1
    COUNTY = "county", 4.3, 2
    CORRIDOR = "corridor", 6.0, 2
    LINE = "line", 6.0, 2
    ROAD = "road", 5.5, 2
    AREA = "area", 6.0, 2
    VALLEY = "valley", 5.8, 2
    ISLAND = "island", 5.5, 2
    LAKE = "lake", 4.8, 2
    RIVER = "river", 6.2, 2
    ADMIN_AREA = "admin area", 6.5, 3
    COUNTRY = "country", 0.0, 3
    CONTINENT = "continent", 9.6, 3
    REGION = "region", 7.0, 3
    SEA = "sea", 7.0, 3
    DESERT = "desert", 6.5, 3
    MOUNTAINS = "mountains", 6.5, 3
    PENINSULA = "peninsula", 6.5, 3
    # made by the geocoder from other places, never read from a data file
    BORDER = "border", DEFAULT_PRIOR, DEFAULT_PRECISION
    REGION_PART = "region part", DEFAULT_PRIOR, DEFAULT_PRECISION
    # an online geocoder's answer (webapp.geocoder.chain)
    ADDRESS = "address", DEFAULT_PRIOR, 1

    def __new__(cls, value: str, prior: float | None, precision: int):
        member = str.__new__(cls, value)
        member._value_ = value
        member.prior = prior
        member.precision = precision
        return member

    # The plain string everywhere text is made: f"{kind}", str(kind), "%s" % kind.
    def __str__(self) -> str:
        return self.value

    __format__ = str.__format__


_BY_VALUE = {kind.value: kind for kind in PlaceKind}


def prior_of(kind: str) -> float:
    """The ranking prior of a place of ``kind`` that has no population (a city's
    comes from its population alone)."""
    known = _BY_VALUE.get(kind)
    return DEFAULT_PRIOR if known is None or known.prior is None else known.prior


def precision_of(kind: str) -> int:
    """ACLED's geo-precision of a place of ``kind`` found by its own name: 1 the place
    itself, 2 a part of an area or somewhere near, 3 only the wider area."""
    known = _BY_VALUE.get(kind)
    return DEFAULT_PRECISION if known is None else known.precision


# Kinds that have an extent of their own (a polygon), which spatial expressions
# ("northern X", "the X border") can cut up.
AREA_KINDS = frozenset({
    PlaceKind.COUNTRY, PlaceKind.ADMIN_AREA, PlaceKind.COUNTY, PlaceKind.CONTINENT,
    PlaceKind.REGION, PlaceKind.AREA, PlaceKind.DESERT, PlaceKind.PENINSULA,
    PlaceKind.VALLEY, PlaceKind.ISLAND, PlaceKind.SEA, PlaceKind.LAKE, PlaceKind.MOUNTAINS,
})
# Kinds above any one country.
SUPRANATIONAL = frozenset({PlaceKind.CONTINENT, PlaceKind.REGION, PlaceKind.SEA})
# Kinds that name a country or a first-level part of one: a hyphenated word made of
# such names ("Israel-Hamas", "EU-Canada") names places.
POLITICAL = frozenset({PlaceKind.COUNTRY, PlaceKind.ADMIN_AREA, PlaceKind.REGION,
                       PlaceKind.CONTINENT})
# Kinds of the places a local story is set in (a town, its county, its state), each read
# within its admin-1 area. Their names are also the commonest in people's and firms'
# names, so one of them named alone needs the text's backing.
LOCAL_KINDS = frozenset({PlaceKind.CITY, PlaceKind.ADMIN_AREA, PlaceKind.COUNTY})

__all__ = ["PlaceKind", "prior_of", "precision_of", "AREA_KINDS", "SUPRANATIONAL",
           "POLITICAL", "LOCAL_KINDS", "DEFAULT_PRIOR", "DEFAULT_PRECISION"]
