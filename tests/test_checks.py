"""Every rule of the scheme checks, triggered one at a time on a copy of the small sample."""
from __future__ import annotations

import pytest
from conftest import MIDSIZE, SMALL

from toolkit.checks.engagement import check_engagement, exit_code
from toolkit.model.catalogue import load_catalogue
from toolkit.model.engagement import load_engagement
from toolkit.model.schema import Grade, RaterGroup, RoleIndicator


def codes(eng) -> set[str]:
    return {f.code for f in check_engagement(eng)}


@pytest.mark.parametrize("path", [SMALL, MIDSIZE], ids=["small", "midsize"])
def test_samples_have_no_errors(path) -> None:
    findings = check_engagement(load_engagement(path))
    assert exit_code(findings) < 2, [f.format() for f in findings if f.severity == "error"]


def _direct_role(eng):
    for role in eng.roles:
        if role.weighting.method == "direct":
            return role
    pytest.skip("no direct-weighted role in the sample")


def test_weights_must_sum_to_100() -> None:
    eng = load_engagement(SMALL)
    role = _direct_role(eng)
    role.indicators[0].weight = role.indicators[0].weight + 7
    assert "scheme.weights_sum" in codes(eng)
    assert exit_code(check_engagement(eng)) == 2


def test_weight_below_five_percent() -> None:
    eng = load_engagement(SMALL)
    role = _direct_role(eng)
    a, b = role.indicators[0], role.indicators[1]
    moved = a.weight - 3
    a.weight, b.weight = 3, b.weight + moved
    assert "scheme.weight_too_small" in codes(eng)


def test_missing_weight() -> None:
    eng = load_engagement(SMALL)
    _direct_role(eng).indicators[0].weight = None
    assert "scheme.weight_missing" in codes(eng)


def test_indicator_count_outside_size_profile() -> None:
    eng = load_engagement(SMALL)
    role = _direct_role(eng)
    used = {i.id for i in role.indicators}
    extra = [i for i in load_catalogue() if i not in used][: 6 - len(role.indicators) + 1]
    for ind_id in extra:
        role.indicators.append(RoleIndicator(id=ind_id, weight=0, basic=True))
    assert "scheme.indicator_count" in codes(eng)


def test_no_indicators_is_an_error() -> None:
    eng = load_engagement(SMALL)
    eng.roles[0].indicators = []
    eng.roles[0].weighting.judgments = []
    eng.roles[0].weighting.method = "direct"
    assert "scheme.no_indicators" in codes(eng)


def test_quantitative_share_outside_band() -> None:
    eng = load_engagement(SMALL)
    role = _direct_role(eng)
    role.quant_share = (0.95, 1.0)
    assert "scheme.quant_share" in codes(eng)


def test_anchor_order() -> None:
    eng = load_engagement(SMALL)
    cat = load_catalogue()
    for role in eng.roles:
        for ind in role.indicators:
            entry = cat[ind.id]
            if entry.quantitative and entry.rule.type == "linear" and entry.direction == "higher":
                ind.threshold, ind.target, ind.stretch = 50, 40, 60
                assert "scheme.anchor_order" in codes(eng)
                return
    pytest.skip("no higher-is-better linear indicator in the sample")


def test_lagging_indicator_on_monthly_cycle() -> None:
    eng = load_engagement(SMALL)
    cat = load_catalogue()
    lagging = next(i for i in cat.values() if i.lagging)
    role = _direct_role(eng)
    role.indicators[0] = role.indicators[0].model_copy(update={"id": lagging.id, "cycle": "monthly"})
    assert "scheme.lagging_monthly" in codes(eng)


def test_rater_weights_must_sum_to_one() -> None:
    eng = load_engagement(SMALL)
    eng.raters = [RaterGroup(kind="supervisor", weight=0.7), RaterGroup(kind="self", weight=0.2)]
    assert "scheme.rater_weights" in codes(eng)


def test_360_needs_several_rater_groups() -> None:
    eng = load_engagement(SMALL)
    eng.methods = ["kpi", "360"]
    eng.raters = [RaterGroup(kind="supervisor", weight=1.0)]
    assert "scheme.360_raters" in codes(eng)


def test_grade_order() -> None:
    eng = load_engagement(SMALL)
    eng.grades = [Grade(code="A", name_zh="优", name_en="A", min_score=60),
                  Grade(code="B", name_zh="良", name_en="B", min_score=80)]
    eng.result_use.bonus_coefficients = {}
    assert "scheme.grade_order" in codes(eng)


def test_missing_bonus_coefficient() -> None:
    eng = load_engagement(SMALL)
    eng.result_use.bonus_coefficients = {"S": 1.5}
    assert "scheme.coefficient_missing" in codes(eng)


def test_ahp_role_without_judgments() -> None:
    eng = load_engagement(SMALL)
    role = _direct_role(eng)
    role.weighting.method = "ahp"
    assert "scheme.ahp_without_judgments" in codes(eng)


def test_exit_codes() -> None:
    from toolkit.model.errors import Finding

    assert exit_code([]) == 0
    assert exit_code([Finding("warning", "x", "", "m")]) == 1
    assert exit_code([Finding("warning", "x", "", "m"), Finding("error", "y", "", "m")]) == 2


def test_qualitative_target_outside_scale() -> None:
    eng = load_engagement(SMALL)
    cat = load_catalogue()
    for role in eng.roles:
        for ind in role.indicators:
            if not cat[ind.id].quantitative:
                ind.target = 6
                assert "scheme.rating_anchor" in codes(eng)
                return
    pytest.skip("no qualitative indicator in the sample")


def test_headcounts_against_department_and_employees() -> None:
    eng = load_engagement(SMALL)
    eng.roles[0].headcount += 5
    found = codes(eng)
    assert "scheme.headcount_total" in found
    assert "scheme.headcount_employees" in found
