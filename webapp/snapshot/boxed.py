"""Clusters and totals of exactly the events inside a filter's box.

The store answers a box with whole grid cells (:meth:`EventStore.clusters` serves map
views, where a cell across the view's edge is drawn whole): a cell across the edge of
a box the user *selected* with would count events outside it. Here the cells wholly
inside the box keep the store's counts, and each cell across its edge is counted again
over its part inside the box (``counts`` over a box a cell wide: an index range, not a
scan). Counting a selection this way costs the cells plus one small count per edge
cell, where counting it row by row costs a pass over every event in the box.
"""

from __future__ import annotations

import math
from dataclasses import replace

from webapp.store.base import MAX_ZOOM, Cluster, Filters

EDGE_CELLS = 16     # cells across a box when counting it: ~64 small counts at its edges
_INSIDE = 1e-9      # degrees: a box's edge nudged inwards, off the cell boundary


def exact_clusters(store, filters: Filters, zoom: int) -> list[Cluster]:
    """``store.clusters(filters, zoom)`` with the cells across the edge of
    ``filters.bbox`` counted over their part inside it (cells left empty are dropped).
    A recounted cell keeps its fatalities and position (moved inside the box): its
    counts per type are exact, its other figures those of the whole cell."""
    clusters = store.clusters(filters, zoom)
    box = filters.bbox
    if box is None or box[0] > box[2]:   # no box, or one across the antimeridian
        return clusters
    west, south, east, north = box
    exact = []
    for cluster in clusters:
        c_west, c_south, c_east, c_north = cluster.bounds
        if west <= c_west and c_east <= east and south <= c_south and c_north <= north:
            exact.append(cluster)
            continue
        part = (max(west, c_west), max(south, c_south), min(east, c_east - _INSIDE),
                min(north, c_north - _INSIDE))
        if part[0] > part[2] or part[1] > part[3]:
            continue
        by_type = {name: n for name, n in
                   store.counts(replace(filters, bbox=part), by="event_type").items() if n}
        count = sum(by_type.values())
        if not count:
            continue
        exact.append(replace(
            cluster, count=count, by_type=by_type,
            latitude=min(max(cluster.latitude, part[1]), part[3]),
            longitude=min(max(cluster.longitude, part[0]), part[2]),
            **({} if count == 1 and cluster.count == 1 else
               {"event_id": None, "event_type": None, "category": None})))
    return exact


def counting_zoom(box) -> int:
    """The grid zoom at which ``box`` is about :data:`EDGE_CELLS` cells across."""
    west, south, east, north = box
    span = max(east - west, north - south, 1e-6)
    return int(min(max(math.floor(math.log2(360.0 * EDGE_CELLS / span)) - 2, 0), MAX_ZOOM))


def box_by_type(store, filters: Filters) -> dict[str, int]:
    """Exact counts per type of the events inside ``filters.bbox`` (a box that does not
    cross the antimeridian)."""
    by_type: dict[str, int] = {}
    for cluster in exact_clusters(store, filters, counting_zoom(filters.bbox)):
        for name, n in cluster.by_type.items():
            by_type[name] = by_type.get(name, 0) + n
    return dict(sorted(by_type.items(), key=lambda kv: -kv[1]))
