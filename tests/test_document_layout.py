"""What WPS and LibreOffice users see of the DOCX: column widths kept, rows never split, short tables and their
intro on one page — checked on the XML and on LibreOffice's PDF of it."""
from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import shutil
import subprocess
import zipfile

import pytest
from lxml import etree
from pypdf import PdfReader
from scheme_pages import assert_contents_match, assert_forms_on_landscape_pages

from toolkit.documents.blocks import Table
from toolkit.documents.render import render_all

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def docx_path(mid, tmp_path_factory):
    out = tmp_path_factory.mktemp("layout")
    return render_all(mid, out, formats=("docx",), today=TODAY)["docx"]


def _tables(path):
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    return root.iter(f"{W}tbl")


def test_table_grid_carries_the_cell_widths_and_rows_do_not_split(docx_path):
    n_unequal = 0
    for tbl in _tables(docx_path):
        grid = [int(c.get(f"{W}w")) for c in tbl.find(f"{W}tblGrid")]
        first = tbl.find(f"{W}tr")
        cells = [int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) for tc in first.findall(f"{W}tc")]
        assert len(grid) == len(cells)
        assert all(abs(g - c) <= 2 for g, c in zip(grid, cells)), (grid, cells)  # same widths, twips
        n_unequal += len(set(grid)) > 1
        assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
        for tr in tbl.findall(f"{W}tr"):
            assert tr.find(f"{W}trPr/{W}cantSplit") is not None
    assert n_unequal >= 5  # the role and form tables have real column widths


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_lo = pytest.mark.skipif(not (SOFFICE and shutil.which("pdftotext")), reason="installed by make test")


def _libreoffice_pdf(docx, out):
    """The DOCX as LibreOffice (what WPS users see) lays it out."""
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{out}/lo", "--convert-to", "pdf",
                    "--outdir", str(out), str(docx)], check=True, capture_output=True, timeout=240)
    return out / (docx.stem + ".pdf")


def _pdftotext(pdf):
    """Page texts of a PDF, lines as they are set (``pdftotext -layout``)."""
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")
    return text.split("\f")[:-1]


@pytest.fixture(scope="module")
def lo_builds(small, mid, tmp_path_factory):
    """DOCX of both samples (zh and en) as written by ``render_all``, and LibreOffice's PDF of each."""
    cache = {}

    def get(sample, lang):
        if (sample, lang) not in cache:
            eng = {"small": small, "mid": mid}[sample]
            out = tmp_path_factory.mktemp(f"lo_{sample}_{lang}")
            docx = render_all(eng, out, lang=lang, formats=("docx",), today=TODAY)["docx"]
            cache[sample, lang] = (eng, docx, _libreoffice_pdf(docx, out))
        return cache[sample, lang]
    return get


@pytest.mark.slow
@needs_lo
def test_libreoffice_keeps_the_wide_columns_wide(lo_builds):
    _, _, pdf = lo_builds("mid", "zh")
    # column widths as LibreOffice laid them out: the x of each header on the first KPI-form page
    for page in PdfReader(pdf).pages:
        x: dict[str, float] = {}

        def visit(text, cm, tm, _font, _size, x=x):
            if text.strip() in ("维度", "指标", "评分规则", "数据来源"):
                x.setdefault(text.strip(), tm[4] * cm[0] + cm[4])

        page.extract_text(visitor_text=visit)
        if len(x) == 4:
            break
    assert len(x) == 4, x
    # ten equal columns (python-docx's grid) gave both 48 pt; the scheme's widths make the rule column ~1.9× the dimension column
    assert x["数据来源"] - x["评分规则"] > 1.5 * (x["指标"] - x["维度"]), x


@pytest.mark.slow
@needs_lo
@pytest.mark.parametrize(("sample", "lang"), [("mid", "zh"), ("small", "zh"), ("mid", "en"), ("small", "en")])
def test_docx_toc_page_numbers_are_the_pages_libreoffice_puts_the_headings_on(sample, lang, lo_builds):
    from toolkit.documents.content import build_document

    eng, _, pdf = lo_builds(sample, lang)
    pages = _pdftotext(pdf)
    doc = build_document(eng, lang, today=TODAY, figures=False)
    headings = [c.heading for c in doc.chapters] + [a.heading for a in doc.appendices]
    assert_contents_match(pages, headings)  # as LibreOffice shows it: "第一章　总则 ........ 3"


@pytest.mark.slow
@needs_lo
@pytest.mark.parametrize(("sample", "lang"), [("mid", "zh"), ("small", "zh"), ("mid", "en"), ("small", "en")])
def test_each_docx_kpi_form_fits_one_landscape_page_in_libreoffice(sample, lang, lo_builds):
    from toolkit.documents.content import build_document

    eng, _, pdf = lo_builds(sample, lang)
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(pdf).pages]
    doc = build_document(eng, lang, today=TODAY, figures=False)
    assert_forms_on_landscape_pages(doc, eng, lang, _pdftotext(pdf), sizes)


def _page_texts(eng, lang="zh"):
    """The text of each page of the scheme PDF as the toolkit writes it (render_pdf, Typst), spaces kept."""
    from toolkit.documents.content import build_document
    from toolkit.documents.render_pdf import pdf_bytes

    reader = PdfReader(io.BytesIO(pdf_bytes(build_document(eng, lang, today=TODAY, figures=False))))
    return [page.extract_text() for page in reader.pages]


@pytest.mark.slow
@pytest.mark.parametrize("sample", ["small", "mid"])
def test_every_pdf_form_starts_on_a_page_with_its_title_its_header_block_and_its_table(sample, small, mid):
    from toolkit.scheme.resolve import resolve_scheme

    eng = {"small": small, "mid": mid}[sample]
    pages = _page_texts(eng)
    for rs in resolve_scheme(eng).roles:
        title = f"{rs.role.name}绩效考核表"
        hits = [k for k, text in enumerate(pages) if title in text and "考核期间" in text]
        assert hits, title
        page = pages[hits[0]]
        assert "评分规则" in page and "实际值" in page, title  # the table's head is on the title's page
        assert "被考核人签字" in page and "复核人签字" in page, title  # … and so are its signature lines
    signatures = [p for p in pages if "复核人签字" in p]
    assert signatures and all("＿＿＿＿＿＿＿＿　日期" in p for p in signatures)  # no break inside a line


def _boxes(box):
    yield box
    for c in getattr(box, "children", None) or []:
        yield from _boxes(c)


def _bad_breaks(cell) -> list[str]:
    """Where WeasyPrint broke a table cell's text other than at a line break of its own or a word boundary.

    Chinese: a header, or a line of up to 12 characters (a name, a dimension, a rater, a date), may break only
    after / 、 ， ； ： ） or a space and before （; longer lines are running text. English: between words only.
    """
    src = "".join(cell.element.itertext())
    allowed, pos = {0}, 0
    for line in src.split("\n"):
        cjk = bool(re.search(r"[\u3400-\u9fff]", line))
        free = cjk and cell.element.tag == "td" and len(line.strip()) > 12
        for k, ch in enumerate(line):
            if ch.isspace():
                allowed.add(pos)
                continue
            if free or ch in "（(" or (k and line[k - 1] in "/、，；：）)-"):
                allowed.add(pos)
            pos += 1
        allowed.add(pos)
    got = ["".join(re.sub(r"\s+", "", getattr(b, "text", "") or "") for b in _boxes(line))
           for line in _boxes(cell) if type(line).__name__ == "LineBox"]
    ends = itertools.accumulate(len(g) for g in got)
    return [src] if any(e not in allowed for e in ends) else []


@pytest.mark.slow
@pytest.mark.parametrize(("sample", "lang"), [("mid", "zh"), ("small", "zh"), ("mid", "en"), ("small", "en")])
def test_no_pdf_table_splits_a_header_or_a_term(sample, lang, small, mid, tmp_path):
    from weasyprint import HTML

    from toolkit.documents.content import build_document
    from toolkit.documents.render_html import html_string
    from toolkit.model.messages import t
    from toolkit.scheme.resolve import resolve_scheme

    eng = {"small": small, "mid": mid}[sample]
    doc = build_document(eng, lang, today=TODAY, figures=False)
    rendered = HTML(string=html_string(doc)).render()  # the HTML deliverable as a browser-like engine prints it
    bad = [b for p in rendered.pages for c in _boxes(p._page_box) if type(c).__name__ == "TableCellBox"
           for b in _bad_breaks(c)]
    assert bad == []  # "营销活/动", "序/号", "直接上/级" were split
    # on the scheme PDF the toolkit writes (Typst, from the same table layout): each form's headers and (zh)
    # indicator names whole on a line of its page
    from toolkit.documents.render_pdf import pdf_bytes

    pdf = tmp_path / "scheme.pdf"
    pdf.write_bytes(pdf_bytes(doc))
    pages = _pdftotext(pdf)
    forms = [b for ap in doc.appendices if ap.key == "forms" for b in ap.blocks if isinstance(b, Table) and b.columns]
    for rs, form in zip(resolve_scheme(eng).roles, forms):
        title = t("doc.form_title", lang, role=rs.role.name)
        page = next(p for p in pages if any(line.strip() == title for line in p.splitlines()))
        lines = page.splitlines()
        for head in form.columns:
            first = re.split(r"(?<=/)", head)[0].split()[0]
            assert any(first in line for line in lines), head
        if lang == "zh":
            for row in form.rows[:-1]:
                assert any(row[2].split("\n")[0] in line for line in lines), row[2]


def test_deadlines_avoid_the_official_holidays_of_a_published_year(small):
    from conftest import with_changes

    from toolkit.documents.calendar import calendar_years_estimated, deadline_calendar

    eng = with_changes(small, governance__effective_date=dt.date(2026, 1, 1), cycles__submit_day=5,
                       appeal__window_days=5)
    cal = deadline_calendar(eng)
    sept = next(r for r in cal if r["end"] == dt.date(2026, 9, 30))
    assert sept["submit"] == dt.date(2026, 10, 8)  # 国庆 2026 runs 1–7 Oct (official schedule)
    jan = cal[0]
    assert jan["submit"] == dt.date(2026, 2, 5)  # an ordinary Thursday
    assert 2026 not in calendar_years_estimated(cal[:11])


def test_what_an_hr_director_signs(small, mid):
    from conftest import with_changes

    from toolkit.checks.compliance import compliance_findings
    from toolkit.documents.content import build_document

    text = build_document(small, "zh", today=TODAY, figures=False).all_text()
    # the democratic procedure is still to be done, not claimed as done
    assert "已经职工代表大会" not in text and "须在施行前提交职工代表大会" in text
    done = with_changes(small, governance__democratic_date=dt.date(2026, 11, 20),
                        governance__democratic_body="全体职工大会")
    assert "已于2026年11月20日经全体职工大会讨论" in build_document(done, "zh", today=TODAY,
                                                                   figures=False).all_text()
    # one name for the HR function
    hr = small.governance.interpreter
    assert "人力资源部" not in text.replace(hr, "") or hr == "人力资源部"
    assert "绩效管理部门" not in text
    # the appeal goes beyond the body that approved the results
    assert "劳动争议调解或者仲裁" in text and "向执行董事申请复核" in text  # the small profile's second instance
    alone = with_changes(small, appeal__second_instance="")
    assert any(f.code == "compliance.appeal_same_as_approver" for f in compliance_findings(alone))
    assert "劳动争议调解或者仲裁" in build_document(alone, "zh", today=TODAY, figures=False).all_text()
    second = with_changes(small, appeal__second_instance="董事长")
    assert "向董事长申请复核" in build_document(second, "zh", today=TODAY, figures=False).all_text()
    assert not any(f.code == "compliance.appeal_same_as_approver" for f in compliance_findings(second))
    # the acknowledgement sheet has a line for every person who must sign
    mid_text = build_document(mid, "zh", today=TODAY, figures=False)
    ack = next(a for a in mid_text.appendices if "签收" in a.title)
    rows = next(b for b in ack.blocks if b.__class__.__name__ == "Table").rows
    assert len(rows) == len(mid.employees) and rows[0][1] == mid.employees[0].name
    # which grades start an improvement plan, and at which level
    assert "任一考核期等级或年度等级为 C、D 的员工" in text
    assert "文件编号" in text and "批准" in text and "V1.0" in text  # document control on the cover
    # a goal that fails the SMART check is marked as such in the goal list
    vague = with_changes(small, goals__0__text="加强品牌建设", goals__0__metric=None, goals__0__target=None,
                         goals__0__baseline=None, goals__0__unit=None)
    goals = build_document(vague, "zh", today=TODAY, figures=False).all_text()
    assert "待完善：" in goals


def test_the_appendices_the_chosen_methods_need(small, mid):
    from conftest import with_changes

    from toolkit.documents.content import build_document

    titles = [a.title for a in build_document(mid, "zh", today=TODAY, figures=False).appendices]
    assert {"目标责任书", "360°评价表", "考核结果汇总及校准表"} <= set(titles)  # mid uses MBO and 360°
    kpi_only = with_changes(small, methods=["kpi"], raters=[{"kind": "supervisor", "weight": 1.0}])
    titles = [a.title for a in build_document(kpi_only, "zh", today=TODAY, figures=False).appendices]
    assert "目标责任书" not in titles and "360°评价表" not in titles and "考核结果汇总表" in titles  # no calibration


def _cjk_left(eng, text):
    from toolkit.model.localise import untranslated

    for _, given in sorted(untranslated(eng), key=lambda x: -len(x[1])):
        for part in given.split("、"):
            text = text.replace(part, "")
    for name in [e.name for e in eng.employees] + [p.name for r in eng.roles for p in r.weighting.participants]:
        text = text.replace(name, "")  # people's names
    return re.findall(r".{0,20}[\u3400-\u9fff]+.{0,20}", text)


@pytest.mark.parametrize("sample", ["small", "mid"])
def test_an_english_build_has_no_chinese_but_names_without_an_english_form(sample, small, mid):
    from conftest import with_changes

    from toolkit.documents.content import build_document
    from toolkit.model.localise import untranslated

    eng = {"small": small, "mid": mid}[sample]
    assert _cjk_left(eng, build_document(eng, "en", today=TODAY, figures=False).all_text()) == []
    # given English names, the client's and the roles' names are English too
    named = with_changes(eng, client__name_en="Client Ltd", roles__0__name_en="Marketing lead")
    text = build_document(named, "en", today=TODAY, figures=False).all_text()
    assert "Client Ltd" in text and "Marketing lead" in text and eng.client.name not in text
    assert ("client.name", eng.client.name) not in untranslated(named)


def test_read_through_of_both_samples(small, mid):
    """What a read-through of both samples (zh and en) against issue 14 still found, fixed."""
    from toolkit.documents.blocks import Para
    from toolkit.documents.content import build_document

    docs = {(s, lang): build_document(eng, lang, today=TODAY, figures=False)
            for s, eng in (("small", small), ("mid", mid)) for lang in ("zh", "en")}

    def appendix(doc, key):
        return next(a for a in doc.appendices if a.key == key)

    def article(doc, title):
        return next(a for c in doc.chapters for a in c.articles if a.title == title)

    # the rating sheet is a 360° sheet only with the 360° method, and offers anonymity only to whom it applies
    sheet = appendix(docs["small", "zh"], "rating360")  # small: line manager and self, no 360°
    text = "\n".join(b.text for b in sheet.blocks if isinstance(b, Para) or hasattr(b, "level"))
    assert sheet.title == "定性指标评价表" and "360" not in text and "可不署名" not in text
    assert "可不署名" not in str([b.rows for b in sheet.blocks if isinstance(b, Table)])
    assert appendix(docs["mid", "zh"], "rating360").title == "360°评价表"
    assert "可不署名" in docs["mid", "zh"].all_text()
    # the list of scoring rules ends its sentence once, at the end
    for (_, lang), doc in docs.items():
        items = [b.text for b in article(doc, "单项指标评分" if lang == "zh" else "Scoring each indicator").blocks
                 if isinstance(b, Para) and b.kind == "item"]
        ends = [x[-1] for x in items]
        assert ends == ["；" if lang == "zh" else ";"] * (len(items) - 1) + ["。" if lang == "zh" else "."], items
    # English sentences begin with a capital, titles are noun phrases, lists end with "and"
    for (_, lang), doc in docs.items():
        if lang == "en":
            paras = [b.text for c in doc.chapters for a in c.articles for b in a.blocks if isinstance(b, Para)]
            paras += [b.text for a in doc.appendices for b in a.blocks if isinstance(b, Para)]
            assert [p for p in paras if p[:1].isascii() and p[:1].islower()] == []  # (λmax … is a symbol)
    en = docs["mid", "en"].all_text()
    assert "made up of the General Manager, the Vice President for Marketing" in en
    assert "and an employee representative" in en and "ask the Chair of the Board for a review" in en
    assert "The HR department interprets this policy." in en
    # the client's own bottom-grade rule already rules out dismissal by grade: the safeguard does not repeat it
    bottom = "\n".join(b.text for b in article(docs["mid", "zh"], "末位等级的处理").blocks if isinstance(b, Para))
    assert bottom.count("解除劳动合同") == 1 and "《劳动合同法》" in bottom
    # the results summary is signed by who compiles and who approves it
    summary = [b.text for b in appendix(docs["mid", "zh"], "summary").blocks if isinstance(b, Para)]
    assert any(x.startswith("制表人签字") for x in summary) and any(x.startswith("审批人签字") for x in summary)
    # goals table: the indicators serving a goal, one line per role; AHP weights with two decimals
    goals = next(b for b in article(docs["mid", "zh"], "部门年度目标").blocks if isinstance(b, Table))
    roles = {r.name for r in mid.roles}
    assert all(line.split("：")[0] in roles for row in goals.rows for line in row[4].split("\n"))
    weights = [b for c in docs["mid", "zh"].chapters for a in c.articles for b in a.blocks
               if isinstance(b, Table) and "AHP 计算权重" in b.columns]
    assert weights and all(re.fullmatch(r"\d+\.\d\d%", r[1]) for b in weights for r in b.rows)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_non_cash_rewards_get_no_performance_pay_wording(small, lang):
    """A small shop that rewards in kind (H2): no 绩效工资 claimed in the uses, the pay article or the democratic
    clause; with pay, the wording is there."""
    from conftest import with_changes

    from toolkit.documents.content import build_document

    in_kind = with_changes(small, result_use__pay_rule="none", result_use__bonus_coefficients={},
                           result_use__merit_matrix={})
    text = build_document(in_kind, lang, today=TODAY, figures=False).all_text()
    paid = build_document(small, lang, today=TODAY, figures=False).all_text()
    if lang == "zh":
        assert "绩效工资与奖金" not in text and "涉及员工绩效工资" not in text and "薪酬分配" not in text
        assert "激励方式" in text and "非现金激励" in text and "本办法不设绩效工资" in text
        assert "绩效工资与奖金发放" in paid and "涉及员工绩效工资" in paid
        assert "年度调薪" not in paid  # the small sample has no merit matrix
    else:
        assert "performance pay and bonus" not in text.lower() and "affects pay" not in text
        assert re.search(r"Article \d+  Rewards\n", text) and "non-cash rewards" in text
        assert "performance pay and bonuses" in paid and "affects pay" in paid


def _article(doc, title):
    return next(a for c in doc.chapters for a in c.articles if a.title == title)


def _article_text(doc, title):
    from toolkit.documents.blocks import Para

    return "\n".join(b.text for b in _article(doc, title).blocks if isinstance(b, Para))


def test_chapter_two_gives_appeals_to_whom_the_appeal_chapter_does(small, mid):
    """第二章 must not say the leaders decide appeals or HR receives them when 第十二章 names others."""
    from conftest import with_changes

    from toolkit.documents.content import build_document

    zh = build_document(small, "zh", today=TODAY, figures=False)  # appeals: 总经理办公室 receives, 总经理 decides
    leader = _article_text(zh, "考核领导")
    assert "处理申诉" not in leader and "审批考核结果；绩效申诉按第十二章的规定受理和处理" in leader
    hr = _article_text(zh, "行政人事部职责")
    assert "受理绩效申诉" not in hr and "配合绩效申诉的调查" in hr
    assert "向总经理办公室提交书面申诉" in _article_text(zh, "申诉渠道与时限")
    en = build_document(small, "en", today=TODAY, figures=False)
    assert "decide appeals" not in _article_text(en, "Leadership")
    assert "appeals are received and decided as Chapter 12 sets out" in _article_text(en, "Leadership")
    # the leaders themselves decide: then they do say so
    own = with_changes(small, appeal__decider="、".join(small.governance.committee))
    assert "审批考核结果并处理申诉" in _article_text(build_document(own, "zh", today=TODAY, figures=False), "考核领导")
    # mid: HR receives and investigates, the committee decides (and no longer also "receives")
    mz = build_document(mid, "zh", today=TODAY, figures=False)
    assert "（三）裁决绩效申诉。" in _article_text(mz, "绩效管理委员会")
    assert "受理并裁决" not in mz.all_text() and "（三）受理绩效申诉并进行调查；" in _article_text(mz, "人力资源部职责")
    gm = with_changes(mid, appeal__decider="总经理")
    text = _article_text(build_document(gm, "zh", today=TODAY, figures=False), "绩效管理委员会")
    assert "申诉" not in text and text.endswith("审批考核结果。")


def test_no_calibration_meeting_where_the_scheme_has_none(small):
    """The small sample has no committee and no distribution: no 校准会 in its procedure or its results summary;
    with a distribution the small company's own leaders calibrate (it has no 绩效管理委员会)."""
    from conftest import with_changes

    from toolkit.documents.blocks import Table
    from toolkit.documents.content import build_document

    for lang in ("zh", "en"):
        doc = build_document(small, lang, today=TODAY, figures=False)
        summary = next(a for a in doc.appendices if a.key == "summary")
        text = doc.all_text()
        assert ("校准会" not in text and "校准后" not in text) if lang == "zh" else ("calibration meeting" not in text and "Calibrated" not in text)
        assert summary.title == ("考核结果汇总表" if lang == "zh" else "Results summary sheet")
        cols = next(b for b in summary.blocks if isinstance(b, Table) and b.columns).columns
        assert cols[3:] == (["综合得分", "考核等级", "备注"] if lang == "zh" else ["Total", "Grade", "Remarks"])
    forced = with_changes(small, distribution={"mode": "forced", "min_group_size": 5,
                                               "shares": {"S": 0.1, "A": 0.2, "B": 0.5, "C": 0.15, "D": 0.05}})
    doc = build_document(forced, "zh", today=TODAY, figures=False)
    steps = _article_text(doc, "考核流程")
    assert doc.all_text().replace("不单设绩效管理委员会", "").count("绩效管理委员会") == 0
    assert "校准：总经理、市场部经理和行政人事主管召开校准会" in steps
    assert next(a for a in doc.appendices if a.key == "summary").title == "考核结果汇总及校准表"
    # "其余岗位" only when some roles are weighted by AHP
    direct = with_changes(small, roles__1__weighting={"method": "direct"},
                          roles__1__indicators__0__weight=35, roles__1__indicators__1__weight=18,
                          roles__1__indicators__2__weight=10, roles__1__indicators__3__weight=19,
                          roles__1__indicators__4__weight=18)
    method = _article_text(build_document(direct, "zh", today=TODAY, figures=False), "权重确定原则与方法")
    assert "其余岗位" not in method and "各岗位的权重由市场部负责人提出" in method


def test_wording_an_hr_director_would_correct(small, mid):
    """Read-through: plural panellists, one CR, lists inside sentences, no "(项次)" or "(count)", no field that
    repeats its signature line, the estimated years as a list, and only the records the appendix has."""
    from toolkit.documents.blocks import Para, Table
    from toolkit.documents.content import build_document

    docs = {(s, lang): build_document(eng, lang, today=TODAY, figures=False)
            for s, eng in (("small", small), ("mid", mid)) for lang in ("zh", "en")}
    texts = {k: d.all_text() for k, d in docs.items()}
    for text in texts.values():
        assert "(s)" not in text and "（项次）" not in text and "(count)" not in text
        assert ": weights set" not in text and "2027, 2028" not in text
    assert "with 1 panellist;" in texts["small", "en"] and "with 3 panellists;" in texts["mid", "en"]
    assert "for 2027 and 2028 has not been published yet" in texts["small", "en"]
    assert "考核指标按维度划分为：营销活动 5 项、成本 1 项、" in texts["small", "zh"]
    # the CR of a role is the same number in chapter 6 and in the calibration appendix
    for key in (("small", "zh"), ("mid", "zh")):
        chapter = set(re.findall(r"一致性比率 CR = (\d\.\d+)（", texts[key]))
        assert chapter
        for cr in chapter:
            assert texts[key].count(f"CR = {cr}（") == 2, cr
    # no sensitivity analysis promised where the appendix has none (built without figures)
    assert "敏感性分析" not in texts["small", "zh"] and "sensitivity" not in texts["small", "en"]
    full = build_document(small, "zh", today=TODAY)
    assert "判断矩阵、计算过程及敏感性分析见附件3" in full.all_text()
    assert any(b.__class__.__name__ == "Figure" for a in full.appendices for b in a.blocks)
    # list items from the size profile inside an English sentence start lower-case; quoted names keep capitals
    dev = _article_text(docs["small", "en"], "Training and development")
    assert "industry training courses and external networking events." in dev
    assert "priority for industry training, flexible working arrangements, public \"Star of the Quarter\"" in dev
    # the appeal form: the decision-maker's comments, then the decision-maker's signature (not "Decided by" twice)
    form = next(a for a in docs["small", "en"].appendices if a.key == "appeal")
    rows = [r[0] for b in form.blocks if isinstance(b, Table) for r in b.rows]
    signs = [b.text for b in form.blocks if isinstance(b, Para) and b.kind == "sign"]
    assert "Decision-maker's comments" in rows and not {r.rstrip(":") for r in rows} & {s.split(":")[0] for s in signs}


def test_client_lists_are_closed_and_numbers_spaced_like_the_rest(small):
    """The strategy list ends its items like the document's own lists; numbers in the rounding note are set off
    by spaces as everywhere else in the text ("占 55%–75%", not "须在50%–65%之内")."""
    from conftest import with_changes

    from toolkit.documents.content import build_document

    zh = build_document(small, "zh", today=TODAY, figures=False)
    basis = _article_text(zh, "依据").splitlines()[2:]
    assert [x[-1] for x in basis] == ["；", "；", "。"], basis
    assert "定量指标合计占比须在 50%–65% 之内（AHP 结果为 63.14%，" in zh.all_text()
    assert "取整为定量 63%、定性 37%，" in zh.all_text()
    assert "活动到场率（定量）18.39% → 18%、活动创意（定性）18.50% → 19%" in zh.all_text()  # no space after ）
    assert "Event attendance rate (quantitative) 18.39% → 18%" in build_document(small, "en", today=TODAY,
                                                                             figures=False).all_text()
    en = build_document(with_changes(small, strategy__0__text_en="Lead the brand in Jiangsu, Zhejiang and Shanghai"),
                        "en", today=TODAY, figures=False)
    basis = _article_text(en, "Basis").splitlines()[2:]
    assert basis[0].endswith("Shanghai;") and basis[-1].endswith("45%")  # untranslated Chinese: left as written


def test_one_english_name_for_the_committee(mid, small):
    """The appeal chapter's decider (the size profile's "the Performance Management Committee") and chapter 2's
    committee are one body, so the English document calls it by one name."""
    from toolkit.documents.content import build_document

    en = build_document(mid, "en", today=TODAY, figures=False)
    text = en.all_text()
    assert "performance committee" not in text.lower().replace("performance management committee", "")
    assert "The company has a Performance Management Committee made up of" in text
    assert "the Performance Management Committee decides within 10 working days" in text
    assert _article(en, "Performance Management Committee")
    assert "no separate Performance Management Committee" in build_document(small, "en", today=TODAY,
                                                                           figures=False).all_text()


def test_form_headers_ask_for_the_period_not_the_cycle(small):
    """考核周期 is 月度/季度 in the scheme (第十一条); the blank a rater fills on a form is the period (2027年1月)."""
    from toolkit.documents.content import build_document

    doc = build_document(small, "zh", today=TODAY, figures=False)
    headers = [b.rows for a in doc.appendices if a.key in ("forms", "rating360", "mbo") for b in a.blocks
               if isinstance(b, Table) and b.kind == "kv"]
    cells = {c for rows in headers for row in rows for c in row}
    assert headers and "考核期间" in cells and "考核周期" not in cells


def test_the_results_summary_says_which_period_it_sums_up(small, mid):
    from toolkit.documents.content import build_document

    for eng in (small, mid):
        summary = next(a for a in build_document(eng, "zh", today=TODAY, figures=False).appendices
                       if a.key == "summary")
        first = next(b for b in summary.blocks if isinstance(b, Table))
        assert first.rows == [["考核期间", ""]]


def test_rating_sheets_say_how_the_groups_are_combined(small, mid):
    """The paper process for rated indicators: average per rater group, weight the groups as the raters article
    says (what combine_ratings does), and enter that level as the KPI form's actual value."""
    from toolkit.documents.blocks import Para
    from toolkit.documents.content import build_document

    for eng, article in ((small, "第二十六条"), (mid, "第三十八条")):
        doc = build_document(eng, "zh", today=TODAY, figures=False)
        assert next(a for c in doc.chapters for a in c.articles if a.label == article).title in ("评价主体",
                                                                                                "360度评估")
        lead = next(b.text for a in doc.appendices if a.key == "rating360" for b in a.blocks if isinstance(b, Para))
        assert f"按评价人类型取平均分，再按{article}的评价主体权重加权汇总，作为该指标的实际值填入该岗位考核表" in lead
    en = build_document(small, "en", today=TODAY, figures=False).all_text()
    assert "weights the groups as Article 26 sets out and enters the result as the indicator's actual value" in en


def test_mbo_says_how_its_results_count(mid):
    """The engine scores indicators only: MBO objectives feed a named indicator and carry no weight of their own."""
    from toolkit.documents.content import build_document

    doc = build_document(mid, "zh", today=TODAY, figures=False)
    assert "评价结果作为目标责任书所列对应考核指标的实际值或评分依据，不另行计分" in _article_text(doc, "目标管理")
    mbo = next(a for a in doc.appendices if a.key == "mbo")
    cols = next(b for b in mbo.blocks if isinstance(b, Table) and b.columns).columns
    assert "权重" not in cols and "对应考核指标" in cols
    en = build_document(mid, "en", today=TODAY, figures=False).all_text()
    assert "is not scored separately" in en and "the result feeds the relevant indicator" not in en


def test_scoring_rules_read_unambiguously(small):
    """"低于门槛值得 0 分" reads as 门槛 "值得" 0 分, and "不高于门槛值 60元 得 60 分" gives 60 to every cost at or below
    60 (so also to 50): the rules say 时 and, for lower-is-better, 降至 … 及以下 like 达到 … 及以上."""
    from toolkit.documents.content import build_document

    text = build_document(small, "zh", today=TODAY, figures=False).all_text()
    assert "门槛值得" not in text and "不高于门槛值" not in text
    assert "低于门槛值时得 0 分" in text
    assert "降至门槛值 60元 得 60 分，降至目标值 50元 得 100 分，降至挑战值 40元 及以下得 120 分，其间线性计算；高于门槛值时得 0 分" in text


def test_money_has_its_currency_in_english(mid):
    from toolkit.documents.content import build_document

    en = build_document(mid, "en", today=TODAY, figures=False).all_text()
    assert "The yearly performance-pay budget is 1,300,000 CNY;" in en
    zh = build_document(mid, "zh", today=TODAY, figures=False).all_text()
    assert "年度绩效工资总额预算为 1,300,000 元" in zh


def test_the_calendar_article_gives_each_step_to_whom_the_procedure_does(small):
    """第十二条 said 直接上级 … 完成评分和复核 while 第三十一条 has the next level up review (隔级上级复核)."""
    from toolkit.documents.content import build_document

    zh = build_document(small, "zh", today=TODAY, figures=False)
    cal = _article_text(zh, "时间安排")
    assert "直接上级于次月 10 日前完成评分和复核" not in cal
    assert "直接上级评分和隔级上级复核于次月 10 日前完成，并于该日前公布结果" in cal
    assert "隔级上级复核" in _article_text(zh, "考核流程")
    en = _article_text(build_document(small, "en", today=TODAY, figures=False), "Calendar of deadlines")
    assert "the review by the next level up and the results by day 10" in en
