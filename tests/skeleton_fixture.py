"""Hand-built 33-landmark poses with known angles, seen by an orthographic camera at any yaw."""

from __future__ import annotations

import math

import numpy as np

from posecheck.landmarks import Landmark as L
from posecheck.pose import PoseFrame

PX_PER_M = 200.0
SHIN_M, THIGH_M, TRUNK_M = 0.45, 0.45, 0.5


def _rotate(vector: np.ndarray, axis: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rodrigues rotation of `vector` about unit `axis` by `angle_deg` (right-hand rule)."""
    k = axis / np.linalg.norm(axis)
    a = math.radians(angle_deg)
    return vector * math.cos(a) + np.cross(k, vector) * math.sin(a) + k * np.dot(k, vector) * (1 - math.cos(a))


def body_landmarks(
    trunk_flexion_deg: float = 0.0,
    knee_flexion_deg: float = 0.0,
    torso_twist_deg: float = 0.0,
    hands: str = "sides",
    stance_half_width_m: float = 0.15,
) -> np.ndarray:
    """(33, 3) points, metres, right-handed, y up, person facing +x (so their left is -z), feet at y = 0."""
    p = np.zeros((33, 3))
    half_knee = math.radians(knee_flexion_deg / 2)
    for side, z in (("LEFT", -stance_half_width_m), ("RIGHT", stance_half_width_m)):
        ankle = np.array([0.0, 0.08, z])
        knee = ankle + SHIN_M * np.array([math.sin(half_knee), math.cos(half_knee), 0.0])
        hip = knee + THIGH_M * np.array([-math.sin(half_knee), math.cos(half_knee), 0.0])
        p[L[f"{side}_ANKLE"]], p[L[f"{side}_KNEE"]], p[L[f"{side}_HIP"]] = ankle, knee, hip
        p[L[f"{side}_HEEL"]] = ankle + [-0.06, -0.06, 0]
        p[L[f"{side}_FOOT_INDEX"]] = ankle + [0.15, -0.06, 0]
    hip_mid = (p[L.LEFT_HIP] + p[L.RIGHT_HIP]) / 2
    t = math.radians(trunk_flexion_deg)
    trunk_dir = np.array([math.sin(t), math.cos(t), 0.0])
    shoulder_mid = hip_mid + TRUNK_M * trunk_dir
    shoulder_half = _rotate(np.array([0.0, 0.0, -0.19]), trunk_dir, torso_twist_deg)  # toward the left
    p[L.LEFT_SHOULDER], p[L.RIGHT_SHOULDER] = shoulder_mid + shoulder_half, shoulder_mid - shoulder_half
    forward = _rotate(np.array([1.0, 0.0, 0.0]), trunk_dir, torso_twist_deg)
    for side, sign in (("LEFT", -1), ("RIGHT", 1)):
        shoulder = p[L[f"{side}_SHOULDER"]]
        if hands == "sides":
            elbow, wrist = shoulder + [0, -0.3, 0], shoulder + [0, -0.55, 0]
        else:  # holding a box in front at waist height, hands 0.4 m apart
            elbow = shoulder + [0.1, -0.28, 0]
            wrist = np.array([hip_mid[0] + 0.4, hip_mid[1] + 0.05, sign * 0.2])
        p[L[f"{side}_ELBOW"]], p[L[f"{side}_WRIST"]] = elbow, wrist
        for name in ("PINKY", "INDEX", "THUMB"):
            p[L[f"{side}_{name}"]] = wrist + [0.03, -0.05, 0]
    head = shoulder_mid + 0.22 * trunk_dir
    p[L.NOSE] = head + 0.1 * forward
    for index in range(1, 11):
        p[index] = head + 0.08 * forward + [0, 0.02, 0]
    p[L.LEFT_EAR], p[L.RIGHT_EAR] = head + shoulder_half * 0.4, head - shoulder_half * 0.4
    return p


def pose_frame(
    points: np.ndarray, camera_yaw_deg: float = 0.0, visibility: np.ndarray | None = None,
    camera_pitch_deg: float = 0.0,
) -> PoseFrame:
    """Project body points with an orthographic camera orbiting about the vertical, looking down by
    `camera_pitch_deg`.

    Yaw 0 looks at the person's right side (camera on +z), yaw 90 at their front (camera on +x).
    """
    # Camera frame: x right, y up, z toward the camera.
    rotated = np.array([
        _rotate(_rotate(point, np.array([0.0, 1.0, 0.0]), -camera_yaw_deg), np.array([1.0, 0.0, 0.0]), camera_pitch_deg)
        for point in points
    ])
    hip_mid = (rotated[L.LEFT_HIP] + rotated[L.RIGHT_HIP]) / 2
    world_mediapipe = (rotated - hip_mid) * np.array([1.0, -1.0, -1.0])
    image = np.column_stack([320 + rotated[:, 0] * PX_PER_M, 440 - rotated[:, 1] * PX_PER_M])
    return PoseFrame.from_arrays(image, world_mediapipe, visibility, width_px=640, height_px=480)
