"""Where the hands are (height above the floor, reach in front of the feet and hips, separation, NIOSH
asymmetry) and the knees' height, relative to the body's lengths."""

from __future__ import annotations

import numpy as np

from posecheck.landmarks import Landmark as L
from posecheck.metrics.body import FEET, Body
from posecheck.metrics.vectors import horizontal_component, ratio_or_none, signed_angle_about_deg

# Seen within 60 degrees of side-on (the pelvis's forward direction at least this much across the image),
# the hands' reach in front of the feet is measured across the image, where landmarks are accurate;
# nearer the front it lies in depth, where MediaPipe over-reads it (a squat lift seen from 60 degrees:
# 0.96 leg lengths at the bottom against 0.3 true). Its confidence tapers with the view, down to
# DEPTH_REACH_CONFIDENCE before this edge (posecheck.metrics.confidence.reach_view_factor).
IMAGE_REACH_MIN_ACROSS = 0.5


def hand_metrics(body: Body, ground_up: np.ndarray) -> dict[str, float | None]:
    """Hand height, horizontal distance from the mid-ankle, forward reach and separation (relative).

    Heights and horizontal distances are taken along and across `ground_up` (see `ground_up_for_pitch`).
    """
    p = body.points
    to_hands = body.wrist_mid - body.ankle_mid
    horizontal = horizontal_component(to_hands, ground_up)
    if not body.both_hands_seen:  # one hand is off the body's midline: keep only its forward reach
        horizontal = float(np.dot(horizontal, body.forward)) * body.forward
    hips_to_hands = body.wrist_mid - body.hip_mid
    floor = float(np.min(p[FEET] @ ground_up))  # the lowest heel or toe along ground_up
    return {
        "hand_height_rel": ratio_or_none(float(body.wrist_mid @ ground_up) - floor, body.leg_length_m),
        "hand_distance_rel": ratio_or_none(hand_distance_m(horizontal, body.forward), body.leg_length_m),
        "hands_forward_rel": ratio_or_none(float(np.dot(hips_to_hands, body.forward)), body.leg_length_m),
        "hands_separation_rel": ratio_or_none(
            float(np.linalg.norm(p[L.LEFT_WRIST] - p[L.RIGHT_WRIST])), body.shoulder_width_m
        ),
        "knee_height_rel": ratio_or_none(float(body.knee_mid @ ground_up) - floor, body.leg_length_m),
        "asymmetry_angle_deg": signed_angle_about_deg(body.forward, horizontal, ground_up)
        if float(np.linalg.norm(horizontal)) > 0.05 * body.leg_length_m
        else None,
        "leg_length_m": body.leg_length_m,
    }


def hand_distance_m(horizontal: np.ndarray, forward: np.ndarray) -> float:
    """The hands' horizontal distance in front of the mid-ankle (metres) from its horizontal offset.

    Where the person's forward direction lies across the image (|forward x| >= IMAGE_REACH_MIN_ACROSS)
    it is the offset's image x divided by that share (the reach taken along the forward direction);
    otherwise the offset's 3D length, depth included (see `metric_confidences`: not trusted for the reach rule).
    """
    across = abs(float(forward[0]))
    if across >= IMAGE_REACH_MIN_ACROSS:
        return abs(float(horizontal[0])) / across
    return float(np.linalg.norm(horizontal))
