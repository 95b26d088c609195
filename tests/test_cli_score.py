"""`appraisal score` as a user runs it: outputs written, summary printed, bad input → exit 2 without traceback."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import MIDSIZE, SMALL
from openpyxl import load_workbook
from scoring_fixtures import write_hand_case


def test_score_hand_case_writes_csv_and_xlsx(cli, tmp_path):
    eng, act = write_hand_case(tmp_path)
    out = tmp_path / "out"
    r = cli("score", str(eng), str(act), "--out", str(out))
    # grade B → 4 % raise against a 4 % merit budget: within budget (exit 0)
    assert r.returncode == 0, r.stderr
    assert "手算公司" in r.stdout and "B 1" in r.stdout and "缺失实际值 1 项" in r.stdout
    assert "超出预算" not in r.stdout and "Traceback" not in r.stderr
    assert "范围：1 名员工，期间 2026-01…2026-02（绩效工资按 2 个计薪期计算）" in r.stdout
    totals = pd.read_csv(out / "totals.csv", encoding="utf-8-sig")
    # annual = mean of the period totals (101.8, 77.142857), as the scheme document states
    assert totals.loc[0, "total"] == pytest.approx(89.4714, abs=1e-4) and totals.loc[0, "grade"] == "B"
    wb = load_workbook(out / "scores.xlsx", read_only=True)
    assert "年度总分与等级" in wb.sheetnames and "缺失数据" in wb.sheetnames
    missing = pd.read_csv(out / "missing.csv", encoding="utf-8-sig")
    assert missing[["indicator", "period"]].values.tolist() == [["lead_cost", "2026-02"]]
    assert not list(out.glob(".*.part"))  # atomic writes leave no temporaries


def test_score_json_and_english(cli, tmp_path):
    eng, act = write_hand_case(tmp_path)
    r = cli("--lang", "en", "score", str(eng), str(act), "--out", str(tmp_path / "o"), "--json")
    assert r.returncode == 0, r.stderr  # merit 4 % = budget 4 %
    data = json.loads(r.stdout)
    assert data["grades"]["B"] == 1 and data["missing"] == 1
    assert data["budget"]["merit_pct"] == pytest.approx(4.0) and data["budget"]["merit_ok"] is True
    assert data["exit_code"] == 0 and data["periods"] == ["2026-01", "2026-02"]


@pytest.mark.parametrize("body, where", [
    ("employee,indicator,period,actual\nE1,ctr,2026-01,abc\n", "actuals.csv: row 2, column actual"),
    ("employee,indicator,period,actual\nE1,ctr,2026-01,1\nE1,ctr,2026-01,1\n", "actuals.csv: row 3, column employee"),
    ("employee,period,actual\nE1,2026-01,1\n", "actuals.csv: row 1, column indicator"),
    ("employee,indicator,period,actual\nE1,ctr,2026-01,1\nE1,creative_brand_fit,2026-01,4\n",
     "actuals.csv: row 1, column rating"),
    ("employee,indicator,period,rating\nE1,ctr,2026-01,\nE1,creative_brand_fit,2026-01,4\n",
     "actuals.csv: row 1, column actual"),
    ("employee,indicator,period,actual,rating\n", "actuals.csv: row 2"),
    ("employee,indicator,period,actual,rating\nE1,lead_cost,2026-01,-3,\n", "actuals.csv: row 2, column actual"),
])
def test_bad_actuals_exit_2_with_location(cli, tmp_path, body, where):
    eng, act = write_hand_case(tmp_path)
    act.write_text(body, encoding="utf-8")
    before = act.read_bytes()
    r = cli("score", str(eng), str(act), "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert where in r.stderr and "Traceback" not in r.stderr
    assert act.read_bytes() == before
    assert not (tmp_path / "o" / "totals.csv").exists()


@pytest.mark.parametrize("engagement", [SMALL, MIDSIZE])
def test_score_sample_data(cli, tmp_path, engagement):
    act = engagement.parent / "actuals_2026.csv"
    if not engagement.exists() or not act.exists():
        pytest.skip("sample not generated yet")
    r = cli("score", str(engagement), str(act), "--out", str(tmp_path), "--json")
    assert r.returncode == 0, r.stderr  # the samples fit their budgets
    data = json.loads(r.stdout)
    totals = pd.read_csv(tmp_path / "totals.csv", encoding="utf-8-sig")
    assert data["employees"] == len(totals) > 0 and data["budget"]["ok"] and data["exit_code"] == 0
    assert totals["grade"].notna().all()
    assert sum(data["grades"].values()) == len(totals)


@pytest.mark.parametrize("engagement", [SMALL, MIDSIZE])
def test_committed_sample_actuals_are_current(engagement):
    """The committed actuals_2026.csv is exactly what the seeded generator makes from today's engagement."""
    from toolkit.model.engagement import load_engagement
    from toolkit.scoring.simulate import simulate_actuals

    act = engagement.parent / "actuals_2026.csv"
    if not engagement.exists() or not act.exists():
        pytest.skip("sample not generated yet")
    fresh = simulate_actuals(load_engagement(engagement), year=2026, seed=2026)
    committed = pd.read_csv(act, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert committed.equals(fresh.astype(str)), (
        f"{act} is stale: run `python -c \"from toolkit.scoring.simulate import write_sample_actuals; "
        f"write_sample_actuals('{engagement.parent}')\"`")


def test_sample_bonus_pool_overrun_is_a_warning_exit_1(cli, tmp_path):
    """The mid-size sample with a pool below its pay (1,000,000 < 1,098,000): summary printed, outputs written,
    exit 1."""
    text = MIDSIZE.read_text(encoding="utf-8")
    assert "bonus_pool: 1300000" in text
    eng = tmp_path / "engagement.yaml"
    eng.write_text(text.replace("bonus_pool: 1300000", "bonus_pool: 1000000"), encoding="utf-8")
    r = cli("score", str(eng), str(MIDSIZE.parent / "actuals_2026.csv"), "--out", str(tmp_path / "o"))
    assert r.returncode == 1, r.stderr
    assert "奖金池 1,000,000 超出预算" in r.stdout and "超出预算" in r.stderr
    assert (tmp_path / "o" / "totals.csv").exists()


def test_written_numbers_rounded_and_pay_by_grade_in_grade_order(cli, tmp_path):
    r = cli("score", str(MIDSIZE), str(MIDSIZE.parent / "actuals_2026.csv"), "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    import re

    for csv in tmp_path.glob("*.csv"):
        text = csv.read_text(encoding="utf-8-sig")
        assert not re.search(r"\d\.\d{5,}", text), csv.name  # no 75.91000000000001
    by_grade = pd.read_csv(tmp_path / "pay_by_grade.csv", encoding="utf-8-sig")
    assert by_grade["grade"].tolist() == ["S", "A", "B", "C", "D"]
    money = pd.read_csv(tmp_path / "totals.csv", encoding="utf-8-sig")["raise_cost"].dropna()
    assert (money.round(2) == money).all()


def test_one_filled_monthly_form_scores_that_employee_and_month_only(cli, tmp_path):
    """A partial input: no one else listed as missing, pay for one month (not × 12)."""
    rows = pd.read_csv(MIDSIZE.parent / "actuals_2026.csv", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")
    first = rows["employee"].iloc[0]
    one = rows[(rows["employee"] == first) & (rows["period"] == "2026-01")]
    act = tmp_path / "one.csv"
    one.to_csv(act, index=False)
    r = cli("score", str(MIDSIZE), str(act), "--out", str(tmp_path / "o"), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["employees"] == 1 and data["periods"] == ["2026-01", "2026-01"] and data["pay_periods"] == 1
    assert data["not_in_input"] == 34
    missing = pd.read_csv(tmp_path / "o" / "missing.csv", encoding="utf-8-sig")
    assert set(missing["employee"]) <= {first} and set(missing["period"]) <= {"2026-01"}
    totals = pd.read_csv(tmp_path / "o" / "totals.csv", encoding="utf-8-sig")
    assert totals["performance_pay_total"].tolist() == totals["performance_pay"].tolist()
    r2 = cli("score", str(MIDSIZE), str(act), "--out", str(tmp_path / "o2"))
    assert "范围：1 名员工，期间 2026-01…2026-01" in r2.stdout and "另有 34 名员工不在本文件中" in r2.stdout
