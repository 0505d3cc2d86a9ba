"""benchmarks/sweep.py: the grid, the dev/holdout split and the scoring of a report against the truth."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from posecheck.synth.scripts import TWIST_UNDER_LOAD, Variation

SWEEP_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "sweep.py"


@pytest.fixture(scope="module")
def sweep():  # noqa: ANN201 - the benchmark module
    spec = importlib.util.spec_from_file_location("sweep_benchmark", SWEEP_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["sweep_benchmark"] = module
    spec.loader.exec_module(module)
    return module


def test_grid_takes_only_the_axes_a_script_uses(sweep) -> None:  # noqa: ANN001
    cases = sweep.grid(["stand-still", "stoop-lift"], [0.0, 90.0], [10.0], [15.0], [0.6, 1.2], ["waist", "hip"],
                       ["auto"], [None], [False])
    by_script = {name: [c for c in cases if c.script == name] for name in ("stand-still", "stoop-lift")}
    assert len(by_script["stand-still"]) == 2  # yaws only
    assert len(by_script["stoop-lift"]) == 2 * 2 * 2
    assert {c.variation.load for c in by_script["stoop-lift"] if c.variation.posture == "hip"} == {"small"}
    assert len({c.key for c in cases}) == len(cases)


def test_barbell_postures_are_skipped_not_failed(sweep) -> None:  # noqa: ANN001
    cases = sweep.grid(["hinge-lift"], [0.0], [10.0], [15.0], [1.0], ["chest", "straight-arms"], ["barbell"],
                       [None], [False])
    assert [c.variation.posture for c in cases] == ["straight-arms"]


def test_split_is_deterministic_about_a_third_and_seeds_differ(sweep) -> None:  # noqa: ANN001
    cases = sweep.grid(list(sweep.SWEPT_SCRIPTS), [0.0, 30.0, 60.0, 90.0], [0.0, 10.0, 20.0], [15.0], [1.0],
                       ["waist", "chest"], ["auto"], [None], [False])
    holdout = [c for c in cases if c.split == "holdout"]
    assert 0.25 <= len(holdout) / len(cases) <= 0.42
    assert {c.seed for c in holdout} <= {3, 4, 5}
    assert {c.seed for c in cases if c.split == "dev"} <= {0, 1, 2}
    again = sweep.grid(list(sweep.SWEPT_SCRIPTS), [0.0, 30.0, 60.0, 90.0], [0.0, 10.0, 20.0], [15.0], [1.0],
                       ["waist", "chest"], ["auto"], [None], [False])
    assert [(c.key, c.split, c.seed) for c in again] == [(c.key, c.split, c.seed) for c in cases]


def test_quick_grid_covers_every_swept_script(sweep) -> None:  # noqa: ANN001
    quick = sweep.quick_grid()
    assert {c.script for c in quick} == set(sweep.SWEPT_SCRIPTS)
    assert {c.variation.posture for c in quick} == {"waist", "straight-arms", "chest", "hip"}
    assert {c.occluder for c in quick} == {None, "plate", "crate"}
    assert len(quick) <= 22


def _truth(load_held: list[bool], lifts: int, flags: list[str]) -> dict:
    frames = [{"index": i, "load_held": held, "metrics": {"trunk_flexion_deg": 10.0, "knee_flexion_deg": 5.0,
                                                           "torso_twist_deg": 0.0}} for i, held in enumerate(load_held)]
    return {"frames": frames, "lifts": lifts, "expected_flags": flags, "ambiguous": False}


def _report(load_held: list[bool], lifts: int, rules: list[str], trunk: float) -> dict:
    frames = [{"index": i, "load_held": held, "pose_detected": True,
               "metrics": {"trunk_flexion_deg": trunk, "knee_flexion_deg": None, "torso_twist_deg": 2.0}}
              for i, held in enumerate(load_held)]
    return {"frames": frames, "events": [{"rule": rule} for rule in rules], "summary": {"lifts_counted": lifts}}


def test_score_compares_load_state_lifts_flags_and_angles(sweep) -> None:  # noqa: ANN001
    case = sweep.Case("stoop-lift", 30.0, 10.0, 15.0, Variation())
    truth = _truth([False, False, True, True], 1, ["bend_at_waist"])
    result = sweep.score(case, truth, _report([False, True, True, True], 0, [], trunk=13.0))
    assert result.load_accuracy == pytest.approx(0.75)
    assert result.axes["yaw"] == "30°" and result.axes["posture"] == "waist" and result.axes["occluder"] == "none"
    assert (result.lifts_true, result.lifts_counted) == (1, 0)
    assert not result.flags_correct
    assert result.mae_deg == {"trunk_flexion_deg": pytest.approx(3.0), "knee_flexion_deg": None,
                              "torso_twist_deg": pytest.approx(2.0)}


def test_score_reads_whether_the_load_at_the_start_was_said_not_inferred(sweep) -> None:  # noqa: ANN001
    report = _report([False, False], 0, [], 0)
    report["summary"]["load"] = {"start_not_inferred": True}
    result = sweep.score(sweep.Case("hold-still", 30.0, 10.0, 15.0, Variation()), _truth([True, True], 0, []), report)
    assert result.starts_loaded and result.start_not_inferred and result.load_accuracy == 0.0


def test_twist_is_not_scored_near_side_on(sweep) -> None:  # noqa: ANN001
    truth = _truth([True, True], 0, [TWIST_UNDER_LOAD])
    side = sweep.score(sweep.Case("twist-carry", 0.0, 10.0, 15.0, Variation()), truth, _report([True, True], 0, [], 0))
    front = sweep.score(sweep.Case("twist-carry", 60.0, 10.0, 15.0, Variation()), truth,
                        _report([True, True], 0, [], 0))
    assert side.flags_correct and not front.flags_correct


def test_a_false_twist_near_side_on_is_still_wrong(sweep) -> None:  # noqa: ANN001
    truth = _truth([False, False], 1, ["bend_at_waist"])
    report = _report([False, False], 1, ["bend_at_waist", TWIST_UNDER_LOAD], 0)
    assert not sweep.score(sweep.Case("hinge-lift", 0.0, 10.0, 15.0, Variation()), truth, report).flags_correct


def test_a_handheld_clip_films_the_same_scene_with_the_same_split_and_seed(sweep) -> None:  # noqa: ANN001
    from dataclasses import replace

    for case in sweep.quick_grid():
        handheld = replace(case, camera="handheld")
        assert handheld.key == f"{case.key}_handheld"
        assert (handheld.split, handheld.seed) == (case.split, case.seed)


def test_the_handheld_camera_moves_drifts_in_exposure_and_adds_noise(sweep) -> None:  # noqa: ANN001
    import numpy as np

    handheld = sweep.handheld
    camera = handheld.HandheldCamera()
    rgb = np.zeros((120, 160, 3), np.uint8)
    rgb[40:80, 60:100] = 200  # a bright square on black
    frames = [handheld.degrade_frame(rgb, index, index / 15.0, 7, camera) for index in range(0, 60, 6)]
    centres = [np.argwhere(frame.mean(axis=2) > 100).mean(axis=0) for frame in frames]
    travel_px = max(np.linalg.norm(c - centres[0]) for c in centres)
    assert 0.5 < travel_px < 0.1 * 160  # it moves, by a few pixels, not off the frame
    assert frames[0][:30, :30].std() > 1.0  # noise on the black background
    gains = [handheld.exposure_gain(7, t, camera) for t in np.linspace(0.0, 20.0, 200)]
    assert 0.85 < min(gains) < 0.99 and 1.01 < max(gains) < 1.15
    again = handheld.degrade_frame(rgb, 6, 6 / 15.0, 7, camera)
    assert np.array_equal(again, frames[1])  # deterministic for a clip's seed
