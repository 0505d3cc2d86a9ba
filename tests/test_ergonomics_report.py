"""Ergonomic scores in the report, on hand-built FrameTables (fast): [ergonomics] config, per-frame REBA
mapping and columns, per-lift NIOSH from the series, report.json and metrics.csv layout, CLI lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posecheck.cli import build_parser, config_from_args, lift_line, reba_line
from posecheck.config import Config, ErgonomicsConfig, config_from_dict, load_config
from posecheck.ergonomics.lifts import detect_lifts
from posecheck.ergonomics.niosh import Coupling, LiftingTask, WorkDuration, assess_lift
from posecheck.ergonomics.video import (
    LEG_LENGTH_PER_STATURE,
    assess_video_lifts,
    frame_reba,
    length_scale,
    score_reba,
)
from posecheck.errors import ConfigError
from posecheck.frames import FrameTable
from posecheck.metrics.frame_metrics import FrameMetrics
from posecheck.outputs.files import CSV_COLUMNS, csv_rows
from posecheck.pipeline import AnalysisResult, AnalysisSettings, FrameResult
from posecheck.report import build_report, frame_records
from posecheck.video import VideoInfo

FPS = 10.0
LEG_M = 0.8

# ---------------------------------------------------------------- config and command line


def test_ergonomics_section_loads_strings_and_numbers(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[ergonomics]\nload_kg = 12\ncoupling = "poor"\nwork_duration = "2-8h"\nstature_m = 1.8\n')
    settings = load_config(path).ergonomics
    assert settings == ErgonomicsConfig(load_kg=12.0, coupling="poor", work_duration="2-8h", stature_m=1.8)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"coupling": "okay"}, r"coupling must be one of \['good', 'fair', 'poor'\], got 'okay'"),
        ({"work_duration": "8h"}, r"work_duration must be one of \['<=1h', '1-2h', '2-8h'\]"),
        ({"coupling": 2}, "coupling must be a string"),
        ({"load_kg": "heavy"}, "load_kg must be a finite number"),
        ({"load_kg": -1}, r"load_kg must be in \[0, 200\]"),
        ({"stature_m": 0.4}, "stature_m must be 0"),
        ({"frequency_lifts_per_min": 30}, "frequency_lifts_per_min"),
        ({"reba_static_over_1_min": 1}, "true or false"),
        ({"min_view_off_side_deg": 120}, "min_view_off_side_deg"),
    ],
)
def test_bad_ergonomics_values_are_config_errors(section: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_dict({"ergonomics": section})


def test_command_line_overrides_the_config(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[ergonomics]\nload_kg = 5\ncoupling = "poor"\n')
    args = build_parser().parse_args(
        ["analyze", "v.mp4", "--config", str(path), "--load-kg", "15", "--work-duration", "1-2h", "--stature-m", "1.7"]
    )
    settings = config_from_args(args).ergonomics
    chosen = (settings.load_kg, settings.coupling, settings.work_duration, settings.stature_m)
    assert chosen == (15, "poor", "1-2h", 1.7)


def test_command_line_values_are_checked() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["analyze", "v.mp4", "--coupling", "great"])
    args = build_parser().parse_args(["batch", "d", "--stature-m", "0.3"])
    with pytest.raises(ConfigError, match="stature_m"):
        config_from_args(args)


# ---------------------------------------------------------------- per-frame REBA

BENT = {  # a stoop: trunk 70°, knees 10°, arms hanging forward
    "trunk_flexion_deg": 70.0, "knee_flexion_deg": 10.0, "neck_flexion_deg": 10.0, "torso_twist_deg": 0.0,
    "lateral_bend_deg": 0.0, "upper_arm_flexion_deg": 30.0, "lower_arm_flexion_deg": 80.0, "view_yaw_deg": 80.0,
}


def test_frame_reba_maps_metrics_and_task_inputs() -> None:
    unloaded = frame_reba(BENT, ErgonomicsConfig())
    assert unloaded is not None
    parts = (unloaded.trunk_score, unloaded.neck_score, unloaded.legs_score, unloaded.upper_arm_score,
             unloaded.lower_arm_score, unloaded.wrist_score)
    assert parts == (4, 1, 1, 2, 1, 1)
    assert (unloaded.table_a_score, unloaded.table_b_score, unloaded.reba_score) == (3, 1, 2)
    # 12 kg: load score 2 (A = 5); fair coupling: +1 (B = 2); Table C (5, 2) = 4; one activity flag: 5.
    loaded = frame_reba(BENT, ErgonomicsConfig(load_kg=12, coupling="fair", reba_static_over_1_min=True))
    assert loaded is not None
    assert (loaded.score_a, loaded.score_b, loaded.table_c_score, loaded.reba_score) == (5, 2, 4, 5)


def test_twist_and_side_bend_count_only_when_seen_off_the_side() -> None:
    twisted = {**BENT, "torso_twist_deg": 30.0}
    from_front = frame_reba(twisted, ErgonomicsConfig())
    from_side = frame_reba({**twisted, "view_yaw_deg": 10.0}, ErgonomicsConfig())
    assert from_front is not None and from_side is not None
    assert (from_front.trunk_score, from_side.trunk_score) == (5, 4)
    assert "torso twist not measured: assumed not twisted" in from_side.assumptions
    bent_sideways = frame_reba({**BENT, "lateral_bend_deg": 12.0}, ErgonomicsConfig(reba_side_bend_threshold_deg=15))
    assert bent_sideways is not None and bent_sideways.trunk_score == 4


def test_no_reba_without_trunk_or_knees() -> None:
    assert frame_reba({**BENT, "knee_flexion_deg": None}, ErgonomicsConfig()) is None


# ---------------------------------------------------------------- hand-built analysis


def lift_table(view_yaw_deg: float = 80.0, asymmetry_deg: float = 10.0) -> FrameTable:
    """6 s at 10 fps: hands descend (1-2 s), rest at 0.5 leg (2-3 s), rise to 1.0 leg (3-4 s), rest.

    The hands keep their separation: a pick-up while they rest low (2.5 s), put down out of view. The
    table's load_held (1.5-5.0 s) is what the rules saw; lifts come from the pick-up (posecheck.load).
    """
    table = FrameTable()
    for index in range(60):
        if index < 10:
            height = 1.0
        elif index < 20:
            height = 1.0 - 0.05 * (index - 10)
        elif index < 30:
            height = 0.5
        elif index < 40:
            height = 0.5 + 0.05 * (index - 30)
        else:
            height = 1.0
        metrics = FrameMetrics(
            **BENT | {"view_yaw_deg": view_yaw_deg},
            hand_height_rel=height, hand_distance_rel=0.4, asymmetry_angle_deg=asymmetry_deg, leg_length_m=LEG_M,
            knee_height_rel=0.6, hands_separation_rel=0.9,  # a reach with the hands together: a pick-up
        )
        table.append(FrameResult(index, index / FPS, True, metrics, (), 15 <= index <= 50))
    return table


def analysis(table: FrameTable) -> AnalysisResult:
    video = VideoInfo("clip.mp4", FPS, len(table), 320, 240, len(table) / FPS, 0)
    return AnalysisResult(video, AnalysisSettings(), table, [])


def test_hold_at_end_of_clip_is_a_lift_only_when_asked() -> None:
    times = [0.0, 0.1, 0.2, 0.3]
    series = ([0.4] * 4, [0.3] * 4, [0.0] * 4, [False, True, True, True])
    assert detect_lifts(times, *series) == ()
    (lift,) = detect_lifts(times, *series, hold_at_end_is_lift=True)
    assert (lift.pick_up_s, lift.put_down_s) == (0.1, 0.3)


def test_length_scale_from_stature_or_world_landmarks() -> None:
    assert length_scale([0.7, None, 0.9, 0.8], 0.0).leg_length_m == pytest.approx(0.8)
    scale = length_scale([0.7], 1.8)
    assert scale.source == "stature" and scale.leg_length_m == pytest.approx(0.491 * 1.8)
    assert length_scale([None], 0.0) is None


def test_lift_origin_and_destination_come_from_the_still_ends_of_the_hold() -> None:
    outcome = assess_video_lifts(lift_table(), ErgonomicsConfig(load_kg=10))
    (assessment,) = outcome.assessments
    lift = assessment.lift
    assert (lift.pick_up_s, lift.put_down_s) == pytest.approx((2.5, 5.9))  # put-down not in view: the end
    assert (lift.origin.h_cm, lift.origin.v_cm, lift.origin.a_deg) == pytest.approx((32.0, 40.0, 10.0))
    assert (lift.destination.h_cm, lift.destination.v_cm) == pytest.approx((32.0, 80.0))
    expected = assess_lift(LiftingTask(32.0, 40.0, 40.0, 10.0, 0.2, WorkDuration.UP_TO_1_HOUR, Coupling.GOOD, 10.0))
    assert assessment.at_origin.rwl == pytest.approx(expected.rwl)
    assert outcome.frequency_source == "single-lift default" and not outcome.asymmetry_assumed_zero


def test_stature_scales_lengths_and_side_view_assumes_zero_asymmetry() -> None:
    outcome = assess_video_lifts(lift_table(view_yaw_deg=10.0), ErgonomicsConfig(stature_m=1.8))
    (assessment,) = outcome.assessments
    assert assessment.lift.origin.v_cm == pytest.approx(50.0 * LEG_LENGTH_PER_STATURE * 1.8)
    assert assessment.lift.origin.a_deg == 0.0 and outcome.asymmetry_assumed_zero
    assert any("A = 0 assumed" in text for text in outcome.assumptions)
    assert any("stature 1.8 m" in text for text in outcome.assumptions)


def test_report_layout(tmp_path: Path) -> None:
    table = lift_table()
    table.append(FrameResult(60, 6.0, False, FrameMetrics(), (), False))  # no pose: no REBA
    report = build_report(analysis(table), ErgonomicsConfig(load_kg=10, coupling="fair")).to_json()
    assert list(report) == ["schema_version", "video", "frames", "events", "summary"]
    assert report["frames"][0]["reba"] == {
        "score": 4, "risk": "medium", "action_level": 2, "score_a": 4, "score_b": 2, "table_c": 4,
        "parts": {"trunk": 4, "neck": 1, "legs": 1, "upper_arm": 2, "lower_arm": 1, "wrist": 1},
    }
    assert report["frames"][-1]["reba"] is None
    reba = report["summary"]["reba"]
    assert reba["frames_scored"] == 60 and reba["worst"]["time_s"] == 0.0
    assert reba["worst"]["drivers"][0] == {
        "part": "trunk", "score": 4, "max_score": 5, "metric": "trunk_flexion_deg", "value_deg": 70.0,
    }
    assert sum(reba["time_share_by_risk"].values()) == pytest.approx(1.0)
    assert reba["task"] == {"load_kg": 10.0, "coupling": "fair", "shock_or_rapid_force": False, "activity_score": 0}
    niosh = report["summary"]["niosh"]
    (lift,) = niosh["lifts"]
    assert lift["origin"] == {"H_cm": 32.0, "V_cm": 40.0, "A_deg": 10.0}
    assert lift["destination"]["V_cm"] == 80.0 and lift["D_cm"] == 40.0 and lift["F"] == 0.2
    assert set(lift["multipliers"]) == {"HM", "VM", "DM", "AM", "FM", "CM"}
    assert lift["LI"] == pytest.approx(10.0 / lift["RWL_kg"], abs=0.01) and lift["risk_band"] == "nominal"
    assert lift["limiting_factors"][0].startswith("hands 32 cm from the ankles: HM 0.78")
    assert set(lift["ends"]) == {"origin", "destination"}
    assert niosh["load_kg"] == 10.0 and niosh["length_source"] == "world landmarks"
    json.dumps(report, allow_nan=False)  # report.json is strict JSON


def test_unknown_load_gives_rwl_without_lifting_index() -> None:
    niosh = build_report(analysis(lift_table())).to_json()["summary"]["niosh"]
    (lift,) = niosh["lifts"]
    assert lift["RWL_kg"] > 0 and lift["LI"] is None and lift["risk_band"] is None
    assert niosh["load_kg"] is None and any("load weight unknown" in text for text in niosh["assumptions"])


def test_metrics_csv_has_reba_columns() -> None:
    table = lift_table()
    score_reba(table, ErgonomicsConfig())
    assert CSV_COLUMNS[-3:] == ("reba_score", "reba_risk", "flags")
    row = next(csv_rows(frame_records(table)))
    assert row[-3:-1] == [2, 1]  # score 2: low risk, action level 1


def test_cli_lines() -> None:
    summary = build_report(analysis(lift_table()), Config().ergonomics).summary
    assert reba_line(summary.reba).startswith("REBA: worst 2 (low) at 0.00s — trunk 4/5")
    line = lift_line(summary.niosh.lifts[0])
    assert line.startswith("lift 1 (2.5-5.9 s): RWL ") and "load unknown" in line and "HM 0.78" in line
