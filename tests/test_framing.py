"""View and framing findings of the report summary, and each event's reliability, from frame tables."""

from __future__ import annotations

import pytest

from posecheck.config import RulesConfig
from posecheck.frames import FrameTable
from posecheck.framing import event_reliability, view_summary
from posecheck.metrics.frame_metrics import FrameMetrics
from posecheck.pipeline import FrameResult
from posecheck.rules import Event

FPS = 10.0
SEEN = {"trunk_flexion_deg": 0.9, "knee_flexion_deg": 0.9, "torso_twist_deg": 0.9}


def table_of(frames: list[FrameMetrics | None], load_held: bool = False) -> FrameTable:
    table = FrameTable()
    for index, metrics in enumerate(frames):
        table.append(FrameResult(index, index / FPS, metrics is not None, metrics or FrameMetrics(), (), load_held))
    return table


def good(**changes) -> FrameMetrics:
    values = {"trunk_flexion_deg": 10.0, "knee_flexion_deg": 5.0, "torso_twist_deg": 0.0, "view_yaw_deg": 45.0,
              "camera_pitch_deg": 10.0, "confidence": dict(SEEN)}
    return FrameMetrics(**{**values, **changes})


def kinds(summary: dict) -> dict[str, dict]:
    return {finding["kind"]: finding for finding in summary["findings"]}


def test_a_well_framed_clip_has_no_finding():
    summary = view_summary(table_of([good()] * 30), RulesConfig())
    assert summary == {"camera_pitch_deg": 10.0, "findings": []}


def test_head_cut_off_is_reported_with_its_duration():
    frames = [good()] * 20 + [good(notes=("head_out_of_frame",))] * 10
    finding = kinds(view_summary(table_of(frames), RulesConfig()))["head_out_of_frame"]
    assert finding["seconds"] == pytest.approx(1.0)
    assert finding["share"] == pytest.approx(1 / 3, abs=0.01)
    assert "head was out of the picture for 1.0 s" in finding["message"]


def test_legs_drawn_on_an_object_and_hidden_legs_are_told_apart():
    implausible = good(knee_flexion_deg=None, torso_twist_deg=None, notes=("leg_foot_above_floor",),
                       confidence={"trunk_flexion_deg": 0.9})
    hidden = good(knee_flexion_deg=None, confidence={"trunk_flexion_deg": 0.9, "torso_twist_deg": 0.9})
    found = kinds(view_summary(table_of([good()] * 10 + [implausible] * 5 + [hidden] * 8), RulesConfig()))
    assert found["legs_implausible"]["seconds"] == pytest.approx(0.5)
    assert set(found["legs_implausible"]["rules"]) >= {"bend_at_waist", "twist_under_load"}
    assert found["legs_hidden"]["seconds"] == pytest.approx(0.8)


def test_twist_not_judged_side_on_while_loaded_is_said():
    side_on = good(view_yaw_deg=5.0, confidence={**SEEN, "torso_twist_deg": 0.62})
    found = kinds(view_summary(table_of([side_on] * 20, load_held=True), RulesConfig()))
    assert found["twist_not_judged"]["rules"] == ["twist_under_load"]
    assert "twist_not_judged" not in kinds(view_summary(table_of([side_on] * 20), RulesConfig()))


def test_reach_not_judged_near_the_front_while_loaded_is_said():
    front = good(view_yaw_deg=80.0, hand_distance_rel=0.9, confidence={**SEEN, "hand_distance_rel": 0.27})
    found = kinds(view_summary(table_of([front] * 20, load_held=True), RulesConfig()))
    assert found["reach_not_judged"]["rules"] == ["load_far_from_body"]
    assert "reach_not_judged" not in kinds(view_summary(table_of([front] * 20), RulesConfig()))
    judged = good(hand_distance_rel=0.9, confidence={**SEEN, "hand_distance_rel": 0.9})
    assert "reach_not_judged" not in kinds(view_summary(table_of([judged] * 20, load_held=True), RulesConfig()))


def test_twist_not_judged_from_a_partial_body_says_why_not_the_view():
    cut_off = good(torso_twist_deg=None, notes=("head_out_of_frame", "partial_body"),
                   confidence={"trunk_flexion_deg": 0.9, "knee_flexion_deg": 0.9})
    found = kinds(view_summary(table_of([good()] * 10 + [cut_off] * 6, load_held=True), RulesConfig()))
    assert found["twist_partial_body"]["seconds"] == pytest.approx(0.6)
    assert "whole body was not in view" in found["twist_partial_body"]["message"]
    assert found["twist_partial_body"]["rules"] == ["twist_under_load"]
    assert "twist_not_judged" not in found  # it was not the view: "seen near side-on" would be wrong


def test_a_twist_event_says_how_much_of_it_lacked_the_whole_body():
    frames = [good(torso_twist_deg=30.0)] * 6 + [good(torso_twist_deg=None, notes=("partial_body",))] * 2
    event = Event("twist_under_load", 0.0, 0.7, 0.0, 30.0, "medium", "", 0, 7, 0, "torso_twist_deg")
    reliability = event_reliability(table_of(frames, load_held=True), event, RulesConfig())
    assert reliability["notes"] == ["whole body not in view: twist not judged in 25% of the event"]


@pytest.mark.parametrize(("pitch", "kind"), [(20.0, "camera_high"), (-4.0, "camera_low")])
def test_camera_far_above_or_below_is_reported(pitch, kind):
    found = kinds(view_summary(table_of([good(camera_pitch_deg=pitch)] * 10), RulesConfig()))
    assert kind in found and f"{abs(pitch):.0f} deg" in found[kind]["message"]


def test_frames_without_a_person_and_front_on_views_are_reported():
    frames = [None] * 5 + [good(view_yaw_deg=85.0)] * 10
    found = kinds(view_summary(table_of(frames), RulesConfig()))
    assert found["no_person"]["seconds"] == pytest.approx(0.5)
    assert found["front_on"]["rules"] == ["bend_at_waist", "prolonged_flexion"]


def test_event_reliability_says_when_the_knees_were_unseen():
    unseen = good(trunk_flexion_deg=70.0, knee_flexion_deg=None, confidence={"trunk_flexion_deg": 0.8})
    table = table_of([good()] * 5 + [unseen] * 10)
    event = Event("bend_at_waist", 0.5, 1.4, 1.0, 70.0, "medium", "", 5, 14, 10, "trunk_flexion_deg")
    reliability = event_reliability(table, event, RulesConfig())
    assert reliability["score"] == pytest.approx(0.8)
    assert reliability["notes"] == ["knees unseen: judged from the trunk and the hips' height in 100% of the event"]


def test_a_body_drawn_upside_down_and_guessed_knees_are_reported():
    inverted = FrameMetrics(notes=("body_inverted",))
    guessed = good(notes=("legs_guessed",), confidence={**SEEN, "knee_flexion_deg": 0.4})
    found = kinds(view_summary(table_of([good()] * 10 + [inverted] * 4 + [guessed] * 6), RulesConfig()))
    assert found["body_lost"]["seconds"] == pytest.approx(0.4)
    assert "upside down" in found["body_lost"]["message"]
    assert found["legs_guessed"]["rules"] == ["bend_at_waist"]
    assert "one_leg_hidden" not in found
