"""SMART checks on goals and the strategy-alignment check.

A goal such as "提升品牌形象" is not a goal yet: it names no metric, number or date. The check says, per goal, what
is missing (metric, unit, baseline, target, deadline, owner, data source, link to strategy) and refuses a goal
that states no measurable quantity, whatever its verb ("加强品牌建设", "做好客户关系维护工作"), so the workshop can
rewrite it as "华东区域品牌认知度 2027-12-31 前由 15% 提升到 20%" (:mod:`toolkit.checks.goal_rewrite` proposes
such rewrites). Sentences are read by :mod:`toolkit.checks.goal_parser`; a phrase without a year (年底) is read
in the scheme year (:func:`scheme_year`).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from toolkit.checks.goal_parser import normalize, parse
from toolkit.checks.goal_segment import VAGUE_ADVERBS, pos_words
from toolkit.model.errors import Finding, InputError
from toolkit.model.messages import t
from toolkit.model.schema import Engagement, Goal

__all__ = [
    "VAGUE_WORDS",
    "SmartResult",
    "alignment_findings",
    "alignment_matrix",
    "goal_findings",
    "parse_goal_text",
    "scheme_year",
    "smart_check",
]

VAGUE_WORDS = ("提升", "提高", "加强", "增强", "优化", "完善", "改善", "改进", "积极", "努力", "配合", "确保", "尽快",
               "显著", "大幅", "进一步", "争取", "力争", "适当", "有效", "扩大")
_VAGUE_EN = ("improve", "enhance", "strengthen", "optimize", "optimise", "boost", "increase", "better",
             "significantly", "asap", "ensure", "maximize", "maximise")

#: the head of a noun phrase that names a measure (品牌认知度, 线索数, 获客成本) rather than an activity (品牌建设)
_MEASURE_HEAD = re.compile(r"(?:率|度|数|量|额|成本|占比|份额|比例|时长|天数|值|指数|收入|营收|利润|单价|GMV|NPS|ROI|ROAS|CTR|"
                           r"CPC|CPM|CPL|CAC|rate|share|cost|count|number|score|revenue|awareness|NPS)$", re.IGNORECASE)
_VAGUE_POS = ("v", "vd", "d", "ad", "a", "ag", "vg", "vi")


def scheme_year(eng: Engagement | None, year: int | None = None) -> tuple[int | None, str | None]:
    """The year a goal's year-less phrase (年底, 第三季度末) means, and where it came from.

    The engagement's scheme year is the year of ``governance.effective_date`` (the date the 办法 takes effect);
    without an engagement or an effective date, an explicit ``year`` is used; otherwise there is none (the
    clock is never read silently).

    Examples
    --------
    >>> scheme_year(None, 2027)
    (2027, 'argument')
    >>> scheme_year(None)
    (None, None)
    """
    if eng is not None and eng.governance.effective_date is not None:
        return eng.governance.effective_date.year, "engagement"
    if year is not None:
        return int(year), "argument"
    return None, None


@dataclass
class SmartResult:
    """The outcome of a SMART check on one goal: one row per criterion, plus the vague words found."""

    goal_id: str
    text: str
    parsed: dict[str, object]
    items: list[dict[str, object]] = field(default_factory=list)
    vague: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(bool(i["ok"]) for i in self.items) and not self.vague

    @property
    def score(self) -> float:
        """Share of criteria met, 0–1 (vague wording counts as one unmet criterion)."""
        n = len(self.items) + 1
        met = sum(bool(i["ok"]) for i in self.items) + (0 if self.vague else 1)
        return met / n

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.items, columns=["criterion", "field", "ok", "message"])

    def to_dict(self) -> dict[str, object]:
        return {"goal": self.goal_id, "text": self.text, "ok": self.ok, "score": round(self.score, 3),
                "parsed": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.parsed.items()},
                "items": self.items, "vague": self.vague}


def parse_goal_text(text: str, year: int | None = None, today: dt.date | None = None) -> dict[str, object]:
    """Pull metric, unit, baseline, target, change and deadline out of a goal sentence (Chinese or English).

    ``year`` is the scheme year for phrases without one (年底, Q3); ``today`` only anchors 今年/明年 when no
    ``year`` is given, and ``year_source`` in the result then says ``today``. See
    :mod:`toolkit.checks.goal_parser` for everything recognised.

    Examples
    --------
    >>> p = parse_goal_text("华东区域品牌认知度 2027-12-31 前由 15% 提升到 20%")
    >>> p["baseline"], p["target"], p["unit"], str(p["deadline"])
    (15.0, 20.0, '%', '2027-12-31')
    >>> str(parse_goal_text("年底前公众号粉丝增长到10万", year=2027)["deadline"])
    '2027-12-31'
    """
    return parse(text, year=year, today=today)


def _vague_words(text: str, parsed: dict[str, object]) -> list[str]:
    """Why a goal is vague, by meaning: it states no measurable quantity (a date is not one), whatever its verb.

    Returns the verbs, adverbs and adjectives that carry the goal instead of a number (jieba tags them), or the
    goal's noun phrase when there is no such word; an empty list when the text has a quantity.
    """
    if any(k in parsed for k in ("target", "change")):
        return []
    norm = normalize(text)
    found: list[str] = []
    if re.search(r"[\u4e00-\u9fff]", norm):
        for w, flag in pos_words(norm):
            if (flag in _VAGUE_POS or w in VAGUE_WORDS or w in VAGUE_ADVERBS) and len(w) > 1 and w not in found:
                found.append(w)
        found += [w for w in VAGUE_WORDS if w in norm and not any(w in f for f in found)]
    lower = norm.lower()
    found += [w for w in _VAGUE_EN if re.search(rf"\b{w}\b", lower) and w not in found]
    if not found:
        found.append(str(parsed.get("topic") or parsed.get("metric") or norm))
    return found


def smart_check(goal: Goal | str, lang: str | None = None, *, year: int | None = None,
                engagement: Engagement | None = None, today: dt.date | None = None) -> SmartResult:
    """Check one goal against SMART: what is missing, and whether it states a measurable quantity at all.

    Structured fields of a :class:`~toolkit.model.schema.Goal` win over what can be read from its text; a bare string
    is parsed (owner and data source cannot be read from a sentence, so they are reported as missing). A phrase
    without a year (年底) takes the scheme year: the engagement's when given (``governance.effective_date``),
    else ``year``; ``parsed["year_source"]`` says which (``engagement``, ``argument``, ``text`` or ``today``).
    The S criterion needs a metric *and* a quantity: "加强品牌建设" names an activity, not a measure.

    Examples
    --------
    >>> r = smart_check("提升品牌形象", lang="en")
    >>> r.ok, r.vague
    (False, ['提升'])
    >>> smart_check("华东区域品牌认知度 2027-12-31 前由 15% 提升到 20%").parsed["target"]
    20.0
    >>> r = smart_check("年底前公众号粉丝增长到10万", year=2027)
    >>> str(r.parsed["deadline"]), r.parsed["year_source"]
    ('2027-12-31', 'argument')
    """
    if isinstance(goal, str):
        if len(goal.strip()) < 2:
            raise InputError(t("goal.too_short", lang), location="goal", hint=t("goal.too_short.hint", lang))
        goal = Goal(id="goal", text=goal)
    ref_year, ref_source = scheme_year(engagement, year)
    parsed = parse_goal_text(goal.text, year=ref_year, today=today)
    if parsed.get("year_source") == "argument" and ref_source:
        parsed["year_source"] = ref_source
    values: dict[str, object] = {
        "metric": goal.metric or parsed.get("metric"),
        "unit": goal.unit or parsed.get("unit"),
        "baseline": goal.baseline if goal.baseline is not None else parsed.get("baseline"),
        "target": goal.target if goal.target is not None else parsed.get("target"),
        "deadline": goal.deadline or parsed.get("deadline"),
        "owner": goal.owner,
        "data_source": goal.data_source,
        "strategy": goal.strategy or None,
    }
    structured_target = goal.target is not None
    extra = {k: parsed[k] for k in ("topic", "target_high", "comparator", "change", "change_type", "direction",
                                    "target_derived", "deadline_phrase", "year_source", "invalid_date")
             if k in parsed and not (structured_target and k in ("change", "change_type", "target_derived",
                                                                 "target_high", "comparator"))}
    criteria = {"metric": "S", "unit": "M", "baseline": "A", "target": "M", "deadline": "T", "owner": "S",
                "data_source": "M", "strategy": "R"}
    items = []
    quantity = values["target"] is not None or "change" in extra
    for fld, crit in criteria.items():
        v = values[fld]
        ok = v is not None and v != ""
        msg = t(f"goal.ok.{fld}", lang, value=_fmt(v)) if ok else t(f"goal.missing.{fld}", lang)
        if fld == "metric":
            if ok and not quantity:
                ok, msg = False, t("goal.missing.quantity", lang, value=_fmt(v))
            elif not ok and extra.get("topic"):
                measure = _MEASURE_HEAD.search(str(extra["topic"]))
                msg = t("goal.missing.quantity" if measure else "goal.not_measurable", lang, value=extra["topic"])
        if fld == "target" and ok:
            msg = _target_message(values, extra, lang)
        if fld == "target" and not ok and "change" in extra:
            ok, msg = True, _target_message(values, extra, lang)
        if fld == "deadline" and isinstance(v, str):  # a phrase like 年底 with no year to read it in
            ok, msg = False, t("goal.vague_deadline", lang, value=v) + t("goal.deadline.no_year", lang)
        elif fld == "deadline" and ok and extra.get("year_source") in ("engagement", "argument", "today"):
            msg += t(f"goal.deadline.from_{extra['year_source']}", lang, phrase=extra.get("deadline_phrase", ""),
                     year=ref_year if ref_year is not None else (today or dt.date.today()).year)
        if fld == "deadline" and v is None and parsed.get("invalid_date"):
            msg = t("goal.invalid_date", lang, value=parsed["invalid_date"])
        items.append({"criterion": crit, "field": fld, "ok": ok, "message": msg})
    kept = {k: v for k, v in values.items() if v is not None}
    kept.update(extra)
    return SmartResult(goal.id, goal.text, kept, items, _vague_words(goal.text, parsed))


def _target_message(values: dict[str, object], extra: dict[str, object], lang: str | None) -> str:
    unit = str(values.get("unit") or "")
    if extra.get("comparator") == "between" and "target_high" in extra:
        return t("goal.ok.target_range", lang, low=_fmt(values["target"]), high=_fmt(extra["target_high"]), unit=unit)
    if "change" in extra and (values.get("target") is None or extra.get("target_derived")):
        kind = str(extra.get("change_type") or "absolute")
        key = "goal.ok.change_" + ("down" if extra.get("direction") == "down" else "up")
        text = t(key, lang, value=_fmt(extra["change"]), kind=t(f"goal.change.{kind}", lang),
                 unit="" if kind in ("relative", "points") else unit)
        if values.get("target") is not None:
            text += t("goal.ok.target_derived", lang, value=_fmt(values["target"]), unit=unit)
        return text
    sign = {">=": "≥ ", "<=": "≤ "}.get(str(extra.get("comparator") or ""), "")
    return t("goal.ok.target", lang, value=sign + _fmt(values["target"]))


def _fmt(v: object) -> str:
    if isinstance(v, list):
        return ", ".join(map(str, v))
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def goal_findings(eng: Engagement, today: dt.date | None = None) -> list[Finding]:
    """SMART findings for every goal of an engagement (warnings: the file is valid, the goal is weak).

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> eng = load_engagement(samples_dir() / "small_company" / "engagement.yaml")
    >>> goal_findings(eng)
    []
    >>> weak = eng.model_copy(update={"goals": [eng.goals[0].model_copy(update={
    ...     "text": "加强品牌建设", "metric": None, "target": None, "baseline": None, "unit": None})]})
    >>> [f.code for f in goal_findings(weak)]
    ['goal.not_smart', 'goal.vague']
    """
    today = today or dt.date.today()
    out = []
    for i, g in enumerate(eng.goals):
        r = smart_check(g, engagement=eng)
        missing = [str(it["field"]) for it in r.items if not it["ok"] and it["field"] != "strategy"]
        if missing:
            out.append(Finding("warning", "goal.not_smart", f"goals[{i}] ({g.id})",
                               t("goal.finding.missing", fields=", ".join(t(f"goal.field.{m}") for m in missing)),
                               t("goal.finding.missing.hint")))
        if r.vague:
            out.append(Finding("warning", "goal.vague", f"goals[{i}] ({g.id})",
                               t("goal.finding.vague", words="、".join(r.vague)), t("goal.finding.vague.hint")))
        if isinstance(g.deadline, dt.date) and g.deadline < today:
            out.append(Finding("warning", "goal.deadline_past", f"goals[{i}].deadline ({g.id})",
                               t("goal.finding.past", date=g.deadline.isoformat()), t("goal.finding.past.hint")))
    return out


def alignment_findings(eng: Engagement) -> list[Finding]:
    """Every goal serves a strategy item, every strategy item has a goal, every indicator traces to a goal.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> eng = load_engagement(samples_dir() / "small_company" / "engagement.yaml")
    >>> alignment_findings(eng)
    []
    >>> loose = eng.model_copy(update={"goals": [g.model_copy(update={"strategy": []}) for g in eng.goals]})
    >>> sorted({f.code for f in alignment_findings(loose)})
    ['align.goal_without_strategy', 'align.strategy_without_goal']
    """
    out = []
    served = {s for g in eng.goals for s in g.strategy}
    for i, g in enumerate(eng.goals):
        if not g.strategy:
            out.append(Finding("warning", "align.goal_without_strategy", f"goals[{i}] ({g.id})",
                               t("align.goal_without_strategy"), t("align.goal_without_strategy.hint")))
    for i, s in enumerate(eng.strategy):
        if s.id not in served:
            out.append(Finding("warning", "align.strategy_without_goal", f"strategy[{i}] ({s.id})",
                               t("align.strategy_without_goal", text=s.text), t("align.strategy_without_goal.hint")))
    if not eng.strategy:
        out.append(Finding("warning", "align.no_strategy", "strategy", t("align.no_strategy"),
                           t("align.no_strategy.hint")))
    if not eng.goals:
        out.append(Finding("warning", "align.no_goals", "goals", t("align.no_goals"), t("align.no_goals.hint")))
    for ri, role in enumerate(eng.roles):
        for ii, ind in enumerate(role.indicators):
            if not ind.goal and not ind.basic:
                out.append(Finding("warning", "align.indicator_untraced", f"roles[{ri}].indicators[{ii}] ({ind.id})",
                                   t("align.indicator_untraced", role=role.name), t("align.indicator_untraced.hint")))
    return out


def alignment_matrix(eng: Engagement) -> pd.DataFrame:
    """Goals × roles: which role indicators serve which goal (a cell lists the indicators' names).

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> m = alignment_matrix(load_engagement(samples_dir() / "small_company" / "engagement.yaml"))
    >>> m.shape, list(m.columns)[0]
    ((4, 3), '广告投放专员')
    """
    from toolkit.model.catalogue import indicator_name, load_catalogue

    cat = load_catalogue()
    cols = {r.id: r.name for r in eng.roles}
    data = {g.id: {r.name: "" for r in eng.roles} for g in eng.goals}
    for r in eng.roles:
        for ind in r.indicators:
            if ind.goal in data:
                name = indicator_name(cat[ind.id]) if ind.id in cat else ind.id
                cell = data[ind.goal][cols[r.id]]
                data[ind.goal][cols[r.id]] = f"{cell}、{name}" if cell else name
    frame = pd.DataFrame.from_dict(data, orient="index", columns=list(cols.values()))
    frame.index = [f"{g.id} {g.text}" for g in eng.goals]
    return frame
