"""Ergonomic scores of an analysed video: REBA per frame and NIOSH per lift, from a FrameTable.

REBA: each frame's metrics (as reported, degrees) go through ``reba_posture_from_metrics`` and
``assess_reba`` with the task inputs of the [ergonomics] settings.

NIOSH: the relative hand metrics are converted to metres with a leg length (hip to ankle) taken from
the stature when it is given (0.491 x stature), else from the pose model's world landmarks (median
over the clip). The analysis infers "load held" from the hands' posture, so a hold starts while the
hands still reach down and may end after they have come up; each hold is trimmed to its first and
last frame where the hands are still before ``lifts.assess_lifts`` scores its origin and destination.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import TYPE_CHECKING

from posecheck.config import ErgonomicsConfig
from posecheck.ergonomics.lifts import LiftAssessment, assess_lifts, session_frequency_per_min
from posecheck.ergonomics.niosh import Coupling, WorkDuration
from posecheck.ergonomics.reba import RebaCoupling, RebaResult, RebaTask, assess_reba, reba_posture_from_metrics
from posecheck.rules import PICKUP_WINDOW_S

if TYPE_CHECKING:
    from posecheck.frames import FrameTable

# Hip-to-ankle length as a fraction of stature: thigh 0.245 H + shank 0.246 H (Drillis & Contini 1966,
# segment lengths as reproduced in Winter, Biomechanics and Motor Control of Human Movement, Fig. 4.1).
LEG_LENGTH_PER_STATURE = 0.491
# Our choice: the hands count as still below this vertical speed, measured over SPEED_SPAN_S.
SETTLED_SPEED_M_S = 0.15
SPEED_SPAN_S = 0.3

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


def vertical_speeds(
    times_s: Sequence[float], heights_m: Sequence[float | None], span_s: float = SPEED_SPAN_S
) -> list[float | None]:
    """Vertical hand speed (m/s) per frame: the height change across about ``span_s`` centred on it."""
    speeds: list[float | None] = []
    for row in range(len(times_s)):
        known = [i for i in _rows_within(times_s, row, span_s / 2) if heights_m[i] is not None]
        first, last = (known[0], known[-1]) if known else (row, row)
        elapsed = times_s[last] - times_s[first]
        if elapsed <= 0 or elapsed < span_s / 2 - 1e-9:
            speeds.append(None)
        else:
            speeds.append((heights_m[last] - heights_m[first]) / elapsed)  # type: ignore[operator]
    return speeds


def _rows_within(times_s: Sequence[float], row: int, half_span_s: float) -> range:
    first = row
    while first > 0 and times_s[row] - times_s[first - 1] <= half_span_s + 1e-9:
        first -= 1
    last = row
    while last + 1 < len(times_s) and times_s[last + 1] - times_s[row] <= half_span_s + 1e-9:
        last += 1
    return range(first, last + 1)


def holds_from_pickup(table: FrameTable) -> list[bool]:
    """``load_held`` with each hold started at its pick-up: the lowest hand position, below the knees,
    within PICKUP_WINDOW_S of where the rules engine started the hold (it confirms a load once the
    hands carry it in front of the body). A hold with no pick-up seen is dropped (not a lift)."""
    held = [bool(value) for value in table.load_held]
    hands, knees, times = table.values["hand_height_rel"], table.values["knee_height_rel"], table.time_s
    for first, last in _runs(held):
        near = [row for row in range(last + 1) if abs(times[row] - times[first]) <= PICKUP_WINDOW_S]
        low = [row for row in near if hands[row] < knees[row]]
        pickup = min(low, key=lambda row: hands[row]) if low else last + 1  # none: not a lift
        for row in range(min(pickup, first), last + 1):
            held[row] = row >= pickup
    return held


def settled_holds(
    load_held: Sequence[bool], speeds_m_s: Sequence[float | None], max_speed_m_s: float = SETTLED_SPEED_M_S
) -> list[bool]:
    """``load_held`` with each hold trimmed to its first and last frame where the hands are still.

    A hold where the hands never settle is kept whole; a hold under way at the first frame keeps its
    start (its pick-up was not seen, trimming must not invent one).
    """
    held = list(load_held)
    for first, last in _runs(held):
        still = [row for row in range(first, last + 1) if _is_still(speeds_m_s[row], max_speed_m_s)]
        if not still:
            continue
        start = first if first == 0 else still[0]
        for row in range(first, last + 1):
            held[row] = start <= row <= still[-1]
    return held


def _is_still(speed_m_s: float | None, max_speed_m_s: float) -> bool:
    return speed_m_s is not None and abs(speed_m_s) < max_speed_m_s


def _runs(held: Sequence[bool]) -> list[tuple[int, int]]:
    """(first, last) rows of each run of True."""
    runs, start = [], None
    for row, value in enumerate(held):
        if value and start is None:
            start = row
        if not value and start is not None:
            runs.append((start, row - 1))
            start = None
    if start is not None:
        runs.append((start, len(held) - 1))
    return runs


@dataclass(frozen=True)
class NioshOutcome:
    """NIOSH results of a video: one assessment per lift, the F used, the length scale and assumptions."""

    assessments: tuple[LiftAssessment, ...]
    frequency_lifts_per_min: float
    frequency_source: str  # "config", "measured" or "single-lift default"
    scale: LengthScale | None
    asymmetry_assumed_zero: bool
    assumptions: tuple[str, ...]


def assess_video_lifts(table: FrameTable, settings: ErgonomicsConfig) -> NioshOutcome:
    """Detect the lifts in an analysed video and score each with NIOSH (metric; load in kg)."""
    scale = length_scale(table.series("leg_length_m"), settings.stature_m)
    if scale is None:
        return NioshOutcome((), 0.0, "none", None, False, ("no leg length measured: no hand positions in metres",))
    times = list(table.time_s)
    heights = _scaled(table.series("hand_height_rel"), scale.leg_length_m)
    asymmetry, distances_rel, assumed_zero = _sideways_series(table, settings)
    distances = _scaled(distances_rel, scale.leg_length_m)
    held = settled_holds(holds_from_pickup(table), vertical_speeds(times, heights))
    given = settings.frequency_lifts_per_min or None
    assessments = assess_lifts(
        times, heights, distances, asymmetry, held, load_kg=settings.load_kg,
        duration=WORK_DURATIONS[settings.work_duration], coupling=Coupling(settings.coupling),
        frequency_lifts_per_min=given, hold_at_end_is_lift=True,
    )
    frequency, source = _frequency(assessments, times, given)
    uses_zero_asymmetry = assumed_zero and bool(assessments)
    assumptions = _niosh_assumptions(settings, scale, source, uses_zero_asymmetry, table, held)
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
        "H is measured to the wrists, not to the hands' grip; load held is inferred from the hands' posture",
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
        assumptions.append("the clip ends with the load held: the last lift ends at the clip's end")
    return tuple(assumptions)
