"""`python -m webapp copy` at scale: records/s of a whole-store copy.

Generates N events in ACLED's CSV format (bench/scale_rows.py), imports them into an
SQLite store, then times copy_store (what `python -m webapp copy` runs):
  sqlite->sqlite   into a new SQLite file;
  sqlite->postgis  into a new PostGIS database on a throwaway server (tests/pgserver.py),
  postgis->sqlite  and back into a new SQLite file,
the last two when PostgreSQL + PostGIS and the PostGIS store are there. After each copy
the event count and the whole-world clusters at zoom 4 are checked against the source.

    .venv/bin/python bench/store_copy.py               # 100,000 events
    .venv/bin/python bench/store_copy.py -n 1000000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_rows import write_rows  # noqa: E402
from scale_rows import scale_rows  # noqa: E402

from webapp.interchange import read_acled_rows_parallel  # noqa: E402
from webapp.store import open_store  # noqa: E402
from webapp.store.base import Filters  # noqa: E402
from webapp.store.transfer import copy_store  # noqa: E402

EVERYTHING = Filters(include_flagged=True)


def timed_copy(label: str, source: str, dest: str) -> None:
    with open_store(source) as src, open_store(dest) as dst:
        started = time.perf_counter()
        copied = copy_store(src, dst)
        seconds = time.perf_counter() - started
        assert dst.count(EVERYTHING) == src.count(EVERYTHING) == copied["events"]
        key = lambda c: (c.latitude, c.longitude, c.count)   # noqa: E731
        assert sorted(map(key, dst.clusters(EVERYTHING, 4))) == \
            sorted(map(key, src.clusters(EVERYTHING, 4)))
    records = sum(copied.values())
    print(f"{label:<16} {copied['events']:>10,} events  {seconds:7.1f} s  "
          f"{records / seconds:>9,.0f} records/s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        csv_path, source = tmp / "events.csv", str(tmp / "source.sqlite")
        write_rows(csv_path, scale_rows(args.rows))
        with open_store(source) as store:
            store.add_rows(read_acled_rows_parallel(csv_path), replace=True)
        timed_copy("sqlite->sqlite", source, str(tmp / "copy.sqlite"))
        server = _postgis_server()
        if server is None:
            return
        with server:
            url = server.create_database("bench")
            timed_copy("sqlite->postgis", source, url)
            timed_copy("postgis->sqlite", url, str(tmp / "back.sqlite"))


def _postgis_server():
    try:
        from tests.pgserver import PostgresServer, missing
        from webapp.store.base import EventStore
        from webapp.store.postgis import PostGISStore
    except ImportError as err:
        print(f"PostGIS copies skipped: {err}")
        return None
    if PostGISStore.import_records is EventStore.import_records:
        print("PostGIS copies skipped: PostGISStore has no import_records yet")
        return None
    if missing():
        print(f"PostGIS copies skipped: {missing()}")
        return None
    return PostgresServer()


if __name__ == "__main__":
    main()
