"""Benchmark: the scheme PDF against plain WeasyPrint on a plain CJK document of the same page count.

The floor is what WeasyPrint itself costs per page: a document of Chinese paragraphs and headings in the same
fonts (Noto Serif/Sans CJK SC, embedded as subsets), A4, as many pages as the scheme, no tables. The scheme is the
midsize sample (8 roles, 3 AHP) without charts (the charts are PNGs made once; their cost is in
``bench_documents.py``). Both are rendered in this process after one warm-up each (fonts and WeasyPrint's user-agent
stylesheet loaded), alternating, ``--rounds`` times (3); medians are printed with the ratio.

Run: ``.venv/bin/python benchmarks/bench_pdf.py [--rounds 3] [--profile]``
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import time

SENTENCE = ("考核结果作为绩效工资发放、调薪、晋升和培训的依据，考核人应当依据事实和本办法的规定客观评价，"
            "不得以个人好恶影响评分；员工对结果有异议的，可以在规定期限内提出申诉。")


def plain_html(paragraphs: int) -> str:
    """A plain CJK document: a heading every 8 paragraphs, each paragraph four sentences."""
    body = []
    for i in range(paragraphs):
        if i % 8 == 0:
            body.append(f"<h2>第{i // 8 + 1}章　总则</h2>")
        body.append(f"<p>{SENTENCE * 4}</p>")
    css = ("@page { size: A4; margin: 25mm 20mm 22mm 20mm; @bottom-center { content: counter(page); } }"
           "html { font-family: 'Noto Serif CJK SC', serif; font-size: 10.5pt; line-height: 1.75; }"
           "h2 { font-family: 'Noto Sans CJK SC', sans-serif; font-size: 15pt; } p { text-indent: 2em; }")
    return f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><style>{css}</style></head>" \
           f"<body>{''.join(body)}</body></html>"


def pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of one scheme render")
    args = ap.parse_args()
    from weasyprint import HTML

    from toolkit.documents.content import build_document
    from toolkit.documents.render_pdf import pdf_bytes
    from toolkit.model.engagement import load_engagement
    from toolkit.model.paths import samples_dir

    eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    doc = build_document(eng, today=dt.date(2026, 11, 25), figures=False)
    scheme_pdf = pdf_bytes(doc)  # warm-up
    n = pages(scheme_pdf)
    # a plain document of the same page count: about 5 paragraphs a page, then adjusted
    paras = n * 5
    for _ in range(6):
        got = pages(HTML(string=plain_html(paras)).write_pdf())
        if got == n:
            break
        paras = max(1, round(paras * n / got)) if abs(got - n) > 1 else paras + (1 if got < n else -1)
    plain = plain_html(paras)
    floor_pages = pages(HTML(string=plain).write_pdf())
    times: dict[str, list[float]] = {"scheme": [], "floor": []}
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        pdf_bytes(doc)
        times["scheme"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        HTML(string=plain).write_pdf()
        times["floor"].append(time.perf_counter() - t0)
    s, f = statistics.median(times["scheme"]), statistics.median(times["floor"])
    print(f"{'document':40s} {'pages':>5s} {'median s':>9s} {'range s':>13s} {'pages/s':>8s}")
    for name, p, ts in (("scheme (midsize, no charts)", n, times["scheme"]),
                        ("plain CJK paragraphs, WeasyPrint", floor_pages, times["floor"])):
        med = statistics.median(ts)
        print(f"{name:40s} {p:5d} {med:9.2f} {min(ts):6.2f}–{max(ts):<6.2f} {p / med:8.1f}")
    print(f"\nscheme / plain WeasyPrint: ×{s / f:.2f} (goal ≤ ×2)")
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(pdf_bytes, doc)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(r"weasyprint/(layout|css|text)", 25)


if __name__ == "__main__":
    main()
