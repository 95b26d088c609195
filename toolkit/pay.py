"""Result use: grade → bonus coefficient (绩效系数), performance pay, merit matrix by compa-ratio, budget check.

* performance pay = 绩效工资基数 (``Employee.base_pay``, per cycle) × 绩效系数 of the grade (7abk.cn); the
  year's amount (× cycles per year of ``cycles.default``, using the annual grade) is what the pool is checked
  against;
* compa-ratio = salary / salary-range midpoint; ``ResultUse.compa_bands`` cut it into the merit matrix columns
  (``[0.9, 1.1]`` → < 0.9 | 0.9–1.1 | ≥ 1.1; a value exactly at a cut point goes to the higher column);
* raise % = ``merit_matrix[grade][column]``; raise cost = salary × raise % / 100;
* budget check: Σ performance pay against ``bonus_pool`` and Σ raise cost / Σ salary against
  ``merit_budget_pct`` (salary.com: "3.07 % spent vs a 3.3 % pool") — before anyone is told their grade.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BudgetCheck", "budget_check", "compa_column", "cycles_per_year", "pay_table"]

_PER_YEAR = {"monthly": 12, "quarterly": 4, "half_year": 2, "annual": 1, "per_event": 1}


def cycles_per_year(eng: Any) -> int:
    """How many times a year the performance pay base is paid (the engagement's default cycle)."""
    return _PER_YEAR.get(eng.cycles.default, 1)


def compa_column(compa: Any, bands: list[float]) -> np.ndarray:
    """Merit-matrix column of each compa-ratio (NaN → -1).

    >>> compa_column([0.85, 0.9, 1.0, 1.1, float("nan")], [0.9, 1.1]).tolist()
    [0, 1, 1, 2, -1]
    """
    c = np.asarray(compa, dtype=float)
    col = np.searchsorted(np.asarray(sorted(bands), dtype=float), c, side="right")
    return np.where(np.isnan(c), -1, col)


def pay_table(graded: pd.DataFrame, eng: Any) -> pd.DataFrame:
    """Pay figures per employee from a graded frame (columns employee, grade).

    Adds base_pay, coefficient, performance_pay, salary, midpoint, compa_ratio, compa_column, raise_pct,
    raise_cost. Unknown grade or missing salary data → NaN (shown, not guessed).
    """
    ru = eng.result_use
    emp = pd.DataFrame([{"employee": e.id, "name": e.name, "base_pay": e.base_pay, "salary": e.salary,
                         "midpoint": e.salary_midpoint} for e in eng.employees],
                       columns=["employee", "name", "base_pay", "salary", "midpoint"])
    out = graded.merge(emp, on="employee", how="left")
    out["coefficient"] = out["grade"].map(ru.bonus_coefficients).astype(float)
    out["performance_pay"] = out["base_pay"].astype(float) * out["coefficient"]
    out["performance_pay_year"] = out["performance_pay"] * cycles_per_year(eng)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["compa_ratio"] = out["salary"].astype(float) / out["midpoint"].astype(float)
    col = compa_column(out["compa_ratio"], list(ru.compa_bands))
    out["compa_column"] = col
    raise_pct = np.full(len(out), np.nan)
    if ru.merit_matrix:
        ncol = len(ru.compa_bands) + 1
        codes = list(ru.merit_matrix)
        mat = np.full((len(codes) + 1, ncol), np.nan)
        for i, c in enumerate(codes):
            row = list(ru.merit_matrix[c])[:ncol]
            mat[i, :len(row)] = row
        gi = out["grade"].map({c: i for i, c in enumerate(codes)}).fillna(len(codes)).astype(int).to_numpy()
        ok = col >= 0
        raise_pct[ok] = mat[gi[ok], np.minimum(col[ok], ncol - 1)]
    out["raise_pct"] = raise_pct
    out["raise_cost"] = out["salary"].astype(float) * out["raise_pct"] / 100
    return out


@dataclass
class BudgetCheck:
    """Cost of the grades against the pools; ``ok`` is False when a configured pool is exceeded."""

    bonus_total: float
    bonus_pool: float | None
    merit_cost: float
    salary_total: float
    merit_pct: float
    merit_budget_pct: float | None
    by_grade: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    @property
    def bonus_ok(self) -> bool | None:
        return None if self.bonus_pool is None else self.bonus_total <= self.bonus_pool + 1e-9

    @property
    def merit_ok(self) -> bool | None:
        if self.merit_budget_pct is None or np.isnan(self.merit_pct):
            return None
        return self.merit_pct <= self.merit_budget_pct + 1e-9

    @property
    def ok(self) -> bool:
        return self.bonus_ok is not False and self.merit_ok is not False

    def to_dict(self) -> dict[str, Any]:
        return {"bonus_total": self.bonus_total, "bonus_pool": self.bonus_pool, "bonus_ok": self.bonus_ok,
                "merit_cost": self.merit_cost, "salary_total": self.salary_total, "merit_pct": self.merit_pct,
                "merit_budget_pct": self.merit_budget_pct, "merit_ok": self.merit_ok, "ok": self.ok}


def budget_check(pay: pd.DataFrame, eng: Any) -> BudgetCheck:
    """Total the cost of :func:`pay_table` against ``bonus_pool`` (yearly) and ``merit_budget_pct``.

    ``merit_pct = Σ raise_cost / Σ salary × 100`` over employees with a salary (the merit-matrix budget test
    Σ(raise % × salary share) ≤ budget).
    """
    ru = eng.result_use
    has_sal = pay["salary"].notna() & pay["raise_pct"].notna()
    salary_total = float(pay.loc[has_sal, "salary"].sum())
    merit_cost = float(pay.loc[has_sal, "raise_cost"].sum())
    by_grade = pay.groupby("grade", dropna=False).agg(
        n=("employee", "size"), performance_pay=("performance_pay", "sum"),
        performance_pay_year=("performance_pay_year", "sum"), raise_cost=("raise_cost", "sum"),
        salary=("salary", "sum")).reset_index()
    return BudgetCheck(
        bonus_total=float(pay["performance_pay_year"].sum()), bonus_pool=ru.bonus_pool, merit_cost=merit_cost,
        salary_total=salary_total, merit_pct=(merit_cost / salary_total * 100) if salary_total else float("nan"),
        merit_budget_pct=ru.merit_budget_pct, by_grade=by_grade)
