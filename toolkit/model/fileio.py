"""Atomic writes: an interrupted run leaves the previous file intact, never half a file.

Also: an error while writing (a full disk) names the file it was writing; a file that exists keeps its mode
(an engagement chmod 600 because it holds salaries stays 600); temporary ``.part`` files left by a process
that was killed (``kill -9`` of ``appraisal render``) are removed by the next write into the same folder.
"""
from __future__ import annotations

import contextlib
import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "pid_alive", "remove_stale_parts", "sha256_file"]

_HOST = "".join(ch if ch.isalnum() else "-" for ch in socket.gethostname())[:32] or "host"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (also another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def remove_stale_parts(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete ``.part`` files in ``folder`` whose writer (same host, by PID) is no longer running."""
    removed = []
    try:
        entries = list(Path(folder).glob(".*.part"))
    except OSError:
        return removed
    for p in entries:
        # .<name>.<host>-<pid>.<random>.part
        parts = p.name[:-len(".part")].rsplit(".", 2)
        if len(parts) != 3 or "-" not in parts[1]:
            continue
        host, _, pid = parts[1].rpartition("-")
        if host != _HOST or not pid.isdigit() or pid_alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            p.unlink()
            removed.append(p)
    return removed


def _mode_for(target: Path) -> int:
    """The mode the new file gets: the old file's when it exists, else 0644 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask & 0o777 | 0o600


@contextmanager
def atomic_path(path: str | os.PathLike[str], mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    Writers that need a file name (openpyxl, python-docx, WeasyPrint) write to the yielded path. An
    ``OSError`` without a file name (``ENOSPC`` from ``write``) is re-raised naming ``path``. ``mode``: the new file's mode (default: the
    existing file's, else 0644 less the umask).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{_HOST}-{os.getpid()}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
            os.chmod(tmp_path, _mode_for(target) if mode is None else mode)
            os.replace(tmp_path, target)
        except OSError as exc:
            if exc.filename is None or str(exc.filename) == str(tmp_path):
                raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
            raise
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> Path:
    with atomic_path(path, mode) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, mode: int | None = None) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), mode)


def sha256_file(path: str | os.PathLike[str]) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
