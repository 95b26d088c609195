"""``appraisal goal "TEXT"``: SMART-check one goal statement, and with ``--suggest`` propose SMART rewrites."""
from __future__ import annotations

from pathlib import Path

import click

from toolkit.checks.goal_rewrite import Rewrite, suggest_rewrites
from toolkit.checks.goals import smart_check
from toolkit.model.engagement import load_engagement
from toolkit.model.errors import InputError
from toolkit.model.messages import get_language, t
from toolkit.model.schema import Engagement

from ._common import echo_json
from ._i18n import command, option


@command(help="help.goal")
@click.argument("text", required=False)
@option("--suggest", is_flag=True, help="help.goal.suggest")
@option("--engagement", "eng_path", type=click.Path(path_type=Path), help="help.goal.engagement")
@option("--goal", "goal_id", help="help.goal.goal")
@option("--year", type=click.IntRange(1990, 2100), help="help.goal.year")
@option("-n", "count", type=click.IntRange(1, 3), default=3, show_default=True, help="help.goal.n")
@option("--json", "as_json", is_flag=True, help="help.goal.json")
@click.pass_context
def goal(ctx: click.Context, text: str | None, suggest: bool, eng_path: Path | None, goal_id: str | None,
         year: int | None, count: int, as_json: bool) -> None:
    eng = None
    if eng_path is not None:
        if eng_path.is_dir() and (eng_path / "engagement.yaml").is_file():
            eng_path = eng_path / "engagement.yaml"
        eng = load_engagement(eng_path)
    target: object = text
    if goal_id is not None:
        if eng is None:
            raise InputError(t("cli.goal.needs_engagement"), location="--goal", hint=t("cli.goal.needs_engagement.hint"))
        found = next((g for g in eng.goals if g.id == goal_id), None)
        if found is None:
            raise InputError(t("cli.goal.unknown", id=goal_id), location=f"{eng_path}: goals",
                             hint=t("cli.goal.unknown.hint", ids=", ".join(g.id for g in eng.goals) or "—"))
        target = found
    if target is None:
        raise InputError(t("goal.too_short"), location="TEXT", hint=t("goal.too_short.hint"))
    result = smart_check(target, engagement=eng, year=year)  # type: ignore[arg-type]
    rewrites = suggest_rewrites(target, eng, year=year, n=count) if suggest else []  # type: ignore[arg-type]
    if as_json:
        data = result.to_dict()
        if suggest:
            data["suggestions"] = [r.to_dict() for r in rewrites]
        echo_json(data)
    else:
        for item in result.items:
            mark = "✓" if item["ok"] else "✗"
            click.echo(f"{mark} [{item['criterion']}] {item['message']}")
        if result.vague:
            click.echo("✗ " + t("goal.finding.vague", words="、".join(result.vague)) + " — " + t("goal.finding.vague.hint"))
        click.echo(t("cli.smart_score", score=f"{result.score:.0%}"))
        if suggest:
            _print_rewrites(rewrites, eng)
    ctx.exit(0 if result.ok else 1)


def _print_rewrites(rewrites: list[Rewrite], eng: Engagement | None) -> None:
    if not rewrites:
        click.echo(t("rewrite.none"))
        return
    click.echo("")
    click.echo(t("rewrite.title", n=len(rewrites)))
    strategy = {s.id: s.text for s in eng.strategy} if eng is not None else {}
    for i, r in enumerate(rewrites, 1):
        click.echo(f"{i}. {r.text()}")
        name = r.name_en if get_language() == "en" else r.name
        click.echo("   " + t("rewrite.indicator", name=name, id=r.indicator))
        for sid in r.strategy:
            click.echo("   " + t("rewrite.serves", text=strategy.get(sid, sid)))
