"""Property tests: metrics, smoothing, rules and the report never crash and never emit NaN or infinity,
whatever the landmarks (NaN, infinite, huge, missing, degenerate) and frame times (repeated,
backwards, huge gaps). Missing values stay None."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posecheck.config import Config, RulesConfig, SmoothingConfig
from posecheck.frames import FrameTable
from posecheck.landmarks import NUM_LANDMARKS
from posecheck.load import LoadTracker
from posecheck.metrics.compute import compute_metrics
from posecheck.metrics.frame_metrics import METRIC_NAMES, FrameMetrics
from posecheck.pipeline import AnalysisResult, AnalysisSettings, FrameResult
from posecheck.pose import PoseFrame
from posecheck.report import build_report
from posecheck.rules import RULE_IDS, Event, RulesEngine
from posecheck.smoothing import PoseSmoother
from posecheck.video import VideoInfo
from tests.skeleton_fixture import body_landmarks, pose_frame

# Absurd inputs (1e300, inf - inf) overflow inside numpy on purpose; only the outputs matter here.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NASTY_FLOATS = (math.nan, math.inf, -math.inf, 0.0, -0.0, 1e300, -1e300, 1e-300, 5e-324)

any_float = st.one_of(
    st.floats(-10.0, 10.0),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(NASTY_FLOATS),
)
# Frame times: ordinary, repeated, backwards, huge gaps (all finite: decoders and StreamClock give finite times).
frame_time = st.one_of(st.floats(-5.0, 60.0), st.floats(-1e9, 1e9), st.sampled_from([0.0, 1.0, 1e9, -1e9]))


def finite_or_none(value: float | None) -> bool:
    """True for None and finite numbers."""
    return value is None or (isinstance(value, float | int) and math.isfinite(value))


# ----- poses --------------------------------------------------------------------------------------


@st.composite
def plausible_points(draw: st.DrawFn) -> PoseFrame:
    """A hand-built skeleton in a random posture, seen from a random yaw."""
    points = body_landmarks(
        trunk_flexion_deg=draw(st.floats(-30, 120)),
        knee_flexion_deg=draw(st.floats(0, 150)),
        torso_twist_deg=draw(st.floats(-60, 60)),
        hands=draw(st.sampled_from(["sides", "box"])),
        stance_half_width_m=draw(st.floats(0.0, 0.5)),
    )
    return pose_frame(points, camera_yaw_deg=draw(st.floats(-180, 180)))


# MediaPipe's visibilities are probabilities; NaN stands for a value that is missing altogether.
probability = st.one_of(st.floats(0.0, 1.0), st.just(math.nan))


@st.composite
def damaged_pose(draw: st.DrawFn, visibility: st.SearchStrategy[float] = probability) -> PoseFrame:
    """A plausible pose with some landmarks made NaN, infinite, huge, random or equal to another one,
    and random visibilities; or entirely random arrays."""
    if draw(st.booleans()):
        base = draw(plausible_points())
        image, world = base.image_xy_px.copy(), base.world_xyz_m.copy()
    else:
        image = np.array(draw(st.lists(any_float, min_size=66, max_size=66))).reshape(NUM_LANDMARKS, 2)
        world = np.array(draw(st.lists(any_float, min_size=99, max_size=99))).reshape(NUM_LANDMARKS, 3)
    for index in draw(st.lists(st.integers(0, NUM_LANDMARKS - 1), max_size=8)):
        damage = draw(st.sampled_from(["nan", "inf", "value", "duplicate"]))
        if damage == "duplicate":
            other = draw(st.integers(0, NUM_LANDMARKS - 1))
            image[index], world[index] = image[other], world[other]
        else:
            value = {"nan": math.nan, "inf": draw(st.sampled_from([math.inf, -math.inf]))}.get(damage)
            image[index] = value if value is not None else draw(any_float)
            world[index] = value if value is not None else draw(any_float)
    visibilities = np.array(draw(st.lists(visibility, min_size=NUM_LANDMARKS, max_size=NUM_LANDMARKS)))
    size = draw(st.sampled_from([(640, 480), (64, 48), (3840, 2160), (1, 1)]))
    return PoseFrame.from_arrays(image, world, visibilities, width_px=size[0], height_px=size[1])


def assert_metrics_sound(metrics: FrameMetrics) -> None:
    """Every metric None or finite; confidences finite in [0, 1] and only for measured metrics."""
    values = metrics.values()
    assert set(values) == set(METRIC_NAMES)
    for name, value in values.items():
        assert finite_or_none(value), (name, value)
    for name, confidence in metrics.confidence.items():
        assert values[name] is not None and math.isfinite(confidence) and 0.0 <= confidence <= 1.0, name


@PROPERTY_SETTINGS
@given(pose=damaged_pose(), min_visibility=st.floats(0.0, 1.0))
def test_metrics_of_damaged_poses_are_finite_or_none(pose: PoseFrame, min_visibility: float) -> None:
    assert_metrics_sound(compute_metrics(pose, min_visibility))


@PROPERTY_SETTINGS
@given(pose=damaged_pose(visibility=any_float), min_visibility=st.floats(0.0, 1.0))
def test_metrics_with_out_of_range_visibilities(pose: PoseFrame, min_visibility: float) -> None:
    assert_metrics_sound(compute_metrics(pose, min_visibility))


@PROPERTY_SETTINGS
@given(pose=plausible_points())
def test_metrics_of_plausible_poses_are_measured(pose: PoseFrame) -> None:
    metrics = compute_metrics(pose)
    assert_metrics_sound(metrics)
    assert metrics.trunk_flexion_deg is not None


def test_metrics_without_pose_are_all_none() -> None:
    assert all(value is None for value in compute_metrics(None).values().values())


# ----- smoothing ------------------------------------------------------------------------------------

smoothing_config = st.builds(
    SmoothingConfig,
    min_cutoff_hz=st.floats(0.01, 100.0),
    beta=st.floats(0.0, 100.0),
    derivative_cutoff_hz=st.floats(0.01, 100.0),
)


@PROPERTY_SETTINGS
@given(
    config=smoothing_config,
    stream=st.lists(st.tuples(st.one_of(st.none(), damaged_pose()), frame_time), min_size=1, max_size=12),
)
def test_smoother_keeps_finite_landmarks_finite(config: SmoothingConfig, stream: list) -> None:
    smoother = PoseSmoother(config)
    for pose, time_s in stream:
        smoothed = smoother.smooth(pose, time_s)
        if pose is None:
            assert smoothed is None
            continue
        assert smoothed is not None
        assert smoothed.image_xy_px.shape == (NUM_LANDMARKS, 2) and smoothed.world_xyz_m.shape == (NUM_LANDMARKS, 3)
        for raw, out in ((pose.image_xy_px, smoothed.image_xy_px), (pose.world_xyz_m, smoothed.world_xyz_m)):
            assert np.all(np.isfinite(out[np.isfinite(raw)])), "smoothing turned a finite landmark non-finite"


@PROPERTY_SETTINGS
@given(times=st.lists(frame_time, min_size=2, max_size=12), config=smoothing_config)
def test_smoothing_a_still_pose_returns_it(times: list[float], config: SmoothingConfig) -> None:
    pose = pose_frame(body_landmarks(trunk_flexion_deg=40.0))
    smoother = PoseSmoother(config)
    for time_s in times:
        smoothed = smoother.smooth(pose, time_s)
        assert smoothed is not None
        np.testing.assert_allclose(smoothed.image_xy_px, pose.image_xy_px, rtol=1e-9, atol=1e-6)


# ----- rules ----------------------------------------------------------------------------------------

metric_value = st.one_of(st.none(), st.floats(-200.0, 200.0), st.sampled_from(NASTY_FLOATS))


@st.composite
def frame_metrics(draw: st.DrawFn) -> FrameMetrics:
    """FrameMetrics with each value None, ordinary, or NaN/infinite/huge."""
    values = {name: draw(metric_value) for name in METRIC_NAMES}
    return FrameMetrics(**values, confidence={name: 1.0 for name, value in values.items() if value is not None})


rules_config = st.builds(
    RulesConfig,
    stoop_min_duration_s=st.sampled_from([0.0, 0.3, 5.0]),
    twist_min_duration_s=st.sampled_from([0.0, 0.3]),
    far_load_min_duration_s=st.sampled_from([0.0, 0.5]),
    narrow_stance_min_duration_s=st.sampled_from([0.0, 0.5]),
    prolonged_min_duration_s=st.sampled_from([0.0, 1.0, 20.0]),
    merge_gap_s=st.sampled_from([0.0, 0.5, 1e6]),
)


def assert_event_sound(event: Event, frames: int) -> None:
    """An event's numbers are finite, its times ordered and its frames within the stream."""
    assert event.rule in RULE_IDS and event.severity in ("low", "medium", "high")
    for number in (event.start_s, event.end_s, event.peak_s, event.peak_value):
        assert math.isfinite(number), event
    assert event.start_s <= event.peak_s <= event.end_s, event
    assert 0 <= event.start_frame <= event.peak_frame <= event.end_frame < frames, event


@PROPERTY_SETTINGS
@given(
    config=rules_config,
    stream=st.lists(st.tuples(frame_metrics(), frame_time, st.booleans()), min_size=1, max_size=30),
)
def test_rules_engine_survives_any_metrics_and_timing(config: RulesConfig, stream: list) -> None:
    engine = RulesEngine(config)
    events = []
    for index, (metrics, time_s, loaded) in enumerate(stream):
        judgement = engine.update(index, time_s, metrics, loaded)
        assert set(judgement.flags) <= set(RULE_IDS)
        assert finite_or_none(judgement.twist_speed_deg_per_s), judgement
        events += judgement.finished_events
    events += engine.finish()
    for event in events:
        assert_event_sound(event, len(stream))
    assert engine.finish() == ()


# ----- the whole chain into report.json -------------------------------------------------------------


def nonfinite_paths(document: object, path: str = "") -> list[str]:
    """Paths (like `.frames[3].metrics.trunk_flexion_deg`) of NaN or infinite numbers in a JSON-like document."""
    if isinstance(document, dict):
        return [found for key, value in document.items() for found in nonfinite_paths(value, f"{path}.{key}")]
    if isinstance(document, list | tuple):
        return [found for i, value in enumerate(document) for found in nonfinite_paths(value, f"{path}[{i}]")]
    if isinstance(document, float) and not math.isfinite(document):
        return [f"{path} = {document}"]
    return []


@dataclass(frozen=True)
class _Frame:
    pose: PoseFrame | None
    time_s: float


@PROPERTY_SETTINGS
@given(
    stream=st.lists(
        st.builds(_Frame, st.one_of(st.none(), plausible_points(), damaged_pose(visibility=any_float)), frame_time),
        min_size=1,
        max_size=12,
    ),
    rules=rules_config,
)
def test_report_of_any_stream_is_strict_json(stream: list[_Frame], rules: RulesConfig) -> None:
    config = Config(rules=rules)
    smoother, engine, table, events = PoseSmoother(config.smoothing), RulesEngine(config.rules), FrameTable(), []
    load = LoadTracker(config.load)
    for index, frame in enumerate(stream):
        pose = smoother.smooth(frame.pose, frame.time_s)
        metrics = compute_metrics(pose, config.pose.min_visibility)
        held = load.update(index, frame.time_s, metrics.hand_height_rel, metrics.hands_separation_rel)
        judgement = engine.update(index, frame.time_s, metrics, held)
        table.append(FrameResult(index, frame.time_s, pose is not None, metrics, judgement.flags, judgement.load_held))
        events += judgement.finished_events
    events += engine.finish()
    info = VideoInfo("stream", 30.0, len(stream), 640, 480, 1.0, 0)
    report = build_report(AnalysisResult(info, AnalysisSettings(), table, events, 640, 480)).to_json()
    assert nonfinite_paths(report) == []
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text)["summary"]["frames_analysed"] == len(stream)
