"""Result use: grade → bonus coefficient (绩效系数), performance pay, merit matrix by compa-ratio, budget check.

* performance pay = 绩效工资基数 (``Employee.base_pay``, per cycle) × 绩效系数 of the grade (7abk.cn);
  ``performance_pay_total`` = that × the pay periods the scored data covers (``pay_periods``: 12 for a full
  year of a monthly scheme, 1 for one filled monthly form — never × 12 for one month), using the grade of the
  scored span; the bonus pool (a yearly figure) is pro-rated to the same span before the check;
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

from toolkit.scheme.rulebook import appraisal_cycle

__all__ = ["BudgetCheck", "budget_check", "compa_column", "covered_months", "cycles_per_year", "pay_periods",
           "pay_table"]

_PER_YEAR = {"monthly": 12, "quarterly": 4, "half_year": 2, "annual": 1}


def cycles_per_year(eng: Any) -> int:
    """How many times a year the performance pay base is paid (the engagement's default cycle).

    The yearly bonus pool is checked against pay per cycle, so the two need a common count.

    Examples
    --------
    >>> from types import SimpleNamespace as N
    >>> [cycles_per_year(N(cycles=N(default=c))) for c in ("monthly", "quarterly", "half_year", "annual")]
    [12, 4, 2, 1]

    A scheme on 按项目 is appraised and paid by month (:data:`toolkit.scheme.rulebook.EVENT_CYCLE`):

    >>> cycles_per_year(N(cycles=N(default="per_event")))
    12
    """
    return _PER_YEAR[appraisal_cycle(eng.cycles.default)]


def covered_months(periods: Any) -> set[tuple[int, int]]:
    """The (year, month) pairs a set of period labels covers (``2026-Q1`` covers three months).

    Months are the common unit in which periods of different cycles can be compared and counted.

    Examples
    --------
    >>> sorted(covered_months(["2026-02", "2026-Q1"]))
    [(2026, 1), (2026, 2), (2026, 3)]
    """
    out: set[tuple[int, int]] = set()
    unique = getattr(periods, "unique", None)  # a million-row column holds a few dozen labels
    for p in {str(x) for x in (unique() if callable(unique) else periods)}:
        year = int(p[:4]) if p[:4].isdigit() else None
        if year is None:
            continue
        rest = p[5:]
        if rest.startswith("Q") and rest[1:].isdigit():
            first, n = (int(rest[1:]) - 1) * 3 + 1, 3
        elif rest.startswith("H") and rest[1:].isdigit():
            first, n = (int(rest[1:]) - 1) * 6 + 1, 6
        elif rest.isdigit():
            first, n = int(rest), 1
        elif rest == "":
            first, n = 1, 12
        else:
            continue
        out.update((year, m) for m in range(first, first + n))
    return out


def pay_periods(eng: Any, periods: Any = None) -> float:
    """How many pay periods of the default cycle the scored periods cover (all of a year when not given).

    Performance pay is paid per period, so a file covering one month of a monthly scheme pays one month, and
    the yearly bonus pool is compared pro rata.

    Examples
    --------
    >>> from types import SimpleNamespace as N
    >>> eng = N(cycles=N(default="monthly"))
    >>> pay_periods(eng, ["2026-01"]), pay_periods(eng, ["2026-Q1", "2026-Q2"]), pay_periods(eng)
    (1.0, 6.0, 12.0)
    """
    per_year = cycles_per_year(eng)
    if periods is None:
        return float(per_year)
    return len(covered_months(periods)) * per_year / 12


def compa_column(compa: Any, bands: list[float]) -> np.ndarray:
    """Merit-matrix column of each compa-ratio (NaN → -1).

    A value exactly at a cut point goes to the higher column; -1 marks a missing salary, shown rather than
    guessed.

    Examples
    --------
    >>> compa_column([0.85, 0.9, 1.0, 1.1, float("nan")], [0.9, 1.1]).tolist()
    [0, 1, 1, 2, -1]
    """
    c = np.asarray(compa, dtype=float)
    col = np.searchsorted(np.asarray(sorted(bands), dtype=float), c, side="right")
    return np.where(np.isnan(c), -1, col)


def pay_table(graded: pd.DataFrame, eng: Any, periods: Any = None) -> pd.DataFrame:
    """Pay figures per employee from a graded frame (columns employee, grade).

    Adds base_pay, coefficient, performance_pay (per cycle), pay_periods, performance_pay_total (over the
    periods covered by ``periods``, a full year when ``None``), salary, midpoint, compa_ratio, compa_column,
    raise_pct, raise_cost. Unknown grade or missing salary data → NaN (shown, not guessed).

    Examples
    --------
    One quarter of a monthly scheme pays three periods (the pay data are the sample's):

    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    >>> pay = pay_table(pd.DataFrame({"employee": ["CC001", "CC002"], "grade": ["A", "C"]}), eng, ["2026-Q1"])
    >>> pay[["coefficient", "performance_pay", "pay_periods", "performance_pay_total", "raise_pct",
    ...      "raise_cost"]].values.tolist()
    [[1.2, 9600.0, 3.0, 28800.0, 5.0, 1600.0], [0.8, 4800.0, 3.0, 14400.0, 0.0, 0.0]]
    >>> pay["compa_ratio"].round(4).tolist(), pay["compa_column"].tolist()
    ([1.0667, 0.9231], [1, 1])
    """
    ru = eng.result_use
    emp = pd.DataFrame([{"employee": e.id, "name": e.name, "base_pay": e.base_pay, "salary": e.salary,
                         "midpoint": e.salary_midpoint} for e in eng.employees],
                       columns=["employee", "name", "base_pay", "salary", "midpoint"])
    out = graded.merge(emp, on="employee", how="left")
    if "performance_pay_total" not in out.columns:  # not yet paid by the rulebook: the annual grade's coefficient
        out["coefficient"] = out["grade"].map(ru.bonus_coefficients).astype(float)
        out["performance_pay"] = out["base_pay"].astype(float) * out["coefficient"]
        out["pay_periods"] = pay_periods(eng, periods)
        out["performance_pay_total"] = out["performance_pay"] * out["pay_periods"]
    elif "coefficient" not in out.columns:
        out["coefficient"] = out["grade"].map(ru.bonus_coefficients).astype(float)
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
    bonus_pool: float | None          # the yearly pool as configured
    merit_cost: float
    salary_total: float
    merit_pct: float
    merit_budget_pct: float | None
    by_grade: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    pay_periods: float = 12.0         # pay periods the scored data covers
    periods_per_year: int = 12

    @property
    def bonus_pool_covered(self) -> float | None:
        """The pool pro-rated to the covered periods (the whole pool for a full year)."""
        if self.bonus_pool is None:
            return None
        return self.bonus_pool * min(1.0, self.pay_periods / self.periods_per_year)

    @property
    def bonus_ok(self) -> bool | None:
        pool = self.bonus_pool_covered
        return None if pool is None else self.bonus_total <= pool + 1e-9

    @property
    def merit_ok(self) -> bool | None:
        if self.merit_budget_pct is None or np.isnan(self.merit_pct):
            return None
        return self.merit_pct <= self.merit_budget_pct + 1e-9

    @property
    def ok(self) -> bool:
        return self.bonus_ok is not False and self.merit_ok is not False

    def to_dict(self) -> dict[str, Any]:
        return {"bonus_total": self.bonus_total, "bonus_pool": self.bonus_pool,
                "bonus_pool_covered": self.bonus_pool_covered, "pay_periods": self.pay_periods,
                "periods_per_year": self.periods_per_year, "bonus_ok": self.bonus_ok,
                "merit_cost": self.merit_cost, "salary_total": self.salary_total, "merit_pct": self.merit_pct,
                "merit_budget_pct": self.merit_budget_pct, "merit_ok": self.merit_ok, "ok": self.ok}


def budget_check(pay: pd.DataFrame, eng: Any) -> BudgetCheck:
    """Total the cost of :func:`pay_table` against ``bonus_pool`` and ``merit_budget_pct``.

    The pool is yearly; when the data covers fewer pay periods it is pro-rated (one month of a monthly scheme
    is checked against pool / 12). ``by_grade`` lists the grades in the engagement's order (best first).

    ``merit_pct = Σ raise_cost / Σ salary × 100`` over employees with a salary (the merit-matrix budget test
    Σ(raise % × salary share) ≤ budget). Checked before anyone is told their grade, while it can still change.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")   # pool 1,300,000 a year
    >>> pay = pay_table(pd.DataFrame({"employee": ["CC001", "CC002"], "grade": ["A", "C"]}), eng, ["2026-Q1"])
    >>> b = budget_check(pay, eng)
    >>> b.bonus_total, b.bonus_pool_covered, round(b.merit_pct, 4), b.ok, b.by_grade["grade"].tolist()
    (43200.0, 325000.0, 2.8571, True, ['A', 'C'])
    """
    ru = eng.result_use
    has_sal = pay["salary"].notna() & pay["raise_pct"].notna()
    salary_total = float(pay.loc[has_sal, "salary"].sum())
    merit_cost = float(pay.loc[has_sal, "raise_cost"].sum())
    by_grade = pay.groupby("grade", dropna=False).agg(
        n=("employee", "size"), performance_pay=("performance_pay", "sum"),
        performance_pay_total=("performance_pay_total", "sum"), raise_cost=("raise_cost", "sum"),
        salary=("salary", "sum")).reset_index()
    order = {g.code: i for i, g in enumerate(sorted(eng.grades, key=lambda g: -g.min_score))}
    by_grade = (by_grade.assign(_o=by_grade["grade"].map(order).fillna(len(order)))
                .sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True))
    periods = float(pay["pay_periods"].iloc[0]) if len(pay) and "pay_periods" in pay else float(cycles_per_year(eng))
    return BudgetCheck(
        bonus_total=float(pay["performance_pay_total"].sum()), bonus_pool=ru.bonus_pool, merit_cost=merit_cost,
        salary_total=salary_total, merit_pct=(merit_cost / salary_total * 100) if salary_total else float("nan"),
        merit_budget_pct=ru.merit_budget_pct, by_grade=by_grade, pay_periods=periods,
        periods_per_year=cycles_per_year(eng))
