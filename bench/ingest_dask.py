"""Benchmark of ingest on Dask (issue 11): articles/s in-process, then on a LocalCluster
of 1 and of 2 worker processes, and the kill-a-worker-then-rerun check.

    .venv/bin/python bench/ingest_dask.py [--articles 2400] [--eval-dir ../shared/eval]
                                          [--workers 1,2] [--skip-kill]

The corpus is made at run time in a temporary folder: the texts of the development
corpora (../shared/eval, read in place, never copied into the project), each under
several headlines so that there are ``--articles`` different articles; without those
corpora, variants of the project's sample briefing. Files of 100 articles (JSON).

Rates are given over the extraction and storing alone ("work") and over the whole run
("with loading": the cluster's start and every worker's gazetteer load, or the
in-process extractor's load). Every Dask run must store the same events as the
in-process run (compared by article hash, type, place, coordinates and deaths).

Kill check: ``python -m webapp ingest --workers 2`` as a user runs it; once a fifth of
the articles are stored one worker process is killed (SIGKILL), at half the run is
interrupted (SIGINT, as Ctrl-C); the command is run again to the end, and the store is
compared with the in-process one: articles lost, articles or events duplicated.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpora  # noqa: E402

PER_FILE = 100


def source_texts(eval_dir) -> tuple[str, list[tuple[str, str | None]]]:
    """(where from, [(text, published)]) to make the articles of."""
    if corpora.available(eval_dir):
        texts = [(a.text, a.published) for name in corpora.CORPORA
                 for a in corpora.load_corpus(name, eval_dir) if a.text.strip()]
        return "GeoVirus + TR-News texts (../shared/eval)", texts
    sample = (ROOT / "webapp" / "samples" / "sitrep-2024-05-03.txt").read_text("utf-8")
    _, _, body = sample.partition("\n\n")
    dateline, *paragraphs = body.strip().split("\n\n")
    texts = []
    for n in range(300):
        chosen = [paragraphs[(n * 5 + k * 7) % len(paragraphs)] for k in range(2 + n % 6)]
        day = date(2024, 5, 3) + timedelta(days=n % 30)
        texts.append(("\n\n".join([dateline, *chosen]), day.isoformat()))
    return "variants of webapp/samples/sitrep-2024-05-03.txt", texts


def write_corpus(folder: Path, count: int, texts) -> int:
    """``count`` articles: the texts in turn, each time under a new headline."""
    items = []
    for n in range(count):
        text, published = texts[n % len(texts)]
        first = " ".join(text.strip().split("\n", 1)[0].split())[:120]
        items.append({"title": f"{first} [{n // len(texts) + 1}]", "text": text,
                      "published": published or "2024-04-26"})
    for start in range(0, count, PER_FILE):
        path = folder / f"articles-{start // PER_FILE:04d}.json"
        path.write_text(json.dumps(items[start:start + PER_FILE]), "utf-8")
    return count


def in_process(files, db) -> dict:
    from webapp.extract.pipeline import Extractor
    from webapp.geocoder import OfflineGeocoder
    from webapp.ingest_run import ingest_here
    from webapp.regions import Regions
    from webapp.store import SQLiteStore

    started = time.perf_counter()
    extractor = Extractor(OfflineGeocoder(), Regions.load())
    loaded = time.perf_counter()
    cpu = time.process_time()
    with SQLiteStore(db) as store:
        tally = ingest_here(files, store, extractor)
    return {"load": loaded - started, "work": time.perf_counter() - loaded, "tally": tally,
            "cpu": time.process_time() - cpu, "each": loaded - started}


def on_dask(files, db, workers: int) -> dict:
    from webapp.ingest_dask import dask_client, ingest_on_dask, load_extractors
    from webapp.store import SQLiteStore

    started = time.perf_counter()
    with dask_client(workers=workers) as client, SQLiteStore(db) as store:
        plugin = load_extractors(client)
        workers_cpu = client.run(time.process_time)
        loaded, cpu = time.perf_counter(), time.process_time()
        tally = ingest_on_dask(client, plugin, files, store)
        done, cpu = time.perf_counter(), time.process_time() - cpu
        workers_cpu = [t - workers_cpu[w] for w, t in client.run(time.process_time).items()]
        each = client.run(lambda dask_worker: dask_worker.plugins[plugin].load_seconds)
    return {"load": loaded - started, "work": done - loaded, "tally": tally, "cpu": cpu,
            "each": max(each.values()), "workers_cpu": workers_cpu}


def unshared_seconds(r: dict, cores: int) -> float:
    """The work's wall time on cores of its own: the run's CPU seconds spread over the
    cores, but never less than its busiest process's (the in-process run: its CPU)."""
    parts = [r["cpu"], *r.get("workers_cpu", [])]
    return max(sum(parts) / min(cores, len(parts)), *parts)


def events_of(db) -> Counter:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return Counter(conn.execute(
            "SELECT a.content_hash, e.event_type, e.location, e.latitude, e.longitude, "
            "e.fatalities FROM events e JOIN articles a ON a.id = e.article_id"))


def articles_of(db) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:   # not made yet
        return 0


def cli(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "webapp", "ingest", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_check(corpus: Path, db: Path, total: int) -> dict:
    import psutil

    run = cli(str(corpus), "--db", str(db), "--workers", "2")
    victim = None
    while run.poll() is None:
        stored = articles_of(db)
        if victim is None and stored >= total // 5:
            workers = [p for p in psutil.Process(run.pid).children(recursive=True)
                       if "from multiprocessing.spawn import" in " ".join(p.cmdline())]
            victim = workers[0]
            victim.send_signal(signal.SIGKILL)
            killed_at = stored
        if victim is not None and stored >= total // 2:
            run.send_signal(signal.SIGINT)
            break
        time.sleep(0.2)
    first_out, first_err = run.communicate(timeout=120)
    stopped_at = articles_of(db)
    rerun = cli(str(corpus), "--db", str(db), "--workers", "2")
    out, err = rerun.communicate(timeout=3600)
    return {"killed_at": killed_at, "first_status": run.returncode,
            "first_stderr": first_err.strip().splitlines()[-1:], "stopped_at": stopped_at,
            "rerun_status": rerun.returncode, "rerun": out.strip(),
            "rerun_stderr": err.strip().splitlines()[-1:]}


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2400)
    ap.add_argument("--eval-dir", default=None)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of every run, in turn; the table keeps each run's best")
    ap.add_argument("--skip-kill", action="store_true")
    args = ap.parse_args(argv)

    from webapp.ingest import expand
    from webapp.ingest_dask import build_index_once

    build_index_once()   # the index is built before anything is timed
    origin, texts = source_texts(args.eval_dir)
    print(f"machine: {os.cpu_count()} cores; load average before: {load_average()}")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-dask-") as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        corpus.mkdir()
        total = write_corpus(corpus, args.articles, texts)
        files = expand([corpus])
        print(f"corpus: {total:,} articles in {len(files)} files, from {origin}")

        runs: dict[str, dict] = {}
        reference = None
        for round_ in range(args.repeat):
            # In turn rather than one after the other, so that a busy spell of the
            # machine does not fall on one kind of run only.
            for workers in [0, *(int(w) for w in args.workers.split(","))]:
                name = f"--workers {workers}" if workers else "in-process"
                db = tmp / f"{name.strip('-').replace(' ', '-')}-{round_}.sqlite"
                r = on_dask(files, db, workers) if workers else in_process(files, db)
                r["load_average"] = load_average()
                got = events_of(db)
                if reference is None:
                    reference = got
                    print(f"in-process: {r['tally'].summary()[:90]}...")
                elif got != reference:
                    print(f"{name}: NOT the same events as in-process")
                    return 1
                print(f"round {round_ + 1}, {name}: {total / r['work']:,.1f} articles/s "
                      f"(work), load average {r['load_average']}")
                if name not in runs or r["work"] < runs[name]["work"]:
                    runs[name] = r
        print("every Dask run stored the same events as in-process")

        print("\n| run | articles | load s (slowest extractor) | work s | articles/s (work) "
              "| articles/s (with loading) | × in-process (work) | × (with loading) "
              "| CPU s (work): this process; workers | × in-process from CPU s on 2 own cores "
              "| load average after |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        base = runs["in-process"]
        base_work = total / base["work"]
        base_all = total / (base["load"] + base["work"])
        for name, r in runs.items():
            work, whole = total / r["work"], total / (r["load"] + r["work"])
            print(f"| {name} | {total:,} | {r['load']:.1f} ({r['each']:.1f}) | {r['work']:.1f} "
                  f"| {work:,.1f} "
                  f"| {whole:,.1f} | {work / base_work:.2f} | {whole / base_all:.2f} "
                  f"| {r['cpu']:.1f}; {' + '.join(f'{c:.1f}' for c in r.get('workers_cpu', []))}"
                  f" | {unshared_seconds(base, 2) / unshared_seconds(r, 2):.2f} "
                  f"| {r['load_average']} |")

        if not args.skip_kill:
            check = kill_check(corpus, tmp / "killed.sqlite", total)
            got = events_of(tmp / "killed.sqlite")
            stored = articles_of(tmp / "killed.sqlite")
            lost = articles_of(tmp / "in-process-0.sqlite") - stored
            print(f"\nkill check: worker killed at {check['killed_at']:,} articles stored, "
                  f"run interrupted (status {check['first_status']}, "
                  f"{check['first_stderr']}) at {check['stopped_at']:,}; rerun "
                  f"(status {check['rerun_status']}): {check['rerun'][:80]}...")
            print(f"kill check: {stored:,} articles stored, {lost} lost; events missing "
                  f"{sum((reference - got).values())}, duplicated "
                  f"{sum((got - reference).values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
