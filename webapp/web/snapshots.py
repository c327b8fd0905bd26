"""``GET /snapshot.png``: a picture of exactly the view the map page shows, for reports.

The map's filters (``type``, ``since``, ``until``, ``country``, ``region``, ``q``,
``bbox``, ``article``, ``include_flagged``) plus ``width``, ``height`` (pixels, 200 to
4,000), ``title`` and ``view`` (``west,south,east,north``: the part of the map to show,
as the reader had it on screen; unlike ``bbox`` it leaves no event out). Few events in the picture are drawn one by one; more than
``MAX_SINGLE_MARKS`` (2,000) in view are drawn as the store's clusters, and the legend
says so; its counts are the store's exact totals either way. The application's one warm
Chromium draws the map page itself
(:mod:`webapp.snapshot`); with no browser installed, or when it fails twice in a row, the
matplotlib renderer draws it instead. The ``X-Snapshot-Renderer`` header says which.
An empty selection is still a picture, saying that no events match.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, request

from webapp.errors import FilterError, SnapshotError
from webapp.web import filters as webfilters
from webapp.web import get_store, services

bp = Blueprint("snapshots", __name__)

PICTURE_NAMES = ("width", "height", "title", "view")   # make_spec's own arguments
KNOWN = frozenset(webfilters.NAMES) | frozenset(PICTURE_NAMES)


@bp.get("/snapshot.png")
def png():
    from webapp.snapshot import make_spec, marks_for, render_snapshot

    webfilters.refuse_unknown(request.args, KNOWN)
    chosen = webfilters.parse(request.args)
    try:   # make_spec owns the limits on sizes, title and view, and their messages
        spec = make_spec(chosen, **{
            name: webfilters.single(request.args, name) for name in PICTURE_NAMES})
    except SnapshotError as err:   # the caller's sizes or title: a 400, not a failure
        raise FilterError(str(err)) from err
    marks = marks_for(get_store(), spec)
    picture, renderer = render_snapshot(marks, spec, "png",
                                        browser=services().snapshot_browser)
    made = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    response = Response(picture, mimetype="image/png")
    response.headers["X-Snapshot-Renderer"] = renderer
    response.headers["Content-Disposition"] = f'inline; filename="briefing-map-{made}.png"'
    response.headers["Cache-Control"] = "no-store"   # the store changes under the same URL
    return response
