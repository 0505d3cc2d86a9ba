"""Dask worker preload for the embedded batch cluster: Ctrl-C belongs to the batch's own process.

A Ctrl-C in a terminal reaches the whole process group, the cluster's worker processes included; they
ignore it, and the batch cancels their work through the scheduler instead (see `posecheck.batch`).
"""

from __future__ import annotations

import signal
import threading


def dask_setup(worker: object) -> None:
    """Ignore SIGINT in this worker process (called by Dask when the worker starts)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
