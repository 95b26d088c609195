"""The commented, ready-to-edit engagement file that ``appraisal new`` writes (templates/engagement/new.yaml.j2).

An output: it shows the resolved weights of each role, so it sits above the scheme engine.
"""
from __future__ import annotations

import datetime as dt
import json

import jinja2

from toolkit.model.catalogue import indicator_name
from toolkit.model.messages import get_language, language, t
from toolkit.model.paths import templates_dir
from toolkit.model.schema import Engagement
from toolkit.scheme.resolve import resolve_role

__all__ = ["new_engagement_yaml"]


def _unit_name(unit: str, lang: str) -> str:
    key = f"unit_name.{unit}"
    name = t(key, lang)
    return unit if name == key else name


def new_engagement_yaml(eng: Engagement, lang: str | None = None) -> str:
    """The engagement as a commented, ready-to-edit YAML file (templates/engagement/new.yaml.j2)."""
    lang = lang or get_language()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / "engagement")),
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["y"] = lambda v: json.dumps(v, ensure_ascii=False)  # a JSON string is a valid YAML scalar
    env.filters["n"] = lambda v: int(v) if float(v).is_integer() else v
    with language(lang):
        text = env.get_template("new.yaml.j2").render(
            eng=eng, roles=[resolve_role(eng, r) for r in eng.roles], lang=lang, t=t,
            year=dt.date.today().year + 1,
            unit=lambda ri: _unit_name(ri.indicator.unit, lang),
            band_lo=lambda rs: f"{rs.band[0]:.0%}" if rs.band else "—",
            band_hi=lambda rs: f"{rs.band[1]:.0%}" if rs.band else "—",
            indicator_name=indicator_name,
        )
    return text
