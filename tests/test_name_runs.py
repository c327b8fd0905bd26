"""A place next to other capitalised words: part of a person's name, or still a place?"""

import pytest


@pytest.fixture(scope="module")
def parser(geocoder):
    from webapp.extract.geoparse import Geoparser

    return Geoparser(geocoder)


def names(parser, text):
    return {t.text: t for t in parser.toponyms(text)}


def test_a_town_before_its_police_or_court_is_named(parser):
    text = ("A driver was hurt on the bypass near Bowling Green, Kentucky, on Friday. "
            "The Glasgow Police Department closed the road, and the Barren County "
            "Coroner came. A suspect will appear in Litchfield Superior Court in "
            "Connecticut next month.")
    found = names(parser, text)
    assert found["Glasgow"].admin1 == "Kentucky"
    assert found["Barren County"].admin1 == "Kentucky"
    assert found["Litchfield"].admin1 == "Connecticut"


def test_people_and_schools_named_after_people_stay_out(parser):
    text = ("Pupils from a school in Ohio visited Thomas Memorial Hospital, where "
            "Dr. Mark Garcia met them.")
    found = names(parser, text)
    assert "Thomas" not in found and "Garcia" not in found


def test_punctuation_before_a_run_of_spaces_ends_the_name(parser):
    # text wrapped by a feed: the full stop or quote sits before many spaces
    text = ("Volunteers counted the ballots again in Wisconsin.\n          Observers "
            "came from Iowa. \"We drove across Nebraska,\"      Jensen said.")
    found = names(parser, text)
    assert found["Wisconsin"].kind == "admin area"
    assert found["Nebraska"].kind == "admin area"


def test_a_possessive_joins_no_area_to_a_name(parser):
    text = ("Storms cut power across Australia. Queensland's Easter road toll rose, and "
            "factories in Indonesia's Aceh province closed.")
    found = names(parser, text)
    assert found["Queensland"].country_code == "AU"   # not "Queensland Easter"
    assert found["Aceh"].country_code == "ID"


def test_a_possessive_does_not_make_a_persons_name_a_place(parser):
    text = "Spain's Real lost at home, and Brazil's Kaka watched from the stands."
    found = names(parser, text)
    assert "Kaka" not in found and "Real" not in found


def test_a_province_heading_a_name_in_its_own_news_is_named(parser):
    text = ("A dog found nearly frozen near Brandon was nursed back to health in Winnipeg. "
            "Staff of Manitoba Pet Shelter Network said she is eating again.")
    found = names(parser, text)
    assert found["Manitoba"].kind == "admin area"


def test_a_paper_named_after_a_state_is_no_place(parser):
    text = ("Flooding closed roads in Albany and Buffalo, the New York Times reported, "
            "and Racing Victoria called off a meeting in Melbourne.")
    found = names(parser, text)
    assert "New York" not in found
    assert "Victoria" not in found


def test_a_title_case_dateline_names_the_town(geocoder):
    text = ("Washington (CNN) The chairman of a pipeline company is the leading candidate "
            "for the post, two officials said on Sunday.")
    found = geocoder.resolve("Washington", text, 0)
    assert found.admin1 == "District of Columbia"


def test_a_title_case_name_inside_the_text_is_no_dateline(geocoder):
    text = "Officials met on Sunday. Paris (AFP) was the first to report it."
    assert geocoder.context(text).dateline is None


def test_the_town_a_firm_is_based_in_is_named(parser):
    text = "Shares of a Denver-based miner fell after a Coca-Cola bottler cut its forecast."
    found = [(t.text, t.admin1) for t in parser.toponyms(text)]
    assert ("Denver", "Colorado") in found
    assert not any(name in ("Coca", "Cola") for name, _ in found)


def test_a_two_word_town_before_based_is_not_read_by_halves(parser):
    text = "A Los Angeles-based studio and a New York-based fund agreed on Boston."
    found = [(t.text, t.admin1) for t in parser.toponyms(text)]
    assert not any(name in ("Angeles", "York") for name, _ in found)
    assert ("Boston", "Massachusetts") in found
