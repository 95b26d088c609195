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
    others usually has soft targets, not better people).

    Examples
    --------
    >>> t = pd.DataFrame({"employee": list("abcde"), "role": ["x", "x", "x", "y", "y"],
    ...                   "total": [80.0, 90, 100, 70, 110]})
    >>> d = score_distribution_by_role(t)
    >>> d[["role", "count", "mean", "min", "p10", "median", "p90", "max"]].values.tolist()
    [['x', 3, 90.0, 80.0, 82.0, 90.0, 98.0, 100.0], ['y', 2, 90.0, 70.0, 74.0, 90.0, 106.0, 110.0]]
    >>> d["std"].round(2).tolist()   # same mean, three times the spread
    [10.0, 28.28]
    """
    return _describe(totals.groupby("role")[col])


def rating_distribution_by_rater(ratings: pd.DataFrame) -> pd.DataFrame:
    """The same summary of individual ratings per rater kind and rater (leniency shows up as a high mean).

    Ratings without a named rater are summarised under their kind; empty ratings are left out.

    Examples
    --------
    >>> r = pd.DataFrame({"rater_kind": ["peer", "peer", "peer", "supervisor", "supervisor"],
    ...                   "rater": ["P1", "P1", "P2", "", ""], "rating": [5, 4, 3, 3, np.nan]})
    >>> rating_distribution_by_rater(r)[["rater_kind", "rater", "count", "mean"]].values.tolist()
    [['peer', 'P1', 2, 4.5], ['peer', 'P2', 1, 3.0], ['supervisor', 'supervisor', 1, 3.0]]
    """
    r = ratings.dropna(subset=["rating"]).copy()
    r["rater"] = r["rater"].where(r["rater"].astype(str) != "", r["rater_kind"])
    return _describe(r.groupby(["rater_kind", "rater"])["rating"])


def discrimination(annual: pd.DataFrame, table: pd.DataFrame, spread_min: float = 5.0,
                   share_max: float = 0.5) -> pd.DataFrame:
    """Per role × indicator: spread of the employees' annual indicator scores and the share stuck at the rule's
    floor or cap.

    ``flag`` is ``no_spread`` when the std is below ``spread_min`` points, ``at_cap`` / ``at_floor`` when more
    than ``share_max`` of the employees sit there — an indicator everyone maxes out does not tell people apart.

    Examples
    --------
    >>> annual = pd.DataFrame({"employee": list("abcd") * 2, "role": ["r"] * 8,
    ...                        "indicator": ["p"] * 4 + ["q"] * 4,
    ...                        "rule_type": ["ratio"] * 4 + ["linear"] * 4,
    ...                        "score": [120.0, 120, 120, 100, 60, 80, 100, 110]})
    >>> table = pd.DataFrame({"role": ["r", "r"], "indicator": ["p", "q"], "lo": [0.0, 0.0],
    ...                       "hi": [120.0, 120.0]})
    >>> d = discrimination(annual, table)
    >>> d[["indicator", "n", "std", "share_at_cap", "flag"]].round(2).values.tolist()
    [['p', 4, 10.0, 0.75, 'at_cap'], ['q', 4, 22.17, 0.0, '']]
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
    """Correlation matrix of annual indicator scores across the employees of a role (or of all roles).

    Spearman by default: a rank correlation is not swayed by a rule's cap or by one outlier. Indicators with
    no spread are left out (their correlation is undefined).

    Examples
    --------
    >>> annual = pd.DataFrame({"employee": list("abcde") * 3, "role": ["r"] * 15,
    ...                        "indicator": ["p"] * 5 + ["q"] * 5 + ["s"] * 5,
    ...                        "score": [60.0, 70, 80, 90, 100, 61, 72, 79, 93, 99, 90, 60, 100, 70, 80]})
    >>> correlations(annual).round(2).values.tolist()   # p and q rank everyone the same way
    [[1.0, 1.0, -0.1], [1.0, 1.0, -0.1], [-0.1, -0.1, 1.0]]
    """
    a = annual if role is None else annual[annual["role"] == role]
    wide = a.pivot_table(index="employee", columns="indicator", values="score")
    wide = wide.loc[:, wide.std() > 0]
    return wide.corr(method=method)


def redundant_pairs(annual: pd.DataFrame, threshold: float = 0.8, method: str = "spearman",
                    min_n: int = 5) -> pd.DataFrame:
    """Indicator pairs within a role whose scores correlate at |r| ≥ ``threshold`` — candidates to merge or drop
    (two indicators measuring the same thing double its weight). Returns role, a, b, r, n, redundant.

    Roles with fewer than ``min_n`` employees are skipped: a correlation over three people means nothing.

    Examples
    --------
    >>> annual = pd.DataFrame({"employee": list("abcde") * 3, "role": ["r"] * 15,
    ...                        "indicator": ["p"] * 5 + ["q"] * 5 + ["s"] * 5,
    ...                        "score": [60.0, 70, 80, 90, 100, 61, 72, 79, 93, 99, 90, 60, 100, 70, 80]})
    >>> redundant_pairs(annual).round(2).values.tolist()
    [['r', 'p', 'q', 1.0, 5, True], ['r', 'p', 's', -0.1, 5, False], ['r', 'q', 's', -0.1, 5, False]]
    >>> len(redundant_pairs(annual, min_n=6))
    0
    """
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

    Columns: [by], grade, count, share, target_share, diff (share − target). Every grade is listed, an empty
    one too, so that a drift from the agreed distribution is seen before the grades are announced.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    >>> gd = grade_distribution(pd.DataFrame({"employee": list("abcd"), "grade": ["A", "B", "B", None]}), eng)
    >>> gd["grade"].tolist(), gd["count"].tolist(), gd["target_share"].tolist()
    (['S', 'A', 'B', 'C', 'D'], [0, 1, 2, 0, 0], [0.1, 0.2, 0.5, 0.15, 0.05])
    >>> gd["diff"].round(4).tolist()   # B holds 2 of 3 graded people against a 50 % target
    [-0.1, 0.1333, 0.1667, -0.15, -0.05]
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
    The client sees what a proposed change does to real people before agreeing to it.

    Examples
    --------
    Move 5 points of an ad placement role's weight from CTR to ROAS on the sample's year of actuals:

    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> from toolkit.scheme.resolve import resolve_scheme
    >>> from toolkit.scoring.actuals import read_actuals
    >>> from toolkit.scoring.rules import indicator_table
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    >>> actuals = read_actuals(samples_dir() / "midsize_company" / "actuals_2026.csv", eng)
    >>> a = indicator_table(resolve_scheme(eng))
    >>> b = a.copy()
    >>> ad = b["role"] == "ad_placement"
    >>> b.loc[ad & (b["indicator"] == "roas"), "weight"] = 30.0
    >>> b.loc[ad & (b["indicator"] == "ctr"), "weight"] = 5.0
    >>> w = what_if(eng, actuals, a, b)
    >>> w.loc[w["role"] == "ad_placement", "delta"].round(2).tolist()
    [3.11, -0.15, -0.85, -1.22, 3.25, -1.0]
    >>> int(w["grade_changed"].sum()), float(w.loc[w["role"] != "ad_placement", "delta"].abs().max())
    (0, 0.0)
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
    """Headcount, coefficient, performance pay and merit cost per grade, with each grade's share of the spend.

    Shows where the money goes, so that a generous top grade is weighed against its cost.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    >>> t = pd.DataFrame({"employee": list("abc"), "grade": ["A", "B", "B"],
    ...                   "performance_pay": [9600.0, 6000, 4000],
    ...                   "performance_pay_total": [115200.0, 72000, 48000],
    ...                   "raise_cost": [1600.0, 720, 600], "salary": [32000.0, 24000, 20000]})
    >>> c = pay_cost_by_grade(t, eng).round(4)
    >>> c["grade"].tolist(), c["n"].tolist(), c["coefficient"].tolist()
    (['S', 'A', 'B', 'C', 'D'], [0, 1, 2, 0, 0], [1.5, 1.2, 1.0, 0.8, 0.6])
    >>> c["performance_pay"].tolist(), c["raise_cost"].tolist(), c["pay_share"].tolist()
    ([0.0, 9600.0, 10000.0, 0.0, 0.0], [0.0, 1600.0, 1320.0, 0.0, 0.0], [0.0, 0.4898, 0.5102, 0.0, 0.0])
    """
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
