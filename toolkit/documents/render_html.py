"""The scheme document as one self-contained HTML file: CSS inlined, images as data: URIs, user text escaped.

The HTML, the PDF (:mod:`toolkit.documents.render_pdf`, Typst) and the DOCX are rendered from the same content
model and the same table layout (:mod:`toolkit.documents.table_layout`), so the deliverables never differ in
content. The template is ``templates/documents/scheme.html.j2`` and the stylesheet ``scheme.css`` beside it (the
HTML's only; the PDF's styles are in ``scheme.typ``); a consultant may restyle either without touching code.
"""
from __future__ import annotations

import base64
import os
from functools import lru_cache
from pathlib import Path

import jinja2

from toolkit.documents.blocks import Document, Table
from toolkit.documents.table_layout import LANDSCAPE_MM, PORTRAIT_MM, TableLayout, layout_table
from toolkit.model.fileio import atomic_write_text
from toolkit.model.paths import templates_dir

__all__ = ["html_string", "page_label_css", "render_html"]


@lru_cache(maxsize=4)
def _env(root: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(root), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=False)
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    return env


def page_label_css(label: str) -> str:
    """A CSS ``content`` value for a page label such as ``第 {n} 页`` → ``"第 " counter(page) " 页"``."""
    before, _, after = label.partition("{n}")
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    parts = [q(before)] if before else []
    parts.append("counter(page)")
    if after:
        parts.append(q(after))
    return " ".join(parts)


def html_string(doc: Document) -> str:
    """The document as an HTML string (autoescaped; CSS and images inlined)."""
    root = templates_dir() / "documents"
    css = (root / "scheme.css").read_text(encoding="utf-8")
    template = _env(str(root)).get_template("scheme.html.j2")
    return template.render(doc=doc, css=css, page_label=page_label_css(doc.labels["page"]), layout=_layout)


def _layout(table: Table, wide: bool = False, share: float = 1.0) -> TableLayout:
    """Column widths and wrapped text of ``table`` on a portrait (or landscape, ``wide``) page, ``share`` of the
    text width wide."""
    return layout_table(table, (LANDSCAPE_MM if wide else PORTRAIT_MM) * share)


def render_html(doc: Document, path: str | os.PathLike[str]) -> Path:
    """Write the document to ``path`` as one self-contained UTF-8 HTML file (atomically)."""
    return atomic_write_text(path, html_string(doc))
