"""The user gazetteer: places added from CSV or GeoJSON files and from ACLED imports,
kept in the store (listed, removed, migrated, copied) and known to the geocoder for
later articles, on the command line and through the web API."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest
from conftest import editor_client, make_app, run_cli

from webapp.extract.pipeline import Extractor
from webapp.geocoder.user_places import UserPlacesGeocoder
from webapp.interchange import ACLED_COLUMNS
from webapp.models import Article, UserPlace
from webapp.store import SCHEMA_VERSION, open_store

# Names made up for these tests: the offline gazetteer knows none of them.
QUARTER = "Harat al-Fakhura"
HILL = "Tallat Abu Sirin"
STRIKE = (f"An Israeli air strike hit a house in {QUARTER} in Gaza City on Friday, "
          "killing three people.")


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def places_csv(tmp_path):
    return write(tmp_path / "quarters.csv", "\n".join([
        "name,alternate_names,latitude,longitude,country,admin1,kind",
        f"{QUARTER},Fakhura Quarter;Haret el-Fakhoura,31.5301,34.4702,PS,Gaza,neighbourhood",
        "Nowhere Square,,95,10,PS,,",                       # line 3: latitude out of range
        "Ghost Junction,,31.4,34.4,Atlantis,,junction",     # line 4: no such country
        ",,31.4,34.4,PS,,",                                 # line 5: no name
        f"{HILL},,31.3950,34.3650,Palestine,Gaza,landmark",
        "Castle Rock,,31.4,34.4,PS,,castle",                # line 7: unknown kind
    ]) + "\n")


def test_a_csv_loads_its_good_rows_and_tells_each_bad_one_by_line(tmp_path, geocoder):
    assert geocoder.geocode(QUARTER) is None and geocoder.geocode(HILL) is None
    db = tmp_path / "events.sqlite"
    done = run_cli("places", "add", str(places_csv(tmp_path)), "--db", str(db))
    assert done.returncode == 1   # some rows were bad
    assert done.stdout.strip() == "2 place(s) added or updated, 4 bad row(s) left out"
    problems = done.stderr.strip().splitlines()
    assert [p.split(": ", 2)[1].rsplit("/", 1)[-1] for p in problems] == [
        "quarters.csv, line 3", "quarters.csv, line 4", "quarters.csv, line 5",
        "quarters.csv, line 7"]
    assert "out of range" in problems[0] and "Atlantis" in problems[1]
    assert "name is empty" in problems[2] and "castle" in problems[3]
    with open_store(db) as store:
        stored = store.places().page()
    assert [(p.name, p.country_code, p.kind) for p in stored] == [
        (QUARTER, "PS", "neighbourhood"), (HILL, "PS", "landmark")]
    assert stored[0].alternate_names == ("Fakhura Quarter", "Haret el-Fakhoura")
    # the same file again updates its places rather than doubling them
    again = run_cli("places", "add", str(places_csv(tmp_path)), "--db", str(db))
    assert again.stdout.startswith("2 place(s)")
    with open_store(db) as store:
        assert store.places().count() == 2


def test_a_file_of_only_bad_rows_stores_nothing(tmp_path):
    db = tmp_path / "events.sqlite"
    path = write(tmp_path / "bad.csv", "name,latitude,longitude\nA,north,10\nB,10,\n")
    done = run_cli("places", "add", str(path), "--db", str(db))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 2
    assert "line 2: latitude is not a number" in done.stderr
    missing = run_cli("places", "add", str(write(tmp_path / "x.csv", "title,lat\n")),
                      "--db", str(db))
    assert missing.returncode == 1
    assert missing.stderr.strip().startswith("error: ") and "name" in missing.stderr


def test_geojson_points_and_shapes_with_a_bad_feature_told(tmp_path):
    square = [[34.45, 31.50], [34.47, 31.50], [34.47, 31.52], [34.45, 31.52], [34.45, 31.50]]
    bow_tie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": QUARTER, "country": "PS",
                                           "kind": "neighbourhood",
                                           "alternate_names": ["Fakhura Quarter"]},
         "geometry": {"type": "Polygon", "coordinates": [square]}},
        {"type": "Feature", "properties": {"name": HILL, "country_code": "PS"},
         "geometry": {"type": "Point", "coordinates": [34.365, 31.395]}},
        {"type": "Feature", "properties": {"name": "Twisted Field"},
         "geometry": {"type": "Polygon", "coordinates": [bow_tie]}},
        {"type": "Feature", "properties": {"name": "No Shape"}, "geometry": None},
    ]}
    path = write(tmp_path / "quarters.geojson", json.dumps(collection, indent=1))
    lines = path.read_text().splitlines()
    starts = [n for n, line in enumerate(lines, 1) if line == '  {']   # each feature's
    db = tmp_path / "events.sqlite"
    done = run_cli("places", "add", str(path), "--db", str(db))
    assert done.returncode == 1
    assert [line.split(": ", 2)[1].rsplit("/", 1)[-1]
            for line in done.stderr.strip().splitlines()] == [
        f"quarters.geojson, feature 3 (line {starts[2]})",
        f"quarters.geojson, feature 4 (line {starts[3]})"]
    with open_store(db) as store:
        quarter, hill = store.places().page()
    assert quarter.geometry["type"] == "Polygon"
    # its point lies inside its shape, not at some corner
    assert 34.45 < quarter.longitude < 34.47 and 31.50 < quarter.latitude < 31.52
    assert hill.geometry is None and (hill.latitude, hill.longitude) == (31.395, 34.365)
    assert hill.kind == "locality"


def test_places_are_listed_and_removed_by_name_or_id(tmp_path):
    db = tmp_path / "events.sqlite"
    run_cli("places", "add", str(places_csv(tmp_path)), "--db", str(db))
    listed = run_cli("places", "list", "--db", str(db))
    assert listed.returncode == 0
    rows = [line.split("\t") for line in listed.stdout.strip().splitlines()]
    assert [r[1].split(" (")[0] for r in rows] == [QUARTER, HILL]
    assert "2 place(s) in all" in listed.stderr
    gone = run_cli("places", "remove", QUARTER.upper(), "--db", str(db))
    assert gone.returncode == 0 and QUARTER in gone.stdout
    by_id = run_cli("places", "remove", rows[1][0], "--db", str(db))
    assert by_id.returncode == 0 and HILL in by_id.stdout
    unknown = run_cli("places", "remove", "Atlantis", "--db", str(db))
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == [
        "error: no user place named or numbered 'Atlantis' "
        "(see `python -m webapp places list`)"]
    nothing = run_cli("places", "list", "--db", str(tmp_path / "typo.sqlite"))
    assert nothing.returncode == 1 and not (tmp_path / "typo.sqlite").exists()


# -- the geocoder knows them ---------------------------------------------------------

def test_an_article_naming_a_user_place_is_placed_there(tmp_path, geocoder, regions):
    db = tmp_path / "events.sqlite"
    article = write(tmp_path / "strike.txt", f"Strike in Gaza\n\n{STRIKE}\n")
    extractor = Extractor(UserPlacesGeocoder(geocoder), regions)
    before = extractor.events(Article(title="t", text=STRIKE, published=date(2024, 5, 3)))
    assert before[0].location != QUARTER   # without the user's place: the city
    run_cli("places", "add", str(places_csv(tmp_path)), "--db", str(db))
    done = run_cli("ingest", str(article), "--db", str(db), "--published", "2024-05-03")
    assert done.returncode == 0, done.stderr
    with open_store(db) as store:
        (event,) = store.query()
    assert (event.location, event.latitude, event.longitude) == (QUARTER, 31.5301, 34.4702)
    assert event.country_code == "PS"


def test_the_index_is_rebuilt_when_the_places_change_not_per_article(tmp_path, geocoder,
                                                                      regions):
    db = tmp_path / "events.sqlite"
    with open_store(db) as store:
        user = UserPlacesGeocoder(geocoder, check_seconds=0)
        extractor = Extractor(user, regions)
        assert user.keep_current(store) is True          # the first reading
        assert user.keep_current(store) is False         # nothing changed
        store.places().add([UserPlace(QUARTER, 31.5301, 34.4702, country_code="PS",
                                      kind="neighbourhood")], by="test")
        assert user.keep_current(store) is True
        text = Article(title="t", text=STRIKE, published=date(2024, 5, 3))
        assert extractor.events(text)[0].location == QUARTER
        store.places().remove(QUARTER, by="test")
        assert user.keep_current(store) is True
        assert extractor.events(text)[0].location != QUARTER


def test_a_name_written_with_its_article_in_lower_case_is_found(geocoder, regions):
    user = UserPlacesGeocoder(geocoder)
    user.use(1, [UserPlace("al-Qarara Heights", 31.38, 34.34, country_code="PS",
                           kind="neighbourhood", id=1)])
    (event,) = Extractor(user, regions).events(Article(
        title="t", text="Shelling hit tents in al-Qarara Heights, north of Khan Younis, on "
                        "Friday, killing two people.", published=date(2024, 5, 3)))
    assert (event.location, event.latitude) == ("al-Qarara Heights", 31.38)


def test_a_namesake_far_away_wins_only_where_the_text_points_at_it(geocoder, regions):
    """A user's Paris in Texas (say, from an ACLED export of US events) does not move
    a report from France; a report that names Texas gets it."""
    user = UserPlacesGeocoder(geocoder)
    user.use(1, [UserPlace("Paris", 33.6609, -95.5555, country_code="US", admin1="Texas",
                           kind="city", id=1)])
    extractor = Extractor(user, regions)
    france = extractor.events(Article(
        title="t", text="Police in Paris, France, arrested two protesters on Friday.",
        published=date(2024, 5, 3)))
    texas = extractor.events(Article(
        title="t", text="A gunman killed two people in Paris, a town in Texas, on Friday.",
        published=date(2024, 5, 3)))
    assert france[0].country_code == "FR"
    assert (texas[0].country_code, texas[0].latitude) == ("US", 33.6609)


def test_the_web_ingest_knows_the_stores_places(tmp_path, geocoder):
    db = tmp_path / "events.sqlite"
    with open_store(db) as store:
        store.places().add([UserPlace(QUARTER, 31.5301, 34.4702, country_code="PS",
                                      kind="neighbourhood")], by="test")
    app = make_app(db, geocoder, tmp_path)
    client = editor_client(app, db)
    posted = client.post("/api/articles", json={"title": "Strike", "text": STRIKE,
                                                "published": "2024-05-03"})
    assert posted.status_code == 201, posted.get_data(as_text=True)
    (feature,) = posted.json["features"]
    assert feature["properties"]["location"] == QUARTER
    assert feature["geometry"]["coordinates"] == [34.4702, 31.5301]


def test_a_batch_of_articles_posted_as_a_job_knows_the_stores_places(tmp_path, geocoder):
    import time

    db = tmp_path / "events.sqlite"
    with open_store(db) as store:
        store.places().add([UserPlace(QUARTER, 31.5301, 34.4702, country_code="PS",
                                      kind="neighbourhood")], by="test")
    app = make_app(db, geocoder, tmp_path, RATELIMIT_ENABLED=False)
    client = editor_client(app, db)
    posted = client.post("/api/articles", json=[
        {"title": "Strike", "text": STRIKE, "published": "2024-05-03"}])
    assert posted.status_code == 202, posted.get_data(as_text=True)
    deadline = time.monotonic() + 90
    while (job := client.get(posted.headers["Location"]).json)["status"] not in (
            "done", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["status"] == "done", job
    with open_store(db) as store:
        (event,) = store.query()
    assert (event.location, event.latitude) == (QUARTER, 31.5301)


def test_the_places_api_pages_for_logged_in_users_only(tmp_path, geocoder):
    db = tmp_path / "events.sqlite"
    with open_store(db) as store:
        store.places().add([UserPlace(f"Quarter {n}", 31 + n / 100, 34.4) for n in range(5)],
                           by="test")
    app = make_app(db, geocoder, tmp_path)
    assert app.test_client().get("/api/places").status_code == 401
    client = editor_client(app, db)
    first = client.get("/api/places?limit=2").json
    assert [p["name"] for p in first["places"]] == ["Quarter 0", "Quarter 1"]
    assert first["total"] == 5
    names = [p["name"] for p in first["places"]]
    following = first["next"]
    while following:
        page = client.get(following).json
        names += [p["name"] for p in page["places"]]
        following = page["next"]
    assert names == [f"Quarter {n}" for n in range(5)]
    assert client.get("/api/places?limit=0").status_code == 400
    assert client.get("/api/places?after=x").status_code == 400


# -- ACLED imports -----------------------------------------------------------------------

def acled_file(tmp_path):
    """Three events (written for this test) at two made-up locations, one of them in
    ACLED's "Town - Part" naming."""
    def row(event_id, location, lat, lon, admin2=""):
        cells = dict.fromkeys(ACLED_COLUMNS, "")
        cells.update(event_id_cnty=event_id, event_date="2024-04-26", year="2024",
                     time_precision="1", event_type="Explosions/Remote violence",
                     sub_event_type="Air/drone strike", iso="275", country="Palestine",
                     admin1="Gaza Strip", admin2=admin2, location=location,
                     latitude=str(lat), longitude=str(lon), geo_precision="1",
                     notes="A strike.", fatalities="0")
        return ",".join(cells[c] for c in ACLED_COLUMNS)
    return write(tmp_path / "acled.csv", "\n".join([
        ",".join(ACLED_COLUMNS),
        row("PSE1", HILL, 31.3950, 34.3650, "Deir al-Balah"),
        row("PSE2", HILL, 31.3950, 34.3650, "Deir al-Balah"),
        row("PSE3", f"Gaza City - {QUARTER}", 31.5301, 34.4702, "Gaza City"),
    ]) + "\n")


def test_an_acled_import_makes_its_locations_known_to_later_articles(tmp_path):
    db = tmp_path / "events.sqlite"
    imported = run_cli("import", str(acled_file(tmp_path)), "--db", str(db))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "3 event(s) imported"
    assert "2 location(s) kept as user places" in imported.stderr
    with open_store(db) as store:
        hill, quarter = store.places().page()
    assert (hill.name, hill.country_code, hill.admin1, hill.admin2) == (
        HILL, "PS", "Gaza Strip", "Deir al-Balah")
    assert quarter.source == "acled:acled.csv"
    # the same export again: its places are updated, not doubled
    assert run_cli("import", str(acled_file(tmp_path)), "--db", str(db)).returncode == 0
    with open_store(db) as store:
        assert store.places().count() == 2
        assert [e.action for e in store.audit_trail(10)[:2]] == ["places.add",
                                                                  "events.import"]
    # a report naming the part alone, as reports do, is placed at ACLED's point
    article = write(tmp_path / "strike.txt", f"Strike\n\n{STRIKE}\n")
    done = run_cli("ingest", str(article), "--db", str(db), "--published", "2024-05-03")
    assert done.returncode == 0, done.stderr
    with open_store(db) as store:
        (event,) = [e for e in store.query() if e.article_hash]
    assert (event.latitude, event.longitude) == (31.5301, 34.4702)
    assert event.location == f"Gaza City - {QUARTER}"


# -- the store -------------------------------------------------------------------------

def test_a_version_4_store_gains_the_places_table_and_keeps_its_events(tmp_path):
    from conftest import make_event

    path = tmp_path / "events.sqlite"
    with open_store(path) as store:
        store.add_events([make_event("old-1", 31.3, 34.3, country_code="PS")])
    with sqlite3.connect(path) as conn:
        conn.executescript("DROP TABLE places; DROP TABLE places_version; "
                           "PRAGMA user_version = 5;")
    with open_store(path) as store:
        assert store.get_event("old-1") is not None
        assert store.places().count() == 0 and store.places().version() == 0
        store.places().add([UserPlace(HILL, 31.395, 34.365)], by="test")
        assert store.places().version() == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6


def test_a_backup_carries_the_places(tmp_path):
    db = tmp_path / "events.sqlite"
    run_cli("places", "add", str(places_csv(tmp_path)), "--db", str(db))
    with open_store(db) as store:
        store.backup(tmp_path / "copy.sqlite")
    with open_store(tmp_path / "copy.sqlite") as copy:
        assert [p.name for p in copy.places().page()] == [QUARTER, HILL]


def test_places_in_a_postgis_store(postgis_url, tmp_path):
    from conftest import needs_postgis_store

    needs_postgis_store()
    done = run_cli("places", "add", str(places_csv(tmp_path)), "--db", postgis_url)
    assert done.returncode == 1 and done.stdout.startswith("2 place(s)")
    with open_store(postgis_url) as store:
        shelf = store.places()
        assert [p.name for p in shelf.page()] == [QUARTER, HILL]
        version = shelf.version()
        assert [p.name for p in shelf.remove(HILL, by="test")] == [HILL]
        assert shelf.version() == version + 1 and shelf.count() == 1
        with pytest.raises(Exception, match="no user place"):
            shelf.remove(HILL, by="test")


def test_a_version_2_postgis_store_gains_the_places_table(postgis_url):
    import psycopg

    from conftest import make_event, needs_postgis_store

    needs_postgis_store()
    with open_store(postgis_url) as store:
        store.add_events([make_event("old-1", 31.3, 34.3, country_code="PS")])
    with psycopg.connect(postgis_url, autocommit=True) as conn:   # as version 2 left it
        conn.execute("DROP TABLE places; DROP TABLE places_version; "
                     "UPDATE store_schema SET version = 2")
    with open_store(postgis_url) as store:
        assert store.get_event("old-1") is not None
        assert store.places().count() == 0
        store.places().add([UserPlace(HILL, 31.395, 34.365)], by="test")
        assert [p.name for p in store.places().page()] == [HILL]
    with psycopg.connect(postgis_url) as conn:
        assert conn.execute("SELECT version FROM store_schema").fetchone()[0] == 3


def test_the_dask_ingest_knows_the_stores_places(tmp_path):
    from webapp.ingest_dask import dask_client, ingest_on_dask, load_extractors

    article = write(tmp_path / "strike.txt", f"Strike in Gaza\n\n{STRIKE}\n")
    with open_store(tmp_path / "with.sqlite") as store:
        store.places().add([UserPlace(QUARTER, 31.5301, 34.4702, country_code="PS",
                                      kind="neighbourhood")], by="test")
    with dask_client(workers=1) as client:
        plugin = load_extractors(client)
        with open_store(tmp_path / "with.sqlite") as store:
            assert ingest_on_dask(client, plugin, [article], store).added == 1
            (event,) = store.query()
        assert (event.location, event.latitude) == (QUARTER, 31.5301)
        # the same worker, for a store without the place: the place is not carried over
        with open_store(tmp_path / "without.sqlite") as store:
            assert ingest_on_dask(client, plugin, [article], store).added == 1
            (event,) = store.query()
        assert event.location != QUARTER


def test_line_numbers_count_the_lines_of_a_quoted_cell(tmp_path):
    from webapp.interchange.places_file import read_places

    path = write(tmp_path / "notes.csv", "\n".join([
        "name,latitude,longitude,admin1",
        f'{HILL},31.395,34.365,"Gaza',      # a quoted cell over two lines: lines 2-3
        'Strip"',
        "Bad Hill,31.4,east,",               # line 4
    ]) + "\n")
    good, bad = read_places(path)
    assert [p.admin1 for p in good] == ["Gaza Strip"]   # its spacing made plain
    assert [(b.line, b.reason) for b in bad] == [(4, "longitude is not a number: 'east'")]


def test_the_geocode_api_answers_a_user_place(tmp_path, geocoder):
    db = tmp_path / "events.sqlite"
    with open_store(db) as store:
        store.places().add([UserPlace(HILL, 31.395, 34.365, country_code="PS",
                                      kind="landmark")], by="test")
    client = make_app(db, geocoder, tmp_path).test_client()
    found = client.get(f"/api/geocode?q={HILL}").json
    assert (found["name"], found["latitude"], found["kind"]) == (HILL, 31.395, "landmark")
    assert found["source"].startswith("user:")


def test_an_imported_town_the_gazetteer_knows_keeps_its_standing(geocoder, regions):
    """An export's own point for a well-known town is used, and the town is still
    taken for one when a report names it alone (the gazetteer's population stands)."""
    text = Article(title="t", text="Two people were killed in an air strike on Rafah on "
                                   "Friday.", published=date(2024, 5, 3))
    (plain,) = Extractor(geocoder, regions).events(text)
    assert plain.location == "Rafah" and plain.country_code == "PS"
    user = UserPlacesGeocoder(geocoder)
    user.use(1, [UserPlace("Rafah", 31.2969, 34.2455, country_code="PS",
                           admin1="Gaza Strip", kind="city", id=1)])
    (event,) = Extractor(user, regions).events(text)
    assert (event.location, event.latitude, event.longitude) == ("Rafah", 31.2969, 34.2455)


def test_a_name_with_a_terminal_escape_is_a_bad_row(tmp_path):
    from webapp.interchange.places_file import read_places

    path = write(tmp_path / "odd.csv", "name,latitude,longitude\n"
                                      "Red\x1b[31m Hill,31.4,34.4\nGreen Hill,31.4,34.4\n")
    good, bad = read_places(path)
    assert [p.name for p in good] == ["Green Hill"]
    assert [(b.line, b.reason) for b in bad] == [(2, "name holds control characters")]
