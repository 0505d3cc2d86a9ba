"""Twist under a declared load on rendered synthetic clips through MediaPipe (slow): a carried twist seen
from 45 deg is flagged; pivoting, holding still and a squat lift are not; with the feet out of the picture
twist is not judged and the report says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.config import Config, LoadConfig
from posecheck.pipeline import AnalysisSettings
from posecheck.run import analyze_to_dir
from posecheck.synth.clip import render_clip
from posecheck.synth.scripts import TWIST_UNDER_LOAD

pytestmark = pytest.mark.slow

LOADED = Config(load=LoadConfig(mode="throughout"))


def analysed(tmp_path: Path, script: str, yaw_deg: float, look_at_height_m: float = 0.86) -> dict:
    """The report of `script` rendered at camera yaw `yaw_deg`, analysed with the load declared."""
    video, _ = render_clip(script, tmp_path / f"{script}.mp4", camera_yaw_deg=yaw_deg, fps=15.0,
                           look_at_height_m=look_at_height_m)
    return analyze_to_dir(video, tmp_path / "analysis", LOADED, AnalysisSettings()).report.to_json()


@pytest.mark.parametrize(("script", "twisted"), [
    ("twist-carry", True), ("pivot-carry", False), ("hold-still", False), ("squat-lift", False),
])
def test_carried_twist_is_flagged_and_pivot_hold_and_squat_are_not(tmp_path: Path, script: str,
                                                                    twisted: bool) -> None:
    report = analysed(tmp_path, script, 45.0)
    assert (TWIST_UNDER_LOAD in {event["rule"] for event in report["events"]}) == twisted


def test_twist_with_the_feet_out_of_the_picture_is_not_judged_and_the_report_says_why(tmp_path: Path) -> None:
    report = analysed(tmp_path, "twist-carry", 45.0, look_at_height_m=1.55)  # aimed high: the feet cut off
    assert TWIST_UNDER_LOAD not in {event["rule"] for event in report["events"]}
    findings = {finding["kind"]: finding for finding in report["summary"]["view"]["findings"]}
    assert findings["twist_partial_body"]["seconds"] > 3.0
    assert "twist_not_judged" not in findings  # not "seen near side-on": the view was fine
