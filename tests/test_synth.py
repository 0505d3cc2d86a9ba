"""Synthetic lifter: ground truth agrees with the parameters, projections land on the figure, clips, CLI."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest

from posecheck.landmarks import Landmark
from posecheck.synth.cli import add_synth_parser, run_synth
from posecheck.synth.clip import ClipSettings, render_clip, synthesize_clip, truth_path_for
from posecheck.synth.render import Camera, CameraSpec, render_body
from posecheck.synth.scripts import (
    BEND_AT_WAIST,
    PROLONGED_FLEXION,
    SCRIPTS,
    TWIST_UNDER_LOAD,
    smooth_ramp,
)
from posecheck.synth.skeleton import PoseParams, build_body, measure_metrics, two_bone_ik

TOLERANCE_DEG = 0.5
MAJOR_JOINTS = (
    Landmark.NOSE,
    Landmark.LEFT_SHOULDER,
    Landmark.RIGHT_SHOULDER,
    Landmark.LEFT_ELBOW,
    Landmark.RIGHT_ELBOW,
    Landmark.LEFT_WRIST,
    Landmark.RIGHT_WRIST,
    Landmark.LEFT_HIP,
    Landmark.RIGHT_HIP,
    Landmark.LEFT_KNEE,
    Landmark.RIGHT_KNEE,
    Landmark.LEFT_ANKLE,
    Landmark.RIGHT_ANKLE,
)
SMALL = (160, 120)


def expected_trunk_flexion_deg(params: PoseParams) -> float:
    """Angle of the trunk from vertical for a flexion F and lateral bend L: atan √(tan²F + tan²L), signed by F."""
    flexion, bend = math.radians(params.trunk_flexion_deg), math.radians(params.lateral_bend_deg)
    total = math.degrees(math.atan(math.hypot(math.tan(flexion), math.tan(bend))))
    return math.copysign(total, params.trunk_flexion_deg)


def assert_metrics_match(params: PoseParams) -> None:
    metrics = measure_metrics(build_body(params).joints_m)
    if params.step_m == 0.0:  # walking knees follow the feet (tests/test_synth_variety.py checks them)
        assert metrics.knee_flexion_deg == pytest.approx(params.knee_flexion_deg, abs=TOLERANCE_DEG)
    measured_trunk = metrics.trunk_flexion_deg
    if params.trunk_flexion_deg == 0.0:  # pure side bend: no forward component to sign the angle
        measured_trunk = abs(measured_trunk)
    assert measured_trunk == pytest.approx(expected_trunk_flexion_deg(params), abs=TOLERANCE_DEG)
    assert metrics.torso_twist_deg == pytest.approx(params.torso_twist_deg, abs=TOLERANCE_DEG)
    assert metrics.lateral_bend_deg == pytest.approx(params.lateral_bend_deg, abs=TOLERANCE_DEG)
    assert metrics.body_yaw_deg == pytest.approx(params.body_yaw_deg, abs=TOLERANCE_DEG)
    if params.step_m == 0.0:
        assert metrics.stance_width_m == pytest.approx(params.stance_width_m, abs=1e-6)


@pytest.mark.parametrize("knee", [0.0, 15.0, 45.0, 100.0])
@pytest.mark.parametrize("trunk", [-10.0, 0.0, 35.0, 80.0])
@pytest.mark.parametrize(("twist", "bend", "yaw"), [(0.0, 0.0, 0.0), (45.0, 0.0, 30.0), (-30.0, 5.0, -75.0)])
def test_measured_metrics_equal_parameters(knee: float, trunk: float, twist: float, bend: float, yaw: float) -> None:
    assert_metrics_match(
        PoseParams(
            knee_flexion_deg=knee,
            trunk_flexion_deg=trunk,
            torso_twist_deg=twist,
            lateral_bend_deg=bend,
            body_yaw_deg=yaw,
        )
    )


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_ground_truth_matches_its_parameters(name: str) -> None:
    script = SCRIPTS[name]
    for time_s in np.linspace(0.0, script.duration_s, 25):
        assert_metrics_match(script.pose_at(float(time_s)))


def test_feet_stay_flat_and_planted() -> None:
    for params in (PoseParams(), PoseParams(knee_flexion_deg=100.0, trunk_flexion_deg=35.0)):
        joints = build_body(params).joints_m
        for ankle in (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE):
            assert joints[ankle][0] == pytest.approx(0.0)
            assert joints[ankle][1] == pytest.approx(0.08)


def test_knee_flexion_lowers_the_hips_and_moves_them_back() -> None:
    standing = build_body(PoseParams()).joints_m[Landmark.LEFT_HIP]
    squatting = build_body(PoseParams(knee_flexion_deg=90.0)).joints_m[Landmark.LEFT_HIP]
    assert squatting[1] < standing[1] - 0.2
    assert squatting[0] < standing[0]


def test_positive_twist_turns_the_shoulders_to_the_left() -> None:
    joints = build_body(PoseParams(torso_twist_deg=45.0)).joints_m
    assert joints[Landmark.RIGHT_SHOULDER][0] > 0.1  # right shoulder comes forward
    assert joints[Landmark.LEFT_SHOULDER][0] < -0.1


def test_positive_yaw_turns_the_body_to_the_left() -> None:
    joints = build_body(PoseParams(body_yaw_deg=90.0)).joints_m
    assert joints[Landmark.NOSE][2] > 0.05  # now facing +z
    assert joints[Landmark.LEFT_HIP][0] < 0.0


def test_hip_flexion_is_zero_standing_and_large_in_a_stoop() -> None:
    assert measure_metrics(build_body(PoseParams()).joints_m).hip_flexion_deg == pytest.approx(0.0, abs=1e-6)
    stoop = measure_metrics(build_body(PoseParams(knee_flexion_deg=12.0, trunk_flexion_deg=80.0)).joints_m)
    assert stoop.hip_flexion_deg > 80.0


def test_two_bone_ik_reaches_a_reachable_target() -> None:
    root, target = np.zeros(3), np.array([0.3, -0.4, 0.0])
    middle, end = two_bone_ik(root, target, 0.31, 0.26, np.array([-1.0, 0.0, 0.0]))
    assert end == pytest.approx(target)
    assert np.linalg.norm(middle - root) == pytest.approx(0.31)
    assert np.linalg.norm(end - middle) == pytest.approx(0.26)
    assert middle[0] < 0.15  # bends toward the pole


def test_hands_reach_the_box_when_lifts_grab_it() -> None:
    for name in ("squat-lift", "stoop-lift", "semi-squat"):
        params = SCRIPTS[name].pose_at(2.7)
        joints = build_body(params).joints_m
        wrist_mid = (joints[Landmark.LEFT_WRIST] + joints[Landmark.RIGHT_WRIST]) / 2.0
        assert params.load_held
        assert wrist_mid == pytest.approx(np.asarray(params.grip_point_m), abs=0.01), name


def test_scripts_have_the_specified_shapes_and_flags() -> None:
    peaks = {}
    for name, script in SCRIPTS.items():
        times = np.arange(0.0, script.duration_s, 1.0 / 15.0)
        metrics = [measure_metrics(build_body(script.pose_at(float(t))).joints_m) for t in times]
        peaks[name] = {
            key: max(getattr(m, key) for m in metrics)
            for key in ("knee_flexion_deg", "trunk_flexion_deg", "torso_twist_deg", "body_yaw_deg")
        }
        assert 4.0 <= script.duration_s <= 8.0 or name == "stooped-hold"
    assert 90.0 <= peaks["squat-lift"]["knee_flexion_deg"] <= 100.5
    assert peaks["squat-lift"]["trunk_flexion_deg"] <= 36.0
    assert peaks["stoop-lift"]["knee_flexion_deg"] <= 15.0
    assert 75.0 <= peaks["stoop-lift"]["trunk_flexion_deg"] <= 85.0
    assert peaks["twist-carry"]["torso_twist_deg"] == pytest.approx(45.0, abs=0.5)
    assert 60.0 <= peaks["pivot-carry"]["body_yaw_deg"] <= 90.0
    assert peaks["pivot-carry"]["torso_twist_deg"] == pytest.approx(0.0, abs=1e-6)
    assert SCRIPTS["stoop-lift"].expected_flags == {BEND_AT_WAIST}
    assert SCRIPTS["twist-carry"].expected_flags == {TWIST_UNDER_LOAD}
    assert SCRIPTS["stooped-hold"].expected_flags == {PROLONGED_FLEXION}
    assert all(not SCRIPTS[name].expected_flags for name in ("squat-lift", "pivot-carry", "stand-still"))
    assert SCRIPTS["semi-squat"].ambiguous and not SCRIPTS["semi-squat"].expected_flags


def test_stooped_hold_keeps_the_trunk_flexed_for_25_seconds() -> None:
    script = SCRIPTS["stooped-hold"]
    flexed = [
        t for t in np.arange(0.0, script.duration_s, 0.1) if 45.0 <= script.pose_at(float(t)).trunk_flexion_deg <= 50.0
    ]
    assert len(flexed) * 0.1 >= 25.0


def test_smooth_ramp_is_monotonic_from_zero_to_one() -> None:
    values = [smooth_ramp(t, 1.0, 2.0) for t in np.linspace(0.0, 3.0, 61)]
    assert values[0] == 0.0 and values[-1] == 1.0
    assert all(b >= a for a, b in zip(values, values[1:], strict=False))


POSES = {
    "stand": PoseParams(),
    "squat": SCRIPTS["squat-lift"].pose_at(2.7),
    "stoop": SCRIPTS["stoop-lift"].pose_at(2.7),
    "twist": SCRIPTS["twist-carry"].pose_at(3.0),
}


@pytest.mark.parametrize("yaw", [0.0, 45.0, 90.0])
@pytest.mark.parametrize("pose", sorted(POSES))
def test_joint_projections_land_on_the_figure(pose: str, yaw: float) -> None:
    camera = Camera(CameraSpec(camera_yaw_deg=yaw, width_px=SMALL[0], height_px=SMALL[1]))
    frame = render_body(build_body(POSES[pose]), camera)
    assert frame.rgb.shape == (SMALL[1], SMALL[0], 3) and frame.rgb.dtype == np.uint8
    mask = frame.foreground_mask
    for index in MAJOR_JOINTS:
        x, y = frame.joints_image_px[index]
        assert 0 <= x < SMALL[0] and 0 <= y < SMALL[1]
        column, row = int(x), int(y)
        assert mask[max(row - 1, 0) : row + 2, max(column - 1, 0) : column + 2].any(), Landmark(index).name


def test_person_fills_much_of_the_frame_height() -> None:
    camera = Camera(CameraSpec(width_px=SMALL[0], height_px=SMALL[1]))
    rows = np.flatnonzero(render_body(build_body(PoseParams()), camera).foreground_mask.any(axis=1))
    assert (rows[-1] - rows[0]) / SMALL[1] > 0.6


def test_camera_conventions() -> None:
    joints = build_body(PoseParams()).joints_m
    side = Camera(CameraSpec(camera_yaw_deg=0.0)).project(joints)
    assert side[Landmark.NOSE][0] < side[Landmark.LEFT_EAR][0]  # camera on the left: facing image-left
    front = Camera(CameraSpec(camera_yaw_deg=90.0)).project(joints)
    assert front[Landmark.LEFT_SHOULDER][0] > front[Landmark.RIGHT_SHOULDER][0]  # facing the camera
    assert front[Landmark.NOSE][1] < front[Landmark.LEFT_HIP][1]


def test_synthesize_clip_is_deterministic_and_complete() -> None:
    settings = ClipSettings(camera_yaw_deg=30.0, size=SMALL, fps=5.0, duration_s=1.0, seed=3)
    first, second = synthesize_clip("twist-carry", settings), synthesize_clip("twist-carry", settings)
    assert len(first.frames) == 5
    assert all(np.array_equal(a, b) for a, b in zip(first.frames, second.frames, strict=True))
    assert first.truth == second.truth
    truth = first.truth
    assert truth["expected_flags"] == [TWIST_UNDER_LOAD] and truth["ambiguous"] is False
    frame = truth["frames"][0]
    assert set(frame) == {
        "index", "time_s", "load_held", "metrics", "joints_world_m", "joints_image_px", "joints_in_frame"
    }
    assert set(frame["metrics"]) == {
        "trunk_flexion_deg",
        "hip_flexion_deg",
        "knee_flexion_deg",
        "torso_twist_deg",
        "lateral_bend_deg",
        "body_yaw_deg",
        "hand_height_m",
        "hand_distance_m",
        "stance_width_m",
        "elbow_flexion_deg",
    }
    assert np.asarray(frame["joints_world_m"]).shape == (33, 3)
    assert np.asarray(frame["joints_image_px"]).shape == (33, 2)


def test_render_clip_writes_video_and_truth(tmp_path) -> None:  # noqa: ANN001 - pytest fixture
    from posecheck.video import probe_video

    video, truth_path = render_clip("stand-still", tmp_path / "clip.mp4", size=SMALL, fps=10.0, duration_s=0.5)
    assert truth_path == truth_path_for(video) == tmp_path / "clip.truth.json"
    info = probe_video(video)
    assert (info.width, info.height) == SMALL
    truth = json.loads(truth_path.read_text())
    assert truth["script"] == "stand-still" and len(truth["frames"]) == 5
    assert truth["camera"]["camera_yaw_deg"] == 0.0


def _synth_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posecheck")
    add_synth_parser(parser.add_subparsers(dest="command"))
    return parser


def test_cli_lists_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    args = _synth_parser().parse_args(["synth", "--list"])
    assert run_synth(args) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in SCRIPTS)


def test_cli_renders_a_clip(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    output = tmp_path / "s.mp4"
    args = _synth_parser().parse_args(
        [
            "synth",
            "stoop-lift",
            "--camera-yaw",
            "45",
            "--size",
            "160x120",
            "--fps",
            "5",
            "--duration",
            "0.4",
            "--seed",
            "2",
            "-o",
            str(output),
        ]
    )
    assert args.handler(args) == 0
    assert output.is_file() and truth_path_for(output).is_file()
    assert "wrote" in capsys.readouterr().out


def test_cli_rejects_a_bad_size() -> None:
    with pytest.raises(SystemExit):
        _synth_parser().parse_args(["synth", "stand-still", "--size", "big", "-o", "x.mp4"])


@pytest.mark.slow
@pytest.mark.parametrize("yaw", [0.0, 90.0])
@pytest.mark.parametrize("name", ["squat-lift", "stoop-lift"])
def test_mediapipe_detects_the_mannequin(name: str, yaw: float) -> None:
    from posecheck.pose import PoseEstimator

    clip = synthesize_clip(name, ClipSettings(camera_yaw_deg=yaw, fps=5.0))
    errors, detected = [], 0
    with PoseEstimator() as estimator:
        for rgb, truth in zip(clip.frames, clip.truth["frames"], strict=True):
            pose = estimator.detect(rgb, truth["time_s"] * 1000.0)
            if pose is None:
                continue
            detected += 1
            body = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]
            errors.append(np.linalg.norm(pose.image_xy_px[body] - np.asarray(truth["joints_image_px"])[body], axis=1))
    assert detected >= 0.95 * len(clip.frames)
    assert float(np.mean(errors)) < 0.05 * 360  # a few % of the frame height
