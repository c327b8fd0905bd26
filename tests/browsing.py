"""What the real-browser tests share: Debian's Chromium, the app served from a thread,
and polling a page (the pages' Content-Security-Policy forbids the eval that Playwright's
wait_for_function needs; evaluate() goes through the DevTools protocol instead)."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="needs Debian's chromium at /usr/bin/chromium")


def keep_local(route, outside: list, local_hosts) -> None:
    """A Playwright route handler's work: let requests to ``local_hosts`` through, and
    refuse (and note in ``outside``) any other, so a test sees what a page would fetch
    from the internet."""
    from urllib.parse import urlsplit

    if urlsplit(route.request.url).hostname in local_hosts:
        route.continue_()
    else:
        outside.append(route.request.url)
        route.abort()


def wait_until(target, expression: str, timeout: float = 30) -> None:
    """Poll a JavaScript expression in a page or frame until it is truthy (seconds)."""
    deadline = time.monotonic() + timeout
    while not target.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


# Single events are .briefing-marker icons; clusters are MarkerCluster's icons (the map
# with its events inline) or the server's clusters (.briefing-cluster, the served map),
# each showing its count.
COUNT_MARKERS = """() => {
    let n = document.querySelectorAll('.leaflet-marker-icon.briefing-marker').length;
    for (const c of document.querySelectorAll('.leaflet-marker-icon.marker-cluster')) {
        n += parseInt(c.textContent, 10);
    }
    for (const c of document.querySelectorAll('.leaflet-marker-icon.briefing-cluster')) {
        n += parseInt(c.textContent, 10);
    }
    return n;
}"""


def marker_count(page, expected: int, timeout: float = 15) -> int:
    """Events drawn as Leaflet marker elements: single markers plus the events inside
    cluster icons, once the map has settled at ``expected`` (while clusters animate, a
    cluster and its fading markers are both in the page), or what it shows after
    ``timeout`` seconds."""
    try:
        wait_until(page, f"({COUNT_MARKERS})() === {expected}", timeout=timeout)
    except AssertionError:
        pass   # the caller's assertion shows what was counted
    return page.evaluate(COUNT_MARKERS)


@contextmanager
def serving(app):
    """``app`` served by waitress from a thread on a free port: its base URL."""
    from waitress import create_server

    httpd = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.effective_port}"
    finally:
        httpd.close()
        httpd.task_dispatcher.shutdown()
        thread.join(timeout=5)


@contextmanager
def chromium():
    """One headless Chromium, closed afterwards."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
