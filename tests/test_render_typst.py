"""The scheme PDF as Typst sets it (toolkit/documents/render_pdf.py, templates/documents/scheme.typ), read back
with poppler (pdftotext, pdffonts, pdfimages) and pypdf: user text stays text, the figures are in, only the
Noto CJK faces are embedded, the contents give the pages the headings are on, the KPI forms are landscape and
start with their title, header block and table head, and no header or term of a form is split."""
from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
import shutil
import subprocess
from functools import cache

import pytest
from conftest import with_changes
from pypdf import PdfReader
from scheme_pages import assert_contents_match, assert_forms_on_landscape_pages, squeeze

from toolkit.documents.blocks import Figure, Table
from toolkit.documents.content import build_document
from toolkit.documents.render_pdf import cjk_font_files, pdf_bytes, typst_data

TODAY = dt.date(2026, 12, 1)
EVIL = '#panic("x") *b* $x$ [y] <z> \\'

pytestmark = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdffonts")),
                                reason="poppler-utils is installed by make system-deps")


def _pages(pdf: bytes, layout: bool = True) -> list[str]:
    """Page texts (``pdftotext -layout``: lines as they are set)."""
    args = ["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", "-", "-"]
    out = subprocess.run(args, input=pdf, check=True, capture_output=True).stdout.decode("utf-8")
    return out.split("\f")[:-1]


@pytest.fixture(scope="module")
def built(small, mid):
    """PDF bytes and the document of each sample and language (without charts), memoized."""
    @cache
    def get(sample: str, lang: str):
        doc = build_document({"small": small, "mid": mid}[sample], lang, today=TODAY, figures=False)
        return doc, pdf_bytes(doc)
    return get


def test_user_text_is_never_markup(small):
    eng = with_changes(small, client__name=EVIL, result_use__promotion=f"晋升 {EVIL} 依据")
    doc = build_document(eng, "zh", today=TODAY, figures=False)
    assert json.loads(typst_data(doc))["client"] == EVIL  # a JSON string, shown as a Typst string
    pdf = pdf_bytes(doc)  # compiles: no #panic ran, no unbalanced $ or [ broke the markup
    pages = _pages(pdf, layout=False)
    assert pages[0].splitlines()[0].strip() == EVIL  # the cover's first line, literally
    flat = squeeze("".join(pages))
    assert squeeze(f"晋升 {EVIL} 依据") in flat
    assert flat.count(squeeze(EVIL)) >= 3


@pytest.mark.slow
def test_the_weight_charts_are_in_the_pdf_at_their_width(mid):
    doc = build_document(mid, "zh", today=TODAY)
    figs = [(ap, b) for ap in doc.appendices for b in ap.blocks if isinstance(b, Figure)]
    assert figs  # appendix 3's sensitivity charts
    pdf = pdf_bytes(doc)
    reader = PdfReader(io.BytesIO(pdf))
    pages = _pages(pdf)
    images = []
    for n, page in enumerate(reader.pages):
        for x in (page["/Resources"].get("/XObject") or {}).values():
            if x.get_object()["/Subtype"] == "/Image":
                images.append(n)
    assert len(images) == len(figs)
    for (_ap, fig), n in zip(figs, images):
        assert squeeze(fig.caption) in squeeze(pages[n])  # the caption on the chart's page
    listing = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=False)
    if listing.returncode == 0:  # width in the PDF: x-ppi of a 960 px PNG set 150 mm wide is ~163
        rows = [r for r in (ln.split() for ln in listing.stdout.decode().splitlines()[2:]) if r[2] == "image"]
        assert len(rows) == len(figs)
        for r in rows:
            width_mm = int(r[3]) / int(r[12]) * 25.4
            assert abs(width_mm - min(figs[0][1].width_mm, 170)) < 2, r


@pytest.mark.slow
@pytest.mark.parametrize("sample", ["small", "mid"])
def test_english_build_has_every_glyph_in_the_noto_faces(sample, built):
    from fontTools.ttLib import TTCollection

    doc, pdf = built(sample, "en")
    cmaps = []
    for path in cjk_font_files():
        if "Regular" in path:
            faces = TTCollection(path, lazy=True).fonts
            cmaps.append(set(faces[0].getBestCmap()))  # the SC face's cmap (the collection shares glyphs)
    text = doc.all_text() + "".join(doc.labels.values())
    missing = sorted({c for c in text if not c.isspace() and any(ord(c) not in m for m in cmaps)})
    assert missing == []  # no character would show as a box or fall back to another font
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 10
    assert "Chapter 1" in "".join(_pages(pdf))


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_only_noto_cjk_subsets_are_embedded(lang, built):
    _, pdf = built("mid", lang)
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    fonts = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert fonts
    for f in fonts:
        assert re.fullmatch(r"[A-Z]{6}\+Noto(Serif|Sans)CJKsc-(Regular|Bold)(-Identity-H)?", f[0]), out
        assert f[-5:-2] == ["yes", "yes", "yes"], out  # embedded, subset, with a ToUnicode map
    assert {f[0].split("+")[1].split("-")[0] for f in fonts} == {"NotoSerifCJKsc", "NotoSansCJKsc"}


@pytest.mark.slow
@pytest.mark.parametrize(("sample", "lang"), [("mid", "zh"), ("small", "zh"), ("mid", "en"), ("small", "en")])
def test_contents_page_numbers_are_the_pages_the_headings_are_on(sample, lang, built):
    doc, pdf = built(sample, lang)
    pages = _pages(pdf)
    headings = [c.heading for c in doc.chapters] + [a.heading for a in doc.appendices]
    assert_contents_match(pages, headings)
    # the footer's page label on every page but the cover
    label = doc.labels["page"]
    assert squeeze(label.format(n=2)) in squeeze(pages[1])
    assert not any(squeeze(label.format(n=k)) in squeeze(pages[0]) for k in (0, 1))
    assert squeeze(label.format(n=len(pages))) in squeeze(pages[-1])


@pytest.mark.slow
@pytest.mark.parametrize(("sample", "lang"), [("mid", "zh"), ("small", "zh"), ("mid", "en"), ("small", "en")])
def test_each_kpi_form_starts_a_landscape_page_with_its_title_header_block_and_table(sample, lang, built, small,
                                                                                      mid):
    eng = {"small": small, "mid": mid}[sample]
    doc, pdf = built(sample, lang)
    pages = _pages(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    for form, lines in assert_forms_on_landscape_pages(doc, eng, lang, pages, sizes):
        for head in form.columns:  # the table's head on the title's page too, every header whole on a line
            first = re.split(r"(?<=/)", head)[0].split()[0]
            assert any(first in line for line in lines), head
    # the chapters are portrait
    first_chapter = next(k for k, p in enumerate(pages) if squeeze(doc.chapters[0].heading) in squeeze(p)
                         and k > 1)
    assert sizes[first_chapter][0] < sizes[first_chapter][1]


@pytest.mark.slow
def test_no_space_is_added_between_chinese_and_latin_text(built):
    _doc, pdf = built("mid", "zh")
    text = "".join(_pages(pdf, layout=False))
    assert "2027年1月1日" in text and "附件1" in text  # as in the DOCX and the HTML: no quarter-em space
    assert "一致性比率CR=" in squeeze(text)


def test_missing_fonts_say_what_to_install(monkeypatch):
    import toolkit.documents.render_pdf as rp
    from toolkit.model.errors import ToolkitError

    rp.cjk_font_files.cache_clear()
    monkeypatch.setattr(rp, "_FONT_DIRS", ("/nonexistent",))
    monkeypatch.setattr(rp.shutil, "which", lambda name: None)
    try:
        with pytest.raises(ToolkitError, match="Noto Serif CJK SC") as err:
            rp.cjk_font_files()
        assert "fonts-noto-cjk" in str(err.value)
    finally:
        rp.cjk_font_files.cache_clear()


@pytest.mark.slow
@pytest.mark.parametrize(("sample", "lang"), [("mid", "zh"), ("small", "en")])
def test_short_tables_stay_on_their_captions_page(sample, lang, built):
    doc, pdf = built(sample, lang)
    pages = [[squeeze(x) for x in p.splitlines() if x.strip()] for p in _pages(pdf)]
    blocks = [b for c in doc.chapters for a in c.articles for b in a.blocks] + \
        [b for ap in doc.appendices for b in ap.blocks]
    short = [b for b in blocks if isinstance(b, Table) and b.caption and 1 < len(b.rows) <= 12]
    assert len(short) > 5
    for tb in short:
        cap = squeeze(tb.caption)
        k = next(k for k, lines in enumerate(pages) if cap in lines)
        last = next(c for c in reversed([c for row in tb.rows for c in row]) if len(squeeze(c)) >= 2)
        word = squeeze(last.split("\n")[0])[:8]
        assert any(word in line for line in pages[k]), (tb.caption, word, k + 1)  # the last row with it


@pytest.mark.slow
def test_english_words_are_not_hyphenated(built):
    doc, pdf = built("mid", "en")
    text = doc.all_text()
    lines = [ln.strip() for p in _pages(pdf, layout=False) for ln in p.splitlines() if ln.strip()]
    broken = [(a, b) for a, b in itertools.pairwise(lines)
              if re.search(r"[a-z]-$", a) and b[:1].islower() and a.split()[-1] + b.split()[0] not in text]
    assert broken == []
