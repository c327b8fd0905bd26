"""The brief: a report of the events some filters select over a period, with its maps,
as HTML, PDF, Word or Markdown.

:func:`make_brief` is the one entry point for the CLI and the web layer:
:mod:`~webapp.brief.content` gathers what the brief says from the store (aggregates
and a few small reads), :mod:`~webapp.brief.pictures` draws its maps with the snapshot
renderer, and one module per format writes it. The PDF is the HTML page printed by
the warm Chromium of :mod:`webapp.snapshot.browser`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from webapp.brief.content import Brief, gather
from webapp.brief.pictures import draw_pictures
from webapp.errors import BriefError
from webapp.paths import write_whole
from webapp.store.base import Filters

FORMATS = ("html", "pdf", "docx", "md")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8", "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class BriefFiles:
    """A made brief: its files as (name, bytes), the document first (a Markdown
    brief's PNGs after it), and what it says."""

    files: list[tuple[str, bytes]]
    brief: Brief


def check_format(fmt: str) -> str:
    name = str(fmt or "").strip().lower().lstrip(".")
    if name == "markdown":
        name = "md"
    if name not in FORMATS:
        raise BriefError(f"a brief is written as html, pdf, docx or md, not "
                         f"{str(fmt)[:20]!r}")
    return name


def safe_stem(name: str) -> str:
    """A file stem that is safe anywhere (letters, digits, '.', '_', '-')."""
    return _UNSAFE.sub("-", str(name)).strip(".-")[:80] or "brief"


def make_brief(store, filters: Filters, fmt: str, *, compare: bool = False,
               title: str | None = None, stem: str = "brief", browser=None,
               processes: int = 1) -> BriefFiles:
    """The brief of ``filters`` as ``fmt``; ``browser`` (a
    :class:`~webapp.snapshot.browser.ChromiumRenderer`) prints the PDF; ``processes``
    draw the maps (see :func:`~webapp.brief.pictures.draw_pictures`)."""
    fmt = check_format(fmt)
    if fmt == "pdf" and browser is None:
        raise BriefError("a PDF brief is printed by Chromium, and there is none at "
                         "/usr/bin/chromium (install it, or write html or docx)")
    stem = safe_stem(stem)
    brief = gather(store, filters, compare=compare, title=title)
    pictures = draw_pictures(store, brief, processes)
    if fmt in ("html", "pdf"):
        from webapp.brief.html import brief_html

        page = brief_html(brief, pictures)
        body = browser.render_pdf(page) if fmt == "pdf" else page.encode("utf-8")
        return BriefFiles([(f"{stem}.{fmt}", body)], brief)
    if fmt == "docx":
        from webapp.brief.word import brief_docx

        return BriefFiles([(f"{stem}.docx", brief_docx(brief, pictures))], brief)
    from webapp.brief.markdown import brief_markdown, picture_file

    text = brief_markdown(brief, pictures, stem)
    return BriefFiles([(f"{stem}.md", text.encode("utf-8"))] + [
        (picture_file(stem, p), p.png) for p in pictures], brief)


def save(made: BriefFiles, target) -> list[Path]:
    """Write the brief's document to ``target`` and its other files (a Markdown
    brief's maps) beside it, each whole or not at all (written under another name
    and renamed over its own)."""
    target = Path(target)
    written = []
    for number, (name, body) in enumerate(made.files):
        path = target if number == 0 else target.with_name(name)
        write_whole(path, body)
        written.append(path)
    return written
