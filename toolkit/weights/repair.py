"""Finding the real mistake in a pairwise matrix and the fewest changes that make it consistent.

Why this module exists: the value w_i/w_j of the current weights is pulled toward the bad judgment itself (the
weights were computed *with* it), so a reversed 1/8 in a consistent matrix used to get "best fit 1/2". Here each
judgment is compared with what the *other* judgments say:

* **leave-one-out completion** (``implied``): the judgment is removed and the value the others imply is read
  from Harker's completion of the incomplete matrix;
* **CR-minimising value**, continuous (``cr_min_value``: the optimal completion of Bozóki, Fülöp & Rónyai 2010,
  λmax being a convex function of log a_ij) and on Saaty's scale (``suggested``: all 17 values tried at once);
* **reversed entries**: a judgment whose reciprocal is close to what the others imply ("you gave 1/8, the others
  imply 8").

A change that would not lower CR is never suggested. :func:`minimal_repair` searches, level by level, for the
fewest changed judgments that bring CR under the threshold: for each set of k judgments, the lowest λmax reachable
by changing only them (values in [1/9, 9]) is a convex problem, solved for all sets of a level at once; a
gradient lower bound proves a set infeasible, so a plan is *proven minimal* when every smaller set was refuted.

Examples
--------
>>> import numpy as np
>>> w = np.array([8, 4, 2, 1.0])
>>> A = w[:, None] / w[None, :]
>>> A[0, 3], A[3, 0] = 1 / 8, 8                     # typed the wrong way round
>>> cr = cr_of(solve_stack(A[None], "eigen")[1], 4, 0.89)[0]
>>> t = best_fit_table(A, w / w.sum(), ["a", "b", "c", "d"], "eigen", 0.89, float(cr))
>>> top = t.iloc[0]
>>> top.row, top.col, float(top.suggested), bool(top.reversed)
('a', 'd', 8.0, True)
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from toolkit.weights.consistency import cr_of, harker_form, perron_pair, solve_stack
from toolkit.weights.limits import MAX_REPAIR_CHANGES, SCREENED_PAIRS, screened
from toolkit.weights.scale import SCALE

__all__ = [
    "MinimalRepair",
    "best_fit_table",
    "is_reversed",
    "lambda_target",
    "minimal_repair",
    "minimise_lambda",
    "screen_pairs",
]

LO, HI = math.log(1 / 9), math.log(9)

#: columns of the diagnosis table, in order
COLUMNS = ["row", "col", "i", "j", "value", "epsilon", "implied", "best_fit", "cr_min_value", "cr_min",
           "suggested", "cr_after", "reversed"]


def lambda_target(n: int, ri: float, threshold: float) -> float:
    """The largest λmax with CR ≤ ``threshold``: n + threshold·RI·(n − 1) (CR = (λ − n)/(n − 1)/RI).

    Examples
    --------
    >>> round(lambda_target(4, 0.89, 0.08), 4)
    4.2136
    """
    return n + threshold * ri * (n - 1)


def minimise_lambda(C0: np.ndarray, I: np.ndarray, J: np.ndarray, *, target: float | None = None,
                    iters: int = 60, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lowest Perron root reachable by changing only the entries (I[s], J[s]) (and their reciprocals) of the
    Harker-form matrix ``C0``, for every set s of a batch, with the values kept in [1/9, 9].

    Why it is exact enough to *prove* things: with t = log a_ij, λmax is a convex function of t (Bozóki, Fülöp &
    Rónyai 2010, from Kingman's log-convexity theorem), so a stationary point is the minimum and, for any t,
    λ(t) + Σ min(g·(lo − t), g·(hi − t)) with g = ∂λ/∂t = (v_i w_j a_ij − v_j w_i / a_ij)/(v·w) (Harker 1987;
    v, w the left and right Perron vectors) is a valid lower bound over the box. Each step sets every free entry to
    the value that zeroes its own derivative, a_ij = sqrt(v_j w_i / (v_i w_j)), for all sets at once. With
    ``target``, a set stops as soon as it is decided (λ ≤ target reached, or the lower bound above it).

    Returns (t_best (m, k), λ_best (m,), lower bound (m,)).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1, 2, 1/4], [1/2, 1, 2], [4, 1/2, 1]])   # a_13 should be 4: 2·2
    >>> t, lam, lower = minimise_lambda(A, np.array([[0]]), np.array([[2]]))
    >>> round(float(np.exp(t[0, 0])), 4), round(float(lam[0]), 6), bool(lower[0] <= lam[0] + 1e-9)
    (4.0, 3.0, True)
    """
    C0 = np.asarray(C0, dtype=float)
    I, J = np.atleast_2d(I), np.atleast_2d(J)
    m = I.shape[0]
    t = np.log(C0[I, J])
    best_t, best_lam = t.copy(), np.full(m, np.inf)
    lower = np.full(m, -np.inf)
    active = np.arange(m)
    for _ in range(iters):
        if not len(active):
            break
        ta, Ia, Ja = t[active], I[active], J[active]
        rows = np.arange(len(active))[:, None]
        C = np.repeat(C0[None], len(active), axis=0)
        e = np.exp(ta)
        C[rows, Ia, Ja] = e
        C[rows, Ja, Ia] = 1.0 / e
        w, lam = perron_pair(C)
        v, _ = perron_pair(C.transpose(0, 2, 1))
        vw = (v * w).sum(1)
        vi, vj, wi, wj = v[rows, Ia], v[rows, Ja], w[rows, Ia], w[rows, Ja]
        g = (vi * wj * e - vj * wi / e) / vw[:, None]
        lb = lam + np.minimum(g * (LO - ta), g * (HI - ta)).sum(1)
        lower[active] = np.maximum(lower[active], lb)
        better = lam < best_lam[active]
        best_lam[active[better]] = lam[better]
        best_t[active[better]] = ta[better]
        with np.errstate(divide="ignore", invalid="ignore"):
            t_new = np.clip(0.5 * np.log((vj * wi) / (vi * wj)), LO, HI)
        t_new = np.where(np.isfinite(t_new), t_new, ta)
        t[active] = t_new
        done = np.abs(t_new - ta).max(1) < tol
        if target is not None:
            done |= (best_lam[active] <= target) | (lower[active] > target)
        active = active[~done]
    lower = np.minimum(lower, best_lam)
    return best_t, best_lam, lower


def is_reversed(value: np.ndarray | float, implied: np.ndarray | float) -> np.ndarray | bool:
    """Does a judgment look typed the wrong way round? True when it is not near 1 (≥ 2 or ≤ 1/2), what the other
    judgments imply lies on the other side of 1, and the reciprocal is clearly closer to it than the value is
    (in log space, at most 0.3 times as far).

    Examples
    --------
    >>> bool(is_reversed(1 / 8, 8.0)), bool(is_reversed(1 / 8, 1 / 5)), bool(is_reversed(1.0, 5.0))
    (True, False, False)
    """
    lv, lx = np.log(np.asarray(value, dtype=float)), np.log(np.asarray(implied, dtype=float))
    with np.errstate(invalid="ignore"):
        out = (np.abs(lv) >= math.log(2) - 1e-9) & (lv * lx < 0) & (np.abs(lx + lv) <= 0.3 * np.abs(lx - lv))
    return bool(out) if np.ndim(out) == 0 else out


def _loo_implied(A: np.ndarray, I: np.ndarray, J: np.ndarray, method: str) -> np.ndarray:
    """w'_i/w'_j of the matrix without judgment (i, j), for every pair at once; NaN where removing it would
    disconnect the comparisons (a bridge: nothing else says anything about that pair)."""
    from scipy.sparse.csgraph import connected_components

    P = len(I)
    stack = np.repeat(A[None], P, axis=0)
    k = np.arange(P)
    stack[k, I, J] = np.nan
    stack[k, J, I] = np.nan
    ok = np.ones(P, dtype=bool)
    if np.isnan(A).any():
        for s in range(P):
            ok[s] = connected_components((~np.isnan(stack[s])).astype(int), directed=False)[0] == 1
    out = np.full(P, np.nan)
    if ok.any():
        w, _, _ = solve_stack(stack[ok], method)
        out[ok] = w[np.arange(ok.sum()), I[ok]] / w[np.arange(ok.sum()), J[ok]]
    return out


def _scale_cr(A: np.ndarray, I: np.ndarray, J: np.ndarray, method: str, ri_value: float) -> np.ndarray:
    """(P, 17): the CR with judgment (I[p], J[p]) set to each value of Saaty's scale (one batched solve)."""
    n = A.shape[0]
    P, S = len(I), len(SCALE)
    stack = np.repeat(A[None], P * S, axis=0)
    p = np.repeat(np.arange(P), S)
    vals = np.tile(SCALE, P)
    k = np.arange(P * S)
    stack[k, I[p], J[p]] = vals
    stack[k, J[p], I[p]] = 1.0 / vals
    _, lam, _ = solve_stack(stack, method)
    return cr_of(lam, n, ri_value).reshape(P, S)


def screen_pairs(A: np.ndarray, w: np.ndarray, I: np.ndarray, J: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The judged pairs worth the costly diagnosis: all of them up to ``FULL_DIAGNOSIS_MAX`` elements, beyond
    that the :data:`~toolkit.weights.limits.SCREENED_PAIRS` with the largest |log ε| (ε = a_ij·w_j/w_i), so the
    work no longer grows like n⁵ (see :mod:`toolkit.weights.limits`).

    Examples
    --------
    >>> import numpy as np
    >>> n = 25
    >>> A = np.ones((n, n)); A[0, 1], A[1, 0] = 9, 1 / 9
    >>> iu = np.triu_indices(n, 1)
    >>> I, J = screen_pairs(A, np.full(n, 1 / n), *iu)
    >>> len(I), (int(I[0]), int(J[0]))
    (20, (0, 1))
    """
    if not screened(A.shape[0]) or len(I) <= SCREENED_PAIRS:
        return I, J
    dev = np.abs(np.log(A[I, J] * w[J] / w[I]))
    keep = np.argsort(-dev, kind="stable")[:SCREENED_PAIRS]
    return I[keep], J[keep]


def best_fit_table(A: np.ndarray, w: np.ndarray, names: Sequence[str], method: str, ri_value: float,
                   cr_now: float) -> pd.DataFrame:
    """Every judged pair: its value, Saaty's ε = a_ij·w_j/w_i, the value the *other* judgments imply
    (``implied``, leave-one-out Harker completion; ``best_fit`` is the same), the continuous CR-minimising value
    and its CR, the best value on Saaty's scale (``suggested``) with the CR after that one change, and whether the
    judgment looks reversed. Above ``FULL_DIAGNOSIS_MAX`` elements only the pairs of :func:`screen_pairs` are in
    the table.

    ``suggested`` equals the current value (and ``cr_after`` the current CR) when no scale value lowers CR, so a
    suggestion never raises CR. Ranked by benefit: lowest ``cr_after`` first, ties (1e-9) broken by how far the
    judgment is from what the others imply.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]])
    >>> d = best_fit_table(A, np.array([4, 2, 1]) / 7, ["a", "b", "c"], "eigen", 0.52, 0.0)
    >>> float(d["cr_after"].max()), bool((d["suggested"] == d["value"]).all())   # consistent: nothing to change
    (0.0, True)
    """
    n = len(names)
    if n <= 2:
        return pd.DataFrame(columns=COLUMNS)
    iu = np.triu_indices(n, 1)
    ok = ~np.isnan(A[iu])
    I, J = screen_pairs(A, w, iu[0][ok], iu[1][ok])
    vals = A[I, J]
    eps = vals * w[J] / w[I]
    implied = _loo_implied(A, I, J, method)
    crs = _scale_cr(A, I, J, method, ri_value)
    pick = crs.argmin(1)
    cr_after = crs[np.arange(len(I)), pick]
    sugg = SCALE[pick]
    helps = cr_after < cr_now - 1e-12
    sugg = np.where(helps, sugg, vals)
    cr_after = np.where(helps, cr_after, cr_now)
    t, lam, _ = minimise_lambda(harker_form(A), I[:, None], J[:, None], iters=40)
    cr_min = np.minimum(cr_of(lam, n, ri_value), cr_now)
    cr_min_value = np.where(cr_of(lam, n, ri_value) < cr_now - 1e-12, np.exp(t[:, 0]), vals)
    # "looks reversed" only when typing the reciprocal would remove most of the inconsistency (at least half
    # of CR): otherwise every judgment pulled by the one real mistake would look reversed too
    rec = np.abs(np.log(1.0 / vals)[:, None] - np.log(SCALE)).argmin(1)
    rec_cr = crs[np.arange(len(I)), rec]
    rev = (np.asarray(is_reversed(vals, np.where(np.isnan(implied), 1.0, implied)), dtype=bool) & helps
           & (rec_cr <= 0.5 * cr_now))
    dev = np.abs(np.log(vals / np.where(np.isnan(implied), vals, implied)))
    o = np.lexsort((-dev, np.round(cr_after, 9)))
    return pd.DataFrame({
        "row": [names[i] for i in I[o]], "col": [names[j] for j in J[o]], "i": I[o], "j": J[o],
        "value": vals[o], "epsilon": eps[o], "implied": implied[o], "best_fit": implied[o],
        "cr_min_value": cr_min_value[o], "cr_min": cr_min[o], "suggested": sugg[o], "cr_after": cr_after[o],
        "reversed": rev[o],
    })


# ============================================================================================ minimal repair
@dataclass
class MinimalRepair:
    """The fewest judgments to change, their new values (on Saaty's scale) and whether that is proven minimal.

    ``proven`` means: every set of fewer judgments was shown unable to reach the threshold even with any
    continuous values in [1/9, 9]. ``lower_bound`` is the proven least number of changes (equal to the plan's
    length when proven). ``search`` says how the plan was found: ``"exact"`` (level-by-level search) or
    ``"greedy"`` (each step the one scale change that lowers CR most, used beyond ``max_subsets``).
    """

    changes: list[tuple[int, int, float]]
    cr_after: float
    reaches_threshold: bool
    proven: bool
    lower_bound: int
    search: str
    levels_searched: int = 0
    subsets_tried: int = 0
    notes: list[str] = field(default_factory=list)


def _cr_with(A: np.ndarray, changes: Sequence[tuple[int, int, float]], method: str, ri_value: float) -> float:
    B = A.copy()
    for i, j, v in changes:
        B[i, j], B[j, i] = v, 1.0 / v
    return float(cr_of(solve_stack(B[None], method)[1], A.shape[0], ri_value)[0])


def _greedy(A: np.ndarray, I: np.ndarray, J: np.ndarray, method: str, ri_value: float, thr: float, cr: float,
            limit: int) -> tuple[list[tuple[int, int, float]], float]:
    """Each step: of all unchanged judgments and all 17 scale values, the single change with the lowest CR."""
    B = A.copy()
    changes: list[tuple[int, int, float]] = []
    free = np.ones(len(I), dtype=bool)
    while cr > thr + 1e-12 and len(changes) < limit and free.any():
        idx = np.flatnonzero(free)
        crs = _scale_cr(B, I[idx], J[idx], method, ri_value)
        p, s = np.unravel_index(np.argmin(crs), crs.shape)
        if crs[p, s] >= cr - 1e-12:
            break
        q = idx[p]
        i, j, v = int(I[q]), int(J[q]), float(SCALE[s])
        B[i, j], B[j, i] = v, 1.0 / v
        changes.append((i, j, v))
        free[q] = False
        cr = float(crs[p, s])
    return changes, cr


def _realise(A: np.ndarray, subsets: np.ndarray, I: np.ndarray, J: np.ndarray, t: np.ndarray, method: str,
             ri_value: float, thr: float) -> tuple[list[tuple[int, int, float]], float] | None:
    """Scale values for continuous-feasible sets: the nearest scale value of each optimum first, then every
    combination of the two scale neighbours; the feasible combination with the lowest CR wins."""
    n = A.shape[0]
    k = subsets.shape[1]
    pos = np.interp(t, np.log(SCALE), np.arange(len(SCALE)))          # fractional position on the scale
    lo_idx = np.clip(np.floor(pos).astype(int), 0, len(SCALE) - 1)
    hi_idx = np.clip(lo_idx + 1, 0, len(SCALE) - 1)
    combos = np.array(list(np.ndindex(*(2,) * k)))                   # (2^k, k)
    cand_idx = np.where(combos[None, :, :] == 0, lo_idx[:, None, :], hi_idx[:, None, :])   # (m, 2^k, k)
    m = len(subsets)
    flat = cand_idx.reshape(-1, k)
    sub = np.repeat(subsets, len(combos), axis=0)
    stack = np.repeat(A[None], len(flat), axis=0)
    rows = np.arange(len(flat))[:, None]
    vals = SCALE[flat]
    stack[rows, I[sub], J[sub]] = vals
    stack[rows, J[sub], I[sub]] = 1.0 / vals
    _, lam, _ = solve_stack(stack, method)
    cr = cr_of(lam, n, ri_value).reshape(m, len(combos))
    if not (cr <= thr + 1e-12).any():
        return None
    s, c = np.unravel_index(np.argmin(np.where(cr <= thr + 1e-12, cr, np.inf)), cr.shape)
    chosen = [(int(I[q]), int(J[q]), float(SCALE[cand_idx[s, c, r]])) for r, q in enumerate(subsets[s])]
    return chosen, float(cr[s, c])


def minimal_repair(A: np.ndarray, *, method: str, ri_value: float, threshold: float,
                   max_subsets: int = 12_000) -> MinimalRepair:
    """The fewest judgment changes (values on Saaty's scale) that bring CR to ``threshold`` or below.

    Level k = 1, 2, …: every set of k judged pairs is tried at once with :func:`minimise_lambda`; a level all of
    whose sets are refuted proves that more changes are needed. The first level with a set that reaches the
    threshold on the scale gives the plan. The search stops when the next level has more sets than are left of
    ``max_subsets`` (C(36, 3) = 7,140 sets for n = 9); a greedy plan (each step the single scale change that lowers
    CR most) is then returned, proven minimal only if its length is one more than the levels refuted.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([6, 3, 2, 1.0])
    >>> A = w[:, None] / w[None, :]
    >>> A[0, 1], A[1, 0] = 1 / 2, 2                  # one reversed judgment
    >>> r = minimal_repair(A, method="eigen", ri_value=0.89, threshold=0.08)
    >>> r.changes, r.proven, round(r.cr_after, 6)
    ([(0, 1, 2.0)], True, 0.0)
    """
    A = np.asarray(A, dtype=float)
    n = A.shape[0]
    cr0 = _cr_with(A, [], method, ri_value)
    if n <= 2 or cr0 <= threshold + 1e-12:
        return MinimalRepair([], cr0, True, True, 0, "exact")
    iu = np.triu_indices(n, 1)
    ok = ~np.isnan(A[iu])
    I, J = iu[0][ok], iu[1][ok]
    partial = screened(n) and len(I) > SCREENED_PAIRS
    if partial:       # only the most deviating judgments may change: nothing about the others is proven
        I, J = screen_pairs(A, solve_stack(A[None], method)[0][0], I, J)
    P = len(I)
    greedy, g_cr = _greedy(A, I, J, method, ri_value, threshold, cr0, min(P, MAX_REPAIR_CHANGES))
    g_ok = g_cr <= threshold + 1e-12
    target = lambda_target(n, ri_value, threshold)
    exact_ok = method == "eigen" or not np.isnan(A).any()   # λ of Harker's form is the CR's λ for these
    C0 = harker_form(A)
    tried, refuted, gap = 0, 0, False
    notes: list[str] = []
    for k in range(1, P + 1):
        if g_ok and k >= len(greedy):
            break
        count = math.comb(P, k)
        if not exact_ok or tried + count > max_subsets:
            break
        subsets = np.array(list(combinations(range(P), k)))
        tried += count
        t, lam, lower = minimise_lambda(C0, I[subsets], J[subsets], target=target)
        feasible = lam <= target + 1e-12
        if feasible.any():
            order = np.argsort(lam[feasible])[:64]
            found = _realise(A, subsets[feasible][order], I, J, t[feasible][order], method, ri_value, threshold)
            if found is not None:
                if partial:
                    return MinimalRepair(found[0], found[1], True, False, 1, "exact", k, tried,
                                         [f"screened: {P} of {int(ok.sum())} judgments searched"])
                return MinimalRepair(found[0], found[1], True, not gap, k if not gap else refuted + 1, "exact",
                                     k, tried)
            notes.append(f"level {k}: reachable with continuous values, not on the scale")
        elif (lower <= target + 1e-12).any():
            gap = True                                    # some set neither reached nor refuted
        if not gap and not feasible.any():
            refuted = k
    proven = g_ok and not gap and refuted >= len(greedy) - 1 and not partial
    if partial:
        notes.append(f"screened: {P} of {int(ok.sum())} judgments searched")
        refuted = 0                                  # a refuted level says nothing about the unscreened pairs
    return MinimalRepair(greedy, g_cr, g_ok, proven, max(refuted + 1, 1) if not proven else len(greedy), "greedy",
                         refuted, tried, notes)
