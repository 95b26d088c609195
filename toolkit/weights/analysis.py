"""One AHP analysis: weights, λmax, CI, CR and the ranked most-inconsistent judgments in one call
(:func:`analyse`, ~1 ms for 10×10), and which missing pair to ask next for an incomplete matrix.

Examples
--------
>>> import numpy as np
>>> r = analyse(np.array([[1, 3, 5], [1/3, 1, 2], [1/5, 1/2, 1]]), names=["品牌", "线索", "内容"])
>>> round(float(r.weights["品牌"]), 3), r.consistent
(0.648, True)
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit.model.errors import InputError
from toolkit.model.messages import t
from toolkit.weights.consistency import (
    RI_TABLES,
    RITable,
    cr_of,
    cr_threshold,
    gci_threshold,
    geometric_consistency_index,
    random_index,
    ri_source,
    solve_stack,
)
from toolkit.weights.judgments import judgment_set
from toolkit.weights.limits import check_size
from toolkit.weights.repair import best_fit_table
from toolkit.weights.scale import RECIPROCAL_TOL, SCALE_TOL, Method, located, snap_to_scale

__all__ = [
    "AHPResult",
    "analyse",
    "analyse_matrix",
    "as_matrix",
    "check_connected",
    "connected_groups",
    "diagnosis_table",
    "next_pairs",
]


# ============================================================================================ analysis
@dataclass
class AHPResult:
    """Everything about one pairwise matrix: weights, consistency, the method and the RI table used."""

    names: tuple[str, ...]
    matrix: np.ndarray
    completed: np.ndarray
    weights: pd.Series
    method: str
    lambda_max: float
    ci: float
    cr: float
    ri: float
    ri_table: str
    threshold: float
    consistent: bool
    gci: float
    gci_threshold: float
    n: int
    missing: int
    most_inconsistent: pd.DataFrame
    ri_source: str = ""
    #: judged pairs, and how many of them were diagnosed (fewer only above ``limits.FULL_DIAGNOSIS_MAX``)
    pairs: int = 0
    diagnosed: int = 0

    @property
    def screened(self) -> bool:
        """Whether the diagnosis covered only the most deviating judgments (see :mod:`toolkit.weights.limits`)."""
        return self.diagnosed < self.pairs

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        """Plain JSON-ready data (the ``appraisal ahp --json`` object).

        Examples
        --------
        >>> r = analyse([("a", "b", 2), ("b", "c", 2), ("a", "c", 4)])
        >>> d = r.to_dict()
        >>> d["weights"]["a"].__round__(4), d["consistent"], d["most_inconsistent"]
        (0.5714, True, [])
        """
        mi = self.most_inconsistent if top is None else self.most_inconsistent.head(top)
        return {
            "weights": {k: float(v) for k, v in self.weights.items()},
            "lambda_max": float(self.lambda_max), "ci": float(self.ci), "cr": float(self.cr),
            "ri": float(self.ri), "ri_table": self.ri_table, "threshold": float(self.threshold),
            "consistent": bool(self.consistent), "method": self.method, "n": self.n, "missing": self.missing,
            "gci": float(self.gci), "gci_threshold": float(self.gci_threshold), "ri_source": self.ri_source,
            "diagnosis": {"scope": "screened" if self.screened else "full", "pairs": self.pairs,
                          "diagnosed": self.diagnosed},
            "most_inconsistent": [
                {"row": r.row, "col": r.col, "value": float(r.value), "suggested": float(r.suggested),
                 "cr_after": float(r.cr_after), "epsilon": float(r.epsilon),
                 "implied": None if r.implied != r.implied else float(r.implied),
                 "cr_min_value": float(r.cr_min_value), "cr_min": float(r.cr_min), "reversed": bool(r.reversed)}
                for r in mi.itertuples()],
        }


def connected_groups(A: np.ndarray) -> list[list[int]]:
    """Which elements are linked by judgments (the comparison graph's components): a matrix with more than one group has no weights.

    Examples
    --------
    >>> import numpy as np
    >>> connected_groups(np.array([[1, 2, np.nan], [0.5, 1, np.nan], [np.nan, np.nan, 1]]))
    [[0, 1], [2]]
    """
    from scipy.sparse.csgraph import connected_components

    known = ~np.isnan(A)
    _, labels = connected_components(known.astype(int), directed=False)
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(int(lab), []).append(i)
    return list(groups.values())


def check_connected(A: np.ndarray, names: Sequence[str], location: str = "") -> None:
    """Raise an :class:`InputError` naming the groups when the judgments are not connected.

    Examples
    --------
    >>> import numpy as np
    >>> check_connected(np.array([[1, 2], [0.5, 1]]), ["a", "b"]) is None
    True
    """
    groups = connected_groups(A)
    if len(groups) > 1:
        text = t("ahp.group_sep").join("{" + t("ahp.list_sep").join(names[i] for i in g) + "}" for g in groups)
        raise InputError(t("ahp.disconnected", n=len(groups), groups=text),
                         location=located(location, t("ahp.loc.matrix", n=len(names))),
                         hint=t("ahp.disconnected.hint", a=names[groups[0][0]], b=names[groups[1][0]]))


def as_matrix(judgments: Any, names: Sequence[str] | None) -> tuple[np.ndarray, tuple[str, ...], str]:
    """Any input of :func:`analyse` as (matrix with NaN for unjudged pairs, names, source file).

    Examples
    --------
    >>> A, names, source = as_matrix([("a", "b", 3)], None)
    >>> A.tolist(), names
    ([[1.0, 3.0], [0.3333333333333333, 1.0]], ('a', 'b'))
    """
    if isinstance(judgments, AHPResult):  # re-analyse / perturb a previous result: its names come along
        return judgments.matrix, tuple(judgments.names), ""
    if isinstance(judgments, np.ndarray) and judgments.dtype.kind == "f" and judgments.ndim == 2 \
            and judgments.shape[0] == judgments.shape[1] \
            and np.all(np.isnan(judgments) | (judgments > 0)):
        # fast path for the workshop: a float matrix from our own code; still checked for reciprocity
        A = judgments
        n = A.shape[0]
        check_size(n, t("ahp.loc.matrix", n=n))
        names = [str(k + 1) for k in range(n)] if names is None else names
        if len(names) != n:
            raise InputError(t("ahp.names_count", names=len(names), n=n), location="names",
                             hint=t("ahp.names_count.hint", names=len(names), n=n))
        with np.errstate(invalid="ignore"):
            prod = np.log(A * A.T)
        diag = np.diag(A)
        if np.all(np.abs(diag - 1) < 1e-9) and not np.any(np.abs(np.nan_to_num(prod)) > RECIPROCAL_TOL) \
                and not np.any(np.isnan(A) != np.isnan(A.T)) and np.all(
                    np.isnan(A) | ((A >= 1 / 9 / SCALE_TOL) & (A <= 9 * SCALE_TOL))):
            iu = np.triu_indices(n, 1)
            B = np.full_like(A, np.nan)
            B[iu] = A[iu]
            B[(iu[1], iu[0])] = 1 / A[iu]
            np.fill_diagonal(B, 1.0)
            return B, tuple(str(x) for x in names), ""
    js = judgment_set(judgments, elements=names)
    return js.matrix(), js.elements, js.source


def diagnosis_table(A: np.ndarray, w: np.ndarray, names: Sequence[str], method: str, ri_value: float,
                    cr_now: float | None = None) -> pd.DataFrame:
    """Every judged pair with what the *other* judgments imply and the best change on Saaty's scale.

    A thin wrapper of :func:`toolkit.weights.repair.best_fit_table` (see there for the columns): the value the
    others imply comes from leaving the judgment out (Harker completion), not from w_i/w_j of weights that were
    computed with the bad judgment in them; ``suggested`` is the CR-minimising scale value and never raises CR.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([8, 4, 2, 1.0])
    >>> A = w[:, None] / w[None, :]
    >>> A[0, 3], A[3, 0] = 1 / 8, 8                        # typed the wrong way round
    >>> top = diagnosis_table(A, np.full(4, 0.25), list("abcd"), "eigen", 0.89).iloc[0]
    >>> top.row, top.col, round(float(top.implied), 6), float(top.suggested), bool(top.reversed)
    ('a', 'd', 8.0, 8.0, True)
    """
    if cr_now is None:
        n = len(names)
        cr_now = float(cr_of(solve_stack(A[None], method)[1], n, ri_value)[0]) if n > 2 else 0.0
    return best_fit_table(A, w, names, method, ri_value, cr_now)


def analyse_matrix(A: np.ndarray, names: tuple[str, ...], method: str, ri: str, top: int | None,
                    source: str = "") -> AHPResult:
    """The analysis of a checked matrix (what :func:`analyse` calls after reading its input).

    Examples
    --------
    >>> import numpy as np
    >>> r = analyse_matrix(np.array([[1, 2.0], [0.5, 1]]), ("a", "b"), "eigen", "saaty2005", 5)
    >>> r.weights.round(4).to_list(), r.cr
    ([0.6667, 0.3333], 0.0)
    """
    n = A.shape[0]
    if n == 0:
        raise InputError(t("ahp.no_judgments"), location=source, hint=t("ahp.pairs.hint"))
    missing = int(np.isnan(A).sum() // 2)
    if missing:
        check_connected(A, names, source)
    ri_value = random_index(n, ri, missing, location=located(source, t("ahp.loc.matrix", n=n)))
    w, lam, filled = solve_stack(A[None], method)
    w, lam, filled = w[0], float(lam[0]), filled[0]
    ci = max((lam - n) / (n - 1), 0.0) if n > 2 else 0.0
    cr = float(cr_of(np.array([lam]), n, ri_value)[0])
    thr = cr_threshold(n)
    diag = diagnosis_table(A, w, names, method, ri_value, cr)
    if len(diag):
        vals = diag["value"].to_numpy()
        mi = diag[(diag["suggested"].to_numpy() != vals)
                  & (diag["suggested"].to_numpy() != np.asarray(snap_to_scale(vals)))]
    else:
        mi = diag
    mi = mi.reset_index(drop=True)
    if top is not None:
        mi = mi.head(top)
    gci = geometric_consistency_index(A, w if method == "geometric" else None) if n > 2 else 0.0
    return AHPResult(
        names=names, matrix=A, completed=filled, weights=pd.Series(w, index=list(names), name="weight"),
        method=method, lambda_max=lam, ci=ci, cr=cr, ri=ri_value, ri_table=ri, threshold=thr,
        consistent=bool(n <= 2 or cr <= thr + 1e-12), gci=gci, gci_threshold=gci_threshold(n), n=n,
        missing=missing, most_inconsistent=mi, ri_source=ri_source(n, ri, missing),
        pairs=n * (n - 1) // 2 - missing if n > 2 else 0, diagnosed=len(diag) if n > 2 else 0,
    )


def analyse(judgments: Any, *, names: Sequence[str] | None = None, method: Method = "eigen",
            ri: RITable | str = "saaty2005", top: int | None = 5) -> AHPResult:
    """Weights, λmax, CI, CR (with the RI table named) and the ranked most-inconsistent judgments, in one call.

    This is the single fast entry point (about 1–3 ms for a 10×10 matrix including diagnosis). ``judgments`` may
    be a matrix (NaN or blanks for unjudged pairs: Harker's method for ``eigen``, logarithmic least squares for
    ``geometric``), a DataFrame, a :class:`JudgmentSet` with one participant, a list of
    :class:`toolkit.model.schema.Judgment` or of ``(a, b, value)``. ``top`` limits ``most_inconsistent`` (None = all
    pairs whose value differs from its best fit on the scale).

    Examples
    --------
    >>> r = analyse([("线索量", "品牌曝光", 3), ("线索量", "内容产出", 5), ("品牌曝光", "内容产出", 2)])
    >>> r.weights.round(3).to_dict()
    {'线索量': 0.648, '品牌曝光': 0.23, '内容产出': 0.122}
    """
    if method not in ("eigen", "geometric"):
        raise InputError(t("ahp.method_unknown", method=method), hint=t("ahp.method_unknown.hint"))
    if ri not in RI_TABLES:
        raise InputError(t("ahp.ri_unknown", table=ri), hint=t("ahp.ri_unknown.hint", known=", ".join(RI_TABLES)))
    A, nm, source = as_matrix(judgments, names)
    return analyse_matrix(A, nm, method, ri, top, source)


def next_pairs(judgments: Any, *, names: Sequence[str] | None = None, k: int = 3) -> pd.DataFrame:
    """The unjudged pairs most worth asking next, for an incomplete (or disconnected) set of judgments.

    Pairs whose elements are farthest apart in the comparison graph come first (a pair across two disconnected
    groups is infinitely far): comparison graphs of small diameter give the most reliable weights (Szádoczki,
    Bozóki et al.), and a cross-group pair is the only way to make a disconnected set usable. Ties go to pairs
    whose elements have been compared least often.

    Examples
    --------
    >>> next_pairs([("a", "b", 2), ("b", "c", 2), ("c", "d", 2)], k=1).to_dict("records")
    [{'a': 'a', 'b': 'd', 'distance': 3.0, 'compared': 2}]
    """
    from scipy.sparse.csgraph import shortest_path

    if isinstance(judgments, AHPResult):
        A, nm = judgments.matrix, judgments.names
    elif isinstance(judgments, np.ndarray) and names is not None:
        A, nm = np.asarray(judgments, dtype=float), tuple(names)
    else:
        js = judgment_set(judgments, elements=names)
        A, nm = js.matrix(), js.elements
    n = len(nm)
    known = ~np.isnan(A) & ~np.eye(n, dtype=bool)
    dist = shortest_path(known.astype(float), directed=False, unweighted=True)
    deg = known.sum(1)
    iu = np.triu_indices(n, 1)
    todo = ~known[iu]
    I, J = iu[0][todo], iu[1][todo]
    d = dist[I, J]
    load = deg[I] + deg[J]
    order = np.lexsort((J, I, load, -np.where(np.isinf(d), np.finfo(float).max, d)))[:k]
    return pd.DataFrame({"a": [nm[i] for i in I[order]], "b": [nm[j] for j in J[order]], "distance": d[order],
                         "compared": load[order]})
