"""Session history: finished analyses (uploads and live webcam sessions) in SQLite plus files.

Layout of the data directory ($POSECHECK_DATA_DIR, default ~/.posecheck):

    history.sqlite3           sessions and events tables
    work/<random>/            an analysis in progress (owner.pid names the process writing it)
    sessions/<random>/        a saved session: report.json, metrics.csv, annotated.mp4, events/*.jpg,
                              and for uploads the uploaded file as source.<ext>

Directory and file names are generated here; names supplied by users are only ever stored as text.
Saving is transactional: the finished work directory is moved into sessions/ with one rename, then
the session and its events are inserted in one transaction. A crash before the commit leaves at most
an unreferenced directory, which `HistoryStore` removes when it opens, together with work
directories whose process has died. Per-frame metrics stay in the session's metrics.csv (the core's
export) and are read back with `load_frame_metrics`.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from posecheck.errors import OutputError
from posecheck.processes import process_alive
from posecheck.run import CSV_NAME, REPORT_NAME, VIDEO_NAME

DATA_DIR_ENV_VAR = "POSECHECK_DATA_DIR"
DB_NAME = "history.sqlite3"
WORK_DIR = "work"
SESSIONS_DIR = "sessions"
OWNER_FILE = "owner.pid"
SOURCE_STEM = "source"
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv")
KINDS = ("live", "upload")
STATUS_COMPLETE = "complete"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('live', 'upload')),
    created_at TEXT NOT NULL,
    source_name TEXT NOT NULL,
    status TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    dir_name TEXT NOT NULL UNIQUE,
    video_file TEXT,
    source_file TEXT,
    duration_s REAL NOT NULL,
    fps REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    peak_s REAL NOT NULL,
    peak_value REAL NOT NULL,
    metric TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    source TEXT NOT NULL,
    start_frame INTEGER NOT NULL,
    end_frame INTEGER NOT NULL,
    peak_frame INTEGER NOT NULL,
    image_file TEXT
);
CREATE INDEX IF NOT EXISTS events_by_session ON events(session_id);
"""

_EVENT_COLUMNS = (
    "rule", "start_s", "end_s", "peak_s", "peak_value", "metric", "severity", "message", "source",
    "start_frame", "end_frame", "peak_frame",
)


@dataclass(frozen=True)
class SessionSummary:
    """One row of the history listing; `created_at` is an ISO 8601 UTC time."""

    id: int
    kind: str
    created_at: str
    source_name: str
    duration_s: float
    events_total: int
    verdict: str


@dataclass(frozen=True)
class EventRecord:
    """A saved event: times in seconds of the session, `video_s` its peak's position in the saved video."""

    rule: str
    start_s: float
    end_s: float
    peak_s: float
    peak_value: float
    metric: str
    severity: str
    message: str
    source: str
    start_frame: int
    end_frame: int
    peak_frame: int
    image_path: Path | None
    video_s: float


@dataclass(frozen=True)
class SessionRecord:
    """A saved session with its events and the paths of its files (None where a file is absent)."""

    summary: SessionSummary
    status: str
    report_summary: dict[str, Any]
    directory: Path
    report_path: Path
    csv_path: Path
    video_path: Path | None
    source_path: Path | None
    events: tuple[EventRecord, ...]


def upload_path(work_dir: Path, file_name: str) -> Path:
    """Where an uploaded file named `file_name` is kept in `work_dir` (a generated name)."""
    return work_dir / f"{SOURCE_STEM}{source_suffix(file_name)}"


def default_data_dir() -> Path:
    """The data directory: $POSECHECK_DATA_DIR, else ~/.posecheck."""
    configured = os.environ.get(DATA_DIR_ENV_VAR)
    return Path(configured).expanduser() if configured else Path.home() / ".posecheck"


def source_suffix(file_name: str) -> str:
    """A safe suffix for a stored upload: the name's video suffix if known, else '.video'."""
    suffix = Path(file_name).suffix.lower()
    return suffix if suffix in VIDEO_SUFFIXES else ".video"


class HistoryStore:
    """Saved sessions under `data_dir`; safe to share between threads (one connection per call)."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        try:
            for name in (WORK_DIR, SESSIONS_DIR):
                (self.data_dir / name).mkdir(parents=True, exist_ok=True)
            with self._transaction() as db:
                db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise OutputError(f"cannot open the history in {self.data_dir}: {error}") from error
        self._remove_leftovers()

    # ----- work directories -------------------------------------------------------------------

    def open_work_dir(self) -> Path:
        """Create an empty, private work directory for one analysis (not visible in the history)."""
        work = self.data_dir / WORK_DIR / uuid.uuid4().hex
        try:
            work.mkdir()
            (work / OWNER_FILE).write_text(str(os.getpid()))
        except OSError as error:
            raise OutputError(f"cannot create a work directory in {self.data_dir}: {error}") from error
        return work

    def discard_work_dir(self, work_dir: Path) -> None:
        """Delete an abandoned work directory and everything in it."""
        if work_dir.parent == self.data_dir / WORK_DIR:
            shutil.rmtree(work_dir, ignore_errors=True)

    # ----- saving -----------------------------------------------------------------------------

    def save_upload_analysis(self, work_dir: Path, source_name: str) -> int:
        """Publish an analysed upload: `work_dir` holds the core's outputs and source.<ext>; returns its id."""
        return self._save(work_dir, "upload", source_name)

    def save_live_session(self, work_dir: Path, source_name: str = "webcam") -> int:
        """Publish a finished live session whose outputs are in `work_dir`; returns its id."""
        return self._save(work_dir, "live", source_name)

    def _save(self, work_dir: Path, kind: str, source_name: str) -> int:
        report = _read_report(work_dir / REPORT_NAME)
        dir_name = uuid.uuid4().hex
        final = self.data_dir / SESSIONS_DIR / dir_name
        try:
            os.replace(work_dir, final)
        except OSError as error:
            raise OutputError(f"cannot move the analysis into the history: {error}") from error
        try:
            session_id = self._insert(kind, source_name, dir_name, final, report)
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise
        (final / OWNER_FILE).unlink(missing_ok=True)
        return session_id

    def _insert(self, kind: str, source_name: str, dir_name: str, final: Path, report: dict[str, Any]) -> int:
        video = report["video"]
        session = {
            "kind": kind,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source_name": source_name,
            "status": STATUS_COMPLETE,
            "summary_json": json.dumps(report["summary"]),
            "dir_name": dir_name,
            "video_file": VIDEO_NAME if (final / VIDEO_NAME).is_file() else None,
            "source_file": _source_file(final),
            "duration_s": float(video["duration_s"]),
            "fps": float(video["fps"]),
        }
        try:
            with self._transaction() as db:
                cursor = db.execute(
                    f"INSERT INTO sessions ({', '.join(session)}) VALUES ({', '.join('?' * len(session))})",
                    tuple(session.values()),
                )
                session_id = int(cursor.lastrowid)
                db.executemany(
                    f"INSERT INTO events (session_id, {', '.join(_EVENT_COLUMNS)}, image_file) "
                    f"VALUES ({', '.join('?' * (len(_EVENT_COLUMNS) + 2))})",
                    [_event_row(session_id, event, final) for event in report["events"]],
                )
        except sqlite3.Error as error:
            raise OutputError(f"cannot save the session in the history: {error}") from error
        return session_id

    # ----- reading ----------------------------------------------------------------------------

    def list_sessions(self) -> list[SessionSummary]:
        """Every complete session, newest first."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT * FROM sessions WHERE status = ? ORDER BY id DESC", (STATUS_COMPLETE,)
            ).fetchall()
        return [_summary(row) for row in rows]

    def load_session(self, session_id: int) -> SessionRecord | None:
        """The complete session `session_id` with its events in time order, or None if there is none."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT * FROM sessions WHERE id = ? AND status = ?", (session_id, STATUS_COMPLETE)
            ).fetchone()
            events = db.execute(
                "SELECT * FROM events WHERE session_id = ? ORDER BY start_s, id", (session_id,)
            ).fetchall()
        if row is None:
            return None
        directory = self.data_dir / SESSIONS_DIR / row["dir_name"]
        return SessionRecord(
            summary=_summary(row),
            status=row["status"],
            report_summary=json.loads(row["summary_json"]),
            directory=directory,
            report_path=directory / REPORT_NAME,
            csv_path=directory / CSV_NAME,
            video_path=directory / row["video_file"] if row["video_file"] else None,
            source_path=directory / row["source_file"] if row["source_file"] else None,
            events=tuple(_event_record(event, directory, row["fps"]) for event in events),
        )

    def load_frame_metrics(self, session_id: int) -> dict[str, list[float | None]]:
        """Per-frame columns of a session's metrics.csv: time_s, every metric (None where missing), ...

        Numeric columns are floats; `flags` stays text (rule ids joined by ';'). Empty if not found.
        """
        record = self.load_session(session_id)
        if record is None or not record.csv_path.is_file():
            return {}
        return read_metrics_csv(record.csv_path)

    def delete_session(self, session_id: int) -> bool:
        """Remove a session, its events and its files; False if there was no such session."""
        with self._transaction() as db:
            row = db.execute("SELECT dir_name FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        shutil.rmtree(self.data_dir / SESSIONS_DIR / row["dir_name"], ignore_errors=True)
        return True

    # ----- internals --------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction: committed on success, rolled back on any exception."""
        with closing(sqlite3.connect(self.data_dir / DB_NAME, timeout=30.0)) as db:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys = ON")
            with db:
                yield db

    def _remove_leftovers(self) -> None:
        """Delete work directories of dead processes and session directories no row refers to."""
        for work in (self.data_dir / WORK_DIR).iterdir():
            if not _owner_alive(work):
                shutil.rmtree(work, ignore_errors=True)
        with self._transaction() as db:
            known = {row["dir_name"] for row in db.execute("SELECT dir_name FROM sessions")}
        for directory in (self.data_dir / SESSIONS_DIR).iterdir():
            if directory.name not in known and not _owner_alive(directory):
                shutil.rmtree(directory, ignore_errors=True)


def read_metrics_csv(path: Path) -> dict[str, list[Any]]:
    """Columns of a metrics.csv: numbers as floats (None for empty cells), `flags` as text."""
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        columns: dict[str, list[Any]] = {name: [] for name in reader.fieldnames or ()}
        for row in reader:
            for name, cell in row.items():
                columns[name].append(cell if name == "flags" else (float(cell) if cell else None))
    return columns


def _read_report(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError) as error:
        raise OutputError(f"the analysis has no readable report ({path.name}): {error}") from error


def _source_file(directory: Path) -> str | None:
    sources = sorted(path.name for path in directory.glob(f"{SOURCE_STEM}.*") if path.is_file())
    return sources[0] if sources else None


def _event_row(session_id: int, event: dict[str, Any], directory: Path) -> tuple[Any, ...]:
    image = event.get("image")
    image_file = image if image and (directory / image).is_file() else None
    return (session_id, *(event[name] for name in _EVENT_COLUMNS), image_file)


def _summary(row: sqlite3.Row) -> SessionSummary:
    summary = json.loads(row["summary_json"])
    return SessionSummary(
        id=row["id"],
        kind=row["kind"],
        created_at=row["created_at"],
        source_name=row["source_name"],
        duration_s=row["duration_s"],
        events_total=int(summary.get("events_total", 0)),
        verdict=str(summary.get("verdict", "")),
    )


def _event_record(row: sqlite3.Row, directory: Path, fps: float) -> EventRecord:
    values = {name: row[name] for name in _EVENT_COLUMNS}
    # The annotated video holds every analysed frame at `fps` (the report's video frame rate).
    video_s = row["peak_frame"] / fps if fps > 0 and math.isfinite(fps) else row["peak_s"]
    image = directory / row["image_file"] if row["image_file"] else None
    return EventRecord(**values, image_path=image, video_s=video_s)


def _owner_alive(work_dir: Path) -> bool:
    """Whether the process that created `work_dir` (its owner.pid) is still running."""
    try:
        pid = int((work_dir / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return False
    return process_alive(pid)
    return True
