"""REBA, Rapid Entire Body Assessment (Hignett & McAtamney, Applied Ergonomics 31 (2000) 201-205).

Pure functions: body-part scores, Tables A, B and C as published, load/force, coupling and activity
scores, the final score with its risk and action level. Angles are in degrees; load in kilograms.

Conventions for measured angles (the method's bands share their end points, e.g. "0-20°" and
"20-60°"): an end point belongs to the lower, less severe band (trunk flexion of exactly 20° scores 2,
exactly 60° scores 3; knee flexion of exactly 30° and 60° both add +1). A trunk within
``NEUTRAL_TOLERANCE_DEG`` of vertical counts as "upright", and only neck extension beyond that
tolerance counts as "in extension": a measured angle is never exactly 0°.
"""

from dataclasses import dataclass
from enum import Enum

# Our convention (not in the paper): how far from 0° a measured trunk still counts as upright, and
# how far the neck must extend to count as "in extension".
NEUTRAL_TOLERANCE_DEG = 5.0

# Stated defaults for body parts that are not measured (e.g. the wrist, not reliably seen on video):
# the most favourable score of each part, so the REBA score is a lower bound for that part.
UNMEASURED_NECK_SCORE = 1
UNMEASURED_UPPER_ARM_SCORE = 1
UNMEASURED_LOWER_ARM_SCORE = 1
UNMEASURED_WRIST_SCORE = 1

# Table A (Hignett & McAtamney 2000, Table A; same on the REBA employee assessment worksheet):
# TABLE_A[trunk - 1][neck - 1][legs - 1], trunk 1-5, neck 1-3, legs 1-4.
TABLE_A: tuple[tuple[tuple[int, ...], ...], ...] = (
    ((1, 2, 3, 4), (1, 2, 3, 4), (3, 3, 5, 6)),
    ((2, 3, 4, 5), (3, 4, 5, 6), (4, 5, 6, 7)),
    ((2, 4, 5, 6), (4, 5, 6, 7), (5, 6, 7, 8)),
    ((3, 5, 6, 7), (5, 6, 7, 8), (6, 7, 8, 9)),
    ((4, 6, 7, 8), (6, 7, 8, 9), (7, 8, 9, 9)),
)

# Table B (Hignett & McAtamney 2000, Table B): TABLE_B[upper arm - 1][lower arm - 1][wrist - 1],
# upper arm 1-6, lower arm 1-2, wrist 1-3.
TABLE_B: tuple[tuple[tuple[int, ...], ...], ...] = (
    ((1, 2, 2), (1, 2, 3)),
    ((1, 2, 3), (2, 3, 4)),
    ((3, 4, 5), (4, 5, 5)),
    ((4, 5, 5), (5, 6, 7)),
    ((6, 7, 8), (7, 8, 8)),
    ((7, 8, 8), (8, 9, 9)),
)

# Table C (Hignett & McAtamney 2000, Table C): TABLE_C[score A - 1][score B - 1], both 1-12.
TABLE_C: tuple[tuple[int, ...], ...] = (
    (1, 1, 1, 2, 3, 3, 4, 5, 6, 7, 7, 7),
    (1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 7, 8),
    (2, 3, 3, 3, 4, 5, 6, 7, 7, 8, 8, 8),
    (3, 4, 4, 4, 5, 6, 7, 8, 8, 9, 9, 9),
    (4, 4, 4, 5, 6, 7, 8, 8, 9, 9, 9, 9),
    (6, 6, 6, 7, 8, 8, 9, 9, 10, 10, 10, 10),
    (7, 7, 7, 8, 9, 9, 9, 10, 10, 11, 11, 11),
    (8, 8, 8, 9, 10, 10, 10, 10, 10, 11, 11, 11),
    (9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12),
    (10, 10, 10, 11, 11, 11, 11, 12, 12, 12, 12, 12),
    (11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12),
    (12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12),
)


class RebaCoupling(Enum):
    """REBA hand-load coupling; the value is the coupling score (Hignett & McAtamney 2000, Table 3)."""

    GOOD = 0  # well-fitting handle and a mid-range power grip
    FAIR = 1  # hand hold acceptable but not ideal, or coupling acceptable via another body part
    POOR = 2  # hand hold not acceptable although possible
    UNACCEPTABLE = 3  # awkward, unsafe grip, no handles; unacceptable using other body parts


class RiskLevel(Enum):
    """REBA risk level: label, action level and action as in Hignett & McAtamney 2000 (Table 5), and
    the wording of the REBA employee assessment worksheet."""

    NEGLIGIBLE = ("negligible", 0, "None necessary", "Negligible Risk")
    LOW = ("low", 1, "May be necessary", "Low Risk. Change may be needed.")
    MEDIUM = ("medium", 2, "Necessary", "Medium Risk. Further Investigate. Change Soon.")
    HIGH = ("high", 3, "Necessary soon", "High Risk. Investigate and Implement Change.")
    VERY_HIGH = ("very high", 4, "Necessary NOW", "Very High Risk. Implement Change.")

    @property
    def label(self) -> str:
        """Risk level as published ("negligible" ... "very high")."""
        return self.value[0]

    @property
    def action_level(self) -> int:
        """Published action level, 0-4."""
        return self.value[1]

    @property
    def action(self) -> str:
        """Published action (including further assessment) for this risk level."""
        return self.value[2]

    @property
    def worksheet_text(self) -> str:
        """The risk sentence printed on the REBA employee assessment worksheet."""
        return self.value[3]


@dataclass(frozen=True)
class RebaPosture:
    """One posture to score. Angles in degrees; flexion positive, extension negative.

    ``None`` for the neck, arm or wrist angle means "not measured": the part gets its stated default
    score and the result lists that assumption.
    """

    trunk_flexion_deg: float
    trunk_twisted_or_side_bent: bool
    knee_flexion_deg: float
    bilateral_weight_bearing: bool = True
    neck_flexion_deg: float | None = None
    neck_twisted_or_side_bent: bool = False
    upper_arm_flexion_deg: float | None = None
    shoulder_raised: bool = False
    arm_abducted_or_rotated: bool = False
    arm_supported_or_leaning: bool = False
    lower_arm_flexion_deg: float | None = None
    wrist_flexion_deg: float | None = None
    wrist_deviated_or_twisted: bool = False
    assumptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class RebaTask:
    """Task factors of REBA: load (kg), coupling and the three activity flags."""

    load_kg: float = 0.0
    shock_or_rapid_force: bool = False
    coupling: RebaCoupling = RebaCoupling.GOOD
    static_over_1_min: bool = False
    repeated_small_range_over_4_per_min: bool = False
    rapid_large_changes_or_unstable_base: bool = False


@dataclass(frozen=True)
class RebaResult:
    """Every intermediate REBA score, the final score, its risk level and the assumptions made."""

    trunk_score: int
    neck_score: int
    legs_score: int
    upper_arm_score: int
    lower_arm_score: int
    wrist_score: int
    table_a_score: int
    load_force_score: int
    score_a: int
    table_b_score: int
    coupling_score: int
    score_b: int
    table_c_score: int
    activity_score: int
    reba_score: int
    risk_level: RiskLevel
    wrist_measured: bool
    assumptions: tuple[str, ...]

    @property
    def action_level(self) -> int:
        """Published action level, 0-4."""
        return self.risk_level.action_level

    @property
    def action(self) -> str:
        """Published action text for the final score."""
        return self.risk_level.action


def trunk_score(
    flexion_deg: float, twisted_or_side_bent: bool, upright_tolerance_deg: float = NEUTRAL_TOLERANCE_DEG
) -> int:
    """Trunk score 1-5 from trunk flexion in degrees (negative = extension) and twist/side-bend."""
    if abs(flexion_deg) <= upright_tolerance_deg:
        base = 1
    elif -20.0 <= flexion_deg <= 20.0:
        base = 2
    elif flexion_deg <= 60.0:  # 20-60° flexion, or extension beyond 20°
        base = 3
    else:
        base = 4
    return base + int(twisted_or_side_bent)


def neck_score(
    flexion_deg: float, twisted_or_side_bent: bool, extension_tolerance_deg: float = NEUTRAL_TOLERANCE_DEG
) -> int:
    """Neck score 1-3 from neck flexion in degrees (negative = extension) and twist/side-bend."""
    in_extension = flexion_deg < -extension_tolerance_deg
    base = 2 if flexion_deg > 20.0 or in_extension else 1
    return base + int(twisted_or_side_bent)


def legs_score(bilateral_weight_bearing: bool, knee_flexion_deg: float) -> int:
    """Legs score 1-4 from weight bearing and knee flexion in degrees (30-60° +1, over 60° +2)."""
    base = 1 if bilateral_weight_bearing else 2
    if knee_flexion_deg > 60.0:
        return base + 2
    if knee_flexion_deg >= 30.0:
        return base + 1
    return base


def upper_arm_score(
    flexion_deg: float, shoulder_raised: bool, abducted_or_rotated: bool, supported_or_leaning: bool
) -> int:
    """Upper arm score 1-6 from flexion in degrees (negative = extension) and its three adjustments."""
    if -20.0 <= flexion_deg <= 20.0:
        base = 1
    elif flexion_deg <= 45.0:  # 20-45° flexion, or extension beyond 20°
        base = 2
    elif flexion_deg <= 90.0:
        base = 3
    else:
        base = 4
    adjusted = base + int(shoulder_raised) + int(abducted_or_rotated) - int(supported_or_leaning)
    return max(1, adjusted)


def lower_arm_score(flexion_deg: float) -> int:
    """Lower arm score 1-2: 1 for 60-100° elbow flexion, else 2."""
    return 1 if 60.0 <= flexion_deg <= 100.0 else 2


def wrist_score(flexion_deg: float, deviated_or_twisted: bool) -> int:
    """Wrist score 1-3 from wrist flexion/extension in degrees and deviation/twist."""
    base = 1 if abs(flexion_deg) <= 15.0 else 2
    return base + int(deviated_or_twisted)


def table_a(trunk: int, neck: int, legs: int) -> int:
    """Posture score A from Table A (trunk 1-5, neck 1-3, legs 1-4)."""
    _check_range("trunk", trunk, 5)
    _check_range("neck", neck, 3)
    _check_range("legs", legs, 4)
    return TABLE_A[trunk - 1][neck - 1][legs - 1]


def table_b(upper_arm: int, lower_arm: int, wrist: int) -> int:
    """Posture score B from Table B (upper arm 1-6, lower arm 1-2, wrist 1-3)."""
    _check_range("upper arm", upper_arm, 6)
    _check_range("lower arm", lower_arm, 2)
    _check_range("wrist", wrist, 3)
    return TABLE_B[upper_arm - 1][lower_arm - 1][wrist - 1]


def table_c(score_a: int, score_b: int) -> int:
    """Score C from Table C (score A 1-12, score B 1-12)."""
    _check_range("score A", score_a, 12)
    _check_range("score B", score_b, 12)
    return TABLE_C[score_a - 1][score_b - 1]


def load_force_score(load_kg: float, shock_or_rapid_force: bool) -> int:
    """Load/force score 0-3: under 5 kg 0, 5-10 kg 1, over 10 kg 2; +1 for shock or rapid build-up."""
    if load_kg < 0:
        raise ValueError(f"load must be >= 0 kg, got {load_kg}")
    if load_kg < 5.0:
        base = 0
    elif load_kg <= 10.0:
        base = 1
    else:
        base = 2
    return base + int(shock_or_rapid_force)


def coupling_score(coupling: RebaCoupling) -> int:
    """Coupling score 0-3 (good, fair, poor, unacceptable)."""
    return coupling.value


def activity_score(task: RebaTask) -> int:
    """Activity score 0-3: +1 each for static >1 min, repeated small-range >4/min, rapid/unstable."""
    flags = (
        task.static_over_1_min,
        task.repeated_small_range_over_4_per_min,
        task.rapid_large_changes_or_unstable_base,
    )
    return sum(int(flag) for flag in flags)


def risk_level(reba: int) -> RiskLevel:
    """Risk level of a final REBA score 1-15: 1 negligible, 2-3 low, 4-7 medium, 8-10 high, 11+ very high."""
    _check_range("REBA score", reba, 15)
    if reba == 1:
        return RiskLevel.NEGLIGIBLE
    if reba <= 3:
        return RiskLevel.LOW
    if reba <= 7:
        return RiskLevel.MEDIUM
    if reba <= 10:
        return RiskLevel.HIGH
    return RiskLevel.VERY_HIGH


def assess_reba(posture: RebaPosture, task: RebaTask) -> RebaResult:
    """Score one posture with its task factors; returns every intermediate score and the final REBA."""
    assumptions = list(posture.assumptions)
    trunk = trunk_score(posture.trunk_flexion_deg, posture.trunk_twisted_or_side_bent)
    neck = _neck_or_default(posture, assumptions)
    legs = legs_score(posture.bilateral_weight_bearing, posture.knee_flexion_deg)
    upper_arm = _upper_arm_or_default(posture, assumptions)
    lower_arm = _lower_arm_or_default(posture, assumptions)
    wrist = _wrist_or_default(posture, assumptions)

    table_a_value = table_a(trunk, neck, legs)
    load = load_force_score(task.load_kg, task.shock_or_rapid_force)
    table_b_value = table_b(upper_arm, lower_arm, wrist)
    coupling = coupling_score(task.coupling)
    score_a = table_a_value + load
    score_b = table_b_value + coupling
    table_c_value = table_c(score_a, score_b)
    activity = activity_score(task)
    reba = table_c_value + activity
    return RebaResult(
        trunk_score=trunk,
        neck_score=neck,
        legs_score=legs,
        upper_arm_score=upper_arm,
        lower_arm_score=lower_arm,
        wrist_score=wrist,
        table_a_score=table_a_value,
        load_force_score=load,
        score_a=score_a,
        table_b_score=table_b_value,
        coupling_score=coupling,
        score_b=score_b,
        table_c_score=table_c_value,
        activity_score=activity,
        reba_score=reba,
        risk_level=risk_level(reba),
        wrist_measured=posture.wrist_flexion_deg is not None,
        assumptions=tuple(assumptions),
    )


def reba_posture_from_metrics(
    *,
    trunk_flexion_deg: float | None,
    torso_twist_deg: float | None,
    lateral_bend_deg: float | None,
    neck_flexion_deg: float | None,
    knee_flexion_deg: float | None,
    upper_arm_flexion_deg: float | None,
    lower_arm_flexion_deg: float | None,
    one_leg_support: bool,
    twist_threshold_deg: float = 15.0,
    side_bend_threshold_deg: float = 10.0,
) -> RebaPosture | None:
    """Map posecheck per-frame metrics (degrees) to a RebaPosture; None if trunk or knee is unknown.

    ``upper_arm_flexion_deg`` is the larger of both arms. The twist threshold of 15° follows RULA
    implementations (twist "above about 15°", /work/shared/reference/ergonomics.md); the side-bend
    threshold of 10° is our default. Neither is given as an angle by REBA itself. Video does not show
    the wrist, neck rotation, shoulder elevation, arm abduction/rotation or arm support: the wrist gets
    its default score and the flags are assumed absent; both facts are listed in ``assumptions``.
    """
    if trunk_flexion_deg is None or knee_flexion_deg is None:
        return None
    twisted = torso_twist_deg is not None and abs(torso_twist_deg) > twist_threshold_deg
    side_bent = lateral_bend_deg is not None and abs(lateral_bend_deg) > side_bend_threshold_deg
    assumptions = [
        "neck twist/side-bend, shoulder raise, arm abduction/rotation and arm support "
        "not measured from video: assumed absent"
    ]
    if torso_twist_deg is None:
        assumptions.append("torso twist not measured: assumed not twisted")
    if lateral_bend_deg is None:
        assumptions.append("lateral bend not measured: assumed not side-bent")
    return RebaPosture(
        trunk_flexion_deg=trunk_flexion_deg,
        trunk_twisted_or_side_bent=twisted or side_bent,
        knee_flexion_deg=knee_flexion_deg,
        bilateral_weight_bearing=not one_leg_support,
        neck_flexion_deg=neck_flexion_deg,
        upper_arm_flexion_deg=upper_arm_flexion_deg,
        lower_arm_flexion_deg=lower_arm_flexion_deg,
        wrist_flexion_deg=None,
        assumptions=tuple(assumptions),
    )


def _neck_or_default(posture: RebaPosture, assumptions: list[str]) -> int:
    if posture.neck_flexion_deg is None:
        assumptions.append(f"neck not measured: neck score {UNMEASURED_NECK_SCORE} assumed")
        return UNMEASURED_NECK_SCORE + int(posture.neck_twisted_or_side_bent)
    return neck_score(posture.neck_flexion_deg, posture.neck_twisted_or_side_bent)


def _upper_arm_or_default(posture: RebaPosture, assumptions: list[str]) -> int:
    if posture.upper_arm_flexion_deg is None:
        assumptions.append(f"upper arm not measured: upper arm score {UNMEASURED_UPPER_ARM_SCORE} assumed")
        return UNMEASURED_UPPER_ARM_SCORE
    return upper_arm_score(
        posture.upper_arm_flexion_deg,
        posture.shoulder_raised,
        posture.arm_abducted_or_rotated,
        posture.arm_supported_or_leaning,
    )


def _lower_arm_or_default(posture: RebaPosture, assumptions: list[str]) -> int:
    if posture.lower_arm_flexion_deg is None:
        assumptions.append(f"lower arm not measured: lower arm score {UNMEASURED_LOWER_ARM_SCORE} assumed")
        return UNMEASURED_LOWER_ARM_SCORE
    return lower_arm_score(posture.lower_arm_flexion_deg)


def _wrist_or_default(posture: RebaPosture, assumptions: list[str]) -> int:
    if posture.wrist_flexion_deg is None:
        assumptions.append(f"wrist not measured: wrist score {UNMEASURED_WRIST_SCORE} assumed")
        return UNMEASURED_WRIST_SCORE + int(posture.wrist_deviated_or_twisted)
    return wrist_score(posture.wrist_flexion_deg, posture.wrist_deviated_or_twisted)


def _check_range(name: str, value: int, maximum: int, minimum: int = 1) -> None:
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must be in {minimum}..{maximum}, got {value}")

