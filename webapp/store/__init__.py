"""Where events are kept between runs: an abstract :class:`EventStore`, its SQLite
implementation (one file, no server) and its PostGIS one (a shared database server),
chosen by :func:`open_store` from a path or a URL."""

from __future__ import annotations

import os

from webapp.errors import StoreError
from webapp.store.base import EventStore, event_problem
from webapp.store.sqlite import SCHEMA_VERSION, SQLiteStore

__all__ = ["EventStore", "SQLiteStore", "SCHEMA_VERSION", "event_problem", "open_store",
           "is_database_url", "describe"]

_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(target) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than an SQLite file."""
    return isinstance(target, str) and target.lower().startswith(_SCHEMES)


def open_store(target, **options) -> EventStore:
    """The store at ``target``: a ``postgresql://user@host:port/dbname`` URL opens the
    PostGIS store, anything else is the path of an SQLite file (created when missing)."""
    if target is None or str(target).strip() == "":
        raise StoreError("no event store given (a file path or a postgresql:// URL)")
    if is_database_url(str(target)):
        from webapp.store.postgis import PostGISStore

        return PostGISStore(str(target), **options)
    return SQLiteStore(os.fspath(target), **options)


def describe(target) -> str:
    """``target`` fit to print: a URL without its password."""
    text = str(target)
    if not is_database_url(text):
        return text
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=netloc[0].split(":")[0] + ":***@" + netloc[1]))
