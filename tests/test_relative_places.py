"""Relative and composite places: directions, parts, "A close to B", buffers, borders,
movements across a border.

Each rule: the event's point lies inside the composed geometry, on the side the phrase
says, with ACLED's geo-precision 2.
"""

from datetime import date

import pytest
from shapely.geometry import Point, shape

from webapp.extract.pipeline import Extractor
from webapp.geocoder.context import haversine_km
from webapp.models import Article

GAZA_NEWS = ("Israeli forces pressed on in the Gaza Strip on Tuesday. Residents of Gaza City "
             "and Khan Younis reported heavy shelling, and rockets were fired at Israel.")
LEBANON_NEWS = ("Israeli drones struck targets in south Lebanon, near Tyre and Nabatieh, "
                "the Lebanese army said.")


def inside(raw) -> bool:
    """The point lies in (or on) the geometry the place was composed as."""
    return shape(raw["geometry"]).buffer(1e-6).contains(Point(raw["longitude"],
                                                              raw["latitude"]))


def country(geocoder, name):
    return shape(geocoder.geocode(name).raw["geometry"])


def where(geocoder, name, context=GAZA_NEWS):
    return geocoder.geocode(name, context=context).raw


@pytest.fixture(scope="module")
def extractor(geocoder):
    return Extractor(geocoder)


def events_of(extractor, text):
    article = Article(title="Briefing", text=f"Briefing\n\n{text}")
    return extractor.events(article, published=date(2024, 5, 7))


def test_a_region_part_is_placed_where_people_live(geocoder):
    south = where(geocoder, "southern Israel")
    assert south["country_code"] == "IL" and south["geo_precision"] == 2 and inside(south)
    # The Negev fills most of the area; its people live in the north-west of it.
    assert shape(south["geometry"]).centroid.y < 31.0 < south["latitude"]
    assert country(geocoder, "Israel").contains(Point(south["longitude"], south["latitude"]))


def test_the_part_of_an_area_close_to_a_place(geocoder):
    raw = where(geocoder, "an area of southern Israel that is close to Khan Younis")
    khan_younis = where(geocoder, "Khan Younis")
    assert raw["geo_precision"] == 2 and inside(raw) and raw["country_code"] == "IL"
    assert haversine_km(raw["latitude"], raw["longitude"],
                        khan_younis["latitude"], khan_younis["longitude"]) < 45
    assert country(geocoder, "Israel").contains(Point(raw["longitude"], raw["latitude"]))


def test_east_of_a_city_stays_on_its_side_of_the_border(geocoder):
    raw = where(geocoder, "east of Gaza City")
    city = where(geocoder, "Gaza City")
    assert raw["geo_precision"] == 2 and inside(raw)
    assert raw["longitude"] > city["longitude"]
    strip = shape(where(geocoder, "Gaza Strip")["geometry"])
    assert strip.contains(Point(raw["longitude"], raw["latitude"]))


def test_north_of_a_town(geocoder):
    raw = where(geocoder, "north of Khan Younis")
    town = where(geocoder, "Khan Younis")
    assert raw["geo_precision"] == 2 and inside(raw) and raw["latitude"] > town["latitude"]


def test_the_southern_areas_of_a_town(geocoder):
    raw = where(geocoder, "the southern areas of Khan Younis")
    town = where(geocoder, "Khan Younis")
    assert raw["geo_precision"] == 2 and inside(raw) and raw["latitude"] < town["latitude"]
    assert raw["country_code"] == "PS"


def test_a_towns_outskirts_are_a_buffer_around_it(geocoder):
    raw = where(geocoder, "Khan Younis's outskirts")
    town = where(geocoder, "Khan Younis")
    assert raw["geo_precision"] == 2 and inside(raw)
    assert (raw["latitude"], raw["longitude"]) == (town["latitude"], town["longitude"])
    w, s, e, n = shape(raw["geometry"]).bounds
    assert n - s > 0.05  # kilometres around the town, not its point


def test_n_km_from_a_town_is_a_disc_of_that_radius(geocoder):
    raw = where(geocoder, "12 km from Tyre", context=LEBANON_NEWS)
    assert raw["country_code"] == "LB" and raw["geo_precision"] == 2 and inside(raw)
    w, s, e, n = shape(raw["geometry"]).bounds
    assert 20 < (n - s) * 110.6 < 28  # 24 km across


def test_near_the_border_with_gaza_is_on_the_other_side(geocoder):
    text = ("Sirens sounded in Israel's south as rockets were fired from Gaza; "
            "communities near the border with Gaza were told to stay in shelters.")
    raw = where(geocoder, "near the border with Gaza", context=text)
    point = Point(raw["longitude"], raw["latitude"])
    assert raw["geo_precision"] == 2 and inside(raw)
    assert country(geocoder, "Israel").contains(point)
    strip = shape(where(geocoder, "Gaza Strip")["geometry"])
    assert not strip.contains(point) and strip.distance(point) * 100 < 10


def test_event_in_an_area_close_to_a_town(extractor, geocoder):
    (event,) = events_of(extractor, "The army massed tanks in an area of southern Israel "
                                    "close to Khan Younis on Monday.")
    town = where(geocoder, "Khan Younis")
    assert event.country_code == "IL" and event.geo_precision == 2
    assert haversine_km(event.latitude, event.longitude,
                        town["latitude"], town["longitude"]) < 45
    assert shape(event.geometry).buffer(1e-6).contains(Point(event.longitude, event.latitude))


def test_event_east_of_a_city(extractor, geocoder):
    (event,) = events_of(extractor, "Israeli artillery shelled areas east of Gaza City on "
                                    "Sunday, killing three people.")
    city = where(geocoder, "Gaza City")
    assert event.geo_precision == 2 and event.country_code == "PS"
    assert event.longitude > city["longitude"]


def test_event_in_the_vicinity_of_a_town_in_a_region(extractor, geocoder):
    (event,) = events_of(extractor, "An air strike hit a house in the vicinity of Khan "
                                    "Younis in the Gaza Strip on Monday, killing two people.")
    town = where(geocoder, "Khan Younis")
    assert event.geo_precision == 2 and event.country_code == "PS"
    assert haversine_km(event.latitude, event.longitude,
                        town["latitude"], town["longitude"]) < 10


def test_event_in_an_unknown_village_in_brackets(extractor, geocoder):
    (event,) = events_of(extractor, "An air strike hit a house in Khirbet Umm Zaytun "
                                    "(Nablus, West Bank) on Monday, killing two people.")
    nablus = where(geocoder, "Nablus")
    assert event.geo_precision == 2 and event.country_code == "PS"
    assert haversine_km(event.latitude, event.longitude,
                        nablus["latitude"], nablus["longitude"]) < 10


def test_a_person_of_a_country_is_not_where_the_event_was(extractor):
    events = events_of(extractor, "Israeli strikes hit Rafah on Monday, killing four people. "
                                  "The president discussed it with Prime Minister Jan Smit "
                                  "of The Netherlands.")
    assert all(e.country_code != "NL" for e in events)


def test_a_region_named_by_its_direction_is_placed_where_people_live(geocoder):
    for name in ("southern Lebanon", "northern Gaza"):
        raw = where(geocoder, name, context=LEBANON_NEWS + " " + GAZA_NEWS)
        assert raw["geo_precision"] == 2 and inside(raw)


def test_event_in_a_region_near_a_border(extractor, geocoder):
    (event,) = events_of(extractor, "Hezbollah fighters clashed with Israeli troops in "
                                    "southern Lebanon near the border with Israel on Monday.")
    point = Point(event.longitude, event.latitude)
    assert event.country_code == "LB" and event.geo_precision == 2
    assert country(geocoder, "Lebanon").contains(point)
    line = shape(geocoder.geocode("the Israel-Lebanon border").raw["geometry"])
    assert line.distance(point) * 100 < 25


def test_event_in_the_north_of_a_place_is_its_northern_part(extractor, geocoder):
    (event,) = events_of(extractor, "Air strikes hit the north of Khan Younis on Monday, "
                                    "killing five people.")
    assert event.geo_precision == 2 and event.country_code == "PS"
    assert event.latitude > where(geocoder, "Khan Younis")["latitude"]
    assert shape(event.geometry).buffer(1e-6).contains(Point(event.longitude, event.latitude))


def test_event_on_a_towns_outskirts(extractor, geocoder):
    (event,) = events_of(extractor, "Troops raided homes on Jenin's outskirts on Monday, "
                                    "killing two people.")
    jenin = where(geocoder, "Jenin")
    assert event.geo_precision == 2
    assert (event.latitude, event.longitude) == (jenin["latitude"], jenin["longitude"])


# -- movements across a border: the part of the area nearest where the force came from

def event_saying(events, words):
    (found,) = [e for e in events if words in e.notes]
    return found


def km_to(geocoder, name, event):
    from webapp.geocoder.relative import distance_km

    return distance_km(shape(geocoder.geocode(name).raw["geometry"]),
                       Point(event.longitude, event.latitude))


def test_a_raid_into_a_region_is_where_it_crossed_from_the_neighbour(extractor, geocoder):
    events = events_of(extractor, "Residents of Gaza City and Khan Younis sheltered from the "
                                  "bombing. A year ago, gunmen carried out a raid into "
                                  "southern Israel on Saturday, killing hundreds of people. "
                                  "Beit Hanoun and Gaza City were shelled again.")
    raid = event_saying(events, "raid into southern Israel")
    assert raid.country_code == "IL" and raid.geo_precision == 2
    assert country(geocoder, "Israel").contains(Point(raid.longitude, raid.latitude))
    assert km_to(geocoder, "Gaza Strip", raid) <= 10  # not the Negev's towns, 24 km off
    assert shape(raid.geometry).buffer(1e-6).contains(Point(raid.longitude, raid.latitude))


def test_an_infiltration_from_the_north_is_along_that_border(extractor, geocoder):
    events = events_of(extractor, "Israeli drones struck Tyre and Nabatieh on Sunday. On "
                                  "Monday fighters infiltrated into northern Israel and "
                                  "attacked an army post, killing two soldiers. Shelling "
                                  "resumed near Naqoura in south Lebanon.")
    raid = event_saying(events, "infiltrated into northern Israel")
    assert raid.country_code == "IL" and raid.geo_precision == 2
    assert km_to(geocoder, "the Israel-Lebanon border", raid) < 15
    plain = where(geocoder, "northern Israel", context=LEBANON_NEWS)
    assert raid.latitude > plain["latitude"]  # moved towards Lebanon


def test_troops_pushing_into_an_admin_area_from_a_neighbouring_country(extractor, geocoder):
    events = events_of(extractor, "Eritrea denied the reports. Eritrean troops pushed into "
                                  "Tigray on Monday and clashed with local forces, killing "
                                  "ten people, residents said. Eritrea's government said "
                                  "nothing.")
    push = event_saying(events, "pushed into Tigray")
    assert push.country_code == "ET" and push.geo_precision == 2
    plain = where(geocoder, "Tigray", context="Eritrean troops pushed into Tigray.")
    eritrea = shape(geocoder.geocode("Eritrea").raw["geometry"])
    from webapp.geocoder.relative import distance_km

    assert km_to(geocoder, "Eritrea", push) < 25 < distance_km(
        eritrea, Point(plain["longitude"], plain["latitude"]))
    assert shape(geocoder.geocode("Tigray").raw["geometry"]).buffer(0.01).contains(
        Point(push.longitude, push.latitude))


FROM_SYRIA = ("Syrian forces shelled positions in Quneitra and the Golan Heights on Sunday, "
              "and Syria warned of more. ")


def test_from_a_named_place_overrides_the_articles_neighbour(extractor, geocoder):
    said = events_of(extractor, FROM_SYRIA + "On Monday gunmen crossed into northern Israel "
                                             "from Lebanon and attacked an army post, "
                                             "killing two soldiers.")
    unsaid = events_of(extractor, FROM_SYRIA + "On Monday gunmen crossed into northern "
                                               "Israel and attacked an army post, killing "
                                               "two soldiers.")
    from_lebanon = event_saying(said, "crossed into northern Israel")
    from_syria = event_saying(unsaid, "crossed into northern Israel")
    assert from_lebanon.geo_precision == from_syria.geo_precision == 2
    # the sentence's own "from Lebanon" wins over the article's neighbour (Syria)
    assert km_to(geocoder, "the Israel-Lebanon border", from_lebanon) < 12
    assert km_to(geocoder, "Golan Heights", from_lebanon) > 20
    assert km_to(geocoder, "Golan Heights", from_syria) < 5


def test_a_movement_with_no_neighbour_named_keeps_the_areas_reading(extractor, geocoder):
    text = ("Israeli troops pushed into southern Lebanon on Monday and clashed with "
            "Hezbollah fighters, killing three, the Lebanese army said.")
    (event,) = events_of(extractor, text)
    plain = where(geocoder, "southern Lebanon", context=text)
    assert event.country_code == "LB"
    assert (event.latitude, event.longitude) == (plain["latitude"], plain["longitude"])


def test_a_raid_on_a_town_stays_at_the_town(extractor, geocoder):
    events = events_of(extractor, "Jordan closed its crossings. Israeli forces carried out a "
                                  "raid on Jenin on Monday, killing two people. Jordan's king "
                                  "condemned it.")
    raid = event_saying(events, "raid on Jenin")
    jenin = where(geocoder, "Jenin")
    assert (raid.latitude, raid.longitude) == (jenin["latitude"], jenin["longitude"])
    assert raid.geo_precision == 1


def test_a_raid_into_an_area_close_to_a_named_town_keeps_the_town(extractor, geocoder):
    (event,) = events_of(extractor, "Gunmen from Lebanon carried out a raid into an area of "
                                    "northern Israel close to Metula on Monday, killing two "
                                    "soldiers.")
    assert event.country_code == "IL" and event.geo_precision == 2
    metula = where(geocoder, "Metula", context=LEBANON_NEWS)
    assert haversine_km(event.latitude, event.longitude,
                        metula["latitude"], metula["longitude"]) < 25


def test_twelve_km_from_a_town_is_not_where_a_raid_came_from(extractor, geocoder):
    text = ("Israeli drones struck Tyre and Nabatieh on Sunday. On Monday fighters "
            "infiltrated into northern Israel 12 km from Haifa and attacked an army post, "
            "killing two soldiers.")
    raid = event_saying(events_of(extractor, text), "infiltrated into")
    assert km_to(geocoder, "the Israel-Lebanon border", raid) < 15  # from Lebanon still
