"""The printable audit report (issue 17, item 9): what it says, that its pages render, and `posecheck report`.

The PDF's text is read and its pages are rendered to PNG with pypdfium2 (test-artifacts/report_page_N.png).
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from posecheck.advice import ADVICE, RED_FLAGS
from posecheck.audit_report import PDF_NAME, ReportContext, build_pdf
from posecheck.cli import main
from posecheck.config import Config
from posecheck.outputs.manifest import MANIFEST_NAME, read_manifest
from posecheck.pipeline import AnalysisSettings
from posecheck.run import analyze_to_dir
from posecheck.wording import reader_zone

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def result_dir(stoop_lift_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`posecheck analyze` output of the stoop lift (faces blurred)."""
    directory = tmp_path_factory.mktemp("result") / "out"
    analyze_to_dir(stoop_lift_video, directory, Config(), AnalysisSettings(blur_faces=True))
    return directory


def pdf_text(data: bytes) -> tuple[str, list[np.ndarray]]:
    """All pages' text (one string) and each page rendered to an RGB array."""
    document = pdfium.PdfDocument(data)
    texts, pages = [], []
    for page in document:
        texts.append(page.get_textpage().get_text_range())
        pages.append(np.asarray(page.render(scale=1.0).to_pil().convert("RGB")))
    return " ".join(" ".join(texts).split()), pages


def test_the_report_holds_what_safety_staff_file(result_dir: Path) -> None:
    context = ReportContext("warehouse lift.mp4", "2026-11-29T10:11:00+00:00", reader_zone("Europe/Berlin"),
                            "session #7, uploaded video")
    data = build_pdf(result_dir, context)
    assert data.startswith(b"%PDF")
    text, pages = pdf_text(data)
    report = json.loads((result_dir / "report.json").read_text())
    summary = report["summary"]

    ARTIFACTS.mkdir(exist_ok=True)
    for number, page in enumerate(pages, start=1):
        from PIL import Image

        Image.fromarray(page).save(ARTIFACTS / f"report_page_{number}.png")
        assert page.std() > 10, f"page {number} is blank"
    # Who, what, when: the video, the time in the reader's zone, fields to sign.
    assert "Lifting technique assessment" in text and "warehouse lift.mp4 (session #7, uploaded video)" in text
    assert "2026-11-29 11:11 CET" in text and "Assessed by" in text and "Person assessed" in text
    assert summary["verdict"] in text and "blurred in the images" in text
    for finding in summary["view"]["findings"]:
        assert " ".join(finding["message"].split()) in text
    # Each event: its picture, when, the value in words, the guide's advice and its source.
    assert report["events"], "the stoop lift has a bend_at_waist event"
    for event in report["events"]:
        advice = ADVICE[event["rule"]]
        assert advice.title in text and " ".join(advice.message.split()) in text
        assert f"{event['start_s']:.1f}–{event['end_s']:.1f} s" in text
    assert "back bent forward" in text and "°" in text and "back-spasm guide" in text
    images = sum(1 for page in pdfium.PdfDocument(data) for item in page.get_objects()
                 if item.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE)
    assert images == len(report["events"]) + 1  # the event pictures and the angle chart
    # REBA and NIOSH with every assumption; the grip and duration NIOSH took.
    for assumption in summary["reba"]["assumptions"] + summary["niosh"]["assumptions"]:
        assert " ".join(assumption.split()) in text, assumption
    assert "good grip" in text and "lifting up to 1 h per shift" in text
    assert f"Worst score {summary['reba']['worst']['score']} of 15" in text
    # The disclaimer with the guide's red flags.
    assert "does not diagnose" in text and all(flag in text for flag in RED_FLAGS)


def test_posecheck_report_writes_into_the_result_and_records_it(
    result_dir: Path, tmp_path: Path, stoop_lift_video: Path
) -> None:
    directory = tmp_path / "copy"
    shutil.copytree(result_dir, directory)

    assert main(["report", str(directory)]) == 0
    assert (directory / PDF_NAME).read_bytes().startswith(b"%PDF")
    assert PDF_NAME in read_manifest(directory)
    assert main(["report", str(directory)]) == 0  # its own earlier report is replaced

    other = tmp_path / "elsewhere.pdf"
    assert main(["report", str(directory), "-o", str(other)]) == 0 and other.read_bytes().startswith(b"%PDF")

    analyze_to_dir(stoop_lift_video, directory, Config(), overwrite=True)  # a new analysis: the old PDF is stale
    assert not (directory / PDF_NAME).exists() and PDF_NAME not in read_manifest(directory)


def test_posecheck_report_never_replaces_a_file_it_did_not_write(
    result_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "copy"
    shutil.copytree(result_dir, directory)
    (directory / PDF_NAME).write_bytes(b"someone's own report")
    elsewhere = tmp_path / "mine.pdf"
    elsewhere.write_bytes(b"mine")

    assert main(["report", str(directory)]) == 7
    assert main(["report", str(directory), "-o", str(elsewhere)]) == 7
    assert (directory / PDF_NAME).read_bytes() == b"someone's own report" and elsewhere.read_bytes() == b"mine"
    errors = capsys.readouterr().err
    assert "was not written by posecheck" in errors and "does not replace a file it did not write" in errors


def test_posecheck_report_of_a_folder_without_a_result_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path)]) == 7
    error = capsys.readouterr().err
    assert error.startswith("posecheck: error: ") and "no readable posecheck report" in error
    assert len(error.strip().splitlines()) == 1
    assert not (tmp_path / PDF_NAME).exists() and not (tmp_path / MANIFEST_NAME).exists()
