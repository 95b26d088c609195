"""``appraisal build`` and ``appraisal demo``: run the guided notebooks for every role of every engagement."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from toolkit.model.errors import format_findings
from toolkit.model.messages import get_language, t

from ._i18n import command, option

__all__ = ["build", "demo"]

DEMO_SAMPLES = ("small_company", "midsize_company")
#: --copies: the client copies of each worksheet (documents/worksheets/<job>.html, .pdf)
COPIES = {"html,pdf": ("html", "pdf"), "html": ("html",), "none": ()}


def _run(ctx: click.Context, engagements: list[str], out: str, roles: tuple[str, ...], jobs: int | None,
         lang: str | None, resume: bool, timeout: float, executor: str, scheduler: str | None,
         fresh_kernels: bool, copies: str, quiet: bool) -> None:
    import os

    from toolkit.batch.build import (
        close_executor,
        make_executor,
        prestart,
        progress_bar,
        run_build,
        summary_frame,
    )
    from toolkit.batch.plan import plan_build

    lang = lang or get_language()
    role_list = [r.strip() for item in roles for r in item.split(",") if r.strip()]
    warm = not fresh_kernels
    ex = None
    workers = jobs or os.cpu_count() or 1
    local_warm = warm and executor == "local"
    # the bar is on screen from the first second: planning and each worker's warm-up are steps of it
    bar = progress_bar(1 + (workers if local_warm else 0), enabled=not quiet and sys.stderr.isatty())
    try:
        if executor != "local":  # a Dask cluster: its workers warm their kernels while the engagements are checked
            ex = make_executor(executor, jobs, scheduler, warm=warm)
        elif local_warm:  # start the workers' kernels while the engagements are checked (about 4 s each)
            ex = make_executor("local", workers)
            for fut in prestart(ex, workers):
                fut.add_done_callback(lambda _f: bar.update(1))
        plan = plan_build(engagements, out, roles=role_list or None, lang=lang, timeout=timeout, warm=warm,
                          copies=COPIES[copies])
    except BaseException:
        bar.close()
        close_executor(ex, cancel=True)
        raise
    bar.update(1)
    if plan.warnings and not quiet:
        bar.clear()
        click.echo(t("batch.warnings"), err=True)
        click.echo(format_findings(plan.warnings), err=True)
    try:
        report = run_build(plan, executor=ex, jobs=jobs, resume=resume, progress=not quiet and sys.stderr.isatty(),
                           argv=sys.argv, bar=bar)
    finally:
        close_executor(ex)
    frame = summary_frame(report, lang)
    click.echo(frame.to_string(index=False, na_rep="—"))
    n_ok = sum(r.ok for r in report.results)
    click.echo(t("batch.done", ok=n_ok, n=len(report.results), seconds=f"{report.seconds:.1f}", out=str(plan.out)))
    for path in report.manifests:
        click.echo(t("batch.manifest_written", path=str(path)))
    if not report.ok:
        click.echo(t("batch.failed_roles", n=len(report.results) - n_ok), err=True)
    elif plan.warnings:
        click.echo(t("batch.warnings_exit", n=len(plan.warnings)), err=True)
    ctx.exit(report.exit_code)  # as render/check: 1 with warnings or failures


_common = [
    option("--roles", "roles", multiple=True, metavar="ID[,ID…]", help="help.build.roles"),
    option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="help.build.jobs"),
    option("--lang", type=click.Choice(["zh", "en"]), default=None, help="help.build.lang"),
    option("--resume", is_flag=True, help="help.build.resume"),
    option("--timeout", type=click.FloatRange(min=1), default=600.0, show_default=True, help="help.build.timeout"),
    option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
           help="help.build.executor"),
    option("--scheduler", metavar="ADDRESS", default=None, help="help.build.scheduler"),
    option("--fresh-kernels", is_flag=True, help="help.build.fresh_kernels"),
    option("--copies", type=click.Choice(list(COPIES)), default="html,pdf", show_default=True,
           help="help.build.copies"),
    option("--quiet", "-q", is_flag=True, help="help.build.quiet"),
]


def _with_common(f):  # type: ignore[no-untyped-def]
    for opt in reversed(_common):
        f = opt(f)
    return f


@command("build", help="help.build")
@click.argument("engagements", nargs=-1, required=True, type=click.Path(dir_okay=False))
@option("--out", "-o", required=True, type=click.Path(file_okay=False), help="help.build.out")
@_with_common
@click.pass_context
def build(ctx: click.Context, engagements: tuple[str, ...], out: str, **kw: object) -> None:
    """The guided notebooks for every role of every engagement (help text: ``help.build``).

    Exit code 0 = all built, no warnings; 1 = some roles failed (the others are built) or the engagement has
    check warnings (as render/check); 2 = bad input (nothing was run).
    """
    _run(ctx, list(engagements), out, **kw)  # type: ignore[arg-type]


@command("demo", help="help.demo")
@option("--out", "-o", default="build/demo", show_default=True, type=click.Path(file_okay=False),
        help="help.build.out")
@_with_common
@click.pass_context
def demo(ctx: click.Context, out: str, **kw: object) -> None:
    """The sample engagements (data_samples/) built into OUT (help text: ``help.demo``)."""
    from toolkit.model.errors import InputError
    from toolkit.model.paths import samples_dir

    paths = [samples_dir() / name / "engagement.yaml" for name in DEMO_SAMPLES]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise InputError(t("batch.demo_missing", path=", ".join(str(p) for p in missing)))
    _run(ctx, [str(p) for p in paths], str(Path(out)), **kw)  # type: ignore[arg-type]
