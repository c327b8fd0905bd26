"""What a picture draws and what its legend counts, asked of the store.

A map of a million events cannot draw a glyph per event: past a few thousand they pile
on one another and the picture shows only whichever type was drawn last. So a picture
draws its events one by one only when at most :data:`MAX_SINGLE_MARKS` of them fall in
its frame; beyond that it draws the store's clusters (:meth:`EventStore.clusters`) at
the grid zoom that fits the picture, as circles sized by their counts, and its legend
says so. Either way the legend's numbers are the store's exact totals (``count``,
``counts`` and the zoom-0 cells), never a count of what was drawn.

:class:`Marks` is what both renderers draw: :func:`marks_for` fills it from a store,
:meth:`Marks.from_events` from events already in hand (a caller's own small list).
No more rows are read into Python than twice :data:`MAX_SINGLE_MARKS` (single events
and, beside them, the unplaced ones the same query returns).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date

from webapp.map_view import MIDDLE_EAST, drawn_events, ranked_sources, view_bounds
from webapp.map_view import MAX_ZOOM as MAX_MAP_ZOOM
from webapp.models import Event
from webapp.snapshot.boxed import box_by_type, exact_clusters
from webapp.snapshot.grid import picture_grid
from webapp.store.base import Cluster, Filters

MAX_SINGLE_MARKS = 2000   # placed events in a picture drawn one by one; more are clustered
SOURCES_SAMPLE = 200      # newest events enough to rank a large selection's sources by
EXTENT_ZOOM = 6           # grid zoom whose cells bound a large selection (1.4 degrees)
# Circle radii in px of the smallest and the largest cluster of a picture: the area
# grows with the count, and the largest still fits its ~64 px cell.
CLUSTER_MIN_RADIUS, CLUSTER_MAX_RADIUS = 9.0, 26.0


@dataclass(frozen=True)
class Marks:
    """A picture's marks (single events or clusters) and its exact totals."""

    events: tuple[Event, ...] = ()          # drawn one by one: placed, not flagged
    clusters: tuple[Cluster, ...] | None = None   # drawn instead, when too many
    zoom: int | None = None                 # the grid zoom of the clusters
    by_type: dict = field(default_factory=dict)   # placed, drawable events per type
    matched: int = 0                        # every event the filters select
    placed: int = 0                         # of those, drawable (placed, not flagged)
    flagged: int = 0                        # running totals and history selected
    sources: tuple[str, ...] = ()           # ranked source labels
    sources_complete: bool = True           # False: ranked from the newest events only
    days: tuple[date, date] | None = None   # first and last day of the drawable events
    extent: tuple[float, float, float, float] | None = None   # south, west, north, east

    @property
    def clustered(self) -> bool:
        return self.clusters is not None

    @property
    def unplaced(self) -> int:
        return max(self.matched - self.placed - self.flagged, 0)

    @classmethod
    def from_events(cls, events: list[Event]) -> Marks:
        """Marks for events in hand: every drawable one is drawn, and counted."""
        events = list(events)
        drawn = drawn_events(events)
        by_type: dict[str, int] = {}
        for e in drawn:
            by_type[e.event_type] = by_type.get(e.event_type, 0) + 1
        return cls(events=tuple(drawn), by_type=by_type, matched=len(events),
                   placed=len(drawn),
                   flagged=sum(1 for e in events if e.is_total or e.is_historical),
                   sources=tuple(ranked_sources(events)), days=_days(drawn),
                   extent=view_bounds(drawn) if drawn else None)


def as_marks(found) -> Marks:
    """``found`` as :class:`Marks`: itself, or the marks of a list of events."""
    return found if isinstance(found, Marks) else Marks.from_events(found)


def marks_for(store, spec, want_days: bool = True) -> Marks:
    """The marks of ``spec`` (its filters, frame and size) from ``store``.

    ``want_days`` asks for the span of dates (a title written from the filters shows
    it); it costs a grouped count over the selection."""
    filters: Filters = spec.filters
    drawable = replace(filters, include_flagged=False)   # totals and history: not drawn
    frame = spec.frame
    grid = picture_grid(_frame_extent(frame), spec.width, spec.height, pad_px=0,
                        max_zoom=MAX_MAP_ZOOM) if frame else None
    boxed = None
    if _boxed(filters) and not spec.view:
        # The picture is the filters' box: its clusters, counted exactly inside the
        # box, are the legend's totals too.
        boxed = exact_clusters(store, drawable, grid.zoom)
        totals = _totals(store, filters, boxed)
    else:
        totals = _totals(store, filters)
    unplaced = totals["matched"] - totals["flagged"] - totals["placed"]
    if totals["placed"] <= MAX_SINGLE_MARKS and unplaced <= MAX_SINGLE_MARKS:
        # Few enough to draw each one: every drawable event, placed or not.
        events = store.query(drawable, limit=totals["placed"] + unplaced)
        return replace(Marks.from_events(events), **totals)

    # A title names the days only when the filters do not: counting the days of a box
    # would read every event in it, so a large box's title names none.
    summary = marks_summary(store, filters, totals, want_days=want_days and not (
        spec.title or filters.since or filters.until or filters.bbox), fit=not frame)
    extent = _frame_extent(frame) if frame else summary.extent
    zoom, box, _ = grid or picture_grid(extent, spec.width, spec.height)
    if boxed is not None:
        clusters = boxed
    else:
        shown = _within(drawable, box)
        if shown is None:   # the frame and the filters' box do not meet
            return replace(summary, clusters=(), zoom=zoom, extent=extent)
        # Cells across the edge of the filters' own box count only what is inside it;
        # with no such box the view's edge cuts nothing (whole cells, as maps show).
        clusters = (exact_clusters(store, shown, zoom) if filters.bbox
                    else store.clusters(shown, zoom))
    in_view = sum(c.count for c in clusters)
    if in_view <= MAX_SINGLE_MARKS:
        shown = _within(drawable, box) or drawable
        events = [e for e in store.query(shown, limit=in_view) if e.latitude is not None]
        return replace(summary, events=tuple(events), extent=extent)
    return replace(summary, clusters=tuple(clusters), zoom=zoom, extent=extent)


def marks_summary(store, filters: Filters, totals: dict | None = None, *,
                  want_days: bool = False, fit: bool = True) -> Marks:
    """Marks with no mark yet: the exact totals of ``filters``, the sources of the
    newest events, and (``fit``) the extent of the placed ones, from a coarse grid."""
    drawable = replace(filters, include_flagged=False)
    totals = totals or _totals(store, filters)
    newest = _newest(store, drawable)
    return Marks(**totals, sources=tuple(ranked_sources(newest)), sources_complete=False,
                 days=_store_days(store, drawable) if want_days else None,
                 extent=_cluster_extent(store, drawable) if fit else None)


def cluster_radius(count: int, largest: int, scale: float = 1.0) -> float:
    """A cluster's circle radius in px: its area in proportion to its count, between
    the smallest and the largest radius (the largest cluster of the picture)."""
    if largest <= 1:
        return CLUSTER_MIN_RADIUS * scale
    share = math.sqrt(max(count - 1, 0) / (largest - 1))
    return (CLUSTER_MIN_RADIUS + (CLUSTER_MAX_RADIUS - CLUSTER_MIN_RADIUS) * share) * scale


def count_label(count: int) -> str:
    """A count as a cluster prints it: 950, 12k, 1.2M."""
    if count < 1000:
        return str(count)
    if count < 10_000:
        return f"{count / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1e6:.1f}".rstrip("0").rstrip(".") + "M"


# -- pieces ---------------------------------------------------------------------------

def _totals(store, filters: Filters, boxed: list[Cluster] | None = None) -> dict:
    """The exact counts a legend prints, as Marks' fields (``boxed``: the drawable
    events' clusters counted exactly inside the filters' box, when at hand)."""
    drawable = replace(filters, include_flagged=False)
    by_type, placed = (_placed_by_type(store, drawable) if boxed is None
                       else _sum_types(boxed))
    if not filters.include_flagged:   # a box selects placed events only
        matched, flagged = (placed if _boxed(filters) else store.count(filters)), 0
    elif _boxed(filters):
        matched = sum(box_by_type(store, filters).values())
        flagged = matched - placed
    else:
        matched = store.count(filters)
        flagged = matched - store.count(drawable)
    return {"by_type": by_type, "matched": matched, "placed": placed, "flagged": flagged}


def _sum_types(clusters) -> tuple[dict, int]:
    by_type: dict[str, int] = {}
    for cluster in clusters:
        for name, n in cluster.by_type.items():
            by_type[name] = by_type.get(name, 0) + n
    return by_type, sum(by_type.values())


def _boxed(filters: Filters) -> bool:
    """Whether the filters' box is counted by its cells (one not across the
    antimeridian)."""
    return bool(filters.bbox) and filters.bbox[0] <= filters.bbox[2]


def _placed_by_type(store, drawable: Filters) -> tuple[dict, int]:
    """Exact counts per type of the drawable events that have a place."""
    if _boxed(drawable):
        by_type = box_by_type(store, drawable)
    elif drawable.bbox:   # a box selects placed events only
        by_type = store.counts(drawable, by="event_type")
    else:   # over the world one cell holds them all (the unplaced sit outside it)
        by_type = _sum_types(store.clusters(drawable, 0))[0]
    by_type = {name: n for name, n in by_type.items() if n}
    return by_type, sum(by_type.values())


def _newest(store, drawable: Filters) -> list[Event]:
    """The newest drawable events, whose sources the credits name. With a box they are
    read newest first without it and kept when inside it, if enough are: the store
    answers a box by sorting every event in it (9 s for a dense box of a million)."""
    if _boxed(drawable):
        west, south, east, north = drawable.bbox
        inside = [e for e in store.query(replace(drawable, bbox=None),
                                         limit=MAX_SINGLE_MARKS)
                  if e.latitude is not None and south <= e.latitude <= north
                  and west <= e.longitude <= east]
        if len(inside) >= SOURCES_SAMPLE:
            return inside
    return store.query(drawable, limit=MAX_SINGLE_MARKS)


def _days(events) -> tuple[date, date] | None:
    days = [e.event_date for e in events if isinstance(e.event_date, date)]
    return (min(days), max(days)) if days else None


def _store_days(store, filters: Filters) -> tuple[date, date] | None:
    days = [day for day in store.counts(filters, by="event_date") if day]
    return (date.fromisoformat(min(days)), date.fromisoformat(max(days))) if days else None


def _frame_extent(frame) -> tuple[float, float, float, float]:
    west, south, east, north = frame
    return south, west, north, east


def _cluster_extent(store, drawable: Filters) -> tuple[float, float, float, float]:
    """The cells of a coarse grid that hold the selection: its extent, give or take a
    cell, from a few hundred rows."""
    cells = store.clusters(drawable, EXTENT_ZOOM)
    if not cells:
        return MIDDLE_EAST
    if drawable.bbox:   # never wider than the box the filters chose
        west, south, east, north = drawable.bbox
        if west <= east:
            return south, west, north, east
    return (min(c.bounds[1] for c in cells), min(c.bounds[0] for c in cells),
            max(c.bounds[3] for c in cells), max(c.bounds[2] for c in cells))


def _within(filters: Filters, box) -> Filters | None:
    """The filters narrowed to the picture's ``box``; None when nothing can be in both."""
    if filters.bbox is None:
        return replace(filters, bbox=box)
    own = filters.bbox
    if own[0] > own[2] or box[0] > box[2]:   # across the antimeridian: keep the filters'
        return filters
    west, south = max(own[0], box[0]), max(own[1], box[1])
    east, north = min(own[2], box[2]), min(own[3], box[3])
    if west > east or south > north:
        return None
    return replace(filters, bbox=(west, south, east, north))
