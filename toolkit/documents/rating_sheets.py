"""Decisions the scheme document and the XLSX forms share, so that both say the same thing.

* :func:`rating_sheets` — which roles get a rating sheet (several rater groups and at least one rated
  indicator), whether it is a 360° sheet (the engagement uses the 360° method) or a plain 定性指标评价表, and which
  of its raters may stay anonymous (peers, reports and customers only — never the manager or the employee).
* :func:`hr_name` — the one name of the HR function (the engagement's interpreter) in ``lang``.

Examples
--------
>>> from toolkit.model.engagement import load_engagement
>>> from toolkit.model.paths import samples_dir
>>> from toolkit.scheme.resolve import resolve_scheme
>>> small = load_engagement(samples_dir() / "small_company" / "engagement.yaml")
>>> sheets = rating_sheets(small, resolve_scheme(small))
>>> sheets[0].full_360, sheets[0].anonymous, hr_name(small, "zh"), hr_name(small, "en")
(False, (), '行政人事部', 'the Admin & HR department')
"""
from __future__ import annotations

from dataclasses import dataclass

from toolkit.model.localise import localised
from toolkit.model.messages import t
from toolkit.model.schema import Engagement
from toolkit.scheme.resolve import ResolvedIndicator, RoleScheme, Scheme
from toolkit.scheme.rulebook import RaterRule, Rulebook, rulebook

__all__ = ["ANONYMOUS_RATERS", "RatingSheet", "hr_name", "rating_sheets", "uses_360"]

#: Rater groups whose ratings may be handed in without a name (the manager and the employee always sign).
ANONYMOUS_RATERS = ("peer", "subordinate", "customer")


@dataclass(frozen=True)
class RatingSheet:
    """One role's rating sheet: who rates it, what they rate, and how the sheet is titled and signed."""

    role: RoleScheme
    raters: tuple[RaterRule, ...]       # the rulebook's rater groups of the role, with their weights
    rated: tuple[ResolvedIndicator, ...]  # the role's rated (qualitative) indicators
    full_360: bool                      # the engagement uses the 360° method: a 360°评价表, else 定性指标评价表
    anonymous: tuple[str, ...]          # rater kinds of this sheet that may stay anonymous (may be empty)


def uses_360(eng: Engagement) -> bool:
    """Whether the rating sheets are 360°评价表 (the engagement uses the 360° method), else 定性指标评价表."""
    return "360" in eng.methods


def rating_sheets(eng: Engagement, scheme: Scheme, rules: Rulebook | None = None) -> list[RatingSheet]:
    """The rating sheets of ``scheme``: one per role rated by several groups on at least one rated indicator."""
    rules = rules or rulebook(eng)
    full = uses_360(eng)
    out = []
    for rs in scheme.roles:
        raters = tuple(rules.role(rs.role.id).raters)
        rated = tuple(i for i in rs.indicators if i.rule.type == "rating")
        if len(raters) > 1 and rated:
            out.append(RatingSheet(rs, raters, rated, full,
                                   tuple(r.kind for r in raters if r.kind in ANONYMOUS_RATERS)))
    return out


def hr_name(eng: Engagement, lang: str) -> str:
    """The HR function as the scheme names it everywhere: the engagement's interpreter (its English form in an
    English build), the toolkit's default wording when it is the default 人力资源部."""
    gov_hr = localised(eng, lang).governance.interpreter
    return t("doc.hr_default", lang) if gov_hr == t("doc.hr_default", "zh") else gov_hr
