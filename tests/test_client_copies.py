"""Issue 15: what the client and the consultant read from a build.

A real build of both samples, in Chinese and in English (papermill, warm kernels, the whole pipeline), then:
every job has an HTML and a PDF client copy beside the documents; the PDF read with ``pdftotext`` and the HTML
as headless Chromium shows it contain no code, no ids, no error text and one language only (Chinese in an
English build only where the user wrote it); no executed notebook carries IPython history errors or stderr.
"""
from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import nbformat
import pytest

from toolkit.batch.build import run_build, summary_frame
from toolkit.batch.kernels import shutdown_worker_kernels
from toolkit.batch.plan import plan_build
from toolkit.model.engagement import load_engagement
from toolkit.model.messages import messages, t
from toolkit.model.paths import ROOT, samples_dir

SAMPLES = [samples_dir() / "small_company" / "engagement.yaml", samples_dir() / "midsize_company" / "engagement.yaml"]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts" / "client_copies"
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
#: what code, a traceback or a kernel notice looks like in text
CODE_OR_ERROR = re.compile(r"\bimport \w|\bws\.\w|\bprint\(|\bdef \w|In \[\d*\]|Out\[\d+\]|Traceback|"
                           r"Error\b|ERROR|not unique|Warning:|PosixPath|\bNaN\b|Empty DataFrame|"
                           r"output_dir|engagement\.yaml|worksheet\.|\b[a-z]+_en\b(?!\.)|\d+ rows × \d+ columns")


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, (list, tuple)):
        return [s for v in obj for s in _strings(v)]
    return []


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both samples built in zh and in en (one build per language, both engagements in it)."""
    out: dict[str, Any] = {}
    try:
        for lang in ("zh", "en"):
            plan = plan_build([str(p) for p in SAMPLES], tmp_path_factory.mktemp(f"build_{lang}"), lang=lang)
            report = run_build(plan, jobs=2, progress=False)
            assert report.ok, [(r.key, r.error) for r in report.results if not r.ok]
            out[lang] = report
    finally:
        shutdown_worker_kernels()
    return out


def _user_text(report: Any) -> list[str]:
    """Everything the user wrote in the engagements (names, goals, strategy …): allowed in any language."""
    return [s for info in report.plan.engagements.values()
            for s in _strings(load_engagement(info["path"]).model_dump(mode="json")) if HAN.search(s)]


def _ids(report: Any) -> set[str]:
    """Role and indicator ids of the build: never shown to the client (snake_case ones: unmistakable)."""
    ids = set()
    for info in report.plan.engagements.values():
        eng = load_engagement(info["path"])
        ids |= {r.id for r in eng.roles} | {i.id for r in eng.roles for i in r.indicators}
        ids |= {g.id for g in eng.goals} | {s.id for s in eng.strategy}
    return {i for i in ids if "_" in i}


def _assert_clean(text: str, report: Any, lang: str, where: str) -> None:
    found = CODE_OR_ERROR.search(text)
    assert not found, f"{where}: {found.group(0)!r} in {text[max(0, found.start() - 80):found.end() + 80]!r}"
    words = set(re.findall(r"[A-Za-z0-9_]+", text))
    leaked = _ids(report) & words
    assert not leaked, f"{where}: ids {sorted(leaked)}"
    if lang == "en":
        allowed = _user_text(report)
        foreign = [run for run in HAN.findall(text) if not any(run in s for s in allowed)]
        assert not foreign, f"{where}: Chinese not written by the user: {foreign[:10]}"
    else:  # the English explanations are not in a Chinese build
        for key in ("nb.weights.intro", "nb.goals.intro", "nb.calibration.intro"):
            assert t(key, "en").splitlines()[0].lstrip("# ") not in text, where


def _client_dirs(report: Any) -> list[Path]:
    return [report.plan.out / slug for slug in report.plan.engagements]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_job_has_html_and_pdf_copies(builds: dict[str, Any], lang: str) -> None:
    report = builds[lang]
    for r in report.results:
        client_dir = report.plan.out / r.slug
        for ext in ("html", "pdf"):
            rel = f"documents/worksheets/{r.key}.{ext}"
            assert (client_dir / rel).stat().st_size > 2000, rel
            assert rel in r.outputs, rel  # hashed in the manifest
        page = (client_dir / f"documents/worksheets/{r.key}.html").read_text(encoding="utf-8")
        assert "<script" not in page.lower() and not re.search(r'(src|href)="https?:', page), r.key
        assert "data:image/png;base64," in page or r.notebook in ("01_goals", "05_scheme"), r.key
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_error_or_stderr_text_in_any_executed_notebook(builds: dict[str, Any], lang: str) -> None:
    for client_dir in _client_dirs(builds[lang]):
        paths = sorted((client_dir / "notebooks").rglob("*.ipynb"))
        assert len(paths) >= 18
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                for o in cell.get("outputs", []):
                    assert o.get("output_type") != "error", path.name
                    assert not (o.get("output_type") == "stream" and o.get("name") == "stderr"), \
                        (path.name, o.get("text"))
            raw = path.read_text(encoding="utf-8")
            for bad in ("not unique in database", "History logging moved", "Traceback", "Warning:"):
                assert bad not in raw, (path.name, bad)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_markdown_in_one_language(builds: dict[str, Any], lang: str) -> None:
    other = "en" if lang == "zh" else "zh"
    keys = [k for k in messages() if k.startswith("nb.") and k.endswith(".intro")]
    for client_dir in _client_dirs(builds[lang]):
        for path in sorted((client_dir / "notebooks").glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
            assert md.startswith("# ")
            for key in keys:
                assert t(key, other).splitlines()[0] not in md, (path.name, key)
            if lang == "en":
                assert not HAN.search(md), path.name


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_copies_read_clean_with_pdftotext(builds: dict[str, Any], lang: str) -> None:
    report = builds[lang]
    n = 0
    for client_dir in _client_dirs(report):
        for pdf in sorted((client_dir / "documents" / "worksheets").glob("*.pdf")):
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                                  text=True).stdout
            assert len(text) > 200, pdf.name
            _assert_clean(text, report, lang, f"{client_dir.name}/{pdf.name}")
            n += 1
    assert n == len(report.results)


def _visible_chars(text: str) -> Counter[str]:
    return Counter(ch for ch in text if not ch.isspace())


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_copy_shows_what_the_html_copy_shows(builds: dict[str, Any], lang: str) -> None:
    """Two renderings, one content: the PDF (Typst, from the notebook) and the HTML (nbconvert) of each worksheet
    hold the same characters, character for character, the PDF adding only its page numbers ("n / N") and the
    header rows it repeats on the pages a table continues on."""
    import lxml.html

    report = builds[lang]
    for client_dir in _client_dirs(report):
        for pdf in sorted((client_dir / "documents" / "worksheets").glob("*.pdf")):
            root = lxml.html.parse(str(pdf.with_suffix(".html"))).getroot()
            for bad in root.xpath("//style|//script|//title"):
                bad.drop_tree()
            html_chars = _visible_chars(root.text_content())
            repeated = set("".join(th.text_content() for th in root.xpath("//thead//th")))
            pdf_text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True,
                                      text=True).stdout
            pages = pdf_text.count("\f")
            pdf_chars = _visible_chars(pdf_text)
            missing = html_chars - pdf_chars
            assert not missing, f"{pdf.name}: not in the PDF: {dict(missing.most_common(12))}"
            extra = pdf_chars - html_chars
            assert set(extra) <= set("0123456789/") | repeated, \
                f"{pdf.name}: only in the PDF: {dict(extra.most_common(12))}"
            assert extra["/"] >= pages, pdf.name  # one "n / N" a page


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_copies_in_headless_chromium(builds: dict[str, Any], lang: str) -> None:
    """What a browser shows (innerText) is clean; a screenshot of each weights worksheet is kept."""
    from playwright.sync_api import sync_playwright

    report = builds[lang]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            for client_dir in _client_dirs(report):
                for html in sorted((client_dir / "documents" / "worksheets").glob("*.html")):
                    page.goto(html.as_uri())
                    text = page.evaluate("document.body.innerText")
                    _assert_clean(text, report, lang, f"{client_dir.name}/{html.name} (browser)")
                    assert page.evaluate("document.querySelectorAll('pre.input, .jp-InputArea, .input_prompt')"
                                         ".length") == 0
                    if html.stem.startswith(("03_weights", "04_")):
                        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
                        shot = ARTIFACTS / f"{lang}_{client_dir.name}_{html.stem}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        assert shot.stat().st_size > 20_000
        finally:
            browser.close()


@pytest.mark.slow
def test_summary_in_the_build_language(builds: dict[str, Any]) -> None:
    zh = summary_frame(builds["zh"], "zh")
    assert list(zh.columns)[:3] == ["客户", "岗位", "状态"]
    assert set(zh["状态"]) == {"成功"}
    assert "广告投放专员" in set(zh["岗位"]) and "ad_placement" not in set(zh["岗位"])
    en = summary_frame(builds["en"], "en")
    assert set(en["status"]) == {"ok"} and "(department)" in set(en["role"])
    assert builds["zh"].exit_code == 0  # the samples have no check warnings
