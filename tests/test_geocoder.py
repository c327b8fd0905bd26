"""The offline geocoder against the real gazetteer: what a briefing officer would notice."""

import math

import pytest
from geopy.location import Location
from shapely.geometry import Point, shape

from webapp.errors import BadQueryError

GAZA_BOX = (34.2, 31.2, 34.6, 31.62)  # west, south, east, north


def km(a, b):
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371 * math.asin(math.sqrt(h))


def in_box(raw, box):
    w, s, e, n = box
    return w <= raw["longitude"] <= e and s <= raw["latitude"] <= n


def test_returns_a_geopy_location_with_the_briefing_fields(geocoder):
    loc = geocoder.geocode("Rafah", exactly_one=True)
    assert isinstance(loc, Location)
    for field in ("query", "name", "latitude", "longitude", "country_code", "admin1", "kind",
                  "geo_precision", "source", "geometry"):
        assert field in loc.raw
    assert (loc.latitude, loc.longitude) == (loc.raw["latitude"], loc.raw["longitude"])
    assert loc.raw["source"].startswith("geonames:")
    assert loc.raw["geometry"]["type"] == "Point"


def test_exactly_one_false_gives_ranked_candidates(geocoder):
    found = geocoder.geocode("Tripoli", exactly_one=False)
    assert len(found) >= 2
    assert {loc.raw["country_code"] for loc in found} >= {"LY", "LB"}


@pytest.mark.parametrize("query, country, lat, lon", [
    ("Deir el-Balah", "PS", 31.42, 34.35),
    ("Deir al-Balah", "PS", 31.42, 34.35),
    ("Khan Younis", "PS", 31.34, 34.31),
    ("Khan Yunis", "PS", 31.34, 34.31),
    ("Beit Lahia", "PS", 31.55, 34.50),
    ("Jabalia", "PS", 31.53, 34.48),
    ("Kiryat Shmona", "IL", 33.21, 35.57),
    ("Tyre", "LB", 33.27, 35.20),
    ("Sao Paulo", "BR", -23.55, -46.63),
])
def test_spelling_variants(geocoder, query, country, lat, lon):
    loc = geocoder.geocode(query)
    assert loc is not None
    assert loc.raw["country_code"] == country
    assert km((loc.latitude, loc.longitude), (lat, lon)) < 15


@pytest.mark.parametrize("query, context, country", [
    ("Rafah", None, "PS"),
    ("Rafah", "Egyptian officials in North Sinai said trucks waited at El Arish on the "
              "Egyptian side, in Sheikh Zuweid and Egyptian Rafah.", "EG"),
    ("Tripoli", None, "LY"),
    ("Tripoli", "Clashes in northern Lebanon: gunmen in Tripoli and Akkar, Lebanese army "
                "deploys near Beirut.", "LB"),
    ("Tripoli", "TRIPOLI, Libya (AP) -- Militias clashed overnight.", "LY"),
    ("Bethlehem", "Palestinians in the West Bank towns of Hebron, Bethlehem and Ramallah.",
     "PS"),
    ("Bethlehem", "Flooding in Allentown and Bethlehem, Pennsylvania, closed roads in "
                  "Lehigh County.", "US"),
    ("Paris", None, "FR"),
    ("Paris", "Storms hit north Texas: Paris and Sherman lost power, Texas officials said.",
     "US"),
])
def test_ambiguous_names_follow_context(geocoder, query, context, country):
    assert geocoder.geocode(query, context=context).raw["country_code"] == country


@pytest.mark.parametrize("text, query, admin1", [
    # a dateline names a town: the capital, not the state of Washington
    ("WASHINGTON (AP) -- The president said on Tuesday that Congress would vote.",
     "WASHINGTON", "District of Columbia"),
    ("WASHINGTON Barack Obama pardoned his last turkey as president.", "WASHINGTON",
     "District of Columbia"),
    # the state after the name picks the town, there and wherever it is named again
    ("COLUMBIA, Ky. (WBKO) - A man was arrested after a chase. He was taken to a "
     "hospital in Columbia for treatment.", "Columbia", "Kentucky"),
])
def test_datelines_name_towns(geocoder, text, query, admin1):
    position = text.rindex(query)
    found = geocoder.geocode(query, context=text, position=position)
    assert found.raw["kind"] == "city"
    assert found.raw["admin1"] == admin1


def test_a_state_keeps_its_name_from_a_town_far_away(geocoder):
    # Delaware, Ohio (40,000 people) is no reason to read "Delaware" as a town; Aleppo
    # and Rafah, whose cities lie inside the provinces named after them, still are cities.
    found = geocoder.geocode("Delaware", context="Flu was reported in 30 US states, "
                             "including Delaware, Illinois and Kentucky.")
    assert (found.raw["kind"], found.raw["admin1"]) == ("admin area", "Delaware")
    assert geocoder.geocode("Aleppo").raw["kind"] == "city"
    assert geocoder.geocode("Rafah", context="Strikes hit Gaza.").raw["kind"] == "city"


def test_a_country_before_a_small_province_of_its_name(geocoder):
    # Guinea has a prefecture called Mali; among West African countries, Mali is one
    text = "The vaccination campaign covers Guinea, Sierra Leone, Liberia, Mali and Niger."
    found = geocoder.geocode("Mali", context=text, position=text.index("Mali"))
    assert (found.raw["kind"], found.raw["country_code"]) == ("country", "ML")


def test_qualified_name(geocoder):
    loc = geocoder.geocode("Paris, Texas")
    assert loc.raw["country_code"] == "US"
    assert km((loc.latitude, loc.longitude), (33.66, -95.55)) < 20


def test_border_places_keep_their_gazetteer_country(geocoder):
    assert geocoder.geocode("Metula").raw["country_code"] == "IL"
    egypt_rafah = geocoder.geocode("Rafah", country_codes=["EG"])
    assert egypt_rafah.raw["country_code"] == "EG"


@pytest.mark.parametrize("query, kind, country", [
    ("Lebanon", "country", "LB"),
    ("Europe", "continent", ""),
    ("Texas", "admin area", "US"),
    ("Los Angeles County", "county", "US"),
    ("the Middle East", "region", ""),
    ("the Sahel", "region", ""),
])
def test_countries_regions_and_natural_features(geocoder, query, kind, country):
    loc = geocoder.geocode(query)
    assert loc.raw["kind"] == kind
    assert loc.raw["country_code"] == country
    assert loc.raw["geo_precision"] == 3 or kind == "county"
    assert loc.raw["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert shape(loc.raw["geometry"]).buffer(0.01).contains(Point(loc.longitude, loc.latitude))


@pytest.mark.parametrize("query, kind, lat, lon", [
    ("Kerem Shalom crossing", "crossing", 31.228, 34.284),
    ("Rafah crossing", "crossing", 31.247, 34.259),
    ("Erez crossing", "crossing", 31.558, 34.546),
    ("Allenby Bridge", "crossing", 31.874, 35.541),
    ("Jabalia refugee camp", "camp", 31.53, 34.48),
    ("Nur Shams", "camp", 32.31, 35.05),
    ("al-Shifa Hospital", "facility", 31.52, 34.44),
    ("Nasser Hospital", "facility", 31.35, 34.29),
    ("Shujaiya", "neighbourhood", 31.50, 34.48),
])
def test_curated_features(geocoder, query, kind, lat, lon):
    loc = geocoder.geocode(query)
    assert loc.raw["kind"] == kind
    assert loc.raw["source"].startswith("curated:")
    assert loc.raw["geo_precision"] == 1
    assert km((loc.latitude, loc.longitude), (lat, lon)) < 5


def test_seas_and_rivers(geocoder):
    red_sea = geocoder.geocode("the Red Sea")
    assert red_sea.raw["kind"] == "sea" and red_sea.raw["geo_precision"] == 3
    assert 12 < red_sea.latitude < 28 and 33 < red_sea.longitude < 43
    assert geocoder.geocode("Mediterranean").raw["kind"] == "sea"
    assert geocoder.geocode("the Nile").raw["kind"] == "river"


def test_lines_and_areas_from_the_curated_file(geocoder):
    philadelphi = geocoder.geocode("the Philadelphi corridor")
    assert philadelphi.raw["geometry"]["type"] in ("LineString", "Polygon", "MultiLineString")
    assert in_box(philadelphi.raw, GAZA_BOX)
    litani = geocoder.geocode("the Litani River")
    assert litani.raw["geometry"]["type"] in ("LineString", "MultiLineString")
    golan = geocoder.geocode("Golan Heights")
    assert golan.raw["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_northern_gaza_is_the_north_of_the_strip(geocoder):
    loc = geocoder.geocode("northern Gaza")
    assert loc.raw["geo_precision"] == 2
    assert loc.raw["country_code"] == "PS"
    assert loc.raw["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert in_box(loc.raw, GAZA_BOX) and loc.latitude > 31.45


def test_central_gaza_and_southern_lebanon(geocoder):
    central = geocoder.geocode("central Gaza")
    assert in_box(central.raw, GAZA_BOX) and 31.33 < central.latitude < 31.5
    south_lb = geocoder.geocode("southern Lebanon")
    assert south_lb.raw["country_code"] == "LB" and south_lb.latitude < 33.6
    assert south_lb.raw["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_southern_israel(geocoder):
    loc = geocoder.geocode("southern Israel")
    assert loc.raw["country_code"] == "IL" and loc.latitude < 31.4


def _assert_israel_lebanon_line(loc):
    assert loc.raw["kind"] == "border"
    assert loc.raw["geo_precision"] == 2
    assert loc.raw["geometry"]["type"] in ("LineString", "MultiLineString")
    line = shape(loc.raw["geometry"])
    assert 60 < line.length * 95 < 200  # ~80-100 km of border, in rough degree-km
    assert 33.0 < loc.latitude < 33.35 and 35.0 < loc.longitude < 35.9


def test_israel_lebanon_border(geocoder):
    _assert_israel_lebanon_line(geocoder.geocode("the Israel-Lebanon border"))
    _assert_israel_lebanon_line(geocoder.geocode("the border between Israel and Lebanon"))


def test_implicit_side_of_a_border_comes_from_context(geocoder):
    context = "Hezbollah fighters ambushed Israeli troops; Israel's army said the attack came"
    _assert_israel_lebanon_line(geocoder.geocode("the Lebanon border", context=context))


@pytest.mark.parametrize("query, context", [
    ("the Gaza-Egypt border", None),
    ("the border with Egypt", "Palestinians in Gaza fled south toward Rafah."),
])
def test_gaza_egypt_border(geocoder, query, context):
    loc = geocoder.geocode(query, context=context)
    assert loc.raw["kind"] == "border"
    line = shape(loc.raw["geometry"])
    assert 8 < line.length * 100 < 25  # the Strip's ~13 km frontier with Egypt
    assert in_box(loc.raw, (34.2, 31.2, 34.3, 31.33))


def test_offsets_and_nearness(geocoder):
    tyre = geocoder.geocode("Tyre")
    south = geocoder.geocode("10 km south of Tyre")
    assert south.raw["geo_precision"] == 2
    assert 9 < km((tyre.latitude, tyre.longitude), (south.latitude, south.longitude)) < 11
    assert south.latitude < tyre.latitude
    near = geocoder.geocode("near Khan Younis")
    assert near.raw["geo_precision"] == 2 and near.raw["country_code"] == "PS"
    outskirts = geocoder.geocode("the outskirts of Rafah")
    assert outskirts.raw["geo_precision"] == 2
    area = geocoder.geocode("the Jenin area")
    assert area.raw["country_code"] == "PS" and area.raw["geo_precision"] == 2


def test_no_match_is_none(geocoder):
    assert geocoder.geocode("Qwxzzy Plorb") is None
    assert geocoder.geocode("the border with Qwxzzy") is None


@pytest.mark.parametrize("query", ["", "   ", "x" * 1001, 42, None, b"Rafah"])
def test_bad_queries_raise_one_clear_error(geocoder, query):
    with pytest.raises(BadQueryError):
        geocoder.geocode(query)


def test_the_context_cache_keeps_a_bounded_number_of_characters(geocoder):
    from webapp.geocoder.context import ContextCache

    cache = ContextCache(geocoder.gaz, size=100, max_chars=1_000)
    texts = [f"Strikes on Rafah and Khan Younis, report {n}. " * 10 for n in range(12)]
    first = cache.get(texts[0])
    assert cache.get(texts[0]) is first            # read once, then kept
    for text in texts[1:]:
        cache.get(text)
    kept = sum(len(text) for text in texts if text in cache._contexts)
    assert 0 < kept <= 1_000
    assert texts[-1] in cache._contexts and texts[0] not in cache._contexts
