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

from toolkit.model.errors import InputError
from toolkit.model.messages import t

__all__ = ["IDLE_TIMEOUT", "stop_server", "voila_command", "workshop"]


#: a page left open without activity keeps its kernel this long (seconds): a workshop pause, not a lunch break
IDLE_TIMEOUT = 600


def voila_command(port: int, *, ip: str = "127.0.0.1", no_browser: bool = True,
                  idle_timeout: int = IDLE_TIMEOUT, cull_interval: int | None = None) -> list[str]:
    """The Voila command line serving ``notebooks/workshop.ipynb`` (also used by the browser tests).

    Every page load starts a kernel. Voila shuts it down when the page closes (its ``beforeunload`` request);
    a page that closed without saying so (a killed tab, a browser that skips ``beforeunload``) leaves a kernel
    behind, so the server culls kernels without a connected page after ``idle_timeout`` seconds of inactivity.
    A page still open in the room is never culled (``cull_connected=False``): the consultant's screen may sit
    idle through a long discussion. ``cull_interval`` (how often to look) defaults to a tenth of the timeout,
    at least 1 s.
    """
    from toolkit.model.paths import notebooks_dir

    every = cull_interval if cull_interval is not None else max(1, idle_timeout // 10)
    cmd = [sys.executable, "-m", "voila", str(notebooks_dir() / "workshop.ipynb"), f"--port={port}",
           f"--Voila.ip={ip}", "--show_tracebacks=False",
           f"--MappingKernelManager.cull_idle_timeout={int(idle_timeout)}",
           f"--MappingKernelManager.cull_interval={int(every)}",
           "--MappingKernelManager.cull_connected=False"]
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
@click.option("--idle-timeout", type=click.IntRange(min=1), default=IDLE_TIMEOUT, show_default=True,
              help="Seconds after which the kernel of a closed page is shut down (an open page is kept).")
def workshop(engagement: Path, port: int, participant: str | None, no_browser: bool, ip: str,
             idle_timeout: int) -> None:
    """Start the live workshop page for ENGAGEMENT (answers journaled beside it, restored on restart)."""
    from toolkit.model.engagement import load_engagement
    from toolkit.workshop.journal import check_journal, close_journal

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
    # the server runs in its own session: Ctrl+C reaches this command only, which stops the server (and its
    # kernels) with SIGTERM instead of Jupyter's interactive "shut down? (y/n)" prompt
    proc = subprocess.Popen(voila_command(port, ip=ip, no_browser=no_browser, idle_timeout=idle_timeout),
                            env=env, start_new_session=True)
    code = stop_server(proc, wait=True)
    close_journal(engagement)  # one journal file again: no -wal/-shm left beside it
    if code:
        click.get_current_context().exit(code)


def stop_server(proc: subprocess.Popen[bytes], *, wait: bool = False, timeout: float = 20) -> int:
    """Wait for the page server (``wait=True``) until it ends or SIGINT/SIGTERM arrives, then stop it and its
    kernels (SIGTERM to its process group; SIGKILL after ``timeout`` seconds). Returns the exit code to report:
    0 when stopped on request."""
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    old = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)} if wait else {}
    try:
        try:
            if wait:
                code = proc.wait()
                return code
        except KeyboardInterrupt:
            stopping = True
        for s, h in old.items():
            signal.signal(s, h)
        old = {}
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
        return 0 if stopping or not wait else int(proc.returncode or 0)
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
