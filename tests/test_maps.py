"""The briefing map: offline assets, hostile text, markers, legend and regions.

Events are built by hand around Gaza and Lebanon; regions come from the real boundary
files. The page's data is read back out of the rendered HTML the way a browser gets it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import folium
import pytest

from conftest import make_event as event

from webapp.assets import asset_folders
from webapp.maps import (
    CLUSTER_ABOVE,
    MAX_ZOOM,
    MIDDLE_EAST,
    OSM_LAYER_NAME,
    OSM_TILES,
    build_map,
    map_parts,
    standalone_html,
)

HOSTILE = "</script><script>alert(1)</script> ${alert(2)} `x` <img src=x onerror=alert(3)>"


@pytest.fixture(scope="module")
def events(regions):
    made = [
        event("gaza-1", 31.5017, 34.4668, location="Gaza City", fatalities=3,
              actor1="Military Forces of Israel", notes=HOSTILE,
              source="https://news.example.org/a?b=1&c=\"2\""),
        event("gaza-2", 31.5200, 34.4500, location="Shati camp", source="javascript:alert(1)"),
        event("khan-yunis", 31.3462, 34.3063, location="Khan Yunis", source="data:text/html,x"),
        event("rafah-1", 31.2969, 34.2455, "Battles", "Armed clash", "armed clash",
              location="Rafah", source=" JavaScript:alert(1)"),
        event("rafah-2", 31.2900, 34.2500, "Violence against civilians", "Attack",
              "attack on civilians", location="Rafah", notes="Shots fired at a crowd."),
        event("deir", 31.4181, 34.3517, "Protests", "Peaceful protest", "protest",
              location="Deir al-Balah"),
        event("tyre", 33.2705, 35.2038, location="Tyre", source="Reuters"),
        event("nabatieh", 33.3772, 35.4836, location="Nabatieh"),
        event("border", 33.10, 35.45, "Battles", "Armed clash", "armed clash",
              location="the Israel-Lebanon border",
              geometry={"type": "LineString",
                        "coordinates": [[35.10, 33.09], [35.50, 33.10], [35.80, 33.30]]}),
        event("beirut", 33.8938, 35.5018, "Strategic developments", "Other", "statement",
              location="Beirut"),
        event("toll", 31.50, 34.47, location="Gaza", fatalities=34000, is_total=True),
        event("oct7", 31.40, 34.50, "Battles", "Armed clash", "armed clash",
              is_historical=True),
        event("nowhere", None, None, location="somewhere unnamed"),
    ]
    return regions.assign(made)


@pytest.fixture(scope="module")
def totals(regions, events):
    return regions.aggregate(events, by_type=False)


@pytest.fixture(scope="module")
def page(events, totals):
    return standalone_html(build_map(events, totals, title="Briefing <3 May>"))


class Tags(HTMLParser):
    """Every script src, stylesheet href and inline script body of a page."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.scripts, self.styles, self.inline, self._in_script = [], [], [], False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in attrs
            if "src" in attrs:
                self.scripts.append(attrs["src"])
        elif tag == "link":
            self.styles.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.inline.append(data)


def payload(text: str, factory: str):
    """The JSON handed to BriefingMap.<factory>(map, ...) in the page."""
    found = re.search(rf"BriefingMap\.{factory}\(\s*map_\w+,\s*", text)
    assert found, f"no BriefingMap.{factory} call"
    return json.JSONDecoder().raw_decode(text, found.end())[0]


def rows_by_id(text):
    return {row[0]: row for row in payload(text, "events")["events"]}


# -- offline ------------------------------------------------------------------------

@pytest.mark.parametrize("static_url", ["/static", "/assets/v2/"])
def test_every_script_and_stylesheet_is_local_and_exists(events, totals, static_url):
    tags = Tags(standalone_html(build_map(events, totals, static_url=static_url)))
    base = static_url.rstrip("/") + "/"
    folders = asset_folders()
    assert tags.scripts and tags.styles
    for url in tags.scripts + tags.styles:
        assert not re.match(r"(?i)(https?:)?//", url), url
        assert url.startswith(base), url
        prefix, _, rest = url[len(base):].partition("/")
        assert (folders[prefix] / rest).is_file(), url
    assert any(u.endswith("/leaflet.js") for u in tags.scripts)
    assert any(u.endswith("/leaflet.markercluster.js") for u in tags.scripts)


def test_folium_own_cdn_lists_are_left_alone(events):
    build_map(events, static_url="/mine")
    assert all(url.startswith("https://") for _, url in folium.Map.default_js)
    assert not any("/mine/" in url for _, url in folium.Map.default_css)


def test_unused_libraries_are_not_loaded(page):
    tags = Tags(page)
    assert not [u for u in tags.scripts + tags.styles
                if re.search(r"bootstrap|awesome|jquery|glyphicons", u, re.I)]


def test_land_is_the_base_layer_with_attribution(page):
    land = payload(page, "land")
    assert land["attribution"] == "Natural Earth, GeoNames"
    assert len(land["land"]["features"]) > 240            # every country, small ones too
    assert "L.tileLayer" not in page


def test_the_map_sets_its_own_max_zoom(page):
    # no tile layer is on at first to give Leaflet a maximum, and MarkerCluster needs one
    options = re.search(r"L\.map\(\s*\"map_\w+\",\s*\{(.*?)\}\s*\);", page, re.S)
    assert options, "no L.map(...) call"   # its options hold JS (crs: L.CRS...), not JSON
    assert re.search(rf'"maxZoom":\s*{MAX_ZOOM},', options.group(1))


def test_openstreetmap_is_an_optional_layer_off_at_first(page):
    osm = payload(page, "osm")
    assert osm["url"] == OSM_TILES and "OpenStreetMap" in osm["attribution"]
    assert osm["maxZoom"] == MAX_ZOOM
    name = re.search(r"var (briefing_osm_\w+) = BriefingMap\.osm\(", page).group(1)
    # listed in the layer switcher, but never added to the map by the page itself
    assert re.search(rf'"{re.escape(OSM_LAYER_NAME)}"\s*:\s*{name},', page)
    assert not re.search(rf"\b{name}\.addTo\(", page)
    assert page.count(name) == 2   # made, and listed: nothing else touches it
    # the other layers are still added
    events = re.search(r"var (briefing_events_\w+) = ", page).group(1)
    assert re.search(rf"\b{events}\.addTo\(", page)


def test_the_tile_url_is_no_script_or_stylesheet(page):
    # It sits inside the inline script's JSON: the browser only fetches it once the
    # user turns the layer on, so the offline checks above still hold.
    tags = Tags(page)
    assert any(OSM_TILES in body for body in tags.inline)
    assert not [u for u in tags.scripts + tags.styles if "openstreetmap" in u]


# -- hostile text -------------------------------------------------------------------

def test_a_hostile_note_stays_text(page):
    tags = Tags(page)
    assert len(tags.scripts) == 3 and len(tags.inline) == 2   # nothing injected
    for body in tags.inline:
        assert "</script" not in body.lower() and "<!--" not in body
        assert "<script" not in body.lower() and "<img" not in body.lower()
    assert "<script>alert" not in page and "<img src=x" not in page
    popup = rows_by_id(page)["gaza-1"][4]
    assert ("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; ${alert(2)} `x` "
            "&lt;img src=x onerror=alert(3)&gt;") in popup
    assert "<script" not in popup and "<img" not in popup


def test_only_http_sources_become_links(page):
    rows = rows_by_id(page)
    assert ('<a href="https://news.example.org/a?b=1&amp;c=&quot;2&quot;" target="_blank" '
            'rel="noopener noreferrer nofollow">news.example.org</a>') in rows["gaza-1"][4]
    for event_id, text in [("gaza-2", "javascript:alert(1)"),
                           ("khan-yunis", "data:text/html,x"),
                           ("rafah-1", "JavaScript:alert(1)"), ("tyre", "Reuters")]:
        assert "href" not in rows[event_id][4], event_id
        assert text in rows[event_id][4], event_id


def test_careless_imports_do_not_break_the_map():
    odd = event("odd", 31.5, 34.46, "Made-up type", "", "no such category", actor1=None,
                notes=None, source="http://[broken", fatalities=None,
                geometry={"type": "Polygon", "coordinates": "junk"})
    row = rows_by_id(standalone_html(build_map([odd])))["odd"]
    assert "Made-up type" in row[4] and "http://[broken" in row[4] and "href" not in row[4]
    assert row[5] == -1                                    # no outline from junk GeoJSON


def test_title_is_escaped(page):
    assert "<title>Briefing &lt;3 May&gt;</title>" in page
    assert payload(page, "title") == "Briefing <3 May>"     # set as textContent


# -- markers ------------------------------------------------------------------------

def test_markers_carry_event_ids_and_places(page, events):
    rows = rows_by_id(page)
    expected = {e.event_id for e in events
                if e.latitude is not None and not (e.is_total or e.is_historical)}
    assert set(rows) == expected
    gaza = rows["gaza-1"]
    assert (gaza[1], gaza[2]) == (31.5017, 34.4668)
    assert "Gaza City" in gaza[4] and "Gaza Strip, Palestine" in gaza[4]
    assert "2024-05-03" in gaza[4] and "Military Forces of Israel" in gaza[4]


def test_totals_and_history_are_not_markers(page):
    rows = rows_by_id(page)
    assert "toll" not in rows and "oct7" not in rows and "nowhere" not in rows
    legend = payload(page, "legend")["html"]
    assert "2 running total(s) or recalled past event(s) not drawn" in legend
    assert "1 event(s) without a usable place" in legend


def test_the_page_can_open_a_marker_by_id():
    script = (asset_folders()["briefing"] / "briefing-map.js").read_text(encoding="utf-8")
    assert "global.briefingMap = {" in script and "open: function (id)" in script
    assert "briefing:select" in script


def test_a_border_event_brings_its_line(page):
    data = payload(page, "events")
    rows = rows_by_id(page)
    assert rows["gaza-1"][5] == -1
    line = data["shapes"][rows["border"][5]]
    assert line["type"] == "LineString" and line["coordinates"][0] == [35.1, 33.09]


def test_marker_shape_follows_category_and_colour_follows_type(page):
    data, rows = payload(page, "events"), rows_by_id(page)
    assert data["colours"][rows["rafah-1"][3]] == "#c0392b"        # Battles
    assert data["colours"][rows["gaza-1"][3]] == "#e67e22"         # Explosions
    assert "<path" in data["icons"][rows["gaza-1"][3]]             # star
    assert rows["gaza-1"][3] != rows["rafah-1"][3]


def test_many_events_are_clustered(events):
    few = payload(standalone_html(build_map(events)), "events")
    spread = [replace(events[0], event_id=f"e{i}", latitude=31 + i / 100)
              for i in range(CLUSTER_ABOVE + 1)]
    many = payload(standalone_html(build_map(spread)), "events")
    assert many["clusterRadius"] > few["clusterRadius"]


# -- legend, regions, view ----------------------------------------------------------

def test_legend_lists_types_with_colours_and_counts(page):
    legend = payload(page, "legend")["html"]
    for name, colour, count in [("Battles", "#c0392b", 2),
                                ("Explosions/Remote violence", "#e67e22", 5),
                                ("Violence against civilians", "#8e44ad", 1),
                                ("Protests", "#2980b9", 1), ("Riots", "#16a085", 0),
                                ("Strategic developments", "#7f8c8d", 1)]:
        assert re.search(rf'background:{colour}"></span>{re.escape(name)}'
                         rf'<span class="bl-count">{count}</span>', legend), name
    assert "Strike or shelling" in legend and "Statement or warning" in legend


def test_choropleth_draws_when_totals_are_given(page, totals):
    regions = payload(page, "regions")
    drawn = totals[totals.geometry.notna()]
    assert len(regions["features"]) == len(drawn) > 0
    labels = " ".join(f["properties"]["label"] for f in regions["features"])
    assert "<b>Gaza Strip</b>, Palestine" in labels and "South Lebanon" in labels
    assert all(re.fullmatch(r"#[0-9a-f]{6}", f["properties"]["fill"])
               for f in regions["features"])
    assert '"Events per region" : briefing_regions' in page      # in the layer switcher
    assert "Events per region" in payload(page, "legend")["html"]


def test_a_by_type_table_is_folded_to_one_shape_per_region(regions, events, totals):
    by_type = payload(standalone_html(build_map(events, regions.aggregate(events))),
                      "regions")
    assert len(by_type["features"]) == len(totals[totals.geometry.notna()])


def test_no_choropleth_without_totals(events):
    assert "BriefingMap.regions(" not in standalone_html(build_map(events))


def test_the_view_fits_what_was_asked(events):
    asked = standalone_html(build_map(events, fit=(31.2, 34.2, 31.6, 34.6)))
    assert re.search(r"fitBounds\(\s*\[\[31\.2, 34\.2\], \[31\.6, 34\.6\]\]", asked)
    empty = standalone_html(build_map([]))
    south, west, north, east = MIDDLE_EAST
    assert f"[[{south}, {west}], [{north}, {east}]]" in empty
    assert rows_by_id(empty) == {}
    with pytest.raises(ValueError):
        build_map(events, fit=("north", 1, 2))


def test_map_parts_embed_in_a_page_of_our_own(events):
    m = build_map(events, title="Today")
    parts = map_parts(m)
    assert set(parts) == {"head", "body", "script"}
    assert '<script src="/static/leaflet/leaflet.js">' in parts["head"]
    assert f'id="{m.get_name()}"' in parts["body"]
    assert parts["script"].startswith("<script>") and parts["script"].endswith("</script>")
    assert map_parts(m) == parts                        # rendering twice changes nothing


def test_the_map_module_needs_no_flask():
    code = "import sys, webapp.maps; print('flask' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], timeout=120)
    assert done.stdout.strip() == "False", done.stderr


# -- the served map: no event in the page ---------------------------------------------

def live_page(counts=None, **source):
    from webapp.live_map import LegendCounts, LiveSource, build_live_map

    where = dict(clusters_url="/api/clusters", events_url="/api/events",
                 event_url="/api/events/__id__",
                 regions_url="/api/regions?format=geojson&by_type=0", **source)
    return standalone_html(build_live_map(LiveSource(**where), counts or LegendCounts(),
                                          title="Today"))


def test_the_served_map_asks_for_its_events_and_land():
    page = live_page(query="type=strike&q=%3Cb%3E", bbox=(34.2, 31.2, 34.6, 31.6))
    settings = payload(page, "live")
    assert settings["clustersUrl"] == "/api/clusters"
    assert settings["eventUrl"] == "/api/events/__id__"
    assert settings["query"] == "type=strike&q=%3Cb%3E" and settings["bbox"] == [
        34.2, 31.2, 34.6, 31.6]
    assert settings["colours"]["Battles"] == "#c0392b"
    assert settings["shapes"]["strike"] == "star" and "currentColor" in settings["glyphs"]["star"]
    assert "BriefingMap.events(" not in page and "BriefingMap.regions(" not in page
    land = payload(page, "land")
    assert "land" not in land and re.fullmatch(r"/static/land\.geojson\?v=[0-9a-f]{12}",
                                               land["url"])
    assert payload(page, "regionsOnDemand")["url"].startswith("/api/regions?format=geojson")
    tags = Tags(page)
    assert any(u.endswith("/briefing-live.js") for u in tags.scripts)
    assert not [u for u in tags.scripts + tags.styles if "markercluster" in u.lower()]
    assert len(page.encode()) < 30_000      # the land and the events come later


def test_the_served_maps_legend_says_the_whole_totals():
    from webapp.live_map import LegendCounts

    counts = LegendCounts(types={"Battles": 120_000, "<b>odd</b>": 2},
                          categories={"armed clash": 120_000}, flagged=7, unplaced=30)
    legend = payload(live_page(counts), "legend")["html"]
    assert 'Battles<span class="bl-count">120000</span>' in legend
    assert "&lt;b&gt;odd&lt;/b&gt;" in legend and "<b>odd" not in legend
    assert "7 running total(s) or recalled past event(s) not drawn" in legend
    assert "30 event(s) without a usable place" in legend


def test_the_store_gives_the_legend_and_the_view_without_reading_rows(tmp_path, events):
    from webapp.live_map import events_extent, legend_counts
    from webapp.store import SQLiteStore
    from webapp.store.base import Filters, make_filters

    with SQLiteStore(tmp_path / "e.sqlite") as store:
        store.add_events(events)
        counts = legend_counts(store, Filters())
        assert counts.flagged == 2 and counts.unplaced == 1
        assert counts.types["Battles"] == 2 and sum(counts.types.values()) == 11
        south, west, north, east = events_extent(store, Filters())
        assert 31.2 < south < 31.4 and 34.2 < west < 34.3      # Rafah
        assert 33.8 < north < 33.95 and 35.45 < east < 35.55   # Beirut, Nabatieh
        one = events_extent(store, make_filters(types=["protest"]))
        assert one == (31.4181, 34.3517, 31.4181, 34.3517)     # Deir al-Balah alone
        assert events_extent(store, make_filters(q="no such words")) is None
