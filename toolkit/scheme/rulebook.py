"""The rulebook: every rule that decides a score, a grade or pay, as one resolved object.

The scoring engine executes exactly this object, the scheme document words its sentences from it
(:mod:`toolkit.documents.rule_text`) and the KPI forms encode it, so the three cannot disagree. Each choice
comes from the engagement, or from its company-size profile when the engagement leaves a section out; none is
implied by code.

Examples
--------
>>> from toolkit.model.engagement import load_engagement
>>> from toolkit.model.paths import samples_dir
>>> rb = rulebook(load_engagement(samples_dir() / "midsize_company" / "engagement.yaml"))
>>> rb.missing, rb.annual, rb.distribution.level, rb.pay.rule, rb.pay.grade
('renormalise', 'mean', 'annual', 'coefficient', 'period')
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from toolkit.model.schema import Engagement

__all__ = ["EVENT_CYCLE", "Bin", "DistributionRule", "PayRule", "RaterRule", "RoleRules", "Rulebook",
           "appraisal_cycle", "rulebook"]

#: 按项目: an indicator scored per event (an opening, a campaign) has no period of its own. Each event's result
#: counts in the period it is reported for — like any value, a result reported for a longer period than the
#: role's counts in each period it covers, several results inside one period are averaged. A period with no
#: event on record does not have the indicator due: that is not missing data (under every missing-value policy
#: the period total runs over the other indicators); an event on record without a result is missing data.
#: A role or a scheme whose own cycle is 按项目 is appraised, and paid, by month — the period a per-event result
#: is entered for on the KPI form. The one meaning the engine (:mod:`toolkit.scoring.totals`), the pay count
#: (:func:`toolkit.scoring.pay.cycles_per_year`), the generator (:mod:`toolkit.scoring.simulate`) and the
#: document (``Rulebook.events``, worded by :mod:`toolkit.documents.rule_text`) share.
EVENT_CYCLE = "per_event"


def appraisal_cycle(cycle: str | None) -> str:
    """The cycle whose periods a role on ``cycle`` is appraised, labelled and paid in (按项目: by month).

    Examples
    --------
    >>> [appraisal_cycle(c) for c in ("per_event", "quarterly", None)]
    ['monthly', 'quarterly', 'monthly']
    """
    return "monthly" if cycle in (EVENT_CYCLE, None) else cycle


@dataclass(frozen=True)
class Bin:
    """Grades that share one forced-distribution share (one grade, or adjacent grades such as S+A)."""

    grades: tuple[str, ...]
    share: float

    @property
    def label(self) -> str:
        return "+".join(self.grades)


@dataclass(frozen=True)
class DistributionRule:
    mode: str                      # none / guideline / forced
    level: str                     # annual / period: which grade the forced distribution sets
    bins: tuple[Bin, ...]          # best grades first
    min_group_size: int


@dataclass(frozen=True)
class PayRule:
    rule: str                      # coefficient / pool / none
    grade: str                     # period / annual: the grade that sets each period's pay
    coefficients: dict[str, float]
    pool: float | None             # yearly bonus pool (pool rule: shared; coefficient rule: a budget to check)


@dataclass(frozen=True)
class RaterRule:
    kind: str
    weight: float                  # share of the rated indicator's score, summing to 1 per role


@dataclass(frozen=True)
class RoleRules:
    role: str
    cycle: str                     # the role's appraisal period: its period totals are per this cycle
    raters: tuple[RaterRule, ...]  # who rates the role's rated (qualitative) indicators, with weights
    own_raters: bool               # the role sets its own raters (else the engagement's apply)


@dataclass(frozen=True)
class Rulebook:
    """The resolved rules. ``other_cycles`` and ``veto`` are fixed rules of this toolkit, stated here so
    that the document words them from the same object the engine reads."""

    missing: str                               # renormalise / zero / exclude_period
    annual: str                                # mean (of period totals) / weighted (by indicator cycle)
    annual_weights: dict[str, float]
    grades: tuple[tuple[str, str, str, float], ...]   # (code, name_zh, name_en, min_score), best first
    distribution: DistributionRule
    pay: PayRule
    roles: dict[str, RoleRules]
    other_cycles: str = "carry"                # a longer-cycle score counts in every period it covers;
    #                                            shorter-cycle scores are averaged within the period
    veto: str = "period_and_year"              # a veto zeroes the period and the year
    rated_scale: str = "levels"                # ratings are scored by the rule's behaviour levels
    events: str = "reported_period"            # 按项目 indicators count in the period their result is reported
    #                                            for; a period without an event on record: not due, not missing
    approvers: tuple[str, ...] = ()            # who approves the results (and settles a budget overrun): the
    #                                            small company's leaders; empty: the 绩效管理委员会
    notes: list[str] = field(default_factory=list)

    def role(self, role_id: str) -> RoleRules:
        return self.roles[role_id]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``appraisal check --json`` and the resolved scheme."""
        return asdict(self)


def _bins(eng: Engagement) -> tuple[Bin, ...]:
    order = [g.code for g in sorted(eng.grades, key=lambda g: -g.min_score)]
    bins = [Bin(tuple(k.split("+")), float(v)) for k, v in eng.distribution.shares.items()]
    return tuple(sorted(bins, key=lambda b: order.index(b.grades[0])))


def rulebook(eng: Engagement) -> Rulebook:
    """Resolve the engagement's rules (after the size-profile defaults are filled in).

    One object that the engine executes, the document words and the forms encode: the three cannot disagree.

    Examples
    --------
    >>> from toolkit.model.schema import Engagement
    >>> eng = Engagement.model_validate({"client": {"name": "甲", "size": "small", "marketing_headcount": 6},
    ...     "roles": [{"id": "r", "name": "专员", "role_type": "content"}]})
    >>> rb = rulebook(eng)   # a small company's profile: no forced distribution, pay by coefficient
    >>> rb.missing, rb.distribution.mode, rb.pay.rule, [g[0] for g in rb.grades]
    ('renormalise', 'none', 'coefficient', ['S', 'A', 'B', 'C', 'D'])
    >>> [(r.kind, r.weight) for r in rb.role("r").raters], rb.role("r").cycle
    ([('supervisor', 0.8), ('self', 0.2)], 'monthly')
    """
    ru = eng.result_use
    pay_rule = ru.pay_rule or ("coefficient" if ru.bonus_coefficients else "none")
    roles = {}
    for role in eng.roles:
        groups = role.raters or eng.raters
        total = sum(g.weight for g in groups) or 1.0
        roles[role.id] = RoleRules(role=role.id, cycle=appraisal_cycle(role.cycle or eng.cycles.default),
                                   raters=tuple(RaterRule(g.kind, g.weight / total) for g in groups),
                                   own_raters=bool(role.raters))
    grades = tuple((g.code, g.name_zh, g.name_en, float(g.min_score))
                   for g in sorted(eng.grades, key=lambda g: -g.min_score))
    d = eng.distribution
    mode = d.mode if d.shares else "none"
    return Rulebook(
        missing=eng.scoring.missing,
        annual=eng.cycles.annual if eng.cycles.annual_weights or eng.cycles.annual == "mean" else "mean",
        annual_weights=dict(eng.cycles.annual_weights) if eng.cycles.annual == "weighted" else {},
        grades=grades,
        distribution=DistributionRule(mode=mode, level=d.level, bins=_bins(eng) if mode != "none" else (),
                                      min_group_size=d.min_group_size),
        pay=PayRule(rule=pay_rule, grade=ru.pay_grade if pay_rule == "coefficient" else "annual",
                    coefficients=dict(ru.bonus_coefficients), pool=ru.bonus_pool),
        roles=roles,
        approvers=tuple(eng.governance.committee) if eng.client.size == "small" else (),
    )
