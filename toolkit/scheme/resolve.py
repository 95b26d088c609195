"""The fully resolved scheme: an engagement plus its catalogue entries, weights and scoring rules.

Every downstream part (scoring, documents, forms, notebooks, workshop) reads this one object, so that a weight or
a rule is decided in exactly one place: role-level settings win over presets, presets over catalogue defaults;
AHP roles take their weights from :mod:`toolkit.weights.hierarchy`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from toolkit.model.catalogue import indicator_name, load_catalogue, load_presets
from toolkit.model.indicators import Indicator, PresetIndicator
from toolkit.model.messages import get_language
from toolkit.model.schema import Engagement, Role, RoleIndicator
from toolkit.scheme.rulebook import Rulebook, rulebook

__all__ = ["ResolvedIndicator", "RoleScheme", "Scheme", "resolve_role", "resolve_scheme"]


@dataclass(frozen=True)
class ResolvedIndicator:
    """One indicator of one role, with every setting decided."""

    id: str
    indicator: Indicator
    weight: float  # percent of the role's total, whole numbers for AHP roles
    threshold: float | None
    target: float | None
    stretch: float | None
    rule: Any  # one of the model's scoring rules
    cycle: str
    goal: str | None
    basic: bool
    evaluator: str | None

    @property
    def quantitative(self) -> bool:
        return self.indicator.quantitative

    @property
    def direction(self) -> str:
        return self.indicator.direction

    def name(self, lang: str | None = None) -> str:
        return indicator_name(self.indicator, lang)


@dataclass
class RoleScheme:
    role: Role
    indicators: list[ResolvedIndicator]
    band: tuple[float, float] | None
    weights_method: str
    ahp: Any = None  # the weights engine's result for AHP roles

    @property
    def consistency(self) -> tuple[float, bool] | None:
        """(CR, consistent) of the role's AHP judgments (the group aggregate for several participants)."""
        if self.ahp is None:
            return None
        res = getattr(self.ahp, "ahp", self.ahp)
        res = getattr(res, "aggregate", res)
        cr, ok = getattr(res, "cr", None), getattr(res, "consistent", None)
        return None if cr is None else (float(cr), bool(ok))

    @property
    def quant_share(self) -> float:
        total = sum(i.weight for i in self.indicators) or 1.0
        return sum(i.weight for i in self.indicators if i.quantitative) / total

    def table(self, lang: str | None = None) -> pd.DataFrame:
        """The role's indicator table as used on forms and in the document."""
        lang = lang or get_language()
        return pd.DataFrame([{
            "id": i.id,
            "name": i.name(lang),
            "category": i.indicator.category,
            "quantitative": i.quantitative,
            "weight": i.weight,
            "unit": i.indicator.unit,
            "direction": i.direction,
            "threshold": i.threshold,
            "target": i.target,
            "stretch": i.stretch,
            "rule": i.rule.type,
            "cycle": i.cycle,
            "goal": i.goal,
        } for i in self.indicators])


@dataclass
class Scheme:
    engagement: Engagement
    roles: list[RoleScheme] = field(default_factory=list)

    @property
    def rules(self) -> Rulebook:
        """The rulebook the engine executes and the document words (missing values, cycles, grades, pay)."""
        return rulebook(self.engagement)

    def role(self, role_id: str) -> RoleScheme:
        for r in self.roles:
            if r.role.id == role_id:
                return r
        raise KeyError(role_id)


def role_band(role: Role) -> tuple[float, float] | None:
    if role.quant_share:
        return role.quant_share
    preset = load_presets().get(role.preset or role.id)
    return preset.quant_share if preset else None


def resolve_role(eng: Engagement, role: Role) -> RoleScheme:
    """Decide every setting of one role's indicators (weights from AHP when the role uses it).

    Role settings win over the preset, the preset over the catalogue, so that scoring, forms and documents
    read one decided value instead of each repeating the fallbacks.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    >>> rs = resolve_role(eng, eng.roles[3])
    >>> rs.role.id, rs.weights_method, [i.weight for i in rs.indicators]
    ('market_research', 'ahp', [17.0, 25.0, 13.0, 21.0, 24.0])
    >>> i = resolve_role(eng, eng.roles[0]).indicators[1]
    >>> i.id, (i.threshold, i.target, i.stretch), i.rule.type, i.cycle
    ('marketing_sourced_pipeline', (28.0, 32.0, 35.0), 'linear', 'quarterly')
    """
    cat = load_catalogue()
    preset = load_presets().get(role.preset or "")
    preset_anchors = {pi.id: pi for pi in preset.indicators} if preset else {}
    ahp_result = None
    weights: dict[str, float] = {ri.id: float(ri.weight) for ri in role.indicators if ri.weight is not None}
    method = role.weighting.method
    if method == "ahp" and role.weighting.judgments:
        from toolkit.weights.hierarchy import role_weights

        ahp_result = role_weights(role, cat)
        weights = {str(k): float(v) for k, v in _weights_mapping(ahp_result).items()}
    resolved = []
    for ri in role.indicators:
        ind = cat[ri.id]
        pa = preset_anchors.get(ri.id)

        def pick(name: str, ri: RoleIndicator = ri, pa: PresetIndicator | None = pa) -> float | None:
            v = getattr(ri, name)
            return v if v is not None else (getattr(pa, name) if pa is not None else None)

        resolved.append(ResolvedIndicator(
            id=ri.id, indicator=ind, weight=weights.get(ri.id, 0.0),
            threshold=pick("threshold"), target=pick("target"), stretch=pick("stretch"),
            rule=ri.rule or ind.rule,
            # a lagging survey metric keeps its own (half-year/annual) cycle unless the role says otherwise
            cycle=ri.cycle or (ind.default_cycle if ind.lagging else None) or role.cycle or eng.cycles.default,
            goal=ri.goal, basic=ri.basic, evaluator=ri.evaluator,
        ))
    return RoleScheme(role=role, indicators=resolved, band=role_band(role), weights_method=method, ahp=ahp_result)


def _weights_mapping(result: Any) -> dict[str, float]:
    """Whole-percent weights from the hierarchy engine's result, whatever its exact shape."""
    for attr in ("percent", "weights_percent", "final"):
        v = getattr(result, attr, None)
        if v is not None:
            return dict(v.items()) if hasattr(v, "items") else dict(v)
    table = getattr(result, "table", None)
    if isinstance(table, pd.DataFrame):
        for col in ("percent", "weight_pct", "weight"):
            if col in table.columns:
                idx = table["id"] if "id" in table.columns else table.index
                return dict(zip(idx, table[col]))
    raise TypeError(f"cannot read weights from {type(result).__name__}")


def resolve_scheme(eng: Engagement) -> Scheme:
    """Resolve every role of the engagement.

    The one object every downstream part reads, so that a weight or a rule is decided in exactly one place.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> scheme = resolve_scheme(load_engagement(samples_dir() / "midsize_company" / "engagement.yaml"))
    >>> len(scheme.roles), scheme.roles[0].role.id, sum(i.weight for i in scheme.role("brand").indicators)
    (8, 'marketing_manager', 100.0)
    >>> [i.cycle for i in scheme.role("brand").indicators]   # per indicator, else the engagement's default
    ['half_year', 'quarterly', 'monthly', 'monthly', 'half_year']
    """
    return Scheme(engagement=eng, roles=[resolve_role(eng, r) for r in eng.roles])
