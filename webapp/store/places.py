"""The user's own gazetteer, kept in the event store (SQLite or PostGIS alike).

A place is one row per name, country and admin-1 area: loading a file or an ACLED
export again updates its places rather than doubling them. Every change, whole or not
at all (one transaction), raises ``places_version`` by one, which is what a geocoder
holding the places watches (:mod:`webapp.geocoder.user_places`): it rebuilds its index
when the places change, not for every article. The SQL is written once for both stores
(``?`` placeholders, see :class:`webapp.store.accounts.Accounts`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from webapp.errors import StoreError
from webapp.models import UserPlace
from webapp.store import audit

MAX_LISTED = 500          # places in one page of a listing
MAX_INDEXED = 200_000     # places a geocoder takes from a store, at most
COLUMNS = ("id", "name", "alternate_names", "latitude", "longitude", "geometry",
           "country_code", "admin1", "admin2", "kind", "source")
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM places"
_WRITTEN = COLUMNS[1:]
_UPSERT = (f"INSERT INTO places (name_key, {', '.join(_WRITTEN)}, added_at) VALUES "
           f"({', '.join('?' * (len(_WRITTEN) + 2))}) "
           "ON CONFLICT (name_key, country_code, admin1) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in _WRITTEN if c not in
                       ("name", "country_code", "admin1")))
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def name_key(name: str) -> str:
    """What makes two names one place's (with its country and area): case and
    spacing aside."""
    return " ".join(name.casefold().split())


def place_row(place: UserPlace, added_at: str) -> tuple:
    """The values of :data:`_UPSERT` (and of a copied record) for ``place``."""
    return (name_key(place.name), place.name,
            _dumps(list(place.alternate_names)) if place.alternate_names else "[]",
            float(place.latitude), float(place.longitude),
            _dumps(place.geometry) if place.geometry else None, place.country_code,
            place.admin1, place.admin2, place.kind, place.source, added_at)


def place_from_row(row: tuple) -> UserPlace:
    (id_, name, alternates, lat, lon, geometry, cc, admin1, admin2, kind, source) = row
    return UserPlace(name=name, latitude=lat, longitude=lon,
                     alternate_names=tuple(json.loads(alternates or "[]")),
                     geometry=json.loads(geometry) if geometry else None,
                     country_code=cc, admin1=admin1, admin2=admin2, kind=kind,
                     source=source, id=id_)


def write(conn, places: Iterable[UserPlace]) -> int:
    """Store ``places`` inside the caller's transaction (new ones added, known ones
    updated) and raise the version; returns how many were written."""
    counted = [0]
    added_at = audit.now_text()

    def rows():
        for place in places:
            counted[0] += 1
            yield place_row(place, added_at)

    conn.executemany(_UPSERT, rows())
    if counted[0]:
        bump(conn)
    return counted[0]


def bump(conn) -> None:
    conn.execute("UPDATE places_version SET version = version + 1")


class Places:
    """The places of one open store (:meth:`EventStore.places`)."""

    def __init__(self, store):
        self._store = store

    def version(self) -> int:
        """Raised by every change: equal versions, equal places."""
        return self._all("SELECT version FROM places_version", ())[0][0]

    def count(self) -> int:
        return self._all("SELECT count(*) FROM places", ())[0][0]

    def page(self, limit: int = MAX_LISTED, after: int | None = None) -> list[UserPlace]:
        """Up to ``limit`` places in the order they were first stored, after the place
        with id ``after``."""
        limit = max(1, min(int(limit), MAX_LISTED))
        rows = self._all(f"{_SELECT} WHERE id > ? ORDER BY id LIMIT {limit:d}",
                         (int(after or 0),))
        return [place_from_row(row) for row in rows]

    def snapshot(self, limit: int = MAX_INDEXED) -> tuple[int, list[UserPlace]]:
        """(version, the first ``limit`` places) of one moment: what a geocoder's index
        is built from. Read without the write lock (a long import holds it), and read
        again should the places change meanwhile (the version is the one from before
        the rows, so a later check that finds a newer one reads them again)."""
        for _ in range(5):
            version = self.version()
            rows = self._all(f"{_SELECT} ORDER BY id LIMIT {int(limit):d}", ())
            if self.version() == version:
                break
        return version, [place_from_row(row) for row in rows]

    def add(self, places: Iterable[UserPlace], *, by: str | None,
            about: dict | None = None) -> int:
        """Store ``places`` in one transaction (all or none), with an audit row when
        ``by`` (who asked) is given."""
        with self._write() as conn:
            count = write(conn, places)
            if by is not None:
                audit.write(conn, by, "places.add", {**(about or {}), "places": count})
        return count

    def remove(self, name_or_id: str, *, by: str) -> list[UserPlace]:
        """Remove the place with that id (digits), or every place of that name;
        returns what was removed. StoreError when nothing matches."""
        text = str(name_or_id).strip()
        if text.isdigit():
            where, value = "id = ?", int(text)
        else:
            where, value = "name_key = ?", name_key(text)
        with self._write() as conn:
            rows = conn.execute(f"{_SELECT} WHERE {where} ORDER BY id LIMIT "
                                f"{MAX_LISTED:d}", (value,)).fetchall()
            if not rows:
                raise StoreError(f"no user place named or numbered {text[:80]!r} "
                                 "(see `python -m webapp places list`)")
            conn.execute(f"DELETE FROM places WHERE {where}", (value,))
            bump(conn)
            removed = [place_from_row(row) for row in rows]
            audit.write(conn, by, "places.remove",
                        {"places": len(removed), "name": removed[0].name})
        return removed

    @contextmanager
    def _write(self) -> Iterator:
        try:
            with self._store._transaction() as conn:
                yield conn
        except self._store.database_errors as err:
            raise StoreError(f"the user places could not be read or changed: {err}") \
                from err

    def _all(self, sql: str, params) -> list[tuple]:
        return self._store._read(self._store._dialect.from_qmarks(sql), params)
