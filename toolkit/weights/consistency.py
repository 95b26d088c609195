"""Priorities and consistency of stacks of pairwise matrices: principal eigenvector (LAPACK) or row geometric
mean, λmax, CI, CR against a stated random-index table, and the GCI. Batched, so 1,000 matrices cost one call.
"""
from __future__ import annotations

from typing import Literal

import numpy as np

from toolkit.model.errors import InputError
from toolkit.model.messages import t
from toolkit.weights.scale import Method

__all__ = [
    "RI_TABLES",
    "RITable",
    "as_stack",
    "consistency_ratio",
    "cr_of",
    "cr_threshold",
    "gci_threshold",
    "geometric_consistency_index",
    "harker_form",
    "lambda_max",
    "perron_pair",
    "priorities",
    "random_index",
    "ri_source",
    "solve_stack",
    "weights_and_cr",
]


RITable = Literal["saaty2005", "alonso-lamata"]


#: Random-index tables by n (index 0 is n = 1). Saaty (2005) *Theory and Applications of the ANP*, p. 31;
#: Alonso & Lamata (2006), with (1.7699 n − 4.3513)/(n − 1) beyond n = 15.
RI_TABLES: dict[str, tuple[float, ...]] = {
    "saaty2005": (0, 0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
    "alonso-lamata": (0, 0, 0.5247, 0.8816, 1.1086, 1.2479, 1.3417, 1.4057, 1.4499, 1.4854, 1.5140, 1.5365,
                      1.5551, 1.5713, 1.5838),
}


def random_index(n: int, table: str = "saaty2005", missing: int = 0, *, location: str = "") -> float:
    """Saaty's random index for an n×n matrix, from the named table.

    ``missing`` unjudged pairs lower it: the table's RI(n) is multiplied by the simulated ratio
    CI(n, m)/CI(n, 0) of random incomplete matrices completed by Harker's method (the seeded, cached table of
    :mod:`toolkit.weights.ri_simulation`); where the table does not reach (n > 15), by the linear approximation
    1 − 2m/((n−1)(n−2)) of Ágoston & Csató (2022). :func:`ri_source` says which was used. ``location`` (the
    file and matrix) is put in the error raised when the table does not reach n.

    Examples
    --------
    >>> random_index(4), random_index(2)
    (0.89, 0.0)
    >>> bool(random_index(8, missing=12) < random_index(8))
    True
    """
    if table not in RI_TABLES:
        raise InputError(t("ahp.ri_unknown", table=table), hint=t("ahp.ri_unknown.hint", known=", ".join(RI_TABLES)))
    if n <= 2:
        return 0.0
    tab = RI_TABLES[table]
    if n <= len(tab):
        ri = tab[n - 1]
    elif table == "alonso-lamata":
        ri = (1.7699 * n - 4.3513) / (n - 1)
    else:
        raise InputError(t("ahp.ri_too_big", n=n, table=table), location=location, hint=t("ahp.ri_too_big.hint"))
    if missing:
        from toolkit.weights.ri_table import simulated_ratio

        sim = simulated_ratio(n, int(missing))
        if sim is not None:
            ri *= sim[0]
        else:
            ri *= max(0.0, 1 - 2 * missing / ((n - 1) * (n - 2)))
    return float(ri)


def ri_source(n: int, table: str = "saaty2005", missing: int = 0) -> str:
    """Where the RI of an n×n matrix with ``missing`` unjudged pairs comes from, as a sentence for the report.

    Examples
    --------
    >>> ri_source(5, missing=0, table="saaty2005").startswith(("saaty2005", "table"))
    True
    """
    if not missing or n <= 2:
        return t("ahp.ri_source.table", table=table)
    from toolkit.weights.ri_table import simulated_ratio

    sim = simulated_ratio(n, int(missing))
    if sim is None:
        return t("ahp.ri_source.linear", table=table, n=n)
    return t("ahp.ri_source.simulated", table=table, n=n, m=missing, draws=f"{sim[1]:,}", seed=sim[2])


def cr_threshold(n: int) -> float:
    """Saaty's size-dependent acceptance threshold: 0.05 (n = 3), 0.08 (n = 4), 0.10 (n ≥ 5); n ≤ 2 always passes.

    Examples
    --------
    >>> [cr_threshold(n) for n in (2, 3, 4, 9)]
    [0.0, 0.05, 0.08, 0.1]
    """
    return 0.0 if n <= 2 else 0.05 if n == 3 else 0.08 if n == 4 else 0.10


def gci_threshold(n: int) -> float:
    """Aguarón & Moreno-Jiménez (2003) thresholds of the geometric consistency index: 0.31 / 0.35 / 0.37.

    Examples
    --------
    >>> [gci_threshold(n) for n in (3, 4, 5)]
    [0.31, 0.35, 0.37]
    """
    return 0.0 if n <= 2 else 0.31 if n == 3 else 0.35 if n == 4 else 0.37


# ============================================================================================ batched numerics
def _perron_eig(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal eigenpair by a full LAPACK eigen-decomposition (the reference; used as fallback)."""
    vals, vecs = np.linalg.eig(C)
    k = vals.real.argmax(-1)
    lam = np.take_along_axis(vals.real, k[..., None], -1)[..., 0]
    v = np.abs(np.take_along_axis(vecs.real, k[..., None, None], -1)[..., 0])
    return v / v.sum(-1, keepdims=True), lam


def _perron(C: np.ndarray, tol: float = 1e-15, max_iter: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Principal (Perron) eigenvector, normalised to sum 1, and eigenvalue of each matrix in a (k, n, n) stack.

    The matrices are positive (or primitive, for Harker's form), so the Perron root strictly dominates and the
    power method converges; squaring the matrix six times first (A^64, Saaty's own recipe) leaves only a few
    steps. This is several times faster than LAPACK's full decomposition on stacks of small matrices
    and agrees with it to ~1e-15; any matrix that has not converged after ``max_iter`` steps is handed to
    ``np.linalg.eig``.
    """
    k, n, _ = C.shape
    if n == 1:
        return np.ones((k, 1)), C[:, 0, 0].copy()
    B = C / C.sum(axis=(-2, -1), keepdims=True)
    for _ in range(6):
        B = B @ B
        B /= B.sum(axis=(-2, -1), keepdims=True)
    w = B.sum(-1)
    w /= w.sum(-1, keepdims=True)
    active = np.arange(k)
    lam = np.empty(k)
    W = np.empty((k, n))
    Ca, wa = C, w
    for _ in range(max_iter):
        v = (Ca @ wa[..., None])[..., 0]
        s = v.sum(-1)
        v /= s[:, None]
        done = np.abs(v - wa).max(-1) <= tol * 10
        if done.any():
            W[active[done]] = v[done]
            lam[active[done]] = s[done]
            keep = ~done
            active, Ca, v = active[keep], Ca[keep], v[keep]
            if not len(active):
                return W, lam
        wa = v
    if len(active):
        W[active], lam[active] = _perron_eig(Ca)
    return W, lam


def perron_pair(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal eigenvector (sum 1) and Perron root of each positive or primitive matrix of a (k, n, n) stack.

    Public so that the repair search can take the left vector too (the Perron pair of the transposed stack):
    Harker's derivative of λmax needs both.

    Examples
    --------
    >>> import numpy as np
    >>> w, lam = perron_pair(np.array([[[1.0, 2.0], [0.5, 1.0]]]))
    >>> w.round(4).tolist(), lam.round(6).tolist()
    ([[0.6667, 0.3333]], [2.0])
    """
    C = np.asarray(C, dtype=float)
    return _perron(C)


def harker_form(A: np.ndarray) -> np.ndarray:
    """Harker's (1987) matrix for a stack with NaN for unjudged pairs: 0 there, 1 + (#missing in the row) on the
    diagonal. Its Perron pair is that of the matrix completed with w_i/w_j, so λmax needs no completion loop.

    Examples
    --------
    >>> import numpy as np
    >>> harker_form(np.array([[1, 2, np.nan], [0.5, 1, 3], [np.nan, 1/3, 1]]))[0].tolist()
    [2.0, 2.0, 0.0]
    """
    A = np.asarray(A, dtype=float)
    known = ~np.isnan(A)
    C = np.where(known, A, 0.0)
    n = A.shape[-1]
    idx = np.arange(n)
    C[..., idx, idx] = 1.0 + (~known).sum(-1)
    return C


def _max_eigval(C: np.ndarray) -> np.ndarray:
    return _perron(C)[1]


def solve_stack(A: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, λmax and the completed matrices for a (k, n, n) stack; NaN marks an unjudged pair.

    Eigen + missing: Harker (1987) — 0 for each missing entry, 1 + (#missing in the row) on the diagonal; its
    Perron pair equals that of the matrix completed with w_i/w_j. Geometric + missing: logarithmic least squares
    on the comparison graph (a Laplacian solve), which reduces to the row geometric mean when complete.

    Examples
    --------
    >>> import numpy as np
    >>> w, lam, filled = solve_stack(np.array([[[1, 2, np.nan], [0.5, 1, 2], [np.nan, 0.5, 1]]]), "eigen")
    >>> w.round(4).tolist(), round(float(filled[0, 0, 2]), 6)
    ([[0.5714, 0.2857, 0.1429]], 4.0)
    """
    k, n, _ = A.shape
    known = ~np.isnan(A)
    complete = bool(known.all())
    if method == "eigen":
        if complete:
            w, lam = _perron(A)
            return w, lam, A
        C = np.where(known, A, 0.0)
        idx = np.arange(n)
        C[:, idx, idx] = 1.0 + (~known).sum(-1)
        w, lam = _perron(C)
    elif method == "geometric":
        logs = np.where(known, np.log(np.where(known, A, 1.0)), 0.0)
        if complete:
            x = logs.mean(-1)
        else:
            adj = known & ~np.eye(n, dtype=bool)
            L = -adj.astype(float)
            L[:, np.arange(n), np.arange(n)] = adj.sum(-1)
            x = np.linalg.solve(L + 1.0 / n, logs.sum(-1)[..., None])[..., 0]
        x = x - x.max(-1, keepdims=True)
        w = np.exp(x)
        w /= w.sum(-1, keepdims=True)
        filled = np.where(known, A, w[:, :, None] / w[:, None, :])
        lam = _max_eigval(filled) if n > 1 else np.ones(k)
        return w, lam, filled
    else:
        raise InputError(t("ahp.method_unknown", method=method), hint=t("ahp.method_unknown.hint"))
    filled = np.where(known, A, w[:, :, None] / w[:, None, :])
    return w, lam, filled


def as_stack(matrices: np.ndarray) -> tuple[np.ndarray, bool]:
    """A matrix or a stack as a (k, n, n) float stack, and whether it was a single matrix.

    Examples
    --------
    >>> S, single = as_stack([[1, 2], [0.5, 1]])
    >>> S.shape, single
    ((1, 2, 2), True)
    """
    A = np.asarray(matrices, dtype=float)
    single = A.ndim == 2
    return (A[None] if single else A), single


def priorities(matrices: np.ndarray, method: Method = "eigen") -> np.ndarray:
    """Priority vector(s) of a reciprocal matrix (n, n) or a stack (k, n, n); NaN entries are unjudged pairs.

    No validation: for checked input use :func:`analyse`. The stack form is what Monte Carlo and batch runs use.

    Examples
    --------
    >>> import numpy as np
    >>> priorities(np.array([[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]])).round(4).tolist()
    [0.5714, 0.2857, 0.1429]
    """
    A, single = as_stack(matrices)
    w, _, _ = solve_stack(A, method)
    return w[0] if single else w


def weights_and_cr(matrices: np.ndarray, method: Method = "eigen",
                   ri: RITable | str = "saaty2005") -> tuple[np.ndarray, np.ndarray]:
    """Weights (k, n) and CR (k,) of a (k, n, n) stack in one batched pass, without validation or diagnosis:
    what batch runs and Monte Carlo use. All matrices share n and the pattern of unjudged (NaN) pairs.

    Examples
    --------
    >>> import numpy as np
    >>> w, cr = weights_and_cr(np.array([[[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]], [[1, 3, 1/3], [1/3, 1, 3], [3, 1/3, 1]]]))
    >>> cr.round(3).tolist()
    [0.0, 1.282]
    """
    A, _ = as_stack(matrices)
    n = A.shape[-1]
    w, lam, _ = solve_stack(A, method)
    return w, cr_of(lam, n, random_index(n, ri, int(np.isnan(A[0]).sum() // 2)))


def lambda_max(matrices: np.ndarray) -> float | np.ndarray:
    """The Perron root λmax of a matrix or of each matrix in a stack (eigen method's λ, Harker-completed).

    Examples
    --------
    >>> import numpy as np
    >>> round(lambda_max(np.array([[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]])), 6)
    3.0
    """
    A, single = as_stack(matrices)
    _, lam, _ = solve_stack(A, "eigen")
    return float(lam[0]) if single else lam


def consistency_ratio(matrices: np.ndarray, ri: str = "saaty2005", method: Method = "eigen") -> float | np.ndarray:
    """CR = (λmax − n)/(n − 1)/RI for a matrix or a stack; 0 for n ≤ 2 (consistent by definition).

    Examples
    --------
    >>> import numpy as np
    >>> round(consistency_ratio(np.array([[1, 3, 5], [1/3, 1, 2], [1/5, 1/2, 1]])), 4)
    0.0036
    """
    A, single = as_stack(matrices)
    n = A.shape[-1]
    _, lam, _ = solve_stack(A, method)
    missing = int(np.isnan(A[0]).sum() // 2)
    r = random_index(n, ri, missing)
    cr = np.maximum((lam - n) / (n - 1), 0.0) / r if r > 0 else np.zeros(len(A))
    return float(cr[0]) if single else cr


def geometric_consistency_index(matrix: np.ndarray, weights: np.ndarray | None = None) -> float:
    """GCI = 2/((n−1)(n−2)) Σ_{i<j} log²(a_ij w_j/w_i), over judged pairs (the RGMM-compatible index).

    Examples
    --------
    >>> import numpy as np
    >>> round(geometric_consistency_index(np.array([[1, 3, 5], [1/3, 1, 2], [1/5, 1/2, 1]])), 4)
    0.0111
    """
    A = np.asarray(matrix, dtype=float)
    n = A.shape[0]
    if n <= 2:
        return 0.0
    w = priorities(A, "geometric") if weights is None else np.asarray(weights, dtype=float)
    iu = np.triu_indices(n, 1)
    e = np.log(A[iu] * w[iu[1]] / w[iu[0]])
    return float(2.0 / ((n - 1) * (n - 2)) * np.nansum(e ** 2))


def cr_of(lam: np.ndarray, n: int, ri: float) -> np.ndarray:
    """CR of Perron roots ``lam`` for size n and a random index: (λ − n)/(n − 1)/RI, 0 for n ≤ 2.

    Examples
    --------
    >>> import numpy as np
    >>> cr_of(np.array([3.0, 3.0536]), 3, 0.52).round(4).tolist()
    [0.0, 0.0515]
    """
    if n <= 2 or ri <= 0:
        return np.zeros_like(lam)
    return np.maximum((lam - n) / (n - 1), 0.0) / ri
