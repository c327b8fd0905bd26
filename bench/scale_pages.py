"""The map pages bench/scale.py compares: ours, served by `python -m webapp serve`, and a
plain folium FastMarkerCluster page for the same points, and how long Chromium takes to
draw each one's first view.

folium's page loads Leaflet, Leaflet.markercluster, jQuery, Bootstrap and
Leaflet.awesome-markers from CDNs. For Chromium it is served from a folder next to our
own vendored Leaflet 1.9.3 and Leaflet.markercluster 1.4.1 (webapp/assets.py's
asset_folders), with those two CDN links rewritten to them, and every other request
that would leave this machine (the other CDN files, OpenStreetMap's tiles) is cut off,
as our tests do. FastMarkerCluster's default marker needs Leaflet.awesome-markers,
which no package here carries, so the page is made with a callback that builds plain
Leaflet markers (the same per-point work: one L.marker and its icon).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import math
import statistics
import threading
from pathlib import Path

from webapp.assets import asset_folders

CHROMIUM = Path("/usr/bin/chromium")
PLAIN_MARKER = "function (row) { return L.marker(new L.LatLng(row[0], row[1])); }"
CDN_TO_LOCAL = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet/leaflet.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/"
    "leaflet.markercluster.js": "markercluster/leaflet.markercluster.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/"
    "MarkerCluster.css": "markercluster/MarkerCluster.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/"
    "MarkerCluster.Default.css": "markercluster/MarkerCluster.Default.css",
}
# The first view is drawn when markers or clusters are on screen and nothing on screen
# has changed for QUIET ms: the map has stopped moving (a fit's zoom animation), every
# chunk of markers is in and every answer the view asked for is drawn. The time is that
# of the frame in which the view last changed, in ms since navigation started.
QUIET = 500
SETTLED = """quiet => new Promise((done, fail) => {
    let last = null, changed = 0;
    const onScreen = el => {
        const r = el.getBoundingClientRect();
        return r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight;
    };
    function look(now) {
        const marks = [...document.querySelectorAll('.leaflet-marker-icon')].filter(onScreen);
        const pane = document.querySelector('.leaflet-map-pane');
        const seen = marks.length + '|' + (pane ? pane.style.transform : '') + '|'
            + marks.map(el => el.getBoundingClientRect().left | 0).join(',');
        if (seen !== last) { last = seen; changed = now; }
        if (marks.length && now - changed >= quiet) { done([changed, marks.length]); return; }
        if (now > 300000) { fail(new Error('nothing drawn in 300 s')); return; }
        requestAnimationFrame(look);
    }
    requestAnimationFrame(look);
})"""


def fast_marker_cluster_page(points, path: Path, view=(1280, 800)) -> tuple[int, int]:
    """Write folium's FastMarkerCluster page of ``points`` ([lat, lon] pairs) opening on
    them (the zoom and centre that fit them in ``view`` pixels); (bytes, gzipped)."""
    import folium
    from folium.plugins import FastMarkerCluster

    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    south, west, north, east = min(lats), min(lons), max(lats), max(lons)
    zoom = max(z for z in range(19) if _pixels(west, south, east, north, z)[0] <= view[0]
               and _pixels(west, south, east, north, z)[1] <= view[1]) if points else 1
    page = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=zoom)
    FastMarkerCluster(points, callback=PLAIN_MARKER).add_to(page)
    page.save(str(path))
    data = path.read_bytes()
    return len(data), len(gzip.compress(data, 6))


def _pixels(west, south, east, north, zoom) -> tuple[float, float]:
    """Width and height in pixels of a box at a Web Mercator zoom."""
    world = 256 * 2 ** zoom

    def y(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi) * world
    return (east - west) / 360 * world, y(north) - y(south)


def serve_folder(folder: Path, page: Path):
    """A static server of ``page`` (CDN links rewritten) with our Leaflet files beside
    it; (its URL, a function that stops it)."""
    html = page.read_text(encoding="utf-8")
    for remote, local in CDN_TO_LOCAL.items():
        html = html.replace(remote, local)
    (folder / "index.html").write_text(html, encoding="utf-8")
    assets = asset_folders()
    for name in ("leaflet", "markercluster"):
        link = folder / name
        if not link.exists():
            link.symlink_to(assets[name], target_is_directory=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def stop():
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
    return f"http://127.0.0.1:{httpd.server_address[1]}/index.html", stop


class Browser:
    """Debian's Chromium through Playwright, started once for every page measured."""

    def __init__(self):
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._chromium = self._playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"])

    def close(self) -> None:
        self._chromium.close()
        self._playwright.stop()

    def first_view(self, url: str, runs: int = 3, warm: bool = True,
                   watch: str = "/api/") -> dict:
        """Seconds from navigation start to the first view drawn (see SETTLED), after a
        warm-up run unless not ``warm``; the marks on screen then, and the requests to
        ``watch`` paths the page made."""
        origin = "/".join(url.split("/", 3)[:3]) + "/"
        times, marks, calls = [], 0, []
        for run in range(0 if warm else 1, runs + 1):
            context = self._chromium.new_context(viewport={"width": 1280, "height": 800})
            context.route("**/*", lambda r: r.continue_()
                          if r.request.url.startswith(origin) else r.abort())
            page = context.new_page()
            seen = []
            page.on("response", lambda r: seen.append(r.url) if watch in r.url else None)
            page.goto(url, wait_until="domcontentloaded", timeout=300_000)
            took, marks = page.evaluate(SETTLED, QUIET)
            if run:   # the first run warms the server's caches and the browser's
                times.append(took / 1000)
                calls = seen
            context.close()
        return {"best": min(times), "median": statistics.median(times), "marks": marks,
                "calls": calls}
