"""Seaborn figures of the calibration review, labelled in Chinese (default) or English.

Each function takes the DataFrames of :mod:`toolkit.scoring.calibration` / :class:`toolkit.scoring.appraise.Appraisal` and
returns a matplotlib ``Figure``; nothing is computed here beyond what the review functions return.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from toolkit.documents.fonts import use_cjk_theme
from toolkit.model.messages import t

__all__ = [
    "plot_correlation",
    "plot_discrimination",
    "plot_grades_vs_target",
    "plot_pay_by_grade",
    "plot_rating_by_rater",
    "plot_score_by_role",
    "plot_what_if",
]


def _fig(w: float = 7, h: float = 4) -> tuple[Any, Any]:
    import matplotlib.pyplot as plt

    use_cjk_theme()
    fig, ax = plt.subplots(figsize=(w, h))
    return fig, ax


def _finish(fig: Any, ax: Any, title: str, lang: str | None, x: str | None = None,
            y: str | None = None) -> Any:
    """Title and axis labels from the message catalogue (``None`` keeps seaborn's, ``""`` clears), tight layout."""
    ax.set_title(t(title, lang))
    if x is not None:
        ax.set_xlabel(t(x, lang) if x else "")
    if y is not None:
        ax.set_ylabel(t(y, lang) if y else "")
    fig.tight_layout()
    return fig


def plot_score_by_role(totals: pd.DataFrame, lang: str | None = None) -> Any:
    import seaborn as sns

    fig, ax = _fig()
    sns.boxplot(data=totals, x="role", y="total", ax=ax, color="#9ecae1")
    # seaborn jitters the points with numpy's global generator: a fixed seed, so that a chart is the same in
    # every build and in the workshop (the caller's random state is left as it was)
    state = np.random.get_state()
    np.random.seed(2026)
    try:
        sns.stripplot(data=totals, x="role", y="total", ax=ax, color="#08519c", size=3)
    finally:
        np.random.set_state(state)
    return _finish(fig, ax, "scoring.plot.score_by_role", lang, "scoring.col.role", "scoring.col.total")


def plot_rating_by_rater(ratings: pd.DataFrame, lang: str | None = None) -> Any:
    import seaborn as sns

    r = ratings.dropna(subset=["rating"]).copy()
    r["rater"] = r["rater"].where(r["rater"].astype(str) != "", r["rater_kind"])
    order = r.groupby("rater")["rating"].mean().sort_values(ascending=False).index
    fig, ax = _fig(7, max(3, 0.3 * len(order)))
    sns.barplot(data=r, y="rater", x="rating", hue="rater_kind", order=order, ax=ax, errorbar=None)
    return _finish(fig, ax, "scoring.plot.rating_by_rater", lang, "scoring.col.rating", "")


def plot_grades_vs_target(dist: pd.DataFrame, lang: str | None = None) -> Any:
    """Bars of actual vs target share per grade (from :func:`toolkit.scoring.calibration.grade_distribution`)."""
    import seaborn as sns

    long = dist.melt(id_vars="grade", value_vars=["share", "target_share"], var_name="kind", value_name="v")
    long["kind"] = long["kind"].map({"share": t("scoring.plot.actual", lang),
                                     "target_share": t("scoring.plot.target", lang)})
    fig, ax = _fig()
    sns.barplot(data=long, x="grade", y="v", hue="kind", ax=ax)
    ax.legend(title="")
    return _finish(fig, ax, "scoring.plot.grades_vs_target", lang, "scoring.col.grade", "scoring.col.share")


def plot_correlation(corr: pd.DataFrame, lang: str | None = None, names: dict[str, str] | None = None) -> Any:
    import seaborn as sns

    c = corr.rename(index=names or {}, columns=names or {})
    fig, ax = _fig(7, 6)
    sns.heatmap(c, vmin=-1, vmax=1, cmap="RdBu_r", annot=True, fmt=".2f", ax=ax, square=True)
    return _finish(fig, ax, "scoring.plot.correlation", lang)


def plot_discrimination(disc: pd.DataFrame, lang: str | None = None, names: dict[str, str] | None = None) -> Any:
    import seaborn as sns

    d = disc.copy()
    d["label"] = [(names or {}).get(i, i) for i in d["indicator"]]
    fig, ax = _fig(7, max(3, 0.3 * len(d)))
    sns.barplot(data=d, y="label", x="std", hue="role", ax=ax)
    return _finish(fig, ax, "scoring.plot.discrimination", lang, y="scoring.col.indicator")


def plot_pay_by_grade(cost: pd.DataFrame, lang: str | None = None) -> Any:
    import seaborn as sns

    fig, ax = _fig()
    sns.barplot(data=cost, x="grade", y="performance_pay", ax=ax, color="#74c476")
    return _finish(fig, ax, "scoring.plot.pay_by_grade", lang, "scoring.col.grade", "scoring.col.performance_pay")


def plot_what_if(cmp: pd.DataFrame, lang: str | None = None) -> Any:
    import seaborn as sns

    cols = [c for c in cmp.columns if c.startswith("total_")]
    fig, ax = _fig(6, 6)
    sns.scatterplot(data=cmp, x=cols[0], y=cols[1], hue="grade_changed", style="role", ax=ax)
    lo = float(cmp[cols].min().min())
    hi = float(cmp[cols].max().max())
    ax.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--")
    return _finish(fig, ax, "scoring.plot.what_if", lang)
