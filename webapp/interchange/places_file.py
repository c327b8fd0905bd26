"""A user gazetteer file: CSV or GeoJSON places for ``python -m webapp places add``.

CSV: a header with ``name``, ``latitude`` and ``longitude`` (``lat``/``lon``/``lng``
too), and optionally ``alternate_names`` (separated by ``;`` or ``|``), ``country``
(an ISO alpha-2 code or an English country name), ``admin1``, ``admin2``, ``kind`` and
``geometry`` (a GeoJSON geometry, whose point inside then stands in for a missing
latitude and longitude). GeoJSON: a FeatureCollection whose features have a ``name``
property and a Point, line or polygon geometry, the same optional properties.

Each bad row is reported with its line (a feature with its number and the line it
starts on) and reason; the good ones are returned, so that the caller stores them in
one transaction.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

from webapp.errors import ImportFormatError
from webapp.models import UserPlace

MAX_PLACES = 100_000        # per file
MAX_NAME_CHARS = 200
MAX_ALTERNATES = 50
MAX_FILE_BYTES = 200 * 2**20
# Kinds the geocoder and the extractor know (webapp.extract.finer.INSIDE_TOWN and the
# gazetteer's own); "locality" when a row says nothing.
KINDS = frozenset({
    "locality", "city", "village", "neighbourhood", "camp", "facility", "hospital",
    "university", "landmark", "junction", "roundabout", "port", "crossing", "area",
    "admin area", "county", "region",
})
_ALIASES = {"lat": "latitude", "lon": "longitude", "lng": "longitude",
            "long": "longitude", "alternatenames": "alternate_names",
            "alt_names": "alternate_names", "alternates": "alternate_names",
            "country_code": "country", "iso2": "country"}
_SEPARATOR = re.compile(r"\s*[;|]\s*")


def read_places(path) -> tuple[list[UserPlace], list[ImportFormatError]]:
    """(the good places, one error per bad row) of the CSV or GeoJSON file ``path``.
    A file that cannot be read at all raises ImportFormatError."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportFormatError(f"larger than {MAX_FILE_BYTES // 2**20} MB", path=path)
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise ImportFormatError(f"cannot read the file: {err.strerror}", path=path) from err
    except UnicodeDecodeError as err:
        raise ImportFormatError("not UTF-8 text", path=path) from err
    if path.suffix.lower() in (".geojson", ".json") or text.lstrip().startswith("{"):
        return _from_geojson(text, path)
    return _from_csv(text, path)


def _from_csv(text: str, path: Path):
    import io

    # line numbers as an editor shows them, also past a quoted cell of several lines
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [_ALIASES.get(h.strip().lower(), h.strip().lower())
                  for h in next(reader, [])]
    except csv.Error as err:
        raise ImportFormatError(f"not a readable CSV file: {err}", path=path) from err
    has_point = "latitude" in header and "longitude" in header
    if "name" not in header or not (has_point or "geometry" in header):
        raise ImportFormatError("a places CSV needs the columns name, latitude and "
                                "longitude (or geometry)", path=path)
    places, bad = [], []
    start = reader.line_num + 1
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as err:   # a broken quote: the reader cannot go on past it
            bad.append(ImportFormatError(f"unreadable CSV from here on: {err}", path=path,
                                         line=start))
            break
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) != len(header):
                raise ValueError(f"expected {len(header)} fields, found {len(row)}")
            fields = dict(zip(header, row))
            geometry = _geometry_cell(fields.get("geometry", ""))
            places.append(_place(fields, geometry, path.name))
        except ValueError as err:
            bad.append(ImportFormatError(str(err), path=path, line=line))
        if len(places) > MAX_PLACES:
            raise ImportFormatError(f"more than {MAX_PLACES:,} places: split the file",
                                    path=path)
    return places, bad


def _from_geojson(text: str, path: Path):
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ImportFormatError(f"not valid JSON: {err}", path=path) from err
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ImportFormatError("not a GeoJSON FeatureCollection", path=path)
    if len(features) > MAX_PLACES:
        raise ImportFormatError(f"more than {MAX_PLACES:,} places: split the file",
                                path=path)
    lines = _feature_lines(text)
    places, bad = [], []
    for number, feature in enumerate(features, start=1):
        try:
            if not isinstance(feature, dict) or not isinstance(
                    feature.get("properties") or {}, dict):
                raise ValueError("not a GeoJSON Feature with properties")
            props = {_ALIASES.get(str(k).lower(), str(k).lower()): v
                     for k, v in (feature.get("properties") or {}).items()}
            geometry = feature.get("geometry")
            if not isinstance(geometry, dict):
                raise ValueError("it has no geometry")
            props.pop("latitude", None)
            props.pop("longitude", None)
            places.append(_place(props, geometry, path.name))
        except ValueError as err:
            line = lines[number - 1] if len(lines) == len(features) else None
            bad.append(ImportFormatError(str(err), path=path, line=line, where=(
                f"feature {number}" + (f" (line {line})" if line else ""))))
    return places, bad


_SPACE = re.compile(r"\s*")


def _feature_lines(text: str) -> list[int]:
    """The line each feature of a FeatureCollection starts on (json gives no
    positions, so the top-level object is walked with the decoder's raw_decode);
    [] when the walk fails, and the features are then told by number only."""
    decode = json.JSONDecoder().raw_decode
    starts = []
    try:
        pos = _SPACE.match(text, 0).end()
        if text[pos] != "{":
            return []
        pos += 1
        while True:
            pos = _SPACE.match(text, pos).end()
            if text[pos] == "}":
                break
            key, pos = decode(text, pos)
            pos = _SPACE.match(text, pos).end() + 1          # the colon
            pos = _SPACE.match(text, pos).end()
            if key == "features" and text[pos] == "[":
                pos += 1
                while (pos := _SPACE.match(text, pos).end()) < len(text) \
                        and text[pos] != "]":
                    starts.append(pos)
                    pos = _SPACE.match(text, decode(text, pos)[1]).end()
                    pos += text[pos] == ","
                pos += 1
            else:
                pos = decode(text, pos)[1]
            pos = _SPACE.match(text, pos).end()
            pos += text[pos] == ","
    except (ValueError, IndexError):
        return []
    return [text.count("\n", 0, start) + 1 for start in starts]


def _geometry_cell(cell: str) -> dict | None:
    if not cell.strip():
        return None
    try:
        geometry = json.loads(cell)
    except ValueError as err:
        raise ValueError("geometry is not GeoJSON") from err
    if not isinstance(geometry, dict):
        raise ValueError("geometry is not a GeoJSON geometry")
    return geometry


def _place(fields: dict, geometry: dict | None, source: str) -> UserPlace:
    """The place of one row's fields, or ValueError saying what is wrong with it."""
    name = " ".join(str(fields.get("name") or "").split())
    if not name:
        raise ValueError("name is empty")
    if has_control_characters(name):
        raise ValueError("name holds control characters")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"name is longer than {MAX_NAME_CHARS} characters")
    alternates = fields.get("alternate_names") or []
    if isinstance(alternates, str):
        alternates = _SEPARATOR.split(alternates.strip())
    if not isinstance(alternates, list) or not all(isinstance(a, str) for a in alternates):
        raise ValueError("alternate_names must be text or a list of names")
    alternates = tuple(dict.fromkeys(
        a for a in (" ".join(a.split()) for a in alternates) if a and a != name))
    if any(map(has_control_characters, alternates)):
        raise ValueError("an alternate name holds control characters")
    if len(alternates) > MAX_ALTERNATES or any(len(a) > MAX_NAME_CHARS for a in alternates):
        raise ValueError(f"at most {MAX_ALTERNATES} alternate names of at most "
                         f"{MAX_NAME_CHARS} characters")
    kind = " ".join(str(fields.get("kind") or "locality").lower().split())
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind[:40]!r} (one of {', '.join(sorted(KINDS))})")
    if geometry is not None:
        geometry, lat, lon = _shape(geometry)
    else:
        lat, lon = _number(fields.get("latitude"), "latitude"), \
            _number(fields.get("longitude"), "longitude")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"coordinates out of range: {lat:g}, {lon:g}")
    return UserPlace(name=name, latitude=lat, longitude=lon, alternate_names=alternates,
                     geometry=geometry, country_code=country_code(fields.get("country")),
                     admin1=_text(fields.get("admin1")), admin2=_text(fields.get("admin2")),
                     kind=kind, source=source)


def _shape(geometry: dict) -> tuple[dict | None, float, float]:
    """(the shape to keep, None for a point; the latitude and longitude of a point
    inside it)."""
    import shapely.geometry
    from shapely.errors import ShapelyError

    try:
        shape = shapely.geometry.shape(geometry)
    except (ShapelyError, KeyError, TypeError, ValueError, IndexError, AttributeError) \
            as err:
        raise ValueError(f"geometry is not a valid GeoJSON geometry ({err})") from err
    if shape.is_empty or not shape.is_valid:
        raise ValueError("geometry is empty or not a valid shape (self-crossing?)")
    west, south, east, north = shape.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError("geometry lies outside longitude -180..180, latitude -90..90")
    if shape.geom_type == "Point":
        return None, float(shape.y), float(shape.x)
    inside = shape.representative_point()
    return shapely.geometry.mapping(shape), float(inside.y), float(inside.x)


def country_code(value) -> str:
    """An ISO alpha-2 code from a code or an English country name; "" for none."""
    text = _text(value)
    if not text:
        return ""
    from webapp.interchange.codes import countries

    names = countries()[2]
    if text.upper() in names:
        return text.upper()
    by_name = {name.casefold(): code for code, name in names.items()}
    found = by_name.get(text.casefold())
    if found is None:
        raise ValueError(f"unknown country {text[:60]!r} (an ISO code such as PS, or "
                         "its English name)")
    return found


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a character that is no letter, mark, number, punctuation,
    symbol or space (a terminal's escape sequence, say), which a name never needs."""
    import unicodedata

    return any(unicodedata.category(c)[0] == "C" for c in text)


def _number(value, name: str) -> float:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} is not a number: {str(value)[:40]!r}") from err
    if not math.isfinite(number):
        raise ValueError(f"{name} is not a finite number")
    return number


def _text(value) -> str:
    text = " ".join(str(value or "").split())[:MAX_NAME_CHARS]
    return "" if has_control_characters(text) else text
