"""Completeness and consistency of the shipped data: indicator catalogue, role presets and both sample engagements.

These files are data, not code, so the tests read them exactly as a user's run would (through the real loaders)
and assert what a consultant relies on: every indicator card is complete in Chinese and English, every preset is a
valid form (weights, minimum weight, quantitative share, ordered anchors), and both samples pass ``appraisal check``.
"""
from __future__ import annotations

import re

import pytest
from conftest import MIDSIZE, SMALL

from toolkit.checks.compliance import dismissal_words
from toolkit.checks.engagement import check_engagement, exit_code
from toolkit.model.catalogue import load_catalogue, load_presets
from toolkit.model.engagement import load_engagement, new_engagement
from toolkit.model.indicators import Indicator, RoleType
from toolkit.model.paths import templates_dir
from toolkit.model.yamlio import read_yaml
from toolkit.scheme.resolve import resolve_scheme

CATEGORIES = {"performance", "campaign", "brand", "customer", "cost", "research", "qualitative"}
REQUIRED_FIELDS = ["id", "name_zh", "name_en", "category", "definition_zh", "definition_en", "formula_zh",
                   "formula_en", "unit", "direction", "data_source_zh", "data_source_en", "quantitative",
                   "typical_roles", "default_cycle", "rule"]
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
CJK = re.compile(r"[\u4e00-\u9fff]")
ROLE_TYPES = set(RoleType.__args__)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def cat() -> dict[str, Indicator]:
    return load_catalogue()


@pytest.fixture(scope="module")
def presets():
    return load_presets()


@pytest.fixture(scope="module")
def raw_entries() -> list[dict]:
    return list(read_yaml(templates_dir() / "catalogue" / "indicators.yaml")["indicators"])


# ------------------------------------------------------------------------------------------ catalogue
def test_catalogue_size_and_categories(cat):
    assert len(cat) >= 60
    by_cat = {c: [i for i in cat.values() if i.category == c] for c in CATEGORIES}
    assert all(by_cat[c] for c in CATEGORIES), {c: len(v) for c, v in by_cat.items()}
    assert len(by_cat["qualitative"]) >= 10


def test_every_entry_states_every_field(raw_entries):
    """Each card writes every field out (no silent defaults), and no text field is blank."""
    for k, raw in enumerate(raw_entries):
        missing = [f for f in REQUIRED_FIELDS if f not in raw]
        assert not missing, f"indicators[{k}] ({raw.get('id')}) lacks {missing}"
        for f in REQUIRED_FIELDS:
            value = raw[f]
            if isinstance(value, str):
                assert value.strip(), f"indicators[{k}].{f} is blank"
            elif isinstance(value, list):
                assert value, f"indicators[{k}].{f} is empty"


def test_text_is_in_the_right_language(cat):
    for ind in cat.values():
        for f in ("name_zh", "definition_zh", "formula_zh", "data_source_zh"):
            assert CJK.search(getattr(ind, f)), f"{ind.id}.{f} has no Chinese"
        for f in ("name_en", "definition_en", "formula_en", "data_source_en"):
            text = getattr(ind, f)
            assert not CJK.search(text), f"{ind.id}.{f} contains Chinese: {text}"
            assert re.search(r"[A-Za-z]", text), f"{ind.id}.{f} has no English"
        assert ind.definition_zh != ind.formula_zh and ind.definition_en != ind.formula_en


def test_ids_unique_and_snake_case(raw_entries):
    ids = [r["id"] for r in raw_entries]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    bad = [i for i in ids if not SNAKE.match(i)]
    assert not bad


def test_names_unique(cat):
    for lang in ("zh", "en"):
        names = [getattr(i, f"name_{lang}") for i in cat.values()]
        assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


def test_qualitative_entries_have_anchored_scales(cat):
    for ind in cat.values():
        if ind.quantitative:
            assert ind.scale is None, f"{ind.id}: a quantitative indicator has no rating scale"
            continue
        assert ind.rule.type == "rating", ind.id
        scale = ind.scale or []
        assert len(scale) >= 3, ind.id
        assert [lv.level for lv in scale] == list(range(1, len(scale) + 1)), ind.id
        assert ind.rule.levels == len(scale), ind.id
        for lv in scale:
            assert lv.label_zh and lv.label_en and len(lv.anchor_zh) >= 8 and len(lv.anchor_en) >= 20, (ind.id, lv)
        # anchors describe different behaviours, level by level
        assert len({lv.anchor_zh for lv in scale}) == len(scale)
        assert len({lv.anchor_en for lv in scale}) == len(scale)


def test_rules_match_directions(cat):
    for ind in cat.values():
        kind = ind.rule.type
        if kind == "band" or ind.direction == "band":
            assert kind == "band" and ind.direction == "band", ind.id
        if kind in ("deduction", "veto"):
            assert ind.direction == "lower", f"{ind.id}: deductions and vetoes count things that should not happen"
        if kind == "rating":
            assert not ind.quantitative


def test_catalogue_offers_every_kind_of_rule(cat):
    kinds = {i.rule.type for i in cat.values()}
    assert kinds >= {"linear", "ratio", "band", "steps", "deduction", "bonus", "veto", "rating"}


def test_units_and_flags(cat):
    for ind in cat.values():
        if ind.unit == "%":
            assert "100%" in ind.formula_en, f"{ind.id}: a percent indicator's formula shows × 100%"
        if ind.lagging:
            assert ind.default_cycle in ("quarterly", "half_year", "annual"), f"{ind.id}: lagging but monthly"
        assert set(ind.typical_roles) <= ROLE_TYPES
    # only NPS can legitimately be negative
    assert {i.id for i in cat.values() if i.allow_negative} == {"nps"}
    for survey in ("brand_awareness", "nps", "csat"):
        assert cat[survey].lagging


# ------------------------------------------------------------------------------------------ presets
REQUIRED_PRESETS = {"ad_placement", "event_planning", "market_research", "brand", "content", "marketing_manager",
                    "sales_support"}


def test_preset_set(presets):
    assert len(presets) >= 8
    assert REQUIRED_PRESETS <= set(presets)


def _share(preset, cat, ids=None):
    items = [pi for pi in preset.indicators if ids is None or pi.id in ids]
    total = sum(pi.weight for pi in items)
    return sum(pi.weight for pi in items if cat[pi.id].quantitative) / total


def test_preset_weights_and_bands(presets, cat):
    for p in presets.values():
        ids = [pi.id for pi in p.indicators]
        assert set(ids) <= set(cat), (p.id, set(ids) - set(cat))
        assert len(ids) == len(set(ids)), p.id
        assert 5 <= len(ids) <= 7, (p.id, len(ids))
        assert sum(pi.weight for pi in p.indicators) == pytest.approx(100), p.id
        assert min(pi.weight for pi in p.indicators) >= 5, p.id
        lo, hi = p.quant_share
        assert lo <= _share(p, cat) <= hi, (p.id, _share(p, cat), p.quant_share)
        assert p.description_zh and p.description_en


def test_preset_anchors_are_ordered(presets, cat):
    for p in presets.values():
        for pi in p.indicators:
            ind = cat[pi.id]
            where = f"{p.id}.{pi.id}"
            if not ind.quantitative:
                assert pi.target is None or 1 <= pi.target <= ind.rule.levels, where
                continue
            if ind.rule.type not in ("veto", "bonus"):
                assert pi.target is not None, where
            if ind.rule.type == "linear":
                assert pi.threshold is not None and pi.stretch is not None, where
                if ind.direction == "lower":
                    assert pi.threshold > pi.target > pi.stretch, where
                else:
                    assert pi.threshold < pi.target < pi.stretch, where
            for v in (pi.threshold, pi.target, pi.stretch):
                assert v is None or v >= 0 or ind.allow_negative, where


def test_small_indicators(presets, cat):
    for p in presets.values():
        small = p.small_indicators
        assert 3 <= len(small) <= 5, p.id
        assert set(small) <= {pi.id for pi in p.indicators}, p.id
        lo, hi = p.quant_share
        share = _share(p, cat, set(small))
        assert lo - 0.05 <= share <= hi + 0.05, (p.id, share)
        assert any(not cat[i].quantitative for i in small), f"{p.id}: keep one qualitative item"


def test_presets_cover_the_roles_the_brief_names(presets):
    ids = {r: {pi.id for pi in presets[r].indicators} for r in presets}
    assert {"ctr", "cvr", "roas", "creative_brand_fit", "competitor_insight"} <= ids["ad_placement"]
    assert ids["ad_placement"] & {"budget_execution_rate", "lead_cost", "budget_overrun_rate"}
    assert {"event_attendance_rate", "event_creativity", "execution_smoothness"} <= ids["event_planning"]
    assert ids["event_planning"] & {"post_event_conversion_rate", "event_leads"}
    assert {"valid_sample_rate", "report_accuracy", "questionnaire_design", "forecast_foresight"} <= ids["market_research"]


@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_new_engagement_from_every_preset_passes_the_scheme_rules(presets, size):
    eng = new_engagement("测试客户", size, list(presets))
    bad = [f for f in check_engagement(eng)
           if f.code.startswith("scheme.") and (f.severity == "error" or f.code == "scheme.quant_share")]
    assert not bad, [f"{f.location}: {f.message}" for f in bad]


# ------------------------------------------------------------------------------------------ samples
@pytest.mark.parametrize("path", [SMALL, MIDSIZE], ids=["small", "midsize"])
def test_samples_pass_check_cleanly(path):
    before = path.read_bytes()
    eng = load_engagement(path)
    findings = check_engagement(eng)
    assert exit_code(findings) == 0, [f"{f.severity} {f.location}: {f.message}" for f in findings]
    assert path.read_bytes() == before


@pytest.mark.parametrize("path", [SMALL, MIDSIZE], ids=["small", "midsize"])
def test_samples_trace_every_indicator(path):
    eng = load_engagement(path)
    goal_ids = {g.id for g in eng.goals}
    for role in eng.roles:
        for ind in role.indicators:
            assert ind.basic or ind.goal in goal_ids, (role.id, ind.id)
    for g in eng.goals:
        for f in ("metric", "unit", "baseline", "target", "deadline", "owner", "data_source"):
            assert getattr(g, f) not in (None, ""), (g.id, f)
        assert g.strategy
    counted = {e.role for e in eng.employees}
    assert counted == {r.id for r in eng.roles}
    for role in eng.roles:
        assert sum(e.role == role.id for e in eng.employees) == role.headcount, role.id


def test_small_sample_shape():
    eng = load_engagement(SMALL)
    assert eng.client.size == "small" and len(eng.employees) == 6
    assert {r.id: r.headcount for r in eng.roles} == {"ad_placement": 2, "event_planning": 2, "market_research": 2}
    assert all(3 <= len(r.indicators) <= 5 for r in eng.roles)
    assert eng.cycles.default == "monthly" and eng.distribution.mode == "none"
    ahp = [r for r in eng.roles if r.weighting.method == "ahp"]
    assert len(ahp) == 1 and ahp[0].weighting.judgments
    scheme = resolve_scheme(eng)
    for rs in scheme.roles:
        assert sum(i.weight for i in rs.indicators) == pytest.approx(100)
        assert min(i.weight for i in rs.indicators) >= 5
    brand = [g for g in eng.goals if g.baseline == 15 and g.target == 20 and g.unit == "%"]
    assert brand and "品牌认知度" in brand[0].text


def test_midsize_sample_shape():
    eng = load_engagement(MIDSIZE)
    assert eng.client.size == "medium" and len(eng.roles) >= 7
    assert 30 <= sum(r.headcount for r in eng.roles) <= 40 and len(eng.employees) == sum(r.headcount for r in eng.roles)
    assert all(5 <= len(r.indicators) <= 7 for r in eng.roles)
    assert set(eng.methods) == {"kpi", "mbo", "360"}
    assert eng.distribution.mode == "forced" and eng.distribution.min_group_size == 25
    groups = {e.group for e in eng.employees}
    assert all(sum(e.group == g for e in eng.employees) >= 25 for g in groups)
    group_ahp = [r for r in eng.roles if r.weighting.method == "ahp" and len(r.weighting.participants) >= 2]
    assert len(group_ahp) >= 2
    for r in group_ahp:
        named = {j.participant for j in r.weighting.judgments}
        assert named == {p.name for p in r.weighting.participants}, r.id
    ru = eng.result_use
    assert ru.merit_matrix and ru.bonus_coefficients and ru.merit_budget_pct and ru.bottom_grade_action
    assert dismissal_words(ru.bottom_grade_action) == []
    assert eng.governance.democratic_procedure and str(eng.governance.effective_date) == "2027-01-01"


def test_documented_example_passes_check(tmp_path):
    """The annotated example in the README is a real, clean engagement file."""
    from conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"#+ 1\. A short annotated example\n\n```yaml\n(.*?)```", text, re.DOTALL)
    assert block, "the annotated example is missing from the README"
    path = tmp_path / "engagement.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    findings = check_engagement(load_engagement(path))
    assert exit_code(findings) == 0, [f"{f.location}: {f.message}" for f in findings]
