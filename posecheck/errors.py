"""Exception types of posecheck; each maps to one CLI exit code and a one-line message."""


class PosecheckError(Exception):
    """Base class: a problem the user can act on, reported in one line."""

    exit_code = 1


class VideoReadError(PosecheckError):
    """The input is missing, not a video, truncated or has no decodable frames."""

    exit_code = 3


class NoPersonError(PosecheckError):
    """The video was read but no person was detected in any analysed frame."""

    exit_code = 4


class ConfigError(PosecheckError):
    """A configuration file is unreadable, has unknown keys or out-of-range values."""

    exit_code = 5


class ModelError(PosecheckError):
    """The pose model file is missing or cannot be loaded."""

    exit_code = 6


class OutputError(PosecheckError):
    """Results cannot be written (directory not writable, disk full, ...)."""

    exit_code = 7


class ReportFormatError(OutputError):
    """A report.json (or a stored summary) that this version cannot read: damaged, foreign or from a newer posecheck."""
