"""`posecheck batch`: the summary's risk column, and the same work on an embedded or an existing Dask cluster."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from posecheck.batch import risk_line
from posecheck.cli import main
from posecheck.outputs.report_model import (
    HandPosition,
    LoadSummary,
    NioshLift,
    NioshSummary,
    RebaSummary,
    RebaWorst,
    ReportSummary,
    TwistIfLoaded,
)
from tests import corpus


def lift(lifting_index: float | None, rwl_kg: float) -> NioshLift:
    """A NIOSH lift with the given LI (None: load unknown) and RWL (kg)."""
    hands = HandPosition(h_cm=40.0, v_cm=30.0, a_deg=0.0)
    return NioshLift(lift=1, start_s=1.0, end_s=2.0, origin=hands, destination=hands, d_cm=50.0, rwl_kg=rwl_kg,
                     lifting_index=lifting_index, risk_band=None)


def risk_summary(worst_score: int | None, lifts: tuple[NioshLift, ...]) -> ReportSummary:
    """A summary with REBA's worst score (None: nothing scored) and the NIOSH lifts."""
    worst = None if worst_score is None else RebaWorst(time_s=1.0, score=worst_score, risk="high", action_level=3)
    niosh = NioshSummary(lifts=lifts, frequency_lifts_per_min=0.2, load_kg=None, coupling="good", work_duration="<=1h")
    return ReportSummary(reba=RebaSummary(frames_scored=10, worst=worst, time_share_by_risk={}), niosh=niosh)


def test_risk_line_with_and_without_load() -> None:
    assert risk_line(risk_summary(8, (lift(1.2, 10.0), lift(1.44, 8.3)))) == "REBA 8 high, LI 1.44"
    assert risk_line(risk_summary(8, (lift(None, 10.0), lift(None, 8.3)))) == "REBA 8 high, 2 lift(s), RWL 8.3 kg"


def test_risk_line_empty_when_not_scored() -> None:
    assert risk_line(risk_summary(None, ())) == ""
    assert risk_line(ReportSummary()) == ""


def test_risk_line_says_when_the_load_state_was_undecided_at_the_start() -> None:
    twists = (TwistIfLoaded(start_s=2.2, end_s=4.3, peak_deg=-32.4),
              TwistIfLoaded(start_s=5.0, end_s=5.5, peak_deg=21.0))
    undecided = LoadSummary(mode="auto", start_not_inferred=True, twists_if_loaded=twists)
    expected = "load undecided at the start: twist 32° if loaded, --load throughout"
    assert risk_line(ReportSummary(load=undecided)) == expected
    quiet = LoadSummary(mode="auto", start_not_inferred=True)
    assert risk_line(ReportSummary(load=quiet)) == "load undecided at the start: no twist if loaded, --load throughout"
    assert risk_line(ReportSummary(load=LoadSummary(mode="auto", twists_if_loaded=twists))) == ""


# ----- Dask distributed: the embedded cluster and an existing scheduler give the same reports ---------


def _start(command: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _scheduler_address(scheduler_file: Path, scheduler: subprocess.Popen) -> str:
    deadline_s = time.monotonic() + 60
    while not scheduler_file.is_file() and scheduler.poll() is None and time.monotonic() < deadline_s:
        time.sleep(0.1)
    assert scheduler_file.is_file(), "the dask scheduler did not start"
    return json.loads(scheduler_file.read_text())["address"]


def _video_dir(tmp_path: Path, *makers: Callable[[Path], Path]) -> Path:
    videos = tmp_path / "videos"
    videos.mkdir()
    for make in makers:
        make(videos)
    return videos


def _reports(out: Path) -> dict[str, bytes]:
    return {path.parent.name: path.read_bytes() for path in sorted(out.glob("*/report.json"))}


@pytest.mark.slow
def test_batch_on_an_existing_scheduler_gives_the_embedded_clusters_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a failing video is reported and the rest go on, on either cluster
    videos = _video_dir(tmp_path, corpus.sample_video, corpus.empty_file)
    assert main(["batch", str(videos), "-o", str(tmp_path / "embedded"), "-j", "2", "--quiet"]) == 1
    embedded_table = capsys.readouterr().out.splitlines()

    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    scheduler = _start([*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                        "--scheduler-file", str(scheduler_file)], tmp_path / "scheduler.log")
    worker = None
    try:
        address = _scheduler_address(scheduler_file, scheduler)
        worker = _start([*dask, "worker", address, "--nthreads", "1", "--nworkers", "2", "--no-dashboard",
                         "--host", "127.0.0.1"], tmp_path / "worker.log")
        code = main(["batch", str(videos), "-o", str(tmp_path / "remote"), "--scheduler", address, "--quiet"])
    finally:
        for process in (worker, scheduler):
            if process is not None:
                _stop(process)
    remote_table = capsys.readouterr().out.splitlines()
    assert code == 1 and remote_table[-1] == embedded_table[-1] == "1 of 2 videos analysed, 1 failed"
    assert [line.replace(str(tmp_path / "remote"), "") for line in remote_table] == [
        line.replace(str(tmp_path / "embedded"), "") for line in embedded_table
    ]
    assert _reports(tmp_path / "remote") == _reports(tmp_path / "embedded") != {}


def test_batch_with_an_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    videos = _video_dir(tmp_path, corpus.one_frame_video)
    with socket.socket() as probe:  # a free local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = main(["batch", str(videos), "-o", str(tmp_path / "out"), "--scheduler", f"tcp://127.0.0.1:{port}",
                 "--quiet"])
    error = capsys.readouterr().err
    assert code == 1 and f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in error
    assert "Traceback" not in error and not (tmp_path / "out").exists()
