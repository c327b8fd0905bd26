"""Every miss of the development corpora, sorted into causes (issue 12).

    .venv/bin/python bench/misses.py [--eval-dir ../shared/eval] [--out misses.jsonl]

Two lists: the TR-News gold toponyms the geocoder resolves more than 161 km off (as in
``bench/geocode.py``), and the gold toponyms of TR-News and GeoVirus that end-to-end
geoparsing does not get within 161 km (as in ``bench/extract.py``). Each miss gets one
cause, decided by rule from the gazetteer (no judgement by hand):

- convention: the answer is the gold's place, scored against another point for it (the
  answer's own shape, an area's polygon, holds the gold point or comes within 161 km
  of it: "Alberta" at its polygon's centroid, the gold at GeoNames' point);
- wrong candidate: a reading of the name in the gazetteer lies within 161 km of the
  gold point, but another was ranked first;
- not in gazetteer: no reading of the name lies within 161 km of the gold point (the
  gold's place is missing, or the gold point is far from every place of that name);
- and, end to end only: not found (no capitalised mention touches the span); other
  bounds (a mention or a predicted span overlaps the gold's but is longer or shorter:
  "Alberta Health"); inside an expression (the gold marks "Aleppo" of "eastern
  Aleppo", which is read whole); in a name run (a mention of that very span was
  dropped as part of a person's or a firm's name: "Manitoba Underdogs Rescue");
  filtered (dropped by another of the geoparser's rules: a sentence's first word, a
  small town with no backing in the text); resolved differently (found, but the
  pipeline's answer is wrong where the geocoder alone, asked as in geocode.py, is right).
"""
from __future__ import annotations

import argparse, json, sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpora  # noqa: E402
from geocode import shape_error_km  # noqa: E402

KM = 161


def geocode_cause(geocoder, gold, found) -> str:
    """Why the geocoder's answer ``found`` (a Location or None) misses ``gold``."""
    gaz = geocoder.gaz
    if found is not None and shape_error_km(found, gold) <= KM:
        return "convention"
    exact, loose = gaz.lookup(gold.text)
    near = [i for i in (*exact, *loose)
            if corpora.great_circle_km(gold.lat, gold.lon, gaz.lat[i], gaz.lon[i]) <= KM]
    if found is None:
        return "unresolved (name unknown)" if not (exact or loose) else "unresolved"
    return "wrong candidate" if near else "not in gazetteer"


def _mentions(text, geocoder, parser):
    from webapp.geocoder.context import capitalised_mentions
    return ({(m.start, m.end): m for m in capitalised_mentions(text, geocoder)},
            [(s, e) for s, e, _ in parser._expressions(text)])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", default=None)
    ap.add_argument("--out", type=argparse.FileType("w"), default=None)
    args = ap.parse_args(argv)
    from webapp.extract.geoparse import Geoparser
    from webapp.geocoder import OfflineGeocoder

    geocoder = OfflineGeocoder()
    parser = Geoparser(geocoder)
    for name in ("TR-News", "GeoVirus"):
        geo, e2e = Counter(), Counter()
        geo_right = geo_found = e2e_right = 0
        articles = corpora.load_corpus(name, args.eval_dir)
        n = sum(len(a.toponyms) for a in articles)
        for article in articles:
            ctx = geocoder.context(article.text)
            predicted = [{"start": t.start, "end": t.end, "lat": t.latitude,
                          "lon": t.longitude} for t in parser.toponyms(article.text)]
            matched = dict((id(g), p) for g, p in corpora.match_spans(article.toponyms,
                                                                       predicted))
            mentions = None
            for gold in article.toponyms:
                found = geocoder.geocode(gold.text, context=ctx, position=gold.start)
                alone_ok = found is not None and corpora.great_circle_km(
                    gold.lat, gold.lon, found.latitude, found.longitude) <= KM
                geo_found += found is not None
                geo_right += alone_ok
                gcause = None if alone_ok else geocode_cause(geocoder, gold, found)
                if gcause and found is not None:
                    geo[gcause] += 1
                got = matched.get(id(gold))
                if got is not None and corpora.great_circle_km(gold.lat, gold.lon, *got) <= KM:
                    e2e_right += 1
                    continue
                if got is None:
                    if mentions is None:
                        mentions, expressions = _mentions(article.text, geocoder, parser)
                    span = [m for (s, e), m in mentions.items()
                            if abs(s - gold.start) <= 2 and abs(e - gold.end) <= 2]
                    other = any(p["start"] < gold.end and gold.start < p["end"]
                                for p in predicted) or any(
                        s < gold.end and gold.start < e for s, e in mentions)
                    if found is None:
                        cause = gcause
                    elif any(s <= gold.start and gold.end <= e and e - s > len(gold.text)
                             for s, e in expressions):
                        cause = "inside an expression"
                    elif span:
                        cause = "in a name run" if span[0].in_run else "filtered"
                    else:
                        cause = "other bounds" if other else "not found"
                else:
                    cause = gcause or "resolved differently"
                e2e[cause] += 1
                if args.out:
                    args.out.write(json.dumps({
                        "corpus": name, "doc": article.doc_id, "text": gold.text,
                        "gold": [gold.lat, gold.lon], "geocode_cause": gcause,
                        "e2e_cause": cause, "got": got,
                        "geocoded": found and [found.latitude, found.longitude,
                                               found.raw.get("kind"), found.address],
                        "snippet": article.text[max(0, gold.start - 80):gold.end + 80],
                    }) + "\n")
        print(f"{name}: geocode acc@161 {geo_right}/{geo_found} = {geo_right / geo_found:.3f}; "
              f"misses {dict(geo.most_common())}")
        print(f"{name}: end-to-end recall@161 {e2e_right}/{n} = {e2e_right / n:.3f}; "
              f"misses {dict(e2e.most_common())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
