"""SQLite and PostGIS side by side (issue 11): the same events, the same requests.

Generates N events in ACLED's CSV format over the Middle East's hot spots
(bench/scale_rows.py, through bench/scale.py's `generate`), starts a throwaway
PostgreSQL 15 + PostGIS server (tests/pgserver.py) with durable settings (fsync,
synchronous_commit and full_page_writes on, shared_buffers 512MB: change them with
--setting NAME=VALUE), and for each store, SQLite file then PostGIS database, measures:
  import    rows/s of the whole `python -m webapp import FILE.csv --db TARGET` command
            (the CSV read by a second process), and of `store.add_rows(rows)` alone with
            the rows already read into memory (read_acled_rows), each into an empty store;
  viewport  GET /api/clusters at zooms 4, 8, 12, 16 over bench/scale.py's 1280x800 views
            (the same views for both stores): median, p95, max, server CPU a request;
  query     GET /api/events?bbox=..&since=..&until=..&type=..&limit=100 (a zoom-8 view,
            90 days, one type), and GET /api/events, the listing's first page;
  load      Debian's wrk -t2 -c8 for --seconds over every viewport URL: requests/s;
  memory    the server process's VmRSS and VmHWM; for PostGIS also the PostgreSQL
            processes' PSS (their shared buffers counted once).
Then checks that both servers gave the same /api/clusters JSON for every viewport asked
(and the same events for every filtered query), and prints a Markdown table with the
load average before and after. Everything lives in a temporary folder, removed at the end.

    .venv/bin/python bench/store.py                  # 1,000,000 events (~10 min)
    .venv/bin/python bench/store.py -n 100000
    .venv/bin/python bench/store.py -n 3000 --quick  # a few requests, no wrk (the test)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import start_server  # noqa: E402
from scale import TYPES, ZOOMS, generate, ms, size, view_centres  # noqa: E402
from scale_rows import DAYS, FIRST_DAY  # noqa: E402
from scale_server import (WRK, Client, bbox_text, memory, run_wrk,  # noqa: E402
                          timed_requests, viewport)
from store_probes import (ORDER_ONLY, differences, postgres_cpu,  # noqa: E402
                          postgres_memory, server_settings)

from tests.pgserver import PostgresServer, missing  # noqa: E402
from webapp.interchange import read_acled_rows  # noqa: E402
from webapp.store import open_store  # noqa: E402
from webapp.store.accounts import Accounts  # noqa: E402

DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on",
           "shared_buffers": "512MB"}
STORES = ("SQLite", "PostGIS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30, help="viewports a zoom")
    parser.add_argument("--seconds", type=int, default=10, help="wrk's duration")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a PostgreSQL setting over the durable ones (repeatable)")
    parser.add_argument("--quick", action="store_true",
                        help="4 viewports a zoom, no wrk: checks the script still runs")
    args = parser.parse_args()
    if missing():
        sys.exit(f"bench/store.py needs PostgreSQL: {missing()}")
    if args.quick:
        args.requests = min(args.requests, 4)
    settings = {**DURABLE, **dict(s.split("=", 1) for s in args.setting)}
    n, rng = args.rows, random.Random(5)
    results: dict = {"n": n, "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder, \
            PostgresServer(settings=settings) as server:
        tmp, csv_path = Path(folder), Path(folder) / "acled.csv"
        results["settings"] = server_settings(server.url())
        print("PostgreSQL: " + ", ".join(f"{k}={v}" for k, v in results["settings"].items()),
              flush=True)
        started = time.perf_counter()
        centres = view_centres(generate(n, csv_path), args.requests, rng)
        print(f"generated {n:,} ACLED rows ({csv_path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        paths = request_paths(centres, rng)
        rows = list(read_acled_rows(csv_path))
        targets = {"SQLite": (str(tmp / "cli.sqlite"), str(tmp / "alone.sqlite")),
                   "PostGIS": (server.create_database("cli"), server.create_database("alone"))}
        for name, (served, alone) in targets.items():
            r = results[name] = {"load": os.getloadavg()}
            pg = server.data if name == "PostGIS" else None
            r["import_cli"] = cli_import(csv_path, served, n, pg)
            r["import_store"] = store_import(rows, alone, n, pg)
            print(f"{name}: import {cpu_text(r['import_cli'])} (command), "
                  f"{cpu_text(r['import_store'])} (add_rows alone)", flush=True)
            if name == "SQLite":
                Path(alone).unlink()
            else:
                server.drop_database("alone")
            measure(name, served, paths, args, tmp, r,
                    server if name == "PostGIS" else None)
        del rows
    results["load_after"] = os.getloadavg()
    results["same"] = compare(results, paths)
    print_table(results)


def request_paths(centres, rng: random.Random) -> dict:
    """The requests both servers get, in the same order."""
    views = {zoom: ["/api/clusters?" + urlencode({"bbox": bbox_text(viewport(lat, lon, zoom)),
                                                  "zoom": zoom}) for lat, lon in centres]
             for zoom in ZOOMS}
    query = []
    for lat, lon in centres[:len(centres) - len(centres) // 2]:
        since = FIRST_DAY + timedelta(days=rng.randrange(DAYS - 90))
        query.append("/api/events?" + urlencode({
            "bbox": bbox_text(viewport(lat, lon, 8)), "since": since.isoformat(),
            "until": (since + timedelta(days=89)).isoformat(), "type": rng.choice(TYPES),
            "limit": 100}))
    return {"views": views, "query": query, "first_page": ["/api/events"] * 10}


def cli_import(csv_path: Path, target: str, n: int, pg: Path | None) -> dict:
    """Rows/s of the whole import command, from its start to its exit; the CPU seconds
    of the command (with its reader process) and of PostgreSQL meanwhile."""
    started, cpu = time.perf_counter(), _children_cpu()
    pg_cpu = postgres_cpu(pg) if pg else 0.0
    done = subprocess.run([sys.executable, "-m", "webapp", "import", str(csv_path),
                           "--db", target], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not done.stdout.startswith(f"{n} event(s) imported"):
        raise RuntimeError(f"import into {target}: {done.stdout}{done.stderr}")
    return {"rate": n / seconds, "seconds": seconds, "cpu": _children_cpu() - cpu,
            "pg_cpu": postgres_cpu(pg) - pg_cpu if pg else None}


def store_import(rows: list[tuple], target: str, n: int, pg: Path | None) -> dict:
    """Rows/s of the store's add_rows alone (the store opened before the clock starts),
    with this process's CPU seconds and PostgreSQL's meanwhile."""
    with open_store(target) as store:
        pg_cpu = postgres_cpu(pg) if pg else 0.0
        started, cpu = time.perf_counter(), time.process_time()
        assert store.add_rows(rows, replace=True) == n
        seconds = time.perf_counter() - started
        return {"rate": n / seconds, "seconds": seconds, "cpu": time.process_time() - cpu,
                "pg_cpu": postgres_cpu(pg) - pg_cpu if pg else None}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_text(i: dict) -> str:
    pg = f", PostgreSQL {i['pg_cpu']:.1f} s" if i["pg_cpu"] is not None else ""
    return (f"{i['rate']:,.0f} rows/s ({i['seconds']:.1f} s; CPU: Python "
            f"{i['cpu']:.1f} s{pg})")


def measure(name: str, target: str, paths: dict, args, tmp: Path, r: dict,
            pg: PostgresServer | None) -> None:
    # A store with a user already: serve's first-start admin fails on PostGIS today
    # (Accounts.add_first_admin reads the new user on another pooled connection,
    # before its transaction commits), and both stores must start alike.
    with open_store(target) as store:
        Accounts(store).add("bench", "viewer", by="bench/store.py")
    process, port = start_server(target, threads=6)
    try:
        pid, client = process.pid, Client(port)
        r["rss"] = {"start": memory(pid)}
        r["viewport"], r["bodies"] = {}, {}
        def timed(paths):
            pg_cpu = postgres_cpu(pg.data) if pg else 0.0
            found = timed_requests(client, paths, pid)
            found["pg_cpu"] = (postgres_cpu(pg.data) - pg_cpu) / len(paths) if pg else None
            return found
        for zoom, views in paths["views"].items():
            client.get(views[0])   # warm
            r["viewport"][zoom] = timed(views)
            print(f"{name} viewport z{zoom}: {brief(r['viewport'][zoom])}", flush=True)
        for path in paths["query"][:1] + paths["first_page"][:1]:
            client.get(path)
        r["query"] = timed(paths["query"])
        r["first_page"] = timed(paths["first_page"])
        print(f"{name} query: {brief(r['query'])}; first page: {brief(r['first_page'])}",
              flush=True)
        for path in [p for views in paths["views"].values() for p in views] + paths["query"]:
            status, body, _ = client.get(path)
            r["bodies"][path] = json.loads(body) if status == 200 else status
        if not args.quick and Path(WRK).exists():
            every = [p for views in paths["views"].values() for p in views]
            r["wrk"] = run_wrk(port, every, args.seconds, tmp)
            print(f"{name} wrk: {r['wrk']}", flush=True)
        r["rss"]["end"] = memory(pid)
        if pg is not None:
            r["pg_memory"] = postgres_memory(pg.data)
    finally:
        process.terminate()
        process.wait(timeout=30)


def brief(v: dict) -> str:
    return (f"median {ms(v['median'])}, p95 {ms(v['p95'])}, max {ms(v['max'])}, "
            f"CPU {cpu_ms(v)}, {v['features']:,.0f} features")


def cpu_ms(v: dict) -> str:
    """The server's CPU a request, and PostgreSQL's when it answers from there."""
    return ms(v["cpu"]) + (f" + PostgreSQL {ms(v['pg_cpu'])}" if v["pg_cpu"] is not None
                           else "")


def compare(results: dict, paths: dict) -> dict:
    """Views and queries whose answers differ between the two servers."""
    a, b = (results[name].pop("bodies") for name in STORES)
    views = [p for v in paths["views"].values() for p in v]
    found = {"views": len(views), "queries": len(paths["query"]), "differ": [],
             "order": Counter()}
    for path in views + paths["query"]:
        problem = differences(a[path], b[path])
        if problem == ORDER_ONLY:
            found["order"][parse_qs(urlsplit(path).query).get("zoom", ["events"])[0]] += 1
        elif problem:
            found["differ"].append(f"{path}: {problem}")
    for line in found["differ"][:10]:
        print("DIFFERENT " + line, flush=True)
    if found["order"]:
        print(f"the same features in another order: {sum(found['order'].values())} "
              "answers (by zoom: " + ", ".join(f"{z}: {c}" for z, c in
                                                sorted(found["order"].items())) + ")")
    return found


def print_table(r: dict) -> None:
    n, s, p = r["n"], r["SQLite"], r["PostGIS"]

    def both(label, target, show):
        return (label, target, show(s), show(p))

    def timing(v):
        return f"{ms(v['median'])} / {ms(v['p95'])} / {ms(v['max'])} ({cpu_ms(v)})"
    rows = [both("import, whole `python -m webapp import` command (wall; CPU)",
                 "≥ 100,000 rows/s", lambda x: cpu_text(x["import_cli"])),
            both("import, `store.add_rows` alone, rows in memory (wall; CPU)",
                 "≥ 100,000 rows/s", lambda x: cpu_text(x["import_store"]))]
    for zoom in ZOOMS:
        rows.append(both(f"`/api/clusters` zoom {zoom}: median / p95 / max (server CPU); "
                         "features", "≤ 150 ms",
                         lambda x: f"{timing(x['viewport'][zoom])}; "
                                   f"{x['viewport'][zoom]['features']:,.0f}"))
    rows.append(both("bbox + dates + type, limit 100: median / p95 / max (CPU)", "",
                     lambda x: timing(x["query"])))
    rows.append(both("`/api/events` first page (with the total): median / p95 / max (CPU)",
                     "", lambda x: timing(x["first_page"])))
    if "wrk" in s:
        rows.append(both("viewport requests/s under load (wrk -t2 -c8; p50 / p99)", "",
                         lambda x: f"{x['wrk']['rate']:,.0f}/s ({x['wrk']['p50']} / "
                                   f"{x['wrk']['p99']})" + (f"; {x['wrk']['errors']} not 2xx"
                                                            if x["wrk"]["errors"] else "")))
    rows.append(both("server RSS: start / end (peak VmHWM)", "",
                     lambda x: f"{size(x['rss']['start']['VmRSS'])} / "
                               f"{size(x['rss']['end']['VmRSS'])} "
                               f"({size(x['rss']['end']['VmHWM'])})"))
    rows.append(("PostgreSQL processes, PSS at the end", "", "—",
                 f"{size(p['pg_memory']['pss'])} ({p['pg_memory']['processes']} processes)"))
    same = r["same"]
    rounded = [d for d in same["differ"] if "differ otherwise" not in d
               and "only in the" not in d and " vs " not in d]
    apart = max((float(x) for d in rounded for x in re.findall(r"up to ([\d.e+-]+)°", d)),
                default=0.0)
    verdict = (f"{len(same['differ'])} differ (listed above the table)"
               + (f"; {len(rounded)} of them only in cluster points, at most {apart:.0e}° "
                  "apart (and order)" if rounded else "")
               + (f"; {sum(same['order'].values())} more only in the features' order"
                  if same["order"] else "") if same["differ"]
               else "identical" if not same["order"] else
               f"the same, {sum(same['order'].values())} in another order (by zoom: "
               + ", ".join(f"{z}: {c}" for z, c in sorted(same["order"].items())) + ")")
    rows.append(("same answers: `/api/clusters` JSON of every view; events of every "
                 "filtered query", "identical",
                 f"{same['views']} views, {same['queries']} queries compared", verdict))
    settings = ", ".join(f"{k}={v}" for k, v in r["settings"].items())
    print(f"\n{n:,} events; load average before {r['load_before'][0]:.1f}, at the SQLite "
          f"measures {s['load'][0]:.1f}, at the PostGIS measures {p['load'][0]:.1f}, after "
          f"{r['load_after'][0]:.1f}; {os.cpu_count()} cores; {date.today()}\n"
          f"PostgreSQL: {settings}\n")
    print(f"| measure ({n:,} events) | target (PostGIS) | SQLite | PostGIS |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
