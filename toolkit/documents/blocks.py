"""The document model: paragraphs, headings, tables and figures grouped into numbered articles, chapters and
appendices. Pure data that every renderer (HTML, PDF, DOCX) lays out the same way.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, Union

__all__ = [
    "Appendix",
    "Article",
    "Block",
    "Chapter",
    "Document",
    "Figure",
    "Heading",
    "Para",
    "Table",
    "blocks_text",
    "heading_text",
]


# --------------------------------------------------------------------------------------------- content model
@dataclass
class Para:
    """A paragraph. ``kind``: body text, a list item, a small note, or a signature line."""

    text: str
    kind: Literal["body", "item", "note", "sign"] = "body"


@dataclass
class Heading:
    """A sub-heading inside an appendix (level 2 in the navigation pane)."""

    text: str
    level: int = 2
    new_page: bool = False  # starts a page (one KPI form a page)


@dataclass
class Table:
    """A table of text cells. ``kind='form'`` is a blank form to fill in by hand (label/blank rows)."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    kind: Literal["data", "form", "kv"] = "data"
    widths: list[float] | None = None  # relative column widths
    small: bool = False  # dense tables (forms, dictionary) use a smaller font

    @property
    def keep(self) -> bool:
        """Short enough never to be split across pages (the HTML's ``table.keep``, the PDF's unbreakable block)."""
        return len(self.rows) <= KEEP_ROWS


#: a table of up to this many rows is kept on one page by the HTML and the PDF
KEEP_ROWS = 12


@dataclass
class Figure:
    png: bytes
    caption: str
    width_mm: float = 150.0


Block = Union[Para, Heading, Table, Figure]  # noqa: UP007 - a runtime alias, kept readable


def heading_text(label: str, title: str) -> str:
    """第一章　总则 (ideographic space after a Chinese label) / Chapter 1  General provisions."""
    return f"{label}\u3000{title}" if label[:1] in ("第", "附") else f"{label}  {title}"


@dataclass
class Article:
    number: int
    label: str  # 第一条 / Article 1
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return heading_text(self.label, self.title)


@dataclass
class Chapter:
    number: int
    label: str  # 第一章 / Chapter 1
    title: str
    key: str  # stable id, e.g. "general", for tests and anchors
    articles: list[Article] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return heading_text(self.label, self.title)


@dataclass
class Appendix:
    number: int
    label: str
    title: str
    key: str
    blocks: list[Block] = field(default_factory=list)
    landscape: bool = False  # set on landscape pages (the wide KPI forms)

    @property
    def heading(self) -> str:
        return heading_text(self.label, self.title)


@dataclass
class Document:
    lang: str
    title: str
    subtitle: str
    client: str
    issued: str  # effective date text
    chapters: list[Chapter]
    appendices: list[Appendix]
    labels: dict[str, str]  # fixed UI text the renderers need (toc, page, …)
    name: str = ""  # the title without the client's name: the cover sets the two on separate lines
    meta: str = ""  # the cover's "prepared for … / effective …" line, punctuated for the language
    control: Table | None = None  # the cover's document control: number, version, drafted / reviewed / approved

    def all_text(self) -> str:
        """All text of the document in reading order (used by tests and search)."""
        parts = [self.title, self.subtitle, self.meta]
        if self.control:
            parts += blocks_text([self.control])
        for c in self.chapters:
            parts.append(c.heading)
            for a in c.articles:
                parts.append(a.heading)
                parts += blocks_text(a.blocks)
        for ap in self.appendices:
            parts.append(ap.heading)
            parts += blocks_text(ap.blocks)
        return "\n".join(parts)


def blocks_text(blocks: Iterable[Block]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, (Para, Heading)):
            out.append(b.text)
        elif isinstance(b, Table):
            out.append(b.caption)
            out.append(" | ".join(b.columns))
            out += [" | ".join(r) for r in b.rows]
        elif isinstance(b, Figure):
            out.append(b.caption)
    return out
