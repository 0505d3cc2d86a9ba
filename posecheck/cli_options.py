"""The command line's analysis options, shared by `posecheck analyze` and `posecheck batch`: declared and read."""

from __future__ import annotations

import argparse
import dataclasses

from posecheck.config import COUPLINGS, LOAD_MODES, WORK_DURATIONS, Config, load_config, validated
from posecheck.errors import ConfigError
from posecheck.pipeline import AnalysisSettings


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number >= 1")
    return value


def _width(text: str) -> int:
    value = int(text)
    if value < 64:
        raise argparse.ArgumentTypeError("must be at least 64 pixels")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError("must be a number >= 0")
    return value


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `analyze` and `batch`."""
    parser.add_argument("--model", help="pose model .task file (default: the one shipped in models/)")
    parser.add_argument("--config", help="TOML file with [pose], [smoothing], [rules] and [ergonomics] settings")
    parser.add_argument("--stride", type=positive_int, default=1, help="analyse every N-th frame (default 1)")
    parser.add_argument("--max-width", type=_width, help="downscale wider frames to this width before analysis")
    parser.add_argument("--blur-faces", action="store_true", help="blur faces in the annotated video and images")
    parser.add_argument("--load", choices=LOAD_MODES,
                        help="what the video shows: auto (default: posecheck decides from the video), "
                             "throughout (a load is handled all the time), none (no load)")
    parser.add_argument("--assume-loaded", action="store_true", help="the same as --load throughout")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing report in the output dir")
    ergonomics = parser.add_argument_group("ergonomic scores (REBA, NIOSH); override [ergonomics] of --config")
    ergonomics.add_argument("--load-kg", type=_non_negative_float, help="load weight in kg (0 = unknown: no NIOSH LI)")
    ergonomics.add_argument("--coupling", choices=COUPLINGS, help="hand-to-load coupling (default good)")
    ergonomics.add_argument("--work-duration", choices=WORK_DURATIONS, help="lifting duration per shift (default <=1h)")
    ergonomics.add_argument("--stature-m", type=_non_negative_float, help="body height in m, for lengths in metres")


def settings_from_args(args: argparse.Namespace) -> AnalysisSettings:
    """AnalysisSettings from the shared options."""
    return AnalysisSettings(stride=args.stride, max_width=args.max_width, blur_faces=args.blur_faces)


def config_from_args(args: argparse.Namespace) -> Config:
    """The Config from --config, with --load (or --assume-loaded) and the ergonomic options applied."""
    config = load_config(args.config)
    if args.assume_loaded and args.load not in (None, "throughout"):
        raise ConfigError(f"command line: --assume-loaded means --load throughout; it contradicts --load {args.load}")
    mode = "throughout" if args.assume_loaded else args.load
    if mode is not None:
        rules = dataclasses.replace(config.rules, assume_loaded=False)
        config = dataclasses.replace(config, rules=rules, load=dataclasses.replace(config.load, mode=mode))
    overrides = {
        name: value
        for name, value in (("load_kg", args.load_kg), ("coupling", args.coupling),
                            ("work_duration", args.work_duration), ("stature_m", args.stature_m))
        if value is not None
    }
    if overrides:
        config = dataclasses.replace(config, ergonomics=dataclasses.replace(config.ergonomics, **overrides))
    return validated(config, "command line")
