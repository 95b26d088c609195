"""Issue 16, hard faults of `appraisal build`: kill -9 leaves no orphan and a resumable folder, two builds into one
folder are refused, braces in --out stay literal, hostile names cannot break the notebook parameters.

These run the real command in a subprocess and kill it with a real SIGKILL; processes are found through /proc
and only those started here are signalled, by pid.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from procs import alive, children, cmdline, descendants, kernels_of, wait_until

from toolkit.batch.build import run_build, verify_manifest
from toolkit.batch.plan import JOURNAL, client_slug, plan_build, read_journal
from toolkit.model.paths import ROOT, samples_dir

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")]

SMALL = samples_dir() / "small_company" / "engagement.yaml"
SLUG = client_slug("杭州山岚茶饮有限公司")


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    dst = tmp_path / "in"
    shutil.copytree(SMALL.parent, dst)
    return dst / "engagement.yaml"


def _env() -> dict[str, str]:
    # pin the code digest: other people editing the checkout must not make --resume rerun everything
    return {**os.environ, "PYTHONUTF8": "1", "APPRAISAL_TEST_DIGEST": "hostile-batch-test"}


def _build(engagement: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "toolkit", "build", str(engagement), "--out", str(out),
                             "-j", "2", "-q", *extra], cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*") if p.is_file()}


def test_kill_9_of_build_leaves_no_orphan_and_the_first_build_resumes(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _build(small, out)
    client = out / SLUG
    try:
        assert wait_until(lambda: len(read_journal(client)[1]) >= 2, 240), "no job finished"
        tree = descendants(proc.pid)
        kernels = kernels_of(proc.pid)
        assert len(kernels) == 2 and len(tree) >= 4, [(cmdline(p)[:60], p) for p in tree]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    t_kill = time.monotonic()
    assert wait_until(lambda: not any(alive(p) for p in tree), 15), [p for p in tree if alive(p)]
    gone_after = time.monotonic() - t_kill
    # nothing writes into --out any more (it did for ~40 s before)
    before = _snapshot(out)
    time.sleep(5)
    assert _snapshot(out) == before
    assert not (client / "manifest.json").exists() and (client / JOURNAL).exists()
    done = {k for k, j in read_journal(client)[1].items() if j["status"] == "ok"}
    assert done

    rerun = _build(small, out, "--resume")
    _stdout, stderr = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [SLUG], "no <client>-2"
    manifest = json.loads((client / "manifest.json").read_text(encoding="utf-8"))
    cached = {j["key"] for j in manifest["jobs"] if j["status"] == "cached"}
    assert done <= cached, (done, cached)
    assert verify_manifest(client) == [] and not (client / JOURNAL).exists()
    print(f"workers and kernels gone {gone_after:.1f} s after kill -9; {len(done)} jobs kept by the journal")


def test_a_killed_worker_takes_its_kernel_along(small: Path, tmp_path: Path) -> None:
    proc = _build(small, tmp_path / "out", "--timeout", "120")
    try:
        assert wait_until(lambda: len(kernels_of(proc.pid)) == 2, 180)
        workers = [p for p in children().get(proc.pid, []) if kernels_of(p)]
        victim = workers[0]
        kernel = kernels_of(victim)[0]
        os.kill(victim, signal.SIGKILL)
        assert wait_until(lambda: not alive(kernel), 15), "the kernel outlived its worker"
        _, stderr = proc.communicate(timeout=600)
        assert proc.returncode in (0, 1) and "Traceback" not in stderr, stderr
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def test_two_builds_into_one_folder_the_second_is_refused(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _build(small, out)
    try:
        lock = out / f".{SLUG}.lock"
        assert wait_until(lambda: lock.exists() and f"pid {first.pid}" in lock.read_text(encoding="utf-8"), 240)
        second = _build(small, out)
        _, err = second.communicate(timeout=300)
        assert second.returncode == 2 and "Traceback" not in err, err
        assert "另一个构建正在写入" in err and f"pid {first.pid}" in err
        _, err = first.communicate(timeout=600)
        assert first.returncode == 0, err
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
    assert verify_manifest(out / SLUG) == []


def test_braces_in_out_are_a_path_not_a_template(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "br{foo}" / "{{7*7}}"
    plan = plan_build([small], out, notebooks=("01_goals", "02_indicators"), roles=["event_planning"])
    report = run_build(plan, jobs=2, progress=False)
    assert all(r.ok for r in report.results), [(r.key, r.error) for r in report.results]
    client = out / SLUG
    assert (client / "notebooks" / "01_goals.ipynb").is_file() and verify_manifest(client) == []
    nb = nbformat.read(client / "notebooks" / "01_goals.ipynb", as_version=4)
    assert nb.metadata["papermill"]["parameters"]["output_dir"] == str(client.resolve())


def test_hostile_engagement_parameters_stay_literals(tmp_path: Path) -> None:
    """The fuzzed engagement (hostile text in every field) builds; the injected cell is plain literals."""
    from test_hostile import _hostile_engagement

    eng, _ = _hostile_engagement(tmp_path)
    out = tmp_path / "out"
    plan = plan_build([eng], out, notebooks=("01_goals",))
    report = run_build(plan, jobs=1, progress=False)
    assert report.ok, [(r.key, r.error) for r in report.results]
    (client,) = [p for p in out.iterdir() if p.is_dir()]
    assert out.resolve() in client.resolve().parents
    nb = nbformat.read(client / "notebooks" / "01_goals.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    values = {}
    for node in ast.parse(cell.source).body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), ast.dump(node)
        values[node.targets[0].id] = node.value.value  # type: ignore[attr-defined]
    assert values == nb.metadata["papermill"]["parameters"]


def test_forked_kernels_give_what_new_kernel_processes_give(small: Path, tmp_path: Path) -> None:
    """Issue 17: a local build forks its kernels from the workers (no `python -m ipykernel_launcher`); the same
    build with new kernel processes (APPRAISAL_FORK_KERNELS=0) writes the same results and the same outputs."""
    from toolkit.batch.kernels import FORK_ENV

    seen: dict[str, list[str]] = {}
    for mode in ("1", "0"):
        env = {**_env(), FORK_ENV: mode}
        proc = subprocess.Popen([sys.executable, "-m", "toolkit", "build", str(small), "--out",
                                 str(tmp_path / mode), "-j", "2", "-q"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            pid = proc.pid
            assert wait_until(lambda: len(kernels_of(pid)) == 2, 180)  # noqa: B023 - called right here
            seen[mode] = [cmdline(k) for k in kernels_of(pid)]
            _, stderr = proc.communicate(timeout=600)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        assert proc.returncode == 0, stderr
    assert not any("ipykernel_launcher" in c for c in seen["1"]), seen["1"]
    assert all("ipykernel_launcher" in c for c in seen["0"]), seen["0"]
    forked, spawned = tmp_path / "1" / SLUG, tmp_path / "0" / SLUG
    for res in sorted((spawned / "results").glob("*.json")):
        a = json.loads(res.read_text(encoding="utf-8"))["results"]
        b = json.loads((forked / "results" / res.name).read_text(encoding="utf-8"))["results"]
        assert a == b, res.name

    def outputs(path: Path) -> list[str]:
        return [json.dumps(o.get("data", o.get("text")), sort_keys=True)
                for c in nbformat.read(path, as_version=4).cells for o in c.get("outputs", [])]

    for nb in sorted((spawned / "notebooks").glob("*.ipynb")):
        assert outputs(nb) == outputs(forked / "notebooks" / nb.name), nb.name
