"""The brief as a Word document (python-docx): the maps embedded as pictures, the
counts and key events as real Word tables a reader can edit and copy from.

Report text may hold characters XML cannot carry (control characters from a feed);
they are dropped here, since python-docx refuses them.
"""

from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from webapp.brief.content import Brief, Row
from webapp.brief.pictures import Picture
from webapp.snapshot.caption import filters_text

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
PICTURE_WIDTH = Cm(16.5)


def clean(text) -> str:
    return _NOT_XML.sub("", str(text))


def brief_docx(brief: Brief, pictures: list[Picture]) -> bytes:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    doc.core_properties.title = clean(brief.title)[:255]
    doc.add_heading(clean(brief.title), level=0)
    period = doc.add_paragraph(clean(brief.period_words))
    period.runs[0].font.size = Pt(13)
    doc.add_paragraph(clean(brief.summary))
    if pictures:
        _picture(doc, pictures[0])
    made = doc.add_paragraph(clean(f"Made {brief.made_at:%Y-%m-%d %H:%M} UTC from the "
                                   f"filters: {filters_text(brief.filters)}."))
    made.runs[0].font.size = Pt(8)

    _page_break(doc)
    doc.add_heading("Counts", level=1)
    for heading, label, rows in (("By event type", "Event type", brief.by_type),
                                 ("By category", "Category", brief.by_category)):
        doc.add_heading(heading, level=2)
        _count_table(doc, brief, label, rows, fatalities=False)
    doc.add_heading("By region", level=2)
    _count_table(doc, brief, "Region", brief.by_region, fatalities=True)
    if brief.compared:
        doc.add_heading("Rose sharply", level=2)
        for row in brief.rising or ():
            doc.add_paragraph(clean(f"{row.name}: {row.now:,} events, {row.change}"),
                              style="List Bullet")
        if not brief.rising:
            doc.add_paragraph("No region rose sharply.")
        doc.add_heading("New areas", level=2)
        for row in brief.new_areas[:15]:
            doc.add_paragraph(clean(f"{row.name}: {row.now:,} events, none in the "
                                    "previous period"), style="List Bullet")
        if not brief.new_areas:
            doc.add_paragraph("No region without events in the previous period has any now.")

    for picture in pictures[1:]:
        _page_break(doc)
        doc.add_heading(clean(picture.caption), level=1)
        _picture(doc, picture, caption=False)

    _page_break(doc)
    doc.add_heading("Key events", level=1)
    _key_events_table(doc, brief)
    doc.add_heading("Method and sources", level=1)
    for note in brief.method:
        doc.add_paragraph(clean(note))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _picture(doc, picture: Picture, caption: bool = True) -> None:
    doc.add_picture(io.BytesIO(picture.png), width=PICTURE_WIDTH)
    if caption:
        doc.add_paragraph(clean(picture.caption)).runs[0].italic = True


def _page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _count_table(doc, brief: Brief, label: str, rows: list[Row], fatalities: bool) -> None:
    if not rows:
        doc.add_paragraph("No events." if not fatalities else "No event has a region.")
        return
    heads = [label, "Events"] + (["Fatalities"] if fatalities else []) + (
        ["Previous", "Change"] if brief.compared else [])
    table = _table(doc, heads)
    for row in rows:
        cells = [row.name, f"{row.now:,}"] + ([f"{row.fatalities or 0:,}"] if fatalities
                                              else [])
        if brief.compared:
            cells += [f"{row.before:,}", row.change]
        _add_row(table, cells)


def _key_events_table(doc, brief: Brief) -> None:
    if not brief.key_events:
        doc.add_paragraph("No key events in this period.")
        return
    table = _table(doc, ["Date", "Place", "What happened", "Actors", "Fatalities", "Source"])
    for e in brief.key_events:
        cells = _add_row(table, [e.day or "undated", e.place, "", e.actors,
                                 str(e.fatalities), "" if e.source_url else e.source])
        if e.source_url:
            _link(cells[5].paragraphs[0], e.source_url)
        what = cells[2].paragraphs[0]
        if e.updated:
            what.add_run("[updated] ").bold = True
        what.add_run(clean(e.summary))
        note = cells[2].add_paragraph().add_run(clean(f"{e.event_type} · {e.why}"))
        note.italic = True
        note.font.size = Pt(8)


def _link(paragraph, url: str) -> None:
    """A link Word opens on a click (python-docx writes none itself); ``url`` is a
    checked http(s) address, shown as it is."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK,
                                                  is_external=True))
    run, props = OxmlElement("w:r"), OxmlElement("w:rPr")
    for name, value in (("w:color", "1D5FA8"), ("w:u", "single")):
        prop = OxmlElement(name)
        prop.set(qn("w:val"), value)
        props.append(prop)
    text = OxmlElement("w:t")
    text.text = clean(url)
    run.append(props)
    run.append(text)
    link.append(run)
    paragraph._p.append(link)


def _table(doc, heads: list[str]):
    table = doc.add_table(rows=1, cols=len(heads))
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, heads):
        cell.paragraphs[0].add_run(head).bold = True
    return table


def _add_row(table, values: list[str]):
    cells = table.add_row().cells
    for cell, value in zip(cells, values):
        if value:
            cell.paragraphs[0].add_run(clean(value))
    return cells
