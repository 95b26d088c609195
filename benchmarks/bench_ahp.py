"""Weights engine vs AHPy, measured side by side in one run.

1. Agreement: the same matrices through AHPy (precision=12, random_index='saaty') and through toolkit.weights.ahp
   (eigen, saaty2005): max |Δweight| and max |ΔCR|.
2. Batch speed: 1,000 random 10×10 Saaty-scale matrices, weights + CR. AHPy one Compare per matrix; ours one
   batched call on the (1000, 10, 10) stack. Also our single-matrix `analyse` (weights, CR and diagnosis with
   CR-after for every pair), which is what the workshop calls on each slider move.
3. Monte Carlo: a two-level hierarchy (2 criteria; 5 and 4 indicators), 10,000 draws of perturbed judgments
   (±1 step on the scale), global leaf weights. AHPy: three Compare objects linked with add_children per draw.

Run: .venv/bin/python benchmarks/bench_ahp.py [--rounds 3] [--ahpy-mc-draws 10000] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from toolkit.weights.analysis import analyse
from toolkit.weights.consistency import weights_and_cr
from toolkit.weights.hierarchy import HNode
from toolkit.weights.scale import SCALE, snap_to_scale
from toolkit.weights.sensitivity import monte_carlo_hierarchy, perturb_matrix


def random_matrices(k: int, n: int, rng: np.random.Generator, near: float | None = None) -> np.ndarray:
    iu = np.triu_indices(n, 1)
    S = np.ones((k, n, n))
    if near is None:
        up = rng.choice(SCALE, (k, len(iu[0])))
    else:
        w = rng.uniform(1, 4, (k, n))
        up = snap_to_scale(np.clip(w[:, iu[0]] / w[:, iu[1]] * np.exp(rng.normal(0, near, (k, len(iu[0])))),
                                   1 / 9, 9))
    S[:, iu[0], iu[1]] = up
    S[:, iu[1], iu[0]] = 1 / up
    return S


def ahpy_compare(ahpy, name: str, A: np.ndarray, names: list[str], precision: int = 4):
    n = len(names)
    comp = {(names[i], names[j]): float(A[i, j]) for i in range(n) for j in range(i + 1, n)}
    return ahpy.Compare(name, comp, precision=precision, random_index="saaty")


def timed(fn, rounds: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ahpy-mc-draws", type=int, default=10_000)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    import ahpy

    out: dict[str, object] = {"numpy": np.__version__, "ahpy": getattr(ahpy, "__version__", "2.x")}
    rng = np.random.default_rng(42)
    names10 = [f"e{i}" for i in range(10)]

    # 1. agreement ---------------------------------------------------------------------------------------------
    dw, dcr = 0.0, 0.0
    cases = [random_matrices(1, n, rng, near=0.3)[0] for n in (3, 4, 5, 7, 10, 12, 15) for _ in range(15)]
    cases += list(random_matrices(50, 10, rng))  # very inconsistent ones too
    for A in cases:
        nm = [f"e{i}" for i in range(len(A))]
        c = ahpy_compare(ahpy, "x", A, nm, precision=12)
        r = analyse(A, names=nm, top=0)
        dw = max(dw, max(abs(c.target_weights[k] - r.weights[k]) for k in nm))
        dcr = max(dcr, abs(c.consistency_ratio - r.cr))
    out["agreement"] = {"matrices": len(cases), "max_abs_weight_diff": dw, "max_abs_cr_diff": dcr}
    print(f"1. agreement with AHPy (precision=12, Saaty RI) on {len(cases)} matrices, n = 3..15: "
          f"max |Δw| = {dw:.2e}, max |ΔCR| = {dcr:.2e}  -> {'OK' if dw < 1e-6 and dcr < 1e-6 else 'MISMATCH'}")

    # 2. batch speed -------------------------------------------------------------------------------------------
    S = random_matrices(1000, 10, rng)

    def ours_batch():
        weights_and_cr(S)

    def ahpy_batch():
        for A in S:
            _ = ahpy_compare(ahpy, "x", A, names10).consistency_ratio

    def ours_loop():
        for A in S:
            analyse(A, names=names10)

    # round-robin: each round times every implementation once, so load spikes on the shared host hit all alike
    impls = {"ahpy": ahpy_batch, "ours_batched": ours_batch, "ours_analyse_loop": ours_loop}
    times: dict[str, list[float]] = {k: [] for k in impls}
    for _ in range(args.rounds):
        for label, fn in impls.items():
            t0 = time.perf_counter()
            fn()
            times[label].append(time.perf_counter() - t0)
    res = {k: statistics.median(v) for k, v in times.items()}
    ratios = [a / b for a, b in zip(times["ahpy"], times["ours_batched"])]
    ratio = statistics.median(ratios)
    out["batch_1000x10x10"] = {"seconds_median": res, "seconds_min": {k: min(v) for k, v in times.items()},
                              "speedup_batched_vs_ahpy_median": ratio, "speedup_per_round": ratios}
    print(f"2. 1,000 random 10×10 matrices, weights + CR (round-robin, {args.rounds} rounds):")
    for label, ts in times.items():
        print(f"   {label:<20} median {res[label] * 1000:8.1f} ms  min {min(ts) * 1000:8.1f} ms  "
              f"({res[label] * 1e6 / 1000:7.1f} µs per matrix)")
    print(f"   speed ratio AHPy / ours (batched), median of per-round ratios: {ratio:.0f}× "
          f"(range {min(ratios):.0f}–{max(ratios):.0f}×; goal ≥ 50×)")
    one = S[0]
    lat = []
    for _ in range(200):
        t0 = time.perf_counter()
        analyse(one, names=names10, top=5)
        lat.append(time.perf_counter() - t0)
    lat_ms = statistics.median(lat) * 1000
    out["slider_latency_ms"] = {"median": lat_ms, "p95": float(np.quantile(lat, 0.95) * 1000)}
    print(f"   analyse() on one 10×10 incl. diagnosis (workshop slider): median {lat_ms:.2f} ms, "
          f"p95 {np.quantile(lat, 0.95) * 1000:.2f} ms (budget 50 ms)")

    # 3. Monte Carlo of a two-level hierarchy ----------------------------------------------------------------
    top = np.array([[1, 3], [1 / 3, 1]])
    quant = random_matrices(1, 5, rng, near=0.2)[0]
    qual = random_matrices(1, 4, rng, near=0.2)[0]
    qn, ln_ = [f"q{i}" for i in range(5)], [f"z{i}" for i in range(4)]
    root = HNode("g", (HNode("定量", tuple(HNode(x) for x in qn), judgments=quant),
                       HNode("定性", tuple(HNode(x) for x in ln_), judgments=qual)), judgments=top)
    draws = 10_000
    med, _ = timed(lambda: monte_carlo_hierarchy(root, draws=draws, seed=1), args.rounds)
    mc_r = np.random.default_rng(1)
    k = args.ahpy_mc_draws
    St, Sq, Sl = (perturb_matrix(M, k, rng=mc_r) for M in (top, quant, qual))

    def ahpy_mc():
        for d in range(k):
            g = ahpy_compare(ahpy, "g", St[d], ["定量", "定性"])
            a = ahpy_compare(ahpy, "定量", Sq[d], qn)
            b = ahpy_compare(ahpy, "定性", Sl[d], ln_)
            g.add_children([a, b])
            _ = g.target_weights

    t0 = time.perf_counter()
    ahpy_mc()
    ahpy_t = (time.perf_counter() - t0) * draws / k
    out["monte_carlo_hierarchy_10000"] = {"ours_s": med, "ahpy_s": ahpy_t, "ahpy_draws_measured": k,
                                          "speedup": ahpy_t / med}
    extra = "" if k == draws else f" (measured on {k} draws, scaled to {draws})"
    print(f"3. Monte Carlo, two-level hierarchy (2 → 5 + 4), {draws:,} draws: ours {med:.3f} s "
          f"(goal < 1 s), AHPy {ahpy_t:.1f} s{extra}; ratio {ahpy_t / med:.0f}×")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
