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
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from toolkit.documents.blocks import Document, Figure, Heading, Para, Table
from toolkit.documents.docx_pages import heading_pages, page_texts, paginate_enabled
from toolkit.documents.table_layout import LANDSCAPE_MM, PORTRAIT_MM, layout_table
from toolkit.model.fileio import atomic_path
from toolkit.model.paths import templates_dir

__all__ = ["BODY_FONT", "HEADING_FONT", "docx_bytes", "render_docx"]

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
LATIN_HEADING = "Arial"


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


def _fld(kind: str, dirty: bool = False) -> OxmlElement:
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), kind)
    if dirty:
        el.set(qn("w:dirty"), "true")
    return el


def _run(*children: OxmlElement, text: str | None = None) -> OxmlElement:
    r = OxmlElement("w:r")
    for c in children:
        r.append(c)
    if text is not None:
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = text
        r.append(t)
    return r


def _instr(text: str) -> OxmlElement:
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {text} "
    return it


def _bookmark(paragraph, name: str, bid: int) -> None:  # type: ignore[no-untyped-def]
    """A bookmark around the whole paragraph (the target of a TOC entry's link and PAGEREF)."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bid))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bid))
    p = paragraph._p
    ppr = p.find(qn("w:pPr"))
    p.insert(list(p).index(ppr) + 1 if ppr is not None else 0, start)
    p.append(end)


def _toc(d, entries: list[str], numbers: list[str] | None,  # type: ignore[no-untyped-def]
         instr: str = 'TOC \\o "1-1" \\h \\z \\u') -> None:
    """A TOC field spanning one paragraph per entry, its result pre-filled as Word writes it.

    Each entry links to its heading's bookmark (``_Toc…``); with ``numbers`` (the heading's page as LibreOffice
    paginates the file) it ends with a PAGEREF field after a dotted tab whose stored result is that number. Word
    replaces the whole result when it updates fields; LibreOffice and WPS show it as it is.
    """
    style = _toc_style(d, 1)
    style.paragraph_format.tab_stops.clear_all()
    style.paragraph_format.tab_stops.add_tab_stop(Mm(PORTRAIT_MM), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    for k, text in enumerate(entries):
        p = d.add_paragraph(style=style)
        if k == 0:
            for el in (_run(_fld("begin", dirty=True)), _run(_instr(instr)), _run(_fld("separate"))):
                p._p.append(el)
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), _toc_bookmark(k))
        link.set(qn("w:history"), "1")
        link.append(_run(text=text))
        if numbers is not None:
            link.append(_run(OxmlElement("w:tab")))
            for el in (_run(_fld("begin")), _run(_instr(f"PAGEREF {_toc_bookmark(k)} \\h")), _run(_fld("separate")),
                       _run(text=numbers[k]), _run(_fld("end"))):
                link.append(el)
        p._p.append(link)
        if k == len(entries) - 1:
            p._p.append(_run(_fld("end")))


def _toc_bookmark(k: int) -> str:
    return f"_Toc{k + 1:08d}"


def _update_fields_on_open(d) -> None:  # type: ignore[no-untyped-def]
    settings = d.settings.element
    el = settings.find(qn("w:updateFields"))
    if el is None:
        el = OxmlElement("w:updateFields")
        settings.append(el)
    el.set(qn("w:val"), "true")


def _footer_page_numbers(d, label: str) -> None:  # type: ignore[no-untyped-def]
    """"第 N 页" centred in the footer of every page but the cover; later sections share the first one's."""
    before, _, after = label.partition("{n}")
    for k, section in enumerate(d.sections):
        section.different_first_page_header_footer = k == 0  # no number on the cover
        if k:
            section.footer.is_linked_to_previous = True
            continue
        p = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(before)
        _field(p, "PAGE", "1")
        p.add_run(after)
        for r in p.runs:
            r.font.size = Pt(9)


# Tables are written as OOXML directly, one lxml parse per table: python-docx's cell, run and property
# objects cost ~1.5 ms a cell (a 50-role scheme has 13,000 cells: 20 s), the same XML from a string ~20 µs.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: object) -> str:
    """``text`` as XML character data: escaped, and without the control characters XML cannot hold."""
    return xml_escape(_XML_INVALID.sub("", str(text)))


def _twips(mm: float) -> int:
    return round(mm * 36000 / 635)  # as python-docx's Mm(mm).twips


def _cell_xml(text: object, width_mm: float, size: float, *, bold: bool = False, center: bool = False,
              shade: bool = False, keep: bool = False) -> str:
    """One table cell: its width, optional grey shading, one paragraph of runs broken at each newline."""
    shd = '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>' if shade else ""
    ppr = ("<w:pPr>" + ("<w:keepNext/>" if keep else "") + '<w:spacing w:after="0" w:line="276" w:lineRule="auto"/>'
           '<w:ind w:firstLine="0"/>' + ('<w:jc w:val="center"/>' if center else "") + "</w:pPr>")
    rpr = "<w:rPr>" + ("<w:b/>" if bold else '<w:b w:val="0"/>') + f'<w:sz w:val="{round(size * 2)}"/></w:rPr>'
    lines = str(text).split("\n")
    runs = "".join(f'<w:r>{rpr}<w:t xml:space="preserve">{_xml_text(line)}</w:t>'
                   + ("<w:br/>" if k < len(lines) - 1 else "") + "</w:r>" for k, line in enumerate(lines))
    return (f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{_twips(width_mm)}"/>{shd}</w:tcPr>'
            f"<w:p>{ppr}{runs}</w:p></w:tc>")


def _last_paragraph(d):  # type: ignore[no-untyped-def]
    """The body's last paragraph, found from the end (``d.paragraphs`` wraps every paragraph of the body)."""
    from docx.text.paragraph import Paragraph

    p_tag = qn("w:p")
    for el in reversed(d.element.body):
        if el.tag == p_tag:
            return Paragraph(el, d._body)
    return None


def _style_id(d, name: str) -> str:  # type: ignore[no-untyped-def]
    """The id of style ``name`` of ``d``, looked up once per document (python-docx scans all styles each time)."""
    cache = d.__dict__.setdefault("_toolkit_style_ids", {})
    if name not in cache:
        cache[name] = d.styles[name].style_id
    return cache[name]


def _styled(d, text: str | None, name: str):  # type: ignore[no-untyped-def]
    p = d.add_paragraph(text)
    p._p.style = _style_id(d, name)
    return p


def _heading(d, text: str, level: int):  # type: ignore[no-untyped-def]
    """As ``d.add_heading`` (style Heading ``level``), without its style look-up by name."""
    return _styled(d, text, f"Heading {level}")


def _table(d, tb: Table, width_mm: float = 0.0) -> None:  # type: ignore[no-untyped-def]
    """A table whose grid carries the column widths (LibreOffice and WPS read them there, so 评分规则 is not as
    narrow as 序号), fixed layout, rows that never split across pages (a short table, and a form, also kept on
    one page: each row's paragraphs kept with the next row), the header row repeated on every page."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    last = _last_paragraph(d)
    if last is not None:  # the article's intro stays on the page of its table
        last.paragraph_format.keep_with_next = True
    if tb.caption:
        _styled(d, tb.caption, "Caption")
    lay = layout_table(tb, width_mm or PORTRAIT_MM)  # the widths and line breaks the PDF has too
    widths = lay.widths_mm
    ncols = len(widths)
    size = 7.5 if tb.small else 9.0
    together = len(tb.rows) <= 15 or tb.kind == "form"
    n_rows = len(lay.rows) + int(bool(tb.columns))
    rows: list[str] = []

    def tr(cells: list[str], header: bool = False, height: bool = False) -> str:
        trpr = ('<w:trPr><w:cantSplit w:val="true"/>' + ('<w:trHeight w:val="907"/>' if height else "")
                + ('<w:tblHeader w:val="true"/>' if header else "") + "</w:trPr>")
        return f"<w:tr>{trpr}{''.join(cells)}</w:tr>"

    if tb.columns:
        keep = together and n_rows > 1
        rows.append(tr([_cell_xml(c, widths[j], size, bold=True, center=True, shade=True, keep=keep)
                        for j, c in enumerate(lay.columns[:ncols])], header=True))
    for row in lay.rows:
        keep = together and len(rows) < n_rows - 1
        cells = []
        for j in range(ncols):
            value = row[j] if j < len(row) else ""
            label = tb.kind in ("form", "kv") and j % 2 == 0
            cells.append(_cell_xml(value, widths[j], size, bold=label, shade=label, keep=keep))
        rows.append(tr(cells, height=tb.kind == "form"))
    grid = "".join(f'<w:gridCol w:w="{round(mm * 56.6929)}"/>' for mm in widths)
    xml = (f"<w:tbl {nsdecls('w')}><w:tblPr><w:tblStyle w:val=\"{_style_id(d, 'Table Grid')}\"/>"
           '<w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
           '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" '
           f'w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')
    d.element.body._insert_tbl(parse_xml(xml))
    d.add_paragraph().paragraph_format.space_after = Pt(2)


def _blocks(d, blocks: list, lang: str, width_mm: float = PORTRAIT_MM) -> None:  # type: ignore[no-untyped-def]
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
                p.paragraph_format.space_before = Pt(6)
                for r in p.runs:
                    r.font.size = Pt(9.5)
        elif isinstance(b, Heading):
            h = _heading(d, b.text, min(3, b.level))
            h.paragraph_format.page_break_before = b.new_page
        elif isinstance(b, Table):
            _table(d, b, width_mm)
        elif isinstance(b, Figure):
            d.add_picture(io.BytesIO(b.png), width=Mm(min(b.width_mm, width_mm)))
            _last_paragraph(d).alignment = WD_ALIGN_PARAGRAPH.CENTER
            _styled(d, b.caption, "Caption")


def _keep_forms_together(d, start: int) -> None:  # type: ignore[no-untyped-def]
    """From paragraph ``start`` on (the forms appendix), each form's title, header block, table and signature
    lines are kept on one page: every paragraph but a form's last signature line is kept with the next."""
    headings = {_style_id(d, f"Heading {k}") for k in (1, 2, 3)}
    paras = d.paragraphs[start:]
    for k, p in enumerate(paras[:-1]):
        nxt = paras[k + 1]
        if not (nxt._p.style in headings and nxt.paragraph_format.page_break_before):
            p.paragraph_format.keep_with_next = True


def _page_setup(section, landscape: bool) -> None:  # type: ignore[no-untyped-def]
    """A4 portrait (25/22 mm top/bottom) or landscape (16/15 mm, as the PDF's wide pages), 20 mm at the sides."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin, section.bottom_margin = (Mm(16), Mm(15)) if landscape else (Mm(25), Mm(22))


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
    _page_setup(d.sections[0], landscape=False)
    return d, False


def _build(doc: Document, numbers: list[str] | None) -> bytes:
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
        _table(d, doc.control, PORTRAIT_MM * 0.7)
    d.add_page_break()
    # table of contents: a field Word refreshes, pre-filled (with LibreOffice's page numbers) for every other reader
    toc_head = d.add_paragraph(doc.labels["toc"], style="Title")
    toc_head.runs[0].font.size = Pt(16)
    _toc(d, _toc_entries(doc), numbers)
    d.add_page_break()
    n = 0
    for ch in doc.chapters:
        _bookmark(_heading(d, ch.heading, 1), _toc_bookmark(n), n)
        n += 1
        for art in ch.articles:
            _heading(d, art.heading, 2)
            _blocks(d, art.blocks, doc.lang)
    landscape = False
    for ap in doc.appendices:
        if ap.landscape != landscape:  # a section of its own: landscape for the wide forms, then back
            landscape = ap.landscape
            _page_setup(d.add_section(WD_SECTION.NEW_PAGE), landscape)
        else:
            d.add_page_break()
        h = _heading(d, ap.heading, 1)
        h.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _bookmark(h, _toc_bookmark(n), n)
        n += 1
        start = len(d.paragraphs)
        _blocks(d, ap.blocks, doc.lang, LANDSCAPE_MM if landscape else PORTRAIT_MM)
        if ap.key == "forms":
            _keep_forms_together(d, start)
    _footer_page_numbers(d, doc.labels["page"])
    _update_fields_on_open(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _toc_entries(doc: Document) -> list[str]:
    return [c.heading for c in doc.chapters] + [a.heading for a in doc.appendices]


def docx_bytes(doc: Document, toc_pages: bool | None = None) -> bytes:
    """The document as DOCX bytes.

    ``toc_pages`` (default: when LibreOffice and pdftotext are installed, see
    :func:`toolkit.documents.docx_pages.paginate_enabled`): lay the file out with LibreOffice once and write each
    chapter's and appendix's page into the table of contents.
    """
    if toc_pages is None:
        toc_pages = paginate_enabled()
    if not toc_pages:
        return _build(doc, None)
    entries = _toc_entries(doc)
    draft = _build(doc, ["0"] * len(entries))  # same lines as the final file: only the digits change
    texts = page_texts(draft)
    pages = heading_pages(texts, entries) if texts else None
    return _fill_toc_numbers(draft, [str(p) for p in pages]) if pages else _build(doc, None)


_PAGEREF = re.compile(r'(PAGEREF (_Toc\d{8}) \\h </w:instrText>.*?<w:t xml:space="preserve">)0(</w:t>)')


def _fill_toc_numbers(docx: bytes, numbers: list[str]) -> bytes:
    """``docx`` with the placeholder "0" of the k-th TOC entry's PAGEREF result replaced by ``numbers[k]``."""
    by_mark = {_toc_bookmark(k): n for k, n in enumerate(numbers)}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                xml, n = _PAGEREF.subn(lambda m: m.group(1) + by_mark[m.group(2)] + m.group(3),
                                       data.decode("utf-8"))
                if n != len(numbers):
                    raise RuntimeError(f"TOC page numbers: {n} of {len(numbers)} entries found")
                data = xml.encode("utf-8")
            dst.writestr(item, data)
    return out.getvalue()


def render_docx(doc: Document, path: str | os.PathLike[str]) -> Path:
    """Write the document to ``path`` as an editable DOCX (atomically)."""
    data = docx_bytes(doc)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
