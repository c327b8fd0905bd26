"""Ingest on a Dask cluster: the geoparsing and extraction of many articles spread over
worker processes (a LocalCluster here, or an existing cluster's scheduler).

This process reads the files, asks the store which articles it already holds (those
are skipped before any extraction: a repeated run resumes where the last one stopped),
sends the others to the workers in batches, and writes each batch that comes back in
one transaction. Only :class:`~webapp.models.Article` and
:class:`~webapp.models.Event` objects travel between processes: every worker builds
its own geocoder and extractor once (:class:`ExtractorPlugin`), because loading the
gazetteer takes seconds and the extractor cannot be pickled. The store is only ever
opened here, so an SQLite file works as well as a shared database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
from concurrent.futures import CancelledError
from typing import Callable, Iterator

import dask
from distributed import Client, KilledWorker, LocalCluster, WorkerPlugin, as_completed
from distributed import get_worker

from webapp.errors import BriefingMapError, ClusterError
from webapp.ingest import IngestError, read_file
from webapp.ingest_run import IngestTally
from webapp.models import Article

PLUGIN_NAME = "briefing-map-extractor"
BATCH_SIZE = 16          # articles per task: large enough that a task is ~0.1 s of work
LOOKAHEAD = 256          # articles read ahead of the workers, checked against the store at once
CONNECT_TIMEOUT = 5.0    # seconds a scheduler (and its first worker) has to answer
# A local cluster shares this machine's cores with its own work: no sampling profiler,
# no work stealing (the tasks are alike and few are queued), and slower monitors and
# ticks; idle, the client process then uses 1% of a core instead of 7%, and a worker
# 0.3% instead of 3.5%.
QUIET_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}


class ExtractorPlugin(WorkerPlugin):
    """Builds a worker's geocoder and extractor once, when the worker joins, from the
    gazetteer index cached in ``instance`` (None: the worker's default folder)."""

    # Registered again by a later run on the same cluster, it is kept, not reloaded.
    idempotent = True

    def __init__(self, instance: str | None = None):
        self.instance = instance
        self.extractor = None
        self.load_seconds = None

    async def setup(self, worker) -> None:
        # Off the worker's event loop: loading takes seconds, and a blocked loop would
        # miss the scheduler's heartbeats.
        await asyncio.get_running_loop().run_in_executor(None, self.load)

    def load(self):
        with _LOADING:
            if self.extractor is None:
                from webapp.extract.pipeline import Extractor
                from webapp.geocoder import OfflineGeocoder
                from webapp.geocoder.user_places import UserPlacesGeocoder
                from webapp.regions import Regions

                started = time.perf_counter()
                self.extractor = Extractor(
                    UserPlacesGeocoder(OfflineGeocoder(cache_dir=self.instance)),
                    Regions.load())
                self.load_seconds = time.perf_counter() - started
        return self.extractor


_LOADING = threading.Lock()


def plugin_name(instance) -> str:
    return PLUGIN_NAME if instance is None else f"{PLUGIN_NAME}:{instance}"


def extract_batch(plugin: str, articles: list[Article],
                  places: tuple | None = None) -> list[tuple[Article, list | str]]:
    """The task a worker runs: each article with its events, or with the one-line
    reason it could not be read (the others of the batch still count). ``places``:
    the store's user places as (version, places), sent once per version."""
    extractor = get_worker().plugins[plugin].load()
    # rebuilt only for another store or version; none: this run's store has none
    extractor.geocoder.use(*(places or (None, ())))
    out = []
    for article in articles:
        try:
            out.append((article, extractor.events(article)))
        except BriefingMapError as err:
            out.append((article, str(err)))
    return out


def _held(value):
    return value


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None,
                timeout: float = CONNECT_TIMEOUT) -> Iterator[Client]:
    """A client of ``workers`` new local worker processes, or of the cluster whose
    scheduler is at ``scheduler``; closed (the local cluster stopped) on leaving."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet_logs())
        if scheduler:
            _check_address(scheduler)
            try:
                client = Client(scheduler, timeout=timeout, set_as_default=False)
            except (OSError, TimeoutError) as err:
                raise ClusterError(f"no Dask scheduler answered at {scheduler} within "
                                   f"{timeout:g} s") from err
            stack.enter_context(client)
            try:
                client.wait_for_workers(1, timeout=timeout)
            except (OSError, TimeoutError) as err:
                raise ClusterError(f"the Dask scheduler at {scheduler} has no workers "
                                   f"(none joined within {timeout:g} s)") from err
        else:
            stack.enter_context(dask.config.set(QUIET_CLUSTER))
            try:
                cluster = stack.enter_context(LocalCluster(
                    n_workers=workers or 1, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR))
            except (OSError, RuntimeError, TimeoutError) as err:
                raise ClusterError(f"could not start {workers} Dask worker process(es): "
                                   f"{err}") from err
            client = stack.enter_context(Client(cluster, set_as_default=False))
        yield client


@contextlib.contextmanager
def _quiet_logs():
    # Dask logs a lost connection with a traceback on stderr; the user gets our one line
    # (ClusterError) instead.
    # (Its modules' loggers have levels of their own, so each is set.)
    names = ["distributed", *(name for name in logging.Logger.manager.loggerDict
                              if name.startswith("distributed."))]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


# What `dask scheduler` prints as its address: tcp://host:port (or tls://, ws://, wss://).
_ADDRESS = re.compile(r"(?:tcp|tls|ws|wss)://(?:\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+):(\d{1,5})")


def _check_address(address: str) -> None:
    # Checked before connecting: a client built on a malformed address is left half
    # made, and its clean-up at exit hangs for seconds and prints a traceback.
    match = _ADDRESS.fullmatch(address.strip())
    if match is None or not 0 < int(match.group(1)) < 65536:
        raise ClusterError(f"{address!r} is not a Dask scheduler address like "
                           "tcp://host:8786")


def build_index_once(instance=None) -> None:
    """Build the gazetteer index here when it is missing or stale, so that local
    workers sharing the instance folder load it rather than all build it at once."""
    from webapp.geocoder.gazetteer import index_path, load_gazetteer

    if not index_path(instance).exists():
        load_gazetteer(instance)


def load_extractors(client: Client, instance=None) -> str:
    """Have every worker (and every worker that joins later) build its extractor;
    returns, when the present ones are ready, the name to give :func:`ingest_on_dask`."""
    instance = None if instance is None else str(instance)
    name = plugin_name(instance)
    try:
        client.register_plugin(ExtractorPlugin(instance), name=name)
    except Exception as err:   # a worker's error comes back as a bare Exception
        raise ClusterError(f"the Dask workers could not build the extractor "
                           f"({_one_line(err)}); start them where this project's code "
                           f"and data are (PYTHONPATH=<project folder>)") from err
    return name


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:200] or type(err).__name__


def ingest_on_dask(client: Client, plugin: str, files, store, *, published=None,
                   by: str | None = None,
                   batch_size: int = BATCH_SIZE,
                   report: Callable[[str], None] = lambda message: None,
                   found: Callable[[int], None] = lambda n: None,
                   done: Callable[[int], None] = lambda n: None) -> IngestTally:
    """Ingest ``files`` with the client's workers, whose extractors ``plugin`` (from
    :func:`load_extractors`) loaded. ``found(n)``: n more articles read; ``done(n)``: n more
    articles stored or skipped. Unreadable files and articles are reported and
    counted, and the others go on."""
    return _Run(client, plugin, store, published, by, batch_size, report, found,
                done).run(files)


class _Run:
    def __init__(self, client, plugin, store, published, by, batch_size, report, found,
                 done):
        self.client, self.plugin, self.store = client, plugin, store
        self.published, self.by = published, by
        self.batch_size, self.report, self.found, self.done = (batch_size, report, found,
                                                              done)
        # Two batches per worker thread: one running, one waiting, so that no worker
        # idles while this process writes; no more, so memory stays bounded.
        self.max_in_flight = 2 * max(1, sum(client.nthreads().values())) + 1
        self.in_flight = as_completed(loop=client.loop)
        self.count = 0
        self.tally = IngestTally()
        self.places_version, self.places = None, None

    def _user_places(self):
        """The store's user places, sent to the workers once per version (the version
        is read once per look-ahead of articles)."""
        from webapp.store.places import MAX_INDEXED

        version = self.store.places().version()
        if version == 0:   # the store never had places: nothing to send
            return None
        if version != self.places_version:
            version_read, places = self.store.places().snapshot(MAX_INDEXED)
            snapshot = ((str(self.store.path), version_read), places)
            # A task holding them rather than scattered data: the scheduler keeps the
            # task, so places lost with a killed worker are made again, not lost.
            self.places = self.client.submit(_held, snapshot, pure=False)
            self.places_version = version
        return self.places

    def run(self, files) -> IngestTally:
        try:
            pending: list[Article] = []
            for path in files:
                try:
                    articles = read_file(path, self.published)
                except IngestError as err:
                    self.report(str(err))
                    self.tally.failed += 1
                    continue
                self.found(len(articles))
                pending.extend(articles)
                if len(pending) >= LOOKAHEAD:
                    self._send(pending)
                    pending = []
            self._send(pending)
            while self.count:
                self._write(next(self.in_flight))
        finally:
            self.in_flight.clear()   # on an error, the batches not yet written are dropped
        return self.tally

    def _send(self, articles: list[Article]) -> None:
        unique = {a.content_hash: a for a in articles}
        known = self.store.has_articles(unique)
        skipped = len(articles) - len(unique) + len(known)
        self.tally.duplicates += skipped
        self.done(skipped)
        fresh = [a for h, a in unique.items() if h not in known]
        places = self._user_places() if fresh else None
        for start in range(0, len(fresh), self.batch_size):
            while self.count >= self.max_in_flight:
                self._write(next(self.in_flight))
            self.in_flight.add(self.client.submit(
                extract_batch, self.plugin, fresh[start:start + self.batch_size],
                places, pure=False))
            self.count += 1
            while self.in_flight.has_ready():   # written as soon as they come back
                self._write(next(self.in_flight))

    def _write(self, future) -> None:
        self.count -= 1
        try:
            results = future.result()
        except KilledWorker as err:
            raise ClusterError("a Dask worker died again and again on one batch of "
                               "articles; what was stored stays: run again to resume "
                               "(the batch's articles may be too large)") from err
        except (CancelledError, OSError, TimeoutError) as err:
            raise ClusterError(f"lost the Dask cluster mid-run ({type(err).__name__}); "
                               "what was stored stays: run again to resume") from err
        except Exception as err:   # not an article's fault (those come back as text)
            raise ClusterError(f"a batch of articles failed on a Dask worker "
                               f"({type(err).__name__}: {_one_line(err)}); what was "
                               "stored stays: run again to resume") from err
        finally:
            future.release()
        batch = []
        for article, events in results:
            if isinstance(events, str):
                self.report(f"{article.source}: {events}")
                self.tally.failed += 1
            else:
                batch.append((article, events))
        self.tally.count_stored(batch, self.store.add_articles(batch, by=self.by))
        self.done(len(results))
