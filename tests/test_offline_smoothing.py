"""Zero-phase smoothing of a file's landmark track, and judging the whole track (synthetic landmark tracks)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from posecheck.config import Config, SmoothingConfig
from posecheck.metrics.frame_metrics import FrameMetrics
from posecheck.pipeline import (
    AnalysisResult,
    AnalysisSettings,
    FrameOutput,
    FrameResult,
    annotated_frame,
    draw_video,
    judge_track,
    smooth_file_track,
)
from posecheck.rules import Event
from posecheck.smoothing import OneEuroFilter, present_runs, zero_phase_smooth
from posecheck.track import PoseTrack
from posecheck.video import probe_video
from tests import corpus
from tests.skeleton_fixture import body_landmarks, pose_frame

FRAME_RATES = (15.0, 24.0, 30.0, 60.0)


def lift_angle_deg(time_s: np.ndarray, down_s: float = 0.9, peak_s: float = 2.0, peak_deg: float = 85.0) -> np.ndarray:
    """A symmetric lift: 0 deg, a cosine ramp to `peak_deg` over `down_s`, and back the same way."""
    phase = np.clip(1.0 - np.abs(time_s - peak_s) / down_s, 0.0, 1.0)
    return peak_deg * (0.5 - 0.5 * np.cos(np.pi * phase))


@pytest.mark.parametrize("fps", FRAME_RATES)
def test_a_symmetric_lift_keeps_its_peak_time_and_height(fps: float) -> None:
    """Zero phase: the smoothed peak stays on the true peak frame, within 1.5 deg of its height. The causal
    One Euro filter (with live's settings until session 5, fed a landmark-sized value, 1/100 of the angle)
    peaks a frame or more later: the contrast that shows the check can fail."""
    time_s = np.arange(0.0, 4.0, 1.0 / fps)
    angle = lift_angle_deg(time_s)
    smoothed = zero_phase_smooth(time_s, angle, cutoff_hz=3.0)
    assert time_s[np.argmax(smoothed)] == pytest.approx(2.0, abs=0.5 / fps)
    assert smoothed.max() == pytest.approx(85.0, abs=1.5)
    causal = OneEuroFilter(SmoothingConfig(min_cutoff_hz=1.5, beta=0.5))
    live = np.array([causal.filter(np.array([value / 100]), t)[0] for t, value in zip(time_s, angle, strict=True)])
    assert time_s[np.argmax(live)] > 2.0 + 0.5 / fps


def test_polynomials_up_to_quadratic_pass_unchanged_even_at_the_ends_and_with_uneven_frame_times() -> None:
    rng = np.random.default_rng(1)
    time_s = np.cumsum(rng.uniform(0.02, 0.07, size=80))
    values = np.column_stack([3.0 - 2.0 * time_s, 0.5 * time_s**2 - time_s + 4.0])
    np.testing.assert_allclose(zero_phase_smooth(time_s, values, cutoff_hz=2.0), values, atol=1e-6)


def test_noise_is_reduced_by_the_same_filter_at_every_frame_rate() -> None:
    """The cutoff is in Hz: a 1 Hz movement passes (gain >= 0.98) and 6 Hz jitter is cut to under a
    quarter at every frame rate where 6 Hz can be sampled (above 12 fps)."""
    for fps in FRAME_RATES:
        time_s = np.arange(0.0, 6.0, 1.0 / fps)
        middle = slice(len(time_s) // 4, -len(time_s) // 4)
        for frequency_hz, low, high in ((1.0, 0.98, 1.02), (6.0, 0.0, 0.25)):
            wave = np.sin(2 * math.pi * frequency_hz * time_s + 0.3)
            smoothed = zero_phase_smooth(time_s, wave, cutoff_hz=3.0)
            gain = np.abs(smoothed[middle]).max() / np.abs(wave[middle]).max()
            assert low <= gain <= high, (fps, frequency_hz, gain)


def test_the_same_motion_smooths_alike_at_15_and_60_fps() -> None:
    """A lift with jitter-free samples: the smoothed angle at the frames 15 and 60 fps share agree within 0.5 deg."""
    slow = np.arange(0.0, 4.0, 1.0 / 15.0)
    fast = np.arange(0.0, 4.0, 1.0 / 60.0)
    smooth_slow = zero_phase_smooth(slow, lift_angle_deg(slow, down_s=0.6), cutoff_hz=3.0)
    smooth_fast = zero_phase_smooth(fast, lift_angle_deg(fast, down_s=0.6), cutoff_hz=3.0)
    np.testing.assert_allclose(smooth_fast[::4], smooth_slow, atol=0.5)


def test_a_known_delay_is_taken_back_and_never_read_past_the_last_frame() -> None:
    """`lead_s` reads the local fit later: a lift delayed by 40 ms comes back within 0.5 deg of the
    undelayed one on average, 1.5 at most (smoothed without the lead: 9 deg off at 15 fps); the last frame is not
    extrapolated beyond the data."""
    time_s = np.arange(0.0, 4.0, 1.0 / 15.0)
    delay_s = 0.04
    delayed = lift_angle_deg(time_s - delay_s, down_s=0.6)
    truth = lift_angle_deg(time_s, down_s=0.6)
    led = zero_phase_smooth(time_s, delayed, cutoff_hz=3.0, lead_s=delay_s)
    plain = zero_phase_smooth(time_s, delayed, cutoff_hz=3.0)
    assert np.abs(led - truth).max() < 1.5 and np.abs(led - truth).mean() < 0.5
    assert np.abs(plain - truth).max() > 5.0
    ramp = 2.0 * time_s
    np.testing.assert_allclose(zero_phase_smooth(time_s, ramp, 3.0, lead_s=delay_s)[-1], ramp[-1], atol=1e-6)


def trailing_track(fps: float, trail_frames: float) -> tuple[PoseTrack, np.ndarray]:
    """A 0.6 s stoop seen side-on whose picture landmarks trail the body by `trail_frames` frame steps
    (MediaPipe's video mode) while its 3D landmarks do not; the track and the true picture landmarks."""
    track, truth = PoseTrack(), []
    for index in range(int(4.0 * fps)):
        time_s = index / fps
        trunk_deg = float(lift_angle_deg(np.array([time_s]), down_s=0.6)[0])
        trailing_deg = float(lift_angle_deg(np.array([time_s - trail_frames / fps]), down_s=0.6)[0])
        seen, body = pose_frame(body_landmarks(trailing_deg)), pose_frame(body_landmarks(trunk_deg))
        track.append(index, time_s, dataclasses.replace(body, image_xy_px=seen.image_xy_px))
        truth.append(body.image_xy_px)
    return track, np.array(truth)


@pytest.mark.parametrize("fps", (15.0, 30.0))
def test_files_take_the_tracking_lag_back_from_the_picture_landmarks(fps: float) -> None:
    """Picture landmarks trailing by 0.6 frame (MediaPipe's video mode) are put back on the body: the
    shoulders within 2 px of the truth over the lift and within a quarter of the plain zero-phase
    smoothing's error (which leaves them 13 px behind at 15 fps, 6 px at 30 fps); the 3D landmarks,
    which do not trail, are not shifted; and nothing is shifted when every frame was detected on its
    own (image mode)."""
    track, truth = trailing_track(fps, Config().smoothing.tracking_lag_frames)
    shoulders = [11, 12]
    led = smooth_file_track(track, Config())
    plain = track.smoothed(Config().smoothing.zero_phase_cutoff_hz)
    led_error = np.abs(led.image_xy_px[: len(track), shoulders] - truth[:, shoulders]).max()
    plain_error = np.abs(plain.image_xy_px[: len(track), shoulders] - truth[:, shoulders]).max()
    assert led_error < min(2.0, 0.25 * plain_error), (led_error, plain_error)
    np.testing.assert_allclose(led.world_xyz_m[: len(track)], plain.world_xyz_m[: len(track)])
    image_mode = smooth_file_track(track, Config(), per_frame=True)
    np.testing.assert_allclose(image_mode.image_xy_px[: len(track)], plain.image_xy_px[: len(track)])


def test_present_runs() -> None:
    assert present_runs(np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 1], bool)) == [(1, 3), (4, 5), (7, 10)]
    assert present_runs(np.zeros(3, bool)) == []


def standing_then_bent_track(fps: float, gap: tuple[float, float] | None = None) -> PoseTrack:
    """Standing 1.5 s, bent over (trunk 90 deg, straight knees, hands below the knees) 1.5 s, standing 1.5 s."""
    standing, bent = pose_frame(body_landmarks()), pose_frame(body_landmarks(trunk_flexion_deg=90.0))
    track = PoseTrack()
    for index in range(int(4.5 * fps)):
        time_s = index / fps
        missing = gap is not None and gap[0] <= time_s < gap[1]
        track.append(index, time_s, None if missing else bent if 1.5 <= time_s < 3.0 else standing)
    return track


def test_gaps_stay_gaps_and_nothing_is_carried_across_them() -> None:
    """Nobody in view from 1.5 s to 2 s: those frames stay without a pose, and the standing frames before
    the gap are not pulled toward the bent frames after it."""
    track = standing_then_bent_track(30.0, gap=(1.5, 2.0))
    smoothed = track.smoothed(cutoff_hz=3.0)
    assert not smoothed.detected[45:60].any() and smoothed.detected[:45].all()
    np.testing.assert_allclose(smoothed.world_xyz_m[:45], track.world_xyz_m[:45], atol=1e-5)
    np.testing.assert_allclose(smoothed.image_xy_px[:45], track.image_xy_px[:45], atol=1e-3)
    assert np.isnan(smoothed.world_xyz_m[45:60]).all()
    assert smoothed.pose(50) is None and smoothed.pose(44) is not None


def test_track_grows_and_gives_back_its_poses() -> None:
    track = standing_then_bent_track(60.0)  # 270 rows: grows past its first capacity
    assert len(track) == 270 and track.detected_count() == 270
    original = pose_frame(body_landmarks(trunk_flexion_deg=90.0))
    restored = track.pose(100)
    np.testing.assert_allclose(restored.world_xyz_m, original.world_xyz_m, atol=1e-6)
    np.testing.assert_allclose(restored.image_xy_px, original.image_xy_px, atol=1e-3)
    assert (restored.width_px, restored.height_px) == (original.width_px, original.height_px)


@pytest.mark.parametrize("fps", FRAME_RATES)
def test_a_flag_is_shown_from_its_events_first_frame(fps: float) -> None:
    """The bend is flagged from its first frame (1.5 s), including the minimum duration before the rule
    triggered, to its last; the same event at every frame rate."""
    table, events = judge_track(standing_then_bent_track(fps).smoothed(3.0), Config())
    assert [event.rule for event in events] == ["bend_at_waist"]
    event = events[0]
    assert event.start_s == pytest.approx(1.5, abs=0.15)
    assert event.end_s == pytest.approx(3.0, abs=0.15)
    flagged = [table.time_s[row] for row in range(len(table)) if "bend_at_waist" in table.flags(row)]
    assert flagged[0] == pytest.approx(event.start_s) and flagged[-1] == pytest.approx(event.end_s)
    assert len(flagged) == event.end_frame - event.start_frame + 1


def test_each_event_image_shows_its_own_rule_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two events peaking on the same frame: each image's banner leads with that event's rule (the first
    flag's advice is the one written out), while the video frame keeps the usual order."""
    video = corpus.write_h264(tmp_path / "grey.mp4", corpus.blank_frames(6))
    track = PoseTrack()
    for index in range(6):
        track.append(index, index / corpus.FPS, pose_frame(body_landmarks(hands="box")))
    table, _ = judge_track(track, Config())
    events = [synthetic_event(rule, peak_frame=3) for rule in ("twist_under_load", "load_far_from_body")]
    table.set_flags_from_events(events)
    result = AnalysisResult(probe_video(video), AnalysisSettings(), table, events)
    drawn: list[tuple[str, ...]] = []
    monkeypatch.setattr("posecheck.pipeline.annotate_frame", lambda rgb, pose, metrics, flags, *rest: (
        drawn.append(flags) or rgb))
    images: list[tuple[str, tuple[str, ...]]] = []
    draw_video(video, AnalysisSettings(), Config(), track, result, lambda rgb: None,
               lambda event, rgb: images.append((event.rule, drawn[-1])))
    assert images == [("twist_under_load", ("twist_under_load", "load_far_from_body")),
                      ("load_far_from_body", ("load_far_from_body", "twist_under_load"))]
    assert drawn.count(("twist_under_load", "load_far_from_body")) == 3 + 1  # frames 2-4, then its image


def synthetic_event(rule: str, peak_frame: int) -> Event:
    """An event of `rule` over frames 2-4 (at corpus.FPS) peaking on `peak_frame`."""
    return Event(rule=rule, start_s=0.2, end_s=0.4, peak_s=peak_frame / corpus.FPS, peak_value=1.0,
                 severity="medium", message="", start_frame=2, end_frame=4, peak_frame=peak_frame, metric="x")


def test_a_live_event_image_leads_with_its_own_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live keeps an event's image at its peak frame: that rule leads the banner even when another rule
    is flagged first or the rule is not flagged yet (its minimum duration still running)."""
    drawn: list[tuple[str, ...]] = []
    monkeypatch.setattr("posecheck.pipeline.annotate_frame", lambda rgb, pose, metrics, flags, *rest: (
        drawn.append(flags) or rgb))
    result = FrameResult(3, 0.3, True, FrameMetrics(), ("twist_under_load",), True)
    out = FrameOutput(None, result, ())
    rgb = np.zeros((4, 4, 3), np.uint8)
    annotated_frame(rgb, out, Config(), False, first_rule="load_far_from_body")
    annotated_frame(rgb, out, Config(), False)
    assert drawn == [("load_far_from_body", "twist_under_load"), ("twist_under_load",)]
