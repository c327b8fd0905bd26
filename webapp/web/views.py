"""The pages: the map with its filters and event list (``/``), the paste page
(``/paste``), and the map's own scripts and styles (``/static/<prefix>/...``), so that
the page needs nothing from another server."""

from __future__ import annotations

from datetime import date
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
from webapp.web import filters as webfilters
from webapp.web import get_store
from webapp.web.api import matching_events, type_counts, vocabulary_with_counts

bp = Blueprint("views", __name__)

NOTICES = {"duplicate": "This article was already stored: here are its events."}


@bp.get("/")
def index():
    """The map of the events matching the URL's filters, with the filter form, the
    legend and counts, and the list of events."""
    view = webfilters.parse(request.args)  # a bad value: 400 before anything else
    if webfilters.has_blanks(request.args):
        # A submitted form sends its empty fields too: go to the clean URL of the same
        # view, so what is bookmarked or shared says only what is filtered.
        return redirect(_url(view.args() + _kept_args()))
    from webapp import maps
    from webapp.regions import Regions

    store = get_store()
    limit = current_app.config["MAP_LIMIT"]
    events = matching_events(store, view, limit)
    counts = type_counts(store, view)
    total = sum(counts["event_type"].values())
    facets = vocabulary_with_counts(type_counts(store, view.without_types()))
    region_totals = Regions.load().aggregate(events, by_type=False)
    fit = None
    if view.bbox:  # the map opens on the area asked for, even where nothing happened
        west, south, east, north = view.bbox
        fit = (south, west, north, east if east >= west else east + 360)
    title = current_app.config["TITLE"]
    fmap = maps.build_map(events, region_totals, static_url=_static_root(), title=title,
                          fit=fit)
    parts = maps.map_parts(fmap)
    query = urlencode(view.args())
    return render_template(
        "map.html", title=title, view=view, events=events, total=total, limit=limit,
        counts=counts, facets=facets, vocab=vocabulary(), parts=parts,
        placed=sum(1 for e in events if e.latitude is not None),
        geojson_url=url_for("api.events") + (f"?{query}" if query else ""),
        regions_url=url_for("api.regions", format="geojson") + (f"&{query}" if query else ""),
        notice=_notice(request.args.get("notice", ""), view),
        type_labels=_type_labels())


@bp.get("/paste")
def paste():
    """A form to paste or upload an article; it posts to ``/api/articles``."""
    return render_template("paste.html", error=None, values={},
                           today=date.today().isoformat())


@bp.get("/static/<prefix>/<path:filename>")
def assets(prefix: str, filename: str):
    """The map's scripts, styles and images, from the folders maps.asset_folders() names."""
    folder = _asset_folders().get(prefix)
    if folder is None:
        abort(404)
    # send_from_directory refuses paths that leave the folder ("../")
    return send_from_directory(folder, filename, max_age=24 * 3600)


@bp.get("/favicon.ico")
def favicon():
    return "", 204


def _asset_folders() -> dict:
    from webapp import maps

    folders = getattr(maps, "asset_folders", None)
    if folders is None:  # kept beside the other asset helpers, in webapp.assets
        from webapp.assets import asset_folders as folders
    return folders()


def _static_root() -> str:
    return request.script_root + "/static"


def _url(args: list[tuple[str, str]]) -> str:
    query = urlencode(args)
    return url_for("views.index") + (f"?{query}" if query else "")


def _kept_args() -> list[tuple[str, str]]:
    """Parameters of the page that are not filters (kept through the clean-URL redirect)."""
    notice = request.args.get("notice", "").strip()
    return [("notice", notice)] if notice else []


def _notice(value: str, view: webfilters.ViewFilters) -> str | None:
    """The banner after a paste: how many events the new article gave, or that it was
    already stored. Only meaningful on an article's view."""
    if not view.article or not value:
        return None
    if value in NOTICES:
        return NOTICES[value]
    if value.startswith("stored-") and value[7:].isdigit():
        count = int(value[7:])
        return (f"Article stored: {count} event{'s' if count != 1 else ''} extracted."
                if count else "Article stored, but no events were found in it.")
    return None


def _type_labels() -> dict[str, str]:
    """Category -> its label ("strike" -> "Strike or shelling"), for the event list."""
    return {name: info["label"] for name, info in vocabulary()["categories"].items()}
