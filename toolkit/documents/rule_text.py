"""The rulebook in words: one sentence per rule of :class:`toolkit.scheme.rulebook.Rulebook`.

The scheme document prints exactly these sentences, so what the client reads is what the engine does; the
literal-reading test (``tests/test_rulebook_literal.py``) recomputes totals, grades and pay from them.

Examples
--------
>>> from toolkit.model.engagement import load_engagement
>>> from toolkit.model.paths import samples_dir
>>> from toolkit.scheme.rulebook import rulebook
>>> rb = rulebook(load_engagement(samples_dir() / "midsize_company" / "engagement.yaml"))
>>> rule_sentences(rb, "zh")["annual"]
'年度得分为当年已评分各考核期综合得分的算术平均值；未评分的考核期不计入。'
"""
from __future__ import annotations

from toolkit.documents.wording import fmt_num, pct_text
from toolkit.model.messages import messages, t
from toolkit.scheme.rulebook import Rulebook

__all__ = ["rater_rows", "rule_sentences"]

_CYCLE_KEY = {"monthly": "doc.cycle.monthly", "quarterly": "doc.cycle.quarterly", "half_year": "doc.cycle.half_year",
              "annual": "doc.cycle.annual", "per_event": "doc.cycle.per_event"}


def _cycle(c: str, lang: str) -> str:
    return t(_CYCLE_KEY.get(c, c), lang)


def _approver(rb: Rulebook, lang: str) -> str:
    """Who approves the results, as the organisation chapter names them: the committee, or the small company's
    leaders (甲、乙和丙 / the General Manager, the Marketing Manager and …)."""
    if not rb.approvers:
        return t("rule.approver.committee", lang)
    titles = {v.get("en", "") for k, v in messages().items() if k.startswith("title.")}
    names = [f"the {m}" if lang == "en" and m in titles and not m[:1].islower() else m for m in rb.approvers]
    if len(names) < 2:
        return "".join(names)
    return ("、" if lang == "zh" else ", ").join(names[:-1]) + ("和" if lang == "zh" else " and ") + names[-1]


def rule_sentences(rb: Rulebook, lang: str = "zh") -> dict[str, str]:
    """Every rule sentence by name: period, other_cycles, events (按项目), total, missing, bonus, veto, annual, grades,
    distribution, form_grade, pay (and budget when a pool is only a budget)."""
    sep = "、" if lang == "zh" else ", "
    cycles = sorted({r.cycle for r in rb.roles.values()}, key=list(_CYCLE_KEY).index)
    out = {
        "period": t("rule.period", lang, cycles=sep.join(_cycle(c, lang) for c in cycles)),
        "other_cycles": t("rule.other_cycles", lang),
        "events": t("rule.events", lang),
        "total": t("rule.total", lang),
        "missing": t(f"rule.missing.{rb.missing}", lang),
        "bonus": t("rule.bonus", lang),
        "veto": t("rule.veto", lang),
        "grades": t("rule.grades", lang),
        "form_grade": t("rule.form_grade", lang),
    }
    if rb.annual == "weighted" and rb.annual_weights:
        parts = " + ".join(t("rule.annual.part", lang, cycle=_cycle(c, lang), share=pct_text(w * 100))
                           for c, w in rb.annual_weights.items())
        out["annual"] = t("rule.annual.weighted", lang, parts=parts)
    else:
        out["annual"] = t("rule.annual.mean", lang)
    d = rb.distribution
    if d.mode == "forced":
        out["distribution"] = t("rule.dist.forced", lang, level=t(f"rule.dist.level.{d.level}", lang),
                                score=t(f"rule.dist.score.{d.level}", lang), min=d.min_group_size)
    else:
        out["distribution"] = t(f"rule.dist.{d.mode}", lang)
    pay = rb.pay
    # an amount of money: the Chinese sentence writes "{pool} 元" itself, the English one needs the currency
    money = (lambda x: fmt_num(x, lang=lang)) if lang == "zh" else (lambda x: fmt_num(x, "元", lang=lang))
    if pay.rule == "coefficient":
        out["pay"] = t(f"rule.pay.coefficient.{pay.grade}", lang)
        if pay.pool:
            out["budget"] = t("rule.pay.budget", lang, pool=money(pay.pool), approver=_approver(rb, lang))
    elif pay.rule == "pool":
        out["pay"] = t("rule.pay.pool", lang, pool=money(pay.pool) if pay.pool else "—")
    else:
        out["pay"] = t("rule.pay.none", lang)
    out["raters"] = t("rule.raters", lang)
    return out


def rater_rows(rb: Rulebook, role_names: dict[str, str], lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """The rater-weight table: one column per rater group, one row per set of roles that share their weights."""
    kinds: list[str] = []
    for rr in rb.roles.values():
        kinds += [r.kind for r in rr.raters if r.kind not in kinds]
    sets: dict[tuple[float, ...], list[str]] = {}
    for rid, rr in rb.roles.items():
        weights = {r.kind: r.weight for r in rr.raters}
        sets.setdefault(tuple(weights.get(k, 0.0) for k in kinds), []).append(role_names.get(rid, rid))
    head = [t("rule.raters.col.roles", lang)] + [t(f"doc.rater.{k}", lang) for k in kinds]
    sep = "、" if lang == "zh" else ", "
    rows = [[sep.join(names)] + [pct_text(w * 100) if w else "—" for w in ws] for ws, names in sets.items()]
    return head, rows
