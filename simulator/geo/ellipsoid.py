"""WGS84 constants and closed forms: quadrangle areas, radii, unit vectors, great circles."""

from __future__ import annotations

import numpy as np
from pyproj import Geod
from pyproj.enums import GeodIntermediateFlag

# WGS84 (NIMA TR8350.2): semi-major axis and flattening.
A_KM = 6378.137
F = 1 / 298.257223563
E2 = F * (2 - F)
E = float(np.sqrt(E2))
B_KM = A_KM * (1 - F)

GEOD = Geod(ellps="WGS84")


def _authalic_q(lat_deg: np.ndarray) -> np.ndarray:
    """sin(phi)/(2(1-e^2 sin^2 phi)) + atanh(e sin phi)/(2e): the area integrand's primitive."""
    s = np.sin(np.radians(lat_deg))
    return s / (2 * (1 - E2 * s * s)) + np.arctanh(E * s) / (2 * E)


def quadrangle_area_km2(lat1: np.ndarray, lat2: np.ndarray, dlon_deg: np.ndarray) -> np.ndarray:
    """Exact area on the WGS84 ellipsoid of the quadrangle lat1..lat2 by ``dlon_deg``.

    A = b^2 * dlon * [q(lat2) - q(lat1)], the closed form of the ellipsoidal zone area.
    """
    return B_KM**2 * np.radians(dlon_deg) * (_authalic_q(lat2) - _authalic_q(lat1))


def prime_vertical_radius_km(lat_deg: np.ndarray | float) -> np.ndarray:
    """N(phi): the radius of curvature in the prime vertical."""
    s = np.sin(np.radians(lat_deg))
    return A_KM / np.sqrt(1 - E2 * s * s)


def gaussian_radius_km(lat_deg: np.ndarray | float) -> np.ndarray:
    """sqrt(M N): the mean radius of curvature, the best local sphere at a latitude."""
    s2 = np.sin(np.radians(lat_deg)) ** 2
    w2 = 1 - E2 * s2
    return A_KM * np.sqrt(1 - E2) / w2


def unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """(..., 3) unit vectors of geodetic lat/lon taken as spherical coordinates."""
    la = np.radians(np.asarray(lat_deg, dtype=float))
    lo = np.radians(np.asarray(lon_deg, dtype=float))
    c = np.cos(la)
    return np.stack([c * np.cos(lo), c * np.sin(lo), np.sin(la)], axis=-1)


def to_latlon(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`unit_vectors`: (lat, lon) in degrees, lon in [-180, 180)."""
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    lon = np.degrees(np.arctan2(y, x))
    lon = np.where(lon >= 180.0, lon - 360.0, lon)
    return lat, lon


def geodesic_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Geodesic distance on WGS84 (pyproj.Geod, Karney's algorithm), vectorised."""
    b = np.broadcast_arrays(*(np.asarray(v, float) for v in (lon1, lat1, lon2, lat2)))
    shape = b[0].shape
    _, _, d = GEOD.inv(*(np.array(v, float).ravel() for v in b))
    return np.asarray(d).reshape(shape) / 1000.0


def geodesic_forward(lat, lon, azimuth_deg, dist_km) -> tuple[np.ndarray, np.ndarray]:
    """End points of geodesics from (lat, lon) along ``azimuth_deg`` for ``dist_km``."""
    b = np.broadcast_arrays(*(np.asarray(v, float) for v in (lon, lat, azimuth_deg, dist_km)))
    shape = b[0].shape
    lo, la, az, dist = (np.array(v, float).ravel() for v in b)
    lon2, lat2, _ = GEOD.fwd(lo, la, az, dist * 1000.0)
    lon2 = np.asarray(lon2).reshape(shape)
    return np.asarray(lat2).reshape(shape), np.where(lon2 >= 180.0, lon2 - 360.0, lon2)


def geodesic_points(lat1: float, lon1: float, lat2: float, lon2: float,
                    step_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every <= ``step_km`` along the WGS84 geodesic, both ends included."""
    d = float(geodesic_km(lat1, lon1, lat2, lon2))
    n = max(1, int(np.ceil(d / step_km)))
    if n == 1:
        return np.array([lat1, lat2], float), np.array([lon1, lon2], float)
    # the points of Geod.npts, as arrays rather than a list of tuples
    mid = GEOD.inv_intermediate(lon1, lat1, lon2, lat2, npts=n - 1, initial_idx=1,
                                terminus_idx=1, flags=GeodIntermediateFlag.AZIS_DISCARD,
                                return_back_azimuth=False)
    lons = np.concatenate([[lon1], np.asarray(mid.lons, float), [lon2]])
    lats = np.concatenate([[lat1], np.asarray(mid.lats, float), [lat2]])
    lons = np.where(lons >= 180.0, lons - 360.0, lons)
    return lats, lons


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points at fractions ``t`` along the great circle from unit vector a to b."""
    omega = np.arccos(np.clip(np.dot(a, b), -1.0, 1.0))
    t = np.asarray(t, float)[:, None]
    if omega < 1e-12:
        return np.repeat(a[None, :], len(t), axis=0)
    so = np.sin(omega)
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / so

# Mean Earth radius (IUGG R1), used for planning-time great-circle arithmetic only.
EARTH_MEAN_KM = 6371.0088
