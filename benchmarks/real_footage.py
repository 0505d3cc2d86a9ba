"""Real-footage benchmark: posecheck's events against hand labels of public lifting clips.

    python benchmarks/real_footage.py --clips DIR                        # the dev part
    python benchmarks/real_footage.py --fetch-from-mirror MIRRORS        # copy missing clips out of git mirrors
    python benchmarks/real_footage.py --clips DIR --fps-resample 15 --json scores.json
    python benchmarks/real_footage.py --clips DIR --only jeffchen_rdl bichraix_bad_bad005
    python benchmarks/real_footage.py --clips DIR --poses DIR2           # keep the poses: reruns take seconds
    python benchmarks/real_footage.py --clips DIR --include-holdout      # the held-out part: only at the end

The labels (benchmarks/real_footage/labels.json) were written from the frames before posecheck ran on
any clip. Clips are found in --clips DIR (or the cache) by name or by sha256; the videos are not in this
repository. A clip published only as image frames is a frame sequence: found as DIR/ID/, its sha256
taken over the frames' bytes in order, encoded to H.264 at its labelled fps before the analysis. Each
clip is analysed as `posecheck analyze` does (into a temporary directory) and every labelled clip-rule
pair is scored:
  true          right when the rule raised an event
  false         right when it raised none
  [[s, e], ..]  right when an event overlaps every window and none lies outside them
  {"allow": ..} right when no event lies outside the windows (inside, either answer is right)
Windows are widened by WINDOW_TOLERANCE_S on both sides. Also scored: load_held per frame (frames
within LOAD_EDGE_MARGIN_S of a labelled change are not scored), the lift count, and whether a clip
labelled with a body cut off or legs hidden carries a view note in the report's summary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RULES = ("bend_at_waist", "twist_under_load", "load_far_from_body", "narrow_stance", "prolonged_flexion")
LABELS_PATH = Path(__file__).resolve().parent / "real_footage" / "labels.json"
DEFAULT_CACHE = Path.home() / ".cache" / "posecheck" / "real-footage"
WINDOW_TOLERANCE_S = 0.25
LOAD_EDGE_MARGIN_S = 0.3
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv")
# Words a summary note about the view must contain (any one) to count as covering that fact.
VIEW_NOTE_WORDS = {
    "legs_hidden": ("leg", "knee", "shin", "ankle", "hidden", "occlu", "unseen", "not seen", "implausib"),
    "body_cut_off": ("cut off", "out of frame", "out of the frame", "out of view", "frame edge", "edge of the frame",
                     "partial", "head", "feet", "not in view"),
}

Windows = list[list[float]]


class LabelError(ValueError):
    """The labels file does not follow the schema."""


# ---------------------------------------------------------------------------------------------- labels


def _check_windows(windows: Any, where: str) -> None:
    if not isinstance(windows, list) or not windows:
        raise LabelError(f"{where}: windows must be a non-empty list of [start_s, end_s]")
    for window in windows:
        ok = isinstance(window, list) and len(window) == 2 and all(isinstance(v, int | float) for v in window)
        if not ok or not 0 <= window[0] < window[1]:
            raise LabelError(f"{where}: bad window {window!r} (need [start_s, end_s] with 0 <= start < end)")


def check_label_value(value: Any, where: str) -> None:
    """Raise LabelError unless `value` is true, false, a window list or {"allow": windows}."""
    if isinstance(value, bool):
        return
    if isinstance(value, dict):
        if set(value) != {"allow"}:
            raise LabelError(f"{where}: a dict label must be {{'allow': windows}}, got keys {sorted(value)}")
        _check_windows(value["allow"], where)
        return
    _check_windows(value, where)


def check_clip(clip: dict[str, Any]) -> None:
    """Raise LabelError naming the first schema problem of one clip entry."""
    where = f"clip {clip.get('id', '?')}"
    number = int | float
    for key, kind in (("id", str), ("sha256", str), ("scene", str), ("note", str), ("holdout", bool),
                      ("source", dict), ("view", dict), ("rules", dict), ("fps", number), ("duration_s", number)):
        if not isinstance(clip.get(key), kind):
            raise LabelError(f"{where}: '{key}' missing or of the wrong type")
    if len(clip["sha256"]) != 64:
        raise LabelError(f"{where}: sha256 must be 64 hex digits")
    if set(clip["source"]) - {"frames"} != {"repo", "commit", "path"}:
        raise LabelError(f"{where}: source needs repo, commit, path (and frames for a frame sequence)")
    if "frames" in clip["source"]:
        first_last = clip["source"]["frames"]
        ok = isinstance(first_last, list) and len(first_last) == 2 and all(isinstance(n, int) for n in first_last)
        if not ok or first_last[0] > first_last[1] or "{n}" not in clip["source"]["path"]:
            raise LabelError(f"{where}: a frame sequence needs frames [first, last] and {{n}} in its path")
    unknown = set(clip["rules"]) - set(RULES)
    if unknown:
        raise LabelError(f"{where}: unknown rule(s) {sorted(unknown)}")
    for rule, value in clip["rules"].items():
        check_label_value(value, f"{where} {rule}")
    if "load_held" in clip:
        check_label_value(clip["load_held"], f"{where} load_held")
    if not isinstance(clip.get("lifts", 0), int) or isinstance(clip.get("lifts"), bool):
        raise LabelError(f"{where}: lifts must be a whole number")
    view = clip["view"]
    if view.get("body_cut_off") not in (None, "top", "bottom", "both") or not isinstance(view.get("legs_hidden"), bool):
        raise LabelError(f"{where}: view needs body_cut_off (null/top/bottom/both) and legs_hidden (bool)")


def load_labels(path: Path = LABELS_PATH) -> list[dict[str, Any]]:
    """The clip entries of a labels file, schema-checked (LabelError on the first problem)."""
    try:
        clips = json.loads(path.read_text())["clips"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LabelError(f"cannot read labels from {path}: {error}") from error
    for clip in clips:
        check_clip(clip)
    ids = [clip["id"] for clip in clips]
    if len(set(ids)) != len(ids):
        raise LabelError("clip ids are not unique")
    return clips


# ---------------------------------------------------------------------------------------------- scoring


@dataclass
class PairScore:
    """One labelled clip-rule pair: right or not, and why."""

    rule: str
    label: Any
    right: bool
    detail: str


@dataclass
class ClipScore:
    """Everything scored on one clip."""

    clip_id: str
    holdout: bool
    pairs: list[PairScore] = field(default_factory=list)
    load_frames_right: int = 0
    load_frames_scored: int = 0
    lifts_label: int | None = None
    lifts_counted: int | None = None
    view_facts: list[str] = field(default_factory=list)
    view_note_found: bool | None = None
    error: str | None = None


def _overlaps(start_s: float, end_s: float, windows: Windows) -> bool:
    tol = WINDOW_TOLERANCE_S
    return any(start_s <= w_end + tol and end_s >= w_start - tol for w_start, w_end in windows)


def score_rule(rule: str, label: Any, events: list[dict[str, Any]]) -> PairScore:
    """Score one rule's events (report.json event dicts of that rule) against its label."""
    spans = [(e["start_s"], e["end_s"]) for e in events]
    shown = ", ".join(f"{s:.2f}-{e:.2f}" for s, e in spans) or "none"
    if isinstance(label, bool):
        return PairScore(rule, label, bool(spans) == label, f"events: {shown}")
    allowed = label["allow"] if isinstance(label, dict) else label
    outside = [(s, e) for s, e in spans if not _overlaps(s, e, allowed)]
    missed = [] if isinstance(label, dict) else [w for w in label if not any(_overlaps(s, e, [w]) for s, e in spans)]
    right = not outside and not missed
    detail = f"events: {shown}" + (f"; outside windows: {len(outside)}" if outside else "")
    return PairScore(rule, label, right, detail + (f"; windows missed: {missed}" if missed else ""))


def _held_expected(label: Any, time_s: float) -> bool | None:
    """What load_held should be at `time_s` under `label`; None near a labelled change (not scored)."""
    if isinstance(label, bool):
        return label
    windows = label["allow"] if isinstance(label, dict) else label
    if any(abs(time_s - edge) < LOAD_EDGE_MARGIN_S for window in windows for edge in window):
        return None
    return any(start <= time_s <= end for start, end in windows)


def score_load(label: Any, frames: list[dict[str, Any]]) -> tuple[int, int]:
    """(frames right, frames scored) of the report's per-frame load_held against the label."""
    right = scored = 0
    for frame in frames:
        expected = _held_expected(label, frame["time_s"])
        if expected is None:
            continue
        scored += 1
        right += bool(frame["load_held"]) == expected
    return right, scored


def _texts(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in _texts(key) + _texts(value)]
    if isinstance(node, list):
        return [text for item in node for text in _texts(item)]
    return []


def view_texts(summary: dict[str, Any]) -> list[str]:
    """Lower-cased text of the summary's notes and any view/framing findings (whatever their layout)."""
    keys = [key for key in summary if key in ("notes", "view", "framing", "findings") or "view" in key]
    return [text.lower() for key in keys for text in _texts(summary[key])]


def view_note_found(summary: dict[str, Any], facts: list[str]) -> bool:
    """Whether the summary mentions every labelled view fact (legs hidden, body cut off)."""
    texts = view_texts(summary)
    return all(any(word in text for text in texts for word in VIEW_NOTE_WORDS[fact]) for fact in facts)


def view_facts(clip: dict[str, Any]) -> list[str]:
    """The view facts a report should mention for this clip."""
    view = clip["view"]
    return [fact for fact, present in (("body_cut_off", view["body_cut_off"]), ("legs_hidden", view["legs_hidden"]))
            if present]


def score_clip(clip: dict[str, Any], report: dict[str, Any]) -> ClipScore:
    """Score one report.json document against one clip's labels."""
    score = ClipScore(clip["id"], clip["holdout"])
    for rule in RULES:
        if rule in clip["rules"]:
            events = [e for e in report["events"] if e["rule"] == rule]
            score.pairs.append(score_rule(rule, clip["rules"][rule], events))
    if "load_held" in clip:
        score.load_frames_right, score.load_frames_scored = score_load(clip["load_held"], report["frames"])
    if "lifts" in clip:
        score.lifts_label, score.lifts_counted = clip["lifts"], report["summary"]["lifts_counted"]
    score.view_facts = view_facts(clip)
    if score.view_facts:
        score.view_note_found = view_note_found(report["summary"], score.view_facts)
    return score


# ---------------------------------------------------------------------------------------------- clips


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _candidates(directory: Path, clip: dict[str, Any]) -> list[Path]:
    names = [f"{clip['id']}.mp4", Path(clip["source"]["path"]).name]
    by_name = [directory / name for name in names if (directory / name).is_file()]
    others = [p for p in sorted(directory.rglob("*")) if p.suffix.lower() in VIDEO_SUFFIXES and p not in by_name]
    sized = [p for p in others if "bytes" not in clip or p.stat().st_size == clip["bytes"]]
    return by_name + sized


def frame_paths(clip: dict[str, Any]) -> list[str]:
    """Source paths of a frame-sequence clip's images, in order (empty for a video clip)."""
    source = clip["source"]
    if "frames" not in source:
        return []
    first, last = source["frames"]
    return [source["path"].replace("{n}", str(n)) for n in range(first, last + 1)]


def sequence_sha256(directory: Path, clip: dict[str, Any]) -> str | None:
    """sha256 of a frame sequence's image bytes concatenated in order; None if a frame is missing."""
    digest = hashlib.sha256()
    for name in (Path(path).name for path in frame_paths(clip)):
        if not (directory / name).is_file():
            return None
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()


def find_clip(directories: list[Path], clip: dict[str, Any]) -> Path | None:
    """The file (or, for a frame sequence, the directory DIR/ID) holding this clip's bytes, sha256 checked."""
    for directory in directories:
        if not directory.is_dir():
            continue
        if frame_paths(clip):
            if sequence_sha256(directory / clip["id"], clip) == clip["sha256"]:
                return directory / clip["id"]
            continue
        for path in _candidates(directory, clip):
            if sha256_of(path) == clip["sha256"]:
                return path
    return None


def _mirror_dirs(mirrors: Path, repo: str) -> list[Path]:
    owner, name = repo.split("/")
    flat = f"{owner}+{name}"
    return [mirrors / flat / "repo", mirrors / flat, mirrors / owner / name, mirrors / name, mirrors / f"{name}.git"]


def _git_show(git_dir: Path, commit: str, path: str) -> bytes | None:
    shown = subprocess.run(["git", "-C", str(git_dir), "show", f"{commit}:{path}"], capture_output=True, check=False)
    return shown.stdout if shown.returncode == 0 else None


def _fetch_blobs(git_dir: Path, clip: dict[str, Any]) -> list[bytes] | None:
    """The clip's bytes from one mirror (one blob, or every frame of a sequence), if they match its sha256."""
    paths = frame_paths(clip) or [clip["source"]["path"]]
    blobs = [_git_show(git_dir, clip["source"]["commit"], path) for path in paths]
    if any(blob is None for blob in blobs) or hashlib.sha256(b"".join(blobs)).hexdigest() != clip["sha256"]:
        return None
    return blobs


def fetch_from_mirror(mirrors: Path, clip: dict[str, Any], cache: Path) -> Path:
    """Copy the clip out of a git mirror of its source repository into `cache` (sha256 checked).

    A video goes to CACHE/ID.mp4, a frame sequence into CACHE/ID/; an existing target is never replaced.
    """
    source = clip["source"]
    target = cache / clip["id"] if frame_paths(clip) else cache / f"{clip['id']}.mp4"
    if target.exists():
        raise RuntimeError(f"{target} exists but does not hold {clip['id']} (sha256 differs); not replacing it")
    for git_dir in _mirror_dirs(mirrors, source["repo"]):
        blobs = _fetch_blobs(git_dir, clip) if git_dir.is_dir() else None
        if blobs is None:
            continue
        if not frame_paths(clip):
            cache.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blobs[0])
            return target
        target.mkdir(parents=True)
        for path, blob in zip(frame_paths(clip), blobs, strict=True):
            (target / Path(path).name).write_bytes(blob)
        return target
    raise RuntimeError(f"{clip['id']}: {source['repo']}@{source['commit'][:10]}:{source['path']} not in {mirrors}")


def assemble(directory: Path, clip: dict[str, Any], out_path: Path) -> Path:
    """Encode a frame sequence's images into an H.264 video at the clip's fps."""
    import cv2

    from posecheck.video import H264Writer

    with H264Writer(out_path, clip["fps"], clip["width"], clip["height"], crf=18) as writer:
        for name in (Path(path).name for path in frame_paths(clip)):
            writer.write(cv2.cvtColor(cv2.imread(str(directory / name)), cv2.COLOR_BGR2RGB))
    return out_path


def resample(video: Path, fps: float, out_path: Path) -> Path:
    """Re-encode `video` at `fps` (keeping the frame due at each 1/fps tick); the video itself if already slower."""
    from posecheck.video import H264Writer, probe_video, read_frames

    info = probe_video(video)
    if fps >= info.fps:
        return video
    next_s = 0.0
    with H264Writer(out_path, fps, info.width, info.height, crf=18) as writer:
        for frame in read_frames(video):
            if frame.time_s + 0.5 / info.fps >= next_s:
                writer.write(frame.rgb)
                next_s += 1.0 / fps
    return out_path


def analyse(video: Path, clip: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """report.json of `video` (a frame sequence is encoded first), analysed as `posecheck analyze` does
    (with --poses: its detection pass kept there and judged again on later runs)."""
    from posecheck.config import load_config, validated
    from posecheck.pipeline import AnalysisSettings
    from posecheck.run import analyze_to_dir

    config = validated(load_config(args.config), "--config")
    settings = AnalysisSettings(stride=args.stride, max_width=args.max_width, model=args.model or "")
    kept = None if args.poses is None else args.poses / f"{detection_key(clip, args, config)}.pkl"
    if kept is not None and kept.is_file():
        return judged_again(kept, config, settings)
    with tempfile.TemporaryDirectory(prefix="posecheck-real-") as tmp:
        if frame_paths(clip):
            video = assemble(video, clip, Path(tmp) / "assembled.mp4")
        source = resample(video, args.fps_resample, Path(tmp) / "resampled.mp4") if args.fps_resample else video
        if kept is not None:
            keep_detection(source, kept, config, settings, args.model)
            return judged_again(kept, config, settings)
        output = analyze_to_dir(source, Path(tmp) / "out", config, settings, args.model)
        return output.report.to_json()


def detection_key(clip: dict[str, Any], args: argparse.Namespace, config: Any) -> str:
    """What a kept detection pass depends on: the clip, the frame rate, stride, width, model and [pose] settings."""
    pose = hashlib.sha256(repr((config.pose, args.model)).encode()).hexdigest()[:10]
    return f"{clip['id']}_fps{args.fps_resample or 'native'}_s{args.stride}_w{args.max_width or 'full'}_{pose}"


def keep_detection(video: Path, path: Path, config: Any, settings: Any, model: str | None) -> None:
    """Run the detection pass of `posecheck analyze` over `video` and pickle it (with the image evidence of the
    load and the video's properties) to `path`."""
    from posecheck.load import SpotWatcher
    from posecheck.pipeline import detect_poses
    from posecheck.pose import PoseEstimator
    from posecheck.video import probe_video

    spots = SpotWatcher(config.load)
    with PoseEstimator(model, config.pose.min_detection_confidence,
                       per_frame=config.pose.detect_each_frame_in_files) as estimator:
        found = detect_poses(video, config, estimator, settings, spots=spots)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(pickle.dumps((probe_video(video), found, spots.verdicts)))
    partial.replace(path)


def judged_again(path: Path, config: Any, settings: Any) -> dict[str, Any]:
    """report.json from a kept detection pass: smoothed, judged and reported as `posecheck analyze` does."""
    from posecheck.load import SpotWatcher
    from posecheck.pipeline import judge_detection
    from posecheck.report import build_report

    info, found, verdicts = pickle.loads(path.read_bytes())
    spots = SpotWatcher(config.load)
    spots.verdicts = verdicts
    result, _ = judge_detection(info, found, config, settings, spots, config.pose.detect_each_frame_in_files)
    return build_report(result, config.ergonomics, config.rules).to_json()


# ---------------------------------------------------------------------------------------------- tables


def _cell(pair: PairScore | None) -> str:
    if pair is None:
        return "-"
    label = pair.label if isinstance(pair.label, bool) else ("allow" if isinstance(pair.label, dict) else "win")
    return f"{str(label).lower()[:5]}:{'ok' if pair.right else 'XX'}"


def print_clip_table(scores: list[ClipScore]) -> None:
    """One row per clip: each rule's label and verdict, load_held accuracy, lifts, view note."""
    short = {"bend_at_waist": "bend", "twist_under_load": "twist", "load_far_from_body": "far",
             "narrow_stance": "narrow", "prolonged_flexion": "prolonged"}
    print(f"{'clip':<26}" + "".join(f"{short[r]:>11}" for r in RULES) + f"{'held':>7}{'lifts':>7}  view note")
    for s in scores:
        if s.error:
            print(f"{s.clip_id:<26} ERROR {s.error}")
            continue
        by_rule = {p.rule: p for p in s.pairs}
        held = f"{s.load_frames_right / s.load_frames_scored:.0%}" if s.load_frames_scored else "-"
        lifts = f"{s.lifts_label}/{s.lifts_counted}" if s.lifts_label is not None else "-"
        view = "-" if not s.view_facts else f"{'yes' if s.view_note_found else 'NO'} ({', '.join(s.view_facts)})"
        cells = "".join(f"{_cell(by_rule.get(r)):>11}" for r in RULES)
        print(f"{s.clip_id:<26}{cells}{held:>7}{lifts:>7}  {view}")


def totals(scores: list[ClipScore]) -> dict[str, Any]:
    """Pairs right per rule and overall, false stoops on no-stoop clips, load, lifts and view-note coverage."""
    ok = [s for s in scores if not s.error]
    pairs = [p for s in ok for p in s.pairs]
    per_rule = {r: [sum(p.right for p in pairs if p.rule == r), sum(p.rule == r for p in pairs)] for r in RULES}
    no_stoop = [p for p in pairs if p.rule == "bend_at_waist" and (p.label is False or isinstance(p.label, dict))]
    lifts = [s for s in ok if s.lifts_label is not None]
    viewed = [s for s in ok if s.view_facts]
    return {
        "clips": len(scores), "errors": len(scores) - len(ok),
        "pairs_right": sum(p.right for p in pairs), "pairs": len(pairs), "per_rule": per_rule,
        "false_bend_at_waist": [sum(not p.right for p in no_stoop), len(no_stoop)],
        "load_frames": [sum(s.load_frames_right for s in ok), sum(s.load_frames_scored for s in ok)],
        "lifts_right": [sum(s.lifts_label == s.lifts_counted for s in lifts), len(lifts)],
        "view_notes": [sum(bool(s.view_note_found) for s in viewed), len(viewed)],
    }


def _ratio(pair: list[int]) -> str:
    return f"{pair[0]}/{pair[1]}" + (f" ({pair[0] / pair[1]:.0%})" if pair[1] else "")


def print_totals(name: str, total: dict[str, Any]) -> None:
    """The totals of one part (dev or holdout)."""
    print(f"\n{name}: {total['clips']} clips ({total['errors']} not analysed)")
    print(f"  clip-rule pairs right      {_ratio([total['pairs_right'], total['pairs']])}")
    for rule, pair in total["per_rule"].items():
        print(f"    {rule:<22} {_ratio(pair)}")
    print(f"  false bend_at_waist on clips labelled no-stoop: {_ratio(total['false_bend_at_waist'])}")
    print(f"  load_held frames right     {_ratio(total['load_frames'])}")
    print(f"  lifts counted right        {_ratio(total['lifts_right'])}")
    print(f"  view note where body cut off or legs hidden: {_ratio(total['view_notes'])}")


# ---------------------------------------------------------------------------------------------- main


def _locate(clip: dict[str, Any], args: argparse.Namespace) -> Path | None:
    found = find_clip([d for d in (args.clips, args.cache) if d is not None], clip)
    if found is None and args.fetch_from_mirror is not None:
        found = fetch_from_mirror(args.fetch_from_mirror, clip, args.cache)
    return found


def run_clip(clip: dict[str, Any], args: argparse.Namespace) -> ClipScore:
    """Find, analyse and score one clip; a clip that cannot be found or analysed is an error row."""
    try:
        video = _locate(clip, args)
        if video is None:
            return ClipScore(clip["id"], clip["holdout"], error="clip not found (see README: Real footage)")
        return score_clip(clip, analyse(video, clip, args))
    except Exception as error:  # noqa: BLE001 - one bad clip must not stop the benchmark; it is reported
        return ClipScore(clip["id"], clip["holdout"], error=f"{type(error).__name__}: {error}")


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=Path, help="directory holding the clips (found by name or sha256)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="where fetched clips go, also searched (default %(default)s)")
    parser.add_argument("--fetch-from-mirror", type=Path, metavar="DIR",
                        help="git mirrors (DIR/OWNER+NAME/repo, DIR/OWNER/NAME or DIR/NAME) to copy missing clips from")
    parser.add_argument("--labels", type=Path, default=LABELS_PATH)
    parser.add_argument("--only", nargs="+", metavar="ID", help="score only these clip ids")
    parser.add_argument("--include-holdout", action="store_true", help="also score the held-out part (only at the end)")
    parser.add_argument("--stride", type=int, default=1, help="analyse every N-th frame (as posecheck --stride)")
    parser.add_argument("--max-width", type=int, help="downscale wider frames (as posecheck --max-width)")
    parser.add_argument("--fps-resample", type=float, help="re-encode each clip at this frame rate first (e.g. 15)")
    parser.add_argument("--config", help="posecheck TOML config")
    parser.add_argument("--model", help="pose model .task file")
    parser.add_argument("--json", type=Path, help="write the scores here as JSON")
    parser.add_argument("--poses", type=Path, metavar="DIR",
                        help="keep each clip's detection pass here and reuse it: a rerun only judges again "
                             "(for changes after detection: smoothing, metrics, load, rules, report)")
    return parser


def main() -> int:
    """Score the selected clips and print per-clip rows and totals per part."""
    args = build_parser().parse_args()
    try:
        clips = load_labels(args.labels)
    except LabelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    parts = [c for c in clips if args.include_holdout or not c["holdout"]]
    selected = [c for c in parts if not args.only or c["id"] in args.only]
    scores = []
    for clip in selected:
        scores.append(run_clip(clip, args))
        print(f"done {clip['id']}" + (f" ({scores[-1].error})" if scores[-1].error else ""), file=sys.stderr)
    print_clip_table(scores)
    by_part = {"dev": [s for s in scores if not s.holdout], "holdout": [s for s in scores if s.holdout]}
    summary = {name: totals(part) for name, part in by_part.items() if part}
    for name, total in summary.items():
        print_totals(name, total)
    if args.json:
        document = {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                    "totals": summary, "clips": [asdict(s) for s in scores]}
        args.json.write_text(json.dumps(document, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
