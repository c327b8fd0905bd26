"""An ACLED CSV read and checked in a second process while this one stores its rows.

An import spends about as long reading and checking the CSV as SQLite spends storing
it (bench/README.md), and both need the GIL, so a thread cannot overlap them: a child
process can. One child reads the whole file in order, exactly as
:func:`~webapp.interchange.acled.read_acled_rows` does, and hands the rows over in
batches through a pipe; this process yields them to the store as they come. Because
one reader sees every line in order, line numbers and the first bad row are the same
as the serial reader's, and a bad row (without ``skipped``) is raised here at the
point where the serial reader would raise it: inside the store's one transaction,
which then rolls back and leaves the store unchanged.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from itertools import chain, islice

from webapp.errors import ImportFormatError
from webapp.interchange.acled import read_acled_rows

# A file smaller than this is read in this process: starting a child and passing the
# rows over costs more than the overlap saves (a few megabytes take a fraction of a
# second either way).
PARALLEL_MIN_BYTES = 4_000_000
# Rows per message: large enough that the pipe's per-message cost vanishes, small
# enough that the two processes start overlapping at once and hold little memory
# (each process holds at most about two batches).
BATCH_ROWS = 2_000


def read_acled_rows_parallel(path, skipped: list | None = None, *,
                             min_bytes: int = PARALLEL_MIN_BYTES,
                             batch_rows: int = BATCH_ROWS) -> Iterator[tuple]:
    """The rows :func:`read_acled_rows` gives for ``path``, with the same errors and
    the same ``skipped`` entries, read by a child process when the file is large
    enough and this machine has a second core.

    The child starts when the first row is asked for, and is stopped when the rows
    are exhausted or when the caller stops early (an exception in the store) and
    drops the iterator.
    """
    if not _worth_a_child(path, min_bytes):
        return read_acled_rows(path, skipped)
    # chain() walks each batch in C; the generator is resumed once per batch only
    return chain.from_iterable(_batches_from_child(path, skipped, batch_rows))


def _worth_a_child(path, min_bytes: int) -> bool:
    if "fork" not in multiprocessing.get_all_start_methods():
        return False  # the child must inherit the code; spawning re-imports it all
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    try:
        size = os.stat(path).st_size
    except OSError:
        return False  # the serial reader reports it as usual
    return cores > 1 and size >= min_bytes


def _batches_from_child(path, skipped: list | None, batch_rows: int) -> Iterator[list]:
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, daemon=True,
                            args=(path, skipped is not None, batch_rows, writer))
    child.start()
    writer.close()  # the child holds the only writing end: EOF here if it dies
    try:
        while True:
            try:
                kind, payload, problems = reader.recv()
            except (EOFError, OSError) as err:
                raise ImportFormatError("the file's reader stopped unexpectedly",
                                        path=path) from err
            if problems:  # only ever sent when the caller gave a skipped list
                skipped.extend(ImportFormatError(reason, path=path, line=line)
                               for reason, line in problems)
            if kind == "rows":
                yield payload
            elif kind == "end":
                return
            else:  # "error": the first bad row, or the file itself unreadable
                reason, line = payload
                raise ImportFormatError(reason, path=path, line=line)
    finally:
        reader.close()
        if child.is_alive():
            child.kill()  # the caller gave up: the rest of the file is not wanted
        child.join()


def _child_main(path, skipping: bool, batch_rows: int, writer) -> None:
    """Read ``path`` and send ("rows", batch, problems) messages, then ("end", None,
    problems) or ("error", (reason, line), problems). A problem is (reason, line)."""
    skipped = [] if skipping else None

    def problems() -> list[tuple]:
        if not skipped:
            return []
        taken = [(p.reason, p.line) for p in skipped]
        skipped.clear()
        return taken

    batch: list[tuple] = []
    try:
        rows = read_acled_rows(path, skipped)
        while True:
            # extend() keeps the rows read before a bad one, which are sent first
            batch.extend(islice(rows, batch_rows))
            if not batch:
                break
            writer.send(("rows", batch, problems()))
            batch = []
        writer.send(("end", None, problems()))
    except ImportFormatError as err:
        _send_quietly(writer, ("rows", batch, problems()))
        _send_quietly(writer, ("error", (err.reason, err.line), []))
    except Exception as err:  # noqa: BLE001 -- a bug, reported as one line, not a traceback
        _send_quietly(writer, ("error", (f"reading the file failed unexpectedly "
                                         f"({type(err).__name__})", None), []))
    except BaseException:  # noqa: BLE001 -- Ctrl-C reaches the child too: the parent reports it
        pass
    finally:
        writer.close()


def _send_quietly(writer, message) -> None:
    try:
        writer.send(message)
    except OSError:
        pass  # the parent stopped listening: nothing left to tell it
