"""An ACLED export's own places: its distinct ``location`` names, with their
coordinates, country and admin areas, gathered in one pass while the rows go to the
store, then kept as user places (:mod:`webapp.store.places`) that the geocoder knows for
later articles.

Bounded: at most :data:`MAX_PLACES` distinct locations per import (the first seen;
the others are counted, not kept), and per row the cost is one dictionary look-up.
The admin-2 area is read from the row's extra columns once per new location.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from webapp.interchange.places_file import has_control_characters
from webapp.models import UserPlace
from webapp.store.base import EVENT_COLUMNS

MAX_PLACES = 50_000
_LOCATION, _LAT, _LON, _CC, _ADMIN1, _EXTRA = (
    EVENT_COLUMNS.index(c) for c in ("location", "latitude", "longitude", "country_code",
                                     "admin1", "extra"))
# ACLED's locations are populated places (towns, villages, a town's named parts): the
# geoparser's rules for towns apply to them (a small one named alone needs the text to
# point at its country), so a location named like a person is not taken for one.
KIND = "city"


def import_acled_csv(store, path, *, skipped: list | None = None, by: str | None = None,
                     about: dict | None = None) -> tuple[int, int]:
    """What ``python -m webapp import FILE.csv`` does: the rows straight to the store
    (read by a second process when the file is large), then the file's locations kept
    as user places (a second transaction: the events are stored whatever becomes of
    the places). Returns (events stored, places kept)."""
    from webapp.interchange.acled_parallel import read_acled_rows_parallel

    tally = LocationTally(f"acled:{Path(path).name}")
    count = store.add_rows(tally.tap(read_acled_rows_parallel(path, skipped=skipped)),
                           replace=True, by=by, about=about)
    places = tally.places()
    if places:
        store.places().add(places, by=by, about=about)
    return count, len(places)


class LocationTally:
    """Taps an import's rows (:data:`EVENT_COLUMNS` order) for their locations."""

    def __init__(self, source: str = "acled", limit: int = MAX_PLACES):
        self.source = source
        self.limit = limit
        self.found: dict[tuple, tuple] = {}
        self.left_out = 0

    def tap(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        found, limit = self.found, self.limit
        for row in rows:
            name = row[_LOCATION]
            if name and row[_LAT] is not None:
                key = (name, row[_CC], row[_ADMIN1])
                if key not in found:
                    if len(found) < limit:
                        found[key] = (row[_LAT], row[_LON], row[_EXTRA])
                    else:
                        self.left_out += 1
            yield row

    def places(self) -> list[UserPlace]:
        out = []
        for (name, cc, admin1), (lat, lon, extra) in self.found.items():
            name = " ".join(name.split())
            if not name or len(name) > 200 or has_control_characters(name):
                continue
            out.append(UserPlace(name=name, latitude=float(lat), longitude=float(lon),
                                 country_code=cc, admin1=admin1, admin2=_admin2(extra),
                                 kind=KIND, source=self.source))
        return out


_ADMIN2 = '"admin2":'
_read_string = json.JSONDecoder().raw_decode


def _admin2(extra) -> str:
    """The admin-2 area in a row's extra JSON, read alone (the whole of it, once per
    new location, was a third of this module's time)."""
    if not extra:
        return ""
    at = extra.find(_ADMIN2) if isinstance(extra, str) else -1
    if at < 0:
        return ""
    try:
        value = _read_string(extra, at + len(_ADMIN2))[0]
    except ValueError:
        return ""
    return value if isinstance(value, str) else ""
