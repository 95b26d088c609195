"""Weights charts render with Chinese labels and no missing-glyph warnings."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from toolkit.documents.plots_weights import plot_judgments, plot_sensitivity, plot_weights
from toolkit.weights.analysis import analyse
from toolkit.weights.sensitivity import monte_carlo, one_at_a_time

NAMES = ["销售线索数量", "营销活动ROI", "品牌曝光量", "客户满意度"]
A = np.array([[1, 3, 5, 1 / 2], [1 / 3, 1, 3, 5], [1 / 5, 1 / 3, 1, 2], [2, 1 / 5, 1 / 2, 1]])


@pytest.fixture(autouse=True)
def glyph_warnings_are_errors():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        warnings.filterwarnings("error", category=UserWarning, message=".*missing from.*font.*")
        yield
    plt.close("all")


def _texts(ax) -> str:
    return " ".join([ax.get_title()] + [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels()])


def test_judgment_heatmap_marks_the_inconsistent_cells(tmp_path):
    r = analyse(A, names=NAMES, top=None)
    ax = plot_judgments(r, top=2)
    rects = [p for p in ax.patches if p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)]
    assert len(rects) == 4  # two judgments and their reciprocal cells
    first = r.most_inconsistent.iloc[0]
    assert any(p.get_xy() == (first.j, first.i) for p in rects)
    assert "销售线索数量" in _texts(ax) and "CR" in ax.get_title()
    ax.figure.savefig(tmp_path / "m.png")  # drawing is where missing glyphs would warn
    assert (tmp_path / "m.png").stat().st_size > 1000


def test_weights_with_monte_carlo_intervals(tmp_path):
    mc = monte_carlo(A, names=NAMES, draws=500, seed=0)
    ax = plot_weights(mc)
    assert len(ax.containers) >= 1 and "500" in ax.get_title()
    ax.figure.savefig(tmp_path / "w.png")
    ax2 = plot_weights(analyse(A, names=NAMES))
    ax2.figure.savefig(tmp_path / "w2.png")


def test_sensitivity_chart(tmp_path):
    oat = one_at_a_time(pd.Series([0.4, 0.3, 0.2, 0.1], index=NAMES))
    ax = plot_sensitivity(oat)
    assert [t.get_text() for t in ax.get_yticklabels()] == NAMES
    ax.figure.savefig(tmp_path / "s.png")
