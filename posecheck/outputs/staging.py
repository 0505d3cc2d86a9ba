"""Staging and atomic publish: an analysis is written into a hidden staging folder, then moved into place.

Everything is written into a hidden staging folder inside the output folder first and moved into place
at the end, report.json last (an existing report is removed before anything else is replaced): a folder
holding a report.json always holds a complete analysis. Only an empty folder or one with posecheck's own
earlier result is written into, and only posecheck's own files are replaced (posecheck.outputs.manifest);
one run at a time holds the folder. Staging folders are named after the process writing them; those of
dead processes (a killed run) are removed by the next run. Intermediate files go into `.work/` inside
the staging folder and never reach the output folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from posecheck.errors import OutputError
from posecheck.outputs.layout import EVENTS_DIR, FIXED_OUTPUTS, REPORT_NAME, STAGING_PREFIX, WORK_DIR_NAME
from posecheck.outputs.manifest import (
    PRIVATE_DIR_MODE,
    check_output_dir,
    exclusive_lock,
    file_digest,
    make_private,
    own_files,
    read_manifest,
    refuse_foreign,
    write_manifest,
)
from posecheck.processes import process_alive


def create_output_dir(output_dir: Path) -> None:
    """Create the output folder (private) unless it exists; OutputError if it cannot be written."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    except OSError as error:
        raise OutputError(f"cannot create output directory {output_dir}: {error.strerror or error}") from error
    if not os.access(output_dir, os.W_OK | os.X_OK):
        raise OutputError(f"output directory {output_dir} is not writable")


@contextmanager
def staged_output(output_dir: Path, overwrite: bool, input_path: Path) -> Iterator[Path]:
    """Hold `output_dir` and yield a new staging folder (with events/) in it, published when the block ends
    without an exception; the staging folder is removed in any case. See the module docstring."""
    with exclusive_lock(output_dir):
        remove_stale_staging(output_dir)
        check_output_dir(output_dir, overwrite, input_path, FIXED_OUTPUTS, STAGING_PREFIX)
        staging = _make_staging(output_dir)
        try:
            yield staging
            publish(staging, output_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _make_staging(output_dir: Path) -> Path:
    """A new hidden, private staging folder (with events/) in `output_dir`."""
    with _writing_in(output_dir):
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=output_dir))
        (staging / EVENTS_DIR).mkdir()
    return staging


def make_work_dir(staging: Path) -> Path:
    """A private folder for intermediate files inside the staging folder (removed before publishing;
    a killed run's goes with its staging folder)."""
    work_dir = staging / WORK_DIR_NAME
    with _writing_in(staging.parent):
        work_dir.mkdir(mode=PRIVATE_DIR_MODE)
    return work_dir


@contextmanager
def _writing_in(output_dir: Path) -> Iterator[None]:
    """Turn an OSError inside the block into an OutputError naming the output folder."""
    try:
        yield
    except OSError as error:
        raise OutputError(f"cannot write in output directory {output_dir}: {error.strerror or error}") from error


def remove_stale_staging(output_dir: Path) -> list[Path]:
    """Delete staging folders in `output_dir` left by processes that no longer run; returns them."""
    stale = [path for path in output_dir.glob(f"{STAGING_PREFIX}*") if path.is_dir() and not _writer_alive(path)]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


def _writer_alive(staging: Path) -> bool:
    """Whether the process named in a staging folder's name (prefix, pid, '-') still runs."""
    pid_text = staging.name[len(STAGING_PREFIX) :].split("-", 1)[0]
    return pid_text.isdigit() and process_alive(int(pid_text))


def publish(staging: Path, output_dir: Path) -> None:
    """Move staged outputs into place, replacing only posecheck's own files: the old report first, the new last.

    The manifest lists old and new files while they are moved, and only the new ones afterwards, so a
    run killed half-way leaves nothing the next run would not recognise as its own.
    """
    make_private(staging)
    new = {path.relative_to(staging).as_posix(): {file_digest(path)} for path in staging.rglob("*") if path.is_file()}
    own = own_files(output_dir, read_manifest(output_dir) or {})
    refuse_foreign(output_dir, new, own)
    write_manifest(output_dir, {name: own.get(name, set()) | new.get(name, set()) for name in {*own, *new}})
    try:
        if REPORT_NAME in own:
            (output_dir / REPORT_NAME).unlink()
        for name in own.keys() - new.keys():
            (output_dir / name).unlink(missing_ok=True)
        (output_dir / EVENTS_DIR).mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        for name in sorted(new, key=lambda name: name == REPORT_NAME):
            os.replace(staging / name, output_dir / name)
    except OSError as error:
        raise OutputError(f"cannot move results into {output_dir}: {error.strerror or error}") from error
    write_manifest(output_dir, new)
