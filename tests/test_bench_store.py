"""bench/store.py, SQLite beside PostGIS, still runs end to end (a few thousand events,
a few requests, no wrk), and its "same answers" check sees a difference when there is one."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "bench"))
from store_probes import ORDER_ONLY, differences  # noqa: E402

import pgserver  # noqa: E402


def test_store_bench_runs_both_stores_and_finds_the_same_answers():
    if pgserver.missing():
        pytest.skip(pgserver.missing())
    done = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "store.py"),
                           "-n", "2000", "--quick"], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "fsync=on" in out and "synchronous_commit=on" in out   # durable, as asked
    table = out[out.index("| measure (2,000 events)"):]
    for measure in ("import, whole", "add_rows", "zoom 4", "zoom 16", "limit 100",
                    "first page", "server RSS", "PSS"):
        assert measure in table, measure
    same = next(line for line in table.splitlines() if line.startswith("| same answers"))
    assert "16 views, 2 queries compared" in same and same.endswith("| identical |")
    assert "DIFFERENT" not in out


def test_a_different_answer_is_reported():
    cluster = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [34.4, 31.5]},
               "properties": {"count": 3, "bbox": [34.0, 31.0, 35.0, 32.0]}}
    a = {"type": "FeatureCollection", "zoom": 8, "total": 3, "features": [cluster]}
    moved = {**cluster, "geometry": {"type": "Point", "coordinates": [34.4, 31.6]}}
    assert differences(a, dict(a)) is None
    assert "1 of 1 features' points differ by up to 1.0e-01°" in differences(
        a, {**a, "features": [moved]})
    assert "total: 3 vs 4" in differences(a, {**a, "total": 4})
    assert differences({**a, "features": [cluster, moved]},
                       {**a, "features": [moved, cluster]}) == ORDER_ONLY
    other = {**cluster, "properties": {**cluster["properties"], "count": 4}}
    assert "1 features differ otherwise" in differences(a, {**a, "features": [other]})
    page = {"features": [], "total": 0, "next": "abc"}
    assert "next" in differences(page, {**page, "next": "xyz"})
    assert differences(200, 500) is not None
