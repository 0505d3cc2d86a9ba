"""Temporal smoothing of landmarks with the One Euro filter (Casiez, Roussel & Vogel, CHI 2012).

The filter adapts its cutoff to speed: strong smoothing when a landmark is still (no jitter),
little when it moves fast (almost no lag). It works on whole arrays, so one filter smooths all
33 landmarks at once.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from posecheck.config import SmoothingConfig
from posecheck.pose import PoseFrame

# After a gap longer than this without a pose, the filters restart instead of gliding.
RESET_AFTER_GAP_S = 0.5


def _smoothing_factor(dt_s: float, cutoff_hz: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """One Euro filter over an array of any shape; `filter(values, time_s)` returns the smoothed array."""

    def __init__(self, config: SmoothingConfig) -> None:
        self._config = config
        self._value: np.ndarray | None = None
        self._derivative: np.ndarray | None = None
        self._time_s: float | None = None

    def reset(self) -> None:
        """Forget the history (next value passes through unchanged)."""
        self._value = self._derivative = self._time_s = None

    def filter(self, values: np.ndarray, time_s: float) -> np.ndarray:
        """Smooth `values` observed at `time_s` seconds; non-finite entries pass through unchanged."""
        values = np.asarray(values, dtype=float)
        if self._value is None or self._time_s is None or time_s <= self._time_s:
            return self._restart(values, time_s)
        dt_s = time_s - self._time_s
        cfg = self._config
        finite = np.isfinite(values)
        previous = np.where(np.isfinite(self._value), self._value, values)
        raw_derivative = np.where(finite, (values - previous) / dt_s, 0.0)
        alpha_d = _smoothing_factor(dt_s, cfg.derivative_cutoff_hz)
        # Opposite overflowing jumps (inf - inf) carry no usable speed: NaN would stick in the state.
        derivative = np.nan_to_num(alpha_d * raw_derivative + (1 - alpha_d) * self._derivative, nan=0.0)
        cutoff = cfg.min_cutoff_hz + cfg.beta * np.abs(derivative)
        tau = 1.0 / (2.0 * math.pi * cutoff)
        alpha = 1.0 / (1.0 + tau / dt_s)
        smoothed = np.where(finite, alpha * values + (1 - alpha) * previous, values)
        self._value, self._derivative, self._time_s = smoothed, derivative, time_s
        return smoothed

    def _restart(self, values: np.ndarray, time_s: float) -> np.ndarray:
        self._value = values.copy()
        self._derivative = np.zeros_like(values)
        self._time_s = time_s
        return values


class PoseSmoother:
    """Smooths the image and world landmarks of successive PoseFrames of one stream."""

    def __init__(self, config: SmoothingConfig) -> None:
        self._image = OneEuroFilter(config)
        self._world = OneEuroFilter(config)
        self._last_time_s: float | None = None

    def smooth(self, pose: PoseFrame | None, time_s: float) -> PoseFrame | None:
        """Return the smoothed pose at `time_s` seconds (None passes through and may reset the filters)."""
        if pose is None:
            if self._last_time_s is not None and time_s - self._last_time_s > RESET_AFTER_GAP_S:
                self._image.reset()
                self._world.reset()
                self._last_time_s = None
            return None
        self._last_time_s = time_s
        # Image landmarks are filtered in units of the frame height so that the speed-dependent
        # cutoff (beta) behaves the same at every resolution.
        scale = float(pose.height_px)
        image = self._image.filter(pose.image_xy_px / scale, time_s) * scale
        world = self._world.filter(pose.world_xyz_m, time_s)
        image, world = _finite_or_raw(image, pose.image_xy_px), _finite_or_raw(world, pose.world_xyz_m)
        return dataclasses.replace(pose, image_xy_px=image, world_xyz_m=world)


def _finite_or_raw(smoothed: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """The smoothed values, except where smoothing overflowed: there the raw values."""
    return np.where(np.isfinite(smoothed), smoothed, raw)
