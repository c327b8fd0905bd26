"""Tests for bench/corpora.py: corpus loaders (skipped without the eval corpora) and scoring."""
import math
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "bench"))
import corpora  # noqa: E402  (bench/ is a script folder, not a package)

EVAL_DIR = corpora.eval_dir_default()
needs_corpora = pytest.mark.skipif(not corpora.available(EVAL_DIR),
                                   reason=f"eval corpora not found in {EVAL_DIR}")
KM_PER_DEG_LAT = corpora.EARTH_RADIUS_KM * math.pi / 180


def gold(lat=10.0, lon=20.0, start=0, end=5, text="Paris"):
    return corpora.GoldToponym(text, start, end, lat, lon)


def north_of(g, km):
    return (g.lat + km / KM_PER_DEG_LAT, g.lon)


@pytest.fixture(scope="module", params=["GeoVirus", "TR-News"])
def loaded(request):
    if not corpora.available(EVAL_DIR):
        pytest.skip(f"eval corpora not found in {EVAL_DIR}")
    stats = {}
    return request.param, corpora.load_corpus(request.param, EVAL_DIR, stats), stats


@needs_corpora
def test_document_counts():
    assert len(corpora.load_corpus("GeoVirus", EVAL_DIR)) == 229
    assert len(corpora.load_corpus("TR-News", EVAL_DIR)) == 118


def test_offsets_match_article_text(loaded):
    name, docs, stats = loaded
    assert stats["kept"] > 1000
    for doc in docs:
        assert doc.corpus == name
        for t in doc.toponyms:
            assert doc.text[t.start:t.end] == t.text, (doc.doc_id, t)
            assert -90 <= t.lat <= 90 and -180 <= t.lon <= 180


def test_tr_news_metadata_and_skips(loaded):
    name, docs, stats = loaded
    if name != "TR-News":
        pytest.skip("TR-News only")
    assert stats["no_coords"] > 0          # toponyms without a GeoNames record are skipped
    # dltime is free text (many formats) and empty in some documents -> None
    assert all(d.published is None or d.published.strip() for d in docs)
    assert sum(d.published is not None for d in docs) > 100


def test_perfect_predictions_on_corpus(loaded):
    _, docs, _ = loaded
    golds = [t for d in docs for t in d.toponyms]
    res = corpora.score([(g, (g.lat, g.lon)) for g in golds])
    assert res["acc@161"] == 1.0 and res["recall@161"] == 1.0 and res["n"] == len(golds)
    doc = max(docs, key=lambda d: len(d.toponyms))
    res = corpora.score_spans(doc.toponyms, doc.toponyms)
    assert res["acc@161"] == 1.0 and res["recall@161"] == 1.0


def test_perfect_predictions_synthetic():
    golds = [gold(10, 20), gold(-33.9, 151.2), gold(64.1, -21.9)]
    res = corpora.score([(g, (g.lat, g.lon)) for g in golds])
    assert res["acc@161"] == 1.0 and res["recall@161"] == 1.0
    assert res["mean_km"] == pytest.approx(0.0, abs=1e-6) and res["auc"] == pytest.approx(0.0, abs=1e-9)


def test_161_km_threshold():
    g = gold()
    assert corpora.great_circle_km(g.lat, g.lon, *north_of(g, 100)) == pytest.approx(100, abs=0.01)
    res = corpora.score([(g, north_of(g, 200))])
    assert res["acc@161"] == 0.0 and res["recall@161"] == 0.0
    assert res["mean_km"] == pytest.approx(200, abs=0.01)
    res = corpora.score([(g, north_of(g, 100))])
    assert res["acc@161"] == 1.0 and res["recall@161"] == 1.0


def test_recall_counts_missing_predictions():
    g1, g2 = gold(), gold(start=10, end=15)
    res = corpora.score([(g1, (g1.lat, g1.lon)), (g2, None)])
    assert res["n"] == 2 and res["found"] == 1
    assert res["acc@161"] == 1.0 and res["recall@161"] == 0.5


def test_auc_matches_trapezoid_formula():
    g = gold(0, 0)
    errs = [0.0, 50.0, 400.0, 3000.0]
    res = corpora.score([(g, (km / KM_PER_DEG_LAT, 0.0)) for km in errs])
    ys = sorted(math.log(e + 1) for e in errs)
    trapz = sum((a + b) / 2 for a, b in zip(ys, ys[1:]))
    assert res["auc"] == pytest.approx(trapz / (math.log(20039) * (len(errs) - 1)), rel=1e-6)


def pred(start, end, lat=10.0, lon=20.0):
    return {"start": start, "end": end, "lat": lat, "lon": lon}


@pytest.mark.parametrize("ds,de,found", [(0, 0, 1), (2, 0, 1), (-2, 2, 1), (0, -2, 1),
                                         (3, 0, 0), (0, 3, 0), (-3, -3, 0)])
def test_span_tolerance(ds, de, found):
    g = gold(start=100, end=108, text="Brussels")
    res = corpora.score_spans([g], [pred(100 + ds, 108 + de)])
    assert res["found"] == found
    assert res["recall@161"] == found


def test_span_prediction_matches_one_gold_only():
    g1, g2 = gold(start=100, end=105), gold(start=101, end=106)
    res = corpora.score_spans([g1, g2], [pred(101, 106)])
    assert res["found"] == 1 and res["recall@161"] == 0.5
    pairs = corpora.match_spans([g1, g2], [pred(101, 106)])
    assert pairs[0][1] is None and pairs[1][1] == (10.0, 20.0)   # exact match preferred
    res = corpora.score_spans([g1, g2], [pred(100, 105), pred(101, 106)])
    assert res["found"] == 2 and res["recall@161"] == 1.0


def test_span_wrong_place_is_found_but_wrong():
    g = gold(start=0, end=5)
    res = corpora.score_spans([g], [pred(0, 5, lat=-10.0, lon=-20.0)])
    assert res["found"] == 1 and res["acc@161"] == 0.0 and res["recall@161"] == 0.0
