"""The pages: the map with its filters and event list (``/``), the map alone for
other sites' <iframe>s (``/embed``), the paste page (``/paste``), and the map's own scripts and styles (``/static/<prefix>/...``), so that
the page needs nothing from another server."""

from __future__ import annotations

import re
from datetime import date
from html import escape
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from webapp.models import vocabulary
from webapp.store.base import Filters
from webapp.web import filters as webfilters
from webapp.web import get_store, paging
from webapp.web.api import type_counts, vocabulary_with_counts
from webapp.web.auth import requires

bp = Blueprint("views", __name__)

NOTICES = {"duplicate": "This article was already stored: here are its events."}
# serve's own address by default, for an app made without `serve` (tests, embedding)
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000/"
LIST_PAGE = 100   # events in the side list at first, and per "More"
_STORED_NOTICE = re.compile(r"stored-([0-9]{1,9})", re.ASCII)   # not isdigit(): "²" is one


@bp.get("/")
def index():
    """The map of the events matching the URL's filters (asked of the API view by view,
    none in the page), with the filter form, the legend and counts, and the list of
    events (the newest page of them, and a button for more)."""
    view = webfilters.parse(request.args)  # a bad value: 400 before anything else
    if webfilters.has_blanks(request.args):
        # A submitted form sends its empty fields too: go to the clean URL of the same
        # view, so what is bookmarked or shared says only what is filtered.
        return redirect(_url(view.args() + _kept_args()))
    store = get_store()
    listed = store.page(view, LIST_PAGE)
    counts = type_counts(store, view)
    legend = _legend_counts(store, view, counts)
    facets = vocabulary_with_counts(type_counts(store, view.without_types()))
    title = current_app.config["TITLE"]
    query = urlencode(view.args())
    more_url = paging.next_page_url(view, LIST_PAGE, listed.next_after)
    return render_template(
        "map.html", title=title, view=view, events=listed.events, total=listed.total,
        more_url=more_url, counts=counts, unplaced=legend.unplaced, facets=facets,
        vocab=vocabulary(), parts=_map_parts(store, view, legend),
        geojson_url=url_for("api.download", fmt="geojson") + (f"?{query}" if query else ""),
        regions_url=url_for("api.regions", format="geojson") + (f"&{query}" if query else ""),
        snapshot_url=request.script_root + "/snapshot.png" + (f"?{query}" if query else ""),
        brief_url=url_for("briefs.brief") + (f"?{query}" if query else ""),
        embed_code=_embed_code(view, title),
        notice=_notice(request.args.get("notice", ""), view),
        type_labels=_type_labels(), timeline=_timeline(store, view),
        category_colours={name: info["color"]
                          for name, info in vocabulary()["categories"].items()})


def _timeline(store, view: Filters):
    """Bars of events per day (week, month) for the view with its dates left open, each
    linked to the view narrowed to that time."""
    from dataclasses import replace

    from webapp.web import timeline

    open_view = replace(view, since=None, until=None)
    days = store.counts(open_view, by="event_date")
    built = timeline.build(days, view.since, view.until)
    if built is None:
        return None
    links = [_url(replace(view, since=bar.first.isoformat(),
                          until=bar.last.isoformat()).args()) for bar in built.bars]
    return {"timeline": built, "links": links, "all_url": _url(open_view.args())}


@bp.get("/embed")
def embed():
    """The map of the same view as ``/`` and nothing else, to show in an <iframe> on
    another site (the security headers let any site frame this page alone)."""
    view = webfilters.parse(request.args)
    store = get_store()
    return render_template("embed.html", title=current_app.config["TITLE"],
                           parts=_map_parts(store, view, _legend_counts(store, view)),
                           full_url=_url(view.args()))


@bp.get("/static/land.geojson")   # webapp.assets.land_url's path
@requires(None)   # the land is nobody's data
def land():
    """The map's land layer (country outlines thinned for the page), one file that the
    browser keeps: its URL carries the file's digest, so a new outline is a new URL."""
    from webapp.assets import CACHE_SECONDS, land_geojson, land_version

    response = current_app.response_class(land_geojson(), mimetype="application/geo+json")
    response.set_etag(land_version())
    if request.args.get("v") == land_version():
        response.cache_control.public = True
        response.cache_control.max_age = CACHE_SECONDS["geodata"]
    else:
        response.cache_control.max_age = 3600
    return response.make_conditional(request)


@bp.get("/paste")
@requires("editor")
def paste():
    """A form to paste or upload an article; it posts to ``/api/articles``. For
    editors: anyone else is sent to log in, or told their role is too low."""
    return render_template("paste.html", error=None, values={},
                           today=date.today().isoformat())


@bp.get("/static/<prefix>/<path:filename>")
@requires(None)   # the login page's too; nothing in them is the store's
def assets(prefix: str, filename: str):
    """The map's scripts, styles and images, from the folders maps.asset_folders() names."""
    from webapp.assets import CACHE_SECONDS, asset_folders

    folder = asset_folders().get(prefix)
    if folder is None:
        abort(404)
    # send_from_directory refuses paths that leave the folder ("../")
    return send_from_directory(folder, filename,
                               max_age=CACHE_SECONDS.get(prefix, 24 * 3600))


@bp.get("/favicon.ico")
@requires(None)
def favicon():
    return "", 204


def _map_parts(store, view: Filters, legend) -> dict[str, str]:
    """The map of a view (its events asked of the API by the browser), in
    maps.map_parts' pieces."""
    from webapp import live_map, maps

    if view.bbox:  # the map opens on the area asked for, even where nothing happened
        west, south, east, north = view.bbox
        fit = (south, west, north, east if east >= west else east + 360)
    else:
        fit = live_map.events_extent(store, view)
    query = urlencode([(k, v) for k, v in view.args() if k != "bbox"])
    source = live_map.LiveSource(
        clusters_url=url_for("api.clusters"), events_url=url_for("api.events"),
        event_url=url_for("api.event", event_id=live_map.EVENT_ID),
        regions_url=url_for("api.regions", format="geojson", by_type=0,
                            **paging.url_args(view)),
        query=query, bbox=view.bbox, changes_url=url_for("live.changes"),
        marker=store.latest_marker())
    fmap = live_map.build_live_map(source, legend, static_url=_static_root(),
                                   title=current_app.config["TITLE"], fit=fit)
    return maps.map_parts(fmap)


def _legend_counts(store, view: Filters, counts: dict | None = None):
    from webapp.live_map import legend_counts   # folium: only when a map is drawn

    return legend_counts(store, view, counts)


def _embed_code(view: Filters, title: str) -> str:
    """The <iframe> snippet that shows this view on another page (as text: the page
    escapes it again to show it)."""
    query = urlencode(view.args())
    # The configured address, never the request's Host: a snippet copied from a page
    # reached under another name must still point at the map.
    base = current_app.config["PUBLIC_URL"] or DEFAULT_PUBLIC_URL
    path = url_for("views.embed").removeprefix(request.script_root).lstrip("/")
    src = base + path + (f"?{query}" if query else "")
    return (f'<iframe src="{escape(src)}" width="800" height="500" style="border:0" '
            f'title="{escape(title)}" loading="lazy" allowfullscreen></iframe>')


def _static_root() -> str:
    return request.script_root + "/static"


def _url(args: list[tuple[str, str]]) -> str:
    query = urlencode(args)
    return url_for("views.index") + (f"?{query}" if query else "")


def _kept_args() -> list[tuple[str, str]]:
    """Parameters of the page that are not filters (kept through the clean-URL redirect)."""
    notice = request.args.get("notice", "").strip()
    return [("notice", notice)] if notice else []


def _notice(value: str, view: Filters) -> str | None:
    """The banner after a paste: how many events the new article gave, or that it was
    already stored. Only meaningful on an article's view."""
    if not view.article or not value:
        return None
    if value in NOTICES:
        return NOTICES[value]
    stored = _STORED_NOTICE.fullmatch(value)
    if stored:
        count = int(stored.group(1))
        return (f"Article stored: {count} event{'s' if count != 1 else ''} extracted."
                if count else "Article stored, but no events were found in it.")
    return None


def _type_labels() -> dict[str, str]:
    """Category -> its label ("strike" -> "Strike or shelling"), for the event list."""
    return {name: info["label"] for name, info in vocabulary()["categories"].items()}
