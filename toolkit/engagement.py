"""Reading, writing and creating engagement files (YAML, UTF-8, Chinese everywhere).

``load_engagement`` is strict and reports *every* mistake at once, each with its place in the file;
``save_engagement`` writes atomically and keeps the user's comments and key order.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap

from .catalogue import load_catalogue, load_presets, size_profiles, validation_findings
from .errors import Finding, InputError
from .fileio import atomic_write_text
from .i18n import t
from .model import Client, Engagement, Goal, Role, RoleIndicator, StrategyItem
from .yamlio import dump_yaml, merge_into, position_of, read_yaml

__all__ = ["load_engagement", "save_engagement", "parse_engagement", "reference_findings", "new_engagement"]

_SOURCES: dict[int, CommentedMap] = {}


def _where(source: Any, loc: tuple[Any, ...], path: str) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    pos = position_of(source, loc)
    if pos:
        text += f" ({t('model.line_col', line=pos[0], col=pos[1])})"
    return text


def reference_findings(eng: Engagement, source: Any = None, path: str = "") -> list[Finding]:
    """Errors that need more than one field to see: unknown catalogue ids, duplicates, dangling links."""
    cat = load_catalogue()
    presets = load_presets()
    out: list[Finding] = []

    def err(code: str, loc: tuple[Any, ...], key: str, hint_key: str | None = None, **kw: Any) -> None:
        out.append(Finding("error", code, _where(source, loc, path), t(key, **kw), t(hint_key, **kw) if hint_key else ""))

    for field, items in (("strategy", eng.strategy), ("goals", eng.goals), ("roles", eng.roles)):
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.id in seen:
                err("ref.duplicate_id", (field, i, "id"), "ref.duplicate_id", "ref.duplicate_id.hint",
                    id=item.id, first=f"{field}[{seen[item.id]}]")
            seen.setdefault(item.id, i)
    strategy_ids = {s.id for s in eng.strategy}
    goal_ids = {g.id for g in eng.goals}
    for gi, goal in enumerate(eng.goals):
        for si, sid in enumerate(goal.strategy):
            if sid not in strategy_ids:
                err("ref.unknown_strategy", ("goals", gi, "strategy", si), "ref.unknown_strategy",
                    "ref.known_ids", id=sid, known=", ".join(sorted(strategy_ids)) or "—")
    for ri, role in enumerate(eng.roles):
        if role.preset and role.preset not in presets:
            err("ref.unknown_preset", ("roles", ri, "preset"), "ref.unknown_preset", "ref.known_ids",
                id=role.preset, known=", ".join(sorted(presets)))
        seen_ind: dict[str, int] = {}
        for ii, ind in enumerate(role.indicators):
            base = ("roles", ri, "indicators", ii)
            if ind.id in seen_ind:
                err("ref.duplicate_indicator", base + ("id",), "ref.duplicate_indicator", None,
                    id=ind.id, first=f"roles[{ri}].indicators[{seen_ind[ind.id]}]")
            seen_ind.setdefault(ind.id, ii)
            entry = cat.get(ind.id)
            if entry is None:
                close = sorted(cat, key=lambda c: _distance(c, ind.id))[:3]
                err("ref.unknown_indicator", base + ("id",), "ref.unknown_indicator", "ref.unknown_indicator.hint",
                    id=ind.id, close=", ".join(close))
                continue
            if ind.goal and ind.goal not in goal_ids:
                err("ref.unknown_goal", base + ("goal",), "ref.unknown_goal", "ref.known_ids",
                    id=ind.goal, known=", ".join(sorted(goal_ids)) or "—")
            for fld in ("threshold", "target", "stretch"):
                value = getattr(ind, fld)
                if value is not None and value < 0 and not entry.allow_negative:
                    err("ref.negative_value", base + (fld,), "ref.negative_value", "ref.negative_value.hint",
                        field=fld, value=value)
        ids = [i.id for i in role.indicators]
        for ji, j in enumerate(role.weighting.judgments):
            for side in ("a", "b"):
                name = getattr(j, side)
                if name not in ids:
                    err("ref.judgment_element", ("roles", ri, "weighting", "judgments", ji, side),
                        "ref.judgment_element", "ref.known_ids", id=name, known=", ".join(ids))
        names = {p.name for p in role.weighting.participants}
        for ji, j in enumerate(role.weighting.judgments):
            if j.participant and names and j.participant not in names:
                err("ref.judgment_participant", ("roles", ri, "weighting", "judgments", ji, "participant"),
                    "ref.judgment_participant", "ref.known_ids", id=j.participant, known=", ".join(sorted(names)))
    role_ids = {r.id for r in eng.roles}
    for ei, emp in enumerate(eng.employees):
        if emp.role not in role_ids:
            err("ref.employee_role", ("employees", ei, "role"), "ref.employee_role", "ref.known_ids",
                id=emp.role, known=", ".join(sorted(role_ids)))
    grade_codes = [g.code for g in eng.grades]
    for code in list(eng.distribution.shares) + list(eng.result_use.bonus_coefficients):
        if code not in grade_codes:
            sect = "distribution" if code in eng.distribution.shares else "result_use"
            err("ref.unknown_grade", (sect,), "ref.unknown_grade", "ref.known_ids", id=code, known=", ".join(grade_codes))
    return out


def _distance(a: str, b: str) -> int:
    """Levenshtein distance, for 'did you mean' hints on unknown ids."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def parse_engagement(data: Any, path: str = "<engagement>") -> Engagement:
    """Validate already-loaded YAML data; raises InputError listing every finding with its location."""
    try:
        eng = Engagement.model_validate(data, context={"profiles": size_profiles()})
    except ValidationError as exc:
        findings = validation_findings(exc, data)
        raise InputError(t("model.invalid", n=len(findings)), location=path, findings=findings) from None
    findings = reference_findings(eng, data, path)
    if findings:
        raise InputError(t("model.invalid", n=len(findings)), location=path, findings=findings)
    return eng


def load_engagement(path: str | Path) -> Engagement:
    """Read and validate an engagement file; the file itself is never modified.

    Examples
    --------
    >>> from toolkit import load_engagement
    >>> from toolkit.paths import samples_dir
    >>> eng = load_engagement(samples_dir() / "small_company" / "engagement.yaml")
    >>> eng.client.size
    'small'
    """
    data = read_yaml(path)
    eng = parse_engagement(data, str(path))
    _SOURCES[id(eng)] = data
    return eng


def save_engagement(eng: Engagement, path: str | Path, *, keep_previous: bool = False) -> Path:
    """Write ``eng`` atomically, keeping comments and key order of the file it was loaded from.

    Only what the user set is written: sections filled from the company-size profile stay implicit.
    With ``keep_previous`` the existing file is first copied to ``<name>.prev.yaml``.
    """
    path = Path(path)
    data = eng.model_dump(mode="json", exclude_unset=True, by_alias=True)
    source = _SOURCES.get(id(eng))
    doc = merge_into(source, data) if source is not None else data
    text = dump_yaml(doc)
    if keep_previous and path.exists():
        atomic_write_text(path.with_suffix(".prev.yaml"), path.read_text(encoding="utf-8"))
    atomic_write_text(path, text)
    return path


def new_engagement(client: str, size: str, role_ids: list[str], *, industry: str = "",
                   headcount: int | None = None) -> Engagement:
    """A ready-to-edit engagement built from the role presets and the company-size profile."""
    presets = load_presets()
    unknown = [r for r in role_ids if r not in presets]
    if unknown:
        raise InputError(t("ref.unknown_preset", id=", ".join(unknown)), location="--roles",
                         hint=t("ref.known_ids", known=", ".join(sorted(presets))))
    profile = size_profiles()[size]
    lo, hi = profile.indicators_per_role
    roles = []
    for rid in role_ids:
        p = presets[rid]
        chosen = p.indicators
        if size == "small" and p.small_indicators:
            chosen = [pi for pi in p.indicators if pi.id in p.small_indicators]
        chosen = chosen[:hi]
        total = sum(pi.weight for pi in chosen)
        weights = _whole_percent([pi.weight / total * 100 for pi in chosen])
        roles.append(Role(
            id=p.id, name=p.name_zh, preset=p.id, role_type=p.role_type, headcount=1,
            quant_share=p.quant_share,
            indicators=[RoleIndicator(id=pi.id, weight=w, threshold=pi.threshold, target=pi.target,
                                      stretch=pi.stretch, basic=True) for pi, w in zip(chosen, weights)],
        ))
    year = dt.date.today().year + 1
    return Engagement.model_validate({
        "client": Client(name=client, industry=industry, size=size,  # type: ignore[arg-type]
                         marketing_headcount=headcount or max(len(roles), {"small": 6, "medium": 20, "large": 60}[size])),
        "strategy": [StrategyItem(id="s1", text="（填写公司年度战略重点）")],
        "goals": [Goal(id="g1", text="（填写可衡量的部门目标，例如：华东区域品牌认知度 %d-12-31 前由 15%% 提升到 20%%）" % year,
                       strategy=["s1"])],
        "roles": roles,
    }, context={"profiles": size_profiles()})


def _whole_percent(values: list[float]) -> list[int]:
    """Largest-remainder rounding to whole percent summing to exactly 100."""
    floors = [int(v) for v in values]
    rest = 100 - sum(floors)
    order = sorted(range(len(values)), key=lambda i: values[i] - floors[i], reverse=True)
    for i in order[:rest]:
        floors[i] += 1
    return floors
