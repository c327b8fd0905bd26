"""The map server: a Flask application factory, as in Flask's tutorial.

Configuration, later sources overriding earlier ones:

1. the defaults below (:data:`DEFAULTS`);
2. ``instance/config.py`` when present (``DB = "..."`` and so on);
3. environment variables prefixed ``BRIEFING_``: ``BRIEFING_DB=/data/events.sqlite``,
   ``BRIEFING_PAGE_SIZE=500`` (values that parse as JSON are read as JSON);
4. the ``config`` dict given to :func:`create_app`.

Keys: ``DB`` (the event store: an SQLite file or a ``postgresql://`` URL; by default
``DATABASE_URL``, else ``<instance>/briefing.sqlite``, see :mod:`webapp.paths`),
``INSTANCE_PATH`` (the gazetteer index and the online geocoder's cache; ``BRIEFING_INSTANCE``,
else ``instance/``),
``GEOCODER_FALLBACK`` / ``GEOCODER_FALLBACK_OPTIONS`` / ``GEOCODER_FALLBACK_DELAY``
(an optional online geocoder, see
:func:`webapp.geocoder.make_geocoder`), ``GEOCODER`` (a ready geocoder object, for tests
and embedding), ``PAGE_SIZE`` / ``MAX_PAGE`` (events per page of ``/api/events``),
``MAX_ARTICLE_BYTES`` (a pasted
article's text), ``MAX_CONTENT_LENGTH`` (a request's body), ``TITLE``,
``SECRET_KEY`` (signs the session cookie that holds each browser's login and its
secret for CSRF tokens, see :mod:`webapp.web.csrf`; when unset, a random key is made on the
first start and kept in ``<instance>/secret_key``, mode 0600, so forms left open across
a restart are still accepted; set it, e.g. ``BRIEFING_SECRET_KEY``, when several
servers share the work or the instance folder is read-only), ``SNAPSHOT_BROWSER``
(``"auto"``: Debian's Chromium when installed, else matplotlib; ``"none"``; a Chromium
path; or a renderer object),
``TRUSTED_HOSTS`` (the host names the server answers to, Flask's setting; by default
the loopback names ``localhost`` and ``127.0.0.1``; a request naming any
other ``Host`` is a 400; ``BRIEFING_TRUSTED_HOSTS`` takes a JSON list or names
separated by commas; a leading dot takes in subdomains), ``PUBLIC_URL`` (the map's
address for other sites, used in the embed snippet; ``serve`` fills in the address it
listens at when unset),
``READ_ACCESS`` (``"public"``: anyone may read, ``"login"``: viewers and up; writing
always needs an editor, see :mod:`webapp.web.auth`).
Long articles, batches, jobs and rate limits: ``ASYNC_ARTICLE_BYTES``,
``MAX_BATCH_ARTICLES``, ``ARTICLE_TIME_LIMIT``, ``REQUEST_TIME_LIMIT``, ``JOB_WORKERS``,
``JOB_QUEUE``, ``JOB_KEEP_SECONDS`` (:mod:`webapp.web.jobs`), ``WRITE_RATE_LIMIT``,
``SNAPSHOT_RATE_LIMIT``, ``LOGIN_RATE_LIMIT``, ``RATELIMIT_STORAGE_URI``, ``SNAPSHOT_SLOTS``
(:mod:`webapp.web.limits`).

One SQLite store connection per thread (SQLite connections cannot cross threads),
opened on first use and kept for the thread's next requests; one PostGIS store for all
threads (it holds a pool of connections); one geocoder, one extractor and one
snapshot browser per application, made on first use and shared by all threads (the
first two only read; the browser takes its pictures one at a time).
"""

from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, g, render_template, request
from flask_compress import Compress
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from webapp.errors import (
    BadQueryError,
    BriefingMapError,
    FilterError,
    GeocoderServiceError,
    StoreError,
)
from webapp.extract.budget import ExtractionTimeout, UnreadableTextError
from webapp.web import guards

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

DEFAULTS = {  # and DB, INSTANCE_PATH: see create_app()
    "GEOCODER": None,
    "GEOCODER_FALLBACK": None,
    "PAGE_SIZE": 1000,           # events per page of /api/events when no limit is given
    "MAX_PAGE": 10_000,          # the largest limit a page may ask for
    # cells one /api/clusters answer may cover (a 4K screen holds about 2,000); a wider
    # view is answered at a coarser zoom
    "MAX_VIEW_CELLS": 8192,
    # Extraction takes ~15 ms per kB and grows faster past 512 kB (bench/article_size.py):
    # 256 kB is a long report's worth, about 4 s of CPU.
    "MAX_ARTICLE_BYTES": 256 * 1024,
    "ASYNC_ARTICLE_BYTES": 32 * 1024,   # longer texts (and batches) become jobs: 202
    "MAX_BATCH_ARTICLES": 50,
    "ARTICLE_TIME_LIMIT": 60,           # seconds of extraction per article in a job
    "REQUEST_TIME_LIMIT": 10,           # the same for a short article read as the client waits
    "JOB_WORKERS": 1,                   # jobs running at once (each on its own core)
    "JOB_QUEUE": 8,                     # jobs waiting; past that, 503 with Retry-After
    "JOB_KEEP_SECONDS": 3600,           # finished jobs' status is kept this long
    "WRITE_RATE_LIMIT": "30/minute",    # per user, else per address
    "SNAPSHOT_RATE_LIMIT": "20/minute",
    "LOGIN_RATE_LIMIT": "10/minute",    # password logins per address
    "RATELIMIT_STORAGE_URI": "memory://",
    "SNAPSHOT_SLOTS": 4,                # snapshots in flight (of serve's 6 threads); then 503
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # Flask 3.1 limits form fields to 500 kB by default: a pasted article may be larger
    "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
    "TITLE": "Briefing map",
    # "auto": Debian's Chromium when installed, else matplotlib; "none": matplotlib
    # always; a path: that Chromium; an object with render_png(): that renderer.
    "SNAPSHOT_BROWSER": "auto",
    # Host names the server answers to (any other Host header is a 400): the loopback
    # names `serve` listens on by default. A page on another site cannot reach this
    # server by pointing its own name at 127.0.0.1 (DNS rebinding).
    # (No "[::1]": Werkzeug 3.1 cuts a trusted name at its first colon, so an IPv6
    # literal can never match; serve --host ::1 users reach it as localhost.)
    "TRUSTED_HOSTS": ["localhost", "127.0.0.1"],
    # The address other sites reach the map at, for the embed snippet; `serve` fills in
    # its own address when none is configured. Never taken from a request's Host.
    "PUBLIC_URL": None,
    # What the server sends that compresses well (flask-compress's list lacks geo+json)
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/plain", "text/javascript",
                           "application/javascript", "application/json",
                           "application/geo+json", "image/svg+xml", "font/ttf",
                           "application/vnd.ms-fontobject"],
    "READ_ACCESS": "public",     # or "login": reading needs a login too (webapp.web.auth)
}

log = logging.getLogger(__name__)


def create_app(config: dict | None = None, *, instance_path=None) -> Flask:
    """The briefing map's Flask application; ``instance_path`` (default
    :func:`webapp.paths.instance_dir`) is where ``config.py``, the store and the
    gazetteer index live."""
    from webapp.paths import default_store, instance_dir

    instance = Path(instance_path or instance_dir()).resolve()
    app = Flask(__name__, template_folder=str(TEMPLATES), instance_path=str(instance),
                instance_relative_config=True, static_folder=None)
    app.config.from_mapping(DEFAULTS)
    app.config.update(DB=default_store(instance), INSTANCE_PATH=str(instance))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("BRIEFING")
    if config:
        app.config.update(config)
    app.json = guards.StrictJSONProvider(app)
    app.json.sort_keys = False
    app.config["TRUSTED_HOSTS"] = guards.trusted_hosts(app.config["TRUSTED_HOSTS"])
    app.config["PUBLIC_URL"] = guards.public_url(app.config["PUBLIC_URL"])
    app.extensions["briefing"] = Services(app.config)

    from webapp.web import api, auth, briefs, csrf, jobs, limits, live, places, snapshots, views

    csrf.init_app(app)
    auth.init_app(app)   # before anything that reads g.user (rate limits)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_blueprint(live.bp, url_prefix="/api")
    app.register_blueprint(places.bp, url_prefix="/api")
    app.register_blueprint(snapshots.bp)
    app.register_blueprint(briefs.bp)
    jobs.init_app(app)
    limits.init_app(app)   # last: it wraps the views registered above
    app.teardown_appcontext(_close_store)
    app.after_request(_security_headers)
    _register_error_handlers(app)
    # The map page's list, the API's pages and the land file are text that
    # compresses to a fifth or less.
    Compress(app)
    return app


# -- shared services ----------------------------------------------------------------

class Services:
    """The application's geocoder and extractor: made once, on first use, under a lock
    (two first requests at once must not load the gazetteer twice)."""

    def __init__(self, config):
        self._config = config
        self._lock = threading.Lock()
        self._geocoder = None
        self._extractor = None
        self._browser = None
        self._browser_checked = False
        self._stores = threading.local()   # each thread's open SQLite store
        self._shared_stores = {}           # URL -> the one PostGIS store of all threads

    @property
    def snapshot_browser(self):
        """The warm Chromium for snapshots, or None when snapshots fall back to
        matplotlib (none installed, or SNAPSHOT_BROWSER = "none")."""
        if not self._browser_checked:
            with self._lock:
                if not self._browser_checked:
                    self._browser = _make_browser(self._config.get("SNAPSHOT_BROWSER"))
                    self._browser_checked = True
        return self._browser

    def thread_store(self, target):
        """The store at ``target`` for this thread. A database URL's store is one for
        every thread (it keeps a pool of connections); an SQLite file's is the
        thread's own, opened again when the file there was replaced (another inode) or
        removed since."""
        from webapp.store import is_database_url

        if is_database_url(target):
            return self._shared_store(target)
        return self._file_store(target)

    def _shared_store(self, url):
        store = self._shared_stores.get(url)
        if store is None:
            with self._lock:
                store = self._shared_stores.get(url)
                if store is None:
                    from webapp.store import open_store

                    store = self._shared_stores[url] = open_store(url)
        return store

    def _file_store(self, path):
        from webapp.store import open_store

        kept = getattr(self._stores, "kept", None)
        try:
            identity = _file_identity(path)
        except OSError:
            identity = None
        if kept is not None and kept[0] == (str(path), identity) and identity is not None:
            return kept[1]
        if kept is not None:
            kept[1].close()
            self._stores.kept = None
        store = open_store(path)
        self._stores.kept = ((str(path), _file_identity(path)), store)
        return store

    def close(self) -> None:
        """Stop the snapshot browser, if one was started, and close the shared stores."""
        browser, self._browser = self._browser, None
        if browser is not None and hasattr(browser, "close"):
            browser.close()
        with self._lock:
            stores, self._shared_stores = list(self._shared_stores.values()), {}
        for store in stores:
            store.close()

    @property
    def geocoder(self):
        if self._geocoder is None:
            with self._lock:
                if self._geocoder is None:
                    from webapp.geocoder import make_geocoder
                    from webapp.geocoder.user_places import UserPlacesGeocoder

                    # the store's user places beside the gazetteer (kept current by
                    # the writes that extract: api._store, jobs)
                    self._geocoder = UserPlacesGeocoder(
                        self._config.get("GEOCODER") or make_geocoder(dict(self._config)))
        return self._geocoder

    @property
    def extractor(self):
        if self._extractor is None:
            geocoder = self.geocoder  # outside the lock: it takes the lock itself
            with self._lock:
                if self._extractor is None:
                    from webapp.extract.pipeline import Extractor
                    from webapp.regions import Regions

                    self._extractor = Extractor(geocoder, Regions.load())
        return self._extractor


def _file_identity(path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def _make_browser(setting):
    if setting is None or (isinstance(setting, str) and setting.lower() in ("none", "")):
        return None
    if not isinstance(setting, str):
        return setting   # a renderer object given by the embedding code or a test
    from webapp.snapshot.browser import CHROMIUM, ChromiumRenderer, chromium_available

    executable = CHROMIUM if setting.lower() == "auto" else setting
    if not chromium_available(executable):
        log.info("no Chromium at %s: snapshots are drawn by matplotlib", executable)
        return None
    return ChromiumRenderer(executable)


def services() -> Services:
    return current_app.extensions["briefing"]


def get_store():
    """This request's connection to the event store: the thread's own, opened once and
    kept for its next requests (opening checks the file's header, schema version and
    journal, a dozen statements: a tenth of a small map view's time)."""
    if "store" not in g:
        g.store = services().thread_store(current_app.config["DB"])
    return g.store


def _close_store(_exc=None) -> None:
    g.pop("store", None)   # kept open for the thread's next request


# Pages any site may show in an <iframe>: the chromeless map, which only shows events.
# Every other page may be framed by this site alone (no clickjacking of the paste form).
FRAMEABLE_ENDPOINTS = frozenset({"views.embed"})


@lru_cache(maxsize=2)
def content_security_policy(frameable: bool = False) -> str:
    """The pages' Content-Security-Policy: everything from this server, except images
    from OpenStreetMap's tile server for the optional (off by default) tile layer.
    Scripts need 'unsafe-inline' because folium writes the map as an inline script;
    all text in it is escaped by maps.script_json, which is what keeps it safe.
    ``frameable``: any site may frame the page (``frame-ancestors *``).
    Built on first use: webapp.maps imports folium, which the API alone never needs."""
    from urllib.parse import urlsplit

    from webapp.maps import OSM_TILES

    tiles = urlsplit(OSM_TILES)
    return "; ".join([
        "default-src 'self'",
        f"img-src 'self' data: {tiles.scheme}://{tiles.netloc}",
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self' 'unsafe-inline'",
        "connect-src 'self'",
        "frame-ancestors *" if frameable else "frame-ancestors 'self'",
        "base-uri 'self'",
        "form-action 'self'",
    ])


def _security_headers(response):
    frameable = request.endpoint in FRAMEABLE_ENDPOINTS
    if response.mimetype == "text/html":   # JSON and static files run nothing
        response.headers.setdefault("Content-Security-Policy",
                                     content_security_policy(frameable))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not frameable:   # the header has no "any site": the policy above says it
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


# -- errors -------------------------------------------------------------------------

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
STORE_FAILED = ("The event store could not be read or written just now; the server's "
                "log says why.")
GEOCODER_FAILED = ("The online geocoder behind this server did not answer; try again "
                   "later (the server's log says why).")
SERVER_FAILED = "The server could not answer this request; its log says why."


def wants_json() -> bool:
    """Answer this request's errors in JSON (the API) or as a page (pages, and the
    paste page's form posts to the API, which a person reads in a browser)."""
    if not request.path.startswith("/api/"):
        return False
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        accept = request.accept_mimetypes
        return accept["application/json"] > accept["text/html"]
    return True


def error_response(status: int, message: str, title: str | None = None):
    if wants_json():
        return {"error": message}, status
    title = title or _status_name(status)
    return render_template("error.html", status=status, title=title,
                           message=message), status


def _status_name(status: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(status, "Error")


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if err.code is None or err.code < 400:  # a RequestRedirect, say: not an error
            return err
        if isinstance(err, SecurityError):
            return guards.untrusted_host()
        message = err.description or _status_name(err.code)
        if err.code == 404:
            message = f"Nothing here: {request.path}"
        elif err.code == 413:
            limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
            message = f"The request is too large (the limit is {limit / 2**20:g} MB)."
        response = error_response(err.code, message)
        if err.code == 405:
            resp = current_app.make_response(response)
            resp.headers["Allow"] = ", ".join(err.valid_methods or ())
            return resp
        return response

    @app.errorhandler(FilterError)
    @app.errorhandler(BadQueryError)
    def bad_request(err: BriefingMapError):
        return error_response(400, str(err))

    @app.errorhandler(UnreadableTextError)
    def unreadable(err: UnreadableTextError):
        return error_response(400, f"{err}. Nothing was stored.")

    @app.errorhandler(ExtractionTimeout)
    def too_slow(err: ExtractionTimeout):
        # the text, not the server, is at fault: it is too long or too dense to read here
        return error_response(422, f"{err}. Nothing was stored.")

    @app.errorhandler(GeocoderServiceError)
    def bad_gateway(err: GeocoderServiceError):
        # geopy's messages name the service's internal address: the log keeps them
        log.error("%s %s: %s", request.method, request.path, err)
        return error_response(502, GEOCODER_FAILED)

    @app.errorhandler(BriefingMapError)
    def our_error(err: BriefingMapError):
        # The store cannot be opened, data is missing: the server's failure. Its message
        # names files and internals, so it goes to the log and the reader gets one
        # line saying what failed, not where.
        log.error("%s %s: %s", request.method, request.path, err)
        if isinstance(err, StoreError):
            return error_response(500, STORE_FAILED)
        return error_response(500, SERVER_FAILED)

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        if isinstance(err, HTTPException):  # not reached: its own handler is nearer
            return http_error(err)
        log.exception("%s %s failed", request.method, request.path)
        return error_response(500, InternalServerError.description)
