"""Pinhole camera orbiting the lifter and a numpy ray caster (Lambert shading, floor, wall).

camera_yaw_deg 0 = side-on (camera on the person's left, +z, looking toward -z), 90 = frontal (camera
on +x looking back at the person). Images are RGB uint8, pixel coordinates x right, y down, with
(0, 0) at the top-left corner of the top-left pixel (as MediaPipe's normalised x·width, y·height).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from posecheck.landmarks import Landmark
from posecheck.synth.figure import Appearance, build_figure
from posecheck.synth.geometry import UP, unit
from posecheck.synth.primitives import Primitive
from posecheck.synth.skeleton import BodyPose

LOOK_AT_M = np.array([0.05, 0.86, 0.0])
WALL_BEHIND_M = 2.2
FLOOR_TILE_M = 0.5


@dataclass(frozen=True)
class CameraSpec:
    """Where the camera is: yaw and elevation (degrees) around the person, distance (m) to the point it
    looks at (`look_at_height_m` above the floor over the feet), vertical FOV, image size."""

    camera_yaw_deg: float = 0.0
    camera_elevation_deg: float = 10.0
    distance_m: float = 3.2
    vertical_fov_deg: float = 40.0
    width_px: int = 480
    height_px: int = 360
    look_at_height_m: float = 0.86


@dataclass(frozen=True)
class RenderedFrame:
    """A rendered image (H, W, 3) uint8, the 33 joints projected to pixels (33, 2), and the mask of
    pixels showing the figure or its box (H, W) bool."""

    rgb: np.ndarray
    joints_image_px: np.ndarray
    foreground_mask: np.ndarray


class Camera:
    """A pinhole camera built from a CameraSpec; projects points and casts one ray per pixel."""

    def __init__(self, spec: CameraSpec) -> None:
        self.spec = spec
        yaw, elevation = math.radians(spec.camera_yaw_deg), math.radians(spec.camera_elevation_deg)
        horizontal = math.cos(elevation)
        offset = np.array([math.sin(yaw) * horizontal, math.sin(elevation), math.cos(yaw) * horizontal])
        look_at = np.array([LOOK_AT_M[0], spec.look_at_height_m, LOOK_AT_M[2]])
        self.position = look_at + spec.distance_m * offset
        self.forward = -offset
        # The world frame (x forward, y up, z the person's left) is left-handed, hence up × forward.
        self.right = unit(np.cross(UP, self.forward))
        self.up = np.cross(self.forward, self.right)
        self.focal_px = spec.height_px / 2.0 / math.tan(math.radians(spec.vertical_fov_deg) / 2.0)
        self.center_px = np.array([spec.width_px / 2.0, spec.height_px / 2.0])
        self.ray_dirs = self._pixel_rays()

    def project(self, points_m: np.ndarray) -> np.ndarray:
        """Pixel coordinates (N, 2) of world points (N, 3) in front of the camera."""
        relative = np.atleast_2d(points_m) - self.position
        depth = relative @ self.forward
        x = self.center_px[0] + self.focal_px * (relative @ self.right) / depth
        y = self.center_px[1] - self.focal_px * (relative @ self.up) / depth
        return np.stack([x, y], axis=1)

    def _pixel_rays(self) -> np.ndarray:
        """Unit ray directions (H, W, 3) through the pixel centres."""
        xs = (np.arange(self.spec.width_px) + 0.5 - self.center_px[0]) / self.focal_px
        ys = (np.arange(self.spec.height_px) + 0.5 - self.center_px[1]) / self.focal_px
        grid_x, grid_y = np.meshgrid(xs, ys)
        dirs = self.forward + grid_x[..., None] * self.right - grid_y[..., None] * self.up
        return unit(dirs)

    def screen_box(self, center: np.ndarray, radius_m: float) -> tuple[int, int, int, int] | None:
        """Pixel rectangle (x0, y0, x1, y1) covering a sphere, None if off screen or behind the camera."""
        relative = center - self.position
        if relative @ self.forward - radius_m * math.sqrt(3.0) <= 0.05:
            return None
        corners = center + radius_m * np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
        pixels = self.project(corners)
        x0, y0 = np.floor(pixels.min(axis=0)).astype(int)
        x1, y1 = np.ceil(pixels.max(axis=0)).astype(int) + 1
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, self.spec.width_px), min(y1, self.spec.height_px)
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def render_body(
    body: BodyPose, camera: Camera, appearance: Appearance | None = None, scenery: Sequence[Primitive] = ()
) -> RenderedFrame:
    """Ray-cast the posed figure, its box, any `scenery` (e.g. an occluder), the floor and the wall;
    return the image, the 2D joints and the mask of figure, load and scenery pixels."""
    primitives = [*build_figure(body, appearance or Appearance()), *scenery]
    height, width = camera.spec.height_px, camera.spec.width_px
    depth = np.full((height, width), np.inf)
    owner = np.full((height, width), -1, dtype=np.int32)
    for index, primitive in enumerate(primitives):
        _trace_primitive(camera, primitive, index, depth, owner)
    light = unit(-0.8 * camera.forward + 0.7 * camera.up - 0.4 * camera.right)
    image = _background(camera, body)
    for index, primitive in enumerate(primitives):
        _shade_primitive(camera, primitive, index, depth, owner, light, image)
    rgb = cv2.GaussianBlur(np.clip(image, 0, 255).astype(np.uint8), (3, 3), 0.6)
    return RenderedFrame(rgb=rgb, joints_image_px=camera.project(body.joints_m), foreground_mask=owner >= 0)


def _trace_primitive(camera: Camera, primitive: Primitive, index: int, depth: np.ndarray, owner: np.ndarray) -> None:
    """Depth-test one primitive inside its screen rectangle, updating depth and owner in place."""
    box = camera.screen_box(*primitive.bounding_sphere())
    if box is None:
        return
    x0, y0, x1, y1 = box
    rays = camera.ray_dirs[y0:y1, x0:x1].reshape(-1, 3)
    distance = primitive.hit_distance(camera.position, rays).reshape(y1 - y0, x1 - x0)
    nearer = distance < depth[y0:y1, x0:x1]
    depth[y0:y1, x0:x1][nearer] = distance[nearer]
    owner[y0:y1, x0:x1][nearer] = index


def _shade_primitive(
    camera: Camera,
    primitive: Primitive,
    index: int,
    depth: np.ndarray,
    owner: np.ndarray,
    light: np.ndarray,
    image: np.ndarray,
) -> None:
    """Lambert + hemisphere ambient shading of the pixels a primitive owns, written into `image`."""
    box = camera.screen_box(*primitive.bounding_sphere())
    if box is None:
        return
    x0, y0, x1, y1 = box
    mine = owner[y0:y1, x0:x1] == index
    if not mine.any():
        return
    rays = camera.ray_dirs[y0:y1, x0:x1][mine]
    points = camera.position + rays * depth[y0:y1, x0:x1][mine][:, None]
    normals = primitive.normal_at(points)
    diffuse = np.clip(normals @ light, 0.0, 1.0)
    ambient = 0.32 + 0.12 * (normals @ UP)
    image[y0:y1, x0:x1][mine] = np.asarray(primitive.color, float) * (ambient + 0.68 * diffuse)[:, None]


def _background(camera: Camera, body: BodyPose) -> np.ndarray:
    """Float RGB (H, W, 3) of the tiled floor (with a soft contact shadow) and the wall behind."""
    rays = camera.ray_dirs
    facing = unit(np.array([camera.forward[0], 0.0, camera.forward[2]]))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_floor = np.where(rays[..., 1] < 0, -camera.position[1] / rays[..., 1], np.inf)
        t_wall = (WALL_BEHIND_M - camera.position @ facing) / (rays @ facing)
    t_wall = np.where(t_wall > 0, t_wall, np.inf)
    on_floor = t_floor < t_wall
    t_near = np.where(on_floor, t_floor, t_wall)
    points = camera.position + rays * np.where(np.isfinite(t_near), t_near, 0.0)[..., None]
    image = np.empty(rays.shape)
    image[:] = _wall_colour(points)
    image[on_floor] = _floor_colour(points[on_floor], body)
    return image


def _wall_colour(points: np.ndarray) -> np.ndarray:
    """Pale wall with a darker skirting board along the floor."""
    colour = np.broadcast_to(np.array([196.0, 200.0, 204.0]), points.shape).copy()
    colour[points[..., 1] < 0.12] = (120.0, 112.0, 104.0)
    return colour


def _floor_colour(points: np.ndarray, body: BodyPose) -> np.ndarray:
    """Beige floor tiles, slightly darker far away, with a contact shadow under the person."""
    tiles = (np.floor(points[:, 0] / FLOOR_TILE_M) + np.floor(points[:, 2] / FLOOR_TILE_M)) % 2
    colour = np.array([158.0, 146.0, 128.0]) * (1.0 - 0.06 * tiles)[:, None]
    feet = (body.joints_m[Landmark.LEFT_ANKLE] + body.joints_m[Landmark.RIGHT_ANKLE]) / 2.0
    distance_sq = (points[:, 0] - feet[0]) ** 2 + (points[:, 2] - feet[2]) ** 2
    shade = 1.0 - 0.35 * np.exp(-distance_sq / 0.12)
    return colour * shade[:, None]
