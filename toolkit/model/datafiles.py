"""Reading the toolkit's own data files (catalogue, presets, size profiles, messages) fast and safely.

At the very bottom of the package, beside :mod:`toolkit.model.paths`: the message catalogue needs it, so it
needs nothing of ours.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["read_data_file"]


def read_data_file(path: str | Path) -> Any:
    """Fast, safe load of one of our own template files (catalogue, presets, messages): plain data, no positions.

    libyaml's C loader is ~8× faster than ruamel's pure-Python one, which matters at every kernel start;
    when a template turns out invalid, callers re-read it with :func:`read_yaml` to locate the problem.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)
