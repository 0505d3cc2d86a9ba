"""Analyse one video into an output folder: report.json, metrics.csv, annotated.mp4, events/*.jpg.

The folder's layout, staging and atomic publish are posecheck.outputs's (staging.py); this module runs
the analysis into the staging folder, with helper processes (posecheck.offload) or in this process.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecheck.config import Config
from posecheck.offload import analyze_offloaded, helpers_allowed, idle_cores
from posecheck.outputs.files import write_jpeg
from posecheck.outputs.layout import CSV_NAME, EVENTS_DIR, REPORT_NAME, VIDEO_NAME, event_image_name
from posecheck.outputs.report_model import Report
from posecheck.outputs.results import write_results
from posecheck.outputs.staging import create_output_dir, make_work_dir, staged_output
from posecheck.pipeline import AnalysisResult, AnalysisSettings, ProgressCallback, ThreadedSink, analyze_video
from posecheck.pose import PoseEstimator, default_model_path
from posecheck.rules import Event
from posecheck.video import H264Writer, probe_video


@dataclass(frozen=True)
class AnalysisOutput:
    """A finished analysis: the in-memory result, the report document and where the files are."""

    result: AnalysisResult
    report: Report
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


@dataclass(frozen=True)
class RunInputs:
    """What one run analyses and how: the video and its frame rate (frames/s), configuration, settings, model."""

    video_path: str | Path  # as given: the report names it so
    fps: float
    config: Config
    settings: AnalysisSettings
    model: Path


def analyze_to_dir(
    video_path: str | Path,
    output_dir: str | Path,
    config: Config,
    settings: AnalysisSettings = AnalysisSettings(),
    model_path: str | Path | None = None,
    progress: ProgressCallback | None = None,
    overwrite: bool = False,
) -> AnalysisOutput:
    """Analyse `video_path` and write all outputs into `output_dir` (posecheck.outputs.staging)."""
    output_dir = Path(output_dir)
    info = probe_video(video_path)  # fail on unreadable input before creating anything
    create_output_dir(output_dir)
    model = Path(model_path) if model_path else default_model_path()
    settings = AnalysisSettings(settings.stride, settings.max_width, str(model), settings.blur_faces)
    inputs = RunInputs(video_path, info.fps, config, settings, model)
    with staged_output(output_dir, overwrite, Path(video_path)) as staging:
        result = _analyze_into(inputs, staging, progress)
        report = write_results(staging, result, config)
    return AnalysisOutput(result, report, output_dir)


def _analyze_into(inputs: RunInputs, staging: Path, progress: ProgressCallback | None) -> AnalysisResult:
    """Analyse into `staging`: with helper processes (posecheck.offload) when configured, allowed here and a core
    is idle (`output.helper_min_idle_cores`), else in this process."""
    output = inputs.config.output
    busy = output.helper_min_idle_cores > 0 and idle_cores() < output.helper_min_idle_cores
    if output.helper_processes == 0 or busy or not helpers_allowed():
        return _analyze_in_process(inputs, staging, progress)
    work_dir = make_work_dir(staging)
    try:
        return analyze_offloaded(inputs.video_path, inputs.config, inputs.settings, inputs.model,
                                 staging / VIDEO_NAME, staging / EVENTS_DIR, work_dir, progress)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _analyze_in_process(inputs: RunInputs, staging: Path, progress: ProgressCallback | None) -> AnalysisResult:
    """Analyse in this process (the decoder and encoder on threads)."""
    config, settings = inputs.config, inputs.settings
    writer: H264Writer | None = None

    def encode(rgb: np.ndarray) -> None:
        nonlocal writer
        if writer is None:
            writer = H264Writer(staging / VIDEO_NAME, inputs.fps / settings.stride, rgb.shape[1], rgb.shape[0],
                                crf=config.output.video_crf, preset=config.output.video_preset)
        writer.write(rgb)

    def save_event_image(event: Event, rgb: np.ndarray) -> None:
        write_jpeg(staging / EVENTS_DIR / event_image_name(event), rgb)

    sink = ThreadedSink(encode)
    try:
        with PoseEstimator(inputs.model, config.pose.min_detection_confidence,
                           per_frame=config.pose.detect_each_frame_in_files) as estimator:
            result = analyze_video(inputs.video_path, config, estimator, settings, sink.put, save_event_image,
                                   progress)
    finally:
        sink.close()
        if writer is not None:
            writer.close()
    return result
