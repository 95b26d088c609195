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
from collections.abc import Callable

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
    from toolkit.documents.render_pdf import _collector_paused, pdf_bytes
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
    # wall and CPU seconds of each render: the renders are single-threaded, so on a shared machine the CPU
    # seconds say what the work costs whatever else runs; both ratios are printed
    wall: dict[str, list[float]] = {"scheme": [], "floor": [], "floor_paused": []}
    cpu: dict[str, list[float]] = {k: [] for k in wall}

    def timed(key: str, fn: Callable[[], object]) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall[key].append(time.perf_counter() - t0)
        cpu[key].append(time.process_time() - c0)

    def plain_paused() -> object:
        with _collector_paused():  # the plain document with the collector paused as pdf_bytes pauses it
            return HTML(string=plain).write_pdf()

    for _ in range(args.rounds):
        timed("scheme", lambda: pdf_bytes(doc))
        timed("floor", lambda: HTML(string=plain).write_pdf())
        timed("floor_paused", plain_paused)
    med = {k: statistics.median(v) for k, v in wall.items()}
    cmed = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"{'document':48s} {'pages':>5s} {'wall s':>7s} {'range s':>13s} {'CPU s':>6s} {'pages/CPU s':>11s}")
    for key, name, p in (("scheme", "scheme (midsize, no charts)", n),
                         ("floor", "plain CJK paragraphs, WeasyPrint", floor_pages),
                         ("floor_paused", "plain CJK paragraphs, WeasyPrint, no cyclic GC", floor_pages)):
        print(f"{name:48s} {p:5d} {med[key]:7.2f} {min(wall[key]):6.2f}–{max(wall[key]):<6.2f} {cmed[key]:6.2f} "
              f"{p / cmed[key]:11.1f}")
    print(f"\nscheme / plain WeasyPrint: ×{cmed['scheme'] / cmed['floor']:.2f} CPU, "
          f"×{med['scheme'] / med['floor']:.2f} wall (goal ≤ ×2)")
    print(f"scheme / plain WeasyPrint with the collector paused too (like for like): "
          f"×{cmed['scheme'] / cmed['floor_paused']:.2f} CPU, ×{med['scheme'] / med['floor_paused']:.2f} wall")
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(pdf_bytes, doc)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(r"weasyprint/(layout|css|text)", 25)


if __name__ == "__main__":
    main()
