"""The `posecheck synth` sub-command: render a motion script to an MP4 with its ground-truth JSON."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from posecheck.synth.clip import render_clip, truth_path_for
from posecheck.synth.figure import OCCLUDERS
from posecheck.synth.scripts import POSTURES, SCRIPTS, Variation, default_variation
from posecheck.synth.skeleton import LOADS


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
        type=_finite_float,
        default=0.0,
        metavar="DEG",
        help="camera yaw around the person: 0 side-on (left side), 90 frontal (default 0)",
    )
    parser.add_argument(
        "--camera-elevation",
        type=_finite_float,
        default=10.0,
        metavar="DEG",
        help="camera elevation above the horizontal (default 10)",
    )
    parser.add_argument(
        "--camera-distance", type=float, default=3.2, metavar="M",
        help="camera distance to the point it looks at (default 3.2; larger: a smaller person)",
    )
    parser.add_argument(
        "--look-at-height", type=float, default=0.86, metavar="M",
        help="height the camera aims at above the feet (default 0.86; ~0.2 cuts the head off, ~1.5 the feet)",
    )
    parser.add_argument(
        "--size", type=_parse_size, default=(480, 360), metavar="WxH", help="frame size in pixels (default 480x360)"
    )
    parser.add_argument("--fps", type=_frame_rate, default=15.0, help="frames per second, 1-1000 (default 15)")
    parser.add_argument(
        "--duration",
        type=_duration,
        default=None,
        metavar="S",
        help="clip length in seconds (default: the script's own length)",
    )
    parser.add_argument("--seed", type=int, default=0, help="appearance seed (default 0)")
    how = parser.add_argument_group("how the script is performed (scripts ignore what they do not use)")
    how.add_argument("--down-s", type=float, metavar="S", help="lifts: seconds to go down, 0.2-5 (default 1.5)")
    how.add_argument("--posture", choices=list(POSTURES), help="carry posture (default waist)")
    how.add_argument("--load", choices=list(LOADS), help="the load (default medium box; hinge-lift: barbell)")
    how.add_argument("--put-down", action="store_true", help="lifts: put the load back down at the end")
    how.add_argument("--repeats", type=int, metavar="N", help="lifts: N lifts in a row, 1-10 (default 1)")
    how.add_argument("--occluder", choices=list(OCCLUDERS), help="an object on the floor between camera and shins")
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
        print("postures: " + "; ".join(f"{p.name} ({p.description})" for p in POSTURES.values()))
        print(f"loads: {', '.join(LOADS)}; occluders: {', '.join(OCCLUDERS)}")
        return 0
    if args.script is None or args.output is None:
        print("posecheck synth: error: give a SCRIPT and -o CLIP.mp4 (or --list)", file=sys.stderr)
        return 2
    try:
        variation = variation_from_args(args)
    except ValueError as error:
        print(f"posecheck synth: error: {error}", file=sys.stderr)
        return 2
    existing = [path for path in (Path(args.output), truth_path_for(Path(args.output))) if path.exists()]
    if existing:
        print(f"posecheck synth: error: {existing[0]} already exists; posecheck does not replace files: remove it or "
              "choose another -o", file=sys.stderr)
        return 7
    duration_s = SCRIPTS[args.script].duration_s if args.duration is None else args.duration
    if duration_s * args.fps < 1:
        print(f"posecheck synth: error: {duration_s:g} s at {args.fps:g} fps is less than one frame", file=sys.stderr)
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
        variation=variation,
        occluder=args.occluder,
        camera_distance_m=args.camera_distance,
        look_at_height_m=args.look_at_height,
    )
    print(f"wrote {video_path} and {truth_path} ({args.script}, camera yaw {args.camera_yaw:g}°)")
    return 0


def variation_from_args(args: argparse.Namespace) -> Variation:
    """The script's default variation with the options given on the command line; ValueError if invalid."""
    base = default_variation(args.script)
    return Variation(
        down_s=base.down_s if args.down_s is None else args.down_s,
        posture=args.posture or base.posture,
        load=args.load or base.load,
        put_down=args.put_down or base.put_down,
        repeats=base.repeats if args.repeats is None else args.repeats,
    )


def _finite_float(text: str) -> float:
    """argparse type: a finite number."""
    value = float(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _frame_rate(text: str) -> float:
    """argparse type: frames per second, from 1 to 1000."""
    value = _finite_float(text)
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"must be from 1 to 1000 frames per second, got {text!r}")
    return value


def _duration(text: str) -> float:
    """argparse type: a clip length in seconds, above 0 and at most an hour."""
    value = _finite_float(text)
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 3600 seconds, got {text!r}")
    return value


def _parse_size(text: str) -> tuple[int, int]:
    """'480x360' → (480, 360); both at least 64 px."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 480x360, got {text!r}") from None
    if width < 64 or height < 64:
        raise argparse.ArgumentTypeError(f"size must be at least 64x64, got {text!r}")
    return width, height
