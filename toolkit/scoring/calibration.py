"""Calibration review: does the scheme discriminate, is anything redundant, is the distribution sane, what does
it cost — each answered by a function returning a DataFrame (shown in notebooks, written by the CLI, plotted by
:mod:`toolkit.documents.plots_scores`).

All functions take the tables of an :class:`toolkit.scoring.appraise.Appraisal` (or the Appraisal itself), so they
work the same on a client's history and on simulated data.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "correlations",
    "discrimination",
    "grade_distribution",
    "pay_cost_by_grade",
    "rating_distribution_by_rater",
    "redundant_pairs",
    "score_distribution_by_role",
    "what_if",
]


def _describe(g: pd.core.groupby.SeriesGroupBy) -> pd.DataFrame:
    out = g.agg(["count", "mean", "std", "min", "median", "max"])
    out["p10"] = g.quantile(0.10)
    out["p90"] = g.quantile(0.90)
    return out.reset_index()


def score_distribution_by_role(totals: pd.DataFrame, col: str = "total") -> pd.DataFrame:
    """count, mean, std, min, p10, median, p90, max of the total per role (a role scored far higher than the
    others usually has soft targets, not better people)."""
    return _describe(totals.groupby("role")[col])


def rating_distribution_by_rater(ratings: pd.DataFrame) -> pd.DataFrame:
    """The same summary of individual ratings per rater kind and rater (leniency shows up as a high mean)."""
    r = ratings.dropna(subset=["rating"]).copy()
    r["rater"] = r["rater"].where(r["rater"].astype(str) != "", r["rater_kind"])
    return _describe(r.groupby(["rater_kind", "rater"])["rating"])


def discrimination(annual: pd.DataFrame, table: pd.DataFrame, spread_min: float = 5.0,
                   share_max: float = 0.5) -> pd.DataFrame:
    """Per role × indicator: spread of the employees' annual indicator scores and the share stuck at the rule's
    floor or cap.

    ``flag`` is ``no_spread`` when the std is below ``spread_min`` points, ``at_cap`` / ``at_floor`` when more
    than ``share_max`` of the employees sit there — an indicator everyone maxes out does not tell people apart.
    """
    a = annual[annual["rule_type"].astype(str).isin(["linear", "ratio", "band", "steps", "deduction", "rating"])]
    a = a.merge(table[["role", "indicator", "lo", "hi"]], on=["role", "indicator"], how="left")
    a = a.assign(_cap=np.isclose(a["score"], a["hi"]), _floor=np.isclose(a["score"], a["lo"]))
    a = a[a["score"].notna()]
    g = a.groupby(["role", "indicator"], sort=True)
    out = g.agg(n=("score", "size"), mean=("score", "mean"), std=("score", "std"), min=("score", "min"),
                max=("score", "max"), share_at_cap=("_cap", "mean"), share_at_floor=("_floor", "mean")).reset_index()
    out["iqr"] = (g["score"].quantile(0.75) - g["score"].quantile(0.25)).to_numpy()
    flag = np.where(out["share_at_cap"] > share_max, "at_cap",
                    np.where(out["share_at_floor"] > share_max, "at_floor",
                             np.where(out["std"].fillna(0) < spread_min, "no_spread", "")))
    out["flag"] = flag
    return out


def correlations(annual: pd.DataFrame, role: str | None = None, method: str = "spearman") -> pd.DataFrame:
    """Correlation matrix of annual indicator scores across the employees of a role (or of all roles)."""
    a = annual if role is None else annual[annual["role"] == role]
    wide = a.pivot_table(index="employee", columns="indicator", values="score")
    wide = wide.loc[:, wide.std() > 0]
    return wide.corr(method=method)


def redundant_pairs(annual: pd.DataFrame, threshold: float = 0.8, method: str = "spearman",
                    min_n: int = 5) -> pd.DataFrame:
    """Indicator pairs within a role whose scores correlate at |r| ≥ ``threshold`` — candidates to merge or drop
    (two indicators measuring the same thing double its weight). Returns role, a, b, r, n, redundant."""
    rows = []
    for role, a in annual.groupby("role"):
        n = a["employee"].nunique()
        if n < min_n:
            continue
        c = correlations(a, None, method)
        cols = list(c.columns)
        iu = np.triu_indices(len(cols), k=1)
        for i, j in zip(*iu):
            r = c.iat[i, j]
            if np.isnan(r):
                continue
            rows.append({"role": role, "a": cols[i], "b": cols[j], "r": float(r), "n": n,
                         "redundant": abs(r) >= threshold})
    out = pd.DataFrame(rows, columns=["role", "a", "b", "r", "n", "redundant"])
    return out.sort_values("r", key=np.abs, ascending=False).reset_index(drop=True)


def grade_distribution(totals: pd.DataFrame, eng: Any, by: str | None = None) -> pd.DataFrame:
    """Actual grade shares against the target distribution (``distribution.shares``), per grade (and ``by``).

    Columns: [by], grade, count, share, target_share, diff (share − target).
    """
    order = [g.code for g in sorted(eng.grades, key=lambda g: -g.min_score)]
    target = dict(eng.distribution.shares or {})
    keys = [by] if by else []
    t = totals.dropna(subset=["grade"])
    counts = t.groupby(keys + ["grade"]).size() if keys else t.groupby("grade").size()
    if keys:
        idx = pd.MultiIndex.from_product([sorted(t[by].unique()), order], names=[by, "grade"])
    else:
        idx = pd.Index(order, name="grade")
    counts = counts.reindex(idx, fill_value=0)
    out = counts.rename("count").reset_index()
    denom = out.groupby(keys)["count"].transform("sum") if keys else out["count"].sum()
    out["share"] = out["count"] / denom
    out["target_share"] = out["grade"].map(target).astype(float)
    out["diff"] = out["share"] - out["target_share"]
    return out


def what_if(eng: Any, actuals: pd.DataFrame, table_a: pd.DataFrame, table_b: pd.DataFrame,
            labels: tuple[str, str] = ("A", "B")) -> pd.DataFrame:
    """Score the same actuals under two scheme tables (other weights or rules) and compare per employee.

    Build ``table_b`` from ``table_a`` (:func:`toolkit.scoring.rules.indicator_table`) by changing ``weight`` or
    ``rule``. Returns employee, role, total and grade under each, the change, and whether the grade moved.
    """
    from toolkit.scoring.appraise import appraise

    ra = appraise(eng, actuals, table=table_a)
    rb = appraise(eng, actuals, table=table_b)
    la, lb = labels
    cols = ["employee", "role", "total", "grade"]
    out = ra.totals[cols].merge(rb.totals[cols], on=["employee", "role"], suffixes=(f"_{la}", f"_{lb}"))
    out["delta"] = out[f"total_{lb}"] - out[f"total_{la}"]
    out["grade_changed"] = out[f"grade_{la}"] != out[f"grade_{lb}"]
    return out


def pay_cost_by_grade(totals: pd.DataFrame, eng: Any) -> pd.DataFrame:
    """Headcount, coefficient, performance pay and merit cost per grade, with each grade's share of the spend."""
    order = [g.code for g in sorted(eng.grades, key=lambda g: -g.min_score)]
    g = totals.groupby("grade").agg(n=("employee", "size"), performance_pay=("performance_pay", "sum"),
                                    performance_pay_total=("performance_pay_total", "sum"),
                                    raise_cost=("raise_cost", "sum"), salary=("salary", "sum"))
    g = g.reindex(order, fill_value=0)
    g.index.name = "grade"
    out = g.reset_index()
    out["coefficient"] = out["grade"].map(eng.result_use.bonus_coefficients).astype(float)
    total = out["performance_pay"].sum()
    out["pay_share"] = out["performance_pay"] / total if total else np.nan
    return out
