"""The file analysis with its video work in helper processes (posecheck.offload) against the in-process one."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from posecheck.config import Config
from posecheck.errors import VideoReadError
from posecheck.offload import SEGMENT_FRAMES, chunk_ranges, join_chunks
from posecheck.pipeline import AnalysisSettings
from posecheck.run import analyze_to_dir
from posecheck.video import H264Writer
from tests import corpus

SAMPLE = Path(__file__).resolve().parents[1] / "sample_videos" / "stoop_lift_side.mp4"


def with_helpers(processes: int, review_max_width_px: int = 960) -> Config:
    """The default config with `processes` helper processes (0: all in the analysing process), whatever the load."""
    output = dataclasses.replace(Config().output, helper_processes=processes, review_max_width_px=review_max_width_px,
                                 helper_min_idle_cores=0.0)
    return dataclasses.replace(Config(), output=output)


def decoded(video: Path) -> list[av.VideoFrame]:
    """Every frame of a video."""
    with av.open(str(video)) as container:
        return list(container.decode(video=0))


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample stoop lift analysed in process and with helper processes (every 2nd frame, faces blurred,
    annotated video at most 320 px wide: scaled from the analysed 480x360)."""
    video = SAMPLE if SAMPLE.is_file() else corpus.sample_video(tmp_path_factory.mktemp("sample"))
    outputs = []
    for processes in (0, 2):
        out = tmp_path_factory.mktemp(f"helpers{processes}")
        analyze_to_dir(video, out, with_helpers(processes, 320), AnalysisSettings(stride=2, blur_faces=True))
        outputs.append(out)
    return outputs[0], outputs[1]


def test_report_and_csv_are_identical_with_helper_processes(both_ways: tuple[Path, Path]) -> None:
    in_process, offloaded = both_ways
    report = json.loads((offloaded / "report.json").read_text())
    assert report == json.loads((in_process / "report.json").read_text())
    assert (offloaded / "metrics.csv").read_bytes() == (in_process / "metrics.csv").read_bytes()
    assert report["summary"]["events_total"] > 0
    images = sorted(path.name for path in (offloaded / "events").iterdir())
    assert images == sorted(path.name for path in (in_process / "events").iterdir()) and images


def test_annotated_video_has_every_frame_at_the_review_size(both_ways: tuple[Path, Path]) -> None:
    in_process, offloaded = both_ways
    report = json.loads((offloaded / "report.json").read_text())
    settings = report["summary"]["settings"]
    assert (settings["analysed_width"], settings["annotated_width"], settings["annotated_height"]) == (480, 320, 240)
    ours, theirs = decoded(offloaded / "annotated.mp4"), decoded(in_process / "annotated.mp4")
    assert len(ours) == len(theirs) == report["summary"]["frames_analysed"]
    assert {(frame.width, frame.height) for frame in ours} == {(320, 240)}
    assert [frame.pts for frame in ours] == [frame.pts for frame in theirs]
    # The same drawing on the same picture (the helpers' frames went through a high-quality intermediate).
    difference = [np.abs(a.to_ndarray(format="rgb24").astype(int) - b.to_ndarray(format="rgb24").astype(int)).mean()
                  for a, b in zip(ours, theirs, strict=True)]
    assert max(difference) < 3.0


def test_chunks_join_into_one_playable_video(tmp_path: Path) -> None:
    """Chunks encoded apart (B-frames, as the veryfast preset makes them) join in order, timestamps increasing."""
    rng = np.random.default_rng(0)
    chunks = []
    for number, frames in enumerate((7, 30, 12)):
        path = tmp_path / f"chunk{number}.mp4"
        with H264Writer(path, 15.0, 64, 48) as writer:
            for index in range(frames):
                image = np.full((48, 64, 3), 8 * index, np.uint8)
                image[:, : 4 * (number + 1)] = rng.integers(0, 255, (48, 4 * (number + 1), 3))
                writer.write(image)
        chunks.append(path)
    join_chunks(chunks, tmp_path / "joined.mp4")
    frames = decoded(tmp_path / "joined.mp4")
    assert len(frames) == 7 + 30 + 12
    times = [frame.time for frame in frames]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert times[-1] == pytest.approx(48 / 15.0)
    with av.open(str(tmp_path / "joined.mp4")) as container:
        assert container.streams.video[0].average_rate == Fraction(15)


def test_chunks_are_whole_segments_in_order() -> None:
    assert chunk_ranges(10, 2) == [(0, 10)]
    rows = 5 * SEGMENT_FRAMES + 7
    ranges = chunk_ranges(rows, 2)
    assert ranges[0][0] == 0 and ranges[-1][1] == rows and len(ranges) == 2
    assert all(stop == start for (_, stop), (start, _) in zip(ranges, ranges[1:], strict=False))
    assert all(start % SEGMENT_FRAMES == 0 for start, _ in ranges)
    assert len(chunk_ranges(100 * SEGMENT_FRAMES, 2)) > 2  # long videos: more, shorter chunks than processes


def test_damaged_video_is_a_clear_error_with_helper_processes(tmp_path: Path) -> None:
    truncated = corpus.truncated_mp4(tmp_path)
    with pytest.raises(VideoReadError, match="truncated"):
        analyze_to_dir(truncated, tmp_path / "out", with_helpers(2))
    assert not any((tmp_path / "out").glob(".posecheck-partial-*"))


def test_helper_processes_end_with_a_killed_analysis(tmp_path: Path) -> None:
    """SIGKILL leaves no orphan: the decoder and drawing processes see their parent gone and stop."""
    import signal
    import subprocess
    import sys
    import time

    import psutil

    video = corpus.write_h264(tmp_path / "long.mp4", list(corpus.lifter_frames()) * 10)
    always = tmp_path / "helpers.toml"
    always.write_text("[output]\nhelper_min_idle_cores = 0\n")
    process = subprocess.Popen([sys.executable, "-m", "posecheck.cli", "analyze", str(video), "-o",
                                str(tmp_path / "out"), "--quiet", "--config", str(always)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    helpers: list[psutil.Process] = []
    while len(helpers) < 3:  # the decoder and two drawing processes (not counting multiprocessing's tracker)
        assert process.poll() is None and time.monotonic() < deadline, "the analysis ended before its helpers ran"
        time.sleep(0.1)
        helpers = [child for child in psutil.Process(process.pid).children() if _is_helper(child)]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    gone, alive = psutil.wait_procs(helpers, timeout=30)
    assert alive == []


def test_busy_machine_analyses_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no idle core the helpers would cost more than they save: the analysis runs in process."""
    import posecheck.run

    def no_helpers(*args: object, **kwargs: object) -> None:
        raise AssertionError("helper processes started on a busy machine")

    monkeypatch.setattr(posecheck.run, "idle_cores", lambda: 0.5)
    monkeypatch.setattr(posecheck.run, "analyze_offloaded", no_helpers)
    output = analyze_to_dir(corpus.sample_video(tmp_path), tmp_path / "out", Config())
    assert output.report.summary.frames_with_pose > 0


def _is_helper(child: object) -> bool:
    """Whether a running child process is one of the analysis's helpers (not multiprocessing's tracker)."""
    import psutil

    try:
        return "resource_tracker" not in " ".join(child.cmdline())
    except psutil.Error:  # it exited (a zombie until reaped) or went between listing and asking
        return False
