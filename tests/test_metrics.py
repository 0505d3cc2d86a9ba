"""Metrics on hand-built landmark arrays with known angles, seen from several camera yaws."""

import dataclasses
import itertools
import math

import numpy as np
import pytest

from posecheck.config import Config
from posecheck.ergonomics.reba import neck_score
from posecheck.landmarks import Landmark as L
from posecheck.metrics.angles import knee_share_of_bend
from posecheck.metrics.calibration import SUSTAINED_FRAMES, BodyCalibration, SegmentLengths
from posecheck.metrics.compute import compute_metrics, measure
from posecheck.metrics.confidence import DEPTH_REACH_CONFIDENCE, reach_view_factor
from posecheck.metrics.frame_metrics import EMPTY_METRICS, METRIC_NAMES, FrameMetrics
from posecheck.metrics.vectors import angle_between_deg, joint_flexion_deg, signed_angle_about_deg
from posecheck.pipeline import FrameAnalyzer
from posecheck.pose import PoseFrame
from tests.skeleton_fixture import body_landmarks, pose_frame

YAWS = (0.0, 30.0, 60.0, 90.0)


def test_metric_names_are_the_metric_fields_in_declaration_order() -> None:
    """METRIC_NAMES (metrics.csv's metric columns, FrameMetrics.values()) are FrameMetrics's `float | None`
    fields in declaration order; `confidence` and `notes` describe them and are no metrics."""
    declared = [f.name for f in dataclasses.fields(FrameMetrics) if f.type == "float | None"]
    assert list(METRIC_NAMES) == declared
    assert list(FrameMetrics().values()) == declared
    assert "confidence" not in METRIC_NAMES and "notes" not in METRIC_NAMES


@pytest.mark.parametrize("yaw", YAWS)
@pytest.mark.parametrize("trunk", [0.0, 20.0, 45.0, 80.0])
def test_trunk_flexion_matches_at_every_view(yaw: float, trunk: float) -> None:
    metrics = compute_metrics(pose_frame(body_landmarks(trunk_flexion_deg=trunk), yaw))
    assert metrics.trunk_flexion_deg == pytest.approx(trunk, abs=0.5)


def test_leaning_back_is_negative() -> None:
    metrics = compute_metrics(pose_frame(body_landmarks(trunk_flexion_deg=-15.0), 0.0))
    assert metrics.trunk_flexion_deg == pytest.approx(-15.0, abs=0.5)


def tilt_head(points: np.ndarray, neck_deg: float) -> np.ndarray:
    """The fixture's pose (facing +x, left -z) with the head turned forward (+) or back (-) about the neck."""
    shoulder_mid = (points[L.LEFT_SHOULDER] + points[L.RIGHT_SHOULDER]) / 2
    a = math.radians(neck_deg)
    rotation = np.array([[math.cos(a), math.sin(a), 0.0], [-math.sin(a), math.cos(a), 0.0], [0.0, 0.0, 1.0]])
    tilted = points.copy()
    for index in range(11):  # nose, eyes, ears, mouth
        tilted[index] = shoulder_mid + rotation @ (points[index] - shoulder_mid)
    return tilted


@pytest.mark.parametrize("yaw", [0.0, 30.0])
@pytest.mark.parametrize("trunk", [0.0, 80.0])
@pytest.mark.parametrize("neck", [-25.0, 0.0, 30.0])
def test_neck_flexion_is_signed_so_reba_sees_extension(yaw: float, trunk: float, neck: float) -> None:
    """A head held up while stooped is extension (negative): REBA scores it 2, as flexion over 20°.

    Unsigned, the stooped lifter's extended neck read +20° on REBA's flexion band edge, and the
    REBA score at the bottom of the lift jumped between 4 and 7 from run to run.
    """
    frame = pose_frame(tilt_head(body_landmarks(trunk_flexion_deg=trunk), neck), yaw)
    measured = compute_metrics(frame).neck_flexion_deg
    assert measured == pytest.approx(neck, abs=3.0)
    assert neck_score(measured, twisted_or_side_bent=False) == (1 if neck == 0.0 else 2)


@pytest.mark.parametrize("knee", [0.0, 30.0, 60.0, 90.0])
def test_knee_and_hip_flexion_side_on(knee: float) -> None:
    metrics = compute_metrics(pose_frame(body_landmarks(trunk_flexion_deg=30.0, knee_flexion_deg=knee), 0.0))
    assert metrics.knee_flexion_deg == pytest.approx(knee, abs=0.5)
    # The thigh leans forward by half the knee angle in this skeleton, the trunk by 30 deg.
    assert metrics.hip_flexion_deg == pytest.approx(30.0 + knee / 2, abs=0.5)


@pytest.mark.parametrize("yaw", YAWS)
def test_straight_legs_read_straight_at_every_view(yaw: float) -> None:
    metrics = compute_metrics(pose_frame(body_landmarks(trunk_flexion_deg=30.0, knee_flexion_deg=0.0), yaw))
    assert metrics.knee_flexion_deg == pytest.approx(0.0, abs=0.5)
    assert metrics.hip_flexion_deg == pytest.approx(30.0, abs=0.5)


@pytest.mark.parametrize("yaw", [30.0, 60.0, 90.0])
@pytest.mark.parametrize("knee", [60.0, 90.0])
def test_deep_knee_bends_off_side_on(yaw: float, knee: float) -> None:
    """Off side-on, knee bend lies partly in depth: foreshortening under 7 % of a segment's length is
    ignored as noise (DEPTH_TRUST_RATIO), so bends read somewhat low, most from the front."""
    metrics = compute_metrics(pose_frame(body_landmarks(trunk_flexion_deg=30.0, knee_flexion_deg=knee), yaw))
    assert knee - 18.0 <= metrics.knee_flexion_deg <= knee + 0.5
    assert 30.0 + knee / 2 - 10.0 <= metrics.hip_flexion_deg <= 30.0 + knee / 2 + 0.5


def test_front_view_reads_small_knee_bends_as_straight() -> None:
    """The price of ignoring small foreshortening: from the front a 30-degree knee bend is not seen."""
    metrics = compute_metrics(pose_frame(body_landmarks(trunk_flexion_deg=30.0, knee_flexion_deg=30.0), 90.0))
    assert metrics.knee_flexion_deg < 10.0


def calibrated(*frames: PoseFrame, repeats: int = SUSTAINED_FRAMES) -> BodyCalibration:
    """The calibration left behind by a stream showing each of these frames `repeats` times in a row."""
    calibration = BodyCalibration()
    for frame in frames:
        for _ in range(repeats):
            calibration = measure(frame, 0.5, calibration)[1]
    return calibration


def test_calibrated_leg_lengths_are_the_longest_seen_facing_the_camera() -> None:
    straight = pose_frame(body_landmarks(knee_flexion_deg=0.0), 90.0)
    bent = pose_frame(body_landmarks(knee_flexion_deg=90.0), 90.0)
    calibration = calibrated(bent, straight)
    assert calibration.lengths.left_thigh_m == pytest.approx(calibrated(straight).lengths.left_thigh_m)
    assert calibration.lengths.left_thigh_m > calibrated(bent).lengths.left_thigh_m
    assert calibrated(pose_frame(body_landmarks(), 0.0)).lengths.left_thigh_m is None  # side-on: no calibration
    assert calibrated(None).lengths == SegmentLengths()  # type: ignore[arg-type]
    metrics = compute_metrics(bent, calibration=calibration)
    assert metrics.knee_flexion_deg == pytest.approx(90.0, abs=15.0)


def test_a_leg_never_seen_takes_the_other_legs_lengths() -> None:
    lengths = SegmentLengths(right_thigh_m=0.45, right_shank_m=0.43)
    assert lengths.leg(0) == lengths.leg(1) == (0.45, 0.43)
    assert SegmentLengths(0.40, 0.41, 0.45, 0.43).leg(0) == (0.40, 0.41)


def test_shoulder_width_is_calibrated_only_while_upright() -> None:
    assert calibrated(pose_frame(body_landmarks(), 90.0)).lengths.shoulder_width_m == pytest.approx(0.38)
    assert calibrated(pose_frame(body_landmarks(trunk_flexion_deg=45.0), 90.0)).lengths.shoulder_width_m is None


def test_a_length_seen_in_too_few_frames_does_not_calibrate() -> None:
    """A length counts as the median of SUSTAINED_FRAMES frames in a row: a couple of misplaced frames
    (MediaPipe's first detection often is one) must not set it for the rest of the stream."""
    straight = pose_frame(body_landmarks(), 90.0)
    bent = pose_frame(body_landmarks(knee_flexion_deg=90.0), 90.0)
    assert calibrated(straight, repeats=SUSTAINED_FRAMES - 1).lengths == SegmentLengths()
    calibration = calibrated(bent)
    for frame in [straight] * (SUSTAINED_FRAMES // 2) + [bent] * SUSTAINED_FRAMES:
        calibration = measure(frame, 0.5, calibration)[1]
    assert calibration.lengths.left_thigh_m == pytest.approx(calibrated(bent).lengths.left_thigh_m)
    assert calibrated(bent, straight).lengths.left_thigh_m == pytest.approx(calibrated(straight).lengths.left_thigh_m)


def with_compressed_depth(frame: PoseFrame, factor: float) -> PoseFrame:
    """The frame with its world depth (z) scaled by `factor`, as MediaPipe compresses depth."""
    world = frame.world_xyz_m * np.array([1.0, 1.0, factor])
    return PoseFrame.from_arrays(frame.image_xy_px, world, frame.visibility, frame.width_px, frame.height_px)


@pytest.mark.parametrize(("yaw", "twist"), [(90.0, 45.0), (90.0, -45.0), (60.0, 45.0)])
def test_calibrated_shoulder_width_restores_twist_hidden_by_compressed_depth(yaw: float, twist: float) -> None:
    """MediaPipe's compressed depth shortens the shoulder line's 3D length and hides twist; the width
    seen while the person stood facing the camera gives it back."""
    frame = with_compressed_depth(pose_frame(body_landmarks(torso_twist_deg=twist), yaw), 0.4)
    calibration = calibrated(pose_frame(body_landmarks(), 90.0))
    assert abs(compute_metrics(frame).torso_twist_deg - twist) > 10.0
    assert compute_metrics(frame, calibration=calibration).torso_twist_deg == pytest.approx(twist, abs=3.0)


@pytest.mark.parametrize("yaw", YAWS)
@pytest.mark.parametrize("twist", [-45.0, 0.0, 20.0, 45.0])
def test_torso_twist_signed(yaw: float, twist: float) -> None:
    metrics = compute_metrics(pose_frame(body_landmarks(torso_twist_deg=twist), yaw))
    assert metrics.torso_twist_deg == pytest.approx(twist, abs=0.5)


def test_twist_measured_about_a_flexed_trunk() -> None:
    metrics = compute_metrics(pose_frame(body_landmarks(trunk_flexion_deg=60.0, torso_twist_deg=30.0), 45.0))
    assert metrics.torso_twist_deg == pytest.approx(30.0, abs=0.5)
    assert metrics.trunk_flexion_deg == pytest.approx(60.0, abs=0.5)


def test_view_yaw_reports_side_and_front() -> None:
    assert compute_metrics(pose_frame(body_landmarks(), 0.0)).view_yaw_deg == pytest.approx(0.0, abs=0.5)
    assert compute_metrics(pose_frame(body_landmarks(), 90.0)).view_yaw_deg == pytest.approx(90.0, abs=0.5)


def test_hand_and_stance_ratios() -> None:
    points = body_landmarks(hands="box", stance_half_width_m=0.19)
    metrics = compute_metrics(pose_frame(points, 30.0))
    leg = 0.9
    assert metrics.stance_width_rel == pytest.approx(0.38 / 0.38, abs=0.01)
    assert metrics.hands_forward_rel == pytest.approx(0.4 / leg, abs=0.01)
    assert metrics.hands_separation_rel == pytest.approx(0.4 / 0.38, abs=0.01)
    wrist_height = points[L.LEFT_WRIST][1] - 0.02  # floor = lowest heel/toe landmark
    assert metrics.hand_height_rel == pytest.approx(wrist_height / leg, abs=0.01)
    assert metrics.hand_distance_rel == pytest.approx(math.hypot(0.4, 0.0) / leg, abs=0.01)


def test_confidence_present_and_view_dependent() -> None:
    side = compute_metrics(pose_frame(body_landmarks(), 0.0))
    front = compute_metrics(pose_frame(body_landmarks(), 90.0))
    assert 0 < side.confidence["trunk_flexion_deg"] <= 1
    assert side.confidence["trunk_flexion_deg"] > front.confidence["trunk_flexion_deg"]
    assert side.confidence["torso_twist_deg"] < front.confidence["torso_twist_deg"]


def test_invisible_landmarks_give_none() -> None:
    visibility = np.ones(33)
    visibility[[L.LEFT_KNEE, L.RIGHT_KNEE]] = 0.1
    metrics = compute_metrics(pose_frame(body_landmarks(), 0.0, visibility))
    assert metrics.knee_flexion_deg is None
    assert metrics.hip_flexion_deg is None
    assert metrics.trunk_flexion_deg is not None
    assert "knee_flexion_deg" not in metrics.confidence


def test_missing_pose_or_nan_landmarks_give_empty_metrics() -> None:
    assert compute_metrics(None) == EMPTY_METRICS
    frame = pose_frame(body_landmarks(), 0.0)
    frame.world_xyz_m[L.LEFT_HIP] = np.nan
    assert compute_metrics(frame) == EMPTY_METRICS


def test_geometry_helpers() -> None:
    assert angle_between_deg(np.array([1.0, 0, 0]), np.array([0, 1.0, 0])) == pytest.approx(90.0)
    assert angle_between_deg(np.zeros(3), np.array([0, 1.0, 0])) is None
    assert joint_flexion_deg(np.array([0, 1.0, 0]), np.zeros(3), np.array([0, -1.0, 0])) == pytest.approx(0.0)
    up = np.array([0, 1.0, 0])
    assert signed_angle_about_deg(np.array([1.0, 0, 0]), np.array([0, 0, -1.0]), up) == pytest.approx(90.0)
    assert knee_share_of_bend(90.0, 30.0) == pytest.approx(0.75)
    assert knee_share_of_bend(5.0, 5.0) is None


class _ScriptedPoses:
    """Stands in for PoseEstimator: returns the given poses (None = nobody in view) in order."""

    def __init__(self, poses: list[PoseFrame | None]) -> None:
        self._poses = iter(poses)

    def detect(self, rgb: np.ndarray, time_ms: float) -> PoseFrame | None:
        return next(self._poses)


def twist_after_absence(first: PoseFrame, absent_s: float, second: PoseFrame, fps: float = 15.0) -> float:
    """Twist (degrees) read on `second` when a stream shows `first` for 2 s, nobody for `absent_s`, then `second`."""
    poses = [first] * int(2 * fps) + [None] * round(absent_s * fps) + [second] * int(fps)
    analyzer = FrameAnalyzer(Config(), _ScriptedPoses(poses))  # type: ignore[arg-type]
    results = [analyzer.process(np.empty(0), index, index / fps).result for index in range(len(poses))]
    return results[-1].metrics.torso_twist_deg


def test_someone_new_after_an_absence_is_not_measured_with_the_last_persons_lengths() -> None:
    """A larger person calibrates a wider shoulder line; measured against it, a smaller person standing
    square reads ~10 degrees of twist. After 2 s with nobody in view the calibration starts again."""
    larger = pose_frame(body_landmarks(hands="box") * 1.2, 90.0)
    smaller = pose_frame(body_landmarks(hands="box"), 60.0)
    assert twist_after_absence(larger, 1.0, smaller) > 8.0  # a short gap: taken to be the same person
    assert twist_after_absence(larger, 3.0, smaller) == pytest.approx(0.0, abs=0.5)


def test_calibration_survives_a_short_loss_of_the_person() -> None:
    """The same person lost for a second (an occlusion) keeps the width that restores compressed-depth twist."""
    facing = pose_frame(body_landmarks(), 90.0)
    twisted = with_compressed_depth(pose_frame(body_landmarks(torso_twist_deg=45.0), 60.0), 0.4)
    assert twist_after_absence(facing, 1.0, twisted) == pytest.approx(45.0, abs=3.0)
    assert twist_after_absence(facing, 3.0, twisted) < 35.0


@pytest.mark.parametrize("yaw", [0.0, 90.0])
def test_a_camera_looking_down_does_not_turn_height_into_reach(yaw: float) -> None:
    """Seen from 20 degrees above, the hands' height leans toward the camera with everything else; the
    pitch learned from straight legs takes it off again (unlearned, reach facing the camera reads 0.78 leg
    lengths instead of 0.44). Side-on the reach is measured across the image, which the pitch leaves alone."""
    level = compute_metrics(pose_frame(body_landmarks(hands="box"), yaw))
    from_above = pose_frame(body_landmarks(hands="box"), yaw, camera_pitch_deg=20.0)
    calibration = calibrated(from_above)
    assert calibration.camera_pitch_deg == pytest.approx(20.0, abs=0.5)
    unlearned = compute_metrics(from_above)
    learned = compute_metrics(from_above, calibration=calibration)
    if yaw == 0.0:
        assert unlearned.hand_distance_rel == pytest.approx(level.hand_distance_rel, abs=0.02)
    else:
        assert unlearned.hand_distance_rel > level.hand_distance_rel + 0.1
    assert learned.hand_distance_rel == pytest.approx(level.hand_distance_rel, abs=0.02)
    assert learned.hand_height_rel == pytest.approx(level.hand_height_rel, abs=0.02)
    assert learned.stance_width_rel == pytest.approx(level.stance_width_rel, abs=0.02)


def test_camera_pitch_is_learned_from_straight_legs_only() -> None:
    """Bent knees tilt the legs' axis; frames with them do not count toward the camera's pitch."""
    squatting = pose_frame(body_landmarks(knee_flexion_deg=90.0), 0.0, camera_pitch_deg=20.0)
    assert calibrated(squatting).camera_pitch_deg == 0.0
    standing = pose_frame(body_landmarks(), 0.0, camera_pitch_deg=20.0)
    assert calibrated(standing, squatting).camera_pitch_deg == pytest.approx(20.0, abs=0.5)


@pytest.mark.parametrize("yaw", [0.0, 45.0])
def test_hand_reach_is_measured_across_the_image_where_the_view_shows_it(yaw: float) -> None:
    """Within 60 degrees of side-on the hands' reach comes from the image: hands MediaPipe puts 0.4 m too
    near the camera in depth do not move it; facing the camera it lies in depth and is not trusted."""
    rules = Config().rules
    frame = pose_frame(body_landmarks(hands="box"), yaw)
    true_reach = compute_metrics(frame).hand_distance_rel
    world = frame.world_xyz_m.copy()
    world[[L.LEFT_WRIST, L.RIGHT_WRIST], 2] -= 0.4
    deep = PoseFrame.from_arrays(frame.image_xy_px, world, width_px=frame.width_px, height_px=frame.height_px)
    measured = compute_metrics(deep)
    assert measured.hand_distance_rel == pytest.approx(true_reach, abs=0.02)
    assert measured.confidence["hand_distance_rel"] >= rules.far_load_min_confidence
    facing = compute_metrics(pose_frame(body_landmarks(hands="box"), 90.0))
    assert facing.confidence["hand_distance_rel"] <= DEPTH_REACH_CONFIDENCE < rules.far_load_min_confidence


def test_reach_confidence_tapers_with_the_view_without_an_edge() -> None:
    """The reach's confidence falls smoothly from side-on (1) as the view turns toward the camera (its error
    grows with tan(view yaw)), judged at 30 deg, not at 55 deg, and joins the depth level with no step
    where the measurement turns from the image to depth (60 deg)."""
    rules = Config().rules
    views = np.arange(0.0, 90.5, 0.5)
    factors = [reach_view_factor(math.cos(math.radians(view))) for view in views]
    assert factors[0] == 1.0
    assert all(later <= earlier for earlier, later in itertools.pairwise(factors))
    assert max(abs(later - earlier) for earlier, later in itertools.pairwise(factors)) < 0.02
    assert factors[-1] == DEPTH_REACH_CONFIDENCE
    assert reach_view_factor(math.cos(math.radians(30.0))) * 0.9 >= rules.far_load_min_confidence
    assert reach_view_factor(math.cos(math.radians(55.0))) * 0.9 < rules.far_load_min_confidence


@pytest.mark.parametrize("yaw", [60.0, 90.0])
@pytest.mark.parametrize("trunk", [60.0, 80.0])
def test_a_deep_lean_seen_from_the_front_stays_forward_when_the_depth_flips_it(yaw: float, trunk: float) -> None:
    """Seen from the front, the lean's direction comes from MediaPipe's depth alone. Measured on a
    hand-held render of a fast stoop: for 2-3 frames at the bottom the depth put the shoulders behind
    the hips and the trunk read -84° (leaning back) between +86° readings."""
    frame = pose_frame(body_landmarks(trunk_flexion_deg=trunk), yaw)
    world = frame.world_xyz_m.copy()
    world[: L.LEFT_HIP, 2] *= -1.0  # the upper body mirrored in depth: the image is unchanged
    flipped = PoseFrame.from_arrays(frame.image_xy_px, world, None, width_px=640, height_px=480)
    assert compute_metrics(flipped).trunk_flexion_deg == pytest.approx(trunk, abs=5.0)
    assert compute_metrics(flipped).hip_flexion_deg == pytest.approx(compute_metrics(frame).hip_flexion_deg, abs=5.0)


def test_a_slight_lean_back_seen_from_the_front_keeps_its_direction() -> None:
    back = compute_metrics(pose_frame(body_landmarks(trunk_flexion_deg=-20.0), 90.0)).trunk_flexion_deg
    assert back == pytest.approx(-20.0, abs=3.0)
