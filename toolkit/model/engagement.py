"""Reading, writing and creating engagement files (YAML, UTF-8, Chinese everywhere).

``load_engagement`` is strict and reports *every* mistake at once, each with its place in the file;
``save_engagement`` writes atomically and keeps the user's comments and key order.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap

from toolkit.model.catalogue import load_catalogue, load_presets, size_profiles, validation_findings
from toolkit.model.errors import Finding, InputError
from toolkit.model.fileio import atomic_write_text
from toolkit.model.messages import t
from toolkit.model.schema import Client, Engagement, Role, RoleIndicator
from toolkit.model.similarity import closest
from toolkit.model.yamlio import dump_yaml, merge_into, position_of, read_yaml, unfold_cjk

__all__ = [
    "load_engagement",
    "locate_findings",
    "new_engagement",
    "parse_engagement",
    "reference_findings",
    "save_engagement",
    "text_findings",
]

#: longest client name: it goes into document titles and properties (DOCX core properties stop at 255)
CLIENT_NAME_MAX = 100
#: longest id (role, indicator, goal, employee …): role ids become parts of file names (255 bytes at most)
ID_MAX = 64
#: longest text of any one field (Excel keeps 32,767 characters in a cell)
TEXT_MAX = 20_000
#: characters no output can hold (XML 1.0, Excel, PDF text): C0 controls but tab/newline, DEL, lone surrogates
_CONTROL = __import__("re").compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

_SOURCES: dict[int, CommentedMap] = {}


def _where(source: Any, loc: tuple[Any, ...], path: str) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    pos = position_of(source, loc)
    if pos:
        text += f" ({t('model.line_col', line=pos[0], col=pos[1])})"
    return text


def _items(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key) if isinstance(data, dict) else None
    return [(i, x) for i, x in enumerate(value) if isinstance(x, dict)] if isinstance(value, list) else []


def _strs(value: Any) -> list[tuple[int, str]]:
    return [(i, x) for i, x in enumerate(value) if isinstance(x, str)] if isinstance(value, list) else []


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def reference_findings(data: Any, path: str = "") -> list[Finding]:
    """Errors that need more than one field to see: unknown catalogue ids, duplicates, dangling links.

    Works on the raw file data, so that these are reported together with schema errors elsewhere in the file.
    """
    cat = load_catalogue()
    presets = load_presets()
    out: list[Finding] = []

    def err(code: str, loc: tuple[Any, ...], key: str, hint_key: str | None = None, **kw: Any) -> None:
        out.append(Finding("error", code, _where(data, loc, path), t(key, **kw), t(hint_key, **kw) if hint_key else ""))

    ids: dict[str, set[str]] = {}
    for field in ("strategy", "goals", "roles", "employees"):
        seen: dict[str, int] = {}
        for i, item in _items(data, field):
            iid = item.get("id")
            if isinstance(iid, int) and not isinstance(iid, bool):
                iid = str(iid)
            if not isinstance(iid, str):
                continue
            if iid in seen:
                err("ref.duplicate_id", (field, i, "id"), "ref.duplicate_id", "ref.duplicate_id.hint",
                    id=iid, first=f"{field}[{seen[iid]}]")
            seen.setdefault(iid, i)
        ids[field] = set(seen)
    for gi, goal in _items(data, "goals"):
        for si, sid in _strs(goal.get("strategy")):
            if sid not in ids["strategy"]:
                err("ref.unknown_strategy", ("goals", gi, "strategy", si), "ref.unknown_strategy",
                    "ref.known_ids", id=sid, known=", ".join(sorted(ids["strategy"])) or "—")
    for ri, role in _items(data, "roles"):
        preset = role.get("preset")
        if isinstance(preset, str) and preset not in presets:
            err("ref.unknown_preset", ("roles", ri, "preset"), "ref.unknown_preset", "ref.known_ids",
                id=preset, known=", ".join(sorted(presets)))
        seen_ind: dict[str, int] = {}
        for ii, ind in _items(role, "indicators"):
            base = ("roles", ri, "indicators", ii)
            iid = ind.get("id")
            if not isinstance(iid, str):
                continue
            if iid in seen_ind:
                err("ref.duplicate_indicator", base + ("id",), "ref.duplicate_indicator", None,
                    id=iid, first=f"roles[{ri}].indicators[{seen_ind[iid]}]")
            seen_ind.setdefault(iid, ii)
            entry = cat.get(iid)
            if entry is None:
                close = closest(iid, cat)
                err("ref.unknown_indicator", base + ("id",), "ref.unknown_indicator", "ref.unknown_indicator.hint",
                    id=iid, close=", ".join(close))
                continue
            goal = ind.get("goal")
            if isinstance(goal, str) and goal not in ids["goals"]:
                err("ref.unknown_goal", base + ("goal",), "ref.unknown_goal", "ref.known_ids",
                    id=goal, known=", ".join(sorted(ids["goals"])) or "—")
            for fld in ("threshold", "target", "stretch"):
                value = _number(ind.get(fld))
                if value is not None and value < 0 and not entry.allow_negative:
                    err("ref.negative_value", base + (fld,), "ref.negative_value", "ref.negative_value.hint",
                        field=fld, value=ind.get(fld))
        weighting = role.get("weighting") if isinstance(role.get("weighting"), dict) else {}
        names = {p.get("name") for _, p in _items(weighting, "participants")}
        for ji, j in _items(weighting, "judgments"):
            for side in ("a", "b"):
                name = j.get(side)
                if isinstance(name, str) and name not in seen_ind:
                    err("ref.judgment_element", ("roles", ri, "weighting", "judgments", ji, side),
                        "ref.judgment_element", "ref.known_ids", id=name, known=", ".join(seen_ind))
            who = j.get("participant")
            if isinstance(who, str) and names and who not in names:
                err("ref.judgment_participant", ("roles", ri, "weighting", "judgments", ji, "participant"),
                    "ref.judgment_participant", "ref.known_ids", id=who, known=", ".join(sorted(map(str, names))))
    for ei, emp in _items(data, "employees"):
        role_id = emp.get("role")
        if isinstance(role_id, str) and role_id not in ids["roles"]:
            err("ref.employee_role", ("employees", ei, "role"), "ref.employee_role", "ref.known_ids",
                id=role_id, known=", ".join(sorted(ids["roles"])))
    grades = data.get("grades") if isinstance(data, dict) else None
    codes = [g.get("code") for _, g in _items(data, "grades")] if isinstance(grades, list) else ["S", "A", "B", "C", "D"]
    for sect, key in (("distribution", "shares"), ("result_use", "bonus_coefficients")):
        block = data.get(sect) if isinstance(data, dict) else None
        mapping = block.get(key) if isinstance(block, dict) else None
        for code in mapping if isinstance(mapping, dict) else ():
            if code not in codes:
                err("ref.unknown_grade", (sect, key, code), "ref.unknown_grade", "ref.known_ids",
                    id=code, known=", ".join(map(str, codes)))
    return out


def text_findings(data: Any, path: str = "") -> list[Finding]:
    """Text that no output could write: control characters (NUL …), an over-long client name, id or text.

    ``check`` and ``render``/``build`` share this, so ``check`` refuses what the documents could not hold.
    """
    out: list[Finding] = []

    def walk(node: Any, loc: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str):
                    text(k, loc + (k,), key=True)
                walk(v, loc + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, loc + (i,))
        elif isinstance(node, str):
            text(node, loc)

    def text(value: str, loc: tuple[Any, ...], key: bool = False) -> None:
        m = _CONTROL.search(value)
        if m:
            out.append(Finding("error", "text.control_char", _where(data, loc, path),
                               t("text.control_char", code=f"U+{ord(m.group()):04X}", pos=m.start() + 1),
                               t("text.control_char.hint")))
            return
        if key:
            return
        field = loc[-1] if loc else ""
        limit, code = TEXT_MAX, "text.too_long"
        if loc == ("client", "name"):
            limit, code = CLIENT_NAME_MAX, "text.client_name_too_long"
        elif field in ("id", "role", "preset", "goal", "a", "b") or (len(loc) >= 2 and loc[-2] in ("strategy",)
                                                                       and isinstance(field, int)):
            limit, code = ID_MAX, "text.id_too_long"
        if len(value) > limit:
            out.append(Finding("error", code, _where(data, loc, path), t(code, n=len(value), max=limit),
                               t(f"{code}.hint", max=limit)))

    walk(data, ())
    return out


def locate_findings(findings: list[Finding], eng: Engagement) -> list[Finding]:
    """Add the file position (line, column) to findings whose location is a path into the loaded file."""
    import re
    from dataclasses import replace

    source = _SOURCES.get(id(eng))
    if source is None:
        return findings
    out = []
    for f in findings:
        m = re.match(r"^([A-Za-z_][\w.\[\]]*)", f.location)
        if not m or "行" in f.location or "line " in f.location:
            out.append(f)
            continue
        loc: list[Any] = []
        for name, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", m.group(1)):
            loc.append(int(index) if index else name)
        pos = position_of(source, tuple(loc))
        out.append(replace(f, location=f"{f.location} ({t('model.line_col', line=pos[0], col=pos[1])})") if pos else f)
    return out


def parse_engagement(data: Any, path: str = "<engagement>") -> Engagement:
    """Validate already-loaded YAML data; raises InputError listing every finding with its location."""
    findings = text_findings(data, path) + reference_findings(data, path)
    try:
        eng = Engagement.model_validate(unfold_cjk(data), context={"profiles": size_profiles()})
    except ValidationError as exc:
        findings = validation_findings(exc, data) + findings
    if findings:
        raise InputError(t("model.invalid", n=len(findings)), location=path, findings=findings)
    return eng


def load_engagement(path: str | Path) -> Engagement:
    """Read and validate an engagement file; the file itself is never modified.

    Examples
    --------
    >>> from toolkit import load_engagement
    >>> from toolkit.model.paths import samples_dir
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
    if keep_previous and path.exists():  # the copy is as private as the file (it holds salaries too)
        import stat

        atomic_write_text(path.with_suffix(".prev.yaml"), path.read_text(encoding="utf-8"),
                          mode=stat.S_IMODE(path.stat().st_mode))
    atomic_write_text(path, text)
    return path


def new_engagement(client: str, size: str, role_ids: list[str], *, industry: str = "",
                   headcount: int | None = None, lang: str | None = None) -> Engagement:
    """A ready-to-edit engagement built from the role presets and the company-size profile.

    The department's headcount is spread over the roles (at least one person each); goals and strategy are left
    empty for the workshop to fill, so that no placeholder text can reach a client document.
    """
    from toolkit.model.messages import get_language

    lang = lang or get_language()
    presets = load_presets()
    unknown = [r for r in role_ids if r not in presets]
    if unknown:
        raise InputError(t("ref.unknown_preset", id=", ".join(unknown)), location="--roles",
                         hint=t("ref.known_ids", known=", ".join(sorted(presets))))
    dups = sorted({r for r in role_ids if role_ids.count(r) > 1})
    if dups:
        raise InputError(t("new.duplicate_role", id=", ".join(dups)), location="--roles",
                         hint=t("new.duplicate_role.hint"))
    if not role_ids:
        raise InputError(t("new.no_roles"), location="--roles", hint=t("ref.known_ids", known=", ".join(presets)))
    dept = headcount or {"small": 6, "medium": 20, "large": 60}[size]
    k = len(role_ids)
    dept = max(dept, k)
    people = [dept // k + (1 if i < dept % k else 0) for i in range(k)]  # spread evenly, at least one each
    profile = size_profiles()[size]
    _, hi = profile.indicators_per_role
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
            id=p.id, name=p.name_en if lang == "en" else p.name_zh, preset=p.id, role_type=p.role_type,
            headcount=people[len(roles)],
            indicators=[RoleIndicator(id=pi.id, weight=w, threshold=pi.threshold, target=pi.target,
                                      stretch=pi.stretch, basic=True)
                        for pi, w in zip(chosen, weights)],
        ))
    return Engagement.model_validate({
        "client": Client(name=client, industry=industry, size=size,  # type: ignore[arg-type]
                         marketing_headcount=dept),
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
