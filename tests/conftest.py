"""Shared fixtures: paths to the samples, a runner for the real CLI, and mutable copies of sample files."""
from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data_samples"
SMALL = SAMPLES / "small_company" / "engagement.yaml"
MIDSIZE = SAMPLES / "midsize_company" / "engagement.yaml"

os.environ.setdefault("MPLBACKEND", "Agg")


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``python -m toolkit ARGS`` as a user would, capturing text output."""
    full_env = {**os.environ, "PYTHONUTF8": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "toolkit", *args], check=False, capture_output=True, text=True,
                          cwd=cwd or ROOT, env=full_env, timeout=timeout)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (zh): a test that switches language must not leak it."""
    from toolkit.model import messages as i18n

    i18n._current.clear()
    yield
    i18n._current.clear()


@pytest.fixture
def cli():
    return run_cli


def load_raw(path: Path):
    from ruamel.yaml import YAML

    return YAML(typ="rt").load(path.read_text(encoding="utf-8"))


def dump_raw(data, path: Path) -> Path:
    from toolkit.model.yamlio import dump_yaml

    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small():
    """The small sample engagement, loaded once per test module (tests copy before changing it)."""
    from toolkit.model.engagement import load_engagement

    return load_engagement(SMALL)


@pytest.fixture(scope="module")
def mid():
    """The mid-size sample engagement, loaded once per test module."""
    from toolkit.model.engagement import load_engagement

    return load_engagement(MIDSIZE)


def with_changes(eng, **changes):
    """A validated copy of ``eng`` with fields replaced; ``a__0__b=v`` sets ``a[0].b`` (the original is untouched)."""
    data = eng.model_dump()
    for path, value in changes.items():
        node = data
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        node[keys[-1]] = value
    return type(eng).model_validate(data)


@pytest.fixture
def small_raw():
    """A deep copy of the small sample engagement as round-trip YAML data, to mutate in a test."""
    return copy.deepcopy(load_raw(SMALL))


@pytest.fixture
def midsize_raw():
    return copy.deepcopy(load_raw(MIDSIZE))
