"""Hostile text through the real extractor: it answers with valid events or one of our
own errors, never anything else, and never hangs (bench/fuzz.py runs 10^5 of these)."""

import importlib.util
import time
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("fuzz_bench", ROOT / "bench" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

LIMIT = 5.0  # seconds per article in these tests
SETTINGS = settings(max_examples=300, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Every code point, lone surrogates, controls and NULs included.
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
fragments = st.sampled_from([*fuzz.PLACES, *fuzz.ACTORS, *fuzz.VERBS, *fuzz.DATES,
                             *fuzz.FIGURES, *fuzz.DEATH, *fuzz.ODD, *fuzz.PUNCT])
newsy = st.lists(st.one_of(fragments, st.text(any_char, max_size=4)), max_size=80).map(
    lambda parts: " ".join(parts))
repeated = st.tuples(st.one_of(fragments, st.text(any_char, min_size=1, max_size=3)),
                     st.sampled_from(["", " ", "-", ". ", "\n", ", "]),
                     st.integers(1, 3000)).map(lambda t: (t[0] + t[1]) * t[2])
hostile = st.one_of(st.text(any_char, max_size=400), newsy, repeated,
                    st.lists(st.one_of(newsy, repeated), max_size=4).map("\n".join))


@pytest.fixture(scope="module")
def extractor(geocoder, regions):
    from webapp.extract.pipeline import Extractor

    return Extractor(geocoder, regions)


def _outcome(extractor, text, limit=LIMIT):
    from webapp.extract.budget import ExtractionTimeout, UnreadableTextError
    from webapp.models import Article

    article = Article(title=text.strip().split("\n", 1)[0][:200], text=text,
                      published=date(2024, 4, 26))
    started = time.monotonic()
    try:
        events = extractor.events(article, time_limit=limit)
    except UnreadableTextError:
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in text)
        return "refused", time.monotonic() - started
    except ExtractionTimeout:
        return "timeout", time.monotonic() - started
    assert fuzz.problems(events, article) == []
    return "ok", time.monotonic() - started


@SETTINGS
@given(text=hostile)
def test_hostile_text_gives_valid_events_or_our_own_error(extractor, text):
    outcome, seconds = _outcome(extractor, text)
    # The limit is checked between small steps: it is overshot by little, if at all.
    assert seconds < LIMIT + 2, outcome


@settings(max_examples=30, deadline=None, database=None, derandomize=True)
@given(n=st.integers(0, 10**6))
def test_generated_articles_of_the_bench(extractor, n):
    outcome, _ = _outcome(extractor, fuzz.article_text(7, n))
    assert outcome in ("ok", "refused", "timeout")


def test_a_lone_surrogate_is_refused_with_a_clear_error(extractor):
    from webapp.errors import BriefingMapError
    from webapp.models import Article

    for fields in ({"text": "Strikes hit Rafah \ud800 on Monday."},
                   {"text": "Strikes hit Rafah.", "title": "\udfff"},
                   {"text": "Strikes hit Rafah.", "url": "https://x/\ud800"}):
        article = Article(**{"title": "", **fields})
        with pytest.raises(BriefingMapError, match="not valid Unicode"):
            extractor.events(article, published=date(2024, 4, 26))


def test_time_limit_stops_a_huge_article_and_spares_normal_ones(extractor):
    from webapp.extract.budget import ExtractionTimeout
    from webapp.ingest import read_file
    from webapp.models import Article

    names = " ".join(["Gaza Rafah Beirut Tyre Sidon Jenin Nablus Metula Cairo"] * 6000)

    started = time.monotonic()
    with pytest.raises(ExtractionTimeout, match="longer than 0.5 s"):
        extractor.events(Article(title="", text=names, published=date(2024, 5, 3)),
                         time_limit=0.5)
    assert time.monotonic() - started < 2.5  # stopped soon after the limit, not at the end
    [sitrep] = read_file(ROOT / "webapp" / "samples" / "sitrep-2024-05-03.txt",
                         published=date(2024, 5, 3))
    assert extractor.events(sitrep, time_limit=30) == extractor.events(sitrep)


@pytest.mark.parametrize("text", [
    "Of-" * 20_000,                        # hyphenated capitals: the name pattern
    "Aa " * 20_000 + "x",                  # capitals then no "border"
    "A. " * 20_000,                        # stops that do not end sentences
    "a" * 60_000 + " b. C",                # an endless word before a stop
    "north " + " " * 60_000 + "Gaza",      # a run of spaces inside an expression
    "Gaza " * 12_000,                      # one place named thousands of times
])
def test_adversarial_patterns_read_in_linear_time(extractor, text):
    """Each of these took minutes or more before (the first: 12 s at 1,500 characters,
    growing with the cube); read in linear time, they take well under the limit."""
    outcome, seconds = _outcome(extractor, text, limit=60)
    assert outcome == "ok" and seconds < 20, (outcome, seconds)
