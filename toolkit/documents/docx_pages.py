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

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["heading_pages", "page_texts", "paginate_enabled"]

_TIMEOUT_S = 240


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
    with tempfile.TemporaryDirectory(prefix="appraisal-lo-") as tmp:
        src = Path(tmp) / "scheme.docx"
        src.write_bytes(docx)
        try:  # a profile of its own: never disturbs (or waits for) a LibreOffice the user has open
            subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={Path(tmp, 'lo').as_uri()}",
                            "--convert-to", "pdf", "--outdir", tmp, str(src)], check=True, capture_output=True,
                           timeout=_TIMEOUT_S)
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
