"""The KPI forms encode the rulebook: the missing-value policy in the total, the period label of the role's
cycle, the behaviour anchors of rated indicators — checked by LibreOffice recalculation against the engine."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from test_forms import SOFFICE, _fill, _recalculate

from toolkit.documents.forms import form_workbook
from toolkit.model.messages import t
from toolkit.scheme.resolve import resolve_scheme
from toolkit.scheme.rulebook import rulebook
from toolkit.scoring.rules import indicator_table, score_values
from toolkit.scoring.totals import period_totals_by_rule


def _with(eng, **sections):
    data = eng.model_dump(exclude_unset=True, mode="json")
    data.update(sections)
    return type(eng).model_validate(data)


def test_quarterly_role_forms_accept_only_quarters(mid):
    eng = _with(mid, cycles={"default": "quarterly", "annual": "mean"})
    wb, layouts = form_workbook(eng)
    ws = wb[layouts[0].sheet]
    rules = [dv for dv in ws.data_validations.dataValidation if "B5" in str(dv.sqref)]
    assert len(rules) == 1 and '"-Q"' in rules[0].formula1 and "季度" in rules[0].error


def test_rated_indicators_show_their_behaviour_anchors(mid):
    scheme = resolve_scheme(mid)
    wb, layouts = form_workbook(mid, scheme)
    for rs, lay in zip(scheme.roles, layouts):
        text = "\n".join(str(c.value) for row in wb[lay.sheet].iter_rows() for c in row if c.value)
        for ind in rs.indicators:
            if ind.rule.type == "rating" and ind.indicator.scale:
                assert all(lv.anchor_zh in text for lv in ind.indicator.scale), (rs.role.id, ind.id)


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice-calc-nogui) is installed by `make test`")
@pytest.mark.parametrize("missing", ["renormalise", "zero", "exclude_period"])
def test_a_form_with_blanks_totals_as_the_engine_does(missing, mid, tmp_path):
    eng = _with(mid, scoring={"missing": missing})
    scheme = resolve_scheme(eng)
    wb, layouts = form_workbook(eng, scheme)
    rng = np.random.default_rng(5)
    values = []
    for rs, lay in zip(scheme.roles, layouts):
        ws = wb[lay.sheet]
        ws[lay.employee], ws[lay.period] = f"E-{rs.role.id}", "2027-03"
        filled = _fill(ws, rs, rng)
        blank = filled[1] if rs.role.id != scheme.roles[0].role.id else None  # one role stays complete
        if blank:
            ws[lay.actual[blank["indicator"]]] = None
            blank["value"] = np.nan
        values += [dict(v, employee=f"E-{rs.role.id}", period="2027-03") for v in filled]
    src = tmp_path / "filled.xlsx"
    wb.save(src)
    recalced = load_workbook(_recalculate(src, tmp_path), data_only=True)
    scored = score_values(pd.DataFrame(values), indicator_table(scheme))
    rb = rulebook(eng)
    # one form, one month: the form is the period, whatever the indicators' own cycles
    rb = type(rb)(**{**rb.__dict__, "roles": {k: type(v)(**{**v.__dict__, "cycle": "monthly"})
                                              for k, v in rb.roles.items()}})
    engine = period_totals_by_rule(scored, rb).set_index("employee")["total"]
    for rs, lay in zip(scheme.roles, layouts):
        got = recalced[lay.sheet][lay.total].value
        want = engine.get(f"E-{rs.role.id}", np.nan)
        if np.isnan(want):
            assert got in (None, ""), (missing, rs.role.id, got)
        else:
            assert got == pytest.approx(want, abs=1e-9), (missing, rs.role.id)


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice-calc-nogui) is installed by `make test`")
def test_multi_rater_form_has_a_column_per_rater_and_scores_as_the_engine(mid, tmp_path):
    from toolkit.scoring.actuals import read_actuals
    from toolkit.scoring.appraise import appraise

    scheme = resolve_scheme(mid)
    wb, layouts = form_workbook(mid, scheme, roles=["marketing_manager"])
    lay = layouts[0]
    assert lay.ratings and any("360" in name for name in wb.sheetnames)  # the 360° sheet is there too
    rs = scheme.role("marketing_manager")
    ws = wb[lay.sheet]
    ws[lay.employee], ws[lay.period] = mid.employees[0].id, "2027-03"
    rng = np.random.default_rng(11)
    from types import SimpleNamespace

    measured = SimpleNamespace(role=rs.role, indicators=[i for i in rs.indicators if i.rule.type != "rating"])
    _fill(ws, measured, rng)  # the rated rows' actual is the formula over the rater columns, left as built
    kinds = [r.kind for r in rulebook(mid).role("marketing_manager").raters]
    assert len(kinds) == 5
    for cells in lay.ratings.values():
        for k, kind in enumerate(kinds):
            ws[cells[kind]] = None if k == 2 else float(rng.integers(1, 6))  # one group did not rate
    # the employee must belong to the role for the read-back
    mm = next(e for e in mid.employees if e.role == "marketing_manager")
    ws[lay.employee] = mm.id
    src = tmp_path / "filled.xlsx"
    wb.save(src)
    recalc = _recalculate(src, tmp_path)
    sheet = load_workbook(recalc, data_only=True)[lay.sheet]
    res = appraise(mid, read_actuals(recalc, mid))
    scores = res.scores.set_index("indicator")["score"]
    for ind in rs.indicators:
        assert sheet[lay.score[ind.id]].value == pytest.approx(scores[ind.id], abs=1e-9), ind.id
    assert sheet[lay.total].value == pytest.approx(res.periods["total"].iloc[0], abs=1e-9)


def test_number_validation_refuses_what_appraisal_score_refuses(mid):
    scheme = resolve_scheme(mid)
    wb, layouts = form_workbook(mid, scheme)
    for rs, lay in zip(scheme.roles, layouts):
        dvs = {rng.coord: dv for dv in wb[lay.sheet].data_validations.dataValidation for rng in dv.sqref.ranges}
        for ind in rs.indicators:
            dv = dvs.get(lay.actual[ind.id])
            if ind.rule.type != "rating":
                assert dv.type == "decimal"
                assert (float(dv.formula1) < 0) == bool(ind.indicator.allow_negative), (rs.role.id, ind.id)


def _texts(ws) -> str:
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rating_sheets_follow_the_scheme_appendix(small, mid, lang):
    """The small company has neither the 360° method nor peers, reports or customers as raters: its XLSX rating
    sheets are 定性指标评价表 and offer nobody anonymity, as the scheme's appendix (the same decision); the midsize
    sheets are 360° and name exactly the groups that may stay anonymous."""
    from toolkit.documents.content import build_document
    from toolkit.documents.rating_sheets import rating_sheets

    for eng, full in ((small, False), (mid, True)):
        scheme = resolve_scheme(eng)
        sheets = rating_sheets(eng, scheme)
        wb, layouts = form_workbook(eng, scheme, lang=lang)
        extra = [ws for ws in wb.worksheets[1:] if ws.title not in {lay.sheet for lay in layouts}]
        assert len(extra) == len(sheets) > 0
        doc = build_document(eng, lang, scheme=scheme, figures=False)
        appendix = next(a for a in doc.appendices if a.key == "rating360")
        assert ("360" in appendix.title) is full
        for ws, sh in zip(extra, sheets):
            text = _texts(ws)
            assert ("360" in ws.title + text) is full, ws.title
            anonymous = "可不署名" in text if lang == "zh" else "anonymous" in text
            assert anonymous is bool(sh.anonymous)
            if sh.anonymous:  # the label names who may stay anonymous, and nobody else
                for r in sh.raters:
                    label = t(f"doc.rater.{r.kind}", lang)
                    rater_label = ws.cell(2, 3).value
                    assert (label in rater_label) is (r.kind in sh.anonymous), (rater_label, r.kind)
    peers = _with(small, raters=[{"kind": "supervisor", "weight": 0.7}, {"kind": "peer", "weight": 0.3}])
    wb, layouts = form_workbook(peers, lang=lang)
    sheet = next(ws for ws in wb.worksheets[1:] if ws.title not in {lay.sheet for lay in layouts})
    assert sheet.cell(2, 3).value == t("form.360.rater", lang, kinds=t("doc.rater.peer", lang))
    assert "360" not in _texts(sheet)  # peers rate, but the engagement does not use the 360° method


def test_forms_name_the_hr_function_as_the_scheme(small):
    wb, _ = form_workbook(small)
    text = "\n".join(_texts(ws) for ws in wb.worksheets)
    assert small.governance.interpreter == "行政人事部" and "行政人事部按评价人类型取平均分" in text
    assert "人力资源部" not in text
    wb, _ = form_workbook(small, lang="en")
    text = "\n".join(_texts(ws) for ws in wb.worksheets)
    assert "The Admin & HR department averages" in text and "HR averages" not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rated_indicators_state_the_rule_not_a_0_100_conversion(small, mid, lang):
    """The catalogue's formula of a rated indicator says "换算为 0–100 分": the rule scores the levels 0/30/60/100/
    120, so the form's definition column says the levels are scored by the scoring rule beside it."""
    for eng in (small, mid):
        scheme = resolve_scheme(eng)
        wb, layouts = form_workbook(eng, scheme, lang=lang)
        for rs, lay in zip(scheme.roles, layouts):
            ws = wb[lay.sheet]
            header = [c.value for c in ws[8]]
            col = header.index(t("form.col.definition", lang)) + 1
            rule_col = header.index(t("form.col.rule", lang)) + 1
            for ind in rs.indicators:
                row = ws[lay.actual[ind.id]].row
                text = ws.cell(row, col).value
                if ind.rule.type == "rating":
                    assert "0–100" not in text and "换算" not in text, (rs.role.id, ind.id, text)
                    key = "form.rating_formula_raters" if lay.ratings else "form.rating_formula"
                    assert text.endswith(t(key, lang, levels=ind.rule.levels))
                    assert "120" in ws.cell(row, rule_col).value  # the points are the rule's
                else:
                    assert text.endswith(ind.indicator.formula_en if lang == "en" else ind.indicator.formula_zh)


def test_forms_write_the_period_of_the_role_and_the_grade_ranges_of_the_scheme(mid):
    eng = _with(mid, cycles={"default": "quarterly", "annual": "mean"})
    wb, layouts = form_workbook(eng)
    ws = wb[layouts[0].sheet]
    assert ws["B4"].value == "考核期间（如 2027-Q1）"
    rating = next(s for s in wb.worksheets[1:] if s.title not in {lay.sheet for lay in layouts})
    assert "2027-Q1" in rating.cell(2, 4).value
    text = _texts(wb[layouts[0].sheet])
    assert "A 100 分（含）至 110 分" in text and "S 110 分及以上" in text  # as the scheme's grade table


def test_english_forms_use_the_english_names_the_scheme_uses(small):
    roles = [r.model_dump(exclude_unset=True, mode="json") for r in small.roles]
    roles[0]["name_en"] = "Ad Specialist"
    eng = _with(small, client={**small.client.model_dump(exclude_unset=True, mode="json"), "name_en": "Shanlan Tea"},
                roles=roles)
    wb, layouts = form_workbook(eng, lang="en")
    ws = wb[layouts[0].sheet]
    assert ws.title == "Ad Specialist" and ws["B1"].value == "Shanlan Tea KPI form: Ad Specialist"
    assert ws["F3"].value == "Ad Specialist"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rating_sheet_columns_are_the_scheme_appendix_columns(mid, lang):
    wb, layouts = form_workbook(mid, lang=lang)
    sheet = next(ws for ws in wb.worksheets[1:] if ws.title not in {lay.sheet for lay in layouts})
    assert [sheet.cell(5, c).value for c in range(1, 5)] == [
        t(k, lang) for k in ("doc.col.indicator", "doc.rating360_levels", "doc.rating360_rating",
                             "doc.rating360_example")]
