"""KPI forms (XLSX): structure, protection, validation, formula injection, and LibreOffice recalculation equal
to the Python scoring engine."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import with_changes
from openpyxl import load_workbook

from toolkit.documents.forms import form_workbook, grade_formula, locate_inputs, write_forms
from toolkit.model.indicators import BandRule, BonusRule, DeductionRule, RatioRule, StepsRule, VetoRule
from toolkit.scheme.resolve import resolve_scheme
from toolkit.scoring.actuals import read_form_workbook
from toolkit.scoring.grading import grade_by_bands, weighted_totals
from toolkit.scoring.rules import indicator_table, score_values

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")




def _every_rule(eng):
    """The small sample with its first role's indicators re-ruled to cover every rule type and direction."""
    role = eng.roles[0].model_dump()
    extra_rules = [RatioRule(cap=130).model_dump(), StepsRule(steps=[(50, 60), (80, 80), (100, 100)]).model_dump(),
                   DeductionRule(points=3, per=1).model_dump(), BandRule(tolerance=0.1).model_dump()]
    quant = [i for i in role["indicators"] if i["rule"] is None and i["target"] is not None]
    for ind, rule in zip(quant, extra_rules):
        ind["rule"] = rule
    assert len(quant) >= len(extra_rules)
    data = eng.model_dump()
    data["roles"][0] = role
    return type(eng).model_validate(data)


def _fill(ws, rs, rng, extra=None):
    cells = locate_inputs(ws)
    values = []
    for ind in rs.indicators:
        if ind.rule.type == "rating":
            v = float(rng.integers(1, ind.rule.levels + 1))
        elif ind.rule.type == "veto":
            v = 0.0
        else:
            base = ind.target if ind.target not in (None, 0) else 10.0
            v = round(float(base) * float(rng.uniform(0.5, 1.6)), 2)
        ws[cells[ind.id]] = v
        values.append({"role": rs.role.id, "indicator": ind.id, "value": v})
    return values


def _recalculate(src, out_dir):
    profile = out_dir / "lo-profile"
    cmd = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--calc", "--convert-to", "xlsx",
           "--outdir", str(out_dir / "recalc"), str(src)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300, env={**os.environ, "HOME": str(out_dir)})
    return out_dir / "recalc" / src.name


def test_columns_protection_and_print_setup(mid, tmp_path):
    paths = write_forms(mid, tmp_path)
    assert set(paths) == {"all"} | {r.id for r in mid.roles}
    wb = load_workbook(paths["all"])
    # the instructions, one KPI form per role, and a 360° rating sheet for each role rated by several groups
    multi = sum(1 for rs in resolve_scheme(mid).roles if any(i.rule.type == "rating" for i in rs.indicators))
    assert len(wb.worksheets) == 1 + len(mid.roles) + multi
    assert sum("360" in ws.title for ws in wb.worksheets) == multi
    ws = wb.worksheets[1]
    header = [c.value for c in ws[8]]
    for col in ("维度", "指标", "定义/公式", "权重", "门槛值", "目标值", "挑战值", "评分规则", "数据来源", "考核人",
                "实际值", "得分"):
        assert col in header
    assert ws.protection.sheet
    assert str(ws.page_setup.paperSize) == "9" and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$8:$8"
    cells = locate_inputs(ws)
    rs = resolve_scheme(mid).roles[0]
    assert list(cells) == [i.id for i in rs.indicators]
    score_col = header.index("得分") + 1
    for ind_id, ref in cells.items():
        rated = next(i for i in rs.indicators if i.id == ind_id).rule.type == "rating"
        # inputs open; a rated row of a multi-rater role computes its rating from the rater columns
        assert ws[ref].protection.locked is rated
        row = ws[ref].row
        score = ws.cell(row, score_col)
        assert str(score.value).startswith("=IF(") and score.protection.locked is True
    assert ws["B3"].protection.locked is False and ws["B5"].protection.locked is False
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for label in ("被考核人签字", "考核人签字", "复核人签字", "综合得分", "考核等级"):
        assert label in texts


def test_rating_indicators_get_a_drop_down(mid, tmp_path):
    wb, layouts = form_workbook(mid)
    scheme = resolve_scheme(mid)
    for rs, lay in zip(scheme.roles, layouts):
        ws = wb[lay.sheet]
        lists = {}
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                lists[rng.coord] = dv
        for ind in rs.indicators:
            if ind.id in lay.ratings:  # several rater groups: one drop-down per group, the actual is computed
                cells = list(lay.ratings[ind.id].values())
                assert lay.actual[ind.id] not in lists and all(c in lists for c in cells)
                dv = lists[cells[0]]
            else:
                dv = lists[lay.actual[ind.id]]
            if ind.rule.type == "rating":
                assert dv.type == "list"
                assert dv.formula1 == '"' + ",".join(str(k) for k in range(1, ind.rule.levels + 1)) + '"'
                assert dv.prompt  # the scale's labels
            else:
                assert dv.type == "decimal"


def test_grade_formula_matches_bands(mid):
    f = grade_formula("O20", mid.grades)
    assert f.startswith('=IF(O20="","",IF(O20>=110,"S",IF(O20>=100,"A",IF(O20>=85,"B"')
    assert f.endswith('"D")))))')


def test_text_never_becomes_a_formula(small, tmp_path):
    evil = {"client__name": "=HYPERLINK(\"http://evil.example\",\"点我\")",
            "roles__0__name": "+cmd|' /C calc'!A0",
            "roles__0__indicators__0__evaluator": "@SUM(1+1)",
            "roles__1__name": "-2+3"}
    eng = with_changes(small, **evil)
    paths = write_forms(eng, tmp_path)
    wb = load_workbook(paths["all"])
    seen = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith(("=HYPERLINK", "+cmd", "@SUM", "-2+3")):
                    seen[c.value[:4]] = c
    assert set(seen) == {"=HYP", "+cmd", "@SUM", "-2+3"}
    for c in seen.values():
        assert c.data_type == "s"
    with zipfile.ZipFile(paths["all"]) as z:
        sheets = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
        styles = z.read("xl/styles.xml").decode("utf-8")
    assert 'quotePrefix="1"' in styles  # Excel keeps them as text when a user edits the cell
    assert "<f>HYPERLINK" not in sheets and "<f>cmd" not in sheets and "<f>SUM(1+1)" not in sheets
    assert "<f>-2+3" not in sheets and "<f>2+3" not in sheets


def test_engine_reads_a_filled_form_back(mid, tmp_path):
    wb, layouts = form_workbook(mid)
    scheme = resolve_scheme(mid)
    rng = np.random.default_rng(7)
    for rs, lay in zip(scheme.roles, layouts):
        ws = wb[lay.sheet]
        ws[lay.employee] = f"E-{rs.role.id}"
        ws[lay.period] = "2027-01"
        _fill(ws, rs, rng)
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    rows = read_form_workbook(path)
    assert rows is not None
    assert len(rows) == sum(len(rs.indicators) for rs in scheme.roles)
    assert set(rows["period"]) == {"2027-01"}
    assert set(rows["role"]) == {r.role.id for r in scheme.roles}


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice-calc-nogui) is installed by `make test`")
@pytest.mark.parametrize("sample", ["midsize", "every_rule"])
def test_libreoffice_recalculation_equals_the_scoring_engine(sample, mid, small, tmp_path):
    if sample == "every_rule":
        eng = _every_rule(small)
        data = eng.model_dump()  # add a bonus and a veto item to the second role
        r1 = data["roles"][1]["indicators"]
        r1[0]["rule"] = BonusRule(points=1, per=10, cap=5).model_dump()
        r1[1]["rule"] = VetoRule(limit=0).model_dump()
        eng = type(eng).model_validate(data)
    else:
        eng = mid
    scheme = resolve_scheme(eng)
    types = {i.rule.type for rs in scheme.roles for i in rs.indicators}
    if sample == "every_rule":
        assert {"ratio", "steps", "deduction", "band", "bonus", "veto", "rating", "linear"} <= types
    wb, layouts = form_workbook(eng, scheme)
    rng = np.random.default_rng(2026)
    values = []
    for rs, lay in zip(scheme.roles, layouts):
        ws = wb[lay.sheet]
        ws[lay.employee], ws[lay.period] = "E001", "2027-03"
        values += _fill(ws, rs, rng)
    src = tmp_path / "filled.xlsx"
    wb.save(src)
    recalced = load_workbook(_recalculate(src, tmp_path), data_only=True)

    table = indicator_table(scheme)
    scored = score_values(pd.DataFrame(values), table)
    totals = weighted_totals(scored, ["role"]).set_index("role")
    for rs, lay in zip(scheme.roles, layouts):
        ws = recalced[lay.sheet]
        for ind in rs.indicators:
            engine = scored.loc[(scored.role == rs.role.id) & (scored.indicator == ind.id), "score"].iloc[0]
            sheet = ws[lay.score[ind.id]].value
            assert sheet == pytest.approx(engine, abs=1e-9), (rs.role.id, ind.id, ind.rule.type)
        engine_total = float(totals.loc[rs.role.id, "total"])
        assert ws[lay.total].value == pytest.approx(engine_total, abs=1e-9)
        assert ws[lay.grade].value == grade_by_bands([engine_total], eng.grades)[0]


def test_english_forms_write_units_in_english(mid, tmp_path):
    paths = write_forms(mid, tmp_path, lang="en")
    wb = load_workbook(paths["all"])
    ws = wb.worksheets[1]
    header = [c.value for c in ws[8]]
    unit_col = header.index("Unit") + 1
    scheme = resolve_scheme(mid)
    rs = scheme.roles[0]
    units = [ws.cell(r, unit_col).value for r in range(10, 10 + len(rs.indicators))]
    assert units and not any(u and re.search(r"[\u4e00-\u9fff]", u) for u in units)
    chinese_unit = re.compile(r"\d\s?(元|小时|个|次|篇|人|万次|倍|分)")
    for sheet in wb.worksheets[1:]:
        for row in sheet.iter_rows(min_row=10):
            for c in row:
                if isinstance(c.value, str) and not c.value.startswith("="):
                    assert not chinese_unit.search(c.value), (sheet.title, c.coordinate, c.value)
    prompts = [dv.prompt for sheet in wb.worksheets[1:] for dv in sheet.data_validations.dataValidation
               if dv.type == "decimal"]
    assert prompts and not any(re.search(r"[\u4e00-\u9fff]", p) for p in prompts)
