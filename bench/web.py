"""How heavy and how fast the map server's pages are, from the server to a drawn map.

For each store size (synthetic events scattered over the Levant, placed in their regions
the way real events are), this times:
  server   GET / through Flask's test client (no network), best of 3 after one warm-up;
           the first request's time is shown too (regions and land loaded, caches cold);
  weight   the map page's HTML, and that plus the scripts, stylesheets and land file it
           loads (the events are not in it: the map asks /api/clusters for each view);
  drawn    Debian's Chromium (/usr/bin/chromium, through Playwright) against waitress in a
           thread: from the start of navigation until the map has drawn the marks of its
           first view and the next frame is painted, best of 3 (performance.now());
  filter   GET /api/events?type=strike&since=... (what a filter change asks), best of 3.
Targets for 1,000 events: served in <= 300 ms, <= 1.5 MB, drawn in <= 1 s; a filter
change answered in <= 200 ms.

The page holds no event whatever the store holds; the side list holds the newest 100.

    .venv/bin/python bench/web.py [--sizes 0,1000,100000] [--no-browser]
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webapp.models import Event  # noqa: E402
from webapp.regions import Regions  # noqa: E402
from webapp.store import open_store  # noqa: E402
from webapp.web import create_app  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
LEVANT = (29.5, 34.2, 34.6, 36.6)   # south, west, north, east: Gaza to northern Lebanon
START = date(2024, 1, 1)
FILTER_SINCE = (START + timedelta(days=270)).isoformat()   # about the last quarter
# (event_type, sub_event_type, category): what the briefings mostly report
KINDS = [("Explosions/Remote violence", "Air/drone strike", "strike"),
         ("Explosions/Remote violence", "Shelling/artillery/missile attack", "strike"),
         ("Battles", "Armed clash", "armed clash"),
         ("Violence against civilians", "Attack", "attack on civilians"),
         ("Protests", "Peaceful protest", "protest"),
         ("Strategic developments", "Other", "statement"),
         ("Strategic developments", "Arrests", "arrests")]
PLACES = ["Gaza City", "Khan Yunis", "Rafah", "Deir al-Balah", "Jabalia", "Tyre", "Nabatieh",
          "Bint Jbeil", "Kfar Kila", "Metula", "Kiryat Shmona", "Jenin", "Nablus", "Tulkarm"]
SENTENCE = ("{place}: forces struck a building near the market on {day:%d %B}, killing {k} "
            "people and wounding several others, local health officials said; residents "
            "reported heavy fire through the night.")

# the page's map is ready: the marks of the first view came and are on screen
READY = """() => window.briefingMap && briefingMap.layer.total !== null
    && (briefingMap.layer.total === 0
        || document.querySelector('.leaflet-marker-icon') !== null)"""
PAINTED = "() => new Promise(done => requestAnimationFrame(() => done(performance.now())))"


def synthetic_events(n: int, regions: Regions, seed: int = 11) -> list[Event]:
    rng = random.Random(seed)
    south, west, north, east = LEVANT
    made = []
    for i in range(n):
        etype, sub, category = rng.choice(KINDS)
        day = START + timedelta(days=rng.randrange(365))
        place = rng.choice(PLACES)
        kill = rng.choice((0, 0, 0, 1, 2, 5))
        made.append(Event(
            event_id=f"syn-{i}", event_date=day, time_precision=1, event_type=etype,
            sub_event_type=sub, category=category, actor1="Military Forces of Israel",
            fatalities=kill, location=place, latitude=round(rng.uniform(south, north), 5),
            longitude=round(rng.uniform(west, east), 5), geo_precision=1,
            notes=SENTENCE.format(place=place, day=day, k=kill),
            source=f"https://news.example.org/report/{i}"))
    return regions.assign(made)


def best(times: list[float]) -> float:
    return min(times)


def timed(fn, runs: int = 3) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def server_side(app) -> dict:
    client = app.test_client()
    start = time.perf_counter()
    first = client.get("/")
    cold = time.perf_counter() - start
    assert first.status_code == 200, first.status_code
    html = first.get_data()
    page = timed(lambda: client.get("/").get_data())
    loaded = set(re.findall(rb'(?:src|href)="(/static/[^"]+)"', html))
    loaded |= set(re.findall(rb'"(/static/land\.geojson\?v=[0-9a-f]+)"', html))
    assets = sum(len(client.get(url.decode()).get_data()) for url in loaded)
    url = f"/api/events?type=strike&since={FILTER_SINCE}"
    answer = client.get(url)
    assert answer.status_code == 200, answer.status_code
    api = timed(lambda: client.get(url).get_data())
    gzipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    compressed = timed(lambda: client.get("/", headers={"Accept-Encoding": "gzip"}).get_data())
    return {"cold": cold, "server": best(page), "html": len(html),
            "sent": len(gzipped.get_data()), "server_gzip": best(compressed),
            "with_assets": len(html) + assets, "filter": best(api),
            "filter_bytes": len(answer.get_data()),
            "filter_events": len(answer.get_json()["features"])}


def browser_side(app, chromium) -> tuple[list[float], int]:
    """Seconds from navigation start to the first view drawn, one per run, and the
    number of events its marks count."""
    from waitress import create_server

    # four pages in quick succession queue a few requests: not worth a warning each
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    httpd = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.effective_port}/"
    try:
        runs = []
        for _ in range(4):   # the first warms the server's caches and the browser's
            context = chromium.new_context(viewport={"width": 1280, "height": 800})
            # anything that would leave this machine is cut off, as in the tests
            context.route("**/*", lambda r: r.continue_()
                          if r.request.url.startswith(url) else r.abort())
            page = context.new_page()
            page.goto(url, wait_until="commit", timeout=120_000)
            page.wait_for_function(READY, polling="raf", timeout=120_000)
            runs.append(page.evaluate(PAINTED) / 1000)
            counted = page.evaluate("briefingMap.layer.total")
            context.close()
        return runs[1:], counted
    finally:
        httpd.close()
        httpd.task_dispatcher.shutdown()
        thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0,1000,100000")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    runs = [int(n) for n in args.sizes.split(",")]

    print(f"{platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, cores: {len(os.sched_getaffinity(0))}")
    regions = Regions.load()
    playwright = chromium = None
    if not args.no_browser and CHROMIUM.exists():
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"])
    rows = []
    try:
        for n in runs:
            with tempfile.TemporaryDirectory() as folder:
                db = Path(folder) / "events.sqlite"
                with open_store(db) as store:
                    store.add_events(synthetic_events(n, regions))
                app = create_app({"DB": str(db)}, instance_path=Path(folder) / "instance")
                result = server_side(app)
                result.update(n=n, drawn="-")
                if chromium is not None:
                    times, counted = browser_side(app, chromium)
                    result.update(draw=best(times), draw_median=statistics.median(times),
                                  drawn=counted)
                rows.append(result)
                print(f"{n:>6} events, {result['drawn']:>6} in the first view's marks: "
                      f"server {result['server']*1000:7.1f} ms "
                      f"(first {result['cold']*1000:.0f} ms), page {result['html']/1000:.1f} kB "
                      f"({result['with_assets']/2**20:.2f} MB with assets; sent gzipped "
                      f"{result['sent']/1000:.1f} kB in {result['server_gzip']*1000:.0f} ms), "
                      + (f"drawn {result['draw']*1000:.0f} ms "
                         f"(median {result['draw_median']*1000:.0f}), " if "draw" in result else "")
                      + f"filter {result['filter']*1000:.1f} ms "
                      f"({result['filter_events']} events, {result['filter_bytes']/1024:.0f} kB)",
                      flush=True)
    finally:
        if chromium is not None:
            chromium.close()
            playwright.stop()


if __name__ == "__main__":
    main()
