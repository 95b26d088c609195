"""Schemas of the indicator catalogue, its scoring rules, role presets and company-size profiles (pydantic).

Kept apart from the code that uses them (as pandera keeps schemas apart): engines read these objects and
:mod:`toolkit.model.catalogue` builds them from the YAML under ``templates/catalogue``. No I/O here.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "SLUG",
    "BandRule",
    "BonusRule",
    "Category",
    "Cycle",
    "DeductionRule",
    "Direction",
    "Indicator",
    "LinearRule",
    "Method",
    "PresetIndicator",
    "RaterKind",
    "RatingLevel",
    "RatingRule",
    "RatioRule",
    "RolePreset",
    "RoleType",
    "ScoringRule",
    "Size",
    "SizeProfile",
    "Slug",
    "StepsRule",
    "StrictModel",
    "VetoRule",
]

SLUG = r"^[a-z][a-z0-9_]*$"
Slug = Annotated[str, Field(pattern=SLUG, description="lower-case id: letters, digits, underscore")]

Direction = Literal["higher", "lower", "band"]
Category = Literal["performance", "campaign", "brand", "customer", "cost", "research", "qualitative"]
Cycle = Literal["monthly", "quarterly", "half_year", "annual", "per_event"]
RoleType = Literal["sales", "planning", "research", "brand", "content", "management", "support"]
Size = Literal["small", "medium", "large"]
Method = Literal["kpi", "mbo", "360"]
RaterKind = Literal["supervisor", "self", "peer", "subordinate", "customer"]


class StrictModel(BaseModel):
    """Strict base of every schema: unknown fields are errors, text is stripped, NaN/inf refused."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True,
                              allow_inf_nan=False)


# --------------------------------------------------------------------------------------------- scoring rules
class LinearRule(StrictModel):
    """门槛值 → 60, 目标值 → 100, 挑战值 → 120 (and above), linear between, below threshold → 0.

    The anchors (threshold/target/stretch) come from the role indicator; a lower-is-better indicator mirrors the
    rule (threshold > target > stretch).
    """

    type: Literal["linear"] = "linear"
    score_threshold: float = 60.0
    score_target: float = 100.0
    score_stretch: float = 120.0
    score_below: float = 0.0


class RatioRule(StrictModel):
    """完成比率法: actual / target × 100 (target / actual for lower-is-better), capped and floored."""

    type: Literal["ratio"] = "ratio"
    cap: float = 120.0
    floor: float = 0.0


class BandRule(StrictModel):
    """趋中: full marks within ``tolerance`` (relative) of the target, minus ``points_per_pct`` outside."""

    type: Literal["band"] = "band"
    tolerance: float = Field(0.05, ge=0)
    points_per_pct: float = Field(2.0, ge=0)
    floor: float = 0.0


class StepsRule(StrictModel):
    """分段计分: the score of the highest step whose ``at`` the actual reaches (mirrored for lower-is-better)."""

    type: Literal["steps"] = "steps"
    steps: list[tuple[float, float]] = Field(..., min_length=1, description="(at, score) pairs")
    score_below: float = 0.0
    basis: Literal["actual", "ratio"] = Field(
        "actual", description="'actual': steps in the indicator's unit; 'ratio': steps in % of target")


class DeductionRule(StrictModel):
    """扣分: ``base`` at target, minus ``points`` per ``per`` unit short of target, not below ``floor``."""

    type: Literal["deduction"] = "deduction"
    base: float = 100.0
    points: float = Field(2.0, ge=0)
    per: float = Field(1.0, gt=0)
    relative: bool = True
    floor: float = 0.0
    cap: float = 100.0


class BonusRule(StrictModel):
    """加分: points per unit achieved, up to ``cap``; added to the total, not weighted."""

    type: Literal["bonus"] = "bonus"
    points: float = Field(1.0, ge=0)
    per: float = Field(1.0, gt=0)
    cap: float = Field(5.0, ge=0)


class VetoRule(StrictModel):
    """一票否决: if the actual breaches the limit (e.g. any major compliance incident), the total becomes 0."""

    type: Literal["veto"] = "veto"
    limit: float = 0.0


class RatingRule(StrictModel):
    """Qualitative rating on a behaviour-anchored scale (1..levels), converted to a score.

    With a role target (a level, e.g. 4 of 5) the levels are scored like the linear rule: threshold (default
    target − 1) → ``score_threshold``, target → ``score_target``, stretch (default min(target + 1, levels)) →
    ``score_stretch``, linear between, and below the threshold linear down to ``score_min`` at level 1.
    Without a target, level l scores ``score_max · l / levels`` (1 → 20, 3 → 60, 5 → 100 on 1–5).
    """

    type: Literal["rating"] = "rating"
    levels: int = Field(5, ge=3, le=10)
    score_min: float = Field(0.0, description="score of level 1 when the role sets a target")
    score_max: float = Field(100.0, description="score of the top level when the role sets no target")
    score_threshold: float = 60.0
    score_target: float = 100.0
    score_stretch: float = 120.0


ScoringRule = Annotated[
    LinearRule | RatioRule | BandRule | StepsRule | DeductionRule | BonusRule | VetoRule | RatingRule,
    Field(discriminator="type"),
]


# --------------------------------------------------------------------------------------------- catalogue
class RatingLevel(StrictModel):
    level: int = Field(..., ge=1, le=10)
    label_zh: str
    label_en: str
    anchor_zh: str = Field(..., min_length=4, description="observable behaviour at this level")
    anchor_en: str = Field(..., min_length=4)


class Indicator(StrictModel):
    """One catalogue entry (指标定义卡)."""

    id: Slug
    name_zh: str
    name_en: str
    category: Category
    definition_zh: str
    definition_en: str
    formula_zh: str
    formula_en: str
    unit: str
    direction: Direction
    data_source_zh: str
    data_source_en: str
    quantitative: bool
    typical_roles: list[RoleType] = Field(..., min_length=1)
    default_cycle: Cycle
    rule: ScoringRule
    scale: list[RatingLevel] | None = None
    lagging: bool = Field(False, description="a lagging survey metric: not to be scored monthly")
    allow_negative: bool = Field(False, description="targets may be negative (e.g. NPS)")

    @model_validator(mode="after")
    def _qualitative_has_scale(self) -> Indicator:
        if not self.quantitative:
            if not self.scale or len(self.scale) < 3:
                raise ValueError("a qualitative indicator needs a behaviour-anchored scale of at least 3 levels")
            if self.rule.type != "rating":
                raise ValueError("a qualitative indicator is scored with a 'rating' rule")
        return self


class PresetIndicator(StrictModel):
    id: Slug
    weight: float = Field(..., gt=0, le=100)
    threshold: float | None = None
    target: float | None = None
    stretch: float | None = None


class RolePreset(StrictModel):
    id: Slug
    name_zh: str
    name_en: str
    role_type: RoleType
    description_zh: str = ""
    description_en: str = ""
    quant_share: tuple[float, float] = Field(..., description="band of the quantitative weight share, 0–1")
    indicators: list[PresetIndicator] = Field(..., min_length=3)
    small_indicators: list[Slug] = Field(default_factory=list, description="the 3–5 kept for a small company")

    @field_validator("quant_share")
    @classmethod
    def _band(cls, v: tuple[float, float]) -> tuple[float, float]:
        lo, hi = v
        if not (0 <= lo <= hi <= 1):
            raise ValueError("quant_share must be [low, high] with 0 ≤ low ≤ high ≤ 1")
        return v


class SizeProfile(StrictModel):
    """Defaults for a company size: how rich the scheme is by default."""

    size: Size
    indicators_per_role: tuple[int, int]
    cycles: dict[str, Any]
    methods: list[Method]
    raters: list[dict[str, Any]]
    distribution: dict[str, Any]
    result_use: dict[str, Any]
    feedback: dict[str, Any] = Field(default_factory=dict)
    appeal: dict[str, Any] = Field(default_factory=dict)
    # English versions of the default texts above, by section and field (e.g. result_use.promotion): an
    # English document uses them for sections the engagement leaves to the profile
    text_en: dict[str, Any] = Field(default_factory=dict)


