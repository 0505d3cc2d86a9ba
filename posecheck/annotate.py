"""Drawing on frames: skeleton, key angles, and an unmistakable warning banner while a flag is active."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from posecheck.advice import ADVICE
from posecheck.landmarks import FACE, SKELETON_CONNECTIONS
from posecheck.metrics.frame_metrics import FrameMetrics
from posecheck.pose import PoseFrame

GOOD = (60, 200, 90)
WARN = (230, 40, 40)
TEXT = (255, 255, 255)
DIM_TEXT = (150, 150, 150)  # a value the rules do not judge (twist seen near side-on)
PANEL = (20, 20, 20)
PANEL_OPACITY = 0.75
FONT = cv2.FONT_HERSHEY_DUPLEX
DEGREE = "°"  # OpenCV's fonts have no degree sign: it is drawn as a small ring
# Sizes in pixels of a frame whose shorter side is REFERENCE_SIDE_PX; other frames scale with their shorter
# side, so the text keeps its share of the picture on a phone's small player as on a monitor.
REFERENCE_SIDE_PX = 480
TITLE_FONT_SCALE = 1.1  # about 30 px high: the warning, readable at a third of its size
CUE_FONT_SCALE = 0.85
PANEL_FONT_SCALE = 0.75
MARGIN_PX = 10
LINE_GAP_PX = 12

_PANEL_ROWS = (
    ("Back", "trunk_flexion_deg", "{:.0f}°"),
    ("Knees", "knee_flexion_deg", "{:.0f}°"),
    ("Hips", "hip_flexion_deg", "{:.0f}°"),
    ("Twist", "torso_twist_deg", "{:+.0f}°"),
)


def fitted_pose(pose: PoseFrame | None, shape: tuple[int, ...]) -> PoseFrame | None:
    """`pose` (found in a frame of its own width_px x height_px) in a frame of `shape` (the same picture
    scaled: e.g. the analysed frame at the annotated video's size); the pose itself when the sizes match."""
    height, width = shape[0], shape[1]
    if pose is None or (pose.width_px, pose.height_px) == (width, height):
        return pose
    factors = np.array([width / pose.width_px, height / pose.height_px])
    return replace(pose, image_xy_px=pose.image_xy_px * factors, width_px=width, height_px=height)


def blur_face(rgb: np.ndarray, pose: PoseFrame | None) -> np.ndarray:
    """Return a copy of `rgb` with the face region (from the face landmarks) strongly blurred."""
    if pose is None:
        return rgb
    face = pose.image_xy_px[list(FACE)]
    face = face[np.all(np.isfinite(face), axis=1)]
    if len(face) == 0:
        return rgb
    height, width = rgb.shape[:2]
    centre = face.mean(axis=0)
    radius = max(float(np.ptp(face, axis=0).max()) * 1.2, 0.04 * height)
    x0, y0 = (np.maximum(centre - radius, 0)).astype(int)
    x1, y1 = (np.minimum(centre + radius, [width, height])).astype(int)
    if x1 <= x0 or y1 <= y0:
        return rgb
    out = rgb.copy()
    region = out[y0:y1, x0:x1]
    kernel = max(3, (min(region.shape[:2]) // 2) | 1)
    out[y0:y1, x0:x1] = cv2.GaussianBlur(region, (kernel, kernel), 0)
    return out


def annotate_frame(
    rgb: np.ndarray,
    pose: PoseFrame | None,
    metrics: FrameMetrics,
    flags: tuple[str, ...],
    load_held: bool = False,
    min_visibility: float = 0.5,
    twist_min_confidence: float = 0.0,
) -> np.ndarray:
    """Return a copy of the RGB frame with the skeleton, an angle panel and warnings drawn on it.

    The warning banner runs across the top; the angle panel sits at the top right under it, clear of the
    controls a video player lays over the bottom. Twist below `twist_min_confidence` (not judged by the
    twist rule) is drawn in grey.
    """
    out = rgb.copy()
    scale = frame_scale(out.shape)
    colour = WARN if flags else GOOD
    if pose is not None:
        _draw_skeleton(out, pose, colour, scale, min_visibility)
    banner_bottom = 0
    if flags:
        banner_bottom = _draw_warning(out, flags, scale)
    elif pose is None:
        banner_bottom = _draw_banner(out, ["No person detected"], (90, 90, 90), scale)
    _draw_panel(out, panel_rows(metrics, load_held, twist_min_confidence), scale, banner_bottom)
    return out


def frame_scale(shape: tuple[int, ...]) -> float:
    """How much larger than at REFERENCE_SIDE_PX the overlay is drawn on a frame of this shape."""
    return max(min(shape[0], shape[1]) / REFERENCE_SIDE_PX, 0.4)


def panel_rows(
    metrics: FrameMetrics, load_held: bool, twist_min_confidence: float
) -> list[tuple[str, tuple[int, int, int]]]:
    """The angle panel's lines with their colours: each angle in degrees, then the load state."""
    rows = []
    for label, name, fmt in _PANEL_ROWS:
        value = getattr(metrics, name)
        judged = name != "torso_twist_deg" or metrics.confidence.get(name, 0.0) >= twist_min_confidence
        rows.append((f"{label} {fmt.format(value) if value is not None else '--'}", TEXT if judged else DIM_TEXT))
    rows.append(("Load held" if load_held else "No load", TEXT))
    return rows


def panel_box(shape: tuple[int, ...], rows: int, banner_bottom: int) -> tuple[int, int, int, int]:
    """The angle panel's rectangle (x0, y0, x1, y1) in pixels: top right, under the banner."""
    scale = frame_scale(shape)
    line = _line_height(PANEL_FONT_SCALE * scale, scale)
    width = _text_width("Twist +180°", PANEL_FONT_SCALE * scale, _thickness(scale)) + 2 * int(MARGIN_PX * scale)
    x1 = shape[1] - int(MARGIN_PX * scale)
    y0 = banner_bottom + int(MARGIN_PX * scale)
    return max(0, x1 - width), y0, x1, min(shape[0], y0 + line * rows + int(MARGIN_PX * scale))


def _thickness(scale: float) -> int:
    return max(1, round(1.6 * scale))


def _line_height(font_scale: float, scale: float) -> int:
    return cv2.getTextSize("Hg", FONT, font_scale, _thickness(scale))[0][1] + int(LINE_GAP_PX * scale)


def _text_width(text: str, font_scale: float, thickness: int) -> int:
    plain = text.replace(DEGREE, "o")  # the ring takes about the room of a small letter
    return cv2.getTextSize(plain, FONT, font_scale, thickness)[0][0]


def _put_text(out: np.ndarray, text: str, origin: tuple[int, int], font_scale: float, colour: tuple,
              thickness: int) -> None:
    """Draw `text` at `origin` (baseline left), each degree sign as a small raised ring."""
    x, y = origin
    height = cv2.getTextSize("0", FONT, font_scale, thickness)[0][1]
    for index, part in enumerate(text.split(DEGREE)):
        if index:
            radius = max(2, round(height * 0.16))
            cv2.circle(out, (x + radius + thickness, y - height + radius), radius, colour, max(1, thickness - 1),
                       cv2.LINE_AA)
            x += 2 * radius + 3 * thickness
        if part:
            cv2.putText(out, part, (x, y), FONT, font_scale, colour, thickness, cv2.LINE_AA)
            x += cv2.getTextSize(part, FONT, font_scale, thickness)[0][0]


def _draw_skeleton(out: np.ndarray, pose: PoseFrame, colour: tuple, scale: float, min_vis: float) -> None:
    thickness = max(2, int(3 * scale))
    points = pose.image_xy_px
    for a, b in SKELETON_CONNECTIONS:
        if min(pose.visibility[a], pose.visibility[b]) < min_vis * 0.5:
            continue
        pa, pb = points[a], points[b]
        if np.all(np.isfinite(pa)) and np.all(np.isfinite(pb)):
            cv2.line(out, tuple(int(v) for v in pa), tuple(int(v) for v in pb), colour, thickness, cv2.LINE_AA)
    for index in range(11, len(points)):
        if pose.visibility[index] >= min_vis * 0.5 and np.all(np.isfinite(points[index])):
            cv2.circle(out, tuple(int(v) for v in points[index]), thickness + 1, TEXT, -1, cv2.LINE_AA)


def _draw_panel(out: np.ndarray, rows: list[tuple[str, tuple[int, int, int]]], scale: float,
                banner_bottom: int) -> None:
    x0, y0, x1, y1 = panel_box(out.shape, len(rows), banner_bottom)
    if y1 <= y0:
        return
    # Darken only the panel's region (blending the whole frame would cost a full-frame copy).
    region = out[y0:y1, x0:x1]
    region[:] = (region * (1 - PANEL_OPACITY) + np.array(PANEL) * PANEL_OPACITY).astype(np.uint8)
    font_scale, thickness = PANEL_FONT_SCALE * scale, _thickness(scale)
    line = _line_height(font_scale, scale)
    for i, (text, colour) in enumerate(rows):
        baseline = y0 + line * (i + 1) - int(LINE_GAP_PX * scale / 2)
        _put_text(out, text, (x0 + int(MARGIN_PX * scale), baseline), font_scale, colour, thickness)


def _draw_warning(out: np.ndarray, flags: tuple[str, ...], scale: float) -> int:
    """A red banner: the title of every active flag, then the first flag's advice in a few words, white on
    red, and a red frame around the picture; returns the banner's bottom row."""
    titles = " + ".join(ADVICE[rule].title for rule in flags)
    bottom = _draw_banner(out, [f"WARNING: {titles}"], WARN, scale, cue=ADVICE[flags[0]].cue)
    cv2.rectangle(out, (0, 0), (out.shape[1] - 1, out.shape[0] - 1), WARN, max(4, int(6 * scale)))
    return bottom


def _draw_banner(out: np.ndarray, titles: list[str], colour: tuple, scale: float, cue: str = "") -> int:
    """A full-width banner of `titles` (large) and `cue` (smaller), wrapped to the frame; its bottom row."""
    width = out.shape[1] - 2 * int(MARGIN_PX * scale)
    thickness = _thickness(scale)
    lines = [(line, TITLE_FONT_SCALE * scale, thickness + 1) for title in titles
             for line in _wrap_to_width(title, width, TITLE_FONT_SCALE * scale, thickness + 1)]
    lines += [(line, CUE_FONT_SCALE * scale, thickness) for line in
              _wrap_to_width(cue, width, CUE_FONT_SCALE * scale, thickness)]
    heights = [_line_height(font_scale, scale) for _, font_scale, _ in lines]
    bottom = min(out.shape[0], sum(heights) + int(MARGIN_PX * scale))
    cv2.rectangle(out, (0, 0), (out.shape[1], bottom), colour, -1)
    y = 0
    for (text, font_scale, weight), height in zip(lines, heights, strict=True):
        y += height
        _put_text(out, text, (int(MARGIN_PX * scale), y - int(LINE_GAP_PX * scale / 2)), font_scale, TEXT, weight)
    return bottom


def _wrap_to_width(text: str, width_px: int, font_scale: float, thickness: int) -> list[str]:
    """`text` split into lines no wider than `width_px` (a single word longer than that stays whole)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and _text_width(candidate, font_scale, thickness) > width_px:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines
