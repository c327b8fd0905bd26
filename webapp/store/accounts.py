"""Users, roles and API tokens, kept in the event store's SQLite file.

Roles rank viewer < editor < admin: a viewer reads, an editor also writes (articles,
imports), an admin may do everything an editor may. Passwords are kept as Werkzeug's
slow salted hashes (scrypt); tokens are long random strings, so a fast SHA-256 of one
is enough to find it and cannot be turned back into it. Neither is ever stored as
given. Every change to an account is written to the audit trail in its transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from webapp.errors import AccountError, StoreError
from webapp.store import audit

ROLES = ("viewer", "editor", "admin")
MIN_PASSWORD_CHARS = 8
MAX_SECRET_CHARS = 200            # a longer password or token is refused unread
MAX_USERS_LISTED = 1000
LOGIN_LINK_LIFETIME = timedelta(hours=24)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


# Werkzeug is imported when a password is hashed or checked, not with the store: every
# command line imports the store, and werkzeug (its server behind it) costs a fifth of
# a second of that start.
def _hash_password(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password)


def _password_matches(stored: str, password: str) -> bool:
    from werkzeug.security import check_password_hash

    return check_password_hash(stored, password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the user is unknown, so that a wrong name takes as long as a
    wrong password and does not tell which names exist. Made on first need: a slow hash
    at import would slow every command's start."""
    return _hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    login_key: str

    def can(self, role: str) -> bool:
        """Whether this user's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_password() -> str:
    return secrets.token_urlsafe(12)


class Accounts:
    """The users of one store (an open SQLiteStore or PostGISStore). The SQL is
    written for both: ``?`` placeholders, names compared through lower()."""

    def __init__(self, store):
        self._store = store

    # -- reading ----------------------------------------------------------------------

    def count(self) -> int:
        return self._one("SELECT count(*) FROM users", ())[0]

    def list(self) -> list[tuple[User, int]]:
        """(user, number of live API tokens), by name."""
        rows = self._all(
            "SELECT u.id, u.name, u.role, u.login_key, (SELECT count(*) FROM api_tokens t "
            "WHERE t.user_id = u.id AND t.kind = 'api' AND (t.expires_at IS NULL OR "
            "t.expires_at > ?)) FROM users u ORDER BY lower(u.name), u.name "
            f"LIMIT {MAX_USERS_LISTED:d}", (audit.now_text(),))
        return [(User(*row[:4]), row[4]) for row in rows]

    def get(self, name: str) -> User:
        row = self._one("SELECT id, name, role, login_key FROM users WHERE lower(name) = lower(?)",
                        (name,))
        if row is None:
            raise AccountError(f"no user named {name[:64]!r}")
        return User(*row)

    def by_login_key(self, key: str) -> User | None:
        """The user a browser session names, or None (removed, or a new password since)."""
        if not isinstance(key, str) or len(key) > MAX_SECRET_CHARS:
            return None
        row = self._one("SELECT id, name, role, login_key FROM users WHERE login_key = ?",
                        (key,))
        return User(*row) if row else None

    def check_password(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None."""
        if not name or not password or len(password) > MAX_SECRET_CHARS:
            return None
        row = self._one("SELECT id, name, role, login_key, password_hash FROM users "
                        "WHERE lower(name) = lower(?)", (name[:MAX_SECRET_CHARS],))
        if row is None:
            _password_matches(_dummy_hash(), password)
            return None
        return User(*row[:4]) if _password_matches(row[4], password) else None

    def by_token(self, token: str) -> User | None:
        """The user an unexpired API token belongs to, or None."""
        if not token or len(token) > MAX_SECRET_CHARS:
            return None
        row = self._one(
            "SELECT u.id, u.name, u.role, u.login_key FROM api_tokens t JOIN users u "
            "ON u.id = t.user_id WHERE t.token_hash = ? AND t.kind = 'api' "
            "AND (t.expires_at IS NULL OR t.expires_at > ?)",
            (token_digest(token), audit.now_text()))
        return User(*row) if row else None

    # -- changing ---------------------------------------------------------------------

    def add(self, name: str, role: str, password: str | None = None, *, by: str) -> str:
        """Add a user; returns the password (a new random one when none is given)."""
        check_name(name)
        _check_role(role)
        password = _checked_password(password) if password is not None else new_password()
        try:
            with self._write() as conn:
                conn.execute(
                    "INSERT INTO users (name, role, password_hash, login_key, created_at) "
                    "VALUES (?, ?, ?, ?, ?)", (name, role, _hash_password(password),
                                               secrets.token_urlsafe(24), audit.now_text()))
                audit.write(conn, by, "user.add", {"user": name, "role": role})
        except self._store.integrity_errors as err:
            raise AccountError(f"a user named {name!r} already exists") from err
        return password

    def add_first_admin(self, name: str = "admin", *, by: str) -> str | None:
        """When the store has no user at all: an admin with a password nobody knows,
        and a one-time login link token for them. None when a user exists already
        (also when another process made the first one a moment ago)."""
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM users LIMIT 1").fetchone():
                return None
            conn.execute(
                "INSERT INTO users (name, role, password_hash, login_key, created_at) "
                "VALUES (?, 'admin', ?, ?, ?)",
                (name, _hash_password(secrets.token_urlsafe(32)),
                 secrets.token_urlsafe(24), audit.now_text()))
            audit.write(conn, by, "user.add", {"user": name, "role": "admin",
                                               "first_start": True})
            # read through this transaction: another connection (a PostGIS store's
            # pool) would not see the user yet
            made = conn.execute("SELECT id, name, role, login_key FROM users "
                                "WHERE lower(name) = lower(?)", (name,)).fetchone()
            return self._insert_token(conn, User(*made), "login", LOGIN_LINK_LIFETIME)

    def remove(self, name: str, *, by: str) -> None:
        user = self.get(name)
        with self._write() as conn:   # its tokens go with it (ON DELETE CASCADE)
            conn.execute("DELETE FROM users WHERE id = ?", (user.id,))
            audit.write(conn, by, "user.remove", {"user": user.name})

    def set_role(self, name: str, role: str, *, by: str) -> None:
        _check_role(role)
        user = self.get(name)
        with self._write() as conn:
            conn.execute("UPDATE users SET role = ? WHERE id = ?", (role, user.id))
            audit.write(conn, by, "user.role", {"user": user.name, "from": user.role,
                                                "to": role})

    def set_password(self, name: str, password: str | None = None, *, by: str) -> str:
        """A new password (random when none is given); the user's open browser
        sessions end. Returns the password."""
        password = _checked_password(password) if password is not None else new_password()
        user = self.get(name)
        with self._write() as conn:
            conn.execute("UPDATE users SET password_hash = ?, login_key = ? WHERE id = ?",
                         (_hash_password(password), secrets.token_urlsafe(24),
                          user.id))
            audit.write(conn, by, "user.password", {"user": user.name})
        return password

    def make_token(self, name: str, *, days: float | None = None, replace: bool = False,
                   by: str) -> str:
        """A new API token for ``name`` (valid ``days``, or until revoked); with
        ``replace`` the user's other API tokens stop working. Shown once: only its
        hash is kept."""
        if days is not None and days <= 0:
            raise AccountError("a token must be valid for more than 0 days")
        user = self.get(name)
        with self._write() as conn:
            if replace:
                conn.execute("DELETE FROM api_tokens WHERE user_id = ? AND kind = 'api'",
                             (user.id,))
            token = self._insert_token(conn, user, "api",
                                       timedelta(days=days) if days else None)
            audit.write(conn, by, "token.add", {"user": user.name, "days": days,
                                                "replaced_others": replace})
        return token

    def make_login_link_token(self, name: str, *, by: str) -> str:
        """A token for one login through ``/login?token=...`` within a day."""
        user = self.get(name)
        with self._write() as conn:
            token = self._insert_token(conn, user, "login", LOGIN_LINK_LIFETIME)
            audit.write(conn, by, "token.login_link", {"user": user.name})
        return token

    def spend_login_token(self, token: str) -> User | None:
        """The user of a one-time login token, which is used up by this call."""
        if not token or len(token) > MAX_SECRET_CHARS:
            return None
        with self._write() as conn:
            row = conn.execute(
                "SELECT t.id, u.id, u.name, u.role, u.login_key FROM api_tokens t JOIN "
                "users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.kind = 'login' "
                "AND (t.expires_at IS NULL OR t.expires_at > ?)",
                (token_digest(token), audit.now_text())).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM api_tokens WHERE id = ?", (row[0],))
            audit.write(conn, row[2], "login.link", {"user": row[2]})
        return User(*row[1:])

    # -- helpers ----------------------------------------------------------------------

    @staticmethod
    def _insert_token(conn, user: User, kind: str, lifetime: timedelta | None) -> str:
        token = secrets.token_urlsafe(32)
        expires = None
        if lifetime is not None:
            expires = (datetime.now(timezone.utc) + lifetime).isoformat(timespec="seconds")
        conn.execute("INSERT INTO api_tokens (user_id, token_hash, kind, created_at, "
                     "expires_at) VALUES (?, ?, ?, ?, ?)",
                     (user.id, token_digest(token), kind, audit.now_text(), expires))
        return token

    @contextmanager
    def _write(self) -> Iterator:
        try:
            with self._store._transaction() as conn:
                yield conn
        except self._store.integrity_errors:
            raise   # the callers say what it means
        except self._store.database_errors as err:
            raise StoreError(f"the users could not be changed: {err}") from err

    def _one(self, sql: str, params) -> tuple | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None

    def _all(self, sql: str, params) -> list[tuple]:
        return self._store._read(self._store._dialect.from_qmarks(sql), params)


def check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise AccountError("a user name is 1 to 64 letters, digits and . _ @ - "
                           f"(starting with a letter or digit), not {str(name)[:64]!r}")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"the role must be viewer, editor or admin, not {role[:20]!r}")


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_SECRET_CHARS:
        raise AccountError(f"a password may have at most {MAX_SECRET_CHARS} characters")
    return password
