"""A throwaway PostgreSQL 15 + PostGIS server for tests and bench scripts.

Debian's ``postgresql`` and ``postgresql-15-postgis-3`` packages provide the programs;
:class:`PostgresServer` runs ``initdb`` and ``pg_ctl`` from them in a temporary folder,
listening on a free port of 127.0.0.1 (and a Unix socket in that folder), trusting
every local connection, with fsync off: the data is thrown away at the end. A bench
that wants a server as durable as a real one passes its own ``settings`` (``-c`` options,
e.g. ``{"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}``), which
override those defaults.

``initdb`` refuses to run as root, so when we are root the server's programs run as
Debian's ``postgres`` user (``runuser``), in a folder handed over to it.

Nothing may outlive the test run, even one killed with SIGKILL: a small watchdog
process (a session of its own, so a signal to the test run's process group spares it)
stops the server and removes its folder once the process that started it is gone, and
each start also sweeps away the servers of earlier runs whose owner died.

    from tests.pgserver import PostgresServer
    with PostgresServer() as server:
        url = server.create_database("bench")    # with the postgis extension
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
INSTALL_HINT = ("PostgreSQL 15 + PostGIS not installed: apt-get install postgresql "
                "postgresql-15-postgis-3")
TEMPLATE = "briefing_template"   # a database with postgis created once, copied per test
_PREFIX = "briefing-pg-"         # the temporary folders' names, for the sweep
_OWNER_FILE = "owner.pid"        # the pid of the process that started the server
_SUPERUSER = "postgres"


class PostgresUnavailable(RuntimeError):
    """The server cannot be started here (programs or PostGIS missing, or a failure)."""


def missing() -> str | None:
    """What is missing to run the server (a line saying what to install), or None."""
    needed = [BIN / name for name in ("initdb", "pg_ctl", "postgres")]
    if not all(p.exists() for p in needed) or not POSTGIS_CONTROL.exists():
        return INSTALL_HINT
    if os.geteuid() == 0 and not _postgres_user_exists():
        return "PostgreSQL needs an unprivileged user: there is no 'postgres' user"
    return None


def _postgres_user_exists() -> bool:
    import pwd

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return True


def _as_server_user(args: list[str]) -> list[str]:
    """``args`` run as the user that may run PostgreSQL (ourselves unless root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """One PostgreSQL server in a temporary folder; :meth:`start` runs it (the
    constructor does too unless ``start=False``), :meth:`stop` ends it and removes
    the folder."""

    def __init__(self, *, start: bool = True, shared_buffers: str = "64MB",
                 settings: dict[str, str] | None = None):
        self.port: int | None = None
        self.folder: Path | None = None
        # a throwaway server's settings: nothing waits for the disk
        self.settings = {"listen_addresses": "127.0.0.1", "fsync": "off",
                         "synchronous_commit": "off", "full_page_writes": "off",
                         "shared_buffers": shared_buffers, "max_connections": "200",
                         **(settings or {})}
        self._watchdog: subprocess.Popen | None = None
        self._created = 0
        if start:
            self.start()

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{_SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> PostgresServer:
        problem = missing()
        if problem:
            raise PostgresUnavailable(problem)
        sweep_orphans()
        self.folder = Path(tempfile.mkdtemp(prefix=_PREFIX))
        (self.folder / _OWNER_FILE).write_text(str(os.getpid()))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._watchdog = _start_watchdog(self.folder)
        try:
            self._run([str(BIN / "initdb"), "-D", str(self.data), "-A", "trust",
                       "-U", _SUPERUSER, "-E", "UTF8", "--locale=C", "--no-sync"],
                      "initdb")
            for attempt in range(3):   # another program may take the port meanwhile
                self.port = free_port()
                if self._pg_ctl_start():
                    break
            else:
                raise PostgresUnavailable(f"PostgreSQL did not start: {self._log_tail()}")
            self._make_template()
        except BaseException:
            self.stop()
            raise
        return self

    def _pg_ctl_start(self) -> bool:
        options = " ".join([f"-p {self.port}", f"-k {self.folder}"] + [
            f"-c {name}={value}" for name, value in self.settings.items()])
        done = subprocess.run(_as_server_user([
            str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
            "-w", "-t", "60", "-o", options, "start"]), capture_output=True, text=True)
        return done.returncode == 0

    def _make_template(self) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        with psycopg.connect(self.url(TEMPLATE), autocommit=True) as conn:
            try:
                conn.execute("CREATE EXTENSION postgis")
            except psycopg.Error as err:
                raise PostgresUnavailable(f"{INSTALL_HINT} ({err})") from err

    def create_database(self, name: str | None = None) -> str:
        """A new database with the postgis extension; returns its URL."""
        import psycopg

        self._created += 1
        name = name or f"t{self._created:04d}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            # FILE_COPY copies the template's files as they are: quicker than WAL_LOG
            # (PostgreSQL 15's default) for a template holding PostGIS's tables
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE} '
                         "STRATEGY = FILE_COPY")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Remove a database, ending the connections still open to it."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server (immediately: its data is thrown away) and remove its folder."""
        folder, self.folder = self.folder, None
        if folder is None:
            return
        _stop_folder(folder)
        if self._watchdog is not None:
            self._watchdog.terminate()
            self._watchdog.wait(timeout=10)
            self._watchdog = None

    def _run(self, args: list[str], what: str) -> None:
        done = subprocess.run(_as_server_user(args), capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise PostgresUnavailable(f"{what} failed: {' | '.join(tail)}")

    def _log_tail(self) -> str:
        try:
            lines = (self.folder / "log").read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return " | ".join(lines[-3:])

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _stop_folder(folder: Path) -> None:
    """Stop the server whose data is in ``folder`` (if it runs) and remove the folder."""
    data = folder / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(_as_server_user([str(BIN / "pg_ctl"), "-D", str(data), "-m",
                                        "immediate", "-w", "-t", "30", "stop"]),
                       capture_output=True)
        _kill_postmaster(data)   # pg_ctl gave up: the pid file names the postmaster
    shutil.rmtree(folder, ignore_errors=True)


def _kill_postmaster(data: Path) -> None:
    import signal

    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    if _is_postmaster(pid, data):
        os.kill(pid, signal.SIGQUIT)   # PostgreSQL's own "immediate shutdown"
        for _ in range(100):
            if not _is_postmaster(pid, data):
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)


def _is_postmaster(pid: int, data: Path) -> bool:
    """Whether ``pid`` is the postgres serving ``data`` (not a process that reused
    the number since)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(part.endswith(b"postgres") for part in command[:1]) and \
        str(data).encode() in command


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a killed one its parent has not reaped yet does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def sweep_orphans() -> None:
    """Stop and remove the servers of earlier runs whose starting process is gone."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        try:
            owner = int((folder / _OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue   # not one of ours, or being made right now
        if not _alive(owner):
            _stop_folder(folder)


# Runs in a process of its own: waits for the owner to go, then stops its server.
_WATCHDOG = """
import sys, time
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from tests.pgserver import _alive, _stop_folder
owner, folder = int(sys.argv[1]), Path(sys.argv[2])
while _alive(owner) and folder.exists():
    time.sleep(0.5)
if folder.exists():
    _stop_folder(folder)
"""


def _start_watchdog(folder: Path) -> subprocess.Popen:
    root = str(Path(__file__).resolve().parents[1])
    return subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(os.getpid()),
                             str(folder), root], start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
