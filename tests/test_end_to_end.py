"""End to end: `posecheck analyze` on clips rendered by the synthetic lifter, checked like a user would."""

import csv
import json
from pathlib import Path

import av
import pytest

from posecheck.cli import main
from posecheck.metrics.frame_metrics import METRIC_NAMES
from posecheck.synth.clip import render_clip

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Side views of a stoop lift and a squat lift, rendered fresh (not the committed samples)."""
    folder = tmp_path_factory.mktemp("clips")
    names = ("stoop-lift", "squat-lift")
    return {name: render_clip(name, folder / f"{name}.mp4", camera_yaw_deg=0.0)[0] for name in names}


def analyse(video: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict, str]:
    assert main(["analyze", str(video), "-o", str(out), "--quiet"]) == 0
    return json.loads((out / "report.json").read_text()), capsys.readouterr().out


def test_stoop_lift_flagged_with_every_output(
    clips: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "stoop"
    report, printed = analyse(clips["stoop-lift"], out, capsys)
    assert list(report) == ["schema_version", "video", "frames", "events", "summary"]
    video = report["video"]
    assert set(video) == {"path", "fps", "frame_count", "width", "height", "duration_s"}
    assert (video["fps"], video["frame_count"], video["width"], video["height"]) == (15.0, 90, 480, 360)
    assert len(report["frames"]) == 90
    frame = report["frames"][45]
    assert {"index", "time_s", "pose_detected", "metrics", "flags"} <= set(frame)
    assert set(frame["metrics"]) == set(METRIC_NAMES)
    assert [event["rule"] for event in report["events"]] == ["bend_at_waist"]
    event = report["events"][0]
    assert {"rule", "start_s", "end_s", "peak_s", "peak_value", "severity", "message"} <= set(event)
    assert event["start_s"] < event["peak_s"] < event["end_s"] and event["peak_value"] > 70
    assert "bend_at_waist" in report["frames"][event["peak_frame"]]["flags"]
    assert (out / event["image"]).stat().st_size > 10_000
    assert "bend_at_waist" in printed and "Check your technique" in printed
    with (out / "metrics.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 90 and set(METRIC_NAMES) <= set(rows[0])
    with av.open(str(out / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        assert sum(1 for _ in container.decode(stream)) == 90
    assert not list(out.glob(".posecheck-partial-*"))


def test_squat_lift_is_not_flagged(clips: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report, printed = analyse(clips["squat-lift"], tmp_path / "squat", capsys)
    assert report["events"] == []
    assert report["summary"]["lifts_counted"] == 1
    assert report["summary"]["peaks"]["knee_flexion_deg"] > 80
    assert "No risky lifting technique detected." in printed
