"""The ``appraisal`` command: a thin face over the toolkit.

Each sub-command lives in its own module under ``toolkit/cli/`` and is imported only when it runs, so that
``appraisal --help`` stays fast. Errors a user can cause (:class:`toolkit.model.errors.ToolkitError`) are printed
without a traceback and give exit code 2.
"""
from __future__ import annotations

import importlib
import sys

import click

from toolkit.model.errors import ToolkitError
from toolkit.model.messages import set_language, t

__all__ = ["COMMANDS", "main"]

#: command name -> (module under toolkit.cli, attribute, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("check", "check", "Validate an engagement and run the goal, alignment and scheme checks."),
    "indicators": ("catalogue", "indicators", "List the indicator catalogue."),
    "roles": ("catalogue", "roles", "List the role presets."),
    "goal": ("goal", "goal", "SMART-check one goal statement."),
    "new": ("new", "new", "Write a ready-to-edit engagement from the presets."),
    "ahp": ("ahp", "ahp", "AHP weights, consistency and diagnosis from a judgment file."),
    "score": ("score", "score", "Score actuals against an engagement: scores, totals, grades, pay."),
    "render": ("render", "render", "Render the scheme documents and KPI forms."),
    "build": ("build", "build", "Run the notebooks for every role of every engagement (batch)."),
    "demo": ("build", "demo", "Build the sample engagements into build/demo/."),
    "workshop": ("workshop", "workshop", "Start the live workshop app (Voila)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if importlib.util.find_spec(f"toolkit.cli.{COMMANDS[name][0]}")]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr, short = COMMANDS[name]
        try:
            mod = importlib.import_module(f"toolkit.cli.{module}")
        except ModuleNotFoundError as exc:
            if exc.name == f"toolkit.cli.{module}":
                return None
            raise
        cmd = getattr(mod, attr)
        cmd.short_help = cmd.short_help or short
        return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, envvar="APPRAISAL_LANG",
              help="Language of messages and documents (default zh).")
@click.version_option(package_name="appraisal-toolkit")
def cli(lang: str | None) -> None:
    """appraisal: design a marketing department's performance appraisal scheme (市场部绩效考核管理办法)."""
    if lang:
        set_language(lang)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, mapping user errors to exit code 2 and never showing a traceback for them."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        rc = cli.main(args=args, prog_name="appraisal", standalone_mode=False)
    except ToolkitError as exc:
        click.echo(str(exc), err=True)
        if "--json" in args:  # a script asked for JSON: give it JSON on stdout too
            import json

            click.echo(json.dumps({"error": exc.message, "location": exc.location, "hint": exc.hint,
                                   "findings": [f.to_dict() for f in exc.findings], "exit_code": 2},
                                  ensure_ascii=False, indent=2))
        return 2
    except OSError as exc:  # an output folder that cannot be written, a disk that is full …
        where = exc.filename or ""
        click.echo(f"{where}: {t('cli.os_error', reason=exc.strerror or str(exc))} — {t('hint')}: "
                   f"{t('cli.os_error.hint')}" if where else t("cli.os_error", reason=exc.strerror or str(exc)),
                   err=True)
        if "--json" in args:
            import json

            click.echo(json.dumps({"error": t("cli.os_error", reason=exc.strerror or str(exc)), "location": where,
                                   "hint": t("cli.os_error.hint"), "findings": [], "exit_code": 2},
                                  ensure_ascii=False, indent=2))
        return 2
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.exceptions.Abort:
        click.echo(t("cli.interrupted"), err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    except KeyboardInterrupt:
        click.echo(t("cli.interrupted"), err=True)
        return 130
    return rc if isinstance(rc, int) else 0


def run() -> None:
    sys.exit(main())
