"""`posecheck batch DIR -o OUT -j N`: analyse many videos in worker processes, one landmarker each.

A failure is reported for its file and the batch goes on; the exit code is 0 only if all succeeded.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from posecheck.config import Config
from posecheck.errors import PosecheckError
from posecheck.pipeline import AnalysisSettings

VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}


@dataclass(frozen=True)
class BatchItem:
    """The outcome for one video: counts on success, a one-line error otherwise."""

    video: str
    output_dir: str
    ok: bool
    frames: int = 0
    events: int = 0
    verdict: str = ""
    risk: str = ""  # worst REBA score and level, and the worst NIOSH lifting index (or lift count)
    error: str = ""


def find_videos(directory: Path) -> list[Path]:
    """Video files directly inside `directory`, sorted by name."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)


def output_dir_for(video: Path, out_root: Path, taken: set[str]) -> Path:
    """A distinct output sub-directory named after the video's file stem."""
    name, n = video.stem, 1
    while name in taken:
        n += 1
        name = f"{video.stem}-{n}"
    taken.add(name)
    return out_root / name


def analyse_one(
    video: str, output_dir: str, config: Config, settings: AnalysisSettings, model: str | None, overwrite: bool
) -> BatchItem:
    """Analyse one video in a worker process; errors become a failed BatchItem, never an exception."""
    from posecheck.run import analyze_to_dir

    try:
        output = analyze_to_dir(video, output_dir, config, settings, model, None, overwrite)
    except PosecheckError as error:
        return BatchItem(video, output_dir, ok=False, error=str(error))
    except Exception as error:  # noqa: BLE001 - one bad file must not stop the batch
        return BatchItem(video, output_dir, ok=False, error=f"unexpected {type(error).__name__}: {error}")
    summary = output.report["summary"]
    return BatchItem(
        video, output_dir, True, summary["frames_analysed"], summary["events_total"], summary["verdict"],
        risk_line(summary),
    )


def risk_line(summary: dict) -> str:
    """Short REBA/NIOSH column: "REBA 8 high, LI 1.4" (LI only with a known load), or "" when not scored."""
    parts = []
    worst = (summary.get("reba") or {}).get("worst")
    if worst:
        parts.append(f"REBA {worst['score']} {worst['risk']}")
    lifts = (summary.get("niosh") or {}).get("lifts") or []
    indices = [lift["LI"] for lift in lifts if lift.get("LI") is not None]
    if indices:
        parts.append(f"LI {max(indices):.2f}")
    elif lifts:
        parts.append(f"{len(lifts)} lift(s), RWL {min(lift['RWL_kg'] for lift in lifts):.1f} kg")
    return ", ".join(parts)


def run_batch(args: argparse.Namespace) -> int:
    """Run the batch and print a summary table; exit code 0 if every video succeeded, 1 otherwise."""
    from tqdm import tqdm

    from posecheck.cli import config_from_args, settings_from_args

    directory, out_root = Path(args.directory), Path(args.output)
    if not directory.is_dir():
        raise PosecheckError(f"not a directory: {directory}")
    videos = find_videos(directory)
    if not videos:
        raise PosecheckError(f"no video files in {directory}")
    config, settings = config_from_args(args), settings_from_args(args)
    taken: set[str] = set()
    jobs = [(str(v), str(output_dir_for(v, out_root, taken))) for v in videos]
    items: list[BatchItem] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool, tqdm(
        total=len(jobs), unit="video", file=sys.stderr, disable=args.quiet, desc="batch"
    ) as bar:
        futures = [pool.submit(analyse_one, v, o, config, settings, args.model, args.overwrite) for v, o in jobs]
        for future in as_completed(futures):
            items.append(future.result())
            bar.update(1)
    items.sort(key=lambda item: item.video)
    print_table(items)
    return 0 if all(item.ok for item in items) else 1


def print_table(items: list[BatchItem]) -> None:
    """Print one line per video and a total."""
    width = max(len(Path(item.video).name) for item in items)
    for item in items:
        name = Path(item.video).name.ljust(width)
        if item.ok:
            risk = f"  [{item.risk}]" if item.risk else ""
            print(f"{name}  ok      {item.frames:6d} frames  {item.events:3d} events  {item.verdict}{risk}")
        else:
            print(f"{name}  FAILED  {item.error}")
    failed = sum(not item.ok for item in items)
    print(f"{len(items) - failed} of {len(items)} videos analysed" + (f", {failed} failed" if failed else ""))


def add_batch_parser(commands: argparse._SubParsersAction) -> None:
    """Register the `batch` sub-command."""
    from posecheck.cli import add_analysis_options

    batch = commands.add_parser("batch", help="analyse every video in a directory")
    batch.add_argument("directory", help="directory with video files")
    batch.add_argument("-o", "--output", default="posecheck-batch", help="output root; one sub-directory per video")
    batch.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1)")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    add_analysis_options(batch)
    batch.set_defaults(handler=run_batch)
