"""Benchmark of the offline geocoder: build, load, memory, speed and accuracy.

    .venv/bin/python bench/geocode.py [--eval-dir ../shared/eval] [--skip-build]
        [--errors FILE]   # also write every wrong resolution (> 161 km) as JSON lines

Accuracy: every gold toponym of TR-News and GeoVirus resolved with its whole article as
context (acc@161, median error km, AUC as ../shared/eval/README.md defines them).
Load time and memory are measured in a fresh process, as a user's command would see them.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpora  # noqa: E402
import shapely.ops  # noqa: E402
from shapely.geometry import Point, shape  # noqa: E402

_LOAD_PROBE = """
import time, psutil, sys
t = time.perf_counter()
from webapp.geocoder import OfflineGeocoder
g = OfflineGeocoder(cache_dir=sys.argv[1])
loaded = time.perf_counter() - t
g.geocode("Rafah", context="Israeli strikes on Gaza")
print(loaded, psutil.Process().memory_info().rss / 2**20)
"""


def measure_build() -> float:
    from webapp.geocoder.gazetteer import load_gazetteer

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        load_gazetteer(Path(tmp))
        return time.perf_counter() - started


def measure_load(cache_dir: Path, runs: int = 3) -> tuple[float, float]:
    best_load, rss = float("inf"), 0.0
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _LOAD_PROBE, str(cache_dir)], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
        best_load, rss = min(best_load, float(out[0])), max(rss, float(out[1]))
    return best_load, rss


def measure_speed(geocoder, articles) -> dict:
    queries = [(t.text, a.text) for a in articles for t in a.toponyms]
    started = time.perf_counter()
    for text, _ in queries:
        geocoder.geocode(text)
    plain = len(queries) / (time.perf_counter() - started)
    for _, article in queries:  # contexts prepared once per article, as a batch would
        geocoder.context(article)
    started = time.perf_counter()
    for text, article in queries:
        geocoder.geocode(text, context=article)
    with_context = len(queries) / (time.perf_counter() - started)
    return {"queries": len(queries), "qps_plain": plain, "qps_with_context": with_context}


def shape_error_km(found, gold) -> float:
    """Km from the gold point to the answer's own shape (0 when inside it).

    The standard score compares points, so a country resolved right still counts as
    wrong when its gazetteer point is not the corpus's (Canada's GeoNames point and
    Wikipedia's lie 1,000 km apart). This supplementary score credits the right area.
    """
    geom = shape(found.raw["geometry"])
    if geom.geom_type == "Point" or geom.covers(Point(gold.lon, gold.lat)):
        if geom.geom_type == "Point":
            return corpora.great_circle_km(gold.lat, gold.lon, found.latitude, found.longitude)
        return 0.0
    nearest = shapely.ops.nearest_points(geom, Point(gold.lon, gold.lat))[0]
    return corpora.great_circle_km(gold.lat, gold.lon, nearest.y, nearest.x)


def measure_accuracy(geocoder, articles, errors=None) -> dict:
    pairs, shape_hits = [], 0
    for article in articles:
        ctx = geocoder.context(article.text)
        for gold in article.toponyms:
            found = geocoder.geocode(gold.text, context=ctx, position=gold.start)
            predicted = (found.latitude, found.longitude) if found else None
            pairs.append((gold, predicted))
            shape_hits += bool(found) and shape_error_km(found, gold) <= 161
            if errors is not None:
                err = (corpora.great_circle_km(gold.lat, gold.lon, *predicted)
                       if predicted else None)
                if err is None or err > 161:
                    errors.write(json.dumps({
                        "corpus": article.corpus, "doc": article.doc_id, "text": gold.text,
                        "gold": [gold.lat, gold.lon], "err_km": err and round(err),
                        "got": found.raw if found else None,
                        "snippet": article.text[max(0, gold.start - 60):gold.end + 60],
                    }, default=str) + "\n")
    scores = corpora.score(pairs)
    scores["shape_acc@161"] = shape_hits / scores["found"] if scores["found"] else None
    return scores


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", default=None)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--errors", type=argparse.FileType("w"), default=None)
    args = parser.parse_args(argv)

    from webapp.geocoder import OfflineGeocoder
    from webapp.geocoder.gazetteer import default_cache_dir, load_gazetteer

    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, {__import__('os').cpu_count()} cores")
    if not args.skip_build:
        print(f"index build (cold, no cache): {measure_build():.1f} s")
    load_gazetteer(default_cache_dir())  # make sure the cache exists
    load_s, rss = measure_load(default_cache_dir())
    print(f"index load (fresh process, best of 3): {load_s:.2f} s; resident memory {rss:.0f} MB")

    if not corpora.available(args.eval_dir):
        print("eval corpora not found: accuracy and speed skipped")
        return 0
    geocoder = OfflineGeocoder()
    everything = []
    for name in ("TR-News", "GeoVirus"):
        articles = corpora.load_corpus(name, args.eval_dir)
        everything += articles
        s = measure_accuracy(geocoder, articles, args.errors)
        print(f"{name}: n={s['n']} resolved={s['found']} acc@161={s['acc@161']:.3f} "
              f"recall@161={s['recall@161']:.3f} median_km={s['median_km']:.1f} "
              f"mean_km={s['mean_km']:.0f} auc={s['auc']:.3f} "
              f"shape_acc@161={s['shape_acc@161']:.3f}")
    speed = measure_speed(geocoder, everything)
    print(f"speed: {speed['queries']} queries, {speed['qps_plain']:,.0f} q/s without context, "
          f"{speed['qps_with_context']:,.0f} q/s with article context")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
