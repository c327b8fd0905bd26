"""Local news: the story's geographic focus picks the town, not its famous namesake.

Every text here is written for this test. Each case names the place the way a local
paper would, and asserts where a reader of that paper would put it.
"""

import pytest

from webapp.extract.pipeline import Extractor
from webapp.geocoder.focus import origin_states
from webapp.models import Article


def resolve(geocoder, text, name, nth=0, origin=""):
    """The reading of the ``nth`` mention of ``name`` in ``text``."""
    position = -1
    for _ in range(nth + 1):
        position = text.index(name, position + 1)
    ctx = geocoder.context(text, origin=origin) if origin else geocoder.context(text)
    raw = geocoder.geocode(name, context=ctx, position=position).raw
    return raw["country_code"], raw["admin1"], raw["kind"]


def test_a_dateline_with_its_state_picks_the_town_named_again(geocoder):
    text = ("PARIS, Texas — The Lamar County commissioners met on Tuesday to fix the roads "
            "that lead into Paris from the north, and a judge in Paris signed the order.")
    assert resolve(geocoder, text, "Paris")[:2] == ("US", "Texas")
    assert resolve(geocoder, text, "Paris", nth=1)[:2] == ("US", "Texas")


def test_palestine_in_an_east_texas_story_is_the_texan_town(geocoder):
    text = ("Firefighters fought a blaze at a lumber yard in Palestine late on Tuesday. "
            "Anderson County deputies closed the loop road while crews from Tyler and "
            "Jacksonville came to help.")
    assert resolve(geocoder, text, "Palestine")[:2] == ("US", "Texas")


def test_a_town_and_the_county_it_lies_in_agree(geocoder):
    text = ("The Palestine City Council voted on Monday to repave two streets, and Anderson "
            "County will share the cost.")
    assert resolve(geocoder, text, "Palestine") == ("US", "Texas", "city")


@pytest.mark.parametrize("text, state", [
    ("A Lebanon man was charged after a crash on Route 422 near Palmyra, Lebanon County "
     "detectives said. He was taken to a hospital in Hershey and later to Harrisburg.",
     "Pennsylvania"),
    ("Lebanon police arrested a man on Friday after a break-in at a pharmacy. The Warren "
     "County sheriff said deputies from Mason and Cincinnati helped.", "Ohio"),
    ("LEBANON, Tenn. — Wilson County commissioners approved the school budget on Monday, "
     "and Lebanon's mayor said traffic from Nashville keeps growing.", "Tennessee"),
])
def test_lebanon_in_a_state_story_is_that_states_town(geocoder, text, state):
    country, admin1, kind = resolve(geocoder, text, "Lebanon")
    assert (country, admin1, kind) == ("US", state, "city")


def test_lebanon_in_world_news_is_still_the_country(geocoder):
    text = ("Israeli jets struck targets in southern Lebanon on Tuesday and Hezbollah fired "
            "rockets at Israel. Officials in Beirut said three civilians were killed.")
    assert resolve(geocoder, text, "Lebanon") == ("LB", "", "country")


def test_a_local_paper_on_a_soldier_abroad_keeps_the_country(geocoder):
    text = ("NASHVILLE, Tenn. (AP) — A Tennessee Army veteran who served with peacekeepers "
            "in Lebanon came home on Friday. Lebanese officials in Beirut and the Israeli "
            "army thanked his unit for its years on the border.")
    assert resolve(geocoder, text, "Lebanon") == ("LB", "", "country")


@pytest.mark.parametrize("text, state", [
    ("MARTINSVILLE, Va. — The Henry County school board voted on Monday to repair two "
     "schools.", "Virginia"),
    ("Henry County schools will open late on Wednesday because of ice, officials in "
     "McDonough said, and Atlanta forecasters expect more sleet across Georgia.", "Georgia"),
])
def test_a_county_resolves_within_the_focus_state(geocoder, text, state):
    assert resolve(geocoder, text, "Henry County") == ("US", state, "county")


@pytest.mark.parametrize("text, nth, state", [
    ("SPRINGFIELD, Ill. (AP) — Illinois lawmakers passed a budget late on Friday at the "
     "Capitol in Springfield.", 0, "Illinois"),
    ("A Springfield woman won the lottery, Missouri officials said on Monday. She bought the "
     "ticket at a gas station in Greene County, near Branson.", 0, "Missouri"),
    ("Springfield police said the shooting happened downtown. Hampden County prosecutors "
     "are investigating with Massachusetts State Police.", 0, "Massachusetts"),
])
def test_springfield_follows_the_story_state(geocoder, text, nth, state):
    assert resolve(geocoder, text, "Springfield", nth=nth)[:2] == ("US", state)


def test_a_town_the_text_qualifies_keeps_that_reading(geocoder):
    text = ("A Lebanon, Ohio, woman won the state spelling bee on Saturday, and schools in "
            "Lebanon closed early to celebrate.")
    assert resolve(geocoder, text, "Lebanon", nth=1) == ("US", "Ohio", "city")


def test_a_qualified_town_far_from_the_focus(geocoder):
    text = ("NEWARK, N.J. — A traveler who meant to fly from Newark to Paris ended up in "
            "Denver, the airline said; she reached France a day late.")
    assert resolve(geocoder, text, "Paris")[0] == "FR"


def test_a_local_story_abroad_keeps_the_famous_city(geocoder):
    local = ("A Bourbon County jury convicted a Paris man on Thursday; the trial in Paris "
             "lasted three days, and he will be sentenced in Lexington, Kentucky.")
    abroad = ("LEXINGTON, Ky. — The Kentucky couple were in France on a family trip when "
              "shots rang out near their hotel in Paris, they told relatives in Lexington.")
    assert resolve(geocoder, local, "Paris")[:2] == ("US", "Kentucky")
    assert resolve(geocoder, abroad, "Paris")[0] == "FR"


def test_georgia_the_state_and_georgia_the_country(geocoder):
    state = "ATLANTA (AP) — Georgia election officials in Fulton County certified the count."
    country = ("Russian troops remain in two breakaway regions of Georgia, officials in "
               "Tbilisi said.")
    assert resolve(geocoder, state, "Georgia")[:2] == ("US", "Georgia")
    assert resolve(geocoder, country, "Georgia") == ("GE", "", "country")


def test_a_list_of_states_is_no_focus(geocoder):
    text = ("Cases were reported in Georgia, Oklahoma, Pennsylvania, Wisconsin and "
            "California, the agency said.")
    assert resolve(geocoder, text, "California") == ("US", "California", "admin area")


@pytest.mark.parametrize("origin, states", [
    ("https://www.nj.com/news/2024/05/story.html", ["New Jersey"]),
    ("https://www.texastribune.org/2024/05/01/water/", ["Texas"]),
    ("https://example.com/news/west-virginia/flooding", ["West Virginia"]),
    ("kentucky-feed.xml", ["Kentucky"]),
    ("https://www.example.com/in/or/me/", []),        # words, not states
    ("https://news.example.org/world/lebanon/", []),
    ("", []),
])
def test_a_publishers_url_names_its_state(origin, states):
    assert origin_states(origin) == states


def test_the_publishers_state_decides_a_bare_name(geocoder):
    text = "The library in Lebanon will expand next year, the board said."
    assert resolve(geocoder, text, "Lebanon")[0] == "LB"
    home = "https://www.example-news.com/pennsylvania/local/library"
    assert resolve(geocoder, text, "Lebanon", origin=home) == ("US", "Pennsylvania", "city")


def test_the_extractor_passes_the_article_url_to_the_focus(geocoder):
    text = ("Police said a gunman shot and killed two men outside a bar in Lebanon on "
            "Saturday night.")
    article = Article(title="Gas blast", text=text,
                      url="https://www.daily-example.com/news/ohio/blast")
    events = Extractor(geocoder).events(article)
    assert events and events[0].country_code == "US" and events[0].admin1 == "Ohio"
