"""Report compatibility check: report.json and metrics.csv of fixed videos against a recorded baseline.

    python benchmarks/report_compat.py record  --baseline /tmp/outputs-baseline   # at the old code
    python benchmarks/report_compat.py compare --baseline /tmp/outputs-baseline   # at the new code

To record another checkout's output (e.g. main, exported with `git archive`), run this script with
PYTHONPATH=that checkout: the `posecheck analyze` it starts imports posecheck from there.

Every video in sample_videos/ plus any in BASELINE/videos/ (e.g. synthetic clips with lifts, twist and
a load) is analysed with `posecheck analyze` (the installed command, as a user runs it) into
BASELINE/<mode>/<name>/. `compare` then reports, per video, whether report.json is identical to the
recorded one apart from the keys listed in IGNORED_KEYS (the schema version the typed report adds)
and whether metrics.csv is byte-identical. Exit code 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parent.parent
SAMPLE_VIDEOS_DIR = REPO_DIR / "sample_videos"
# Named explicitly, so that the report's settings.model is the same path whichever checkout records.
MODEL_PATH = REPO_DIR / "models" / "pose_landmarker_full.task"
IGNORED_KEYS = frozenset({"schema_version"})
EXTRA_ARGS_BY_NAME = {"hinge_barbell_putdown_60": ["--load-kg", "12"]}


def videos_to_check(baseline_dir: Path) -> list[Path]:
    """The sample videos and the baseline's own extra videos, sorted by name."""
    extra = sorted((baseline_dir / "videos").glob("*.mp4"))
    return sorted(SAMPLE_VIDEOS_DIR.glob("*.mp4")) + extra


def analyze(video: Path, out_dir: Path) -> None:
    """Run `posecheck analyze` on one video into out_dir (replacing an earlier result there)."""
    posecheck = Path(sys.executable).with_name("posecheck")
    args = [str(posecheck), "analyze", str(video), "-o", str(out_dir), "--quiet", "--overwrite", "--model",
            str(MODEL_PATH)]
    subprocess.run(args + EXTRA_ARGS_BY_NAME.get(video.stem, []), check=True)


def without_ignored(value: Any) -> Any:
    """value with every key in IGNORED_KEYS removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_ignored(v) for k, v in value.items() if k not in IGNORED_KEYS}
    if isinstance(value, list):
        return [without_ignored(v) for v in value]
    return value


def first_difference(old: Any, new: Any, where: str = "") -> str | None:
    """A description of the first place where old and new differ, or None when equal."""
    if isinstance(old, dict) and isinstance(new, dict):
        if list(old) != list(new):
            return f"{where or '/'}: keys {list(old)} != {list(new)}"
        return next((d for k in old if (d := first_difference(old[k], new[k], f"{where}/{k}"))), None)
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return f"{where}: {len(old)} items != {len(new)}"
        pairs = enumerate(zip(old, new, strict=True))
        return next((d for i, (a, b) in pairs if (d := first_difference(a, b, f"{where}[{i}]"))), None)
    if type(old) is not type(new) or old != new:
        return f"{where}: {old!r} != {new!r}"
    return None


def compare_one(old_dir: Path, new_dir: Path) -> list[str]:
    """The differences between two analyses of the same video (empty when compatible)."""
    old_report = json.loads((old_dir / "report.json").read_text())
    new_report = json.loads((new_dir / "report.json").read_text())
    problems = []
    if (difference := first_difference(without_ignored(old_report), without_ignored(new_report))):
        problems.append(f"report.json {difference}")
    if (old_dir / "metrics.csv").read_bytes() != (new_dir / "metrics.csv").read_bytes():
        problems.append("metrics.csv differs")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Record or compare; prints one line per video."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["record", "compare"])
    parser.add_argument("--baseline", type=Path, default=Path("/tmp/outputs-baseline"))
    args = parser.parse_args(argv)
    failures = 0
    for video in videos_to_check(args.baseline):
        out_dir = args.baseline / ("recorded" if args.mode == "record" else "current") / video.stem
        analyze(video, out_dir)
        if args.mode == "record":
            print(f"recorded {video.stem}")
            continue
        problems = compare_one(args.baseline / "recorded" / video.stem, out_dir)
        failures += bool(problems)
        print(f"{video.stem}: {'; '.join(problems) if problems else 'identical'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
