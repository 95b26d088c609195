"""``appraisal indicators`` and ``appraisal roles``: browse the catalogue and the role presets."""
from __future__ import annotations

import click

from toolkit.model.catalogue import catalogue_frame, load_catalogue, load_presets, presets_frame
from toolkit.model.errors import InputError
from toolkit.model.messages import get_language, t

from ._common import echo_json, echo_table
from ._i18n import command, option


def _headers(frame):  # type: ignore[no-untyped-def]
    """Column headers in the user's language."""
    return frame.rename(columns={c: t(f"col.{c}") for c in frame.columns})


_CATEGORIES = ["performance", "campaign", "brand", "customer", "cost", "research", "qualitative"]


@command(help="help.indicators")
@option("--category", "-c", type=click.Choice(_CATEGORIES), help="help.indicators.category")
@option("--role", "-r", help="help.indicators.role")
@option("--json", "as_json", is_flag=True, help="help.indicators.json")
def indicators(category: str | None, role: str | None, as_json: bool) -> None:
    role_type = None
    ids = None
    if role:
        presets = load_presets()
        types = {"sales", "planning", "research", "brand", "content", "management", "support"}
        if role in presets:
            ids = [pi.id for pi in presets[role].indicators]
        elif role in types:
            role_type = role
        else:
            raise InputError(t("cli.unknown_role", role=role), location="--role",
                             hint=t("ref.known_ids", known=", ".join(sorted(set(presets) | types))))
    frame = catalogue_frame(category=category, role_type=role_type)
    if ids is not None:
        frame = frame[frame["id"].isin(ids) | frame["roles"].str.contains(load_presets()[role].role_type)]  # type: ignore[index]
    if as_json:
        cat = load_catalogue()
        echo_json([cat[i].model_dump(mode="json") for i in frame["id"]])
        return
    echo_table(_headers(frame))
    click.echo(t("cli.count", n=len(frame)))


@command(help="help.roles")
@option("--json", "as_json", is_flag=True, help="help.roles.json")
def roles(as_json: bool) -> None:
    if as_json:
        echo_json([p.model_dump(mode="json") for p in load_presets().values()])
        return
    echo_table(_headers(presets_frame(get_language())))
