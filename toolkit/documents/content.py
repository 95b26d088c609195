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

import dataclasses
import datetime as dt
import functools
import itertools
import re
from collections.abc import Iterable
from typing import Any

from toolkit.checks.goals import smart_check
from toolkit.documents.appendices import Appendices, ahp_core
from toolkit.documents.blocks import Appendix, Article, Block, Chapter, Document, Para, Table
from toolkit.documents.calendar import calendar_years_estimated, date_text, deadline_calendar, period_label
from toolkit.documents.rating_sheets import hr_name
from toolkit.documents.rule_text import rater_rows, rule_sentences
from toolkit.documents.wording import (
    fmt_num,
    pct_text,
    rule_text,
    zh_numeral,
)
from toolkit.model.localise import localised
from toolkit.model.messages import messages, t
from toolkit.model.schema import Engagement
from toolkit.scheme.resolve import RoleScheme, Scheme, resolve_scheme
from toolkit.scheme.rulebook import EVENT_CYCLE, rulebook

__all__ = [
    "build_document",
]


CHAPTERS = ("general", "organisation", "cycles", "goals", "indicators", "weights", "methods", "scoring", "procedure",
            "results", "feedback", "appeal", "supplementary")  # the chapters, in order (each a ch_* method)

_CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
_SENTENCE_START = re.compile(r"(?:^|(?<=[.!?] ))\{(\w+)\}")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


@functools.cache
def _en_titles() -> frozenset[str]:
    """The English titles of the message catalogue (General Manager, Head of HR …)."""
    return frozenset(v.get("en", "") for k, v in messages().items() if k.startswith("title."))


# --------------------------------------------------------------------------------------------- builder
class _Builder(Appendices):
    def __init__(self, eng: Engagement, scheme: Scheme, lang: str, today: dt.date,
                 figures: bool, source: Engagement | None = None) -> None:
        self.eng, self.scheme, self.lang, self.today, self.figures = eng, scheme, lang, today, figures
        self.source = source or eng  # before localisation (English names replace the Chinese ones in eng)
        self.small = eng.client.size == "small"
        self.article_no = 0
        self.chapters: list[Chapter] = []
        self.appendices: list[Appendix] = []
        self.appendix_no: dict[str, str] = {}
        self.role_indicator_article = ""  # label of the first per-role indicator table's article
        self.raters_article = ""  # label of the article with the rater weights
        self.rulebook = rulebook(eng)
        self.hr = hr_name(eng, lang)  # the same name as the XLSX forms
        self.rules = rule_sentences(self.rulebook, lang)

    # helpers ---------------------------------------------------------------------------------------------
    def T(self, key: str, **kw: Any) -> str:
        raw = t(key, self.lang)
        if "{hr}" in raw:
            kw = {"hr": self.hr, **kw}  # one name for the HR function everywhere
        if not kw:
            return raw
        if self.lang == "en":  # a name that begins a sentence is capitalised: "The HR department …"
            starts = set(_SENTENCE_START.findall(raw)) & set(kw)
            if starts:
                raw = _SENTENCE_START.sub(lambda m: m.group(0).replace("{", "{cap__") if m.group(1) in starts
                                          else m.group(0), raw)
                kw = {**kw, **{f"cap__{k}": _capitalised(str(kw[k])) for k in starts}}
        return raw.format(**kw)

    def np(self, name: str) -> str:
        """A title as a noun phrase in English ("the General Manager"); anything else as it is."""
        if self.lang != "en" or name not in _en_titles() or name[:1].islower() or name.startswith(("an ", "a ")):
            return name
        return f"the {name}"

    def sep(self) -> str:
        return "、" if self.lang == "zh" else ", "

    def listing(self, items: Iterable[str]) -> str:
        """甲、乙和丙 / A, B and C."""
        items = list(items)
        if len(items) < 2:
            return "".join(items)
        return ("、" if self.lang == "zh" else ", ").join(items[:-1]) + ("和" if self.lang == "zh" else " and ") + items[-1]

    def chapter_label(self, n: int) -> str:
        return f"第{zh_numeral(n)}章" if self.lang == "zh" else self.T("doc.chapter_label", n=n)

    def chapter(self, key: str) -> Chapter:
        n = len(self.chapters) + 1
        label = self.chapter_label(n)
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

    def appendix(self, key: str, title_key: str = "") -> Appendix:
        n = len(self.appendices) + 1
        label = self.T("doc.appendix_label", n=n)
        ap = Appendix(n, label, self.T(title_key or f"doc.ap.{key}"), key)
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
        if self.lang != "en":
            return value
        own = (self.eng.text_en.get(section) or {}).get(name)
        if own:  # the client's own English
            return own
        if section in self.eng.model_fields_set:
            return value
        from toolkit.model.catalogue import size_profiles

        profile = size_profiles().get(self.eng.client.size)
        if profile is None or getattr(profile, section, {}).get(name) != value:
            return value  # not the profile's text (changed after loading): leave it
        return (profile.text_en.get(section) or {}).get(name, value)

    def in_sentence(self, items: list[str]) -> list[str]:
        """English list items inside a sentence start lower-case ("… courses and external events"), unless the
        word is an acronym or a name (a second capital, or a quoted name, keeps its capitals)."""
        if self.lang != "en":
            return items
        return [x[:1].lower() + x[1:] if x[:1].isupper() and x[1:2].islower() and x.split()[0] not in _en_titles()
                else x for x in items]

    def role_name(self, rs: RoleScheme) -> str:
        return rs.role.name

    def items(self, texts: Iterable[str]) -> list[Para]:
        return [Para(x, "item") for x in texts]

    def closed(self, texts: list[str]) -> list[str]:
        """The items of a list as the client wrote them, each closed like the document's own lists (；… 。)."""
        mid, end = ("；", "。") if self.lang == "zh" else (";", ".")
        out = []
        for k, x in enumerate(texts):
            x = x.rstrip()
            if x and x[-1] not in "。；;.！？!?，,、：:" and (self.lang == "zh" or not _CJK.search(x)):  # 中文 as given
                x += end if k == len(texts) - 1 else mid
            out.append(x)
        return out

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
        if "mbo" in eng.methods:
            keys.append("mbo")
        if any(len(self.rulebook.role(rs.role.id).raters) > 1 and any(i.rule.type == "rating" for i in rs.indicators)
               for rs in self.scheme.roles):
            keys.append("rating360")
        keys.append("summary")
        keys += ["interview", "pip", "appeal"]
        if eng.governance.democratic_procedure:
            keys.append("acknowledgement")
        self.appendix_no = {k: self.T("doc.appendix_label", n=i + 1) for i, k in enumerate(keys)}

        for key in CHAPTERS:
            getattr(self, f"ch_{key}")()
        for k in keys:
            getattr(self, f"ap_{k}")()
        eff = eng.governance.effective_date
        issued = date_text(eff, self.lang) if eff else self.T("doc.issued_on_publication")
        labels = {k: self.T(f"doc.label.{k}") for k in (
            "toc", "page", "page_of", "prepared_for", "effective", "toc_hint", "figure", "table", "version")}
        return Document(self.lang, self.T("doc.title", client=eng.client.name),
                        self.T("doc.subtitle"), eng.client.name, issued, self.chapters, self.appendices, labels,
                        name=self.T("doc.name"), meta=self.T("doc.cover_meta", client=eng.client.name, date=issued),
                        control=self.control_table())

    def control_table(self) -> Table:
        """文件编号, 版本 and the approval block (拟制 / 审核 / 批准, each with a signature and a date)."""
        gov = self.eng.governance
        blank = "＿＿＿＿＿＿＿＿" if self.lang == "zh" else "________________"
        rows = [[self.T("doc.control.number"), gov.document_no or blank, self.T("doc.label.version"), gov.version]]
        for key, who in (("drafted", gov.drafted_by), ("reviewed", gov.reviewed_by), ("approved", gov.approved_by)):
            rows.append([self.T(f"doc.control.{key}"), who or blank, self.T("doc.control.date"), blank])
        return Table([], rows, kind="kv", widths=[1, 2, 1, 2])

    def ch_general(self) -> None:
        eng, ch = self.eng, self.chapter("general")
        pays = self.rulebook.pay.rule != "none" or bool(eng.result_use.merit_matrix)  # results move pay at all
        self.article(ch, "doc.a.purpose", self.T("doc.purpose", client=eng.client.name,
                                                 basis=self.T("doc.basis.pay" if pays else "doc.basis.no_pay")))
        basis = [self.T("doc.basis")]
        if eng.strategy:
            basis.append(self.T("doc.basis_strategy"))
            basis += self.enum(self.closed([s.text for s in eng.strategy]))
        self.article(ch, "doc.a.basis", *basis)
        roles = self.listing(r.name for r in eng.roles)
        probation = self.T("doc.scope_probation_in" if eng.governance.probation_included else "doc.scope_probation_out")
        self.article(ch, "doc.a.scope", self.T("doc.scope", client=eng.client.name, roles=roles,
                                              n=eng.client.marketing_headcount), probation)
        shares = [rs.quant_share for rs in self.scheme.roles if rs.indicators]
        lo, hi = (min(shares), max(shares)) if shares else (0.0, 0.0)
        quant = (pct_text(lo * 100) if abs(lo - hi) < 1e-9 else f"{pct_text(lo * 100)}–{pct_text(hi * 100)}")
        principles = [self.T("doc.principle.fair"), self.T("doc.principle.quant", quant=quant),
                      self.T("doc.principle.results"), self.T("doc.principle.feedback")]
        if not self.small:
            principles.insert(3, self.T("doc.principle.levels"))
        self.article(ch, "doc.a.principles", self.T("doc.principles_lead"), *self.enum(principles))
        if not self.small:
            terms = [self.T(f"doc.term.{k}") for k in ("kpi", "weight", "anchors", "grade")]
            self.article(ch, "doc.a.terms", *self.enum(terms))
        ru = eng.result_use  # only the uses this scheme has: no "绩效工资" where rewards are non-cash
        uses = ["pay"] if self.rulebook.pay.rule != "none" else []
        uses += ["merit"] if ru.merit_matrix else []
        uses += ["non_cash"] if ru.non_cash and not uses else []
        uses += ["promotion", "training", "improvement"]
        self.article(ch, "doc.a.uses", self.T("doc.uses", uses=self.listing(self.T(f"doc.use.{u}") for u in uses)))

    @property
    def calibrates(self) -> bool:
        """Whether results go through a calibration meeting (a committee, or a grade distribution to keep)."""
        return not self.small or self.rulebook.distribution.mode != "none"

    def appeal_roles(self) -> tuple[bool, bool]:
        """Whether the committee (the small company's leaders) decides appeals, and whether the HR function
        receives them — as chapter 12 says, so that chapter 2 never gives appeals to someone else."""
        src = self.source  # the engagement as written: the English build's names are translations of these
        ap, gov = src.appeal, src.governance
        decider, channel = ap.decider.strip(), ap.channel.strip()
        if self.small:  # the leaders together (甲、乙和丙), or the only one
            members = list(gov.committee)
            together = "、".join(members[:-1]) + "和" + members[-1] if len(members) > 1 else "".join(members)
            committee_decides = decider in {"、".join(members), together}
        else:
            committee_decides = "委员会" in decider
        hr_receives = channel in {gov.interpreter, t("doc.hr_default", "zh")}
        return committee_decides, hr_receives

    def ch_organisation(self) -> None:
        eng, ch = self.eng, self.chapter("organisation")
        committee = self.listing(self.np(m) for m in eng.governance.committee)
        committee_decides, hr_receives = self.appeal_roles()
        appeal_chapter = self.chapter_label(CHAPTERS.index("appeal") + 1)
        if self.small:
            self.article(ch, "doc.a.leader", self.T("doc.org.small" if committee_decides else "doc.org.small_no_appeal",
                                                    committee=committee, chapter=appeal_chapter))
        else:
            duties = [self.T(f"doc.org.committee.{i}") for i in range(1, 3)]
            if committee_decides:
                duties.append(self.T("doc.org.committee.3"))
            else:  # the appeal chapter names who decides: the committee's list ends with its results duty
                duties[-1] = duties[-1][:-1] + ("。" if self.lang == "zh" else ".")
            self.article(ch, "doc.a.committee", self.T("doc.org.committee", committee=committee),
                         *self.enum(duties))
        self.article(ch, "doc.a.hr", *self.enum([self.T(f"doc.org.hr.{i}" if i != 3 or hr_receives
                                                        else "doc.org.hr.3_support") for i in range(1, 5)]))
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
        self.article(ch, "doc.a.cycle", self.T("doc.cycle_text", cycle=self.cycle(cyc.default)),
                     self.rules["period"], self.rules["annual"])
        cal = deadline_calendar(eng, today=self.today)
        crow = [[period_label(r, cyc.default, self.lang), date_text(r["submit"], self.lang), date_text(r["review"], self.lang),
                 date_text(r["interview"], self.lang), date_text(r["appeal"], self.lang)] for r in cal]
        self.article(ch, "doc.a.calendar",
                     self.T("doc.calendar", submit=cyc.submit_day, review=cyc.review_day,
                            interview=cyc.interview_day),
                     Table([self.T("doc.col.period"), self.T("doc.col.submit"), self.T("doc.col.review"),
                            self.T("doc.col.interview"), self.T("doc.col.appeal_by")], crow,
                           self.T("doc.cap.calendar")),
                     Para(self.T("doc.calendar_note_estimated", years="、".join(map(str, est)) if self.lang == "zh"
                                 else self.listing(map(str, est))) if (est := calendar_years_estimated(cal))
                          else self.T("doc.calendar_note"), "note"))

    def ch_goals(self) -> None:
        eng, ch = self.eng, self.chapter("goals")
        strategy = {s.id: s.text for s in eng.strategy}
        serving: dict[str, dict[str, list[str]]] = {}  # goal → role → the indicators serving it
        for rs in self.scheme.roles:
            for ind in rs.indicators:
                if ind.goal:
                    serving.setdefault(ind.goal, {}).setdefault(rs.role.name, []).append(ind.name(self.lang))
        colon = "：" if self.lang == "zh" else ": "
        self.article(ch, "doc.a.goal_setting", self.T("doc.goal_setting"))
        if eng.goals:
            rows = []
            for g in eng.goals:
                target = ""
                if g.target is not None:
                    target = (f"{self.num(g.baseline, g.unit or '')} → {self.num(g.target, g.unit or '')}"
                              if g.baseline is not None else self.num(g.target, g.unit or ""))
                # metric, baseline → target and deadline in one cell: six columns fit a portrait page unsplit
                measure = [g.metric or "—", target or "—"]
                if g.deadline:
                    measure.append(self.T("doc.goal_by", date=date_text(g.deadline, self.lang)))
                rows.append([g.text, self.sep().join(strategy.get(s, s) for s in g.strategy) or "—",
                             "\n".join(measure), g.owner or "—",
                             "\n".join(f"{role}{colon}{self.sep().join(names)}"  # a line per role
                                       for role, names in serving.get(g.id, {}).items()) or "—",
                             self.smart_mark(g)])
            self.article(ch, "doc.a.goal_list", self.T("doc.goal_list", n=len(eng.goals)),
                         Table([self.T("doc.col.goal"), self.T("doc.col.strategy"), self.T("doc.col.measure"),
                                self.T("doc.col.owner"), self.T("doc.col.serving"), self.T("doc.col.smart")], rows,
                               self.T("doc.cap.goals"), widths=[3, 2.6, 2.4, 1.4, 2.8, 1.3], small=True))
        n_linked = sum(1 for rs in self.scheme.roles for i in rs.indicators if i.goal)
        n_all = sum(len(rs.indicators) for rs in self.scheme.roles)
        n_basic = sum(1 for rs in self.scheme.roles for i in rs.indicators if i.basic)
        rest = n_all - n_linked - n_basic
        self.article(ch, "doc.a.alignment", self.T("doc.alignment", linked=n_linked, total=n_all, basic=n_basic),
                     self.T("doc.alignment_rest", rest=rest) if rest > 0 else None)

    def smart_mark(self, goal: Any) -> str:
        """Whether a goal passes the SMART check, and what it still lacks (a failing goal is never unmarked)."""
        res = smart_check(goal, self.lang, engagement=self.eng)
        if res.ok:
            return self.T("doc.smart.ok")
        missing = sorted({str(i["criterion"]) for i in res.items if not i["ok"]}, key="SMART".find)
        return self.T("doc.smart.todo", missing="".join(missing) or "S")

    def ch_indicators(self) -> None:
        ch = self.chapter("indicators")
        cats: dict[str, int] = {}
        for rs in self.scheme.roles:
            for i in rs.indicators:
                cats[i.indicator.category] = cats.get(i.indicator.category, 0) + 1
        cat_text = self.sep().join(f"{self.T(f'doc.category.{c}')} {n} 项" if self.lang == "zh"
                                   else f"{self.T(f'doc.category.{c}')} {n}" for c, n in cats.items())
        self.article(ch, "doc.a.system", self.T("doc.system", cats=cat_text,
                                                 forms=self.appendix_no["forms"],
                                                 dictionary=self.appendix_no["dictionary"]))
        rows = []
        for rs in self.scheme.roles:
            q = rs.quant_share * 100
            band = f"{pct_text(rs.band[0] * 100)}–{pct_text(rs.band[1] * 100)}" if rs.band else "—"
            rows.append([rs.role.name, str(len(rs.indicators)), pct_text(q), pct_text(100 - q), band])
        self.article(ch, "doc.a.balance", self.T("doc.balance"),
                     Table([self.T("doc.col.role"), self.T("doc.col.n_indicators"), self.T("doc.col.quant"),
                            self.T("doc.col.qual"), self.T("doc.col.band")], rows, self.T("doc.cap.balance")))
        for rs in self.scheme.roles:
            trows = [[self.T(f"doc.category.{i.indicator.category}"), i.name(self.lang),
                      self.T("doc.quant" if i.quantitative else "doc.qual"), pct_text(i.weight), self.cycle(i.cycle)]
                     for i in rs.indicators]
            art = self.article(ch, "doc.a.role_indicators", Table(
                [self.T("doc.col.dimension"), self.T("doc.col.indicator"), self.T("doc.col.type"),
                 self.T("doc.col.weight"), self.T("doc.col.cycle")], trows), role=rs.role.name)  # the heading names it
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
                     (self.T("doc.weight_direct" if "ahp" in methods else "doc.weight_direct_all")
                      if "direct" in methods else None))
        for rs in self.scheme.roles:
            rows = [[i.name(self.lang), pct_text(i.weight)] for i in rs.indicators]
            cols = [self.T("doc.col.indicator"), self.T("doc.col.weight")]
            core = ahp_core(rs.ahp)
            blocks: list[Block | str] = []
            if core is not None:
                w = getattr(core, "weights", None)
                if w is not None:
                    cols.insert(1, self.T("doc.col.ahp_weight"))
                    for row, i in zip(rows, rs.indicators):
                        row.insert(1, f"{float(w[i.id]) * 100:.2f}%" if i.id in w.index else "—")
                cr, thr = getattr(core, "cr", None), getattr(core, "threshold", 0.1)
                ok = getattr(core, "consistent", cr is not None and cr < thr)
                n_part = len(rs.role.weighting.participants) or 1
                record = "doc.ahp_record_sensitivity" if self.figures and w is not None else "doc.ahp_record"
                blocks.append(self.T("doc.weight_role_ahp", role=rs.role.name,
                                     panel=self.T("doc.panellist" if n_part == 1 else "doc.panellists", n=n_part),
                                     record=self.T(record),
                                     cr=f"{cr:.4f}" if cr is not None else "—", thr=f"{thr:.2f}",  # as in the appendix
                                     verdict=self.T("doc.cr_ok" if ok else "doc.cr_bad"),
                                     calibration=self.appendix_no.get("calibration", "")))
            else:
                blocks.append(self.T("doc.weight_role_direct", role=rs.role.name))
            blocks.append(Table(cols, rows))  # no caption: the article's heading is "{role}指标权重" already
            self.article(ch, "doc.a.role_weights", *blocks, role=rs.role.name)

    def ch_methods(self) -> None:
        eng, ch = self.eng, self.chapter("methods")
        self.article(ch, "doc.a.method_kpi", self.T("doc.method.kpi"))
        if "mbo" in eng.methods:
            self.article(ch, "doc.a.method_mbo", self.T("doc.method.mbo"))
        head, rrows = rater_rows(self.rulebook, {rs.role.id: rs.role.name for rs in self.scheme.roles}, self.lang)
        rater_table = Table(head, rrows, self.T("doc.cap.raters"))
        if "360" in eng.methods:
            art = self.article(ch, "doc.a.method_360", self.T("doc.method.360"), self.rules["raters"], rater_table,
                               self.T("doc.method.360_rules"))
        else:
            art = self.article(ch, "doc.a.raters", self.rules["raters"], rater_table)
        self.raters_article = art.label  # the rating sheets say where the rater weights are

    def ch_scoring(self) -> None:
        eng, ch = self.eng, self.chapter("scoring")
        used = sorted({i.rule.type for rs in self.scheme.roles for i in rs.indicators})
        kinds = [self.T(f"doc.rule_kind.{k}").rstrip("；;。.") for k in used]
        close = ("；", "。") if self.lang == "zh" else (";", ".")
        self.article(ch, "doc.a.indicator_scores", self.T("doc.scores_lead"),
                     *self.items(x + close[k == len(kinds) - 1] for k, x in enumerate(kinds)),
                     self.T("doc.scores_forms", forms=self.appendix_no["forms"]))
        cycles = {i.cycle for rs in self.scheme.roles for i in rs.indicators} | {
            self.rulebook.role(rs.role.id).cycle for rs in self.scheme.roles}
        self.article(ch, "doc.a.total", self.rules["total"], self.rules["missing"],
                     self.rules["other_cycles"] if len(cycles) > 1 else None,
                     self.rules["events"] if EVENT_CYCLE in cycles else None,
                     self.rules["bonus"] if "bonus" in used else None,
                     self.rules["veto"] if "veto" in used else None)
        grades = sorted(eng.grades, key=lambda g: -g.min_score)
        grows = []
        upper = None
        for g in grades:
            rng = (self.T("doc.range_top", lo=fmt_num(g.min_score)) if upper is None
                   else self.T("doc.range", lo=fmt_num(g.min_score), hi=fmt_num(upper)))
            grows.append([g.code, g.name_en if self.lang == "en" else g.name_zh, rng])
            upper = g.min_score
        self.article(ch, "doc.a.grades", self.rules["grades"],
                     Table([self.T("doc.col.grade"), self.T("doc.col.grade_name"), self.T("doc.col.score_range")],
                           grows, self.T("doc.cap.grades")))
        d = self.rulebook.distribution
        if d.mode == "none":
            self.article(ch, "doc.a.distribution", self.rules["distribution"])
        else:
            drow = [[b.label, pct_text(b.share * 100)] for b in d.bins]
            table = Table([self.T("doc.col.grade"), self.T("doc.col.share")], drow, self.T("doc.cap.distribution"))
            self.article(ch, "doc.a.distribution", self.rules["distribution"], table,
                         self.rules["form_grade"] if d.mode == "forced" else None)

    def ch_procedure(self) -> None:
        eng, ch = self.eng, self.chapter("procedure")
        cyc, fb = eng.cycles, eng.feedback
        steps = [self.T("doc.step.targets"), self.T("doc.step.coaching", checkin=self.T(f"doc.checkin.{fb.checkin}")),
                 self.T("doc.step.self", day=cyc.submit_day), self.T("doc.step.rating", day=cyc.review_day)]
        if self.calibrates:
            steps.append(self.T("doc.step.calibration") if not self.small else self.T(
                "doc.step.calibration_small", committee=self.listing(self.np(m) for m in eng.governance.committee)))
        steps += [self.T("doc.step.publish", day=cyc.review_day),
                  self.T("doc.step.interview", day=cyc.interview_day, n=fb.interview_within_days),
                  self.T("doc.step.appeal", n=eng.appeal.window_days or "—"), self.T("doc.step.archive")]
        self.article(ch, "doc.a.steps", self.T("doc.steps_lead"), *self.enum(steps))

    def ch_results(self) -> None:
        eng, ch = self.eng, self.chapter("results")
        ru = eng.result_use
        pay = self.rulebook.pay
        if pay.rule != "none":
            crow = [[g, fmt_num(c)] for g, c in pay.coefficients.items()]
            self.article(ch, "doc.a.pay", self.rules["pay"],
                         Table([self.T("doc.col.grade"), self.T("doc.col.coefficient")], crow,
                               self.T("doc.cap.coefficients")),
                         self.rules.get("budget"))
        else:  # no performance pay: the article is about the rewards there are
            self.article(ch, "doc.a.rewards", self.rules["pay"])
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
        training = self.in_sentence(self.profile_text("result_use", "training", list(ru.training)))
        non_cash = self.in_sentence(self.profile_text("result_use", "non_cash", list(ru.non_cash)))
        dev = [self.T("doc.training", items=self.listing(training))] if training else []
        if non_cash:
            dev.append(self.T("doc.non_cash", items=self.listing(non_cash)))
        if dev:
            self.article(ch, "doc.a.development", *dev)
        # the client's own rule for the bottom grade, or the default plan; the legal safeguard either way (said once)
        action = ru.bottom_grade_action or ""
        says_it = any(w in action.lower() for w in ("解除劳动合同", "terminat", "dismiss"))
        self.article(ch, "doc.a.bottom", action or None,
                     self.T("doc.bottom_safeguard_short" if says_it else "doc.bottom_safeguard_law") if action else
                     self.T("doc.bottom_safeguard", months=eng.feedback.pip_months, pip=self.appendix_no["pip"]))

    def ch_feedback(self) -> None:
        eng, ch = self.eng, self.chapter("feedback")
        fb = eng.feedback
        self.article(ch, "doc.a.interview", self.T("doc.interview", n=fb.interview_within_days,
                                                    form=self.appendix_no["interview"]))
        low = [g.code for g in sorted(eng.grades, key=lambda g: g.min_score)][:2 if len(eng.grades) >= 4 else 1]
        codes = ("、" if self.lang == "zh" else " or ").join(reversed(low))
        self.article(ch, "doc.a.pip", self.T("doc.pip", months=fb.pip_months, codes=codes,
                                              checkin=self.T(f"doc.checkin.{fb.checkin}"),
                                              form=self.appendix_no["pip"]))

    def ch_appeal(self) -> None:
        eng, ch = self.eng, self.chapter("appeal")
        ap = eng.appeal
        blank = "＿＿＿＿" if self.lang == "zh" else "____"
        channel = self.np(self.profile_text("appeal", "channel", ap.channel)) or blank
        decider = self.np(self.profile_text("appeal", "decider", ap.decider)) or blank
        self.article(ch, "doc.a.appeal_channel", self.T("doc.appeal.channel", channel=channel,
                                                         n=ap.window_days or blank, form=self.appendix_no["appeal"]))
        decision = self.T("doc.appeal.decision", decider=decider, n=ap.decision_days, channel=channel)
        self.article(ch, "doc.a.appeal_decision", decision[:1].upper() + decision[1:])
        self.article(ch, "doc.a.appeal_review",
                     self.T("doc.appeal.second", second=self.np(self.profile_text("appeal", "second_instance",
                                                                                  ap.second_instance)))
                     if ap.second_instance else self.T("doc.appeal.external"))
        self.article(ch, "doc.a.appeal_record", self.T("doc.appeal.record"))

    def ch_supplementary(self) -> None:
        eng, ch = self.eng, self.chapter("supplementary")
        gov = eng.governance
        self.article(ch, "doc.a.interpretation", self.T("doc.interpretation", who=self.np(self.hr)))
        if gov.democratic_procedure:
            form = self.appendix_no.get("acknowledgement", "")
            pays = self.rulebook.pay.rule != "none" or bool(eng.result_use.merit_matrix)
            stake = self.T("doc.stake.pay" if pays else "doc.stake.no_pay")
            self.article(ch, "doc.a.democratic",
                         self.T("doc.democratic_done", date=date_text(gov.democratic_date, self.lang),
                                body=gov.democratic_body or self.T("doc.democratic_body_default"), form=form,
                                stake=stake)
                         if gov.democratic_date else self.T("doc.democratic", form=form, stake=stake))
        self.article(ch, "doc.a.other", self.T("doc.other"))
        eff = gov.effective_date
        self.article(ch, "doc.a.effective", self.T("doc.effective_date", date=date_text(eff, self.lang)) if eff
                     else self.T("doc.effective_publication"))


def build_document(eng: Engagement, lang: str = "zh", *, scheme: Scheme | None = None,
                   today: dt.date | None = None, figures: bool = True) -> Document:
    """Build the scheme document's content for ``eng`` in ``lang`` ('zh' or 'en').

    ``scheme`` may be passed when already resolved (AHP runs once); ``today`` fixes the calendar's start when
    the engagement has no effective date; ``figures=False`` skips the charts (faster, for previews).
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    scheme = scheme or resolve_scheme(eng)
    source = eng
    if lang == "en":  # the names the client gave in English (the weights are the same: not resolved again)
        eng = localised(eng, lang)
        scheme = dataclasses.replace(scheme, engagement=eng, roles=[
            dataclasses.replace(rs, role=eng.role(rs.role.id)) for rs in scheme.roles])
    return _Builder(eng, scheme, lang, today or dt.date.today(), figures, source).build()
