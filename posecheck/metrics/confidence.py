"""How well each metric is seen: limb weights from landmark visibility and per-metric confidence in [0, 1]."""

from __future__ import annotations

import math

import numpy as np

from posecheck.landmarks import Landmark as L
from posecheck.metrics.reach import IMAGE_REACH_MIN_ACROSS

# The hands' reach measured in depth (seen nearer the front than posecheck.metrics.reach measures across
# the image, where MediaPipe over-reads it) has its confidence scaled by this: the reach rule does not judge it.
DEPTH_REACH_CONFIDENCE = 0.3
# How far off the measured view direction may be (radians, ~14 deg: a stoop lift filmed 60 deg from side-on
# reads 72-76 deg standing and 45-56 deg bent over). Measured across the image, the reach is the image offset
# divided by cos(view yaw), so a view error d changes it by about tan(view yaw) * d of itself.
VIEW_DIRECTION_ERROR_RAD = 0.25


def reach_view_factor(side_on: float) -> float:
    """The reach's confidence factor for a view `side_on` = cos(view yaw) (1 side-on, 0 facing the camera):
    1 minus twice its relative error from a view VIEW_DIRECTION_ERROR_RAD off, tapering smoothly to
    DEPTH_REACH_CONFIDENCE (at about 55 deg off side-on) and staying there where the reach lies in depth."""
    if side_on < IMAGE_REACH_MIN_ACROSS:
        return DEPTH_REACH_CONFIDENCE
    tan_yaw = math.sqrt(max(0.0, 1.0 - side_on * side_on)) / side_on
    return max(DEPTH_REACH_CONFIDENCE, 1.0 - 2.0 * VIEW_DIRECTION_ERROR_RAD * tan_yaw)

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


def limb_weights(
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


def metric_confidences(
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
        # Limb metrics: the chosen limb's visibility (it may be below min_visibility, see limb_weights).
        if name in _EITHER_LEG:
            visibility = min(visibility, best_leg)
        if name in _EITHER_ARM:
            visibility = min(visibility, best_arm)
        if visibility <= 0.0:
            result[name] = 0.0
            continue
        if name == "hand_distance_rel":
            visibility *= reach_view_factor(side_on)  # see posecheck.metrics.reach.hand_distance_m
        if name in _SAGITTAL:
            visibility *= 0.6 + 0.4 * side_on
        elif name in _TRANSVERSE:
            visibility *= 0.6 + 0.4 * (1.0 - side_on)
        result[name] = round(visibility, 3)
    return result
