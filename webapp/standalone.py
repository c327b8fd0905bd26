"""The briefing map as one HTML file that needs nothing else: for a report, an e-mail
attachment or a folder on a laptop with no internet.

:func:`export_html` draws the same map as the web page (:func:`webapp.maps.build_map`,
with the regions layer) and writes every script and stylesheet it links into the page
itself, with the images those stylesheets point at turned into ``data:`` URIs. Opened
from disk the page asks for nothing; only the OpenStreetMap layer, off until a reader
ticks it, would go online. A Content-Security-Policy in the page says the same to the
browser, so nothing that slipped into the page could fetch anything either.

Library code is not ours to trust with the HTML parser: a ``</script`` or ``<!--`` in a
string of it would end or derail the <script> it is inlined in, so those sequences are
rewritten to forms that mean the same to JavaScript (``<\\/script``, ``<\\!--``). Report
text reaches the page only through :mod:`webapp.maps` (escaped there) and through the
title and caption, escaped here.

A large selection (more than :data:`MAX_EXPORT_EVENTS` events) is not written event by
event: :func:`export_store_html` then writes the store's clusters for the zooms a reader
uses (:mod:`webapp.standalone_clusters`), with the exact totals in the legend and a note
saying the marks are clusters; a small one is every event with its popup, as before.

No Flask here: the ``export`` command calls it, and so may anything else.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from datetime import datetime, timezone
from functools import lru_cache
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from webapp import maps
from webapp.assets import MAP_SCRIPTS, MAP_STYLES, asset_folders
from webapp.errors import DataError
from webapp.models import Event
from webapp.store.base import Filters

DEFAULT_TITLE = "Briefing map"
# Beyond this many selected events the page holds clusters, not one row per event (the
# snapshots' threshold: 2,000 markers are about as many as a map can show apart).
MAX_EXPORT_EVENTS = 2000
CLUSTER_SCRIPT = ("briefing", "briefing-clusters.js")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")
_SCRIPT_END = re.compile(r"</(script)", re.I)
_STYLE_END = re.compile(r"</(style)", re.I)

PAGE_CSS = """
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; }
.export-map { flex: 1 1 auto; min-height: 0; position: relative; }
.export-caption { flex: none; margin: 0; padding: 3px 10px; font: 12px/1.4 system-ui,
  -apple-system, "Segoe UI", sans-serif; color: #3e4c59; background: #f5f7fa;
  border-top: 1px solid #d9dee3; }
.briefing-cluster { background: none; border: none; }
.briefing-cluster svg { display: block; overflow: visible; }
"""


def export_html(events: list[Event], *, title: str = DEFAULT_TITLE,
                filters: Filters | None = None, exported: datetime | None = None) -> str:
    """The whole page, as text, for ``events``; ``filters`` (the keyword arguments
    given to ``EventStore.query``) are described in the caption under the map, with
    ``exported`` (now, by default) as the time the file was made."""
    from webapp.regions import Regions   # loads the admin-1 areas: only when drawing

    title = title or DEFAULT_TITLE
    fmap = maps.build_map(events, Regions.load().aggregate(events, by_type=False),
                          title=title, inline_admin1=True)   # no server to fetch from
    line = caption(len(events), filters or Filters(), exported or datetime.now(timezone.utc))
    return _page(fmap, title, line)


def export_store_html(store, filters: Filters, *, title: str = DEFAULT_TITLE,
                      exported: datetime | None = None) -> tuple[str, int]:
    """(the page, how many events it stands for) for the events ``filters`` selects in
    ``store``: every event when at most :data:`MAX_EXPORT_EVENTS` are selected, else
    the store's clusters with the exact totals."""
    from webapp.standalone_clusters import cluster_map

    exported = exported or datetime.now(timezone.utc)
    count = store.count(filters)
    if count <= MAX_EXPORT_EVENTS:
        return export_html(store.query(filters), title=title, filters=filters,
                           exported=exported), count
    title = title or DEFAULT_TITLE
    fmap, marks = cluster_map(store, filters, title=title)
    line = caption(count, filters, exported)
    return _page(fmap, title, line, [CLUSTER_SCRIPT]), count


def _page(fmap, title: str, line: str, scripts=()) -> str:
    """The whole page of ``fmap``, its assets written in, with the caption ``line``
    (escaped already) under the map."""
    fmap.default_js, fmap.default_css = [], []   # written into the page below instead
    parts = maps.map_parts(fmap)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{page_policy()}">\n'
        f"<title>{escape(title)}</title>\n{inlined_assets(tuple(scripts))}\n"
        f"{parts['head']}\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n"
        f"<div class=\"export-map\">{parts['body']}</div>\n"
        f'<p class="export-caption">{line}</p>\n'
        f"{parts['script']}\n</body>\n</html>\n")


def page_policy() -> str:
    """What the page may load: its own inline scripts and styles, data: images, and the
    tile server's images for the optional online layer; nothing else, nowhere."""
    tiles = urlsplit(maps.OSM_TILES)
    return ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            f"img-src data: {tiles.scheme}://{tiles.netloc}; base-uri 'none'; "
            "form-action 'none'")


# -- the caption --------------------------------------------------------------------

def caption(count: int, filters: Filters, exported: datetime) -> str:
    """One escaped line: how many events, chosen how (the words a snapshot's title
    uses), exported when."""
    from webapp.snapshot.caption import filters_text
    noun = "event" if count == 1 else "events"
    chosen = filters
    if chosen == Filters():
        what = f"All {count:,} stored {noun}"
    elif chosen.types:
        what = f"{count:,} {noun}: {filters_text(chosen)}"
    else:
        what = filters_text(chosen, everything=f"{count:,} {noun}")
    when = exported.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return escape(f"{what}. Exported {when}.")


# -- the libraries, inlined ---------------------------------------------------------

@lru_cache(maxsize=2)
def inlined_assets(extra_scripts: tuple = ()) -> str:
    """The map's stylesheets and scripts (webapp.assets' lists, then
    ``extra_scripts``) as inline elements, stylesheets first, as the web page links
    them."""
    folders = asset_folders()
    blocks = []
    for prefix, name in MAP_STYLES:
        path = _asset(folders, prefix, name)
        css = inline_css_urls(path.read_text(encoding="utf-8"), path.parent)
        blocks.append(f"<style>\n{style_text(css)}\n</style>")
    for prefix, name in [*MAP_SCRIPTS, *extra_scripts]:
        path = _asset(folders, prefix, name)
        blocks.append(f"<script>\n{script_text(path.read_text(encoding='utf-8'))}\n</script>")
    return "\n".join(blocks)


def script_text(code: str) -> str:
    """JavaScript that cannot end or derail the <script> element holding it. Both
    sequences can only sit inside strings, regular expressions or comments of working
    code, where the rewritten forms mean the same."""
    return _SCRIPT_END.sub(r"<\\/\1", code).replace("<!--", "<\\!--")


def style_text(css: str) -> str:
    """CSS that cannot end the <style> element holding it (``\\/`` is ``/`` to CSS)."""
    return _STYLE_END.sub(r"<\\/\1", css)


def inline_css_urls(css: str, folder: Path) -> str:
    """The stylesheet with each file it points at (Leaflet's layers.png and so on)
    written in as a data: URI; fragment references (``#default#VML``) are left alone."""
    def data_uri(found: re.Match) -> str:
        target = found.group(2).strip()
        if not target or target.startswith(("#", "data:")):
            return found.group(0)
        if urlsplit(target).scheme or target.startswith("//"):
            raise DataError(f"a map stylesheet points online ({target}); "
                            "the exported page could not work offline")
        path = (folder / urlsplit(target).path).resolve()
        if not path.is_file():
            raise DataError(f"a map stylesheet points at {target}, which is missing")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'url("data:{kind};base64,{encoded}")'

    return _CSS_URL.sub(data_uri, css)


def _asset(folders: dict[str, Path], prefix: str, name: str) -> Path:
    path = folders[prefix] / name
    if not path.is_file():
        raise DataError(f"the map asset {prefix}/{name} is missing; "
                        "run `pip install -r requirements.txt`")
    return path
