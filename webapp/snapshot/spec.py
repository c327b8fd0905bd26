"""What a snapshot shows and how big it is, checked once before anything is drawn.

A :class:`SnapshotSpec` is made by :func:`make_spec` from what a user typed (CLI options
or URL parameters, so numbers may still be text) and is then trusted by both renderers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from webapp.errors import SnapshotError
from webapp.store.base import Filters

MIN_SIDE = 200          # px: below this the legend and title no longer fit
MAX_SIDE = 4000         # px: a 4000 x 4000 PNG is already 64 MB of pixels in memory
DEFAULT_WIDTH = 1200
DEFAULT_HEIGHT = 800
MAX_TITLE = 200         # characters; a longer title would not fit on two lines anyway
FORMATS = ("png", "svg", "pdf")
_DIGITS = re.compile(r"\s*\d{1,6}\s*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class SnapshotSpec:
    """One snapshot: the filters its events were chosen with, its size in pixels, an
    optional title (else one is written from the filters) and when it was made (UTC)."""

    filters: Filters = field(default_factory=Filters)
    width: int = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT
    title: str | None = None
    made_at: datetime = field(default_factory=_now)
    # The picture's frame (west, south, east, north) when it is not the filters' bbox:
    # the part of the map a reader had on screen, which selects no events by itself.
    view: tuple[float, float, float, float] | None = None

    @property
    def frame(self) -> tuple[float, float, float, float] | None:
        """What the picture shows: the view asked for, else the bbox filtered on."""
        return self.view or self.filters.bbox


def make_spec(filters: Filters | None = None, width=None, height=None,
              title: str | None = None, made_at: datetime | None = None,
              view=None) -> SnapshotSpec:
    """A checked :class:`SnapshotSpec`; :class:`SnapshotError` with one line when a
    size is not a whole number of pixels from 200 to 4000, the title is unusable or
    ``view`` is not four numbers west, south, east, north."""
    if filters is None:
        filters = Filters()
    if not isinstance(filters, Filters):
        raise SnapshotError(f"filters must be a Filters, not {type(filters).__name__}")
    made_at = made_at or _now()
    if made_at.tzinfo is None:   # a naive time is taken to be UTC already
        made_at = made_at.replace(tzinfo=timezone.utc)
    return SnapshotSpec(filters=filters,
                        width=_side(width, "width", DEFAULT_WIDTH),
                        height=_side(height, "height", DEFAULT_HEIGHT),
                        title=_title(title), made_at=made_at.astimezone(timezone.utc),
                        view=_view(view))


def check_format(fmt: str) -> str:
    """``fmt`` in lower case if it is one we can write; SnapshotError otherwise."""
    name = str(fmt or "").strip().lower().lstrip(".")
    if name not in FORMATS:
        shown = str(fmt)[:20]
        raise SnapshotError(f"snapshot format must be png, svg or pdf, not {shown!r}")
    return name


def _side(value, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    # bool is an int to Python but never a size; floats are refused even when whole,
    # so a caller's arithmetic slip shows up here rather than as a blurred picture.
    if type(value) is not int or not MIN_SIDE <= value <= MAX_SIDE:
        shown = str(value)[:20]
        raise SnapshotError(f"{name} must be a whole number of pixels from {MIN_SIDE} "
                            f"to {MAX_SIDE}, not {shown!r}")
    return value


def _view(view) -> tuple[float, float, float, float] | None:
    if view is None or view == "":
        return None
    from webapp.errors import FilterError
    from webapp.store.base import parse_bbox

    shown = view if isinstance(view, str) else ",".join(map(str, view))
    try:   # the same four numbers, in the same ranges, as a bbox filter
        return parse_bbox(shown)
    except (FilterError, TypeError) as err:
        raise SnapshotError(f"view must be four numbers west,south,east,north (degrees, "
                            f"south below north), not {shown[:60]!r}") from err


def _title(title) -> str | None:
    if title is None:
        return None
    if not isinstance(title, str):
        raise SnapshotError(f"title must be text, not {type(title).__name__}")
    title = " ".join(_CONTROL.sub(" ", title).split())
    if len(title) > MAX_TITLE:
        raise SnapshotError(f"title is too long ({len(title)} characters; at most "
                            f"{MAX_TITLE})")
    return title or None
