"""File analysis with the video work in helper processes, so that the pose model's process runs the model.

Python threads beside MediaPipe's `detect_for_video` hold the GIL and slow it; processes do not. Pass 1:
a decoder process decodes the video (`read_frames`, the same frames as in-process), hands each analysed
frame to the model's process through shared memory (a ring of slots behind a bounded queue), and meanwhile
writes every frame at the annotated video's size into short intermediate segments (libx264 ultrafast, high
quality), so pass 2 never decodes the source again. Pass 2: the frames are drawn and encoded in time
chunks by parallel processes (order kept), and the chunks are joined into one H.264 file without
re-encoding. The analysis itself (poses, smoothing, metrics, rules) is the in-process one, unchanged.

Helper processes are started with "spawn" (never a fork of a process that runs MediaPipe or OpenCV threads)
and are stopped when the analysis ends, fails or is interrupted; intermediates live in a private directory
the caller removes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing.shared_memory import SharedMemory
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from posecheck.annotate import blur_face, fitted_pose
from posecheck.config import Config
from posecheck.errors import OutputError, VideoReadError
from posecheck.load import SpotWatcher
from posecheck.metrics.frame_metrics import FrameMetrics
from posecheck.outputs.files import write_jpeg
from posecheck.outputs.layout import event_image_name
from posecheck.pipeline import (
    AnalysisResult,
    AnalysisSettings,
    ProgressCallback,
    detect_poses,
    draw_frame,
    judge_detection,
    review_max_width,
)
from posecheck.pose import PoseEstimator, PoseFrame
from posecheck.rules import Event
from posecheck.track import PoseTrack
from posecheck.video import (
    DecodeStats,
    H264Writer,
    VideoFrame,
    analysis_size,
    probe_video,
    read_frames,
    review_frame,
)

# Analysed frames in flight between the decoder and the model (shared-memory slots).
SLOTS = 16
# Frames per intermediate segment (the unit pass 2's chunks are made of).
SEGMENT_FRAMES = 150
# A draw job spans at most this many segments (a minute at 30 fps).
CHUNK_SEGMENTS = 12
INTERMEDIATE_CRF = 14
# How long a wait on a helper may last before checking that it is still alive (seconds).
POLL_S = 0.5


def _context() -> multiprocessing.context.SpawnContext:
    return multiprocessing.get_context("spawn")


def _start(process: multiprocessing.process.BaseProcess) -> None:
    """Start a spawned helper without running the caller's main script again in it (multiprocessing would: a
    Streamlit app or an unguarded script would run twice). The helpers need nothing from `__main__`."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        process.start()
    finally:
        sys.modules["__main__"] = main


def helpers_allowed() -> bool:
    """Whether this process may start helper processes (a daemonic one, e.g. a Dask worker, may not)."""
    return not multiprocessing.current_process().daemon


def idle_cores() -> float:
    """Cores not in use now: the CPU count minus the 1-minute load average (the CPU count where unknown)."""
    cores = os.cpu_count() or 1
    try:
        return cores - os.getloadavg()[0]
    except OSError:
        return float(cores)


@dataclass(frozen=True)
class DecodeJob:
    """What the decoder process reads and writes."""

    path: str
    stride: int
    max_side_px: int | None
    max_width_px: int | None
    review_max_width_px: int
    segment_dir: str
    slot_bytes: int


def segment_path(segment_dir: Path, number: int) -> Path:
    """The intermediate segment `number` (frames number * SEGMENT_FRAMES onwards)."""
    return segment_dir / f"segment-{number:06d}.mp4"


class OffloadedDecoder:
    """Pass 1's frames from a decoder process: iterate `frames()`; `stats` is filled when they end."""

    def __init__(self, job_args: DecodeJob) -> None:
        self._job = job_args
        self.stats = DecodeStats()
        self.review_size: tuple[int, int] | None = None
        self._stack = ExitStack()
        self._memory = SharedMemory(create=True, size=SLOTS * job_args.slot_bytes)
        self._stack.callback(self._memory.unlink)
        self._stack.callback(self._memory.close)
        context = _context()
        self._messages = context.Queue(maxsize=SLOTS + 2)
        self._free = context.Queue()
        for slot in range(SLOTS):
            self._free.put(slot)
        self._process = context.Process(target=_decode_main, args=(job_args, self._memory.name, self._messages,
                                                                    self._free), daemon=True, name="posecheck-decoder")
        _start(self._process)
        self._stack.callback(_stop, self._process)

    def __enter__(self) -> OffloadedDecoder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def frames(self) -> Iterator[VideoFrame]:
        """The analysed frames in order (copies: the slot is released at once)."""
        slot_bytes = self._job.slot_bytes
        while True:
            message = _get(self._messages, self._process, "the video decoder")
            kind = message[0]
            if kind == "frame":
                _, index, time_s, slot, shape = message
                size = int(np.prod(shape))
                view = np.ndarray(shape, np.uint8, self._memory.buf, slot * slot_bytes)
                rgb = view.copy() if size <= slot_bytes else None
                del view
                self._free.put(slot)
                yield VideoFrame(index, time_s, rgb)
            elif kind == "big":  # larger than a slot (the size changed within the video): sent whole
                _, index, time_s, rgb = message
                yield VideoFrame(index, time_s, rgb)
            elif kind == "end":
                self.stats, self.review_size = message[1], message[2]
                return
            else:
                raise message[1]


def _get(messages: Any, process: multiprocessing.process.BaseProcess, name: str) -> Any:
    """The next message from a helper; VideoReadError-like failure if it died without one."""
    while True:
        try:
            return messages.get(timeout=POLL_S)
        except queue.Empty:
            if not process.is_alive():
                raise RuntimeError(f"{name} process stopped unexpectedly (exit code {process.exitcode})") from None


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    """Stop a helper process (it may be blocked on a full queue) and wait for it."""
    if process.is_alive():
        process.terminate()
    process.join()


def portable(error: BaseException) -> BaseException:
    """`error` if it can be sent to another process (pickled), else a RuntimeError naming it."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any failure to pickle
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


class _ParentGoneError(Exception):
    """The process that started this helper ended (killed): the helper stops too."""


def _take(items: Any) -> Any:
    """The next item of a queue, waiting while the parent process lives (else _ParentGoneError)."""
    while True:
        try:
            return items.get(timeout=POLL_S)
        except queue.Empty:
            _check_parent()


def _put(items: Any, item: Any) -> None:
    """Put `item` on a bounded queue, waiting while the parent process lives (else _ParentGoneError)."""
    while True:
        try:
            return items.put(item, timeout=POLL_S)
        except queue.Full:
            _check_parent()


def _check_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is not None and not parent.is_alive():
        raise _ParentGoneError


def _decode_main(job: DecodeJob, memory_name: str, messages: Any, free: Any) -> None:
    """The decoder process: analysed frames into the shared slots, review-size frames into segments."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the model process's to handle
    memory = SharedMemory(name=memory_name)
    writer: H264Writer | None = None
    review_size: tuple[int, int] | None = None
    try:
        stats = DecodeStats()
        fps = probe_video(job.path).fps / job.stride
        for row, frame in enumerate(read_frames(job.path, job.stride, stats, job.max_side_px, job.max_width_px)):
            rgb = frame.rgb
            if review_size is None:
                review_size = analysis_size(rgb.shape[1], rgb.shape[0], None, job.review_max_width_px)
            if row % SEGMENT_FRAMES == 0:
                if writer is not None:
                    writer.close()
                writer = H264Writer(segment_path(Path(job.segment_dir), row // SEGMENT_FRAMES), fps, *review_size,
                                    crf=INTERMEDIATE_CRF, preset="ultrafast")
            writer.write(review_frame(rgb, review_size))
            if rgb.nbytes > job.slot_bytes:
                _put(messages, ("big", frame.index, frame.time_s, rgb))
                continue
            slot = _take(free)
            np.ndarray(rgb.shape, np.uint8, memory.buf, slot * job.slot_bytes)[:] = rgb
            _put(messages, ("frame", frame.index, frame.time_s, slot, rgb.shape))
        if writer is not None:
            writer.close()
        _put(messages, ("end", stats, review_size))
    except _ParentGoneError:
        return
    except BaseException as error:  # noqa: BLE001 - handed to the model's process
        _put(messages, ("error", portable(error)))
    finally:
        memory.close()


def slot_bytes_for(path: str | Path, max_side_px: int | None, max_width_px: int | None) -> int:
    """Bytes of one analysed RGB frame of the video at `path` (from its header)."""
    info = probe_video(path)
    width, height = analysis_size(info.width, info.height, max_side_px, max_width_px)
    return width * height * 3


@dataclass(frozen=True)
class DrawRow:
    """What one frame of the annotated video shows."""

    index: int
    pose: PoseFrame | None
    metrics: FrameMetrics
    flags: tuple[str, ...]
    load_held: bool


@dataclass(frozen=True)
class DrawJob:
    """One time chunk of pass 2: `rows` (from row `first_row` on) drawn from their intermediate segments."""

    number: int
    first_row: int
    rows: list[DrawRow]
    events: list[Event]  # those whose peak frame is in the chunk
    segment_dir: str
    events_dir: str
    fps: float
    config: Config
    blur_faces: bool


def chunk_path(segment_dir: Path, number: int) -> Path:
    """Pass 2's annotated chunk `number`."""
    return segment_dir / f"chunk-{number:06d}.mp4"


def chunk_ranges(rows: int, chunks: int) -> list[tuple[int, int]]:
    """Row ranges [start, stop) of at least `chunks` contiguous chunks of whole segments, each at most
    CHUNK_SEGMENTS segments (memory holds a chunk's rows, not the video's)."""
    segments = -(-rows // SEGMENT_FRAMES)
    count = max(1, min(segments, max(chunks, -(-segments // CHUNK_SEGMENTS))))
    bounds = [round(segments * part / count) * SEGMENT_FRAMES for part in range(count + 1)]
    return [(start, min(stop, rows)) for start, stop in zip(bounds, bounds[1:], strict=False) if start < stop]


def analyze_offloaded(
    path: str | Path,
    config: Config,
    settings: AnalysisSettings,
    model: Path,
    video_out: Path,
    events_dir: Path,
    work_dir: Path,
    progress: ProgressCallback | None = None,
) -> AnalysisResult:
    """`analyze_video` with the video work in helper processes (see the module docstring): the annotated
    video written to `video_out`, event images into `events_dir`, intermediates into `work_dir`
    (private; the caller removes it). The result is the in-process analysis's."""
    info = probe_video(path)
    estimate = max(1, -(-info.frame_count // settings.stride)) if info.frame_count else 0
    max_side = config.pose.max_frame_side_px
    job = DecodeJob(str(path), settings.stride, max_side, settings.max_width, review_max_width(settings, config),
                    str(work_dir), slot_bytes_for(path, max_side, settings.max_width))

    with OffloadedDecoder(job) as decoder, DrawPool(config.output.helper_processes) as pool:

        def detection_progress(done: int) -> None:
            if done == 1:
                pool.start()
            if progress is not None:
                progress(done, 2 * max(estimate, done))

        with PoseEstimator(model, config.pose.min_detection_confidence,
                           per_frame=config.pose.detect_each_frame_in_files) as estimator:
            spots = SpotWatcher(config.load)
            found = detect_poses(path, config, estimator, settings, None, detection_progress, spots, decoder)
        result, smoothed = judge_detection(info, found, config, settings, spots, estimator.per_frame)
        if decoder.review_size is not None:
            result.annotated_width, result.annotated_height = decoder.review_size
        rows = len(smoothed)

        def drawing_progress(done: int) -> None:
            if progress is not None:
                progress(rows + done, 2 * rows)

        jobs = (_draw_job(number, start, stop, smoothed, result, config, settings, work_dir, events_dir,
                          info.fps / settings.stride)
                for number, (start, stop) in enumerate(chunk_ranges(rows, config.output.helper_processes)))
        chunks = pool.run(jobs, drawing_progress)
    join_chunks([chunk_path(work_dir, number) for number in range(chunks)], video_out)
    return result


def _draw_job(
    number: int, start: int, stop: int, track: PoseTrack, result: AnalysisResult, config: Config,
    settings: AnalysisSettings, work_dir: Path, events_dir: Path, fps: float,
) -> DrawJob:
    table = result.frames
    rows = [DrawRow(int(track.index[row]), track.pose(row), table.frame_metrics(row), tuple(table.flags(row)),
                    bool(table.load_held[row])) for row in range(start, stop)]
    first, last = rows[0].index, rows[-1].index
    events = [event for event in result.events if first <= event.peak_frame <= last]
    return DrawJob(number, start, rows, events, str(work_dir), str(events_dir), fps, config, settings.blur_faces)


class DrawPool:
    """Pass 2's processes, started early (they load while the model runs) and fed one job at a time."""

    def __init__(self, processes: int) -> None:
        context = _context()
        self._todo, self._results, self._done = context.Queue(maxsize=1), context.Queue(), context.Value("l", 0)
        self._stack = ExitStack()
        self._processes = [context.Process(target=_draw_worker, args=(self._todo, self._results, self._done),
                                           daemon=True, name="posecheck-drawer") for _ in range(max(1, processes))]

    def start(self) -> None:
        """Start the processes (idempotent): once the model runs, so that they do not delay its first frame."""
        for process in self._processes:
            if process.pid is None:
                _start(process)
                self._stack.callback(_stop, process)

    def __enter__(self) -> DrawPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def run(self, jobs: Iterator[DrawJob], progress: Callable[[int], None]) -> int:
        """Run the jobs, handing out one at a time as processes free up; the number of jobs.
        `progress(frames_done)` is called as frames are drawn. Re-raises a process's failure."""
        self.start()
        pending: DrawJob | None = next(jobs, None)
        sent = finished = 0
        while pending is not None or finished < sent:
            if pending is not None:
                try:
                    self._todo.put(pending, timeout=POLL_S / 5)
                    sent, pending = sent + 1, next(jobs, None)
                except queue.Full:
                    pass
            finished += _collect(self._results, self._processes)
            progress(self._done.value)
        for _ in self._processes:
            self._todo.put(None)
        progress(self._done.value)
        return sent


def _collect(results: Any, processes: list[multiprocessing.process.BaseProcess]) -> int:
    """How many jobs finished since the last call; a process's failure re-raised here."""
    finished = 0
    while True:
        try:
            outcome = results.get(timeout=POLL_S / 5) if not finished else results.get_nowait()
        except queue.Empty:
            break
        if outcome is not None:
            raise outcome
        finished += 1
    if not finished and not all(process.is_alive() for process in processes):
        raise RuntimeError("a drawing process stopped unexpectedly")
    return finished


def _draw_worker(todo: Any, results: Any, done: Any) -> None:
    """A pass-2 process: draw the jobs it is given until None; each outcome (None or the error) reported."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the model process's to handle
    with contextlib.suppress(_ParentGoneError):
        while (job := _take(todo)) is not None:
            try:
                draw_chunk(job, done)
            except BaseException as error:  # noqa: BLE001 - handed to the model's process
                results.put(portable(error))
                return
            results.put(None)


def draw_chunk(job: DrawJob, done: Any) -> None:
    """Draw a chunk's frames and encode them; its events' images written as JPEG; `done` counts frames."""
    by_peak: dict[int, list[Event]] = {}
    for event in job.events:
        by_peak.setdefault(event.peak_frame, []).append(event)
    output = job.config.output
    writer: H264Writer | None = None
    try:
        for draw, rgb in zip(job.rows, _segment_frames(Path(job.segment_dir), job.first_row, len(job.rows)),
                             strict=True):
            pose = fitted_pose(draw.pose, rgb.shape)
            source = blur_face(rgb, pose) if job.blur_faces else rgb
            if writer is None:
                writer = H264Writer(chunk_path(Path(job.segment_dir), job.number), job.fps, rgb.shape[1],
                                    rgb.shape[0], crf=output.video_crf, preset=output.video_preset)
            writer.write(draw_frame(source, pose, draw.metrics, draw.flags, draw.load_held, job.config))
            for event in by_peak.get(draw.index, []):
                ordered = (event.rule, *(rule for rule in draw.flags if rule != event.rule))
                image = draw_frame(source, pose, draw.metrics, ordered, draw.load_held, job.config)
                write_jpeg(Path(job.events_dir) / event_image_name(event), image)
            with done.get_lock():
                done.value += 1
            _check_parent()
    finally:
        if writer is not None:
            writer.close()


def _segment_frames(segment_dir: Path, first_row: int, count: int) -> Iterator[np.ndarray]:
    """`count` review-size RGB frames from the intermediate segments, from row `first_row` on."""
    number, skip = divmod(first_row, SEGMENT_FRAMES)
    produced = 0
    while produced < count:
        with av.open(str(segment_path(segment_dir, number))) as container:
            for frame in container.decode(video=0):
                if skip:
                    skip -= 1
                    continue
                yield cv2.cvtColor(frame.to_ndarray(format="yuv420p"), cv2.COLOR_YUV2RGB_I420)
                produced += 1
                if produced == count:
                    return
        number += 1
    if produced < count:
        raise VideoReadError(f"the intermediate frames ended after {produced} of {count}")


def join_chunks(chunks: list[Path], output: Path) -> None:
    """Concatenate H.264 MP4 chunks (same size, rate and encoder settings) into one file, packets copied;
    OutputError if it cannot be written (e.g. the disk is full when the index is written on closing)."""
    try:
        joined = av.open(str(output), mode="w", options={"movflags": "faststart"})
    except (av.error.FFmpegError, OSError) as error:
        raise _write_error(output, error) from error
    try:
        _copy_packets(chunks, joined)
    except (av.error.FFmpegError, OSError) as error:
        raise _write_error(output, error) from error
    finally:
        try:
            joined.close()
        except (av.error.FFmpegError, OSError) as error:
            raise _write_error(output, error) from error


def _copy_packets(chunks: list[Path], joined: av.container.OutputContainer) -> None:
    """Mux every chunk's packets into `joined`, each chunk's timestamps after the previous chunk's end."""
    stream = None
    offset = 0
    for chunk in chunks:
        with av.open(str(chunk)) as container:
            source = container.streams.video[0]
            if stream is None:
                stream = joined.add_stream_from_template(source)
            end = offset
            for packet in container.demux(source):
                if packet.dts is None:
                    continue
                packet.pts += offset
                packet.dts += offset
                end = max(end, packet.pts + (packet.duration or 0))
                packet.stream = stream
                joined.mux(packet)
            offset = end


def _write_error(path: Path, error: Exception) -> OutputError:
    return OutputError(f"cannot write {path}: {getattr(error, 'strerror', None) or error}")
