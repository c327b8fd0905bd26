"""How long a snapshot takes, by renderer and number of events, and how big the
standalone HTML export is.

For each size, synthetic events go into a fresh SQLite store (bulk ``add_rows``): three
quarters around hot spots (Gaza City, Khan Yunis, Tyre, Damascus, Aleppo, Baghdad,
Sana'a, the West Bank; Gaussian, 5-60 km wide), a quarter spread evenly from 12-42N,
25-63E, every type of the usual mix. Then ``GET /snapshot.png?width=1200&height=800``
(and the same framed by ``bbox``, the Levant) is asked through Flask's test client of
a fresh application, so the time covers everything a user waits for: asking the store
for the marks and totals, building the page, drawing and encoding the PNG.
  cold  the first request of the application (Chromium is started by it);
  warm  best of 3 later requests (the browser kept warm, as the server keeps it);
  marks of the warm time, asking the store (webapp.snapshot.marks_for).
Past 2,000 events in view the picture draws the store's clusters ("clusters" column).
Both renderers: headless Chromium (Debian's /usr/bin/chromium) and matplotlib
(SNAPSHOT_BROWSER="none"). Target: a snapshot <= 3 s at 1,000,000 events.
Export: ``python -m webapp export --format html`` of each size: bytes and time.

    .venv/bin/python bench/snapshot.py [-n 1000,100000,1000000] [--no-browser] \\
        [--keep DIR]   (stores kept in DIR and reused by later runs)
"""

from __future__ import annotations

import argparse
import logging
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webapp.snapshot import make_spec, marks_for  # noqa: E402
from webapp.snapshot.browser import chromium_available  # noqa: E402
from webapp.store import open_store  # noqa: E402
from webapp.store.base import make_filters  # noqa: E402
from webapp.web import create_app  # noqa: E402
from web import KINDS  # noqa: E402  (bench/web.py's mix of event kinds)

VIEWS = {"all": "", "Levant box": "&bbox=34,29,37,34"}
URL = "/snapshot.png?width=1200&height=800"
# (latitude, longitude, spread in degrees, country, weight)
HOT_SPOTS = [(31.50, 34.46, 0.08, "PS", 30), (31.30, 34.28, 0.06, "PS", 15),
             (33.27, 35.20, 0.15, "LB", 10), (33.51, 36.29, 0.3, "SY", 10),
             (36.20, 37.15, 0.3, "SY", 8), (33.31, 44.36, 0.4, "IQ", 8),
             (15.35, 44.20, 0.6, "YE", 7), (32.22, 35.25, 0.1, "PS", 6)]
SPREAD_WEIGHT = 20
NOTE = ("{place}: forces struck a building near the market on {day:%d %B}, killing {k} "
        "people and wounding several others, local officials said.")


def synthetic_rows(n: int, seed: int = 11):
    """Rows in the store's EVENT_COLUMNS order."""
    rng = random.Random(seed)
    weights = [spot[4] for spot in HOT_SPOTS] + [SPREAD_WEIGHT]
    start = date(2024, 1, 1)
    for i in range(n):
        k = rng.choices(range(len(weights)), weights)[0]
        if k < len(HOT_SPOTS):
            lat0, lon0, spread, country, _ = HOT_SPOTS[k]
            lat, lon = rng.gauss(lat0, spread), rng.gauss(lon0, spread)
        else:
            lat, lon, country = rng.uniform(12, 42), rng.uniform(25, 63), "SA"
        event_type, sub, category = KINDS[i % len(KINDS)]
        day = start + timedelta(days=rng.randrange(365))
        killed = (0, 0, 0, 1, 2, 5)[i % 6]
        yield (f"syn-{i}", None, day.isoformat(), 1, event_type, sub, category,
               "Military Forces", "", killed, f"place {k}", round(lat, 5), round(lon, 5),
               None, country, "", 1, NOTE.format(place=f"Place {k}", day=day, k=killed),
               f"https://news.example.org/report/{i % 5000}", None, None, 0, 0, None)


def fill_store(path: Path, n: int) -> float:
    start = time.perf_counter()
    with open_store(path) as store:
        store.add_rows(synthetic_rows(n))
    return time.perf_counter() - start


def time_snapshots(db: Path, browser: str, query: str, runs: int = 3) -> dict:
    app = create_app({"DB": str(db), "SNAPSHOT_BROWSER": browser,
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    try:
        start = time.perf_counter()
        first = client.get(URL + query)
        cold = time.perf_counter() - start
        assert first.status_code == 200, first.get_data()[:300]
        renderer = first.headers["X-Snapshot-Renderer"]
        warm = []
        for _ in range(runs):
            start = time.perf_counter()
            answer = client.get(URL + query)
            warm.append(time.perf_counter() - start)
            assert answer.status_code == 200
        return {"renderer": renderer, "cold": cold, "warm": min(warm),
                "png": len(answer.get_data())}
    finally:
        app.extensions["briefing"].close()


def time_marks(db: Path, query: str, runs: int = 3) -> tuple[float, str]:
    bbox = query.partition("bbox=")[2] or None
    spec = make_spec(make_filters(bbox=bbox.split(",") if bbox else None), 1200, 800)
    with open_store(db) as store:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            marks = marks_for(store, spec)
            times.append(time.perf_counter() - start)
    shown = (f"{len(marks.clusters):,} clusters" if marks.clustered
             else f"{len(marks.events):,} glyphs")
    return min(times), shown


def export_size(db: Path) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "map.html"
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "webapp", "export", "--db", str(db),
                               "--format", "html", "-o", str(out)], cwd=ROOT,
                              capture_output=True, text=True)
        took = time.perf_counter() - start
        if done.returncode:
            raise SystemExit(f"export failed: {done.stderr.strip()}")
        return out.stat().st_size, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--sizes", default="1000,100000,1000000",
                        help="store sizes, comma-separated")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the stores in this folder and reuse them")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    browsers = ["none"] + ([] if args.no_browser or not chromium_available() else ["auto"])
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}; PNG 1200x800")
    rows = ["| events | view | marks | renderer | cold | warm | of which marks | PNG |",
            "|---|---|---|---|---|---|---|---|"]
    print("\n".join(rows), flush=True)
    exports = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            db = folder / f"snapshot-bench-{n}.sqlite"
            if not db.exists():
                took = fill_store(db, n)
                print(f"(store of {n:,} events filled in {took:.1f} s)", flush=True)
            for label, query in VIEWS.items():
                marks, shown = time_marks(db, query)
                for browser in browsers:
                    row = time_snapshots(db, browser, query)
                    print(f"| {n:,} | {label} | {shown} | {row['renderer']} | "
                          f"{row['cold']:.2f} s | {row['warm']:.2f} s | {marks:.2f} s | "
                          f"{row['png'] / 1000:.0f} kB |", flush=True)
            size, took = export_size(db)
            exports.append(f"| {n:,} | {size / 1e6:.2f} MB | {took:.1f} s |")
    print("\n| events | export --format html | time (interpreter start included) |")
    print("|---|---|---|")
    print("\n".join(exports))


if __name__ == "__main__":
    main()
