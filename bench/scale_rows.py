"""Synthetic ACLED rows placed the way ACLED places events in the Middle East.

ACLED codes an event at the point of the town, camp or neighbourhood it happened in, so
a real export piles thousands of events on a few hundred points: Gaza's towns and camps,
the villages along Lebanon's southern border, Syrian and Sudanese cities, Yemen's front
lines. `hotspots.csv` lists 294 such places (their real coordinates, checked against the
project's gazetteer where it knows them), hottest first within each country. An event
picks a country by its share, then a place by a Zipf law over the country's list (a few
places take most events, a long tail the rest); a quarter are moved up to ~2 km, as
ACLED does for neighbourhoods and villages it places at geo_precision 2. Each country
has its own mix of event types (strikes in Gaza and Lebanon, battles in Sudan, protests
in Iraq and Jordan...). Dates span three years.

Every other column comes from bench/import_rows.py's generator (actors, notes, the three
date styles...), so both benchmarks read the same kind of file.
"""

from __future__ import annotations

import csv
import itertools
import random
from datetime import date, timedelta
from pathlib import Path

from import_rows import acled_date, synthetic_rows

from webapp.models import vocabulary

PLACES_FILE = Path(__file__).with_name("hotspots.csv")
FIRST_DAY = date(2023, 1, 1)
DAYS = 3 * 365
JITTERED = 0.25     # share of events moved off their place's point
JITTER = 0.02       # degrees, at most, each way (about 2 km)
ZIPF = 1.1
NORTHERN_AFRICA = {"Egypt", "Sudan"}   # ACLED's region for these; the rest "Middle East"

# share of the events, and weights of ACLED's six event types in the vocabulary's order:
# Battles, Explosions/Remote violence, Violence against civilians, Protests, Riots,
# Strategic developments
COUNTRIES = {
    "Palestine": (0.30, (5, 45, 10, 10, 5, 25)),
    "Syria": (0.17, (30, 30, 15, 8, 2, 15)),
    "Lebanon": (0.10, (2, 80, 3, 5, 1, 9)),
    "Yemen": (0.10, (30, 40, 10, 8, 1, 11)),
    "Sudan": (0.09, (35, 25, 25, 5, 1, 9)),
    "Israel": (0.06, (3, 40, 3, 35, 3, 16)),
    "Iraq": (0.06, (10, 15, 8, 45, 5, 17)),
    "Iran": (0.04, (5, 5, 10, 55, 10, 15)),
    "Turkey": (0.03, (10, 5, 5, 60, 5, 15)),
    "Egypt": (0.02, (5, 5, 10, 40, 5, 35)),
    "Jordan": (0.015, (1, 2, 3, 75, 5, 14)),
    "Saudi Arabia": (0.015, (10, 30, 10, 5, 1, 44)),
}
# sub-event types that dominate their type (others of the type weigh 1)
SUB_WEIGHTS = {"Air/drone strike": 50, "Shelling/artillery/missile attack": 40,
               "Remote explosive/landmine/IED": 6, "Attack": 80,
               "Abduction/forced disappearance": 15, "Peaceful protest": 85,
               "Protest with intervention": 12, "Armed clash": 80}
DISORDER = {"Protests": "Demonstrations", "Riots": "Demonstrations",
            "Strategic developments": "Strategic developments"}


def load_places() -> dict[str, list[dict]]:
    """Country name -> its places (dicts of hotspots.csv's columns), hottest first."""
    places: dict[str, list[dict]] = {}
    with PLACES_FILE.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            row["latitude"], row["longitude"] = float(row["latitude"]), float(row["longitude"])
            places.setdefault(row["country"], []).append(row)
    return places


def _cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


def scale_rows(n: int, seed: int = 7):
    """``n`` ACLED rows (dicts by column name) over the Middle East's hot spots."""
    rng = random.Random(seed + 1)
    places = load_places()
    countries = list(COUNTRIES)
    country_cum = _cumulative(COUNTRIES[c][0] for c in countries)
    place_cum = {c: _cumulative(1 / (rank + 1) ** ZIPF for rank in range(len(places[c])))
                 for c in countries}
    kinds = []   # per type: (its name, its sub-event types, their cumulative weights)
    for name, info in vocabulary()["event_types"].items():
        subs = info["sub_event_types"]
        kinds.append((name, subs, _cumulative(SUB_WEIGHTS.get(s, 1) for s in subs)))
    type_cum = {c: _cumulative(COUNTRIES[c][1]) for c in countries}
    for i, row in enumerate(synthetic_rows(n, seed)):
        country = rng.choices(countries, cum_weights=country_cum)[0]
        place = rng.choices(places[country], cum_weights=place_cum[country])[0]
        etype, subs, sub_cum = rng.choices(kinds, cum_weights=type_cum[country])[0]
        lat, lon, precision = place["latitude"], place["longitude"], 1
        if rng.random() < JITTERED:
            lat += rng.uniform(-JITTER, JITTER)
            lon += rng.uniform(-JITTER, JITTER)
            precision = 2
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        row.update(
            event_date=acled_date(day, i), year=day.year, event_type=etype,
            sub_event_type=rng.choices(subs, cum_weights=sub_cum)[0],
            disorder_type=DISORDER.get(etype, "Political violence"),
            iso=place["iso"], country=country, admin1=place["admin1"],
            region="Northern Africa" if country in NORTHERN_AFRICA else "Middle East",
            location=place["location"], admin2="", latitude=round(lat, 4),
            longitude=round(lon, 4), geo_precision=precision)
        yield row
