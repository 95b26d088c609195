"""``appraisal ahp FILE``: weights, consistency and the most inconsistent judgments of a judgment file."""
from __future__ import annotations

import json
from pathlib import Path

import click

from toolkit.model.messages import t

__all__ = ["ahp"]


def _fmt_value(x: float) -> str:
    from toolkit.weights.scale import fmt_judgment

    return fmt_judgment(float(x))


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _report(res, title: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    lines = []
    if title:
        lines.append(title)
    lines.append(t("ahp.cli.weights"))
    width = max(_width(str(n)) for n in res.names) if res.names else 4
    for name, w in res.weights.items():
        pad = " " * (width - _width(str(name)))
        lines.append(f"  {name}{pad}  {w:8.4f}  ({w:6.1%})")
    lines.append(t("ahp.cli.method", method=t(f"ahp.cli.method.{res.method}")))
    lines.append(f"  λmax = {res.lambda_max:.4f}   CI = {res.ci:.4f}   CR = {res.cr:.4f}   "
                 f"RI = {res.ri:.4f} ({res.ri_table})")
    if res.n <= 2:
        lines.append(t("ahp.cli.trivial", n=res.n))
    else:
        verdict = t("ahp.cli.pass") if res.consistent else t("ahp.cli.fail")
        lines.append(t("ahp.cli.verdict", verdict=verdict, threshold=f"{res.threshold:.2f}", n=res.n))
    if res.missing:
        lines.append(t(f"ahp.cli.missing.{res.method}", m=res.missing))
    if len(res.most_inconsistent):
        lines.append(t("ahp.cli.most_inconsistent"))
        for k, r in enumerate(res.most_inconsistent.itertuples(), 1):
            lines.append("  " + t("ahp.cli.suggest", k=k, a=r.row, b=r.col, value=_fmt_value(r.value),
                                  suggested=_fmt_value(r.suggested), cr=f"{r.cr_after:.4f}",
                                  eps=f"{r.epsilon:.2f}"))
    return lines


#: Exit codes, as ``appraisal check``: 0 clean, 1 a warning (judgments above the CR threshold), 2 bad input.
EXIT_CONSISTENT, EXIT_INCONSISTENT = 0, 1


@click.command("ahp")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--method", type=click.Choice(["eigen", "geometric"]), default="eigen", show_default=True,
              help="Priority method: principal eigenvector or row geometric mean.")
@click.option("--ri", "ri", type=click.Choice(["saaty2005", "alonso-lamata"]), default="saaty2005",
              show_default=True, help="Random-index table for CR.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--top", type=click.IntRange(0), default=5, show_default=True,
              help="How many inconsistent judgments to list.")
@click.option("--sheet", default=None, help="Worksheet name of an .xlsx file (default: the first).")
@click.option("--aggregation", type=click.Choice(["aij", "aip"]), default="aij", show_default=True,
              help="Group files: aggregate judgments (aij) or priorities (aip).")
@click.option("--exclude-inconsistent", is_flag=True, help="Group files: leave out participants above the CR threshold.")
@click.pass_context
def ahp(ctx: click.Context, file: Path, method: str, ri: str, as_json: bool, top: int, sheet: str | None, aggregation: str,
        exclude_inconsistent: bool) -> None:
    """AHP weights, λmax, CI, CR (with the random-index table used) and suggested fixes for FILE.

    FILE is .yaml, .csv or .xlsx: a matrix, an upper triangle, or a list of (a, b, value) judgments; a
    participant column makes it a group file (the aggregate plus each participant's CR).

    Exit code: 0 when the judgments are consistent (CR within the threshold; for a group file, the aggregate),
    1 when they are not, 2 on bad input — the same convention as ``appraisal check``.
    """
    from toolkit.weights.analysis import analyse
    from toolkit.weights.group import group_analyse
    from toolkit.weights.judgments import read_judgments

    js = read_judgments(file, sheet=sheet)
    group = len(js.participants) > 1 or any(js.participants)
    if group:
        res = group_analyse(js, aggregation=aggregation, method=method, ri=ri,  # type: ignore[arg-type]
                            exclude_inconsistent=exclude_inconsistent, top=top)
        code = EXIT_CONSISTENT if res.aggregate.consistent else EXIT_INCONSISTENT
        if as_json:
            click.echo(json.dumps(res.to_dict(top), ensure_ascii=False, indent=2))
            ctx.exit(code)
        agg = res.aggregate
        lines = _report(agg, t("ahp.cli.group_title", n=len(res.participants), aggregation=aggregation.upper()))
        if aggregation == "aip":
            lines.append(t("ahp.cli.aip_weights"))
            for name, w in res.weights.items():
                lines.append(f"  {name}  {w:.4f}")
        lines.append(t("ahp.cli.participants"))
        for r in res.participants.itertuples():
            cr = "—" if r.cr != r.cr else f"{r.cr:.4f}"
            state = (t("ahp.cli.pass") if r.consistent else t("ahp.cli.fail")) if r.connected else t(
                "ahp.cli.incomplete")
            inc = "" if r.included else " " + t("ahp.cli.excluded")
            lines.append(f"  {r.participant}  w={r.weight:g}  CR={cr}  {state}{inc}")
        lines.append(t("ahp.cli.consensus", c="—" if res.consensus != res.consensus else f"{res.consensus:.3f}"))
        click.echo("\n".join(lines))
        ctx.exit(code)
    res = analyse(js, method=method, ri=ri, top=top)  # type: ignore[arg-type]
    code = EXIT_CONSISTENT if res.consistent else EXIT_INCONSISTENT
    if as_json:
        click.echo(json.dumps(res.to_dict(top), ensure_ascii=False, indent=2))
        ctx.exit(code)
    click.echo("\n".join(_report(res)))
    ctx.exit(code)
