"""Data-driven weights (entropy, CRITIC) from historical indicator values, to cross-check AHP weights.

Why: AHP weights say what managers value; entropy and CRITIC say which indicators actually separate people in
past data. A large gap (a heavily weighted indicator on which everyone scores the same) is worth discussing with
the client before the scheme goes live. :func:`blend` offers α·subjective + (1 − α)·objective when the client
wants both views in the final weights.

Examples
--------
>>> import pandas as pd
>>> data = pd.DataFrame({"线索量": [120, 80, 150, 95], "满意度": [4.5, 4.4, 4.6, 4.5]})
>>> w = entropy_weights(data)
>>> bool(w["线索量"] > 0 and abs(w.sum() - 1) < 1e-12)
True
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from toolkit.model.errors import InputError
from toolkit.model.messages import t

__all__ = ["blend", "compare_weights", "critic_weights", "entropy_weights", "normalise"]


def normalise(data: pd.DataFrame, directions: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Min–max scale each column to [0, 1] with 1 = best: ``higher`` (default), ``lower`` is better, or
    ``band`` (closest to the column median is best). Non-numeric columns or fewer than 3 rows are errors.

    Examples
    --------
    >>> import pandas as pd
    >>> normalise(pd.DataFrame({"成本": [10, 20, 30]}), {"成本": "lower"})["成本"].to_list()
    [1.0, 0.5, 0.0]
    """
    if not isinstance(data, pd.DataFrame) or data.shape[1] == 0:
        raise InputError(t("obj.no_data"), hint=t("obj.no_data.hint"))
    try:
        X = data.apply(pd.to_numeric, errors="raise").astype(float)
    except (ValueError, TypeError):
        bad = [c for c in data.columns if pd.to_numeric(data[c], errors="coerce").isna().gt(data[c].isna()).any()]
        raise InputError(t("obj.not_numeric", cols=t("ahp.list_sep").join(map(str, bad))), hint=t("obj.no_data.hint")) from None
    if X.notna().sum().min() < 3:
        raise InputError(t("obj.too_few_rows"), hint=t("obj.no_data.hint"))
    directions = dict(directions or {})
    for c in X.columns:
        d = directions.get(c, "higher")
        if d == "lower":
            X[c] = -X[c]
        elif d == "band":
            X[c] = -(X[c] - X[c].median()).abs()
        elif d != "higher":
            raise InputError(t("obj.direction", col=c, value=d))
    lo, hi = X.min(), X.max()
    span = (hi - lo).replace(0, np.nan)
    return ((X - lo) / span).fillna(0.0).where(X.notna())


def entropy_weights(data: pd.DataFrame, directions: Mapping[str, str] | None = None) -> pd.Series:
    """Entropy weight method: indicators whose normalised values are spread unevenly carry more information.

    p_ij = x'_ij / Σ_i x'_ij (x' shifted by 1e-4 so a worst score still counts), e_j = −Σ_i p_ij ln p_ij / ln m,
    w_j ∝ 1 − e_j. A column with no variation gets weight 0.

    Examples
    --------
    >>> import pandas as pd
    >>> entropy_weights(pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 1, 1, 4]})).round(3).to_dict()
    {'a': 0.213, 'b': 0.787}
    """
    Z = normalise(data, directions)
    Z = Z.where(Z.isna(), Z + 1e-4)
    P = Z / Z.sum()
    m = Z.notna().sum()
    e = -(P * np.log(P)).sum() / np.log(m)
    d = (1 - e).clip(lower=0)
    d[(data.apply(pd.to_numeric, errors="coerce").nunique() <= 1)] = 0.0
    if d.sum() <= 0:
        raise InputError(t("obj.no_variation"), hint=t("obj.no_variation.hint"))
    return (d / d.sum()).rename("entropy")


def critic_weights(data: pd.DataFrame, directions: Mapping[str, str] | None = None) -> pd.Series:
    """CRITIC (Diakoulaki et al. 1995): contrast (standard deviation) times conflict (Σ_k (1 − r_jk)).

    An indicator that varies a lot and is not redundant with the others gets more weight.

    Examples
    --------
    >>> import pandas as pd
    >>> critic_weights(pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 3, 2, 1], "c": [1, 3, 2, 4]})).round(3).to_dict()
    {'a': 0.275, 'b': 0.475, 'c': 0.25}
    """
    Z = normalise(data, directions)
    sd = Z.std(ddof=1)
    r = Z.corr().fillna(0.0)
    c = sd * (1 - r).sum()
    c = c.fillna(0.0)
    if c.sum() <= 0:
        raise InputError(t("obj.no_variation"), hint=t("obj.no_variation.hint"))
    return (c / c.sum()).rename("critic")


def compare_weights(subjective: pd.Series, **objective: pd.Series) -> pd.DataFrame:
    """Side-by-side weights (elements × methods) with each method's rank; ``.attrs['spearman']`` holds the rank
    correlation of every objective method with the subjective (AHP) weights.

    Examples
    --------
    >>> import pandas as pd
    >>> t = compare_weights(pd.Series({"a": 0.6, "b": 0.4}), entropy=pd.Series({"a": 0.3, "b": 0.7}))
    >>> list(t.columns)
    ['ahp', 'entropy', 'ahp_rank', 'entropy_rank']
    """
    s = pd.Series(subjective, dtype=float)
    s = s / s.sum()
    out = pd.DataFrame({"ahp": s})
    spearman = {}
    for name, w in objective.items():
        w = pd.Series(w, dtype=float).reindex(s.index)
        if w.isna().any():
            raise InputError(t("obj.missing_elements", method=name, ids=t("ahp.list_sep").join(map(str, s.index[w.isna()]))))
        out[name] = w / w.sum()
        spearman[name] = float(s.rank().corr(out[name].rank()))
    for col in list(out.columns):
        out[f"{col}_rank"] = out[col].rank(ascending=False, method="min").astype(int)
    out.attrs["spearman"] = spearman
    return out


def blend(subjective: pd.Series, objective: pd.Series, alpha: float = 0.5) -> pd.Series:
    """α·subjective + (1 − α)·objective, both normalised first; α = 1 keeps the AHP weights unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> blend(pd.Series({"a": 0.6, "b": 0.4}), pd.Series({"a": 0.2, "b": 0.8})).round(3).to_dict()
    {'a': 0.4, 'b': 0.6}
    """
    if not 0 <= alpha <= 1:
        raise InputError(t("obj.alpha", alpha=alpha), hint=t("obj.alpha.hint"))
    s = pd.Series(subjective, dtype=float)
    o = pd.Series(objective, dtype=float).reindex(s.index)
    if o.isna().any():
        raise InputError(t("obj.missing_elements", method="objective", ids=t("ahp.list_sep").join(map(str, s.index[o.isna()]))))
    b = alpha * s / s.sum() + (1 - alpha) * o / o.sum()
    return (b / b.sum()).rename("blend")
