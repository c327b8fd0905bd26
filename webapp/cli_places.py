"""``python -m webapp places ...``: the user's own gazetteer, kept in the event store.

Places added here (and the locations of imported ACLED exports) are known to the
geocoder for every later article, beside the offline gazetteer
(:mod:`webapp.geocoder.user_places`). Changes are audited as ``cli:<os user>``.
"""

from __future__ import annotations

import sys

import click

from webapp.cli import db_option, main, no_store_file, one_line_errors


def _open(db, create: bool = False):
    from webapp.store import describe, open_store

    if not create and no_store_file(db):   # a mistyped --db makes no new store
        raise click.ClickException(f"no event store at {describe(db)} (give --db)")
    return open_store(db)


@main.group()
def places():
    """Add, list and remove your own places (a user gazetteer).

    \b
    A CSV file has the columns name, latitude, longitude and optionally
    alternate_names (separated by ; or |), country (ISO code or name), admin1,
    admin2, kind and geometry (GeoJSON); a GeoJSON FeatureCollection has points or
    shapes with the same properties. Examples:
      python -m webapp places add camps.csv
      python -m webapp places list
      python -m webapp places remove "Tel al-Hawa"
    """


@places.command("add")
@click.argument("file", type=click.Path(dir_okay=False))
@db_option
@one_line_errors
def add(file, db):
    """Add the places of a CSV or GeoJSON FILE (a place already known by its name,
    country and admin-1 area is updated). Bad rows are told by line with their
    reason; the good ones are stored together (exit status 1 when any was bad)."""
    from pathlib import Path

    from webapp.interchange.places_file import read_places
    from webapp.store.audit import cli_actor

    good, bad = read_places(file)
    for problem in bad[:100]:
        click.echo(f"bad row: {problem}", err=True)
    if len(bad) > 100:
        click.echo(f"... and {len(bad) - 100} more bad row(s)", err=True)
    stored = 0
    if good:
        with _open(db, create=True) as store:
            stored = store.places().add(good, by=cli_actor(),
                                        about={"file": Path(file).name, "bad": len(bad)})
    click.echo(f"{stored} place(s) added or updated, {len(bad)} bad row(s) left out")
    sys.exit(1 if bad else 0)


@places.command("list")
@db_option
@click.option("--limit", type=click.IntRange(1, 500), default=100, show_default=True,
              help="Places shown per page.")
@click.option("--after", type=click.IntRange(0), default=0,
              help="Show the places after this id (the last id of the previous page).")
@one_line_errors
def list_(db, limit, after):
    """The stored places, oldest first: id, name, country, admin1, kind, source."""
    with _open(db) as store:
        shelf = store.places()
        total, page = shelf.count(), shelf.page(limit, after)
    for p in page:
        also = f" (also {'; '.join(p.alternate_names[:5])})" if p.alternate_names else ""
        click.echo(f"{p.id}\t{p.name}{also}\t{p.country_code}\t{p.admin1}\t{p.kind}\t"
                   f"{p.latitude:.5f},{p.longitude:.5f}\t{p.source}")
    more = f"; next page: --after {page[-1].id}" if page and len(page) == limit else ""
    click.echo(f"{total} place(s) in all{more}", err=True)


@places.command("remove")
@click.argument("name_or_id")
@db_option
@one_line_errors
def remove(name_or_id, db):
    """Remove the place with that id, or every place of that name."""
    from webapp.store.audit import cli_actor

    with _open(db) as store:
        removed = store.places().remove(name_or_id, by=cli_actor())
    click.echo(f"removed {len(removed)} place(s): "
               + "; ".join(f"{p.id} {p.name} {p.country_code}".strip() for p in removed[:10]))
