"""Session history: saving is all-or-nothing, listing/loading/deleting, leftovers, live sessions."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from posecheck import store as store_module
from posecheck.config import Config
from posecheck.errors import OutputError
from posecheck.live import LiveStream, StreamClock, estimate_fps
from posecheck.outputs.files import write_jpeg
from posecheck.store import HistoryStore, upload_path
from posecheck.video import probe_video


def fake_analysis(work_dir: Path, events: int = 2) -> dict:
    """Write what analyze_to_dir leaves behind (report, CSV, video, event images) plus an upload."""
    (work_dir / "events").mkdir()
    report_events = []
    for number in range(events):
        image = f"events/bend_at_waist_frame{number:06d}.jpg"
        write_jpeg(work_dir / image, np.zeros((8, 8, 3), np.uint8))
        report_events.append({
            "rule": "bend_at_waist", "start_s": 1.0 + number, "end_s": 1.5 + number, "peak_s": 1.2 + number,
            "peak_value": 80.0, "metric": "trunk_flexion_deg", "severity": "high", "message": "Bend your knees.",
            "source": "guide", "start_frame": 10, "end_frame": 15, "peak_frame": 12 + 10 * number, "image": image,
        })
    report = {
        "video": {"path": "x", "fps": 10.0, "frame_count": 30, "width": 8, "height": 8, "duration_s": 3.0},
        "frames": [],
        "events": report_events,
        "summary": {"events_total": events, "verdict": "Check your technique."},
    }
    (work_dir / "report.json").write_text(json.dumps(report))
    (work_dir / "metrics.csv").write_text("index,time_s,trunk_flexion_deg,flags\n0,0.0,10.5,\n1,0.1,,bend_at_waist\n")
    (work_dir / "annotated.mp4").write_bytes(b"not really a video")
    upload_path(work_dir, "../../etc/my lift.MOV").write_bytes(b"upload")
    return report


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "data")


def saved_dirs(store: HistoryStore) -> list[Path]:
    return sorted((store.data_dir / "sessions").iterdir())


def test_save_list_load_delete(store: HistoryStore) -> None:
    work = store.open_work_dir()
    fake_analysis(work)
    session_id = store.save_upload_analysis(work, "../../etc/my lift.MOV")

    assert not work.exists()
    [listed] = store.list_sessions()
    assert (listed.id, listed.kind, listed.source_name, listed.events_total) == (
        session_id, "upload", "../../etc/my lift.MOV", 2)
    record = store.load_session(session_id)
    assert record is not None and record.status == "complete"
    assert record.directory.parent == store.data_dir / "sessions"
    assert record.source_path == record.directory / "source.mov"  # generated name, user's suffix only
    assert record.video_path.is_file() and record.report_path.is_file()
    assert [event.peak_s for event in record.events] == [1.2, 2.2]
    assert all(event.image_path.is_file() for event in record.events)
    assert record.events[1].video_s == pytest.approx(2.2)  # peak frame 22 at 10 fps
    assert store.load_frame_metrics(session_id).by_name == {
        "index": [0.0, 1.0], "time_s": [0.0, 0.1], "trunk_flexion_deg": [10.5, None], "flags": ["", "bend_at_waist"],
    }

    assert store.delete_session(session_id)
    assert store.list_sessions() == [] and store.load_session(session_id) is None
    assert saved_dirs(store) == []
    assert not store.delete_session(session_id)


def test_sessions_are_listed_newest_first(store: HistoryStore) -> None:
    ids = []
    for name in ("first.mp4", "second.mp4"):
        work = store.open_work_dir()
        fake_analysis(work, events=0)
        ids.append(store.save_upload_analysis(work, name))
    assert [s.id for s in store.list_sessions()] == ids[::-1]


def test_failure_while_inserting_events_leaves_no_session(store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session row is inserted before the events: a failure on the events rolls both back."""
    work = store.open_work_dir()
    fake_analysis(work)

    def failing_event_row(*_args: object) -> tuple:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store_module, "_event_row", failing_event_row)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.save_upload_analysis(work, "clip.mp4")
    assert store.list_sessions() == []
    assert store.load_session(1) is None
    assert saved_dirs(store) == []


def test_interrupt_while_inserting_leaves_no_session(store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    work = store.open_work_dir()
    fake_analysis(work)

    def interrupted(*_args: object) -> tuple:
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module, "_event_row", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.save_live_session(work)
    assert store.list_sessions() == [] and saved_dirs(store) == []


def test_missing_report_is_refused_and_nothing_published(store: HistoryStore) -> None:
    work = store.open_work_dir()
    (work / "metrics.csv").write_text("index\n")
    with pytest.raises(OutputError, match="no readable report"):
        store.save_upload_analysis(work, "clip.mp4")
    assert store.list_sessions() == [] and saved_dirs(store) == []
    store.discard_work_dir(work)
    assert not work.exists()


def dead_pid() -> int:
    """The id of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_work_of_dead_processes_is_removed_and_crashed_saves_are_indexed_on_open(tmp_path: Path) -> None:
    """A folder moved into sessions/ by a process that died before the commit is a saved session, not junk."""
    data = tmp_path / "data"
    store = HistoryStore(data)
    kept = HistoryStore(data)  # second instance in the same process keeps work in progress
    mine = store.open_work_dir()
    crashed_work = store.open_work_dir()
    (crashed_work / "owner.pid").write_text(str(dead_pid()))
    crashed_publish = data / "sessions" / ("0123abcd" * 4)  # moved into place, process died before the commit
    crashed_publish.mkdir()
    fake_analysis(crashed_publish)
    (crashed_publish / "owner.pid").write_text(str(dead_pid()))
    other_process = data / "sessions" / ("4567ef01" * 4)  # another live process is committing right now
    other_process.mkdir()
    (other_process / "owner.pid").write_text(str(os.getppid()))
    not_posecheck = data / "work" / "my-notes"  # not a name the store generates: never touched
    not_posecheck.mkdir()

    reopened = HistoryStore(data)
    assert mine.is_dir() and other_process.is_dir() and not_posecheck.is_dir()
    assert not crashed_work.exists()
    [recovered] = kept.list_sessions()
    assert (recovered.kind, recovered.source_name, recovered.events_total) == ("upload", "recovered session", 2)
    assert len(kept.load_session(recovered.id).events) == 2
    assert not (crashed_publish / "owner.pid").exists() and reopened.notices == []


def test_unwritable_data_dir_is_a_friendly_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="cannot open the history"):
        HistoryStore(blocker / "data")


def test_estimate_fps_ignores_a_slow_first_frame() -> None:
    assert estimate_fps([0.0, 1.0, 1.1, 1.2, 1.3]) == pytest.approx(10.0)
    assert estimate_fps([5.0]) == 15.0


def test_stream_clock_is_relative_and_strictly_increasing() -> None:
    clock = StreamClock()
    times = [clock.seconds(t) for t in (1000.0, 1000.1, 1000.1, 999.0, 999.1)]
    assert times[:2] == [0.0, pytest.approx(0.1)]
    assert all(later > earlier for earlier, later in zip(times, times[1:], strict=False))
    assert times[4] - times[3] == pytest.approx(0.1)  # after a clock reset, time keeps its pace


@pytest.mark.slow
def test_live_stream_saves_a_session(store: HistoryStore, stoop_lift_video: Path) -> None:
    """Frames through the webcam callback, then stop: a live session with video, metrics and report."""
    stream = LiveStream(store)
    stream.start(Config(), blur_faces=True)
    with av.open(str(stoop_lift_video)) as container:
        for frame in container.decode(video=0):
            annotated = stream.on_frame(frame)
            assert (annotated.width, annotated.height) == (frame.width, frame.height)
    updates = stream.drain()
    assert updates[-1].frames_analysed == 90  # the queue keeps the latest updates
    assert stream.active

    session_id = stream.finish_and_save()
    assert session_id is not None and stream.error is None and not stream.active
    assert stream.finish_and_save() is None  # idempotent
    record = store.load_session(session_id)
    assert record.summary.kind == "live" and record.summary.source_name == "webcam"
    assert probe_video(record.video_path).duration_s == pytest.approx(6.0, abs=0.2)  # plays in real time
    assert record.report_summary.frames_analysed == 90
    assert record.summary.duration_s == pytest.approx(6.0, abs=0.2)  # times from the frames' own stamps
    assert len(store.load_frame_metrics(session_id).numbers("trunk_flexion_deg")) == 90
    assert not list((store.data_dir / "work").iterdir())


@pytest.mark.slow
def test_live_recording_stays_real_time_when_frames_are_dropped(store: HistoryStore, stoop_lift_video: Path) -> None:
    """A slow computer analyses only every third webcam frame: the saved video still plays in real time."""
    stream = LiveStream(store)
    stream.start(Config(), blur_faces=False)
    with av.open(str(stoop_lift_video)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index % 3 == 0:
                stream.on_frame(frame)
    record = store.load_session(stream.finish_and_save())
    assert record.report_summary.frames_analysed == 30
    assert probe_video(record.video_path).duration_s == pytest.approx(record.summary.duration_s, abs=0.25)
    assert probe_video(record.video_path).frame_count == 30  # video frame k is analysed frame k


def test_live_stream_without_a_person_saves_nothing(store: HistoryStore) -> None:
    stream = LiveStream(store)
    stream.start(Config(), blur_faces=False)
    for index in range(5):
        frame = av.VideoFrame.from_ndarray(np.full((120, 160, 3), 90, np.uint8), format="rgb24")
        frame.pts, frame.time_base = index, Fraction(1, 10)
        stream.on_frame(frame)
    assert stream.finish_and_save() is None
    assert store.list_sessions() == [] and not list((store.data_dir / "work").iterdir())


def test_frames_are_ignored_until_started(store: HistoryStore) -> None:
    stream = LiveStream(store)
    frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
    assert stream.on_frame(frame) is frame
    assert not stream.active and stream.drain() == []


# ----- a damaged index: the session folders are the truth ----------------------------------------------


def saved_sessions(store: HistoryStore, count: int) -> list[int]:
    """Save `count` fake upload analyses; their ids."""
    ids = []
    for number in range(count):
        work = store.open_work_dir()
        fake_analysis(work, events=number)
        ids.append(store.save_upload_analysis(work, f"clip {number}.mp4"))
    return ids


DAMAGES = {
    "empty": b"",
    "garbled": b"SQLite format 3\x00" + bytes(range(256)) * 40,
    "not_sqlite": b"this is a text file, not a database\n" * 100,
}


@pytest.mark.parametrize("content", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_database_is_moved_aside_and_rebuilt_from_the_folders(tmp_path: Path, content: bytes) -> None:
    data = tmp_path / "data"
    saved_sessions(HistoryStore(data), 3)
    folders = saved_dirs(HistoryStore(data))
    (data / "history.sqlite3").write_bytes(content)

    store = HistoryStore(data)

    assert saved_dirs(store) == folders  # nothing deleted
    listed = store.list_sessions()
    assert sorted((s.source_name, s.kind, s.events_total) for s in listed) == [
        ("clip 0.mp4", "upload", 0), ("clip 1.mp4", "upload", 1), ("clip 2.mp4", "upload", 2)]
    assert all(len(store.load_session(s.id).events) == s.events_total for s in listed)
    [aside] = data.glob("history.sqlite3.damaged-*")
    assert aside.read_bytes() == content  # kept for whoever wants to look at it
    [notice] = store.notices
    assert notice.startswith("The history database was damaged (") and "3 session(s) restored" in notice
    assert "\n" not in notice
    assert HistoryStore(data).notices == []  # rebuilt once: the next open finds it sound


def test_a_database_damaged_while_open_is_rebuilt_on_the_next_query(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "data")
    saved_sessions(store, 2)
    (store.data_dir / "history.sqlite3").write_bytes(DAMAGES["garbled"])

    assert sorted(s.source_name for s in store.list_sessions()) == ["clip 0.mp4", "clip 1.mp4"]
    assert len(store.notices) == 1 and "damaged" in store.notices[0]
    assert len(saved_sessions(store, 1)) == 1 and len(store.list_sessions()) == 3  # and it keeps working


def test_a_bad_summary_row_is_read_again_from_the_report(store: HistoryStore) -> None:
    first, second = saved_sessions(store, 2)
    (store.load_session(second).report_path).write_text("garbled too")
    with sqlite3.connect(store.data_dir / "history.sqlite3") as db:
        db.execute("UPDATE sessions SET summary_json = '{not json' WHERE id = ?", (first,))
        db.execute("UPDATE sessions SET summary_json = '[1, 2]' WHERE id = ?", (second,))

    [listed] = store.list_sessions()
    assert (listed.id, listed.events_total, listed.verdict) == (first, 0, "Check your technique.")
    assert store.load_session(first).report_summary.events_total == 0
    assert store.load_session(second) is None
    [notice] = store.notices
    assert notice.startswith(f"A saved session is not listed: session #{second}'s report.json cannot be read")
    assert len(saved_dirs(store)) == 2  # the unreadable one is left in place
    with sqlite3.connect(store.data_dir / "history.sqlite3") as db:  # the first row was repaired
        assert json.loads(db.execute("SELECT summary_json FROM sessions WHERE id = ?", (first,)).fetchone()[0])


def test_a_session_whose_folder_is_gone_is_dropped_and_a_deleted_one_stays_deleted(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = HistoryStore(data)
    kept, removed_by_hand, deleted = saved_sessions(store, 3)
    shutil.rmtree(store.load_session(removed_by_hand).directory)
    assert store.delete_session(deleted)
    assert [s.id for s in HistoryStore(data).list_sessions()] == [kept]
