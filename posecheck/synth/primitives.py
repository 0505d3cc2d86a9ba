"""Ray-traceable shapes (ellipsoids, capsules, oriented boxes), vectorised over many rays.

Each shape answers `hit_distance(origin, directions)` (metres along unit rays, inf on a miss),
`normal_at(points)` (unit outward normals) and `bounding_sphere()` for screen-space culling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Color = tuple[int, int, int]


@dataclass(frozen=True)
class Ellipsoid:
    """An ellipsoid: centre (m), axes rows (3 unit vectors), radii along them (m), RGB colour."""

    center: np.ndarray
    axes: np.ndarray
    radii: np.ndarray
    color: Color

    def bounding_sphere(self) -> tuple[np.ndarray, float]:
        """Centre and radius (m) of a sphere enclosing the shape."""
        return self.center, float(np.max(self.radii))

    def hit_distance(self, origin: np.ndarray, directions: np.ndarray) -> np.ndarray:
        """Distance (m) to the first hit in front of `origin` along each unit ray, inf on a miss."""
        local_origin = (self.axes @ (origin - self.center)) / self.radii
        local_dirs = (directions @ self.axes.T) / self.radii
        a = np.einsum("ij,ij->i", local_dirs, local_dirs)
        b = local_dirs @ local_origin
        c = float(local_origin @ local_origin) - 1.0
        return _nearest_root(a, b, c)

    def normal_at(self, points: np.ndarray) -> np.ndarray:
        """Unit outward normals at surface points (N, 3)."""
        local = ((points - self.center) @ self.axes.T) / self.radii**2
        return _unit_rows(local @ self.axes)


def sphere(center: np.ndarray, radius_m: float, color: Color) -> Ellipsoid:
    """A sphere of `radius_m` metres."""
    return Ellipsoid(np.asarray(center, float), np.eye(3), np.full(3, radius_m), color)


@dataclass(frozen=True)
class Capsule:
    """A capsule: segment a→b (m) swept by a sphere of `radius` (m), RGB colour."""

    a: np.ndarray
    b: np.ndarray
    radius: float
    color: Color

    def bounding_sphere(self) -> tuple[np.ndarray, float]:
        """Centre and radius (m) of a sphere enclosing the shape."""
        return (self.a + self.b) / 2.0, float(np.linalg.norm(self.b - self.a)) / 2.0 + self.radius

    def hit_distance(self, origin: np.ndarray, directions: np.ndarray) -> np.ndarray:
        """Distance (m) to the first hit in front of `origin` along each unit ray, inf on a miss."""
        axis = self.b - self.a
        from_a = origin - self.a
        axis_sq = float(axis @ axis)
        axis_dir = directions @ axis
        axis_from_a = float(axis @ from_a)
        dir_from_a = directions @ from_a
        a = axis_sq - axis_dir**2
        b = axis_sq * dir_from_a - axis_from_a * axis_dir
        c = axis_sq * float(from_a @ from_a) - axis_from_a**2 - self.radius**2 * axis_sq
        with np.errstate(invalid="ignore", divide="ignore"):
            t_body = _nearest_root(a, b, c)
            along = axis_from_a + t_body * axis_dir
        body_ok = np.isfinite(t_body) & (along > 0.0) & (along < axis_sq)
        t_caps = np.minimum(
            _sphere_hit(origin, directions, self.a, self.radius), _sphere_hit(origin, directions, self.b, self.radius)
        )
        return np.where(body_ok, t_body, t_caps)

    def normal_at(self, points: np.ndarray) -> np.ndarray:
        """Unit outward normals at surface points (N, 3)."""
        axis = self.b - self.a
        along = np.clip(((points - self.a) @ axis) / float(axis @ axis), 0.0, 1.0)
        return _unit_rows(points - (self.a + along[:, None] * axis))


@dataclass(frozen=True)
class Cuboid:
    """An oriented box: centre (m), axes rows (3 unit vectors), half extents along them (m), RGB colour."""

    center: np.ndarray
    axes: np.ndarray
    half_size: np.ndarray
    color: Color

    def bounding_sphere(self) -> tuple[np.ndarray, float]:
        """Centre and radius (m) of a sphere enclosing the shape."""
        return self.center, float(np.linalg.norm(self.half_size))

    def hit_distance(self, origin: np.ndarray, directions: np.ndarray) -> np.ndarray:
        """Distance (m) to the first hit in front of `origin` along each unit ray, inf on a miss."""
        local_origin = self.axes @ (origin - self.center)
        local_dirs = directions @ self.axes.T
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = (-self.half_size - local_origin) / local_dirs
            t2 = (self.half_size - local_origin) / local_dirs
        t_near = np.nanmax(np.minimum(t1, t2), axis=1)
        t_far = np.nanmin(np.maximum(t1, t2), axis=1)
        hit = (t_far >= t_near) & (t_near > 0.0)
        return np.where(hit, t_near, np.inf)

    def normal_at(self, points: np.ndarray) -> np.ndarray:
        """Unit outward normals at surface points (N, 3): the face the point lies on."""
        local = ((points - self.center) @ self.axes.T) / self.half_size
        face = np.argmax(np.abs(local), axis=1)
        signs = np.sign(local[np.arange(len(points)), face])
        return self.axes[face] * signs[:, None]


@dataclass(frozen=True)
class Cylinder:
    """A solid cylinder with flat ends: axis a→b (m), radius (m), RGB colour (a barbell plate, a wheel)."""

    a: np.ndarray
    b: np.ndarray
    radius: float
    color: Color

    def bounding_sphere(self) -> tuple[np.ndarray, float]:
        """Centre and radius (m) of a sphere enclosing the shape."""
        half_length = float(np.linalg.norm(self.b - self.a)) / 2.0
        return (self.a + self.b) / 2.0, float(np.hypot(half_length, self.radius))

    def hit_distance(self, origin: np.ndarray, directions: np.ndarray) -> np.ndarray:
        """Distance (m) to the first hit in front of `origin` along each unit ray, inf on a miss."""
        length = float(np.linalg.norm(self.b - self.a))
        axis = (self.b - self.a) / length
        from_a = origin - self.a
        along_dir = directions @ axis
        along_origin = float(from_a @ axis)
        radial_dir = directions - along_dir[:, None] * axis
        radial_origin = from_a - along_origin * axis
        a = np.einsum("ij,ij->i", radial_dir, radial_dir)
        b = radial_dir @ radial_origin
        c = float(radial_origin @ radial_origin) - self.radius**2
        with np.errstate(invalid="ignore", divide="ignore"):
            t_side = _nearest_root(a, b, c)
            along = along_origin + t_side * along_dir
            side_ok = np.isfinite(t_side) & (along >= 0.0) & (along <= length)
            t_caps = np.full(len(directions), np.inf)
            for plane in (0.0, length):
                t_plane = (plane - along_origin) / along_dir
                radial = radial_origin + t_plane[:, None] * radial_dir
                inside = (t_plane > 0.0) & (np.einsum("ij,ij->i", radial, radial) <= self.radius**2)
                t_caps = np.where(inside, np.minimum(t_caps, t_plane), t_caps)
        return np.minimum(np.where(side_ok, t_side, np.inf), t_caps)

    def normal_at(self, points: np.ndarray) -> np.ndarray:
        """Unit outward normals at surface points (N, 3): the end face or the curved side."""
        length = float(np.linalg.norm(self.b - self.a))
        axis = (self.b - self.a) / length
        along = (points - self.a) @ axis
        radial = (points - self.a) - along[:, None] * axis
        side = _unit_rows(radial)
        on_cap = (along < 1e-4) | (along > length - 1e-4)
        cap_normal = np.where((along < length / 2.0)[:, None], -axis, axis)
        return np.where(on_cap[:, None], cap_normal, side)


Primitive = Ellipsoid | Capsule | Cuboid | Cylinder


def _nearest_root(a: np.ndarray, b: np.ndarray, c: float | np.ndarray) -> np.ndarray:
    """Smaller positive root t of a t² + 2 b t + c = 0 per ray, inf where there is none."""
    discriminant = b * b - a * c
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (-b - np.sqrt(discriminant)) / a
    return np.where((discriminant >= 0.0) & (t > 0.0), t, np.inf)


def _sphere_hit(origin: np.ndarray, directions: np.ndarray, center: np.ndarray, radius: float) -> np.ndarray:
    """Distance to a sphere along unit rays, inf on a miss."""
    offset = origin - center
    return _nearest_root(np.ones(len(directions)), directions @ offset, float(offset @ offset) - radius**2)


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
