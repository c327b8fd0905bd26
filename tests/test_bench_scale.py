"""bench/scale.py's pieces: its ACLED rows import cleanly, pile up on real hot spots, and
folium's page it compares against loads Leaflet from this machine, not a CDN."""
import csv
import math
import sys
import urllib.request
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "bench"))
# bench/ is a script folder, not a package
from import_rows import write_rows  # noqa: E402
from scale_server import viewport  # noqa: E402
from scale_pages import CDN_TO_LOCAL, fast_marker_cluster_page, serve_folder  # noqa: E402
from scale_rows import JITTER, load_places, scale_rows  # noqa: E402

from webapp.interchange import read_acled_rows  # noqa: E402
from webapp.store import SQLiteStore  # noqa: E402
from webapp.store.base import EVENT_COLUMNS  # noqa: E402


def test_generated_rows_import_as_acled_and_sit_on_their_places(tmp_path):
    rows = list(scale_rows(200))
    write_rows(tmp_path / "acled.csv", rows)
    read = list(read_acled_rows(tmp_path / "acled.csv"))
    countries = Counter(row[EVENT_COLUMNS.index("country_code")] for row in read)
    assert countries["PS"] > 20 and countries["SD"] > 0   # ISO numbers read as codes
    with SQLiteStore(tmp_path / "events.sqlite") as store:
        assert store.add_rows(read, replace=True) == 200
    places = {p["location"]: p for ps in load_places().values() for p in ps}
    for row in rows:
        place = places[row["location"]]
        assert abs(row["latitude"] - place["latitude"]) <= JITTER + 1e-4
        assert abs(row["longitude"] - place["longitude"]) <= JITTER + 1e-4
        assert row["country"] == place["country"]


def test_events_crowd_on_a_few_points():
    spots = Counter((r["latitude"], r["longitude"]) for r in scale_rows(5000))
    top = sum(count for _, count in spots.most_common(10))
    assert top > 0.2 * 5000      # a heavy head, as in ACLED's exports...
    assert len(spots) > 500      # ...and a long tail


def test_hot_spot_table_is_in_the_region():
    with (REPO_ROOT / "bench" / "hotspots.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 250
    assert len({r["location"] for r in rows}) == len(rows)
    for r in rows:
        assert 10 < float(r["latitude"]) < 42 and 22 < float(r["longitude"]) < 63, r


def test_viewport_is_a_1280_by_800_window():
    west, south, east, north = viewport(31.5, 34.45, 12)
    assert math.isclose(east - west, 1280 / (256 * 2 ** 12) * 360)
    assert south < 31.5 < north and 0.2 < north - south < 0.25   # 800 px, Mercator


def test_folium_page_is_served_with_our_leaflet(tmp_path):
    points = [[r["latitude"], r["longitude"]] for r in scale_rows(50)]
    size, gzipped = fast_marker_cluster_page(points, tmp_path / "fmc.html")
    assert 0 < gzipped < size == (tmp_path / "fmc.html").stat().st_size
    url, stop = serve_folder(tmp_path, tmp_path / "fmc.html")
    try:
        page = urllib.request.urlopen(url).read().decode()
        for remote, local in CDN_TO_LOCAL.items():
            assert remote not in page and local in page
            assert urllib.request.urlopen(url.rsplit("/", 1)[0] + "/" + local).status == 200
    finally:
        stop()
