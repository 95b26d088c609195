"""SMART checks on goals and the strategy-alignment check.

A goal such as "提升品牌形象" is not a goal yet: it names no metric, number or date. The check says, per goal, what
is missing (metric, unit, baseline, target, deadline, owner, data source, link to strategy) and flags vague wording
(提升/加强/优化 … with no number), so the workshop can rewrite it as "华东区域品牌认知度 2027-12-31 前由 15% 提升到
20%".
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

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
    "smart_check",
]

VAGUE_WORDS = ("提升", "提高", "加强", "增强", "优化", "完善", "改善", "改进", "积极", "努力", "配合", "确保", "尽快",
               "显著", "大幅", "进一步", "争取", "力争", "适当", "有效", "扩大")
_VAGUE_EN = ("improve", "enhance", "strengthen", "optimize", "optimise", "boost", "increase", "better",
             "significantly", "asap", "ensure", "maximize", "maximise")

_NUM = r"[-+]?\d+(?:\.\d+)?"
_UNIT = (r"(?:%|％|万元|元|万|个|人次|人|次|篇|倍|天|小时|分|家|条|场|份|场次|pt|points?|yuan|rmb|cny|"
         r"leads?|people|customers?|events?|posts?|hours?|days?)")
_CN_Q = "一二三四"
# (pattern, kind); the first that matches wins. Years may be written or relative (今年/明年/后年).
_REL_YEAR = r"(今年|明年|后年|本年度?)"
_DATE_PATTERNS = (
    (re.compile(r"(\d{4})[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"), "ymd"),
    (re.compile(rf"{_REL_YEAR}\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日"), "rel_ymd"),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:底|末|份)?"), "ym"),
    (re.compile(rf"{_REL_YEAR}\s*(\d{{1,2}})\s*月(?:底|末|份)?"), "rel_ym"),
    (re.compile(r"(\d{4})\s*年?\s*(?:第\s*)?[Qq]\s*([1-4])(?:\s*季度)?(?:末|底)?|(\d{4})\s*年\s*第?\s*([一二三四1-4])\s*季度(?:末|底)?"), "q"),
    (re.compile(r"(?:end\s+of\s+)?[Qq]([1-4])\s+(\d{4})", re.IGNORECASE), "q_en"),
    (re.compile(r"(\d{4})\s*年\s*(?:底|末|年底|年末|全年)"), "y_end"),
    (re.compile(rf"{_REL_YEAR}\s*(?:年底|年末|底|末)"), "rel_y_end"),
    (re.compile(r"(?:by|before|until)\s+(?:the\s+)?end\s+of\s+(\d{4})", re.IGNORECASE), "y_end"),
    (re.compile(r"(?:by|before|until)\s+(\d{4})-(\d{1,2})-(\d{1,2})", re.IGNORECASE), "ymd"),
    (re.compile(r"(本月|本季度|本年度|今年|年底|年末|季度末|月底|上半年|下半年|本财年|[Qq][1-4]|第[一二三四]季度)"), "relative"),
)
_FROM_TO = re.compile(rf"(?:由|从|from)\s*({_NUM})\s*({_UNIT})?\s*(?:提升|提高|增长|增加|降低|下降|减少|降|升|增|to|up to|down to|→|->)*\s*(?:到|至|为|to)\s*({_NUM})\s*({_UNIT})?", re.IGNORECASE)
_TARGET = re.compile(rf"(?:达到|达|提升到|提高到|增长到|增加到|降低到|降到|降至|提升至|提高至|控制在|完成|不低于|不少于|不高于|不超过|≥|≤|>=|<=|at least|at most|reach(?:es)?|to)\s*({_NUM})\s*({_UNIT})?", re.IGNORECASE)
_ANY_NUM_UNIT = re.compile(rf"({_NUM})\s*({_UNIT})", re.IGNORECASE)
_LEAD = re.compile(r"^(?:到|截至|截止|截止到|前|之前|以前|内|以内|在|于|将|把|使|让|实现|完成|确保|提升|提高|降低|增加|减少|增长|"
                   r"末前|底前|末|底|increase|raise|reduce|lower|grow|cut|achieve|reach|deliver|hold)\s*", re.IGNORECASE)
_TAIL = re.compile(r"\s*(?:前|之前|以前|由|从|达到|达|至|到|为|提升到|提高到|增长到|降低到|降至|控制在|不低于|不少于|不高于|"
                   r"不超过|提升|提高|增长|降低|from|to|by|at least|at most|reach(?:es)?)$", re.IGNORECASE)
_PUNCT = " ，,。:：；;、"


def _end_of_month(y: int, m: int) -> dt.date:
    return dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)


def _end_of_quarter(y: int, q: int) -> dt.date:
    return _end_of_month(y, 3 * q)


def _rel_year(word: str, today: dt.date) -> int:
    return today.year + {"明年": 1, "后年": 2}.get(word, 0)


def _deadline(text: str, today: dt.date | None = None) -> tuple[dt.date | str | None, str | None]:
    """The deadline in a sentence: a date, a vague relative phrase (str), or None; plus an invalid date seen."""
    today = today or dt.date.today()
    for pattern, kind in _DATE_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        g = m.groups()
        try:
            if kind == "ymd":
                return dt.date(int(g[0]), int(g[1]), int(g[2])), None
            if kind == "rel_ymd":
                return dt.date(_rel_year(g[0], today), int(g[1]), int(g[2])), None
            if kind == "ym":
                return _end_of_month(int(g[0]), int(g[1])), None
            if kind == "rel_ym":
                return _end_of_month(_rel_year(g[0], today), int(g[1])), None
            if kind == "q":
                y = int(g[0] or g[2])
                q = g[1] or g[3]
                return _end_of_quarter(y, _CN_Q.index(q) + 1 if q in _CN_Q else int(q)), None
            if kind == "q_en":
                return _end_of_quarter(int(g[1]), int(g[0])), None
            if kind == "y_end":
                return dt.date(int(g[0]), 12, 31), None
            if kind == "rel_y_end":
                return dt.date(_rel_year(g[0], today), 12, 31), None
            if kind == "relative":
                return g[0], None
        except ValueError:
            return None, m.group(0).strip()
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


def parse_goal_text(text: str) -> dict[str, object]:
    """Pull metric, baseline, target, unit and deadline out of a goal sentence (Chinese or English).

    Examples
    --------
    >>> p = parse_goal_text("华东区域品牌认知度 2027-12-31 前由 15% 提升到 20%")
    >>> p["baseline"], p["target"], p["unit"], str(p["deadline"])
    (15.0, 20.0, '%', '2027-12-31')
    """
    out: dict[str, object] = {}
    text = unicodedata.normalize("NFKC", text)
    deadline, invalid = _deadline(text)
    if deadline is not None:
        out["deadline"] = deadline
    if invalid:
        out["invalid_date"] = invalid
    scrub = text
    for pattern, _ in _DATE_PATTERNS:
        scrub = pattern.sub(" ", scrub)
    scrub = re.sub(r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}", " ", scrub)  # an invalid date: not a number
    unit_after = None
    m = _FROM_TO.search(scrub)
    if m:
        out["baseline"], out["target"] = float(m.group(1)), float(m.group(3))
        unit = m.group(4) or m.group(2)
        if unit:
            out["unit"] = unit
        unit_after = m.end()
    else:
        m2 = _TARGET.search(scrub)
        m3 = _ANY_NUM_UNIT.search(scrub)
        hit = m2 or m3
        if hit:
            out["target"] = float(hit.group(1))
            if hit.group(2):
                out["unit"] = hit.group(2)
            unit_after = hit.end()
    if "unit" in out:
        out["unit"] = str(out["unit"]).replace("％", "%")
    head = re.split(_NUM, scrub, maxsplit=1)[0]
    for _ in range(5):
        head = _TAIL.sub("", _LEAD.sub("", head.strip(_PUNCT))).strip(_PUNCT)
    if not head and unit_after is not None:  # "完成 3 场新品发布会": the metric follows the number
        head = re.split(r"[，,。；;]", scrub[unit_after:])[0].strip(_PUNCT)
    if head and head not in VAGUE_WORDS:
        out["metric"] = head
    return out


def _vague_words(text: str) -> list[str]:
    """Vague verbs/adverbs, reported only when the sentence carries no number to pin them down."""
    if re.search(r"\d", text):
        return []
    found = [w for w in VAGUE_WORDS if w in text]
    lower = text.lower()
    found += [w for w in _VAGUE_EN if re.search(rf"\b{w}\b", lower)]
    return found


def smart_check(goal: Goal | str, lang: str | None = None) -> SmartResult:
    """Check one goal against SMART: what is missing, and which words are vague.

    Structured fields of a :class:`~toolkit.model.schema.Goal` win over what can be read from its text; a bare string
    is parsed (owner and data source cannot be read from a sentence, so they are reported as missing).

    Examples
    --------
    >>> r = smart_check("提升品牌形象", lang="en")
    >>> r.ok, r.vague
    (False, ['提升'])
    >>> smart_check("华东区域品牌认知度 2027-12-31 前由 15% 提升到 20%").parsed["target"]
    20.0
    """
    if isinstance(goal, str):
        if len(goal.strip()) < 2:
            raise InputError(t("goal.too_short", lang), location="goal", hint=t("goal.too_short.hint", lang))
        goal = Goal(id="goal", text=goal)
    parsed = parse_goal_text(goal.text)
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
    criteria = {"metric": "S", "unit": "M", "baseline": "A", "target": "M", "deadline": "T", "owner": "S",
                "data_source": "M", "strategy": "R"}
    items = []
    for fld, crit in criteria.items():
        v = values[fld]
        ok = v is not None and v != ""
        msg = t(f"goal.ok.{fld}", lang, value=_fmt(v)) if ok else t(f"goal.missing.{fld}", lang)
        if fld == "deadline" and isinstance(v, str):  # relative deadline like 年底: usable but not precise
            ok, msg = False, t("goal.vague_deadline", lang, value=v)
        if fld == "deadline" and v is None and parsed.get("invalid_date"):
            msg = t("goal.invalid_date", lang, value=parsed["invalid_date"])
        items.append({"criterion": crit, "field": fld, "ok": ok, "message": msg})
    return SmartResult(goal.id, goal.text, {k: v for k, v in values.items() if v is not None}, items,
                       _vague_words(goal.text))


def _fmt(v: object) -> str:
    if isinstance(v, list):
        return ", ".join(map(str, v))
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def goal_findings(eng: Engagement, today: dt.date | None = None) -> list[Finding]:
    """SMART findings for every goal of an engagement (warnings: the file is valid, the goal is weak)."""
    today = today or dt.date.today()
    out = []
    for i, g in enumerate(eng.goals):
        r = smart_check(g)
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
    """Every goal serves a strategy item, every strategy item has a goal, every indicator traces to a goal."""
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
    """Goals × roles: which role indicators serve which goal (a cell lists the indicator ids)."""
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
