"""Reading news reports into :class:`~webapp.models.Article` objects.

Accepted: plain text (first line the headline, then optionally a dateline such as
"CAIRO (AP) --", then the body), JSON (an object or a list of objects with ``title``,
``text``, ``published``, ``url``), RSS 2.0 or Atom feeds (parsed with defusedxml, so
entity bombs and external entities are refused), and folders of such files.

Every unreadable file becomes one :class:`IngestError` with a one-line message; the
caller reports it and goes on with the next file.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from webapp.errors import BriefingMapError
from webapp.extract.budget import UnreadableTextError, check_text
from webapp.models import Article

MAX_BYTES = 10 * 1024 * 1024
SUFFIXES = {".txt", ".text", ".json", ".xml", ".rss", ".atom"}
# An HTML tag inside a feed's text. Not "<" again inside: from each "<" the pattern then
# reads only to the next one, so text of many "<" (escaped as "&lt;") is linear, not
# quadratic (20,000 of them took 0.9 s; 200,000 would take about 90 s).
_TAG = re.compile(r"<[^<>]+>")


class IngestError(BriefingMapError):
    """A file that cannot be read as news reports."""


def expand(paths) -> list[Path]:
    """Files named directly, and the news files inside folders (sorted, recursive)."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file()
                              and f.suffix.lower() in SUFFIXES))
        else:
            out.append(p)
    return out


def read_file(path: Path, published: date | None = None) -> list[Article]:
    """The articles in one file; ``published`` fills in a missing publication date."""
    text = decode(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        articles = _from_json(text, path)
    elif suffix in (".xml", ".rss", ".atom") or text.lstrip().startswith("<?xml"):
        articles = _from_feed(text, path)
    else:
        articles = [_from_text(text, path)]
    if not articles:
        raise IngestError(f"{path}: no articles found")
    return [a if a.published or not published else _with_date(a, published)
            for a in articles]


def decode(path: Path) -> str:
    """The file's text, refusing what is not a readable UTF-8 news file."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise IngestError(f"{path}: too large ({size / 2**20:.1f} MB; limit 10 MB)")
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise IngestError(f"{path}: no such file") from err
    except IsADirectoryError as err:
        raise IngestError(f"{path}: is a folder") from err
    except OSError as err:
        raise IngestError(f"{path}: cannot read ({err.strerror})") from err
    if b"\x00" in data[:8192]:
        raise IngestError(f"{path}: binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise IngestError(f"{path}: not UTF-8 text (byte {err.start})") from err
    if not text.strip():
        raise IngestError(f"{path}: empty")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_date(value) -> date | None:
    """ISO dates and datetimes, and RFC 822 dates as feeds write them."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError, OverflowError):   # year 99999999999
        return None


def _from_text(text: str, path: Path) -> Article:
    title = text.strip().splitlines()[0].strip()
    return Article(title=title[:500], text=text, source=str(path))


def _from_json(text: str, path: Path) -> list[Article]:
    try:
        data = json.loads(text)
    except ValueError as err:
        raise IngestError(f"{path}: not valid JSON ({err})") from err
    except RecursionError as err:  # "[[[[..." nested past the parser's depth
        raise IngestError(f"{path}: not valid JSON (nested too deeply)") from err
    items = data if isinstance(data, list) else [data]
    articles = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) \
                or not item["text"].strip():
            raise IngestError(f"{path}: item {n} has no \"text\"")
        title = item.get("title") if isinstance(item.get("title"), str) else ""
        body = item["text"]
        try:   # JSON's escapes can name a lone surrogate ("\ud800"): not storable text
            check_text(title=title, text=body, url=str(item.get("url") or ""))
        except UnreadableTextError as err:
            raise IngestError(f"{path}: item {n}: {err}") from err
        full = f"{title}\n\n{body}" if title and not body.startswith(title) else body
        articles.append(Article(title=(title or body.strip().splitlines()[0])[:500],
                                text=full, published=parse_date(item.get("published")),
                                url=str(item.get("url") or ""), source=str(path)))
    return articles


def parse_feed(data: bytes | str, source: str) -> list[Article]:
    """The items of an RSS or Atom feed (bytes as served, its XML declaration naming
    the encoding; or text), as articles whose ``source`` is ``source``. The feed is
    untrusted: entity bombs and external entities are refused (IngestError)."""
    if isinstance(data, bytes) and b"\x00" in data[:8192] and not data.startswith(
            (b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(f"{source}: binary data, not a feed")
    return _from_feed(data, source)


def _from_feed(text: str | bytes, path) -> list[Article]:
    try:
        root = SafeET.fromstring(text)
    except DefusedXmlException as err:
        raise IngestError(f"{path}: not a readable RSS/Atom feed (it declares entities "
                          f"or a DTD, refused as a possible XML bomb: "
                          f"{type(err).__name__})") from err
    except (SafeET.ParseError, ValueError, LookupError) as err:  # (LookupError: an
        # encoding the XML declaration names that Python does not know)
        raise IngestError(f"{path}: not a readable RSS/Atom feed ({err})") from err
    articles = []
    for item in root.iter():
        tag = item.tag.rsplit("}", 1)[-1]
        if tag not in ("item", "entry"):
            continue
        fields = {child.tag.rsplit("}", 1)[-1]: child for child in item}
        title = _text(fields.get("title"))
        body = _first_text(fields, "description", "content", "summary")
        if not (title or body):
            continue
        link = fields.get("link")
        url = (link.get("href") or _text(link)) if link is not None else ""
        when = _first_text(fields, "pubDate", "published", "updated")
        articles.append(Article(title=title[:500], text=f"{title}\n\n{body}".strip(),
                                published=parse_date(when), url=url, source=str(path)))
    return articles


def _first_text(fields: dict, *names: str) -> str:
    # (an Element without children is falsy, so no `or` chains over elements)
    return next((t for t in (_text(fields.get(n)) for n in names) if t), "")


def _text(element) -> str:
    if element is None:
        return ""
    raw = "".join(element.itertext())
    return html.unescape(_TAG.sub(" ", raw)).strip()


def _with_date(article: Article, published: date) -> Article:
    from dataclasses import replace

    return replace(article, published=published)
