"""按项目 (per_event) has one meaning, toolkit.scheme.rulebook.EVENT_CYCLE: the engine, the pay count and the
generator read it from there (the scheme's sentence is tested in test_rulebook_literal.py)."""
from __future__ import annotations

from types import SimpleNamespace as N

import pytest

from toolkit.model.schema import Engagement
from toolkit.scheme.resolve import resolve_scheme
from toolkit.scheme.rulebook import EVENT_CYCLE, appraisal_cycle, rulebook
from toolkit.scoring.actuals import validate_actuals
from toolkit.scoring.appraise import appraise
from toolkit.scoring.pay import cycles_per_year, pay_periods
from toolkit.scoring.rules import indicator_table
from toolkit.scoring.simulate import EVENT_REPORTED_FOR, cycle_periods, simulate_actuals, simulate_employees


def _per_event_scheme() -> Engagement:
    eng = Engagement.model_validate({
        "client": {"name": "甲", "size": "small", "marketing_headcount": 4},
        "cycles": {"default": "per_event"},
        "result_use": {"bonus_coefficients": {"S": 1.3, "A": 1.15, "B": 1.0, "C": 0.8, "D": 0.5}},
        "roles": [{"id": "ev", "name": "活动策划专员", "role_type": "planning", "headcount": 4, "indicators": [
            {"id": "event_leads", "weight": 60, "threshold": 300, "target": 400, "stretch": 520},
            {"id": "execution_smoothness", "weight": 40, "target": 4, "cycle": "monthly"}]}]})
    eng.employees = simulate_employees(eng, seed=5)
    return eng


def test_per_event_as_a_cycle_is_by_month_everywhere():
    assert appraisal_cycle(EVENT_CYCLE) == "monthly"
    assert cycles_per_year(N(cycles=N(default=EVENT_CYCLE))) == cycles_per_year(N(cycles=N(default="monthly"))) == 12
    eng = N(cycles=N(default=EVENT_CYCLE))
    assert pay_periods(eng, ["2027-Q1"]) == 3.0 and pay_periods(eng) == 12.0
    assert rulebook(_per_event_scheme()).role("ev").cycle == "monthly"


def test_a_per_event_scheme_is_appraised_and_paid_for_the_same_periods():
    eng = _per_event_scheme()
    table = indicator_table(resolve_scheme(eng))
    assert dict(zip(table["indicator"], table["cycle"]))["event_leads"] == EVENT_CYCLE
    raw = simulate_actuals(eng, year=2027, seed=5, missing_rate=0)
    raw["_where"] = [f"row {i + 2}" for i in range(len(raw))]
    res = appraise(eng, validate_actuals(raw, eng, table), table=table)
    assert sorted(set(res.periods["period"])) == [f"2027-{m:02d}" for m in range(1, 13)]
    assert res.budget.periods_per_year == 12 and res.budget.pay_periods == 12
    paid = res.periods.groupby("employee")["performance_pay"].sum()
    for row in res.totals.itertuples():
        assert row.pay_periods == row.n_periods_scored == 12
        assert row.performance_pay_total == pytest.approx(paid[row.employee])


def test_the_generator_reports_events_as_the_rule_counts_them():
    assert cycle_periods(EVENT_CYCLE, 2027) == cycle_periods(EVENT_REPORTED_FOR, 2027)
    eng = _per_event_scheme()
    table = indicator_table(resolve_scheme(eng))
    raw = simulate_actuals(eng, year=2027, seed=5, missing_rate=0)
    events = raw[raw["indicator"] == "event_leads"]
    assert set(events["period"]) == set(cycle_periods(EVENT_REPORTED_FOR, 2027))
    raw["_where"] = [f"row {i + 2}" for i in range(len(raw))]
    res = appraise(eng, validate_actuals(raw, eng, table), table=table)
    # a result reported for a quarter counts in each month of it: the event indicator is due every month
    assert (res.periods["n_due"] == 2).all() and (res.periods["n_scored"] == 2).all()
    # months without an event on record: not due (and not missing) — drop the second quarter's events
    q2 = raw[~((raw["indicator"] == "event_leads") & (raw["period"] == "2027-Q2"))]
    res2 = appraise(eng, validate_actuals(q2, eng, table), table=table)
    spring = res2.periods[res2.periods["period"].isin(["2027-04", "2027-05", "2027-06"])]
    assert (spring["n_due"] == 1).all() and spring["total"].notna().all()
    assert len(res2.missing) == 0
