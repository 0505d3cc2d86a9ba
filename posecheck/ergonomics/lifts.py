"""Per-lift measurement adapter: finds lifts in per-frame series and scores each with NIOSH.

Input series are per frame: time (s), hand height above the floor (m), horizontal hand distance from
the mid-ankles (m), asymmetry angle of the hands' floor projection against the mid-sagittal line
(degrees) and whether the load is held (True, False, or None when unknown). A lift runs from pick-up
(the load becomes held after having been seen released) to put-down (the load is released again).

Conventions: an unknown ``load_held`` (None) keeps the last known state. A hold already under way at
the first frame (pick-up not seen) or still under way at the last frame (put-down not seen) is not a
lift, unless the caller passes ``hold_at_end_is_lift`` (a clip that stops while the load is still held
after the lift: the lift then ends at the last frame). Origin H, V and A are the medians of the finite
samples in the first ``sample_window_s`` of the hold, destination values the medians over its last
``sample_window_s``; a lift lacking any of them is not assessed. F is lifts per minute over the whole
series; with a single lift it is a stated default.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from posecheck.ergonomics.niosh import Coupling, LiftingTask, NioshResult, WorkDuration, assess_lift

# With one lift the session gives no frequency; 0.2 lifts/min is the lowest rate the NIOSH equation
# distinguishes (Applications Manual p. 14: F < 0.2 is set to 0.2).
SINGLE_LIFT_FREQUENCY_PER_MIN = 0.2
SAMPLE_WINDOW_S = 0.2
CM_PER_M = 100.0


@dataclass(frozen=True)
class HandPosition:
    """Hands at one end of a lift: H (cm from the mid-ankles), V (cm above the floor), A (degrees)."""

    h_cm: float
    v_cm: float
    a_deg: float


@dataclass(frozen=True)
class Lift:
    """One detected lift: pick-up and put-down times (s) and the hands' position at each end."""

    pick_up_s: float
    put_down_s: float
    origin: HandPosition
    destination: HandPosition

    @property
    def d_cm(self) -> float:
        """Vertical travel distance D = |V destination - V origin| in cm."""
        return abs(self.destination.v_cm - self.origin.v_cm)


@dataclass(frozen=True)
class LiftAssessment:
    """NIOSH results of one lift at its origin and destination, and the frequency used (lifts/min)."""

    lift: Lift
    frequency_lifts_per_min: float
    at_origin: NioshResult
    at_destination: NioshResult

    @property
    def governing(self) -> NioshResult:
        """The end with the lower RWL, which counts for the lift (Applications Manual p. 26)."""
        return min(self.at_origin, self.at_destination, key=lambda result: result.rwl)

    @property
    def lifting_index(self) -> float:
        """Lifting index of the governing end."""
        return self.governing.lifting_index


@dataclass(frozen=True)
class _Hold:
    first: int  # index of the first frame with the load held
    last: int  # index of the last frame with the load held


def detect_lifts(
    times_s: Sequence[float],
    hand_height_m: Sequence[float | None],
    hand_distance_m: Sequence[float | None],
    asymmetry_deg: Sequence[float | None],
    load_held: Sequence[bool | None],
    *,
    sample_window_s: float = SAMPLE_WINDOW_S,
    hold_at_end_is_lift: bool = False,
) -> tuple[Lift, ...]:
    """Lifts (pick-up to put-down) in per-frame series; times in s, lengths in m, angles in degrees.

    With ``hold_at_end_is_lift`` a hold still under way at the last frame ends there.
    """
    _check_lengths(times_s, hand_height_m, hand_distance_m, asymmetry_deg, load_held)
    lifts = []
    for hold in _holds(load_held, hold_at_end_is_lift):
        series = (times_s, hand_height_m, hand_distance_m, asymmetry_deg)
        origin = _position(*series, hold, at_start=True, window_s=sample_window_s)
        destination = _position(*series, hold, at_start=False, window_s=sample_window_s)
        if origin is not None and destination is not None:
            lifts.append(Lift(times_s[hold.first], times_s[hold.last], origin, destination))
    return tuple(lifts)


def session_frequency_per_min(
    lift_count: int, session_s: float, single_lift_default: float = SINGLE_LIFT_FREQUENCY_PER_MIN
) -> float:
    """Lifts per minute over a session of ``session_s`` seconds; the default when there is one lift."""
    if lift_count <= 1 or session_s <= 0:
        return single_lift_default
    return lift_count / (session_s / 60.0)


def assess_lifts(
    times_s: Sequence[float],
    hand_height_m: Sequence[float | None],
    hand_distance_m: Sequence[float | None],
    asymmetry_deg: Sequence[float | None],
    load_held: Sequence[bool | None],
    *,
    load_kg: float,
    duration: WorkDuration,
    coupling: Coupling,
    frequency_lifts_per_min: float | None = None,
    single_lift_frequency: float = SINGLE_LIFT_FREQUENCY_PER_MIN,
    sample_window_s: float = SAMPLE_WINDOW_S,
    hold_at_end_is_lift: bool = False,
) -> tuple[LiftAssessment, ...]:
    """Detect lifts and score each at origin and destination (metric NIOSH; load in kg).

    F is ``frequency_lifts_per_min`` when given, else measured over the series (see
    session_frequency_per_min). ``hold_at_end_is_lift``: see detect_lifts.
    """
    lifts = detect_lifts(
        times_s, hand_height_m, hand_distance_m, asymmetry_deg, load_held,
        sample_window_s=sample_window_s, hold_at_end_is_lift=hold_at_end_is_lift,
    )
    if frequency_lifts_per_min is None:
        session_s = times_s[-1] - times_s[0] if times_s else 0.0
        frequency_lifts_per_min = session_frequency_per_min(len(lifts), session_s, single_lift_frequency)
    return tuple(
        _assess_one(lift, frequency_lifts_per_min, load_kg, duration, coupling) for lift in lifts
    )


def _assess_one(
    lift: Lift, frequency: float, load_kg: float, duration: WorkDuration, coupling: Coupling
) -> LiftAssessment:
    origin, destination = lift.origin, lift.destination
    at_origin = assess_lift(
        LiftingTask(origin.h_cm, origin.v_cm, lift.d_cm, origin.a_deg, frequency, duration, coupling, load_kg)
    )
    at_destination = assess_lift(
        LiftingTask(
            destination.h_cm, destination.v_cm, lift.d_cm, destination.a_deg, frequency, duration,
            coupling, load_kg, origin_v_cm=origin.v_cm,
        )
    )
    return LiftAssessment(lift, frequency, at_origin, at_destination)


def _holds(load_held: Sequence[bool | None], hold_at_end_is_lift: bool = False) -> list[_Hold]:
    """Complete holds: a pick-up seen after a release, and a release seen after it (or the series' end
    when ``hold_at_end_is_lift``)."""
    holds = []
    state: bool | None = None  # None until the first known value
    first = -1
    last = -1
    for index, held in enumerate(load_held):
        if held is None:
            continue
        if held and state is False:
            first = index
        if not held and state is True and first >= 0:
            holds.append(_Hold(first, last))
            first = -1
        if held:
            last = index
        state = held
    if hold_at_end_is_lift and state is True and first >= 0:
        holds.append(_Hold(first, last))
    return holds


def _position(
    times_s: Sequence[float],
    hand_height_m: Sequence[float | None],
    hand_distance_m: Sequence[float | None],
    asymmetry_deg: Sequence[float | None],
    hold: _Hold,
    *,
    at_start: bool,
    window_s: float,
) -> HandPosition | None:
    """Median hand position over the first or last ``window_s`` of a hold; None if any value is missing."""
    if at_start:
        frames = [i for i in range(hold.first, hold.last + 1) if times_s[i] - times_s[hold.first] <= window_s]
    else:
        frames = [i for i in range(hold.first, hold.last + 1) if times_s[hold.last] - times_s[i] <= window_s]
    height = _finite_median([hand_height_m[i] for i in frames])
    distance = _finite_median([hand_distance_m[i] for i in frames])
    asymmetry = _finite_median([asymmetry_deg[i] for i in frames])
    if height is None or distance is None or asymmetry is None:
        return None
    # Pose noise can put the hands a little below the floor; V cannot be negative.
    return HandPosition(h_cm=abs(distance) * CM_PER_M, v_cm=max(height, 0.0) * CM_PER_M, a_deg=abs(asymmetry))


def _finite_median(values: Sequence[float | None]) -> float | None:
    finite = [value for value in values if value is not None and math.isfinite(value)]
    return median(finite) if finite else None


def _check_lengths(*series: Sequence[object]) -> None:
    lengths = {len(values) for values in series}
    if len(lengths) > 1:
        raise ValueError(f"all per-frame series must have the same length, got lengths {sorted(lengths)}")
