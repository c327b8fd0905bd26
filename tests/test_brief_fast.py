"""A brief from cold: what the command line loads, the land layers' cache, the store's
choice of reading a wide date range through, and the land drawn without geopandas.

The brief is made by a fresh process each time someone runs the command; its start
was most of its time. These tests hold the parts that made it quick: the command does
not import the interactive map's libraries, the land comes from a cache that follows
its sources, and the faster ways of answering give the same answers as the slower.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pytest
import shapely

from conftest import ROOT, make_event

from webapp.store import SQLiteStore
from webapp.store.base import make_filters

HEAVY = ("folium", "pandas", "geopandas", "flask", "werkzeug")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """Two months of events over three areas; the second month holds most of them."""
    path = tmp_path_factory.mktemp("fast") / "events.sqlite"
    events = []
    places = [((31.5, 34.46), "PS", "Gaza Strip"), ((33.89, 35.5), "LB", "Beirut"),
              ((36.2, 37.15), "SY", "Aleppo")]
    for i in range(240):
        (lat, lon), country, admin1 = places[i % 3]
        day = date(2024, 5, 1) + timedelta(days=(i * 7) % 61)
        events.append(make_event(f"e{i}", lat + 0.01 * (i % 7), lon + 0.01 * (i % 5),
                                 day=day, country_code=country, admin1=admin1,
                                 fatalities=i % 11, location=admin1,
                                 notes=f"Event {i} happened.",
                                 source=f"https://news.example.org/{i}"))
    with SQLiteStore(path) as store:
        store.add_events(events)
    return path


def _brief_in_fresh_process(db, target, instance) -> dict:
    """Write a brief with ``python`` as the command line does, and say which modules
    that process had loaded by the end."""
    script = (
        "import json, sys\n"
        "from webapp.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        f"    print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{HEAVY!r})))\n")
    done = subprocess.run(
        [sys.executable, "-c", script, "brief", "--db", str(db), "--since", "2024-05-01",
         "--until", "2024-06-30", "--compare-to", "previous", "-o", str(target)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
        env={**os.environ, "BRIEFING_INSTANCE": str(instance)})
    assert done.returncode == 0, done.stderr
    return {"loaded": json.loads(done.stdout.strip().splitlines()[-1]),
            "said": done.stderr}


def test_the_command_line_brief_loads_no_interactive_map_or_server_library(
        db, tmp_path, monkeypatch):
    from webapp.snapshot import basemap

    monkeypatch.setenv("BRIEFING_INSTANCE", str(tmp_path))
    basemap._cached_shapes()   # as the first brief (or snapshot) there leaves it
    found = _brief_in_fresh_process(db, tmp_path / "brief.html", tmp_path)
    assert "written to" in found["said"]
    assert (tmp_path / "brief.html").read_bytes().lower().startswith(b"<!doctype html>")
    assert found["loaded"] == []


def test_the_land_is_cached_in_the_instance_folder_and_remade_when_its_source_changes(
        tmp_path, monkeypatch):
    from webapp.snapshot import basemap

    monkeypatch.setenv("BRIEFING_INSTANCE", str(tmp_path))
    read = basemap._read_sources()
    first = basemap._cached_shapes()
    caches = list(tmp_path.glob("land-layers-*.pickle"))
    assert len(caches) == 1
    again = basemap._cached_shapes()   # now from the cache
    for name in ("countries", "admin1"):
        assert len(first[name]) == len(again[name]) == len(read[name]) > 100
        assert shapely.equals_exact(again[name], read[name], tolerance=0).all()

    # Another source (a newer GeoJSON) has another fingerprint: read and cached anew,
    # the old copy removed.
    monkeypatch.setattr(basemap, "LAYERS_VERSION", basemap.LAYERS_VERSION + 1)
    basemap._cached_shapes()
    remade = list(tmp_path.glob("land-layers-*.pickle"))
    assert len(remade) == 1 and remade != caches

    # A damaged cache is read past, and replaced.
    remade[0].write_bytes(b"not a pickle at all")
    healed = basemap._cached_shapes()
    assert len(healed["countries"]) == len(read["countries"])
    assert remade[0].read_bytes()[:1] == b"\x80"


def test_the_land_is_read_even_where_it_cannot_be_cached(tmp_path, monkeypatch):
    from webapp.snapshot import basemap

    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("BRIEFING_INSTANCE", str(blocked))
    shapes = basemap._cached_shapes()
    assert len(shapes["countries"]) > 100 and len(shapes["admin1"]) > 100


@pytest.mark.parametrize("since, until", [("2024-05-01", "2024-06-30"),
                                          ("2024-06-01", "2024-06-30"),
                                          ("2024-06-10", "2024-06-10")])
def test_a_wide_or_narrow_date_range_gives_the_same_totals_whichever_way_it_is_read(
        db, monkeypatch, since, until):
    from webapp.store import aggregates

    filters = make_filters(since=since, until=until)
    answers = []
    for share in (0.0, 2.0):   # always read through; never
        monkeypatch.setattr(aggregates, "SCAN_SHARE", share)
        with SQLiteStore(db) as store:
            answers.append((store.region_totals(filters),
                            store.region_totals(filters, by_type=True),
                            [e.event_id for e in store.heaviest(filters, 7)],
                            "NOT INDEXED" in store._events_for(filters)))
    (totals, by_type, heaviest, scanned), (totals2, by_type2, heaviest2, scanned2) = answers
    assert totals == totals2 and by_type == by_type2 and heaviest == heaviest2
    assert scanned and not scanned2
    assert sum(row[2] for row in totals) == SQLiteStore(db).count(filters)


def test_a_date_range_holding_most_events_is_read_through_and_a_day_by_its_index(db):
    with SQLiteStore(db) as store:
        assert "NOT INDEXED" in store._events_for(make_filters(since="2024-05-01",
                                                               until="2024-06-30"))
        assert "NOT INDEXED" not in store._events_for(make_filters(since="2024-06-10",
                                                                   until="2024-06-10"))
        assert "NOT INDEXED" not in store._events_for(make_filters())


def test_land_with_a_lake_is_drawn_filled_around_an_empty_hole():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from webapp.snapshot.shapes import draw_lines, draw_polygons, polygon_paths

    island = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)],
                             holes=[[(4, 4), (6, 4), (6, 6), (4, 6)]])
    two = shapely.MultiPolygon([island, shapely.box(12, 0, 14, 2)])
    assert len(polygon_paths([two, shapely.LineString([(0, 0), (1, 1)])])) == 2

    fig = Figure(figsize=(2, 1), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 20)
    ax.set_ylim(0, 10)
    ax.set_axis_off()
    draw_polygons(ax, [two], facecolor="#ff0000", edgecolor="none", linewidth=0, zorder=1)
    draw_lines(ax, [shapely.LineString([(16, 0), (16, 10)])], color="#0000ff",
               linewidth=3, zorder=2)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())

    def colour(x, y):   # data units to the pixel's RGB (rows run top down)
        return tuple(pixels[int(100 - y * 10) - 1, int(x * 10)][:3])

    assert colour(2, 2) == (255, 0, 0)           # the land
    assert colour(5, 5) == (255, 255, 255)       # the lake in it stays empty
    assert colour(13, 1) == (255, 0, 0)          # the second island
    assert colour(13, 8) == (255, 255, 255)      # sea
    assert colour(16, 5) == (0, 0, 255)          # the line
    assert ax.get_xlim() == (0, 20)              # the view is left as it was


def test_maps_drawn_by_two_processes_are_the_maps_drawn_by_one(db):
    """The command line shares the maps' drawing between two forked processes; the
    pictures are the ones a single process draws, in the same order."""
    from webapp.brief.content import gather
    from webapp.brief.pictures import draw_pictures

    with SQLiteStore(db) as store:
        brief = gather(store, make_filters())
        alone = draw_pictures(store, brief, processes=1)
        shared = draw_pictures(store, brief, processes=2)
    assert len(alone) >= 2   # an overview and at least one hot spot
    assert [p.name for p in shared] == [p.name for p in alone]
    assert [p.png for p in shared] == [p.png for p in alone]
    assert all(p.png.startswith(b"\x89PNG") for p in shared)
