"""Calibration review on simulated data: the planted lenient rater, redundant pair and flat indicator are found."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scoring_fixtures import hand_engagement

from toolkit.model.schema import Engagement
from toolkit.scoring import calibration as cal
from toolkit.scoring.appraise import appraise
from toolkit.scoring.raters import combine_ratings, rater_bias
from toolkit.scoring.simulate import simulate_actuals, simulate_employees


def _engagement(headcount: int = 30) -> Engagement:
    eng = Engagement.model_validate({
        "client": {"name": "模拟公司", "size": "medium", "marketing_headcount": headcount},
        "roles": [{"id": "ad_placement", "name": "广告投放", "preset": "ad_placement", "role_type": "sales",
                   "headcount": headcount,
                   "indicators": [{"id": i, "weight": w} for i, w in [
                       ("ctr", 20), ("cvr", 20), ("roas", 20), ("budget_execution_rate", 10),
                       ("creative_brand_fit", 20), ("competitor_insight", 10)]]}],
        "distribution": {"mode": "guideline", "shares": {"S": .1, "A": .2, "B": .5, "C": .15, "D": .05}},
    })
    eng.employees = simulate_employees(eng, seed=5)
    return eng


@pytest.fixture(scope="module")
def run():
    from toolkit.scheme.resolve import resolve_scheme
    from toolkit.scoring.actuals import validate_actuals
    from toolkit.scoring.rules import indicator_table

    eng = _engagement()
    raw = simulate_actuals(eng, seed=11)
    raw["_where"] = [f"row {i + 2}" for i in range(len(raw))]
    table = indicator_table(resolve_scheme(eng))
    rows = validate_actuals(raw, eng, table)
    return eng, rows, table, appraise(eng, rows, table=table)


def test_simulation_is_seeded():
    eng = _engagement(5)
    a, b = simulate_actuals(eng, seed=3), simulate_actuals(eng, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(simulate_actuals(eng, seed=4))
    assert (a["actual"] == "").sum() + (a["rating"] == "").sum() > len(a)  # every row has one of them empty


def test_lenient_rater_flagged(run):
    _eng, _rows, _table, res = run
    flagged = res.bias[res.bias["flag"] == "lenient"]
    assert "P-LENIENT" in set(flagged["rater"])
    assert not (res.bias.query("rater_kind == 'supervisor'")["flag"] == "lenient").any()
    peers = cal.rating_distribution_by_rater(res.ratings).query("rater_kind == 'peer'").set_index("rater")
    assert peers["mean"].idxmax() == "P-LENIENT"


def test_rater_bias_on_constructed_ratings():
    rows = []
    for e in range(10):
        for k, (kind, rater, r) in enumerate([("supervisor", "S", 3), ("peer", "P1", 3), ("peer", "P2", 4)]):
            rows.append({"employee": f"E{e}", "role": "r", "indicator": "x", "period": "2026-01",
                         "rater_kind": kind, "rater": rater, "rating": float(r + (e % 2) * (k == 0))})
    b = rater_bias(pd.DataFrame(rows), threshold=0.5, min_n=5).set_index("rater")
    assert b.loc["P2", "flag"] == "lenient" and b.loc["P2", "mean_deviation"] > 0.5
    assert b.loc["P1", "flag"] in ("", "severe")


def test_combine_ratings_weights_and_ignored_kind():
    w = pd.DataFrame({"role": ["r", "r"], "rater_kind": ["supervisor", "self"], "rater_weight": [0.8, 0.2]})
    r = pd.DataFrame({"employee": ["e"] * 3, "role": ["r"] * 3, "indicator": ["x"] * 3, "period": ["p"] * 3,
                      "rater_kind": ["supervisor", "self", "customer"], "rating": [3.0, 5.0, 1.0]})
    c, notes = combine_ratings(r, w)
    assert c["value"].iloc[0] == pytest.approx(0.8 * 3 + 0.2 * 5)
    assert not c["renormalised"].iloc[0]
    assert notes[["rater_kind", "issue"]].values.tolist() == [["customer", "unweighted_group"]]


def test_redundant_pair_found(run):
    _eng, _rows, _table, res = run
    pairs = cal.redundant_pairs(res.annual, threshold=0.8)
    top = pairs.iloc[0]
    assert {top["a"], top["b"]} == {"ctr", "cvr"}  # the planted twin pair
    assert top["redundant"] and pairs["redundant"].sum() >= 1
    corr = cal.correlations(res.annual, "ad_placement")
    assert np.allclose(np.diag(corr), 1)


def test_discrimination_flags(run):
    _eng, _rows, table, res = run
    d = cal.discrimination(res.annual, table).set_index("indicator")
    assert (d["share_at_cap"].between(0, 1)).all()
    # budget execution scattered inside its ±5 % band: nearly everyone at full marks
    assert d.loc["budget_execution_rate", "flag"] in ("at_cap", "no_spread")
    assert d.loc["ctr", "flag"] == "" and d.loc["ctr", "std"] > 5


def test_discrimination_constructed():
    table = pd.DataFrame({"role": ["r", "r"], "indicator": ["a", "b"], "lo": [0.0, 0.0], "hi": [120.0, 120.0]})
    annual = pd.DataFrame({"employee": list("pqrs") * 2, "role": "r", "indicator": ["a"] * 4 + ["b"] * 4,
                           "rule_type": "linear", "score": [120, 120, 120, 80, 50, 70, 90, 110]})
    d = cal.discrimination(annual, table).set_index("indicator")
    assert d.loc["a", "share_at_cap"] == 0.75 and d.loc["a", "flag"] == "at_cap"
    assert d.loc["b", "flag"] == "" and d.loc["b", "std"] == pytest.approx(np.std([50, 70, 90, 110], ddof=1))


def test_grade_distribution_against_target(run):
    eng, _rows, _table, res = run
    g = cal.grade_distribution(res.totals, eng)
    assert g["grade"].tolist() == ["S", "A", "B", "C", "D"]
    assert g["count"].sum() == len(res.totals) and g["share"].sum() == pytest.approx(1)
    assert g["diff"].tolist() == pytest.approx((g["share"] - g["target_share"]).tolist())
    by_role = cal.grade_distribution(res.totals, eng, by="role")
    assert by_role.groupby("role")["share"].sum().tolist() == pytest.approx([1.0])


def test_what_if_weights_changes_totals_as_computed(run):
    eng, rows, table, res = run
    tb = table.copy()
    tb.loc[tb["indicator"] == "ctr", "weight"] = 40.0
    tb.loc[tb["indicator"] == "cvr", "weight"] = 0.0
    cmp = cal.what_if(eng, rows, table, tb)
    # recompute B's totals by hand from A's indicator scores: each month's weighted mean over the indicators
    # scored that month (weights B), then the mean of the months (the scheme's rules; all indicators monthly)
    assert set(table["cycle"]) == {"monthly"}
    a = res.scores.merge(tb[["indicator", "weight"]], on="indicator", suffixes=("", "_b"))
    a = a[a["score"].notna() & (a["weight_b"] > 0) & a["weighted"]]
    a = a.assign(ws=a["score"] * a["weight_b"])
    month = a.groupby(["employee", "period"])["ws"].sum() / a.groupby(["employee", "period"])["weight_b"].sum()
    manual = month.groupby(level="employee").mean()
    got = cmp.set_index("employee")["total_B"]
    assert got.loc[manual.index].to_numpy() == pytest.approx(manual.to_numpy())
    assert cmp["total_A"].to_numpy() == pytest.approx(res.totals.set_index("employee").loc[cmp["employee"],
                                                                                            "total"].to_numpy())


def test_what_if_rules(run):
    from toolkit.model.indicators import RatioRule

    eng, rows, table, _res = run
    tb = table.copy()
    tb["rule"] = [RatioRule(cap=120) if r.rule_type == "linear" else r.rule for r in tb.itertuples()]
    tb["rule_type"] = [r.type for r in tb["rule"]]
    cmp = cal.what_if(eng, rows, table, tb, labels=("linear", "ratio"))
    assert {"total_linear", "total_ratio", "grade_changed"} <= set(cmp.columns)
    assert cmp["delta"].abs().max() > 0.1


def test_pay_cost_by_grade_adds_up(run):
    eng, _rows, _table, res = run
    cost = cal.pay_cost_by_grade(res.totals, eng)
    assert cost["n"].sum() == len(res.totals)
    assert cost["performance_pay_total"].sum() == pytest.approx(res.budget.bonus_total)
    assert cost["pay_share"].sum() == pytest.approx(1)


def test_score_distribution_by_role(run):
    _eng, _rows, _table, res = run
    d = cal.score_distribution_by_role(res.totals).set_index("role")
    assert d.loc["ad_placement", "count"] == 30
    assert d.loc["ad_placement", "p10"] <= d.loc["ad_placement", "median"] <= d.loc["ad_placement", "p90"]


def test_plots_have_chinese_labels_and_no_missing_glyphs(run, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from toolkit.documents import plots_scores as ps

    eng, _rows, table, res = run
    figs = [ps.plot_score_by_role(res.totals), ps.plot_rating_by_rater(res.ratings),
            ps.plot_grades_vs_target(cal.grade_distribution(res.totals, eng)),
            ps.plot_correlation(cal.correlations(res.annual)), ps.plot_discrimination(
                cal.discrimination(res.annual, table)), ps.plot_pay_by_grade(cal.pay_cost_by_grade(res.totals, eng))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would fail here
        for i, f in enumerate(figs):
            f.savefig(tmp_path / f"f{i}.png")
    assert figs[0].axes[0].get_title() == "各岗位总分分布"
    assert figs[2].axes[0].get_xlabel() == "等级"
    assert (tmp_path / "f0.png").stat().st_size > 5000
    plt.close("all")


def test_hand_engagement_scheme_table():
    from toolkit.scheme.resolve import resolve_scheme
    from toolkit.scoring.rules import indicator_table

    t = indicator_table(resolve_scheme(hand_engagement())).set_index("indicator")
    assert t.loc["industry_award", "weighted"] == False
    assert t.loc["ctr", "hi"] == 120 and t.loc["creative_brand_fit", "lo"] == 0
