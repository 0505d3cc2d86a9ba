"""Throughput, latency and memory benchmark (ratios measured in one run; no timing assertions in tests).

    python benchmarks/throughput.py                  # all four parts
    python benchmarks/throughput.py --parts 1 2      # only model-vs-analyze and live latency
    python benchmarks/throughput.py --long-minutes 10

1. raw PoseLandmarker frames/s on pre-decoded 640x480 frames vs full `analyze` frames/s
   (decode -> pose -> metrics -> rules -> annotated H.264 + report), and their ratio (target >= 0.90);
2. live path latency per 640x480 frame (LiveSession.process: pose, metrics, rules, drawing,
   recording): p50 and p95 (target p95 <= 40 ms);
3. peak RSS of `posecheck analyze` on a 1-minute and a long synthetic video (target: difference
   under 50 MB);
4. `posecheck batch` of 8 short videos with -j 1 vs -j 2: the speed-up.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from posecheck.config import Config
from posecheck.pose import PoseEstimator
from posecheck.run import analyze_to_dir
from posecheck.synth.clip import ClipSettings, iter_clip
from posecheck.video import H264Writer, read_frames

SIZE = (640, 480)
FPS = 15.0


def make_video(path: Path, seconds: float, script: str = "squat-lift") -> Path:
    """Write a 640x480 synthetic lifting video of `seconds` (the script's frames looped)."""
    frames = [rgb for rgb, _ in iter_clip(script, ClipSettings(size=SIZE, fps=FPS))]
    total = int(seconds * FPS)
    with H264Writer(path, FPS, *SIZE) as writer:
        for index in range(total):
            writer.write(frames[index % len(frames)])
    return path


def model_vs_analyze(workdir: Path) -> None:
    """Part 1: PoseLandmarker alone vs the whole analyze command, on the same frames."""
    video = make_video(workdir / "part1.mp4", 60.0)
    frames = [frame.rgb for frame in read_frames(video)]  # pre-decoded: 900 x 0.9 MB in memory
    with PoseEstimator() as estimator:
        estimator.detect(frames[0], 0.0)  # warm-up
        start = time.perf_counter()
        for index, rgb in enumerate(frames):
            estimator.detect(rgb, 1000.0 + index * 1000.0 / FPS)
        model_fps = len(frames) / (time.perf_counter() - start)
    start = time.perf_counter()
    PoseEstimator().close()
    startup_s = time.perf_counter() - start
    start = time.perf_counter()
    analyze_to_dir(video, workdir / "part1-out", Config(), overwrite=True)
    analyze_fps = len(frames) / (time.perf_counter() - start)
    print(f"1. model alone {model_fps:6.1f} frames/s | full analyze {analyze_fps:6.1f} frames/s | "
          f"ratio {analyze_fps / model_fps:.2f} (target >= 0.90) [{len(frames)} frames 640x480; "
          f"the analysis includes loading the model, {startup_s:.2f} s]")


def live_latency(workdir: Path) -> None:
    """Part 2: per-frame latency of the webcam callback's work."""
    from posecheck.live import LiveSession

    frames = [rgb for rgb, _ in iter_clip("stoop-lift", ClipSettings(size=SIZE, fps=FPS))]
    work = workdir / "live"
    work.mkdir()
    session = LiveSession(work, Config(), blur_faces=True)
    latencies_ms = []
    try:
        for index, rgb in enumerate(frames * 2):
            start = time.perf_counter()
            session.process(rgb, index / FPS)
            latencies_ms.append((time.perf_counter() - start) * 1000.0)
    finally:
        session.close()
    steady = latencies_ms[5:]  # the first frames include the model's warm-up
    p50, p95 = np.percentile(steady, 50), np.percentile(steady, 95)
    print(f"2. live latency per 640x480 frame: p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p95 <= 40 ms) "
          f"[{len(steady)} frames, first frame {latencies_ms[0]:.0f} ms]")


_RSS_SCRIPT = """
import resource, sys
from posecheck.cli import main
code = main(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(code)
"""


def peak_rss_mb(video: Path, output: Path) -> float:
    """Peak resident memory (MB) of one `posecheck analyze` process."""
    done = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, "analyze", str(video), "-o", str(output), "--quiet", "--overwrite"],
        capture_output=True, text=True, check=True,
    )
    return int(done.stdout.strip().splitlines()[-1]) / 1024.0


def memory(workdir: Path, long_minutes: float) -> None:
    """Part 3: peak RSS for a 1-minute and a long video."""
    short = make_video(workdir / "one_minute.mp4", 60.0)
    long = make_video(workdir / "long.mp4", long_minutes * 60.0)
    short_mb = peak_rss_mb(short, workdir / "rss-short")
    long_mb = peak_rss_mb(long, workdir / "rss-long")
    print(f"3. peak RSS: 1 min {short_mb:.0f} MB | {long_minutes:g} min {long_mb:.0f} MB | "
          f"difference {long_mb - short_mb:+.0f} MB (target < 50 MB)")


def batch(workdir: Path) -> None:
    """Part 4: 8 short videos, -j 1 vs -j 2."""
    videos = workdir / "batch-in"
    videos.mkdir()
    for index in range(8):
        make_video(videos / f"clip{index}.mp4", 4.0, ("squat-lift", "stoop-lift")[index % 2])
    seconds = {}
    for jobs in (1, 2):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "posecheck.cli", "batch", str(videos), "-o", str(workdir / f"b{jobs}"),
                        "-j", str(jobs), "--quiet"], capture_output=True, check=True)
        seconds[jobs] = time.perf_counter() - start
    print(f"4. batch of 8 videos: -j 1 {seconds[1]:.1f} s | -j 2 {seconds[2]:.1f} s | "
          f"speed-up {seconds[1] / seconds[2]:.2f}x")


def main() -> int:
    """Run the chosen parts and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", type=int, nargs="+", default=[1, 2, 3, 4], choices=[1, 2, 3, 4])
    parser.add_argument("--long-minutes", type=float, default=10.0, help="length of the long video in part 3")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        parts = {1: model_vs_analyze, 2: live_latency, 4: batch}
        for part in args.parts:
            if part == 3:
                memory(workdir, args.long_minutes)
            else:
                parts[part](workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
