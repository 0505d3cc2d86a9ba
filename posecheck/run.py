"""Analyse one video into an output directory: report.json, metrics.csv, annotated.mp4, events/*.jpg.

Everything is written into a hidden staging directory first and moved into place at the end,
report.json last (an existing report is removed before anything else is replaced): a directory
holding a report.json always holds a complete analysis. Only an empty directory or one with
posecheck's own earlier result is written into, and only posecheck's own files are replaced
(posecheck/outputs.py); one run at a time holds the directory. Staging directories are named after
the process writing them; those of dead processes (a killed run) are removed by the next run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from posecheck.config import Config
from posecheck.errors import OutputError
from posecheck.offload import analyze_offloaded, helpers_allowed, idle_cores
from posecheck.outputs import (
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
from posecheck.pipeline import AnalysisResult, AnalysisSettings, ProgressCallback, ThreadedSink, analyze_video
from posecheck.pose import PoseEstimator, default_model_path
from posecheck.processes import process_alive
from posecheck.report import build_report, event_image_name, write_metrics_csv, write_report_json
from posecheck.rules import Event
from posecheck.video import H264Writer, probe_video

REPORT_NAME = "report.json"
CSV_NAME = "metrics.csv"
VIDEO_NAME = "annotated.mp4"
EVENTS_DIR = "events"
STAGING_PREFIX = ".posecheck-partial-"
WORK_DIR_NAME = ".work"  # intermediate files, inside the staging directory
FIXED_OUTPUTS = (REPORT_NAME, CSV_NAME, VIDEO_NAME)


@dataclass(frozen=True)
class AnalysisOutput:
    """A finished analysis: the in-memory result, the report document and where the files are."""

    result: AnalysisResult
    report: dict[str, Any]
    output_dir: Path

    @property
    def report_path(self) -> Path:
        """Path of report.json."""
        return self.output_dir / REPORT_NAME

    @property
    def csv_path(self) -> Path:
        """Path of metrics.csv."""
        return self.output_dir / CSV_NAME

    @property
    def video_path(self) -> Path:
        """Path of the annotated H.264 video."""
        return self.output_dir / VIDEO_NAME


def create_output_dir(output_dir: Path) -> None:
    """Create the output directory (private) unless it exists; OutputError if it cannot be written."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    except OSError as error:
        raise OutputError(f"cannot create output directory {output_dir}: {error.strerror or error}") from error
    if not os.access(output_dir, os.W_OK | os.X_OK):
        raise OutputError(f"output directory {output_dir} is not writable")


def analyze_to_dir(
    video_path: str | Path,
    output_dir: str | Path,
    config: Config,
    settings: AnalysisSettings = AnalysisSettings(),
    model_path: str | Path | None = None,
    progress: ProgressCallback | None = None,
    overwrite: bool = False,
) -> AnalysisOutput:
    """Analyse `video_path` and write all outputs into `output_dir` (see module docstring)."""
    output_dir = Path(output_dir)
    info = probe_video(video_path)  # fail on unreadable input before creating anything
    create_output_dir(output_dir)
    model = Path(model_path) if model_path else default_model_path()
    settings = AnalysisSettings(settings.stride, settings.max_width, str(model), settings.blur_faces)
    with exclusive_lock(output_dir):
        remove_stale_staging(output_dir)
        check_output_dir(output_dir, overwrite, Path(video_path), FIXED_OUTPUTS, STAGING_PREFIX)
        staging = _make_staging(output_dir)
        try:
            result = _analyze_into(video_path, staging, config, settings, model, info.fps, progress)
            report = build_report(result, config.ergonomics, config.rules)
            write_metrics_csv(staging / CSV_NAME, result.frames)
            write_report_json(staging / REPORT_NAME, report)
            _publish(staging, output_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return AnalysisOutput(result, report, output_dir)


def _make_staging(output_dir: Path) -> Path:
    """A new hidden, private staging directory (with events/) in `output_dir`."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=output_dir))
        (staging / EVENTS_DIR).mkdir()
    except OSError as error:
        raise OutputError(f"cannot write in output directory {output_dir}: {error.strerror or error}") from error
    return staging


def remove_stale_staging(output_dir: Path) -> list[Path]:
    """Delete staging directories in `output_dir` left by processes that no longer run; returns them."""
    stale = [path for path in output_dir.glob(f"{STAGING_PREFIX}*") if path.is_dir() and not _writer_alive(path)]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


def _writer_alive(staging: Path) -> bool:
    """Whether the process named in a staging directory's name (prefix, pid, '-') still runs."""
    pid_text = staging.name[len(STAGING_PREFIX) :].split("-", 1)[0]
    return pid_text.isdigit() and process_alive(int(pid_text))


def _analyze_into(
    video_path: str | Path,
    staging: Path,
    config: Config,
    settings: AnalysisSettings,
    model: Path,
    fps: float,
    progress: ProgressCallback | None,
) -> AnalysisResult:
    """Analyse into `staging`: with helper processes (posecheck.offload) when configured, allowed here and a core
    is idle (`output.helper_min_idle_cores`), else in this process."""
    output = config.output
    busy = output.helper_min_idle_cores > 0 and idle_cores() < output.helper_min_idle_cores
    if output.helper_processes == 0 or busy or not helpers_allowed():
        return _analyze_in_process(video_path, staging, config, settings, model, fps, progress)
    work_dir = _make_work_dir(staging)
    try:
        return analyze_offloaded(video_path, config, settings, model, staging / VIDEO_NAME, staging / EVENTS_DIR,
                                 work_dir, progress)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _make_work_dir(staging: Path) -> Path:
    """A private directory for intermediate files inside the staging directory (removed before publishing;
    a killed run's goes with its staging directory)."""
    work_dir = staging / WORK_DIR_NAME
    try:
        work_dir.mkdir(mode=PRIVATE_DIR_MODE)
    except OSError as error:
        raise OutputError(f"cannot write in output directory {staging.parent}: {error.strerror or error}") from error
    return work_dir


def _analyze_in_process(
    video_path: str | Path,
    staging: Path,
    config: Config,
    settings: AnalysisSettings,
    model: Path,
    fps: float,
    progress: ProgressCallback | None,
) -> AnalysisResult:
    """Analyse in this process (the decoder and encoder on threads)."""
    writer: H264Writer | None = None

    def encode(rgb: np.ndarray) -> None:
        nonlocal writer
        if writer is None:
            writer = H264Writer(staging / VIDEO_NAME, fps / settings.stride, rgb.shape[1], rgb.shape[0],
                                crf=config.output.video_crf, preset=config.output.video_preset)
        writer.write(rgb)

    def save_event_image(event: Event, rgb: np.ndarray) -> None:
        write_jpeg(staging / EVENTS_DIR / event_image_name(event), rgb)

    sink = ThreadedSink(encode)
    try:
        with PoseEstimator(model, config.pose.min_detection_confidence,
                           per_frame=config.pose.detect_each_frame_in_files) as estimator:
            result = analyze_video(video_path, config, estimator, settings, sink.put, save_event_image, progress)
    finally:
        sink.close()
        if writer is not None:
            writer.close()
    return result


def write_jpeg(path: Path, rgb: np.ndarray, quality: int = 90) -> None:
    """Write an RGB uint8 image as JPEG."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OutputError(f"cannot encode {path.name}")
    try:
        path.write_bytes(data.tobytes())
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from error


def _publish(staging: Path, output_dir: Path) -> None:
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
