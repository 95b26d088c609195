"""The guided notebooks: generated from one source, parameters typed, every one executed on the samples by
papermill, and interactive mode gives the same numbers as batch mode."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from toolkit.batch.jobs import run_job
from toolkit.batch.kernels import shutdown_worker_kernels
from toolkit.batch.plan import NOTEBOOKS, PARAMETERS, PER_ROLE, Job
from toolkit.model.paths import notebooks_dir, samples_dir
from toolkit.notebooks.sources import NOTEBOOK_NAMES, stale_notebooks
from toolkit.notebooks.worksheet import read_results, results_path

SAMPLES = [p for p in (samples_dir() / "small_company" / "engagement.yaml",
                       samples_dir() / "midsize_company" / "engagement.yaml") if p.is_file()]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def test_notebooks_match_their_source() -> None:
    assert NOTEBOOK_NAMES == NOTEBOOKS
    assert stale_notebooks() == [], "run: python -m toolkit.notebooks.sources"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_one_typed_parameters_cell(name: str, lang: str) -> None:
    from toolkit.notebooks.sources import notebook_path

    path = notebook_path(name, lang)
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    params = pm.inspect_notebook(str(path))
    assert {k: v["inferred_type_name"] for k, v in params.items()} == PARAMETERS
    assert all(v["help"] for v in params.values())
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert nb.metadata.kernelspec["name"] == "python3"
    # one language per file: the markdown is the catalogue's text in this file's language, nothing else
    from toolkit.model.messages import t

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert cell.source == t(cell.metadata["i18n"], lang)
    assert f'lang: str = "{lang}"' in next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


def _job(engagement: Path, name: str, role: str, out: Path, interactive: bool, lang: str = "zh") -> Job:
    return Job(client="x", slug="x", engagement=str(engagement.resolve()), notebook=name, role=role, lang=lang,
               client_dir=str(out), timeout=300, fingerprint="", warm=True,
               notebook_path=str(notebooks_dir() / f"{name}.ipynb"), interactive=interactive)


def _roles(engagement: Path) -> list[str]:
    from toolkit.model.engagement import load_engagement

    eng = load_engagement(engagement)
    ahp = [r.id for r in eng.roles if r.weighting.method == "ahp"]
    other = [r.id for r in eng.roles if r.weighting.method != "ahp"]
    return (ahp[:1] + other[:1]) or [eng.roles[0].id]


@pytest.fixture(scope="module", autouse=True)
def _kernel_cleanup():
    yield
    shutdown_worker_kernels()


def _assert_client_copy(path: Path, engagement: Path, role: str) -> None:
    """The client's copy reads as a worksheet: no code, no developer text, no local path, names not ids."""
    from toolkit.model.catalogue import indicator_name, load_catalogue
    from toolkit.model.engagement import load_engagement

    nb = nbformat.read(path, as_version=4)
    assert all(not c.source for c in nb.cells if c.cell_type == "code")
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    shown = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/html", ""))
                      + str(o.get("data", {}).get("text/plain", "")) for c in nb.cells for o in c.get("outputs", []))
    for leak in ("PosixPath", "interactive=True", "代码单元", "研讨会", "Empty DataFrame", "NaN", "epsilon",
                 "rater_kind", "target_share", str(engagement.parent)):
        assert leak not in text + shown, leak
    assert not re.search(r"\de-\d\d", shown), "a number in scientific notation"
    if role:
        eng = load_engagement(engagement)
        cat = load_catalogue()
        ids = [i.id for i in eng.role(role).indicators]
        assert all(indicator_name(cat[i], "zh") in shown for i in ids)
        assert not any(f">{i}<" in shown for i in ids), "indicator ids in a client table"


def test_format_frame_for_the_client() -> None:
    import numpy as np
    import pandas as pd

    from toolkit.notebooks.worksheet import format_frame

    frame = pd.DataFrame({"row": ["ctr", "cvr"], "col": ["cvr", "ctr"], "i": [0, 1], "j": [1, 0],
                          "epsilon": [2.000402e-16, np.nan], "share": [0.125, None], "ok": [True, False]})
    zh = format_frame(frame, percent=["share"], names={"ctr": "广告点击率", "cvr": "转化率"}, lang="zh")
    assert list(zh.columns) == ["行指标", "列指标", "偏差", "实际占比", "通过"]
    assert zh.to_numpy().tolist() == [["广告点击率", "转化率", "0.000", "12.5%", "是"],
                                      ["转化率", "广告点击率", "—", "—", "否"]]
    en = format_frame(frame[["share"]], percent=["share"], lang="en")
    assert list(en.columns) == ["Share"] and en.iloc[0, 0] == "12.5%"


def test_participants_counted_when_unnamed() -> None:
    from toolkit.model.engagement import load_engagement
    from toolkit.notebooks.worksheet import participant_count

    for engagement in SAMPLES:
        for r in load_engagement(engagement).roles:
            named = {j.participant for j in r.weighting.judgments}
            assert participant_count(r) == (0 if not r.weighting.judgments else max(len(named), 1,
                                                                                 len(r.weighting.participants)))
            if r.weighting.judgments:
                assert participant_count(r) >= 1


@pytest.mark.slow
@pytest.mark.parametrize("engagement", SAMPLES, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_batch_and_interactive_modes_agree(engagement: Path, name: str, tmp_path: Path) -> None:
    """Execute the notebook twice with papermill (batch, then interactive) and compare the results files."""
    roles = _roles(engagement) if name in PER_ROLE else [""]
    for role in roles:
        outs = {}
        for interactive in (False, True):
            out = tmp_path / f"{'i' if interactive else 'b'}-{role}"
            res = run_job(_job(engagement, name, role, out, interactive))
            assert res.status == "ok", res.error
            payload = read_results(results_path(out, name, role))
            assert payload["interactive"] is interactive and payload["role"] == role
            nb = nbformat.read(out / "notebooks" / f"{res.key}.ipynb", as_version=4)
            mimes = {m for c in nb.cells for o in c.get("outputs", []) for m in o.get("data", {})}
            if name in ("02_indicators", "03_weights"):
                assert (WIDGET_MIME in mimes) is interactive  # the workshop controls only when interactive
            outs[interactive] = payload["results"]
            if not interactive:
                _assert_client_copy(out / "notebooks" / "client" / f"{res.key}.ipynb", engagement, role)
        batch, inter = (json.dumps(outs[k], sort_keys=True) for k in (False, True))
        assert batch == inter
        assert outs[False], "a worksheet must save some results"


@pytest.mark.slow
def test_plain_papermill_run_in_english(tmp_path: Path) -> None:
    """The way a consultant would run one by hand: papermill's own kernel, no toolkit runner."""
    out = tmp_path / "out"
    nb = pm.execute_notebook(str(notebooks_dir() / "03_weights.ipynb"), str(tmp_path / "03.ipynb"),
                             parameters={"engagement": str(SAMPLES[0]), "role": "", "lang": "en",
                                         "output_dir": str(out)},
                             kernel_name="python3", progress_bar=False, log_output=False,
                             execution_timeout=300, cwd=str(notebooks_dir()))
    files = list((out / "results").glob("03_weights__*.json"))
    assert len(files) == 1
    payload = json.loads(files[0].read_text(encoding="utf-8"))
    weights = payload["results"]["weights"]
    assert payload["lang"] == "en" and abs(sum(weights.values()) - 100) < 1e-6
    pngs = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert pngs, "the weights chart is in the executed notebook"


# ------------------------------------------------------------------------------------------- the prepared engagement
def _small_copy(tmp_path: Path) -> Path:
    import shutil

    dst = tmp_path / "in"
    shutil.copytree(SAMPLES[0].parent, dst)
    return dst / "engagement.yaml"


def test_prepared_engagement_round_trip_and_invalidation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The prepared file gives the same engagement, findings and scheme; a changed input or a foreign file is
    never used (b), and without the build's secret (a notebook run by hand) nothing is read."""
    from toolkit.checks.engagement import check_engagement
    from toolkit.model.engagement import load_engagement
    from toolkit.notebooks import prepared as prep
    from toolkit.scheme.resolve import resolve_scheme

    monkeypatch.setenv(prep.SECRET_ENV, "test-secret")
    path = _small_copy(tmp_path)
    out = tmp_path / "client"
    eng = load_engagement(path)
    prep.write_prepared(out, prep.dump_prepared(eng, path, "zh"))
    got = prep.load_prepared(out, path, "zh")
    assert got is not None
    assert got.eng == eng and got.eng is not eng
    assert [f.to_dict() for f in got.findings] == [f.to_dict() for f in check_engagement(eng)]
    fresh, cached = resolve_scheme(eng), got.scheme()
    assert [(r.role.id, [(i.id, i.weight, i.threshold, i.target, i.stretch, i.cycle, i.rule) for i in r.indicators],
             r.band, r.weights_method, r.consistency) for r in cached.roles] == \
           [(r.role.id, [(i.id, i.weight, i.threshold, i.target, i.stretch, i.cycle, i.rule) for i in r.indicators],
             r.band, r.weights_method, r.consistency) for r in fresh.roles]
    rs = got.role_scheme(eng.roles[1].id)
    assert rs.role is got.eng.roles[1], "a role scheme points at the engagement's own role, as resolve_role does"
    assert cached.engagement is got.eng

    assert prep.load_prepared(out, path, "en") is None, "another language"
    monkeypatch.delenv(prep.SECRET_ENV)
    assert prep.load_prepared(out, path, "zh") is None, "no secret: a notebook run by hand loads the YAML"
    monkeypatch.setenv(prep.SECRET_ENV, "someone-else")
    assert prep.load_prepared(out, path, "zh") is None, "a file signed with another secret is never unpickled"
    monkeypatch.setenv(prep.SECRET_ENV, "test-secret")
    blob = prep.prepared_path(out).read_bytes()
    prep.prepared_path(out).write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    assert prep.load_prepared(out, path, "zh") is None, "a tampered file is never unpickled"
    prep.write_prepared(out, blob)
    assert prep.load_prepared(out, path, "zh") is not None
    path.write_text(path.read_text(encoding="utf-8").replace("threshold: 1.2", "threshold: 1.1", 1),
                    encoding="utf-8")
    assert prep.load_prepared(out, path, "zh") is None, "the engagement changed since it was prepared"


@pytest.mark.slow
def test_a_build_prepares_once_and_a_hand_run_gives_the_same_results(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """(a) one load, one check, one scheme per build, every notebook reads the prepared file; (b) an edited
    engagement is loaded afresh; (c) the same notebooks run by hand (no prepared file) give the same results."""
    import toolkit.checks.engagement as checks
    import toolkit.model.engagement as model
    from toolkit.batch.build import run_build
    from toolkit.batch.plan import plan_build
    from toolkit.notebooks.prepared import prepared_path
    from toolkit.scheme import resolve

    monkeypatch.setenv("APPRAISAL_TEST_DIGEST", "prepared-once-test")  # others' edits must not change the key
    path = _small_copy(tmp_path)
    calls = {"load": 0, "check": 0, "scheme": 0}

    def counted(name: str, fn):  # type: ignore[no-untyped-def]
        def wrapper(*a, **kw):  # type: ignore[no-untyped-def]
            calls[name] += 1
            return fn(*a, **kw)
        return wrapper

    monkeypatch.setattr(model, "load_engagement", counted("load", model.load_engagement))
    monkeypatch.setattr(checks, "check_engagement", counted("check", checks.check_engagement))
    monkeypatch.setattr(resolve, "resolve_scheme", counted("scheme", resolve.resolve_scheme))
    names = ("01_goals", "02_indicators", "03_weights", "04_calibration_review")
    plan = plan_build([path], tmp_path / "out", notebooks=names, timeout=300, copies=())
    assert calls == {"load": 1, "check": 1, "scheme": 1}
    report = run_build(plan, jobs=2, progress=False)
    assert report.ok, [(r.key, r.error) for r in report.results]
    client = report.manifests[0].parent
    assert not prepared_path(client).exists(), "the build's file goes when the build ends"
    built = {}
    for r in report.results:
        payload = read_results(results_path(client, r.notebook, r.role))
        assert payload["engagement_source"] == "prepared", r.key
        built[r.key] = payload["results"]

    # (c) by hand: papermill-style runs in a kernel without the prepared file give the same numbers
    hand = tmp_path / "hand"
    for job in plan.jobs:
        res = run_job(_job(path, job.notebook, job.role, hand, False))
        assert res.status == "ok", res.error
        payload = read_results(results_path(hand, job.notebook, job.role))
        assert payload["engagement_source"] == "loaded"
        assert json.dumps(payload["results"], sort_keys=True) == json.dumps(built[job.key], sort_keys=True), job.key

    # (b) the engagement edited after the build prepared it: the notebook loads the new file
    from toolkit.notebooks.prepared import dump_prepared, write_prepared

    shutdown_worker_kernels()  # the next kernel starts with this process's secret, as a build's kernels do
    plan = plan_build([path], tmp_path / "out2", notebooks=("02_indicators",), roles=["ad_placement"], copies=())
    job = plan.jobs[0]
    write_prepared(job.client_dir, dump_prepared(model.load_engagement(path), path, "zh"))
    sources = []
    for edit in (False, True):
        if edit:
            path.write_text(path.read_text(encoding="utf-8").replace("threshold: 1.2", "threshold: 1.1", 1),
                            encoding="utf-8")
        res = run_job(job)
        assert res.status == "ok", res.error
        sources.append(read_results(results_path(job.client_dir, job.notebook, job.role))["engagement_source"])
    assert sources == ["prepared", "loaded"]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd")
def test_warm_jobs_do_not_leak_file_descriptors(tmp_path: Path) -> None:
    """nbclient keeps the kernel client of a kernel it does not own open; a long-lived worker ran out of files."""
    import os

    engagement = SAMPLES[0]
    role = _roles(engagement)[0]
    run_job(_job(engagement, "02_indicators", role, tmp_path / "warm", False))  # the warm kernel exists now
    before = len(os.listdir("/proc/self/fd"))
    for k in range(4):
        res = run_job(_job(engagement, "02_indicators", role, tmp_path / f"o{k}", False))
        assert res.status == "ok", res.error
    assert len(os.listdir("/proc/self/fd")) - before < 6
