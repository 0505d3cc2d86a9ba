"""Worker-facing words: times in the reader's zone, values with units, the guide shipped in the package."""

from datetime import UTC

from posecheck.outputs.report_model import RebaDriver, RebaSummary, RebaWorst
from posecheck.wording import (
    format_drivers,
    format_local_time,
    guide_path,
    guide_text,
    metric_name,
    peak_phrase,
    plural,
    reader_zone,
    reba_outside_flags,
)


def test_times_are_shown_in_the_readers_zone() -> None:
    assert format_local_time("2026-11-29T10:11:00+00:00", reader_zone("Europe/Berlin")) == "2026-11-29 11:11 CET"
    assert format_local_time("2026-07-01T10:11:00+00:00", reader_zone("America/New_York")) == "2026-07-01 06:11 EDT"
    assert format_local_time("2026-11-29T10:11:00", reader_zone(None)) == "2026-11-29 10:11 UTC"


def test_an_unknown_zone_falls_back_to_utc() -> None:
    assert reader_zone("Not/AZone") is UTC and reader_zone("") is UTC


def test_values_are_said_in_words_with_units() -> None:
    assert peak_phrase("trunk_flexion_deg", 85.7) == "back bent forward 86°"
    assert peak_phrase("hand_distance_rel", 0.654) == "hands' distance in front of the feet 0.65 × leg length"
    assert peak_phrase("stance_width_rel", 0.5) == "feet apart 0.50 × shoulder width"
    assert metric_name("some_new_metric") == "some new metric"
    assert (plural(1, "event"), plural(3, "event")) == ("1 event", "3 events")
    assert format_drivers([RebaDriver(part="trunk", score=4, max_score=5, value_deg=63.6)]) == \
        "back (trunk) 4 of 5 (64°)"


def test_the_worst_reba_moment_is_checked_against_every_flagged_span() -> None:
    worst = RebaWorst(time_s=1.9, score=5, risk="medium", action_level=2)
    reba = RebaSummary(frames_scored=10, worst=worst, time_share_by_risk={"medium": 1.0})
    assert reba_outside_flags(reba, [(2.0, 3.5)])
    assert not reba_outside_flags(reba, [(0.5, 1.0), (1.5, 2.0)])
    assert not reba_outside_flags(reba, []) and not reba_outside_flags(None, [(0.0, 1.0)])


def test_the_guide_ships_inside_the_package() -> None:
    assert guide_path().parent.name == "data" and guide_path().parent.parent.name == "posecheck"
    text = guide_text()
    assert "Never twist the body while lifting or carrying a load" in text and "red flags" in text
