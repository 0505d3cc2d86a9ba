"""Accuracy of the real analysis pipeline against the synthetic lifter's ground truth.

A clip is rendered to an H.264 file, analysed exactly as `posecheck analyze` does (decode → pose →
smoothing → metrics → rules), and compared frame by frame with its ground truth.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from posecheck.config import Config
from posecheck.pipeline import analyze_video
from posecheck.pose import PoseEstimator
from posecheck.synth.clip import ClipSettings, render_clip
from posecheck.synth.scripts import get_script

COMPARED_METRICS = ("trunk_flexion_deg", "knee_flexion_deg", "hip_flexion_deg", "torso_twist_deg")


@dataclass(frozen=True)
class ClipAccuracy:
    """Errors of one clip: mean absolute error per metric (degrees), detection rate, flags.

    `compared_frames` counts, per metric, the frames where both the analysis and the ground truth
    have a value: the frames its MAE is taken over.
    """

    script: str
    camera_yaw_deg: float
    frames: int
    detection_rate: float
    compared_frames: dict[str, int]
    mae_deg: dict[str, float | None]
    max_error_deg: dict[str, float | None]
    expected_flags: frozenset[str]
    raised_flags: frozenset[str]
    ambiguous: bool

    @property
    def flags_correct(self) -> bool:
        """True when the raised flags are exactly the expected ones (ambiguous clips always pass)."""
        return self.ambiguous or self.expected_flags == self.raised_flags


def declared_config(script: str, config: Config) -> Config:
    """`config` as a user would set it for `script`: a script that starts with the load in the hands (a
    carry filmed mid-way) is declared "handling a load throughout" (load mode "throughout") under "auto"."""
    if config.load.mode == "auto" and get_script(script).pose_at(0.0).load_held:
        return dataclasses.replace(config, load=dataclasses.replace(config.load, mode="throughout"))
    return config


def evaluate_clip(
    script: str,
    camera_yaw_deg: float,
    estimator: PoseEstimator,
    config: Config | None = None,
    duration_s: float | None = None,
    workdir: Path | None = None,
    camera_elevation_deg: float = ClipSettings.camera_elevation_deg,
) -> ClipAccuracy:
    """Render `script` seen from `camera_yaw_deg` (and `camera_elevation_deg` above the person's
    middle), analyse it, and compare with the ground truth.

    A script that starts with the load in the hands is analysed as declared (see `declared_config`).
    """
    config = declared_config(script, config or Config())
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        video = Path(tmp) / f"{script}_{camera_yaw_deg:g}.mp4"
        _, truth_path = render_clip(
            script, video, camera_yaw_deg=camera_yaw_deg, camera_elevation_deg=camera_elevation_deg,
            duration_s=duration_s,
        )
        truth = _load_truth(truth_path)
        result = analyze_video(video, config, estimator)
    table = result.frames
    errors: dict[str, list[float]] = {name: [] for name in COMPARED_METRICS}
    truth_by_index = {frame["index"]: frame for frame in truth["frames"]}
    for row in range(len(table)):
        expected = truth_by_index.get(table.index[row])
        if expected is None:
            continue
        for name in COMPARED_METRICS:
            measured = table.metric(row, name)
            if measured is not None and expected["metrics"].get(name) is not None:
                errors[name].append(abs(measured - expected["metrics"][name]))
    script_info = get_script(script)
    return ClipAccuracy(
        script=script,
        camera_yaw_deg=camera_yaw_deg,
        frames=len(table),
        detection_rate=table.detected_count() / max(1, len(table)),
        compared_frames={name: len(values) for name, values in errors.items()},
        mae_deg={name: _mean(values) for name, values in errors.items()},
        max_error_deg={name: max(values) if values else None for name, values in errors.items()},
        expected_flags=frozenset(script_info.expected_flags),
        raised_flags=frozenset(event.rule for event in result.events),
        ambiguous=script_info.ambiguous,
    )


def _load_truth(path: Path) -> dict:
    import json

    return json.loads(path.read_text())


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def pooled_mae(results: list[ClipAccuracy], metric: str, scripts: set[str] | None = None) -> float | None:
    """Mean absolute error of `metric` over every compared frame of the clips (optionally only some scripts)."""
    total, weight = 0.0, 0
    for result in results:
        value = result.mae_deg.get(metric)
        if value is None or math.isnan(value) or (scripts is not None and result.script not in scripts):
            continue
        total += value * result.compared_frames[metric]
        weight += result.compared_frames[metric]
    return total / weight if weight else None
