"""The batch runner: engagements × roles -> executed notebooks, documents and a manifest, in parallel.

Why it looks the way it does (measured, see the README section "Guided notebooks and the batch build"):

* A fresh Jupyter kernel costs about 1 s to start and stop, and importing pandas, matplotlib, seaborn and the
  toolkit inside it about 3–4 s more on this 2-core machine. One fresh kernel per (client, role) notebook would
  spend almost all of its time on that. So each worker process keeps **one warm kernel** that has already
  imported the toolkit and runs its notebooks one after the other, with ``%reset -f`` between them (a clean
  namespace, execution counts from 1). A kernel that timed out or died is thrown away and the next notebook
  gets a new one; ``warm=False`` (``--fresh-kernels``) gives every notebook its own kernel.
* Per engagement, ``01_goals``, ``04_calibration_review`` and ``05_scheme`` run once; ``02_indicators`` and
  ``03_weights`` run per role. Every job is independent, so they all run in parallel and one failing role
  cannot stop another.
* papermill is used through its Python API with ``progress_bar=False, log_output=False``; parameters are
  small scalars and the engagement *path* (Chinese text is read from the file, not escaped into the notebook),
  checked against ``papermill.inspect_notebook`` before any kernel starts.
* A job writes to a staging file and moves it into place only when it is complete: an interrupted build never
  leaves half a notebook in place of a good one. A failed job's partial notebook goes to
  ``notebooks/<job>.failed.ipynb``; the previous good one stays.
* ``manifest.json`` lists inputs, parameters, package versions and every output with its SHA-256;
  ``resume=True`` re-runs only jobs whose fingerprint (inputs — for a per-role job only its role and the
  shared sections —, notebook, parameters, toolkit code) changed or whose last run failed.

Any ``concurrent.futures.Executor`` can run the jobs (``ProcessPoolExecutor`` by default; a Dask cluster via
``distributed.Client(address).get_executor()``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, as_completed
from pathlib import Path
from typing import Any

from toolkit.batch.jobs import run_job
from toolkit.batch.kernels import die_with_parent, warm_up
from toolkit.batch.plan import (
    COST,
    JOURNAL,
    PACKAGES,
    BuildPlan,
    BuildReport,
    Job,
    JobResult,
    read_journal,
    template_path,
)
from toolkit.model.errors import InputError
from toolkit.model.fileio import atomic_write_text, sha256_file
from toolkit.model.messages import t

__all__ = [
    "STATUS_ORDER",
    "close_executor",
    "lock_client",
    "make_executor",
    "prestart",
    "progress_bar",
    "run_build",
    "summary_frame",
    "verify_manifest",
]


STATUS_ORDER = {"ok": 0, "cached": 0, "failed": 2, "timeout": 3, "killed": 3, "cancelled": 4}


# ------------------------------------------------------------------------------------------------- parent side
def make_executor(kind: str = "local", jobs: int | None = None, scheduler: str | None = None, *,
                  warm: bool = True, kernel_name: str = "python3") -> Executor:
    """A ``concurrent.futures`` executor: a local process pool, or a Dask cluster at ``scheduler``.

    On Dask, ``warm`` registers :class:`toolkit.batch.dask_workers.WarmKernels`: every worker starts its warm
    kernels at once and its jobs reuse them. Close it with :func:`close_executor` (which stops those kernels).
    """
    from toolkit.notebooks.prepared import SECRET_ENV, ensure_secret

    secret = ensure_secret()  # before any worker or kernel starts: they inherit it and can read the prepared file
    if kind == "local":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # workers (and their kernels) die with this process, even on kill -9: no orphan writes into --out
        return ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1,
                                   mp_context=multiprocessing.get_context("fork"),
                                   initializer=die_with_parent, initargs=(os.getpid(),))
    if kind == "dask":
        if not scheduler:
            raise InputError(t("batch.dask_needs_scheduler"), location="--scheduler")
        try:
            from distributed import Client
        except ImportError:
            raise InputError(t("batch.dask_missing"), location="--executor",
                             hint="pip install 'dask[distributed]'") from None
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise InputError(t("batch.dask_unreachable", address=scheduler, error=str(exc)),
                             location="--scheduler") from None
        ex = client.get_executor()
        ex._toolkit_client = client  # type: ignore[attr-defined]  # closed by close_executor
        if warm:
            from toolkit.batch.dask_workers import PLUGIN_NAME, WarmKernels

            try:
                client.register_plugin(WarmKernels(kernel_name, env={SECRET_ENV: secret}), name=PLUGIN_NAME)
            except Exception as exc:  # noqa: BLE001 - then each worker warms a kernel with its first job
                import logging

                logging.getLogger(__name__).warning("Dask worker plugin not registered: %s", exc)
            else:
                ex._toolkit_plugin = PLUGIN_NAME  # type: ignore[attr-defined]
        return ex
    raise InputError(t("batch.bad_executor", kind=kind), location="--executor", hint="local | dask")


def close_executor(executor: Executor | None, cancel: bool = False) -> None:
    """Shut down an executor from :func:`make_executor`: a Dask client is closed after its workers stopped the
    build's warm kernels; a process pool waits for its workers (their kernels stop with them). ``cancel``:
    drop the jobs not started yet."""
    if executor is None:
        return
    client = getattr(executor, "_toolkit_client", None)
    if client is None:
        executor.shutdown(wait=True, cancel_futures=cancel)
        return
    plugin = getattr(executor, "_toolkit_plugin", None)
    try:
        if plugin:
            with contextlib.suppress(Exception):
                client.unregister_worker_plugin(plugin)  # each worker's teardown stops its kernels
    finally:
        client.close()


def prestart(executor: Executor, workers: int, kernel_name: str = "python3") -> list[Future[Any]]:
    """Start every worker's warm kernel now (e.g. while the engagements are being checked)."""
    return [executor.submit(_warm_up_quietly, kernel_name) for _ in range(workers)]


def _warm_up_quietly(kernel_name: str) -> bool:
    try:  # the worker's own modules (papermill, nbconvert, WeasyPrint) are imported while the kernel starts
        warm_up(kernel_name)
    except Exception:  # noqa: BLE001 - the job that needs the kernel will report the problem
        return False
    return True



def _previous(client_dir: Path) -> dict[str, dict[str, Any]]:
    """Jobs of earlier builds: the manifest's, overlaid with the journal of a build that was interrupted."""
    path = client_dir / "manifest.json"
    jobs: dict[str, dict[str, Any]] = {}
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            jobs = {j["key"]: j for j in data.get("jobs", [])}
        except (OSError, ValueError, KeyError, TypeError):
            jobs = {}
    jobs.update(read_journal(client_dir)[1])
    return jobs


def _job_record(r: JobResult) -> dict[str, Any]:
    return {"key": r.key, "notebook": r.notebook, "role": r.role, "status": r.status, "error": r.error,
            "seconds": r.seconds, "started": r.started, "fingerprint": r.fingerprint, "parameters": r.parameters,
            "notebook_out": r.notebook_out, "outputs": r.outputs, "results": r.results}


def _journal(client_dir: Path, record: dict[str, Any]) -> None:
    """Append one line to the manifest journal and fsync it: what is finished survives a kill -9."""
    client_dir.mkdir(parents=True, exist_ok=True)
    with open(client_dir / JOURNAL, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def lock_client(out: Path, slug: str) -> Any:
    """An exclusive lock on ``out/<slug>`` for this build (released when the process ends, even by kill -9).

    A second build into the same client folder at the same time is refused with the first one's pid.
    """
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    path = out / f".{slug}.lock"
    fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole build
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.seek(0)
        holder = fh.read().strip() or "?"
        fh.close()
        raise InputError(t("batch.locked", path=str(out / slug), holder=holder), location="--out",
                         hint=t("batch.locked.hint")) from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()}, {dt.datetime.now().isoformat(timespec='seconds')}\n")
    fh.flush()
    return fh


def _reusable(prev: dict[str, Any] | None, job: Job) -> JobResult | None:
    if not prev or prev.get("status") not in ("ok", "cached") or prev.get("fingerprint") != job.fingerprint:
        return None
    client_dir = Path(job.client_dir)
    outputs = prev.get("outputs", {})
    for rel, sha in outputs.items():
        p = client_dir / rel
        if not p.is_file() or sha256_file(p) != sha:
            return None
    return JobResult(key=job.key, slug=job.slug, notebook=job.notebook, role=job.role, status="cached",
                     seconds=0.0, notebook_out=prev.get("notebook", ""), outputs=dict(outputs),
                     results=prev.get("results", {}), fingerprint=job.fingerprint, parameters=job.parameters,
                     started=prev.get("started", ""))


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def _write_manifest(plan: BuildPlan, slug: str, results: list[JobResult], started: str, seconds: float,
                    argv: Sequence[str] | None) -> Path:
    info = plan.engagements[slug]
    client_dir = plan.out / slug
    jobs = []
    outputs: dict[str, str] = {}
    for r in results:
        jobs.append(_job_record(r))
        outputs.update(r.outputs)
    # jobs of an earlier build that this one did not touch (another --roles selection) stay on record,
    # as long as their files are still there unchanged
    done = {r.key for r in results}
    for key, prev in _previous(client_dir).items():
        if key in done or prev.get("status") not in ("ok", "cached"):
            continue
        if all((client_dir / rel).is_file() and sha256_file(client_dir / rel) == sha
               for rel, sha in prev.get("outputs", {}).items()):
            jobs.append({**prev, "status": "cached"})
            outputs.update(prev.get("outputs", {}))
    plan_lang = next((j.lang for j in plan.jobs if j.slug == slug), "zh")
    manifest = {
        "manifest_version": 1,
        "client": info["client"],
        "slug": slug,
        "engagement": info["path"],
        "started": started,
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "command": list(argv) if argv is not None else None,
        "status": "ok" if all(r.ok for r in results) else "failed",
        "inputs": [{"path": p, "sha256": s} for p, s in info["inputs"].items()],
        "notebooks": [{"name": n, "path": str(p), "sha256": sha256_file(p)}
                      for n, p in dict.fromkeys((r.notebook, template_path(r.notebook, plan_lang))
                                                for r in results)],
        "versions": _versions(),
        "toolkit_digest": plan.code_digest,
        "roles": info["roles"],
        "jobs": jobs,
        "outputs": [{"path": p, "sha256": s} for p, s in sorted(outputs.items())],
    }
    path = client_dir / "manifest.json"
    atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    (client_dir / JOURNAL).unlink(missing_ok=True)  # everything it held is in the manifest now
    with contextlib.suppress(OSError):  # the staging folder, when no job left anything in it
        (client_dir / "notebooks" / ".partial").rmdir()
    return path


def run_build(plan: BuildPlan, *, executor: Executor | None = None, jobs: int | None = None,
              resume: bool = False, progress: bool = True, argv: Sequence[str] | None = None,
              on_result: Callable[[JobResult], None] | None = None, bar: Any = None) -> BuildReport:
    """Run a plan's jobs on ``executor`` (default: a process pool of ``jobs`` workers) and write the manifests.

    Failing, hanging (timeout) or crashing jobs are reported in the returned :class:`BuildReport`; the others
    still finish. The function itself raises only for problems of the build as a whole, and refuses
    (:class:`InputError`) when another build is writing into one of the client folders.

    ``bar``: a progress bar already shown (see :func:`progress_bar`, started before planning and warm-up, so
    the consultant sees progress from the first second); the plan's jobs are added to its total.
    """
    with contextlib.ExitStack() as locks:
        for slug in plan.engagements:
            locks.enter_context(contextlib.closing(lock_client(plan.out, slug)))
        return _run_locked(plan, executor=executor, jobs=jobs, resume=resume, progress=progress, argv=argv,
                           on_result=on_result, bar=bar)


def _write_prepared(plan: BuildPlan, slugs: set[str]) -> list[Path]:
    """Put each engagement prepared by :func:`plan_build` into its client folder, for the notebooks to read."""
    from toolkit.notebooks.prepared import write_prepared

    written = []
    for slug in slugs:
        blob = plan.prepared.get(slug)
        if blob is not None:
            try:
                written.append(write_prepared(plan.out / slug, blob))
            except OSError:  # the notebooks load the engagement themselves
                pass
    return written


def progress_bar(steps: int, enabled: bool = True) -> Any:
    """A progress bar on stderr, shown at once, counting ``steps`` set-up steps (planning, kernel warm-ups).

    :func:`run_build` adds the notebooks to its total; ``bar.update(1)`` marks a set-up step done.
    """
    from tqdm.auto import tqdm

    bar = tqdm(total=steps, disable=not enabled, unit="", desc=t("batch.progress.setup"), leave=False,
               file=sys.stderr, mininterval=0.2, bar_format="{desc}: {percentage:3.0f}%|{bar}| {n}/{total} "
               "[{elapsed}<{remaining}]{postfix}")
    bar.refresh()
    return bar


def _run_locked(plan: BuildPlan, *, executor: Executor | None, jobs: int | None, resume: bool, progress: bool,
                argv: Sequence[str] | None, on_result: Callable[[JobResult], None] | None,
                bar: Any = None) -> BuildReport:

    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results: list[JobResult] = []
    todo: list[Job] = []
    prev_by_slug = {slug: _previous(plan.out / slug) for slug in plan.engagements} if resume else {}
    for job in plan.jobs:
        cached = _reusable(prev_by_slug.get(job.slug, {}).get(job.key), job) if resume else None
        if cached is not None:
            results.append(cached)
        else:
            todo.append(job)

    for slug, info in plan.engagements.items():  # the folder is this engagement's from the first second
        _journal(plan.out / slug, {"kind": "start", "engagement": info["path"], "started": started,
                                   "pid": os.getpid()})
    prepared = _write_prepared(plan, {j.slug for j in todo})
    own = executor is None
    if todo:
        ex = executor or make_executor("local", min(jobs or os.cpu_count() or 1, len(todo)))
        if bar is None:
            bar = progress_bar(0, progress)
        bar.total += len(plan.jobs)
        bar.set_description_str(t("batch.progress"), refresh=False)
        bar.update(len(results))
        futures: dict[Future[JobResult], Job] = {}
        try:
            # longest first (documents, calibration, weights …): the short ones fill the gaps at the end
            for job in sorted(todo, key=lambda j: -COST.get(j.notebook, 1.0)):
                try:
                    futures[ex.submit(run_job, job)] = job
                except (BrokenExecutor, RuntimeError) as exc:  # a worker was killed before this job was queued
                    res = JobResult(key=job.key, slug=job.slug, notebook=job.notebook, role=job.role,
                                    status="failed", error=t("batch.worker_died", error=type(exc).__name__),
                                    fingerprint=job.fingerprint, parameters=job.parameters)
                    results.append(res)
                    _journal(plan.out / res.slug, {"kind": "job", **_job_record(res)})
                    if on_result:
                        on_result(res)
                    bar.update(1)
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker process that died (BrokenProcessPool, …)
                    res = JobResult(key=job.key, slug=job.slug, notebook=job.notebook, role=job.role,
                                    status="failed", error=f"{type(exc).__name__}: {exc}"[:500],
                                    fingerprint=job.fingerprint, parameters=job.parameters)
                results.append(res)
                _journal(plan.out / res.slug, {"kind": "job", **_job_record(res)})
                if on_result:
                    on_result(res)
                bar.set_postfix_str(f"{job.key}: {t('batch.status.' + res.status)}", refresh=False)
                bar.update(1)
        except KeyboardInterrupt:
            for fut in futures:
                fut.cancel()
            raise
        finally:
            bar.close()
            if own:
                ex.shutdown(wait=True, cancel_futures=True)
    elif bar is not None:
        bar.close()
    for path in prepared:  # a build's own file: the next build prepares (and signs) its own
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()
    order = {j.key + "@" + j.slug: i for i, j in enumerate(plan.jobs)}
    results.sort(key=lambda r: order[r.key + "@" + r.slug])
    seconds = time.perf_counter() - t0
    manifests = [
        _write_manifest(plan, slug, [r for r in results if r.slug == slug], started, seconds, argv)
        for slug in plan.engagements
    ]
    return BuildReport(plan=plan, results=results, seconds=seconds, manifests=manifests)


def summary_frame(report: BuildReport, lang: str | None = None) -> Any:
    """The closing table: one row per client and role, in ``lang``.

    Columns: client, role (its name; the department-level notebooks are one row), status (the worst of the
    role's jobs, as a word in ``lang``), CR (from the weights worksheet), time (s), outputs (files written),
    error.
    """
    import pandas as pd

    rows: dict[tuple[str, str], dict[str, Any]] = {}
    statuses: dict[tuple[str, str], list[str]] = {}
    for r in report.results:
        key = (r.slug, r.role or "—")
        client = report.plan.engagements.get(r.slug, {}).get("client", r.slug)
        row = rows.setdefault(key, {"client": client, "role": r.role or "—", "status": "ok", "CR": None,
                                    "time": 0.0, "outputs": 0, "error": ""})
        statuses.setdefault(key, []).append(r.status)
        ran = [st for st in statuses[key] if st != "cached"]  # "cached" only when nothing of the role ran
        row["status"] = max(ran, key=lambda st: STATUS_ORDER.get(st, 5)) if ran else "cached"
        row["time"] = round(row["time"] + r.seconds, 2)
        row["outputs"] += len(r.outputs)
        if r.error and not row["error"]:
            row["error"] = f"{r.notebook}: {r.error}"
        cr = r.results.get("cr") if isinstance(r.results, dict) else None
        if cr is not None:
            row["CR"] = round(float(cr), 4)
    frame = pd.DataFrame(list(rows.values()),
                         columns=["client", "role", "status", "CR", "time", "outputs", "error"])
    frame["CR"] = pd.to_numeric(frame["CR"])  # None -> NaN, shown as — by the CLI
    role_names = {(slug, rid): name for slug, info in report.plan.engagements.items()
                  for rid, name in info.get("role_names", {}).items()}
    frame["role"] = [t("batch.department", lang) if rid == "—" else role_names.get((slug, rid), rid)
                     for (slug, rid) in rows]
    frame["status"] = [t(f"batch.status.{st}", lang) for st in frame["status"]]
    labels = {c: t(f"batch.col.{c}", lang) for c in frame.columns}
    return frame.rename(columns=labels)


def verify_manifest(client_dir: str | os.PathLike[str]) -> list[str]:
    """Problems found when checking a build's files against its manifest (empty = everything matches)."""
    client_dir = Path(client_dir)
    path = client_dir / "manifest.json"
    if not path.is_file():
        return [t("batch.manifest_missing", path=str(path))]
    data = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    for item in data.get("inputs", []):
        p = Path(item["path"])
        if not p.is_file():
            problems.append(t("batch.verify_missing", path=str(p)))
        elif sha256_file(p) != item["sha256"]:
            problems.append(t("batch.verify_changed", path=str(p)))
    for item in data.get("outputs", []):
        p = client_dir / item["path"]
        if not p.is_file():
            problems.append(t("batch.verify_missing", path=item["path"]))
        elif sha256_file(p) != item["sha256"]:
            problems.append(t("batch.verify_changed", path=item["path"]))
    return problems
