"""``appraisal workshop ENGAGEMENT.yaml``: start the live workshop page (Voila) on this machine."""
from __future__ import annotations

import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click

from toolkit.model.errors import InputError
from toolkit.model.messages import t

from ._i18n import command, option

__all__ = ["IDLE_TIMEOUT", "die_with_parent", "port_free", "stop_server", "voila_command", "workshop"]


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
           "--MappingKernelManager.cull_connected=False",
           "--Voila.port_retries=0"]  # a busy port is an error, never a silent move to the next one
    if no_browser:
        cmd += ["--no-browser", "--ServerApp.open_browser=False"]
    return cmd


def die_with_parent() -> None:
    """``preexec_fn`` of the page server: the kernel sends it SIGTERM when this command dies, however it dies
    (``kill -9`` included: Linux ``prctl(PR_SET_PDEATHSIG)``), so Voila stops its kernels instead of being
    orphaned on the port. The kernels themselves watch their parent (ipykernel's parent poller,
    ``JPY_PARENT_PID``), so they end with Voila even if Voila is killed outright."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except OSError:  # not Linux: the command's own SIGINT/SIGTERM handling still stops the server
        pass


def port_free(ip: str, port: int) -> bool:
    """True when ``ip:port`` can be bound now (the page server would get exactly this port)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
        except OSError:
            return False
    return True


def _listening(ip: str, port: int, proc: subprocess.Popen[bytes], seconds: float = 120) -> bool:
    host = "127.0.0.1" if ip in ("0.0.0.0", "") else ("::1" if ip == "::" else ip)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection((host, port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


@command("workshop", help="help.workshop")
@click.argument("engagement", type=click.Path(dir_okay=False, path_type=Path))
@option("--port", type=int, default=8866, show_default=True, help="help.workshop.port")
@option("--participant", default=None, help="help.workshop.participant")
@option("--no-browser", is_flag=True, help="help.workshop.no_browser")
@option("--ip", default="127.0.0.1", show_default=True, help="help.workshop.ip")
@option("--tokens", "use_tokens", is_flag=True, help="help.workshop.tokens")
@option("--password", default=None, envvar="APPRAISAL_WORKSHOP_PASSWORD", help="help.workshop.password")
@option("--idle-timeout", type=click.IntRange(min=1), default=IDLE_TIMEOUT, show_default=True,
        help="help.workshop.idle_timeout")
def workshop(engagement: Path, port: int, participant: str | None, no_browser: bool, ip: str,
             use_tokens: bool, password: str | None, idle_timeout: int) -> None:
    """The live workshop page for an engagement (help text: ``help.workshop``)."""
    from toolkit.model.engagement import load_engagement
    from toolkit.workshop.access import TokenStore, hash_password, invitation_url, is_loopback
    from toolkit.workshop.journal import check_journal, close_journal
    from toolkit.workshop.session import Workshop

    eng = load_engagement(engagement)  # bad input stops here, with every problem located
    if not is_loopback(ip) and not use_tokens and not password:
        raise InputError(t("workshop.cli.need_access", ip=ip), hint=t("workshop.cli.need_access.hint"))
    if importlib.util.find_spec("voila") is None:
        raise InputError(t("workshop.error.no_voila"), hint=t("workshop.error.no_voila.hint"))
    if not port_free(ip, port):
        raise InputError(t("workshop.cli.port_busy", ip=ip, port=port), hint=t("workshop.cli.port_busy.hint"))
    check = check_journal(engagement)
    click.echo(check.message())
    if check.needs_choice:
        for c in check.choices:
            click.echo(f"  - {t(f'workshop.choice.{c}')}: {check.choice_text(c)}")
    roster = Workshop(eng).roster()  # the engagement's participants (those added in the room get theirs there)
    if participant and participant not in roster:
        from toolkit.workshop.access import known_hint

        raise InputError(t("workshop.error.unknown_participant", name=participant),
                         hint=known_hint(participant, list(roster)))
    store = TokenStore(engagement)
    tokens = store.ensure(roster)
    mode = "tokens" if use_tokens else ("password" if password else "open")
    host = ip if ":" not in ip else f"[{ip}]"
    url = f"http://{host}:{port}/"
    env = dict(os.environ, APPRAISAL_WORKSHOP_ENGAGEMENT=str(engagement.resolve()), APPRAISAL_WORKSHOP_ACCESS=mode,
               APPRAISAL_WORKSHOP_URL=url)
    env.pop("APPRAISAL_WORKSHOP_PASSWORD", None)  # the kernels get the hash only
    if password:
        env["APPRAISAL_WORKSHOP_PASSWORD_HASH"] = hash_password(password)
    if participant:
        env["APPRAISAL_WORKSHOP_PARTICIPANT"] = participant
    # the server runs in its own session (Ctrl+C reaches this command only, which stops the server and its
    # kernels with SIGTERM instead of Jupyter's "shut down? (y/n)" prompt) and dies with this command
    proc = subprocess.Popen(voila_command(port, ip=ip, no_browser=no_browser, idle_timeout=idle_timeout),
                            env=env, start_new_session=True, preexec_fn=die_with_parent)  # noqa: PLW1509
    try:
        up = _listening(ip, port, proc)
    except KeyboardInterrupt:
        up = False
    if not up:  # exited (port taken meanwhile, bad Voila) or never listened
        stop_server(proc)
        close_journal(engagement)
        raise InputError(t("workshop.cli.failed", code=proc.returncode), hint=t("workshop.cli.port_busy.hint"))
    # printed once the server really listens there: the URL is the one it serves
    click.echo(t("workshop.cli.mode", mode=t(f"workshop.mode.{mode}")))
    click.echo(t("workshop.cli.starting", url=url))
    click.echo(t("workshop.cli.facilitator_url", url=invitation_url(url, store.token(None))))
    if roster:
        click.echo(t("workshop.cli.invitations"))
        names = {r.id: r.name for r in eng.roles}
        for name, roles in roster.items():
            click.echo(t("workshop.cli.invitation", name=name, roles=t("workshop.roles.sep").join(
                names[r] for r in roles), url=invitation_url(url, tokens[name])))
    sys.stdout.flush()
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
