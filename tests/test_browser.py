"""End to end in a real browser: `streamlit run app.py` driven by Playwright on Debian's /usr/bin/chromium.

(1) Upload: a stoop lift is analysed and a bend_at_waist event card appears.
(2) Live: Chromium's fake camera plays the same stoop lift (a Y4M file) over WebRTC; the page shows
    the warning and counts bend_at_waist events, and STOP saves the session to the history.
Screenshots go to test-artifacts/.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

CHROMIUM = Path(os.environ.get("POSECHECK_CHROMIUM", "/usr/bin/chromium"))  # another build for local runs
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STARTUP_TIMEOUT_S = 60
ANALYSIS_TIMEOUT_MS = 180_000
LIVE_TIMEOUT_MS = 120_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs {CHROMIUM} (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer on {url} within {STARTUP_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free port with an empty history; its URL."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("history")
    log = (tmp_path_factory.mktemp("logs") / "streamlit.log").open("w")
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless", "true",
        "--server.port", str(port), "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]
    process = subprocess.Popen(
        command, cwd=REPO, env={**os.environ, "POSECHECK_DATA_DIR": str(data_dir)}, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://localhost:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def fake_camera_file(stoop_lift_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stoop lift as an uncompressed I420 Y4M file, for Chromium's fake camera."""
    path = tmp_path_factory.mktemp("camera") / "stoop_lift_side.y4m"
    with av.open(str(stoop_lift_video)) as container, path.open("wb") as out:
        stream = container.streams.video[0]
        rate = stream.average_rate
        header_written = False
        for frame in container.decode(stream):
            if not header_written:
                out.write(f"YUV4MPEG2 W{frame.width} H{frame.height} F{rate.numerator}:{rate.denominator} "
                          "Ip A1:1 C420jpeg\n".encode())
                header_written = True
            out.write(b"FRAME\n" + frame.reformat(format="yuv420p").to_ndarray().tobytes())
    return path


@pytest.fixture(scope="module")
def browser(fake_camera_file: Path) -> Iterator["sync_api.Browser"]:
    fake_camera = [
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_camera_file}",
    ]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + fake_camera)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: "sync_api.Browser", app_url: str) -> Iterator["sync_api.Page"]:
    context = browser.new_context(viewport={"width": 1300, "height": 1800})
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("heading", name="Live check").wait_for(timeout=30_000)
    yield page
    context.close()


def screenshot(page: "sync_api.Page", name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def open_page(page: "sync_api.Page", name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(name, exact=True).click()


def test_upload_shows_a_bend_at_waist_event(page: "sync_api.Page", stoop_lift_video: Path) -> None:
    open_page(page, "Upload")
    page.get_by_role("heading", name="Upload a video").wait_for()
    page.locator("input[type=file]").set_input_files(str(stoop_lift_video))
    page.get_by_role("button", name="Analyse").click()

    try:
        page.get_by_role("heading", name=re.compile(r"Events \(\d+\)")).wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    finally:
        screenshot(page, "upload_result.png")
    card = page.locator("[class*='st-key-event-bend_at_waist']").first
    # Streamlit renders the page in pieces: the heading can arrive before the cards under it.
    card.wait_for(timeout=30_000)
    assert "Bending at the waist" in card.inner_text()
    card.locator("img").wait_for()  # the peak-frame image
    page.wait_for_timeout(1000)
    screenshot(page, "upload_result.png")
    assert page.get_by_test_id("stException").count() == 0


HOSTILE_NAME = "![x](http://127.0.0.1:9/leak.png) **bold** <img src=leak2.png> :red[red] [a](leak3.html).mp4"


def test_a_hostile_file_name_is_shown_as_written_and_fetches_nothing(
    page: "sync_api.Page", stoop_lift_video: Path
) -> None:
    """Issue 15: an image link in an uploaded file's name made the browser fetch its URL."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_page(page, "Upload")
    page.get_by_role("heading", name="Upload a video").wait_for()
    page.locator("input[type=file]").set_input_files(
        {"name": HOSTILE_NAME, "mimeType": "video/mp4", "buffer": stoop_lift_video.read_bytes()}
    )
    page.get_by_role("button", name="Analyse").click()

    heading = page.get_by_role("heading", name=re.compile(r"^Result: "))
    try:
        heading.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    finally:
        screenshot(page, "hostile_name.png")
    assert heading.inner_text().replace("\u200b", "").strip() == f"Result: {HOSTILE_NAME}"
    links_out = "img[src*='leak'], a[href*='leak']:not([href^='#'])"  # the heading's own #anchor stays
    assert heading.locator(f"strong, b, {links_out}").count() == 0
    assert page.locator(links_out).count() == 0
    assert not [url for url in requested if "leak" in url]
    assert page.get_by_test_id("stException").count() == 0


def event_count(page: "sync_api.Page", title: str) -> int:
    """The running count shown in the Live page's metric labelled `title` (-1 if not shown yet)."""
    metric = page.get_by_test_id("stMetric").filter(has_text=title)
    if metric.count() == 0:
        return -1
    value = metric.first.get_by_test_id("stMetricValue").inner_text()
    return int(re.sub(r"\D", "", value) or -1)


def test_live_warns_and_saves_the_session(page: "sync_api.Page") -> None:
    webrtc = page.frame_locator("iframe[title*='webrtc']")
    webrtc.get_by_role("button", name="START").click()
    warning = page.get_by_text("WARNING: Bending at the waist")
    deadline = time.monotonic() + LIVE_TIMEOUT_MS / 1000
    seen_warning, count = False, -1
    try:
        while time.monotonic() < deadline and not (seen_warning and count >= 1):
            if not seen_warning and warning.count():
                seen_warning = True
                screenshot(page, "live_warning.png")
            page.wait_for_timeout(250)
            count = event_count(page, "Bending at the waist")
        screenshot(page, "live_counts.png")
    finally:
        webrtc.get_by_role("button", name="STOP").click()
    assert seen_warning, "the page never showed the bend_at_waist warning"
    assert count >= 1, "the page never counted a bend_at_waist event"

    page.get_by_text(re.compile(r"Saved live session #\d+")).wait_for(timeout=30_000)
    open_page(page, "Review")
    page.get_by_role("heading", name="Review").wait_for()
    card = page.locator("[class*='st-key-event-bend_at_waist']").first
    card.locator("img").wait_for(timeout=30_000)  # the live session's peak-frame image
    page.wait_for_timeout(1000)
    screenshot(page, "live_review.png")
