"""The indicator catalogue, role presets and company-size profiles, read from ``templates/`` (data, not code).

Loaded once per process and validated strictly: a broken template is a bug in our data, reported with its
position in the file.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from pydantic import BaseModel, ValidationError

from toolkit.model.datafiles import read_data_file
from toolkit.model.errors import Finding, InputError
from toolkit.model.indicators import Indicator, RolePreset, SizeProfile, StrictModel
from toolkit.model.messages import get_language, t
from toolkit.model.paths import templates_dir
from toolkit.model.similarity import closest
from toolkit.model.yamlio import position_of, read_yaml

__all__ = [
    "catalogue_frame",
    "indicator_name",
    "load_catalogue",
    "load_presets",
    "presets_frame",
    "size_profiles",
    "validation_findings",
]

M = TypeVar("M", bound=BaseModel)


def _loc_str(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_findings(exc: ValidationError, source: Any, prefix: tuple[Any, ...] = (),
                        file: str | None = None) -> list[Finding]:
    """Turn pydantic errors into located findings (path plus line/column when the source has positions)."""
    findings = []
    for err in exc.errors(include_url=False):
        loc = prefix + tuple(p for p in err["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
        where = _loc_str(loc)
        pos = position_of(source, loc)
        if pos:
            where += f" ({t('model.line_col', line=pos[0], col=pos[1])})"
        if file:
            where = f"{file}: {where}"
        kind = err["type"]
        if kind == "missing":
            msg = t("model.field_required")
        elif kind == "extra_forbidden":
            name = str(loc[-1]) if loc else "?"
            close = _close_field_names(name)
            msg = t("model.extra_forbidden_named", name=name)
            findings.append(Finding("error", f"schema.{kind}", where, msg,
                                    t("model.did_you_mean", names=", ".join(close)) if close else ""))
            continue
        else:
            msg = t("model.bad_value", detail=_explain(err))
        findings.append(Finding("error", f"schema.{kind}", where, msg))
    return findings


def _close_field_names(name: str) -> list[str]:
    """Field names of our schemas within two edits of ``name`` (a typo like 'wieght' → 'weight').

    Every schema derives from :class:`StrictModel`, so its subclasses are all the schemas loaded so far (the
    engagement schemas register themselves when imported, without this module importing them).
    """
    todo, fields = [StrictModel], set()
    while todo:
        cls = todo.pop()
        fields.update(cls.model_fields)
        todo.extend(cls.__subclasses__())
    return closest(name, fields, max_distance=2)


_EXPLAINED = {
    "literal_error": "expected", "enum": "expected", "greater_than": "gt", "greater_than_equal": "ge",
    "less_than": "lt", "less_than_equal": "le", "string_too_short": "min_length", "too_short": "min_length",
    "string_too_long": "max_length", "too_long": "max_length", "string_pattern_mismatch": "pattern",
    "union_tag_invalid": "expected_tags",
}
_PLAIN = {"finite_number", "int_parsing", "int_type", "int_from_float", "float_parsing", "float_type", "string_type", "bool_parsing",
          "bool_type", "list_type", "dict_type", "model_type", "date_parsing", "date_from_datetime_parsing",
          "date_type", "tuple_type", "model_attributes_type", "union_tag_not_found"}


def _explain(err: dict[str, Any]) -> str:
    """A pydantic error in the user's language, with the allowed values or bounds."""
    kind, ctx = err["type"], err.get("ctx") or {}
    got = err.get("input")
    got_text = "" if isinstance(got, (dict, list)) else t("schema.got", value=got)
    if kind in _EXPLAINED:
        return t(f"schema.{kind}", value=ctx.get(_EXPLAINED[kind], "")) + got_text
    if kind in _PLAIN:
        return t(f"schema.{kind}") + got_text
    return str(err["msg"]).removeprefix("Value error, ")


_UNION_TAGS = {"linear", "ratio", "band", "steps", "deduction", "bonus", "veto", "rating"}


def _load_list(path: Path, model: type[M], key: str) -> list[M]:
    data = read_data_file(path)
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InputError(f"'{key}' must be a list", location=str(path))
    out, findings = [], []
    for i, raw in enumerate(items):
        try:
            out.append(model.model_validate(raw))
        except ValidationError as exc:
            findings += validation_findings(exc, read_yaml(path), (key, i), file=str(path))
    if findings:
        raise InputError(t("model.invalid", n=len(findings)), location=str(path), findings=findings)
    ids = [x.id for x in out]  # type: ignore[attr-defined]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InputError(f"duplicate ids: {', '.join(dup)}", location=str(path))
    return out


@cache
def _catalogue(root: str) -> dict[str, Indicator]:
    items = _load_list(Path(root) / "catalogue" / "indicators.yaml", Indicator, "indicators")
    return {i.id: i for i in items}


@cache
def _presets(root: str) -> dict[str, RolePreset]:
    items = _load_list(Path(root) / "catalogue" / "role_presets.yaml", RolePreset, "roles")
    return {p.id: p for p in items}


@cache
def _profiles(root: str) -> dict[str, SizeProfile]:
    items = read_data_file(Path(root) / "catalogue" / "size_profiles.yaml")
    return {size: SizeProfile.model_validate({"size": size, **body}) for size, body in items.items()}


def load_catalogue() -> dict[str, Indicator]:
    """All catalogue indicators by id (templates/catalogue/indicators.yaml)."""
    return _catalogue(str(templates_dir()))


def load_presets() -> dict[str, RolePreset]:
    """All role presets by id (templates/catalogue/role_presets.yaml)."""
    return _presets(str(templates_dir()))


def size_profiles() -> dict[str, SizeProfile]:
    """Defaults by company size (templates/catalogue/size_profiles.yaml)."""
    return _profiles(str(templates_dir()))


def indicator_name(ind: Indicator, lang: str | None = None) -> str:
    return ind.name_en if (lang or get_language()) == "en" else ind.name_zh


def catalogue_frame(category: str | None = None, role_type: str | None = None,
                    lang: str | None = None) -> pd.DataFrame:
    """The catalogue as a table, optionally filtered by category and typical role type."""
    lang = lang or get_language()
    rows = []
    for ind in load_catalogue().values():
        if category and ind.category != category:
            continue
        if role_type and role_type not in ind.typical_roles:
            continue
        rows.append({
            "id": ind.id,
            "name": indicator_name(ind, lang),
            "category": ind.category,
            "unit": ind.unit,
            "direction": ind.direction,
            "quantitative": ind.quantitative,
            "cycle": ind.default_cycle,
            "rule": ind.rule.type,
            "roles": ",".join(ind.typical_roles),
        })
    return pd.DataFrame(rows)


def presets_frame(lang: str | None = None) -> pd.DataFrame:
    lang = lang or get_language()
    cat = load_catalogue()
    rows = []
    for p in load_presets().values():
        quant = sum(pi.weight for pi in p.indicators if cat[pi.id].quantitative) if all(
            pi.id in cat for pi in p.indicators) else float("nan")
        rows.append({
            "id": p.id,
            "name": p.name_en if lang == "en" else p.name_zh,
            "role_type": p.role_type,
            "quant_share": f"{p.quant_share[0]:.0%}–{p.quant_share[1]:.0%}",
            "indicators": len(p.indicators),
            "quant_weight": quant,
        })
    return pd.DataFrame(rows)
