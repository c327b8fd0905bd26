"""Build ``web/admin1_lines.geojson``: the borders between admin-1 areas inside each country,
as lines for the web map, which draws them over its land layer from zoom 5.

Run ``python geodata/build_admin1_lines.py`` from the project root after ``build.py``
(or after changing the land layer in ``webapp/assets.py``). It needs only the app's own
requirements and takes a few seconds: it reads ``admin1.geojson`` and the land layer the
map draws, and writes the one file.

Computing these lines with polygon overlays takes about a minute, so the map cannot do
it at run time. Here it is a count instead: admin-1 areas tile each country as a
coverage (neighbours share exactly the same vertices), so an edge that two areas of one
country both have lies inside that country; an edge of one area only is coast, and one
shared with another country's area is that country border, which the land layer draws.

Lines are thinned like the land (``webapp.assets``' lens: coarse far from the Middle
East, fine in the Levant); their free ends are moved onto the land's own thinned borders
when one is near, and they are clipped to that land, so a line does not stop short of a
border drawn on the map or run past it over the sea. Rebuild when the land layer changes
(tests/test_admin1_lines.py checks the file is what this script writes).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(OUT.parent))   # webapp, for the land layer and its lens

from webapp.assets import _lens as lens, land_geojson   # noqa: E402

TOLERANCE = 0.2    # in the lens' stretched degrees: ~20 km far away, ~250 m in the Levant
SNAP = 0.5         # stretched degrees: a free line end farther from the land's edge stays
DECIMALS = 3       # about 100 m, as the land layer
GRID = 1e-4        # admin1.geojson's precision: edges are matched on it
MAX_SIZE = 400_000  # bytes; the file is fetched by a map zoomed in, not inlined


def pick_areas(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One layer of areas per country, tiling it without overlaps. admin1.geojson holds
    two on purpose: Britain's councils and its four nations (``level``), and the Gaza
    Strip with its five approximate governorates. Nations and governorates are drawn:
    they are the areas news names, and councils at zoom 5 would be clutter."""
    layered = set(frame.loc[frame["level"].notna(), "code"])
    councils = frame["code"].isin(layered) & frame["level"].isna()
    approximate = frame["approximate"].astype(bool).to_numpy()
    points = shapely.point_on_surface(frame.geometry.to_numpy()[approximate])
    _, around = shapely.STRtree(frame.geometry.to_numpy()).query(points, predicate="within")
    holders = np.isin(np.arange(len(frame)), around) & ~approximate
    return frame[~councils.to_numpy() & ~holders].reset_index(drop=True)


def inner_edges(geoms: np.ndarray, codes: np.ndarray) -> dict[str, np.ndarray]:
    """Country code -> its (n, 2, 2) array of edges that two of its areas share."""
    polygons, of_geom = shapely.get_parts(geoms, return_index=True)
    rings, of_polygon = shapely.get_rings(polygons, return_index=True)
    xy, of_ring = shapely.get_coordinates(rings, return_index=True)
    grid = np.round(xy / GRID).astype(np.int64)
    inside = of_ring[1:] == of_ring[:-1]            # consecutive vertices of one ring
    start, end = grid[:-1][inside], grid[1:][inside]
    area = of_geom[of_polygon[of_ring[:-1][inside]]]
    flip = (start[:, 0] > end[:, 0]) | ((start[:, 0] == end[:, 0]) & (start[:, 1] > end[:, 1]))
    low = np.where(flip[:, None], end, start)
    high = np.where(flip[:, None], start, end)
    real = (low != high).any(axis=1)
    edges, area = np.column_stack([low, high])[real], area[real]
    unique, which, count = np.unique(edges, axis=0, return_inverse=True, return_counts=True)
    order = np.argsort(which, kind="stable")
    first = np.searchsorted(which[order], np.arange(len(unique)))
    one = area[order][first]
    other = area[order][np.minimum(first + 1, len(order) - 1)]
    shared = (count == 2) & (one != other) & (codes[one] == codes[other])
    found = unique[shared].reshape(-1, 2, 2) * GRID
    owner = codes[one[shared]]
    return {code: found[owner == code] for code in np.unique(owner)}


def thin(edges: np.ndarray, tree: shapely.STRtree, outlines: np.ndarray) -> shapely.Geometry:
    """The edges merged into lines from junction to junction (or border), thinned and
    their free ends snapped in the lens' stretched space, so that detail survives where
    the map is zoomed in most."""
    lines = shapely.line_merge(shapely.multilinestrings(shapely.linestrings(edges)))
    # Topology-preserving: lines keep their ends (junctions stay joined) and do not cross.
    stretched = shapely.simplify(shapely.transform(lines, lens), TOLERANCE)
    stretched = snap_free_ends(stretched, tree, outlines)
    return shapely.transform(stretched, lambda xy: lens(xy, inverse=True))


def land_layer() -> tuple[shapely.Geometry, shapely.STRtree, np.ndarray]:
    """The land as the map draws it, and its outlines in the lens' stretched space."""
    land = shapely.get_parts(shapely.from_geojson(land_geojson()))
    outlines = shapely.get_parts(shapely.get_parts(shapely.boundary(land)))
    outlines = shapely.transform(outlines, lens)
    return shapely.union_all(land), shapely.STRtree(outlines), outlines


def snap_free_ends(lines: shapely.Geometry, tree, outlines) -> shapely.Geometry:
    """Move each line end that no other line shares (it lies on the country's edge) onto
    the nearest land outline, if one is near: far from the Middle East the land is
    thinned so hard that a border may pass half a degree away."""
    parts = [np.array(line.coords) for line in shapely.get_parts(lines)]
    ends, count = np.unique(np.array([xy[[0, -1]] for xy in parts]).reshape(-1, 2),
                            axis=0, return_counts=True)
    free = {tuple(end) for end in ends[count == 1]}
    for xy in parts:
        for i in (0, -1):
            if tuple(xy[i]) in free:
                point = shapely.Point(xy[i])
                found = tree.query_nearest(point, max_distance=SNAP)
                if len(found):
                    outline = outlines[found[0]]
                    xy[i] = shapely.get_coordinates(
                        shapely.line_interpolate_point(outline, outline.project(point)))[0]
    return shapely.multilinestrings([shapely.LineString(xy) for xy in parts])


def chain(lines: shapely.Geometry) -> shapely.Geometry:
    """Lines joined end to end through the junctions they share: a junction of three
    borders is then written twice instead of three times, and each join saves a
    line's brackets. Drawn, the result is the same."""
    parts = [np.array(line.coords) for line in shapely.get_parts(lines)]
    at: dict[tuple, list[int]] = {}
    for i, xy in enumerate(parts):
        for end in (xy[0], xy[-1]):
            at.setdefault(tuple(end), []).append(i)
    used = np.zeros(len(parts), dtype=bool)

    def extend(path: np.ndarray) -> np.ndarray:
        while True:
            nxt = next((j for j in at[tuple(path[-1])] if not used[j]), None)
            if nxt is None:
                return path
            used[nxt] = True
            xy = parts[nxt] if tuple(parts[nxt][0]) == tuple(path[-1]) else parts[nxt][::-1]
            path = np.vstack([path, xy[1:]])

    chains = []
    for i, xy in enumerate(parts):
        if not used[i]:
            used[i] = True
            chains.append(extend(extend(xy)[::-1]))
    return shapely.multilinestrings([shapely.LineString(xy) for xy in chains])


def build() -> list[dict]:
    frame = pick_areas(gpd.read_file(OUT / "admin1.geojson",
                                     columns=["code", "name", "approximate", "level"]))
    land, tree, outlines = land_layer()
    features = []
    for code, edges in inner_edges(frame.geometry.to_numpy(), frame["code"].to_numpy()).items():
        # Clipped to the land as drawn: its thinned coasts cut across bays and leave out
        # islets, and a line there would run over the sea.
        lines = shapely.intersection(thin(edges, tree, outlines), land)
        lines = shapely.set_precision(lines, 10.0 ** -DECIMALS)   # drops lines that vanish
        lines = [part for part in shapely.get_parts(lines) if part.geom_type == "LineString"]
        if not lines:
            continue
        lines = chain(shapely.multilinestrings(lines))
        geometry = shapely.transform(lines, lambda xy: np.round(xy, DECIMALS))
        features.append({"type": "Feature", "properties": {"code": str(code)},
                         "geometry": shapely.geometry.mapping(geometry)})
    return features


def write(features: list[dict], path: Path) -> int:
    # One country per line keeps diffs readable; coordinates print short after rounding.
    lines = [json.dumps(f, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


def main() -> None:
    features = build()
    path = OUT / "web" / "admin1_lines.geojson"   # web/ is served as it is: only this file
    size = write(features, path)
    vertices = sum(len(line) for f in features for line in f["geometry"]["coordinates"])
    print(f"{path.name}: {size / 1000:.0f} kB, {len(features)} countries, "
          f"{sum(len(f['geometry']['coordinates']) for f in features)} lines, {vertices} vertices")
    if size > MAX_SIZE:
        sys.exit(f"{path.name} is over {MAX_SIZE // 1000} kB: raise TOLERANCE")


if __name__ == "__main__":
    main()
