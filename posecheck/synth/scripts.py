"""Motion scripts: PoseParams as smooth functions of time (seconds), with the flags a checker must raise.

Each script is built from a `Variation` (lift speed, carry posture, load, put-down); `SCRIPTS` holds every
script at the default variation, `get_script(name, variation)` any other. A script knows its true
pick-up and put-down times, so the load state and the lift count have exact ground truth.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from posecheck.landmarks import Landmark
from posecheck.synth.skeleton import LOADS, BoxShape, Grip, PoseParams, blend_grips, build_body, side_grip

BEND_AT_WAIST = "bend_at_waist"
TWIST_UNDER_LOAD = "twist_under_load"
PROLONGED_FLEXION = "prolonged_flexion"

CARRY_GRIP_M = (0.32, 1.0, 0.0)
"""Where the hands hold the box when carrying it at the waist (body frame, metres)."""
FLOOR_GRIP_HEIGHT_M = 0.46
"""Height of the hands when they take hold of a load to lift it (the load rests on a platform if low)."""


@dataclass(frozen=True)
class Variation:
    """How a script is performed: seconds to go down (lifts), carry posture, load, whether the load is
    put down again after a lift, and how many lifts in a row (each but the last ends with a put-down).
    Scripts ignore what they do not use (see MotionScript.varies)."""

    down_s: float = 1.5
    posture: str = "waist"
    load: str = "medium"
    put_down: bool = False
    repeats: int = 1

    def __post_init__(self) -> None:
        if not 0.2 <= self.down_s <= 5.0:
            raise ValueError(f"down_s must be between 0.2 and 5 s, got {self.down_s:g}")
        if not 1 <= self.repeats <= 10:
            raise ValueError(f"repeats must be between 1 and 10, got {self.repeats}")
        if self.posture not in POSTURES:
            raise ValueError(f"unknown carry posture {self.posture!r}; known: {', '.join(POSTURES)}")
        if self.load not in LOADS:
            raise ValueError(f"unknown load {self.load!r}; known: {', '.join(LOADS)}")
        if LOADS[self.load].kind == "barbell" and self.posture not in BARBELL_POSTURES:
            raise ValueError(f"a barbell is carried {' or '.join(BARBELL_POSTURES)}, not {self.posture!r}")


@dataclass(frozen=True)
class MotionScript:
    """A named motion: `pose_at(time_s)` for 0 ≤ time_s ≤ duration_s, and its expected rule flags.

    `pick_ups_s` / `put_downs_s` are the true times the load leaves its rest / is released onto it;
    `varies` names the Variation fields the script uses.
    """

    name: str
    description: str
    duration_s: float
    pose_at: Callable[[float], PoseParams]
    expected_flags: frozenset[str]
    ambiguous: bool = False
    pick_ups_s: tuple[float, ...] = ()
    put_downs_s: tuple[float, ...] = ()
    varies: frozenset[str] = field(default_factory=frozenset)
    variation: Variation = field(default_factory=lambda: Variation())

    @property
    def lifts(self) -> int:
        """True number of lifts: pick-ups of a resting load."""
        return len(self.pick_ups_s)


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


# ----- carry postures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CarryPosture:
    """A way of holding a load while standing: `carry(load, left_shoulder_m)` gives the grip point
    (body frame, m) and where the hands and the load sit around it, for a standing body whose left
    shoulder is at `left_shoulder_m` (body frame)."""

    name: str
    description: str
    carry: Callable[[BoxShape, np.ndarray], tuple[tuple[float, float, float], Grip]]


def _waist(load: BoxShape, _shoulder_m: np.ndarray) -> tuple[tuple[float, float, float], Grip]:
    return CARRY_GRIP_M, side_grip(load)


STRAIGHT_ARM_REACH_M = 0.5695
"""Shoulder-to-wrist distance of an arm bent 5° at the elbow (upper arm 0.31 m, forearm 0.26 m)."""


def _straight_arms(load: BoxShape, shoulder_m: np.ndarray) -> tuple[tuple[float, float, float], Grip]:
    """Arms hanging nearly straight (elbows ~5°) angled forward to hold the load in front of the thighs:
    a box low on its sides, just clear of the thighs; a bar 0.2 m in front of the ankles."""
    grip = side_grip(load)
    forward_m = 0.2 if load.kind == "barbell" else 0.23
    across = np.array([forward_m - shoulder_m[0], grip.left_hand_m[2] - shoulder_m[2]])
    drop_m = math.sqrt(STRAIGHT_ARM_REACH_M**2 - float(across @ across))
    grip_point = (forward_m, float(shoulder_m[1]) - drop_m, 0.0)
    if load.kind == "barbell":
        return grip_point, grip
    center = (load.depth_m / 2.0 - 0.12, load.height_m / 2.0 - 0.10, 0.0)
    return grip_point, Grip(grip.left_hand_m, grip.right_hand_m, center)


def _chest(load: BoxShape, _shoulder_m: np.ndarray) -> tuple[tuple[float, float, float], Grip]:
    """Elbows bent ~90°, the box hugged in front of the chest."""
    grip = side_grip(load)
    return (0.17 + load.depth_m / 2.0, 1.18, 0.0), Grip(grip.left_hand_m, grip.right_hand_m, (0.0, 0.05, 0.0))


def _hip(load: BoxShape, _shoulder_m: np.ndarray) -> tuple[tuple[float, float, float], Grip]:
    """The box on the right hip: the right hand under its front, the left hand across the body on its top."""
    center = (0.06, 0.96 + load.height_m / 2.0, -(0.16 + load.width_m / 2.0))
    right = (center[0] + load.depth_m / 2.0 - 0.04, center[1] - load.height_m / 2.0 + 0.01, center[2] - 0.02)
    left = (
        center[0] + load.depth_m / 2.0 + 0.02,
        center[1] + load.height_m / 2.0 - 0.05,
        center[2] + load.width_m / 2.0 - 0.05,
    )
    grip_point = _lerp_point(left, right, 0.5)
    return grip_point, Grip(_minus(left, grip_point), _minus(right, grip_point), _minus(center, grip_point))


def _minus(a: tuple[float, float, float], b: tuple[float, float, float]) -> tuple[float, float, float]:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


POSTURES: dict[str, CarryPosture] = {
    posture.name: posture
    for posture in (
        CarryPosture("waist", "box at the waist, elbows bent ~40°", _waist),
        CarryPosture("straight-arms", "arms nearly straight (elbows ≤ 15°), load at the thighs", _straight_arms),
        CarryPosture("chest", "box hugged at the chest, elbows bent ~90°", _chest),
        CarryPosture("hip", "box on the right hip, right arm under it, left hand on top", _hip),
    )
}
"""Carry postures by name."""
BARBELL_POSTURES = ("waist", "straight-arms")


def carry_of(variation: Variation, standing: PoseParams) -> tuple[BoxShape, tuple[float, float, float], Grip]:
    """The load, the grip point (body frame, m) and the grip of a variation's carry posture, for the
    body standing as in `standing` (its knees, trunk and stance)."""
    load = LOADS[variation.load]
    shoulder_m = build_body(replace(standing, body_yaw_deg=0.0)).joints_m[Landmark.LEFT_SHOULDER]
    grip_point, grip = POSTURES[variation.posture].carry(load, shoulder_m)
    return load, grip_point, grip


# ----- lifts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiftShape:
    """The bottom posture of a lift (degrees), the stance (m) and where the box rests (body frame, m)."""

    knee_flexion_deg: float
    trunk_flexion_deg: float
    stance_width_m: float
    box_rest_m: tuple[float, float, float]


@dataclass(frozen=True)
class LiftTimes:
    """Key times (s) of a lift at a given speed: descend, grab, rise; then optionally the put-down."""

    down_start_s: float
    down_s: float
    grab_s: float
    rise_start_s: float
    rise_s: float
    end_s: float
    put_down: bool

    @classmethod
    def for_speed(cls, down_s: float, put_down: bool) -> LiftTimes:
        """Stand 0.8 s, descend in down_s, grab 0.4 s later, rise 0.4 s after that, hold 1.3 s (or put down)."""
        grab_s = round(0.8 + down_s + 0.4, 6)
        rise_s = down_s * 16.0 / 15.0
        end_s = grab_s + 0.4 + rise_s + 1.3
        if put_down:
            end_s += down_s + 0.4 + 0.4 + rise_s + 0.2
        return cls(0.8, down_s, grab_s, grab_s + 0.4, rise_s, end_s, put_down)

    @property
    def release_s(self) -> float | None:
        """When the load is let go on its rest again (None without a put-down)."""
        return self.rise_start_s + self.rise_s + 1.0 + self.down_s + 0.4 if self.put_down else None

    def bend(self, time_s: float) -> float:
        """0 standing, 1 at the bottom of the lift (and of the put-down)."""
        up = self.rise_start_s
        bend = smooth_ramp(time_s, self.down_start_s, self.down_start_s + self.down_s)
        bend -= smooth_ramp(time_s, up, up + self.rise_s)
        if self.put_down:
            lower = up + self.rise_s + 1.0
            bend += smooth_ramp(time_s, lower, lower + self.down_s)
            rise_again = lower + self.down_s + 0.8
            bend -= smooth_ramp(time_s, rise_again, rise_again + self.rise_s)
        return bend

    def carried(self, time_s: float) -> float:
        """0 while the load is at (or being taken from / put back on) its rest, 1 at the carry position."""
        up = self.rise_start_s
        carried = smooth_ramp(time_s, up, up + self.rise_s)
        if self.put_down:
            lower = up + self.rise_s + 1.0
            carried -= smooth_ramp(time_s, lower, lower + self.down_s)
        return carried

    def reach(self, time_s: float) -> float:
        """How far the hands have gone from hanging to the grip (0-1)."""
        start = self.down_start_s + 0.2 * self.down_s
        reach = smooth_ramp(time_s, start, self.down_start_s + self.down_s + 0.2)
        if self.put_down and self.release_s is not None:
            reach -= smooth_ramp(time_s, self.release_s + 0.2, self.release_s + 0.2 + self.rise_s)
        return reach

    def held(self, time_s: float) -> bool:
        """Whether the load is in the hands."""
        return time_s >= self.grab_s and (self.release_s is None or time_s < self.release_s)


@dataclass(frozen=True)
class LiftSequence:
    """`repeats` lifts in a row: every one but the last puts the load back; times in seconds."""

    cycle: LiftTimes
    last: LiftTimes
    repeats: int

    @classmethod
    def of(cls, variation: Variation) -> LiftSequence:
        """The lift sequence a variation asks for."""
        cycle = LiftTimes.for_speed(variation.down_s, put_down=True)
        return cls(cycle, LiftTimes.for_speed(variation.down_s, variation.put_down), variation.repeats)

    @property
    def duration_s(self) -> float:
        """Length of the whole sequence."""
        return round((self.repeats - 1) * self.cycle.end_s + self.last.end_s, 4)

    def at(self, time_s: float) -> tuple[LiftTimes, float]:
        """The lift under way at `time_s` and the time since it began."""
        index = min(int(time_s // self.cycle.end_s), self.repeats - 1)
        return (self.cycle if index < self.repeats - 1 else self.last), time_s - index * self.cycle.end_s

    @property
    def pick_ups_s(self) -> tuple[float, ...]:
        """True pick-up times."""
        return tuple(round(k * self.cycle.end_s + self.cycle.grab_s, 4) for k in range(self.repeats))

    @property
    def put_downs_s(self) -> tuple[float, ...]:
        """True put-down (release) times."""
        times = [k * self.cycle.end_s + (self.cycle.release_s or 0.0) for k in range(self.repeats - 1)]
        if self.last.release_s is not None:
            times.append((self.repeats - 1) * self.cycle.end_s + self.last.release_s)
        return tuple(round(time_s, 4) for time_s in times)


def _lift(shape: LiftShape, variation: Variation) -> tuple[Callable[[float], PoseParams], LiftSequence]:
    """Stand, descend, grab, rise with the load to the carry posture, hold (or put it back down); repeated."""
    standing = PoseParams(knee_flexion_deg=3.0, trunk_flexion_deg=2.0, stance_width_m=shape.stance_width_m)
    load, carry_grip_point, carry_grip = carry_of(variation, standing)
    rest_x, rest_y, rest_z = shape.box_rest_m
    rest_x += (load.depth_m - LOADS["medium"].depth_m) / 2.0 if load.kind == "box" else 0.0
    rest_y = max(0.0, rest_y + FLOOR_GRIP_HEIGHT_M - load.grip_height_m)
    box_rest = (rest_x, rest_y, rest_z)
    floor_grip_point = (rest_x, rest_y + load.grip_height_m, rest_z)
    floor_grip = side_grip(load)
    sequence = LiftSequence.of(variation)

    def pose_at(time_s: float) -> PoseParams:
        times, time_s = sequence.at(time_s)
        down, carried = times.bend(time_s), times.carried(time_s)
        return PoseParams(
            knee_flexion_deg=_lerp(3.0, shape.knee_flexion_deg, down),
            trunk_flexion_deg=_lerp(2.0, shape.trunk_flexion_deg, down),
            stance_width_m=shape.stance_width_m,
            grip_point_m=_lerp_point(floor_grip_point, carry_grip_point, carried),
            reach_fraction=times.reach(time_s),
            load_held=times.held(time_s),
            box_rest_m=box_rest,
            load=load,
            grip=blend_grips(floor_grip, carry_grip, carried, load),
        )

    return pose_at, sequence


LIFT_VARIES = frozenset({"down_s", "posture", "load", "put_down", "repeats"})


def _lift_script(
    name: str, what: str, shape: LiftShape, flags: frozenset[str], ambiguous: bool = False
) -> Callable[[Variation], MotionScript]:
    def build(variation: Variation) -> MotionScript:
        pose_at, sequence = _lift(shape, variation)
        place = " and put it back" if variation.put_down else ""
        times = f" {variation.repeats} times" if variation.repeats > 1 else ""
        load, posture = variation.load, variation.posture
        description = f"{what}, lift a {load} load to the {posture} carry{place}{times} ({variation.down_s:g} s down)"
        return MotionScript(
            name,
            description,
            sequence.duration_s,
            pose_at,
            flags,
            ambiguous,
            pick_ups_s=sequence.pick_ups_s,
            put_downs_s=sequence.put_downs_s,
            varies=LIFT_VARIES,
            variation=variation,
        )

    return build


SQUAT = LiftShape(100.0, 35.0, 0.50, (0.27, 0.0, 0.0))


def _lift_and_turn(variation: Variation) -> MotionScript:
    """A squat lift, then, standing with the load, twist the torso 45° to the left and back (feet planted)."""
    single = replace(variation, put_down=False, repeats=1)
    pose_at, sequence = _lift(SQUAT, single)
    turn_start_s = sequence.last.rise_start_s + sequence.last.rise_s + 0.2

    def turned(time_s: float) -> PoseParams:
        twist = smooth_ramp(time_s, turn_start_s, turn_start_s + 1.0)
        twist -= smooth_ramp(time_s, turn_start_s + 1.4, turn_start_s + 2.4)
        return replace(pose_at(time_s), torso_twist_deg=45.0 * twist)

    return MotionScript(
        "lift-and-turn",
        f"squat-lift a {variation.load} load to the {variation.posture} carry ({variation.down_s:g} s down), "
        "then twist the torso 45° left and back, feet planted",
        round(turn_start_s + 2.8, 4),
        turned,
        frozenset({TWIST_UNDER_LOAD}),
        pick_ups_s=sequence.pick_ups_s,
        varies=frozenset({"down_s", "posture", "load"}),
        variation=single,
    )


# ----- carries and holds --------------------------------------------------------------------------


CARRY_STANCE = PoseParams(knee_flexion_deg=5.0, trunk_flexion_deg=3.0)


def _carried(carry: tuple[BoxShape, tuple[float, float, float], Grip], **pose: float) -> PoseParams:
    """A standing pose holding a load (load, grip point, grip: see carry_of)."""
    load, grip_point, grip = carry
    angles = {"knee_flexion_deg": 5.0, "trunk_flexion_deg": 3.0, **pose}
    return PoseParams(grip_point_m=grip_point, load_held=True, load=load, grip=grip, **angles)


def _carry_script(
    name: str,
    description: str,
    duration_s: float,
    motion: Callable[[float], dict[str, float]],
    flags: frozenset[str],
    stance: PoseParams | None = None,
) -> Callable[[Variation], MotionScript]:
    """A script holding the load throughout; the grip is fitted to `stance` (default: standing still)."""

    def build(variation: Variation) -> MotionScript:
        carry = carry_of(variation, stance or CARRY_STANCE)
        return MotionScript(
            name,
            f"{description} ({variation.load} load, {variation.posture} carry)",
            duration_s,
            lambda time_s: _carried(carry, **motion(time_s)),
            flags,
            varies=frozenset({"posture", "load"}),
            variation=variation,
        )

    return build


def _twist(time_s: float) -> dict[str, float]:
    """Twist the shoulders 45° to the left and back, pelvis and feet fixed."""
    return {"torso_twist_deg": 45.0 * (smooth_ramp(time_s, 1.0, 2.5) - smooth_ramp(time_s, 3.5, 5.0))}


def _pivot(time_s: float) -> dict[str, float]:
    """Turn the whole body 75° to the left on the feet, no twist."""
    return {"body_yaw_deg": 75.0 * smooth_ramp(time_s, 1.0, 4.0)}


WALK_STEP_M = 0.22
"""How far each foot swings forward and back of the hips when walking (a 0.88 m stride)."""


def _walk(start_m: float, distance_m: float) -> Callable[[float], dict[str, float]]:
    """Stand 1 s, walk `distance_m` forward from `start_m` in 4 s (feet together at both ends), stand."""

    def motion(time_s: float) -> dict[str, float]:
        travelled = smooth_ramp(time_s, 1.0, 5.0)
        stepping = smooth_ramp(time_s, 1.0, 1.6) * (1.0 - smooth_ramp(time_s, 4.4, 5.0))
        return {
            "walk_offset_m": start_m + distance_m * travelled,
            "step_m": WALK_STEP_M * stepping,
            "gait_phase_rad": math.pi * distance_m * travelled / (2.0 * WALK_STEP_M),
        }

    return motion


def _hold(time_s: float) -> dict[str, float]:
    """Hold still with a slight natural sway."""
    return {
        "trunk_flexion_deg": 3.0 + 1.0 * math.sin(2.0 * math.pi * 0.25 * time_s),
        "lateral_bend_deg": 0.8 * math.sin(2.0 * math.pi * 0.17 * time_s + 1.0),
    }


# ----- no load ----------------------------------------------------------------------------------


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


CLASPED = Grip((0.0, 0.0, 0.035), (0.0, 0.0, -0.035), (0.0, 0.0, 0.0))


def _hands_clasped(time_s: float) -> PoseParams:
    """Standing with the hands clasped in front of the belly (elbows bent ~70°), a slight sway."""
    return replace(_stand_still(time_s), grip_point_m=(0.2, 1.02, 0.0), grip=CLASPED, reach_fraction=1.0)


def _reach_floor(variation: Variation) -> MotionScript:
    """Squat down, reach both hands to the floor in front of the feet, and stand up again: nothing picked up."""
    times = LiftTimes.for_speed(variation.down_s, put_down=False)

    def pose_at(time_s: float) -> PoseParams:
        down = times.bend(time_s)
        reach = smooth_ramp(time_s, times.down_start_s + 0.2 * times.down_s, times.grab_s - 0.2)
        reach -= smooth_ramp(time_s, times.rise_start_s, times.rise_start_s + 0.8 * times.rise_s)
        return PoseParams(
            knee_flexion_deg=_lerp(3.0, 100.0, down),
            trunk_flexion_deg=_lerp(2.0, 35.0, down),
            stance_width_m=0.5,
            grip_point_m=(0.3, 0.3, 0.0),
            grip=Grip((0.0, 0.0, 0.14), (0.0, 0.0, -0.14), (0.0, 0.0, 0.0)),
            reach_fraction=reach,
        )

    return MotionScript(
        "reach-floor",
        f"squat (knees 100°, trunk 35°), touch the floor in front of the feet, stand up; nothing picked up "
        f"({variation.down_s:g} s down)",
        round(times.end_s, 4),
        pose_at,
        frozenset(),
        varies=frozenset({"down_s"}),
        variation=variation,
    )


CART_HANDLE_M = (0.34, 1.0, 0.0)
"""Middle of the cart handle when the arms push it (body frame, metres)."""


def _cart_push(time_s: float) -> PoseParams:
    """Hands on a cart's handle at waist height; lean in and push it 0.25 m forward, ease back, twice."""
    push = smooth_ramp(time_s, 1.0, 2.5) - smooth_ramp(time_s, 3.0, 4.5) + smooth_ramp(time_s, 5.0, 6.5)
    handle = (CART_HANDLE_M[0] + 0.08 * push, CART_HANDLE_M[1] - 0.03 * push, 0.0)
    return PoseParams(
        knee_flexion_deg=_lerp(5.0, 12.0, push),
        trunk_flexion_deg=_lerp(6.0, 16.0, push),
        stance_width_m=0.32,
        grip_point_m=handle,
        grip=Grip((0.0, 0.0, 0.22), (0.0, 0.0, -0.22), (0.0, 0.0, 0.0)),
        reach_fraction=1.0,
        cart_handle_m=handle,
    )


def _cart_walk(time_s: float) -> PoseParams:
    """Push the cart while walking 1.4 m forward (leaning in 12°), hands on its handle; no load."""
    handle = (CART_HANDLE_M[0] + 0.05, CART_HANDLE_M[1] - 0.02, 0.0)
    return PoseParams(
        knee_flexion_deg=8.0,
        trunk_flexion_deg=12.0,
        stance_width_m=0.26,
        grip_point_m=handle,
        grip=Grip((0.0, 0.0, 0.22), (0.0, 0.0, -0.22), (0.0, 0.0, 0.0)),
        reach_fraction=1.0,
        cart_handle_m=handle,
        **_walk(-1.1, 1.4)(time_s),
    )


def _fixed(name: str, description: str, duration_s: float, pose_at: Callable[[float], PoseParams],
           flags: frozenset[str] = frozenset()) -> Callable[[Variation], MotionScript]:
    def build(variation: Variation) -> MotionScript:
        return MotionScript(name, description, duration_s, pose_at, flags, variation=variation)

    return build


BUILDERS: dict[str, Callable[[Variation], MotionScript]] = {
    "squat-lift": _lift_script("squat-lift", "squat (knees 100°, trunk 35°)", SQUAT, frozenset()),
    "stoop-lift": _lift_script(
        "stoop-lift", "stoop (knees 12°, trunk 80°)", LiftShape(12.0, 80.0, 0.30, (0.36, 0.0, 0.0)),
        frozenset({BEND_AT_WAIST}),
    ),
    "semi-squat": _lift_script(
        "semi-squat", "semi-squat (knees 45°, trunk 50°) from a low platform",
        LiftShape(45.0, 50.0, 0.40, (0.36, 0.18, 0.0)), frozenset(), ambiguous=True,
    ),
    "hinge-lift": _lift_script(
        "hinge-lift", "Romanian-deadlift-like straight-leg hinge (knees 20°, trunk 80°)",
        LiftShape(20.0, 80.0, 0.32, (0.2, 0.0, 0.0)), frozenset({BEND_AT_WAIST}),
    ),
    "lift-and-turn": _lift_and_turn,
    "twist-carry": _carry_script(
        "twist-carry", "hold the load, twist the torso 45° left and back, feet planted", 6.0, _twist,
        frozenset({TWIST_UNDER_LOAD}),
    ),
    "pivot-carry": _carry_script(
        "pivot-carry", "hold the load, turn the whole body 75° on the feet, no twist", 6.0, _pivot, frozenset()
    ),
    "hold-still": _carry_script("hold-still", "hold the load still, slight sway", 5.0, _hold, frozenset()),
    "carry-walk": _carry_script(
        "carry-walk", "hold the load and walk 1.6 m forward", 6.0, _walk(-0.8, 1.6), frozenset(),
        stance=replace(CARRY_STANCE, step_m=WALK_STEP_M),
    ),
    "stand-still": _fixed("stand-still", "stand with the hands at the sides, slight natural sway", 5.0, _stand_still),
    "stooped-hold": _fixed(
        "stooped-hold", "trunk flexed 48° with straight-ish knees held for 25 s, no load", 30.0, _stooped_hold,
        frozenset({PROLONGED_FLEXION}),
    ),
    "hands-clasped": _fixed(
        "hands-clasped", "stand with the hands clasped in front of the belly, no load", 5.0, _hands_clasped
    ),
    "reach-floor": _reach_floor,
    "cart-push": _fixed(
        "cart-push", "hands on a cart's handle at waist height, push it forward and ease back twice; no load",
        8.0, _cart_push,
    ),
    "cart-walk": _fixed(
        "cart-walk", "push a cart while walking 1.4 m forward, hands on its handle; no load", 6.0, _cart_walk
    ),
}
"""Script builders by name."""

def default_variation(name: str) -> Variation:
    """The variation a script is performed with unless told otherwise."""
    if name == "hinge-lift":
        return Variation(load="barbell", posture="straight-arms")
    return Variation()


SCRIPTS: dict[str, MotionScript] = {name: build(default_variation(name)) for name, build in BUILDERS.items()}
"""All motion scripts by name, at their default variation."""
CORE_SCRIPTS = ("squat-lift", "stoop-lift", "semi-squat", "twist-carry", "pivot-carry", "stand-still", "stooped-hold")
"""The original seven scripts: the default grid of benchmarks/accuracy.py and synth_detection.py (their
README figures), the variety ones are swept by benchmarks/sweep.py."""


def get_script(name: str, variation: Variation | None = None) -> MotionScript:
    """The motion script called `name` performed with `variation` (default: the script's own);
    KeyError listing the known names otherwise."""
    try:
        build = BUILDERS[name]
    except KeyError:
        raise KeyError(f"unknown script {name!r}; known: {', '.join(SCRIPTS)}") from None
    return build(variation or default_variation(name))
