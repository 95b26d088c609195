"""Seaborn charts of the weights engine: the judgment matrix, weights with Monte Carlo intervals, sensitivity.

Why: in a workshop the consultant points at a picture, not a table: the heatmap shows which judgment breaks
consistency (the marked cells), the interval chart shows how firm each weight is, the range chart shows how far a
weight may move before the ranking changes. Chinese labels render with the project's CJK font
(:func:`toolkit.documents.fonts.use_cjk_theme`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from toolkit.documents.fonts import use_cjk_theme
from toolkit.model.messages import t

__all__ = ["plot_judgments", "plot_sensitivity", "plot_weights"]


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    import matplotlib.pyplot as plt

    use_cjk_theme()
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_judgments(result: Any, ax: Any = None, top: int = 3, lang: str | None = None) -> Any:
    """Heatmap of the judgment matrix (colour = log of the judgment, text = the judgment as typed), with the
    ``top`` most inconsistent judgments (and their reciprocal cells) outlined in red. Unjudged cells show "?"."""
    import matplotlib.patches as mpatches
    import seaborn as sns

    from toolkit.weights.scale import fmt_judgment

    n = len(result.names)
    ax = _axes(ax, (1.0 + 0.75 * n, 0.8 + 0.65 * n))
    A = np.asarray(result.matrix, dtype=float)
    C = np.asarray(result.completed, dtype=float)
    text = np.array([[("?" if np.isnan(A[i, j]) else fmt_judgment(A[i, j])) for j in range(n)] for i in range(n)])
    names = list(result.names)
    sns.heatmap(pd.DataFrame(np.log(C), index=names, columns=names), ax=ax, annot=text, fmt="", cmap="RdBu_r",
                center=0, vmin=-np.log(9), vmax=np.log(9), cbar=False, linewidths=0.5, square=True)
    for r in result.most_inconsistent.head(top).itertuples():
        for (i, j) in ((r.i, r.j), (r.j, r.i)):
            ax.add_patch(mpatches.Rectangle((j, i), 1, 1, fill=False, edgecolor="red", linewidth=2.5))
    ax.set_title(t("ahp.plot.matrix", lang, cr=f"{result.cr:.3f}",
                   verdict=t("ahp.cli.pass" if result.consistent else "ahp.cli.fail", lang)))
    ax.tick_params(axis="x", rotation=30)
    ax.tick_params(axis="y", rotation=0)
    return ax


def plot_weights(obj: Any, ax: Any = None, lang: str | None = None) -> Any:
    """Bar chart of the weights; for a Monte Carlo result, the 5–95% interval of each weight as error bars."""
    import seaborn as sns

    from toolkit.weights.sensitivity import MonteCarloResult

    if isinstance(obj, MonteCarloResult):
        s = obj.summary
        base = s["base"]
        err = np.vstack([(base - s["q05"]).clip(lower=0), (s["q95"] - base).clip(lower=0)])
    else:
        base = obj.weights if hasattr(obj, "weights") else pd.Series(obj, dtype=float)
        err = None
    ax = _axes(ax, (6.5, 0.6 + 0.45 * len(base)))
    df = pd.DataFrame({"element": [str(x) for x in base.index], "weight": base.to_numpy()})
    sns.barplot(data=df, y="element", x="weight", ax=ax, color=sns.color_palette()[0], orient="h")
    if err is not None:
        ax.errorbar(df["weight"], np.arange(len(df)), xerr=err, fmt="none", ecolor="black", capsize=3)
        ax.set_title(t("ahp.plot.weights_mc", lang, draws=obj.draws))
    else:
        ax.set_title(t("ahp.plot.weights", lang))
    ax.set_xlabel(t("ahp.plot.weight", lang))
    ax.set_ylabel("")
    return ax


def plot_sensitivity(oat: pd.DataFrame, ax: Any = None, lang: str | None = None) -> Any:
    """For each element the range its weight can take before the ranking changes (bar), and its weight (dot)."""
    ax = _axes(ax, (6.5, 0.6 + 0.45 * len(oat)))
    y = np.arange(len(oat))
    ax.hlines(y, oat["lower"], oat["upper"], linewidth=8, alpha=0.35)
    ax.plot(oat["weight"], y, "o", color="black")
    ax.set_yticks(y, [str(x) for x in oat.index])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(t("ahp.plot.weight", lang))
    ax.set_title(t("ahp.plot.sensitivity", lang))
    return ax
