"""The per-frame metrics record (`FrameMetrics`) and the metric names, in column order (`METRIC_NAMES`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass(frozen=True)
class FrameMetrics:
    """Posture metrics of one frame; None = not measurable. `confidence` maps metric name → [0, 1].

    The metrics are the fields that default to None (METRIC_NAMES, in declaration order, which is the
    order of metrics.csv's columns); `confidence` and `notes` describe them.

    Angles in degrees. `*_rel` lengths are relative to leg length (hip to ankle), except
    `hands_separation_rel` and `stance_width_rel`, relative to shoulder width, and `hip_height_rel`,
    the hips' height above the floor against the person's standing hip height (1 standing, about 0.6
    at the bottom of a squat; see posecheck.plausibility). `asymmetry_angle_deg`
    is the NIOSH asymmetry angle: mid-ankle → hands (floor projection) against the pelvis's forward
    direction, positive to the person's left. `leg_length_m` (hip to ankle, from the world landmarks)
    converts the relative lengths to metres. `camera_pitch_deg` is how far the camera looks down as
    learned from straight legs so far (BodyCalibration.camera_pitch_deg; None until learned).
    """

    trunk_flexion_deg: float | None = None
    hip_flexion_deg: float | None = None
    knee_flexion_deg: float | None = None
    knee_share_of_bend: float | None = None
    torso_twist_deg: float | None = None
    lateral_bend_deg: float | None = None
    neck_flexion_deg: float | None = None
    upper_arm_flexion_deg: float | None = None
    lower_arm_flexion_deg: float | None = None
    hand_height_rel: float | None = None
    hand_distance_rel: float | None = None
    hands_forward_rel: float | None = None
    hands_separation_rel: float | None = None
    knee_height_rel: float | None = None
    hip_height_rel: float | None = None
    stance_width_rel: float | None = None
    asymmetry_angle_deg: float | None = None
    leg_length_m: float | None = None
    view_yaw_deg: float | None = None
    camera_pitch_deg: float | None = None
    confidence: dict[str, float] = field(default_factory=dict)
    # Why parts of this frame are not believed or not shown (posecheck.plausibility.NOTE_CODES).
    notes: tuple[str, ...] = ()

    def values(self) -> dict[str, float | None]:
        """Metric name → value (None where not measurable), in METRIC_NAMES order."""
        data = asdict(self)
        return {name: data[name] for name in METRIC_NAMES}


METRIC_NAMES: tuple[str, ...] = tuple(f.name for f in fields(FrameMetrics) if f.default is None)
EMPTY_METRICS = FrameMetrics()
