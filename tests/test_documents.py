"""The scheme document: content model, DOCX, PDF and HTML read back with real readers; refusal and atomicity."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile

import pytest
from conftest import with_changes
from docx import Document as DocxReader
from pypdf import PdfReader

from toolkit.cli import main
from toolkit.documents.blocks import Table
from toolkit.documents.calendar import deadline_calendar
from toolkit.documents.content import build_document
from toolkit.documents.render import output_names, render_all
from toolkit.documents.wording import fmt_num, zh_numeral
from toolkit.model.engagement import load_engagement
from toolkit.model.errors import InputError
from toolkit.model.paths import samples_dir
from toolkit.scheme.resolve import resolve_scheme

CHAPTERS_ZH = ["总则", "考核组织与职责", "考核对象与周期", "目标设定", "考核内容与指标", "权重分配", "考核方法",
               "评分规则与等级", "考核程序", "结果应用", "绩效面谈与改进", "申诉", "附则"]
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def mid_out(mid, tmp_path_factory):
    out = tmp_path_factory.mktemp("mid")
    return render_all(mid, out, formats=("docx", "pdf", "html"), today=TODAY)


@pytest.fixture(scope="module")
def small_en(small, tmp_path_factory):
    out = tmp_path_factory.mktemp("small_en")
    return render_all(small, out, lang="en", formats="docx,html", today=TODAY)




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
        rows = {r[2].split("\n")[0]: r for r in table.rows}  # an indicator on its own cycle adds "（半年度）"
        for ind in rs.indicators:
            row = rows[ind.name("zh")]
            assert row[3] == fmt_num(ind.weight, "%")
            if ind.rule.type == "rating" or (ind.threshold is None and ind.stretch is None):
                assert row[4].startswith(fmt_num(ind.target, "" if ind.rule.type == "rating" else
                                                 ind.indicator.unit)) or f"/ {fmt_num(ind.target)} /" in row[4]
            else:
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
    direct = with_changes(small, roles=[dict(r.model_dump(), weighting={"method": "direct"}) for r in small.roles])
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
    assert f"本办法自{eff.year}年{eff.month}月{eff.day}日起施行" in text


def test_deadline_calendar_follows_cycles_and_working_days(small):
    eng = with_changes(small, governance__effective_date=dt.date(2027, 1, 1), cycles__submit_day=5,
                cycles__review_day=10, cycles__interview_day=17, appeal__window_days=7)
    cal = deadline_calendar(eng)
    assert len(cal) == 12
    first = cal[0]
    assert (first["start"], first["end"]) == (dt.date(2027, 1, 1), dt.date(2027, 1, 31))
    # the 5th is 除夕: 2027's schedule is not published, so the customary break 除夕–初七 (5–12 Feb) is estimated
    # and the first working day after it is Mon 15 Feb (not 9 Feb, 初四, nor 10 Feb, 初五)
    assert first["submit"] == dt.date(2027, 2, 15) and first["review"] == dt.date(2027, 2, 15)
    assert first["interview"] == dt.date(2027, 2, 17)
    assert first["appeal"] == dt.date(2027, 2, 24)  # Mon 15 Feb + 7 working days
    assert cal[8]["submit"] == dt.date(2027, 10, 8)  # 5 Oct is in the National Day break 1–7 Oct
    text = build_document(eng, today=TODAY, figures=False).all_text()
    assert re.search(r"2027[、0-9]* 年的放假安排尚未公布", text)
    assert cal[-1]["review"] == dt.date(2028, 1, 10)
    q = deadline_calendar(with_changes(eng, cycles__default="quarterly"))
    assert [r["end"] for r in q] == [dt.date(2027, 3, 31), dt.date(2027, 6, 30), dt.date(2027, 9, 30),
                                     dt.date(2027, 12, 31)]


def test_estimated_years_keep_deadlines_out_of_the_customary_breaks(small):
    """2027 and 2028 are not published: no deadline in 除夕–初七, 5/1–5/5 or 10/1–10/7, whatever the day of the
    month; and the estimate covers every weekday the official schedules of 2024–2026 gave off for those breaks."""
    import chinese_calendar
    from lunardate import LunarDate

    from toolkit.documents.workdays import estimated_holidays, is_official

    def breaks(year: int) -> set[dt.date]:
        eve = LunarDate(year, 1, 1).to_solar_date() - dt.timedelta(days=1)
        days = {eve + dt.timedelta(days=k) for k in range(8)}  # 除夕 to 初七
        days |= {dt.date(year, 5, d) for d in range(1, 6)} | {dt.date(year, 10, d) for d in range(1, 8)}
        return days

    for year in (2027, 2028):
        assert not is_official(year)
        off = breaks(year)
        for day in range(1, 29):
            eng = with_changes(small, governance__effective_date=dt.date(year, 1, 1), cycles__submit_day=day,
                               cycles__review_day=day, cycles__interview_day=day, appeal__window_days=3)
            for row in deadline_calendar(eng):
                for key in ("submit", "review", "interview", "appeal"):
                    assert row[key] not in off, (year, day, key, row[key])
    assert max(d for d in estimated_holidays(2028) if d.month == 10) == dt.date(2028, 10, 8)  # 中秋 3 Oct 2028
    for year in (2024, 2025, 2026):  # the rule against the published years
        official = {d for d, name in chinese_calendar.holidays.items() if d.year == year and d.weekday() < 5
                    and name in ("Spring Festival", "Labour Day", "National Day")}
        assert official <= set(estimated_holidays(year)), sorted(official - set(estimated_holidays(year)))
    text = build_document(with_changes(small, governance__effective_date=dt.date(2027, 1, 1)), today=TODAY,
                          figures=False).all_text()
    assert "春节除夕至正月初七" in text and "未计调休上班日" in text

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
    assert 'TOC \\o "1-1"' in xml
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
    eng = with_changes(small, client__name=evil, result_use__promotion='<img src=x onerror="alert(1)">')
    paths = render_all(eng, tmp_path, formats="html", today=TODAY)
    html = paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;b&gt;" in html
    assert "&lt;img src=x onerror=" in html


# --------------------------------------------------------------------------------------------- refusal, atomicity, CLI
def test_engagement_with_errors_is_not_rendered(small, tmp_path):
    bad = with_changes(small, roles__0__indicators__0__weight=1.0)  # weights no longer sum to 100
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
    changed = with_changes(small, client__name="改名后的公司")

    import toolkit.documents.render_docx as rd

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


# --------------------------------------------------------------------------------------------- new-user trial
HAN = re.compile(r"[\u4e00-\u9fff]")


def _client_strings(eng) -> list[str]:
    """Every text the client wrote (sections taken from the size profile are not in the dump), longest first."""
    out: set[str] = set()

    def walk(x):
        if isinstance(x, str):
            out.add(x.strip())
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
    walk(eng.model_dump(exclude_unset=True, mode="json"))
    return sorted((s for s in out if s), key=len, reverse=True)


def test_english_document_has_no_chinese_from_toolkit_defaults(small):
    from toolkit.model.catalogue import size_profiles

    assert "result_use" not in small.model_fields_set and "appeal" not in small.model_fields_set
    doc = build_document(small, "en", today=TODAY, figures=False)
    text = doc.all_text() + "\n" + doc.meta
    profile = size_profiles()["small"]
    for zh in [profile.result_use["promotion"], *profile.result_use["training"], *profile.result_use["non_cash"]]:
        assert zh not in text
    appeal = "\n".join(t for a in next(c for c in doc.chapters if c.key == "appeal").articles
                       for t in _texts(a.blocks))
    for zh in (profile.appeal["channel"], profile.appeal["decider"]):  # 总经理 may also be a client's word
        assert zh not in appeal
    assert profile.text_en["result_use"]["promotion"] in text
    assert "appeal in writing to the General Manager's Office" in text
    # what remains after taking out the client's own words is English, with English punctuation
    rest = text
    for s in _client_strings(small):
        rest = rest.replace(s, " ")
    leftovers = sorted({m.group(0) for m in re.finditer(r".{0,20}[\u4e00-\u9fff：（），。；].{0,20}", rest)})
    assert leftovers == []
    assert doc.meta.startswith("Prepared for: ")


def test_client_text_stays_as_written_in_english(small):
    client = with_changes(small, result_use={"promotion": "由总经理决定晋升。", "training": ["内部分享会"]})
    assert "result_use" in client.model_fields_set
    text = build_document(client, "en", today=TODAY, figures=False).all_text()
    assert "由总经理决定晋升。" in text and "内部分享会" in text
    assert "promotion shortlist" not in text


def test_units_are_written_the_english_way(small, mid):
    assert fmt_num(180, "元", lang="en") == "180 CNY" and fmt_num(8, "小时", lang="en") == "8 h"
    assert fmt_num(60, "个", lang="en") == "60" and fmt_num(3, "倍", lang="en") == "3×"
    assert fmt_num(180, "元") == "180元"  # Chinese unchanged
    unit_re = re.compile(r"\d\s?(元|小时|个|次|篇|人|万次|倍|分)(?![\u4e00-\u9fff])")
    for eng in (small, mid):
        doc = build_document(eng, "en", today=TODAY, figures=False)
        client = _client_strings(eng)
        for ap in doc.appendices:
            for b in ap.blocks:
                if isinstance(b, Table):
                    for row in b.rows:
                        for cell in row:
                            if cell not in client:
                                assert not unit_re.search(cell), cell
        goals = next(a for c in doc.chapters for a in c.articles if a.title.startswith("Department goals")
                     or any(isinstance(b, Table) and b.caption.startswith("Goals") for b in a.blocks))
        cells = " ".join(" ".join(r) for b in goals.blocks if isinstance(b, Table) for r in b.rows)
        assert "people" in cells and not re.search(r"\d人", cells)


def test_small_chinese_document_has_no_placeholder_text(small):
    doc = build_document(small, today=TODAY, figures=False)
    body = "\n".join([doc.title, doc.meta] + [c.heading for c in doc.chapters] + [
        t for c in doc.chapters for a in c.articles for t in [a.heading, *_texts(a.blocks)]])
    for bad in ("＿", "____", "{", "}", "None", "nan", "doc.", "unit.", "—"):
        assert bad not in body, bad
    forms = next(a for a in doc.appendices if a.key == "forms")
    anchors = [r[4] for b in forms.blocks if isinstance(b, Table) and b.columns for r in b.rows[:-1]]
    assert anchors and not any("—" in a for a in anchors)  # rating anchors are levels, band shows its tolerance


def _texts(blocks):
    out = []
    for b in blocks:
        if isinstance(b, Table):
            out += [b.caption] + [c for r in b.rows for c in r]
        elif hasattr(b, "text"):
            out.append(b.text)
    return out


def test_rating_rule_text_gives_the_engines_level_scores(small):
    from toolkit.documents.wording import rule_text
    from toolkit.scoring.rules import apply_rule

    scheme = resolve_scheme(small)
    rated = [i for rs in scheme.roles for i in rs.indicators if i.rule.type == "rating"]
    assert rated
    for i in rated:
        levels = list(range(1, i.rule.levels + 1))
        scores = apply_rule(i.rule, "higher", levels, threshold=i.threshold, target=i.target, stretch=i.stretch)
        assert "、".join(fmt_num(round(float(s), 2)) for s in scores) in rule_text(i, "zh")


def test_dictionary_cycle_is_the_suggestion_and_role_tables_use_the_resolved_cycle(small, tmp_path):
    from toolkit.documents.forms import form_workbook
    from toolkit.model.messages import t

    scheme = resolve_scheme(small)
    doc = build_document(small, scheme=scheme, today=TODAY, figures=False)
    differing = [(rs, i) for rs in scheme.roles for i in rs.indicators if i.cycle != i.indicator.default_cycle]
    assert differing  # e.g. creative_brand_fit: catalogue 季度, role 月度
    dictionary = next(a for a in doc.appendices if a.key == "dictionary")
    table = next(b for b in dictionary.blocks if isinstance(b, Table))
    assert table.columns[-1] == "建议周期"
    role_tables = {a.title: b for c in doc.chapters for a in c.articles for b in a.blocks if isinstance(b, Table)}
    for rs, i in differing:
        rows = role_tables[t("doc.a.role_indicators", "zh", role=rs.role.name)].rows
        row = next(r for r in rows if r[1] == i.name("zh"))
        assert row[-1] == t(f"doc.cycle.{i.cycle}", "zh")
    # an indicator whose resolved cycle differs from its role's says so on the document's form and the XLSX
    own = [(rs, i) for rs in scheme.roles for i in rs.indicators if i.cycle != (rs.role.cycle or small.cycles.default)]
    assert own
    forms = next(a for a in doc.appendices if a.key == "forms")
    names = [r[2] for b in forms.blocks if isinstance(b, Table) and b.columns for r in b.rows]
    wb, _ = form_workbook(small, scheme, lang="zh")
    cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value}
    for rs, i in own:
        expected = f"{i.name('zh')}\n（{t(f'doc.cycle.{i.cycle}', 'zh')}）"
        assert expected in names and expected in cells


def test_calibration_explains_whole_percent_rounding(small):
    scheme = resolve_scheme(small)
    rs = next(r for r in scheme.roles if r.weights_method == "ahp")
    table = rs.ahp.table
    q = table["quantitative"].to_numpy(bool)
    # the adjusted weight is the AHP weight scaled to its group's rounded total (no band or floor move here)
    adjusted = table["ahp"] / table.groupby(q)["ahp"].transform("sum") * table.groupby(q)["percent"].transform("sum")
    doc = build_document(small, scheme=scheme, today=TODAY, figures=False)
    ap = next(a for a in doc.appendices if a.key == "calibration")
    weights = next(b for b in ap.blocks if isinstance(b, Table) and "调整后（取整前）" in b.columns)
    assert [r[2] for r in weights.rows] == [f"{a:.2f}%" for a in adjusted]
    assert [r[3] for r in weights.rows] == [f"{p}%" for p in table["percent"]]
    note = next(b.text for b in ap.blocks if "最大余数" in getattr(b, "text", ""))
    ties = table[table["ahp"].round(4).duplicated(keep=False)]
    assert len(ties) == 3 and ties["percent"].nunique() == 2  # 0.1843 ×3 → 18 / 19 / 18
    assert f"{ties['ahp'].iloc[0]:.4f}" in note
    for (_, r), a in zip(ties.iterrows(), adjusted[ties.index]):
        assert f"{a:.2f}% → {r.percent}%" in note
    assert f"定量 {int(table.loc[q, 'percent'].sum())}%、定性 {int(table.loc[~q, 'percent'].sum())}%" in note
    assert "不低于 5%" in note and "50%–65%" in note


def test_docx_table_of_contents_is_prefilled(mid, mid_out):
    d = DocxReader(mid_out["docx"])
    doc = build_document(mid, today=TODAY, figures=False)
    toc = [p.text.split("\t") for p in d.paragraphs if p.style.name.lower() == "toc 1"]
    assert [e[0] for e in toc] == [c.heading for c in doc.chapters] + [a.heading for a in doc.appendices]
    if shutil.which("soffice") and shutil.which("pdftotext"):  # page numbers after a dotted tab, in order
        numbers = [int(e[1]) for e in toc]
        assert numbers == sorted(numbers) and numbers[0] == 3
    with zipfile.ZipFile(mid_out["docx"]) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    # still one Word field (begin … separate … result … end) that Word can update
    start = xml.index('TOC \\o "1-1"')
    assert xml.rfind('w:fldCharType="begin"', 0, start) != -1
    sep = xml.index('w:fldCharType="separate"', start)
    depth, end = 1, sep  # the TOC's own end, after the PAGEREF fields nested in its entries
    for m in re.finditer(r'w:fldCharType="(begin|end)"', xml[sep:]):
        depth += 1 if m.group(1) == "begin" else -1
        if depth == 0:
            end = sep + m.start()
            break
    assert doc.chapters[0].heading in xml[sep:end] and doc.appendices[-1].heading in xml[sep:end]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                    reason="LibreOffice is installed by `make test`")
def test_libreoffice_shows_the_table_of_contents(mid, mid_out, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(mid_out["docx"])], check=True, capture_output=True, timeout=240)
    reader = PdfReader(tmp_path / "scheme.pdf")
    doc = build_document(mid, today=TODAY, figures=False)
    toc_page = next(p.extract_text() for p in reader.pages[:4] if "目" in p.extract_text()
                    and doc.chapters[1].title in p.extract_text())
    flat = re.sub(r"\s+", "", toc_page)
    for h in [c.heading for c in doc.chapters] + [a.heading for a in doc.appendices]:
        assert re.sub(r"\s+", "", h) in flat


# --------------------------------------------------------------------------------------------- PDF layout
def _layout(eng, lang="zh"):
    from weasyprint import HTML

    from toolkit.documents.render_html import html_string

    return HTML(string=html_string(build_document(eng, lang, today=TODAY, figures=False))).render()


def _boxes(box):
    yield box
    for c in getattr(box, "children", None) or []:
        yield from _boxes(c)


@pytest.mark.slow
@pytest.mark.parametrize("sample", ["small", "mid"])
def test_short_tables_and_their_captions_stay_on_one_page(sample, small, mid):
    rendered = _layout({"small": small, "mid": mid}[sample])
    pages: dict[int, set[int]] = {}
    elements = {}
    for n, page in enumerate(rendered.pages):
        for b in _boxes(page._page_box):
            # the caption box sits inside the wrapper box: a caption left behind shows as a wrapper on two pages
            if type(b).__name__ in ("TableWrapperBox", "TableBox") and b.element is not None:
                el = b.element
                pages.setdefault(id(el), set()).add(n)
                elements[id(el)] = el
    short = [k for k, el in elements.items() if len(el.findall(".//tbody/tr")) <= 12]
    assert len(short) > 10
    split = [(elements[k].findtext("caption"), sorted(pages[k])) for k in short if len(pages[k]) > 1]
    assert split == []


@pytest.mark.slow
def test_chinese_text_is_not_stretched_by_justification(small):
    rendered = _layout(small)
    stretched = [b.text for p in rendered.pages for b in _boxes(p._page_box)
                 if type(b).__name__ == "TextBox" and (getattr(b, "justification_spacing", 0) or 0) > 0.01]
    assert stretched == []
    assert "现有6人" in build_document(small, today=TODAY, figures=False).all_text()


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_cover_puts_the_client_and_the_title_on_lines_of_their_own(small, mid, lang):
    import io

    from toolkit.documents.render_pdf import pdf_bytes

    for eng in (small, mid):
        doc = build_document(eng, lang, today=TODAY, figures=False)
        cover = PdfReader(io.BytesIO(pdf_bytes(doc))).pages[0].extract_text()
        lines = [ln.strip() for ln in cover.splitlines() if ln.strip()]
        assert lines[0] == eng.client.name
        title_lines = lines[1:1 + (1 if lang == "zh" else 2)]
        assert " ".join(title_lines) == doc.name  # words whole: zh on one line, en broken between words
        assert doc.meta.replace("\u2003", " ").split()[0] in cover


# --------------------------------------------------------------------------------------------- wording
def _doubled(text):
    """Phrases said twice in a row: "安排培训：培训…" (X：X), "培训培训", "paid per period: period pay"."""
    found = [m.group(0) for m in re.finditer(r"([\u3400-\u9fff]{2,8})\s*[：:]\s*\1", text)]
    found += [m.group(0) for m in re.finditer(r"([\u3400-\u9fff]{2,6})\1", text)]
    found += [m.group(0) for m in re.finditer(r"\b([A-Za-z]{3,})\b\s*[:：]\s*\1\b", text, re.IGNORECASE)]
    found += [m.group(0) for m in re.finditer(r"\b([A-Za-z]{3,}) \1\b", text, re.IGNORECASE)]
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_phrase_is_said_twice_in_a_row(small, mid, lang):
    for eng in (small, mid):
        doc = build_document(eng, lang, today=TODAY, figures=False)
        assert _doubled(doc.all_text()) == []
        for ch in doc.chapters:  # nor does a table's caption repeat its article's heading
            for art in ch.articles:
                captions = [b.caption for b in art.blocks if isinstance(b, Table)]
                assert art.title not in captions, art.heading
    # training items that start with the word the sentence introduces them with
    eng = with_changes(small, result_use__training=["培训学分奖励", "培训：外部课程"])
    text = build_document(eng, lang, today=TODAY, figures=False).all_text()
    assert "培训学分奖励" in text and _doubled(text.replace("培训：外部课程", "")) == []


def test_indicator_definitions_leave_the_cycle_to_the_role(small):
    """The dictionary has its own 建议周期 column and each role sets its cycle: a definition (or a behaviour level)
    that says "按季度抽查评定" contradicts a role rating it monthly (广告创意与品牌契合度 in both samples)."""
    from toolkit.model.catalogue import load_catalogue

    cycle_words = re.compile(r"按季度|每季度|季度|每月|按月|月度|年度|半年|每周|quarterl|monthly|every (month|quarter)"
                             r"|annual|half-year", re.IGNORECASE)
    bad = [(ind.id, text) for ind in load_catalogue().values()
           for text in (ind.definition_zh, ind.definition_en,
                        *(lv.anchor_zh for lv in ind.scale or ()), *(lv.anchor_en for lv in ind.scale or ()))
           if cycle_words.search(text)]
    assert bad == []
    text = build_document(small, today=TODAY, figures=False).all_text()
    assert "按季度抽查评定" not in text and "由品牌负责人或上级抽查评定" in text
