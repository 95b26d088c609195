"""Multi-rater (360°) ratings: weighted by rater group, re-normalised when a group is missing, rater bias flagged.

Rater-group weights come per role (``Role.raters``) or from the engagement (``Engagement.raters``). When a group
gave no rating for an employee (no subordinates, a customer who did not answer), its weight is spread over the
groups that did — ``Σ wₖ·r̄ₖ / Σ wₖ`` over the groups present — and the row says so (frappe/hrms #2023: a missing
component must not drag the score down). Ratings from a kind the role does not weight are ignored and reported.

Leniency/severity: each rating is compared with the mean of the *other* raters of the same employee ×
indicator × period; a rater whose mean deviation is at least ``threshold`` scale points (and clearly non-zero,
|t| ≥ 2 over at least ``min_n`` ratings) is flagged lenient (positive) or severe (negative).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["combine_ratings", "rater_bias", "rater_weights"]

KEY = ["employee", "role", "indicator", "period"]


def rater_weights(eng: Any) -> pd.DataFrame:
    """Rater-group weights per role as a frame (role, rater_kind, rater_weight), shares summing to 1 per role.

    A role's own raters replace the engagement's; as shares, the weights of the groups that did rate can be
    re-normalised by :func:`combine_ratings`.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> w = rater_weights(load_engagement(samples_dir() / "midsize_company" / "engagement.yaml"))
    >>> ad = w[w["role"] == "ad_placement"]   # the engagement's groups
    >>> dict(zip(ad["rater_kind"], ad["rater_weight"].round(4).tolist()))
    {'supervisor': 0.5, 'peer': 0.2, 'customer': 0.2, 'self': 0.1}
    >>> w[w["role"] == "marketing_manager"]["rater_kind"].tolist()   # the role's own, with subordinates
    ['supervisor', 'peer', 'subordinate', 'self', 'customer']
    """
    rows = []
    for role in eng.roles:
        groups = role.raters if role.raters else eng.raters
        total = sum(g.weight for g in groups) or 1.0
        rows += [{"role": role.id, "rater_kind": g.kind, "rater_weight": g.weight / total} for g in groups]
    return pd.DataFrame(rows, columns=["role", "rater_kind", "rater_weight"])


def combine_ratings(ratings: pd.DataFrame, weights: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Combine individual ratings into one rating per employee × indicator × period.

    Parameters
    ----------
    ratings : columns employee, role, indicator, period, rater_kind, rating (rater optional)
    weights : :func:`rater_weights`

    Returns
    -------
    combined : KEY columns + ``value`` (the weighted mean rating), ``groups`` (kinds present),
        ``weight_present`` (share of the configured weight that rated) and ``renormalised`` (bool)
    notes : one row per re-normalised or ignored case: KEY, rater_kind, issue (``missing_group`` /
        ``unweighted_group``)

    Examples
    --------
    >>> w = pd.DataFrame({"role": ["r", "r"], "rater_kind": ["supervisor", "peer"], "rater_weight": [0.7, 0.3]})
    >>> r = pd.DataFrame({"employee": ["e1"], "role": ["r"], "indicator": ["x"], "period": ["2026-01"],
    ...                   "rater_kind": ["supervisor"], "rating": [4.0]})
    >>> c, n = combine_ratings(r, w)
    >>> float(c.value[0]), bool(c.renormalised[0]), n.issue.tolist()
    (4.0, True, ['missing_group'])
    """
    cols = KEY + ["value", "groups", "weight_present", "renormalised"]
    if ratings.empty:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=KEY + ["rater_kind", "issue"])
    r = ratings.dropna(subset=["rating"])
    per_kind = (r.groupby(KEY + ["rater_kind"], observed=True, sort=False)["rating"].mean().reset_index())
    per_kind = per_kind.merge(weights, on=["role", "rater_kind"], how="left")
    unweighted = per_kind[per_kind["rater_weight"].isna()]
    per_kind = per_kind[per_kind["rater_weight"].notna()].copy()
    per_kind["wr"] = per_kind["rater_weight"] * per_kind["rating"]
    g = per_kind.groupby(KEY, observed=True, sort=False)
    kinds = sorted(str(k) for k in per_kind["rater_kind"].unique())
    if len(kinds) <= 60:  # each kind is one bit (a group holds a kind once), in sorted order: a sum is the set
        bit = {k: 1 << i for i, k in enumerate(kinds)}
        per_kind["_bits"] = per_kind["rater_kind"].astype(str).map(bit).astype("int64")
        combined = g.agg(wr=("wr", "sum"), weight_present=("rater_weight", "sum"),
                         _bits=("_bits", "sum")).reset_index()
        names = {m: ",".join(k for k in kinds if m & bit[k]) for m in combined["_bits"].unique()}
        combined["groups"] = combined["_bits"].map(names)
    else:
        combined = g.agg(wr=("wr", "sum"), weight_present=("rater_weight", "sum"),
                         groups=("rater_kind", lambda s: ",".join(sorted(s)))).reset_index()
    combined["value"] = combined["wr"] / combined["weight_present"]
    combined["renormalised"] = combined["weight_present"] < 1 - 1e-9
    combined = combined[cols]

    # which configured groups are missing where re-normalisation happened
    renorm = combined.loc[combined["renormalised"], KEY]
    missing = renorm.merge(weights[["role", "rater_kind"]], on="role")
    missing = missing.merge(per_kind[KEY + ["rater_kind"]], on=KEY + ["rater_kind"], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"].drop(columns="_merge").assign(issue="missing_group")
    notes = pd.concat([missing, unweighted[KEY + ["rater_kind"]].assign(issue="unweighted_group")],
                      ignore_index=True)
    return combined.reset_index(drop=True), notes.reset_index(drop=True)


def rater_bias(ratings: pd.DataFrame, threshold: float = 0.5, min_n: int = 5) -> pd.DataFrame:
    """Leniency/severity of each rater against the other raters of the same people.

    For each rating, ``deviation = rating − mean(other ratings of the same employee × indicator × period)``
    (ratings with no other rater are left out). Per rater: n, mean rating, mean deviation, its t statistic
    (mean / (sd/√n)), and ``flag`` = ``lenient`` / ``severe`` when ``|mean deviation| ≥ threshold`` and
    ``|t| ≥ 2`` and ``n ≥ min_n``, else ``""``. Rows without a ``rater`` use the rater kind as the rater.
    Comparing with the other raters of the same people separates a lenient rater from a strong team.

    Examples
    --------
    Six peers rate five people; P1 rates everyone one or two levels above the others:

    >>> base, extra = [3, 4, 3, 2, 4], [1, 1, 2, 1, 1]
    >>> r = pd.DataFrame([{"employee": f"e{i}", "role": "r", "indicator": "x", "period": "2026-01",
    ...                    "rater_kind": "peer", "rater": f"P{k}", "rating": b + (x if k == 1 else 0)}
    ...                   for i, (b, x) in enumerate(zip(base, extra)) for k in range(1, 7)])
    >>> bias = rater_bias(r)
    >>> bias[["rater", "n", "mean_deviation", "t", "flag"]].round(2).values.tolist()[:2]
    [['P1', 5, 1.2, 6.0, 'lenient'], ['P2', 5, -0.24, -6.0, '']]
    >>> bias.loc[bias["flag"] != "", "rater"].tolist()   # the others sit 0.24 low: not flagged
    ['P1']
    """
    cols = ["rater", "rater_kind", "n", "mean_rating", "mean_deviation", "t", "flag"]
    if ratings.empty:
        return pd.DataFrame(columns=cols)
    r = ratings.dropna(subset=["rating"]).copy()
    rater = r["rater"] if "rater" in r.columns else pd.Series(np.nan, index=r.index)
    r["rater"] = rater.astype(object).where(rater.notna() & (rater.astype(str) != ""), r["rater_kind"])
    g = r.groupby(KEY, observed=True, sort=False)["rating"]
    s, c = g.transform("sum"), g.transform("count")
    r["deviation"] = np.where(c > 1, r["rating"] - (s - r["rating"]) / (c - 1).where(c > 1), np.nan)
    d = r.dropna(subset=["deviation"])
    agg = d.groupby(["rater", "rater_kind"], observed=True).agg(
        n=("deviation", "size"), mean_rating=("rating", "mean"), mean_deviation=("deviation", "mean"),
        sd=("deviation", "std")).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        agg["t"] = agg["mean_deviation"] / (agg["sd"] / np.sqrt(agg["n"]))
    zero_sd = agg["sd"].fillna(0) == 0  # identical deviations: t is 0 or infinite
    agg["t"] = np.where(zero_sd, np.sign(agg["mean_deviation"]) * np.where(agg["mean_deviation"] == 0, 0.0, np.inf),
                        agg["t"])
    ok = (agg["n"] >= min_n) & (agg["mean_deviation"].abs() >= threshold) & (agg["t"].abs() >= 2)
    agg["flag"] = np.where(ok, np.where(agg["mean_deviation"] > 0, "lenient", "severe"), "")
    return agg[cols].sort_values(["flag", "mean_deviation"], ascending=[False, False]).reset_index(drop=True)
