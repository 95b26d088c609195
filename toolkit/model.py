"""Schemas of the engagement, the indicator catalogue, role presets and scoring rules (pydantic).

Kept apart from the code that uses them (as pandera keeps schemas apart): engines read these objects, loaders in
:mod:`toolkit.engagement` and :mod:`toolkit.catalogue` build them from YAML. Nothing here does I/O except the
lazy look-up of the company-size profiles used to fill sections an engagement leaves out.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

__all__ = [
    "SLUG",
    "Appeal",
    "BandRule",
    "BonusRule",
    "Category",
    "Client",
    "Cycle",
    "Cycles",
    "DeductionRule",
    "Direction",
    "Distribution",
    "Employee",
    "Engagement",
    "Feedback",
    "Goal",
    "Governance",
    "Grade",
    "Indicator",
    "Judgment",
    "JudgmentAudit",
    "LinearRule",
    "Method",
    "Participant",
    "PresetIndicator",
    "RaterGroup",
    "RatingLevel",
    "RatingRule",
    "RatioRule",
    "ResultUse",
    "Role",
    "RoleIndicator",
    "RolePreset",
    "RoleType",
    "ScoringRule",
    "Size",
    "SizeProfile",
    "StepsRule",
    "StrategyItem",
    "VetoRule",
    "Weighting",
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


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True,
                              allow_inf_nan=False)


# --------------------------------------------------------------------------------------------- scoring rules
class LinearRule(_Base):
    """门槛值 → 60, 目标值 → 100, 挑战值 → 120 (and above), linear between, below threshold → 0.

    The anchors (threshold/target/stretch) come from the role indicator; a lower-is-better indicator mirrors the
    rule (threshold > target > stretch).
    """

    type: Literal["linear"] = "linear"
    score_threshold: float = 60.0
    score_target: float = 100.0
    score_stretch: float = 120.0
    score_below: float = 0.0


class RatioRule(_Base):
    """完成比率法: actual / target × 100 (target / actual for lower-is-better), capped and floored."""

    type: Literal["ratio"] = "ratio"
    cap: float = 120.0
    floor: float = 0.0


class BandRule(_Base):
    """趋中: full marks within ``tolerance`` (relative) of the target, minus ``points_per_pct`` outside."""

    type: Literal["band"] = "band"
    tolerance: float = Field(0.05, ge=0)
    points_per_pct: float = Field(2.0, ge=0)
    floor: float = 0.0


class StepsRule(_Base):
    """分段计分: the score of the highest step whose ``at`` the actual reaches (mirrored for lower-is-better)."""

    type: Literal["steps"] = "steps"
    steps: list[tuple[float, float]] = Field(..., min_length=1, description="(at, score) pairs")
    score_below: float = 0.0
    basis: Literal["actual", "ratio"] = Field(
        "actual", description="'actual': steps in the indicator's unit; 'ratio': steps in % of target")


class DeductionRule(_Base):
    """扣分: ``base`` at target, minus ``points`` per ``per`` unit short of target, not below ``floor``."""

    type: Literal["deduction"] = "deduction"
    base: float = 100.0
    points: float = Field(2.0, ge=0)
    per: float = Field(1.0, gt=0)
    relative: bool = True
    floor: float = 0.0
    cap: float = 100.0


class BonusRule(_Base):
    """加分: points per unit achieved, up to ``cap``; added to the total, not weighted."""

    type: Literal["bonus"] = "bonus"
    points: float = Field(1.0, ge=0)
    per: float = Field(1.0, gt=0)
    cap: float = Field(5.0, ge=0)


class VetoRule(_Base):
    """一票否决: if the actual breaches the limit (e.g. any major compliance incident), the total becomes 0."""

    type: Literal["veto"] = "veto"
    limit: float = 0.0


class RatingRule(_Base):
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
class RatingLevel(_Base):
    level: int = Field(..., ge=1, le=10)
    label_zh: str
    label_en: str
    anchor_zh: str = Field(..., min_length=4, description="observable behaviour at this level")
    anchor_en: str = Field(..., min_length=4)


class Indicator(_Base):
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


class PresetIndicator(_Base):
    id: Slug
    weight: float = Field(..., gt=0, le=100)
    threshold: float | None = None
    target: float | None = None
    stretch: float | None = None


class RolePreset(_Base):
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


class SizeProfile(_Base):
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


# --------------------------------------------------------------------------------------------- engagement
class Client(_Base):
    name: str = Field(..., min_length=1)
    industry: str = ""
    size: Size
    marketing_headcount: int = Field(..., ge=1, le=1_000_000)
    region: str = ""


class StrategyItem(_Base):
    id: Slug
    text: str = Field(..., min_length=2)


class Goal(_Base):
    """A department goal. The structured fields make it measurable; ``text`` is how the client said it."""

    id: Slug
    text: str = Field(..., min_length=2)
    strategy: list[Slug] = Field(default_factory=list, description="ids of the strategy items it serves")
    metric: str | None = None
    unit: str | None = None
    baseline: float | None = None
    target: float | None = None
    deadline: dt.date | None = None
    owner: str | None = None
    data_source: str | None = None


def _parse_judgment_value(v: Any) -> float:
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r"\d+(\.\d+)?\s*/\s*\d+(\.\d+)?", s):
            a, b = (float(x) for x in s.split("/"))
            if b == 0:
                from .i18n import t

                raise ValueError(t("ahp.zero", value=s))
            return a / b
        try:
            return float(s)
        except ValueError:
            from .i18n import t

            raise ValueError(t("ahp.model_not_number", value=s)) from None
    return float(v)


class Judgment(_Base):
    """A pairwise comparison: how much more important ``a`` is than ``b`` (Saaty 1/9 … 9)."""

    a: str
    b: str
    value: float
    participant: str | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, v: Any) -> float:
        x = _parse_judgment_value(v)
        if not (1 / 9 - 1e-9 <= x <= 9 + 1e-9):
            from .i18n import t

            raise ValueError(t("ahp.out_of_scale", value=v))
        return x


class Participant(_Base):
    name: str = Field(..., min_length=1)
    weight: float = Field(1.0, gt=0)
    title: str = ""


class JudgmentAudit(_Base):
    """One judgment change a consultant accepted (see :func:`toolkit.ahp.accept_change`)."""

    a: str
    b: str
    original: float | None = None
    new: float
    who: str = Field(..., min_length=1)
    when: str = Field(..., description="ISO 8601 time of acceptance")
    participant: str = ""
    cr_before: float | None = None
    cr_after: float | None = None
    reason: str = ""


class Weighting(_Base):
    """How a role's weights were set: by hand, or by AHP over the role's indicators."""

    method: Literal["direct", "ahp"] = "direct"
    participants: list[Participant] = Field(default_factory=list)
    judgments: list[Judgment] = Field(default_factory=list)
    aggregation: Literal["aij", "aip"] = "aij"
    audit: list[JudgmentAudit] = Field(default_factory=list, description="accepted judgment changes, oldest first")


class RoleIndicator(_Base):
    id: Slug = Field(..., description="catalogue id")
    weight: float | None = Field(None, ge=0, le=100, description="percent")
    threshold: float | None = None
    target: float | None = None
    stretch: float | None = None
    rule: ScoringRule | None = None
    goal: Slug | None = Field(None, description="the department goal this indicator serves")
    basic: bool = Field(False, description="a role basic (岗位基本职责) not traced to a goal")
    cycle: Cycle | None = None
    evaluator: str | None = None


class Role(_Base):
    id: Slug
    name: str = Field(..., min_length=1)
    preset: Slug | None = None
    role_type: RoleType
    headcount: int = Field(1, ge=1, le=1_000_000)
    quant_share: tuple[float, float] | None = None
    cycle: Cycle | None = None
    indicators: list[RoleIndicator] = Field(default_factory=list)
    weighting: Weighting = Field(default_factory=Weighting)
    raters: list[RaterGroup] | None = Field(None, description="360 rater weights for this role (else engagement's)")


class Cycles(_Base):
    default: Cycle = "monthly"
    annual: Literal["mean", "weighted"] = "mean"
    annual_weights: dict[str, float] = Field(default_factory=dict, description="e.g. {quarterly: 0.3, annual: 0.7}")
    submit_day: int = Field(5, ge=1, le=28, description="results due by this day of the next period")
    review_day: int = Field(10, ge=1, le=28)
    interview_day: int = Field(17, ge=1, le=28)


class RaterGroup(_Base):
    kind: RaterKind
    weight: float = Field(..., gt=0, le=1)


class Grade(_Base):
    code: str = Field(..., min_length=1, max_length=3)
    name_zh: str
    name_en: str
    min_score: float


class Distribution(_Base):
    mode: Literal["none", "guideline", "forced"] = "none"
    shares: dict[str, float] = Field(default_factory=dict)
    min_group_size: int = Field(25, ge=2)

    @model_validator(mode="after")
    def _shares(self) -> Distribution:
        if self.mode != "none" and self.shares and abs(sum(self.shares.values()) - 1) > 1e-6:
            raise ValueError(f"distribution shares sum to {sum(self.shares.values()):.3f}, not 1")
        return self


class ResultUse(_Base):
    bonus_coefficients: dict[str, float] = Field(default_factory=dict)
    merit_matrix: dict[str, list[float]] = Field(default_factory=dict,
                                                 description="grade -> raise % per compa-ratio band")
    compa_bands: list[float] = Field(default_factory=lambda: [0.9, 1.1],
                                     description="compa-ratio cut points splitting the merit matrix columns")
    bonus_pool: float | None = Field(None, ge=0)
    merit_budget_pct: float | None = Field(None, ge=0)
    promotion: str = ""
    training: list[str] = Field(default_factory=list)
    non_cash: list[str] = Field(default_factory=list)
    bottom_grade_action: str = ""


class Feedback(_Base):
    interview_within_days: int = Field(5, ge=1)
    pip_months: int = Field(3, ge=1, le=12)
    checkin: Literal["weekly", "biweekly", "monthly"] = "monthly"


class Appeal(_Base):
    channel: str = "人力资源部"
    window_days: int | None = Field(7, ge=1)
    decision_days: int = Field(10, ge=1)
    decider: str = "绩效管理委员会"


class Governance(_Base):
    committee: list[str] = Field(default_factory=lambda: ["总经理", "分管副总", "人力资源部负责人", "市场部负责人"])
    interpreter: str = "人力资源部"
    effective_date: dt.date | None = None
    democratic_procedure: bool = True
    probation_included: bool = False


class Employee(_Base):
    id: str = Field(..., min_length=1)
    name: str = Field(..., min_length=1)
    role: Slug
    group: str = "default"
    base_pay: float = Field(0, ge=0, description="performance-pay base per cycle (绩效工资基数)")
    salary: float | None = Field(None, ge=0)
    salary_midpoint: float | None = Field(None, gt=0)


_PROFILE_SECTIONS = ("cycles", "methods", "raters", "distribution", "result_use", "feedback", "appeal")


class Engagement(_Base):
    """One client engagement: who the client is, what they aim for, the roles, and the scheme's choices.

    Sections left out of the file (cycles, methods, raters, distribution, result use, feedback, appeal) are
    filled from the company-size profile and are not written back on save.
    """

    version: int = 1
    client: Client
    strategy: list[StrategyItem] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    roles: list[Role] = Field(..., min_length=1)
    cycles: Cycles = Field(default_factory=Cycles)
    methods: list[Method] = Field(default_factory=lambda: ["kpi"])
    raters: list[RaterGroup] = Field(default_factory=lambda: [RaterGroup(kind="supervisor", weight=1.0)])
    # scores run 0–120 with target = 100: meeting every target is A, going clearly beyond it is S
    grades: list[Grade] = Field(default_factory=lambda: [
        Grade(code="S", name_zh="卓越", name_en="Outstanding", min_score=110),
        Grade(code="A", name_zh="优秀", name_en="Excellent", min_score=100),
        Grade(code="B", name_zh="良好", name_en="Good", min_score=85),
        Grade(code="C", name_zh="待改进", name_en="Needs improvement", min_score=60),
        Grade(code="D", name_zh="不合格", name_en="Unsatisfactory", min_score=0),
    ])
    distribution: Distribution = Field(default_factory=Distribution)
    result_use: ResultUse = Field(default_factory=ResultUse)
    feedback: Feedback = Field(default_factory=Feedback)
    appeal: Appeal = Field(default_factory=Appeal)
    governance: Governance = Field(default_factory=Governance)
    employees: list[Employee] = Field(default_factory=list)
    notes: str = ""

    @model_validator(mode="after")
    def _fill_from_size_profile(self, info: ValidationInfo) -> Engagement:
        missing = [s for s in _PROFILE_SECTIONS if s not in self.model_fields_set]
        if not missing:
            return self
        profiles = (info.context or {}).get("profiles") if info else None
        if profiles is None:
            from .catalogue import size_profiles  # same layer: schema loading

            profiles = size_profiles()
        profile = profiles[self.client.size]
        for section in missing:
            field = type(self).model_fields[section]
            value = getattr(profile, section)
            if not value and section not in ("methods", "raters"):
                continue
            # set without marking as user-set: it is not written back on save
            self.__dict__[section] = _validate_field(field.annotation, value)
        return self

    def role(self, role_id: str) -> Role:
        for r in self.roles:
            if r.id == role_id:
                return r
        raise KeyError(role_id)


def _validate_field(annotation: Any, value: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(annotation).validate_python(value)
