"""Ergonomic scores of an analysed video: REBA per frame and NIOSH per lift, from a FrameTable.

REBA: each frame's metrics (as reported, degrees) go through ``reba_posture_from_metrics`` and
``assess_reba`` with the task inputs of the [ergonomics] settings.

NIOSH: the relative hand metrics are converted to metres with a leg length (hip to ankle) taken from
the stature when it is given (0.491 x stature), else from the pose model's world landmarks (median
over the clip). Each lift runs from a pick-up to its put-down (posecheck.load dates both at the
lowest point of the hands' reach); ``lifts.assess_lifts`` scores its origin and destination.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import TYPE_CHECKING

from posecheck.config import ErgonomicsConfig, LoadConfig
from posecheck.ergonomics.lifts import LiftAssessment, assess_lifts, session_frequency_per_min
from posecheck.ergonomics.niosh import Coupling, WorkDuration
from posecheck.ergonomics.reba import RebaCoupling, RebaResult, RebaTask, assess_reba, reba_posture_from_metrics
from posecheck.load import infer_load

if TYPE_CHECKING:
    from posecheck.frames import FrameTable

# Hip-to-ankle length as a fraction of stature: thigh 0.245 H + shank 0.246 H (Drillis & Contini 1966,
# segment lengths as reproduced in Winter, Biomechanics and Motor Control of Human Movement, Fig. 4.1).
LEG_LENGTH_PER_STATURE = 0.491

WORK_DURATIONS = {
    "<=1h": WorkDuration.UP_TO_1_HOUR,
    "1-2h": WorkDuration.UP_TO_2_HOURS,
    "2-8h": WorkDuration.UP_TO_8_HOURS,
}
REBA_COUPLINGS = {"good": RebaCoupling.GOOD, "fair": RebaCoupling.FAIR, "poor": RebaCoupling.POOR}


def reba_task(settings: ErgonomicsConfig) -> RebaTask:
    """REBA task factors (load in kg, coupling, activity flags) from the [ergonomics] settings."""
    return RebaTask(
        load_kg=settings.load_kg,
        shock_or_rapid_force=settings.reba_shock_or_rapid_force,
        coupling=REBA_COUPLINGS[settings.coupling],
        static_over_1_min=settings.reba_static_over_1_min,
        repeated_small_range_over_4_per_min=settings.reba_repeated_small_range_over_4_per_min,
        rapid_large_changes_or_unstable_base=settings.reba_rapid_large_changes_or_unstable_base,
    )


def frame_reba(
    metrics: Mapping[str, float | None], settings: ErgonomicsConfig, task: RebaTask | None = None
) -> RebaResult | None:
    """REBA of one frame's metrics (degrees); None when trunk or knee flexion is missing.

    Both feet are assumed to bear weight (video does not tell single-leg support). Twist and side-bend
    count as not measured when the view is too close to side-on (``min_view_off_side_deg``).
    """
    measurable = seen_off_side(metrics.get("view_yaw_deg"), settings)
    posture = reba_posture_from_metrics(
        trunk_flexion_deg=metrics.get("trunk_flexion_deg"),
        torso_twist_deg=metrics.get("torso_twist_deg") if measurable else None,
        lateral_bend_deg=metrics.get("lateral_bend_deg") if measurable else None,
        neck_flexion_deg=metrics.get("neck_flexion_deg"),
        knee_flexion_deg=metrics.get("knee_flexion_deg"),
        upper_arm_flexion_deg=metrics.get("upper_arm_flexion_deg"),
        lower_arm_flexion_deg=metrics.get("lower_arm_flexion_deg"),
        one_leg_support=False,
        twist_threshold_deg=settings.reba_twist_threshold_deg,
        side_bend_threshold_deg=settings.reba_side_bend_threshold_deg,
    )
    if posture is None:
        return None
    return assess_reba(posture, task if task is not None else reba_task(settings))


def seen_off_side(view_yaw_deg: float | None, settings: ErgonomicsConfig) -> bool:
    """True when the camera (view_yaw_deg, 0 = side-on) is far enough off the side to measure A, twist, side-bend."""
    return view_yaw_deg is not None and view_yaw_deg >= settings.min_view_off_side_deg


def score_reba(table: FrameTable, settings: ErgonomicsConfig) -> None:
    """Score REBA for every row of `table` into its REBA columns (rows without a posture get 0)."""
    task = reba_task(settings)
    for row in range(len(table)):
        table.set_reba(row, frame_reba(table.row_metrics(row), settings, task))


@dataclass(frozen=True)
class LengthScale:
    """The leg length (m) that turns leg-relative hand metrics into metres, and where it came from."""

    leg_length_m: float
    source: str  # "stature" or "world landmarks"


def length_scale(leg_lengths_m: Sequence[float | None], stature_m: float) -> LengthScale | None:
    """0.491 x stature when the stature (m) is known, else the median world-landmark leg length; None if neither."""
    if stature_m > 0:
        return LengthScale(LEG_LENGTH_PER_STATURE * stature_m, "stature")
    measured = [length for length in leg_lengths_m if length is not None and math.isfinite(length)]
    return LengthScale(median(measured), "world landmarks") if measured else None


@dataclass(frozen=True)
class NioshOutcome:
    """NIOSH results of a video: one assessment per lift, the F used, the length scale and assumptions."""

    assessments: tuple[LiftAssessment, ...]
    frequency_lifts_per_min: float
    frequency_source: str  # "config", "measured" or "single-lift default"
    scale: LengthScale | None
    asymmetry_assumed_zero: bool
    assumptions: tuple[str, ...]


def assess_video_lifts(
    table: FrameTable, settings: ErgonomicsConfig, lift_spans: Sequence[tuple[int, int]] | None = None
) -> NioshOutcome:
    """Score each lift (pick-up row, put-down row) of an analysed video with NIOSH (metric; load in kg).

    `lift_spans` None: the lifts are inferred from the table's hand heights alone (posecheck.load,
    no image evidence). The origin is measured at the pick-up, the destination at the put-down (or
    at the clip's end when the put-down is not in view).
    """
    if lift_spans is None:
        lift_spans = infer_load(list(table.time_s), table.series("hand_height_rel"),
                                table.series("hands_separation_rel"), LoadConfig(), "auto",
                                load_known=settings.load_kg > 0).lift_spans
    scale = length_scale(table.series("leg_length_m"), settings.stature_m)
    if scale is None:
        return NioshOutcome((), 0.0, "none", None, False, ("no leg length measured: no hand positions in metres",))
    times = list(table.time_s)
    heights = _scaled(table.series("hand_height_rel"), scale.leg_length_m)
    asymmetry, distances_rel, assumed_zero = _sideways_series(table, settings)
    distances = _scaled(distances_rel, scale.leg_length_m)
    held = [False] * len(table)
    for first, last in lift_spans:
        held[first:last + 1] = [True] * (last + 1 - first)
    given = settings.frequency_lifts_per_min or None
    assessments = assess_lifts(
        times, heights, distances, asymmetry, held, load_kg=settings.load_kg,
        duration=WORK_DURATIONS[settings.work_duration], coupling=Coupling(settings.coupling),
        frequency_lifts_per_min=given, hold_at_end_is_lift=True,
    )
    frequency, source = _frequency(assessments, times, given)
    uses_zero_asymmetry = assumed_zero and bool(assessments)
    assumptions = _niosh_assumptions(settings, scale, source, uses_zero_asymmetry, table, held)
    if len(assessments) < len(lift_spans):
        unscored = len(lift_spans) - len(assessments)
        assumptions += (f"{unscored} of {len(lift_spans)} lifts not scored: the hands' position was not measured "
                        "at the pick-up or put-down",)
    return NioshOutcome(assessments, frequency, source, scale, uses_zero_asymmetry, assumptions)


def _scaled(relative: Sequence[float | None], leg_length_m: float) -> list[float | None]:
    return [None if value is None else value * leg_length_m for value in relative]


def _sideways_series(
    table: FrameTable, settings: ErgonomicsConfig
) -> tuple[list[float | None], list[float | None], bool]:
    """Per frame: A (degrees), H relative to leg length, and whether A was set to 0 anywhere.

    Where the view is too close to side-on, the hands' sideways offset lies in depth and is not
    measurable: A is 0 and H keeps only the forward part of the hand distance (in the image plane).
    """
    asymmetry, distances, assumed = [], [], False
    for row in range(len(table)):
        angle, distance = table.metric(row, "asymmetry_angle_deg"), table.metric(row, "hand_distance_rel")
        if seen_off_side(table.metric(row, "view_yaw_deg"), settings):
            asymmetry.append(angle)
            distances.append(distance)
            continue
        assumed = True
        asymmetry.append(0.0)
        forward_share = 1.0 if angle is None else abs(math.cos(math.radians(angle)))
        distances.append(None if distance is None else distance * forward_share)
    return asymmetry, distances, assumed


def _frequency(
    assessments: Sequence[LiftAssessment], times_s: Sequence[float], given: float | None
) -> tuple[float, str]:
    if given is not None:
        return given, "config"
    if assessments:
        return assessments[0].frequency_lifts_per_min, "measured" if len(assessments) > 1 else "single-lift default"
    session_s = times_s[-1] - times_s[0] if times_s else 0.0
    return session_frequency_per_min(0, session_s), "single-lift default"


def _niosh_assumptions(
    settings: ErgonomicsConfig,
    scale: LengthScale,
    frequency_source: str,
    asymmetry_assumed_zero: bool,
    table: FrameTable,
    held: Sequence[bool],
) -> tuple[str, ...]:
    if scale.source == "stature":
        metres = (f"metres from the stature {settings.stature_m:g} m: "
                  f"leg length 0.491 x stature = {scale.leg_length_m:.2f} m")
    else:
        metres = (f"metres from the pose model's world landmarks: leg length {scale.leg_length_m:.2f} m "
                  "(give the stature for a better scale)")
    frequency = {
        "config": f"frequency {settings.frequency_lifts_per_min:g} lifts/min from the settings",
        "measured": "frequency measured over this clip; the NIOSH manual averages it over 15 minutes",
        "single-lift default": "one lift in the clip: frequency 0.2 lifts/min (the lowest the equation uses)",
    }[frequency_source]
    assumptions = [
        metres,
        frequency,
        "H is measured to the wrists, not to the hands' grip; a lift runs from a pick-up to its put-down "
        "(see summary.load)",
        f"coupling '{settings.coupling}' and work duration '{settings.work_duration}' from the settings",
    ]
    if asymmetry_assumed_zero:
        assumptions.append(
            f"asymmetry angle not measurable within {settings.min_view_off_side_deg:g}° of a side view: "
            "A = 0 assumed (AM 1) and H is the hands' forward distance from the ankles"
        )
    if settings.load_kg <= 0:
        assumptions.append("load weight unknown: RWL only, no lifting index (give the load in kg)")
    if held and held[-1] and len(table):
        assumptions.append("the clip ends with the load held: the last put-down is not in view; "
                           "that lift's destination is where the hands are at the clip's end")
    return tuple(assumptions)
