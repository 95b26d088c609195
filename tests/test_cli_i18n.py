"""The ``appraisal`` command speaks one language at a time: help, click's usage errors and summaries.

Chinese by default; English with ``appraisal --lang en …`` (also after ``--help``, and the ``--lang`` of render and
build) or ``APPRAISAL_LANG=en``. Every help text is a key of ``templates/i18n/cli.yaml``; click's own messages
("Usage:", "No such option" …) come from the same catalogue.
"""
from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import click
import pytest
from conftest import SMALL, run_cli

from toolkit.cli import COMMANDS, cli, main
from toolkit.cli._i18n import CLICK_MODULES, display_width, help_keys, wrap
from toolkit.model.messages import messages

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
# what may stay Latin in Chinese help: `code`, [choices and defaults], options, METAVARS and ACRONYMS, paths,
# file names, addresses and ranges (anything with / . : = < >), and quoted examples
ALLOWED_LATIN = re.compile(r"`[^`]*`|\[[^\]]*\]|(?<![\w-])--?[\w-]+|\b[A-Z][A-Z0-9_]*\b(?:\.\.\.)?"
                           r"|[^\s，。；：、（）]*(?:[/:=<>@]|\.(?=[^\s，。；：、（）]))[^\s，。；：、（）]*"
                           r"|\"[^\"]*\"|'[^']*'")
ENGLISH_PHRASE = re.compile(r"[A-Za-z]+(?:[ ,'-]+[A-Za-z]+){2,}")  # three Latin words in a row
CLICK_ENGLISH = ("Usage", "Options", "Commands", "Show this", "default:", "required", "Error:", "Try '",
                 "No such", "Missing", "Invalid value", "is not")


def english_phrases(text: str) -> list[str]:
    return ENGLISH_PHRASE.findall(ALLOWED_LATIN.sub(" ", text))


def test_the_english_detector_sees_english() -> None:
    assert english_phrases("  --json      Print the findings as JSON.") == ["Print the findings as"]
    assert english_phrases("Try 'appraisal check --help' for help.")
    assert english_phrases("Error: No such option '--bogus'.")  # ("Error:" is looked for in CLICK_ENGLISH)
    assert english_phrases("用法：appraisal check [OPTIONS] ENGAGEMENT...\n  --out DIRECTORY  输出文件夹。 [默认：build/demo]"
                           "\n  --scheduler ADDRESS  Dask 调度器地址（tcp://host:8786）。") == []


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(autouse=True)
def _no_language_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APPRAISAL_LANG", raising=False)


def _all_commands() -> list[click.Command]:
    ctx = click.Context(cli)
    return [cli.get_command(ctx, name) for name in COMMANDS]  # type: ignore[misc]


HELP_ARGS = [[], *([name] for name in COMMANDS)]
HELP_IDS = ["appraisal", *COMMANDS]


# ------------------------------------------------------------------------------------------ the catalogue

def test_every_help_text_is_a_catalogue_key_in_both_languages() -> None:
    """Each command's help and short help, each option's help, the epilog: keys with zh and en, none left over."""
    msgs = messages()
    used: set[str] = set()
    for cmd in [cli, *_all_commands()]:
        keys = help_keys(cmd)
        assert "help" in keys, cmd.name
        assert cmd is cli or "short_help" in keys, cmd.name
        used |= set(keys.values())
        for param in cmd.params:
            if isinstance(param, click.Option):
                assert "help" in help_keys(param), f"{cmd.name} {param.opts}: no help key"
                used |= set(help_keys(param).values())
    for key in used:
        assert key in msgs, f"{key} is not in the catalogue"
        assert msgs[key].get("zh") and msgs[key].get("en"), key
        assert not CJK.search(msgs[key]["en"]), f"{key}: Chinese in the English help"
    defined = {k for k in msgs if k.startswith("help.")}
    by_code = {"help.heading", "help.version_text"}  # toolkit/cli/_i18n.py uses these itself
    assert defined - used - by_code == set(), "help keys nothing uses"
    assert {k for k in msgs if k.startswith(("help.", "click."))} <= set(_cli_yaml_keys())


def _cli_yaml_keys() -> list[str]:
    from toolkit.model.datafiles import read_data_file
    from toolkit.model.paths import templates_dir

    return list(read_data_file(templates_dir() / "i18n" / "cli.yaml"))


def test_click_entries_are_click_own_message_ids() -> None:
    """The en text of every click.* entry is a string click passes to gettext (found in click's source), so a
    click upgrade that rewords a message shows up here instead of silently falling back to English."""
    ids: set[str] = set()
    root = Path(click.__file__).parent
    for name in CLICK_MODULES:
        for node in ast.walk(ast.parse((root / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                ids |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    ids.add("required")  # core.py: _(extra["required"]), where extra["required"] = "required"
    stale = {k: e["en"] for k, e in messages().items() if k.startswith("click.") and e["en"] not in ids}
    assert stale == {}
    for needed in ("Usage:", "No such option {name!r}.", "Missing argument", "Error: {message}",
                   "Try '{command} {option}' for help.", "Show this message and exit.",
                   "Invalid value for {param_hint}: {message}", "{value!r} is not one of {choices}."):
        assert needed in {e["en"] for k, e in messages().items() if k.startswith("click.")}, needed


# ------------------------------------------------------------------------------------------------- help

@pytest.mark.parametrize("args", HELP_ARGS, ids=HELP_IDS)
def test_help_is_chinese_by_default(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = _run(capsys, *args, "--help")
    assert code == 0 and err == ""
    assert out.startswith("用法：appraisal") and "选项：" in out and "显示本帮助并退出。" in out
    assert english_phrases(out) == [], out
    assert not [w for w in CLICK_ENGLISH if w in out], out


@pytest.mark.parametrize("args", HELP_ARGS, ids=HELP_IDS)
def test_help_is_english_with_lang_en(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = _run(capsys, "--lang", "en", *args, "--help")
    assert code == 0 and err == ""
    assert out.startswith("Usage: appraisal") and "Options:" in out and "Show this message and exit." in out
    assert not CJK.search(out), CJK.findall(out)


@pytest.mark.parametrize("args", [["--help", "--lang", "en"], ["--lang=en", "-h"], ["render", "x.yaml", "--lang", "en", "--help"],
                                  ["build", "--lang", "en", "--help"]],
                         ids=["help-before-lang", "lang=en", "render-lang", "build-lang"])
def test_lang_anywhere_before_the_help_is_honoured(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, _ = _run(capsys, *args)
    assert code == 0 and out.startswith("Usage:") and not CJK.search(out)


def test_help_follows_appraisal_lang(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_LANG", "en")
    code, out, _ = _run(capsys, "check", "--help")
    assert code == 0 and out.startswith("Usage:") and not CJK.search(out)
    code, out, _ = _run(capsys, "--lang", "zh", "check", "--help")  # the command line wins
    assert code == 0 and out.startswith("用法：")


def test_the_top_level_help_says_how_the_language_is_chosen(capsys: pytest.CaptureFixture[str]) -> None:
    _, zh, _ = _run(capsys, "--help")
    _, en, _ = _run(capsys, "--lang", "en", "--help")
    for text in (zh, en):
        assert "--lang en" in text and "APPRAISAL_LANG" in text
    for name in COMMANDS:  # every command listed with its short help in the language
        assert re.search(rf"^  {name}\s+[\u4e00-\u9fff]", zh, re.MULTILINE), name
        assert re.search(rf"^  {name}\s+[A-Z]", en, re.MULTILINE), name


def test_version_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--version")
    assert code == 0 and re.fullmatch(r"appraisal 版本 \S+\n", out)
    code, out, _ = _run(capsys, "--lang", "en", "--version")
    assert code == 0 and re.fullmatch(r"appraisal, version \S+\n", out)


def test_chinese_help_fits_the_terminal_in_columns(capsys: pytest.CaptureFixture[str]) -> None:
    """A Chinese character takes two columns: help lines stay within the 78 columns click aims at."""
    for args in HELP_ARGS:
        _, out, _ = _run(capsys, *args, "--help")
        # an unbreakable token (a long option with its choices) may be longer, as in click's own layout
        too_wide = [line for line in out.splitlines() if display_width(line) > 80 and " " in line.strip()
                    and CJK.search(line)]
        assert too_wide == [], too_wide


def test_wrap_breaks_between_chinese_characters_not_before_punctuation() -> None:
    lines = wrap("校验方案文件，并运行目标、战略对齐和方案规则检查。ENGAGEMENT 是方案文件。", 20)
    assert all(display_width(line) <= 22 for line in lines)  # closing punctuation may pull one character down
    assert not any(line[0] in "，。、）" for line in lines)
    assert "".join(lines).replace(" ", "") == "校验方案文件，并运行目标、战略对齐和方案规则检查。ENGAGEMENT是方案文件。"
    assert wrap("--scheduler tcp://host:8786", 10) == ["--scheduler", "tcp://host:8786"]  # never inside a word


# ------------------------------------------------------------------------------------------ usage errors

USAGE_ERRORS = [
    (["check", "--bogus"], "错误：没有选项「--bogus」。", "Error: No such option '--bogus'."),
    (["check"], "错误：缺少参数「ENGAGEMENT...」。", "Error: Missing argument 'ENGAGEMENT...'."),
    (["new", "d", "--client", "x", "--size", "huge", "--roles", "a"],
     "错误：「--size」的取值无效：「huge」不在可选值「small」、「medium」、「large」之中。",
     "Error: Invalid value for '--size': 'huge' is not one of 'small', 'medium', 'large'."),
    (["new", "d", "--client", "x", "--roles", "a"], "错误：缺少选项「--size」", "Error: Missing option '--size'."),
    (["ahp", "f.yaml", "--top", "x"], "「--top」的取值无效：「x」不是有效的数值（整数范围）。", "Invalid value for '--top': 'x' is not a valid"),
    (["ahp", "f.yaml", "--top", "-1"], "-1 不在范围 x>=0 内。", "-1 is not in the range x>=0."),
    (["chek"], "错误：没有命令「chek」。", "Error: No such command 'chek'."),
    (["goal", "a", "b"], "错误：多余的参数（b）", "Error: Got unexpected extra argument (b)"),
    (["ahp", "--method"], "错误：选项「--method」需要一个值。", "Error: Option '--method' requires an argument."),
]
USAGE_IDS = ["unknown-option", "missing-argument", "bad-choice", "missing-option", "not-a-number", "out-of-range",
             "unknown-command", "extra-argument", "option-without-value"]


@pytest.mark.parametrize(("args", "zh", "en"), USAGE_ERRORS, ids=USAGE_IDS)
def test_usage_errors_in_chinese(capsys: pytest.CaptureFixture[str], args: list[str], zh: str, en: str) -> None:
    code, out, err = _run(capsys, *args)
    assert code == 2 and out == ""
    assert zh in err, err
    assert "Traceback" not in err
    if "用法：" in err:  # the usage line and the hint to the help, as click prints them
        assert re.search(r"运行 'appraisal( \w+)? --help' 查看帮助。", err), err
    assert english_phrases(err) == [], err
    assert not [w for w in CLICK_ENGLISH if w in err], err
    error_line = err.strip().splitlines()[-1]           # Chinese typography: 「quoted」, 、 between, 。 at the end
    assert "'" not in error_line and not error_line.endswith("."), error_line


@pytest.mark.parametrize(("args", "zh", "en"), USAGE_ERRORS, ids=USAGE_IDS)
def test_usage_errors_in_english(capsys: pytest.CaptureFixture[str], args: list[str], zh: str, en: str) -> None:
    code, out, err = _run(capsys, "--lang", "en", *args)
    assert code == 2 and out == ""
    assert en in err, err
    assert "Traceback" not in err and not CJK.search(err), err


def test_a_bad_language_is_a_chinese_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--lang", "fr", "check", str(SMALL))
    assert code == 2 and "错误：「--lang」的取值无效：「fr」不在可选值「zh」、「en」之中。" in err


def test_click_is_left_as_it_was_after_a_run(capsys: pytest.CaptureFixture[str]) -> None:
    """The catalogue is plugged into click for the run only: other users of click in the process are untouched."""
    _run(capsys, "check", "--bogus")
    for name in CLICK_MODULES:
        module = __import__(f"click.{name}", fromlist=["_"])
        if hasattr(module, "_"):
            assert module._ is gettext.gettext, name
        if hasattr(module, "ngettext"):
            assert module.ngettext is gettext.ngettext, name


def test_the_real_command_in_a_process() -> None:
    """As a user runs it: python -m toolkit, help and errors in each language, exit codes 0 and 2."""
    zh = run_cli("score", "--help")
    assert zh.returncode == 0 and zh.stdout.startswith("用法：appraisal score") and english_phrases(zh.stdout) == []
    en = run_cli("score", "--help", env={"APPRAISAL_LANG": "en"})
    assert en.returncode == 0 and en.stdout.startswith("Usage: appraisal score") and not CJK.search(en.stdout)
    zh = run_cli("check", "--bogus")
    assert zh.returncode == 2 and "错误：没有选项「--bogus」。" in zh.stderr and "Traceback" not in zh.stderr
    en = run_cli("--lang", "en", "new", "d", "--client", "x", "--size", "huge", "--roles", "a")
    assert en.returncode == 2 and "Error: Invalid value for '--size'" in en.stderr and not CJK.search(en.stderr)


# ------------------------------------------------------------------------------------------ build summary

def _fake_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """plan_build and run_build replaced by a plan and a report (one role timed out, one check warning)."""
    from toolkit.batch import build as batch_build
    from toolkit.batch import plan as batch_plan
    from toolkit.batch.plan import BuildPlan, BuildReport, JobResult
    from toolkit.model.errors import Finding

    seen: dict[str, str] = {}
    info = {"client-a": {"client": "Client A", "roles": ["ads"], "role_names": {"ads": "Ad placement"}}}
    warning = Finding(code="goal.vague", severity="warning", location="goals[0]", message="vague goal")
    plan = BuildPlan(out=tmp_path, jobs=[], engagements=info, warnings=[warning])

    def plan_build(engagements, out, **kw):  # type: ignore[no-untyped-def]
        seen["lang"] = kw["lang"]
        return plan

    def run_build(plan_, **kw):  # type: ignore[no-untyped-def]
        results = [JobResult(key="01_goals", slug="client-a", notebook="01_goals", role="", status="ok", seconds=1),
                   JobResult(key="03_weights__ads", slug="client-a", notebook="03_weights", role="ads",
                             status="timeout", seconds=2, error="CellTimeoutError")]
        return BuildReport(plan=plan_, results=results, seconds=3.0, manifests=[tmp_path / "manifest.json"])

    monkeypatch.setattr(batch_plan, "plan_build", plan_build)
    monkeypatch.setattr(batch_build, "run_build", run_build)
    return seen


@pytest.mark.parametrize("args", [["build", "--lang", "en"], ["--lang", "en", "build"]], ids=["build-lang", "global-lang"])
def test_build_summary_is_english_in_english_mode(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path, args: list[str]) -> None:
    seen = _fake_build(monkeypatch, tmp_path)
    code, out, err = _run(capsys, *args, str(SMALL), "--out", str(tmp_path), "--fresh-kernels")
    assert code == 1 and seen["lang"] == "en"
    assert not CJK.search(out + err), CJK.findall(out + err)
    assert "status" in out and "timed out" in out and "Ad placement" in out
    assert "done: 1/2 notebooks succeeded" in out and "manifest:" in out
    assert "check warnings" in err and "1 notebooks failed" in err


def test_build_summary_is_chinese_by_default(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    seen = _fake_build(monkeypatch, tmp_path)
    code, out, err = _run(capsys, "build", str(SMALL), "--out", str(tmp_path), "--fresh-kernels")
    assert code == 1 and seen["lang"] == "zh"
    assert "状态" in out and "超时" in out and "完成：1/2 个笔记本成功" in out and "清单：" in out
    assert "检查提示" in err and "有 1 个笔记本失败" in err
    assert english_phrases(out.replace("Ad placement", "").replace("Client A", "")) == []
