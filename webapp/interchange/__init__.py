"""Events in and out of the store in other people's formats: ACLED's CSV export and
GeoJSON. Readers stream :class:`~webapp.models.Event` objects, writers take any
iterable of them, so an import is ``store.add_events(read_acled_csv(path))``; the
ACLED reader also yields the store's rows directly, which imports a large file faster:
``store.add_rows(read_acled_rows(path))``, and faster still with a second core:
``store.add_rows(read_acled_rows_parallel(path))``, which reads in a child process.

Bad rows: by default the first one raises :class:`~webapp.errors.ImportFormatError`
naming its line (or feature), and because ``add_events`` is one transaction nothing
of the file is stored. Pass ``skipped=[]`` to import the good rows instead; the list
then holds one ImportFormatError per row left out, for the caller to count and show.
"""

from webapp.interchange.acled import (ACLED_COLUMNS, acled_csv_parts, read_acled_csv,
                                      read_acled_rows, write_acled_csv)
from webapp.interchange.acled_parallel import read_acled_rows_parallel
from webapp.interchange.codes import alpha2_from_numeric, category_for, parse_date
from webapp.interchange.geojson import geojson_parts, read_geojson, write_geojson

__all__ = ["ACLED_COLUMNS", "acled_csv_parts", "alpha2_from_numeric", "category_for",
           "geojson_parts", "parse_date", "read_acled_csv", "read_acled_rows",
           "read_acled_rows_parallel", "read_geojson", "write_acled_csv", "write_geojson"]
