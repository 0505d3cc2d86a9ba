"""One frame's metrics: a PoseFrame (and the stream's calibration) → FrameMetrics with confidences and notes.

Each value carries a confidence in [0, 1] and is None when the landmarks behind it are not visible enough.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from posecheck.landmarks import Landmark as L
from posecheck.metrics.angles import (
    hip_flexion_deg,
    knee_flexion_deg,
    knee_share_of_bend,
    lateral_bend_deg,
    leg_segments_3d,
    lower_arm_flexion_deg,
    neck_flexion_deg,
    torso_twist_deg,
    trunk_flexion_deg,
    upper_arm_flexion_deg,
    view_yaw_deg,
)
from posecheck.metrics.body import ARMS, LEGS, MEDIAPIPE_TO_BODY, body_frame, body_points, ground_up_for_pitch
from posecheck.metrics.calibration import STRAIGHT_LEGS_DEG, BodyCalibration, leg_axis_pitch_deg, observed_lengths
from posecheck.metrics.confidence import limb_weights, metric_confidences
from posecheck.metrics.frame_metrics import EMPTY_METRICS, FrameMetrics
from posecheck.metrics.reach import hand_metrics
from posecheck.metrics.vectors import horizontal_component, ratio_or_none
from posecheck.plausibility import HIDDEN_LEG, LEG_CHAINS, LEGS_GUESSED, MISPLACED, PARTIAL_BODY, LegCheck
from posecheck.pose import PoseFrame

# Twist needs the whole body: its pelvis direction comes from the hips and legs, so with the head or
# the legs out of the frame, both legs hidden (LEGS_GUESSED), or one foot raised onto a step or a box
# (ankles more than this many leg lengths apart in height), twist is not measured rather than guessed.
FEET_LEVEL_LEG_RATIO = 0.2
_WHOLE_BODY = [L.NOSE, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]


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
    check = check.for_seen_legs(tuple(weight > 0 for weight in limb_weights(visibility, min_visibility, LEGS)))
    notes = check.notes
    legs_believed = check.believed(0) and check.believed(1)
    if not legs_believed:
        points = body_points(pose, _implausible_landmarks(check))
    visibility = visibility * check.joint_reliability()
    legs = limb_weights(visibility, min_visibility, LEGS)
    arms = limb_weights(visibility, min_visibility, ARMS)
    body = body_frame(points, pose.world_xyz_m * MEDIAPIPE_TO_BODY, arms, feet_usable=legs_plausible)
    if body is None:
        return replace(EMPTY_METRICS, notes=notes + _hidden_leg_notes(visibility, min_visibility)), \
            calibration
    trunk_deg = trunk_flexion_deg(body)
    if learn:
        shoulders_seen = bool(np.min(visibility[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]]) >= min_visibility)
        calibration = calibration.updated(observed_lengths(body, legs, shoulders_seen, trunk_deg))
    thighs, shanks = leg_segments_3d(body, calibration.lengths)
    knee_deg = knee_flexion_deg(thighs, shanks, legs)
    if learn and knee_deg is not None and knee_deg < STRAIGHT_LEGS_DEG:
        calibration = calibration.with_pitch_sample(leg_axis_pitch_deg(body))
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
        "stance_width_rel": ratio_or_none(
            float(np.linalg.norm(horizontal_component(points[L.LEFT_ANKLE] - points[L.RIGHT_ANKLE], ground_up))),
            body.shoulder_width_m,
        ),
        "hip_height_rel": check.hip_height_rel,
        "view_yaw_deg": view_yaw_deg(body),
        "camera_pitch_deg": calibration.camera_pitch_deg if calibration.pitch_samples else None,
    }
    values["knee_share_of_bend"] = knee_share_of_bend(values["knee_flexion_deg"], values["trunk_flexion_deg"])
    hidden_legs = _hidden_leg_notes(visibility, min_visibility)
    notes += hidden_legs
    confidence = metric_confidences(visibility, min_visibility, values["view_yaw_deg"], legs, arms)
    # Both legs barely seen (behind a crate or plate, or judged implausible): the pelvis direction would
    # come from legs the model guessed. Twist is then not judged, as for a body out of the picture.
    in_view = whole_body_in_view(in_frame_visibility, min_visibility, points, ground_up, body.leg_length_m) \
        and LEGS_GUESSED not in hidden_legs
    if not in_view or np.any(visibility[_WHOLE_BODY] <= 0.0):
        confidence["torso_twist_deg"] = 0.0  # twist is judged from a whole body whose joints are believed
    if not in_view:
        notes = (*notes, PARTIAL_BODY)  # the notes say why only for framing (a leg not believed has its own)
    values = {
        name: value if value is not None and math.isfinite(value) and confidence.get(name, 0.0) > 0 else None
        for name, value in values.items()
    }
    metrics = FrameMetrics(
        **values, confidence={k: v for k, v in confidence.items() if values.get(k) is not None}, notes=notes
    )
    return metrics, calibration


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
    hidden = [float(np.min(visibility[[knee, ankle]])) < min_visibility for _, knee, ankle in LEGS]
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
