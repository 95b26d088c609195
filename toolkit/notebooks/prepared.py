"""The engagement prepared once per build: loaded, validated, checked and resolved by the build process, handed to
every notebook as one file that :func:`toolkit.notebooks.worksheet.begin` reads in milliseconds.

Why (issue 17): at 100 roles, reading and validating the YAML costs 1.3 s, the checks and the scheme 0.4 s each —
and every one of the 2N+3 notebooks of a build did all of it again. Now the build does it once and writes
``<client>/.prepared/engagement.bin``; a notebook whose engagement file, language, catalogue and toolkit code match
the file's key takes the engagement, the check result and its role's resolved scheme from it; anything else
(a notebook run by hand, an engagement edited since, another toolkit version) loads the YAML as before, with the
same results.

The file is ``MAGIC | key | HMAC | pickle``. A pickle is code, and the build folder may be shared, so the file
is signed with a secret of the build (:data:`SECRET_ENV`, set by the build process before its workers and
kernels start, handed to Dask workers by their plugin) and never unpickled unless the signature is right: a file
planted or edited by someone else is ignored, never run. Inside, the engagement, the findings and each role's
resolved scheme are pickled separately (a role notebook unpickles the engagement and its own role, not all of
them); the role schemes refer to the engagement's own objects, as a fresh :func:`resolve_scheme` would. The
words the checks cut the goals into come along (:func:`toolkit.checks.goal_segment.segments_seen`), so a notebook
that checks the goals again does not load jieba's dictionaries (2 s a process) to get the same words.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import io
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.model.fileio import atomic_write_bytes
from toolkit.model.messages import language
from toolkit.model.paths import ROOT, templates_dir

__all__ = [
    "PREPARED_FILE",
    "SECRET_ENV",
    "Prepared",
    "code_digest",
    "dump_prepared",
    "ensure_secret",
    "load_prepared",
    "prepared_key",
    "prepared_path",
    "write_prepared",
]

#: the build's signing secret; set in the build process before any worker or kernel starts, inherited by them
SECRET_ENV = "APPRAISAL_PREPARED_SECRET"
#: where the prepared engagement lives, relative to the client folder
PREPARED_FILE = Path(".prepared") / "engagement.bin"
_MAGIC = b"APPRPRE1"
_FORMAT = "1"


def ensure_secret() -> str:
    """This process's signing secret, created on first use (child processes and kernels inherit it)."""
    secret = os.environ.get(SECRET_ENV)
    if not secret:
        import secrets

        secret = os.environ[SECRET_ENV] = secrets.token_hex(32)
    return secret


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the toolkit's Python code as this process loaded it (computed once per process, ~10 ms)."""
    h = hashlib.sha256()
    base = ROOT / "toolkit"
    for p in sorted(base.rglob("*.py")):
        h.update(str(p.relative_to(base)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _templates_digest() -> str:
    """SHA-256 of what the engagement's meaning depends on besides itself: the catalogue and the message texts."""
    h = hashlib.sha256()
    root = templates_dir()
    for sub in ("catalogue", "i18n"):
        for p in sorted((root / sub).rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(root)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def prepared_key(engagement: str | os.PathLike[str], lang: str) -> str:
    """The content address of a prepared engagement: the file's SHA-256, the language, catalogue, code, Python.

    For tests only, ``APPRAISAL_TEST_DIGEST`` stands for the catalogue and the code (as in
    :func:`toolkit.batch.plan.toolkit_digest`): other people editing the checkout during a test must not make
    its notebooks load the YAML.
    """
    h = hashlib.sha256()
    with open(engagement, "rb") as fh:
        eng_sha = hashlib.sha256(fh.read()).hexdigest()
    pinned = os.environ.get("APPRAISAL_TEST_DIGEST")
    deps = (pinned,) if pinned else (_templates_digest(), code_digest())
    for part in (_FORMAT, sys.version, lang, eng_sha, *deps):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def prepared_path(client_dir: str | os.PathLike[str]) -> Path:
    return Path(client_dir) / PREPARED_FILE


class _Pickler(pickle.Pickler):
    """Pickles a role scheme with references to the engagement's objects instead of copies of them."""

    def __init__(self, fh: Any, refs: dict[int, Any]) -> None:
        super().__init__(fh, protocol=pickle.HIGHEST_PROTOCOL)
        self._refs = refs

    def persistent_id(self, obj: Any) -> Any:
        return self._refs.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, fh: Any, objs: dict[Any, Any]) -> None:
        super().__init__(fh)
        self._objs = objs

    def persistent_load(self, pid: Any) -> Any:
        return self._objs[pid]


def _refs(eng: Any) -> dict[Any, Any]:
    """Persistent ids of the engagement and its roles (what a role scheme points at)."""
    objs: dict[Any, Any] = {"eng": eng}
    for i, role in enumerate(eng.roles):
        objs[("role", i)] = role
    return objs


def _dumps(obj: Any, objs: dict[Any, Any]) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, {id(v): k for k, v in objs.items()}).dump(obj)
    return buf.getvalue()


def _loads(data: bytes, objs: dict[Any, Any]) -> Any:
    return _Unpickler(io.BytesIO(data), objs).load()


def _sign(key: str, payload: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), key.encode() + payload, hashlib.sha256).hexdigest()


def dump_prepared(eng: Any, engagement: str | os.PathLike[str], lang: str, *, findings: list[Any] | None = None,
                  scheme: Any = None, check: bool = True) -> bytes:
    """The signed file content for ``eng`` (loaded from ``engagement``) in ``lang``.

    The scheme (and, with ``check``, the findings unless given) are computed here in ``lang``, exactly as a
    notebook working in ``lang`` would compute them.
    """
    with language(lang):
        if findings is None and check:
            from toolkit.checks.engagement import check_engagement

            findings = check_engagement(eng)
        if scheme is None:
            from toolkit.scheme.resolve import resolve_scheme

            scheme = resolve_scheme(eng)
    from toolkit.checks.goal_segment import segments_seen

    objs = _refs(eng)
    parts = {
        "segments": segments_seen(),  # the goals' words: the notebooks need not load jieba to check them again
        "eng": pickle.dumps(eng, protocol=pickle.HIGHEST_PROTOCOL),
        "findings": None if findings is None else pickle.dumps(list(findings), protocol=pickle.HIGHEST_PROTOCOL),
        "roles": {rs.role.id: _dumps(rs, objs) for rs in scheme.roles},
    }
    payload = pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)
    key = prepared_key(engagement, lang)
    return _MAGIC + key.encode() + _sign(key, payload, ensure_secret()).encode() + payload


def write_prepared(client_dir: str | os.PathLike[str], blob: bytes) -> Path:
    """Write the prepared engagement into the client folder (atomically, readable by this user only)."""
    return atomic_write_bytes(prepared_path(client_dir), blob, mode=0o600)


@dataclass
class Prepared:
    """A prepared engagement as a notebook reads it: the engagement now, the rest when first asked for."""

    eng: Any
    key: str
    _parts: dict[str, Any] = field(repr=False)
    _roles: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def findings(self) -> list[Any] | None:
        """The build's :func:`check_engagement` result in the notebook's language (None: not checked)."""
        data = self._parts.get("findings")
        return None if data is None else pickle.loads(data)

    def role_scheme(self, role_id: str) -> Any:
        """The resolved scheme of one role (its ``.role`` is the engagement's own role object)."""
        if role_id not in self._roles:
            self._roles[role_id] = _loads(self._parts["roles"][role_id], _refs(self.eng))
        return self._roles[role_id]

    def scheme(self) -> Any:
        """The whole resolved scheme, as :func:`toolkit.scheme.resolve.resolve_scheme` returns it."""
        from toolkit.scheme.resolve import Scheme

        return Scheme(engagement=self.eng, roles=[self.role_scheme(r.id) for r in self.eng.roles])


def load_prepared(client_dir: str | os.PathLike[str] | None, engagement: str | os.PathLike[str],
                  lang: str) -> Prepared | None:
    """The prepared engagement for ``engagement`` in ``lang`` from ``client_dir``, or None (load it instead).

    None when there is no file, no secret in this process (a notebook run by hand), a signature that does not
    match (someone else's file), or a key that does not match (the engagement, catalogue, code or language
    changed since the build prepared it).
    """
    secret = os.environ.get(SECRET_ENV)
    if not client_dir or not secret:
        return None
    try:
        blob = prepared_path(client_dir).read_bytes()
    except OSError:
        return None
    head = len(_MAGIC)
    if blob[:head] != _MAGIC or len(blob) < head + 128:
        return None
    key = blob[head:head + 64].decode("ascii", "replace")
    mac, payload = blob[head + 64:head + 128].decode("ascii", "replace"), blob[head + 128:]
    try:
        if key != prepared_key(engagement, lang):
            return None
    except OSError:
        return None
    if not hmac.compare_digest(mac, _sign(key, payload, secret)):
        return None
    try:
        parts = pickle.loads(payload)
        eng = pickle.loads(parts["eng"])
    except Exception:  # noqa: BLE001 - a file from an incompatible toolkit: load the engagement instead
        return None
    from toolkit.checks.goal_segment import remember_segments

    remember_segments(parts.get("segments") or {})
    return Prepared(eng=eng, key=key, _parts=parts)
