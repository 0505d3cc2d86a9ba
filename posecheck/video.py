"""Video input and output with PyAV: decoding (rotation metadata applied) and browser-playable H.264."""

from __future__ import annotations

import math
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from posecheck.errors import OutputError, VideoReadError

FALLBACK_FPS = 30.0
# Rates outside this range are taken for broken metadata (e.g. a zero timescale) and replaced.
MIN_PLAUSIBLE_FPS = 0.5
MAX_PLAUSIBLE_FPS = 1000.0


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


def read_frames(path: str | Path, stride: int = 1, stats: DecodeStats | None = None) -> Iterator[VideoFrame]:
    """Yield every `stride`-th frame, upright, with times from the frames' own timestamps.

    Undecodable packets are skipped and missing or out-of-order timestamps estimated; `stats`
    records both. After the last frame, VideoReadError if the file is truncated or too damaged.
    """
    stats = stats if stats is not None else DecodeStats()
    with _open_input(path) as container:
        stream = _video_stream(container, path)
        stream.thread_type = "AUTO"
        stats.fps, stats.indexed_frames = _stream_fps(stream), stream.frames
        clock = _FrameClock(stats)
        for frame in _decoded_frames(container, stream, stats):
            index = stats.decoded
            stats.decoded += 1
            time_s = clock.time_of(frame)
            if index % stride == 0:
                yield VideoFrame(index=index, time_s=time_s, rgb=_upright_rgb(frame))
    _check_complete(path, stats)


@dataclass
class DecodeStats:
    """What decoding found: frames the index lists, packets read, frames decoded, repairs made."""

    fps: float = FALLBACK_FPS
    indexed_frames: int = 0
    packets: int = 0
    discarded_packets: int = 0
    undecodable_packets: int = 0
    decoded: int = 0
    times_estimated: int = 0

    @property
    def expected_frames(self) -> int:
        """Frames the file should yield: the index's count, or the packets read when it has none."""
        return max(self.indexed_frames, self.packets) - self.discarded_packets

    def notes(self) -> list[str]:
        """One sentence per imperfection that was repaired (for the report's summary notes)."""
        notes = []
        if self.discarded_packets:
            notes.append(f"{self.discarded_packets} frames the file marks as trimmed away were not analysed.")
        missing = self.expected_frames - self.decoded
        if missing > 0:
            notes.append(f"{missing} of {self.expected_frames} frames could not be decoded and were skipped.")
        if self.decoded and self.times_estimated == self.decoded:
            notes.append(f"The file has no frame timestamps; times assume {self.fps:g} frames per second.")
        elif self.times_estimated:
            notes.append(f"{self.times_estimated} frame timestamps were missing or out of order and were estimated.")
        return notes


def _tolerated_missing(expected: int) -> int:
    """Frames that may be missing before a file counts as damaged (decoders drop a few at cuts)."""
    return max(1, expected // 10)


def _check_complete(path: str | Path, stats: DecodeStats) -> None:
    if stats.decoded == 0:
        raise VideoReadError(f"{path} contains no decodable video frames")
    if 2 * stats.discarded_packets >= stats.packets:
        raise VideoReadError(f"{path} is damaged: its timing data hides {stats.discarded_packets} of its "
                             f"{stats.packets} frames")
    missing = stats.expected_frames - stats.decoded
    if missing <= _tolerated_missing(stats.expected_frames):
        return
    if stats.indexed_frames > stats.packets:
        raise VideoReadError(
            f"{path} is truncated: it ends after {stats.packets} of its {stats.indexed_frames} frames"
        )
    raise VideoReadError(f"{path} is damaged: only {stats.decoded} of {stats.expected_frames} frames could be decoded")


def _decoded_frames(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, stats: DecodeStats
) -> Iterator[av.VideoFrame]:
    """Decode packet by packet, skipping packets the decoder rejects; stop at a demuxing error."""
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.error.FFmpegError:
            return  # unreadable rest of the file: _check_complete judges what is missing
        if packet.size:
            stats.packets += 1
            stats.discarded_packets += bool(packet.is_discard)
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            stats.undecodable_packets += 1
            continue
        yield from frames


class _FrameClock:
    """Frame times in seconds: the frame's timestamp when it moves forward, else one frame after the last."""

    def __init__(self, stats: DecodeStats) -> None:
        self._stats = stats
        self._last_s: float | None = None

    def time_of(self, frame: av.VideoFrame) -> float:
        """Presentation time of `frame` in seconds, strictly increasing over the stream."""
        time_s = float(frame.time) if frame.time is not None else math.nan
        if not math.isfinite(time_s) or (self._last_s is not None and time_s <= self._last_s):
            self._stats.times_estimated += 1
            time_s = 0.0 if self._last_s is None else self._last_s + 1.0 / self._stats.fps
        self._last_s = time_s
        return time_s


def _open_input(path: str | Path) -> av.container.InputContainer:
    file = Path(path)
    if file.is_dir():
        raise VideoReadError(f"{path} is a directory, not a video file")
    if not file.is_file():
        if file.exists():  # never opened: reading a pipe or a device could block or never end
            raise VideoReadError(f"{path} is not a regular video file ({_file_kind(file)})")
        raise VideoReadError(f"no such file: {path}")
    if file.stat().st_size == 0:
        raise VideoReadError(f"{path} is empty")
    try:
        return av.open(str(file), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise VideoReadError(f"{path} is not a readable video ({reason})") from error


def _file_kind(file: Path) -> str:
    """What a path that exists but is neither a regular file nor a directory is."""
    mode = file.stat().st_mode
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((kind for is_kind, kind in kinds if is_kind(mode)), "not a regular file")


def _video_stream(container: av.container.InputContainer, path: str | Path) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise VideoReadError(f"{path} has no video stream")
    if container.format.name == "image2" or container.format.name.endswith("_pipe"):
        raise VideoReadError(f"{path} is a still image, not a video")
    return container.streams.video[0]


def _stream_fps(stream: av.video.stream.VideoStream) -> float:
    """The stream's frame rate if the container gives a plausible one, else FALLBACK_FPS."""
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and MIN_PLAUSIBLE_FPS <= float(rate) <= MAX_PLAUSIBLE_FPS:
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
    rotation = _stream_rotation(container, stream)
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


def _stream_rotation(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> int:
    """Clockwise display rotation in degrees (0, 90, 180, 270), from the first decodable frame."""
    try:
        first = next(iter(container.decode(stream)), None)
    except av.error.FFmpegError:
        return 0
    return 0 if first is None else _frame_rotation(first)


def _frame_rotation(frame: av.VideoFrame) -> int:
    # PyAV reports the display matrix rotation counter-clockwise; turn it into a clockwise fix-up.
    return int(round(-(frame.rotation or 0) / 90.0)) % 4 * 90


def _upright_rgb(frame: av.VideoFrame) -> np.ndarray:
    rgb = frame.to_ndarray(format="rgb24")
    quarter_turns = _frame_rotation(frame) // 90
    if quarter_turns:
        rgb = np.ascontiguousarray(np.rot90(rgb, k=-quarter_turns))
    return rgb


_MILLISECONDS = Fraction(1, 1000)


class H264Writer:
    """Write RGB uint8 frames to an H.264 (yuv420p, faststart) MP4 that browsers play.

    Frames play at `fps`; with `timestamped`, each frame instead plays at the time given to `write`
    (variable frame rate, millisecond resolution), as a webcam delivers them.
    """

    def __init__(
        self, path: str | Path, fps: float, width: int, height: int, crf: int = 23, timestamped: bool = False
    ) -> None:
        self.path = Path(path)
        self._timestamped = timestamped
        self._last_pts = -1
        # yuv420p needs even dimensions; frames are padded by one pixel where needed.
        self._width = width + width % 2
        self._height = height + height % 2
        try:
            self._container = av.open(str(self.path), mode="w", options={"movflags": "faststart"})
        except (av.error.FFmpegError, OSError) as error:
            raise self._write_error(error) from error
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width = self._width
        self._stream.height = self._height
        self._stream.pix_fmt = "yuv420p"
        self._stream.codec_context.options = {"preset": "veryfast", "crf": str(crf)}
        if timestamped:
            self._stream.codec_context.time_base = _MILLISECONDS

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def write(self, rgb: np.ndarray, time_s: float | None = None) -> None:
        """Encode one RGB uint8 frame (H, W, 3); a `timestamped` writer needs its time (seconds, increasing)."""
        if rgb.shape[0] != self._height or rgb.shape[1] != self._width:
            padded = np.zeros((self._height, self._width, 3), dtype=np.uint8)
            height, width = min(rgb.shape[0], self._height), min(rgb.shape[1], self._width)
            padded[:height, :width] = rgb[:height, :width]
            rgb = padded
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        if self._timestamped:
            if time_s is None:
                raise ValueError("a timestamped H264Writer needs each frame's time")
            self._last_pts = max(round(time_s * 1000), self._last_pts + 1)
            frame.pts, frame.time_base = self._last_pts, _MILLISECONDS
        self._mux(self._stream.encode(frame))

    def close(self) -> None:
        """Flush the encoder and finish the file (idempotent)."""
        if self._container is None:
            return
        try:
            self._mux(self._stream.encode(None))
        finally:
            container, self._container = self._container, None
            try:
                container.close()  # writes the index and moves it to the front: the disk may fill here
            except (av.error.FFmpegError, OSError) as error:
                raise self._write_error(error) from error

    def _mux(self, packets: list[av.Packet]) -> None:
        try:
            self._container.mux(packets)
        except (av.error.FFmpegError, OSError) as error:
            raise self._write_error(error) from error

    def _write_error(self, error: Exception) -> OutputError:
        return OutputError(f"cannot write {self.path}: {getattr(error, 'strerror', None) or error}")
