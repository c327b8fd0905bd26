"""``GET /brief``: the brief of exactly the view the map shows, as a file to download.

The map's filters (:mod:`webapp.web.filters`) plus ``format`` (``html``, the default;
``pdf``, printed by the application's warm Chromium; ``docx``; ``md``, sent as a ZIP
of the Markdown and its maps), ``compare`` (``previous``: the change against the
previous period of the same length; ``none``, the default) and ``title``. Without
``since`` and ``until`` the brief covers the days its events span. Briefs share the
snapshots' rate limit and their slots in flight (:mod:`webapp.web.limits`): each
draws several maps.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

from flask import Blueprint, Response, request

from webapp.errors import BriefError, FilterError
from webapp.web import error_response, get_store, services
from webapp.web import filters as webfilters

bp = Blueprint("briefs", __name__)

BRIEF_NAMES = ("format", "compare", "title")
KNOWN = frozenset(webfilters.NAMES) | frozenset(BRIEF_NAMES)
PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
               "base-uri 'none'; form-action 'none'")


@bp.get("/brief")
def brief():
    from webapp.brief import MEDIA_TYPES, check_format, make_brief

    webfilters.refuse_unknown(request.args, KNOWN)
    chosen = webfilters.parse(request.args)
    compare = (webfilters.single(request.args, "compare") or "none").strip().lower()
    if compare not in ("previous", "none"):
        raise FilterError(f"compare must be previous or none, not {compare[:20]!r}")
    title = webfilters.single(request.args, "title")
    try:
        fmt = check_format(webfilters.single(request.args, "format") or "html")
    except BriefError as err:
        raise FilterError(str(err)) from err
    browser = services().snapshot_browser if fmt == "pdf" else None
    if fmt == "pdf" and not hasattr(browser, "render_pdf"):
        return error_response(503, "This server has no Chromium to print a PDF brief; "
                                   "ask for format=html or docx.")
    title = " ".join(title.split())[:200] if title else None
    made_at = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    stem = f"brief-{made_at}"
    made = make_brief(get_store(), chosen, fmt, compare=compare == "previous",
                      title=title, stem=stem, browser=browser)
    if fmt == "md":
        body, mimetype, name = _zip(made.files), "application/zip", f"{stem}.zip"
    else:
        (name, body), mimetype = made.files[0], MEDIA_TYPES[fmt]
    response = Response(body, mimetype=mimetype)
    shown = "inline" if fmt in ("html", "pdf") else "attachment"
    response.headers["Content-Disposition"] = f'{shown}; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"   # the store changes under the same URL
    if fmt == "html":
        response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files:
            archive.writestr(name, body)
    return out.getvalue()
