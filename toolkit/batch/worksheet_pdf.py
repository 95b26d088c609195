"""A worksheet's client copy as PDF, typeset by Typst from the notebook itself (not from its HTML).

Why not the HTML through WeasyPrint: laying out nbconvert's page took 0.55–0.75 s of CPU per notebook, about
40 % of a 50-role build (issue 17); Typst sets the same content in a few hundredths of a second. The HTML copy
(:func:`toolkit.batch.client_copies.client_html`) stays as it is, and the PDF shows the same things in the same
order: the markdown cells (through mistune's syntax tree), the tables the worksheet displayed (pandas' HTML,
read with lxml), its charts (PNG) and its printed text.

Everything reaches ``templates/documents/worksheet.typ`` as JSON (:func:`worksheet_data`): the texts are Typst
strings there, never markup, so a client's name with ``#``, ``*``, ``$`` or ``<b>`` prints as written.
"""
from __future__ import annotations

import json
import re
import struct
from typing import Any

from toolkit.model.paths import templates_dir

__all__ = ["worksheet_data", "worksheet_pdf"]

#: the text width of the A4 landscape page (297 mm less 14 mm margins on each side)
TEXT_MM = 297 - 2 * 14
#: CSS pixels per millimetre: a browser (and the HTML copy) shows a PNG at 96 of its pixels per inch
PX_MM = 96 / 25.4
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


# ------------------------------------------------------------------------------------------------ markdown
def _markdown() -> Any:
    import mistune

    return mistune.create_markdown(renderer=None, plugins=["table", "strikethrough"])


def _inline(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, tok in enumerate(tokens):
        kind = tok["type"]
        if kind == "text":
            out.append({"t": "s", "v": tok["raw"]})
        elif kind in ("strong", "emphasis", "strikethrough"):
            out.append({"t": {"strong": "b", "emphasis": "i", "strikethrough": "x"}[kind],
                        "c": _inline(tok.get("children", []))})
        elif kind == "codespan":
            out.append({"t": "code", "v": tok["raw"]})
        elif kind == "link":
            out.append({"t": "a", "url": str(tok.get("attrs", {}).get("url", "")), "c": _inline(tok["children"])})
        elif kind == "linebreak":
            out.append({"t": "br"})
        elif kind == "softbreak":
            # a newline inside a paragraph: a space between words, nothing between two Chinese characters
            before = _plain(tokens[i - 1:i])[-1:] if i else ""
            after = _plain(tokens[i + 1:i + 2])[:1]
            out.append({"t": "s", "v": "" if _CJK.match(before or " ") and _CJK.match(after or " ") else " "})
        elif kind == "image":
            out.append({"t": "s", "v": _plain(tok.get("children", []))})
        elif kind in ("inline_html", "block_html"):
            continue  # markup in a markdown cell is not shown (the HTML copy strips scripts; we keep text only)
        elif "children" in tok:
            out.extend(_inline(tok["children"]))
        elif "raw" in tok:
            out.append({"t": "s", "v": tok["raw"]})
    return out


def _plain(tokens: list[dict[str, Any]]) -> str:
    parts = []
    for tok in tokens:
        if "raw" in tok and tok["type"] != "inline_html":
            parts.append(tok["raw"])
        elif tok["type"] == "softbreak":
            parts.append(" ")
        if "children" in tok and isinstance(tok["children"], list):
            parts.append(_plain(tok["children"]))
    return "".join(parts)


def _md_blocks(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tok in tokens:
        kind = tok["type"]
        if kind == "heading":
            out.append({"t": "h", "level": int(tok["attrs"]["level"]), "c": _inline(tok["children"])})
        elif kind in ("paragraph", "block_text"):
            out.append({"t": "p", "c": _inline(tok["children"])})
        elif kind == "list":
            out.append({"t": "list", "ordered": bool(tok.get("attrs", {}).get("ordered")),
                        "start": int(tok.get("attrs", {}).get("start", 1) or 1),
                        "items": [_md_blocks(item.get("children", [])) for item in tok["children"]]})
        elif kind == "block_quote":
            out.append({"t": "quote", "c": _md_blocks(tok["children"])})
        elif kind == "block_code":
            out.append({"t": "pre", "lines": tok["raw"].rstrip("\n").split("\n")})
        elif kind == "thematic_break":
            out.append({"t": "hr"})
        elif kind == "table":
            head: list[list[list[Any]]] = []
            rows: list[list[list[Any]]] = []
            for part in tok["children"]:
                if part["type"] == "table_head":
                    head.append([[_plain(c["children"]), 1, 1, True] for c in part["children"]])
                else:
                    rows.extend([[_plain(c["children"]), 1, 1, False] for c in r["children"]]
                                for r in part["children"])
            out.append(_grid(head, rows))
    return out


# --------------------------------------------------------------------------------------------- HTML output
def _cells(tr: Any) -> list[list[Any]]:
    return [[" ".join(c.text_content().split()), int(c.get("colspan", 1) or 1), int(c.get("rowspan", 1) or 1),
             c.tag == "th"] for c in tr if c.tag in ("th", "td")]


def _grid(head: list[list[list[Any]]], rows: list[list[list[Any]]]) -> dict[str, Any]:
    """A table for the template: header rows, body rows; cells ``[text, colspan, rowspan, is_th]``."""
    spans = any(c[1] > 1 or c[2] > 1 for r in head + rows for c in r)
    width = max((sum(c[1] for c in r) for r in head + rows), default=0)
    if not spans and width:
        # pandas writes the index name on a header row of its own; one header row reads better
        if len(head) == 2 and len(head[1]) == width and not any(c[0] for c in head[1][1:]) \
                and not head[0][0][0]:
            head = [[head[1][0], *head[0][1:]]]
        # a column with nothing in it (the blank index of ws.show's tables) takes room and says nothing
        keep = [j for j in range(width)
                if any(len(r) > j and r[j][0] for r in head + rows)]
        if keep and len(keep) < width:
            head = [[r[j] for j in keep if j < len(r)] for r in head]
            rows = [[r[j] for j in keep if j < len(r)] for r in rows]
            width = len(keep)
    return {"t": "table", "cols": width, "head": head, "rows": rows}


def _html_blocks(markup: str) -> list[dict[str, Any]]:
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except Exception:  # noqa: BLE001 - unreadable markup: shown as its text
        return [{"t": "pre", "lines": [ln for ln in markup.splitlines() if ln.strip()]}]
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    tables = root.xpath("//table")
    if not tables:
        text = " ".join(root.text_content().split())
        return [{"t": "p", "c": [{"t": "s", "v": text}]}] if text else []
    out = []
    for table in tables:
        head = [_cells(tr) for tr in table.xpath("./thead/tr")]
        body = [_cells(tr) for tr in table.xpath("./tbody/tr|./tr")]
        cap = table.xpath("./caption")
        if cap:
            out.append({"t": "p", "c": [{"t": "b", "c": [{"t": "s", "v": " ".join(cap[0].text_content().split())}]}]})
        out.append(_grid(head, body))
    return out


def _png_width_mm(png: bytes) -> float:
    """The width a browser shows the PNG at (96 px per inch), at most the text width."""
    if png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR":
        px = struct.unpack(">I", png[16:20])[0]
        return round(min(px / PX_MM, TEXT_MM), 2)
    return float(TEXT_MM)


# ------------------------------------------------------------------------------------------------ notebook
def worksheet_data(nb: Any, lang: str = "zh", title: str = "") -> tuple[str, dict[str, bytes]]:
    """The client copy ``nb`` as the template's JSON, and the PNG files it names (``/img-1.png`` …)."""
    import base64

    md = _markdown()
    blocks: list[dict[str, Any]] = []
    files: dict[str, bytes] = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            blocks.extend(_md_blocks(md(cell.source)))
            continue
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream":
                if out.get("name") == "stdout":
                    text = out.get("text", "")
                    text = "".join(text) if isinstance(text, list) else text
                    blocks.append({"t": "pre", "lines": text.rstrip("\n").split("\n")})
                continue
            if kind not in ("display_data", "execute_result"):
                continue
            data = out.get("data", {})
            if "image/png" in data:
                png = base64.b64decode("".join(data["image/png"]) if isinstance(data["image/png"], list)
                                       else data["image/png"])
                name = f"img-{len(files) + 1}.png"
                files[name] = png
                blocks.append({"t": "img", "path": f"/{name}", "width": _png_width_mm(png)})
            elif "text/html" in data:
                src = data["text/html"]
                blocks.extend(_html_blocks("".join(src) if isinstance(src, list) else src))
            elif "text/markdown" in data:
                src = data["text/markdown"]
                blocks.extend(_md_blocks(md("".join(src) if isinstance(src, list) else src)))
            elif "text/plain" in data:
                src = data["text/plain"]
                text = "".join(src) if isinstance(src, list) else src
                blocks.append({"t": "pre", "lines": text.rstrip("\n").split("\n")})
    doc = {"lang": lang, "region": "cn" if lang == "zh" else "gb", "title": title, "blocks": blocks}
    return json.dumps(doc, ensure_ascii=False), files


def worksheet_pdf(nb: Any, lang: str = "zh", title: str = "") -> bytes:
    """The client copy ``nb`` as an A4 landscape PDF (Noto Sans CJK, page numbers "n / N")."""
    from toolkit.documents.render_pdf import compile_typst

    data, files = worksheet_data(nb, lang, title)
    source = (templates_dir() / "documents" / "worksheet.typ").read_bytes()
    return compile_typst(source, data, files)
