"""Whether a process still runs: used to clean up what crashed or killed processes left behind."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True if process `pid` runs (or cannot be checked for lack of permission), or is this process."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
