"""The query parameters the map page and the JSON API share, parsed and checked once.

The URL is the state of a view: :func:`parse` reads ``request.args`` into the one
:class:`~webapp.store.base.Filters` value that travels to the store, and
:meth:`~webapp.store.base.Filters.args` writes the same filters back as URL
parameters (blank ones left out), so a filtered map can be bookmarked, shared and
reloaded, and its "Download GeoJSON" link asks the API for exactly what is shown.

Every bad value raises :class:`~webapp.errors.FilterError` with a message meant for the
user; the web layer answers 400 with it (JSON for the API, the error page for pages).

Parameters (all optional):

``type``
    repeatable; an ACLED event type, sub-event type or the briefing's category, exactly
    as in ``webapp/event_vocabulary.json``; an event matches if any of its three is given.
``since``, ``until``
    inclusive days, ``YYYY-MM-DD``.
``country``
    ISO 3166-1 alpha-2 code (any case).
``region``
    admin-1 name (case-insensitive, as the store compares it).
``q``
    text in the sentence, place or actors.
``bbox``
    ``west,south,east,north`` in degrees (west > east crosses the antimeridian).
``article``
    an article's content hash (64 hex digits): that article's events only.
``include_flagged``
    ``1`` to include running totals and recalled history (left out by default).
"""

from __future__ import annotations

import re
from functools import lru_cache

from webapp.errors import FilterError
from webapp.models import vocabulary
from webapp.store.base import Filters, make_filters, parse_bbox

MAX_TEXT = 200  # characters of q and region
# The largest whole-number parameter (``limit``) anyone may give: far above any store
# we serve, far below SQLite's 64-bit integers, which a larger LIMIT would overflow.
MAX_WHOLE_NUMBER = 1_000_000_000
_WHOLE = re.compile(r"[0-9]+", re.ASCII)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
# The parameters this module owns; a view may read others (limit, format) itself.
NAMES = ("type", "since", "until", "country", "region", "q", "bbox", "article",
         "include_flagged")


@lru_cache(maxsize=1)
def type_names() -> frozenset[str]:
    """Every value ``type`` may take: event types, sub-event types and categories."""
    vocab = vocabulary()
    names = set(vocab["event_types"]) | set(vocab["categories"])
    for info in vocab["event_types"].values():
        names.update(info["sub_event_types"])
    return frozenset(names)


def parse(args) -> Filters:
    """The one :class:`~webapp.store.base.Filters` value of a request, from its
    ``MultiDict`` of URL parameters (``request.args``)."""
    types = []
    for value in args.getlist("type"):
        value = value.strip()
        if not value:
            continue
        if value not in type_names():
            raise FilterError(f"unknown type {_show(value)}: use an event type, sub-event "
                              f"type or category from /api/types (exact spelling)")
        if value not in types:
            types.append(value)
    since = _day(args, "since")
    until = _day(args, "until")
    country = single(args, "country")
    if country and not _COUNTRY.fullmatch(country):
        raise FilterError(f"country must be a two-letter ISO code such as PS or LB, "
                          f"not {_show(country)}")
    region = _text(args, "region")
    q = _text(args, "q")
    bbox = parse_bbox(single(args, "bbox"))
    article = single(args, "article")
    include_flagged = flag(args, "include_flagged")
    # make_filters checks the rest (real days, the article's hash) with the messages
    # the CLI gives too, so the page, the API and the store agree on what is valid.
    return make_filters(types, since, until, country, region, q, bbox, include_flagged,
                        article)


def refuse_unknown(args, known) -> None:
    """A FilterError naming the parameters not in ``known``: a misspelt filter would
    otherwise give a picture or brief of every event."""
    unknown = sorted(set(args) - known)
    if unknown:
        raise FilterError(f"unknown parameter(s) {', '.join(map(repr, unknown))}; "
                          f"known: {', '.join(sorted(known))}")


def flag(args, name: str) -> bool:
    """A yes/no parameter: 1/true/yes/on or 0/false/no/off (or absent)."""
    value = (single(args, name) or "").lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise FilterError(f"{name} must be 1 or 0, not {_show(value)}")


def positive_int(args, name: str, maximum: int = MAX_WHOLE_NUMBER) -> int | None:
    """An optional whole number from 1 to ``maximum``, written in ASCII digits.

    Only 0-9 count: ``str.isdigit`` also takes superscripts ("²") and other scripts'
    digits, which ``int`` then refuses or reads in surprising ways. The length is
    checked before ``int`` so a thousand-digit value costs nothing."""
    value = single(args, name)
    if not value:
        return None
    if not (_WHOLE.fullmatch(value) and len(value) <= len(str(maximum))):
        if _WHOLE.fullmatch(value):
            raise FilterError(f"{name} must be at most {maximum:,}, not {_show(value)}")
        raise FilterError(f"{name} must be a whole number of 1 or more, not {_show(value)}")
    number = int(value)
    if number < 1:
        raise FilterError(f"{name} must be a whole number of 1 or more, not {_show(value)}")
    if number > maximum:
        raise FilterError(f"{name} must be at most {maximum:,}, not {number}")
    return number


def whole_number(args, name: str, lowest: int, highest: int,
                 required: bool = False) -> int | None:
    """A whole number from ``lowest`` to ``highest`` (0 allowed, unlike
    :func:`positive_int`), ASCII digits only."""
    value = single(args, name)
    if value is None:
        if required:
            raise FilterError(f"{name} is missing: give a whole number from {lowest} "
                              f"to {highest}")
        return None
    if not (_WHOLE.fullmatch(value) and len(value) <= 6 and
            lowest <= int(value) <= highest):
        raise FilterError(f"{name} must be a whole number from {lowest} to {highest}, "
                          f"not {_show(value)}")
    return int(value)


def has_blanks(args) -> bool:
    """True when the URL carries empty filter fields (as a submitted form does), so the
    page can redirect to the clean URL of the same view."""
    return any(not v.strip() for name in NAMES for v in args.getlist(name))


# -- helpers -------------------------------------------------------------------------

def single(args, name: str) -> str | None:
    """A parameter given at most once, stripped; None when absent or blank."""
    values = [v.strip() for v in args.getlist(name) if v.strip()]
    if len(values) > 1:
        raise FilterError(f"{name} given {len(values)} times; give it once")
    return values[0] if values else None


def _text(args, name: str) -> str | None:
    value = single(args, name)
    if value and len(value) > MAX_TEXT:
        raise FilterError(f"{name} is longer than {MAX_TEXT} characters")
    if value and any(ord(c) < 32 for c in value):
        raise FilterError(f"{name} contains control characters")
    return value


def _day(args, name: str) -> str | None:
    value = single(args, name)
    if not value:
        return None
    if not _DAY.fullmatch(value):
        raise FilterError(f"{name} must be a date written YYYY-MM-DD, not {_show(value)}")
    return value  # make_filters checks it is a real day (no 2024-02-30)


def _show(value: str) -> str:
    """A user's value quoted for a message, cut short."""
    return repr(value if len(value) <= 60 else value[:57] + "...")
