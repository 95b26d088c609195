"""Compliance checks on a scheme before it goes to a client: labour-law and fairness risks, located.

A 绩效考核管理办法 that sets pay is a rule "directly affecting the workers' interests" (劳动合同法 第4条): it must go
through a democratic procedure and be published, or a court will not let the employer rely on it. And a bottom
grade in a forced ranking is not proof that someone cannot do the job (最高人民法院 指导案例18号, 2013): wording
that dismisses the bottom rank invites an unlawful-termination claim. These checks find such risks in the
engagement's choices and free text; they return warnings (the consultant decides), never change the input.

Examples
--------
>>> from toolkit.model.schema import Engagement
>>> eng = Engagement.model_validate({"client": {"name": "甲", "size": "small", "marketing_headcount": 6},
...     "roles": [{"id": "r", "name": "专员", "role_type": "content"}],
...     "result_use": {"bottom_grade_action": "连续两次 D 级者末位淘汰"}})
>>> [f.code for f in compliance_findings(eng)]
['compliance.dismissal_wording']
"""
from __future__ import annotations

import re
from collections import Counter

from toolkit.model.errors import Finding
from toolkit.model.messages import get_language, t
from toolkit.model.schema import Engagement

__all__ = ["DISMISSAL_PATTERN", "calibration_groups", "compliance_findings", "dismissal_words"]

#: Words that tie a grade to ending the employment (Chinese and English).
DISMISSAL_PATTERN = re.compile(
    r"末位淘汰|淘汰|辞退|解除(?:劳动)?合同|终止(?:劳动)?合同|解聘|开除|劝退|解雇|除名|"
    r"\bdismiss\w*|\bterminat\w*|\bfire[sd]?\b|\blay(?:s|ing)?[ -]off\b|\blet go\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"不得|不能|不应|不以|不作为|不会|禁止|严禁|并非|不等同|\b(?:not|never|no)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[。；;！!？?，,\n]")


def dismissal_words(text: str) -> list[str]:
    """Dismissal words in ``text`` that are not negated ("不得以此解除劳动合同" is fine).

    Examples
    --------
    >>> dismissal_words("D 级员工予以辞退")
    ['辞退']
    >>> dismissal_words("不得仅以考核等级为由解除劳动合同")
    []
    """
    found = []
    for m in DISMISSAL_PATTERN.finditer(text or ""):
        before = _CLAUSE_END.split(text[:m.start()])[-1][-16:]
        if _NEGATION.search(before):
            continue
        found.append(m.group(0))
    return found


def calibration_groups(eng: Engagement) -> dict[str, int]:
    """Size of each calibration group: the employees' ``group`` when staff are listed, else the department.

    A forced distribution is only defensible in a group large enough to have a spread of performance, so the
    check needs each group's size.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> calibration_groups(load_engagement(samples_dir() / "midsize_company" / "engagement.yaml"))
    {'marketing': 35}
    >>> eng = Engagement.model_validate({"client": {"name": "甲", "size": "small", "marketing_headcount": 6},
    ...     "roles": [{"id": "r", "name": "专员", "role_type": "content"}]})
    >>> calibration_groups(eng)   # no staff listed: the whole department
    {'default': 6}
    """
    if eng.employees:
        return dict(Counter(e.group for e in eng.employees))
    return {"default": eng.client.marketing_headcount}


def compliance_findings(eng: Engagement) -> list[Finding]:
    """Warnings about forced distribution on small groups, dismissal wording, a removed democratic-procedure
    clause, and a missing appeal channel, deadline or decider.

    These are the points on which a court may refuse to let the employer rely on the scheme; they are warnings
    because the consultant decides, and the engagement is never changed.

    Examples
    --------
    >>> eng = Engagement.model_validate({"client": {"name": "甲", "size": "small", "marketing_headcount": 6},
    ...     "roles": [{"id": "r", "name": "专员", "role_type": "content"}],
    ...     "distribution": {"mode": "forced",
    ...                      "shares": {"S": 0.1, "A": 0.2, "B": 0.5, "C": 0.15, "D": 0.05}},
    ...     "result_use": {"bonus_coefficients": {"S": 1.5, "A": 1.2, "B": 1.0, "C": 0.8, "D": 0}}})
    >>> for f in compliance_findings(eng):
    ...     print(f.severity, f.code, f.location)
    warning compliance.forced_small_group distribution.mode
    warning compliance.zero_pay_bottom result_use.bonus_coefficients.D
    """
    out: list[Finding] = []
    dist = eng.distribution
    if dist.mode == "forced":
        for group, n in sorted(calibration_groups(eng).items()):
            if n < dist.min_group_size:
                out.append(Finding("warning", "compliance.forced_small_group", "distribution.mode",
                                   t("compliance.forced_small_group", n=n, group=group, min=dist.min_group_size),
                                   t("compliance.forced_small_group.hint", min=dist.min_group_size)))
        bottom = min(eng.grades, key=lambda g: g.min_score).code if eng.grades else None
        coeff = eng.result_use.bonus_coefficients.get(bottom) if bottom else None
        share = dist.shares.get(bottom, 0.0) if bottom else 0.0
        if coeff == 0 and share > 0:
            out.append(Finding("warning", "compliance.zero_pay_bottom", f"result_use.bonus_coefficients.{bottom}",
                               t("compliance.zero_pay_bottom", grade=bottom, share=f"{share:.0%}"),
                               t("compliance.zero_pay_bottom.hint")))
    texts = [("result_use.bottom_grade_action", eng.result_use.bottom_grade_action),
             ("result_use.promotion", eng.result_use.promotion),
             ("notes", eng.notes)]
    texts += [(f"result_use.training[{i}]", s) for i, s in enumerate(eng.result_use.training)]
    for where, text in texts:
        words = dismissal_words(text)
        if words:
            out.append(Finding("warning", "compliance.dismissal_wording", where,
                               t("compliance.dismissal_wording", word=words[0]),
                               t("compliance.dismissal_wording.hint")))
    if not eng.governance.democratic_procedure:
        out.append(Finding("warning", "compliance.no_democratic_procedure", "governance.democratic_procedure",
                           t("compliance.no_democratic_procedure"), t("compliance.no_democratic_procedure.hint")))
    appeal = eng.appeal
    if not appeal.channel.strip():
        out.append(Finding("warning", "compliance.no_appeal_channel", "appeal.channel",
                           t("compliance.no_appeal_channel"), t("compliance.no_appeal_channel.hint")))
    if appeal.window_days is None:
        out.append(Finding("warning", "compliance.no_appeal_deadline", "appeal.window_days",
                           t("compliance.no_appeal_deadline"), t("compliance.no_appeal_deadline.hint")))
    if not appeal.decider.strip():
        out.append(Finding("warning", "compliance.no_appeal_decider", "appeal.decider",
                           t("compliance.no_appeal_decider"), t("compliance.no_appeal_decider.hint")))
    # who approves the results: the performance committee (medium, large) or the small company's leaders
    approver = t("doc.a.committee", "zh") if eng.client.size != "small" else "、".join(eng.governance.committee)
    decider = appeal.decider.strip()
    if decider and not appeal.second_instance.strip() and (
            decider == approver or decider in eng.governance.committee or eng.client.size == "small"
            or "委员会" in decider):
        out.append(Finding("warning", "compliance.appeal_same_as_approver", "appeal.decider",
                           t("compliance.appeal_same_as_approver", decider=decider),
                           t("compliance.appeal_same_as_approver.hint")))
    second = appeal.second_instance.strip()
    if second:
        body = _second_instance_conflict(eng, second)
        if body:
            out.append(Finding("warning", "compliance.appeal_second_not_independent", "appeal.second_instance",
                               t("compliance.appeal_second_not_independent", second=second, body=body),
                               t("compliance.appeal_second_not_independent.hint")))
    return out


_LIST_SEP = re.compile(r"[、，,;；/]|和|及|与")


def _people(text: str) -> set[str]:
    """The persons or bodies a name lists ("总经理和市场部经理" → both)."""
    return {p.strip() for p in _LIST_SEP.split(text) if p.strip()}


def _second_instance_conflict(eng: Engagement, second: str) -> str:
    """The first-instance body or approvers of results ``second`` belongs to, as the message names it ("" if none).

    The results are approved by ``governance.committee``: as the 绩效管理委员会 it is made up of (medium, large) or as
    the small company's leaders themselves. Appeals are decided first by ``appeal.decider`` — the committee as a
    whole when it names a 委员会 (or lists the small company's leaders). A second instance inside either reviews
    its own decision.

    Examples
    --------
    >>> from toolkit.model.schema import Engagement
    >>> eng = Engagement.model_validate({"client": {"name": "甲", "size": "medium", "marketing_headcount": 30},
    ...     "roles": [{"id": "r", "name": "专员", "role_type": "content"}],
    ...     "appeal": {"decider": "绩效管理委员会", "second_instance": "总经理"}})
    >>> _second_instance_conflict(eng, "总经理")
    '绩效管理委员会（总经理、分管副总、人力资源部负责人、市场部负责人）'
    >>> _second_instance_conflict(eng, "董事长")
    ''
    """
    gov, decider = eng.governance, eng.appeal.decider.strip()
    members = [m.strip() for m in gov.committee if m.strip()]
    wanted = _people(second) | {second}
    small = eng.client.size == "small"
    committee = t("doc.a.committee", "zh")
    in_committee = bool(wanted & set(members)) or (not small and (second == committee or "委员会" in second))
    if in_committee:
        zh = get_language() == "zh"
        listed = ("、" if zh else ", ").join(members)
        if small:
            return listed
        name = t("doc.a.committee")
        return (f"{name}（{listed}）" if zh else f"the {name} ({listed})") if members else name
    if wanted & (_people(decider) | {decider}):
        return decider
    return ""
