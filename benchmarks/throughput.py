"""Throughput, latency and memory benchmark: speed as ratios measured in one run (never asserted in tests).

    python benchmarks/throughput.py                  # everything (about an hour on a busy 2-core machine)
    python benchmarks/throughput.py --quick          # 10 s clips, 2-minute long clip: for iterating
    python benchmarks/throughput.py --parts 1 --sizes 1280x720

1. the pose model alone vs the full `analyze` (decode -> pose -> metrics -> rules -> annotated H.264 + report,
   model loading included) on generated 30 fps clips at 640x480, 1280x720 and 1920x1080: frames/s and
   the ratio (target >= 0.90). The model alone runs on the frames the analysis gives it (the analysed size:
   long side at most pose.max_frame_side_px) and, for comparison, on the full-size frames;
2. live latency per 640x480 frame (LiveSession.process: pose, metrics, rules, drawing, face blur,
   recording): p50 and p95 (target p95 <= 40 ms);
3. peak RSS of `posecheck analyze` (the process and its helper processes together): a 1-minute vs a long
   1280x720 clip, and a 1-minute 1920x1080 and 3840x2160 clip (target <= 1 GB);
4. `posecheck batch` of 8 one-minute 1280x720 clips on 2 workers vs two model-only processes side by side
   on the same frames: total frames/s and the ratio (target >= 0.85).

The clips loop one rendered cycle of the synthetic squat lift (cached in $TMPDIR/posecheck-throughput).
Each part prints the load average beside it: the machine is shared, absolute numbers are noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import psutil

from posecheck.config import Config, load_config
from posecheck.pose import PoseEstimator
from posecheck.run import analyze_to_dir
from posecheck.synth.clip import ClipSettings, iter_clip
from posecheck.video import H264Writer, analysis_size

FPS = 30.0
RENDER_SIZE = (1920, 1080)
SIZES = ((640, 480), (1280, 720), (1920, 1080))
CACHE = Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / "posecheck-throughput"
SCRIPT = "squat-lift"
LIVE_SIZE = (640, 480)
GIB = 2**30


def load_text() -> str:
    """The 1-minute load average (what else ran on the machine), as '[load 1.23]'."""
    return f"[load {os.getloadavg()[0]:.2f}]"


def rendered_cycle() -> np.ndarray:
    """One cycle of the script at 1920x1080, 30 fps (rendered once, cached; memory-mapped)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{SCRIPT}_{RENDER_SIZE[0]}x{RENDER_SIZE[1]}_{FPS:g}fps.npy"
    if not path.is_file():
        frames = np.stack([rgb for rgb, _ in iter_clip(SCRIPT, ClipSettings(size=RENDER_SIZE, fps=FPS))])
        np.save(path.with_suffix(".partial.npy"), frames)
        path.with_suffix(".partial.npy").replace(path)
    return np.load(path, mmap_mode="r")


def scaled(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A rendered frame cropped to the aspect of `size` (width, height) and scaled to it."""
    crop_width = min(rgb.shape[1], round(rgb.shape[0] * size[0] / size[1]))
    left = (rgb.shape[1] - crop_width) // 2
    return cv2.resize(np.asarray(rgb[:, left : left + crop_width]), size, interpolation=cv2.INTER_AREA)


def cycle(size: tuple[int, int]) -> list[np.ndarray]:
    """The cycle's frames at `size` (width, height)."""
    return [scaled(rgb, size) for rgb in rendered_cycle()]


def make_video(size: tuple[int, int], seconds: float) -> Path:
    """A cached H.264 clip of `seconds` at `size`, 30 fps: the cycle looped."""
    path = CACHE / f"{SCRIPT}_{size[0]}x{size[1]}_{seconds:g}s.mp4"
    if not path.is_file():
        frames = rendered_cycle()
        partial = path.with_suffix(".partial.mp4")
        with H264Writer(partial, FPS, *size) as writer:
            for index in range(int(seconds * FPS)):
                writer.write(scaled(frames[index % len(frames)], size))
        partial.replace(path)
    return path


def model_fps(frames: list[np.ndarray], count: int) -> float:
    """Frames/s of the pose model alone on `count` frames (`frames` looped, timestamps at 30 fps)."""
    with PoseEstimator() as estimator:
        estimator.detect(frames[0], 0.0)  # warm-up
        start = time.perf_counter()
        for index in range(count):
            estimator.detect(frames[index % len(frames)], 1000.0 + index * 1000.0 / FPS)
        return count / (time.perf_counter() - start)


def model_vs_analyze(workdir: Path, sizes: list[tuple[int, int]], seconds: float, config: Config) -> None:
    """Part 1: the model alone (analysed-size and full-size frames) vs the whole analysis, per size."""
    for size in sizes:
        video = make_video(size, seconds)
        count = int(seconds * FPS)
        full = cycle(size)
        analysed_size = analysis_size(*size, config.pose.max_frame_side_px)
        analysed = full if analysed_size == size else [
            cv2.resize(rgb, analysed_size, interpolation=cv2.INTER_AREA) for rgb in full]
        load_before = load_text()
        model_analysed = model_fps(analysed, count)
        start, cpu = time.perf_counter(), cpu_seconds()
        analyze_to_dir(video, workdir / f"part1-{size[0]}", config, overwrite=True)
        analyze = count / (time.perf_counter() - start)
        own_ms, helpers_ms = (1000.0 * (after - before) / count for after, before in zip(cpu_seconds(), cpu,
                                                                                         strict=True))
        model_full = model_fps(full, count) if analysed_size != size else model_analysed
        print(f"1. {size[0]}x{size[1]} {seconds:g} s: model alone {model_analysed:5.1f} frames/s on "
              f"{analysed_size[0]}x{analysed_size[1]} frames ({model_full:5.1f} on full-size) | analyze "
              f"{analyze:5.1f} frames/s | ratio {analyze / model_analysed:.2f} ({analyze / model_full:.2f} against "
              f"full-size) (target >= 0.90) | CPU per frame: model's process {own_ms:.1f} ms, helper processes "
              f"{helpers_ms:.1f} ms {load_before} {load_text()}", flush=True)


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its ended child processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def live_latency() -> None:
    """Part 2: per-frame latency of the webcam callback's work at 640x480."""
    from posecheck.live import LiveSession

    frames = cycle(LIVE_SIZE)
    latencies_ms = []
    with tempfile.TemporaryDirectory() as work:
        session = LiveSession(Path(work), Config(), blur_faces=True)
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
          f"[{len(steady)} frames, first {latencies_ms[0]:.0f} ms] {load_text()}", flush=True)


def peak_tree_rss(command: list[str]) -> float:
    """Run `command`; the peak of its resident memory summed over it and its child processes (bytes),
    sampled every 50 ms."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        total = 0
        for member in (root, *_children(root)):
            with contextlib.suppress(psutil.Error):
                total += member.memory_info().rss
        peak = max(peak, total)
        time.sleep(0.05)
    if process.returncode != 0:
        raise RuntimeError(f"{command} failed: {process.stderr.read().decode()[-500:]}")
    return peak


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.Error:
        return []


def analyze_command(video: Path, output: Path) -> list[str]:
    """The `posecheck analyze` command line for `video` into `output`."""
    return [sys.executable, "-m", "posecheck.cli", "analyze", str(video), "-o", str(output), "--quiet", "--overwrite"]


def memory(workdir: Path, long_minutes: float) -> None:
    """Part 3: peak RSS for a 1-minute vs a long 720p clip, and 1-minute 1080p and 4K clips."""
    results = {}
    for size, minutes in (((1280, 720), 1.0), ((1280, 720), long_minutes), ((1920, 1080), 1.0), ((3840, 2160), 1.0)):
        video = make_video(size, minutes * 60.0)
        results[(size, minutes)] = peak_tree_rss(analyze_command(video, workdir / "rss")) / 2**20
    one, long = results[((1280, 720), 1.0)], results[((1280, 720), long_minutes)]
    print(f"3. peak RSS (process + helpers): 1280x720 1 min {one:.0f} MB | {long_minutes:g} min {long:.0f} MB "
          f"(difference {long - one:+.0f} MB) | 1920x1080 1 min {results[((1920, 1080), 1.0)]:.0f} MB | "
          f"3840x2160 1 min {results[((3840, 2160), 1.0)]:.0f} MB (target <= {GIB / 2**20:.0f} MB) {load_text()}",
          flush=True)


_MODEL_ONLY = """
import sys, numpy as np, time
sys.path.insert(0, {benchmarks!r})
from throughput import cycle, model_fps
from posecheck.config import Config, load_config
from posecheck.video import analysis_size
import cv2
size = analysis_size(1280, 720, Config().pose.max_frame_side_px)
frames = [cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) for rgb in cycle((1280, 720))]
sys.stdin.readline()
print(model_fps(frames, int(sys.argv[1])))
"""


def batch(workdir: Path, videos: int, seconds: float) -> None:
    """Part 4: `posecheck batch` of `videos` 720p clips on 2 workers vs two model-only processes side by side."""
    clip = make_video((1280, 720), seconds)
    folder = workdir / "batch-in"
    folder.mkdir(exist_ok=True)
    for index in range(videos):
        (folder / f"clip{index}.mp4").symlink_to(clip)
    frames = videos * int(seconds * FPS)
    load_before = load_text()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "posecheck.cli", "batch", str(folder), "-o", str(workdir / "batch-out"),
                    "-j", "2", "--quiet", "--overwrite"], capture_output=True, check=True)
    batch_fps = frames / (time.perf_counter() - start)
    script = _MODEL_ONLY.format(benchmarks=str(Path(__file__).resolve().parent))
    workers = [subprocess.Popen([sys.executable, "-c", script, str(frames // 2)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for _ in range(2)]
    time.sleep(5.0)  # both have loaded their frames (they wait for the start line)
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outputs = [float(w.communicate()[0].strip().splitlines()[-1]) for w in workers]
    models_fps = sum(outputs)  # side by side on the same number of frames: their rates add up
    print(f"4. batch of {videos} x {seconds:g} s 1280x720 on 2 workers: {batch_fps:5.1f} frames/s | two model-only "
          f"processes side by side {models_fps:5.1f} frames/s (each {outputs[0]:.1f}, {outputs[1]:.1f}) | ratio "
          f"{batch_fps / models_fps:.2f} (target >= 0.85) {load_before} {load_text()}", flush=True)


def parse_size(text: str) -> tuple[int, int]:
    """'1280x720' -> (1280, 720)."""
    width, height = text.lower().split("x")
    return int(width), int(height)


def main() -> int:
    """Run the chosen parts and print one line each (sizes, durations and load average with it)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", type=int, nargs="+", default=[1, 2, 3, 4], choices=[1, 2, 3, 4])
    parser.add_argument("--quick", action="store_true", help="10 s clips, a 2-minute long clip, 4 batch videos")
    parser.add_argument("--sizes", type=parse_size, nargs="+", default=list(SIZES), help="part 1's frame sizes")
    parser.add_argument("--long-minutes", type=float, help="length of the long clip in part 3 (default 10)")
    parser.add_argument("--config", help="TOML settings for part 1's analysis (e.g. [output] helper_processes = 0)")
    args = parser.parse_args()
    seconds = 10.0 if args.quick else 60.0
    long_minutes = args.long_minutes or (2.0 if args.quick else 10.0)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, commit {_commit()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for part in args.parts:
            if part == 1:
                model_vs_analyze(workdir, args.sizes, seconds, load_config(args.config))
            elif part == 2:
                live_latency()
            elif part == 3:
                memory(workdir, long_minutes)
            else:
                batch(workdir, 4 if args.quick else 8, seconds)
    return 0


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          cwd=Path(__file__).parent)
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    sys.exit(main())
