"""Clusters on a matplotlib snapshot: one circle per grid cell of the store's clusters.

A circle's area grows with its count (:func:`webapp.snapshot.marks.cluster_radius`, the
same sizes as the browser's snapshot draws), it is cut like a pie into its types'
colours, largest share first from twelve o'clock clockwise, and carries its count.
"""

from __future__ import annotations

import numpy as np
from matplotlib import patheffects
from matplotlib.collections import PatchCollection
from matplotlib.patches import Circle, Wedge

from webapp.map_html import type_colour
from webapp.snapshot import basemap
from webapp.snapshot.furniture import DPI
from webapp.snapshot.marks import cluster_radius, count_label

RING = "white"
_HALO = [patheffects.withStroke(linewidth=2.4, foreground=(0, 0, 0, 0.75))]


def draw_clusters(ax, clusters, view: basemap.View, scale: float) -> np.ndarray:
    """Draw ``clusters`` (store Cluster values) in ``view``; their centres as axes
    fractions, for placing the legend."""
    if not clusters:
        return np.empty((0, 2))
    x, y = basemap.to_mercator([c.longitude for c in clusters],
                               [c.latitude for c in clusters])
    largest = max(c.count for c in clusters)
    per_px = view.metres_per_px
    wedges, colours, rings, centres = [], [], [], []
    # The largest first: a small circle is drawn over a large one, never hidden by it.
    for i in sorted(range(len(clusters)), key=lambda k: -clusters[k].count):
        cluster = clusters[i]
        radius = cluster_radius(cluster.count, largest, scale) * per_px
        for copy in view.world_copies():
            cx = x[i] + 2 * copy * basemap.WORLD
            if not (view.x0 - radius < cx < view.x1 + radius
                    and view.y0 - radius < y[i] < view.y1 + radius):
                continue
            start = 90.0
            for name, n in cluster.by_type.items():
                sweep = 360.0 * n / cluster.count
                wedges.append(Wedge((cx, y[i]), radius, start - sweep, start))
                colours.append(type_colour(name))
                start -= sweep
            rings.append(Circle((cx, y[i]), radius))
            centres.append((cx, y[i], radius, cluster.count))
    if not centres:
        return np.empty((0, 2))
    ax.add_collection(PatchCollection(wedges, facecolors=colours, edgecolors="none",
                                      alpha=0.88, zorder=10))
    ax.add_collection(PatchCollection(rings, facecolors="none", edgecolors=RING,
                                      linewidths=1.6 * scale, zorder=10.5))
    for cx, cy, radius, count in centres:
        size_pt = max(min(radius / per_px * 0.75, 11 * scale), 6.5 * scale) * 72 / DPI * 1.3
        style = {"ha": "center", "va": "center", "fontsize": size_pt, "fontweight": "bold",
                 "parse_math": False}
        # A dark halo drawn under the number (as a shape), then the number itself as
        # text, which an SVG or PDF keeps searchable.
        ax.text(cx, cy, count_label(count), color=(0, 0, 0, 0), zorder=11,
                path_effects=_HALO, **style)
        ax.text(cx, cy, count_label(count), color="white", zorder=11.5, **style)
    xs = np.array([c[0] for c in centres])
    ys = np.array([c[1] for c in centres])
    return np.column_stack([(xs - view.x0) / (view.x1 - view.x0),
                            (ys - view.y0) / (view.y1 - view.y0)])
