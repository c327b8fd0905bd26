"""The server under load: slow clients, and many readers of a large store.

Imports N synthetic ACLED rows (bench/import_rows.py's generator: six countries, 700
days, every event type) into a fresh store, starts the real server
(`python -m webapp serve`, its default waitress settings) and measures:
  (a) slow    with 150 slow clients connected (a third silent, a third half a request
              line, a third sending headers a byte every half second), the time a fresh
              client (a new connection each time) waits for a filtered events page, 20
              tries one after another; the same without the slow clients, to compare;
  (b) readers 20 concurrent readers, each with its own keep-alive connection, asking
              filtered pages of GET /api/events (country, dates, type, limit=100; the
              filters vary per request) for --seconds; p50/p95/max of each answer.
  (c) job     the same readers for 10 s while a 256 kB article of news text
              (bench/article_size.py's) is posted and extracted as a job: their
              p50/p95, and the job's time.
Targets: (a) <= 1 s; (b) p95 <= 300 ms.

    .venv/bin/python bench/load.py [-n 100000] [--readers 20] [--seconds 20] [--threads 6]
"""

from __future__ import annotations

import argparse
import csv
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_rows import synthetic_rows  # noqa: E402

from webapp.interchange import ACLED_COLUMNS, read_acled_rows  # noqa: E402
from webapp.store import open_store  # noqa: E402

LONG_ARTICLE = 256 * 1024
COUNTRIES = ["PS", "IL", "LB", "SY", "UA", "SD"]
TYPES = ["Battles", "Explosions/Remote violence", "Violence against civilians", "Protests",
         "Riots", "Strategic developments", "Air/drone strike", "Armed clash"]


def make_store(path: Path, n: int) -> float:
    csv_path = path.with_suffix(".csv")
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=ACLED_COLUMNS)
        writer.writeheader()
        writer.writerows(synthetic_rows(n))
    started = time.perf_counter()
    with open_store(path) as store:
        assert store.add_rows(read_acled_rows(csv_path), replace=True) == n
    csv_path.unlink()
    return time.perf_counter() - started


def start_server(db: Path, threads: int):
    env = {**os.environ, "BRIEFING_RATELIMIT_ENABLED": "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp", "serve", "--db", str(db), "--port", "0",
         "--threads", str(threads)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", process.stdout.readline())
    if not match:
        process.kill()
        sys.exit("the server did not start")
    port = int(match.group(1))
    deadline = time.monotonic() + 60
    while True:
        try:
            get(port, "/api/types")
            return process, port
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def get(port: int, path: str, timeout: float = 30, conn=None) -> float:
    """Seconds until the whole answer to GET ``path`` is read."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    took = time.perf_counter() - started
    if own:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    return took


def slow_clients(port: int, count: int = 150):
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    for sock in sockets[1::3]:
        sock.sendall(b"GET /api/ty")
    stop = threading.Event()

    def drip():
        header = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10_000
        for i in range(len(header)):
            if stop.wait(0.5):
                return
            for sock in sockets[2::3]:
                try:
                    sock.send(header[i:i + 1])
                except OSError:
                    pass

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()

    def close():
        stop.set()
        thread.join()
        for sock in sockets:
            sock.close()
    return close


def fresh_clients(port: int, rng: random.Random, tries: int = 20) -> list[float]:
    waits = []
    for _ in range(tries):
        waits.append(get(port, filtered_page(rng), timeout=10))
        time.sleep(0.1)
    return waits


def filtered_page(rng: random.Random) -> str:
    start = rng.randrange(0, 600)
    since = time.strftime("%Y-%m-%d", time.gmtime(1696636800 + start * 86400))
    until = time.strftime("%Y-%m-%d", time.gmtime(1696636800 + (start + 90) * 86400))
    from urllib.parse import urlencode

    return "/api/events?" + urlencode({"country": rng.choice(COUNTRIES), "since": since,
                                       "until": until, "type": rng.choice(TYPES),
                                       "limit": 100})


def readers(port: int, count: int, seconds: float) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def read(seed: int):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < stop_at:
            mine.append(get(port, filtered_page(rng), conn=conn))
        conn.close()
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def editor_token(db: Path) -> str:
    """An API token of a new editor: writing needs one."""
    from webapp.store import open_store
    from webapp.store.accounts import Accounts

    with open_store(db) as store:
        accounts = Accounts(store)
        accounts.add("bench", "editor", by="bench")
        return accounts.make_token("bench", by="bench")


def post_long_article(port: int, token: str) -> str:
    import json

    from article_size import cut, news_text

    text = cut(news_text(LONG_ARTICLE), LONG_ARTICLE)
    body = json.dumps({"title": "Long", "text": text, "published": "2024-05-03"})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/articles", body, {"Content-Type": "application/json",
                                                 "Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 202:
        raise RuntimeError(f"the long article was answered {response.status}, not 202")
    return response.getheader("Location")


def wait_for_job(port: int, status_url: str) -> dict:
    import json

    while True:
        job = json.loads(fetch(port, status_url))
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.5)


def job_seconds(job: dict) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(job["finished"].rstrip("Z"))
            - datetime.fromisoformat(job["created"].rstrip("Z"))).total_seconds()


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rows", type=int, default=100_000)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=6, help="the server's --threads")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        db = Path(tmp) / "events.sqlite"
        took = make_store(db, args.rows)
        print(f"store: {args.rows:,} ACLED rows imported in {took:.1f} s")
        token = editor_token(db)
        process, port = start_server(db, args.threads)
        try:
            rng = random.Random(1)
            sample = filtered_page(rng)
            body = fetch(port, sample)
            features = body.count(b'"type": "Feature"') or body.count(b'"type":"Feature"')
            print(f"a filtered page, e.g. {sample}: {features} events, "
                  f"{len(body) / 1024:.0f} kB")
            quiet = fresh_clients(port, rng)
            close = slow_clients(port)
            try:
                time.sleep(1)
                waits = fresh_clients(port, rng)
            finally:
                close()
            print(f"(a) 150 slow clients open: a fresh client answered in "
                  f"median {statistics.median(waits) * 1000:.0f} ms, "
                  f"max {max(waits) * 1000:.0f} ms (target <= 1 s); without them "
                  f"median {statistics.median(quiet) * 1000:.0f} ms, "
                  f"max {max(quiet) * 1000:.0f} ms")
            cpu_before = server_cpu(process.pid)
            times = readers(port, args.readers, args.seconds)
            cpu = server_cpu(process.pid) - cpu_before
            print(f"(b) {args.readers} concurrent readers, {len(times):,} filtered pages in "
                  f"{args.seconds:g} s ({len(times) / args.seconds:.0f}/s, server CPU "
                  f"{cpu / len(times) * 1000:.1f} ms a page, {cpu / args.seconds:.2f} "
                  f"cores): "
                  f"p50 {percentile(times, 0.5) * 1000:.0f} ms, "
                  f"p95 {percentile(times, 0.95) * 1000:.0f} ms, "
                  f"max {max(times) * 1000:.0f} ms (target p95 <= 300 ms)")
            status_url = post_long_article(port, token)
            times = readers(port, args.readers, 10)
            job = wait_for_job(port, status_url)
            outcome = (f"{job['result']['events']} events" if job["status"] == "done"
                       else job["error"])
            print(f"(c) {args.readers} readers while a {LONG_ARTICLE // 1024} kB article is "
                  f"extracted as a job: p50 {percentile(times, 0.5) * 1000:.0f} ms, "
                  f"p95 {percentile(times, 0.95) * 1000:.0f} ms; the job {job['status']} "
                  f"({outcome}) in {job_seconds(job):.0f} s from queued to finished")
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(f"machine: {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def fetch(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    return body


if __name__ == "__main__":
    main()
