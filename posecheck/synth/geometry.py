"""Small vector helpers for the synthetic lifter (world frame: metres, y up)."""

from __future__ import annotations

import math

import numpy as np

UP = np.array([0.0, 1.0, 0.0])


def unit(vector: np.ndarray) -> np.ndarray:
    """The vector scaled to length 1 (along the last axis)."""
    return vector / np.linalg.norm(vector, axis=-1, keepdims=True)


def rotate(vector: np.ndarray, axis: np.ndarray, angle_rad: float) -> np.ndarray:
    """Rotate `vector` about the unit `axis` by `angle_rad` (right-hand rule, Rodrigues)."""
    cos_a, sin_a = math.cos(angle_rad), math.sin(angle_rad)
    return vector * cos_a + np.cross(axis, vector) * sin_a + axis * np.dot(axis, vector) * (1.0 - cos_a)


def turn_left(vector: np.ndarray, up_axis: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate `vector` about `up_axis` so that forward turns toward left (x→z at y up) by `angle_deg`."""
    return rotate(vector, up_axis, -math.radians(angle_deg))


def reject(vector: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """The part of `vector` perpendicular to the unit `axis`."""
    return vector - axis * np.dot(vector, axis)


def angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Unsigned angle between two vectors, degrees."""
    cos_ab = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    return math.degrees(math.acos(float(np.clip(cos_ab, -1.0, 1.0))))


def interior_angle_deg(a: np.ndarray, vertex: np.ndarray, c: np.ndarray) -> float:
    """Interior angle a-vertex-c at `vertex`, degrees."""
    return angle_deg(a - vertex, c - vertex)
