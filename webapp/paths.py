"""Where the instance folder and the event store are, decided in one place for the
command line and the server alike, whatever the current directory.

The instance folder (the gazetteer index, the server's ``config.py`` and secret key,
and by default the store) is ``BRIEFING_INSTANCE`` when set, else ``instance/`` in the
project. The store, from the weakest source to the strongest:

1. ``DATABASE_URL`` when set (``postgresql://user@host/dbname``), else
   ``<instance>/briefing.sqlite``  (:func:`default_store`);
2. ``DB`` in ``<instance>/config.py``;
3. ``BRIEFING_DB``;
4. the command's ``--db`` (or ``create_app``'s config).

The server reads 2 and 3 with the rest of its configuration (webapp.web); the command
line asks :func:`configured_store`, which reads the same two.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORE_FILE = "briefing.sqlite"


def write_whole(path: Path, body: bytes) -> None:
    """Write ``body`` to ``path`` beside it first and rename it over: a reader never
    sees a half-written file, and a failure leaves the old one (OSError is the caller's
    to word)."""
    import tempfile

    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(body)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def instance_dir() -> Path:
    """The instance folder: ``BRIEFING_INSTANCE``, else the project's ``instance/``."""
    given = os.environ.get("BRIEFING_INSTANCE", "").strip()
    return Path(given).expanduser().resolve() if given else ROOT / "instance"


def default_store(instance=None) -> str:
    """The store when nothing else names one: ``DATABASE_URL``, else the instance
    folder's ``briefing.sqlite``."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    return str(Path(instance or instance_dir()) / STORE_FILE)


def configured_store(instance=None) -> str:
    """The store the server at ``instance`` (default :func:`instance_dir`) uses when
    started without ``--db``: ``BRIEFING_DB``, else ``DB`` in its ``config.py``, else
    :func:`default_store`."""
    given = os.environ.get("BRIEFING_DB", "").strip()
    if given:
        return given
    instance = Path(instance or instance_dir())
    return _config_file_db(instance / "config.py") or default_store(instance)


def _config_file_db(path: Path) -> str | None:
    """``DB`` as ``config.py`` sets it (read as Flask reads it: the file is run)."""
    if not path.is_file():
        return None
    import runpy

    from webapp.errors import ConfigError

    try:
        value = runpy.run_path(str(path)).get("DB")
    except Exception as err:   # the file is the operator's: any error is theirs to see
        raise ConfigError(f"cannot read {path}: {type(err).__name__}: {err}") from err
    return str(value) if value else None
