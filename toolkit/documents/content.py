"""The scheme document as pure data: chapters of numbered articles, tables and figures, then appendices.

One content model feeds every format (HTML, PDF, DOCX), so the three never disagree: renderers only lay out what
is here. Every number is read from the resolved scheme (:func:`toolkit.scheme.resolve.resolve_scheme`) and the engagement;
every fixed sentence comes from the message catalogue (``templates/i18n/documents.yaml``), in Chinese by default
or English. What the engagement chooses decides what appears: a 360° article only when 360° is among the methods,
the weight-calibration appendix only for AHP roles, a shorter and plainer text for a small company.

Examples
--------
>>> from toolkit.model.engagement import load_engagement                      # doctest: +SKIP
>>> doc = build_document(load_engagement("data_samples/small_company/engagement.yaml"))  # doctest: +SKIP
>>> [c.label for c in doc.chapters][:2]                                 # doctest: +SKIP
['第一章', '第二章']
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Union

import numpy as np

from toolkit.model.messages import t
from toolkit.model.schema import Engagement
from toolkit.scheme.resolve import ResolvedIndicator, RoleScheme, Scheme, resolve_scheme

__all__ = [
    "Appendix",
    "Article",
    "Block",
    "Chapter",
    "Document",
    "Figure",
    "Heading",
    "Para",
    "Table",
    "anchor_text",
    "build_document",
    "deadline_calendar",
    "fmt_num",
    "rule_text",
    "unit_label",
    "zh_numeral",
]


# --------------------------------------------------------------------------------------------- content model
@dataclass
class Para:
    """A paragraph. ``kind``: body text, a list item, a small note, or a signature line."""

    text: str
    kind: Literal["body", "item", "note", "sign"] = "body"


@dataclass
class Heading:
    """A sub-heading inside an appendix (level 2 in the navigation pane)."""

    text: str
    level: int = 2


@dataclass
class Table:
    """A table of text cells. ``kind='form'`` is a blank form to fill in by hand (label/blank rows)."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    kind: Literal["data", "form", "kv"] = "data"
    widths: list[float] | None = None  # relative column widths
    small: bool = False  # dense tables (forms, dictionary) use a smaller font


@dataclass
class Figure:
    png: bytes
    caption: str
    width_mm: float = 150.0


Block = Union[Para, Heading, Table, Figure]  # noqa: UP007 - a runtime alias, kept readable


def _heading(label: str, title: str) -> str:
    """第一章　总则 (ideographic space after a Chinese label) / Chapter 1  General provisions."""
    return f"{label}\u3000{title}" if label[:1] in ("第", "附") else f"{label}  {title}"


@dataclass
class Article:
    number: int
    label: str  # 第一条 / Article 1
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return _heading(self.label, self.title)


@dataclass
class Chapter:
    number: int
    label: str  # 第一章 / Chapter 1
    title: str
    key: str  # stable id, e.g. "general", for tests and anchors
    articles: list[Article] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return _heading(self.label, self.title)


@dataclass
class Appendix:
    number: int
    label: str
    title: str
    key: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return _heading(self.label, self.title)


@dataclass
class Document:
    lang: str
    title: str
    subtitle: str
    client: str
    issued: str  # effective date text
    chapters: list[Chapter]
    appendices: list[Appendix]
    labels: dict[str, str]  # fixed UI text the renderers need (toc, page, …)
    name: str = ""  # the title without the client's name: the cover sets the two on separate lines
    meta: str = ""  # the cover's "prepared for … / effective …" line, punctuated for the language

    def all_text(self) -> str:
        """All text of the document in reading order (used by tests and search)."""
        parts = [self.title, self.subtitle]
        for c in self.chapters:
            parts.append(c.heading)
            for a in c.articles:
                parts.append(a.heading)
                parts += _blocks_text(a.blocks)
        for ap in self.appendices:
            parts.append(ap.heading)
            parts += _blocks_text(ap.blocks)
        return "\n".join(parts)


def _blocks_text(blocks: Iterable[Block]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, (Para, Heading)):
            out.append(b.text)
        elif isinstance(b, Table):
            out.append(b.caption)
            out.append(" | ".join(b.columns))
            out += [" | ".join(r) for r in b.rows]
        elif isinstance(b, Figure):
            out.append(b.caption)
    return out


# --------------------------------------------------------------------------------------------- formatting
_DIGITS = "零一二三四五六七八九"


def zh_numeral(n: int) -> str:
    """Chinese numeral for 1–999 as used in article numbers (第十一条, 第二十条, 第一百零五条).

    >>> zh_numeral(11), zh_numeral(20), zh_numeral(105)
    ('十一', '二十', '一百零五')
    """
    if n <= 0 or n >= 1000:
        return str(n)
    h, rest = divmod(n, 100)
    ten, one = divmod(rest, 10)
    s = ""
    if h:
        s += _DIGITS[h] + "百"
        if rest and ten == 0:
            s += "零"
    if ten:
        s += ("" if (ten == 1 and not h) else _DIGITS[ten]) + "十"
    if one:
        s += _DIGITS[one]
    return s


def unit_label(unit: str | None, lang: str = "zh") -> str:
    """The name of a unit as a column shows it: the catalogue's Chinese unit, or its English name.

    Units are Chinese in the catalogue (元, 小时, 个 …); the message catalogue (``unit_name.<unit>``) names them
    in English. A unit the catalogue does not know is shown as written.

    >>> unit_label("元", "en"), unit_label("元"), unit_label("%", "en")
    ('CNY', '元', '%')
    """
    if not unit:
        return ""
    if lang == "zh":
        return unit
    key = f"unit_name.{unit}"
    text = t(key, lang)
    return unit if text == key else text


def fmt_num(x: float | None, unit: str = "", blank: str = "—", lang: str = "zh") -> str:
    """A number as a client reads it: no trailing zeros, thousands separators, unit attached.

    In English a catalogue unit is written the English way (``unit.<unit>`` in the message catalogue):
    180元 → 180 CNY, 8小时 → 8 h, 36个 → 36.

    >>> fmt_num(100.0, "%"), fmt_num(12500, "元"), fmt_num(0.125), fmt_num(None)
    ('100%', '12,500元', '0.125', '—')
    >>> fmt_num(12500, "元", lang="en"), fmt_num(8, "小时", lang="en"), fmt_num(3.2, "倍", lang="en")
    ('12,500 CNY', '8 h', '3.2×')
    """
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return blank
    x = float(x)
    if x.is_integer():
        s = f"{int(x):,}"
    else:
        s = f"{x:,.3f}".rstrip("0").rstrip(".")
    if lang != "zh" and unit and unit != "%":
        key = f"unit.{unit}"
        text = t(key, lang, n=s)
        return text if not text.startswith(key) else f"{s} {unit}"
    return f"{s}{unit}"


def _pct(x: float) -> str:
    return fmt_num(round(float(x), 2), "%")


# --------------------------------------------------------------------------------------------- rule text
def rule_text(ind: ResolvedIndicator, lang: str) -> str:
    """How one indicator is scored, in words, with its own anchors and the rule's parameters."""
    r = ind.rule
    unit = ind.indicator.unit

    def num(x: float | None, u: str = "") -> str:
        return fmt_num(x, u, lang=lang)

    lower = ind.direction == "lower"
    kw: dict[str, Any] = {"thr": num(ind.threshold, unit), "tgt": num(ind.target, unit),
                          "str": num(ind.stretch, unit)}
    kind = r.type
    if kind == "linear":
        return t("doc.rule.linear_lower" if lower else "doc.rule.linear", lang, s_thr=num(r.score_threshold),
                 s_tgt=num(r.score_target), s_str=num(r.score_stretch), below=num(r.score_below), **kw)
    if kind == "ratio":
        return t("doc.rule.ratio_lower" if lower else "doc.rule.ratio", lang, cap=num(r.cap),
                 floor=num(r.floor), **kw)
    if kind == "band":
        return t("doc.rule.band", lang, tol=num(r.tolerance * 100, "%"), points=num(r.points_per_pct),
                 floor=num(r.floor), **kw)
    if kind == "steps":
        sep = "；" if lang == "zh" else "; "
        key = "doc.rule.step_lower" if lower else "doc.rule.step"
        steps = sep.join(t(key, lang, at=num(at, unit), score=num(sc)) for at, sc in r.steps)
        return t("doc.rule.steps", lang, steps=steps, below=num(r.score_below))
    if kind == "deduction":
        per = num(r.per, "%") if r.relative else num(r.per, unit)
        return t("doc.rule.deduction_lower" if lower else "doc.rule.deduction", lang, base=num(r.base),
                 per=per, points=num(r.points), floor=num(r.floor), cap=num(r.cap), **kw)
    if kind == "bonus":
        return t("doc.rule.bonus", lang, per=num(r.per, unit), points=num(r.points), cap=num(r.cap))
    if kind == "veto":
        return t("doc.rule.veto", lang, limit=num(r.limit, unit))
    if kind == "rating":
        # the score of every level as the engine gives it (with a target level the scale is anchored like the
        # linear rule, without one it is evenly spaced): the text cannot drift from the scoring
        from toolkit.scoring.rules import apply_rule

        levels = np.arange(1, r.levels + 1)
        scores = apply_rule(r, "higher", levels, threshold=ind.threshold, target=ind.target, stretch=ind.stretch)
        sep = "、" if lang == "zh" else ", "
        return t("doc.rule.rating_levels", lang, levels=r.levels,
                 scores=sep.join(num(round(float(x), 2)) for x in scores))
    return kind


def anchor_text(ind: ResolvedIndicator, lang: str) -> str:
    """门槛值 / 目标值 / 挑战值 as a form shows them; a rating scale's anchors are levels, not points.

    A rating with target level 4 of 5 reads "3 / 4 / 5 级" (threshold and stretch default to the target ∓ 1, as
    in the scoring engine); a rule that uses only the target shows the target alone (a band adds its tolerance).
    """
    if ind.rule.type == "rating" and ind.target is not None:
        g = float(ind.target)
        thr = ind.threshold if ind.threshold is not None else g - 1
        st = ind.stretch if ind.stretch is not None else min(g + 1, ind.rule.levels)
        return t("doc.rating_anchors", lang, thr=fmt_num(thr), tgt=fmt_num(g), str=fmt_num(st))
    unit = ind.indicator.unit
    if ind.threshold is None and ind.stretch is None and ind.target is not None:
        # only a target (band, deduction …): no dashes standing in for anchors the rule does not use
        tgt = fmt_num(ind.target, unit, lang=lang)
        if ind.rule.type == "band":
            return t("doc.band_anchor", lang, tgt=tgt, tol=fmt_num(ind.rule.tolerance * 100, "%"))
        return tgt
    return " / ".join(fmt_num(x, unit, lang=lang) for x in (ind.threshold, ind.target, ind.stretch))


# --------------------------------------------------------------------------------------------- calendar
_CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "half_year": 6, "annual": 12}


def _first_period_start(start: dt.date, months: int) -> dt.date:
    m0 = ((start.month - 1) // months) * months + 1
    first = dt.date(start.year, m0, 1)
    if first < start.replace(day=1) or start.day > 1:
        # a period already under way when the scheme starts: begin with the next one
        total = start.year * 12 + (m0 - 1) + months
        first = dt.date(total // 12, total % 12 + 1, 1)
    return first


def deadline_calendar(eng: Engagement, *, start: dt.date | None = None, today: dt.date | None = None,
                      periods: int | None = None) -> list[dict[str, dt.date]]:
    """The deadlines of the first year of the scheme, one row per appraisal period.

    Each period ends on its last day; self-review and data are due on ``cycles.submit_day`` of the next month,
    ratings on ``review_day`` (results published), interviews on ``interview_day``; appeals close
    ``appeal.window_days`` working days (Mon–Fri; public holidays not counted here) after publication.
    """
    today = today or dt.date.today()
    if start is None:
        eff = eng.governance.effective_date
        start = eff or (dt.date(today.year + (today.month == 12), today.month % 12 + 1, 1))
    months = _CYCLE_MONTHS.get(eng.cycles.default, 1)
    first = _first_period_start(start, months)
    n = periods or max(1, 12 // months)
    idx = np.arange(n)
    month_index = first.year * 12 + (first.month - 1) + idx * months  # start month of each period
    end_index = month_index + months  # first month after the period
    def dates(day: int) -> np.ndarray:
        y, m = end_index // 12, end_index % 12 + 1
        return np.array([np.datetime64(f"{yy:04d}-{mm:02d}-{day:02d}") for yy, mm in zip(y, m)])
    period_start = np.array([np.datetime64(f"{i // 12:04d}-{i % 12 + 1:02d}-01") for i in month_index])
    period_end = np.array([np.datetime64(f"{i // 12:04d}-{i % 12 + 1:02d}-01") for i in end_index]) - 1
    submit, review, interview = dates(eng.cycles.submit_day), dates(eng.cycles.review_day), dates(
        eng.cycles.interview_day)
    window = eng.appeal.window_days
    appeal = (np.busday_offset(review, window, roll="forward") if window else np.full(n, np.datetime64("NaT")))
    rows = []
    for i in range(n):
        rows.append({"start": period_start[i].astype(dt.date), "end": period_end[i].astype(dt.date),
                     "submit": submit[i].astype(dt.date), "review": review[i].astype(dt.date),
                     "interview": interview[i].astype(dt.date),
                     "appeal": None if not window else appeal[i].astype(dt.date)})
    return rows


def _date(d: dt.date | None, lang: str) -> str:
    if d is None:
        return "—"
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()


def _period_label(row: dict[str, dt.date], cycle: str, lang: str) -> str:
    s = row["start"]
    if cycle == "monthly":
        return f"{s.year}年{s.month}月" if lang == "zh" else f"{s:%Y-%m}"
    if cycle == "quarterly":
        q = (s.month - 1) // 3 + 1
        return f"{s.year}年第{zh_numeral(q)}季度" if lang == "zh" else f"{s.year} Q{q}"
    if cycle == "half_year":
        h = 1 if s.month <= 6 else 2
        return (f"{s.year}年{'上' if h == 1 else '下'}半年" if lang == "zh" else f"{s.year} H{h}")
    return f"{s.year}年度" if lang == "zh" else f"{s.year}"


# --------------------------------------------------------------------------------------------- builder
class _Builder:
    def __init__(self, eng: Engagement, scheme: Scheme, lang: str, today: dt.date,
                 figures: bool) -> None:
        self.eng, self.scheme, self.lang, self.today, self.figures = eng, scheme, lang, today, figures
        self.small = eng.client.size == "small"
        self.article_no = 0
        self.chapters: list[Chapter] = []
        self.appendices: list[Appendix] = []
        self.appendix_no: dict[str, str] = {}
        self.role_indicator_article = ""  # label of the first per-role indicator table's article

    # helpers ---------------------------------------------------------------------------------------------
    def T(self, key: str, **kw: Any) -> str:
        return t(key, self.lang, **kw)

    def sep(self) -> str:
        return "、" if self.lang == "zh" else ", "

    def chapter(self, key: str) -> Chapter:
        n = len(self.chapters) + 1
        label = f"第{zh_numeral(n)}章" if self.lang == "zh" else self.T("doc.chapter_label", n=n)
        ch = Chapter(n, label, self.T(f"doc.ch.{key}"), key)
        self.chapters.append(ch)
        return ch

    def article(self, ch: Chapter, title_key: str, *blocks: Block | str | None, **kw: Any) -> Article:
        self.article_no += 1
        n = self.article_no
        label = f"第{zh_numeral(n)}条" if self.lang == "zh" else self.T("doc.article_label", n=n)
        art = Article(n, label, self.T(title_key, **kw))
        for b in blocks:
            if b is None or b == "":
                continue
            art.blocks.append(Para(b) if isinstance(b, str) else b)
        ch.articles.append(art)
        return art

    def appendix(self, key: str) -> Appendix:
        n = len(self.appendices) + 1
        label = self.T("doc.appendix_label", n=n)
        ap = Appendix(n, label, self.T(f"doc.ap.{key}"), key)
        self.appendices.append(ap)
        return ap

    def cycle(self, c: str) -> str:
        return self.T(f"doc.cycle.{c}")

    def num(self, x: float | None, unit: str = "") -> str:
        return fmt_num(x, unit, lang=self.lang)

    def profile_text(self, section: str, name: str, value: Any) -> Any:
        """``value`` of ``section.name``, in English when the section came from the size profile.

        Sections an engagement leaves out are filled from ``templates/catalogue/size_profiles.yaml`` in Chinese;
        an English document uses the profile's ``text_en`` for them. Text the client wrote stays as written.
        """
        if self.lang != "en" or section in self.eng.model_fields_set:
            return value
        from toolkit.model.catalogue import size_profiles

        profile = size_profiles().get(self.eng.client.size)
        if profile is None or getattr(profile, section, {}).get(name) != value:
            return value  # not the profile's text (changed after loading): leave it
        return (profile.text_en.get(section) or {}).get(name, value)

    def role_name(self, rs: RoleScheme) -> str:
        return rs.role.name

    def items(self, texts: Iterable[str]) -> list[Para]:
        return [Para(x, "item") for x in texts]

    def enum(self, texts: list[str]) -> list[Para]:
        if self.lang == "zh":
            return [Para(f"（{zh_numeral(i + 1)}）{x}", "item") for i, x in enumerate(texts)]
        return [Para(f"({i + 1}) {x}", "item") for i, x in enumerate(texts)]

    # chapters --------------------------------------------------------------------------------------------
    def build(self) -> Document:
        eng = self.eng
        # appendix numbers first, so the text can refer to them
        keys = ["forms", "dictionary"]
        if any(rs.weights_method == "ahp" and rs.ahp is not None for rs in self.scheme.roles):
            keys.append("calibration")
        keys += ["interview", "pip", "appeal"]
        if eng.governance.democratic_procedure:
            keys.append("acknowledgement")
        self.appendix_no = {k: self.T("doc.appendix_label", n=i + 1) for i, k in enumerate(keys)}

        self.ch_general()
        self.ch_organisation()
        self.ch_cycles()
        self.ch_goals()
        self.ch_indicators()
        self.ch_weights()
        self.ch_methods()
        self.ch_scoring()
        self.ch_procedure()
        self.ch_results()
        self.ch_feedback()
        self.ch_appeal()
        self.ch_supplementary()
        for k in keys:
            getattr(self, f"ap_{k}")()
        eff = eng.governance.effective_date
        issued = _date(eff, self.lang) if eff else self.T("doc.issued_on_publication")
        labels = {k: self.T(f"doc.label.{k}") for k in (
            "toc", "page", "page_of", "prepared_for", "effective", "toc_hint", "figure", "table", "version")}
        return Document(self.lang, self.T("doc.title", client=eng.client.name),
                        self.T("doc.subtitle"), eng.client.name, issued, self.chapters, self.appendices, labels,
                        name=self.T("doc.name"), meta=self.T("doc.cover_meta", client=eng.client.name, date=issued))

    def ch_general(self) -> None:
        eng, ch = self.eng, self.chapter("general")
        self.article(ch, "doc.a.purpose", self.T("doc.purpose", client=eng.client.name))
        basis = [self.T("doc.basis")]
        if eng.strategy:
            basis.append(self.T("doc.basis_strategy"))
            basis += self.enum([s.text for s in eng.strategy])
        self.article(ch, "doc.a.basis", *basis)
        roles = self.sep().join(r.name for r in eng.roles)
        probation = self.T("doc.scope_probation_in" if eng.governance.probation_included else "doc.scope_probation_out")
        self.article(ch, "doc.a.scope", self.T("doc.scope", client=eng.client.name, roles=roles,
                                              n=eng.client.marketing_headcount), probation)
        shares = [rs.quant_share for rs in self.scheme.roles if rs.indicators]
        lo, hi = (min(shares), max(shares)) if shares else (0.0, 0.0)
        quant = (_pct(lo * 100) if abs(lo - hi) < 1e-9 else f"{_pct(lo * 100)}–{_pct(hi * 100)}")
        principles = [self.T("doc.principle.fair"), self.T("doc.principle.quant", quant=quant),
                      self.T("doc.principle.results"), self.T("doc.principle.feedback")]
        if not self.small:
            principles.insert(3, self.T("doc.principle.levels"))
        self.article(ch, "doc.a.principles", self.T("doc.principles_lead"), *self.enum(principles))
        if not self.small:
            terms = [self.T(f"doc.term.{k}") for k in ("kpi", "weight", "anchors", "grade")]
            self.article(ch, "doc.a.terms", *self.enum(terms))
        self.article(ch, "doc.a.uses", self.T("doc.uses"))

    def ch_organisation(self) -> None:
        eng, ch = self.eng, self.chapter("organisation")
        committee = self.sep().join(eng.governance.committee)
        if self.small:
            self.article(ch, "doc.a.leader", self.T("doc.org.small", committee=committee))
        else:
            self.article(ch, "doc.a.committee", self.T("doc.org.committee", committee=committee),
                         *self.enum([self.T(f"doc.org.committee.{i}") for i in range(1, 4)]))
        self.article(ch, "doc.a.hr", *self.enum([self.T(f"doc.org.hr.{i}") for i in range(1, 5)]))
        self.article(ch, "doc.a.head", *self.enum([self.T(f"doc.org.head.{i}") for i in range(1, 4)]))
        self.article(ch, "doc.a.employee", self.T("doc.org.employee"))

    def ch_cycles(self) -> None:
        eng, ch = self.eng, self.chapter("cycles")
        rows = [[rs.role.name, str(rs.role.headcount), self.cycle(rs.role.cycle or eng.cycles.default),
                 str(len(rs.indicators))] for rs in self.scheme.roles]
        self.article(ch, "doc.a.objects", self.T("doc.objects"),
                     Table([self.T("doc.col.role"), self.T("doc.col.headcount"), self.T("doc.col.cycle"),
                            self.T("doc.col.n_indicators")], rows, self.T("doc.cap.objects")))
        cyc = eng.cycles
        if cyc.annual == "weighted" and cyc.annual_weights:
            parts = self.sep().join(f"{self.cycle(k) if k in _CYCLE_MONTHS else k} {_pct(v * 100)}"
                                    for k, v in cyc.annual_weights.items())
            annual = self.T("doc.annual_weighted", parts=parts)
        else:
            annual = self.T("doc.annual_mean", cycle=self.cycle(cyc.default))
        self.article(ch, "doc.a.cycle", self.T("doc.cycle_text", cycle=self.cycle(cyc.default)), annual)
        cal = deadline_calendar(eng, today=self.today)
        crow = [[_period_label(r, cyc.default, self.lang), _date(r["submit"], self.lang), _date(r["review"], self.lang),
                 _date(r["interview"], self.lang), _date(r["appeal"], self.lang)] for r in cal]
        self.article(ch, "doc.a.calendar",
                     self.T("doc.calendar", submit=cyc.submit_day, review=cyc.review_day,
                            interview=cyc.interview_day),
                     Table([self.T("doc.col.period"), self.T("doc.col.submit"), self.T("doc.col.review"),
                            self.T("doc.col.interview"), self.T("doc.col.appeal_by")], crow,
                           self.T("doc.cap.calendar")),
                     Para(self.T("doc.calendar_note"), "note"))

    def ch_goals(self) -> None:
        eng, ch = self.eng, self.chapter("goals")
        strategy = {s.id: s.text for s in eng.strategy}
        serving: dict[str, list[str]] = {}
        for rs in self.scheme.roles:
            for ind in rs.indicators:
                if ind.goal:
                    serving.setdefault(ind.goal, []).append(f"{rs.role.name}：{ind.name(self.lang)}"
                                                            if self.lang == "zh" else
                                                            f"{rs.role.name}: {ind.name(self.lang)}")
        self.article(ch, "doc.a.goal_setting", self.T("doc.goal_setting"))
        if eng.goals:
            rows = []
            for g in eng.goals:
                target = ""
                if g.target is not None:
                    target = (f"{self.num(g.baseline, g.unit or '')} → {self.num(g.target, g.unit or '')}"
                              if g.baseline is not None else self.num(g.target, g.unit or ""))
                rows.append([g.text, self.sep().join(strategy.get(s, s) for s in g.strategy) or "—",
                             g.metric or "—", target or "—", _date(g.deadline, self.lang) if g.deadline else "—",
                             g.owner or "—", ("；" if self.lang == "zh" else "; ").join(serving.get(g.id, [])) or "—"])
            self.article(ch, "doc.a.goal_list", self.T("doc.goal_list", n=len(eng.goals)),
                         Table([self.T("doc.col.goal"), self.T("doc.col.strategy"), self.T("doc.col.metric"),
                                self.T("doc.col.target"), self.T("doc.col.deadline"), self.T("doc.col.owner"),
                                self.T("doc.col.serving")], rows, self.T("doc.cap.goals"),
                               widths=[3, 2.5, 2, 1.6, 1.6, 1.2, 3], small=True))
        n_linked = sum(1 for rs in self.scheme.roles for i in rs.indicators if i.goal)
        n_all = sum(len(rs.indicators) for rs in self.scheme.roles)
        n_basic = sum(1 for rs in self.scheme.roles for i in rs.indicators if i.basic)
        self.article(ch, "doc.a.alignment", self.T("doc.alignment", linked=n_linked, total=n_all, basic=n_basic))

    def ch_indicators(self) -> None:
        ch = self.chapter("indicators")
        cats: dict[str, int] = {}
        for rs in self.scheme.roles:
            for i in rs.indicators:
                cats[i.indicator.category] = cats.get(i.indicator.category, 0) + 1
        cat_text = self.sep().join(f"{self.T(f'doc.category.{c}')} {n}" for c, n in cats.items())
        self.article(ch, "doc.a.system", self.T("doc.system", cats=cat_text,
                                                 forms=self.appendix_no["forms"],
                                                 dictionary=self.appendix_no["dictionary"]))
        rows = []
        for rs in self.scheme.roles:
            q = rs.quant_share * 100
            band = f"{_pct(rs.band[0] * 100)}–{_pct(rs.band[1] * 100)}" if rs.band else "—"
            rows.append([rs.role.name, str(len(rs.indicators)), _pct(q), _pct(100 - q), band])
        self.article(ch, "doc.a.balance", self.T("doc.balance"),
                     Table([self.T("doc.col.role"), self.T("doc.col.n_indicators"), self.T("doc.col.quant"),
                            self.T("doc.col.qual"), self.T("doc.col.band")], rows, self.T("doc.cap.balance")))
        for rs in self.scheme.roles:
            trows = [[self.T(f"doc.category.{i.indicator.category}"), i.name(self.lang),
                      self.T("doc.quant" if i.quantitative else "doc.qual"), _pct(i.weight), self.cycle(i.cycle)]
                     for i in rs.indicators]
            art = self.article(ch, "doc.a.role_indicators", Table(
                [self.T("doc.col.dimension"), self.T("doc.col.indicator"), self.T("doc.col.type"),
                 self.T("doc.col.weight"), self.T("doc.col.cycle")], trows,
                self.T("doc.cap.role_indicators", role=rs.role.name)), role=rs.role.name)
            if not self.role_indicator_article:
                self.role_indicator_article = zh_numeral(art.number) if self.lang == "zh" else str(art.number)
        special = [(rs, i) for rs in self.scheme.roles for i in rs.indicators if i.rule.type in ("bonus", "veto")]
        if special:
            self.article(ch, "doc.a.special", self.T("doc.special"),
                         *self.items(f"{rs.role.name} · {i.name(self.lang)}：{rule_text(i, self.lang)}"
                                     if self.lang == "zh" else f"{rs.role.name} · {i.name(self.lang)}: "
                                     f"{rule_text(i, self.lang)}" for rs, i in special))

    def ch_weights(self) -> None:
        ch = self.chapter("weights")
        methods = {rs.weights_method for rs in self.scheme.roles}
        self.article(ch, "doc.a.weight_method", self.T("doc.weight_rules"),
                     self.T("doc.weight_ahp") if "ahp" in methods else None,
                     self.T("doc.weight_direct") if "direct" in methods else None)
        for rs in self.scheme.roles:
            rows = [[i.name(self.lang), _pct(i.weight)] for i in rs.indicators]
            cols = [self.T("doc.col.indicator"), self.T("doc.col.weight")]
            core = _ahp_core(rs.ahp)
            blocks: list[Block | str] = []
            if core is not None:
                w = getattr(core, "weights", None)
                if w is not None:
                    cols.insert(1, self.T("doc.col.ahp_weight"))
                    for row, i in zip(rows, rs.indicators):
                        row.insert(1, _pct(float(w.get(i.id, np.nan)) * 100) if i.id in w.index else "—")
                cr, thr = getattr(core, "cr", None), getattr(core, "threshold", 0.1)
                ok = getattr(core, "consistent", cr is not None and cr < thr)
                n_part = len(rs.role.weighting.participants) or 1
                blocks.append(self.T("doc.weight_role_ahp", role=rs.role.name, n=n_part,
                                     cr=f"{cr:.3f}" if cr is not None else "—", thr=f"{thr:.2f}",
                                     verdict=self.T("doc.cr_ok" if ok else "doc.cr_bad"),
                                     calibration=self.appendix_no.get("calibration", "")))
            else:
                blocks.append(self.T("doc.weight_role_direct", role=rs.role.name))
            blocks.append(Table(cols, rows, self.T("doc.cap.weights", role=rs.role.name)))
            self.article(ch, "doc.a.role_weights", *blocks, role=rs.role.name)

    def ch_methods(self) -> None:
        eng, ch = self.eng, self.chapter("methods")
        self.article(ch, "doc.a.method_kpi", self.T("doc.method.kpi"))
        if "mbo" in eng.methods:
            self.article(ch, "doc.a.method_mbo", self.T("doc.method.mbo"))
        rrows = [[self.T(f"doc.rater.{r.kind}"), _pct(r.weight * 100)] for r in eng.raters]
        rater_table = Table([self.T("doc.col.rater"), self.T("doc.col.weight")], rrows, self.T("doc.cap.raters"))
        if "360" in eng.methods:
            self.article(ch, "doc.a.method_360", self.T("doc.method.360"), rater_table,
                         self.T("doc.method.360_rules"))
        else:
            self.article(ch, "doc.a.raters", self.T("doc.raters"), rater_table)

    def ch_scoring(self) -> None:
        eng, ch = self.eng, self.chapter("scoring")
        used = sorted({i.rule.type for rs in self.scheme.roles for i in rs.indicators})
        self.article(ch, "doc.a.indicator_scores", self.T("doc.scores_lead"),
                     *self.items(self.T(f"doc.rule_kind.{k}") for k in used),
                     self.T("doc.scores_forms", forms=self.appendix_no["forms"]))
        self.article(ch, "doc.a.total", self.T("doc.total"),
                     self.T("doc.total_bonus") if "bonus" in used else None,
                     self.T("doc.total_veto") if "veto" in used else None)
        grades = sorted(eng.grades, key=lambda g: -g.min_score)
        grows = []
        upper = None
        for g in grades:
            rng = (self.T("doc.range_top", lo=fmt_num(g.min_score)) if upper is None
                   else self.T("doc.range", lo=fmt_num(g.min_score), hi=fmt_num(upper)))
            grows.append([g.code, g.name_en if self.lang == "en" else g.name_zh, rng])
            upper = g.min_score
        self.article(ch, "doc.a.grades", self.T("doc.grades", n=len(grades)),
                     Table([self.T("doc.col.grade"), self.T("doc.col.grade_name"), self.T("doc.col.score_range")],
                           grows, self.T("doc.cap.grades")))
        d = eng.distribution
        if d.mode == "none" or not d.shares:
            self.article(ch, "doc.a.distribution", self.T("doc.dist.none"))
        else:
            drow = [[code, _pct(share * 100)] for code, share in d.shares.items()]
            table = Table([self.T("doc.col.grade"), self.T("doc.col.share")], drow, self.T("doc.cap.distribution"))
            key = "doc.dist.forced" if d.mode == "forced" else "doc.dist.guideline"
            self.article(ch, "doc.a.distribution", self.T(key, min=d.min_group_size), table,
                         self.T("doc.dist.small", min=d.min_group_size))

    def ch_procedure(self) -> None:
        eng, ch = self.eng, self.chapter("procedure")
        cyc, fb = eng.cycles, eng.feedback
        steps = [self.T("doc.step.targets"), self.T("doc.step.coaching", checkin=self.T(f"doc.checkin.{fb.checkin}")),
                 self.T("doc.step.self", day=cyc.submit_day), self.T("doc.step.rating", day=cyc.review_day)]
        if not self.small or eng.distribution.mode != "none":
            steps.append(self.T("doc.step.calibration"))
        steps += [self.T("doc.step.publish", day=cyc.review_day),
                  self.T("doc.step.interview", day=cyc.interview_day, n=fb.interview_within_days),
                  self.T("doc.step.appeal", n=eng.appeal.window_days or "—"), self.T("doc.step.archive")]
        self.article(ch, "doc.a.steps", self.T("doc.steps_lead"), *self.enum(steps))

    def ch_results(self) -> None:
        eng, ch = self.eng, self.chapter("results")
        ru = eng.result_use
        if ru.bonus_coefficients:
            crow = [[g, fmt_num(c)] for g, c in ru.bonus_coefficients.items()]
            self.article(ch, "doc.a.pay", self.T("doc.pay"),
                         Table([self.T("doc.col.grade"), self.T("doc.col.coefficient")], crow,
                               self.T("doc.cap.coefficients")),
                         self.T("doc.pay_pool", pool=fmt_num(ru.bonus_pool)) if ru.bonus_pool else None)
        if ru.merit_matrix:
            bands = ru.compa_bands
            heads = ([f"< {fmt_num(bands[0])}"] + [f"{fmt_num(a)}–{fmt_num(b)}" for a, b in itertools.pairwise(bands)]
                     + [f"≥ {fmt_num(bands[-1])}"]) if bands else [""]
            mrows = [[g] + [fmt_num(v, "%") for v in vals] for g, vals in ru.merit_matrix.items()]
            self.article(ch, "doc.a.merit", self.T("doc.merit"),
                         Table([self.T("doc.col.grade")] + [self.T("doc.col.compa", band=h) for h in heads], mrows,
                               self.T("doc.cap.merit")),
                         self.T("doc.merit_budget", pct=fmt_num(ru.merit_budget_pct, "%"))
                         if ru.merit_budget_pct else None)
        if ru.promotion:
            self.article(ch, "doc.a.promotion", self.profile_text("result_use", "promotion", ru.promotion))
        training = self.profile_text("result_use", "training", list(ru.training))
        non_cash = self.profile_text("result_use", "non_cash", list(ru.non_cash))
        dev = [self.T("doc.training", items=self.sep().join(training))] if training else []
        if non_cash:
            dev.append(self.T("doc.non_cash", items=self.sep().join(non_cash)))
        if dev:
            self.article(ch, "doc.a.development", *dev)
        self.article(ch, "doc.a.bottom", ru.bottom_grade_action or None,
                     self.T("doc.bottom_safeguard", months=eng.feedback.pip_months, pip=self.appendix_no["pip"]))

    def ch_feedback(self) -> None:
        eng, ch = self.eng, self.chapter("feedback")
        fb = eng.feedback
        self.article(ch, "doc.a.interview", self.T("doc.interview", n=fb.interview_within_days,
                                                    form=self.appendix_no["interview"]))
        self.article(ch, "doc.a.pip", self.T("doc.pip", months=fb.pip_months,
                                              checkin=self.T(f"doc.checkin.{fb.checkin}"),
                                              form=self.appendix_no["pip"]))

    def ch_appeal(self) -> None:
        eng, ch = self.eng, self.chapter("appeal")
        ap = eng.appeal
        blank = "＿＿＿＿" if self.lang == "zh" else "____"
        channel = self.profile_text("appeal", "channel", ap.channel) or blank
        decider = self.profile_text("appeal", "decider", ap.decider) or blank
        self.article(ch, "doc.a.appeal_channel", self.T("doc.appeal.channel", channel=channel,
                                                         n=ap.window_days or blank, form=self.appendix_no["appeal"]))
        decision = self.T("doc.appeal.decision", decider=decider, n=ap.decision_days, channel=channel)
        self.article(ch, "doc.a.appeal_decision", decision[:1].upper() + decision[1:])
        self.article(ch, "doc.a.appeal_record", self.T("doc.appeal.record"))

    def ch_supplementary(self) -> None:
        eng, ch = self.eng, self.chapter("supplementary")
        gov = eng.governance
        self.article(ch, "doc.a.interpretation", self.T("doc.interpretation", who=gov.interpreter))
        if gov.democratic_procedure:
            self.article(ch, "doc.a.democratic", self.T("doc.democratic",
                                                         form=self.appendix_no.get("acknowledgement", "")))
        self.article(ch, "doc.a.other", self.T("doc.other"))
        eff = gov.effective_date
        self.article(ch, "doc.a.effective", self.T("doc.effective_date", date=_date(eff, self.lang)) if eff
                     else self.T("doc.effective_publication"))

    # appendices ------------------------------------------------------------------------------------------
    def ap_forms(self) -> None:
        ap = self.appendix("forms")
        ap.blocks.append(Para(self.T("doc.forms_lead")))
        for rs in self.scheme.roles:
            ap.blocks.append(Heading(self.T("doc.form_title", role=rs.role.name)))
            ap.blocks.append(Table([], [[self.T("doc.f.name"), "", self.T("doc.f.role"), rs.role.name],
                                        [self.T("doc.f.evaluator"), "", self.T("doc.f.period"), ""]],
                                   kind="kv", widths=[1, 2, 1, 2]))
            rows = []
            for k, i in enumerate(rs.indicators, start=1):
                anchors = anchor_text(i, self.lang)
                source = i.indicator.data_source_en if self.lang == "en" else i.indicator.data_source_zh
                name = i.name(self.lang)
                if i.cycle != (rs.role.cycle or self.eng.cycles.default):
                    name += f"\n（{self.cycle(i.cycle)}）" if self.lang == "zh" else f"\n({self.cycle(i.cycle)})"
                rows.append([str(k), self.T(f"doc.category.{i.indicator.category}"), name,
                             _pct(i.weight), anchors, rule_text(i, self.lang), source,
                             i.evaluator or self.T("doc.default_evaluator"), "", ""])
            rows.append(["", "", self.T("doc.f.total"), _pct(sum(i.weight for i in rs.indicators)), "", "", "",
                         "", "", ""])
            ap.blocks.append(Table([self.T("doc.col.no"), self.T("doc.col.dimension"), self.T("doc.col.indicator"),
                                    self.T("doc.col.weight"), self.T("doc.col.anchors"), self.T("doc.col.rule"),
                                    self.T("doc.col.source"), self.T("doc.col.evaluator"),
                                    self.T("doc.col.actual"), self.T("doc.col.score")], rows,
                                   small=True, widths=[0.5, 1, 1.8, 0.8, 1.5, 3.6, 1.6, 1, 0.9, 0.8]))
            ap.blocks.append(Para(self.T("doc.f.grade_line"), "sign"))
            ap.blocks.append(Para(self.T("doc.f.signatures"), "sign"))

    def ap_dictionary(self) -> None:
        ap = self.appendix("dictionary")
        seen: dict[str, ResolvedIndicator] = {}
        for rs in self.scheme.roles:
            for i in rs.indicators:
                seen.setdefault(i.id, i)
        rows = []
        for i in seen.values():
            ind = i.indicator
            en = self.lang == "en"
            rows.append([f"{i.name(self.lang)}\n({ind.id})", ind.definition_en if en else ind.definition_zh,
                         ind.formula_en if en else ind.formula_zh, unit_label(ind.unit, self.lang) or "—",
                         self.T(f"doc.direction.{ind.direction}"), ind.data_source_en if en else ind.data_source_zh,
                         self.cycle(ind.default_cycle)])
        ap.blocks.append(Table([self.T("doc.col.indicator"), self.T("doc.col.definition"), self.T("doc.col.formula"),
                                self.T("doc.col.unit"), self.T("doc.col.direction"), self.T("doc.col.source"),
                                self.T("doc.col.suggested_cycle")], rows, small=True,
                               widths=[1.6, 3, 2.6, 0.7, 0.8, 1.6, 0.8]))
        if self.role_indicator_article:
            ap.blocks.append(Para(self.T("doc.dictionary_cycle_note", article=self.role_indicator_article),
                                  "note"))

    def ap_calibration(self) -> None:
        ap = self.appendix("calibration")
        ap.blocks.append(Para(self.T("doc.calibration_lead")))
        for rs in self.scheme.roles:
            core = _ahp_core(rs.ahp)
            if core is None:
                continue
            ap.blocks.append(Heading(self.T("doc.calibration_role", role=rs.role.name)))
            names = list(getattr(core, "names", ()) or [i.id for i in rs.indicators])
            label = {i.id: i.name(self.lang) for i in rs.indicators}
            matrix = getattr(core, "matrix", None)
            if matrix is not None:
                m = np.asarray(matrix, dtype=float)
                rows = [[label.get(a, a)] + [_saaty(m[r, c]) for c in range(len(names))]
                        for r, a in enumerate(names)]
                n_part = len(rs.role.weighting.participants)
                cap = (self.T("doc.cap.matrix_group", role=rs.role.name, n=n_part) if n_part > 1
                       else self.T("doc.cap.matrix", role=rs.role.name))
                ap.blocks.append(Table([""] + [label.get(n, n) for n in names], rows, cap, small=True))
            w = getattr(core, "weights", None)
            table = _rounding_table(rs.ahp)
            if table is not None:
                rows = [[label.get(r.id, r.id), f"{r.ahp:.4f}", f"{r.adjusted:.2f}%", _pct(r.percent)]
                        for r in table.itertuples()]
                ap.blocks.append(Table([self.T("doc.col.indicator"), self.T("doc.col.ahp_weight"),
                                        self.T("doc.col.adjusted"), self.T("doc.col.weight")], rows,
                                       self.T("doc.cap.ahp_weights", role=rs.role.name)))
                ap.blocks.append(Para(self.rounding_note(table, rs.ahp.band, label), "note"))
            elif w is not None:
                pct = {i.id: i.weight for i in rs.indicators}
                rows = [[label.get(n, n), f"{float(w[n]):.4f}", _pct(pct.get(n, 0.0))] for n in names if n in w.index]
                ap.blocks.append(Table([self.T("doc.col.indicator"), self.T("doc.col.ahp_weight"),
                                        self.T("doc.col.weight")], rows, self.T("doc.cap.ahp_weights",
                                                                                role=rs.role.name)))
            cr = getattr(core, "cr", None)
            if cr is not None:
                ap.blocks.append(Para(self.T("doc.calibration_stats", lmax=f"{core.lambda_max:.4f}",
                                             ci=f"{core.ci:.4f}", ri=f"{core.ri:.2f}", cr=f"{cr:.4f}",
                                             thr=f"{core.threshold:.2f}",
                                             verdict=self.T("doc.cr_ok" if core.consistent else "doc.cr_bad"))))
            group = getattr(getattr(rs.ahp, "ahp", None), "participants", None)
            if group is not None and len(group) > 1:
                ok_text = {True: self.T("doc.yes"), False: self.T("doc.no")}
                prow = [[str(p.participant), fmt_num(round(float(p.weight), 3)), f"{float(p.cr):.4f}",
                         ok_text[bool(p.consistent)], ok_text[bool(p.included)]] for p in group.itertuples()]
                ap.blocks.append(Table([self.T("doc.col.participant"), self.T("doc.col.participant_weight"),
                                        "CR", self.T("doc.col.consistent"), self.T("doc.col.included")], prow,
                                       self.T("doc.cap.participants", role=rs.role.name)))
            for note in getattr(rs.ahp, "notes", []) or []:
                ap.blocks.append(Para(str(note), "note"))
            if self.figures and w is not None:
                png = _sensitivity_png(w.rename(index=dict(label)))
                if png:
                    ap.blocks.append(Figure(png, self.T("doc.cap.sensitivity", role=rs.role.name)))

    def rounding_note(self, table: Any, band: tuple[float, float] | None, label: dict[str, str]) -> str:
        """Why the whole-percent weights differ from the AHP weights, with this role's own numbers."""
        q = table["quantitative"].to_numpy(bool)
        share = float(table.loc[q, "ahp"].sum())
        two_groups = band is not None and q.any() and (~q).any()
        if band is None:
            band_text, action = "—", self.T("doc.rounding_no_band")
        else:
            band_text = f"{_pct(band[0] * 100)}–{_pct(band[1] * 100)}"
            inside = band[0] - 1e-12 <= share <= band[1] + 1e-12
            action = (self.T("doc.rounding_band_kept") if inside else
                      self.T("doc.rounding_band_moved", target=_pct(min(max(share, band[0]), band[1]) * 100)))
        groups = (self.T("doc.rounding_groups", q=int(table.loc[q, "percent"].sum()),
                         qual=int(table.loc[~q, "percent"].sum())) if two_groups
                  else self.T("doc.rounding_one_group", total=int(table["percent"].sum())))
        detail = self.T("doc.rounding_exact")
        key = table["ahp"].round(4)
        for _, same in table.groupby(key, sort=False):
            if len(same) > 1 and same["percent"].nunique() > 1:
                kind = {True: self.T("doc.quant"), False: self.T("doc.qual")}
                pcts = self.sep().join(
                    (f"{label.get(r.id, r.id)}（{kind[bool(r.quantitative)]}）" if self.lang == "zh" else
                     f"{label.get(r.id, r.id)} ({kind[bool(r.quantitative)]})") + f" {r.adjusted:.2f}% → {int(r.percent)}%"
                    for r in same.itertuples())
                detail = self.T("doc.rounding_detail", names=self.sep().join(label.get(i, i) for i in same["id"]),
                                ahp=f"{same['ahp'].iloc[0]:.4f}", pcts=pcts)
                break
        return self.T("doc.rounding_note", band=band_text, share=_pct(share * 100), band_action=action,
                      min=fmt_num(_MIN_PCT), groups=groups, detail=detail)

    def _blank_form(self, key: str, fields: list[str], lead: str | None = None) -> None:
        ap = self.appendix(key)
        if lead:
            ap.blocks.append(Para(lead))
        ap.blocks.append(Table([], [[self.T(f), ""] for f in fields], kind="form", widths=[1, 4]))
        ap.blocks.append(Para(self.T("doc.f.signatures"), "sign"))

    def ap_interview(self) -> None:
        self._blank_form("interview", [f"doc.f.{k}" for k in (
            "name_role", "period_grade", "interviewer_date", "achievements", "gaps", "causes", "next_goals",
            "support", "employee_view")])

    def ap_pip(self) -> None:
        self._blank_form("pip", [f"doc.f.{k}" for k in (
            "name_role", "pip_period", "pip_reason", "pip_targets", "pip_actions", "pip_support", "pip_checkins",
            "pip_result")], self.T("doc.pip_form_lead", months=self.eng.feedback.pip_months,
                                   checkin=self.T(f"doc.checkin.{self.eng.feedback.checkin}")))

    def ap_appeal(self) -> None:
        ap = self.eng.appeal
        self._blank_form("appeal", [f"doc.f.{k}" for k in (
            "name_role", "period_grade", "interviewer_date", "interviewed", "appeal_content", "appeal_evidence",
            "investigation", "appeal_result", "decider_opinion")],
            self.T("doc.appeal_form_lead", channel=self.profile_text("appeal", "channel", ap.channel) or "—",
                   n=ap.window_days or "—",
                   days=ap.decision_days))

    def ap_acknowledgement(self) -> None:
        ap = self.appendix("acknowledgement")
        ap.blocks.append(Para(self.T("doc.ack_text", title=self.T("doc.title", client=self.eng.client.name))))
        ap.blocks.append(Table([self.T("doc.col.no"), self.T("doc.f.ack_name"), self.T("doc.f.ack_role"),
                                self.T("doc.f.ack_sign"), self.T("doc.f.ack_date")],
                               [[str(k), "", "", "", ""] for k in range(1, 11)], kind="data"))


_MIN_PCT = 5.0  # the floor per indicator that toolkit.scheme.resolve's role_weights call uses (its default)


def _rounding_table(result: Any) -> Any:
    """A role's weights table with the adjusted weights before whole-percent rounding (None if not AHP).

    Columns ``id, quantitative, ahp, adjusted, percent``: ``adjusted`` is each weight after the share band and
    the minimum, scaled to its group's rounded total — the number that largest-remainder rounding turns into
    ``percent`` (from :func:`toolkit.weights.hierarchy.role_weights`).
    """
    table = getattr(result, "table", None)
    if table is None or not {"id", "ahp", "adjusted", "percent", "quantitative"} <= set(table.columns):
        return None
    out = table[["id", "quantitative", "ahp", "percent"]].copy()
    out["adjusted"] = table["adjusted"].to_numpy(float)
    return out


def _saaty(x: float) -> str:
    """A judgment as the workshop wrote it: 3, 1/3, 1 (empty when not judged)."""
    if not np.isfinite(x):
        return ""
    if x >= 1:
        return fmt_num(round(x, 2))
    inv = 1 / x
    return f"1/{fmt_num(round(inv, 2))}"


def _ahp_core(result: Any) -> Any:
    """The single-matrix AHP analysis inside a role's weights result (RoleWeights → AHPResult/GroupResult)."""
    if result is None:
        return None
    inner = getattr(result, "ahp", result)
    inner = getattr(inner, "aggregate", inner)
    return inner if hasattr(inner, "cr") else None


def _sensitivity_png(weights: Any) -> bytes | None:
    """The one-at-a-time sensitivity chart of a role's weights (None if the plotting module is absent)."""
    try:
        from toolkit.documents.plots_weights import plot_sensitivity
        from toolkit.weights.sensitivity import one_at_a_time
    except ImportError:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from toolkit.documents.fonts import use_cjk_theme

    use_cjk_theme()
    fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=150)
    try:
        plot_sensitivity(one_at_a_time(weights), ax=ax)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)


def build_document(eng: Engagement, lang: str = "zh", *, scheme: Scheme | None = None,
                   today: dt.date | None = None, figures: bool = True) -> Document:
    """Build the scheme document's content for ``eng`` in ``lang`` ('zh' or 'en').

    ``scheme`` may be passed when already resolved (AHP runs once); ``today`` fixes the calendar's start when
    the engagement has no effective date; ``figures=False`` skips the charts (faster, for previews).
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    scheme = scheme or resolve_scheme(eng)
    return _Builder(eng, scheme, lang, today or dt.date.today(), figures).build()
