"""The offline geocoder, with geopy's interface and the resolver interface.

``OfflineGeocoder().geocode("Rafah", context=article_text)`` returns a
``geopy.location.Location`` whose ``raw`` dict carries the briefing map's fields
(name, kind, country_code, admin1, geo_precision, source, GeoJSON geometry), or None;
``resolve()`` returns the same fields as a :class:`~webapp.geocoder.resolver.Resolved`.
"""

from __future__ import annotations

import json
import re

from geopy.location import Location
import shapely

from webapp.errors import BadQueryError
from webapp.geocoder import relative, spatial
from webapp.geocoder.composite import CompositeExpressions
from webapp.geocoder.composite import moved as _moved
from webapp.geocoder.context import Context, ContextCache
from webapp.geocoder.gazetteer import Gazetteer, Place, display_name, load_gazetteer
from webapp.geocoder.kinds import PlaceKind
from webapp.geocoder.ranking import Ranker
from webapp.geocoder.resolver import MAX_QUERY_CHARS, Resolved

_LEADING_ARTICLE = re.compile(r"^(?:the|la|le|el|al)\s+", re.IGNORECASE)
_ADMIN_SUFFIX = re.compile(
    r"\s+(?:city|town|village|governorate|province|district|state|county|oblast|region|"
    r"prefecture|municipality|department|camp|refugee camp)$", re.IGNORECASE)


def _check_query(query) -> str:
    if not isinstance(query, str):
        raise BadQueryError(f"query must be text, not {type(query).__name__}")
    q = " ".join(query.split())
    if not q:
        raise BadQueryError("query is empty")
    if len(q) > MAX_QUERY_CHARS:
        raise BadQueryError(f"query is longer than {MAX_QUERY_CHARS} characters")
    return q


class OfflineGeocoder(CompositeExpressions):
    """Resolves names, areas, borders and spatial expressions from local data only.

    Implements :class:`webapp.geocoder.resolver.Resolver`."""

    def __init__(self, gazetteer: Gazetteer | None = None, cache_dir=None):
        self.gaz = gazetteer if gazetteer is not None else load_gazetteer(cache_dir)
        self.ranker = Ranker(self.gaz)
        self._contexts = ContextCache(self.gaz, rank=self.ranker.best_with_margin)
        self._geojson_cache: dict[int, dict] = {}
        # composed shapes by (record, rule): the same phrase recurs across articles
        self._composed: dict[tuple, tuple] = {}
        self._composed_json: dict[int, dict | None] = {}  # id of a cached shape -> GeoJSON
        # The recogniser asks knows_name() of nearly every capitalised word: the name
        # index's own dict answers it directly rather than through two more methods.
        exact = self.gaz.exact
        self._knows = (exact.slots().__contains__ if hasattr(exact, "slots")
                       else exact.__contains__)

    # -- geopy interface ----------------------------------------------------------
    def geocode(self, query, exactly_one: bool = True, timeout=None, *, context=None,
                position: int | None = None, country_codes=None, limit: int = 10):
        """Best match (or up to ``limit`` ranked matches) for ``query``.

        ``context`` is the text around the mention (e.g. the whole article) or a
        prepared :class:`Context`, ``position`` the mention's character offset in it;
        ``country_codes`` restricts the countries searched.
        """
        q = _check_query(query)
        results = self._answers(q, context, position, country_codes)
        locations = [self._location(q, place, precision, geom)
                     for place, precision, geom in results[: (1 if exactly_one else limit)]]
        if exactly_one:
            return locations[0] if locations else None
        return locations or None

    # -- resolver interface (webapp.geocoder.resolver) ------------------------------
    def resolve(self, name: str, context=None, position: int | None = None):
        """The best reading of ``name`` as a :class:`Resolved`, or None (arguments as
        :meth:`geocode`'s)."""
        q = _check_query(name)
        results = self._answers(q, context, position)
        return self._resolved(q, *results[0]) if results else None

    def border(self, a_country: str, b_country: str):
        """The border two countries (ISO codes) share, or None."""
        ids = [self.gaz.country(code.upper()) for code in (a_country, b_country)]
        if None in ids or ids[0] == ids[1]:
            return None
        a, b = (self.gaz.place(i) for i in ids)
        found = self._border_of(a, b)
        return self._resolved(found[0][0].name, *found[0]) if found else None

    def country_name(self, country_code: str) -> str | None:
        i = self.gaz.country(country_code.upper())
        return display_name(self.gaz.names[i]) if i is not None else None

    def knows_name(self, key: str) -> bool:
        return self._knows(key)

    def demonym_country(self, key: str) -> str | None:
        return self.gaz.demonym_country(key)

    def name_kinds(self, key: str) -> frozenset:
        return self.gaz.name_kinds(key)

    def _answers(self, q: str, context, position, country_codes=None) -> list:
        ctx = context if isinstance(context, Context) else self._contexts.get(context)
        ctx = ctx.at(position)
        allowed = {c.upper() for c in ([country_codes] if isinstance(country_codes, str)
                                       else country_codes or [])}
        return self._resolve(q, ctx, allowed)

    def _record_geojson(self, i: int) -> dict:
        """A record's own geometry as GeoJSON, converted once (shared: do not modify)."""
        cached = self._geojson_cache.get(i)
        if cached is None:
            cached = self._geojson_cache[i] = _geojson(self.gaz.geometry(i))
        return cached

    def context(self, text: str | None, check=None, origin: str = "") -> Context:
        """The prepared context of a text, to reuse across many queries; ``check``,
        when given, is called while a new text is read and may raise to stop it;
        ``origin``, the article's URL or feed, may name the publisher's home region."""
        return self._contexts.get(text, check, origin)

    # -- resolution ---------------------------------------------------------------
    def _resolve(self, q: str, ctx: Context, allowed: set) -> list:
        bare = _LEADING_ARTICLE.sub("", q)
        ranked = self._rank_name(q, ctx, allowed) or self._rank_name(bare, ctx, allowed)
        expr = spatial.parse(q)
        # A curated point for "southern Lebanon" is worth less than the shape the
        # expression itself describes.
        if ranked and not (expr.kind == "part" and ranked[0].geometry.geom_type == "Point"):
            return [(p, p.geo_precision, p.geometry) for p in ranked]
        if expr.kind == "name":
            return [(p, p.geo_precision, p.geometry) for p in self._fallback_names(bare, ctx,
                                                                                  allowed)]
        handler = getattr(self, f"_expr_{expr.kind}")
        return handler(expr, ctx, allowed) or [(p, p.geo_precision, p.geometry) for p in ranked]

    def _fallback_names(self, q: str, ctx: Context, allowed: set) -> list[Place]:
        """Names with a qualifier ("Paris, Texas") or a generic suffix ("Rafah city")."""
        if "," in q:
            head, _, qualifier = q.partition(",")
            within = self._rank_name(qualifier.strip(), ctx, allowed)
            if within:
                area = within[0]
                scope = {area.country_code} if area.country_code else allowed
                ranked = self._rank_name(head.strip(), ctx, scope)
                if area.kind == PlaceKind.ADMIN_AREA:
                    inside = [p for p in ranked if p.admin1 == area.admin1]
                    ranked = inside or ranked
                return ranked
        stripped = _ADMIN_SUFFIX.sub("", q)
        if stripped != q:
            return self._rank_name(stripped, ctx, allowed)
        return []

    def _named(self, name: str, ctx, allowed) -> list[Place]:
        """Readings of a plain name, or of "Y, X" (Y within X)."""
        bare = _LEADING_ARTICLE.sub("", name)
        return self._rank_name(bare, ctx, allowed) or self._fallback_names(bare, ctx, allowed)

    def _rank_name(self, name: str, ctx: Context, allowed: set, areas_only=False) -> list:
        # Ten readings are plenty for any caller; building Place objects is the cost.
        return [self.gaz.place(i)
                for _, i in self.ranker.scored(name, ctx, allowed, areas_only)[:10]]

    def resolve_area(self, name: str, ctx: Context, allowed: set = frozenset()):
        """The best reading of ``name`` that has an area (polygon or line) of its own."""
        bare = _LEADING_ARTICLE.sub("", name)
        ranked = self._rank_name(bare, ctx, allowed, areas_only=True)
        if not ranked:
            return None
        # "Gaza" as an area is the Strip, not the governorate of that name: of the
        # areas so named in the best reading's country, take the largest.
        top = ranked[0]
        same = [p for p in ranked[:8] if p.country_code == top.country_code]
        return max(same, key=lambda p: p.geometry.area)

    # -- expressions --------------------------------------------------------------
    def _expr_offset(self, expr, ctx, allowed):
        ranked = self._rank_name(_LEADING_ARTICLE.sub("", expr.names[0]), ctx, allowed)
        out = []
        for p in ranked:
            lat, lon = spatial.offset_point(p.latitude, p.longitude, expr.km, expr.direction)
            label = f"{expr.km:g} km {expr.direction} of {p.name}"
            out.append((_moved(p, lat, lon, name=label), 2, spatial.Point(lon, lat)))
        return out

    def _expr_part(self, expr, ctx, allowed):
        full = f"{expr.direction} {expr.names[0]}"
        named = [p for p in self._rank_name(full, ctx, allowed)
                 if p.kind in (PlaceKind.ADMIN_AREA, PlaceKind.REGION, PlaceKind.AREA)]
        if named:
            return [(self._where_people_live(p), 2, p.geometry) for p in named]
        area = self.resolve_area(expr.names[0], ctx, allowed)
        if area is None:
            return []
        key = (area.index, "part", expr.direction)
        if key not in self._composed:
            piece = relative.region_part(area.geometry, expr.direction,
                                         self._sub_areas_of(area))
            self._composed[key] = piece, self.people.representative_point(piece)
            self._composed_json[id(piece)] = None
        piece, pt = self._composed[key]
        label = f"{spatial.adjective(expr.direction).capitalize()} {area.name}"
        part = _moved(area, pt.y, pt.x, name=label, kind=PlaceKind.REGION_PART.value,
                      source=f"{area.source}#{expr.direction}")
        return [(part, 2 if area.kind != PlaceKind.CONTINENT else 3, piece)]

    def _expr_border(self, expr, ctx, allowed):
        sides = [self.resolve_area(n, ctx) for n in expr.names]
        if any(s is None for s in sides):
            return []
        if len(sides) == 1:
            other = self._implicit_neighbour(sides[0], ctx)
            if other is None:
                return []
            sides.append(other)
        return self._border_of(*sides)

    def _border_of(self, a: Place, b: Place) -> list:
        line = self._shared_border(a, b)
        if line.is_empty:
            # "the Gaza-Egypt border": fall back to the countries the areas belong to.
            ca, cb = self._country_of(a), self._country_of(b)
            if ca is None or cb is None:
                return []
            line = self._shared_border(ca, cb)
            if line.is_empty:
                return []
        pt = spatial.point_on(line)
        cc = (a.country_code if a.kind != PlaceKind.COUNTRY or b.kind == PlaceKind.COUNTRY
              else b.country_code)
        border = _moved(a, pt.y, pt.x, name=f"{a.name}–{b.name} border",
                        kind=PlaceKind.BORDER.value,
                        source=f"border:{a.source}|{b.source}", country_code=cc, admin1="")
        return [(border, 2, line)]

    def _shared_border(self, a: Place, b: Place):
        """Where two areas meet, worked out once per pair (tracing a country's outline
        takes a tenth of a second, and "near the border" asks again)."""
        key = (a.index, b.index, "border")
        if key not in self._composed:
            self._composed[key] = (spatial.shared_border(a.geometry, b.geometry),)
        return self._composed[key][0]

    def _country_of(self, place: Place):
        if place.kind == PlaceKind.COUNTRY:
            return place
        i = self.gaz.country(place.country_code)
        return self.gaz.place(i) if i is not None else None

    def _implicit_neighbour(self, side: Place, ctx: Context):
        """The other side of "the Lebanon border": of the neighbours the text names, the
        one named closest to the phrase, else the one it names most."""
        gaz = self.gaz
        candidates = []
        for cc, weight in ctx.country_weight.items():
            i = gaz.country(cc)
            if i is None or cc == side.country_code:
                continue
            other = gaz.place(i)
            if not self._shared_border(side, other).is_empty:
                candidates.append((ctx.mention_distance(cc), -weight, cc, other))
        return min(candidates, key=lambda c: c[:3])[3] if candidates else None

    # -- output -------------------------------------------------------------------
    def _composed_geojson(self, geom) -> dict:
        """GeoJSON of a shape; a cached composed shape's is converted once."""
        if id(geom) not in self._composed_json:
            return _geojson(geom)
        if self._composed_json[id(geom)] is None:
            self._composed_json[id(geom)] = _geojson(geom)
        return self._composed_json[id(geom)]

    def _resolved(self, query: str, place: Place, precision: int, geom) -> Resolved:
        return Resolved(
            name=place.name, latitude=round(place.latitude, 6),
            longitude=round(place.longitude, 6), country_code=place.country_code,
            admin1=place.admin1, kind=place.kind, geo_precision=precision,
            source=place.source,
            geometry=(self._record_geojson(place.index) if geom is place.geometry
                      else self._composed_geojson(geom)),
            approximate=place.approximate, population=place.population, query=query)

    def _location(self, query: str, place: Place, precision: int, geom) -> Location:
        raw = self._resolved(query, place, precision, geom).as_raw()
        country = self.gaz.country(place.country_code)
        parts = [place.name, place.admin1 if place.admin1 != place.name else "",
                 self.gaz.names[country]
                 if country is not None and place.kind != PlaceKind.COUNTRY else ""]
        address = ", ".join(p for p in parts if p)
        return Location(address, (place.latitude, place.longitude), raw)


def _geojson(geom) -> dict:
    """GeoJSON mapping with coordinates rounded to ~1 m (shapely's C writer is fast)."""
    return json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-5)))


__all__ = ["OfflineGeocoder", "MAX_QUERY_CHARS"]
