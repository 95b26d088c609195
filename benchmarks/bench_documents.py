"""Time each stage of rendering the midsize sample's deliverables, side by side in one run.

Run: .venv/bin/python benchmarks/bench_documents.py
"""
from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from toolkit.documents.content import build_document
from toolkit.documents.forms import form_workbook
from toolkit.documents.render_docx import docx_bytes
from toolkit.documents.render_html import html_string
from toolkit.documents.render_pdf import pdf_bytes
from toolkit.model.engagement import load_engagement
from toolkit.model.paths import samples_dir
from toolkit.scheme.resolve import resolve_scheme


def timed(fn, repeat=3):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    today = dt.date(2026, 11, 25)
    rows = []
    t, scheme = timed(lambda: resolve_scheme(eng))
    rows.append(("resolve scheme (3 AHP roles)", t))
    t, _ = timed(lambda: build_document(eng, scheme=scheme, today=today, figures=False))
    rows.append(("content model, no charts", t))
    t, doc = timed(lambda: build_document(eng, scheme=scheme, today=today), repeat=1)
    rows.append(("content model with sensitivity charts", t))
    t, html = timed(lambda: html_string(doc))
    rows.append((f"HTML ({len(html) // 1024} KB)", t))
    t, docx = timed(lambda: docx_bytes(doc, toc_pages=False))
    rows.append((f"DOCX, no TOC page numbers ({len(docx) // 1024} KB)", t))
    t, docx = timed(lambda: docx_bytes(doc))  # + LibreOffice paginating it once for the contents' page numbers
    rows.append((f"DOCX with TOC page numbers ({len(docx) // 1024} KB)", t))
    t, pdf = timed(lambda: pdf_bytes(doc), repeat=1)
    rows.append((f"PDF via Typst ({len(pdf) // 1024} KB)", t))

    def forms():
        with tempfile.TemporaryDirectory() as d:
            wb, _ = form_workbook(eng, scheme)
            wb.save(Path(d) / "f.xlsx")
    t, _ = timed(forms)
    rows.append((f"XLSX workbook, {len(scheme.roles)} role forms", t))
    base = rows[1][1]
    print(f"{'stage':45s} {'seconds':>8s} {'× content model':>16s}")
    for name, sec in rows:
        print(f"{name:45s} {sec:8.3f} {sec / base:16.1f}")


if __name__ == "__main__":
    main()
