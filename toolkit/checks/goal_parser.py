"""Read a goal sentence as clients write it: metric, unit, baseline, target, change and deadline.

What it recognises (Chinese and English, full-width characters folded by NFKC first):

* **Quantities** — ``680``, ``1,200``, ``3.2万``, ``1.5亿元``, ``50k``, ``1.2 million``, small Chinese numerals before
  a unit (``三场``, ``五个百分点``); currency signs and codes before or after the number (``¥680``, ``￥680``,
  ``RMB 680``, ``680 RMB``, ``人民币680``, ``$50``) give the unit 元 (美元 for $/USD); 万/亿/千 stay in the unit as
  written (``150万元`` → 150 万元, ``8万次`` → 8 万次), nothing is converted.
* **Baseline → target** — ``由/从 X (提升/降…) 到/至/为 Y``, ``from X to Y``, ``X → Y``.
* **Comparators** — ``不少于/不低于/至少/超过/以上`` (≥), ``不超过/不高于/以内/以下/控制在…以内`` (≤), English
  ``at least/no less than/or more`` and ``at most/no more than/under/within``; **ranges** ``95%–105%``,
  ``300至500人``, ``between 95% and 105%`` (target and target_high).
* **Changes** — ``提升20%`` / ``增长15%`` / ``increase by 20%`` are relative changes (change_type ``relative``);
  ``提升5个百分点`` / ``5 percentage points`` are changes in points (``points``), not percent; ``翻一番`` is +100 %.
  With a baseline the target is derived (``target_derived``).
* **Deadlines** — ``2027-12-31``, ``2027年6月30日``, ``2027年6月(底)``, ``截止2027年12月``, ``期限2028年3月31日``,
  ``2027年Q3``, ``2027年第三季度末``, ``第二季度结束前``, ``2027年上半年/下半年``, ``2027年内/年底/年末/全年``,
  ``今年/明年/后年…``, ``by end of Q3 2027``, ``by June 30, 2027``, ``in H1 2027``, ``by the end of 2027``. A phrase
  without a year (``年底``, ``Q3``, ``第三季度末``, ``6月底``) takes the **scheme year** passed as ``year`` (the
  engagement's, see :func:`toolkit.checks.goals.scheme_year`); without one it stays a vague phrase. 今年/明年/后年
  count from the scheme year, else from ``today`` — and ``year_source`` says which (text, argument, today).
* **Metric** — the noun phrase that is measured: the clause of the quantity, with dates, numbers, direction
  verbs and connectors taken off (jieba tells the verbs), never a fragment with a number or a date in it. A goal
  with no quantity keeps its noun phrase as ``topic`` instead (it names an activity, not a measure).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from toolkit.checks.goal_segment import GOAL_VERBS, VAGUE_ADVERBS, pos_words

__all__ = ["Quantity", "find_deadline", "find_quantities", "normalize", "parse"]

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_Q = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MONTHS_EN = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                               "nov", "dec"))}


def normalize(text: str) -> str:
    """Fold full-width forms (NFKC), unify dashes and tildes, and collapse white space.

    Examples
    --------
    >>> normalize("单条线索成本由￥６８０降到￥５２０，２０２７年底前")
    '单条线索成本由¥680降到¥520,2027年底前'
    """
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"[‐‑‒–—―~〜～]", "-", s)
    s = s.replace("→", "->").replace("％", "%")
    return re.sub(r"\s+", " ", s).strip()


# ============================================================================================ deadlines
def _eom(y: int, m: int) -> dt.date:
    return dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)


_PRE = r"(?:(?:截止到|截止至|截止|截至|到|至|期限为?|期限|于|在|by|before|until|no later than|in|within)\s*)?"
_POST = r"(?:\s*(?:结束|完成)?\s*(?:之前|以前|前|之内|以内|内|止))?"
_REL = r"(今年|本年度|本年|明年|后年|次年)"
_QCN = r"第?\s*([一二三四1-4])\s*季度"
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# (kind, pattern); a kind says how to read the groups. The first pattern that matches at a place wins; dates are
# looked for left to right, each consuming its connector words (截止/前/内 …) so they never reach the metric.
_DATE_RULES: tuple[tuple[str, str], ...] = (
    ("ref", r"(?:较|比|相比|相较于?|对比)?\s*\d{4}\s*年(?:度)?\s*(?:的|同期)"),      # a baseline's year
    ("ymd", r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"),
    ("ym", r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:份|底|末|末尾)?"),
    ("ym", r"(\d{4})-(\d{1,2})(?!\s*[-/.\d])"),
    ("yq", rf"(\d{{4}})\s*年?\s*{_QCN}\s*(?:末|底|结束)?"),
    ("yq", r"(\d{4})\s*年?\s*[Qq]\s*([1-4])\s*(?:末|底|结束)?"),
    ("yh", r"(\d{4})\s*年?\s*(上半年|下半年|[Hh][12])\s*(?:末|底|结束)?"),
    ("y", r"(\d{4})\s*年\s*(?:底|末|年底|年末|全年|内|度|以内|之内)?"),
    ("rel_md", rf"{_REL}\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*[日号]"),
    ("rel_m", rf"{_REL}\s*(\d{{1,2}})\s*月\s*(?:份|底|末)?"),
    ("rel_q", rf"{_REL}\s*{_QCN}\s*(?:末|底|结束)?"),
    ("rel_h", rf"{_REL}\s*(上半年|下半年)\s*(?:末|底)?"),
    ("rel_y", rf"{_REL}\s*(?:年底|年末|底|末|内|全年)?"),
    ("en_md", rf"{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})"),
    ("en_dm", rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON},?\s+(\d{{4}})"),
    ("en_q", r"(?:the\s+)?(?:end\s+of\s+)?[Qq]([1-4])\s*,?\s*(?:of\s+)?(?:FY\s*)?(\d{4})"),
    ("en_h", r"(?:the\s+)?(?:end\s+of\s+)?[Hh]([12])\s*,?\s*(\d{4})"),
    ("en_m", rf"(?:the\s+)?(?:end\s+of\s+)?{_MON}\s+(\d{{4}})"),
    ("en_y", r"(?:the\s+)?(?:end\s+of\s+)?(?:(?:the\s+)?year\s+|FY\s*)?(\d{4})\b"),
    ("md", r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"),
    ("m", r"(\d{1,2})\s*月\s*(?:份|底|末)"),
    ("q", rf"{_QCN}\s*(?:末|底|结束)?"),
    ("q", r"[Qq]\s*([1-4])(?![0-9])\s*(?:末|底)?"),
    ("h", r"(上半年|下半年)\s*(?:末|底)?"),
    ("en_qn", r"(?:the\s+)?end\s+of\s+[Qq]([1-4])"),
    ("ye", r"(年底|年末|年内|全年|本财年)"),
    ("ye", r"(?:the\s+)?(?:end\s+of\s+(?:the\s+)?year|year[- ]end)"),
)
_DATE_RE = re.compile("|".join(f"(?P<k{i}>{_PRE}(?:{p}){_POST})" for i, (_, p) in enumerate(_DATE_RULES)),
                      re.IGNORECASE)
_SUB_RE = [re.compile(p, re.IGNORECASE) for _, p in _DATE_RULES]
_NO_YEAR = {"md", "m", "q", "h", "ye", "en_qn"}


@dataclass
class _Date:
    start: int
    end: int
    kind: str
    phrase: str
    value: dt.date | str | None
    year_source: str | None = None
    invalid: bool = False


def _read_date(kind: str, g: tuple[str | None, ...], year: int | None, today: dt.date) -> tuple[dt.date, str]:
    """Interpret one matched date; raises ValueError (impossible date) or LookupError (needs a year)."""
    def ref(word: str) -> tuple[int, str]:
        base, src = (year, "argument") if year is not None else (today.year, "today")
        return base + {"明年": 1, "次年": 1, "后年": 2}.get(word, 0), src

    if kind == "ymd":
        return dt.date(int(g[0]), int(g[1]), int(g[2])), "text"
    if kind == "ym":
        return _eom(int(g[0]), int(g[1])), "text"
    if kind == "yq":
        return _eom(int(g[0]), 3 * _CN_Q[g[1]]), "text"
    if kind == "yh":
        return dt.date(int(g[0]), 6 if g[1] in ("上半年", "H1", "h1") else 12, 30 if g[1] in ("上半年", "H1", "h1")
                       else 31), "text"
    if kind == "y":
        return dt.date(int(g[0]), 12, 31), "text"
    if kind.startswith("rel_"):
        y, src = ref(g[0])
        if kind == "rel_md":
            return dt.date(y, int(g[1]), int(g[2])), src
        if kind == "rel_m":
            return _eom(y, int(g[1])), src
        if kind == "rel_q":
            return _eom(y, 3 * _CN_Q[g[1]]), src
        if kind == "rel_h":
            return (dt.date(y, 6, 30) if g[1] == "上半年" else dt.date(y, 12, 31)), src
        return dt.date(y, 12, 31), src
    if kind == "en_md":
        return dt.date(int(g[2]), _MONTHS_EN[g[0][:3].lower()], int(g[1])), "text"
    if kind == "en_dm":
        return dt.date(int(g[2]), _MONTHS_EN[g[1][:3].lower()], int(g[0])), "text"
    if kind == "en_q":
        return _eom(int(g[1]), 3 * int(g[0])), "text"
    if kind == "en_h":
        return (dt.date(int(g[1]), 6, 30) if g[0] == "1" else dt.date(int(g[1]), 12, 31)), "text"
    if kind == "en_m":
        return _eom(int(g[1]), _MONTHS_EN[g[0][:3].lower()]), "text"
    if kind == "en_y":
        return dt.date(int(g[0]), 12, 31), "text"
    if year is None:
        raise LookupError(kind)
    if kind == "md":
        return dt.date(year, int(g[0]), int(g[1])), "argument"
    if kind == "m":
        return _eom(year, int(g[0])), "argument"
    if kind in ("q", "en_qn"):
        return _eom(year, 3 * _CN_Q[g[0]]), "argument"
    if kind == "h":
        return (dt.date(year, 6, 30) if g[0] == "上半年" else dt.date(year, 12, 31)), "argument"
    return dt.date(year, 12, 31), "argument"


def _core(kind_index: int, matched: str) -> str:
    """The date phrase itself, without the connectors around it (截止 … 前)."""
    m = _SUB_RE[kind_index].search(matched)
    return m.group(0).strip() if m else matched.strip()


def _dates(text: str, year: int | None, today: dt.date) -> list[_Date]:
    out = []
    for m in _DATE_RE.finditer(text):
        i = int(m.lastgroup[1:])  # type: ignore[index]
        kind = _DATE_RULES[i][0]
        core = _core(i, m.group(0))
        if kind == "en_y" and not re.search(r"\b(?:by|before|until|in|within|end|year|FY)\b", m.group(0), re.IGNORECASE):
            continue  # a bare 4-digit number in English is not a date unless a preposition says so
        if kind == "q" and re.match(r"[Qq]", core) and re.search(r"[A-Za-z]$", text[:m.start()]):
            continue
        if kind == "ref":
            out.append(_Date(m.start(), m.end(), kind, core, None))
            continue
        sub = _SUB_RE[i].search(m.group(0))
        groups = sub.groups() if sub else ()
        try:
            value, src = _read_date(kind, groups, year, today)
            out.append(_Date(m.start(), m.end(), kind, core, value, src))
        except LookupError:
            out.append(_Date(m.start(), m.end(), kind, core, core, None))
        except (ValueError, KeyError):
            out.append(_Date(m.start(), m.end(), kind, core, None, None, invalid=True))
    return out


def find_deadline(text: str, year: int | None = None, today: dt.date | None = None) -> dict[str, object]:
    """The deadline of a goal sentence: ``deadline`` (a date, or the phrase when it needs a year nobody gave),
    ``deadline_phrase``, ``year_source`` and ``invalid_date``.

    Examples
    --------
    >>> find_deadline("2027年上半年会员数从3.2万增长到5万")["deadline"]
    datetime.date(2027, 6, 30)
    >>> d = find_deadline("年底前粉丝达到10万", year=2027)
    >>> d["deadline"], d["year_source"]
    (datetime.date(2027, 12, 31), 'argument')
    >>> find_deadline("年底前粉丝达到10万")["deadline"]
    '年底'
    """
    found = _dates(normalize(text), year, today or dt.date.today())
    out: dict[str, object] = {}
    bad = [d for d in found if d.invalid]
    good = [d for d in found if d.kind != "ref" and not d.invalid]
    if bad:
        out["invalid_date"] = bad[0].phrase
    dated = [d for d in good if isinstance(d.value, dt.date)]
    pick = max(dated, key=lambda d: d.value) if dated else (good[0] if good else None)  # type: ignore[arg-type, return-value]
    if pick is not None:
        out["deadline"] = pick.value
        out["deadline_phrase"] = pick.phrase
        if pick.year_source:
            out["year_source"] = pick.year_source
    return out


# ============================================================================================ quantities
_CUR = r"(?P<cur>¥|\$|RMB|CNY|USD|US\$|人民币)"
_NUM = r"(?P<num>(?<![\d%])-?\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_CNNUM = r"(?P<cn>[两二三四五六七八九十][零一二两三四五六七八九十百]*|一(?=[场次家篇项倍名位款条份期]))"
_SCALE = r"(?P<scale>万亿|千万|百万|十万|万|亿|千|[kKwW](?![A-Za-z])|\s?(?:million|billion|thousand|mn|bn)\b)"
_UNITS_ZH = ("个百分点", "百分点", "%", "‰", "元/人", "元/条", "元/个", "元/次", "元/单", "元/家", "元/场", "元/位",
             "元", "块钱", "块", "美元", "人次", "人", "次", "篇", "场次", "场", "家", "条", "单", "份", "项", "件",
             "位", "名", "户", "款", "天", "个工作日", "工作日", "小时", "分钟", "秒", "分", "倍", "星", "个", "台",
             "套", "期", "支", "部", "场活动", "例", "张", "笔", "周")
_UNITS_EN = ("percentage points?", "pp", "points?", "pts?", "percent", "yuan", "RMB", "CNY", "USD", "dollars?",
             "x", "times", "hours?", "days?", "minutes?")
_UNIT = "(?P<unit>" + "|".join(re.escape(u) for u in sorted(_UNITS_ZH, key=len, reverse=True)) + "|(?:" + "|".join(
    _UNITS_EN) + r")\b)"
_COUNT_EN = re.compile(r"\s*((?:[a-zA-Z-]+\s+){0,3}?(?:leads?|people|customers?|events?|posts?|orders?|stores?|"
                       r"members?|followers?|subscribers?|visitors?|attendees?|users?|partners?|articles?|videos?|"
                       r"mentions?|impressions?|clicks?|sign-?ups?|registrations?|reviews?|deals?|accounts?|"
                       r"campaigns?|launches?|webinars?|reports?|surveys?|samples?|outlets?|distributors?))\b", re.IGNORECASE)
_QTY_RE = re.compile(rf"(?:{_CUR}\s*)?(?:{_NUM}|{_CNNUM})(?:\s*{_SCALE})?(?:\s*{_UNIT})?(?:\s*{_CUR.replace('cur', 'cur2')})?", re.IGNORECASE)


@dataclass
class Quantity:
    """A number in a goal sentence with the unit written with it (scale kept: 万元, 万次)."""

    value: float
    unit: str | None
    start: int
    end: int


def _cn_value(s: str) -> float:
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
    return float(total + cur)


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity in ``text`` (dates must be blanked out first), with its unit.

    Examples
    --------
    >>> [(q.value, q.unit) for q in find_quantities("由¥680降到¥520")]
    [(680.0, '元'), (520.0, '元')]
    >>> [(q.value, q.unit) for q in find_quantities("从8万次提升到12万次，提升五个百分点")]
    [(8.0, '万次'), (12.0, '万次'), (5.0, '个百分点')]
    """
    out = []
    for m in _QTY_RE.finditer(text):
        if m.group("num") is None and m.group("cn") is None:
            continue
        if m.group("cn") is not None and not m.group("unit"):
            continue  # 三 alone is a word, not a number
        value = float(m.group("num").replace(",", "")) if m.group("num") else _cn_value(m.group("cn"))
        scale = (m.group("scale") or "").strip()
        unit = m.group("unit")
        cur = m.group("cur") or m.group("cur2")
        if cur and not unit:
            unit = "美元" if cur.upper() in ("$", "USD", "US$") else "元"
        elif unit and unit.upper() in ("RMB", "CNY", "YUAN") and re.search(r"[\u4e00-\u9fff]", text):
            unit = "元"
        if unit and unit.lower() == "percent":
            unit = "%"
        if scale.lower() in ("w",):
            scale = "万"
        spaced = scale.isascii() and scale and unit and unit[0].isascii() and unit[0].isalpha()
        unit = (scale + (" " if spaced else "") + (unit or "")) or None
        end = m.end()
        if unit is None or unit in ("万", "亿", "千", "k", "K"):
            c = _COUNT_EN.match(text, end)
            if c and not re.search(r"[\u4e00-\u9fff]", text[max(0, m.start() - 3):m.start()]):
                unit = ((unit + " ") if unit else "") + c.group(1).split()[-1].lower()
        out.append(Quantity(value, unit, m.start(), end))
    return out


# ============================================================================================ the sentence
_FROM = re.compile(r"(?:由|从|from)\s*(?:每月|每季度|每周|每年|月均|平均)?\s*$", re.IGNORECASE)
_TO = r"\s*(?:(?:提升|提高|增长|增加|上升|扩大|降低|下降|减少|缩短|压缩|降|升|增|减|拉升|拉高|提|改善|优化)\s*)*" \
      r"(?:到|至|为|达到|成|to|up to|down to|->)\s*$"
_UP = r"(?:提升|提高|增长|增加|上升|扩大|拉升|增|升|提|raise[sd]?|increase[sd]?|grow|grows|lift|boost|up)"
_DOWN = r"(?:降低|下降|减少|缩短|压缩|节约|节省|降|减|reduce[sd]?|cut|lower|decrease[sd]?|down)"
_CHANGE_BEFORE = re.compile(rf"(?:{_UP}|{_DOWN})\s*(?:了)?\s*(?:by\s*)?$", re.IGNORECASE)
_GE_BEFORE = re.compile(r"(?:不少于|不低于|至少|最少|(?<!不)超过|(?<!不)大于|(?<!不)高于|突破|(?<!不)多于|≥|>=|>|"
                        r"at least|no less than|more than|over|above|exceed(?:ing)?|minimum(?: of)?)\s*"
                        r"(?:达到|达|为|是|要)?\s*$", re.IGNORECASE)
_LE_BEFORE = re.compile(r"(?:不超过|不高于|不大于|不多于|最多|(?<!不)低于|(?<!不)少于|(?<!不)小于|控制在|≤|<=|<|at most|"
                        r"no more than|under|below|less than|maximum(?: of)?|within)\s*(?:达到|达|为|是|要)?\s*$", re.IGNORECASE)
_GE_AFTER = re.compile(r"^\s*(?:及以上|或以上|以上|之上|起|or more|or above|and above|\+)", re.IGNORECASE)
_LE_AFTER = re.compile(r"^\s*(?:及以下|或以下|以下|以内|之内|内|or less|or below|or under)", re.IGNORECASE)
_RANGE_MID = re.compile(r"^\s*(?:-|至|到|~|and|to)\s*$", re.IGNORECASE)
_DOUBLE = re.compile(r"翻(一|两|三)?番|翻倍|double[sd]?", re.IGNORECASE)
_PUNCT = " ,.;:!?()[]{}\"'、。;：“”‘’《》"
_LEAD_ZH = ("到|截至|截止|在|于|将|把|使|让|为|对|要|需|力争|争取|确保|保证|推动|努力|全年|年内|年度|当年|本年度?|期间|"
            "通过|实现|计划|目标是|目标|期内|考核期内|考核期|每月|每季度|每周|每年|月均|月度|季度|"
            "提升|提高|增加|增长|降低|下降|减少|缩短|压缩|控制|保持|维持|达到|达成|完成|做到|做好|拉动|带动|带来|"
            "加强|优化|改善|扩大|举办|举行|开展|组织|发布|产出|获得|获取|取得|落地|策划|执行|上线|推出|签约|"
            "开发|拓展|招募|输出|交付|提交|实施|打造|建立|累计|新签")
_LEAD_EN = ("at least|at most|no less than|no more than|more than|the|our|a|an|and|total|overall|at|of|in|by|keep|maintain|achieve|reach|deliver|hold|get|drive|bring|"
            "raise|increase|grow|lift|boost|improve|reduce|cut|lower|decrease|generate|acquire|host|run|publish|sign|"
            "hit|win|secure|attract|complete|launch|open|add|gain|produce|obtain|collect|recruit|sell|have|make")
_LEAD_STRIP = re.compile(rf"^(?:(?:{_LEAD_ZH}|(?:{_LEAD_EN})(?![A-Za-z]))\s*)+", re.IGNORECASE)
_TAIL_ZH = ("由|从|达到|达|至|到|为|是|的|在|提升到|提高到|增长到|降低到|降至|降到|控制在|保持在|维持在|不低于|不少于|"
            "不高于|不超过|至少|超过|突破|提升|提高|(?<!净)增长|增加|上升|降低|下降|减少|缩短|压缩|同比|环比|较上年|较去年|"
            "较|左右|约|共计|累计|合计|分别|平均|均|实现|完成|达成|保持|维持|控制|新增|需|要|应|稳定|"
            "每月|每季度|每周|每年|每半年|每场|每次")
_TAIL_EN = ("from|to|by|at least|at most|reach(?:es|ed)?|rise[sd]?|fall[sd]?|go(?:es)?|be|is|are|of|at|"
            "no less than|no more than|more than|under|below|above|over|between|increase[sd]?|grow[sn]?|"
            "improve[sd]?|drop[sd]?|stay(?:s)?|remain[sd]?|with|a|an|the|keep|hold|up|down|within|per month|"
            "per quarter|per year|each month|a month|monthly|quarterly")
_TAIL_STRIP = re.compile(rf"(?:\s*(?:{_TAIL_ZH})|(?:^|\s+)(?:{_TAIL_EN}))+\s*$", re.IGNORECASE)
_GAIN_END = re.compile(r"^(.+?)(获得|获取|带来|产生|取得|收获|吸引|贡献|带动|新增|转化)$")
_KEEP_VERB = ("新增", "新开", "净增", "新签", "新发展", "新拓展")


def _clean_metric(s: str) -> str:
    s = re.sub(r"\d+(?:\.\d+)?", " ", s)
    scoped = re.match(r"^\s*(?:在|于)?(.+?)(?:内|范围内)?(?:使|让)(.+)$", s)  # 在华东区域使品牌认知度 → 华东区域品牌认知度
    if scoped:
        s = scoped.group(1) + scoped.group(2)
    prev = None
    while prev != s:
        prev = s
        s = s.strip(_PUNCT + "-")
        keep = next((k for k in _KEEP_VERB if s.startswith(k)), "")
        s = keep + _LEAD_STRIP.sub("", s[len(keep):]) if keep else _LEAD_STRIP.sub("", s)
        s = _TAIL_STRIP.sub("", s).strip(_PUNCT + "-")
    return _strip_leading_verbs(s)


def _strip_leading_verbs(s: str) -> str:
    """Drop leading direction verbs that the segmenter tags as verbs (提升品牌形象 → 品牌形象)."""
    if not re.search(r"[\u4e00-\u9fff]", s):
        return s.strip()
    words = pos_words(s)
    i = 0
    while i < len(words) - 1 and (words[i][0] in GOAL_VERBS or words[i][0] in VAGUE_ADVERBS
                                  or words[i][1] in ("p", "c")):
        i += 1
    return "".join(w for w, _ in words[i:]).strip(_PUNCT)


def _blank(text: str, spans: list[tuple[int, int]], ch: str = " ") -> str:
    out = list(text)
    for a, b in spans:
        out[a:b] = ch * (b - a)
    return "".join(out)


def _clause(text: str, pos: int) -> tuple[int, int]:
    """Start and end of the clause (between , ; 。) around ``pos``."""
    a = max(text.rfind(c, 0, pos) for c in ",;。!?") + 1
    ends = [i for i in (text.find(c, pos) for c in ",;。!?") if i >= 0]
    return a, min(ends) if ends else len(text)


def parse(text: str, year: int | None = None, today: dt.date | None = None) -> dict[str, object]:
    """Read one goal sentence; see the module docstring for what is recognised.

    Keys present only when found: ``metric`` (or ``topic``), ``unit``, ``baseline``, ``target``, ``target_high``,
    ``comparator`` (>=, <=, between), ``change``, ``change_type`` (relative, points), ``direction`` (up, down),
    ``target_derived``, ``deadline``, ``deadline_phrase``, ``year_source``, ``invalid_date``.

    Examples
    --------
    >>> p = parse("单条有效线索成本由¥680降到¥520")
    >>> p["metric"], p["baseline"], p["target"], p["unit"]
    ('单条有效线索成本', 680.0, 520.0, '元')
    >>> p = parse("2027年第二季度结束前，线下门店活动带来的订单数达到800单")
    >>> p["metric"], p["target"], p["unit"], str(p["deadline"])
    ('线下门店活动带来的订单数', 800.0, '单', '2027-06-30')
    >>> parse("加强品牌建设")
    {'topic': '品牌建设'}
    """
    s = normalize(text)
    out: dict[str, object] = {}
    dates = _dates(s, year, today or dt.date.today())
    out.update(find_deadline(s, year, today))
    scrub = _blank(s, [(d.start, d.end) for d in dates], ",")
    # a date blanked with commas would split a clause it sits inside of: keep it as a clause break only when
    # it stood at a clause edge; otherwise treat it as white space
    scrub = re.sub(r",+", lambda m: "," if (m.start() == 0 or m.end() == len(scrub)
                                           or scrub[m.start() - 1] in ",;。" or scrub[m.end()] in ",;。"
                                           or m.end() - m.start() == 1) else " ", scrub)
    qs = find_quantities(scrub)
    used: list[Quantity] = []
    if qs:
        _read_numbers(scrub, qs, out, used)
    if "baseline" in out and "change" in out and "target" not in out:
        b, c = float(out["baseline"]), float(out["change"])  # type: ignore[arg-type]
        c = -c if out.get("direction") == "down" else c
        out["target"] = round(b * (1 + c / 100) if out.get("change_type") == "relative" else b + c, 6)
        out["target_derived"] = True
    m = _DOUBLE.search(scrub)
    if m and "change" not in out and "target" not in out:
        times = {"一": 1, None: 1, "两": 2, "三": 3}.get(m.group(1), 1) if m.group(0).startswith("翻") else 1
        out.update(change=float(2 ** times * 100 - 100), change_type="relative", direction="up")
        used = [Quantity(0, None, m.start(), m.end())]
    if used:
        first = min(used, key=lambda q: q.start)
        a, b = _clause(scrub, first.start)
        head = scrub[a:first.start]
        metric = _clean_metric(head)
        last = max(used, key=lambda q: q.end)
        tail = re.split(r"[,;。!?]| by | before | in | within | per | each ", scrub[last.end:b], maxsplit=1)[0]
        tail = _clean_metric(re.sub(r"^\s*(?:以上|以内|以下|及以上|左右|or more|or less)", "", tail))
        gain = _GAIN_END.match(metric)
        kept = re.search(r"(新增|净增|新开|新签)\s*$", head)
        if not metric or metric in _KEEP_VERB:
            metric = (kept.group(1) if kept and not metric else metric or "") + tail
        elif gain and tail:  # 线下活动带来 300 条线索 → 线下活动带来的线索
            metric = f"{gain.group(1)}{gain.group(2)}的{tail}"
        if metric:
            out["metric"] = metric
    else:
        topic = _clean_metric(scrub.split(",")[0] if scrub.split(",")[0].strip() else scrub)
        if topic:
            out["topic"] = topic
    return out


def _read_numbers(s: str, qs: list[Quantity], out: dict[str, object], used: list[Quantity]) -> None:
    """Fill baseline/target/change/comparator from the quantities of the sentence (the first construct wins)."""
    for i, q in enumerate(qs):
        before = s[max(0, q.start - 14):q.start]
        nxt = qs[i + 1] if i + 1 < len(qs) else None
        between = s[q.end:nxt.start] if nxt else ""
        if _FROM.search(before) and nxt and re.search(_TO, between, re.IGNORECASE):
            out["baseline"], out["target"] = q.value, nxt.value
            unit = nxt.unit or q.unit
            if unit:
                out["unit"] = unit
            out["direction"] = "up" if nxt.value > q.value else "down" if nxt.value < q.value else "hold"
            used += [q, nxt]
            return
        if _FROM.search(before) and nxt and _CHANGE_BEFORE.search(between):
            out["baseline"] = q.value  # 由3%提升2个百分点
            _change(out, nxt, between, q.unit)
            used += [q, nxt]
            return
        if nxt and _RANGE_MID.match(between) and not _FROM.search(before) and (
                q.unit is None or nxt.unit is None or q.unit == nxt.unit):
            out["target"], out["target_high"], out["comparator"] = q.value, nxt.value, "between"
            if nxt.unit or q.unit:
                out["unit"] = nxt.unit or q.unit
            used += [q, nxt]
            return
        if re.search(r"between\s*$", before, re.IGNORECASE) and nxt and re.match(r"^\s*and\s*$", between, re.IGNORECASE):
            out["target"], out["target_high"], out["comparator"] = q.value, nxt.value, "between"
            if nxt.unit or q.unit:
                out["unit"] = nxt.unit or q.unit
            used += [q, nxt]
            return
        clause_head = s[_clause(s, q.start)[0]:q.start]
        by_change = re.search(r"\bby\s*$", before, re.IGNORECASE) and re.match(rf"\s*(?:{_UP}|{_DOWN})\b", clause_head, re.IGNORECASE)
        counted = re.search(r"(?:新增|净增长|净增|新开|新签)\s*$", before)  # 新增 500 名会员 is a count, not a change
        if (_CHANGE_BEFORE.search(before) or by_change) and not re.search(_TO, before, re.IGNORECASE) and not counted:
            _change(out, q, clause_head if by_change else before, None)
            used.append(q)
            return
        out["target"] = q.value
        if q.unit:
            out["unit"] = q.unit
        after = s[q.end:q.end + 8]
        if _GE_BEFORE.search(before) or _GE_AFTER.match(after):
            out["comparator"] = ">="
        elif _LE_BEFORE.search(before) or _LE_AFTER.match(after):
            out["comparator"] = "<="
        if re.search(_UP + r"\s*(?:到|至|为|to)?\s*$", before, re.IGNORECASE):
            out["direction"] = "up"
        elif re.search(_DOWN + r"\s*(?:到|至|为|to)?\s*$", before, re.IGNORECASE):
            out["direction"] = "down"
        if q.unit and "百分点" in q.unit or (q.unit or "").startswith(("percentage point", "pp")):
            out["change"], out["change_type"] = out.pop("target"), "points"
        used.append(q)
        return


def _change(out: dict[str, object], q: Quantity, context: str, base_unit: str | None) -> None:
    points = bool(q.unit) and ("百分点" in q.unit or q.unit.startswith(("percentage point", "pp", "point", "pt")))
    out["change"] = q.value
    out["change_type"] = "points" if points else "relative" if q.unit == "%" else "absolute"
    out["direction"] = "down" if re.search(_DOWN, context, re.IGNORECASE) else "up"
    unit = base_unit or q.unit
    if unit:
        out["unit"] = unit
