"""The scheme document as an editable Word file (python-docx), laid out the way a Chinese HR office expects.

Word picks the font of Chinese characters from the East-Asian slot of a run's fonts (``w:eastAsia``), which
python-docx's ``font.name`` does not set; the styles here set it explicitly (宋体 body, 黑体 headings), and drop
the theme-font attributes of the built-in heading styles, which would otherwise win. Chapters and appendices
use Heading 1 and articles Heading 2, so Word's navigation pane and the TOC field work. The TOC is a real field
(Word refreshes it, with page numbers, when fields are updated; the file asks Word to do so on open) whose result
is pre-filled with the chapter and appendix headings, so LibreOffice, WPS and viewers that never update fields
still show the table of contents.

A consultant may supply a reference document with their own styles as ``templates/documents/reference.docx``:
its styles (and page set-up) are used, and its body is replaced.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from toolkit.documents.blocks import Document, Figure, Heading, Para, Table
from toolkit.model.fileio import atomic_path
from toolkit.model.paths import templates_dir

__all__ = ["BODY_FONT", "HEADING_FONT", "docx_bytes", "render_docx"]

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
LATIN_HEADING = "Arial"
_TEXT_WIDTH_MM = 170.0


def _set_fonts(rpr_owner, latin: str, east: str) -> None:  # type: ignore[no-untyped-def]
    """Set ascii/hAnsi and eastAsia fonts, removing theme fonts that would override them."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if rfonts.get(qn(attr)) is not None:
            del rfonts.attrib[qn(attr)]
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east)


def _setup_styles(d) -> None:  # type: ignore[no-untyped-def]
    styles = d.styles
    normal = styles["Normal"]
    normal.font.size = Pt(10.5)
    _set_fonts(normal.element, LATIN_FONT, BODY_FONT)
    pf = normal.paragraph_format
    pf.space_after = Pt(2)
    pf.line_spacing = 1.4
    for name, size, center in (("Title", 22, True), ("Heading 1", 16, True), ("Heading 2", 12, False),
                               ("Heading 3", 11, False)):
        st = styles[name]
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.color.rgb = RGBColor(0, 0, 0)
        _set_fonts(st.element, LATIN_HEADING, HEADING_FONT)
        st.paragraph_format.space_before = Pt(12 if name == "Heading 1" else 6)
        st.paragraph_format.space_after = Pt(6 if name == "Heading 1" else 3)
        st.paragraph_format.keep_with_next = True
        if center:
            st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # the Title style draws a coloured border line in the default template: remove it
        ppr = st.element.pPr
        if ppr is not None:
            for bdr in ppr.findall(qn("w:pBdr")):
                ppr.remove(bdr)
    cap = styles["Caption"]
    cap.font.size = Pt(9.5)
    cap.font.bold = True
    cap.font.italic = False
    cap.font.color.rgb = RGBColor(0, 0, 0)
    _set_fonts(cap.element, LATIN_HEADING, HEADING_FONT)
    cap.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cap.paragraph_format.keep_with_next = True


def _field(paragraph, instr: str, placeholder: str = "") -> None:  # type: ignore[no-untyped-def]
    """A complex field (TOC, PAGE …) in ``paragraph``."""
    def fld(kind: str) -> OxmlElement:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            el.set(qn("w:dirty"), "true")
        return el
    r1 = paragraph.add_run()
    r1._r.append(fld("begin"))
    r2 = paragraph.add_run()
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    r2._r.append(it)
    r3 = paragraph.add_run()
    r3._r.append(fld("separate"))
    paragraph.add_run(placeholder)
    r5 = paragraph.add_run()
    r5._r.append(fld("end"))


def _toc_style(d, level: int):  # type: ignore[no-untyped-def]
    """Word's built-in "toc N" paragraph style (a latent style in python-docx's default template)."""
    from docx.enum.style import WD_STYLE_TYPE

    name = f"toc {level}"
    for st in d.styles:
        if st.name.lower() == name:
            return st
    st = d.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = d.styles["Normal"]
    st.paragraph_format.left_indent = Pt(21 * (level - 1))
    st.paragraph_format.space_after = Pt(3)
    return st


def _toc(d, entries: list[str], instr: str = 'TOC \\o "1-1" \\h \\z \\u') -> None:  # type: ignore[no-untyped-def]
    """A TOC field spanning one paragraph per entry, its result pre-filled with ``entries``.

    The field begins in the first entry's paragraph and ends in the last one's, as Word writes it; Word replaces
    the result (adding page numbers) when it updates fields, other readers show it as it is.
    """
    style = _toc_style(d, 1)

    def fld(kind: str, dirty: bool = False) -> OxmlElement:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        if dirty:
            el.set(qn("w:dirty"), "true")
        return el
    for k, text in enumerate(entries or [""]):
        p = d.add_paragraph(style=style)
        if k == 0:
            p.add_run()._r.append(fld("begin", dirty=True))
            it = OxmlElement("w:instrText")
            it.set(qn("xml:space"), "preserve")
            it.text = f" {instr} "
            p.add_run()._r.append(it)
            p.add_run()._r.append(fld("separate"))
        p.add_run(text)
        if k == len(entries or [""]) - 1:
            p.add_run()._r.append(fld("end"))


def _update_fields_on_open(d) -> None:  # type: ignore[no-untyped-def]
    settings = d.settings.element
    el = settings.find(qn("w:updateFields"))
    if el is None:
        el = OxmlElement("w:updateFields")
        settings.append(el)
    el.set(qn("w:val"), "true")


def _footer_page_numbers(d, label: str) -> None:  # type: ignore[no-untyped-def]
    before, _, after = label.partition("{n}")
    for section in d.sections:
        section.different_first_page_header_footer = True  # no number on the cover
        p = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(before)
        _field(p, "PAGE", "1")
        p.add_run(after)
        for r in p.runs:
            r.font.size = Pt(9)


def _repeat_header(row) -> None:  # type: ignore[no-untyped-def]
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _shade(cell, fill: str = "F2F2F2") -> None:  # type: ignore[no-untyped-def]
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _cell_text(cell, text: str, size: float, bold: bool = False, center: bool = False) -> None:  # type: ignore[no-untyped-def]
    p = cell.paragraphs[0]
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = 1.15
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    lines = str(text).split("\n")
    for k, line in enumerate(lines):
        run = p.add_run(line)
        run.font.size = Pt(size)
        run.bold = bold
        if k < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)


def _fix_grid(table, col_mm: list[float]) -> None:  # type: ignore[no-untyped-def]
    """Column widths where LibreOffice and WPS read them: the table grid (python-docx writes equal columns
    there) and a fixed layout, so that 评分规则 is not as narrow as 序号."""
    tbl = table._tbl
    grid = tbl.tblGrid
    for col in list(grid):
        grid.remove(col)
    for mm in col_mm:
        gc = OxmlElement("w:gridCol")
        gc.set(qn("w:w"), str(round(mm * 56.6929)))
        grid.append(gc)
    tblpr = tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    table.autofit = False


def _keep_rows(table, together: bool) -> None:  # type: ignore[no-untyped-def]
    """No row split across pages; a short table also kept on one page (each row kept with the next)."""
    rows = table.rows
    for k, row in enumerate(rows):
        trpr = row._tr.get_or_add_trPr()
        cant = OxmlElement("w:cantSplit")
        cant.set(qn("w:val"), "true")
        trpr.append(cant)
        if together and k < len(rows) - 1:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True


def _table(d, tb: Table) -> None:  # type: ignore[no-untyped-def]
    if d.paragraphs:  # the article's intro stays on the page of its table
        d.paragraphs[-1].paragraph_format.keep_with_next = True
    if tb.caption:
        d.add_paragraph(tb.caption, style="Caption")
    ncols = len(tb.columns) if tb.columns else max(len(r) for r in tb.rows)
    header = bool(tb.columns)
    table = d.add_table(rows=len(tb.rows) + int(header), cols=ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = 7.5 if tb.small else 9.0
    widths = tb.widths or [1.0] * ncols
    total = sum(widths)
    col_mm = [_TEXT_WIDTH_MM * w / total for w in widths]
    if header:
        hdr = table.rows[0]
        _repeat_header(hdr)
        for j, c in enumerate(tb.columns):
            _cell_text(hdr.cells[j], c, size, bold=True, center=True)
            _shade(hdr.cells[j])
    for i, row in enumerate(tb.rows):
        cells = table.rows[i + int(header)].cells
        for j, value in enumerate(row[:ncols]):
            label = tb.kind in ("form", "kv") and j % 2 == 0
            _cell_text(cells[j], value, size, bold=label)
            if label:
                _shade(cells[j])
        if tb.kind == "form":
            table.rows[i].height = Mm(16)
    for row in table.rows:
        for j, cell in enumerate(row.cells):
            cell.width = Mm(col_mm[j])
    _fix_grid(table, col_mm)
    _keep_rows(table, together=len(tb.rows) <= 15 or tb.kind == "form")
    d.add_paragraph().paragraph_format.space_after = Pt(2)


def _blocks(d, blocks: list, lang: str) -> None:  # type: ignore[no-untyped-def]
    for b in blocks:
        if isinstance(b, Para):
            p = d.add_paragraph(b.text)
            if b.kind == "body" and lang == "zh":
                p.paragraph_format.first_line_indent = Pt(21)
            elif b.kind == "item":
                p.paragraph_format.left_indent = Pt(21)
            elif b.kind == "note":
                for r in p.runs:
                    r.font.size = Pt(9)
            elif b.kind == "sign":
                p.paragraph_format.space_before = Pt(8)
                for r in p.runs:
                    r.font.size = Pt(9.5)
        elif isinstance(b, Heading):
            h = d.add_heading(b.text, level=min(3, b.level))
            h.paragraph_format.page_break_before = b.new_page
        elif isinstance(b, Table):
            _table(d, b)
        elif isinstance(b, Figure):
            d.add_picture(io.BytesIO(b.png), width=Mm(min(b.width_mm, _TEXT_WIDTH_MM)))
            d.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            d.add_paragraph(b.caption, style="Caption")


def _base_document():  # type: ignore[no-untyped-def]
    ref = templates_dir() / "documents" / "reference.docx"
    if ref.exists():
        d = new_docx(str(ref))
        body = d.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)
        return d, True
    d = new_docx()
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(20)
    sec.top_margin, sec.bottom_margin = Mm(25), Mm(22)
    return d, False


def docx_bytes(doc: Document) -> bytes:
    """The document as DOCX bytes."""
    d, custom = _base_document()
    if not custom:
        _setup_styles(d)
    core = d.core_properties
    core.title = doc.title
    core.subject = doc.subtitle
    core.author = "appraisal-toolkit"
    core.language = "zh-CN" if doc.lang == "zh" else "en"
    # cover
    for _ in range(6):
        d.add_paragraph()
    title = d.add_paragraph(style="Title")
    if doc.name:  # the client's name on a line of its own, then the title: no accidental break inside either
        client = title.add_run(doc.client)
        if len(doc.client) > 16:
            client.font.size = Pt(17)
        client.add_break(WD_BREAK.LINE)
        title.add_run(doc.name)
    else:
        title.add_run(doc.title)
    sub = d.add_paragraph(doc.subtitle)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta = d.add_paragraph(doc.meta or f"{doc.labels['prepared_for']}: {doc.client}")
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if doc.control:
        d.add_paragraph()
        _table(d, doc.control)
    d.add_page_break()
    # table of contents: a field Word refreshes, pre-filled for every other reader
    toc_head = d.add_paragraph(doc.labels["toc"], style="Title")
    toc_head.runs[0].font.size = Pt(16)
    _toc(d, [c.heading for c in doc.chapters] + [a.heading for a in doc.appendices])
    d.add_page_break()
    for ch in doc.chapters:
        d.add_heading(ch.heading, level=1)
        for art in ch.articles:
            d.add_heading(art.heading, level=2)
            _blocks(d, art.blocks, doc.lang)
    for ap in doc.appendices:
        d.add_page_break()
        h = d.add_heading(ap.heading, level=1)
        h.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _blocks(d, ap.blocks, doc.lang)
    _footer_page_numbers(d, doc.labels["page"])
    _update_fields_on_open(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def render_docx(doc: Document, path: str | os.PathLike[str]) -> Path:
    """Write the document to ``path`` as an editable DOCX (atomically)."""
    data = docx_bytes(doc)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
