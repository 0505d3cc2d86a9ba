"""An analysis result written as report.json and metrics.csv: the same files for a file, a batch and a live session."""

from __future__ import annotations

from pathlib import Path

from posecheck.config import Config
from posecheck.outputs.files import write_metrics_csv, write_report_json
from posecheck.outputs.layout import CSV_NAME, REPORT_NAME
from posecheck.outputs.report_model import Report
from posecheck.pipeline import AnalysisResult
from posecheck.report import build_report


def write_results(directory: Path, result: AnalysisResult, config: Config) -> Report:
    """Build the report of `result` (REBA/NIOSH with config.ergonomics, view findings with config.rules) and
    write metrics.csv and report.json into `directory`, report.json last; returns the report."""
    report = build_report(result, config.ergonomics, config.rules)
    write_metrics_csv(directory / CSV_NAME, report.frames)
    write_report_json(directory / REPORT_NAME, report)
    return report
