"""Events as a GeoJSON FeatureCollection, read and written.

Each event is a Point feature, because that is what map tools (QGIS, kepler.gl,
geojson.io) style and cluster; the event's own shape (a border line, a governorate
polygon), when it has one, travels as the GeoJSON object in the ``shape`` property.
ACLED-only columns kept in ``Event.extra`` are written as further properties, so
that an ACLED import exported as GeoJSON loses nothing.

Bad features follow the same rule as bad CSV rows (see :mod:`.acled`): the first one
raises :class:`ImportFormatError` naming it, unless a ``skipped`` list is given.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator

from webapp.errors import ImportFormatError
from webapp.interchange.codes import Counted, category_for, parse_date
from webapp.models import Event
from webapp.store.base import event_problem

PROPERTIES = ("event_id", "event_date", "event_type", "sub_event_type", "category",
              "actor1", "actor2", "fatalities", "location", "country_code", "admin1",
              "geo_precision", "time_precision", "notes", "source", "is_total",
              "is_historical")
_RESERVED = frozenset(PROPERTIES) | {"shape"}
_TEXT = ("actor1", "actor2", "location", "admin1", "notes", "source")

# Escaped so the file can be pasted into an HTML <script> block as it is: "</script>"
# in a note must not end the block. JSON readers decode these back to the characters.
_HTML_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                "\u2028": "\\u2028", "\u2029": "\\u2029"}
_UNSAFE_TABLE = str.maketrans(_HTML_UNSAFE)


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_CHUNK = 256   # features encoded and escaped together: one translate() per chunk


def write_geojson(events: Iterable[Event], fh) -> int:
    """Write ``events`` to the text file ``fh`` as a FeatureCollection, one feature
    per line (streamed in chunks, so large exports need no memory). Returns the count."""
    counted = Counted(events)
    for part in geojson_parts(counted):
        fh.write(part)
    return counted.count


def geojson_parts(events: Iterable[Event]) -> Iterator[str]:
    """The text :func:`write_geojson` writes, in pieces made as the events come."""
    yield '{"type": "FeatureCollection", "features": ['
    first = True
    chunk: list[str] = []
    for ev in events:
        chunk.append(_ENCODE(feature(ev)))
        if len(chunk) == _CHUNK:
            yield _chunk_text(chunk, first)
            first, chunk = False, []
    if chunk:
        yield _chunk_text(chunk, first)
    yield "\n]}\n"


def _chunk_text(features: list[str], first: bool) -> str:
    # str.translate over one long string costs about what it costs over one feature
    return ("\n" if first else ",\n") + ",\n".join(features).translate(_UNSAFE_TABLE)


def feature(ev: Event) -> dict:
    props = {
        "event_id": ev.event_id,
        "event_date": ev.event_date.isoformat() if ev.event_date else None,
        "event_type": ev.event_type, "sub_event_type": ev.sub_event_type,
        "category": ev.category, "actor1": ev.actor1, "actor2": ev.actor2,
        "fatalities": ev.fatalities, "location": ev.location,
        "country_code": ev.country_code, "admin1": ev.admin1,
        "geo_precision": ev.geo_precision, "time_precision": ev.time_precision,
        "notes": ev.notes, "source": ev.source, "is_total": bool(ev.is_total),
        "is_historical": bool(ev.is_historical), "shape": ev.geometry,
    }
    if ev.extra:
        props.update((k, v) for k, v in ev.extra.items() if k not in _RESERVED)
    point = None if ev.latitude is None else {
        "type": "Point", "coordinates": [ev.longitude, ev.latitude]}
    return {"type": "Feature", "id": ev.event_id, "geometry": point, "properties": props}


def read_geojson(path, skipped: list | None = None) -> Iterator[Event]:
    """Events from a FeatureCollection whose properties use :data:`PROPERTIES`' names.

    A feature with a line or polygon geometry (and no ``shape`` property) is placed at
    a representative point inside it, and the geometry is kept as the event's shape.
    Properties other than the known ones end up in ``Event.extra``.
    """
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except OSError as err:
        raise ImportFormatError(f"cannot read the file: {err.strerror}", path=path) from err
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError is a ValueError
        raise ImportFormatError(f"not valid JSON: {err}", path=path) from err
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise ImportFormatError("not a GeoJSON FeatureCollection", path=path)
    for number, feature in enumerate(data["features"], 1):
        try:
            event = _event(feature)
        except (ValueError, TypeError) as err:
            problem = ImportFormatError(str(err), path=path,
                                        where=f"feature {number}")
            if skipped is None:
                raise problem from err
            skipped.append(problem)
            continue
        yield event


def _event(feature) -> Event:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("not a GeoJSON Feature")
    props = dict(feature.get("properties") or {})
    shape = props.pop("shape", None)
    if shape is not None and not (isinstance(shape, dict) and "type" in shape):
        raise ValueError("the shape property is not a GeoJSON geometry")
    latitude, longitude, own_shape = _place(feature.get("geometry"))
    event_id = props.pop("event_id", None)
    if event_id is None or event_id == "":
        event_id = feature.get("id")
    if event_id is None or str(event_id).strip() == "":
        raise ValueError("event_id is missing")
    event_type = _text(props.pop("event_type", None)).strip()
    sub_event_type = _text(props.pop("sub_event_type", None)).strip()
    if not event_type or not sub_event_type:
        raise ValueError("event_type and sub_event_type are required")
    raw_date = props.pop("event_date", None)
    try:
        event_date = parse_date(str(raw_date)) if raw_date else None
    except ValueError:
        raise ValueError(f"unparseable event_date {raw_date!r}") from None
    category = _text(props.pop("category", None)).strip() \
        or category_for(event_type, sub_event_type)
    fields = {name: _text(props.pop(name, None)) for name in _TEXT}
    event = Event(
        event_id=str(event_id).strip(), event_date=event_date,
        time_precision=_int(props.pop("time_precision", None), "time_precision", 1),
        event_type=event_type, sub_event_type=sub_event_type, category=category,
        fatalities=_int(props.pop("fatalities", None), "fatalities", 0),
        latitude=latitude, longitude=longitude,
        geometry=shape if shape is not None else own_shape,
        country_code=_text(props.pop("country_code", None)).strip().upper(),
        geo_precision=_int(props.pop("geo_precision", None), "geo_precision", 3),
        is_total=_flag(props.pop("is_total", None), "is_total"),
        is_historical=_flag(props.pop("is_historical", None), "is_historical"),
        extra=props, **fields)
    problem = event_problem(event)  # the vocabulary and ranges the store will insist on
    if problem:
        raise ValueError(problem)
    return event


def _place(geometry) -> tuple[float | None, float | None, dict | None]:
    """(latitude, longitude, shape) for a feature's geometry."""
    if geometry is None:
        return None, None, None
    if not isinstance(geometry, dict):
        raise ValueError("geometry is not a GeoJSON object")
    if geometry.get("type") == "Point":
        coords = geometry.get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2:
            raise ValueError(f"bad Point coordinates {coords!r}")
        lon, lat = coords[0], coords[1]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                   and math.isfinite(v) for v in (lon, lat)) \
                or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"Point coordinates out of range: {coords!r}")
        return float(lat), float(lon), None
    import shapely.geometry  # only lines and polygons need it

    try:
        point = shapely.geometry.shape(geometry).representative_point()
    except Exception as err:  # shapely raises several unrelated types for bad input
        raise ValueError(f"unusable {geometry.get('type')} geometry: {err}") from err
    if point.is_empty:
        return None, None, geometry
    return point.y, point.x, geometry


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ValueError(f"expected text, found {type(value).__name__}")
    return str(value)


def _int(value, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, float) and value.is_integer():  # 3.0 from some map tools
        return int(value)
    if isinstance(value, bool) or not (isinstance(value, int)
                                       or (isinstance(value, str) and value.isdigit())):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def _flag(value, name: str) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false", "True", "False"):
        return str(value) in ("1", "true", "True")
    raise ValueError(f"{name} must be true or false, not {value!r}")
