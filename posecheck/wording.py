"""Worker-facing words for what posecheck measured: metric names as people say them, values with units,
times in the reader's time zone. Shared by the web app and the printable audit report.

The guide's own text ships with the package (GUIDE_PATH) so that every page and report can cite it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from posecheck.ergonomics.reba import RiskLevel
from posecheck.outputs.report_model import NioshSummary, RebaDriver, RebaSummary

GUIDE_FILE_NAME = "back-spasm-guide.txt"
GUIDE_TITLE = "Back spasms: relief, triggers and prevention (the project's source guide)"

# What each measured value is, as a worker would say it (metric ids stay in the staff details).
METRIC_PLAIN_NAMES = {
    "trunk_flexion_deg": "back bent forward",
    "knee_flexion_deg": "knees bent",
    "hip_flexion_deg": "hips bent",
    "torso_twist_deg": "twist between shoulders and hips",
    "hand_distance_rel": "hands' distance in front of the feet",
    "stance_width_rel": "feet apart",
    "hands_separation_rel": "hands apart",
}
# The reference length of a ratio metric (REL = relative to a body length).
_SHOULDER_WIDTH_METRICS = ("stance_width_rel", "hands_separation_rel")
REBA_WORKSHEET_TEXT = {level.label: level.worksheet_text for level in RiskLevel}
REBA_PART_WORDS = {"trunk": "back (trunk)", "lower_arm": "forearms", "upper_arm": "upper arms"}
COUPLING_WORDS = {"good": "good grip (handles, power grip)", "fair": "fair grip", "poor": "poor grip (no handles)"}
WORK_DURATION_WORDS = {"<=1h": "lifting up to 1 h per shift", "1-2h": "lifting 1–2 h per shift",
                       "2-8h": "lifting 2–8 h per shift"}


def guide_text() -> str:
    """The project's source guide (back-spasm-guide.txt), as shipped inside the package."""
    return resources.files("posecheck").joinpath("data", GUIDE_FILE_NAME).read_text(encoding="utf-8")


def guide_path() -> Path:
    """Where the shipped guide is on disk (for citing it)."""
    return Path(str(resources.files("posecheck").joinpath("data", GUIDE_FILE_NAME)))


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """'1 event', '2 events'."""
    return f"{count} {word if count == 1 else plural_word or word + 's'}"


def metric_name(metric: str) -> str:
    """A metric id in plain words ('trunk_flexion_deg' -> 'back bent forward')."""
    return METRIC_PLAIN_NAMES.get(metric, metric.replace("_", " "))


def format_value(metric: str, value: float) -> str:
    """A metric value with its unit: degrees, or a ratio of leg length / shoulder width."""
    if metric.endswith("_deg"):
        return f"{value:.0f}°"
    if not metric.endswith("_rel"):
        return f"{value:.2f}"
    reference = "shoulder width" if metric in _SHOULDER_WIDTH_METRICS else "leg length"
    return f"{value:.2f} × {reference}"


def peak_phrase(metric: str, value: float) -> str:
    """The worst value of an event in words, e.g. 'back bent forward 86°'."""
    return f"{metric_name(metric)} {format_value(metric, value)}"


def reader_zone(name: str | None) -> tzinfo:
    """The reader's time zone from its IANA name (the browser's); UTC when unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def format_local_time(created_at: str, zone: tzinfo) -> str:
    """An ISO 8601 time as 'YYYY-MM-DD HH:MM' in `zone`, with the zone's abbreviation."""
    moment = datetime.fromisoformat(created_at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip()


def reba_risk_words(risk: str) -> str:
    """The REBA employee assessment worksheet's sentence for a risk level."""
    return REBA_WORKSHEET_TEXT.get(risk, f"{risk} risk")


def format_drivers(drivers: Iterable[RebaDriver]) -> str:
    """REBA's driving body parts, e.g. 'back (trunk) 4 of 5 (84°), neck 2 of 3 (20°)'."""
    parts = []
    for driver in drivers:
        angle = f" ({driver.value_deg:.0f}°)" if driver.value_deg is not None else ""
        parts.append(f"{REBA_PART_WORDS.get(driver.part, driver.part.replace('_', ' '))} "
                     f"{driver.score} of {driver.max_score}{angle}")
    return ", ".join(parts)


def format_time_share(share_by_risk: dict[str, float]) -> str:
    """Share of the scored time per REBA risk level, e.g. 'negligible 28% · low 52%'."""
    return " · ".join(f"{label} {100 * share:.0f}%" for label, share in share_by_risk.items())


def niosh_task_words(niosh: NioshSummary) -> list[str]:
    """The task details the NIOSH result rests on, in plain words (load, grip, duration, frequency)."""
    load = "load weight not given: limit only, no lifting index" if niosh.load_kg is None \
        else f"load {niosh.load_kg:g} kg"
    frequency = f"{niosh.frequency_lifts_per_min:g} lifts per minute ({niosh.frequency_source})"
    return [
        load,
        COUPLING_WORDS.get(niosh.coupling, f"{niosh.coupling} grip"),
        WORK_DURATION_WORDS.get(niosh.work_duration, niosh.work_duration),
        frequency,
    ]


def reba_outside_flags(reba: RebaSummary | None, events: list[tuple[float, float]]) -> bool:
    """Whether the worst REBA moment falls outside every flagged span (start_s, end_s)."""
    worst = reba.worst if reba else None
    if worst is None or not events:
        return False
    return not any(start <= worst.time_s <= end for start, end in events)
