"""One-at-a-time rank-reversal ranges and batched Monte Carlo judgment perturbation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.model.errors import InputError
from toolkit.weights.analysis import analyse
from toolkit.weights.hierarchy import HNode, synthesise
from toolkit.weights.scale import snap_to_scale
from toolkit.weights.sensitivity import monte_carlo, monte_carlo_hierarchy, one_at_a_time, perturb_matrix


def _moved(v: np.ndarray, i: int, x: float) -> np.ndarray:
    out = v * (1 - x) / (1 - v[i])
    out[i] = x
    return out


def _order(values: np.ndarray) -> tuple[int, ...]:
    return tuple(np.argsort(-values, kind="stable"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.05, 1.0), min_size=3, max_size=8, unique=True)
       # near-ties (1.0 vs 0.9999999999999999) have no defined rank order to keep
       .filter(lambda ws: min(abs(a - b) for i, a in enumerate(ws) for b in ws[i + 1:]) > 1e-6))
def test_oat_bounds_are_where_the_element_ranking_flips(ws):
    w = pd.Series(ws) / sum(ws)
    v = w.to_numpy()
    oat = one_at_a_time(w)
    base = _order(v)
    for i in range(len(v)):
        lo, hi = oat["lower"].iloc[i], oat["upper"].iloc[i]
        eps = 1e-6
        assert _order(_moved(v, i, min(hi - eps, max(lo + eps, v[i])))) == base
        if hi < 1:
            assert _order(_moved(v, i, hi + eps)) != base
        if lo > 0:
            assert _order(_moved(v, i, lo - eps)) != base


def test_oat_with_alternatives_scores():
    rng = np.random.default_rng(3)
    w = pd.Series({"线索": 0.45, "ROI": 0.3, "品牌": 0.15, "协作": 0.1})
    scores = pd.DataFrame(rng.uniform(60, 100, (5, 4)), columns=w.index, index=[f"员工{k}" for k in range(5)])
    oat = one_at_a_time(w, scores)
    v = w.to_numpy()
    S = scores.to_numpy()
    base = _order(S @ v)
    for i in range(4):
        lo, hi = oat["lower"].iloc[i], oat["upper"].iloc[i]
        assert _order(S @ _moved(v, i, (lo + v[i]) / 2)) == base
        assert _order(S @ _moved(v, i, (hi + v[i]) / 2)) == base
        if hi < 1:
            assert _order(S @ _moved(v, i, hi + 1e-6)) != base
            assert "员工" in oat["upper_swap"].iloc[i]


def test_monte_carlo_zero_spread_returns_the_base_weights():
    A = np.array([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]])
    mc = monte_carlo(A, draws=50, spread=0, seed=1)
    assert np.allclose(mc.samples, analyse(A).weights.to_numpy())
    assert (mc.rank_probabilities.to_numpy().diagonal() == 1).all()


def test_monte_carlo_distribution_and_rank_probabilities():
    A = np.array([[1, 3, 7, 7], [1 / 3, 1, 3, 3], [1 / 7, 1 / 3, 1, 1], [1 / 7, 1 / 3, 1, 1]])
    mc = monte_carlo(A, names=list("abcd"), draws=4000, seed=2)
    assert mc.samples.shape == (4000, 4)
    assert np.allclose(mc.samples.sum(1), 1)
    assert np.allclose(mc.rank_probabilities.sum(axis=0), 1) and np.allclose(mc.rank_probabilities.sum(axis=1), 1)
    s = mc.summary
    assert (s["q05"] <= s["q50"]).all() and (s["q50"] <= s["q95"]).all()
    assert mc.rank_probabilities.loc["a", 1] > 0.95  # a clear leader stays first
    assert 0.3 < mc.rank_probabilities.loc["c", 3] < 0.7  # c and d are tied: either may come third
    again = monte_carlo(A, names=list("abcd"), draws=4000, seed=2)
    assert np.array_equal(again.samples, mc.samples)


def test_perturbation_stays_on_the_scale_and_reciprocal():
    A = np.array([[1, 9, 1 / 9], [1 / 9, 1, 2], [9, 1 / 2, 1]])
    S = perturb_matrix(A, 500, spread=2, rng=np.random.default_rng(0))
    assert np.allclose(S * np.transpose(S, (0, 2, 1)), 1)
    assert np.allclose(snap_to_scale(S), S)
    assert S.max() <= 9 and S.min() >= 1 / 9
    L = perturb_matrix(A, 10, kind="lognormal", spread=0.1, rng=np.random.default_rng(0))
    assert np.allclose(L * np.transpose(L, (0, 2, 1)), 1)
    with pytest.raises(InputError):
        perturb_matrix(A, 10, kind="uniform")  # type: ignore[arg-type]


def test_monte_carlo_keeps_unjudged_pairs_unjudged():
    A = np.array([[1, 2, np.nan], [1 / 2, 1, 3], [np.nan, 1 / 3, 1]])
    mc = monte_carlo(A, draws=200, seed=0)
    assert np.isfinite(mc.samples).all()


def test_hierarchy_monte_carlo_base_equals_synthesis():
    quant = np.array([[1, 2, 4], [1 / 2, 1, 3], [1 / 4, 1 / 3, 1]])
    root = HNode("g", (HNode("定量", (HNode("a"), HNode("b"), HNode("c")), judgments=quant),
                       HNode("定性", (HNode("d"), HNode("e")), judgments=[("d", "e", 2)])),
                 judgments=np.array([[1, 3], [1 / 3, 1]]))
    mc = monte_carlo_hierarchy(root, draws=3000, seed=5)
    assert list(mc.names) == ["a", "b", "c", "d", "e"]
    assert np.allclose(mc.base.to_numpy(), synthesise(root).leaves().to_numpy())
    assert np.allclose(mc.samples.sum(1), 1)
    assert mc.summary["sd"].gt(0).all()
