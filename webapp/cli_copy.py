"""``python -m webapp copy --from SRC --to DST``: a whole store into a new one, of the
same kind or the other (SQLite file <-> PostGIS database), whole or not at all."""

from __future__ import annotations

import time

import click

from webapp.cli import main, no_store_file, one_line_errors


def _same_store(first: str, second: str) -> bool:
    from pathlib import Path

    from webapp.store import is_database_url

    if is_database_url(first) or is_database_url(second):
        return first == second
    return Path(first).resolve() == Path(second).resolve()


@main.command("copy")
@click.option("--from", "source", required=True, metavar="FILE|URL",
              help="The store to copy: an SQLite file or a postgresql:// URL.")
@click.option("--to", "dest", required=True, metavar="FILE|URL",
              help="An empty store to copy into: a new SQLite file, or an empty "
                   "PostgreSQL database with PostGIS.")
@one_line_errors
def copy(source, dest):
    """Copy a whole store (articles, events, users, API tokens, audit trail, event
    history, watched feeds, user places) into an empty one, e.g. from SQLite to PostGIS and
    back.

    \b
    Example:
      python -m webapp copy --from instance/briefing.sqlite \\
          --to postgresql://briefing@db.example/briefing
    The source may be in use meanwhile (its copy is one moment of it); the
    destination receives everything or, on any failure, nothing.
    """
    import sys
    from pathlib import Path

    from tqdm import tqdm

    from webapp.errors import StoreError
    from webapp.store import describe, is_database_url, open_store
    from webapp.store.audit import cli_actor
    from webapp.store.transfer import copy_store

    if no_store_file(source):
        raise StoreError(f"no event store at {describe(source)}")
    if _same_store(source, dest):
        raise StoreError("--from and --to name the same store")
    new_file = not is_database_url(dest) and not Path(dest).exists()
    started = time.perf_counter()
    try:
        with open_store(source) as src, open_store(dest) as dst:
            known = [n for n in src.record_counts().values() if n is not None]
            with tqdm(total=sum(known) or None, unit=" records", unit_scale=True,
                      file=sys.stderr, disable=None) as bar:
                def progress(table: str, done: int) -> None:
                    bar.set_description(table, refresh=False)
                    bar.update(done)

                copied = copy_store(src, dst, progress, by=cli_actor(),
                                    about={"from": describe(source)})
    except BaseException:
        if new_file:   # a failed copy leaves no empty store file behind
            for leftover in (dest, f"{dest}-wal", f"{dest}-shm", f"{dest}-journal"):
                Path(leftover).unlink(missing_ok=True)
        raise
    click.echo(f"copied {copied['events']:,} event(s), {copied['articles']:,} "
               f"article(s), {copied['users']:,} user(s), {copied['api_tokens']:,} API "
               f"token(s) and {copied['audit']:,} audit row(s) from {describe(source)} "
               f"to {describe(dest)} ({time.perf_counter() - started:.1f} s)"
               + (f"; {copied['places']:,} user place(s)" if copied.get("places") else ""))
