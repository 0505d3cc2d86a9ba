"""Render a motion script to frames + ground truth, in memory or as `clip.mp4` + `clip.truth.json`."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from posecheck.synth.figure import Appearance, occluder
from posecheck.synth.primitives import Primitive
from posecheck.synth.render import Camera, CameraSpec, render_body
from posecheck.synth.scripts import MotionScript, Variation, get_script
from posecheck.synth.skeleton import build_body, measure_metrics
from posecheck.video import H264Writer

WORLD_FRAME = "metres; y up, floor y=0; person at the origin facing +x at body yaw 0; +z = the person's left"
SHIRTS = ((52, 92, 168), (160, 48, 48), (46, 120, 72), (200, 160, 40), (90, 60, 130))
TROUSERS = ((48, 52, 64), (70, 60, 50), (40, 60, 100), (90, 90, 90))


@dataclass(frozen=True)
class ClipSettings:
    """How to film a script: camera angles (degrees), frame size (px), frame rate, duration (s), seed;
    how the script is performed (`variation`, None: the script's own), an object on the floor
    between the camera and the shins (`occluder`: "plate", "crate" or None), and the framing: the
    camera's distance (m) to the point it looks at, `look_at_height_m` above the feet (far away: a
    small person; looking high or low: the feet or the head cut off)."""

    camera_yaw_deg: float = 0.0
    camera_elevation_deg: float = 10.0
    size: tuple[int, int] = (480, 360)
    fps: float = 15.0
    duration_s: float | None = None
    seed: int = 0
    variation: Variation | None = None
    occluder: str | None = None
    camera_distance_m: float = CameraSpec.distance_m
    look_at_height_m: float = CameraSpec.look_at_height_m


@dataclass(frozen=True)
class SyntheticClip:
    """Rendered RGB uint8 frames (H, W, 3) and the ground-truth dictionary (as written to JSON)."""

    frames: list[np.ndarray]
    truth: dict


def appearance_for_seed(seed: int) -> Appearance:
    """Clothing colours chosen deterministically from `seed` (seed 0: blue shirt, dark trousers)."""
    if seed == 0:
        return Appearance()
    rng = np.random.default_rng(seed)
    return Appearance(shirt=SHIRTS[int(rng.integers(len(SHIRTS)))], trousers=TROUSERS[int(rng.integers(len(TROUSERS)))])


def iter_clip(script_name: str, settings: ClipSettings) -> Iterator[tuple[np.ndarray, dict]]:
    """Yield (RGB frame, ground-truth frame dict) for each frame of the script at settings.fps."""
    script = get_script(script_name, settings.variation)
    duration_s = script.duration_s if settings.duration_s is None else settings.duration_s
    camera = Camera(_camera_spec(settings))
    look = appearance_for_seed(settings.seed)
    scenery = _scenery(script, settings, look)
    for index in range(int(math.floor(duration_s * settings.fps + 1e-9))):
        time_s = index / settings.fps
        params = script.pose_at(time_s)
        body = build_body(params)
        rendered = render_body(body, camera, look, scenery)
        truth = {
            "index": index,
            "time_s": round(time_s, 4),
            "load_held": params.load_held,
            "metrics": _rounded(asdict(measure_metrics(body.joints_m))),
            "joints_world_m": _rounded(body.joints_m.tolist()),
            "joints_image_px": _rounded(rendered.joints_image_px.tolist()),
            "joints_in_frame": _in_frame(rendered.joints_image_px, settings.size),
        }
        yield rendered.rgb, truth


def synthesize_clip(script_name: str, settings: ClipSettings | None = None) -> SyntheticClip:
    """Render the whole clip in memory: frames and the ground-truth dictionary."""
    settings = settings or ClipSettings()
    frames, truth_frames = [], []
    for rgb, truth in iter_clip(script_name, settings):
        frames.append(rgb)
        truth_frames.append(truth)
    return SyntheticClip(frames=frames, truth=_truth_document(script_name, settings, truth_frames))


def _scenery(script: MotionScript, settings: ClipSettings, look: Appearance) -> tuple[Primitive, ...]:
    """The occluder standing between the camera and the shins, clear of the load's resting place."""
    if settings.occluder is None:
        return ()
    yaw = math.radians(settings.camera_yaw_deg)
    toward_camera = np.array([math.sin(yaw), 0.0, math.cos(yaw)])
    start = build_body(script.pose_at(0.0))
    resting = None if script.pose_at(0.0).load_held else start.box
    return (occluder(settings.occluder, toward_camera, resting, look),)


def render_clip(
    script_name: str,
    output_path: str | Path,
    camera_yaw_deg: float = 0.0,
    camera_elevation_deg: float = 10.0,
    size: tuple[int, int] = (480, 360),
    fps: float = 15.0,
    duration_s: float | None = None,
    seed: int = 0,
    variation: Variation | None = None,
    occluder: str | None = None,
    camera_distance_m: float = CameraSpec.distance_m,
    look_at_height_m: float = CameraSpec.look_at_height_m,
) -> tuple[Path, Path]:
    """Write `output_path` (H.264 MP4) and the ground truth beside it (`x.mp4` → `x.truth.json`)."""
    settings = ClipSettings(
        camera_yaw_deg, camera_elevation_deg, size, fps, duration_s, seed, variation, occluder, camera_distance_m,
        look_at_height_m,
    )
    video_path = Path(output_path)
    truth_frames = []
    with H264Writer(video_path, fps, size[0], size[1]) as writer:
        for rgb, truth in iter_clip(script_name, settings):
            writer.write(rgb)
            truth_frames.append(truth)
    truth_path = truth_path_for(video_path)
    document = _truth_document(script_name, settings, truth_frames)
    truth_path.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    return video_path, truth_path


def _in_frame(joints_image_px: np.ndarray, size: tuple[int, int]) -> list[bool]:
    """Per joint: whether its projection falls inside the image."""
    x, y = joints_image_px[:, 0], joints_image_px[:, 1]
    inside = (x >= 0) & (x < size[0]) & (y >= 0) & (y < size[1])
    return [bool(value) for value in inside]


def truth_path_for(video_path: str | Path) -> Path:
    """The ground-truth JSON path of a clip: `clip.mp4` → `clip.truth.json`."""
    path = Path(video_path)
    return path.with_name(path.stem + ".truth.json")


def _camera_spec(settings: ClipSettings) -> CameraSpec:
    width, height = settings.size
    return CameraSpec(
        camera_yaw_deg=settings.camera_yaw_deg,
        camera_elevation_deg=settings.camera_elevation_deg,
        distance_m=settings.camera_distance_m,
        width_px=width,
        height_px=height,
        look_at_height_m=settings.look_at_height_m,
    )


def _truth_document(script_name: str, settings: ClipSettings, frames: list[dict]) -> dict:
    script = get_script(script_name, settings.variation)
    return {
        "script": script.name,
        "description": script.description,
        "world_frame": WORLD_FRAME,
        "camera": asdict(_camera_spec(settings)),
        "fps": settings.fps,
        "seed": settings.seed,
        "variation": {name: value for name, value in asdict(script.variation).items() if name in script.varies},
        "occluder": settings.occluder,
        "expected_flags": sorted(script.expected_flags),
        "ambiguous": script.ambiguous,
        "pick_ups_s": [round(time_s, 4) for time_s in script.pick_ups_s],
        "put_downs_s": [round(time_s, 4) for time_s in script.put_downs_s],
        "lifts": script.lifts,
        "frames": frames,
    }


def _rounded(value: object) -> object:
    """Floats rounded to 3 decimals throughout nested lists and dicts (keeps the JSON small)."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value
