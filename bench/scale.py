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
import http.client
import math
import os
import random
import re
import statistics
import subprocess
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

ZOOMS = (4, 8, 12, 16)
VIEW = (1280, 800)                    # pixels, the browser's window in every measure
REGION = (25.0, 12.0, 63.0, 42.0)     # west, south, east, north: "random places"
TYPES = ("Battles", "Explosions/Remote violence", "Violence against civilians",
         "Protests", "Riots", "Strategic developments")
WRK = "/usr/bin/wrk"


def viewport(lat: float, lon: float, zoom: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a VIEW-sized Web Mercator view centred there."""
    world = 256 * 2 ** zoom
    half_lon = VIEW[0] / 2 / world * 360
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * world

    def lat_at(py):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / world))))
    south, north = lat_at(min(world, y + VIEW[1] / 2)), lat_at(max(0, y - VIEW[1] / 2))
    return (max(-180, lon - half_lon), south, min(180, lon + half_lon), north)


def bbox_text(box) -> str:
    return ",".join(f"{v:.5f}" for v in box)


def view_centres(points, count: int, rng: random.Random) -> list[tuple[float, float]]:
    hot = [tuple(rng.choice(points)) for _ in range(count - count // 2)]
    west, south, east, north = REGION
    anywhere = [(rng.uniform(south, north), rng.uniform(west, east))
                for _ in range(count // 2)]
    return hot + anywhere


class Client:
    """One kept-alive connection to the server."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def get(self, path: str, headers=None) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        self.conn.request("GET", path, headers=headers or {})
        response = self.conn.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - started


def spread(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)],
            "max": ordered[-1]}


def timed_requests(client: Client, paths: list[str]) -> dict:
    times, sizes, features = [], [], []
    for path in paths:
        status, body, took = client.get(path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}: {body[:200]!r}")
        times.append(took)
        sizes.append(len(body))
        features.append(body.count(b'"Feature"'))
    return {**spread(times), "bytes": statistics.median(sizes), "max_bytes": max(sizes),
            "features": statistics.median(features)}


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


def run_wrk(port: int, paths: list[str], seconds: int, folder: Path) -> dict:
    script = folder / "viewports.lua"
    quoted = ",\n".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    script.write_text("local paths = {\n" + quoted + "\n}\nlocal i = 0\n"
                      "request = function()\n  i = i % #paths + 1\n"
                      "  return wrk.format(\"GET\", paths[i])\nend\n")
    out = subprocess.run([WRK, "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True,
                         timeout=seconds + 60, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    p50 = re.search(r"50%\s+(\S+)", out).group(1)
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    return {"rate": rate, "errors": int(errors.group(1)) if errors else 0, "p50": p50,
            "p99": p99}


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
            results["rss_start"] = memory(process.pid)["VmRSS"]
            measure_server(Client(port), centres, rng, results)
            if not args.no_browser and CHROMIUM.exists():
                measure_browser(port, folium_dir, results, n)
            if results.get("viewport_paths"):
                results["wrk"] = run_wrk(port, results["viewport_paths"], args.seconds, tmp)
                print(f"wrk: {results['wrk']}", flush=True)
            results.update(memory(process.pid))
        finally:
            process.terminate()
            process.wait(timeout=30)
    results["load_after"] = os.getloadavg()
    print_table(results)


def measure_server(client: Client, centres, rng: random.Random, results: dict) -> None:
    status, page, took = client.get("/")
    assert status == 200, status
    results["page_bytes"] = len(page)
    status, gzipped, _ = client.get("/", {"Accept-Encoding": "gzip"})
    results["page_gzip"] = len(gzipped)
    results["page_time"] = min(client.get("/")[2] for _ in range(3))
    print(f"our page: {size(len(page))} ({size(len(gzipped))} gzipped), served in "
          f"{ms(results['page_time'])}", flush=True)

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
            results["viewport"][zoom] = timed_requests(client, paths)
            results["viewport_paths"] += paths
            print(f"viewport z{zoom}: {results['viewport'][zoom]}", flush=True)

    paths = []
    for lat, lon in centres[:len(centres) - len(centres) // 2]:
        since = FIRST_DAY + timedelta(days=rng.randrange(DAYS - 90))
        paths.append("/api/events?" + urlencode({
            "bbox": bbox_text(viewport(lat, lon, 8)), "since": since.isoformat(),
            "until": (since + timedelta(days=89)).isoformat(), "type": rng.choice(TYPES),
            "limit": 100}))
    client.get(paths[0])
    results["query"] = timed_requests(client, paths)
    print(f"bbox + date + type query: {results['query']}", flush=True)

    shots = []
    for _ in range(3):
        status, body, took = client.get("/snapshot.png")
        if status != 200:
            raise RuntimeError(f"/snapshot.png: HTTP {status}: {body[:200]!r}")
        shots.append(took)
    results["snapshot"] = {"first": shots[0], "warm": min(shots[1:]), "bytes": len(body)}
    print(f"snapshot: {results['snapshot']}", flush=True)


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
        rows.append(("marks on screen then", "≤ ~2,000", f"{d['marks']:,}", f"{f['marks']:,}"))
    if "viewport" in r:
        for zoom, v in r["viewport"].items():
            rows.append((f"`/api/clusters` zoom {zoom}: median / p95 (bytes median, max; "
                         f"features)", "≤ 100 ms, ≤ 200 kB",
                         f"{ms(v['median'])} / {ms(v['p95'])} ({size(v['bytes'])}, "
                         f"{size(v['max_bytes'])}; {v['features']:,.0f})", "—"))
        w = r["wrk"]
        rows.append(("viewport requests/s under load (wrk -t2 -c8; p50 / p99)", "≥ 200/s",
                     f"{w['rate']:,.0f}/s ({w['p50']} / {w['p99']}"
                     + (f"; {w['errors']} not 2xx" if w["errors"] else "") + ")", "—"))
    else:
        rows.append(("`/api/clusters` (viewport) and wrk", "≤ 100 ms, ≥ 200/s",
                     "skipped: no /api/clusters on this server", "—"))
    q, s = r["query"], r["snapshot"]
    rows += [("bbox + date + type query, limit 100: median / p95", "≤ 50 ms",
              f"{ms(q['median'])} / {ms(q['p95'])} ({q['features']:,.0f} events, "
              f"{size(q['bytes'])})", "—"),
             ("snapshot.png, default view: first / warm", "≤ 3 s",
              f"{s['first']:.2f} / {s['warm']:.2f} s", "—"),
             ("server RSS: after start / end (peak VmHWM)", "≤ 1 GB",
              f"{size(r['rss_start'])} / {size(r['VmRSS'])} ({size(r['VmHWM'])})", "—")]
    print(f"\n{n:,} events; load average before {r['load_before'][0]:.1f}, after "
          f"{r['load_after'][0]:.1f}; {os.cpu_count()} cores; {date.today()}\n")
    print(f"| measure ({n:,} events) | target | ours | folium FastMarkerCluster |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
