"""The one place every CSV and XLSX the toolkit writes goes through: user text stays text, never a formula.

Spreadsheets evaluate a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and some do after a leading tab
or carriage return), so an employee called ``=HYPERLINK("http://x","点我")`` would become a live link, and
``=cmd|' /C calc'!A0`` a DDE call (OWASP "CSV injection"). The rule applied here, to every text cell:

* CSV: a text field starting with one of :data:`FORMULA_PREFIXES` (ASCII or full-width ``＝＋－＠``, which some
  spreadsheets fold to ASCII) gets a leading apostrophe ``'``; pandas quotes separators and quotes.
* XLSX: text is always stored as a string cell (never a formula), with Excel's quote prefix when it looks like a
  formula, so it stays text even when the user edits the cell; characters XML cannot hold are replaced.

Numbers stay numbers (a real ``-5`` is a number cell, not text). Writes are atomic (:mod:`toolkit.model.fileio`).
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from toolkit.model.fileio import atomic_path, atomic_write_text

__all__ = [
    "FORMULA_PREFIXES",
    "csv_text",
    "is_formula_like",
    "neutralise",
    "safe_frame",
    "set_text",
    "write_csv",
    "write_xlsx",
    "xml_safe",
]

#: first characters that make a spreadsheet evaluate a cell (OWASP), plus their full-width forms
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

#: characters an XLSX (XML 1.0) cannot contain; openpyxl raises IllegalCharacterError on them
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Excel's limit for one cell's text
MAX_CELL = 32767


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula.

    >>> [is_formula_like(s) for s in ("=1+1", "@SUM(1)", "－1", "\\t=1", "林嘉禾", "1-2", "")]
    [True, True, True, True, False, False, False]
    """
    return isinstance(text, str) and text.startswith(FORMULA_PREFIXES)


def neutralise(value: Any) -> Any:
    """A CSV field that cannot run: formula-like text gets a leading apostrophe; anything else is unchanged.

    >>> neutralise('=HYPERLINK("http://x","点我")'), neutralise(-1.5), neutralise("+1+2"), neutralise("SL001")
    ('\\'=HYPERLINK("http://x","点我")', -1.5, "'+1+2", 'SL001')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def xml_safe(text: str) -> str:
    """``text`` without the control characters an XLSX cannot store (each becomes U+FFFD, so it stays visible)."""
    return _ILLEGAL_XML.sub("\ufffd", text)[:MAX_CELL]


def safe_frame(df: Any) -> Any:
    """A copy of a DataFrame whose text cells and column names are neutralised (numbers untouched)."""
    import pandas as pd

    out = df.copy()
    for c in out.columns:
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out[c] = col.map(neutralise)
    out.columns = [neutralise(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_text(df: Any, *, bom: bool = True) -> str:
    """The CSV text of ``df`` (no index) with every text field neutralised; UTF-8 BOM so Excel reads Chinese."""
    return ("\ufeff" if bom else "") + safe_frame(df).to_csv(index=False)


def write_csv(path: str | os.PathLike[str], df: Any, *, bom: bool = True) -> Path:
    """Write ``df`` as a safe CSV, atomically."""
    return atomic_write_text(path, csv_text(df, bom=bom))


def set_text(cell: Any, value: Any) -> None:
    """Write ``value`` into an openpyxl ``cell``: text always as text (quote prefix when formula-like).

    This is the function the KPI forms (and any other openpyxl writer) should call for every user value.
    """
    if isinstance(value, str):
        text = xml_safe(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # Excel's "'" prefix: stays text when the cell is edited
    else:
        cell.value = value


def _cell_value(v: Any) -> Any:
    import math

    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    try:
        import pandas as pd

        if v is pd.NaT or (not isinstance(v, (str, bytes)) and pd.isna(v)):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, (bool, int, float, str)):
        return v
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def write_xlsx(path: str | os.PathLike[str], sheets: Mapping[str, Any]) -> Path:
    """Write ``{sheet title: DataFrame}`` as one workbook, atomically, every text cell stored as text.

    Titles are cut to Excel's 31 characters and made unique; characters Excel forbids in titles become ``-``.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for title, df in sheets.items():
        name = re.sub(r"[\[\]:*?/\\]", "-", xml_safe(str(title)))[:31] or "Sheet"
        base, n = name, 2
        while name.lower() in used:
            name = f"{base[:28]}-{n}"
            n += 1
        used.add(name.lower())
        ws = wb.create_sheet(name)
        for j, col in enumerate(df.columns, 1):
            set_text(ws.cell(row=1, column=j), str(col))
        for i, row in enumerate(df.itertuples(index=False, name=None), 2):
            for j, v in enumerate(row, 1):
                set_text(ws.cell(row=i, column=j), _cell_value(v))
    target = Path(path)
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target
