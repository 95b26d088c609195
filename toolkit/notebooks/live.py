"""The part of the weights worksheet that depends on the judgments, redrawn after every slider move.

Why: in interactive mode the worksheet's heatmap, sensitivity tables and weights chart were drawn once from the
file, so moving a slider changed the panel's weights and CR but left the charts below showing the old
judgments. :class:`LiveWeights` listens to a :class:`toolkit.workshop.widgets.PairwisePanel` and redraws the
same figures and tables (the same engine calls and the same formatting as the batch cells) from the workshop's
current answers: one participant's matrix, or the group's aggregate when every participant is on screen.
Figures are PNGs inside HTML widgets, so they update in JupyterLab and Voila alike.
"""
from __future__ import annotations

import base64
import html
from typing import Any

import ipywidgets as w

from toolkit.model.messages import t
from toolkit.notebooks.worksheet import figure_png, format_frame, relabel

__all__ = ["LiveWeights", "png_html"]

#: the batch worksheet's Monte Carlo settings, so that both modes show the same numbers
DRAWS, SEED = 2000, 20261125


def png_html(fig: Any, *, dpi: int = 110) -> str:
    """A matplotlib figure (or Axes) as an ``<img>`` with the PNG inline; the figure is closed.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> png_html(plt.subplots()[1]).startswith("<img src='data:image/png;base64,")
    True
    """
    return f"<img src='data:image/png;base64,{base64.b64encode(figure_png(fig, dpi=dpi)).decode()}' " \
           "style='max-width:100%'>"


class LiveWeights:
    """Heatmap, one-at-a-time sensitivity, Monte Carlo summary and weights chart of the panel's current judgments.

    ``last`` holds what was drawn (``weights``, ``oat``, ``mc`` as DataFrames/Series, ``role``, ``who``), so a
    test or a facilitator can compare it with the engine.
    """

    def __init__(self, panel: Any, *, names: dict[str, str] | None = None, lang: str | None = None,
                 draws: int = DRAWS, seed: int = SEED) -> None:
        self.panel = panel
        self.ws = panel.ws
        self.lang = lang or panel.lang
        self.names = dict(names or {})
        self.draws, self.seed = draws, seed
        self.title = w.HTML()
        self.heatmap, self.sensitivity, self.chart = w.HTML(), w.HTML(), w.HTML()
        for widget, css in ((self.heatmap, "live-heatmap"), (self.sensitivity, "live-sensitivity"),
                            (self.chart, "live-weights")):
            widget.add_class(css)
        self.widget = w.VBox([self.title, self.heatmap, self.sensitivity, self.chart])
        self.widget.add_class("ws-live-weights")
        self.last: dict[str, Any] = {}
        panel.listeners.append(self.refresh)
        self.refresh()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _table(self, frame: Any, percent: list[str]) -> str:
        shown = format_frame(frame, lang=self.lang, names=self.names, percent=percent)
        return shown.to_html(escape=True, index=not _default_index(shown), border=0, classes="live-table")

    def refresh(self) -> None:
        """Recompute and redraw from the workshop's current answers (called by the panel after each change)."""
        from toolkit.documents.plots_weights import plot_judgments, plot_weights
        from toolkit.weights.sensitivity import monte_carlo, one_at_a_time

        role, shown = self.panel.role.value, self.panel.shown()
        group = len(shown) != 1
        a = self.ws.analysis(role, group=True) if group else self.ws.analysis(role, shown[0])
        result = a.result
        who = t("workshop.participant.group", self.lang) if group or not shown[0] else shown[0]
        self.title.value = f"<b>{html.escape(t('nb.weights.live', self.lang, who=who))}</b>"
        if result is None or result.n < 2:
            self.heatmap.value = self.sensitivity.value = self.chart.value = ""
            self.last = {"role": role, "who": who}
            return
        weights = result.weights
        oat = one_at_a_time(weights)
        mc = (monte_carlo(result.matrix, names=result.names, draws=self.draws, seed=self.seed)
              if result.n > 2 else None)
        self.heatmap.value = png_html(relabel(plot_judgments(result, lang=self.lang), self.names))
        tables = [self._table(oat, ["weight", "lower", "upper"])]
        if mc is not None:
            tables.append(self._table(mc.summary, ["base", "mean", "q05", "q50", "q95", "p_consistent"]))
        self.sensitivity.value = "".join(tables)
        self.chart.value = png_html(relabel(plot_weights(mc if mc is not None else weights, lang=self.lang),
                                            self.names))
        self.last = {"role": role, "who": who, "weights": weights, "oat": oat,
                     "mc": None if mc is None else mc.summary, "cr": float(result.cr)}


def _default_index(frame: Any) -> bool:
    import pandas as pd

    return isinstance(frame.index, pd.RangeIndex)
