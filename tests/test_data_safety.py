"""Results never get lost or half-written, and nothing the user owns is deleted or replaced.

Analyses and history saves killed with SIGKILL at any point leave no report presented as complete,
and the next run cleans up and succeeds. posecheck writes only into an empty folder or its own
earlier result, replaces only its own files, never its input; a second run into a busy folder is
refused; everything it writes is private to the user."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from posecheck.config import Config
from posecheck.outputs.layout import REPORT_NAME, STAGING_PREFIX
from posecheck.outputs.manifest import MANIFEST_NAME, file_digest
from posecheck.run import analyze_to_dir
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
    # Killed while the poses are being found (pass 1: seconds for this clip); the second pass writes the
    # annotated video in well under a second, too fast to be caught reliably.
    wait_for(lambda: bool(staging_dirs(out)), process)
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

        os.replace = replace_then_die  # publishing is posecheck.outputs.staging's
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
    wait_for(lambda: any(path.name.startswith(STAGING_PREFIX) for path in (data / "work").rglob("*")), process)
    time.sleep(0.5)
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
    # Killed before the commit, the session folder was already complete: it is indexed when the store opens.
    assert [summary.source_name for summary in store.list_sessions()] == ["one frame.mp4"]


# ----- files posecheck did not write ----------------------------------------------------------------


def cli(*arguments: str) -> subprocess.CompletedProcess:
    """`posecheck ARGUMENTS --quiet` as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "posecheck.cli", *arguments, "--quiet"], capture_output=True, text=True, timeout=300
    )


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` (relative path -> content)."""
    return {str(path.relative_to(directory)): path.read_bytes() for path in directory.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def lift_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 3 s stoop lift: one bend_at_waist event, so events/ gets an image."""
    return corpus.sample_video(tmp_path_factory.mktemp("lift"))


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]], ids=["plain", "overwrite"])
def test_a_folder_of_user_files_is_refused_and_left_untouched(
    lift_video: Path, tmp_path: Path, overwrite: list[str]
) -> None:
    """The issue's reproduction: notes in events/ and a user's metrics.csv, no report.json."""
    out = tmp_path / "u"
    (out / "events").mkdir(parents=True)
    (out / "events" / "notes.txt").write_text("keep")
    (out / "metrics.csv").write_text("my own measurements\n")
    before = snapshot(out)

    run = cli("analyze", str(lift_video), "-o", str(out), *overwrite)

    assert run.returncode == 7 and run.stdout == ""
    assert run.stderr.strip() == (
        f"posecheck: error: {out} is not empty and holds no posecheck result (events, metrics.csv); posecheck "
        "writes only into an empty directory or one with its own earlier result: choose another -o DIR"
    )
    assert snapshot(out) == before and sorted(path.name for path in out.iterdir()) == ["events", "metrics.csv"]


def test_the_input_is_never_an_output(lift_video: Path, tmp_path: Path) -> None:
    same = tmp_path / "same"
    same.mkdir()
    shutil.copy(lift_video, same / "annotated.mp4")  # the reproduction: a folder with only the input
    refused = cli("analyze", str(same / "annotated.mp4"), "-o", str(same))
    assert refused.returncode == 7 and "holds no posecheck result (annotated.mp4)" in refused.stderr
    assert (same / "annotated.mp4").read_bytes() == lift_video.read_bytes()

    out = tmp_path / "out"  # posecheck's own annotated video analysed into its own folder
    assert cli("analyze", str(lift_video), "-o", str(out)).returncode == 0
    annotated = (out / "annotated.mp4").read_bytes()
    refused = cli("analyze", str(out / "annotated.mp4"), "-o", str(out), "--overwrite")
    assert refused.returncode == 7
    assert refused.stderr.strip() == (
        f"posecheck: error: the input {out / 'annotated.mp4'} would be replaced by an output: choose another -o DIR"
    )
    assert (out / "annotated.mp4").read_bytes() == annotated


def test_overwrite_replaces_only_posecheck_s_own_files(lift_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli("analyze", str(lift_video), "-o", str(out)).returncode == 0
    [old_image] = (out / "events").iterdir()
    (out / "notes.txt").write_text("the user's")
    (out / "events" / "sketch.jpg").write_bytes(b"the user's drawing")
    (out / "metrics.csv").write_text("edited by the user\n")

    refused = cli("analyze", str(corpus.one_frame_video(tmp_path)), "-o", str(out), "--overwrite")
    assert refused.returncode == 7
    assert refused.stderr.strip().endswith(
        "metrics.csv was not written by posecheck (or was changed since): move it away or choose another -o DIR")
    assert (out / "metrics.csv").read_text() == "edited by the user\n" and old_image.is_file()

    (out / "metrics.csv").unlink()
    assert cli("analyze", str(corpus.one_frame_video(tmp_path)), "-o", str(out), "--overwrite").returncode == 0
    assert json.loads((out / REPORT_NAME).read_text())["events"] == []
    assert not old_image.exists()  # the old run's event image was posecheck's: replaced with its report
    assert (out / "notes.txt").read_text() == "the user's"
    assert (out / "events" / "sketch.jpg").read_bytes() == b"the user's drawing"


def test_a_changed_manifest_grants_nothing(lift_video: Path, tmp_path: Path) -> None:
    """A manifest naming files outside posecheck's outputs, or with wrong digests, makes none of them its own."""
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "precious.txt"
    victim.write_text("precious")
    (out / "report.json").write_text("{}")
    (out / MANIFEST_NAME).write_text(json.dumps({"files": {
        "../precious.txt": [file_digest(victim)], "report.json": ["0" * 64],
    }}))
    run = cli("analyze", str(lift_video), "-o", str(out), "--overwrite")
    assert run.returncode == 7 and "report.json was not written by posecheck" in run.stderr
    assert victim.read_text() == "precious" and (out / "report.json").read_text() == "{}"


# ----- two runs into one folder -----------------------------------------------------------------------


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]], ids=["plain", "overwrite"])
def test_a_second_run_into_a_busy_folder_is_refused(
    long_video: Path, lift_video: Path, tmp_path: Path, overwrite: list[str]
) -> None:
    out = tmp_path / "out"
    first = subprocess.Popen(
        [sys.executable, "-m", "posecheck.cli", "analyze", str(long_video), "-o", str(out), "--quiet", *overwrite],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    wait_for(lambda: bool(staging_dirs(out)), first)
    second = cli("analyze", str(lift_video), "-o", str(out), *overwrite)
    assert first.poll() is None, "the first run ended before the second started: no overlap was tested"
    stdout, _ = first.communicate(timeout=300)

    assert second.returncode == 7 and second.stdout == ""
    assert second.stderr.strip() == (
        f"posecheck: error: another posecheck run is writing into {out}: wait for it to finish or choose another -o DIR"
    )
    assert first.returncode == 0 and "wrote" in stdout
    assert json.loads((out / REPORT_NAME).read_text())["video"]["path"] == str(long_video)


# ----- private permissions ---------------------------------------------------------------------------


def modes(directory: Path) -> dict[str, int]:
    """Permission bits of `directory` and everything under it, by relative path ('.' for itself)."""
    paths = [directory, *directory.rglob("*")]
    return {str(path.relative_to(directory)): stat.S_IMODE(path.stat().st_mode) for path in paths}


def test_outputs_are_private_to_the_user(lift_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    assert cli("analyze", str(lift_video), "-o", str(out)).returncode == 0
    found = modes(out)
    assert {"annotated.mp4", "report.json", "metrics.csv", "events"} <= found.keys()
    assert any(name.startswith("events/") for name in found)
    for name, mode in found.items():
        assert mode == (0o700 if (out / name).is_dir() else 0o600), f"{name}: {oct(mode)}"


def test_history_is_private_to_the_user(lift_video: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = HistoryStore(data)
    work = store.open_work_dir()
    shutil.copy(lift_video, work / "source.mp4")
    analyze_to_dir(work / "source.mp4", work, Config())
    store.save_upload_analysis(work, "lift.mp4")
    found = modes(data)
    assert any(name.startswith("sessions/") and name.endswith("source.mp4") for name in found)
    for name, mode in found.items():
        if name != ".":  # the data directory may be the user's own (POSECHECK_DATA_DIR); created here: 0700
            assert mode == (0o700 if (data / name).is_dir() else 0o600), f"{name}: {oct(mode)}"
    assert found["."] == 0o700
