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
    assert r.returncode == 0, r.stderr
    assert "手算公司" in r.stdout and "A 1" in r.stdout and "缺失实际值 1 项" in r.stdout
    totals = pd.read_csv(out / "totals.csv", encoding="utf-8-sig")
    assert totals.loc[0, "total"] == pytest.approx(86.125) and totals.loc[0, "grade"] == "A"
    wb = load_workbook(out / "scores.xlsx", read_only=True)
    assert "年度总分与等级" in wb.sheetnames and "缺失数据" in wb.sheetnames
    missing = pd.read_csv(out / "missing.csv", encoding="utf-8-sig")
    assert missing[["indicator", "period"]].values.tolist() == [["lead_cost", "2026-02"]]
    assert not list(out.glob(".*.part"))  # atomic writes leave no temporaries


def test_score_json_and_english(cli, tmp_path):
    eng, act = write_hand_case(tmp_path)
    r = cli("--lang", "en", "score", str(eng), str(act), "--out", str(tmp_path / "o"), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["grades"]["A"] == 1 and data["missing"] == 1
    assert data["budget"]["merit_pct"] == pytest.approx(6.0)


@pytest.mark.parametrize("body, where", [
    ("employee,indicator,period,actual\nE1,ctr,2026-01,abc\n", "actuals.csv: row 2, column actual"),
    ("employee,indicator,period,actual\nE1,ctr,2026-01,1\nE1,ctr,2026-01,1\n", "actuals.csv: row 3, column employee"),
    ("employee,period,actual\nE1,2026-01,1\n", "actuals.csv: row 1"),
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
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    totals = pd.read_csv(tmp_path / "totals.csv", encoding="utf-8-sig")
    assert data["employees"] == len(totals) > 0
    assert totals["grade"].notna().all()
    assert sum(data["grades"].values()) == len(totals)


@pytest.mark.parametrize("engagement", [SMALL, MIDSIZE])
def test_committed_sample_actuals_are_current(engagement):
    """The committed actuals_2026.csv is exactly what the seeded generator makes from today's engagement."""
    from toolkit.engagement import load_engagement
    from toolkit.simulate import simulate_actuals

    act = engagement.parent / "actuals_2026.csv"
    if not engagement.exists() or not act.exists():
        pytest.skip("sample not generated yet")
    fresh = simulate_actuals(load_engagement(engagement), year=2026, seed=2026)
    committed = pd.read_csv(act, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert committed.equals(fresh.astype(str)), (
        f"{act} is stale: run `python -c \"from toolkit.simulate import write_sample_actuals; "
        f"write_sample_actuals('{engagement.parent}')\"`")
