"""Warm Jupyter kernels that have already imported the toolkit (a fresh kernel costs ~1 s, the imports 3–4 s
more), reset between notebooks: one per local worker process, one per job thread of a Dask worker
(:mod:`toolkit.batch.dask_workers`). Every kernel dies with the process that started it.
"""
from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from toolkit.batch.plan import Job

__all__ = [
    "FORK_ENV",
    "KERNEL_ARGS",
    "PRELOAD",
    "WORKER_MODULES",
    "acquire_kernel",
    "die_with_parent",
    "import_kernel_modules",
    "import_worker_modules",
    "kernel_stats",
    "kill_all_kernels",
    "kill_kernel",
    "prepare_worker",
    "prewarm",
    "release_kernel",
    "run_is_alive",
    "shutdown_worker_kernels",
    "start_kernel",
    "stop_kernel",
    "warm_kernel",
    "warm_up",
    "worker_state",
]


#: set to 0 to start every build kernel as a new process instead of forking it from its worker
FORK_ENV = "APPRAISAL_FORK_KERNELS"

#: modules imported once into a warm kernel, so that each notebook pays only for its own work (what the five
#: worksheets import; the document renderers, needed by one notebook of a build, are imported by it)
PRELOAD = ("pandas", "numpy", "matplotlib.pyplot", "seaborn", "ipywidgets", "IPython.display",
           "toolkit.notebooks.worksheet", "toolkit.notebooks.prepared", "toolkit.model.engagement",
           "toolkit.model.catalogue", "toolkit.scheme.resolve", "toolkit.documents.fonts",
           "toolkit.checks.goals", "toolkit.checks.goal_rewrite", "toolkit.checks.engagement",
           "toolkit.weights.analysis", "toolkit.weights.diagnosis", "toolkit.weights.group", "toolkit.weights.hierarchy",
           "toolkit.weights.sensitivity", "toolkit.documents.plots_weights",
           "toolkit.scoring.rules", "toolkit.scoring.grading", "toolkit.scoring.pay", "toolkit.scoring.calibration",
           "toolkit.scoring.appraise", "toolkit.scoring.actuals", "toolkit.scoring.simulate",
           "toolkit.documents.plots_scores", "toolkit.documents.render",
           "toolkit.workshop.session", "toolkit.workshop.widgets")

#: modules the worker process itself needs for every job (papermill runs the notebook, nbconvert writes the
#: HTML client copies, mistune, lxml and Typst the PDF ones): imported while its kernel warms up, not by the
#: first job
WORKER_MODULES = ("papermill", "nbclient", "nbformat", "nbconvert", "typst", "mistune", "lxml.html",
                  "toolkit.batch.client_copies", "toolkit.batch.worksheet_pdf")


# ------------------------------------------------------------------------------------------------- worker side
# One pool of warm kernels per process: a local worker (one job at a time) keeps one; a Dask worker keeps one per
# thread running jobs. A job takes an idle kernel (reset first) or starts one, and gives it back when it ended
# well; a kernel that timed out or died is discarded.
_POOL = threading.Condition()
_IDLE: list[Any] = []  # warm kernels nobody uses
_BUSY: set[int] = set()  # id() of kernels lent to a job
_WARMING = [0]  # kernels being started for the pool (a job waits for one rather than starting another)
_STATS = {"started": 0, "reused": 0}

#: [True] in a local build worker: its kernels are forked from it (:mod:`toolkit.batch.forked_kernels`) after
#: it imported what they need; elsewhere (Dask workers, tests, a notebook) kernels are new processes
_FORK = [False]

#: pids of the kernels this process started (each leads its own process group: jupyter starts a new session)
_KERNELS: set[int] = set()
_FINALIZER: list[Any] = []

#: kept for callers of the old per-thread state (the pool is per process now)
worker_state = threading.local()


def _forget_inherited() -> None:
    """In a forked child: the parent's kernels are the parent's (never reused, never killed from here)."""
    global _POOL
    _POOL = threading.Condition()
    _IDLE.clear()
    _BUSY.clear()
    _KERNELS.clear()
    _FINALIZER.clear()
    _WARMING[0] = 0
    _STATS.update(started=0, reused=0)
    _FORK[0] = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited)


def kernel_stats() -> dict[str, Any]:
    """This process's kernels: how many were started and how many jobs reused a warm one, their pids."""
    return {**_STATS, "pids": sorted(_KERNELS), "idle": len(_IDLE), "busy": len(_BUSY)}


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


def prepare_worker() -> None:
    """Settings of every worker process before its kernels start (they inherit the environment).

    ``rfc3987_syntax`` is kept out: jsonschema imports it for the ``iri`` formats, which builds 38 lark
    grammars (1.1–1.4 s in every process that imports nbformat); notebook validation never uses those formats.
    """
    import sys

    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # ImportError: format skipped


def import_worker_modules() -> None:
    """Import what every job of this worker needs (:data:`WORKER_MODULES`); a missing one is the job's problem."""
    import importlib

    prepare_worker()
    for mod in WORKER_MODULES:
        with contextlib.suppress(Exception):
            importlib.import_module(mod)
    from toolkit.model.collector import freeze_imports

    freeze_imports()  # they live as long as the worker (see toolkit.model.collector)


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

    prepare_worker()
    from toolkit.batch.forked_kernels import can_fork

    # a pool worker runs one job at a time on its main thread: it can fork its kernels (APPRAISAL_FORK_KERNELS=0:
    # start them as new processes instead)
    _FORK[0] = can_fork() and os.environ.get(FORK_ENV, "1") != "0"
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
    # the code digest of the prepared engagement's key, taken while the toolkit is imported (once per kernel)
    lines.append("try:\n    _il.import_module('toolkit.notebooks.prepared').code_digest()\nexcept Exception:\n    pass")
    # the preloaded modules live as long as the kernel: out of the collector's sight (toolkit.model.collector)
    lines.append("try:\n    _il.import_module('toolkit.model.collector').freeze_imports()\nexcept Exception:\n    pass")
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
    """A new kernel, registered so that it dies with this process (:func:`kill_all_kernels`)."""
    import subprocess

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    prepare_worker()
    if _FORK[0]:
        from toolkit.batch.forked_kernels import forked_manager

        km = forked_manager(kernel_name)
    else:
        km = AsyncKernelManager(kernel_name=kernel_name)
    run_sync(km.start_kernel)(stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              extra_arguments=list(KERNEL_ARGS))
    pid = _kernel_pid(km)
    if pid:
        _KERNELS.add(pid)
    if not _FINALIZER:  # the pool's kernels are stopped when this process exits (a pool worker, a Dask worker …)
        from multiprocessing import util

        _FINALIZER.append(util.Finalize(None, shutdown_worker_kernels, exitpriority=10))
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


def _new_warm_kernel(kernel_name: str) -> Any:
    km = start_kernel(kernel_name, 120)
    try:
        _kernel_exec(km, _preload_code() + "\n" + _RESET, timeout=300)
    except BaseException:
        stop_kernel(km)
        raise
    km._toolkit_kernel_name = kernel_name  # type: ignore[attr-defined]
    with _POOL:
        _STATS["started"] += 1
    return km


def acquire_kernel(kernel_name: str = "python3") -> Any:
    """A warm kernel for one job: an idle one of this process (reset), else a new one (preloaded).

    While another thread is warming a kernel up for the pool and none is idle, this waits for that one instead
    of starting a second. Give it back with :func:`release_kernel`.
    """
    while True:
        km = None
        with _POOL:
            while km is None:
                for i, cand in enumerate(_IDLE):
                    if getattr(cand, "_toolkit_kernel_name", None) == kernel_name:
                        km = _IDLE.pop(i)
                        break
                if km is None and _WARMING[0] > 0:
                    _POOL.wait(timeout=1.0)
                    continue
                break
            if km is None:
                _WARMING[0] += 1
        if km is None:
            try:
                km = _new_warm_kernel(kernel_name)
            finally:
                with _POOL:
                    _WARMING[0] -= 1
                    _POOL.notify_all()
            with _POOL:
                _BUSY.add(id(km))
            return km
        alive = False
        with contextlib.suppress(Exception):
            alive = km.has_kernel and run_is_alive(km)
        if alive:
            try:
                _kernel_exec(km, _RESET, timeout=30, ready=True)
            except Exception:  # noqa: BLE001 - a broken kernel is replaced
                stop_kernel(km)
                continue
            with _POOL:
                _STATS["reused"] += 1
                _BUSY.add(id(km))
            return km
        stop_kernel(km)


def run_is_alive(km: Any) -> bool:
    from jupyter_core.utils import run_sync

    return bool(run_sync(km.is_alive)())


def release_kernel(km: Any, healthy: bool = True) -> None:
    """Give a kernel back to the pool after a job (``healthy=False``: it timed out or died, stop it)."""
    with _POOL:
        _BUSY.discard(id(km))
    if not healthy:
        stop_kernel(km)
        return
    with _POOL:
        _IDLE.append(km)
        _POOL.notify_all()


def prewarm(kernel_name: str = "python3", n: int = 1) -> int:
    """Start ``n`` warm kernels for this process's pool (in parallel) and import the worker's modules meanwhile.

    Returns how many are warm. The Dask plugin runs it in a thread when it is set up on a worker.
    """
    errors: list[BaseException] = []

    def one() -> None:
        with _POOL:
            _WARMING[0] += 1
        try:
            km = _new_warm_kernel(kernel_name)
        except BaseException as exc:  # noqa: BLE001 - the job that needs a kernel will start (and report) one
            errors.append(exc)
        else:
            with _POOL:
                _IDLE.append(km)
        finally:
            with _POOL:
                _WARMING[0] -= 1
                _POOL.notify_all()

    threads = [threading.Thread(target=one, name=f"warm-kernel-{i}", daemon=True) for i in range(n)]
    for th in threads:
        th.start()
    import_worker_modules()
    for th in threads:
        th.join()
    return n - len(errors)


def warm_kernel(job: Job) -> Any:
    """A warm kernel for ``job`` (see :func:`acquire_kernel`)."""
    return acquire_kernel(job.kernel_name)


def import_kernel_modules() -> None:
    """Import what a warm kernel preloads (:data:`PRELOAD`) into this process, for kernels forked from it."""
    import importlib

    for mod in PRELOAD:
        with contextlib.suppress(Exception):
            importlib.import_module(mod)
    with contextlib.suppress(Exception):
        importlib.import_module("toolkit.notebooks.prepared").code_digest()
    from toolkit.model.collector import freeze_imports

    freeze_imports()


def warm_up(kernel_name: str = "python3") -> Any:
    """Make sure this process has a warm kernel; submitted early, it overlaps the parent's planning.

    The worker's own modules (papermill, nbconvert, Typst) are imported while the kernel starts; a worker
    that forks its kernels imports them, and the kernel's, first, on this one thread (a fork while another
    thread is importing could leave the child waiting for that import's lock for ever).
    """
    if _FORK[0]:
        import_worker_modules()
        import_kernel_modules()
        km = acquire_kernel(kernel_name)
        release_kernel(km)
        return km
    importer = threading.Thread(target=import_worker_modules, name="worker-imports", daemon=True)
    importer.start()
    try:
        km = acquire_kernel(kernel_name)
        release_kernel(km)
    finally:
        importer.join()
    return km


def shutdown_worker_kernels() -> None:
    """Stop every kernel of this process's pool and kill any still lent to a job (when the worker exits)."""
    with _POOL:
        idle = list(_IDLE)
        _IDLE.clear()
    for km in idle:
        stop_kernel(km)
    kill_all_kernels()
