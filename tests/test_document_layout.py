"""What WPS and LibreOffice users see of the DOCX: column widths kept, rows never split, short tables and their
intro on one page — checked on the XML and on LibreOffice's PDF of it."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile

import pytest
from lxml import etree
from pypdf import PdfReader

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


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="installed by make test")
def test_libreoffice_keeps_the_wide_columns_wide(docx_path, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx_path)], check=True, capture_output=True, timeout=240)
    # column widths as LibreOffice laid them out: the x of each header on the first KPI-form page
    for page in PdfReader(tmp_path / "scheme.pdf").pages:
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


def _page_texts(eng, lang="zh"):
    from weasyprint import HTML

    from toolkit.documents.content import build_document
    from toolkit.documents.render_html import html_string

    def boxes(box):
        yield box
        for c in getattr(box, "children", None) or []:
            yield from boxes(c)

    doc = HTML(string=html_string(build_document(eng, lang, today=TODAY, figures=False))).render()
    return ["".join(getattr(b, "text", "") or "" for b in boxes(p._page_box)) for p in doc.pages]


@pytest.mark.slow
@pytest.mark.parametrize("sample", ["small", "mid"])
def test_every_pdf_form_starts_on_a_page_with_its_title_its_header_block_and_its_table(sample, small, mid):
    from toolkit.scheme.resolve import resolve_scheme

    eng = {"small": small, "mid": mid}[sample]
    pages = _page_texts(eng)
    for rs in resolve_scheme(eng).roles:
        title = f"{rs.role.name}绩效考核表"
        hits = [k for k, text in enumerate(pages) if title in text and "考核周期" in text]
        assert hits, title
        page = pages[hits[0]]
        assert "评分规则" in page and "实际值" in page, title  # the table's head is on the title's page
    signatures = [p for p in pages if "复核人签字" in p]
    assert signatures and all("＿＿＿＿＿＿＿＿　日期" in p for p in signatures)  # no break inside a line


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
    assert "目标责任书" not in titles and "360°评价表" not in titles and "考核结果汇总及校准表" in titles


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
