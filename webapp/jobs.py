"""Heavy work off the request threads: a small pool of job threads with a bounded queue,
and a wall-clock bound on each piece of work by running it in a forked child process.

Why a child process: extraction is pure-Python CPU work, so in a thread it would hold
the GIL against the server's request threads (a 1 MB article made other requests wait
8 s), and a Python thread cannot be stopped from outside. A forked child runs on another
core, starts with the parent's loaded gazetteer (copy-on-write, nothing reloaded) and
is killed when its time is up. The parent's job thread only waits on a pipe.

Job state is kept in memory: it is lost when the server restarts (the articles stored
by finished jobs are not). Jobs are keyed by unguessable ids; finished ones are dropped
after ``keep_seconds`` or when more than ``max_kept`` are held.
"""

from __future__ import annotations

import logging
import multiprocessing
import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from webapp.errors import BriefingMapError

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class JobsBusy(BriefingMapError):
    """Every job slot and queue place is taken: the caller should come back later."""


class TimeLimitExceeded(BriefingMapError):
    """A piece of work ran past its wall-clock bound and was stopped."""


@dataclass
class Job:
    id: str
    kind: str
    status: str = QUEUED
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: Any = None
    error: str | None = None

    def as_dict(self) -> dict:
        out = {"id": self.id, "kind": self.kind, "status": self.status,
               "created": _iso(self.created), "started": _iso(self.started),
               "finished": _iso(self.finished)}
        if self.status == DONE:
            out["result"] = self.result
        if self.status == FAILED:
            out["error"] = self.error
        return out


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


class JobRunner:
    """``workers`` jobs run at once, ``queue_size`` more may wait; past that
    :meth:`submit` raises :class:`JobsBusy` at once rather than queueing without end."""

    def __init__(self, workers: int = 1, queue_size: int = 8, keep_seconds: float = 3600,
                 max_kept: int = 1000):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        self._slots = threading.BoundedSemaphore(workers + queue_size)
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep_seconds
        self._max_kept = max_kept

    def submit(self, kind: str, work: Callable[[], Any]) -> Job:
        """Queue ``work()``; its return value becomes the job's result. A
        :class:`BriefingMapError` it raises fails the job with its message; anything
        else fails it with a generic one (and is logged)."""
        if not self._slots.acquire(blocking=False):
            raise JobsBusy("the server is busy with other long articles and batches")
        job = Job(id=secrets.token_urlsafe(18), kind=kind)
        with self._lock:
            self._forget_old()
            self._jobs[job.id] = job
        try:
            self._pool.submit(self._run, job, work)
        except RuntimeError as err:   # the pool is shut down: the server is stopping
            self._slots.release()
            raise JobsBusy("the server is stopping") from err
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: Job, work: Callable[[], Any]) -> None:
        job.started, job.status = time.time(), RUNNING
        try:
            job.result = work()
            job.status = DONE
        except BriefingMapError as err:
            job.error, job.status = str(err), FAILED
        except Exception:   # noqa: BLE001 -- a job thread must never die silently
            log.exception("job %s (%s) failed", job.id[:6], job.kind)
            job.error, job.status = "the job failed unexpectedly (the server's log says why)", FAILED
        finally:
            job.finished = time.time()
            self._slots.release()

    def _forget_old(self) -> None:
        horizon = time.time() - self._keep
        for key in [k for k, j in self._jobs.items()
                    if j.finished is not None and j.finished < horizon]:
            del self._jobs[key]
        while len(self._jobs) > self._max_kept:
            oldest = next((k for k, j in self._jobs.items() if j.finished is not None), None)
            if oldest is None:
                break
            del self._jobs[oldest]


# -- bounded work in a child process ------------------------------------------------

def run_in_child(func: Callable, args: tuple, seconds: float, what: str = "the work"):
    """``func(*args)`` in a forked child process, stopped after ``seconds``.

    The child inherits ``func`` and its arguments (nothing is pickled on the way in);
    its answer comes back pickled. A :class:`BriefingMapError` raised in the child is
    raised here with its message; any other failure, a crash or the time running out
    raises one with a plain message saying which.
    """
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(func, args, writer), daemon=True)
    child.start()
    writer.close()   # the child holds the only writing end: EOF if it dies
    try:
        if not reader.poll(seconds):
            raise TimeLimitExceeded(f"{what} took longer than {seconds:g} s and was stopped")
        try:
            ok, value = reader.recv()
        except (EOFError, OSError) as err:
            raise BriefingMapError(f"{what} stopped unexpectedly") from err
    finally:
        reader.close()
        if child.is_alive():
            child.kill()
        child.join()
    if not ok:
        raise BriefingMapError(value)
    return value


def _child_main(func, args, writer) -> None:
    try:
        answer = (True, func(*args))
    except BriefingMapError as err:
        answer = (False, str(err))
    except Exception:   # noqa: BLE001 -- reported to the parent as one line
        log.exception("work in a child process failed")
        answer = (False, "the work failed unexpectedly (the server's log says why)")
    writer.send(answer)
    writer.close()
