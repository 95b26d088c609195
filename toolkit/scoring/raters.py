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


def _coded(frame: pd.DataFrame, columns: list[str], rows: np.ndarray | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Integer codes (in order of first appearance, -1 = missing) of text columns for ``rows``, and their values.

    Filtering, grouping and merging a million ratings then moves integers, not strings; results are decoded.
    """
    codes, uniques = {}, {}
    for c in columns:
        k, uniques[c] = pd.factorize(frame[c])
        codes[c] = k if rows is None else k[rows]
    return codes, uniques


def combine_ratings(ratings: pd.DataFrame, weights: pd.DataFrame,
                    rows: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Combine individual ratings into one rating per employee × indicator × period.

    Parameters
    ----------
    ratings : columns employee, role, indicator, period, rater_kind, rating (rater optional)
    weights : :func:`rater_weights`
    rows : optional boolean mask: the ratings are these rows of ``ratings`` (no copy of the rows is made)

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
    rows = None if rows is None else np.asarray(rows, dtype=bool)
    if ratings.empty or (rows is not None and not rows.any()):
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=KEY + ["rater_kind", "issue"])
    names = KEY + ["rater_kind"]
    coded, uniques = _coded(ratings, names, rows)
    rating = ratings["rating"].to_numpy(dtype=float)
    rating = rating if rows is None else rating[rows]
    keep = ~np.isnan(rating)
    for c in names:  # a missing key is no group (as groupby's dropna)
        keep &= coded[c] >= 0
    r = pd.DataFrame({**{c: coded[c][keep] for c in names}, "rating": rating[keep]})
    # the weights on the same codes; a configured kind nobody rated gets a code of its own (it is missing)
    absent = pd.Index(weights["rater_kind"]).difference(uniques["rater_kind"], sort=False).unique()
    uniques["rater_kind"] = uniques["rater_kind"].append(absent)
    w = pd.DataFrame({"role": uniques["role"].get_indexer(weights["role"]),
                      "rater_kind": uniques["rater_kind"].get_indexer(weights["rater_kind"]),
                      "rater_weight": weights["rater_weight"].to_numpy()})
    w = w[w["role"] >= 0]  # a role nobody in the input holds
    per_kind = r.groupby(names, sort=False)["rating"].mean().reset_index()
    per_kind = per_kind.merge(w, on=["role", "rater_kind"], how="left")
    unweighted = per_kind[per_kind["rater_weight"].isna()]
    per_kind = per_kind[per_kind["rater_weight"].notna()].copy()
    per_kind["wr"] = per_kind["rater_weight"] * per_kind["rating"]
    g = per_kind.groupby(KEY, sort=False)
    kind_names = np.asarray(uniques["rater_kind"].astype(str), dtype=object)
    kinds = sorted(kind_names[per_kind["rater_kind"].unique()])
    if len(kinds) <= 60:  # each kind is one bit (a group holds a kind once), in sorted order: a sum is the set
        bit = {k: 1 << i for i, k in enumerate(kinds)}
        bits = np.array([bit.get(k, 0) for k in kind_names], dtype="int64")
        per_kind["_bits"] = bits[per_kind["rater_kind"].to_numpy()]
        combined = g.agg(wr=("wr", "sum"), weight_present=("rater_weight", "sum"),
                         _bits=("_bits", "sum")).reset_index()
        labels = {m: ",".join(k for k in kinds if m & bit[k]) for m in combined["_bits"].unique()}
        combined["groups"] = combined["_bits"].map(labels)
    else:
        per_kind["_kind"] = kind_names[per_kind["rater_kind"].to_numpy()]
        combined = g.agg(wr=("wr", "sum"), weight_present=("rater_weight", "sum"),
                         groups=("_kind", lambda s: ",".join(sorted(s)))).reset_index()
    combined["value"] = combined["wr"] / combined["weight_present"]
    combined["renormalised"] = combined["weight_present"] < 1 - 1e-9

    # which configured groups are missing where re-normalisation happened
    renorm = combined.loc[combined["renormalised"], KEY]
    missing = renorm.merge(w[["role", "rater_kind"]], on="role")
    missing = missing.merge(per_kind[names], on=names, how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"].drop(columns="_merge").assign(issue="missing_group")
    notes = pd.concat([missing, unweighted[names].assign(issue="unweighted_group")], ignore_index=True)

    def decoded(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        out = df.copy()
        for c in columns:
            out[c] = pd.Series(uniques[c].take(df[c].to_numpy()), index=df.index).astype(ratings[c].dtype)
        return out

    return (decoded(combined[cols], KEY).reset_index(drop=True),
            decoded(notes, names).reset_index(drop=True))


def rater_bias(ratings: pd.DataFrame, threshold: float = 0.5, min_n: int = 5,
               rows: np.ndarray | None = None) -> pd.DataFrame:
    """Leniency/severity of each rater against the other raters of the same people.

    For each rating, ``deviation = rating − mean(other ratings of the same employee × indicator × period)``
    (ratings with no other rater are left out). Per rater: n, mean rating, mean deviation, its t statistic
    (mean / (sd/√n)), and ``flag`` = ``lenient`` / ``severe`` when ``|mean deviation| ≥ threshold`` and
    ``|t| ≥ 2`` and ``n ≥ min_n``, else ``""``. Rows without a ``rater`` use the rater kind as the rater.
    Comparing with the other raters of the same people separates a lenient rater from a strong team.
    ``rows`` (optional boolean mask) selects the ratings among the rows of ``ratings`` without copying them.

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
    rows = None if rows is None else np.asarray(rows, dtype=bool)
    if ratings.empty or (rows is not None and not rows.any()):
        return pd.DataFrame(columns=cols)
    keys, _ = _coded(ratings, KEY, rows)
    codes, uniques = _coded(ratings, ["rater_kind", "rater"] if "rater" in ratings.columns else ["rater_kind"], rows)
    kind, kinds = codes["rater_kind"], uniques["rater_kind"]
    rating = ratings["rating"].to_numpy(dtype=float)
    rating = rating if rows is None else rating[rows]
    # the rater, or the rater kind for rows without one, as one code per distinct name
    if "rater" in ratings.columns:
        rater, raters = codes["rater"], uniques["rater"]
        named = np.append(np.array([str(v) != "" for v in raters], dtype=bool), False)[rater]  # -1: no rater
    else:
        raters, rater, named = pd.Index([]), np.full(len(kind), -1), np.zeros(len(kind), dtype=bool)
    label_codes, labels = pd.factorize(np.concatenate([np.asarray(raters, dtype=object),
                                                       np.asarray(kinds, dtype=object)]))
    label = label_codes[np.where(named, rater, len(raters) + kind)]
    keep = ~np.isnan(rating) & (kind >= 0)
    for k in keys.values():
        keep &= k >= 0
    r = pd.DataFrame({**{c: k[keep] for c, k in keys.items()}, "rating": rating[keep]})
    g = r.groupby(KEY, sort=False)["rating"]
    s, c = g.transform("sum"), g.transform("count")
    deviation = np.where(c > 1, r["rating"] - (s - r["rating"]) / (c - 1).where(c > 1), np.nan)
    compared = ~np.isnan(deviation)
    d = pd.DataFrame({"rater": label[keep][compared], "rater_kind": kind[keep][compared],
                      "deviation": deviation[compared], "rating": r["rating"].to_numpy()[compared]})
    agg = d.groupby(["rater", "rater_kind"], sort=False).agg(
        n=("deviation", "size"), mean_rating=("rating", "mean"), mean_deviation=("deviation", "mean"),
        sd=("deviation", "std")).reset_index()
    # decoded, in the order of the names (rater, then kind), as a sorted groupby on the names gives
    agg["rater"] = pd.Series(labels.take(agg["rater"].to_numpy()), index=agg.index).astype(
        ratings["rater"].dtype if "rater" in ratings.columns else ratings["rater_kind"].dtype)
    agg["rater_kind"] = pd.Series(kinds.take(agg["rater_kind"].to_numpy()), index=agg.index).astype(
        ratings["rater_kind"].dtype)
    agg = agg.sort_values(["rater", "rater_kind"], kind="stable").reset_index(drop=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        agg["t"] = agg["mean_deviation"] / (agg["sd"] / np.sqrt(agg["n"]))
    zero_sd = agg["sd"].fillna(0) == 0  # identical deviations: t is 0 or infinite
    agg["t"] = np.where(zero_sd, np.sign(agg["mean_deviation"]) * np.where(agg["mean_deviation"] == 0, 0.0, np.inf),
                        agg["t"])
    ok = (agg["n"] >= min_n) & (agg["mean_deviation"].abs() >= threshold) & (agg["t"].abs() >= 2)
    agg["flag"] = np.where(ok, np.where(agg["mean_deviation"] > 0, "lenient", "severe"), "")
    return agg[cols].sort_values(["flag", "mean_deviation"], ascending=[False, False]).reset_index(drop=True)
