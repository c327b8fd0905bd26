"""Countries and admin-1 areas for events, on the real boundary files in geodata/."""

import random
from datetime import date

import pytest
from shapely.geometry import Point

from webapp.errors import DataError
from webapp.models import Event
from webapp.regions import Regions, aggregate, assign

GAZA_CITY = (31.5017, 34.4668)
BEIRUT = (33.8938, 35.5018)
OFF_TYRE = (33.27, 35.17)          # about 3 km out to sea from Tyre's harbour
EGYPTIAN_RAFAH = (31.28, 34.24)
METULA = (33.28, 35.58)


def event(lat=None, lon=None, country_code="", admin1="", event_type="Battles",
          fatalities=0, **kw):
    return Event(event_id=kw.pop("event_id", "e1"), event_date=date(2024, 5, 1),
                 time_precision=1, event_type=event_type, sub_event_type="Armed clash",
                 category="clash", latitude=lat, longitude=lon, country_code=country_code,
                 admin1=admin1, fatalities=fatalities, **kw)


def countries_containing(regions, lat, lon):
    return set(regions.countries[regions.countries.contains(Point(lon, lat))]["code"])


def one(regions, *args, **kw):
    [placed] = regions.assign([event(*args, **kw)])
    return placed.country_code, placed.admin1


def test_gaza_city_is_in_the_gaza_strip(regions):
    assert one(regions, *GAZA_CITY) == ("PS", "Gaza Strip")


def test_beirut_is_in_beirut(regions):
    assert one(regions, *BEIRUT) == ("LB", "Beirut")


def test_a_point_at_sea_off_tyre_gets_the_nearest_coast(regions):
    assert countries_containing(regions, *OFF_TYRE) == set()   # really in the sea
    assert one(regions, *OFF_TYRE) == ("LB", "South Lebanon")


def test_mid_ocean_gets_no_country(regions):
    assert one(regions, 0.0, -30.0) == ("", "")


def test_egyptian_rafah_stays_in_egypt(regions):
    # Natural Earth's line puts this point inside the Gaza Strip; the geocoder's country
    # is what counts, and the admin-1 comes from Egypt's own units.
    assert countries_containing(regions, *EGYPTIAN_RAFAH) == {"PS"}
    assert one(regions, *EGYPTIAN_RAFAH, country_code="EG") == ("EG", "Shamal Sina'")
    assert one(regions, *EGYPTIAN_RAFAH) == ("PS", "Gaza Strip")   # no country given


def test_metula_stays_in_israel(regions):
    assert countries_containing(regions, *METULA) == {"LB"}
    code, admin1 = one(regions, *METULA, country_code="IL")
    assert code == "IL"
    assert admin1 in set(regions.admin1.loc[regions.admin1["code"] == "IL", "name"])
    assert admin1 == "HaZafon"


def test_events_without_coordinates_come_back_unchanged(regions):
    bare = event(country_code="LB", admin1="somewhere")
    nan = event(float("nan"), 35.5)
    assert regions.assign([bare, nan]) == [bare, nan]
    assert regions.assign([bare])[0] is bare


def test_an_admin1_the_geocoder_set_is_kept_if_it_is_one_of_the_country(regions):
    # Tyre is in South Lebanon; a stated An Nabatiyah is a real Lebanese unit, so kept;
    # an alias is spelt as the unit is, and a name of no Lebanese unit is replaced.
    assert one(regions, 33.2705, 35.2038, "LB", "An Nabatiyah") == ("LB", "An Nabatiyah")
    assert one(regions, 33.2705, 35.2038, "LB", "Al Janub") == ("LB", "South Lebanon")
    assert one(regions, 33.2705, 35.2038, "LB", "Galilee") == ("LB", "South Lebanon")
    # Gaza's governorates overlap the Strip: they are not what the map colours.
    assert one(regions, *GAZA_CITY, "PS", "Khan Yunis") == ("PS", "Gaza Strip")


def test_uk_points_get_a_council_not_a_nation(regions):
    code, admin1 = one(regions, 51.5074, -0.1278)      # Westminster
    assert code == "GB" and admin1 not in {"England", "Scotland", "Wales",
                                           "Northern Ireland"}


def test_order_and_length_are_kept(regions):
    batch = [event(*BEIRUT, event_id="a"), event(event_id="b"),
             event(*GAZA_CITY, event_id="c")]
    out = assign(batch)
    assert [e.event_id for e in out] == ["a", "b", "c"]
    assert [e.country_code for e in out] == ["LB", "", "PS"]
    assert batch[0].country_code == ""              # the input is left alone


def test_aggregate_counts_and_sums_per_region_and_type(regions):
    events = regions.assign([
        event(*GAZA_CITY, fatalities=5),
        event(*GAZA_CITY, fatalities=2),
        event(*GAZA_CITY, event_type="Explosions/Remote violence", fatalities=10),
        event(*GAZA_CITY, fatalities=34000, is_total=True),
        event(*GAZA_CITY, fatalities=1200, is_historical=True),
        event(*BEIRUT, event_type="Protests"),
        event(country_code="LB"),                   # no place: nothing to colour
    ])
    table = regions.aggregate(events)
    rows = {(r.country_code, r.admin1, r.event_type): (r.events, r.fatalities)
            for r in table.itertuples()}
    assert rows == {
        ("LB", "Beirut", "Protests"): (1, 0),
        ("PS", "Gaza Strip", "Battles"): (2, 7),
        ("PS", "Gaza Strip", "Explosions/Remote violence"): (1, 10),
    }
    assert table.crs.to_epsg() == 4326
    gaza = table[table["admin1"] == "Gaza Strip"].geometry.iloc[0]
    assert gaza.contains(Point(GAZA_CITY[1], GAZA_CITY[0]))

    totals = aggregate(events, by_type=False)
    assert list(totals.columns) == ["country_code", "admin1", "events", "fatalities",
                                    "geometry"]
    assert {(r.admin1, r.events, r.fatalities) for r in totals.itertuples()} == {
        ("Beirut", 1, 0), ("Gaza Strip", 3, 17)}


def test_aggregate_of_nothing_is_an_empty_table(regions):
    table = regions.aggregate([])
    assert len(table) == 0
    assert {"country_code", "admin1", "event_type", "events", "fatalities"} <= set(table)


def test_a_large_batch_near_coasts_gets_regions(regions):
    # The Levant with its sea: many points need the nearest-polygon fallback.
    # (Speed is measured in bench/, not asserted here.)
    rng = random.Random(7)
    batch = [event(rng.uniform(29.0, 34.7), rng.uniform(33.5, 36.5),
                   country_code=rng.choice(["", "", "IL", "LB"])) for _ in range(2_000)]
    out = regions.assign(batch)
    assert sum(1 for e in out if e.admin1) > 1_600


def test_missing_boundaries_are_a_data_error(tmp_path):
    with pytest.raises(DataError, match="countries.geojson"):
        Regions.load(tmp_path)
