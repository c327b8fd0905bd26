"""The geocoder on a real wire story (../shared/samples; skipped when absent)."""

import pytest
from shapely.geometry import shape

from conftest import SHARED

SAMPLE = SHARED / "samples" / "ap-egypt-delegation-rafah.txt"
pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/samples is absent")


@pytest.fixture(scope="module")
def article():
    return SAMPLE.read_text(encoding="utf-8")


def at(article, phrase):
    return article.index(phrase)


@pytest.mark.parametrize("name, country, box", [
    ("Rafah", "PS", (34.2, 31.2, 34.35, 31.35)),
    ("Cairo", "EG", (31.1, 29.9, 31.4, 30.2)),
    ("Gaza", "PS", (34.2, 31.2, 34.6, 31.62)),
    ("Lebanon", "LB", (35.0, 33.0, 36.7, 34.7)),
    ("Israel", "IL", (34.2, 29.4, 35.9, 33.4)),
])
def test_places_named_in_the_story(geocoder, article, name, country, box):
    loc = geocoder.geocode(name, context=article, position=at(article, name))
    assert loc.raw["country_code"] == country
    w, s, e, n = box
    assert w <= loc.longitude <= e and s <= loc.latitude <= n


def test_expressions_in_the_story(geocoder, article):
    north = geocoder.geocode("northern Gaza", context=article)
    assert north.raw["country_code"] == "PS" and north.latitude > 31.45
    south_il = geocoder.geocode("southern Israel", context=article)
    assert south_il.raw["country_code"] == "IL" and south_il.latitude < 31.5
    border = geocoder.geocode("the Israel-Lebanon border", context=article)
    assert border.raw["kind"] == "border" and 33.0 < border.latitude < 33.35


def test_the_border_with_egypt_is_gazas(geocoder, article):
    # "Gaza's city of Rafah -- on the border with Egypt --"
    loc = geocoder.geocode("the border with Egypt", context=article,
                           position=at(article, "on the border with Egypt"))
    assert loc.raw["kind"] == "border"
    line = shape(loc.raw["geometry"])
    w, s, e, n = line.bounds
    assert 34.15 <= w and e <= 34.3 and 31.15 <= s and n <= 31.35
