"""Compact per-frame results: one float32 column per metric, so long videos stay small in memory.

REBA scores are int8 columns too; `append` leaves them at 0 ("not scored") and
posecheck.ergonomics.video.score_reba fills them with the task settings of [ergonomics].
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from posecheck.ergonomics.reba import RebaResult
from posecheck.metrics.frame_metrics import METRIC_NAMES, FrameMetrics
from posecheck.plausibility import NOTE_CODES
from posecheck.rules import RULE_IDS, Event


@dataclass(frozen=True)
class FrameResult:
    """The analysis of one frame."""

    index: int
    time_s: float
    pose_detected: bool
    metrics: FrameMetrics
    flags: tuple[str, ...]
    load_held: bool


# REBA column → RebaResult attribute. Body-part scores are the worksheet's steps 1-6.
REBA_COLUMNS = {
    "score": "reba_score",
    "score_a": "score_a",
    "score_b": "score_b",
    "table_c": "table_c_score",
    "trunk": "trunk_score",
    "neck": "neck_score",
    "legs": "legs_score",
    "upper_arm": "upper_arm_score",
    "lower_arm": "lower_arm_score",
    "wrist": "wrist_score",
}
REBA_PARTS = ("trunk", "neck", "legs", "upper_arm", "lower_arm", "wrist")


# Largest magnitude a float32 column holds; larger metric values would be stored as infinity.
FLOAT32_MAX = 3.4028234e38


def _storable(value: float | None) -> float:
    """A metric value for a float32 column: NaN (missing) when None, not finite or beyond float32."""
    return value if value is not None and abs(value) < FLOAT32_MAX else math.nan


def _storable_confidence(confidence: float) -> float:
    """A confidence clipped to [0, 1]; 0 when not a finite number."""
    return min(1.0, max(0.0, confidence)) if math.isfinite(confidence) else 0.0


class FrameTable:
    """Append-only table of FrameResults: about 140 bytes per frame instead of a few kilobytes."""

    def __init__(self) -> None:
        self.index = array("l")
        self.time_s = array("d")
        self.pose_detected = array("b")
        self.load_held = array("b")
        self.flag_bits = array("l")
        self.note_bits = array("l")  # posecheck.plausibility.NOTE_CODES
        self.values = {name: array("f") for name in METRIC_NAMES}
        self.confidence = {name: array("f") for name in METRIC_NAMES}
        self.reba = {name: array("b") for name in REBA_COLUMNS}  # 0 = not scored

    def __len__(self) -> int:
        return len(self.index)

    def append(self, result: FrameResult) -> None:
        """Add one frame's result (None metrics are stored as NaN)."""
        self.index.append(result.index)
        self.time_s.append(result.time_s)
        self.pose_detected.append(result.pose_detected)
        self.load_held.append(result.load_held)
        self.flag_bits.append(sum(1 << RULE_IDS.index(rule) for rule in result.flags))
        self.note_bits.append(sum(1 << NOTE_CODES.index(note) for note in result.metrics.notes))
        values = result.metrics.values()
        for name in METRIC_NAMES:
            self.values[name].append(_storable(values[name]))
            self.confidence[name].append(_storable_confidence(result.metrics.confidence.get(name, 0.0)))
        for column in self.reba.values():
            column.append(0)

    def set_flags_from_events(self, events: Iterable[Event]) -> None:
        """Flag every row from each event's start frame to its end frame with the event's rule (only)."""
        frame_indices = np.asarray(self.index, dtype=np.int64)
        bits = np.zeros(len(frame_indices), dtype=np.int64)
        for event in events:
            first = np.searchsorted(frame_indices, event.start_frame, side="left")
            last = np.searchsorted(frame_indices, event.end_frame, side="right")
            bits[first:last] |= 1 << RULE_IDS.index(event.rule)
        self.flag_bits = array("l", bits.tolist())

    def frame_metrics(self, row: int) -> FrameMetrics:
        """Row `row`'s metrics and confidences as a FrameMetrics (values as stored, float32)."""
        values = {name: None if math.isnan(self.values[name][row]) else float(self.values[name][row])
                  for name in METRIC_NAMES}
        confidence = {name: float(self.confidence[name][row]) for name, value in values.items() if value is not None}
        return FrameMetrics(**values, confidence=confidence, notes=tuple(self.notes(row)))

    def set_reba(self, row: int, result: RebaResult | None) -> None:
        """Store the REBA scores of row `row` (None: not scorable, stored as 0)."""
        for name, attribute in REBA_COLUMNS.items():
            self.reba[name][row] = 0 if result is None else getattr(result, attribute)

    def reba_score(self, row: int) -> int | None:
        """Final REBA score (1-15) of row `row`; None if not scored."""
        return self.reba["score"][row] or None

    def row_metrics(self, row: int) -> dict[str, float | None]:
        """Metric name → value (as reported, rounded) of row `row`."""
        return {name: self.metric(row, name) for name in METRIC_NAMES}

    def detected_count(self) -> int:
        """Number of frames in which a person was detected."""
        return sum(self.pose_detected)

    def flags(self, row: int) -> list[str]:
        """Rule ids active in table row `row`."""
        bits = self.flag_bits[row]
        return [rule for position, rule in enumerate(RULE_IDS) if bits & (1 << position)]

    def notes(self, row: int) -> list[str]:
        """Plausibility and framing notes of table row `row` (posecheck.plausibility.NOTE_CODES)."""
        bits = self.note_bits[row]
        return [note for position, note in enumerate(NOTE_CODES) if bits & (1 << position)]

    def metric(self, row: int, name: str) -> float | None:
        """Value of metric `name` in row `row`, rounded to 0.1 (3 decimals for ratios); None if missing."""
        value = self.values[name][row]
        if math.isnan(value):
            return None
        return round(float(value), 1 if name.endswith("_deg") else 3)

    def series(self, name: str) -> list[float | None]:
        """The whole column of metric `name` (None where missing)."""
        return [self.metric(row, name) for row in range(len(self))]
