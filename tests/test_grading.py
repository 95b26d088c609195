"""Totals, the annual score, grades by bands and by forced distribution, and the hand-worked example."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_fixtures import hand_engagement, write_hand_case

from toolkit.model.schema import Engagement
from toolkit.scoring.grading import (
    assign_grades,
    forced_counts,
    forced_distribution,
    grade_by_bands,
    period_kind,
)

SHARES = {"S": 0.10, "A": 0.20, "B": 0.50, "C": 0.15, "D": 0.05}


def test_hand_worked_example_end_to_end(tmp_path):
    """One employee, two months, scored by hand.

    Anchors: ctr T/G/X = 1.5/2.0/2.5 (linear 60/100/120), lead_cost 150/120/100 (lower is better), rating 1–5
    with the preset's target level 4 (threshold 3 → 60, 4 → 100, stretch 5 → 120), bonus 2 points per award (cap 5). Weights 50/30/20/0. Raters: supervisor .6, peer .2, self .2.

    ctr        Jan 2.25 → 100 + (2.25−2.0)/(2.5−2.0)·20 = 110      Feb 1.75 → 60 + (1.75−1.5)/(2.0−1.5)·40 = 80
    lead_cost  Jan 135  → 60 + (150−135)/(150−120)·40 = 80          Feb empty → missing (reported, not 0)
    creative   Jan: sup 4, peers 5 and 3 (mean 4), self 5 → .6·4 + .2·4 + .2·5 = 4.2 → 100 + (4.2−4)/1·20 = 104
               Feb: sup 3, self 4, no peer → re-normalised (.6·3 + .2·4)/.8 = 3.25 → 60 + (3.25−3)/1·40 = 70
    award      Jan 1 → 2 points; Feb 0 → 0
    Jan total  (50·110 + 30·80 + 20·104)/100 + 2 = 99.8 + 2 = 101.8
    Feb total  (50·80 + 20·70)/70 = 5400/70 = 77.1428571 (coverage 70 %)
    Annual     the mean of the period totals (the scheme's rule): (101.8 + 77.1428571)/2 = 89.4714286 → B
               (85 ≤ 89.47 < 100)
    Pay        each period by its own grade (medium profile): Jan A → 5000 × 1.2 = 6000, Feb C → 5000 × 0.8
               = 4000, total 10000; compa 10000/12000 = 0.833 < 0.9 → column 0, merit (annual grade)
               B = [4, 3, 1.5] → 4 % → 400
    """
    from toolkit.model.engagement import load_engagement
    from toolkit.scoring.actuals import read_actuals
    from toolkit.scoring.appraise import appraise

    eng_path, act = write_hand_case(tmp_path)
    eng = load_engagement(eng_path)
    res = appraise(eng, read_actuals(act, eng))
    s = res.scores.set_index(["indicator", "period"])["score"]
    assert s["ctr", "2026-01"] == pytest.approx(110)
    assert s["ctr", "2026-02"] == pytest.approx(80)
    assert s["lead_cost", "2026-01"] == pytest.approx(80)
    assert np.isnan(s["lead_cost", "2026-02"])
    assert s["creative_brand_fit", "2026-01"] == pytest.approx(104)
    assert s["creative_brand_fit", "2026-02"] == pytest.approx(70)
    p = res.periods.set_index("period")
    assert p.loc["2026-01", "total"] == pytest.approx(101.8)
    assert p.loc["2026-02", "total"] == pytest.approx(5400 / 70)
    assert p.loc["2026-02", "coverage"] == pytest.approx(0.7)
    assert p["grade"].tolist() == ["A", "C"]
    assert p["performance_pay"].tolist() == pytest.approx([6000, 4000])
    row = res.totals.iloc[0]
    assert row["total"] == pytest.approx((101.8 + 5400 / 70) / 2)
    assert row["grade"] == "B"
    assert row["performance_pay"] == pytest.approx(5000)  # per period, on average
    assert row["pay_periods"] == 2 and row["performance_pay_total"] == pytest.approx(10000)  # Jan + Feb only
    assert row["raise_pct"] == 4 and row["raise_cost"] == pytest.approx(400)
    assert res.missing[["indicator", "period"]].values.tolist() == [["lead_cost", "2026-02"]]
    notes = res.rating_notes
    assert notes[["period", "rater_kind", "issue"]].values.tolist() == [["2026-02", "peer", "missing_group"]]


def test_period_kind():
    s = period_kind(pd.Series(["2026-01", "2026-Q4", "2026-H2", "2026", "2026-13", "x"]))
    assert s.iloc[:4].tolist() == ["monthly", "quarterly", "half_year", "annual"]
    assert s.iloc[4:].isna().all()


def test_grade_bands_at_boundaries():
    grades = Engagement.model_fields["grades"].default_factory()
    # default bands on the 0–120 scale: S ≥ 110, A ≥ 100 (every target met), B ≥ 85, C ≥ 60 (thresholds), D
    assert grade_by_bands([120, 110, 109.999, 100, 99.99, 85, 84.99, 60, 59.99, 0, -5], grades).tolist() == [
        "S", "S", "A", "A", "B", "B", "C", "C", "D", "D", "D"]


def test_forced_counts_sum_to_n():
    n = np.arange(1, 400)
    c = forced_counts(n, list(SHARES.values()))
    assert (c.sum(axis=1) == n).all()
    assert c[99].tolist() == [10, 20, 50, 15, 5]  # n = 100


@pytest.mark.parametrize("n", [100, 1000, 5003])
def test_forced_distribution_gives_requested_shares_on_large_groups(n):
    rng = np.random.default_rng(n)
    s = rng.normal(75, 10, n)  # continuous: no ties
    g = forced_distribution(s, ["g"] * n, [f"E{i}" for i in range(n)], SHARES)
    counts = pd.Series(g).value_counts()
    expect = forced_counts([n], list(SHARES.values()))[0]
    assert [counts.get(k, 0) for k in SHARES] == expect.tolist()
    for k, share in SHARES.items():
        assert abs(counts.get(k, 0) / n - share) <= 1 / n + 1e-12
    # best scores get the best grade
    order = np.argsort(-s)
    assert g[order[0]] == "S" and g[order[-1]] == "D"


def test_forced_ties_share_the_better_grade_and_do_not_depend_on_order():
    s = np.array([90.0] * 3 + list(np.linspace(80, 50, 27)))  # 30 people, top three tied
    ids = [f"E{i:02d}" for i in range(30)]
    g = forced_distribution(s, ["g"] * 30, ids, SHARES)
    assert list(g[:3]) == ["S", "S", "S"]  # S has 3 places: all tied get S
    s2 = s.copy()
    s2[2] = s2[3] = 80.0  # tie straddling the S/A boundary at positions 3-4
    s2[3] = 90.0
    g2 = forced_distribution(s2, ["g"] * 30, ids, SHARES)
    assert set(g2[s2 == 90.0]) == {"S"}
    perm = np.random.default_rng(1).permutation(30)
    g3 = forced_distribution(s2[perm], ["g"] * 30, np.array(ids)[perm], SHARES)
    assert (g3 == g2[perm]).all()


def _large_eng(mode="forced", min_size=25) -> Engagement:
    return Engagement.model_validate({
        "client": {"name": "x", "size": "large", "marketing_headcount": 60},
        "roles": [{"id": "r", "name": "r", "role_type": "sales"}],
        "distribution": {"mode": mode, "shares": SHARES, "min_group_size": min_size},
        "employees": [{"id": f"B{i:02d}", "name": "b", "role": "r", "group": "big"} for i in range(40)]
        + [{"id": f"S{i:02d}", "name": "s", "role": "r", "group": "small"} for i in range(24)],
    })


def test_forced_only_for_groups_at_or_above_min_size():
    eng = _large_eng()
    rng = np.random.default_rng(3)
    totals = pd.DataFrame({"employee": [e.id for e in eng.employees], "total": rng.normal(75, 12, 64)})
    out = assign_grades(totals, eng).set_index("employee")
    big = out[out["group"] == "big"]
    small = out[out["group"] == "small"]
    assert set(big["grade_method"]) == {"forced"}
    assert big["grade"].value_counts().reindex(list(SHARES), fill_value=0).tolist() == [4, 8, 20, 6, 2]
    assert set(small["grade_method"]) == {"bands_small_group"}
    assert (small["grade"] == small["grade_band"]).all()
    # exactly at the minimum size the group is forced
    out25 = assign_grades(totals, _large_eng(min_size=24)).set_index("employee")
    assert set(out25.loc[out25["group"] == "small", "grade_method"]) == {"forced"}


def test_guideline_mode_grades_by_bands():
    eng = _large_eng(mode="guideline")
    totals = pd.DataFrame({"employee": [e.id for e in eng.employees], "total": np.linspace(50, 99, 64)})
    out = assign_grades(totals, eng)
    assert set(out["grade_method"]) == {"bands"} and (out["grade"] == out["grade_band"]).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=25, max_size=80))
def test_forced_grades_are_monotone_in_score(values):
    s = np.array(values, dtype=float)
    g = forced_distribution(s, ["g"] * len(s), [str(i) for i in range(len(s))], SHARES)
    rank = {k: i for i, k in enumerate(SHARES)}
    gi = np.array([rank[x] for x in g])
    order = np.argsort(-s, kind="stable")
    assert (np.diff(gi[order]) >= 0).all()  # a higher total never gets a worse grade
    for v in np.unique(s):
        assert len(set(g[s == v])) == 1  # equal totals, equal grade


def test_annual_weighted_mode(tmp_path):
    from toolkit.scoring.actuals import read_actuals
    from toolkit.scoring.appraise import appraise

    eng = hand_engagement()
    eng.roles[0].indicators[0].cycle = "quarterly"
    eng.cycles = eng.cycles.model_copy(update={"annual": "weighted",
                                               "annual_weights": {"quarterly": 0.3, "monthly": 0.7}})
    act = tmp_path / "a.csv"
    act.write_text("employee,indicator,period,actual\nE1,ctr,2026-Q1,2.5\nE1,lead_cost,2026-01,120\n"
                   "E1,industry_award,2026-01,0\n", encoding="utf-8")
    res = appraise(eng, read_actuals(act, eng))
    # quarterly sub-total: ctr 120; monthly sub-total: lead_cost 100 (creative missing) → .3·120 + .7·100 = 106
    assert res.totals["total"].iloc[0] == pytest.approx(106)


@pytest.mark.parametrize("missing", ["renormalise", "zero", "exclude_period"])
def test_matrix_fast_path_equals_frame_path(missing):
    """The dense fast path (benchmark) and the rulebook path (CLI) compute the same totals."""
    from types import SimpleNamespace as N

    from toolkit.scoring.grading import matrix_totals
    from toolkit.scoring.totals import annual_scores, period_totals_by_rule

    rng = np.random.default_rng(0)
    kinds = ["linear", "rating", "bonus", "veto"]
    weights = [60.0, 40.0, 0.0, 0.0]
    s = rng.uniform(0, 120, size=(4, 6, 3))
    s[2] = rng.integers(0, 3, size=(6, 3))
    s[3] = 0.0
    s[3, 1, 2] = 1.0  # employee 1 vetoed in period 3
    s[0, 2, :] = np.nan  # employee 2 misses indicator 0 all year
    s[1, 3, 1] = np.nan
    per, annual = matrix_totals(s, weights, kinds, missing=missing)
    i, e, m = np.meshgrid(range(4), range(6), range(3), indexing="ij")
    frame = pd.DataFrame({"employee": e.ravel(), "role": "r", "indicator": i.ravel(),
                          "period": [f"2027-{k + 1:02d}" for k in m.ravel()],
                          "score": s.ravel(), "weight": np.array(weights)[i.ravel()],
                          "weighted": np.isin(np.array(kinds)[i.ravel()], ["linear", "rating"]),
                          "rule_type": np.array(kinds)[i.ravel()]})
    rb = N(roles={"r": N(cycle="monthly")}, missing=missing, annual="mean", annual_weights={})
    wt = period_totals_by_rule(frame, rb)
    assert wt["total"].to_numpy() == pytest.approx(per.ravel(), nan_ok=True)
    at = annual_scores(frame, wt, rb, pd.DataFrame())
    assert at["total"].to_numpy() == pytest.approx(annual, nan_ok=True)
    assert annual[1] == 0 and per[1, 2] == 0 and per[1, 0] != 0