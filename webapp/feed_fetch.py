"""Fetching one feed over HTTP(S) for ``python -m webapp watch``: the only place the
briefing map reads a URL it was given.

A feed server is not trusted: a request has a time limit (for the whole answer, not
only for each read, so a server dripping bytes cannot hold the watcher), the body is
read in pieces and refused past a size cap, redirects are followed a few times and
only to http(s), and a conditional request (ETag, Last-Modified) lets an unchanged
feed answer 304 with no body.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from webapp import __version__
from webapp.errors import BriefingMapError

MAX_BYTES = 10 * 1024 * 1024      # as a file read by `ingest`
TIMEOUT_SECONDS = 30.0
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


class FeedFetchError(BriefingMapError):
    """A feed that could not be fetched (the message is one line, naming why)."""


@dataclass(frozen=True)
class Fetched:
    """A feed's answer: ``body`` None when unchanged (304)."""

    body: bytes | None
    etag: str = ""
    last_modified: str = ""


def is_url(source: str) -> bool:
    return urlsplit(source).scheme.lower() in ("http", "https")


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not is_url(newurl):
            raise FeedFetchError(f"redirected to {newurl[:100]!r}, not an http(s) address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)

    def http_error_302(self, req, fp, code, msg, headers):
        # urllib's own message for a loop is an HTTPError 302 with a long text: say it once
        visited = getattr(req, "redirect_dict", {})
        if sum(visited.values()) >= self.max_redirections:
            raise FeedFetchError(f"more than {self.max_redirections} redirects")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


_OPENER = urllib.request.build_opener(_Redirects())


def fetch(url: str, *, etag: str = "", last_modified: str = "",
          timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES) -> Fetched:
    """The feed at ``url``, or :class:`FeedFetchError` (one line) when it cannot be
    had within ``timeout`` seconds and ``max_bytes`` bytes."""
    if not is_url(url):
        raise FeedFetchError(f"{url[:100]!r} is not an http(s) address")
    headers = {"User-Agent": f"briefing-map/{__version__} (feed watcher)",
               "Accept": "application/rss+xml, application/atom+xml, application/xml, "
                         "text/xml;q=0.9, */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + timeout
    try:
        with _OPENER.open(urllib.request.Request(url, headers=headers),
                          timeout=timeout) as response:
            body = _read_capped(response, deadline, timeout, max_bytes)
            return Fetched(body, response.headers.get("ETag", "") or "",
                           response.headers.get("Last-Modified", "") or "")
    except urllib.error.HTTPError as err:
        if err.code == 304:
            return Fetched(None, etag, last_modified)
        if 300 <= err.code < 400:   # urllib's own stop: the same address again and again
            raise FeedFetchError("redirected in a loop") from err
        raise FeedFetchError(f"HTTP {err.code} {err.reason}") from err
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise FeedFetchError(f"no answer within {timeout:g} s") from err
        raise FeedFetchError(f"cannot connect ({reason})") from err
    except (socket.timeout, TimeoutError) as err:
        raise FeedFetchError(f"no answer within {timeout:g} s") from err
    except (OSError, ValueError, http.client.HTTPException) as err:
        # a reset connection, an answer cut short or malformed
        raise FeedFetchError(f"the connection failed ({type(err).__name__}: "
                             f"{' '.join(str(err).split())[:200]})") from err


def _read_capped(response, deadline: float, timeout: float, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FeedFetchError(f"too large ({_size(int(declared))}; limit {_size(max_bytes)})")
    parts, size = [], 0
    # read1: what has come, not a full chunk (a server dripping bytes is timed here)
    while chunk := response.read1(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FeedFetchError(f"too large (over the limit of {_size(max_bytes)}; "
                                 f"stopped reading)")
        if time.monotonic() > deadline:
            raise FeedFetchError(f"not complete within {timeout:g} s")
        parts.append(chunk)
    if declared and declared.isdigit() and size < int(declared):
        # (read1 ends quietly where the server hung up)
        raise FeedFetchError(f"the answer was cut short ({size:,} of {int(declared):,} "
                             f"bytes)")
    return b"".join(parts)


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"
