"""Reading ACTUALS: the long layout (CSV/XLSX), filled KPI forms, and every kind of bad input located."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from scoring_fixtures import HAND_ACTUALS, hand_engagement

from toolkit.model.errors import InputError
from toolkit.scoring.actuals import read_actuals


@pytest.fixture
def eng():
    return hand_engagement()


def _write(tmp_path, text, name="actuals.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _error(tmp_path, eng, text):
    p = _write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        read_actuals(p, eng)
    return exc.value


def test_reads_long_csv_and_keeps_missing_as_nan(tmp_path, eng):
    p = _write(tmp_path, HAND_ACTUALS)
    before = hashlib.sha256(p.read_bytes()).hexdigest()
    rows = read_actuals(p, eng)
    assert len(rows) == 12
    assert rows["role"].eq("ad_placement").all()  # taken from the employee
    lc = rows[(rows.indicator == "lead_cost") & (rows.period == "2026-02")]
    assert np.isnan(lc["actual"].iloc[0])
    assert rows.loc[rows.indicator == "creative_brand_fit", "rating"].notna().all()
    assert hashlib.sha256(p.read_bytes()).hexdigest() == before  # input untouched


def test_chinese_headers_and_bom_accepted(tmp_path, eng):
    p = tmp_path / "zh.csv"
    p.write_text("\ufeff员工编号,指标,期间,实际值\nE1,ctr,2026-01,\"2.5\"\n", encoding="utf-8")
    assert read_actuals(p, eng)["actual"].tolist() == [2.5]


@pytest.mark.parametrize("text, row, column, words", [
    ("employee,indicator,period,actual\nE1,ctr,2026-01,1\nE9,ctr,2026-01,1\n", 3, "employee", "E9"),
    ("employee,role,indicator,period,actual\nE1,brand,ctr,2026-01,1\n", 2, "role", "brand"),
    ("employee,indicator,period,actual\nE1,nps,2026-01,1\n", 2, "indicator", "nps"),
    ("employee,indicator,period,actual\nE1,ctr,2026-01,abc\n", 2, "actual", "abc"),
    ("employee,indicator,period,actual,rating\nE1,creative_brand_fit,2026-01,,6\n", 2, "rating", "6"),
    ("employee,indicator,period,actual,rating\nE1,creative_brand_fit,2026-01,,2.5\n", 2, "rating", "2.5"),
    ("employee,indicator,period,actual,rating\nE1,creative_brand_fit,2026-01,0,\n", 2, "actual", "0"),
    ("employee,indicator,period,actual\nE1,ctr,2026-01,1\nE1,ctr,2026-01,2\n", 3, "employee", "row 2"),
    ("employee,indicator,period,actual\nE1,ctr,2026/01,1\n", 2, "period", "2026/01"),
    ("employee,indicator,period,actual,rater_kind\nE1,ctr,2026-01,1,boss\n", 2, "rater_kind", "boss"),
])
def test_bad_rows_name_file_row_and_column(tmp_path, eng, text, row, column, words):
    err = _error(tmp_path, eng, text)
    locs = [f.location for f in err.findings]
    assert f"actuals.csv: row {row}, column {column}" in locs, locs
    assert any(words in f.message for f in err.findings), [f.message for f in err.findings]


def test_missing_required_column(tmp_path, eng):
    err = _error(tmp_path, eng, "employee,period,actual\nE1,2026-01,1\n")
    assert "indicator" in err.message and err.location == "actuals.csv: row 1, column indicator"


@pytest.mark.parametrize("drop", ["actual", "rating"])
def test_value_column_needed_by_the_rows_is_required(tmp_path, eng, drop):
    """Dropping `actual` (measured rows) or `rating` (rated rows) is an error, not a file of missing values."""
    df = pd.read_csv(pd.io.common.StringIO(HAND_ACTUALS), dtype=str, keep_default_na=False).drop(columns=[drop])
    err = _error(tmp_path, eng, df.to_csv(index=False))
    assert err.location == f"actuals.csv: row 1, column {drop}"
    assert "actuals.csv" in err.message and drop in err.message


def test_rating_column_not_needed_without_rated_rows(tmp_path, eng):
    rows = read_actuals(_write(tmp_path, "employee,indicator,period,actual\nE1,ctr,2026-01,2\n"), eng)
    assert rows["actual"].tolist() == [2.0]


def test_header_only_file_is_an_error(tmp_path, eng):
    err = _error(tmp_path, eng, "employee,indicator,period,actual,rating\n")
    assert err.location == "actuals.csv: row 2" and "没有数据行" in err.message


def test_negative_actual_rejected_unless_the_catalogue_allows_it(tmp_path, eng):
    err = _error(tmp_path, eng, "employee,indicator,period,actual\nE1,ctr,2026-01,1\nE1,lead_cost,2026-01,-5\n")
    assert [f.location for f in err.findings] == ["actuals.csv: row 3, column actual"]
    assert "-5" in err.findings[0].message and "lead_cost" in err.findings[0].message


def test_negative_actual_accepted_for_nps():
    from toolkit.model.catalogue import load_catalogue

    assert load_catalogue()["nps"].allow_negative  # the catalogue entry the rule reads
    import pandas as pd2

    from toolkit.model.schema import Engagement
    from toolkit.scoring.actuals import validate_actuals

    eng2 = Engagement.model_validate({
        "client": {"name": "N", "size": "medium", "marketing_headcount": 1},
        "roles": [{"id": "brand", "name": "品牌", "role_type": "brand", "indicators": [
            {"id": "nps", "weight": 100, "threshold": -10, "target": 0, "stretch": 10, "rule": {"type": "linear"}}]}],
        "employees": [{"id": "E1", "name": "甲", "role": "brand"}]})
    from toolkit.scheme.resolve import resolve_scheme
    from toolkit.scoring.rules import indicator_table

    raw = pd2.DataFrame({"employee": ["E1"], "indicator": ["nps"], "period": ["2026-Q1"], "actual": ["-3"],
                         "_where": ["row 2"]})
    rows = validate_actuals(raw, eng2, indicator_table(resolve_scheme(eng2)))
    assert rows["actual"].tolist() == [-3.0]


def test_unknown_employee_reported_once_with_row_count(tmp_path, eng):
    body = "employee,indicator,period,actual\n" + "".join(f"E9,ctr,{y}-{m:02d},1\n" for y in range(2021, 2026)
                                                       for m in range(1, 13))
    body += "E1,ctr,2027-01,1\nE8,ctr,2027-02,1\n"
    err = _error(tmp_path, eng, body)
    assert len(err.findings) == 2  # one per unknown id, not 61
    e9 = next(f for f in err.findings if "E9" in f.message)
    assert e9.location == "actuals.csv: row 2, column employee"
    assert "60" in e9.message and "row 2, row 3, row 4 …" in e9.message


def test_fractional_rating_must_be_a_whole_level(tmp_path, eng):
    err = _error(tmp_path, eng, "employee,indicator,period,actual,rating\nE1,creative_brand_fit,2026-01,,3.5\n")
    f = err.findings[0]
    assert f.code == "scoring.rating_whole" and f.location == "actuals.csv: row 2, column rating"
    assert "整数" in f.message and "超出" not in f.message


def test_full_width_digits_and_percent_normalised(tmp_path, eng):
    p = _write(tmp_path, "employee,indicator,period,actual,rating\nＥ1,ctr,2026-01,１．４４,\n"
                         "E1,lead_cost,2026-01,８５％,\nE1,creative_brand_fit,2026-01,,４\n")
    rows = read_actuals(p, eng)
    assert rows["actual"].tolist()[:2] == [1.44, 85.0] and rows["rating"].tolist()[2] == 4.0
    assert rows["employee"].eq("E1").all()


def test_all_problems_reported_at_once(tmp_path, eng):
    err = _error(tmp_path, eng, "employee,indicator,period,actual\nE9,ctr,2026-01,1\nE1,ctr,2026-01,x\n")
    assert len(err.findings) == 2 and "2" in err.message


def test_long_xlsx(tmp_path, eng):
    df = pd.read_csv(pd.io.common.StringIO(HAND_ACTUALS), dtype=str, keep_default_na=False)
    p = tmp_path / "actuals.xlsx"
    df.to_excel(p, index=False)
    rows = read_actuals(p, eng)
    assert len(rows) == 12 and rows["actual"].notna().sum() == 5


def test_filled_kpi_form_read_back(tmp_path, eng):
    """A form laid out per the README (scoring, contract 3): hidden key rows, Chinese labels, formulas ignored."""
    from openpyxl import Workbook

    from toolkit.scoring.rules import excel_formula

    wb = Workbook()
    ws = wb.active
    ws.title = "张伟"
    ws.append(["市场部绩效考核表"])
    ws.append(["#employee", "E1"])
    ws.append(["#period", "2026-01"])
    ws.append(["指标编号", "名称", "权重", "门槛值", "目标值", "挑战值", "实际值", "得分"])
    ws.append(["#indicator", "名称", "权重", "门槛值", "目标值", "挑战值", "#actual", "得分"])
    ws.row_dimensions[5].hidden = True
    ws.append(["ctr", "点击率", 50, 1.5, 2.0, 2.5, 2.25])
    ws.append(["lead_cost", "线索成本", 30, 150, 120, 100, None])
    ws.append(["creative_brand_fit", "创意品牌契合度", 20, None, None, None, 4])
    for r in (6, 7):
        ws.cell(row=r, column=8, value="=1")  # a formula cell: ignored on read
    ws["H6"] = excel_formula(hand_engagement().roles[0].indicators[0].rule, "higher", "G6", "D6", "E6", "F6")
    ws.append([None])
    ws.append(["合计"])
    p = tmp_path / "form.xlsx"
    wb.save(p)
    rows = read_actuals(p, eng).set_index("indicator")
    assert rows.loc["ctr", "actual"] == 2.25
    assert np.isnan(rows.loc["lead_cost", "actual"])
    assert rows.loc["creative_brand_fit", "rating"] == 4  # a rating typed into the actual column
    assert rows.loc["ctr", "where"] == "张伟!row 6"


def test_form_with_bad_value_is_located(tmp_path, eng):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "F1"
    ws.append(["#employee", "E1"])
    ws.append(["#period", "2026-01"])
    ws.append(["#indicator", "#actual"])
    ws.append(["ctr", "很多"])
    p = tmp_path / "form.xlsx"
    wb.save(p)
    with pytest.raises(InputError) as exc:
        read_actuals(p, eng)
    assert exc.value.findings[0].location == "form.xlsx: F1!row 4, column actual"


def test_unsupported_suffix(tmp_path, eng):
    p = _write(tmp_path, "x", "actuals.json")
    with pytest.raises(InputError, match="json"):
        read_actuals(p, eng)


@pytest.mark.slow
def test_real_kpi_form_round_trip_equals_engine(tmp_path, eng):
    """A form from toolkit.documents.forms, filled in and recalculated by LibreOffice: the sheet's own total equals the
    total the engine computes from the same form read back."""
    import shutil
    import subprocess

    from openpyxl import load_workbook

    forms = pytest.importorskip("toolkit.documents.forms")
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is installed by make setup")
    from toolkit.scoring.appraise import appraise

    wb, layouts = forms.form_workbook(eng)
    lay = layouts[0]
    ws = wb[lay.sheet]
    ws[lay.employee] = "E1"
    ws[lay.period] = "2026-01"
    values = {"ctr": 2.25, "lead_cost": 135, "creative_brand_fit": 4, "industry_award": 1}
    for ind, v in values.items():
        ws[lay.actual[ind]] = v
    src = tmp_path / "filled.xlsx"
    wb.save(src)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless", "--convert-to",
                    "xlsx", "--outdir", str(tmp_path / "out"), str(src)], check=True, capture_output=True,
                   timeout=180)
    recalculated = tmp_path / "out" / "filled.xlsx"
    sheet_total = load_workbook(recalculated, data_only=True)[lay.sheet][lay.total].value
    rows = read_actuals(recalculated, eng)
    assert len(rows) == 4 and set(rows["period"]) == {"2026-01"}
    res = appraise(eng, rows)
    engine_total = res.periods.set_index("period").loc["2026-01", "total"]
    # by hand: (50·110 + 30·80 + 20·100)/100 + 2 = 99 + 2 = 101 (one supervisor rating 4 = the target level
    # 4 → 100)
    assert engine_total == pytest.approx(101)
    assert sheet_total == pytest.approx(engine_total)


def test_damaged_xlsx_is_an_input_error(tmp_path, eng):
    p = tmp_path / "actuals.xlsx"
    p.write_bytes(b"not a zip file")
    with pytest.raises(InputError) as exc:
        read_actuals(p, eng)
    assert exc.value.location == str(p)
