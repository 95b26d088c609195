"""SMART rewrite suggestions for a vague or incomplete goal, built from the engagement and the catalogue.

"加强品牌建设" is refused by the SMART check; the workshop then needs a concrete proposal, not a generic hint.
:func:`suggest_rewrites` ranks the catalogue's quantitative indicators against the goal and the strategy items
it serves (their words, and the category the words point to: 品牌/形象 → brand, 客户/关系 → customer …), favours
the indicators the engagement's roles already carry, and writes 1–3 rewrites in Chinese and English:

    华东区域品牌知名度 2027-12-31 前由【待填：基线值】% 提升到【待填：目标值】%（责任人：品牌经理；
    数据来源：第三方品牌健康度调研）

Known values are filled in (a baseline or unit the goal already has, the scheme year's year end as deadline, the
role that carries the indicator as owner, the catalogue's data source); what only the client can say is marked
as a blank (【待填：…】 / [to fill: …]) and listed in ``blanks``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from toolkit.checks.goal_parser import normalize
from toolkit.checks.goal_segment import words
from toolkit.checks.goals import parse_goal_text, scheme_year
from toolkit.model.catalogue import load_catalogue
from toolkit.model.indicators import Indicator
from toolkit.model.messages import t
from toolkit.model.schema import Engagement, Goal, StrategyItem

__all__ = ["CONCEPTS", "Rewrite", "match_strategy", "rank_indicators", "suggest_rewrites"]

#: words of a goal or a strategy item -> the catalogue indicators they point to (what is meant, not what is said)
CONCEPTS: dict[str, tuple[str, ...]] = {
    r"品牌|形象|知名|认知|影响力|口碑|美誉|声量|定位|记住|brand|awareness|image|reputation": (
        "brand_awareness", "brand_recognition", "share_of_voice", "positive_sentiment_ratio",
        "positive_media_exposure", "brand_mentions", "nps"),
    r"客户关系|老客户|客户维护|满意|维护|服务|忠诚|留存|复购|投诉|续费|续约|流失|relationship|satisfaction|loyal|"
    r"retention|churn|renewal": (
        "customer_retention_rate", "csat", "repurchase_rate", "complaint_count", "customer_churn_rate", "nps"),
    r"会员|私域|粉丝|社群|小程序|member|community|follower": (
        "member_active_rate", "private_traffic_conversion", "follower_net_growth", "repurchase_rate"),
    r"线上|数字|电商|online|digital|e-?commerce": (
        "private_traffic_conversion", "cvr", "roas", "member_active_rate"),
    r"线索|获客|拉新|商机|潜客|lead|pipeline|acquisition": (
        "mql_count", "lead_cost", "mql_to_sql_rate", "cac", "marketing_sourced_pipeline", "new_customers"),
    r"销售|业绩|营收|收入|订单|销量|revenue|sales|order": (
        "sales_target_completion", "sales_growth_rate", "campaign_sales_uplift", "marketing_sourced_pipeline"),
    r"新市场|拓展|份额|新店|门店|开店|区域|渠道|经销|覆盖|城市|market|expand|channel|store|distributor": (
        "market_share", "expansion_plan_completion", "new_channel_partners", "channel_sell_through_rate",
        "new_customers"),
    r"推广|广告|投放|营销投入|media|advert|campaign|paid": (
        "roas", "ctr", "cvr", "lead_cost", "campaign_roi", "ad_effective_rate"),
    r"活动|会展|发布会|沙龙|展会|event|launch party|exhibition": (
        "event_leads", "event_attendance_rate", "post_event_conversion_rate", "cost_per_attendee",
        "event_plan_completion"),
    r"调研|研究|洞察|报告|商圈|research|insight|survey|report": (
        "research_plan_completion", "report_timeliness", "report_accuracy", "report_adoption_rate"),
    r"成本|费用|预算|节约|产出|投入|cost|budget|spend|expense|efficien": (
        "marketing_expense_ratio", "budget_execution_rate", "cac", "campaign_roi", "budget_overrun_rate"),
    r"内容|新媒体|传播|公众号|抖音|视频|content|social|post|media presence": (
        "content_engagement_rate", "follower_net_growth", "viral_content_count", "original_content_ratio"),
    r"新品|上市|产品|product|launch": ("launch_sales_achievement", "campaign_sales_uplift"),
    r"新客户|新签|客户群|拓客|获客|客户开发|new customers?|acquire": ("new_customers", "cac", "mql_count"),
}
_REGION = re.compile(r"(华东|华南|华北|华中|西南|西北|东北|江浙沪|长三角|珠三角|大湾区|全国|海外|"
                     r"[\u4e00-\u9fff]{2,3}(?:省|市))(?:区域|地区|市场)?")


@dataclass
class Rewrite:
    """One proposed SMART rewrite of a goal."""

    indicator: str
    name: str
    name_en: str
    metric: str
    unit: str
    direction: str
    baseline: float | None
    target: float | None
    deadline: dt.date | None
    owner: str | None
    data_source: str
    strategy: list[str]
    blanks: list[str]
    text_zh: str
    text_en: str
    reference: str = ""
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def text(self, lang: str | None = None) -> str:
        """The rewrite in ``lang`` (default: the active language)."""
        from toolkit.model.messages import get_language

        return self.text_en if (lang or get_language()) == "en" else self.text_zh

    def to_dict(self) -> dict[str, object]:
        return {"indicator": self.indicator, "name": self.name, "name_en": self.name_en, "metric": self.metric, "unit": self.unit,
                "direction": self.direction, "baseline": self.baseline, "target": self.target,
                "deadline": self.deadline.isoformat() if self.deadline else None, "owner": self.owner,
                "data_source": self.data_source, "strategy": self.strategy, "blanks": self.blanks,
                "text_zh": self.text_zh, "text_en": self.text_en, "reference": self.reference,
                "score": round(self.score, 3)}


def _bigrams(text: str) -> set[str]:
    s = re.sub(r"[\s\d%,.;:!?()（）、，。；：“”]+", " ", normalize(text).lower())
    grams = {s[i:i + 2] for i in range(len(s) - 1) if " " not in s[i:i + 2]}
    grams |= {w.lower() for w in words(s) if len(w) > 1 and w.strip()}
    return grams


def _concepts(text: str) -> dict[str, float]:
    """Indicator id -> weight, from the concept words in ``text`` (earlier ids in a concept weigh more)."""
    out: dict[str, float] = {}
    low = normalize(text).lower()
    for pattern, ids in CONCEPTS.items():
        hits = len(re.findall(pattern, low, re.IGNORECASE))
        if not hits:
            continue
        for rank, iid in enumerate(ids):
            out[iid] = out.get(iid, 0.0) + min(hits, 2) * (1.0 - 0.08 * rank)
    return out


def _lexical(text: str, ind: Indicator) -> float:
    g = _bigrams(text)
    if not g:
        return 0.0
    name = _bigrams(f"{ind.name_zh} {ind.name_en}")
    body = _bigrams(f"{ind.definition_zh} {ind.definition_en}")
    return 2.0 * len(g & name) / (len(name) or 1) + 0.5 * len(g & body) / (len(body) or 1)


def match_strategy(text: str, eng: Engagement) -> list[StrategyItem]:
    """The engagement's strategy items a goal text most likely serves (best first; empty when none is close).

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> eng = load_engagement(samples_dir() / "small_company" / "engagement.yaml")
    >>> match_strategy("做好会员私域运营", eng)[0].id
    's_digital'
    """
    mine = _bigrams(text)
    mine_c = _concepts(text)
    scored = []
    for s in eng.strategy:
        theirs_c = _concepts(s.text)
        score = len(mine & _bigrams(s.text)) + sum(min(v, theirs_c[k]) for k, v in mine_c.items() if k in theirs_c)
        if score > 0:
            scored.append((score, s))
    return [s for _, s in sorted(scored, key=lambda x: -x[0])]


def rank_indicators(text: str, strategy_texts: list[str] | None = None, eng: Engagement | None = None,
                    goal_id: str | None = None) -> list[tuple[str, float, list[str]]]:
    """Catalogue indicators (quantitative) that could measure a goal, best first: ``(id, score, reasons)``.

    The goal's own words count most, the strategy items it serves next; indicators an engagement's role already
    carries (and above all those traced to this goal) are favoured.

    Examples
    --------
    >>> rank_indicators("加强品牌建设")[0][0] in {"brand_awareness", "brand_recognition"}
    True
    """
    cat = load_catalogue()
    strategy_texts = strategy_texts or []
    goal_c = _concepts(text)
    strat_c: dict[str, float] = {}
    for st in strategy_texts:
        for k, v in _concepts(st).items():
            strat_c[k] = strat_c.get(k, 0.0) + v
    carried: dict[str, str] = {}
    traced: set[str] = set()
    for role in (eng.roles if eng else []):
        for ind in role.indicators:
            carried.setdefault(ind.id, role.name)
            if goal_id and ind.goal == goal_id:
                traced.add(ind.id)
    out = []
    for iid, ind in cat.items():
        if not ind.quantitative:
            continue
        reasons = []
        score = 1.0 * goal_c.get(iid, 0.0) + 0.6 * strat_c.get(iid, 0.0)
        if goal_c.get(iid):
            reasons.append("goal")
        if strat_c.get(iid):
            reasons.append("strategy")
        score += _lexical(text, ind) + 0.4 * sum(_lexical(st, ind) for st in strategy_texts)
        if score <= 0.3:
            continue
        if iid in traced:
            score += 1.0
            reasons.append("traced")
        elif iid in carried:
            score += 0.3
            reasons.append("role")
        out.append((iid, score, reasons))
    return sorted(out, key=lambda x: (-x[1], x[0]))


def _same_metric(metric: str | None, ind: Indicator) -> bool:
    """Whether a goal's metric is this indicator (华东区域品牌认知度 is 品牌认知度, not 品牌声量份额)."""
    return bool(metric) and (ind.name_zh in str(metric) or _lexical(str(metric), ind) >= 1.5)


def _known_baseline(ind: Indicator, goal: Goal, parsed: dict[str, object], eng: Engagement | None
                    ) -> tuple[float | None, str | None]:
    """A baseline already known for this indicator: the goal's own (when it measures the same thing), or
    another engagement goal's with a matching metric and unit."""
    own = goal.metric or parsed.get("metric")
    if _same_metric(own, ind):  # type: ignore[arg-type]
        if goal.baseline is not None:
            return goal.baseline, goal.unit
        if "baseline" in parsed:
            return float(parsed["baseline"]), parsed.get("unit")  # type: ignore[arg-type, return-value]
    for g in (eng.goals if eng else []):
        if g.baseline is not None and _same_metric(g.metric, ind) and (
                g.unit or ind.unit) == ind.unit:
            return g.baseline, g.unit
    return None, None


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def suggest_rewrites(goal: Goal | str, engagement: Engagement | None = None, *, year: int | None = None,
                     n: int = 3) -> list[Rewrite]:
    """Up to ``n`` (1–3) SMART rewrites of a goal, in Chinese and English, with the client's blanks marked.

    ``goal`` may be an engagement goal (its strategy links, owner and fields are used) or a bare sentence (the
    strategy item it most likely serves is looked up in the engagement). The deadline is the goal's own, else
    the year end of the scheme year (the engagement's effective date, else ``year``), else a blank.

    Examples
    --------
    >>> r = suggest_rewrites("加强品牌建设", year=2027)[0]
    >>> r.indicator in {"brand_awareness", "brand_recognition"}, str(r.deadline), "target" in r.blanks
    (True, '2027-12-31', True)
    >>> "【待填：目标值】" in r.text_zh and "[to fill: target]" in r.text_en
    True
    """
    if isinstance(goal, str):
        goal = Goal(id="goal", text=goal)
    n = max(1, min(3, n))
    ref_year, _ = scheme_year(engagement, year)
    parsed = parse_goal_text(goal.text, year=ref_year)
    strategies: list[StrategyItem] = []
    if engagement is not None:
        by_id = {s.id: s for s in engagement.strategy}
        strategies = [by_id[s] for s in goal.strategy if s in by_id] or match_strategy(goal.text, engagement)[:1]
    ranked = rank_indicators(goal.text, [s.text for s in strategies], engagement, goal.id)
    cat = load_catalogue()
    deadline = goal.deadline or (parsed.get("deadline") if isinstance(parsed.get("deadline"), dt.date) else None)
    if deadline is None and ref_year is not None:
        deadline = dt.date(ref_year, 12, 31)
    region = _REGION.search(normalize(goal.text))
    scope = region.group(0) if region else ""
    out = []
    for iid, score, reasons in ranked[:n]:
        ind = cat[iid]
        owner = goal.owner or _owner(iid, engagement)
        baseline, _ = _known_baseline(ind, goal, parsed, engagement)
        same = _same_metric(goal.metric or parsed.get("metric"), ind)  # type: ignore[arg-type]
        target = goal.target if same and goal.target is not None and (goal.unit or ind.unit) == ind.unit else None
        reference = _reference(iid, engagement)
        blanks = [f for f, v in (("baseline", baseline), ("target", target), ("deadline", deadline),
                                 ("owner", owner)) if v is None]
        texts = {lang: _sentence(lang, ind, scope, baseline, target, deadline, owner, reference)
                 for lang in ("zh", "en")}
        out.append(Rewrite(iid, ind.name_zh, ind.name_en, scope + ind.name_zh, ind.unit, ind.direction, baseline,
                           target, deadline, owner, ind.data_source_zh,
                           [s.id for s in strategies], blanks,
                           texts["zh"], texts["en"], reference, score, reasons))
    return out


def _owner(iid: str, eng: Engagement | None) -> str | None:
    for role in (eng.roles if eng else []):
        if any(i.id == iid for i in role.indicators):
            return role.name
    return None


def _reference(iid: str, eng: Engagement | None) -> str:
    """A target the engagement already uses for this indicator (a role's target), as a reference value."""
    for role in (eng.roles if eng else []):
        for i in role.indicators:
            if i.id == iid and i.target is not None:
                return _fmt(i.target)
    return ""


def _sentence(lang: str, ind: Indicator, scope: str, baseline: float | None, target: float | None,
              deadline: dt.date | None, owner: str | None, reference: str) -> str:
    def blank(fld: str) -> str:
        return t("rewrite.blank", lang, field=t(f"goal.field.{fld}", lang))

    unit = "" if ind.unit == "%" and lang == "zh" else ind.unit
    pct = "%" if ind.unit == "%" else ""
    unit_en = {"元": " yuan", "个": "", "人": " people", "次": " times", "篇": " posts", "倍": "x", "分": " points",
               "小时": " hours", "万次": " ×10,000 impressions"}.get(ind.unit, "" if ind.unit == "%" else f" {ind.unit}")
    b = _fmt(baseline) if baseline is not None else blank("baseline")
    v = _fmt(target) if target is not None else blank("target")
    u = pct + unit if lang == "zh" else (pct or unit_en)
    verb = {"higher": "up", "lower": "down", "band": "band"}[ind.direction]
    key = f"rewrite.sentence.{verb}"
    name = (scope + ind.name_zh) if lang == "zh" else (ind.name_en + (f" ({scope})" if scope else ""))
    text = t(key, lang, metric=name, baseline=b, target=v, unit=u,
             deadline=deadline.isoformat() if deadline else blank("deadline"))
    text += t("rewrite.tail", lang, owner=owner or blank("owner"),
              source=ind.data_source_zh if lang == "zh" else ind.data_source_en)
    if reference and target is None:
        text += t("rewrite.reference", lang, value=reference, unit=u)
    return text
