"""Hot spots: the few places where a brief's events concentrate, each to get its own map.

The store's grid cells answer this without reading events: the cells of one zoom
(about 1.4 degrees, a district to a small province) are asked with their counts, the
fullest cell is taken, and a frame twice its size is centred on the mean position of
its events; cells whose centre falls inside a frame already chosen belong to that hot
spot. A cell must hold a fair share of the events to count as a hot spot at all, so a
brief of evenly spread events has none, and at most :data:`MAX_HOT_SPOTS` are kept
(each is a picture, and pictures are what a brief spends its time on).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from webapp.assets import country_names
from webapp.store.base import Filters

HOT_SPOT_ZOOM = 6        # grid cells of 360 / 2**8 = 1.4 degrees
MAX_HOT_SPOTS = 3
MIN_SHARE = 0.10         # of the placed events, for a cell to start a hot spot
MIN_EVENTS = 5


@dataclass(frozen=True)
class HotSpot:
    name: str                                     # e.g. "Gaza, Palestine"
    frame: tuple[float, float, float, float]      # west, south, east, north
    events: int                                   # selected events inside the frame


def find_hot_spots(store, filters: Filters, placed: int) -> list[HotSpot]:
    """Up to :data:`MAX_HOT_SPOTS` hot spots of the events ``filters`` select, fullest
    first; ``placed`` is how many of them have a place (the share is of those)."""
    # Within a box the cells along its edge count their events outside it too: good
    # enough to pick places by, while each hot spot's own count is exact (_describe).
    cells = sorted(store.clusters(filters, HOT_SPOT_ZOOM),
                   key=lambda c: (-c.count, c.latitude, c.longitude))
    floor = max(MIN_EVENTS, MIN_SHARE * placed)
    frames: list[tuple[float, float, float, float]] = []
    for cell in cells:
        if cell.count < floor or len(frames) == MAX_HOT_SPOTS:
            break
        centre = ((cell.bounds[0] + cell.bounds[2]) / 2, (cell.bounds[1] + cell.bounds[3]) / 2)
        if any(_inside(centre, frame) for frame in frames):
            continue
        side = cell.bounds[2] - cell.bounds[0]
        frames.append(_clip(_frame(cell.longitude, cell.latitude, side), filters.bbox))
    return [_describe(store, filters, frame) for frame in frames]


def _frame(lon: float, lat: float, side: float) -> tuple[float, float, float, float]:
    west, east = max(lon - side, -180.0), min(lon + side, 180.0)
    south, north = max(lat - side, -85.0), min(lat + side, 85.0)
    return (round(west, 4), round(south, 4), round(east, 4), round(north, 4))


def _clip(frame, box):
    """The part of ``frame`` inside the filters' box: a hot spot's map and counts stay
    within what the brief selects (a box across the antimeridian is left as it is)."""
    if not box or box[0] > box[2]:
        return frame
    return (max(frame[0], box[0]), max(frame[1], box[1]), min(frame[2], box[2]),
            min(frame[3], box[3]))


def _inside(point, frame) -> bool:
    lon, lat = point
    west, south, east, north = frame
    return west <= lon <= east and south <= lat <= north


def _describe(store, filters: Filters, frame) -> HotSpot:
    """The hot spot's name (its busiest region) and exact totals inside its frame."""
    boxed = dataclasses.replace(filters, bbox=frame)
    regions = store.region_totals(boxed)
    events = store.count(boxed)
    if regions:
        country, admin1, _, _ = regions[0]
        name = f"{admin1}, {country_names().get(country, country)}" if admin1 else \
            country_names().get(country, country)
    else:
        west, south, east, north = frame
        name = f"around {(south + north) / 2:.1f}°, {(west + east) / 2:.1f}°"
    return HotSpot(name=name, frame=frame, events=events)
