"""Does MediaPipe see the synthetic lifter? Detection rate and joint pixel error per script × camera yaw.

Each clip is rendered, encoded to H.264 and decoded again (what the checker sees), then run through
posecheck.pose.PoseEstimator. The error is the mean distance between detected and ground-truth image
points of shoulders, elbows, wrists, hips, knees and ankles, in pixels and in % of the person's stature
(1.75 m) as projected at the feet.

    python benchmarks/synth_detection.py [--scripts squat-lift ...] [--yaws 0 30 60 90] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecheck.landmarks import Landmark
from posecheck.pose import PoseEstimator
from posecheck.synth.clip import ClipSettings, render_clip, truth_path_for
from posecheck.synth.render import Camera, CameraSpec
from posecheck.synth.scripts import CORE_SCRIPTS, SCRIPTS
from posecheck.video import read_frames

JOINT_GROUPS: dict[str, tuple[Landmark, Landmark]] = {
    "shoulders": (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    "elbows": (Landmark.LEFT_ELBOW, Landmark.RIGHT_ELBOW),
    "wrists": (Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST),
    "hips": (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    "knees": (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE),
    "ankles": (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE),
}
STATURE_M = 1.75


@dataclass(frozen=True)
class DetectionResult:
    """Detection rate (0-1), mean joint error (px and % stature) and per-group mean errors (px)."""

    script: str
    camera_yaw_deg: float
    frames: int
    detection_rate: float
    mean_error_px: float
    mean_error_pct_stature: float
    group_errors_px: dict[str, float]


def stature_px(settings: ClipSettings) -> float:
    """Projected length (px) of a 1.75 m vertical segment standing at the origin."""
    width, height = settings.size
    camera = Camera(
        CameraSpec(settings.camera_yaw_deg, settings.camera_elevation_deg, width_px=width, height_px=height)
    )
    ends = camera.project(np.array([[0.0, 0.0, 0.0], [0.0, STATURE_M, 0.0]]))
    return float(np.linalg.norm(ends[1] - ends[0]))


def evaluate(script_name: str, settings: ClipSettings, workdir: Path) -> DetectionResult:
    """Render one clip through H.264, detect every frame, compare with the ground truth."""
    video_path = workdir / f"{script_name}_{settings.camera_yaw_deg:g}.mp4"
    truth_frames = _render_with_truth(script_name, settings, video_path)
    errors: dict[str, list[float]] = {group: [] for group in JOINT_GROUPS}
    detected = 0
    with PoseEstimator() as estimator:
        for frame, truth in zip(read_frames(video_path), truth_frames, strict=True):
            pose = estimator.detect(frame.rgb, frame.time_s * 1000.0)
            if pose is None:
                continue
            detected += 1
            for group, indices in JOINT_GROUPS.items():
                for index in indices:
                    errors[group].append(float(np.linalg.norm(pose.image_xy_px[index] - truth[index])))
    group_means = {group: float(np.mean(values)) if values else float("nan") for group, values in errors.items()}
    all_errors = [value for values in errors.values() for value in values]
    mean_px = float(np.mean(all_errors)) if all_errors else float("nan")
    return DetectionResult(
        script_name,
        settings.camera_yaw_deg,
        len(truth_frames),
        detected / len(truth_frames),
        mean_px,
        100.0 * mean_px / stature_px(settings),
        group_means,
    )


def _render_with_truth(script_name: str, settings: ClipSettings, video_path: Path) -> list[np.ndarray]:
    """Write the clip; return the ground-truth image joints (33, 2) per frame."""
    render_clip(
        script_name,
        video_path,
        settings.camera_yaw_deg,
        settings.camera_elevation_deg,
        settings.size,
        settings.fps,
        settings.duration_s,
        settings.seed,
    )
    truth = json.loads(truth_path_for(video_path).read_text())
    return [np.asarray(frame["joints_image_px"]) for frame in truth["frames"]]


def format_table(results: list[DetectionResult], markdown: bool) -> str:
    """A plain or Markdown table of the results, one row per script × yaw."""
    header = ["script", "yaw°", "frames", "detected", "err px", "err % stature", "worst joints (px)"]
    rows = []
    for result in results:
        worst = max(result.group_errors_px, key=lambda group: result.group_errors_px[group])
        rows.append(
            [
                result.script,
                f"{result.camera_yaw_deg:g}",
                str(result.frames),
                f"{result.detection_rate:.0%}",
                f"{result.mean_error_px:.1f}",
                f"{result.mean_error_pct_stature:.1f}",
                f"{worst} {result.group_errors_px[worst]:.1f}",
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in [header, *rows]
    )


def main() -> None:
    """Run the benchmark over the chosen scripts and yaws and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", nargs="+", default=list(CORE_SCRIPTS), choices=list(SCRIPTS))
    parser.add_argument("--yaws", nargs="+", type=float, default=[0.0, 30.0, 60.0, 90.0])
    parser.add_argument("--duration", type=float, default=None, help="cap each clip's length (s)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="synth_detection_") as workdir:
        for script_name in args.scripts:
            for yaw in args.yaws:
                settings = ClipSettings(camera_yaw_deg=yaw, duration_s=args.duration)
                result = evaluate(script_name, settings, Path(workdir))
                print(
                    f"{script_name} yaw {yaw:g}: detected {result.detection_rate:.0%}, "
                    f"error {result.mean_error_px:.1f} px",
                    flush=True,
                )
                results.append(result)
    print()
    print(format_table(results, args.markdown))


if __name__ == "__main__":
    main()
