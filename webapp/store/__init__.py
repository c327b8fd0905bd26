"""Where events are kept between runs: an abstract :class:`EventStore` and its SQLite
implementation (one file, no server). A PostGIS store can be added beside it."""

from webapp.store.base import EventStore, event_problem
from webapp.store.sqlite import SCHEMA_VERSION, SQLiteStore

__all__ = ["EventStore", "SQLiteStore", "SCHEMA_VERSION", "event_problem"]
