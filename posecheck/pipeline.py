"""The analysis pipeline: frames → pose → smoothed landmarks → metrics → rules → events.

A file is analysed in two passes (`analyze_video`): pass 1 detects the pose in every frame into a
compact landmark track; the whole track is smoothed without phase shift and judged (`PoseJudge`:
metrics, load state, rules); pass 2 decodes again and draws every frame with its final flags.
Decoding and encoding run in their own threads behind bounded queues; memory holds the landmark
track, never the frames. The live webcam cannot look ahead: `FrameAnalyzer` smooths causally
(One Euro) and judges each frame as it comes, with the same `PoseJudge`.
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from posecheck.annotate import annotate_frame, blur_face, fitted_pose
from posecheck.config import Config
from posecheck.errors import NoPersonError, VideoReadError
from posecheck.frames import FrameResult, FrameTable
from posecheck.load import LoadInference, LoadTracker, SpotVerdict, SpotWatcher, held_in_mode, infer_load
from posecheck.metrics.calibration import BodyCalibration
from posecheck.metrics.compute import measure
from posecheck.metrics.frame_metrics import FrameMetrics
from posecheck.pose import FastMotionRedetector, PoseEstimator, PoseFrame, default_model_path
from posecheck.rules import RULE_IDS, Event, RulesEngine
from posecheck.smoothing import PoseSmoother
from posecheck.track import PoseTrack
from posecheck.video import (
    DecodeStats,
    VideoFrame,
    VideoInfo,
    analysis_size,
    probe_video,
    read_frames,
    review_frame,
)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
QUEUE_SIZE = 8
# Mean RGB level (0-255) under which a video without a person is called very dark in the error.
DARK_MEAN_LEVEL = 40.0
# How often (seconds of video) to look for a second person, and the margin around the analysed
# person's landmark box (fraction of its size) that is painted over before looking.
OTHER_PERSON_CHECK_INTERVAL_S = 2.0
PERSON_BOX_MARGIN = 0.2
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class FrameOutput:
    """What `FrameAnalyzer.process` returns: the smoothed pose, the result and events that just ended."""

    pose: PoseFrame | None
    result: FrameResult
    finished_events: tuple[Event, ...]


class PoseJudge:
    """Per-stream judgement of (smoothed) poses: the body calibration, metrics, load state and rules.

    `judge` decides the load state causally (`LoadTracker`, with the verdicts of `spots` when given);
    a whole track is judged with the load inferred over all of it first (`judge_track_with_load`).
    """

    def __init__(self, config: Config, spots: SpotWatcher | None = None) -> None:
        self.config = config
        self._rules = RulesEngine(config.rules)
        self._calibration = BodyCalibration()
        self._last_person_s: float | None = None
        self._spots = spots
        self._load = LoadTracker(config.load, image_evidence=spots is not None,
                                 load_known=config.ergonomics.load_kg > 0)

    def judge(self, pose: PoseFrame | None, index: int, time_s: float) -> tuple[FrameResult, tuple[Event, ...]]:
        """Measure and judge frame `index` at `time_s` seconds; its result and the events that just ended."""
        metrics = self.measure(pose, time_s)
        verdicts = self._spots.verdicts if self._spots is not None else ()
        inferred = self._load.update(index, time_s, metrics.hand_height_rel, metrics.hands_separation_rel, verdicts)
        load_held = held_in_mode(self.config.load_mode, [inferred])[0]
        return self.judge_measured(pose is not None, index, time_s, metrics, load_held)

    def measure(self, pose: PoseFrame | None, time_s: float) -> FrameMetrics:
        """This frame's metrics (the stream's body calibration learns from it)."""
        if pose is not None:
            self._forget_calibration_after_absence(time_s)
        metrics, self._calibration = measure(pose, self.config.pose.min_visibility, self._calibration, time_s)
        return metrics

    def judge_measured(
        self, pose_detected: bool, index: int, time_s: float, metrics: FrameMetrics, load_held: bool
    ) -> tuple[FrameResult, tuple[Event, ...]]:
        """Judge measured metrics with the load state given; the result and the events that just ended."""
        judgement = self._rules.update(index, time_s, metrics, load_held)
        result = FrameResult(index, time_s, pose_detected, metrics, judgement.flags, judgement.load_held)
        return result, judgement.finished_events

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


class FrameAnalyzer:
    """Causal per-stream analysis (live): pose estimator, One Euro smoothing, then `PoseJudge` (the load
    state decided as the frames come, with the image evidence of a `SpotWatcher`)."""

    def __init__(self, config: Config, estimator: PoseEstimator) -> None:
        self.config = config
        self._estimator = estimator
        self._smoother = PoseSmoother(config.smoothing)
        self._spots = SpotWatcher(config.load)
        self._judge = PoseJudge(config, self._spots)

    def process(self, rgb: np.ndarray, index: int, time_s: float) -> FrameOutput:
        """Analyse one RGB frame (frame `index`, at `time_s` seconds)."""
        raw = self._estimator.detect(rgb, time_s * 1000.0)
        self._spots.observe(rgb, raw, index, time_s)
        pose = self._smoother.smooth(raw, time_s)
        result, finished = self._judge.judge(pose, index, time_s)
        return FrameOutput(pose, result, finished)

    def open_peak_frames(self) -> dict[str, int]:
        """Rule id → frame index of the peak of each open span (its event image is that frame)."""
        return self._judge.open_peak_frames()

    def finish(self) -> tuple[Event, ...]:
        """Close open spans at the end of the stream and return their events."""
        return self._judge.finish()

    def load_inference(self, table: FrameTable) -> LoadInference:
        """The load state of the whole stream in `table` (its rows, in order), every change dated at its
        reach; `table.load_held` is set to it (the flags stay as judged live)."""
        inference = infer_load(
            list(table.time_s), table.series("hand_height_rel"), table.series("hands_separation_rel"),
            self.config.load, self.config.load_mode, self._spots.verdicts, self.config.ergonomics.load_kg > 0,
        )
        for row, held in enumerate(inference.held):
            table.load_held[row] = held
        undecided = [(table.index[row], table.time_s[row], table.frame_metrics(row))
                     for row in range(inference.undecided_rows())]
        return with_twists_if_loaded(inference, undecided, self.config)


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
    observations: list[Any] = field(default_factory=list)  # a FrameObserver's, one per frame
    load: LoadInference | None = None
    annotated_width: int = 0  # the annotated video's frame size (0: none was drawn)
    annotated_height: int = 0


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


class FrameObserver(Protocol[T_co]):
    """Looks at every analysed frame during the detection pass: the raw RGB image and the raw pose.

    What `observe` returns is kept per frame (in `DetectionPass.observations`): keep it small.
    """

    def observe(self, rgb: np.ndarray, pose: PoseFrame | None, index: int, time_s: float) -> T_co:
        """What this frame shows (frame `index` at `time_s` seconds; `pose` None = nobody detected)."""
        ...


@dataclass
class DetectionPass:
    """What the first pass over a file found: the raw landmark track and what was seen on the way."""

    track: PoseTrack
    observations: list[Any]
    notes: list[str]
    width: int = 0
    height: int = 0
    mean_level: float = 0.0  # mean RGB level (0-255) of the analysed frames


class FrameSource(Protocol):
    """Where pass 1's analysed frames come from; `stats` describes the decoding once `frames()` has ended."""

    stats: DecodeStats

    def frames(self) -> Iterator[VideoFrame]:
        """The analysed frames, in order."""
        ...


class DecodedFrames:
    """Pass 1's frames decoded in this process, on a reader thread (`read_frames` with the analysis settings)."""

    def __init__(self, path: str | Path, config: Config, settings: AnalysisSettings) -> None:
        self._path, self._config, self._settings = path, config, settings
        self.stats = DecodeStats()

    def frames(self) -> Iterator[VideoFrame]:
        """The analysed frames, in order."""
        return threaded(read_frames(self._path, self._settings.stride, self.stats, self._config.pose.max_frame_side_px,
                                    self._settings.max_width))


def detect_poses(
    path: str | Path,
    config: Config,
    estimator: PoseEstimator,
    settings: AnalysisSettings,
    observer: FrameObserver | None = None,
    progress: Callable[[int], None] | None = None,
    spots: SpotWatcher | None = None,
    source: FrameSource | None = None,
) -> DetectionPass:
    """Pass 1: decode every analysed frame and detect the pose in it (nothing is smoothed yet).

    `progress(frames_done)` is called after each frame. Frames where the tracked pose moves fast are
    detected again on their own (`FastMotionRedetector`, `pose.redetect_fast_motion_torso`). Also looks
    for other people in view, and `spots` (when given) looks at the floor under the hands at every reach
    (posecheck.load). The frames come from `source` (default: decoded here, `DecodedFrames`).
    """
    source = source if source is not None else DecodedFrames(path, config, settings)
    found = DetectionPass(PoseTrack(), [], [])
    brightness = 0.0
    model = settings.model or default_model_path()
    confidence, min_move = config.pose.min_detection_confidence, config.pose.redetect_fast_motion_torso
    with contextlib.ExitStack() as stack:
        others = OtherPersonCheck(stack.enter_context(PoseEstimator(model, confidence)))
        redetector = (FastMotionRedetector(stack.enter_context(PoseEstimator(model, confidence, per_frame=True)),
                                           min_move) if min_move > 0 and not estimator.per_frame else None)
        for done, frame in enumerate(source.frames(), 1):
            brightness += float(frame.rgb[::16, ::16].mean())
            pose = estimator.detect(frame.rgb, frame.time_s * 1000.0)
            if redetector is not None:
                pose = redetector.refine(frame.rgb, pose, frame.time_s * 1000.0)
            found.track.append(frame.index, frame.time_s, pose)
            others.update(frame.rgb, pose, frame.time_s)
            if observer is not None:
                found.observations.append(observer.observe(frame.rgb, pose, frame.index, frame.time_s))
            if spots is not None:
                spots.observe(frame.rgb, pose, frame.index, frame.time_s)
            found.height, found.width = frame.rgb.shape[:2]
            if progress is not None:
                progress(done)
    found.mean_level = brightness / max(1, len(found.track))
    found.notes.extend(source.stats.notes())
    if (note := others.note()) is not None:
        found.notes.append(note)
    return found


def smooth_file_track(track: PoseTrack, config: Config, per_frame: bool = False) -> PoseTrack:
    """A file's raw landmark track smoothed with zero phase, the video mode's tracking lag taken back
    (`smoothing.tracking_lag_frames`; not when frames were detected on their own: every frame, `per_frame`,
    or the fast ones, `pose.redetect_fast_motion_torso`)."""
    detected_alone = per_frame or config.pose.redetect_fast_motion_torso > 0
    lead_frames = 0.0 if detected_alone else config.smoothing.tracking_lag_frames
    return track.smoothed(config.smoothing.zero_phase_cutoff_hz, lead_frames)


def judge_track(track: PoseTrack, config: Config) -> tuple[FrameTable, list[Event]]:
    """Metrics, load state and rules over a whole (smoothed) track; every frame's flags from the events
    (see `judge_track_with_load`; the load from the hands' motion alone, no image evidence)."""
    table, events, _ = judge_track_with_load(track, config, None)
    return table, events


def judge_track_with_load(
    track: PoseTrack, config: Config, verdicts: list[SpotVerdict] | None
) -> tuple[FrameTable, list[Event], LoadInference]:
    """Metrics over the whole (smoothed) track, then its load state (`infer_load`, looking ahead: each
    pick-up and put-down dated at its reach, with the image's `verdicts`), then the rules.

    A frame is flagged with a rule when it lies within one of that rule's events, from the event's
    first frame (including the minimum-duration span before the rule triggered) to its last.
    """
    judge = PoseJudge(config)
    measured = [judge.measure(track.pose(row), float(track.time_s[row])) for row in range(len(track))]
    load = infer_load(
        [float(track.time_s[row]) for row in range(len(track))], [metrics.hand_height_rel for metrics in measured],
        [metrics.hands_separation_rel for metrics in measured], config.load, config.load_mode, verdicts,
        config.ergonomics.load_kg > 0,
    )
    table = FrameTable()
    events: list[Event] = []
    for row, metrics in enumerate(measured):
        detected = track.pose(row) is not None
        result, finished = judge.judge_measured(detected, int(track.index[row]), float(track.time_s[row]),
                                                metrics, load.held[row])
        table.append(result)
        events.extend(finished)
    events.extend(judge.finish())
    events.sort(key=lambda event: (event.start_s, RULE_IDS.index(event.rule)))
    table.set_flags_from_events(events)
    undecided = [(int(track.index[row]), float(track.time_s[row]), measured[row])
                 for row in range(load.undecided_rows())]
    return table, events, with_twists_if_loaded(load, undecided, config)


def with_twists_if_loaded(
    load: LoadInference, undecided: Sequence[tuple[int, float, FrameMetrics]], config: Config
) -> LoadInference:
    """`load` with the twists the twist rule finds, a load held, over the `undecided` frames (index, time s,
    metrics) at the start where the load state was not inferred: each twist's start and end (s) and peak
    (deg), for the report to say what a carry there would mean."""
    if not undecided:
        return load
    engine = RulesEngine(config.rules)
    events: list[Event] = []
    for index, time_s, metrics in undecided:
        events.extend(engine.update(index, time_s, metrics, load_held=True).finished_events)
    events.extend(engine.finish())
    twists = tuple((event.start_s, event.end_s, event.peak_value) for event in events
                   if event.rule == "twist_under_load")
    return replace(load, twists_if_loaded=twists)


def analyze_video(
    path: str | Path,
    config: Config,
    estimator: PoseEstimator,
    settings: AnalysisSettings = AnalysisSettings(),
    annotated_sink: FrameSink | None = None,
    event_sink: EventSink | None = None,
    progress: ProgressCallback | None = None,
    observer: FrameObserver | None = None,
) -> AnalysisResult:
    """Analyse a video file in two passes; memory holds the landmark track, never the frames.

    Pass 1 detects the pose in every analysed frame (`detect_poses`); the track is then smoothed
    without phase shift and judged as a whole (`judge_track`). Pass 2 (only with a sink) decodes
    again and sends every annotated RGB frame to `annotated_sink` (e.g. an H.264 writer thread) and
    each event with the annotated image of its peak frame, its own rule first, to `event_sink`.
    `progress(done, total)` counts frames over both passes (each frame is read twice, or once
    without sinks). `observer` sees every raw frame and pose of pass 1 (`DetectionPass.observations`).

    Raises VideoReadError for unreadable input and NoPersonError when no frame shows a person.
    """
    info = probe_video(path)
    estimate = max(1, -(-info.frame_count // settings.stride)) if info.frame_count else 0
    passes = 2 if annotated_sink is not None or event_sink is not None else 1

    def detection_progress(done: int) -> None:
        if progress is not None:
            progress(done, passes * max(estimate, done))

    spots = SpotWatcher(config.load)
    found = detect_poses(path, config, estimator, settings, observer, detection_progress, spots)
    result, smoothed = judge_detection(info, found, config, settings, spots, estimator.per_frame)
    track = found.track
    if passes == 2:
        total = 2 * len(track)

        def drawing_progress(done: int) -> None:
            if progress is not None:
                progress(len(track) + done, total)

        draw_video(path, settings, config, smoothed, result, annotated_sink, event_sink, drawing_progress)
    return result


def judge_detection(
    info: VideoInfo, found: DetectionPass, config: Config, settings: AnalysisSettings, spots: SpotWatcher,
    per_frame: bool,
) -> tuple[AnalysisResult, PoseTrack]:
    """Between the passes: the track smoothed without phase shift (`smooth_file_track`; `per_frame`: every
    frame was detected on its own) and judged as a whole (`judge_track_with_load`, with the image evidence of
    `spots`); the result and the smoothed track. NoPersonError if nobody was seen."""
    track = found.track
    if track.detected_count() == 0:
        hint = "; the video is very dark" if len(track) and found.mean_level < DARK_MEAN_LEVEL else ""
        raise NoPersonError(f"no person found in {info.path} ({len(track)} frames analysed{hint})")
    smoothed = smooth_file_track(track, config, per_frame)
    table, events, load = judge_track_with_load(smoothed, config, spots.verdicts)
    result = AnalysisResult(info, settings, table, events, found.width, found.height, list(found.notes),
                            found.observations, load)
    return result, smoothed


def draw_video(
    path: str | Path,
    settings: AnalysisSettings,
    config: Config,
    track: PoseTrack,
    result: AnalysisResult,
    annotated_sink: FrameSink | None,
    event_sink: EventSink | None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Pass 2: decode the analysed frames again, scale them to the annotated video's size (`review_max_width`)
    and draw each with its final flags and `track`'s pose; `result` gets that size."""
    table = result.frames
    by_peak: dict[int, list[Event]] = {}
    for event in result.events:
        by_peak.setdefault(event.peak_frame, []).append(event)
    frames = threaded(read_frames(path, settings.stride, None, config.pose.max_frame_side_px, settings.max_width))
    for row, frame in enumerate(frames):
        if row >= len(track) or track.index[row] != frame.index:
            raise VideoReadError(f"{path} decoded differently the second time (frame {frame.index}); "
                                 "is the file being written to?")
        if row == 0:
            size = analysis_size(frame.rgb.shape[1], frame.rgb.shape[0], None, review_max_width(settings, config))
            result.annotated_width, result.annotated_height = size
        rgb = review_frame(frame.rgb, size)
        pose, metrics = fitted_pose(track.pose(row), rgb.shape), table.frame_metrics(row)
        flags, load_held = tuple(table.flags(row)), bool(table.load_held[row])
        source = blur_face(rgb, pose) if settings.blur_faces else rgb
        if annotated_sink is not None:
            annotated_sink(draw_frame(source, pose, metrics, flags, load_held, config))
        for event in by_peak.get(frame.index, []) if event_sink is not None else []:
            ordered = (event.rule, *(rule for rule in flags if rule != event.rule))
            event_sink(event, draw_frame(source, pose, metrics, ordered, load_held, config))
        if progress is not None:
            progress(row + 1)


def review_max_width(settings: AnalysisSettings, config: Config) -> int:
    """The annotated video's largest width: `output.review_max_width_px`, or `settings.max_width` if smaller."""
    return min(config.output.review_max_width_px, settings.max_width or config.output.review_max_width_px)


def draw_frame(
    rgb: np.ndarray, pose: PoseFrame | None, metrics: FrameMetrics, flags: tuple[str, ...], load_held: bool,
    config: Config,
) -> np.ndarray:
    """The frame as shown and saved: skeleton, angles and the warning banner of `flags` (first one's advice)."""
    return annotate_frame(rgb, pose, metrics, flags, load_held, config.pose.min_visibility,
                          config.rules.twist_min_confidence)


def annotated_frame(
    rgb: np.ndarray, out: FrameOutput, config: Config, blur_faces: bool, first_rule: str | None = None
) -> np.ndarray:
    """A live frame as shown and saved: face blurred if asked, skeleton, angles and warnings drawn;
    with `first_rule` (an event image), that rule leads the banner whether or not it is flagged yet."""
    source = blur_face(rgb, out.pose) if blur_faces else rgb
    r = out.result
    flags = r.flags if first_rule is None else (first_rule, *(rule for rule in r.flags if rule != first_rule))
    return draw_frame(source, out.pose, r.metrics, flags, r.load_held, config)


def keep_peak_images(
    open_peaks: dict[str, int],
    index: int,
    image_for_rule: Callable[[str], np.ndarray],
    peak_images: dict[str, tuple[int, np.ndarray]],
) -> None:
    """Keep, per open span, only the image of its current peak frame (`image_for_rule(rule)`)."""
    for rule, peak_frame in open_peaks.items():
        if peak_frame == index:
            peak_images[rule] = (index, image_for_rule(rule))


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
