"""The engagement as an English document shows it: every name the client gave in English where they gave one.

A name without an English form stays as written (a person's or a company's name often has none); the
translation check (:func:`untranslated`) lists them so the consultant can decide. Common titles of the default
committee (总经理, 人力资源部负责人 …) come from the message catalogue.

Examples
--------
>>> from toolkit.model.engagement import load_engagement
>>> from toolkit.model.paths import samples_dir
>>> eng = load_engagement(samples_dir() / "small_company" / "engagement.yaml")
>>> en = localised(eng.model_copy(update={"client": eng.client.model_copy(update={"name_en": "Shanlan Tea"})}), "en")
>>> en.client.name, en.governance.committee[0]
('Shanlan Tea', 'General Manager')
"""
from __future__ import annotations

from typing import Any

from toolkit.model.messages import t
from toolkit.model.schema import Engagement

__all__ = ["localised", "untranslated"]


def _title(zh: str) -> str:
    key = f"title.{zh}"
    en = t(key, "en")
    return zh if en == key else en


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def localised(eng: Engagement, lang: str) -> Engagement:
    """A copy of ``eng`` whose names are those of ``lang`` (the engagement itself for Chinese)."""
    if lang != "en":
        return eng
    gov = eng.governance
    committee = list(gov.committee_en) or [_title(m) for m in gov.committee]

    def pick(en: str, zh: str) -> str:
        return en or zh

    data: dict[str, Any] = {
        "client": eng.client.model_copy(update={"name": pick(eng.client.name_en, eng.client.name)}),
        "strategy": [s.model_copy(update={"text": pick(s.text_en, s.text)}) for s in eng.strategy],
        "goals": [g.model_copy(update={"text": pick(g.text_en, g.text),
                                       "metric": pick(g.metric_en, g.metric or "") or None,
                                       "owner": pick(g.owner_en, g.owner or "") or None}) for g in eng.goals],
        "roles": [r.model_copy(update={"name": pick(r.name_en, r.name)}) for r in eng.roles],
        "governance": gov.model_copy(update={
            "committee": committee,
            "interpreter": pick(gov.interpreter_en, _title(gov.interpreter))}),
    }
    if "appeal" in eng.model_fields_set:  # the client's own appeal bodies (the profile's have their English)
        own = eng.text_en.get("appeal") or {}
        data["appeal"] = eng.appeal.model_copy(update={
            k: own.get(k) or _title(getattr(eng.appeal, k)) for k in ("channel", "decider", "second_instance")})
    return eng.model_copy(update=data)


def untranslated(eng: Engagement) -> list[tuple[str, str]]:
    """``(location, text)`` of every Chinese name the English document has to keep as written.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> places = [where for where, _ in untranslated(load_engagement(samples_dir() / "small_company" / "engagement.yaml"))]
    >>> places[0], "roles[0].name" in places
    ('client.name', True)
    """
    out: list[tuple[str, str]] = []
    if _has_cjk(eng.client.name) and not eng.client.name_en:
        out.append(("client.name", eng.client.name))
    out += [(f"strategy[{k}].text", s.text) for k, s in enumerate(eng.strategy) if _has_cjk(s.text) and not s.text_en]
    out += [(f"goals[{k}].text", g.text) for k, g in enumerate(eng.goals) if _has_cjk(g.text) and not g.text_en]
    out += [(f"roles[{k}].name", r.name) for k, r in enumerate(eng.roles) if _has_cjk(r.name) and not r.name_en]
    for k, g in enumerate(eng.goals):
        if g.metric and _has_cjk(g.metric) and not g.metric_en:
            out.append((f"goals[{k}].metric", g.metric))
        if g.owner and _has_cjk(g.owner) and not g.owner_en:
            out.append((f"goals[{k}].owner", g.owner))
    for section, fields in (("result_use", ("promotion", "bottom_grade_action", "training", "non_cash")),
                            ("appeal", ("channel", "decider", "second_instance"))):
        if section not in eng.model_fields_set:
            continue  # left to the size profile, which has its English
        own = eng.text_en.get(section) or {}
        for name in fields:
            value = getattr(getattr(eng, section), name)
            texts = value if isinstance(value, list) else [value]
            if not own.get(name) and any(_has_cjk(_title(v)) for v in texts if v):
                out.append((f"{section}.{name}", "、".join(texts)))
    gov = eng.governance
    if not gov.committee_en:
        out += [(f"governance.committee[{k}]", m) for k, m in enumerate(gov.committee) if _has_cjk(_title(m))]
    if not gov.interpreter_en and _has_cjk(_title(gov.interpreter)):
        out.append(("governance.interpreter", gov.interpreter))
    return out
