"""Command line: `posecheck analyze VIDEO`, `posecheck batch DIR`, `posecheck synth SCRIPT`.

Errors are one line on stderr with a documented exit code (see posecheck.errors):
1 other posecheck error, 2 usage, 3 unreadable video, 4 no person found, 5 bad config,
6 model missing, 7 output not writable, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from posecheck.config import load_config
from posecheck.errors import PosecheckError
from posecheck.pipeline import AnalysisSettings

EXIT_INTERRUPTED = 130


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number >= 1")
    return value


def _width(text: str) -> int:
    value = int(text)
    if value < 64:
        raise argparse.ArgumentTypeError("must be at least 64 pixels")
    return value


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `analyze` and `batch`."""
    parser.add_argument("--model", help="pose model .task file (default: the one shipped in models/)")
    parser.add_argument("--config", help="TOML file with [pose], [smoothing] and [rules] settings")
    parser.add_argument("--stride", type=_positive_int, default=1, help="analyse every N-th frame (default 1)")
    parser.add_argument("--max-width", type=_width, help="downscale wider frames to this width before analysis")
    parser.add_argument("--blur-faces", action="store_true", help="blur faces in the annotated video and images")
    parser.add_argument("--assume-loaded", action="store_true", help="treat the person as holding a load throughout")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing report in the output dir")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="posecheck", description="Lifting-posture checker.")
    commands = parser.add_subparsers(dest="command", required=True)
    analyze = commands.add_parser("analyze", help="analyse one video")
    analyze.add_argument("video", help="video file (mp4, mov, avi, ...)")
    analyze.add_argument("-o", "--output", default="posecheck-out", help="output directory (default posecheck-out)")
    analyze.add_argument("--quiet", action="store_true", help="no progress bar")
    add_analysis_options(analyze)
    from posecheck.batch import add_batch_parser
    from posecheck.synth.cli import add_synth_parser

    add_batch_parser(commands)
    add_synth_parser(commands)
    return parser


def settings_from_args(args: argparse.Namespace) -> AnalysisSettings:
    """AnalysisSettings from the shared options."""
    return AnalysisSettings(stride=args.stride, max_width=args.max_width, blur_faces=args.blur_faces)


def config_from_args(args: argparse.Namespace):  # noqa: ANN201 - Config
    """The Config from --config, with --assume-loaded applied."""
    import dataclasses

    config = load_config(args.config)
    if args.assume_loaded:
        config = dataclasses.replace(config, rules=dataclasses.replace(config.rules, assume_loaded=True))
    return config


def run_analyze(args: argparse.Namespace) -> int:
    """`posecheck analyze`: analyse, write outputs, print a short summary."""
    from tqdm import tqdm

    from posecheck.run import analyze_to_dir

    config = config_from_args(args)
    with tqdm(total=0, unit="frame", disable=args.quiet, file=sys.stderr, desc="analysing") as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        output = analyze_to_dir(
            args.video, args.output, config, settings_from_args(args), args.model, progress, args.overwrite
        )
    print_summary(output.report)
    names = f"{output.report_path.name}, {output.csv_path.name}, {output.video_path.name} and events/"
    print(f"wrote {names} in {output.output_dir}")
    return 0


def print_summary(report: dict) -> None:
    """Print the report summary and events, a few lines."""
    summary = report["summary"]
    print(
        f"{summary['frames_analysed']} frames analysed, person found in {summary['pose_detected_ratio']:.0%}, "
        f"{summary['lifts_counted']} lift(s), {summary['events_total']} event(s)"
    )
    for event in report["events"]:
        print(
            f"  {event['start_s']:7.2f}-{event['end_s']:.2f}s  {event['rule']:<19} {event['severity']:<6} "
            f"peak {event['peak_value']} at {event['peak_s']:.2f}s"
        )
    for note in summary.get("notes", []):
        print(f"note: {note}")
    print(summary["verdict"])


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `posecheck` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args) if hasattr(args, "handler") else run_analyze(args)
    except PosecheckError as error:
        print(f"posecheck: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("posecheck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
