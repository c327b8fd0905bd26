"""Pages of a listing and whole downloads, for the JSON API.

A page ends with a cursor: where the next page starts (the last event's date and id),
signed with the app's secret key and tied to the filters it was made for, so a cursor
cannot be forged, edited or carried over to other filters; any of those is a 400. The
store walks the listing by position (keyset), so every event is on exactly one page
and page 10,000 costs what page 1 does.
"""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from webapp.errors import FilterError
from webapp.store.base import Filters

_SALT = "briefing-map events page"
_MAX_CURSOR = 400   # characters: a real cursor is about a hundred


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def _fingerprint(filters: Filters) -> str:
    text = "&".join(f"{k}={v}" for k, v in filters.args())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def make_cursor(after: tuple, filters: Filters) -> str:
    """The ``after`` parameter of the page following the position ``after``."""
    day, event_id = after
    return _signer().dumps([day, event_id, _fingerprint(filters)])


def read_cursor(value: str | None, filters: Filters) -> tuple | None:
    """The position a cursor names, checked; None for the first page."""
    if value is None:
        return None
    if len(value) > _MAX_CURSOR:
        raise FilterError("after is not a cursor of this listing (too long): follow the "
                          "`next` link of the previous page")
    try:
        day, event_id, made_for = _signer().loads(value)
    except (BadSignature, ValueError, TypeError) as err:
        raise FilterError("after is not a cursor this server made: follow the `next` "
                          "link of the previous page") from err
    if made_for != _fingerprint(filters):
        raise FilterError("after belongs to a listing with other filters: start again "
                          "without it")
    if not (day is None or isinstance(day, str)) or not isinstance(event_id, str):
        raise FilterError("after is not a cursor of this listing")
    return day, event_id


def url_args(filters: Filters) -> dict[str, list[str]]:
    """The filters as ``url_for`` takes them (a repeated name: a list of its values)."""
    out: dict[str, list[str]] = {}
    for name, value in filters.args():
        out.setdefault(name, []).append(value)
    return out


def next_page_url(filters: Filters, limit: int, after: tuple | None) -> str | None:
    """The URL of the listing's page after the position ``after`` (a page's
    ``next_after``), or None when there is no next page."""
    if after is None:
        return None
    return url_for("api.events", **url_args(filters), limit=limit,
                   after=make_cursor(after, filters))
