"""A whole store copied into another, of the same kind or not (SQLite <-> PostGIS):
``python -m webapp copy --from SRC --to DST``.

The source streams its records (:meth:`~webapp.store.base.EventStore.export_records`,
one moment of it) straight into the destination's import, one transaction there: the
copy is whole or not at all, and never all in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from webapp.errors import StoreError
from webapp.store.base import RECORD_TABLES, EventStore

# How often progress is told, in records
PROGRESS_EVERY = 5000

Progress = Callable[[str, int], None]   # (table, records copied since the last call)


def copy_store(src: EventStore, dst: EventStore, progress: Progress | None = None, *,
               by: str | None = None, about: dict | None = None) -> dict[str, int]:
    """Copy everything in ``src`` into ``dst``, which must be empty; returns how many
    records of each table (:data:`RECORD_TABLES`) were copied. ``progress`` is called
    as the records go by; with ``by``, ``dst``'s audit trail gets a ``store.copy`` row
    (``about`` in its detail) in the copy's transaction."""
    if src is dst:
        raise StoreError("a store cannot be copied into itself")
    records = src.export_records()
    if progress is not None:
        records = _told(records, progress)
    try:
        copied = dst.import_records(records, by=by, about=about)
    finally:
        close = getattr(records, "close", None)
        if close is not None:   # ends the source's read transaction at once
            close()
    return {table: copied.get(table, 0) for table in RECORD_TABLES}


def _told(records: Iterable[tuple[str, object]], progress: Progress) -> Iterator:
    table, since = None, 0
    try:
        for pair in records:
            if pair[0] != table or since >= PROGRESS_EVERY:
                if since:
                    progress(table, since)
                table, since = pair[0], 0
            since += 1
            yield pair
    finally:
        if since:
            progress(table, since)
        close = getattr(records, "close", None)
        if close is not None:
            close()
