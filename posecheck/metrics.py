"""Per-frame posture metrics: pure functions from a PoseFrame to angles (degrees) and body-relative ratios.

All metrics are computed in a metric frame built from the pose (`body_points`): x right, y up the
image, z toward the camera, metres. Angles take the image's up as vertical; hand reach, hand and knee
heights and stance width take gravity's up as the legs show it (`ground_up_for_pitch`), which leans
toward a camera that looks down. Each value carries a confidence in [0, 1] and is None when the
landmarks behind it are not visible enough.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np

from posecheck.landmarks import Landmark as L
from posecheck.plausibility import (
    HIDDEN_LEG,
    LEG_CHAINS,
    LEGS_GUESSED,
    MISPLACED,
    PARTIAL_BODY,
    LegCheck,
    PlausibilityState,
)
from posecheck.pose import PoseFrame

METRIC_NAMES = (
    "trunk_flexion_deg",
    "hip_flexion_deg",
    "knee_flexion_deg",
    "knee_share_of_bend",
    "torso_twist_deg",
    "lateral_bend_deg",
    "neck_flexion_deg",
    "upper_arm_flexion_deg",
    "lower_arm_flexion_deg",
    "hand_height_rel",
    "hand_distance_rel",
    "hands_forward_rel",
    "hands_separation_rel",
    "knee_height_rel",
    "hip_height_rel",
    "stance_width_rel",
    "asymmetry_angle_deg",
    "leg_length_m",
    "view_yaw_deg",
    "camera_pitch_deg",
)


@dataclass(frozen=True)
class FrameMetrics:
    """Posture metrics of one frame; None = not measurable. `confidence` maps metric name → [0, 1].

    Angles in degrees. `*_rel` lengths are relative to leg length (hip to ankle), except
    `hands_separation_rel` and `stance_width_rel`, relative to shoulder width, and `hip_height_rel`,
    the hips' height above the floor against the person's standing hip height (1 standing, about 0.6
    at the bottom of a squat; see posecheck.plausibility). `asymmetry_angle_deg`
    is the NIOSH asymmetry angle: mid-ankle → hands (floor projection) against the pelvis's forward
    direction, positive to the person's left. `leg_length_m` (hip to ankle, from the world landmarks)
    converts the relative lengths to metres. `camera_pitch_deg` is how far the camera looks down as
    learned from straight legs so far (BodyCalibration.camera_pitch_deg; None until learned).
    """

    trunk_flexion_deg: float | None = None
    hip_flexion_deg: float | None = None
    knee_flexion_deg: float | None = None
    knee_share_of_bend: float | None = None
    torso_twist_deg: float | None = None
    lateral_bend_deg: float | None = None
    neck_flexion_deg: float | None = None
    upper_arm_flexion_deg: float | None = None
    lower_arm_flexion_deg: float | None = None
    hand_height_rel: float | None = None
    hand_distance_rel: float | None = None
    hands_forward_rel: float | None = None
    hands_separation_rel: float | None = None
    knee_height_rel: float | None = None
    hip_height_rel: float | None = None
    stance_width_rel: float | None = None
    asymmetry_angle_deg: float | None = None
    leg_length_m: float | None = None
    view_yaw_deg: float | None = None
    camera_pitch_deg: float | None = None
    confidence: dict[str, float] = field(default_factory=dict)
    # Why parts of this frame are not believed or not shown (posecheck.plausibility.NOTE_CODES).
    notes: tuple[str, ...] = ()

    def values(self) -> dict[str, float | None]:
        """Metric name → value (None where not measurable), in METRIC_NAMES order."""
        data = asdict(self)
        return {name: data[name] for name in METRIC_NAMES}


EMPTY_METRICS = FrameMetrics()

# MediaPipe world axes are x right, y down, z away from the camera; ours are x right, y up, z toward it.
_MEDIAPIPE_TO_BODY = np.array([1.0, -1.0, -1.0])


def body_points(pose: PoseFrame, skipped: frozenset[int] = frozenset()) -> np.ndarray:
    """(33, 3) landmark positions in metres, x right, y up, z toward the camera.

    In-plane coordinates come from the image landmarks, which are accurate in the image plane,
    scaled to metres with the world landmarks' size (segments touching a landmark in `skipped`,
    e.g. a leg judged implausible, do not count); depth comes from the world landmarks.
    """
    world = pose.world_xyz_m * _MEDIAPIPE_TO_BODY
    image = pose.image_xy_px * np.array([1.0, -1.0])
    metres_per_px = _metres_per_pixel(world, image, skipped)
    if metres_per_px is None:
        return world
    points = world.copy()
    centre = (image[L.LEFT_HIP] + image[L.RIGHT_HIP]) / 2
    points[:, :2] = (image - centre) * metres_per_px
    return points


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
    up, vp = _horizontal(u, n), _horizontal(v, n)
    if not (np.linalg.norm(up) > 1e-9 and np.linalg.norm(vp) > 1e-9):
        return None
    return math.degrees(math.atan2(float(np.dot(cross3(up, vp), n)), float(np.dot(up, vp))))


def _horizontal(vector: np.ndarray, up: np.ndarray) -> np.ndarray:
    """`vector` without its component along the unit vector `up`."""
    return vector - float(np.dot(vector, up)) * up


def _unit(vector: np.ndarray) -> np.ndarray | None:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-9 and math.isfinite(norm) else None


@dataclass(frozen=True)
class _Body:
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


UP = np.array([0.0, 1.0, 0.0])
_HORIZONTAL = np.array([1.0, 0.0, 1.0])  # drops the image's vertical (y) component
_FEET = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]


def _body(
    points: np.ndarray, world: np.ndarray, arm_weights: tuple[float, float] = (1.0, 1.0), feet_usable: bool = True
) -> _Body | None:
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
    if not (leg_length > 0.05 and np.all(np.isfinite(p[_FEET]))):
        return None
    return _Body(p, hip_mid, shoulder_mid, knee_mid, ankle_mid, wrist_mid, UP, left, forward,
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
    hip_line = (points[L.LEFT_HIP] - points[L.RIGHT_HIP]) * _HORIZONTAL
    feet = (points[L.LEFT_FOOT_INDEX] + points[L.RIGHT_FOOT_INDEX] - points[L.LEFT_HEEL] - points[L.RIGHT_HEEL])
    feet_left = cross3(UP, feet * _HORIZONTAL)
    sources = ((_unit(hip_line), 1.0), (_unit(feet_left), 1.0))
    estimates = [(vector, weight * _in_image_plane(vector)) for vector, weight in sources[:1 if not feet_usable else 2]
                 if vector is not None]
    if not estimates and not feet_usable:
        return _horizontal_left(points, feet_usable=True)
    if not estimates:
        return None
    if len(estimates) == 2 and float(np.dot(estimates[0][0], estimates[1][0])) < 0:
        estimates = [max(estimates, key=lambda item: item[1])]
    return _unit(sum(weight * vector for vector, weight in estimates))


def _in_image_plane(direction: np.ndarray) -> float:
    """Weight in [0.1, 1]: the share of a horizontal unit direction across the image (x) rather than in depth."""
    return 0.1 + 0.9 * abs(float(direction[0]))


def compute_metrics(
    pose: PoseFrame | None, min_visibility: float = 0.5, calibration: BodyCalibration | None = None
) -> FrameMetrics:
    """All metrics of one frame (see FrameMetrics for names and units); EMPTY_METRICS without a pose.

    `calibration` holds what earlier frames of the stream showed (see `BodyCalibration`); without it
    the depth of legs and shoulders comes from MediaPipe's 3D segment lengths of this frame.
    """
    return _measure(pose, min_visibility, calibration or BodyCalibration(), learn=False)[0]


def measure(
    pose: PoseFrame | None, min_visibility: float, calibration: BodyCalibration, time_s: float | None = None
) -> tuple[FrameMetrics, BodyCalibration]:
    """This frame's metrics and the stream's calibration updated with what this frame shows.

    The frame's own observations count at once: its metrics use the updated calibration. `time_s`
    (seconds) lets the plausibility checks see joints jumping between frames.
    """
    return _measure(pose, min_visibility, calibration, learn=True, time_s=time_s)


def _measure(
    pose: PoseFrame | None, min_visibility: float, calibration: BodyCalibration, learn: bool,
    time_s: float | None = None,
) -> tuple[FrameMetrics, BodyCalibration]:
    if pose is None:
        return EMPTY_METRICS, calibration
    points = body_points(pose)
    if not np.all(np.isfinite(points[11:29])):
        return EMPTY_METRICS, calibration
    check, plausibility = calibration.plausibility.check(pose, points, time_s, learn)
    if learn:
        calibration = replace(calibration, plausibility=plausibility)
    if check.inverted:
        return replace(EMPTY_METRICS, notes=check.notes), calibration
    in_frame_visibility = visibility = _in_frame_visibility(pose)
    # Twist's pelvis direction and the feet's direction come from both legs, seen or not: a hidden leg
    # out of place (a foot off the floor, legs crossed, a jump) spoils them too; a hidden shank drawn
    # short (behind an object) does not.
    legs_plausible = not any(reason in MISPLACED for side in check.reasons for reason in side)
    check = check.for_seen_legs(tuple(weight > 0 for weight in _limb_weights(visibility, min_visibility, _LEGS)))
    notes = check.notes
    legs_believed = check.believed(0) and check.believed(1)
    if not legs_believed:
        points = body_points(pose, _implausible_landmarks(check))
    visibility = visibility * check.joint_reliability()
    legs = _limb_weights(visibility, min_visibility, _LEGS)
    arms = _limb_weights(visibility, min_visibility, _ARMS)
    body = _body(points, pose.world_xyz_m * _MEDIAPIPE_TO_BODY, arms, feet_usable=legs_plausible)
    if body is None:
        return replace(EMPTY_METRICS, notes=notes + _hidden_leg_notes(visibility, min_visibility)), \
            calibration
    trunk_deg = trunk_flexion_deg(body)
    if learn:
        shoulders_seen = bool(np.min(visibility[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]]) >= min_visibility)
        calibration = calibration.updated(_observed_lengths(body, legs, shoulders_seen, trunk_deg))
    thighs, shanks = leg_segments_3d(body, calibration.lengths)
    knee_deg = knee_flexion_deg(thighs, shanks, legs)
    if learn and knee_deg is not None and knee_deg < STRAIGHT_LEGS_DEG:
        calibration = calibration.with_pitch_sample(_leg_axis_pitch_deg(body))
    ground_up = ground_up_for_pitch(calibration.camera_pitch_deg)
    values = {
        "trunk_flexion_deg": trunk_deg,
        "hip_flexion_deg": hip_flexion_deg(trunk_deg, body, thighs, legs),
        "knee_flexion_deg": knee_deg,
        # Twist's pelvis direction comes from the legs: not from legs drawn on an object.
        "torso_twist_deg": torso_twist_deg(body, calibration.lengths.shoulder_width_m) if legs_plausible else None,
        "lateral_bend_deg": lateral_bend_deg(body),
        "neck_flexion_deg": neck_flexion_deg(body),
        "upper_arm_flexion_deg": upper_arm_flexion_deg(body),
        "lower_arm_flexion_deg": lower_arm_flexion_deg(points, arms),
        **hand_metrics(body, ground_up),
        "stance_width_rel": _ratio(
            float(np.linalg.norm(_horizontal(points[L.LEFT_ANKLE] - points[L.RIGHT_ANKLE], ground_up))),
            body.shoulder_width_m,
        ),
        "hip_height_rel": check.hip_height_rel,
        "view_yaw_deg": view_yaw_deg(body),
        "camera_pitch_deg": calibration.camera_pitch_deg if calibration.pitch_samples else None,
    }
    values["knee_share_of_bend"] = knee_share_of_bend(values["knee_flexion_deg"], values["trunk_flexion_deg"])
    notes += _hidden_leg_notes(visibility, min_visibility)
    confidence = _confidences(visibility, min_visibility, values["view_yaw_deg"], legs, arms)
    in_picture = whole_body_in_view(in_frame_visibility, min_visibility, points, ground_up, body.leg_length_m)
    if not in_picture or np.any(visibility[_WHOLE_BODY] <= 0.0):
        confidence["torso_twist_deg"] = 0.0  # twist is judged from a whole body whose joints are believed
    if not in_picture:
        notes = (*notes, PARTIAL_BODY)  # the notes say why only for framing (a leg not believed has its own)
    values = {
        name: value if value is not None and math.isfinite(value) and confidence.get(name, 0.0) > 0 else None
        for name, value in values.items()
    }
    metrics = FrameMetrics(
        **values, confidence={k: v for k, v in confidence.items() if values.get(k) is not None}, notes=notes
    )
    return metrics, calibration


# Twist needs the whole body: its pelvis direction comes from the hips and legs, so with the head or
# the legs out of the frame, or one foot raised onto a step or a box (ankles more than this many leg
# lengths apart in height), twist is not measured rather than guessed.
FEET_LEVEL_LEG_RATIO = 0.2
_WHOLE_BODY = [L.NOSE, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]


def whole_body_in_view(
    in_frame_visibility: np.ndarray, min_visibility: float, points: np.ndarray, ground_up: np.ndarray,
    leg_length_m: float,
) -> bool:
    """Whether head, hips, knees and ankles are all in the frame and both feet stand on one level (judged
    only when both ankles are seen: side-on, MediaPipe guesses the hidden far ankle's height)."""
    if np.any(in_frame_visibility[_WHOLE_BODY] <= 0.0):
        return False
    if np.any(in_frame_visibility[[L.LEFT_ANKLE, L.RIGHT_ANKLE]] < min_visibility):
        return True
    step_m = abs(float((points[L.LEFT_ANKLE] - points[L.RIGHT_ANKLE]) @ ground_up))
    return not step_m > FEET_LEVEL_LEG_RATIO * leg_length_m  # an ankle not believed (NaN) is not a step


def _hidden_leg_notes(visibility: np.ndarray, min_visibility: float) -> tuple[str, ...]:
    """LEGS_GUESSED when both legs' knee or ankle are seen less than `min_visibility` (or are out of the
    picture); HIDDEN_LEG when one is. Side-on that is often the far leg behind the near one, which cannot
    be told from a near leg behind a plate or crate drawn where it should be: the note says either."""
    hidden = [float(np.min(visibility[[knee, ankle]])) < min_visibility for _, knee, ankle in _LEGS]
    if all(hidden):
        return (LEGS_GUESSED,)
    return (HIDDEN_LEG,) if any(hidden) else ()


def _implausible_landmarks(check: LegCheck) -> frozenset[int]:
    """The knee, ankle and foot landmarks of the seen legs `check` does not believe."""
    return frozenset(index for side, chain in enumerate(LEG_CHAINS) if not check.believed(side) for index in chain[1:])


def _in_frame_visibility(pose: PoseFrame) -> np.ndarray:
    """Landmark visibilities clipped to [0, 1], and 0 for landmarks outside the frame (guessed, not seen)."""
    visibility = np.clip(np.nan_to_num(pose.visibility, nan=0.0), 0.0, 1.0)
    x, y = pose.image_xy_px[:, 0], pose.image_xy_px[:, 1]
    with np.errstate(invalid="ignore"):
        inside = (x >= 0) & (x < pose.width_px) & (y >= 0) & (y < pose.height_px)
    return np.where(inside, visibility, 0.0)


def _limb_weights(
    visibility: np.ndarray, min_visibility: float, limbs: tuple[tuple[int, ...], tuple[int, ...]]
) -> tuple[float, float]:
    """Per limb (left, right): the weakest visibility of its landmarks, or 0 below `min_visibility`.

    When neither limb reaches `min_visibility` (e.g. both legs behind a carried box), the better one
    is still used down to half of it: MediaPipe places hidden joints plausibly, and the low
    visibility is carried into the metric's confidence.
    """
    visibilities = [float(np.min(visibility[list(limb)])) for limb in limbs]
    weights = [v if v >= min_visibility else 0.0 for v in visibilities]
    if max(weights) == 0.0 and max(visibilities) >= min_visibility / 2:
        best = int(np.argmax(visibilities))
        weights[best] = visibilities[best]
    return weights[0], weights[1]


MAX_BACKWARD_LEAN_DEG = 35.0  # a lifter leans back ~10-20° at lockout: deeper, seen from the front, is a depth flip


def trunk_flexion_deg(body: _Body) -> float | None:
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


def _sagittal_angle_deg(vector: np.ndarray, body: _Body) -> float | None:
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
    trunk_deg: float | None, body: _Body, thighs: tuple[np.ndarray, np.ndarray],
    leg_weights: tuple[float, float] = (1.0, 1.0),
) -> float | None:
    """Hip flexion in degrees (0 = standing straight): the trunk's forward lean plus each thigh's
    forward swing from vertical, both in the sagittal plane, weighted over both legs."""
    if trunk_deg is None:
        return None
    swings = tuple(_sagittal_angle_deg(-thigh, body) for thigh in thighs)
    return _weighted_mean(tuple(None if s is None else trunk_deg - s for s in swings), leg_weights)


# Foreshortening of a leg segment below this share of its calibrated length (a tilt out of the image
# plane under about 22 degrees) is within the landmarks' noise and is not read as depth.
DEPTH_TRUST_RATIO = 0.93
# The person faces the camera within about 45 degrees when |forward · camera axis| reaches this; only
# then do vertical thighs and shanks show their full length in the image.
FACING_FOR_CALIBRATION = 0.7
# The shoulder width is calibrated only while the trunk is this close to upright: leaning toward the
# camera brings the shoulders nearer to it than the hips, and perspective widens them in the image.
UPRIGHT_FOR_CALIBRATION_DEG = 15.0


# A length counts for calibration as the median of this many frames in a row: a frame or two of
# misplaced landmarks (MediaPipe's first detection often is one) must not set it for the whole stream.
SUSTAINED_FRAMES = 5
# Camera pitch (see BodyCalibration.camera_pitch_deg): legs count as straight below this knee flexion
# (degrees); the pitch is the median of the last PITCH_SAMPLES frames with straight legs (10 s at
# 15 fps), and a legs' lean beyond MAX_PITCH_DEG is not taken for the camera's.
STRAIGHT_LEGS_DEG = 15.0
PITCH_SAMPLES = 150
MAX_PITCH_DEG = 45.0


@dataclass(frozen=True)
class SegmentLengths:
    """In-image lengths of the segments whose depth is rebuilt from their shortening (metres; None = not seen)."""

    left_thigh_m: float | None = None
    left_shank_m: float | None = None
    right_thigh_m: float | None = None
    right_shank_m: float | None = None
    shoulder_width_m: float | None = None

    def leg(self, side: int) -> tuple[float | None, float | None]:
        """(thigh, shank) of leg `side` (0 left, 1 right); the other leg's where this one was never seen."""
        legs = ((self.left_thigh_m, self.left_shank_m), (self.right_thigh_m, self.right_shank_m))
        own, other = legs[side], legs[1 - side]
        return (own[0] if own[0] is not None else other[0], own[1] if own[1] is not None else other[1])

    def values(self) -> tuple[float | None, ...]:
        """The lengths in field order (a plain tuple: this runs every frame, dataclasses.astuple is slow)."""
        return tuple(getattr(self, name) for name in _SEGMENT_FIELDS)

    def longest(self, other: SegmentLengths) -> SegmentLengths:
        """Per segment, the longer of the two (None where neither is known)."""
        return SegmentLengths(*(
            max((v for v in pair if v is not None), default=None)
            for pair in zip(self.values(), other.values(), strict=True)
        ))


_SEGMENT_FIELDS = tuple(f.name for f in fields(SegmentLengths))


@dataclass(frozen=True)
class BodyCalibration:
    """A stream's calibrated segment lengths: the longest median each has shown over SUSTAINED_FRAMES frames in a row.

    A segment shows its full length in the image only when it lies in the image plane. Seen from the
    front, knee flexion tilts thighs and shanks toward the camera and only their shortening shows it;
    their lengths are gathered while the person faces the camera. The shoulder line shows its width
    whenever it crosses the image plane (facing the camera, or twisting through it); MediaPipe's 3D
    shoulder width comes out short when the line lies in depth, so the longer of the two is used.
    It also holds the camera's pitch, learned from straight legs (`camera_pitch_deg`).
    """

    lengths: SegmentLengths = SegmentLengths()
    recent: tuple[SegmentLengths, ...] = ()  # the last SUSTAINED_FRAMES observations
    pitch_samples: tuple[float, ...] = ()  # the last PITCH_SAMPLES leg-axis pitches, degrees
    plausibility: PlausibilityState = PlausibilityState()  # standing floor, legs and hips (posecheck.plausibility)

    @property
    def camera_pitch_deg(self) -> float:
        """How far the camera looks down, degrees (0 until straight legs were seen): the median lean of
        straight legs (mid-ankle → mid-hip) toward the camera in MediaPipe's depth, over recent frames.

        Straight legs stand vertical, so their lean toward the camera is the camera's pitch as
        MediaPipe's depth shows it (measured: about 6, 12 and 19 degrees for cameras 0, 10 and 20
        degrees above the synthetic lifter) — the pitch that this depth needs taken off.
        """
        return statistics.median(self.pitch_samples) if self.pitch_samples else 0.0

    def with_pitch_sample(self, pitch_deg: float | None) -> BodyCalibration:
        """The calibration with one more leg-axis pitch sample (None: this frame shows none)."""
        if pitch_deg is None:
            return self
        return replace(self, pitch_samples=(*self.pitch_samples, pitch_deg)[-PITCH_SAMPLES:])

    def updated(self, observed: SegmentLengths) -> BodyCalibration:
        """The calibration after one more frame's observed lengths."""
        recent = (*self.recent, observed)[-SUSTAINED_FRAMES:]
        if len(recent) < SUSTAINED_FRAMES:
            return replace(self, recent=recent)
        sustained = SegmentLengths(*(
            None if None in values else statistics.median(values)
            for values in zip(*(lengths.values() for lengths in recent), strict=True)
        ))
        return replace(self, lengths=self.lengths.longest(sustained), recent=recent)


def _leg_axis_pitch_deg(body: _Body) -> float | None:
    """How far the legs' axis (mid-ankle → mid-hip) leans toward the camera, degrees; None beyond MAX_PITCH_DEG."""
    axis = body.hip_mid - body.ankle_mid
    pitch = math.degrees(math.atan2(float(axis[2]), float(axis[1])))
    return pitch if abs(pitch) < MAX_PITCH_DEG else None


def _observed_lengths(
    body: _Body, leg_weights: tuple[float, float], shoulders_seen: bool, trunk_deg: float | None
) -> SegmentLengths:
    """This frame's in-image segment lengths (metres) where they may be calibrated (see BodyCalibration)."""
    p = body.points
    legs: list[float | None] = [None] * 4
    if abs(float(body.forward[2])) >= FACING_FOR_CALIBRATION:
        legs = [
            float(np.linalg.norm(p[b, :2] - p[a, :2])) if weight > 0 else None
            for (hip, knee, ankle), weight in zip(_LEGS, leg_weights, strict=True)
            for a, b in ((hip, knee), (knee, ankle))
        ]
    upright = trunk_deg is not None and abs(trunk_deg) < UPRIGHT_FOR_CALIBRATION_DEG
    shoulder_width = (
        float(np.linalg.norm(p[L.LEFT_SHOULDER, :2] - p[L.RIGHT_SHOULDER, :2])) if shoulders_seen and upright else None
    )
    return SegmentLengths(*legs, shoulder_width)


def leg_segments_3d(
    body: _Body, lengths: SegmentLengths
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(left, right) thigh (hip → knee) and shank (knee → ankle) vectors, metres, with rebuilt depth."""
    p, w = body.points, body.world
    thighs = tuple(_leg_segment_3d(p[knee] - p[hip], w[knee] - w[hip], lengths.leg(side)[0], 1.0, body)
                   for side, (hip, knee, _) in enumerate(_LEGS))
    shanks = tuple(_leg_segment_3d(p[ankle] - p[knee], w[ankle] - w[knee], lengths.leg(side)[1], -1.0, body)
                   for side, (_, knee, ankle) in enumerate(_LEGS))
    return (thighs[0], thighs[1]), (shanks[0], shanks[1])


def _leg_segment_3d(
    segment: np.ndarray, world_segment: np.ndarray, length_m: float | None, forward_sign: float, body: _Body
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


def torso_twist_deg(body: _Body, shoulder_width_m: float | None = None) -> float | None:
    """Axial rotation of the shoulder line against the pelvis about the trunk axis, in degrees.

    Positive when the shoulders are turned to the person's left. Two estimates, blended by the view:
    seen from the front, the shoulder line from the image (its depth from its length against the
    calibrated `shoulder_width_m` or its 3D length, whichever is longer) against the pelvis of
    `_horizontal_left`; seen from the side, where both lines lie in depth, MediaPipe's world
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


# The trunk turns at most about 45-60 deg against the pelvis; a twist read beyond this comes from
# landmarks of the left and right side mixed up (seen on the synthetic lifter filmed from behind at
# 45-60 deg: -155 to -167 deg for a true 0) and is not measured.
MAX_TWIST_DEG = 90.0


def _world_twist_deg(body: _Body, facing_camera: float) -> float | None:
    """Twist from the world landmarks alone, degrees. MediaPipe's hip landmarks turn partly with the
    shoulders, so the pelvis direction also comes from the legs, which do not: the hip and knee lines
    when facing the camera (`facing_camera` near 1), the ankle line side-on (a staggered stance reads
    as some twist)."""
    w = body.world
    hips, knees, ankles = (
        _unit((w[left] - w[right]) * _HORIZONTAL)
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


def lateral_bend_deg(body: _Body) -> float | None:
    """Sideways tilt of the trunk toward the person's left, in the pelvis's frontal plane, degrees."""
    trunk = body.shoulder_mid - body.hip_mid
    up_component = float(np.dot(trunk, body.up))
    left_component = float(np.dot(trunk, body.left))
    if abs(up_component) < 1e-9 and abs(left_component) < 1e-9:
        return None
    return math.degrees(math.atan2(left_component, abs(up_component)))


def neck_flexion_deg(body: _Body) -> float | None:
    """Head tilt relative to the trunk in the sagittal plane, degrees: forward +, back (extension) -.

    Shoulder-mid → ear-mid against hip-mid → shoulder-mid, about the body's left axis. REBA scores
    flexion over 20° and any extension alike, so the sign matters: unsigned, a head held up while
    stooping (extension) read as flexion and fell in the 0-20° band.
    """
    ear_mid = (body.points[L.LEFT_EAR] + body.points[L.RIGHT_EAR]) / 2
    return signed_angle_about_deg(body.shoulder_mid - body.hip_mid, ear_mid - body.shoulder_mid, body.left)


def upper_arm_flexion_deg(body: _Body) -> float | None:
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


def hand_metrics(body: _Body, ground_up: np.ndarray) -> dict[str, float | None]:
    """Hand height, horizontal distance from the mid-ankle, forward reach and separation (relative).

    Heights and horizontal distances are taken along and across `ground_up` (see `ground_up_for_pitch`).
    """
    p = body.points
    to_hands = body.wrist_mid - body.ankle_mid
    horizontal = _horizontal(to_hands, ground_up)
    if not body.both_hands_seen:  # one hand is off the body's midline: keep only its forward reach
        horizontal = float(np.dot(horizontal, body.forward)) * body.forward
    hips_to_hands = body.wrist_mid - body.hip_mid
    floor = float(np.min(p[_FEET] @ ground_up))  # the lowest heel or toe along ground_up
    return {
        "hand_height_rel": _ratio(float(body.wrist_mid @ ground_up) - floor, body.leg_length_m),
        "hand_distance_rel": _ratio(hand_distance_m(horizontal, body.forward), body.leg_length_m),
        "hands_forward_rel": _ratio(float(np.dot(hips_to_hands, body.forward)), body.leg_length_m),
        "hands_separation_rel": _ratio(
            float(np.linalg.norm(p[L.LEFT_WRIST] - p[L.RIGHT_WRIST])), body.shoulder_width_m
        ),
        "knee_height_rel": _ratio(float(body.knee_mid @ ground_up) - floor, body.leg_length_m),
        "asymmetry_angle_deg": signed_angle_about_deg(body.forward, horizontal, ground_up)
        if float(np.linalg.norm(horizontal)) > 0.05 * body.leg_length_m
        else None,
        "leg_length_m": body.leg_length_m,
    }


# Seen within 60 degrees of side-on (the pelvis's forward direction at least this much across the image),
# the hands' reach in front of the feet is measured across the image, where landmarks are accurate;
# nearer the front it lies in depth, where MediaPipe over-reads it (a squat lift seen from 60 degrees:
# 0.96 leg lengths at the bottom against 0.3 true), and its confidence is scaled by DEPTH_REACH_CONFIDENCE.
IMAGE_REACH_MIN_ACROSS = 0.5
DEPTH_REACH_CONFIDENCE = 0.3


def hand_distance_m(horizontal: np.ndarray, forward: np.ndarray) -> float:
    """The hands' horizontal distance in front of the mid-ankle (metres) from its horizontal offset.

    Where the person's forward direction lies across the image (|forward x| >= IMAGE_REACH_MIN_ACROSS)
    it is the offset's image x divided by that share (the reach taken along the forward direction);
    otherwise the offset's 3D length, depth included (see `_confidences`: not trusted for the reach rule).
    """
    across = abs(float(forward[0]))
    if across >= IMAGE_REACH_MIN_ACROSS:
        return abs(float(horizontal[0])) / across
    return float(np.linalg.norm(horizontal))


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


def view_yaw_deg(body: _Body) -> float | None:
    """Camera direction relative to the person, degrees: 0 = side-on, 90 = facing the camera (or back)."""
    toward_camera = np.array([0.0, 0.0, 1.0])
    angle = angle_between_deg(body.forward, toward_camera)
    return None if angle is None else abs(90.0 - angle)


def _ratio(numerator: float, denominator: float) -> float | None:
    if not (math.isfinite(numerator) and math.isfinite(denominator)) or denominator < 1e-6:
        return None
    return numerator / denominator


_LEGS = (
    (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
)
_ARMS = (
    (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST),
)

# Landmarks each metric depends on (visibility is taken as the minimum over them). Metrics in
# _EITHER_LEG need the shoulders and hips (for the hip angle) plus one well-seen leg.
_EITHER_LEG = {"knee_flexion_deg", "hip_flexion_deg", "knee_share_of_bend", "hand_height_rel", "hand_distance_rel",
               "knee_height_rel", "asymmetry_angle_deg", "leg_length_m"}
_EITHER_ARM = {"lower_arm_flexion_deg", "hand_height_rel", "hand_distance_rel", "hands_forward_rel",
               "asymmetry_angle_deg"}
_DEPENDENCIES: dict[str, tuple[int, ...]] = {
    "trunk_flexion_deg": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP),
    "hip_flexion_deg": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP),
    "knee_flexion_deg": (),
    "torso_twist_deg": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP),
    "lateral_bend_deg": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP),
    "neck_flexion_deg": (L.LEFT_EAR, L.RIGHT_EAR, L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    "upper_arm_flexion_deg": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW),
    "lower_arm_flexion_deg": (),
    "hand_height_rel": (),
    "hand_distance_rel": (),
    "hands_forward_rel": (L.LEFT_HIP, L.RIGHT_HIP),
    "hands_separation_rel": (L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    "knee_height_rel": (),
    "hip_height_rel": (L.LEFT_HIP, L.RIGHT_HIP),
    "asymmetry_angle_deg": (L.LEFT_HIP, L.RIGHT_HIP),
    "leg_length_m": (),
    "stance_width_rel": (L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    "view_yaw_deg": (L.LEFT_HIP, L.RIGHT_HIP),
    "camera_pitch_deg": (),
}
_DEPENDENCIES["knee_share_of_bend"] = _DEPENDENCIES["trunk_flexion_deg"]

# Metrics measured mostly in depth when the person faces the camera (view_yaw 90): their confidence
# falls with the view. Twist and stance are mostly in depth when seen side-on (view_yaw 0).
_SAGITTAL = {"trunk_flexion_deg", "hip_flexion_deg", "knee_flexion_deg", "knee_share_of_bend", "neck_flexion_deg"}
_TRANSVERSE = {"torso_twist_deg", "stance_width_rel", "lateral_bend_deg"}


def _confidences(
    landmark_visibility: np.ndarray,
    min_visibility: float,
    view_deg: float | None,
    legs: tuple[float, float],
    arms: tuple[float, float],
) -> dict[str, float]:
    """Per metric: the weakest landmark visibility in [0, 1] (0 if below min_visibility), scaled by the view."""
    side_on = 1.0 if view_deg is None else math.cos(math.radians(view_deg))
    result = {}
    best_leg, best_arm = max(legs), max(arms)
    for name, indices in _DEPENDENCIES.items():
        visibility = float(np.min(landmark_visibility[list(indices)])) if indices else 1.0
        if visibility < min_visibility:
            result[name] = 0.0
            continue
        # Limb metrics: the chosen limb's visibility (it may be below min_visibility, see _limb_weights).
        if name in _EITHER_LEG:
            visibility = min(visibility, best_leg)
        if name in _EITHER_ARM:
            visibility = min(visibility, best_arm)
        if visibility <= 0.0:
            result[name] = 0.0
            continue
        if name == "hand_distance_rel" and side_on < IMAGE_REACH_MIN_ACROSS:
            visibility *= DEPTH_REACH_CONFIDENCE  # measured in depth (see hand_distance_m)
        if name in _SAGITTAL:
            visibility *= 0.6 + 0.4 * side_on
        elif name in _TRANSVERSE:
            visibility *= 0.6 + 0.4 * (1.0 - side_on)
        result[name] = round(visibility, 3)
    return result
