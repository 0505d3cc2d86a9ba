"""Shared fixtures."""

from pathlib import Path

import pytest

SAMPLE_VIDEOS = Path(__file__).resolve().parents[1] / "sample_videos"


@pytest.fixture(scope="session")
def stoop_lift_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A side view of a stoop lift: the shipped sample, or the same clip rendered by the synthetic lifter."""
    sample = SAMPLE_VIDEOS / "stoop_lift_side.mp4"
    if sample.is_file():
        return sample
    from posecheck.synth.clip import render_clip

    video_path, _ = render_clip("stoop-lift", tmp_path_factory.mktemp("samples") / "stoop_lift_side.mp4")
    return video_path
