"""``appraisal check ENGAGEMENT.yaml``: validate and run every check; exit 0 clean, 1 warnings, 2 errors."""
from __future__ import annotations

from pathlib import Path

import click

from toolkit.checks.engagement import check_engagement, exit_code
from toolkit.model.engagement import load_engagement, locate_findings
from toolkit.model.errors import format_findings
from toolkit.model.messages import t
from toolkit.scheme.rulebook import rulebook

from ._common import echo_json
from ._i18n import command, option


@command(help="help.check")
@click.argument("engagement", nargs=-1, required=True, type=click.Path(path_type=Path))
@option("--json", "as_json", is_flag=True, help="help.check.json")
@click.pass_context
def check(ctx: click.Context, engagement: tuple[Path, ...], as_json: bool) -> None:
    worst = 0
    report = []
    for path in engagement:
        if path.is_dir() and (path / "engagement.yaml").is_file():  # the folder `appraisal new` wrote
            path = path / "engagement.yaml"
        eng = load_engagement(path)
        findings = locate_findings(check_engagement(eng), eng)
        code = exit_code(findings)
        worst = max(worst, code)
        if as_json:
            report.append({"file": str(path), "exit_code": code, "findings": [f.to_dict() for f in findings],
                           "rules": rulebook(eng).to_dict()})
            continue
        click.echo(f"== {path}")
        if findings:
            click.echo(format_findings(findings))
        n_err = sum(f.severity == "error" for f in findings)
        n_warn = sum(f.severity == "warning" for f in findings)
        click.echo(t("check.summary", errors=n_err, warnings=n_warn) if findings else t("check.clean"))
    if as_json:
        echo_json(report if len(report) > 1 else report[0])
    ctx.exit(worst)
