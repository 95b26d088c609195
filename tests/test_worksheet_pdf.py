"""The worksheet client copy's PDF (Typst, from the notebook): what it shows, read back from the PDF.

The whole-build comparison with the HTML copy, character for character, is in ``test_client_copies.py``; here a
hand-made notebook holds what the real ones hold (markdown, pandas tables with a blank or a named index and with
merged MultiIndex cells, a chart, printed text) plus user text that looks like Typst, HTML or a formula.
"""
from __future__ import annotations

import base64
import json
import re
import subprocess

import nbformat
import pandas as pd
import pytest

from toolkit.batch.worksheet_pdf import worksheet_data, worksheet_pdf

HOSTILE = ['#set page(width: 1cm)', '<b>x</b>', '$x^2$', '*y*', '=1+1', '[z]', '\\u{41}', '// c']


def _png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from toolkit.notebooks.worksheet import figure_png

    fig, ax = plt.subplots(figsize=(4, 2))
    ax.plot([1, 2, 3])
    return figure_png(fig)


def _notebook() -> nbformat.NotebookNode:
    v4 = nbformat.v4
    blank = pd.DataFrame({"名称": HOSTILE, "权重": range(len(HOSTILE))}, index=[""] * len(HOSTILE))
    named = pd.DataFrame({"权重": [0.5, 0.5]}, index=pd.Index(["甲", "乙"], name="指标"))
    multi = pd.DataFrame({"x": [1, 2, 3, 4]},
                         index=pd.MultiIndex.from_tuples([("A", "a"), ("A", "b"), ("B", "a"), ("B", "b")]))
    long = pd.DataFrame({"序号": range(120), "说明": ["第" + str(k) + "行" for k in range(120)]})
    outputs = [v4.new_output("display_data", data={"text/html": df.to_html(), "text/plain": "t"})
               for df in (blank, named, multi, long)]
    png = base64.b64encode(_png()).decode()
    cells = [
        v4.new_markdown_cell("# 03 权重\n\n本工作表**针对一个岗位**：先看指标库，\n再看已选指标。\n\n"
                             "- 第一项\n- 第二项 *强调*\n\n> 引用的话\n\n## 小节\n\n| 列一 | 列二 |\n|---|---|\n| 1 | 2 |"),
        v4.new_code_cell("", outputs=outputs),
        v4.new_code_cell("", outputs=[v4.new_output("display_data", data={"image/png": png, "text/plain": "f"})]),
        v4.new_code_cell("", outputs=[v4.new_output("stream", name="stdout", text="G1: " + " ".join(HOSTILE) + "\n")]),
        v4.new_code_cell("", outputs=[v4.new_output("stream", name="stderr", text="never shown\n")]),
    ]
    return v4.new_notebook(cells=cells)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    data = worksheet_pdf(_notebook(), "zh", "03 权重")
    path = tmp_path_factory.mktemp("ws") / "w.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return data, text, info, fonts  # type: ignore[return-value]


def test_user_text_prints_as_written(pdf) -> None:  # type: ignore[no-untyped-def]
    _, text, _, _ = pdf
    for s in HOSTILE:
        assert text.count(s) >= 2, s  # in the table and in the printed line
    assert "never shown" not in text


def test_markdown_tables_charts_and_text_are_all_there(pdf) -> None:  # type: ignore[no-untyped-def]
    _, text, info, fonts = pdf
    for s in ("03 权重", "本工作表针对一个岗位：先看指标库，再看已选指标。", "第一项", "强调", "引用的话", "小节", "列一",
              "第119行", "G1:"):
        assert s in text, s
    assert "841.89 x 595.276 pts (A4)" in info  # landscape A4
    assert "NotoSansCJK" in fonts.replace(" ", "") or "Noto Sans CJK" in fonts
    assert all(line.split()[-4] == "yes" for line in fonts.splitlines()[2:] if line.strip())  # embedded
    pages = int(next(ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")))
    assert pages >= 2
    assert text.count("说明") >= 2  # the long table's header repeated on the page it continues on
    assert re.search(rf"\b1 ?/ ?{pages}\b", text) and re.search(rf"\b{pages} ?/ ?{pages}\b", text)


def test_tables_lose_the_blank_index_and_keep_its_name() -> None:
    doc = json.loads(worksheet_data(_notebook(), "zh")[0])
    tables = [b for b in doc["blocks"] if b["t"] == "table"]
    blank, named, multi = tables[1], tables[2], tables[3]  # tables[0]: the markdown one
    assert blank["cols"] == 2 and [c[0] for c in blank["head"][0]] == ["名称", "权重"]
    assert len(named["head"]) == 1 and [c[0] for c in named["head"][0]] == ["指标", "权重"]
    assert any(c[2] == 2 for row in multi["rows"] for c in row)  # the merged MultiIndex cell
    imgs = [b for b in doc["blocks"] if b["t"] == "img"]
    assert len(imgs) == 1 and 0 < imgs[0]["width"] <= 269


def test_a_process_forked_after_a_compile_still_compiles() -> None:
    """Typst keeps threads once used; a worker forked from a process that made a PDF (a test, a notebook calling
    run_build) used to wait for ever in its first compile. It compiles in a new process now."""
    import multiprocessing

    worksheet_pdf(_notebook(), "zh")  # Typst used here first
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        data = pool.apply_async(worksheet_pdf, (_notebook(), "zh")).get(timeout=120)
    assert data.startswith(b"%PDF")
