"""The printable audit report of one analysis (PDF): what safety staff file or hand on.

Built from an analysis' files (report.json, metrics.csv, events/*.jpg) with fpdf2 (pure Python) and
matplotlib (the angle chart); fonts are the DejaVu faces matplotlib ships, so every page prints the
same on any machine. Every piece of advice is the guide's (posecheck.advice), every score states its
assumptions, and the report says that it does not diagnose, with the guide's red flags.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import matplotlib
from fpdf import FPDF
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from posecheck import __version__
from posecheck.advice import ADVICE, DISCLAIMER, RED_FLAGS
from posecheck.config import RulesConfig
from posecheck.errors import OutputError, ReportFormatError
from posecheck.outputs.files import TWIST_CONFIDENCE_COLUMN, MetricsColumns, read_metrics_csv, read_report, write_atomic
from posecheck.outputs.layout import CSV_NAME, PDF_NAME, REPORT_NAME
from posecheck.outputs.manifest import (
    exclusive_lock,
    file_digest,
    own_files,
    read_manifest,
    refuse_foreign,
    write_manifest,
)
from posecheck.outputs.report_model import (
    HandPosition,
    LoadSummary,
    NioshLift,
    NioshSummary,
    RebaSummary,
    Reliability,
    Report,
    ReportEvent,
    ReportSummary,
    ViewSummary,
)
from posecheck.wording import (
    GUIDE_TITLE,
    format_drivers,
    format_local_time,
    format_time_share,
    niosh_task_words,
    peak_phrase,
    plural,
    reba_outside_flags,
    reba_risk_words,
)

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
TEXT_MM = 4.6  # line height of body text
IMAGE_WIDTH_MM = 70
CHART_METRICS = {"trunk_flexion_deg": ("back bent forward", "#1f77b4"), "knee_flexion_deg": ("knees bent", "#2ca02c"),
                 "torso_twist_deg": ("twist", "#9467bd")}
FLAG_COLOUR = "#d62728"
NOT_JUDGED_COLOUR = "#7f7f7f"  # twist the rule does not judge (seen near side-on), as in the app
WARN_RGB = (200, 30, 30)
GREY_RGB = (90, 90, 90)
METHODS = (
    "REBA: Hignett S, McAtamney L. Rapid Entire Body Assessment. Applied Ergonomics 31 (2000) 201-205.",
    "NIOSH: Waters TR et al. Revised NIOSH equation for the design and evaluation of manual lifting tasks. "
    "Ergonomics 36 (1993) 749-776; Applications Manual (1994).",
    "Prolonged trunk flexion: ISO 11226 / EN 1005-4 (20-60° acceptable only for limited holding time).",
)


@dataclass(frozen=True)
class ReportContext:
    """What the analysis files do not say: the video's name as the user knows it, when, in which time zone."""

    source_name: str
    analysed_at: str  # ISO 8601
    zone: tzinfo
    session_label: str = ""


def read_result(directory: Path) -> tuple[Report, MetricsColumns]:
    """The report and metrics.csv's charted columns of an analysis directory; OutputError if unreadable."""
    try:
        report = read_report(directory / REPORT_NAME)
    except ReportFormatError:
        raise
    except OutputError as error:
        raise OutputError(f"{directory} holds no readable posecheck report ({REPORT_NAME}): {error.__cause__}") \
            from error
    try:
        columns = read_metrics_csv(directory / CSV_NAME)
    except (OSError, ValueError):
        columns = MetricsColumns()  # the chart is left out; the rest of the report stands
    return report, columns


def build_pdf(directory: Path, context: ReportContext) -> bytes:
    """The audit report of the analysis in `directory`, as PDF bytes."""
    report, columns = read_result(directory)
    pdf = _AuditPdf(context.source_name)
    _title_page(pdf, report, context)
    _chart(pdf, columns, report.events)
    _events(pdf, directory, report.events, report.summary.view)
    _risk_scores(pdf, report.summary, [(event.start_s, event.end_s) for event in report.events])
    _about(pdf)
    return bytes(pdf.output())


class _AuditPdf(FPDF):
    """A4 pages with the DejaVu fonts and a footer naming the video and the page."""

    def __init__(self, source_name: str) -> None:
        super().__init__(format="A4")
        self.source_name = source_name
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.set_auto_page_break(True, margin=16)
        self.set_margins(16, 14, 16)
        self.set_title("Lifting technique assessment")
        self.set_creator(f"posecheck {__version__}")
        self.add_page()

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*GREY_RGB)
        self.cell(0, 4, f"posecheck {__version__} · {self.source_name} · checks technique, does not diagnose · "
                        f"page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: float = 13, keep_with_mm: float = 30) -> None:
        """A heading, on a new page unless `keep_with_mm` of what follows fits under it."""
        if self.get_y() > self.page_break_trigger - keep_with_mm:
            self.add_page()
        self.ln(2)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)
        self.set_font(FONT, "", 9.5)

    def para(self, text: str, size: float = 9.5, style: str = "", colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, TEXT_MM * size / 9.5, text, markdown=True, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, "", 9.5)

    def bullets(self, items: list[str], size: float = 9.5) -> None:
        for item in items:  # text from the analysis, shown as written (no markdown)
            self.set_font(FONT, "", size)
            self.cell(5, TEXT_MM * size / 9.5, "•")
            self.multi_cell(0, TEXT_MM * size / 9.5, item, new_x="LMARGIN", new_y="NEXT")

    def fields(self, rows: list[tuple[str, str]], label_mm: float = 48) -> None:
        for label, value in rows:
            self.set_font(FONT, "B", 9.5)
            self.cell(label_mm, TEXT_MM + 1, label)
            self.set_font(FONT, "", 9.5)
            self.multi_cell(0, TEXT_MM + 1, value, new_x="LMARGIN", new_y="NEXT")


def _title_page(pdf: _AuditPdf, report: Report, context: ReportContext) -> None:
    summary, video = report.summary, report.video
    pdf.set_font(FONT, "B", 19)
    pdf.cell(0, 10, "Lifting technique assessment", new_x="LMARGIN", new_y="NEXT")
    pdf.para(DISCLAIMER, 8.5, colour=GREY_RGB)
    pdf.ln(2)
    pdf.heading("What was assessed", 12)
    pdf.fields([
        ("Video", context.source_name + (f" ({context.session_label})" if context.session_label else "")),
        ("Analysed", format_local_time(context.analysed_at, context.zone)),
        ("Length", f"{video.duration_s:.1f} s, {video.fps:.3g} frames/s, {video.width}×{video.height} px"),
        ("Person in view", f"{100 * summary.pose_detected_ratio:.0f}% of {summary.frames_analysed} frames"),
        ("Faces", "blurred in the images" if summary.settings and summary.settings.blur_faces
         else "not blurred (analysed without blurring)"),
        ("Report made", format_local_time(datetime.now().astimezone().isoformat(), context.zone)),
    ])
    pdf.heading("To fill in by hand", 10)
    pdf.fields([("Person assessed", "_" * 50), ("Task and workplace", "_" * 50), ("Assessed by", "_" * 50),
                ("Date and signature", "_" * 50)])
    pdf.heading("Result", 12)
    verdict_colour = WARN_RGB if summary.events_total else (30, 120, 50)
    pdf.para(f"**{summary.verdict}**", 11, colour=verdict_colour)
    counted = {rule: count for rule, count in summary.events_by_rule.items() if count}
    lines = [f"{ADVICE[rule].title}: {plural(count, 'event')}" for rule, count in counted.items()]
    pdf.bullets([plural(summary.lifts_counted, "lift") + " counted", *lines])
    _view(pdf, summary.view, summary.notes)
    _load(pdf, summary.load)


def _view(pdf: _AuditPdf, view: ViewSummary | None, notes: tuple[str, ...]) -> None:
    pdf.heading("What the camera showed", 12)
    findings = view.findings if view else ()
    if view is None:
        pdf.para("Not recorded for this analysis.")
    elif not findings:
        pdf.para("The whole body was in view and every rule could judge.")
    pdf.bullets([finding.message for finding in findings] + list(notes))


def _load(pdf: _AuditPdf, load: LoadSummary | None) -> None:
    if load is None:
        return
    lines = [f"{change.kind} at {change.time_s:.1f} s: {change.evidence}" for change in load.changes]
    if load.put_down_not_in_view:
        lines.append("the last put-down is not in view: that lift ends at the end of the video")
    if load.start_not_inferred:
        lines.append("not inferred at the start: the hands were held up in front with no pick-up in view; counted "
                     "as not held")
    pdf.heading("The load", 12)
    pdf.bullets(lines or ["no pick-up seen"])


def _chart(pdf: _AuditPdf, columns: MetricsColumns, events: tuple[ReportEvent, ...]) -> None:
    if not columns.time_s:
        return
    width_in, height_in = 7.2, 2.6
    pdf.heading("Angles over time", 12, keep_with_mm=pdf.epw * height_in / width_in + 8)
    figure = Figure(figsize=(width_in, height_in), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for event in events:
        axes.axvspan(event.start_s, event.end_s, color=FLAG_COLOUR, alpha=0.18, lw=0)
    twist_confidence = columns.numbers(TWIST_CONFIDENCE_COLUMN)
    for name, (label, colour) in CHART_METRICS.items():
        values = [float("nan") if value is None else value for value in columns.numbers(name)]
        if name == "torso_twist_deg" and any(confidence is not None for confidence in twist_confidence):
            judged = [(confidence or 0.0) >= RulesConfig().twist_min_confidence for confidence in twist_confidence]
            axes.plot(columns.time_s, [v if not ok else float("nan") for v, ok in zip(values, judged, strict=True)],
                      label="twist (not judged)", color=NOT_JUDGED_COLOUR, lw=1.0, ls="--")
            values = [v if ok else float("nan") for v, ok in zip(values, judged, strict=True)]
        axes.plot(columns.time_s, values, label=label, color=colour, lw=1.2)
    axes.set_xlabel("time (s)")
    axes.set_ylabel("angle (°)")
    axes.grid(alpha=0.3)
    figure.legend(loc="outside lower center", fontsize=7, ncols=4, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pdf.image(buffer, w=pdf.epw)
    pdf.para("Shaded: the flagged events (red). Grey dashed: twist seen near side-on, which the twist rule does "
             "not judge.", 8, colour=GREY_RGB)


def _events(pdf: _AuditPdf, directory: Path, events: tuple[ReportEvent, ...], view: ViewSummary | None) -> None:
    pdf.heading(f"Events ({len(events)})", 13)
    if not events:
        pdf.para("No event: none of the checked lifting faults was seen.")
        return
    for number, event in enumerate(events, start=1):
        reliability = view.reliability_of(event.rule, event.start_frame) if view else None
        _event(pdf, directory, number, event, reliability)


def _event(pdf: _AuditPdf, directory: Path, number: int, event: ReportEvent, reliability: Reliability | None) -> None:
    advice = ADVICE[event.rule]
    image = directory / event.image if event.image else None
    height = _image_height_mm(image) if image and image.is_file() else 0.0
    if pdf.get_y() + max(height, 40) > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 6, f"{number}. {advice.title} ({event.severity})", new_x="LMARGIN", new_y="NEXT")
    top_of_body = pdf.get_y()
    if height:
        pdf.image(str(image), x=pdf.l_margin, y=top_of_body, w=IMAGE_WIDTH_MM)
    left = pdf.l_margin + (IMAGE_WIDTH_MM + 5 if height else 0)
    pdf.set_left_margin(left)
    pdf.set_xy(left, top_of_body)
    lines = [
        f"**When:** {event.start_s:.1f}–{event.end_s:.1f} s ({event.end_s - event.start_s:.1f} s); "
        f"worst at {event.peak_s:.1f} s (the picture)",
        f"**Measured:** {peak_phrase(event.metric, event.peak_value)} ({event.metric})",
    ]
    if reliability is not None:
        notes = "; ".join(reliability.notes) or "no caveat"
        lines.append(f"**Reliability:** {reliability.score:.2f} (mean confidence of the measurement): {notes}")
    lines.append(f"**What to do:** {advice.message}")
    for line in lines:
        pdf.para(line, 9)
    pdf.para(f"Source: {advice.source}", 7.5, "I", GREY_RGB)
    pdf.set_left_margin(16)
    pdf.set_y(max(pdf.get_y(), top_of_body + height) + 4)
    if pdf.get_y() < top:  # the text ran onto a new page
        pdf.set_x(pdf.l_margin)


def _image_height_mm(path: Path) -> float:
    with Image.open(path) as image:
        width, height = image.size
    return IMAGE_WIDTH_MM * height / width


def _risk_scores(pdf: _AuditPdf, summary: ReportSummary, spans: list[tuple[float, float]]) -> None:
    pdf.heading("Risk scores", 13)
    pdf.para("REBA (Rapid Entire Body Assessment) scores the whole-body posture of each frame from 1 to 15; the "
             "revised NIOSH lifting equation gives each lift a recommended weight limit (RWL) and, with the load "
             "weight, a lifting index (LI = load / RWL). Screening methods, not a diagnosis.", 8.5, colour=GREY_RGB)
    if summary.reba is None and summary.niosh is None:
        pdf.para("No risk scores: this analysis was made before REBA and NIOSH were added.")
        return
    _reba(pdf, summary.reba, spans)
    _niosh(pdf, summary.niosh)


def _reba(pdf: _AuditPdf, reba: RebaSummary | None, spans: list[tuple[float, float]]) -> None:
    pdf.heading("REBA: whole-body posture", 11)
    worst = reba.worst if reba else None
    if reba is None or worst is None:
        pdf.para("No frame could be scored: REBA needs the trunk and knee angles (whole body in view, side-on).")
        return
    pdf.para(f"**Worst score {worst.score} of 15 ({worst.risk} risk) at {worst.time_s:.1f} s:** "
             f"{reba_risk_words(worst.risk)} (action level {worst.action_level}: {worst.action}).")
    if reba_outside_flags(reba, spans):
        pdf.para("This worst moment is outside the flagged events: REBA rates the whole body's posture in every "
                 "frame, not lifting technique, so it can peak where no rule warns.", 8.5, colour=GREY_RGB)
    if worst.drivers:
        pdf.para(f"Driven by: {format_drivers(worst.drivers)}.")
    pdf.para(f"Time at each risk level: {format_time_share(reba.time_share_by_risk)} "
             f"({reba.frames_scored} frames scored).")
    pdf.para("**Assumptions**", 9)
    pdf.bullets(list(reba.assumptions), 8.5)


def _niosh(pdf: _AuditPdf, niosh: NioshSummary | None) -> None:
    pdf.heading("NIOSH lifting equation", 11)
    if niosh is None:
        pdf.para("No NIOSH assessment for this analysis.")
        return
    pdf.para("**Assumed for this result:** " + " · ".join(niosh_task_words(niosh)) + ".")
    if not niosh.lifts:
        pdf.para("No lift found: no pick-up was seen (the hands going down to a load and coming up with it).")
    else:
        _lifts_table(pdf, niosh.lifts, niosh.load_kg)
    for lift in niosh.lifts:
        if lift.limiting_factors:
            pdf.para(f"**Lift {lift.lift}** is limited at its {lift.governing_end} by:", 9)
            pdf.bullets(list(lift.limiting_factors), 8.5)
    pdf.para("**Assumptions**", 9)
    pdf.bullets(list(niosh.assumptions), 8.5)


def _lifts_table(pdf: _AuditPdf, lifts: tuple[NioshLift, ...], load_kg: float | None) -> None:
    pdf.set_font(FONT, "", 8.5)
    headings = ("Lift", "Time (s)", "Hands at pick-up (H, V)", "Hands at put-down (H, V)", "Travel", "RWL", "LI")
    with pdf.table(col_widths=(9, 18, 32, 32, 15, 16, 22), text_align="LEFT", line_height=5) as table:
        table.row(headings)
        for lift in lifts:
            index = "give the load" if load_kg is None else (
                "—" if lift.lifting_index is None else f"{lift.lifting_index:.2f} ({lift.risk_band})")
            table.row((
                str(lift.lift), f"{lift.start_s:.1f}–{lift.end_s:.1f}",
                _position(lift.origin), _position(lift.destination), f"{lift.d_cm:.0f} cm",
                f"{lift.rwl_kg:.1f} kg", index,
            ))
    pdf.set_font(FONT, "", 9.5)
    pdf.ln(1)


def _position(position: HandPosition) -> str:
    return f"{position.h_cm:.0f} cm out, {position.v_cm:.0f} cm up"


def _about(pdf: _AuditPdf) -> None:
    pdf.heading("About this report", 13)
    pdf.para(f"**{DISCLAIMER}**")
    pdf.para("**Red flags: seek medical care** (at once for the first) if back pain comes with:")
    pdf.bullets(list(RED_FLAGS))
    pdf.para(f"Advice and red flags: {GUIDE_TITLE}, shipped with posecheck. Scores:", 8.5, colour=GREY_RGB)
    pdf.bullets(list(METHODS), 8)
    pdf.para("Angles come from a single camera and a pose model: they are estimates; the camera findings above "
             "say what the view kept from being judged.", 8.5, colour=GREY_RGB)


def context_of_result(directory: Path, report: Report) -> ReportContext:
    """The report context of a result directory: the video's file name, report.json's time, this machine's zone."""
    analysed = datetime.fromtimestamp((directory / REPORT_NAME).stat().st_mtime).astimezone()
    return ReportContext(Path(report.video.path).name, analysed.isoformat(), analysed.tzinfo or UTC)


def write_result_pdf(directory: Path, output: Path | None = None) -> Path:
    """Write the audit report of the result in `directory` to `output` (default DIRECTORY/report.pdf).

    Inside the result directory the PDF is recorded in its manifest, and an existing report.pdf is replaced
    only if posecheck wrote it; elsewhere an existing file is never replaced. Returns the path written.
    """
    directory = Path(directory)
    report, _ = read_result(directory)
    target = Path(output) if output is not None else directory / PDF_NAME
    data = build_pdf(directory, context_of_result(directory, report))
    if target.resolve().parent == directory.resolve() and target.name == PDF_NAME:
        with exclusive_lock(directory):
            manifest = read_manifest(directory) or {}
            own = own_files(directory, manifest)
            refuse_foreign(directory, [PDF_NAME], own)
            write_atomic(target, lambda file: file.write(data), mode="wb")
            write_manifest(directory, {**manifest, PDF_NAME: {file_digest(target)}})
    else:
        if target.exists() or target.is_symlink():
            raise OutputError(f"{target} exists: posecheck does not replace a file it did not write; choose another -o")
        write_atomic(target, lambda file: file.write(data), mode="wb")
    return target
