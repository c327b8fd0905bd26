"""Map snapshots drawn by matplotlib, and the `snapshot` command.

A fixed set of events around Gaza and southern Lebanon (built by hand, so the pictures
do not move when the extractor improves) is drawn; PNGs are decoded and their pixels
counted, SVGs parsed as XML, PDFs turned into pictures by poppler's pdftoppm. One
picture is compared with a stored baseline; after a deliberate change of the drawing,
regenerate it with
``UPDATE_BASELINES=1 .venv/bin/python -m pytest tests/test_snapshot_static.py``
and look at the new file before committing it.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from defusedxml import ElementTree
from PIL import Image

from conftest import make_event, run_cli

from webapp.errors import BriefingMapError, SnapshotError
from webapp.models import Event
from webapp.snapshot import make_spec, render_snapshot, render_static
from webapp.snapshot.basemap import RADIUS, ground_metres, to_mercator
from webapp.snapshot.caption import (NO_EVENTS_TEXT, attribution_text, legend_rows,
                                     made_text, title_text)
from webapp.store.base import make_filters

BASELINE = Path(__file__).with_name("baselines") / "snapshot_static_600x400.png"
MADE = datetime(2026, 11, 28, 20, 31, tzinfo=timezone.utc)
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE_TITLE = "$\\frac{1}{0}$ $\\bogus{x}$ </svg><script>alert(1)</script> & <b>"
COLOURS = {"Battles": "#c0392b", "Explosions/Remote violence": "#e67e22",
           "Violence against civilians": "#8e44ad", "Protests": "#2980b9",
           "Strategic developments": "#7f8c8d"}


ev = partial(make_event, day=date(2024, 5, 2))


def fixed_events() -> list[Event]:
    """Every type and several categories; a border line and an area; a running total,
    recalled history, an unplaced event and a country-level point far away, none of
    which may be drawn or move the view."""
    return [
        ev("gaza-city", 31.5017, 34.4668, source="https://www.reuters.com/a"),
        ev("shati", 31.5300, 34.4450, source="AP"),
        ev("khan-yunis", 31.3462, 34.3063, source="AP"),
        ev("rafah", 31.2969, 34.2455, "Battles", "Armed clash", "armed clash",
           source="AP"),
        ev("rafah-civ", 31.2700, 34.2700, "Violence against civilians", "Attack",
           "attack on civilians", source="Al Jazeera"),
        ev("deir", 31.4181, 34.3517, "Protests", "Peaceful protest", "protest",
           source="Reuters"),
        ev("tyre", 33.2705, 35.2038, source="Reuters"),
        ev("nabatieh", 33.3772, 35.4836, source="BBC"),
        ev("border", 33.10, 35.45, "Battles", "Armed clash", "armed clash",
           geometry={"type": "LineString",
                     "coordinates": [[35.10, 33.09], [35.50, 33.10], [35.80, 33.30]]}),
        ev("beirut", 33.8938, 35.5018, "Strategic developments", "Other", "statement"),
        ev("jenin", 32.4610, 35.3009, "Protests", "Peaceful protest", "protest",
           geometry={"type": "Polygon", "coordinates": [[[35.25, 32.42], [35.35, 32.42],
                                                         [35.35, 32.50], [35.25, 32.50],
                                                         [35.25, 32.42]]]}),
        ev("toll", 31.50, 34.47, fatalities=34000, is_total=True),
        ev("oct7", 31.40, 34.50, "Battles", "Armed clash", "armed clash",
           is_historical=True),
        ev("nowhere", None, None),
        ev("hague-call", 52.08, 4.30, "Strategic developments", "Other", "diplomacy",
           geo_precision=3),
    ]


def spec(width=1200, height=800, title=None, **filters):
    return make_spec(make_filters(**filters), width, height, title, made_at=MADE)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)


def near(image: np.ndarray, colour: str, tolerance: int = 10) -> int:
    """How many pixels are within ``tolerance`` of ``colour`` on every channel."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int(np.count_nonzero(np.abs(image - rgb).max(axis=2) <= tolerance))


def svg_texts(svg: bytes) -> list[str]:
    root = ElementTree.fromstring(svg)
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


@pytest.fixture(scope="module")
def events():
    return fixed_events()


@pytest.fixture(scope="module")
def big_png(events):
    return render_static(events, spec(), "png")


# -- PNG ------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(1200, 800), (1201, 799), (200, 200), (333, 1024)])
def test_png_has_exactly_the_asked_pixel_size(events, size):
    image = Image.open(io.BytesIO(render_static(events, spec(*size), "png")))
    assert image.format == "PNG"
    assert image.size == size


def test_png_is_a_map_not_a_blank_page(big_png):
    image = pixels(big_png)
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 500
    assert near(image, "#cfe0ec", 3) > 50_000      # sea
    assert near(image, "#f4f1ea", 3) > 50_000      # land


def test_every_drawn_type_shows_in_its_colour_and_a_left_out_type_does_not(events,
                                                                           big_png):
    image = pixels(big_png)
    for name, colour, _ in legend_rows(events):
        assert near(image, colour) > 50, name
    no_protests = [e for e in events if e.event_type != "Protests"]
    without = pixels(render_static(no_protests, spec(), "png"))
    assert near(without, COLOURS["Protests"]) < 10   # neither marker nor legend row
    assert near(without, COLOURS["Battles"]) > 50


def test_each_event_adds_its_own_marker():
    one = [ev("rafah", 31.2969, 34.2455, "Battles", "Armed clash", "armed clash")]
    two = one + [ev("tyre", 33.2705, 35.2038, "Battles", "Armed clash", "armed clash")]
    single = near(pixels(render_static(one, spec(), "png")), COLOURS["Battles"])
    double = near(pixels(render_static(two, spec(), "png")), COLOURS["Battles"])
    assert double - single > 60


def test_crowded_markers_still_show_every_common_type():
    """100,000 events on one small area: the types must stay visible side by side, not
    only whichever is drawn last."""
    rng = np.random.default_rng(5)
    kinds = [("Battles", "Armed clash", "armed clash"),
             ("Explosions/Remote violence", "Air/drone strike", "strike"),
             ("Protests", "Peaceful protest", "protest")]
    crowd = [ev(f"c{i}", 31.3 + rng.random() * 0.4, 34.3 + rng.random() * 0.3,
                *kinds[i % 3]) for i in range(30_000)]
    image = pixels(render_static(crowd, spec(800, 600), "png"))
    for name in ("Battles", "Explosions/Remote violence", "Protests"):
        assert near(image, COLOURS[name]) > 1000, name


# -- the stored baseline ------------------------------------------------------------

def mismatched(image: np.ndarray, baseline: np.ndarray, threshold: int = 60) -> int:
    """Pixels that differ strongly from every baseline pixel within one pixel of them:
    text anti-aliased or hinted a pixel differently passes, a marker moved does not."""
    if image.shape != baseline.shape:
        return image.size
    padded = np.pad(baseline, ((1, 1), (1, 1), (0, 0)), mode="edge")
    height, width = image.shape[:2]
    best = np.full((height, width), 255, dtype=np.int16)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            shifted = padded[dy:dy + height, dx:dx + width]
            best = np.minimum(best, np.abs(image - shifted).max(axis=2))
    return int(np.count_nonzero(best > threshold))


BASELINE_TOLERANCE = 12   # pixels; a whole picture shifted by 1 px counts 0, a marker
# moved by 5 px about 40


def test_png_matches_the_stored_baseline(events):
    picture = render_static(events, spec(600, 400), "png")
    if os.environ.get("UPDATE_BASELINES") == "1":
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_bytes(picture)
    assert BASELINE.exists(), "no baseline: run once with UPDATE_BASELINES=1"
    baseline = pixels(BASELINE.read_bytes())
    assert mismatched(pixels(picture), baseline) <= BASELINE_TOLERANCE

    # The comparison itself must notice a marker that moved (by 5 px here) or vanished.
    moved = [replace(e, latitude=e.latitude + 0.05) if e.event_id == "nabatieh" else e
             for e in events]
    gone = [e for e in events if e.event_id != "tyre"]
    for changed in (moved, gone):
        image = pixels(render_static(changed, spec(600, 400), "png"))
        assert mismatched(image, baseline) > 2 * BASELINE_TOLERANCE


# -- SVG and PDF -------------------------------------------------------------------

def test_svg_is_xml_with_the_title_and_legend_as_text(events):
    svg = render_static(events, spec(since="2024-05-01", until="2024-05-03", country="PS"),
                        "svg")
    texts = svg_texts(svg)
    assert "All events in Palestine, 1–3 May 2024" in texts
    assert "Battles  2" in texts and "Protests  2" in texts
    assert "12 event(s)" in texts   # drawn: not the total, the history or the unplaced
    assert any(t.endswith(" km") for t in texts)   # the scale bar's label
    assert "Made 2026-11-28 20:31 UTC" in texts


def test_hostile_text_is_printed_literally_and_cannot_become_markup(events):
    hostile = [replace(e, source=HOSTILE_TITLE) for e in events]
    hostile.append(ev("odd", 31.45, 34.40, event_type="$\\bogus$ <svg onload=x>",
                      sub="?", category="?"))
    svg = render_static(hostile, spec(title=HOSTILE_TITLE), "svg")
    root = ElementTree.fromstring(svg)
    assert not [n for n in root.iter() if n.tag.rsplit("}", 1)[-1] in ("script", "b")]
    texts = svg_texts(svg)
    assert HOSTILE_TITLE in texts
    assert "$\\bogus$ <svg onload=x>  1" in texts
    assert any(HOSTILE_TITLE[:30] in t for t in texts)   # the footer names the source
    # mathtext would raise on \bogus; PNG and PDF print the same text without trying
    for fmt in ("png", "pdf"):
        assert render_static(hostile, spec(400, 300, title=HOSTILE_TITLE), fmt)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler's pdftoppm")
def test_pdf_converts_to_a_page_of_the_same_map(events, tmp_path):
    pdf = render_static(events, spec(), "pdf")
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "map.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True, capture_output=True, timeout=60)
    page = pixels((tmp_path / "page.png").read_bytes())
    assert page.shape[:2] == (800, 1200)
    assert len(np.unique(page.reshape(-1, 3), axis=0)) > 500
    assert near(page, COLOURS["Battles"], 16) > 150


def test_empty_selection_is_still_a_map_that_says_so():
    svg = render_static([], spec(600, 400, since="2030-01-01"), "svg")
    assert NO_EVENTS_TEXT in svg_texts(svg)
    image = pixels(render_static([], spec(600, 400, since="2030-01-01"), "png"))
    assert image.shape[:2] == (400, 600)
    assert near(image, "#cfe0ec", 3) > 5_000 and near(image, "#f4f1ea", 3) > 5_000
    unplaced = render_static([ev("nowhere", None, None)], spec(600, 400), "svg")
    assert "1 event(s) match, but none can be drawn on the map" in svg_texts(unplaced)


def test_a_bbox_filter_sets_the_view_even_with_no_events():
    lebanon = render_static([], spec(600, 400, bbox=(35.0, 33.0, 36.7, 34.7)), "svg")
    middle_east = render_static([], spec(600, 400), "svg")

    def scale_bar(svg):
        return [t for t in svg_texts(svg) if t.endswith(" km")]
    assert scale_bar(lebanon) in (["20 km"], ["50 km"])
    assert scale_bar(middle_east) in (["500 km"], ["1000 km"])
    image = pixels(render_static([], spec(600, 400, bbox=(35.0, 33.0, 36.7, 34.7)), "png"))
    sea, land = image[60:340, 20:120], image[60:340, 450:580]   # the coast runs between
    assert near(sea, "#cfe0ec", 3) > 0.9 * sea.shape[0] * sea.shape[1]
    assert near(land, "#f4f1ea", 3) > 0.8 * land.shape[0] * land.shape[1]


def test_renders_in_several_threads_at_once_come_out_as_alone(events):
    small = spec(400, 300, title="Threads")
    alone = {fmt: render_static(events, small, fmt) for fmt in ("png", "svg")}
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda fmt: (fmt, render_static(events, small, fmt)),
                                ["png", "svg"] * 4))
    for fmt, data in results:
        if fmt == "svg":
            assert "Threads" in svg_texts(data)   # text kept as text, not paths
        else:
            assert mismatched(pixels(data), pixels(alone["png"])) == 0


def test_render_snapshot_names_its_renderer_and_refuses_unknown_formats(events):
    picture, renderer = render_snapshot(events, spec(400, 300), "SVG")
    assert renderer == "matplotlib" and b"<svg" in picture
    for bad in ("gif", "", "../x.png"):
        with pytest.raises(SnapshotError):
            render_snapshot(events, spec(400, 300), bad)
    with pytest.raises(SnapshotError):
        render_snapshot(events, spec(400, 300), "png", renderer="inkscape")


# -- spec ---------------------------------------------------------------------------

@pytest.mark.parametrize("width", [5000, 199, 0, -1, 1200.5, 1200.0, True, "12x", "1e3",
                                   10**12, [1200]])
def test_bad_sizes_are_one_clear_error(width):
    with pytest.raises(SnapshotError) as caught:
        make_spec(None, width=width)
    assert isinstance(caught.value, (BriefingMapError, ValueError))
    assert "width must be a whole number of pixels from 200 to 4000" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_sizes_from_text_and_defaults_are_accepted():
    made = make_spec(None, width="640", height=None, title="  Two\nlines\x00 ")
    assert (made.width, made.height, made.title) == (640, 800, "Two lines")
    assert made.made_at.tzinfo is not None
    assert make_spec(None, title="   ").title is None
    with pytest.raises(SnapshotError, match="too long"):
        make_spec(None, title="x" * 201)
    with pytest.raises(SnapshotError):
        make_spec({"since": "2024-05-01"})


# -- captions -----------------------------------------------------------------------

@pytest.mark.parametrize("filters, expected", [
    (dict(types=("Explosions/Remote violence", "Battles"), since="2024-05-01",
          until="2024-05-03", country="ps"),
     "Explosions/Remote violence and Battles in Palestine, 1–3 May 2024"),
    (dict(since="2024-05-02"), "All events, since 2 May 2024"),
    (dict(until="2024-05-02"), "All events, until 2 May 2024"),
    (dict(q="rafah"), "All events matching “rafah”"),
    (dict(region="Gaza"), "All events in Gaza (region)"),
    (dict(bbox=(34.2, 31.2, 34.6, 31.6)), "All events within 34.2°E–34.6°E, 31.2°N–31.6°N"),
    (dict(bbox=(-10.5, -5, 3, 2.25)), "All events within 10.5°W–3°E, 5°S–2.25°N"),
    (dict(types=("strike", "Protests", "Attack"), since="2024-04-30", until="2024-05-03"),
     "Strike or shelling, Protests and Attack, 30 April – 3 May 2024"),
    (dict(since="2023-12-28", until="2024-01-03"),
     "All events, 28 December 2023 – 3 January 2024"),
    (dict(since="2024-05-03", until="2024-05-03", country="LB"),
     "All events in Lebanon, 3 May 2024"),
])
def test_title_says_the_filters_in_words(filters, expected):
    assert title_text(spec(**filters)) == expected


def test_with_no_dates_chosen_the_title_gives_the_events_dates():
    events = [Event(event_id=f"d{i}", event_date=date(2024, 4, 29) + timedelta(days=i),
                    time_precision=1,
                    event_type="Battles", sub_event_type="Armed clash",
                    category="armed clash", latitude=31.3, longitude=34.3, geo_precision=1)
              for i in range(5)]
    assert title_text(spec(country="PS"), events) == (
        "All events in Palestine, 29 April – 3 May 2024")
    # chosen dates are said as chosen, whatever the events span
    assert title_text(spec(since="2024-05-01"), events) == "All events, since 1 May 2024"
    assert title_text(spec(), []) == "All events"


def test_a_given_title_wins_and_made_text_is_utc():
    local = datetime(2026, 11, 28, 22, 31, tzinfo=timezone(timedelta(hours=2)))
    made = make_spec(make_filters(country="PS"), title="Morning brief", made_at=local)
    assert title_text(made) == "Morning brief"
    assert made_text(made) == "Made 2026-11-28 20:31 UTC"


def test_legend_rows_count_drawn_events_in_vocabulary_order(events):
    assert legend_rows(events) == [
        ("Battles", COLOURS["Battles"], 2),   # the recalled raid is not drawn
        ("Explosions/Remote violence", COLOURS["Explosions/Remote violence"], 5),
        ("Violence against civilians", COLOURS["Violence against civilians"], 1),
        ("Protests", COLOURS["Protests"], 2),
        ("Strategic developments", COLOURS["Strategic developments"], 2),
    ]
    only = [e for e in events if e.event_type == "Protests"]
    assert [row[0] for row in legend_rows(only)] == ["Protests"]
    assert legend_rows([]) == []


def test_attribution_names_the_three_commonest_sources(events):
    credits = "Boundaries: Natural Earth · Places: GeoNames (CC BY 4.0)"
    assert attribution_text(events) == (f"{credits} · Events: AP, Reuters, Al Jazeera "
                                        "and 2 more")
    assert attribution_text([]) == credits
    assert attribution_text(events[:1]) == f"{credits} · Events: reuters.com"


# -- scale --------------------------------------------------------------------------

@pytest.mark.parametrize("lat", [0.0, 31.5, 60.0, 80.0])
def test_scale_bar_length_is_true_on_the_ground_at_its_latitude(lat):
    from pyproj import Geod

    step = 0.001   # degrees of longitude: short enough that the geodesic is the parallel
    (x0, x1), (y, _) = to_mercator([35.0, 35.0 + step], [lat, lat])
    _, _, metres = Geod(ellps="WGS84").inv(35.0, lat, 35.0 + step, lat)
    assert math.isclose(ground_metres(x1 - x0, float(y)), metres, rel_tol=1e-6)
    assert math.isclose(x1 - x0, RADIUS * math.radians(step))


# -- the command line -----------------------------------------------------------------

@pytest.fixture(scope="module")
def db(tmp_path_factory, events):
    from webapp.store import SQLiteStore

    path = tmp_path_factory.mktemp("snapshot-db") / "events.sqlite"
    with SQLiteStore(path) as store:
        store.add_events(events)
    return path


MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF"}


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_cli_draws_each_format(db, tmp_path, fmt):
    out = tmp_path / f"brief.{fmt}"
    args = ["snapshot", "--db", str(db), "-o", str(out), "--renderer", "matplotlib"]
    if fmt == "png":
        args += ["--type", "Battles", "--width", "640", "--height", "480"]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    drawn = 2 if fmt == "png" else 12
    assert result.stderr.strip() == f"{drawn} event(s) drawn to {out} (matplotlib)"
    assert out.read_bytes().startswith(MAGIC[fmt])
    assert [p.name for p in tmp_path.iterdir()] == [out.name]   # no temporary left
    if fmt == "png":
        image = pixels(out.read_bytes())
        assert image.shape[:2] == (480, 640)
        assert near(image, COLOURS["Battles"]) > 50
        assert near(image, COLOURS["Protests"]) < 10


@pytest.mark.parametrize("args, says, status", [
    (["-o", "{dir}/brief.gif"], ".png, .svg or .pdf", 2),
    (["-o", "{dir}/brief.png", "--width", "5000"], "from 200 to 4000", 1),
    (["-o", "{dir}/brief.png", "--bbox", "35,33,36"], "four numbers", 1),
    (["-o", "{dir}/brief.png", "--bbox", "35,33,36,north"], "bbox", 1),
    (["-o", "{dir}/brief.png", "--since", "2024-02-30"], "since must be a date", 1),
    (["-o", "{dir}/nowhere/brief.png"], "cannot write", 1),
])
def test_cli_mistakes_are_one_line_and_leave_no_file(db, tmp_path, args, says, status):
    keep = tmp_path / "brief.png"
    keep.write_bytes(b"an older picture")
    result = run_cli("snapshot", "--db", str(db),
                     *[a.format(dir=tmp_path) for a in args])
    assert result.returncode == status
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert says in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.png"]
    assert keep.read_bytes() == b"an older picture"


def test_cli_refuses_a_missing_store_without_creating_it(tmp_path):
    missing = tmp_path / "none.sqlite"
    result = run_cli("snapshot", "--db", str(missing), "-o", str(tmp_path / "x.png"))
    assert result.returncode == 1 and "no event store" in result.stderr
    assert list(tmp_path.iterdir()) == []
