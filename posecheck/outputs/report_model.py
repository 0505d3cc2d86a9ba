"""The typed report: report.json as frozen dataclasses, built by the analysis and read by every consumer.

`Report.to_json()` gives report.json's document (the keys and their order as documented in the README,
plus `schema_version`); `Report.from_json()` reads one back, checked field by field (posecheck.outputs.
jsonable). A report without `schema_version` was written before it existed and is read as version 1;
one with a newer version than SCHEMA_VERSION, or a value that does not fit, is a ReportFormatError.
Sections and fields added over time (view, load, REBA, NIOSH, reliability, ...) have defaults, so reports
written by earlier versions still load; so do the summary's counts and verdict (0 and ""), as the history
has always listed a session by its summary's `events_total` and `verdict` alone.
Times in s, angles in deg, lengths in cm, weights in kg.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from posecheck.errors import ReportFormatError
from posecheck.outputs.jsonable import from_json, json_key, to_json

SCHEMA_VERSION = 1
SCHEMA_VERSION_KEY = "schema_version"
HIGH_RISK_LEVELS = ("high", "very high")  # REBA risk levels calling for action soon or now


@dataclass(frozen=True, kw_only=True)
class ReportVideo:
    """The analysed video: its path as given, frame rate, decoded frames, size in pixels and length."""

    path: str
    fps: float
    frame_count: int
    width: int
    height: int
    duration_s: float


@dataclass(frozen=True, kw_only=True)
class FrameReba:
    """One frame's REBA score, risk level, action level, intermediate scores and body-part scores."""

    score: int
    risk: str
    action_level: int
    score_a: int
    score_b: int
    table_c: int
    parts: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class FrameRecord:
    """One analysed frame: metrics (None: not measurable) and their confidences, active rules, notes, REBA."""

    index: int
    time_s: float
    pose_detected: bool
    load_held: bool = False
    metrics: dict[str, float | None] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    reba: FrameReba | None = None


@dataclass(frozen=True, kw_only=True)
class Reliability:
    """How far an event's frames can be trusted: mean confidence of its metric (0-1) and plain caveats."""

    score: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ReportEvent:
    """A flagged span: rule, times and frames, the peak value of its metric, the advice and its source."""

    rule: str
    start_s: float
    end_s: float
    peak_s: float
    peak_value: float
    metric: str
    severity: str
    message: str
    source: str
    start_frame: int
    end_frame: int
    peak_frame: int
    image: str | None = None  # the peak frame's JPEG, relative to the output folder
    reliability: Reliability | None = None


@dataclass(frozen=True, kw_only=True)
class WorstMoment:
    """One of the worst events: its rule, peak time and value, severity."""

    rule: str
    peak_s: float
    peak_value: float
    severity: str


@dataclass(frozen=True, kw_only=True)
class ViewFinding:
    """What the camera showed that kept rules from judging: kind, message, how long and which rules."""

    kind: str
    message: str
    seconds: float
    share: float  # of the video, 0-1
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ViewEvent:
    """An event's reliability, keyed by its rule and start frame."""

    rule: str
    start_s: float
    start_frame: int
    reliability: Reliability


@dataclass(frozen=True, kw_only=True)
class ViewSummary:
    """The camera pitch learned from the legs (None until straight legs were seen), findings, event reliability."""

    camera_pitch_deg: float | None = None
    findings: tuple[ViewFinding, ...] = ()
    events: tuple[ViewEvent, ...] = ()

    def reliability_of(self, rule: str, start_frame: int) -> Reliability | None:
        """The reliability recorded for the event of `rule` starting at `start_frame`, None if none was."""
        return next((item.reliability for item in self.events
                     if item.rule == rule and item.start_frame == start_frame), None)


@dataclass(frozen=True, kw_only=True)
class RebaDriver:
    """A body part scoring above its minimum at the worst moment, with the angle behind it."""

    part: str
    score: int
    max_score: int
    metric: str = ""
    value_deg: float | None = None


@dataclass(frozen=True, kw_only=True)
class RebaWorst:
    """The frame with the highest REBA score: when, its scores, the action it calls for, what drives it."""

    time_s: float
    frame_index: int | None = None
    score: int
    risk: str
    action_level: int
    score_a: int | None = None
    score_b: int | None = None
    table_c: int | None = None
    parts: dict[str, int] = field(default_factory=dict)
    action: str = ""
    drivers: tuple[RebaDriver, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RebaTask:
    """The REBA task inputs: load (kg, None unknown), coupling, shock or rapid force, activity score."""

    load_kg: float | None
    coupling: str
    shock_or_rapid_force: bool
    activity_score: int


@dataclass(frozen=True, kw_only=True)
class RebaSummary:
    """REBA over the video: frames scored, the worst moment, time share per risk level, inputs, assumptions."""

    frames_scored: int
    worst: RebaWorst | None
    time_share_by_risk: dict[str, float]
    task: RebaTask | None = None
    assumptions: tuple[str, ...] = ()

    @property
    def high_risk_share(self) -> float:
        """Share (0-1) of the scored time at high or very high risk."""
        return sum(self.time_share_by_risk.get(risk, 0.0) for risk in HIGH_RISK_LEVELS)


@dataclass(frozen=True, kw_only=True)
class HandPosition:
    """Where the hands are at one end of a lift: horizontal (H) and vertical (V) distance, asymmetry (A)."""

    h_cm: float = json_key("H_cm")
    v_cm: float = json_key("V_cm")
    a_deg: float = json_key("A_deg")


@dataclass(frozen=True, kw_only=True)
class NioshEnd:
    """The NIOSH result at one end of a lift: multipliers, RWL, LI (None: load unknown) and risk band."""

    multipliers: dict[str, float]
    rwl_kg: float = json_key("RWL_kg")
    lifting_index: float | None = json_key("LI")
    risk_band: str | None


@dataclass(frozen=True, kw_only=True)
class NioshLift:
    """One lift: ends, travel, the governing end's result (inline, as report.json has it), limiting factors."""

    lift: int
    start_s: float
    end_s: float
    origin: HandPosition
    destination: HandPosition
    d_cm: float = json_key("D_cm")
    frequency_lifts_per_min: float | None = json_key("F", default=None)
    governing_end: str = ""
    multipliers: dict[str, float] = field(default_factory=dict)
    rwl_kg: float = json_key("RWL_kg")
    lifting_index: float | None = json_key("LI")
    risk_band: str | None
    limiting_factors: tuple[str, ...] = ()
    ends: dict[str, NioshEnd] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class NioshSummary:
    """NIOSH over the video: one entry per lift, the frequency used, the task inputs and the assumptions."""

    lifts: tuple[NioshLift, ...]
    frequency_lifts_per_min: float
    frequency_source: str = ""
    load_kg: float | None
    coupling: str
    work_duration: str
    leg_length_m: float | None = None
    length_source: str | None = None
    assumptions: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class LoadChange:
    """A pick-up or put-down: when (s, frame), when it was decided (s) and the evidence."""

    kind: str
    time_s: float
    frame: int
    decided_s: float
    evidence: str


@dataclass(frozen=True, kw_only=True)
class TwistIfLoaded:
    """A twist the twist rule found where the load state was not inferred, with a load assumed: when (s), peak (deg)."""

    start_s: float
    end_s: float
    peak_deg: float


@dataclass(frozen=True, kw_only=True)
class LoadSummary:
    """Whether a load was in the hands: the mode, every change, lifts, and what could not be inferred (with
    the twists that would be twisting under load had a load been held then)."""

    mode: str
    changes: tuple[LoadChange, ...] = ()
    lifts: int = 0
    put_down_not_in_view: bool = False
    start_not_inferred: bool = False
    twists_if_loaded: tuple[TwistIfLoaded, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ReportSettings:
    """How the video was analysed: stride, sizes in pixels, the model, face blur, posecheck's version."""

    stride: int
    max_width: int | None
    analysed_width: int
    analysed_height: int
    annotated_width: int = 0
    annotated_height: int = 0
    model: str
    blur_faces: bool
    posecheck_version: str


@dataclass(frozen=True, kw_only=True)
class ReportSummary:
    """The summary: coverage, lifts, events by rule, worst moments, peaks, verdict, view, REBA, NIOSH, load."""

    frames_analysed: int = 0
    frames_with_pose: int = 0
    pose_detected_ratio: float = 0.0
    lifts_counted: int = 0
    events_total: int = 0
    events_by_rule: dict[str, int] = field(default_factory=dict)
    worst_moments: tuple[WorstMoment, ...] = ()
    peaks: dict[str, float | None] = field(default_factory=dict)
    verdict: str = ""
    view: ViewSummary | None = None
    reba: RebaSummary | None = None
    niosh: NioshSummary | None = None
    load: LoadSummary | None = None
    notes: tuple[str, ...] = ()
    settings: ReportSettings | None = None
    disclaimer: str = ""

    def to_json(self) -> dict[str, Any]:
        """The summary as report.json's `summary` object."""
        return to_json(self)

    @classmethod
    def from_json(cls, data: Any) -> ReportSummary:
        """A summary from report.json's `summary` object; ReportFormatError if it does not fit."""
        return from_json(cls, data, "summary")


@dataclass(frozen=True, kw_only=True)
class Report:
    """The whole report.json: schema version, video, frames, events and summary."""

    schema_version: int = SCHEMA_VERSION
    video: ReportVideo
    frames: tuple[FrameRecord, ...] = ()
    events: tuple[ReportEvent, ...] = ()
    summary: ReportSummary

    def to_json(self) -> dict[str, Any]:
        """The report.json document."""
        return to_json(self)

    @classmethod
    def from_json(cls, data: Any) -> Report:
        """A report from a report.json document (see the module docstring); ReportFormatError if unreadable."""
        if not isinstance(data, dict):
            raise ReportFormatError("report.json does not hold a posecheck report (not an object)")
        check_schema_version(data.get(SCHEMA_VERSION_KEY, 1))
        return from_json(cls, data, "report")


def check_schema_version(version: Any) -> None:
    """ReportFormatError unless `version` is a schema version this posecheck reads (1 to SCHEMA_VERSION)."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ReportFormatError(f"report.json has no valid schema version ({version!r})")
    if version > SCHEMA_VERSION:
        raise ReportFormatError(
            f"report.json was written by a newer posecheck (schema version {version}; this one reads up to "
            f"{SCHEMA_VERSION}): update posecheck to read it"
        )
