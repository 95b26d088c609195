"""``appraisal render ENGAGEMENT.yaml --out DIR [--lang zh|en] [--formats docx,pdf,html,xlsx]``."""
from __future__ import annotations

import json
import time

import click

from toolkit.model.messages import get_language, language, t

from ._i18n import command, option

__all__ = ["render"]


@command("render", help="help.render")
@click.argument("engagement", type=click.Path(dir_okay=False))
@option("--out", "-o", "out_dir", required=True, type=click.Path(file_okay=False), help="help.render.out")
@option("--lang", type=click.Choice(["zh", "en"]), default=None, help="help.render.lang")
@option("--formats", default="docx,pdf,html,xlsx", show_default=True, help="help.render.formats")
@option("--json", "as_json", is_flag=True, help="help.render.json")
@click.pass_context
def render(ctx: click.Context, engagement: str, out_dir: str, lang: str | None, formats: str,
           as_json: bool) -> None:
    """The scheme documents and KPI forms of an engagement (help text: ``help.render``).

    The engagement is checked first: with errors nothing is written (exit 2); with warnings the documents are
    written, the warnings shown, and the exit code is 1 (as for `appraisal check`).
    """
    from toolkit.checks.engagement import check_engagement
    from toolkit.documents.render import render_all
    from toolkit.model.engagement import load_engagement
    from toolkit.model.errors import format_findings

    lang = lang or get_language()
    with language(lang):
        t0 = time.perf_counter()
        eng = load_engagement(engagement)
        findings = check_engagement(eng)
        warnings = [f for f in findings if f.severity != "error"]
        if warnings:
            click.echo(t("render.warnings", n=len(warnings)), err=True)
            click.echo(format_findings(warnings), err=True)
        paths = render_all(eng, out_dir, lang=lang, formats=formats, findings=findings)
        if as_json:
            click.echo(json.dumps({k: str(v) for k, v in paths.items()}, ensure_ascii=False, indent=2))
        else:
            for p in paths.values():
                click.echo(t("cli.written", path=p))
            click.echo(t("render.done", n=len(paths), seconds=f"{time.perf_counter() - t0:.1f}"))
    ctx.exit(1 if warnings else 0)
