"""bench/store.py's checks and read-outs: where two servers' answers differ, the
PostgreSQL server's settings as it runs with them, its processes' memory and CPU."""

from __future__ import annotations

import json
import os
from pathlib import Path

ORDER_ONLY = "the same features in another order"
SHOWN = ("server_version", "fsync", "synchronous_commit", "full_page_writes",
         "shared_buffers", "work_mem", "max_wal_size")


def differences(a, b) -> str | None:
    """None when two decoded answers are the same; else what differs, in a line (the
    servers share the instance folder's secret key, so even the cursors must agree)."""
    if isinstance(a, int) or isinstance(b, int):
        return None if a == b else f"HTTP status or body: {_short(a)} vs {_short(b)}"
    if a == b:
        return None
    heads = [f"{k}: {a.get(k)!r} vs {b.get(k)!r}" for k in sorted(set(a) | set(b))
             if k != "features" and a.get(k) != b.get(k)]
    fa, fb = a.get("features", []), b.get("features", [])
    if sorted(map(_key, fa)) == sorted(map(_key, fb)):
        if fa != fb:
            heads.append(ORDER_ONLY)
        return "; ".join(heads)
    if len(fa) != len(fb):
        heads.append(f"{len(fa)} vs {len(fb)} features")
    heads += _feature_differences(fa, fb)
    return "; ".join(heads)


def _feature_differences(fa: list, fb: list) -> list[str]:
    """Features matched by where they are (a cluster's cell, an event's id), then
    what differs in the matched ones: how many, and by how much for coordinates."""
    def place(f):
        return f.get("id") or json.dumps(f["properties"].get("bbox"))
    a, b = {place(f): f for f in fa}, {place(f): f for f in fb}
    said = []
    if set(a) != set(b):
        said.append(f"{len(set(a) - set(b))} features only in the first, "
                    f"{len(set(b) - set(a))} only in the second")
    moved, other, worst = 0, [], 0.0
    for key in set(a) & set(b):
        x, y = a[key], b[key]
        if x == y:
            continue
        if {**x, "geometry": None} == {**y, "geometry": None}:
            moved += 1
            worst = max(worst, *(abs(u - v) for u, v in zip(
                x["geometry"]["coordinates"], y["geometry"]["coordinates"])))
        else:
            other.append(f"{_short(x)} vs {_short(y)}")
    if moved:
        said.append(f"{moved} of {len(fa)} features' points differ by up to {worst:.1e}°")
    if other:
        said.append(f"{len(other)} features differ otherwise, first: {other[0]}")
    if [place(f) for f in fa] != [place(f) for f in fb]:
        said.append("in another order")
    return said


def _key(feature: dict) -> str:
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
    pids = _postgres_pids(data)
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue   # a backend that ended meanwhile
    return {"pss": total, "processes": len(pids)}


def postgres_cpu(data: Path) -> float:
    """CPU seconds (user + system) used so far by the PostgreSQL processes serving
    ``data``, the ones still running and the ones that ended (their children's time
    is added to the postmaster's once it reaps them)."""
    total = 0.0
    for pid in _postgres_pids(data):
        fields = _stat(pid)
        if fields:
            total += sum(int(f) for f in fields[11:15])   # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def _postgres_pids(data: Path) -> list[int]:
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    return [postmaster] + [pid for pid in _all_pids()
                           if (_stat(pid) or [None] * 2)[1] == str(postmaster)]


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat's fields after the command name (state, ppid, ...)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
