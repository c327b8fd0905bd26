"""Map furniture of a static snapshot: the legend, the scale bar and the shared style.

The legend lists the types with their exact counts (``caption.legend_rows``, as the
browser snapshot does), says when the marks are clusters and what was left undrawn, and,
when there is room and single events are drawn, the categories' marker shapes; it goes
in the corner where it hides fewest markers. The scale bar is a round number of
km (or m) long and true at its own latitude, which in Web Mercator matters: the same bar
is twice as long on the ground at the equator as at 60°N.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from webapp.map_html import CATEGORY_SHAPES, LEGEND_GLYPH_COLOUR
from webapp.models import Event, vocabulary
from webapp.snapshot import basemap
from webapp.snapshot.caption import left_out_notes, legend_rows, marks_note

DPI = 100                  # 1 px = 0.72 pt; width x height px is then the PNG's size
SEA, LAND = "#cfe0ec", "#f4f1ea"
BORDER, ADMIN1 = "#8c8c8c", "#cdc6b8"
INK, FAINT = "#222222", "#555555"
CHAR_EM = 0.6              # DejaVu Sans' average glyph width, for wrapping by estimate
NOTE_CHARS = 34            # a legend note's line: about as wide as a long type's row
# The page's glyph shapes as matplotlib markers, with a size factor for equal weight.
MARKERS = {"circle": ("o", 1.0), "ring": ("o", 1.0), "square": ("s", 0.9),
           "diamond": ("D", 0.8), "triangle": ("^", 1.05), "triangle-down": ("v", 1.05),
           "star": ("*", 1.4), "plus": ("P", 1.0), "hexagon": ("h", 1.05)}


def nice_length(metres: float) -> float:
    magnitude = 10 ** math.floor(math.log10(metres))
    return max(step * magnitude for step in (1, 2, 5) if step * magnitude <= metres)


def draw_scale_bar(ax, view: basemap.View, scale: float) -> None:
    """A bar of a round number of km (or m) that is true at its own latitude."""
    left, bottom = 12 * scale, 12 * scale   # px from the axes' lower left corner
    bar_y = view.y0 + (bottom + 4 * scale) * view.metres_per_px
    ground_per_px = basemap.ground_metres(view.metres_per_px, bar_y)
    if not ground_per_px > 0:
        return
    metres = nice_length(view.width_px * 0.2 * ground_per_px)
    length = metres / ground_per_px
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    to_axes = ax.transAxes
    font_pt = 8 * scale
    box_h = (font_pt * DPI / 72) * 1.5 + 10 * scale
    ax.add_patch(Rectangle((left / view.width_px - 4 * scale / view.width_px,
                            (bottom - 4 * scale) / view.height_px),
                           (length + 8 * scale) / view.width_px, box_h / view.height_px,
                           transform=to_axes, facecolor="white", alpha=0.75,
                           edgecolor="none", zorder=18))
    half = length / 2
    for i, fill in enumerate((INK, "white")):
        ax.add_patch(Rectangle(((left + i * half) / view.width_px, bottom / view.height_px),
                               half / view.width_px, 4 * scale / view.height_px,
                               transform=to_axes, facecolor=fill, edgecolor=INK,
                               linewidth=0.8 * scale, zorder=19))
    ax.text((left + length / 2) / view.width_px, (bottom + 6 * scale) / view.height_px,
            label, transform=to_axes, ha="center", va="bottom", fontsize=font_pt,
            color=INK, zorder=19, parse_math=False)


def draw_legend(ax, marks, points: np.ndarray, box, scale: float) -> None:
    font_pt = 8.5 * scale
    row_px = font_pt * DPI / 72 * 1.7
    rows = legend_rows(marks)
    handles = [Line2D([], [], ls="none", marker="o", ms=8 * scale, mfc=colour, mec="white")
               for _, colour, _ in rows]
    labels = [f"{name or 'Unknown type'}  {count:,}" for name, _, count in rows]
    for note in left_out_notes(marks):
        handles.append(Line2D([], [], ls="none"))
        labels.append("\n".join(textwrap.wrap(note, NOTE_CHARS)))
    note = marks_note(marks)   # said first: the numbers on the map are not single events
    heading = "\n".join(textwrap.wrap(note, NOTE_CHARS)) if note else (
        f"{marks.placed:,} event(s)")
    shapes = _category_rows(list(marks.events))
    room = int(box[1] * 0.85 / row_px) - 1
    if len(shapes) > 1 and len(rows) + len(shapes) + 1 <= room:
        handles.append(Line2D([], [], ls="none"))
        labels.append("Shapes by category:")
        for label, shape in shapes:
            marker, factor = MARKERS.get(shape, ("o", 1.0))
            ring = shape == "ring"
            handles.append(Line2D([], [], ls="none", marker=marker, ms=8 * scale * factor,
                                  mfc="none" if ring else LEGEND_GLYPH_COLOUR,
                                  mec=LEGEND_GLYPH_COLOUR if ring else "white",
                                  mew=1.6 * scale if ring else 0.8))
            labels.append(label)
    legend = ax.legend(handles, labels,
                       loc=_legend_corner([heading, *labels], points, box, font_pt),
                       fontsize=font_pt, title=heading,
                       title_fontsize=font_pt * 1.05, frameon=True, framealpha=0.9,
                       edgecolor=BORDER, handlelength=1.2, handletextpad=0.5,
                       borderaxespad=0.6, labelspacing=0.35, alignment="left")
    legend.set_zorder(30)
    for text in [*legend.get_texts(), legend.get_title()]:
        text.set_parse_math(False)


def _category_rows(drawn: list[Event]) -> list[tuple[str, str]]:
    labels = vocabulary()["categories"]
    present = {e.category for e in drawn}
    return [(info.get("label", name), CATEGORY_SHAPES.get(name, "circle"))
            for name, info in labels.items() if name in present]


def _legend_corner(labels: list[str], points: np.ndarray, box, font_pt: float) -> str:
    """The upper or lower-right corner the legend hides fewest markers in (the lower
    left holds the scale bar)."""
    font_px = font_pt * DPI / 72
    lines = [line for label in labels for line in label.split("\n")]
    width = min((max(map(len, lines)) * CHAR_EM * font_px + 40) / box[0], 1)
    height = min((len(lines) + 1) * font_px * 1.7 / box[1], 1)
    corners = {"upper right": (1 - width, 1 - height, 1, 1),
               "upper left": (0, 1 - height, width, 1),
               "lower right": (1 - width, 0, 1, height)}
    if not len(points):
        return "upper right"

    def hidden(area):
        x0, y0, x1, y1 = area
        return int(np.count_nonzero((points[:, 0] >= x0) & (points[:, 0] <= x1) &
                                    (points[:, 1] >= y0) & (points[:, 1] <= y1)))
    return min(corners, key=lambda name: hidden(corners[name]))
