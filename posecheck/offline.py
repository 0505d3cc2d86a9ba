"""Keep MediaPipe off the network: landmarkers are created on a thread that may not open sockets.

MediaPipe's wheel has usage reporting compiled in (its landmarkers post statistics to
play.googleapis.com when they close) and offers no switch to turn it off. Every thread a landmarker
starts is a child of the thread that created it, and a Linux seccomp filter is inherited by child
threads. So `call_offline` runs the creation on a short-lived thread whose filter makes `socket()`
fail with EACCES: the reporting thread cannot open a socket, so no name is resolved and nothing is
sent. The rest of the process (the web app's server, for one) keeps its network.
"""

from __future__ import annotations

import ctypes
import logging
import platform
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EACCES = 13
_BPF_LOAD_WORD = 0x20  # BPF_LD | BPF_W | BPF_ABS
_BPF_JUMP_IF_EQUAL = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_BPF_RETURN = 0x06  # BPF_RET | BPF_K
_OFFSET_SYSCALL_NR, _OFFSET_ARCH = 0, 4  # in struct seccomp_data
_X32_SYSCALL_BIT = 0x40000000
# (audit architecture, socket() numbers) of the 64-bit Linux ABIs Python wheels of MediaPipe exist for.
_SOCKET_SYSCALLS = {
    "x86_64": (0xC000003E, (41, _X32_SYSCALL_BIT | 41)),
    "aarch64": (0xC00000B7, (198,)),
}
_log = logging.getLogger("posecheck")
_warned = False


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _socket_filter(audit_arch: int, socket_numbers: tuple[int, ...]) -> list[_SockFilter]:
    """BPF program: socket() on `audit_arch` returns EACCES; every other system call is allowed."""
    deny = _SockFilter(_BPF_RETURN, 0, 0, _SECCOMP_RET_ERRNO | _EACCES)
    allow = _SockFilter(_BPF_RETURN, 0, 0, _SECCOMP_RET_ALLOW)
    checks = len(socket_numbers)
    program = [
        _SockFilter(_BPF_LOAD_WORD, 0, 0, _OFFSET_ARCH),
        _SockFilter(_BPF_JUMP_IF_EQUAL, 0, checks + 1, audit_arch),  # other ABI: jump to allow
        _SockFilter(_BPF_LOAD_WORD, 0, 0, _OFFSET_SYSCALL_NR),
    ]
    for index, number in enumerate(socket_numbers):
        program.append(_SockFilter(_BPF_JUMP_IF_EQUAL, checks - index, 0, number))  # match: jump to deny
    return [*program, allow, deny]


def forbid_sockets_in_this_thread() -> None:
    """Make socket() fail with EACCES in the calling thread and every thread it starts from now on.

    Irreversible for the thread. Raises OSError where seccomp filters are not available.
    """
    known = _SOCKET_SYSCALLS.get(platform.machine())
    if platform.system() != "Linux" or known is None:
        raise OSError(f"seccomp socket filter not available on {platform.system()} {platform.machine()}")
    libc = ctypes.CDLL(None, use_errno=True)
    program = _socket_filter(*known)
    filters = (_SockFilter * len(program))(*program)
    fprog = _SockFprog(len(program), filters)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def call_offline(function: Callable[[], T]) -> T:
    """Run `function` on a new thread that (with the threads it starts) cannot open sockets.

    Returns its result or re-raises its exception. Where the filter cannot be installed, `function`
    still runs and a warning is logged once.
    """
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            forbid_sockets_in_this_thread()
        except OSError as error:
            _warn_once(error)
        try:
            outcome["result"] = function()
        except BaseException as error:  # noqa: BLE001 - re-raised on the calling thread
            outcome["error"] = error

    thread = threading.Thread(target=run, name="posecheck-offline")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]


def _warn_once(error: OSError) -> None:
    global _warned
    if not _warned:
        _warned = True
        _log.warning("posecheck: warning: cannot keep MediaPipe's usage reporting off the network (%s)", error)
