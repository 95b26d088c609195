"""The client's copies of an executed worksheet: self-contained HTML and an A4 PDF, no code, one language.

A client cannot open an ``.ipynb``, and plain nbconvert shows an empty ``In [3]:`` box for every hidden cell.
So each successful job is rendered twice from its client copy (:func:`toolkit.batch.jobs.client_copy`: no
parameters, no stderr, no code cells that show nothing):

* **HTML** — nbconvert's ``basic`` template with ``exclude_input``, ``exclude_input_prompt`` and
  ``exclude_output_prompt`` (no code, no prompts), the charts embedded as ``data:`` PNGs, wrapped in a page
  with its own small stylesheet (the CJK font stack of the scheme documents). No script, no external URL:
  the file opens the same offline, in any browser, years later.
* **PDF** — the same content typeset by Typst (:mod:`toolkit.batch.worksheet_pdf`, as the scheme PDF; Noto
  Sans CJK glyphs embedded as subsets), from the notebook itself: about 0.1 s a notebook where WeasyPrint laying
  out this HTML took 0.55–0.75 s (issue 17). No LaTeX needed.

Both go to ``<client>/documents/worksheets/<job>.html|pdf``, next to the scheme documents. The audit copy
(``notebooks/<job>.ipynb``) keeps everything.
"""
from __future__ import annotations

import html
import os
import re
import threading
from pathlib import Path
from typing import Any

from toolkit.model.fileio import atomic_path, atomic_write_text

__all__ = ["CLIENT_CSS", "WORKSHEETS_DIR", "client_html", "render_client_copies"]

#: where the client copies go, relative to the client folder (beside documents/scheme.*)
WORKSHEETS_DIR = Path("documents") / "worksheets"

CLIENT_CSS = """
@page { size: A4 landscape; margin: 14mm 14mm 16mm 14mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; color: #666; } }
html { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Zen Hei",
       "Noto Sans", "Helvetica Neue", Arial, sans-serif; font-size: 10pt; line-height: 1.6; color: #1a1a1a; }
body { max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
@media print { body { margin: 0; padding: 0; max-width: none; } }
h1 { font-size: 17pt; border-bottom: 2px solid #24527a; padding-bottom: .3em; color: #16324f; }
h2 { font-size: 13pt; margin-top: 1.6em; color: #16324f; break-after: avoid; }
h3 { font-size: 11pt; break-after: avoid; }
blockquote { color: #555; border-left: 3px solid #ccc; margin: .5em 0; padding: 0 1em; }
table { border-collapse: collapse; margin: .6em 0 1em; font-size: 8.5pt; max-width: 100%; break-inside: auto; }
th, td { border: 1px solid #c8ced6; padding: 3px 6px; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
thead th { background: #eef2f6; }
tbody th { background: #f7f9fb; font-weight: normal; }
tr { break-inside: avoid; }
pre { font-family: inherit; white-space: pre-wrap; margin: .3em 0; }
img { max-width: 100%; height: auto; break-inside: avoid; }
.jp-Cell, .cell { margin: 0; }
.jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt, .prompt, .input_prompt, .output_prompt { display: none; }
"""


#: one nbconvert exporter per worker thread, reused for every notebook: a new exporter compiles its templates
#: again (0.09 s a notebook)
_REUSED = threading.local()


def _exporter() -> Any:
    ex = getattr(_REUSED, "exporter", None)
    if ex is None:
        from nbconvert import HTMLExporter

        ex = _REUSED.exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                                             exclude_output_prompt=True, embed_images=True, anchor_link_text="")
    return ex


def _title(nb: Any) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, flags=re.MULTILINE)
            if m:
                return m.group(1).strip()
    return ""


def client_html(nb: Any, lang: str = "zh", title: str | None = None) -> str:
    """The client copy ``nb`` (see :func:`toolkit.batch.jobs.client_copy`) as one self-contained HTML page."""
    body, _ = _exporter().from_notebook_node(nb)
    body = re.sub(r"<script\b.*?</script>", "", body, flags=re.DOTALL | re.IGNORECASE)  # nothing runs, nothing is fetched
    body = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", body, flags=re.DOTALL)
    head_title = html.escape(title if title is not None else _title(nb))
    lang_attr = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{lang_attr}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{head_title}</title>\n'
            f"<style>{CLIENT_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def render_client_copies(nb: Any, client_dir: str | os.PathLike[str], key: str, lang: str = "zh",
                         formats: tuple[str, ...] = ("html", "pdf")) -> dict[str, Path]:
    """Write ``<client_dir>/documents/worksheets/<key>.html`` and ``.pdf`` (atomically); returns the paths."""
    folder = Path(client_dir) / WORKSHEETS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    page = client_html(nb, lang)
    out: dict[str, Path] = {}
    if "html" in formats:
        out["html"] = atomic_write_text(folder / f"{key}.html", page)
    if "pdf" in formats:
        from toolkit.batch.worksheet_pdf import worksheet_pdf

        data = worksheet_pdf(nb, lang, _title(nb))
        with atomic_path(folder / f"{key}.pdf") as tmp:
            tmp.write_bytes(data)
        out["pdf"] = folder / f"{key}.pdf"
    return out
