"""The scheme document: content model, DOCX, PDF and HTML read back with real readers; refusal and atomicity."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile

import pytest
from docx import Document as DocxReader
from pypdf import PdfReader

from toolkit.cli import main
from toolkit.document import Table, build_document, deadline_calendar, fmt_num, zh_numeral
from toolkit.engagement import load_engagement
from toolkit.errors import InputError
from toolkit.paths import samples_dir
from toolkit.render import output_names, render_all
from toolkit.scheme import resolve_scheme

CHAPTERS_ZH = ["总则", "考核组织与职责", "考核对象与周期", "目标设定", "考核内容与指标", "权重分配", "考核方法",
               "评分规则与等级", "考核程序", "结果应用", "绩效面谈与改进", "申诉", "附则"]
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def small():
    return load_engagement(samples_dir() / "small_company" / "engagement.yaml")


@pytest.fixture(scope="module")
def mid():
    return load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")


@pytest.fixture(scope="module")
def mid_out(mid, tmp_path_factory):
    out = tmp_path_factory.mktemp("mid")
    return render_all(mid, out, formats=("docx", "pdf", "html"), today=TODAY)


@pytest.fixture(scope="module")
def small_en(small, tmp_path_factory):
    out = tmp_path_factory.mktemp("small_en")
    return render_all(small, out, lang="en", formats="docx,html", today=TODAY)


def _with(eng, **changes):
    data = eng.model_dump()
    for path, value in changes.items():
        node = data
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        node[keys[-1]] = value
    return type(eng).model_validate(data)


# --------------------------------------------------------------------------------------------- content model
def test_chinese_numerals():
    assert [zh_numeral(n) for n in (1, 10, 11, 19, 20, 21, 99, 100, 105, 110)] == [
        "一", "十", "十一", "十九", "二十", "二十一", "九十九", "一百", "一百零五", "一百一十"]


def test_chapters_and_continuous_article_numbers(small):
    doc = build_document(small, today=TODAY, figures=False)
    assert [c.title for c in doc.chapters] == CHAPTERS_ZH
    assert [c.label for c in doc.chapters][:3] == ["第一章", "第二章", "第三章"]
    numbers = [a.number for c in doc.chapters for a in c.articles]
    assert numbers == list(range(1, len(numbers) + 1))
    assert doc.chapters[0].articles[0].label == "第一条"


def test_every_weight_and_anchor_comes_from_the_scheme(mid):
    scheme = resolve_scheme(mid)
    doc = build_document(mid, scheme=scheme, today=TODAY, figures=False)
    forms = next(a for a in doc.appendices if a.key == "forms")
    tables = [b for b in forms.blocks if isinstance(b, Table) and b.columns]
    assert len(tables) == len(scheme.roles)
    for rs, table in zip(scheme.roles, tables):
        rows = {r[2]: r for r in table.rows}
        for ind in rs.indicators:
            row = rows[ind.name("zh")]
            assert row[3] == fmt_num(ind.weight, "%")
            assert row[4] == " / ".join(fmt_num(x, ind.indicator.unit) for x in (ind.threshold, ind.target,
                                                                                    ind.stretch))
        assert table.rows[-1][3] == "100%"


def test_small_company_is_short_and_has_no_360(small, mid):
    s = build_document(small, today=TODAY, figures=False)
    m = build_document(mid, today=TODAY, figures=False)
    s_titles = [a.title for c in s.chapters for a in c.articles]
    m_titles = [a.title for c in m.chapters for a in c.articles]
    assert "360度评估" not in s_titles and "360度评估" in m_titles
    assert "目标管理" in m_titles and "目标管理" not in s_titles
    assert "术语" in m_titles and "术语" not in s_titles
    assert len(s.all_text()) < len(m.all_text())
    for eng, doc in ((small, s), (mid, m)):  # the AHP appendix exactly when a role is weighted by AHP
        uses_ahp = any(r.weighting.method == "ahp" for r in eng.roles)
        assert ("calibration" in [a.key for a in doc.appendices]) == uses_ahp
    direct = _with(small, roles=[dict(r.model_dump(), weighting={"method": "direct"}) for r in small.roles])
    if any(i.weight is None for r in direct.roles for i in r.indicators):
        direct = None  # the sample has no direct weights to fall back on
    if direct is not None:
        assert "calibration" not in [a.key for a in build_document(direct, figures=False).appendices]
    for r in mid.raters:  # 360 rater weights as numbers from the model
        assert fmt_num(round(r.weight * 100, 2), "%") in m.all_text()


def test_legal_clauses_and_appeal_numbers(small):
    text = build_document(small, today=TODAY, figures=False).all_text()
    assert "不等同于不能胜任工作" in text
    assert "职工代表大会" in text and "平等协商" in text
    assert f"{small.appeal.window_days} 个工作日内向{small.appeal.channel}" in text
    assert f"由{small.appeal.decider}在 {small.appeal.decision_days} 个工作日内" in text
    assert f"本办法由{small.governance.interpreter}负责解释" in text
    eff = small.governance.effective_date
    assert f"本办法自 {eff.year}年{eff.month}月{eff.day}日 起施行" in text


def test_deadline_calendar_follows_cycles_and_working_days(small):
    eng = _with(small, governance__effective_date=dt.date(2027, 1, 1), cycles__submit_day=5,
                cycles__review_day=10, cycles__interview_day=17, appeal__window_days=7)
    cal = deadline_calendar(eng)
    assert len(cal) == 12
    first = cal[0]
    assert (first["start"], first["end"]) == (dt.date(2027, 1, 1), dt.date(2027, 1, 31))
    assert first["submit"] == dt.date(2027, 2, 5) and first["interview"] == dt.date(2027, 2, 17)
    assert first["appeal"] == dt.date(2027, 2, 19)  # Wed 10 Feb + 7 working days
    assert cal[-1]["review"] == dt.date(2028, 1, 10)
    q = deadline_calendar(_with(eng, cycles__default="quarterly"))
    assert [r["end"] for r in q] == [dt.date(2027, 3, 31), dt.date(2027, 6, 30), dt.date(2027, 9, 30),
                                     dt.date(2027, 12, 31)]


def test_english_document(small):
    doc = build_document(small, "en", today=TODAY, figures=False)
    assert doc.chapters[0].label == "Chapter 1" and doc.chapters[0].title == "General provisions"
    assert doc.chapters[-1].title == "Supplementary provisions"
    headings = [c.heading for c in doc.chapters] + [a.label for c in doc.chapters for a in c.articles]
    assert not any(re.search(r"[\u4e00-\u9fff]", h) for h in headings)
    assert "Guiding" not in doc.all_text()  # the safeguard is plain policy text, not a warning
    assert "not in itself proof" in doc.all_text()


def test_bad_language_is_rejected(small):
    with pytest.raises(ValueError):
        build_document(small, "fr")
    with pytest.raises(InputError):
        render_all(small, "/nonexistent-never-created", lang="fr")


# --------------------------------------------------------------------------------------------- DOCX
def test_docx_headings_fonts_toc_and_tables(mid, mid_out):
    d = DocxReader(mid_out["docx"])
    h1 = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    h2 = [p.text for p in d.paragraphs if p.style.name == "Heading 2"]
    assert [h.split("　", 1)[1] for h in h1[:13]] == CHAPTERS_ZH
    assert h1[0] == "第一章　总则" and h1[13].startswith("附件1")
    assert h2[0] == "第一条　目的"
    styles = {s.name: s for s in d.styles}
    east = lambda st: st.element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert east(styles["Normal"]) == "宋体"
    assert east(styles["Heading 1"]) == "黑体" and east(styles["Heading 2"]) == "黑体"
    with zipfile.ZipFile(mid_out["docx"]) as z:
        xml = z.read("word/document.xml").decode("utf-8")
        settings = z.read("word/settings.xml").decode("utf-8")
        footer = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/footer"))
    assert 'TOC \\o "1-2"' in xml
    assert "updateFields" in settings
    assert "PAGE" in footer and "第 " in footer
    cells = {c.text for t in d.tables for r in t.rows for c in r.cells}
    scheme = resolve_scheme(mid)
    for rs in scheme.roles:
        for ind in rs.indicators:
            assert ind.name("zh") in cells
    assert {"S", "A", "B", "C", "D"} <= cells
    for g in mid.grades:
        assert any(fmt_num(g.min_score) in c for c in cells)


def test_docx_in_english(small_en):
    d = DocxReader(small_en["docx"])
    h1 = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert h1[0] == "Chapter 1  General provisions"
    assert "Appendix 1" in h1[13]


# --------------------------------------------------------------------------------------------- PDF
@pytest.mark.slow
def test_pdf_text_pages_and_embedded_cjk_fonts(mid, mid_out):
    reader = PdfReader(mid_out["pdf"])
    text = "\n".join(p.extract_text() for p in reader.pages)
    flat = re.sub(r"\s+", "", text)
    for title in CHAPTERS_ZH:
        assert title in flat
    assert "市场部绩效考核管理办法" in flat
    assert "第2页" in flat  # page numbers in the footer
    assert mid.client.name in flat
    assert "一致性比率CR=" in flat
    if shutil.which("pdffonts"):
        out = subprocess.run(["pdffonts", str(mid_out["pdf"])], capture_output=True, text=True, check=True).stdout
        fonts = [line.split() for line in out.splitlines()[2:] if line.strip()]
        assert any("CJK" in f[0] for f in fonts)
        assert all("yes" == f[-5] for f in fonts), out  # every font embedded
    assert len(reader.pages) > 10


# --------------------------------------------------------------------------------------------- HTML
def test_html_is_self_contained(mid_out):
    html = mid_out["html"].read_text(encoding="utf-8")
    assert "<link" not in html and 'src="http' not in html and "@import" not in html
    assert 'src="data:image/png;base64,' in html  # the sensitivity charts are inlined
    assert "第一章　总则" in html
    assert html.count('<section class="chapter"') == 13


def test_html_escapes_user_text(small, tmp_path):
    evil = '<script>alert("x")</script>&<b>'
    eng = _with(small, client__name=evil, result_use__promotion='<img src=x onerror="alert(1)">')
    paths = render_all(eng, tmp_path, formats="html", today=TODAY)
    html = paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;b&gt;" in html
    assert "&lt;img src=x onerror=" in html


# --------------------------------------------------------------------------------------------- refusal, atomicity, CLI
def test_engagement_with_errors_is_not_rendered(small, tmp_path):
    bad = _with(small, roles__0__indicators__0__weight=1.0)  # weights no longer sum to 100
    out = tmp_path / "out"
    with pytest.raises(InputError) as exc:
        render_all(bad, out)
    assert exc.value.findings and all(f.severity == "error" for f in exc.value.findings)
    assert any(f.code == "scheme.weights_sum" for f in exc.value.findings)
    assert not out.exists() or not any(out.iterdir())


def test_unknown_format_is_rejected(small, tmp_path):
    with pytest.raises(InputError) as exc:
        render_all(small, tmp_path, formats="docx,odt")
    assert "odt" in exc.value.message


def test_failing_render_leaves_previous_files_intact(small, tmp_path, monkeypatch):
    first = render_all(small, tmp_path, formats="docx,html,xlsx", today=TODAY)
    before = {k: p.read_bytes() for k, p in first.items()}
    changed = _with(small, client__name="改名后的公司")

    import toolkit.render_docx as rd

    def boom(doc):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rd, "docx_bytes", boom)
    with pytest.raises(RuntimeError):
        render_all(changed, tmp_path, formats="html,docx,xlsx", today=TODAY)
    assert {k: p.read_bytes() for k, p in first.items()} == before  # html not replaced either
    assert not list(tmp_path.glob(".*.part"))


def test_cli_render_and_refusal(tmp_path, capsys):
    sample = samples_dir() / "small_company" / "engagement.yaml"
    out = tmp_path / "out"
    assert main(["render", str(sample), "--out", str(out), "--formats", "html,xlsx"]) == 0
    names = output_names(load_engagement(sample))
    assert (out / names["html"]).exists() and (out / names["xlsx"]).exists()
    assert not (out / names["pdf"]).exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text(sample.read_text(encoding="utf-8").replace("weight: 20", "weight: 21", 1), encoding="utf-8")
    capsys.readouterr()
    code = main(["render", str(bad), "--out", str(tmp_path / "bad_out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "未生成文档" in err and "scheme.weights_sum" in err
    assert "Traceback" not in err
    assert not (tmp_path / "bad_out").exists()
