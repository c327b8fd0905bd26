"""ACLED CSV and GeoJSON in and out, as a user importing and exporting files sees it."""

import csv
import json
from datetime import date

import pytest
from conftest import run_cli

from webapp.errors import ImportFormatError
from webapp.interchange import (ACLED_COLUMNS, read_acled_csv, read_acled_rows,
                                read_acled_rows_parallel, read_geojson, write_acled_csv,
                                write_geojson)
from webapp.models import Event
from webapp.store import SQLiteStore
from webapp.store.base import event_rows
from webapp.store.base import make_filters

HEADER = ",".join(ACLED_COLUMNS)
# Written for these tests in ACLED's layout; one row per date style ACLED files use.
ROWS = [
    'PSE1001,2024-04-26,2024,1,Political violence,Explosions/Remote violence,Air/drone strike,'
    'Military Forces of Israel (2022-),,8,Civilians (Palestine),,7,87,Civilian targeting,275,'
    'Middle East,Palestine,Rafah,Rafah,,Rafah,31.2969,34.2455,1,Al Jazeera,International,'
    '"An air strike hit a house in Rafah, killing 3 people.",3,,1714500000',
    'ISR202,26 April 2024,2024,2,Demonstrations,Protests,Peaceful protest,Protesters (Israel),'
    ',6,,,0,60,,376,Middle East,Israel,Tel Aviv,Tel Aviv,,Tel Aviv-Yafo,32.0809,34.7806,1,'
    'Haaretz,National,"Families said: ""bring them home"", and marched.\nSecond line; '
    '</script><b>",0,crowd size=thousands,1714500001',
    'SYR33,6-Jun-25,2025,1,Political violence,Battles,Armed clash,Military Forces of Syria,'
    ',1,HTS,,2,12,,760,Middle East,Syria,Aleppo,Jebel Saman,,Aleppo,36.2021,37.1343,2,'
    'SOHR,Local partner-International,Clashes north of Aleppo.,5,,1714500002',
    'XKX4,26-April-2024,2024,1,Strategic developments,Strategic developments,Agreement,'
    'Government of Kosovo (2008-),,1,,,0,10,,0,Europe,Kosovo,Pristina,,,Pristina,42.6629,'
    '21.1655,1,RFE/RL,International,Talks agreed.,0,,1714500003',
]


def write(path, text):
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture
def acled_csv(tmp_path):
    return write(tmp_path / "acled.csv", HEADER + "\r\n" + "\r\n".join(ROWS) + "\r\n")


def test_acled_csv_in_three_date_styles_imports(acled_csv):
    events = {e.event_id: e for e in read_acled_csv(acled_csv)}
    assert {k: e.event_date for k, e in events.items()} == {
        "PSE1001": date(2024, 4, 26), "ISR202": date(2024, 4, 26),
        "SYR33": date(2025, 6, 6), "XKX4": date(2024, 4, 26)}
    # ACLED's numeric ISO codes become alpha-2 (Kosovo's 0 included)
    assert {k: e.country_code for k, e in events.items()} == {
        "PSE1001": "PS", "ISR202": "IL", "SYR33": "SY", "XKX4": "XK"}
    assert {k: e.category for k, e in events.items()} == {
        "PSE1001": "strike", "ISR202": "protest", "SYR33": "armed clash",
        "XKX4": "diplomacy"}
    strike = events["PSE1001"]
    assert (strike.latitude, strike.longitude, strike.fatalities) == (31.2969, 34.2455, 3)
    assert strike.extra["admin2"] == "Rafah" and strike.extra["timestamp"] == "1714500000"
    assert strike.extra["civilian_targeting"] == "Civilian targeting"
    assert events["ISR202"].notes.startswith('Families said: "bring them home", and')
    assert events["ISR202"].time_precision == 2 and events["SYR33"].geo_precision == 2


def test_acled_csv_round_trips_through_export(acled_csv, tmp_path):
    first = list(read_acled_csv(acled_csv))
    out = tmp_path / "export.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        assert write_acled_csv(first, fh) == 4
    assert list(read_acled_csv(out)) == first
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(ACLED_COLUMNS)
    assert [(r["iso"], r["country"], r["year"]) for r in rows] == [
        ("275", "Palestine", "2024"), ("376", "Israel", "2024"), ("760", "Syria", "2025"),
        ("0", "Kosovo", "2024")]


def test_export_of_events_without_acled_columns(tmp_path):
    event = Event(event_id="brief-1", event_date=date(2024, 5, 6), time_precision=1,
                  event_type="Battles", sub_event_type="Armed clash", category="armed clash",
                  latitude=33.27, longitude=35.2, country_code="LB", notes="Tyre")
    out = tmp_path / "out.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        write_acled_csv([event], fh)
    with out.open(newline="", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    assert (row["iso"], row["country"], row["year"]) == ("422", "Lebanon", "2024")
    assert int(row["timestamp"]) > 1_700_000_000
    (back,) = read_acled_csv(out)
    assert (back.event_id, back.country_code, back.notes) == ("brief-1", "LB", "Tyre")


def test_briefing_categories_and_flags_survive_the_acled_columns(tmp_path):
    common = dict(event_date=date(2024, 5, 3), time_precision=1,
                  event_type="Strategic developments", sub_event_type="Other",
                  latitude=31.5, longitude=34.47, country_code="PS", geo_precision=3)
    events = [
        Event(event_id="b-1", category="casualty report", fatalities=34600, is_total=True,
              notes="More than 34,600 killed since the war began.",
              extra={"tags": "crowd size=no report"}, **common),
        Event(event_id="b-2", category="statement", is_historical=True, notes="Recalled.",
              **common),
        Event(event_id="b-3", category="other", **common),  # ACLED's own: no tag needed
    ]
    out = tmp_path / "out.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        write_acled_csv(events, fh)
    with out.open(newline="", encoding="utf-8") as fh:
        tags = [row["tags"] for row in csv.DictReader(fh)]
    assert tags == ["crowd size=no report; briefing category=casualty report; "
                    "briefing: running total",
                    "briefing category=statement; briefing: history recalled", ""]
    back = list(read_acled_csv(out))
    # the export adds a timestamp (now) where the event had none; all else comes back
    assert [Event(**{**vars(e), "extra": {k: v for k, v in e.extra.items()
                                          if k != "timestamp"}}) for e in back] == events
    assert {k for e in back for k in e.extra} == {"tags", "timestamp"}


def bad_file(tmp_path, bad_row):
    # a multi-line note before the bad row: line numbers count lines, not records
    return write(tmp_path / "bad.csv", "\n".join([HEADER, ROWS[0], ROWS[1], bad_row, ROWS[2]]))


BAD = {
    "unparseable event_date": ROWS[2].replace("6-Jun-25", "sometime in June"),
    "out of range": ROWS[2].replace("36.2021", "136.2021"),
    "unknown event_type": ROWS[2].replace("Battles", "Skirmishes"),
    "expected 31 fields": ROWS[2].rsplit(",", 3)[0],
}


# The ways into the store: Event objects, or the store's rows (the CLI's fast path),
# read here or (for a large file) by a second process, in batches of two rows here.
IMPORTS = {
    "events": lambda store, path, **kw: store.add_events(read_acled_csv(path, **kw)),
    "rows": lambda store, path, **kw: store.add_rows(read_acled_rows(path, **kw)),
    "parallel": lambda store, path, **kw: store.add_rows(
        read_acled_rows_parallel(path, min_bytes=0, batch_rows=2, **kw)),
}


@pytest.mark.parametrize("way", IMPORTS)
@pytest.mark.parametrize("problem", BAD)
def test_a_bad_row_refuses_the_whole_import_naming_its_line(tmp_path, problem, way):
    path = bad_file(tmp_path, BAD[problem].replace("SYR33", "SYR34"))
    with SQLiteStore(tmp_path / "events.sqlite") as store:
        with pytest.raises(ImportFormatError, match=problem) as caught:
            IMPORTS[way](store, path)
        assert store.query(make_filters(include_flagged=True)) == []  # nothing of the file is stored
    assert caught.value.line == 5  # header, row, two-line row, then the bad one
    assert "bad.csv, line 5: " in str(caught.value)


@pytest.mark.parametrize("way", IMPORTS)
def test_bad_rows_can_be_skipped_and_counted_instead(tmp_path, way):
    path = bad_file(tmp_path, BAD["unknown event_type"].replace("SYR33", "SYR34"))
    skipped = []
    with SQLiteStore(tmp_path / "events.sqlite") as store:
        assert IMPORTS[way](store, path, skipped=skipped) == 3
    assert [(p.line, p.reason) for p in skipped] == [(5, "unknown event_type 'Skirmishes'")]


# Rows a reader must get right beyond the plain ones: text JSON has to escape, tags
# carrying the briefing's fields, a country number nobody knows, blank and padded
# cells, a name that differs from the one the code gives.
AWKWARD_ROWS = [
    'PSE7,2024-05-01,2024,1,Political violence,Explosions/Remote violence,Air/drone strike,'
    'A,"Assoc \\ ""quoted"" </script>",1,B,,2,12,,275,Middle East,Gaza Strip,Gaza,'
    'Gaza City,\u2028line,Gaza,31.5,34.47,1,S,"Nat\tional",Note,0,'
    '"x=1; briefing category=casualty report; briefing: running total",1714500009',
    'UNK8, 6-Jun-25 ,2025, 2 ,Demonstrations,Protests,Peaceful protest,,,,,,,,,999,'
    'Atlantis,Nowhere,,,,Harbour, , ,, Wire ,,"\U0001f642 \x01 ctrl",,'
    'briefing: history recalled,',
    'LBN9,26-April-2024,2024,3,,Riots,Mob violence,,,,,,,,,422,,Lebanon,,,,Tyre,33.27,'
    '35.2,3,,,Notes,12,,',
]


def test_the_fast_import_stores_exactly_what_events_would(tmp_path):
    path = write(tmp_path / "awkward.csv",
                 HEADER + "\n" + "\n".join(ROWS + AWKWARD_ROWS) + "\n")
    events = list(read_acled_csv(path))
    assert list(read_acled_rows(path)) == list(event_rows(events, None))
    awkward = {e.event_id: e for e in events[len(ROWS):]}
    assert (awkward["PSE7"].category, awkward["PSE7"].is_total) == ("casualty report", True)
    assert awkward["PSE7"].extra["tags"] == "x=1"
    assert awkward["PSE7"].extra["country"] == "Gaza Strip"  # not the code's name: kept
    assert awkward["PSE7"].extra["assoc_actor_1"] == 'Assoc \\ "quoted" </script>'
    unknown = awkward["UNK8"]
    assert (unknown.country_code, unknown.extra["iso"], unknown.is_historical) == (
        "", "999", True)
    assert (unknown.latitude, unknown.event_date, unknown.time_precision) == (
        None, date(2025, 6, 6), 2)
    assert "country" not in awkward["LBN9"].extra  # Lebanon: the export writes it back
    stored = {}
    for way in IMPORTS:
        with SQLiteStore(tmp_path / f"{way}.sqlite") as store:
            assert IMPORTS[way](store, path) == len(events)
            stored[way] = store.query(make_filters(include_flagged=True))
    assert stored["rows"] == stored["events"]
    assert sorted(stored["rows"], key=lambda e: e.event_id) == sorted(
        events, key=lambda e: e.event_id)


def test_cli_import_refuses_a_bad_file_or_skips_its_bad_rows(acled_csv, tmp_path):
    db = tmp_path / "events.sqlite"
    assert run_cli("import", str(acled_csv), "--db", str(db)).stdout.startswith(
        "4 event(s) imported")
    path = bad_file(tmp_path, BAD["out of range"].replace("SYR33", "SYR34"))
    refused = run_cli("import", str(path), "--db", str(db))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines() == [
        f"error: {path}, line 5: latitude/longitude out of range: 136.2021, 37.1343"]
    with SQLiteStore(db) as store:  # the good rows before it were not stored either
        assert sorted(e.event_id for e in store.query(make_filters(include_flagged=True))) == [
            "ISR202", "PSE1001", "SYR33", "XKX4"]
    skipped = run_cli("import", str(path), "--db", str(db), "--skip-bad")
    assert skipped.returncode == 0, skipped.stderr
    assert skipped.stdout.strip() == (
        f"3 event(s) imported (1 bad row(s) skipped, first: {path}, line 5: "
        f"latitude/longitude out of range: 136.2021, 37.1343)")


def test_a_smaller_older_export_with_a_byte_order_mark_imports(tmp_path):
    path = write(tmp_path / "old.csv", "\ufeffevent_id_cnty,event_date,event_type,"
                 "sub_event_type,iso,latitude,longitude,notes,iso3\n"
                 "LBN9,01-Oct-98,Riots,Mob violence,422,33.89,35.5,Old row.,LBN\n")
    (event,) = read_acled_csv(path)
    assert (event.event_id, event.event_date, event.country_code, event.category) == (
        "LBN9", date(1998, 10, 1), "LB", "riot")
    assert event.extra == {}  # columns ACLED's standard 31 lack (iso3) are not kept


def test_a_file_without_acled_columns_is_refused(tmp_path):
    path = write(tmp_path / "other.csv", "name,lat,lon\nRafah,31.3,34.2\n")
    with pytest.raises(ImportFormatError, match="missing column.*event_id_cnty") as caught:
        list(read_acled_csv(path))
    assert caught.value.line is None


def test_geojson_round_trip_keeps_shapes_and_acled_columns(acled_csv, tmp_path):
    border = {"type": "LineString", "coordinates": [[35.1, 33.09], [35.6, 33.27]]}
    events = list(read_acled_csv(acled_csv)) + [
        Event(event_id="brief-7", event_date=None, time_precision=3,
              event_type="Explosions/Remote violence",
              sub_event_type="Shelling/artillery/missile attack", category="strike",
              latitude=33.1, longitude=35.3, geometry=border, country_code="LB",
              geo_precision=2, notes="Shelling along the border </script>", is_total=True)]
    out = tmp_path / "events.geojson"
    with out.open("w", encoding="utf-8") as fh:
        assert write_geojson(events, fh) == 5
    text = out.read_text(encoding="utf-8")
    assert "</script>" not in text  # safe to inline in a page; the value is unchanged
    data = json.loads(text)
    assert data["features"][0]["geometry"] == {"type": "Point", "coordinates": [34.2455, 31.2969]}
    assert data["features"][4]["properties"]["shape"] == border
    assert data["features"][0]["properties"]["admin2"] == "Rafah"
    assert list(read_geojson(out)) == events


def test_geojson_with_a_line_geometry_is_placed_on_it(tmp_path):
    line = {"type": "LineString", "coordinates": [[34.0, 31.0], [35.0, 32.0]]}
    feature = {"type": "Feature", "geometry": line, "properties": {
        "event_id": "g1", "event_date": "2024-04-26", "event_type": "Riots",
        "sub_event_type": "Mob violence", "marker-color": "#f00"}}
    path = write(tmp_path / "in.geojson", json.dumps(
        {"type": "FeatureCollection", "features": [feature]}))
    (event,) = read_geojson(path)
    assert event.geometry == line and event.category == "riot"
    assert 31.0 <= event.latitude <= 32.0 and 34.0 <= event.longitude <= 35.0
    assert event.extra == {"marker-color": "#f00"}


def test_bad_geojson_names_the_feature(tmp_path):
    good = {"type": "Feature", "geometry": None,
            "properties": {"event_id": "g1", "event_type": "Riots",
                           "sub_event_type": "Mob violence"}}
    bad = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [200, 10]},
           "properties": dict(good["properties"], event_id="g2")}
    path = write(tmp_path / "in.geojson", json.dumps(
        {"type": "FeatureCollection", "features": [good, bad]}))
    with pytest.raises(ImportFormatError, match="feature 2: .*out of range"):
        list(read_geojson(path))
    skipped = []
    assert [e.event_id for e in read_geojson(path, skipped=skipped)] == ["g1"]
    assert len(skipped) == 1
    with pytest.raises(ImportFormatError, match="FeatureCollection"):
        list(read_geojson(write(tmp_path / "x.geojson", "[1, 2]")))


def test_import_store_export_round_trip(acled_csv, tmp_path):
    with SQLiteStore(tmp_path / "events.sqlite") as store:
        assert store.add_events(read_acled_csv(acled_csv)) == 4
        stored = store.query()
    out = tmp_path / "export.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        write_acled_csv(stored, fh)
    assert sorted(read_acled_csv(out), key=lambda e: e.event_id) == \
        sorted(read_acled_csv(acled_csv), key=lambda e: e.event_id)
