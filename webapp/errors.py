"""One exception root for the whole package.

Callers at the edges (CLI, web) catch :class:`BriefingMapError` and show its message
as one line; everything foreign (OSError, JSON errors, geopy errors) is translated into
one of these with ``raise ... from err`` where it first enters our code.
"""


class BriefingMapError(Exception):
    """Root of every error the briefing map raises on purpose."""


class BadQueryError(BriefingMapError, ValueError):
    """A geocoding query that cannot be answered as asked (empty, too long, not text)."""


class DataError(BriefingMapError):
    """Geographic data or an index is missing, unreadable or inconsistent."""


class GeocoderServiceError(BriefingMapError):
    """A configured online fallback geocoder failed."""
