"""``appraisal build`` against the papermill floor, side by side in one run, from 1 to 200 roles; Dask against local.

The floor: as many trivial parametrised notebooks as the build runs (the same five parameters, one print),
executed by papermill's Python API with the same parallelism, each in its own fresh kernel — the cheapest way
papermill can run that many notebooks. Both sides run as a fresh process (interpreter start, imports,
everything), alternately (floor first in odd rounds, build first in even ones), so the ratios compare like with
like on a machine whose load changes. Peak memory is the sum of the RSS of the whole process tree (the command,
its workers, their kernels), sampled every 0.2 s.

Goals (issue 17): build ≤ ×1.3 the floor at every size; the cost per role flat from 50 to 200 roles (the marginal
cost of a role, between two sizes, about the same); peak memory growing sublinearly; ``--executor dask`` on a
LocalCluster of 2 single-thread workers ≤ ×1.3 the local build with ``--jobs 2``.

Usage: ``python benchmarks/bench_batch.py [--jobs 2] [--sizes 1,10,50,100,200] [--repeat 3] [--dask-sizes 10]
[--dask-repeat 3] [--json out.json] [--baseline OLD_CHECKOUT --baseline-sizes 10,50]``
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MID = ROOT / "data_samples" / "midsize_company" / "engagement.yaml"
BIN = Path(sys.executable).parent

FLOOR_SCRIPT = r'''
import sys, os, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
import papermill as pm

nb, out, n, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def run(i):
    pm.execute_notebook(nb, os.path.join(out, f"nb{i}.ipynb"), kernel_name="python3", progress_bar=False,
                        log_output=False, parameters={"engagement": "/x/engagement.yaml", "role": f"r{i}",
                                                      "lang": "zh", "output_dir": out, "interactive": False})

if __name__ == "__main__":
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as ex:
        list(ex.map(run, range(n)))
'''


def trivial_notebook(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# trivial"),
        nbformat.v4.new_code_cell('engagement: str = ""\nrole: str = ""\nlang: str = "zh"\noutput_dir: str = ""\n'
                                  "interactive: bool = False", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print(engagement, role, lang, output_dir, interactive)"),
    ]
    nbformat.write(nb, path)


def synthetic(n_roles: int, folder: Path) -> Path:
    """An engagement with ``n_roles`` roles, cycling through the mid-size sample's roles (employees simulated)."""
    from toolkit.model.yamlio import dump_yaml, read_yaml

    data = read_yaml(MID)
    base = list(data["roles"])
    roles = []
    for k in range(n_roles):
        role = json.loads(json.dumps(base[k % len(base)], default=str))
        if k >= len(base):
            role["id"] = f"{role['id']}_{k}"
            role["name"] = f"{role['name']}{k}"
        roles.append(role)
    data["roles"] = roles
    data.pop("employees", None)
    data["client"]["name"] = f"合成客户{n_roles}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "engagement.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


def _tree_rss(proc: Any) -> int:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def timed(cmd: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (bytes) and CPU seconds of the command's whole process tree.

    CPU seconds are user + system of the command and every descendant it waited for (``RUSAGE_CHILDREN``
    around the one child running): on a machine other work shares, they say what the work costs whatever the
    load, where wall time also counts the waiting for a core.
    """
    import resource

    import psutil

    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        ps = psutil.Process(proc.pid)
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(ps))
            done.wait(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    dt = time.perf_counter() - t0
    done.set()
    th.join()
    if proc.returncode not in (0, 1):  # 1: built, with check warnings (the synthetic engagements have one)
        sys.stderr.write(out[-3000:] + err[-3000:])
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return dt, peak[0], cpu


def n_notebooks(path: Path) -> int:
    from toolkit.model.engagement import load_engagement

    return 3 + 2 * len(load_engagement(path).roles)


def _med(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sizes", default="1,10,50,100,200", help="role counts of the synthetic engagements")
    ap.add_argument("--repeat", type=int, default=3, help="rounds per size (median reported)")
    ap.add_argument("--max-repeat-roles", type=int, default=10_000,
                    help="sizes above this run once (200 roles take many minutes a round)")
    ap.add_argument("--dask-sizes", default="10", help="role counts for dask vs local (empty: skip)")
    ap.add_argument("--dask-repeat", type=int, default=3)
    ap.add_argument("--json", default="", help="write every measurement to this file")
    ap.add_argument("--baseline", default="", help="an older checkout (toolkit/, templates/, notebooks/): its build "
                    "is run beside this one's, once per size in --baseline-sizes")
    ap.add_argument("--baseline-sizes", default="10,50")
    args = ap.parse_args()
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUTF8": "1"}
    appraisal = str(BIN / "appraisal")
    record: dict[str, Any] = {"jobs": args.jobs, "cores": os.cpu_count(), "sizes": {}, "dask": {}}

    def save() -> None:
        if args.json:
            Path(args.json).write_text(json.dumps(record, indent=1), encoding="utf-8")

    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        tmp_path = Path(tmp)
        nb = tmp_path / "trivial.ipynb"
        trivial_notebook(nb)
        script = tmp_path / "floor.py"
        script.write_text(FLOOR_SCRIPT, encoding="utf-8")
        counter = [0]

        def fresh(tag: str) -> Path:
            counter[0] += 1
            return tmp_path / f"{tag}-{counter[0]}"

        def floor(n: int) -> tuple[float, int, float]:
            out = fresh("floor")
            out.mkdir()
            return timed([sys.executable, str(script), str(nb), str(out), str(n), str(args.jobs)], env)

        def build(path: Path, *extra: str, cwd: str | None = None) -> tuple[float, int, float]:
            out = fresh("build")
            # an older checkout runs as `python -m toolkit` from its own folder (its code first on sys.path)
            head = [sys.executable, "-m", "toolkit"] if cwd else [appraisal]
            result = timed([*head, "build", str(path), "--out", str(out), "--jobs", str(args.jobs), "--quiet",
                            *extra], env, cwd)
            for manifest in out.glob("*/manifest.json"):  # exit code 1 is also a failed notebook: check each job
                bad = [j["key"] for j in json.loads(manifest.read_text(encoding="utf-8"))["jobs"]
                       if j["status"] not in ("ok", "cached")]
                if bad:
                    raise SystemExit(f"build failed: {bad[:5]}")
            return result

        print(f"{args.jobs} parallel workers, {os.cpu_count()} cores; floor = papermill, one fresh kernel per "
              "trivial notebook; ratios side by side within each round", flush=True)
        print(f"{'roles':>5} {'nbs':>4} {'round':>5} {'floor s':>8} {'build s':>8} {'ratio':>6} "
              f"{'floor MB':>9} {'build MB':>9} {'floor CPU':>9} {'build CPU':>9} {'CPU ratio':>9}", flush=True)
        summary = []
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            path = synthetic(size, tmp_path / f"syn{size}")
            n = n_notebooks(path)
            rounds = []
            for r in range(args.repeat if size <= args.max_repeat_roles else 1):
                if r % 2 == 0:
                    f, fm, fc = floor(n)
                    b, bm, bc = build(path)
                else:
                    b, bm, bc = build(path)
                    f, fm, fc = floor(n)
                rounds.append({"floor": f, "build": b, "floor_peak": fm, "build_peak": bm, "floor_cpu": fc,
                               "build_cpu": bc, "load": os.getloadavg()[0]})
                print(f"{size:>5} {n:>4} {r + 1:>5} {f:>8.1f} {b:>8.1f} {b / f:>6.2f} {fm / 2**20:>9.0f} "
                      f"{bm / 2**20:>9.0f} {fc:>9.1f} {bc:>9.1f} {bc / fc:>9.2f}", flush=True)
                record["sizes"][str(size)] = {"notebooks": n, "rounds": rounds}
                save()
            ratios = sorted(x["build"] / x["floor"] for x in rounds)
            summary.append((size, n, _med([x["floor"] for x in rounds]), _med([x["build"] for x in rounds]),
                            _med(ratios), ratios[0], ratios[-1], _med([x["build_peak"] for x in rounds]),
                            _med([x["floor_peak"] for x in rounds]), len(rounds),
                            _med([x["build_cpu"] / x["floor_cpu"] for x in rounds]),
                            _med([x["build_cpu"] for x in rounds])))

        print("\nsummary (medians; ratio range over the rounds):")
        print(f"{'roles':>5} {'nbs':>4} {'n':>2} {'floor s':>8} {'build s':>8} {'ratio':>6} {'range':>11} {'goal':>5} "
              f"{'s/role':>7} {'marg s/role':>11} {'build MB':>9} {'floor MB':>9} {'CPU ratio':>9} "
              f"{'CPU s/role':>10} {'marg CPU':>8}")
        prev = None
        for size, n, f, b, ratio, lo, hi, bm, fm, k, cratio, bc in summary:
            marg = f"{(b - prev[1]) / (size - prev[0]):>11.2f}" if prev and size > prev[0] else f"{'—':>11}"
            cmarg = f"{(bc - prev[2]) / (size - prev[0]):>8.2f}" if prev and size > prev[0] else f"{'—':>8}"
            print(f"{size:>5} {n:>4} {k:>2} {f:>8.1f} {b:>8.1f} {ratio:>6.2f} {lo:>5.2f}–{hi:<5.2f} "
                  f"{'met' if ratio <= 1.3 else 'NOT':>5} {b / size:>7.2f} {marg} {bm / 2**20:>9.0f} {fm / 2**20:>9.0f} "
                  f"{cratio:>9.2f} {bc / size:>10.2f} {cmarg}")
            prev = (size, b, bc)
        big = [s for s in summary if s[0] >= 50]  # (size, n, floor, build, ratio, lo, hi, build MB, …)
        if len(big) >= 2:
            (s0, *_r0), (s1, *_r1) = big[0], big[-1]
            m0, m1 = big[0][7], big[-1][7]
            print(f"peak memory {s0} -> {s1} roles: ×{m1 / m0:.2f} for ×{s1 / s0:.1f} the roles "
                  f"({'sublinear' if m1 / m0 < s1 / s0 else 'NOT sublinear'})")

        if args.baseline:
            base = str(Path(args.baseline).resolve())
            print(f"\nthis build vs the baseline checkout {base} (same engagement, side by side):")
            print(f"{'roles':>5} {'nbs':>4} {'floor s':>8} {'before s':>9} {'after s':>8} {'after/before':>12} "
                  f"{'before/floor':>12} {'after/floor':>11}", flush=True)
            for size in [int(s) for s in args.baseline_sizes.split(",") if s.strip()]:
                path = synthetic(size, tmp_path / f"base{size}")
                n = n_notebooks(path)
                f, _, _ = floor(n)
                old, _, _ = build(path, cwd=base)
                new, _, _ = build(path)
                record.setdefault("baseline", {})[str(size)] = {"floor": f, "before": old, "after": new}
                save()
                print(f"{size:>5} {n:>4} {f:>8.1f} {old:>9.1f} {new:>8.1f} {new / old:>12.2f} {old / f:>12.2f} "
                      f"{new / f:>11.2f}", flush=True)

        dask_sizes = [int(s) for s in args.dask_sizes.split(",") if s.strip()]
        if dask_sizes:
            from distributed import LocalCluster

            print(f"\ndask (LocalCluster: {args.jobs} workers × 1 thread, started before timing) vs local "
                  f"(--jobs {args.jobs}):")
            print(f"{'roles':>5} {'nbs':>4} {'round':>5} {'local s':>8} {'dask s':>8} {'ratio':>6}", flush=True)
            for size in dask_sizes:
                path = synthetic(size, tmp_path / f"dask{size}")
                n = n_notebooks(path)
                rounds = []
                for r in range(args.dask_repeat):
                    with LocalCluster(n_workers=args.jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None, silence_logs=40) as cluster:
                        remote = ["--executor", "dask", "--scheduler", cluster.scheduler_address]
                        if r % 2 == 0:  # wall only: the cluster's workers are not the command's children
                            loc, _, _ = build(path)
                            dsk, _, _ = build(path, *remote)
                        else:
                            dsk, _, _ = build(path, *remote)
                            loc, _, _ = build(path)
                    rounds.append({"local": loc, "dask": dsk})
                    print(f"{size:>5} {n:>4} {r + 1:>5} {loc:>8.1f} {dsk:>8.1f} {dsk / loc:>6.2f}", flush=True)
                    record["dask"][str(size)] = {"notebooks": n, "rounds": rounds}
                    save()
                ratios = sorted(x["dask"] / x["local"] for x in rounds)
                print(f"{size:>5} {n:>4} {'med':>5} {_med([x['local'] for x in rounds]):>8.1f} "
                      f"{_med([x['dask'] for x in rounds]):>8.1f} {_med(ratios):>6.2f}  (range {ratios[0]:.2f}–"
                      f"{ratios[-1]:.2f}; goal ≤ 1.30: {'met' if _med(ratios) <= 1.3 else 'NOT met'})")


if __name__ == "__main__":
    main()
