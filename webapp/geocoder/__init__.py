"""The geocoder: place names, areas, borders and spatial expressions to coordinates.

``OfflineGeocoder`` answers from local data (GeoNames, Natural Earth, the curated file)
with geopy's interface; ``make_geocoder`` puts a configured online geopy geocoder
behind it. Both implement ``Resolver`` (resolver.py), all the geoparser and the
extractor ask of a geocoder; place kinds are ``PlaceKind`` values (kinds.py).
"""

from webapp.geocoder.chain import FallbackGeocoder, QueryCache, make_geocoder
from webapp.geocoder.kinds import PlaceKind
from webapp.geocoder.offline import OfflineGeocoder
from webapp.geocoder.resolver import MAX_QUERY_CHARS, Resolved, Resolver

__all__ = ["OfflineGeocoder", "FallbackGeocoder", "QueryCache", "make_geocoder",
           "MAX_QUERY_CHARS", "PlaceKind", "Resolved", "Resolver"]
