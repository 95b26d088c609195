"""The ``appraisal`` command in the user's language: help texts and click's own messages from the catalogue.

Help texts are keys of the message catalogue (``templates/i18n/cli.yaml``, prefix ``help.``). The command and
option classes here keep the key and look its text up each time click reads it, so help comes out in the
language active when it is printed: the last ``--lang`` on the command line (read from the argument list before
click parses it, :func:`argv_language`, so ``appraisal --lang en --help`` is English), else ``APPRAISAL_LANG``,
else Chinese.

Click marks its own messages ("Usage:", "No such option", "Missing argument" …) for gettext: each of its modules
binds ``_ = gettext.gettext`` and ``ngettext`` when imported. :func:`click_messages` rebinds those two names in
click's modules, for the duration of one run, to a look-up in the same catalogue (prefix ``click.``): the English
text of each entry is click's message id, so an entry is found by click's own string, and a string the catalogue
does not know is shown as click wrote it.

:class:`HelpFormatter` wraps help by display width (a Chinese character takes two columns) and never starts a
line with closing punctuation.
"""
from __future__ import annotations

import gettext
import importlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import click

from toolkit.model.messages import LANGUAGES, get_language, messages, t

__all__ = ["CLICK_MODULES", "Command", "Context", "Group", "HelpFormatter", "Option", "argv_language",
           "click_gettext", "click_messages", "click_ngettext", "command", "display_width", "help_keys",
           "localise_exception", "option", "text", "version_option", "wrap", "zh_typography"]

#: click's modules whose messages are marked for gettext
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils")


def text(key: str | None) -> str | None:
    """The catalogue text of ``key`` in the active language; a string that is no key is returned as it is."""
    if key is None:
        return None
    return t(key) if key in messages() else key


class _CatalogueText:
    """A help attribute (``help``, ``short_help``, ``epilog``) that holds a catalogue key and reads as its text."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}_key"

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return text(obj.__dict__.get(self.slot))

    def __set__(self, obj: object, value: str | None) -> None:
        obj.__dict__[self.slot] = value


def help_keys(obj: object) -> dict[str, str]:
    """The catalogue keys a command or parameter holds, by attribute (``help``, ``short_help``, ``epilog``)."""
    return {name: obj.__dict__[f"_{name}_key"] for name in ("help", "short_help", "epilog")
            if obj.__dict__.get(f"_{name}_key") is not None}


# ---------------------------------------------------------------------------------------------- formatting

_WIDE = r"\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
_TOKENS = re.compile(rf"\s+|\[[^\]\n]{{1,30}}\]|[{_WIDE}]|[^\s{_WIDE}]+")  # "[默认：eigen]" stays whole
_NO_LINE_START = set("，。、；：！？）》」』】〉”’…,.;:!?)]")
_NO_LINE_END = set("（《「『【〈“‘([")


def display_width(s: str) -> int:
    """Columns ``s`` takes in a terminal: wide (Chinese) characters two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in click.unstyle(s))


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    """Greedy wrap of one paragraph to ``width`` columns (indent included).

    A line may break between two Chinese characters or at a space, never inside an ASCII word (a path or an
    option stays whole). Closing punctuation never starts a line and opening punctuation never ends one: the
    character before it goes down with it.
    """
    lines: list[str] = []
    indent, pieces, space = initial_indent, [], False
    for tok in _TOKENS.findall(text):
        if tok.isspace():
            space = bool(pieces)
            continue
        piece = (" " if space else "") + tok
        space = False
        if not pieces or display_width(indent + "".join(pieces) + piece) <= width:
            pieces.append(piece)
            continue
        carry = [piece]
        if tok[0] in _NO_LINE_START:
            while len(pieces) > 1 and pieces[-1].lstrip()[0] in _NO_LINE_START:
                carry.insert(0, pieces.pop())
            if len(pieces) > 1:
                carry.insert(0, pieces.pop())
        while len(pieces) > 1 and pieces[-1].lstrip()[-1] in _NO_LINE_END:
            carry.insert(0, pieces.pop())
        lines.append(indent + "".join(pieces))
        carry[0] = carry[0].lstrip()
        indent, pieces = subsequent_indent, carry
    lines.append(indent + "".join(pieces))
    return lines


def _join(lines: Iterable[str]) -> str:
    """One paragraph's lines as one line: a space between them, none between two Chinese characters."""
    out = ""
    for line in lines:
        if not line:
            continue
        if out and not (display_width(out[-1]) == 2 and display_width(line[0]) == 2):
            out += " "
        out += line
    return out


def _fill(text: str, width: int, indent: str = "") -> str:
    """Paragraphs (split at blank lines) wrapped to ``width``; a paragraph opening with a ``\\b`` line is kept."""
    out = []
    for para in re.split(r"\n[ \t]*\n", text.expandtabs().strip("\n")):
        rows = para.splitlines()
        if not rows:
            continue
        if rows[0].strip() == "\b":
            out.append("\n".join(indent + row for row in rows[1:]))
            continue
        extra = " " * (len(rows[0]) - len(rows[0].lstrip()))
        out.append("\n".join(wrap(_join(row.strip() for row in rows), width, indent + extra, indent + extra)))
    return "\n\n".join(out)


class HelpFormatter(click.HelpFormatter):
    """click's help formatter, measuring text in terminal columns and wording headings in the catalogue."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:  # "Usage: " and "用法：" (the full-width colon is its own space)
            prefix = t("click.usage")
            prefix += "" if display_width(prefix[-1]) == 2 else " "
        usage_prefix = f"{prefix:>{self.current_indent}}{prog} "
        if not args:
            self.write(usage_prefix.rstrip(" ") + "\n")
            return
        text_width = self.width - self.current_indent
        if text_width >= display_width(usage_prefix) + 20:
            lines = wrap(args, text_width, usage_prefix, " " * display_width(usage_prefix))
        else:  # a long prefix: the arguments go below it
            self.write(usage_prefix + "\n")
            indent = " " * (max(self.current_indent, display_width(prefix)) + 4)
            lines = wrap(args, text_width, indent, indent)
        self.write("\n".join(lines) + "\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{t('help.heading', heading=heading)}\n")

    def write_text(self, text: str) -> None:
        self.write(_fill(text, self.width, " " * self.current_indent) + "\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [tuple(r) + ("",) * (2 - len(r)) for r in rows]
        if any(len(r) != 2 for r in rows):
            raise TypeError("Expected two columns for definition list")
        first_col = min(max((display_width(r[0]) for r in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = _fill(second, max(self.width - first_col - 2, 10)).splitlines() or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n" if line else "\n")


# ------------------------------------------------------------------------------------- commands and options

class Context(click.Context):
    formatter_class = HelpFormatter


class _Texts:
    """Help, short help and epilog as catalogue keys; the ``--help`` option worded in the active language."""

    help = _CatalogueText()
    short_help = _CatalogueText()
    epilog = _CatalogueText()
    context_class = Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        opt = super().get_help_option(ctx)  # type: ignore[misc]
        if opt is not None:  # click builds it once, in the language of that moment
            opt.help = t("click.show_help")
        return opt


class Command(_Texts, click.Command):
    """A command whose help texts are catalogue keys."""


class Group(_Texts, click.Group):
    """A group whose help texts are catalogue keys; its sub-commands are :class:`Command`."""

    command_class = Command


class Option(click.Option):
    """An option whose help is a catalogue key."""

    help = _CatalogueText()


def command(name: str | None = None, **attrs: Any) -> Callable[[Callable[..., Any]], Command]:
    """``click.command`` making a :class:`Command`: pass ``help=`` (and ``short_help=``) as catalogue keys."""
    return click.command(name, cls=Command, **attrs)  # type: ignore[return-value]


def option(*param_decls: str, **attrs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``click.option`` making an :class:`Option`: pass ``help=`` as a catalogue key."""
    return click.option(*param_decls, cls=Option, **attrs)


def version_option(package: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--version``: the installed version of ``package``, worded in the active language."""

    def show(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if not value or ctx.resilient_parsing:
            return
        from importlib.metadata import version

        click.echo(t("help.version_text", prog=ctx.find_root().info_name, version=version(package)))
        ctx.exit()

    return option("--version", is_flag=True, expose_value=False, is_eager=True, callback=show,
                  help="help.appraisal.version")


# ---------------------------------------------------------------------------------------- language and click

def argv_language(args: Iterable[str]) -> str | None:
    """The language of the last valid ``--lang X`` or ``--lang=X`` in ``args`` (up to a ``--``), else None."""
    args = list(args)
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        else:
            continue
        if value in LANGUAGES:
            found = value
    return found


@cache
def _click_keys() -> dict[str, str]:
    """click's message id (the English text) -> catalogue key."""
    return {entry["en"]: key for key, entry in messages().items() if key.startswith("click.")}


def click_gettext(message: str) -> str:
    """``gettext`` for click: its message in the active language (as click wrote it when not catalogued)."""
    key = _click_keys().get(message)
    return message if key is None else t(key)


#: click's type names as they appear inside its messages ("'x' is not a valid integer range")
ZH_TYPE_NAMES = {"integer range": "整数范围", "float range": "数值范围", "integer": "整数", "float": "数值",
                 "boolean": "布尔值", "text": "文本", "choice": "选项", "path": "路径", "directory": "文件夹",
                 "file": "文件"}


def zh_typography(message: str) -> str:
    """click builds its messages around the translated words with ASCII quotes and a final period; in Chinese
    quoted values are 「…」, a list of them is separated by 、, a sentence ends with 。 and type names are Chinese.

    Examples
    --------
    >>> zh_typography("缺少参数 'ENGAGEMENT...'.")
    '缺少参数「ENGAGEMENT...」。'
    >>> zh_typography("'huge' 不在可选值 'small', 'medium' 之中。")
    '「huge」不在可选值「small」、「medium」之中。'
    >>> zh_typography("'x' 不是有效的数值（integer range）。")
    '「x」不是有效的数值（整数范围）。'
    """
    msg = re.sub(r" ?'([^'\n]*)' ?", r"「\1」", message)
    msg = msg.replace("」, 「", "」、「").replace("」,「", "」、「")
    for en, zh in ZH_TYPE_NAMES.items():
        msg = msg.replace(f"（{en}）", f"（{zh}）")
    msg = re.sub(r"(?<!\.)\.$", "。", msg, flags=re.MULTILINE)
    return re.sub(r"。 +", "。", msg)


def localise_exception(exc: click.ClickException) -> None:
    """Make ``exc.show()`` print its message with :func:`zh_typography` when the language is Chinese."""
    if get_language() != "zh":
        return
    original = exc.format_message
    exc.format_message = lambda: zh_typography(original())  # type: ignore[method-assign]


def click_ngettext(singular: str, plural: str, n: int) -> str:
    return click_gettext(singular if n == 1 else plural)


@contextmanager
def click_messages() -> Iterator[None]:
    """Within the block, click's own messages come from the catalogue, in the active language."""
    saved: list[tuple[object, str, object]] = []
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        for attr, theirs, ours in (("_", gettext.gettext, click_gettext),
                                   ("ngettext", gettext.ngettext, click_ngettext)):
            if getattr(module, attr, None) is theirs:
                saved.append((module, attr, theirs))
                setattr(module, attr, ours)
    try:
        yield
    finally:
        for module, attr, theirs in reversed(saved):
            setattr(module, attr, theirs)
