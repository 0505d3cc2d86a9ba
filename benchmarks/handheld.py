"""A synthetic clip as a hand-held phone would film it: shake, exposure drift, sensor noise, compression.

The synthetic lifter is rendered by a perfect tripod camera: the background never moves, the exposure
never changes and there is no noise. Real clips differ on each count, and image evidence that compares
a patch of the frame seconds apart (posecheck.load's pick-up check) is the first thing such a camera
could fool. `degrade_clip` rewrites a rendered clip with, as functions of time (so every frame rate
sees the same camera):

- shake: a slow drift of the framing (sum of sinusoids at 0.1-0.5 Hz, ~1.5 % of the frame width,
  ~0.8° of roll) plus hand tremor (4-7 Hz, ~0.25 % of the width);
- exposure: a slow gain drift of about ±6 % (auto-exposure hunting);
- sensor noise: Gaussian, standard deviation 3 grey levels per channel, new every frame;
- compression: H.264 at CRF 30 (a phone's or a messaging app's bitrate) instead of 23.

The ground truth (3-D angles, load state, flags) does not change: the person did the same thing.
Image-space truth (joints_image_px) is left as rendered and is not used by the sweep's scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from posecheck.video import H264Writer, probe_video, read_frames

DRIFT_FREQUENCIES_HZ = (0.1, 0.5)
TREMOR_FREQUENCIES_HZ = (4.0, 7.0)


@dataclass(frozen=True)
class HandheldCamera:
    """How unsteady the camera is (shares of the frame width, degrees, gain, grey levels, CRF)."""

    drift_width_share: float = 0.015
    drift_roll_deg: float = 0.8
    tremor_width_share: float = 0.0025
    gain_drift: float = 0.06
    noise_grey_levels: float = 3.0
    crf: int = 30


class _Wobble:
    """A smooth, deterministic signal of time: a sum of sinusoids with random frequencies and phases."""

    def __init__(self, rng: np.random.Generator, frequencies_hz: tuple[float, float], count: int = 3) -> None:
        self._frequencies_hz = rng.uniform(*frequencies_hz, size=count)
        self._phases = rng.uniform(0.0, 2.0 * math.pi, size=count)
        self._scale = 1.0 / math.sqrt(count / 2.0)  # unit standard deviation

    def at(self, time_s: float) -> float:
        """The signal's value at `time_s` (standard deviation about 1)."""
        angles = 2.0 * math.pi * self._frequencies_hz * time_s + self._phases
        return float(np.sin(angles).sum() * self._scale)


def camera_motion(seed: int, time_s: float, width_px: int, camera: HandheldCamera) -> tuple[float, float, float]:
    """The camera's image shift (dx, dy in px) and roll (degrees) at `time_s` for a clip's seed."""
    rng = np.random.default_rng(seed)
    drift_x, drift_y, roll = (_Wobble(rng, DRIFT_FREQUENCIES_HZ) for _ in range(3))
    tremor_x, tremor_y = (_Wobble(rng, TREMOR_FREQUENCIES_HZ) for _ in range(2))
    drift_px, tremor_px = camera.drift_width_share * width_px, camera.tremor_width_share * width_px
    dx = drift_px * drift_x.at(time_s) + tremor_px * tremor_x.at(time_s)
    dy = drift_px * drift_y.at(time_s) + tremor_px * tremor_y.at(time_s)
    return dx, dy, camera.drift_roll_deg * roll.at(time_s)


def exposure_gain(seed: int, time_s: float, camera: HandheldCamera) -> float:
    """The auto-exposure's gain at `time_s` (1.0: as rendered)."""
    wobble = _Wobble(np.random.default_rng(seed + 1), DRIFT_FREQUENCIES_HZ)
    return 1.0 + camera.gain_drift * wobble.at(time_s)


def degrade_frame(rgb: np.ndarray, index: int, time_s: float, seed: int, camera: HandheldCamera) -> np.ndarray:
    """One frame as the hand-held camera films it (RGB uint8, same size)."""
    height, width = rgb.shape[:2]
    dx, dy, roll_deg = camera_motion(seed, time_s, width, camera)
    warp = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), roll_deg, 1.0)
    warp[:, 2] += (dx, dy)
    moved = cv2.warpAffine(rgb, warp, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    noise = np.random.default_rng((seed, index)).normal(0.0, camera.noise_grey_levels, moved.shape)
    exposed = moved.astype(np.float32) * exposure_gain(seed, time_s, camera) + noise
    return np.clip(exposed, 0.0, 255.0).astype(np.uint8)


def degrade_clip(source: Path, target: Path, seed: int, camera: HandheldCamera = HandheldCamera()) -> Path:
    """Write `target` (H.264 MP4): every frame of `source` as the hand-held camera films it."""
    info = probe_video(source)
    with H264Writer(target, info.fps, info.width, info.height, crf=camera.crf) as writer:
        for frame in read_frames(source, max_side_px=None):
            writer.write(degrade_frame(frame.rgb, frame.index, frame.time_s, seed, camera))
    return target
