"""Rate limits on writes and snapshots (Flask-Limiter), and a cap on snapshots in flight.

Each client is counted by its user name when logged in (``flask.g.user.name``), else by
its address (``request.remote_addr``: behind a reverse proxy, make the proxy's address
header trusted explicitly, see README). Limits are Flask-Limiter strings:
``WRITE_RATE_LIMIT`` (every ``POST /api/articles``: JSON, form and batch) and
``SNAPSHOT_RATE_LIMIT`` (``GET /snapshot.png``), ``LOGIN_RATE_LIMIT`` (password
logins, ``POST /login``, by address); ``RATELIMIT_STORAGE_URI`` says where the
counts are kept (``memory://`` by default: per process, lost on restart; e.g.
``redis://host:6379`` to share them between servers). ``RATELIMIT_ENABLED = False``
turns them off. A client over its limit gets 429 with ``Retry-After``.

Snapshots hold a request thread while the one browser draws: at most ``SNAPSHOT_SLOTS``
are in flight; a request past that gets 503 with ``Retry-After`` at once, so readers
are never left without a thread.
"""

from __future__ import annotations

import threading
import time

from flask import current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded

from webapp.web import error_response

LIMITED = {  # endpoint -> the configuration key of its limit, and the methods it counts
    "api.post_article": ("WRITE_RATE_LIMIT", None),
    "snapshots.png": ("SNAPSHOT_RATE_LIMIT", None),
    "briefs.brief": ("SNAPSHOT_RATE_LIMIT", None),   # a brief draws several maps
    # password guesses, each of which also costs the server a slow hash (by address:
    # nobody is logged in yet); showing the form is not counted
    "auth.login": ("LOGIN_RATE_LIMIT", ["POST"]),
}
SNAPSHOT_RETRY_AFTER = 5   # seconds: about one picture
SLOTTED = ("snapshots.png", "briefs.brief")   # they hold a thread while maps are drawn


def client_key() -> str:
    user = g.get("user")
    name = getattr(user, "name", None)
    if name:
        return f"user:{name}"
    return f"addr:{request.remote_addr or 'unknown'}"


def init_app(app) -> None:
    """Call after the blueprints are registered (the limits wrap their views), and after
    any before-request hook that sets ``g.user`` (the limits are checked in one)."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(client_key, app=app)
    for endpoint, (key, methods) in LIMITED.items():
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = limiter.limit(
            lambda key=key: current_app.config[key], methods=methods)(view)
    app.extensions["briefing_snapshot_slots"] = threading.BoundedSemaphore(
        app.config["SNAPSHOT_SLOTS"])
    app.before_request(_take_snapshot_slot)
    app.teardown_request(_give_back_snapshot_slot)

    @app.errorhandler(RateLimitExceeded)
    def too_many(err: RateLimitExceeded):
        wait = _seconds_to_reset(limiter)
        what = {"snapshots.png": "snapshots", "briefs.brief": "briefs",
                "auth.login": "login attempts"}.get(
            request.endpoint, "writes")
        response = current_app.make_response(error_response(
            429, f"Too many {what} from you ({err.description}): try again in "
                 f"{wait} s." + (" Nothing was stored." if what == "writes" else "")))
        response.headers["Retry-After"] = str(wait)
        return response


def _seconds_to_reset(limiter: Limiter) -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))


def _take_snapshot_slot():
    if request.endpoint not in SLOTTED:
        return None
    slots = current_app.extensions["briefing_snapshot_slots"]
    if not slots.acquire(blocking=False):
        response = current_app.make_response(error_response(
            503, "Other snapshots are being drawn right now: try again in a few seconds."))
        response.headers["Retry-After"] = str(SNAPSHOT_RETRY_AFTER)
        return response
    g.snapshot_slot = slots
    return None


def _give_back_snapshot_slot(_exc=None):
    slots = g.pop("snapshot_slot", None)
    if slots is not None:
        slots.release()
