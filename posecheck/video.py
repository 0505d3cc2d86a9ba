"""Video input and output with PyAV: decoding (rotation metadata applied) and browser-playable H.264."""

from __future__ import annotations

import math
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import cv2
import numpy as np

from posecheck.errors import OutputError, VideoReadError

# File name suffixes taken for videos (a batch's inputs, an upload's stored name), the commonest first.
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv")
FALLBACK_FPS = 30.0
# Frames are scaled down at decode so that their long side is at most this (config pose.max_frame_side_px):
# memory is bounded by it, not by the input (the pose model itself looks at 256x256).
DEFAULT_MAX_SIDE_PX = 1280
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


def read_frames(
    path: str | Path,
    stride: int = 1,
    stats: DecodeStats | None = None,
    max_side_px: int | None = DEFAULT_MAX_SIDE_PX,
    max_width_px: int | None = None,
) -> Iterator[VideoFrame]:
    """Yield every `stride`-th frame, upright, with times from the frames' own timestamps.

    Frames are scaled down while decoding to `analysis_size` of the first frame (long side at most
    `max_side_px`, width at most `max_width_px`), and every later frame to that same size, even if the
    file changes resolution. Undecodable packets are skipped and missing or out-of-order timestamps
    estimated; `stats` records all of it. After the last frame, VideoReadError if the file is truncated
    or too damaged.
    """
    stats = stats if stats is not None else DecodeStats()
    with _open_input(path) as container:
        stream = _video_stream(container, path)
        stream.thread_type = "AUTO"
        stats.fps, stats.indexed_frames = _stream_fps(stream), stream.frames
        stats.video_streams = len(moving_video_streams(container))
        clock = _FrameClock(stats)
        for frame in _decoded_frames(container, stream, stats):
            index = stats.decoded
            stats.decoded += 1
            time_s = clock.time_of(frame)
            size = _upright_size(frame)
            if stats.analysed_size is None:
                stats.first_size = size
                stats.analysed_size = analysis_size(*size, max_side_px, max_width_px)
            elif size != stats.first_size:
                stats.other_sizes.setdefault(size, index)
            if index % stride == 0:
                yield VideoFrame(index=index, time_s=time_s, rgb=_upright_rgb(frame, stats.analysed_size))
    if stats.indexed_frames > stats.packets:
        stats.hidden_by_edit_list = _hidden_by_edit_list(path, stats)
    _check_complete(path, stats)


def analysis_size(
    width: int, height: int, max_side_px: int | None, max_width_px: int | None = None
) -> tuple[int, int]:
    """(width, height) to analyse a `width` x `height` frame at: scaled down, aspect kept, so that the long
    side is at most `max_side_px` and the width at most `max_width_px` (None: no limit); never enlarged."""
    scale = 1.0
    if max_side_px:
        scale = min(scale, max_side_px / max(width, height))
    if max_width_px:
        scale = min(scale, max_width_px / width)
    if scale >= 1.0:
        return width, height
    return max(2, round(width * scale)), max(2, round(height * scale))


def review_frame(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`rgb` scaled to `size` (width, height): bilinear down to half size (5x faster than OpenCV's area
    average at 0.75), area average below."""
    if size == (rgb.shape[1], rgb.shape[0]):
        return rgb
    method = cv2.INTER_LINEAR if 2 * size[0] >= rgb.shape[1] else cv2.INTER_AREA
    return cv2.resize(rgb, size, interpolation=method)



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
    video_streams: int = 1
    first_size: tuple[int, int] | None = None  # upright (width, height) of the first frame
    analysed_size: tuple[int, int] | None = None  # what every frame is scaled to
    other_sizes: dict[tuple[int, int], int] = field(default_factory=dict)  # size -> first frame index
    hidden_by_edit_list: int = 0  # frames in the file that its edit list leaves out (not a truncation)

    @property
    def expected_frames(self) -> int:
        """Frames the file should yield: the index's count, or the packets read when it has none."""
        return max(self.indexed_frames - self.hidden_by_edit_list, self.packets) - self.discarded_packets

    def notes(self) -> list[str]:
        """One sentence per imperfection that was repaired (for the report's summary notes)."""
        notes = []
        if self.discarded_packets:
            notes.append(f"{self.discarded_packets} frames the file marks as trimmed away were not analysed.")
        if self.hidden_by_edit_list:
            notes.append(f"{self.hidden_by_edit_list} frames the file's edit list leaves out (its timestamps start "
                         "late or run out of order) were not analysed.")
        missing = self.expected_frames - self.decoded
        if missing > 0:
            notes.append(f"{missing} of {self.expected_frames} frames could not be decoded and were skipped.")
        if self.decoded and self.times_estimated == self.decoded:
            notes.append(f"The file has no frame timestamps; times assume {self.fps:g} frames per second.")
        elif self.times_estimated:
            notes.append(f"{self.times_estimated} frame timestamps were missing or out of order and were estimated.")
        if self.video_streams > 1:
            notes.append(f"The file has {self.video_streams} video streams; the first was analysed.")
        if self.other_sizes and self.first_size and self.analysed_size:
            changes = ", ".join(f"{_size_text(size)} from frame {index}" for size, index in self.other_sizes.items())
            notes.append(f"The frame size changes within the video ({_size_text(self.first_size)} at the start, "
                         f"{changes}); every frame was scaled to fit {_size_text(self.analysed_size)}, aspect kept "
                         "(padded where it differs).")
        return notes


def _size_text(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def _hidden_by_edit_list(path: str | Path, stats: DecodeStats) -> int:
    """How many of the index's frames the demuxer left out because of the file's edit list (MP4/MOV), as
    when timestamps start late or run backwards; 0 when the frames are not in the file (truncated)."""
    try:
        with av.open(str(path), mode="r", options={"ignore_editlist": "1"}) as container:
            stream = _video_stream(container, path)
            packets = sum(1 for packet in container.demux(stream) if packet.size)
    except av.error.FFmpegError:
        return 0
    return stats.indexed_frames - stats.packets if packets >= stats.indexed_frames else 0


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


_STILL_PICTURES = av.stream.Disposition.attached_pic | av.stream.Disposition.timed_thumbnails


def moving_video_streams(container: av.container.InputContainer) -> list[av.video.stream.VideoStream]:
    """The container's video streams except still pictures (cover art, thumbnails), in file order."""
    return [stream for stream in container.streams.video if not stream.disposition & _STILL_PICTURES]


def _video_stream(container: av.container.InputContainer, path: str | Path) -> av.video.stream.VideoStream:
    """The first moving video stream; VideoReadError for a file without one or a still image."""
    if not container.streams.video:
        raise VideoReadError(f"{path} has no video stream")
    streams = moving_video_streams(container)
    if not streams or container.format.name == "image2" or container.format.name.endswith("_pipe"):
        raise VideoReadError(f"{path} is a still image, not a video")
    return streams[0]


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


def _upright_size(frame: av.VideoFrame) -> tuple[int, int]:
    """(width, height) of the frame as displayed (after its rotation)."""
    turned = _frame_rotation(frame) in (90, 270)
    return (frame.height, frame.width) if turned else (frame.width, frame.height)


def _upright_rgb(frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """The frame as RGB uint8, upright, scaled while converting to fit `size` (upright width, height)."""
    quarter_turns = _frame_rotation(frame) // 90
    stored_size = size if quarter_turns % 2 == 0 else (size[1], size[0])
    rgb = _fitted_rgb(frame, stored_size)
    if quarter_turns:
        rgb = np.ascontiguousarray(np.rot90(rgb, k=-quarter_turns))
    return rgb


def _fitted_rgb(frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """RGB of `frame` scaled (aspect kept) to fit `size` (width, height), centred on black where the
    aspect differs. Scaling happens in the conversion, so the full-size RGB image never exists."""
    width, height = size
    if (frame.width, frame.height) == size:
        return frame.to_ndarray(format="rgb24")
    scale = min(width / frame.width, height / frame.height)
    fit_width, fit_height = min(width, round(frame.width * scale)), min(height, round(frame.height * scale))
    if abs(fit_width - width) <= 1 and abs(fit_height - height) <= 1:  # same aspect up to rounding
        fit_width, fit_height = width, height
    rgb = frame.to_ndarray(width=fit_width, height=fit_height, format="rgb24", interpolation="AREA")
    if (fit_width, fit_height) == size:
        return rgb
    canvas = np.zeros((height, width, 3), np.uint8)
    top, left = (height - fit_height) // 2, (width - fit_width) // 2
    canvas[top : top + fit_height, left : left + fit_width] = rgb
    return canvas


_MILLISECONDS = Fraction(1, 1000)


class H264Writer:
    """Write RGB uint8 frames to an H.264 (yuv420p, faststart) MP4 that browsers play.

    Frames play at `fps`; with `timestamped`, each frame instead plays at the time given to `write`
    (variable frame rate, millisecond resolution), as a webcam delivers them. `preset` and `crf` are
    libx264's speed/size trade-off and quality.
    """

    def __init__(
        self, path: str | Path, fps: float, width: int, height: int, crf: int = 23, timestamped: bool = False,
        preset: str = "veryfast",
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
        self._stream.codec_context.options = {"preset": preset, "crf": str(crf)}
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
        # OpenCV converts to yuv420p (BT.601, limited range, as libswscale does) several times faster.
        yuv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
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
