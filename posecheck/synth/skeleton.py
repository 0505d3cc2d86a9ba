"""Kinematic skeleton of the synthetic lifter: PoseParams → 33 BlazePose joints + measured ground truth.

World frame: metres, y up, floor at y=0. At body yaw 0 the person stands at the origin (mid-ankle)
facing +x; +z is the person's left. Positive angles turn toward the person's left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posecheck.landmarks import NUM_LANDMARKS, Landmark
from posecheck.synth.geometry import (
    UP,
    angle_deg,
    interior_angle_deg,
    reject,
    rotate,
    turn_left,
    unit,
)

FORWARD = np.array([1.0, 0.0, 0.0])
LEFT = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class BodyDimensions:
    """Segment lengths (metres) of an adult of about 1.75 m stature."""

    ankle_height_m: float = 0.08
    shin_m: float = 0.43
    thigh_m: float = 0.43
    hip_half_width_m: float = 0.095
    trunk_m: float = 0.50
    shoulder_half_width_m: float = 0.19
    upper_arm_m: float = 0.31
    forearm_m: float = 0.26
    head_center_above_neck_m: float = 0.19
    toe_out_deg: float = 8.0


@dataclass(frozen=True)
class BoxShape:
    """The load: `width_m` across the lifter, `depth_m` front to back, gripped at `grip_height_m` above
    its bottom. `kind` "box" is a cuboid; "barbell" is a bar `width_m` long through the centres of two
    plates `height_m` (= `depth_m`) across, gripped on the bar `grip_half_spread_m` either side of the middle."""

    width_m: float = 0.34
    depth_m: float = 0.30
    height_m: float = 0.52
    grip_height_m: float = 0.46
    kind: str = "box"
    grip_half_spread_m: float = 0.0


@dataclass(frozen=True)
class Grip:
    """Where the hands hold the load: each hand (wrist) and the load's centre relative to the grip point
    (the midpoint of the wrists), metres along the load's axes (forward, up, left)."""

    left_hand_m: tuple[float, float, float]
    right_hand_m: tuple[float, float, float]
    load_center_m: tuple[float, float, float]


DIMENSIONS = BodyDimensions()
BOX = BoxShape()
LOADS: dict[str, BoxShape] = {
    "small": BoxShape(width_m=0.26, depth_m=0.22, height_m=0.20, grip_height_m=0.15),
    "medium": BOX,
    "large": BoxShape(width_m=0.46, depth_m=0.38, height_m=0.52, grip_height_m=0.46),
    "barbell": BoxShape(width_m=2.0, depth_m=0.45, height_m=0.45, grip_height_m=0.225, kind="barbell",
                        grip_half_spread_m=0.26),
}
"""The loads by name: three boxes and a barbell with 45 cm plates."""
PLATE_HALF_SPAN_M = (0.5, 0.62)
"""Inner and outer faces of a barbell's plates, metres from the middle of the bar along it."""


def side_grip(load: BoxShape) -> Grip:
    """Hands on both sides of the load at its grip height (a box's sides, a bar outside the legs)."""
    half = load.grip_half_spread_m if load.kind == "barbell" else load.width_m / 2.0 + 0.03
    return Grip((0.0, 0.0, half), (0.0, 0.0, -half), (0.0, load.height_m / 2.0 - load.grip_height_m, 0.0))


def blend_grips(start: Grip, end: Grip, weight: float, load: BoxShape) -> Grip:
    """The grip `weight` (0-1) of the way from `start` to `end`; a hand that would pass through a box
    on the way slides over its surface instead."""

    def mix(a: tuple[float, float, float], b: tuple[float, float, float]) -> np.ndarray:
        return np.asarray(a) + (np.asarray(b) - np.asarray(a)) * weight

    center = mix(start.load_center_m, end.load_center_m)
    hands = [mix(start.left_hand_m, end.left_hand_m), mix(start.right_hand_m, end.right_hand_m)]
    if load.kind == "box":
        half = np.array([load.depth_m, load.height_m, load.width_m]) / 2.0 + 0.02
        hands = [center + _onto_surface(hand - center, half) for hand in hands]
    return Grip(_triple(hands[0]), _triple(hands[1]), _triple(center))


def _triple(point: np.ndarray) -> tuple[float, float, float]:
    return (float(point[0]), float(point[1]), float(point[2]))


def _onto_surface(offset: np.ndarray, half: np.ndarray) -> np.ndarray:
    """A point (relative to a box's centre) pushed out through the nearest face if it lies inside."""
    depth = half - np.abs(offset)
    if np.any(depth <= 0.0):
        return offset
    axis = int(np.argmin(depth))
    pushed = offset.copy()
    pushed[axis] = math.copysign(half[axis], offset[axis] if offset[axis] != 0.0 else 1.0)
    return pushed


@dataclass(frozen=True)
class PoseParams:
    """One frame of a motion script; angles in degrees, positions in metres in the body frame.

    The body frame is the world frame before `body_yaw_deg` is applied (pivoting about the vertical
    through the mid-ankle). `grip_point_m` is where the hands hold the box (midpoint of the wrists);
    it turns with the torso twist. `grip` places each hand and the load around it (None: both hands on
    the sides of `load`). `reach_fraction` blends the hands from hanging (0) to the grip (1).
    `box_rest_m` is the bottom centre of the load while it is not held (None: no load); when it is
    above the floor the load rests on a platform that stays there. `cart_handle_m` is the middle of a
    cart's handle (None: no cart); the cart stands in front of it on the floor.
    Walking: each foot swings `step_m` forward and back of the hips at `gait_phase_rad` (the left foot
    leads at π/2, a foot lifts 7 cm while it swings forward; the hips lower so the legs reach), and the
    body with what it holds or pushes is `walk_offset_m` forward of the origin.
    """

    knee_flexion_deg: float = 0.0
    trunk_flexion_deg: float = 0.0
    torso_twist_deg: float = 0.0
    lateral_bend_deg: float = 0.0
    body_yaw_deg: float = 0.0
    stance_width_m: float = 0.30
    grip_point_m: tuple[float, float, float] | None = None
    reach_fraction: float = 0.0
    load_held: bool = False
    box_rest_m: tuple[float, float, float] | None = None
    load: BoxShape = BOX
    grip: Grip | None = None
    cart_handle_m: tuple[float, float, float] | None = None
    step_m: float = 0.0
    gait_phase_rad: float = 0.0
    walk_offset_m: float = 0.0


@dataclass(frozen=True)
class BoxPlacement:
    """Where the box is: centre (metres), axes rows (forward, up, left) and its shape."""

    center_m: np.ndarray
    axes: np.ndarray
    shape: BoxShape


@dataclass(frozen=True)
class TruthMetrics:
    """Ground truth measured from the 3D joints (degrees and metres; see the module README)."""

    trunk_flexion_deg: float
    hip_flexion_deg: float
    knee_flexion_deg: float
    torso_twist_deg: float
    lateral_bend_deg: float
    body_yaw_deg: float
    hand_height_m: float
    hand_distance_m: float
    stance_width_m: float
    elbow_flexion_deg: float


@dataclass(frozen=True)
class BodyPose:
    """A posed body in world coordinates.

    joints_m: (33, 3) BlazePose landmarks. *_axes: (3, 3) rows forward, up, left of the pelvis,
    thorax and head. box: the load, or None; platforms: what the load rests on above the floor;
    cart: the handle's middle (centre) and the cart's axes, or None.
    """

    joints_m: np.ndarray
    pelvis_axes: np.ndarray
    thorax_axes: np.ndarray
    head_axes: np.ndarray
    head_center_m: np.ndarray
    box: BoxPlacement | None
    platforms: tuple[BoxPlacement, ...]
    cart: BoxPlacement | None = None


def two_bone_ik(
    root: np.ndarray, target: np.ndarray, first_m: float, second_m: float, pole: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Middle joint and end of a two-segment chain reaching from `root` toward `target` (metres).

    The middle joint bends toward `pole`; an unreachable target leaves the chain straight toward it.
    """
    offset = target - root
    direction = unit(offset)
    reach = float(np.clip(np.linalg.norm(offset), abs(first_m - second_m) + 1e-6, first_m + second_m))
    cos_root = (first_m**2 + reach**2 - second_m**2) / (2.0 * first_m * reach)
    sin_root = math.sqrt(max(0.0, 1.0 - cos_root**2))
    bend = unit(reject(pole, direction))
    middle = root + first_m * (cos_root * direction + sin_root * bend)
    return middle, root + reach * direction


def build_body(params: PoseParams, dims: BodyDimensions = DIMENSIONS) -> BodyPose:
    """Pose the skeleton for `params`: 33 joints (metres, world frame) plus segment frames and the box."""
    joints = np.zeros((NUM_LANDMARKS, 3))
    hip_mid = _place_legs(params, dims, joints)
    trunk_axis = _trunk_axis(params.trunk_flexion_deg, params.lateral_bend_deg)
    thorax_axes = _thorax_axes(trunk_axis, params.torso_twist_deg)
    shoulder_mid = hip_mid + dims.trunk_m * trunk_axis
    for side, index in ((1.0, Landmark.LEFT_SHOULDER), (-1.0, Landmark.RIGHT_SHOULDER)):
        joints[index] = shoulder_mid + side * dims.shoulder_half_width_m * thorax_axes[2]
    head_axes, head_center = _place_head(params, dims, shoulder_mid, thorax_axes, joints)
    box = _place_arms_and_box(params, dims, hip_mid, trunk_axis, thorax_axes, joints)
    pelvis_axes = np.stack([FORWARD, UP, LEFT])
    shift = params.walk_offset_m * FORWARD
    joints += shift
    if box is not None and params.load_held:
        box = BoxPlacement(box.center_m + shift, box.axes, box.shape)
    cart = _cart(params)
    if cart is not None:
        cart = BoxPlacement(cart.center_m + shift, cart.axes, cart.shape)
    body = BodyPose(joints, pelvis_axes, thorax_axes, head_axes, head_center + shift, box, _platforms(params), cart)
    return _yawed(body, params.body_yaw_deg)


def _place_legs(params: PoseParams, dims: BodyDimensions, joints: np.ndarray) -> np.ndarray:
    """Feet flat, knees bent by exactly knee_flexion_deg; return the hip midpoint (body frame)."""
    knee_rad = math.radians(params.knee_flexion_deg)
    shin_lean_rad = math.radians(0.42 * params.knee_flexion_deg - 0.12 * params.trunk_flexion_deg)
    thigh_lean_rad = knee_rad - shin_lean_rad
    hip_forward = dims.shin_m * math.sin(shin_lean_rad) - dims.thigh_m * math.sin(thigh_lean_rad)
    hip_up = dims.shin_m * math.cos(shin_lean_rad) + dims.thigh_m * math.cos(thigh_lean_rad)
    hip_to_ankle = math.sqrt(dims.shin_m**2 + dims.thigh_m**2 + 2 * dims.shin_m * dims.thigh_m * math.cos(knee_rad))
    lateral = dims.hip_half_width_m - params.stance_width_m / 2.0
    scale = math.sqrt(max(hip_to_ankle**2 - lateral**2, 1e-9)) / hip_to_ankle
    hip_mid = np.array([hip_forward * scale, dims.ankle_height_m + hip_up * scale, 0.0])
    if params.step_m > 0.0:  # lower the hips so the legs reach the feet at the longest step
        straight = math.cos(math.radians(5.0))
        longest = math.sqrt(dims.shin_m**2 + dims.thigh_m**2 + 2 * dims.shin_m * dims.thigh_m * straight)
        ahead = params.step_m + abs(hip_mid[0])
        reach_up = math.sqrt(max(longest**2 - ahead**2 - lateral**2, 1e-9))
        hip_mid[1] = min(hip_mid[1], dims.ankle_height_m + reach_up)
    legs = (
        (1.0, Landmark.LEFT_HIP, Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX),
        (
            -1.0,
            Landmark.RIGHT_HIP,
            Landmark.RIGHT_KNEE,
            Landmark.RIGHT_ANKLE,
            Landmark.RIGHT_HEEL,
            Landmark.RIGHT_FOOT_INDEX,
        ),
    )
    for side, hip, knee, ankle, heel, toe in legs:
        joints[hip] = hip_mid + side * dims.hip_half_width_m * LEFT
        joints[ankle] = np.array([0.0, dims.ankle_height_m, side * params.stance_width_m / 2.0])
        if params.step_m > 0.0:
            joints[ankle] += _step_offset(side, params.step_m, params.gait_phase_rad)
        foot_forward = turn_left(FORWARD, UP, side * dims.toe_out_deg)
        joints[knee], _ = two_bone_ik(joints[hip], joints[ankle], dims.thigh_m, dims.shin_m, foot_forward)
        joints[heel] = joints[ankle] - 0.065 * foot_forward - 0.055 * UP
        joints[toe] = joints[ankle] + 0.165 * foot_forward - 0.055 * UP
    return hip_mid


def _step_offset(side: float, step_m: float, phase_rad: float) -> np.ndarray:
    """Where a walking foot is relative to standing (m): side +1 left, -1 right; lifted while swinging forward."""
    swing = side * math.cos(phase_rad)
    return np.array([side * step_m * math.sin(phase_rad), 0.07 * max(0.0, swing), 0.0])


def _trunk_axis(trunk_flexion_deg: float, lateral_bend_deg: float) -> np.ndarray:
    """Unit hip-mid→shoulder-mid direction: flexion toward +x, lateral bend toward +z (body frame)."""
    flexion, bend = math.radians(trunk_flexion_deg), math.radians(lateral_bend_deg)
    return unit(
        np.array(
            [math.sin(flexion) * math.cos(bend), math.cos(flexion) * math.cos(bend), math.sin(bend) * math.cos(flexion)]
        )
    )


def _thorax_axes(trunk_axis: np.ndarray, torso_twist_deg: float) -> np.ndarray:
    """Rows forward, up (= trunk axis), left of the thorax, twisted toward the left by torso_twist_deg."""
    left = turn_left(unit(reject(LEFT, trunk_axis)), trunk_axis, torso_twist_deg)
    return np.stack([np.cross(trunk_axis, left), trunk_axis, left])


def _place_head(
    params: PoseParams,
    dims: BodyDimensions,
    shoulder_mid: np.ndarray,
    thorax_axes: np.ndarray,
    joints: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Head frame and centre (the neck extends a little when the trunk flexes); write the face joints."""
    extension_rad = math.radians(0.3 * max(params.trunk_flexion_deg, 0.0))
    left = thorax_axes[2]
    head_axes = np.stack(
        [rotate(thorax_axes[0], left, extension_rad), rotate(thorax_axes[1], left, extension_rad), left]
    )
    neck = shoulder_mid + 0.02 * thorax_axes[1]
    head_center = neck + dims.head_center_above_neck_m * head_axes[1] + 0.015 * head_axes[0]
    for index, (forward, up, leftward) in FACE_OFFSETS_M.items():
        joints[index] = head_center + forward * head_axes[0] + up * head_axes[1] + leftward * head_axes[2]
    return head_axes, head_center


FACE_OFFSETS_M: dict[Landmark, tuple[float, float, float]] = {
    Landmark.NOSE: (0.106, -0.015, 0.0),
    Landmark.LEFT_EYE_INNER: (0.086, 0.02, 0.017),
    Landmark.LEFT_EYE: (0.083, 0.02, 0.032),
    Landmark.LEFT_EYE_OUTER: (0.077, 0.02, 0.046),
    Landmark.RIGHT_EYE_INNER: (0.086, 0.02, -0.017),
    Landmark.RIGHT_EYE: (0.083, 0.02, -0.032),
    Landmark.RIGHT_EYE_OUTER: (0.077, 0.02, -0.046),
    Landmark.LEFT_EAR: (-0.005, 0.0, 0.078),
    Landmark.RIGHT_EAR: (-0.005, 0.0, -0.078),
    Landmark.MOUTH_LEFT: (0.08, -0.052, 0.024),
    Landmark.MOUTH_RIGHT: (0.08, -0.052, -0.024),
}
"""Face landmarks in the head frame (forward, up, left), metres from the head centre."""


def _place_arms_and_box(
    params: PoseParams,
    dims: BodyDimensions,
    hip_mid: np.ndarray,
    trunk_axis: np.ndarray,
    thorax_axes: np.ndarray,
    joints: np.ndarray,
) -> BoxPlacement | None:
    """Arms by two-bone IK toward blended hanging/grip targets; return the box (following the hands if held)."""
    box_axes = _box_axes(thorax_axes if params.load_held else np.stack([FORWARD, UP, LEFT]))
    grip_layout = params.grip or side_grip(params.load)
    grip = None
    if params.grip_point_m is not None:
        grip = hip_mid + turn_left(np.asarray(params.grip_point_m) - hip_mid, trunk_axis, params.torso_twist_deg)
    reach = 1.0 if params.load_held else params.reach_fraction
    arms = (
        (1.0, Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST, grip_layout.left_hand_m),
        (-1.0, Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST, grip_layout.right_hand_m),
    )
    for side, shoulder, elbow, wrist, hand_offset in arms:
        outward = side * thorax_axes[2]
        target = _hanging_wrist(joints[shoulder], outward, thorax_axes[0], dims)
        if grip is not None and reach > 0.0:
            grip_target = grip + np.asarray(hand_offset) @ box_axes
            target = (1.0 - reach) * target + reach * grip_target
        pole = unit(-thorax_axes[0] + 0.8 * outward - 0.3 * UP)
        joints[elbow], joints[wrist] = two_bone_ik(joints[shoulder], target, dims.upper_arm_m, dims.forearm_m, pole)
        _place_hand(side, joints, elbow, wrist, thorax_axes)
    return _place_box(params, joints, box_axes, grip_layout)


def _hanging_wrist(shoulder: np.ndarray, outward: np.ndarray, forward: np.ndarray, dims: BodyDimensions) -> np.ndarray:
    """Wrist of an arm hanging under gravity, slightly abducted, elbow bent 15° forward (metres)."""
    upper_dir = unit(-UP + 0.12 * outward)
    bend_dir = unit(reject(forward, upper_dir))
    fore_dir = math.cos(math.radians(15.0)) * upper_dir + math.sin(math.radians(15.0)) * bend_dir
    return shoulder + dims.upper_arm_m * upper_dir + dims.forearm_m * fore_dir


def _place_hand(side: float, joints: np.ndarray, elbow: int, wrist: int, thorax_axes: np.ndarray) -> None:
    """Pinky, index and thumb joints of a hand continuing the forearm, thumb toward the front."""
    hand_dir = unit(joints[wrist] - joints[elbow])
    thumb_ref = reject(thorax_axes[0] + 0.5 * thorax_axes[1], hand_dir)
    if np.linalg.norm(thumb_ref) < 1e-3:
        thumb_ref = reject(thorax_axes[1], hand_dir)
    thumb_dir = unit(thumb_ref)
    pinky, index, thumb = (
        (Landmark.LEFT_PINKY, Landmark.LEFT_INDEX, Landmark.LEFT_THUMB)
        if side > 0
        else (Landmark.RIGHT_PINKY, Landmark.RIGHT_INDEX, Landmark.RIGHT_THUMB)
    )
    joints[index] = joints[wrist] + 0.085 * hand_dir + 0.02 * thumb_dir
    joints[pinky] = joints[wrist] + 0.075 * hand_dir - 0.025 * thumb_dir
    joints[thumb] = joints[wrist] + 0.045 * hand_dir + 0.045 * thumb_dir


def _box_axes(reference_axes: np.ndarray) -> np.ndarray:
    """Upright box axes whose forward is the horizontal part of the reference forward."""
    forward = unit(reject(reference_axes[0], UP)) if abs(reference_axes[0][1]) < 0.99 else FORWARD
    return np.stack([forward, UP, np.cross(forward, UP)])


def _place_box(params: PoseParams, joints: np.ndarray, box_axes: np.ndarray, grip: Grip) -> BoxPlacement | None:
    """The load where the grip puts it around the wrists when held, else resting at box_rest_m; None without one."""
    if params.load_held:
        wrist_mid = (joints[Landmark.LEFT_WRIST] + joints[Landmark.RIGHT_WRIST]) / 2.0
        center = wrist_mid + np.asarray(grip.load_center_m) @ box_axes
    elif params.box_rest_m is not None:
        center = np.asarray(params.box_rest_m, float) + params.load.height_m / 2.0 * UP
    else:
        return None
    return BoxPlacement(center_m=center, axes=box_axes, shape=params.load)


def _platforms(params: PoseParams) -> tuple[BoxPlacement, ...]:
    """A low platform under a box resting above the floor (two blocks under a barbell's plates)."""
    if params.box_rest_m is None or params.box_rest_m[1] <= 0.0:
        return ()
    height, load = params.box_rest_m[1], params.load
    center = np.asarray(params.box_rest_m, float) - height / 2.0 * UP
    axes = np.stack([FORWARD, UP, LEFT])
    if load.kind != "barbell":
        shape = BoxShape(width_m=load.width_m + 0.08, depth_m=load.depth_m + 0.08, height_m=height, grip_height_m=0.0)
        return (BoxPlacement(center_m=center, axes=axes, shape=shape),)
    block = BoxShape(width_m=0.2, depth_m=0.3, height_m=height, grip_height_m=0.0)
    middle = sum(PLATE_HALF_SPAN_M) / 2.0
    return tuple(BoxPlacement(center + side * middle * LEFT, axes, block) for side in (1.0, -1.0))


CART = BoxShape(width_m=0.56, depth_m=0.85, height_m=0.78, grip_height_m=0.78, kind="cart")
"""A platform cart: the handle 0.56 m wide, the deck 0.85 m long in front of it."""


def _cart(params: PoseParams) -> BoxPlacement | None:
    """The cart whose handle's middle is at cart_handle_m (body frame), None without a cart."""
    if params.cart_handle_m is None:
        return None
    return BoxPlacement(np.asarray(params.cart_handle_m, float), np.stack([FORWARD, UP, LEFT]), CART)


def _yawed(body: BodyPose, body_yaw_deg: float) -> BodyPose:
    """The body pivoted about the vertical through the origin (mid-ankle) by body_yaw_deg."""

    def turn(vectors: np.ndarray) -> np.ndarray:
        return np.array([turn_left(v, UP, body_yaw_deg) for v in np.atleast_2d(vectors)]).reshape(vectors.shape)

    def turn_box(box: BoxPlacement | None) -> BoxPlacement | None:
        return None if box is None else BoxPlacement(turn(box.center_m), turn(box.axes), box.shape)

    return BodyPose(
        joints_m=turn(body.joints_m),
        pelvis_axes=turn(body.pelvis_axes),
        thorax_axes=turn(body.thorax_axes),
        head_axes=turn(body.head_axes),
        head_center_m=turn(body.head_center_m),
        box=turn_box(body.box),
        platforms=tuple(turn_box(platform) for platform in body.platforms),
        cart=turn_box(body.cart),
    )


def measure_metrics(joints_m: np.ndarray) -> TruthMetrics:
    """Measure the ground-truth angles (degrees) and distances (metres) from 33 world joints (y up)."""
    hip_mid = (joints_m[Landmark.LEFT_HIP] + joints_m[Landmark.RIGHT_HIP]) / 2.0
    shoulder_mid = (joints_m[Landmark.LEFT_SHOULDER] + joints_m[Landmark.RIGHT_SHOULDER]) / 2.0
    knee_mid = (joints_m[Landmark.LEFT_KNEE] + joints_m[Landmark.RIGHT_KNEE]) / 2.0
    ankle_mid = (joints_m[Landmark.LEFT_ANKLE] + joints_m[Landmark.RIGHT_ANKLE]) / 2.0
    wrist_mid = (joints_m[Landmark.LEFT_WRIST] + joints_m[Landmark.RIGHT_WRIST]) / 2.0
    hip_line = joints_m[Landmark.LEFT_HIP] - joints_m[Landmark.RIGHT_HIP]
    pelvis_left = unit(reject(hip_line, UP))
    pelvis_forward = np.cross(UP, pelvis_left)
    trunk = shoulder_mid - hip_mid
    knees = [
        180.0 - interior_angle_deg(joints_m[hip], joints_m[knee], joints_m[ankle])
        for hip, knee, ankle in (
            (Landmark.LEFT_HIP, Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
            (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
        )
    ]
    return TruthMetrics(
        trunk_flexion_deg=math.copysign(angle_deg(trunk, UP), float(np.dot(trunk, pelvis_forward))),
        hip_flexion_deg=180.0 - interior_angle_deg(shoulder_mid, hip_mid, knee_mid),
        knee_flexion_deg=float(np.mean(knees)),
        torso_twist_deg=_twist_deg(joints_m, unit(trunk)),
        lateral_bend_deg=math.degrees(math.atan2(float(np.dot(trunk, pelvis_left)), float(np.dot(trunk, UP)))),
        body_yaw_deg=math.degrees(math.atan2(float(pelvis_forward[2]), float(pelvis_forward[0]))),
        hand_height_m=float(wrist_mid[1]),
        hand_distance_m=float(np.linalg.norm(reject(wrist_mid - ankle_mid, UP))),
        stance_width_m=float(np.linalg.norm(joints_m[Landmark.LEFT_ANKLE] - joints_m[Landmark.RIGHT_ANKLE])),
        elbow_flexion_deg=_elbow_flexion_deg(joints_m),
    )


def _elbow_flexion_deg(joints_m: np.ndarray) -> float:
    """Mean elbow flexion of both arms (degrees, 0 = straight)."""
    arms = (
        (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
        (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST),
    )
    return float(np.mean([180.0 - interior_angle_deg(joints_m[s], joints_m[e], joints_m[w]) for s, e, w in arms]))


def _twist_deg(joints_m: np.ndarray, trunk_axis: np.ndarray) -> float:
    """Signed angle (degrees) from the hip line to the shoulder line about the trunk axis; + = to the left."""
    hip_line = reject(joints_m[Landmark.LEFT_HIP] - joints_m[Landmark.RIGHT_HIP], trunk_axis)
    shoulder_line = reject(joints_m[Landmark.LEFT_SHOULDER] - joints_m[Landmark.RIGHT_SHOULDER], trunk_axis)
    return math.degrees(
        math.atan2(float(np.dot(np.cross(shoulder_line, hip_line), trunk_axis)), float(np.dot(shoulder_line, hip_line)))
    )
