"""GET /snapshot.png drawn by the server's warm headless Chromium (Debian's
/usr/bin/chromium through Playwright), and its fallbacks.

A fixed set of events in Gaza, Israel and Lebanon is stored in a real SQLite file; the
pictures are decoded and their pixels counted: a type's colour shows where its markers
are, and vanishes from the map when a filter leaves that type out.
"""

from __future__ import annotations

import io
import re
from datetime import date

import numpy as np
import pytest

from browsing import needs_chromium

from webapp.models import Event

Image = pytest.importorskip("PIL.Image")
HOSTILE = "</script><script>window.__pwned = 1</script><img src=x onerror=alert(1)>"

BATTLES = "#c0392b"          # the vocabulary's colours (webapp/event_vocabulary.json)
EXPLOSIONS = "#e67e22"
PROTESTS = "#2e86c1"


def _events() -> list[Event]:
    places = [("Rafah", 31.2969, 34.2455, "PS"), ("Khan Yunis", 31.3402, 34.3063, "PS"),
              ("Gaza City", 31.5017, 34.4668, "PS"), ("Metula", 33.2799, 35.5797, "IL"),
              ("Kfar Kila", 33.2854, 35.5577, "LB"), ("Tyre", 33.2705, 35.2038, "LB")]
    kinds = [("Battles", "Armed clash", "armed clash"),
             ("Explosions/Remote violence", "Air/drone strike", "strike"),
             ("Protests", "Peaceful protest", "protest")]
    made = []
    for i in range(36):
        place, lat, lon, code = places[i % len(places)]
        etype, sub, category = kinds[i % len(kinds)]
        made.append(Event(
            event_id=f"fixed-{i}", event_date=date(2024, 5, 1 + i % 3), time_precision=1,
            event_type=etype, sub_event_type=sub, category=category,
            actor1="Military Forces of Israel", fatalities=i % 4, location=place,
            latitude=lat + (i // 6) * 0.01, longitude=lon + (i // 6) * 0.012,
            geo_precision=1, country_code=code,
            notes=f"Event {i} near {place}. {HOSTILE if i == 0 else ''}",
            source="Fixed wire report" if i else f"Wire {HOSTILE}"))
    return made


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from webapp.store import SQLiteStore

    path = tmp_path_factory.mktemp("snapshots") / "events.sqlite"
    with SQLiteStore(path) as store:
        store.add_events(_events())
    return path


@pytest.fixture(scope="module")
def app(db):
    from webapp.web import create_app

    app = create_app({"DB": str(db), "TESTING": True})
    yield app
    app.extensions["briefing"].close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def _near(pixels: np.ndarray, colour: str, tolerance: int = 18) -> int:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels - rgb).max(axis=2) <= tolerance).sum())


def _map_area(pixels: np.ndarray) -> np.ndarray:
    """The picture's left part, clear of the legend (on the right, up to 230 px wide)."""
    return pixels[:, : pixels.shape[1] * 55 // 100]


@needs_chromium
def test_snapshot_is_a_png_of_the_asked_size_drawn_by_chromium(client):
    answer = client.get("/snapshot.png?width=900&height=600")
    assert answer.status_code == 200
    assert answer.mimetype == "image/png"
    assert answer.headers["X-Snapshot-Renderer"] == "chromium"
    assert "no-store" in answer.headers["Cache-Control"]
    pixels = _pixels(answer.get_data())
    assert pixels.shape == (600, 900, 3)
    # not blank: sea, land, borders, markers, legend and text
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200
    for colour in (BATTLES, EXPLOSIONS, PROTESTS):
        assert _near(_map_area(pixels), colour) > 30, colour


@needs_chromium
def test_a_type_filter_takes_the_other_types_markers_off_the_picture(client):
    everything = _map_area(_pixels(client.get("/snapshot.png?width=900&height=600")
                                   .get_data()))
    protests = _map_area(_pixels(client.get("/snapshot.png?width=900&height=600"
                                            "&type=Protests").get_data()))
    assert _near(protests, PROTESTS) > 30
    assert _near(protests, BATTLES) < _near(everything, BATTLES) / 4
    assert _near(protests, EXPLOSIONS) < _near(everything, EXPLOSIONS) / 4


@needs_chromium
def test_one_browser_is_kept_warm_and_reused(app, client):
    for _ in range(3):
        assert client.get("/snapshot.png?width=400&height=300").status_code == 200
    assert app.extensions["briefing"].snapshot_browser.launches == 1


@needs_chromium
@pytest.mark.parametrize("mid_render", [False, True])
def test_a_crashed_browser_is_restarted_and_the_request_answered(app, client, mid_render):
    browser = app.extensions["briefing"].snapshot_browser
    client.get("/snapshot.png?width=400&height=300")
    before = browser.launches
    browser.crash_for_test(mid_render=mid_render)
    answer = client.get("/snapshot.png?width=400&height=300")
    assert answer.status_code == 200
    assert answer.headers["X-Snapshot-Renderer"] == "chromium"
    assert _pixels(answer.get_data()).shape == (300, 400, 3)
    assert browser.launches == before + 1


@needs_chromium
def test_pictures_asked_for_at_once_are_all_drawn_by_the_one_browser(app):
    """waitress answers requests from several threads; the warm browser takes them in
    turn, and each gets its own picture (not another request's)."""
    import threading
    import urllib.request

    from browsing import serving

    sizes = [(400, 300), (500, 300), (600, 400), (700, 500)]
    got, errors = {}, []

    def fetch(base, width, height):
        try:
            with urllib.request.urlopen(f"{base}/snapshot.png?width={width}"
                                        f"&height={height}", timeout=120) as answer:
                got[(width, height)] = (answer.headers["X-Snapshot-Renderer"],
                                        _pixels(answer.read()).shape)
        except Exception as err:   # collected: a thread's exception fails nothing
            errors.append(err)

    before = app.extensions["briefing"].snapshot_browser.launches
    with serving(app) as base:
        threads = [threading.Thread(target=fetch, args=(base, w, h)) for w, h in sizes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert got == {(w, h): ("chromium", (h, w, 3)) for w, h in sizes}
    assert app.extensions["briefing"].snapshot_browser.launches == max(before, 1)


@needs_chromium
def test_an_empty_selection_is_a_picture_saying_so(app, client):
    from webapp.snapshot.caption import NO_EVENTS_TEXT

    answer = client.get("/snapshot.png?since=2030-01-01&width=600&height=400")
    assert answer.status_code == 200
    assert _pixels(answer.get_data()).shape == (400, 600, 3)
    # the page the browser photographed showed the message
    shown = app.extensions["briefing"].snapshot_browser.page_evaluate(
        "document.querySelector('.briefing-message').textContent")
    assert shown == NO_EVENTS_TEXT


def test_the_snapshot_page_says_no_events_match_and_escapes_report_text(db):
    from webapp.snapshot.caption import NO_EVENTS_TEXT
    from webapp.snapshot.page import snapshot_html
    from webapp.snapshot.spec import make_spec
    from webapp.store.base import make_filters

    spec = make_spec(make_filters(), 800, 500, title=f"Title {HOSTILE}")
    html = snapshot_html(_events(), spec)
    # a picture's legend names the types on it, not the whole vocabulary
    assert "Battles" in html and "Protests" in html and "Riots" not in html
    assert "<script>window.__pwned" not in html
    assert "<img src=x" not in html
    empty = snapshot_html([], make_spec(make_filters(since="2030-01-01"), 800, 500))
    assert NO_EVENTS_TEXT in empty
    assert "since 1 January 2030" in empty


@needs_chromium
def test_hostile_text_does_not_run_in_the_browser(db):
    from webapp.snapshot.browser import ChromiumRenderer
    from webapp.snapshot.page import snapshot_html
    from webapp.snapshot.spec import make_spec
    from webapp.store.base import make_filters

    renderer = ChromiumRenderer()
    try:
        spec = make_spec(make_filters(), 600, 400, title=f"Title {HOSTILE}")
        html = snapshot_html(_events(), spec, static_url="http://snapshot.invalid/static")
        html = html.replace("</body>", '<img src="https://example.com/beacon.png"></body>')
        assert len(renderer.render_png(html, 600, 400)) > 1000
        assert not renderer.page_evaluate("window.__pwned === 1")
        assert renderer.refused == ["https://example.com/beacon.png"]
    finally:
        renderer.close()


def test_without_a_browser_matplotlib_draws_it_and_says_so(db):
    from webapp.web import create_app

    for setting in ("none", "/nonexistent/chromium"):
        app = create_app({"DB": str(db), "SNAPSHOT_BROWSER": setting})
        answer = app.test_client().get("/snapshot.png?width=600&height=400")
        assert answer.status_code == 200
        assert answer.headers["X-Snapshot-Renderer"] == "matplotlib"
        assert _pixels(answer.get_data()).shape == (400, 600, 3)


def test_a_view_frames_the_picture_without_leaving_events_out(db):
    from webapp.snapshot.page import snapshot_html
    from webapp.snapshot.spec import make_spec
    from webapp.store.base import make_filters

    framed = snapshot_html(_events(), make_spec(make_filters(), 800, 500,
                                                view="34.2,31.2,34.6,31.6"))
    assert "[[31.2, 34.2], [31.6, 34.6]]" in framed             # the frame asked for
    assert framed.count('"rows":[[') == 1
    assert len(re.search(r'"rows":(\[\[.*?\]\])', framed).group(1).split("],[")) == 36
    assert "within" not in re.search(r"<title>(.*?)</title>", framed).group(1)


@needs_chromium
def test_a_view_frames_the_picture_and_selects_nothing(client):
    # Cyprus: no event there, so no marker in the frame, but the legend still counts all
    cyprus = _pixels(client.get("/snapshot.png?width=600&height=400"
                                "&view=32.2,34.5,34.6,35.7").get_data())
    assert _near(_map_area(cyprus), EXPLOSIONS) < 5
    assert _near(_map_area(cyprus), BATTLES) < 5
    assert _near(cyprus, EXPLOSIONS) > 10          # the legend's dot, right of the map


@pytest.mark.parametrize("query, words", [
    ("view=1,2,3", "view"),
    ("view=0,10,5,-10", "view"),
    ("width=5000", "width"),
    ("height=12", "height"),
    ("width=abc", "width"),
    ("colour=red", "unknown parameter"),
    ("since=2024-13-01", "since"),
    ("type=Nonsense", "unknown type"),
    ("bbox=1,2,3", "bbox"),
])
def test_bad_parameters_get_a_clear_400(query, words, db):
    from webapp.web import create_app

    app = create_app({"DB": str(db), "SNAPSHOT_BROWSER": "none"})
    answer = app.test_client().get(f"/snapshot.png?{query}")
    assert answer.status_code == 400
    assert words in answer.get_data(as_text=True)
    assert "Traceback" not in answer.get_data(as_text=True)


@needs_chromium
def test_the_cli_draws_png_with_chromium_and_svg_with_matplotlib(db, tmp_path):
    from conftest import run_cli

    png = tmp_path / "brief.png"
    done = run_cli("snapshot", "--db", str(db), "--type", "Battles", "--width", "640",
                   "--height", "480", "-o", str(png))
    assert done.returncode == 0, done.stderr
    assert "12 event(s) drawn" in done.stderr and "(chromium)" in done.stderr
    assert _pixels(png.read_bytes()).shape == (480, 640, 3)
    svg = tmp_path / "brief.svg"
    done = run_cli("snapshot", "--db", str(db), "-o", str(svg))
    assert done.returncode == 0 and "(matplotlib)" in done.stderr
    done = run_cli("snapshot", "--db", str(db), "--renderer", "chromium", "-o", str(svg))
    assert done.returncode == 2 and "PNG only" in done.stderr
