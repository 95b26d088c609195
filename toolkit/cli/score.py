"""``appraisal score ENGAGEMENT.yaml ACTUALS [--out DIR] [--json]``: scores, totals, grades and pay.

Exit codes as ``appraisal check``: 0 clean, 1 warnings (a budget overrun: bonus pool or merit budget exceeded;
the summary and the outputs are still written), 2 errors (bad input, raised as :class:`InputError`).
"""
from __future__ import annotations

from pathlib import Path

import click

from toolkit.model.messages import get_language, t

from ._common import echo_json
from ._i18n import command, option

#: rater-bias lines printed at most (the strongest deviations); the rest are counted, all are in rater_bias.csv
MAX_BIAS_LINES = 5


@command(help="help.score")
@click.argument("engagement", type=click.Path(path_type=Path))
@click.argument("actuals", type=click.Path(path_type=Path))
@option("--out", "out_dir", type=click.Path(path_type=Path), default=None, help="help.score.out")
@option("--json", "as_json", is_flag=True, help="help.score.json")
@click.pass_context
def score(ctx: click.Context, engagement: Path, actuals: Path, out_dir: Path | None, as_json: bool) -> None:
    from toolkit.documents.score_tables import write_appraisal
    from toolkit.model.engagement import load_engagement
    from toolkit.scheme.resolve import resolve_scheme
    from toolkit.scoring.actuals import read_actuals
    from toolkit.scoring.appraise import appraise, summary
    from toolkit.scoring.rules import indicator_table

    eng = load_engagement(engagement)
    scheme = resolve_scheme(eng)
    table = indicator_table(scheme)
    rows = read_actuals(actuals, eng, table)
    result = appraise(eng, rows, table=table, keep_ratings=False)  # no table of individual ratings is written
    del rows  # a million rows are not needed to write the results
    out_dir = out_dir or Path("build") / "score" / engagement.resolve().parent.name
    written = write_appraisal(result, out_dir, get_language())
    info = summary(result, eng)
    info["written"] = [str(p) for p in written]
    status = 0 if info["budget"]["ok"] else 1  # an overrun is a warning, as in `appraisal check`
    if as_json:
        info["exit_code"] = status
        echo_json(info)
        ctx.exit(status)
    click.echo(t("scoring.summary.title", client=info["client"], n=info["employees"]))
    if info["periods"]:
        click.echo(t("scoring.summary.scope", n=info["employees"], first=info["periods"][0],
                     last=info["periods"][-1], pay=f"{info['pay_periods']:g}"))
    if info["not_in_input"]:
        click.echo(t("scoring.summary.not_in_input", n=info["not_in_input"]))
    dist = "  ".join(f"{g} {n}" for g, n in info["grades"].items())
    click.echo(t("scoring.summary.grades", dist=dist))
    for method, n in info["grade_methods"].items():
        click.echo(t("scoring.summary.method", method=t(f"scoring.method.{method}", min=info["min_group_size"]))
                   + f" ({n})")
    if info["missing"]:
        click.echo(t(f"scoring.summary.missing.{eng.scoring.missing}", n=info["missing"]))
    if info["renormalised_ratings"]:
        click.echo(t("scoring.summary.renormalised", n=info["renormalised_ratings"]))
    flagged = sorted(info["flagged_raters"], key=lambda b: -abs(b["mean_deviation"]))
    for b in flagged[:MAX_BIAS_LINES]:  # the strongest first; the full list is rater_bias.csv
        click.echo(t("scoring.summary.bias", rater=b["rater"], kind=b["rater_kind"],
                     flag=t(f"scoring.flag.{b['flag']}"), dev=b["mean_deviation"]))
    if len(flagged) > MAX_BIAS_LINES:
        click.echo(t("scoring.summary.bias_more", n=len(flagged) - MAX_BIAS_LINES, total=len(flagged)))
    bud = info["budget"]
    ok = {True: t("scoring.summary.within_budget"), False: t("scoring.summary.over_budget"), None: ""}
    pool = "—"
    if bud["bonus_pool"] is not None:
        pool = f"{bud['bonus_pool_covered']:,.0f} {ok[bud['bonus_ok']]}"
        if bud["pay_periods"] < bud["periods_per_year"]:
            pool += t("scoring.summary.pool_prorated", year=bud["bonus_pool"], k=f"{bud['pay_periods']:g}",
                      n=bud["periods_per_year"])
    click.echo(t("scoring.summary.budget_bonus", total=bud["bonus_total"], pool=pool))
    if bud["merit_budget_pct"] is not None and bud["salary_total"]:
        click.echo(t("scoring.summary.budget_merit", cost=bud["merit_cost"], pct=bud["merit_pct"],
                     budget=f"{bud['merit_budget_pct']:.2f}% {ok[bud['merit_ok']]}"))
    click.echo(t("scoring.summary.written", path=str(out_dir)))
    if status:
        click.echo(t("scoring.summary.over_budget_exit"), err=True)
    ctx.exit(status)
