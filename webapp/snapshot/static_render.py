"""A map snapshot drawn by matplotlib: PNG, SVG or PDF bytes, no browser needed.

The picture holds the land (country and admin-1 outlines from ``geodata/``), the events
as markers (colour = event type, shape = category, as on the interactive map), their
borders and areas drawn lightly, a legend with counts, the title, a scale bar true at
its latitude, and the credits and time of making in a footer. When more events are in
view than can be told apart (:mod:`webapp.snapshot.marks`), the store's clusters are
drawn instead: circles sized by their counts, split like a pie by type, numbered.

Each call builds its own :class:`~matplotlib.figure.Figure` on an Agg canvas and never
touches pyplot, so the web server may render in several threads. Report text reaches
matplotlib with mathtext off (``parse_math=False``): a title like ``$\\frac{1}{0}$``
is printed as typed, never parsed; SVG output keeps text as escaped ``<text>``.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections import defaultdict

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from webapp.map_html import CATEGORY_SHAPES, type_colour
from webapp.map_view import MAX_FIT_ZOOM, MAX_ZOOM, MIDDLE_EAST, view_bounds
from webapp.models import Event
from webapp.snapshot import basemap
from webapp.snapshot.caption import attribution_text, empty_text, made_text, title_text
from webapp.snapshot.clusters import draw_clusters
from webapp.snapshot.furniture import (ADMIN1, BORDER, CHAR_EM, DPI, FAINT, INK, LAND,
                                       MARKERS, SEA, draw_legend, draw_scale_bar)
from webapp.snapshot.marks import Marks, as_marks
from webapp.snapshot.shapes import draw_lines, draw_polygons, polygon_paths
from webapp.snapshot.spec import SnapshotSpec, check_format

PAD_PX = 40                # room around the fitted events (the page's 30, plus a marker)
# svg.fonttype and pdf.fonttype are read from the global rcParams while saving; the lock
# keeps one thread's rc_context from ending while another is still saving under it.
_VECTOR_RC = {"svg.fonttype": "none", "pdf.fonttype": 42, "svg.hashsalt": "briefing"}
_RC_LOCK = threading.Lock()


def render_static(marks: Marks | list[Event], spec: SnapshotSpec,
                  fmt: str = "png") -> bytes:
    """The snapshot of ``marks`` (:func:`webapp.snapshot.marks.marks_for`), or of a
    list of events (as the store returned them for ``spec.filters``)."""
    fmt = check_format(fmt)
    marks = as_marks(marks)
    fig = Figure(figsize=(spec.width / DPI, spec.height / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    scale = min(max(math.sqrt(spec.width * spec.height / (1200 * 800)), 0.6), 2.0)
    drawn = list(marks.events)
    title = title_text(spec, marks)
    ax, box = _layout(fig, spec, title, marks, scale)
    view = _view(spec, marks, box)
    ax.set_xlim(view.x0, view.x1)
    ax.set_ylim(view.y0, view.y1)
    ax.set_autoscale_on(False)

    _draw_basemap(ax, view, scale)
    _draw_outlines(ax, drawn, view, scale)
    if marks.clustered:
        points = draw_clusters(ax, marks.clusters, view, scale)
    else:
        points = _draw_markers(ax, drawn, view, scale)
    draw_scale_bar(ax, view, scale)
    if marks.placed:
        draw_legend(ax, marks, points, box, scale)
    else:
        ax.text(0.5, 0.5, empty_text(marks), transform=ax.transAxes, ha="center",
                va="center", fontsize=12 * scale, color=INK, parse_math=False, zorder=20,
                bbox={"boxstyle": "round,pad=0.6", "facecolor": "white", "alpha": 0.9,
                      "edgecolor": BORDER})
    return _save(fig, fmt, title)


# -- layout ---------------------------------------------------------------------------

def _chars(width_px: float, font_pt: float) -> int:
    """About how many characters of ``font_pt`` text fit in ``width_px``."""
    return max(int(width_px / (font_pt * DPI / 72 * CHAR_EM)), 8)


def _wrap(text: str, width_px: float, font_pt: float, max_lines: int) -> list[str]:
    chars = _chars(width_px, font_pt)
    lines = textwrap.wrap(text, chars, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:chars - 1].rstrip() + "…"
    return lines


def _layout(fig: Figure, spec: SnapshotSpec, title: str, marks: Marks, scale: float):
    """Title band, map axes and footer band; returns the axes and their size in px."""
    w, h = spec.width, spec.height
    margin = 10 * scale
    title_pt, foot_pt = 14 * scale, max(7 * scale, 5.5)
    title_px, foot_px = title_pt * DPI / 72, foot_pt * DPI / 72
    title = _wrap(title, w - 2 * margin, title_pt, 2)
    made = made_text(spec)
    credits = attribution_text(marks)
    side_by_side = len(f"{credits}    {made}") <= _chars(w - 2 * margin, foot_pt)
    footer = [credits] if side_by_side else (
        _wrap(credits, w - 2 * margin, foot_pt, 2) + [made])

    top_band = margin + len(title) * title_px * 1.3
    foot_band = margin * 0.8 + len(footer) * foot_px * 1.35
    fig.text(margin / w, 1 - margin / h, "\n".join(title), ha="left", va="top",
             fontsize=title_pt, fontweight="bold", color=INK, parse_math=False,
             linespacing=1.15)
    fig.text(margin / w, margin * 0.5 / h, "\n".join(footer), ha="left", va="bottom",
             fontsize=foot_pt, color=FAINT, parse_math=False, linespacing=1.25)
    if side_by_side:
        fig.text(1 - margin / w, margin * 0.5 / h, made, ha="right", va="bottom",
                 fontsize=foot_pt, color=FAINT, parse_math=False)

    box = (w - 2 * margin, h - top_band - foot_band - margin * 0.5)
    ax = fig.add_axes((margin / w, foot_band / h, box[0] / w, box[1] / h))
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor(BORDER)
        spine.set_linewidth(0.8)
    return ax, box


def _view(spec: SnapshotSpec, marks: Marks, box) -> basemap.View:
    width, height = max(int(box[0]), 1), max(int(box[1]), 1)
    frame = spec.frame
    if frame:
        west, south, east, north = frame
        return basemap.fit_view(south, west, north, east, width, height, 0, MAX_ZOOM)
    if marks.events:   # the page's view: the precisely placed events, when there are any
        south, west, north, east = view_bounds(list(marks.events))
    elif marks.extent:   # clusters: the cells holding the events
        south, west, north, east = marks.extent
    else:
        return basemap.fit_view(*MIDDLE_EAST, width, height, 0, MAX_FIT_ZOOM)
    return basemap.fit_view(south, west, north, east, width, height, PAD_PX, MAX_FIT_ZOOM)


# -- drawing --------------------------------------------------------------------------

def _draw_basemap(ax, view: basemap.View, scale: float) -> None:
    countries = basemap.layer_in_view("countries", view)
    if not countries:
        return
    land = polygon_paths(countries)
    draw_polygons(ax, paths=land, facecolor=LAND, edgecolor="none", linewidth=0, zorder=1)
    admin1 = basemap.layer_in_view("admin1", view)
    if admin1:
        draw_polygons(ax, admin1, facecolor="none", edgecolor=ADMIN1,
                      linewidth=0.5 * scale, zorder=2)
    draw_polygons(ax, paths=land, facecolor="none", edgecolor=BORDER,
                  linewidth=0.8 * scale, zorder=3)


def _draw_outlines(ax, drawn: list[Event], view: basemap.View, scale: float) -> None:
    """Borders and areas the events name, once per shape, faint under the markers."""
    seen: dict[bytes, tuple] = {}
    for event in drawn:
        if not event.geometry:
            continue
        shape = basemap.shape_in_view(event.geometry, view)
        if shape is not None:
            seen.setdefault(shape.wkb, (shape, type_colour(event.event_type)))
    by_colour = defaultdict(list)
    for shape, colour in seen.values():
        by_colour[colour].append(shape)
    for colour, shapes in by_colour.items():
        red, green, blue, _ = matplotlib.colors.to_rgba(colour)
        areas = [shape for shape in shapes if shape.area > 0]
        lines = [shape for shape in shapes if shape.area == 0]
        draw_polygons(ax, areas, facecolor=(red, green, blue, 0.12),
                      edgecolor=(red, green, blue, 0.6), linewidth=1.5 * scale, zorder=4)
        draw_lines(ax, lines, color=(red, green, blue, 0.6), linewidth=2.5 * scale,
                   zorder=4)


def _draw_markers(ax, drawn: list[Event], view: basemap.View, scale: float) -> np.ndarray:
    """The events' markers; returns their positions as axes fractions, for placing the
    legend.

    Where markers crowd, one per half-marker cell is drawn (the first given: the store
    lists the newest first). Stacking them all would show only whichever type is drawn
    last; one per cell shows the mix of types, and 100,000 events cost no more to draw
    or to store in an SVG than the few thousand cells they cover.
    """
    if not drawn:
        return np.empty((0, 2))
    x, y = basemap.to_mercator([float(e.longitude) for e in drawn],
                               [float(e.latitude) for e in drawn])
    kinds: dict[tuple[str, str], int] = {}
    kind = np.array([kinds.setdefault((e.event_type, CATEGORY_SHAPES.get(e.category,
                                                                          "circle")),
                                      len(kinds)) for e in drawn])
    size_px = min(max(16 * scale, 10), 26)
    x, y, which = _in_view(x, y, view, size_px)
    if not len(x):
        return np.empty((0, 2))
    cell = size_px / 2 * view.metres_per_px
    cells = (np.floor((x - view.x0) / cell).astype(np.int64) * 1_000_003 +
             np.floor((y - view.y0) / cell).astype(np.int64))
    _, first = np.unique(cells, return_index=True)
    first.sort()   # keeps the given order within each kind
    x, y, kind = x[first], y[first], kind[which[first]]
    # The commonest kinds first, so a rare one is not buried under a common one.
    counts = np.bincount(kind, minlength=len(kinds))
    for order, ((event_type, shape), number) in enumerate(
            sorted(kinds.items(), key=lambda kv: -counts[kv[1]])):
        mine = kind == number
        if not mine.any():
            continue
        _plot_marker(ax, x[mine], y[mine], type_colour(event_type), shape, size_px, scale,
                     10 + order * 0.01)
    return np.column_stack([(x - view.x0) / (view.x1 - view.x0),
                            (y - view.y0) / (view.y1 - view.y0)])


def _plot_marker(ax, x, y, colour: str, shape: str, size_px: float, scale: float,
                 zorder: float) -> None:
    # Line2D markers, not scatter: Agg stamps one rendered marker at every position.
    marker, factor = MARKERS.get(shape, ("o", 1.0))
    points = size_px * factor * 72 / DPI
    if shape == "ring":   # a coloured ring on a white halo, hollow, as on the page
        ax.plot(x, y, ls="none", marker="o", ms=points, mfc="none", mec="white",
                mew=4 * scale, zorder=zorder)
        ax.plot(x, y, ls="none", marker="o", ms=points, mfc="none", mec=colour,
                mew=2.2 * scale, zorder=zorder)
    else:
        ax.plot(x, y, ls="none", marker=marker, ms=points, mfc=colour, mec="white",
                mew=1.1 * scale, zorder=zorder)


def _in_view(x: np.ndarray, y: np.ndarray, view: basemap.View, size_px: float):
    """(x, y, event index) of the markers, and their copies one world east or west, that
    show in the view."""
    margin = size_px * view.metres_per_px
    xs, ys, which = [], [], []
    for copy in view.world_copies():
        cx = x + 2 * copy * basemap.WORLD
        inside = ((cx > view.x0 - margin) & (cx < view.x1 + margin) &
                  (y > view.y0 - margin) & (y < view.y1 + margin))
        xs.append(cx[inside])
        ys.append(y[inside])
        which.append(np.flatnonzero(inside))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(which)


def _save(fig: Figure, fmt: str, title: str) -> bytes:
    out = io.BytesIO()
    if fmt == "png":
        # zlib level 3: on a map's flat colours as small as the default 6, in 60% of
        # the time
        fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None},
                    pil_kwargs={"compress_level": 3})
    else:
        metadata = {"Title": title, "Date": None} if fmt == "svg" else {
            "Title": title, "CreationDate": None}
        with _RC_LOCK, matplotlib.rc_context(_VECTOR_RC):
            fig.savefig(out, format=fmt, dpi=DPI, metadata=metadata)
    return out.getvalue()
