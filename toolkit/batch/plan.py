"""Planning a batch build: which notebook runs for which engagement and role, with which parameters, into
which files; everything checked before any kernel starts.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolkit.model.errors import Finding, InputError
from toolkit.model.fileio import sha256_file
from toolkit.model.messages import get_language, t
from toolkit.model.paths import ROOT, notebooks_dir

__all__ = [
    "COST",
    "JOURNAL",
    "NOTEBOOKS",
    "PACKAGES",
    "PARAMETERS",
    "PER_ROLE",
    "BuildPlan",
    "BuildReport",
    "Job",
    "JobResult",
    "check_writable",
    "client_slug",
    "notebook_parameters",
    "owned_by",
    "plan_build",
    "read_journal",
    "template_path",
    "toolkit_digest",
]


#: the guided notebooks, in workflow order
NOTEBOOKS: tuple[str, ...] = ("01_goals", "02_indicators", "03_weights", "04_calibration_review", "05_scheme")


#: the notebooks run once per role (the others run once per engagement)
PER_ROLE: frozenset[str] = frozenset({"02_indicators", "03_weights"})


#: parameters every notebook must declare, with their types (checked with papermill.inspect_notebook)
PARAMETERS: dict[str, str] = {"engagement": "str", "role": "str", "lang": "str", "output_dir": "str",
                              "interactive": "bool"}


#: packages whose versions go into the manifest
PACKAGES = ("appraisal-toolkit", "papermill", "nbclient", "nbformat", "ipykernel", "jupyter_client", "numpy",
             "pandas", "scipy", "matplotlib", "seaborn", "pydantic", "jinja2", "docxtpl", "openpyxl",
             "weasyprint", "typst", "ipywidgets")


#: rough relative cost of each notebook, for longest-first scheduling
COST = {"05_scheme": 8.0, "04_calibration_review": 4.0, "03_weights": 2.0, "02_indicators": 1.0, "01_goals": 1.0}


# ------------------------------------------------------------------------------------------------- names
def template_path(name: str, lang: str = "zh") -> Path:
    """The notebook template ``name`` in ``lang``: ``notebooks/<name>.ipynb`` (zh) or ``notebooks/en/…`` (en)."""
    from toolkit.notebooks.sources import notebook_path

    return notebook_path(name, lang, notebooks_dir())


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
    copies: tuple[str, ...] = ("html", "pdf")  # client copies rendered beside the documents (empty: none)

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
    code_digest: str = ""  # toolkit_digest() when planned: what the manifest records
    #: slug -> the engagement prepared once for every notebook (:mod:`toolkit.notebooks.prepared`), written into
    #: the client folder when the build starts; absent when it could not be prepared (the notebooks load the YAML)
    prepared: dict[str, bytes] = field(default_factory=dict, repr=False)


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
        """As ``appraisal render`` and ``check``: 0 = every job succeeded and the engagements have no warnings;
        1 = at least one job failed (the others were still built), or the documents carry check warnings."""
        return 0 if self.ok and not self.plan.warnings else 1


def toolkit_digest() -> str:
    """A hash of the toolkit's code and templates: a code change invalidates ``--resume``.

    For tests only, ``APPRAISAL_TEST_DIGEST`` replaces it (other people's edits must not rerun a test's jobs).
    """
    pinned = os.environ.get("APPRAISAL_TEST_DIGEST")
    if pinned:
        return pinned
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


def notebook_parameters(path: str | os.PathLike[str]) -> dict[str, str]:
    """``{name: annotated type}`` of a notebook's cell tagged ``parameters`` (``"None"`` when not annotated).

    What :func:`papermill.inspect_notebook` reports as ``inferred_type_name`` for a Python notebook, read with
    :mod:`json` and :mod:`ast` only: importing papermill (and with it nbformat, jsonschema and the 38 lark
    grammars of ``rfc3987_syntax``) cost the build process 2–3 s before any notebook could start.
    """
    import ast

    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return {}
        out: dict[str, str] = {}
        for node in tree.body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                ann = node.annotation
                text = ann.value if isinstance(ann, ast.Constant) and isinstance(ann.value, str) else ast.unparse(ann)
                out[node.target.id] = text
            elif isinstance(node, ast.Assign):
                out.update({tg.id: "None" for tg in node.targets if isinstance(tg, ast.Name)})
        return out
    return {}


def _check_notebook(path: Path) -> None:
    if not path.is_file():
        raise InputError(t("batch.notebook_missing", path=str(path)), location=str(path),
                         hint=t("batch.notebook_missing.hint"))
    try:
        params = notebook_parameters(path)
    except (OSError, ValueError):
        params = {}
    for name, typ in PARAMETERS.items():
        got = params.get(name)
        if got is None:
            raise InputError(t("batch.parameter_missing", name=name, notebook=path.name), location=str(path))
        if got != typ:
            raise InputError(t("batch.parameter_type", name=name, notebook=path.name, type=typ, got=got),
                             location=str(path))


def check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(t("batch.out_unwritable", path=str(out), error=exc.strerror or str(exc)),
                         location="--out", hint=t("batch.out_unwritable.hint")) from None


#: the manifest journal: one JSON line when a build starts, then one per finished job (fsynced), so that a build
#: killed before its manifest was written can still be resumed; removed once manifest.json is written
JOURNAL = "manifest.journal.jsonl"


def read_journal(client_dir: Path) -> tuple[str | None, dict[str, dict[str, Any]]]:
    """The engagement a journal was started for, and its finished jobs by key (a torn last line is skipped)."""
    path = Path(client_dir) / JOURNAL
    owner, jobs = None, {}
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None, {}
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if not isinstance(rec, dict):
            continue
        if rec.get("kind") == "start":
            owner = owner or rec.get("engagement")
        elif rec.get("kind") == "job" and isinstance(rec.get("key"), str):
            jobs[rec["key"]] = {k: v for k, v in rec.items() if k != "kind"}
    return owner, jobs


def owned_by(client_dir: Path, engagement: Path) -> bool:
    """True when ``client_dir`` is free or was built from ``engagement`` (its manifest or journal says so)."""
    if not client_dir.exists():
        return True
    try:
        owner = json.loads((client_dir / "manifest.json").read_text(encoding="utf-8")).get("engagement")
    except (OSError, ValueError):
        owner, _ = read_journal(client_dir)  # a first build that was killed: its journal names the engagement
        if owner is None:
            return not any(client_dir.iterdir())  # an empty folder is free; anything else is not ours
    return owner is not None and Path(owner).resolve() == Path(engagement).resolve()


def plan_build(engagements: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], *,
               roles: Sequence[str] | None = None, lang: str = "zh", timeout: float = 600.0,
               notebooks: Sequence[str] = NOTEBOOKS, warm: bool = True, kernel_name: str = "python3",
               check: bool = True, copies: Sequence[str] = ("html", "pdf")) -> BuildPlan:
    """Validate everything a build needs, before a single kernel starts, and list its jobs.

    Raises :class:`InputError` (exit code 2) for an engagement that does not load or fails its checks (with the
    check's findings), an unknown role in ``roles``, a missing notebook, or an output directory that cannot be
    written. Warnings from the checks are returned in ``plan.warnings``.

    Each notebook runs from its template in ``lang`` (:func:`template_path`: ``notebooks/`` for Chinese,
    ``notebooks/en/`` for English), so every explanation of a run is in one language. ``copies`` are the
    client copies each job renders (``html``, ``pdf``; empty for none).
    """
    from toolkit.checks.engagement import check_engagement
    from toolkit.model.engagement import load_engagement

    if lang not in ("zh", "en"):
        raise InputError(t("batch.bad_lang", lang=lang), location="--lang", hint="zh | en")
    if not engagements:
        raise InputError(t("batch.no_engagement"), location="ENGAGEMENT")
    for name in notebooks:
        _check_notebook(template_path(name, lang))
    nb_sha = {name: sha256_file(template_path(name, lang)) for name in notebooks}

    loaded = []
    warnings: list[Finding] = []
    for raw in engagements:
        path = Path(raw).expanduser().resolve()
        if not path.is_file():
            raise InputError(t("batch.engagement_missing", path=str(raw)), location=str(raw))
        eng = load_engagement(path)
        findings = None
        if check:
            findings = check_engagement(eng)
            errors = [f for f in findings if f.severity == "error"]
            if errors:
                raise InputError(t("batch.checks_failed", n=len(errors)), location=str(path), findings=errors,
                                 hint=t("batch.checks_failed.hint"))
            warnings += [f for f in findings if f.severity == "warning"]
        loaded.append((path, eng, findings))

    wanted = list(dict.fromkeys(roles or []))
    if wanted:
        known = {r.id for _, eng, _ in loaded for r in eng.roles}
        unknown = [r for r in wanted if r not in known]
        if unknown:
            raise InputError(t("batch.unknown_role", role=", ".join(unknown)), location="--roles",
                             hint=t("batch.known_roles", roles=", ".join(sorted(known))))

    out_dir = Path(out).expanduser().resolve()
    check_writable(out_dir)
    digest = toolkit_digest()
    jobs: list[Job] = []
    info: dict[str, dict[str, Any]] = {}
    prepared: dict[str, bytes] = {}
    for path, eng, findings in loaded:
        slug = base = client_slug(eng.client.name)
        n = 2
        # a folder belongs to one engagement: never write into one that another engagement built (two client
        # names can share a slug, e.g. 甲/乙 and 甲-乙), in this run or an earlier one
        while slug in info or not owned_by(out_dir / slug, path):
            slug = f"{base}-{n}"
            n += 1
        client_dir = (out_dir / slug).resolve()
        if out_dir not in client_dir.parents:  # cannot happen with client_slug; belt and braces
            raise InputError(t("batch.outside_out", path=str(client_dir)), location="client.name")
        inputs = _inputs_of(path)
        role_ids = [r.id for r in eng.roles if not wanted or r.id in wanted]
        info[slug] = {"client": eng.client.name, "path": str(path), "inputs": inputs, "roles": role_ids,
                      "role_names": {r.id: r.name for r in eng.roles}}
        blob = _prepare(eng, path, lang, findings if get_language() == lang else None, check)
        if blob is not None:
            prepared[slug] = blob
        shared = eng.model_dump(mode="json", exclude={"roles"})  # once, not once per role and notebook
        role_dump = {r.id: r.model_dump(mode="json") for r in eng.roles if r.id in role_ids}
        for name in notebooks:
            for role in (role_ids if name in PER_ROLE else [""]):
                job = Job(client=eng.client.name, slug=slug, engagement=str(path), notebook=name, role=role,
                          lang=lang, client_dir=str(client_dir), timeout=float(timeout), fingerprint="",
                          kernel_name=kernel_name, warm=warm, notebook_path=str(template_path(name, lang)),
                          copies=tuple(copies))
                # a per-role worksheet depends on its own role and the shared sections, not on other roles
                # or the actuals: editing one role re-runs that role (and the department), not all of them
                scope: Any = inputs if not role else {"shared": shared, "role": role_dump[role]}
                fp = hashlib.sha256(json.dumps(
                    {"inputs": scope, "notebook": nb_sha[name], "parameters": job.parameters,
                     "toolkit": digest, "copies": list(copies)}, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
                jobs.append(Job(**{**asdict(job), "fingerprint": fp}))
    return BuildPlan(out=out_dir, jobs=jobs, engagements=info, warnings=warnings, code_digest=digest,
                     prepared=prepared)


def _prepare(eng: Any, path: Path, lang: str, findings: list[Finding] | None, check: bool) -> bytes | None:
    """The engagement prepared for the notebooks (checked and resolved in ``lang``), or None if it cannot be."""
    from toolkit.notebooks.prepared import dump_prepared

    try:
        return dump_prepared(eng, path, lang, findings=findings, check=check)
    except Exception:  # noqa: BLE001 - e.g. an object that cannot be pickled: the notebooks load the YAML instead
        return None
