"""What a stream has shown so far about the body and the camera: calibrated segment lengths and the camera's pitch."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, fields, replace

import numpy as np

from posecheck.landmarks import Landmark as L
from posecheck.metrics.body import LEGS, Body
from posecheck.plausibility import PlausibilityState

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


def leg_axis_pitch_deg(body: Body) -> float | None:
    """How far the legs' axis (mid-ankle → mid-hip) leans toward the camera, degrees; None beyond MAX_PITCH_DEG."""
    axis = body.hip_mid - body.ankle_mid
    pitch = math.degrees(math.atan2(float(axis[2]), float(axis[1])))
    return pitch if abs(pitch) < MAX_PITCH_DEG else None


def observed_lengths(
    body: Body, leg_weights: tuple[float, float], shoulders_seen: bool, trunk_deg: float | None
) -> SegmentLengths:
    """This frame's in-image segment lengths (metres) where they may be calibrated (see BodyCalibration)."""
    p = body.points
    legs: list[float | None] = [None] * 4
    if abs(float(body.forward[2])) >= FACING_FOR_CALIBRATION:
        legs = [
            float(np.linalg.norm(p[b, :2] - p[a, :2])) if weight > 0 else None
            for (hip, knee, ankle), weight in zip(LEGS, leg_weights, strict=True)
            for a, b in ((hip, knee), (knee, ankle))
        ]
    upright = trunk_deg is not None and abs(trunk_deg) < UPRIGHT_FOR_CALIBRATION_DEG
    shoulder_width = (
        float(np.linalg.norm(p[L.LEFT_SHOULDER, :2] - p[L.RIGHT_SHOULDER, :2])) if shoulders_seen and upright else None
    )
    return SegmentLengths(*legs, shoulder_width)
