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


# -- the story's events (relative places: the part of an area near a place, regions
# weighted by where people live) ------------------------------------------------------
RAFAH = (31.297, 34.244)


@pytest.fixture(scope="module")
def events(geocoder, article):
    from datetime import date

    from webapp.extract.pipeline import Extractor
    from webapp.models import Article

    title = article.splitlines()[0]
    return Extractor(geocoder).events(Article(title=title, text=article),
                                      published=date(2024, 4, 26))


def event_saying(events, words):
    (found,) = [e for e in events if words in e.notes]
    return found


def outline(geocoder, name):
    return shape(geocoder.geocode(name).raw["geometry"])


def test_tanks_near_rafah_are_on_the_israeli_side(geocoder, events):
    from shapely.geometry import Point

    from webapp.geocoder.context import haversine_km

    tanks = event_saying(events, "massed dozens of tanks")
    assert outline(geocoder, "Israel").contains(Point(tanks.longitude, tanks.latitude))
    assert haversine_km(tanks.latitude, tanks.longitude, *RAFAH) < 45
    assert tanks.geo_precision == 2


def test_the_raid_into_southern_israel_is_near_gaza(geocoder, events):
    from shapely.geometry import Point

    from webapp.geocoder.relative import distance_km

    raid = event_saying(events, "Oct. 7 raid")
    point = Point(raid.longitude, raid.latitude)
    assert outline(geocoder, "Israel").contains(point)
    # the communities near Gaza where the raid came in, not the Negev towns
    assert distance_km(outline(geocoder, "Gaza Strip"), point) <= 10
    assert raid.geo_precision == 2


def test_raids_on_rafah_are_in_gazas_rafah(events):
    from webapp.geocoder.context import haversine_km

    raids = event_saying(events, "near-daily raids on Rafah")
    assert raids.country_code == "PS"
    assert haversine_km(raids.latitude, raids.longitude, *RAFAH) < 5


def test_the_ambush_is_at_the_israel_lebanon_border(geocoder, events):
    from shapely.geometry import Point

    from webapp.geocoder.relative import distance_km

    ambush = event_saying(events, "anti-tank missiles")
    line = shape(geocoder.geocode("the Israel-Lebanon border").raw["geometry"])
    assert distance_km(line, Point(ambush.longitude, ambush.latitude)) < 10


def test_no_event_is_far_from_the_story(events):
    from webapp.geocoder.context import haversine_km

    placed = [e for e in events if e.latitude is not None]
    assert placed
    assert all(haversine_km(e.latitude, e.longitude, *RAFAH) < 1000 for e in placed)
