"""Privacy: nothing leaves the machine, faces can be blurred in every export, the web app listens on
localhost only, and uploads are kept in the data directory under generated names."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from posecheck.annotate import blur_face
from posecheck.config import Config
from posecheck.landmarks import FACE, NUM_LANDMARKS
from posecheck.offline import call_offline
from posecheck.pipeline import AnalysisSettings
from posecheck.pose import PoseFrame
from posecheck.run import analyze_to_dir
from tests import corpus

ROOT = Path(__file__).resolve().parents[1]
STREAMLIT_CONFIG = ROOT / ".streamlit" / "config.toml"
APP_PATH = ROOT / "app.py"
SAMPLE = ROOT / "sample_videos" / "stoop_lift_side.mp4"
FACE_HALF_BOX_PX = 18  # half size of the face box around the face landmarks' centre (480x360 video)
CONTEXT_HALF_BOX_PX = 45  # beyond this around the face, the rest of the frame


# ----- nothing leaves the machine -----------------------------------------------------------------


def test_analysis_runs_with_the_network_blocked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args[:2]))
        raise OSError("network blocked by test_privacy")

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    output = analyze_to_dir(corpus.sample_video(tmp_path), tmp_path / "out", Config())
    assert output.report_path.is_file() and output.report.summary.frames_with_pose > 0
    assert attempts == []


NETWORK_SYSCALL = re.compile(
    r"^(socket|socketpair|connect|bind|listen|accept4?|send|sendto|sendmsg|sendmmsg|recv|recvfrom|recvmsg|"
    r"recvmmsg|getsockopt|setsockopt|getsockname|getpeername|shutdown)\("
)
REFUSED_SOCKET = re.compile(r"^socket\(.*\) = -1 EACCES")
# The web app's analysis paths without its server: an upload (analyze_to_dir) and a Live session.
APP_ANALYSIS_SCRIPT = """
import sys
from pathlib import Path
from posecheck.config import Config
from posecheck.live import LiveSession
from posecheck.run import analyze_to_dir
from posecheck.video import read_frames
video, out = Path(sys.argv[1]), Path(sys.argv[2])
analyze_to_dir(video, out / "upload", Config())
(out / "live").mkdir()
session = LiveSession(out / "live", Config(), blur_faces=True)
for frame in read_frames(video):
    session.process(frame.rgb, frame.time_s)
assert session.close().report is not None
"""


def strace_or_skip() -> str:
    """Path of a working strace; the test is skipped only where strace is missing or may not trace."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (apt-get install strace; .ci/run installs it)")
    probe = subprocess.run([strace, "-f", "-qq", "-o", "/dev/null", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here: {probe.stderr.strip()}")
    return strace


def traced_network_lines(command: list[str], tmp_path: Path) -> list[str]:
    """Run `command` under strace; the trace lines of the network system calls of all its processes and threads."""
    traces = tmp_path / "strace"
    traces.mkdir()
    # -ff: one file per thread, so no call is split into "unfinished" and "resumed" lines by another's.
    completed = subprocess.run(
        [strace_or_skip(), "-ff", "-qq", "-e", "trace=network", "-o", str(traces / "network"), *command],
        capture_output=True, text=True, timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return [line for trace in sorted(traces.iterdir()) for line in trace.read_text().splitlines()]


def network_calls(command: list[str], tmp_path: Path) -> list[str]:
    """The network system calls `command` makes that were not refused before they could do anything (a
    socket() refused with EACCES creates nothing)."""
    calls = [line for line in traced_network_lines(command, tmp_path) if NETWORK_SYSCALL.match(line)]
    return [line for line in calls if not REFUSED_SOCKET.match(line)]


@pytest.mark.slow
def test_cli_analysis_makes_no_network_system_call(tmp_path: Path) -> None:
    video = corpus.sample_video(tmp_path)
    command = [sys.executable, "-m", "posecheck.cli", "analyze", str(video), "-o", str(tmp_path / "out"), "--quiet"]
    assert network_calls(command, tmp_path) == []
    assert (tmp_path / "out" / "report.json").is_file()


INET_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"')
LOOPBACK = ("127.", "::1", "::ffff:127.")


def non_loopback_network_calls(command: list[str], tmp_path: Path) -> list[str]:
    """The network system calls `command` makes that name an address other than the loopback interface (a
    TCP or UDP socket cannot reach another machine without naming one: connect, bind, sendto, sendmsg),
    and any DNS look-up (port 53, or the resolver's socket files)."""
    outside = []
    for line in traced_network_lines(command, tmp_path):
        addresses = [a or b for a, b in INET_ADDRESS.findall(line)]
        if any(not address.startswith(LOOPBACK) for address in addresses) or "htons(53)" in line or "nscd" in line:
            outside.append(line)
    return outside


@pytest.mark.slow
def test_batch_talks_to_its_own_workers_over_loopback_only(tmp_path: Path) -> None:
    """The batch's embedded Dask cluster (scheduler and 2 worker processes) talks over 127.0.0.1; nothing
    else: no other address, no DNS, and the analyses themselves open no socket (as for analyze)."""
    videos = tmp_path / "videos"
    videos.mkdir()
    corpus.sample_video(videos)
    corpus.one_frame_video(videos)
    command = [sys.executable, "-m", "posecheck.cli", "batch", str(videos), "-o", str(tmp_path / "out"), "-j", "2",
               "--quiet"]
    assert non_loopback_network_calls(command, tmp_path) == []
    assert len(list((tmp_path / "out").glob("*/report.json"))) == 2


@pytest.mark.slow
def test_app_analysis_paths_make_no_network_system_call(tmp_path: Path) -> None:
    video = corpus.sample_video(tmp_path)
    command = [sys.executable, "-c", APP_ANALYSIS_SCRIPT, str(video), str(tmp_path)]
    assert network_calls(command, tmp_path) == []
    assert (tmp_path / "upload" / "report.json").is_file() and (tmp_path / "live" / "report.json").is_file()


def test_landmarker_threads_cannot_open_sockets_and_the_rest_of_the_process_can() -> None:
    def open_socket() -> None:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()

    with pytest.raises(PermissionError):
        call_offline(open_socket)
    with pytest.raises(PermissionError):  # threads started by the offline thread inherit the filter
        call_offline(lambda: run_in_thread(open_socket))
    open_socket()  # the calling thread (e.g. the web app's server) keeps its network


def run_in_thread(function: Callable[[], None]) -> None:
    """Run `function` on a new thread and re-raise its exception here."""
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            function()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


# ----- face blurring -------------------------------------------------------------------------------


def laplacian_variance(rgb: np.ndarray) -> float:
    """Sharpness of an RGB image: variance of the Laplacian of its grey levels."""
    return float(cv2.Laplacian(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def box(centre: np.ndarray, half: int, shape: tuple[int, ...]) -> tuple[slice, slice]:
    """Row and column slices of a square of half size `half` px around `centre` (x, y), inside `shape`."""
    x, y = (int(round(v)) for v in centre)
    return slice(max(0, y - half), min(shape[0], y + half)), slice(max(0, x - half), min(shape[1], x + half))


def outside(centre: np.ndarray, half: int, shape: tuple[int, ...]) -> np.ndarray:
    """Mask (H, W) of the pixels farther than `half` px from `centre` (square)."""
    mask = np.ones(shape[:2], bool)
    mask[box(centre, half, shape)] = False
    return mask


def test_blur_face_blurs_the_face_box_only() -> None:
    rgb = np.random.default_rng(6).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    image = np.full((NUM_LANDMARKS, 2), 200.0)
    image[list(FACE)] = [[100 + dx, 60 + dy] for dx, dy in zip(range(-5, 6), [0, 3, -3] * 4, strict=False)]
    pose = PoseFrame.from_arrays(image, np.zeros((NUM_LANDMARKS, 3)), width_px=320, height_px=240)
    blurred = blur_face(rgb, pose)
    centre = np.array([100.0, 60.0])
    face, rest = box(centre, 8, rgb.shape), outside(centre, 30, rgb.shape)
    assert laplacian_variance(blurred[face]) < 0.05 * laplacian_variance(rgb[face])
    assert np.array_equal(blurred[rest], rgb[rest])
    assert blur_face(rgb, None) is rgb


@pytest.fixture(scope="module")
def blurred_and_plain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """The side-view stoop lift analysed twice (every 2nd frame), with and without --blur-faces."""
    video = SAMPLE if SAMPLE.is_file() else corpus.write_h264(
        tmp_path_factory.mktemp("sample") / "lift.mp4", corpus.lifter_frames(size=(480, 360), duration_s=6.0)
    )
    outputs = []
    for blur in (False, True):
        out = tmp_path_factory.mktemp("blur" if blur else "plain")
        analyze_to_dir(video, out, Config(), AnalysisSettings(stride=2, blur_faces=blur))
        outputs.append(out)
    return outputs[0], outputs[1], json.loads(outputs[1].joinpath("report.json").read_text())


def face_centres(report: dict) -> dict[int, np.ndarray]:
    """Frame index → centre (x, y px) of the face MediaPipe finds in the analysed source video."""
    from posecheck.pose import PoseEstimator
    from posecheck.video import read_frames

    centres = {}
    with PoseEstimator() as estimator:
        for frame in read_frames(report["video"]["path"], stride=2):
            pose = estimator.detect(frame.rgb, frame.time_s * 1000)
            if pose is not None:
                centres[frame.index] = pose.image_xy_px[list(FACE)].mean(axis=0)
    return centres


def decoded(video: Path) -> list[np.ndarray]:
    """All frames of a video as RGB arrays."""
    with av.open(str(video)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def face_sharpness_ratio(plain: np.ndarray, blurred: np.ndarray, centre: np.ndarray) -> float:
    """Sharpness of the blurred run's face box over the plain run's; asserts that the face box changed
    and the frame away from the face (nearly) did not."""
    face = box(centre, FACE_HALF_BOX_PX, plain.shape)
    difference = np.abs(plain.astype(int) - blurred.astype(int)).max(axis=2)
    assert difference[face].mean() > 4
    # Away from the face only H.264's noise differs: a mean of 0.5-1.3 measured (it moves with what else
    # is drawn); blurring the whole frame, even 5x5, gives 4.6 or more.
    assert difference[outside(centre, CONTEXT_HALF_BOX_PX, plain.shape)].mean() < 2.0
    return laplacian_variance(blurred[face]) / laplacian_variance(plain[face])


def test_blur_faces_in_annotated_video(blurred_and_plain: tuple[Path, Path, dict]) -> None:
    plain_dir, blurred_dir, report = blurred_and_plain
    centres = face_centres(report)
    plain, blurred = decoded(plain_dir / "annotated.mp4"), decoded(blurred_dir / "annotated.mp4")
    assert len(plain) == len(blurred) == len(report["frames"])
    ratios = [
        face_sharpness_ratio(plain[row], blurred[row], centres[frame["index"]])
        for row, frame in enumerate(report["frames"])
        if frame["index"] in centres
    ]
    # The skeleton and warnings are drawn over the blurred face, so some sharpness remains.
    assert len(ratios) >= 40 and np.median(ratios) < 0.6 and max(ratios) < 1.0


def test_blur_faces_in_event_images(blurred_and_plain: tuple[Path, Path, dict]) -> None:
    plain_dir, blurred_dir, report = blurred_and_plain
    assert report["events"], "the stoop lift should give a bend_at_waist event with an image"
    centres = face_centres(report)
    for event in report["events"]:
        plain = cv2.cvtColor(cv2.imread(str(plain_dir / event["image"])), cv2.COLOR_BGR2RGB)
        blurred = cv2.cvtColor(cv2.imread(str(blurred_dir / event["image"])), cv2.COLOR_BGR2RGB)
        assert face_sharpness_ratio(plain, blurred, centres[event["peak_frame"]]) < 0.7


# ----- exposure of the web app ---------------------------------------------------------------------


@pytest.mark.skipif(not STREAMLIT_CONFIG.is_file(), reason=".streamlit/config.toml not written yet")
def test_streamlit_binds_to_localhost_and_sends_no_usage_stats() -> None:
    config = tomllib.loads(STREAMLIT_CONFIG.read_text(encoding="utf-8"))
    assert config["server"]["address"] == "localhost"
    assert config.get("browser", {}).get("gatherUsageStats") is False


@pytest.mark.skipif(not APP_PATH.is_file(), reason="app.py not written yet")
def test_uploads_are_stored_in_the_data_dir_under_generated_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from posecheck.store import HistoryStore

    data = tmp_path / "data"
    monkeypatch.setenv("POSECHECK_DATA_DIR", str(data))
    (tmp_path / "phone").mkdir()
    video = corpus.sample_video(tmp_path / "phone")
    hostile_name = "../../Hebe José; rm -rf ~.mp4"
    app = AppTest.from_file(str(APP_PATH), default_timeout=120)
    app.session_state["page"] = "Upload"
    app.run()
    app.file_uploader[0].set_value((hostile_name, video.read_bytes(), "video/mp4"))
    app.run()
    next(button for button in app.button if button.label == "Analyse").click().run()
    assert not app.exception and not app.error

    assert sorted(path.name for path in tmp_path.iterdir()) == ["data", "phone"]  # nothing beside the data dir
    sessions = list((data / "sessions").iterdir())
    assert len(sessions) == 1 and re.fullmatch(r"[0-9a-f]{32}", sessions[0].name)
    stored = sorted(path.name for path in sessions[0].iterdir())
    assert stored == [".posecheck-manifest.json", "annotated.mp4", "events", "metrics.csv", "report.json",
                      "session.json", "source.mp4"]
    assert (sessions[0] / "source.mp4").read_bytes() == video.read_bytes()
    assert list((data / "work").iterdir()) == []
    [summary] = HistoryStore(data).list_sessions()
    assert summary.source_name == hostile_name  # the user's name is kept as text only
