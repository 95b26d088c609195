"""How robust are the weights? One-at-a-time rank-reversal ranges and Monte Carlo perturbation of judgments.

Why: a client asks "if we had said 5 instead of 3, would anything change?". :func:`one_at_a_time` answers exactly
(closed form, no sweep): how far each weight can move, the others rescaled proportionally, before the ranking
changes. :func:`monte_carlo` perturbs every judgment at once, thousands of times, on a stack of matrices solved in
one batched LAPACK call, and reports each weight's distribution and the probability of each rank.

Examples
--------
>>> import pandas as pd
>>> one_at_a_time(pd.Series({"a": 0.5, "b": 0.3, "c": 0.2}))[["lower", "upper"]].round(3).loc["b"].to_list()
[0.222, 0.417]
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from toolkit.model.errors import InputError
from toolkit.model.messages import t
from toolkit.weights.analysis import as_matrix
from toolkit.weights.consistency import cr_of, random_index, solve_stack
from toolkit.weights.scale import LOG_SCALE, SCALE

__all__ = ["MonteCarloResult", "monte_carlo", "monte_carlo_hierarchy", "one_at_a_time", "perturb_matrix"]

Kind = Literal["scale", "lognormal"]


# ============================================================================================ one at a time
def one_at_a_time(weights: pd.Series, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each element: the interval [lower, upper] its weight can take, the others rescaled proportionally
    (w_j · (1 − x)/(1 − w_i)), before a ranking changes.

    Without ``scores`` the ranking is that of the elements themselves (crossing with j at x = w_j/(1 − w_i + w_j)).
    With ``scores`` (rows = alternatives such as employees or candidate schemes, columns = the elements) the
    ranking is that of the weighted totals, each linear in x, so every break-even point is a closed-form root.
    ``lower_swap``/``upper_swap`` name the pair whose order flips first.

    Examples
    --------
    >>> import pandas as pd
    >>> oat = one_at_a_time(pd.Series({"a": 0.5, "b": 0.3, "c": 0.2}))
    >>> round(float(oat.loc["a", "lower"]), 4), float(oat.loc["a", "upper"]), oat.loc["a", "lower_swap"]
    (0.375, 1.0, 'a ↔ b')
    """
    w = pd.Series(weights, dtype=float)
    names = list(w.index)
    v = w.to_numpy() / w.sum()
    n = len(v)
    if scores is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            X = v[None, :] / (1 - v[:, None] + v[None, :])  # X[i, j]: crossing of i's weight with j
        np.fill_diagonal(X, np.nan)
        labels = np.array(names, dtype=object)
        pair_a = np.broadcast_to(labels[:, None], (n, n))
        pair_b = np.broadcast_to(labels[None, :], (n, n))
    else:
        S = scores.reindex(columns=names).to_numpy(dtype=float)
        if np.isnan(S).any():
            raise InputError(t("sens.scores_missing"), hint=t("sens.scores_missing.hint"))
        K = S.shape[0]
        R = S @ v                                    # (K,) totals now
        with np.errstate(divide="ignore", invalid="ignore"):
            rest = (R[:, None] - S * v[None, :]) / (1 - v[None, :])   # (K, n): others' part at x = 0
        alpha = rest.T                               # (n, K): T_k(x) = alpha + beta x
        beta = (S - rest).T
        da = alpha[:, :, None] - alpha[:, None, :]   # (n, K, K)
        db = beta[:, :, None] - beta[:, None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            roots = -da / db
        iu = np.triu_indices(K, 1)
        X = roots[:, iu[0], iu[1]]                   # (n, pairs)
        alts = np.array([str(x) for x in scores.index], dtype=object)
        pair_a = np.broadcast_to(alts[iu[0]][None, :], X.shape)
        pair_b = np.broadcast_to(alts[iu[1]][None, :], X.shape)
    below = np.where((X < v[:, None] - 1e-12) & (X >= 0), X, -np.inf)
    above = np.where((X > v[:, None] + 1e-12) & (X <= 1), X, np.inf)
    lo_idx, hi_idx = below.argmax(1), above.argmin(1)
    lower = below[np.arange(n), lo_idx]
    upper = above[np.arange(n), hi_idx]
    has_lo, has_hi = np.isfinite(lower), np.isfinite(upper)
    out = pd.DataFrame({
        "weight": v,
        "lower": np.where(has_lo, lower, 0.0),
        "upper": np.where(has_hi, upper, 1.0),
        "lower_swap": [f"{pair_a[i, lo_idx[i]]} ↔ {pair_b[i, lo_idx[i]]}" if has_lo[i] else "" for i in range(n)],
        "upper_swap": [f"{pair_a[i, hi_idx[i]]} ↔ {pair_b[i, hi_idx[i]]}" if has_hi[i] else "" for i in range(n)],
    }, index=pd.Index(names, name="element"))
    out["room"] = np.minimum(out["weight"] - out["lower"], out["upper"] - out["weight"])
    return out


# ============================================================================================ Monte Carlo
@dataclass
class MonteCarloResult:
    """Weights under perturbed judgments: raw samples, a summary per element and rank probabilities."""

    names: tuple[str, ...]
    samples: np.ndarray               # (draws, n)
    base: pd.Series
    summary: pd.DataFrame             # base, mean, sd, q05, q50, q95
    rank_probabilities: pd.DataFrame  # element × rank (1 = largest weight)
    consistent_share: float           # share of draws whose matrices all pass their CR threshold
    kind: str
    spread: float
    draws: int


def perturb_matrix(A: np.ndarray, draws: int, *, kind: Kind = "scale", spread: float = 1.0,
                   rng: np.random.Generator | None = None) -> np.ndarray:
    """A (draws, n, n) stack of reciprocal perturbations of ``A`` (NaN = unjudged stays NaN).

    ``kind="scale"``: each judgment moves by a random whole number of steps in [−spread, spread] along Saaty's
    17-point scale (what a participant could plausibly have said instead). A judgment *between* scale points (a
    group's geometric mean such as 2.466) keeps its fractional position and moves by whole steps from there, the
    log-value interpolated between scale points: nothing is snapped, so ``spread=0`` returns ``A`` exactly. Moves
    stop at 1/9 and 9. ``spread`` must be a whole number (a fractional one used to round to 0 and silently do
    nothing). ``kind="lognormal"``: each judgment is multiplied by exp(N(0, spread²)).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1, 2.466], [1 / 2.466, 1]])
    >>> S = perturb_matrix(A, 3, spread=0, rng=np.random.default_rng(0))
    >>> bool(np.allclose(S, A))
    True
    >>> sorted({round(float(x), 4) for x in perturb_matrix(A, 400, spread=1, rng=np.random.default_rng(1))[:, 0, 1]})
    [1.4305, 2.466, 3.4807]
    """
    rng = rng or np.random.default_rng()
    A = np.asarray(A, dtype=float)
    n = A.shape[0]
    iu = np.triu_indices(n, 1)
    up = A[iu]
    known = ~np.isnan(up)
    if kind == "scale":
        if abs(spread - round(spread)) > 1e-9 or spread < 0:
            raise InputError(t("sens.spread_steps", spread=spread), hint=t("sens.spread_steps.hint"))
        steps = round(spread)
        idx = np.arange(len(SCALE), dtype=float)
        pos = np.interp(np.log(np.where(known, up, 1.0)), LOG_SCALE, idx)   # fractional position, no snapping
        moved = np.clip(pos[None, :] + rng.integers(-steps, steps + 1, size=(draws, len(up))), 0, len(SCALE) - 1)
        vals = np.exp(np.interp(moved, idx, LOG_SCALE))
        vals = np.where(moved == pos[None, :], up[None, :], vals)          # unmoved: exactly as judged
    elif kind == "lognormal":
        vals = up[None, :] * np.exp(rng.normal(0.0, spread, size=(draws, len(up))))
    else:
        raise InputError(t("sens.kind_unknown", kind=kind), hint=t("sens.kind_unknown.hint"))
    vals = np.where(known[None, :], vals, np.nan)
    S = np.ones((draws, n, n))
    S[:, iu[0], iu[1]] = vals
    S[:, iu[1], iu[0]] = 1.0 / vals
    return S


def _summarise(names: Sequence[str], samples: np.ndarray, base: np.ndarray, consistent: np.ndarray, kind: str,
               spread: float) -> MonteCarloResult:
    n = samples.shape[1]
    q = np.quantile(samples, [0.05, 0.5, 0.95], axis=0)
    summary = pd.DataFrame({"base": base, "mean": samples.mean(0), "sd": samples.std(0, ddof=1) if len(samples) > 1
                            else 0.0, "q05": q[0], "q50": q[1], "q95": q[2]}, index=pd.Index(names, name="element"))
    ranks = (-samples).argsort(1, kind="stable").argsort(1, kind="stable")  # rank 0 = largest
    probs = np.stack([(ranks == r).mean(0) for r in range(n)], axis=1)
    rp = pd.DataFrame(probs, index=pd.Index(names, name="element"), columns=pd.Index(range(1, n + 1), name="rank"))
    return MonteCarloResult(names=tuple(names), samples=samples, base=pd.Series(base, index=list(names)),
                            summary=summary, rank_probabilities=rp, consistent_share=float(consistent.mean()),
                            kind=kind, spread=spread, draws=len(samples))


def _mc_node(A: np.ndarray, draws: int, kind: Kind, spread: float, method: str, ri: str,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = A.shape[0]
    base_w, _, _ = solve_stack(A[None], method)
    if n == 1:
        return np.ones((draws, 1)), base_w[0], np.ones(draws, dtype=bool)
    S = perturb_matrix(A, draws, kind=kind, spread=spread, rng=rng)
    w, lam, _ = solve_stack(S, method)
    missing = int(np.isnan(A).sum() // 2)
    from toolkit.weights.consistency import cr_threshold

    cr = cr_of(lam, n, random_index(n, ri, missing))
    return w, base_w[0], cr <= cr_threshold(n) + 1e-12 if n > 2 else np.ones(draws, dtype=bool)


def monte_carlo(judgments: Any, *, names: Sequence[str] | None = None, draws: int = 10_000, kind: Kind = "scale",
                spread: float = 1.0, method: str = "eigen", ri: str = "saaty2005",
                seed: int | None = None) -> MonteCarloResult:
    """Distribution of the weights when every judgment is perturbed (see :func:`perturb_matrix`), all at once.

    Examples
    --------
    >>> import numpy as np
    >>> mc = monte_carlo(np.array([[1, 3, 5], [1/3, 1, 2], [1/5, 1/2, 1]]), draws=2000, seed=1)
    >>> bool(mc.rank_probabilities.loc["1", 1] > 0.9)
    True
    """
    if draws < 1:
        raise InputError(t("sens.draws", draws=draws))
    A, nm, _ = as_matrix(judgments, names)
    rng = np.random.default_rng(seed)
    w, base, ok = _mc_node(A, draws, kind, spread, method, ri, rng)
    return _summarise(nm, w, base, ok, kind, spread)


def monte_carlo_hierarchy(root: Any, *, draws: int = 10_000, kind: Kind = "scale", spread: float = 1.0,
                          method: str = "eigen", ri: str = "saaty2005", seed: int | None = None) -> MonteCarloResult:
    """Monte Carlo of a whole :class:`toolkit.weights.hierarchy.HNode` tree: every judged node is perturbed
    independently and the global leaf weights (products of local weights) are summarised.

    Examples
    --------
    >>> from toolkit.weights.hierarchy import HNode
    >>> root = HNode("目标", (HNode("a"), HNode("b"), HNode("c")), [("a", "b", 3), ("a", "c", 5), ("b", "c", 2)])
    >>> mc = monte_carlo_hierarchy(root, draws=500, seed=1)
    >>> mc.summary["base"].round(3).to_list()
    [0.648, 0.23, 0.122]
    """
    from toolkit.weights.judgments import judgment_set

    rng = np.random.default_rng(seed)
    leaves: list[str] = []
    all_ok = np.ones(draws, dtype=bool)

    def walk(node: Any) -> tuple[np.ndarray, np.ndarray]:
        nonlocal all_ok
        names = [c.name for c in node.children]
        m = len(names)
        if node.judgments is None or m == 1:
            local, base = np.full((draws, m), 1.0 / m), np.full(m, 1.0 / m)
        else:
            j = node.judgments
            A = (as_matrix(j, names)[0] if isinstance(j, np.ndarray)
                 else judgment_set(j, elements=names).matrix())
            local, base, ok = _mc_node(A, draws, kind, spread, method, ri, rng)
            all_ok &= ok
        cols, bases = [], []
        for c, name in enumerate(names):
            child = node.children[c]
            if child.leaf:
                leaves.append(child.name)
                cols.append(local[:, c:c + 1])
                bases.append(base[c:c + 1])
            else:
                g, gb = walk(child)
                cols.append(g * local[:, c:c + 1])
                bases.append(gb * base[c])
        return np.concatenate(cols, axis=1), np.concatenate(bases)

    samples, base = walk(root)
    return _summarise(leaves, samples, base, all_ok, kind, spread)
