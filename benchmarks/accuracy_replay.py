"""Fast accuracy iterations: record MediaPipe's raw poses once, then replay them through the metrics.

    python benchmarks/accuracy_replay.py record out/poses      # render + detect all clips (~4 min)
    python benchmarks/accuracy_replay.py score out/poses       # smoothing → metrics → rules (~3 s)

`score` runs the same steps as `posecheck analyze` after its detection pass (zero-phase smoothing of
the track, then `judge_track`) on the recorded poses, and prints each clip's mean absolute error
(mean signed error in brackets) and flags, then the MAE per view. Use it while changing smoothing,
metrics or rules; quote final numbers from benchmarks/accuracy.py, which runs the whole pipeline
(decoding the clips again, so its MAE can differ by a few hundredths of a degree).
"""

from __future__ import annotations

import argparse
import json
import pickle
import tempfile
from pathlib import Path

import numpy as np

from posecheck.config import Config
from posecheck.pipeline import judge_track, smooth_file_track
from posecheck.pose import PoseEstimator, PoseFrame
from posecheck.synth.accuracy import COMPARED_METRICS, declared_config
from posecheck.synth.clip import render_clip
from posecheck.synth.scripts import CORE_SCRIPTS, get_script
from posecheck.track import PoseTrack
from posecheck.video import read_frames

YAWS = (0.0, 30.0, 60.0, 90.0)
TWIST_SCRIPTS = {"twist-carry", "pivot-carry"}
Recording = tuple[list[tuple[int, float, PoseFrame | None]], dict]


def record(directory: Path, model: Path | None = None) -> None:
    """Render every script at every yaw, decode it as the pipeline does, and pickle the raw poses."""
    directory.mkdir(parents=True, exist_ok=True)
    for script in CORE_SCRIPTS:
        for yaw in YAWS:
            with tempfile.TemporaryDirectory() as tmp, PoseEstimator(model) as estimator:
                video, truth_path = render_clip(script, Path(tmp) / "clip.mp4", camera_yaw_deg=yaw)
                poses = [(f.index, f.time_s, estimator.detect(f.rgb, f.time_s * 1000.0)) for f in read_frames(video)]
                recording: Recording = (poses, json.loads(truth_path.read_text()))
            (directory / f"{script}_{yaw:g}.pkl").write_bytes(pickle.dumps(recording))
            print(f"recorded {script} yaw {yaw:g}", flush=True)


def score_recording(recording: Recording, config: Config) -> tuple[dict[str, list[float]], set[str]]:
    """Signed errors per metric (degrees) and the rules raised, replaying one recorded clip."""
    poses, truth = recording
    track = PoseTrack()
    for index, time_s, pose in poses:
        track.append(index, time_s, pose)
    table, events = judge_track(smooth_file_track(track, config), config)
    expected = {frame["index"]: frame["metrics"] for frame in truth["frames"]}
    errors: dict[str, list[float]] = {name: [] for name in COMPARED_METRICS}
    for row in range(len(table)):
        truth_metrics = expected[table.index[row]]
        for name in COMPARED_METRICS:
            value = table.values[name][row]
            if not np.isnan(value) and truth_metrics.get(name) is not None:
                errors[name].append(float(value) - truth_metrics[name])
    return errors, {event.rule for event in events}


def score(directory: Path) -> None:
    """Print per-clip errors and flags, then the pooled MAE per metric and view."""
    pooled: dict[tuple[str, float], list[float]] = {}
    for path in sorted(directory.glob("*.pkl")):
        script, yaw_text = path.stem.rsplit("_", 1)
        yaw = float(yaw_text)
        errors, raised = score_recording(pickle.loads(path.read_bytes()), declared_config(script, Config()))
        info = get_script(script)
        verdict = "ok" if info.ambiguous or raised == set(info.expected_flags) else f"WRONG {sorted(raised)}"
        cells = " ".join(
            f"{np.mean(np.abs(e)):6.1f}({np.mean(e):+5.1f})" if e else f"{'--':>13}" for e in errors.values()
        )
        print(f"{script:<13}{yaw:>4g} {cells} {verdict}")
        for name, values in errors.items():
            if name != "torso_twist_deg" or script in TWIST_SCRIPTS:
                pooled.setdefault((name, yaw), []).extend(np.abs(values))
    print(f"\n{'MAE (deg)':<20}" + "".join(f"{'yaw ' + format(y, 'g'):>9}" for y in YAWS))
    for name in COMPARED_METRICS:
        cells = (f"{np.mean(pooled[name, y]):9.2f}" if pooled.get((name, y)) else f"{'--':>9}" for y in YAWS)
        print(f"{name:<20}" + "".join(cells))


def main() -> int:
    """Parse the command line and record or score."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("record", "score"))
    parser.add_argument("directory", type=Path)
    parser.add_argument("--model", type=Path, help="record with this pose model (.task) instead of the shipped one")
    args = parser.parse_args()
    if args.action == "record":
        record(args.directory, args.model)
    else:
        score(args.directory)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
