"""``appraisal goal "TEXT"``: SMART-check one goal statement."""
from __future__ import annotations

import click

from toolkit.checks.goals import smart_check
from toolkit.model.messages import t

from ._common import echo_json


@click.command(help='SMART-check one goal, e.g. appraisal goal "华东区域品牌认知度 2027-12-31 前由 15% 提升到 20%".')
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def goal(ctx: click.Context, text: str, as_json: bool) -> None:
    result = smart_check(text)
    if as_json:
        echo_json(result.to_dict())
    else:
        for item in result.items:
            mark = "✓" if item["ok"] else "✗"
            click.echo(f"{mark} [{item['criterion']}] {item['message']}")
        if result.vague:
            click.echo("✗ " + t("goal.finding.vague", words="、".join(result.vague)) + " — " + t("goal.finding.vague.hint"))
        click.echo(t("cli.smart_score", score=f"{result.score:.0%}"))
    ctx.exit(0 if result.ok else 1)
