"""The scheme's appendices: KPI forms, the indicator dictionary, the weight-calibration record, the objectives
agreement, 360° rating sheets, the results and calibration sheet, and the blank forms (interview, improvement
plan, appeal, acknowledgement). A mixin of the document builder in :mod:`toolkit.documents.content`.
"""
from __future__ import annotations

import io
from typing import Any

import numpy as np

from toolkit.documents.blocks import Figure, Heading, Para, Table
from toolkit.documents.rating_sheets import rating_sheets, uses_360
from toolkit.documents.wording import (
    anchor_text,
    behaviour_anchors,
    fmt_num,
    pct_text,
    rule_text,
    saaty_text,
    unit_label,
)
from toolkit.scheme.resolve import ResolvedIndicator

__all__ = ["MIN_PCT", "Appendices", "ahp_core", "rounding_table", "sensitivity_png"]


class Appendices:
    """Appendix builders; the document builder supplies T, appendix, sep, cycle, eng, scheme, rulebook …"""

    # appendices ------------------------------------------------------------------------------------------
    def ap_forms(self) -> None:
        ap = self.appendix("forms")
        ap.landscape = True  # ten columns: each form on a landscape page
        ap.blocks.append(Para(self.T("doc.forms_lead")))
        for k, rs in enumerate(self.scheme.roles):
            ap.blocks.append(Heading(self.T("doc.form_title", role=rs.role.name), new_page=k > 0))
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
                             pct_text(i.weight), anchors, rule_text(i, self.lang), source,
                             i.evaluator or self.T("doc.default_evaluator"), "", ""])
            rows.append(["", "", self.T("doc.f.total"), pct_text(sum(i.weight for i in rs.indicators)), "", "", "",
                         "", "", ""])
            ap.blocks.append(Table([self.T("doc.col.no"), self.T("doc.col.dimension"), self.T("doc.col.indicator"),
                                    self.T("doc.col.weight"), self.T("doc.col.anchors"), self.T("doc.col.rule"),
                                    self.T("doc.col.source"), self.T("doc.col.evaluator"),
                                    self.T("doc.col.actual"), self.T("doc.col.score")], rows,
                                   small=True, widths=[10, 17, 34, 13, 26, 70, 36, 19, 16, 16]))  # mm of 257
            # two signers a line (each line unbreakable): the whole form fits one landscape page
            gap = "\u3000" * 4 if self.lang == "zh" else "\u2003" * 3
            ap.blocks += [Para(self.T("doc.f.grade_line") + gap + self.T("doc.f.sign.employee"), "sign"),
                          Para(self.T("doc.f.sign.rater") + gap + self.T("doc.f.sign.reviewer"), "sign")]

    def ap_dictionary(self) -> None:
        ap = self.appendix("dictionary")
        ap.landscape = True  # seven columns of definitions and formulas
        seen: dict[str, ResolvedIndicator] = {}
        for rs in self.scheme.roles:
            for i in rs.indicators:
                seen.setdefault(i.id, i)
        rows = []
        for i in seen.values():
            ind = i.indicator
            en = self.lang == "en"
            formula = ind.formula_en if en else ind.formula_zh
            if i.rule.type == "rating":  # the levels and what they look like; the points are the rule's
                formula = self.T("doc.dict.rating", levels=i.rule.levels) + behaviour_anchors(i, self.lang)
            rows.append([i.name(self.lang), ind.definition_en if en else ind.definition_zh,
                         formula, unit_label(ind.unit, self.lang) or "—",
                         self.T(f"doc.direction.{ind.direction}"), ind.data_source_en if en else ind.data_source_zh,
                         self.cycle(ind.default_cycle)])
        ap.blocks.append(Table([self.T("doc.col.indicator"), self.T("doc.col.definition"), self.T("doc.col.formula"),
                                self.T("doc.col.unit"), self.T("doc.col.direction"), self.T("doc.col.source"),
                                self.T("doc.col.suggested_cycle")], rows, small=True,
                               widths=[38, 70, 60, 16, 18, 38, 17]))  # mm of 257
        if self.role_indicator_article:
            ap.blocks.append(Para(self.T("doc.dictionary_cycle_note", article=self.role_indicator_article,
                                         forms=self.appendix_no["forms"]),
                                  "note"))

    def ap_calibration(self) -> None:
        ap = self.appendix("calibration")
        ap.blocks.append(Para(self.T("doc.calibration_lead")))
        for rs in self.scheme.roles:
            core = ahp_core(rs.ahp)
            if core is None:
                continue
            ap.blocks.append(Heading(self.T("doc.calibration_role", role=rs.role.name)))
            names = list(getattr(core, "names", ()) or [i.id for i in rs.indicators])
            label = {i.id: i.name(self.lang) for i in rs.indicators}
            matrix = getattr(core, "matrix", None)
            if matrix is not None:
                m = np.asarray(matrix, dtype=float)
                rows = [[label.get(a, a)] + [saaty_text(m[r, c]) for c in range(len(names))]
                        for r, a in enumerate(names)]
                n_part = len(rs.role.weighting.participants)
                cap = (self.T("doc.cap.matrix_group", role=rs.role.name, n=n_part) if n_part > 1
                       else self.T("doc.cap.matrix", role=rs.role.name))
                ap.blocks.append(Table([""] + [label.get(n, n) for n in names], rows, cap, small=True))
            w = getattr(core, "weights", None)
            table = rounding_table(rs.ahp)
            if table is not None:
                rows = [[label.get(r.id, r.id), f"{r.ahp:.4f}", f"{r.adjusted:.2f}%", pct_text(r.percent)]
                        for r in table.itertuples()]
                ap.blocks.append(Table([self.T("doc.col.indicator"), self.T("doc.col.ahp_weight"),
                                        self.T("doc.col.adjusted"), self.T("doc.col.weight")], rows,
                                       self.T("doc.cap.ahp_weights", role=rs.role.name)))
                ap.blocks.append(Para(self.rounding_note(table, rs.ahp.band, label), "note"))
            elif w is not None:
                percent_of = {i.id: i.weight for i in rs.indicators}
                rows = [[label.get(n, n), f"{float(w[n]):.4f}", pct_text(percent_of.get(n, 0.0))] for n in names if n in w.index]
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
                png = sensitivity_png(w.rename(index=dict(label)))
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
            band_text = f"{pct_text(band[0] * 100)}–{pct_text(band[1] * 100)}"
            inside = band[0] - 1e-12 <= share <= band[1] + 1e-12
            action = (self.T("doc.rounding_band_kept") if inside else
                      self.T("doc.rounding_band_moved", target=pct_text(min(max(share, band[0]), band[1]) * 100)))
        groups = (self.T("doc.rounding_groups", q=int(table.loc[q, "percent"].sum()),
                         qual=int(table.loc[~q, "percent"].sum())) if two_groups
                  else self.T("doc.rounding_one_group", total=int(table["percent"].sum())))
        detail = self.T("doc.rounding_exact")
        key = table["ahp"].round(4)
        for _, same in table.groupby(key, sort=False):
            if len(same) > 1 and same["percent"].nunique() > 1:
                kind = {True: self.T("doc.quant"), False: self.T("doc.qual")}
                pcts = self.sep().join(
                    (f"{label.get(r.id, r.id)}（{kind[bool(r.quantitative)]}）" if self.lang == "zh" else  # no space after ）
                     f"{label.get(r.id, r.id)} ({kind[bool(r.quantitative)]}) ") + f"{r.adjusted:.2f}% → {int(r.percent)}%"
                    for r in same.itertuples())
                detail = self.T("doc.rounding_detail", names=self.sep().join(label.get(i, i) for i in same["id"]),
                                ahp=f"{same['ahp'].iloc[0]:.4f}", pcts=pcts)
                break
        return self.T("doc.rounding_note", band=band_text, share=pct_text(share * 100), band_action=action,
                      min=fmt_num(MIN_PCT), groups=groups, detail=detail)

    def blank_form(self, key: str, fields: list[str], lead: str | None = None,
                    signers: tuple[str, ...] = ("employee", "rater", "reviewer")) -> None:
        ap = self.appendix(key)
        if lead:
            ap.blocks.append(Para(lead))
        ap.blocks.append(Table([], [[self.T(f), ""] for f in fields], kind="form", widths=[1, 4]))
        ap.blocks += [Para(self.T(f"doc.f.sign.{who}"), "sign") for who in signers]

    def ap_mbo(self) -> None:
        """目标责任书: the goals an employee signs up to at the start of the year (MBO)."""
        ap = self.appendix("mbo")
        ap.blocks.append(Para(self.T("doc.mbo_lead")))
        ap.blocks.append(Table([], [[self.T("doc.f.name"), "", self.T("doc.f.role"), ""],
                                    [self.T("doc.f.period"), "", self.T("doc.f.evaluator"), ""]],
                               kind="kv", widths=[1, 2, 1, 2]))
        ap.blocks.append(Table([self.T("doc.col.no"), self.T("doc.col.goal"), self.T("doc.col.metric"),
                                self.T("doc.col.target"), self.T("doc.col.deadline"),
                                self.T("doc.mbo.indicator"),  # what it feeds: MBO is not scored on its own
                                self.T("doc.mbo.support")], [[str(k), "", "", "", "", "", ""] for k in range(1, 6)],
                               widths=[0.5, 3, 2, 1.5, 1.2, 1.6, 1.6]))
        ap.blocks += [Para(self.T(f"doc.f.sign.{who}"), "sign") for who in ("employee", "rater")]

    def ap_rating360(self) -> None:
        """360°评价表 (定性指标评价表 without the 360° method): one sheet a rater fills for one person, per role
        rated by several groups."""
        sheets = rating_sheets(self.eng, self.scheme, self.rulebook)  # the same decision as the XLSX forms
        full = uses_360(self.eng)
        ap = self.appendix("rating360", "" if full else "doc.ap.rating_sheet")
        lead = self.T("doc.rating360_lead", article=self.raters_article)
        if any(sh.anonymous for sh in sheets):  # only who may stay anonymous
            lead += ("" if self.lang == "zh" else " ") + self.T("doc.rating360_anonymous")
        ap.blocks.append(Para(lead))
        for k, sh in enumerate(sheets):
            rs, raters, rated = sh.role, sh.raters, sh.rated
            ap.blocks.append(Heading(self.T("doc.rating360_title" if full else "doc.rating_sheet_title",
                                            role=rs.role.name), new_page=k > 0))
            kinds = self.sep().join(self.T(f"doc.rater.{r.kind}") for r in raters)
            rater = "doc.rating360_rater" if sh.anonymous else "doc.rating_sheet_rater"
            ap.blocks.append(Table([], [[self.T("doc.f.name"), "", self.T("doc.f.period"), ""],
                                        [self.T("doc.rating360_kind"), kinds, self.T(rater), ""]],
                                   kind="kv", widths=[1, 2, 1, 2]))
            rows = [[str(n), i.name(self.lang), behaviour_anchors(i, self.lang).strip(), "", ""]
                    for n, i in enumerate(rated, 1)]
            ap.blocks.append(Table([self.T("doc.col.no"), self.T("doc.col.indicator"), self.T("doc.rating360_levels"),
                                    self.T("doc.rating360_rating"), self.T("doc.rating360_example")], rows,
                                   small=True, widths=[0.5, 1.6, 5, 0.8, 2]))

    def ap_summary(self) -> None:
        """考核结果汇总及校准表: every person's period or annual score, band grade and calibrated grade."""
        calibrated = self.calibrates  # no calibration meeting: a plain summary, the grade is the band grade
        ap = self.appendix("summary", "" if calibrated else "doc.ap.summary_plain")
        d = self.rulebook.distribution
        ap.blocks.append(Para(self.T("doc.summary_lead" if calibrated else "doc.summary_lead_plain")))
        ap.blocks.append(Table([], [[self.T("doc.f.period"), ""]], kind="form", widths=[1, 4]))  # which period
        people = ([(e.name, next((r.name for r in self.eng.roles if r.id == e.role), "")) for e in self.eng.employees]
                  or [("", r.name) for r in self.eng.roles for _ in range(r.headcount)])
        if calibrated:
            cols = [self.T("doc.summary.score"), self.T("doc.summary.band"),
                    self.T("doc.summary.final") if d.mode == "forced" else self.T("doc.summary.grade"),
                    self.T("doc.summary.note")]
            widths = [0.5, 1.5, 1.8, 1, 1, 1.2, 2.5]
        else:
            cols = [self.T("doc.summary.score"), self.T("doc.summary.grade"), self.T("doc.summary.remark")]
            widths = [0.5, 1.5, 1.8, 1, 1, 3.7]
        rows = [[str(k), name, role] + [""] * len(cols) for k, (name, role) in enumerate(people, 1)]
        ap.blocks.append(Table([self.T("doc.col.no"), self.T("doc.f.ack_name"), self.T("doc.f.ack_role")] + cols,
                               rows, widths=widths))
        ap.blocks += [Para(self.T(f"doc.f.sign.{who}"), "sign") for who in ("compiler", "approver")]

    def ap_interview(self) -> None:
        self.blank_form("interview", [f"doc.f.{k}" for k in (
            "name_role", "period_grade", "interviewer_date", "achievements", "gaps", "causes", "next_goals",
            "support", "employee_view")])

    def ap_pip(self) -> None:
        self.blank_form("pip", [f"doc.f.{k}" for k in (
            "name_role", "pip_period", "pip_reason", "pip_targets", "pip_actions", "pip_support", "pip_checkins",
            "pip_result")], self.T("doc.pip_form_lead", months=self.eng.feedback.pip_months,
                                   checkin=self.T(f"doc.checkin.{self.eng.feedback.checkin}")))

    def ap_appeal(self) -> None:
        ap = self.eng.appeal
        self.blank_form("appeal", [f"doc.f.{k}" for k in (
            "name_role", "period_grade", "interviewer_date", "interviewed", "appeal_content", "appeal_evidence",
            "investigation", "appeal_result", "decider_opinion")],
            self.T("doc.appeal_form_lead", channel=self.profile_text("appeal", "channel", ap.channel) or "—",
                   n=ap.window_days or "—",
                   days=ap.decision_days),
            signers=("appellant", "receiver", "decider"))

    def ap_acknowledgement(self) -> None:
        ap = self.appendix("acknowledgement")
        ap.blocks.append(Para(self.T("doc.ack_text", title=self.T("doc.title", client=self.eng.client.name))))
        ap.blocks.append(Table([self.T("doc.col.no"), self.T("doc.f.ack_name"), self.T("doc.f.ack_role"),
                                self.T("doc.f.ack_sign"), self.T("doc.f.ack_date")],
                               self.acknowledgement_rows(), kind="data"))

    def acknowledgement_rows(self) -> list[list[str]]:
        """One line per person who must sign: the listed employees by name, else one per head of the roles."""
        roles = {r.id: r.name for r in self.eng.roles}
        if self.eng.employees:
            return [[str(k), e.name, roles.get(e.role, ""), "", ""] for k, e in enumerate(self.eng.employees, 1)]
        heads = [r.name for r in self.eng.roles for _ in range(r.headcount)]
        return [[str(k), "", name, "", ""] for k, name in enumerate(heads, 1)]


MIN_PCT = 5.0  # the floor per indicator that toolkit.scheme.resolve's role_weights call uses (its default)


def rounding_table(result: Any) -> Any:
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


def ahp_core(result: Any) -> Any:
    """The single-matrix AHP analysis inside a role's weights result (RoleWeights → AHPResult/GroupResult)."""
    if result is None:
        return None
    inner = getattr(result, "ahp", result)
    inner = getattr(inner, "aggregate", inner)
    return inner if hasattr(inner, "cr") else None


def sensitivity_png(weights: Any) -> bytes | None:
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
