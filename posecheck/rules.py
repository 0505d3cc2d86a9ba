"""The checker's judgement: a stateful rules engine over the per-frame metric stream.

Each rule has an enter condition, a (looser) stay condition — hysteresis — and a minimum duration
before it flags, so a flag neither flickers nor fires on a single noisy frame. Short drop-outs
(missing pose, a frame under the release threshold) within `merge_gap_s` continue the same event.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from posecheck.advice import ADVICE
from posecheck.config import RulesConfig
from posecheck.metrics.frame_metrics import METRIC_NAMES, FrameMetrics

RULE_IDS = ("bend_at_waist", "twist_under_load", "load_far_from_body", "narrow_stance", "prolonged_flexion")
CROSSING_BISECTIONS = 5  # a condition's change is dated to 1/32 of the frame step
DURATION_TOLERANCE_S = 1e-6  # rounding of frame times


@dataclass(frozen=True)
class Event:
    """A flagged span: times in seconds, frame indices, the peak value of the rule's metric."""

    rule: str
    start_s: float
    end_s: float
    peak_s: float
    peak_value: float
    severity: str
    message: str
    start_frame: int
    end_frame: int
    peak_frame: int
    metric: str

    @property
    def duration_s(self) -> float:
        """Length of the event in seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Context:
    """What the rules know beside the metrics: whether a load is held, the twist and knee speeds, and how
    long a frame lasts (the time since the previous one: a span of n frames lasts n frame steps)."""

    load_held: bool
    twist_speed_deg_per_s: float | None
    frame_step_s: float = 0.0
    knee_speed_deg_per_s: float | None = None  # the knee angle's swing per second (legs bending or straightening)


@dataclass(frozen=True)
class FrameJudgement:
    """Rules' output for one frame: active flags, the load state, and events that just ended."""

    flags: tuple[str, ...]
    load_held: bool
    twist_speed_deg_per_s: float | None
    finished_events: tuple[Event, ...]


Condition = Callable[[FrameMetrics, Context], bool | None]


@dataclass(frozen=True)
class RuleSpec:
    """One rule: its metric, enter/stay conditions (None = unknown), minimum duration, severity.

    With `sustain_enter`, a span is confirmed only once the enter condition (not the looser stay
    condition) has held for the minimum duration, short drop-outs within the merge gap bridged; the
    stay condition then keeps it. Without it one frame past the enter threshold opens a span that the
    stay condition alone can carry to the minimum duration.
    """

    rule: str
    metric: str
    enter: Condition
    stay: Condition
    min_duration_s: float
    severity: Callable[[float, float, float], str]  # (peak value, duration s, peak twist speed)
    peak_by_magnitude: bool = True
    sustain_enter: bool = False
    # A span becomes an event only once this also held on one of its frames (None: no such test).
    qualifier: Condition | None = None


def _value(metrics: FrameMetrics, name: str) -> float | None:
    return getattr(metrics, name)


def _all_known(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def _hands_low(metrics: FrameMetrics, ratio: float) -> bool | None:
    hand, knee = metrics.hand_height_rel, metrics.knee_height_rel
    if not _all_known(hand, knee):
        return None
    return hand <= knee * ratio


def _stoop(cfg: RulesConfig, trunk_limit: float, hip_limit: float) -> Condition:
    """The stoop's posture: the trunk bent past `trunk_limit` while the knees do little of the bend (with the
    knees unseen: the hips stay at `hip_limit` or more of their standing height)."""
    def condition(m: FrameMetrics, _ctx: Context) -> bool | None:
        if not _all_known(m.trunk_flexion_deg):
            return None
        knees_seen = (_all_known(m.knee_flexion_deg)
                      and m.confidence.get("knee_flexion_deg", 0.0) >= cfg.stoop_min_knee_confidence)
        if not knees_seen:
            return _stoop_knees_unseen(cfg, trunk_limit, hip_limit, m)
        knees_idle = m.knee_flexion_deg <= cfg.stoop_max_knee_flexion_deg or (
            _all_known(m.knee_share_of_bend) and m.knee_share_of_bend <= cfg.stoop_max_knee_share
        ) or _hips_high_seen_front_on(cfg, m)
        return m.trunk_flexion_deg >= trunk_limit and knees_idle

    return condition


def _hips_high_seen_front_on(cfg: RulesConfig, m: FrameMetrics) -> bool:
    """Facing the camera the knee angle comes from foreshortening and over-reads a stoop's knees; the hips
    staying near their standing height says the knees do little of the bend (no hysteresis: the knees
    are seen, and a squat's hips pass this height on the way down)."""
    front_on = _all_known(m.view_yaw_deg) and m.view_yaw_deg >= cfg.stoop_hips_decide_from_view_deg
    return front_on and _all_known(m.hip_height_rel) and m.hip_height_rel >= cfg.stoop_min_hip_height_knees_unseen


def _stoop_knees_unseen(cfg: RulesConfig, trunk_limit: float, hip_limit: float, m: FrameMetrics) -> bool | None:
    """Stoop judged without the knees: the trunk bent while the hips stay near their standing height
    (a squat drops them); without the hips' height, a trunk bent to the knees-unseen limit."""
    hips = m.hip_height_rel
    if _all_known(hips):
        return m.trunk_flexion_deg >= trunk_limit and hips >= hip_limit
    release_margin = cfg.stoop_trunk_flexion_deg - trunk_limit  # keeps the hysteresis
    return m.trunk_flexion_deg >= cfg.stoop_trunk_flexion_knees_unseen_deg - release_margin or None


def _reaching_low(cfg: RulesConfig) -> Condition:
    """The hands at or below the knees (unknown counts as low): a stooped span becomes an event once
    this held on one of its frames, so the event's start comes from the posture alone."""
    def condition(m: FrameMetrics, _ctx: Context) -> bool | None:
        return _hands_low(m, cfg.stoop_hands_below_knee_ratio) is not False

    return condition


def _twist(cfg: RulesConfig, limit: float) -> Condition:
    def condition(m: FrameMetrics, ctx: Context) -> bool | None:
        if not ctx.load_held:
            return False
        if not _all_known(m.torso_twist_deg) or m.confidence.get("torso_twist_deg", 0.0) < cfg.twist_min_confidence:
            return None
        if _all_known(ctx.knee_speed_deg_per_s) and abs(ctx.knee_speed_deg_per_s) >= cfg.twist_max_knee_speed_deg_per_s:
            return None  # the legs, which give the pelvis direction, move too fast to be followed
        return abs(m.torso_twist_deg) >= limit

    return condition


def _reach(cfg: RulesConfig, limit: float) -> Condition:
    """Hands at least `limit` leg lengths in front of the feet while loaded; not judged (None) where the
    reach was measured in depth (confidence under far_load_min_confidence)."""
    def condition(m: FrameMetrics, ctx: Context) -> bool | None:
        if not ctx.load_held:
            return False
        value = m.hand_distance_rel
        if not _all_known(value) or m.confidence.get("hand_distance_rel", 0.0) < cfg.far_load_min_confidence:
            return None
        return value >= limit

    return condition


def _narrow(cfg: RulesConfig, limit: float) -> Condition:
    def condition(m: FrameMetrics, ctx: Context) -> bool | None:
        lifting = ctx.load_held or _hands_low(m, cfg.narrow_stance_hands_below_knee_ratio)
        seen_from_side = _all_known(m.view_yaw_deg) and m.view_yaw_deg < cfg.narrow_stance_min_view_deg
        if not lifting or seen_from_side:
            return False
        return None if not _all_known(m.stance_width_rel) else m.stance_width_rel < limit

    return condition


def _above(metric: str, limit: float) -> Condition:
    def condition(m: FrameMetrics, _ctx: Context) -> bool | None:
        value = _value(m, metric)
        return None if not _all_known(value) else value >= limit

    return condition


def _by_peak(high_at: float) -> Callable[[float, float, float], str]:
    return lambda peak, _duration, _speed: "high" if abs(peak) >= high_at else "medium"


def rule_specs(cfg: RulesConfig) -> tuple[RuleSpec, ...]:
    """The five rules with thresholds from `cfg` (see RulesConfig for the sources)."""
    return (
        RuleSpec(
            "bend_at_waist", "trunk_flexion_deg",
            _stoop(cfg, cfg.stoop_trunk_flexion_deg, cfg.stoop_min_hip_height_knees_unseen),
            _stoop(cfg, cfg.stoop_release_trunk_flexion_deg, cfg.stoop_release_hip_height_knees_unseen),
            cfg.stoop_min_duration_s,
            _by_peak(cfg.stoop_high_severity_trunk_flexion_deg),
            qualifier=_reaching_low(cfg),
        ),
        RuleSpec(
            "twist_under_load", "torso_twist_deg",
            _twist(cfg, cfg.twist_deg), _twist(cfg, cfg.twist_release_deg), cfg.twist_min_duration_s,
            lambda peak, _d, speed: "high"
            if abs(peak) >= cfg.twist_high_severity_deg or speed >= cfg.sudden_twist_deg_per_s
            else "medium",
            # A twist is the twist threshold held for the minimum duration: a reading biased to 12-18 deg
            # (seen obliquely; README "Twist at oblique views") and one frame past 20 is not an event.
            sustain_enter=True,
        ),
        RuleSpec(
            "load_far_from_body", "hand_distance_rel",
            _reach(cfg, cfg.far_load_leg_ratio),
            _reach(cfg, cfg.far_load_release_leg_ratio),
            cfg.far_load_min_duration_s,
            _by_peak(cfg.far_load_high_severity_leg_ratio),
        ),
        RuleSpec(
            "narrow_stance", "stance_width_rel",
            _narrow(cfg, cfg.narrow_stance_ratio), _narrow(cfg, cfg.narrow_stance_release_ratio),
            cfg.narrow_stance_min_duration_s,
            lambda peak, _d, _s: "medium",
            peak_by_magnitude=False,
        ),
        RuleSpec(
            "prolonged_flexion", "trunk_flexion_deg",
            _above("trunk_flexion_deg", cfg.prolonged_trunk_flexion_deg),
            _above("trunk_flexion_deg", cfg.prolonged_release_trunk_flexion_deg),
            cfg.prolonged_min_duration_s,
            lambda peak, duration, _s: "high"
            if duration >= cfg.prolonged_high_severity_duration_s
            or peak >= cfg.prolonged_high_severity_trunk_flexion_deg
            else "medium",
        ),
    )


@dataclass(frozen=True)
class _Sample:
    """One judged frame as a rule saw it: its time, metrics and context."""

    time_s: float
    metrics: FrameMetrics
    ctx: Context


def _mix(a: float | None, b: float | None, weight: float) -> float | None:
    """`a` to `b` linearly by `weight` (0 = a, 1 = b); where either is unknown, the nearer frame's value."""
    if _all_known(a, b):
        return a + (b - a) * weight
    return a if weight < 0.5 else b


def _between(a: _Sample, b: _Sample, weight: float) -> tuple[FrameMetrics, Context]:
    """The metrics and context a fraction `weight` of the way from frame `a` to frame `b` (numbers linearly,
    everything else from the nearer frame)."""
    near = a if weight < 0.5 else b
    values = {name: _mix(getattr(a.metrics, name), getattr(b.metrics, name), weight) for name in METRIC_NAMES}
    confidence = {name: _mix(a.metrics.confidence.get(name), b.metrics.confidence.get(name), weight)
                  for name in a.metrics.confidence.keys() | b.metrics.confidence.keys()}
    metrics = replace(near.metrics, **values, confidence={k: v for k, v in confidence.items() if v is not None})
    ctx = replace(near.ctx,
                  twist_speed_deg_per_s=_mix(a.ctx.twist_speed_deg_per_s, b.ctx.twist_speed_deg_per_s, weight),
                  knee_speed_deg_per_s=_mix(a.ctx.knee_speed_deg_per_s, b.ctx.knee_speed_deg_per_s, weight))
    return metrics, ctx


def _flip_time_s(condition: Condition, before: _Sample, after: _Sample) -> float:
    """When `condition` changes between two consecutive frames where it differs (held at one, not at the
    other): bisected over the metrics interpolated between them, to 1/2**CROSSING_BISECTIONS of the step."""
    held_before = condition(before.metrics, before.ctx) is True
    low, high = 0.0, 1.0
    for _ in range(CROSSING_BISECTIONS):
        middle = (low + high) / 2
        if (condition(*_between(before, after, middle)) is True) == held_before:
            low = middle
        else:
            high = middle
    return before.time_s + (after.time_s - before.time_s) * (low + high) / 2


class _RuleState:
    """Tracks one rule's candidate/active span across frames.

    A span lasts from the moment its condition began to hold to the moment it stopped, each dated between
    the two frames around it (`_flip_time_s`); where the frame beside it was not judged (no person, a metric
    unknown, the stream's end), half a frame step beyond the span's frame. So a condition held for 0.31 s
    meets a 0.3 s minimum at any frame rate and any timing of the frames against the movement.
    """

    def __init__(self, spec: RuleSpec, merge_gap_s: float) -> None:
        self.spec = spec
        self.merge_gap_s = merge_gap_s
        self._previous: _Sample | None = None
        self._reset()

    def _reset(self) -> None:
        self.start: tuple[int, float] | None = None
        self.last_true: tuple[int, float] | None = None
        self.began_s = 0.0  # when the condition began to hold
        self.held_until_s = 0.0  # when it stopped holding (while it holds: as known so far)
        self.peak: tuple[int, float, float] | None = None  # frame, time, value
        self.peak_key = -math.inf
        self.peak_speed = 0.0
        self.qualified = self.spec.qualifier is None
        self.confirmed = False

    @property
    def active(self) -> bool:
        return self.confirmed

    def update(self, index: int, time_s: float, metrics: FrameMetrics, ctx: Context) -> Event | None:
        """Advance by one frame; return the event that ended on this frame, if any."""
        sample, previous = _Sample(time_s, metrics, ctx), self._previous
        self._previous = sample
        in_span = self.start is not None
        entering = not in_span or (self.spec.sustain_enter and not self.confirmed)
        condition = self.spec.enter if entering else self.spec.stay
        holds = condition(metrics, ctx)
        if holds:
            if not in_span:
                known_before = previous is not None and condition(previous.metrics, previous.ctx) is False
                self.began_s = (_flip_time_s(condition, previous, sample) if known_before
                                else time_s - ctx.frame_step_s / 2)
            self._extend(index, time_s, metrics, ctx)
            return None
        if in_span and previous is not None and self.last_true[1] == previous.time_s:
            # The first frame after the span: date its end (half a step on when this frame is not judged).
            ended = holds is False and condition(previous.metrics, previous.ctx) is True
            self.held_until_s = _flip_time_s(condition, previous, sample) if ended else self.held_until_s
            self._confirm_if_long_enough()
        if in_span and time_s - self.last_true[1] <= self.merge_gap_s:
            return None  # drop-out shorter than the merge gap: keep the span open
        return self.close() if in_span else None

    def _extend(self, index: int, time_s: float, metrics: FrameMetrics, ctx: Context) -> None:
        if self.start is None:
            self.start = (index, time_s)
        self.last_true = (index, time_s)
        value = _value(metrics, self.spec.metric)
        if value is not None:
            # The peak is the largest magnitude, or for narrow_stance the smallest value.
            key = abs(value) if self.spec.peak_by_magnitude else -value
            if key > self.peak_key:
                self.peak, self.peak_key = (index, time_s, value), key
        if ctx.twist_speed_deg_per_s is not None:
            self.peak_speed = max(self.peak_speed, abs(ctx.twist_speed_deg_per_s))
        if not self.qualified and self.spec.qualifier(metrics, ctx):
            self.qualified = True
        self.held_until_s = time_s  # held at least until now ...
        self._confirm_if_long_enough()
        self.held_until_s = time_s + ctx.frame_step_s / 2  # ... and until the next frame says otherwise

    def _confirm_if_long_enough(self) -> None:
        if self.qualified and self.duration_s() >= self.spec.min_duration_s - DURATION_TOLERANCE_S:
            self.confirmed = True

    def duration_s(self) -> float:
        """How long the span's condition has held (merge-gap drop-outs included), in seconds."""
        return self.held_until_s - self.began_s

    def close(self) -> Event | None:
        """End the current span; an event if it lasted the minimum duration."""
        event = None
        if self.start is not None:
            self._confirm_if_long_enough()
        if self.confirmed and self.peak is not None:
            spec, advice = self.spec, ADVICE[self.spec.rule]
            duration = self.duration_s()
            event = Event(
                rule=spec.rule,
                start_s=self.start[1],
                end_s=self.last_true[1],
                peak_s=self.peak[1],
                peak_value=round(self.peak[2], 3),
                severity=spec.severity(self.peak[2], duration, self.peak_speed),
                message=f"{advice.title}: {advice.message}",
                start_frame=self.start[0],
                end_frame=self.last_true[0],
                peak_frame=self.peak[0],
                metric=spec.metric,
            )
        self._reset()
        return event


class Rate:
    """A metric's change per second over the last `window_s` seconds (the same baseline at any frame
    rate): from the window's first value to the last (`update`), or its whole swing, largest minus
    smallest (`swing`, which also sees a value that went and came back); None until it has been
    measured that long without a break."""

    def __init__(self, window_s: float) -> None:
        self._window_s = window_s
        self._recent: deque[tuple[float, float]] = deque()

    def update(self, time_s: float, value: float | None) -> float | None:
        """Add this frame's value (None: not measured, which starts again) and return the rate."""
        span_s = self._add(time_s, value)
        if span_s is None:
            return None
        rate = (value - self._recent[0][1]) / span_s
        return rate if math.isfinite(rate) else None  # a tiny time step can overflow

    def swing(self, time_s: float, value: float | None) -> float | None:
        """Add this frame's value and return the window's swing per second (>= 0)."""
        span_s = self._add(time_s, value)
        if span_s is None:
            return None
        values = [recent_value for _, recent_value in self._recent]
        rate = (max(values) - min(values)) / span_s
        return rate if math.isfinite(rate) else None

    def _add(self, time_s: float, value: float | None) -> float | None:
        """Keep `value` and drop what lies before the window; the window's length in seconds, or None
        while it is not covered (or after a break)."""
        if not _all_known(value):
            self._recent.clear()
            return None
        recent = self._recent
        recent.append((time_s, value))
        while len(recent) > 1 and recent[1][0] <= time_s - self._window_s:
            recent.popleft()
        then_s = recent[0][0]
        if then_s > time_s - self._window_s or then_s >= time_s:
            return None
        return time_s - then_s


class RulesEngine:
    """Feeds the metric stream through every rule; call `update` per frame, `finish` at the end.

    Whether a load is held comes from outside (posecheck.load), with each frame.
    """

    def __init__(self, cfg: RulesConfig) -> None:
        self._states = [_RuleState(spec, cfg.merge_gap_s) for spec in rule_specs(cfg)]
        self._twist_rate = Rate(cfg.twist_speed_window_s)
        self._knee_rate = Rate(cfg.twist_speed_window_s)
        self._last_time_s: float | None = None
        self._frame_step_s = 0.0

    def update(self, index: int, time_s: float, metrics: FrameMetrics, load_held: bool = False) -> FrameJudgement:
        """Judge one frame (frame `index` at `time_s` seconds, with or without a load in the hands; a time
        going backwards counts as a repeat)."""
        time_s = self._forward_time(time_s)
        ctx = Context(load_held, self._twist_rate.update(time_s, metrics.torso_twist_deg), self._frame_step_s,
                      self._knee_rate.swing(time_s, metrics.knee_flexion_deg))
        finished = [event for state in self._states if (event := state.update(index, time_s, metrics, ctx))]
        flags = tuple(state.spec.rule for state in self._states if state.active)
        return FrameJudgement(flags, load_held, ctx.twist_speed_deg_per_s, tuple(finished))

    def open_peak_frames(self) -> dict[str, int]:
        """Rule id → frame index of the current peak, for every span still open."""
        return {state.spec.rule: state.peak[0] for state in self._states if state.peak is not None}

    def finish(self) -> tuple[Event, ...]:
        """Close every open span at the end of the stream; return the events that result."""
        return tuple(event for state in self._states if (event := state.close()))

    def _forward_time(self, time_s: float) -> float:
        """`time_s`, or the latest time seen when it is earlier or not a number (events stay ordered)."""
        if self._last_time_s is not None and not time_s >= self._last_time_s:
            return self._last_time_s
        if not math.isfinite(time_s):
            return 0.0 if self._last_time_s is None else self._last_time_s
        if self._last_time_s is not None and time_s > self._last_time_s:
            self._frame_step_s = time_s - self._last_time_s
        self._last_time_s = time_s
        return time_s
