"""Regenerate the sample clips and their ground truth: `python sample_videos/make_samples.py`.

Each clip is rendered by posecheck.synth (seed 0, 480x360, 15 fps) and written beside this file as
NAME.mp4 + NAME.truth.json; the same command gives the same files.
"""

from __future__ import annotations

from pathlib import Path

from posecheck.synth.clip import render_clip

SAMPLES: dict[str, tuple[str, float]] = {
    "squat_lift_side": ("squat-lift", 0.0),
    "stoop_lift_side": ("stoop-lift", 0.0),
    "stoop_lift_45": ("stoop-lift", 45.0),
    "twist_carry_front": ("twist-carry", 75.0),
    "pivot_carry": ("pivot-carry", 60.0),
    "stand_still": ("stand-still", 30.0),
}
"""Clip name → (motion script, camera yaw in degrees)."""


def main() -> None:
    """Render every sample clip into this directory and print what was written."""
    here = Path(__file__).resolve().parent
    for name, (script, camera_yaw_deg) in SAMPLES.items():
        video, truth = render_clip(script, here / f"{name}.mp4", camera_yaw_deg=camera_yaw_deg)
        print(f"{video.name} ({video.stat().st_size // 1024} KiB), {truth.name} ({truth.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
