"""``python -m webapp users ...`` and ``python -m webapp audit``: accounts and the audit
trail from the command line. Whoever can run these can read and write the store's
file anyway, so they ask for no login; their changes are audited as ``cli:<os user>``.
"""

from __future__ import annotations

import click

from webapp.cli import db_option, main, no_store_file, one_line_errors
from webapp.store.accounts import ROLES

_role = click.Choice(ROLES)
_days = click.option("--days", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="The API token stops working after this many days "
                          "(default: until revoked by `users reset --token`).")


def _accounts(db, create: bool = False):
    from webapp.store import describe, open_store
    from webapp.store.accounts import Accounts

    if not create and no_store_file(db):   # a mistyped --db makes no new store
        raise click.ClickException(f"no event store at {describe(db)} (give --db, or add "
                                   "a user first: `users add` makes the store)")
    store = open_store(db)
    return store, Accounts(store)


def _who() -> str:
    from webapp.store.audit import cli_actor

    return cli_actor()


def _password(generate: bool) -> str | None:
    """None: let the store make one (and print it); else what was typed, twice (or
    the first line of standard input when it is not a terminal, for scripts)."""
    import sys

    if generate:
        return None
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password (at least 8 characters)", hide_input=True,
                        confirmation_prompt=True, err=True)


@main.group()
def users():
    """Add, list, change and remove the people who may log in.

    \b
    Roles: viewer (reads; needed only with READ_ACCESS=login), editor (also
    pastes and posts articles), admin (everything an editor may do).
    Examples:
      python -m webapp users add alice --role editor
      python -m webapp users add robot --role editor --generate-password --token
      python -m webapp users reset alice --generate-password
    """


@users.command("add")
@click.argument("name")
@click.option("--role", type=_role, default="viewer", show_default=True)
@click.option("--generate-password", "generate", is_flag=True,
              help="Make a random password and print it, instead of asking for one.")
@click.option("--token", is_flag=True, help="Also make an API token and print it (once).")
@_days
@db_option
@one_line_errors
def add(name, role, generate, token, days, db):
    """Add a user NAME with a password (asked for, or generated and printed)."""
    from webapp.store.accounts import check_name

    check_name(name)   # before asking for a password the name cannot have
    password = _password(generate)
    store, accounts = _accounts(db, create=True)
    with store:
        made = accounts.add(name, role, password, by=_who())
        click.echo(f"added {name} ({role})")
        if generate:
            click.echo(f"password: {made}")
        if token:
            made = accounts.make_token(name, days=days, by=_who())
            click.echo(f"API token (shown once): {made}")


@users.command("list")
@db_option
@one_line_errors
def list_(db):
    """The users, their roles and how many API tokens each has."""
    store, accounts = _accounts(db)
    with store:
        found = accounts.list()
    if not found:
        click.echo("no users yet (`python -m webapp serve` makes an admin on its first start)")
    for user, tokens in found:
        click.echo(f"{user.name}\t{user.role}\t{tokens} API token(s)")


@users.command("remove")
@click.argument("name")
@db_option
@one_line_errors
def remove(name, db):
    """Remove a user: their sessions and API tokens stop working at once."""
    store, accounts = _accounts(db)
    with store:
        accounts.remove(name, by=_who())
    click.echo(f"removed {name}")


@users.command("role")
@click.argument("name")
@click.argument("role", type=_role)
@db_option
@one_line_errors
def role(name, role, db):
    """Give user NAME another ROLE (viewer, editor or admin)."""
    store, accounts = _accounts(db)
    with store:
        accounts.set_role(name, role, by=_who())
    click.echo(f"{name} is now {role}")


@users.command("reset")
@click.argument("name")
@click.option("--password/--no-password", "new_password", default=True,
              help="Set a new password (default); --no-password keeps it.")
@click.option("--generate-password", "generate", is_flag=True,
              help="Make a random password and print it, instead of asking for one.")
@click.option("--token", is_flag=True,
              help="Replace the user's API tokens by a new one, printed once.")
@_days
@db_option
@one_line_errors
def reset(name, new_password, generate, token, days, db):
    """A new password (ending the user's browser sessions) and/or a new API token."""
    if not new_password and not token:
        raise click.UsageError("nothing to reset: give --token, or leave out --no-password")
    store, accounts = _accounts(db)
    with store:
        accounts.get(name)   # an unknown name fails before the password is asked for
        if new_password:
            made = accounts.set_password(name, _password(generate), by=_who())
            click.echo(f"new password for {name}" + (f": {made}" if generate else ""))
        if token:
            made = accounts.make_token(name, days=days, replace=True, by=_who())
            click.echo(f"API token (shown once; the old ones no longer work): {made}")


@users.command("token")
@click.argument("name")
@_days
@db_option
@one_line_errors
def token(name, days, db):
    """Make another API token for NAME (use it as `Authorization: Bearer TOKEN`)."""
    store, accounts = _accounts(db)
    with store:
        made = accounts.make_token(name, days=days, by=_who())
    click.echo(f"API token (shown once): {made}")


@users.command("link")
@click.argument("name")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True,
              help="The server's address as the browser reaches it.")
@db_option
@one_line_errors
def link(name, url, db):
    """Print a link that logs NAME in once (within a day), without a password."""
    store, accounts = _accounts(db)
    with store:
        made = accounts.make_login_link_token(name, by=_who())
    click.echo(f"{url.rstrip('/')}/login?token={made}")


@main.command("audit")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@db_option
@one_line_errors
def audit(limit, db):
    """Show the newest writes: when, who, what (tab-separated, newest first)."""
    import json

    from webapp.store import describe, open_store

    if no_store_file(db):
        raise click.ClickException(f"no event store at {describe(db)}")
    with open_store(db) as store:
        entries = store.audit_trail(limit)
    for entry in entries:
        detail = json.dumps(entry.detail, ensure_ascii=False)
        click.echo(f"{entry.at}\t{entry.who}\t{entry.action}\t{detail}")
