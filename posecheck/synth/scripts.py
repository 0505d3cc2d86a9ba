"""Motion scripts: PoseParams as smooth functions of time (seconds), with the flags a checker must raise."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from posecheck.synth.skeleton import BOX, PoseParams

BEND_AT_WAIST = "bend_at_waist"
TWIST_UNDER_LOAD = "twist_under_load"
PROLONGED_FLEXION = "prolonged_flexion"

CARRY_GRIP_M = (0.32, 1.0, 0.0)
"""Where the hands hold the box when carrying it at the waist (body frame, metres)."""


@dataclass(frozen=True)
class MotionScript:
    """A named motion: `pose_at(time_s)` for 0 ≤ time_s ≤ duration_s, and its expected rule flags."""

    name: str
    description: str
    duration_s: float
    pose_at: Callable[[float], PoseParams]
    expected_flags: frozenset[str]
    ambiguous: bool = False


def smooth_ramp(time_s: float, start_s: float, end_s: float) -> float:
    """0 before start_s, 1 after end_s, a cosine ease in between."""
    if time_s <= start_s:
        return 0.0
    if time_s >= end_s:
        return 1.0
    return 0.5 - 0.5 * math.cos(math.pi * (time_s - start_s) / (end_s - start_s))


def _lerp(start: float, end: float, weight: float) -> float:
    return start + (end - start) * weight


def _lerp_point(
    start: tuple[float, float, float], end: tuple[float, float, float], weight: float
) -> tuple[float, float, float]:
    return (_lerp(start[0], end[0], weight), _lerp(start[1], end[1], weight), _lerp(start[2], end[2], weight))


@dataclass(frozen=True)
class LiftShape:
    """The bottom posture of a lift (degrees), the stance (m) and where the box rests (body frame, m)."""

    knee_flexion_deg: float
    trunk_flexion_deg: float
    stance_width_m: float
    box_rest_m: tuple[float, float, float]


def _lift(shape: LiftShape) -> Callable[[float], PoseParams]:
    """Stand, descend (0.8-2.3 s), grab (2.7 s), rise with the box to the waist (3.1-4.7 s), stand."""
    rest_x, rest_y, rest_z = shape.box_rest_m
    floor_grip = (rest_x, rest_y + BOX.grip_height_m, rest_z)

    def pose_at(time_s: float) -> PoseParams:
        down = smooth_ramp(time_s, 0.8, 2.3) - smooth_ramp(time_s, 3.1, 4.7)
        held = time_s >= 2.7
        return PoseParams(
            knee_flexion_deg=_lerp(3.0, shape.knee_flexion_deg, down),
            trunk_flexion_deg=_lerp(2.0, shape.trunk_flexion_deg, down),
            stance_width_m=shape.stance_width_m,
            grip_point_m=_lerp_point(floor_grip, CARRY_GRIP_M, smooth_ramp(time_s, 3.1, 4.7)),
            reach_fraction=smooth_ramp(time_s, 1.1, 2.5),
            load_held=held,
            box_rest_m=shape.box_rest_m,
        )

    return pose_at


def _twist_carry(time_s: float) -> PoseParams:
    """Hold the box at the waist; twist the shoulders 45° to the left and back, pelvis and feet fixed."""
    twist = 45.0 * (smooth_ramp(time_s, 1.0, 2.5) - smooth_ramp(time_s, 3.5, 5.0))
    return PoseParams(
        knee_flexion_deg=5.0, trunk_flexion_deg=3.0, torso_twist_deg=twist, grip_point_m=CARRY_GRIP_M, load_held=True
    )


def _pivot_carry(time_s: float) -> PoseParams:
    """Hold the box at the waist and turn the whole body 75° to the left on the feet, no twist."""
    yaw = 75.0 * smooth_ramp(time_s, 1.0, 4.0)
    return PoseParams(
        knee_flexion_deg=5.0, trunk_flexion_deg=3.0, body_yaw_deg=yaw, grip_point_m=CARRY_GRIP_M, load_held=True
    )


def _stand_still(time_s: float) -> PoseParams:
    """Standing, hands at the sides, a slight natural sway (about ±1.5° forward, ±1° sideways)."""
    return PoseParams(
        knee_flexion_deg=3.0 + 1.0 * math.sin(2.0 * math.pi * 0.21 * time_s),
        trunk_flexion_deg=2.0 + 1.5 * math.sin(2.0 * math.pi * 0.25 * time_s),
        lateral_bend_deg=1.0 * math.sin(2.0 * math.pi * 0.17 * time_s + 1.0),
    )


def _stooped_hold(time_s: float) -> PoseParams:
    """Bend the trunk to 48° (knees 8°) in 1.5 s, hold it 25 s, straighten up; no load."""
    bent = smooth_ramp(time_s, 1.0, 2.5) - smooth_ramp(time_s, 27.5, 29.0)
    return PoseParams(knee_flexion_deg=_lerp(3.0, 8.0, bent), trunk_flexion_deg=_lerp(2.0, 48.0, bent))


SCRIPTS: dict[str, MotionScript] = {
    script.name: script
    for script in (
        MotionScript(
            "squat-lift",
            "squat (knees 100°, trunk 35°), lift a box from the floor to the waist",
            6.0,
            _lift(LiftShape(100.0, 35.0, 0.50, (0.27, 0.0, 0.0))),
            frozenset(),
        ),
        MotionScript(
            "stoop-lift",
            "stoop (knees 12°, trunk 80°), lift a box from the floor to the waist",
            6.0,
            _lift(LiftShape(12.0, 80.0, 0.30, (0.36, 0.0, 0.0))),
            frozenset({BEND_AT_WAIST}),
        ),
        MotionScript(
            "semi-squat",
            "semi-squat (knees 45°, trunk 50°), lift a box from a low platform",
            6.0,
            _lift(LiftShape(45.0, 50.0, 0.40, (0.36, 0.18, 0.0))),
            frozenset(),
            ambiguous=True,
        ),
        MotionScript(
            "twist-carry",
            "hold a box at the waist, twist the torso 45° left and back, feet planted",
            6.0,
            _twist_carry,
            frozenset({TWIST_UNDER_LOAD}),
        ),
        MotionScript(
            "pivot-carry",
            "hold a box at the waist, turn the whole body 75° on the feet, no twist",
            6.0,
            _pivot_carry,
            frozenset(),
        ),
        MotionScript(
            "stand-still", "stand with the hands at the sides, slight natural sway", 5.0, _stand_still, frozenset()
        ),
        MotionScript(
            "stooped-hold",
            "trunk flexed 48° with straight-ish knees held for 25 s, no load",
            30.0,
            _stooped_hold,
            frozenset({PROLONGED_FLEXION}),
        ),
    )
}
"""All motion scripts by name."""


def get_script(name: str) -> MotionScript:
    """The motion script called `name`; KeyError listing the known names otherwise."""
    try:
        return SCRIPTS[name]
    except KeyError:
        raise KeyError(f"unknown script {name!r}; known: {', '.join(SCRIPTS)}") from None
