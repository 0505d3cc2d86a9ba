"""Pose estimation: MediaPipe's PoseLandmarker behind a small interface.

MediaPipe's result object never leaves this module: it is converted into `PoseFrame`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

import numpy as np

from posecheck.errors import ModelError
from posecheck.landmarks import NUM_LANDMARKS
from posecheck.offline import call_offline

MODEL_FILE_NAME = "pose_landmarker_full.task"
MODEL_ENV_VAR = "POSECHECK_MODEL"


@dataclass(frozen=True)
class PoseFrame:
    """One person's 33 landmarks in one frame.

    image_xy_px: (33, 2) pixel coordinates in the analysed frame (x right, y down).
    image_z: (33,) MediaPipe's relative depth of the image landmarks (same scale as x, normalised).
    world_xyz_m: (33, 3) metres, origin between the hips, MediaPipe axes (x right, y down, z away
        from the camera).
    visibility, presence: (33,) in [0, 1].
    """

    image_xy_px: np.ndarray
    image_z: np.ndarray
    world_xyz_m: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    width_px: int
    height_px: int

    @staticmethod
    def from_arrays(
        image_xy_px: np.ndarray,
        world_xyz_m: np.ndarray,
        visibility: np.ndarray | None = None,
        width_px: int = 640,
        height_px: int = 480,
    ) -> PoseFrame:
        """Build a PoseFrame from plain arrays (tests, synthetic data); missing visibility = 1."""
        vis = np.ones(NUM_LANDMARKS) if visibility is None else np.asarray(visibility, float)
        return PoseFrame(
            image_xy_px=np.asarray(image_xy_px, float).reshape(NUM_LANDMARKS, 2),
            image_z=np.zeros(NUM_LANDMARKS),
            world_xyz_m=np.asarray(world_xyz_m, float).reshape(NUM_LANDMARKS, 3),
            visibility=vis,
            presence=vis.copy(),
            width_px=width_px,
            height_px=height_px,
        )


def default_model_path() -> Path:
    """Where the shipped model is: $POSECHECK_MODEL, the source tree's models/, or the install's share/."""
    env = os.environ.get(MODEL_ENV_VAR)
    if env:
        return Path(env)
    candidates = (
        Path(__file__).resolve().parents[1] / "models" / MODEL_FILE_NAME,
        Path(sys.prefix) / "share" / "posecheck" / "models" / MODEL_FILE_NAME,
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return candidates[0]


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the C++ INFO/WARNING lines MediaPipe and LiteRT print while loading a model."""
    try:
        stderr_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(stderr_fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), stderr_fd)
            yield
    finally:
        os.dup2(saved, stderr_fd)
        os.close(saved)


class PoseEstimator:
    """A PoseLandmarker for one stream; use as a context manager (it must be closed).

    `detect(rgb, time_ms)` returns the most prominent person's PoseFrame or None. Timestamps are made
    strictly increasing here, so callers may pass real (possibly repeated) frame times. By default
    MediaPipe's video mode tracks the person from the previous frame and smooths the landmarks (they
    lag fast movement: 45 ms at 15 fps); `per_frame` uses its image mode instead: every frame on its
    own, no lag, about twice the time.
    """

    def __init__(
        self, model_path: Path | str | None = None, min_confidence: float = 0.5, per_frame: bool = False
    ) -> None:
        path = Path(model_path) if model_path is not None else default_model_path()
        if not path.is_file():
            raise ModelError(
                f"pose model not found at {path}: reinstall posecheck or pass --model PATH to a .task file"
            )
        # Created offline: MediaPipe's usage reporting runs on threads started here (posecheck.offline).
        self._landmarker = call_offline(lambda: _create_landmarker(path, min_confidence, per_frame))
        self._per_frame = per_frame
        self._last_timestamp_ms = -1
        self._quiet = True

    def __enter__(self) -> PoseEstimator:
        return self

    @property
    def per_frame(self) -> bool:
        """Whether every frame is detected on its own (image mode) rather than tracked (video mode)."""
        return self._per_frame

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the native landmarker (idempotent)."""
        if self._landmarker is not None:
            with _quiet_native_stderr():
                self._landmarker.close()
            self._landmarker = None

    def detect(self, rgb: np.ndarray, time_ms: float) -> PoseFrame | None:
        """Run the model on one RGB uint8 frame (H, W, 3) taken at `time_ms` milliseconds."""
        import mediapipe as mp

        if self._landmarker is None:
            raise RuntimeError("PoseEstimator used after close()")
        timestamp_ms = max(int(round(time_ms)), self._last_timestamp_ms + 1)
        self._last_timestamp_ms = timestamp_ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._quiet:  # the native runtime logs set-up warnings when each of its models first runs
            with _quiet_native_stderr():
                result = self._run(image, timestamp_ms)
            # The landmark model first runs on the first frame with a person: quiet until then.
            self._quiet = not result.pose_landmarks
        else:
            result = self._run(image, timestamp_ms)
        if not result.pose_landmarks:
            return None
        height, width = rgb.shape[:2]
        return _to_pose_frame(result.pose_landmarks[0], result.pose_world_landmarks[0], width, height)

    def _run(self, image: object, timestamp_ms: int):  # noqa: ANN202 - mediapipe type
        if self._per_frame:
            return self._landmarker.detect(image)
        return self._landmarker.detect_for_video(image, timestamp_ms)


def _create_landmarker(path: Path, min_confidence: float, per_frame: bool):  # noqa: ANN202 - mediapipe type
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(path)),
        running_mode=vision.RunningMode.IMAGE if per_frame else vision.RunningMode.VIDEO,
        num_poses=1,
        min_pose_detection_confidence=min_confidence,
        min_pose_presence_confidence=min_confidence,
        min_tracking_confidence=min_confidence,
        output_segmentation_masks=False,
    )
    try:
        with _quiet_native_stderr():
            return vision.PoseLandmarker.create_from_options(options)
    except (RuntimeError, ValueError) as error:
        raise ModelError(f"cannot load pose model {path}: {error}") from error


def _to_pose_frame(image_landmarks, world_landmarks, width: int, height: int) -> PoseFrame:  # noqa: ANN001
    image = np.array([(lm.x * width, lm.y * height, lm.z) for lm in image_landmarks], dtype=float)
    world = np.array([(lm.x, lm.y, lm.z) for lm in world_landmarks], dtype=float)
    visibility = np.array([lm.visibility or 0.0 for lm in image_landmarks], dtype=float)
    presence = np.array([lm.presence or 0.0 for lm in image_landmarks], dtype=float)
    return PoseFrame(
        image_xy_px=image[:, :2],
        image_z=image[:, 2],
        world_xyz_m=world,
        visibility=visibility,
        presence=presence,
        width_px=width,
        height_px=height,
    )


# Landmarks whose movement between frames tells fast motion: shoulders, hips, wrists, knees.
_MOVING_LANDMARKS = [11, 12, 23, 24, 15, 16, 25, 26]
# A re-detected pose is the same person when its hip midpoint lies within this many torso lengths of
# the tracked pose's (image mode takes the most prominent person, video mode keeps the tracked one).
SAME_PERSON_TORSO_SHARE = 0.5


class FastMotionRedetector:
    """Files: frames where the tracked pose moves fast are detected again on their own (image mode).

    MediaPipe's video mode tracks from the previous frame and smooths: it lags fast movement by about
    0.7 frame (45 ms at 15 fps, 15 ms at 60 fps). A frame where a shoulder, hip, wrist or knee moved
    more than `min_move_torso` torso lengths since the previous frame is detected again in image mode,
    which has no lag; its landmarks in the picture replace the tracked ones when it is the same person.
    The share of frames re-detected grows with the movement per frame, so mostly at low frame rates.
    `per_frame_estimator` runs in image mode (`PoseEstimator(..., per_frame=True)`; the caller closes it).
    """

    def __init__(self, per_frame_estimator: PoseEstimator, min_move_torso: float) -> None:
        self._estimator = per_frame_estimator
        self._min_move_torso = min_move_torso
        self._previous: PoseFrame | None = None
        self.redetected = 0

    def refine(self, rgb: np.ndarray, tracked: PoseFrame | None, time_ms: float) -> PoseFrame | None:
        """`tracked` (video mode's pose of this frame), or the image-mode pose when it moved fast."""
        previous, self._previous = self._previous, tracked
        if tracked is None or previous is None or _moved_torso(previous, tracked) <= self._min_move_torso:
            return tracked
        fresh = self._estimator.detect(rgb, time_ms)
        if fresh is None or _hip_gap_torso(tracked, fresh) > SAME_PERSON_TORSO_SHARE:
            return tracked
        self.redetected += 1
        # The picture's landmarks are taken from the fresh detection; the 3D landmarks stay the tracked
        # ones (image mode's, seen from 60 deg, put the hands 0.2 leg lengths further out: a false far reach).
        return replace(tracked, image_xy_px=fresh.image_xy_px, image_z=fresh.image_z)


def _torso_px(pose: PoseFrame) -> float:
    points = pose.image_xy_px
    return float(np.linalg.norm((points[11] + points[12]) / 2 - (points[23] + points[24]) / 2))


def _moved_torso(previous: PoseFrame, current: PoseFrame) -> float:
    """The largest image movement of the moving landmarks between two poses, in torso lengths."""
    torso = _torso_px(current)
    if not torso > 0:
        return 0.0
    moved = np.linalg.norm(current.image_xy_px[_MOVING_LANDMARKS] - previous.image_xy_px[_MOVING_LANDMARKS], axis=1)
    return float(np.nanmax(moved)) / torso if np.isfinite(moved).any() else 0.0


def _hip_gap_torso(a: PoseFrame, b: PoseFrame) -> float:
    """Distance between two poses' hip midpoints in the picture, in torso lengths of `a`."""
    gap = np.linalg.norm((a.image_xy_px[23] + a.image_xy_px[24] - b.image_xy_px[23] - b.image_xy_px[24]) / 2)
    torso = _torso_px(a)
    return float(gap / torso) if torso > 0 else float("inf")
