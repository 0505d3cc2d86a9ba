"""Which files in an output directory posecheck may replace, and private permissions for what it writes.

posecheck writes only into a directory that is empty or that holds its own earlier result, recognised
by the manifest it leaves there (MANIFEST_NAME: every file it wrote, with its SHA-256). It replaces or
deletes a file only if the manifest lists it and its content is still what posecheck wrote; anything
else in the directory is left alone. The video being analysed is never an output. One run at a time
writes into a directory (an exclusive lock on the directory itself), and everything it writes is
private to the user (files 0600, directories 0700).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from posecheck.errors import OutputError

MANIFEST_NAME = ".posecheck-manifest.json"
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
# The only names a manifest may list (anything else in one is ignored): posecheck's outputs.
_OWN_NAME = re.compile(r"(report\.json|report\.pdf|metrics\.csv|annotated\.mp4|events/[A-Za-z0-9_]+\.jpg)")
_MANIFEST_TEMPORARY = f"{MANIFEST_NAME}.tmp"
_CHUNK_BYTES = 1 << 20


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(directory: Path) -> dict[str, set[str]] | None:
    """The manifest of `directory` (file name -> digests posecheck wrote under it), None if there is none.

    A manifest that cannot be read counts as none: the directory is then not recognised as posecheck's.
    """
    try:
        document = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
        files = document["files"]
        return {
            name: {str(digest) for digest in digests}
            for name, digests in files.items()
            if _OWN_NAME.fullmatch(name) and isinstance(digests, list)
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_manifest(directory: Path, files: dict[str, set[str]]) -> None:
    """Write the manifest of `directory` atomically (private, fsynced)."""
    document = {"written_by": "posecheck", "files": {name: sorted(files[name]) for name in sorted(files)}}
    path = directory / MANIFEST_NAME
    temporary = directory / _MANIFEST_TEMPORARY
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=1)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from error


def mark_as_output_dir(directory: Path) -> None:
    """Make an empty directory posecheck created recognisable as its own (an empty manifest)."""
    write_manifest(directory, {})


def own_files(directory: Path, manifest: dict[str, set[str]]) -> dict[str, set[str]]:
    """The manifest's entries whose file exists and still holds what posecheck wrote."""
    own = {}
    for name, digests in manifest.items():
        path = directory / name
        if path.is_file() and not path.is_symlink() and file_digest(path) in digests:
            own[name] = digests
    return own


def check_output_dir(
    directory: Path, overwrite: bool, input_path: Path, outputs: Iterable[str], ignored_prefix: str
) -> dict[str, set[str]]:
    """Refuse a directory posecheck may not write `outputs` into; return its own files (see module docstring).

    Entries whose name starts with `ignored_prefix` (staging directories) do not count.
    """
    present = sorted(
        p.name for p in directory.iterdir() if not p.name.startswith(ignored_prefix) and p.name != _MANIFEST_TEMPORARY
    )
    manifest = read_manifest(directory) if MANIFEST_NAME in present else None
    if manifest is None:
        if present:
            shown = ", ".join(present[:3]) + (", ..." if len(present) > 3 else "")
            raise OutputError(
                f"{directory} is not empty and holds no posecheck result ({shown}); posecheck writes only into "
                "an empty directory or one with its own earlier result: choose another -o DIR"
            )
        return {}
    if "report.json" in present and not overwrite:
        raise OutputError(f"{directory} already holds a report; use --overwrite or another -o DIR")
    own = own_files(directory, manifest)
    for name in (*outputs, *own):
        if _same_path(input_path, directory / name):
            raise OutputError(f"the input {input_path} would be replaced by an output: choose another -o DIR")
    refuse_foreign(directory, outputs, own)
    return own


def refuse_foreign(directory: Path, names: Iterable[str], own: dict[str, set[str]]) -> None:
    """OutputError if a file about to be written exists in `directory` and is not posecheck's own."""
    for name in names:
        path = directory / name
        if (path.exists() or path.is_symlink()) and name not in own:
            raise OutputError(
                f"{path} was not written by posecheck (or was changed since): move it away or choose another -o DIR"
            )


def _same_path(first: Path, second: Path) -> bool:
    """Whether two paths name the same file (following symbolic links)."""
    return os.path.realpath(first) == os.path.realpath(second)


@contextmanager
def exclusive_lock(directory: Path, wait: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on `directory` while writing into it; OutputError if another run holds it.

    With `wait`, wait for the other holder instead. The lock is on the directory itself (flock), so
    no lock file is left behind and a killed run's lock ends with its process. Where the file system
    cannot lock a directory (some network file systems), the run goes on unlocked.
    """
    try:
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise OutputError(f"cannot open output directory {directory}: {error.strerror or error}") from error
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise OutputError(
                    f"another posecheck run is writing into {directory}: wait for it to finish or choose another -o DIR"
                ) from error
        yield
    finally:
        os.close(descriptor)


def make_private(directory: Path) -> None:
    """Give `directory` and everything in it private permissions (files 0600, directories 0700)."""
    os.chmod(directory, PRIVATE_DIR_MODE)
    for root, directories, files in os.walk(directory):
        for name in directories + files:
            path = Path(root) / name
            if not path.is_symlink():
                os.chmod(path, PRIVATE_DIR_MODE if path.is_dir() else PRIVATE_FILE_MODE)
