"""What the user's places cost extraction: the TR-News articles extracted with the plain
offline geocoder, with it wrapped but no user places, and with N made-up user places
(CPU time, so that other jobs on the machine count less; a fresh geocoder per round).

    .venv/bin/python bench/user_places.py [--places 48000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpora  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--places", type=int, default=48_000)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)

    from webapp.extract.pipeline import Extractor
    from webapp.geocoder import OfflineGeocoder
    from webapp.geocoder.user_places import UserPlacesGeocoder
    from webapp.models import Article, UserPlace
    from webapp.regions import Regions

    if not corpora.available():
        print("eval corpora not found: nothing to measure")
        return 0
    articles = [Article(title="", text=a.text, published=date(2024, 5, 3))
                for a in corpora.load_corpus("TR-News")]
    rng = random.Random(1)
    places = [UserPlace(f"Town {i}", rng.uniform(-40, 60), rng.uniform(-100, 100),
                        country_code="SY", admin1=f"Province {i % 20}", kind="city", id=i)
              for i in range(args.places)]
    regions = Regions.load()
    for _ in range(args.rounds):
        for label in ("plain", "no user places", f"{args.places:,} user places"):
            plain = OfflineGeocoder()
            geocoder = plain if label == "plain" else UserPlacesGeocoder(plain)
            built = ""
            if label not in ("plain", "no user places"):
                started = time.process_time()
                geocoder.use(("bench", 1), places)
                built = f" (index built in {time.process_time() - started:.2f} s CPU)"
            extractor = Extractor(geocoder, regions)
            extractor.events(articles[0])   # warm: the regions' trees
            started = time.process_time()
            for article in articles:
                extractor.events(article)
            seconds = time.process_time() - started
            print(f"{label:>22}: {len(articles)} articles, {seconds:.2f} s CPU, "
                  f"{len(articles) / seconds:.1f} articles per CPU-second{built}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
