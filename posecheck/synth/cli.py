"""The `posecheck synth` sub-command: render a motion script to an MP4 with its ground-truth JSON."""

from __future__ import annotations

import argparse
import sys

from posecheck.synth.clip import render_clip
from posecheck.synth.scripts import SCRIPTS


def add_synth_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `synth` sub-command on a main parser's subparsers; returns the new parser."""
    parser = subparsers.add_parser(
        "synth",
        help="render a synthetic lifter clip with ground truth",
        description="Render a motion script of the synthetic lifter to an H.264 MP4 and write the "
        "ground truth beside it (clip.mp4 -> clip.truth.json).",
    )
    parser.add_argument(
        "script", nargs="?", choices=sorted(SCRIPTS), metavar="SCRIPT", help="motion script (see --list)"
    )
    parser.add_argument("--list", action="store_true", help="list the motion scripts and exit")
    parser.add_argument(
        "--camera-yaw",
        type=float,
        default=0.0,
        metavar="DEG",
        help="camera yaw around the person: 0 side-on (left side), 90 frontal (default 0)",
    )
    parser.add_argument(
        "--camera-elevation",
        type=float,
        default=10.0,
        metavar="DEG",
        help="camera elevation above the horizontal (default 10)",
    )
    parser.add_argument(
        "--size", type=_parse_size, default=(480, 360), metavar="WxH", help="frame size in pixels (default 480x360)"
    )
    parser.add_argument("--fps", type=float, default=15.0, help="frames per second (default 15)")
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="S",
        help="clip length in seconds (default: the script's own length)",
    )
    parser.add_argument("--seed", type=int, default=0, help="appearance seed (default 0)")
    parser.add_argument("-o", "--output", metavar="CLIP.mp4", help="output video path")
    parser.set_defaults(handler=run_synth)
    return parser


def run_synth(args: argparse.Namespace) -> int:
    """Run `posecheck synth` from parsed arguments; returns the process exit code."""
    if args.list:
        for name, script in SCRIPTS.items():
            flags = ", ".join(sorted(script.expected_flags)) or "none"
            note = " (ambiguous)" if script.ambiguous else ""
            print(f"{name:<13} {script.duration_s:4.0f} s  flags: {flags}{note}  - {script.description}")
        return 0
    if args.script is None or args.output is None:
        print("posecheck synth: error: give a SCRIPT and -o CLIP.mp4 (or --list)", file=sys.stderr)
        return 2
    video_path, truth_path = render_clip(
        args.script,
        args.output,
        camera_yaw_deg=args.camera_yaw,
        camera_elevation_deg=args.camera_elevation,
        size=args.size,
        fps=args.fps,
        duration_s=args.duration,
        seed=args.seed,
    )
    print(f"wrote {video_path} and {truth_path} ({args.script}, camera yaw {args.camera_yaw:g}°)")
    return 0


def _parse_size(text: str) -> tuple[int, int]:
    """'480x360' → (480, 360); both at least 64 px."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 480x360, got {text!r}") from None
    if width < 64 or height < 64:
        raise argparse.ArgumentTypeError(f"size must be at least 64x64, got {text!r}")
    return width, height
