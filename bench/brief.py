"""How long a brief takes, by format and number of events.

For each size N, 2N synthetic events go into a fresh SQLite store (bulk ``add_rows``),
dated over 2024: the events of bench/snapshot.py (three quarters around eight hot spots of
the Levant, Iraq and Yemen, a quarter spread over 12-42N, 25-63E), each given the
admin-1 area of its hot spot (or of its 2-degree square when spread), so the brief has
regions to count and compare. The brief is of the second half of 2024 (about N
events) compared with the first half: ``webapp.brief.make_brief`` in one process, as
the map server makes it (a warm Chromium prints the PDF).
  cold  the process's first brief of that size and format (loading the land layers;
        for the first PDF, starting Chromium);
  warm  best of 3 later ones (cpu: this process's CPU seconds of the best, Chromium's
        printing not included: on a shared machine the wall time is several times it);
  gather / maps  of the warm time: asking the store (content.gather) and drawing the
        maps (pictures.draw_pictures), best of 3.
With --cold, the command line instead: ``python -m webapp brief ... -o FILE`` run afresh
for each format (interpreter start, imports, the land layers and, for a PDF, Chromium
included), best of --runs, with its CPU seconds (its own and its children's, Chromium's
too) beside the wall time.
Targets (issue 13): <= 1,000 events: PDF <= 3 s, DOCX and HTML <= 2 s; 100,000 events
<= 10 s.

    .venv/bin/python bench/brief.py [-n 1000,100000] [--keep DIR] [--cold [--runs 3]]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webapp.brief import make_brief  # noqa: E402
from webapp.brief.content import gather  # noqa: E402
from webapp.brief.pictures import draw_pictures  # noqa: E402
from webapp.snapshot.browser import ChromiumRenderer, chromium_available  # noqa: E402
from webapp.store import open_store  # noqa: E402
from webapp.store.base import make_filters  # noqa: E402
from snapshot import HOT_SPOTS, synthetic_rows  # noqa: E402

FORMATS = ("html", "docx", "md", "pdf")
SPOT_AREAS = [("Gaza Strip", "PS"), ("Gaza Strip", "PS"), ("South Lebanon", "LB"),
              ("Damascus", "SY"), ("Aleppo", "SY"), ("Baghdad", "IQ"), ("Amanat al Asimah", "YE"),
              ("West Bank", "PS")]
HALF = {"since": "2024-07-01", "until": "2024-12-31"}   # 184 days; before: 184 days


def rows_with_areas(n: int):
    """bench/snapshot.py's rows, each with an admin-1 area and country."""
    for row in synthetic_rows(n):
        row = list(row)
        spot = int(row[10].split()[1])   # "place K": K-th hot spot, or the spread
        lat, lon = row[11], row[12]
        if spot < len(HOT_SPOTS):
            row[15], row[14] = SPOT_AREAS[spot]
        else:
            row[15] = f"Square {int(lat // 2) * 2}N {int(lon // 2) * 2}E"
        yield tuple(row)


def fill_store(path: Path, n: int) -> float:
    start = time.perf_counter()
    with open_store(path) as store:
        store.add_rows(rows_with_areas(n))
    return time.perf_counter() - start


def time_formats(db: Path, browser, runs: int = 3) -> list[dict]:
    filters = make_filters(**HALF)
    found = []
    with open_store(db) as store:
        for fmt in FORMATS:
            if fmt == "pdf" and browser is None:
                continue
            times, cpu, size = [], [], 0
            for _ in range(runs + 1):
                start, start_cpu = time.perf_counter(), time.process_time()
                made = make_brief(store, filters, fmt, compare=True, browser=browser)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                size = sum(len(body) for _, body in made.files)
            found.append({"format": fmt, "cold": times[0], "warm": min(times[1:]),
                          "cpu": min(cpu[1:]),
                          "bytes": size, "events": made.brief.events,
                          "maps": 1 + len(made.brief.hot_spots)})
        gathered, drawn = [], []
        for _ in range(runs):
            start = time.perf_counter()
            brief = gather(store, filters, compare=True)
            gathered.append(time.perf_counter() - start)
            start = time.perf_counter()
            draw_pictures(store, brief)
            drawn.append(time.perf_counter() - start)
    for row in found:
        row.update(gather=min(gathered), maps_time=min(drawn))
    return found


def time_command(db: Path, folder: Path, runs: int) -> list[dict]:
    """Each format's brief by the command line, a fresh process each time."""
    found = []
    for fmt in FORMATS:
        if fmt == "pdf" and not chromium_available():
            continue
        target = folder / f"cold-brief.{fmt}"
        walls, cpus = [], []
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "webapp", "brief", "--db", str(db),
                            "--since", HALF["since"], "--until", HALF["until"],
                            "--compare-to", "previous", "-o", str(target)],
                           cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        found.append({"format": fmt, "wall": min(walls), "cpu": min(cpus),
                      "bytes": target.stat().st_size})
    return found


def main_cold(args, folder: Path) -> None:
    print("| events (store) | format | command wall | command cpu | bytes |")
    print("|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        db = folder / f"brief-{2 * n}.sqlite"
        if not db.exists():
            took = fill_store(db, 2 * n)
            print(f"# store of {2 * n:,} events filled in {took:.1f} s", flush=True)
        for row in time_command(db, folder, args.runs):
            print(f"| {2 * n:,} | {row['format']} | {row['wall']:.2f} s | {row['cpu']:.2f} s "
                  f"| {row['bytes'] / 1e3:,.0f} kB |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--sizes", default="1000,100000")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the stores in DIR (reused when there)")
    parser.add_argument("--cold", action="store_true",
                        help="time the command line, a fresh process per brief")
    parser.add_argument("--runs", type=int, default=3,
                        help="with --cold: runs per format, the best kept")
    args = parser.parse_args()
    print(f"# {platform.machine()}, CPython {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load average {os.getloadavg()[0]:.1f}")
    if args.cold:
        with tempfile.TemporaryDirectory() as tmp:
            folder = args.keep or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            main_cold(args, folder)
        return
    browser = ChromiumRenderer() if chromium_available() else None
    print("| events (store) | in brief | format | maps | cold | warm | warm cpu "
          "| of which gather | of which maps | bytes |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = args.keep or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            for n in (int(s) for s in args.sizes.split(",")):
                db = folder / f"brief-{2 * n}.sqlite"
                if not db.exists():
                    took = fill_store(db, 2 * n)
                    print(f"# store of {2 * n:,} events filled in {took:.1f} s", flush=True)
                for row in time_formats(db, browser):
                    print(f"| {2 * n:,} | {row['events']:,} | {row['format']} | {row['maps']} "
                          f"| {row['cold']:.2f} s | {row['warm']:.2f} s | {row['cpu']:.2f} s "
                          f"| {row['gather']:.2f} s | {row['maps_time']:.2f} s "
                          f"| {row['bytes'] / 1e3:,.0f} kB |", flush=True)
    finally:
        if browser is not None:
            browser.close()


if __name__ == "__main__":
    main()
