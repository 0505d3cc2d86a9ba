"""Video input and output with PyAV: decoding (rotation metadata applied) and browser-playable H.264."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from posecheck.errors import OutputError, VideoReadError

FALLBACK_FPS = 30.0


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about the video stream; frame_count may be an estimate before decoding."""

    path: str
    fps: float
    frame_count: int
    width: int
    height: int
    duration_s: float
    rotation_deg: int


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame, upright, as RGB uint8 (H, W, 3), with its presentation time in seconds."""

    index: int
    time_s: float
    rgb: np.ndarray


def probe_video(path: str | Path) -> VideoInfo:
    """Read the container header; raise VideoReadError if there is no decodable video stream."""
    with _open_input(path) as container:
        stream = _video_stream(container, path)
        return _info_from_stream(path, container, stream)


def read_frames(path: str | Path, stride: int = 1) -> Iterator[VideoFrame]:
    """Yield every `stride`-th frame, upright, with times from the frames' own timestamps."""
    with _open_input(path) as container:
        stream = _video_stream(container, path)
        stream.thread_type = "AUTO"
        fps = _stream_fps(stream)
        decoded = 0
        try:
            for index, frame in enumerate(container.decode(stream)):
                decoded += 1
                if index % stride:
                    continue
                time_s = float(frame.time) if frame.time is not None else index / fps
                yield VideoFrame(index=index, time_s=time_s, rgb=_upright_rgb(frame))
        except av.error.FFmpegError as error:
            if decoded == 0:
                raise VideoReadError(f"cannot decode {path}: {error}") from error
            raise VideoReadError(f"{path} is damaged: decoding stopped after {decoded} frames ({error})") from error
        if decoded == 0:
            raise VideoReadError(f"{path} contains no decodable video frames")


def _open_input(path: str | Path) -> av.container.InputContainer:
    file = Path(path)
    if not file.is_file():
        raise VideoReadError(f"no such file: {path}")
    if file.stat().st_size == 0:
        raise VideoReadError(f"{path} is empty")
    try:
        return av.open(str(file), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        raise VideoReadError(f"{path} is not a readable video ({error})") from error


def _video_stream(container: av.container.InputContainer, path: str | Path) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise VideoReadError(f"{path} has no video stream")
    return container.streams.video[0]


def _stream_fps(stream: av.video.stream.VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and float(rate) > 0 and math.isfinite(float(rate)):
            return float(rate)
    return FALLBACK_FPS


def _info_from_stream(
    path: str | Path, container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> VideoInfo:
    fps = _stream_fps(stream)
    if stream.duration is not None and stream.time_base is not None:
        duration_s = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration_s = container.duration / av.time_base
    else:
        duration_s = 0.0
    frame_count = stream.frames or int(round(duration_s * fps))
    rotation = _stream_rotation(stream)
    width, height = stream.codec_context.width, stream.codec_context.height
    if rotation in (90, 270):
        width, height = height, width
    return VideoInfo(
        path=str(path),
        fps=fps,
        frame_count=frame_count,
        width=width,
        height=height,
        duration_s=duration_s,
        rotation_deg=rotation,
    )


def _stream_rotation(stream: av.video.stream.VideoStream) -> int:
    """Clockwise display rotation in degrees (0, 90, 180, 270) from the stream's display matrix."""
    for packet in stream.container.demux(stream):
        for frame in packet.decode():
            stream.container.seek(0)
            return _frame_rotation(frame)
        break
    return 0


def _frame_rotation(frame: av.VideoFrame) -> int:
    # PyAV reports the display matrix rotation counter-clockwise; turn it into a clockwise fix-up.
    return int(round(-(frame.rotation or 0) / 90.0)) % 4 * 90


def _upright_rgb(frame: av.VideoFrame) -> np.ndarray:
    rgb = frame.to_ndarray(format="rgb24")
    quarter_turns = _frame_rotation(frame) // 90
    if quarter_turns:
        rgb = np.ascontiguousarray(np.rot90(rgb, k=-quarter_turns))
    return rgb


class H264Writer:
    """Write RGB uint8 frames to an H.264 (yuv420p, faststart) MP4 that browsers play."""

    def __init__(self, path: str | Path, fps: float, width: int, height: int, crf: int = 23) -> None:
        self.path = Path(path)
        # yuv420p needs even dimensions; frames are padded by one pixel where needed.
        self._width = width + width % 2
        self._height = height + height % 2
        try:
            self._container = av.open(str(self.path), mode="w", options={"movflags": "faststart"})
        except (av.error.FFmpegError, OSError) as error:
            raise OutputError(f"cannot write {self.path}: {error}") from error
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width = self._width
        self._stream.height = self._height
        self._stream.pix_fmt = "yuv420p"
        self._stream.codec_context.options = {"preset": "veryfast", "crf": str(crf)}

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def write(self, rgb: np.ndarray) -> None:
        """Encode one RGB uint8 frame (H, W, 3)."""
        if rgb.shape[0] != self._height or rgb.shape[1] != self._width:
            padded = np.zeros((self._height, self._width, 3), dtype=np.uint8)
            height, width = min(rgb.shape[0], self._height), min(rgb.shape[1], self._width)
            padded[:height, :width] = rgb[:height, :width]
            rgb = padded
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        self._mux(self._stream.encode(frame))

    def close(self) -> None:
        """Flush the encoder and finish the file (idempotent)."""
        if self._container is None:
            return
        try:
            self._mux(self._stream.encode(None))
        finally:
            self._container.close()
            self._container = None

    def _mux(self, packets: list[av.Packet]) -> None:
        try:
            self._container.mux(packets)
        except (av.error.FFmpegError, OSError) as error:
            raise OutputError(f"cannot write {self.path}: {error}") from error
