"""``appraisal build`` against the papermill floor, side by side in one run.

The floor: the same number of trivial parametrised notebooks (the same five parameters, one print) executed by
papermill's Python API with the same parallelism, each in its own fresh kernel — the cheapest way papermill can
run that many notebooks. Both sides run as a fresh process (interpreter start, imports, everything), so the
wall times compare like with like. Goal: the toolkit's own work adds at most 50 % on top of the floor.

Also reported: the same build with ``--fresh-kernels`` (one kernel per notebook, papermill's default), and the
scaling from 1 to 50 roles on synthetic engagements derived from the mid-size sample.

Usage: ``python benchmarks/bench_batch.py [--jobs N] [--sizes 1,10,50] [--repeat 1]``
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return dt


def n_notebooks(path: Path) -> int:
    from toolkit.model.engagement import load_engagement

    return 3 + 2 * len(load_engagement(path).roles)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sizes", default="1,10,50", help="role counts for the scaling table")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the mid-size comparison (median reported)")
    args = ap.parse_args()
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUTF8": "1"}
    appraisal = str(BIN / "appraisal")
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        tmp_path = Path(tmp)
        nb = tmp_path / "trivial.ipynb"
        trivial_notebook(nb)
        script = tmp_path / "floor.py"
        script.write_text(FLOOR_SCRIPT, encoding="utf-8")

        def floor(n: int, tag: str) -> float:
            out = tmp_path / f"floor-{tag}"
            out.mkdir()
            return timed([sys.executable, str(script), str(nb), str(out), str(n), str(args.jobs)], env)

        def build(path: Path, tag: str, *extra: str) -> float:
            return timed([appraisal, "build", str(path), "--out", str(tmp_path / f"build-{tag}"), "--jobs",
                          str(args.jobs), "--quiet", *extra], env)

        n = n_notebooks(MID)
        print(f"mid-size sample: {n} notebooks ({(n - 3) // 2} roles), {args.jobs} parallel workers, "
              f"{os.cpu_count()} cores")
        rows = []
        for r in range(args.repeat):
            f = floor(n, f"mid{r}")
            b = build(MID, f"mid{r}")
            fresh = build(MID, f"fresh{r}", "--fresh-kernels")
            rows.append((f, b, fresh))
            print(f"  run {r + 1}: floor {f:6.1f} s | appraisal build {b:6.1f} s (x{b / f:.2f}, "
                  f"{(b / f - 1) * 100:+.0f}% on the floor) | --fresh-kernels {fresh:6.1f} s (x{fresh / f:.2f})")
        ratios = sorted(b / f for f, b, _ in rows)
        ratio = statistics.median(ratios)
        print(f"overhead on the floor, median of {len(ratios)} run(s): {(ratio - 1) * 100:+.0f}% "
              f"(range {(ratios[0] - 1) * 100:+.0f}% … {(ratios[-1] - 1) * 100:+.0f}%; goal: at most +50%) -> "
              f"{'MET' if ratio <= 1.5 else 'NOT MET'}")

        print("\nscaling (synthetic engagements from the mid-size roles):")
        print(f"{'roles':>6} {'notebooks':>10} {'floor s':>9} {'build s':>9} {'ratio':>7} {'s/role':>8}")
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            path = synthetic(size, tmp_path / f"syn{size}")
            n = n_notebooks(path)
            f = floor(n, f"syn{size}")
            b = build(path, f"syn{size}")
            print(f"{size:>6} {n:>10} {f:>9.1f} {b:>9.1f} {b / f:>7.2f} {b / size:>8.2f}")


if __name__ == "__main__":
    main()
