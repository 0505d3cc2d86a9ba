"""End to end in a real browser: `streamlit run app.py` driven by Playwright on Debian's /usr/bin/chromium.

(1) Upload: a stoop lift is analysed and a bend_at_waist event card appears.
(2) Live: Chromium's fake camera plays the same stoop lift (a Y4M file) over WebRTC; at 1400 x 900 the page
    shows the video, the warning and the event counts together without scrolling, and STOP saves the session
    to the history with every event's image drawn at its peak with its warning banner.
(3) Every page at a desktop (1400 x 900) and a phone (400 x 850) viewport: top navigation (nothing stays
    open over the page), no developer menu, Review's "Watch this moment" scrolls to the player and seeks
    it to the event's exact start, "Delete session" asks first, times in the browser's time zone.
Screenshots go to test-artifacts/.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from posecheck.advice import ADVICE
from posecheck.annotate import WARN
from posecheck.outputs.files import write_jpeg
from posecheck.rules import RULE_IDS
from posecheck.store import HistoryStore
from posecheck.video import H264Writer

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
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 400, "height": 850}

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
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's data directory (empty at the start of the module)."""
    return tmp_path_factory.mktemp("history")


@pytest.fixture(scope="module")
def app_url(history_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free port with the history in `history_dir`; its URL."""
    port = free_port()
    data_dir = history_dir
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


def open_app(browser: "sync_api.Browser", app_url: str, viewport: dict[str, int], **options: Any) -> "sync_api.Page":
    """A new browser context on the app's Live page."""
    page = browser.new_context(viewport=viewport, **options).new_page()
    page.goto(app_url)
    page.get_by_role("heading", name="Live check").wait_for(timeout=30_000)
    return page


@pytest.fixture
def page(browser: "sync_api.Browser", app_url: str) -> Iterator["sync_api.Page"]:
    page = open_app(browser, app_url, {"width": 1300, "height": 1800})
    yield page
    page.context.close()


@pytest.fixture
def desktop(browser: "sync_api.Browser", app_url: str) -> Iterator["sync_api.Page"]:
    page = open_app(browser, app_url, DESKTOP, timezone_id="America/New_York")
    yield page
    page.context.close()


@pytest.fixture
def phone(browser: "sync_api.Browser", app_url: str) -> Iterator["sync_api.Page"]:
    page = open_app(browser, app_url, PHONE, timezone_id="America/New_York", is_mobile=True, has_touch=True)
    yield page
    page.context.close()


def screenshot(page: "sync_api.Page", name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def open_page(page: "sync_api.Page", name: str) -> None:
    page.get_by_test_id("stButtonGroup").first.get_by_text(name, exact=True).click()


def in_view(page: "sync_api.Page", locator: "sync_api.Locator") -> bool:
    """Whether the element is wholly inside the viewport as it is (no scrolling)."""
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] \
        and box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 1


def test_upload_shows_a_bend_at_waist_event(desktop: "sync_api.Page", stoop_lift_video: Path) -> None:
    page = desktop
    open_page(page, "Upload")
    page.get_by_role("heading", name="Upload a video").wait_for()
    page.locator("input[type=file]").set_input_files(str(stoop_lift_video))
    page.get_by_role("button", name="Analyse").click()

    try:
        page.get_by_role("heading", name=re.compile(r"Events \(\d+\)")).wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    finally:
        screenshot(page, "upload_result.png")
    page.wait_for_timeout(1000)
    result = page.get_by_role("heading", name=re.compile(r"^Result: "))
    assert in_view(page, result), result.bounding_box()  # the page scrolled down to the result
    card = page.locator("[class*='st-key-event-bend_at_waist']").first
    # Streamlit renders the page in pieces: the heading can arrive before the cards under it.
    card.wait_for(timeout=30_000)
    assert "Bending at the waist" in card.inner_text()
    card.locator("img").wait_for()  # the peak-frame image
    page.wait_for_timeout(1000)
    screenshot(page, "upload_result.png")
    assert page.get_by_test_id("stException").count() == 0
    # Issue 17 (9): the printable report to file or hand on.
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name=re.compile("Download the assessment report")).click()
    assert download.value.suggested_filename.endswith("-report.pdf")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


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


def counts_block(page: "sync_api.Page") -> "sync_api.Locator":
    return page.get_by_test_id("stMarkdownContainer").filter(has_text="Events this session").last


def test_live_warns_and_saves_the_session(desktop: "sync_api.Page", history_dir: Path) -> None:
    page = desktop
    webrtc = page.frame_locator("iframe[title*='webrtc']")
    webrtc.get_by_role("button", name="START").click()
    warning = page.get_by_test_id("stAlert").filter(has_text="WARNING: Bending at the waist")
    deadline = time.monotonic() + LIVE_TIMEOUT_MS / 1000
    seen_together, count = False, -1
    try:
        while time.monotonic() < deadline and not (seen_together and count >= 1):
            if not seen_together and warning.count():
                # Issue 17 (1): the video, the current warning and the counts in view together at 1400 x 900.
                seen_together = all(in_view(page, element) for element in (
                    page.locator("iframe[title*='webrtc']"), warning.first, counts_block(page)))
                screenshot(page, "live_warning_desktop.png")
            page.wait_for_timeout(250)
            count = event_count(page, "Bending at the waist")
        counts_text = counts_block(page).inner_text()
        screenshot(page, "live_counts.png")
    finally:
        webrtc.get_by_role("button", name="STOP").click()
    assert seen_together, "the warning was never shown in view beside the video and the counts"
    assert count >= 1, "the page never counted a bend_at_waist event"
    assert all(ADVICE[rule].title in counts_text for rule in RULE_IDS)  # whole labels, none cut short
    assert page.get_by_text("Deploy").count() == 0 and page.get_by_test_id("stMainMenu").count() == 0
    assert not page.get_by_test_id("stStatusWidget").is_visible()  # one STOP on the page, not two

    page.get_by_text(re.compile(r"Saved live session #\d+")).wait_for(timeout=30_000)
    assert_live_event_images(history_dir)
    with page.expect_download(timeout=60_000) as download:  # the live session's report, straight away
        page.get_by_role("button", name=re.compile("Download the assessment report")).click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    open_page(page, "Review")
    page.get_by_role("heading", name="Review").wait_for()
    card = page.locator("[class*='st-key-event-bend_at_waist']").first
    card.locator("img").wait_for(timeout=30_000)  # the live session's peak-frame image
    page.wait_for_timeout(1000)
    screenshot(page, "live_review.png")


def assert_live_event_images(history_dir: Path) -> None:
    """Issue 17 (2): every event of the live session has its own peak frame's image, under a red banner."""
    store = HistoryStore(history_dir)
    [live] = [session for session in store.list_sessions() if session.kind == "live"][:1]
    record = store.load_session(live.id)
    assert record.events
    for event in record.events:
        assert event.image_path is not None and event.image_path.name.endswith(f"frame{event.peak_frame:06d}.jpg")
        with av.open(str(event.image_path)) as container:
            image = next(container.decode(video=0)).to_ndarray(format="rgb24")
        top = np.median(image[2:6].reshape(-1, 3), axis=0)
        assert np.abs(top - np.array(WARN)).max() < 40, (event.image_path.name, top)


def event_count(page: "sync_api.Page", title: str) -> int:
    """The running count the Live page shows for the rule titled `title` (-1 if not shown yet)."""
    block = counts_block(page)
    if block.count() == 0:
        return -1
    found = re.search(rf"(\d+) · {re.escape(title)}", block.inner_text())
    return int(found.group(1)) if found else -1


def seed_session_with_an_event_at(history_dir: Path, start_s: float, name: str) -> int:
    """A saved upload with a 10 s video (10 fps) and one bend_at_waist event starting at `start_s`."""
    store = HistoryStore(history_dir)
    work = store.open_work_dir()
    with H264Writer(work / "annotated.mp4", 10, 320, 240) as writer:
        for index in range(100):
            writer.write(np.full((240, 320, 3), 2 * index, np.uint8))
    (work / "events").mkdir()
    start_frame, peak_frame = round(start_s * 10), round(start_s * 10) + 5
    image = f"events/bend_at_waist_frame{peak_frame:06d}.jpg"
    write_jpeg(work / image, np.full((240, 320, 3), 128, np.uint8))
    advice = ADVICE["bend_at_waist"]
    event = {
        "rule": "bend_at_waist", "start_s": start_s, "end_s": start_s + 1.0, "peak_s": peak_frame / 10,
        "peak_value": 80.0, "metric": "trunk_flexion_deg", "severity": "high", "message": advice.message,
        "source": advice.source, "start_frame": start_frame, "end_frame": start_frame + 10,
        "peak_frame": peak_frame, "image": image,
    }
    summary = {"frames_analysed": 100, "frames_with_pose": 100, "pose_detected_ratio": 1.0, "lifts_counted": 1,
               "events_total": 1, "events_by_rule": {"bend_at_waist": 1}, "worst_moments": [],
               "verdict": "Check your technique: bending at the waist (1x)."}
    report = {"video": {"path": "x", "fps": 10.0, "frame_count": 100, "width": 320, "height": 240,
                        "duration_s": 10.0}, "frames": [], "events": [event], "summary": summary}
    (work / "report.json").write_text(json.dumps(report))
    (work / "metrics.csv").write_text("index,time_s,trunk_flexion_deg\n" + "".join(
        f"{index},{index / 10},{40 + index % 40}\n" for index in range(100)))
    return store.save_upload_analysis(work, name)


def test_review_jumps_to_the_exact_start_in_view(desktop: "sync_api.Page", history_dir: Path) -> None:
    """Issue 17 (3): the player was ~2,000 px above the button and started at whole seconds."""
    seed_session_with_an_event_at(history_dir, 6.3, "jump.mp4")
    page = desktop
    open_page(page, "Review")
    page.get_by_role("heading", name="Review").wait_for()
    page.wait_for_timeout(1000)
    assert re.search(r"E[SD]T · jump\.mp4", page.content())  # the browser's time zone, not UTC
    button = page.get_by_role("button", name="Watch this moment")
    button.scroll_into_view_if_needed()
    video = page.locator(".st-key-player video")
    assert not in_view(page, video)
    button.click()
    page.wait_for_function("() => { const v = document.querySelector('.st-key-player video');"
                           " return v && v.currentTime > 6.25 && v.currentTime < 7.5; }", timeout=20_000)
    screenshot(page, "review_jump.png")
    box = video.bounding_box()
    assert box is not None and in_view(page, video)  # the player is scrolled into view


def test_delete_asks_first(phone: "sync_api.Page", history_dir: Path) -> None:
    """Issue 17 (8): 'Delete session' deleted at once."""
    session_id = seed_session_with_an_event_at(history_dir, 1.0, "to delete.mp4")
    page = phone
    open_page(page, "Review")
    page.get_by_role("heading", name="Review").wait_for()
    page.get_by_role("button", name=re.compile(rf"Delete session #{session_id}")).click()
    confirm = page.get_by_role("button", name="Delete for good")
    confirm.wait_for()
    assert session_id in {session.id for session in HistoryStore(history_dir).list_sessions()}
    confirm.scroll_into_view_if_needed()
    assert in_view(page, confirm)  # in the page's flow: reachable on a phone (a popover could open off-screen)
    confirm.click()
    page.wait_for_timeout(2000)
    assert session_id not in {session.id for session in HistoryStore(history_dir).list_sessions()}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_fits_the_screen(browser: "sync_api.Browser", app_url: str, history_dir: Path,
                                    viewport: dict[str, int]) -> None:
    """Issue 17 (7): the sidebar stayed open over a phone's page; no developer chrome; nothing wider than
    the screen; on a phone the Live page stacks the video above the status."""
    seed_session_with_an_event_at(history_dir, 2.5, "layout.mp4")
    page = open_app(browser, app_url, viewport)
    name = "desktop" if viewport is DESKTOP else "phone"
    try:
        for title, heading in (("Live", "Live check"), ("Upload", "Upload a video"), ("Review", "Review"),
                               ("Guide", "Guide: lifting without hurting your back")):
            open_page(page, title)
            page.get_by_role("heading", name=heading).wait_for()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(ARTIFACTS / f"page_{title.lower()}_{name}.png"))
            assert not page.get_by_test_id("stSidebar").is_visible()
            assert page.get_by_text("Deploy").count() == 0
            overflow = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollWidth")
            assert overflow <= viewport["width"], title
            shown = page.get_by_test_id("stMain").inner_text()  # closed staff expanders show nothing
            assert not re.search(r"\w+_(deg|rel)\b|world landmarks|action level", shown), title
            if title == "Live":
                status = page.get_by_test_id("stAlert").filter(has_text="START").first
                camera = page.locator("iframe[title*='webrtc']").bounding_box()
                status_box = status.bounding_box()
                side_by_side = status_box["x"] > camera["x"] + camera["width"] - 1
                assert side_by_side == (viewport is DESKTOP), title
        open_page(page, "Guide")  # choosing the page shown again keeps it (the control would clear it)
        page.wait_for_timeout(1500)
        assert page.get_by_role("heading", name="Guide: lifting without hurting your back").is_visible()
    finally:
        page.context.close()


