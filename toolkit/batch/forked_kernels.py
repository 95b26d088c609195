"""Kernels forked from their build worker, which has already imported what the notebooks need (Linux, macOS).

Why (issue 17): a kernel started as a new process (``python -m ipykernel_launcher``) imports pandas, matplotlib,
seaborn, scipy and the toolkit again, 3–4 s of CPU each, beside the worker that imported papermill and nbconvert.
A kernel forked from the worker starts with all of it in memory (copy-on-write), so each build worker pays for
its imports once and its kernel starts in a fraction of a second.

How: :class:`ForkProvisioner` is a jupyter_client kernel provisioner that, instead of ``Popen``-ing the kernel
command, forks and runs ``IPKernelApp`` with the command's own arguments (the connection file, the options) in
the child. The child starts a session of its own (so signals to the kernel's process group reach it and what
it starts, as with ``Popen(start_new_session=True)``), gets the launch environment, working folder and
``/dev/null`` for its standard streams, the process name ``ipykernel`` (``/proc/<pid>/comm``; its command line
is still the worker's), and dies with the worker (``PR_SET_PDEATHSIG``). Everything else —
connection file, ports, encryption keys, interrupt, shutdown, kill — is jupyter_client's ``LocalProvisioner``.

Only where ``os.fork`` exists, and only from a process that forks safely: a build worker of the local process
pool (one thread runs jobs). Dask workers and ``--fresh-kernels`` start kernels as new processes.
"""
from __future__ import annotations

import os
import pathlib
import signal
import sys
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

__all__ = ["ForkProvisioner", "can_fork", "forked_manager"]


def can_fork() -> bool:
    """Whether kernels can be forked here (a POSIX ``fork``)."""
    return hasattr(os, "fork") and sys.platform != "win32"


class _Forked:
    """The little of ``subprocess.Popen`` a provisioner uses, for a forked child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = 0
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                self.returncode = 0
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _run_kernel(args: list[str], env: dict[str, str] | None, cwd: str | None, parent: int) -> None:
    """In the forked child: become the kernel; never returns."""
    code = 1
    try:
        os.setsid()
        if sys.platform.startswith("linux"):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
            libc.prctl(15, b"ipykernel", 0, 0, 0)  # PR_SET_NAME: `ps -o comm`, /proc/<pid>/comm say what it is
        if os.getppid() != parent:
            os._exit(1)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR2, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if cwd:
            os.chdir(cwd)
        import asyncio

        # the worker forked us from inside its event loop: the kernel runs a loop of its own
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(asyncio.new_event_loop())
        sys.argv = [sys.executable, "-m", "ipykernel_launcher", *args]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - nothing to report to: the manager sees the kernel die
        code = 1
    finally:
        os._exit(code)


class ForkProvisioner(LocalProvisioner):  # type: ignore[misc]
    """A kernel provisioner that forks the kernel from this process (see the module docstring)."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        # the kernel command is `python [-X…] -m ipykernel_launcher -f <connection file> [options]`
        args = cmd[cmd.index("-f"):] if "-f" in cmd else list(cmd[3:])
        env = kwargs.get("env")
        cwd = kwargs.get("cwd")
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child (covered by the build tests, in another process)
            _run_kernel(list(args), dict(env) if env is not None else None, cwd, parent)
        self.process = _Forked(pid)
        self.pid = pid
        self.pgid = pid  # the child's own session (os.setsid), as Popen(start_new_session=True)
        self.cwd = cwd or pathlib.Path.cwd()
        return self.connection_info


def forked_manager(kernel_name: str) -> Any:
    """An ``AsyncKernelManager`` whose kernel will be forked from this process."""
    import uuid

    from jupyter_client.manager import AsyncKernelManager

    km = AsyncKernelManager(kernel_name=kernel_name)
    km.kernel_id = str(uuid.uuid4())
    km.provisioner = ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
    return km
