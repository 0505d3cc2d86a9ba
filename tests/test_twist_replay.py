"""benchmarks/twist_replay.py: a recorded track is judged with the load declared and scored against the truth."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from posecheck.config import Config
from posecheck.synth.scripts import TWIST_UNDER_LOAD
from tests.skeleton_fixture import body_landmarks, pose_frame

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
FPS = 15.0


@pytest.fixture(scope="module")
def replay():  # noqa: ANN201 - the benchmark module
    sys.path.insert(0, str(BENCHMARKS))  # it imports the sweep from its own directory
    try:
        spec = importlib.util.spec_from_file_location("twist_replay_benchmark", BENCHMARKS / "twist_replay.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


def recording(twist_deg: float, yaw_deg: float) -> tuple:
    """4 s filmed at `yaw_deg`: standing, then twisted by `twist_deg` from 1 to 3 s; poses and truth."""
    poses, frames = [], []
    for index in range(int(4 * FPS)):
        time_s = index / FPS
        twist = twist_deg if 1.0 <= time_s < 3.0 else 0.0
        poses.append((index, time_s, pose_frame(body_landmarks(torso_twist_deg=twist), yaw_deg)))
        frames.append({"index": index, "metrics": {"torso_twist_deg": twist}})
    truth = {"frames": frames, "expected_flags": [TWIST_UNDER_LOAD] if twist_deg else []}
    return poses, truth, f"fixture-{twist_deg:g}", "dev", yaw_deg


def test_a_twist_is_flagged_with_the_load_declared_and_its_peak_read(replay) -> None:  # noqa: ANN001
    result = replay.score_clip(recording(40.0, 60.0), replay.declared_loaded(Config()))
    assert result["expected"] and result["raised"] and result["right"]
    assert result["peak_deg"] == pytest.approx(40.0, abs=3.0)


def test_standing_still_is_not_flagged_and_a_missed_twist_side_on_is_forgiven(replay) -> None:  # noqa: ANN001
    still = replay.score_clip(recording(0.0, 60.0), replay.declared_loaded(Config()))
    assert not still["raised"] and still["right"] and still["peak_deg"] < 3.0
    side_on = replay.score_clip(recording(40.0, 170.0), replay.declared_loaded(Config()))
    assert side_on["yaw"] == pytest.approx(10.0) and side_on["right"]  # 10 deg off side-on: not judged
    assert math.isnan(side_on["peak_deg"])
