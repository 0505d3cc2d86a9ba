"""REBA against the published method (Hignett & McAtamney, Applied Ergonomics 31 (2000) 201-205).

The three lookup tables are written below once, as printed in the paper and on the widely reproduced
"REBA Employee Assessment Worksheet" (same numbers), and every cell is compared with the module.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posecheck.ergonomics.reba import (
    RebaCoupling,
    RebaPosture,
    RebaTask,
    RiskLevel,
    activity_score,
    assess_reba,
    coupling_score,
    legs_score,
    load_force_score,
    lower_arm_score,
    neck_score,
    reba_posture_from_metrics,
    risk_level,
    table_a,
    table_b,
    table_c,
    trunk_score,
    upper_arm_score,
    wrist_score,
)

# Table A as printed: one row per trunk score; Neck 1 | Neck 2 | Neck 3, each with Legs 1 2 3 4.
PUBLISHED_TABLE_A = """
1 | 1 2 3 4 | 1 2 3 4 | 3 3 5 6
2 | 2 3 4 5 | 3 4 5 6 | 4 5 6 7
3 | 2 4 5 6 | 4 5 6 7 | 5 6 7 8
4 | 3 5 6 7 | 5 6 7 8 | 6 7 8 9
5 | 4 6 7 8 | 6 7 8 9 | 7 8 9 9
"""

# Table B as printed: one row per upper arm score; Lower arm 1 | Lower arm 2, each with Wrist 1 2 3.
PUBLISHED_TABLE_B = """
1 | 1 2 2 | 1 2 3
2 | 1 2 3 | 2 3 4
3 | 3 4 5 | 4 5 5
4 | 4 5 5 | 5 6 7
5 | 6 7 8 | 7 8 8
6 | 7 8 8 | 8 9 9
"""

# Table C as printed: one row per score A; columns are score B 1..12.
PUBLISHED_TABLE_C = """
1  | 1 1 1 2 3 3 4 5 6 7 7 7
2  | 1 2 2 3 4 4 5 6 6 7 7 8
3  | 2 3 3 3 4 5 6 7 7 8 8 8
4  | 3 4 4 4 5 6 7 8 8 9 9 9
5  | 4 4 4 5 6 7 8 8 9 9 9 9
6  | 6 6 6 7 8 8 9 9 10 10 10 10
7  | 7 7 7 8 9 9 9 10 10 11 11 11
8  | 8 8 8 9 10 10 10 10 10 11 11 11
9  | 9 9 9 10 10 10 11 11 11 12 12 12
10 | 10 10 10 11 11 11 11 12 12 12 12 12
11 | 11 11 11 11 12 12 12 12 12 12 12 12
12 | 12 12 12 12 12 12 12 12 12 12 12 12
"""


def _parse(published: str) -> dict[int, list[list[int]]]:
    """Row label -> blocks of cell values, from the text layout above."""
    rows: dict[int, list[list[int]]] = {}
    for line in published.strip().splitlines():
        label, *blocks = line.split("|")
        rows[int(label)] = [[int(cell) for cell in block.split()] for block in blocks]
    return rows


def _table_a_cells() -> list[tuple[int, int, int, int]]:
    return [
        (trunk, neck, legs, value)
        for trunk, blocks in _parse(PUBLISHED_TABLE_A).items()
        for neck, block in enumerate(blocks, start=1)
        for legs, value in enumerate(block, start=1)
    ]


def _table_b_cells() -> list[tuple[int, int, int, int]]:
    return [
        (upper, lower, wrist, value)
        for upper, blocks in _parse(PUBLISHED_TABLE_B).items()
        for lower, block in enumerate(blocks, start=1)
        for wrist, value in enumerate(block, start=1)
    ]


def _table_c_cells() -> list[tuple[int, int, int]]:
    return [
        (score_a, score_b, value)
        for score_a, (block,) in _parse(PUBLISHED_TABLE_C).items()
        for score_b, value in enumerate(block, start=1)
    ]


def test_published_tables_have_every_cell() -> None:
    assert len(_table_a_cells()) == 5 * 3 * 4
    assert len(_table_b_cells()) == 6 * 2 * 3
    assert len(_table_c_cells()) == 12 * 12


@pytest.mark.parametrize(("trunk", "neck", "legs", "expected"), _table_a_cells())
def test_table_a_matches_published_cell(trunk: int, neck: int, legs: int, expected: int) -> None:
    assert table_a(trunk, neck, legs) == expected


@pytest.mark.parametrize(("upper", "lower", "wrist", "expected"), _table_b_cells())
def test_table_b_matches_published_cell(upper: int, lower: int, wrist: int, expected: int) -> None:
    assert table_b(upper, lower, wrist) == expected


@pytest.mark.parametrize(("score_a", "score_b", "expected"), _table_c_cells())
def test_table_c_matches_published_cell(score_a: int, score_b: int, expected: int) -> None:
    assert table_c(score_a, score_b) == expected


def test_table_corners() -> None:
    assert (table_a(1, 1, 1), table_a(5, 3, 4), table_a(1, 3, 4), table_a(5, 1, 1)) == (1, 9, 6, 4)
    assert (table_b(1, 1, 1), table_b(6, 2, 3), table_b(1, 2, 3), table_b(6, 1, 1)) == (1, 9, 3, 7)
    assert (table_c(1, 1), table_c(12, 12), table_c(1, 12), table_c(12, 1)) == (1, 12, 7, 12)


@pytest.mark.parametrize(("call", "args"), [(table_a, (6, 1, 1)), (table_b, (1, 3, 1)), (table_c, (0, 1))])
def test_tables_reject_out_of_range_scores(call, args) -> None:
    with pytest.raises(ValueError):
        call(*args)


@pytest.mark.parametrize(
    ("angle", "expected"),
    [
        (0.0, 1), (5.0, 1), (-5.0, 1),  # upright within the 5° neutral tolerance
        (5.1, 2), (20.0, 2), (-20.0, 2),  # 0-20° flexion or extension; 20° belongs to the lower band
        (20.1, 3), (60.0, 3), (-20.1, 3), (-45.0, 3),  # 20-60° flexion or > 20° extension
        (60.1, 4), (110.0, 4),  # > 60° flexion
    ],
)
def test_trunk_score_boundaries(angle: float, expected: int) -> None:
    assert trunk_score(angle, twisted_or_side_bent=False) == expected
    assert trunk_score(angle, twisted_or_side_bent=True) == expected + 1


@pytest.mark.parametrize(
    ("angle", "expected"),
    [(0.0, 1), (20.0, 1), (20.1, 2), (45.0, 2), (-5.0, 1), (-5.1, 2), (-30.0, 2)],
)
def test_neck_score_boundaries(angle: float, expected: int) -> None:
    assert neck_score(angle, twisted_or_side_bent=False) == expected
    assert neck_score(angle, twisted_or_side_bent=True) == expected + 1


@pytest.mark.parametrize(
    ("bilateral", "knee", "expected"),
    [
        (True, 0.0, 1), (True, 29.9, 1), (True, 30.0, 2), (True, 60.0, 2), (True, 60.1, 3),
        (False, 0.0, 2), (False, 30.0, 3), (False, 90.0, 4),
    ],
)
def test_legs_score_boundaries(bilateral: bool, knee: float, expected: int) -> None:
    assert legs_score(bilateral, knee) == expected


@pytest.mark.parametrize(
    ("angle", "expected"),
    [
        (-20.0, 1), (0.0, 1), (20.0, 1),
        (-20.1, 2), (-60.0, 2), (20.1, 2), (45.0, 2),
        (45.1, 3), (90.0, 3),
        (90.1, 4), (150.0, 4),
    ],
)
def test_upper_arm_score_boundaries(angle: float, expected: int) -> None:
    assert upper_arm_score(angle, False, False, False) == expected


def test_upper_arm_adjustments_add_and_support_subtracts_but_never_below_one() -> None:
    assert upper_arm_score(100.0, shoulder_raised=True, abducted_or_rotated=True, supported_or_leaning=False) \
        == 6
    assert upper_arm_score(50.0, False, False, supported_or_leaning=True) == 2
    assert upper_arm_score(0.0, False, False, supported_or_leaning=True) == 1


@pytest.mark.parametrize(
    ("angle", "expected"), [(59.9, 2), (60.0, 1), (80.0, 1), (100.0, 1), (100.1, 2), (0.0, 2)]
)
def test_lower_arm_score_boundaries(angle: float, expected: int) -> None:
    assert lower_arm_score(angle) == expected


@pytest.mark.parametrize(("angle", "expected"), [(0.0, 1), (15.0, 1), (-15.0, 1), (15.1, 2), (-30.0, 2)])
def test_wrist_score_boundaries(angle: float, expected: int) -> None:
    assert wrist_score(angle, deviated_or_twisted=False) == expected
    assert wrist_score(angle, deviated_or_twisted=True) == expected + 1


@pytest.mark.parametrize(
    ("load", "shock", "expected"),
    [(0.0, False, 0), (4.99, False, 0), (5.0, False, 1), (10.0, False, 1), (10.01, False, 2),
     (25.0, True, 3), (0.0, True, 1)],
)
def test_load_force_score_boundaries(load: float, shock: bool, expected: int) -> None:
    assert load_force_score(load, shock) == expected


def test_negative_load_is_rejected() -> None:
    with pytest.raises(ValueError):
        load_force_score(-1.0, False)


def test_coupling_and_activity_scores() -> None:
    assert [coupling_score(c) for c in RebaCoupling] == [0, 1, 2, 3]
    assert activity_score(RebaTask()) == 0
    all_flags = RebaTask(
        static_over_1_min=True,
        repeated_small_range_over_4_per_min=True,
        rapid_large_changes_or_unstable_base=True,
    )
    assert activity_score(all_flags) == 3


@pytest.mark.parametrize(
    ("score", "level", "action_level", "action"),
    [
        (1, RiskLevel.NEGLIGIBLE, 0, "None necessary"),
        (2, RiskLevel.LOW, 1, "May be necessary"),
        (3, RiskLevel.LOW, 1, "May be necessary"),
        (4, RiskLevel.MEDIUM, 2, "Necessary"),
        (7, RiskLevel.MEDIUM, 2, "Necessary"),
        (8, RiskLevel.HIGH, 3, "Necessary soon"),
        (10, RiskLevel.HIGH, 3, "Necessary soon"),
        (11, RiskLevel.VERY_HIGH, 4, "Necessary NOW"),
        (15, RiskLevel.VERY_HIGH, 4, "Necessary NOW"),
    ],
)
def test_risk_and_action_levels_as_published(
    score: int, level: RiskLevel, action_level: int, action: str
) -> None:
    assert risk_level(score) is level
    assert (level.action_level, level.action) == (action_level, action)
    assert level.worksheet_text.lower().startswith(level.label)


def test_hand_scored_stoop_lift_scenario() -> None:
    """Hand-scored scenario (no fully specified published worked example was retrievable).

    Stoop lift of a 12 kg box with fair hand holds from the floor, repeated more than 4 times a minute:
    trunk 70° flexion, not twisted (4); neck 25° flexion (2); both feet down, knees 20° (1)
    -> Table A 5, + load > 10 kg (2) = score A 7. Upper arm 50° (3), elbow 40° (2), wrist 10° (1)
    -> Table B 4, + fair coupling (1) = score B 5. Table C(7, 5) = 9, + activity 1 = REBA 10: high risk,
    action level 3, "Necessary soon".
    """
    posture = RebaPosture(
        trunk_flexion_deg=70.0,
        trunk_twisted_or_side_bent=False,
        knee_flexion_deg=20.0,
        neck_flexion_deg=25.0,
        upper_arm_flexion_deg=50.0,
        lower_arm_flexion_deg=40.0,
        wrist_flexion_deg=10.0,
    )
    task = RebaTask(load_kg=12.0, coupling=RebaCoupling.FAIR, repeated_small_range_over_4_per_min=True)
    result = assess_reba(posture, task)
    intermediate = (
        result.trunk_score, result.neck_score, result.legs_score, result.table_a_score,
        result.load_force_score, result.score_a, result.upper_arm_score, result.lower_arm_score,
        result.wrist_score, result.table_b_score, result.coupling_score, result.score_b,
        result.table_c_score, result.activity_score, result.reba_score,
    )
    assert intermediate == (4, 2, 1, 5, 2, 7, 3, 2, 1, 4, 1, 5, 9, 1, 10)
    assert result.risk_level is RiskLevel.HIGH
    assert (result.action_level, result.action) == (3, "Necessary soon")
    assert result.wrist_measured
    assert result.assumptions == ()


def test_squat_with_twist_scenario_scores_the_twist() -> None:
    """Same load lifted with a squat (trunk 25°, knees 90°) but twisted: trunk 4, legs 3.

    Neck 10° (1) -> Table A(4, 1, 3) = 6, + load 2 = score A 8; arms as in the stoop scenario ->
    score B 5; Table C(8, 5) = 10, + activity 1 = 11: very high.
    """
    posture = RebaPosture(
        trunk_flexion_deg=25.0,
        trunk_twisted_or_side_bent=True,
        knee_flexion_deg=90.0,
        neck_flexion_deg=10.0,
        upper_arm_flexion_deg=50.0,
        lower_arm_flexion_deg=40.0,
        wrist_flexion_deg=10.0,
    )
    task = RebaTask(load_kg=12.0, coupling=RebaCoupling.FAIR, repeated_small_range_over_4_per_min=True)
    result = assess_reba(posture, task)
    assert (result.trunk_score, result.legs_score, result.table_a_score, result.score_a) == (4, 3, 6, 8)
    assert (result.table_c_score, result.reba_score, result.risk_level) == (10, 11, RiskLevel.VERY_HIGH)


def test_unmeasured_parts_get_stated_defaults_and_are_listed() -> None:
    posture = RebaPosture(trunk_flexion_deg=0.0, trunk_twisted_or_side_bent=False, knee_flexion_deg=0.0)
    result = assess_reba(posture, RebaTask())
    part_scores = (result.neck_score, result.upper_arm_score, result.lower_arm_score, result.wrist_score)
    assert part_scores == (1, 1, 1, 1)
    assert not result.wrist_measured
    assert "wrist not measured: wrist score 1 assumed" in result.assumptions
    assert result.reba_score == 1
    assert result.risk_level is RiskLevel.NEGLIGIBLE


def _metrics(**overrides: object) -> dict[str, object]:
    metrics: dict[str, object] = {
        "trunk_flexion_deg": 30.0,
        "torso_twist_deg": 0.0,
        "lateral_bend_deg": 0.0,
        "neck_flexion_deg": 10.0,
        "knee_flexion_deg": 40.0,
        "upper_arm_flexion_deg": 30.0,
        "lower_arm_flexion_deg": 80.0,
        "one_leg_support": False,
    }
    metrics.update(overrides)
    return metrics


@pytest.mark.parametrize("missing", ["trunk_flexion_deg", "knee_flexion_deg"])
def test_posture_from_metrics_is_none_without_trunk_or_legs(missing: str) -> None:
    assert reba_posture_from_metrics(**_metrics(**{missing: None})) is None


@pytest.mark.parametrize(
    ("twist", "bend", "expected"),
    [(15.0, 0.0, False), (15.1, 0.0, True), (-20.0, 0.0, True), (0.0, 10.0, False), (0.0, -10.5, True),
     (None, None, False)],
)
def test_posture_from_metrics_twist_and_side_bend_thresholds(twist, bend, expected: bool) -> None:
    posture = reba_posture_from_metrics(**_metrics(torso_twist_deg=twist, lateral_bend_deg=bend))
    assert posture is not None
    assert posture.trunk_twisted_or_side_bent is expected


def test_posture_from_metrics_thresholds_are_configurable() -> None:
    posture = reba_posture_from_metrics(**_metrics(torso_twist_deg=12.0), twist_threshold_deg=10.0)
    assert posture is not None and posture.trunk_twisted_or_side_bent


def test_posture_from_metrics_maps_fields_and_marks_the_wrist_unmeasured() -> None:
    posture = reba_posture_from_metrics(**_metrics(one_leg_support=True))
    assert posture is not None
    assert (posture.trunk_flexion_deg, posture.knee_flexion_deg) == (30.0, 40.0)
    assert posture.neck_flexion_deg == 10.0
    assert (posture.upper_arm_flexion_deg, posture.lower_arm_flexion_deg) == (30.0, 80.0)
    assert posture.bilateral_weight_bearing is False
    result = assess_reba(posture, RebaTask())
    assert not result.wrist_measured
    assert result.wrist_score == 1
    assert any("wrist not measured" in note for note in result.assumptions)
    assert any("assumed absent" in note for note in result.assumptions)
    # trunk 3, neck 1, legs 2 + 1 (knee 40°) = 3 -> Table A 5; upper arm 2, lower arm 1, wrist 1 -> 1
    table_scores = (result.table_a_score, result.table_b_score, result.table_c_score)
    assert table_scores == (5, 1, 4)
    assert result.reba_score == 4


def test_posture_from_metrics_missing_arm_angles_fall_back_to_defaults() -> None:
    posture = reba_posture_from_metrics(
        **_metrics(neck_flexion_deg=None, upper_arm_flexion_deg=None, lower_arm_flexion_deg=None)
    )
    assert posture is not None
    result = assess_reba(posture, RebaTask())
    assert {"neck not measured: neck score 1 assumed", "upper arm not measured: upper arm score 1 assumed",
            "lower arm not measured: lower arm score 1 assumed"} <= set(result.assumptions)


angles = st.floats(min_value=-90.0, max_value=180.0, allow_nan=False)


@given(
    trunk=angles, neck=angles, knee=st.floats(0.0, 160.0), upper=angles, lower=st.floats(0.0, 160.0),
    wrist=st.floats(-90.0, 90.0), flags=st.lists(st.booleans(), min_size=9, max_size=9),
    load=st.floats(0.0, 50.0), extra_load=st.floats(0.0, 50.0), coupling=st.sampled_from(list(RebaCoupling)),
)
def test_final_score_is_in_range_and_never_drops_with_more_load(
    trunk, neck, knee, upper, lower, wrist, flags, load, extra_load, coupling
) -> None:
    posture = RebaPosture(
        trunk_flexion_deg=trunk, trunk_twisted_or_side_bent=flags[0], knee_flexion_deg=knee,
        bilateral_weight_bearing=flags[1], neck_flexion_deg=neck, neck_twisted_or_side_bent=flags[2],
        upper_arm_flexion_deg=upper, shoulder_raised=flags[3], arm_abducted_or_rotated=flags[4],
        arm_supported_or_leaning=flags[5], lower_arm_flexion_deg=lower, wrist_flexion_deg=wrist,
        wrist_deviated_or_twisted=flags[6],
    )
    lighter = assess_reba(posture, RebaTask(load_kg=load, coupling=coupling, static_over_1_min=flags[7]))
    heavier = assess_reba(
        posture, RebaTask(load_kg=load + extra_load, coupling=coupling, static_over_1_min=flags[7])
    )
    assert 1 <= lighter.reba_score <= 15
    assert heavier.reba_score >= lighter.reba_score
