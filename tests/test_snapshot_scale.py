"""Snapshots and the standalone export of many events: past 2,000 events in view the
marks are the store's clusters, the legend says so, and its counts are the store's
exact totals; a small store still gets one glyph per event.

A real SQLite store of 5,000 events (bulk-added: three types in known numbers over Gaza,
Lebanon and Syria, plus running totals and events with no place, which are counted and
never drawn); pictures are drawn by matplotlib (SVG text is read back) and by Debian's
Chromium (skipped without it); the export is parsed and opened from disk in Chromium.
"""

from __future__ import annotations

import io
import json
import random
import re
from datetime import date, timedelta

import numpy as np
import pytest

from browsing import needs_chromium, wait_until
from conftest import run_cli

from webapp.models import Event
from webapp.snapshot import MAX_SINGLE_MARKS, make_spec, marks_for, render_snapshot
from webapp.snapshot.caption import legend_rows
from webapp.snapshot.grid import picture_grid
from webapp.snapshot.marks import count_label
from webapp.store import SQLiteStore
from webapp.store.base import make_filters

Image = pytest.importorskip("PIL.Image")

KINDS = {"Battles": ("Armed clash", "armed clash", 1500),
         "Explosions/Remote violence": ("Air/drone strike", "strike", 2500),
         "Protests": ("Peaceful protest", "protest", 1000)}
PLACES = [(31.50, 34.46, 0.05), (33.27, 35.20, 0.10), (33.51, 36.29, 0.20)]
TOTALS, UNPLACED = 7, 11      # running totals and events with no place, on top
BATTLES = "#c0392b"           # the vocabulary's colours
EXPLOSIONS = "#e67e22"
PROTESTS = "#2e86c1"


def many_events() -> list[Event]:
    rng = random.Random(10)
    made = []
    for event_type, (sub, category, n) in KINDS.items():
        for i in range(n):
            lat, lon, spread = PLACES[i % len(PLACES)]
            made.append(Event(
                event_id=f"{category}-{i}",
                event_date=date(2024, 1, 1) + timedelta(i % 300),
                time_precision=1, event_type=event_type, sub_event_type=sub,
                category=category, location="somewhere",
                latitude=round(rng.gauss(lat, spread), 5),
                longitude=round(rng.gauss(lon, spread), 5), geo_precision=1,
                source=f"https://wire{i % 4}.example.org/{i}"))
    for i in range(TOTALS):
        made.append(Event(event_id=f"toll-{i}", event_date=date(2024, 6, 1),
                          time_precision=1, event_type="Battles",
                          sub_event_type="Armed clash", category="armed clash",
                          latitude=31.5, longitude=34.46, geo_precision=1, fatalities=100,
                          is_total=True))
    for i in range(UNPLACED):
        made.append(Event(event_id=f"nowhere-{i}", event_date=date(2024, 6, 2),
                          time_precision=1, event_type="Protests",
                          sub_event_type="Peaceful protest", category="protest",
                          latitude=None, longitude=None, geo_precision=3))
    return made


PLACED = sum(n for _, _, n in KINDS.values())   # 5,000 drawable events


@pytest.fixture(scope="module")
def big_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "events.sqlite"
    with SQLiteStore(path) as store:
        store.add_events(many_events())
    return path


@pytest.fixture(scope="module")
def big(big_db):
    with SQLiteStore(big_db) as store:
        yield store


def svg_texts(svg: bytes) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", svg.decode("utf-8")).split())


# -- what the marks are -------------------------------------------------------------

def test_many_events_are_clusters_that_add_up_and_the_totals_are_exact(big):
    marks = marks_for(big, make_spec(make_filters(), 1200, 800))
    assert marks.clustered and not marks.events
    assert sum(c.count for c in marks.clusters) == PLACED      # every placed event, once
    assert len(marks.clusters) < 300                           # few enough to read
    assert marks.placed == PLACED and marks.unplaced == UNPLACED
    assert [(name, count) for name, _, count in legend_rows(marks)] == [
        ("Battles", 1500), ("Explosions/Remote violence", 2500), ("Protests", 1000)]
    assert marks.days == (date(2024, 1, 1), date(2024, 10, 26))


def test_flagged_events_asked_for_are_counted_never_drawn(big):
    marks = marks_for(big, make_spec(make_filters(include_flagged=True), 900, 600))
    assert marks.flagged == TOTALS and marks.placed == PLACED
    assert sum(c.count for c in marks.clusters) == PLACED


def test_a_frame_with_few_events_in_view_draws_them_one_by_one(big):
    # a corner of the Gaza cluster: a few hundred events, each drawn
    spec = make_spec(make_filters(), 800, 600, view="34.40,31.45,34.46,31.50")
    marks = marks_for(big, spec)
    assert not marks.clustered
    assert 0 < len(marks.events) <= MAX_SINGLE_MARKS
    assert marks.placed == PLACED                                # the legend: all of them
    # the picture's box: the frame, widened to the picture's shape
    west, south, east, north = picture_grid((31.45, 34.40, 31.50, 34.46), 800, 600,
                                            pad_px=0).box
    for e in marks.events:
        assert west <= e.longitude <= east and south <= e.latitude <= north


def test_a_type_filter_narrows_the_clusters_and_the_totals(big):
    marks = marks_for(big, make_spec(make_filters(types=["Protests", "Battles"]), 900, 600))
    assert marks.clustered
    assert sum(c.count for c in marks.clusters) == 2500
    assert {name for c in marks.clusters for name in c.by_type} == {"Protests", "Battles"}
    assert marks.by_type == {"Battles": 1500, "Protests": 1000}


def test_a_small_store_still_draws_single_glyphs(tmp_path):
    path = tmp_path / "small.sqlite"
    with SQLiteStore(path) as store:
        store.add_events(many_events()[:40] + many_events()[-3:])
        marks = marks_for(store, make_spec(make_filters(), 800, 600))
    assert not marks.clustered
    assert len(marks.events) == 40 and marks.placed == 40 and marks.unplaced == 3
    svg = svg_texts(render_snapshot(marks, make_spec(make_filters(), 800, 600), "svg")[0])
    assert "40 event(s)" in svg and "clusters" not in svg
    assert "3 event(s) without a usable place." in svg


# -- the pictures ---------------------------------------------------------------------

def test_the_matplotlib_picture_says_clusters_and_prints_the_exact_totals(big):
    spec = make_spec(make_filters(), 1200, 800)
    marks = marks_for(big, spec)
    svg, renderer = render_snapshot(marks, spec, "svg")
    assert renderer == "matplotlib"
    text = svg_texts(svg)
    assert f"{PLACED:,} events shown as {len(marks.clusters)} clusters" in text
    assert "exact counts per type below" in text
    for name, (_, _, n) in KINDS.items():
        assert f"{name} {n:,}" in text
    assert f"{UNPLACED} event(s) without a usable place." in text
    numbers = re.findall(r">([\d.]+k?)</text>", svg.decode())   # the clusters' numbers
    assert sorted(numbers) == sorted(count_label(c.count) for c in marks.clusters)
    # one circle per cluster, not a glyph per event: the file stays small
    assert len(svg) < 400_000


def test_the_web_picture_of_many_events_is_clusters(big_db):
    from webapp.web import create_app

    app = create_app({"DB": str(big_db), "SNAPSHOT_BROWSER": "none", "TESTING": True})
    answer = app.test_client().get("/snapshot.png?width=900&height=600")
    assert answer.status_code == 200
    assert answer.headers["X-Snapshot-Renderer"] == "matplotlib"
    pixels = np.asarray(Image.open(io.BytesIO(answer.get_data())).convert("RGB"))
    assert pixels.shape == (600, 900, 3)


def test_the_cli_says_it_drew_clusters(big_db, tmp_path):
    out = tmp_path / "many.svg"
    done = run_cli("snapshot", "--db", str(big_db), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert re.search(r"5,000 event\(s\) drawn as \d+ clusters to .*many\.svg "
                     r"\(matplotlib\)", done.stderr), done.stderr
    assert "shown as" in svg_texts(out.read_bytes())


@needs_chromium
def test_chromium_paints_the_clusters_and_its_legend_says_so(big):
    from webapp.snapshot.browser import ChromiumRenderer

    spec = make_spec(make_filters(), 900, 600)
    marks = marks_for(big, spec)
    renderer = ChromiumRenderer()
    try:
        png, name = render_snapshot(marks, spec, "png", browser=renderer)
        legend = renderer.page_evaluate(
            "document.querySelector('.briefing-legend').textContent")
        zoom = renderer.page_evaluate("Object.values(window).find("
                                      "v => v instanceof L.Map).getZoom()")
    finally:
        renderer.close()
    assert name == "chromium"
    assert f"{PLACED:,} events shown as {len(marks.clusters)} clusters" in legend
    assert "Battles1,500" in legend and "Explosions/Remote violence2,500" in legend
    assert f"{UNPLACED} event(s) without a usable place." in legend
    assert zoom == marks.zoom   # the map shows the zoom the clusters' grid was made for
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    left = pixels[:, : pixels.shape[1] * 55 // 100]
    for colour in (BATTLES, EXPLOSIONS, PROTESTS):   # the pies' slices
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        near = (np.abs(left - rgb).max(axis=2) <= 30).sum()
        assert near > 20, colour


# -- export --format html -----------------------------------------------------------

def clusters_payload(text: str) -> dict:
    found = re.search(r"BriefingClusters\.clusters\(\s*map_\w+,\s*", text)
    assert found, "no clusters in the page"
    return json.JSONDecoder().raw_decode(text, found.end())[0]


@pytest.fixture(scope="module")
def exported(big_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "many.html"
    done = run_cli("export", "--db", str(big_db), "--format", "html", "-o", str(out))
    assert done.returncode == 0, done.stderr
    # export selects running totals unless --exclude-flagged: they are counted
    assert f"{PLACED + UNPLACED + TOTALS} event(s) written" in done.stderr
    return out


def test_the_export_of_many_events_holds_clusters_not_rows(exported):
    text = exported.read_text(encoding="utf-8")
    assert "BriefingMap.events(" not in text
    assert "strike-17" not in text and "armed clash-3" not in text   # no event's row
    payload = clusters_payload(text)
    assert payload["names"] and len(payload["colours"]) == len(payload["names"])
    zooms = {int(z): rows for z, rows in payload["zooms"].items()}
    assert min(zooms) == 2 and max(zooms) >= 9
    for zoom, rows in zooms.items():   # every placed event in some cluster, at each zoom
        assert sum(row[2] for row in rows) == PLACED, zoom
        for row in rows:
            assert sum(row[4::2]) == row[2]
    assert len(text.encode("utf-8")) < 4_000_000
    # exact totals and the note, in the legend and the caption
    assert "events shown as clusters" in text and "exact counts per type below" in text
    assert "5,018 events" in re.search(r'class="export-caption">([^<]*)<', text).group(1)
    assert "7 running total(s) or recalled past event(s) not drawn." in text
    for n in ("1,500", "2,500", "1,000"):
        assert n in text


def test_a_small_selection_is_still_exported_event_by_event(big_db, tmp_path):
    out = tmp_path / "few.html"
    done = run_cli("export", "--db", str(big_db), "--format", "html", "--type", "Protests",
                   "--since", "2024-10-20", "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "BriefingMap.events(" in text and "BriefingClusters" not in text


@needs_chromium
def test_the_exported_clusters_work_from_disk_and_zoom_in_on_click(exported, browser):
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    outside, errors = [], []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("file:", "data:")) else (outside.append(route.request.url), route.abort()))
    page = context.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        page.goto(exported.as_uri(), wait_until="load")
        wait_until(page, "document.querySelectorAll('.briefing-cluster').length > 0")
        drawn = page.evaluate("""() => briefingMap.layer.getLayers().length""")
        assert 0 < drawn < 300
        before = page.evaluate("briefingMap.map.getZoom()")
        assert "events shown as clusters" in page.locator(".briefing-legend").inner_text()
        # a real click at the centre of a cluster no other one covers
        x, y = page.evaluate("""() => {
            for (const icon of document.querySelectorAll('.briefing-cluster')) {
                const box = icon.getBoundingClientRect();
                const x = box.x + box.width / 2, y = box.y + box.height / 2;
                if (icon.contains(document.elementFromPoint(x, y))) { return [x, y]; }
            }
        }""")
        page.mouse.click(x, y)
        wait_until(page, f"briefingMap.map.getZoom() > {before}")
        assert outside == [] and errors == []
    finally:
        context.close()


def test_a_box_selection_counts_only_what_is_inside_it(big):
    # Gaza and the south of the Lebanese cluster: the box's edges cut through it
    box = (34.3, 31.0, 35.25, 33.35)
    inside = big.count(make_filters(bbox=box))
    assert inside > MAX_SINGLE_MARKS
    for width, height in ((900, 600), (300, 200)):
        marks = marks_for(big, make_spec(make_filters(bbox=box), width, height))
        assert marks.clustered
        assert marks.placed == sum(c.count for c in marks.clusters) == inside
        assert marks.by_type == big.counts(make_filters(bbox=box), by="event_type")


def test_exact_clusters_cut_the_cells_at_the_boxs_edge(big):
    from webapp.snapshot.boxed import exact_clusters

    box = make_filters(bbox=(34.40, 31.42, 34.50, 31.56))
    whole = big.clusters(box, 9)
    cut = exact_clusters(big, box, 9)
    assert sum(c.count for c in whole) > sum(c.count for c in cut) == big.count(box)
    for c in cut:
        assert 34.40 <= c.longitude <= 34.50 and 31.42 <= c.latitude <= 31.56
