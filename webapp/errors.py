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


class StoreError(BriefingMapError):
    """The event store cannot be opened, migrated or written as asked."""


class FilterError(StoreError, ValueError):
    """A query filter that cannot be applied as given (a bad bbox, date or limit): the
    caller's mistake, not the store's (a web layer answers 400, not 500)."""


class ImportFormatError(BriefingMapError, ValueError):
    """An import file, or one row of it, does not have the expected shape.

    ``line`` (CSV) or ``where`` ("feature 3" in GeoJSON) say where the problem is, so
    the one-line message is enough to find and fix it; both are None for problems with
    the file as a whole (not a CSV, required columns missing).
    """

    def __init__(self, message: str, *, path: str = "", line: int | None = None,
                 where: str | None = None):
        self.path = str(path)
        self.line = line
        self.where = where or (f"line {line}" if line is not None else None)
        self.reason = message
        prefix = ", ".join(part for part in (self.path, self.where) if part)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class SnapshotError(BriefingMapError, ValueError):
    """A map snapshot that cannot be made as asked (a size out of range, an unknown
    format): the caller's mistake, so a web layer answers 400 and the CLI one line."""


class AccountError(BriefingMapError, ValueError):
    """A user or token request that cannot be done as asked (an unknown user, a name
    already taken, a role that does not exist, a password too short)."""


class ConfigError(BriefingMapError, ValueError):
    """A configuration value the server cannot run with (say, READ_ACCESS = "open")."""


class ClusterError(BriefingMapError):
    """A Dask cluster that cannot be reached or used as asked (no scheduler at the
    address, no workers, workers that cannot load the gazetteer or keep dying)."""


class BriefError(BriefingMapError, ValueError):
    """A brief that cannot be made as asked (an unknown format, a PDF with no browser
    to print it): one line for the CLI, a 400 for the web."""
