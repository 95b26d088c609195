"""The checks both PDFs of the scheme share: the contents page's numbers are the pages the headings are set on,
and each KPI form sits on one landscape page with its signatures and its indicators.

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


def assert_forms_on_landscape_pages(doc, eng, lang: str, pages: list[str],
                                    sizes: list[tuple[float, float]]) -> list[tuple[object, list[str]]]:
    """Each role's KPI form title is on exactly one page, a landscape one, with the three signature lines and every
    indicator name (zh) or word of it (en) whole on a line. Returns ``(form table, lines of its page)`` per role."""
    from toolkit.documents.blocks import Table
    from toolkit.model.messages import t
    from toolkit.scheme.resolve import resolve_scheme

    forms = [b for ap in doc.appendices if ap.key == "forms" for b in ap.blocks if isinstance(b, Table) and b.columns]
    roles = resolve_scheme(eng).roles
    assert len(forms) == len(roles)
    found = []
    for rs, form in zip(roles, forms):
        title = squeeze(t("doc.form_title", lang, role=rs.role.name))
        hits = [k for k, p in enumerate(pages) if any(squeeze(x) == title for x in p.splitlines())]
        assert len(hits) == 1, title
        page = pages[hits[0]]
        assert sizes[hits[0]][0] > sizes[hits[0]][1], title  # landscape
        for key in ("doc.f.sign.employee", "doc.f.sign.rater", "doc.f.sign.reviewer"):  # the signatures with it
            assert squeeze(t(key, lang).split("：" if lang == "zh" else ":")[0]) in squeeze(page), (title, key)
        lines = page.splitlines()
        for row in form.rows[:-1]:  # every indicator name (zh) or word of it (en) whole on a line of the page
            for word in [row[2].split("\n")[0]] if lang == "zh" else re.split(r"[\s-]+", row[2]):
                assert any(word in line for line in lines), (title, word)
        found.append((form, lines))
    return found
