"""Corrections applied to stored events, with their history kept (``event_history``).

A correction is written inside the transaction that stores the article bringing it,
so the article, the changed event and its history row commit together, or none of
them. The SQL is written with ``?`` placeholders and runs on both stores (PostGIS
through its placeholder adapter); how the event row itself is rewritten is each
store's own (SQLite's triggers keep the counts, PostGIS recounts the row).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable

from webapp.models import Article, Correction, Event
from webapp.store.audit import now_text
from webapp.store.base import EVENT_COLUMNS, event_from_row, event_rows
from webapp.store.listing import SELECT

# Kept in the history: what a reader compares (the shape itself can be large and is
# implied by the place's name and coordinates).
_NOT_KEPT = ("geometry", "extra")
MAX_HISTORY = 100      # rows one reading returns, newest first

UPDATE_SQL = ("UPDATE events SET " + ", ".join(
    f"{c} = ?" for c in EVENT_COLUMNS if c not in ("event_id", "article_id"))
    + " WHERE event_id = ?")


@dataclasses.dataclass(frozen=True)
class HistoryEntry:
    at: str                 # ISO time, UTC, of the correction
    article_hash: str       # the article that brought it
    old: dict               # changed fields before
    new: dict               # and after


def updated_row(event: Event) -> tuple:
    """The values of UPDATE_SQL for ``event`` (checked as any stored event is)."""
    row = next(event_rows([event], None))
    return tuple(v for c, v in zip(EVENT_COLUMNS, row)
                 if c not in ("event_id", "article_id")) + (event.event_id,)


def apply(conn, article: Article, corrections: Iterable[Correction],
          rewrite: Callable[[object, Event, Event], None]) -> int:
    """Apply ``corrections`` inside the caller's transaction: each stored event is
    read as it is now, changed, rewritten by ``rewrite(conn, before, after)`` and its
    history row added. Returns how many events changed; a correction of an event no
    longer stored, or one that changes nothing any more, is passed over."""
    changed = 0
    for correction in corrections:
        rows = conn.execute(f"{SELECT} WHERE e.event_id = ?",
                            (correction.event_id,)).fetchall()
        if not rows:
            continue
        before = event_from_row(tuple(rows[0]))
        changes = dict(correction.changes)
        if "fatalities" in changes:   # a toll raised meanwhile by another report stays
            changes["fatalities"] = max(changes["fatalities"], before.fatalities)
        after = dataclasses.replace(before, **changes)
        old = {k: getattr(before, k) for k in correction.changes if k not in _NOT_KEPT}
        new = {k: getattr(after, k) for k in correction.changes if k not in _NOT_KEPT}
        if old == new:
            continue
        rewrite(conn, before, after)
        conn.execute("INSERT INTO event_history (event_id, article_hash, at, old_values, "
                     "new_values) VALUES (?, ?, ?, ?, ?)",
                     (before.event_id, article.content_hash, now_text(),
                      _json(old), _json(new)))
        changed += 1
    return changed


def read(conn, event_id: str) -> list[HistoryEntry]:
    """The event's corrections, newest first."""
    rows = conn.execute("SELECT at, article_hash, old_values, new_values FROM event_history "
                        f"WHERE event_id = ? ORDER BY id DESC LIMIT {MAX_HISTORY:d}",
                        (str(event_id),)).fetchall()
    return [HistoryEntry(at, article, json.loads(old), json.loads(new))
            for at, article, old, new in rows]


def _json(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=str)
