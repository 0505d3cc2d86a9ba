"""Compact per-frame results: one float32 column per metric, so long videos stay small in memory."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from posecheck.metrics import METRIC_NAMES
from posecheck.rules import RULE_IDS

if TYPE_CHECKING:
    from posecheck.pipeline import FrameResult


class FrameTable:
    """Append-only table of FrameResults: about 140 bytes per frame instead of a few kilobytes."""

    def __init__(self) -> None:
        self.index = array("l")
        self.time_s = array("d")
        self.pose_detected = array("b")
        self.load_held = array("b")
        self.flag_bits = array("l")
        self.values = {name: array("f") for name in METRIC_NAMES}
        self.confidence = {name: array("f") for name in METRIC_NAMES}

    def __len__(self) -> int:
        return len(self.index)

    def append(self, result: FrameResult) -> None:
        """Add one frame's result (None metrics are stored as NaN)."""
        self.index.append(result.index)
        self.time_s.append(result.time_s)
        self.pose_detected.append(result.pose_detected)
        self.load_held.append(result.load_held)
        self.flag_bits.append(sum(1 << RULE_IDS.index(rule) for rule in result.flags))
        values = result.metrics.values()
        for name in METRIC_NAMES:
            value = values[name]
            self.values[name].append(math.nan if value is None else value)
            self.confidence[name].append(result.metrics.confidence.get(name, 0.0))

    def detected_count(self) -> int:
        """Number of frames in which a person was detected."""
        return sum(self.pose_detected)

    def flags(self, row: int) -> list[str]:
        """Rule ids active in table row `row`."""
        bits = self.flag_bits[row]
        return [rule for position, rule in enumerate(RULE_IDS) if bits & (1 << position)]

    def metric(self, row: int, name: str) -> float | None:
        """Value of metric `name` in row `row`, rounded to 0.1 (3 decimals for ratios); None if missing."""
        value = self.values[name][row]
        if math.isnan(value):
            return None
        return round(float(value), 1 if name.endswith("_deg") else 3)

    def series(self, name: str) -> list[float | None]:
        """The whole column of metric `name` (None where missing)."""
        return [self.metric(row, name) for row in range(len(self))]

    def rows(self) -> Iterator[dict[str, Any]]:
        """One dict per frame in the report.json `frames` layout."""
        for row in range(len(self)):
            yield {
                "index": self.index[row],
                "time_s": round(self.time_s[row], 4),
                "pose_detected": bool(self.pose_detected[row]),
                "load_held": bool(self.load_held[row]),
                "metrics": {name: self.metric(row, name) for name in METRIC_NAMES},
                "confidence": {
                    name: round(float(self.confidence[name][row]), 2)
                    for name in METRIC_NAMES
                    if not math.isnan(self.values[name][row])
                },
                "flags": self.flags(row),
            }
