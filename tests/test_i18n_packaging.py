"""The message catalogue is complete in both languages; environment.yml mirrors pyproject.toml."""
from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

from ruamel.yaml import YAML

from toolkit.model.messages import language, messages, t

ROOT = Path(__file__).resolve().parent.parent


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_message_has_zh_and_en_with_same_placeholders() -> None:
    msgs = messages()
    assert len(msgs) > 50
    for key, entry in msgs.items():
        assert set(entry) == {"zh", "en"}, key
        assert entry["zh"] and entry["en"], key  # separators may be a (full-width) space
        assert _fields(entry["zh"]) == _fields(entry["en"]), key


def test_language_switch() -> None:
    with language("en"):
        assert t("severity.error") == "ERROR"
    assert t("severity.error", "zh") == "错误"


def test_environment_yml_mirrors_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = YAML(typ="safe").load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))

    def norm(req: str) -> str:
        name = re.split(r"[<>=!~ \[]", req, maxsplit=1)[0]
        return name.lower().replace("_", "-")

    wanted = {norm(r): r for r in project["dependencies"]}
    have = {norm(r): r.replace(" ", "") for r in conda if not r.startswith(("python=", "pip"))}
    # a package conda-forge has under another name (typst: conda's is the CLI) is a pip requirement, pinned alike
    have |= {norm(r): r.replace(" ", "") for r in pip if not r.startswith("-e")}
    assert set(wanted) == set(have), set(wanted) ^ set(have)
    for name, req in wanted.items():
        assert req.replace(" ", "") == have[name], (req, have[name])
    assert any("-e .[" in p and "workshop" in p and "dev" in p for p in pip)
    assert set(project["optional-dependencies"]) >= {"workshop", "dev"}
    assert project["scripts"]["appraisal"].startswith("toolkit.cli")


def test_public_api_resolves() -> None:
    import toolkit

    for name in toolkit.__all__:
        assert getattr(toolkit, name) is not None, name
