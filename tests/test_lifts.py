"""Per-lift adapter on scripted per-frame series (10 frames per second)."""

import math
from dataclasses import dataclass, field

import pytest

from posecheck.ergonomics.lifts import (
    SINGLE_LIFT_FREQUENCY_PER_MIN,
    HandPosition,
    assess_lifts,
    detect_lifts,
    session_frequency_per_min,
)
from posecheck.ergonomics.niosh import Coupling, LiftingTask, WorkDuration, assess_lift

FPS = 10


@dataclass
class Script:
    """Builds per-frame series segment by segment; each segment holds its values constant."""

    times_s: list[float] = field(default_factory=list)
    height_m: list[float | None] = field(default_factory=list)
    distance_m: list[float | None] = field(default_factory=list)
    asymmetry_deg: list[float | None] = field(default_factory=list)
    held: list[bool | None] = field(default_factory=list)

    def add(self, seconds: float, height, distance, asymmetry, held) -> "Script":
        for _ in range(round(seconds * FPS)):
            self.times_s.append(len(self.times_s) / FPS)
            self.height_m.append(height)
            self.distance_m.append(distance)
            self.asymmetry_deg.append(asymmetry)
            self.held.append(held)
        return self

    def lift(self, origin=(0.10, 0.40, 0.0), destination=(1.00, 0.30, 60.0)) -> "Script":
        """Reach down, hold at the origin 0.5 s, carry 1 s (mid-way), hold at the destination 0.5 s, let go."""
        middle = tuple((a + b) / 2 for a, b in zip(origin, destination, strict=True))
        self.add(1.0, *origin, False)
        self.add(0.5, *origin, True)
        self.add(1.0, *middle, True)
        self.add(0.5, *destination, True)
        return self.add(1.0, *destination, False)

    def series(self) -> tuple[list, ...]:
        return self.times_s, self.height_m, self.distance_m, self.asymmetry_deg, self.held


def _assess(script: Script, **overrides):
    options = {"load_kg": 12.0, "duration": WorkDuration.UP_TO_1_HOUR, "coupling": Coupling.FAIR}
    options.update(overrides)
    return assess_lifts(*script.series(), **options)


def test_single_lift_origin_destination_and_distance() -> None:
    lifts = detect_lifts(*Script().lift().series())
    assert len(lifts) == 1
    lift = lifts[0]
    assert (lift.pick_up_s, lift.put_down_s) == (1.0, 2.9)
    assert lift.origin == HandPosition(h_cm=pytest.approx(40.0), v_cm=pytest.approx(10.0), a_deg=0.0)
    assert lift.destination == HandPosition(h_cm=pytest.approx(30.0), v_cm=pytest.approx(100.0), a_deg=60.0)
    assert lift.d_cm == pytest.approx(90.0)


def test_single_lift_uses_the_default_frequency_and_scores_both_ends() -> None:
    (assessment,) = _assess(Script().lift())
    assert assessment.frequency_lifts_per_min == SINGLE_LIFT_FREQUENCY_PER_MIN
    expected_origin = assess_lift(
        LiftingTask(40.0, 10.0, 90.0, 0.0, 0.2, WorkDuration.UP_TO_1_HOUR, Coupling.FAIR, 12.0)
    )
    expected_destination = assess_lift(
        LiftingTask(30.0, 100.0, 90.0, 60.0, 0.2, WorkDuration.UP_TO_1_HOUR, Coupling.FAIR, 12.0, origin_v_cm=10.0)
    )
    assert assessment.at_origin.rwl == pytest.approx(expected_origin.rwl)
    assert assessment.at_destination.rwl == pytest.approx(expected_destination.rwl)
    worse = min(expected_origin.rwl, expected_destination.rwl)
    assert assessment.governing.rwl == pytest.approx(worse)
    assert assessment.lifting_index == pytest.approx(12.0 / worse)


def test_frequency_is_measured_over_the_session() -> None:
    script = Script()
    for _ in range(3):
        script.lift()
    script.add(5.0, 0.1, 0.4, 0.0, False)  # 3 lifts x 4 s + 5 s = 17 s of video (last frame at 16.9 s)
    assessments = _assess(script)
    assert len(assessments) == 3
    assert all(a.frequency_lifts_per_min == pytest.approx(3 / (16.9 / 60)) for a in assessments)


def test_frequency_can_be_given() -> None:
    script = Script().lift().lift()
    assessments = _assess(script, frequency_lifts_per_min=1.0)
    assert [a.frequency_lifts_per_min for a in assessments] == [1.0, 1.0]
    assert assessments[0].at_origin.fm == pytest.approx(0.94)  # Table 5: F = 1, <= 1 hour


def test_unknown_frames_keep_the_last_known_state() -> None:
    script = Script().add(1.0, 0.1, 0.4, 0.0, False).add(0.5, 0.1, 0.4, 0.0, True)
    script.add(0.3, 0.5, 0.35, 30.0, None).add(0.5, 0.9, 0.3, 45.0, True)
    script.add(0.3, 0.9, 0.3, 45.0, None).add(1.0, 0.9, 0.3, 45.0, False)
    lifts = detect_lifts(*script.series())
    assert len(lifts) == 1
    assert lifts[0].destination.v_cm == pytest.approx(90.0)
    assert lifts[0].put_down_s == pytest.approx(2.2)


def test_holds_without_a_seen_pick_up_or_put_down_are_not_lifts() -> None:
    already_held = Script().add(1.0, 0.5, 0.3, 0.0, True).add(1.0, 0.9, 0.3, 0.0, False)
    still_held = Script().add(1.0, 0.1, 0.4, 0.0, False).add(1.0, 0.9, 0.3, 0.0, True)
    unknown_then_held = Script().add(1.0, 0.1, 0.4, 0.0, None).add(1.0, 0.5, 0.3, 0.0, True)
    unknown_then_held.add(1.0, 0.9, 0.3, 0.0, False)
    for script in (already_held, still_held, unknown_then_held):
        assert detect_lifts(*script.series()) == ()


def test_lift_without_a_measurement_at_one_end_is_not_assessed() -> None:
    script = Script().add(1.0, 0.1, 0.4, 0.0, False).add(0.5, None, 0.4, 0.0, True)
    script.add(1.0, 0.9, 0.3, 0.0, True).add(1.0, 0.9, 0.3, 0.0, False)
    assert detect_lifts(*script.series()) == ()


def test_missing_and_nan_samples_are_ignored_when_others_remain() -> None:
    script = Script().add(1.0, 0.1, 0.4, 0.0, False).add(0.1, math.nan, None, None, True)
    script.add(0.4, 0.2, 0.45, -20.0, True).add(1.0, 0.9, 0.3, 0.0, True).add(1.0, 0.9, 0.3, 0.0, False)
    (lift,) = detect_lifts(*script.series())
    assert lift.origin == HandPosition(h_cm=pytest.approx(45.0), v_cm=pytest.approx(20.0), a_deg=20.0)


def test_hands_slightly_below_the_floor_count_as_floor_level() -> None:
    script = Script().lift(origin=(-0.02, 0.4, 0.0))
    (lift,) = detect_lifts(*script.series())
    assert lift.origin.v_cm == 0.0
    assert lift.d_cm == pytest.approx(100.0)


def test_series_of_different_lengths_are_rejected() -> None:
    times, height, distance, asymmetry, held = Script().lift().series()
    with pytest.raises(ValueError, match="same length"):
        detect_lifts(times, height[:-1], distance, asymmetry, held)


def test_empty_series_give_no_lifts() -> None:
    assert _assess(Script()) == ()


@pytest.mark.parametrize(
    ("count", "session_s", "expected"),
    [(0, 60.0, 0.2), (1, 60.0, 0.2), (2, 60.0, 2.0), (5, 150.0, 2.0), (3, 0.0, 0.2)],
)
def test_session_frequency(count: int, session_s: float, expected: float) -> None:
    assert session_frequency_per_min(count, session_s) == pytest.approx(expected)
