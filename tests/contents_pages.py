"""The check both PDFs of the scheme share: the contents page's numbers are the pages the headings are set on.

Used for the Typst PDF (tests/test_render_typst.py) and for LibreOffice's layout of the DOCX
(tests/test_document_layout.py), whose contents carry page numbers LibreOffice measured.
"""
from __future__ import annotations

import itertools
import re


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def contents_entries(page: str) -> dict[str, int]:
    """``{heading (spaces removed): page}`` of a contents page as pdftotext reads it ("第一章　总则 …… 3")."""
    toc = {}
    for line in page.splitlines():
        m = re.match(r"\s*(.+?)\s*(?:\.\s*){4,}(\d+)\s*$", line)
        if m:
            toc[squeeze(m.group(1))] = int(m.group(2))
    return toc


def set_on(page: str, heading: str) -> bool:
    """Whether ``heading`` is a line of its own on ``page``, or two (a long English heading wraps)."""
    lines = [squeeze(x) for x in page.splitlines() if x.strip()]
    key = squeeze(heading)
    return key in lines or any(a + b == key for a, b in itertools.pairwise(lines))


def assert_contents_match(pages: list[str], headings: list[str]) -> None:
    """Every heading is listed on the contents page (page 2) in order, is on the page it gives, and on no page
    of the body before it."""
    toc = contents_entries(pages[1])
    assert list(toc) == [squeeze(h) for h in headings]  # every entry, in order, with its number
    for heading in headings:
        n = toc[squeeze(heading)]
        assert set_on(pages[n - 1], heading), (heading, n)  # the heading is on page n …
        assert not any(set_on(p, heading) for p in pages[2:n - 1]), (heading, n)  # … and on no page before it
