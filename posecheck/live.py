"""Live webcam analysis: one `LiveSession` per stream, and the `LiveStream` holder the web page shares
with the webcam callback thread.

Frames arrive on streamlit-webrtc's worker thread; the page runs on Streamlit's script thread.
A `LiveSession` is guarded by a lock; per-frame results reach the page through a bounded queue of
`LiveUpdate`s (each carries cumulative event counts, so dropping old updates loses nothing).
When a session closes it leaves the same files as an uploaded analysis in its work directory
(report.json, metrics.csv, annotated.mp4, events/*.jpg), ready for `HistoryStore.save_live_session`.
"""

from __future__ import annotations

import atexit
import contextlib
import queue
import threading
import time
import weakref
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from posecheck.config import Config
from posecheck.errors import PosecheckError
from posecheck.frames import FrameTable
from posecheck.framing import frame_view_notes
from posecheck.outputs.files import write_jpeg
from posecheck.outputs.layout import EVENTS_DIR, VIDEO_NAME, event_image_name
from posecheck.outputs.report_model import Report
from posecheck.outputs.results import write_results
from posecheck.pipeline import (
    AnalysisResult,
    AnalysisSettings,
    FrameAnalyzer,
    FrameOutput,
    ThreadedSink,
    annotated_frame,
    collect_events,
    keep_peak_images,
)
from posecheck.pose import PoseEstimator, default_model_path
from posecheck.rules import Event
from posecheck.store import HistoryStore
from posecheck.video import H264Writer, VideoInfo

DEFAULT_FPS = 15.0
MAX_FPS = 60.0
FPS_ESTIMATE_FRAMES = 20
MIN_STEP_S = 0.001
UPDATE_QUEUE_SIZE = 64
LIVE_SOURCE_NAME = "webcam"
SHOWN_ANGLES = ("trunk_flexion_deg", "knee_flexion_deg", "torso_twist_deg")


@dataclass(frozen=True)
class LiveUpdate:
    """The page's view of one analysed frame: active flags, key angles (deg), events counted so far."""

    time_s: float
    frames_analysed: int
    pose_detected: bool
    flags: tuple[str, ...]
    load_held: bool
    angles: dict[str, float | None]
    event_counts: dict[str, int]  # ended events plus the ones under way
    view_notes: tuple[str, ...] = ()  # what this frame's view keeps from being judged (posecheck.framing)


@dataclass(frozen=True)
class LiveRecording:
    """A closed live session: its work directory and report document (None if no person was seen,
    in which case no report was written)."""

    work_dir: Path
    report: Report | None


class StreamClock:
    """Turns frame timestamps into seconds since the first frame, strictly increasing.

    A timestamp at or before the previous one (a repeated time or a clock reset) moves the origin,
    so later times keep counting forward from there.
    """

    def __init__(self) -> None:
        self._origin: float | None = None
        self._last: float | None = None

    def seconds(self, frame_time_s: float) -> float:
        """Seconds since the first frame for a frame stamped `frame_time_s` seconds."""
        if self._origin is None:
            self._origin = frame_time_s
        elapsed = frame_time_s - self._origin
        if self._last is not None and elapsed <= self._last:
            self._origin -= self._last + MIN_STEP_S - elapsed
            elapsed = self._last + MIN_STEP_S
        self._last = elapsed
        return elapsed


def estimate_fps(times_s: list[float]) -> float:
    """Frames per second from consecutive frame times (seconds), by the median interval (robust to
    the slow first inference); DEFAULT_FPS if the times cannot tell."""
    intervals = sorted(later - earlier for earlier, later in zip(times_s, times_s[1:], strict=False))
    if not intervals or intervals[len(intervals) // 2] <= 0:
        return DEFAULT_FPS
    return min(MAX_FPS, max(1.0, 1.0 / intervals[len(intervals) // 2]))


class _Recorder:
    """Encodes every analysed frame to H.264 on a background thread, each at its own time, so the
    saved video plays at real speed, video frame k is analysed frame k and shows at its analysis time.
    The frame rate estimated from the first frames' times is reported as the video's fps."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fps = DEFAULT_FPS
        self.size: tuple[int, int] = (0, 0)  # width, height in pixels
        self._pending: list[tuple[np.ndarray, float]] = []
        self._writer: H264Writer | None = None
        self._sink = ThreadedSink(self._consume)

    def write(self, rgb: np.ndarray, time_s: float) -> None:
        """Queue one RGB frame taken at `time_s` seconds."""
        self._sink.put((rgb, time_s))

    def close(self) -> None:
        """Encode what is queued and finish the file (no file if no frame came)."""
        try:
            self._sink.close()
            if self._writer is None and self._pending:
                self._open()
        finally:
            if self._writer is not None:
                self._writer.close()

    def _consume(self, item: tuple[np.ndarray, float]) -> None:
        if self._writer is not None:
            self._writer.write(*item)
            return
        self._pending.append(item)
        if len(self._pending) >= FPS_ESTIMATE_FRAMES:
            self._open()

    def _open(self) -> None:
        self.fps = estimate_fps([time_s for _, time_s in self._pending])
        height, width = self._pending[0][0].shape[:2]
        self.size = (width, height)
        self._writer = H264Writer(self.path, self.fps, width, height, timestamped=True)
        for rgb, time_s in self._pending:
            self._writer.write(rgb, time_s)
        self._pending = []


class LiveSession:
    """Analysis state of one webcam stream: pose estimator, frame analyzer, per-frame table, events.

    `process` is called from the webcam thread, `close` from any thread; both hold the session lock.
    Outputs are written into `work_dir`. Faces are blurred in the returned frames, the saved video
    and the event images when `blur_faces` is set.
    """

    def __init__(
        self,
        work_dir: Path,
        config: Config | None = None,
        blur_faces: bool = True,
        model_path: Path | None = None,
        updates: queue.Queue[LiveUpdate] | None = None,
    ) -> None:
        self.work_dir = work_dir
        self.config = config = config if config is not None else Config()
        self.blur_faces = blur_faces
        self.updates: queue.Queue[LiveUpdate] = updates if updates is not None else queue.Queue(UPDATE_QUEUE_SIZE)
        self._model = Path(model_path) if model_path else default_model_path()
        self._lock = threading.Lock()
        self._estimator = PoseEstimator(self._model, config.pose.min_detection_confidence)
        self._analyzer = FrameAnalyzer(config, self._estimator)
        self._clock = StreamClock()
        self._table = FrameTable()
        self._events: list[Event] = []
        self._peak_images: dict[str, tuple[int, np.ndarray]] = {}
        (work_dir / EVENTS_DIR).mkdir(exist_ok=True)
        self._recorder = _Recorder(work_dir / VIDEO_NAME)
        self._closed = False
        _OPEN_SESSIONS.add(self)

    def process(self, rgb: np.ndarray, frame_time_s: float) -> np.ndarray:
        """Analyse one RGB uint8 frame stamped `frame_time_s` seconds; return the annotated frame."""
        with self._lock:
            if self._closed:
                return rgb
            time_s = self._clock.seconds(frame_time_s)
            index = len(self._table)
            out = self._analyzer.process(rgb, index, time_s)
            self._table.append(out.result)
            image = annotated_frame(rgb, out, self.config, self.blur_faces)
            keep_peak_images(self._analyzer.open_peak_frames(), index,
                             lambda rule: self._event_image(rule, rgb, out, image), self._peak_images)
            collect_events(out.finished_events, self._peak_images, self._events, self._save_event_image)
            self._recorder.write(image, time_s)
            self._publish(out)
            return image

    def _event_image(self, rule: str, rgb: np.ndarray, out: FrameOutput, shown: np.ndarray) -> np.ndarray:
        """The image kept for an event of `rule`: the shown frame if its banner leads with that rule."""
        if out.result.flags[:1] == (rule,):
            return shown
        return annotated_frame(rgb, out, self.config, self.blur_faces, first_rule=rule)

    def close(self) -> LiveRecording | None:
        """Finish the stream, release the estimator and write the outputs; None if already closed."""
        with self._lock:
            if self._closed:
                return None
            self._closed = True
            try:
                collect_events(self._analyzer.finish(), self._peak_images, self._events, self._save_event_image)
            finally:
                self._release()
            if self._table.detected_count() == 0:
                return LiveRecording(self.work_dir, None)
            self._events.sort(key=lambda event: event.start_s)
            result = self._result()
            result.load = self._analyzer.load_inference(self._table)
            return LiveRecording(self.work_dir, write_results(self.work_dir, result, self.config))

    def abort(self) -> None:
        """Close without writing a report (e.g. at interpreter exit)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._release()

    def _release(self) -> None:
        _OPEN_SESSIONS.discard(self)
        try:
            self._estimator.close()
        finally:
            self._recorder.close()

    def _save_event_image(self, event: Event, image: np.ndarray) -> None:
        write_jpeg(self.work_dir / EVENTS_DIR / event_image_name(event), image)

    def _publish(self, out: FrameOutput) -> None:
        r = out.result
        values = r.metrics.values()
        update = LiveUpdate(
            time_s=r.time_s,
            frames_analysed=len(self._table),
            pose_detected=r.pose_detected,
            flags=r.flags,
            load_held=r.load_held,
            angles={name: values[name] for name in SHOWN_ANGLES},
            # Events so far, counting a flag that is active now (its event has not ended yet).
            event_counts=dict(Counter(event.rule for event in self._events) + Counter(r.flags)),
            view_notes=frame_view_notes(r.metrics, r.pose_detected, r.load_held, self.config.rules),
        )
        while True:
            try:
                self.updates.put_nowait(update)
                return
            except queue.Full:
                _drop_oldest(self.updates)

    def _result(self) -> AnalysisResult:
        table = self._table
        width, height = self._recorder.size
        fps = self._recorder.fps
        info = VideoInfo(
            path=LIVE_SOURCE_NAME,
            fps=fps,
            frame_count=len(table),
            width=width,
            height=height,
            duration_s=table.time_s[-1] + 1.0 / fps,
            rotation_deg=0,
        )
        settings = AnalysisSettings(stride=1, max_width=None, model=str(self._model), blur_faces=self.blur_faces)
        return AnalysisResult(info, settings, table, self._events, width, height,
                              annotated_width=width, annotated_height=height)


def _drop_oldest(updates: queue.Queue[LiveUpdate]) -> None:
    with contextlib.suppress(queue.Empty):
        updates.get_nowait()


class LiveStream:
    """Holder shared by the page and the webcam callback thread, created once per browser session.

    The page calls `start` while the stream plays (settings for the next session) and
    `finish_and_save` when it stops; the callback `on_frame` opens a LiveSession (in a work
    directory of `store`) on the first frame after `start`.
    """

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        self.updates: queue.Queue[LiveUpdate] = queue.Queue(UPDATE_QUEUE_SIZE)
        self.error: str | None = None
        self.last_saved_id: int | None = None
        self._lock = threading.Lock()
        self._settings: tuple[Config, bool] | None = None  # config, blur_faces; None = not accepting frames
        self._session: LiveSession | None = None

    def start(self, config: Config, blur_faces: bool) -> None:
        """Accept frames: the next frame opens a session with these settings (if none is open)."""
        with self._lock:
            self._settings = (config, blur_faces)

    @property
    def active(self) -> bool:
        """Whether a session is open (frames are being analysed into it)."""
        return self._session is not None

    def on_frame(self, frame: av.VideoFrame) -> av.VideoFrame:
        """streamlit-webrtc video callback: analyse the frame and return the annotated one."""
        session = self._current_session()
        if session is None:
            return frame
        frame_time = frame.time if frame.time is not None else time.monotonic()
        try:
            image = session.process(frame.to_ndarray(format="rgb24"), frame_time)
        except PosecheckError as error:
            self.error = str(error)
            return frame
        annotated = av.VideoFrame.from_ndarray(image, format="rgb24")
        annotated.pts, annotated.time_base = frame.pts, frame.time_base
        return annotated

    def drain(self) -> list[LiveUpdate]:
        """All updates queued since the last call, oldest first."""
        drained = []
        while True:
            try:
                drained.append(self.updates.get_nowait())
            except queue.Empty:
                return drained

    def finish_and_save(self) -> int | None:
        """Close the open session and save it to the history; its id, or None if there was nothing to save.

        Frames are ignored afterwards until `start` is called again. Safe to call from any thread.
        """
        with self._lock:
            session, self._session = self._session, None
            self._settings = None
        if session is None:
            return None
        try:
            recording = session.close()
            if recording is None or recording.report is None:
                self.store.discard_work_dir(session.work_dir)
                return None
            self.last_saved_id = self.store.save_live_session(recording.work_dir, LIVE_SOURCE_NAME)
        except PosecheckError as error:
            self.store.discard_work_dir(session.work_dir)
            self.error = str(error)
            return None
        return self.last_saved_id

    def _current_session(self) -> LiveSession | None:
        with self._lock:
            if self._session is None and self._settings is not None:
                self._session = self._open_session(*self._settings)
                if self._session is None:
                    self._settings = None  # do not retry on every frame; the page shows the error
            return self._session

    def _open_session(self, config: Config, blur_faces: bool) -> LiveSession | None:
        try:
            work_dir = self.store.open_work_dir()
        except PosecheckError as error:
            self.error = str(error)
            return None
        try:
            session = LiveSession(work_dir, config, blur_faces, updates=self.updates)
        except PosecheckError as error:
            self.store.discard_work_dir(work_dir)
            self.error = str(error)
            return None
        self.error = None
        return session


_OPEN_SESSIONS: weakref.WeakSet[LiveSession] = weakref.WeakSet()


@atexit.register
def _abort_open_sessions() -> None:
    """Release every open session's pose estimator before the interpreter shuts down."""
    for session in list(_OPEN_SESSIONS):
        session.abort()
