"""What the server checks before any view runs, and the addresses it is configured with:
the host names it answers to (``TRUSTED_HOSTS``, Flask's own check, against DNS
rebinding), the JSON parser's limits, and its public address (``PUBLIC_URL``)."""

from __future__ import annotations

from flask.json.provider import DefaultJSONProvider

from webapp.errors import BriefingMapError


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a body nested too deeply for Python's parser (``[``
    100,000 times) is bad JSON like any other, which requests answer with a 400."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as err:
            raise ValueError("JSON nested too deeply") from err


def trusted_hosts(value) -> list[str]:
    """TRUSTED_HOSTS as a list: BRIEFING_TRUSTED_HOSTS may be a JSON list or names
    separated by commas."""
    names = (list(value) if isinstance(value, (list, tuple, set, frozenset))
             else str(value or "").split(","))
    names = [str(name).strip() for name in names if str(name).strip()]
    if not names:   # Flask reads an empty list as "any host": never meant here
        raise BriefingMapError("TRUSTED_HOSTS is empty: name the hosts the map is "
                               "reached at, e.g. BRIEFING_TRUSTED_HOSTS=map.example.org")
    return names


def public_url(value) -> str | None:
    """PUBLIC_URL checked (an http(s) address), ending in one slash; None if unset."""
    from urllib.parse import urlsplit

    if not value:
        return None
    text = str(value).strip()
    try:
        parts = urlsplit(text)
        parts.port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
            or parts.query or parts.fragment:
        raise BriefingMapError(f"PUBLIC_URL must be the map's http(s) address, such as "
                               f"https://map.example.org/, not {text[:80]!r}")
    return text.rstrip("/") + "/"


UNTRUSTED_HOST = ("This server does not answer to the host name this request was sent "
                  "to. Its administrator lists the names it answers to in TRUSTED_HOSTS.")


def untrusted_host():
    """400 for a Host header outside TRUSTED_HOSTS (a rebound DNS name, say): as plain
    text for pages, since no URL can be built for a host the server does not serve."""
    if _wants_json():
        return {"error": UNTRUSTED_HOST}, 400
    return UNTRUSTED_HOST + "\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def _wants_json() -> bool:
    from webapp.web import wants_json

    return wants_json()
