"""The brief: a week's events with the week before, as PDF, Word, HTML and Markdown.

The store holds a made-up fortnight: the second week ("this week", 3-9 May 2024) has
many more events in Gaza than the first, about as many in Beirut, and the first events
in Aleppo; one strike was corrected by a later report, and one event carries hostile
text. The brief must say so, with counts equal to the API's.
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from urllib.parse import urlencode
from datetime import date, timedelta

import pytest

from conftest import make_app, make_event, run_cli
from test_embed_export import Page

from webapp.brief import make_brief
from webapp.brief.content import gather
from webapp.store import SQLiteStore
from webapp.store.base import make_filters

WEEK = ("2024-05-03", "2024-05-09")
HOSTILE = "<script>alert(1)</script> | [link](javascript:alert(2)) **bold**"
GAZA, BEIRUT, ALEPPO = (31.50, 34.46), (33.89, 35.50), (36.20, 37.15)


def _day(offset: int) -> date:
    return date(2024, 5, 3) + timedelta(days=offset)


def fortnight() -> list:
    events = []

    def add(name, n, place, country, admin1, first_day, **fields):
        for i in range(n):
            events.append(make_event(
                f"{name}-{i}", place[0] + 0.01 * (i % 5), place[1] + 0.01 * (i % 3),
                day=_day(first_day + i % 7), country_code=country, admin1=admin1,
                location=name.split("-")[0].title(), actor1="Israeli forces",
                notes=f"Strike number {i} hit a house. A second sentence follows.",
                source=f"https://news.example.org/{name}/{i}", **fields))

    add("gaza-now", 12, GAZA, "PS", "Gaza Strip", 0, fatalities=1)
    add("gaza-before", 3, GAZA, "PS", "Gaza Strip", -7)
    add("beirut-now", 5, BEIRUT, "LB", "Beirut", 0)
    add("beirut-before", 5, BEIRUT, "LB", "Beirut", -7)
    add("aleppo-now", 2, ALEPPO, "SY", "Aleppo", 2)
    events.append(make_event(
        "corrected", GAZA[0], GAZA[1], day=_day(3), country_code="PS", admin1="Gaza Strip",
        location="Rafah", fatalities=40, notes="An air strike on Rafah killed 40 people.",
        source="https://news.example.org/rafah", extra={"updated": "2024-05-07"}))
    events.append(make_event(
        "hostile", BEIRUT[0], BEIRUT[1], day=_day(4), country_code="LB", admin1="Beirut",
        event_type="Strategic developments", sub="Agreement", category="statement",
        location=HOSTILE, actor1=HOSTILE, notes=HOSTILE + " says a statement.",
        source="javascript:alert(3)"))
    return events


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("brief") / "events.sqlite"
    with SQLiteStore(path) as store:
        store.add_events(fortnight())
    return path


@pytest.fixture(scope="module")
def week_brief(db):
    with SQLiteStore(db) as store:
        return gather(store, make_filters(since=WEEK[0], until=WEEK[1]), compare=True)


def test_the_brief_says_what_changed_since_the_week_before(week_brief):
    brief = week_brief
    assert brief.period_words == "3–9 May 2024"
    assert brief.previous.words == "26 April – 2 May 2024"
    assert (brief.events, brief.before_events) == (21, 8)
    assert brief.fatalities == 12 + 40
    regions = {row.name: row for row in brief.by_region}
    assert (regions["Gaza Strip, Palestine"].now, regions["Gaza Strip, Palestine"].before) \
        == (13, 3)
    assert regions["Gaza Strip, Palestine"].change == "+10 (+333%)"
    assert regions["Beirut, Lebanon"].change == "+1 (+20%)"
    assert [r.name for r in brief.rising] == ["Gaza Strip, Palestine"]
    assert [r.name for r in brief.new_areas] == ["Aleppo, Syria"]
    kinds = {row.name: (row.now, row.before) for row in brief.by_type}
    assert kinds == {"Explosions/Remote violence": (20, 8), "Strategic developments": (1, 0)}


def test_hot_spots_are_where_the_events_crowd(week_brief):
    spots = week_brief.hot_spots
    assert [s.name for s in spots] == ["Gaza Strip, Palestine", "Beirut, Lebanon"]
    assert [s.events for s in spots] == [13, 6]   # Aleppo's two are too few
    west, south, east, north = spots[0].frame
    assert west < GAZA[1] < east and south < GAZA[0] < north


def test_key_events_name_the_deadliest_the_new_area_and_strategic_news(week_brief):
    found = {e.event_id: e for e in week_brief.key_events}
    first = week_brief.key_events[0]
    assert (first.event_id, first.fatalities, first.updated) == ("corrected", 40, True)
    assert first.summary == "An air strike on Rafah killed 40 people."
    assert first.place == "Rafah, Gaza Strip, Palestine"
    assert first.source_url == "https://news.example.org/rafah"
    assert any(e.why == "new area" and e.place.endswith("Aleppo, Syria")
               for e in found.values())
    hostile = found["hostile"]
    assert hostile.why == "strategic development" and hostile.source_url is None
    assert not any(e.updated for e in found.values() if e.event_id != "corrected")


def test_counts_equal_the_apis_for_the_same_filters(db, tmp_path):
    client = make_app(db, None, tmp_path).test_client()
    for args in ({"since": WEEK[0], "until": WEEK[1]},
                 {"since": WEEK[0], "until": WEEK[1], "country": "PS"},
                 {"since": WEEK[0], "until": WEEK[1], "types": ("strike",)},
                 {"bbox": (33.5, 29.5, 36.5, 34.5)}):
        filters = make_filters(**args)
        query = urlencode(filters.args())
        with SQLiteStore(db) as store:
            brief = gather(store, filters)
        types = client.get(f"/api/types?{query}").get_json()
        total = client.get(f"/api/events?{query}&limit=1").get_json()["total"]
        regions = client.get(f"/api/regions?{query}&by_type=0").get_json()["regions"]
        assert brief.events == total == types["total"]
        assert {r.name: r.now for r in brief.by_type} == {
            t["name"]: t["count"] for t in types["event_types"] if t["count"]}
        assert {r.name: r.now for r in brief.by_category} == {
            c["label"]: c["count"] for c in types["categories"] if c["count"]}
        assert sorted(r.now for r in brief.by_region) == sorted(r["events"] for r in regions)
        assert sum(r.fatalities for r in brief.by_region) == sum(r["fatalities"]
                                                                for r in regions)


def test_html_brief_is_one_file_that_fetches_nothing(db):
    with SQLiteStore(db) as store:
        made = make_brief(store, make_filters(since=WEEK[0], until=WEEK[1]), "html",
                          compare=True)
    name, body = made.files[0]
    text = body.decode("utf-8")
    page = Page(text)
    assert name == "brief.html" and len(made.files) == 1
    assert len(page.fetched) == 3   # the overview and two hot spots
    assert all(u.startswith("data:image/png;base64,") for u in page.fetched)
    assert not page.scripts and not re.search(r"<link[^>]+stylesheet", text, re.I)
    assert "default-src 'none'" in text
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert 'href="javascript:' not in text
    assert '<span class="updated">updated</span> An air strike on Rafah' in text
    assert "GeoNames" in text and "CC BY 4.0" in text and "Natural Earth" in text


def _page_texts(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "brief.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / "page")],
                   check=True, timeout=60)
    pictures = sorted(tmp_path.glob("page-*.png"))
    texts = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
                            capture_output=True, text=True, check=True).stdout
             for n in range(1, len(pictures) + 1)]
    return texts


def test_pdf_brief_from_the_map_server_has_a_page_per_part(db, tmp_path):
    from webapp.snapshot.browser import chromium_available

    if not chromium_available():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    app = make_app(db, None, tmp_path)
    response = app.test_client().get(
        f"/brief?since={WEEK[0]}&until={WEEK[1]}&compare=previous&format=pdf")
    app.extensions["briefing"].snapshot_browser.close()
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('inline; filename="brief-')
    pages = _page_texts(response.data, tmp_path)
    assert len(pages) == 5, [p[:60] for p in pages]
    assert "All events" in pages[0] and "3–9 May 2024" in pages[0]
    assert pages[1].lstrip().startswith("Counts") and "+10 (+333%)" in pages[1]
    assert pages[2].lstrip().startswith("Hot spot 1: Gaza Strip, Palestine")
    assert pages[3].lstrip().startswith("Hot spot 2: Beirut, Lebanon")
    assert pages[4].lstrip().startswith("Key events")
    assert "Method and sources" in pages[4] and "updated" in pages[4]


def test_word_brief_holds_real_tables_and_the_maps(db, tmp_path):
    from docx import Document

    out = tmp_path / "week.docx"
    done = run_cli("brief", "--db", str(db), "--since", WEEK[0], "--until", WEEK[1],
                   "--compare-to", "previous", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "brief of 21 event(s), 3–9 May 2024, written to" in done.stderr
    doc = Document(str(out))
    assert len(doc.inline_shapes) == 3
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    by_type, by_category, by_region, key = tables
    assert by_type[0] == ["Event type", "Events", "Previous", "Change"]
    assert by_type[1] == ["Explosions/Remote violence", "20", "8", "+12 (+150%)"]
    assert ["Gaza Strip, Palestine", "13", "52", "3", "+10 (+333%)"] in by_region
    assert key[0] == ["Date", "Place", "What happened", "Actors", "Fatalities", "Source"]
    assert key[1][2].startswith("[updated] An air strike on Rafah killed 40 people.")
    assert key[1][5] == "https://news.example.org/rafah"
    links = [r.target_ref for r in doc.part.rels.values() if r.is_external]
    assert "https://news.example.org/rafah" in links
    assert not any(link.startswith("javascript:") for link in links)
    assert any(HOSTILE in row[3] for row in key)   # kept as text, whatever it says
    assert "GeoNames" in "\n".join(p.text for p in doc.paragraphs)


def test_markdown_brief_has_its_maps_beside_it_and_escapes_report_text(db, tmp_path):
    from webapp.brief import save

    with SQLiteStore(db) as store:
        made = make_brief(store, make_filters(since=WEEK[0], until=WEEK[1]), "md",
                          stem="../week one")
    names = [name for name, _ in made.files]
    assert names == ["week-one.md", "week-one-overview.png", "week-one-hot-spot-1.png",
                     "week-one-hot-spot-2.png"]
    written = save(made, tmp_path / "week.md")
    assert [p.parent for p in written] == [tmp_path] * 4
    text = (tmp_path / "week.md").read_text(encoding="utf-8")
    for png in names[1:]:
        assert f"]({png})" in text and (tmp_path / png).read_bytes()[:4] == b"\x89PNG"
    assert "<script>" not in text and not re.search(r"(?<!\\)\]\(javascript:", text)
    assert "\\<script\\>alert(1)\\</script\\> \\| \\[link\\](javascript:alert(2))" in text


def test_bad_filters_are_one_line_on_the_command_line(db, tmp_path):
    for args, words, status in (
            (["--since", "2024-13-01"], "error: since must be a date", 1),
            (["--bbox", "1,2"], "error: bbox must be four numbers", 1),
            (["--since", "2024-05-09", "--until", "2024-05-03"], "is after until", 1),
            (["-o", str(tmp_path / "brief.txt")], "must end in .pdf, .docx, .html or .md", 2)):
        if "-o" not in args:
            args = args + ["-o", str(tmp_path / "brief.html")]
        done = run_cli("brief", "--db", str(db), *args)
        assert done.returncode == status, done.stderr
        assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "brief.html").exists()


def test_bad_filters_are_a_clean_400_on_the_web(db, tmp_path):
    client = make_app(db, None, tmp_path).test_client()
    for query, words in (("since=yesterday", "since must be a date"),
                         ("format=exe", "html, pdf, docx or md"),
                         ("compare=last-year", "compare must be previous or none"),
                         ("colour=red", "unknown parameter")):
        response = client.get(f"/brief?{query}")
        assert response.status_code == 400, query
        assert words in response.get_data(as_text=True)
    no_browser = make_app(db, None, tmp_path, SNAPSHOT_BROWSER="none").test_client()
    response = no_browser.get("/brief?format=pdf")
    assert response.status_code == 503
    assert "no Chromium to print a PDF brief" in response.get_data(as_text=True)


def test_map_page_offers_a_brief_of_its_filters(db, tmp_path):
    app = make_app(db, None, tmp_path)
    client = app.test_client()
    page = client.get("/?country=PS&since=2024-05-03").get_data(as_text=True)
    assert 'data-brief-url="/brief?since=2024-05-03&amp;country=PS"' in page
    assert 'button.id = "make-brief"' in page
    response = client.get("/brief?since=2024-05-03&country=PS&format=md&compare=previous")
    assert response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert names[0].endswith(".md") and any(n.endswith("-overview.png") for n in names)


def test_make_a_brief_button_downloads_the_word_brief_of_the_view(db, tmp_path, browser):
    from docx import Document

    from browsing import serving

    app = make_app(db, None, tmp_path, SNAPSHOT_BROWSER="none")
    with serving(app) as base:
        context = browser.new_context(accept_downloads=True)
        try:
            page = context.new_page()
            page.goto(f"{base}/?country=PS&since={WEEK[0]}&until={WEEK[1]}",
                      wait_until="load")
            page.select_option("#brief-format", "docx")
            with page.expect_download(timeout=120_000) as download:
                page.click("#make-brief")
            saved = tmp_path / "from-the-map.docx"
            download.value.save_as(saved)
        finally:
            context.close()
    assert download.value.suggested_filename.endswith(".docx")
    doc = Document(str(saved))
    assert doc.paragraphs[0].text == "All events in Palestine"
    assert len(doc.inline_shapes) == 2   # the overview and Gaza, the one hot spot
    by_type = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert by_type[1] == ["Explosions/Remote violence", "13", "3", "+10 (+333%)"]


def test_both_stores_name_the_same_deadliest_events(store_target):
    from webapp.store import open_store

    with open_store(store_target) as store:
        store.add_events(fortnight())
        week = make_filters(since=WEEK[0], until=WEEK[1])
        top = store.heaviest(week, 3)
        brief = gather(store, week, compare=True)
    assert [e.event_id for e in top] == ["corrected", "gaza-now-6", "gaza-now-5"]
    assert (brief.events, brief.before_events, brief.fatalities) == (21, 8, 52)
    assert [r.name for r in brief.rising] == ["Gaza Strip, Palestine"]


def test_a_brief_of_a_box_finds_its_hot_spots_inside_the_box(db):
    beirut_and_aleppo = (35.0, 33.0, 38.0, 37.0)
    with SQLiteStore(db) as store:
        brief = gather(store, make_filters(since=WEEK[0], until=WEEK[1],
                                           bbox=(35.0, 33.0, 36.0, 34.5)))
        wider = gather(store, make_filters(since=WEEK[0], until=WEEK[1],
                                           bbox=beirut_and_aleppo))
    assert brief.events == 6
    assert [(s.name, s.events) for s in brief.hot_spots] == [("Beirut, Lebanon", 6)]
    west, south, east, north = brief.hot_spots[0].frame
    assert west >= 35.0 and south >= 33.0 and east <= 36.0 and north <= 34.5
    # Aleppo's two events are a quarter of the wider box's, but too few for a map
    assert wider.events == 8
    assert [(s.name, s.events) for s in wider.hot_spots] == [("Beirut, Lebanon", 6)]
