"""Running one job: a papermill execution into a staging file moved into place only when complete, plus the
client copies without code (``.ipynb``, and HTML/PDF through :mod:`toolkit.batch.client_copies`); a failed job leaves its partial notebook beside the previous good one.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from toolkit.batch.client_copies import render_client_copies
from toolkit.batch.kernels import (
    kill_kernel,
    prepare_worker,
    release_kernel,
    start_kernel,
    stop_kernel,
    warm_kernel,
)
from toolkit.batch.plan import Job, JobResult
from toolkit.model.fileio import atomic_write_text, sha256_file
from toolkit.model.messages import t
from toolkit.notebooks.worksheet import read_results, results_path

__all__ = [
    "client_copy",
    "run_job",
]


def client_copy(nb: Any) -> Any:
    """The client's copy of an executed notebook: explanations and results, no code, no parameters."""
    import copy

    out = copy.deepcopy(nb)
    keep = []
    for cell in out.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type == "code":
            # the kernel's own stderr (warnings, IPython history notices) is for the audit copy, not the client
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            if tags & {"parameters", "injected-parameters"} or not cell.get("outputs"):
                continue
            cell.source = ""
            cell.metadata["jupyter"] = {"source_hidden": True}
        keep.append(cell)
    out.cells = keep
    pm_meta = out.metadata.get("papermill", {})
    for key in ("parameters", "input_path", "output_path", "environment_variables", "default_parameters"):
        pm_meta.pop(key, None)
    return out


def _literal(path: str) -> str:
    """``path`` escaped for ``str.format``, so papermill's path templating gives it back unchanged.

    >>> _literal("/out/br{foo}/{{7*7}}").format(x=1)
    '/out/br{foo}/{{7*7}}'
    """
    return path.replace("{", "{{").replace("}", "}}")


def _error_text(nb: Any) -> str:
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                return f"{o.get('ename')}: {o.get('evalue')}"[:500]
    return ""


def _readable_parameters(nb: Any) -> None:
    """Rewrite papermill's injected cell with ``repr`` literals: the same values, Chinese kept readable.

    papermill escapes non-ASCII text as ``\\uXXXX``; a client directory named after a Chinese client would
    otherwise be unreadable in the audit copy. The values come from ``metadata.papermill.parameters``.
    """
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []) and params:
            lines = [line for line in cell.source.splitlines() if line.startswith("#")]
            cell.source = "\n".join(lines + [f"{k} = {v!r}" for k, v in params.items()])


def _mark_interrupted(nb: Any, status: str, message: str) -> None:
    """Put the timeout or kernel death on the cell that was running, so the partial notebook shows where."""
    import nbformat

    started = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("papermill", {}).get("start_time")]
    if not started:
        return
    cell = started[-1]
    ename = "CellTimeoutError" if status == "timeout" else "DeadKernelError"
    cell.outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=message, traceback=[message]))
    cell.metadata.setdefault("papermill", {})["exception"] = True
    nb.metadata.setdefault("papermill", {})["exception"] = True


#: the papermill engine of the batch (:func:`_register_engine`): nbclient, writing the notebook once at the end
ENGINE = "toolkit-one-save"
_REGISTERED: list[str] = []


def _register_engine() -> None:
    """Register :data:`ENGINE`: papermill's nbclient engine, but the notebook is written when it ends, not twice
    per cell (papermill's default: 36 writes of a growing notebook for a weights worksheet, 0.3 s a job).

    The write at the end also happens when the kernel dies or a cell times out (papermill's ``finally``), so a
    failed job still leaves its partial notebook with every cell run so far.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    if _REGISTERED:
        return

    class OneSaveManager(NotebookExecutionManager):
        final = False

        def save(self, **kwargs: Any) -> None:
            if self.final:
                super().save(**kwargs)
            else:
                self.last_save_time = self.now()

        def notebook_complete(self, **kwargs: Any) -> None:
            self.final = True
            super().notebook_complete(**kwargs)

    class ClosingClient(PapermillNotebookClient):
        """nbclient leaves the kernel client of a kernel it does not own open: 14 file descriptors a job, until
        a long-lived worker ran out ("Too many open files"). The warm kernel itself stays."""

        def execute(self, **kwargs: Any) -> Any:
            try:
                return super().execute(**kwargs)
            finally:
                kc = getattr(self, "kc", None)
                if kc is not None:
                    with contextlib.suppress(Exception):
                        kc.stop_channels()
                    self.kc = None

    class OneSaveEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None, start_timeout: int = 60,
                                     execution_timeout: Any = None, **kwargs: Any) -> Any:
            # papermill's NBClientEngine.execute_managed_notebook, with a client that closes its channels
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(safe_kwargs, timeout=execution_timeout or kwargs.get("timeout"),
                                        startup_timeout=start_timeout, kernel_name=kernel_name,
                                        log=logging.getLogger("papermill"), log_output=log_output,
                                        stdout_file=stdout_file, stderr_file=stderr_file)
            return ClosingClient(nb_man, **final_kwargs).execute()

        @classmethod
        def execute_notebook(cls, nb: Any, kernel_name: str, output_path: Any = None, progress_bar: Any = True,
                             log_output: bool = False, autosave_cell_every: int = 30, **kwargs: Any) -> Any:
            nb_man = OneSaveManager(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                                    autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register(ENGINE, OneSaveEngine)
    _REGISTERED.append(ENGINE)


def run_job(job: Job) -> JobResult:
    """Execute one notebook (in this process) and return what happened; never raises for a notebook failure."""
    prepare_worker()  # before nbformat: no jsonschema IRI grammars, Agg backend for the kernels
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    _register_engine()
    client_dir = Path(job.client_dir)
    nb_dir = client_dir / "notebooks"
    staging = nb_dir / ".partial"
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / f"{job.key}.{os.getpid()}.{threading.get_ident()}.ipynb"
    res = JobResult(key=job.key, slug=job.slug, notebook=job.notebook, role=job.role, status="ok",
                    fingerprint=job.fingerprint, parameters=job.parameters,
                    started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    t0 = time.perf_counter()
    rpath = results_path(client_dir, job.notebook, job.role)
    old_results = rpath.stat().st_mtime_ns if rpath.exists() else None
    km = None
    timed_out = threading.Event()
    watchdog = None
    try:
        km = warm_kernel(job) if job.warm else start_kernel(job.kernel_name, 120)

        def on_deadline() -> None:
            timed_out.set()
            kill_kernel(km)

        watchdog = threading.Timer(job.timeout, on_deadline)
        watchdog.daemon = True
        watchdog.start()
        # papermill formats both paths with the parameters (str.format): braces in --out are data, not fields
        pm.execute_notebook(_literal(job.notebook_path), _literal(str(tmp)), parameters=job.parameters, kernel_name=job.kernel_name,
                            km=km, progress_bar=False, log_output=False, report_mode=False, engine_name=ENGINE,
                            execution_timeout=job.timeout, start_timeout=120)
    except pm.PapermillExecutionError as exc:
        res.status, res.error = "failed", f"{exc.ename}: {exc.evalue}"[:500]
    except CellTimeoutError:
        res.status, res.error = "timeout", t("batch.timeout", seconds=f"{job.timeout:g}")
    except DeadKernelError:
        if timed_out.is_set():
            res.status, res.error = "timeout", t("batch.timeout", seconds=f"{job.timeout:g}")
        else:
            res.status, res.error = "killed", t("batch.kernel_died")
    except Exception as exc:  # noqa: BLE001 - isolate the job: report, don't crash the build
        res.status = "timeout" if timed_out.is_set() else "failed"
        res.error = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if timed_out.is_set() and res.status == "failed":
        res.status = "timeout"
    if km is not None:
        if job.warm:  # back to this worker's pool, unless it timed out or died (then it is stopped)
            release_kernel(km, healthy=res.status not in ("timeout", "killed"))
        else:
            stop_kernel(km)
    res.seconds = round(time.perf_counter() - t0, 3)

    if tmp.exists():
        nb = nbformat.read(tmp, as_version=4)
        _readable_parameters(nb)
        if res.ok:
            final = nb_dir / f"{job.key}.ipynb"
            atomic_write_text(final, nbformat.writes(nb))
            tmp.unlink(missing_ok=True)
            (nb_dir / f"{job.key}.failed.ipynb").unlink(missing_ok=True)
            copy_path = nb_dir / "client" / f"{job.key}.ipynb"
            copy_path.parent.mkdir(parents=True, exist_ok=True)
            copy = client_copy(nb)
            atomic_write_text(copy_path, nbformat.writes(copy))
            res.notebook_out = str(final.relative_to(client_dir))
            written = [final, copy_path]
            try:  # the copies a client can open: HTML and PDF, in the build's language, beside the documents
                written += render_client_copies(copy, client_dir, job.key, job.lang, formats=job.copies).values()
            except Exception as exc:  # noqa: BLE001 - a copy that cannot be rendered fails the job, visibly
                res.status, res.error = "failed", t("batch.copy_failed", error=f"{type(exc).__name__}: {exc}")[:500]
            for p in written:
                res.outputs[str(p.relative_to(client_dir))] = sha256_file(p)
        else:
            res.error = res.error or _error_text(nb)
            final = nb_dir / f"{job.key}.failed.ipynb"
            if res.status in ("timeout", "killed"):
                _mark_interrupted(nb, res.status, res.error)
            atomic_write_text(final, nbformat.writes(nb))
            tmp.unlink(missing_ok=True)
            res.notebook_out = str(final.relative_to(client_dir))
    elif res.ok:
        res.status, res.error = "failed", t("batch.no_output")

    if res.ok:
        fresh = rpath.exists() and rpath.stat().st_mtime_ns != old_results
        if not fresh:
            res.status, res.error = "failed", t("batch.no_results", path=str(rpath.relative_to(client_dir)))
        else:
            res.results = read_results(rpath).get("results", {})
            res.outputs[str(rpath.relative_to(client_dir))] = sha256_file(rpath)
            for doc in res.results.get("documents", []) or []:
                p = Path(doc)
                p = p if p.is_absolute() else client_dir / p
                if p.is_file():
                    res.outputs[str(p.resolve().relative_to(client_dir))] = sha256_file(p)
    return res
