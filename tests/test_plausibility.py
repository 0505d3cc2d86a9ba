"""Landmark plausibility on hand-built landmark sequences: legs drawn on a plate, swapped legs, jumping
joints, bodies cut off by the frame, and the stoop rule with the knees unseen."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from posecheck.config import Config, RulesConfig
from posecheck.landmarks import Landmark as L
from posecheck.metrics.calibration import BodyCalibration
from posecheck.metrics.compute import measure
from posecheck.metrics.frame_metrics import FrameMetrics
from posecheck.pose import PoseFrame
from posecheck.rules import RulesEngine
from posecheck.run import analyze_to_dir
from posecheck.synth.clip import render_clip
from posecheck.synth.scripts import default_variation
from tests.skeleton_fixture import body_landmarks, pose_frame

FPS = 15.0
LOWER_LEGS = [L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL,
              L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]


def run(frames: list[PoseFrame]) -> list[FrameMetrics]:
    """Measure a sequence at FPS frames per second with one stream calibration."""
    calibration, out = BodyCalibration(), []
    for index, frame in enumerate(frames):
        metrics, calibration = measure(frame, 0.5, calibration, index / FPS)
        out.append(metrics)
    return out


def standing(yaw: float, count: int = 10, **kwargs) -> list[PoseFrame]:
    return [pose_frame(body_landmarks(**kwargs), yaw) for _ in range(count)]


def on_plate(points: np.ndarray) -> np.ndarray:
    """The lower legs as MediaPipe draws them on a plate in front of the shins: the feet raised by
    0.3 m and the knees pushed 0.2 m forward, so the knee reads sharply bent."""
    moved = points.copy()
    feet = [L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    moved[feet] += [0.0, 0.3, 0.0]
    moved[[L.LEFT_KNEE, L.RIGHT_KNEE]] += [0.2, 0.0, 0.0]
    return moved


def test_partial_body_with_a_hidden_leg_on_a_plate_gives_no_twist():
    """Head out of the picture, one leg drawn on a plate (and barely seen), side-on: twist is not measured."""
    lifted = body_landmarks(trunk_flexion_deg=40.0, hands="box")
    lifted[[L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX]] += [0.0, 0.3, 0.0]
    lifted[L.LEFT_KNEE] += [0.2, 0.0, 0.0]
    frame = pose_frame(lifted, 10.0)
    image, visibility = frame.image_xy_px.copy(), frame.visibility.copy()
    image[:11, 1] = -20.0
    visibility[[L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX]] = 0.3
    partial = dataclasses.replace(frame, image_xy_px=image, visibility=visibility)
    metrics = run([*standing(10.0), partial])[-1]
    assert metrics.torso_twist_deg is None
    # Side-on the hidden leg is the far one here; a plate hiding the near leg looks the same: the note says so.
    assert "head_out_of_frame" in metrics.notes and "hidden_leg" in metrics.notes


@pytest.mark.parametrize(("yaw", "hidden_side", "expected"), [
    (10.0, "LEFT", ("hidden_leg",)),  # side-on, the far leg behind the near one (or a plate: cannot tell)
    (10.0, "RIGHT", ("hidden_leg",)),  # side-on, the near leg hidden: an object in front of it
    (60.0, "LEFT", ("hidden_leg",)),  # oblique: both legs should be in view
    (10.0, "BOTH", ("legs_guessed",)),
])
def test_a_hidden_leg_is_noted(yaw, hidden_side, expected):
    frame = pose_frame(body_landmarks(trunk_flexion_deg=20.0), yaw)
    visibility = frame.visibility.copy()
    for side in ("LEFT", "RIGHT") if hidden_side == "BOTH" else (hidden_side,):
        visibility[[L[f"{side}_KNEE"], L[f"{side}_ANKLE"]]] = 0.3
    metrics = run([*standing(yaw), dataclasses.replace(frame, visibility=visibility)])[-1]
    assert tuple(note for note in metrics.notes if note in ("hidden_leg", "legs_guessed")) == expected


@pytest.mark.parametrize("yaw", [45.0, 60.0, 90.0])
def test_twist_is_not_judged_with_both_legs_hidden_and_says_why(yaw):
    """Both legs behind a crate (knees and ankles barely seen): the pelvis direction would come from legs the
    model guessed, so twist is not judged and the frame says so; the same frame with the legs seen is judged."""
    frame = pose_frame(body_landmarks(torso_twist_deg=30.0, hands="box"), yaw)
    seen = run([*standing(yaw), frame])[-1]
    assert seen.torso_twist_deg is not None and seen.confidence["torso_twist_deg"] > 0.65
    assert "partial_body" not in seen.notes
    visibility = frame.visibility.copy()
    visibility[[L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]] = 0.3
    behind_crate = run([*standing(yaw), dataclasses.replace(frame, visibility=visibility)])[-1]
    assert behind_crate.torso_twist_deg is None
    assert "legs_guessed" in behind_crate.notes and "partial_body" in behind_crate.notes


def hidden_legs(frame: PoseFrame) -> PoseFrame:
    """The frame with knees and feet hidden (visibility 0.1)."""
    visibility = frame.visibility.copy()
    visibility[LOWER_LEGS] = 0.1
    return dataclasses.replace(frame, visibility=visibility)


def flagged(metrics: list[FrameMetrics]) -> set[str]:
    engine = RulesEngine(RulesConfig())
    rules = {event.rule for i, m in enumerate(metrics) if (event_list := engine.update(i, i / FPS, m).finished_events)
             for event in event_list}
    return rules | {event.rule for event in engine.finish()}


@pytest.mark.parametrize("yaw", [60.0, 90.0])
def test_knee_drawn_on_a_plate_is_unseen_with_its_reason(yaw):
    hinge = body_landmarks(trunk_flexion_deg=70.0, knee_flexion_deg=15.0, hands="box")
    plain = run([*standing(yaw), pose_frame(hinge, yaw)])[-1]
    assert plain.knee_flexion_deg is not None and plain.knee_flexion_deg < 25.0
    metrics = run([*standing(yaw), *[pose_frame(on_plate(hinge), yaw)] * 3])[-1]
    assert metrics.knee_flexion_deg is None
    assert "leg_foot_above_floor" in metrics.notes
    assert metrics.torso_twist_deg is None  # the pelvis direction would come from the wrong legs
    assert metrics.trunk_flexion_deg == pytest.approx(70.0, abs=8.0)


def test_plausible_legs_carry_no_note():
    frames = [*standing(60.0), *(pose_frame(body_landmarks(trunk_flexion_deg=35.0, knee_flexion_deg=100.0), 60.0)
                                 for _ in range(5))]
    metrics = run(frames)
    assert all(m.notes == () for m in metrics)
    assert metrics[-1].knee_flexion_deg is not None


@pytest.mark.parametrize("yaw", [60.0, 90.0])
def test_hinge_with_legs_on_a_plate_is_a_stoop_and_squat_is_not(yaw):
    hinge = pose_frame(on_plate(body_landmarks(trunk_flexion_deg=70.0, knee_flexion_deg=15.0)), yaw)
    squat = hidden_legs(pose_frame(body_landmarks(trunk_flexion_deg=62.0, knee_flexion_deg=110.0), yaw))
    one_second = int(FPS)
    stoop_metrics = run([*standing(yaw), *[hinge] * one_second, *standing(yaw, 5)])
    squat_metrics = run([*standing(yaw), *[squat] * one_second, *standing(yaw, 5)])
    assert stoop_metrics[12].hip_height_rel == pytest.approx(1.0, abs=0.1)
    assert squat_metrics[12].hip_height_rel < 0.8
    assert flagged(stoop_metrics) == {"bend_at_waist"}
    assert "bend_at_waist" not in flagged(squat_metrics)


def folded_into_a_plate(points: np.ndarray) -> np.ndarray:
    """The body as MediaPipe drew it inside a barbell plate in front of an upright lifter: the trunk bent
    forward and the legs mirrored up above the hips (real clip bad006)."""
    folded = points.copy()
    hip_y = float(points[[L.LEFT_HIP, L.RIGHT_HIP], 1].mean())
    legs = [L.LEFT_KNEE, L.RIGHT_KNEE, *LOWER_LEGS[2:]]
    folded[legs, 1] = 2 * hip_y - points[legs, 1]
    return folded


def test_a_body_drawn_with_the_feet_above_the_hips_is_not_judged():
    inverted = pose_frame(folded_into_a_plate(body_landmarks(trunk_flexion_deg=65.0, hands="box")), 90.0)
    metrics = run([*standing(90.0), *[inverted] * int(FPS), *standing(90.0, 5)])
    assert "body_inverted" in metrics[12].notes
    assert metrics[12].trunk_flexion_deg is None and metrics[12].knee_flexion_deg is None
    assert "bend_at_waist" not in flagged(metrics)
    assert all("body_inverted" not in m.notes for m in metrics[:10])


def test_knees_attached_to_the_other_hip_are_crossed():
    points = body_landmarks(trunk_flexion_deg=10.0)
    crossed = points.copy()
    crossed[[L.LEFT_KNEE, L.RIGHT_KNEE]] = points[[L.RIGHT_KNEE, L.LEFT_KNEE]]
    metrics = run([*standing(60.0), pose_frame(crossed, 60.0)])[-1]
    assert "leg_legs_crossed" in metrics.notes
    assert metrics.knee_flexion_deg is None and metrics.torso_twist_deg is None


def test_a_knee_jumping_across_the_picture_is_not_believed_for_that_frame():
    jumped = body_landmarks()
    jumped[L.LEFT_KNEE] += [0.0, 0.0, 0.6]
    metrics = run([*standing(90.0), pose_frame(jumped, 90.0), *standing(90.0, 1)])
    assert "leg_joint_jump" in metrics[-2].notes
    assert metrics[-1].notes == ()


def test_head_and_feet_out_of_the_picture_are_noted():
    frame = pose_frame(body_landmarks(), 90.0)
    head_cut = dataclasses.replace(frame, image_xy_px=frame.image_xy_px + [0.0, -120.0])
    feet_cut = dataclasses.replace(frame, image_xy_px=frame.image_xy_px + [0.0, 60.0])
    assert "head_out_of_frame" in run([head_cut])[0].notes
    assert "feet_out_of_frame" in run([feet_cut])[0].notes
    assert run([frame])[0].notes == ()


def test_a_small_person_is_noted():
    frame = pose_frame(body_landmarks(), 90.0)
    small = dataclasses.replace(frame, image_xy_px=frame.image_xy_px * 0.3)
    assert "person_small" in run([small] * 3)[-1].notes
    assert "person_small" not in run([frame] * 3)[-1].notes


@pytest.mark.slow
@pytest.mark.parametrize(("script", "occluder", "expected"), [
    ("hinge-lift", "plate", {"bend_at_waist"}),
    ("squat-lift", "plate", set()),
])
def test_rendered_lift_behind_a_plate_seen_from_the_front(tmp_path, script, occluder, expected):
    """A plate between the camera and the shins (camera 75 deg off side-on): the hinge is a stoop, the
    squat is not, and the report says what the plate kept from being seen."""
    video, _ = render_clip(script, tmp_path / "clip.mp4", camera_yaw_deg=75.0, variation=default_variation(script),
                           occluder=occluder)
    report = analyze_to_dir(video, tmp_path / "out", Config()).report.to_json()
    raised = {event["rule"] for event in report["events"]}
    assert raised & {"bend_at_waist"} == expected
    assert report["summary"]["view"]["findings"], "the plate must be mentioned"
