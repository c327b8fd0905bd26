"""Fuzzing the text pipeline: generated hostile articles through the real extractor.

    .venv/bin/python bench/fuzz.py [-n 100000] [--large 300] [--seed 1] [--jobs 2]
                                   [--time-limit 10]

Each article is made by a seeded generator (so a failure can be replayed with its seed
and number): news-like sentences built from place names, dates, figures, actors and
event words, mixed with what an attacker or a broken feed sends: combining marks,
Arabic and Hebrew, right-to-left and zero-width marks, lone surrogates, NULs and
control characters, endless words and sentences without punctuation, one place name
thousands of times, runs of digits, brackets and stops. ``-n`` short articles (up to a
few kB) are followed by ``--large`` big ones (20-200 kB). Each goes through
``Extractor.events`` with the real offline geocoder and regions and a time limit.

An article passes when ``events`` returns valid events (:func:`problems`: vocabulary,
dates, precisions, coordinates in range, spans inside the text, text storable as
UTF-8) or raises one of our own errors: ExtractionTimeout past the limit, or
UnreadableTextError for lone surrogates. Anything else is a failure, printed with
the seed and number that rebuild the article.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PUBLISHED = date(2024, 4, 26)

PLACES = ["Gaza", "Rafah", "Khan Younis", "Deir el-Balah", "al-Mawasi", "northern Gaza",
          "southern Lebanon", "the Israel-Lebanon border", "10 km south of Tyre", "Beirut",
          "Tripoli", "Paris, Texas", "Cairo", "the West Bank", "Jenin", "Metula", "Egypt",
          "Israel", "Lebanon", "the Gaza-Egypt border", "the border with Egypt", "Sidon",
          "the Kerem Shalom crossing", "Nablus", "Aleppo", "Kyiv", "Washington", "Tyre",
          "Democratic Republic of the Congo", "Canada-EU", "Israel-Hamas", "St. Louis",
          "U.S.", "Syria", "Damascus", "the Red Sea", "Hodeidah", "Sanaa", "the Sahel"]
ACTORS = ["Israeli troops", "Hezbollah", "Hamas", "the Israeli military", "Egyptian "
          "delegation", "Lebanese army", "militants", "civilians", "the IDF", "Houthis",
          "U.S. officials", "Egypt's intelligence chief", "security forces", "protesters"]
VERBS = ["fired rockets at", "struck", "killed", "ambushed", "shelled", "raided",
         "met with", "arrested", "clashed with", "deployed tanks near", "warned",
         "sent a delegation to", "evacuated", "torched homes in", "were killed by"]
DATES = ["on Monday", "overnight", "Oct. 7", "last week", "on 12 May 2024", "2024-04-25",
         "in April", "since the war began", "yesterday", "in 2006", "Feb. 30", "May 31st",
         "last Friday", "in recent months", "early March", "the 2006 war"]
FIGURES = ["at least 20", "two", "dozens of", "34,600", "1,000,000", "hundreds of",
           "more than 350", "a", "15-year-old", "twenty-five", "3.5 million", "no"]
DEATH = ["people were killed", "dead", "died", "soldiers", "civilians killed",
         "the death toll rose to", "have been killed in the war", "wounded"]
ODD = ["\u0301", "\u0651\u064e", "غزة", "رفح", "עזה", "\u200b", "\u200d", "\u200f",
       "\u202e", "\ufeff", "\x00", "\x07", "\x1b[31m", "\u2028", "\u0085", "\U0001F4A5",
       "Z\u0351\u0352\u0353\u0354", "\u00a0", "\t", "\r", "İ",
       "ß", "ﬁ", "Ⅻ", "٣٤", "\u3000", "<b>", "&amp;", "\\u0000", "\u0600"]
PUNCT = [".", "!", "?", ",", ";", ":", "--", "(", ")", "[", "]", "\"", "'", "’", "-",
         "...", "/", "—"]


def _sentence(rng: random.Random) -> str:
    parts = [rng.choice(ACTORS), rng.choice(VERBS), rng.choice(PLACES)]
    if rng.random() < 0.6:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(DATES))
    if rng.random() < 0.5:
        parts += [rng.choice(["killing", "and", ","]), rng.choice(FIGURES),
                  rng.choice(DEATH)]
    if rng.random() < 0.3:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(ODD))
    text = " ".join(parts)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "!", "", "?", ".\""])


def _news(rng: random.Random, size: int) -> str:
    lines, length = [rng.choice(PLACES).upper() + " (AP) -- "], 0
    while length < size:
        s = _sentence(rng)
        lines.append(s + rng.choice([" ", " ", "\n", "\n\n"]))
        length += len(s) + 1
    return "".join(lines)


def _garbage(rng: random.Random, size: int) -> str:
    """Code points from all of Unicode, surrogates and controls included."""
    pools = [(0, 0x7F), (0x80, 0x2FF), (0x300, 0x36F), (0x590, 0x6FF), (0x2000, 0x206F),
             (0xE000, 0xFFFF), (0x10000, 0x10FFFF)]
    if rng.random() < 0.05:  # lone surrogates are refused whole: a few articles suffice
        pools.append((0xD800, 0xDFFF))
    out = []
    for _ in range(size):
        lo, hi = rng.choice(pools)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def _repeat(rng: random.Random, size: int) -> str:
    """One piece over and over: the inputs that make backtracking patterns blow up."""
    piece = rng.choice([*PLACES, *ACTORS, *DATES, *FIGURES, *ODD, *PUNCT, " ", "  ", "A",
                        "A-", "Of-", "Aa ", "A. ", "1", "1,", "1.", "killed ", "killed 1 ",
                        "including ", ", and ", "the ", "al ", "north ", "border ", "a.",
                        "Mr. ", "(((", "[", "]]", "Gaza Gaza ", "since ", "Monday ",
                        "\t", "x" * 50, "Aaaa" * 30, "in the ", "\n", "\n\n"])
    glue = rng.choice(["", " ", " ", "\n", ". ", "-", ", "])
    return (piece + glue) * max(1, size // max(1, len(piece + glue)))


def _mixed(rng: random.Random, size: int) -> str:
    pieces = [_news, _garbage, _repeat]
    out, length = [], 0
    while length < size:
        chunk = rng.choice(pieces)(rng, rng.randint(1, max(1, size // 3)))
        out.append(chunk)
        length += len(chunk)
    return "".join(out)


def _capitals(rng: random.Random, size: int) -> str:
    """Thousands of capitalised words, no punctuation: every one a name candidate."""
    words = [rng.choice(PLACES).split()[0].capitalize() if rng.random() < 0.3 else
             rng.choice("ABCDEFGHIKLMNOPRSTW") + "".join(rng.choices("aeioulnrst", k=4))
             for _ in range(size // 6 + 1)]
    return " ".join(words)


KINDS = [(_news, 0.35), (_mixed, 0.2), (_repeat, 0.2), (_garbage, 0.1), (_capitals, 0.15)]


def article_text(seed: int, n: int, large: bool = False) -> str:
    """Article number ``n`` of run ``seed``: the same every time it is asked for."""
    rng = random.Random(f"{seed}:{n}:{large}")
    size = rng.randint(20_000, 200_000) if large else int(rng.expovariate(1 / 200)) + 1
    make = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    text = make(rng, size)
    if rng.random() < 0.002:
        text += rng.choice(["\ud800", "\udfff"])  # what a JSON "\ud800" escape gives
    return text[:size * 2] if text else "x"


def problems(events, article) -> list[str]:
    """Why the extractor's answer for ``article`` is wrong (empty when it is fine)."""
    from webapp.models import Event
    from webapp.store.base import event_problem

    out = []
    if not isinstance(events, list):
        return [f"events is a {type(events).__name__}, not a list"]
    for e in events:
        if not isinstance(e, Event):
            out.append(f"not an Event: {e!r}")
            continue
        problem = event_problem(e)
        if problem:
            out.append(f"{e.event_id}: {problem}")
        if not isinstance(e.event_date, date):
            out.append(f"{e.event_id}: no event date")
        if e.span is None or not 0 <= e.span[0] < e.span[1] <= len(article.text):
            out.append(f"{e.event_id}: span {e.span} outside the text")
        elif not e.notes or not article.text.startswith(e.notes.split()[0], e.span[0]):
            out.append(f"{e.event_id}: notes do not start at the span")
        try:
            for value in (e.notes, e.location, e.actor1, e.actor2, e.source):
                value.encode("utf-8")
        except UnicodeEncodeError:
            out.append(f"{e.event_id}: text that cannot be stored")
    return out


_EXTRACTOR = None


def _extractor():
    global _EXTRACTOR
    if _EXTRACTOR is None:
        from webapp.extract.pipeline import Extractor
        from webapp.geocoder import OfflineGeocoder
        from webapp.regions import Regions

        _EXTRACTOR = Extractor(OfflineGeocoder(), Regions.load())
    return _EXTRACTOR


def run_one(job: tuple) -> tuple:
    """(n, large, seconds, outcome, detail) for one generated article."""
    from webapp.errors import BriefingMapError
    from webapp.extract.budget import ExtractionTimeout
    from webapp.models import Article

    seed, n, large, limit = job
    text = article_text(seed, n, large)
    title = text.strip().split("\n", 1)[0][:200] if text.strip() else ""
    article = Article(title=title, text=text, published=PUBLISHED)
    extractor = _extractor()  # loaded once per process, outside the time measured
    started = time.perf_counter()
    try:
        events = extractor.events(article, time_limit=limit)
    except ExtractionTimeout:
        return n, large, time.perf_counter() - started, "timeout", ""
    except BriefingMapError as err:
        return n, large, time.perf_counter() - started, "refused", type(err).__name__
    except Exception as err:  # noqa: BLE001 - the very thing this bench counts
        return n, large, time.perf_counter() - started, "failure", f"{type(err).__name__}: {err}"
    seconds = time.perf_counter() - started
    found = problems(events, article)
    return n, large, seconds, ("invalid" if found else "ok"), "; ".join(found[:3])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="short articles")
    ap.add_argument("--large", type=int, default=100, help="large articles (20-200 kB)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=10.0)
    args = ap.parse_args(argv)

    jobs = [(args.seed, n, False, args.time_limit) for n in range(args.n)]
    jobs += [(args.seed, n, True, args.time_limit) for n in range(args.large)]
    started = time.perf_counter()
    results = {"short": [], "large": []}
    counts: dict[str, int] = {}
    with Pool(args.jobs) as pool:
        for k, (n, large, seconds, outcome, detail) in enumerate(
                pool.imap_unordered(run_one, jobs, chunksize=50), 1):
            results["large" if large else "short"].append(seconds)
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome in ("failure", "invalid", "timeout"):
                print(f"{outcome}: seed {args.seed} article {n} large={large} "
                      f"({seconds:.2f} s) {detail}", flush=True)
            if k % 10_000 == 0:
                print(f"... {k} articles, {time.perf_counter() - started:.0f} s", flush=True)
    wall = time.perf_counter() - started
    print(f"articles: {len(jobs)} in {wall:.0f} s wall ({args.jobs} processes); outcomes: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for name, times in results.items():
        if times:
            times.sort()
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            print(f"{name}: {len(times)} articles, median {times[len(times) // 2] * 1e3:.1f} ms, "
                  f"p99 {p99 * 1e3:.1f} ms, max {times[-1] * 1e3:.0f} ms")
    bad = counts.get("failure", 0) + counts.get("invalid", 0)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
