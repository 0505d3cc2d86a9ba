"""Vector helpers for the metrics: angles between vectors, projections, units and safe ratios."""

import math

import numpy as np


def angle_between_deg(u: np.ndarray, v: np.ndarray) -> float | None:
    """Unsigned angle between two vectors in degrees; None if either is (near) zero or not finite."""
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if not (nu > 1e-9 and nv > 1e-9 and math.isfinite(nu) and math.isfinite(nv)):
        return None
    cosine = float(np.dot(u, v)) / (nu * nv)
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


def joint_flexion_deg(proximal: np.ndarray, joint: np.ndarray, distal: np.ndarray) -> float | None:
    """Flexion at `joint` in degrees: 180 minus the interior angle (0 = segments in line)."""
    interior = angle_between_deg(proximal - joint, distal - joint)
    return None if interior is None else 180.0 - interior


def cross3(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Cross product of two 3-vectors (np.cross has a large per-call overhead in this hot path)."""
    return np.array([u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]])


def signed_angle_about_deg(u: np.ndarray, v: np.ndarray, axis: np.ndarray) -> float | None:
    """Signed angle from u to v in degrees, both projected onto the plane perpendicular to `axis`.

    Positive is counter-clockwise looking down the axis (right-hand rule).
    """
    axis_norm = float(np.linalg.norm(axis))
    if not axis_norm > 1e-9:
        return None
    n = axis / axis_norm
    up, vp = horizontal_component(u, n), horizontal_component(v, n)
    if not (np.linalg.norm(up) > 1e-9 and np.linalg.norm(vp) > 1e-9):
        return None
    return math.degrees(math.atan2(float(np.dot(cross3(up, vp), n)), float(np.dot(up, vp))))


def horizontal_component(vector: np.ndarray, up: np.ndarray) -> np.ndarray:
    """`vector` without its component along the unit vector `up`."""
    return vector - float(np.dot(vector, up)) * up


def unit_vector(vector: np.ndarray) -> np.ndarray | None:
    """`vector` scaled to length 1; None if it is (near) zero or not finite."""
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-9 and math.isfinite(norm) else None


def ratio_or_none(numerator: float, denominator: float) -> float | None:
    """numerator / denominator; None if either is not finite or the denominator is (near) zero or negative."""
    if not (math.isfinite(numerator) and math.isfinite(denominator)) or denominator < 1e-6:
        return None
    return numerator / denominator
