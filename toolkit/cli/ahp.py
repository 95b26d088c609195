"""``appraisal ahp FILE``: weights, consistency and the most inconsistent judgments of a judgment file."""
from __future__ import annotations

import json
import math
from pathlib import Path

import click

from toolkit.model.messages import t

from ._i18n import command, option

__all__ = ["ahp"]


def _fmt_value(x: float) -> str:
    from toolkit.weights.scale import fmt_judgment

    return fmt_judgment(float(x))


def _fmt_approx(x: float) -> str:
    """A derived value such as 2.3333 or 0.375 for reading: three significant digits, reciprocals as 1/x."""
    from toolkit.weights.scale import fmt_judgment

    x = float(x)
    for v in (round(x), 1 / max(round(1 / x), 1)):
        if v and abs(x - v) < 1e-6:
            return fmt_judgment(v)
    return f"{x:.3g}"


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _suggestions(res, top: int | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """The ranked suggestions of one matrix, each with what the other judgments imply (and a reversal)."""
    lines = []
    mi = res.most_inconsistent if top is None else res.most_inconsistent.head(top)
    for k, r in enumerate(mi.itertuples(), 1):
        lines.append("  " + t("ahp.cli.suggest", k=k, a=r.row, b=r.col, value=_fmt_value(r.value),
                              suggested=_fmt_value(r.suggested), cr=f"{r.cr_after:.4f}", eps=f"{r.epsilon:.2f}"))
        if r.implied == r.implied:
            if r.reversed:
                lines.append(t("ahp.cli.reversed", value=_fmt_value(r.value), implied=_fmt_approx(r.implied)))
            else:
                lines.append(t("ahp.cli.implied", implied=_fmt_approx(r.implied), best=_fmt_approx(r.cr_min_value),
                               cr=f"{r.cr_min:.4f}"))
    return lines


def _repair_lines(plan) -> list[str]:  # type: ignore[no-untyped-def]
    """The minimal repair plan: the changes in order, and whether their number is proven minimal."""
    if not plan.changes:
        return []
    proof = t("ahp.cli.repair_proven") if plan.proven_minimal else t("ahp.cli.repair_unproven", lb=plan.lower_bound)
    lines = [t("ahp.cli.repair_title", k=len(plan.changes), proof=proof)]
    lines += [f"  {k}. {c.describe()}" for k, c in enumerate(plan.changes, 1)]
    if not plan.reaches_threshold:
        from toolkit.weights.limits import MAX_REPAIR_CHANGES

        key = "ahp.cli.repair_redo" if len(plan.changes) >= MAX_REPAIR_CHANGES else "ahp.cli.repair_fails"
        lines.append("  " + t(key, cr=f"{plan.cr_after:.4f}", k=len(plan.changes)))
    return lines


def _report(res, title: str | None = None, suggestions: bool = True) -> list[str]:  # type: ignore[no-untyped-def]
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
        lines.append(t("ahp.cli.ri_source", source=res.ri_source))
    if suggestions and len(res.most_inconsistent):
        lines.append(t("ahp.cli.most_inconsistent"))
        lines += _suggestions(res)
    if res.screened:
        from toolkit.weights.limits import FULL_DIAGNOSIS_MAX

        lines.append(t("ahp.cli.screened", n=res.n, full=FULL_DIAGNOSIS_MAX, k=res.diagnosed, pairs=res.pairs))
    return lines


def _group_lines(res, top: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Participants, per-judge help for each one above the threshold, consensus S* and sub-groups."""
    lines = [t("ahp.cli.participants")]
    for r in res.participants.itertuples():
        cr = "—" if r.cr != r.cr else f"{r.cr:.4f}"
        state = (t("ahp.cli.pass") if r.consistent else t("ahp.cli.fail")) if r.connected else t("ahp.cli.incomplete")
        inc = "" if r.included else " " + t("ahp.cli.excluded")
        lines.append(f"  {r.participant}  w={r.weight:g}  CR={cr}  {state}{inc}")
    for name, plan in res.repairs.items():
        own = res.judges[name]
        lines.append(t("ahp.cli.judge_flag", name=name, cr=f"{own.cr:.4f}", threshold=f"{own.threshold:.2f}"))
        lines += _suggestions(own, top)
        lines += ["  " + x for x in _repair_lines(plan)]
        lines.append(t("ahp.cli.judge_options", name=name))
    c = res.consensus
    lines.append(t("ahp.cli.consensus_s", c="—" if math.isnan(c) else f"{c:.3f}", label=res.consensus_label))
    usable = int((res.participants["included"] & res.participants["connected"]).sum())
    if usable >= 3:
        groups = res.clusters()
        if len(groups) > 1:
            text = t("ahp.group_sep").join("{" + t("ahp.list_sep").join(g) + "}" for g in groups)
            lines.append(t("ahp.cli.clusters", threshold="0.8", groups=text))
    return lines


#: Exit codes, as ``appraisal check``: 0 clean, 1 a warning (judgments above the CR threshold), 2 bad input.
EXIT_CONSISTENT, EXIT_INCONSISTENT = 0, 1


@command("ahp", help="help.ahp")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@option("--method", type=click.Choice(["eigen", "geometric"]), default="eigen", show_default=True,
        help="help.ahp.method")
@option("--ri", "ri", type=click.Choice(["saaty2005", "alonso-lamata"]), default="saaty2005",
        show_default=True, help="help.ahp.ri")
@option("--json", "as_json", is_flag=True, help="help.ahp.json")
@option("--top", type=click.IntRange(0), default=5, show_default=True, help="help.ahp.top")
@option("--sheet", default=None, help="help.ahp.sheet")
@option("--aggregation", type=click.Choice(["aij", "aip"]), default="aij", show_default=True,
        help="help.ahp.aggregation")
@option("--exclude-inconsistent", is_flag=True, help="help.ahp.exclude_inconsistent")
@option("--exclude", "exclude", multiple=True, help="help.ahp.exclude")
@option("--downweight", type=float, default=None, help="help.ahp.downweight")
@click.pass_context
def ahp(ctx: click.Context, file: Path, method: str, ri: str, as_json: bool, top: int, sheet: str | None, aggregation: str,
        exclude_inconsistent: bool, exclude: tuple[str, ...], downweight: float | None) -> None:
    """AHP weights, consistency and suggested fixes for a judgment file (help text: ``help.ahp``).

    Exit code: 0 when the judgments are consistent (for a group file, the aggregate and every included
    participant), 1 when they are not, 2 on bad input — as ``appraisal check``.
    """
    from toolkit.weights.analysis import analyse
    from toolkit.weights.group import group_analyse
    from toolkit.weights.judgments import read_judgments

    js = read_judgments(file, sheet=sheet)
    group = len(js.participants) > 1 or any(js.participants)
    if group:
        res = group_analyse(js, aggregation=aggregation, method=method, ri=ri,  # type: ignore[arg-type]
                            exclude_inconsistent=exclude_inconsistent, top=top, exclude=exclude,
                            downweight=downweight)
        code = EXIT_CONSISTENT if res.consistent else EXIT_INCONSISTENT
        if as_json:
            click.echo(json.dumps(res.to_dict(top), ensure_ascii=False, indent=2))
            ctx.exit(code)
        agg = res.aggregate
        lines = _report(agg, t("ahp.cli.group_title", n=len(res.participants), aggregation=aggregation.upper()),
                        suggestions=False)
        if len(agg.most_inconsistent):
            lines.append(t("ahp.cli.group_note"))
        if aggregation == "aip":
            lines.append(t("ahp.cli.aip_weights"))
            for name, w in res.weights.items():
                lines.append(f"  {name}  {w:.4f}")
        lines += _group_lines(res, top)
        click.echo("\n".join(lines))
        ctx.exit(code)
    res = analyse(js, method=method, ri=ri, top=top)  # type: ignore[arg-type]
    code = EXIT_CONSISTENT if res.consistent else EXIT_INCONSISTENT
    if as_json:
        click.echo(json.dumps(res.to_dict(top), ensure_ascii=False, indent=2))
        ctx.exit(code)
    lines = _report(res)
    if not res.consistent and res.n > 2:
        from toolkit.weights.diagnosis import repair_plan

        lines += _repair_lines(repair_plan(res, method=method, ri=ri))  # type: ignore[arg-type]
    click.echo("\n".join(lines))
    ctx.exit(code)
