"""The one message catalogue: every user-facing sentence in Chinese (default) and English.

Messages live in ``templates/i18n/*.yaml`` as ``key: {zh: ..., en: ...}``; one file per topic so that each
part of the toolkit owns its own text. Placeholders use ``str.format`` syntax.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Literal

from toolkit.model.datafiles import read_data_file
from toolkit.model.paths import templates_dir

__all__ = ["LANGUAGES", "get_language", "language", "messages", "set_language", "t"]

Lang = Literal["zh", "en"]
LANGUAGES: tuple[str, ...] = ("zh", "en")
_current: list[str] = []


def get_language() -> str:
    """The active language: ``set_language``/``language`` first, then ``APPRAISAL_LANG``, then ``zh``."""
    if _current:
        return _current[-1]
    env = os.environ.get("APPRAISAL_LANG", "zh").split("_")[0].lower()
    return env if env in LANGUAGES else "zh"


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
    _current[:] = [lang]


@contextmanager
def language(lang: str | None) -> Iterator[None]:
    """Temporarily switch language (``None`` keeps the current one)."""
    if lang is None:
        yield
        return
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
    _current.append(lang)
    try:
        yield
    finally:
        _current.pop()


@cache
def messages() -> dict[str, dict[str, str]]:
    """All catalogue entries merged from ``templates/i18n/*.yaml``; a key defined twice is a bug."""
    merged: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for path in sorted((templates_dir() / "i18n").glob("*.yaml")):
        data = read_data_file(path) or {}
        for key, entry in data.items():
            if key in merged:
                raise RuntimeError(f"message key {key!r} defined in both {origin[key]} and {path.name}")
            merged[key] = {k: str(v) for k, v in entry.items()}
            origin[key] = path.name
    if not merged:
        raise RuntimeError(f"no message catalogue under {templates_dir() / 'i18n'} (APPRAISAL_TEMPLATES?)")
    return merged


def t(key: str, lang: str | None = None, /, **kwargs: object) -> str:
    """The text for ``key`` in ``lang`` (default: the active language), formatted with ``kwargs``.

    Examples
    --------
    >>> t("severity.error", "en")
    'ERROR'
    """
    entry = messages().get(key)
    if entry is None:
        return key if not kwargs else f"{key} {kwargs}"
    text = entry.get(lang or get_language()) or entry.get("zh") or key
    return text.format(**kwargs) if kwargs else text
