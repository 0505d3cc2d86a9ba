"""The Streamlit app with AppTest: Upload (analysis, task details, risk scores, errors, size limit), Review
(cards, filter, jump, delete, risk scores) and Guide. The Live page needs a browser (tests/test_browser.py)."""

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

import posecheck.run
from posecheck.advice import ADVICE, RED_FLAGS
from posecheck.config import Config
from posecheck.outputs.files import write_jpeg
from posecheck.run import analyze_to_dir
from posecheck.store import HistoryStore
from posecheck.video import H264Writer

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT_S = 180


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("POSECHECK_DATA_DIR", str(path))
    return path


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.session_state["page"] = page
    return at.run()


def texts(at: AppTest, kind: str) -> list[str]:
    return [element.value for element in getattr(at, kind)]


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="upload_file").upload(name, content, "video/mp4").run()
    return at.button(key="upload_analyse").click().run()


def test_upload_analyses_shows_and_saves(data_dir: Path, stoop_lift_video: Path) -> None:
    at = open_page("Upload")
    assert "200 MB" in " ".join(texts(at, "markdown"))
    assert at.toggle(key="upload_blur").value is True  # blur faces in exports: on by default

    upload(at, "my lift.mp4", stoop_lift_video.read_bytes())

    assert not at.exception and not at.error
    assert len(at.get("video")) == 1
    downloads = sorted(button.proto.label for button in at.get("download_button"))
    assert downloads == ["Download annotated.mp4", "Download metrics.csv", "Download report.json",
                         "Download the assessment report (PDF)"]
    assert any("Lifts counted" in metric.label for metric in at.metric)
    [saved] = HistoryStore(data_dir).list_sessions()
    assert (saved.kind, saved.source_name) == ("upload", "my lift.mp4")
    record = HistoryStore(data_dir).load_session(saved.id)
    assert record.report_summary.settings.blur_faces is True
    assert record.source_path.name == "source.mp4"

    at.run()  # a rerun shows the saved result instead of analysing again
    assert len(HistoryStore(data_dir).list_sessions()) == 1 and len(at.get("video")) == 1


def page_text(at: AppTest) -> str:
    """Every markdown, caption and info text of the page, and the cells of its tables, as one string."""
    tables = [table.value.to_string() for table in at.table]
    return " ".join(texts(at, "markdown") + texts(at, "caption") + texts(at, "info") + tables)


def test_upload_with_task_details_shows_reba_and_niosh(data_dir: Path, stoop_lift_video: Path) -> None:
    at = open_page("Upload")
    at.number_input(key="task_load_kg").set_value(10.0)
    at.selectbox(key="task_coupling").set_value("fair")
    at.selectbox(key="task_work_duration").set_value("1-2h")
    at.number_input(key="task_stature_m").set_value(1.75)

    upload(at, "box.mp4", stoop_lift_video.read_bytes())

    assert not at.exception and not at.error
    [saved] = HistoryStore(data_dir).list_sessions()
    niosh = HistoryStore(data_dir).load_session(saved.id).report_summary.niosh
    assert (niosh.load_kg, niosh.coupling, niosh.work_duration) == (10.0, "fair", "1-2h")
    assert niosh.length_source != "world landmarks"  # the stature set the scale
    text = page_text(at)
    assert "Risk scores" in [header.value for header in at.subheader]
    assert "Worst REBA score" in text and "Driven by: " in text and "wrist not measured" in text
    lifts = at.table[-1].value
    assert {"RWL (kg)", "LI (risk)"} <= set(lifts.columns)
    assert "risk)" in lifts["LI (risk)"].iloc[0] and "enter the load weight" not in text
    assert "not a diagnosis" in text
    assert len(at.get("vega_lite_chart")) == 2  # the angle chart and the REBA chart


def test_upload_of_a_broken_file_is_a_friendly_error(data_dir: Path) -> None:
    at = upload(open_page("Upload"), "holiday.mp4", b"this is not a video")

    assert not at.exception
    [message] = texts(at, "error")
    assert message.startswith("Could not analyse holiday\\.mp4")  # the name escaped: shown as written
    assert str(data_dir) not in message and "Traceback" not in message
    assert HistoryStore(data_dir).list_sessions() == []
    assert not list((data_dir / "work").iterdir())


def test_upload_with_an_unexpected_error_is_reported_and_leaves_no_trace(
    data_dir: Path, stoop_lift_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_analysis(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(posecheck.run, "analyze_to_dir", broken_analysis)
    at = upload(open_page("Upload"), "box.mp4", stoop_lift_video.read_bytes())

    assert not at.exception
    assert texts(at, "error") == [
        "Something went wrong analysing this video: ZeroDivisionError: division by zero. Please report it."
    ]
    assert HistoryStore(data_dir).list_sessions() == []
    assert not list((data_dir / "work").iterdir())


def test_upload_refuses_a_stature_out_of_range(data_dir: Path) -> None:
    at = open_page("Upload")
    at.number_input(key="task_stature_m").set_value(0.5).run()

    assert not at.exception
    assert texts(at, "error") == ["Task details: ergonomics.stature_m must be 0 (unknown) or in [1.0, 2.5] m."]


@pytest.fixture
def upload_limit_1mb() -> Iterator[None]:
    previous = streamlit_config.get_option("server.maxUploadSize")
    streamlit_config.set_option("server.maxUploadSize", 1)
    yield
    streamlit_config.set_option("server.maxUploadSize", previous)


def test_upload_over_the_limit_is_refused(data_dir: Path, upload_limit_1mb: None) -> None:
    at = open_page("Upload")
    at.file_uploader(key="upload_file").upload("big.mp4", b"0" * (2 * 1024 * 1024), "video/mp4").run()

    assert not at.exception
    assert texts(at, "error") == ["big\\.mp4 is 2 MB; the limit is 1 MB. Trim the video or lower its resolution."]
    assert not at.button  # no Analyse button


def seed_session(data_dir: Path, twist_confidence: bool = False, quiet_carry: bool = False) -> int:
    """Save a session with a real (tiny) video, two bend events and one twist event.

    With `twist_confidence`, metrics.csv has a torso_twist_confidence column: 0.4 for the first 3 s
    (below the rule's 0.65), 0.9 after.
    """
    store = HistoryStore(data_dir)
    work = store.open_work_dir()
    with H264Writer(work / "annotated.mp4", 10, 64, 48) as writer:
        for _ in range(60):
            writer.write(np.zeros((48, 64, 3), np.uint8))
    (work / "events").mkdir()
    events = [_event("bend_at_waist", 0.5, 12), _event("twist_under_load", 2.0, 25), _event("bend_at_waist", 4.0, 47)]
    for event in events:
        write_jpeg(work / event["image"], np.full((48, 64, 3), 200, np.uint8))
    summary = {
        "frames_analysed": 60, "frames_with_pose": 60, "pose_detected_ratio": 1.0, "lifts_counted": 2,
        "events_total": 3, "events_by_rule": {"bend_at_waist": 2, "twist_under_load": 1},
        "worst_moments": [{"rule": "bend_at_waist", "peak_s": 4.7, "peak_value": 85.0, "severity": "high"}],
        "verdict": "Check your technique: bending at the waist (2x), twisting while holding a load (1x).",
    }
    report = {
        "video": {"path": "x", "fps": 10.0, "frame_count": 60, "width": 64, "height": 48, "duration_s": 6.0},
        "frames": [], "events": events, "summary": summary,
    }
    if quiet_carry:  # no event, and a clip starting with the hands held up: the load state not inferred
        report["events"] = []
        summary.update(events_total=0, events_by_rule={}, worst_moments=[], lifts_counted=0,
                       verdict="No risky lifting technique detected.",
                       load={"mode": "auto", "changes": [], "start_not_inferred": True,
                             "twists_if_loaded": [{"start_s": 1.6, "end_s": 4.3, "peak_deg": -31.4}]})
    (work / "report.json").write_text(json.dumps(report))
    header = "index,time_s,trunk_flexion_deg,knee_flexion_deg,torso_twist_deg"
    rows = [f"{i},{i / 10},{40 + i % 30},{10 + i % 5},{i % 7}" for i in range(60)]
    if twist_confidence:
        header += ",torso_twist_confidence"
        rows = [f"{row},{0.4 if i < 30 else 0.9}" for i, row in enumerate(rows)]
    (work / "metrics.csv").write_text("\n".join([header, *rows]) + "\n")
    return store.save_upload_analysis(work, "warehouse.mp4")


def _event(rule: str, start_s: float, peak_frame: int) -> dict:
    advice = ADVICE[rule]
    return {
        "rule": rule, "start_s": start_s, "end_s": start_s + 1.0, "peak_s": peak_frame / 10, "peak_value": 70.0,
        "metric": "trunk_flexion_deg" if rule == "bend_at_waist" else "torso_twist_deg", "severity": "high",
        "message": advice.message, "source": advice.source, "start_frame": int(start_s * 10),
        "end_frame": int(start_s * 10) + 10, "peak_frame": peak_frame, "image": f"events/{rule}_{peak_frame}.jpg",
    }


def event_titles(at: AppTest) -> list[str]:
    return [text for text in texts(at, "markdown") if text.startswith("#### ")]


def test_review_shows_every_event_with_advice_and_filters(data_dir: Path) -> None:
    session_id = seed_session(data_dir)
    at = open_page("Review")

    assert not at.exception
    assert at.selectbox(key="review_session").value == session_id
    assert len(event_titles(at)) == 3 and len(at.image) == 3
    page_text = " ".join(texts(at, "markdown") + texts(at, "caption"))
    assert ADVICE["bend_at_waist"].message in page_text
    assert ADVICE["twist_under_load"].source in page_text

    assert any("No risk scores for this session" in text for text in texts(at, "info"))  # saved before REBA

    at.multiselect(key=f"filter_{session_id}").set_value(["twist_under_load"]).run()
    assert [title.split(" :")[0] for title in event_titles(at)] == ["#### Twisting while holding a load"]


def test_review_shows_the_risk_scores_of_a_saved_analysis(data_dir: Path, stoop_lift_video: Path) -> None:
    store = HistoryStore(data_dir)
    work = store.open_work_dir()
    analyze_to_dir(stoop_lift_video, work, Config())  # load weight unknown
    session_id = store.save_upload_analysis(work, "unknown load.mp4")

    at = open_page("Review")

    assert not at.exception and at.selectbox(key="review_session").value == session_id
    text = page_text(at)
    assert "REBA" in text and "Worst REBA score" in text and "load weight unknown" in text
    lifts = at.table[-1].value
    assert "RWL (kg)" in lifts.columns
    assert set(lifts["LI (risk)"]) == {"enter the load weight for the LI"}


def chart_lines(at: AppTest) -> pd.DataFrame:
    """The angle chart's line data (time_s, angle, degrees) as the browser receives it."""
    proto = at.get("vega_lite_chart")[0].proto
    tables = [pa.ipc.open_stream(dataset.data.data).read_all().to_pandas() for dataset in proto.datasets]
    return next(table for table in tables if "angle" in table.columns)


def test_no_event_with_the_load_undecided_is_no_all_clear(data_dir: Path) -> None:
    """A carry filmed mid-way under "let posecheck decide": no event, but twist under load was not judged,
    so the verdict is not shown as a green all-clear and says what was not judged."""
    seed_session(data_dir, quiet_carry=True)
    at = open_page("Review")
    assert not at.exception
    assert not [text for text in texts(at, "success") if "No risky" in text]
    assert any("No risky" in text and "not judged" in text for text in texts(at, "info"))
    assert any("twisted 31° at 1.6-4.3 s" in text for text in texts(at, "info"))


def test_review_chart_sets_apart_twist_the_rule_does_not_judge(data_dir: Path) -> None:
    seed_session(data_dir, twist_confidence=True)
    lines = chart_lines(open_page("Review")).dropna()
    low = lines[lines.angle == "Twist (not judged)"]
    judged = lines[lines.angle == "Twist"]
    assert len(low) == len(judged) == 30
    assert low.time_s.max() < 3.0 <= judged.time_s.min()


def test_review_jumps_the_video_to_an_event(data_dir: Path) -> None:
    session_id = seed_session(data_dir)
    at = open_page("Review")
    assert at.get("video")[0].proto.start_time == 0

    at.button(key=f"jump_{session_id}_2").click().run()  # third event: peak frame 47 at 10 fps

    assert at.get("video")[0].proto.start_time == 4


def worker_facing_text(at: AppTest) -> str:
    """The page's text outside the expanders that hold the details for safety staff."""
    staff = {id(element) for expander in at.expander for kind in ("markdown", "caption", "table")
             for element in getattr(expander, kind)}
    shown = [element for kind in ("markdown", "caption", "info", "warning", "success", "subheader")
             for element in getattr(at, kind) if id(element) not in staff]
    return " ".join(str(element.value) for element in shown)


def with_risk_scores(data_dir: Path, session_id: int, reba_worst_s: float) -> None:
    """Give a seeded session REBA (worst at `reba_worst_s`) and NIOSH results, as report.json has them."""
    folder = HistoryStore(data_dir).load_session(session_id).directory
    report = json.loads((folder / "report.json").read_text())
    report["summary"]["reba"] = {
        "frames_scored": 60, "time_share_by_risk": {"negligible": 0.5, "medium": 0.5},
        "worst": {"time_s": reba_worst_s, "score": 5, "risk": "medium", "action_level": 2, "action": "Necessary",
                  "drivers": [{"part": "trunk", "score": 4, "max_score": 5, "value_deg": 70.0}]},
        "assumptions": ["wrist not measured: wrist score 1 assumed"],
    }
    report["summary"]["niosh"] = {
        "lifts": [{"lift": 1, "start_s": 0.2, "end_s": 3.0, "origin": {"H_cm": 40, "V_cm": 30, "A_deg": 0},
                   "destination": {"H_cm": 35, "V_cm": 100, "A_deg": 0}, "D_cm": 70, "RWL_kg": 11.2, "LI": None,
                   "risk_band": None, "governing_end": "origin",
                   "limiting_factors": ["hands 40 cm from the ankles: HM 0.63 — bring the load closer to the body"]}],
        "frequency_lifts_per_min": 0.2, "frequency_source": "single-lift default", "load_kg": None,
        "coupling": "good", "work_duration": "<=1h",
        "assumptions": ["metres from the pose model's world landmarks: leg length 0.79 m"],
    }
    (folder / "report.json").write_text(json.dumps(report))
    with sqlite3.connect(data_dir / "history.sqlite3") as db:
        db.execute("UPDATE sessions SET summary_json = ? WHERE id = ?", (json.dumps(report["summary"]), session_id))


def test_review_speaks_plain_words_with_technical_detail_for_staff(data_dir: Path) -> None:
    """Issue 17 (4): no metric ids or developer terms in what a worker reads; they stay in the staff expanders."""
    session_id = seed_session(data_dir)
    with_risk_scores(data_dir, session_id, reba_worst_s=1.0)
    at = open_page("Review")

    assert not at.exception
    shown = worker_facing_text(at)
    assert "back bent forward 70°" in shown and "What to do:" in shown
    for technical in ("_deg", "_rel", "world landmarks", "action level", "H is measured", "1 events"):
        assert technical not in shown, technical
    staff = " ".join(str(element.value) for expander in at.expander for element in expander.markdown)
    assert "trunk_flexion_deg" in staff and "action level 2" in staff


def test_niosh_shows_its_assumptions_beside_the_result(data_dir: Path) -> None:
    """Issue 17 (6): coupling, duration and the unknown load are in view where the NIOSH result is."""
    session_id = seed_session(data_dir)
    with_risk_scores(data_dir, session_id, reba_worst_s=1.0)
    shown = worker_facing_text(open_page("Review"))
    assert "Assumed for this result:" in shown
    assert all(words in shown for words in ("good grip", "lifting up to 1 h per shift", "load weight not given"))
    assert "recommended weight limit **11.2 kg**" in shown


def test_review_says_when_the_worst_reba_moment_is_outside_the_flags(data_dir: Path) -> None:
    """Issue 17 (8): the seeded events span 0.5-1.5, 2.0-3.0 and 4.0-5.0 s."""
    inside, outside = seed_session(data_dir), seed_session(data_dir)
    with_risk_scores(data_dir, inside, reba_worst_s=1.0)
    with_risk_scores(data_dir, outside, reba_worst_s=3.5)
    at = open_page("Review")
    assert at.selectbox(key="review_session").value == outside
    assert "is outside the flagged events" in worker_facing_text(at)
    at.selectbox(key="review_session").set_value(inside).run()
    assert "is outside the flagged events" not in worker_facing_text(at)


def test_review_pages_a_long_session(data_dir: Path) -> None:
    """Issue 17 (7): a long live session shows its events a few at a time, not all at once."""
    session_id = seed_session(data_dir)
    with sqlite3.connect(data_dir / "history.sqlite3") as db:  # 3 events -> 12
        rows = db.execute("SELECT * FROM events WHERE session_id = ?", (session_id,)).fetchall()
        width = len(rows[0])
        for _copy in range(3):
            db.executemany(f"INSERT INTO events VALUES ({', '.join('?' * width)})",
                           [(None, *row[1:]) for row in rows])
    at = open_page("Review")
    assert len(event_titles(at)) == 5
    pages = at.selectbox(key=f"events_page_{session_id}")
    assert pages.options == ["1–5 of 12", "6–10 of 12", "11–12 of 12"]
    pages.set_value("11–12 of 12").run()
    assert len(event_titles(at)) == 2


def test_review_deletes_a_session(data_dir: Path) -> None:
    session_id = seed_session(data_dir)
    at = open_page("Review")
    at.button(key=f"ask_delete_{session_id}").click().run()
    assert [session.id for session in HistoryStore(data_dir).list_sessions()] == [session_id]  # asked first
    at.button(key=f"keep_{session_id}").click().run()
    assert [session.id for session in HistoryStore(data_dir).list_sessions()] == [session_id]
    at.button(key=f"ask_delete_{session_id}").click().run()
    at.button(key=f"delete_{session_id}").click().run()

    assert not at.exception
    assert HistoryStore(data_dir).list_sessions() == []
    assert any("No sessions yet" in text for text in texts(at, "info"))


def test_guide_states_red_flags_and_no_diagnosis(data_dir: Path) -> None:
    at = open_page("Guide")
    page_text = " ".join(texts(at, "markdown") + texts(at, "warning") + texts(at, "error"))
    assert "does not diagnose" in page_text
    assert all(flag in page_text for flag in RED_FLAGS)
    assert "hip hinge" in page_text and "Bird Dog" in page_text
    # Issue 17 (4): the whole guide is shown from the copy inside the package, not a path outside it.
    guide = " ".join(texts(at, "text"))
    assert "When lifting an object, maintain a wide stance" in guide and "cauda equina" in guide
    assert "shared/seed" not in " ".join(texts(at, "caption"))


# ----- data safety: hostile names, a damaged history, an unwritable data directory --------------------

HOSTILE_NAME = "![x](http://127.0.0.1:9/leak.png) **bold** <b>html</b> :red[red] :smile: $x^2$ [a](javascript:x).mp4"
MARKDOWN_SYNTAX = set("![]()*<>:$^`_#|~&\\")


def unescaped(markdown: str) -> str:
    """What the escaped text stands for: backslash escapes and zero-width spaces taken out."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def assert_literal(markdown: str, text: str) -> None:
    """`markdown` renders as `text` itself: every Markdown character in it escaped, no `:name:` formed."""
    assert unescaped(markdown) == text
    bare = re.sub(r"\\.", "", markdown)
    assert not MARKDOWN_SYNTAX & set(bare), bare
    assert not re.search(r":\w", re.sub(r"\\(.)", r"\1", markdown))  # no :emoji: nor :red[...] can form


def test_a_hostile_file_name_is_shown_as_text(data_dir: Path) -> None:
    at = upload(open_page("Upload"), HOSTILE_NAME, b"this is not a video")

    assert not at.exception
    [message] = texts(at, "error")
    name = re.match(r"Could not analyse ((?:\\.|[^\\:])*): ", message)
    assert name is not None, message
    assert_literal(name.group(1), HOSTILE_NAME)


def test_a_hostile_file_name_is_a_literal_result_heading(data_dir: Path, stoop_lift_video: Path) -> None:
    at = upload(open_page("Upload"), HOSTILE_NAME, stoop_lift_video.read_bytes())

    assert not at.exception and not at.error
    [heading] = [text for text in texts(at, "subheader") if text.startswith("Result: ")]
    assert_literal(heading.removeprefix("Result: "), HOSTILE_NAME)
    [saved] = HistoryStore(data_dir).list_sessions()
    assert saved.source_name == HOSTILE_NAME  # stored as the text it is


def test_an_unwritable_work_folder_is_a_friendly_error(data_dir: Path, stoop_lift_video: Path) -> None:
    at = open_page("Upload")  # the history is open; then its work folder becomes unusable
    shutil.rmtree(data_dir / "work")
    (data_dir / "work").write_text("not a folder")

    at = upload(at, "lift.mp4", stoop_lift_video.read_bytes())

    assert not at.exception
    assert texts(at, "error") == [
        "Could not analyse lift\\.mp4: cannot create a work directory in the data directory\\:\u200b Not a directory."]


def test_review_survives_a_garbled_database(data_dir: Path) -> None:
    seed_session(data_dir)
    seed_session(data_dir)
    (data_dir / "history.sqlite3").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)

    at = open_page("Review")

    assert not at.exception and not at.error
    [notice] = [text for text in texts(at, "warning") if "damaged" in text]  # beside the verdict
    assert unescaped(notice).startswith("The history database was damaged (")
    assert "2 session(s) restored" in unescaped(notice)
    assert len(at.selectbox(key="review_session").options) == 2 and len(event_titles(at)) == 3
    assert len(list((data_dir / "sessions").iterdir())) == 2


def test_review_survives_an_empty_database_and_deletes_nothing(data_dir: Path) -> None:
    seed_session(data_dir)
    folders = sorted((data_dir / "sessions").iterdir())
    (data_dir / "history.sqlite3").write_bytes(b"")

    at = open_page("Review")

    assert not at.exception and not at.error
    assert sorted((data_dir / "sessions").iterdir()) == folders
    assert all((folder / "source.mp4").is_file() or (folder / "report.json").is_file() for folder in folders)
    assert len(at.selectbox(key="review_session").options) == 1 and len(event_titles(at)) == 3


def test_review_of_a_session_with_a_damaged_report_is_one_error_line(data_dir: Path) -> None:
    session_id = seed_session(data_dir)
    bad = json.dumps({"events_total": 3, "verdict": "x", "pose_detected_ratio": "not a number"})
    with sqlite3.connect(data_dir / "history.sqlite3") as db:
        db.execute("UPDATE sessions SET summary_json = ? WHERE id = ?", (bad, session_id))

    at = open_page("Review")

    assert not at.exception
    [message] = texts(at, "error")
    assert unescaped(message).startswith(f"Session #{session_id} cannot be shown (its files are damaged): ")


def test_an_unusable_sessions_folder_is_one_line_without_internal_paths(data_dir: Path, stoop_lift_video: Path) -> None:
    """The analysis succeeds but cannot be moved into the history: no path of the data directory is shown."""
    at = open_page("Upload")
    shutil.rmtree(data_dir / "sessions")
    (data_dir / "sessions").write_text("not a folder")

    at = upload(at, "lift.mp4", stoop_lift_video.read_bytes())

    assert not at.exception
    assert texts(at, "error") == [
        "Could not analyse lift\\.mp4: cannot move the analysis into the history\\:\u200b Not a directory."]
    assert list((data_dir / "work").iterdir()) == []  # the finished analysis was discarded, not left behind
