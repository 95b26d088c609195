"""All checks of an engagement in one place: goals, alignment, scheme rules, consistency and compliance.

``appraisal check`` exits 0 when clean, 1 with warnings only, 2 with errors; the batch build and the renderer
refuse an engagement with errors.
"""
from __future__ import annotations

from toolkit.checks.goals import alignment_findings, goal_findings
from toolkit.model.catalogue import load_catalogue, size_profiles
from toolkit.model.errors import Finding
from toolkit.model.messages import get_language, t
from toolkit.model.schema import Engagement
from toolkit.scheme.resolve import RoleScheme, resolve_role

__all__ = ["check_engagement", "exit_code", "scheme_findings"]

_MIN_WEIGHT = 5.0


def _role_findings(eng: Engagement, ri: int, rs: RoleScheme) -> list[Finding]:
    out: list[Finding] = []
    role = rs.role
    where = f"roles[{ri}]"
    tag = f" ({role.id})"
    lo, hi = size_profiles()[eng.client.size].indicators_per_role
    n = len(role.indicators)
    if n == 0:
        out.append(Finding("error", "scheme.no_indicators", where + tag, t("check.no_indicators"), t("check.no_indicators.hint")))
        return out
    if not lo <= n <= hi:
        out.append(Finding("warning", "scheme.indicator_count", where + ".indicators" + tag,
                           t("check.indicator_count", n=n, lo=lo, hi=hi, size=t(f"size.{eng.client.size}")),
                           t("check.indicator_count.hint")))
    if rs.weights_method == "ahp" and rs.ahp is None:
        out.append(Finding("error", "scheme.ahp_without_judgments", f"{where}.weighting{tag}",
                           t("check.ahp_without_judgments"), t("check.ahp_without_judgments.hint")))
    if rs.weights_method == "direct":
        missing = [i for i, ind in enumerate(role.indicators) if ind.weight is None]
        for i in missing:
            out.append(Finding("error", "scheme.weight_missing", f"{where}.indicators[{i}].weight{tag}",
                               t("check.weight_missing"), t("check.weight_missing.hint")))
        total = sum(ind.weight or 0 for ind in role.indicators)
        if not missing and abs(total - 100) > 1e-6:
            out.append(Finding("error", "scheme.weights_sum", f"{where}.indicators{tag}",
                               t("check.weights_sum", total=_num(total)), t("check.weights_sum.hint")))
    for i, ind in enumerate(rs.indicators):
        if ind.weight < _MIN_WEIGHT - 1e-9:
            out.append(Finding("error", "scheme.weight_too_small", f"{where}.indicators[{i}] ({role.id}/{ind.id})",
                               t("check.weight_too_small", weight=_num(ind.weight), min=_num(_MIN_WEIGHT)),
                               t("check.weight_too_small.hint")))
        out += _anchor_findings(f"{where}.indicators[{i}] ({role.id}/{ind.id})", ind)
        if ind.indicator.lagging and ind.cycle == "monthly":
            out.append(Finding("warning", "scheme.lagging_monthly", f"{where}.indicators[{i}] ({role.id}/{ind.id})",
                               t("check.lagging_monthly", name=ind.name()), t("check.lagging_monthly.hint")))
    if rs.band and rs.indicators:
        share = rs.quant_share
        blo, bhi = rs.band
        if not blo - 1e-9 <= share <= bhi + 1e-9:
            out.append(Finding("warning", "scheme.quant_share", where + ".indicators" + tag,
                               t("check.quant_share", share=f"{share:.0%}", lo=f"{blo:.0%}", hi=f"{bhi:.0%}"),
                               t("check.quant_share.hint")))
    if rs.consistency is not None:
        cr, ok = rs.consistency
        if not ok:
            out.append(Finding("warning", "scheme.ahp_inconsistent", f"{where}.weighting{tag}",
                               t("check.ahp_inconsistent", cr=f"{cr:.3f}"), t("check.ahp_inconsistent.hint")))
    out += _ahp_findings(where, tag, rs)
    return out


def _ahp_findings(where: str, tag: str, rs: RoleScheme) -> list[Finding]:
    """An included judge above the CR threshold (the aggregate may pass without them), and a quantitative share
    band that overrides the AHP weights, shown with the weights before and after so that the consultant chooses."""
    from toolkit.weights.scale import fmt_judgment

    out: list[Finding] = []
    res = getattr(rs.ahp, "ahp", None)
    for name in getattr(res, "flagged", []):
        own = res.judges[name]
        worst = "—"
        if len(own.most_inconsistent):
            r = own.most_inconsistent.iloc[0]
            worst = t("ahp.cli.suggest", k=1, a=r.row, b=r.col, value=fmt_judgment(r.value),
                      suggested=fmt_judgment(r.suggested), cr=f"{r.cr_after:.4f}", eps=f"{r.epsilon:.2f}")[3:]
        out.append(Finding("warning", "scheme.ahp_judge_inconsistent", f"{where}.weighting.participants[{name}]{tag}",
                           t("ahp.check.judge_inconsistent", name=name, cr=f"{own.cr:.3f}",
                             threshold=f"{own.threshold:.2f}", worst=worst), t("ahp.check.judge_inconsistent.hint")))
    bo = getattr(rs.ahp, "band_override", None)
    if bo is not None:
        names = {i.id: i.name() for i in rs.indicators}
        changes = t("ahp.list_sep").join(
            t("ahp.check.band_change", name=names.get(k, k), before=bo.before[k], after=bo.after[k])
            for k in bo.before if bo.before[k] != bo.after[k])
        lo, hi = f"{bo.band[0]:.0%}", f"{bo.band[1]:.0%}"
        if bo.mode == "advise":
            msg = t("ahp.check.band_advise", lo=lo, hi=hi, changes=changes)
        else:
            msg = t("ahp.check.band_override", lo=lo, hi=hi, share=f"{bo.share_before:.0%}",
                    target=f"{bo.share_after:.0%}", changes=changes)
        out.append(Finding("warning" if bo.mode is None else "info", "scheme.band_override",
                           f"{where}.weighting.band{tag}", msg, t("ahp.check.band_override.hint")))
    return out


def _anchor_findings(where: str, ind) -> list[Finding]:  # type: ignore[no-untyped-def]
    rule = ind.rule.type
    if rule == "rating":
        levels = ind.rule.levels
        bad = [(n, v) for n, v in (("threshold", ind.threshold), ("target", ind.target), ("stretch", ind.stretch))
               if v is not None and not 1 <= v <= levels]
        return [Finding("error", "scheme.rating_anchor", where, t("check.rating_anchor", field=n, value=_num(v),
                                                                    levels=levels), t("check.rating_anchor.hint"))
                for n, v in bad]
    if not ind.quantitative or rule in ("rating", "veto", "bonus"):
        return []
    if ind.target is None:
        return [Finding("warning", "scheme.no_target", where, t("check.no_target"), t("check.no_target.hint"))]
    if rule != "linear" or ind.threshold is None or ind.stretch is None:
        return []
    lower = ind.direction == "lower"
    ordered = (ind.threshold > ind.target > ind.stretch) if lower else (ind.threshold < ind.target < ind.stretch)
    if ind.direction != "band" and not ordered:
        key = "check.anchor_order_lower" if lower else "check.anchor_order_higher"
        return [Finding("error", "scheme.anchor_order", where,
                        t(key, threshold=_num(ind.threshold), target=_num(ind.target), stretch=_num(ind.stretch)),
                        t("check.anchor_order.hint"))]
    return []


def _num(x: float) -> str:
    x = float(x)
    if abs(x) >= 1e9:
        return f"{x:.3g}"
    return str(int(x)) if x.is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


def _headcount_findings(eng: Engagement) -> list[Finding]:
    """Role headcounts against the department size and against the employees listed for each role."""
    out: list[Finding] = []
    total = sum(r.headcount for r in eng.roles)
    if total > eng.client.marketing_headcount:
        out.append(Finding("warning", "scheme.headcount_total", "roles",
                           t("check.headcount_total", total=total, dept=eng.client.marketing_headcount),
                           t("check.headcount_total.hint")))
    if eng.employees:
        for ri, role in enumerate(eng.roles):
            listed = sum(e.role == role.id for e in eng.employees)
            if listed != role.headcount:
                out.append(Finding("warning", "scheme.headcount_employees", f"roles[{ri}].headcount ({role.id})",
                                   t("check.headcount_employees", headcount=role.headcount, listed=listed),
                                   t("check.headcount_employees.hint")))
    return out


def scheme_findings(eng: Engagement) -> list[Finding]:
    """Rules of a sound scheme: indicator counts, weights, anchors, quantitative share, raters, grades.

    Each finding is located (``roles[0].indicators (r)``) so that a consultant can fix the engagement file
    before anything is scored or printed; a weights-engine error stays with its role.

    Examples
    --------
    >>> from toolkit.model.schema import Engagement
    >>> eng = Engagement.model_validate({"client": {"name": "甲", "size": "small", "marketing_headcount": 6},
    ...     "roles": [{"id": "r", "name": "专员", "role_type": "content",
    ...                "indicators": [{"id": "ctr", "weight": 60}, {"id": "cvr", "weight": 30}]}]})
    >>> for f in scheme_findings(eng):
    ...     print(f.severity, f.code, f.location)
    warning scheme.indicator_count roles[0].indicators (r)
    error scheme.weights_sum roles[0].indicators (r)
    warning scheme.no_target roles[0].indicators[0] (r/ctr)
    warning scheme.no_target roles[0].indicators[1] (r/cvr)
    """
    out: list[Finding] = []
    for ri, role in enumerate(eng.roles):
        try:
            rs = resolve_role(eng, role)
        except Exception as exc:  # a weights-engine input error belongs to this role, not to the whole check
            from toolkit.model.errors import ToolkitError

            if not isinstance(exc, ToolkitError):
                raise
            out.append(Finding("error", "scheme.weights_failed", f"roles[{ri}] ({role.id}).weighting",
                               exc.message, exc.hint))
            continue
        out += _role_findings(eng, ri, rs)
    if "360" in eng.methods:
        kinds = {r.kind for r in eng.raters}
        if len(kinds) < 3:
            out.append(Finding("warning", "scheme.360_raters", "raters", t("check.360_raters"), t("check.360_raters.hint")))
    total = sum(r.weight for r in eng.raters)
    if eng.raters and abs(total - 1) > 1e-6:
        out.append(Finding("error", "scheme.rater_weights", "raters", t("check.rater_weights", total=f"{total:.2f}"),
                           t("check.rater_weights.hint")))
    mins = [g.min_score for g in eng.grades]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        out.append(Finding("error", "scheme.grade_order", "grades", t("check.grade_order"), t("check.grade_order.hint")))
    if eng.result_use.bonus_coefficients:
        for g in eng.grades:
            if g.code not in eng.result_use.bonus_coefficients:
                out.append(Finding("warning", "scheme.coefficient_missing", "result_use.bonus_coefficients",
                                   t("check.coefficient_missing", grade=g.code), t("check.coefficient_missing.hint")))
    out += _headcount_findings(eng)
    if eng.distribution.mode != "none" and not eng.distribution.shares:
        out.append(Finding("error", "scheme.distribution_shares", "distribution.shares",
                           t("check.distribution_shares"), t("check.distribution_shares.hint")))
    return out


def check_engagement(eng: Engagement) -> list[Finding]:
    """Every finding about an engagement: goal SMART-ness, alignment, scheme rules and compliance.

    One list for ``appraisal check``, the batch build and the renderer, so that all of them refuse the same
    engagements.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> check_engagement(load_engagement(samples_dir() / "midsize_company" / "engagement.yaml"))
    []
    >>> from toolkit.model.schema import Engagement
    >>> eng = Engagement.model_validate({"client": {"name": "甲", "size": "small", "marketing_headcount": 6},
    ...     "roles": [{"id": "r", "name": "专员", "role_type": "content"}]})
    >>> [(f.severity, f.code) for f in check_engagement(eng)]
    [('warning', 'align.no_strategy'), ('warning', 'align.no_goals'), ('error', 'scheme.no_indicators')]
    """
    findings = goal_findings(eng) + alignment_findings(eng) + scheme_findings(eng)
    try:
        from toolkit.checks.compliance import compliance_findings
    except ImportError:  # the compliance rules ship with the documents module
        pass
    else:
        findings += compliance_findings(eng)
    if get_language() == "en":  # what an English document has to keep in Chinese
        from toolkit.model.localise import untranslated

        findings += [Finding("info", "lang.untranslated", where, t("lang.untranslated", text=text),
                             t("lang.untranslated.hint", field=where.rsplit(".", 1)[-1]))
                     for where, text in untranslated(eng)]
    unknown = [f for f in findings if f.severity not in ("error", "warning", "info")]
    assert not unknown
    load_catalogue()  # noqa: the catalogue is valid if we got here
    return findings


def exit_code(findings: list[Finding]) -> int:
    """0 clean, 1 warnings only, 2 errors (the ``appraisal check`` contract).

    Scripts and CI can then tell "fix before delivery" from "worth a look" without parsing the messages.

    Examples
    --------
    >>> from toolkit.model.errors import Finding
    >>> warn, err = Finding("warning", "w", "roles[0]", "…"), Finding("error", "e", "roles[1]", "…")
    >>> exit_code([]), exit_code([warn]), exit_code([warn, err])
    (0, 1, 2)
    """
    if any(f.severity == "error" for f in findings):
        return 2
    if any(f.severity == "warning" for f in findings):
        return 1
    return 0
