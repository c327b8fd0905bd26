"""``python -m webapp serve``: the map server under waitress, tuned for slow clients,
with the first start's admin link and the addresses it is reached at."""

from __future__ import annotations

import click

from webapp.cli import STORE_DEFAULT, main, one_line_errors


def _settle_addresses(app, address, port) -> None:
    """The embed snippet's address when none is configured (the one listened at), and
    a warning when the server listens beyond loopback but answers loopback names only."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(str(address))
    except ValueError:
        ip = None
    wildcard = ip is not None and ip.is_unspecified
    if not app.config.get("PUBLIC_URL"):
        if wildcard or ip is None:
            host = app.config["TRUSTED_HOSTS"][0].lstrip(".")
        else:
            host = f"[{ip}]" if ip.version == 6 else str(ip)
        app.config["PUBLIC_URL"] = f"http://{host}:{port}/"
    if (wildcard or (ip is not None and not ip.is_loopback)) and \
            set(app.config["TRUSTED_HOSTS"]) <= {"localhost", "127.0.0.1"}:
        click.echo("Only requests for localhost or 127.0.0.1 are answered: set "
                   "BRIEFING_TRUSTED_HOSTS to the names this server is reached at, and "
                   "BRIEFING_PUBLIC_URL to its address (README: trusted hosts).", err=True)


def _first_admin(db: str, public_url: str) -> None:
    """On the first start (no user yet), make an admin and print a link that logs the
    browser in once; always say how to add users."""
    from webapp.store import open_store
    from webapp.store.accounts import Accounts
    from webapp.store.audit import cli_actor

    with open_store(db) as store:
        token = Accounts(store).add_first_admin(by=cli_actor())
    if token:
        click.echo("No users yet: made the user 'admin'. Open this link within a day to "
                   "log in as admin (it works once):")
        click.echo(f"    {public_url}login?token={token}")
        click.echo("    (set admin's password with: python -m webapp users reset admin "
                   f"--db {_shown(db)})")
    click.echo("Add users with: python -m webapp users add NAME --role editor "
               f"--db {_shown(db)}")


def _shown(db: str) -> str:
    """``db`` for a command to copy: quoted for the shell, without a URL's password."""
    import shlex

    from webapp.store import describe

    return shlex.quote(describe(db))


def _allow_open_files(needed: int) -> None:
    """Raise this process's open-file limit towards ``needed`` (each connection is one),
    as far as the hard limit allows: many systems start at 1,024."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


@main.command()
@click.option("--db", default=None, metavar="FILE|URL",
              help="The event store: an SQLite file or a postgresql://user@host/dbname "
                   f"URL (default: {STORE_DEFAULT}).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--threads", type=click.IntRange(1, 64), default=6, show_default=True,
              help="Requests answered at once (slow clients do not hold one: waitress "
                   "reads and writes for them in its own loop).")
@click.option("--connection-limit", type=click.IntRange(10, 10_000), default=1000,
              show_default=True,
              help="Open connections accepted at once, idle and slow ones included.")
@click.option("--channel-timeout", type=click.IntRange(1, 3600), default=30,
              show_default=True,
              help="Seconds a connection may stay silent before it is closed.")
@click.option("--cleanup-interval", type=click.IntRange(1, 3600), default=10,
              show_default=True, help="Seconds between checks for silent connections.")
@click.option("--trusted-proxy", default=None, metavar="ADDRESS",
              help="The reverse proxy's address (e.g. 127.0.0.1): only its "
                   "X-Forwarded-For and X-Forwarded-Proto headers are believed. None by "
                   "default: no forwarded header is trusted.")
@one_line_errors
def serve(db, host, port, threads, connection_limit, channel_timeout, cleanup_interval,
          trusted_proxy):
    """Serve the briefing map (the map page, the paste page and the JSON API).

    Configuration comes from instance/config.py and BRIEFING_* environment variables
    (see webapp/web/__init__.py); --db overrides BRIEFING_DB. Behind nginx or another
    reverse proxy, see README ("Limits, jobs and the reverse proxy").
    """
    from waitress import create_server

    from webapp.store import describe, open_store
    from webapp.web import create_app

    app = create_app({"DB": db} if db else None)
    with open_store(app.config["DB"]):   # one line, before anything listens, if it fails
        pass
    _allow_open_files(connection_limit + 100)
    options = dict(threads=threads, connection_limit=connection_limit,
                   channel_timeout=channel_timeout, cleanup_interval=cleanup_interval,
                   # poll(), not select(): select() cannot watch descriptors past 1024
                   asyncore_use_poll=True)
    if trusted_proxy:
        options.update(trusted_proxy=trusted_proxy,
                       trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
                       clear_untrusted_proxy_headers=True)
    try:
        # waitress reads a whole body before the app sees the request: its own limit,
        # the app's, turns a 50 MB body away as soon as its headers say so
        server = create_server(app, host=host, port=port, **options,
                               max_request_body_size=app.config["MAX_CONTENT_LENGTH"])
    except OSError as err:
        raise click.ClickException(f"cannot listen on {host}:{port}: "
                                   f"{err.strerror or err}") from err
    listening = getattr(server, "effective_listen", None) or [
        (server.effective_host, server.effective_port)]
    for address, bound_port in listening:
        shown = f"[{address}]" if ":" in str(address) else address
        click.echo(f"Serving the briefing map at http://{shown}:{bound_port}/ "
                   f"(events from {describe(app.config['DB'])}; Ctrl+C stops)")
    _settle_addresses(app, *listening[0])
    _first_admin(app.config["DB"], app.config["PUBLIC_URL"])
    shared = app.extensions["briefing"]
    if shared.snapshot_browser is not None:
        shared.snapshot_browser.start()   # warm before the first "Download PNG"
    try:
        server.run()
    finally:
        server.close()
        shared.close()
        app.extensions["briefing_jobs"].shutdown()
