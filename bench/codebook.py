"""How closely the extractor codes event notes the way ACLED's codebook does.

    .venv/bin/python bench/codebook.py [--notes tests/data/codebook_notes.jsonl] [--misses]

Each line of the notes file is one report written in the style of ACLED's notes, with
the coding a trained coder would give it (event type, sub-event type, fatalities, event
date, civilian targeting) and the day it was published. Each report is extracted as an
article of its own; its first event is compared with the expected coding. Printed:
events found (share of reports with at least one event), then, over all reports (a
report with no event counts as wrong), event type, sub-event type, fatalities exact,
date exact and civilian targeting accuracy.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOTES = ROOT / "tests" / "data" / "codebook_notes.jsonl"
MEASURES = ("event_type", "sub_event_type", "fatalities", "date", "civilian_targeting")


def load_notes(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def coded(extractor, note: dict) -> dict | None:
    """The first event's coding of one note, in the notes file's terms; None if none."""
    from webapp.models import Article

    published = date.fromisoformat(note["published"])
    article = Article(title=f"note {note['id']}", text=note["text"], published=published)
    events = extractor.events(article)
    if not events:
        return None
    ev = events[0]
    return {"event_type": ev.event_type, "sub_event_type": ev.sub_event_type,
            "fatalities": ev.fatalities,
            "date": ev.event_date.isoformat() if ev.event_date else None,
            "civilian_targeting": bool(ev.extra.get("civilian_targeting"))}


def score(extractor, notes: list[dict], misses: bool = False) -> dict:
    right = dict.fromkeys(MEASURES, 0)
    found = 0
    for note in notes:
        got = coded(extractor, note)
        if got is None:
            if misses:
                print(f"  #{note['id']}: no event")
            continue
        found += 1
        for key in MEASURES:
            if got[key] == note[key]:
                right[key] += 1
            elif misses:
                print(f"  #{note['id']} {key}: expected {note[key]!r}, got {got[key]!r}")
    n = len(notes)
    return {"notes": n, "events_found": found / n, **{k: v / n for k, v in right.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=Path, default=NOTES)
    parser.add_argument("--misses", action="store_true", help="print each wrong field")
    args = parser.parse_args()

    from webapp.extract.pipeline import Extractor
    from webapp.geocoder import OfflineGeocoder

    result = score(Extractor(OfflineGeocoder()), load_notes(args.notes), args.misses)
    print(f"codebook notes: n={result['notes']} events found={result['events_found']:.2f} "
          f"type={result['event_type']:.2f} sub-type={result['sub_event_type']:.2f} "
          f"fatalities exact={result['fatalities']:.2f} date={result['date']:.2f} "
          f"civilian targeting={result['civilian_targeting']:.2f}")


if __name__ == "__main__":
    main()
