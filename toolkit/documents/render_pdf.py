"""The scheme document as PDF: WeasyPrint lays out the same HTML as the HTML deliverable, for A4 print.

Chinese text uses the system Noto CJK faces (Debian ``fonts-noto-cjk``) through fontconfig; WeasyPrint embeds
the glyph subsets, so the PDF shows the same on any reader. With ``libharfbuzz-subset0`` installed subsetting
takes a fraction of a second; without it WeasyPrint falls back to fontTools, which is ~50× slower on CJK fonts
(measured: 13 s vs 0.25 s for one page), so we warn once when it is missing.
"""
from __future__ import annotations

import ctypes.util
import gc
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from toolkit.documents.blocks import Document
from toolkit.documents.render_html import html_string
from toolkit.model.fileio import atomic_path

__all__ = ["pdf_bytes", "render_pdf"]


@lru_cache(maxsize=1)
def _check_harfbuzz_subset() -> bool:
    ok = ctypes.util.find_library("harfbuzz-subset") is not None
    if not ok:
        warnings.warn("libharfbuzz-subset is not installed: PDF font subsetting will be slow. Install the Debian "
                      "package libharfbuzz-subset0 (make setup does this).", RuntimeWarning, stacklevel=3)
    return ok


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while WeasyPrint builds its box tree.

    WeasyPrint allocates hundreds of thousands of long-lived objects (styles, boxes, glyph runs) and frees almost
    none until the PDF is written, so every generation-2 collection re-walks all of them for nothing: measured on
    the 52-page midsize scheme, 25–35 % of the render time (4.5 s → 3.4 s). The cycles it leaves are collected
    at the next ordinary collection after it returns.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def pdf_bytes(doc: Document) -> bytes:
    """The document as PDF bytes."""
    from weasyprint import HTML

    _check_harfbuzz_subset()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    with _collector_paused():
        html = HTML(string=html_string(doc), base_url=str(Path.cwd()))
        return html.write_pdf(pdf_variant=None, uncompressed_pdf=False)


def render_pdf(doc: Document, path: str | os.PathLike[str]) -> Path:
    """Write the document to ``path`` as an A4 PDF with embedded CJK fonts (atomically)."""
    data = pdf_bytes(doc)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
