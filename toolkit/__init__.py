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

#: public name -> module that defines it (submodules such as ``toolkit.calibration`` are imported directly)
_API: dict[str, str] = {
    # model and loading
    "Engagement": "model", "Role": "model", "Goal": "model", "Indicator": "model",
    "load_engagement": "engagement", "save_engagement": "engagement", "new_engagement": "engagement",
    "load_catalogue": "catalogue", "load_presets": "catalogue", "catalogue_frame": "catalogue",
    "presets_frame": "catalogue",
    "ToolkitError": "errors", "InputError": "errors", "Finding": "errors",
    "t": "i18n", "set_language": "i18n",
    "smart_check": "goals", "parse_goal_text": "goals", "alignment_matrix": "goals",
    # checks
    "check_engagement": "checks",
    "resolve_scheme": "scheme",
    # weights engine
    "analyse": "ahp", "AHPResult": "ahp", "JudgmentSet": "ahp", "read_judgments": "ahp",
    "judgment_set": "ahp", "group_analyse": "ahp", "GroupResult": "ahp", "diagnose": "ahp",
    "repair_plan": "ahp", "accept_change": "ahp", "next_pairs": "ahp", "weights_and_cr": "ahp",
    "random_index": "ahp", "consensus": "ahp",
    "HNode": "hierarchy", "synthesise": "hierarchy", "allocate_percent": "hierarchy",
    "role_weights": "hierarchy", "RoleWeights": "hierarchy",
    "one_at_a_time": "sensitivity", "monte_carlo": "sensitivity", "monte_carlo_hierarchy": "sensitivity",
    "entropy_weights": "objective_weights", "critic_weights": "objective_weights",
    "compare_weights": "objective_weights", "blend": "objective_weights",
    # scoring engine and calibration review
    "apply_rule": "scoring", "excel_formula": "scoring", "excel_total_formula": "scoring",
    "appraise": "appraise", "Appraisal": "appraise", "rounded": "appraise",
    "read_actuals": "actuals",
    "assign_grades": "grading", "forced_distribution": "grading",
    "pay_table": "pay", "budget_check": "pay", "pay_periods": "pay", "covered_months": "pay",
    "combine_ratings": "raters", "rater_bias": "raters",
    "simulate_actuals": "simulate", "write_sample_actuals": "simulate",
    # documents and forms
    "compliance_findings": "compliance",
    "build_document": "document", "unit_label": "document", "anchor_text": "document",
    "write_forms": "forms", "form_workbook": "forms",
    "render_all": "render",
    # notebooks and batch builds
    "plan_build": "batch", "run_build": "batch", "summary_frame": "batch", "verify_manifest": "batch",
    "client_slug": "batch", "write_notebooks": "notebook_source", "stale_notebooks": "notebook_source",
    "show": "worksheet", "format_frame": "worksheet",
    # workshop
    "Journal": "journal", "check_journal": "journal", "journal_path": "journal", "close_journal": "journal",
    "Workshop": "workshop", "open_workshop": "workshop",
}


__all__ = [*sorted(_API), "__version__"]  # noqa: PLE0604 - names from the lazy table


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
