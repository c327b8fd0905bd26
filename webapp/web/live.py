"""Keeping open maps current: ``GET /api/changes`` and the "new" marks of the map's
answers.

A map page is given the store's newest marker when it is made
(:meth:`~webapp.store.base.EventStore.latest_marker`); it then asks, every few
seconds, ``/api/changes?marker=M&<its filters>``: how many events matching its
filters were stored after M. The answer carries an ETag made of the store's newest
marker and the question, so a page asking again with ``If-None-Match`` while nothing
was stored gets 304 after one read of the primary key's end, without counting.

``/api/clusters`` and ``/api/events`` take ``newer_than=M`` too: the marks then say
how many of their events are new (``new`` on each feature, with the store's
``latest`` marker), the listing which of its events are (``new``: their ids), so the
map can ring what arrived since the reader's last visit or since the notice was
clicked. Both are bounded (:mod:`webapp.store.changes`).
"""

from __future__ import annotations

import hashlib
import json
import re

from flask import Blueprint, Response, request

from webapp.errors import FilterError
from webapp.store.changes import MAX_MARKER, cell_of
from webapp.web import filters as webfilters
from webapp.web import get_store

bp = Blueprint("live", __name__)

POLL_SECONDS = 5          # what the page is told to wait between two questions
_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)


def read_marker(args, name: str, required: bool = False) -> int | None:
    """A marker parameter: a whole number from 0, ASCII digits (the number a map
    page was given), or None when absent and not ``required``."""
    value = webfilters.single(args, name)
    if value is None:
        if required:
            raise FilterError(f"{name} is missing: give the marker the map page was "
                              f"given (a whole number, 0 for every event)")
        return None
    if not _DIGITS.fullmatch(value) or int(value) > MAX_MARKER:
        shown = repr(value if len(value) <= 40 else value[:37] + "...")
        raise FilterError(f"{name} must be a marker the map page was given (a whole "
                          f"number from 0 to {MAX_MARKER}), not {shown}")
    return int(value)


@bp.get("/changes")
def changes():
    """How many events matching the filters were stored after ``marker``:
    ``{"marker", "latest", "new", "more", "poll_seconds"}``; 304 when the ETag sent in
    ``If-None-Match`` is still current (nothing stored since)."""
    view = webfilters.parse(request.args)
    marker = read_marker(request.args, "marker", required=True)
    store = get_store()
    latest = store.latest_marker()
    if marker > latest:
        raise FilterError(f"marker {marker} is ahead of the newest stored event "
                          f"({latest}): the store was replaced since the page was made; "
                          f"reload the page")
    tag = _etag(latest, marker, view)
    headers = {"ETag": f'"{tag}"', "Cache-Control": "no-cache"}
    if request.if_none_match.contains(tag):
        return Response(status=304, headers=headers)
    found = store.changes(view, marker, latest=latest)
    body = {"marker": found.marker, "latest": found.latest, "new": found.new,
            "more": found.more, "poll_seconds": POLL_SECONDS}
    return Response(json.dumps(body), mimetype="application/json", headers=headers)


def _etag(latest: int, marker: int, view) -> str:
    """Names one answer: the same question asked while the store's newest marker
    stays ``latest`` has the same answer."""
    question = json.dumps([marker, view.args()], separators=(",", ":"))
    return f"m{latest}-{hashlib.sha256(question.encode()).hexdigest()[:16]}"


def mark_clusters(store, view, zoom: int, features: list, marker: int | None) -> dict:
    """For ``newer_than``: puts ``new`` (how many of its events were stored after
    ``marker``) on each mark that has some, and returns the answer's extra members
    (``latest``, ``new_total``, ``new_more``); nothing without a marker."""
    if marker is None:
        return {}
    found = store.newest_since(view, marker)
    per_cell: dict = {}
    for _event_id, lon, lat in found.rows:
        cell = cell_of(lon, lat, zoom)
        per_cell[cell] = per_cell.get(cell, 0) + 1
    for feature in features:
        west, south, east, north = feature["properties"]["bbox"]
        n = per_cell.get(cell_of((west + east) / 2, (south + north) / 2, zoom), 0)
        if n:
            feature["properties"]["new"] = n
    return {"latest": found.latest, "new_total": len(found.rows), "new_more": found.more}


def new_in_page(store, events, marker: int | None) -> list[str] | None:
    """For ``newer_than`` on a listing: the ids of its events stored after ``marker``
    (in the page's order), or None without a marker."""
    if marker is None:
        return None
    newer = store.stored_after([e.event_id for e in events], marker)
    return [e.event_id for e in events if e.event_id in newer]
