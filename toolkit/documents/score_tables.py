"""Writing a scoring run's tables (CSV and XLSX): an output, so it lives here and not in the scoring engine.

Every file goes through :mod:`toolkit.model.safe_cells`: a name typed as ``=HYPERLINK(…)`` stays text.

Every table is always written whole as CSV. ``scores.xlsx`` is the reading copy: a table of more than
:data:`XLSX_MAX_CELLS` cells (the indicator scores of a few thousand people over a year) is not copied into it
cell by cell — its sheet holds one line naming the CSV with the full table and its row count. Writing a million
XLSX cells costs minutes and gigabytes; the CSV of the same table takes seconds and opens in Excel too.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from toolkit.model.messages import t
from toolkit.model.safe_cells import write_csv, write_xlsx

__all__ = ["SHEETS", "XLSX_MAX_CELLS", "score_tables", "write_appraisal", "xlsx_sheets"]

#: a table with more cells than this (rows × columns) is in its CSV only; its XLSX sheet says so
XLSX_MAX_CELLS = 200_000

#: table name -> message key of its XLSX sheet title (tables without a key are CSV only)
SHEETS = {"totals": "scoring.sheet.totals", "indicator_scores": "scoring.sheet.scores",
          "period_totals": "scoring.sheet.periods", "missing": "scoring.sheet.missing",
          "rater_bias": "scoring.sheet.raters", "pay_by_grade": "scoring.sheet.budget"}


def score_tables(result: Any) -> dict[str, Any]:
    """The tables of an :class:`~toolkit.scoring.appraise.Appraisal` as written (rounded for reading)."""
    from toolkit.scoring.appraise import rounded

    tables = {
        "totals": result.totals, "indicator_scores": result.scores.drop(columns=["weighted"], errors="ignore"),
        "period_totals": result.periods, "annual_indicator_scores": result.annual, "missing": result.missing,
        "rater_bias": result.bias, "pay_by_grade": result.budget.by_grade,
    }
    return {name: rounded(df) for name, df in tables.items()}


def write_appraisal(result: Any, out_dir: str | os.PathLike[str], lang: str | None = None) -> list[Path]:
    """Write the result tables as CSV (UTF-8 with BOM, opens in Excel) and one XLSX, each atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = score_tables(result)
    written = [write_csv(out / f"{name}.csv", df) for name, df in tables.items()]
    written.append(write_xlsx(out / "scores.xlsx", xlsx_sheets(tables, lang)))
    return written


def xlsx_sheets(tables: dict[str, Any], lang: str | None = None,
                max_cells: int = XLSX_MAX_CELLS) -> dict[str, Any]:
    """``{sheet title: DataFrame}`` of ``scores.xlsx``: each table, or for a large one a line naming its CSV.

    Examples
    --------
    >>> import pandas as pd
    >>> tables = {name: pd.DataFrame({"a": range(3), "b": range(3)}) for name in SHEETS}
    >>> sheets = xlsx_sheets(tables, "en", max_cells=5)   # 3 rows × 2 columns = 6 cells: CSV only
    >>> sheets["Totals and grades"].columns.tolist(), sheets["Totals and grades"].iloc[0, 0]
    (['note'], 'This table has 3 rows: the full table is in totals.csv (next to this workbook).')
    >>> len(xlsx_sheets(tables, "en")["Totals and grades"])   # small tables are copied whole
    3
    """
    import pandas as pd

    out = {}
    for name, key in SHEETS.items():
        df = tables[name]
        if df.shape[0] * max(df.shape[1], 1) > max_cells:
            df = pd.DataFrame({"note": [t("scoring.sheet.in_csv", lang, rows=f"{len(df):,}", file=f"{name}.csv")]})
        out[t(key, lang)] = df
    return out
