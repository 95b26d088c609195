"""Schemas of one client engagement: client, strategy, goals, roles, cycles, raters, grades and the rest (pydantic).

Sections an engagement leaves out are filled from the company-size profile of :mod:`toolkit.model.catalogue`;
loading and saving live in :mod:`toolkit.model.engagement`.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from toolkit.model.indicators import Cycle, Method, RaterKind, RoleType, ScoringRule, Size, Slug, StrictModel

__all__ = [
    "Appeal",
    "Client",
    "Cycles",
    "Distribution",
    "Employee",
    "Engagement",
    "Feedback",
    "Goal",
    "Governance",
    "Grade",
    "Judgment",
    "JudgmentAudit",
    "Participant",
    "RaterGroup",
    "ResultUse",
    "Role",
    "RoleIndicator",
    "ScoringPolicy",
    "StrategyItem",
    "Weighting",
]


# --------------------------------------------------------------------------------------------- engagement
class Client(StrictModel):
    name: str = Field(..., min_length=1)
    name_en: str = Field("", description="the name in English documents (empty: the name as written)")
    industry: str = ""
    size: Size
    marketing_headcount: int = Field(..., ge=1, le=1_000_000)
    region: str = ""


class StrategyItem(StrictModel):
    id: Slug
    text: str = Field(..., min_length=2)
    text_en: str = ""


class Goal(StrictModel):
    """A department goal. The structured fields make it measurable; ``text`` is how the client said it."""

    id: Slug
    text: str = Field(..., min_length=2)
    text_en: str = Field("", description="the goal in English documents")
    metric_en: str = ""
    owner_en: str = ""
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
                from toolkit.model.messages import t

                raise ValueError(t("ahp.zero", value=s))
            return a / b
        try:
            return float(s)
        except ValueError:
            from toolkit.model.messages import t

            raise ValueError(t("ahp.model_not_number", value=s)) from None
    return float(v)


class Judgment(StrictModel):
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
            from toolkit.model.messages import t

            raise ValueError(t("ahp.out_of_scale", value=v))
        return x


class Participant(StrictModel):
    name: str = Field(..., min_length=1)
    weight: float = Field(1.0, gt=0)
    title: str = ""


class JudgmentAudit(StrictModel):
    """One judgment change a consultant accepted (see :func:`toolkit.weights.diagnosis.accept_change`)."""

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


class Weighting(StrictModel):
    """How a role's weights were set: by hand, or by AHP over the role's indicators."""

    method: Literal["direct", "ahp"] = "direct"
    participants: list[Participant] = Field(default_factory=list)
    judgments: list[Judgment] = Field(default_factory=list)
    aggregation: Literal["aij", "aip"] = "aij"
    band: Literal["enforce", "advise"] | None = Field(
        None, description="quantitative share band vs AHP weights: enforce (move the weights into the band), "
                          "advise (keep the AHP weights, report the band); unset = enforce, with a check warning")
    audit: list[JudgmentAudit] = Field(default_factory=list, description="accepted judgment changes, oldest first")


class RoleIndicator(StrictModel):
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


class Role(StrictModel):
    id: Slug
    name: str = Field(..., min_length=1)
    name_en: str = ""
    preset: Slug | None = None
    role_type: RoleType
    headcount: int = Field(1, ge=1, le=1_000_000)
    quant_share: tuple[float, float] | None = None
    cycle: Cycle | None = None
    indicators: list[RoleIndicator] = Field(default_factory=list)
    weighting: Weighting = Field(default_factory=Weighting)
    raters: list[RaterGroup] | None = Field(None, description="360 rater weights for this role (else engagement's)")


class Cycles(StrictModel):
    default: Cycle = "monthly"
    annual: Literal["mean", "weighted"] = "mean"
    annual_weights: dict[str, float] = Field(default_factory=dict, description="e.g. {quarterly: 0.3, annual: 0.7}")
    submit_day: int = Field(5, ge=1, le=28, description="results due by this day of the next period")
    review_day: int = Field(10, ge=1, le=28)
    interview_day: int = Field(17, ge=1, le=28)


class RaterGroup(StrictModel):
    kind: RaterKind
    weight: float = Field(..., gt=0, le=1)


class Grade(StrictModel):
    code: str = Field(..., min_length=1, max_length=3)
    name_zh: str
    name_en: str
    min_score: float


class Distribution(StrictModel):
    """Grade shares. A key names one grade (``A``) or a bin of adjacent grades (``S+A``): a bin's places go to
    the best-ranked people, and inside a bin each keeps the grade of their score band, clamped to the bin."""

    mode: Literal["none", "guideline", "forced"] = "none"
    shares: dict[str, float] = Field(default_factory=dict)
    min_group_size: int = Field(25, ge=2)
    level: Literal["annual", "period"] = Field("annual", description="forced distribution of the annual grade "
                                               "or of each period's grade")

    @model_validator(mode="after")
    def _shares(self) -> Distribution:
        if self.mode != "none" and self.shares and abs(sum(self.shares.values()) - 1) > 1e-6:
            raise ValueError(f"distribution shares sum to {sum(self.shares.values()):.3f}, not 1")
        return self


class ResultUse(StrictModel):
    bonus_coefficients: dict[str, float] = Field(default_factory=dict)
    merit_matrix: dict[str, list[float]] = Field(default_factory=dict,
                                                 description="grade -> raise % per compa-ratio band")
    compa_bands: list[float] = Field(default_factory=lambda: [0.9, 1.1],
                                     description="compa-ratio cut points splitting the merit matrix columns")
    bonus_pool: float | None = Field(None, ge=0)
    merit_budget_pct: float | None = Field(None, ge=0)
    pay_rule: Literal["coefficient", "pool", "none"] | None = Field(
        None, description="coefficient: base × grade coefficient; pool: the bonus pool shared pro rata of "
        "base × coefficient; none: no performance pay (non-cash rewards). Unset: coefficient when "
        "bonus_coefficients are given, else none")
    pay_grade: Literal["period", "annual"] = Field("period", description="the grade that sets each period's "
                                                   "performance pay: that period's own, or the annual grade")
    promotion: str = ""
    training: list[str] = Field(default_factory=list)
    non_cash: list[str] = Field(default_factory=list)
    bottom_grade_action: str = ""


class ScoringPolicy(StrictModel):
    """Rules of the total that the indicator rules leave open (each stated in the scheme document)."""

    missing: Literal["renormalise", "zero", "exclude_period"] = Field(
        "renormalise", description="an indicator without a value in a period: left out and the other weights "
        "scaled up (renormalise), scored 0 (zero), or the period is not scored (exclude_period)")


class Feedback(StrictModel):
    interview_within_days: int = Field(5, ge=1)
    pip_months: int = Field(3, ge=1, le=12)
    checkin: Literal["weekly", "biweekly", "monthly"] = "monthly"


class Appeal(StrictModel):
    channel: str = "人力资源部"
    window_days: int | None = Field(7, ge=1)
    decision_days: int = Field(10, ge=1)
    decider: str = "绩效管理委员会"
    second_instance: str = Field("", description="who reviews an appeal decision (e.g. 总经理); empty: none inside "
                                 "the company, labour mediation and arbitration remain")


class Governance(StrictModel):
    committee: list[str] = Field(default_factory=lambda: ["总经理", "分管副总", "人力资源部负责人", "市场部负责人"])
    interpreter: str = Field("人力资源部", description="the HR function: one name used throughout the scheme")
    interpreter_en: str = ""
    committee_en: list[str] = Field(default_factory=list, description="the committee in English documents")
    effective_date: dt.date | None = None
    document_no: str = Field("", description="文件编号 on the cover (empty: a line to fill in)")
    version: str = "V1.0"
    drafted_by: str = ""
    reviewed_by: str = ""
    approved_by: str = ""
    democratic_procedure: bool = True
    democratic_body: str = Field("", description="who discussed the scheme, e.g. 职工代表大会 (empty: still to do)")
    democratic_date: dt.date | None = Field(None, description="when it was discussed (None: still to do)")
    probation_included: bool = False


class Employee(StrictModel):
    id: str = Field(..., min_length=1)
    name: str = Field(..., min_length=1)
    role: Slug
    group: str = "default"
    base_pay: float = Field(0, ge=0, description="performance-pay base per cycle (绩效工资基数)")
    salary: float | None = Field(None, ge=0)
    salary_midpoint: float | None = Field(None, gt=0)


_PROFILE_SECTIONS = ("cycles", "methods", "raters", "distribution", "result_use", "feedback", "appeal")


class Engagement(StrictModel):
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
    scoring: ScoringPolicy = Field(default_factory=ScoringPolicy)
    result_use: ResultUse = Field(default_factory=ResultUse)
    feedback: Feedback = Field(default_factory=Feedback)
    appeal: Appeal = Field(default_factory=Appeal)
    governance: Governance = Field(default_factory=Governance)
    employees: list[Employee] = Field(default_factory=list)
    notes: str = ""
    # English versions of texts the client wrote, by section and field (e.g. result_use.promotion,
    # appeal.channel), for English documents; a text without one is printed as written
    text_en: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fill_from_size_profile(self, info: ValidationInfo) -> Engagement:
        missing = [s for s in _PROFILE_SECTIONS if s not in self.model_fields_set]
        if not missing:
            return self
        profiles = (info.context or {}).get("profiles") if info else None
        if profiles is None:
            from toolkit.model.catalogue import size_profiles

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

    @model_validator(mode="after")
    def _distribution_bins(self) -> Engagement:
        codes = [g.code for g in sorted(self.grades, key=lambda g: -g.min_score)]
        seen: set[str] = set()
        for key in self.distribution.shares:
            if seen & set(key.split("+")):
                raise ValueError(f"distribution.shares: grade {min(seen & set(key.split('+')))} is in two bins")
            seen |= set(key.split("+"))
            parts = key.split("+")
            idx = [codes.index(p) for p in parts if p in codes]
            if len(idx) != len(parts) or idx != list(range(idx[0], idx[0] + len(idx))):
                raise ValueError(f"distribution.shares: {key!r} is not a grade or a bin of adjacent grades "
                                 f"({'/'.join(codes)}), e.g. S+A")
        return self

    def role(self, role_id: str) -> Role:
        for r in self.roles:
            if r.id == role_id:
                return r
        raise KeyError(role_id)


def _validate_field(annotation: Any, value: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(annotation).validate_python(value)
