"""Per-role KPI forms as Excel workbooks with live formulas that equal the scoring engine.

Each form has the columns used in practice (维度, 指标, 定义/公式, 权重, 门槛值/目标值/挑战值, 评分规则, 数据来源,
考核人, 实际值, 得分) and computes each indicator's score, the weighted total and the grade as soon as actual values
are typed in — in Excel, WPS or LibreOffice, with no macros. The score formulas come from
:func:`toolkit.scoring.rules.excel_formula` and the total from :func:`toolkit.scoring.rules.excel_total_formula`, which print
the engine's own expression trees, so a filled form and ``appraisal score`` agree (tested by recalculating with
LibreOffice).

Safety: only the yellow input cells are unlocked and the sheet is protected (no password: a consultant may
unprotect it); every text cell is written as text, so a name typed as ``=HYPERLINK(...)`` or ``-1+2`` never
becomes a formula. The hidden column A and hidden rows carry machine keys (``#employee``, ``#period``, ``#role``,
``#indicator``, ``#actual``) so that :func:`toolkit.scoring.actuals.read_form_workbook` can read a filled form back.
"""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from toolkit.documents.rating_sheets import RatingSheet, hr_name, rating_sheets
from toolkit.documents.rule_text import rule_sentences
from toolkit.documents.wording import behaviour_anchors, fmt_num, pct_text, rule_text, unit_label
from toolkit.model.fileio import atomic_path
from toolkit.model.localise import localised
from toolkit.model.messages import t
from toolkit.model.safe_cells import set_text
from toolkit.model.schema import Engagement
from toolkit.scheme.resolve import RoleScheme, Scheme, resolve_scheme
from toolkit.scheme.rulebook import Rulebook, appraisal_cycle, rulebook
from toolkit.scoring.rules import WEIGHTED_RULES, excel_formula, excel_total_formula

__all__ = [
    "FormLayout",
    "add_form_sheet",
    "form_workbook",
    "grade_formula",
    "locate_inputs",
    "write_forms",
]

#: Characters that make a spreadsheet treat typed text as a formula (CSV/formula injection).

_COLS = ["no", "dimension", "indicator", "unit", "definition", "weight", "threshold", "target", "stretch", "rule",
         "source", "evaluator", "actual", "score", "weighted"]
_COL = {name: get_column_letter(i + 2) for i, name in enumerate(_COLS)}  # column A holds machine keys
_WIDTH = {"no": 11, "dimension": 9, "indicator": 16, "unit": 6, "definition": 30, "weight": 7, "threshold": 8,
          "target": 8, "stretch": 8, "rule": 34, "source": 14, "evaluator": 9, "actual": 10, "score": 8,
          "weighted": 9}
_LAST = _COL["weighted"]
_HEADER_ROW = 8
_FIRST_ROW = 10

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT = PatternFill("solid", fgColor="FFF2CC")
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_CALC = PatternFill("solid", fgColor="F2F2F2")
_FONT = "等线"


@dataclass
class FormLayout:
    """Where things are on one form sheet (for tests and tools that fill forms)."""

    sheet: str
    role: str
    actual: dict[str, str] = field(default_factory=dict)  # indicator id -> cell of the actual value
    score: dict[str, str] = field(default_factory=dict)  # indicator id -> cell of the score formula
    total: str = ""
    grade: str = ""
    employee: str = ""
    period: str = ""
    ratings: dict[str, dict[str, str]] = field(default_factory=dict)  # indicator -> rater kind -> input cell


#: The period label a form asks for, by the role's cycle (what :func:`period_check` accepts).
_PERIOD_EXAMPLE = {"monthly": "2027-01", "quarterly": "2027-Q1", "half_year": "2027-H1", "annual": "2027"}

_PERIOD_CHECK = {
    "monthly": 'AND(LEN({c})=7,ISNUMBER(VALUE(LEFT({c},4))),MID({c},5,1)="-",ISNUMBER(VALUE(RIGHT({c},2))),'
               'VALUE(RIGHT({c},2))>=1,VALUE(RIGHT({c},2))<=12)',
    "quarterly": 'AND(LEN({c})=7,ISNUMBER(VALUE(LEFT({c},4))),MID({c},5,2)="-Q",'
                 'OR(RIGHT({c},1)="1",RIGHT({c},1)="2",RIGHT({c},1)="3",RIGHT({c},1)="4"))',
    "half_year": 'AND(LEN({c})=7,ISNUMBER(VALUE(LEFT({c},4))),MID({c},5,2)="-H",OR(RIGHT({c},1)="1",RIGHT({c},1)="2"))',
    "annual": 'AND(LEN({c})=4,ISNUMBER(VALUE({c})))',
}


def period_check(cell: str, cycle: str) -> str:
    """The data-validation formula that accepts only a period label of ``cycle`` (2027-03, 2027-Q1, 2027-H2,
    2027), the labels ``appraisal score`` reads for a role on that cycle.

    Examples
    --------
    >>> period_check("B5", "annual")
    'AND(LEN(B5)=4,ISNUMBER(VALUE(B5)))'
    """
    return _PERIOD_CHECK.get(cycle, _PERIOD_CHECK["monthly"]).format(c=cell)


def combined_rating_formula(cells: list[str], weights: list[float]) -> str:
    """The weighted mean of the rater groups that rated (a group that did not rate has its weight shared pro
    rata among the others), blank when nobody rated — the engine's rule for 360° ratings.

    Examples
    --------
    >>> combined_rating_formula(["P10", "Q10"], [0.6, 0.4])
    '=IF(COUNT(P10,Q10)=0,"",(IF(ISNUMBER(P10),P10*0.6,0)+IF(ISNUMBER(Q10),Q10*0.4,0))/(IF(ISNUMBER(P10),0.6,0)+IF(ISNUMBER(Q10),0.4,0)))'
    """
    num = "+".join(f"IF(ISNUMBER({c}),{c}*{w!r},0)" for c, w in zip(cells, weights))
    den = "+".join(f"IF(ISNUMBER({c}),{w!r},0)" for c, w in zip(cells, weights))
    return f'=IF(COUNT({",".join(cells)})=0,"",({num})/({den}))'


def grade_formula(total_ref: str, grades: list[Any]) -> str:
    """Grade code from the total, as :func:`toolkit.scoring.grading.grade_by_bands`: the grade with the highest
    ``min_score`` ≤ total, the lowest grade below every band, empty while the total is empty."""
    order = sorted(grades, key=lambda g: -g.min_score)
    inner = '"' + order[-1].code.replace('"', '""') + '"'
    for g in reversed(order[:-1]):
        inner = f'IF({total_ref}>={fmt_num(g.min_score).replace(",", "")},"{g.code.replace(chr(34), chr(34) * 2)}",{inner})'
    return f'=IF({total_ref}="","",{inner})'


def _style(cell: Any, *, bold: bool = False, fill: PatternFill | None = None, wrap: bool = True,
           center: bool = False, size: float = 10, border: bool = True, locked: bool = True) -> None:
    cell.font = Font(name=_FONT, bold=bold, size=size)
    if fill is not None:
        cell.fill = fill
    cell.alignment = Alignment(wrap_text=wrap, vertical="center", horizontal="center" if center else None)
    if border:
        cell.border = _BORDER
    cell.protection = Protection(locked=locked)


def _sheet_title(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "_", name).strip() or "KPI"
    base = base[:28]
    title, k = base, 2
    while title in used:
        title = f"{base[:26]}_{k}"
        k += 1
    used.add(title)
    return title


def add_form_sheet(wb: Workbook, rs: RoleScheme, eng: Engagement, lang: str = "zh",
                   used_titles: set[str] | None = None, rules: Rulebook | None = None) -> FormLayout:
    """Add one role's KPI form to ``wb`` and return where its inputs and results are (``rules``: the engagement's
    rulebook, when the caller has it)."""
    used = used_titles if used_titles is not None else set(wb.sheetnames)
    ws: Worksheet = wb.create_sheet(_sheet_title(rs.role.name, used))
    lay = FormLayout(sheet=ws.title, role=rs.role.id)

    def T(key: str, **kw: Any) -> str:
        return t(key, lang, **kw)

    rules = rules or rulebook(eng)
    raters = rules.role(rs.role.id).raters
    multi = len(raters) > 1 and any(i.rule.type == "rating" for i in rs.indicators)
    rater_col = {r.kind: get_column_letter(len(_COLS) + 2 + j) for j, r in enumerate(raters)} if multi else {}
    last = list(rater_col.values())[-1] if multi else _LAST

    # title and header block ----------------------------------------------------------------------------
    ws.merge_cells(f"B1:{last}1")
    set_text(ws["B1"], T("form.title", client=eng.client.name, role=rs.role.name))
    _style(ws["B1"], bold=True, size=14, center=True, border=False)
    ws.row_dimensions[1].height = 28
    fields_top = [("B", "form.employee_id", None), ("D", "form.name", None), ("F", "form.role", rs.role.name),
                  ("J", "form.rater", None), ("M", "form.reviewer", None)]
    role_cycle = rs.role.cycle or eng.cycles.default
    fields_mid = [("B", "form.period", None), ("D", "form.department", T("form.department_value")),
                  ("F", "form.cycle", t(f"doc.cycle.{role_cycle}", lang))]
    for row, fields in ((2, fields_top), (4, fields_mid)):
        for col, key, value in fields:
            set_text(ws[f"{col}{row}"], T(key, example=_PERIOD_EXAMPLE[appraisal_cycle(role_cycle)])
                     if key == "form.period" else T(key))
            _style(ws[f"{col}{row}"], bold=True, size=9, border=False, wrap=False)
            vc = ws[f"{col}{row + 1}"]
            if value is None:
                _style(vc, fill=_INPUT, locked=False)
            else:
                set_text(vc, value)
                _style(vc, fill=_CALC)
    ws["A3"] = "#employee"
    ws["A5"] = "#period"
    ws["A6"] = "#role"
    set_text(ws["B6"], rs.role.id)
    ws.row_dimensions[6].hidden = True
    lay.employee, lay.period = "B3", "B5"
    ws["B5"].number_format = "@"  # a period like 2027-01 must stay text, not become a date
    ws["B3"].number_format = "@"
    period_dv = DataValidation(type="custom", formula1=period_check("B5", role_cycle), allow_blank=True,
                               showErrorMessage=True, showInputMessage=True,
                               errorTitle=T("form.period_title"), promptTitle=T("form.period_title"),
                               error=T(f"form.period_error.{role_cycle}"), prompt=T(f"form.period_error.{role_cycle}"))
    ws.add_data_validation(period_dv)
    period_dv.add("B5")

    # column heads ---------------------------------------------------------------------------------------
    for name in _COLS:
        c = ws[f"{_COL[name]}{_HEADER_ROW}"]
        set_text(c, T(f"form.col.{name}"))
        _style(c, bold=True, fill=_HEAD, center=True)
        ws.column_dimensions[_COL[name]].width = _WIDTH[name]
    for rr in raters if multi else ():
        col = rater_col[rr.kind]
        c = ws[f"{col}{_HEADER_ROW}"]
        set_text(c, T("form.col.rating_by", rater=t(f"doc.rater.{rr.kind}", lang), weight=pct_text(rr.weight * 100)))
        _style(c, bold=True, fill=_HEAD, center=True)
        ws.column_dimensions[col].width = 11
        ws[f"{col}{_HEADER_ROW + 1}"] = f"#rating:{rr.kind}"
    ws.row_dimensions[_HEADER_ROW].height = 30
    ws[f"A{_HEADER_ROW + 1}"] = "#indicator"
    ws[f"{_COL['actual']}{_HEADER_ROW + 1}"] = "#actual"
    ws.row_dimensions[_HEADER_ROW + 1].hidden = True
    ws.column_dimensions["A"].hidden = True

    # indicator rows ------------------------------------------------------------------------------------
    number_dvs: dict[str, DataValidation] = {}

    def number_dv(unit: str, negative: bool) -> DataValidation:
        """The numbers `appraisal score` accepts: finite, and not negative unless the catalogue allows it."""
        key = f"{unit}|{negative}"
        if key not in number_dvs:
            dv = DataValidation(type="decimal", operator="between", formula1="-1000000000000" if negative else "0",
                                formula2="1000000000000", allow_blank=True, showErrorMessage=True,
                                showInputMessage=True, errorTitle=T("form.number_prompt_title"),
                                error=T("form.number_error"), promptTitle=T("form.number_prompt_title"),
                                prompt=T("form.percent_prompt") if unit == "%" else
                                T("form.number_prompt", unit=unit_label(unit, lang) or "—"))
            ws.add_data_validation(dv)
            number_dvs[key] = dv
        return number_dvs[key]
    score_refs, weight_refs, bonus_refs, veto_refs = [], [], [], []
    all_weights_int = all(float(i.weight).is_integer() for i in rs.indicators)
    r = _FIRST_ROW
    for k, ind in enumerate(rs.indicators, start=1):
        c = {name: ws[f"{_COL[name]}{r}"] for name in _COLS}
        ws[f"A{r}"] = ind.id
        meta = ind.indicator
        en = lang == "en"
        name = ind.name(lang)
        if ind.cycle != (rs.role.cycle or eng.cycles.default):  # an indicator on its own cycle says so
            cyc = t(f"doc.cycle.{ind.cycle}", lang)
            name += f"\n（{cyc}）" if lang == "zh" else f"\n({cyc})"
        formula = meta.formula_en if en else meta.formula_zh
        if ind.rule.type == "rating":  # the levels, scored by the rule (as the scheme's dictionary says it)
            formula = T("form.rating_formula_raters" if multi else "form.rating_formula", levels=ind.rule.levels)
        values = {
            "no": k, "dimension": t(f"doc.category.{meta.category}", lang), "indicator": name,
            "unit": unit_label(meta.unit, lang),
            "definition": f"{meta.definition_en if en else meta.definition_zh}\n{formula}",
            "rule": rule_text(ind, lang) + behaviour_anchors(ind, lang),
            "source": meta.data_source_en if en else meta.data_source_zh,
            "evaluator": ind.evaluator or t("doc.default_evaluator", lang),
        }
        for name, v in values.items():
            set_text(c[name], v)
            _style(c[name], center=name in ("no", "unit"), size=9)
        c["weight"].value = float(ind.weight) / 100
        c["weight"].number_format = "0%" if all_weights_int else "0.0%"
        _style(c["weight"], center=True)
        for name in ("threshold", "target", "stretch"):
            v = getattr(ind, name)
            c[name].value = None if v is None else float(v)
            _style(c[name], center=True)
        _style(c["actual"], fill=_INPUT, locked=False, center=True)
        actual_ref = f"{_COL['actual']}{r}"
        lay.actual[ind.id] = actual_ref
        rule = ind.rule
        if rule.type == "rating":
            levels = list(range(1, rule.levels + 1))
            scale = {lv.level: lv for lv in (meta.scale or [])}
            prompt = "\n".join(f"{lv}: {scale[lv].label_en if en else scale[lv].label_zh}"
                               for lv in levels if lv in scale)
            dv = DataValidation(type="list", formula1='"' + ",".join(map(str, levels)) + '"', allow_blank=True,
                                showErrorMessage=True, showInputMessage=True, error=T("form.rating_error"),
                                promptTitle=T("form.rating_prompt_title", levels=rule.levels)[:32],
                                prompt=prompt[:250])
            ws.add_data_validation(dv)
            if multi:  # one input per rater group; the rating is their weighted mean, as the engine takes it
                cells = {rr.kind: f"{rater_col[rr.kind]}{r}" for rr in raters}
                for ref in cells.values():
                    dv.add(ref)
                    _style(ws[ref], fill=_INPUT, locked=False, center=True)
                lay.ratings[ind.id] = cells
                c["actual"].value = combined_rating_formula(list(cells.values()), [rr.weight for rr in raters])
                c["actual"].number_format = "0.00"
                _style(c["actual"], fill=_CALC, center=True)
            else:
                dv.add(actual_ref)
        else:
            number_dv(meta.unit, bool(meta.allow_negative)).add(actual_ref)
        refs = {name: (f"{_COL[name]}{r}" if getattr(ind, name) is not None else None)
                for name in ("threshold", "target", "stretch")}
        score_ref = f"{_COL['score']}{r}"
        try:
            formula = excel_formula(rule, ind.direction, actual_ref, refs["threshold"], refs["target"],
                                    refs["stretch"])
        except ValueError:
            set_text(c["score"], T("form.no_formula"))
        else:
            c["score"].value = formula
            lay.score[ind.id] = score_ref
            if rule.type in WEIGHTED_RULES:
                score_refs.append(score_ref)
                weight_refs.append(f"{_COL['weight']}{r}")
                c["weighted"].value = f'=IF({score_ref}="","",{score_ref}*{_COL["weight"]}{r})'
            elif rule.type == "bonus":
                bonus_refs.append(score_ref)
                set_text(c["weighted"], T("form.bonus_note"))
            elif rule.type == "veto":
                veto_refs.append(score_ref)
                set_text(c["weighted"], T("form.veto_note"))
        c["score"].number_format = "0.00"
        c["weighted"].number_format = "0.00"
        _style(c["score"], fill=_CALC, center=True)
        _style(c["weighted"], fill=_CALC, center=True, size=9)
        ws.row_dimensions[r].height = 62
        r += 1
    last_ind = r - 1

    # totals --------------------------------------------------------------------------------------------
    wcol, label_col = _COL["weight"], _COL["definition"]
    set_text(ws[f"{label_col}{r}"], T("form.total_weight"))
    ws[f"{wcol}{r}"] = f"=SUM({wcol}{_FIRST_ROW}:{wcol}{last_ind})"
    ws[f"{wcol}{r}"].number_format = "0%"
    _style(ws[f"{label_col}{r}"], bold=True)
    _style(ws[f"{wcol}{r}"], fill=_CALC, center=True)
    r += 1
    total_ref, grade_ref = f"{_COL['score']}{r}", f"{_COL['score']}{r + 1}"
    set_text(ws[f"{_COL['actual']}{r}"], T("form.total"))
    ws[total_ref] = (excel_total_formula(score_refs, weight_refs, bonus_refs, veto_refs, missing=rules.missing)
                     if score_refs else '=""')
    ws[total_ref].number_format = "0.00"
    set_text(ws[f"{_COL['actual']}{r + 1}"], T("form.grade"))
    ws[grade_ref] = grade_formula(total_ref, eng.grades)
    for ref in (f"{_COL['actual']}{r}", f"{_COL['actual']}{r + 1}"):
        _style(ws[ref], bold=True, center=True)
    for ref in (total_ref, grade_ref):
        _style(ws[ref], bold=True, fill=_CALC, center=True, size=12)
    lay.total, lay.grade = total_ref, grade_ref
    bands = []
    upper = None
    for g in sorted(eng.grades, key=lambda g: -g.min_score):  # the ranges as the scheme's grade table has them
        bands.append(f"{g.code} " + (t("doc.range_top", lang, lo=fmt_num(g.min_score)) if upper is None
                                     else t("doc.range", lang, lo=fmt_num(g.min_score), hi=fmt_num(upper))))
        upper = g.min_score
    set_text(ws[f"B{r}"], T("form.grades_note", bands="；".join(bands) if lang == "zh" else "; ".join(bands))
              + ("\n" + rule_sentences(rules, lang)["form_grade"] if rules.distribution.mode == "forced" else ""))
    ws.merge_cells(f"B{r}:{_COL['rule']}{r + 1}")
    _style(ws[f"B{r}"], size=9, border=False)
    r += 3
    set_text(ws[f"B{r}"], T("form.comments"))
    _style(ws[f"B{r}"], bold=True)
    ws.merge_cells(f"C{r}:{last}{r}")
    _style(ws[f"C{r}"], fill=_INPUT, locked=False)
    ws.row_dimensions[r].height = 48
    r += 2
    for key, col in (("form.sign.employee", "B"), ("form.sign.rater", "F"), ("form.sign.reviewer", "L")):
        set_text(ws[f"{col}{r}"], T(key))
        set_text(ws[f"{col}{r + 1}"], T("form.sign.date"))
        _style(ws[f"{col}{r}"], bold=True, border=False)
        _style(ws[f"{col}{r + 1}"], bold=True, border=False)
        nxt = get_column_letter(ws[f"{col}{r}"].column + 1)
        for rr in (r, r + 1):
            _style(ws[f"{nxt}{rr}"], fill=_INPUT, locked=False)
    last_row = r + 1

    # print set-up and protection -----------------------------------------------------------------------
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    ws.print_area = f"B1:{last}{last_row}"
    ws.oddFooter.center.text = T("form.footer")
    ws.freeze_panes = f"B{_FIRST_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # people may widen columns
    ws.protection.formatRows = False
    ws.sheet_view.zoomScale = 90
    return lay


def add_360_sheet(wb: Workbook, sheet: RatingSheet, eng: Engagement, lang: str, used: set[str]) -> Worksheet:
    """The rating sheet of a multi-rater role (:func:`toolkit.documents.rating_sheets.rating_sheets`, the scheme
    appendix's decision): a 360°评价表 when the engagement uses the 360° method, else a 定性指标评价表; only the
    rater groups that may stay anonymous are told so. The rated indicators with their behaviour anchors and one
    rating each. It carries no machine keys: HR enters each rater group's mean rating in the role's KPI form
    (one column per group), which is what the engine reads."""
    def T(key: str, **kw: Any) -> str:
        return t(key, lang, **kw)

    rs, raters, kind = sheet.role, sheet.raters, "form.360" if sheet.full_360 else "form.rating_sheet"
    ws = wb.create_sheet(_sheet_title(T(f"{kind}.sheet", role=rs.role.name), used))
    ws.merge_cells("A1:D1")
    set_text(ws["A1"], T(f"{kind}.title", client=eng.client.name, role=rs.role.name))
    _style(ws["A1"], bold=True, size=14, center=True, border=False)
    names = [t(f"doc.rater.{k}", lang) for k in sheet.anonymous]
    anonymous = "、".join(names) if lang == "zh" else " and ".join(filter(None, (", ".join(names[:-1]), *names[-1:])))
    labels = (T("form.360.ratee"), T("form.360.kind"),
              T("form.360.rater", kinds=anonymous) if names else T("form.rating_sheet.rater"),
              T("form.period", example=_PERIOD_EXAMPLE[appraisal_cycle(rs.role.cycle or eng.cycles.default)]))
    for i, label in enumerate(labels):
        set_text(ws.cell(2, i + 1), label)
        _style(ws.cell(2, i + 1), bold=True, size=9, border=False)
        _style(ws.cell(3, i + 1), fill=_INPUT, locked=False)
    kinds = DataValidation(type="list", allow_blank=True, showErrorMessage=True,
                           formula1='"' + ",".join(t(f"doc.rater.{r.kind}", lang) for r in raters) + '"')
    ws.add_data_validation(kinds)
    kinds.add("B3")
    # the columns of the scheme's rating sheet (an example of the behaviour, optional: not a 考核评语)
    for i, key in enumerate(("form.col.indicator", "form.360.anchors", "form.360.rating", "doc.rating360_example")):
        set_text(ws.cell(5, i + 1), T(key))
        _style(ws.cell(5, i + 1), bold=True, fill=_HEAD, center=True)
    r = 6
    for ind in sheet.rated:
        set_text(ws.cell(r, 1), ind.name(lang))
        set_text(ws.cell(r, 2), behaviour_anchors(ind, lang).strip() or rule_text(ind, lang))
        for col in (1, 2):
            _style(ws.cell(r, col), size=9)
        for col in (3, 4):
            _style(ws.cell(r, col), fill=_INPUT, locked=False, center=col == 3)
        dv = DataValidation(type="list", allow_blank=True, showErrorMessage=True,
                            formula1='"' + ",".join(str(v) for v in range(1, ind.rule.levels + 1)) + '"')
        ws.add_data_validation(dv)
        dv.add(ws.cell(r, 3).coordinate)
        ws.row_dimensions[r].height = 90
        r += 1
    hr = hr_name(eng, lang)
    set_text(ws.cell(r + 1, 1), T("form.360.note", hr=hr[:1].upper() + hr[1:] if lang == "en" else hr))
    ws.merge_cells(start_row=r + 1, start_column=1, end_row=r + 1, end_column=4)
    _style(ws.cell(r + 1, 1), size=9, border=False)
    for col, width in zip("ABCD", (22, 60, 10, 30)):
        ws.column_dimensions[col].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True
    return ws


def form_workbook(eng: Engagement, scheme: Scheme | None = None, roles: list[str] | None = None,
                  lang: str = "zh") -> tuple[Workbook, list[FormLayout]]:
    """A workbook with one KPI form sheet per role (all roles, or the ids in ``roles``)."""
    scheme = scheme or resolve_scheme(eng)
    if lang == "en":  # the names the client gave in English, as the English scheme has them
        eng = localised(eng, lang)
        scheme = dataclasses.replace(scheme, engagement=eng, roles=[
            dataclasses.replace(rs, role=eng.role(rs.role.id)) for rs in scheme.roles])
    rules = rulebook(eng)  # once per workbook, not once per sheet
    sheets = {sh.role.role.id: sh for sh in rating_sheets(eng, scheme, rules)}
    wb = Workbook()
    info = wb.active
    info.title = t("form.instructions_sheet", lang)
    set_text(info["A1"], t("doc.title", lang, client=eng.client.name))
    info["A1"].font = Font(name=_FONT, bold=True, size=14)
    set_text(info["A3"], t("form.instructions", lang))
    info["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    info.column_dimensions["A"].width = 100
    info.row_dimensions[3].height = 90
    used = set(wb.sheetnames)
    layouts = []
    for rs in scheme.roles:
        if roles is None or rs.role.id in roles:
            layouts.append(add_form_sheet(wb, rs, eng, lang, used, rules))
            if rs.role.id in sheets:
                add_360_sheet(wb, sheets[rs.role.id], eng, lang, used)
    if layouts:
        wb.active = 1
    return wb, layouts


def write_forms(eng: Engagement, out_dir: str | os.PathLike[str], lang: str = "zh",
                scheme: Scheme | None = None) -> dict[str, Path]:
    """Write one workbook per role (``kpi_form_<role>.xlsx``) and one with all roles (``kpi_forms.xlsx``).

    Returns ``{"all": path, "<role id>": path, …}``; every file is written atomically.
    """
    scheme = scheme or resolve_scheme(eng)
    out = Path(out_dir)
    paths: dict[str, Path] = {}
    wb, _ = form_workbook(eng, scheme, lang=lang)
    paths["all"] = _save(wb, out / "kpi_forms.xlsx")
    for rs in scheme.roles:
        wb, _ = form_workbook(eng, scheme, roles=[rs.role.id], lang=lang)
        paths[rs.role.id] = _save(wb, out / f"kpi_form_{rs.role.id}.xlsx")
    return paths


def _save(wb: Workbook, path: Path) -> Path:
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def locate_inputs(ws: Worksheet) -> dict[str, str]:
    """Indicator id → actual-value cell of a form sheet, found from its machine keys (as the read-back does)."""
    header, actual_col = None, None
    for row in ws.iter_rows():
        texts = [c.value for c in row]
        if "#indicator" in texts and "#actual" in texts:
            header = row[0].row
            actual_col = texts.index("#actual") + 1
            break
    if header is None:
        return {}
    out = {}
    for r in range(header + 1, ws.max_row + 1):
        ind = ws.cell(r, 1).value
        if not ind:
            break
        out[str(ind)] = f"{get_column_letter(actual_col)}{r}"
    return out
