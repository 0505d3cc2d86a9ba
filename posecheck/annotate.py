"""Drawing on frames: skeleton, key angles, and an unmistakable warning banner while a flag is active."""

from __future__ import annotations

import cv2
import numpy as np

from posecheck.advice import ADVICE
from posecheck.landmarks import FACE, SKELETON_CONNECTIONS
from posecheck.metrics import FrameMetrics
from posecheck.pose import PoseFrame

GOOD = (60, 200, 90)
WARN = (230, 40, 40)
TEXT = (255, 255, 255)
DIM_TEXT = (150, 150, 150)  # a value the rules do not judge (twist seen near side-on)
PANEL = (25, 25, 25)
FONT = cv2.FONT_HERSHEY_SIMPLEX

_PANEL_ROWS = (
    ("Back (trunk)", "trunk_flexion_deg", "{:.0f} deg"),
    ("Knees", "knee_flexion_deg", "{:.0f} deg"),
    ("Hips", "hip_flexion_deg", "{:.0f} deg"),
    ("Twist", "torso_twist_deg", "{:+.0f} deg"),
)


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

    Twist below `twist_min_confidence` (not judged by the twist rule) is drawn in grey.
    """
    out = rgb.copy()
    scale = max(out.shape[0] / 480.0, 0.5)
    colour = WARN if flags else GOOD
    if pose is not None:
        _draw_skeleton(out, pose, colour, scale, min_visibility)
    _draw_panel(out, metrics, load_held, scale, twist_min_confidence)
    if flags:
        _draw_warning(out, flags, scale)
    elif pose is None:
        _draw_banner(out, "No person detected", (90, 90, 90), scale)
    return out


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


def _draw_panel(
    out: np.ndarray, metrics: FrameMetrics, load_held: bool, scale: float, twist_min_confidence: float
) -> None:
    font_scale, line = 0.5 * scale, int(20 * scale)
    rows = []
    for label, name, fmt in _PANEL_ROWS:
        value = getattr(metrics, name)
        judged = name != "torso_twist_deg" or metrics.confidence.get(name, 0.0) >= twist_min_confidence
        rows.append((f"{label}: {fmt.format(value) if value is not None else '--'}", TEXT if judged else DIM_TEXT))
    rows.append(("Load: held" if load_held else "Load: none", TEXT))
    width = int(170 * scale)
    top = out.shape[0] - line * len(rows) - int(10 * scale)
    # Darken only the panel's region (blending the whole frame would cost a full-frame copy).
    region = out[max(0, top - int(6 * scale)):, :width]
    region[:] = (region * 0.4 + np.array(PANEL) * 0.6).astype(np.uint8)
    for i, (text, colour) in enumerate(rows):
        y = top + line * (i + 1) - int(4 * scale)
        cv2.putText(out, text, (int(6 * scale), y), FONT, font_scale, colour, max(1, int(scale)), cv2.LINE_AA)


def _draw_warning(out: np.ndarray, flags: tuple[str, ...], scale: float) -> None:
    """A red banner: the title of every active flag, then the first flag's advice, white on red."""
    title = " + ".join(ADVICE[rule].title for rule in flags)
    advice_lines = _wrap(ADVICE[flags[0]].message, max(20, int(out.shape[1] / (8.0 * scale))))
    line_height = int(18 * scale)
    _draw_banner(out, f"WARNING: {title}", WARN, scale, extra_height=line_height * len(advice_lines) + int(4 * scale))
    y = int(40 * scale) + line_height - int(4 * scale)
    for line in advice_lines:
        cv2.putText(out, line, (int(8 * scale), y), FONT, 0.45 * scale, TEXT, max(1, int(scale)), cv2.LINE_AA)
        y += line_height
    cv2.rectangle(out, (0, 0), (out.shape[1] - 1, out.shape[0] - 1), WARN, max(4, int(6 * scale)))


def _draw_banner(out: np.ndarray, text: str, colour: tuple, scale: float, extra_height: int = 0) -> None:
    height = int(40 * scale) + extra_height
    cv2.rectangle(out, (0, 0), (out.shape[1], height), colour, -1)
    cv2.putText(out, text, (int(8 * scale), int(27 * scale)), FONT, 0.62 * scale, TEXT, max(1, int(2 * scale)),
                cv2.LINE_AA)


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines
