"""Articles to events, end to end: what a briefing officer would mark on the map."""

import json
from datetime import date

import pytest

from conftest import ROOT, SHARED, run_cli

SITREP = ROOT / "webapp" / "samples" / "sitrep-2024-05-03.txt"
AP = SHARED / "samples" / "ap-egypt-delegation-rafah.txt"
LEVANT = (29.0, 29.0, 34.7, 36.7)  # south, west, north, east: Cairo to Beirut


@pytest.fixture(scope="module")
def extractor(geocoder):
    from webapp.extract.pipeline import Extractor
    from webapp.regions import Regions

    return Extractor(geocoder, Regions.load())


def events_of(extractor, path, published):
    from webapp.ingest import read_file

    [article] = read_file(path, published=published)
    return extractor.events(article)


def find(events, words):
    return [e for e in events if all(w in e.notes for w in words)]


def test_every_event_has_the_three_type_fields_from_the_vocabulary(extractor):
    from webapp.models import sub_event_types, vocabulary

    subs, categories = sub_event_types(), vocabulary()["categories"]
    for e in events_of(extractor, SITREP, date(2024, 5, 3)):
        assert subs[e.sub_event_type] == e.event_type
        assert e.category in categories


def test_sitrep_events(extractor):
    events = events_of(extractor, SITREP, date(2024, 5, 3))
    [strike] = find(events, ["drone strike", "Deir el-Balah"])
    assert strike.sub_event_type == "Air/drone strike" and strike.fatalities == 2
    assert strike.event_date == date(2024, 5, 1) and strike.country_code == "PS"
    [rockets] = find(events, ["Metula"])
    assert rockets.actor1 == "Hezbollah" and rockets.country_code == "IL"
    assert rockets.event_date == date(2024, 5, 2)
    [talks] = find(events, ["Cairo on Friday"])
    assert talks.category == "diplomacy" and talks.location == "Cairo"
    [deploy] = find(events, ["armoured brigades"])
    assert deploy.category == "military deployment"
    assert deploy.geometry["type"] in ("LineString", "MultiLineString")
    [fled] = find(events, ["al-Mawasi"])
    assert fled.category == "displacement" and fled.location == "al-Mawasi"
    [toll] = find(events, ["34,600"])
    assert toll.is_total and toll.fatalities == 34600


@pytest.mark.skipif(not AP.exists(), reason="../shared/samples is absent")
def test_ap_story_events(extractor):
    events = events_of(extractor, AP, date(2024, 4, 26))
    [ambush] = find(events, ["Hezbollah", "convoy", "Overnight"])
    assert ambush.event_date == date(2024, 4, 25) and ambush.fatalities == 1
    assert ambush.actor1 == "Hezbollah" and "border" in ambush.location
    assert "later died" in ambush.notes  # the retelling merged: one death, not two
    [raids] = find(events, ["raids on Rafah"])
    assert raids.country_code == "PS" and raids.category == "raid"
    [tanks] = find(events, ["massed dozens of tanks"])
    assert tanks.country_code == "IL" and tanks.category == "military deployment"
    assert tanks.geo_precision == 2 and tanks.latitude < 31.5
    [delegation] = find(events, ["high-level delegation"])
    assert delegation.event_date == date(2024, 4, 26) and delegation.category == "diplomacy"
    assert delegation.actor1 == "Egypt" and delegation.location == "Israel"
    totals = [e for e in events if e.is_total]
    assert any(e.fatalities == 34000 for e in totals)
    assert any(e.is_historical and e.event_date == date(2023, 10, 7) for e in events)
    for e in events:  # nothing dragged far away by a false match
        if e.latitude is not None and e.location != "Netherlands":
            s, w, n, east = LEVANT
            assert s <= e.latitude <= n and w <= e.longitude <= east, e.location


def test_cli_ingest_is_idempotent_and_survives_bad_files(tmp_path):
    db = tmp_path / "events.sqlite"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    result = run_cli("ingest", str(SITREP), str(bad), str(tmp_path / "missing.txt"),
                     "--published", "2024-05-03", "--db", str(db))
    assert result.returncode == 1
    assert result.stderr.count("error:") == 2 and "Traceback" not in result.stderr
    assert result.stdout.startswith("1 article(s) ingested")
    again = run_cli("ingest", str(SITREP), "--published", "2024-05-03", "--db", str(db))
    assert again.returncode == 0 and "0 article(s) ingested, 1 already stored" in again.stdout
    exported = run_cli("export", "--db", str(db), "--type", "strike", "-o", "-")
    data = json.loads(exported.stdout)
    assert data["type"] == "FeatureCollection" and data["features"]
    assert all(f["properties"]["category"] == "strike" for f in data["features"])


def test_cli_export_import_round_trip(tmp_path):
    db = tmp_path / "a.sqlite"
    run_cli("ingest", str(SITREP), "--published", "2024-05-03", "--db", str(db))
    original = _exported(db)
    for fmt, suffix in (("geojson", ".geojson"), ("csv", ".csv")):
        out, copy = tmp_path / f"events{suffix}", tmp_path / f"copy-{fmt}.sqlite"
        assert run_cli("export", "--db", str(db), "--format", fmt, "-o", str(out)).returncode == 0
        result = run_cli("import", str(out), "--db", str(copy))
        assert result.returncode == 0, result.stderr
        again = _exported(copy)
        if fmt == "csv":  # ACLED's columns carry no shapes (points only), and the
            # export stamps ACLED's `timestamp` column, which then comes back
            original_points = {k: {**v, "shape": None} for k, v in original.items()}
            assert {k: {p: x for p, x in v.items() if p != "timestamp"}
                    for k, v in again.items()} == original_points
        else:
            assert again == original


def _exported(db) -> dict:
    features = json.loads(run_cli("export", "--db", str(db)).stdout)["features"]
    return {f["properties"]["event_id"]: f["properties"] for f in features}


def test_cli_bad_dates_and_missing_import_file(tmp_path):
    result = run_cli("ingest", str(SITREP), "--published", "26/04/2024",
                     "--db", str(tmp_path / "x.sqlite"))
    assert result.returncode == 2 and "2024-04-26" in result.stderr
    missing = run_cli("import", str(tmp_path / "none.csv"), "--db", str(tmp_path / "x.sqlite"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
