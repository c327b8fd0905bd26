"""Rules that read one sentence: dates, deaths, actors, event types.

The always-run tests use sentences written for them. The last group reads the AP
sample in ../shared/samples and is skipped when it is absent.
"""

import re
from datetime import date

import pytest

from conftest import SHARED
from webapp.extract import classify as classify_module
from webapp.extract.actors import find_actors
from webapp.extract.classify import classify
from webapp.extract.dates import resolve_date
from webapp.extract.fatalities import count_fatalities
from webapp.models import sub_event_types, vocabulary

FRIDAY = date(2024, 4, 26)  # publication date used throughout


# --- dates ---------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, expected, precision", [
    ("The envoy landed in Amman on Friday.", date(2024, 4, 26), 1),
    ("Gunmen opened fire on a patrol Thursday.", date(2024, 4, 25), 1),
    ("The blast came shortly before midnight Tuesday.", date(2024, 4, 23), 1),
    ("Monday's vote was postponed.", date(2024, 4, 22), 1),
    ("Overnight, drones struck a depot near Tyre.", date(2024, 4, 25), 1),
    ("Two rockets hit a field yesterday.", date(2024, 4, 25), 1),
    ("Crowds gathered in the square today.", date(2024, 4, 26), 1),
    ("The ministers met last Friday.", date(2024, 4, 19), 1),
    ("The talks resume next Monday.", date(2024, 4, 29), 1),
    ("A clinic was shelled last week.", date(2024, 4, 17), 2),
    ("A convoy was turned back earlier this month.", date(2024, 4, 15), 3),
    ("The crossing closed in April.", date(2024, 4, 15), 3),
    ("The crossing closed in late January.", date(2024, 1, 25), 3),
    ("The bridge was hit on Oct. 7.", date(2023, 10, 7), 1),
    ("The bridge was hit on October 7.", date(2023, 10, 7), 1),
    ("The bridge was hit on 7 October.", date(2023, 10, 7), 1),
    ("The bridge was hit on April 25, 2024.", date(2024, 4, 25), 1),
    ("The bridge was hit on 2024-04-25.", date(2024, 4, 25), 1),
    ("The bridge was hit on May 3.", date(2023, 5, 3), 1),  # not after publication
])
def test_dates_resolve_against_publication(sentence, expected, precision):
    result = resolve_date(sentence, FRIDAY)
    assert (result.event_date, result.time_precision) == (expected, precision)


def test_old_dates_are_history():
    assert resolve_date("The war began with the Oct. 7 attack.", FRIDAY).historical
    assert not resolve_date("A shell fell on Wednesday.", FRIDAY).historical
    assert not resolve_date("A shell fell on April 20.", FRIDAY).historical  # 6 days back
    assert resolve_date("A shell fell on April 1.", FRIDAY).historical       # 25 days back


def test_news_date_wins_over_recalled_history():
    result = resolve_date("On Tuesday, the minister recalled the Oct. 7 attack.", FRIDAY)
    assert result.event_date == date(2024, 4, 23) and not result.historical


def test_no_date_words_gives_none_for_the_caller_to_fill():
    result = resolve_date("Smoke rose over the camp.", FRIDAY)
    assert result.event_date is None and not result.vague


@pytest.mark.parametrize("sentence", [
    "Strikes have intensified in recent months.",
    "Thousands of homes have been destroyed in the war.",
    "More than 500 people have been killed since Oct. 7.",
])
def test_periods_are_not_dates(sentence):
    result = resolve_date(sentence, FRIDAY)
    assert result.event_date is None and result.vague


# --- fatalities -----------------------------------------------------------------------

@pytest.mark.parametrize("sentence, count", [
    ("Gunmen fired on the car, killing a farmer.", 1),
    ("A drone strike killed two soldiers near the fence.", 2),
    ("The shelling killed 10 civilians and 12 soldiers.", 22),
    ("More than 300 people have been killed, including 40 civilians and 200 fighters.", 300),
    ("The driver was wounded and he later died in hospital.", 1),
    ("The blast wounded five.", 0),
    ("A strike killed three and wounded eleven.", 3),
    ("At least 20 dead after the strike on the market.", 20),
    ("Twenty-five people were killed in the raid.", 25),
    ("Dozens of people were killed.", 12),
    ("Several soldiers were killed.", 3),
    ("A 16-year-old boy was shot dead at the checkpoint.", 1),
    ("No one was killed in the attack.", 0),
    ("The army massed dozens of tanks and destroyed two vehicles.", 0),
    ("Tens of thousands of people have fled their homes.", 0),
])
def test_deaths_counted(sentence, count):
    assert count_fatalities(sentence).count == count


@pytest.mark.parametrize("sentence, count", [
    ("The death toll rose to 45.", 45),
    ("The death toll climbed from 40 to 45 on Monday.", 45),
    ("More than 12,500 people have been killed in the war.", 12_500),
    ("Since the war began, 900 people have been killed.", 900),
    ("The cross-border exchanges have killed 30 soldiers.", 30),
    ("So far 18 people have died.", 18),
])
def test_running_totals_are_flagged(sentence, count):
    result = count_fatalities(sentence)
    assert (result.count, result.is_total) == (count, True)


def test_single_events_are_not_totals():
    assert not count_fatalities("A strike killed two soldiers on Monday.").is_total


def test_tallies_side_by_side_are_kept_apart():
    result = count_fatalities("In the north, the fighting has killed eight soldiers, "
                              "while in the south, more than 90 people have been killed.")
    assert (result.count, result.other_tallies, result.is_total) == (8, (90,), True)


# --- actors ---------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, actors", [
    ("Hezbollah fired rockets at an Israeli army post.", ("Hezbollah", "Israeli army post")),
    ("Lebanon's militant Hezbollah group ambushed Israeli troops.",
     ("Hezbollah", "Israeli troops")),
    ("Hamas fighters clashed with Israeli soldiers in Khan Younis.",
     ("Hamas", "Israeli soldiers")),
    ("Two soldiers were killed by Hezbollah fire.", ("Hezbollah", "soldiers")),
    ("Qatar sent a delegation to Egypt, officials said.", ("Qatar", "Egypt")),
    ("Egypt's intelligence chief met Hamas leaders in Cairo.",
     ("Egypt's intelligence chief", "Hamas leaders")),
    ("Israeli forces raided Jenin.", ("Israeli forces", "")),
    ("The IDF said its jets struck a depot.", ("Israel Defense Forces", "")),
    ("Hamas said its fighters ambushed a patrol.", ("Hamas", "")),
    ("The army said the blast wounded a Lebanese soldier.", ("", "Lebanese soldier")),
    ("The Lebanese army deployed troops along the Litani river.", ("Lebanese army", "troops")),
    ("Israeli troops shot dead a Palestinian man in Nablus.",
     ("Israeli troops", "Palestinian man")),
    ("Rockets were fired from Lebanon into Israel.", ("", "")),
])
def test_actors(sentence, actors):
    assert find_actors(sentence) == actors


# --- classification -------------------------------------------------------------------

@pytest.mark.parametrize("sentence, expected", [
    ("An Israeli airstrike hit a house in Rafah.",
     ("Explosions/Remote violence", "Air/drone strike", "strike")),
    ("A drone strike hit a car near Tyre.",
     ("Explosions/Remote violence", "Air/drone strike", "strike")),
    ("Militants fired rockets at the town.",
     ("Explosions/Remote violence", "Shelling/artillery/missile attack", "strike")),
    ("Artillery shelled the outskirts of the village.",
     ("Explosions/Remote violence", "Shelling/artillery/missile attack", "strike")),
    ("Fighters ambushed a patrol with anti-tank missiles.",
     ("Battles", "Armed clash", "armed clash")),
    ("Troops and gunmen clashed near the camp.", ("Battles", "Armed clash", "armed clash")),
    ("Israeli forces raided the camp before dawn.", ("Battles", "Armed clash", "raid")),
    ("Soldiers stormed the hospital compound.", ("Battles", "Armed clash", "raid")),
    ("Settlers shot dead a civilian in the village.",
     ("Violence against civilians", "Attack", "attack on civilians")),
    ("Gunmen abducted two aid workers.",
     ("Violence against civilians", "Abduction/forced disappearance", "abduction")),
    ("Hundreds of students held a protest outside the embassy.",
     ("Protests", "Peaceful protest", "protest")),
    ("Rioters torched cars after the match.", ("Riots", "Violent demonstration", "riot")),
    ("Police arrested 14 people in the old city.",
     ("Strategic developments", "Arrests", "arrests")),
    ("A Qatari delegation arrived for talks.", ("Strategic developments", "Other", "diplomacy")),
    ("The two leaders held a phone call.", ("Strategic developments", "Other", "diplomacy")),
    ("The two sides signed a cease-fire agreement.",
     ("Strategic developments", "Agreement", "diplomacy")),
    ("Jordan warned that it would not tolerate an assault on the holy sites.",
     ("Strategic developments", "Other", "statement")),
    ("The army massed tanks near the border.",
     ("Strategic developments", "Other", "military deployment")),
    ("The militia set up a new base in the hills.",
     ("Strategic developments", "Headquarters or base established", "military deployment")),
    ("Thousands of families have been displaced from the valley.",
     ("Strategic developments", "Other", "displacement")),
    ("More than 12,500 people have been killed in the war.",
     ("Strategic developments", "Other", "casualty report")),
    ("Airstrikes have killed 700 people since the war began.",
     ("Explosions/Remote violence", "Air/drone strike", "casualty report")),
    ("Two soldiers were killed near the fence.", ("Battles", "Armed clash", "armed clash")),
    ("Troops detained 15 men in a dawn raid on the camp.",
     ("Strategic developments", "Arrests", "arrests")),
    ("Settlers torched two homes in the village.",
     ("Strategic developments", "Looting/property destruction", "other")),
    ("Three hostages were released at the crossing.",
     ("Strategic developments", "Other", "diplomacy")),
])
def test_classification(sentence, expected):
    found = classify(sentence)
    assert found is not None
    assert (found.event_type, found.sub_event_type, found.category) == expected


@pytest.mark.parametrize("sentence", [
    "The diplomat spoke on condition of anonymity to discuss the matter.",
    "The city lies on the coast.",
    "There has been growing pressure on both sides to agree a truce.",
    "The hope is that talks will continue next week.",
    "Hezbollah threatened to fire rockets at northern towns.",  # a threat is a statement
])
def test_no_event_or_no_violence(sentence):
    found = classify(sentence)
    assert found is None or found.category == "statement"


def test_every_type_pair_is_in_the_vocabulary():
    pairs = sub_event_types()
    categories = vocabulary()["categories"]
    rules = classify_module._VIOLENCE + classify_module._OTHER_EVENTS
    for _, found in rules:
        assert pairs[found.sub_event_type] == found.event_type
        assert found.category in categories


# --- the AP sample (skipped when ../shared is absent) ----------------------------------

SAMPLE = SHARED / "samples" / "ap-egypt-delegation-rafah.txt"
PUBLISHED = date(2024, 4, 26)


@pytest.fixture(scope="module")
def sample_sentences():
    text = SAMPLE.read_text(encoding="utf-8")
    return [s for line in text.splitlines()
            for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"])", line) if s.strip()]


def _one(sentences, *words):
    hits = [s for s in sentences if all(w in s for w in words)]
    assert len(hits) == 1, (words, hits)
    return hits[0]


@pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/samples is absent")
class TestSample:
    def test_ambush(self, sample_sentences):
        s = _one(sample_sentences, "Hezbollah", "convoy", "killing")
        assert resolve_date(s, PUBLISHED).event_date == date(2024, 4, 25)
        assert count_fatalities(s).count == 1
        assert find_actors(s)[0] == "Hezbollah"
        later = _one(sample_sentences, "ambushed", "Thursday")
        assert resolve_date(later, PUBLISHED).event_date == date(2024, 4, 25)
        assert find_actors(later)[0] == "Hezbollah"

    def test_delegation(self, sample_sentences):
        s = _one(sample_sentences, "sent a high-level delegation")
        assert resolve_date(s, PUBLISHED).event_date == date(2024, 4, 26)
        assert classify(s).category == "diplomacy"
        assert find_actors(s) == ("Egypt", "Israel")

    def test_tanks(self, sample_sentences):
        s = _one(sample_sentences, "tanks", "massed")
        assert classify(s).category == "military deployment"
        assert find_actors(s)[0] == "Israeli military"

    def test_raids(self, sample_sentences):
        s = _one(sample_sentences, "raids on Rafah")
        assert classify(s).category == "raid"
        assert find_actors(s) == ("Israel", "")

    def test_war_toll(self, sample_sentences):
        s = _one(sample_sentences, "34,000")
        result = count_fatalities(s)
        assert result.count == 34_000 and result.is_total
        assert classify(s).category == "casualty report"

    def test_cross_border_toll(self, sample_sentences):
        s = _one(sample_sentences, "10 civilians and 12 soldiers")
        result = count_fatalities(s)
        assert result.count == 22 and result.is_total

    def test_history(self, sample_sentences):
        s = _one(sample_sentences, "Oct. 7 raid")
        result = resolve_date(s, PUBLISHED)
        assert result.event_date == date(2023, 10, 7) and result.historical

    def test_nothing_happens(self, sample_sentences):
        assert classify(_one(sample_sentences, "condition of anonymity to freely")) is None

    def test_every_classification_is_in_the_vocabulary(self, sample_sentences):
        pairs = sub_event_types()
        for s in sample_sentences:
            found = classify(s)
            if found:
                assert pairs[found.sub_event_type] == found.event_type
