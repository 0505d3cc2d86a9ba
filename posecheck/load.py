"""Is a load in the hands? Pick-ups and put-downs from the hands' motion and the image at the load.

A pick-up or put-down is a *low reach*: the hands go down to the load (below `low_hand_height_rel`
leg lengths above the floor) and come back up (`rise_leg_ratio` above their lowest point). The
posture of the arms does not decide: a box at arm's length, a barbell and a crate count alike.

What happened at a reach is decided by evidence, strongest first:
1. the image (`SpotWatcher`): the floor patch under the hands at the lowest point, compared before
   the reach and after it. Changed: something left with the hands (pick-up) or was left there
   (put-down). Unchanged: the hands touched nothing that moved (a reach, a stretch). The image cannot
   tell when the patch is out of the frame or mostly covered by the person.
2. the hands' motion, when the image cannot tell (the patch is out of view or occluded): a carried
   object fixes the hands' separation, so hands that come up with a steady separation carried
   something; empty hands drift apart to the sides. Where the separation is not measurable (one
   hand hidden, seen side-on), a load weight given by the user ("a load is handled") decides.
While loaded, a reach that the image does not contradict is a put-down, and so are hands that move
well apart (a load put down on a table or handed over at waist height).

`LoadTracker` decides causally (live), after the rise and a short wait for the image verdict;
`infer_load` runs it over a whole analysed clip and dates each change in the middle of the time the
hands rested at the load (their lowest level). The mode
(`Config.load_mode`) says what the video shows: "auto" infers, "throughout" and "none" declare it;
the pick-ups and put-downs (and so the lifts) are inferred in every mode. A clip that starts mid-carry
(no pick-up in view) is not inferred: under "auto" it is unloaded until a pick-up, and when its hands are
held up in front at the start the inference says so (`LoadInference.start_not_inferred`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from posecheck.config import LoadConfig
from posecheck.landmarks import Landmark as L
from posecheck.pose import PoseFrame

PICK_UP = "pick-up"
PUT_DOWN = "put-down"


@dataclass(frozen=True)
class SpotVerdict:
    """The image's evidence at one reach: whether the patch under the hands changed (None: cannot tell)."""

    low_time_s: float
    decided_time_s: float
    changed: bool | None
    changed_share: float | None


@dataclass(frozen=True)
class LoadChange:
    """A pick-up or put-down: the frame and time the hands took or let go of the load, and the evidence."""

    kind: str
    index: int
    time_s: float
    decided_s: float
    evidence: str


@dataclass(frozen=True)
class LoadInference:
    """Per-frame load state (as the mode says), the inferred changes and the lifts they form.

    `lift_spans` are (first row, last row) of each pick-up → put-down, the last row being the clip's
    last frame when the put-down is not in view. `start_not_inferred`: under "auto", the clip starts with
    the hands held up in front and no pick-up in view (see `hands_held_up_at_start`), so whether a load was
    already in them is not known; it is counted as not held. `twists_if_loaded`: the twists (start s, end s,
    peak deg) the twist rule finds in that undecided start (before the first pick-up) with a load held there.
    """

    mode: str
    held: tuple[bool, ...]
    changes: tuple[LoadChange, ...]
    lift_spans: tuple[tuple[int, int], ...]
    start_not_inferred: bool = False
    twists_if_loaded: tuple[tuple[float, float, float], ...] = ()

    def undecided_rows(self) -> int:
        """How many rows at the start the load state was not inferred for (up to the first pick-up; 0 when
        it was inferred)."""
        if not self.start_not_inferred:
            return 0
        return self.changes[0].index if self.changes else len(self.held)


# A reach comes down from where the hands were within this long before it (seconds), by rise_leg_ratio.
DESCENT_WINDOW_S = 2.0
# The hands are at the load while within this height (leg lengths) of their lowest point; a pick-up or
# put-down is dated in the middle of that time (the grip is taken or let go while the hands rest there).
AT_LOAD_LEG_RATIO = 0.05
# The image's reach and the hands' reach are the same when their lowest points lie this close (seconds).
MATCH_TOLERANCE_S = 0.5
# How far back (seconds) a put-down seen only by the image can be dated.
IMAGE_ONLY_MEMORY_S = 10.0


@dataclass
class _Reach:
    low_index: int
    low_time_s: float
    low_height_rel: float
    top_height_rel: float  # the highest the hands were in the DESCENT_WINDOW_S before going down
    heights: list[tuple[int, float, float]] = field(default_factory=list)  # (index, time s, height)
    separations: list[float] = field(default_factory=list)
    rise_time_s: float | None = None

    def at_load(self) -> tuple[int, float]:
        """(index, time s) of the middle of the time the hands rested at the load."""
        near = [(index, time_s) for index, time_s, height in self.heights
                if height <= self.low_height_rel + AT_LOAD_LEG_RATIO]
        return near[len(near) // 2]


def _known(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


class LoadTracker:
    """Causal load inference over per-frame hand measurements (see the module docstring).

    Call `update` once per frame; `held` is the inferred state (ignoring the mode), `changes` the
    pick-ups and put-downs so far. With `image_evidence` the decision after a reach waits up to
    `verdict_wait_s` for a `SpotVerdict`; `load_known` says a load is handled in this task.
    """

    def __init__(self, cfg: LoadConfig, image_evidence: bool = False, load_known: bool = False) -> None:
        self._cfg = cfg
        self._image_evidence = image_evidence
        self._load_known = load_known
        self.held = False
        self.changes: list[LoadChange] = []
        self._reach: _Reach | None = None
        self._recent: list[tuple[float, float]] = []  # (time s, hand height) before a reach
        self._carried_separation: float | None = None
        self._apart_since: tuple[int, float] | None = None
        self._heights_seen = False
        self._followed: list[tuple[float, float]] = []  # (first, last s) of every reach followed
        self._used: set[float] = set()  # lowest-point times of the verdicts already taken
        self._frames: list[tuple[int, float]] = []  # (index, time s) of the last IMAGE_ONLY_MEMORY_S

    def update(
        self, index: int, time_s: float, hand_height_rel: float | None, hands_separation_rel: float | None,
        verdicts: Sequence[SpotVerdict] = (),
    ) -> bool:
        """Advance by one frame (hand height in leg lengths, separation in shoulder widths); the state."""
        self._frames = [(i, t) for i, t in self._frames if time_s - t <= IMAGE_ONLY_MEMORY_S] + [(index, time_s)]
        if self.held and self._image_evidence:
            self._put_down_seen_only_by_the_image(time_s, verdicts)
        reach = self._reach
        if reach is not None and reach.rise_time_s is not None:
            self._try_decide(reach, index, time_s, verdicts)
        elif _known(hand_height_rel):
            self._follow_reach(index, time_s, hand_height_rel, hands_separation_rel)
        elif reach is not None and _known(hands_separation_rel):
            reach.separations.append(hands_separation_rel)  # hands seen, their height not (legs hidden)
        if self.held and self._reach is None:
            self._watch_release(index, time_s, hands_separation_rel)
        return self.held

    def finish(self, index: int, time_s: float, verdicts: Sequence[SpotVerdict] = ()) -> None:
        """Decide a reach still waiting for its verdict at the end of the stream, and one still at the load
        while loaded (the stream ends as the load is set down: nothing can contradict a put-down)."""
        reach = self._reach
        if reach is None:
            return
        came_down = reach.top_height_rel - reach.low_height_rel >= self._cfg.rise_leg_ratio
        if reach.rise_time_s is not None or (self.held and came_down):
            self._decide(reach, _matching(reach, verdicts), time_s)

    def _follow_reach(self, index: int, time_s: float, height: float, separation: float | None) -> None:
        cfg, reach = self._cfg, self._reach
        if reach is None:
            first_seen = not self._heights_seen
            self._heights_seen = True
            self._recent = [(t, h) for t, h in self._recent if time_s - t <= DESCENT_WINDOW_S] + [(time_s, height)]
            if height < cfg.low_hand_height_rel:
                # Low from the first frame on (e.g. set up over a barbell): the descent was before the view.
                top = math.inf if first_seen else max(h for _, h in self._recent)
                self._reach = _Reach(index, time_s, height, top, [(index, time_s, height)])
            return
        reach.heights.append((index, time_s, height))
        if height < reach.low_height_rel:
            reach.low_index, reach.low_time_s, reach.low_height_rel = index, time_s, height
            reach.separations.clear()
        if _known(separation):
            reach.separations.append(separation)
        if height >= reach.low_height_rel + cfg.rise_leg_ratio:
            if reach.top_height_rel - reach.low_height_rel < cfg.rise_leg_ratio:
                self._reach = None  # the hands did not come down from higher up: a shift, not a reach
                self._followed.append((reach.heights[0][1], time_s))
                return
            reach.rise_time_s = time_s
            if not self._image_evidence:
                self._decide(reach, None, time_s)

    def _try_decide(self, reach: _Reach, index: int, time_s: float, verdicts: Sequence[SpotVerdict]) -> None:
        verdict = _matching(reach, [v for v in verdicts if v.low_time_s not in self._used])
        waited = time_s - (reach.rise_time_s or time_s)
        if (verdict is not None and verdict.changed is not None) or waited >= self._cfg.verdict_wait_s:
            self._decide(reach, verdict, time_s)

    def _decide(self, reach: _Reach, verdict: SpotVerdict | None, time_s: float) -> None:
        self._reach, self._recent = None, []
        self._followed.append((reach.heights[0][1], time_s))
        if verdict is not None:
            self._used.add(verdict.low_time_s)
        elif self._used and _matching(reach, [SpotVerdict(low_s, low_s, True, None) for low_s in self._used]):
            return  # the image already decided this reach (see _put_down_seen_only_by_the_image)
        changed = None if verdict is None else verdict.changed
        together = self._came_up_together(reach)
        if changed is False:
            return  # the image shows nothing left or taken: a reach
        if changed:
            share = verdict.changed_share if verdict is not None else None
            evidence = f"the floor under the hands changed ({share:.0%} of the patch)"
        elif self.held:
            evidence = "hands reached down while loaded (image could not tell)"
        elif together:
            evidence = "hands came up together with a steady separation (image could not tell)"
        elif together is None and self._load_known:
            evidence = "hands came up from a reach and a load is handled in this task (image could not tell)"
        else:
            return
        kind = PUT_DOWN if self.held else PICK_UP
        at_index, at_time_s = reach.at_load()
        self.changes.append(LoadChange(kind, at_index, at_time_s, time_s, evidence))
        self.held = not self.held
        self._carried_separation = None
        self._apart_since = None

    def _put_down_seen_only_by_the_image(self, time_s: float, verdicts: Sequence[SpotVerdict]) -> None:
        """While loaded, a reach the image saw and the hands' height did not (its height above the floor
        not measured then, e.g. the legs hidden) that left the patch under the hands changed: a put-down."""
        reach = self._reach
        last_height_s = reach.heights[-1][1] if reach is not None else -math.inf
        for verdict in verdicts:
            if (not verdict.changed or verdict.decided_time_s > time_s or verdict.low_time_s in self._used
                    or verdict.low_time_s <= max(self.changes[-1].time_s, last_height_s) + MATCH_TOLERANCE_S
                    or any(start_s - MATCH_TOLERANCE_S <= verdict.low_time_s <= end_s + MATCH_TOLERANCE_S
                           for start_s, end_s in self._followed)):
                continue
            self._used.add(verdict.low_time_s)
            self._reach, self._recent = None, []  # a reach whose heights stopped before the image's: dropped
            index, low_s = min(self._frames, key=lambda frame: abs(frame[1] - verdict.low_time_s))
            evidence = (f"the floor under the hands changed ({verdict.changed_share or 0.0:.0%} of the patch; "
                        "the hands' height above the floor was not measured)")
            self.changes.append(LoadChange(PUT_DOWN, index, low_s, time_s, evidence))
            self.held, self._carried_separation, self._apart_since = False, None, None
            return

    def _came_up_together(self, reach: _Reach) -> bool | None:
        values = reach.separations
        if len(values) < 3:
            return None
        return max(values) <= self._cfg.together_max_ratio * min(values)

    def _watch_release(self, index: int, time_s: float, separation: float | None) -> None:
        cfg = self._cfg
        if not _known(separation):
            return
        if self._carried_separation is None:
            self._carried_separation = separation
            return
        carried = self._carried_separation
        apart = (separation >= carried * cfg.release_separation_ratio
                 and separation - carried >= cfg.release_separation_gain)
        if not apart:
            self._apart_since = None
            self._carried_separation = min(carried, separation)
            return
        if self._apart_since is None:
            self._apart_since = (index, time_s)
        elif time_s - self._apart_since[1] >= cfg.release_min_s:
            first, since = self._apart_since
            evidence = f"hands moved apart ({carried:.1f} -> {separation:.1f} shoulder widths): released"
            self.changes.append(LoadChange(PUT_DOWN, first, since, time_s, evidence))
            self.held, self._apart_since, self._carried_separation = False, None, None


def _matching(
    reach: _Reach, verdicts: Sequence[SpotVerdict], tolerance_s: float = MATCH_TOLERANCE_S
) -> SpotVerdict | None:
    """The image's verdict on this reach: one whose lowest point lies within the reach (from going down to
    coming up, with a tolerance), the nearest to the reach's own lowest point."""
    start_s = reach.heights[0][1] - tolerance_s
    end_s = (reach.rise_time_s if reach.rise_time_s is not None else reach.heights[-1][1]) + tolerance_s
    near = [v for v in verdicts if start_s <= v.low_time_s <= end_s]
    return min(near, key=lambda v: abs(v.low_time_s - reach.low_time_s)) if near else None


def infer_load(
    times_s: Sequence[float],
    hand_height_rel: Sequence[float | None],
    hands_separation_rel: Sequence[float | None],
    cfg: LoadConfig,
    mode: str,
    verdicts: Sequence[SpotVerdict] | None = None,
    load_known: bool = False,
) -> LoadInference:
    """Load state of a whole clip: `LoadTracker` with every verdict known, each change dated at its reach.

    `mode` is one of LOAD_MODES; `verdicts` None: no image evidence (the hands' motion decides).
    """
    tracker = LoadTracker(cfg, image_evidence=verdicts is not None, load_known=load_known)
    known = list(verdicts or ())
    for index, time_s in enumerate(times_s):
        tracker.update(index, time_s, hand_height_rel[index], hands_separation_rel[index], known)
    if times_s:
        tracker.finish(len(times_s) - 1, times_s[-1], known)
    changes = tuple(tracker.changes)
    spans = _lift_spans(changes, len(times_s))
    inferred = [False] * len(times_s)
    for first, last in spans:
        inferred[first:last + 1] = [True] * (last + 1 - first)
    undecided = mode == "auto" and hands_held_up_at_start(times_s, hand_height_rel, cfg)
    return LoadInference(mode, tuple(held_in_mode(mode, inferred)), changes, spans, undecided)


# The first this many seconds of measured hand heights tell how the clip starts.
START_WINDOW_S = 1.0


def hands_held_up_at_start(times_s: Sequence[float], hand_height_rel: Sequence[float | None], cfg: LoadConfig) -> bool:
    """Whether the hands are held up in front when the clip starts (median height over its first
    START_WINDOW_S at least `cfg.held_up_hand_height_rel`): a carry filmed mid-way may show nothing else.

    Posture alone decides no load: this only says the load state at the start cannot be told.
    """
    measured = [(time_s, height) for time_s, height in zip(times_s, hand_height_rel, strict=True) if _known(height)]
    if not measured:
        return False
    first_s = measured[0][0]
    start = sorted(height for time_s, height in measured if time_s - first_s <= START_WINDOW_S)
    return start[len(start) // 2] >= cfg.held_up_hand_height_rel


def held_in_mode(mode: str, inferred: Sequence[bool]) -> list[bool]:
    """The per-frame load state the mode says: the inferred one in "auto", else declared."""
    if mode == "auto":
        return list(inferred)
    return [mode == "throughout"] * len(inferred)


def _lift_spans(changes: Sequence[LoadChange], frame_count: int) -> tuple[tuple[int, int], ...]:
    """(pick-up row, put-down row) pairs; an open pick-up runs to the last frame."""
    spans, start = [], None
    for change in changes:
        if change.kind == PICK_UP:
            start = change.index
        elif start is not None:
            spans.append((start, change.index))
            start = None
    if start is not None and frame_count:
        spans.append((start, frame_count - 1))
    return tuple(spans)


# ----- image evidence ------------------------------------------------------------------------------

THUMB_WIDTH_PX = 192
# In the image the hands reach down below this height above the ankles, in hip-to-ankle lengths (arms
# hanging: ~0.95; the grips of a box on the floor ~0.45, on an 18 cm platform ~0.65).
IMAGE_LOW_HAND_RATIO = 0.8
# The person's limbs are left out of the comparison as lines this wide (leg lengths).
LIMB_WIDTH_LEG_RATIO = 0.1
# A patch is compared only when at least this share of it shows something other than the person.
MIN_USABLE_SHARE = 0.3
_HANDS = (L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_INDEX, L.RIGHT_INDEX, L.LEFT_PINKY, L.RIGHT_PINKY)
_LIMBS = ((L.LEFT_HIP, L.LEFT_KNEE), (L.LEFT_KNEE, L.LEFT_ANKLE), (L.RIGHT_HIP, L.RIGHT_KNEE),
          (L.RIGHT_KNEE, L.RIGHT_ANKLE), (L.LEFT_ANKLE, L.LEFT_FOOT_INDEX), (L.RIGHT_ANKLE, L.RIGHT_FOOT_INDEX),
          (L.LEFT_SHOULDER, L.LEFT_ELBOW), (L.LEFT_ELBOW, L.LEFT_WRIST), (L.RIGHT_SHOULDER, L.RIGHT_ELBOW),
          (L.RIGHT_ELBOW, L.RIGHT_WRIST), (L.LEFT_SHOULDER, L.LEFT_HIP), (L.RIGHT_SHOULDER, L.RIGHT_HIP),
          (L.LEFT_WRIST, L.LEFT_INDEX), (L.LEFT_WRIST, L.LEFT_PINKY), (L.RIGHT_WRIST, L.RIGHT_INDEX),
          (L.RIGHT_WRIST, L.RIGHT_PINKY))


@dataclass
class _Snapshot:
    thumb: np.ndarray
    person: np.ndarray  # bool mask of the person's limbs (thumbnail pixels)


@dataclass
class _ImageReach:
    before: _Snapshot
    low_time_s: float
    low_height: float
    spot: tuple[int, int, int, int]  # thumbnail pixels x0, y0, x1, y1
    rise_time_s: float | None = None


class SpotWatcher:
    """Image evidence at each reach (a per-frame observer: `observe(rgb, pose, index, time_s)`).

    Follows the hands in the image (their height above the ankles against the longest hip-to-ankle
    length seen), keeps a small copy of the last frame before the hands went down, marks the patch
    under and between the hands at their lowest point, and once the hands are back up compares that
    patch with the copy, leaving out the person's limbs in either frame. Verdicts land in `verdicts`.
    """

    def __init__(self, cfg: LoadConfig) -> None:
        self._cfg = cfg
        self.verdicts: list[SpotVerdict] = []
        self._leg_px = 0.0
        self._last_up: tuple[np.ndarray, PoseFrame] | None = None  # copied only when a reach starts
        self._reach: _ImageReach | None = None

    def observe(self, rgb: np.ndarray, pose: PoseFrame | None, index: int, time_s: float) -> None:
        """Look at one frame and the pose found in it (None: nobody)."""
        if pose is None or rgb.ndim != 3:
            return
        height = self._hand_height(pose)
        if height is None:
            return
        cfg, reach = self._cfg, self._reach
        if reach is None:
            if height >= IMAGE_LOW_HAND_RATIO:
                self._last_up = (rgb, pose)
            else:  # low from the first frame on: the reach began before the view, compare with this frame
                before = _snapshot(*(self._last_up or (rgb, pose)))
                self._reach = _ImageReach(before, time_s, height, _spot(pose, before.thumb.shape, self._leg_px))
            return
        if reach.rise_time_s is None:
            if height < reach.low_height:
                reach.low_time_s, reach.low_height = time_s, height
                reach.spot = _spot(pose, reach.before.thumb.shape, self._leg_px)
            elif height >= reach.low_height + cfg.rise_leg_ratio:
                reach.rise_time_s = time_s
            return
        settled = height >= IMAGE_LOW_HAND_RATIO or time_s - reach.rise_time_s >= cfg.verdict_wait_s / 2
        if settled:
            self.verdicts.append(self._compare(reach, _snapshot(rgb, pose), time_s))
            self._reach, self._last_up = None, (rgb, pose)

    def _hand_height(self, pose: PoseFrame) -> float | None:
        """Hands' height above the ankles in the image, in the longest leg (thigh + shank) seen so far."""
        xy = pose.image_xy_px
        leg_px = _leg_px(xy)
        if leg_px is None:
            return None
        self._leg_px = max(self._leg_px, leg_px)
        ankles = np.nanmax(xy[[L.LEFT_ANKLE, L.RIGHT_ANKLE], 1])
        wrists = xy[[L.LEFT_WRIST, L.RIGHT_WRIST], 1]
        if self._leg_px <= 1.0 or not np.isfinite(wrists).any():
            return None
        return float((ankles - np.nanmean(wrists)) / self._leg_px)

    def _compare(self, reach: _ImageReach, after: _Snapshot, time_s: float) -> SpotVerdict:
        """Changed: the patch under the hands, or one of its neighbours on either side at the same height
        (a bar's plates, the ends of a long load lie beside the hands), changed. Unchanged: none did and
        the patch itself could be seen."""
        x0, y0, x1, y1 = reach.spot
        width = x1 - x0
        at_hands = self._changed_share(reach.before, after, (x0, y0, x1, y1))
        beside = [self._changed_share(reach.before, after, (x0 + dx, y0, x1 + dx, y1)) for dx in (-width, width)]
        seen = [share for share in (at_hands, *beside) if share is not None]
        if seen and max(seen) >= self._cfg.changed_share:
            return SpotVerdict(reach.low_time_s, time_s, True, max(seen))
        if at_hands is None:
            return SpotVerdict(reach.low_time_s, time_s, None, None)
        return SpotVerdict(reach.low_time_s, time_s, False, at_hands)

    def _changed_share(self, before: _Snapshot, after: _Snapshot, box: tuple[int, int, int, int]) -> float | None:
        """Share of the pixels in `box` that changed, leaving out the person in either frame; None when
        less than MIN_USABLE_SHARE of the box shows anything but the person (or it lies outside the frame)."""
        x0, y0, x1, y1 = max(0, box[0]), box[1], min(before.thumb.shape[1], box[2]), box[3]
        usable = ~(before.person | after.person)[y0:y1, x0:x1]
        if usable.size == 0 or usable.mean() < MIN_USABLE_SHARE:
            return None
        moved = np.abs(before.thumb[y0:y1, x0:x1].astype(np.int16) - after.thumb[y0:y1, x0:x1].astype(np.int16))
        return float((moved.max(axis=2) > self._cfg.pixel_change_level)[usable].mean())


def _leg_px(xy: np.ndarray) -> float | None:
    """The longer leg in the image, thigh plus shank (pixels): a crouched leg keeps its length."""
    sides = ((L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE), (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE))
    legs = [float(np.linalg.norm(xy[hip] - xy[knee]) + np.linalg.norm(xy[knee] - xy[ankle]))
            for hip, knee, ankle in sides]
    finite = [leg for leg in legs if math.isfinite(leg)]
    return max(finite) if finite else None


def _thumb_factor(width_px: int) -> int:
    """The whole-number factor a frame this wide is shrunk by (to about THUMB_WIDTH_PX)."""
    return max(1, math.ceil(width_px / THUMB_WIDTH_PX))


def _snapshot(rgb: np.ndarray, pose: PoseFrame) -> _Snapshot:
    """A small copy of the frame (block means, which also smooth it) and a mask of the person's limbs in it.

    numpy rather than OpenCV's resize or blur: those run on OpenCV's thread pool, which deadlocks in a
    process forked from one that used it (posecheck batch's Dask workers are spawned, but a caller may fork).
    """
    factor = _thumb_factor(rgb.shape[1])
    height, width = rgb.shape[0] // factor, rgb.shape[1] // factor
    blocks = rgb[: height * factor, : width * factor].reshape(height, factor, width, factor, 3)
    thumb = blocks.mean(axis=(1, 3)).astype(np.uint8)
    person = np.zeros(thumb.shape[:2], np.uint8)
    xy = pose.image_xy_px / factor
    leg_px = max(_leg_px(xy) or 1.0, 1.0)
    thickness = max(2, round(LIMB_WIDTH_LEG_RATIO * leg_px))
    for a, b in _LIMBS:
        if np.all(np.isfinite(xy[[a, b]])):
            cv2.line(person, tuple(np.round(xy[a]).astype(int)), tuple(np.round(xy[b]).astype(int)), 1, thickness)
    return _Snapshot(thumb, person.astype(bool))


def _spot(pose: PoseFrame, thumb_shape: tuple[int, ...], leg_px: float) -> tuple[int, int, int, int]:
    """The patch under and between the hands (thumbnail pixels): where a load they reach for would be,
    from just above the hands down past the ankles (a load on the floor in front of the feet shows
    lower in the image than the feet)."""
    scale = 1.0 / _thumb_factor(pose.width_px)
    hands = pose.image_xy_px[list(_HANDS)]
    hands = hands[np.all(np.isfinite(hands), axis=1)] * scale
    margin = 0.2 * leg_px * scale
    ankles_y = pose.image_xy_px[[L.LEFT_ANKLE, L.RIGHT_ANKLE], 1] * scale
    x0, y0 = hands.min(axis=0) - [margin, margin * 0.5]
    x1 = hands.max(axis=0)[0] + margin
    y1 = max(hands.max(axis=0)[1] + margin * 2.0, *(ankles_y[np.isfinite(ankles_y)] + margin))
    height, width = thumb_shape[:2]
    return (int(np.clip(x0, 0, width)), int(np.clip(y0, 0, height)),
            int(np.clip(x1, 0, width)), int(np.clip(y1, 0, height)))
