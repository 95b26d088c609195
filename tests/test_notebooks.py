"""The guided notebooks: generated from one source, parameters typed, every one executed on the samples by
papermill, and interactive mode gives the same numbers as batch mode."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from toolkit.batch import NOTEBOOKS, PARAMETERS, PER_ROLE, Job, run_job, shutdown_worker_kernels
from toolkit.notebook_source import NOTEBOOK_NAMES, stale_notebooks
from toolkit.paths import notebooks_dir, samples_dir
from toolkit.worksheet import read_results, results_path

SAMPLES = [p for p in (samples_dir() / "small_company" / "engagement.yaml",
                       samples_dir() / "midsize_company" / "engagement.yaml") if p.is_file()]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def test_notebooks_match_their_source() -> None:
    assert NOTEBOOK_NAMES == NOTEBOOKS
    assert stale_notebooks() == [], "run: python -m toolkit.notebook_source"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_one_typed_parameters_cell(name: str) -> None:
    path = notebooks_dir() / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    params = pm.inspect_notebook(str(path))
    assert {k: v["inferred_type_name"] for k, v in params.items()} == PARAMETERS
    assert all(v["help"] for v in params.values())
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert nb.metadata.kernelspec["name"] == "python3"


def _job(engagement: Path, name: str, role: str, out: Path, interactive: bool, lang: str = "zh") -> Job:
    return Job(client="x", slug="x", engagement=str(engagement.resolve()), notebook=name, role=role, lang=lang,
               client_dir=str(out), timeout=300, fingerprint="", warm=True,
               notebook_path=str(notebooks_dir() / f"{name}.ipynb"), interactive=interactive)


def _roles(engagement: Path) -> list[str]:
    from toolkit.engagement import load_engagement

    eng = load_engagement(engagement)
    ahp = [r.id for r in eng.roles if r.weighting.method == "ahp"]
    other = [r.id for r in eng.roles if r.weighting.method != "ahp"]
    return (ahp[:1] + other[:1]) or [eng.roles[0].id]


@pytest.fixture(scope="module", autouse=True)
def _kernel_cleanup():
    yield
    shutdown_worker_kernels()


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
