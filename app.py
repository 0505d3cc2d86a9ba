"""posecheck web app: check a lift live with the webcam, analyse an uploaded video, review the history.

Run with `streamlit run app.py`. The page only presents: analysis is done by posecheck.run (uploads)
and posecheck.live (webcam); sessions are kept by posecheck.store.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile
from streamlit_webrtc import webrtc_streamer

from posecheck.advice import ADVICE, DISCLAIMER, RED_FLAGS
from posecheck.audit_report import ReportContext, build_pdf
from posecheck.config import COUPLINGS, LOAD_MODES, WORK_DURATIONS, Config, ErgonomicsConfig, RulesConfig, validated
from posecheck.errors import ConfigError, NoPersonError, PosecheckError, ReportFormatError, VideoReadError
from posecheck.live import LiveStream, LiveUpdate
from posecheck.outputs.files import REBA_SCORE_COLUMN, TWIST_CONFIDENCE_COLUMN, MetricsColumns
from posecheck.outputs.report_model import (
    HandPosition,
    LoadSummary,
    NioshLift,
    NioshSummary,
    RebaSummary,
    Reliability,
    ViewSummary,
    WorstMoment,
)
from posecheck.pipeline import AnalysisSettings
from posecheck.report import twist_if_loaded_sentence
from posecheck.rules import RULE_IDS
from posecheck.run import analyze_to_dir
from posecheck.store import EventRecord, HistoryStore, SessionRecord, default_data_dir, upload_path
from posecheck.video import VIDEO_SUFFIXES
from posecheck.wording import (
    GUIDE_TITLE,
    format_drivers,
    format_local_time,
    format_time_share,
    format_value,
    guide_text,
    metric_name,
    niosh_task_words,
    peak_phrase,
    plural,
    reader_zone,
    reba_outside_flags,
    reba_risk_words,
)

PAGES = ("Live", "Upload", "Review", "Guide")
VIDEO_TYPES = [suffix.lstrip(".") for suffix in VIDEO_SUFFIXES]
DEFAULT_UPLOAD_LIMIT_MB = 200
LIVE_REFRESH_S = 0.25
MAX_CHART_POINTS = 2000
CHART_METRICS = {
    "trunk_flexion_deg": "Back bent forward",
    "knee_flexion_deg": "Knees bent",
    "torso_twist_deg": "Twist",
}
CHART_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd")  # blue, green, purple: apart from the red spans
# Twist the rule does not judge (seen near side-on): grey and dashed, unlike any judged angle.
LOW_CONFIDENCE_TWIST = "Twist (not judged)"
LOW_CONFIDENCE_TWIST_COLOUR = "#7f7f7f"
CHART_DASHES = ([1, 0], [1, 0], [1, 0], [6, 4])
SEVERITY_BADGE = {"high": ":red-badge[high]", "medium": ":orange-badge[medium]", "low": ":gray-badge[low]"}
EVENTS_PER_PAGE = 5
ERROR_HINTS = {
    VideoReadError: "Is it a video file? MP4 (H.264) from a phone or camera works best.",
    NoPersonError: "Film the whole body from the side, in good light, with one person in view.",
}
MAX_ERROR_MESSAGE_CHARS = 160
# Every ASCII punctuation character: Markdown (and Streamlit's :color[...], :emoji:, $LaTeX$) may read any.
MARKDOWN_SPECIAL = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
ZERO_WIDTH_SPACE = "\u200b"
COUPLING_LABELS = {"good": "good (handles, power grip)", "fair": "fair", "poor": "poor (no handles, awkward grip)"}
WORK_DURATION_LABELS = {"<=1h": "≤ 1 h", "1-2h": "1–2 h", "2-8h": "2–8 h"}
LOAD_MODE_LABELS = {"auto": "let posecheck decide", "throughout": "handling a load throughout", "none": "no load"}
REBA_COLOUR = "#ff7f0e"  # orange: apart from the angle lines and the red spans
RISK_BADGE = {
    "negligible": "gray", "low": "blue", "medium": "orange", "high": "red", "very high": "red",  # REBA
    "nominal": "green", "increased": "orange",  # NIOSH lifting index bands ("high" as above)
}
RISK_SCORES_CAPTION = (
    "REBA (Rapid Entire Body Assessment) scores the whole-body posture of each frame from 1 to 15. The revised "
    "NIOSH lifting equation gives each lift a recommended weight limit (RWL) and, with the load weight, a lifting "
    "index (LI = load / RWL). Both are screening methods for safety and physio staff, not a diagnosis."
)

logger = logging.getLogger(__name__)


# ----- shared helpers ------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def get_store(data_dir: str) -> HistoryStore:
    """The history store for `data_dir`, opened once per server process."""
    return HistoryStore(data_dir)


def upload_limit_mb() -> int:
    """The upload size limit in megabytes (server.maxUploadSize)."""
    return int(st.get_option("server.maxUploadSize") or DEFAULT_UPLOAD_LIMIT_MB)


def rule_title(rule: str) -> str:
    """Human title of a rule id."""
    return ADVICE[rule].title


def format_created(created_at: str) -> str:
    """An ISO 8601 time in the browser's time zone (UTC when the browser does not say)."""
    return format_local_time(created_at, reader_zone(st.context.timezone))


def escape_markdown(text: str) -> str:
    """`text` shown as itself wherever Streamlit renders Markdown: every punctuation character escaped.

    A colon also gets a zero-width space after it, so no `:name:` emoji code or `:red[...]` directive
    forms; line breaks become spaces.
    """
    escaped = "".join(f"\\{char}" if char in MARKDOWN_SPECIAL else char for char in " ".join(text.splitlines()))
    return escaped.replace("\\:", "\\:" + ZERO_WIDTH_SPACE)


def show_friendly_error(error: PosecheckError, what: str, replacements: dict[str, str]) -> None:
    """Show a PosecheckError as one friendly line (internal file paths replaced as in `replacements`)."""
    message = short_error_message(error, replacements)
    hint = next((text for kind, text in ERROR_HINTS.items() if isinstance(error, kind)), "")
    st.error(f"Could not analyse {escape_markdown(what)}: {escape_markdown(message)}. {hint}".strip())


def short_error_message(error: BaseException, replacements: dict[str, str]) -> str:
    """The first line of an error's message, internal paths replaced, cut to MAX_ERROR_MESSAGE_CHARS."""
    lines = str(error).strip().splitlines()
    message = lines[0] if lines else "no details"
    for internal, shown in replacements.items():
        message = message.replace(internal, shown)
    if len(message) > MAX_ERROR_MESSAGE_CHARS:
        message = message[: MAX_ERROR_MESSAGE_CHARS - 1] + "…"
    return message


def risk_badge(label: str | None) -> str:
    """A REBA risk level or NIOSH risk band as a coloured badge."""
    if not label:
        return ""
    return f":{RISK_BADGE.get(label, 'gray')}-badge[{label} risk]"


# ----- charts and summaries ----------------------------------------------------------------------


def metrics_chart(
    columns: MetricsColumns, events: tuple[EventRecord, ...],
    twist_min_confidence: float = RulesConfig().twist_min_confidence,
) -> alt.LayerChart | None:
    """Trunk flexion, knee flexion and twist (degrees) over time, flagged spans shaded by rule.

    Twist below `twist_min_confidence` (metrics.csv torso_twist_confidence) is drawn as its own pale
    line: the rule does not judge it. Frames without a value leave a gap.
    """
    if not columns.time_s:
        return None
    step = max(1, len(columns.time_s) // MAX_CHART_POINTS)
    frames = pd.DataFrame({"time_s": columns.time_s[::step]})
    for name, label in CHART_METRICS.items():
        frames[label] = pd.Series(columns.numbers(name)[::step], dtype=float)
    twist_confidence = columns.numbers(TWIST_CONFIDENCE_COLUMN)
    if any(value is not None for value in twist_confidence):
        low = pd.Series(twist_confidence[::step], dtype=float) < twist_min_confidence
        frames[LOW_CONFIDENCE_TWIST] = frames["Twist"].where(low)
        frames["Twist"] = frames["Twist"].where(~low)
    lines = frames.melt("time_s", var_name="angle", value_name="degrees")
    domain = [*CHART_METRICS.values(), LOW_CONFIDENCE_TWIST]
    line_chart = alt.Chart(lines).mark_line().encode(
        x=alt.X("time_s:Q", title="time (s)"),
        y=alt.Y("degrees:Q", title="angle (°)"),
        color=alt.Color("angle:N", title="Angle", scale=alt.Scale(
            domain=domain, range=[*CHART_COLOURS, LOW_CONFIDENCE_TWIST_COLOUR])),
        strokeDash=alt.StrokeDash("angle:N", legend=None, scale=alt.Scale(domain=domain, range=CHART_DASHES)),
    )
    return with_spans(line_chart, events, height=280)


def with_spans(line_chart: alt.Chart, events: tuple[EventRecord, ...], height: int) -> alt.LayerChart:
    """`line_chart` over the flagged spans (no empty 'Flagged' legend without events), legends below."""
    layers = [event_spans(events), line_chart] if events else [line_chart]
    return alt.layer(*layers).resolve_scale(color="independent").properties(height=height) \
        .configure_legend(orient="bottom", columns=3)


def event_spans(events: tuple[EventRecord, ...]) -> alt.Chart:
    """Flagged spans as shaded rectangles, coloured by rule."""
    spans = pd.DataFrame(
        [{"start_s": e.start_s, "end_s": e.end_s, "flag": rule_title(e.rule)} for e in events],
        columns=["start_s", "end_s", "flag"],
    )
    return alt.Chart(spans).mark_rect(opacity=0.25).encode(
        x="start_s:Q", x2="end_s:Q", color=alt.Color("flag:N", title="Flagged", scale=alt.Scale(scheme="reds"))
    )


def reba_chart(columns: MetricsColumns, events: tuple[EventRecord, ...]) -> alt.LayerChart | None:
    """The REBA score over time (metrics.csv reba_score), flagged spans shaded as in the angle chart."""
    scores = columns.numbers(REBA_SCORE_COLUMN)
    if not any(score is not None for score in scores):
        return None
    step = max(1, len(scores) // MAX_CHART_POINTS)
    frames = pd.DataFrame({"time_s": columns.time_s[::step], "REBA score": scores[::step]}).dropna()
    line_chart = alt.Chart(frames).mark_line(color=REBA_COLOUR).encode(
        x=alt.X("time_s:Q", title="time (s)"),
        y=alt.Y("REBA score:Q", title="REBA score (1–15)", scale=alt.Scale(domain=[1, 15])),
    )
    return with_spans(line_chart, events, height=220)


LOAD_UNDECIDED_CAVEAT = (
    "Twisting while holding a load was not judged: whether a load was already in the hands when the video "
    "starts could not be told (see Load). If one was, analyse again with 'handling a load throughout'."
)


def show_summary(record: SessionRecord) -> None:
    """Verdict, headline numbers, events by rule and worst moments of a session."""
    summary = record.report_summary
    if summary.events_total:
        st.warning(summary.verdict)
    elif summary.load is not None and summary.load.start_not_inferred:
        twists = summary.load.twists_if_loaded
        st.info(f"{summary.verdict} {LOAD_UNDECIDED_CAVEAT}"
                + "".join(twist_if_loaded_sentence(t.start_s, t.end_s, t.peak_deg) for t in twists))
    else:
        st.success(summary.verdict)
    show_view_findings(summary.view)
    lifts, events = st.columns(2)
    coverage, duration = st.columns(2)
    lifts.metric("Lifts counted", summary.lifts_counted)
    events.metric("Events", summary.events_total)
    coverage.metric("Frames with a person", f"{100 * summary.pose_detected_ratio:.0f}%")
    duration.metric("Duration", f"{record.summary.duration_s:.1f} s")
    show_load_changes(summary.load)
    by_rule = {rule: count for rule, count in summary.events_by_rule.items() if count}
    if by_rule:
        st.table(pd.DataFrame({"What was flagged": [rule_title(r) for r in by_rule], "Events": list(by_rule.values())}),
                 hide_index=True)
    show_worst_moments(summary.worst_moments, {event.rule: event.metric for event in record.events})


def show_worst_moments(worst: tuple[WorstMoment, ...], metric_of_rule: dict[str, str]) -> None:
    """The worst moments, each with its value in words where the rule's metric is known."""
    if not worst:
        return
    st.markdown("**Worst moments**")
    for moment in worst:
        metric = metric_of_rule.get(moment.rule, "")
        value = peak_phrase(metric, moment.peak_value) if metric else f"{moment.peak_value:.0f}"
        st.markdown(
            f"- {rule_title(moment.rule)} at {moment.peak_s:.1f} s: {value} {SEVERITY_BADGE.get(moment.severity, '')}"
        )


def show_load_changes(load: LoadSummary | None) -> None:
    """What the video showed about the load: the mode, and each pick-up and put-down with its evidence."""
    if load is None:
        return
    lines = [f"- {change.kind} at {change.time_s:.1f} s: {change.evidence}" for change in load.changes]
    if load.put_down_not_in_view:
        lines.append("- the last put-down is not in view: that lift ends at the end of the video")
    if load.start_not_inferred:
        lines.append("- not inferred at the start: the hands were held up in front with no pick-up in view (a "
                     "carry filmed mid-way?); counted as not held: choose 'handling a load throughout' if it was")
    st.markdown(f"**Load** ({LOAD_MODE_LABELS.get(load.mode, load.mode)})"
                + ("\n" + "\n".join(lines) if lines else ": no pick-up seen"))


def show_view_findings(view: ViewSummary | None) -> None:
    """What the camera showed and what could therefore not be judged (the report's summary.view)."""
    if view is None:
        return
    if not view.findings:
        st.caption("View: the whole body was in view and every rule could judge.")
        return
    st.markdown("**What the camera showed**")
    for finding in view.findings:
        st.info(finding.message, icon="📷")


def show_chart(store: HistoryStore, record: SessionRecord) -> None:
    """The angle chart of a session, if it has per-frame metrics."""
    chart = metrics_chart(store.load_frame_metrics(record.summary.id), record.events)
    if chart is None:
        st.info("No per-frame metrics for this session.")
    else:
        st.altair_chart(chart, width="stretch")


def session_pdf(record: SessionRecord) -> bytes:
    """The session's printable audit report (made when its download button is pressed)."""
    kind = "live webcam session" if record.summary.kind == "live" else "uploaded video"
    context = ReportContext(record.summary.source_name, record.summary.created_at, reader_zone(st.context.timezone),
                            f"session #{record.summary.id}, {kind}")
    return build_pdf(record.directory, context)


def show_report_download(store: HistoryStore, session_id: int) -> None:
    """The PDF report button of a saved session (nothing if it is no longer in the history)."""
    record = store.load_session(session_id)
    if record is not None:
        pdf_download_button(record)


def pdf_download_button(record: SessionRecord) -> None:
    """Download the session's audit report; the PDF is made when the button is pressed."""
    st.download_button(
        "Download the assessment report (PDF)", data=lambda: session_pdf(record), type="primary",
        file_name=f"posecheck-{record.summary.id}-report.pdf", mime="application/pdf", on_click="ignore",
        key=f"download_{record.summary.id}_pdf", icon=":material/print:",
        help="A printable report to file or hand on: the events with their pictures and advice, REBA and NIOSH "
             "with their assumptions, what the camera showed, and the red flags.",
    )


def show_downloads(record: SessionRecord) -> None:
    """The audit report (PDF) to print or file, then report.json, metrics.csv and annotated.mp4."""
    pdf_download_button(record)
    files = [
        ("report.json", record.report_path, "application/json"),
        ("metrics.csv", record.csv_path, "text/csv"),
        ("annotated.mp4", record.video_path, "video/mp4"),
    ]
    for column, (name, path, mime) in zip(st.columns(len(files)), files, strict=True):
        if path is not None and path.is_file():
            column.download_button(
                f"Download {name}", data=path.read_bytes, file_name=f"posecheck-{record.summary.id}-{name}",
                mime=mime, on_click="ignore", key=f"download_{record.summary.id}_{name}",
            )


# ----- risk scores (REBA and NIOSH) --------------------------------------------------------------


def show_risk_scores(store: HistoryStore, record: SessionRecord) -> None:
    """The session's notes, REBA and NIOSH results, as reported by the analysis."""
    summary = record.report_summary
    st.subheader("Risk scores")
    st.caption(RISK_SCORES_CAPTION)
    for note in summary.notes:
        st.info(note)
    if summary.reba is None and summary.niosh is None:
        st.info("No risk scores for this session: it was analysed before REBA and NIOSH were added.")
        return
    show_reba(store, record, summary.reba)
    show_niosh(summary.niosh)


def show_assumptions(assumptions: tuple[str, ...]) -> None:
    """Assumptions behind a score, as a small bullet list."""
    if assumptions:
        st.caption("**Assumptions**\n" + "\n".join(f"- {item}" for item in assumptions))


def show_reba(store: HistoryStore, record: SessionRecord, reba: RebaSummary | None) -> None:
    """REBA: worst moment with its risk level and drivers, time share per level, chart, assumptions."""
    st.markdown("#### REBA: whole-body posture")
    worst = reba.worst if reba else None
    if reba is None or worst is None:
        st.info("No frame could be scored: REBA needs the trunk and knee angles (whole body in view, side-on).")
        return
    st.markdown(
        f"**Worst REBA score: {worst.score} of 15** {risk_badge(worst.risk)} at {worst.time_s:.1f} s — "
        f"{reba_risk_words(worst.risk)}"
    )
    if reba_outside_flags(reba, [(event.start_s, event.end_s) for event in record.events]):
        st.caption(f"This worst moment ({worst.time_s:.1f} s) is outside the flagged events: REBA rates the "
                   "whole body's posture in every frame, not lifting technique, so it can peak where no rule warns.")
    if worst.drivers:
        st.markdown(f"Driven by: {format_drivers(worst.drivers)}")
    st.markdown(f"Time at each risk level: {format_time_share(reba.time_share_by_risk)}")
    chart = reba_chart(store.load_frame_metrics(record.summary.id), record.events)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    with st.expander("How REBA was scored (for safety staff)"):
        st.markdown(f"REBA action level {worst.action_level} ({worst.action}); {reba.frames_scored} "
                    "frames scored (Hignett & McAtamney 2000).")
        show_assumptions(reba.assumptions)


def format_position(position: HandPosition) -> str:
    """A hand position as 'H 38 · V 31 cm · A 0°'."""
    return f"H {position.h_cm:.0f} · V {position.v_cm:.0f} cm · A {position.a_deg:.0f}°"


def format_lifting_index(lift: NioshLift, load_known: bool) -> str:
    """The lift's LI with its risk band, or what is missing for it."""
    if not load_known:
        return "enter the load weight for the LI"
    index = "—" if lift.lifting_index is None else f"{lift.lifting_index:.2f}"
    return f"{index} ({lift.risk_band} risk)"


def lifts_table(lifts: tuple[NioshLift, ...], load_known: bool) -> pd.DataFrame:
    """One row per NIOSH lift: times, origin and destination, travel, RWL, LI and risk band."""
    return pd.DataFrame([
        {
            "Lift": lift.lift,
            "Time (s)": f"{lift.start_s:.1f}–{lift.end_s:.1f}",
            "Origin": format_position(lift.origin),
            "Destination": format_position(lift.destination),
            "D (cm)": f"{lift.d_cm:.0f}",
            "RWL (kg)": f"{lift.rwl_kg:.1f}",
            "LI (risk)": format_lifting_index(lift, load_known),
        }
        for lift in lifts
    ])


def lift_sentence(lift: NioshLift, load_kg: float | None) -> str:
    """One lift in words: when, its recommended weight limit, and the lifting index if the load is known."""
    sentence = (f"**Lift {lift.lift}** ({lift.start_s:.1f}–{lift.end_s:.1f} s): recommended weight limit "
                f"**{lift.rwl_kg:.1f} kg**")
    if load_kg is None:
        return sentence + " (give the load weight for the lifting index)"
    if lift.lifting_index is None:
        return sentence
    return sentence + f"; {load_kg:g} kg is **{lift.lifting_index:.2f}×** that {risk_badge(lift.risk_band)}"


def show_niosh(niosh: NioshSummary | None) -> None:
    """NIOSH: what it assumed (next to the result), each lift in words with what limits it; the table for staff."""
    st.markdown("#### NIOSH lifting equation")
    if niosh is None:
        st.info("No NIOSH assessment for this session.")
        return
    st.markdown("**Assumed for this result:** " + " · ".join(niosh_task_words(niosh))
                + ". Not right? Change the task details and analyse again.")
    if not niosh.lifts:
        st.info("No lift found: no pick-up was seen (the hands going down to a load and coming up with it). "
                "A lift whose put-down is out of view still counts.")
    for lift in niosh.lifts:
        factors = "".join(f"\n- {factor}" for factor in lift.limiting_factors)
        st.markdown(lift_sentence(lift, niosh.load_kg) + factors)
    with st.expander("How NIOSH was calculated (for safety staff)"):
        if niosh.lifts:
            st.table(lifts_table(niosh.lifts, niosh.load_kg is not None), hide_index=True)
        show_assumptions(niosh.assumptions)


# ----- Live page ---------------------------------------------------------------------------------


def live_stream(store: HistoryStore) -> LiveStream:
    """This browser session's LiveStream holder (created once, shared with the webcam thread)."""
    if "live_stream" not in st.session_state:
        st.session_state["live_stream"] = LiveStream(store)
    return st.session_state["live_stream"]


def save_live_session_left_behind() -> None:
    """Leaving the Live page ends the webcam stream: save its session now (a toast says so)."""
    stream: LiveStream | None = st.session_state.get("live_stream")
    if stream is not None and stream.active and (session_id := stream.finish_and_save()) is not None:
        st.toast(f"Saved live session #{session_id} to the history.")


def render_live_status(update: LiveUpdate | None) -> None:
    """The warning (or all-clear) for the latest frame, and running event counts by rule."""
    if update is None:
        st.info("Waiting for the first frames…")
    elif update.flags:
        for rule in update.flags:
            st.error(f"**WARNING: {rule_title(rule)}** — {ADVICE[rule].message}", icon="⚠️")
    elif not update.pose_detected:
        st.info("No person detected: step back so your whole body is in view, side-on to the camera.")
    else:
        st.success("Technique OK in this frame.")
    if update is not None and update.view_notes:
        st.warning("**View:** " + "; ".join(update.view_notes), icon="📷")
    render_live_counts(update.event_counts if update else {})
    if update is not None:
        angles = " · ".join(
            f"{CHART_METRICS[name]} {format_value(name, value) if value is not None else '--'}"
            for name, value in update.angles.items()
        )
        st.caption(f"{update.time_s:.1f} s · {angles}")


def render_live_counts(counts: dict[str, int]) -> None:
    """Events so far, one line per rule with its full name; counted rules in bold."""
    lines = [f"**{counts.get(rule, 0)}** · {rule_title(rule)}" for rule in RULE_IDS]
    st.markdown("**Events this session**  \n" + "  \n".join(lines))


def live_settings() -> tuple[Config | None, bool]:
    """The settings a new live session starts with (face blur, what is handled, task details)."""
    blur = st.toggle("Blur faces (video shown and saved)", value=True, key="live_blur")
    config: Config | None = None
    try:  # used when a session opens: changes during a session apply to the next one
        config = task_config()
    except ConfigError as error:
        st.error(f"{error}. Fix it to start a session (one already running goes on).")
    return config, blur


def live_page(store: HistoryStore) -> None:
    """Live check with the webcam beside the current warning and the counts; saved when the stream stops."""
    st.header("Live check")
    st.caption(
        "Stand side-on to the camera, whole body in view, camera about level with your waist or chest; press "
        "**START** and lift. A red warning shows on the video and beside it while a risky movement is seen. "
        "**STOP** ends and saves the session (see Review)."
    )
    stream = live_stream(store)
    video, side = st.columns([3, 2], gap="medium")
    with video:
        ctx = webrtc_streamer(
            key="posecheck-live",
            video_frame_callback=stream.on_frame,
            on_video_ended=stream.finish_and_save,
            rtc_configuration={"iceServers": []},
            media_stream_constraints={"video": True, "audio": False},
        )
    with side:
        status = st.empty()
        st.markdown("**Settings** (used when a session starts)")
        config, blur = live_settings()
    if not ctx.state.playing:
        stream.finish_and_save()
        with status.container():
            if stream.error:
                st.error(escape_markdown(stream.error))
            if stream.last_saved_id is not None:
                st.success(f"Saved live session #{stream.last_saved_id} to the history: open **Review** to see it.")
                show_report_download(store, stream.last_saved_id)
            else:
                st.info("Press **START** under the video to begin.")
        return
    if config is not None:
        stream.start(config, blur)
    latest: LiveUpdate | None = None
    while ctx.state.playing:  # the next rerun (e.g. STOP) interrupts this loop at an st call
        updates = stream.drain()
        latest = updates[-1] if updates else latest
        with status.container():
            if stream.error:
                st.error(escape_markdown(stream.error))
            render_live_status(latest)
        time.sleep(LIVE_REFRESH_S)


# ----- Upload page -------------------------------------------------------------------------------


def task_config() -> Config:
    """The default configuration with what the video shows and the task details entered on the page;
    ConfigError if one is invalid."""
    defaults = Config()
    mode = st.radio("What does the video show?", LOAD_MODES, format_func=LOAD_MODE_LABELS.get, horizontal=True,
                    key="task_load_mode",
                    help="posecheck finds pick-ups and put-downs itself; say so when a load is handled the whole "
                         "time (e.g. a carry filmed mid-way) or not at all. A load weight below counts as a "
                         "load handled in this task.")
    load = dataclasses.replace(defaults.load, mode=mode)
    return validated(dataclasses.replace(defaults, ergonomics=task_details(), load=load), "Task details")


def task_details() -> ErgonomicsConfig:
    """The REBA/NIOSH task inputs, in view with their defaults (0 = unknown)."""
    defaults = ErgonomicsConfig()
    with st.container(border=True, key="task-details"):
        st.markdown("**Task details** (for REBA and NIOSH)")
        st.caption("What video cannot measure. Leave 0 where unknown: the scores then state their assumptions.")
        weight, coupling = st.columns(2)
        duration, stature = st.columns(2)
        load_kg = weight.number_input("Load weight (kg, 0 = unknown)", min_value=0.0, max_value=200.0,
                                      value=defaults.load_kg, step=0.5, key="task_load_kg")
        grip = coupling.selectbox("Coupling (grip on the load)", COUPLINGS, index=COUPLINGS.index(defaults.coupling),
                                  format_func=COUPLING_LABELS.get, key="task_coupling")
        work = duration.selectbox("Work duration (lifting per shift)", WORK_DURATIONS,
                                  index=WORK_DURATIONS.index(defaults.work_duration),
                                  format_func=WORK_DURATION_LABELS.get, key="task_work_duration")
        stature_m = stature.number_input("Stature of the person (m, optional, 0 = unknown)", min_value=0.0,
                                         max_value=2.5, value=defaults.stature_m, step=0.01, key="task_stature_m")
    return dataclasses.replace(defaults, load_kg=load_kg, coupling=grip, work_duration=work, stature_m=stature_m)


def analyse_upload(store: HistoryStore, uploaded: UploadedFile, config: Config, blur_faces: bool) -> int | None:
    """Analyse an uploaded video with a progress bar and save it to the history; its id or None.

    Any failure is shown as one error line and leaves no trace in the history (the work directory is discarded).
    """
    try:
        work_dir = store.open_work_dir()
    except PosecheckError as error:
        show_friendly_error(error, uploaded.name, {str(store.data_dir): "the data directory"})
        return None
    source = upload_path(work_dir, uploaded.name)
    # Internal paths in messages: the upload by its name, the rest by what they are (longest first).
    shown_paths = {
        str(source): uploaded.name, str(work_dir): "the work folder", str(store.data_dir): "the data directory",
    }
    bar = st.progress(0.0, text="Reading the video…")
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = min(100, 100 * done // total) if total else 0
        if percent != shown[0]:
            shown[0] = percent
            stage = "finding the person" if 2 * done <= total else "drawing the results"
            bar.progress(percent / 100, text=f"Analysing: {stage}, {percent} %…")

    try:
        source.write_bytes(uploaded.getbuffer())
        analyze_to_dir(source, work_dir, config, AnalysisSettings(blur_faces=blur_faces), progress=progress)
        session_id = store.save_upload_analysis(work_dir, uploaded.name)
    except PosecheckError as error:
        store.discard_work_dir(work_dir)
        bar.empty()
        show_friendly_error(error, uploaded.name, shown_paths)
        return None
    except Exception as error:  # a bug, not a bad video: say so and keep the page and the history usable
        logger.exception("analysing upload %r failed", uploaded.name)
        store.discard_work_dir(work_dir)
        bar.empty()
        message = short_error_message(error, shown_paths)
        st.error(f"Something went wrong analysing this video: {type(error).__name__}: {escape_markdown(message)}. "
                 "Please report it.")
        return None
    except BaseException:  # Streamlit's stop/rerun and KeyboardInterrupt: clean up and let them through
        store.discard_work_dir(work_dir)
        raise
    bar.empty()
    return session_id


def show_upload_result(store: HistoryStore, session_id: int, scroll: bool = False) -> None:
    """The analysed upload: annotated video, summary, angle chart, downloads and events; with `scroll`
    (just analysed), the page scrolls down to it from the form above."""
    record = store.load_session(session_id)
    if record is None:
        st.info("This analysis is no longer in the history.")
        return
    with st.container(key="upload-result"):
        st.subheader(f"Result: {escape_markdown(record.summary.source_name)}")
    if scroll:
        run_script(SCROLL_SCRIPT % {"selector": ".st-key-upload-result"})
    show_session(store, record)
    st.caption(f"Saved as session #{session_id}: find it again on the **Review** page.")


def upload_page(store: HistoryStore) -> None:
    """Upload a video, analyse it with a progress bar, show and save the result."""
    st.header("Upload a video")
    limit = upload_limit_mb()
    st.write(
        "Film the lift from the side with the whole body in view, the camera about level with the "
        "lifter's waist or chest (filmed from high above, bends and reach are read less reliably). "
        f"Video files up to **{limit} MB** "
        f"({', '.join(VIDEO_TYPES)})."
    )
    uploaded = st.file_uploader("Video of a lift", type=VIDEO_TYPES, key="upload_file")
    blur = st.toggle("Blur faces in exports", value=True, key="upload_blur")
    try:
        config = task_config()
    except ConfigError as error:
        st.error(f"{error}.")
        return
    if uploaded is None:
        return
    if uploaded.size > limit * 1024 * 1024:
        st.error(f"{escape_markdown(uploaded.name)} is {uploaded.size / 2**20:.0f} MB; the limit is {limit} MB. "
                 "Trim the video or lower its resolution.")
        return
    analysed = (uploaded.file_id, config)  # new task details offer a new analysis of the same file
    done = st.session_state.get("upload_done")
    if done is not None and done[0] == analysed:
        show_upload_result(store, done[1])
        return
    if st.button("Analyse", type="primary", key="upload_analyse"):
        session_id = analyse_upload(store, uploaded, config, blur)
        if session_id is not None:
            st.session_state["upload_done"] = (analysed, session_id)
            show_upload_result(store, session_id, scroll=True)


# ----- Review page -------------------------------------------------------------------------------


def request_jump(session_id: int, seconds: float) -> None:
    """Button callback: play the session's video from `seconds` (a new request each click)."""
    count = st.session_state.get("video_jump", (None, 0.0, 0))[2]
    st.session_state["video_jump"] = (session_id, seconds, count + 1)


def event_video_start_s(event: EventRecord) -> float:
    """Where the event starts in the saved video: its peak's place there less the time from start to peak."""
    return max(0.0, event.video_s - (event.peak_s - event.start_s))


def show_event_card(record: SessionRecord, index: int, event: EventRecord) -> None:
    """One event in plain words: peak-frame image, when, how far, what to do; measurement details for staff."""
    with st.container(border=True, key=f"event-{event.rule}-{index}"):
        image, details = st.columns([2, 3])
        if event.image_path is not None and event.image_path.is_file():
            image.image(str(event.image_path), caption=f"Worst moment, {event.peak_s:.1f} s")
        else:
            image.caption("No image for this event.")
        details.markdown(f"#### {rule_title(event.rule)} {SEVERITY_BADGE.get(event.severity, '')}")
        details.markdown(
            f"**{event.start_s:.1f}–{event.end_s:.1f} s** ({event.end_s - event.start_s:.1f} s) · "
            f"at its worst ({event.peak_s:.1f} s): **{peak_phrase(event.metric, event.peak_value)}**"
        )
        details.markdown(f"**What to do:** {ADVICE[event.rule].message}")
        details.caption(f"Source: {event.source}")
        if record.video_path is not None:
            details.button(
                "▶ Watch this moment", key=f"jump_{record.summary.id}_{index}",
                on_click=request_jump, args=(record.summary.id, event_video_start_s(event)),
                help="Plays the video above from the start of this event.",
            )
        with details.expander("Measurement details (for safety staff)"):
            st.markdown(
                f"Measured as `{event.metric}` ({metric_name(event.metric)}): peak {event.peak_value:.3g} "
                f"at {event.peak_s:.2f} s; frames {event.start_frame}–{event.end_frame}, peak frame {event.peak_frame}."
            )
            reliability = event_reliability(record, event)
            if reliability is not None:
                notes = "; ".join(reliability.notes) or "no caveat"
                st.caption(f"Reliability {reliability.score:.2f} (mean confidence of {event.metric}): {notes}")


def event_reliability(record: SessionRecord, event: EventRecord) -> Reliability | None:
    """The event's reliability from the session summary (summary.view.events), None if not recorded."""
    view = record.report_summary.view
    return None if view is None else view.reliability_of(event.rule, event.start_frame)


def session_label(session_id: int, sessions: dict[int, Any]) -> str:
    """Selectbox label of a listed session."""
    s = sessions[session_id]
    kind = "live" if s.kind == "live" else "video"
    return f"{format_created(s.created_at)} · {s.source_name} ({kind}) · {plural(s.events_total, 'event')} · #{s.id}"


def show_player(record: SessionRecord) -> None:
    """The session's annotated video; a jump request scrolls to it and plays from the exact second asked."""
    if record.video_path is None or not record.video_path.is_file():
        return
    jump = st.session_state.get("video_jump")
    start_s = jump[1] if jump and jump[0] == record.summary.id else 0.0
    with st.container(key="player"):
        st.video(str(record.video_path), start_time=int(start_s), autoplay=start_s > 0, muted=True)
    if start_s > 0:
        seek_player(start_s, jump[2])


SEEK_SCRIPT = """<script>
// Scroll the app's player into view and play it from exactly %(seconds).3f s (request %(request)d).
const doc = window.parent.document;
function seek(tries) {
  const video = doc.querySelector(".st-key-player video");
  if (!video) { if (tries < 100) setTimeout(() => seek(tries + 1), 100); return; }
  video.scrollIntoView({block: "center"});
  const play = () => setTimeout(() => { video.currentTime = %(seconds).3f; video.play().catch(() => {}); }, 150);
  if (video.readyState >= 1) play(); else video.addEventListener("loadedmetadata", play, {once: true});
}
seek(0);
</script>"""


SCRIPT_FRAME_TITLE = "posecheck page script"
SCROLL_SCRIPT = """<script>
// Scroll the app's page to %(selector)s once it is there.
function scroll(tries) {
  const element = window.parent.document.querySelector("%(selector)s");
  if (!element) { if (tries < 100) setTimeout(() => scroll(tries + 1), 100); return; }
  element.style.scrollMarginTop = "96px";  // a little of what is above stays in view
  element.scrollIntoView({block: "start"});
}
scroll(0);
</script>"""


def run_script(script: str) -> None:
    """Run one of the app's own scripts (constant text, never user input) in a hidden same-origin frame."""
    st.iframe(script, height=1, alt=SCRIPT_FRAME_TITLE)


def seek_player(seconds: float, request: int) -> None:
    """Scroll to the player and seek it to `seconds` (st.video only starts at whole seconds)."""
    run_script(SEEK_SCRIPT % {"seconds": seconds, "request": request})


def show_session(store: HistoryStore, record: SessionRecord) -> None:
    """A saved session: video (started where a card asked), summary, angle chart, downloads, event cards."""
    video, summary = st.columns([3, 2])
    with video:
        show_player(record)
    with summary:
        show_summary(record)
    show_chart(store, record)
    show_downloads(record)
    show_risk_scores(store, record)
    show_events(record)


def show_events(record: SessionRecord) -> None:
    """The session's event cards, filtered by rule and shown EVENTS_PER_PAGE at a time."""
    session_id = record.summary.id
    st.subheader(f"Events ({len(record.events)})")
    if not record.events:
        st.info("No events in this session.")
        return
    rules = sorted({event.rule for event in record.events}, key=RULE_IDS.index)
    chosen = st.multiselect("Show", rules, default=rules, format_func=rule_title, key=f"filter_{session_id}")
    shown = [(index, event) for index, event in enumerate(record.events) if event.rule in chosen]
    pages = [shown[start:start + EVENTS_PER_PAGE] for start in range(0, len(shown), EVENTS_PER_PAGE)]
    if len(pages) > 1:
        page = st.selectbox(
            "Events shown", range(len(pages)), key=f"events_page_{session_id}",
            format_func=lambda p: f"{p * EVENTS_PER_PAGE + 1}–{p * EVENTS_PER_PAGE + len(pages[p])} of {len(shown)}",
        )
        shown = pages[min(page or 0, len(pages) - 1)]
    for index, event in shown:
        show_event_card(record, index, event)


def delete_button(store: HistoryStore, session_id: int) -> None:
    """'Delete session' behind a confirmation shown in the page's flow (a floating popover can open off a
    phone's screen): the session's video, report and images go for good."""
    asking = f"confirm_delete_{session_id}"
    if not st.session_state.get(asking):
        if st.button(f"Delete session #{session_id}…", key=f"ask_delete_{session_id}"):
            st.session_state[asking] = True
            st.rerun()
        return
    st.warning(f"Delete session #{session_id} with its video, report and images? This cannot be undone.")
    delete, keep = st.columns(2)
    if delete.button("Delete for good", type="primary", key=f"delete_{session_id}"):
        st.session_state.pop(asking, None)
        store.delete_session(session_id)
        st.rerun()
    if keep.button("Keep it", key=f"keep_{session_id}"):
        st.session_state.pop(asking, None)
        st.rerun()


def review_page(store: HistoryStore) -> None:
    """Past sessions, live and uploaded; every event of the chosen one."""
    st.header("Review")
    sessions = {s.id: s for s in store.list_sessions()}
    if not sessions:
        st.info("No sessions yet: check a lift on the **Live** page or **Upload** a video.")
        return
    session_id = st.selectbox(
        "Session", list(sessions), format_func=lambda sid: session_label(sid, sessions), key="review_session"
    )
    try:
        record = store.load_session(session_id) if session_id is not None else None
    except ReportFormatError as error:  # a summary this version cannot read: damaged, or from a newer posecheck
        show_damaged_session(store, session_id, error)
        delete_button(store, session_id)
        return
    if record is None:
        st.info("This session is no longer in the history.")
        return
    try:
        show_session(store, record)
    except Exception as error:  # its files were changed or damaged on disk: say so, keep the page usable
        logger.exception("showing session #%s failed", session_id)
        show_damaged_session(store, session_id, error)
    delete_button(store, session_id)


def show_damaged_session(store: HistoryStore, session_id: int, error: Exception) -> None:
    """One error line for a session that cannot be shown, naming no internal path."""
    message = short_error_message(error, {str(store.data_dir): "the data directory"})
    st.error(f"Session #{session_id} cannot be shown (its files are damaged): {escape_markdown(message)}")


# ----- Guide page --------------------------------------------------------------------------------

GUIDE_TECHNIQUE = """
The project's source guide names improper lifting as *"a frequent trigger"* of back spasms:
the person *"bends at the waist instead of the knees, overloading the small muscles of the lower
back"*, and *"sudden twisting movements, especially while carrying a load, also place excessive
strain on the lumbar spine"*.

**How to lift** (from the guide):
- *"maintain a wide stance"*;
- *"keep the object close to the body"*;
- *"bend at the hips and knees, ensuring the back remains straight"* — the **hip hinge**, which
  *"engages the stronger leg and hip muscles instead of the smaller back muscles"*;
- *"Never twist the body while lifting or carrying a load"*: turn with your feet;
- avoid prolonged poor posture, which *"creates chronic muscle imbalances and strain"*.
"""

GUIDE_EXERCISES = """
The guide's long-term prevention is to strengthen *"the body's natural support system, including
the deep core and gluteal muscles"*:
- **Deep core** (transverse abdominis and multifidus, *"like an internal corset"*): the
  **Bird Dog** and gentle **pelvic tilts**, drawing the lower abdomen in toward the spine while
  keeping a neutral back.
- **Glutes** (especially gluteus medius, since weak glutes *"force the hamstrings and lower back
  muscles to take on too much load"*): **glute bridges** (lift the hips off the floor while
  squeezing the buttocks) and side-lying leg raises (**clamshells**).
- Stay hydrated with enough minerals (magnesium, calcium) and rest: dehydration and muscle fatigue
  make cramping more likely.
"""

GUIDE_ACUTE = """
If a spasm happens, the guide advises: stop moving and rest in the **semi-Fowler position**
(pillows under the head and two or three under the knees) or on your side with a pillow between
the knees; **cold** for the first 48–72 hours (15–20 minutes at a time, wrapped in a thin cloth),
then **heat**; avoid bed rest beyond one or two days and return to gentle movement (short walks,
pelvic tilts); no deep stretching during the acute phase.
"""


def guide_page(_store: HistoryStore) -> None:
    """The guide's lifting technique, prevention exercises and red flags; the tool does not diagnose."""
    st.header("Guide: lifting without hurting your back")
    st.warning(DISCLAIMER, icon="⚕️")
    st.subheader("Lifting technique")
    st.markdown(GUIDE_TECHNIQUE)
    st.subheader("What posecheck flags")
    for advice in ADVICE.values():
        st.markdown(f"- **{advice.title}** — {advice.message}  \n  <small>Source: {advice.source}</small>",
                    unsafe_allow_html=True)
    st.subheader("Prevention exercises")
    st.markdown(GUIDE_EXERCISES)
    st.subheader("If a back spasm happens")
    st.markdown(GUIDE_ACUTE)
    st.subheader("Red flags: seek medical care")
    st.error("Seek medical care (at once for the first) if back pain comes with:\n\n"
             + "\n".join(f"- {flag}" for flag in RED_FLAGS))
    st.subheader("The whole guide")
    with st.expander(GUIDE_TITLE):
        st.text(guide_text())
    st.caption("Source of every quote and piece of advice here: the project's back-spasm guide, shipped with "
               "posecheck (posecheck/data/back-spasm-guide.txt) and shown in full above.")


# ----- main ----------------------------------------------------------------------------------------

PAGE_RENDERERS = {"Live": live_page, "Upload": upload_page, "Review": review_page, "Guide": guide_page}


# Streamlit's own "Running… Stop" indicator would sit beside the Live page's STOP: an end user needs one STOP.
# The page starts near the top: the header bar holds nothing for an end user (client.toolbarMode = "minimal").
# The frames that run the app's scripts (scroll, seek) take no room.
APP_STYLE = ("<style>[data-testid='stStatusWidget'] {visibility: hidden;}"
             " [data-testid='stMainBlockContainer'] {padding-top: 2.5rem;}"
             f" [data-testid='stElementContainer']:has(iframe[title='{SCRIPT_FRAME_TITLE}'])"
             " {display: none;}</style>")


def keep_a_page() -> None:
    """Navigation callback: clicking the chosen page again keeps it chosen (instead of none)."""
    if st.session_state.get("page") is None:
        st.session_state["page"] = st.session_state.get("last_page", PAGES[0])


def navigation() -> str:
    """The page chosen in the top bar (no sidebar: on a phone nothing stays open over the page)."""
    st.session_state.setdefault("page", PAGES[0])
    brand, pages = st.columns([1, 4], vertical_alignment="center")
    brand.markdown("### posecheck")
    page = pages.segmented_control("Page", PAGES, key="page", on_change=keep_a_page, label_visibility="collapsed")
    page = page if page in PAGES else st.session_state.get("last_page", PAGES[0])
    st.session_state["last_page"] = page
    return page


def main() -> None:
    """Top navigation and the chosen page; the disclaimer at the foot of every page."""
    st.set_page_config(page_title="posecheck", page_icon="🏋️", layout="wide", initial_sidebar_state="collapsed")
    st.html(APP_STYLE)
    try:
        store = get_store(str(default_data_dir()))
    except PosecheckError as error:
        st.error(f"Cannot open the session history: {escape_markdown(str(error))}")
        st.stop()
    page = navigation()
    show_store_notices(store)
    try:
        if page != "Live":
            save_live_session_left_behind()
        PAGE_RENDERERS[page](store)
    except PosecheckError as error:  # e.g. the history became unwritable: one line, no traceback
        message = short_error_message(error, {str(store.data_dir): "the data directory"})
        st.error(f"The session history cannot be used: {escape_markdown(message)}")
    show_store_notices(store)  # a damaged database found while rendering the page
    st.divider()
    st.caption(DISCLAIMER)


def show_store_notices(store: HistoryStore) -> None:
    """The history's notices (a database rebuilt, a session unreadable) not yet shown in this browser session."""
    shown = st.session_state.get("notices_shown", 0)
    for notice in store.notices[shown:]:
        st.warning(escape_markdown(notice), icon="🛠️")
    st.session_state["notices_shown"] = len(store.notices)


main()
