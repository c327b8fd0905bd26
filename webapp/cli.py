"""``python -m webapp``: the command line, a thin shell over the pipeline modules.

Errors reach the user as one line on stderr and a non-zero exit status, never as a
traceback.
"""

from __future__ import annotations

import functools
import json
import sys
import time

import click

from webapp.errors import BriefingMapError


def one_line_errors(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BriefingMapError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name=None, version=__import__("webapp").__version__)
def main():
    """The briefing map: news reports in, typed and geolocated events out."""


def _geocoder(instance):
    from webapp.geocoder import OfflineGeocoder

    return OfflineGeocoder(cache_dir=instance)


@main.command("build-index")
@click.option("--instance", type=click.Path(file_okay=False), default=None,
              help="Folder for the cached index (default: BRIEFING_INSTANCE, else the "
                   "project's instance/).")
@one_line_errors
def build_index(instance):
    """Build (or check) the cached gazetteer index now, so later commands start fast."""
    from webapp.geocoder.gazetteer import load_gazetteer

    started = time.perf_counter()
    gaz = load_gazetteer(instance, progress=lambda step: click.echo(f"  {step}", err=True))
    click.echo(f"gazetteer ready: {len(gaz):,} places, {len(gaz.exact):,} names "
               f"({time.perf_counter() - started:.1f} s)", err=True)


@main.command()
@click.argument("query", required=False)
@click.option("--context", "context_text", default=None,
              help="Text around the name (e.g. the article) used to pick among places.")
@click.option("--batch", type=click.File("r", encoding="utf-8"), default=None,
              help='JSON Lines file ("-" for stdin) of {"query": ..., "context": ...}.')
@click.option("--limit", type=click.IntRange(1, 50), default=1, show_default=True,
              help="Print up to this many ranked candidates (one JSON line each).")
@click.option("--instance", type=click.Path(file_okay=False), default=None,
              help="Folder for the cached index (default: BRIEFING_INSTANCE, else the "
                   "project's instance/).")
@one_line_errors
def geocode(query, context_text, batch, limit, instance):
    """Resolve a place name, area, border or spatial expression to JSON.

    \b
    Examples:
      python -m webapp geocode "Rafah" --context "Israeli strikes in Gaza"
      python -m webapp geocode "the Israel-Lebanon border"
      python -m webapp geocode --batch queries.jsonl
    Exit status 1 with one line on stderr when nothing matches.
    """
    if (query is None) == (batch is None):
        raise click.UsageError("give either a QUERY or --batch FILE")
    geocoder = _geocoder(instance)
    if batch is not None:
        _geocode_batch(geocoder, batch)
        return
    found = geocoder.geocode(query, exactly_one=limit == 1, context=context_text, limit=limit)
    if not found:
        click.echo(f"not found: {query.strip()[:80]!r}", err=True)
        sys.exit(1)
    for location in ([found] if limit == 1 else found):
        click.echo(json.dumps(location.raw, ensure_ascii=False))


def _geocode_batch(geocoder, lines) -> None:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        click.echo(json.dumps(_batch_answer(geocoder, number, line), ensure_ascii=False))


def _batch_answer(geocoder, number: int, line: str) -> dict:
    try:
        item = json.loads(line)
    except ValueError as err:
        return {"line": number, "error": f"not valid JSON: {err.msg}"}
    if not isinstance(item, dict) or "query" not in item:
        return {"line": number, "error": 'expected an object with a "query" field'}
    query, context = item["query"], item.get("context")
    if context is not None and not isinstance(context, str):
        return {"line": number, "query": query, "error": "context must be text"}
    try:
        found = geocoder.geocode(query, exactly_one=True, context=context)
    except BriefingMapError as err:
        return {"line": number, "query": query, "error": str(err)}
    return found.raw if found else {"query": query, "error": "not found"}


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True))
@click.option("--instance", type=click.Path(file_okay=False), default=None,
              help="Folder for the cached index (default: BRIEFING_INSTANCE, else the "
                   "project's instance/).")
@one_line_errors
def geoparse(files, instance):
    """Find and resolve the places named in text files.

    Prints one JSON line per file: {"source": FILE, "toponyms": [{"text", "start",
    "end", "name", "latitude", "longitude", "country_code", "kind", "geo_precision"}]};
    offsets are characters of the file's decoded text. A file that cannot be read gets
    one line on stderr and the others go on; the exit status is then 1.
    """
    from webapp.extract.geoparse import Geoparser
    from webapp.ingest import IngestError, decode, expand

    parser = Geoparser(_geocoder(instance))
    failed = False
    for path in expand(files):
        try:
            text = decode(path)
        except IngestError as err:
            click.echo(f"error: {err}", err=True)
            failed = True
            continue
        toponyms = [t.as_json() for t in parser.toponyms(text)]
        click.echo(json.dumps({"source": str(path), "toponyms": toponyms}, ensure_ascii=False))
    sys.exit(1 if failed else 0)


STORE_DEFAULT = ("BRIEFING_DB, else DB in <instance>/config.py, else DATABASE_URL, else "
                 "<instance>/briefing.sqlite")


def _store_or_default(ctx, param, value):
    from webapp.paths import configured_store

    if value is not None:
        return value
    try:
        return configured_store()
    except BriefingMapError as err:   # before one_line_errors is in charge
        raise click.ClickException(str(err)) from err


db_option = click.option(
    "--db", default=None, metavar="FILE|URL", callback=_store_or_default,
    help="The event store: an SQLite file or a postgresql://user@host/dbname URL "
         "(default: " + STORE_DEFAULT + "; the same for every command and the server, "
         "wherever they are run from).")


def no_store_file(db) -> bool:
    """Whether ``db`` names an SQLite file that is not there (opening it would make an
    empty store as a side effect); a database URL is never "not there" here."""
    from pathlib import Path

    from webapp.store import is_database_url

    return not is_database_url(db) and not Path(db).is_file()


def _iso_date(ctx, param, value):
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2024-04-26") from None


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--published", callback=_iso_date, default=None,
              help="Publication date (YYYY-MM-DD) for articles that carry none.")
@db_option
@click.option("--instance", type=click.Path(file_okay=False), default=None,
              help="Folder for the cached index (default: BRIEFING_INSTANCE, else the "
                   "project's instance/).")
@click.option("--workers", type=click.IntRange(1, 512), default=None,
              help="Extract on a Dask cluster of N new local worker processes.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Extract on the Dask cluster whose scheduler is at this address.")
@click.option("--update-events", is_flag=True,
              help="A later report of a stored event (a higher toll, a finer place) "
                   "updates it, its history kept, instead of adding a second event "
                   "(as `watch` does; in this process only, not with --workers).")
@one_line_errors
def ingest(paths, published, db, instance, workers, scheduler, update_events):
    """Extract events from articles (text, JSON, RSS/Atom, folders) into the store.

    Re-ingesting an article already stored adds nothing. A file that cannot be read
    gets one line on stderr; the others are still ingested (exit status 1).

    \b
    With --workers N or --scheduler, the extraction runs on Dask worker processes
    (each loads the gazetteer once) and the articles already stored are skipped
    before extraction: an interrupted run, repeated, resumes where it stopped.
    """
    from webapp.ingest import expand
    from webapp.store import open_store

    if workers and scheduler:
        raise click.UsageError("give --workers (a local cluster) or --scheduler "
                               "(an existing one), not both")
    if update_events and (workers or scheduler):
        raise click.UsageError("--update-events reads the store between articles: "
                               "give it without --workers and --scheduler")
    files = expand(paths)
    if workers or scheduler:
        tally = _ingest_on_dask(files, db, published, instance, workers, scheduler)
    else:
        with open_store(db) as store:
            tally = _ingest_here(files, store, published, instance, update_events)
    click.echo(tally.summary())
    sys.exit(1 if tally.failed else 0)


def _report(message: str) -> None:
    from tqdm import tqdm

    tqdm.write(f"error: {message}", file=sys.stderr)


def _ingest_here(files, store, published, instance, corrections=False):
    from tqdm import tqdm

    from webapp.extract.pipeline import Extractor
    from webapp.ingest_run import ingest_here
    from webapp.regions import Regions
    from webapp.store.audit import cli_actor

    from webapp.geocoder.user_places import UserPlacesGeocoder

    extractor = Extractor(UserPlacesGeocoder(_geocoder(instance)), Regions.load())
    with tqdm(total=len(files), unit="file", disable=len(files) < 10 or None) as bar:
        return ingest_here(files, store, extractor, published=published, by=cli_actor(),
                           report=_report, files_done=bar.update, corrections=corrections)


def _ingest_on_dask(files, db, published, instance, workers, scheduler):
    from tqdm import tqdm

    from webapp.ingest_dask import (build_index_once, dask_client, ingest_on_dask,
                                    load_extractors)
    from webapp.store import open_store
    from webapp.store.audit import cli_actor

    if workers:
        build_index_once(instance)
    # The cluster first: a scheduler that does not answer leaves no new store behind.
    with dask_client(workers, scheduler) as client, open_store(db) as store:
        plugin = load_extractors(client, instance)
        with tqdm(total=0, unit="article", disable=None) as bar:
            def found(n):
                bar.total += n
                bar.refresh()

            return ingest_on_dask(client, plugin, files, store, published=published,
                                  by=cli_actor(), report=_report, found=found,
                                  done=bar.update)


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@db_option
@click.option("--skip-bad", is_flag=True,
              help="Import the good rows and count the bad ones (default: refuse the file).")
@one_line_errors
def import_(file, db, skip_bad):
    """Load events from an ACLED export CSV or a GeoJSON FeatureCollection."""
    from pathlib import Path

    from webapp.interchange import read_geojson
    from webapp.interchange.acled_places import import_acled_csv
    from webapp.store import open_store
    from webapp.store.audit import cli_actor

    skipped = [] if skip_bad else None
    audit = {"by": cli_actor(), "about": {"file": Path(file).name}}
    places = 0
    try:
        with open_store(db) as store:
            if file.lower().endswith(".csv"):  # rows straight to the store: the fast path
                # its locations become user places the geocoder knows
                count, places = import_acled_csv(store, file, skipped=skipped, **audit)
            else:
                count = store.add_events(read_geojson(file, skipped=skipped), replace=True,
                                         **audit)
    except OSError as err:
        raise click.ClickException(f"cannot read {file}: {err.strerror}") from err
    note = f" ({len(skipped)} bad row(s) skipped, first: {skipped[0]})" if skipped else ""
    click.echo(f"{count} event(s) imported{note}")
    if places:   # a note beside the summary line, which scripts read
        click.echo(f"{places} location(s) kept as user places", err=True)


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["geojson", "csv", "html"]),
              default="geojson", show_default=True,
              help="html: the map as one self-contained page that works offline "
                   "(past 2,000 events: their clusters per zoom, with exact totals).")
@click.option("--type", "types", multiple=True,
              help="Event type, sub-event type or category (repeatable).")
@click.option("--since", callback=_iso_date, default=None, help="First day (YYYY-MM-DD).")
@click.option("--until", callback=_iso_date, default=None, help="Last day (YYYY-MM-DD).")
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 code.")
@click.option("--region", default=None, help="Admin-1 region name.")
@click.option("-q", "text", default=None, help="Text in notes, place or actors.")
@click.option("--exclude-flagged", is_flag=True,
              help="Leave out running totals and history.")
@click.option("-o", "output", type=click.File("w", encoding="utf-8"), default="-",
              show_default=True, help="Output file; - for standard output.")
@click.option("--title", default="Briefing map", show_default=True,
              help="The map's title (html only).")
@one_line_errors
def export(db, fmt, types, since, until, country, region, text, exclude_flagged, output,
           title):
    """Write stored events as GeoJSON (Point features), ACLED-column CSV, or a map in
    one HTML file (scripts, styles, land and events inside; opens with no internet)."""
    from webapp.interchange import write_acled_csv, write_geojson
    from webapp.store import open_store
    from webapp.store.base import make_filters

    filters = make_filters(types=types, since=since, until=until, country=country,
                           region=region, q=text, include_flagged=not exclude_flagged)
    with open_store(db) as store:
        if fmt == "html":   # every event, or past 2,000 the store's clusters per zoom
            from webapp.standalone import export_store_html

            page, count = export_store_html(store, filters, title=title)
            output.write(page)
        else:   # streamed: a million events are never all in memory
            writer = write_geojson if fmt == "geojson" else write_acled_csv
            count = writer(store.iter_events(filters), output)
    if output.name != "<stdout>":
        click.echo(f"{count} event(s) written to {output.name}", err=True)


class _BadOutput(click.ClickException):
    """A usage mistake shown as one line (click's usage errors print the usage too)."""

    exit_code = 2


def _bbox_text(value: str | None):
    from webapp.store.base import parse_bbox

    return parse_bbox(value)


@main.command()
@db_option
@click.option("--type", "types", multiple=True,
              help="Event type, sub-event type or category (repeatable).")
@click.option("--since", default=None, help="First day (YYYY-MM-DD).")
@click.option("--until", default=None, help="Last day (YYYY-MM-DD).")
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 code.")
@click.option("--region", default=None, help="Admin-1 region name.")
@click.option("-q", "text", default=None, help="Text in notes, place or actors.")
@click.option("--bbox", default=None,
              help="West,south,east,north in degrees: the view (and the events in it).")
@click.option("--title", default=None, help="Title (default: the filters in words).")
@click.option("--view", "frame", default=None,
              help="West,south,east,north: the part of the map to show (unlike --bbox, "
                   "it leaves no event out).")
@click.option("--width", default=None, help="Width in pixels, 200 to 4000 (default 1200).")
@click.option("--height", default=None, help="Height in pixels, 200 to 4000 (default 800).")
@click.option("--include-flagged", is_flag=True,
              help="Select running totals and history too (they are counted, not drawn).")
@click.option("-o", "output", type=click.Path(dir_okay=False), required=True,
              help="Picture file: .png, .svg or .pdf.")
@click.option("--renderer", type=click.Choice(["auto", "chromium", "matplotlib"]),
              default="auto", show_default=True,
              help="auto: PNG by headless Chromium (the map page itself) when "
                   "/usr/bin/chromium is installed, else matplotlib; SVG and PDF by "
                   "matplotlib.")
@one_line_errors
def snapshot(db, types, since, until, country, region, text, bbox, title, frame, width,
             height, include_flagged, output, renderer):
    """Draw the stored events as a map picture for a report (PNG, SVG or PDF).

    \b
    Examples:
      python -m webapp snapshot --country PS --since 2024-05-01 -o gaza.png
      python -m webapp snapshot --type Battles --bbox 35,33,36.7,34.7 -o lebanon.pdf
    The picture is written whole or not at all.
    """
    from pathlib import Path

    from webapp.errors import SnapshotError
    from webapp.paths import write_whole
    from webapp.snapshot import check_format, make_spec, marks_for, render_snapshot
    from webapp.store import describe, open_store
    from webapp.store.base import make_filters

    target = Path(output)
    try:
        fmt = check_format(target.suffix)
    except SnapshotError as err:
        raise _BadOutput(f"-o {output}: the file name must end in .png, .svg or "
                         ".pdf") from err
    filters = make_filters(types=types, since=since, until=until, country=country,
                           region=region, q=text, bbox=_bbox_text(bbox),
                           include_flagged=include_flagged)
    spec = make_spec(filters, width=width, height=height, title=title, view=frame)
    if no_store_file(db):
        raise click.ClickException(f"no event store at {describe(db)} (ingest or import "
                                   "first, or give --db)")
    if renderer == "chromium" and fmt != "png":
        raise _BadOutput(f"-o {output}: Chromium draws PNG only; SVG and PDF come from "
                         "--renderer matplotlib")
    with open_store(db) as store:   # single events when few are in view, else clusters
        marks = marks_for(store, spec)
    browser = None
    if fmt == "png" and renderer != "matplotlib":
        from webapp.snapshot.browser import ChromiumRenderer, chromium_available

        if chromium_available():
            browser = ChromiumRenderer()
        elif renderer == "chromium":
            raise click.ClickException("no Chromium at /usr/bin/chromium (apt-get install "
                                       "chromium), or use --renderer matplotlib")
    try:
        picture, renderer = render_snapshot(marks, spec, fmt, renderer=renderer,
                                            browser=browser)
    finally:
        if browser is not None:
            browser.close()
    try:
        write_whole(target, picture)   # never a half-written picture
    except OSError as err:
        raise click.ClickException(f"cannot write {output}: "
                                   f"{err.strerror or err}") from err
    how = f" as {len(marks.clusters):,} clusters" if marks.clustered else ""
    click.echo(f"{marks.placed:,} event(s) drawn{how} to {output} ({renderer})", err=True)


@main.command()
@click.argument("dest", type=click.Path(dir_okay=False))
@db_option
@click.option("--overwrite", is_flag=True, help="Replace DEST when it exists.")
@one_line_errors
def backup(dest, db, overwrite):
    """Copy the whole store to DEST, safely while the server and other commands run.

    The copy is one consistent moment of the store, checked, in a single file that
    `--db DEST` opens as it is; DEST appears whole or not at all.
    """
    from webapp.errors import StoreError
    from webapp.store import describe, open_store

    if no_store_file(db):   # opening would make an empty store to copy
        raise StoreError(f"no event store at {describe(db)}")
    started = time.perf_counter()
    with open_store(db) as store:
        copied = store.backup(dest, overwrite=overwrite)
    click.echo(f"backed up {copied['events']:,} event(s) and {copied['articles']:,} "
               f"article(s) to {dest} ({copied['bytes'] / 1e6:.1f} MB, "
               f"{time.perf_counter() - started:.1f} s)")


# The users, audit, serve, copy, brief, watch and places commands live in modules of their
# own; importing them registers them.
from webapp import cli_brief, cli_copy, cli_places, cli_serve, cli_users, cli_watch  # noqa: E402,F401,E501
