"""Benchmark: the scheme PDF (``render_pdf.pdf_bytes``, Typst) against plain WeasyPrint on a plain CJK document of
the same page count (issue 17 item 3: the PDF within ×2 of plain WeasyPrint).

The floor is what WeasyPrint itself costs per page: a document of Chinese paragraphs and headings in the same fonts
(Noto Serif/Sans CJK SC, embedded as subsets), A4, as many pages as the scheme, no tables; it is timed as it is and
with the cyclic collector paused (as the WeasyPrint scheme path paused it). The scheme is the midsize sample (8 roles,
3 AHP) without charts (the charts are PNGs made once; their cost is in ``bench_documents.py``). Timed in this process
after one warm-up each (fonts indexed, WeasyPrint's user-agent stylesheet loaded), alternating, ``--rounds`` times:

- ``pdf_bytes``: the production path, the document as JSON compiled by Typst with ``templates/documents/scheme.typ``;
- the same, as the first compile in a fresh process (nothing memoized from an earlier scheme compile: Typst memoizes
  layouts within a process), timed by that process;
- the previous engine for reference: WeasyPrint laying out the scheme's HTML (``html_string``), collector paused;
- the floor (plain WeasyPrint), and the floor with the collector paused.

Wall and CPU seconds (all threads) are printed, with ratios: the machine is shared. ``--out DIR`` writes the PDFs and
the JSON data and checks them: lines starting or ending with punctuation that Chinese forbids there (pdftotext),
pages ending with a heading, embedded fonts (pdffonts).

Run: ``.venv/bin/python benchmarks/bench_pdf.py [--rounds 3] [--out /tmp/pdf] [--no-weasyprint]``

The switch (2 Dec 2026): this benchmark folds in ``bench_typst.py``, which measured Typst beside WeasyPrint with a
copy of the template before the switch (typst 0.15.2, 52 pages, medians of 3 at load 5): WeasyPrint scheme 8.91 s wall
(4.01 s CPU), Typst 1.10 s (0.42 s CPU) in process and 0.89 s (0.54 s CPU) as a first compile, plain WeasyPrint floor
2.50 s (1.35 s CPU): Typst ×0.12 the WeasyPrint scheme and ×0.44 the floor, with the same typographic quality (same
page breaks on 51 of 52 pages, no forbidden line starts or ends, no page ending with a heading, header rows repeated,
table column widths and wrapping alike at 70 dpi).

Measured after the switch, 2 Dec 2026, typst 0.15.2, 2 shared cores at load 6.3, ``--rounds 3``, medians [range]:
52 pages; pdf_bytes 0.44 s wall [0.41–0.50], 0.38 s CPU (138 pages per CPU second); first compile in a process
0.58 s [0.39–0.66], 0.38 s CPU; WeasyPrint scheme 4.00 s [3.97–5.59], 3.76 s CPU; floor 1.15 s [1.02–1.34],
1.04 s CPU (paused collector 1.32 s, 1.18 s CPU). pdf_bytes / floor ×0.38 wall, ×0.36 CPU (first compile ×0.50,
×0.37): the goal (≤ ×2) is met; pdf_bytes / WeasyPrint scheme ×0.11 wall, ×0.10 CPU. PDF 1,054 KiB (tagged) vs
WeasyPrint's 837 KiB. pdftotext finds one line starting with "，" in the Typst PDF (p. 12, "（阈值 0.10），判"):
a reading-order artefact of the compressed full-width comma, set at the end of the line in the page image.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from toolkit.model.collector import collector_paused  # as the WeasyPrint scheme path paused it

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


def load_doc():  # type: ignore[no-untyped-def]
    from toolkit.documents.content import build_document
    from toolkit.model.engagement import load_engagement
    from toolkit.model.paths import samples_dir

    eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    return build_document(eng, today=dt.date(2026, 11, 25), figures=False)


def _child() -> None:
    """One scheme compile in a fresh process after a small warm-up compile (fonts indexed and faces loaded, as a
    warm WeasyPrint has its fonts) but with no scheme layout memoized. Prints wall and CPU seconds as JSON."""
    import typst

    from toolkit.documents.render_pdf import pdf_bytes

    doc = load_doc()
    typst.compile('#set text(font: "Noto Serif CJK SC")\n考核\n'
                  '#text(font: "Noto Sans CJK SC", weight: "bold")[总则]'.encode())
    t0, c0 = time.perf_counter(), time.process_time()
    pdf_bytes(doc)
    print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}))


_NO_START = "，。、；：？！）」》”’"
_NO_END = "（「《“‘"
_HEADING = re.compile(r"^(第[一二三四五六七八九十百]+[条章]|附件\s*\d+)\s*[\u3000 ]")


def quality(pdf: Path) -> str:
    """Line- and page-breaking faults visible in the text layer (pdftotext, reading order): lines that start with a
    closing punctuation mark or end with an opening one, and pages whose last line is a heading (the contents, whose
    lines end in leaders and page numbers, not counted)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    starts = sum(ln[0] in _NO_START for ln in lines)
    ends = sum(ln[-1] in _NO_END for ln in lines)
    orphans = []
    for i, page in enumerate(text.split("\f"), 1):
        body = [ln.strip() for ln in page.splitlines()
                if ln.strip() and not re.fullmatch(r"第 ?\d+ ?页", ln.strip())]
        if body and _HEADING.match(body[-1]) and ". ." not in body[-1] and "..." not in body[-1]:
            orphans.append(i)
    return (f"{len(lines)} text lines, {starts} start with {_NO_START}, {ends} end with {_NO_END}; "
            f"pages ending with a heading: {orphans or 'none'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, help="write the PDFs and the Typst data here and check them")
    ap.add_argument("--no-weasyprint", action="store_true", help="skip the previous engine (WeasyPrint scheme)")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of one pdf_bytes call")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child()
        return
    import typst
    from weasyprint import HTML

    from toolkit.documents.render_html import html_string
    from toolkit.documents.render_pdf import pdf_bytes, typst_data

    doc = load_doc()
    print(f"typst {typst.__version__}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    t0 = time.perf_counter()
    scheme_pdf = pdf_bytes(doc)  # warm-up: fonts indexed in this process
    print(f"first pdf_bytes in this process: {time.perf_counter() - t0:.2f} s")
    n = pages(scheme_pdf)
    html = html_string(doc)

    def weasy_scheme() -> bytes:
        with collector_paused():
            return HTML(string=html, base_url=str(Path.cwd())).write_pdf()

    weasy_pdf = b"" if args.no_weasyprint else weasy_scheme()  # warm-up
    # the plain floor: the same page count as the scheme, about 5 paragraphs a page, then adjusted
    paras = n * 5
    for _ in range(6):
        got = pages(HTML(string=plain_html(paras)).write_pdf())
        if got == n:
            break
        paras = max(1, round(paras * n / got)) if abs(got - n) > 1 else paras + (1 if got < n else -1)
    plain = plain_html(paras)
    floor_pdf = HTML(string=plain).write_pdf()
    floor_pages = pages(floor_pdf)

    wall: dict[str, list[float]] = {"scheme": [], "scheme_cold": [], "weasy": [], "floor": [], "floor_paused": []}
    cpu: dict[str, list[float]] = {k: [] for k in wall}

    def timed(key: str, fn: Callable[[], object]) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall[key].append(time.perf_counter() - t0)
        cpu[key].append(time.process_time() - c0)

    def cold() -> None:  # a fresh process; its own timing of the compile alone
        out = subprocess.run([sys.executable, __file__, "--child"], check=True, capture_output=True, text=True)
        got = json.loads(out.stdout.strip().splitlines()[-1])
        wall["scheme_cold"].append(got["wall"])
        cpu["scheme_cold"].append(got["cpu"])

    def plain_paused() -> object:
        with collector_paused():
            return HTML(string=plain).write_pdf()

    for _ in range(args.rounds):
        timed("scheme", lambda: pdf_bytes(doc))
        cold()
        if not args.no_weasyprint:
            timed("weasy", weasy_scheme)
        timed("floor", lambda: HTML(string=plain).write_pdf())
        timed("floor_paused", plain_paused)
    med = {k: statistics.median(v) for k, v in wall.items() if v}
    cmed = {k: statistics.median(v) for k, v in cpu.items() if v}
    rows = (("scheme", "scheme, pdf_bytes (Typst), in process", n),
            ("scheme_cold", "scheme, pdf_bytes, first compile in a process", n),
            ("weasy", "scheme, WeasyPrint (the previous engine)", pages(weasy_pdf) if weasy_pdf else 0),
            ("floor", "plain CJK paragraphs, WeasyPrint (floor)", floor_pages),
            ("floor_paused", "plain CJK paragraphs, WeasyPrint, no cyclic GC", floor_pages))
    print(f"\n{'document':48s} {'pages':>5s} {'wall s':>7s} {'range s':>13s} {'CPU s':>6s} {'pages/CPU s':>11s}")
    for key, name, p in rows:
        if key in med:
            print(f"{name:48s} {p:5d} {med[key]:7.2f} {min(wall[key]):6.2f}–{max(wall[key]):<6.2f} "
                  f"{cmed[key]:6.2f} {p / cmed[key]:11.1f}")
    for key, name in (("scheme", "pdf_bytes"), ("scheme_cold", "pdf_bytes, first compile")):
        print(f"\n{name} / plain WeasyPrint: ×{med[key] / med['floor']:.2f} wall, "
              f"×{cmed[key] / cmed['floor']:.2f} CPU (goal ≤ ×2); with the collector paused in the floor too: "
              f"×{med[key] / med['floor_paused']:.2f} wall, ×{cmed[key] / cmed['floor_paused']:.2f} CPU")
    if "weasy" in med:
        print(f"pdf_bytes / WeasyPrint scheme: ×{med['scheme'] / med['weasy']:.2f} wall, "
              f"×{cmed['scheme'] / cmed['weasy']:.2f} CPU; WeasyPrint scheme / floor: "
              f"×{med['weasy'] / med['floor']:.2f} wall, ×{cmed['weasy'] / cmed['floor']:.2f} CPU")
    print(f"PDF size: Typst {len(scheme_pdf) / 1024:.0f} KiB"
          + (f", WeasyPrint {len(weasy_pdf) / 1024:.0f} KiB" if weasy_pdf else "")
          + f", floor {len(floor_pdf) / 1024:.0f} KiB")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "scheme_typst.pdf").write_bytes(scheme_pdf)
        (args.out / "plain_floor.pdf").write_bytes(floor_pdf)
        (args.out / "data.json").write_text(typst_data(doc), encoding="utf-8")
        names = ["scheme_typst.pdf"]
        if weasy_pdf:
            (args.out / "scheme_weasyprint.pdf").write_bytes(weasy_pdf)
            names.append("scheme_weasyprint.pdf")
        for name in names:
            print(f"\n{name}: {quality(args.out / name)}")
            res = subprocess.run(["pdffonts", str(args.out / name)], check=False, capture_output=True, text=True)
            print(res.stdout or res.stderr)
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(pdf_bytes, doc)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(12)


if __name__ == "__main__":
    main()
