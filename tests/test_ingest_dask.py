"""Ingest on Dask: the same articles and events as in-process, resumable after a stop
or a dead worker, and one clear line when no cluster answers.

Two tests start a LocalCluster of 2 worker processes (each loads the real gazetteer);
the corpus is the project's sample briefing and variants of it written here.
"""

from __future__ import annotations

import json
import os
import signal
import socket
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

SAMPLE = ROOT / "webapp" / "samples" / "sitrep-2024-05-03.txt"


def write_corpus(folder: Path) -> Path:
    """The sample, 36 articles made from its paragraphs (with a dateline, so that the
    variants read like reports of different days), the sample again (stored once), and
    one unreadable file."""
    folder.mkdir()
    headline, _, body = SAMPLE.read_text("utf-8").partition("\n\n")
    dateline, *paragraphs = body.strip().split("\n\n")
    items = []
    for n in range(36):
        # a different run of paragraphs, in a different order, each time
        chosen = [paragraphs[(n * 5 + k * 7) % len(paragraphs)] for k in range(1 + n % 4)]
        items.append({"title": f"Briefing {n + 1}: {headline}",
                      "text": "\n\n".join([dateline, *chosen]),
                      "published": (date(2024, 5, 3) + timedelta(days=n % 9)).isoformat()})
    (folder / "variants.json").write_text(json.dumps(items), "utf-8")
    (folder / "sitrep.txt").write_text(SAMPLE.read_text("utf-8"), "utf-8")
    (folder / "sitrep-again.txt").write_text(SAMPLE.read_text("utf-8"), "utf-8")
    (folder / "broken.txt").write_bytes(b"\x00\x01 not a report")
    return folder


def stored_events(db) -> list[tuple]:
    from webapp.store import SQLiteStore

    with SQLiteStore(db) as store:
        return sorted((e.article_hash, e.event_type, e.location, e.latitude, e.longitude,
                       e.fatalities) for e in store.iter_events())


def articles_in(db) -> int:
    from webapp.store import SQLiteStore

    with SQLiteStore(db) as store:
        return store.articles_count()


def test_workers_store_what_the_in_process_ingest_stores(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    here = run_cli("ingest", str(corpus), "--db", str(tmp_path / "here.sqlite"))
    dask = run_cli("ingest", str(corpus), "--db", str(tmp_path / "dask.sqlite"),
                   "--workers", "2")
    assert dask.stdout == here.stdout
    assert here.stdout.startswith("37 article(s) ingested, 1 already stored, 1 failed; ")
    assert dask.returncode == here.returncode == 1   # the broken file
    assert dask.stderr.strip().splitlines() == [f"error: {corpus / 'broken.txt'}: "
                                                "binary file, not text"]
    events = stored_events(tmp_path / "here.sqlite")
    assert len(events) > 100
    assert stored_events(tmp_path / "dask.sqlite") == events


class Stop(Exception):
    """Stands for the user stopping a run part-way."""


def test_a_run_stopped_part_way_with_a_worker_killed_resumes_exactly_once(
        tmp_path, geocoder, regions):
    from webapp.extract.pipeline import Extractor
    from webapp.ingest import expand
    from webapp.ingest_dask import dask_client, ingest_on_dask, load_extractors
    from webapp.ingest_run import ingest_here
    from webapp.store import SQLiteStore

    files = expand([write_corpus(tmp_path / "corpus")])
    with SQLiteStore(tmp_path / "here.sqlite") as store:
        ingest_here(files, store, Extractor(geocoder, regions))

    db = tmp_path / "dask.sqlite"
    with dask_client(workers=2) as client, SQLiteStore(db) as store:
        plugin = load_extractors(client)
        pids = list(client.run(os.getpid).values())
        killed = pids[-1]
        progress = {"done": 0}

        def kill_then_stop(n):
            progress["done"] += n
            if pids and progress["done"] >= 4:   # batches stored: one worker dies
                os.kill(pids.pop(), signal.SIGKILL)
            if progress["done"] >= 20:
                raise Stop

        with pytest.raises(Stop):
            ingest_on_dask(client, plugin, files, store, batch_size=2, done=kill_then_stop)
        first = store.articles_count()
        assert 0 < first < 37

        again = ingest_on_dask(client, plugin, files, store, batch_size=2)
        assert (again.added, again.duplicates, again.failed) == (37 - first, first + 1, 1)
        client.wait_for_workers(2, timeout=60)   # the killed worker was replaced
        assert not pids and killed not in client.run(os.getpid).values()

        last = ingest_on_dask(client, plugin, files, store)
        assert (last.added, last.duplicates, sum(last.per_type.values())) == (0, 38, 0)

    assert articles_in(db) == articles_in(tmp_path / "here.sqlite") == 37
    assert stored_events(db) == stored_events(tmp_path / "here.sqlite")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("address, message", [
    (f"tcp://127.0.0.1:{free_port()}", "no Dask scheduler answered at tcp://127.0.0.1:"),
    ("localhost", "'localhost' is not a Dask scheduler address like tcp://host:8786"),
    ("http://127.0.0.1:8786", "is not a Dask scheduler address"),
])
def test_a_scheduler_that_does_not_answer_is_one_line_and_writes_nothing(
        tmp_path, address, message):
    db = tmp_path / "events.sqlite"
    done = run_cli("ingest", str(SAMPLE), "--db", str(db), "--scheduler", address)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and message in line
    assert done.stdout == ""
    assert not db.exists()


def test_workers_and_scheduler_together_is_a_usage_error(tmp_path):
    done = run_cli("ingest", str(SAMPLE), "--db", str(tmp_path / "e.sqlite"),
                   "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786")
    assert done.returncode == 2
    assert "not both" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "e.sqlite").exists()
