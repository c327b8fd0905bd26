"""Pictures of pages taken by one headless Chromium that stays warm between requests.

Starting Chromium costs about a second; a server that started one per snapshot would pay it
every time and could be brought down by a burst of requests. :class:`ChromiumRenderer`
starts one browser on first use (or on :meth:`start`) and keeps it. Playwright's sync API
must be used from the thread that started it, so one worker thread owns the browser and
the callers' requests queue up for it; they are answered one at a time, in order.

The page is served to the browser by the renderer itself, under a host name that cannot
exist (``snapshot.invalid``): the HTML from memory, the scripts and styles from the local
asset folders. Every other request is refused, so a snapshot never reaches the network
whatever the page asks for. If the browser dies mid-render it is started again and the
request is tried once more before the caller gets a :class:`SnapshotError`.
"""

from __future__ import annotations

import logging
import mimetypes
import queue
import threading
from concurrent.futures import Future
from pathlib import Path
from urllib.parse import unquote, urlsplit

from webapp.errors import SnapshotError

log = logging.getLogger(__name__)

CHROMIUM = Path("/usr/bin/chromium")
HOST = "snapshot.invalid"
ORIGIN = f"http://{HOST}"
STATIC_URL = f"{ORIGIN}/static"
RENDER_TIMEOUT_MS = 30_000   # a map that is not drawn by then will not be
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-extensions",
               "--hide-scrollbars", "--mute-audio"]


def chromium_available(executable: Path | str = CHROMIUM) -> bool:
    """True when the browser and Playwright's Python package are both installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return Path(executable).is_file()


class ChromiumRenderer:
    """PNG pictures of HTML pages, by one long-lived headless Chromium."""

    name = "chromium"
    static_url = STATIC_URL   # where snapshot pages must link their scripts and styles

    def __init__(self, executable: Path | str = CHROMIUM, asset_folders=None):
        self.executable = str(executable)
        self._folders = asset_folders
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._html = ""
        self.launches = 0      # how many times a browser was started (tests watch this)
        self.refused: list[str] = []   # requests the pages made that were not let out
        self._pids: set[int] = set()
        self._crash_next = False

    # -- callers' side ---------------------------------------------------------------

    def start(self) -> None:
        """Start the worker and the browser now rather than on the first picture."""
        self._submit(lambda page: None)

    def render_png(self, html: str, width: int, height: int, timeout: float = 120) -> bytes:
        """The page ``html`` photographed at ``width`` x ``height`` CSS pixels."""
        return self._wait(self._submit(lambda page: self._shoot(page, html, width, height)),
                          timeout)

    def render_pdf(self, html: str, timeout: float = 120) -> bytes:
        """The page ``html`` printed to PDF (A4 unless its CSS says otherwise), as the
        print dialog would: a brief's HTML becomes its PDF."""
        return self._wait(self._submit(lambda page: self._print(page, html)), timeout)

    def page_evaluate(self, expression: str, timeout: float = 60):
        """A JavaScript expression evaluated in the last page drawn (for tests)."""
        return self._wait(self._submit(lambda page: page.evaluate(expression)), timeout)

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(None)
            thread.join(timeout=30)

    def crash_for_test(self, mid_render: bool = False) -> None:
        """Kill the browser's processes as a crash would, now or (``mid_render``) in the
        middle of the next picture, once its page has loaded (tests check recovery)."""
        if mid_render:
            self._crash_next = True
        else:
            self._wait(self._submit(lambda page: _kill(self._pids)), 60)

    @staticmethod
    def _wait(future: Future, timeout: float):
        try:
            return future.result(timeout=timeout)
        except TimeoutError as err:
            raise SnapshotError(f"the browser took over {timeout:g} s to draw the map") from err

    def _submit(self, job) -> Future:
        future: Future = Future()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="snapshot-browser",
                                                daemon=True)
                self._thread.start()
            self._jobs.put((future, job))
        return future

    # -- the worker thread -----------------------------------------------------------

    def _work(self) -> None:
        try:
            from playwright.sync_api import sync_playwright
            playwright = sync_playwright().start()
        except Exception as err:   # no playwright, or its driver cannot start
            self._fail_all(SnapshotError(f"cannot drive Chromium: {err}"))
            return
        browser = page = None
        try:
            while True:
                item = self._jobs.get()
                if item is None:
                    break
                future, job = item
                if not future.set_running_or_notify_cancel():
                    continue
                for attempt in (1, 2):
                    try:
                        if browser is None or not browser.is_connected():
                            browser, page = self._launch(playwright)
                        future.set_result(job(page))
                        break
                    except Exception as err:   # a crash, a hang, a broken page
                        log.warning("snapshot browser failed (attempt %d): %s", attempt,
                                    str(err).splitlines()[0] if str(err) else err)
                        _quietly_close(browser)
                        browser = page = None
                        if attempt == 2:
                            future.set_exception(
                                SnapshotError(f"the browser could not draw the map: "
                                              f"{str(err).splitlines()[0] if str(err) else err}"))
        finally:
            _quietly_close(browser)
            try:
                playwright.stop()
            except Exception:
                pass

    def _fail_all(self, error: Exception) -> None:
        with self._lock:
            self._thread = None
            while True:
                try:
                    item = self._jobs.get_nowait()
                except queue.Empty:
                    return
                if item is not None:
                    item[0].set_exception(error)

    def _launch(self, playwright):
        if not Path(self.executable).is_file():
            raise SnapshotError(f"no browser at {self.executable}")
        before = _chromium_pids()
        browser = playwright.chromium.launch(executable_path=self.executable, headless=True,
                                             args=LAUNCH_ARGS)
        self._pids = _chromium_pids() - before
        self.launches += 1
        context = browser.new_context(device_scale_factor=1, java_script_enabled=True,
                                      service_workers="block")
        context.route("**/*", self._serve)
        return browser, context.new_page()

    def _shoot(self, page, html: str, width: int, height: int) -> bytes:
        self._html = html
        self.refused.clear()
        page.set_viewport_size({"width": int(width), "height": int(height)})
        page.goto(f"{ORIGIN}/", wait_until="load", timeout=RENDER_TIMEOUT_MS)
        if self._crash_next:
            self._crash_next = False
            _kill(self._pids)
        page.wait_for_selector("html[data-briefing-ready]", state="attached",
                               timeout=RENDER_TIMEOUT_MS)
        state = page.get_attribute("html", "data-briefing-ready")
        if state != "1":
            raise SnapshotError(f"the map page failed: "
                                f"{page.get_attribute('html', 'data-briefing-error')}")
        return page.screenshot(type="png", full_page=False, animations="disabled",
                               timeout=RENDER_TIMEOUT_MS)

    def _print(self, page, html: str) -> bytes:
        self._html = html
        self.refused.clear()
        page.goto(f"{ORIGIN}/", wait_until="load", timeout=RENDER_TIMEOUT_MS)
        return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)

    def _serve(self, route) -> None:
        """Answer the page's requests from memory and the asset folders; refuse the rest."""
        url = urlsplit(route.request.url)
        if url.scheme == "data":
            route.continue_()
            return
        if url.netloc != HOST:
            self.refused.append(route.request.url)
            route.abort("blockedbyclient")
            return
        if url.path == "/":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self._html)
            return
        found = self._asset(unquote(url.path))
        if found is None:
            route.fulfill(status=404, body="")
            return
        kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        route.fulfill(status=200, content_type=kind, body=found.read_bytes())

    def _asset(self, path: str) -> Path | None:
        parts = path.lstrip("/").split("/", 2)
        if len(parts) != 3 or parts[0] != "static":
            return None
        if self._folders is None:
            from webapp.assets import asset_folders

            self._folders = asset_folders()
        folder = self._folders.get(parts[1])
        if folder is None:
            return None
        folder = Path(folder).resolve()
        target = (folder / parts[2]).resolve()
        if not target.is_relative_to(folder) or not target.is_file():
            return None
        return target


def _chromium_pids() -> set[int]:
    import psutil

    found = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name().lower():
                found.add(child.pid)
        except psutil.Error:
            pass
    return found


def _kill(pids: set[int]) -> None:
    """SIGKILL one browser's processes, as an out-of-memory kill would."""
    import psutil

    for pid in pids:
        try:
            psutil.Process(pid).kill()
        except psutil.Error:
            pass


def _quietly_close(browser) -> None:
    if browser is None:
        return
    try:
        browser.close()
    except Exception:
        pass
