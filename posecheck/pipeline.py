"""The analysis pipeline: frames → pose → smoothed landmarks → metrics → rules → events.

`FrameAnalyzer` is the per-stream state (one landmarker, filters, rules) shared by the video
pipeline and the live webcam. `analyze_video` streams a file through it: decoding and encoding run
in their own threads behind bounded queues, so nothing holds the whole video in memory.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from posecheck.annotate import annotate_frame, blur_face
from posecheck.config import Config
from posecheck.errors import NoPersonError
from posecheck.frames import FrameTable
from posecheck.metrics import BodyCalibration, FrameMetrics, measure
from posecheck.pose import PoseEstimator, PoseFrame, default_model_path
from posecheck.rules import Event, RulesEngine
from posecheck.smoothing import PoseSmoother
from posecheck.video import DecodeStats, VideoInfo, probe_video, read_frames

T = TypeVar("T")
QUEUE_SIZE = 8
# Mean RGB level (0-255) under which a video without a person is called very dark in the error.
DARK_MEAN_LEVEL = 40.0
# How often (seconds of video) to look for a second person, and the margin around the analysed
# person's landmark box (fraction of its size) that is painted over before looking.
OTHER_PERSON_CHECK_INTERVAL_S = 2.0
PERSON_BOX_MARGIN = 0.2
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class FrameResult:
    """The analysis of one frame."""

    index: int
    time_s: float
    pose_detected: bool
    metrics: FrameMetrics
    flags: tuple[str, ...]
    load_held: bool


@dataclass(frozen=True)
class FrameOutput:
    """What `FrameAnalyzer.process` returns: the smoothed pose, the result and events that just ended."""

    pose: PoseFrame | None
    result: FrameResult
    finished_events: tuple[Event, ...]


class FrameAnalyzer:
    """Per-stream analysis state: pose estimator, smoothing filters and rules engine."""

    def __init__(self, config: Config, estimator: PoseEstimator) -> None:
        self.config = config
        self._estimator = estimator
        self._smoother = PoseSmoother(config.smoothing)
        self._rules = RulesEngine(config.rules)
        self._calibration = BodyCalibration()
        self._last_person_s: float | None = None

    def process(self, rgb: np.ndarray, index: int, time_s: float) -> FrameOutput:
        """Analyse one RGB frame (frame `index`, at `time_s` seconds)."""
        raw = self._estimator.detect(rgb, time_s * 1000.0)
        pose = self._smoother.smooth(raw, time_s)
        if pose is not None:
            self._forget_calibration_after_absence(time_s)
        metrics, self._calibration = measure(pose, self.config.pose.min_visibility, self._calibration)
        judgement = self._rules.update(index, time_s, metrics)
        result = FrameResult(index, time_s, pose is not None, metrics, judgement.flags, judgement.load_held)
        return FrameOutput(pose, result, judgement.finished_events)

    def _forget_calibration_after_absence(self, time_s: float) -> None:
        """Start a new calibration when nobody was in view for `recalibrate_after_absence_s` before `time_s`."""
        absent_s = 0.0 if self._last_person_s is None else time_s - self._last_person_s
        if absent_s > self.config.pose.recalibrate_after_absence_s:
            self._calibration = BodyCalibration()
        self._last_person_s = time_s

    def open_peak_frames(self) -> dict[str, int]:
        """Rule id → frame index of the peak of each open span (its event image is that frame)."""
        return self._rules.open_peak_frames()

    def finish(self) -> tuple[Event, ...]:
        """Close open spans at the end of the stream and return their events."""
        return self._rules.finish()


class OtherPersonCheck:
    """Looks, about once a second, for a person besides the analysed one.

    The analysed person's landmark box is painted over and a second estimator looks at the rest of
    the frame. The main estimator tracks one person (the most prominent when it first detects);
    this only tells the report that others were in view.
    """

    def __init__(self, estimator: PoseEstimator, interval_s: float = OTHER_PERSON_CHECK_INTERVAL_S) -> None:
        self._estimator = estimator
        self._interval_s = interval_s
        self._next_s = -math.inf
        self.checks = 0
        self.found = 0

    def update(self, rgb: np.ndarray, pose: PoseFrame | None, time_s: float) -> None:
        """Check frame `rgb` (at `time_s` seconds) if a check is due and the analysed person is in it."""
        if pose is None or time_s < self._next_s:
            return
        masked = without_person(rgb, pose)
        if masked is None:
            return
        self._next_s = time_s + self._interval_s
        self.checks += 1
        if self._estimator.detect(masked, time_s * 1000.0) is not None:
            self.found += 1

    def note(self) -> str | None:
        """The report note when another person was seen, else None."""
        if not self.found:
            return None
        return (f"More than one person was in view ({self.found} of {self.checks} checks); the analysis follows "
                "one person, the most prominent, throughout. Film one person at a time for reliable results.")


def without_person(rgb: np.ndarray, pose: PoseFrame) -> np.ndarray | None:
    """A copy of `rgb` with the person's landmark box (plus margin) filled with its mean colour; None if
    the pose has no finite landmark."""
    points = pose.image_xy_px[np.all(np.isfinite(pose.image_xy_px), axis=1)]
    if len(points) == 0:
        return None
    low, high = points.min(axis=0), points.max(axis=0)
    margin = PERSON_BOX_MARGIN * (high - low) + 0.02 * rgb.shape[0]
    height, width = rgb.shape[:2]
    x0, y0 = np.clip(low - margin, 0, [width, height]).astype(int)
    x1, y1 = np.clip(high + margin, 0, [width, height]).astype(int)
    out = rgb.copy()
    if x1 > x0 and y1 > y0:
        out[y0:y1, x0:x1] = out[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0).astype(np.uint8)
    return out


@dataclass(frozen=True)
class AnalysisSettings:
    """How a video was analysed (reported alongside the results)."""

    stride: int = 1
    max_width: int | None = None
    model: str = ""
    blur_faces: bool = False


@dataclass
class AnalysisResult:
    """Everything an analysis produced; `frames` is compact (see FrameTable); `notes` are caveats."""

    video: VideoInfo
    settings: AnalysisSettings
    frames: FrameTable
    events: list[Event]
    analysed_width: int = 0
    analysed_height: int = 0
    notes: list[str] = field(default_factory=list)


def threaded(items: Iterable[T], maxsize: int = QUEUE_SIZE) -> Iterator[T]:
    """Iterate `items` in a background thread, through a bounded queue; exceptions are re-raised here."""
    buffer: queue.Queue = queue.Queue(maxsize=maxsize)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put(item)
            buffer.put(done)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer thread
            buffer.put(error)

    thread = threading.Thread(target=produce, daemon=True, name="posecheck-reader")
    thread.start()
    try:
        while (item := buffer.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                buffer.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


class ThreadedSink:
    """Runs `consume(item)` on a background thread fed through a bounded queue."""

    def __init__(self, consume: Callable[[T], None], maxsize: int = QUEUE_SIZE) -> None:
        self._consume = consume
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="posecheck-writer")
        self._thread.start()

    def put(self, item: T) -> None:
        """Queue one item (blocks while the queue is full); re-raises a failure of the consumer."""
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def close(self) -> None:
        """Wait until every queued item is consumed; re-raise the consumer's failure, if any."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._consume(item)
                except BaseException as error:  # noqa: BLE001 - re-raised on the caller's thread
                    self._error = error


FrameSink = Callable[[np.ndarray], None]
EventSink = Callable[[Event, np.ndarray], None]


def analyze_video(
    path: str | Path,
    config: Config,
    estimator: PoseEstimator,
    settings: AnalysisSettings = AnalysisSettings(),
    annotated_sink: FrameSink | None = None,
    event_sink: EventSink | None = None,
    progress: ProgressCallback | None = None,
) -> AnalysisResult:
    """Analyse a video file, streaming; nothing holds more than the frames in flight.

    Annotated RGB frames go to `annotated_sink` (e.g. an H.264 writer thread); each event, when it
    ends, goes to `event_sink` with the annotated image of its peak frame.

    Raises VideoReadError for unreadable input and NoPersonError when no frame shows a person.
    """
    info = probe_video(path)
    total = max(1, -(-info.frame_count // settings.stride)) if info.frame_count else 0
    analyzer = FrameAnalyzer(config, estimator)
    table = FrameTable()
    events: list[Event] = []
    peak_images: dict[str, tuple[int, np.ndarray]] = {}
    result = AnalysisResult(info, settings, table, events)
    stats = DecodeStats()
    brightness = 0.0
    model = settings.model or default_model_path()
    with PoseEstimator(model, config.pose.min_detection_confidence) as second_estimator:
        others = OtherPersonCheck(second_estimator)
        frames = threaded(read_frames(path, settings.stride, stats, config.pose.max_frame_side_px, settings.max_width))
        for done, frame in enumerate(frames, 1):
            brightness += float(frame.rgb[::16, ::16].mean())
            out = analyzer.process(frame.rgb, frame.index, frame.time_s)
            others.update(frame.rgb, out.pose, frame.time_s)
            table.append(out.result)
            image = annotated_frame(frame.rgb, out, config, settings.blur_faces)
            result.analysed_height, result.analysed_width = frame.rgb.shape[:2]
            keep_peak_images(analyzer.open_peak_frames(), frame.index, image, peak_images)
            collect_events(out.finished_events, peak_images, events, event_sink)
            if annotated_sink is not None:
                annotated_sink(image)
            if progress is not None:
                progress(done, max(total, done))
    collect_events(analyzer.finish(), peak_images, events, event_sink)
    if table.detected_count() == 0:
        dark = len(table) and brightness / len(table) < DARK_MEAN_LEVEL
        hint = "; the video is very dark" if dark else ""
        raise NoPersonError(f"no person found in {path} ({len(table)} frames analysed{hint})")
    events.sort(key=lambda event: event.start_s)
    result.notes.extend(stats.notes())
    if (note := others.note()) is not None:
        result.notes.append(note)
    return result


def annotated_frame(rgb: np.ndarray, out: FrameOutput, config: Config, blur_faces: bool) -> np.ndarray:
    """The frame as shown and saved: face blurred if asked, skeleton, angles and warnings drawn."""
    source = blur_face(rgb, out.pose) if blur_faces else rgb
    r = out.result
    return annotate_frame(source, out.pose, r.metrics, r.flags, r.load_held, config.pose.min_visibility,
                          config.rules.twist_min_confidence)


def keep_peak_images(
    open_peaks: dict[str, int], index: int, image: np.ndarray, peak_images: dict[str, tuple[int, np.ndarray]]
) -> None:
    """Keep, per open span, only the annotated image of its current peak frame."""
    for rule, peak_frame in open_peaks.items():
        if peak_frame == index:
            peak_images[rule] = (index, image)


def collect_events(
    finished: Iterable[Event],
    peak_images: dict[str, tuple[int, np.ndarray]],
    events: list[Event],
    event_sink: EventSink | None,
) -> None:
    """Append finished events to `events`; hand each one with its kept peak image to `event_sink`."""
    for event in finished:
        events.append(event)
        kept = peak_images.pop(event.rule, None)
        if event_sink is not None and kept is not None and kept[0] == event.peak_frame:
            event_sink(event, kept[1])
