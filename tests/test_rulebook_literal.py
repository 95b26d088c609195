"""The literal-reading test: the scheme document's rule sentences, read by a naive second implementation
(``literal_rules.py``), give the engine's totals, grades and pay to 1e-9 — on both samples and on a quarterly
engagement with 360° for two roles, mixed indicator cycles, missing data, a 20/70/10 forced distribution over
grade bins and non-cash rewards (plus variants of every rule choice).
"""
from __future__ import annotations

import html
import math
import re

import numpy as np
import pytest
from conftest import MIDSIZE, SMALL
from literal_rules import naive_appraisal, stated

from toolkit.documents.content import build_document
from toolkit.documents.render_html import html_string
from toolkit.model.engagement import load_engagement
from toolkit.model.schema import Engagement
from toolkit.scoring.actuals import read_actuals
from toolkit.scoring.appraise import appraise
from toolkit.scoring.simulate import simulate_actuals, simulate_employees


def _document_text(eng: Engagement) -> str:
    """The text a reader sees in the rendered HTML scheme (tags stripped, entities decoded)."""
    page = html_string(build_document(eng, "zh", figures=False))
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def _code(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def _compare(eng: Engagement, res) -> int:
    text = _document_text(eng)
    table = res.table.set_index(["role", "indicator"])
    kinds = {k: {"weight": float(r.weight), "cycle": r.cycle,
                 "kind": "weighted" if r.weighted else ("bonus" if r.rule_type == "bonus" else
                                                        "veto" if r.rule_type == "veto" else "other")}
             for k, r in table.iterrows()}
    rows = [{"employee": r.employee, "role": r.role, "indicator": r.indicator, "period": r.period,
             "score": None if math.isnan(r.score) else float(r.score)} for r in res.scores.itertuples()]
    naive = naive_appraisal(eng, text, rows, kinds)
    tot = res.totals.set_index("employee")
    assert set(naive) == set(tot.index)
    for e, o in naive.items():
        got = tot.loc[e]
        if o["annual"] is None:
            assert np.isnan(got["total"]), e
        else:
            assert got["total"] == pytest.approx(o["annual"], abs=1e-9), e
        assert _code(got["grade"]) == o["grade"], (e, got["total"], got["grade"], o["grade"])
        pay = got["performance_pay_total"]
        if o.get("pay") is None:
            assert pay is None or np.isnan(pay), e
        else:
            assert pay == pytest.approx(o["pay"], abs=1e-6), e
    periods = res.periods.set_index(["employee", "period"])
    for e, o in naive.items():
        for lab, v in o["periods"].items():
            got = periods.loc[(e, lab)]
            assert (np.isnan(got["total"]) if v is None else got["total"] == pytest.approx(v, abs=1e-9)), (e, lab)
            assert _code(got["grade"]) == o["period_grades"][lab], (e, lab)
    return len(naive)


@pytest.mark.parametrize("path", [SMALL, MIDSIZE], ids=["small", "midsize"])
def test_samples_engine_equals_a_literal_reading_of_the_scheme(path):
    eng = load_engagement(path)
    res = appraise(eng, read_actuals(path.parent / "actuals_2026.csv", eng))
    assert _compare(eng, res) == len(eng.employees)


def quarterly_360(missing: str = "renormalise", level: str = "annual", pay: str = "none",
                  pay_grade: str = "period", scale: int = 7) -> Engagement:
    """The mid-size client run quarterly, 360° for two roles only, 20/70/10 over grade bins, non-cash rewards."""
    base = load_engagement(MIDSIZE)
    data = base.model_dump(exclude_unset=True, mode="json")
    data["client"]["marketing_headcount"] = base.client.marketing_headcount * scale
    data["cycles"] = {"default": "quarterly", "annual": "mean"}
    data["methods"] = ["kpi", "360"]
    data["raters"] = [{"kind": "supervisor", "weight": 1.0}]
    for role in data["roles"]:
        role["headcount"] = role.get("headcount", 1) * scale
        role.pop("raters", None)
        role.pop("cycle", None)
        if role["id"] in ("marketing_manager", "brand"):
            role["raters"] = [{"kind": "supervisor", "weight": 0.4}, {"kind": "peer", "weight": 0.2},
                              {"kind": "subordinate", "weight": 0.2}, {"kind": "self", "weight": 0.1},
                              {"kind": "customer", "weight": 0.1}]
        for ind in role.get("indicators", []):
            if ind["id"] == "share_of_voice":
                ind["cycle"] = "monthly"       # shorter than the role's quarter: averaged inside it
    data["distribution"] = {"mode": "forced", "shares": {"S+A": 0.2, "B": 0.7, "C+D": 0.1}, "min_group_size": 10,
                            "level": level}
    data["scoring"] = {"missing": missing}
    ru = {"non_cash": ["季度之星公开表彰", "优先参加外部培训"], "training": ["岗位技能培训"]}
    if pay != "none":
        ru |= {"bonus_coefficients": {"S": 1.5, "A": 1.2, "B": 1.0, "C": 0.8, "D": 0.5}, "pay_rule": pay,
               "pay_grade": pay_grade, "bonus_pool": 9_000_000}
    else:
        ru["pay_rule"] = "none"
    data["result_use"] = ru
    data.pop("employees", None)
    eng = Engagement.model_validate(data)
    eng.employees = simulate_employees(eng, seed=7)
    return eng


@pytest.mark.parametrize("missing,level,pay,pay_grade", [
    ("renormalise", "annual", "none", "period"),
    ("zero", "period", "coefficient", "period"),
    ("exclude_period", "annual", "pool", "annual"),
    ("renormalise", "period", "coefficient", "annual"),
])
def test_quarterly_360_engine_equals_a_literal_reading(missing, level, pay, pay_grade, tmp_path):
    eng = quarterly_360(missing, level, pay, pay_grade)
    assert len(eng.employees) >= 200
    raw = simulate_actuals(eng, year=2027, seed=3, missing_rate=0.12)
    raw.to_csv(tmp_path / "actuals.csv", index=False, encoding="utf-8-sig")
    res = appraise(eng, read_actuals(tmp_path / "actuals.csv", eng))
    assert len(res.missing) > 100                     # the run really has gaps
    assert set(res.periods["period"]) == {f"2027-Q{q}" for q in range(1, 5)}
    text = _document_text(eng)
    assert {"carry", "shorter_mean"} <= stated(text)  # the document says how other cycles enter a quarter
    n = _compare(eng, res)
    assert n >= 200
    if pay == "none":
        assert "绩效工资基数" not in text and "本办法不设绩效工资" in text
    forced = res.totals if level == "annual" else res.periods
    assert (forced["grade_method"] == "forced").any()
    assert (forced["grade"] != forced["grade_band"]).any()  # the distribution really re-grades someone


def test_the_document_names_each_roles_raters():
    eng = quarterly_360()
    text = _document_text(eng)
    assert "下级" in text and "客户" in text           # the two 360° roles' raters
    assert "市场经理" in text and "40%" in text
    assert "直接上级 100%" not in text.replace("\n", " ")  # not one rater for everyone


def test_check_json_and_the_resolved_scheme_show_every_rule(cli, tmp_path):
    import json

    from toolkit.scheme.resolve import resolve_scheme

    r = cli("check", "--json", str(MIDSIZE))
    rules = json.loads(r.stdout)["rules"]
    assert rules["missing"] == "renormalise" and rules["annual"] == "mean"
    assert rules["distribution"]["level"] == "annual" and rules["distribution"]["bins"][0]["grades"] == ["S"]
    assert rules["pay"] == {"rule": "coefficient", "grade": "period", "coefficients": rules["pay"]["coefficients"],
                            "pool": 1300000.0}
    assert rules["roles"]["marketing_manager"]["own_raters"] is True
    assert json.loads(json.dumps(resolve_scheme(load_engagement(MIDSIZE)).rules.to_dict())) == rules


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", [SMALL, MIDSIZE], ids=["small", "midsize"])
def test_no_catalogue_id_in_the_client_document(path, lang):
    from toolkit.model.catalogue import load_catalogue

    eng = load_engagement(path)
    words = set(re.findall(r"[A-Za-z0-9_]+", build_document(eng, lang, figures=False).all_text()))
    ids = {i for i in load_catalogue() if "_" in i} | {r.id for r in eng.roles if "_" in r.id}
    assert words & ids == set()


def test_the_dictionary_shows_behaviour_levels_not_a_0_to_100_promise():
    eng = load_engagement(MIDSIZE)
    text = build_document(eng, "zh", figures=False).all_text()
    assert "换算为 0–100 分" not in text and "÷ 目标值 100%" not in text
    rated = [i for rs in resolve_scheme_roles(eng) for i in rs.indicators if i.rule.type == "rating"]
    assert rated and all(lv.anchor_zh in text for i in rated for lv in (i.indicator.scale or []))


def resolve_scheme_roles(eng):
    from toolkit.scheme.resolve import resolve_scheme

    return resolve_scheme(eng).roles


@pytest.mark.parametrize("missing", ["zero", "exclude_period", "renormalise"])
def test_per_event_indicators_engine_equals_a_literal_reading(missing, tmp_path):
    """按项目: events in two quarters only, one of them on record without a result. A period without an event
    does not have the indicator due (not 0, not a missing value that drops the period); an event on record
    without a result is missing data — as the scoring chapter says."""
    import pandas as pd

    eng = load_engagement(SMALL)
    eng = eng.model_copy(update={"scoring": eng.scoring.model_copy(update={"missing": missing})})
    events = {ri.id for r in eng.roles for ri in r.indicators if ri.cycle == "per_event"}
    assert events
    raw = pd.read_csv(SMALL.parent / "actuals_2026.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    is_event = raw["indicator"].isin(events)
    raw = raw[~is_event | raw["period"].isin(["2026-Q1", "2026-Q3"])].copy()
    gap = raw.index[raw["indicator"].isin(events) & (raw["period"] == "2026-Q3")][0]
    raw.loc[gap, "actual"] = ""                                  # an event on record without its result
    raw.to_csv(tmp_path / "actuals.csv", index=False, encoding="utf-8-sig")
    res = appraise(eng, read_actuals(tmp_path / "actuals.csv", eng))
    text = _document_text(eng)
    assert {"events", "events.missing"} <= stated(text)
    assert _compare(eng, res) == len(eng.employees)
    # May has no event: the planners' total is the other indicators' alone, scored under every policy
    planners = {e.id for e in eng.employees if e.role == "event_planning"}
    may = res.periods[res.periods["employee"].isin(planners) & (res.periods["period"] == "2026-05")]
    assert len(may) == len(planners) and may["total"].notna().all()
    assert (may["n_due"] == 2).all()
    # the event without a result is missing data in each month its quarter covers
    who = raw.loc[gap, "employee"]
    q3 = res.periods[(res.periods["employee"] == who) & res.periods["period"].isin(["2026-07", "2026-08", "2026-09"])]
    if missing == "exclude_period":
        assert q3["total"].isna().all()
    else:
        assert (q3["n_scored"] < q3["n_due"]).all()
