"""``python -m webapp brief``: the report of a period's events with its maps, as PDF,
Word, HTML or Markdown (a thin shell over :mod:`webapp.brief`)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from webapp.cli import _BadOutput, _bbox_text, db_option, main, no_store_file, one_line_errors


def filter_options(command):
    """The filters of ``export`` and ``snapshot``, with the same names and meaning."""
    options = [
        click.option("--type", "types", multiple=True,
                     help="Event type, sub-event type or category (repeatable)."),
        click.option("--since", default=None,
                     help="First day (YYYY-MM-DD; default: the first day with events)."),
        click.option("--until", default=None,
                     help="Last day (YYYY-MM-DD; default: the last day with events)."),
        click.option("--country", default=None, help="ISO 3166-1 alpha-2 code."),
        click.option("--region", default=None, help="Admin-1 region name."),
        click.option("-q", "text", default=None, help="Text in notes, place or actors."),
        click.option("--bbox", default=None,
                     help="West,south,east,north in degrees: the events inside only."),
        click.option("--include-flagged", is_flag=True,
                     help="Count running totals and history too."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command("brief")
@db_option
@filter_options
@click.option("--compare-to", "compare", type=click.Choice(["previous", "none"]),
              default="none", show_default=True,
              help="previous: beside each count, the previous period of the same length "
                   "and the change; regions whose activity rose sharply.")
@click.option("--title", default=None, help="Title (default: the filters in words).")
@click.option("-o", "output", type=click.Path(dir_okay=False), required=True,
              help="The brief: .pdf, .docx, .html or .md (its maps as PNG files "
                   "beside it).")
@one_line_errors
def brief(db, types, since, until, country, region, text, bbox, include_flagged, compare,
          title, output):
    """Write a brief: the period in words, an overview map and one per hot spot, counts
    by type, category and region (with --compare-to previous, the change since the
    period before), the key events with their sources, and a note on method.

    \b
    Examples:
      python -m webapp brief --since 2024-05-01 --until 2024-05-07 \\
          --compare-to previous -o week.pdf
      python -m webapp brief --country LB --since 2024-05-03 --until 2024-05-03 -o day.docx
    The file is written whole or not at all.
    """
    from webapp.brief import check_format, make_brief, save
    from webapp.errors import BriefError
    from webapp.store import describe, open_store
    from webapp.store.base import make_filters

    target = Path(output)
    try:
        fmt = check_format(target.suffix if target.suffix != ".htm" else "html")
    except BriefError as err:
        raise _BadOutput(f"-o {output}: the file name must end in .pdf, .docx, .html or "
                         ".md") from err
    if not target.parent.is_dir():
        raise click.ClickException(f"-o {output}: there is no folder {target.parent}")
    filters = make_filters(types=types, since=since, until=until, country=country,
                           region=region, q=text, bbox=_bbox_text(bbox),
                           include_flagged=include_flagged)
    if no_store_file(db):
        raise click.ClickException(f"no event store at {describe(db)} (ingest or import "
                                   "first, or give --db)")
    browser = _browser() if fmt == "pdf" else None
    try:
        with open_store(db) as store:
            made = make_brief(store, filters, fmt, compare=compare == "previous",
                              title=title, stem=target.stem, browser=browser,
                              # a PDF's Chromium is starting on the second core
                              processes=1 if browser else min(2, os.cpu_count() or 1))
    finally:
        if browser is not None:
            browser.close()
    try:
        written = save(made, target)
    except OSError as err:
        raise click.ClickException(f"cannot write {output}: "
                                   f"{err.strerror or err}") from err
    pictures = f" and {len(written) - 1} map(s) beside it" if len(written) > 1 else ""
    click.echo(f"brief of {made.brief.events:,} event(s), {made.brief.period_words}, "
               f"written to {output}{pictures}", err=True)


def _browser():
    """A Chromium for the PDF, starting in its own thread while the brief's content and
    maps are made: its second of launching then costs the command nothing."""
    from webapp.snapshot.browser import ChromiumRenderer, chromium_available

    if not chromium_available():
        return None
    renderer = ChromiumRenderer()
    renderer.start()
    return renderer
