"""``appraisal new DIR``: write a ready-to-edit engagement from the role presets."""
from __future__ import annotations

from pathlib import Path

import click

from toolkit.documents.engagement_template import new_engagement_yaml
from toolkit.model.engagement import new_engagement, parse_engagement
from toolkit.model.errors import InputError
from toolkit.model.fileio import atomic_write_text
from toolkit.model.messages import t
from toolkit.model.yamlio import load_yaml_text

from ._i18n import command, option


@command(help="help.new")
@click.argument("directory", type=click.Path(path_type=Path))
@option("--client", required=True, help="help.new.client")
@option("--size", type=click.Choice(["small", "medium", "large"]), required=True, help="help.new.size")
@option("--roles", "role_ids", required=True, multiple=True, help="help.new.roles")
@option("--industry", default="", help="help.new.industry")
@option("--headcount", type=click.IntRange(1, 1_000_000), default=None, help="help.new.headcount")
@option("--force", is_flag=True, help="help.new.force")
def new(directory: Path, client: str, size: str, role_ids: tuple[str, ...], industry: str,
        headcount: int | None, force: bool) -> None:
    ids = [r.strip() for item in role_ids for r in item.split(",") if r.strip()]
    target = directory / "engagement.yaml"
    if target.exists() and not force:
        raise InputError(t("cli.exists"), location=str(target), hint=t("cli.exists.hint"))
    eng = new_engagement(client, size, ids, industry=industry, headcount=headcount)
    text = new_engagement_yaml(eng)
    if parse_engagement(load_yaml_text(text), str(target)).model_dump() != eng.model_dump():
        raise RuntimeError("the generated engagement does not read back to the same model")
    atomic_write_text(target, text)  # an unwritable folder is reported by the CLI (exit 2)
    click.echo(t("cli.written", path=target))
    click.echo(t("new.next_steps", path=target))
