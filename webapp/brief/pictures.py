"""A brief's maps: one overview and one per hot spot, drawn by the snapshot renderer.

They are drawn by the snapshot's matplotlib renderer: a brief holds up to four maps,
and each costs about a quarter to half a second there, against a second or more as a
photograph of the map page in the browser (bench/README.md). The land layers are
read once per process and kept (:mod:`webapp.snapshot.basemap`), so every map after the
first, in this brief and the next, pays only for its own view. Each map asks the store
for its marks as a snapshot does: single events when few are in its frame, the store's
clusters otherwise, with the legend's exact totals either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.brief.content import Brief
from webapp.snapshot import make_spec, marks_for, render_snapshot

OVERVIEW_SIZE = (1100, 700)    # px: A4's text width at about 150 dpi
HOT_SPOT_SIZE = (800, 520)


@dataclass(frozen=True)
class Picture:
    name: str          # a safe file stem: "overview", "hot-spot-1", ...
    caption: str       # plain text (escaped by each format)
    png: bytes
    width: int
    height: int


def draw_pictures(store, brief: Brief) -> list[Picture]:
    """The overview map of the brief's events and a map of each hot spot, as PNG."""
    if brief.period is None:
        return []
    pictures = [_draw(store, brief, "overview", f"{brief.title}, {brief.period_words}",
                      None, OVERVIEW_SIZE)]
    for number, spot in enumerate(brief.hot_spots, 1):
        pictures.append(_draw(store, brief, f"hot-spot-{number}",
                              f"Hot spot {number}: {spot.name} ({spot.events:,} events)",
                              spot.frame, HOT_SPOT_SIZE))
    return pictures


def _draw(store, brief: Brief, name: str, caption: str, frame, size) -> Picture:
    spec = make_spec(brief.filters, width=size[0], height=size[1], title=caption[:200],
                     made_at=brief.made_at, view=frame)
    marks = marks_for(store, spec, want_days=False)
    png, _ = render_snapshot(marks, spec, "png", renderer="matplotlib")
    return Picture(name=name, caption=caption, png=png, width=size[0], height=size[1])
