"""The rules engine on scripted metric sequences: thresholds, hysteresis, flicker, durations, load.

Whether a load is held is given with each segment (posecheck.load infers it; tests/test_load.py).
"""

import dataclasses
from pathlib import Path

import pytest

from posecheck.config import RulesConfig, load_config
from posecheck.metrics.confidence import DEPTH_REACH_CONFIDENCE
from posecheck.metrics.frame_metrics import FrameMetrics
from posecheck.rules import RulesEngine

FPS = 15.0
STANDING = dict(
    trunk_flexion_deg=5.0, knee_flexion_deg=5.0, torso_twist_deg=0.0, hand_height_rel=0.9, knee_height_rel=0.5,
    hands_forward_rel=0.0, hands_separation_rel=1.2, hand_distance_rel=0.1, stance_width_rel=1.0,
    lower_arm_flexion_deg=10.0,
)
CARRYING = {**STANDING, "hands_forward_rel": 0.4, "hands_separation_rel": 1.0, "hand_height_rel": 1.1,
            "hand_distance_rel": 0.4, "lower_arm_flexion_deg": 45.0, "load_held": True}


def frames(*segments: tuple[float, dict]) -> list[tuple[FrameMetrics, bool]]:
    """Concatenate (duration s, metric values and optionally "load_held") segments into (metrics, load held)
    per frame at FPS."""
    out = []
    for duration_s, values in segments:
        metrics = {name: value for name, value in values.items() if name != "load_held"}
        confidence = {name: 0.9 for name, value in metrics.items() if value is not None}
        frame = (FrameMetrics(**metrics, confidence=confidence), values.get("load_held", False))
        out += [frame] * round(duration_s * FPS)
    return out


def run(sequence: list[tuple[FrameMetrics, bool]], config: RulesConfig | None = None):
    engine = RulesEngine(config or RulesConfig())
    events, flags = [], []
    for index, (metrics, loaded) in enumerate(sequence):
        judgement = engine.update(index, index / FPS, metrics, loaded)
        events += judgement.finished_events
        flags.append(judgement.flags)
    return events + list(engine.finish()), flags


STOOP = {**STANDING, "trunk_flexion_deg": 75.0, "knee_flexion_deg": 10.0, "hand_height_rel": 0.1}
SQUAT = {**STANDING, "trunk_flexion_deg": 35.0, "knee_flexion_deg": 95.0, "hand_height_rel": 0.2}


def test_stoop_lift_flagged_once_with_peak() -> None:
    peak = {**STOOP, "trunk_flexion_deg": 82.0}
    events, flags = run(frames((1, STANDING), (0.6, STOOP), (0.2, peak), (0.6, STOOP), (1, STANDING)))
    assert [e.rule for e in events] == ["bend_at_waist"]
    event = events[0]
    assert event.start_s == pytest.approx(1.0, abs=0.07)
    assert event.end_s == pytest.approx(2.4, abs=0.07)
    assert event.peak_value == pytest.approx(82.0)
    assert 1.6 <= event.peak_s < 1.8
    assert event.severity == "high"
    assert "hips and knees" in event.message
    # The flag shows only after the minimum duration, and not once the person stands again.
    assert "bend_at_waist" not in flags[15] and "bend_at_waist" in flags[15 + 6]
    assert flags[-1] == ()


def test_squat_lift_not_flagged() -> None:
    events, _ = run(frames((1, STANDING), (2, SQUAT), (1, STANDING)))
    assert events == []


def test_bend_without_reaching_low_is_not_a_stoop_lift() -> None:
    events, _ = run(frames((2, {**STOOP, "hand_height_rel": 0.8})))
    assert [e.rule for e in events] == []


def test_stoop_starts_with_the_bend_not_when_the_hands_first_read_low() -> None:
    """The hands' height against the knees is a noisy comparison (seen obliquely it reads low some frames
    later at one frame rate than another): it makes a stooped span an event, the posture dates it."""
    bent_hands_high = {**STOOP, "hand_height_rel": 0.7}
    events, flags = run(frames((1, STANDING), (0.6, bent_hands_high), (0.6, STOOP), (1, STANDING)))
    assert [e.rule for e in events] == ["bend_at_waist"]
    assert events[0].start_s == pytest.approx(1.0, abs=0.07)
    assert events[0].end_s == pytest.approx(2.2, abs=0.07)
    # Live, the flag waits for the reach: not while the hands are still high.
    assert "bend_at_waist" not in flags[15 + 8] and "bend_at_waist" in flags[15 + 10]


def test_spike_shorter_than_min_duration_ignored() -> None:
    events, _ = run(frames((1, STANDING), (0.2, STOOP), (1, STANDING)))
    assert events == []


def test_flicker_around_threshold_is_one_event() -> None:
    below_release = {**STOOP, "trunk_flexion_deg": 30.0}
    sequence = frames(*[(1 / FPS, STOOP if i % 2 == 0 else below_release) for i in range(30)])
    events, flags = run(sequence)
    assert [e.rule for e in events] == ["bend_at_waist"]
    active = ["bend_at_waist" in f for f in flags]
    assert active.index(True) > 0 and all(active[active.index(True):])


def test_hysteresis_keeps_event_between_release_and_enter() -> None:
    between = {**STOOP, "trunk_flexion_deg": 50.0}  # below enter (55), above release (45)
    events, _ = run(frames((0.5, STOOP), (2, between), (1, STANDING)))
    assert len(events) == 1 and events[0].duration_s == pytest.approx(2.5, abs=0.1)
    events, _ = run(frames((1, STANDING), (2, between), (1, STANDING)))
    assert events == []


def test_missing_metrics_inside_merge_gap_continue_the_event() -> None:
    events, _ = run(frames((1, STOOP), (0.3, {}), (1, STOOP), (1, STANDING)))
    assert len(events) == 1
    events, _ = run(frames((1, STOOP), (2, {}), (1, STOOP), (1, STANDING)))
    assert len(events) == 2


def test_twist_flagged_only_under_load() -> None:
    twisted_free = {**STANDING, "torso_twist_deg": 45.0}
    twisted_loaded = {**CARRYING, "torso_twist_deg": 45.0}
    assert run(frames((2, twisted_free)))[0] == []
    events, _ = run(frames((1, CARRYING), (1, twisted_loaded), (1, CARRYING)))
    assert [e.rule for e in events] == ["twist_under_load"]
    assert events[0].peak_value == pytest.approx(45.0)


def test_twist_needs_the_threshold_held_then_the_release_keeps_it() -> None:
    biased = {**CARRYING, "torso_twist_deg": 15.0}  # between release (12) and enter (20)
    spike = {**CARRYING, "torso_twist_deg": 25.0}
    events, _ = run(frames((1, biased), (0.1, spike), (2, biased)))
    assert events == []  # one noisy moment past 20 deg does not open a 2 s twist
    events, _ = run(frames((1, biased), (0.4, spike), (2, biased), (1, CARRYING)))
    assert [e.rule for e in events] == ["twist_under_load"]
    assert events[0].start_s == pytest.approx(1.0, abs=0.07)
    assert events[0].end_s == pytest.approx(3.4, abs=0.1)  # held while above the release
    dipping = frames((1, CARRYING), *[(0.1, spike), (0.1, biased)] * 3, (1, CARRYING))
    assert [e.rule for e in run(dipping)[0]] == ["twist_under_load"]  # short dips inside the merge gap bridged


def test_twist_not_judged_with_low_confidence() -> None:
    values = {name: value for name, value in CARRYING.items() if name != "load_held"}
    side_on = FrameMetrics(**{**values, "torso_twist_deg": 45.0}, confidence={"torso_twist_deg": 0.6})
    engine = RulesEngine(RulesConfig())
    for index in range(30):
        assert engine.update(index, index / FPS, side_on, load_held=True).flags == ()
    assert engine.finish() == ()


def _squatting_down(duration_s: float, knee_speed_deg_per_s: float, twist_deg: float) -> list[tuple[float, dict]]:
    """Loaded frames whose knee angle grows at `knee_speed_deg_per_s` while the twist reads `twist_deg`."""
    count = round(duration_s * FPS)
    return [(1 / FPS, {**CARRYING, "torso_twist_deg": twist_deg,
                       "knee_flexion_deg": 5.0 + knee_speed_deg_per_s * i / FPS}) for i in range(count)]


def test_twist_not_judged_while_the_knees_bend_fast() -> None:
    """A squat lift's legs move too fast for their landmarks (which give the pelvis direction): 23-35 deg of
    twist read for a moment at 30 deg off side-on with no twist at all. The same reading with the knees
    bending slowly, or still, is a twist."""
    fast = frames((1, CARRYING), *_squatting_down(0.6, 150.0, 25.0), (1, CARRYING))
    assert run(fast)[0] == []
    slow = frames((1, CARRYING), *_squatting_down(0.6, 30.0, 25.0), (1, CARRYING))
    assert [e.rule for e in run(slow)[0]] == ["twist_under_load"]
    gated = RulesConfig(twist_max_knee_speed_deg_per_s=200.0)
    assert [e.rule for e in run(fast, gated)[0]] == ["twist_under_load"]


def test_twist_not_judged_while_the_knee_landmarks_jump_and_come_back() -> None:
    """On a real tutorial clip the knee read 22, 85 and 62 deg within 0.2 s while the twist read 30-43 deg
    (nothing twisted): the swing over the window counts, not only the change from its first frame."""
    jumping = [(1 / FPS, {**CARRYING, "torso_twist_deg": 30.0, "knee_flexion_deg": knee})
               for knee in [10.0, 60.0, 60.0] * 8]  # 0.2 s apart the knee reads the same
    assert run(frames((1, CARRYING), *jumping, (1, CARRYING)))[0] == []


def test_sudden_twist_is_high_severity() -> None:
    ramp = [{**CARRYING, "torso_twist_deg": min(40.0, i * 10.0)} for i in range(30)]
    events, _ = run(frames((1, CARRYING), *[(1 / FPS, values) for values in ramp], (1, CARRYING)))
    assert events[0].severity == "high"


def test_load_far_from_body_and_narrow_stance() -> None:
    far = {**CARRYING, "hand_distance_rel": 0.8}
    narrow = {**CARRYING, "stance_width_rel": 0.3}
    events, _ = run(frames((1, CARRYING), (1.5, far), (1, CARRYING), (1.5, narrow), (1, CARRYING)))
    assert sorted(e.rule for e in events) == ["load_far_from_body", "narrow_stance"]
    narrow_event = next(e for e in events if e.rule == "narrow_stance")
    assert narrow_event.peak_value == pytest.approx(0.3)


def test_far_reach_measured_in_depth_is_not_judged() -> None:
    """A reach measured in depth (seen near the front: confidence scaled by DEPTH_REACH_CONFIDENCE) is not
    judged; the same reach measured across the image is flagged."""
    values = {name: value for name, value in CARRYING.items() if name != "load_held"}
    for confidence, expected in ((0.9 * DEPTH_REACH_CONFIDENCE, []), (0.9, ["load_far_from_body"])):
        far = FrameMetrics(**{**values, "hand_distance_rel": 0.9}, confidence={"hand_distance_rel": confidence})
        engine = RulesEngine(RulesConfig())
        events = [e for i in range(30) for e in engine.update(i, i / FPS, far, load_held=True).finished_events]
        assert [e.rule for e in events + list(engine.finish())] == expected


def test_stoop_recognised_by_knee_share_when_knee_angle_over_reads() -> None:
    frontal_stoop = {**STOOP, "trunk_flexion_deg": 80.0, "knee_flexion_deg": 32.0, "knee_share_of_bend": 32 / 112}
    events, _ = run(frames((1, STANDING), (1, frontal_stoop), (1, STANDING)))
    assert [e.rule for e in events] == ["bend_at_waist"]
    deep_squat = {**SQUAT, "trunk_flexion_deg": 60.0, "knee_share_of_bend": 95.0 / (95.0 + 60.0)}
    assert run(frames((1, STANDING), (1, deep_squat), (1, STANDING)))[0] == []


def test_facing_the_camera_hips_kept_high_tell_a_stoop_whatever_the_knee_reads() -> None:
    """Front-on the knee angle comes from foreshortening (a real stoop seen from the front read 40-60 deg);
    the hips staying near their standing height decide there, not side-on."""
    front_stoop = {**STOOP, "trunk_flexion_deg": 80.0, "knee_flexion_deg": 50.0, "knee_share_of_bend": 50 / 130,
                   "hip_height_rel": 0.9, "view_yaw_deg": 88.0}
    assert [e.rule for e in run(frames((1, STANDING), (1, front_stoop), (1, STANDING)))[0]] == ["bend_at_waist"]
    front_squat = {**front_stoop, "hip_height_rel": 0.62}
    assert run(frames((1, STANDING), (1, front_squat), (1, STANDING)))[0] == []
    side_semi_squat = {**front_stoop, "view_yaw_deg": 10.0}
    assert run(frames((1, STANDING), (1, side_semi_squat), (1, STANDING)))[0] == []


def test_hips_height_has_hysteresis_when_the_knees_are_unseen() -> None:
    """Seen from the front a stoop's hips read 0.84-0.86 of their standing height once bent: a stoop that
    entered with its hips high lasts while they stay at 0.8 or more; hips at 0.83 do not start one."""
    unseen = {**STOOP, "knee_flexion_deg": None, "hand_height_rel": None, "view_yaw_deg": 86.0}
    entering, bent = {**unseen, "hip_height_rel": 0.9}, {**unseen, "hip_height_rel": 0.83}
    events, _ = run(frames((1, STANDING), (0.2, entering), (0.6, bent), (1, STANDING)))
    assert [e.rule for e in events] == ["bend_at_waist"]
    assert events[0].end_s == pytest.approx(1.8, abs=0.07)
    assert run(frames((1, STANDING), (0.8, bent), (1, STANDING)))[0] == []
    squat_hips = {**unseen, "hip_height_rel": 0.62}
    assert run(frames((1, STANDING), (0.2, entering), (0.6, squat_hips), (1, STANDING)))[0] == []


def test_deep_bend_with_hidden_knees_is_a_stoop() -> None:
    hidden_knees = {**STOOP, "trunk_flexion_deg": 85.0, "knee_flexion_deg": None, "hand_height_rel": None}
    events, _ = run(frames((1, STANDING), (1, hidden_knees), (1, STANDING)))
    assert [e.rule for e in events] == ["bend_at_waist"]
    moderate = {**hidden_knees, "trunk_flexion_deg": 60.0}
    assert run(frames((1, STANDING), (1, moderate), (1, STANDING)))[0] == []


def test_knees_guessed_behind_the_trunk_count_as_unseen() -> None:
    """Seen from the front with the camera level with the hips, a stoop hides the thighs and MediaPipe's
    guessed knees read ~95 deg (visibility under 0.5, confidence ~0.25): they must not veto the stoop."""
    guessed = {**STOOP, "trunk_flexion_deg": 80.0, "knee_flexion_deg": 95.0, "knee_share_of_bend": 95 / 175}
    sequence = frames((1, STANDING), (1, guessed), (1, STANDING))
    seen_knees = run(sequence)[0]
    low_confidence = [(dataclasses.replace(m, confidence={**m.confidence, "knee_flexion_deg": 0.25}), loaded)
                      for m, loaded in sequence]
    assert seen_knees == []
    assert [e.rule for e in run(low_confidence)[0]] == ["bend_at_waist"]


def test_narrow_stance_not_judged_side_on() -> None:
    narrow_side_on = {**CARRYING, "stance_width_rel": 0.3, "view_yaw_deg": 10.0}
    assert run(frames((1, CARRYING), (2, narrow_side_on)))[0] == []


def test_prolonged_flexion_needs_the_time_limit() -> None:
    bent = {**STANDING, "trunk_flexion_deg": 45.0}
    assert run(frames((15, bent), (1, STANDING)))[0] == []
    events, _ = run(frames((25, bent), (1, STANDING)))
    assert [e.rule for e in events] == ["prolonged_flexion"]
    assert events[0].duration_s == pytest.approx(25.0, abs=0.1)


def test_thresholds_come_from_config() -> None:
    strict = dataclasses.replace(RulesConfig(), stoop_trunk_flexion_deg=30.0, stoop_release_trunk_flexion_deg=25.0,
                                 stoop_max_knee_flexion_deg=100.0)
    events, _ = run(frames((1, STANDING), (2, SQUAT), (1, STANDING)), strict)
    assert [e.rule for e in events] == ["bend_at_waist"]


TWIST_RAMP = [(1 / FPS, {**CARRYING, "torso_twist_deg": min(30.0, i * 2.0)}) for i in range(30)]  # 30 deg/s
SEVERITY_CASES = {  # rule: (metric segments, a [rules] override that makes the same event high)
    "bend_at_waist": (((1, STANDING), (1, {**STOOP, "trunk_flexion_deg": 70.0}), (1, STANDING)),
                      "stoop_high_severity_trunk_flexion_deg = 65"),
    "twist_under_load": (((1, CARRYING), *TWIST_RAMP, (1, CARRYING)), "twist_high_severity_deg = 25"),
    "load_far_from_body": (((1, CARRYING), (1.5, {**CARRYING, "hand_distance_rel": 0.65}), (1, CARRYING)),
                           "far_load_high_severity_leg_ratio = 0.62"),
    "prolonged_flexion": (((25, {**STANDING, "trunk_flexion_deg": 45.0}), (1, STANDING)),
                          "prolonged_high_severity_duration_s = 24"),
}


@pytest.mark.parametrize("rule", sorted(SEVERITY_CASES))
def test_severity_thresholds_come_from_the_config_file(tmp_path: Path, rule: str) -> None:
    """The same event is "medium" with the defaults and "high" once [rules] lowers its severity threshold."""
    segments, override = SEVERITY_CASES[rule]
    (tmp_path / "rules.toml").write_text(f"[rules]\n{override}\n", encoding="utf-8")
    for config, severity in ((RulesConfig(), "medium"), (load_config(tmp_path / "rules.toml").rules, "high")):
        events, _ = run(frames(*segments), config)
        assert [(e.rule, e.severity) for e in events] == [(rule, severity)]


def test_prolonged_flexion_bent_far_is_high_severity_from_the_config() -> None:
    bent = frames((25, {**STANDING, "trunk_flexion_deg": 45.0}), (1, STANDING))
    assert run(bent)[0][0].severity == "medium"
    lowered = dataclasses.replace(RulesConfig(), prolonged_high_severity_trunk_flexion_deg=40.0)
    assert run(bent, lowered)[0][0].severity == "high"


def test_narrow_stance_while_lifting_uses_the_configured_hand_height() -> None:
    """Without a load, a narrow stance is judged only with the hands low: at or below the knees by default,
    up to twice the knees' height when configured."""
    narrow_hands_up = {**STANDING, "stance_width_rel": 0.3, "hand_height_rel": 0.9, "knee_height_rel": 0.5}
    sequence = frames((1, STANDING), (1.5, narrow_hands_up), (1, STANDING))
    assert run(sequence)[0] == []
    hands_up_count = dataclasses.replace(RulesConfig(), narrow_stance_hands_below_knee_ratio=2.0)
    assert [e.rule for e in run(sequence, hands_up_count)[0]] == ["narrow_stance"]
