"""Render every client deliverable of an engagement in one call: DOCX, PDF, HTML scheme and XLSX KPI forms.

The engagement is checked first (:func:`toolkit.checks.engagement.check_engagement`, compliance included): with any error
nothing is rendered and the errors are raised; warnings are returned for the caller to show. All files of one
call are written to temporary names beside their targets and renamed only when every format has succeeded, so
an interrupted or failing run leaves the previous set of files intact and consistent.

Examples
--------
>>> from toolkit.model.engagement import load_engagement                          # doctest: +SKIP
>>> paths = render_all(load_engagement("data_samples/small_company/engagement.yaml"), "build/small")  # doctest: +SKIP
>>> sorted(paths)                                                           # doctest: +SKIP
['docx', 'html', 'pdf', 'xlsx', 'xlsx:content', 'xlsx:event_planning']
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path

from toolkit.model.errors import Finding, InputError
from toolkit.model.fileio import atomic_path
from toolkit.model.messages import LANGUAGES, t
from toolkit.model.schema import Engagement

__all__ = ["FORMATS", "output_names", "preflight", "render_all"]

FORMATS: tuple[str, ...] = ("docx", "pdf", "html", "xlsx")


def preflight(eng: Engagement, findings: list[Finding] | None = None) -> list[Finding]:
    """Run the engagement checks; raise :class:`InputError` listing the errors, else return the warnings."""
    if findings is None:
        from toolkit.checks.engagement import check_engagement

        findings = check_engagement(eng)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise InputError(t("render.has_errors", n=len(errors)), hint=t("render.has_errors.hint"), findings=errors)
    return [f for f in findings if f.severity != "error"]


def _formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    items = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats)]
    items = [f for f in items if f]
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise InputError(t("render.bad_format", formats=", ".join(bad) or "—"), location="--formats",
                         hint=t("render.bad_format.hint", known=",".join(FORMATS)))
    return tuple(dict.fromkeys(items))


def output_names(eng: Engagement, lang: str = "zh") -> dict[str, str]:
    """File names of every output, by key (``docx``, ``pdf``, ``html``, ``xlsx``, ``xlsx:<role id>``)."""
    sfx = "" if lang == "zh" else f"_{lang}"
    names = {"docx": f"scheme{sfx}.docx", "pdf": f"scheme{sfx}.pdf", "html": f"scheme{sfx}.html",
             "xlsx": f"kpi_forms{sfx}.xlsx"}
    for r in eng.roles:
        names[f"xlsx:{r.id}"] = f"kpi_form_{r.id}{sfx}.xlsx"
    return names


def render_all(eng: Engagement, out_dir: str | os.PathLike[str], lang: str = "zh",
               formats: Iterable[str] | str = FORMATS, *, findings: list[Finding] | None = None,
               today: dt.date | None = None) -> dict[str, Path]:
    """Check ``eng`` and write the chosen deliverables to ``out_dir``; return ``{key: path}``.

    Parameters
    ----------
    eng : the engagement (not modified)
    out_dir : folder for the outputs (created if missing)
    lang : ``"zh"`` (default) or ``"en"``
    formats : any of ``docx, pdf, html, xlsx`` (a list or a comma-separated string)
    findings : the result of :func:`toolkit.checks.engagement.check_engagement` when the caller already has it
    today : the date the deadline calendar starts from when the engagement has no effective date

    Raises
    ------
    InputError
        when the engagement has errors (listed in ``.findings``), or for an unknown format or language.
    """
    if lang not in LANGUAGES:
        raise InputError(t("render.bad_lang", lang=lang), location="--lang", hint=t("render.bad_lang.hint"))
    fmts = _formats(formats)
    preflight(eng, findings)
    from toolkit.scheme.resolve import resolve_scheme

    scheme = resolve_scheme(eng)
    out = Path(out_dir)
    names = output_names(eng, lang)
    paths: dict[str, Path] = {}
    with ExitStack() as stack:
        def target(key: str) -> Path:
            paths[key] = out / names[key]
            return stack.enter_context(atomic_path(paths[key]))

        if {"docx", "pdf", "html"} & set(fmts):
            from toolkit.documents.content import build_document

            doc = build_document(eng, lang, scheme=scheme, today=today)
            docx = docx_path = None
            if "docx" in fmts:  # in a thread: most of it is LibreOffice paginating the file (a process of its own)
                from concurrent.futures import ThreadPoolExecutor

                from toolkit.documents.render_docx import docx_bytes

                docx = stack.enter_context(ThreadPoolExecutor(1)).submit(docx_bytes, doc)
            if "html" in fmts:
                from toolkit.documents.render_html import html_string

                target("html").write_text(html_string(doc), encoding="utf-8")
            if docx is not None:
                docx_path = target("docx")
            if "pdf" in fmts:
                from toolkit.documents.render_pdf import pdf_bytes

                target("pdf").write_bytes(pdf_bytes(doc))
            if docx is not None and docx_path is not None:
                docx_path.write_bytes(docx.result())
        if "xlsx" in fmts:
            from toolkit.documents.forms import form_workbook

            wb, _ = form_workbook(eng, scheme, lang=lang)
            wb.save(target("xlsx"))
            for rs in scheme.roles:
                wb, _ = form_workbook(eng, scheme, roles=[rs.role.id], lang=lang)
                wb.save(target(f"xlsx:{rs.role.id}"))
    return paths
