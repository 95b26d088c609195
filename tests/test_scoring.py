"""Scoring rules: every rule pinned at its boundaries, monotonicity as properties, and the Excel formula
recalculated by LibreOffice equal to the Python score."""
from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.model.indicators import (
    BandRule,
    BonusRule,
    DeductionRule,
    LinearRule,
    RatingRule,
    RatioRule,
    StepsRule,
    VetoRule,
)
from toolkit.scoring.rules import apply_rule, excel_formula, excel_total_formula, rule_expression

NAN = float("nan")


def sc(rule, direction, actual, t=None, g=None, x=None):
    return apply_rule(rule, direction, actual, t, g, x).tolist()


# ------------------------------------------------------------------ linear
def test_linear_higher_boundaries():
    r = LinearRule()
    got = sc(r, "higher", [79.999, 80, 90, 100, 110, 120, 150], 80, 100, 120)
    assert got[0] == 0                      # just below threshold
    assert got[1:] == [60, 80, 100, 110, 120, 120]  # threshold, mid, target, mid, stretch, above


def test_linear_lower_is_mirrored():
    # lead cost: threshold 150, target 120, stretch 100 (lower is better)
    got = sc(LinearRule(), "lower", [150.01, 150, 135, 120, 110, 100, 80], 150, 120, 100)
    assert got == [0, 60, 80, 100, 110, 120, 120]


def test_linear_without_stretch_caps_at_target_score():
    assert sc(LinearRule(), "higher", [100, 130], 80, 100, None) == [100, 100]


def test_linear_configurable_scores():
    r = LinearRule(score_threshold=50, score_target=80, score_stretch=100, score_below=10)
    assert sc(r, "higher", [0, 80, 90, 100, 120, 200], 80, 100, 120) == [10, 50, 65, 80, 100, 100]


def test_linear_band_direction_folds_around_target():
    # close to 100 is best; threshold 90 (the fold makes 110 equivalent to 90)
    got = sc(LinearRule(), "band", [100, 95, 105, 90, 110, 89.9, 110.1], 90, 100, None)
    assert got[:5] == [100, 80, 80, 60, 60]
    assert got[5:] == [0, 0]


def test_missing_actual_is_missing_not_zero():
    got = apply_rule(LinearRule(), "higher", [NAN, 100], 80, 100, 120)
    assert math.isnan(got[0]) and got[1] == 100


def test_linear_needs_threshold_and_target():
    with pytest.raises(ValueError, match="threshold"):
        apply_rule(LinearRule(), "higher", [1.0], None, 100, 120)


# ------------------------------------------------------------------ ratio
def test_ratio_cap_and_floor():
    r = RatioRule(cap=120, floor=50)
    assert sc(r, "higher", [0, 40, 50, 88, 100, 120, 121, 300], g=100) == [50, 50, 50, 88, 100, 120, 120, 120]


def test_ratio_lower_inverts_and_handles_zero():
    assert sc(RatioRule(cap=120), "lower", [0, 50, 100, 200, 1000], g=100) == [120, 120, 100, 50, 10]


# ------------------------------------------------------------------ band rule
def test_band_rule_tolerance_edge_and_floor():
    r = BandRule(tolerance=0.05, points_per_pct=2, floor=40)
    got = sc(r, "band", [100, 105, 95, 106, 94, 110, 200], g=100)
    assert got[:3] == [100, 100, 100]          # exactly at the tolerance edge: still full marks
    assert got[3:5] == pytest.approx([98, 98])  # 1 % outside → −2
    assert got[5] == pytest.approx(90)
    assert got[6] == 40                          # floor


# ------------------------------------------------------------------ steps
def test_steps_actual_units_at_each_step():
    r = StepsRule(steps=[(1, 60), (2, 100), (4, 120)], score_below=0)
    assert sc(r, "higher", [0, 0.99, 1, 1.5, 2, 3.99, 4, 9]) == [0, 0, 60, 60, 100, 100, 120, 120]


def test_steps_lower_and_ratio_basis():
    r = StepsRule(steps=[(10, 60), (5, 100), (2, 120)])  # complaints: ≤10 → 60, ≤5 → 100, ≤2 → 120
    assert sc(r, "lower", [11, 10, 6, 5, 3, 2, 0]) == [0, 60, 60, 100, 100, 120, 120]
    rr = StepsRule(steps=[(80, 80), (100, 100), (120, 120)], basis="ratio")
    assert sc(rr, "higher", [79, 80, 100, 119, 120], g=100) == [0, 80, 100, 100, 120]


# ------------------------------------------------------------------ deduction, bonus, veto, rating
def test_deduction_relative_and_floor():
    r = DeductionRule(base=100, points=2, per=1, relative=True, floor=60, cap=100)  # 每低 1% 扣 2 分, 最低 60
    assert sc(r, "higher", [110, 100, 99, 90, 80, 50], g=100) == pytest.approx([100, 100, 98, 80, 60, 60])


def test_deduction_absolute_lower():
    r = DeductionRule(base=100, points=20, per=1, relative=False, floor=0)  # 每次投诉扣 20 分
    assert sc(r, "lower", [0, 1, 2, 5, 6], g=0) == [100, 80, 60, 0, 0]


def test_bonus_cap_and_veto_limit():
    assert sc(BonusRule(points=2, per=1, cap=5), "higher", [0, 1, 2, 2.5, 3]) == [0, 2, 4, 5, 5]
    assert sc(VetoRule(limit=0), "lower", [0, 0.5, 1]) == [0, 1, 1]
    assert sc(VetoRule(limit=95), "higher", [95, 94.9, 100]) == [0, 1, 0]


def test_rating_without_target_is_share_of_top_level():
    # 合格 (level 3 of 5) must reach the C line 60, not 50
    assert sc(RatingRule(levels=5), "higher", [1, 2, 3, 4, 5]) == pytest.approx([20, 40, 60, 80, 100])
    assert sc(RatingRule(levels=4, score_max=100), "higher", [1, 2, 4]) == pytest.approx([25, 50, 100])


def test_rating_with_target_level_uses_the_linear_anchors():
    # target 4 of 5: threshold 3 → 60, target 4 → 100, stretch 5 → 120, below: 0 at level 1 up to 60 at 3
    assert sc(RatingRule(), "higher", [1, 2, 3, 3.5, 4, 4.5, 5], g=4) == pytest.approx([0, 30, 60, 80, 100, 110,
                                                                                          120])
    # target at the top level: stretch = target → capped at 100; threshold 4 → 60
    assert sc(RatingRule(), "higher", [1, 2, 4, 5], g=5) == pytest.approx([0, 20, 60, 100])
    # explicit anchors win over the defaults
    assert sc(RatingRule(), "higher", [1, 2, 3, 4, 5], t=2, g=3, x=5) == pytest.approx([0, 60, 100, 110, 120])
    # 7-level scale, target 5: threshold 4, stretch 6, level 7 stays at the stretch score
    assert sc(RatingRule(levels=7), "higher", [1, 4, 5, 6, 7], g=5) == pytest.approx([0, 60, 100, 120, 120])


# ------------------------------------------------------------------ properties
finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)
pos = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(a=finite, b=finite, t=pos, gap1=pos, gap2=pos)
def test_linear_monotone_both_directions(a, b, t, gap1, gap2):
    lo, hi = min(a, b), max(a, b)
    g, x = t + gap1, t + gap1 + gap2
    s = apply_rule(LinearRule(), "higher", [lo, hi], t, g, x)
    assert s[0] <= s[1] + 1e-9
    s = apply_rule(LinearRule(), "lower", [lo, hi], -t, -g, -x)  # mirrored anchors
    assert s[0] >= s[1] - 1e-9
    assert 0 <= s.min() and s.max() <= 120 + 1e-9


@settings(max_examples=200, deadline=None)
@given(levels=st.integers(3, 10), data=st.data())
def test_rating_monotone_and_within_range(levels, data):
    from toolkit.scoring.rules import rule_range

    g = data.draw(st.one_of(st.none(), st.integers(1, levels)))
    a, b = sorted(data.draw(st.lists(st.floats(1, levels), min_size=2, max_size=2)))
    rule = RatingRule(levels=levels)
    s = apply_rule(rule, "higher", [1, a, b, levels], None, g)
    assert np.all(np.diff(s) >= -1e-9)
    lo, hi = rule_range(rule, g)
    assert s[0] == pytest.approx(lo) and s[-1] == pytest.approx(hi)


@settings(max_examples=200, deadline=None)
@given(a=pos, b=pos, g=pos, d1=st.floats(0, 50), d2=st.floats(0, 50))
def test_ratio_steps_deduction_monotone(a, b, g, d1, d2):
    lo, hi = min(a, b), max(a, b)
    rules = [RatioRule(), StepsRule(steps=[(80, 80), (100, 100), (120, 120)], basis="ratio"), DeductionRule()]
    for r in rules:
        s = apply_rule(r, "higher", [lo, hi], None, g)
        assert s[0] <= s[1] + 1e-9
        s = apply_rule(r, "lower", [lo, hi], None, g)
        assert s[0] >= s[1] - 1e-9
    # band rule: the further from target, the lower the score
    near, far = sorted([d1, d2])
    s = apply_rule(BandRule(), "band", [g * (1 + near / 100), g * (1 - far / 100)], None, g)
    assert s[0] >= s[1] - 1e-9


# ------------------------------------------------------------------ Excel formula text
def test_excel_formula_text_and_blank():
    f = excel_formula(LinearRule(), "higher", "D5", "E5", "F5", "G5")
    assert f.startswith('=IF(D5="","",') and "E5" in f and "G5" in f
    f2 = excel_formula(RatioRule(), "higher", "D5", target_ref=100)
    assert f2 == '=IF(D5="","",MAX(0,MIN(120,D5/100*100)))'
    # no stretch: no stretch cell in the formula
    assert "G5" not in excel_formula(LinearRule(), "higher", "D5", "E5", "F5", None)


def test_rule_expression_is_the_single_description():
    e = rule_expression(LinearRule(), "lower")
    assert e.op == "IF"


# ------------------------------------------------------------------ LibreOffice recalculation equals Python
CASES = [
    (LinearRule(), "higher", (80, 100, 120), [0, 79.9, 80, 85, 100, 110.5, 120, 500, None]),
    (LinearRule(), "lower", (150, 120, 100), [200, 150, 133, 120, 101, 100, 0, None]),
    (LinearRule(), "band", (90, 100, None), [80, 90, 95, 100, 104, 110, 130]),
    (LinearRule(score_threshold=50, score_target=80, score_stretch=110), "higher", (1.5, 2.0, 2.5),
     [1.2, 1.5, 1.77, 2.0, 2.31, 2.5, 3]),
    (RatioRule(cap=120, floor=30), "higher", (None, 80, None), [0, 20, 70, 80, 96, 150]),
    (RatioRule(), "lower", (None, 120, None), [0, 60, 120, 200]),
    (RatioRule(), "band", (None, 100, None), [90, 100, 115]),
    (BandRule(tolerance=0.03, points_per_pct=3, floor=10), "band", (None, 100, None), [100, 103, 96, 90, 50]),
    (StepsRule(steps=[(1, 60), (2, 100), (4, 120)]), "higher", (None, None, None), [0, 1, 1.5, 2, 4, 7]),
    (StepsRule(steps=[(10, 60), (5, 100), (2, 120)]), "lower", (None, None, None), [11, 10, 6, 5, 2, 0]),
    (StepsRule(steps=[(80, 80), (100, 100), (120, 120)], basis="ratio"), "higher", (None, 50, None),
     [39, 40, 50, 59, 60]),
    (StepsRule(steps=[(80, 80), (100, 100)], basis="ratio"), "lower", (None, 50, None), [0, 40, 50, 62.5, 70]),
    (DeductionRule(points=2, floor=60), "higher", (None, 100, None), [120, 100, 99.5, 90, 70]),
    (DeductionRule(points=20, relative=False), "lower", (None, 0, None), [0, 1, 3, 7]),
    (DeductionRule(points=1.5, per=2), "lower", (None, 4, None), [3, 4, 4.4, 8]),
    (BonusRule(points=2, per=1, cap=5), "higher", (None, None, None), [0, 1, 2.4, 3, 10]),
    (VetoRule(limit=0), "lower", (None, None, None), [0, 1, 3]),
    (VetoRule(limit=95), "higher", (None, None, None), [90, 95, 99]),
    (RatingRule(levels=5), "higher", (None, None, None), [1, 2, 3, 4, 5]),
    (RatingRule(levels=7, score_max=90), "higher", (None, None, None), [1, 4, 7]),
    (RatingRule(levels=5), "higher", (None, 4, None), [1, 2, 3, 3.5, 4, 4.5, 5, None]),
    (RatingRule(levels=5), "higher", (None, 5, None), [1, 4, 4.5, 5]),
    (RatingRule(levels=5, score_min=10), "higher", (2, 3, 5), [1, 1.5, 2, 3, 4, 5]),
]


def _lo_recalc(src: Path, outdir: Path) -> Path:
    profile = outdir / "lo_profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(outdir / "out"), str(src)], check=True, capture_output=True, timeout=180)
    return outdir / "out" / src.name


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by make setup")
def test_excel_formulas_recalculated_by_libreoffice_equal_python(tmp_path):
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["actual", "threshold", "target", "stretch", "score"])
    expected = []
    row = 2
    for rule, direction, (t, g, x), actuals in CASES:
        for a in actuals:
            ws.append([a, t, g, x])
            f = excel_formula(rule, direction, f"A{row}", None if t is None else f"B{row}",
                              None if g is None else f"C{row}", None if x is None else f"D{row}")
            ws.cell(row=row, column=5, value=f)
            py = apply_rule(rule, direction, [np.nan if a is None else a], t, g, x)[0]
            expected.append((row, rule.type, direction, a, py))
            row += 1
    # a total row as the engine computes it: two scores, one missing, a bonus and a veto flag
    ws.cell(row=row, column=1, value=80)
    ws.cell(row=row, column=2, value=None)
    ws.cell(row=row, column=3, value=2)
    ws.cell(row=row, column=4, value=0)
    ws.cell(row=row, column=5, value=excel_total_formula([f"A{row}", f"B{row}"], [40, 60], [f"C{row}"],
                                                         [f"D{row}"]))
    src = tmp_path / "formulas.xlsx"
    wb.save(src)
    ws2 = load_workbook(_lo_recalc(src, tmp_path), data_only=True).active
    for r, kind, direction, a, py in expected:
        got = ws2.cell(row=r, column=5).value
        if math.isnan(py):
            assert got in (None, ""), (kind, direction, a, got)
        else:
            assert got == pytest.approx(py, abs=1e-9), (kind, direction, a, got, py)
    assert ws2.cell(row=row, column=5).value == pytest.approx(82.0)  # 80 re-normalised over weight 40, + 2
