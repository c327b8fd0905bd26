"""ACLED's codebook, rule by rule: each test a rule a coder applies, on sentences
written for these tests."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from webapp.extract.actor_types import inter_code, interaction
from webapp.extract.classify import classify
from webapp.extract.dates import resolve_date
from webapp.extract.fatalities import count_fatalities

WEDNESDAY = date(2024, 5, 8)


@pytest.fixture(scope="module")
def extractor(geocoder):
    from webapp.extract.pipeline import Extractor

    return Extractor(geocoder)


def events(extractor, text, published=WEDNESDAY):
    from webapp.models import Article

    return extractor.events(Article(title="report", text=text, published=published))


def kind(sentence):
    found = classify(sentence)
    return (found.event_type, found.sub_event_type) if found else None


# -- remote violence takes precedence; civilian targeting is a flag -------------------

REMOTE = "Explosions/Remote violence"


@pytest.mark.parametrize("sentence, sub", [
    ("An air strike on a family home in Bureij killed six civilians, four of them children.",
     "Air/drone strike"),
    ("A drone struck a car near the hospital gate, killing a paramedic and two women.",
     "Air/drone strike"),
    ("Artillery shells hit a school used as a shelter, killing nine displaced people.",
     "Shelling/artillery/missile attack"),
    ("A roadside bomb killed three farmers on their way to the fields.",
     "Remote explosive/landmine/IED"),
    ("An Israeli strike on a tent camp killed a mother and her three children.",
     "Air/drone strike"),
])
def test_a_remote_weapon_that_kills_civilians_is_remote_violence(extractor, sentence, sub):
    assert kind(sentence) == (REMOTE, sub)
    [event] = events(extractor, sentence)
    assert event.event_type == REMOTE
    assert event.extra["civilian_targeting"] == "Civilian targeting"


def test_remote_violence_against_fighters_is_not_civilian_targeting(extractor):
    [event] = events(extractor, "A drone strike on a motorbike killed two fighters.")
    assert event.event_type == REMOTE
    assert "civilian_targeting" not in event.extra


def test_unnamed_dead_do_not_make_civilian_targeting(extractor):
    [event] = events(extractor, "Shelling killed 11 people in the market area on Monday.")
    assert "civilian_targeting" not in event.extra


def test_violence_against_civilians_is_always_civilian_targeting(extractor):
    [event] = events(extractor, "Soldiers shot dead a shepherd near his flock on Tuesday.")
    assert event.event_type == "Violence against civilians"
    assert event.extra["civilian_targeting"] == "Civilian targeting"
    assert event.extra["inter2"] == "7"


def test_gunfire_at_fishermen_is_an_attack_on_civilians():
    assert kind("The navy opened fire on fishermen off the coast.") == (
        "Violence against civilians", "Attack")


def test_a_clash_is_never_civilian_targeting(extractor):
    [event] = events(extractor, "Fighters clashed with troops for hours, and three soldiers "
                                "were killed.")
    assert event.event_type == "Battles"
    assert "civilian_targeting" not in event.extra


# -- strategic developments, sub-type by sub-type ------------------------------------

SD = "Strategic developments"


@pytest.mark.parametrize("sentence, sub", [
    ("Bulldozers razed two shops and a water tank on the edge of the village.",
     "Looting/property destruction"),
    ("Soldiers ransacked the offices of a charity during a raid on the town.",
     "Looting/property destruction"),
    ("The authorities confiscated farmland belonging to three families.",
     "Looting/property destruction"),
    ("Police detained four students at a checkpoint.", "Arrests"),
    ("A raid on the camp ended with eleven men arrested.", "Arrests"),
    ("The two sides signed a ceasefire agreement in Doha.", "Agreement"),
    ("The warring parties agreed to a prisoner exchange.", "Agreement"),
    ("The army set up a new outpost on the hilltop.", "Headquarters or base established"),
    ("Air defences intercepted three rockets over the coastal plain.", "Disrupted weapons use"),
    ("Engineers defused a car bomb parked outside the police station.",
     "Disrupted weapons use"),
    ("Police seized a cache of weapons and explosives in a farmhouse.",
     "Disrupted weapons use"),
    ("The militia handed over control of the town to the army.",
     "Non-violent transfer of territory"),
    ("Troops took control of the border post without meeting resistance.",
     "Non-violent transfer of territory"),
    ("Armoured vehicles moved into the northern quarter overnight.", "Other"),
    ("Tanks advanced along the coastal road.", "Other"),
    ("The army called up three reserve divisions.", "Other"),
    ("The army imposed a curfew on the town.", "Other"),
    ("The authorities closed the main crossing and two roads.", "Other"),
    ("The area was declared a closed military zone.", "Other"),
    ("The army ordered all families in the eastern districts to leave their homes.", "Other"),
])
def test_strategic_development_sub_types(sentence, sub):
    assert kind(sentence) == (SD, sub)


def test_each_strategic_report_yields_an_event(extractor):
    text = ("On Sunday, the army imposed a curfew on the old market. "
            "On Monday, tanks moved into the eastern quarter. "
            "On Tuesday, air defences intercepted a drone over the bay.")
    found = events(extractor, text)
    assert [e.sub_event_type for e in found] == ["Other", "Other", "Disrupted weapons use"]


def test_an_intercepted_weapon_that_still_hits_is_the_attack():
    assert kind("Most of the rockets were intercepted, but one hit a house, wounding two.")[0] \
        == REMOTE


def test_an_evacuation_order_ahead_of_an_offensive_is_not_the_offensive():
    assert kind("The army ordered residents to evacuate ahead of a ground offensive.") == (
        SD, "Other")


# -- fatalities ---------------------------------------------------------------------

@pytest.mark.parametrize("sentence, deaths", [
    ("A strike killed four people; another strike minutes later killed two more.", 6),
    ("An air strike killed five people, while a second strike on the same street killed 3 "
     "others.", 8),
    ("Shelling hit the area overnight. Casualties unknown.", 0),
    ("Rescuers recovered the bodies of 14 people from the rubble of the building.", 0),
    ("At least 9 people were killed and at least 30 wounded.", 9),
    ("The strike killed at least one person and injured dozens.", 1),
    ("At least 2,300 people have been killed in the war.", 2300),
    ("Shelling wounded 15 civilians in the square.", 0),
    ("A drone killed a man and his two sons.", 3),
])
def test_fatalities(sentence, deaths):
    assert count_fatalities(sentence).count == deaths


def test_strikes_of_one_report_are_one_event_with_the_dead_summed(extractor):
    text = ("On Monday, an air strike on a house in Beit Hanoun killed five people. "
            "Another strike on a nearby house killed three more. "
            "A third strike hit the same street, killing two.")
    [event] = events(extractor, text)
    assert event.fatalities == 10
    assert event.event_date == date(2024, 5, 6)


def test_the_same_deaths_told_twice_are_not_summed(extractor):
    text = ("On Monday, an air strike on a house in Beit Hanoun killed five people. "
            "The five were members of one family, relatives said.")
    assert sum(e.fatalities for e in events(extractor, text)) == 5


def test_bodies_recovered_later_are_not_the_strikes_dead(extractor):
    text = ("On Monday, a drone strike in Khan Younis killed two people. "
            "Rescuers also recovered the bodies of eight people killed last week.")
    assert sum(e.fatalities for e in events(extractor, text) if not e.is_historical) == 2


# -- dates: the day it happened, not the day it was told ----------------------------

@pytest.mark.parametrize("sentence, day", [
    ("Jets struck the camp on Tuesday.", date(2024, 5, 7)),
    ("Shelling hit the town overnight.", date(2024, 5, 7)),
    ("On 3 May, soldiers arrested two men.", date(2024, 5, 3)),
    ("Jets struck the camp on Monday night, the ministry said on Tuesday.", date(2024, 5, 6)),
    ("The army said on Tuesday that it had shelled the hills on Sunday.", date(2024, 5, 5)),
    ("The group said on Tuesday that a drone had hit its base.", date(2024, 5, 7)),
])
def test_the_event_date_is_when_it_happened(sentence, day):
    assert resolve_date(sentence, WEDNESDAY).event_date == day


# -- actor types and interaction ----------------------------------------------------

@pytest.mark.parametrize("actor, code", [
    ("Israeli troops", 1), ("Israel", 1), ("Lebanese army", 1), ("police", 1),
    ("Hamas", 2), ("Islamic Jihad", 2), ("militants", 2),
    ("Hezbollah", 3), ("gunmen", 3),
    ("settlers", 4), ("Israeli settlers", 4),
    ("rioters", 5),
    ("protesters", 6), ("Palestinian protesters", 6),
    ("civilians", 7), ("journalists", 7), ("Palestinian children", 7),
    ("UNIFIL", 8), ("U.N. peacekeepers", 8),
    ("", None),
])
def test_inter_codes(actor, code):
    assert inter_code(actor) == code


def test_interaction_puts_the_lower_type_first():
    assert interaction(7, 1) == "17"
    assert interaction(1, 3) == "13"
    assert interaction(2, None) == "20"
    assert interaction(None, None) == ""


def test_extracted_events_carry_inter_codes(extractor):
    [event] = events(extractor, "Hezbollah fired anti-tank missiles at Israeli troops on "
                                "Tuesday.")
    assert (event.extra["inter1"], event.extra["inter2"], event.extra["interaction"]) == (
        "3", "1", "13")


# -- admin2: only where the gazetteer has second-level areas (US counties) -----------

def test_admin2_is_left_empty_where_the_gazetteer_has_none(extractor):
    [event] = events(extractor, "On Tuesday, an air strike hit a house in Khan Younis.")
    assert event.location and "admin2" not in event.extra


def test_admin2_is_a_county_the_event_is_placed_at(extractor):
    found = events(extractor, "On Monday, protesters rallied in Henry County, Georgia.")
    assert [e.extra.get("admin2") for e in found] == ["Henry County"]


# -- store, API and ACLED export carry the codes ------------------------------------

REPORT = ("On Tuesday, an Israeli air strike on a house in Rafah killed four civilians. "
          "On Monday, soldiers detained two journalists in Hebron.")


def test_codes_travel_through_store_api_and_acled_export(extractor, tmp_path, geocoder):
    from conftest import add_user, log_in, make_app
    from webapp.interchange.acled import write_acled_csv
    from webapp.models import Article
    from webapp.store import SQLiteStore
    from webapp.store.base import make_filters

    article = Article(title="report", text=REPORT, published=WEDNESDAY)
    found = extractor.events(article)
    strike = next(e for e in found if e.event_type == REMOTE)
    assert strike.extra["civilian_targeting"] == "Civilian targeting"
    db = tmp_path / "events.sqlite"
    with SQLiteStore(db) as store:
        assert store.add_article(article, found)
        stored = store.query(make_filters(include_flagged=True))
    assert {e.event_id: e.extra for e in stored} == {e.event_id: e.extra for e in found}

    out = io.StringIO(newline="")
    write_acled_csv(stored, out)
    rows = {r["event_id_cnty"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    row = rows[strike.event_id]
    assert row["civilian_targeting"] == "Civilian targeting"
    assert (row["inter1"], row["inter2"], row["interaction"]) == ("1", "7", "17")
    assert row["admin2"] == ""

    add_user(db)
    client = log_in(make_app(db, geocoder, tmp_path).test_client(), db)
    response = client.get("/api/events?include_flagged=1")
    assert response.status_code == 200
    props = {f["id"]: f["properties"] for f in json.loads(response.get_data(as_text=True))
             ["features"]}
    assert props[strike.event_id]["civilian_targeting"] == "Civilian targeting"
    assert props[strike.event_id]["interaction"] == "17"


# -- words that look like the rules but are not events of theirs ---------------------

@pytest.mark.parametrize("sentence, not_this", [
    ("Cabin crew announced a 48-hour strike at two airports.", "Air/drone strike"),
    ("As the doctors' strike went on, clinics turned patients away.", "Air/drone strike"),
    ("A new chief executive took over from the founder in March.",
     "Non-violent transfer of territory"),
    ("The software takes control of the car on motorways.", "Non-violent transfer of territory"),
    ("The minister said the border will not be closed.", "Other"),
    ("Crews cut through downed branches after the storm.", "Disrupted weapons use"),
    ("The army denied that an agreement had been reached.", "Agreement"),
    ("Volunteers moved from house to house collecting donations.", "Other"),
])
def test_look_alikes_are_not_coded_as_the_rule(sentence, not_this):
    found = classify(sentence)
    assert found is None or found.sub_event_type != not_this


def test_a_detonated_car_bomb_is_an_attack_not_a_disrupted_weapon():
    assert kind("Rebels detonated a car bomb at the checkpoint.") == (
        REMOTE, "Remote explosive/landmine/IED")


def test_bombs_dropped_from_aircraft_are_air_strikes():
    assert kind("A glide bomb hit the clinic on Tuesday.") == (REMOTE, "Air/drone strike")
    assert kind("Helicopters dropped barrel bombs on the town.") == (REMOTE, "Air/drone strike")


def test_an_ordered_evacuation_is_a_strategic_development():
    assert kind("The army ordered the evacuation of three villages near the border.") == (
        SD, "Other")


@pytest.mark.parametrize("sentence, deaths", [
    ("Ten soldiers and an unknown number of militants were killed.", 10),
    ("Four soldiers and six militants were killed in the fighting.", 10),
])
def test_two_subjects_of_one_death_verb(sentence, deaths):
    assert count_fatalities(sentence).count == deaths
