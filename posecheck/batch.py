"""`posecheck batch DIR -o OUT -j N`: analyse many videos in worker processes, one landmarker each.

A failure is reported for its file and the batch goes on; the exit code is 0 only if all succeeded.
Ctrl-C stops the batch at once: queued videos are not started, the ones in progress are stopped and
leave nothing behind (finished ones stay complete).
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

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


def _analyse_job(job: tuple) -> BatchItem:
    return analyse_one(*job)


def _worker_signals() -> None:
    """In a worker: Ctrl-C is the parent's to handle; SIGTERM (the parent cancelling) exits through
    `finally` blocks, so the video in progress leaves no staging directory."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_terminate)


def _exit_on_terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def remove_unfinished(new_dirs: list[Path]) -> None:
    """After a cancelled batch: remove what killed workers left in the directories the batch created
    (staging directories), then those directories that stayed empty (deepest first)."""
    from posecheck.run import remove_stale_staging

    for directory in sorted(new_dirs, key=lambda path: len(path.parts), reverse=True):
        if directory.is_dir():
            remove_stale_staging(directory)
            if not any(directory.iterdir()):
                directory.rmdir()


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
    jobs = [(str(v), str(output_dir_for(v, out_root, taken)), config, settings, args.model, args.overwrite)
            for v in videos]
    new_dirs = [path for path in (out_root, *(Path(job[1]) for job in jobs)) if not path.exists()]
    items: list[BatchItem] = []
    pool = multiprocessing.Pool(min(args.jobs, len(jobs)), initializer=_worker_signals)
    try:
        with tqdm(total=len(jobs), unit="video", file=sys.stderr, disable=args.quiet, desc="batch") as bar:
            for item in pool.imap_unordered(_analyse_job, jobs):
                items.append(item)
                bar.update(1)
        pool.close()
    except KeyboardInterrupt:
        pool.terminate()  # SIGTERM: each worker stops its video and removes its staging directory
        pool.join()
        remove_unfinished(new_dirs)
        raise
    pool.join()
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
    from posecheck.cli import add_analysis_options, positive_int

    batch = commands.add_parser("batch", help="analyse every video in a directory")
    batch.add_argument("directory", help="directory with video files")
    batch.add_argument("-o", "--output", default="posecheck-batch", help="output root; one sub-directory per video")
    batch.add_argument("-j", "--jobs", type=positive_int, default=1, help="worker processes (default 1)")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    add_analysis_options(batch)
    batch.set_defaults(handler=run_batch)
