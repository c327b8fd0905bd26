"""How extraction time grows with an article's size: the measure behind MAX_ARTICLE_BYTES
and ASYNC_ARTICLE_BYTES (webapp/web/__init__.py).

Real news text, joined into one article of each size: the development corpora's articles
(../shared/eval, as bench/extract.py reads them) when present, else the project's sample
briefing repeated. Each size is timed once through the server's own Extractor (geoparsing,
event extraction, the regions join), with the number of events it makes.

    .venv/bin/python bench/article_size.py [--sizes 4,16,64,128,256,512,1024] (KiB)
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from webapp.models import Article  # noqa: E402

SAMPLE = ROOT / "webapp" / "samples" / "sitrep-2024-05-03.txt"


def news_text(needed: int) -> str:
    """At least ``needed`` bytes of news paragraphs."""
    import corpora

    if corpora.available():
        pieces = [a.text for name in corpora.CORPORA for a in corpora.load_corpus(name)]
    else:
        pieces = [SAMPLE.read_text(encoding="utf-8")]
    out, size, i = [], 0, 0
    while size < needed:
        out.append(pieces[i % len(pieces)])
        size += len(pieces[i % len(pieces)].encode("utf-8")) + 2
        i += 1
    return "\n\n".join(out)


def cut(text: str, size: int) -> str:
    return text.encode("utf-8")[:size].decode("utf-8", errors="ignore")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,16,64,128,256,512,1024",
                        help="article sizes in KiB, comma-separated")
    args = parser.parse_args()
    sizes = [int(s) * 1024 for s in args.sizes.split(",")]

    from webapp.extract.pipeline import Extractor
    from webapp.geocoder import OfflineGeocoder
    from webapp.regions import Regions

    extractor = Extractor(OfflineGeocoder(), Regions.load())
    text = news_text(max(sizes))
    extractor.events(Article(title="warm-up", text=cut(text, 4096), published=date(2024, 5, 3)))
    print(f"{'KiB':>6} {'seconds':>8} {'events':>7} {'KiB/s':>7}")
    for size in sizes:
        article = Article(title="bench", text=cut(text, size), published=date(2024, 5, 3))
        started = time.process_time()
        found = extractor.events(article)
        seconds = time.process_time() - started
        print(f"{size // 1024:>6} {seconds:>8.2f} {len(found):>7} {size / 1024 / seconds:>7.0f}",
              flush=True)


if __name__ == "__main__":
    main()
