"""The whole scoring pipeline in one call: actuals → indicator scores → totals → grades → pay → budget.

:func:`appraise` is what the CLI, the notebooks and the calibration review call; each step is a function of
its own module (:mod:`toolkit.scoring.rules`, :mod:`toolkit.scoring.raters`, :mod:`toolkit.scoring.grading`, :mod:`toolkit.scoring.pay`) and
can be used alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit.model.errors import Finding, InputError
from toolkit.model.messages import t
from toolkit.scheme.rulebook import rulebook
from toolkit.scoring.grading import annual_indicator_scores, period_kind
from toolkit.scoring.pay import (
    BudgetCheck,
    budget_check,
    covered_months,
    cycles_per_year,
    pay_periods,
    pay_table,
)
from toolkit.scoring.raters import combine_ratings, rater_bias, rater_weights
from toolkit.scoring.rules import indicator_table, needs_anchors, score_values
from toolkit.scoring.totals import annual_scores, grade_frame, performance_pay, period_totals_by_rule

__all__ = ["MONEY", "Appraisal", "appraise", "check_anchors", "expected_grid", "rounded", "summary"]

KEY = ["employee", "role", "indicator", "period"]


@dataclass
class Appraisal:
    """Every table the scoring run produced (all plain DataFrames)."""

    table: pd.DataFrame            # role × indicator settings used
    scores: pd.DataFrame           # employee × indicator × period: value, score (NaN = missing)
    missing: pd.DataFrame          # the expected values that were absent or empty
    rating_notes: pd.DataFrame     # 360 re-normalisations and ignored rater kinds
    bias: pd.DataFrame             # rater leniency/severity
    periods: pd.DataFrame          # totals per employee × period
    annual: pd.DataFrame           # annual indicator scores (the basis of the calibration review)
    totals: pd.DataFrame           # annual total, grade and pay per employee
    budget: BudgetCheck = field(repr=False, default=None)  # type: ignore[assignment]
    ratings: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)  # individual ratings

    def grade_counts(self) -> pd.Series:
        return self.totals["grade"].value_counts().sort_index()


def check_anchors(table: pd.DataFrame) -> None:
    """Raise one :class:`InputError` listing every role indicator whose rule lacks an anchor it needs.

    Checked before scoring, so that a missing target is one located error and not a column of empty scores.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> from toolkit.scheme.resolve import resolve_scheme
    >>> from toolkit.scoring.rules import indicator_table
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    >>> table = indicator_table(resolve_scheme(eng))
    >>> check_anchors(table)   # every anchor is there: nothing raised
    >>> table.loc[1, "target"] = np.nan
    >>> try:
    ...     check_anchors(table)
    ... except InputError as exc:
    ...     print(exc.location, [f.code for f in exc.findings])
    roles[marketing_manager].indicators[marketing_sourced_pipeline] ['scoring.rule_anchor']
    """
    findings = []
    for r in table.itertuples(index=False):
        for name in needs_anchors(r.rule) + (("target",) if r.direction == "band" and r.rule_type in (
                "linear", "ratio") else ()):
            v = getattr(r, name)
            if v is None or (isinstance(v, float) and np.isnan(v)):
                findings.append(Finding("error", "scoring.rule_anchor", f"roles[{r.role}].indicators[{r.indicator}]",
                                        t("scoring.rule_anchor", role=r.role, indicator=r.indicator,
                                          anchor=name, rule=r.rule_type), t("scoring.rule_anchor.hint")))
    if findings:
        raise InputError(findings[0].message, location=findings[0].location, hint=findings[0].hint,
                         findings=findings)


_ALL = {"monthly": [f"-{m:02d}" for m in range(1, 13)], "quarterly": [f"-Q{q}" for q in range(1, 5)],
        "half_year": ["-H1", "-H2"], "annual": [""]}


def expected_grid(values: pd.DataFrame, table: pd.DataFrame, employees: pd.DataFrame) -> pd.DataFrame:
    """Every employee × role indicator × period the scheme expects, given the periods seen in the data.

    Only the span the input covers is expected: a period of an indicator's cycle is expected when it appears
    in the file for anyone, or when the months the file covers contain it whole (a year of monthly data
    expects Q1–Q4 of a quarterly indicator; one filled January form expects no quarter). ``employees`` are the
    people to expect values for — :func:`appraise` passes those present in the input, so scoring one filled
    form does not list everyone else as missing.

    Examples
    --------
    Three months of data expect the first quarter of a quarterly indicator; one month expects no quarter:

    >>> values = pd.DataFrame({"period": ["2026-01", "2026-02", "2026-03"]})
    >>> table = pd.DataFrame({"role": ["r", "r"], "indicator": ["m", "q"], "cycle": ["monthly", "quarterly"]})
    >>> staff = pd.DataFrame({"employee": ["e1"], "role": ["r"]})
    >>> grid = expected_grid(values, table, staff)
    >>> list(zip(grid["indicator"], grid["period"]))
    [('m', '2026-01'), ('m', '2026-02'), ('m', '2026-03'), ('q', '2026-Q1')]
    >>> expected_grid(values.iloc[:1], table, staff).values.tolist()
    [['e1', 'r', 'm', '2026-01']]
    """
    kinds = period_kind(values["period"]) if len(values) else pd.Series(dtype=object)
    seen = pd.DataFrame({"period": values["period"], "kind": kinds}).drop_duplicates()
    years = sorted({str(p)[:4] for p in values["period"].unique()})
    months = covered_months(values["period"])
    rows = []
    for cyc in table["cycle"].unique():
        ps = set(seen.loc[seen["kind"] == cyc, "period"])
        if cyc in _ALL:
            ps |= {y + s for y in years for s in _ALL[cyc] if covered_months([y + s]) <= months}
        rows += [{"cycle": cyc, "period": p} for p in sorted(ps)]
    per = pd.DataFrame(rows, columns=["cycle", "period"])
    grid = employees[["employee", "role"]].merge(table[["role", "indicator", "cycle"]], on="role")
    return grid.merge(per, on="cycle")[KEY]


def appraise(eng: Any, actuals: pd.DataFrame, scheme: Any = None, table: pd.DataFrame | None = None,
             bias_threshold: float = 0.5, keep_ratings: bool = True) -> Appraisal:
    """Score validated actuals (:func:`toolkit.scoring.actuals.read_actuals`) for an engagement.

    ``table`` (from :func:`toolkit.scoring.rules.indicator_table`) may be given to try other weights or rules on the
    same data (what-if); otherwise it comes from :func:`toolkit.scheme.resolve.resolve_scheme`.
    ``keep_ratings=False`` leaves :attr:`Appraisal.ratings` empty (the CLI writes no table of individual ratings
    and so does not keep a second copy of them).
    One call, so that the CLI, the notebooks and the calibration review run exactly the same pipeline.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> from toolkit.scoring.actuals import read_actuals
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    >>> actuals = read_actuals(samples_dir() / "midsize_company" / "actuals_2026.csv", eng)
    >>> result = appraise(eng, actuals)
    >>> len(result.totals), result.grade_counts().to_dict(), set(result.totals["grade_method"])
    (35, {'A': 7, 'B': 17, 'C': 5, 'D': 2, 'S': 4}, {'forced'})
    >>> len(result.missing), result.budget.ok
    (27, True)

    One person's January alone is a valid input: nobody else is missing, one month is paid, no forced ranking:

    >>> one = actuals[(actuals["employee"] == "CC003") & (actuals["period"] == "2026-01")]
    >>> r1 = appraise(eng, one)
    >>> len(r1.totals), len(r1.missing), r1.budget.pay_periods, r1.totals["grade_method"].tolist()
    (1, 0, 1.0, ['bands_small_group'])
    """
    if table is None:
        if scheme is None:
            from toolkit.scheme.resolve import resolve_scheme

            scheme = resolve_scheme(eng)
        table = indicator_table(scheme)
    check_anchors(table)
    rule_of = table.set_index(["role", "indicator"])["rule_type"]
    a = actuals  # only read: no copy of a million rows
    is_rating = rule_of.reindex(pd.MultiIndex.from_frame(a[["role", "indicator"]])).to_numpy() == "rating"
    combined, notes = combine_ratings(a, rater_weights(eng), rows=is_rating)
    bias = rater_bias(a, threshold=bias_threshold, rows=is_rating)
    quant = a.loc[~is_rating, KEY + ["actual"]].groupby(KEY, sort=False, observed=True)["actual"].mean().reset_index()
    values = pd.concat([quant.rename(columns={"actual": "value"}), combined[KEY + ["value"]]], ignore_index=True)

    # expect values only for the people and the span the input covers (a single filled form is a valid input)
    employees = a[["employee", "role"]].drop_duplicates()
    grid = expected_grid(values, table, employees)
    full = grid.merge(values, on=KEY, how="outer")
    missing = full[full["value"].isna()][KEY].sort_values(KEY).reset_index(drop=True)
    scores = score_values(full, table).sort_values(KEY).reset_index(drop=True)

    rb = rulebook(eng)
    groups = {e.id: e.group for e in eng.employees}
    periods = grade_frame(period_totals_by_rule(scores, rb), rb, groups, level="period", by=["period"])
    graded = grade_frame(annual_scores(scores, periods, rb, table), rb, groups, level="annual")
    span = pay_periods(eng, a["period"])
    pool = None if rb.pay.pool is None else rb.pay.pool * min(1.0, span / cycles_per_year(eng))
    periods, graded = performance_pay(periods, graded, rb, {e.id: e.base_pay for e in eng.employees}, pool)
    totals = pay_table(graded, eng, periods=a["period"])
    annual = annual_indicator_scores(scores)
    return Appraisal(table=table, scores=scores, missing=missing, rating_notes=notes,
                     bias=bias, periods=periods, annual=annual,
                     totals=totals, budget=budget_check(totals, eng),
                     ratings=a[is_rating].reset_index(drop=True) if keep_ratings else a.iloc[:0])


def summary(result: Appraisal, eng: Any) -> dict[str, Any]:
    """The figures the CLI prints (and returns as JSON): counts, grades, methods, budget, flags.

    Plain data (no DataFrames), so ``appraisal score --json`` and the printed summary report the same figures.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> from toolkit.scoring.actuals import read_actuals
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    >>> actuals = read_actuals(samples_dir() / "midsize_company" / "actuals_2026.csv", eng)
    >>> s = summary(appraise(eng, actuals), eng)
    >>> s["employees"], s["periods"], s["pay_periods"], s["grades"]
    (35, ['2026-01', '2026-12'], 12.0, {'S': 4, 'A': 7, 'B': 17, 'C': 5, 'D': 2})
    >>> [(f["rater"], f["flag"]) for f in s["flagged_raters"]], s["budget"]["ok"]
    ([('P-LENIENT', 'lenient'), ('CC022', 'lenient')], True)
    """
    counts = result.totals["grade"].value_counts()
    periods = sorted(set(result.scores["period"].unique()), key=lambda p: (min(covered_months([p]) or {(0, 0)}), p))
    present = set(result.totals["employee"])
    grades = {g.code: int(counts.get(g.code, 0)) for g in sorted(eng.grades, key=lambda g: -g.min_score)}
    methods = {str(k): int(v) for k, v in result.totals["grade_method"].value_counts().items()}
    bias = result.bias[result.bias["flag"] != ""]
    return {
        "client": eng.client.name,
        "employees": len(result.totals),
        "periods": [periods[0], periods[-1]] if periods else [],
        "pay_periods": result.budget.pay_periods,
        "not_in_input": sum(1 for e in eng.employees if e.id not in present),
        "mean_total": float(result.totals["total"].mean()),
        "grades": grades,
        "grade_methods": methods,
        "min_group_size": eng.distribution.min_group_size,
        "missing": len(result.missing),
        "renormalised_ratings": int((result.rating_notes["issue"] == "missing_group").sum())
        if len(result.rating_notes) else 0,
        "flagged_raters": bias[["rater", "rater_kind", "flag", "mean_deviation"]].to_dict("records"),
        "budget": result.budget.to_dict(),
    }


#: money columns, written to the cent; every other float (scores, totals, ratios) to 4 decimals
MONEY = frozenset({"base_pay", "performance_pay", "performance_pay_total", "salary", "midpoint", "raise_cost"})


def rounded(df: pd.DataFrame) -> pd.DataFrame:
    """A copy for writing: money to 2 decimals, other floats to 4 (no ``75.91000000000001`` in a CSV).

    Examples
    --------
    >>> rounded(pd.DataFrame({"total": [75.91000000000001], "salary": [10000.004]})).values.tolist()
    [[75.91, 10000.0]]
    """
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(2 if c in MONEY else 4)
    return out
