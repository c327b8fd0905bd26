"""Benchmark of geoparsing and event extraction.

    .venv/bin/python bench/extract.py [--eval-dir ../shared/eval] [--errors FILE]

- end-to-end geoparsing on the development corpora: every article geoparsed from its
  raw text, toponyms matched to gold spans within 2 characters, then recall@161 (found
  and within 161 km, over all gold) and acc@161 (within 161 km, over the found);
- throughput: articles/s and sentences/s for geoparsing plus event extraction over
  the corpora's articles (publication date fixed, regions joined).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpora  # noqa: E402


def geoparse_scores(parser, articles, errors=None) -> dict:
    pairs = []
    predicted_count = 0
    for article in articles:
        predicted = [{"start": t.start, "end": t.end, "lat": t.latitude, "lon": t.longitude}
                     for t in parser.toponyms(article.text)]
        predicted_count += len(predicted)
        matched = corpora.match_spans(article.toponyms, predicted)
        pairs += matched
        if errors is not None:
            for gold, got in matched:
                err = corpora.great_circle_km(gold.lat, gold.lon, *got) if got else None
                if err is None or err > 161:
                    errors.write(json.dumps({"corpus": article.corpus, "doc": article.doc_id,
                                             "text": gold.text, "err_km": err and round(err),
                                             "found": got is not None}) + "\n")
    scores = corpora.score(pairs)
    # Precision: predicted spans that match a gold span (the corpora annotate most places
    # in their texts, not all, so this is a floor).
    scores["predicted"] = predicted_count
    scores["precision"] = scores["found"] / predicted_count if predicted_count else 0.0
    return scores


def throughput(extractor, articles) -> dict:
    from webapp.extract.sentences import split
    from webapp.models import Article

    docs = [Article(title=a.text.strip().splitlines()[0][:200], text=a.text)
            for a in articles]
    sentences = sum(len(split(d.text)) for d in docs)
    started = time.perf_counter()
    events = sum(len(extractor.events(d, published=date(2024, 4, 26))) for d in docs)
    seconds = time.perf_counter() - started
    return {"articles": len(docs), "sentences": sentences, "events": events,
            "articles_per_s": len(docs) / seconds, "sentences_per_s": sentences / seconds}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", default=None)
    ap.add_argument("--errors", type=argparse.FileType("w"), default=None)
    args = ap.parse_args(argv)

    from webapp.extract.geoparse import Geoparser
    from webapp.extract.pipeline import Extractor
    from webapp.geocoder import OfflineGeocoder
    from webapp.regions import Regions

    if not corpora.available(args.eval_dir):
        print("eval corpora not found: nothing to measure")
        return 0
    geocoder = OfflineGeocoder()
    parser = Geoparser(geocoder)
    everything = []
    for name in ("TR-News", "GeoVirus"):
        articles = corpora.load_corpus(name, args.eval_dir)
        everything += articles
        s = geoparse_scores(parser, articles, args.errors)
        print(f"{name} end-to-end: gold={s['n']} found={s['found']} "
              f"recall@161={s['recall@161']:.3f} acc@161={s['acc@161']:.3f} "
              f"median_km={s['median_km']:.1f} predicted={s['predicted']} "
              f"precision={s['precision']:.3f}")
    t = throughput(Extractor(geocoder, Regions.load()), everything)
    print(f"geoparse + extraction: {t['articles']} articles, {t['sentences']} sentences, "
          f"{t['events']} events: {t['articles_per_s']:.1f} articles/s, "
          f"{t['sentences_per_s']:.0f} sentences/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
