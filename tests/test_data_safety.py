"""Results never get lost or half-written: analyses and history saves killed with SIGKILL at any point
leave no report presented as complete, and the next run cleans up and succeeds."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from posecheck.config import Config
from posecheck.run import REPORT_NAME, STAGING_PREFIX, analyze_to_dir
from posecheck.store import HistoryStore
from tests import corpus

LONG_REPEATS = 10  # 10 x the 3 s lift: 300 frames, several seconds of analysis
STARTUP_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 30 s lifting video (the 3 s lift repeated), long enough to be killed mid-run."""
    frames = list(corpus.lifter_frames()) * LONG_REPEATS
    return corpus.write_h264(tmp_path_factory.mktemp("long") / "long_lift.mp4", frames)


def wait_for(condition: object, process: subprocess.Popen, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    """Poll `condition()` until true; fail if the process ends first or the time runs out."""
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "timed out waiting for the analysis to start"
        time.sleep(0.05)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL a still-running process and reap it (so its pid is really gone)."""
    assert process.poll() is None, "the process finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def staging_dirs(output_dir: Path) -> list[Path]:
    """The hidden staging directories in `output_dir`."""
    return sorted(output_dir.glob(f"{STAGING_PREFIX}*"))


def text_lines(path: Path) -> list[str]:
    """The lines of a text file."""
    return path.read_text(encoding="utf-8").splitlines()


def run_python(code: str) -> subprocess.Popen:
    """Start `python -c code` (dedented) with output captured."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


# ----- CLI analysis killed mid-run ----------------------------------------------------------------


def test_killed_analysis_leaves_no_report_and_rerun_cleans_up(long_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "posecheck.cli", "analyze", str(long_video), "-o", str(out), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: any((path / "annotated.mp4").exists() for path in staging_dirs(out)), process)
    time.sleep(0.5)
    kill(process)

    assert not (out / REPORT_NAME).exists()
    assert not (out / "metrics.csv").exists() and not (out / "annotated.mp4").exists()
    leftover = staging_dirs(out)
    assert len(leftover) == 1 and str(process.pid) in leftover[0].name

    output = analyze_to_dir(long_video, out, Config())
    report = json.loads((out / REPORT_NAME).read_text())
    assert report["summary"]["frames_analysed"] == output.result.frames.index[-1] + 1 == 30 * LONG_REPEATS
    assert staging_dirs(out) == []  # the killed run's staging was removed


def test_staging_of_a_running_analysis_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = out / f"{STAGING_PREFIX}{sleeper.pid}-abc123"
        alive.mkdir()
        analyze_to_dir(corpus.one_frame_video(tmp_path), out, Config())
        assert staging_dirs(out) == [alive]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_overwrite_killed_mid_publish_presents_no_old_report(tmp_path: Path) -> None:
    """A kill between moving the new files in and the new report leaves no report at all."""
    out = tmp_path / "out"
    first = corpus.one_frame_video(tmp_path)
    analyze_to_dir(first, out, Config())
    second = corpus.person_walks_in_and_out(tmp_path)
    process = run_python(f"""
        import os, signal
        import posecheck.run as run
        from posecheck.config import Config

        real_replace = os.replace

        def replace_then_die(source, target):
            real_replace(source, target)
            if str(target) == os.path.join({str(out)!r}, "metrics.csv"):  # publishing, not staging
                os.kill(os.getpid(), signal.SIGKILL)

        run.os.replace = replace_then_die
        run.analyze_to_dir({str(second)!r}, {str(out)!r}, Config(), overwrite=True)
    """)
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL, process.communicate()
    assert len(text_lines(out / "metrics.csv")) == 51  # the new run's files are in place...
    assert not (out / REPORT_NAME).exists()  # ...but nothing claims the set is complete
    analyze_to_dir(second, out, Config(), overwrite=True)
    assert json.loads((out / REPORT_NAME).read_text())["video"]["path"] == str(second)
    assert staging_dirs(out) == []


# ----- history store killed mid-save --------------------------------------------------------------


def assert_history_consistent(data_dir: Path) -> HistoryStore:
    """Reopen the store: every listed session has its files, nothing else is on disk, the DB is sound."""
    store = HistoryStore(data_dir)
    sessions = store.list_sessions()
    directories = {path.name for path in (data_dir / "sessions").iterdir()}
    records = [store.load_session(summary.id) for summary in sessions]
    assert all(record is not None and record.report_path.is_file() for record in records)
    assert directories == {record.directory.name for record in records if record is not None}
    assert list((data_dir / "work").iterdir()) == []
    with sqlite3.connect(data_dir / "history.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        orphans = db.execute("SELECT COUNT(*) FROM events WHERE session_id NOT IN (SELECT id FROM sessions)")
        assert orphans.fetchone() == (0,)
    return store


def test_history_killed_mid_analysis(long_video: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    process = run_python(f"""
        from posecheck.config import Config
        from posecheck.run import analyze_to_dir
        from posecheck.store import HistoryStore

        store = HistoryStore({str(data)!r})
        work = store.open_work_dir()
        analyze_to_dir({str(long_video)!r}, work, Config())
        store.save_upload_analysis(work, "long_lift.mp4")
    """)
    wait_for(lambda: any(path.name == "annotated.mp4" for path in (data / "work").rglob("*")), process)
    kill(process)
    assert len(list((data / "work").iterdir())) == 1
    store = assert_history_consistent(data)
    assert store.list_sessions() == []


@pytest.mark.parametrize("kill_in", ["_insert", "unlink"], ids=["before_commit", "after_commit"])
def test_history_killed_mid_save(kill_in: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    video = corpus.one_frame_video(tmp_path)
    process = run_python(f"""
        import os, pathlib, signal
        from posecheck import store as store_module
        from posecheck.config import Config
        from posecheck.run import analyze_to_dir

        def die(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)

        store = store_module.HistoryStore({str(data)!r})
        work = store.open_work_dir()
        analyze_to_dir({str(video)!r}, work, Config())
        if {kill_in!r} == "_insert":
            store._insert = die  # killed after the rename into sessions/, before the transaction
        else:
            pathlib.Path.unlink = die  # killed after the commit, before owner.pid is removed
        store.save_upload_analysis(work, "one frame.mp4")
    """)
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL, process.communicate()
    store = assert_history_consistent(data)
    sessions = store.list_sessions()
    if kill_in == "_insert":
        assert sessions == []
    else:
        assert [summary.source_name for summary in sessions] == ["one frame.mp4"]
