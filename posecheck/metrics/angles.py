"""Joint and trunk angles of one body frame (degrees), with depth rebuilt from foreshortening and the view."""

from __future__ import annotations

import math

import numpy as np

from posecheck.landmarks import Landmark as L
from posecheck.metrics.body import HORIZONTAL_AXES, LEGS, Body
from posecheck.metrics.calibration import SegmentLengths
from posecheck.metrics.vectors import angle_between_deg, joint_flexion_deg, signed_angle_about_deg, unit_vector

MAX_BACKWARD_LEAN_DEG = 35.0  # a lifter leans back ~10-20° at lockout: deeper, seen from the front, is a depth flip

# Foreshortening of a leg segment below this share of its calibrated length (a tilt out of the image
# plane under about 22 degrees) is within the landmarks' noise and is not read as depth.
DEPTH_TRUST_RATIO = 0.93

# The trunk turns at most about 45-60 deg against the pelvis; a twist read beyond this comes from
# landmarks of the left and right side mixed up (seen on the synthetic lifter filmed from behind at
# 45-60 deg: -155 to -167 deg for a true 0) and is not measured.
MAX_TWIST_DEG = 90.0


def trunk_flexion_deg(body: Body) -> float | None:
    """Forward lean of hip-mid → shoulder-mid from vertical in the sagittal plane, degrees (back = negative).

    Seen from the side the lean lies in the image plane and comes from the image landmarks. Seen from
    the front it lies in depth, where MediaPipe's depth exaggerates it; there the lean comes from how
    much shorter the trunk looks in the image than its 3D length. The two are blended by the view. The
    lean's direction then comes from MediaPipe's depth alone, which can flip it: a lean back beyond
    MAX_BACKWARD_LEAN_DEG seen mostly from the front is read as the forward lean it has to be.
    """
    trunk = body.shoulder_mid - body.hip_mid
    in_plane = _sagittal_angle_deg(trunk, body)
    if in_plane is None:
        return None
    facing_camera = abs(float(body.forward[2]))  # cosine between forward and the camera axis
    world_trunk = (body.world[L.LEFT_SHOULDER] + body.world[L.RIGHT_SHOULDER]
                   - body.world[L.LEFT_HIP] - body.world[L.RIGHT_HIP]) / 2
    out_of_plane = _foreshortening_deg(trunk, world_trunk)
    if out_of_plane is None or facing_camera < 0.1:
        return in_plane
    # A forward lean by theta tilts the trunk out of the image plane by asin(sin(theta) * facing_camera).
    from_depth = math.degrees(math.asin(min(1.0, math.sin(math.radians(out_of_plane)) / facing_camera)))
    weight = facing_camera**2
    lean_deg = (1 - weight) * in_plane + weight * math.copysign(from_depth, in_plane)
    if weight >= 0.5 and lean_deg < -MAX_BACKWARD_LEAN_DEG:
        return -lean_deg  # the depth put a deep forward lean behind the hips: nobody on their feet leans back so far
    return lean_deg


def _foreshortening_deg(image_segment: np.ndarray, world_segment: np.ndarray) -> float | None:
    """Angle out of the image plane, degrees, from the segment's image length against its 3D length."""
    length_3d = float(np.linalg.norm(world_segment))
    length_in_image = float(np.linalg.norm(image_segment[:2]))
    if not (length_3d > 1e-6 and math.isfinite(length_in_image)):
        return None
    return math.degrees(math.acos(min(1.0, length_in_image / length_3d)))


def _sagittal_angle_deg(vector: np.ndarray, body: Body) -> float | None:
    """Angle of `vector` from `up`, projected onto the sagittal plane (forward, up), positive forward."""
    forward_part, up_part = float(np.dot(vector, body.forward)), float(np.dot(vector, body.up))
    if abs(forward_part) < 1e-9 and abs(up_part) < 1e-9:
        return None
    return math.degrees(math.atan2(forward_part, up_part))


def knee_flexion_deg(
    thighs: tuple[np.ndarray, np.ndarray], shanks: tuple[np.ndarray, np.ndarray],
    leg_weights: tuple[float, float] = (1.0, 1.0),
) -> float | None:
    """Knee flexion in degrees (0 = straight): the angle between thigh and shank (left, right 3D
    vectors), mean of the legs weighted by how well each is seen."""
    angles = tuple(angle_between_deg(thigh, shank) for thigh, shank in zip(thighs, shanks, strict=True))
    return _weighted_mean(angles, leg_weights)


def hip_flexion_deg(
    trunk_deg: float | None, body: Body, thighs: tuple[np.ndarray, np.ndarray],
    leg_weights: tuple[float, float] = (1.0, 1.0),
) -> float | None:
    """Hip flexion in degrees (0 = standing straight): the trunk's forward lean plus each thigh's
    forward swing from vertical, both in the sagittal plane, weighted over both legs."""
    if trunk_deg is None:
        return None
    swings = tuple(_sagittal_angle_deg(-thigh, body) for thigh in thighs)
    return _weighted_mean(tuple(None if s is None else trunk_deg - s for s in swings), leg_weights)


def leg_segments_3d(
    body: Body, lengths: SegmentLengths
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(left, right) thigh (hip → knee) and shank (knee → ankle) vectors, metres, with rebuilt depth."""
    p, w = body.points, body.world
    thighs = tuple(_leg_segment_3d(p[knee] - p[hip], w[knee] - w[hip], lengths.leg(side)[0], 1.0, body)
                   for side, (hip, knee, _) in enumerate(LEGS))
    shanks = tuple(_leg_segment_3d(p[ankle] - p[knee], w[ankle] - w[knee], lengths.leg(side)[1], -1.0, body)
                   for side, (_, knee, ankle) in enumerate(LEGS))
    return (thighs[0], thighs[1]), (shanks[0], shanks[1])


def _leg_segment_3d(
    segment: np.ndarray, world_segment: np.ndarray, length_m: float | None, forward_sign: float, body: Body
) -> np.ndarray:
    """A thigh or shank with its depth rebuilt from the image, the view and its length.

    The segment is split into a forward part (in the pelvis's sagittal plane), an up part and a
    sideways part. Its image x shows the forward part well when seen side-on; seen from the front
    the forward part lies in depth and only the segment's shortening against its length shows it.
    The two are blended by the view. Thighs point forward (+1) and shanks backward (-1) when the
    knees bend, which fixes the sign of the depth MediaPipe's world landmarks get wrong.
    """
    x, y = float(segment[0]), float(segment[1])
    length = length_m if length_m is not None else float(np.linalg.norm(world_segment))
    forward_x, forward_z = float(body.forward[0]), float(body.forward[2])
    left_x, left_z = float(body.left[0]), float(body.left[2])
    reach, in_plane = DEPTH_TRUST_RATIO * length, math.hypot(x * left_x, y)
    forward_from_length = forward_sign * math.sqrt((reach - in_plane) * (reach + in_plane)) if reach > in_plane else 0.0
    forward_part = forward_x * x + forward_z * forward_z * forward_from_length
    sideways_part = (x - forward_part * forward_x) * left_x
    return np.array([x, y, forward_part * forward_z + sideways_part * left_z])


def _weighted_mean(values: tuple[float | None, ...], weights: tuple[float, ...]) -> float | None:
    pairs = [(v, w) for v, w in zip(values, weights, strict=True) if v is not None and w > 0]
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total > 0 else None


def knee_share_of_bend(knee_deg: float | None, trunk_deg: float | None) -> float | None:
    """How much of the bend comes from the knees: knee / (knee + trunk flexion), 0..1; None when upright."""
    if knee_deg is None or trunk_deg is None:
        return None
    total = max(knee_deg, 0.0) + max(trunk_deg, 0.0)
    return max(knee_deg, 0.0) / total if total >= 20.0 else None


def torso_twist_deg(body: Body, shoulder_width_m: float | None = None) -> float | None:
    """Axial rotation of the shoulder line against the pelvis about the trunk axis, in degrees.

    Positive when the shoulders are turned to the person's left. Two estimates, blended by the view:
    seen from the front, the shoulder line from the image (its depth from its length against the
    calibrated `shoulder_width_m` or its 3D length, whichever is longer) against the pelvis's left
    direction (`Body.left`); seen from the side, where both lines lie in depth, MediaPipe's world
    landmarks, with the pelvis direction taken from the legs (see `_world_twist_deg`).
    """
    p = body.points
    shoulder_line = depth_corrected(
        p[L.LEFT_SHOULDER] - p[L.RIGHT_SHOULDER],
        body.world[L.LEFT_SHOULDER] - body.world[L.RIGHT_SHOULDER],
        shoulder_width_m,
    )
    facing_camera = float(body.forward[2]) ** 2
    from_image = signed_angle_about_deg(body.left, shoulder_line, body.shoulder_mid - body.hip_mid)
    from_world = _world_twist_deg(body, facing_camera)
    if from_image is None or from_world is None:
        twist = from_image if from_world is None else from_world
    else:
        twist = facing_camera * from_image + (1.0 - facing_camera) * from_world
    return twist if twist is not None and abs(twist) <= MAX_TWIST_DEG else None


def _world_twist_deg(body: Body, facing_camera: float) -> float | None:
    """Twist from the world landmarks alone, degrees. MediaPipe's hip landmarks turn partly with the
    shoulders, so the pelvis direction also comes from the legs, which do not: the hip and knee lines
    when facing the camera (`facing_camera` near 1), the ankle line side-on (a staggered stance reads
    as some twist)."""
    w = body.world
    hips, knees, ankles = (
        unit_vector((w[left] - w[right]) * HORIZONTAL_AXES)
        for left, right in ((L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_KNEE, L.RIGHT_KNEE), (L.LEFT_ANKLE, L.RIGHT_ANKLE))
    )
    if hips is None or knees is None or ankles is None:
        return None
    pelvis_left = facing_camera * (hips + knees) / 2 + (1.0 - facing_camera) * ankles
    world_trunk = (w[L.LEFT_SHOULDER] + w[L.RIGHT_SHOULDER] - w[L.LEFT_HIP] - w[L.RIGHT_HIP]) / 2
    return signed_angle_about_deg(pelvis_left, w[L.LEFT_SHOULDER] - w[L.RIGHT_SHOULDER], world_trunk)


def depth_corrected(segment: np.ndarray, world_segment: np.ndarray, length_m: float | None = None) -> np.ndarray:
    """The segment with its depth (z) taken from its 3D length where it points away from the camera.

    MediaPipe's depth is compressed; the image length is exact. With 3D length D (the world segment's,
    or `length_m` where that is longer) and image length l, |z| = sqrt(D² - l²), signed like the world
    depth. Where the segment lies in the image plane (l close to D) that formula is unstable, so the
    world depth is blended in with weight (l / D)¹⁶: all of it in the image plane, 0.57 at 15° out of
    it, 0.37 at 20°, none to speak of from 40° (measured on the synthetic lifter: weights from (l/D)¹²
    to (l/D)²⁴ give the same twist errors within 0.1-0.3 deg; (l/D)⁸ leaves more of MediaPipe's
    compressed depth in, 0.2 deg more at 60 deg).
    """
    length_3d = max(float(np.linalg.norm(world_segment)), length_m or 0.0)
    in_image = float(np.linalg.norm(segment[:2]))
    if not (length_3d > 1e-6 and math.isfinite(in_image)):
        return segment
    share = min(1.0, in_image / length_3d) ** 16
    depth_from_length = math.copysign(math.sqrt(max(0.0, length_3d**2 - in_image**2)), float(world_segment[2]))
    corrected = segment.copy()
    corrected[2] = share * float(world_segment[2]) + (1.0 - share) * depth_from_length
    return corrected


def lateral_bend_deg(body: Body) -> float | None:
    """Sideways tilt of the trunk toward the person's left, in the pelvis's frontal plane, degrees."""
    trunk = body.shoulder_mid - body.hip_mid
    up_component = float(np.dot(trunk, body.up))
    left_component = float(np.dot(trunk, body.left))
    if abs(up_component) < 1e-9 and abs(left_component) < 1e-9:
        return None
    return math.degrees(math.atan2(left_component, abs(up_component)))


def neck_flexion_deg(body: Body) -> float | None:
    """Head tilt relative to the trunk in the sagittal plane, degrees: forward +, back (extension) -.

    Shoulder-mid → ear-mid against hip-mid → shoulder-mid, about the body's left axis. REBA scores
    flexion over 20° and any extension alike, so the sign matters: unsigned, a head held up while
    stooping (extension) read as flexion and fell in the 0-20° band.
    """
    ear_mid = (body.points[L.LEFT_EAR] + body.points[L.RIGHT_EAR]) / 2
    return signed_angle_about_deg(body.shoulder_mid - body.hip_mid, ear_mid - body.shoulder_mid, body.left)


def upper_arm_flexion_deg(body: Body) -> float | None:
    """Largest upper-arm elevation against the trunk of either arm, degrees (0 = arm along the trunk)."""
    trunk_down = body.hip_mid - body.shoulder_mid
    angles = [
        angle_between_deg(body.points[elbow] - body.points[shoulder], trunk_down)
        for shoulder, elbow in ((L.LEFT_SHOULDER, L.LEFT_ELBOW), (L.RIGHT_SHOULDER, L.RIGHT_ELBOW))
    ]
    known = [a for a in angles if a is not None]
    return max(known) if known else None


def lower_arm_flexion_deg(points: np.ndarray, arm_weights: tuple[float, float] = (1.0, 1.0)) -> float | None:
    """Elbow flexion in degrees (0 = straight arm), weighted over the arms by how well each is seen."""
    angles = (
        joint_flexion_deg(points[L.LEFT_SHOULDER], points[L.LEFT_ELBOW], points[L.LEFT_WRIST]),
        joint_flexion_deg(points[L.RIGHT_SHOULDER], points[L.RIGHT_ELBOW], points[L.RIGHT_WRIST]),
    )
    return _weighted_mean(angles, arm_weights)


def view_yaw_deg(body: Body) -> float | None:
    """Camera direction relative to the person, degrees: 0 = side-on, 90 = facing the camera (or back)."""
    toward_camera = np.array([0.0, 0.0, 1.0])
    angle = angle_between_deg(body.forward, toward_camera)
    return None if angle is None else abs(90.0 - angle)
