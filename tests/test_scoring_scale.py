"""The million-row code paths give what the straightforward code gave, value for value and row for row.

``combine_ratings`` and ``rater_bias`` group integer codes of the keys and take the ratings as a row mask;
``validate_actuals`` works per distinct value of pyarrow-backed text columns. Here they are compared with the
plain pandas code they replaced (kept below as the reference) on the mid-size sample, perturbed with missing
ratings, raters without a name, a rater kind nobody weights and a configured kind nobody rated.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.model.engagement import load_engagement
from toolkit.model.errors import InputError
from toolkit.model.paths import samples_dir
from toolkit.scheme.resolve import resolve_scheme
from toolkit.scoring.actuals import read_actuals, read_table, validate_actuals
from toolkit.scoring.appraise import appraise
from toolkit.scoring.raters import combine_ratings, rater_bias, rater_weights
from toolkit.scoring.rules import indicator_table

KEY = ["employee", "role", "indicator", "period"]
MID = samples_dir() / "midsize_company"


def reference_combine(ratings: pd.DataFrame, weights: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """combine_ratings as it was before the integer codes (pandas on the text keys)."""
    cols = KEY + ["value", "groups", "weight_present", "renormalised"]
    r = ratings.dropna(subset=["rating"])
    per_kind = r.groupby(KEY + ["rater_kind"], observed=True, sort=False)["rating"].mean().reset_index()
    per_kind = per_kind.merge(weights, on=["role", "rater_kind"], how="left")
    unweighted = per_kind[per_kind["rater_weight"].isna()]
    per_kind = per_kind[per_kind["rater_weight"].notna()].copy()
    per_kind["wr"] = per_kind["rater_weight"] * per_kind["rating"]
    g = per_kind.groupby(KEY, observed=True, sort=False)
    kinds = sorted(str(k) for k in per_kind["rater_kind"].unique())
    bit = {k: 1 << i for i, k in enumerate(kinds)}
    per_kind["_bits"] = per_kind["rater_kind"].astype(str).map(bit).astype("int64")
    combined = g.agg(wr=("wr", "sum"), weight_present=("rater_weight", "sum"), _bits=("_bits", "sum")).reset_index()
    names = {m: ",".join(k for k in kinds if m & bit[k]) for m in combined["_bits"].unique()}
    combined["groups"] = combined["_bits"].map(names)
    combined["value"] = combined["wr"] / combined["weight_present"]
    combined["renormalised"] = combined["weight_present"] < 1 - 1e-9
    combined = combined[cols]
    renorm = combined.loc[combined["renormalised"], KEY]
    missing = renorm.merge(weights[["role", "rater_kind"]], on="role")
    missing = missing.merge(per_kind[KEY + ["rater_kind"]], on=KEY + ["rater_kind"], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"].drop(columns="_merge").assign(issue="missing_group")
    notes = pd.concat([missing, unweighted[KEY + ["rater_kind"]].assign(issue="unweighted_group")],
                      ignore_index=True)
    return combined.reset_index(drop=True), notes.reset_index(drop=True)


def reference_bias(ratings: pd.DataFrame, threshold: float = 0.5, min_n: int = 5) -> pd.DataFrame:
    """rater_bias as it was before the integer codes."""
    cols = ["rater", "rater_kind", "n", "mean_rating", "mean_deviation", "t", "flag"]
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
    zero_sd = agg["sd"].fillna(0) == 0
    agg["t"] = np.where(zero_sd, np.sign(agg["mean_deviation"]) * np.where(agg["mean_deviation"] == 0, 0.0, np.inf),
                        agg["t"])
    ok = (agg["n"] >= min_n) & (agg["mean_deviation"].abs() >= threshold) & (agg["t"].abs() >= 2)
    agg["flag"] = np.where(ok, np.where(agg["mean_deviation"] > 0, "lenient", "severe"), "")
    return agg[cols].sort_values(["flag", "mean_deviation"], ascending=[False, False]).reset_index(drop=True)


@pytest.fixture(scope="module")
def mid():
    eng = load_engagement(MID / "engagement.yaml")
    table = indicator_table(resolve_scheme(eng))
    return eng, table, read_actuals(MID / "actuals_2026.csv", eng, table)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for c in a.columns:  # values and order (text compared as text: a str column and an object one agree)
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if a[c].dtype.kind == "f" or b[c].dtype.kind == "f":
            np.testing.assert_array_equal(x.astype(float), y.astype(float), err_msg=c)
        else:
            assert [str(v) for v in x] == [str(v) for v in y], c


def _perturbed(rows: pd.DataFrame, is_rating: np.ndarray) -> pd.DataFrame:
    out = rows.copy()
    rng = np.random.default_rng(3)
    idx = np.flatnonzero(is_rating)
    out.loc[out.index[rng.choice(idx, 40, replace=False)], "rating"] = np.nan  # missing ratings
    out.loc[out.index[rng.choice(idx, 60, replace=False)], "rater"] = ""  # no rater name: the kind stands in
    odd = out.index[rng.choice(idx, 15, replace=False)]
    out.loc[odd, "rater_kind"] = "intern"  # a kind no role weights
    return out


@pytest.mark.parametrize("text", ["str", "object"])
def test_ratings_by_mask_and_codes_equal_the_plain_code(mid, text: str) -> None:
    eng, table, rows = mid
    rule_of = table.set_index(["role", "indicator"])["rule_type"]
    is_rating = rule_of.reindex(pd.MultiIndex.from_frame(rows[["role", "indicator"]])).to_numpy() == "rating"
    rows = _perturbed(rows, is_rating)
    if text == "object":
        rows = rows.astype({c: object for c in rows.columns if rows[c].dtype.kind not in "fb"})
    weights = rater_weights(eng)
    weights = pd.concat([weights, pd.DataFrame({"role": [weights["role"].iloc[0]], "rater_kind": ["board"],
                                                "rater_weight": [0.0]})], ignore_index=True)  # nobody rated
    ratings = rows[is_rating]
    ref_c, ref_n = reference_combine(ratings, weights)
    assert (ref_n["issue"] == "unweighted_group").any() and (ref_n["rater_kind"] == "board").any()
    for got_c, got_n in (combine_ratings(ratings, weights), combine_ratings(rows, weights, rows=is_rating)):
        _same(got_c, ref_c)
        _same(got_n, ref_n)
    ref_b = reference_bias(ratings)
    assert set(ref_b["rater"]) & {"self", "peer", "supervisor"}  # nameless ratings are the kind's
    _same(rater_bias(ratings), ref_b)
    _same(rater_bias(rows, rows=is_rating), ref_b)
    _same(rater_bias(ratings.drop(columns="rater")), reference_bias(ratings.drop(columns="rater")))


def test_empty_masks_and_frames(mid) -> None:
    eng, _, rows = mid
    none = np.zeros(len(rows), dtype=bool)
    c, n = combine_ratings(rows, rater_weights(eng), rows=none)
    assert c.empty and n.empty and rater_bias(rows, rows=none).empty
    assert rater_bias(rows.iloc[:0]).empty


def test_keep_ratings_false_changes_nothing_else(mid) -> None:
    eng, table, rows = mid
    full, lean = appraise(eng, rows, table=table), appraise(eng, rows, table=table, keep_ratings=False)
    assert len(full.ratings) > 0 and lean.ratings.empty
    for name in ("scores", "missing", "rating_notes", "bias", "periods", "annual", "totals"):
        assert getattr(full, name).equals(getattr(lean, name)), name


def test_text_columns_validated_the_same_whatever_their_dtype(tmp_path) -> None:
    eng = load_engagement(MID / "engagement.yaml")
    table = indicator_table(resolve_scheme(eng))
    raw, _ = read_table(MID / "actuals_2026.csv")
    assert len(raw) >= 512  # the per-distinct-value path
    bad = raw.copy()
    bad.loc[bad.index[[3, 700, 701]], "actual"] = ["很高", "1,44", "１２．５"]
    bad.loc[bad.index[900], "employee"] = "CC999"
    for frame in (raw, bad):
        as_object = frame.astype(object)
        try:
            expected, expected_error = validate_actuals(as_object, eng, table, file="a.csv"), None
        except InputError as exc:
            expected, expected_error = None, exc
        try:
            got, got_error = validate_actuals(frame, eng, table, file="a.csv"), None
        except InputError as exc:
            got, got_error = None, exc
        if expected_error is None:
            assert got_error is None
            _same(got, expected)
        else:
            assert got_error is not None
            assert [(f.code, f.location, f.message) for f in got_error.findings] == \
                   [(f.code, f.location, f.message) for f in expected_error.findings]
