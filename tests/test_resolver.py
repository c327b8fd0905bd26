"""The resolver interface: what the geoparser and the extractor ask of a geocoder, answered
alike by the offline geocoder and by the chain with an online fallback (faked: no
network), so extraction works whichever is configured."""

from __future__ import annotations

import json
from datetime import date

import pytest
from geopy.location import Location

from webapp.geocoder import PlaceKind, Resolved, Resolver, make_geocoder
from webapp.geocoder.context import mention_key
from webapp.geocoder.gazetteer import BUILD_RULES, GEODATA_DIR, index_fingerprint

from conftest import ROOT, add_user, make_app

ARTICLE = {
    "title": "Shelling near Khan Younis",
    "text": "Shelling near Khan Younis\n\nKHAN YOUNIS, Gaza (Wire) -- Israeli artillery "
            "shelled a school in Khan Younis on Sunday, killing four people, medics said. "
            "Fighting broke out at the border on Monday as Armenia and Azerbaijan traded "
            "accusations.\n",
    "published": "2024-06-03",
    "url": "https://example.org/khan-younis-shelling",
}


class OnlineService:
    """Stands in for Nominatim: knows one street address, records what it was asked."""

    def __init__(self):
        self.calls = []

    def geocode(self, query, exactly_one=True, timeout=None):
        self.calls.append(query)
        if query == "14 Harbour Road, Portree":
            return Location("14 Harbour Road, Portree, UK", (57.4126, -6.1930), {"id": 14})
        return None


@pytest.fixture
def service():
    return OnlineService()


@pytest.fixture
def chain(geocoder, service, tmp_path):
    """The offline geocoder with the online fallback behind it, as the configuration
    ``GEOCODER_FALLBACK`` makes it."""
    return make_geocoder({"GEOCODER_FALLBACK": service, "INSTANCE_PATH": str(tmp_path),
                          "GEOCODER_FALLBACK_DELAY": 0}, offline=geocoder)


# -- one interface, two geocoders --------------------------------------------------------

def test_both_geocoders_implement_the_interface(geocoder, chain):
    assert type(chain).__name__ == "FallbackGeocoder"
    assert isinstance(geocoder, Resolver) and isinstance(chain, Resolver)


def test_a_resolution_is_the_geocode_answer_as_plain_data(geocoder):
    text = "Israeli tanks pushed into Rafah as strikes hit northern Gaza and Tyre."
    ctx = geocoder.context(text)
    for name, position in (("Rafah", text.find("Rafah")), ("northern Gaza", text.find("north")),
                           ("Tyre", text.find("Tyre")), ("10 km south of Tyre", None)):
        found = geocoder.resolve(name, ctx, position)
        loc = geocoder.geocode(name, context=ctx, position=position)
        assert isinstance(found, Resolved)
        assert found.as_raw() == loc.raw
        assert (found.latitude, found.longitude) == (round(loc.latitude, 6),
                                                     round(loc.longitude, 6))
    assert geocoder.resolve("Qwxzzy Plorb") is None


@pytest.mark.parametrize("which", ["offline", "chain"])
def test_names_demonyms_kinds_and_countries(geocoder, chain, which):
    g = geocoder if which == "offline" else chain
    assert g.knows_name(mention_key("Khan Younis")) and not g.knows_name("qwxzzy plorb")
    assert g.demonym_country(mention_key("Lebanese")) == "LB"
    assert g.demonym_country(mention_key("Beirut")) is None
    assert {"country", "admin area"} <= g.name_kinds(mention_key("Georgia"))
    assert g.name_kinds("qwxzzy plorb") == frozenset()
    assert g.country_name("LB") == "Lebanon" and g.country_name("lb") == "Lebanon"
    assert g.country_name("QQ") is None


def test_the_chain_reads_contexts_offline_and_asks_online_only_for_misses(
        geocoder, chain, service):
    text = "SPRINGFIELD, Ill. (AP) -- Flooding closed roads in Springfield on Friday."
    position = text.rfind("Springfield")
    origin = "https://www.sj-r.com/story/news/"
    found = chain.resolve("Springfield", chain.context(text, origin=origin), position)
    assert found == geocoder.resolve("Springfield", geocoder.context(text, origin=origin),
                                     position)
    assert found.admin1 == "Illinois"
    assert service.calls == []
    online = chain.resolve("14 Harbour Road, Portree")
    assert (online.kind, online.source, online.geo_precision) == ("address", "onlineservice", 1)
    assert round(online.latitude, 2) == 57.41 and online.geometry["type"] == "Point"
    assert chain.resolve("14 Harbour Road, Portree") == online   # from the disk cache
    assert chain.resolve("Nowhere Street 99, Qwxzzy") is None
    assert service.calls == ["14 Harbour Road, Portree", "Nowhere Street 99, Qwxzzy"]


def test_a_context_check_can_stop_the_reading_through_the_chain(chain):
    class Stop(Exception):
        pass

    def stop():
        raise Stop

    with pytest.raises(Stop):
        chain.context("Gaza City. Beirut. Damascus. " * 400, check=stop)


# -- borders -------------------------------------------------------------------------------

# Neighbours on several continents, in both orders; the phrase is how the extractor
# asked before it could ask for the border directly.
NEIGHBOURS = [("IL", "LB"), ("LB", "IL"), ("LB", "SY"), ("EG", "IL"), ("JO", "SY"),
              ("US", "CA"), ("IN", "PK"), ("RU", "UA"), ("FR", "ES"), ("AM", "AZ"),
              ("CD", "RW"), ("BR", "AR")]


@pytest.mark.parametrize("a, b", NEIGHBOURS)
def test_the_border_of_two_countries_is_the_border_the_phrase_names(geocoder, a, b):
    found = geocoder.border(a, b)
    names = [geocoder.country_name(cc) for cc in (a, b)]
    phrase = geocoder.geocode(f"the {names[0]}-{names[1]} border")
    assert found.kind == "border" and found.geo_precision == 2
    assert found.geometry["type"] in ("LineString", "MultiLineString")
    assert found.name == f"{names[0]}–{names[1]} border"
    assert found.country_code == a
    as_phrase = Resolved.from_raw(phrase.raw)
    assert found == Resolved(**{**as_phrase.__dict__, "query": found.query})


def test_no_border_between_countries_that_do_not_touch(geocoder):
    assert geocoder.border("FR", "JP") is None
    assert geocoder.border("LB", "LB") is None
    assert geocoder.border("LB", "QQ") is None


def test_the_israel_lebanon_border_lies_between_the_two(geocoder, chain):
    found = chain.border("IL", "LB")
    assert found == geocoder.border("IL", "LB")
    assert 33.0 < found.latitude < 33.35 and 35.1 < found.longitude < 35.9


def test_a_sentence_naming_two_countries_and_a_border_is_placed_on_it(chain, regions):
    from webapp.extract.pipeline import Extractor
    from webapp.models import Article

    article = Article(title="Clashes", text="Fighting broke out at the border on Sunday as "
                                            "Armenia and Azerbaijan traded accusations.")
    [event] = Extractor(chain, regions).events(article, published=date(2024, 6, 2))
    assert event.location == "Armenia–Azerbaijan border" and event.geo_precision == 2
    assert event.geometry["type"] in ("LineString", "MultiLineString")


# -- the web server with an online fallback configured -------------------------------------

def test_posting_an_article_with_an_online_fallback_configured(geocoder, chain, service,
                                                               empty_db, tmp_path):
    app = make_app(empty_db, chain, tmp_path, GEOCODER_FALLBACK=service,
                   GEOCODER_FALLBACK_DELAY=0)
    api = app.test_client(use_cookies=False)
    response = api.post("/api/articles", json=ARTICLE,
                        headers={"Authorization": f"Bearer {add_user(empty_db)}"})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = json.loads(response.get_data(as_text=True))
    places = {f["properties"]["location"]: f["geometry"] for f in body["features"]}
    assert {"Khan Yunis", "Armenia–Azerbaijan border"} <= set(places)
    lon, lat = places["Khan Yunis"]["coordinates"]
    assert 31.3 < lat < 31.4 and 34.2 < lon < 34.4


# -- place kinds ---------------------------------------------------------------------------

def test_place_kinds_read_and_write_as_their_plain_names():
    assert PlaceKind("admin area") is PlaceKind.ADMIN_AREA
    assert PlaceKind.ADMIN_AREA == "admin area" and "region part" in {PlaceKind.REGION_PART}
    assert f"{PlaceKind.REGION_PART}" == str(PlaceKind.REGION_PART) == "region part"
    assert json.dumps({"kind": PlaceKind.BORDER}) == '{"kind": "border"}'


def test_every_kind_in_the_data_files_is_a_place_kind():
    from webapp.geocoder.gazetteer import read_curated

    for name in ("curated.csv", "theatre.csv"):
        for row in read_curated(GEODATA_DIR / name):
            PlaceKind(row["kind"])   # an unknown kind would get no prior or precision


def test_a_place_found_by_its_own_name_has_its_kinds_precision(geocoder):
    text = "Strikes hit the Shati camp and the Litani river."
    for name, kind in (("Shati camp", PlaceKind.CAMP), ("Litani", PlaceKind.RIVER)):
        found = geocoder.resolve(name, text, text.find(name))
        assert found.kind == kind and found.geo_precision == kind.precision


# -- the cached index -------------------------------------------------------------------

def test_the_index_fingerprint_covers_its_build_rules(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    for name in BUILD_RULES:
        (rules / name).write_text((ROOT / "webapp" / "geocoder" / name).read_text())
    assert {"build_index.py", "kinds.py", "gazetteer.py", "normalize.py"} <= set(BUILD_RULES)
    before = index_fingerprint(GEODATA_DIR, rules)
    assert index_fingerprint(GEODATA_DIR, rules) == before
    seen = {before}
    for name in ("build_index.py", "kinds.py"):
        with (rules / name).open("a") as fh:
            fh.write("# a changed rule\n")
        changed = index_fingerprint(GEODATA_DIR, rules)
        assert changed not in seen, name
        seen.add(changed)
