"""Processes and ports for the tests that start real servers and builds (browser tests, kill -9 tests): read from
/proc, so no extra dependency, and only ever about processes the test itself started."""
from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
#: Chromium flags for a headless run on a CI machine: no sandbox (root in a container), no network but 127.0.0.1
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.3).close()
        return True
    except OSError:
        return False


def children() -> dict[int, list[int]]:
    """Every process's direct children, by parent pid."""
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def descendants(pid: int) -> list[int]:
    """Direct and indirect child processes of ``pid``."""
    kids, out, todo = children(), [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def alive(pid: int) -> bool:
    """Running (a zombie counts as dead: it only waits to be reaped)."""
    try:
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text(errors="replace").strip()
    except OSError:
        return ""


def kernels_of(pid: int) -> list[int]:
    """The Jupyter kernels among the descendants of ``pid``: started as ``python -m ipykernel_launcher``, or
    forked from a build worker (named ``ipykernel``, see toolkit.batch.forked_kernels)."""
    return [p for p in descendants(pid) if "ipykernel" in cmdline(p) or comm(p) == "ipykernel"]


def wait_until(cond: Callable[[], bool], timeout: float, step: float = 0.25) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()
