"""report.json layout of the ergonomic scores: ``summary["reba"]`` and ``summary["niosh"]``.

Lengths in cm, weights in kg, times in s, angles in degrees. A lifting index is null when the load is
unknown (and when the RWL is 0, where the risk band is still "high").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from posecheck.config import ErgonomicsConfig
from posecheck.ergonomics.lifts import HandPosition, LiftAssessment
from posecheck.ergonomics.niosh import NioshResult
from posecheck.ergonomics.reba import RiskLevel, activity_score, risk_level
from posecheck.ergonomics.video import NioshOutcome, frame_reba, reba_task

if TYPE_CHECKING:
    from posecheck.frames import FrameTable

# Body part → (highest score, the metric behind it). The wrist is not measured from video.
REBA_PART_SCALE: dict[str, tuple[int, str]] = {
    "trunk": (5, "trunk_flexion_deg"),
    "neck": (3, "neck_flexion_deg"),
    "legs": (4, "knee_flexion_deg"),
    "upper_arm": (6, "upper_arm_flexion_deg"),
    "lower_arm": (2, "lower_arm_flexion_deg"),
}
VIDEO_REBA_ASSUMPTIONS = ("single-leg support not measured: both feet assumed to bear weight",)


def reba_summary(table: FrameTable, settings: ErgonomicsConfig) -> dict[str, Any]:
    """summary["reba"]: worst moment, time share per risk level, task inputs, assumptions."""
    scored = [row for row in range(len(table)) if table.reba_score(row) is not None]
    worst = max(scored, key=lambda row: (table.reba_score(row), -row)) if scored else None
    assumptions = list(VIDEO_REBA_ASSUMPTIONS)
    if worst is not None:
        result = frame_reba(table.row_metrics(worst), settings)
        assumptions += list(result.assumptions) if result is not None else []
    if settings.load_kg <= 0:
        assumptions.append("load weight unknown: load score 0 (give the load in kg)")
    return {
        "frames_scored": len(scored),
        "worst": None if worst is None else _worst_moment(table, worst),
        "time_share_by_risk": _time_share(table, scored),
        "task": _reba_task_dict(settings),
        "assumptions": assumptions,
    }


def _worst_moment(table: FrameTable, row: int) -> dict[str, Any]:
    reba = table.reba_dict(row)
    assert reba is not None  # only scored rows are passed
    return {
        "time_s": round(table.time_s[row], 3),
        "frame_index": table.index[row],
        **reba,
        "action": risk_level(reba["score"]).action,
        "drivers": reba_drivers(table, row),
    }


def reba_drivers(table: FrameTable, row: int) -> list[dict[str, Any]]:
    """Body parts scoring above their minimum in row `row`, the most severe (share of its range) first."""
    drivers = []
    for part, (highest, metric) in REBA_PART_SCALE.items():
        score = table.reba[part][row]
        if score > 1:
            drivers.append({
                "part": part, "score": score, "max_score": highest, "metric": metric,
                "value_deg": table.metric(row, metric),
            })
    return sorted(drivers, key=lambda item: (item["score"] - 1) / (item["max_score"] - 1), reverse=True)


def _time_share(table: FrameTable, scored: list[int]) -> dict[str, float]:
    """Share of the scored frames (equally spaced in time) at each risk level."""
    counts = dict.fromkeys((level.label for level in RiskLevel), 0)
    for row in scored:
        counts[risk_level(table.reba["score"][row]).label] += 1
    return {label: round(count / len(scored), 3) if scored else 0.0 for label, count in counts.items()}


def _reba_task_dict(settings: ErgonomicsConfig) -> dict[str, Any]:
    task = reba_task(settings)
    return {
        "load_kg": settings.load_kg or None,
        "coupling": settings.coupling,
        "shock_or_rapid_force": task.shock_or_rapid_force,
        "activity_score": activity_score(task),
    }


def niosh_summary(outcome: NioshOutcome, settings: ErgonomicsConfig) -> dict[str, Any]:
    """summary["niosh"]: one entry per lift, the frequency used, the task inputs and the assumptions."""
    load_known = settings.load_kg > 0
    return {
        "lifts": [lift_dict(number, item, load_known) for number, item in enumerate(outcome.assessments, 1)],
        "frequency_lifts_per_min": round(outcome.frequency_lifts_per_min, 2),
        "frequency_source": outcome.frequency_source,
        "load_kg": settings.load_kg if load_known else None,
        "coupling": settings.coupling,
        "work_duration": settings.work_duration,
        "leg_length_m": None if outcome.scale is None else round(outcome.scale.leg_length_m, 3),
        "length_source": None if outcome.scale is None else outcome.scale.source,
        "assumptions": list(outcome.assumptions),
    }


def lift_dict(number: int, assessment: LiftAssessment, load_known: bool) -> dict[str, Any]:
    """One lift: ends, travel, the governing end's multipliers, RWL, LI, band and limiting factors."""
    lift, governing = assessment.lift, assessment.governing
    end = "origin" if governing is assessment.at_origin else "destination"
    return {
        "lift": number,
        "start_s": round(lift.pick_up_s, 3),
        "end_s": round(lift.put_down_s, 3),
        "origin": _position(lift.origin),
        "destination": _position(lift.destination),
        "D_cm": round(lift.d_cm, 1),
        "F": round(assessment.frequency_lifts_per_min, 2),
        "governing_end": end,
        **_end_dict(governing, load_known),
        "limiting_factors": list(governing.limiting_factors()),
        "ends": {
            "origin": _end_dict(assessment.at_origin, load_known),
            "destination": _end_dict(assessment.at_destination, load_known),
        },
    }


def _position(position: HandPosition) -> dict[str, float]:
    return {"H_cm": round(position.h_cm, 1), "V_cm": round(position.v_cm, 1), "A_deg": round(position.a_deg, 1)}


def _end_dict(result: NioshResult, load_known: bool) -> dict[str, Any]:
    multipliers = {"HM": result.hm, "VM": result.vm, "DM": result.dm, "AM": result.am, "FM": result.fm,
                   "CM": result.cm}
    finite_index = math.isfinite(result.lifting_index)
    return {
        "multipliers": {name: round(value, 3) for name, value in multipliers.items()},
        "RWL_kg": round(result.rwl, 2),
        "LI": round(result.lifting_index, 2) if load_known and finite_index else None,
        "risk_band": result.risk_band.value if load_known else None,
    }
