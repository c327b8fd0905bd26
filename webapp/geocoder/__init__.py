"""The geocoder: place names, areas, borders and spatial expressions to coordinates.

``OfflineGeocoder`` answers from local data (GeoNames, Natural Earth, the curated file)
with geopy's interface; ``make_geocoder`` puts a configured online geopy geocoder
behind it.
"""

from webapp.geocoder.chain import FallbackGeocoder, QueryCache, make_geocoder
from webapp.geocoder.offline import MAX_QUERY_CHARS, OfflineGeocoder

__all__ = ["OfflineGeocoder", "FallbackGeocoder", "QueryCache", "make_geocoder",
           "MAX_QUERY_CHARS"]
