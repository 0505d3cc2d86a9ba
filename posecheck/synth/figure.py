"""The mannequin's look: posed joints → shaded primitives (head with face, torso, limbs, hands, shoes, the
load: a box or a barbell, what it rests on, a cart) and objects on the floor in front of the shins."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecheck.landmarks import Landmark as Lm
from posecheck.synth.geometry import UP, reject, unit
from posecheck.synth.primitives import Capsule, Color, Cuboid, Cylinder, Ellipsoid, Primitive, sphere
from posecheck.synth.skeleton import PLATE_HALF_SPAN_M, BodyPose, BoxPlacement


@dataclass(frozen=True)
class Appearance:
    """Colours (RGB 0-255) of the mannequin and its load."""

    skin: Color = (222, 170, 136)
    hair: Color = (58, 40, 30)
    shirt: Color = (52, 92, 168)
    trousers: Color = (48, 52, 64)
    shoes: Color = (235, 235, 230)
    box: Color = (186, 142, 92)
    platform: Color = (110, 84, 60)
    metal: Color = (150, 154, 160)
    plate: Color = (34, 34, 38)
    crate: Color = (196, 72, 40)


EYE_WHITE: Color = (245, 245, 245)
IRIS: Color = (35, 30, 30)
LIPS: Color = (150, 70, 70)


def build_figure(body: BodyPose, look: Appearance) -> list[Primitive]:
    """All primitives of the posed figure, its box and platform (world metres)."""
    return [
        *_head(body, look),
        *_torso(body, look),
        *_arm(body, look, Lm.LEFT_SHOULDER, Lm.LEFT_ELBOW, Lm.LEFT_WRIST, Lm.LEFT_INDEX, Lm.LEFT_THUMB),
        *_arm(body, look, Lm.RIGHT_SHOULDER, Lm.RIGHT_ELBOW, Lm.RIGHT_WRIST, Lm.RIGHT_INDEX, Lm.RIGHT_THUMB),
        *_leg(body, look, Lm.LEFT_HIP, Lm.LEFT_KNEE, Lm.LEFT_ANKLE, Lm.LEFT_HEEL, Lm.LEFT_FOOT_INDEX),
        *_leg(body, look, Lm.RIGHT_HIP, Lm.RIGHT_KNEE, Lm.RIGHT_ANKLE, Lm.RIGHT_HEEL, Lm.RIGHT_FOOT_INDEX),
        *_load(body.box, look),
        *[part for platform in body.platforms for part in _cuboids(platform, look.platform)],
        *_cart(body.cart, look),
    ]


def _in_frame(center: np.ndarray, axes: np.ndarray, offset: tuple[float, float, float]) -> np.ndarray:
    """World point at (forward, up, left) metres from `center` in the frame `axes`."""
    return center + np.asarray(offset) @ axes


def _head(body: BodyPose, look: Appearance) -> list[Primitive]:
    """Skull, jaw, hair cap, ears, eyes (white + iris), eyebrows, nose and mouth."""
    center, axes, joints = body.head_center_m, body.head_axes, body.joints_m

    def at(forward: float, up: float, left: float) -> np.ndarray:
        return _in_frame(center, axes, (forward, up, left))

    parts: list[Primitive] = [
        Ellipsoid(at(0.0, 0.01, 0.0), axes, np.array([0.098, 0.115, 0.078]), look.skin),
        sphere(at(0.02, -0.065, 0.0), 0.06, look.skin),
        Ellipsoid(at(-0.018, 0.028, 0.0), axes, np.array([0.104, 0.118, 0.084]), look.hair),
        Capsule(at(0.094, 0.012, 0.0), joints[Lm.NOSE] - 0.008 * axes[0], 0.012, look.skin),
        Capsule(joints[Lm.MOUTH_LEFT], joints[Lm.MOUTH_RIGHT], 0.007, LIPS),
    ]
    for side, eye, ear in ((1.0, Lm.LEFT_EYE, Lm.LEFT_EAR), (-1.0, Lm.RIGHT_EYE, Lm.RIGHT_EAR)):
        parts += [
            sphere(joints[eye] - 0.004 * axes[0], 0.012, EYE_WHITE),
            sphere(joints[eye] + 0.0075 * axes[0], 0.0062, IRIS),
            Capsule(at(0.085, 0.043, side * 0.017), at(0.077, 0.046, side * 0.05), 0.0055, look.hair),
            Ellipsoid(joints[ear], axes, np.array([0.022, 0.03, 0.014]), look.skin),
        ]
    return parts


def _torso(body: BodyPose, look: Appearance) -> list[Primitive]:
    """Neck, chest, abdomen, pelvis and the shoulder line."""
    joints, thorax = body.joints_m, body.thorax_axes
    hip_mid = (joints[Lm.LEFT_HIP] + joints[Lm.RIGHT_HIP]) / 2.0
    shoulder_mid = (joints[Lm.LEFT_SHOULDER] + joints[Lm.RIGHT_SHOULDER]) / 2.0
    trunk = shoulder_mid - hip_mid
    pelvis_up = unit(body.pelvis_axes[1] + unit(trunk))
    pelvis_axes = np.stack([np.cross(pelvis_up, body.pelvis_axes[2]), pelvis_up, body.pelvis_axes[2]])
    return [
        Capsule(shoulder_mid, body.head_center_m - 0.07 * body.head_axes[1], 0.05, look.skin),
        Ellipsoid(hip_mid + 0.67 * trunk, thorax, np.array([0.115, 0.2, 0.17]), look.shirt),
        Ellipsoid(hip_mid + 0.36 * trunk, thorax, np.array([0.105, 0.17, 0.15]), look.shirt),
        Ellipsoid(hip_mid + 0.06 * pelvis_up, pelvis_axes, np.array([0.11, 0.12, 0.165]), look.trousers),
        Capsule(joints[Lm.LEFT_SHOULDER], joints[Lm.RIGHT_SHOULDER], 0.06, look.shirt),
    ]


def _arm(body: BodyPose, look: Appearance, shoulder: Lm, elbow: Lm, wrist: Lm, index: Lm, thumb: Lm) -> list[Primitive]:
    """Short sleeve, upper arm, forearm and a mitten hand with a thumb."""
    joints = body.joints_m
    sleeve_end = joints[shoulder] + 0.55 * (joints[elbow] - joints[shoulder])
    hand_dir = unit(joints[index] - joints[wrist])
    thumb_dir = unit(reject(joints[thumb] - joints[wrist], hand_dir))
    hand_axes = np.stack([hand_dir, thumb_dir, np.cross(hand_dir, thumb_dir)])
    return [
        Capsule(joints[shoulder], sleeve_end, 0.055, look.shirt),
        Capsule(joints[shoulder], joints[elbow], 0.043, look.skin),
        Capsule(joints[elbow], joints[wrist], 0.034, look.skin),
        Ellipsoid(joints[wrist] + 0.075 * hand_dir, hand_axes, np.array([0.085, 0.042, 0.02]), look.skin),
        Capsule(joints[wrist] + 0.02 * hand_dir + 0.02 * thumb_dir, joints[thumb] + 0.02 * hand_dir, 0.012, look.skin),
    ]


def _leg(body: BodyPose, look: Appearance, hip: Lm, knee: Lm, ankle: Lm, heel: Lm, toe: Lm) -> list[Primitive]:
    """Tapered thigh and shin (trousers) and a shoe."""
    joints = body.joints_m
    mid_thigh = (joints[hip] + joints[knee]) / 2.0
    mid_shin = (joints[knee] + joints[ankle]) / 2.0
    foot_dir = unit(reject(joints[toe] - joints[heel], UP))
    foot_axes = np.stack([foot_dir, UP, np.cross(foot_dir, UP)])
    shoe_center = (joints[heel] + joints[toe]) / 2.0 + np.array([0.0, 0.045 - joints[heel][1], 0.0])
    return [
        Capsule(joints[hip], mid_thigh, 0.08, look.trousers),
        Capsule(mid_thigh, joints[knee], 0.064, look.trousers),
        Capsule(joints[knee], mid_shin, 0.056, look.trousers),
        Capsule(mid_shin, joints[ankle], 0.046, look.trousers),
        Ellipsoid(shoe_center + 0.01 * foot_dir, foot_axes, np.array([0.14, 0.045, 0.052]), look.shoes),
    ]


def _cuboids(placement: BoxPlacement | None, color: Color) -> list[Primitive]:
    """The box (or platform) as an oriented cuboid, nothing when absent."""
    if placement is None:
        return []
    shape = placement.shape
    half = np.array([shape.depth_m, shape.height_m, shape.width_m]) / 2.0
    return [Cuboid(placement.center_m, placement.axes, half, color)]


def _load(placement: BoxPlacement | None, look: Appearance) -> list[Primitive]:
    """The load: a box, or a barbell (bar, sleeves and two plates); nothing when absent."""
    if placement is None or placement.shape.kind != "barbell":
        return _cuboids(placement, look.box)
    center, along = placement.center_m, placement.axes[2]
    radius = placement.shape.height_m / 2.0
    inner, outer = PLATE_HALF_SPAN_M
    parts: list[Primitive] = [
        Capsule(center - placement.shape.width_m / 2.0 * along, center + placement.shape.width_m / 2.0 * along,
                0.016, look.metal)
    ]
    for side in (1.0, -1.0):
        parts.append(Cylinder(center + side * inner * along, center + side * outer * along, radius, look.plate))
        parts.append(Cylinder(center + side * outer * along, center + side * (outer + 0.02) * along, 0.03, look.metal))
    return parts


def _cart(placement: BoxPlacement | None, look: Appearance) -> list[Primitive]:
    """A platform cart behind its handle (at `center_m`): handle, two uprights, deck, four wheels, a crate."""
    if placement is None:
        return []
    handle, axes, shape = placement.center_m, placement.axes, placement.shape
    forward, left = axes[0], axes[2]
    deck_height, wheel_radius = 0.24, 0.075
    deck_center = handle + (0.12 + shape.depth_m / 2.0) * forward
    deck_center = deck_center + (deck_height - 0.02 - deck_center @ UP) * UP
    parts: list[Primitive] = [Capsule(handle - shape.width_m / 2.0 * left, handle + shape.width_m / 2.0 * left,
                                      0.016, look.metal)]
    for side in (1.0, -1.0):
        top = handle + side * shape.width_m / 2.0 * left
        foot = deck_center - shape.depth_m / 2.0 * forward + side * (shape.width_m / 2.0 - 0.02) * left
        parts.append(Capsule(top, foot, 0.014, look.metal))
        for end in (-1.0, 1.0):
            hub = deck_center + end * (shape.depth_m / 2.0 - 0.1) * forward + side * (shape.width_m / 2.0 - 0.06) * left
            hub = hub + (wheel_radius - hub @ UP) * UP
            parts.append(Cylinder(hub - 0.02 * left, hub + 0.02 * left, wheel_radius, look.plate))
    half_deck = np.array([shape.depth_m / 2.0, 0.02, shape.width_m / 2.0])
    parts.append(Cuboid(deck_center, axes, half_deck, look.metal))
    crate_center = deck_center + 0.1 * forward + (0.02 + 0.16) * UP
    parts.append(Cuboid(crate_center, axes, np.array([0.22, 0.16, 0.2]), look.crate))
    return parts


OCCLUDERS = ("plate", "crate")
"""Objects that can stand on the floor between the camera and the shins."""


def occluder(kind: str, toward_camera: np.ndarray, keep_clear: BoxPlacement | None, look: Appearance) -> Primitive:
    """A barbell plate (45 cm, standing on its rim, facing the camera) or a crate (50 × 40 × 45 cm) on the
    floor about 0.3 m from the mid-ankle (the origin) toward the camera (horizontal unit vector), moved
    further out until it clears the footprint of `keep_clear` (a resting load)."""
    if kind not in OCCLUDERS:
        raise ValueError(f"unknown occluder {kind!r}; known: {', '.join(OCCLUDERS)}")
    across = np.cross(UP, toward_camera)
    half_depth, half_width = (0.03, 0.225) if kind == "plate" else (0.2, 0.25)
    distance = 0.3 + half_depth
    while keep_clear is not None and _footprints_overlap(distance * toward_camera, toward_camera, across,
                                                        (half_depth, half_width), keep_clear):
        distance += 0.02
    center = distance * toward_camera
    if kind == "plate":
        hub = center + 0.225 * UP
        return Cylinder(hub - 0.025 * toward_camera, hub + 0.025 * toward_camera, 0.225, look.plate)
    axes = np.stack([toward_camera, UP, across])
    return Cuboid(center + 0.225 * UP, axes, np.array([half_depth, 0.225, half_width]), look.crate)


def _footprints_overlap(
    center: np.ndarray, depth_dir: np.ndarray, width_dir: np.ndarray, half: tuple[float, float], other: BoxPlacement
) -> bool:
    """Whether a floor rectangle (centre, directions, half sizes in m) meets another placement's footprint."""
    other_half = np.array([other.shape.depth_m, other.shape.width_m]) / 2.0 + 0.03
    if other.shape.kind == "barbell":
        other_half[1] = PLATE_HALF_SPAN_M[1] + 0.03
    grid = np.linspace(-1.0, 1.0, 9)
    points = [center + a * half[0] * depth_dir + b * half[1] * width_dir for a in grid for b in grid]
    local = np.array([[(p - other.center_m) @ other.axes[0], (p - other.center_m) @ other.axes[2]] for p in points])
    return bool(np.any(np.all(np.abs(local) <= other_half, axis=1)))
