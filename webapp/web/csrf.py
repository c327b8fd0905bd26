"""Synchroniser tokens for every write made with the session cookie: the server's own
forms (the paste page, logging in and out) carry one in a hidden field, and scripts of
the server's own pages send one in the ``X-CSRF-Token`` header (the paste page has it
in ``<meta name="csrf-token">``). Writes with an API token (``Authorization: Bearer``)
need none: no other site can make a browser send that header.

Each browser gets a random secret, kept in Flask's signed session cookie (HttpOnly,
SameSite=Lax, Secure when the request came over https). A form carries a token made
from that secret: a fresh random nonce and its HMAC under the secret. Another site can
neither read the cookie nor the page, so it cannot make a token that passes
:func:`token_is_valid`. A new nonce each time a form is drawn means no two pages carry
the same token bytes, so a compressed page that also echoes pasted text reveals
nothing about the secret through its size (BREACH).

The session cookie is signed with ``SECRET_KEY``. When the configuration has none, one
is made on the first start and kept in ``<instance>/secret_key`` (mode 0600), so forms
that were open before a restart are still accepted after it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
import threading
from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

FIELD = "csrf_token"           # the hidden field's name
HEADER = "X-CSRF-Token"        # the same token, sent by a script with a JSON body
KEY_FILE = "secret_key"        # in the instance folder
_SESSION_KEY = "csrf_secret"
_PURPOSE = b"briefing-map form token\x00"
_MAX_TOKEN_CHARS = 200

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Give ``app`` a secret key, its session cookie settings and the templates'
    ``csrf_token()``."""
    key = app.config.get("SECRET_KEY")
    if not key:
        app.config["SECRET_KEY"] = _stored_secret_key(Path(app.instance_path))
    elif not isinstance(key, (str, bytes)):
        # BRIEFING_SECRET_KEY is read as JSON: a key of digits arrives as a number
        app.config["SECRET_KEY"] = str(key)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if app.config.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        # Lax, not Strict: a link from elsewhere to the paste page must still send the
        # cookie, or the page would hand out a new secret and spoil forms open in
        # other tabs. Cross-site posts carry no cookie under either.
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.session_interface = _SessionCookie()
    app.add_template_global(csrf_token)


def csrf_token() -> str:
    """A token for one form of this browser (made anew on each call)."""
    secret = session.get(_SESSION_KEY)
    if not isinstance(secret, str):
        secret = session[_SESSION_KEY] = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_mac(secret, nonce)}"


def token_is_valid(token: str | None) -> bool:
    """Whether ``token`` was made by :func:`csrf_token` for this browser."""
    secret = session.get(_SESSION_KEY)
    if not isinstance(secret, str) or not token or len(token) > _MAX_TOKEN_CHARS:
        return False
    nonce, _, mac = token.partition(".")
    if not nonce or not mac:
        return False
    return hmac.compare_digest(_mac(secret, nonce).encode(), mac.encode("utf-8", "replace"))


def request_token_is_valid() -> bool:
    """Whether this request carries a valid token, in the ``X-CSRF-Token`` header or
    (for a form) in the hidden field."""
    from webapp.web import FORM_TYPES

    token = request.headers.get(HEADER)
    if token is None and request.mimetype in FORM_TYPES:
        token = request.form.get(FIELD)
    return token_is_valid(token)


def same_origin() -> bool:
    """False when the browser says (Origin, else Referer) the request comes from
    another site; True when it says this one, or says nothing (not a browser: the
    token decides)."""
    from urllib.parse import urlsplit

    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        referrer = request.headers.get("Referer")
        if origin is None and not referrer:
            return True
        origin = referrer or ""
    try:
        parts = urlsplit(origin)
    except ValueError:   # "https://[::1": not an address at all
        return False
    return parts.scheme in ("http", "https") and parts.netloc == request.host


def _mac(secret: str, nonce: str) -> str:
    digest = hmac.new(secret.encode(), _PURPOSE + nonce.encode(), hashlib.sha256)
    return digest.hexdigest()


class _SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure when the request came over https
    (Flask's own setting is fixed for every request; a server reached over plain http
    on a local network must still get its cookie back)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = super().get_cookie_secure(app)
        return configured or (has_request_context() and request.is_secure)

    def should_set_cookie(self, app: Flask, session) -> bool:
        # A write refused as cross-site arrived without the cookie (SameSite): a new
        # cookie in its answer would replace the browser's own and log its user out.
        if g.get("cross_site_write"):
            return False
        return super().should_set_cookie(app, session)


_key_lock = threading.Lock()


def _stored_secret_key(instance: Path) -> str:
    """The key kept in the instance folder, made there on first use."""
    path = instance / KEY_FILE
    with _key_lock:
        try:
            return _read_key(path) or _write_key(path)
        except OSError as err:
            log.warning("cannot keep a secret key in %s (%s): using one for this run "
                        "only, so paste forms open across a restart will be refused; "
                        "set BRIEFING_SECRET_KEY to avoid this", path, err.strerror or err)
            return secrets.token_hex(32)


def _read_key(path: Path) -> str | None:
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    if len(key) < 32:
        raise OSError(f"{path} holds no usable key (delete it to make a new one)")
    return key


def _write_key(path: Path) -> str:
    """Write a new key; if another process got there first, use its key. The file
    appears whole (linked from a finished temporary file), never half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # mkstemp makes the file readable and writable by its owner only
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(key + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read_key(path) or key
    finally:
        os.unlink(temporary)
    return key
