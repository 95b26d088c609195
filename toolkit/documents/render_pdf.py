"""The scheme document as PDF, typeset by Typst (the ``typst`` PyPI package, which bundles the compiler).

Why Typst: issue 17 asked for the PDF near WeasyPrint's own floor (a plain CJK document of the same page count).
WeasyPrint laid the scheme's HTML out at ×3.5 that floor (the 52-page midsize scheme in 4.0 s wall, 3.8 s CPU);
Typst sets the same document, with the same fonts, margins, column widths and break rules, in 0.44 s (0.38 s CPU):
×0.11 the WeasyPrint scheme and ×0.38 WeasyPrint's plain floor (``benchmarks/bench_pdf.py``, 2 Dec 2026, which
also keeps the pre-switch side-by-side figures: same page breaks on 51 of 52 pages, no forbidden line starts or
ends, no page ending with a heading).

How: the template ``templates/documents/scheme.typ`` is fixed; the document reaches it as JSON in
``sys.inputs.data`` (:func:`typst_data`), so every text of the engagement is a Typst *string*, never markup.
Figures (PNG charts) are written into a temporary directory that is the compile root and ``image()``-d from
there. Tables get the column widths and line breaks of :mod:`toolkit.documents.table_layout`, as the HTML.

Fonts: only the system Noto CJK faces (Debian ``fonts-noto-cjk``: Noto Serif CJK SC body, Noto Sans CJK SC
headings), passed to the compiler as files with system fonts ignored, so a build does not depend on whatever
else is installed and font indexing takes milliseconds. Typst embeds the glyph subsets (CID CFF), so the PDF
shows the same on any reader. Missing fonts raise a :class:`ToolkitError` saying what to install.

The HTML deliverable (:mod:`toolkit.documents.render_html`, ``scheme.css``) is styled separately: a change to
one stylesheet is to be made in the other too.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from toolkit.documents.blocks import Block, Document, Figure, Heading, Para, Table
from toolkit.documents.table_layout import LANDSCAPE_MM, PORTRAIT_MM, layout_table
from toolkit.model.errors import ToolkitError
from toolkit.model.fileio import atomic_path
from toolkit.model.paths import templates_dir

__all__ = ["FONT_FAMILIES", "cjk_font_files", "compile_typst", "pdf_bytes", "render_pdf", "template_path", "typst_data"]

FONT_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")  # the template's serif (body) and sans (headings)
_FONT_FILES = ("NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
_FONT_DIRS = ("/usr/share/fonts/opentype/noto",  # Debian, Ubuntu (fonts-noto-cjk)
              "/usr/share/fonts/noto-cjk",  # Arch
              "/usr/share/fonts/google-noto-cjk",  # Fedora
              "/usr/local/share/fonts", str(Path.home() / ".local/share/fonts"))


def template_path() -> Path:
    """The Typst template (``templates/documents/scheme.typ``)."""
    return templates_dir() / "documents" / "scheme.typ"


@lru_cache(maxsize=1)
def cjk_font_files() -> tuple[str, ...]:
    """The Noto Serif/Sans CJK font collections (regular and bold), as file paths.

    Looked up in the usual font folders, then through fontconfig (``fc-list``); raises :class:`ToolkitError` when
    either family is missing.
    """
    for folder in _FONT_DIRS:
        files = [Path(folder) / name for name in _FONT_FILES]
        if all(f.is_file() for f in files):
            return tuple(str(f) for f in files)
    if shutil.which("fc-list"):
        found: list[list[str]] = []
        for family in FONT_FAMILIES:
            out = subprocess.run(["fc-list", f":family={family}", "file"], capture_output=True, text=True,
                                 check=False).stdout
            found.append(sorted({ln.split(":")[0].strip() for ln in out.splitlines() if ln.strip()}))
        if all(found):
            return tuple(dict.fromkeys(f for files in found for f in files))
    raise ToolkitError(
        f"The PDF needs the fonts {' and '.join(FONT_FAMILIES)}, which are not installed.",
        hint="install the Debian package fonts-noto-cjk (make system-deps does this), or put "
             + ", ".join(_FONT_FILES) + f" in one of {', '.join(_FONT_DIRS[:3])}")


# ------------------------------------------------------------------------------------------ document → JSON
def _table(tb: Table, wide: bool = False, share: float = 1.0) -> dict:
    """A table with the column widths (per cent, as the HTML's <colgroup>) and wrapped text of table_layout."""
    lay = layout_table(tb, (LANDSCAPE_MM if wide else PORTRAIT_MM) * share)
    return {"type": "table", "kind": tb.kind, "small": tb.small, "caption": tb.caption,
            "keep": tb.keep, "widths": [round(w, 2) for w in lay.percent],
            "columns": lay.columns, "rows": lay.rows}


def _blocks(items: list[Block], figures: list[bytes], wide: bool = False) -> list[dict]:
    out: list[dict] = []
    text_mm = LANDSCAPE_MM if wide else PORTRAIT_MM
    for i, b in enumerate(items):
        if isinstance(b, Para):
            nxt = items[i + 1] if i + 1 < len(items) else None
            # a paragraph's newlines are spaces, as in HTML
            out.append({"type": "para", "kind": b.kind, "text": " ".join(b.text.split("\n")),
                        "lead": isinstance(nxt, Table)})
        elif isinstance(b, Heading):
            out.append({"type": "heading", "text": b.text, "new_page": b.new_page})
        elif isinstance(b, Table):
            out.append(_table(b, wide))
        elif isinstance(b, Figure):
            figures.append(b.png)
            # the HTML's `width: <width_mm>mm; max-width: 100%`
            out.append({"type": "figure", "path": f"/fig-{len(figures)}.png", "caption": b.caption,
                        "width": round(min(b.width_mm, text_mm), 2)})
        else:  # pragma: no cover - a new block type must be taught to the template
            raise TypeError(f"render_pdf: unknown block {type(b).__name__}")
    return out


def typst_data(doc: Document, figures: list[bytes] | None = None) -> str:
    """The document as the JSON the template reads: all user text as strings. The PNG bytes of the figures are
    appended to ``figures`` (in order; the JSON names them ``/fig-1.png``, …, relative to the compile root)."""
    figs = figures if figures is not None else []
    before, _, after = doc.labels["page"].partition("{n}")
    sep = "\u3000" if doc.lang == "zh" else " "
    data = {
        "lang": doc.lang, "region": "cn" if doc.lang == "zh" else "gb", "title": doc.title, "name": doc.name,
        "client": doc.client, "subtitle": doc.subtitle, "meta": doc.meta, "toc": doc.labels["toc"],
        "page": [before, after],
        "control": _table(doc.control, False, 0.7) if doc.control else None,
        "chapters": [{"heading": c.heading,
                      "articles": [{"heading": f"{a.label}{sep}{a.title}", "blocks": _blocks(a.blocks, figs)}
                                   for a in c.articles]} for c in doc.chapters],
        "appendices": [{"heading": ap.heading, "landscape": ap.landscape,
                        "blocks": _blocks(ap.blocks, figs, ap.landscape)} for ap in doc.appendices],
    }
    return json.dumps(data, ensure_ascii=False)


# -------------------------------------------------------------------------------------------------- compile
def pdf_bytes(doc: Document) -> bytes:
    """The document as PDF bytes (A4, embedded CJK font subsets)."""
    figures: list[bytes] = []
    data = typst_data(doc, figures)
    return compile_typst(template_path().read_bytes(), data,
                         {f"fig-{k}.png": png for k, png in enumerate(figures, 1)})


def compile_typst(source: bytes, data: str, files: dict[str, bytes] | None = None) -> bytes:
    """Compile a fixed Typst ``source`` to PDF with ``data`` (JSON) in ``sys.inputs.data``.

    ``files`` (name -> bytes, e.g. figures) are written into a temporary compile root, so the template reads
    them as ``/name``; only the Noto CJK faces of :func:`cjk_font_files` are visible to the compiler.
    """
    fonts = cjk_font_files()
    with tempfile.TemporaryDirectory(prefix="appraisal-pdf-") as tmp:
        root, font_dir = Path(tmp, "root"), Path(tmp, "fonts")
        root.mkdir()
        font_dir.mkdir()
        for name, blob in (files or {}).items():
            (root / name).write_bytes(blob)
        # Typst reads fonts from folders only: one holding links to exactly our four files
        for f in fonts:
            (font_dir / f"{len(os.listdir(font_dir))}-{Path(f).name}").symlink_to(f)
        if _FORKED_AFTER_USE[0]:
            return _compile_in_new_process(source, data, root, font_dir)
        import typst

        _USED[0] = True
        return typst.compile(source, root=str(root), format="pdf", sys_inputs={"data": data},
                             font_paths=[str(font_dir)], ignore_system_fonts=True)


# Typst's compiler keeps a pool of threads once used; a process forked after that has the pool's state but not
# its threads, and a compile there waits for ever (a build worker forked from a process that had made a PDF: a
# test, a notebook calling run_build). Such a process compiles in a new process instead.
_USED = [False]
_FORKED_AFTER_USE = [False]


def _after_fork_in_child() -> None:
    if _USED[0]:
        _FORKED_AFTER_USE[0] = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

_COMPILE = ("import sys, typst\n"
            "root, fonts = sys.argv[1], sys.argv[2]\n"
            "src = open(root + '/.source.typ', 'rb').read()\n"
            "data = open(root + '/.data.json', encoding='utf-8').read()\n"
            "sys.stdout.buffer.write(typst.compile(src, root=root, format='pdf', sys_inputs={'data': data},\n"
            "                                      font_paths=[fonts], ignore_system_fonts=True))\n")


def _compile_in_new_process(source: bytes, data: str, root: Path, font_dir: Path) -> bytes:
    import sys

    (root / ".source.typ").write_bytes(source)
    (root / ".data.json").write_text(data, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _COMPILE, str(root), str(font_dir)], capture_output=True,
                          check=False, timeout=600)
    if done.returncode != 0:
        raise ToolkitError("Typst could not set the PDF: " + done.stderr.decode(errors="replace")[-800:])
    return done.stdout


def render_pdf(doc: Document, path: str | os.PathLike[str]) -> Path:
    """Write the document to ``path`` as an A4 PDF with embedded CJK fonts (atomically)."""
    data = pdf_bytes(doc)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
