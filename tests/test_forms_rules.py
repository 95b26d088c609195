"""The KPI forms encode the rulebook: the missing-value policy in the total, the period label of the role's
cycle, the behaviour anchors of rated indicators — checked by LibreOffice recalculation against the engine."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from test_forms import SOFFICE, _fill, _recalculate

from toolkit.documents.forms import form_workbook
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
