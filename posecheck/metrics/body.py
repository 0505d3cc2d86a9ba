"""The body frame of one pose: landmarks in metres and the pelvis's axes, from which every metric is measured.

Axes: x right, y up the image, z toward the camera, metres. Angles take the image's up as vertical;
hand reach, hand and knee heights and stance width take gravity's up as the legs show it
(`ground_up_for_pitch`), which leans toward a camera that looks down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posecheck.landmarks import Landmark as L
from posecheck.metrics.vectors import cross3, unit_vector
from posecheck.pose import PoseFrame

# MediaPipe world axes are x right, y down, z away from the camera; ours are x right, y up, z toward it.
MEDIAPIPE_TO_BODY = np.array([1.0, -1.0, -1.0])
UP = np.array([0.0, 1.0, 0.0])
HORIZONTAL_AXES = np.array([1.0, 0.0, 1.0])  # drops the image's vertical (y) component

FEET = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
# (left, right) limbs as landmark chains from the trunk outward.
LEGS = (
    (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
)
ARMS = (
    (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST),
)

# The segments whose in-plane lengths give the scale between image and world landmarks.
_SCALE_SEGMENTS = (
    (L.LEFT_SHOULDER, L.LEFT_HIP),
    (L.RIGHT_SHOULDER, L.RIGHT_HIP),
    (L.LEFT_HIP, L.LEFT_KNEE),
    (L.RIGHT_HIP, L.RIGHT_KNEE),
    (L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_KNEE, L.RIGHT_ANKLE),
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_SHOULDER, L.LEFT_ELBOW),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW),
)


def body_points(pose: PoseFrame, skipped: frozenset[int] = frozenset()) -> np.ndarray:
    """(33, 3) landmark positions in metres, x right, y up, z toward the camera.

    In-plane coordinates come from the image landmarks, which are accurate in the image plane,
    scaled to metres with the world landmarks' size (segments touching a landmark in `skipped`,
    e.g. a leg judged implausible, do not count); depth comes from the world landmarks.
    """
    world = pose.world_xyz_m * MEDIAPIPE_TO_BODY
    image = pose.image_xy_px * np.array([1.0, -1.0])
    metres_per_px = _metres_per_pixel(world, image, skipped)
    if metres_per_px is None:
        return world
    points = world.copy()
    centre = (image[L.LEFT_HIP] + image[L.RIGHT_HIP]) / 2
    points[:, :2] = (image - centre) * metres_per_px
    return points


def _metres_per_pixel(world: np.ndarray, image: np.ndarray, skipped: frozenset[int] = frozenset()) -> float | None:
    """Scale between image and world landmarks from the in-plane (x, y) extent of the main segments.

    Each segment gives a ratio; where MediaPipe's world landmarks put a segment more in depth than
    the image shows, its ratio comes out low, so the upper quartile of the ratios is used.
    """
    ratios = []
    for a, b in _SCALE_SEGMENTS:
        if a in skipped or b in skipped:
            continue
        world_length = float(np.linalg.norm(world[a, :2] - world[b, :2]))
        image_length = float(np.linalg.norm(image[a] - image[b]))
        if image_length > 1e-6 and math.isfinite(world_length) and math.isfinite(image_length):
            ratios.append(world_length / image_length)
    return float(np.percentile(ratios, 75)) if ratios else None


@dataclass(frozen=True)
class Body:
    """Key points and axes of one pose in the body frame (metres, y up)."""

    points: np.ndarray
    hip_mid: np.ndarray
    shoulder_mid: np.ndarray
    knee_mid: np.ndarray
    ankle_mid: np.ndarray
    wrist_mid: np.ndarray
    up: np.ndarray
    left: np.ndarray  # horizontal, pelvis right → left
    forward: np.ndarray  # horizontal, the pelvis's facing direction
    leg_length_m: float
    shoulder_width_m: float
    world: np.ndarray  # MediaPipe's world landmarks in our axes (metres, y up), for segment lengths
    both_hands_seen: bool


def body_frame(
    points: np.ndarray, world: np.ndarray, arm_weights: tuple[float, float] = (1.0, 1.0), feet_usable: bool = True
) -> Body | None:
    """The body frame of `points` (see `body_points`); None without a left-right direction, a leg length or the feet.

    `arm_weights` (left, right) say how well each arm is seen (0: not used for the hands' point);
    `world` is MediaPipe's world landmarks in our axes, for 3D segment lengths.
    """
    p = points
    hip_mid = (p[L.LEFT_HIP] + p[L.RIGHT_HIP]) / 2
    shoulder_mid = (p[L.LEFT_SHOULDER] + p[L.RIGHT_SHOULDER]) / 2
    knee_mid = (p[L.LEFT_KNEE] + p[L.RIGHT_KNEE]) / 2
    ankle_mid = (p[L.LEFT_ANKLE] + p[L.RIGHT_ANKLE]) / 2
    # The hands' point: the mean of the wrists that are seen well enough (one in a side view).
    wrist_mid = _weighted_point((p[L.LEFT_WRIST], p[L.RIGHT_WRIST]), arm_weights)
    left = _horizontal_left(p, feet_usable)
    if left is None:
        return None
    forward = cross3(left, UP)  # right-handed, y up: left x up = forward
    leg_length = float(
        np.mean([
            np.linalg.norm(p[L.LEFT_HIP] - p[L.LEFT_KNEE]) + np.linalg.norm(p[L.LEFT_KNEE] - p[L.LEFT_ANKLE]),
            np.linalg.norm(p[L.RIGHT_HIP] - p[L.RIGHT_KNEE]) + np.linalg.norm(p[L.RIGHT_KNEE] - p[L.RIGHT_ANKLE]),
        ])
    )
    shoulder_width = float(np.linalg.norm(p[L.LEFT_SHOULDER] - p[L.RIGHT_SHOULDER]))
    if not (leg_length > 0.05 and np.all(np.isfinite(p[FEET]))):
        return None
    return Body(p, hip_mid, shoulder_mid, knee_mid, ankle_mid, wrist_mid, UP, left, forward,
                leg_length, shoulder_width, world, min(arm_weights) > 0)


def _weighted_point(points: tuple[np.ndarray, ...], weights: tuple[float, ...]) -> np.ndarray:
    total = sum(weights)
    if total <= 0:
        return np.full(3, np.nan)
    return sum(w * point for point, w in zip(points, weights, strict=True)) / total


def _horizontal_left(points: np.ndarray, feet_usable: bool = True) -> np.ndarray | None:
    """The pelvis's right→left direction, horizontal, from the hip line and the feet's direction.

    Each source is weighted by how much of it lies in the image plane, where landmarks are accurate:
    the hip line is best seen from the front, the feet (heel → toe) from the side. Feet drawn on an
    object in front of the shins (`feet_usable` False) are used only when the hip line has no direction.
    """
    hip_line = (points[L.LEFT_HIP] - points[L.RIGHT_HIP]) * HORIZONTAL_AXES
    feet = (points[L.LEFT_FOOT_INDEX] + points[L.RIGHT_FOOT_INDEX] - points[L.LEFT_HEEL] - points[L.RIGHT_HEEL])
    feet_left = cross3(UP, feet * HORIZONTAL_AXES)
    sources = ((unit_vector(hip_line), 1.0), (unit_vector(feet_left), 1.0))
    estimates = [(vector, weight * _in_image_plane(vector)) for vector, weight in sources[:1 if not feet_usable else 2]
                 if vector is not None]
    if not estimates and not feet_usable:
        return _horizontal_left(points, feet_usable=True)
    if not estimates:
        return None
    if len(estimates) == 2 and float(np.dot(estimates[0][0], estimates[1][0])) < 0:
        estimates = [max(estimates, key=lambda item: item[1])]
    return unit_vector(sum(weight * vector for vector, weight in estimates))


def _in_image_plane(direction: np.ndarray) -> float:
    """Weight in [0.1, 1]: the share of a horizontal unit direction across the image (x) rather than in depth."""
    return 0.1 + 0.9 * abs(float(direction[0]))


def ground_up_for_pitch(camera_pitch_deg: float) -> np.ndarray:
    """Gravity's up in camera axes (x right, y up the image, z toward the camera) when the camera looks
    down by `camera_pitch_deg`: it leans toward the camera by that angle.

    MediaPipe's depth carries the camera's pitch: seen from above, everything higher on the body is
    nearer the camera. Hand reach, hand and knee heights and stance width are measured against this up
    so that height does not count as reach. The angle metrics are measured against the image's up
    (`UP`): their depth comes mostly from image foreshortening, which does not carry the pitch.
    """
    pitch = math.radians(camera_pitch_deg)
    return np.array([0.0, math.cos(pitch), math.sin(pitch)])
