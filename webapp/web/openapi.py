"""The HTTP API described in OpenAPI 3.1, served at ``/api/openapi.json``.

Built from the same constants the routes check (filter limits, snapshot sizes, the
event vocabulary), so the description cannot drift from what the server accepts. The
test suite runs schemathesis against a live server with it: every generated request
must get an answer the description allows, and never a 5xx.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from webapp.web import filters as webfilters

SCHEMAS_FILE = Path(__file__).with_name("openapi_schemas.json")
ERROR = {"$ref": "#/components/schemas/Error"}
JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"


def document(base_path: str = "") -> dict:
    """The description, its server at ``base_path`` (the app's mount point)."""
    spec = dict(_document())
    spec["servers"] = [{"url": base_path or "/"}]
    return spec


@lru_cache(maxsize=1)
def _document() -> dict:
    from webapp import __version__

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Briefing map API",
            "version": __version__,
            "description": (
                "Events extracted from news reports, typed in ACLED's vocabulary and "
                "placed on the map. Reading is open unless the server is configured "
                "otherwise; writing needs an editor's API token "
                "(`Authorization: Bearer <token>`). Every error is a JSON object "
                "`{\"error\": \"one line\"}`, except under /snapshot.png, which answers "
                "errors with a page."),
        },
        "paths": {
            "/api/events": {"get": _events()},
            "/api/events/{event_id}": {"get": _event()},
            "/api/events.geojson": {"get": _download("geojson")},
            "/api/events.csv": {"get": _download("csv")},
            "/api/clusters": {"get": _clusters()},
            "/api/changes": {"get": _changes()},
            "/api/regions": {"get": _regions()},
            "/api/types": {"get": _types()},
            "/api/geocode": {"get": _geocode()},
            "/api/places": {"get": _places()},
            "/api/articles": {"post": _articles()},
            "/api/jobs/{job_id}": {"get": _job()},
            "/api/openapi.json": {"get": _itself()},
            "/snapshot.png": {"get": _snapshot()},
        },
        "components": {
            "schemas": _schemas(),
            "responses": {
                "BadRequest": _error("A parameter or the body is not acceptable; the "
                                     "message says which and why."),
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An editor's API token."},
            },
        },
    }


# -- operations -------------------------------------------------------------------------

def _events() -> dict:
    from flask import current_app

    return {
        "summary": "One page of the filtered events as a GeoJSON FeatureCollection, "
                   "newest first, with the total and the next page's URL",
        "operationId": "events",
        "parameters": [*_filters(), _param(
            "limit", {"type": "integer", "minimum": 1,
                      "maximum": current_app.config["MAX_PAGE"]},
            f"Events per page (default {current_app.config['PAGE_SIZE']:,}; more than "
            f"{current_app.config['MAX_PAGE']:,} is refused)."),
            _param("after", {"type": "string", "maxLength": 400},
                   "The cursor in the previous page's `next` URL; only valid with the "
                   "same filters."), _newer_than()],
        "responses": {
            "200": _content(GEOJSON, {"$ref": "#/components/schemas/EventPage"},
                            "The page"),
            "400": {"$ref": "#/components/responses/BadRequest"},
            **_server_errors(),
        },
    }


def _event() -> dict:
    return {
        "summary": "One event, with its popup's HTML (escaped) and its outline",
        "operationId": "event",
        "parameters": [{"name": "event_id", "in": "path", "required": True,
                        "schema": {"type": "string", "minLength": 1}}],
        "responses": {
            "200": _content(JSON, {"$ref": "#/components/schemas/EventDetail"}, "The event"),
            "404": _error("No event has that id."),
            **_server_errors(),
        },
    }


def _download(fmt: str) -> dict:
    media = GEOJSON if fmt == "geojson" else "text/csv"
    schema = ({"$ref": "#/components/schemas/EventCollection"} if fmt == "geojson"
              else {"type": "string"})
    return {
        "summary": f"Every filtered event in one {fmt.upper()} file, streamed",
        "operationId": f"download_{fmt}",
        "parameters": _filters(),
        "responses": {
            "200": _content(media, schema, "The whole filtered set"),
            "400": {"$ref": "#/components/responses/BadRequest"},
            **_server_errors(),
        },
    }


def _clusters() -> dict:
    from webapp.store.base import MAX_ZOOM

    return {
        "summary": "The map's marks for a view: the filtered events in bbox gathered "
                   "into grid cells fitted to the zoom, with exact counts",
        "operationId": "clusters",
        "parameters": [
            _param("zoom", {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM},
                   "The map's zoom; a cell is 360 / 2^(zoom+2) degrees on a side.",
                   required=True),
            *_filters(), _newer_than()],
        "responses": {
            "200": _content(GEOJSON, {"$ref": "#/components/schemas/ClusterCollection"},
                            "One feature per cell holding events"),
            "400": {"$ref": "#/components/responses/BadRequest"},
            **_server_errors(),
        },
    }


def _changes() -> dict:
    return {
        "summary": "How many events matching the filters were stored after a marker "
                   "(the one a map page was given): an open map's question every few "
                   "seconds",
        "operationId": "changes",
        "parameters": [
            _param("marker", _MARKER, "The marker the map page was given, or the "
                   "`latest` of an earlier answer.", required=True),
            *_filters(),
            {"name": "If-None-Match", "in": "header", "required": False,
             "schema": {"type": "string", "maxLength": 200},
             "description": "The ETag of the last answer: 304 while nothing was stored."}],
        "responses": {
            "200": {**_content(JSON, {"$ref": "#/components/schemas/Changes"},
                               "The count (up to 1,000)"),
                    "headers": {"ETag": {"schema": {"type": "string"}}}},
            "304": {"description": "Nothing stored since the answer with that ETag"},
            "400": {"$ref": "#/components/responses/BadRequest"},
            **_server_errors(),
        },
    }


_MARKER = {"type": "integer", "minimum": 0, "maximum": 2 ** 63 - 1}


def _newer_than() -> dict:
    return _param("newer_than", _MARKER, "A marker: the answer says which of its events "
                  "were stored after it (`new`).")


def _regions() -> dict:
    return {
        "summary": "Events and fatalities per admin-1 region (and event type)",
        "operationId": "regions",
        "parameters": [
            *_filters(),
            _param("by_type", _FLAG, "0: one row per region, all types together."),
            _param("format", {"type": "string", "enum": ["json", "geojson"]},
                   "geojson: features with the region's outline."),
        ],
        "responses": {
            "200": {"description": "The regions' counts",
                    "content": {JSON: {"schema": {"$ref": "#/components/schemas/RegionTable"}},
                                GEOJSON: {"schema": {
                                    "$ref": "#/components/schemas/RegionCollection"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            **_server_errors(),
        },
    }


def _places() -> dict:
    place = {"type": "object", "required": ["id", "name", "latitude", "longitude"],
             "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                            "alternate_names": {"type": "array",
                                                "items": {"type": "string"}},
                            "latitude": {"type": "number"}, "longitude": {"type": "number"},
                            "geometry": {"type": ["object", "null"]},
                            "country_code": {"type": "string"},
                            "admin1": {"type": "string"}, "admin2": {"type": "string"},
                            "kind": {"type": "string"}, "source": {"type": "string"}}}
    return {
        "summary": "The user gazetteer kept in the store, a page at a time (logged in)",
        "operationId": "places",
        "security": [{"bearer": []}],
        "parameters": [
            _param("limit", {"type": "integer", "minimum": 1, "maximum": 500},
                   "Places per page (100 by default)."),
            _param("after", {"type": "integer", "minimum": 0},
                   "The last id of the previous page."),
        ],
        "responses": {
            "200": _content(JSON, {
                "type": "object", "required": ["places", "total", "next"],
                "properties": {"places": {"type": "array", "items": place},
                               "total": {"type": "integer"},
                               "next": {"type": ["string", "null"]}}},
                "The places, oldest first, with their number and the next page's URL"),
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": _error("Not logged in, or the API token is wrong."),
            **_server_errors(),
        },
    }


def _types() -> dict:
    return {
        "summary": "The event vocabulary with colours and counts for the filters",
        "operationId": "types",
        "parameters": _filters(),
        "responses": {
            "200": _content(JSON, {"$ref": "#/components/schemas/Vocabulary"},
                            "Event types, sub-event types and categories"),
            "400": {"$ref": "#/components/responses/BadRequest"},
            **_server_errors(),
        },
    }


def _geocode() -> dict:
    from webapp.geocoder.offline import MAX_QUERY_CHARS
    from webapp.web.api import MAX_CONTEXT_CHARS

    return {
        "summary": "The geocoder's answer for a place name",
        "operationId": "geocode",
        "parameters": [
            _param("q", {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
                   "A place name or spatial expression ('10 km south of Tyre').",
                   required=True),
            _param("context", {"type": "string", "maxLength": MAX_CONTEXT_CHARS},
                   "Text around the mention, to choose between places of one name."),
        ],
        "responses": {
            "200": _content(JSON, {"$ref": "#/components/schemas/Place"}, "The place"),
            "400": {"$ref": "#/components/responses/BadRequest"},
            "404": _content(JSON, {
                "type": "object", "required": ["error", "query"],
                "properties": {"error": {"type": "string"}, "query": {"type": "string"}}},
                "No place of that name"),
            "502": _error("The configured online geocoder failed."),
            **_server_errors(),
        },
    }


def _articles() -> dict:
    from webapp.web.api import MAX_TITLE_CHARS

    article = {
        "type": "object", "required": ["text"],
        "properties": {
            "text": {"type": "string", "minLength": 1,
                     "description": "The report, headline on the first line unless a "
                                    "title is given; at most MAX_ARTICLE_BYTES (256 kB) of "
                                    "UTF-8, no NUL characters, no lone surrogates."},
            "title": {"type": ["string", "null"],
                      "description": f"Kept to {MAX_TITLE_CHARS} characters."},
            "published": {"type": ["string", "null"],
                          "description": "A date from 1900 to 2100 (YYYY-MM-DD, an ISO "
                                         "date-time or an RFC 822 date): relative dates "
                                         "in the text are read against it."},
            "url": {"type": ["string", "null"], "maxLength": 2000,
                    "description": "The report's http(s) address."},
        },
    }
    form = {
        "type": "object", "required": ["csrf_token"],
        "properties": {**article["properties"],
                       "csrf_token": {"type": "string",
                                      "description": "The paste page's form token."}},
    }
    return {
        "summary": "Extract an article's events and store them",
        "description": (
            "JSON for scripts (with an API token); the paste page's form for browsers "
            "(with its CSRF token and session cookie), which is redirected to the map of "
            "the article's events."),
        "operationId": "postArticle",
        "security": [{"bearer": []}],
        "requestBody": {"required": True, "content": {
            JSON: {"schema": {"oneOf": [article, {
                "type": "array", "items": article, "minItems": 1,
                "description": "A batch (at most MAX_BATCH_ARTICLES articles, 50 by "
                               "default), stored by a job."}]}},
            "application/x-www-form-urlencoded": {"schema": form},
        }},
        "responses": {
            "201": {
                "description": "Stored: the article's events",
                "headers": {"Location": {"description": "The article's events in the API",
                                         "schema": {"type": "string"}}},
                "content": {GEOJSON: {"schema": {"allOf": [
                    {"$ref": "#/components/schemas/EventCollection"},
                    {"type": "object", "required": ["article", "map_url"],
                     "properties": {"article": _HASH, "map_url": {"type": "string"}}}]}}},
            },
            "200": _content(JSON, {
                "type": "object", "required": ["duplicate", "article", "map_url"],
                "properties": {"duplicate": {"const": True}, "article": _HASH,
                               "map_url": {"type": "string"}}},
                "The same text is already stored: nothing was added"),
            "202": {
                "description": "A long article (over ASYNC_ARTICLE_BYTES, 32 kB) or a "
                               "batch became a job: ask its status URL",
                "headers": {"Location": {"description": "The job's status in the API",
                                         "schema": {"type": "string"}},
                            "Retry-After": {"schema": {"type": "string"}}},
                "content": {JSON: {"schema": {"allOf": [
                    {"$ref": "#/components/schemas/Job"},
                    {"type": "object", "required": ["status_url", "page_url"],
                     "properties": {"status_url": {"type": "string"},
                                    "page_url": {"type": "string"}}}]}}},
            },
            "303": {"description": "A form post was stored (see the article's map) or "
                                   "became a job (see its page)",
                    "headers": {"Location": {"schema": {"type": "string"}}}},
            "400": _error_or_page("The article cannot be taken as it is (empty text, a bad "
                                  "date or address, not a JSON object)."),
            "401": _error("No valid API token was given."),
            "403": _error_or_page("Not allowed: the token's user is not an editor, or a "
                                  "form came without the paste page's token."),
            "413": _error_or_page("The request is larger than MAX_CONTENT_LENGTH (2 MB)."),
            "415": _error("The body is neither JSON nor a form."),
            "422": _error_or_page("The article took longer than REQUEST_TIME_LIMIT "
                                  "(10 s) to read: nothing was stored."),
            "429": _error_or_page("Too many writes from this user: try again after "
                                  "Retry-After seconds."),
            "503": _error_or_page("Too many jobs waiting: try again after Retry-After "
                                  "seconds. Nothing was stored."),
            **_server_errors(),
        },
    }


def _job() -> dict:
    return {
        "summary": "The state of a job (a long article or a batch)",
        "operationId": "job",
        "parameters": [{"name": "job_id", "in": "path", "required": True,
                        "schema": {"type": "string", "minLength": 1}}],
        "responses": {
            "200": _content(JSON, {"$ref": "#/components/schemas/Job"},
                            "queued or running (ask again after Retry-After), done with "
                            "its result, or failed with the reason"),
            "404": _error("No such job: it finished over an hour ago, or the server has "
                          "restarted since."),
            **_server_errors(),
        },
    }


def _itself() -> dict:
    return {
        "summary": "This description",
        "operationId": "openapi",
        "responses": {"200": _content(JSON, {"type": "object", "required": ["openapi"]},
                                      "OpenAPI 3.1")},
    }


def _snapshot() -> dict:
    from webapp.snapshot.spec import MAX_SIDE, MAX_TITLE, MIN_SIDE

    side = {"type": "integer", "minimum": MIN_SIDE, "maximum": MAX_SIDE}
    return {
        "summary": "A PNG picture of the map of the filtered events",
        "operationId": "snapshot",
        "parameters": [
            *_filters(),
            _param("width", side, "Pixels (1200 by default)."),
            _param("height", side, "Pixels (800 by default)."),
            _param("title", {"type": "string", "maxLength": MAX_TITLE},
                   "The caption (by default the filters in words)."),
            _param("view", _BBOX, "west,south,east,north: the part of the map shown; "
                                  "unlike bbox it leaves no event out."),
        ],
        "responses": {
            "200": {"description": "The picture",
                    "content": {"image/png": {"schema": {"type": "string",
                                                         "format": "binary"}}}},
            "400": {"description": "A parameter is not acceptable (an error page)",
                    "content": {HTML: {"schema": {"type": "string"}}}},
            "429": {"description": "Too many snapshots from this address (an error page)",
                    "content": {HTML: {"schema": {"type": "string"}}}},
            "503": {"description": "Other snapshots are being drawn (an error page)",
                    "content": {HTML: {"schema": {"type": "string"}}}},
            "500": {"description": "The picture could not be made (an error page)",
                    "content": {HTML: {"schema": {"type": "string"}}}},
            "431": _server_errors()["431"],
        },
    }


# -- parameters -------------------------------------------------------------------------

_DAY = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$",
        "description": "YYYY-MM-DD (a real day)."}
_NUMBER = r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*"
_BBOX = {"type": "string", "pattern": rf"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$"}
_FLAG = {"type": "string",
         "enum": sorted(webfilters.TRUE_WORDS | webfilters.FALSE_WORDS - {""})}
_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_PLAIN_TEXT = {"type": "string", "maxLength": webfilters.MAX_TEXT,
               "pattern": r"^[^\x00-\x1f]*$"}


def _filters() -> list[dict]:
    """The filters every reading route shares (see webapp.web.filters)."""
    return [
        _param("type", {"type": "array",
                        "items": {"type": "string",
                                  "enum": sorted(webfilters.type_names())}},
               "An event type, sub-event type or category (repeatable; any matches).",
               explode=True),
        _param("since", _DAY, "Events on or after this day."),
        _param("until", _DAY, "Events on or before this day (not before since)."),
        _param("country", {"type": "string", "pattern": "^[A-Za-z]{2}$"},
               "ISO 3166-1 alpha-2 code."),
        _param("region", _PLAIN_TEXT, "Admin-1 region name (any case)."),
        _param("q", _PLAIN_TEXT, "Text in the sentence, place or actors."),
        _param("bbox", _BBOX, "west,south,east,north in degrees (longitudes -180..180, "
                              "latitudes -90..90, south <= north; west > east crosses "
                              "the antimeridian)."),
        _param("article", {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
               "An article's content hash: its events only."),
        _param("include_flagged", _FLAG,
               "1: include running totals and recalled history."),
    ]


def _param(name: str, schema: dict, description: str, *, required: bool = False,
           explode: bool | None = None) -> dict:
    param = {"name": name, "in": "query", "required": required, "schema": schema,
             "description": description}
    if explode is not None:
        param.update(style="form", explode=explode)
    return param


# -- responses and schemas --------------------------------------------------------------

def _content(media_type: str, schema: dict, description: str) -> dict:
    return {"description": description, "content": {media_type: {"schema": schema}}}


def _error(description: str) -> dict:
    return _content(JSON, ERROR, description)


def _error_or_page(description: str) -> dict:
    """JSON for scripts; the paste page again (HTML) for a browser's form post."""
    return {"description": description,
            "content": {JSON: {"schema": ERROR}, HTML: {"schema": {"type": "string"}}}}


def _server_errors() -> dict:
    return {
        "431": {"description": "The URL or headers are over the server's limit "
                               "(waitress's max_request_header_size, 256 kB)",
                "content": {"text/plain": {"schema": {"type": "string"}}}},
        "500": _error("The server failed (its log says why); the message is generic and "
                      "names no files."),
    }


def _schemas() -> dict:
    """The response bodies' schemas: plain data, kept in openapi_schemas.json."""
    return json.loads(SCHEMAS_FILE.read_text(encoding="utf-8"))
