"""The page on which each chapter and appendix of a DOCX begins, as LibreOffice lays the file out.

A Word TOC field shows page numbers only once a program that paginates has updated it; LibreOffice and WPS show
the result stored in the file. So the DOCX renderer writes the file once, has LibreOffice (headless) convert it
to PDF, reads the page of every heading from ``pdftotext``, and writes the file again with those numbers in the
TOC entries. Filling in the numbers changes no line, so the pages stay where they were.

Needs ``soffice`` (LibreOffice) and ``pdftotext`` (poppler-utils); without either the numbers are left out and
Word fills them in when it updates fields. ``APPRAISAL_DOCX_TOC_PAGES=0`` skips the step (a few seconds a
document).
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from toolkit.model.fileio import pid_alive

__all__ = ["heading_pages", "page_texts", "paginate_enabled"]

_TIMEOUT_S = 240
_PREFIX = "appraisal-lo-"


def _sweep_leftovers() -> None:
    """Remove the working folders of conversions whose process was killed (``kill -9`` skips the clean-up).

    Each folder is named ``appraisal-lo-<pid>-…`` after the process that made it; one whose process is gone
    is removed by the next conversion. Folders of live processes, or not of this shape, are never touched.
    """
    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"{_PREFIX}*-*"):
        m = re.fullmatch(rf"{_PREFIX}(\d+)-.*", folder.name)
        if m and folder.is_dir() and not pid_alive(int(m.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


# LibreOffice's launcher (oosplash) forks soffice.bin, which a death signal on the launcher alone would leave
# running. So the conversion runs in a process group of its own under a small sh guard that gets SIGTERM when
# this process dies (util-linux ``setpriv --pdeathsig``; ``preexec_fn`` would be unsafe: the DOCX is paginated
# in a thread) and then kills its whole group. A timeout kills the group from here.
_GUARD = 'trap "trap - TERM; kill -KILL 0" TERM; "$@" & child=$!; wait "$child"'


def _guarded(cmd: list[str]) -> list[str]:
    """``cmd`` under the die-with-this-process guard (Linux with setpriv and sh; elsewhere as it is)."""
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    sh = shutil.which("sh")
    return [setpriv, "--pdeathsig", "TERM", "--", sh, "-c", _GUARD, "sh", *cmd] if setpriv and sh else cmd


def _convert(cmd: list[str]) -> None:
    """Run the LibreOffice conversion in its own process group; the whole group is killed on a timeout."""
    proc = subprocess.Popen(_guarded(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        code = proc.wait(timeout=_TIMEOUT_S)
    except BaseException:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    if code != 0:
        raise subprocess.CalledProcessError(code, cmd)


def paginate_enabled() -> bool:
    """Whether the TOC page numbers are computed (LibreOffice and pdftotext found, not switched off)."""
    if os.environ.get("APPRAISAL_DOCX_TOC_PAGES", "1").strip().lower() in ("0", "no", "off", "false"):
        return False
    return bool((shutil.which("soffice") or shutil.which("libreoffice")) and shutil.which("pdftotext"))


def page_texts(docx: bytes) -> list[str] | None:
    """The text of each page of ``docx`` as LibreOffice paginates it (None when it cannot be converted)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftotext = shutil.which("pdftotext")
    if not (soffice and pdftotext):
        return None
    _sweep_leftovers()
    with tempfile.TemporaryDirectory(prefix=f"{_PREFIX}{os.getpid()}-") as tmp:
        src = Path(tmp) / "scheme.docx"
        src.write_bytes(docx)
        try:  # a profile of its own: never disturbs (or waits for) a LibreOffice the user has open
            _convert([soffice, "--headless", "--norestore", f"-env:UserInstallation={Path(tmp, 'lo').as_uri()}",
                      "--convert-to", "pdf", "--outdir", tmp, str(src)])
            out = subprocess.run([pdftotext, "-layout", "-enc", "UTF-8", str(Path(tmp) / "scheme.pdf"), "-"], check=True,
                                 capture_output=True, timeout=_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError):
            return None
    pages = out.stdout.decode("utf-8", "replace").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _starts_on(lines: list[str], key: str) -> bool:
    """Whether ``key`` is one of ``lines``, or several consecutive ones (a heading that wraps)."""
    for i in range(len(lines)):
        acc = ""
        for line in lines[i:]:
            acc += line
            if acc == key:
                return True
            if not key.startswith(acc):
                break
    return False


def heading_pages(pages: list[str], headings: list[str]) -> list[int] | None:
    """The 1-based page of each of ``headings`` (in document order) in ``pages``; None if one is not found.

    A heading is a line of its own; a TOC line carries a page number after it, so it never matches.
    """
    out: list[int] = []
    start = 0
    squeezed = [[_squeeze(line) for line in p.splitlines() if line.strip()] for p in pages]
    for h in headings:
        key = _squeeze(h)
        page = next((k for k in range(start, len(pages)) if _starts_on(squeezed[k], key)), None)
        if page is None:
            return None
        out.append(page + 1)
        start = page
    return out
