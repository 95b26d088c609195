"""Warm kernels on Dask workers: a worker plugin that starts them when a build begins and stops them when it ends.

Without it, every job on a Dask worker started its own kernel and imported pandas, matplotlib, seaborn and the
toolkit again: ×2.0–×2.9 the local build (issue 17). With it, each worker process keeps one warm kernel per
thread (:func:`toolkit.batch.kernels.prewarm`, started in the background as soon as the plugin is registered, so
it overlaps the build's own start), and the jobs it runs reuse them exactly as a local worker does.

The kernels die with their worker: the plugin's ``teardown`` (the build unregistering it, or the worker closing)
stops them; a worker that exits any other way runs :func:`toolkit.batch.kernels.shutdown_worker_kernels` at exit;
and a worker killed outright loses its kernels within a second, because every kernel polls its parent's pid
(``JPY_PARENT_PID``, set by jupyter_client) and exits when it changes.
"""
from __future__ import annotations

import os
import threading
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from toolkit.batch.kernels import prewarm, shutdown_worker_kernels

__all__ = ["PLUGIN_NAME", "WarmKernels"]

#: the plugin's name on the cluster: registering it again (the next build) replaces the previous one
PLUGIN_NAME = "appraisal-warm-kernels"


class WarmKernels(WorkerPlugin):
    """Keep ``nthreads`` warm kernels on every worker for the duration of one build.

    ``env``: variables the kernels must see, set in the worker before they start (the build's signing secret
    for the prepared engagement, :data:`toolkit.notebooks.prepared.SECRET_ENV`).
    """

    name = PLUGIN_NAME

    def __init__(self, kernel_name: str = "python3", env: dict[str, str] | None = None) -> None:
        self.kernel_name = kernel_name
        self.env = dict(env or {})
        self._thread: threading.Thread | None = None

    def setup(self, worker: Any) -> None:
        os.environ.update(self.env)
        n = max(1, int(getattr(getattr(worker, "state", None), "nthreads", 0) or getattr(worker, "nthreads", 1)))
        # in the background: the worker's event loop must keep answering the scheduler meanwhile
        self._thread = threading.Thread(target=prewarm, args=(self.kernel_name, n), name="appraisal-prewarm",
                                        daemon=True)
        self._thread.start()

    def teardown(self, worker: Any) -> None:
        if self._thread is not None:
            self._thread.join(timeout=60)
        shutdown_worker_kernels()
