"""Entropy and CRITIC weights from history, comparison with AHP weights, and the blend."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.model.errors import InputError
from toolkit.weights.objective import blend, compare_weights, critic_weights, entropy_weights, normalise


@pytest.fixture
def history() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 24
    return pd.DataFrame({
        "线索量": rng.normal(100, 30, n),        # varies a lot
        "满意度": rng.normal(4.5, 0.02, n).round(2),  # nearly constant
        "成本": rng.normal(50, 10, n),
    })


def test_entropy_against_the_textbook_formula_on_a_small_table():
    data = pd.DataFrame({"x": [1.0, 2.0, 4.0], "y": [3.0, 3.5, 3.0]})
    z = (data - data.min()) / (data.max() - data.min()) + 1e-4
    p = z / z.sum()
    e = -(p * np.log(p)).sum() / np.log(3)
    expected = (1 - e) / (1 - e).sum()
    assert np.allclose(entropy_weights(data).to_numpy(), expected.to_numpy())


def test_constant_indicator_gets_zero_and_weights_sum_to_one(history):
    h = history.assign(固定=1.0)
    for fn in (entropy_weights, critic_weights):
        w = fn(h)
        assert w["固定"] == 0 and w.sum() == pytest.approx(1) and (w >= 0).all()


def test_row_order_does_not_matter_and_direction_flips(history):
    shuffled = history.sample(frac=1, random_state=1)
    assert np.allclose(entropy_weights(history), entropy_weights(shuffled))
    assert np.allclose(critic_weights(history), critic_weights(shuffled))
    flipped = normalise(history, {"成本": "lower"})
    assert flipped["成本"].idxmax() == history["成本"].idxmin()


def test_critic_penalises_redundant_indicators(history):
    base = critic_weights(history)
    dup = critic_weights(history.assign(线索量副本=history["线索量"] * 2 + 1))
    # a perfectly correlated copy adds no conflict: the original's share drops
    assert dup["线索量"] < base["线索量"]


def test_compare_and_blend(history):
    ahp = pd.Series({"线索量": 0.5, "满意度": 0.3, "成本": 0.2})
    ent = entropy_weights(history)
    cmp = compare_weights(ahp, entropy=ent, critic=critic_weights(history))
    assert {"ahp", "entropy", "critic", "ahp_rank"} <= set(cmp.columns)
    assert set(cmp.attrs["spearman"]) == {"entropy", "critic"}
    assert -1 <= cmp.attrs["spearman"]["entropy"] <= 1
    b = blend(ahp, ent, alpha=0.7)
    assert np.allclose(b, 0.7 * ahp + 0.3 * ent[ahp.index])
    assert np.allclose(blend(ahp, ent, 1.0), ahp)
    with pytest.raises(InputError):
        blend(ahp, ent, 1.5)


def test_bad_history_is_an_input_error():
    with pytest.raises(InputError):
        entropy_weights(pd.DataFrame({"x": [1, 2]}))
    with pytest.raises(InputError) as e:
        critic_weights(pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]}))
    assert "y" in str(e.value)
    with pytest.raises(InputError):
        entropy_weights(pd.DataFrame({"x": [1, 1, 1], "y": [2, 2, 2]}))
