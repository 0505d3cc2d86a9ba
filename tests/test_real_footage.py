"""The real-footage labels file and scorer (benchmarks/real_footage.py), on fake reports: no videos needed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "real_footage.py"


def _load_benchmark():  # noqa: ANN202 - the module
    spec = importlib.util.spec_from_file_location("real_footage_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


rf = _load_benchmark()


def _event(rule: str, start_s: float, end_s: float) -> dict:
    return {"rule": rule, "start_s": start_s, "end_s": end_s}


def _report(events: list[dict], held: list[bool] | None = None, lifts: int = 0, notes: list | None = None) -> dict:
    frames = [{"time_s": i * 0.1, "load_held": h} for i, h in enumerate(held or [])]
    return {"events": events, "frames": frames, "summary": {"lifts_counted": lifts, "notes": notes or []}}


def _clip(**changes) -> dict:
    clip = {
        "id": "fake", "sha256": "0" * 64, "scene": "s", "note": "n", "holdout": False, "fps": 30.0,
        "duration_s": 4.0, "source": {"repo": "o/r", "commit": "c" * 40, "path": "a.mp4"},
        "view": {"description": "side", "yaw_deg": 90, "body_cut_off": None, "legs_hidden": False},
        "rules": {},
    }
    clip.update(changes)
    return clip


def test_committed_labels_follow_the_schema():
    clips = rf.load_labels()
    assert len(clips) >= 25
    assert any(c["holdout"] for c in clips) and not all(c["holdout"] for c in clips)
    assert all(c["rules"] for c in clips)


def test_holdout_is_every_third_scene_and_whole_scenes():
    clips = rf.load_labels()
    scenes = sorted({c["scene"] for c in clips})
    held_out = {s for i, s in enumerate(scenes) if i % 3 == 0}
    assert all(c["holdout"] == (c["scene"] in held_out) for c in clips)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([[2.0, 1.0]], "bad window"),
        ([], "non-empty"),
        ({"deny": [[0.0, 1.0]]}, "allow"),
        ("yes", "windows"),
    ],
)
def test_bad_label_values_are_refused_with_the_clip_named(value, message):
    with pytest.raises(rf.LabelError, match=message) as raised:
        rf.check_clip(_clip(rules={"bend_at_waist": value}))
    assert "fake" in str(raised.value)


def test_unknown_rule_and_missing_field_are_refused():
    with pytest.raises(rf.LabelError, match="unknown rule"):
        rf.check_clip(_clip(rules={"stoop": True}))
    broken = _clip()
    del broken["sha256"]
    with pytest.raises(rf.LabelError, match="sha256"):
        rf.check_clip(broken)


def test_boolean_labels():
    stoop = [_event("bend_at_waist", 1.0, 2.0)]
    assert rf.score_rule("bend_at_waist", True, stoop).right
    assert not rf.score_rule("bend_at_waist", True, []).right
    assert rf.score_rule("bend_at_waist", False, []).right
    assert not rf.score_rule("bend_at_waist", False, stoop).right


def test_window_labels_need_every_window_hit_and_nothing_outside():
    windows = [[1.0, 2.0], [5.0, 6.0]]
    both = [_event("bend_at_waist", 1.5, 2.5), _event("bend_at_waist", 5.1, 5.3)]
    assert rf.score_rule("bend_at_waist", windows, both).right
    assert not rf.score_rule("bend_at_waist", windows, both[:1]).right  # second window missed
    outside = [*both, _event("bend_at_waist", 3.0, 3.5)]
    assert not rf.score_rule("bend_at_waist", windows, outside).right
    near = [_event("bend_at_waist", 2.1, 2.6), _event("bend_at_waist", 4.8, 4.9)]  # within the tolerance
    assert rf.score_rule("bend_at_waist", windows, near).right


def test_allow_labels_accept_silence_and_events_inside_only():
    allow = {"allow": [[0.0, 1.0]]}
    assert rf.score_rule("bend_at_waist", allow, []).right
    assert rf.score_rule("bend_at_waist", allow, [_event("bend_at_waist", 0.2, 0.8)]).right
    assert not rf.score_rule("bend_at_waist", allow, [_event("bend_at_waist", 2.0, 2.5)]).right


def test_score_clip_counts_only_labelled_rules_and_the_rules_own_events():
    clip = _clip(rules={"bend_at_waist": False, "twist_under_load": True})
    report = _report([_event("twist_under_load", 1.0, 1.5), _event("narrow_stance", 0.0, 3.0)])
    score = rf.score_clip(clip, report)
    assert [(p.rule, p.right) for p in score.pairs] == [("bend_at_waist", True), ("twist_under_load", True)]


def test_load_held_frames_skip_the_edges_of_labelled_windows():
    clip = _clip(load_held=[[1.0, 2.0]])
    held = [1.0 <= i * 0.1 <= 2.0 for i in range(30)]
    score = rf.score_clip(clip, _report([], held=held))
    assert score.load_frames_right == score.load_frames_scored > 0
    assert score.load_frames_scored < 30  # frames within 0.3 s of 1.0 and 2.0 are not scored
    wrong = rf.score_clip(clip, _report([], held=[True] * 30))
    assert wrong.load_frames_right < wrong.load_frames_scored
    assert rf.score_load(True, [{"time_s": 0.0, "load_held": False}]) == (0, 1)


def test_lifts_and_view_note():
    clip = _clip(lifts=1, view={"description": "side", "yaw_deg": 90, "body_cut_off": "top", "legs_hidden": True})
    silent = rf.score_clip(clip, _report([], lifts=1))
    assert (silent.lifts_label, silent.lifts_counted) == (1, 1)
    assert silent.view_facts == ["body_cut_off", "legs_hidden"] and silent.view_note_found is False
    one_fact = _report([], notes=["Head out of frame for 2.0 s"])
    assert rf.score_clip(clip, one_fact).view_note_found is False
    both = _report([], notes=["Head out of frame for 2.0 s"])
    finding = {"kind": "legs_hidden", "text": "Knees not seen: an object hides the legs"}
    both["summary"]["view"] = {"findings": [finding]}
    assert rf.score_clip(clip, both).view_note_found is True
    assert rf.score_clip(_clip(), _report([])).view_note_found is None  # nothing to mention


def test_totals_report_false_stoops_on_no_stoop_clips():
    no_stoop = _clip(rules={"bend_at_waist": False})
    allowed = _clip(rules={"bend_at_waist": {"allow": [[0.0, 1.0]]}})
    stoop = _clip(rules={"bend_at_waist": True})
    flagged = _report([_event("bend_at_waist", 2.0, 3.0)])
    scores = [rf.score_clip(no_stoop, flagged), rf.score_clip(allowed, flagged), rf.score_clip(stoop, flagged)]
    total = rf.totals(scores)
    assert total["false_bend_at_waist"] == [2, 2]
    assert total["per_rule"]["bend_at_waist"] == [1, 3]
    assert total["pairs_right"] == 1 and total["pairs"] == 3


def test_find_clip_by_sha256_under_any_name(tmp_path):
    data = b"not really a video"
    (tmp_path / "renamed.mp4").write_bytes(data)
    (tmp_path / "other.mp4").write_bytes(b"x" * len(data))
    clip = _clip(sha256=rf.hashlib.sha256(data).hexdigest(), bytes=len(data))
    assert rf.find_clip([tmp_path], clip) == tmp_path / "renamed.mp4"
    assert rf.find_clip([tmp_path], _clip(bytes=len(data))) is None


def _sequence_clip(frames: list[bytes], **changes) -> dict:
    source = {"repo": "owner/name", "commit": "HEAD", "path": "out/frame_{n}.png", "frames": [1, len(frames)]}
    sha = rf.hashlib.sha256(b"".join(frames)).hexdigest()
    return _clip(id="seq", source=source, sha256=sha, fps=10.0, width=64, height=48, **changes)


def _png(value: int) -> bytes:
    import cv2
    import numpy as np

    return cv2.imencode(".png", np.full((48, 64, 3), value, dtype=np.uint8))[1].tobytes()


def test_frame_sequence_schema():
    rf.check_clip(_sequence_clip([b"a", b"b"]))
    broken = _sequence_clip([b"a"])
    broken["source"]["path"] = "out/frame.png"
    with pytest.raises(rf.LabelError, match="frame sequence"):
        rf.check_clip(broken)


def test_frame_sequence_is_fetched_from_a_mirror_found_and_assembled(tmp_path):
    frames = [_png(40), _png(200)]
    repo = tmp_path / "mirrors" / "owner+name" / "repo"
    (repo / "out").mkdir(parents=True)
    for n, data in enumerate(frames, start=1):
        (repo / "out" / f"frame_{n}.png").write_bytes(data)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "frames"]):
        rf.subprocess.run(git + command, check=True)
    clip = _sequence_clip(frames)
    cache = tmp_path / "cache"
    fetched = rf.fetch_from_mirror(tmp_path / "mirrors", clip, cache)
    assert fetched == cache / "seq" and rf.find_clip([cache], clip) == fetched
    with pytest.raises(RuntimeError, match="not replacing"):
        rf.fetch_from_mirror(tmp_path / "mirrors", clip, cache)  # never overwrites
    with pytest.raises(RuntimeError, match="not in"):
        rf.fetch_from_mirror(tmp_path / "mirrors", _sequence_clip([b"other", b"bytes"]), tmp_path / "cache2")
    from posecheck.video import probe_video

    info = probe_video(rf.assemble(fetched, clip, tmp_path / "seq.mp4"))
    assert (info.width, info.height, round(info.fps)) == (64, 48, 10)


@pytest.mark.slow
def test_kept_poses_give_the_report_of_a_whole_analysis(tmp_path):
    """--poses keeps each clip's detection pass and judges it again: the same frames, events and view
    findings as `posecheck analyze`, and a second run does not detect again."""
    from tests import corpus

    video = corpus.sample_video(tmp_path)
    clip = _clip(id="sample")
    args = rf.build_parser().parse_args(["--clips", str(tmp_path)])
    whole = rf.analyse(video, clip, args)
    args.poses = tmp_path / "poses"
    kept = rf.analyse(video, clip, args)
    (path,) = args.poses.iterdir()
    assert path.name.startswith("sample_fpsnative_s1_wfull_")
    assert whole["events"]  # the sample is a stoop lift
    for key in ("frames", "events"):
        assert kept[key] == whole[key]
    assert kept["summary"]["view"] == whole["summary"]["view"]
    assert rf.analyse(tmp_path / "no-such-video.mp4", clip, args)["events"] == whole["events"]  # not detected again
