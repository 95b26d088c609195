"""CJK fonts for plots: find a Chinese-capable font once and make seaborn/matplotlib use it.

Order: a system Noto Sans CJK SC (Debian ``fonts-noto-cjk``), another CJK family fontconfig knows, else a
warning that Chinese labels will show as boxes (and how to fix it).
"""
from __future__ import annotations

import warnings
from functools import lru_cache

__all__ = ["cjk_font_name", "use_cjk_theme"]

_PREFERRED = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Noto Serif CJK SC")


@lru_cache(maxsize=1)
def cjk_font_name() -> str | None:
    """The family name of an installed font that has Chinese glyphs, or ``None``."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in _PREFERRED:
        if name in names:
            return name
    # fontconfig may know a font that matplotlib's cache predates: rebuild once
    font_manager.fontManager = font_manager.FontManager()
    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in _PREFERRED:
        if name in names:
            return name
    return None


def use_cjk_theme(style: str = "whitegrid", **kwargs: object) -> str | None:
    """Apply a seaborn theme whose font renders Chinese; returns the font family used.

    seaborn's ``set_theme`` resets rcParams, so the font is passed to it rather than set before.
    """
    import matplotlib
    import seaborn as sns

    name = cjk_font_name()
    if name is None:
        warnings.warn("No CJK font found: Chinese labels will not render. Install Debian package "
                      "fonts-noto-cjk (make setup does this).", RuntimeWarning, stacklevel=2)
        sns.set_theme(style=style, **kwargs)  # type: ignore[arg-type]
    else:
        sns.set_theme(style=style, font=name, **kwargs)  # type: ignore[arg-type]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return name
