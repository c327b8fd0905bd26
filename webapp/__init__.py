"""The briefing map: news reports in, typed and geolocated events out, on a map.

The pipeline modules in this package (geocoder, and later ingest, extract, regions,
store, maps, snapshot) exchange plain data and never import Flask; the web layer and
the command line are thin shells over them.
"""

__version__ = "0.1.0"
