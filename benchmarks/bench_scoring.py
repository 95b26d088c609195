"""Benchmark: 100,000 employees × 12 indicators × 12 months scored, totalled, graded and forced-distributed.

The vectorised engine (:func:`toolkit.scoring.rules.score_matrix`, :func:`toolkit.scoring.grading.matrix_totals`,
:func:`toolkit.scoring.grading.forced_distribution`) against a straightforward per-row Python reference (one function
call per actual, dictionaries for totals, ``sorted`` per calibration group) in the same run. Both get the same
rule objects; the script checks they agree on a subset before printing the speed ratio.

The reference is slow (~microseconds per row); by default it runs on ``--ref-employees`` (10,000) employees and
its time is scaled linearly to the full population (it is a per-row loop plus an n·log n sort on groups of
fixed size, so linear in the number of employees). ``--full-reference`` runs it on everyone.

Run: ``.venv/bin/python benchmarks/bench_scoring.py``
"""
from __future__ import annotations

import argparse
import math
import resource
import time
import tracemalloc

import numpy as np

from toolkit.model.indicators import BandRule, DeductionRule, LinearRule, RatingRule, RatioRule, StepsRule
from toolkit.model.schema import Engagement
from toolkit.scoring.grading import forced_distribution, grade_by_bands, matrix_totals
from toolkit.scoring.rules import score_matrix

SHARES = {"S": 0.10, "A": 0.20, "B": 0.50, "C": 0.15, "D": 0.05}
GRADES = Engagement.model_fields["grades"].default_factory()

# (rule, direction, threshold, target, stretch, weight, generator(mean, sd))
SPECS = [
    (LinearRule(), "higher", 80, 100, 120, 12, (100, 15)),
    (LinearRule(), "higher", 1.5, 2.0, 2.5, 10, (2.0, 0.4)),
    (LinearRule(), "higher", 3000, 5000, 8000, 8, (5000, 1500)),
    (LinearRule(), "lower", 150, 120, 100, 8, (120, 20)),
    (LinearRule(), "lower", 8, 4, 2, 6, (4, 2)),
    (LinearRule(), "band", 90, 100, None, 6, (100, 8)),
    (RatioRule(cap=120), "higher", None, 100, None, 10, (95, 15)),
    (BandRule(), "band", None, 100, None, 6, (100, 6)),
    (StepsRule(steps=[(80, 80), (100, 100), (120, 120)], basis="ratio"), "higher", None, 50, None, 8, (50, 10)),
    (DeductionRule(points=2, floor=60), "higher", None, 100, None, 6, (97, 5)),
    (RatingRule(levels=5), "higher", None, 4, None, 10, None),
    (RatingRule(levels=5), "higher", None, None, None, 10, None),
]
KINDS = [s[0].type for s in SPECS]
WEIGHTS = [s[5] for s in SPECS]


def make_data(n_emp: int, months: int = 12, seed: int = 7, missing: float = 0.02) -> np.ndarray:
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(1, n_emp, 1))
    out = np.empty((len(SPECS), n_emp, months))
    for i, spec in enumerate(SPECS):
        z = 0.6 * theta + 0.8 * rng.normal(size=(1, n_emp, months))
        if spec[6] is None:
            out[i] = np.clip(np.round(3 + z[0]), 1, 5)
        else:
            mean, sd = spec[6]
            sign = -1 if spec[1] == "lower" else 1
            out[i] = np.maximum(mean + sign * sd * z[0], 0.01)
    out[rng.random(out.shape) < missing] = np.nan
    return out


# ----------------------------------------------------------------------------- vectorised engine
def vectorised(actual: np.ndarray, groups: np.ndarray, ids: np.ndarray):
    scores = score_matrix(actual, [(s[0], s[1], s[2], s[3], s[4]) for s in SPECS])
    per_period, annual = matrix_totals(scores, WEIGHTS, KINDS)
    bands = grade_by_bands(annual, GRADES)
    forced = forced_distribution(annual, groups, ids, SHARES)
    return scores, per_period, annual, bands, forced


# ----------------------------------------------------------------------------- plain-numpy floor
def numpy_floor(actual: np.ndarray, groups: np.ndarray, ids: np.ndarray):
    """A cost floor: the least numpy work of the same shape — one ``np.interp`` per indicator (exact for the
    linear, ratio and rating indicators; the band, steps and deduction ones get one interp of the same cost, not
    their exact rule), NaN-aware weighted means per month and year, ``searchsorted`` for the bands and one
    ``lexsort`` for the ranking inside calibration groups (no quota rounding, ties or bins). None of the engine's
    generality (rule objects, vetoes, bonuses, missing-value policies): what any engine must at least spend."""
    scores = np.empty_like(actual)
    for i, (rule, direction, t, g, x, _w, _) in enumerate(SPECS):
        xs, ys = _anchors(rule, direction, t, g, x)
        a = actual[i]
        if direction == "band" and rule.type == "linear":
            a = g - np.abs(a - g)
        scores[i] = np.where(np.isnan(a), np.nan, np.interp(a, xs, ys))
    w = np.asarray(WEIGHTS, dtype=float)[:, None, None]
    ok = ~np.isnan(scores)
    den = (w * ok).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_period = np.where(ok, scores * w, 0.0).sum(axis=0) / den
    annual = np.nanmean(per_period, axis=1)
    mins = np.array([gr.min_score for gr in GRADES])[::-1]
    codes = np.array([gr.code for gr in GRADES])[::-1]
    bands = codes[np.clip(np.searchsorted(mins, annual, side="right") - 1, 0, len(codes) - 1)]
    order = np.lexsort((ids, -annual, groups))
    return scores, per_period, annual, bands, order


def _anchors(rule, direction, t, g, x):
    """(xs, ys) of the rule as a piecewise-linear function of the actual (increasing xs, for np.interp)."""
    k = rule.type
    if k == "linear":
        sign = -1.0 if direction == "lower" else 1.0
        if direction == "band":
            t, x = g - abs(t - g), None
        pts = [(t, rule.score_threshold), (g, rule.score_target)]
        if x is not None:
            pts.append((x, rule.score_stretch))
        pts = sorted((sign * a, s) for a, s in pts)
        xs = [pts[0][0] - 1e-12] + [p[0] for p in pts]
        ys = [rule.score_below] + [p[1] for p in pts]
        if sign < 0:  # lower is better: mirror
            xs = [-v for v in xs[::-1]]
            ys = ys[::-1]
        return np.array(xs), np.array(ys)
    if k == "ratio":
        return np.array([rule.floor * g / 100, rule.cap * g / 100]), np.array([rule.floor, rule.cap])
    if k == "rating":
        return np.arange(1, rule.levels + 1, dtype=float), np.linspace(0, 120, rule.levels)
    return np.array([0.0, 2 * g]), np.array([0.0, 120.0])  # band, steps, deduction: one interp as well


# ----------------------------------------------------------------------------- per-row reference
def ref_score(rule, direction, a, t, g, x):
    """The rules written the obvious way, one value at a time (no shared code with the engine)."""
    if a is None or math.isnan(a):
        return None
    k = rule.type
    if k == "linear":
        if direction == "lower":
            a, t, g, x = -a, -t, -g, (None if x is None else -x)
        elif direction == "band":
            a, t, x = g - abs(a - g), g - abs(t - g), None
        if a < t:
            return rule.score_below
        if a < g:
            return rule.score_threshold + (a - t) / (g - t) * (rule.score_target - rule.score_threshold)
        if x is None:
            return rule.score_target
        if a < x:
            return rule.score_target + (a - g) / (x - g) * (rule.score_stretch - rule.score_target)
        return rule.score_stretch
    if k == "ratio":
        return max(rule.floor, min(rule.cap, a / g * 100))
    if k == "band":
        dev = abs(a - g) / abs(g) * 100
        return max(rule.floor, 100 - rule.points_per_pct * max(0.0, dev - rule.tolerance * 100))
    if k == "steps":
        v = a / g * 100
        best = rule.score_below
        for at, sc in sorted(rule.steps):
            if v >= at:
                best = sc
        return best
    if k == "deduction":
        short = max(0.0, (g - a) / abs(g) * 100)
        return max(rule.floor, min(rule.cap, rule.base - rule.points * short / rule.per))
    if k == "rating":
        if g is None:
            return rule.score_max * a / rule.levels
        t = g - 1 if t is None else t
        x = min(g + 1, rule.levels) if x is None else x
        if a < t:
            return rule.score_min + (a - 1) / (t - 1) * (rule.score_threshold - rule.score_min)
        if a < g:
            return rule.score_threshold + (a - t) / (g - t) * (rule.score_target - rule.score_threshold)
        if x <= g:
            return rule.score_target
        if a < x:
            return rule.score_target + (a - g) / (x - g) * (rule.score_stretch - rule.score_target)
        return rule.score_stretch
    raise ValueError(k)


def reference(actual: np.ndarray, groups: list, ids: list):
    n_ind, n_emp, n_m = actual.shape
    rows = actual.tolist()
    annual = []  # the rulebook's rule: each month's weighted mean over the scored indicators, then their mean
    for e in range(n_emp):
        months = []
        for m in range(n_m):
            num = den = 0.0
            for i in range(n_ind):
                rule, direction, t, g, x, _w, _ = SPECS[i]
                s = ref_score(rule, direction, rows[i][e][m], t, g, x)
                if s is not None:
                    num += WEIGHTS[i] * s
                    den += WEIGHTS[i]
            if den:
                months.append(num / den)
        annual.append(sum(months) / len(months) if months else float("nan"))
    grades = [None] * n_emp
    by_group: dict = {}
    for e in range(n_emp):
        by_group.setdefault(groups[e], []).append(e)
    codes = list(SHARES)
    for members in by_group.values():
        members.sort(key=lambda e: (-annual[e], ids[e]))
        n = len(members)
        quotas = [n * SHARES[c] for c in codes]
        counts = [math.floor(q + 1e-9) for q in quotas]
        order = sorted(range(len(codes)), key=lambda k: -(quotas[k] - counts[k]))
        for k in order[: n - sum(counts)]:
            counts[k] += 1
        pos = 0
        gi_of = {}
        for k, c in enumerate(counts):
            for e in members[pos: pos + c]:
                gi_of[e] = k
            pos += c
        best: dict[float, int] = {}
        for e in members:
            best[annual[e]] = min(best.get(annual[e], 99), gi_of[e])
        for e in members:
            grades[e] = codes[best[annual[e]]]
    return annual, grades


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--group-size", type=int, default=50, help="calibration group size (forced distribution)")
    ap.add_argument("--ref-employees", type=int, default=10_000)
    ap.add_argument("--full-reference", action="store_true")
    ap.add_argument("--repeat", type=int, default=5, help="best of N for the vectorised run")
    args = ap.parse_args()

    n = args.employees
    actual = make_data(n)
    groups = np.arange(n) // args.group_size
    ids = np.array([f"E{k:06d}" for k in range(n)])
    print(f"data: {n:,} employees × {len(SPECS)} indicators × 12 months = {actual.size:,} actuals "
          f"({np.isnan(actual).mean():.1%} missing), calibration groups of {args.group_size}")

    vectorised(actual[:, :1000], groups[:1000], ids[:1000])  # warm up imports and caches
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = vectorised(actual, groups, ids)
        times.append(time.perf_counter() - t0)
    t_vec = min(times)
    floor_times, engine_times = [], []
    for _ in range(3):  # side by side: the engine and the plain-numpy floor alternate, median of 3
        t0 = time.perf_counter()
        numpy_floor(actual, groups, ids)
        floor_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        vectorised(actual, groups, ids)
        engine_times.append(time.perf_counter() - t0)
    t_floor, t_eng = float(np.median(floor_times)), float(np.median(engine_times))
    tracemalloc.start()
    vectorised(actual, groups, ids)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    _, _, _, _, forced_v = res
    shares = {c: float(np.mean(forced_v == c)) for c in SHARES}

    m = n if args.full_reference else min(args.ref_employees, n)
    sub = actual[:, :m]
    t0 = time.perf_counter()
    annual_r, grades_r = reference(sub, groups[:m].tolist(), ids[:m].tolist())
    t_ref_sub = time.perf_counter() - t0
    t_ref = t_ref_sub * n / m
    # agreement on the subset (the vectorised engine run on exactly the same employees)
    _, _, annual_vs, _, forced_vs = vectorised(sub, groups[:m], ids[:m])
    max_diff = float(np.nanmax(np.abs(np.array(annual_r, dtype=float) - annual_vs)))
    same_grades = float(np.mean(np.array(grades_r, dtype=object) == forced_vs))

    print(f"vectorised engine : {t_vec:.3f} s (best of {args.repeat}: {', '.join(f'{x:.3f}' for x in times)})")
    print(f"  peak traced memory {peak / 2**20:,.0f} MiB; process max RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    print("  forced-distribution shares: " + ", ".join(f"{c} {v:.3f}" for c, v in shares.items()))
    scaled = "" if m == n else f" (measured {t_ref_sub:.2f} s on {m:,} employees, scaled ×{n / m:g})"
    print(f"per-row reference : {t_ref:.2f} s{scaled}")
    print(f"speed ratio       : {t_ref / t_vec:.0f}× (goal ≥ 20×; vectorised goal < 2 s)")
    print(f"plain-numpy floor : {t_floor:.3f} s vs engine {t_eng:.3f} s (medians of 3, alternating): "
          f"engine ×{t_eng / t_floor:.2f} the floor (goal ≤ ×1.5)")
    print(f"agreement on {m:,} employees: max |annual total difference| = {max_diff:.2e}, "
          f"same forced grade {same_grades:.2%}")


if __name__ == "__main__":
    main()
