"""Writing a scoring run's tables (CSV and XLSX): an output, so it lives here and not in the scoring engine.

Every file goes through :mod:`toolkit.model.safe_cells`: a name typed as ``=HYPERLINK(…)`` stays text.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from toolkit.model.messages import t
from toolkit.model.safe_cells import write_csv, write_xlsx

__all__ = ["SHEETS", "score_tables", "write_appraisal"]

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
    written.append(write_xlsx(out / "scores.xlsx", {t(key, lang): tables[name] for name, key in SHEETS.items()}))
    return written
