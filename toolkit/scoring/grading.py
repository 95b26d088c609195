"""Building blocks of totals and grades: weighted totals of a scored frame, grades by score bands, the
forced-distribution ranking, and the dense fast path used by the benchmark.

The rules themselves (which indicators enter a period, missing values, the annual score, at which level the
distribution applies, pay) are the rulebook's and are executed by :mod:`toolkit.scoring.totals`; the
functions here do not decide them. Forced distribution ranks by total (ties broken by employee id only to fix
positions), gives each share ``round(share × n)`` places (largest-remainder rounding, so counts add up to n),
and then gives **tied totals the same place — the best any of them reached**: equal work is never split by an
arbitrary order, at the price of a grade holding a few more people than its share, which the result reports.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "annual_indicator_scores",
    "assign_grades",
    "forced_counts",
    "forced_distribution",
    "grade_by_bands",
    "matrix_totals",
    "period_kind",
    "weighted_totals",
]

_WEIGHTED = ("linear", "ratio", "band", "steps", "deduction", "rating")


def period_kind(period: pd.Series) -> pd.Series:
    """The cycle a period label belongs to: ``2026-03`` monthly, ``2026-Q1`` quarterly, ``2026-H1`` half_year,
    ``2026`` annual; anything else → missing.

    The expected values of an indicator are the periods of its own cycle, so scoring needs each label's cycle.

    Examples
    --------
    >>> period_kind(pd.Series(["2026-03", "2026-Q1", "2026-H2", "2026", "2026-13"])).tolist()
    ['monthly', 'quarterly', 'half_year', 'annual', nan]
    """
    p = period.astype(str)
    if len(p) > 512:  # the same answer, computed once per distinct label
        codes, labels = pd.factorize(p, use_na_sentinel=False)
        kinds = period_kind(pd.Series(labels, dtype=object)).to_numpy(dtype=object)
        return pd.Series(kinds[codes], index=period.index, dtype=object)
    out = pd.Series(None, index=period.index, dtype=object)
    out[p.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")] = "monthly"
    out[p.str.fullmatch(r"\d{4}-Q[1-4]")] = "quarterly"
    out[p.str.fullmatch(r"\d{4}-H[12]")] = "half_year"
    out[p.str.fullmatch(r"\d{4}")] = "annual"
    return out


def weighted_totals(scored: pd.DataFrame, by: Sequence[str], role_weight: pd.Series | None = None) -> pd.DataFrame:
    """Totals of a scored frame (columns weight, weighted, rule_type, score) grouped by ``by``.

    ``role_weight`` (index role → Σ weights of the role's weighted indicators) gives ``coverage``.
    Returns ``by`` + total, weighted_score, bonus, veto, coverage, n_scored. ``coverage`` and ``n_scored``
    show how much of a total rests on scored indicators, since missing ones are left out, not counted as 0.

    Examples
    --------
    >>> s = pd.DataFrame({"employee": ["e1"] * 3 + ["e2"] * 3, "role": ["r"] * 6,
    ...                   "indicator": ["a", "b", "v"] * 2, "weight": [60.0, 40.0, 0.0] * 2,
    ...                   "weighted": [True, True, False] * 2, "rule_type": ["ratio", "ratio", "veto"] * 2,
    ...                   "score": [80.0, 100.0, 0.0, 90.0, np.nan, 1.0]})
    >>> t = weighted_totals(s, ["employee", "role"], pd.Series({"r": 100.0}))
    >>> t[["employee", "total", "weighted_score", "veto", "coverage", "n_scored"]].values.tolist()
    [['e1', 88.0, 88.0, False, 1.0, 2], ['e2', 0.0, 90.0, True, 0.6, 1]]
    """
    by = list(by)
    s = scored["score"].to_numpy(dtype=float)
    present = ~np.isnan(s)
    w = scored["weight"].to_numpy(dtype=float)
    weighted = scored["weighted"].to_numpy(dtype=bool)
    rt = scored["rule_type"].astype(str).to_numpy()
    use = weighted & present
    tmp = scored[by].copy()
    tmp["_ws"] = np.where(use, w * np.where(present, s, 0.0), 0.0)
    tmp["_w"] = np.where(use, w, 0.0)
    tmp["_bonus"] = np.where((rt == "bonus") & present, s, 0.0)
    tmp["_veto"] = np.where((rt == "veto") & present, s, 0.0)
    tmp["_n"] = use.astype(np.int64)
    g = tmp.groupby(by, observed=True, sort=True).sum(numeric_only=True).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        ws = np.where(g["_w"] > 0, g["_ws"] / g["_w"], np.nan)
    veto = g["_veto"].to_numpy() > 0
    total = np.where(veto, 0.0, ws + g["_bonus"].to_numpy())
    out = g[by].copy()
    out["total"] = total
    out["weighted_score"] = ws
    out["bonus"] = g["_bonus"].to_numpy()
    out["veto"] = veto
    if role_weight is not None and "role" in out.columns:
        out["coverage"] = g["_w"].to_numpy() / out["role"].map(role_weight).to_numpy(dtype=float)
    else:
        out["coverage"] = np.nan
    out["n_scored"] = g["_n"].to_numpy()
    return out




def annual_indicator_scores(scored: pd.DataFrame) -> pd.DataFrame:
    """Each employee's score per indicator over the year: the mean of the indicator's period scores.

    Veto flags become the maximum (one breach vetoes the year); missing periods are skipped and counted.
    This is the basis of the calibration review (spread, redundancy) per indicator.

    Examples
    --------
    >>> s = pd.DataFrame({"employee": ["e"] * 4, "role": ["r"] * 4, "indicator": ["a", "a", "v", "v"],
    ...                   "period": ["2026-01", "2026-02"] * 2, "weight": [100.0, 100.0, 0.0, 0.0],
    ...                   "weighted": [True, True, False, False],
    ...                   "rule_type": ["ratio", "ratio", "veto", "veto"], "score": [80.0, np.nan, 0.0, 1.0]})
    >>> annual_indicator_scores(s)[["indicator", "score", "n_periods", "n_expected"]].values.tolist()
    [['a', 80.0, 1, 2], ['v', 1.0, 2, 2]]
    """
    key = ["employee", "role", "indicator"]
    is_veto = scored["rule_type"].astype(str).to_numpy() == "veto"
    tmp = scored[key + ["weight", "weighted", "rule_type"]].copy()
    tmp["_s"] = scored["score"].to_numpy(dtype=float)
    tmp["_veto"] = np.where(is_veto, tmp["_s"], np.nan)
    g = tmp.groupby(key, observed=True, sort=True)
    out = g.agg(weight=("weight", "first"), weighted=("weighted", "first"), rule_type=("rule_type", "first"),
                score=("_s", "mean"), veto=("_veto", "max"), n_periods=("_s", "count"),
                n_expected=("_s", "size")).reset_index()
    out.loc[out["rule_type"].astype(str) == "veto", "score"] = out["veto"]
    return out.drop(columns="veto")



def grade_by_bands(scores: Any, grades: Sequence[Any]) -> np.ndarray:
    """Grade codes by score bands: the grade with the highest ``min_score`` ≤ score (NaN → ``None``).

    Examples
    --------
    >>> from toolkit.model.schema import Engagement
    >>> g = Engagement.model_fields["grades"].default_factory()
    >>> grade_by_bands([110, 109.99, 60, 59.9, float("nan")], g).tolist()
    ['S', 'A', 'C', 'D', None]
    """
    s = np.asarray(scores, dtype=float)
    order = sorted(grades, key=lambda g: g.min_score)
    mins = np.array([g.min_score for g in order])
    codes = np.array([g.code for g in order] + [None], dtype=object)
    idx = np.searchsorted(mins, s, side="right") - 1
    idx = np.where(idx < 0, 0, idx)  # below the lowest band: lowest grade
    idx = np.where(np.isnan(s), len(order), idx)
    return codes[idx]


def forced_counts(n: Any, shares: Sequence[float]) -> np.ndarray:
    """Places per grade for groups of size ``n`` (array): largest-remainder rounding of ``share × n``.

    Largest remainders, so that the places always add up to the group size (plain rounding loses or adds one).

    Examples
    --------
    >>> forced_counts([100, 7], [0.1, 0.2, 0.5, 0.15, 0.05]).tolist()
    [[10, 20, 50, 15, 5], [1, 1, 4, 1, 0]]
    """
    n = np.atleast_1d(np.asarray(n, dtype=np.int64))
    sh = np.asarray(shares, dtype=float)
    q = n[:, None] * sh[None, :]
    base = np.floor(q + 1e-9).astype(np.int64)
    rem = q - base
    deficit = n - base.sum(axis=1)
    order = np.argsort(-rem, axis=1, kind="stable")  # equal remainders: the better grade first
    rank = np.argsort(order, axis=1, kind="stable")
    return base + (rank < deficit[:, None]).astype(np.int64)


def forced_distribution(scores: Any, groups: Any, ids: Any, shares: dict[str, float]) -> np.ndarray:
    """Grades by forced distribution within each group (all groups are assumed large enough).

    Ranking: total descending, then id ascending (positions only); each grade takes its
    :func:`forced_counts` places in order; tied totals then share the best grade among them (equal work is
    never split by an arbitrary order). NaN totals get no grade and do not count towards n.

    Examples
    --------
    >>> forced_distribution([95, 95, 80, 70, 60, np.nan], ["g"] * 6, list("abcdex"),
    ...                     {"A": 0.2, "B": 0.6, "C": 0.2}).tolist()   # 1 A place, but a and b tie at 95
    ['A', 'A', 'B', 'B', 'C', None]
    """
    s = np.asarray(scores, dtype=float)
    codes = list(shares)
    df = pd.DataFrame({"s": s, "g": np.asarray(groups, dtype=object), "id": np.asarray(ids).astype(str),
                       "pos": np.arange(len(s))})
    df = df[~np.isnan(df["s"])]
    out = np.full(len(s), None, dtype=object)
    if df.empty:
        return out
    df = df.sort_values(["g", "s", "id"], ascending=[True, False, True], kind="mergesort")
    gcodes, _ = pd.factorize(df["g"], sort=False)
    rank = df.groupby(gcodes, sort=False).cumcount().to_numpy()
    sizes = np.bincount(gcodes)
    cum = np.cumsum(forced_counts(sizes, [shares[c] for c in codes]), axis=1)
    gi = (rank[:, None] >= cum[gcodes]).sum(axis=1)
    gi = np.minimum(gi, len(codes) - 1)
    # ties: same group and same total → the best (smallest) grade index among them
    gi = pd.Series(gi).groupby([gcodes, df["s"].to_numpy()], sort=False).transform("min").to_numpy()
    out[df["pos"].to_numpy()] = np.array(codes, dtype=object)[gi]
    return out


def assign_grades(totals: pd.DataFrame, eng: Any, score_col: str = "total") -> pd.DataFrame:
    """Grade each employee: forced distribution for large enough calibration groups, bands otherwise.

    ``totals`` needs columns employee and ``score_col``; the calibration group comes from the engagement's
    employees (``Employee.group``; unknown → ``default``). Adds columns group, group_size, grade_band (by bands,
    always shown), grade, grade_method (``bands`` / ``forced`` / ``bands_small_group``). A forced ranking is
    only fair in a group large enough to hold the shares; smaller groups keep their band grades.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")   # forced, min group 25
    >>> t = pd.DataFrame({"employee": ["CC001", "CC002", "CC003"], "total": [112.0, 95.5, 58.0]})
    >>> g = assign_grades(t, eng)
    >>> set(g["group"]), g["group_size"].tolist(), g["grade"].tolist(), set(g["grade_method"])
    ({'marketing'}, [3, 3, 3], ['S', 'B', 'D'], {'bands_small_group'})
    >>> ten = pd.DataFrame({"employee": [f"CC{i:03d}" for i in range(1, 11)],
    ...                     "total": [112.0, 105, 101, 99, 95, 90, 88, 84, 70, 58]})
    >>> dist = eng.distribution.model_copy(update={"min_group_size": 10})
    >>> g = assign_grades(ten, eng.model_copy(update={"distribution": dist}))
    >>> "".join(g["grade_band"]), "".join(g["grade"]), set(g["grade_method"])
    ('SAABBBBCCD', 'SAABBBBBCC', {'forced'})
    """
    out = totals.copy()
    groups = {e.id: e.group for e in eng.employees}
    out["group"] = out["employee"].map(groups).fillna("default")
    scored = out[score_col].notna()
    out["group_size"] = out.groupby("group")[score_col].transform("count").astype(int)
    out["grade_band"] = grade_by_bands(out[score_col], eng.grades)
    out["grade"] = out["grade_band"]
    out["grade_method"] = "bands"
    dist = eng.distribution
    if dist.mode == "forced" and dist.shares:
        order = [g.code for g in sorted(eng.grades, key=lambda g: -g.min_score)]
        shares = {c: float(dist.shares.get(c, 0.0)) for c in order}
        big = out["group_size"] >= dist.min_group_size
        sel = big & scored
        if sel.any():
            out.loc[sel, "grade"] = forced_distribution(out.loc[sel, score_col], out.loc[sel, "group"],
                                                        out.loc[sel, "employee"], shares)
            out.loc[sel, "grade_method"] = "forced"
        out.loc[~big, "grade_method"] = "bands_small_group"
    return out


def matrix_totals(scores: np.ndarray, weights: Sequence[float], kinds: Sequence[str],
                  missing: str = "renormalise") -> tuple[np.ndarray, np.ndarray]:
    """Period and annual totals from a dense ``scores[indicator, employee, period]`` block (fast path).

    The rulebook's formulas for one role on one cycle (:mod:`toolkit.scoring.totals`): each period's weighted
    mean under the ``missing`` policy, plus bonus points, zero on a veto; the annual score is the mean of the
    scored period totals, zero after any veto. Accumulates one indicator slice at a time (a dozen array passes, small temporaries)
    rather than materialising masked copies of the whole block. Returns
    ``(period_totals[employee, period], annual[employee])``.

    Examples
    --------
    Two weighted indicators (60/40) and a veto, two employees, two periods; the second employee misses one
    score in the first period and breaches the veto in the second:

    >>> s = np.array([[[100.0, 80.0], [np.nan, 60.0]], [[50.0, 100.0], [100.0, np.nan]], [[0, 0], [0, 1.0]]])
    >>> per, annual = matrix_totals(s, [60, 40, 0], ["ratio", "ratio", "veto"])
    >>> per.tolist(), annual.tolist()
    ([[80.0, 88.0], [100.0, 0.0]], [84.0, 0.0])
    >>> matrix_totals(s, [60, 40, 0], ["ratio", "ratio", "veto"], missing="zero")[0].tolist()
    [[80.0, 88.0], [40.0, 0.0]]
    """
    _, n_emp, n_per = scores.shape
    num = np.zeros((n_emp, n_per))
    den = np.zeros((n_emp, n_per))
    bonus = np.zeros((n_emp, n_per))
    veto = np.zeros((n_emp, n_per), dtype=bool)
    for i, kind in enumerate(kinds):
        s = scores[i]
        present = ~np.isnan(s)
        filled = np.where(present, s, 0.0)
        if kind == "veto":
            veto |= filled > 0
            continue
        if kind == "bonus":
            bonus += filled
            continue
        if kind not in _WEIGHTED:
            continue
        w = float(weights[i])
        num += w * filled
        den += w * present
    w_all = float(sum(w for w, k in zip(weights, kinds) if k in _WEIGHTED))
    with np.errstate(invalid="ignore", divide="ignore"):
        if missing == "zero":
            per_period = np.where(den > 0, num / w_all, np.nan) + bonus
        elif missing == "exclude_period":
            per_period = np.where(den >= w_all - 1e-12, num / w_all, np.nan) + bonus
        else:
            per_period = num / den + bonus
    per_period[veto] = 0.0
    scored = ~np.isnan(per_period)
    with np.errstate(invalid="ignore", divide="ignore"):
        annual = np.where(scored, per_period, 0.0).sum(axis=1) / scored.sum(axis=1)
    annual[veto.any(axis=1)] = 0.0
    return per_period, annual
