"""View and framing checks: what the camera showed and what could therefore not be judged.

`view_summary` gives the report's `summary["view"]`: per-clip findings (no person, body cut off,
person small, camera high or low, legs hidden or implausible, views where a rule does not judge),
each with the time it lasted, its share of the clip and the rules it weakens. `event_reliability`
gives each event how far its own frames can be trusted, and `frame_view_notes` says the same of one
live frame in a few words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from posecheck.config import RulesConfig
from posecheck.frames import FrameTable
from posecheck.metrics.frame_metrics import FrameMetrics
from posecheck.plausibility import BODY_INVERTED, HIDDEN_LEG, LEGS_GUESSED, PARTIAL_BODY
from posecheck.rules import RULE_IDS, Event

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

# Finding kind → (message template, rules it weakens), in report order.
FINDINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "no_person": ("No person was found for {seconds:.1f} s ({share:.0%} of the video): nothing was judged then.",
                  RULE_IDS),
    "body_lost": ("The body was drawn upside down (both feet above the hips) for {seconds:.1f} s ({share:.0%}): the "
                  "pose model lost the person, e.g. behind a plate or an object; nothing was judged then.", RULE_IDS),
    "head_out_of_frame": ("The head was out of the picture for {seconds:.1f} s ({share:.0%}): keep the whole body "
                          "in view; the neck angle was not measured then.", ()),
    "feet_out_of_frame": ("The feet were out of the picture for {seconds:.1f} s ({share:.0%}): knee angle, stance "
                          "and hand reach were not judged then; keep the whole body in view.", LEG_RULES),
    "person_small": ("The person was small in the picture for {seconds:.1f} s ({share:.0%}): the landmarks are less "
                     "precise; move the camera closer or film at a higher resolution.", RULE_IDS),
    "legs_implausible": ("The legs were drawn where legs cannot be (e.g. on an object in front of the shins) for "
                         "{seconds:.1f} s ({share:.0%}): knees and twist were not judged then; bending at the waist "
                         "was judged from the trunk and the hips' height.",
                         ("bend_at_waist", "twist_under_load", "narrow_stance")),
    "legs_hidden": ("The knees could not be seen for {seconds:.1f} s ({share:.0%}): bending at the waist was judged "
                    "from the trunk and the hips' height there.", ("bend_at_waist",)),
    "legs_guessed": ("Both knees were barely visible (e.g. behind a plate or the load) for {seconds:.1f} s "
                     "({share:.0%}): the knee angle came from where the pose model guessed them and is less "
                     "certain.", ("bend_at_waist",)),
    "one_leg_hidden": ("One leg was hidden (behind an object or the other leg) for {seconds:.1f} s ({share:.0%}): "
                       "the knee angle came from the leg in view.", ("bend_at_waist",)),
    "twist_not_judged": ("Twist was not judged for {seconds:.1f} s while a load was held ({share:.0%} of the video): "
                         "seen near side-on; film from 30-60 deg off the side to judge twisting.",
                         ("twist_under_load",)),
    "twist_partial_body": ("Twist was not judged for {seconds:.1f} s while a load was held ({share:.0%} of the video): "
                           "the whole body was not in view (head, hips, knees or feet out of the picture, both legs "
                           "hidden behind an object, or one foot raised onto something), and the pelvis's direction "
                           "comes from the hips and legs; keep the person in view from head to feet.",
                           ("twist_under_load",)),
    "reach_not_judged": ("The hands' reach was not judged for {seconds:.1f} s while a load was held ({share:.0%} of "
                         "the video): seen nearer the front than 60 deg off side-on, their distance in front of the "
                         "feet lies in depth, which the pose model over-reads; film from the side or up to 60 deg "
                         "from it to judge it.", ("load_far_from_body",)),
    "front_on": ("The person faced the camera for {seconds:.1f} s ({share:.0%}): bending angles are least accurate "
                 "from the front; film from the side or at 45 deg to judge bending.", SAGITTAL_RULES),
}
# The same, in a few words, for one live frame.
FRAME_PHRASES = {
    "no_person": "no person found",
    "body_lost": "body drawn upside down (person lost behind an object?): nothing judged",
    "head_out_of_frame": "head out of the picture",
    "feet_out_of_frame": "feet out of the picture: knees, stance and reach not judged",
    "person_small": "small in the picture: come closer",
    "legs_implausible": "legs drawn where legs cannot be (object in front of the shins?): knees and twist not judged",
    "legs_hidden": "knees hidden: bending judged from the trunk and the hips' height",
    "legs_guessed": "knees barely visible: knee angle guessed",
    "one_leg_hidden": "one leg hidden: knee angle from the other leg",
    "twist_not_judged": "near side-on: twist not judged",
    "twist_partial_body": "whole body not in view: twist not judged",
    "reach_not_judged": "near the front: hand reach not judged",
    "front_on": "facing the camera: bending angles less accurate",
}
_FRAMING = ("head_out_of_frame", "feet_out_of_frame", "person_small")


@dataclass(frozen=True)
class FrameView:
    """What the view checks need of one frame (from a frame-table row or a live frame's metrics)."""

    pose_detected: bool
    load_held: bool
    knee_deg: float | None
    knee_confidence: float
    twist_deg: float | None
    twist_confidence: float
    view_yaw_deg: float | None
    notes: tuple[str, ...]
    reach_rel: float | None = None
    reach_confidence: float = 0.0

    @staticmethod
    def of_metrics(metrics: FrameMetrics, pose_detected: bool, load_held: bool) -> FrameView:
        """The view of one frame's metrics."""
        confidence = metrics.confidence
        return FrameView(pose_detected, load_held, metrics.knee_flexion_deg, confidence.get("knee_flexion_deg", 0.0),
                         metrics.torso_twist_deg, confidence.get("torso_twist_deg", 0.0), metrics.view_yaw_deg,
                         metrics.notes, metrics.hand_distance_rel, confidence.get("hand_distance_rel", 0.0))

    @staticmethod
    def of_row(table: FrameTable, row: int) -> FrameView:
        """The view of one frame-table row."""
        return FrameView(
            bool(table.pose_detected[row]), bool(table.load_held[row]),
            table.metric(row, "knee_flexion_deg"), float(table.confidence["knee_flexion_deg"][row]),
            table.metric(row, "torso_twist_deg"), float(table.confidence["torso_twist_deg"][row]),
            table.metric(row, "view_yaw_deg"), tuple(table.notes(row)),
            table.metric(row, "hand_distance_rel"), float(table.confidence["hand_distance_rel"][row]),
        )

    def knees_seen(self, cfg: RulesConfig) -> bool:
        """Whether the stoop rule may use the knee angle."""
        return self.knee_deg is not None and self.knee_confidence >= cfg.stoop_min_knee_confidence

    def twist_judged(self, cfg: RulesConfig) -> bool:
        """Whether the twist rule may judge this frame."""
        return self.twist_deg is not None and self.twist_confidence >= cfg.twist_min_confidence

    def legs_implausible(self) -> bool:
        """Whether a seen leg was judged implausible (drawn where a leg cannot be)."""
        return any(note.startswith("leg_") and note != "leg_out_of_frame" for note in self.notes)

    def front_on(self) -> bool:
        """Whether the person faces the camera (or turns their back to it)."""
        return self.view_yaw_deg is not None and self.view_yaw_deg >= FRONT_ON_VIEW_DEG

    def kinds(self, cfg: RulesConfig) -> list[str]:
        """The finding kinds (keys of FINDINGS) this frame shows."""
        if not self.pose_detected:
            return ["no_person"]
        if BODY_INVERTED in self.notes:
            return ["body_lost"]
        kinds = [note for note in _FRAMING if note in self.notes]
        if not self.knees_seen(cfg):
            kinds.append("legs_implausible" if self.legs_implausible() else "legs_hidden")
        elif LEGS_GUESSED in self.notes:
            kinds.append("legs_guessed")
        elif HIDDEN_LEG in self.notes:
            kinds.append("one_leg_hidden")
        if self.load_held and not self.twist_judged(cfg) and not self.legs_implausible():
            kinds.append("twist_partial_body" if PARTIAL_BODY in self.notes else "twist_not_judged")
        if self.load_held and self.reach_rel is not None and self.reach_confidence < cfg.far_load_min_confidence:
            kinds.append("reach_not_judged")
        if self.front_on():
            kinds.append("front_on")
        return kinds


@dataclass(frozen=True)
class _Durations:
    """Per-row durations (s) of a frame table: to the next row, the typical step for the last."""

    seconds_by_row: list[float]
    total_s: float

    @staticmethod
    def of(table: FrameTable) -> _Durations:
        times = list(table.time_s)
        steps = sorted(later - earlier for earlier, later in zip(times, times[1:], strict=False) if later > earlier)
        typical = steps[len(steps) // 2] if steps else 0.0
        durations = [
            times[row + 1] - times[row] if row + 1 < len(times) and times[row + 1] > times[row] else typical
            for row in range(len(times))
        ]
        return _Durations(durations, sum(durations))

    def seconds(self, rows: list[int]) -> float:
        return sum(self.seconds_by_row[row] for row in rows)

    def finding(self, kind: str, message: str, rows: list[int], rules: tuple[str, ...]) -> dict[str, Any]:
        """A finding dict: `message` formatted with the rows' seconds and share of the clip."""
        seconds = self.seconds(rows)
        share = seconds / self.total_s if self.total_s else 0.0
        return {"kind": kind, "message": message.format(seconds=seconds, share=share),
                "seconds": round(seconds, 2), "share": round(share, 3), "rules": list(rules)}


def view_summary(table: FrameTable, cfg: RulesConfig) -> dict[str, Any]:
    """summary["view"]: the learned camera pitch and the findings (kind, message, seconds, share, rules)."""
    durations = _Durations.of(table)
    rows_by_kind: dict[str, list[int]] = {kind: [] for kind in FINDINGS}
    for row in range(len(table)):
        for kind in FrameView.of_row(table, row).kinds(cfg):
            rows_by_kind[kind].append(row)
    findings = [
        durations.finding(kind, message, rows_by_kind[kind], rules)
        for kind, (message, rules) in FINDINGS.items()
        if durations.seconds(rows_by_kind[kind]) >= MIN_FINDING_S
    ]
    pitch = _camera_pitch_deg(table)
    camera = _camera_message(pitch)
    if camera is not None:
        seen = [row for row in range(len(table)) if table.pose_detected[row]]
        findings.append(durations.finding(camera[0], camera[1], seen, RULE_IDS))
    return {"camera_pitch_deg": None if pitch is None else round(pitch, 1), "findings": findings}


def _camera_pitch_deg(table: FrameTable) -> float | None:
    """The camera pitch learned by the end of the clip (degrees down), None if never learned."""
    learned = [value for value in table.series("camera_pitch_deg") if value is not None]
    return learned[-1] if learned else None


def _camera_message(pitch_deg: float | None) -> tuple[str, str] | None:
    """(kind, message) when the learned pitch says the camera is high or low, else None."""
    if pitch_deg is None or LOW_CAMERA_PITCH_DEG <= pitch_deg < HIGH_CAMERA_PITCH_DEG:
        return None
    if pitch_deg >= HIGH_CAMERA_PITCH_DEG:
        return "camera_high", (f"The camera looks down on the person (about {pitch_deg:.0f} deg, learned from the "
                               "legs): trunk angles seen from the front read up to 10 deg off; place it about level "
                               "with the waist.")
    return "camera_low", (f"The camera looks up at the person (about {abs(pitch_deg):.0f} deg): a stoop facing the "
                          "camera can be missed; place it about level with the waist or chest.")


def frame_view_notes(metrics: FrameMetrics, pose_detected: bool, load_held: bool, cfg: RulesConfig) -> tuple[str, ...]:
    """Plain phrases for what one frame's view keeps from being judged (the live page shows them)."""
    phrases = [FRAME_PHRASES[kind] for kind in FrameView.of_metrics(metrics, pose_detected, load_held).kinds(cfg)]
    camera = _camera_message(metrics.camera_pitch_deg)
    if camera is not None:
        phrases.append("camera looks down: place it about level with the waist" if camera[0] == "camera_high"
                       else "camera looks up: place it about level with the waist or chest")
    return tuple(phrases)


def event_reliability(table: FrameTable, event: Event, cfg: RulesConfig) -> dict[str, Any]:
    """How far an event's frames can be trusted: the mean confidence of its metric and plain notes."""
    chosen = [row for row in range(len(table)) if event.start_frame <= table.index[row] <= event.end_frame]
    if not chosen:
        return {"score": 0.0, "notes": ["no analysed frame in the event"]}
    confidence = table.confidence[event.metric]
    score = sum(float(confidence[row]) for row in chosen) / len(chosen)
    views = [FrameView.of_row(table, row) for row in chosen]
    checks: list[tuple[Callable[[FrameView], bool], str]] = [
        (lambda view: "head_out_of_frame" in view.notes, "head out of the picture"),
        (lambda view: "feet_out_of_frame" in view.notes, "feet out of the picture"),
        (FrameView.legs_implausible, "legs implausible (drawn on an object?)"),
    ]
    if event.rule == "twist_under_load":
        checks.append((lambda view: PARTIAL_BODY in view.notes, "whole body not in view: twist not judged"))
    if event.rule in SAGITTAL_RULES:
        checks.append((lambda view: not view.knees_seen(cfg),
                       "knees unseen: judged from the trunk and the hips' height"))
        checks.append((FrameView.front_on, "seen from the front, where bending angles are least accurate"))
    notes = []
    for condition, text in checks:
        share = sum(1 for view in views if condition(view)) / len(views)
        if share > 0:
            notes.append(f"{text} in {share:.0%} of the event")
    return {"score": round(score, 2), "notes": notes}
