"""How long a snapshot takes, by renderer and number of events, and how big the
standalone HTML export is.

For each size, synthetic events over the Levant (bench/web.py's) go into a fresh SQLite
store; then ``GET /snapshot.png?width=1200&height=800`` is asked through Flask's test
client of a fresh application, so the time covers everything a user waits for: reading
the store, building the page, drawing and encoding the PNG.
  cold  the first request of the application (Chromium is started by it);
  warm  best of 3 later requests (the browser kept warm, as the server keeps it).
Both renderers: headless Chromium (Debian's /usr/bin/chromium) and matplotlib
(SNAPSHOT_BROWSER="none"). Targets: a warm PNG in <= 1.5 s for 1,000 events and
<= 5 s for 100,000.
Export: ``python -m webapp export --format html`` of 1,000 events (target <= 2 MB).

    .venv/bin/python bench/snapshot.py [--sizes 100,1000,100000] [--no-browser]
"""

from __future__ import annotations

import argparse
import logging
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from web import synthetic_events  # noqa: E402

from webapp.regions import Regions  # noqa: E402
from webapp.snapshot.browser import chromium_available  # noqa: E402
from webapp.store import SQLiteStore  # noqa: E402
from webapp.web import create_app  # noqa: E402

URL = "/snapshot.png?width=1200&height=800"


def fill_store(path: Path, n: int, regions: Regions) -> None:
    with SQLiteStore(path) as store:
        store.add_events(synthetic_events(n, regions))


def time_snapshots(db: Path, browser: str, runs: int = 3) -> dict:
    app = create_app({"DB": str(db), "SNAPSHOT_BROWSER": browser})
    client = app.test_client()
    try:
        start = time.perf_counter()
        first = client.get(URL)
        cold = time.perf_counter() - start
        assert first.status_code == 200, first.get_data()[:300]
        renderer = first.headers["X-Snapshot-Renderer"]
        warm = []
        for _ in range(runs):
            start = time.perf_counter()
            answer = client.get(URL)
            warm.append(time.perf_counter() - start)
            assert answer.status_code == 200
        return {"renderer": renderer, "cold": cold, "warm": min(warm),
                "png": len(answer.get_data())}
    finally:
        app.extensions["briefing"].close()


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
    parser.add_argument("--sizes", default="100,1000,100000")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sizes = [int(s) for s in args.sizes.split(",")]
    browsers = ["none"] + ([] if args.no_browser or not chromium_available() else ["auto"])
    regions = Regions.load()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}; PNG 1200x800")
    print("| events | renderer | cold | warm (best of 3) | PNG bytes |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            db = Path(tmp) / f"events-{n}.sqlite"
            fill_store(db, n, regions)
            for browser in browsers:
                row = time_snapshots(db, browser)
                print(f"| {n:,} | {row['renderer']} | {row['cold']:.2f} s | "
                      f"{row['warm']:.2f} s | {row['png']:,} |", flush=True)
            if n == 1000:
                size, took = export_size(db)
                print(f"export --format html, 1,000 events: {size / 1e6:.2f} MB "
                      f"({size:,} bytes) in {took:.1f} s", flush=True)


if __name__ == "__main__":
    main()
