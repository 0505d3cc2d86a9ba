"""Bad and odd input never crashes: each corpus case (tests/corpus.py) gives a complete result or a
one-line error with its documented exit code, and never a partial report presented as complete."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from posecheck.cli import main
from posecheck.config import Config, RulesConfig
from posecheck.landmarks import Landmark as L
from posecheck.outputs.layout import REPORT_NAME, STAGING_PREFIX
from posecheck.pipeline import FrameAnalyzer
from posecheck.pose import PoseEstimator
from posecheck.video import read_frames
from tests import corpus

APP_PATH = Path(__file__).resolve().parents[1] / "app.py"


@dataclass(frozen=True)
class CliRun:
    """Outcome of one in-process `posecheck analyze` run."""

    code: int
    stdout: str
    errors: list[str]
    output_dir: Path

    def report(self) -> dict[str, Any]:
        """The report.json the run wrote."""
        return json.loads((self.output_dir / REPORT_NAME).read_text(encoding="utf-8"))


def analyze(video: Path, output_dir: Path, capsys: pytest.CaptureFixture[str], *options: str) -> CliRun:
    """Run `posecheck analyze VIDEO -o OUTPUT_DIR --quiet OPTIONS` in-process."""
    code = main(["analyze", str(video), "-o", str(output_dir), "--quiet", *options])
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.strip()]
    return CliRun(code, captured.out, errors, output_dir)


def assert_refused(run: CliRun, exit_code: int, fragment: str) -> None:
    """A specific one-line error with `exit_code`, and no report (nor staging) left behind."""
    assert run.code == exit_code, run.errors
    assert len(run.errors) == 1, run.errors
    assert run.errors[0].startswith("posecheck: error: ") and fragment in run.errors[0], run.errors[0]
    assert not (run.output_dir / REPORT_NAME).exists()
    assert not list(run.output_dir.glob(f"{STAGING_PREFIX}*"))


def decoded_frame_count(video: Path) -> int:
    """Number of frames PyAV decodes from `video`."""
    with av.open(str(video)) as container:
        return sum(1 for _ in container.decode(video=0))


def assert_complete(run: CliRun) -> dict[str, Any]:
    """Exit 0 and a complete, self-consistent output directory; returns the report."""
    assert run.code == 0 and run.errors == [], run.errors
    report = run.report()
    summary, frames = report["summary"], report["frames"]
    assert summary["frames_analysed"] == len(frames) > 0
    assert summary["frames_with_pose"] == sum(frame["pose_detected"] for frame in frames) > 0
    assert isinstance(summary["notes"], list)
    csv_lines = (run.output_dir / "metrics.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_lines) == len(frames) + 1
    assert decoded_frame_count(run.output_dir / "annotated.mp4") == len(frames)
    for event in report["events"]:
        assert (run.output_dir / event["image"]).is_file()
    assert not list(run.output_dir.glob(f"{STAGING_PREFIX}*"))
    return report


def trunk_series(report: dict[str, Any]) -> list[float]:
    """Trunk flexion (deg) of the frames where it was measured."""
    values = [frame["metrics"]["trunk_flexion_deg"] for frame in report["frames"]]
    return [value for value in values if value is not None]


# ----- unreadable input: one-line errors ---------------------------------------------------------

REFUSED_INPUTS: list[tuple[Callable[[Path], Path], int, str]] = [
    (corpus.empty_file, 3, "is empty"),
    (corpus.text_renamed_mp4, 3, "is not a readable video (Invalid data found"),
    (corpus.random_bytes_mp4, 3, "is not a readable video"),
    (corpus.missing_file, 3, "no such file"),
    (corpus.directory_as_video, 3, "is a directory, not a video file"),
    (corpus.truncated_mp4, 3, "is truncated: it ends after 13 of its 30 frames"),
    (corpus.truncated_no_index, 3, "is not a readable video"),
    (corpus.corrupted_middle, 3, "is damaged: only"),
    (corpus.audio_only, 3, "has no video stream"),
    (corpus.still_png, 3, "is a still image, not a video"),
    (corpus.still_jpeg_renamed_mp4, 3, "is a still image, not a video"),
    (corpus.zero_frame_durations, 3, "is damaged: its timing data hides"),
    (corpus.zero_timescale, 3, "is damaged: its timing data hides"),
    (corpus.no_person, 4, "no person found"),
    (corpus.very_dark, 4, "the video is very dark"),
    (corpus.named_pipe, 3, "pipe.mp4 is not a regular video file (a named pipe)"),
    (corpus.endless_device, 3, "/dev/urandom is not a regular video file (a character device)"),
    (corpus.dangling_symlink, 3, "no such file"),
    (corpus.header_only, 3, "contains no decodable video frames"),
    (corpus.pdf_renamed_mp4, 3, "is not a readable video"),
    (corpus.subtitles_only, 3, "has no video stream"),
]


@pytest.mark.parametrize(
    ("make_input", "exit_code", "fragment"), REFUSED_INPUTS, ids=[case[0].__name__ for case in REFUSED_INPUTS]
)
def test_refused_input(
    make_input: Callable[[Path], Path],
    exit_code: int,
    fragment: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = analyze(make_input(tmp_path), tmp_path / "out", capsys)
    assert_refused(run, exit_code, fragment)


def test_no_person_leaves_empty_output_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = analyze(corpus.no_person(tmp_path), tmp_path / "out", capsys)
    assert run.code == 4
    assert list(run.output_dir.iterdir()) == []


# ----- odd but valid video: complete results -----------------------------------------------------


def test_one_frame_video(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = assert_complete(analyze(corpus.one_frame_video(tmp_path), tmp_path / "out", capsys))
    assert report["summary"]["frames_analysed"] == 1 and report["events"] == []


def test_missing_frame_rate_is_assumed_and_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = analyze(corpus.missing_frame_rate(tmp_path), tmp_path / "out", capsys)
    report = assert_complete(run)
    times = [frame["time_s"] for frame in report["frames"]]
    assert len(times) == 30 and all(b > a for a, b in zip(times, times[1:], strict=False))
    assert any("no frame timestamps" in note for note in report["summary"]["notes"])
    assert "note: The file has no frame timestamps" in run.stdout


def test_variable_frame_rate_keeps_real_times(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = assert_complete(analyze(corpus.variable_frame_rate(tmp_path), tmp_path / "out", capsys))
    times = [frame["time_s"] for frame in report["frames"]]
    gaps = np.diff(times)
    assert len(times) == 30 and gaps.min() > 0
    assert gaps.max() == pytest.approx(2.0, abs=0.01)  # the stall is kept, not smoothed into a frame
    assert report["summary"]["notes"] == []


def test_4k_frames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = assert_complete(analyze(corpus.uhd_4k(tmp_path), tmp_path / "out", capsys, "--max-width", "960"))
    assert (report["video"]["width"], report["video"]["height"]) == (3840, 2160)
    assert report["summary"]["settings"]["analysed_width"] == 960
    assert report["summary"]["frames_with_pose"] == 3


def test_tiny_frames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = assert_complete(analyze(corpus.tiny_frames(tmp_path), tmp_path / "out", capsys))
    assert (report["video"]["width"], report["video"]["height"]) == (64, 48)


def test_odd_dimensions_mjpeg_avi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = analyze(corpus.odd_dimensions_mjpeg_avi(tmp_path), tmp_path / "out", capsys)
    report = assert_complete(run)
    assert (report["video"]["width"], report["video"]["height"]) == (321, 241)
    with av.open(str(run.output_dir / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 322, 242)


def test_rotated_phone_video_is_analysed_upright(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = analyze(corpus.rotated_phone_video(tmp_path), tmp_path / "out", capsys)
    report = assert_complete(run)
    settings = report["summary"]["settings"]
    assert (report["video"]["width"], report["video"]["height"]) == (240, 320)
    assert (settings["analysed_width"], settings["analysed_height"]) == (240, 320)
    assert report["summary"]["pose_detected_ratio"] >= 0.9
    trunk = trunk_series(report)
    assert trunk[0] < 25  # standing upright at the start, not lying on its side (about 90)
    assert 60 < max(trunk) < 100  # the stoop (80 deg in the script)
    with av.open(str(run.output_dir / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (240, 320)


def test_person_partly_out_of_frame(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = assert_complete(analyze(corpus.person_partly_out_of_frame(tmp_path), tmp_path / "out", capsys))
    knees = [frame["metrics"]["knee_flexion_deg"] for frame in report["frames"]]
    assert all(knee is None for knee in knees)  # the knees are out of view: not measured, not guessed


def test_person_far_away(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = assert_complete(analyze(corpus.person_far_away(tmp_path), tmp_path / "out", capsys))
    assert report["summary"]["pose_detected_ratio"] >= 0.8
    assert 60 < max(trunk_series(report)) < 100


def test_two_people_follows_the_prominent_one_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = corpus.two_people(tmp_path)
    report = assert_complete(analyze(video, tmp_path / "out", capsys))
    assert any("More than one person" in note for note in report["summary"]["notes"])
    hips_x = []
    with PoseEstimator() as estimator:
        analyzer = FrameAnalyzer(Config(), estimator)
        for frame in read_frames(video):
            pose = analyzer.process(frame.rgb, frame.index, frame.time_s).pose
            if pose is not None:
                hips_x.append(float(pose.image_xy_px[[L.LEFT_HIP, L.RIGHT_HIP], 0].mean()))
    assert len(hips_x) >= 27 and max(hips_x) < corpus.SIZE[0]  # always the large lifter on the left


def test_person_walks_in_and_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = assert_complete(analyze(corpus.person_walks_in_and_out(tmp_path), tmp_path / "out", capsys))
    detected = [frame["pose_detected"] for frame in report["frames"]]
    blank = corpus.WALK_BLANK_FRAMES
    assert not any(detected[:blank]) and not any(detected[-blank:])
    assert sum(detected[blank:-blank]) >= 27
    for event in report["events"]:
        assert blank <= event["start_frame"] <= event["end_frame"] < len(detected) - blank


def test_unicode_file_and_directory_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = corpus.unicode_name_with_spaces(tmp_path)
    run = analyze(video, tmp_path / "Ergebnisse – José 结果", capsys)
    report = assert_complete(run)
    assert report["video"]["path"] == str(video)
    assert str(run.output_dir) in run.stdout


def test_unexpected_failure_is_one_line_with_exit_70(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("float division by zero")

    monkeypatch.delenv("POSECHECK_DEBUG", raising=False)
    monkeypatch.setattr("posecheck.run.analyze_to_dir", broken)
    run = analyze(corpus.one_frame_video(tmp_path), tmp_path / "out", capsys)
    assert run.code == 70
    assert run.errors == ["posecheck: internal error: ZeroDivisionError: float division by zero (please report this)"]


def test_batch_reports_each_bad_file_and_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    videos, out = tmp_path / "videos", tmp_path / "out"
    videos.mkdir()
    for make in (corpus.empty_file, corpus.text_renamed_mp4, corpus.truncated_mp4):  # + lift.mp4, cut in half
        make(videos)
    code = main(["batch", str(videos), "-o", str(out), "--quiet"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1 and lines[-1] == "1 of 4 videos analysed, 3 failed"
    failed = {line.split()[0]: line for line in lines if "  FAILED  " in line}
    assert sorted(failed) == ["empty.mp4", "notes.mp4", "truncated.mp4"]
    assert "is truncated" in failed["truncated.mp4"]
    assert sorted(path.parent.name for path in out.glob("*/report.json")) == ["lift"]


# (case, options, frames analysed): other codecs, containers, timings and pictures, each analysed completely.
COMPLETE_INPUTS: list[tuple[Callable[[Path], Path], tuple[str, ...], int]] = [
    (corpus.vp9_webm, (), 30),
    (corpus.hevc_mkv, (), 30),
    (corpus.mpeg4_part2_avi, (), 30),
    (corpus.prores_mov, (), 30),
    (corpus.h264_10bit, (), 30),
    (corpus.h264_444, (), 30),
    (corpus.ffv1_lossless_mkv, (), 30),
    (corpus.raw_y4m, (), 30),
    (corpus.animated_gif, (), 30),
    (corpus.with_audio_track, (), 30),
    (corpus.high_frame_rate, ("--stride", "4"), 90),
    (corpus.one_frame_per_second, (), 6),
    (corpus.late_start_time, (), 30),
    (corpus.upside_down, (), 30),
    (corpus.mirrored, (), 30),
    (corpus.black_and_white, (), 30),
    (corpus.letterboxed, (), 30),
    (corpus.dropped_frames_black, (), 30),
    (corpus.frozen_picture, (), 30),
    (corpus.uppercase_extension, (), 30),
    (corpus.trailing_garbage, (), 30),
    (corpus.cover_art, (), 30),
]


@pytest.mark.parametrize(
    ("make_input", "options", "frames"), COMPLETE_INPUTS, ids=[case[0].__name__ for case in COMPLETE_INPUTS]
)
def test_odd_but_valid_input_is_analysed_completely(
    make_input: Callable[[Path], Path], options: tuple[str, ...], frames: int, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = assert_complete(analyze(make_input(tmp_path), tmp_path / "out", capsys, *options))
    times = [frame["time_s"] for frame in report["frames"]]
    assert report["summary"]["frames_analysed"] == frames and all(b > a for a, b in zip(times, times[1:], strict=False))
    assert report["summary"]["pose_detected_ratio"] >= 0.5
    assert not any("video streams" in note for note in report["summary"]["notes"])  # cover art is no stream
    if make_input not in (corpus.frozen_picture, corpus.one_frame_per_second):  # no lift to see
        trunk = trunk_series(report)
        assert trunk[0] < 30 and max(trunk) > 45  # upright at the start, bent for the lift (80 deg in the script)


def test_shuffled_timestamps_are_not_called_truncated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """MP4 timestamps that jump back and forth: the edit list the muxer wrote hides the first frames, which
    is said, not taken for a truncated file (was: "is truncated: it ends after 25 of its 30 frames")."""
    report = assert_complete(analyze(corpus.shuffled_timestamps(tmp_path), tmp_path / "out", capsys))
    notes = " ".join(report["summary"]["notes"])
    assert "edit list leaves out" in notes and "timestamps were missing or out of order" in notes
    assert report["summary"]["frames_analysed"] >= 24


# ----- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_config", "fragment"),
    [
        (corpus.config_unknown_key, "unknown key(s) ['stoop_trunk_flexion_degree']"),
        (corpus.config_out_of_range, "stoop_trunk_flexion_deg <= 180"),
        (corpus.config_not_toml, "is not valid TOML"),
        (corpus.config_huge_number, "stoop_trunk_flexion_deg must be between -1e+06 and 1e+06, got 9999"),
        (corpus.config_negative_ratio, "load.rise_leg_ratio must be >= 0"),
        (corpus.config_negative_elbow_angle, "rules.stoop_max_knee_flexion_deg must be in [0, 180]"),
        (corpus.config_huge_cutoff, "min_cutoff_hz must be between -1e+06 and 1e+06, got 1e+308"),
        (corpus.config_nan, "twist_deg must be a finite number, got nan"),
        (corpus.config_directory, "config.toml is a directory"),
    ],
    ids=["unknown_key", "out_of_range", "not_toml", "huge_number", "negative_ratio", "negative_elbow_angle",
         "huge_cutoff", "nan", "directory"],
)
def test_bad_config(
    make_config: Callable[[Path], Path], fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = corpus.one_frame_video(tmp_path)
    run = analyze(video, tmp_path / "out", capsys, "--config", str(make_config(tmp_path)))
    assert_refused(run, 5, fragment)
    assert not run.output_dir.exists()


def test_config_with_byte_order_mark_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = corpus.one_frame_video(tmp_path)
    assert_complete(analyze(video, tmp_path / "out", capsys, "--config", str(corpus.config_with_bom(tmp_path))))


def test_symlink_to_video_is_analysed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_complete(analyze(corpus.symlink_to_video(tmp_path), tmp_path / "out", capsys))


@pytest.mark.parametrize(
    ("option", "fragment"),
    [(["--fps", "0"], "--fps: must be from 1 to 1000"), (["--fps", "nan"], "--fps: must be a finite number"),
     (["--duration", "nan"], "--duration: must be a finite number"),
     (["--camera-yaw", "inf"], "--camera-yaw: must be a finite number")],
    ids=["fps_0", "fps_nan", "duration_nan", "yaw_inf"],
)
def test_synth_bad_numbers_are_usage_errors(
    option: list[str], fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["synth", "stoop-lift", *option, "-o", str(tmp_path / "clip.mp4")])
    assert stopped.value.code == 2 and fragment in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_synth_clip_shorter_than_a_frame_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["synth", "stoop-lift", "--fps", "1", "--duration", "0.5", "-o", str(tmp_path / "clip.mp4")])
    assert code == 2 and capsys.readouterr().err == "posecheck synth: error: 0.5 s at 1 fps is less than one frame\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("existing", ["clip.mp4", "clip.truth.json"])
def test_synth_never_replaces_an_existing_file(
    existing: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: `posecheck synth -o clip.mp4` silently replaced a video (and its truth file) already there."""
    (tmp_path / existing).write_text("the user's own file")
    code = main(["synth", "stand-still", "--duration", "0.2", "-o", str(tmp_path / "clip.mp4")])
    assert code == 7
    assert capsys.readouterr().err == (f"posecheck synth: error: {tmp_path / existing} already exists; posecheck does "
                                       "not replace files: remove it or choose another -o\n")
    assert [path.name for path in tmp_path.iterdir()] == [existing]
    assert (tmp_path / existing).read_text() == "the user's own file"


# ----- output directory ---------------------------------------------------------------------------


def test_output_parent_is_a_regular_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "results.txt"
    blocker.write_text("not a directory")
    run = analyze(corpus.one_frame_video(tmp_path), blocker / "out", capsys)
    assert_refused(run, 7, "cannot create output directory")
    assert blocker.read_text() == "not a directory"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_output_dir_not_writable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # /proc/self exists and refuses new entries even for root (chmod would not stop root).
    run = analyze(corpus.one_frame_video(tmp_path), Path("/proc/self"), capsys)
    assert run.code == 7 and len(run.errors) == 1 and "/proc/self" in run.errors[0]


def test_existing_report_refused_then_replaced_with_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    first = assert_complete(analyze(corpus.one_frame_video(tmp_path), out, capsys))
    old_report = (out / REPORT_NAME).read_bytes()
    (out / "events" / "notes.jpg").write_bytes(b"the user's, not posecheck's")
    second_video = corpus.person_walks_in_and_out(tmp_path)

    refused = analyze(second_video, out, capsys)
    assert refused.code == 7 and refused.errors == [
        f"posecheck: error: {out} already holds a report; use --overwrite or another -o DIR"
    ]
    assert (out / REPORT_NAME).read_bytes() == old_report

    replaced = assert_complete(analyze(second_video, out, capsys, "--overwrite"))
    assert replaced["video"]["path"] == str(second_video) != first["video"]["path"]
    assert (out / "events" / "notes.jpg").read_bytes() == b"the user's, not posecheck's"  # not posecheck's: kept
    assert sorted(path.name for path in out.iterdir()) == [
        ".posecheck-manifest.json", "annotated.mp4", "events", "metrics.csv", "report.json"]


# ----- webcam stream stopping mid-lift ------------------------------------------------------------

# Flag a bend held 0.3 s so that the 3 s clip, which ends while bent over, leaves an event open.
QUICK_FLEXION = Config(rules=RulesConfig(prolonged_min_duration_s=0.3))


def lift_until_bent() -> list[np.ndarray]:
    """The 3 s stoop lift: the stream stops while the lifter is bent at 80 degrees."""
    return list(corpus.lifter_frames())


def test_frame_analyzer_finish_gives_open_events() -> None:
    finished = []
    with PoseEstimator() as estimator:
        analyzer = FrameAnalyzer(QUICK_FLEXION, estimator)
        for index, rgb in enumerate(lift_until_bent()):
            finished += analyzer.process(rgb, index, index / corpus.FPS).finished_events
        open_events = analyzer.finish()
    assert not [event for event in finished if event.rule == "prolonged_flexion"]
    flexion = [event for event in open_events if event.rule == "prolonged_flexion"]
    assert len(flexion) == 1 and flexion[0].end_frame >= len(lift_until_bent()) - 3
    assert analyzer.finish() == ()  # closing twice gives nothing more


def test_live_session_closed_mid_lift_writes_complete_outputs(tmp_path: Path) -> None:
    from posecheck.live import LiveSession

    session = LiveSession(tmp_path, QUICK_FLEXION, blur_faces=True)
    for index, rgb in enumerate(lift_until_bent()):
        session.process(rgb, 100.0 + index / corpus.FPS)  # a camera clock that does not start at 0
    recording = session.close()
    assert recording is not None and recording.report is not None
    assert [event.rule for event in recording.report.events].count("prolonged_flexion") == 1
    for event in recording.report.to_json()["events"]:
        assert (tmp_path / event["image"]).is_file()
    assert json.loads((tmp_path / REPORT_NAME).read_text()) == recording.report.to_json()
    assert decoded_frame_count(tmp_path / "annotated.mp4") == len(lift_until_bent())
    assert session.close() is None
    frame = lift_until_bent()[0]
    assert session.process(frame, 200.0) is frame  # frames after close pass through untouched


def test_live_session_scores_with_the_task_details_it_was_given(tmp_path: Path) -> None:
    from posecheck.live import LiveSession

    config = replace(QUICK_FLEXION, ergonomics=replace(QUICK_FLEXION.ergonomics, load_kg=12.0, coupling="poor"))
    session = LiveSession(tmp_path, config, blur_faces=False)
    for index, rgb in enumerate(lift_until_bent()[:10]):
        session.process(rgb, index / corpus.FPS)
    recording = session.close()
    assert recording is not None and recording.report is not None
    task = recording.report.summary.reba.task
    assert task.load_kg == 12.0 and task.coupling == "poor"


def test_live_recording_plays_each_frame_at_its_time(tmp_path: Path) -> None:
    """A webcam's frame rate wanders; the saved video keeps every frame at its analysis time."""
    from posecheck.live import LiveSession

    times = [0.0, 0.07, 0.13, 0.2, 0.6, 0.67, 0.73, 0.8, 1.5, 1.57, 1.63, 1.7]  # two stalls
    session = LiveSession(tmp_path, QUICK_FLEXION, blur_faces=False)
    for time_s, rgb in zip(times, lift_until_bent(), strict=False):
        session.process(rgb, 50.0 + time_s)
    recording = session.close()
    assert recording is not None and recording.report is not None
    with av.open(str(tmp_path / "annotated.mp4")) as container:
        video_times = [float(frame.time) for frame in container.decode(video=0)]
    analysis_times = [frame.time_s for frame in recording.report.frames]
    assert analysis_times == pytest.approx(times, abs=1e-4)
    assert video_times == pytest.approx(times, abs=0.0015)  # millisecond timestamps


def test_live_session_aborted_writes_no_report(tmp_path: Path) -> None:
    from posecheck.live import LiveSession

    session = LiveSession(tmp_path, QUICK_FLEXION, blur_faces=False)
    for index, rgb in enumerate(lift_until_bent()[:5]):
        session.process(rgb, index / corpus.FPS)
    session.abort()
    assert not (tmp_path / REPORT_NAME).exists()
    assert session.close() is None


def test_live_stream_stopped_mid_lift_is_saved_to_history(tmp_path: Path) -> None:
    from posecheck.live import LiveStream
    from posecheck.store import HistoryStore

    store = HistoryStore(tmp_path / "data")
    stream = LiveStream(store)
    stream.start(QUICK_FLEXION, blur_faces=True)
    for index, rgb in enumerate(lift_until_bent()):
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts, frame.time_base = index, Fraction(1, int(corpus.FPS))
        stream.on_frame(frame)
    session_id = stream.finish_and_save()
    assert stream.error is None and session_id is not None
    record = store.load_session(session_id)
    assert record is not None and record.report_path.is_file()
    assert "prolonged_flexion" in [event.rule for event in record.events]
    assert list((tmp_path / "data" / "work").iterdir()) == []
    assert stream.finish_and_save() is None  # stopping again saves nothing


# ----- web app upload -----------------------------------------------------------------------------


@pytest.mark.skipif(not APP_PATH.is_file(), reason="app.py not written yet")
def test_app_refuses_upload_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit.config
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("POSECHECK_DATA_DIR", str(tmp_path))
    limit = streamlit.config.get_option("server.maxUploadSize")
    streamlit.config.set_option("server.maxUploadSize", 1)
    try:
        app = AppTest.from_file(str(APP_PATH), default_timeout=60)
        app.session_state["page"] = "Upload"
        app.run()
        app.file_uploader[0].set_value(("big clip.mp4", b"\0" * (3 * 2**20), "video/mp4"))
        app.run()
    finally:
        streamlit.config.set_option("server.maxUploadSize", limit)
    assert not app.exception
    assert [error.value for error in app.error] == [
        "big clip\\.mp4 is 3 MB; the limit is 1 MB. Trim the video or lower its resolution."  # the name escaped
    ]
    assert not [button for button in app.button if button.label == "Analyse"]
    work = tmp_path / "work"
    assert not work.exists() or list(work.iterdir()) == []  # nothing stored


# ----- native log lines -----------------------------------------------------------------------------


def test_cli_stderr_holds_no_native_log_lines(tmp_path: Path) -> None:
    """MediaPipe logs set-up warnings when its landmark model first runs: here on the first frame with a
    person, after ten empty ones."""
    import subprocess
    import sys

    video = corpus.person_walks_in_and_out(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "posecheck.cli", "analyze", str(video), "-o", str(tmp_path / "out"), "--quiet"],
        capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0 and completed.stderr == ""


# ----- batch: invalid -j and Ctrl-C -------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_batch_jobs_below_one_is_a_usage_error(jobs: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["batch", str(tmp_path), "-o", str(tmp_path / "out"), "-j", jobs])
    assert stopped.value.code == 2
    assert "-j/--jobs: must be a whole number >= 1" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_batch_ctrl_c_cancels_queued_videos_and_leaves_no_partial_result(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    videos, out = tmp_path / "videos", tmp_path / "out"
    videos.mkdir()
    video = corpus.person_walks_in_and_out(tmp_path)
    for name in ("a", "b", "c", "d"):
        (videos / f"{name}.mp4").write_bytes(video.read_bytes())
    batch = subprocess.Popen(
        [sys.executable, "-m", "posecheck.cli", "batch", str(videos), "-o", str(out), "-j", "1", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        # SIGINT handled as in a terminal: a test run started in the background (`pytest &`) ignores it,
        # and a child inherits that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    while not list(out.glob(f"a/{STAGING_PREFIX}*")) and batch.poll() is None:
        time.sleep(0.02)  # wait until the first video's analysis has started
    os.killpg(batch.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole process group
    _, stderr = batch.communicate(timeout=300)
    assert batch.returncode == 130 and stderr.splitlines()[-1] == "posecheck: interrupted"
    # The queued videos never started; the one in progress left nothing (before: all four analysed).
    left = [path.name for path in out.iterdir()] if out.exists() else []
    assert left in ([], ["a"])  # at most the first video, had it finished just before the interrupt
    if left:
        assert (out / "a" / REPORT_NAME).is_file() and not list(out.glob(f"a/{STAGING_PREFIX}*"))


# ----- full disk ----------------------------------------------------------------------------------------


def test_disk_full_while_the_annotated_video_is_flushed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing the MP4 writes its index and moves it to the front: a full disk shows there (as on a
    40 kB tmpfs); it is the output error, exit 7, not an internal error."""
    import errno

    real_open = av.open

    class FullDisk:
        def __init__(self, container: Any) -> None:
            self._container = container

        def __getattr__(self, name: str) -> Any:
            return getattr(self._container, name)

        def close(self) -> None:
            self._container.close()
            raise av.error.OSError(errno.ENOSPC, "No space left on device", "annotated.mp4")

    def open_on_full_disk(path: str, mode: str = "r", **options: Any) -> Any:
        container = real_open(path, mode, **options)
        return FullDisk(container) if mode == "w" else container

    video = corpus.one_frame_video(tmp_path)
    monkeypatch.setattr(av, "open", open_on_full_disk)
    run = analyze(video, tmp_path / "out", capsys)
    assert_refused(run, 7, "annotated.mp4: No space left on device")


# ----- streams that change or multiply --------------------------------------------------------------


def test_resolution_change_scales_every_frame_to_the_first_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """480x360, then 1280x720: the later frames are scaled to fit 480x360, not cropped to its top-left."""
    import cv2

    video = corpus.resolution_change(tmp_path)
    run = analyze(video, tmp_path / "out", capsys)
    report = assert_complete(run)
    notes = report["summary"]["notes"]
    assert any("frame size changes within the video (480x360 at the start, 1280x720 from frame 15)" in note
               for note in notes), notes
    with av.open(str(video)) as container:
        source = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    with av.open(str(run.output_dir / "annotated.mp4")) as container:
        annotated = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    assert {image.shape for image in annotated} == {(360, 480, 3)}
    large = source[25]
    fitted = np.zeros((360, 480, 3), np.uint8)
    fitted[45:315] = cv2.resize(large, (480, 270), interpolation=cv2.INTER_AREA)
    crop = large[:360, :480]
    difference = np.abs(annotated[25].astype(int) - fitted).mean()
    assert difference < 0.5 * np.abs(annotated[25].astype(int) - crop).mean()  # drawings differ from both


def test_two_video_streams_analyses_the_first_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = assert_complete(analyze(corpus.two_video_streams(tmp_path), tmp_path / "out", capsys))
    assert "The file has 2 video streams; the first was analysed." in report["summary"]["notes"]
    assert (report["video"]["width"], report["video"]["height"]) == corpus.SIZE
    assert report["summary"]["pose_detected_ratio"] >= 0.9


# ----- memory ------------------------------------------------------------------------------------------

PEAK_RSS_LIMIT_BYTES = 1.5 * 2**30
# VmHWM, the peak RSS of this program's memory (ru_maxrss would also count the forking test process).
PEAK_RSS_SCRIPT = """
import re, sys
from pathlib import Path
from posecheck.cli import main
code = main(["analyze", sys.argv[1], "-o", sys.argv[2], "--quiet"])
print(code, int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) * 1024)
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="peak RSS is read from Linux /proc")
def test_memory_is_bounded_by_the_analysis_size_not_the_video(tmp_path: Path) -> None:
    """8 frames of 8000x8000: scaled to 1280x1280 while decoding (was: 6.5 GB for 24 such frames)."""
    import subprocess
    import sys

    video = corpus.huge_frames(tmp_path)
    completed = subprocess.run([sys.executable, "-c", PEAK_RSS_SCRIPT, str(video), str(tmp_path / "out")],
                               capture_output=True, text=True, timeout=900)
    code, peak_rss_bytes = (int(value) for value in completed.stdout.split()[-2:])
    assert code == 0, completed.stderr
    assert peak_rss_bytes <= PEAK_RSS_LIMIT_BYTES, f"peak RSS {peak_rss_bytes / 2**20:.0f} MiB"
    report = json.loads((tmp_path / "out" / REPORT_NAME).read_text())
    assert (report["video"]["width"], report["video"]["height"]) == (corpus.HUGE_SIDE_PX, corpus.HUGE_SIDE_PX)
    settings = report["summary"]["settings"]
    assert (settings["analysed_width"], settings["analysed_height"]) == (1280, 1280)
