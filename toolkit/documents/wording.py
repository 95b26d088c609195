"""How numbers, units, score rules and rating anchors are worded in the scheme and the forms (Chinese numerals
for articles, 万元 and % units, Saaty fractions).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from toolkit.model.messages import t
from toolkit.scheme.resolve import ResolvedIndicator

__all__ = [
    "anchor_text",
    "behaviour_anchors",
    "fmt_num",
    "pct_text",
    "rule_text",
    "saaty_text",
    "unit_label",
    "zh_numeral",
]


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


def pct_text(x: float) -> str:
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


def saaty_text(x: float) -> str:
    """A judgment as the workshop wrote it: 3, 1/3, 1 (empty when not judged); a value off the scale (a group's
    geometric mean) as a decimal, never as "1/1.59".

    >>> saaty_text(3.0), saaty_text(1 / 3), saaty_text(1 / 1.59), saaty_text(2.466)
    ('3', '1/3', '0.63', '2.47')
    """
    if not np.isfinite(x):
        return ""
    if x >= 1:
        return fmt_num(round(x, 2))
    inv = 1 / x
    if abs(inv - round(inv)) < 0.01:
        return f"1/{round(inv)}"
    return fmt_num(round(x, 2))


def behaviour_anchors(ind: Any, lang: str) -> str:
    """A rated indicator's behaviour anchors (level: what it looks like), shown beside it on the form."""
    if ind.rule.type != "rating" or not ind.indicator.scale:
        return ""
    en = lang == "en"
    lines = [f"{lv.level} {lv.label_en if en else lv.label_zh}{': ' if en else '：'}{lv.anchor_en if en else lv.anchor_zh}"
             for lv in ind.indicator.scale]
    return "\n" + "\n".join(lines)
