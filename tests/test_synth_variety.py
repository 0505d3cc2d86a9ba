"""Synthetic lifter variety: lift speed, carry postures, loads, negative scripts, occluders, frame rates."""

from __future__ import annotations

import argparse
import itertools

import numpy as np
import pytest

from posecheck.landmarks import Landmark
from posecheck.synth.cli import add_synth_parser
from posecheck.synth.clip import ClipSettings, synthesize_clip
from posecheck.synth.render import Camera, CameraSpec, render_body
from posecheck.synth.scripts import BUILDERS, POSTURES, SCRIPTS, Variation, get_script
from posecheck.synth.skeleton import LOADS, build_body, measure_metrics

LIFTS = ("squat-lift", "stoop-lift", "semi-squat", "hinge-lift")
TURNS = ("lift-and-turn",)
CARRIES = ("twist-carry", "pivot-carry", "hold-still", "carry-walk")
NO_LOAD = ("stand-still", "stooped-hold", "hands-clasped", "reach-floor", "cart-push", "cart-walk")
SMALL = (160, 120)


def variations() -> list[Variation]:
    """Every posture × load the scripts accept, at two lift speeds, with and without a put-down."""
    found = []
    for posture, load, down_s, put_down in itertools.product(POSTURES, LOADS, (0.5, 2.0), (False, True)):
        try:
            found.append(Variation(down_s=down_s, posture=posture, load=load, put_down=put_down))
        except ValueError:
            continue
    return found


def wrists(joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return joints[Landmark.LEFT_WRIST], joints[Landmark.RIGHT_WRIST]


def test_every_script_is_listed_and_buildable() -> None:
    assert set(SCRIPTS) == set(BUILDERS) == {*LIFTS, *TURNS, *CARRIES, *NO_LOAD}
    with pytest.raises(ValueError, match="barbell"):
        Variation(posture="chest", load="barbell")
    with pytest.raises(ValueError, match="down_s"):
        Variation(down_s=0.0)
    with pytest.raises(KeyError, match="known"):
        get_script("moonwalk")


@pytest.mark.parametrize("name", LIFTS)
def test_load_held_exactly_between_pick_up_and_put_down(name: str) -> None:
    for variation in variations():
        script = get_script(name, variation)
        assert script.lifts == 1 and len(script.put_downs_s) == int(variation.put_down)
        pick_up = script.pick_ups_s[0]
        put_down = script.put_downs_s[0] if variation.put_down else np.inf
        assert pick_up == pytest.approx(0.8 + variation.down_s + 0.4)
        for time_s in np.arange(0.0, script.duration_s, 0.05):
            assert script.pose_at(float(time_s)).load_held == (pick_up <= time_s < put_down), (variation, time_s)


@pytest.mark.parametrize("put_down", [False, True])
def test_repeated_lifts_hold_the_load_once_per_lift(put_down: bool) -> None:
    script = get_script("squat-lift", Variation(down_s=0.7, repeats=3, put_down=put_down))
    assert script.lifts == 3 and len(script.put_downs_s) == 2 + put_down
    spans = list(zip(script.pick_ups_s, [*script.put_downs_s, np.inf][:3], strict=True))
    assert all(a < b for a, b in spans) and all(b < c for (_, b), (c, _) in zip(spans, spans[1:], strict=False))
    for time_s in np.arange(0.0, script.duration_s, 0.05):
        held = any(start <= time_s < end for start, end in spans)
        assert script.pose_at(float(time_s)).load_held == held, time_s
    resting = build_body(script.pose_at(0.0)).box
    between = build_body(script.pose_at((script.put_downs_s[0] + script.pick_ups_s[1]) / 2.0)).box
    assert resting is not None and between is not None and between.center_m == pytest.approx(resting.center_m)


@pytest.mark.parametrize("name", LIFTS)
def test_lift_speed_sets_the_time_to_the_bottom(name: str) -> None:
    for down_s in (0.5, 1.0, 2.0):
        script = get_script(name, Variation(down_s=down_s, load="barbell" if name == "hinge-lift" else "medium",
                                            posture="straight-arms"))
        times = np.arange(0.0, script.duration_s, 0.01)
        trunk = np.array([script.pose_at(float(t)).trunk_flexion_deg for t in times])
        reached = times[np.argmax(trunk >= trunk.max() - 1e-6)]
        assert reached == pytest.approx(0.8 + down_s, abs=0.011)


@pytest.mark.parametrize("name", [*LIFTS, *TURNS, *CARRIES])
def test_hands_hold_the_load_where_the_posture_says(name: str) -> None:
    elbow_range = {"waist": (30.0, 55.0), "straight-arms": (0.0, 15.0), "chest": (70.0, 110.0), "hip": (25.0, 75.0)}
    for variation in variations():
        if variation.put_down or variation.down_s != 2.0:
            continue
        script = get_script(name, variation)
        for time_s in np.arange(0.0, script.duration_s, 0.4):
            params = script.pose_at(float(time_s))
            body = build_body(params)
            if not params.load_held:
                continue
            assert body.box is not None and body.box.shape == LOADS[variation.load]
            standing = params.knee_flexion_deg <= 5.0 and params.trunk_flexion_deg <= 5.0
            for wrist in wrists(body.joints_m):  # each hand on the load (looser while shifting the grip)
                limit = 0.04 if standing else 0.09
                assert _distance_to_load(wrist, body.box) <= limit, (name, variation, time_s)
            if standing and params.torso_twist_deg == 0.0:
                low, high = elbow_range[variation.posture]
                assert low <= measure_metrics(body.joints_m).elbow_flexion_deg <= high, (name, variation)


def _distance_to_load(point: np.ndarray, box) -> float:  # noqa: ANN001 - a BoxPlacement
    """Distance (m) from a point to a box's surface, or to a barbell's bar."""
    local = box.axes @ (point - box.center_m)
    if box.shape.kind == "barbell":
        return float(np.hypot(local[0], local[1]))
    half = np.array([box.shape.depth_m, box.shape.height_m, box.shape.width_m]) / 2.0
    outside = np.maximum(np.abs(local) - half, 0.0)
    return float(np.linalg.norm(outside)) if outside.any() else float(np.min(half - np.abs(local)))


def test_the_lifted_load_leaves_its_rest_and_returns_to_it() -> None:
    script = get_script("stoop-lift", Variation(put_down=True, load="small", posture="chest"))
    resting = build_body(script.pose_at(0.0)).box
    after = build_body(script.pose_at(script.duration_s)).box
    carried = build_body(script.pose_at(script.pick_ups_s[0] + 2.0)).box
    assert resting is not None and after is not None and carried is not None
    assert after.center_m == pytest.approx(resting.center_m)
    assert carried.center_m[1] > resting.center_m[1] + 0.5  # at the chest
    assert len(build_body(script.pose_at(0.0)).platforms) == 1  # a small box waits on a platform


@pytest.mark.parametrize("name", NO_LOAD)
def test_negative_scripts_never_hold_a_load(name: str) -> None:
    script = SCRIPTS[name]
    assert script.lifts == 0 and not script.put_downs_s
    for time_s in np.arange(0.0, script.duration_s, 0.1):
        params = script.pose_at(float(time_s))
        assert not params.load_held and build_body(params).box is None


@pytest.mark.parametrize("name", ["cart-push", "cart-walk"])
def test_cart_push_keeps_the_hands_on_the_handle(name: str) -> None:
    script = SCRIPTS[name]
    for time_s in np.arange(0.0, script.duration_s, 0.25):
        body = build_body(script.pose_at(float(time_s)))
        left, right = wrists(body.joints_m)
        assert body.cart is not None
        assert np.linalg.norm((left + right) / 2.0 - body.cart.center_m) < 0.01
        assert 20.0 <= measure_metrics(body.joints_m).elbow_flexion_deg <= 60.0


@pytest.mark.parametrize("name", ["carry-walk", "cart-walk"])
def test_walking_steps_the_feet_and_moves_the_body_forward(name: str) -> None:
    from posecheck.synth.skeleton import DIMENSIONS

    script = SCRIPTS[name]
    start, end = (build_body(script.pose_at(t)).joints_m for t in (0.0, script.duration_s))
    assert end[Landmark.LEFT_HIP][0] - start[Landmark.LEFT_HIP][0] >= 1.3
    apart, lifted, bent = [], [], []
    for time_s in np.arange(1.5, 4.5, 0.1):
        joints = build_body(script.pose_at(float(time_s))).joints_m
        for hip, knee, ankle in ((Landmark.LEFT_HIP, Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
                                 (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE)):
            assert np.linalg.norm(joints[knee] - joints[hip]) == pytest.approx(DIMENSIONS.thigh_m, abs=1e-6)
            assert np.linalg.norm(joints[ankle] - joints[knee]) == pytest.approx(DIMENSIONS.shin_m, abs=1e-6)
        apart.append(abs(joints[Landmark.LEFT_ANKLE][0] - joints[Landmark.RIGHT_ANKLE][0]))
        lifted.append(max(joints[Landmark.LEFT_ANKLE][1], joints[Landmark.RIGHT_ANKLE][1]) - DIMENSIONS.ankle_height_m)
        bent.append(measure_metrics(joints).knee_flexion_deg)
    assert max(apart) > 0.35 and max(lifted) > 0.05 and max(bent) > 15.0
    assert script.pose_at(3.0).load_held == (name == "carry-walk")


def test_reach_floor_goes_low_without_a_load() -> None:
    script = SCRIPTS["reach-floor"]
    low = min(measure_metrics(build_body(script.pose_at(t)).joints_m).hand_height_m for t in np.arange(0, 6, 0.1))
    assert low < 0.45


@pytest.mark.parametrize("posture", POSTURES)
def test_carried_twist_and_pivot_per_posture(posture: str) -> None:
    variation = Variation(posture=posture, load="small" if posture == "hip" else "medium")
    twist = get_script("twist-carry", variation)
    pivot = get_script("pivot-carry", variation)
    twists = [measure_metrics(build_body(twist.pose_at(t)).joints_m).torso_twist_deg for t in np.arange(0, 6, 0.1)]
    pivots = [measure_metrics(build_body(pivot.pose_at(t)).joints_m) for t in np.arange(0, 6, 0.1)]
    assert max(twists) >= 35.0
    assert max(abs(m.torso_twist_deg) for m in pivots) < 0.5 and max(m.body_yaw_deg for m in pivots) > 60.0
    assert all(twist.pose_at(t).load_held and pivot.pose_at(t).load_held for t in np.arange(0, 6, 0.5))


@pytest.mark.parametrize("posture", POSTURES)
def test_lift_and_turn_twists_only_while_holding_the_load(posture: str) -> None:
    script = get_script("lift-and-turn", Variation(posture=posture, load="small" if posture == "hip" else "medium",
                                                   down_s=0.8))
    assert script.lifts == 1 and script.expected_flags == {"twist_under_load"}
    twisted = []
    for time_s in np.arange(0.0, script.duration_s, 0.05):
        params = script.pose_at(float(time_s))
        twist = measure_metrics(build_body(params).joints_m).torso_twist_deg
        assert twist == pytest.approx(params.torso_twist_deg, abs=0.5)
        if twist > 1.0:
            twisted.append(time_s)
            assert params.load_held and params.knee_flexion_deg <= 3.5
    assert max(measure_metrics(build_body(script.pose_at(t)).joints_m).torso_twist_deg for t in twisted) >= 44.0
    assert min(twisted) > script.pick_ups_s[0] and max(twisted) < script.duration_s - 0.3


@pytest.mark.parametrize("fps", [15.0, 24.0, 30.0, 60.0])
def test_any_frame_rate_gives_frames_at_exact_times(fps: float) -> None:
    clip = synthesize_clip("stoop-lift", ClipSettings(size=(96, 72), fps=fps, duration_s=0.5,
                                                      variation=Variation(down_s=0.6)))
    assert len(clip.frames) == int(0.5 * fps)
    assert [frame["time_s"] for frame in clip.truth["frames"]] == [round(i / fps, 4) for i in range(len(clip.frames))]
    truth = clip.truth
    assert truth["variation"]["down_s"] == 0.6 and truth["lifts"] == 1
    assert truth["pick_ups_s"] == [pytest.approx(1.8)] and truth["put_downs_s"] == []


@pytest.mark.parametrize("kind", ["plate", "crate"])
@pytest.mark.parametrize("yaw", [0.0, 60.0, 90.0])
def test_occluder_stands_between_the_camera_and_the_shins(kind: str, yaw: float) -> None:
    script = SCRIPTS["stoop-lift"]
    plain = synthesize_clip("stoop-lift", ClipSettings(camera_yaw_deg=yaw, size=SMALL, fps=1.0, duration_s=1.0))
    hidden = synthesize_clip(
        "stoop-lift", ClipSettings(camera_yaw_deg=yaw, size=SMALL, fps=1.0, duration_s=1.0, occluder=kind)
    )
    ankle = np.asarray(plain.truth["frames"][0]["joints_image_px"])[Landmark.LEFT_ANKLE].astype(int)
    x, y = int(ankle[0]), int(ankle[1])
    assert not np.array_equal(plain.frames[0][y, x], hidden.frames[0][y, x])
    assert hidden.truth["occluder"] == kind
    body = build_body(script.pose_at(0.0))
    mask = render_body(body, Camera(CameraSpec(yaw, width_px=SMALL[0], height_px=SMALL[1]))).foreground_mask
    assert mask.any()


def _synth_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posecheck")
    add_synth_parser(parser.add_subparsers(dest="command"))
    return parser


def test_cli_renders_a_variation(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    import json

    output = tmp_path / "v.mp4"
    args = _synth_parser().parse_args(
        ["synth", "squat-lift", "--size", "96x72", "--fps", "24", "--duration", "0.3", "--down-s", "0.8",
         "--posture", "straight-arms", "--load", "large", "--put-down", "--repeats", "2", "--occluder", "plate",
         "-o", str(output)]
    )
    assert args.handler(args) == 0
    truth = json.loads(output.with_name("v.truth.json").read_text())
    assert truth["variation"] == {"down_s": 0.8, "posture": "straight-arms", "load": "large", "put_down": True,
                                  "repeats": 2}
    assert truth["occluder"] == "plate" and truth["lifts"] == 2 and len(truth["put_downs_s"]) == 2


def test_cli_refuses_an_impossible_variation(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    args = _synth_parser().parse_args(["synth", "hinge-lift", "--posture", "hip", "-o", str(tmp_path / "x.mp4")])
    assert args.handler(args) == 2
    assert "barbell" in capsys.readouterr().err
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "variation", "yaw"),
    [
        ("cart-push", None, 30.0),
        ("hold-still", Variation(posture="straight-arms", load="large"), 60.0),
        ("hinge-lift", None, 0.0),
    ],
)
def test_mediapipe_detects_the_new_scenes(name: str, variation: Variation | None, yaw: float) -> None:
    from posecheck.pose import PoseEstimator

    clip = synthesize_clip(name, ClipSettings(camera_yaw_deg=yaw, fps=4.0, variation=variation))
    with PoseEstimator() as estimator:
        detected = sum(
            estimator.detect(rgb, truth["time_s"] * 1000.0) is not None
            for rgb, truth in zip(clip.frames, clip.truth["frames"], strict=True)
        )
    assert detected >= 0.9 * len(clip.frames)


@pytest.mark.parametrize("elevation", [-5.0, 0.0, 20.0, 30.0])
@pytest.mark.parametrize("yaw", [0.0, 30.0, 60.0, 90.0])
def test_every_camera_height_and_yaw_keeps_the_lifter_in_frame(elevation: float, yaw: float) -> None:
    camera = Camera(CameraSpec(camera_yaw_deg=yaw, camera_elevation_deg=elevation, width_px=SMALL[0],
                               height_px=SMALL[1]))
    for params in (SCRIPTS["stand-still"].pose_at(0.0), SCRIPTS["stoop-lift"].pose_at(2.7)):
        frame = render_body(build_body(params), camera)
        for index in (Landmark.NOSE, Landmark.LEFT_WRIST, Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE):
            x, y = frame.joints_image_px[index]
            assert 0 <= x < SMALL[0] and 0 <= y < SMALL[1], (Landmark(index).name, yaw, elevation)


@pytest.mark.parametrize(
    ("distance_m", "look_at_m", "cut"),
    [(3.2, 0.86, set()), (3.2, 0.15, {Landmark.NOSE}), (3.2, 1.55, {Landmark.LEFT_ANKLE}), (9.0, 0.86, set())],
)
def test_framing_can_cut_the_body_off_or_shrink_it(distance_m: float, look_at_m: float, cut: set) -> None:
    settings = ClipSettings(camera_yaw_deg=60.0, size=SMALL, fps=1.0, duration_s=1.0, camera_distance_m=distance_m,
                            look_at_height_m=look_at_m)
    truth = synthesize_clip("stand-still", settings).truth
    in_frame = truth["frames"][0]["joints_in_frame"]
    assert {index for index in Landmark if not in_frame[index]} >= cut
    assert all(in_frame) == (not cut)
    assert truth["camera"]["distance_m"] == distance_m and truth["camera"]["look_at_height_m"] == look_at_m
    pixels = np.asarray(truth["frames"][0]["joints_image_px"])
    height_px = pixels[Landmark.LEFT_ANKLE][1] - pixels[Landmark.NOSE][1]
    assert (height_px < 0.35 * SMALL[1]) == (distance_m > 5.0)
