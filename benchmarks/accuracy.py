"""Accuracy benchmark: the real pipeline against the synthetic lifter's ground truth.

    python benchmarks/accuracy.py                 # all scripts x yaws 0, 30, 60, 90
    python benchmarks/accuracy.py --yaws 0 90 --scripts stoop-lift twist-carry
    python benchmarks/accuracy.py --elevation 20   # a camera looking down 20 degrees (default 10)

Prints the mean absolute error per metric and camera yaw (degrees), and the flag confusion table.
Twist is scored on the clips where it matters (twist-carry, pivot-carry).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posecheck.pose import PoseEstimator
from posecheck.rules import RULE_IDS
from posecheck.synth.accuracy import COMPARED_METRICS, ClipAccuracy, evaluate_clip, pooled_mae
from posecheck.synth.clip import ClipSettings
from posecheck.synth.scripts import CORE_SCRIPTS, SCRIPTS

TWIST_SCRIPTS = {"twist-carry", "pivot-carry"}
DEFAULT_YAWS = (0.0, 30.0, 60.0, 90.0)


def _fmt(value: float | None, decimals: int = 1) -> str:
    return "   --" if value is None else f"{value:5.{decimals}f}"


def print_clip_table(results: list[ClipAccuracy]) -> None:
    """One row per clip: detection, MAE per metric, expected and raised flags."""
    header = f"{'script':<13} {'yaw':>4} {'det':>5} " + " ".join(f"{m[:10]:>10}" for m in COMPARED_METRICS)
    print(header + "  flags (expected -> raised)")
    for r in results:
        maes = " ".join(f"{_fmt(r.mae_deg[m]):>10}" for m in COMPARED_METRICS)
        verdict = "ok" if r.flags_correct else "WRONG"
        flags = f"{sorted(r.expected_flags)} -> {sorted(r.raised_flags)} {verdict}"
        print(f"{r.script:<13} {r.camera_yaw_deg:4.0f} {r.detection_rate:5.0%} {maes}  {flags}")


def print_view_table(results: list[ClipAccuracy], yaws: list[float]) -> None:
    """MAE per metric (rows) and camera yaw (columns), pooled over every compared frame of the clips."""
    print(f"\n{'MAE (deg)':<20}" + "".join(f"{'yaw ' + format(y, 'g'):>9}" for y in yaws) + f"{'all':>9}")
    for metric in COMPARED_METRICS:
        scripts = TWIST_SCRIPTS if metric == "torso_twist_deg" else None
        cells = [pooled_mae([r for r in results if r.camera_yaw_deg == y], metric, scripts) for y in yaws]
        overall = pooled_mae(results, metric, scripts)
        print(f"{metric:<20}" + "".join(f"{_fmt(c, 2):>9}" for c in cells) + f"{_fmt(overall, 2):>9}")


def print_confusion(results: list[ClipAccuracy]) -> None:
    """Per rule: clips where it was expected and raised (TP), raised but not expected (FP), missed (FN)."""
    print(f"\n{'rule':<20}{'TP':>5}{'FP':>5}{'FN':>5}{'TN':>5}   (ambiguous clips excluded)")
    scored = [r for r in results if not r.ambiguous]
    for rule in RULE_IDS:
        tp = sum(rule in r.expected_flags and rule in r.raised_flags for r in scored)
        fp = sum(rule not in r.expected_flags and rule in r.raised_flags for r in scored)
        fn = sum(rule in r.expected_flags and rule not in r.raised_flags for r in scored)
        print(f"{rule:<20}{tp:>5}{fp:>5}{fn:>5}{len(scored) - tp - fp - fn:>5}")
    correct = sum(r.flags_correct for r in scored)
    print(f"clips with exactly the expected flags: {correct} of {len(scored)}")


def main() -> int:
    """Run the sweep and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--yaws", type=float, nargs="+", default=list(DEFAULT_YAWS))
    parser.add_argument("--scripts", nargs="+", default=list(CORE_SCRIPTS), choices=list(SCRIPTS))
    parser.add_argument("--model", type=Path, help="pose model (.task) to use instead of the shipped one")
    parser.add_argument("--elevation", type=float, default=ClipSettings.camera_elevation_deg,
                        help="camera elevation above the person's middle, degrees (default %(default)g)")
    args = parser.parse_args()
    results = []
    for script in args.scripts:
        for yaw in args.yaws:
            with PoseEstimator(args.model) as estimator:  # a fresh tracker per clip, as for a new video
                results.append(evaluate_clip(script, yaw, estimator, camera_elevation_deg=args.elevation))
            print(f"done {script} yaw {yaw:g}", file=sys.stderr)
    print(f"camera elevation {args.elevation:g} deg")
    print_clip_table(results)
    print_view_table(results, args.yaws)
    print_confusion(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
