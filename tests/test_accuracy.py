"""Accuracy against the synthetic lifter's ground truth, on a small sweep (deterministic, no timing).

The bounds are what the pipeline achieves today (benchmarks/accuracy.py, README "Accuracy"), so a
change that makes the metrics worse fails here. The project's targets (trunk <= 3 deg at every view,
knee <= 6, twist <= 8) are met for the knee and the twist, not for the trunk facing the camera; see the
README.
"""

import pytest

from posecheck.pose import PoseEstimator
from posecheck.synth.accuracy import evaluate_clip

pytestmark = pytest.mark.slow

# (script, camera yaw) -> maximum MAE in degrees for trunk, knee, twist (None: not checked)
BOUNDS = {
    ("stoop-lift", 0.0): (5.5, 3.0, None),
    ("squat-lift", 0.0): (3.0, 6.0, None),
    ("stoop-lift", 30.0): (4.5, 6.0, None),
    ("stand-still", 90.0): (3.0, 3.0, None),
    ("twist-carry", 0.0): (2.5, 5.0, 11.0),  # twist is not judged side-on: 9.4 -> 10.6 with the clip encoded anew
    ("twist-carry", 60.0): (2.5, 3.0, 11.5),
    ("twist-carry", 90.0): (3.5, 5.5, 8.5),
    ("pivot-carry", 60.0): (5.0, 3.5, 6.5),
}


@pytest.mark.parametrize(("script", "yaw"), list(BOUNDS))
def test_metric_errors_and_flags(script: str, yaw: float) -> None:
    with PoseEstimator() as estimator:
        result = evaluate_clip(script, yaw, estimator)
    assert result.detection_rate == 1.0
    for metric, bound in zip(("trunk_flexion_deg", "knee_flexion_deg", "torso_twist_deg"), BOUNDS[script, yaw],
                             strict=True):
        if bound is not None:
            assert result.mae_deg[metric] is not None and result.mae_deg[metric] <= bound, (metric, result.mae_deg)
    assert result.flags_correct, (result.expected_flags, result.raised_flags)


@pytest.mark.parametrize("yaw", [0.0, 90.0])
def test_carrying_filmed_from_above_is_not_reaching(yaw: float) -> None:
    """From 20 degrees above, MediaPipe's depth puts the raised hands nearer the camera; before the
    camera's pitch was learned this read as a far reach (`load_far_from_body`) in 12 of 24 clips."""
    with PoseEstimator() as estimator:
        result = evaluate_clip("pivot-carry", yaw, estimator, camera_elevation_deg=20.0)
    assert result.flags_correct, (result.expected_flags, result.raised_flags)


def test_squat_lift_seen_from_60_degrees_is_no_far_reach() -> None:
    """At the bottom of a squat lift seen 60 degrees off side-on MediaPipe's depth put the hands 0.96 leg
    lengths in front of the feet (0.3 true): `load_far_from_body` was raised. The reach is now measured
    across the image where the view shows it and not judged where it lies in depth."""
    with PoseEstimator() as estimator:
        result = evaluate_clip("squat-lift", 60.0, estimator)
    assert "load_far_from_body" not in result.raised_flags, result.raised_flags
