"""Talking to the server bench/scale.py measures: the viewports it asks for, timed
requests on a kept-alive connection, Debian's wrk for load, and the process's memory."""

from __future__ import annotations

import http.client
import math
import re
import statistics
import subprocess
import time
from pathlib import Path

VIEW = (1280, 800)                    # pixels, the browser's window in every measure
WRK = "/usr/bin/wrk"


def viewport(lat: float, lon: float, zoom: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a VIEW-sized Web Mercator view centred there."""
    world = 256 * 2 ** zoom
    half_lon = VIEW[0] / 2 / world * 360
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * world

    def lat_at(py):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / world))))
    south, north = lat_at(min(world, y + VIEW[1] / 2)), lat_at(max(0, y - VIEW[1] / 2))
    return (max(-180, lon - half_lon), south, min(180, lon + half_lon), north)


def bbox_text(box) -> str:
    return ",".join(f"{v:.5f}" for v in box)


class Client:
    """One kept-alive connection to the server."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def get(self, path: str, headers=None) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        self.conn.request("GET", path, headers=headers or {})
        response = self.conn.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - started


def spread(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)],
            "max": ordered[-1]}


def timed_requests(client: Client, paths: list[str], pid: int) -> dict:
    """Answer times, the server's CPU per request (less swayed than the times by other
    work on a shared machine), bytes and features of GET each path, one by one."""
    from load import server_cpu

    cpu = server_cpu(pid)
    times, sizes, features = [], [], []
    for path in paths:
        status, body, took = client.get(path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}: {body[:200]!r}")
        times.append(took)
        sizes.append(len(body))
        features.append(body.count(b'"Feature"'))
    return {**spread(times), "cpu": (server_cpu(pid) - cpu) / len(paths),
            "bytes": statistics.median(sizes), "max_bytes": max(sizes),
            "features": statistics.median(features)}


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


def run_wrk(port: int, paths: list[str], seconds: int, folder: Path) -> dict:
    script = folder / "viewports.lua"
    quoted = ",\n".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    script.write_text("local paths = {\n" + quoted + "\n}\nlocal i = 0\n"
                      "request = function()\n  i = i % #paths + 1\n"
                      "  return wrk.format(\"GET\", paths[i])\nend\n")
    out = subprocess.run([WRK, "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True,
                         timeout=seconds + 60, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    return {"rate": rate, "errors": int(errors.group(1)) if errors else 0, "p50": p50,
            "p99": p99}
