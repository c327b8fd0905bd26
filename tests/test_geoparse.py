"""Finding places in running text, as a briefing officer would check them."""

import json

import pytest

from conftest import ROOT, SHARED, run_cli

SITREP = ROOT / "webapp" / "samples" / "sitrep-2024-05-03.txt"
AP = SHARED / "samples" / "ap-egypt-delegation-rafah.txt"


@pytest.fixture(scope="module")
def parser(geocoder):
    from webapp.extract.geoparse import Geoparser

    return Geoparser(geocoder)


def by_text(toponyms):
    out = {}
    for t in toponyms:
        out.setdefault(t.text, []).append(t)
    return out


def by_words(text, toponyms):
    """Toponyms by the words they were read from: a spatial expression's whole phrase
    ("central Gaza"), else the name."""
    out = {}
    for t in toponyms:
        out.setdefault(t.words(text), []).append(t)
    return out


def test_offsets_point_at_the_names(parser):
    text = SITREP.read_text(encoding="utf-8")
    for t in parser.toponyms(text):
        assert text[t.start:t.end] == t.text


def test_sitrep_places(parser):
    text = SITREP.read_text(encoding="utf-8")
    found = by_words(text, parser.toponyms(text))
    assert {t.country_code for t in found["Rafah"]} == {"PS"}
    assert found["Rafah crossing"][0].kind == "crossing"
    assert found["Nuseirat refugee camp"][0].kind == "camp"
    assert found["central Gaza"][0].geo_precision == 2
    assert found["Deir el-Balah"][0].country_code == "PS"
    assert found["Metula"][0].country_code == "IL"
    assert found["Kfar Kila"][0].country_code == "LB"
    assert found["the Gaza-Egypt border"][0].kind == "border"
    assert found["al-Mawasi"][0].country_code == "PS"
    assert found["eastern Rafah"][0].kind == "region part"
    assert found["Jenin"][0].country_code == "PS"
    assert found["Qatari"][0].weak and found["Qatari"][0].country_code == "QA"


@pytest.mark.parametrize("sentence, false_match", [
    ("Prime Minister Mark Rutte spoke to President Abbas on Monday.", "Mark"),
    ("Egypt's intelligence chief, Abbas Kamel, arrived on Thursday.", "Abbas"),
    ("Hamas said the talks would resume; Hamas officials were upbeat.", "Hamas"),
    ("More than 200 people attended, officials said.", "More"),
    ("A Western diplomat in Cairo said the plan was dead.", "Western"),
])
def test_false_matches_are_dropped(parser, sentence, false_match):
    texts = {t.text for t in parser.toponyms(sentence)}
    assert false_match not in texts


def test_expressions_are_recognised_whole(parser):
    text = ("Shells fell 10 km south of Tyre as fighting spread along the "
            "Israel-Lebanon border and in northern Gaza.")
    texts = {t.words(text): t for t in parser.toponyms(text)}
    assert "10 km south of Tyre" in texts and texts["10 km south of Tyre"].geo_precision == 2
    assert texts["the Israel-Lebanon border"].kind == "border"
    assert texts["northern Gaza"].latitude > 31.45
    # each one-name phrase marks its name; a border of two names stays whole
    assert texts["10 km south of Tyre"].text == "Tyre"
    assert texts["northern Gaza"].text == "Gaza"
    assert texts["the Israel-Lebanon border"].text == "the Israel-Lebanon border"


def test_an_expression_ends_with_its_sentence(parser):
    text = ("Strikes hit homes in northern Gaza. At least 12 people were killed. Fighting "
            "went on in southern Lebanon. The U.S. Embassy said nothing.")
    found = {t.words(text): t for t in parser.toponyms(text)}
    assert "northern Gaza" in found and "southern Lebanon" in found
    assert not any(". " in name for name in found)
    start, end = found["northern Gaza"].phrase
    assert text[start:end] == "northern Gaza"
    assert text[found["northern Gaza"].start:found["northern Gaza"].end] == "Gaza"


def test_long_names_and_names_that_end_a_sentence(parser):
    text = ("Polio rose in Angola, Chad and the Democratic Republic of the Congo. Cases were "
            "reported in NSW and Queensland. Health officials said more would follow.")
    found = {t.text: t for t in parser.toponyms(text)}
    # five words: not read as its neighbour, the Republic of the Congo
    assert found["Democratic Republic of the Congo"].country_code == "CD"
    assert "Republic of the Congo" not in found
    # the next sentence's first word does not make "Queensland" part of a name
    assert found["Queensland"].country_code == "AU"


def test_a_place_before_a_title_or_a_sentence_is_still_a_place(parser):
    text = ("AUSTIN, Texas A white nationalist will speak at a rally. She backed Florida "
            "Senator Marco Rubio and then Texas Senator Ted Cruz.")
    found = [(t.text, t.admin1) for t in parser.toponyms(text)]
    assert found.count(("Texas", "Texas")) == 2
    assert ("Florida", "Florida") in found


def test_a_state_or_county_before_an_institution_is_named(parser):
    text = ("A man was shot in Adair County. Kentucky State Police and the Metcalfe County "
            "Sheriff's Office responded, and doctors at Duke University Hospital said so.")
    found = {t.text: t for t in parser.toponyms(text)}
    assert found["Kentucky"].kind == "admin area"
    assert found["Metcalfe County"].admin1 == "Kentucky"
    assert "Duke" not in found            # a small town in a name stays out


def test_places_inside_hyphenated_words(parser):
    text = ("Parliament can ratify the Canada-EU trade deal; a Canada-wide warrant was "
            "issued; the Israel-Hamas war goes on. Coca-Cola and Al-Qaeda said nothing.")
    found = [(t.text, t.country_code) for t in parser.toponyms(text)]
    assert found.count(("Canada", "CA")) == 2 and ("Israel", "IL") in found
    assert ("EU", "") in found
    assert not any(name in ("Coca", "Cola", "Qaeda") for name, _ in found)


@pytest.mark.skipif(not AP.exists(), reason="../shared/samples is absent")
def test_ap_story_places_nothing_far_away(parser):
    toponyms = parser.toponyms(AP.read_text(encoding="utf-8"))
    rafah = [t for t in toponyms if t.text == "Rafah"]
    assert rafah and {t.country_code for t in rafah} == {"PS"}
    for t in toponyms:  # every mention in the Middle East or a country named in it
        assert t.country_code in {"EG", "IL", "PS", "LB", "US", "NL"}, t


def test_cli_geoparse_one_line_per_file_and_errors(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("Strikes hit Khan Younis\n\nIsraeli jets struck Khan Younis.", "utf-8")
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\x00\x01\x02garbage")
    latin = tmp_path / "c.txt"
    latin.write_bytes("Caf\xe9 in Beirut".encode("latin-1"))
    result = run_cli("geoparse", str(good), str(binary), str(latin), str(tmp_path / "none.txt"))
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 1 and lines[0]["source"] == str(good)
    assert {t["text"] for t in lines[0]["toponyms"]} == {"Khan Younis", "Israeli"}
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3 and "Traceback" not in result.stderr
