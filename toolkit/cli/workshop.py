"""``appraisal workshop ENGAGEMENT.yaml``: start the live workshop page (Voila) on this machine."""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import click

from ..errors import InputError
from ..i18n import t

__all__ = ["voila_command", "workshop"]


def voila_command(port: int, *, ip: str = "127.0.0.1", no_browser: bool = True) -> list[str]:
    """The Voila command line serving ``notebooks/workshop.ipynb`` (also used by the browser tests)."""
    from ..paths import notebooks_dir

    cmd = [sys.executable, "-m", "voila", str(notebooks_dir() / "workshop.ipynb"), f"--port={port}",
           f"--Voila.ip={ip}", "--show_tracebacks=False"]
    if no_browser:
        cmd += ["--no-browser", "--ServerApp.open_browser=False"]
    return cmd


@click.command("workshop")
@click.argument("engagement", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--port", type=int, default=8866, show_default=True, help="Port of the page.")
@click.option("--participant", default=None, help="Open the page as this participant (hides the others' answers).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.option("--ip", default="127.0.0.1", show_default=True,
              help="Address to listen on; use the room's LAN address only on a trusted network.")
def workshop(engagement: Path, port: int, participant: str | None, no_browser: bool, ip: str) -> None:
    """Start the live workshop page for ENGAGEMENT (answers journaled beside it, restored on restart)."""
    from ..engagement import load_engagement
    from ..journal import check_journal

    load_engagement(engagement)  # bad input stops here, with every problem located
    if importlib.util.find_spec("voila") is None:
        raise InputError(t("workshop.error.no_voila"), hint=t("workshop.error.no_voila.hint"))
    check = check_journal(engagement)
    click.echo(check.message())
    if check.needs_choice:
        for c in check.choices:
            click.echo(f"  - {t(f'workshop.choice.{c}')}: {check.choice_text(c)}")
    env = dict(os.environ, APPRAISAL_WORKSHOP_ENGAGEMENT=str(engagement.resolve()))
    if participant:
        env["APPRAISAL_WORKSHOP_PARTICIPANT"] = participant
    url = f"http://{ip}:{port}/"
    click.echo(t("workshop.cli.starting", url=url))
    if participant:
        click.echo(t("workshop.cli.participant_url", name=participant, url=f"{url}?participant={quote(participant)}"))
    proc = subprocess.Popen(voila_command(port, ip=ip, no_browser=no_browser), env=env)
    # stopping the command stops the page server too (no orphaned Voila holding the port)
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        code = proc.wait(15)
    if code:
        click.get_current_context().exit(code)
