"""The names of the files an analysis writes into its output folder."""

from __future__ import annotations

from posecheck.rules import Event

REPORT_NAME = "report.json"
CSV_NAME = "metrics.csv"
VIDEO_NAME = "annotated.mp4"
EVENTS_DIR = "events"
PDF_NAME = "report.pdf"  # written later, by `posecheck report` or the app
STAGING_PREFIX = ".posecheck-partial-"  # hidden staging folders in the output folder
WORK_DIR_NAME = ".work"  # intermediate files, inside the staging folder
FIXED_OUTPUTS = (REPORT_NAME, CSV_NAME, VIDEO_NAME)


def event_image_name(event: Event) -> str:
    """File name of an event's peak-frame JPEG (in EVENTS_DIR)."""
    return f"{event.rule}_frame{event.peak_frame:06d}.jpg"


def event_image_path(event: Event) -> str:
    """An event's peak-frame JPEG relative to the output folder, as report.json names it."""
    return f"{EVENTS_DIR}/{event_image_name(event)}"
