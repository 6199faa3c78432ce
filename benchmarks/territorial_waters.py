"""How much territory do the 12 nautical miles of territorial waters add? (Art. II para 8)

The model's territory is Natural Earth land (internal waters partly, territorial waters not).
This script measures, per state, the sea within 12 nm (22.224 km) of its land that is not
another state's land: the land is cut into 5 x 5 degree tiles, each tile's land (with a margin)
simplified to ~250 m, buffered in a Lambert azimuthal equal-area projection centred on the
tile (scale error < 0.3 % inside a tile), clipped to the tile and stripped of all land. Median
lines with neighbours are ignored (an upper bound where coasts face each other closer than
24 nm), and so are straight baselines (a lower bound for bays and fjords: their waters are
internal and already partly land in Natural Earth, partly not).

    python benchmarks/territorial_waters.py RUS DNK
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import box

from simulator.geo import load_territories

NM12_KM = 22.224
TILE_DEG = 5.0
MARGIN_DEG = 0.5
SIMPLIFY_DEG = 0.0025


def waters_km2(code: str, resolution_km: float = 25.0) -> tuple[float, float]:
    """(land km2 of the territory, km2 of sea within 12 nm of it)."""
    terr = load_territories(resolution_km)
    land = terr.territory(code)
    every_land = shapely.union_all([c.geometry for c in terr.countries.values()
                                    if shapely.intersects(c.geometry, land.envelope)])
    lon0, lat0, lon1, lat1 = land.bounds
    sea = total_land = 0.0
    for i in range(math.floor(lon0 / TILE_DEG), math.ceil(lon1 / TILE_DEG)):
        for j in range(math.floor(lat0 / TILE_DEG), math.ceil(lat1 / TILE_DEG)):
            tile = box(i * TILE_DEG, j * TILE_DEG, (i + 1) * TILE_DEG, (j + 1) * TILE_DEG)
            wide = tile.buffer(MARGIN_DEG, join_style="mitre")
            piece = shapely.intersection(land, wide)
            if piece.is_empty:
                continue
            c = tile.centroid
            proj = Transformer.from_crs("EPSG:4326", f"+proj=laea +lat_0={c.y} +lon_0={c.x} "
                                        "+datum=WGS84 +units=km", always_xy=True)

            def transform(_, geom, proj=proj):
                return shapely.transform(
                    geom, lambda xy, p=proj: np.column_stack(p.transform(xy[:, 0], xy[:, 1])))

            piece = shapely.simplify(piece, SIMPLIFY_DEG, preserve_topology=True)
            ring = transform(None, piece).buffer(NM12_KM, quad_segs=4)
            t = transform(None, tile)
            others = transform(None, shapely.intersection(every_land, wide))
            sea += shapely.difference(shapely.intersection(ring, t), others).area
            total_land += transform(None, shapely.intersection(land, tile)).area
    return total_land, sea


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("codes", nargs="*", default=["RUS", "DNK"])
    args = ap.parse_args()
    print(f"{'state':6} {'land km2':>12} {'12 nm sea km2':>14} {'added':>7} {'seconds':>8}")
    for code in args.codes:
        t = time.perf_counter()
        land, sea = waters_km2(code)
        print(f"{code:6} {land:12,.0f} {sea:14,.0f} {sea / land:7.1%} "
              f"{time.perf_counter() - t:8.1f}")


if __name__ == "__main__":
    main()
