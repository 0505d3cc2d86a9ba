"""Landmark plausibility beyond MediaPipe's visibility: which legs to believe, and what the picture shows.

MediaPipe places joints it cannot see where they look plausible, often with visibility 0.4-0.8:
knees and ankles drawn on a barbell plate or a crate in front of the shins, the legs swapped, a
joint jumping across the picture for a frame. Each leg gets a reliability in [0, 1] per frame from
checks against what the stream showed while the person stood upright (`PlausibilityState`):

- feet on the floor: an ankle far above the floor line learned while standing. Feet stay on the
  floor while lifting; knees and ankles drawn on an object in front of the shins rise with it;
- bone lengths: a thigh or shank longer in the picture than while standing, or a shank shortened
  in the picture to a fraction of its 3D length (pointing at the camera, which shins do not do);
- left/right: knees attached to the other hip (the legs crossed in 3D);
- temporal jumps: a knee or ankle moving faster than a body moves;
- in frame: a knee or ankle outside the picture.

A leg under `RELIABLE` is unseen: metrics built on it are None and the reason is kept (`LegCheck`).
The same state gives the hips' height against the person's standing hip height (`hip_height_rel`),
which tells a hinge (hips stay high) from a squat (hips drop) when the knees cannot be seen, and the
per-frame framing notes (head or feet out of the picture, person small in it).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace

import numpy as np

from posecheck.landmarks import Landmark as L
from posecheck.pose import PoseFrame

# Reason codes a frame can carry (FrameMetrics.notes), in a fixed order (the frame table stores bits).
LEG_REASONS = ("out_of_frame", "foot_above_floor", "bone_length", "legs_crossed", "joint_jump")
# Reasons that put a whole leg in the wrong place (not only a shank drawn short behind an object).
MISPLACED = ("foot_above_floor", "legs_crossed", "joint_jump")
FRAMING_NOTES = ("head_out_of_frame", "feet_out_of_frame", "person_small")
# A leg whose knee or ankle MediaPipe barely sees (behind an object, or the far leg behind the near one
# when not seen side-on): its angle is not used, the other leg's is (metrics set this note; it is no
# judgement of plausibility). Side-on the far leg is always behind the near one: no note.
HIDDEN_LEG = "hidden_leg"
# Both legs' knees or ankles barely seen (under min_visibility): the knee angle comes from a leg the
# model guessed, used at its low visibility.
LEGS_GUESSED = "legs_guessed"
# Both feet drawn above the hips, in the picture and in MediaPipe's 3D: no standing or lifting person
# looks like that; MediaPipe has lost the body (e.g. a skeleton drawn inside a barbell plate in front
# of the lifter). Nothing of such a frame is judged.
BODY_INVERTED = "body_inverted"
# Twist is not judged from a partial body: head, hips, knees or ankles out of the picture, or one foot
# raised onto something (metrics set this note).
PARTIAL_BODY = "partial_body"
NOTE_CODES = (
    *(f"leg_{reason}" for reason in LEG_REASONS), *FRAMING_NOTES, HIDDEN_LEG, BODY_INVERTED, LEGS_GUESSED,
    PARTIAL_BODY,
)

# A leg whose reliability falls under this is judged implausible: unseen.
RELIABLE = 0.5
# Feet on the floor: an ankle this far above the standing floor line, in standing leg lengths,
# is fully reliable below the first value and judged implausible from the second (a planted foot
# rises under 0.05; MediaPipe's ankle drawn on a plate in front of the shins rose 0.3-0.5).
FOOT_RISE_LEG = (0.12, 0.25)
# Bone lengths: a thigh or shank in the picture longer than while standing by these ratios
# (perspective and landmark noise stay under 1.15).
SEGMENT_STRETCH = (1.2, 1.4)
# A shank's in-picture length against its 3D length: shins stay within about 55 deg of the picture
# plane (a deep squat seen from the front, camera 20 deg above); shorter ones point at the camera.
SHANK_SHORTENING = (0.55, 0.35)
# Left/right: the crossed assignment (left knee to the right hip) shorter than this share of the
# straight one means the knees are attached to the wrong hips.
CROSSED_RATIO = 0.9
# Temporal jumps: knees and ankles faster than this, in standing leg lengths per second (about
# 4 m/s: knees and ankles stay under 2 m/s in lifting).
MAX_JOINT_SPEED_LEG_PER_S = 5.0
# After a jump the joints are compared with where they were before it for up to this long (so the
# jump back is not a jump); a position held longer than that is accepted.
JUMP_MEMORY_S = 0.5
# Standing (learning the floor, the leg lengths and the hip height): the trunk within UPRIGHT_DEG
# of vertical in the picture and UPRIGHT_3D_DEG in MediaPipe's 3D landmarks (a lean toward the
# camera looks upright in the picture; the 3D angle also carries the camera's pitch), the knees
# bent under STRAIGHT_KNEE_3D_DEG in 3D (straight legs read up to 25 deg seen from the front), each
# leg straight in the picture (hip-ankle at least STRAIGHT_SHARE of thigh + shank) and the legs at
# least LEG_TO_TRUNK times the trunk's length in the picture.
UPRIGHT_DEG = 20.0
UPRIGHT_3D_DEG = 30.0
STRAIGHT_KNEE_3D_DEG = 35.0
STRAIGHT_SHARE = 0.95
LEG_TO_TRUNK = 1.3
STANDING_SAMPLES = 15
# Person small: body height in the picture (about twice the standing leg) under this many pixels
# or under this share of the picture's height.
SMALL_PERSON_PX = 150.0
SMALL_PERSON_SHARE = 0.25
# Head out of the picture: nose and both ears outside it; feet: both ankles outside it.
_HEAD = (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR)
_ANKLES = (L.LEFT_ANKLE, L.RIGHT_ANKLE)

LEG_CHAINS = (
    (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
    (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
)
_MOVING = (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE)


@dataclass(frozen=True)
class StandingSample:
    """One upright frame: ankle heights (px, image y down), hip height (px), leg segment lengths (px)."""

    ankle_y_px: tuple[float, float]
    hip_y_px: float
    thigh_px: tuple[float, float]
    shank_px: tuple[float, float]
    leg_px: float


@dataclass(frozen=True)
class LegCheck:
    """One frame's verdict: per-leg (left, right) reliability in [0, 1] and the checks it failed (LEG_REASONS),
    the hips' height against standing (None = unknown) and framing notes."""

    reliability: tuple[float, float] = (1.0, 1.0)
    reasons: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    hip_height_rel: float | None = None
    framing: tuple[str, ...] = ()
    inverted: bool = False  # both feet above the hips: the whole body is implausible (BODY_INVERTED)

    def plausible(self, side: int) -> bool:
        """Whether leg `side` (0 left, 1 right) is believed."""
        return self.reliability[side] >= RELIABLE

    @property
    def notes(self) -> tuple[str, ...]:
        """Reason codes of this frame (see NOTE_CODES)."""
        failed = {reason for side in self.reasons for reason in side}
        legs = tuple(f"leg_{reason}" for reason in LEG_REASONS if reason in failed)
        return (*legs, *self.framing, *((BODY_INVERTED,) if self.inverted else ()))

    def for_seen_legs(self, seen: tuple[bool, bool]) -> LegCheck:
        """The check with the reasons of legs that are not seen anyway (low visibility) dropped, except
        being out of the picture: those legs are unseen already, whatever else is wrong with them."""
        reasons = tuple(
            side_reasons if seen[side] else tuple(r for r in side_reasons if r == "out_of_frame")
            for side, side_reasons in enumerate(self.reasons)
        )
        return replace(self, reasons=(reasons[0], reasons[1]))

    def believed(self, side: int) -> bool:
        """Whether leg `side` has no recorded reason against it (seen legs only, see for_seen_legs)."""
        return not self.reasons[side]

    def joint_reliability(self) -> np.ndarray:
        """(33,) reliability per landmark: each leg's knee, ankle, heel and toe carry its reliability
        (0 when implausible); everything else 1."""
        result = np.ones(33)
        for side, chain in enumerate(LEG_CHAINS):
            result[list(chain[1:])] = self.reliability[side] if self.plausible(side) else 0.0
        return result


@dataclass(frozen=True)
class PlausibilityState:
    """What the stream showed so far: recent standing frames and the previous frame's leg joints."""

    standing: tuple[StandingSample, ...] = ()
    previous: tuple[float, tuple[tuple[float, float], ...]] | None = None  # time s, knees' and ankles' px

    def check(
        self, pose: PoseFrame, points_m: np.ndarray, time_s: float | None, learn: bool = True
    ) -> tuple[LegCheck, PlausibilityState]:
        """This frame's LegCheck and the state after it (`points_m`: posecheck.metrics.body.body_points of the pose)."""
        image = pose.image_xy_px
        if not np.all(np.isfinite(image[11:33])):
            return LegCheck(), self
        standing = _standing_sample(image) if learn and _upright_in_3d(pose.world_xyz_m) else None
        state = self
        if standing is not None:
            state = replace(state, standing=(*self.standing, standing)[-STANDING_SAMPLES:])
        reference = state._reference()
        scores = [_leg_scores(pose, points_m, side, reference) for side in (0, 1)]
        crossed = _legs_crossed(pose.world_xyz_m)
        jumps = self._jumping(image, time_s, reference)
        reliability, reasons = [], []
        for side in (0, 1):
            side_scores = {**scores[side], "legs_crossed": 0.0 if crossed else 1.0,
                           "joint_jump": 0.0 if jumps[side] else 1.0}
            reliability.append(min(side_scores.values()))
            reasons.append(tuple(reason for reason, value in side_scores.items() if value < RELIABLE))
        check = LegCheck(
            (reliability[0], reliability[1]), (reasons[0], reasons[1]),
            _hip_height_rel(image, reference), _framing(pose, reference), _feet_above_hips(pose),
        )
        if learn and time_s is not None and not (any(jumps) and time_s - self.previous[0] < JUMP_MEMORY_S):
            state = replace(state, previous=(time_s, tuple(map(tuple, image[list(_MOVING)].tolist()))))
        return check, state

    def _reference(self) -> StandingSample | None:
        """The median standing frame (None before any)."""
        if not self.standing:
            return None
        samples = self.standing

        def median(values: list[float]) -> float:
            return float(statistics.median(values))

        return StandingSample(
            (median([s.ankle_y_px[0] for s in samples]), median([s.ankle_y_px[1] for s in samples])),
            median([s.hip_y_px for s in samples]),
            (median([s.thigh_px[0] for s in samples]), median([s.thigh_px[1] for s in samples])),
            (median([s.shank_px[0] for s in samples]), median([s.shank_px[1] for s in samples])),
            median([s.leg_px for s in samples]),
        )

    def _jumping(self, image: np.ndarray, time_s: float | None, reference: StandingSample | None) -> tuple[bool, bool]:
        """Per leg: whether its knee or ankle moved faster than MAX_JOINT_SPEED_LEG_PER_S since the last frame."""
        if self.previous is None or time_s is None or reference is None or not time_s > self.previous[0]:
            return False, False
        moved = image[list(_MOVING)] - np.array(self.previous[1])
        speed = np.linalg.norm(moved, axis=1) / (time_s - self.previous[0])
        fast = speed > MAX_JOINT_SPEED_LEG_PER_S * reference.leg_px
        return bool(fast[0] or fast[2]), bool(fast[1] or fast[3])


def _ramp(value: float, good: float, bad: float) -> float:
    """1 at `good` or better, 0 at `bad` or worse, linear between (either direction)."""
    if not math.isfinite(value):
        return 0.0
    share = (value - good) / (bad - good)
    return float(min(1.0, max(0.0, 1.0 - share)))


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b))


def _in_picture(pose: PoseFrame, index: int) -> bool:
    x, y = pose.image_xy_px[index]
    return bool(0 <= x < pose.width_px and 0 <= y < pose.height_px)


def _angle_deg(u: np.ndarray, v: np.ndarray) -> float:
    norms = float(np.linalg.norm(u) * np.linalg.norm(v))
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(u, v)) / norms)))) if norms > 1e-12 else 180.0


def _upright_in_3d(world: np.ndarray) -> bool:
    """Whether MediaPipe's 3D landmarks (y down) show an upright trunk on straight legs."""
    trunk = (world[L.LEFT_SHOULDER] + world[L.RIGHT_SHOULDER] - world[L.LEFT_HIP] - world[L.RIGHT_HIP]) / 2
    if _angle_deg(trunk, np.array([0.0, -1.0, 0.0])) > UPRIGHT_3D_DEG:
        return False
    return all(180.0 - _angle_deg(world[hip] - world[knee], world[ankle] - world[knee]) < STRAIGHT_KNEE_3D_DEG
               for hip, knee, ankle, *_ in LEG_CHAINS)


def _standing_sample(image: np.ndarray) -> StandingSample | None:
    """The frame as a StandingSample if the person stands upright with straight legs, else None."""
    hip_mid = (image[L.LEFT_HIP] + image[L.RIGHT_HIP]) / 2
    trunk = (image[L.LEFT_SHOULDER] + image[L.RIGHT_SHOULDER]) / 2 - hip_mid
    trunk_px = float(np.linalg.norm(trunk))
    if trunk_px < 1e-6 or math.degrees(math.acos(min(1.0, -float(trunk[1]) / trunk_px))) > UPRIGHT_DEG:
        return None
    thighs, shanks, legs = [], [], []
    for hip, knee, ankle, *_ in LEG_CHAINS:
        thigh, shank, leg = (_distance(image[hip], image[knee]), _distance(image[knee], image[ankle]),
                             _distance(image[hip], image[ankle]))
        if leg < STRAIGHT_SHARE * (thigh + shank):
            return None
        thighs.append(thigh)
        shanks.append(shank)
        legs.append(leg)
    leg_px = float(np.mean(legs))
    if leg_px < LEG_TO_TRUNK * trunk_px:
        return None
    return StandingSample(
        (float(image[L.LEFT_ANKLE, 1]), float(image[L.RIGHT_ANKLE, 1])), float(hip_mid[1]),
        (thighs[0], thighs[1]), (shanks[0], shanks[1]), leg_px,
    )


def _leg_scores(
    pose: PoseFrame, points_m: np.ndarray, side: int, reference: StandingSample | None
) -> dict[str, float]:
    """Reliability of one leg per check (1 = plausible, 0 = implausible)."""
    hip, knee, ankle, *_ = LEG_CHAINS[side]
    image, world = pose.image_xy_px, pose.world_xyz_m
    scores = {"out_of_frame": 1.0 if _in_picture(pose, knee) and _in_picture(pose, ankle) else 0.0}
    shank_m, shank_3d = _distance(points_m[knee, :2], points_m[ankle, :2]), _distance(world[knee], world[ankle])
    shortening = shank_m / shank_3d if shank_3d > 1e-6 else 1.0
    bone = _ramp(shortening, *SHANK_SHORTENING)
    if reference is not None:
        thigh_px, shank_px = _distance(image[hip], image[knee]), _distance(image[knee], image[ankle])
        stretch = max(thigh_px / max(reference.thigh_px[side], 1e-6), shank_px / max(reference.shank_px[side], 1e-6))
        bone = min(bone, _ramp(stretch, *SEGMENT_STRETCH))
        rise = (reference.ankle_y_px[side] - float(image[ankle, 1])) / max(reference.leg_px, 1e-6)
        scores["foot_above_floor"] = _ramp(rise, *FOOT_RISE_LEG)
    scores["bone_length"] = bone
    return scores


def _feet_above_hips(pose: PoseFrame) -> bool:
    """Whether both ankles lie above the hips' midpoint in the picture and in MediaPipe's 3D (y down in both)."""
    hips = (L.LEFT_HIP, L.RIGHT_HIP)
    return all(
        bool(np.all(points[list(_ANKLES), 1] < np.mean(points[list(hips), 1])))
        for points in (pose.image_xy_px, pose.world_xyz_m)
    )


def _legs_crossed(world: np.ndarray) -> bool:
    """Whether the knees (or ankles) sit nearer the other side's hip than their own, in 3D."""
    for lower in ((L.LEFT_KNEE, L.RIGHT_KNEE), (L.LEFT_ANKLE, L.RIGHT_ANKLE)):
        straight = _distance(world[L.LEFT_HIP], world[lower[0]]) + _distance(world[L.RIGHT_HIP], world[lower[1]])
        crossed = _distance(world[L.LEFT_HIP], world[lower[1]]) + _distance(world[L.RIGHT_HIP], world[lower[0]])
        if crossed < CROSSED_RATIO * straight:
            return True
    return False


def _hip_height_rel(image: np.ndarray, reference: StandingSample | None) -> float | None:
    """Hip-mid height above the standing floor line against its standing height (1 = standing)."""
    if reference is None:
        return None
    floor = max(reference.ankle_y_px)
    standing = floor - reference.hip_y_px
    if standing < 1e-6:
        return None
    hip_y = float((image[L.LEFT_HIP, 1] + image[L.RIGHT_HIP, 1]) / 2)
    return (floor - hip_y) / standing


def _framing(pose: PoseFrame, reference: StandingSample | None) -> tuple[str, ...]:
    """Framing notes of one frame: head or feet out of the picture, person small in it."""
    notes = []
    if not any(_in_picture(pose, index) for index in _HEAD):
        notes.append("head_out_of_frame")
    if not any(_in_picture(pose, index) for index in _ANKLES):
        notes.append("feet_out_of_frame")
    if reference is not None:
        body_px = 2.0 * reference.leg_px
        if body_px < SMALL_PERSON_PX or body_px < SMALL_PERSON_SHARE * pose.height_px:
            notes.append("person_small")
    return tuple(notes)
