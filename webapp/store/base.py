"""What every event store offers, and what it accepts.

The interface is kept small and backend-neutral so that a PostGIS store can stand in
for :class:`~webapp.store.sqlite.SQLiteStore` later without touching its callers: the
filters are checked and normalised here once (:func:`make_filters`), and the rule for
which events may be stored at all lives here too (:func:`event_problem`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from json.encoder import encode_basestring

from webapp.errors import FilterError, StoreError
from webapp.models import Article, Event, sub_event_types, vocabulary

PRECISIONS = (1, 2, 3)  # ACLED's time and geo precision codes
MAX_ZOOM = 18           # the closest map zoom a view may ask clusters for
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Filters:
    """Validated query filters, made by :func:`make_filters` (or parsed from a URL by
    the web layer) and passed whole to the store; ``None`` and ``()`` mean "not
    filtered". See :meth:`EventStore.query` for their meaning."""

    types: tuple[str, ...] = ()
    since: str | None = None          # ISO dates: they compare correctly as text
    until: str | None = None
    country: str | None = None        # ISO 3166-1 alpha-2, upper case
    region: str | None = None
    q: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    article: str | None = None        # an article's content hash: its events only
    include_flagged: bool = False

    def args(self) -> list[tuple[str, str]]:
        """The filters as URL parameters, in a stable order, blanks left out; the web
        layer parses ``urlencode(args)`` back to an equal value."""
        out = [("type", t) for t in self.types]
        for name in ("since", "until", "country", "region", "q"):
            value = getattr(self, name)
            if value:
                out.append((name, value))
        if self.bbox:
            out.append(("bbox", self.bbox_text))
        if self.article:
            out.append(("article", self.article))
        if self.include_flagged:
            out.append(("include_flagged", "1"))
        return out

    @property
    def bbox_text(self) -> str:
        return ",".join(_number(v) for v in self.bbox) if self.bbox else ""

    @property
    def active(self) -> bool:
        return bool(self.args())

    def replace(self, **changes) -> Filters:
        """The same filters with ``changes``, checked again."""
        return make_filters(**{**self.__dict__, **changes})

    def without_types(self) -> Filters:
        """The same view with every type: for counts next to each type's checkbox."""
        return dataclasses.replace(self, types=())


@dataclass(frozen=True)
class Cluster:
    """One mark of a map view: the events of one grid cell (see
    :meth:`EventStore.clusters`), or a single event when ``count`` is 1."""

    latitude: float                   # the mean position of its events
    longitude: float
    count: int
    by_type: dict                     # event_type -> number of its events
    bounds: tuple[float, float, float, float]   # the cell: west, south, east, north
    fatalities: int = 0               # of all its events
    event_id: str | None = None       # these three for a single event only
    event_type: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of a listing: its events, how many match in all, and where the next
    page starts (None after the last)."""

    events: list
    total: int
    next_after: tuple | None


def make_filters(types=(), since=None, until=None, country=None, region=None, q=None,
                 bbox=None, include_flagged=False, article=None) -> Filters:
    """Check the filter arguments once, so each backend only has to translate them."""
    if isinstance(types, str):  # a lone "Battles" would otherwise become letters
        types = (types,)
    types = tuple(dict.fromkeys(t for t in types if t))
    if bbox is not None:
        try:
            west, south, east, north = (float(v) for v in bbox)
        except (TypeError, ValueError) as err:
            raise FilterError(f"bbox must be four numbers (west, south, east, north): "
                             f"{bbox!r}") from err
        if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
            raise FilterError(f"bbox out of range or south > north: {bbox!r}")
        bbox = (west, south, east, north)
    country = _blank_to_none(country)
    article = _blank_to_none(article)
    if article is not None:
        article = article.lower()
        if not _HASH.fullmatch(article):
            raise FilterError(f"article must be an article's content hash (64 hexadecimal "
                              f"digits), not {article[:70]!r}")
    since, until = _iso_day(since, "since"), _iso_day(until, "until")
    if since and until and since > until:
        raise FilterError(f"since ({since}) is after until ({until})")
    return Filters(types=types, since=since, until=until,
                   country=country.upper() if country else None,
                   region=_blank_to_none(region), q=_blank_to_none(q), bbox=bbox,
                   article=article, include_flagged=bool(include_flagged))


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """A bbox written ``west,south,east,north`` (a URL's, a command line's), checked
    with a message for the user; None when blank. West > east crosses the antimeridian."""
    if not text:
        return None
    shown = repr(text if len(text) <= 60 else text[:57] + "...")
    parts = text.split(",")
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        numbers = ()
    if len(parts) != 4 or len(numbers) != 4 or not all(map(math.isfinite, numbers)):
        raise FilterError(f"bbox must be four numbers west,south,east,north (degrees), "
                          f"not {shown}")
    west, south, east, north = numbers
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise FilterError(f"bbox: west and east must be longitudes between -180 and 180 "
                          f"({shown})")
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise FilterError(f"bbox: south and north must be latitudes between -90 and 90 "
                          f"({shown})")
    if south > north:
        raise FilterError(f"bbox: south ({south:g}) is north of north ({north:g})")
    return numbers


def _number(value: float) -> str:
    """Shortest text that reads back as the same float ("34.5", "-180")."""
    return repr(float(value)).removesuffix(".0")


def _blank_to_none(value: str | None) -> str | None:
    return (value or "").strip() or None


def _iso_day(value, name: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as err:
        raise FilterError(f"{name} must be a date (YYYY-MM-DD): {value!r}") from err


@lru_cache(maxsize=1)
def _vocabulary_sets() -> tuple[dict[str, str], frozenset[str]]:
    """(sub_event_type -> event_type, categories), looked up once per process."""
    return sub_event_types(), frozenset(vocabulary()["categories"])


def event_problem(event: Event) -> str | None:
    """Why ``event`` cannot be stored, or None when it can.

    The vocabulary file is the contract between extractor, store and map legend, so an
    event typed outside it is refused here rather than shown later without a colour.
    This runs once per row of every import, so the common case is kept to a few tests.
    """
    if not isinstance(event, Event):
        return f"not an Event: {type(event).__name__}"
    parents, categories = _vocabulary_sets()
    if not event.event_id or not isinstance(event.event_id, str):
        return "event_id is empty"
    if parents.get(event.sub_event_type) != event.event_type:
        if event.event_type not in vocabulary()["event_types"]:
            return f"unknown event_type {event.event_type!r}"
        return (f"sub_event_type {event.sub_event_type!r} is not one of "
                f"{event.event_type!r}'s")
    if event.category not in categories:
        return f"unknown category {event.category!r}"
    if event.time_precision not in PRECISIONS or event.geo_precision not in PRECISIONS:
        return "time_precision and geo_precision must be 1, 2 or 3"
    if event.event_date is not None and not isinstance(event.event_date, date):
        return f"event_date is not a date: {event.event_date!r}"
    if type(event.fatalities) is not int or event.fatalities < 0:
        return f"fatalities must be a whole number >= 0: {event.fatalities!r}"
    if event.span is not None and not (len(event.span) == 2 and all(
            type(i) is int for i in event.span)):
        return f"span must be two character offsets: {event.span!r}"
    lat, lon = event.latitude, event.longitude
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        return "latitude and longitude must both be given or both be empty"
    if not (isinstance(lat, (float, int)) and isinstance(lon, (float, int))) \
            or isinstance(lat, bool) or isinstance(lon, bool):
        return f"coordinates are not numbers: {lat!r}, {lon!r}"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also false for NaN
        return f"coordinates out of range: {lat}, {lon}"
    return None


# -- rows -----------------------------------------------------------------------------
# The column layout every SQL store shares: an Event as a row of plain values (dates
# as ISO text, shapes and extra columns as JSON text) and back.

EVENT_COLUMNS = (  # as stored, in the order event_rows() yields them
    "event_id", "article_id", "event_date", "time_precision", "event_type", "sub_event_type",
    "category", "actor1", "actor2", "fatalities", "location", "latitude", "longitude",
    "geometry", "country_code", "admin1", "geo_precision", "notes", "source", "span_start",
    "span_end", "is_total", "is_historical", "extra",
)
READ_COLUMNS = tuple("article_hash" if c == "article_id" else c  # event_from_row's order
                     for c in EVENT_COLUMNS)

# One encoder for every row: json.dumps with options builds a new one per call, which
# was a tenth of the import time.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# How that encoder quotes a string: readers that write a row's JSON themselves (the
# ACLED reader, for speed) use it so that they store the very same text.
quote_json = encode_basestring


def event_rows(events: Iterable[Event], article_id: int | None) -> Iterator[tuple]:
    """Rows for executemany, checked one by one: a bad event raises mid-batch, and the
    surrounding transaction then rolls back what was already inserted."""
    dumps = _dumps
    for index, ev in enumerate(events):
        problem = event_problem(ev)
        if problem:
            name = getattr(ev, "event_id", "?")
            raise StoreError(f"event {index + 1} ({name!r}) not stored: {problem}; "
                             f"the store is unchanged")
        span = ev.span
        try:
            geometry = dumps(ev.geometry) if ev.geometry else None
            extra = dumps(ev.extra) if ev.extra else None
        except (TypeError, ValueError) as err:  # a date or a set in extra, say
            raise StoreError(f"event {index + 1} ({ev.event_id!r}) not stored: geometry "
                             f"or extra is not JSON ({err}); the store is unchanged") from err
        yield (ev.event_id, article_id,
               ev.event_date.isoformat() if ev.event_date else None, ev.time_precision,
               ev.event_type, ev.sub_event_type, ev.category, ev.actor1, ev.actor2,
               ev.fatalities, ev.location, ev.latitude, ev.longitude, geometry,
               ev.country_code, ev.admin1, ev.geo_precision, ev.notes, ev.source,
               span[0] if span else None, span[1] if span else None,
               1 if ev.is_total else 0, 1 if ev.is_historical else 0, extra)


def event_from_row(row: tuple) -> Event:
    """The Event for a row of :data:`READ_COLUMNS`."""
    (event_id, event_date, time_precision, event_type, sub_event_type, category, actor1,
     actor2, fatalities, location, latitude, longitude, geometry, country_code, admin1,
     geo_precision, notes, source, span_start, span_end, is_total, is_historical,
     extra) = row[:1] + row[2:]
    return Event(
        event_id=event_id,
        event_date=date.fromisoformat(event_date) if event_date else None,
        time_precision=time_precision, event_type=event_type,
        sub_event_type=sub_event_type, category=category, actor1=actor1, actor2=actor2,
        fatalities=fatalities, location=location, latitude=latitude, longitude=longitude,
        geometry=json.loads(geometry) if geometry else None, country_code=country_code,
        admin1=admin1, geo_precision=geo_precision, notes=notes, source=source,
        span=(span_start, span_end) if span_start is not None else None,
        is_total=bool(is_total), is_historical=bool(is_historical),
        article_hash=row[1] or "", extra=json.loads(extra) if extra else {})


# What a whole store holds, in the order export_records() yields it: an event comes
# after the article it belongs to, a token after its user.
RECORD_TABLES = ("articles", "events", "users", "api_tokens", "audit", "event_history",
                 "feeds", "feed_items", "places")


def backup_paths(dest, overwrite: bool):
    """(the backup's file, the name it is written under first) for a backup to
    ``dest``, checked: an existing file is refused unless ``overwrite``, a folder
    always. Written beside ``dest`` and renamed over it at the end, a backup cut short
    leaves no half file where the last good backup was."""
    from pathlib import Path

    dest = Path(dest)
    if dest.exists() and not overwrite:
        raise StoreError(f"{dest} exists already (give --overwrite to replace it)")
    if dest.is_dir():
        raise StoreError(f"{dest} is a folder, not a file name for the backup")
    return dest, dest.with_name(f".{dest.name}.partial")


class EventStore(ABC):
    """Articles and their events, kept so the map can filter them quickly."""

    @abstractmethod
    def add_article(self, article: Article, events: Iterable[Event], *,
                    by: str | None = None) -> bool:
        """Store an article and its events together; False (and nothing stored) when an
        article with the same content hash is already there. The events come back with
        the article's hash as their ``article_hash``; their ids must be new. With
        ``by`` (who asked), an audit row is written in the same transaction."""

    @abstractmethod
    def add_articles(self, batch: Iterable[tuple[Article, list[Event]]], *,
                     by: str | None = None, corrections: dict | None = None,
                     feed=None) -> list[bool]:
        """Store many (article, events) pairs in one transaction, all or nothing: for
        each, True when stored, False when its content hash was already there (or
        earlier in the batch).

        ``corrections`` (article hash -> list of :class:`~webapp.models.Correction`)
        are applied to stored events when, and only when, that article is stored
        (so re-ingesting it changes nothing); each leaves a row in the event's
        history (:meth:`event_history`). ``feed`` (a
        :class:`~webapp.store.feeds.FeedUpdate`) records a watched source's good
        poll in the same transaction."""

    # -- watched sources and corrected events (webapp.store.feeds, .history) ----------

    def feed_state(self, source: str):
        """The :class:`~webapp.store.feeds.FeedState` of a watched source."""
        raise StoreError(f"{type(self).__name__} cannot watch feeds")

    def feed_seen(self, source: str, keys: Iterable[str]) -> set[str]:
        """The item keys among ``keys`` that ``source`` has shown before."""
        raise StoreError(f"{type(self).__name__} cannot watch feeds")

    def feed_failed(self, source: str, error: str, next_try: str) -> int:
        """Note a failed poll of ``source`` (not tried again before ``next_try``, an
        ISO time); returns the failures in a row."""
        raise StoreError(f"{type(self).__name__} cannot watch feeds")

    def event_history(self, event_id: str) -> list:
        """The corrections of an event (:class:`~webapp.store.history.HistoryEntry`),
        newest first; empty for an event never corrected."""
        return []

    @abstractmethod
    def has_articles(self, hashes: Iterable[str]) -> set[str]:
        """The content hashes among ``hashes`` that are stored: ingest skips those
        articles before extracting them."""

    @abstractmethod
    def add_events(self, events: Iterable[Event], replace: bool = False, *,
                   by: str | None = None, about: dict | None = None) -> int:
        """Bulk-store events without an article (imports), all or nothing.

        An event whose id is already stored is left alone, or overwritten when
        ``replace``; returns how many rows were added or overwritten. With ``by``,
        an audit row (``about`` added to its detail) is written in the same
        transaction."""

    def add_rows(self, rows: Iterable[tuple], replace: bool = False, *,
                 by: str | None = None, about: dict | None = None) -> int:
        """Bulk-store rows in :data:`EVENT_COLUMNS`' order, as :meth:`add_events` stores
        events; the fast path for imports.

        A row is taken as it is: only a reader that checks every rule of
        :func:`event_problem` may produce them (``read_acled_rows`` does). This
        default goes through :meth:`add_events`, so a store that does not write rows
        directly checks them all the same."""
        return self.add_events((event_from_row(row) for row in rows), replace,
                               by=by, about=about)

    @abstractmethod
    def query(self, filters: Filters = Filters(), limit: int | None = None) -> list[Event]:
        """Events matching every filter, newest first (undated last), at most ``limit``:
        for small answers; listings page through :meth:`page`, dumps use
        :meth:`iter_events`.

        ``types`` matches event_type, sub_event_type or category; ``since``/``until``
        are inclusive dates; ``country`` an alpha-2 code; ``region`` the admin-1 name
        (case-insensitive); ``q`` a case-insensitive substring of notes, location,
        actor1 or actor2; ``bbox`` (west, south, east, north) in degrees, west > east
        crossing the antimeridian; ``article`` one article's events. Running totals and
        recalled history are left out unless ``include_flagged``."""

    @abstractmethod
    def iter_events(self, filters: Filters = Filters()) -> Iterator[Event]:
        """Every matching event, newest first, read a batch at a time: a dump of a
        million events never holds them all in memory."""

    @abstractmethod
    def page(self, filters: Filters, limit: int, after: tuple | None = None) -> Page:
        """The next ``limit`` matching events after the position ``after`` (a page's
        ``next_after``; None for the first page), newest first, with the total that
        match. Each event is on exactly one page however the pages are walked."""

    def heaviest(self, filters: Filters, limit: int) -> list[Event]:
        """At most ``limit`` matching events that killed anyone, most fatalities first,
        then newest (for a brief's key events), answered in the store's SQL."""
        raise StoreError(f"{type(self).__name__} cannot rank events by fatalities")

    @abstractmethod
    def get_event(self, event_id: str) -> Event | None:
        """The event with that id, or None."""

    @abstractmethod
    def count(self, filters: Filters = Filters()) -> int:
        """How many events match."""

    @abstractmethod
    def counts(self, filters: Filters = Filters(), by: str = "event_type") -> dict[str, int]:
        """Number of matching events per event_type (or per ``by``: sub_event_type,
        category, or event_date for a timeline: ISO days, None for undated), largest
        first."""

    @abstractmethod
    def region_totals(self, filters: Filters = Filters(), by_type: bool = False) -> list[tuple]:
        """(country_code, admin1, events, fatalities) of the matching events per admin-1
        area (with ``by_type``, (country_code, admin1, event_type, events, fatalities)
        per area and type), most events first; events with no area are left out."""

    def answer_zoom(self, filters: Filters, zoom: int) -> int:
        """The zoom at which this store answers :meth:`clusters` for the view quickly:
        ``zoom``, or a coarser one (a store that counts ahead may say so for a close
        view of very many events it would have to read one by one)."""
        return zoom

    @abstractmethod
    def clusters(self, filters: Filters, zoom: int) -> list[Cluster]:
        """The matching placed events inside ``filters.bbox`` (the whole world when
        None) gathered into the cells of a grid fitting map zoom ``zoom`` (Leaflet's
        0-18; a cell is 360 / 2**(zoom + 2) degrees on a side, about 64 pixels): one
        :class:`Cluster` per cell holding events. Over the whole world the counts add
        up to the placed matching events at every zoom."""

    # -- what is new: for open maps (webapp.store.changes holds the SQL stores' side) --
    # A marker is the number the store gave an event as it was written: later events
    # have larger ones. These answer by the primary key's range, and are bounded.

    def latest_marker(self) -> int:
        """The marker of the newest stored event (0 when there is none)."""
        raise StoreError(f"{type(self).__name__} cannot tell what is new")

    def changes(self, filters: Filters, marker: int, limit: int = 1000,
                latest: int | None = None):
        """A :class:`~webapp.store.changes.Changes`: how many events matching
        ``filters`` were stored after ``marker`` and up to ``latest`` (the newest now
        when None), counted up to ``limit``."""
        raise StoreError(f"{type(self).__name__} cannot tell what is new")

    def newest_since(self, filters: Filters, marker: int, limit: int = 1000,
                     latest: int | None = None):
        """A :class:`~webapp.store.changes.NewEvents`: the newest ``limit`` placed
        events matching ``filters`` stored after ``marker``, as (event_id, longitude,
        latitude)."""
        raise StoreError(f"{type(self).__name__} cannot tell what is new")

    def stored_after(self, event_ids, marker: int) -> set[str]:
        """Those of ``event_ids`` (a page's) stored after ``marker``."""
        raise StoreError(f"{type(self).__name__} cannot tell what is new")

    @abstractmethod
    def articles_count(self) -> int:
        """How many articles are stored."""

    @abstractmethod
    def backup(self, dest, overwrite: bool = False) -> dict:
        """Copy the whole store, consistent as of one moment, to ``dest`` while other
        processes go on reading and writing; returns what was copied (``events``,
        ``articles``, ``bytes``). An existing ``dest`` is refused unless ``overwrite``;
        ``dest`` appears whole or not at all."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection; further calls fail."""

    # -- whole-store records, for `python -m webapp copy` (webapp.store.transfer) ------
    # A store is copied to a store of another kind (SQLite <-> PostGIS) as a stream of
    # (table, record) pairs in plain values that neither store's layout shows through.
    # webapp.store.records holds what SQL stores share (each table's SELECT, the
    # record of a row, writing them all in one transaction); webapp.store.sqlite_records
    # is the SQLite side.

    def export_records(self) -> Iterator[tuple[str, object]]:
        """Everything stored, as ``(table, record)`` pairs: the tables in the order of
        :data:`RECORD_TABLES`, each whole before the next, all read from one moment of
        the store (one read transaction: writers may go on meanwhile), a batch at a
        time (never all in memory). The records, by table:

        - ``"articles"``: a dict ``content_hash``, ``title``, ``url``, ``source`` (text),
          ``published`` (ISO date text or None), ``ingested_at`` (ISO time text, as
          stored), in the order they were stored;
        - ``"events"``: an :class:`~webapp.models.Event`, as :meth:`get_event` returns it:
          ``article_hash`` is its article's content hash ("" for an imported event);
        - ``"users"``: a dict ``name``, ``role``, ``password_hash``, ``login_key``,
          ``created_at`` (the hashes as stored: passwords stay unknown and keep working);
        - ``"api_tokens"``: a dict ``user`` (the user's name), ``token_hash``, ``kind``
          (``"api"`` or ``"login"``), ``created_at``, ``expires_at`` (ISO text or None);
        - ``"audit"``: a dict ``at``, ``who``, ``action`` (text) and ``detail`` (a dict),
          oldest first;
        - ``"event_history"``: a dict ``event_id``, ``article_hash``, ``at``,
          ``old_values``, ``new_values`` (JSON text, as stored), oldest first;
        - ``"feeds"``: a dict ``source``, ``etag``, ``last_modified``, ``failures``,
          ``next_try``, ``last_ok``, ``last_error`` (a watched source's state);
        - ``"feed_items"``: a dict ``source``, ``item_key``, ``seen_at``.
        - ``"places"``: a :class:`~webapp.models.UserPlace` of the user's gazetteer, in
          the order they were stored (its ``id`` is this store's; the copy numbers
          them anew).

        A store that cannot export raises StoreError (one line)."""
        raise StoreError(f"{type(self).__name__} cannot export its records")

    def import_records(self, records: Iterable[tuple[str, object]], *,
                       by: str | None = None, about: dict | None = None) -> dict[str, int]:
        """Store every record of ``records`` (as :meth:`export_records` yields them,
        read as they come) in this store, which must be empty: no article, event,
        user or audit row (else StoreError, one line, and nothing written). All or
        nothing: one transaction, so a failure part way (a bad record, the source
        failing) leaves this store as it was. Events go through the store's bulk path,
        so its counts (cells, days, regions) are those of the events; each is linked to
        the article with its ``article_hash`` (StoreError when no such article came
        before it); a token to the user of its ``user``. With ``by``, an audit row
        ``store.copy`` (detail: ``about`` and the counts) is written last, in the same
        transaction. Returns how many records of each table were stored."""
        raise StoreError(f"{type(self).__name__} cannot import records")

    def record_counts(self) -> dict[str, int | None]:
        """How many records :meth:`export_records` would yield now per table (None
        when this store cannot tell cheaply): for progress bars only."""
        return {"articles": self.articles_count(),
                "events": self.count(Filters(include_flagged=True)),
                "users": None, "api_tokens": None, "audit": None, "event_history": None,
                "feeds": None, "feed_items": None, "places": None}

    def places(self):
        """The user's own gazetteer kept in this store (:mod:`webapp.store.places`):
        places added from files and ACLED imports, listed, removed, and read by the
        geocoder when their version changes."""
        if not hasattr(self, "_transaction"):
            raise StoreError(f"{type(self).__name__} keeps no user places")
        from webapp.store.places import Places

        return Places(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
