"""A video's landmark track: every analysed frame's pose as compact arrays, and its zero-phase smoothing.

About 0.9 kB per frame (landmark positions float32; visibility, presence and depth float16), never
an image: an hour of video at 30 fps takes about 100 MB.
"""

from __future__ import annotations

import numpy as np

from posecheck.landmarks import NUM_LANDMARKS
from posecheck.pose import PoseFrame
from posecheck.smoothing import present_runs, zero_phase_smooth

INITIAL_CAPACITY = 256


class PoseTrack:
    """Append-only landmark track of one stream; rows are frames in order, with or without a pose."""

    def __init__(self) -> None:
        self._count = 0
        self.index = np.zeros(INITIAL_CAPACITY, np.int64)
        self.time_s = np.zeros(INITIAL_CAPACITY, np.float64)
        self.detected = np.zeros(INITIAL_CAPACITY, bool)
        self.size_px = np.zeros((INITIAL_CAPACITY, 2), np.int32)  # width, height
        self.image_xy_px = np.full((INITIAL_CAPACITY, NUM_LANDMARKS, 2), np.nan, np.float32)
        self.world_xyz_m = np.full((INITIAL_CAPACITY, NUM_LANDMARKS, 3), np.nan, np.float32)
        self.image_z = np.zeros((INITIAL_CAPACITY, NUM_LANDMARKS), np.float16)
        self.visibility = np.zeros((INITIAL_CAPACITY, NUM_LANDMARKS), np.float16)
        self.presence = np.zeros((INITIAL_CAPACITY, NUM_LANDMARKS), np.float16)

    def __len__(self) -> int:
        return self._count

    _COLUMNS = ("index", "time_s", "detected", "size_px", "image_xy_px", "world_xyz_m", "image_z", "visibility",
                "presence")

    def append(self, index: int, time_s: float, pose: PoseFrame | None) -> None:
        """Add frame `index` at `time_s` seconds with its pose (None: nobody detected)."""
        if self._count == len(self.index):
            self._grow()
        row = self._count
        self.index[row], self.time_s[row], self.detected[row] = index, time_s, pose is not None
        if pose is not None:
            self.size_px[row] = (pose.width_px, pose.height_px)
            self.image_xy_px[row] = pose.image_xy_px
            self.world_xyz_m[row] = pose.world_xyz_m
            self.image_z[row] = pose.image_z
            self.visibility[row] = pose.visibility
            self.presence[row] = pose.presence
        self._count += 1

    def _grow(self) -> None:
        for name in self._COLUMNS:
            column = getattr(self, name)
            extra = np.zeros_like(column)
            if column.dtype == np.float32:
                extra[:] = np.nan
            setattr(self, name, np.concatenate([column, extra]))

    def pose(self, row: int) -> PoseFrame | None:
        """The pose of row `row` (None if nobody was detected in that frame)."""
        if not self.detected[row]:
            return None
        width, height = self.size_px[row]
        return PoseFrame(
            image_xy_px=self.image_xy_px[row].astype(float),
            image_z=self.image_z[row].astype(float),
            world_xyz_m=self.world_xyz_m[row].astype(float),
            visibility=self.visibility[row].astype(float),
            presence=self.presence[row].astype(float),
            width_px=int(width),
            height_px=int(height),
        )

    def detected_count(self) -> int:
        """Number of rows with a pose."""
        return int(self.detected[: self._count].sum())

    def smoothed(self, cutoff_hz: float, image_lead_frames: float = 0.0) -> PoseTrack:
        """A copy with the landmark positions smoothed without phase shift (`zero_phase_smooth`).

        Each stretch of consecutive frames with a pose is smoothed on its own: nothing is carried
        across a frame without a pose. Image landmarks are smoothed in units of the frame height.
        `image_lead_frames` takes back a delay of the picture's landmarks of that many frame steps (the
        stretch's median step): MediaPipe's video mode lags movement by a fraction of a frame there.
        """
        out = PoseTrack()
        count = self._count
        for name in self._COLUMNS:
            setattr(out, name, getattr(self, name)[:count].copy())
        out._count = count
        for start, stop in present_runs(out.detected):
            times = out.time_s[start:stop]
            lead_s = image_lead_frames * float(np.median(np.diff(times))) if stop - start > 1 else 0.0
            scale = out.size_px[start:stop, 1].astype(np.float64)[:, None, None]
            image = zero_phase_smooth(times, out.image_xy_px[start:stop] / scale, cutoff_hz, lead_s) * scale
            out.image_xy_px[start:stop] = image
            out.world_xyz_m[start:stop] = zero_phase_smooth(times, out.world_xyz_m[start:stop], cutoff_hz)
        return out
