"""Command line: `posecheck analyze VIDEO`, `posecheck report DIR`, `posecheck batch DIR`, `posecheck synth SCRIPT`.

Errors are one line on stderr with a documented exit code (see posecheck.errors):
1 other posecheck error, 2 usage, 3 unreadable video, 4 no person found, 5 bad config,
6 model missing, 7 output not writable, 70 internal error (a bug: the one line names the exception;
set POSECHECK_DEBUG=1 for the traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from posecheck.batch import add_batch_parser
from posecheck.cli_options import add_analysis_options, config_from_args, settings_from_args
from posecheck.errors import PosecheckError
from posecheck.outputs.report_model import NioshLift, RebaSummary, Report

EXIT_INTERNAL_ERROR = 70
EXIT_INTERRUPTED = 130
DEBUG_ENV_VAR = "POSECHECK_DEBUG"


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="posecheck", description="Lifting-posture checker.")
    commands = parser.add_subparsers(dest="command", required=True)
    analyze = commands.add_parser("analyze", help="analyse one video")
    analyze.add_argument("video", help="video file (mp4, mov, avi, ...)")
    analyze.add_argument("-o", "--output", default="posecheck-out", help="output directory (default posecheck-out)")
    analyze.add_argument("--quiet", action="store_true", help="no progress bar")
    add_analysis_options(analyze)
    report = commands.add_parser("report", help="write the printable audit report (PDF) of an analysis")
    report.add_argument("result", help="an output directory of `posecheck analyze` (holds report.json)")
    report.add_argument("-o", "--output", help="PDF file to write (default RESULT/report.pdf)")
    report.set_defaults(handler=run_report)
    from posecheck.synth.cli import add_synth_parser

    add_batch_parser(commands)
    add_synth_parser(commands)
    return parser


def run_analyze(args: argparse.Namespace) -> int:
    """`posecheck analyze`: analyse, write outputs, print a short summary."""
    from tqdm import tqdm

    from posecheck.run import analyze_to_dir

    config = config_from_args(args)
    # Two passes over the frames: poses, then drawing; the bar counts both.
    with tqdm(total=0, unit="frame", disable=args.quiet, file=sys.stderr, desc="analysing (2 passes)") as bar:

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


def run_report(args: argparse.Namespace) -> int:
    """`posecheck report`: write the audit report PDF of an analysed result directory."""
    from pathlib import Path

    from posecheck.audit_report import write_result_pdf

    path = write_result_pdf(Path(args.result), Path(args.output) if args.output else None)
    print(f"wrote {path}")
    return 0


def print_summary(report: Report) -> None:
    """Print the report summary and events, a few lines."""
    summary = report.summary
    print(
        f"{summary.frames_analysed} frames analysed, person found in {summary.pose_detected_ratio:.0%}, "
        f"{summary.lifts_counted} lift(s), {summary.events_total} event(s)"
    )
    for event in report.events:
        print(
            f"  {event.start_s:7.2f}-{event.end_s:.2f}s  {event.rule:<19} {event.severity:<6} "
            f"peak {event.peak_value} at {event.peak_s:.2f}s"
        )
    for note in summary.notes:
        print(f"note: {note}")
    for finding in summary.view.findings if summary.view else ():
        print(f"view: {finding.message}")
    print(summary.verdict)
    if summary.reba is not None:
        print(reba_line(summary.reba))
    for lift in summary.niosh.lifts if summary.niosh else ():
        print(lift_line(lift))


def reba_line(reba: RebaSummary) -> str:
    """One line: the worst REBA score, its risk level, when, the parts behind it, time at high risk."""
    worst = reba.worst
    if worst is None:
        return "REBA: not scored (trunk or knees not measured)"
    parts = ", ".join(f"{driver.part.replace('_', ' ')} {driver.score}/{driver.max_score}"
                      for driver in worst.drivers[:2])
    high = reba.high_risk_share
    return (f"REBA: worst {worst.score} ({worst.risk}) at {worst.time_s:.2f}s"
            f"{' — ' + parts if parts else ''}; high or very high {high:.0%} of the time")


def lift_line(lift: NioshLift) -> str:
    """One line per NIOSH lift: RWL, LI and band (when the load is known) and the top limiting factor."""
    text = f"lift {lift.lift} ({lift.start_s:.1f}-{lift.end_s:.1f} s): RWL {lift.rwl_kg:.1f} kg"
    if lift.lifting_index is not None:
        text += f", LI {lift.lifting_index:.2f} ({lift.risk_band})"
    elif lift.risk_band is not None:
        text += f", LI infinite ({lift.risk_band})"
    else:
        text += " (load unknown: --load-kg gives the LI)"
    factors = lift.limiting_factors
    return text + (f" — {factors[0]}" if factors else "")


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
    except Exception as error:
        if os.environ.get(DEBUG_ENV_VAR):
            raise
        print(f"posecheck: internal error: {type(error).__name__}: {error} (please report this)", file=sys.stderr)
        return EXIT_INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
