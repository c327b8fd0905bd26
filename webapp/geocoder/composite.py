"""Composite expressions of the offline geocoder: "near X", "N km from X", "east of X",
"the part of A close to B", and regions named by their direction placed where people live.

A mixin of :class:`webapp.geocoder.offline.OfflineGeocoder` (it uses the geocoder's
name ranking, area resolution and border tracing); the geometry itself is built by
:mod:`webapp.geocoder.relative` and :mod:`webapp.geocoder.people`.
"""

from __future__ import annotations

from dataclasses import replace

from webapp.geocoder import relative, spatial
from webapp.geocoder.gazetteer import Place
from webapp.geocoder.kinds import PlaceKind
from webapp.geocoder.people import People


class CompositeExpressions:
    """Handlers for the composite kinds of :func:`webapp.geocoder.spatial.parse`."""

    _people: People | None = None
    _sub_areas: relative.SubAreas | None = None

    @property
    def people(self) -> People:
        if self._people is None:
            self._people = People(self.gaz)  # built on first use: loading stays fast
        return self._people

    def _sub_areas_of(self, area: Place) -> list:
        if self._sub_areas is None:
            self._sub_areas = relative.SubAreas(self.gaz)
        return self._sub_areas.of(area.index, area.geometry)

    def _country_shape(self, place: Place):
        country = self._country_of(place)
        return country.geometry if country is not None else None

    def _expr_near(self, expr, ctx, allowed):
        inner = spatial.parse(expr.names[0])
        if inner.kind == "border":
            return self._near_border(inner, ctx)
        out = []
        for p in self._named(expr.names[0], ctx, allowed):
            key = (p.index, "near")
            if key not in self._composed:
                zone = relative.buffer_km(p.geometry, relative.POINT_REACH_KM)
                if p.kind != "country":
                    zone = relative.within_country(zone, self._country_shape(p))
                self._composed[key] = (zone,)
                self._composed_json[id(zone)] = None
            out.append((p, max(p.geo_precision, 2), self._composed[key][0]))
        return out

    def _near_border(self, inner, ctx):
        """"Near the border with Gaza": the strip along the line, on the side that is
        not the one named after "with" (the side of the text's other country)."""
        found = self._expr_border(inner, ctx, set())
        if not found:
            return []
        border, _, line = found[0]
        strip = relative.buffer_km(line, relative.BORDER_STRIP_KM)
        if len(inner.names) == 1:
            named = self.resolve_area(inner.names[0], ctx)
            other = self._implicit_neighbour(named, ctx) if named is not None else None
            if other is not None:
                strip = relative.border_strip(line, other.geometry)
                pt = self.people.representative_point(strip)
                border = moved(border, pt.y, pt.x, country_code=other.country_code)
        return [(border, 2, strip)]

    def _where_people_live(self, area: Place) -> Place:
        """A region named by its direction ("northern Gaza": North Gaza) placed where
        its people live; a point-only region keeps its point."""
        if area.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            return area
        key = (area.index, "people")
        if key not in self._composed:
            self._composed[key] = (area.geometry, self.people.weighted_point(area.geometry))
        pt = self._composed[key][1]
        return area if pt is None else moved(area, pt.y, pt.x)

    def _expr_radius(self, expr, ctx, allowed):
        """"N km from X": the disc of that radius around X, X's own point (the
        direction unknown, X is where a coder puts it)."""
        return [(p, 2, relative.buffer_km(p.geometry, expr.km))
                for p in self._named(expr.names[0], ctx, allowed)]

    def _expr_direction(self, expr, ctx, allowed):
        """"East of Gaza City": the land on that side of X, within X's country."""
        out = []
        for p in self._named(expr.names[0], ctx, allowed)[:3]:
            zone = relative.beyond(p.geometry, expr.direction)
            if p.kind != "country":
                zone = relative.within_country(zone, self._country_shape(p))
            pt = self.people.weighted_point(zone)
            if pt is None:
                lat, lon = spatial.offset_point(p.latitude, p.longitude,
                                                relative.POINT_REACH_KM / 2, expr.direction)
                pt = spatial.Point(lon, lat)
                if not zone.contains(pt):
                    pt = spatial.point_on(zone)
            label = f"{expr.direction.capitalize()} of {p.name}"
            part = moved(p, pt.y, pt.x, name=label, kind=PlaceKind.REGION_PART.value,
                          source=f"{p.source}#{expr.direction}-of")
            out.append((part, 2, zone))
        return out

    def _expr_nearest(self, expr, ctx, allowed):
        """"An area of southern Israel close to Rafah": the part of A nearest B."""
        area = self._resolve(expr.names[0], ctx, allowed)
        place = self._resolve(expr.names[1], ctx, set())
        if not area or not place:
            return area
        a, precision, a_geom = area[0]
        if a_geom.geom_type not in ("Polygon", "MultiPolygon"):
            return [area[0]]  # a point has no part nearer than another
        piece = relative.nearest_part(a_geom, place[0][2])
        pt = self.people.representative_point(piece)
        label = f"{a.name} near {place[0][0].name}"
        part = moved(a, pt.y, pt.x, name=label, kind=PlaceKind.REGION_PART.value,
                      source=f"{a.source}@{place[0][0].source}")
        return [(part, 2 if precision < 3 or a.kind == "country" else precision, piece)]



def moved(place: Place, lat, lon, **changes) -> Place:
    """The place at another point (and with other fields changed)."""
    return replace(place, latitude=float(lat), longitude=float(lon), **changes)
