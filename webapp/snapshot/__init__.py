"""Map snapshots for reports: a filtered view of the events as PNG, SVG or PDF.

:func:`marks_for` asks the store what a picture draws (single events when few are in its
frame, the store's clusters otherwise) and its exact totals; :func:`render_snapshot`
draws those marks and is the one entry point for the CLI and the web layer. A PNG is
photographed by headless Chromium from the map page itself when a browser is given
(:mod:`webapp.snapshot.browser`, :mod:`webapp.snapshot.page`), so the picture looks like
the map; SVG and PDF, and PNG with no browser or a browser that fails, are drawn by
matplotlib (:mod:`webapp.snapshot.static_render`). The caller learns which one drew.
"""

from __future__ import annotations

import logging

from webapp.errors import SnapshotError
from webapp.models import Event
from webapp.snapshot.marks import MAX_SINGLE_MARKS, Marks, as_marks, marks_for
from webapp.snapshot.spec import FORMATS, SnapshotSpec, check_format, make_spec

__all__ = ["FORMATS", "MAX_SINGLE_MARKS", "Marks", "SnapshotError", "SnapshotSpec",
           "check_format", "make_spec", "marks_for", "render_snapshot", "render_static"]

RENDERER_NAMES = ("auto", "chromium", "matplotlib")

log = logging.getLogger(__name__)


def render_static(events, spec, fmt):
    """Draw with matplotlib (:func:`webapp.snapshot.static_render.render_static`),
    imported only when a picture is drawn: importing it costs half a second, and the
    brief's PDF starts Chromium from this package before drawing anything."""
    from webapp.snapshot.static_render import render_static as draw

    return draw(events, spec, fmt)


def _matplotlib(events, spec, fmt, browser):
    return render_static(events, spec, fmt)


def _chromium(events, spec, fmt, browser):
    from webapp.snapshot.page import snapshot_html

    if browser is None:
        raise SnapshotError("no browser to draw the snapshot with")
    if fmt != "png":
        raise SnapshotError(f"the browser draws PNG only, not {fmt}")
    html = snapshot_html(events, spec, static_url=getattr(browser, "static_url", "/static"))
    return browser.render_png(html, spec.width, spec.height)


# name -> callable(events, spec, fmt, browser) -> bytes
_RENDERERS = {"chromium": _chromium, "matplotlib": _matplotlib}


def _pick(renderer: str, fmt: str, browser) -> str:
    """The renderer that will draw: "auto" means the best one available for ``fmt``."""
    if renderer == "auto":
        return "chromium" if fmt == "png" and browser is not None else "matplotlib"
    if renderer not in _RENDERERS:
        raise SnapshotError(f"renderer must be one of {', '.join(RENDERER_NAMES)}, "
                            f"not {str(renderer)[:20]!r}")
    return renderer


def render_snapshot(events: Marks | list[Event], spec: SnapshotSpec, fmt: str = "png",
                    renderer: str = "auto", browser=None) -> tuple[bytes, str]:
    """(file bytes, name of the renderer that drew them) for ``events`` (marks from
    :func:`marks_for`, or a list of events) as ``fmt``."""
    fmt = check_format(fmt)
    events = as_marks(events)
    name = _pick(renderer, fmt, browser)
    try:
        return _RENDERERS[name](events, spec, fmt, browser), name
    except SnapshotError as err:
        if renderer != "auto" or name == "matplotlib":
            raise
        # The browser was restarted and tried twice already: a picture from the other
        # renderer serves the user better than an error.
        log.warning("Chromium snapshot failed, drawn by matplotlib instead: %s", err)
        return render_static(events, spec, fmt), "matplotlib"
