"""The report of an analysis: the typed report (posecheck.outputs.report_model) built from an AnalysisResult
(frames, events, summary, view findings, REBA, NIOSH, load); posecheck.outputs writes it as report.json."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from typing import Any

from posecheck import __version__
from posecheck.advice import ADVICE, DISCLAIMER
from posecheck.config import ErgonomicsConfig, LoadConfig, RulesConfig
from posecheck.ergonomics.summary import frame_reba_record, niosh_summary, reba_summary
from posecheck.ergonomics.video import assess_video_lifts, score_reba
from posecheck.frames import FrameTable
from posecheck.framing import event_reliability, view_summary
from posecheck.load import PICK_UP, LoadInference, infer_load
from posecheck.metrics.frame_metrics import METRIC_NAMES
from posecheck.outputs.layout import event_image_path
from posecheck.outputs.report_model import (
    FrameRecord,
    LoadChange,
    LoadSummary,
    Reliability,
    Report,
    ReportEvent,
    ReportSettings,
    ReportSummary,
    ReportVideo,
    TwistIfLoaded,
    ViewEvent,
    ViewFinding,
    ViewSummary,
    WorstMoment,
)
from posecheck.pipeline import AnalysisResult
from posecheck.plausibility import PARTIAL_BODY
from posecheck.rules import RULE_IDS, Event

SEVERITY_ORDER = {"high": 2, "medium": 1, "low": 0}
PEAK_METRICS = ("trunk_flexion_deg", "knee_flexion_deg", "torso_twist_deg")


def report_event(event: Event, reliability: Reliability) -> ReportEvent:
    """One event of the report, with the advice's source and its reliability."""
    return ReportEvent(
        rule=event.rule,
        start_s=round(event.start_s, 3),
        end_s=round(event.end_s, 3),
        peak_s=round(event.peak_s, 3),
        peak_value=event.peak_value,
        metric=event.metric,
        severity=event.severity,
        message=event.message,
        source=ADVICE[event.rule].source,
        start_frame=event.start_frame,
        end_frame=event.end_frame,
        peak_frame=event.peak_frame,
        image=event_image_path(event),
        reliability=reliability,
    )


def load_summary(inference: LoadInference) -> LoadSummary:
    """The report's load summary: the mode, every pick-up and put-down (time, frame, evidence) and the lifts."""
    return LoadSummary(
        mode=inference.mode,
        changes=tuple(
            LoadChange(kind=change.kind, time_s=round(change.time_s, 3), frame=change.index,
                       decided_s=round(change.decided_s, 3), evidence=change.evidence)
            for change in inference.changes
        ),
        lifts=len(inference.lift_spans),
        put_down_not_in_view=bool(inference.changes) and inference.changes[-1].kind == PICK_UP,
        start_not_inferred=inference.start_not_inferred,
        twists_if_loaded=tuple(TwistIfLoaded(start_s=round(start_s, 3), end_s=round(end_s, 3),
                                             peak_deg=round(peak_deg, 1))
                               for start_s, end_s, peak_deg in inference.twists_if_loaded),
    )


START_NOT_INFERRED_NOTE = (
    "Load state not inferred at the start: the clip starts with the hands held up in front and no pick-up in "
    "view, so a load already in the hands (a carry filmed mid-way) cannot be told from empty hands; it was "
    "counted as not held until a pick-up. If a load was carried, analyse again with 'handling a load "
    "throughout' (--load throughout)."
)


def load_notes(inference: LoadInference) -> list[str]:
    """A note when the load state at the clip's start was not inferred (see LoadInference), with the twists
    that would be twisting under load had a load been carried then."""
    if not inference.start_not_inferred:
        return []
    return [START_NOT_INFERRED_NOTE + "".join(twist_if_loaded_sentence(*twist) for twist in inference.twists_if_loaded)]


def twist_if_loaded_sentence(start_s: float, end_s: float, peak_deg: float) -> str:
    """' The torso twisted 31° at 2.1-3.9 s: ...' for a twist found where the load state was not inferred."""
    return (f" The torso twisted {abs(peak_deg):.0f}° at {start_s:.1f}-{end_s:.1f} s: if a load was in the hands, "
            "that was twisting under load.")


def table_load(result: AnalysisResult, ergonomics: ErgonomicsConfig) -> LoadInference:
    """The analysis's load inference; for a result built without one, inferred from its hand heights alone."""
    if result.load is not None:
        return result.load
    table = result.frames
    inferred = infer_load(list(table.time_s), table.series("hand_height_rel"), table.series("hands_separation_rel"),
                          LoadConfig(), "auto", load_known=ergonomics.load_kg > 0)
    declared = [bool(value) for value in table.load_held]
    undecided = inferred.start_not_inferred and not (declared and declared[0])
    return LoadInference("auto", tuple(declared), inferred.changes, inferred.lift_spans, undecided)


def summarize(
    result: AnalysisResult, ergonomics: ErgonomicsConfig | None = None, rules: RulesConfig | None = None
) -> ReportSummary:
    """The report's summary: coverage, lifts, events by rule, worst moments, peak angles, view and framing
    findings (posecheck.framing, judged with the thresholds of `rules`), REBA and NIOSH.

    REBA is scored into `result.frames` first (see score_reba), with the task inputs of `ergonomics`.
    """
    table, events = result.frames, result.events
    settings = ergonomics if ergonomics is not None else ErgonomicsConfig()
    score_reba(table, settings)
    load = table_load(result, settings)
    detected = table.detected_count()
    by_rule = Counter(event.rule for event in events)
    worst = sorted(events, key=lambda e: (SEVERITY_ORDER[e.severity], abs(e.peak_value)), reverse=True)[:3]
    return ReportSummary(
        frames_analysed=len(table),
        frames_with_pose=detected,
        pose_detected_ratio=round(detected / len(table), 3) if len(table) else 0.0,
        lifts_counted=len(load.lift_spans),
        events_total=len(events),
        events_by_rule={rule: by_rule.get(rule, 0) for rule in RULE_IDS},
        worst_moments=tuple(
            WorstMoment(rule=e.rule, peak_s=round(e.peak_s, 3), peak_value=e.peak_value, severity=e.severity)
            for e in worst
        ),
        peaks={name: _extreme(table, name) for name in PEAK_METRICS},
        verdict=_verdict(by_rule),
        view=view_of(table, events, rules or RulesConfig()),
        reba=reba_summary(table, settings),
        niosh=niosh_summary(assess_video_lifts(table, settings, load.lift_spans), settings),
        load=load_summary(load),
        notes=(*result.notes, *twist_notes(table), *load_notes(load)),
        settings=ReportSettings(
            stride=result.settings.stride,
            max_width=result.settings.max_width,
            analysed_width=result.analysed_width,
            analysed_height=result.analysed_height,
            annotated_width=result.annotated_width,
            annotated_height=result.annotated_height,
            model=result.settings.model,
            blur_faces=result.settings.blur_faces,
            posecheck_version=__version__,
        ),
        disclaimer=DISCLAIMER,
    )


def view_of(table: FrameTable, events: list[Event], rules: RulesConfig) -> ViewSummary:
    """The report's view summary: posecheck.framing's findings and each event's reliability."""
    view = view_summary(table, rules)
    return ViewSummary(
        camera_pitch_deg=view["camera_pitch_deg"],
        findings=tuple(
            ViewFinding(kind=item["kind"], message=item["message"], seconds=item["seconds"], share=item["share"],
                        rules=tuple(item["rules"]))
            for item in view["findings"]
        ),
        events=tuple(
            ViewEvent(rule=e.rule, start_s=round(e.start_s, 3), start_frame=e.start_frame,
                      reliability=_reliability(event_reliability(table, e, rules)))
            for e in events
        ),
    )


def _reliability(reliability: dict[str, Any]) -> Reliability:
    """posecheck.framing's reliability of an event, typed."""
    return Reliability(score=reliability["score"], notes=tuple(reliability["notes"]))


# A note when twist was not judged in at least this share of the frames with a measured trunk.
UNJUDGED_TWIST_NOTE_SHARE = 0.05


def twist_notes(table: FrameTable) -> list[str]:
    """A note when twist went unjudged for a partial body (see metrics) in enough of the frames with a
    measured trunk; twist left out for another reason (legs out of place) is not put down to framing."""
    trunk = table.values["trunk_flexion_deg"]
    measured = [row for row in range(len(table)) if not math.isnan(trunk[row])]
    partial = sum(PARTIAL_BODY in table.notes(row) for row in measured)
    if not measured or partial / len(measured) < UNJUDGED_TWIST_NOTE_SHARE:
        return []
    return [f"Twist was not judged in {partial / len(measured):.0%} of the frames: the whole body (head to "
            "feet, both legs seen, both feet on one level) was not in view, and posecheck does not judge twist "
            "from a partial body."]


def _extreme(table: FrameTable, name: str) -> float | None:
    column = [v for v in table.values[name] if not math.isnan(v)]
    if not column:
        return None
    value = max(column, key=abs)
    return round(float(value), 1)


def _verdict(by_rule: Counter) -> str:
    if not by_rule:
        return "No risky lifting technique detected."
    parts = [f"{ADVICE[rule].title.lower()} ({count}x)" for rule, count in by_rule.most_common()]
    return "Check your technique: " + ", ".join(parts) + "."


def build_report(
    result: AnalysisResult, ergonomics: ErgonomicsConfig | None = None, rules: RulesConfig | None = None
) -> Report:
    """The complete report (report.json's video, frames, events and summary).

    `ergonomics` holds the REBA/NIOSH task inputs (defaults when None); the per-frame REBA scores
    land in `result.frames`, so metrics.csv written afterwards carries them too. `rules` (defaults
    when None) are the thresholds the view findings and each event's `reliability` are judged by.
    """
    info = result.video
    summary = summarize(result, ergonomics, rules or RulesConfig())
    assert summary.view is not None  # summarize always judges the view
    return Report(
        video=ReportVideo(
            path=info.path,
            fps=round(info.fps, 3),
            frame_count=_decoded_frame_count(result),
            width=info.width,
            height=info.height,
            duration_s=round(info.duration_s, 3),
        ),
        frames=tuple(frame_records(result.frames)),
        events=tuple(report_event(event, item.reliability)
                     for event, item in zip(result.events, summary.view.events, strict=True)),
        summary=summary,
    )


def frame_records(table: FrameTable) -> Iterator[FrameRecord]:
    """One record per analysed frame: metrics rounded as reported, confidences of the measured ones, REBA."""
    for row in range(len(table)):
        yield FrameRecord(
            index=table.index[row],
            time_s=round(table.time_s[row], 4),
            pose_detected=bool(table.pose_detected[row]),
            load_held=bool(table.load_held[row]),
            metrics=table.row_metrics(row),
            confidence={
                name: round(float(table.confidence[name][row]), 2)
                for name in METRIC_NAMES
                if not math.isnan(table.values[name][row])
            },
            flags=tuple(table.flags(row)),
            notes=tuple(table.notes(row)),
            reba=frame_reba_record(table, row),
        )


def _decoded_frame_count(result: AnalysisResult) -> int:
    table = result.frames
    return (table.index[-1] + 1) if len(table) else 0
