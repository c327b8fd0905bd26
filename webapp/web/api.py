"""The JSON API under ``/api``: events, region totals, the type vocabulary with counts,
the geocoder, and posting articles.

Every error is a JSON body ``{"error": "..."}`` with a 4xx/5xx status (see
:func:`webapp.web.error_response`); the filters are those of :mod:`.filters`.
"""

from __future__ import annotations

import io
import json
from datetime import date
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from webapp.errors import BadQueryError, FilterError
from webapp.extract.budget import UnreadableTextError, check_text
from webapp.geocoder.user_places import keep_current
from webapp.models import Article, vocabulary
from webapp.web import FORM_TYPES, auth, csrf, error_response, get_store, jobs, services
from webapp.store.base import MAX_ZOOM, Filters
from webapp.web import filters as webfilters
from webapp.web import live, paging

bp = Blueprint("api", __name__)

GEOJSON = "application/geo+json"
MAX_CONTEXT_CHARS = 100_000   # geocode's context: an article's worth of text
MAX_TITLE_CHARS = 500         # as the file ingester keeps them


class ArticleError(ValueError):
    """A posted article that cannot be taken as it is (the poster's mistake)."""


# -- reading ------------------------------------------------------------------------

def type_counts(store, view: Filters) -> dict[str, dict[str, int]]:
    """{"event_type": {...}, "sub_event_type": {...}, "category": {...}} for a view."""
    return {by: store.counts(view, by=by)
            for by in ("event_type", "sub_event_type", "category")}


def geojson_text(events) -> str:
    from webapp.interchange.geojson import write_geojson

    out = io.StringIO()
    write_geojson(events, out)
    return out.getvalue()


@bp.get("/events")
def events():
    """One page of the filtered events, newest first, as the export's GeoJSON
    FeatureCollection with the number that match in all (``total``) and the URL of the
    next page (``next``, null after the last); with ``newer_than=M``, also ``new``: the
    ids of the page's events stored after marker M (:mod:`webapp.web.live`)."""
    view = webfilters.parse(request.args)
    limit = webfilters.positive_int(request.args, "limit", current_app.config["MAX_PAGE"])
    limit = limit or current_app.config["PAGE_SIZE"]
    after = paging.read_cursor(webfilters.single(request.args, "after"), view)
    newer_than = live.read_marker(request.args, "newer_than")
    store = get_store()
    page = store.page(view, limit, after)
    following = paging.next_page_url(view, limit, page.next_after)
    fresh = live.new_in_page(store, page.events, newer_than)
    body = geojson_text(page.events).rstrip()[:-1] + (
        f', "total": {page.total:d}, "next": {json.dumps(following)}'
        + ("" if fresh is None else f', "new": {json.dumps(fresh)}') + "}\n")
    return Response(body, mimetype=GEOJSON)


@bp.get("/events.geojson", defaults={"fmt": "geojson"})
@bp.get("/events.csv", defaults={"fmt": "csv"})
def download(fmt: str):
    """Every filtered event as one file (GeoJSON or ACLED CSV), written while it is
    read: a million events never sit in the server's memory."""
    from webapp.interchange import acled_csv_parts, geojson_parts

    view = webfilters.parse(request.args)
    parts = (geojson_parts if fmt == "geojson" else acled_csv_parts)(
        get_store().iter_events(view))
    mimetype = GEOJSON if fmt == "geojson" else "text/csv"
    response = Response(stream_with_context(parts), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="events.{fmt}"'
    return response


@bp.get("/events/<event_id>")
def event(event_id: str):
    """One event as a GeoJSON Feature, with its popup's (escaped) HTML and the outline
    of its line or area, for the map to show when it is clicked; for a logged-in user
    also its ``history``: the corrections later reports made to it."""
    from webapp.interchange.geojson import feature
    from webapp.map_html import popup_html
    from webapp.assets import country_names
    from webapp.maps import outline_geojson

    found = get_store().get_event(event_id[:200])
    if found is None:
        return {"error": f"no event {event_id[:80]!r}"}, 404
    body = feature(found)
    body["popup"] = popup_html(found, country_names())
    body["outline"] = outline_geojson(found.geometry)
    if g.get("user") is not None:   # who corrected what, for those logged in
        body["history"] = [{"at": h.at, "article": h.article_hash, "old": h.old,
                            "new": h.new} for h in get_store().event_history(found.event_id)]
    return body


@bp.get("/clusters")
def clusters():
    """The map's marks for one view: the filtered events in ``bbox`` gathered into the
    cells of a grid fitted to ``zoom``, as a GeoJSON FeatureCollection; every feature
    has ``count`` (1 for a single event, with its ``event_id``) and ``types``; with
    ``newer_than=M``, ``new`` on the marks holding events stored after marker M."""
    from webapp.store.cells import fitting_zoom

    view = webfilters.parse(request.args)
    asked = webfilters.whole_number(request.args, "zoom", 0, MAX_ZOOM, required=True)
    newer_than = live.read_marker(request.args, "newer_than")
    # A view wider than a few screens at a close zoom is answered at a coarser one:
    # the marks still count every event, and the answer stays small.
    zoom = fitting_zoom(view.bbox, asked, current_app.config["MAX_VIEW_CELLS"])
    store = get_store()
    zoom = store.answer_zoom(view, zoom)
    found = store.clusters(view, zoom)
    features = [{"type": "Feature",
                 "geometry": {"type": "Point", "coordinates": [c.longitude, c.latitude]},
                 "properties": _cluster_properties(c)} for c in found]
    body = {"type": "FeatureCollection", "features": features, "zoom": zoom,
            "asked_zoom": asked, "total": sum(c.count for c in found),
            **live.mark_clusters(store, view, zoom, features, newer_than)}
    return Response(json.dumps(body, separators=(",", ":")), mimetype=GEOJSON)


def _cluster_properties(c) -> dict:
    props = {"count": c.count, "types": c.by_type, "bbox": list(c.bounds),
             "fatalities": c.fatalities}
    if c.count == 1:
        props.update(event_id=c.event_id, event_type=c.event_type, category=c.category)
    return props


@bp.get("/regions")
def regions():
    """Events and fatalities per admin-1 region (and event type, unless by_type=0), as
    JSON rows or, with format=geojson, as features with the region's outline."""
    from webapp.regions import Regions

    view = webfilters.parse(request.args)
    by_type = webfilters.flag(request.args, "by_type") if "by_type" in request.args else True
    fmt = (request.args.get("format") or "json").strip().lower()
    if fmt not in ("json", "geojson"):
        raise FilterError(f"format must be json or geojson, not {fmt[:20]!r}")
    table = Regions.load().totals_table(get_store().region_totals(view, by_type=by_type),
                                        by_type=by_type)
    if fmt == "geojson":
        # GeoDataFrame.to_json writes NaN-free JSON with null for missing outlines
        return Response(table.to_json(drop_id=True), mimetype=GEOJSON)
    rows = json.loads(table.drop(columns="geometry").to_json(orient="records"))
    return {"by_type": by_type, "regions": rows}


@bp.get("/types")
def types():
    """The vocabulary (event types with their sub-event types, and categories), with
    colours and the number of events of each for the current filters."""
    view = webfilters.parse(request.args)
    counts = type_counts(get_store(), view)
    return vocabulary_with_counts(counts)


def vocabulary_with_counts(counts: dict[str, dict[str, int]]) -> dict:
    vocab = vocabulary()
    return {
        "total": sum(counts["event_type"].values()),
        "event_types": [
            {"name": name, "color": info["color"], "count": counts["event_type"].get(name, 0),
             "sub_event_types": [{"name": sub, "color": info["color"],
                                  "count": counts["sub_event_type"].get(sub, 0)}
                                 for sub in info["sub_event_types"]]}
            for name, info in vocab["event_types"].items()],
        "categories": [
            {"name": name, "label": info["label"], "color": info["color"],
             "description": info["description"],
             "count": counts["category"].get(name, 0)}
            for name, info in vocab["categories"].items()],
    }


@bp.get("/geocode")
def geocode():
    """The geocoder's raw answer for ``q`` (with optional ``context`` text)."""
    query = request.args.get("q", "")
    context = request.args.get("context") or None
    if not query.strip():
        raise BadQueryError("q is empty: give a place name, e.g. /api/geocode?q=Rafah")
    if context is not None and len(context) > MAX_CONTEXT_CHARS:
        raise BadQueryError(f"context is longer than {MAX_CONTEXT_CHARS:,} characters")
    keep_current(services().geocoder, get_store())   # the store's user places too
    found = services().geocoder.geocode(query, exactly_one=True, context=context)
    if not found:
        shown = " ".join(query.split())[:80]
        return {"error": f"not found: {shown!r}", "query": shown}, 404
    return found.raw


@bp.get("/openapi.json")
def openapi():
    """This API described in OpenAPI 3.1 (see :mod:`webapp.web.openapi`)."""
    from webapp.web.openapi import document

    return document(request.script_root)


# -- writing ------------------------------------------------------------------------

@bp.post("/articles")
def post_article():
    """Extract an article's events and store them.

    JSON ``{"title", "text", "published", "url"}`` answers 201 with the events as a
    FeatureCollection (plus ``article`` and ``map_url``), or 200 ``{"duplicate": true}``
    when the same text is already stored. A longer text (``ASYNC_ARTICLE_BYTES``) or a
    JSON list of articles (a batch) is a job: 202 with its status URL in ``Location``
    (:mod:`webapp.web.jobs`). A form post (the paste page) is redirected to the map of
    the article's events (or to the job's page), or shown the paste page again with the
    problem.
    Needs an editor (:mod:`webapp.web.auth`): an API token, or the session cookie with
    its CSRF token.
    """
    if request.mimetype in FORM_TYPES:
        return _post_form()
    if not request.is_json:
        return {"error": "send the article as JSON (Content-Type: application/json) or "
                         "as a form"}, 415
    data = request.get_json(silent=True)
    if isinstance(data, list):
        return _post_batch(data)
    if not isinstance(data, dict):
        return {"error": "the body is not a JSON object like "
                         '{"title": ..., "text": ..., "published": "YYYY-MM-DD"}'}, 400
    try:
        article = make_article(data)
    except ArticleError as err:
        return {"error": str(err)}, 400
    if jobs.is_large(article):
        return jobs.accepted(jobs.submit_articles([article], [_map_url(article.content_hash)]))
    stored, found = _store(article)
    map_url = _map_url(article.content_hash)
    if not stored:
        return {"duplicate": True, "article": article.content_hash, "map_url": map_url}, 200
    body = geojson_text(found)
    # foreign members of the FeatureCollection, after its own
    body = body.rstrip()[:-1] + (f', "article": {json.dumps(article.content_hash)}, '
                                 f'"map_url": {json.dumps(map_url)}}}\n')
    return Response(body, status=201, mimetype=GEOJSON,
                    headers={"Location": url_for("api.events", article=article.content_hash)})


def _post_form():
    # Who may post, and that the form came from this server's paste page for this
    # browser (its CSRF token, no foreign Origin), is settled by webapp.web.auth
    # before this runs; a refused form is answered by _form_refused below.
    form = request.form
    upload = request.files.get("file")
    text = form.get("text", "")
    if upload is not None and upload.filename:
        data = upload.read(current_app.config["MAX_ARTICLE_BYTES"] + 1)
        if text.strip():
            return _form_error("Give the article's text or a file, not both.")
        if b"\x00" in data[:8192]:
            return _form_error(f"{upload.filename} is a binary file, not text.")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            return _form_error(f"{upload.filename} is not UTF-8 text (byte {err.start}).")
    fields = {"title": form.get("title", ""), "text": text,
              "published": form.get("published", ""), "url": form.get("url", "")}
    try:
        article = make_article(fields)
    except ArticleError as err:
        return _form_error(str(err))
    if jobs.is_large(article):
        job = jobs.submit_articles([article], [_map_url(article.content_hash)])
        return redirect(url_for("jobs.page", job_id=job.id), code=303)
    stored, found = _store(article)
    notice = f"stored-{len(found)}" if stored else "duplicate"
    return redirect(_map_url(article.content_hash, notice=notice), code=303)


@auth.on_refusal("api.post_article")
def _form_refused(problem: str):
    if request.mimetype not in FORM_TYPES:   # a script's JSON body
        return error_response(403, "This request carries no valid CSRF token (the "
                                   f"{csrf.HEADER} header) or came from another site, so "
                                   "nothing was stored. Scripts may use an API token "
                                   "instead (Authorization: Bearer).")
    if problem == "origin":
        return _form_error("This form can only be sent from the briefing map's own "
                           "paste page. Nothing was stored.", 403)
    again = ("Choose the file again and send it." if _has_upload()
             else "Your text is kept below: send it again.")
    return _form_error("This form has expired or did not come from the briefing "
                       f"map's paste page, so nothing was stored. {again}", 403)


def _post_batch(items: list):
    """A JSON list of articles: checked whole (one bad item refuses the batch, nothing
    stored), then extracted and stored by a job (202)."""
    most = current_app.config["MAX_BATCH_ARTICLES"]
    if not items or len(items) > most:
        return {"error": f"a batch holds 1 to {most} articles, not {len(items)}"}, 400
    articles = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            return {"error": f"article {number} of the batch is not a JSON object"}, 400
        try:
            articles.append(make_article(item))
        except ArticleError as err:
            return {"error": f"article {number} of the batch: {err}"}, 400
    return jobs.accepted(jobs.submit_articles(
        articles, [_map_url(a.content_hash) for a in articles], batch=True))


def _form_error(message: str, status: int = 400):
    if not _wants_html():
        return {"error": message}, status
    return render_template("paste.html", error=message, values=request.form,
                           today=date.today().isoformat()), status


def _has_upload() -> bool:
    upload = request.files.get("file")
    return upload is not None and bool(upload.filename)


def _wants_html() -> bool:
    accept = request.accept_mimetypes
    return accept["text/html"] >= accept["application/json"]


def _store(article: Article) -> tuple[bool, list]:
    """(stored?, the events extracted) — nothing is stored for a duplicate. Read while
    the client waits, so bounded: a short text built to be slow stops at
    REQUEST_TIME_LIMIT (ExtractionTimeout, answered 422) instead of holding a thread."""
    extractor = services().extractor
    keep_current(extractor.geocoder, get_store())
    found = extractor.events(article, time_limit=current_app.config["REQUEST_TIME_LIMIT"])
    return get_store().add_article(article, found, by=g.user.name), found


def _map_url(content_hash: str, **extra) -> str:
    return url_for("views.index") + "?" + urlencode([("article", content_hash),
                                                     *extra.items()])


def make_article(data: dict) -> Article:
    """An :class:`Article` from posted fields, or :class:`ArticleError` saying why not."""
    for name in ("title", "text", "published", "url"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ArticleError(f"{name} must be text, not {type(value).__name__}")
    try:   # the extractor's own check, before anything is read or queued
        check_text(**{name: data.get(name) for name in ("title", "text", "published", "url")})
    except UnreadableTextError as err:
        raise ArticleError(str(err)) from err
    text = (data.get("text") or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ArticleError("the article's text is empty")
    limit = current_app.config["MAX_ARTICLE_BYTES"]
    if len(text.encode("utf-8")) > limit:
        raise ArticleError(f"the article's text is over {limit / 2**20:g} MB")
    if "\x00" in text:
        raise ArticleError("the article's text contains NUL characters (a binary file?)")
    title = " ".join((data.get("title") or "").split())
    if not title:  # as for text files: the first line is the headline
        title = text.strip().splitlines()[0].strip()
    title = title[:MAX_TITLE_CHARS]
    published = _published(data.get("published"))
    url = (data.get("url") or "").strip()
    if url and not _is_web_address(url):
        raise ArticleError(f"url must be an http(s) address, not {url[:60]!r}")
    return Article(title=title, text=text, published=published, url=url,
                   source=url or "posted to the briefing map")


def _is_web_address(url: str) -> bool:
    if len(url) > 2000 or any(ord(c) < 33 for c in url):
        return False
    try:   # urlsplit raises ValueError for a broken IPv6 host ("https://[::1")
        parts = urlsplit(url)
        parts.port   # and reading the port checks it: "https://x:99999" has none
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _published(value: str | None) -> date | None:
    from webapp.ingest import parse_date

    value = (value or "").strip()
    if not value:
        return None
    found = parse_date(value)
    if found is None or not 1900 <= found.year <= 2100:
        raise ArticleError(f"published must be a date such as 2024-05-03, not {value[:40]!r}")
    return found
