"""Benchmark: ``appraisal score`` on a million actuals rows, as a whole process (time and peak RSS).

The engagement is the midsize sample scaled to 100 roles (its 8 roles repeated, 58 people each: 5,800 employees)
with the five-group 360° of its manager role for every role; :mod:`toolkit.scoring.simulate` writes a year of
actuals, trimmed to exactly 1,000,000 rows. The files are generated once into ``build/bench/score_1m/`` (seeded,
reused when present).

Each round runs ``appraisal score`` in a fresh child process. Peak memory is the whole process tree's: the sum of
the RSS of the child and all its descendants, sampled every 10 ms (psutil), and the kernel's peak RSS of the child
and every descendant it waited for (``os.wait4``); the larger of the two is compared with the goal. CPU seconds
(user + system, from the same ``wait4``) are printed beside the wall time: on a shared machine they say what the
work costs whatever the load. The floor, in the same run and alternating with it, is a child that only starts
Python, imports pandas and numpy and reads the same CSV with ``pandas.read_csv`` — the least any scorer of this
file must do. Medians of ``--rounds`` (3).

Goals (issue 17): the whole command in < 30 s and < 1 GB (1,000 MB; the figures are MiB = 2**20 bytes).

Run: ``.venv/bin/python benchmarks/bench_score_million.py [--rounds 3] [--rows 1000000]``
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "build" / "bench" / "score_1m"


def make_files(rows: int, out: Path = DATA) -> tuple[Path, Path]:
    """The scaled engagement and its actuals CSV (generated once, seeded)."""
    eng_path, act_path = out / "engagement.yaml", out / f"actuals_{rows}.csv"
    if eng_path.exists() and act_path.exists():
        return eng_path, act_path
    from toolkit.model.engagement import load_engagement, save_engagement
    from toolkit.model.paths import samples_dir
    from toolkit.model.safe_cells import write_csv
    from toolkit.scoring.simulate import simulate_actuals, simulate_employees

    out.mkdir(parents=True, exist_ok=True)
    eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    five = eng.roles[0].raters  # the manager role's five rater groups
    roles = [r.model_copy(update={"id": f"{r.id}_{k:03d}", "headcount": 58, "raters": five})
             for k, r in ((k, eng.roles[k % len(eng.roles)]) for k in range(100))]
    big = eng.model_copy(update={"roles": roles, "employees": [],
                                 "client": eng.client.model_copy(update={"marketing_headcount": 5800})})
    big = big.model_copy(update={"employees": simulate_employees(big, seed=7)})
    save_engagement(big, eng_path)
    df = simulate_actuals(big, year=2026, seed=7)
    if len(df) < rows:
        raise SystemExit(f"only {len(df)} rows simulated, fewer than --rows {rows}")
    write_csv(act_path, df.head(rows))
    return eng_path, act_path




def measure(argv: list[str]) -> tuple[float, float, float, int, str]:
    """Run ``argv``: wall seconds, CPU seconds (user + system, the tree), peak MiB of the tree, exit code, output."""
    import threading

    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    root, sampled = psutil.Process(proc.pid), 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            tree = [root, *root.children(recursive=True)]
            sampled = max(sampled, sum(q.memory_info().rss for q in tree))
        except psutil.Error:  # a process ended between listing and reading it
            pass
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    reader.join()
    kernel = usage.ru_maxrss * 1024  # KiB on Linux
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, max(sampled, kernel) / 2**20, proc.returncode, b"".join(chunks).decode("utf-8", "replace")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    eng_path, act_path = make_files(args.rows)
    print(f"data: {act_path.relative_to(ROOT)} ({act_path.stat().st_size / 2**20:.0f} MiB), "
          f"ready in {time.perf_counter() - t0:.1f} s")
    appraisal = str(Path(sys.executable).with_name("appraisal"))
    floor_code = f"import numpy, pandas; pandas.read_csv({str(act_path)!r}, dtype=str, keep_default_na=False)"
    results: dict[str, list[tuple[float, float, float]]] = {"score": [], "floor": []}
    last = ""
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as d:
        for _ in range(args.rounds):  # alternating, so that both see the same load
            wall, cpu, rss, code, out = measure([appraisal, "score", str(eng_path), str(act_path), "--out", d])
            if code not in (0, 1):
                raise SystemExit(f"appraisal score failed ({code}):\n{out[-3000:]}")
            results["score"].append((wall, cpu, rss))
            last = out
            wall, cpu, rss, _, out = measure([sys.executable, "-c", floor_code])
            results["floor"].append((wall, cpu, rss))
            load.append(os.getloadavg()[0])
        sizes = {p.name: p.stat().st_size for p in Path(d).iterdir()}
    print("last run's console output:", f"{len(last.splitlines())} lines")
    print("\n".join("  " + line for line in last.splitlines()[:20]))
    print("outputs:", ", ".join(f"{k} {v / 2**20:.1f} MiB" for k, v in sorted(sizes.items())))
    print(f"machine load (1-minute average, {os.cpu_count()} cores) during the rounds: "
          f"{min(load):.1f}–{max(load):.1f}")
    print(f"\n{'process':10s} {'wall s median':>14s} {'range':>13s} {'CPU s median':>13s} {'peak tree MiB':>14s}")
    for name, vals in results.items():
        walls = [w for w, _, _ in vals]
        print(f"{name:10s} {statistics.median(walls):14.1f} {min(walls):6.1f}–{max(walls):<6.1f} "
              f"{statistics.median(c for _, c, _ in vals):13.1f} {max(r for _, _, r in vals):14.0f}")
    s = statistics.median(w for w, _, _ in results["score"])
    f = statistics.median(w for w, _, _ in results["floor"])
    cpu = statistics.median(c for _, c, _ in results["score"])
    peak = max(r for _, _, r in results["score"])
    print(f"\nappraisal score / read_csv floor: ×{s / f:.2f} wall, "
          f"×{cpu / statistics.median(c for _, c, _ in results['floor']):.2f} CPU")
    print(f"goal < 30 s: {'met' if s < 30 else 'NOT met'} ({s:.1f} s median wall, "
          f"{max(w for w, _, _ in results['score']):.1f} s slowest; {cpu:.1f} s of CPU)")
    print(f"goal < 1 GB: {'met' if peak * 2**20 < 1e9 else 'NOT met'} (peak {peak:.0f} MiB = "
          f"{peak * 2**20 / 1e9:.2f} GB, the highest of {len(results['score'])} rounds)")


if __name__ == "__main__":
    main()
