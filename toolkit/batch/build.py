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
import hashlib
import json
import os
import re
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolkit.model.errors import Finding, InputError
from toolkit.model.fileio import atomic_write_text, sha256_file
from toolkit.model.messages import t
from toolkit.model.paths import ROOT, notebooks_dir
from toolkit.notebooks.worksheet import read_results, results_path

__all__ = [
    "NOTEBOOKS",
    "PER_ROLE",
    "BuildPlan",
    "BuildReport",
    "Job",
    "JobResult",
    "client_copy",
    "client_slug",
    "make_executor",
    "plan_build",
    "prestart",
    "run_build",
    "run_job",
    "shutdown_worker_kernels",
    "summary_frame",
    "verify_manifest",
    "warm_up",
]

#: the guided notebooks, in workflow order
NOTEBOOKS: tuple[str, ...] = ("01_goals", "02_indicators", "03_weights", "04_calibration_review", "05_scheme")
#: the notebooks run once per role (the others run once per engagement)
PER_ROLE: frozenset[str] = frozenset({"02_indicators", "03_weights"})
#: parameters every notebook must declare, with their types (checked with papermill.inspect_notebook)
PARAMETERS: dict[str, str] = {"engagement": "str", "role": "str", "lang": "str", "output_dir": "str",
                              "interactive": "bool"}
#: packages whose versions go into the manifest
_PACKAGES = ("appraisal-toolkit", "papermill", "nbclient", "nbformat", "ipykernel", "jupyter_client", "numpy",
             "pandas", "scipy", "matplotlib", "seaborn", "pydantic", "jinja2", "docxtpl", "openpyxl",
             "weasyprint", "ipywidgets")
#: modules imported once into a warm kernel, so that each notebook pays only for its own work
_PRELOAD = ("toolkit.notebooks.worksheet", "toolkit.model.engagement", "toolkit.scheme.resolve", "toolkit.checks.goals", "toolkit.checks.engagement",
            "toolkit.model.catalogue", "pandas", "numpy", "matplotlib.pyplot", "seaborn", "ipywidgets",
            "toolkit.weights.ahp", "toolkit.weights.hierarchy", "toolkit.weights.sensitivity", "toolkit.documents.plots_weights",
            "toolkit.scoring.rules", "toolkit.scoring.grading", "toolkit.scoring.pay", "toolkit.scoring.calibration", "toolkit.scoring.simulate",
            "toolkit.documents.plots_scores", "toolkit.documents.render", "toolkit.workshop.widgets")
#: rough relative cost of each notebook, for longest-first scheduling
_COST = {"05_scheme": 8.0, "04_calibration_review": 4.0, "03_weights": 2.0, "02_indicators": 1.0, "01_goals": 1.0}
_STATUS_ORDER = {"ok": 0, "cached": 0, "failed": 2, "timeout": 3, "killed": 3, "cancelled": 4}


# ------------------------------------------------------------------------------------------------- names
def client_slug(name: str) -> str:
    """A directory name for a client that is safe on every OS and cannot climb out of ``--out``.

    Letters and digits of any script are kept (a Chinese name stays readable); everything else (quotes,
    slashes, newlines, dots) becomes ``-``.

    >>> client_slug('华东"科技"/../有限公司\\n')
    '华东-科技-有限公司'
    >>> client_slug("..")
    'client'
    """
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch if (ch.isalnum() or ch in "_-") else "-" for ch in text)
    text = re.sub(r"-{2,}", "-", text).strip("-_")
    return text[:64] or "client"


# ------------------------------------------------------------------------------------------------- jobs
@dataclass(frozen=True)
class Job:
    """One notebook to execute for one engagement (and one role, for the per-role notebooks)."""

    client: str
    slug: str
    engagement: str  # absolute path
    notebook: str  # e.g. "03_weights"
    role: str  # "" for the department-level notebooks
    lang: str
    client_dir: str  # absolute DIR/<slug>
    timeout: float
    fingerprint: str
    kernel_name: str = "python3"
    warm: bool = True
    notebook_path: str = ""  # absolute path of the notebook template
    interactive: bool = False  # True only in tests comparing the two modes

    @property
    def key(self) -> str:
        return f"{self.notebook}__{self.role}" if self.role else self.notebook

    @property
    def parameters(self) -> dict[str, Any]:
        return {"engagement": self.engagement, "role": self.role, "lang": self.lang,
                "output_dir": self.client_dir, "interactive": self.interactive}


@dataclass
class JobResult:
    key: str
    slug: str
    notebook: str
    role: str
    status: str  # ok | cached | failed | timeout | killed | cancelled
    seconds: float = 0.0
    error: str = ""
    notebook_out: str = ""  # path relative to the client dir
    outputs: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    results: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    started: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "cached")


@dataclass
class BuildPlan:
    out: Path
    jobs: list[Job]
    engagements: dict[str, dict[str, Any]]  # slug -> {client, path, inputs: {path: sha}, roles: [...]}
    warnings: list[Finding] = field(default_factory=list)


@dataclass
class BuildReport:
    plan: BuildPlan
    results: list[JobResult]
    seconds: float
    manifests: list[Path]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def exit_code(self) -> int:
        """0: every job succeeded; 1: at least one role failed (the others were still built)."""
        return 0 if self.ok else 1


def _toolkit_digest() -> str:
    """A hash of the toolkit's code and templates: a code change invalidates ``--resume``."""
    h = hashlib.sha256()
    for base in (ROOT / "toolkit", ROOT / "templates"):
        for p in sorted(base.rglob("*")):
            if p.is_file() and p.suffix in (".py", ".yaml", ".yml", ".j2", ".html", ".docx", ".xlsx", ".css"):
                h.update(str(p.relative_to(ROOT)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def _inputs_of(path: Path) -> dict[str, str]:
    """The engagement file plus the data files beside it (actuals, judgments): all of them are inputs."""
    files = {str(path): sha256_file(path)}
    for p in sorted(path.parent.iterdir()):
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in (
                ".yaml", ".yml", ".csv", ".xlsx", ".json") and p != path:
            files[str(p)] = sha256_file(p)
    return files


def _check_notebook(path: Path) -> None:
    import papermill as pm

    if not path.is_file():
        raise InputError(t("batch.notebook_missing", path=str(path)), location=str(path),
                         hint=t("batch.notebook_missing.hint"))
    params = pm.inspect_notebook(str(path))
    for name, typ in PARAMETERS.items():
        got = params.get(name)
        if got is None:
            raise InputError(t("batch.parameter_missing", name=name, notebook=path.name), location=str(path))
        if got.get("inferred_type_name") != typ:
            raise InputError(t("batch.parameter_type", name=name, notebook=path.name, type=typ,
                               got=got.get("inferred_type_name")), location=str(path))


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(t("batch.out_unwritable", path=str(out), error=exc.strerror or str(exc)),
                         location="--out", hint=t("batch.out_unwritable.hint")) from None


def plan_build(engagements: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], *,
               roles: Sequence[str] | None = None, lang: str = "zh", timeout: float = 600.0,
               notebooks: Sequence[str] = NOTEBOOKS, warm: bool = True, kernel_name: str = "python3",
               check: bool = True) -> BuildPlan:
    """Validate everything a build needs, before a single kernel starts, and list its jobs.

    Raises :class:`InputError` (exit code 2) for an engagement that does not load or fails its checks (with the
    check's findings), an unknown role in ``roles``, a missing notebook, or an output directory that cannot be
    written. Warnings from the checks are returned in ``plan.warnings``.
    """
    from toolkit.checks.engagement import check_engagement
    from toolkit.model.engagement import load_engagement

    if lang not in ("zh", "en"):
        raise InputError(t("batch.bad_lang", lang=lang), location="--lang", hint="zh | en")
    if not engagements:
        raise InputError(t("batch.no_engagement"), location="ENGAGEMENT")
    nb_dir = notebooks_dir()
    for name in notebooks:
        _check_notebook(nb_dir / f"{name}.ipynb")
    nb_sha = {name: sha256_file(nb_dir / f"{name}.ipynb") for name in notebooks}

    loaded = []
    warnings: list[Finding] = []
    for raw in engagements:
        path = Path(raw).expanduser().resolve()
        if not path.is_file():
            raise InputError(t("batch.engagement_missing", path=str(raw)), location=str(raw))
        eng = load_engagement(path)
        if check:
            findings = check_engagement(eng)
            errors = [f for f in findings if f.severity == "error"]
            if errors:
                raise InputError(t("batch.checks_failed", n=len(errors)), location=str(path), findings=errors,
                                 hint=t("batch.checks_failed.hint"))
            warnings += [f for f in findings if f.severity == "warning"]
        loaded.append((path, eng))

    wanted = list(dict.fromkeys(roles or []))
    if wanted:
        known = {r.id for _, eng in loaded for r in eng.roles}
        unknown = [r for r in wanted if r not in known]
        if unknown:
            raise InputError(t("batch.unknown_role", role=", ".join(unknown)), location="--roles",
                             hint=t("batch.known_roles", roles=", ".join(sorted(known))))

    out_dir = Path(out).expanduser().resolve()
    _check_writable(out_dir)
    digest = _toolkit_digest()
    jobs: list[Job] = []
    info: dict[str, dict[str, Any]] = {}
    for path, eng in loaded:
        slug = base = client_slug(eng.client.name)
        n = 2
        # a folder belongs to one engagement: never write into one that another engagement built (two client
        # names can share a slug, e.g. 甲/乙 and 甲-乙), in this run or an earlier one
        while slug in info or not _owned_by(out_dir / slug, path):
            slug = f"{base}-{n}"
            n += 1
        client_dir = (out_dir / slug).resolve()
        if out_dir not in client_dir.parents:  # cannot happen with client_slug; belt and braces
            raise InputError(t("batch.outside_out", path=str(client_dir)), location="client.name")
        inputs = _inputs_of(path)
        role_ids = [r.id for r in eng.roles if not wanted or r.id in wanted]
        info[slug] = {"client": eng.client.name, "path": str(path), "inputs": inputs, "roles": role_ids}
        for name in notebooks:
            for role in (role_ids if name in PER_ROLE else [""]):
                job = Job(client=eng.client.name, slug=slug, engagement=str(path), notebook=name, role=role,
                          lang=lang, client_dir=str(client_dir), timeout=float(timeout), fingerprint="",
                          kernel_name=kernel_name, warm=warm, notebook_path=str(nb_dir / f"{name}.ipynb"))
                # a per-role worksheet depends on its own role and the shared sections, not on other roles
                # or the actuals: editing one role re-runs that role (and the department), not all of them
                scope: Any = inputs if not role else {
                    "shared": eng.model_dump(mode="json", exclude={"roles"}),
                    "role": eng.role(role).model_dump(mode="json")}
                fp = hashlib.sha256(json.dumps(
                    {"inputs": scope, "notebook": nb_sha[name], "parameters": job.parameters,
                     "toolkit": digest}, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
                jobs.append(Job(**{**asdict(job), "fingerprint": fp}))
    return BuildPlan(out=out_dir, jobs=jobs, engagements=info, warnings=warnings)


# ------------------------------------------------------------------------------------------------- worker side
_local = threading.local()
# A clean namespace for the next notebook without ``%reset``'s full garbage collection (0.25 s each time):
# user names go, the IPython history restarts, figures close, execution counts start again at 1.
_RESET = ("[get_ipython().user_ns.pop(k, None) for k in list(get_ipython().user_ns)\n"
          " if k not in get_ipython().user_ns_hidden]\n"
          "get_ipython().history_manager.reset(new_session=False)\n"
          "__import__('matplotlib.pyplot').pyplot.close('all')\n"
          "get_ipython().execution_count = 1\n")


def _preload_code() -> str:
    lines = ["import importlib as _il"]
    for mod in _PRELOAD:
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


def _start_kernel(kernel_name: str, timeout: float) -> Any:
    import subprocess

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=kernel_name)
    run_sync(km.start_kernel)(stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return km


def _stop_kernel(km: Any) -> None:
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):  # a kernel that is already gone is what we wanted
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    with contextlib.suppress(Exception):
        run_sync(km.cleanup_resources)()


def _kill_kernel(km: Any) -> None:
    import signal

    prov = getattr(km, "provisioner", None)
    pid = getattr(prov, "pid", None) or getattr(getattr(prov, "process", None), "pid", None)
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _warm_kernel(job: Job) -> Any:
    """This thread's warm kernel, started (and preloaded) on first use."""
    return warm_up(job.kernel_name)


def warm_up(kernel_name: str = "python3") -> Any:
    """Start (or reset) this worker thread's warm kernel; submitted early, it overlaps the parent's planning."""
    if getattr(_local, "pid", None) != os.getpid():  # state copied by fork belongs to the parent: not ours
        _local.km, _local.finalizer, _local.pid = None, None, os.getpid()
    km = getattr(_local, "km", None)
    if km is not None and getattr(_local, "kernel_name", None) == kernel_name and km.has_kernel:
        try:
            _kernel_exec(km, _RESET, timeout=30, ready=True)
            return km
        except Exception:  # noqa: BLE001 - a broken kernel is replaced
            _stop_kernel(km)
    km = _start_kernel(kernel_name, 120)
    _kernel_exec(km, _preload_code() + "\n" + _RESET, timeout=300)
    _local.km, _local.kernel_name = km, kernel_name
    if not getattr(_local, "finalizer", None):
        from multiprocessing import util

        _local.finalizer = util.Finalize(None, shutdown_worker_kernels, exitpriority=10)
    return km


def shutdown_worker_kernels() -> None:
    """Stop this thread's warm kernel (the process pool calls it when a worker exits)."""
    km = getattr(_local, "km", None)
    if km is not None and getattr(_local, "pid", None) == os.getpid():
        _stop_kernel(km)
        _local.km = None


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


def run_job(job: Job) -> JobResult:
    """Execute one notebook (in this process) and return what happened; never raises for a notebook failure."""
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
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
        km = _warm_kernel(job) if job.warm else _start_kernel(job.kernel_name, 120)

        def on_deadline() -> None:
            timed_out.set()
            _kill_kernel(km)

        watchdog = threading.Timer(job.timeout, on_deadline)
        watchdog.daemon = True
        watchdog.start()
        pm.execute_notebook(job.notebook_path, str(tmp), parameters=job.parameters, kernel_name=job.kernel_name,
                            km=km, progress_bar=False, log_output=False, report_mode=False,
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
    if km is not None and (not job.warm or res.status in ("timeout", "killed")):
        _stop_kernel(km)
        if job.warm:
            _local.km = None
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
            atomic_write_text(copy_path, nbformat.writes(client_copy(nb)))
            res.notebook_out = str(final.relative_to(client_dir))
            for p in (final, copy_path):
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


# ------------------------------------------------------------------------------------------------- parent side
def make_executor(kind: str = "local", jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """A ``concurrent.futures`` executor: a local process pool, or a Dask cluster at ``scheduler``."""
    if kind == "local":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1,
                                   mp_context=multiprocessing.get_context("fork"))
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
        ex._toolkit_client = client  # type: ignore[attr-defined]  # closed by run_build
        return ex
    raise InputError(t("batch.bad_executor", kind=kind), location="--executor", hint="local | dask")


def prestart(executor: Executor, workers: int, kernel_name: str = "python3") -> list[Future[Any]]:
    """Start every worker's warm kernel now (e.g. while the engagements are being checked)."""
    return [executor.submit(_warm_up_quietly, kernel_name) for _ in range(workers)]


def _warm_up_quietly(kernel_name: str) -> bool:
    try:
        warm_up(kernel_name)
    except Exception:  # noqa: BLE001 - the job that needs the kernel will report the problem
        return False
    return True


def _owned_by(client_dir: Path, engagement: Path) -> bool:
    """True when ``client_dir`` is free or was built from ``engagement`` (its manifest says so)."""
    if not client_dir.exists():
        return True
    try:
        owner = json.loads((client_dir / "manifest.json").read_text(encoding="utf-8")).get("engagement")
    except (OSError, ValueError):
        return not any(client_dir.iterdir())  # an empty folder is free; anything else is not ours
    return owner is not None and Path(owner).resolve() == Path(engagement).resolve()


def _previous(client_dir: Path) -> dict[str, dict[str, Any]]:
    path = client_dir / "manifest.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {j["key"]: j for j in data.get("jobs", [])}


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
    for name in _PACKAGES:
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
        jobs.append({"key": r.key, "notebook": r.notebook, "role": r.role, "status": r.status,
                     "error": r.error, "seconds": r.seconds, "started": r.started, "fingerprint": r.fingerprint,
                     "parameters": r.parameters, "notebook_out": r.notebook_out, "outputs": r.outputs,
                     "results": r.results})
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
    nb_dir = notebooks_dir()
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
        "notebooks": [{"name": n, "path": str(nb_dir / f"{n}.ipynb"),
                       "sha256": sha256_file(nb_dir / f"{n}.ipynb")}
                      for n in dict.fromkeys(r.notebook for r in results)],
        "versions": _versions(),
        "toolkit_digest": _toolkit_digest(),
        "roles": info["roles"],
        "jobs": jobs,
        "outputs": [{"path": p, "sha256": s} for p, s in sorted(outputs.items())],
    }
    path = client_dir / "manifest.json"
    atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    with contextlib.suppress(OSError):  # the staging folder, when no job left anything in it
        (client_dir / "notebooks" / ".partial").rmdir()
    return path


def run_build(plan: BuildPlan, *, executor: Executor | None = None, jobs: int | None = None,
              resume: bool = False, progress: bool = True, argv: Sequence[str] | None = None,
              on_result: Callable[[JobResult], None] | None = None) -> BuildReport:
    """Run a plan's jobs on ``executor`` (default: a process pool of ``jobs`` workers) and write the manifests.

    Failing, hanging (timeout) or crashing jobs are reported in the returned :class:`BuildReport`; the others
    still finish. The function itself raises only for problems of the build as a whole.
    """
    from tqdm.auto import tqdm

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

    own = executor is None
    if todo:
        ex = executor or make_executor("local", min(jobs or os.cpu_count() or 1, len(todo)))
        bar = tqdm(total=len(plan.jobs), initial=len(results), disable=not progress, unit="nb",
                   desc=t("batch.progress"), leave=False, file=sys.stderr)
        futures: dict[Future[JobResult], Job] = {}
        try:
            # longest first (documents, calibration, weights …): the short ones fill the gaps at the end
            for job in sorted(todo, key=lambda j: -_COST.get(j.notebook, 1.0)):
                futures[ex.submit(run_job, job)] = job
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker process that died (BrokenProcessPool, …)
                    res = JobResult(key=job.key, slug=job.slug, notebook=job.notebook, role=job.role,
                                    status="failed", error=f"{type(exc).__name__}: {exc}"[:500],
                                    fingerprint=job.fingerprint, parameters=job.parameters)
                results.append(res)
                if on_result:
                    on_result(res)
                bar.set_postfix_str(f"{job.slug}/{job.key}: {res.status}", refresh=False)
                bar.update(1)
        except KeyboardInterrupt:
            for fut in futures:
                fut.cancel()
            raise
        finally:
            bar.close()
            if own:
                ex.shutdown(wait=True, cancel_futures=True)
    order = {j.key + "@" + j.slug: i for i, j in enumerate(plan.jobs)}
    results.sort(key=lambda r: order[r.key + "@" + r.slug])
    seconds = time.perf_counter() - t0
    manifests = [
        _write_manifest(plan, slug, [r for r in results if r.slug == slug], started, seconds, argv)
        for slug in plan.engagements
    ]
    return BuildReport(plan=plan, results=results, seconds=seconds, manifests=manifests)


def summary_frame(report: BuildReport, lang: str | None = None) -> Any:
    """The closing table: one row per client and role (``—`` = the department-level notebooks).

    Columns: client, role, status (the worst of the role's jobs), CR (from the weights worksheet), time (s),
    outputs (files written), error.
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
        row["status"] = max(ran, key=lambda st: _STATUS_ORDER.get(st, 5)) if ran else "cached"
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
