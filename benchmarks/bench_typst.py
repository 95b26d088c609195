"""Benchmark: the scheme PDF typeset by Typst (the ``typst`` PyPI package) beside WeasyPrint and its floor.

Issue 17 item 3: measure ``typst`` (the wheel bundles the compiler) on the same scheme and switch only if it
is faster at the same typographic quality. The document is the midsize sample without charts, as in
``bench_pdf.py``. It is converted to Typst by a fixed template (``TEMPLATE``) and a JSON dump of the Document
passed as ``sys.inputs.data``: every engagement text reaches Typst as a string, never as markup, so ``#``,
``*``, ``$``, ``[`` and ``]`` print literally. The template copies scheme.css for print: A4 25/20/22/20 mm
margins, landscape appendices 16/20/15/20 mm, Noto Serif CJK SC 10.5 pt body at line-height 1.75 with a 2 em
first-line indent, Noto Sans CJK SC headings, cover without a page number, a contents page with leaders, the
page label in the footer, tables with the column widths and wrapped cells that table_layout.py gives the HTML,
0.6 pt rules, grey header rows repeated on every page, rows never split, short tables kept whole, headings and
lead-in paragraphs kept with what follows. Timed in this process after one warm-up each, alternating, for
``--rounds`` rounds: (a) ``render_pdf.pdf_bytes`` (WeasyPrint), (b) Typst: markup generation (layout_table and
JSON) plus ``typst.compile`` to PDF bytes, (b') the same as the first compile in a fresh process (fonts
indexed by a small warm-up document, nothing memoized from an earlier scheme compile; Typst memoizes layouts
within a process), (c) the plain WeasyPrint floor of ``bench_pdf.py`` (``plain_html``, same page-count
adjustment). Wall and CPU seconds (all threads) are printed: the machine is shared. ``--out DIR`` also writes
the PDFs, the template and the data, and checks both PDFs: line starts and ends forbidden in Chinese
(pdftotext), pages ending with a heading, and embedded fonts (pdffonts).

Run: ``.venv/bin/python -m pip install typst`` (for the measurement only: the project does not depend on it;
without it this prints a note and exits 0), then
``.venv/bin/python benchmarks/bench_typst.py [--rounds 3] [--out /tmp/typst]``

Measured 2 Dec 2026, typst 0.15.2 (compiler 0.15.1), 2 cores, with bench_batch.py running beside it (load
average 5): medians of 3 [range]

| document                                  | pages | wall s            | CPU s | pages/s (wall) |
|-------------------------------------------|-------|-------------------|-------|----------------|
| scheme, WeasyPrint (``pdf_bytes``)        | 52    | 8.91 [7.19–9.47]  | 4.01  | 5.8            |
| scheme, Typst, in process                 | 52    | 1.10 [0.63–1.28]  | 0.42  | 47.4           |
| scheme, Typst, first compile in a process | 52    | 0.89 [0.62–1.24]  | 0.54  | 58.2           |
| plain CJK paragraphs, WeasyPrint (floor)  | 52    | 2.50 [1.50–3.49]  | 1.35  | 20.8           |

Typst / WeasyPrint scheme ×0.12 wall, ×0.10 CPU (first compile: ×0.10, ×0.13); Typst / plain WeasyPrint
floor ×0.44 wall, ×0.31 CPU (first compile: ×0.36, ×0.40); WeasyPrint scheme / floor ×3.56 wall, ×2.96 CPU.
An earlier run at load 4.8 gave the same picture: WeasyPrint 6.83 s (3.87 CPU), Typst 0.90 s (0.49 CPU),
first compile 1.32 s (0.60 CPU), floor 2.16 s (1.31 CPU). The first Typst compile in the benchmark process,
system fonts indexed in it, took 0.8–1.6 s; ``import typst`` takes 8 ms, the markup (64 KiB of JSON) 55 ms.
Typst's memo cache hardly matters here (0.42–0.49 s CPU repeated, 0.54–0.60 s first in a process).

Quality, same 52 pages: 51 of the 52 pages begin with the same text in both PDFs (page 3 holds one more list
item in Typst) and the contents pages agree entry for entry; pdftotext finds 0 lines starting with
，。、；：？！）」》”’ and 0 ending with （「《“‘ in either, and no page ending with a heading; header rows repeat
on every page of the landscape indicator dictionary (pp. 28–33) in both. Pages 1, 2, 3, 7 and 28 at 70 dpi
look alike, table column widths and cell wrapping included (the contents lines are spaced a little wider in
Typst). Differences: Typst adds its automatic quarter-em CJK–Latin spacing ("2027 年 1 月 1 日", "附件 1",
"岗位 KPI 考核表"; the Chinese layout requirements ask for it, WeasyPrint sets none; ``cjk-latin-spacing:
none`` would match), drops the 9 mm space above a chapter heading at the top of a page (WeasyPrint keeps it),
and the forms' 16 mm rows are approximated with a strut. Fonts: both embed the three faces as CID CFF subsets
(Noto Serif CJK SC, Noto Sans CJK SC, Noto Sans CJK SC Bold). Size: WeasyPrint 837 KiB; Typst 1,049 KiB as
measured, which is a tagged (accessible) PDF, Typst's default; 453 KiB with ``pdf_tags=False``.

Conclusion: switch. Typst is the faster engine at the same typographic quality on this document: about ×8
faster than the current path in wall time and ×7–10 in CPU, and 2–3 times faster even than WeasyPrint's own
plain-paragraph floor, so the issue's PDF goal (within ×2 of plain WeasyPrint) would be met with room to
spare. What this benchmark does not cover, and a switch needs: figures (PNG charts; ``sys.inputs`` carries
strings only, so write them under the compile root and ``image()`` them), the English scheme (the template
has a lang switch, untested), a second stylesheet beside scheme.css (restyling the CSS would no longer change
the PDF), and the 34 MB ``typst`` wheel as a dependency (WeasyPrint and its Pango stack could then go, unless
something else uses them). The measured WeasyPrint path is the working tree of 2 Dec 2026, which had
uncommitted changes to render_pdf.py by another session.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_pdf beside this file

from toolkit.documents.blocks import Document, Heading, Para, Table
from toolkit.documents.table_layout import LANDSCAPE_MM, PORTRAIT_MM, layout_table

# ------------------------------------------------------------------------------------------------ template
# Fixed Typst source; every text of the document arrives as JSON through ``sys.inputs.data`` and is shown as
# a Typst *string*, never parsed as markup, so nothing in an engagement can inject markup (``*#$[]``).
# The styles mirror templates/documents/scheme.css (print media): A4 with 25/20/22/20 mm margins, landscape
# appendices with 16/20/15/20 mm, serif body 10.5 pt at line-height 1.75, sans headings, 9.5 pt tables at
# 1.45 (small ones 8 pt at 1.35), 0.6 pt #444 rules, grey header rows repeated on every page, rows never
# split, tables of up to 12 rows kept on one page with their caption, headings and lead-in paragraphs kept
# with what follows, column widths from toolkit/documents/table_layout.py as the HTML's <colgroup>.
TEMPLATE = r"""
#let d = json(bytes(sys.inputs.data))
#let serif = "Noto Serif CJK SC"
#let sans = "Noto Sans CJK SC"
#let soft = rgb("#f2f2f2")
#let rule = 0.6pt + rgb("#444")
// CSS line boxes: the glyph box (ascender 0.88 em, descender 0.12 em in Noto CJK) plus half the leading above
// and below, so that a line is `x` em tall and block margins are measured from the line box as in CSS
#let lh(x) = (top-edge: 0.88em + (x - 1) / 2 * 1em, bottom-edge: -0.12em - (x - 1) / 2 * 1em)
#set document(title: d.title)
#set page(paper: "a4", margin: (top: 25mm, right: 20mm, bottom: 22mm, left: 20mm),
  footer: context align(center, text(font: sans, size: 9pt, fill: rgb("#333"),
    d.page.at(0) + counter(page).display() + d.page.at(1))))
#set text(font: serif, size: 10.5pt, lang: d.lang, region: d.region, fill: rgb("#111"), ..lh(1.75))
#set par(leading: 0pt, spacing: 1.5mm, justify: d.lang != "zh",
  first-line-indent: (amount: if d.lang == "zh" { 2em } else { 0em }, all: true))
#set table.cell(breakable: false)
#show heading: set text(font: sans, weight: "bold")
#show heading.where(level: 1): set text(size: 15pt)
#show heading.where(level: 1): set block(above: 9mm, below: 4mm)
#show heading.where(level: 2): set text(size: 11pt)
#show heading.where(level: 2): set block(above: 4mm, below: 1.5mm)
#show heading.where(level: 3): set text(size: 11.5pt)
#show heading.where(level: 3): set block(above: 6mm, below: 1.5mm)

#let lines(s) = s.split("\n").map(x => [#x]).join(linebreak())

#let tbl(t, width: 100%) = {
  let small = t.small
  let inset = (x: 1.6mm, y: if small { 0.9mm } else { 1.2mm })
  let cells = ()
  for (j, c) in t.columns.enumerate() {
    cells.push(table.cell(fill: soft, align: center + horizon, text(font: sans, weight: "bold", lines(c))))
  }
  let body = ()
  for row in t.rows {
    for (j, c) in row.enumerate() {
      if t.kind != "data" and calc.even(j) {
        body.push(table.cell(fill: soft, text(font: sans, weight: "bold", lines(c))))
      } else if t.kind == "form" {
        body.push(box(height: 16mm - 2 * inset.y) + lines(c))
      } else {
        body.push(lines(c))
      }
    }
  }
  let tab = {
    set text(size: if small { 8pt } else { 9.5pt })
    set text(..lh(if small { 1.35 } else { 1.45 }))
    set par(first-line-indent: 0em, justify: false)
    table(columns: t.widths.map(w => w * 1fr), stroke: rule, inset: inset, align: left + top,
      ..if cells.len() > 0 { (table.header(repeat: true, ..cells),) } else { () },
      ..body)
  }
  let cap = if t.caption != "" {
    block(sticky: true, below: 1.5mm, width: 100%,
      align(center, text(font: sans, size: 9.5pt, weight: "bold", t.caption)))
  }
  block(above: 2mm, below: 4mm, width: width, breakable: not t.keep, sticky: t.kind == "kv", cap + tab)
}

#let para(b, sign-top: 4mm) = {
  if b.kind == "body" {
    block(sticky: b.lead, par(b.text))
  } else if b.kind == "item" {
    block(sticky: b.lead, inset: (left: 2em), spacing: 1.5mm, par(first-line-indent: 0em, b.text))
  } else if b.kind == "note" {
    block(sticky: b.lead, text(size: 9pt, fill: rgb("#444"), par(first-line-indent: 0em, b.text)))
  } else {
    block(sticky: b.lead, above: sign-top, text(size: 9.5pt, par(first-line-indent: 0em, box(b.text))))
  }
}

#let blocks(items, wide: false) = {
  for b in items {
    if b.type == "para" { para(b, sign-top: if wide { 3mm } else { 4mm }) }
    else if b.type == "heading" {
      if b.new_page { pagebreak(weak: true) }
      show heading: set block(above: if wide { 3mm } else { 6mm })
      heading(level: 3, b.text)
    } else if b.type == "table" { tbl(b) }
  }
}

// the cover: no page number
#page(footer: none)[
  #v(30mm)
  #align(center, block(spacing: 0mm, {
    set par(first-line-indent: 0em)
    set text(font: sans, size: 22pt, weight: "bold", ..lh(1.5),
      tracking: if d.lang == "zh" { 0.05em } else { 0em })
    if d.name != "" {
      block(text(size: if d.client.clusters().len() > 16 { 17pt } else { 22pt }, d.client))
      block(spacing: 0mm, if d.lang == "zh" { box(d.name) } else { d.name })
    } else { d.title }
  }))
  #v(4mm)
  #align(center, text(size: 12pt, par(first-line-indent: 0em, d.subtitle)))
  #v(10mm - 1.5mm)
  #align(center, text(font: sans, fill: rgb("#333"), par(first-line-indent: 0em, d.meta)))
  #if d.control != none {
    v(18mm)
    align(center, tbl(d.control, width: 70%))
  }
]

// the table of contents: chapter and appendix headings (level 1) with dot leaders and page numbers
#{
  set text(font: sans)
  align(center, heading(level: 1, outlined: false, d.toc))
  set outline.entry(fill: repeat[. ])
  show outline.entry: set block(spacing: 2mm)
  outline(title: none, depth: 1)
}
#pagebreak()

#for c in d.chapters {
  align(center, heading(level: 1, c.heading))
  for a in c.articles {
    heading(level: 2, a.heading)
    blocks(a.blocks)
  }
}

#for ap in d.appendices {
  let body = {
    show heading.where(level: 1): set block(above: if ap.landscape { 0mm } else { 9mm })
    heading(level: 1, ap.heading)
    blocks(ap.blocks, wide: ap.landscape)
  }
  if ap.landscape {
    page(flipped: true, margin: (top: 16mm, right: 20mm, bottom: 15mm, left: 20mm), body)
  } else {
    pagebreak(weak: true)
    body
  }
}
"""


def _table(tb: Table, wide: bool = False, share: float = 1.0) -> dict:
    """A table with the column widths and wrapped text that the HTML (so the PDF) gets from table_layout."""
    lay = layout_table(tb, (LANDSCAPE_MM if wide else PORTRAIT_MM) * share)
    return {"type": "table", "kind": tb.kind, "small": tb.small, "caption": tb.caption,
            "keep": len(tb.rows) <= 12,  # the template's table.keep
            "widths": [round(w, 3) for w in lay.percent], "columns": lay.columns, "rows": lay.rows}


def _blocks(items: list, wide: bool = False) -> list[dict]:
    out: list[dict] = []
    for i, b in enumerate(items):
        if isinstance(b, Para):
            nxt = items[i + 1] if i + 1 < len(items) else None
            out.append({"type": "para", "kind": b.kind, "text": b.text, "lead": isinstance(nxt, Table)})
        elif isinstance(b, Heading):
            out.append({"type": "heading", "text": b.text, "new_page": b.new_page})
        elif isinstance(b, Table):
            out.append(_table(b, wide))
        # figures: the benchmark document has none (figures=False, as in bench_pdf.py)
    return out


def typst_data(doc: Document) -> str:
    """The document as the JSON the template reads (all user text as strings)."""
    before, _, after = doc.labels["page"].partition("{n}")
    sep = "\u3000" if doc.lang == "zh" else " "
    data = {
        "lang": doc.lang, "region": "cn" if doc.lang == "zh" else "gb", "title": doc.title, "name": doc.name,
        "client": doc.client, "subtitle": doc.subtitle, "meta": doc.meta, "toc": doc.labels["toc"],
        "page": [before, after],
        "control": _table(doc.control, False, 0.7) if doc.control else None,
        "chapters": [{"heading": c.heading,
                      "articles": [{"heading": f"{a.label}{sep}{a.title}", "blocks": _blocks(a.blocks)}
                                   for a in c.articles]} for c in doc.chapters],
        "appendices": [{"heading": ap.heading, "landscape": ap.landscape,
                        "blocks": _blocks(ap.blocks, ap.landscape)} for ap in doc.appendices],
    }
    return json.dumps(data, ensure_ascii=False)


def typst_pdf(doc: Document) -> bytes:
    """Markup (template + data) generated and compiled to PDF bytes by the bundled Typst compiler."""
    import typst

    return typst.compile(TEMPLATE.encode("utf-8"), format="pdf", sys_inputs={"data": typst_data(doc)})


def _load_doc() -> Document:
    from toolkit.documents.content import build_document
    from toolkit.model.engagement import load_engagement
    from toolkit.model.paths import samples_dir

    eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    return build_document(eng, today=dt.date(2026, 11, 25), figures=False)


def _child() -> None:
    """One cold Typst render in a fresh process: fonts indexed and faces loaded by a warm-up compile of a
    small, different document (as a warm WeasyPrint has its fonts), but no layout memoized from an earlier
    scheme compile. Prints wall and CPU seconds as JSON."""
    import typst

    doc = _load_doc()
    typst.compile('#set text(font: "Noto Serif CJK SC")\n考核\n'
                  '#text(font: "Noto Sans CJK SC", weight: "bold")[总则]'.encode())
    t0, c0 = time.perf_counter(), time.process_time()
    typst_pdf(doc)
    print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}))


_NO_START = "，。、；：？！）」》”’"
_NO_END = "（「《“‘"
_HEADING = re.compile(r"^(第[一二三四五六七八九十百]+[条章]|附件\s*\d+)\s*[\u3000 ]")


def quality(pdf: Path) -> str:
    """Line-breaking and page-breaking faults visible in the text layer (pdftotext, reading order): lines that
    start with a closing punctuation mark or end with an opening one, and pages whose last line is a heading
    (the table of contents, whose lines end in leaders and page numbers, is not counted)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    starts = sum(ln[0] in _NO_START for ln in lines)
    ends = sum(ln[-1] in _NO_END for ln in lines)
    orphans = []
    for i, page in enumerate(text.split("\f"), 1):
        body = [ln.strip() for ln in page.splitlines()
                if ln.strip() and not re.fullmatch(r"第 ?\d+ ?页", ln.strip())]
        if body and _HEADING.match(body[-1]) and "..." not in body[-1]:
            orphans.append(i)
    return (f"{len(lines)} text lines, {starts} start with {_NO_START}, {ends} end with {_NO_END}; "
            f"pages ending with a heading: {orphans or 'none'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, help="write both PDFs, the floor's, scheme.typ and data.json here, "
                                             "and check them (pdftotext, pdffonts)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    try:
        import typst
    except ImportError:
        print("typst is not installed: this benchmark needs the `typst` PyPI package (it bundles the "
              "compiler), which the project does not depend on. For the measurement only: "
              ".venv/bin/python -m pip install typst")
        return
    if args.child:
        _child()
        return
    from bench_pdf import pages, plain_html
    from weasyprint import HTML

    from toolkit.documents.render_pdf import pdf_bytes

    doc = _load_doc()
    print(f"typst {typst.__version__}; machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    scheme_pdf = pdf_bytes(doc)  # warm-ups
    typst_first_t0 = time.perf_counter()
    ty_pdf = typst_pdf(doc)
    typst_first = time.perf_counter() - typst_first_t0
    n, nt = pages(scheme_pdf), pages(ty_pdf)
    # the plain floor of bench_pdf.py: the same page count as the WeasyPrint scheme, adjusted the same way
    paras = n * 5
    for _ in range(6):
        got = pages(HTML(string=plain_html(paras)).write_pdf())
        if got == n:
            break
        paras = max(1, round(paras * n / got)) if abs(got - n) > 1 else paras + (1 if got < n else -1)
    plain = plain_html(paras)
    floor_pdf = HTML(string=plain).write_pdf()
    floor_pages = pages(floor_pdf)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "scheme_weasyprint.pdf").write_bytes(scheme_pdf)
        (args.out / "scheme_typst.pdf").write_bytes(ty_pdf)
        (args.out / "plain_floor.pdf").write_bytes(floor_pdf)
        (args.out / "scheme.typ").write_text(TEMPLATE, encoding="utf-8")
        (args.out / "data.json").write_text(typst_data(doc), encoding="utf-8")

    wall: dict[str, list[float]] = {"scheme": [], "typst": [], "typst_cold": [], "floor": []}
    cpu: dict[str, list[float]] = {k: [] for k in wall}

    def timed(key: str, fn: Callable[[], object]) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall[key].append(time.perf_counter() - t0)
        cpu[key].append(time.process_time() - c0)

    def cold() -> None:  # a fresh process; its own timing of the render alone
        out = subprocess.run([sys.executable, __file__, "--child"], check=True, capture_output=True,
                             text=True)
        got = json.loads(out.stdout.strip().splitlines()[-1])
        wall["typst_cold"].append(got["wall"])
        cpu["typst_cold"].append(got["cpu"])

    for _ in range(args.rounds):
        timed("scheme", lambda: pdf_bytes(doc))
        timed("typst", lambda: typst_pdf(doc))
        cold()
        timed("floor", lambda: HTML(string=plain).write_pdf())
    med = {k: statistics.median(v) for k, v in wall.items()}
    cmed = {k: statistics.median(v) for k, v in cpu.items()}
    rows = (("scheme", "scheme, WeasyPrint (pdf_bytes)", n),
            ("typst", "scheme, Typst, in process (repeat)", nt),
            ("typst_cold", "scheme, Typst, first compile in a process", nt),
            ("floor", "plain CJK paragraphs, WeasyPrint (floor)", floor_pages))
    print(f"\n{'document':44s} {'pages':>5s} {'wall s':>7s} {'range s':>13s} {'CPU s':>6s} {'pages/s':>8s}")
    for key, name, p in rows:
        print(f"{name:44s} {p:5d} {med[key]:7.2f} {min(wall[key]):6.2f}–{max(wall[key]):<6.2f} "
              f"{cmed[key]:6.2f} {p / med[key]:8.1f}")
    print(f"(Typst warm-up, the first compile in this process, fonts indexed in it: {typst_first:.2f} s)")
    for key, name in (("typst", "Typst in process"), ("typst_cold", "Typst first compile")):
        print(f"{name:20s} / WeasyPrint scheme: ×{med[key] / med['scheme']:.2f} wall, "
              f"×{cmed[key] / cmed['scheme']:.2f} CPU;  / plain floor: ×{med[key] / med['floor']:.2f} wall, "
              f"×{cmed[key] / cmed['floor']:.2f} CPU")
    print(f"{'WeasyPrint scheme':20s} / plain floor: ×{med['scheme'] / med['floor']:.2f} wall, "
          f"×{cmed['scheme'] / cmed['floor']:.2f} CPU")
    print(f"\nPDF size: WeasyPrint {len(scheme_pdf) / 1024:.0f} KiB, Typst {len(ty_pdf) / 1024:.0f} KiB, "
          f"floor {len(floor_pdf) / 1024:.0f} KiB")
    if args.out:
        for name in ("scheme_weasyprint.pdf", "scheme_typst.pdf"):
            print(f"\n{name}: {quality(args.out / name)}")
            res = subprocess.run(["pdffonts", str(args.out / name)], check=False, capture_output=True,
                                 text=True)
            print(res.stdout or res.stderr)


if __name__ == "__main__":
    main()
