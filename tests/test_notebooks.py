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
