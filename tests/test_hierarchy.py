"""Hierarchy synthesis, whole-percent allocation and a role's final weights."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.model.errors import InputError
from toolkit.model.indicators import Indicator
from toolkit.model.schema import Judgment, Participant, Role, RoleIndicator, Weighting
from toolkit.weights.analysis import analyse
from toolkit.weights.hierarchy import HNode, allocate_percent, role_weights, synthesise


def _indicator(id_: str, quantitative: bool) -> Indicator:
    base = dict(id=id_, name_zh=f"指标{id_}", name_en=f"Indicator {id_}", category="performance",  # noqa: C408
                definition_zh="定义", definition_en="definition", formula_zh="公式", formula_en="formula",
                unit="%", direction="higher", data_source_zh="系统", data_source_en="system",
                typical_roles=["sales"], default_cycle="monthly")
    if quantitative:
        return Indicator(**base, quantitative=True, rule={"type": "linear"})
    scale = [{"level": k, "label_zh": f"{k}级", "label_en": f"L{k}", "anchor_zh": "可观察的行为描述",
              "anchor_en": "observable behaviour"} for k in (1, 2, 3)]
    return Indicator(**{**base, "category": "qualitative"}, quantitative=False, rule={"type": "rating"}, scale=scale)


CATALOGUE = {i: _indicator(i, q) for i, q in
             [("leads", True), ("roi", True), ("exposure", True), ("teamwork", False), ("attitude", False)]}


def _role(judgments, band=(0.7, 0.8), participants=()):
    return Role(id="specialist", name="市场专员", role_type="sales", quant_share=band,
                indicators=[RoleIndicator(id=i) for i in CATALOGUE],
                weighting=Weighting(method="ahp", judgments=judgments, participants=list(participants)))


JUDGMENTS = [Judgment(a="leads", b="roi", value=2), Judgment(a="leads", b="exposure", value=4),
             Judgment(a="leads", b="teamwork", value=3), Judgment(a="leads", b="attitude", value=5),
             Judgment(a="roi", b="exposure", value=2), Judgment(a="roi", b="teamwork", value="3/2"),
             Judgment(a="roi", b="attitude", value=3), Judgment(a="exposure", b="teamwork", value=1),
             Judgment(a="exposure", b="attitude", value=2), Judgment(a="teamwork", b="attitude", value=2)]


def test_two_level_synthesis_multiplies_local_weights():
    top = np.array([[1, 3], [1 / 3, 1]])
    quant = np.array([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    root = HNode("岗位", (HNode("定量", (HNode("leads"), HNode("roi"), HNode("exposure")), judgments=quant),
                          HNode("定性", (HNode("teamwork"), HNode("attitude")))), judgments=top)
    r = synthesise(root)
    leaves = r.leaves()
    assert leaves.sum() == pytest.approx(1)
    assert leaves["leads"] == pytest.approx(0.75 * 4 / 7)
    assert leaves["teamwork"] == pytest.approx(0.25 * 0.5)  # no judgments: equal local weights
    assert set(r.nodes) == {"岗位", "岗位/定量"} and r.consistent
    tab = r.table.set_index("name")
    assert tab.loc["定量", "local"] == pytest.approx(0.75) and not tab.loc["定量", "leaf"]


def test_synthesis_accepts_named_judgments():
    root = HNode("g", (HNode("甲"), HNode("乙"), HNode("丙")),
                 judgments=[("乙", "甲", "稍微重要"), ("甲", "丙", 1), ("乙", "丙", 3)])
    leaves = synthesise(root).leaves()
    assert leaves.idxmax() == "乙"


def test_allocate_percent_example_and_min():
    assert allocate_percent(pd.Series({"a": 0.62, "b": 0.35, "c": 0.03})).to_dict() == {"a": 61, "b": 34, "c": 5}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(0.001, 1.0), min_size=2, max_size=12), st.integers(0, 2**16),
       st.sampled_from([None, (0.6, 0.8), (0.5, 0.7), (0.3, 0.9)]))
def test_allocate_percent_sums_to_100_with_min_and_band(ws, seed, band):
    rng = np.random.default_rng(seed)
    w = pd.Series(ws, index=[f"i{k}" for k in range(len(ws))])
    quant = pd.Series(rng.random(len(ws)) < 0.6, index=w.index)
    if quant.all() or not quant.any():
        quant.iloc[0] = not quant.iloc[0]
    notes: list[str] = []
    try:
        p = allocate_percent(w, quantitative=quant, band=band, notes=notes)
    except InputError:
        # only when the band cannot hold min 5% per indicator in both groups
        assert band is not None
        lo_eff, hi_eff = max(band[0], 0.05 * quant.sum()), min(band[1], 1 - 0.05 * (~quant).sum())
        assert lo_eff > hi_eff
        return
    assert p.sum() == 100 and (p >= 5).all() and p.dtype.kind == "i"
    if band is not None:
        share = p[quant].sum() / 100
        assert band[0] - 1e-9 <= share <= band[1] + 1e-9
    else:
        # without constraints beyond the floor, the order of the weights is kept
        wv, pv = w.to_numpy(), p.to_numpy()
        heavier = wv[:, None] > wv[None, :] * (1 + 1e-6)
        assert (pv[:, None] >= pv[None, :])[heavier].all()


def test_allocate_too_many_indicators():
    with pytest.raises(InputError):
        allocate_percent(pd.Series(np.ones(21)))


def test_role_weights_applies_band_min_and_rounding():
    r = role_weights(_role(JUDGMENTS), CATALOGUE)
    assert sum(r.percent.values()) == 100
    assert min(r.percent.values()) >= 5
    assert 0.7 <= r.quant_share <= 0.8
    raw = analyse(JUDGMENTS)
    assert np.allclose(r.table.set_index("id")["ahp"][list(raw.names)], raw.weights)
    raw_share = raw.weights[["leads", "roi", "exposure"]].sum()
    if not 0.7 <= raw_share <= 0.8:
        assert r.notes  # the adjustment is explained
    assert list(r.table.columns) == ["id", "name", "quantitative", "ahp", "adjusted", "percent"]
    # the adjusted weights respect the band and the minimum, sum to 100, and round to the percents
    adj = r.table.set_index("id")["adjusted"]
    assert abs(adj.sum() - 100) < 1e-9 and (adj >= 5 - 1e-9).all()
    assert (abs(adj - r.table.set_index("id")["percent"]) < 1).all()
    assert r.table["name"].iloc[0] == "指标leads"


def test_role_weights_is_what_scheme_uses():
    from toolkit.scheme.resolve import _weights_mapping

    r = role_weights(_role(JUDGMENTS), CATALOGUE)
    assert _weights_mapping(r) == r.percent


def test_role_weights_group_of_participants():
    js = [j.model_copy(update={"participant": p}) for p in ("总监", "经理") for j in JUDGMENTS]
    js[0] = js[0].model_copy(update={"value": 4})
    role = _role(js, participants=[Participant(name="总监", weight=2), Participant(name="经理", weight=1)])
    r = role_weights(role, CATALOGUE)
    assert sum(r.percent.values()) == 100
    assert list(r.ahp.participants["weight"]) == [2, 1]


def test_role_weights_bad_judgment_is_located():
    bad = JUDGMENTS[:3] + [Judgment(a="leads", b="nosuch", value=2)]
    with pytest.raises(InputError) as e:
        role_weights(_role(bad), CATALOGUE)
    assert "judgments[3]" in e.value.location
    with pytest.raises(InputError) as e:
        role_weights(_role(JUDGMENTS[:2]), CATALOGUE)  # teamwork and attitude never compared
    assert "teamwork" in str(e.value)
