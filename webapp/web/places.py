"""``GET /api/places``: the user gazetteer kept in the store, a page at a time, for a
logged-in user (any role). Pages follow the places' ids, so every place is on one page
however long the list grows."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from webapp.errors import FilterError
from webapp.store.places import MAX_LISTED
from webapp.web import auth, get_store

bp = Blueprint("places", __name__)
PAGE_SIZE = 100


@bp.get("/places")
@auth.requires("viewer")
def places():
    """``{"places": [...], "total": n, "next": url or null}``; ``limit`` (1-500) and
    ``after`` (the last id of the previous page)."""
    limit = _whole(request.args.get("limit"), "limit", PAGE_SIZE)
    if not 1 <= limit <= MAX_LISTED:
        raise FilterError(f"limit must be 1 to {MAX_LISTED}")
    after = _whole(request.args.get("after"), "after", 0)
    shelf = get_store().places()
    page = shelf.page(limit, after)
    following = (url_for("places.places", limit=limit, after=page[-1].id)
                 if len(page) == limit else None)
    return {"places": [_json(p) for p in page], "total": shelf.count(),
            "next": following}


def _whole(value, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or len(value) > 18:
        raise FilterError(f"{name} must be a whole number, not {value[:20]!r}")
    return int(value)


def _json(place) -> dict:
    return {"id": place.id, "name": place.name,
            "alternate_names": list(place.alternate_names),
            "latitude": place.latitude, "longitude": place.longitude,
            "geometry": place.geometry, "country_code": place.country_code,
            "admin1": place.admin1, "admin2": place.admin2, "kind": place.kind,
            "source": place.source}
