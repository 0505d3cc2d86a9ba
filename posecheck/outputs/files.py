"""The files of an analysis written and read: atomic writes, report.json, metrics.csv and event images."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import cv2
import numpy as np

from posecheck.errors import OutputError
from posecheck.metrics.frame_metrics import METRIC_NAMES
from posecheck.outputs.report_model import FrameRecord, Report

JPEG_QUALITY = 90
TIME_COLUMN = "time_s"
FLAGS_COLUMN = "flags"
TWIST_CONFIDENCE_COLUMN = "torso_twist_confidence"
REBA_SCORE_COLUMN = "reba_score"

# reba_risk is the REBA action level 0-4 (0 negligible, 1 low, 2 medium, 3 high, 4 very high): a number,
# as every metrics.csv column but flags is read back as one. torso_twist_confidence (0-1) tells whether
# the twist rule judged the frame (config rules.twist_min_confidence); report.json has every confidence.
CSV_COLUMNS = (
    "index", TIME_COLUMN, "pose_detected", "load_held", *METRIC_NAMES, TWIST_CONFIDENCE_COLUMN,
    REBA_SCORE_COLUMN, "reba_risk", FLAGS_COLUMN,
)
TWIST_METRIC = "torso_twist_deg"
TWIST_COLUMN = METRIC_NAMES.index(TWIST_METRIC)


def write_atomic(path: Path, write: Callable[[IO[Any]], object], mode: str = "w") -> None:
    """Write a file via a temporary file in the same directory and an atomic rename."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, mode, **({"newline": "", "encoding": "utf-8"} if "b" not in mode else {})) as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from error


def write_jpeg(path: Path, rgb: np.ndarray, quality: int = JPEG_QUALITY) -> None:
    """Write an RGB uint8 image as JPEG (an event's peak frame)."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OutputError(f"cannot encode {path.name}")
    try:
        path.write_bytes(data.tobytes())
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from error


def write_report_json(path: Path, report: Report) -> None:
    """Write report.json atomically."""
    write_atomic(path, lambda f: json.dump(report.to_json(), f, indent=1, allow_nan=False))


def read_report(path: Path) -> Report:
    """The report in a report.json; OutputError (naming no directory) if it cannot be read, ReportFormatError
    if it is no report this version reads (see posecheck.outputs.report_model)."""
    try:
        with path.open(encoding="utf-8") as file:
            document = json.load(file)
    except (OSError, ValueError) as error:
        raise OutputError(f"the analysis has no readable report ({path.name}): {error}") from error
    return Report.from_json(document)


def csv_rows(frames: Iterable[FrameRecord]) -> Iterator[list[Any]]:
    """metrics.csv rows (without header) of the report's frames: empty cells where a metric or REBA is missing,
    flags joined by ';'."""
    for frame in frames:
        metrics = ["" if (value := frame.metrics[name]) is None else value for name in METRIC_NAMES]
        yield [
            frame.index,
            frame.time_s,
            int(frame.pose_detected),
            int(frame.load_held),
            *metrics,
            "" if metrics[TWIST_COLUMN] == "" else frame.confidence[TWIST_METRIC],
            *(("", "") if frame.reba is None else (frame.reba.score, frame.reba.action_level)),
            ";".join(frame.flags),
        ]


def write_metrics_csv(path: Path, frames: Iterable[FrameRecord]) -> None:
    """Write metrics.csv atomically (one row per report frame)."""

    def write(f: IO[str]) -> None:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(csv_rows(frames))

    write_atomic(path, write)


@dataclass(frozen=True)
class MetricsColumns:
    """metrics.csv read back by column: numbers as floats (None for empty cells), `flags` as text."""

    by_name: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def time_s(self) -> list[float | None]:
        """Each frame's time (s); empty when there is no metrics.csv."""
        return self.by_name.get(TIME_COLUMN, [])

    def numbers(self, name: str) -> list[float | None]:
        """Column `name` frame by frame (None where empty); all None when metrics.csv has no such column."""
        return self.by_name.get(name) or [None] * len(self.time_s)


def read_metrics_csv(path: Path) -> MetricsColumns:
    """The columns of a metrics.csv (see MetricsColumns); OSError or ValueError if it cannot be read."""
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        columns: dict[str, list[Any]] = {name: [] for name in reader.fieldnames or ()}
        for row in reader:
            for name, cell in row.items():
                columns[name].append(cell if name == FLAGS_COLUMN else (float(cell) if cell else None))
    return MetricsColumns(columns)
