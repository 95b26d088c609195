"""Issue 15: in interactive mode the weights worksheet's heatmap, sensitivity tables and weights chart follow the
sliders. Driven as plain Python objects (real ipywidgets, real matplotlib, real engine), and compared with the
engine run directly on the same judgments (the batch cells' calls)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.model.paths import samples_dir
from toolkit.notebooks.live import DRAWS, SEED, LiveWeights
from toolkit.weights.analysis import analyse
from toolkit.weights.sensitivity import monte_carlo, one_at_a_time
from toolkit.workshop.session import open_workshop
from toolkit.workshop.widgets import PairwisePanel


@pytest.fixture
def panel(tmp_path: Path) -> PairwisePanel:
    dst = tmp_path / "engagement.yaml"
    shutil.copy(samples_dir() / "small_company" / "engagement.yaml", dst)
    return PairwisePanel(open_workshop(dst, who="顾问甲"))


def _answer_all(panel: PairwisePanel, value: float) -> None:
    ids = panel.ws.indicators(panel.role.value)
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            panel.sliders[("", ids[i], ids[j])].value = value if (i, j) == (0, 1) else 2.0


def test_a_slider_move_redraws_the_heatmap_tables_and_chart(panel: PairwisePanel) -> None:
    names = {i: panel.ws.indicator_label(i) for i in panel.ws.indicators(panel.role.value)}
    live = LiveWeights(panel, names=names, lang="zh")
    _answer_all(panel, 3.0)
    first = (live.heatmap.value, live.sensitivity.value, live.chart.value, live.last["weights"].copy())
    assert first[0].startswith("<img src='data:image/png;base64,") and "<table" in first[1]
    ids = panel.ws.indicators(panel.role.value)
    panel.sliders[("", ids[0], ids[1])].value = 1 / 5           # one slider moved the other way
    assert live.heatmap.value != first[0] and live.chart.value != first[2] and live.sensitivity.value != first[1]
    assert live.last["weights"][ids[0]] < first[3][ids[0]]      # the first indicator lost weight
    # the same numbers as the batch cells compute from the same judgments
    m = panel.ws.matrix(panel.role.value, "")
    direct = analyse(m, names=ids)
    pd.testing.assert_series_equal(live.last["weights"], direct.weights)
    pd.testing.assert_frame_equal(live.last["oat"], one_at_a_time(direct.weights))
    mc = monte_carlo(direct.matrix, names=direct.names, draws=DRAWS, seed=SEED).summary
    pd.testing.assert_frame_equal(live.last["mc"], mc)
    # tables are the client's wording: names, not ids; percentages
    assert names[ids[0]] in live.sensitivity.value and ids[0] not in live.sensitivity.value
    assert "%" in live.sensitivity.value


def test_an_accepted_suggestion_and_a_role_change_redraw_too(panel: PairwisePanel) -> None:
    live = LiveWeights(panel, lang="zh")
    ids = panel.ws.indicators(panel.role.value)
    for i in range(len(ids)):                                   # an inconsistent set of answers
        for j in range(i + 1, len(ids)):
            panel.sliders[("", ids[i], ids[j])].value = 9.0 if j == i + 1 else 1 / 9
    before = live.last["cr"]
    assert before > 0.1 and panel.results.accept.layout.display != "none"
    panel.results.accept.click()
    assert live.last["cr"] < before
    assert live.last["cr"] == pytest.approx(analyse(panel.ws.matrix(panel.role.value, ""), names=ids).cr)
    other = next(v for _, v in panel.role.options if v != panel.role.value)
    panel.role.value = other
    assert live.last["role"] == other


def test_nothing_to_draw_before_two_answers_is_not_an_error(panel: PairwisePanel) -> None:
    live = LiveWeights(panel, lang="en")
    assert live.last["role"] == panel.role.value
    assert "Updated with the sliders" in live.title.value
    assert np.isnan(live.last.get("cr", np.nan)) or live.last["cr"] >= 0
