"""bench/store.py's checks and read-outs: where two servers' answers differ, the
PostgreSQL server's settings as it runs with them, and its processes' memory."""

from __future__ import annotations

import os
from pathlib import Path

SHOWN = ("server_version", "fsync", "synchronous_commit", "full_page_writes",
         "shared_buffers", "work_mem", "max_wal_size")


def differences(a, b, events: bool = False) -> str | None:
    """None when two decoded answers are the same; else what differs, in a line.
    For an events page the ``next`` cursor is left out (it is signed per server)."""
    if isinstance(a, int) or isinstance(b, int):
        return None if a == b else f"HTTP status or body: {_short(a)} vs {_short(b)}"
    if events:
        a, b = ({k: v for k, v in x.items() if k != "next"} for x in (a, b))
    if a == b:
        return None
    heads = [f"{k}: {a.get(k)!r} vs {b.get(k)!r}" for k in sorted(set(a) | set(b))
             if k != "features" and a.get(k) != b.get(k)]
    fa, fb = a.get("features", []), b.get("features", [])
    if len(fa) != len(fb):
        heads.append(f"{len(fa)} vs {len(fb)} features")
    elif sorted(map(_key, fa)) == sorted(map(_key, fb)):
        heads.append("the same features in another order")
    else:
        first = next(i for i, (x, y) in enumerate(zip(fa, fb)) if x != y)
        heads.append(f"feature {first}: {_short(fa[first])} vs {_short(fb[first])}")
    return "; ".join(heads)


def _key(feature: dict) -> str:
    import json

    return json.dumps(feature, sort_keys=True)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "..."


def server_settings(url: str) -> dict[str, str]:
    """The settings that sway write and read speed, as the server reports them."""
    import psycopg

    with psycopg.connect(url) as conn:
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in SHOWN}


def postgres_memory(data: Path) -> dict:
    """PSS of the postmaster serving ``data`` and of its children, in bytes: the
    shared buffers each backend maps are shared out among them, not counted again."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    pids = [postmaster] + [pid for pid in _all_pids() if _parent(pid) == postmaster]
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue   # a backend that ended meanwhile
    return {"pss": total, "processes": len(pids)}


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None
