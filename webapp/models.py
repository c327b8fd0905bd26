"""Plain data exchanged by the pipeline stages: articles in, toponyms and events out.

Frozen dataclasses, no behaviour beyond small conveniences, no Flask, no I/O. The
event vocabulary (ACLED's event types and sub-event types, and the briefing's finer
categories) is read from ``webapp/event_vocabulary.json``, the one file that the
extractor, the store, the map's legend and its filters share.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

VOCABULARY_FILE = Path(__file__).with_name("event_vocabulary.json")


@dataclass(frozen=True)
class Article:
    """One news report as ingested: headline, body text, publication date, origin."""

    title: str
    text: str                      # the full text the offsets below refer to
    published: date | None = None
    url: str = ""
    source: str = ""               # file name, feed name or URL the article came from

    @property
    def content_hash(self) -> str:
        """Identity for de-duplication: the same text is the same article."""
        return hashlib.sha256(f"{self.title}\n{self.text}".encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Toponym:
    """A place mention found in a text and what the geocoder made of it."""

    text: str
    start: int
    end: int
    name: str
    latitude: float
    longitude: float
    country_code: str
    admin1: str
    kind: str
    geo_precision: int
    source: str = ""
    geometry: dict | None = None   # GeoJSON of the place's own shape
    weak: bool = False             # a demonym ("Lebanese"): country-level only
    # A spatial expression's whole span ("eastern Aleppo", "10 km south of Tyre"): its
    # reading is the phrase's, while start:end is the place name the phrase is built on,
    # the words a reader (and an annotator) marks as the place.
    phrase: tuple[int, int] | None = None

    @property
    def phrase_start(self) -> int:
        return self.phrase[0] if self.phrase else self.start

    @property
    def phrase_end(self) -> int:
        return self.phrase[1] if self.phrase else self.end

    def words(self, text: str) -> str:
        """The words the reading was made from: the whole phrase, else the name."""
        return text[self.phrase[0]:self.phrase[1]] if self.phrase else self.text

    def as_json(self) -> dict:
        keys = ("text", "start", "end", "name", "latitude", "longitude", "country_code",
                "kind", "geo_precision")
        return {k: getattr(self, k) for k in keys}


@dataclass(frozen=True)
class Event:
    """One thing that happened, typed in ACLED's vocabulary and placed on the map."""

    event_id: str
    event_date: date | None
    time_precision: int            # ACLED: 1 day, 2 week, 3 month
    event_type: str
    sub_event_type: str
    category: str                  # the briefing's finer category (vocabulary file)
    actor1: str = ""
    actor2: str = ""
    fatalities: int = 0
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    geometry: dict | None = None   # GeoJSON of the place's own shape (line, polygon)
    country_code: str = ""
    admin1: str = ""
    geo_precision: int = 3
    notes: str = ""                # the source sentence(s)
    source: str = ""               # title or URL of the report
    span: tuple[int, int] | None = None  # character span of the sentence in the article
    is_total: bool = False         # a running total ("34,000 killed in the war")
    is_historical: bool = False    # history recalled ("the Oct. 7 raid")
    article_hash: str = ""
    extra: dict = field(default_factory=dict)  # columns from imports we keep verbatim


@dataclass(frozen=True)
class UserPlace:
    """A place a user gave the map (a gazetteer file, an ACLED import's locations):
    known to the geocoder beside the offline gazetteer, kept in the event store."""

    name: str
    latitude: float                # a point inside ``geometry`` when it has a shape
    longitude: float
    alternate_names: tuple[str, ...] = ()
    geometry: dict | None = None   # GeoJSON of its shape; None: the point alone
    country_code: str = ""         # ISO 3166-1 alpha-2, upper case; "" when not given
    admin1: str = ""
    admin2: str = ""
    kind: str = "locality"
    source: str = ""               # the file (or "acled:<file>") it came from
    id: int | None = None          # the store's, once stored


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    """The event vocabulary: {"event_types": {...}, "categories": {...}}."""
    with VOCABULARY_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)


def sub_event_types() -> dict[str, str]:
    """sub_event_type -> event_type, as ACLED defines them."""
    return {sub: etype for etype, info in vocabulary()["event_types"].items()
            for sub in info["sub_event_types"]}


@dataclass(frozen=True)
class Correction:
    """A stored event made more exact by a later article's event: ``changes`` are the
    Event fields to set (a higher toll, a finer place, and ``extra`` with its
    "updated" date). See :mod:`webapp.corrections` for when events are the same."""

    event_id: str
    changes: dict
