"""How fast an ACLED export goes into the store and comes back out.

Writes N synthetic ACLED rows (all 31 columns, realistic text lengths, the three date
styles) to a temporary CSV, then times:
  read      read_acled_rows alone (parsing and checking),
  events    read_acled_csv alone (the same, building Event objects),
  import    import_acled_csv: read_acled_rows_parallel + SQLiteStore.add_rows(replace=True)
            and the file's locations kept as user places, into a fresh
            file: what `python -m webapp import FILE.csv` does (the file read and
            checked by a second process),
  serial    the same with read_acled_rows: read and stored in one process,
  query     SQLiteStore.query of every row,
  export    write_acled_csv and write_geojson of those rows,
  reimport  the exported CSV imported again over the same rows (each one replaced).
Target: the import at >= 100,000 rows/s at 1,000,000 rows, into an empty store and
into one that holds 1,000,000 other events already (--existing).

    .venv/bin/python bench/import_rows.py            # 200,000 rows
    .venv/bin/python bench/import_rows.py -n 1000000
    .venv/bin/python bench/import_rows.py --repeat 3 # the import alone, 3 fresh files
    .venv/bin/python bench/import_rows.py -n 1000000 --repeat 3 --existing [--serial]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from webapp.interchange import (ACLED_COLUMNS, read_acled_csv, read_acled_rows,  # noqa: E402
                                read_acled_rows_parallel, write_acled_csv, write_geojson)
from webapp.interchange.acled_places import import_acled_csv  # noqa: E402
from webapp.models import sub_event_types  # noqa: E402
from webapp.store import SQLiteStore  # noqa: E402
from webapp.store.base import make_filters

COUNTRIES = [("275", "Palestine", "Middle East", 31.4, 34.4), ("376", "Israel", "Middle East",
             32.0, 34.9), ("422", "Lebanon", "Middle East", 33.8, 35.8),
             ("760", "Syria", "Middle East", 35.0, 38.5), ("804", "Ukraine", "Europe", 48.5,
             35.0), ("729", "Sudan", "Northern Africa", 15.5, 32.5)]
ACTORS = ["Military Forces of Israel (2022-)", "Hamas Movement", "Hezbollah", "Civilians",
          "Protesters", "Rioters", "Military Forces of Russia (2000-)", "Unidentified Armed Group"]
WORDS = ("On this date, forces shelled the outskirts of the town, killing two people "
         "and wounding several others; according to local sources the strike hit a "
         "house near the market. \"Heavy\" fire, reported by residents.").split()


def acled_date(day: date, i: int) -> str:
    """The day in one of the three styles ACLED files come in, by row number."""
    style = i % 3
    return (day.isoformat() if style == 0 else
            f"{day.day} {day:%B} {day.year}" if style == 1 else
            f"{day.day}-{day:%b}-{day:%y}")


def synthetic_rows(n: int, seed: int = 7):
    rng = random.Random(seed)
    subs = sorted(sub_event_types().items())
    start = date(2023, 10, 7)
    for i in range(n):
        iso, country, region, lat, lon = rng.choice(COUNTRIES)
        sub, etype = rng.choice(subs)
        day = start + timedelta(days=rng.randrange(700))
        yield {
            "event_id_cnty": f"SYN{i}", "event_date": acled_date(day, i), "year": day.year,
            "time_precision": rng.choice((1, 1, 1, 2, 3)), "disorder_type": "Political violence",
            "event_type": etype, "sub_event_type": sub, "actor1": rng.choice(ACTORS),
            "assoc_actor_1": "", "inter1": rng.randrange(1, 9), "actor2": rng.choice(ACTORS),
            "assoc_actor_2": "", "inter2": rng.randrange(0, 9),
            "interaction": rng.randrange(10, 88),
            "civilian_targeting": rng.choice(("", "Civilian targeting")), "iso": iso,
            "region": region, "country": country, "admin1": f"Province {rng.randrange(20)}",
            "admin2": f"District {rng.randrange(90)}", "admin3": "",
            "location": f"Town {rng.randrange(5000)}",
            "latitude": round(lat + rng.uniform(-1, 1), 4),
            "longitude": round(lon + rng.uniform(-1, 1), 4),
            "geo_precision": rng.choice((1, 1, 2, 3)), "source": "Local media; Reuters",
            "source_scale": "National-International", "notes": " ".join(rng.sample(WORDS, 25)),
            "fatalities": rng.choice((0, 0, 0, 1, 2, 5)), "tags": "", "timestamp": 1718000000 + i,
        }


def write_rows(path: Path, rows) -> None:
    """ACLED rows (dicts by column name) to a CSV file with ACLED's header."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=ACLED_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def timed(label: str, n: int, func):
    started = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - started
    print(f"{label:<8} {n:>9,} rows  {seconds:7.2f} s  {n / seconds:>10,.0f} rows/s", flush=True)
    return result


def import_file(csv_path: Path, db_path: Path, serial: bool = False) -> int:
    """The CLI's import (webapp/cli.py import_), timed on its own: the rows, then the
    file's locations kept as user places (``--serial``: the rows alone, read here)."""
    with SQLiteStore(db_path) as store:
        if serial:
            return store.add_rows(read_acled_rows(csv_path), replace=True)
        return import_acled_csv(store, csv_path)[0]


def fill(csv_path: Path, db_path: Path) -> None:
    """The store at ``db_path`` holding the file's rows under other ids: an import of
    the file then adds as many again, every index growing rather than built anew."""
    with SQLiteStore(db_path) as store:
        store.add_rows((("OLD" + row[0],) + row[1:]
                        for row in read_acled_rows_parallel(csv_path)), replace=True)


def repeat_import(csv_path: Path, tmp: Path, n: int, runs: int, existing: bool,
                  serial: bool) -> None:
    rates = []
    what = ("serial " if serial else "") + ("into a store of "
                                            f"{n:,}" if existing else "into an empty store")
    for run in range(runs):
        db = tmp / f"events-{run}.sqlite"
        if existing:
            fill(csv_path, db)
        before = os.times()
        started = time.perf_counter()
        assert import_file(csv_path, db, serial) == n
        seconds = time.perf_counter() - started
        used = os.times()
        rates.append(n / seconds)
        print(f"import   {n:>9,} rows  {seconds:7.2f} s  {rates[-1]:>10,.0f} rows/s  "
              f"CPU s: this process {used.user - before.user + used.system - before.system:.1f},"
              f" reader {used.children_user - before.children_user:.1f}; load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        for path in tmp.glob(f"events-{run}.sqlite*"):
            path.unlink()
    print(f"{what}: best {max(rates):,.0f} rows/s, spread {min(rates):,.0f}-{max(rates):,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=0,
                        help="only time the import, this many times into fresh files")
    parser.add_argument("--existing", action="store_true",
                        help="with --repeat: into a store already holding n other events")
    parser.add_argument("--serial", action="store_true",
                        help="with --repeat: read the file in this process (the old way)")
    args = parser.parse_args()
    n = args.rows
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        tmp = Path(tmp)
        csv_path = tmp / "acled.csv"
        write_rows(csv_path, synthetic_rows(n))
        print(f"synthetic ACLED CSV: {n:,} rows, {csv_path.stat().st_size / 1e6:.0f} MB, "
              f"CPU: {os.cpu_count()} cores")

        if args.repeat:
            repeat_import(csv_path, tmp, n, args.repeat, args.existing, args.serial)
            return

        timed("read", n, lambda: sum(1 for _ in read_acled_rows(csv_path)))
        timed("events", n, lambda: sum(1 for _ in read_acled_csv(csv_path)))
        added = timed("import", n, lambda: import_file(csv_path, tmp / "events.sqlite"))
        assert added == n, (added, n)
        timed("serial", n, lambda: import_file(csv_path, tmp / "serial.sqlite", serial=True))
        with SQLiteStore(tmp / "events.sqlite") as store:
            events = timed("query", n, lambda: store.query(make_filters(include_flagged=True)))
            with (tmp / "out.csv").open("w", newline="", encoding="utf-8") as fh:
                timed("csv out", n, lambda: write_acled_csv(events, fh))
            with (tmp / "out.geojson").open("w", encoding="utf-8") as fh:
                timed("geojson", n, lambda: write_geojson(events, fh))
            again = timed("reimport", n, lambda: store.add_rows(read_acled_rows_parallel(
                tmp / "out.csv"), replace=True))
            print(f"re-import of the export replaced {again:,} stored rows")
        print(f"store file: {(tmp / 'events.sqlite').stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
