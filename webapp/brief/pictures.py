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

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
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


def draw_pictures(store, brief: Brief, processes: int = 1) -> list[Picture]:
    """The overview map of the brief's events and a map of each hot spot, as PNG.

    The store is asked here; with ``processes`` > 1 the drawing (matplotlib, the
    larger part) is shared among forked worker processes. Only a single-threaded
    caller such as the command line should ask for that: the server's threads and
    their locks do not survive a fork."""
    if brief.period is None:
        return []
    wanted = [("overview", f"{brief.title}, {brief.period_words}", None, OVERVIEW_SIZE)]
    wanted += [(f"hot-spot-{number}",
                f"Hot spot {number}: {spot.name} ({spot.events:,} events)",
                spot.frame, HOT_SPOT_SIZE)
               for number, spot in enumerate(brief.hot_spots, 1)]
    jobs = []
    for name, caption, frame, size in wanted:
        spec = make_spec(brief.filters, width=size[0], height=size[1], title=caption[:200],
                         made_at=brief.made_at, view=frame)
        jobs.append((marks_for(store, spec, want_days=False), spec))
    pngs = _draw_all(jobs, processes)
    return [Picture(name=name, caption=caption, png=png, width=size[0], height=size[1])
            for (name, caption, _, size), png in zip(wanted, pngs)]


def _draw(job) -> bytes:
    marks, spec = job
    return render_snapshot(marks, spec, "png", renderer="matplotlib")[0]


def _draw_all(jobs: list, processes: int) -> list[bytes]:
    if processes < 2 or len(jobs) < 2 or \
            "fork" not in multiprocessing.get_all_start_methods():
        return [_draw(job) for job in jobs]
    # imported before the fork, so that no worker pays for matplotlib again
    import webapp.snapshot.static_render  # noqa: F401

    with ProcessPoolExecutor(min(processes, len(jobs)),
                             mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_draw, jobs))
