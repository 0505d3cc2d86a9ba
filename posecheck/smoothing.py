"""Temporal smoothing of landmarks: zero-phase over a file's whole track, the causal One Euro filter live.

`zero_phase_smooth` fits a local quadratic in time around every frame (no lag: a file's track is known
in full). The One Euro filter (Casiez, Roussel & Vogel, CHI 2012) adapts its cutoff to speed: strong
smoothing when a landmark is still (no jitter), little when it moves fast (almost no lag). It works on
whole arrays, so one filter smooths all 33 landmarks at once.
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


# Zero-phase smoothing of a whole track (offline): a local quadratic regression in time with Gaussian
# weights (a Savitzky-Golay filter defined in seconds, so it needs neither a constant frame rate nor a
# particular one). Its equivalent kernel (3 - u^2) / 2 * phi(u), u = dt / sigma, is symmetric (no lag),
# keeps a peak's height (a quadratic passes unchanged) and has the gain (1 + x) e^-x, x = (sigma w)^2 / 2,
# which is 1/sqrt(2) at x = 1.078: the half-power cutoff f_c is reached with sigma = this / f_c.
SIGMA_S_TIMES_CUTOFF_HZ = 0.2337
# The Gaussian weights are cut off this many sigmas from the centre (weight 0.011 there).
KERNEL_HALF_WIDTH_SIGMAS = 3.0
# Rows smoothed at a time: memory stays flat in the track's length.
SMOOTHING_BLOCK_ROWS = 2048
# Keeps the local fit solvable when the samples barely constrain it (weights vanishing at the edge).
RIDGE = 1e-9


def present_runs(present: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) row ranges of the consecutive True stretches of `present` (stop exclusive)."""
    flags = np.concatenate(([False], np.asarray(present, bool), [False]))
    edges = np.flatnonzero(flags[1:] != flags[:-1])
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def zero_phase_smooth(
    times_s: np.ndarray, values: np.ndarray, cutoff_hz: float, lead_s: float = 0.0
) -> np.ndarray:
    """Smooth `values` (N, ...) sampled at increasing `times_s` (N,) without phase shift.

    Local quadratic regression with Gaussian weights whose half-power cutoff is `cutoff_hz`
    (see SIGMA_S_TIMES_CUTOFF_HZ): the same filter at any frame rate. Call it once per stretch
    without gaps. Rows with a non-finite value pass unchanged and are not used by their neighbours.
    `lead_s` > 0 reads each row's local fit that much later (never past the stretch's last time):
    it takes back a known delay of the values, e.g. MediaPipe's tracking lag.
    """
    values = np.asarray(values, dtype=np.float64)
    times_s = np.asarray(times_s, dtype=np.float64)
    count = len(times_s)
    if count < 2 or cutoff_hz <= 0:
        return values.copy()
    sigma_s = SIGMA_S_TIMES_CUTOFF_HZ / cutoff_hz
    flat = values.reshape(count, -1)
    usable = np.all(np.isfinite(flat), axis=1)
    data = np.where(usable[:, None], flat, 0.0)
    smoothed = flat.copy()
    for start in range(0, count, SMOOTHING_BLOCK_ROWS):
        rows = np.arange(start, min(count, start + SMOOTHING_BLOCK_ROWS))
        neighbours, weights = _hat_weights(times_s, sigma_s, usable, rows, lead_s)
        block = np.einsum("nk,nkc->nc", weights, data[neighbours])
        smoothed[rows] = np.where(usable[rows, None], block, flat[rows])
    return smoothed.reshape(values.shape)


def _hat_weights(
    times_s: np.ndarray, sigma_s: float, usable: np.ndarray, rows: np.ndarray, lead_s: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour rows (n, K) of each of `rows` and their weights in its local quadratic estimate,
    read `lead_s` after the row's own time (clipped to the last time)."""
    count = len(times_s)
    half_width_s = KERNEL_HALF_WIDTH_SIGMAS * sigma_s
    ahead = np.searchsorted(times_s, times_s[rows] + half_width_s, side="right") - 1 - rows
    behind = rows - np.searchsorted(times_s, times_s[rows] - half_width_s, side="left")
    reach = int(max(ahead.max(), behind.max(), 0))
    neighbours = rows[:, None] + np.arange(-reach, reach + 1)[None, :]
    inside = (neighbours >= 0) & (neighbours < count)
    neighbours = np.clip(neighbours, 0, count - 1)
    u = (times_s[neighbours] - times_s[rows, None]) / sigma_s
    kernel = np.where(inside & usable[neighbours] & (np.abs(u) <= KERNEL_HALF_WIDTH_SIGMAS), np.exp(-0.5 * u * u), 0.0)
    basis = np.stack([np.ones_like(u), u, u * u], axis=-1)  # (n, K, 3)
    lead_u = np.minimum(lead_s, times_s[-1] - times_s[rows]) / sigma_s
    moments = np.einsum("nk,nki,nkj->nij", kernel, basis, basis)
    # Fewer than three weighted samples cannot fit a parabola: fit a line, or take the one sample.
    degree = np.clip((kernel > 0).sum(axis=1) - 1, 0, 2)
    weights = np.zeros_like(u)
    for fit_degree in range(3):
        chosen = degree == fit_degree
        if not chosen.any():
            continue
        size = fit_degree + 1
        # The fit a + b u + c u^2 read at u = lead (in sigmas): 1, lead, lead^2 pick it out.
        at = lead_u[chosen]
        unit = np.stack([np.ones_like(at), at, at * at], axis=-1)[:, :size, None]
        system = moments[chosen][:, :size, :size] + RIDGE * np.eye(size)
        coefficients = np.linalg.solve(system, unit)[..., 0]
        weights[chosen] = kernel[chosen] * np.einsum("nki,ni->nk", basis[chosen][:, :, :size], coefficients)
    return neighbours, weights
