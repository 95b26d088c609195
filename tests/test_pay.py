"""Result use: coefficients, performance pay, merit matrix by compa-ratio, budget check."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scoring_fixtures import hand_engagement

from toolkit.scoring.pay import budget_check, compa_column, pay_table


def _eng(pool=None, budget=None):
    eng = hand_engagement()
    eng.employees = [e.model_copy(update={"id": f"E{i}", "base_pay": 1000.0 * (i + 1), "salary": 10000.0,
                                          "salary_midpoint": mid})
                     for i, (e, mid) in enumerate(zip([eng.employees[0]] * 4, [12000.0, 10000.0, 9000.0, 8000.0]))]
    eng.result_use = eng.result_use.model_copy(update={
        "bonus_coefficients": {"S": 1.5, "A": 1.2, "B": 1.0, "C": 0.8, "D": 0.0},
        "merit_matrix": {"S": [8, 6, 4], "A": [6, 4, 3], "B": [4, 3, 1.5], "C": [1, 0, 0], "D": [0, 0, 0]},
        "compa_bands": [0.9, 1.1], "bonus_pool": pool, "merit_budget_pct": budget})
    return eng


def test_compa_columns_at_cut_points():
    assert compa_column([0.8999, 0.9, 1.0999, 1.1, 1.5], [0.9, 1.1]).tolist() == [0, 1, 1, 2, 2]


def test_pay_table_coefficients_and_merit():
    eng = _eng()
    graded = pd.DataFrame({"employee": ["E0", "E1", "E2", "E3"], "grade": ["S", "A", "B", "D"]})
    p = pay_table(graded, eng).set_index("employee")
    # compa: 10000/12000 = .833 → col 0; 1.0 → col 1; 1.111 → col 2; 1.25 → col 2
    assert p["compa_column"].tolist() == [0, 1, 2, 2]
    assert p["performance_pay"].tolist() == [1500.0, 2400.0, 3000.0, 0.0]
    assert p["raise_pct"].tolist() == [8.0, 4.0, 1.5, 0.0]
    assert p["raise_cost"].tolist() == [800.0, 400.0, 150.0, 0.0]


def test_budget_check_within_and_over():
    graded = pd.DataFrame({"employee": ["E0", "E1", "E2", "E3"], "grade": ["S", "A", "B", "D"]})
    ok = budget_check(pay_table(graded, _eng(pool=6900 * 12, budget=3.375)), _eng(pool=6900 * 12, budget=3.375))
    assert ok.bonus_total == 6900 * 12  # monthly base × 12 and ok.bonus_ok is True
    assert ok.merit_pct == pytest.approx(1350 / 40000 * 100)  # exactly at the budget: within
    assert ok.merit_ok is True and ok.ok
    over = budget_check(pay_table(graded, _eng(pool=6900 * 12 - 1, budget=3.0)), _eng(pool=6900 * 12 - 1, budget=3.0))
    assert over.bonus_ok is False and over.merit_ok is False and not over.ok
    assert over.by_grade.set_index("grade").loc["S", "performance_pay"] == 1500


def test_unknown_grade_or_missing_salary_is_nan_not_guessed():
    eng = _eng()
    eng.employees[1] = eng.employees[1].model_copy(update={"salary": None})
    graded = pd.DataFrame({"employee": ["E0", "E1"], "grade": ["Z", "A"]})
    p = pay_table(graded, eng).set_index("employee")
    assert np.isnan(p.loc["E0", "coefficient"]) and np.isnan(p.loc["E1", "raise_cost"])
    b = budget_check(p.reset_index(), eng)
    assert b.salary_total == 0 and np.isnan(b.merit_pct) and b.merit_ok is None


def test_pay_over_the_covered_periods_only():
    """One filled monthly form pays one month (not × 12) and is checked against 1/12 of the yearly pool."""
    graded = pd.DataFrame({"employee": ["E0", "E1", "E2", "E3"], "grade": ["S", "A", "B", "D"]})
    eng = _eng(pool=6900 * 12)
    one = pay_table(graded, eng, periods=["2026-01"])
    assert one["pay_periods"].tolist() == [1.0] * 4
    b = budget_check(one, eng)
    assert b.bonus_total == 6900 and b.bonus_pool_covered == pytest.approx(6900) and b.bonus_ok is True
    half = budget_check(pay_table(graded, eng, periods=["2026-Q1", "2026-04", "2026-05", "2026-06"]), eng)
    assert half.bonus_total == 6900 * 6 and half.pay_periods == 6
    tight = _eng(pool=6900 * 12 - 12)  # one month of this pool is 6899: one month of pay is over
    assert budget_check(pay_table(graded, tight, periods=["2026-03"]), tight).bonus_ok is False


def test_pay_by_grade_in_the_engagement_grade_order():
    graded = pd.DataFrame({"employee": ["E0", "E1", "E2", "E3"], "grade": ["C", "A", "S", "B"]})
    b = budget_check(pay_table(graded, _eng()), _eng())
    assert b.by_grade["grade"].tolist() == ["S", "A", "B", "C"]
