"""appraisal-toolkit: design a marketing department's performance appraisal scheme (市场部绩效考核管理办法).

The public API is flat (pingouin-style) and loaded lazily, so that ``import toolkit`` and the CLI start fast::

    import toolkit as tk
    eng = tk.load_engagement("data_samples/small_company/engagement.yaml")
    tk.check_engagement(eng)
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it
_API: dict[str, str] = {
    # model and loading
    "Engagement": "model", "Role": "model", "Goal": "model", "Indicator": "model",
    "load_engagement": "engagement", "save_engagement": "engagement", "new_engagement": "engagement",
    "load_catalogue": "catalogue", "load_presets": "catalogue", "catalogue_frame": "catalogue",
    "presets_frame": "catalogue",
    "ToolkitError": "errors", "InputError": "errors", "Finding": "errors",
    "t": "i18n", "set_language": "i18n",
    # checks
    "smart_check": "goals", "parse_goal_text": "goals", "alignment_matrix": "goals",
    "check_engagement": "checks",
    "resolve_scheme": "scheme",
}

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
