"""Load inference (posecheck.load) on synthetic hand sequences and images: pick-up, put-down, reach
without pick-up, cart push, clasped hands, straight-arm carry, modes, the image patch under the hands."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from posecheck.cli import build_parser, config_from_args
from posecheck.config import Config, LoadConfig, RulesConfig
from posecheck.errors import ConfigError
from posecheck.landmarks import NUM_LANDMARKS
from posecheck.landmarks import Landmark as L
from posecheck.load import PICK_UP, PUT_DOWN, LoadTracker, SpotVerdict, SpotWatcher, held_in_mode, infer_load
from posecheck.pipeline import judge_track_with_load
from posecheck.pose import PoseFrame
from posecheck.report import START_NOT_INFERRED_NOTE, load_notes, load_summary
from posecheck.track import PoseTrack

FPS = 15.0
CFG = LoadConfig()
# Hand height above the floor in leg lengths: hanging arms, a box at the waist, at the floor's grips.
HANGING, WAIST, FLOOR = 0.95, 1.15, 0.5


def ramp(start: float, end: float, seconds: float) -> list[float]:
    count = round(seconds * FPS)
    return [start + (end - start) * (i + 1) / count for i in range(count)]


def hold(value: float, seconds: float) -> list[float]:
    return [value] * round(seconds * FPS)


def reach(top: float, after: float, separation_down: float | None, separation_up: float | None) -> tuple[list, list]:
    """Stand, go down to the floor, pause, come up to `after`: heights and separations per frame."""
    down = hold(top, 1) + ramp(top, FLOOR, 1) + hold(FLOOR, 0.5)
    up = ramp(FLOOR, after, 1) + hold(after, 1.5)
    if separation_up is None or separation_down is None:
        apart = [separation_up] * len(up)
    else:
        apart = ramp(separation_down, separation_up, 1) + hold(separation_up, 1.5)
    return down + up, [separation_down] * len(down) + apart


def infer(heights: list, separations: list, verdicts=None, load_known: bool = False, mode: str = "auto"):
    times = [i / FPS for i in range(len(heights))]
    return infer_load(times, heights, separations, CFG, mode, verdicts, load_known)


def test_pick_up_is_dated_while_the_hands_rest_at_the_load_and_held_after() -> None:
    heights, separations = reach(HANGING, WAIST, 0.9, 0.9)
    result = infer(heights, separations)
    (change,) = result.changes
    assert change.kind == PICK_UP and "steady separation" in change.evidence
    assert 2.1 <= change.time_s <= 2.3  # the hands rest at the floor 1.93-2.53 s
    assert not any(result.held[: change.index]) and all(result.held[change.index:])
    assert result.lift_spans == ((change.index, len(heights) - 1),)  # put-down not in view: a lift to the end


def test_straight_arm_carry_counts_whatever_the_elbows() -> None:
    heights, separations = reach(HANGING, 0.92, 1.1, 1.1)  # a barbell or a box at arm's length
    assert infer(heights, separations).changes[0].kind == PICK_UP


def test_reach_without_pick_up_hands_drift_apart() -> None:
    heights, separations = reach(HANGING, HANGING, 0.8, 1.4)
    result = infer(heights, separations)
    assert result.changes == () and not any(result.held) and result.lift_spans == ()


def test_image_decides_over_the_hands_motion() -> None:
    heights, separations = reach(HANGING, HANGING, 0.9, 0.9)
    stayed = [SpotVerdict(2.2, 4.0, False, 0.01)]
    assert infer(heights, separations, stayed).changes == ()  # the hands came up together, the box stayed
    heights, _ = reach(HANGING, WAIST, None, None)
    taken = [SpotVerdict(2.3, 4.0, True, 0.6)]
    (change,) = infer(heights, [None] * len(heights), taken).changes
    assert change.kind == PICK_UP and "floor under the hands changed (60%" in change.evidence


def test_hands_low_from_the_first_frame_are_a_reach_whose_descent_was_not_seen() -> None:
    heights = hold(FLOOR, 1) + ramp(FLOOR, WAIST, 1) + hold(WAIST, 1.5)  # set up over a bar before the view
    unknown = [None] * len(heights)
    (change,) = infer(heights, unknown, [SpotVerdict(0.5, 2.5, True, 0.5)]).changes
    assert change.kind == PICK_UP and change.time_s < 1.0
    assert infer(heights, unknown, [SpotVerdict(0.5, 2.5, False, 0.05)]).changes == ()  # the image says nothing left
    assert infer(heights, unknown).changes == ()  # no evidence at all: no pick-up
    shifted = hold(1.0, 1) + hold(FLOOR, 1) + ramp(FLOOR, WAIST, 1)  # seen coming down: an ordinary reach
    assert infer(shifted, [None] * len(shifted), [SpotVerdict(1.5, 3.0, True, 0.5)]).changes[0].kind == PICK_UP


def test_a_stream_ending_with_a_loaded_reach_at_the_floor_ends_with_a_put_down() -> None:
    heights, separations = reach(HANGING, WAIST, 0.9, 0.9)
    lowered = heights + ramp(WAIST, FLOOR, 1) + hold(FLOOR, 0.5)  # the clip ends as the load touches down
    result = infer(lowered, separations + [0.9] * (len(lowered) - len(heights)))
    assert [change.kind for change in result.changes] == [PICK_UP, PUT_DOWN]
    assert not result.held[-1] and len(result.lift_spans) == 1
    sagging = heights + ramp(WAIST, WAIST - 0.2, 1)  # hands sink a little at the end: no reach, still held
    assert infer(sagging, separations + [0.9] * (len(sagging) - len(heights))).held[-1]


def test_put_down_seen_only_by_the_image_while_the_hands_height_is_not_measured() -> None:
    heights, _ = reach(HANGING, WAIST, None, None)
    lowered = heights + [None] * round(3 * FPS)  # legs hidden: the hands' height above the floor unknown
    unknown = [None] * len(lowered)
    pick_up = SpotVerdict(2.3, 4.0, True, 0.6)
    put_down = SpotVerdict(len(heights) / FPS + 1.5, len(heights) / FPS + 2.5, True, 0.4)
    result = infer(lowered, unknown, [pick_up, put_down])
    assert [change.kind for change in result.changes] == [PICK_UP, PUT_DOWN]
    assert result.changes[1].time_s == pytest.approx(put_down.low_time_s, abs=0.1)
    assert "not measured" in result.changes[1].evidence and not result.held[-1]
    left_alone = SpotVerdict(put_down.low_time_s, put_down.decided_time_s, False, 0.02)
    assert infer(lowered, unknown, [pick_up, left_alone]).held[-1]  # the image saw nothing left: still held


def test_unmeasured_separation_needs_the_image_or_a_declared_load() -> None:
    heights, separations = reach(HANGING, WAIST, None, None)
    assert infer(heights, separations).changes == ()
    assert infer(heights, separations, load_known=True).changes[0].kind == PICK_UP


def test_put_down_after_a_carry_makes_one_lift() -> None:
    up_heights, up_separations = reach(HANGING, WAIST, 0.9, 0.9)
    down_heights, down_separations = reach(WAIST, HANGING, 0.9, 1.4)
    result = infer(up_heights + down_heights, up_separations + down_separations)
    assert [change.kind for change in result.changes] == [PICK_UP, PUT_DOWN]
    (span,) = result.lift_spans
    assert span == (result.changes[0].index, result.changes[1].index)
    assert result.held[span[0]] and result.held[span[1]] and not result.held[-1]


def test_cart_push_and_clasped_hands_are_never_loaded() -> None:
    pushing = hold(1.1, 8)  # hands on a handle at the waist, never down to the floor
    clasped = hold(1.05, 5)
    assert not any(infer(pushing, [0.9] * len(pushing)).held)
    assert not any(infer(clasped, [0.1] * len(clasped)).held)


def test_a_clip_starting_with_the_hands_held_up_says_its_load_state_is_not_inferred() -> None:
    """A carry filmed mid-way shows no pick-up: under "auto" it is not held, and the inference says the start
    was not inferred when the hands are held up in front; hanging hands do not raise it, nor does a
    declared mode."""
    chest = hold(1.45, 4)
    carried = infer(chest, [0.8] * len(chest))
    assert carried.start_not_inferred and not any(carried.held) and carried.changes == ()
    assert not infer(chest, [0.8] * len(chest), mode="throughout").start_not_inferred
    for start in (hold(1.05, 4), hold(1.14, 4)):
        assert not infer(start, [0.9] * len(start)).start_not_inferred
    waist = hold(1.2, 4)  # a box at the waist, or a cart's handle: not told apart by the posture
    assert infer(waist, [0.9] * len(waist)).start_not_inferred
    report_load = load_summary(carried)
    assert report_load.start_not_inferred and load_notes(carried) == [START_NOT_INFERRED_NOTE]
    assert "--load throughout" in START_NOT_INFERRED_NOTE


def test_load_released_at_waist_height_when_the_hands_move_apart() -> None:
    heights, separations = reach(HANGING, WAIST, 0.9, 0.9)
    heights += hold(WAIST, 1) + hold(HANGING, 2)
    separations += [0.9] * round(FPS) + [1.6] * round(2 * FPS)
    result = infer(heights, separations)
    assert [change.kind for change in result.changes] == [PICK_UP, PUT_DOWN]
    assert "moved apart" in result.changes[1].evidence


def test_modes_declare_the_state_but_lifts_are_still_found() -> None:
    heights, separations = reach(HANGING, WAIST, 0.9, 0.9)
    throughout = infer(heights, separations, mode="throughout")
    assert all(throughout.held) and len(throughout.lift_spans) == 1
    assert not any(infer(heights, separations, mode="none").held)
    assert held_in_mode("auto", [True, False]) == [True, False]
    assert Config(rules=RulesConfig(assume_loaded=True)).load_mode == "throughout"


def test_causal_tracker_waits_for_the_image_verdict() -> None:
    heights, separations = reach(HANGING, WAIST, None, None)
    tracker = LoadTracker(CFG, image_evidence=True)
    verdicts: list[SpotVerdict] = []
    states = []
    for index, (height, separation) in enumerate(zip(heights, separations, strict=True)):
        time_s = index / FPS
        if abs(time_s - 3.6) < 1e-6:
            verdicts.append(SpotVerdict(2.3, time_s, True, 0.5))
        states.append(tracker.update(index, time_s, height, separation, verdicts))
    first_held = states.index(True) / FPS
    assert 3.5 <= first_held <= 3.7  # decided when the verdict came, not before
    assert tracker.changes[0].time_s == pytest.approx(2.2, abs=0.1)  # while the hands rested at the floor


def test_causal_tracker_without_a_verdict_falls_back_after_the_wait() -> None:
    heights, separations = reach(HANGING, WAIST, 0.9, 0.9)
    tracker = LoadTracker(CFG, image_evidence=True)
    states = [tracker.update(i, i / FPS, h, s) for i, (h, s) in enumerate(zip(heights, separations, strict=True))]
    rise_s = next(i for i, h in enumerate(heights) if i > 30 and h >= FLOOR + CFG.rise_leg_ratio) / FPS
    assert states.index(True) / FPS == pytest.approx(rise_s + CFG.verdict_wait_s, abs=0.1)


def test_load_option_on_the_command_line() -> None:
    parser = build_parser()
    assert config_from_args(parser.parse_args(["analyze", "v.mp4"])).load_mode == "auto"
    assert config_from_args(parser.parse_args(["analyze", "v.mp4", "--load", "none"])).load_mode == "none"
    assert config_from_args(parser.parse_args(["analyze", "v.mp4", "--assume-loaded"])).load_mode == "throughout"
    with pytest.raises(ConfigError, match="contradicts --load none"):
        config_from_args(parser.parse_args(["analyze", "v.mp4", "--assume-loaded", "--load", "none"]))


# ----- the image patch under the hands ---------------------------------------------------------------

WIDTH, HEIGHT = 320, 240


def figure(hand_y: float) -> PoseFrame:
    """A person standing at x 160 (hips at y 100, ankles at y 200) with both hands at `hand_y`."""
    xy = np.full((NUM_LANDMARKS, 2), 160.0)
    xy[:, 1] = 60.0
    for landmark, (x, y) in {
        L.LEFT_HIP: (170, 100), L.RIGHT_HIP: (150, 100), L.LEFT_KNEE: (170, 150), L.RIGHT_KNEE: (150, 150),
        L.LEFT_ANKLE: (170, 200), L.RIGHT_ANKLE: (150, 200), L.LEFT_FOOT_INDEX: (175, 205),
        L.RIGHT_FOOT_INDEX: (145, 205), L.LEFT_SHOULDER: (175, 50), L.RIGHT_SHOULDER: (145, 50),
        L.LEFT_ELBOW: (185, 80), L.RIGHT_ELBOW: (135, 80),
    }.items():
        xy[landmark] = (x, y)
    for landmark in (L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY, L.LEFT_THUMB):
        xy[landmark] = (205, hand_y)
    for landmark in (L.RIGHT_WRIST, L.RIGHT_INDEX, L.RIGHT_PINKY, L.RIGHT_THUMB):
        xy[landmark] = (235, hand_y)
    return PoseFrame.from_arrays(xy, np.zeros((NUM_LANDMARKS, 3)), width_px=WIDTH, height_px=HEIGHT)


def scene(box_on_floor: bool) -> np.ndarray:
    image = np.full((HEIGHT, WIDTH, 3), 90, np.uint8)
    image[::8] = 110  # floor texture
    if box_on_floor:
        image[165:205, 200:240] = (200, 150, 90)
    return image


def watch(box_before: bool, box_after: bool) -> list[SpotVerdict]:
    """Hands at the hips, down to the box (y 170), back up; the box there before and after as given."""
    watcher = SpotWatcher(CFG)
    heights = [95.0] * 10 + [170.0] * 10 + [95.0] * 10
    for index, hand_y in enumerate(heights):
        box = box_before if index < 15 else box_after
        watcher.observe(scene(box), figure(hand_y), index, index / FPS)
    return watcher.verdicts


def test_spot_watcher_sees_the_box_leave_or_stay() -> None:
    (taken,) = watch(box_before=True, box_after=False)
    assert taken.changed is True and taken.changed_share > 0.3
    assert taken.low_time_s == pytest.approx(10 / FPS)
    (stayed,) = watch(box_before=True, box_after=True)
    assert stayed.changed is False
    (put,) = watch(box_before=False, box_after=True)
    assert put.changed is True
    (nothing,) = watch(box_before=False, box_after=False)
    assert nothing.changed is False


def test_spot_watcher_compares_with_the_first_frame_when_the_hands_start_low() -> None:
    heights = [170.0] * 10 + [95.0] * 10  # at the box from the first frame, then up
    for box_after, changed in ((False, True), (True, False)):
        watcher = SpotWatcher(CFG)
        for index, hand_y in enumerate(heights):
            watcher.observe(scene(index < 10 or box_after), figure(hand_y), index, index / FPS)
        (verdict,) = watcher.verdicts
        assert verdict.changed is changed and verdict.low_time_s == 0.0


def test_spot_watcher_sees_a_bar_whose_plates_lie_beside_the_hands() -> None:
    def bar_scene(on_floor: bool) -> np.ndarray:
        image = scene(False)
        if on_floor:  # the plates beside the grips, a thin bar between them
            image[160:205, 140:182] = image[160:205, 258:300] = (40, 40, 40)
            image[180:183, 182:258] = (200, 200, 200)
        return image

    for taken in (True, False):
        watcher = SpotWatcher(CFG)
        for index, hand_y in enumerate([95.0] * 10 + [170.0] * 10 + [95.0] * 10):
            watcher.observe(bar_scene(index < 15 or not taken), figure(hand_y), index, index / FPS)
        (verdict,) = watcher.verdicts
        assert verdict.changed is taken, verdict


def test_spot_watcher_ignores_frames_without_a_person() -> None:
    watcher = SpotWatcher(CFG)
    watcher.observe(scene(True), None, 0, 0.0)
    watcher.observe(np.zeros((4, 4), np.uint8), figure(95.0), 1, 0.1)
    assert watcher.verdicts == []


def twisting_carry_track(twist_deg: float) -> PoseTrack:
    """A box held in front above the waist from the first frame (no pick-up in view), seen from 60 deg off
    side-on: 1.5 s still, `twist_deg` of twist for 2 s, still again."""
    from tests.skeleton_fixture import body_landmarks, pose_frame

    hands = [L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_PINKY, L.RIGHT_PINKY, L.LEFT_INDEX, L.RIGHT_INDEX, L.LEFT_THUMB,
             L.RIGHT_THUMB]
    track = PoseTrack()
    for index in range(round(6 * FPS)):
        time_s = index / FPS
        points = body_landmarks(torso_twist_deg=twist_deg if 1.5 <= time_s < 3.5 else 0.0, hands="box")
        points[hands, 1] += 0.15
        track.append(index, time_s, pose_frame(points, 60.0))
    return track


def test_a_twist_where_the_load_state_was_not_inferred_is_reported_as_what_it_would_be() -> None:
    """Under "auto" a carry filmed mid-way raises no twist event (nothing is known to be held), but the report
    says when the torso twisted and that it was twisting under load if a load was carried; no twist, no
    such sentence; and a declared load judges it as an event instead."""
    config = Config()
    table, events, load = judge_track_with_load(twisting_carry_track(35.0), config, None)
    assert load.start_not_inferred and not any(load.held) and not events
    ((start_s, end_s, peak_deg),) = load.twists_if_loaded
    assert 1.4 <= start_s <= 1.7 and 3.3 <= end_s <= 3.6 and abs(peak_deg) == pytest.approx(35.0, abs=3.0)
    (note,) = load_notes(load)
    assert note.startswith(START_NOT_INFERRED_NOTE) and "twisted 35° at 1." in note
    assert load_summary(load).twists_if_loaded[0].peak_deg == round(peak_deg, 1)
    _, _, still = judge_track_with_load(twisting_carry_track(0.0), config, None)
    assert still.start_not_inferred and still.twists_if_loaded == () and load_notes(still) == [START_NOT_INFERRED_NOTE]
    declared = dataclasses.replace(config, load=dataclasses.replace(config.load, mode="throughout"))
    _, events, load = judge_track_with_load(twisting_carry_track(35.0), declared, None)
    assert [event.rule for event in events] == ["twist_under_load"] and load.twists_if_loaded == ()


class _ScriptedPoses:
    """Stands in for PoseEstimator: returns the given poses in order."""

    def __init__(self, poses: list[PoseFrame]) -> None:
        self._poses = iter(poses)

    def detect(self, rgb: np.ndarray, time_ms: float) -> PoseFrame:
        return next(self._poses)


def test_live_stream_reports_a_twist_where_the_load_state_was_not_inferred() -> None:
    """Live, the load state of the whole session (taken when it closes) reports the same twist as a file."""
    from posecheck.frames import FrameTable
    from posecheck.pipeline import FrameAnalyzer

    track = twisting_carry_track(35.0)
    poses = [track.pose(row) for row in range(len(track))]
    analyzer = FrameAnalyzer(Config(), _ScriptedPoses(poses))  # type: ignore[arg-type]
    table = FrameTable()
    for row in range(len(track)):
        table.append(analyzer.process(np.empty(0), int(track.index[row]), float(track.time_s[row])).result)
    load = analyzer.load_inference(table)
    assert load.start_not_inferred and not any(load.held)
    ((start_s, end_s, peak_deg),) = load.twists_if_loaded
    assert 1.3 <= start_s <= 1.8 and 3.3 <= end_s <= 3.8 and abs(peak_deg) == pytest.approx(35.0, abs=4.0)
