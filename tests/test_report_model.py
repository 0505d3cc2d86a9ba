"""The typed report (posecheck.outputs.report_model): round trips, old reports, newer schema versions, bad values."""

from __future__ import annotations

import ast
import copy
import dataclasses
import json
from pathlib import Path

import pytest

from posecheck.config import Config
from posecheck.errors import ReportFormatError
from posecheck.outputs import report_model
from posecheck.outputs.report_model import SCHEMA_VERSION, Report, ReportSummary
from posecheck.run import analyze_to_dir
from posecheck.store import HistoryStore

REPO_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory, stoop_lift_video: Path) -> dict:
    """report.json of a real analysis (a stoop lift: an event, a lift, REBA, NIOSH, view findings)."""
    out = tmp_path_factory.mktemp("analysed")
    analyze_to_dir(stoop_lift_video, out, Config())
    return json.loads((out / "report.json").read_text())


def test_a_real_report_round_trips_exactly(analysed: dict) -> None:
    assert analysed["schema_version"] == SCHEMA_VERSION and list(analysed)[0] == "schema_version"
    report = Report.from_json(analysed)
    assert report.to_json() == analysed
    assert json.dumps(report.to_json(), indent=1) == json.dumps(analysed, indent=1)  # key order too
    assert report.events and report.summary.niosh is not None and report.summary.niosh.lifts
    assert report.summary.events_total == len(report.events)


def test_a_report_without_schema_version_is_read_as_version_1(analysed: dict) -> None:
    old = {key: value for key, value in analysed.items() if key != "schema_version"}
    report = Report.from_json(old)
    assert report.schema_version == 1
    assert {key: value for key, value in report.to_json().items() if key != "schema_version"} == old


def test_an_old_report_without_the_later_sections_loads_with_their_defaults() -> None:
    """A summary as the first versions wrote it: no view, load, REBA, NIOSH, notes or settings."""
    summary = {"frames_analysed": 60, "frames_with_pose": 60, "pose_detected_ratio": 1.0, "lifts_counted": 2,
               "events_total": 0, "events_by_rule": {"bend_at_waist": 0}, "worst_moments": [],
               "verdict": "No risky lifting technique detected."}
    report = Report.from_json({"video": {"path": "x.mp4", "fps": 10.0, "frame_count": 60, "width": 64,
                                         "height": 48, "duration_s": 6.0},
                               "frames": [], "events": [], "summary": summary})
    assert report.summary.view is None and report.summary.reba is None and report.summary.notes == ()
    assert ReportSummary.from_json(summary).verdict == "No risky lifting technique detected."


def test_a_newer_schema_version_is_refused_with_a_clear_error(analysed: dict) -> None:
    newer = {**analysed, "schema_version": SCHEMA_VERSION + 1}
    with pytest.raises(ReportFormatError, match=r"newer posecheck \(schema version 2; this one reads up to 1\)"):
        Report.from_json(newer)
    with pytest.raises(ReportFormatError, match="no valid schema version"):
        Report.from_json({**analysed, "schema_version": "one"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["summary"].update(pose_detected_ratio="not a number"),
         "summary.pose_detected_ratio is 'not a number', not a number"),
        (lambda r: r.pop("video"), "report.video is missing"),
        (lambda r: r["events"][0].pop("rule"), r"report.events\[0\].rule is missing"),
        (lambda r: r["events"][0].update(start_frame=True), r"events\[0\].start_frame is True, not a whole number"),
        (lambda r: r["summary"]["niosh"]["lifts"][0].update(origin=[1, 2]), "origin is \\[1, 2\\], not an object"),
        (lambda r: r.update(frames={}), "report.frames is {}, not a list"),
    ],
)
def test_a_damaged_report_names_the_value_that_does_not_fit(analysed: dict, change, message: str) -> None:
    damaged = copy.deepcopy(analysed)
    change(damaged)
    with pytest.raises(ReportFormatError, match=message):
        Report.from_json(damaged)


def test_not_an_object_is_refused() -> None:
    with pytest.raises(ReportFormatError, match="not an object"):
        Report.from_json([1, 2])


def save_session(store: HistoryStore, report: dict) -> int:
    """Save a session whose folder holds `report` as its report.json (and nothing else the store needs)."""
    work = store.open_work_dir()
    (work / "report.json").write_text(json.dumps(report))
    return store.save_upload_analysis(work, "lift.mp4")


def test_the_history_loads_an_old_report_and_names_a_newer_one(analysed: dict, tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "data")
    old = {key: value for key, value in analysed.items() if key != "schema_version"}
    old_id = save_session(store, old)
    record = store.load_session(old_id)
    assert record is not None and record.report_summary == Report.from_json(analysed).summary
    assert [event.rule for event in record.events] == [event["rule"] for event in analysed["events"]]

    with pytest.raises(ReportFormatError, match="newer posecheck"):
        save_session(store, {**analysed, "schema_version": SCHEMA_VERSION + 1})
    assert [session.id for session in store.list_sessions()] == [old_id]  # the refused one was not saved


def test_a_session_folder_with_a_newer_report_is_left_out_with_the_reason(analysed: dict, tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "data")
    session_id = save_session(store, analysed)
    folder = store.load_session(session_id).directory
    (folder / "report.json").write_text(json.dumps({**analysed, "schema_version": SCHEMA_VERSION + 1}))
    (tmp_path / "data" / "history.sqlite3").unlink()  # rebuilt from the folders when the store opens

    reopened = HistoryStore(tmp_path / "data")
    assert reopened.list_sessions() == []
    [notice] = reopened.notices
    assert "cannot be read (report.json was written by a newer posecheck (schema version 2" in notice
    assert folder.is_dir()  # left in place


def report_keys() -> set[str]:
    """Every key report.json's objects have (the JSON keys of every dataclass of the typed report)."""
    classes = [value for value in vars(report_model).values()
               if dataclasses.is_dataclass(value) and value.__module__ == report_model.__name__]
    return {field.metadata.get("json_key", field.name) for cls in classes for field in dataclasses.fields(cls)}


def string_key_lookups(source: str) -> list[tuple[int, str]]:
    """(line, key) of every `x["key"]` and `x.get("key", ...)` in `source`, except on st.session_state."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript):
            owner, key = node.value, node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and node.args:
            owner, key = node.func.value, node.args[0]
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and ast.unparse(owner) != "st.session_state":
            found.append((node.lineno, key.value))
    return found


@pytest.mark.parametrize("path", ["app.py", "posecheck/cli.py", "posecheck/batch.py"])
def test_the_front_ends_read_the_report_through_the_typed_model_only(path: str) -> None:
    """Issue 18's Done-when: no report.json key is looked up by string in app.py, cli.py or batch.py."""
    keys = report_keys()
    assert {"summary", "verdict", "RWL_kg", "start_not_inferred", "time_s"} <= keys
    lookups = string_key_lookups((REPO_DIR / path).read_text(encoding="utf-8"))
    assert [(line, key) for line, key in lookups if key in keys] == []


def test_the_lookup_check_finds_string_keys() -> None:
    source = 'a = summary["verdict"]\nb = reba.get("worst")\nc = st.session_state["page"]\nd = x[name]\n'
    assert string_key_lookups(source) == [(1, "verdict"), (2, "worst")]
