"""A large store on the map: our viewport-driven page beside folium's FastMarkerCluster.

Generates N events in ACLED's CSV format over the Middle East's hot spots
(bench/scale_rows.py), imports them as `python -m webapp import FILE.csv` does (rows/s),
writes folium's FastMarkerCluster page for the same points, starts the real server
(`python -m webapp serve --db <temp file> --port 0`, rate limits off) and measures:
  page      bytes of `/` and of the FastMarkerCluster page (as sent, and gzipped);
  viewport  GET /api/clusters?bbox=..&zoom=Z for Z = 4, 8, 12, 16, over a 1280x800
            view centred on --requests places (half hot spots drawn by weight, half
            anywhere in the region): median/p95 answer time (localhost round trip on a
            kept-alive connection) and bytes;
  query     GET /api/events?bbox=..&since=..&type=..&limit=100 (a zoom-8 view around
            a hot spot, 90 days, one event type): median/p95;
  snapshot  GET /snapshot.png of the default view: the first, then the best of 2;
  drawn     Chromium (Debian's, through Playwright) from navigation start until the first
            marker or cluster is on screen and the next frame painted, best and median
            of 3 after a warm-up, for both pages; the marks on screen then;
  load      Debian's wrk, 2 threads and 8 connections for --seconds, cycling over every
            viewport URL above: requests/s and latency;
  memory    the server process's VmRSS after start and at the end, and its VmHWM (peak).
The store lives in a temporary folder, removed at the end. A Markdown table closes.

    .venv/bin/python bench/scale.py              # 100,000 events
    .venv/bin/python bench/scale.py -n 10000
    .venv/bin/python bench/scale.py -n 1000000 --no-browser
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_rows import import_file, write_rows  # noqa: E402
from load import start_server  # noqa: E402
from scale_pages import (CHROMIUM, Browser, fast_marker_cluster_page,  # noqa: E402
                         serve_folder)
from scale_rows import DAYS, FIRST_DAY, scale_rows  # noqa: E402
from scale_server import (WRK, Client, bbox_text, memory, run_wrk,  # noqa: E402
                          timed_requests, viewport)

ZOOMS = (4, 8, 12, 16)
REGION = (25.0, 12.0, 63.0, 42.0)     # west, south, east, north: "random places"
TYPES = ("Battles", "Explosions/Remote violence", "Violence against civilians",
         "Protests", "Riots", "Strategic developments")


def view_centres(points, count: int, rng: random.Random) -> list[tuple[float, float]]:
    hot = [tuple(rng.choice(points)) for _ in range(count - count // 2)]
    west, south, east, north = REGION
    anywhere = [(rng.uniform(south, north), rng.uniform(west, east))
                for _ in range(count // 2)]
    return hot + anywhere


def generate(n: int, csv_path: Path) -> list[list[float]]:
    """Write the CSV; the events' points, for folium's page."""
    points = []

    def keep(rows):
        for row in rows:
            points.append([row["latitude"], row["longitude"]])
            yield row
    write_rows(csv_path, keep(scale_rows(n)))
    return points


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 0.1 else f"{seconds * 1000:,.0f} ms"


def size(count: float) -> str:
    return f"{count / 1e6:,.2f} MB" if count >= 1e6 else f"{count / 1e3:,.1f} kB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="viewport requests a zoom")
    parser.add_argument("--seconds", type=int, default=10, help="wrk's duration")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    n, rng = args.rows, random.Random(5)
    results: dict = {"n": n, "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        points = generate(n, tmp / "acled.csv")
        print(f"generated {n:,} ACLED rows ({(tmp / 'acled.csv').stat().st_size / 1e6:.0f} "
              f"MB) in {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        assert import_file(tmp / "acled.csv", tmp / "events.sqlite") == n
        results["import"] = n / (time.perf_counter() - started)
        print(f"imported at {results['import']:,.0f} rows/s", flush=True)
        (tmp / "acled.csv").unlink()
        folium_dir = tmp / "folium"
        folium_dir.mkdir()
        started = time.perf_counter()
        results["fmc_bytes"], results["fmc_gzip"] = fast_marker_cluster_page(
            points, folium_dir / "fmc.html")
        print(f"FastMarkerCluster page: {size(results['fmc_bytes'])} "
              f"({time.perf_counter() - started:.1f} s to make)", flush=True)
        centres = view_centres(points, args.requests, rng)
        del points

        process, port = start_server(tmp / "events.sqlite", threads=6)
        try:
            steps = results["rss"] = {"start": memory(process.pid)}
            measure_server(Client(port), centres, rng, results, process.pid)
            if not args.no_browser and CHROMIUM.exists():
                measure_browser(port, folium_dir, results, n)
                steps["browser"] = memory(process.pid)
            if results.get("viewport_paths") and not Path(WRK).exists():
                print(f"SKIPPED the load test: no {WRK} (apt-get install wrk)", flush=True)
            elif results.get("viewport_paths"):
                results["wrk"] = run_wrk(port, results["viewport_paths"], args.seconds, tmp)
                print(f"wrk: {results['wrk']}", flush=True)
                steps["wrk"] = memory(process.pid)
            print("server memory after each step (MB, VmRSS/VmHWM): " + ", ".join(
                f"{step} {m['VmRSS'] / 1e6:.0f}/{m['VmHWM'] / 1e6:.0f}"
                for step, m in steps.items()), flush=True)
        finally:
            process.terminate()
            process.wait(timeout=30)
    results["load_after"] = os.getloadavg()
    print_table(results)


def measure_server(client: Client, centres, rng: random.Random, results: dict,
                   pid: int) -> None:
    status, page, took = client.get("/")
    assert status == 200, status
    results["page_bytes"] = len(page)
    status, gzipped, _ = client.get("/", {"Accept-Encoding": "gzip"})
    results["page_gzip"] = len(gzipped)
    results["page_time"] = min(client.get("/")[2] for _ in range(3))
    print(f"our page: {size(len(page))} ({size(len(gzipped))} gzipped), served in "
          f"{ms(results['page_time'])}", flush=True)
    results["rss"]["page"] = memory(pid)

    status, body, _ = client.get("/api/clusters?" + urlencode(
        {"bbox": bbox_text(viewport(*centres[0], 8)), "zoom": 8}))
    if status == 404:
        print("SKIPPED the viewport measures: this server has no /api/clusters yet "
              "(issue 10's endpoint); merge main once it lands", flush=True)
    else:
        results["viewport"], results["viewport_paths"] = {}, []
        for zoom in ZOOMS:
            paths = ["/api/clusters?" + urlencode({"bbox": bbox_text(viewport(lat, lon, zoom)),
                                                   "zoom": zoom}) for lat, lon in centres]
            client.get(paths[0])   # warm
            results["viewport"][zoom] = timed_requests(client, paths, pid)
            results["viewport_paths"] += paths
            print(f"viewport z{zoom}: {results['viewport'][zoom]}", flush=True)
        results["rss"]["viewports"] = memory(pid)

    paths = []
    for lat, lon in centres[:len(centres) - len(centres) // 2]:
        since = FIRST_DAY + timedelta(days=rng.randrange(DAYS - 90))
        paths.append("/api/events?" + urlencode({
            "bbox": bbox_text(viewport(lat, lon, 8)), "since": since.isoformat(),
            "until": (since + timedelta(days=89)).isoformat(), "type": rng.choice(TYPES),
            "limit": 100}))
    client.get(paths[0])
    results["query"] = timed_requests(client, paths, pid)
    print(f"bbox + date + type query: {results['query']}", flush=True)
    results["rss"]["query"] = memory(pid)

    shots = []
    for _ in range(3):
        status, body, took = client.get("/snapshot.png")
        if status != 200:
            raise RuntimeError(f"/snapshot.png: HTTP {status}: {body[:200]!r}")
        shots.append(took)
    results["snapshot"] = {"first": shots[0], "warm": min(shots[1:]), "bytes": len(body)}
    print(f"snapshot: {results['snapshot']}", flush=True)
    results["rss"]["snapshot"] = memory(pid)


def measure_browser(port: int, folium_dir: Path, results: dict, n: int) -> None:
    browser = Browser()
    try:
        results["drawn"] = browser.first_view(f"http://127.0.0.1:{port}/")
        print(f"our page drawn: {results['drawn']}", flush=True)
        url, stop = serve_folder(folium_dir, folium_dir / "fmc.html")
        try:
            # a million plain markers take minutes a run: one run, no warm-up, there
            results["fmc_drawn"] = browser.first_view(url, runs=3 if n <= 200_000 else 1,
                                                      warm=n <= 200_000)
        finally:
            stop()
        print(f"FastMarkerCluster drawn: {results['fmc_drawn']}", flush=True)
    finally:
        browser.close()


def print_table(r: dict) -> None:
    n = r["n"]
    rows = [("import (`python -m webapp import` path)", "≥ 100,000 rows/s",
             f"{r['import']:,.0f} rows/s", "—"),
            ("map page bytes (gzipped)", "≤ 300 kB",
             f"{size(r['page_bytes'])} ({size(r['page_gzip'])})",
             f"{size(r['fmc_bytes'])} ({size(r['fmc_gzip'])})")]
    if "drawn" in r:
        d, f = r["drawn"], r["fmc_drawn"]
        rows.append(("first view drawn in Chromium, best / median", "≤ 1.5 s",
                     f"{d['best']:.2f} / {d['median']:.2f} s",
                     f"{f['best']:.2f} / {f['median']:.2f} s"))
        rows.append(("marks on screen then (`/api/` requests the page made)", "≤ ~2,000",
                     f"{d['marks']:,} ({len(d['calls'])})", f"{f['marks']:,}"))
    if "viewport" in r:
        for zoom, v in r["viewport"].items():
            rows.append((f"`/api/clusters` zoom {zoom}: median / p95 (server CPU a "
                         f"request; bytes median, max; features)", "≤ 100 ms, ≤ 200 kB",
                         f"{ms(v['median'])} / {ms(v['p95'])} ({ms(v['cpu'])}; "
                         f"{size(v['bytes'])}, {size(v['max_bytes'])}; {v['features']:,.0f})",
                         "—"))
        w = r.get("wrk")
        if w:
            rows.append(("viewport requests/s under load (wrk -t2 -c8; p50 / p99)", "≥ 200/s",
                         f"{w['rate']:,.0f}/s ({w['p50']} / {w['p99']}"
                         + (f"; {w['errors']} not 2xx" if w["errors"] else "") + ")", "—"))
    else:
        rows.append(("`/api/clusters` (viewport) and wrk", "≤ 100 ms, ≥ 200/s",
                     "skipped: no /api/clusters on this server", "—"))
    q, s, last = r["query"], r["snapshot"], list(r["rss"].values())[-1]
    rows += [("bbox + date + type query, limit 100: median / p95 (server CPU)", "≤ 50 ms",
              f"{ms(q['median'])} / {ms(q['p95'])} ({ms(q['cpu'])}; "
              f"{q['features']:,.0f} events, {size(q['bytes'])})", "—"),
             ("snapshot.png, default view: first / warm", "≤ 3 s",
              f"{s['first']:.2f} / {s['warm']:.2f} s", "—"),
             ("server RSS: after start / end (peak VmHWM)", "≤ 1 GB",
              f"{size(r['rss']['start']['VmRSS'])} / {size(last['VmRSS'])} "
              f"({size(last['VmHWM'])})", "—")]
    print(f"\n{n:,} events; load average before {r['load_before'][0]:.1f}, after "
          f"{r['load_after'][0]:.1f}; {os.cpu_count()} cores; {date.today()}\n")
    print(f"| measure ({n:,} events) | target | ours | folium FastMarkerCluster |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
