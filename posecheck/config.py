"""Configuration: frozen dataclasses with cited defaults, loadable from TOML.

Every threshold of the rules (when each flags and how severe its event is), the load inference, the
smoothing and the ergonomic scores is configurable; the measurement's geometric constants are not
(they sit at the top of the posecheck.metrics module that uses them). Where a default comes from a
standard or a published source, the comment names it (details in ../shared/reference/ergonomics.md,
summarised in the README).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecheck.errors import ConfigError


@dataclass(frozen=True)
class PoseConfig:
    """Pose model settings."""

    min_detection_confidence: float = 0.5
    # Landmarks below this visibility are treated as missing; metrics built on them become None.
    min_visibility: float = 0.5
    # After this long with nobody in view, the next person may be someone else: the body lengths
    # calibrated on the last person (see posecheck.metrics.calibration.BodyCalibration) are dropped and learned again.
    recalibrate_after_absence_s: float = 2.0
    # Frames are scaled down while decoding so that their long side is at most this many pixels: memory
    # is bounded by it, not by the video (an 8000x8000 video took 6.5 GB; the model looks at 256x256).
    max_frame_side_px: int = 1280
    # Files: detect the pose in every frame on its own (MediaPipe's image mode) instead of tracking it
    # from the previous frame (video mode, which smooths and lags fast movement: 45 ms at 15 fps, and
    # seen from 60 deg a fast stoop's event started 0.56 s later at 15 fps than at 60 fps; per frame:
    # 0.01 s). About twice the detection time; off until the accuracy grid is re-measured with it.
    detect_each_frame_in_files: bool = False
    # Files, video mode: a frame where a shoulder, hip, wrist or knee moved more than this many torso
    # lengths since the previous frame is detected again on its own (posecheck.pose.FastMotionRedetector).
    # At 0.1: the 0.6 s stoop lift side-on at 15 fps: trunk MAE 4.07 -> 3.03 deg, lag 45 -> -5 ms, a
    # quarter of its frames detected twice. Off (0) by default: facing the camera it raised the knee
    # reading of a barbell hinge by 5-10 deg and 2 of 16 synthetic stoops at 60-90 deg were missed.
    redetect_fast_motion_torso: float = 0.0


@dataclass(frozen=True)
class SmoothingConfig:
    """Landmark smoothing. Files: zero-phase (no lag: the whole track is known). Live: the One Euro
    filter (Casiez et al., CHI 2012), causal: low jitter at rest, little lag in motion."""

    # Half-power cutoff of the zero-phase smoothing of a file's landmark track (local quadratic
    # regression in time, posecheck.smoothing.zero_phase_smooth); the same at every frame rate.
    zero_phase_cutoff_hz: float = 3.0
    # Files in MediaPipe's video mode: its landmarks in the picture trail fast movement by a fraction of
    # a frame (it tracks from the previous frame and smooths: 40 ms at 15 fps, 20 ms at 30 fps); the
    # zero-phase fit of each frame is read this many frame steps later, which takes the trail back
    # (posecheck.pipeline.smooth_file_track). Fitted on the dev split of fast synthetic lifts (0.6 and
    # 0.7 tie, 0.6 best side-on): the 0.6 s stoop side-on at 15 fps 3.39 -> 2.43 deg trunk MAE. Its 3D
    # landmarks are not shifted: leading them too was worse facing the camera (3.25 -> 3.81 deg). Not
    # applied when frames are detected on their own (detect_each_frame_in_files, redetect_fast_motion_torso).
    tracking_lag_frames: float = 0.6
    # One Euro (live): cutoff min_cutoff_hz + beta x speed (frame heights or metres per second).
    # MediaPipe's video mode already steadies a still pose; a high beta follows a lift with little lag:
    # 50 ms behind the truth on fast synthetic lifts, MediaPipe's own 20-45 ms included (1.5 Hz / 0.5
    # lagged 108 ms), high-frequency residual 0.20 % of the frame height on real clips (benchmarks/lag.py).
    min_cutoff_hz: float = 1.0
    beta: float = 15.0
    derivative_cutoff_hz: float = 1.0


@dataclass(frozen=True)
class RulesConfig:
    """Thresholds of the rules engine: when each rule flags, and how severe its event is."""

    # bend_at_waist (stoop). Reference: stoop = knee flexion below about 30-45 deg with trunk flexion
    # above about 45 deg; ISO 11226 / REBA: trunk flexion above 60 deg is not recommended.
    stoop_trunk_flexion_deg: float = 55.0
    stoop_release_trunk_flexion_deg: float = 45.0
    stoop_max_knee_flexion_deg: float = 30.0
    # ... or, whatever the knee angle reads (MediaPipe over-reads knee flexion seen from the front),
    # the knees supply at most this share of the bend: knee / (knee + trunk flexion). A squat lift
    # is about 0.7, a stoop lift about 0.1-0.25.
    stoop_max_knee_share: float = 0.3
    # With the knees hidden (e.g. behind the load, seen from the front) a trunk this far forward is
    # taken as a stoop: squat lifts keep the trunk well under it (REBA's top trunk band starts at 60).
    stoop_trunk_flexion_knees_unseen_deg: float = 75.0
    # A knee reading below this confidence is built on guessed landmarks (thighs hidden behind the bent
    # trunk or the load, seen from the front) and counts as unseen. Seen legs give at least 0.3 at
    # every view (pose.min_visibility 0.5 times the frontal view's 0.6); guessed ones read up to 110
    # deg in a stoop seen from the front with the camera level with the hips.
    stoop_min_knee_confidence: float = 0.3
    # With the knees unseen (hidden, guessed, or judged implausible: drawn on a plate in front of the
    # shins), the hips' height above the floor against the person's standing hip height tells a hinge
    # from a squat: straight legs keep it near 1, a squat's bent knees drop it (0.6 at knees 100 deg,
    # about 0.9 at 50 deg). At or above this share, a trunk past stoop_trunk_flexion_deg is a stoop.
    stoop_min_hip_height_knees_unseen: float = 0.85
    # ... and a stoop judged with the knees unseen lasts while the hips stay at this share or more
    # (hysteresis, as the trunk's 55/45 deg): seen from the front, with the thighs hidden behind the bent
    # trunk, MediaPipe draws a stoop's hips low (0.84-0.86 for knees at 12 deg).
    stoop_release_hip_height_knees_unseen: float = 0.8
    # From this far off side-on (view_yaw_deg; 90 = facing the camera) the knee angle comes from the legs'
    # foreshortening and over-reads a stoop's knees (40-60 deg for straight legs when the bent trunk hides
    # the thighs): the hips' height as above also says the knees are idle.
    stoop_hips_decide_from_view_deg: float = 70.0
    # Only while reaching low: hands below this fraction of knee height above the floor
    # (one open project counts a lift only while the wrist is below the knee).
    stoop_hands_below_knee_ratio: float = 1.0
    stoop_min_duration_s: float = 0.3
    # Severity: a stoop whose peak trunk flexion reaches this is "high", otherwise "medium" (REBA's top
    # trunk band starts above 60 deg: this is well beyond it).
    stoop_high_severity_trunk_flexion_deg: float = 75.0

    # twist_under_load. RULA implementations call a twist above about 15 deg; a commercial wearable
    # alerts above 30 deg. Default between the two, with hysteresis.
    twist_deg: float = 20.0
    twist_release_deg: float = 12.0
    twist_min_duration_s: float = 0.3
    # Twist lies in depth when the camera sees the person side-on, where MediaPipe's estimate is
    # unreliable: twist is judged only with at least this confidence (about 25 deg off side-on).
    twist_min_confidence: float = 0.65
    # "Sudden twisting movements" (guide): twist speed that raises the event's severity, measured as
    # the twist's change over the last twist_speed_window_s (the same baseline at every frame rate).
    sudden_twist_deg_per_s: float = 90.0
    # ... as does a peak twist this large (twice the default twist_deg); otherwise the event is "medium".
    twist_high_severity_deg: float = 40.0
    twist_speed_window_s: float = 0.2
    # Twist's pelvis direction comes from the legs' landmarks, which lag and swap sides while the knees
    # bend or straighten fast (squat lifts at 30 deg read 23-35 deg of twist for a moment): twist is not
    # judged while the knee angle swings faster than this (largest minus smallest reading over the last
    # twist_speed_window_s, per second). Fitted on the replay benchmark's dev clips: twists with the feet
    # planted read up to 75 deg/s (the twist moves the knee landmarks too), the false moments of squat
    # lifts 120 deg/s and more.
    twist_max_knee_speed_deg_per_s: float = 90.0

    # load_far_from_body: NIOSH HM = 25/H falls to 0 at H > 63 cm. Measured relative to leg length
    # (hip to ankle, about 0.9 m in adults): 0.6 x 0.9 m = 54 cm, where HM is about 0.46.
    far_load_leg_ratio: float = 0.6
    far_load_release_leg_ratio: float = 0.5
    far_load_min_duration_s: float = 0.5
    # Severity: hands this far in front at the peak (0.7 x 0.9 m is about 63 cm, where NIOSH HM reaches 0)
    # make the event "high", otherwise "medium".
    far_load_high_severity_leg_ratio: float = 0.7
    # The hands' reach is judged only with at least this confidence: not where it lies in depth (seen
    # nearer the front than 60 deg off side-on, see posecheck.metrics.reach.hand_distance_m), where it is "not judged".
    far_load_min_confidence: float = 0.4

    # narrow_stance: the guide says "maintain a wide stance"; ankle separation / shoulder width.
    narrow_stance_ratio: float = 0.6
    narrow_stance_release_ratio: float = 0.75
    narrow_stance_min_duration_s: float = 0.5
    # Judged only while lifting: a load held, or the hands at or below this fraction of knee height above
    # the floor. Its events are always "medium" severity.
    narrow_stance_hands_below_knee_ratio: float = 1.0
    # Within this angle of side-on the feet are mostly one behind the other in depth, where MediaPipe
    # cannot measure their separation reliably (on the synthetic lifter it read 0.5 for a true 0.8).
    narrow_stance_min_view_deg: float = 60.0

    # prolonged_flexion: ISO 11226 / EN 1005-4 accept 20-60 deg trunk flexion only for limited
    # holding time; a commercial wearable logs bends held 20 s or more.
    prolonged_trunk_flexion_deg: float = 30.0
    prolonged_release_trunk_flexion_deg: float = 25.0
    prolonged_min_duration_s: float = 20.0
    # Severity: a hold lasting this long (three times the default minimum) or bent this far at its peak
    # (ISO 11226: trunk flexion above 60 deg is not recommended) is "high", otherwise "medium".
    prolonged_high_severity_duration_s: float = 60.0
    prolonged_high_severity_trunk_flexion_deg: float = 60.0

    # Declare the person loaded all the time: the same as [load] mode = "throughout" (kept for old files).
    assume_loaded: bool = False

    # Events closer than this are merged into one.
    merge_gap_s: float = 0.5


LOAD_MODES = ("auto", "throughout", "none")
"""What the video shows: infer the load from it, a load handled throughout, or no load."""


@dataclass(frozen=True)
class LoadConfig:
    """Load inference (posecheck.load): what the video shows, reaches, and the evidence's thresholds."""

    # "auto" infers pick-ups and put-downs from the video; "throughout" (a load is handled all the time,
    # e.g. a carry filmed mid-way) and "none" (nothing is held) declare it.
    mode: str = field(default="auto", metadata={"choices": LOAD_MODES})
    # A reach: the hands go below this height above the floor, in leg lengths as measured (hanging arms
    # read ~1.0-1.1, a box carried at the waist ~1.2, the grips of a box on the floor ~0.5, on an 18 cm
    # platform ~0.83) ...
    low_hand_height_rel: float = 0.9
    # ... from at least this much higher, and come back up this far above their lowest point (leg lengths).
    rise_leg_ratio: float = 0.25
    # Hands that came up carrying something keep their separation: largest / smallest separation
    # (shoulder widths) over the rise at most this.
    together_max_ratio: float = 1.3
    # How long after the rise the decision waits for the image's verdict (live; seconds).
    verdict_wait_s: float = 1.0
    # While loaded: hands this much farther apart than while carrying (shoulder widths, and as a ratio)
    # for release_min_s put the load down.
    release_separation_gain: float = 0.5
    release_separation_ratio: float = 1.5
    release_min_s: float = 0.5
    # The image patch under the hands: a pixel changed when a colour channel moved by more than this
    # (0-255); the patch changed with at least changed_share of its pixels. Measured on synthetic lifts
    # and reaches (dev clips): pick-ups and put-downs changed 0.20-0.56 of it, reaches 0.00-0.12.
    pixel_change_level: float = 30.0
    changed_share: float = 0.17
    # Hands at least this high above the floor (leg lengths, median over the first second) are not hanging:
    # a clip starting so with no pick-up in view may start mid-carry, which is not inferred (the report
    # says so). Just above hanging arms on the dev clips of the quick sweep (1.08-1.15); carries at the
    # waist, chest and hip read 1.20-1.59 (at arm's length 1.11: not told), a cart's handle 1.18-1.22 and
    # clasped hands 1.23, where the posture cannot tell either.
    held_up_hand_height_rel: float = 1.17


COUPLINGS = ("good", "fair", "poor")
"""Hand-to-load coupling: NIOSH Applications Manual Table 6; the same words score REBA coupling 0, 1, 2."""
WORK_DURATIONS = ("<=1h", "1-2h", "2-8h")
"""Lifting duration categories of NIOSH Table 5: up to 1 h, more than 1 and up to 2 h, more than 2 and up to 8 h."""


@dataclass(frozen=True)
class ErgonomicsConfig:
    """Task inputs of REBA and the NIOSH lifting equation that video cannot measure.

    0 means "unknown" for load_kg, stature_m and frequency_lifts_per_min. Choice-valued keys list
    their allowed values in the field metadata ("choices").
    """

    # Load in kg. Unknown (0): REBA load score 0, NIOSH RWL computed but no lifting index.
    load_kg: float = 0.0
    coupling: str = field(default="good", metadata={"choices": COUPLINGS})
    work_duration: str = field(default="<=1h", metadata={"choices": WORK_DURATIONS})
    # Body height in m. Unknown (0): metres come from the pose model's world landmarks (leg length).
    stature_m: float = 0.0
    # Lifts per minute for NIOSH FM. Unknown (0): measured over the clip (0.2 for a single lift).
    frequency_lifts_per_min: float = 0.0
    # REBA load/force +1 and activity score flags (Hignett & McAtamney 2000).
    reba_shock_or_rapid_force: bool = False
    reba_static_over_1_min: bool = False
    reba_repeated_small_range_over_4_per_min: bool = False
    reba_rapid_large_changes_or_unstable_base: bool = False
    # Trunk twist / side-bend counted by REBA's +1: RULA implementations call a twist above about 15°
    # (../shared/reference/ergonomics.md); 10° side-bend is our default. REBA gives no angle.
    reba_twist_threshold_deg: float = 15.0
    reba_side_bend_threshold_deg: float = 10.0
    # NIOSH A and REBA's twist/side-bend +1 are taken from video only when the camera is at least this far
    # off the side view (view_yaw_deg): seen from the side, they lie in depth, where the pose model is
    # noisy (symmetric lifts filmed from the side measured A 12-63°, side-bend up to 40°, twist up to 22°).
    # Otherwise A = 0, "not twisted" and "not side-bent" are assumed, and the report says so.
    min_view_off_side_deg: float = 30.0


# libx264 presets fast enough for the annotated video (slower ones cost more than the pose model).
VIDEO_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast")


@dataclass(frozen=True)
class OutputConfig:
    """The annotated video of a file analysis (what it is written at and how; the report does not change)."""

    # Width of the annotated video and event images, at most: frames are drawn at the analysed size scaled
    # down to this (never enlarged). 960 keeps the overlay readable (its text scales with the frame) and
    # costs about half the drawing and encoding of 1280x720.
    review_max_width_px: int = 960
    # libx264 preset and quality (CRF: lower is better, 23 is x264's default).
    video_preset: str = field(default="veryfast", metadata={"choices": VIDEO_PRESETS})
    video_crf: int = 23
    # Files: processes that draw and encode the annotated video in time chunks, beside a decoder process
    # that feeds the pose model (posecheck.offload); 0: everything in the analysing process, with threads.
    helper_processes: int = 2
    # ... only while at least this many cores are idle (CPU count minus the 1-minute load average): the
    # helpers cost 8-14 % more CPU in all (intermediate segments, process start-up) to finish sooner on
    # idle cores; on a busy machine they finished later (640x480: 26.4 frames/s against 33.0 in one
    # process at load 7-10). 0: whatever the load.
    helper_min_idle_cores: float = 1.0


@dataclass(frozen=True)
class Config:
    """All settings of an analysis."""

    pose: PoseConfig = field(default_factory=PoseConfig)
    smoothing: SmoothingConfig = field(default_factory=SmoothingConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    ergonomics: ErgonomicsConfig = field(default_factory=ErgonomicsConfig)
    load: LoadConfig = field(default_factory=LoadConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    @property
    def load_mode(self) -> str:
        """The load mode in force: [load] mode, or "throughout" when [rules] assume_loaded is set."""
        return "throughout" if self.rules.assume_loaded else self.load.mode


# No setting is meaningful beyond this size (degrees, seconds, Hz, ratios, kg, m, pixels); larger
# numbers (a 400-digit integer, 1e308) would overflow floating-point arithmetic.
MAX_MAGNITUDE = 1e6
# Unit suffixes of setting names and their allowed ranges: (suffix, low, high, low allowed, unit).
_UNIT_RANGES = (
    ("_deg_per_s", 0.0, MAX_MAGNITUDE, False, "deg/s"),
    ("_deg", 0.0, 180.0, True, "degrees"),
    ("_ratio", 0.0, MAX_MAGNITUDE, True, ""),
    ("_hz", 0.0, MAX_MAGNITUDE, False, "Hz"),
    ("_s", 0.0, MAX_MAGNITUDE, True, "seconds"),
)

_SECTIONS: dict[str, type] = {
    "pose": PoseConfig,
    "smoothing": SmoothingConfig,
    "rules": RulesConfig,
    "ergonomics": ErgonomicsConfig,
    "load": LoadConfig,
    "output": OutputConfig,
}


def load_config(path: str | Path | None) -> Config:
    """Load a Config from a TOML file (sections [pose], [smoothing], [rules], [ergonomics], [load], [output]);
    None: defaults."""
    if path is None:
        return Config()
    try:
        # utf-8-sig: a byte-order mark (as some Windows editors write) is accepted and dropped.
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError as error:
        raise ConfigError(f"config file not found: {path}") from error
    except IsADirectoryError as error:
        raise ConfigError(f"config file {path} is a directory") from error
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from error
    return config_from_dict(data, source=str(path))


def config_from_dict(data: dict[str, Any], source: str = "config") -> Config:
    """Build and validate a Config from nested dicts; unknown keys and bad values raise ConfigError."""
    unknown = set(data) - set(_SECTIONS)
    if unknown:
        raise ConfigError(f"{source}: unknown section(s) {sorted(unknown)}; known: {sorted(_SECTIONS)}")
    sections = {name: _section(cls, data.get(name, {}), f"{source} [{name}]") for name, cls in _SECTIONS.items()}
    config = Config(**sections)
    _validate(config, source)
    return config


def _finite_number(value: Any) -> bool:
    """An int (of any size) or a float that is neither nan nor infinite; bools are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _short(value: Any) -> str:
    """repr of a config value, cut short (a number may have hundreds of digits)."""
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:20]}... ({len(text)} characters)"


def _section(cls: type, values: Any, where: str) -> Any:
    if not isinstance(values, dict):
        raise ConfigError(f"{where} must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(values) - set(fields)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}")
    defaults = cls()
    checked = {}
    for key, value in values.items():
        expected = type(getattr(defaults, key))
        if expected is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: {key} must be true or false, got {value!r}")
        elif expected is str:
            if not isinstance(value, str):
                raise ConfigError(f"{where}: {key} must be a string, got {value!r}")
        elif not _finite_number(value):
            raise ConfigError(f"{where}: {key} must be a finite number, got {_short(value)}")
        elif abs(value) > MAX_MAGNITUDE:
            raise ConfigError(f"{where}: {key} must be between -{MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}, "
                              f"got {_short(value)}")
        elif expected is int and value != int(value):
            raise ConfigError(f"{where}: {key} must be a whole number, got {value!r}")
        checked[key] = expected(value)
    return cls(**checked)


def validated(config: Config, source: str) -> Config:
    """`config` after the range and choice checks (e.g. after command-line overrides); ConfigError if bad."""
    _validate(config, source)
    return config


def _validate(config: Config, source: str) -> None:
    """Range checks: each entry is (condition, message)."""
    pose, smooth, rules, ergo, load = config.pose, config.smoothing, config.rules, config.ergonomics, config.load
    checks = [
        (0 < pose.min_detection_confidence <= 1, "pose.min_detection_confidence must be in (0, 1]"),
        (0 <= pose.min_visibility <= 1, "pose.min_visibility must be in [0, 1]"),
        (pose.recalibrate_after_absence_s >= 0, "pose.recalibrate_after_absence_s must be >= 0"),
        (64 <= pose.max_frame_side_px <= 16384, "pose.max_frame_side_px must be in [64, 16384]"),
        (0 <= pose.redetect_fast_motion_torso <= 10, "pose.redetect_fast_motion_torso must be in [0, 10]"),
        (smooth.min_cutoff_hz > 0 and smooth.derivative_cutoff_hz > 0 and smooth.zero_phase_cutoff_hz > 0,
         "smoothing cutoffs must be > 0 Hz"),
        (smooth.beta >= 0, "smoothing.beta must be >= 0"),
        (0 <= smooth.tracking_lag_frames <= 3, "smoothing.tracking_lag_frames must be in [0, 3]"),
        (0 < rules.stoop_release_trunk_flexion_deg <= rules.stoop_trunk_flexion_deg <= 180,
         "rules: need 0 < stoop_release_trunk_flexion_deg <= stoop_trunk_flexion_deg <= 180"),
        (0 <= rules.stoop_max_knee_flexion_deg <= 180, "rules.stoop_max_knee_flexion_deg must be in [0, 180]"),
        (0 <= rules.stoop_max_knee_share <= 1, "rules.stoop_max_knee_share must be in [0, 1]"),
        (rules.stoop_trunk_flexion_deg <= rules.stoop_trunk_flexion_knees_unseen_deg <= 180,
         "rules: need stoop_trunk_flexion_deg <= stoop_trunk_flexion_knees_unseen_deg <= 180"),
        (0 <= rules.narrow_stance_min_view_deg <= 90, "rules.narrow_stance_min_view_deg must be in [0, 90]"),
        (0 < rules.twist_release_deg <= rules.twist_deg <= 180,
         "rules: need 0 < twist_release_deg <= twist_deg <= 180"),
        (0 < rules.far_load_release_leg_ratio <= rules.far_load_leg_ratio,
         "rules: need 0 < far_load_release_leg_ratio <= far_load_leg_ratio"),
        (0 < rules.narrow_stance_ratio <= rules.narrow_stance_release_ratio,
         "rules: need 0 < narrow_stance_ratio <= narrow_stance_release_ratio"),
        (0 < rules.prolonged_release_trunk_flexion_deg <= rules.prolonged_trunk_flexion_deg <= 180,
         "rules: need 0 < prolonged_release_trunk_flexion_deg <= prolonged_trunk_flexion_deg <= 180"),
        (rules.sudden_twist_deg_per_s > 0, "rules.sudden_twist_deg_per_s must be > 0"),
        (rules.twist_max_knee_speed_deg_per_s > 0, "rules.twist_max_knee_speed_deg_per_s must be > 0"),
        (0 <= rules.twist_min_confidence <= 1, "rules.twist_min_confidence must be in [0, 1]"),
        (0 <= rules.far_load_min_confidence <= 1, "rules.far_load_min_confidence must be in [0, 1]"),
        (0 <= rules.stoop_min_knee_confidence <= 1, "rules.stoop_min_knee_confidence must be in [0, 1]"),
        (0 <= rules.stoop_release_hip_height_knees_unseen <= rules.stoop_min_hip_height_knees_unseen <= 2,
         "rules: need 0 <= stoop_release_hip_height_knees_unseen <= stoop_min_hip_height_knees_unseen <= 2"),
        (0 <= rules.stoop_hips_decide_from_view_deg <= 90, "rules.stoop_hips_decide_from_view_deg must be in [0, 90]"),
    ]
    checks += _unit_checks(config)
    checks += [
        (0 <= ergo.load_kg <= 200, "ergonomics.load_kg must be in [0, 200] (0 = unknown)"),
        (ergo.stature_m == 0 or 1.0 <= ergo.stature_m <= 2.5,
         "ergonomics.stature_m must be 0 (unknown) or in [1.0, 2.5] m"),
        (0 <= ergo.frequency_lifts_per_min <= 20,
         "ergonomics.frequency_lifts_per_min must be in [0, 20] (0 = measured from the video)"),
        (0 < ergo.reba_twist_threshold_deg <= 90, "ergonomics.reba_twist_threshold_deg must be in (0, 90]"),
        (0 < ergo.reba_side_bend_threshold_deg <= 90, "ergonomics.reba_side_bend_threshold_deg must be in (0, 90]"),
        (0 <= ergo.min_view_off_side_deg <= 90, "ergonomics.min_view_off_side_deg must be in [0, 90]"),
    ]
    checks += [
        (0 < load.low_hand_height_rel <= 2, "load.low_hand_height_rel must be in (0, 2] leg lengths"),
        (load.rise_leg_ratio > 0, "load.rise_leg_ratio must be > 0"),
        (load.together_max_ratio >= 1, "load.together_max_ratio must be >= 1"),
        (load.verdict_wait_s >= 0 and load.release_min_s >= 0, "load: times must be >= 0 seconds"),
        (load.release_separation_ratio >= 1 and load.release_separation_gain >= 0,
         "load: need release_separation_ratio >= 1 and release_separation_gain >= 0"),
        (0 <= load.pixel_change_level <= 255, "load.pixel_change_level must be in [0, 255]"),
        (0 < load.changed_share <= 1, "load.changed_share must be in (0, 1]"),
        (load.low_hand_height_rel < load.held_up_hand_height_rel <= 3,
         "load.held_up_hand_height_rel must be above load.low_hand_height_rel and at most 3 leg lengths"),
    ]
    checks += [
        (64 <= config.output.review_max_width_px <= 16384, "output.review_max_width_px must be in [64, 16384]"),
        (0 <= config.output.video_crf <= 51, "output.video_crf must be in [0, 51]"),
        (0 <= config.output.helper_processes <= 64, "output.helper_processes must be in [0, 64]"),
        (0 <= config.output.helper_min_idle_cores <= 1024, "output.helper_min_idle_cores must be in [0, 1024]"),
    ]
    checks += _choice_checks(ergo, "ergonomics") + _choice_checks(load, "load")
    checks += _choice_checks(config.output, "output")
    for ok, message in checks:
        if not ok:
            raise ConfigError(f"{source}: {message}")


def _unit_checks(config: Config) -> list[tuple[bool, str]]:
    """(value in range, message) for every numeric setting whose name ends in a unit (see _UNIT_RANGES)."""
    checks = []
    for section_name in _SECTIONS:
        section = getattr(config, section_name)
        for item in dataclasses.fields(section):
            value = getattr(section, item.name)
            suffix, low, high, low_allowed, unit = next(
                (entry for entry in _UNIT_RANGES if item.name.endswith(entry[0])), (None, 0, 0, True, ""))
            if suffix is None or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            ok = (low <= value if low_allowed else low < value) and value <= high
            if high == MAX_MAGNITUDE:  # the size limit is checked when loading; name the lower bound only
                bounds = f"{'>=' if low_allowed else '>'} {low:g}"
            else:
                bounds = f"in {'[' if low_allowed else '('}{low:g}, {high:g}]"
            checks.append((ok, f"{section_name}.{item.name} must be {bounds}{' ' + unit if unit else ''}"))
    return checks


def _choice_checks(section: Any, name: str) -> list[tuple[bool, str]]:
    """(value is allowed, message listing the allowed values) for each field with "choices" metadata."""
    checks = []
    for item in dataclasses.fields(section):
        choices = item.metadata.get("choices")
        if choices is not None:
            value = getattr(section, item.name)
            checks.append((value in choices, f"{name}.{item.name} must be one of {list(choices)}, got {value!r}"))
    return checks
