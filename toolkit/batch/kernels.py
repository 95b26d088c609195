"""Warm Jupyter kernels, one per worker process, that have already imported the toolkit (a fresh kernel
costs ~1 s, the imports 3–4 s more), reset between notebooks.
"""
from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from toolkit.batch.plan import Job

__all__ = [
    "KERNEL_ARGS",
    "PRELOAD",
    "die_with_parent",
    "kill_all_kernels",
    "kill_kernel",
    "shutdown_worker_kernels",
    "start_kernel",
    "stop_kernel",
    "warm_kernel",
    "warm_up",
    "worker_state",
]


#: modules imported once into a warm kernel, so that each notebook pays only for its own work
PRELOAD = ("pandas", "numpy", "matplotlib.pyplot", "seaborn", "ipywidgets",
           "toolkit.notebooks.worksheet", "toolkit.model.engagement", "toolkit.model.catalogue", "toolkit.scheme.resolve",
           "toolkit.checks.goals", "toolkit.checks.engagement",
           "toolkit.weights.analysis", "toolkit.weights.diagnosis", "toolkit.weights.group", "toolkit.weights.hierarchy",
           "toolkit.weights.sensitivity", "toolkit.documents.plots_weights",
           "toolkit.scoring.rules", "toolkit.scoring.grading", "toolkit.scoring.pay", "toolkit.scoring.calibration",
           "toolkit.scoring.simulate", "toolkit.documents.plots_scores", "toolkit.documents.render",
           "toolkit.workshop.widgets")


# ------------------------------------------------------------------------------------------------- worker side
worker_state = threading.local()

#: pids of the kernels this process started (each leads its own process group: jupyter starts a new session)
_KERNELS: set[int] = set()


def _kernel_pid(km: Any) -> int | None:
    prov = getattr(km, "provisioner", None)
    return getattr(prov, "pid", None) or getattr(getattr(prov, "process", None), "pid", None)


def kill_all_kernels() -> None:
    """SIGKILL every kernel this process started, with its process group (anything the kernel started)."""
    import signal

    for pid in list(_KERNELS):
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(OSError):
                kill(pid, signal.SIGKILL)
        _KERNELS.discard(pid)


def _die(*_: Any) -> None:
    kill_all_kernels()
    os._exit(1)  # no clean-up that could still write into --out


def die_with_parent(parent_pid: int) -> None:
    """Process-pool initializer: this worker, and its kernels, end when the build process ends (even kill -9).

    Linux: ``prctl(PR_SET_PDEATHSIG)`` delivers SIGUSR2 the moment the parent dies (checked against the
    parent pid, since the kernel also sends it when merely the forking *thread* ends); elsewhere, and as a
    fallback, a thread polls the parent pid twice a second. SIGTERM (a broken pool terminating its workers)
    also takes the kernels along.
    """
    import signal
    import sys
    import time

    def on_pdeath(*_: Any) -> None:
        if os.getppid() != parent_pid:
            _die()

    signal.signal(signal.SIGTERM, _die)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            signal.signal(signal.SIGUSR2, on_pdeath)
            libc.prctl(1, int(signal.SIGUSR2), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    if os.getppid() != parent_pid:  # the parent died before we got here
        _die()

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        _die()

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


# A clean namespace for the next notebook without ``%reset``'s full garbage collection (0.25 s each time):
# user names go, figures close, execution counts start again at 1. The kernels run without IPython history
# (:data:`KERNEL_ARGS`), so there is no history to reset and no shared SQLite file for parallel kernels to
# fight over (that fight printed "ERROR! Session/line number was not unique in database" into notebooks).
_RESET = ("[get_ipython().user_ns.pop(k, None) for k in list(get_ipython().user_ns)\n"
          " if k not in get_ipython().user_ns_hidden]\n"
          "__import__('matplotlib.pyplot').pyplot.close('all')\n"
          "get_ipython().execution_count = 1\n")

#: command-line options of every batch kernel: no IPython history database (nothing to share, nothing to log)
KERNEL_ARGS = ("--HistoryManager.enabled=False",)


def _preload_code() -> str:
    lines = ["import importlib as _il"]
    for mod in PRELOAD:
        lines.append(f"try:\n    _il.import_module({mod!r})\nexcept ImportError:\n    pass")
    lines.append("del _il")
    return "\n".join(lines)


def _kernel_exec(km: Any, code: str, timeout: float, ready: bool = False) -> None:
    from jupyter_client import BlockingKernelClient

    kc = BlockingKernelClient(parent=km)  # parent: liveness from the process, not a heartbeat still warming up
    kc.load_connection_info(km.get_connection_info())
    kc.start_channels()
    try:
        if not ready:  # a kernel that just finished a notebook is ready; skip the 0.2 s handshake
            kc.wait_for_ready(timeout=timeout)
        reply = kc.execute_interactive(code, store_history=False, timeout=timeout, output_hook=lambda m: None)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"kernel set-up failed: {reply['content'].get('evalue')}")
    finally:
        kc.stop_channels()


def start_kernel(kernel_name: str, timeout: float) -> Any:
    import subprocess

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=kernel_name)
    run_sync(km.start_kernel)(stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              extra_arguments=list(KERNEL_ARGS))
    pid = _kernel_pid(km)
    if pid:
        _KERNELS.add(pid)
    return km


def stop_kernel(km: Any) -> None:
    from jupyter_core.utils import run_sync

    pid = _kernel_pid(km)

    with contextlib.suppress(Exception):  # a kernel that is already gone is what we wanted
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    with contextlib.suppress(Exception):
        run_sync(km.cleanup_resources)()
    if pid:
        _KERNELS.discard(pid)


def kill_kernel(km: Any) -> None:
    import signal

    pid = _kernel_pid(km)
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def warm_kernel(job: Job) -> Any:
    """This thread's warm kernel, started (and preloaded) on first use."""
    return warm_up(job.kernel_name)


def warm_up(kernel_name: str = "python3") -> Any:
    """Start (or reset) this worker thread's warm kernel; submitted early, it overlaps the parent's planning."""
    if getattr(worker_state, "pid", None) != os.getpid():  # state copied by fork belongs to the parent: not ours
        worker_state.km, worker_state.finalizer, worker_state.pid = None, None, os.getpid()
    km = getattr(worker_state, "km", None)
    if km is not None and getattr(worker_state, "kernel_name", None) == kernel_name and km.has_kernel:
        try:
            _kernel_exec(km, _RESET, timeout=30, ready=True)
            return km
        except Exception:  # noqa: BLE001 - a broken kernel is replaced
            stop_kernel(km)
    km = start_kernel(kernel_name, 120)
    _kernel_exec(km, _preload_code() + "\n" + _RESET, timeout=300)
    worker_state.km, worker_state.kernel_name = km, kernel_name
    if not getattr(worker_state, "finalizer", None):
        from multiprocessing import util

        worker_state.finalizer = util.Finalize(None, shutdown_worker_kernels, exitpriority=10)
    return km


def shutdown_worker_kernels() -> None:
    """Stop this thread's warm kernel (the process pool calls it when a worker exits)."""
    km = getattr(worker_state, "km", None)
    if km is not None and getattr(worker_state, "pid", None) == os.getpid():
        stop_kernel(km)
        worker_state.km = None
