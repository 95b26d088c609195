"""Period totals, the annual score, grades and performance pay, exactly as the rulebook states them.

Each step is one rule of :class:`toolkit.scheme.rulebook.Rulebook`, worded in the scheme document by
:mod:`toolkit.documents.rule_text`:

* **periods** — every employee is appraised per period of their role's cycle. An indicator with a longer cycle
  (a quarterly indicator in a monthly role) counts in every period it covers with the score of its own period;
  one with a shorter cycle counts with the mean of its scores inside the period.
* **period total** — Σ(score × weight) ÷ Σ weights over the weighted indicators due in the period; an indicator
  without a score is left out with the others scaled up (``renormalise``), scored 0 (``zero``), or the period is
  not scored (``exclude_period``); bonus points are added; a veto sets the total to 0.
* **annual score** — the mean of the scored period totals (``mean``), or the ``weighted`` mix of the annual
  scores of the indicators of each cycle; a veto in any period sets it to 0.
* **grades** — by score band for every period and for the year; a forced distribution then re-grades the
  level it is set for (annual or period) in calibration groups of at least the minimum size.
* **pay** — ``coefficient``: base × the coefficient of the period's (or the annual) grade, per period;
  ``pool``: the yearly pool, pro rata of base × coefficient of the annual grade; ``none``: no performance pay.

Examples
--------
>>> import pandas as pd
>>> role_periods("2027-Q1", "monthly"), role_periods("2027-05", "quarterly"), len(role_periods("2027", "monthly"))
(('2027-01', '2027-02', '2027-03'), ('2027-Q2',), 12)
"""
from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from toolkit.scheme.rulebook import Rulebook, appraisal_cycle
from toolkit.scoring.grading import forced_distribution, grade_by_bands
from toolkit.scoring.pay import covered_months

__all__ = ["annual_scores", "grade_frame", "performance_pay", "period_scores", "period_totals_by_rule",
           "role_periods"]

def _label(year: int, month: int, cycle: str) -> str:
    if cycle == "quarterly":
        return f"{year}-Q{(month - 1) // 3 + 1}"
    if cycle == "half_year":
        return f"{year}-H{(month - 1) // 6 + 1}"
    if cycle == "annual":
        return f"{year}"
    return f"{year}-{month:02d}"


@cache
def role_periods(label: str, cycle: str) -> tuple[str, ...]:
    """The periods of ``cycle`` that the period ``label`` falls in or covers (its months, relabelled).

    Examples
    --------
    >>> role_periods("2027-H2", "quarterly")
    ('2027-Q3', '2027-Q4')
    >>> role_periods("bad", "monthly")
    ()
    """
    out: list[str] = []
    for y, m in sorted(covered_months([label])):
        lab = _label(y, m, cycle)
        if lab not in out:
            out.append(lab)
    return tuple(out)


def period_scores(scores: pd.DataFrame, rb: Rulebook) -> pd.DataFrame:
    """Indicator scores per employee × role period (the rows a period total is made of).

    ``scores`` has employee, role, indicator, period, score, weight, weighted, rule_type (one row per expected
    or given value, NaN score = missing). Returns employee, role, period (the role's), indicator, weight,
    weighted, rule_type, score (mean of the indicator's scores inside the period; a veto: the maximum).

    Examples
    --------
    >>> from types import SimpleNamespace as N
    >>> rb = N(roles={"r": N(cycle="monthly")})
    >>> s = pd.DataFrame({"employee": ["e"] * 2, "role": ["r"] * 2, "indicator": ["m", "q"],
    ...                   "period": ["2027-01", "2027-Q1"], "score": [80.0, 90.0], "weight": [60.0, 40.0],
    ...                   "weighted": [True, True], "rule_type": ["ratio", "ratio"]})
    >>> period_scores(s, rb)[["period", "indicator", "score"]].values.tolist()[:3]
    [['2027-01', 'm', 80.0], ['2027-01', 'q', 90.0], ['2027-02', 'q', 90.0]]
    """
    cols = ["employee", "role", "period", "indicator", "weight", "weighted", "rule_type", "score"]
    if scores.empty:
        return pd.DataFrame(columns=cols)
    # a role's periods (按项目: months, the one meaning of toolkit.scheme.rulebook.EVENT_CYCLE)
    cyc = scores["role"].map({r: appraisal_cycle(rr.cycle) for r, rr in rb.roles.items()}).fillna("monthly")
    cyc = cyc.astype(str)
    pairs = pd.DataFrame({"label": scores["period"].astype(str), "cycle": cyc}).drop_duplicates()
    pairs["rp"] = [role_periods(lab, c) for lab, c in zip(pairs["label"], pairs["cycle"])]
    s = scores.assign(_label=scores["period"].astype(str), _cycle=cyc)
    s = s.merge(pairs.rename(columns={"label": "_label", "cycle": "_cycle"}), on=["_label", "_cycle"])
    s = s.explode("rp").dropna(subset=["rp"])
    s["rule_type"] = s["rule_type"].astype(str)
    s["_veto"] = np.where(s["rule_type"] == "veto", s["score"].astype(float), np.nan)
    g = s.groupby(["employee", "role", "rp", "indicator"], sort=True, observed=True)
    out = g.agg(weight=("weight", "first"), weighted=("weighted", "first"), rule_type=("rule_type", "first"),
                score=("score", "mean"), veto=("_veto", "max")).reset_index().rename(columns={"rp": "period"})
    is_veto = out["rule_type"] == "veto"
    out.loc[is_veto, "score"] = out.loc[is_veto, "veto"]
    return out[cols]


def _totals(rows: pd.DataFrame, by: list[str], missing: str) -> pd.DataFrame:
    """Σ w·s ÷ Σ w under the missing-value policy, + bonus, 0 on a veto (one row per ``by`` group)."""
    s = rows["score"].to_numpy(dtype=float)
    present = ~np.isnan(s)
    w = rows["weight"].to_numpy(dtype=float)
    weighted = rows["weighted"].to_numpy(dtype=bool)
    rt = rows["rule_type"].astype(str).to_numpy()
    tmp = rows[by].copy()
    tmp["_ws"] = np.where(weighted & present, w * np.where(present, s, 0.0), 0.0)
    tmp["_wp"] = np.where(weighted & present, w, 0.0)
    tmp["_wd"] = np.where(weighted, w, 0.0)
    tmp["_bonus"] = np.where((rt == "bonus") & present, s, 0.0)
    tmp["_veto"] = np.where((rt == "veto") & present, s, 0.0)
    tmp["_any"] = present.astype(np.int64)
    tmp["_n"] = (weighted & present).astype(np.int64)
    tmp["_nd"] = weighted.astype(np.int64)
    g = tmp.groupby(by, observed=True, sort=True).sum(numeric_only=True).reset_index()
    wp, wd, ws = g["_wp"].to_numpy(), g["_wd"].to_numpy(), g["_ws"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        if missing == "zero":
            score = np.where((wd > 0) & (g["_n"].to_numpy() > 0), ws / wd, np.nan)
        elif missing == "exclude_period":
            score = np.where((wd > 0) & (wp >= wd - 1e-12), ws / wd, np.nan)
        else:
            score = np.where(wp > 0, ws / wp, np.nan)
    veto = g["_veto"].to_numpy() > 0
    out = g[by].copy()
    out["weighted_score"] = score
    out["bonus"] = g["_bonus"].to_numpy()
    out["veto"] = veto
    out["total"] = np.where(veto, 0.0, score + out["bonus"].to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        out["coverage"] = np.where(wd > 0, wp / wd, np.nan)
    out["n_scored"] = g["_n"].to_numpy()
    out["n_due"] = g["_nd"].to_numpy()
    return out


def period_totals_by_rule(scores: pd.DataFrame, rb: Rulebook) -> pd.DataFrame:
    """Total per employee × role period (columns employee, role, period, total, weighted_score, bonus, veto,
    coverage, n_scored, n_due); ``total`` NaN = the period is not scored.

    Examples
    --------
    >>> from types import SimpleNamespace as N
    >>> rb = N(roles={"r": N(cycle="monthly")}, missing="zero")
    >>> s = pd.DataFrame({"employee": ["e"] * 2, "role": ["r"] * 2, "indicator": ["a", "b"],
    ...                   "period": ["2027-01"] * 2, "score": [80.0, float("nan")], "weight": [60.0, 40.0],
    ...                   "weighted": [True, True], "rule_type": ["ratio", "ratio"]})
    >>> float(period_totals_by_rule(s, rb)["total"][0])
    48.0
    """
    return _totals(period_scores(scores, rb), ["employee", "role", "period"], rb.missing)


def annual_scores(scores: pd.DataFrame, periods: pd.DataFrame, rb: Rulebook, table: pd.DataFrame) -> pd.DataFrame:
    """The annual score per employee (columns employee, role, total, weighted_score, bonus, veto, coverage,
    n_periods, n_periods_scored), from the period totals (``mean``) or the indicators by cycle (``weighted``).

    Examples
    --------
    >>> from types import SimpleNamespace as N
    >>> rb = N(annual="mean", annual_weights={}, missing="renormalise")
    >>> p = pd.DataFrame({"employee": ["e"] * 3, "role": ["r"] * 3, "period": ["2027-Q1", "2027-Q2", "2027-Q3"],
    ...                   "total": [80.0, 90.0, float("nan")], "veto": [False] * 3, "coverage": [1.0, 1.0, 0.0]})
    >>> a = annual_scores(pd.DataFrame(), p, rb, pd.DataFrame())
    >>> float(a["total"][0]), int(a["n_periods_scored"][0])
    (85.0, 2)
    """
    key = ["employee", "role"]
    p = periods.copy()
    p["_scored"] = p["total"].notna()
    g = p.groupby(key, sort=True)
    out = g.agg(mean_total=("total", "mean"), veto=("veto", "any"), coverage=("coverage", "mean"),
                n_periods=("period", "size"), n_periods_scored=("_scored", "sum")).reset_index()
    out["weighted_score"] = out["mean_total"]
    out["bonus"] = 0.0
    if rb.annual == "weighted" and rb.annual_weights and not scores.empty:
        cyc = table.set_index(["role", "indicator"])["cycle"]
        ind = scores.assign(rule_type=scores["rule_type"].astype(str))
        ind = ind.groupby(key + ["indicator"], sort=True, observed=True).agg(
            weight=("weight", "first"), weighted=("weighted", "first"), rule_type=("rule_type", "first"),
            score=("score", "mean")).reset_index()
        ind["cycle"] = cyc.reindex(pd.MultiIndex.from_frame(ind[["role", "indicator"]])).to_numpy()
        sub = _totals(ind[ind["cycle"].isin(rb.annual_weights)], key + ["cycle"], rb.missing)
        sub["_mix"] = sub["cycle"].map(rb.annual_weights).astype(float)
        sub = sub[sub["weighted_score"].notna()]
        sub["_x"] = sub["_mix"] * sub["weighted_score"]
        mixed = sub.groupby(key).agg(x=("_x", "sum"), m=("_mix", "sum"))
        bonus = _totals(ind, key, rb.missing).set_index(key)["bonus"]
        idx = pd.MultiIndex.from_frame(out[key])
        out["weighted_score"] = (mixed["x"] / mixed["m"]).reindex(idx).to_numpy()
        out["bonus"] = bonus.reindex(idx).fillna(0.0).to_numpy()
        out["mean_total"] = out["weighted_score"] + out["bonus"]
    out["total"] = np.where(out["veto"], 0.0, out["mean_total"])
    return out.drop(columns="mean_total")


def _forced_by_bins(scores: pd.Series, groups: pd.Series, ids: pd.Series, rb: Rulebook) -> np.ndarray:
    """Forced distribution into the rulebook's bins, then each person's band grade clamped to their bin."""
    bins = rb.distribution.bins
    shares = {b.label: b.share for b in bins}
    labels = forced_distribution(scores, groups, ids, shares)
    grades = [_grade(g) for g in rb.grades]
    band = grade_by_bands(scores, grades)
    order = [g[0] for g in rb.grades]
    out = np.empty(len(labels), dtype=object)
    members = {b.label: b.grades for b in bins}
    for i, (lab, bd) in enumerate(zip(labels, band)):
        if lab is None:
            out[i] = bd
            continue
        inside = members[lab]
        if bd in inside:
            out[i] = bd
        elif bd is None or order.index(bd) > order.index(inside[-1]):
            out[i] = inside[-1]
        else:
            out[i] = inside[0]
    return out


def _grade(row: tuple[str, str, str, float]) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(code=row[0], min_score=row[3])


def grade_frame(frame: pd.DataFrame, rb: Rulebook, groups: dict[str, str], *, level: str,
                by: list[str] | None = None) -> pd.DataFrame:
    """Add group, group_size, grade_band, grade and grade_method to period or annual totals.

    The forced distribution applies only at the rulebook's ``distribution.level`` and only to calibration
    groups (per ``by``, e.g. per period) with at least ``min_group_size`` scored people. The band grade is
    kept beside the grade, so that a forced re-grading is always visible.

    Examples
    --------
    The sample forces the annual grades in groups of 25 or more; two people are a small group, and period
    grades are never forced there:

    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> from toolkit.scheme.rulebook import rulebook
    >>> rb = rulebook(load_engagement(samples_dir() / "midsize_company" / "engagement.yaml"))
    >>> a = pd.DataFrame({"employee": ["CC001", "CC002", "CC003"], "total": [112.0, 95.5, np.nan]})
    >>> groups = {"CC001": "marketing", "CC002": "marketing"}
    >>> g = grade_frame(a, rb, groups, level="annual")
    >>> g["group"].tolist(), g["group_size"].tolist(), g["grade"].tolist(), set(g["grade_method"])
    (['marketing', 'marketing', 'default'], [2, 2, 0], ['S', 'B', nan], {'bands_small_group'})
    >>> p = pd.DataFrame({"employee": ["CC001", "CC002"], "period": ["2026-01"] * 2, "total": [101.0, 59.0]})
    >>> grade_frame(p, rb, groups, level="period", by=["period"])[["grade", "grade_method"]].values.tolist()
    [['A', 'bands'], ['D', 'bands']]
    """
    out = frame.copy()
    out["group"] = out["employee"].map(groups).fillna("default")
    keys = ["group"] + (by or [])
    scored = out["total"].notna()
    out["group_size"] = out.groupby(keys)["total"].transform("count").astype(int)
    out["grade_band"] = grade_by_bands(out["total"], [_grade(g) for g in rb.grades])
    out["grade"] = out["grade_band"]
    out["grade_method"] = "bands"
    d = rb.distribution
    if d.mode == "forced" and d.bins and d.level == level:
        big = out["group_size"] >= d.min_group_size
        sel = big & scored
        if sel.any():
            parts = [out.loc[sel, k].astype(str) for k in keys]
            grp = parts[0]  # "group|period": the calibration group's name, joined column-wise (not per row)
            for part in parts[1:]:
                grp = grp + "|" + part
            out.loc[sel, "grade"] = _forced_by_bins(out.loc[sel, "total"], grp, out.loc[sel, "employee"], rb)
            out.loc[sel, "grade_method"] = "forced"
        out.loc[~big, "grade_method"] = "bands_small_group"
    return out


def performance_pay(periods: pd.DataFrame, annual: pd.DataFrame, rb: Rulebook, base_pay: dict[str, float],
                    pool_covered: float | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Performance pay per period and in total, by the rulebook's one pay rule.

    Returns ``periods`` with coefficient and performance_pay (NaN for a period that is not scored) and
    ``annual`` with performance_pay (per period, the pool rule: its mean), performance_pay_total and
    pay_periods (the scored periods paid). One rule for all, so that the document's pay sentence and the
    figures cannot disagree; a period that is not scored is not paid.

    Examples
    --------
    The sample pays base × the coefficient of each period's grade (S 1.5, A 1.2, B 1.0, C 0.8):

    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> from toolkit.scheme.rulebook import rulebook
    >>> rb = rulebook(load_engagement(samples_dir() / "midsize_company" / "engagement.yaml"))
    >>> p = pd.DataFrame({"employee": ["CC001"] * 3 + ["CC002"] * 3,
    ...                   "period": ["2026-01", "2026-02", "2026-03"] * 2,
    ...                   "grade": ["S", "A", None, "B", "B", "C"],
    ...                   "total": [112.0, 101.0, np.nan, 90.0, 90.0, 70.0]})
    >>> a = pd.DataFrame({"employee": ["CC001", "CC002"], "grade": ["A", "C"]})
    >>> pp, aa = performance_pay(p, a, rb, {"CC001": 8000.0, "CC002": 6000.0}, None)
    >>> pp["performance_pay"].tolist()
    [12000.0, 9600.0, nan, 6000.0, 6000.0, 4800.0]
    >>> aa[["performance_pay_total", "pay_periods", "performance_pay"]].values.tolist()
    [[21600.0, 2.0, 10800.0], [16800.0, 3.0, 5600.0]]
    """
    pay = rb.pay
    p, a = periods.copy(), annual.copy()
    base_p = p["employee"].map(base_pay).astype(float)
    if pay.rule == "coefficient":
        if pay.grade == "annual":
            grade = p["employee"].map(dict(zip(a["employee"], a["grade"])))
        else:
            grade = p["grade"]
        p["pay_grade"] = grade
        p["coefficient"] = grade.map(pay.coefficients).astype(float)
        p["performance_pay"] = np.where(p["total"].notna(), base_p * p["coefficient"], np.nan)
        sums = p.groupby("employee")["performance_pay"].sum(min_count=1)
        a["performance_pay_total"] = a["employee"].map(sums).astype(float)
    elif pay.rule == "pool":
        a["coefficient"] = a["grade"].map(pay.coefficients).astype(float)
        n_paid = p[p["total"].notna()].groupby("employee")["period"].size()
        points = (a["employee"].map(base_pay).astype(float) * a["coefficient"]
                  * a["employee"].map(n_paid).fillna(0)).fillna(0.0)  # nobody scored, no share
        total_points = float(np.nansum(points))
        share = points / total_points if total_points > 0 else points * np.nan
        a["performance_pay_total"] = share * (pool_covered or 0.0) if pool_covered is not None else np.nan
        p["pay_grade"] = p["employee"].map(dict(zip(a["employee"], a["grade"])))
        p["coefficient"] = p["pay_grade"].map(pay.coefficients).astype(float)
        per = a.set_index("employee")["performance_pay_total"] / n_paid
        p["performance_pay"] = np.where(p["total"].notna(), p["employee"].map(per), np.nan)
    else:
        p["pay_grade"] = None
        p["coefficient"] = np.nan
        p["performance_pay"] = np.nan
        a["performance_pay_total"] = np.nan
    paid = p[p["performance_pay"].notna()].groupby("employee")["period"].size()
    a["pay_periods"] = a["employee"].map(paid).fillna(0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        a["performance_pay"] = a["performance_pay_total"] / a["pay_periods"].replace(0, np.nan)
    return p, a
