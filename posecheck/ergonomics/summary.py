"""The ergonomic scores of a report: its REBA and NIOSH summaries and each frame's REBA, as typed report parts.

Lengths in cm, weights in kg, times in s, angles in degrees. A lifting index is null when the load is
unknown (and when the RWL is 0, where the risk band is still "high").
"""

from __future__ import annotations

import math

from posecheck.config import ErgonomicsConfig
from posecheck.ergonomics.lifts import HandPosition, LiftAssessment
from posecheck.ergonomics.niosh import NioshResult
from posecheck.ergonomics.reba import RiskLevel, activity_score, risk_level
from posecheck.ergonomics.video import NioshOutcome, frame_reba, reba_task
from posecheck.frames import REBA_PARTS, FrameTable
from posecheck.outputs.report_model import (
    FrameReba,
    NioshEnd,
    NioshLift,
    NioshSummary,
    RebaDriver,
    RebaSummary,
    RebaTask,
    RebaWorst,
)
from posecheck.outputs.report_model import HandPosition as HandPositionRecord

# Body part → (highest score, the metric behind it). The wrist is not measured from video.
REBA_PART_SCALE: dict[str, tuple[int, str]] = {
    "trunk": (5, "trunk_flexion_deg"),
    "neck": (3, "neck_flexion_deg"),
    "legs": (4, "knee_flexion_deg"),
    "upper_arm": (6, "upper_arm_flexion_deg"),
    "lower_arm": (2, "lower_arm_flexion_deg"),
}
VIDEO_REBA_ASSUMPTIONS = ("single-leg support not measured: both feet assumed to bear weight",)


def reba_summary(table: FrameTable, settings: ErgonomicsConfig) -> RebaSummary:
    """The report's REBA summary: worst moment, time share per risk level, task inputs, assumptions."""
    scored = [row for row in range(len(table)) if table.reba_score(row) is not None]
    worst = max(scored, key=lambda row: (table.reba_score(row), -row)) if scored else None
    assumptions = list(VIDEO_REBA_ASSUMPTIONS)
    if worst is not None:
        result = frame_reba(table.row_metrics(worst), settings)
        assumptions += list(result.assumptions) if result is not None else []
    if settings.load_kg <= 0:
        assumptions.append("load weight unknown: load score 0 (give the load in kg)")
    return RebaSummary(
        frames_scored=len(scored),
        worst=None if worst is None else _worst_moment(table, worst),
        time_share_by_risk=_time_share(table, scored),
        task=_reba_task(settings),
        assumptions=tuple(assumptions),
    )


def frame_reba_record(table: FrameTable, row: int) -> FrameReba | None:
    """REBA of row `row` as a report frame has it; None if not scored."""
    score = table.reba_score(row)
    if score is None:
        return None
    level = risk_level(score)
    return FrameReba(
        score=score,
        risk=level.label,
        action_level=level.action_level,
        score_a=table.reba["score_a"][row],
        score_b=table.reba["score_b"][row],
        table_c=table.reba["table_c"][row],
        parts={part: table.reba[part][row] for part in REBA_PARTS},
    )


def _worst_moment(table: FrameTable, row: int) -> RebaWorst:
    reba = frame_reba_record(table, row)
    assert reba is not None  # only scored rows are passed
    return RebaWorst(
        time_s=round(table.time_s[row], 3),
        frame_index=table.index[row],
        score=reba.score,
        risk=reba.risk,
        action_level=reba.action_level,
        score_a=reba.score_a,
        score_b=reba.score_b,
        table_c=reba.table_c,
        parts=reba.parts,
        action=risk_level(reba.score).action,
        drivers=reba_drivers(table, row),
    )


def reba_drivers(table: FrameTable, row: int) -> tuple[RebaDriver, ...]:
    """Body parts scoring above their minimum in row `row`, the most severe (share of its range) first."""
    drivers = [
        RebaDriver(part=part, score=score, max_score=highest, metric=metric, value_deg=table.metric(row, metric))
        for part, (highest, metric) in REBA_PART_SCALE.items()
        if (score := table.reba[part][row]) > 1
    ]
    return tuple(sorted(drivers, key=lambda item: (item.score - 1) / (item.max_score - 1), reverse=True))


def _time_share(table: FrameTable, scored: list[int]) -> dict[str, float]:
    """Share of the scored frames (equally spaced in time) at each risk level."""
    counts = dict.fromkeys((level.label for level in RiskLevel), 0)
    for row in scored:
        counts[risk_level(table.reba["score"][row]).label] += 1
    return {label: round(count / len(scored), 3) if scored else 0.0 for label, count in counts.items()}


def _reba_task(settings: ErgonomicsConfig) -> RebaTask:
    task = reba_task(settings)
    return RebaTask(
        load_kg=settings.load_kg or None,
        coupling=settings.coupling,
        shock_or_rapid_force=task.shock_or_rapid_force,
        activity_score=activity_score(task),
    )


def niosh_summary(outcome: NioshOutcome, settings: ErgonomicsConfig) -> NioshSummary:
    """The report's NIOSH summary: one entry per lift, the frequency used, the task inputs and the assumptions."""
    load_known = settings.load_kg > 0
    return NioshSummary(
        lifts=tuple(niosh_lift(number, item, load_known) for number, item in enumerate(outcome.assessments, 1)),
        frequency_lifts_per_min=round(outcome.frequency_lifts_per_min, 2),
        frequency_source=outcome.frequency_source,
        load_kg=settings.load_kg if load_known else None,
        coupling=settings.coupling,
        work_duration=settings.work_duration,
        leg_length_m=None if outcome.scale is None else round(outcome.scale.leg_length_m, 3),
        length_source=None if outcome.scale is None else outcome.scale.source,
        assumptions=tuple(outcome.assumptions),
    )


def niosh_lift(number: int, assessment: LiftAssessment, load_known: bool) -> NioshLift:
    """One lift: ends, travel, the governing end's multipliers, RWL, LI, band and limiting factors."""
    lift, governing = assessment.lift, assessment.governing
    result = _end(governing, load_known)
    return NioshLift(
        lift=number,
        start_s=round(lift.pick_up_s, 3),
        end_s=round(lift.put_down_s, 3),
        origin=_position(lift.origin),
        destination=_position(lift.destination),
        d_cm=round(lift.d_cm, 1),
        frequency_lifts_per_min=round(assessment.frequency_lifts_per_min, 2),
        governing_end="origin" if governing is assessment.at_origin else "destination",
        multipliers=result.multipliers,
        rwl_kg=result.rwl_kg,
        lifting_index=result.lifting_index,
        risk_band=result.risk_band,
        limiting_factors=tuple(governing.limiting_factors()),
        ends={"origin": _end(assessment.at_origin, load_known),
              "destination": _end(assessment.at_destination, load_known)},
    )


def _position(position: HandPosition) -> HandPositionRecord:
    return HandPositionRecord(h_cm=round(position.h_cm, 1), v_cm=round(position.v_cm, 1),
                              a_deg=round(position.a_deg, 1))


def _end(result: NioshResult, load_known: bool) -> NioshEnd:
    multipliers = {"HM": result.hm, "VM": result.vm, "DM": result.dm, "AM": result.am, "FM": result.fm,
                   "CM": result.cm}
    finite_index = math.isfinite(result.lifting_index)
    return NioshEnd(
        multipliers={name: round(value, 3) for name, value in multipliers.items()},
        rwl_kg=round(result.rwl, 2),
        lifting_index=round(result.lifting_index, 2) if load_known and finite_index else None,
        risk_band=result.risk_band.value if load_known else None,
    )
