"""The ``appraisal`` command: a thin face over the toolkit.

Each sub-command lives in its own module under ``toolkit/cli/`` and is imported only when it runs, so that
``appraisal --help`` stays fast. Errors a user can cause (:class:`toolkit.model.errors.ToolkitError`) are printed
without a traceback and give exit code 2.

Every help text is a key of the message catalogue (``templates/i18n/cli.yaml``) and click's own messages come from
it too (:mod:`toolkit.cli._i18n`): help, usage errors and output are in the language chosen by the last ``--lang``
on the command line (read before click parses it, so ``appraisal --lang en --help`` is English), else
``APPRAISAL_LANG``, else Chinese.
"""
from __future__ import annotations

import importlib
import sys

import click

from toolkit.model.errors import ToolkitError
from toolkit.model.messages import set_language, t

from ._i18n import Group, argv_language, click_messages, localise_exception, option, version_option

__all__ = ["COMMANDS", "main"]

#: command name -> (module under toolkit.cli, attribute, catalogue key of the one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("check", "check", "help.check.short"),
    "indicators": ("catalogue", "indicators", "help.indicators.short"),
    "roles": ("catalogue", "roles", "help.roles.short"),
    "goal": ("goal", "goal", "help.goal.short"),
    "new": ("new", "new", "help.new.short"),
    "ahp": ("ahp", "ahp", "help.ahp.short"),
    "score": ("score", "score", "help.score.short"),
    "render": ("render", "render", "help.render.short"),
    "build": ("build", "build", "help.build.short"),
    "demo": ("build", "demo", "help.demo.short"),
    "workshop": ("workshop", "workshop", "help.workshop.short"),
}


class LazyGroup(Group):
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
        if cmd.short_help is None:
            cmd.short_help = short
        return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]}, help="help.appraisal",
             epilog="help.appraisal.epilog")
@option("--lang", type=click.Choice(["zh", "en"]), default=None, envvar="APPRAISAL_LANG", help="help.appraisal.lang")
@version_option("appraisal-toolkit")
def cli(lang: str | None) -> None:
    if lang:
        set_language(lang)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, mapping user errors to exit code 2 and never showing a traceback for them.

    The language is taken from the argument list first, so that ``--help`` and click's usage errors, which click
    produces while it parses, are in the language asked for.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    lang = argv_language(args)
    if lang:
        set_language(lang)
    with click_messages():
        return _run(args)


def _run(args: list[str]) -> int:
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
        localise_exception(exc)
        exc.show()
        return 2
    except KeyboardInterrupt:
        click.echo(t("cli.interrupted"), err=True)
        return 130
    return rc if isinstance(rc, int) else 0


def run() -> None:
    sys.exit(main())
