"""``python -m webapp watch SOURCE...``: poll RSS/Atom feeds and folders for new
reports and ingest them (:mod:`webapp.watch`), once or every few minutes."""

from __future__ import annotations

import sys

import click

from webapp.cli import _geocoder, db_option, main, one_line_errors


def _every(ctx, param, value):
    from webapp.watch import parse_every

    try:
        return parse_every(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def _log(line: str) -> None:
    from datetime import datetime, timezone

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    click.echo(f"{stamp} {line}", err=True)


@main.command("watch")
@click.argument("sources", nargs=-1, required=True)
@click.option("--every", default="5m", show_default=True, callback=_every,
              help="Time between polls (90s, 5m, 1h); also the first wait after a "
                   "failure, doubled with each failure in a row (at most 6 h).")
@click.option("--once", is_flag=True,
              help="Poll each source once and exit (for cron): status 1 if any failed.")
@click.option("--timeout", type=click.FloatRange(1, 600), default=30, show_default=True,
              help="Seconds a feed has to answer in full.")
@db_option
@click.option("--instance", type=click.Path(file_okay=False), default=None,
              help="Folder for the cached index (default: BRIEFING_INSTANCE, else the "
                   "project's instance/).")
@one_line_errors
def watch(sources, every, once, timeout, db, instance):
    """Ingest the new items of RSS/Atom feeds (http(s) addresses) and folders.

    \b
    Examples:
      python -m webapp watch https://example.org/world.rss reports/ --every 10m
      python -m webapp watch https://example.org/world.rss --once     # from cron
    Only items not seen before are ingested; what was seen is kept in the store, so
    a restart ingests nothing twice. A source that fails gets one line on stderr and
    is tried again later; the others go on. A later report of a stored event with a
    higher toll or a finer place updates that event (its history is kept).
    """
    from webapp.extract.pipeline import Extractor
    from webapp.regions import Regions
    from webapp.store import open_store
    from webapp.store.audit import cli_actor
    from webapp.watch import Watcher

    extractor = Extractor(_geocoder(instance), Regions.load())
    with open_store(db) as store:
        watcher = Watcher(store, extractor, every=every, by=cli_actor(), log=_log,
                          fetch_options={"timeout": timeout})
        if once:
            results = watcher.poll_all(sources)
            sys.exit(1 if any(r.error for r in results) else 0)
        watcher.run(sources)
