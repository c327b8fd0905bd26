"""The brief as one HTML page that needs nothing else: maps as data: URIs, styles
inline, no script; report text escaped by Jinja's autoescape (``templates/brief.html``).
This page is also what Chromium prints to PDF."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from webapp.brief.content import Brief
from webapp.brief.pictures import Picture
from webapp.snapshot.caption import filters_text

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@dataclass(frozen=True)
class _Shown:
    name: str
    caption: str
    src: str
    width: int
    height: int


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True)


def brief_html(brief: Brief, pictures: list[Picture]) -> str:
    """The page, each picture inside it as a data: URI."""
    shown = [_Shown(p.name, p.caption, data_uri(p.png), p.width, p.height)
             for p in pictures]
    return _environment().get_template("brief.html").render(
        brief=brief, pictures=shown, filters_words=filters_text(brief.filters))


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
