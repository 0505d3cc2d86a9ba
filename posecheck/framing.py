"""View and framing checks: what the camera showed and what could therefore not be judged.

`view_summary` gives the report's `summary["view"]`: per-clip findings (body cut off, person small,
camera high or low, legs hidden or implausible, views where a rule does not judge), each with the
time it lasted, its share of the clip and the rules it weakens. `event_reliability` gives each
event how far its own frames can be trusted. Both read the frame table only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from posecheck.config import RulesConfig
from posecheck.frames import FrameTable
from posecheck.rules import Event

# A finding is reported when it lasts at least this long (the rules' shortest minimum duration).
MIN_FINDING_S = 0.3
# The camera counts as high from this learned pitch (MediaPipe reads about 12 deg for a camera 10 deg
# above the hips and 19 deg for 20 deg above) and as low under this one (6 deg for a camera level
# with the hips).
HIGH_CAMERA_PITCH_DEG = 16.0
LOW_CAMERA_PITCH_DEG = 0.0
# Near front-on (view_yaw_deg at least this), bending angles lie in depth and are least accurate.
FRONT_ON_VIEW_DEG = 70.0

SAGITTAL_RULES = ("bend_at_waist", "prolonged_flexion")
LEG_RULES = ("bend_at_waist", "narrow_stance", "load_far_from_body")
ALL_RULES = ("bend_at_waist", "twist_under_load", "load_far_from_body", "narrow_stance", "prolonged_flexion")


@dataclass(frozen=True)
class _Rows:
    """Per-row durations (s) of a frame table and the rows showing a person."""

    durations_s: list[float]
    total_s: float

    @staticmethod
    def of(table: FrameTable) -> _Rows:
        times = list(table.time_s)
        steps = [later - earlier for earlier, later in zip(times, times[1:], strict=False) if later > earlier]
        typical = sorted(steps)[len(steps) // 2] if steps else 0.0
        durations = [
            (times[row + 1] - times[row]) if row + 1 < len(times) and times[row + 1] > times[row] else typical
            for row in range(len(times))
        ]
        return _Rows(durations, sum(durations))

    def seconds(self, rows: list[int]) -> float:
        return sum(self.durations_s[row] for row in rows)


def _rows_where(table: FrameTable, condition: Callable[[int], bool]) -> list[int]:
    return [row for row in range(len(table)) if condition(row)]


def _value(table: FrameTable, name: str, row: int) -> float:
    return float(table.values[name][row])


def _knees_seen(table: FrameTable, row: int, cfg: RulesConfig) -> bool:
    return (not math.isnan(_value(table, "knee_flexion_deg", row))
            and table.confidence["knee_flexion_deg"][row] >= cfg.stoop_min_knee_confidence)


def _twist_judged(table: FrameTable, row: int, cfg: RulesConfig) -> bool:
    return (not math.isnan(_value(table, "torso_twist_deg", row))
            and table.confidence["torso_twist_deg"][row] >= cfg.twist_min_confidence)


def _legs_implausible(table: FrameTable, row: int) -> bool:
    return any(note.startswith("leg_") and note != "leg_out_of_frame" for note in table.notes(row))


def _finding(kind: str, message: str, rows: _Rows, chosen: list[int], rules: tuple[str, ...]) -> dict[str, Any]:
    seconds = rows.seconds(chosen)
    return {
        "kind": kind,
        "message": message.format(seconds=seconds, share=seconds / rows.total_s if rows.total_s else 0.0),
        "seconds": round(seconds, 2),
        "share": round(seconds / rows.total_s, 3) if rows.total_s else 0.0,
        "rules": list(rules),
    }


def view_summary(table: FrameTable, cfg: RulesConfig) -> dict[str, Any]:
    """summary["view"]: the learned camera pitch and the findings (kind, message, seconds, share, rules)."""
    rows = _Rows.of(table)
    seen = [row for row in range(len(table)) if table.pose_detected[row]]
    findings = []
    for kind, message, chosen, rules in _time_findings(table, seen, cfg):
        if rows.seconds(chosen) >= MIN_FINDING_S:
            findings.append(_finding(kind, message, rows, chosen, rules))
    pitch = _camera_pitch_deg(table)
    if pitch is not None and not LOW_CAMERA_PITCH_DEG <= pitch < HIGH_CAMERA_PITCH_DEG:
        findings.append(_camera_finding(pitch, rows, seen))
    return {"camera_pitch_deg": None if pitch is None else round(pitch, 1), "findings": findings}


def _time_findings(
    table: FrameTable, seen: list[int], cfg: RulesConfig
) -> list[tuple[str, str, list[int], tuple[str, ...]]]:
    """(kind, message template, rows, rules weakened) of each finding measured in time."""
    loaded = [row for row in seen if table.load_held[row]]
    legs_unseen = [row for row in seen if not _knees_seen(table, row, cfg)]
    implausible = [row for row in legs_unseen if _legs_implausible(table, row)]
    return [
        ("no_person", "No person was found for {seconds:.1f} s ({share:.0%} of the video): nothing was judged then.",
         _rows_where(table, lambda row: not table.pose_detected[row]), ALL_RULES),
        ("head_out_of_frame", "The head was out of the picture for {seconds:.1f} s ({share:.0%}): keep the whole "
         "body in view; the neck angle was not measured then.",
         [row for row in seen if "head_out_of_frame" in table.notes(row)], ()),
        ("feet_out_of_frame", "The feet were out of the picture for {seconds:.1f} s ({share:.0%}): knee angle, "
         "stance and hand reach were not judged then; keep the whole body in view.",
         [row for row in seen if "feet_out_of_frame" in table.notes(row)], LEG_RULES),
        ("person_small", "The person was small in the picture for {seconds:.1f} s ({share:.0%}): the landmarks are "
         "less precise; move the camera closer or film at a higher resolution.",
         [row for row in seen if "person_small" in table.notes(row)], ALL_RULES),
        ("legs_implausible", "The legs were drawn where legs cannot be (e.g. on an object in front of the shins) "
         "for {seconds:.1f} s ({share:.0%}): knees and twist were not judged then; bending at the waist was judged "
         "from the trunk and the hips' height.",
         implausible, ("bend_at_waist", "twist_under_load", "narrow_stance")),
        ("legs_hidden", "The knees could not be seen for {seconds:.1f} s ({share:.0%}): bending at the waist was "
         "judged from the trunk and the hips' height there.",
         [row for row in legs_unseen if row not in set(implausible)], ("bend_at_waist",)),
        ("twist_not_judged", "Twist was not judged for {seconds:.1f} s while a load was held ({share:.0%} of the "
         "video): seen near side-on; film from 30-60 deg off the side to judge twisting.",
         [row for row in loaded if not _twist_judged(table, row, cfg) and not _legs_implausible(table, row)],
         ("twist_under_load",)),
        ("front_on", "The person faced the camera for {seconds:.1f} s ({share:.0%}): bending angles are least "
         "accurate from the front; film from the side or at 45 deg to judge bending.",
         [row for row in seen if _value(table, "view_yaw_deg", row) >= FRONT_ON_VIEW_DEG], SAGITTAL_RULES),
    ]


def _camera_pitch_deg(table: FrameTable) -> float | None:
    """The camera pitch learned by the end of the clip (degrees down), None if never learned."""
    for row in range(len(table) - 1, -1, -1):
        value = _value(table, "camera_pitch_deg", row)
        if not math.isnan(value):
            return value
    return None


def _camera_finding(pitch_deg: float, rows: _Rows, seen: list[int]) -> dict[str, Any]:
    if pitch_deg >= HIGH_CAMERA_PITCH_DEG:
        kind = "camera_high"
        message = (f"The camera looks down on the person (about {pitch_deg:.0f} deg, learned from the legs): "
                   "trunk angles seen from the front read up to 10 deg off; place it about level with the waist.")
    else:
        kind = "camera_low"
        message = (f"The camera looks up at the person (about {pitch_deg:.0f} deg): a stoop facing the camera can "
                   "be missed; place it about level with the waist or chest.")
    seconds = rows.seconds(seen)
    return {"kind": kind, "message": message, "seconds": round(seconds, 2),
            "share": round(seconds / rows.total_s, 3) if rows.total_s else 0.0, "rules": list(ALL_RULES)}


def event_reliability(table: FrameTable, event: Event, cfg: RulesConfig) -> dict[str, Any]:
    """How far an event's frames can be trusted: the mean confidence of its metric and plain notes."""
    chosen = [row for row in range(len(table)) if event.start_frame <= table.index[row] <= event.end_frame]
    if not chosen:
        return {"score": 0.0, "notes": ["no analysed frame in the event"]}
    confidence = table.confidence[event.metric]
    score = sum(float(confidence[row]) for row in chosen) / len(chosen)

    def share(condition: Callable[[int], bool]) -> float:
        return sum(1 for row in chosen if condition(row)) / len(chosen)

    notes = []
    checks: list[tuple[float, str]] = [
        (share(lambda row: "head_out_of_frame" in table.notes(row)), "head out of the picture"),
        (share(lambda row: "feet_out_of_frame" in table.notes(row)), "feet out of the picture"),
        (share(lambda row: _legs_implausible(table, row)), "legs implausible (drawn on an object?)"),
    ]
    if event.rule in SAGITTAL_RULES:
        checks.append((share(lambda row: not _knees_seen(table, row, cfg)),
                       "knees unseen: judged from the trunk and the hips' height"))
        checks.append((share(lambda row: _value(table, "view_yaw_deg", row) >= FRONT_ON_VIEW_DEG),
                       "seen from the front, where bending angles are least accurate"))
    for part, text in checks:
        if part > 0:
            notes.append(f"{text} in {part:.0%} of the event")
    return {"score": round(score, 2), "notes": notes}
