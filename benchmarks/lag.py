"""Smoothing lag and frame-rate invariance on fast synthetic lifts.

    python benchmarks/lag.py                     # stoop + squat lifts, 0.6/0.9/1.2 s down, 15/24/30/60 fps
    python benchmarks/lag.py --quick             # stoop lift, 0.6 s down, 15 and 60 fps, side-on
    python benchmarks/lag.py --plot angle.png    # also draws truth / raw / zero-phase / One Euro of one clip
    python benchmarks/lag.py --cache DIR         # keep the detected tracks: a rerun only re-judges them
    python benchmarks/lag.py --scripts squat-lift --yaw 0 30 60 90 --down-s 0.6 1.2 --fps 15 60

Each lift of the synthetic lifter (posecheck.synth, `Variation(down_s=...)`: down in `down_s`
seconds, up about as fast) is rendered to H.264 and its poses are detected once with posecheck's own
detection pass. The same raw landmark track is then judged three ways: raw (no smoothing),
zero-phase smoothing with MediaPipe's tracking lag taken back (`smooth_file_track`, what
`posecheck analyze` does) and the causal One Euro filter (what Live does). Printed per clip: trunk
flexion MAE against the ground truth, the lag (the time shift that best aligns the measured trunk
angle with the truth, positive = late), and the events; then whether every clip gives the same events
at every frame rate (start within 0.15 s, peak within 5 deg).
"""

from __future__ import annotations

import argparse
import math
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecheck.config import Config
from posecheck.pipeline import AnalysisSettings, PoseJudge, detect_poses, judge_track, smooth_file_track
from posecheck.pose import PoseEstimator
from posecheck.rules import Event
from posecheck.smoothing import PoseSmoother
from posecheck.synth.clip import ClipSettings, iter_clip
from posecheck.synth.scripts import Variation
from posecheck.track import PoseTrack
from posecheck.video import H264Writer

SIZE = (480, 360)
START_TOLERANCE_S = 0.15
PEAK_TOLERANCE_DEG = 5.0
LAGS_S = np.arange(-0.3, 0.3001, 0.005)


@dataclass(frozen=True)
class Clip:
    """A rendered lift: script, seconds down, frame rate, camera yaw."""

    script: str
    down_s: float
    fps: float
    yaw_deg: float


def render(clip: Clip, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Render `clip` to `path` (H.264); the true frame times and trunk flexion (degrees)."""
    settings = ClipSettings(camera_yaw_deg=clip.yaw_deg, size=SIZE, fps=clip.fps,
                            variation=Variation(down_s=clip.down_s))
    times, trunk = [], []
    with H264Writer(path, clip.fps, *SIZE) as writer:
        for rgb, truth in iter_clip(clip.script, settings):
            writer.write(rgb)
            times.append(truth["time_s"])
            trunk.append(truth["metrics"]["trunk_flexion_deg"])
    return np.array(times), np.array(trunk, dtype=float)


def one_euro_track(raw: PoseTrack, config: Config) -> PoseTrack:
    """The raw track smoothed causally, as Live does."""
    smoother = PoseSmoother(config.smoothing)
    out = PoseTrack()
    for row in range(len(raw)):
        out.append(int(raw.index[row]), float(raw.time_s[row]), smoother.smooth(raw.pose(row), float(raw.time_s[row])))
    return out


def live_events(track: PoseTrack, config: Config) -> tuple[np.ndarray, list[Event]]:
    """Trunk flexion per frame and events, judged frame by frame as Live does (already smoothed track)."""
    judge = PoseJudge(config)
    trunk, events = [], []
    for row in range(len(track)):
        result, finished = judge.judge(track.pose(row), int(track.index[row]), float(track.time_s[row]))
        trunk.append(np.nan if result.metrics.trunk_flexion_deg is None else result.metrics.trunk_flexion_deg)
        events.extend(finished)
    return np.array(trunk), events + list(judge.finish())


def lag_s(times: np.ndarray, measured: np.ndarray, truth: np.ndarray) -> float:
    """The delay that best aligns `measured` with `truth` (least squares over the moving frames)."""
    moving = np.isfinite(measured) & (np.abs(np.gradient(truth, times)) > 20.0)
    if not moving.any():
        return math.nan
    errors = [np.mean((measured[moving] - np.interp(times[moving] - lag, times, truth)) ** 2) for lag in LAGS_S]
    return float(LAGS_S[int(np.argmin(errors))])


def detected(clip: Clip, config: Config, workdir: Path, cache: Path | None) -> tuple[PoseTrack, np.ndarray, np.ndarray]:
    """The raw landmark track of `clip` with its true times and trunk flexion (rendered and detected,
    or read from `cache` where an earlier run kept it)."""
    cached = None if cache is None else cache / f"{clip.script}_{clip.down_s:g}_{clip.fps:g}_{clip.yaw_deg:g}.pkl"
    if cached is not None and cached.exists():
        return pickle.loads(cached.read_bytes())
    video = workdir / "clip.mp4"
    times, truth = render(clip, video)
    with PoseEstimator(None, config.pose.min_detection_confidence) as estimator:
        found = (detect_poses(video, config, estimator, AnalysisSettings()).track, times, truth)
    if cached is not None:
        cache.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(pickle.dumps(found))
    return found


def analyse(clip: Clip, config: Config, workdir: Path, cache: Path | None = None) -> dict:
    """Detect (or read from `cache`) and judge one clip three ways; errors, lags and events of each."""
    raw, times, truth = detected(clip, config, workdir, cache)
    variants = {}
    for name, track in (("raw", raw), ("zero-phase", smooth_file_track(raw, config))):
        table, events = judge_track(track, config)
        variants[name] = (np.array(table.values["trunk_flexion_deg"], dtype=float), events)
    variants["one-euro"] = live_events(one_euro_track(raw, config), config)
    out = {}
    for name, (trunk, events) in variants.items():
        error = np.abs(trunk - truth)
        out[name] = {"mae": float(np.nanmean(error)), "lag": lag_s(times, trunk, truth), "events": events,
                     "trunk": trunk}
    out["truth"] = {"times": times, "trunk": truth}
    return out


def same_events(reference: list[Event], other: list[Event]) -> bool:
    """Same rules in the same order, starts within 0.15 s, peaks within 5 (degrees or metric units)."""
    return len(reference) == len(other) and all(
        a.rule == b.rule and abs(a.start_s - b.start_s) <= START_TOLERANCE_S
        and abs(a.peak_value - b.peak_value) <= PEAK_TOLERANCE_DEG
        for a, b in zip(reference, other, strict=True)
    )


def describe(events: list[Event]) -> str:
    """Events as 'rule start_s peak' in a few characters each."""
    return " ".join(f"{e.rule}@{e.start_s:.2f}s/{e.peak_value:.0f}" for e in events) or "none"


def plot(result: dict, clip: Clip, path: Path) -> None:
    """Truth, raw, zero-phase and One Euro trunk flexion of one clip over time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = result["truth"]["times"]
    figure, axes = plt.subplots(figsize=(9, 4.5))
    axes.plot(times, result["truth"]["trunk"], "k-", linewidth=2.5, label="truth")
    for name, style in (("raw", "C7."), ("zero-phase", "C0-"), ("one-euro", "C3--")):
        r = result[name]
        axes.plot(times, r["trunk"], style, label=f"{name} (MAE {r['mae']:.2f}°, lag {1000 * r['lag']:.0f} ms)")
    axes.set(xlabel="time (s)", ylabel="trunk flexion (deg)",
             title=f"{clip.script}, {clip.down_s:g} s down, {clip.fps:g} fps, camera yaw {clip.yaw_deg:g}°")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> int:
    """Run the sweep and print the table; exit 1 if the frame-rate check fails."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one stoop lift, 0.6 s down, 15 and 60 fps, side-on")
    parser.add_argument("--plot", type=Path, help="write the angle plot of the first clip at 30 fps (or the first)")
    parser.add_argument("--yaw", type=float, nargs="+", default=[0.0, 60.0], help="camera yaws (deg)")
    parser.add_argument("--cache", type=Path, help="keep the detected landmark tracks here and reuse them")
    parser.add_argument("--scripts", nargs="+", default=["stoop-lift", "squat-lift"], help="lift scripts")
    parser.add_argument("--down-s", nargs="+", type=float, default=[0.6, 0.9, 1.2], help="seconds down")
    parser.add_argument("--fps", nargs="+", type=float, default=[15.0, 24.0, 30.0, 60.0], help="frame rates")
    args = parser.parse_args()
    scripts, downs, rates, yaws = args.scripts, args.down_s, args.fps, args.yaw
    if args.quick:
        scripts, downs, rates, yaws = ("stoop-lift",), (0.6,), (15.0, 60.0), [0.0]
    config = Config()
    header = f"{'clip':<34}{'trunk MAE raw / zero-phase / One Euro':>40}{'lag ms raw / zero / 1€':>26}"
    print(f"{header}  events (zero-phase)")
    pooled: dict[tuple[str, float, str], list[float]] = {}
    all_same = True
    plotted = False
    with tempfile.TemporaryDirectory() as tmp:
        for script in scripts:
            for yaw in yaws:
                for down in downs:
                    reference: list[Event] | None = None
                    for fps in rates:
                        clip = Clip(script, down, fps, yaw)
                        result = analyse(clip, config, Path(tmp), args.cache)
                        events = result["zero-phase"]["events"]
                        same = reference is None or same_events(reference, events)
                        reference = events if reference is None else reference
                        all_same &= same
                        for name in ("raw", "zero-phase", "one-euro"):
                            pooled.setdefault((name, yaw, "slow" if fps <= 30 else "60"), []).append(
                                result[name]["mae"])
                        maes = " / ".join(f"{result[n]['mae']:5.2f}" for n in ("raw", "zero-phase", "one-euro"))
                        lags = " / ".join(f"{1000 * result[n]['lag']:4.0f}" for n in ("raw", "zero-phase", "one-euro"))
                        label = f"{script} {down:g}s down {fps:g}fps yaw {yaw:g}"
                        print(f"{label:<34}{maes:>40}{lags:>26}  {describe(events)}{'' if same else '  DIFFERS'}",
                              flush=True)
                        if args.plot and not plotted and (fps == 30.0 or args.quick):
                            plot(result, clip, args.plot)
                            plotted = True
    print("\nmean trunk MAE (deg) over the clips at 15-30 fps: raw / zero-phase / One Euro")
    for yaw in yaws:
        cells = " / ".join(f"{np.mean(pooled[name, yaw, 'slow']):.2f}" for name in ("raw", "zero-phase", "one-euro"))
        print(f"  yaw {yaw:g}: {cells}")
    print(f"same events at {', '.join(f'{r:g}' for r in rates)} fps in every clip: {'yes' if all_same else 'NO'}")
    return 0 if all_same else 1


if __name__ == "__main__":
    raise SystemExit(main())
