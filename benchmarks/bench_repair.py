"""Benchmark of issue 13: the diagnosis finds a reversed judgment, and the minimal repair stays interactive.

Prints (and with --json writes):

* the share of random consistent matrices (n = 4–7) with one reversed judgment whose top suggestion names the
  pair and its true value within a factor 1.5 (goal ≥ 95 %), and the number of listed suggestions that raise CR
  (goal 0); also the same for matrices on the Saaty scale (snapped, so not exactly consistent);
* :func:`toolkit.weights.diagnosis.repair_plan` time for n = 5, 7, 9 near-consistent matrices that need repair:
  median and p95 over the matrices, with how many plans were proven minimal (goal: median < 200 ms for n = 9,
  the workshop's budget);
* how many changes the plans need against a greedy search that uses w_i/w_j (the old method).

Run: ``.venv/bin/python benchmarks/bench_repair.py [--matrices 40] [--json out.json]``. Timings move with the
load of the shared host; no test asserts them.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from toolkit.weights.analysis import analyse
from toolkit.weights.consistency import cr_of, cr_threshold, random_index, solve_stack
from toolkit.weights.diagnosis import repair_plan
from toolkit.weights.scale import snap_to_scale


def reversed_hit_rate(count: int, seed: int, on_scale: bool) -> tuple[float, int, int]:
    rng = np.random.default_rng(seed)
    hits = total = raised = 0
    while total < count:
        n = int(rng.integers(4, 8))
        w = np.exp(rng.uniform(0, np.log(9), n))
        A = w[:, None] / w[None, :]
        if on_scale:
            A = np.asarray(snap_to_scale(A))
        iu = np.triu_indices(n, 1)
        cand = [k for k in range(len(iu[0])) if abs(np.log(A[iu[0][k], iu[1][k]])) >= np.log(1.5)]
        if not cand:
            continue
        k = int(rng.choice(cand))
        i, j = int(iu[0][k]), int(iu[1][k])
        true = A[i, j]
        A[i, j], A[j, i] = 1 / true, true
        r = analyse(A, top=None)
        mi = r.most_inconsistent
        total += 1
        raised += int((mi["cr_after"] > r.cr + 1e-12).sum())
        if len(mi) and (mi.iloc[0].i, mi.iloc[0].j) == (i, j) \
                and abs(np.log(mi.iloc[0].suggested / true)) <= np.log(1.5) + 1e-9:
            hits += 1
    return hits / total, raised, total


def near_consistent(rng: np.random.Generator, n: int, sigma: float = 0.9) -> np.ndarray:
    w = rng.dirichlet(np.ones(n)) * n
    A = w[:, None] / w[None, :]
    iu = np.triu_indices(n, 1)
    v = np.asarray(snap_to_scale(np.clip(A[iu] * np.exp(rng.normal(0, sigma, len(iu[0]))), 1 / 9, 9)))
    B = np.ones((n, n))
    B[iu], B[(iu[1], iu[0])] = v, 1 / v
    return B


def old_greedy_length(A: np.ndarray) -> int | None:
    """The pre-issue-13 repair: each step the pair whose w_i/w_j (snapped) lowers CR most; None if it fails."""
    n = A.shape[0]
    ri, thr = random_index(n), cr_threshold(n)
    A = A.copy()
    touched: set[tuple[int, int]] = set()
    for step in range(n * (n - 1) // 2):
        w, lam, _ = solve_stack(A[None], "eigen")
        cr = float(cr_of(lam, n, ri)[0])
        if cr <= thr + 1e-12:
            return step
        best = None
        for i, j in zip(*np.triu_indices(n, 1)):
            if (i, j) in touched:
                continue
            v = float(snap_to_scale(w[0, i] / w[0, j]))
            if v == float(snap_to_scale(A[i, j])):
                continue
            B = A.copy()
            B[i, j], B[j, i] = v, 1 / v
            c = float(cr_of(solve_stack(B[None], "eigen")[1], n, ri)[0])
            if best is None or c < best[0]:
                best = (c, i, j, v)
        if best is None or best[0] >= cr:
            return None
        _, i, j, v = best
        A[i, j], A[j, i] = v, 1 / v
        touched.add((i, j))
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--matrices", type=int, default=40)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    out: dict[str, object] = {}
    rate, raised, total = reversed_hit_rate(400, 2024, on_scale=False)
    print(f"reversed judgment, consistent matrices n=4-7: top suggestion right in {rate:.1%} of {total}; "
          f"suggestions raising CR: {raised}")
    rate_s, raised_s, total_s = reversed_hit_rate(400, 2025, on_scale=True)
    print(f"reversed judgment, matrices on the scale n=4-7: top suggestion right in {rate_s:.1%} of {total_s}; "
          f"suggestions raising CR: {raised_s}")
    out["reversed"] = {"consistent": rate, "on_scale": rate_s, "raised": raised + raised_s}
    rng = np.random.default_rng(9)
    for n in (5, 7, 9):
        times, proven, lengths, old = [], 0, [], []
        done = 0
        while done < args.matrices:
            A = near_consistent(rng, n)
            if analyse(A, top=0).consistent:
                continue
            done += 1
            t0 = time.perf_counter()
            plan = repair_plan(A)
            times.append(time.perf_counter() - t0)
            proven += plan.proven_minimal
            lengths.append(len(plan.changes))
            old.append(old_greedy_length(A))
        med, p95 = np.median(times) * 1000, np.quantile(times, 0.95) * 1000
        fewer = sum(o is None or o > k for o, k in zip(old, lengths))
        print(f"repair_plan n={n}: median {med:.1f} ms, p95 {p95:.1f} ms, max {max(times) * 1000:.1f} ms; "
              f"proven minimal {proven}/{done}; mean changes {np.mean(lengths):.2f}; "
              f"fewer changes than the old w_i/w_j greedy (or it failed) in {fewer}/{done}")
        out[f"repair_n{n}"] = {"median_ms": med, "p95_ms": p95, "proven": proven, "matrices": done,
                               "fewer_than_old": fewer}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
