"""How long an event takes from the store to the "N new events" notice of an open map.

A fresh SQLite store is filled with synthetic events (bench/snapshot.py's mix, bulk
``add_rows``), and ``python -m webapp serve`` runs on it in a process of its own. Debian's
Chromium opens the map page. Then, run after run, this process stores one article with
one event through the store, as ``python -m webapp watch`` stores what a feed brought,
and times how long until the page shows the notice (it asks ``/api/changes`` every 5 s:
the wait is the poll's phase plus one answer). Before each run the notice is cleared
(its button clicked) and a random pause puts the store's write at another point of the
page's 5 s cycle.

Also timed, with the server under no other load: ``/api/changes`` answered 200 (the
count after one new event) and 304 (If-None-Match, nothing stored since), median of 50;
and the worst question, marker 0 with a text no event holds (the newest 100,000 rows
read and compared), median of 10.

Target: a new event on open maps <= 10 s after it was stored.

    .venv/bin/python bench/live_updates.py [-n 100000] [--runs 6]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from snapshot import fill_store  # noqa: E402  (bench/snapshot.py's synthetic events)

from webapp.models import Article, Event  # noqa: E402
from webapp.store import open_store  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run", "--disable-sync"]


def serve(db: Path):
    """``python -m webapp serve`` on ``db``: (process, base URL)."""
    env = {**os.environ, "BRIEFING_SNAPSHOT_BROWSER": "none",
           "BRIEFING_INSTANCE_PATH": str(ROOT / "instance")}
    process = subprocess.Popen([sys.executable, "-m", "webapp", "serve", "--db", str(db),
                                "--port", "0", "--threads", "4"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    match = re.search(r"(http://127\.0\.0\.1:\d+)/", process.stdout.readline())
    if not match:
        process.terminate()
        raise SystemExit("serve printed no address")
    base = match.group(1)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/api/changes?marker=0", timeout=10).close()
            return process, base
        except OSError:
            if time.monotonic() > deadline:
                process.terminate()
                raise
            time.sleep(0.2)


def store_one(db: Path, number: int) -> float:
    """Store one article with one event in Gaza; the moment it was committed."""
    event = Event(event_id=f"bench-live-{number}-{random.getrandbits(32):08x}",
                  event_date=date.today(), time_precision=1,
                  event_type="Explosions/Remote violence", sub_event_type="Air/drone strike",
                  category="strike", latitude=31.5 + random.uniform(-0.05, 0.05),
                  longitude=34.46 + random.uniform(-0.05, 0.05), country_code="PS",
                  geo_precision=1, location="Gaza City", notes=f"Strike {number}.")
    article = Article(title=f"Strike {number}", text=f"Strike {number} in Gaza City.",
                      published=date.today())
    with open_store(db) as store:
        store.add_article(article, [event])
    return time.monotonic()


def notice_shown(page) -> bool:
    return page.evaluate("!document.querySelector('.briefing-updates').hidden")


def time_notices(base: str, db: Path, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    waits = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.goto(base + "/", wait_until="load")
        while not page.evaluate("window.briefingMap && briefingMap.layer.total !== null"):
            time.sleep(0.05)
        for number in range(runs):
            page.wait_for_timeout(random.uniform(0, 5000))
            stored = store_one(db, number)
            while not notice_shown(page):
                if time.monotonic() - stored > 60:
                    raise SystemExit("no notice within 60 s")
                page.wait_for_timeout(20)
            waits.append(time.monotonic() - stored)
            print(f"  run {number + 1}: notice {waits[-1]:.2f} s after the store's commit",
                  flush=True)
            page.click(".briefing-updates button")
            while notice_shown(page):
                page.wait_for_timeout(20)
        browser.close()
    return waits


def time_changes(base: str, db: Path, times: int = 50) -> tuple[float, float, float]:
    """Median ms of a 200 with a count (one event new), of a 304, and of the worst
    question: marker 0 with a text that no event holds (every row of the window read
    and compared), over one kept-alive connection, as a browser asks."""
    import http.client
    from urllib.parse import urlsplit

    with open_store(db) as store:
        latest = store.latest_marker()
    path = f"/api/changes?marker={latest - 1}"
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)

    def ask(headers, asked=path) -> tuple[float, int, str]:
        start = time.perf_counter()
        connection.request("GET", asked, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return time.perf_counter() - start, answer.status, answer.getheader("ETag")

    full = [ask({}) for _ in range(times)]
    tag = full[-1][2]
    same = [ask({"If-None-Match": tag}) for _ in range(times)]
    worst = [ask({}, "/api/changes?marker=0&q=no-event-says-this") for _ in range(10)]
    connection.close()
    if {status for _, status, _ in full} != {200} or {s for _, s, _ in same} != {304}:
        raise SystemExit("expected 200 without the ETag and 304 with it")
    return (statistics.median(t for t, _, _ in full) * 1000,
            statistics.median(t for t, _, _ in same) * 1000,
            statistics.median(t for t, _, _ in worst) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="events in the store")
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "events.sqlite"
        print(f"filling a store with {args.n:,} events ...", flush=True)
        print(f"  {fill_store(db, args.n):.1f} s", flush=True)
        process, base = serve(db)
        try:
            waits = time_notices(base, db, args.runs)
            counted, unchanged, worst = time_changes(base, db)
        finally:
            process.terminate()
            process.wait(timeout=20)
    print(f"\nstored -> notice on an open page ({args.runs} runs, {args.n:,} events): "
          f"median {statistics.median(waits):.2f} s, max {max(waits):.2f} s "
          f"(target <= 10 s)")
    print(f"/api/changes: 200 with a count {counted:.1f} ms, 304 {unchanged:.1f} ms "
          f"(median of 50); marker 0 and a text no event holds {worst:.1f} ms (median "
          f"of 10)")


if __name__ == "__main__":
    main()
