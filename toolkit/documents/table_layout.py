"""Column widths and line breaks of the document's tables, decided once for every renderer.

Chinese text may break between any two characters, so a renderer left to itself splits a narrow header or a
name wherever the line is full ("营销活/动", "序/号"). Here every table gets explicit column widths in mm (the
PDF lays tables out from them with ``table-layout: fixed``, the DOCX writes them into its grid), chosen so that
no *unit* is split: a header or a short cell (up to ``TERM_EM`` characters: an indicator name, a dimension,
a rater, a date) is one unit; longer text breaks after 、，；：/ and before （, and a sentence longer than a
unit anywhere. Headers and short cells are then wrapped here, at unit boundaries, with explicit line breaks
that fit the column, so neither WeasyPrint nor LibreOffice/WPS has to break them again.

Widths are estimated from character classes (a CJK character is one em, Latin letters about half), on the
generous side, at the PDF's table font sizes (the DOCX's are smaller, so it has room to spare).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from toolkit.documents.blocks import Table

__all__ = ["CELL_PAD_MM", "LANDSCAPE_MM", "PORTRAIT_MM", "TERM_EM", "TableLayout", "layout_table", "text_em", "units",
           "wrap"]

PORTRAIT_MM = 170.0  # the text width of an A4 portrait page (20 mm margins)
LANDSCAPE_MM = 257.0  # … and of a landscape one

TERM_EM = 13.0  # a cell line up to this wide (estimated em: twelve CJK characters) is a term: never split
CELL_PAD_MM = 4.2  # left + right padding and rules of a cell (PDF 2 × 1.6 mm + rule; DOCX 2 × 1.9 mm)
_PT_MM = 25.4 / 72
_SAFETY = 1.06  # estimates err on the wide side: a wrapped line must fit whatever the renderer's font
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_SOFT_AFTER = "、，；：/）)"
_SOFT_BEFORE = "（("
_SOFT_ZH = re.compile(rf"(?<=[{re.escape(_SOFT_AFTER)} ])|(?=[{re.escape(_SOFT_BEFORE)}])")
_SOFT_EN = re.compile(r"(?<=[ -])")


def _char_em(ch: str) -> float:
    o = ord(ch)
    if o >= 0x2E80 or 0x2000 <= o < 0x2E80 and ch not in "–‘’“”":
        return 1.0  # CJK, full-width punctuation, arrows and symbols (set full width by the CJK fonts)
    if ch == " ":
        return 0.28
    if ch.isdigit():
        return 0.56
    if ch.isupper() or ch in "%&@#mwMW":
        return 0.74
    if ch.isalpha():
        return 0.56
    return 0.42


@lru_cache(maxsize=1 << 16)
def text_em(text: str) -> float:
    """Estimated width of ``text`` in em (generous); cached: the same names and rules recur in every role."""
    return sum(_char_em(c) for c in text) * _SAFETY


def _pieces(text: str) -> list[str]:
    """Latin words whole, every other character on its own: where running text may break."""
    return re.findall(r"[A-Za-z0-9.,%+\-–/:]+ ?|\s+|.", text)


def _units(line: str) -> tuple[list[str], bool]:
    """The pieces of ``line`` that must not be split, and whether it is running text (split anywhere)."""
    segs = [s for s in (_SOFT_ZH if _CJK.search(line) else _SOFT_EN).split(line) if s] or [line]
    if text_em(line) > 1.5 * TERM_EM or any(text_em(s) > TERM_EM for s in segs):
        return _pieces(line), True  # a sentence or a long phrase: the renderer breaks it anywhere
    return segs, False


def units(line: str) -> list[str]:
    """The pieces of one line that must not be split; joined they give ``line`` back."""
    return _units(line)[0]


def wrap(text: str, width_em: float) -> str:
    """``text`` with line breaks at unit boundaries so that every line fits ``width_em``.

    Only Chinese lines made of whole units are wrapped here (headers, names, short phrases); running text and
    English (which renderers break between words anyway) are left as they are.
    """
    out = []
    for line in text.split("\n"):
        parts, running = _units(line)
        if running or text_em(line) <= width_em or not _CJK.search(line):
            out.append(line)
            continue
        cur = ""
        for p in parts:
            if cur and text_em((cur + p).rstrip()) > width_em:
                out.append(cur.rstrip())
                cur = p.lstrip()
            else:
                cur += p
        out.append(cur.rstrip())
    return "\n".join(out)


@dataclass
class TableLayout:
    widths_mm: list[float]
    columns: list[str]
    rows: list[list[str]]

    @property
    def percent(self) -> list[float]:
        total = sum(self.widths_mm) or 1.0
        return [100 * w / total for w in self.widths_mm]


def _font_pt(tb: Table) -> float:
    return 8.0 if tb.small else 9.5


def _fill(base: list[float], floor: list[float], width: float) -> list[float]:
    """``base`` scaled to ``width`` with no column under its ``floor`` (the floors are kept, the rest scaled)."""
    fixed = [False] * len(base)
    for _ in range(len(base) + 1):
        room = width - sum(f for f, x in zip(floor, fixed) if x)
        free = sum(b for b, x in zip(base, fixed) if not x)
        scale = room / free if free > 0 else 0.0
        out = [f if x else b * scale for b, f, x in zip(base, floor, fixed)]
        newly = [i for i, (w, f, x) in enumerate(zip(out, floor, fixed)) if not x and w < f - 1e-9]
        if not newly:
            return out
        for i in newly:
            fixed[i] = True
    return out


def layout_table(tb: Table, width_mm: float) -> TableLayout:
    """Widths (mm, summing to ``width_mm``) and wrapped text of ``tb`` laid out ``width_mm`` wide."""
    ncols = len(tb.columns) if tb.columns else max((len(r) for r in tb.rows), default=1)
    em_mm = _font_pt(tb) * _PT_MM
    cells = [list(tb.columns)] if tb.columns else []
    cells += [list(r[:ncols]) + [""] * (ncols - len(r)) for r in tb.rows]
    unit_em = [0.0] * ncols  # the widest unit of each column: its minimum
    line_em = [0.0] * ncols  # the widest line (its natural width, as an automatic layout would give it)
    for row in cells:
        for j, text in enumerate(row):
            for line in str(text).split("\n"):
                unit_em[j] = max(unit_em[j], max((text_em(u) for u in units(line)), default=0.0))
                line_em[j] = max(line_em[j], min(text_em(line), 60.0))
    floor = [u * em_mm + CELL_PAD_MM for u in unit_em]
    if sum(floor) > width_mm:  # cannot keep every unit whole: shrink the floors alike
        floor = [f * width_mm / sum(floor) for f in floor]
    if tb.widths:
        base = [width_mm * w / sum(tb.widths) for w in tb.widths[:ncols]]
    else:
        natural = [w * em_mm + CELL_PAD_MM for w in line_em]
        if sum(natural) <= width_mm:
            base = natural
        else:  # like CSS automatic layout: the floors, and the rest shared by what each column lacks
            extra = [max(n - f, 0.0) for n, f in zip(natural, floor)]
            room = width_mm - sum(floor)
            base = [f + room * e / (sum(extra) or 1.0) for f, e in zip(floor, extra)]
    widths = _fill(base, floor, width_mm)
    inner = [max((w - CELL_PAD_MM) / em_mm, 1.0) for w in widths]
    columns = [wrap(c, inner[j]) for j, c in enumerate(tb.columns)]
    rows = [[wrap(str(v), inner[j]) for j, v in enumerate(r[:ncols])] for r in tb.rows]
    return TableLayout(widths, columns, rows)
