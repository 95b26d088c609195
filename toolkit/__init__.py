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

#: public name -> module that defines it (submodules such as ``toolkit.scoring.calibration`` are imported directly)
_API: dict[str, str] = {
    # model and loading
    "Engagement": "model.schema", "Role": "model.schema", "Goal": "model.schema", "Indicator": "model.indicators",
    "load_engagement": "model.engagement", "save_engagement": "model.engagement", "new_engagement": "model.engagement",
    "load_catalogue": "model.catalogue", "load_presets": "model.catalogue", "catalogue_frame": "model.catalogue",
    "presets_frame": "model.catalogue",
    "ToolkitError": "model.errors", "InputError": "model.errors", "Finding": "model.errors",
    "t": "model.messages", "set_language": "model.messages",
    "smart_check": "checks.goals", "parse_goal_text": "checks.goals", "alignment_matrix": "checks.goals",
    "suggest_rewrites": "checks.goal_rewrite", "rulebook": "scheme.rulebook", "Rulebook": "scheme.rulebook",
    # checks
    "check_engagement": "checks.engagement",
    "resolve_scheme": "scheme.resolve",
    # weights engine
    "analyse": "weights.analysis", "AHPResult": "weights.analysis", "JudgmentSet": "weights.judgments", "read_judgments": "weights.judgments",
    "judgment_set": "weights.judgments", "group_analyse": "weights.group", "GroupResult": "weights.group", "diagnose": "weights.diagnosis",
    "repair_plan": "weights.diagnosis", "accept_change": "weights.diagnosis", "next_pairs": "weights.analysis", "weights_and_cr": "weights.consistency",
    "random_index": "weights.consistency", "consensus": "weights.group",
    "consensus_label": "weights.group", "cluster_judges": "weights.group", "minimal_repair": "weights.repair",
    "HNode": "weights.hierarchy", "synthesise": "weights.hierarchy", "allocate_percent": "weights.hierarchy",
    "role_weights": "weights.hierarchy", "RoleWeights": "weights.hierarchy",
    "one_at_a_time": "weights.sensitivity", "monte_carlo": "weights.sensitivity", "monte_carlo_hierarchy": "weights.sensitivity",
    "entropy_weights": "weights.objective", "critic_weights": "weights.objective",
    "compare_weights": "weights.objective", "blend": "weights.objective",
    # scoring engine and calibration review
    "apply_rule": "scoring.rules", "excel_formula": "scoring.rules", "excel_total_formula": "scoring.rules",
    "appraise": "scoring.appraise", "Appraisal": "scoring.appraise", "rounded": "scoring.appraise",
    "read_actuals": "scoring.actuals",
    "assign_grades": "scoring.grading", "forced_distribution": "scoring.grading",
    "pay_table": "scoring.pay", "budget_check": "scoring.pay", "pay_periods": "scoring.pay", "covered_months": "scoring.pay",
    "combine_ratings": "scoring.raters", "rater_bias": "scoring.raters",
    "simulate_actuals": "scoring.simulate", "write_sample_actuals": "scoring.simulate",
    # documents and forms
    "compliance_findings": "checks.compliance",
    "build_document": "documents.content", "unit_label": "documents.wording", "anchor_text": "documents.wording",
    "write_forms": "documents.forms", "form_workbook": "documents.forms",
    "render_all": "documents.render",
    # notebooks and batch builds
    "plan_build": "batch.plan", "run_build": "batch.build", "summary_frame": "batch.build", "verify_manifest": "batch.build",
    "client_slug": "batch.plan", "write_notebooks": "notebooks.sources", "stale_notebooks": "notebooks.sources",
    "show": "notebooks.worksheet", "format_frame": "notebooks.worksheet",
    # workshop
    "Journal": "workshop.journal", "check_journal": "workshop.journal", "journal_path": "workshop.journal", "close_journal": "workshop.journal",
    "Workshop": "workshop.session", "open_workshop": "workshop.session",
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
