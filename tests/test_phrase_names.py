"""A spatial expression marks the place name it is built on.

"eastern Homs" or "12 kilometres south of Tyre" is read as the phrase says (a part of
the place, a point off it, ACLED's geo-precision 2), but the words a reader sees marked
as the place, and an annotator marks, are the name: "Homs", "Tyre". A phrase of two
names, a capitalised direction that is part of a name, and a phrase that is itself a
place's name stay whole.
"""

from datetime import date

import pytest

from webapp.extract.geoparse import Geoparser
from webapp.extract.pipeline import Extractor
from webapp.models import Article


@pytest.fixture(scope="module")
def parser(geocoder):
    return Geoparser(geocoder)


@pytest.fixture(scope="module")
def extractor(geocoder):
    return Extractor(geocoder)


def only(parser, text, words):
    """The toponym read from ``words`` in ``text``."""
    found = [t for t in parser.toponyms(text) if t.words(text) == words]
    assert len(found) == 1, [t.words(text) for t in parser.toponyms(text)]
    return found[0]


@pytest.mark.parametrize("text, phrase, name", [
    ("Air strikes hit eastern Homs on Sunday, residents said.", "eastern Homs", "Homs"),
    ("Shelling was reported 15 km north of Sidon on Monday.", "15 km north of Sidon",
     "Sidon"),
    ("Rockets landed 12 kilometres south of Tyre before dawn.",
     "12 kilometres south of Tyre", "Tyre"),
])
def test_the_span_is_the_name_the_reading_the_phrase(parser, text, phrase, name):
    t = only(parser, text, phrase)
    assert t.text == name and text[t.start:t.end] == name
    assert text[t.phrase[0]:t.phrase[1]] == phrase
    assert t.geo_precision == 2  # the phrase's reading, not the whole town's


def test_the_reading_differs_from_the_bare_name(parser):
    text = "Aid reached Homs on Monday, but air strikes hit eastern Homs on Tuesday."
    found = parser.toponyms(text)
    bare = [t for t in found if t.phrase is None and t.text == "Homs"]
    part = [t for t in found if t.phrase is not None]
    assert len(bare) == 1 and len(part) == 1 and part[0].text == "Homs"
    # one sense per text does not fold the part into the town, nor the town into it
    assert part[0].geo_precision == 2 and bare[0].geo_precision < 2
    assert (part[0].latitude, part[0].longitude) != (bare[0].latitude, bare[0].longitude)


@pytest.mark.parametrize("text, whole", [
    ("Smugglers crossed the border between Syria and Turkey at night.",
     "the border between Syria and Turkey"),
    ("Wildfires spread across Southern California and reached homes.",
     "Southern California"),
    ("Flooding closed roads in North Carolina on Friday.", "North Carolina"),
])
def test_names_and_two_name_phrases_stay_whole(parser, text, whole):
    t = only(parser, text, whole)
    assert t.text == whole and t.phrase is None


def test_the_event_is_still_placed_and_named_by_the_phrase(extractor):
    text = "Damascus said air strikes killed four people in eastern Homs on Sunday."
    events = extractor.events(Article(title="Strikes", text=text),
                              published=date(2024, 5, 1))
    assert len(events) == 1
    # "in eastern Homs" is where it happened: the locative word is read before the
    # phrase, and the map names the part of Homs, not the town
    assert events[0].location == "Eastern Homs"
    assert events[0].geo_precision == 2
