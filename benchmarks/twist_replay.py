"""Twist under a declared load on the sweep's clips: record MediaPipe's poses once, then replay them fast.

    python benchmarks/twist_replay.py record out/twist --scripts twist-carry squat-lift --yaws 30 45 60
    python benchmarks/twist_replay.py score out/twist                  # every recorded clip, seconds
    python benchmarks/twist_replay.py score out/twist --split holdout --config my.toml

`record` takes benchmarks/sweep.py's grid options (scripts, yaws, elevations, fps, postures, ...), renders
each clip into the sweep's shared cache and stores its raw poses. `score` smooths and judges each track as
`posecheck analyze` does (`judge_track`) with the load declared throughout (`[load] mode = "throughout"`,
so the numbers do not depend on load inference) and prints per clip: twist expected and raised, the
largest twist read where the rule judges it (confidence, knee speed) — on frames with a true twist of
35 deg or more for clips with a twist (the smallest of these peaks is the margin to the rule's threshold),
on the other frames (true twist under 5 deg) otherwise — and the share of frames judged. Camera yaw is taken modulo 180:
0 is side-on, 90 frontal, 135 the front-right mirror of 45; a missed twist within 30 deg of side-on is
forgiven, as in the sweep.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import pickle
from pathlib import Path

import numpy as np
import sweep  # benchmarks/sweep.py (this script's directory is on the path): its grid and render cache

from posecheck.config import Config, load_config
from posecheck.pipeline import judge_track, smooth_file_track
from posecheck.pose import PoseEstimator
from posecheck.rules import Rate
from posecheck.synth.scripts import TWIST_UNDER_LOAD
from posecheck.track import PoseTrack
from posecheck.video import read_frames

TRUE_TWIST_DEG = 35.0
NO_TWIST_DEG = 5.0


def record(directory: Path, cases: list[sweep.Case], cache: Path) -> None:
    """Render (or reuse) each case and pickle its raw poses, truth and parameters into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for case in cases:
        target = directory / f"{case.key}.pkl"
        if target.exists():
            continue
        video, truth = sweep.rendered(case, cache)
        with PoseEstimator() as estimator:
            poses = [(f.index, f.time_s, estimator.detect(f.rgb, f.time_s * 1000.0)) for f in read_frames(video)]
        target.write_bytes(pickle.dumps((poses, truth, case.key, case.split, case.camera_yaw_deg)))
        print(f"recorded {case.key}", flush=True)


def declared_loaded(config: Config) -> Config:
    """`config` with the load declared throughout."""
    return dataclasses.replace(config, load=dataclasses.replace(config.load, mode="throughout"))


def side_on_distance_deg(camera_yaw_deg: float) -> float:
    """How far the camera is from side-on, 0-90 deg, whichever side it films from."""
    folded = camera_yaw_deg % 180.0
    return min(folded, 180.0 - folded)


def score_clip(recording: tuple, config: Config) -> dict:
    """Twist flag expected and raised, the peak twist read where judged, and the share of frames judged."""
    poses, truth, key, split, yaw = recording
    track = PoseTrack()
    for index, time_s, pose in poses:
        track.append(index, time_s, pose)
    table, events = judge_track(smooth_file_track(track, config), config)
    true_twist = {frame["index"]: frame["metrics"]["torso_twist_deg"] for frame in truth["frames"]}
    expected = TWIST_UNDER_LOAD in truth["expected_flags"]
    twist, confidence = table.values["torso_twist_deg"], table.confidence["torso_twist_deg"]
    knee_rate = Rate(config.rules.twist_speed_window_s)
    knee_speed = [knee_rate.swing(float(table.time_s[row]), float(table.values["knee_flexion_deg"][row]))
                  for row in range(len(table))]
    judged = [row for row in range(len(table))
              if not math.isnan(twist[row]) and confidence[row] >= config.rules.twist_min_confidence
              and not (knee_speed[row] is not None
                       and abs(knee_speed[row]) >= config.rules.twist_max_knee_speed_deg_per_s)]
    wanted = [row for row in judged if (abs(true_twist.get(int(table.index[row]), 0.0)) >= TRUE_TWIST_DEG) == expected
              and (expected or abs(true_twist.get(int(table.index[row]), 0.0)) < NO_TWIST_DEG)]
    raised = any(event.rule == TWIST_UNDER_LOAD for event in events)
    forgiven = expected and not raised and side_on_distance_deg(yaw) < sweep.TWIST_JUDGED_FROM_YAW_DEG
    return {"key": key, "split": split, "expected": expected, "raised": raised, "right": raised == expected or forgiven,
            "peak_deg": max((abs(float(twist[row])) for row in wanted), default=math.nan),
            "judged_share": len(judged) / max(1, len(table)), "yaw": side_on_distance_deg(yaw)}


def score(directory: Path, config: Config, split: str) -> list[dict]:
    """Score every recording in `directory` (of `split` unless "all"); print a line each and a summary."""
    results = []
    for path in sorted(directory.glob("*.pkl")):
        recording = pickle.loads(path.read_bytes())
        if split != "all" and recording[3] != split:
            continue
        result = score_clip(recording, config)
        results.append(result)
        verdict = "ok" if result["right"] else "WRONG"
        print(f"{result['key']:<60} {result['split']:<7} twist {int(result['expected'])} -> {int(result['raised'])} "
              f"{verdict}  peak {result['peak_deg']:5.1f}  judged {result['judged_share']:4.0%}")
    print_summary(results)
    return results


def print_summary(results: list[dict]) -> None:
    """Clips right, and per kind the margin: smallest twist peak read on true twists, largest on the others."""
    print(f"\nclips {len(results)}, right {sum(r['right'] for r in results)}")
    for expected, label, pick in ((True, "true twists >= 35 deg, smallest peak", np.nanmin),
                                  (False, "no twist, largest reading", np.nanmax)):
        rows = [r for r in results if r["expected"] == expected and r["yaw"] >= sweep.TWIST_JUDGED_FROM_YAW_DEG]
        peaks = [r["peak_deg"] for r in rows if not math.isnan(r["peak_deg"])]
        if peaks:
            print(f"  {label} (30-90 deg off side-on, {len(rows)} clips): {pick(peaks):.1f} deg; "
                  f"wrong: {', '.join(r['key'] for r in rows if not r['right']) or 'none'}")


def main(argv: list[str] | None = None) -> int:
    """Record or score."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("record", "score"))
    parser.add_argument("directory", type=Path)
    args, rest = parser.parse_known_args(argv)
    if args.action == "record":
        options = sweep.parse_args(rest)
        record(args.directory, sweep.cases_from_args(options), options.cache)
        return 0
    extra = argparse.ArgumentParser()
    extra.add_argument("--config", help="posecheck TOML config (its load mode is overridden: throughout)")
    extra.add_argument("--split", choices=("dev", "holdout", "all"), default="all")
    options = extra.parse_args(rest)
    score(args.directory, declared_loaded(load_config(options.config)), options.split)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
