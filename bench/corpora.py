"""Loaders and scoring for the geoparsing development corpora (GeoVirus, TR-News).

The corpora live outside the repository (default ``../shared/eval``; override with
``--eval-dir`` or BRIEFING_EVAL_DIR) and are never copied into the project.
Run ``python bench/corpora.py`` for a summary and a scoring self-check.
"""
from __future__ import annotations

import argparse, math, os, re, statistics, sys, warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

CORPORA = {"GeoVirus": "GeoVirus.xml", "TR-News": "TR-News.xml"}
EARTH_RADIUS_KM = 6371.0088
MAX_ERR_KM = 20039.0   # half the Earth's circumference: the worst possible error
WINDOW = 5             # how far (chars) a gold phrase is searched from its expected start


@dataclass
class GoldToponym:
    text: str
    start: int      # 0-based, end-exclusive: article.text[start:end] == text
    end: int
    lat: float
    lon: float


@dataclass
class GoldArticle:
    corpus: str
    doc_id: str
    text: str
    published: str | None
    toponyms: list[GoldToponym] = field(default_factory=list)


def eval_dir_default() -> Path:
    env = os.environ.get("BRIEFING_EVAL_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


def available(eval_dir=None) -> bool:
    d = Path(eval_dir) if eval_dir else eval_dir_default()
    return all((d / f).is_file() for f in CORPORA.values())


def _parse_xml(path: Path) -> ET.Element:
    raw = path.read_text(encoding="utf-8", errors="replace")
    # XML 1.0 forbids most control chars; a same-length substitute keeps offsets intact.
    raw = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", raw)
    try:
        return ET.fromstring(raw)
    except ET.ParseError:
        # Escape bare '&' outside CDATA sections (inside CDATA it is literal already).
        parts = re.split(r"(<!\[CDATA\[.*?\]\]>)", raw, flags=re.S)
        fix = lambda s: re.sub(r"&(?!#\d+;|#x[0-9a-fA-F]+;|\w+;)", "&amp;", s)
        return ET.fromstring("".join(p if p.startswith("<![CDATA[") else fix(p) for p in parts))


def _child(el: ET.Element, tag: str) -> str:
    c = el.find(tag)
    return (c.text or "").strip() if c is not None else ""


def _align(text, items, stats):
    """items: (phrase, expected_start, lat, lon). Finds each phrase near its expected
    start. Offsets in a document drift cumulatively, so the search follows the drift seen
    on the previous toponym too; if +-5 finds nothing a +-15 window is tried (one TR-News
    document jumps by 6 chars, then drifts to -10)."""
    out, drift = [], 0
    for phrase, exp, lat, lon in sorted(items, key=lambda it: it[1]):
        for w in (WINDOW, 3 * WINDOW):
            cands = {p for base in (exp, exp + drift) for p in range(max(0, base - w), base + w + 1)
                     if phrase and text.startswith(phrase, p)}
            if cands:
                break
        else:
            stats["unfixable"] += 1
            continue
        pos = min(cands, key=lambda p: (abs(p - exp - drift), abs(p - exp)))
        drift = pos - exp
        stats["exact" if drift == 0 else "shifted" if abs(drift) <= WINDOW else "shifted_far"] += 1
        out.append(GoldToponym(phrase, pos, pos + len(phrase), lat, lon))
    return out


def load_corpus(name: str, eval_dir=None, stats: dict | None = None) -> list[GoldArticle]:
    """Load one corpus. If `stats` is a dict it receives: documents, kept, and per gold
    toponym exact / shifted (<=5 chars) / shifted_far (>5) / unfixable (dropped) /
    no_coords (skipped: no lat/lon or malformed entry)."""
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; expected one of {sorted(CORPORA)}")
    root = _parse_xml(Path(eval_dir or eval_dir_default()) / CORPORA[name])
    st = dict.fromkeys(["exact", "shifted", "shifted_far", "unfixable", "no_coords"], 0)
    articles = []
    for i, art in enumerate(root.iter("article")):
        tnode = art.find("text")
        text = (tnode.text or "") if tnode is not None else ""
        if name == "GeoVirus":   # iter() also reaches the <location> wrongly nested in another
            nodes = [(loc, loc, "name", -1) for loc in art.iter("location")]
            doc_id, published = f"{i:04d}:{_child(art, 'source')}", None
        else:
            nodes = [(tp, tp.find("gaztag"), "phrase", 0) for tp in art.iter("toponym")]
            doc_id, published = art.get("docid") or str(i), _child(art, "dltime") or None
        items = []
        for node, geo, tag, base in nodes:
            try:
                items.append((node.find(tag).text or "", int(_child(node, "start")) + base,
                              float(_child(geo, "lat")), float(_child(geo, "lon"))))
            except (AttributeError, ValueError):   # no gaztag, empty lat/lon, missing field
                st["no_coords"] += 1
        articles.append(GoldArticle(name, doc_id, text, published, _align(text, items, st)))
    if st["unfixable"]:
        warnings.warn(f"{name}: {st['unfixable']} gold toponyms dropped (text not found near offsets)")
    if stats is not None:
        stats.update(st, documents=len(articles), kept=sum(len(a.toponyms) for a in articles))
    return articles


def great_circle_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def score(pairs) -> dict:
    """pairs: (gold GoldToponym, predicted (lat, lon) or None). Undefined stats are None."""
    errs = [great_circle_km(g.lat, g.lon, p[0], p[1]) for g, p in pairs if p is not None]
    n, found = len(pairs), len(errs)
    good = sum(e <= 161 for e in errs)
    logs = sorted(math.log(e + 1) for e in errs)
    if found > 1:   # trapezoid rule with unit spacing, normalised to [0, 1]
        auc = (sum(logs) - (logs[0] + logs[-1]) / 2) / (math.log(MAX_ERR_KM) * (found - 1))
    else:           # one point: its normalised height (the limit of the formula)
        auc = logs[0] / math.log(MAX_ERR_KM) if logs else None
    return {"n": n, "found": found,
            "acc@161": good / found if found else None, "recall@161": good / n if n else None,
            "mean_km": statistics.fmean(errs) if errs else None,
            "median_km": statistics.median(errs) if errs else None, "auc": auc}


def match_spans(gold_toponyms, predicted, tol: int = 2) -> list:
    """Pair the gold toponyms of ONE document with predictions (objects or dicts with
    start, end, lat, lon) whose both ends are within `tol` chars; one-to-one, closest
    first. Predictions without coordinates are ignored. Returns (gold, (lat, lon) | None)."""
    get = lambda it, k: it[k] if isinstance(it, dict) else getattr(it, k)
    preds = [tuple(get(p, k) for k in ("start", "end", "lat", "lon")) for p in predicted]
    preds = [p for p in preds if p[2] is not None and p[3] is not None]
    cands = sorted((abs(g.start - s) + abs(g.end - e), gi, pi)
                   for gi, g in enumerate(gold_toponyms) for pi, (s, e, _, _) in enumerate(preds)
                   if abs(g.start - s) <= tol and abs(g.end - e) <= tol)
    matched, used = {}, set()
    for _, gi, pi in cands:
        if gi not in matched and pi not in used:
            matched[gi] = preds[pi][2:]
            used.add(pi)
    return [(g, matched.get(gi)) for gi, g in enumerate(gold_toponyms)]


def score_spans(gold_toponyms, predicted_toponyms, tol: int = 2) -> dict:
    """End-to-end score for one document. For a corpus, concatenate the per-document
    match_spans() results and pass them to score()."""
    return score(match_spans(gold_toponyms, predicted_toponyms, tol))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=None)
    eval_dir = ap.parse_args(argv).eval_dir or eval_dir_default()
    if not available(eval_dir):
        print(f"corpora not found in {eval_dir}", file=sys.stderr)
        return 1
    fmt = lambda r: "  ".join(f"{k}={'-' if v is None else f'{v:.3f}' if isinstance(v, float) else v}"
                              for k, v in r.items())
    for name in CORPORA:
        st = {}
        docs = load_corpus(name, eval_dir, st)
        golds = [t for d in docs for t in d.toponyms]
        print(f"{name}: documents={st['documents']} gold_kept={st['kept']} "
              f"no_coords_skipped={st['no_coords']} offsets: exact={st['exact']} "
              f"shifted<=5={st['shifted']} shifted>5={st['shifted_far']} unfixable={st['unfixable']}")
        print("  baseline (0,0):   " + fmt(score([(g, (0.0, 0.0)) for g in golds])))
        print("  baseline gold:    " + fmt(score([(g, (g.lat, g.lon)) for g in golds])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
