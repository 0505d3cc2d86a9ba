"""Session history: finished analyses (uploads and live webcam sessions) in SQLite plus files.

Layout of the data directory ($POSECHECK_DATA_DIR, default ~/.posecheck):

    history.sqlite3           sessions and events tables
    work/<random>/            an analysis in progress (owner.pid names the process writing it)
    sessions/<random>/        a saved session: report.json, metrics.csv, annotated.mp4, events/*.jpg,
                              and for uploads the uploaded file as source.<ext>

Directory and file names are generated here; names supplied by users are only ever stored as text
(in the database and in the session's session.json). The session folders are the truth and the
database is their index: saving moves the finished work directory into sessions/ with one rename, then
inserts the session and its events in one transaction (a failure moves the folder back). A folder the
index does not know (a crash before the commit) is indexed from its report.json and session.json when
the store opens; a damaged, empty or unreadable database is moved aside and rebuilt from the folders
(`HistoryStore.notices` says so in one line). Nothing is deleted because the database does not know
it: only work directories of dead processes and sessions the user deletes are removed. Everything is
private to the user (directories 0700, files 0600). Per-frame metrics stay in the session's
metrics.csv (the core's export) and are read back with `load_frame_metrics`.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sqlite3
import stat
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from posecheck.errors import OutputError, ReportFormatError
from posecheck.outputs.files import MetricsColumns, read_metrics_csv, read_report
from posecheck.outputs.layout import CSV_NAME, REPORT_NAME, VIDEO_NAME
from posecheck.outputs.manifest import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    exclusive_lock,
    make_private,
    mark_as_output_dir,
)
from posecheck.outputs.report_model import Report, ReportEvent, ReportSummary
from posecheck.processes import process_alive
from posecheck.video import VIDEO_SUFFIXES

DATA_DIR_ENV_VAR = "POSECHECK_DATA_DIR"
DB_NAME = "history.sqlite3"
WORK_DIR = "work"
SESSIONS_DIR = "sessions"
OWNER_FILE = "owner.pid"
SESSION_FILE = "session.json"  # kind, created_at and source_name: what the index needs beside report.json
DAMAGED_SUFFIX = ".damaged-"
RECOVERED_SOURCE_NAME = "recovered session"
# Work and session directories are named uuid4().hex here; nothing else in them is ever removed.
_GENERATED_NAME = re.compile(r"[0-9a-f]{32}")
_DATABASE_SIDE_FILES = ("-journal", "-wal", "-shm")
SOURCE_STEM = "source"
KINDS = ("live", "upload")
STATUS_COMPLETE = "complete"
T = TypeVar("T")

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

_SESSION_COLUMNS = (
    "kind", "created_at", "source_name", "status", "summary_json", "dir_name", "video_file", "source_file",
    "duration_s", "fps",
)
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


@dataclass(frozen=True, kw_only=True)
class EventRecord(ReportEvent):
    """A saved event (the report's, from the index): times in seconds of the session, `image_path` its
    peak frame's JPEG (None if absent), `video_s` its peak's position in the saved video."""

    image_path: Path | None
    video_s: float


@dataclass(frozen=True)
class SessionRecord:
    """A saved session with its events and the paths of its files (None where a file is absent)."""

    summary: SessionSummary
    status: str
    report_summary: ReportSummary
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
        self.notices: list[str] = []  # one line each: the database was rebuilt, a session is unreadable
        self._recovery_lock = threading.Lock()
        self._reported_damaged: set[str] = set()
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
            for name in (WORK_DIR, SESSIONS_DIR):
                (self.data_dir / name).mkdir(exist_ok=True, mode=PRIVATE_DIR_MODE)
                _restrict_to_owner(self.data_dir / name)
            with exclusive_lock(self.data_dir, wait=True):
                self._remove_dead_work_dirs()
                self._open_database()
        except (OSError, sqlite3.Error) as error:
            raise OutputError(f"cannot open the history in {self.data_dir}: {_reason(error)}") from error

    # ----- work directories -------------------------------------------------------------------

    def open_work_dir(self) -> Path:
        """Create an empty, private work directory for one analysis (not visible in the history)."""
        work = self.data_dir / WORK_DIR / uuid.uuid4().hex
        try:
            work.mkdir(mode=PRIVATE_DIR_MODE)
            _write_private(work / OWNER_FILE, str(os.getpid()))
            mark_as_output_dir(work)
        except (OSError, OutputError) as error:
            raise OutputError(
                f"cannot create a work directory in the data directory: {_reason(error.__cause__ or error)}"
            ) from error
        return work

    def discard_work_dir(self, work_dir: Path) -> None:
        """Delete an abandoned work directory and everything in it."""
        if work_dir.parent == self.data_dir / WORK_DIR and _GENERATED_NAME.fullmatch(work_dir.name):
            shutil.rmtree(work_dir, ignore_errors=True)

    # ----- saving -----------------------------------------------------------------------------

    def save_upload_analysis(self, work_dir: Path, source_name: str) -> int:
        """Publish an analysed upload: `work_dir` holds the core's outputs and source.<ext>; returns its id."""
        return self._save(work_dir, "upload", source_name)

    def save_live_session(self, work_dir: Path, source_name: str = "webcam") -> int:
        """Publish a finished live session whose outputs are in `work_dir`; returns its id."""
        return self._save(work_dir, "live", source_name)

    def _save(self, work_dir: Path, kind: str, source_name: str) -> int:
        report = read_report(work_dir / REPORT_NAME)
        metadata = {
            "kind": kind, "created_at": datetime.now(UTC).isoformat(timespec="seconds"), "source_name": source_name,
        }
        try:
            _write_private(work_dir / SESSION_FILE, json.dumps(metadata))
            make_private(work_dir)
        except OSError as error:
            raise OutputError(f"cannot save the session: {_reason(error)}") from error
        dir_name = uuid.uuid4().hex
        final = self.data_dir / SESSIONS_DIR / dir_name
        try:
            os.replace(work_dir, final)
        except OSError as error:
            raise OutputError(f"cannot move the analysis into the history: {_reason(error)}") from error
        try:
            session_id = self._insert(metadata, dir_name, final, report)
        except BaseException:
            _move_back(final, work_dir)  # not saved: the caller discards it like any failed analysis
            raise
        (final / OWNER_FILE).unlink(missing_ok=True)
        return session_id

    def _insert(self, metadata: dict[str, str], dir_name: str, final: Path, report: Report) -> int:
        """Index the session folder `final` (its report and session.json `metadata`); its id."""
        return self._run(lambda db: _insert_session(db, metadata, dir_name, final, report))

    # ----- reading ----------------------------------------------------------------------------

    def list_sessions(self) -> list[SessionSummary]:
        """Every complete session, newest first (a session whose report cannot be read is left out)."""
        rows = self._run(lambda db: db.execute(
            "SELECT * FROM sessions WHERE status = ? ORDER BY id DESC", (STATUS_COMPLETE,)
        ).fetchall())
        listed = []
        for row in rows:
            summary = self._row_summary(row)
            if summary is not None:
                listed.append(_summary(row, summary))
        return listed

    def load_session(self, session_id: int) -> SessionRecord | None:
        """The complete session `session_id` with its events in time order, or None if there is none.

        ReportFormatError if its stored summary is not one this version can read (damaged, or newer).
        """

        def query(db: sqlite3.Connection) -> tuple[sqlite3.Row | None, list[sqlite3.Row]]:
            row = db.execute(
                "SELECT * FROM sessions WHERE id = ? AND status = ?", (session_id, STATUS_COMPLETE)
            ).fetchone()
            events = db.execute(
                "SELECT * FROM events WHERE session_id = ? ORDER BY start_s, id", (session_id,)
            ).fetchall()
            return row, events

        row, events = self._run(query)
        summary = self._row_summary(row) if row is not None else None
        if row is None or summary is None:
            return None
        directory = self.data_dir / SESSIONS_DIR / row["dir_name"]
        return SessionRecord(
            summary=_summary(row, summary),
            status=row["status"],
            report_summary=ReportSummary.from_json(summary),
            directory=directory,
            report_path=directory / REPORT_NAME,
            csv_path=directory / CSV_NAME,
            video_path=directory / row["video_file"] if row["video_file"] else None,
            source_path=directory / row["source_file"] if row["source_file"] else None,
            events=tuple(_event_record(event, directory, row["fps"]) for event in events),
        )

    def load_frame_metrics(self, session_id: int) -> MetricsColumns:
        """Per-frame columns of a session's metrics.csv: time_s, every metric (None where missing), ...

        Numeric columns are floats; `flags` stays text (rule ids joined by ';'). No column if not found.
        """
        record = self.load_session(session_id)
        if record is None or not record.csv_path.is_file():
            return MetricsColumns()
        return read_metrics_csv(record.csv_path)

    def delete_session(self, session_id: int) -> bool:
        """Remove a session, its events and its files; False if there was no such session.

        The folder leaves sessions/ first (into work/, where a crash leaves it to be removed), so a
        deleted session never comes back.
        """
        row = self._run(lambda db: db.execute("SELECT dir_name FROM sessions WHERE id = ?", (session_id,)).fetchone())
        if row is None:
            return False
        trash = self.data_dir / WORK_DIR / uuid.uuid4().hex
        try:
            os.replace(self.data_dir / SESSIONS_DIR / row["dir_name"], trash)
        except FileNotFoundError:
            pass
        except OSError as error:
            raise OutputError(f"cannot delete session #{session_id}: {_reason(error)}") from error
        self._run(lambda db: db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)))
        shutil.rmtree(trash, ignore_errors=True)
        return True

    # ----- the index and its recovery -----------------------------------------------------------

    @property
    def database_path(self) -> Path:
        """The SQLite file indexing the session folders."""
        return self.data_dir / DB_NAME

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction: committed on success, rolled back on any exception."""
        with closing(sqlite3.connect(self.database_path, timeout=30.0)) as db:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys = ON")
            with db:
                yield db

    def _run(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """`operation` in one transaction; a damaged database is rebuilt from the folders and it is retried once."""
        try:
            with self._transaction() as db:
                return operation(db)
        except sqlite3.DatabaseError as error:
            if not _is_damage(error):
                raise OutputError(f"the history database cannot be used: {_reason(error)}") from error
            self._recover(str(error))
        try:
            with self._transaction() as db:
                return operation(db)
        except sqlite3.DatabaseError as error:
            raise OutputError(f"the history database cannot be used: {_reason(error)}") from error

    def _recover(self, problem: str) -> None:
        """Rebuild a database found damaged while in use (once, whichever thread finds it first)."""
        with self._recovery_lock, exclusive_lock(self.data_dir, wait=True):
            if _database_problem(self.database_path) is not None:
                self._open_database(problem)

    def _open_database(self, known_problem: str | None = None) -> None:
        """Move a damaged or empty database aside, create the schema, and index the session folders."""
        problem = known_problem or _database_problem(self.database_path)
        aside = _move_aside(self.database_path) if problem else None
        with self._transaction() as db:
            db.executescript(_SCHEMA)
        _restrict_to_owner(self.database_path)
        restored = self._sync_index()
        if aside is not None:
            self.notices.append(
                f"The history database was damaged ({problem}): it was moved aside as {aside.name} and rebuilt "
                f"from the session folders ({restored} session(s) restored)."
            )

    def _sync_index(self) -> int:
        """Index session folders the database does not know, drop rows whose folder is gone; how many were indexed."""
        with self._transaction() as db:
            known = {row["dir_name"]: row["id"] for row in db.execute("SELECT id, dir_name FROM sessions")}
        folders = _generated_dirs(self.data_dir / SESSIONS_DIR)
        gone = [(session_id,) for name, session_id in known.items() if name not in folders]
        if gone:
            with self._transaction() as db:
                db.executemany("DELETE FROM sessions WHERE id = ?", gone)
        restored = 0
        for name in sorted(folders.keys() - known.keys()):
            folder = folders[name]
            if not _owner_alive(folder):
                restored += self._index_folder(folder)
        return restored

    def _index_folder(self, folder: Path) -> int:
        """Index one session folder from its report.json and session.json; 1 if indexed, 0 if unreadable."""
        try:
            report = read_report(folder / REPORT_NAME)
            with self._transaction() as db:
                _insert_session(db, _session_metadata(folder), folder.name, folder, report)
        except ReportFormatError as error:
            self._report_damaged(folder.name, f"its report.json cannot be read ({error})")
            return 0
        except (OutputError, sqlite3.Error):
            self._report_damaged(folder.name, "its report.json cannot be read")
            return 0
        (folder / OWNER_FILE).unlink(missing_ok=True)
        return 1

    def _row_summary(self, row: sqlite3.Row) -> dict[str, Any] | None:
        """A row's report summary; a bad one is read again from the folder's report.json (and the row repaired)."""
        summary = _parse_summary(row["summary_json"])
        if summary is not None:
            return summary
        try:
            summary = read_report(self.data_dir / SESSIONS_DIR / row["dir_name"] / REPORT_NAME).summary.to_json()
        except OutputError:
            summary = None
        if _parse_summary(json.dumps(summary)) is None:
            self._report_damaged(row["dir_name"], f"session #{row['id']}'s report.json cannot be read")
            return None
        self._run(lambda db: db.execute(
            "UPDATE sessions SET summary_json = ? WHERE id = ?", (json.dumps(summary), row["id"])
        ))
        return summary

    def _report_damaged(self, dir_name: str, why: str) -> None:
        """One notice per damaged session folder: it is not listed, and left in place."""
        if dir_name not in self._reported_damaged:
            self._reported_damaged.add(dir_name)
            self.notices.append(
                f"A saved session is not listed: {why} (folder {SESSIONS_DIR}/{dir_name} left in place)."
            )

    def _remove_dead_work_dirs(self) -> None:
        """Delete work directories (analyses in progress, deleted sessions) of processes that no longer run."""
        for work in _generated_dirs(self.data_dir / WORK_DIR).values():
            if not _owner_alive(work):
                shutil.rmtree(work, ignore_errors=True)


def _insert_session(
    db: sqlite3.Connection, metadata: dict[str, str], dir_name: str, folder: Path, report: Report
) -> int:
    """Insert a session row and its events from `report`; the new row's id."""
    session = {
        "kind": metadata["kind"],
        "created_at": metadata["created_at"],
        "source_name": metadata["source_name"],
        "status": STATUS_COMPLETE,
        "summary_json": json.dumps(report.summary.to_json()),
        "dir_name": dir_name,
        "video_file": VIDEO_NAME if (folder / VIDEO_NAME).is_file() else None,
        "source_file": _source_file(folder),
        "duration_s": float(report.video.duration_s),
        "fps": float(report.video.fps),
    }
    cursor = db.execute(
        f"INSERT INTO sessions ({', '.join(session)}) VALUES ({', '.join('?' * len(session))})",
        tuple(session.values()),
    )
    session_id = int(cursor.lastrowid)
    db.executemany(
        f"INSERT INTO events (session_id, {', '.join(_EVENT_COLUMNS)}, image_file) "
        f"VALUES ({', '.join('?' * (len(_EVENT_COLUMNS) + 2))})",
        [_event_row(session_id, event, folder) for event in report.events],
    )
    return session_id


def _database_problem(path: Path) -> str | None:
    """Why the database at `path` cannot be used (empty, damaged, not posecheck's), or None if it can."""
    if not path.exists():
        return None
    if path.stat().st_size == 0:
        return "the file was empty"
    try:
        with closing(sqlite3.connect(path, timeout=30.0)) as db:
            check = db.execute("PRAGMA quick_check").fetchone()
            columns = {
                table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")} for table in ("sessions", "events")
            }
    except sqlite3.DatabaseError as error:
        if _is_damage(error):
            return str(error)
        raise
    if check is None or check[0] != "ok":
        return f"integrity check: {check[0] if check else 'no answer'}"
    if not set(_SESSION_COLUMNS) <= columns["sessions"] or not {*_EVENT_COLUMNS, "session_id"} <= columns["events"]:
        return "its tables are not the history's"
    return None


def _is_damage(error: sqlite3.DatabaseError) -> bool:
    """Whether an SQLite error means the file is damaged or not the history (not: busy, locked, read-only, ...)."""
    if getattr(error, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return True
    return isinstance(error, sqlite3.OperationalError) and str(error).startswith(("no such table", "no such column"))


def _move_aside(database: Path) -> Path:
    """Rename a damaged database (and its journal files) to DB_NAME.damaged-<UTC time>; the new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = database.with_name(f"{database.name}{DAMAGED_SUFFIX}{stamp}")
    for suffix in ("", *_DATABASE_SIDE_FILES):
        path = database.with_name(database.name + suffix)
        if path.exists():
            os.replace(path, aside.with_name(aside.name + suffix))
    return aside


def _session_metadata(folder: Path) -> dict[str, str]:
    """kind, created_at and source_name of a session folder: from its session.json, else inferred."""
    try:
        stored = json.loads((folder / SESSION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = None
    stored = stored if isinstance(stored, dict) else {}
    kind = stored.get("kind")
    created_at = stored.get("created_at")
    source_name = stored.get("source_name")
    if not isinstance(created_at, str) or not _is_iso_time(created_at):
        modified = datetime.fromtimestamp((folder / REPORT_NAME).stat().st_mtime, UTC)
        created_at = modified.isoformat(timespec="seconds")
    return {
        "kind": kind if kind in KINDS else ("upload" if _source_file(folder) else "live"),
        "created_at": created_at,
        "source_name": source_name if isinstance(source_name, str) else RECOVERED_SOURCE_NAME,
    }


def _is_iso_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _parse_summary(text: Any) -> dict[str, Any] | None:
    """A stored summary_json as a dict, or None if it is not one the history can list."""
    try:
        summary = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    if not isinstance(summary, dict):
        return None
    events_total = summary.get("events_total", 0)
    if isinstance(events_total, bool) or not isinstance(events_total, int) or events_total < 0:
        return None
    return summary if isinstance(summary.get("verdict", ""), str) else None


def _generated_dirs(parent: Path) -> dict[str, Path]:
    """The directories in `parent` named as the store names them (uuid4 hex), by name; no symbolic links."""
    return {
        path.name: path
        for path in parent.iterdir()
        if _GENERATED_NAME.fullmatch(path.name) and path.is_dir() and not path.is_symlink()
    }


def _move_back(final: Path, work_dir: Path) -> None:
    """Undo the rename into sessions/ after a failed insert (left for the next open to index if that fails)."""
    with suppress(OSError):
        os.replace(final, work_dir)


def _write_private(path: Path, text: str) -> None:
    """Write a small text file readable by the user only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def _restrict_to_owner(path: Path) -> None:
    """Take group and other permissions off a file or directory posecheck created."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, mode & 0o700)


def _reason(error: BaseException) -> str:
    """An error's reason without the file paths an OSError carries."""
    return (error.strerror if isinstance(error, OSError) else None) or str(error)


def _source_file(directory: Path) -> str | None:
    sources = sorted(path.name for path in directory.glob(f"{SOURCE_STEM}.*") if path.is_file())
    return sources[0] if sources else None


def _event_row(session_id: int, event: ReportEvent, directory: Path) -> tuple[Any, ...]:
    image_file = event.image if event.image and (directory / event.image).is_file() else None
    return (session_id, *(getattr(event, name) for name in _EVENT_COLUMNS), image_file)


def _summary(row: sqlite3.Row, summary: dict[str, Any]) -> SessionSummary:
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
