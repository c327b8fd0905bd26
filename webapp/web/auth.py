"""Who is asking, and may they: logins, roles and the rule for every request.

A request is made by the user of its ``Authorization: Bearer`` API token, else by the
user logged in with the session cookie (Flask-Login), else by nobody. ``g.user`` is
that user (``.name``, ``.role``) or None, ``g.auth`` says how (``"token"``,
``"session"``). Then, before any view runs:

* a write (any method but GET, HEAD, OPTIONS) needs an editor, as does a view marked
  ``@requires("editor")`` (the paste page), whatever the client's address: any local
  process or web page can reach 127.0.0.1, so loopback earns nothing;
* reading needs a login only when ``READ_ACCESS = "login"`` (default ``"public"``);
* a write borne by the session cookie needs a CSRF token and no foreign Origin
  (:mod:`.csrf`; a foreign Origin is refused first, logged in or not); a write with
  an API token needs only the token.

Nobody: 401 JSON for the API, a redirect to the login page for pages. Too low a role:
403. Logging in and out, and the map's scripts and styles, are open to everyone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from webapp.errors import ConfigError
from webapp.web import csrf, error_response, get_store, wants_json

bp = Blueprint("auth", __name__)

READ_ACCESS = ("public", "login")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()
# refusal pages of views that show their own (the paste form keeps the pasted text)
_refusals: dict = {}


class SessionUser(UserMixin):
    """An account as Flask-Login wants it. The session keeps the account's login key,
    not its id: a new password makes a new key, which ends the old sessions."""

    def __init__(self, account):
        self.account = account
        self.name = account.name
        self.role = account.role

    def get_id(self) -> str:
        return self.account.login_key


def init_app(app) -> None:
    mode = str(app.config.get("READ_ACCESS") or "public").strip().lower()
    if mode not in READ_ACCESS:
        raise ConfigError(f"READ_ACCESS must be public or login, not {mode[:20]!r}")
    app.config["READ_ACCESS"] = mode
    manager = LoginManager()
    manager.init_app(app)
    manager.user_loader(_session_user)
    app.before_request(authenticate)
    app.register_blueprint(bp)


def accounts():
    from webapp.store.accounts import Accounts

    return Accounts(get_store())


def requires(role: str | None):
    """Mark a view as needing ``role`` (None: open to everyone, even for writes and
    with READ_ACCESS = "login")."""
    def mark(view):
        view.required_role = role
        return view
    return mark


def on_refusal(endpoint: str):
    """Register the view's own answer when a cookie-borne write fails the CSRF check:
    ``handler(problem)`` with problem ``"origin"`` or ``"token"``."""
    def register(handler):
        _refusals[endpoint] = handler
        return handler
    return register


def _session_user(key: str):
    account = accounts().by_login_key(key)
    return SessionUser(account) if account else None


# -- the rule for every request -------------------------------------------------------

def authenticate():
    g.user = g.auth = None
    if request.routing_exception is not None:   # a 404 or 405 answers for itself
        return None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        account = accounts().by_token(token.strip()) if scheme.lower() == "bearer" else None
        if account is None:
            return _unauthorized("the API token is wrong, expired or revoked (send "
                                 "Authorization: Bearer TOKEN; `python -m webapp users "
                                 "token NAME` makes one)", always_json=True)
        g.user, g.auth = account, "token"
    elif current_user.is_authenticated:
        g.user, g.auth = current_user.account, "session"
    # A write the browser says comes from another site is refused as such, whoever
    # is logged in; one with an API token cannot come from a browser on another site.
    cookie_write = request.method not in SAFE_METHODS and g.auth != "token"
    if cookie_write and not csrf.same_origin():
        g.cross_site_write = True
        return _refused("origin")
    needed = _required_role()
    if needed is not None:
        if g.user is None:
            return _unauthorized("log in first: " + (
                "writing needs an editor's login" if needed != "viewer"
                else "this map is shown to logged-in users only"))
        if not g.user.can(needed):
            return error_response(403, f"this needs the {needed} role; {g.user.name} is "
                                       f"a {g.user.role}. Ask an admin.")
    if cookie_write and not csrf.request_token_is_valid():
        return _refused("token")
    return None


def _refused(problem: str):
    return _refusals.get(request.endpoint, _csrf_refused)(problem)


def _required_role() -> str | None:
    from webapp.store.accounts import ROLES

    view = current_app.view_functions.get(request.endpoint)
    marked = getattr(view, "required_role", _UNSET)
    if marked is None:   # logging in and out, the map's scripts
        return None
    if marked is _UNSET:
        marked = "viewer" if current_app.config["READ_ACCESS"] == "login" else None
    if request.method in SAFE_METHODS:
        return marked
    # a write needs an editor at least, even where the view asked for less
    return max(marked or "editor", "editor", key=ROLES.index)


def _unauthorized(message: str, always_json: bool = False):
    if always_json or wants_json():
        return {"error": message}, 401, {"WWW-Authenticate": 'Bearer realm="briefing-map"'}
    # a page, or the paste form's post: to the login page, and back after it
    back = request.full_path.rstrip("?") if request.method == "GET" else _referrer_path()
    return redirect(url_for("auth.login", next=back), code=303)


def _csrf_refused(problem: str):
    if problem == "origin":
        message = "This request came from another site, so nothing was changed."
    else:
        message = ("This request carries no valid CSRF token, so nothing was changed: "
                   f"send the page's token (a form's {csrf.FIELD} field, or the "
                   f"{csrf.HEADER} header), or use an API token.")
    return error_response(403, message)


def _referrer_path() -> str | None:
    return safe_next(request.headers.get("Referer"), same_host=True)


def safe_next(target: str | None, same_host: bool = False) -> str | None:
    """``target`` as a path on this server, or None when it would lead elsewhere."""
    if not target or len(target) > 2000:
        return None
    if any(c.isspace() or not c.isprintable() for c in target):
        return None   # browsers drop tabs and newlines: "/\t/evil.example" is "//evil..."
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if same_host:
        if parts.netloc != request.host:
            return None
    elif parts.scheme or parts.netloc:
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith("//") or "\\" in target:
        return None
    return path + (f"?{parts.query}" if parts.query else "")


# -- logging in and out -------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@requires(None)
def login():
    """The login form; ``?token=`` (a one-time link from ``serve`` or ``users link``)
    logs in at once."""
    target = safe_next(request.values.get("next")) or url_for("views.index")
    if request.method == "GET":
        token = request.args.get("token")
        if token is None:
            return _login_page(target)
        account = accounts().spend_login_token(token)
        if account is None:
            return _login_page(target, "This login link is wrong, expired or used up: "
                                       "log in with your name and password.", 401)
        _start_session(account)
        return redirect(target, code=303)
    account = accounts().check_password(request.form.get("name", "").strip(),
                                        request.form.get("password", ""))
    if account is None:
        current_app.logger.warning("failed login for %r from %s",
                                   request.form.get("name", "")[:64], request.remote_addr)
        return _login_page(target, "Wrong name or password.", 401)
    _start_session(account)
    return redirect(target, code=303)


@bp.route("/logout", methods=["GET", "POST"])
@requires(None)
def logout():
    """GET: a page with the button; POST (with its CSRF token): log out."""
    if request.method == "GET":
        return render_template("login.html", mode="logout", error=None, next=None)
    logout_user()
    session.clear()
    return redirect(url_for("views.index"), code=303)


def _start_session(account) -> None:
    # A fresh session: nothing from before the login (a CSRF secret another page
    # may have planted) is carried over into the logged-in one.
    session.clear()
    login_user(SessionUser(account))
    g.user, g.auth = account, "session"


def _login_page(target: str, error: str | None = None, status: int = 200):
    return render_template("login.html", mode="login", error=error, next=target,
                           name=request.form.get("name", "")), status
