"""The batch runner: real papermill runs, real kernels killed and hung, real manifests, a real Dask cluster."""
from __future__ import annotations

import ast
import json
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from toolkit.batch.build import run_build, summary_frame, verify_manifest
from toolkit.batch.plan import client_slug, plan_build
from toolkit.cli import main
from toolkit.model.fileio import sha256_file
from toolkit.model.messages import t
from toolkit.model.paths import samples_dir
from toolkit.notebooks.worksheet import FAULT_ENV, read_results

SMALL = samples_dir() / "small_company" / "engagement.yaml"
FAST = ("02_indicators",)  # the cheapest per-role notebook: enough to exercise the runner


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    """A private copy of the small sample (with any data files beside it)."""
    dst = tmp_path / "in"
    shutil.copytree(SMALL.parent, dst)
    return dst / "engagement.yaml"


def _roles(path: Path) -> list[str]:
    from toolkit.model.engagement import load_engagement

    return [r.id for r in load_engagement(path).roles]


def test_client_slug_is_safe() -> None:
    for name in ['a/../../b', '..', '"; import os\n', "C:\\x\\..", "华东 科技/有限公司", "\x00evil"]:
        slug = client_slug(name)
        assert slug and "/" not in slug and "\\" not in slug and ".." not in slug and "\n" not in slug
        assert not slug.startswith(".")
    assert client_slug("杭州山岚茶饮有限公司") == "杭州山岚茶饮有限公司"


@pytest.mark.slow
def test_killed_and_hung_roles_are_isolated(small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    roles = _roles(small)
    assert len(roles) >= 3
    killed, hung, fine = roles[0], roles[1], roles[2:]
    monkeypatch.setenv(FAULT_ENV, f"{killed}:kill,{hung}:hang")
    plan = plan_build([small], tmp_path / "out", notebooks=FAST, timeout=15)
    report = run_build(plan, jobs=2, progress=False)
    status = {r.role: r for r in report.results}
    assert status[killed].status == "killed"
    assert status[hung].status == "timeout"
    for role in fine:
        assert status[role].status == "ok", status[role].error
    assert report.exit_code == 1
    client_dir = plan.out / client_slug("杭州山岚茶饮有限公司")
    # the failing roles leave their partial notebook (with the cells run so far), not a finished one
    for role in (killed, hung):
        partial = client_dir / "notebooks" / f"02_indicators__{role}.failed.ipynb"
        assert partial.is_file()
        assert not (client_dir / "notebooks" / f"02_indicators__{role}.ipynb").exists()
        nb = nbformat.read(partial, as_version=4)
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert [o.ename for o in errors] == ["DeadKernelError" if role == killed else "CellTimeoutError"]
        assert [c.execution_count for c in nb.cells if c.cell_type == "code"][:2] == [1, 2]  # ran up to there
    # nothing half-written is left in the staging area of a finished role
    assert (client_dir / "notebooks" / f"02_indicators__{fine[0]}.ipynb").is_file()
    table = summary_frame(report, "en")
    # status words in the build's language (the summary shows no raw status codes)
    assert set(table["status"]) >= {t(f"batch.status.{k}", "en") for k in ("killed", "timeout", "ok")}
    manifest = json.loads((client_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    assert {j["role"]: j["status"] for j in manifest["jobs"]}[hung] == "timeout"


@pytest.mark.slow
def test_manifest_hashes_and_resume(small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    roles = _roles(small)
    out = tmp_path / "out"
    # the fingerprint covers the toolkit's code too; pin it so edits made elsewhere during the test don't count
    monkeypatch.setattr("toolkit.batch.plan.toolkit_digest", lambda: "code-v1")
    monkeypatch.setenv(FAULT_ENV, f"{roles[0]}:error")
    plan = plan_build([small], out, notebooks=("01_goals", "02_indicators"), timeout=120)
    first = run_build(plan, jobs=2, progress=False)
    assert [r.role for r in first.results if not r.ok] == [roles[0]]
    client_dir = plan.out / plan.jobs[0].slug

    manifest = json.loads((client_dir / "manifest.json").read_text(encoding="utf-8"))
    assert {i["path"]: i["sha256"] for i in manifest["inputs"]}[str(small.resolve())] == sha256_file(small)
    assert manifest["versions"]["papermill"] and manifest["versions"]["python"]
    job = next(j for j in manifest["jobs"] if j["role"] == roles[1])
    assert job["parameters"] == {"engagement": str(small.resolve()), "role": roles[1], "lang": "zh",
                                 "output_dir": str(client_dir), "interactive": False}
    for item in manifest["outputs"]:
        assert sha256_file(client_dir / item["path"]) == item["sha256"]
    assert verify_manifest(client_dir) == []

    # --resume after the fault is gone: only the failed role runs again
    monkeypatch.delenv(FAULT_ENV)
    plan = plan_build([small], out, notebooks=("01_goals", "02_indicators"), timeout=120)
    second = run_build(plan, jobs=2, progress=False, resume=True)
    ran = {r.key for r in second.results if r.status == "ok"}
    assert ran == {f"02_indicators__{roles[0]}"}
    assert all(r.status == "cached" for r in second.results if r.key not in ran)
    assert verify_manifest(client_dir) == []

    # an output tampered with is detected, and --resume redoes that job
    victim = client_dir / "results" / f"02_indicators__{roles[1]}.json"
    victim.write_text(victim.read_text(encoding="utf-8").replace("quant_share", "quant_sharf"), encoding="utf-8")
    assert any("02_indicators__" + roles[1] in p for p in verify_manifest(client_dir))
    third = run_build(plan, jobs=2, progress=False, resume=True)
    assert {r.key for r in third.results if r.status == "ok"} == {f"02_indicators__{roles[1]}"}

    # changed code invalidates every job ...
    monkeypatch.setattr("toolkit.batch.plan.toolkit_digest", lambda: "code-v2")
    plan = plan_build([small], out, notebooks=("01_goals",), timeout=120)
    assert [r.status for r in run_build(plan, jobs=1, progress=False, resume=True).results] == ["ok"]
    manifest = json.loads((client_dir / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["jobs"]) == 1 + len(roles)  # the jobs this build did not touch stay on record
    monkeypatch.setattr("toolkit.batch.plan.toolkit_digest", lambda: "code-v1")

    # ... a changed role re-runs that role and the department-level worksheets, not the other roles
    text = small.read_text(encoding="utf-8")
    edited = text.replace("threshold: 1.2", "threshold: 1.1", 1)  # roles[0] (ad_placement), ctr
    assert edited != text and roles[0] == "ad_placement"
    small.write_text(edited, encoding="utf-8")
    plan = plan_build([small], out, notebooks=("01_goals", "02_indicators"), timeout=120)
    fourth = run_build(plan, jobs=2, progress=False, resume=True)
    ran = {r.key: (r.status, r.error) for r in fourth.results if r.status != "cached"}  # errors shown if any
    assert ran == {"01_goals": ("ok", ""), f"02_indicators__{roles[0]}": ("ok", "")}
    assert verify_manifest(client_dir) == []


def test_failing_checks_stop_before_any_notebook(small: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    text = small.read_text(encoding="utf-8")
    broken = text.replace("weight: 20\n        threshold: 1.2", "weight: 10\n        threshold: 1.2", 1)
    assert broken != text
    small.write_text(broken, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["build", str(small), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "scheme.weights_sum" in err and "roles[0]" in err
    assert not out.exists() or not any(out.rglob("*.ipynb"))


def test_unknown_role_unwritable_out_missing_notebook(small: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    code = main(["--lang", "en", "build", str(small), "--out", str(tmp_path / "o"), "--roles", "nosuchrole"])
    err = capsys.readouterr().err
    assert code == 2 and "unknown role: nosuchrole" in err and "ad_placement" in err
    assert "Traceback" not in err

    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    code = main(["--lang", "en", "build", str(small), "--out", str(blocker / "sub")])
    err = capsys.readouterr().err
    assert code == 2 and "not writable" in err and "--out" in err

    empty = tmp_path / "nb"
    empty.mkdir()
    monkeypatch.setenv("APPRAISAL_NOTEBOOKS", str(empty))
    code = main(["--lang", "en", "build", str(small), "--out", str(tmp_path / "o2")])
    err = capsys.readouterr().err
    assert code == 2 and "notebook not found" in err and "01_goals.ipynb" in err

    monkeypatch.delenv("APPRAISAL_NOTEBOOKS")
    code = main(["--lang", "en", "build", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o3")])
    assert code == 2


@pytest.mark.slow
def test_hostile_names_cannot_escape_or_break_parameters(small: Path, tmp_path: Path) -> None:
    hostile = 'Evil "quoted" \'co\'\n/../../etc/..\\x'
    text = small.read_text(encoding="utf-8")
    text = text.replace("name: 杭州山岚茶饮有限公司", f"name: {json.dumps(hostile)}", 1)
    text = text.replace("name: 广告投放专员", f"name: {json.dumps(hostile + ' role')}", 1)
    small.write_text(text, encoding="utf-8")
    out = tmp_path / "deep" / "out"
    plan = plan_build([small], out, notebooks=FAST, roles=["ad_placement"], timeout=120)
    report = run_build(plan, jobs=1, progress=False)
    assert report.ok, [r.error for r in report.results]
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != small and small.parent not in p.parents]
    assert written and all(out in p.parents for p in written)
    nb = nbformat.read(next(out.rglob("02_indicators__ad_placement.ipynb")), as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    ns: dict[str, object] = {}
    exec(compile(ast.parse(injected[0].source), "params", "exec"), ns)  # noqa: S102 - it must parse and give these
    assert ns["role"] == "ad_placement" and ns["engagement"] == str(small.resolve())

    # a role *id* with path characters is refused when the engagement is loaded (exit 2, nothing run)
    small.write_text(text.replace("- id: ad_placement", '- id: "../ad"', 1), encoding="utf-8")
    assert main(["build", str(small), "--out", str(tmp_path / "o4")]) == 2
    assert not (tmp_path / "o4").exists()


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _all_gone(pids: list[int], timeout: float = 20) -> bool:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end and any(_alive(p) for p in pids):
        time.sleep(0.25)
    return not any(_alive(p) for p in pids)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_dask_local_cluster(small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """(d) each Dask worker warms one kernel and its jobs reuse it; no kernel outlives the build or its worker."""
    distributed = pytest.importorskip("distributed")
    monkeypatch.setenv("APPRAISAL_TEST_DIGEST", "dask-test")  # inherited by the workers: others' edits don't count
    from toolkit.batch.build import close_executor, make_executor
    from toolkit.batch.kernels import kernel_stats

    roles = ["ad_placement", "event_planning", "market_research"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        ex = make_executor("dask", scheduler=cluster.scheduler_address)
        try:
            plan = plan_build([small], tmp_path / "out", notebooks=("01_goals", "02_indicators"), roles=roles,
                              timeout=300, copies=("html",))
            assert all(j.warm for j in plan.jobs)
            report = run_build(plan, executor=ex, progress=False)
            stats = ex._toolkit_client.run(kernel_stats)
        finally:
            close_executor(ex)
        assert report.ok, [(r.key, r.error) for r in report.results]
        assert len(stats) == 2 and all(s["started"] == 1 for s in stats.values()), stats  # one warm kernel each
        assert sum(s["reused"] for s in stats.values()) == len(plan.jobs), stats  # every job took a warm one
        kernels = [p for s in stats.values() for p in s["pids"]]
        assert len(kernels) == 2 and _all_gone(kernels), "the build's end stops the workers' kernels"
        client_dir = report.manifests[0].parent
        sources = {read_results(client_dir / "results" / f"{r.key}.json")["engagement_source"] for r in report.results}
        assert sources == {"prepared"}, "the Dask workers read the prepared engagement too"

        # the same through the CLI: every notebook of one role, on the cluster
        code = main(["build", str(small), "--out", str(tmp_path / "cli"), "--executor", "dask",
                     "--scheduler", cluster.scheduler_address, "--roles", "event_planning", "--quiet"])
        assert code == 0
        assert verify_manifest(next((tmp_path / "cli").iterdir())) == []

        # a cluster that closes while the build's kernels are still there takes them along
        ex = make_executor("dask", scheduler=cluster.scheduler_address)
        client = ex._toolkit_client
        assert client.submit(lambda: 1).result() == 1
        import time

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and sum(s["idle"] for s in client.run(kernel_stats).values()) < 2:
            time.sleep(0.5)
        kernels = [p for s in client.run(kernel_stats).values() for p in s["pids"]]
        assert len(kernels) == 2 and all(_alive(p) for p in kernels)
        client.close()
    assert _all_gone(kernels), "no kernel outlives its Dask worker"
    manifest = json.loads(report.manifests[0].read_text(encoding="utf-8"))
    assert manifest["status"] == "ok"
    assert {j["role"] for j in manifest["jobs"]} == {"", *roles}
    assert verify_manifest(client_dir) == []


def test_dask_without_scheduler_is_a_clear_error(small: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "build", str(small), "--out", str(tmp_path / "o"), "--executor", "dask"])
    assert code == 2 and "--scheduler" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_build_of_the_small_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "build"
    code = main(["--lang", "en", "build", str(SMALL), "--out", str(out), "--jobs", "2", "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    client_dir = out / "杭州山岚茶饮有限公司"
    manifest = json.loads((client_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok"
    assert verify_manifest(client_dir) == []
    # executed notebooks for the audit, client copies without code
    for job in manifest["jobs"]:
        full = client_dir / "notebooks" / f"{job['key']}.ipynb"
        copy = client_dir / "notebooks" / "client" / f"{job['key']}.ipynb"
        assert full.is_file() and copy.is_file()
        nb = nbformat.read(copy, as_version=4)
        assert all(c.source == "" for c in nb.cells if c.cell_type == "code")
        assert not any("parameters" in " ".join(c.metadata.get("tags", [])) for c in nb.cells)
    # the audit copy's parameters cell is readable: the Chinese client folder is not \u-escaped
    nb = nbformat.read(client_dir / "notebooks" / "01_goals.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "杭州山岚茶饮有限公司" in injected.source and "\\u" not in injected.source
    # documents were rendered and are hashed in the manifest
    docs = manifest["jobs"][-1]["results"]["documents"]
    assert docs and all((client_dir / d).is_file() or Path(d).is_file() for d in docs)
    from toolkit.model.engagement import load_engagement

    for role in load_engagement(SMALL).roles:  # the summary names roles; ids stay in the manifest
        assert role.name in printed and role.id not in printed.split("manifest")[0]
    assert "ok" in printed and "(department)" in printed and os.path.isdir(client_dir / "results")
    # the client copies a client can open, beside the documents
    for job in manifest["jobs"]:
        for ext in ("html", "pdf"):
            assert f"documents/worksheets/{job['key']}.{ext}" in job["outputs"]


@pytest.mark.slow
def test_demo_builds_both_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--quiet"]) == 0, capsys.readouterr()
    clients = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(clients) == 2
    for client_dir in clients:
        for name in ("documents/scheme.docx", "documents/scheme.pdf", "documents/scheme.html", "forms/kpi_forms.xlsx"):
            assert (client_dir / name).stat().st_size > 1000, name
        assert verify_manifest(client_dir) == []
        assert not list(client_dir.rglob("*.failed.ipynb")) and not list(client_dir.rglob("*.part"))


def test_a_client_folder_is_never_taken_over_by_another_engagement(small: Path, tmp_path: Path) -> None:
    """Clients 甲/乙 and 甲-乙 share a folder name; a later build of one must not overwrite the other's folder."""
    text = small.read_text(encoding="utf-8")
    first, second = tmp_path / "a" / "engagement.yaml", tmp_path / "b" / "engagement.yaml"
    for path, name in ((first, "甲/乙"), (second, "甲-乙")):
        path.parent.mkdir()
        path.write_text(text.replace("name: 杭州山岚茶饮有限公司", f"name: {json.dumps(name)}", 1), encoding="utf-8")
    out = tmp_path / "out"
    (out / client_slug("甲/乙")).mkdir(parents=True)
    (out / client_slug("甲/乙") / "manifest.json").write_text(json.dumps({"engagement": str(first)}),
                                                             encoding="utf-8")
    plan = plan_build([second], out, notebooks=FAST, warm=False)
    assert list(plan.engagements) == [client_slug("甲-乙") + "-2"]
    plan = plan_build([first], out, notebooks=FAST, warm=False)
    assert list(plan.engagements) == [client_slug("甲/乙")], "its own folder is reused"


def test_client_copy_drops_code_parameters_and_stderr() -> None:
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from toolkit.batch.jobs import client_copy

    nb = new_notebook(cells=[
        new_markdown_cell("说明"),
        new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        new_code_cell("print('结果')", outputs=[new_output("stream", name="stdout", text="结果\n"),
                                              new_output("stream", name="stderr", text="ERROR! Session/line\n")]),
        new_code_cell("import warnings", outputs=[new_output("stream", name="stderr", text="warning\n")]),
    ])
    out = client_copy(nb)
    assert [c.cell_type for c in out.cells] == ["markdown", "code"]
    assert out.cells[1].source == "" and [o["name"] for o in out.cells[1].outputs] == ["stdout"]
    assert nb.cells[2].outputs[1]["name"] == "stderr", "the audit copy keeps everything"


def test_exit_code_and_summary_words_follow_render_and_the_language() -> None:
    """1 with check warnings (as render/check), 1 with a failure, 0 otherwise; status words in the language."""
    from toolkit.batch.build import summary_frame
    from toolkit.batch.plan import BuildPlan, BuildReport, JobResult
    from toolkit.model.errors import Finding

    info = {"x": {"client": "客户甲", "roles": ["ad_placement"], "role_names": {"ad_placement": "广告投放专员"}}}
    ok = [JobResult(key="01_goals", slug="x", notebook="01_goals", role="", status="ok"),
          JobResult(key="03_weights__ad_placement", slug="x", notebook="03_weights", role="ad_placement",
                    status="timeout")]
    plan = BuildPlan(out=Path("/tmp/x"), jobs=[], engagements=info)
    assert BuildReport(plan=plan, results=ok[:1], seconds=1, manifests=[]).exit_code == 0
    assert BuildReport(plan=plan, results=ok, seconds=1, manifests=[]).exit_code == 1
    warned = BuildPlan(out=Path("/tmp/x"), jobs=[], engagements=info,
                       warnings=[Finding(code="x", severity="warning", location="l", message="m")])
    assert BuildReport(plan=warned, results=ok[:1], seconds=1, manifests=[]).exit_code == 1
    zh = summary_frame(BuildReport(plan=plan, results=ok, seconds=1, manifests=[]), "zh")
    assert zh["岗位"].tolist() == ["（全部门）", "广告投放专员"] and zh["状态"].tolist() == ["成功", "超时"]
    en = summary_frame(BuildReport(plan=plan, results=ok, seconds=1, manifests=[]), "en")
    assert en["status"].tolist() == ["ok", "timed out"]


def test_progress_bar_counts_setup_before_the_jobs() -> None:
    from toolkit.batch.build import progress_bar

    bar = progress_bar(3, enabled=True)  # on stderr (captured): shown before any job exists
    assert bar.total == 3
    bar.update(3)
    bar.total += 5
    assert bar.n == 3 and bar.total == 8
    bar.close()


def test_copies_option_chooses_the_client_copies_and_resume_adds_what_was_left_out(
        small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--copies html`` writes the worksheets' HTML copies only; the same build resumed with the default
    (HTML and PDF) runs the jobs again, because the copies are part of what a job made."""
    monkeypatch.setattr("toolkit.batch.plan.toolkit_digest", lambda: "code-v1")
    role = _roles(small)[0]
    out = tmp_path / "out"
    args = ["build", str(small), "--out", str(out), "--roles", role, "--jobs", "2", "--quiet"]
    assert main([*args, "--copies", "html"]) in (0, 1)
    sheets = next(out.glob("*/documents/worksheets"))
    html = sorted(p.stem for p in sheets.glob("*.html"))
    assert f"02_indicators__{role}" in html and "05_scheme" in html
    assert not list(sheets.glob("*.pdf"))
    assert main([*args, "--resume"]) in (0, 1)
    assert sorted(p.stem for p in sheets.glob("*.pdf")) == html  # every job ran again, now with its PDF
    manifest = json.loads(next(out.glob("*/manifest.json")).read_text(encoding="utf-8"))
    assert all(j["status"] == "ok" for j in manifest["jobs"])
