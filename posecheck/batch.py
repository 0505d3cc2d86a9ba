"""`posecheck batch DIR -o OUT`: analyse many videos on Dask distributed, one analysis per worker thread.

By default the videos run on an embedded `LocalCluster` of `-j` worker processes (loopback only, no
dashboard, nothing to start). `--scheduler tcp://HOST:PORT` sends the same work to an existing Dask
cluster whose workers have posecheck installed and see the same storage (paths are sent absolute).
Each video's result lands atomically in its own sub-directory, as `posecheck analyze` writes it.
A failure is reported for its file and the batch goes on; the exit code is 0 only if all succeeded.
Ctrl-C stops the batch: queued videos are cancelled, the ones in progress stop at their next frame
and leave nothing behind (finished ones stay complete).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from posecheck.cli_options import add_analysis_options, config_from_args, positive_int, settings_from_args
from posecheck.config import Config
from posecheck.errors import PosecheckError
from posecheck.outputs.report_model import ReportSummary
from posecheck.pipeline import AnalysisSettings
from posecheck.video import VIDEO_SUFFIXES

if TYPE_CHECKING:
    from distributed import Client, Future

# How often a running analysis asks the scheduler whether the batch was cancelled (seconds).
CANCEL_POLL_S = 0.5
# How long Ctrl-C waits for running analyses to stop and clean up before giving up on them (seconds).
CANCEL_WAIT_S = 30.0
SCHEDULER_TIMEOUT_S = 10.0


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


@dataclass(frozen=True)
class BatchJob:
    """One video to analyse, with everything a worker on another machine needs."""

    video: str
    output_dir: str
    config: Config
    settings: AnalysisSettings
    model: str | None
    overwrite: bool
    cancel_event: str


class BatchCancelledError(Exception):
    """Raised inside a running analysis when the batch was cancelled (Ctrl-C)."""


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


class CancelCheck:
    """A progress callback that raises `BatchCancelledError` once the batch's Dask event is set."""

    def __init__(self, event_name: str) -> None:
        self.event_name = event_name
        self.next_check_s = 0.0

    def __call__(self, done: int, total: int) -> None:
        now_s = time.monotonic()
        if now_s < self.next_check_s:
            return
        self.next_check_s = now_s + CANCEL_POLL_S
        from distributed import Event

        if Event(self.event_name).is_set():
            raise BatchCancelledError


def analyse_one(job: BatchJob) -> BatchItem:
    """Analyse one video on a Dask worker; errors become a failed BatchItem, never an exception
    (only a cancelled batch raises)."""
    from posecheck.run import analyze_to_dir

    progress = CancelCheck(job.cancel_event)
    try:
        output = analyze_to_dir(
            job.video, job.output_dir, job.config, job.settings, job.model, progress, job.overwrite
        )
    except BatchCancelledError:
        raise
    except PosecheckError as error:
        return BatchItem(job.video, job.output_dir, ok=False, error=str(error))
    except Exception as error:  # noqa: BLE001 - one bad file must not stop the batch
        return BatchItem(job.video, job.output_dir, ok=False, error=f"unexpected {type(error).__name__}: {error}")
    summary = output.report.summary
    return BatchItem(
        job.video, job.output_dir, True, summary.frames_analysed, summary.events_total, summary.verdict,
        risk_line(summary),
    )


def remove_unfinished(new_dirs: list[Path]) -> None:
    """After a cancelled batch: remove what stopped analyses left in the directories the batch created
    (staging directories), then those directories that stayed empty (deepest first)."""
    from posecheck.outputs.staging import remove_stale_staging

    for directory in sorted(new_dirs, key=lambda path: len(path.parts), reverse=True):
        if directory.is_dir():
            remove_stale_staging(directory)
            if not any(directory.iterdir()):
                directory.rmdir()


def risk_line(summary: ReportSummary) -> str:
    """Short REBA/NIOSH column: "REBA 8 high, LI 1.4" (LI only with a known load), or "" when not scored;
    with the load state undecided at the start, that caveat (see load_caveat)."""
    parts = []
    worst = summary.reba.worst if summary.reba else None
    if worst:
        parts.append(f"REBA {worst.score} {worst.risk}")
    lifts = summary.niosh.lifts if summary.niosh else ()
    indices = [lift.lifting_index for lift in lifts if lift.lifting_index is not None]
    if indices:
        parts.append(f"LI {max(indices):.2f}")
    elif lifts:
        parts.append(f"{len(lifts)} lift(s), RWL {min(lift.rwl_kg for lift in lifts):.1f} kg")
    caveat = load_caveat(summary)
    return ", ".join([*parts, caveat] if caveat else parts)


def load_caveat(summary: ReportSummary) -> str:
    """The caveat when the load state was undecided at the start (twist under load was not judged there),
    e.g. 'load undecided at the start: twist 32° if loaded, --load throughout'; "" otherwise."""
    if summary.load is None or not summary.load.start_not_inferred:
        return ""
    twists = summary.load.twists_if_loaded
    found = (f"twist {max(abs(twist.peak_deg) for twist in twists):.0f}° if loaded" if twists
             else "no twist if loaded")
    return f"load undecided at the start: {found}, --load throughout"


@contextmanager
def batch_client(scheduler: str | None, workers: int) -> Iterator[Client]:
    """A Dask client: on an embedded LocalCluster of `workers` processes, or connected to `scheduler`."""
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S:g}s")
        except (OSError, TimeoutError, ValueError) as error:
            raise PosecheckError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from error
        with client:
            yield client
        return
    with warnings.catch_warnings():  # the scheduler's HTTP port moving off a busy 8787 is not the user's concern
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
            silence_logs=logging.ERROR, preload=["posecheck.batch_worker"],
        )
    with cluster, Client(cluster) as client:
        yield client


def run_batch(args: argparse.Namespace) -> int:
    """Run the batch and print a summary table; exit code 0 if every video succeeded, 1 otherwise."""
    directory, out_root = Path(args.directory).resolve(), Path(args.output).resolve()
    if not directory.is_dir():
        raise PosecheckError(f"not a directory: {args.directory}")
    videos = find_videos(directory)
    if not videos:
        raise PosecheckError(f"no video files in {args.directory}")
    config, settings = config_from_args(args), settings_from_args(args)
    model = str(Path(args.model).resolve()) if args.model else None
    cancel_event = f"posecheck-batch-cancel-{uuid.uuid4().hex}"
    taken: set[str] = set()
    jobs = [BatchJob(str(v), str(output_dir_for(v, out_root, taken)), config, settings, model, args.overwrite,
                     cancel_event) for v in videos]
    new_dirs = [path for path in (out_root, *(Path(job.output_dir) for job in jobs)) if not path.exists()]
    try:
        with batch_client(args.scheduler, min(args.jobs, len(jobs))) as client:
            items = run_jobs(client, jobs, args.quiet)
    except KeyboardInterrupt:
        remove_unfinished(new_dirs)
        raise
    items.sort(key=lambda item: item.video)
    print_table(items)
    return 0 if all(item.ok for item in items) else 1


def run_jobs(client: Client, jobs: list[BatchJob], quiet: bool) -> list[BatchItem]:
    """Submit every job, collect the outcomes with a progress bar over videos; Ctrl-C cancels the batch."""
    from distributed import as_completed
    from tqdm import tqdm

    futures = [client.submit(analyse_one, job, key=f"posecheck-{uuid.uuid4().hex}", pure=False, retries=0)
               for job in jobs]
    jobs_by_key = {future.key: job for future, job in zip(futures, jobs, strict=True)}
    items: list[BatchItem] = []
    try:
        with tqdm(total=len(jobs), unit="video", file=sys.stderr, disable=quiet, desc="batch") as bar:
            for future in as_completed(futures):
                items.append(outcome(future, jobs_by_key[future.key]))
                bar.update(1)
    except KeyboardInterrupt:
        cancel(client, futures, jobs[0].cancel_event)
        raise
    return items


def outcome(future: Future, job: BatchJob) -> BatchItem:
    """The BatchItem of a finished future; a worker that died or a task that failed is a failed item."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 - KilledWorker, a worker without posecheck, ...
        return BatchItem(job.video, job.output_dir, ok=False, error=f"{type(error).__name__}: {error}")


def cancel(client: Client, futures: list[Future], event_name: str) -> None:
    """Cancel queued analyses and make running ones stop (each removes its staging directory), waiting
    up to CANCEL_WAIT_S for them to finish stopping."""
    from distributed import Event

    Event(event_name, client=client).set()
    client.cancel(futures)
    keys = {future.key for future in futures}
    deadline_s = time.monotonic() + CANCEL_WAIT_S
    while time.monotonic() < deadline_s and keys & {key for tasks in client.processing().values() for key in tasks}:
        time.sleep(0.1)


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
    batch = commands.add_parser("batch", help="analyse every video in a directory (on Dask distributed)")
    batch.add_argument("directory", help="directory with video files")
    batch.add_argument("-o", "--output", default="posecheck-batch", help="output root; one sub-directory per video")
    batch.add_argument("-j", "--jobs", type=positive_int, default=1,
                       help="worker processes of the embedded cluster (default 1; ignored with --scheduler)")
    batch.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run on an existing Dask cluster (its workers need posecheck and the same storage)")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    add_analysis_options(batch)
    batch.set_defaults(handler=run_batch)
