"""The audit trail: who wrote what, and when, kept in the event store itself.

A row is written by the same transaction as the change it describes (an article
stored, events imported, a user added), so the trail can never claim a write that
did not happen, nor miss one that did. ``who`` is a user name for the web, and
``cli:<os user>`` for the command line.
"""

from __future__ import annotations

import getpass
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone

MAX_ROWS = 10_000   # one read of the trail, at most


@dataclass(frozen=True)
class AuditEntry:
    at: str        # ISO time, UTC, to the second
    who: str
    action: str    # "article.add", "events.import", "user.add", ...
    detail: dict


def now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def cli_actor() -> str:
    """``cli:<the operating system's user name>``: who runs a command-line write."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):   # no name for the uid (a bare container)
        import os

        return f"cli:uid-{os.getuid()}"


def write(conn: sqlite3.Connection, who: str, action: str, detail: dict) -> None:
    """Add a row inside the caller's open transaction."""
    conn.execute("INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
                 (now_text(), who, action,
                  json.dumps(detail, ensure_ascii=False, separators=(",", ":"))))


def read(conn: sqlite3.Connection, limit: int = 100) -> list[AuditEntry]:
    """The newest ``limit`` rows, newest first."""
    limit = max(0, min(int(limit), MAX_ROWS))
    rows = conn.execute("SELECT at, who, action, detail FROM audit ORDER BY id DESC "
                        f"LIMIT {limit:d}").fetchall()
    return [AuditEntry(at, who, action, json.loads(detail) if detail else {})
            for at, who, action, detail in rows]
