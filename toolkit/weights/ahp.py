"""AHP priorities, consistency, incomplete and group judgments, diagnosis and consultant-approved repair.

Why this module exists: weights decide an appraisal scheme, and the common AHP libraries get parts of it wrong
(random-index tables, NaN at n = 2, crashes at n ≥ 16, no way to find the judgment that breaks consistency).
Here every result says which method and which random-index table produced it, and every number is computed
exactly (principal eigenvector via LAPACK, or the row geometric mean), batched over stacks of matrices.

The fast entry point is :func:`analyse` (weights, λmax, CI, CR and the ranked most-inconsistent judgments in one
call, ~1 ms for 10×10). Judgments are read from YAML / CSV / XLSX by :func:`read_judgments` into a
:class:`JudgmentSet`. Nothing here changes a judgment behind the consultant's back: :func:`repair_plan` only
proposes, :func:`accept_change` returns a new set plus an :class:`AuditRecord`.

Examples
--------
>>> import numpy as np
>>> r = analyse(np.array([[1, 3, 5], [1/3, 1, 2], [1/5, 1/2, 1]]), names=["品牌", "线索", "内容"])
>>> round(float(r.weights["品牌"]), 3), r.consistent
(0.648, True)
"""
from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from toolkit.model.errors import InputError
from toolkit.model.messages import t

__all__ = [
    "RI_TABLES",
    "SAATY_VERBAL",
    "SCALE",
    "AHPResult",
    "AuditRecord",
    "Change",
    "GroupResult",
    "JudgmentSet",
    "Method",
    "RITable",
    "RepairPlan",
    "accept_change",
    "aggregate_judgments",
    "analyse",
    "consensus",
    "consistency_ratio",
    "cr_threshold",
    "diagnose",
    "gci_threshold",
    "geometric_consistency_index",
    "group_analyse",
    "judgment_set",
    "lambda_max",
    "parse_value",
    "priorities",
    "random_index",
    "read_judgments",
    "repair_plan",
    "snap_to_scale",
    "weights_and_cr",
]

Method = Literal["eigen", "geometric"]
RITable = Literal["saaty2005", "alonso-lamata"]

#: Saaty's 1–9 scale and its reciprocals, ascending: the values a judgment may take.
SCALE: np.ndarray = np.array([1 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)])
_LOG_SCALE = np.log(SCALE)

#: Verbal judgments ("a is … more important than b"). Reciprocals are spelled with 不重要 / "less".
SAATY_VERBAL: dict[str, float] = {
    "同等重要": 1, "同样重要": 1, "一样重要": 1, "同等": 1,
    "稍微重要": 3, "稍重要": 3, "略微重要": 3, "稍微": 3,
    "明显重要": 5, "明显": 5,
    "强烈重要": 7, "非常重要": 7, "强烈": 7,
    "极端重要": 9, "极其重要": 9, "绝对重要": 9, "极端": 9,
    "稍微不重要": 1 / 3, "明显不重要": 1 / 5, "强烈不重要": 1 / 7, "极端不重要": 1 / 9,
    "equal": 1, "moderate": 3, "strong": 5, "very strong": 7, "extreme": 9,
    "moderately less": 1 / 3, "strongly less": 1 / 5, "very strongly less": 1 / 7, "extremely less": 1 / 9,
}

#: Random-index tables by n (index 0 is n = 1). Saaty (2005) *Theory and Applications of the ANP*, p. 31;
#: Alonso & Lamata (2006), with (1.7699 n − 4.3513)/(n − 1) beyond n = 15.
RI_TABLES: dict[str, tuple[float, ...]] = {
    "saaty2005": (0, 0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
    "alonso-lamata": (0, 0, 0.5247, 0.8816, 1.1086, 1.2479, 1.3417, 1.4057, 1.4499, 1.4854, 1.5140, 1.5365,
                      1.5551, 1.5713, 1.5838),
}
_RECIPROCAL_TOL = 0.02  # |log(a_ij · a_ji)|: accepts 0.33 for 1/3 as typed in a spreadsheet
_SCALE_TOL = 1.02       # 0.11 is accepted as 1/9, 9.1 is not


# ============================================================================================ scale, RI
def snap_to_scale(x: float | np.ndarray) -> float | np.ndarray:
    """The nearest value of Saaty's scale (1/9 … 9), nearest in log space so that 1/3 and 3 are symmetric."""
    arr = np.asarray(x, dtype=float)
    idx = np.abs(np.log(arr)[..., None] - _LOG_SCALE).argmin(-1)
    out = SCALE[idx]
    return float(out) if np.ndim(out) == 0 else out


def random_index(n: int, table: str = "saaty2005", missing: int = 0, *, location: str = "") -> float:
    """Saaty's random index for an n×n matrix, from the named table.

    ``missing`` unjudged pairs lower it (Ágoston & Csató 2022): RI·(1 − 2m/((n−1)(n−2))), because an
    incomplete matrix completed optimally is more consistent than a random complete one. ``location`` (the
    file and matrix) is put in the error raised when the table does not reach n.
    """
    if table not in RI_TABLES:
        raise InputError(t("ahp.ri_unknown", table=table), hint=t("ahp.ri_unknown.hint", known=", ".join(RI_TABLES)))
    if n <= 2:
        return 0.0
    tab = RI_TABLES[table]
    if n <= len(tab):
        ri = tab[n - 1]
    elif table == "alonso-lamata":
        ri = (1.7699 * n - 4.3513) / (n - 1)
    else:
        raise InputError(t("ahp.ri_too_big", n=n, table=table), location=location, hint=t("ahp.ri_too_big.hint"))
    if missing:
        ri *= max(0.0, 1 - 2 * missing / ((n - 1) * (n - 2)))
    return float(ri)


def cr_threshold(n: int) -> float:
    """Saaty's size-dependent acceptance threshold: 0.05 (n = 3), 0.08 (n = 4), 0.10 (n ≥ 5); n ≤ 2 always passes."""
    return 0.0 if n <= 2 else 0.05 if n == 3 else 0.08 if n == 4 else 0.10


def gci_threshold(n: int) -> float:
    """Aguarón & Moreno-Jiménez (2003) thresholds of the geometric consistency index: 0.31 / 0.35 / 0.37."""
    return 0.0 if n <= 2 else 0.31 if n == 3 else 0.35 if n == 4 else 0.37


# ============================================================================================ batched numerics
def _perron_eig(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal eigenpair by a full LAPACK eigen-decomposition (the reference; used as fallback)."""
    vals, vecs = np.linalg.eig(C)
    k = vals.real.argmax(-1)
    lam = np.take_along_axis(vals.real, k[..., None], -1)[..., 0]
    v = np.abs(np.take_along_axis(vecs.real, k[..., None, None], -1)[..., 0])
    return v / v.sum(-1, keepdims=True), lam


def _perron(C: np.ndarray, tol: float = 1e-15, max_iter: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Principal (Perron) eigenvector, normalised to sum 1, and eigenvalue of each matrix in a (k, n, n) stack.

    The matrices are positive (or primitive, for Harker's form), so the Perron root strictly dominates and the
    power method converges; squaring the matrix six times first (A^64, Saaty's own recipe) leaves only a few
    steps. This is several times faster than LAPACK's full decomposition on stacks of small matrices
    and agrees with it to ~1e-15; any matrix that has not converged after ``max_iter`` steps is handed to
    ``np.linalg.eig``.
    """
    k, n, _ = C.shape
    if n == 1:
        return np.ones((k, 1)), C[:, 0, 0].copy()
    B = C / C.sum(axis=(-2, -1), keepdims=True)
    for _ in range(6):
        B = B @ B
        B /= B.sum(axis=(-2, -1), keepdims=True)
    w = B.sum(-1)
    w /= w.sum(-1, keepdims=True)
    active = np.arange(k)
    lam = np.empty(k)
    W = np.empty((k, n))
    Ca, wa = C, w
    for _ in range(max_iter):
        v = (Ca @ wa[..., None])[..., 0]
        s = v.sum(-1)
        v /= s[:, None]
        done = np.abs(v - wa).max(-1) <= tol * 10
        if done.any():
            W[active[done]] = v[done]
            lam[active[done]] = s[done]
            keep = ~done
            active, Ca, v = active[keep], Ca[keep], v[keep]
            if not len(active):
                return W, lam
        wa = v
    if len(active):
        W[active], lam[active] = _perron_eig(Ca)
    return W, lam


def _max_eigval(C: np.ndarray) -> np.ndarray:
    return _perron(C)[1]


def _solve_stack(A: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, λmax and the completed matrices for a (k, n, n) stack; NaN marks an unjudged pair.

    Eigen + missing: Harker (1987) — 0 for each missing entry, 1 + (#missing in the row) on the diagonal; its
    Perron pair equals that of the matrix completed with w_i/w_j. Geometric + missing: logarithmic least squares
    on the comparison graph (a Laplacian solve), which reduces to the row geometric mean when complete.
    """
    k, n, _ = A.shape
    known = ~np.isnan(A)
    complete = bool(known.all())
    if method == "eigen":
        if complete:
            w, lam = _perron(A)
            return w, lam, A
        C = np.where(known, A, 0.0)
        idx = np.arange(n)
        C[:, idx, idx] = 1.0 + (~known).sum(-1)
        w, lam = _perron(C)
    elif method == "geometric":
        logs = np.where(known, np.log(np.where(known, A, 1.0)), 0.0)
        if complete:
            x = logs.mean(-1)
        else:
            adj = known & ~np.eye(n, dtype=bool)
            L = -adj.astype(float)
            L[:, np.arange(n), np.arange(n)] = adj.sum(-1)
            x = np.linalg.solve(L + 1.0 / n, logs.sum(-1)[..., None])[..., 0]
        x = x - x.max(-1, keepdims=True)
        w = np.exp(x)
        w /= w.sum(-1, keepdims=True)
        filled = np.where(known, A, w[:, :, None] / w[:, None, :])
        lam = _max_eigval(filled) if n > 1 else np.ones(k)
        return w, lam, filled
    else:
        raise InputError(t("ahp.method_unknown", method=method), hint=t("ahp.method_unknown.hint"))
    filled = np.where(known, A, w[:, :, None] / w[:, None, :])
    return w, lam, filled


def _stack(matrices: np.ndarray) -> tuple[np.ndarray, bool]:
    A = np.asarray(matrices, dtype=float)
    single = A.ndim == 2
    return (A[None] if single else A), single


def priorities(matrices: np.ndarray, method: Method = "eigen") -> np.ndarray:
    """Priority vector(s) of a reciprocal matrix (n, n) or a stack (k, n, n); NaN entries are unjudged pairs.

    No validation: for checked input use :func:`analyse`. The stack form is what Monte Carlo and batch runs use.
    """
    A, single = _stack(matrices)
    w, _, _ = _solve_stack(A, method)
    return w[0] if single else w


def weights_and_cr(matrices: np.ndarray, method: Method = "eigen",
                   ri: RITable | str = "saaty2005") -> tuple[np.ndarray, np.ndarray]:
    """Weights (k, n) and CR (k,) of a (k, n, n) stack in one batched pass, without validation or diagnosis:
    what batch runs and Monte Carlo use. All matrices share n and the pattern of unjudged (NaN) pairs."""
    A, _ = _stack(matrices)
    n = A.shape[-1]
    w, lam, _ = _solve_stack(A, method)
    return w, _cr_of(lam, n, random_index(n, ri, int(np.isnan(A[0]).sum() // 2)))


def lambda_max(matrices: np.ndarray) -> float | np.ndarray:
    """The Perron root λmax of a matrix or of each matrix in a stack (eigen method's λ, Harker-completed)."""
    A, single = _stack(matrices)
    _, lam, _ = _solve_stack(A, "eigen")
    return float(lam[0]) if single else lam


def consistency_ratio(matrices: np.ndarray, ri: str = "saaty2005", method: Method = "eigen") -> float | np.ndarray:
    """CR = (λmax − n)/(n − 1)/RI for a matrix or a stack; 0 for n ≤ 2 (consistent by definition)."""
    A, single = _stack(matrices)
    n = A.shape[-1]
    _, lam, _ = _solve_stack(A, method)
    missing = int(np.isnan(A[0]).sum() // 2)
    r = random_index(n, ri, missing)
    cr = np.maximum((lam - n) / (n - 1), 0.0) / r if r > 0 else np.zeros(len(A))
    return float(cr[0]) if single else cr


def geometric_consistency_index(matrix: np.ndarray, weights: np.ndarray | None = None) -> float:
    """GCI = 2/((n−1)(n−2)) Σ_{i<j} log²(a_ij w_j/w_i), over judged pairs (the RGMM-compatible index)."""
    A = np.asarray(matrix, dtype=float)
    n = A.shape[0]
    if n <= 2:
        return 0.0
    w = priorities(A, "geometric") if weights is None else np.asarray(weights, dtype=float)
    iu = np.triu_indices(n, 1)
    e = np.log(A[iu] * w[iu[1]] / w[iu[0]])
    return float(2.0 / ((n - 1) * (n - 2)) * np.nansum(e ** 2))


# ============================================================================================ parsing
_FRACTION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[/／]\s*(\d+(?:\.\d+)?)\s*$")
_MISSING_TOKENS = {"", "-", "—", "?", "？", "na", "n/a", "nan", "none", "null", "缺", "缺失", "未比较"}


def _at(source: str, place: str = "") -> str:
    """``file: place`` for error locations, whichever of the two is known (never a doubled colon)."""
    source = str(source or "").rstrip(": ").strip()
    place = str(place or "").strip()
    return f"{source}: {place}" if source and place else source or place


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and v.strip().lower() in _MISSING_TOKENS


def parse_value(v: Any, location: str = "") -> float:
    """A judgment value from a number, a fraction ("1/3"), or Saaty's verbal scale ("稍微重要", "明显不重要").

    Raises :class:`InputError` naming ``location`` for anything else (text, zero, negative, NaN).
    """
    if isinstance(v, bool):
        raise InputError(t("ahp.not_number", value=v), location=location, hint=t("ahp.not_number.hint"))
    if isinstance(v, (int, float, np.integer, np.floating)):
        x = float(v)
    elif isinstance(v, str):
        s = v.strip()
        key = s.lower()
        if key in SAATY_VERBAL:
            return float(SAATY_VERBAL[key])
        m = _FRACTION.match(s)
        if m:
            num, den = float(m.group(1)), float(m.group(2))
            if den == 0:
                raise InputError(t("ahp.zero", value=s), location=location, hint=t("ahp.zero.hint"))
            x = num / den
        else:
            try:
                x = float(s)
            except ValueError:
                raise InputError(t("ahp.not_number", value=s), location=location,
                                 hint=t("ahp.not_number.hint")) from None
    else:
        raise InputError(t("ahp.not_number", value=v), location=location, hint=t("ahp.not_number.hint"))
    if not math.isfinite(x):
        raise InputError(t("ahp.not_number", value=v), location=location, hint=t("ahp.not_number.hint"))
    if x == 0:
        raise InputError(t("ahp.zero", value=v), location=location, hint=t("ahp.zero.hint"))
    if x < 0:
        raise InputError(t("ahp.negative", value=v), location=location, hint=t("ahp.zero.hint"))
    return x


def _check_scale(x: float, location: str) -> None:
    if not (1 / 9 / _SCALE_TOL <= x <= 9 * _SCALE_TOL):
        raise InputError(t("ahp.out_of_scale", value=_fmt(x)), location=location, hint=t("ahp.out_of_scale.hint"))


def _fmt(x: float) -> str:
    if x >= 1:
        return f"{x:g}" if abs(x - round(x)) > 1e-9 else str(round(x))
    inv = 1 / x
    return f"1/{round(inv)}" if abs(inv - round(inv)) < 1e-6 else f"{x:.4g}"


@dataclass(frozen=True)
class JudgmentSet:
    """Pairwise judgments over named elements, possibly from several participants, possibly incomplete.

    ``pairs`` has columns ``a, b, value, participant`` (``participant`` is ``""`` for a single decision maker)
    and ``where`` (the place each judgment was read from, for error messages). ``value`` says how much more
    important ``a`` is than ``b``.
    """

    elements: tuple[str, ...]
    pairs: pd.DataFrame
    participant_weights: Mapping[str, float] = field(default_factory=dict)
    source: str = ""

    @property
    def participants(self) -> list[str]:
        return list(dict.fromkeys(self.pairs["participant"]))

    @property
    def n(self) -> int:
        return len(self.elements)

    def matrix(self, participant: str | None = None) -> np.ndarray:
        """The n×n reciprocal matrix of one participant (default: the only one); NaN where a pair is unjudged."""
        parts = self.participants
        if participant is None:
            if len(parts) > 1:
                raise InputError(t("ahp.many_participants", n=len(parts)), location=self.source,
                                 hint=t("ahp.many_participants.hint"))
            participant = parts[0] if parts else ""
        return _pairs_to_matrix(self.elements, self.pairs[self.pairs["participant"] == participant], self.source)

    def stack(self) -> np.ndarray:
        """(k, n, n): one matrix per participant, in :attr:`participants` order."""
        return np.stack([self.matrix(p) for p in self.participants]) if len(self.pairs) else np.ones((0, self.n, self.n))

    def with_pairs(self, pairs: pd.DataFrame) -> JudgmentSet:
        return JudgmentSet(self.elements, pairs.reset_index(drop=True), dict(self.participant_weights), self.source)


def _pairs_to_matrix(elements: Sequence[str], pairs: pd.DataFrame, source: str = "") -> np.ndarray:
    n = len(elements)
    index = {e: i for i, e in enumerate(elements)}
    A = np.full((n, n), np.nan)
    np.fill_diagonal(A, 1.0)
    seen: dict[tuple[int, int], tuple[float, str]] = {}
    for a, b, v, where in zip(pairs["a"], pairs["b"], pairs["value"], pairs["where"]):
        i, j = index[a], index[b]
        if i > j:
            i, j, v = j, i, 1.0 / v
        if (i, j) in seen:
            v0, w0 = seen[(i, j)]
            if abs(math.log(v0 / v)) > _RECIPROCAL_TOL:
                raise InputError(t("ahp.duplicate_pair", a=elements[i], b=elements[j], v1=_fmt(v0), v2=_fmt(v),
                                   first=w0), location=where or source, hint=t("ahp.duplicate_pair.hint"))
            continue
        seen[(i, j)] = (v, where)
        A[i, j], A[j, i] = v, 1.0 / v
    return A


_COL_ALIASES = {
    "a": {"a", "i", "element_a", "from", "row", "要素a", "指标a", "因素a", "比较项a", "元素a", "甲", "左"},
    "b": {"b", "j", "element_b", "to", "col", "column", "要素b", "指标b", "因素b", "比较项b", "元素b", "乙", "右"},
    "value": {"value", "judgment", "judgement", "score", "判断值", "标度", "重要性", "分值", "比较值", "判断"},
    "participant": {"participant", "expert", "rater", "who", "参与人", "专家", "评价人", "打分人", "参与者"},
}


def _canon_col(c: Any) -> str | None:
    key = str(c).strip().lower().replace(" ", "")
    for canon, names in _COL_ALIASES.items():
        if key in names:
            return canon
    return None


def _known_name(name: Any, elements: Sequence[str], location: str) -> str:
    s = str(name).strip()
    if s in elements:
        return s
    close = difflib.get_close_matches(s, list(elements), n=1)
    hint = t("ahp.unknown_element.hint", known=t("ahp.list_sep").join(elements)) + (
        t("ahp.did_you_mean", close=close[0]) if close else "")
    raise InputError(t("ahp.unknown_element", name=s), location=location, hint=hint)


def _from_records(records: list[dict[str, Any]], elements: Sequence[str] | None, source: str,
                  participant_weights: Mapping[str, float] | None = None) -> JudgmentSet:
    """Build a set from (a, b, value, participant, where) records, validating every field."""
    if elements is None:
        order: dict[str, None] = {}
        for r in records:
            for key in ("a", "b"):
                if _is_missing(r.get(key)):
                    raise InputError(t("ahp.missing_name", col=key), location=r["where"], hint=t("ahp.pairs.hint"))
                order[str(r[key]).strip()] = None
        elements = list(order)
    elements = tuple(str(e).strip() for e in elements)
    _check_unique(elements, source, lambda k: f"elements[{k}]")
    rows = []
    for r in records:
        where = r["where"]
        a = _known_name(r.get("a"), elements, where)
        b = _known_name(r.get("b"), elements, where)
        if a == b:
            raise InputError(t("ahp.self_pair", name=a), location=where, hint=t("ahp.self_pair.hint"))
        if _is_missing(r.get("value")):
            continue  # an explicit blank: the pair is unjudged (Harker)
        v = parse_value(r["value"], where)
        _check_scale(v, where)
        p = r.get("participant")
        rows.append((a, b, v, "" if _is_missing(p) else str(p).strip(), where))
    pairs = pd.DataFrame(rows, columns=["a", "b", "value", "participant", "where"])
    js = JudgmentSet(elements, pairs, dict(participant_weights or {}), source)
    for p in js.participants:  # duplicate pairs with two values are found here
        js.matrix(p)
    return js


def _check_unique(names: Sequence[str], source: str, place: Any) -> None:
    """Refuse a repeated element name, naming the place of its second occurrence (``place(k)`` in ``source``)."""
    seen: dict[str, int] = {}
    for k, e in enumerate(names):
        if e in seen:
            raise InputError(t("ahp.duplicate_element", name=e), location=_at(source, place(k)),
                             hint=t("ahp.duplicate_element.hint", name=e, first=place(seen[e])))
        seen[e] = k


def _num_or_none(v: Any) -> float | None:
    try:
        return parse_value(v)
    except InputError:
        return None


def _from_matrix(cells: Sequence[Sequence[Any]], elements: Sequence[str] | None, source: str,
                 cell_loc: Any = None) -> JudgmentSet:
    """Full matrix, or upper triangle (lower cells blank, or rows of decreasing length with/without diagonal)."""
    rows = [list(r) if isinstance(r, (list, tuple, np.ndarray)) else None for r in cells]
    n = len(rows)
    loc = cell_loc or (lambda i, j: t("ahp.loc.cell", r=i + 1, c=j + 1))
    for i, r in enumerate(rows):
        if r is None:
            raise InputError(t("ahp.not_square", shape=f"{n}×?"), location=_at(source, loc(i, 0)),
                             hint=t("ahp.not_square.hint"))
    lengths = [len(r) for r in rows]
    want = len(elements) if elements is not None else None
    if n > 1 and lengths == list(range(n, 0, -1)) and (want in (None, n)) and all(
            not _is_missing(r[0]) and _num_or_none(r[0]) == 1 for r in rows):
        rows = [[None] * i + r for i, r in enumerate(rows)]          # upper triangle with diagonal
    elif lengths == list(range(n, 0, -1)) and (want == n + 1 or (want is None and n > 1)):
        rows = [[None] * i + [1] + r for i, r in enumerate(rows)] + [[None] * n + [1]]  # without diagonal
        n += 1
    elif n > 1 and lengths == list(range(n - 1, -1, -1)):
        rows = [[None] * i + [1] + r for i, r in enumerate(rows)]    # without diagonal, empty last row
    bad = [i for i, r in enumerate(rows) if len(r) != n]
    if n == 0 or bad:
        i = bad[0] if bad else 0
        raise InputError(t("ahp.not_square", shape=f"{n}×{len(rows[i]) if rows else 0}"),
                         location=_at(source, loc(i, 0)), hint=t("ahp.not_square.hint"))
    if elements is None:
        elements = [str(k + 1) for k in range(n)]
    elements = [str(e).strip() for e in elements]
    if len(elements) != n:
        raise InputError(t("ahp.names_count", names=len(elements), n=n), location=_at(source, "elements"),
                         hint=t("ahp.names_count.hint", names=len(elements), n=n))
    vals = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            c = rows[i][j]
            if _is_missing(c):
                continue
            where = _at(source, t("ahp.loc.pair", place=loc(i, j), a=elements[i], b=elements[j]))
            x = parse_value(c, where)
            if i == j:
                if abs(x - 1) > 1e-9:
                    raise InputError(t("ahp.diagonal", value=_fmt(x)), location=where, hint=t("ahp.diagonal.hint"))
                continue
            _check_scale(x, where)
            vals[i, j] = x
    records = []
    for i in range(n):
        for j in range(i + 1, n):
            up, lo = vals[i, j], vals[j, i]
            where_up = _at(source, t("ahp.loc.pair", place=loc(i, j), a=elements[i], b=elements[j]))
            where_lo = _at(source, t("ahp.loc.pair", place=loc(j, i), a=elements[j], b=elements[i]))
            if not np.isnan(up) and not np.isnan(lo) and abs(math.log(up * lo)) > _RECIPROCAL_TOL:
                raise InputError(t("ahp.not_reciprocal", v=_fmt(lo), expected=_fmt(1 / up), a=elements[i],
                                   b=elements[j], up=_fmt(up)), location=where_lo, hint=t("ahp.not_reciprocal.hint"))
            if not np.isnan(up):
                records.append({"a": elements[i], "b": elements[j], "value": up, "where": where_up})
            elif not np.isnan(lo):
                records.append({"a": elements[j], "b": elements[i], "value": lo, "where": where_lo})
    return _from_records(records, elements, source)


def judgment_set(obj: Any, *, elements: Sequence[str] | None = None, source: str = "") -> JudgmentSet:
    """Any in-memory form of judgments as a validated :class:`JudgmentSet`.

    Accepts a square array / nested list / DataFrame (index and columns = names; full or upper triangle), a
    list of :class:`toolkit.model.schema.Judgment`, a list of ``(a, b, value[, participant])`` tuples or dicts, or a
    dict ``{(a, b): value}``. A :class:`JudgmentSet` is returned as is.
    """
    if isinstance(obj, JudgmentSet):
        return obj
    if isinstance(obj, pd.DataFrame):
        cols = {c: _canon_col(c) for c in obj.columns}
        if {"a", "b", "value"} <= set(cols.values()):
            df = obj.rename(columns={c: k for c, k in cols.items() if k})
            recs = [{**r, "where": t("ahp.loc.row", row=i + 1)} for i, r in enumerate(df.to_dict("records"))]
            return _from_records(recs, elements, source)
        names = elements or [str(c) for c in obj.columns]
        return _from_matrix(obj.to_numpy(dtype=object).tolist(), names, source)
    if isinstance(obj, np.ndarray):
        if obj.ndim != 2:
            raise InputError(t("ahp.not_square", shape="×".join(map(str, obj.shape))), location=source,
                             hint=t("ahp.not_square.hint"))
        return _from_matrix(obj.tolist(), elements, source)
    if isinstance(obj, Mapping):
        recs = [{"a": k[0], "b": k[1], "value": v, "where": f"({k[0]}, {k[1]})"} for k, v in obj.items()]
        return _from_records(recs, elements, source)
    if isinstance(obj, (list, tuple)):
        items = list(obj)
        if items and all(hasattr(x, "a") and hasattr(x, "b") and hasattr(x, "value") for x in items):
            recs = [{"a": x.a, "b": x.b, "value": x.value, "participant": getattr(x, "participant", None),
                     "where": t("ahp.loc.judgment", i=i)} for i, x in enumerate(items)]
            return _from_records(recs, elements, source)
        if items and all(isinstance(x, Mapping) for x in items):
            recs = []
            for i, x in enumerate(items):
                d = {(_canon_col(k) or str(k)): v for k, v in x.items()}
                recs.append({**d, "where": t("ahp.loc.judgment", i=i)})
            return _from_records(recs, elements, source)
        if items and all(isinstance(x, (list, tuple)) and len(x) in (3, 4) and isinstance(x[0], str) for x in items):
            recs = [{"a": x[0], "b": x[1], "value": x[2], "participant": x[3] if len(x) == 4 else None,
                     "where": t("ahp.loc.judgment", i=i)} for i, x in enumerate(items)]
            return _from_records(recs, elements, source)
        if not items and elements:
            return _from_records([], elements, source)
        return _from_matrix(items, elements, source)
    raise InputError(t("ahp.unreadable", kind=type(obj).__name__), location=source, hint=t("ahp.pairs.hint"))


def _excel_col(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _sheet_names(path: Path) -> list[str] | None:
    """The worksheet names of a workbook, or None when it cannot be opened as one."""
    try:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            return list(wb.sheetnames)
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - not a workbook: the caller reports that
        return None


def _read_table(path: Path, sheet: str | int | None) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            names = _sheet_names(path)
            if names is None:
                raise InputError(t("ahp.not_workbook"), location=str(path), hint=t("ahp.not_workbook.hint"))
            if sheet is not None and str(sheet) not in names:
                k = int(sheet) if isinstance(sheet, int) or str(sheet).isdigit() else None
                if k is None or not 0 <= k < len(names):
                    raise InputError(t("ahp.sheet_missing", sheet=sheet), location=f"{path} --sheet {sheet}",
                                     hint=t("ahp.sheet_missing.hint", sheets=t("ahp.list_sep").join(names)))
                sheet = k
            return pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, header=None, dtype=object)
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InputError(t("file.binary"), location=str(path), hint=t("ahp.encoding.hint"))
        import csv
        import io

        rows = list(csv.reader(io.StringIO(text)))
        width = max((len(r) for r in rows), default=0)
        return pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt workbook: openpyxl/zipfile raise many kinds
        raise InputError(t("file.unreadable", reason=f"{type(exc).__name__}: {exc}"), location=str(path),
                         hint=t("ahp.not_workbook.hint")) from None


def _table_to_set(df: pd.DataFrame, path: Path) -> JudgmentSet:
    df = df.dropna(how="all").dropna(axis=1, how="all")
    df = df.map(lambda v: v.strip() if isinstance(v, str) else v)
    df = df.map(lambda v: None if isinstance(v, str) and v == "" else v)
    df = df.dropna(how="all").dropna(axis=1, how="all")
    if df.empty:
        raise InputError(t("file.empty"), location=str(path), hint=t("ahp.pairs.hint"))
    header = list(df.iloc[0])
    canon = [_canon_col(h) if h is not None else None for h in header]
    excel = path.suffix.lower() in (".xlsx", ".xlsm")
    rows_idx = list(df.index)
    cols_idx = list(df.columns)

    def cell(i: int, j: int) -> str:
        """The place of df.iloc[i, j] in the user's file: A1 in a workbook, row/column in a CSV."""
        r, c = int(rows_idx[i]), int(cols_idx[j])
        return f"{_excel_col(c)}{r + 1}" if excel else t("ahp.loc.csv_cell", row=r + 1, col=c + 1)

    found = {c for c in canon if c}
    square_names = len(df) == len(header) and [str(x).strip() for x in header[1:]] == [
        str(x).strip() for x in df.iloc[1:, 0]]  # a matrix whose elements happen to be called A, B …
    if {"a", "b"} <= found and "value" not in found and canon[0] is not None and not square_names:
        raise InputError(t("ahp.no_value_column", header=", ".join(str(h) for h in header if not _is_missing(h))),
                         location=_at(path.name, t("ahp.loc.header", row=int(rows_idx[0]) + 1)),
                         hint=t("ahp.no_value_column.hint"))
    if {"a", "b", "value"} <= {c for c in canon if c}:
        recs = []
        for ridx in range(1, len(df)):
            r = df.iloc[ridx]
            rec: dict[str, Any] = {c: r.iloc[k] for k, c in enumerate(canon) if c}
            row_no = int(df.index[ridx]) + 1
            rec["where"] = f"{path.name}: " + t("ahp.loc.row", row=row_no)
            recs.append(rec)
        return _from_records(recs, None, str(path))
    # a matrix: first row = names (first cell may be blank), first column = names
    names_top = [h for h in header[1:]]
    names_left = list(df.iloc[1:, 0])
    body = df.iloc[1:, 1:]
    blank = [(0, j + 1) for j, x in enumerate(names_top) if _is_missing(x)] + [
        (i + 1, 0) for i, x in enumerate(names_left) if _is_missing(x)]
    if blank:
        raise InputError(t("ahp.matrix_names"), location=_at(path.name, cell(*blank[0])),
                         hint=t("ahp.matrix_names.hint"))
    names_top = [str(x).strip() for x in names_top]
    names_left = [str(x).strip() for x in names_left]
    if len(names_top) != len(names_left):
        raise InputError(t("ahp.not_square", shape=f"{len(names_left)}×{len(names_top)}"),
                         location=_at(path.name, t("ahp.loc.names", rows=len(names_left), cols=len(names_top))),
                         hint=t("ahp.not_square.hint"))
    _check_unique(names_left, path.name, lambda k: cell(k + 1, 0))
    if names_top != names_left:
        k = next(i for i, (x, y) in enumerate(zip(names_left, names_top)) if x != y)
        raise InputError(t("ahp.names_mismatch", left=names_left[k], top=names_top[k]),
                         location=_at(path.name, f"{cell(k + 1, 0)} / {cell(0, k + 1)}"),
                         hint=t("ahp.names_mismatch.hint"))

    def loc(i: int, j: int) -> str:
        return cell(i + 1, j + 1)

    return _from_matrix(body.to_numpy(dtype=object).tolist(), names_left, path.name, cell_loc=loc)


def read_judgments(path: str | Path, *, sheet: str | int | None = None) -> JudgmentSet:
    """Read judgments from a YAML, CSV or XLSX file (UTF-8 or GB18030 CSV; names may be Chinese).

    YAML: ``elements`` plus either ``matrix`` (full or upper triangle) or ``judgments`` (a list of
    ``[a, b, value]`` or ``{a, b, value, participant}``), and optionally ``participants: [{name, weight}]``.
    CSV/XLSX: a pair list with a header (a, b, value[, participant]; Chinese headers such as 要素A, 要素B, 判断值,
    参与人 work too) or a matrix with names in the first row and the first column.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(t("file.missing"), location=str(p), hint=t("ahp.file.hint"))
    if p.is_dir():
        raise InputError(t("file.is_dir"), location=str(p), hint=t("ahp.file.hint"))
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from toolkit.model.yamlio import position_of, read_yaml

        data = read_yaml(p, expect_mapping=False)
        if not isinstance(data, Mapping):
            raise InputError(t("ahp.yaml_keys"), location=str(p), hint=t("ahp.pairs.hint"))
        elements = data.get("elements")
        if elements is not None and not isinstance(elements, list):
            raise InputError(t("ahp.elements_list"), location=f"{p.name}: elements", hint=t("ahp.elements_list.hint"))

        def ypos(*path_: Any) -> str:
            pos = position_of(data, path_)
            return f" ({t('model.line_col', line=pos[0], col=pos[1])})" if pos else ""

        if elements is not None:
            _check_unique([str(e).strip() for e in elements], p.name, lambda k: f"elements[{k}]" + ypos("elements", k))
        pw = {}
        for i, part in enumerate(data.get("participants") or []):
            if isinstance(part, Mapping) and "name" in part:
                w = part.get("weight", 1)
                where = f"{p.name}: participants[{i}].weight"
                if isinstance(w, bool) or not isinstance(w, (int, float)) or w <= 0:
                    raise InputError(t("ahp.bad_participant_weight", value=w), location=where,
                                     hint=t("ahp.bad_participant_weight.hint"))
                pw[str(part["name"]).strip()] = float(w)
        if "matrix" in data:
            m = data["matrix"]
            if not isinstance(m, list):
                raise InputError(t("ahp.not_square", shape="?"), location=f"{p.name}: matrix",
                                 hint=t("ahp.not_square.hint"))

            def yloc(i: int, j: int) -> str:
                pos = position_of(data, ("matrix", i, j)) or position_of(data, ("matrix", i))
                base = f"matrix[{i}][{j}]"
                return base + (f" ({t('model.line_col', line=pos[0], col=pos[1])})" if pos else "")

            js = _from_matrix(m, elements, p.name, cell_loc=yloc)
            return JudgmentSet(js.elements, js.pairs, pw, str(p))
        if "judgments" in data:
            items = data["judgments"]
            if not isinstance(items, list):
                raise InputError(t("ahp.judgments_list"), location=f"{p.name}: judgments", hint=t("ahp.pairs.hint"))
            recs = []
            for i, x in enumerate(items):
                pos = position_of(data, ("judgments", i))
                where = f"{p.name}: judgments[{i}]" + (
                    f" ({t('model.line_col', line=pos[0], col=pos[1])})" if pos else "")
                if isinstance(x, Mapping):
                    rec = {(_canon_col(k) or str(k)): v for k, v in x.items()}
                elif isinstance(x, list) and len(x) in (3, 4):
                    rec = dict(zip(("a", "b", "value", "participant"), x))
                else:
                    raise InputError(t("ahp.bad_judgment_item"), location=where, hint=t("ahp.pairs.hint"))
                rec["where"] = where
                recs.append(rec)
            return _from_records(recs, elements, str(p), pw)
        raise InputError(t("ahp.yaml_keys"), location=str(p), hint=t("ahp.pairs.hint"))
    if suffix in (".csv", ".txt", ".xlsx", ".xlsm"):
        return _table_to_set(_read_table(p, sheet), p)
    raise InputError(t("ahp.file_type", suffix=suffix or "?"), location=str(p), hint=t("ahp.file.hint"))


# ============================================================================================ analysis
@dataclass
class AHPResult:
    """Everything about one pairwise matrix: weights, consistency, the method and the RI table used."""

    names: tuple[str, ...]
    matrix: np.ndarray
    completed: np.ndarray
    weights: pd.Series
    method: str
    lambda_max: float
    ci: float
    cr: float
    ri: float
    ri_table: str
    threshold: float
    consistent: bool
    gci: float
    gci_threshold: float
    n: int
    missing: int
    most_inconsistent: pd.DataFrame

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        """Plain JSON-ready data (the ``appraisal ahp --json`` object)."""
        mi = self.most_inconsistent if top is None else self.most_inconsistent.head(top)
        return {
            "weights": {k: float(v) for k, v in self.weights.items()},
            "lambda_max": float(self.lambda_max), "ci": float(self.ci), "cr": float(self.cr),
            "ri": float(self.ri), "ri_table": self.ri_table, "threshold": float(self.threshold),
            "consistent": bool(self.consistent), "method": self.method, "n": self.n, "missing": self.missing,
            "gci": float(self.gci), "gci_threshold": float(self.gci_threshold),
            "most_inconsistent": [
                {"row": r.row, "col": r.col, "value": float(r.value), "suggested": float(r.suggested),
                 "cr_after": float(r.cr_after), "epsilon": float(r.epsilon)} for r in mi.itertuples()],
        }


def _connected_groups(A: np.ndarray) -> list[list[int]]:
    from scipy.sparse.csgraph import connected_components

    known = ~np.isnan(A)
    _, labels = connected_components(known.astype(int), directed=False)
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(int(lab), []).append(i)
    return list(groups.values())


def _check_connected(A: np.ndarray, names: Sequence[str], location: str = "") -> None:
    groups = _connected_groups(A)
    if len(groups) > 1:
        text = t("ahp.group_sep").join("{" + t("ahp.list_sep").join(names[i] for i in g) + "}" for g in groups)
        raise InputError(t("ahp.disconnected", n=len(groups), groups=text),
                         location=_at(location, t("ahp.loc.matrix", n=len(names))),
                         hint=t("ahp.disconnected.hint", a=names[groups[0][0]], b=names[groups[1][0]]))


def _as_matrix(judgments: Any, names: Sequence[str] | None) -> tuple[np.ndarray, tuple[str, ...], str]:
    if isinstance(judgments, AHPResult):  # re-analyse / perturb a previous result: its names come along
        return judgments.matrix, tuple(judgments.names), ""
    if isinstance(judgments, np.ndarray) and judgments.dtype.kind == "f" and judgments.ndim == 2 \
            and judgments.shape[0] == judgments.shape[1] \
            and np.all(np.isnan(judgments) | (judgments > 0)):
        # fast path for the workshop: a float matrix from our own code; still checked for reciprocity
        A = judgments
        n = A.shape[0]
        names = [str(k + 1) for k in range(n)] if names is None else names
        if len(names) != n:
            raise InputError(t("ahp.names_count", names=len(names), n=n), location="names",
                             hint=t("ahp.names_count.hint", names=len(names), n=n))
        with np.errstate(invalid="ignore"):
            prod = np.log(A * A.T)
        diag = np.diag(A)
        if np.all(np.abs(diag - 1) < 1e-9) and not np.any(np.abs(np.nan_to_num(prod)) > _RECIPROCAL_TOL) \
                and not np.any(np.isnan(A) != np.isnan(A.T)) and np.all(
                    np.isnan(A) | ((A >= 1 / 9 / _SCALE_TOL) & (A <= 9 * _SCALE_TOL))):
            iu = np.triu_indices(n, 1)
            B = np.full_like(A, np.nan)
            B[iu] = A[iu]
            B[(iu[1], iu[0])] = 1 / A[iu]
            np.fill_diagonal(B, 1.0)
            return B, tuple(str(x) for x in names), ""
    js = judgment_set(judgments, elements=names)
    return js.matrix(), js.elements, js.source


def _cr_of(lam: np.ndarray, n: int, ri: float) -> np.ndarray:
    if n <= 2 or ri <= 0:
        return np.zeros_like(lam)
    return np.maximum((lam - n) / (n - 1), 0.0) / ri


def _diagnosis(A: np.ndarray, w: np.ndarray, names: Sequence[str], method: str, ri_value: float) -> pd.DataFrame:
    """Every judged pair with Saaty's ε_ij = a_ij·w_j/w_i, the best-fit value w_i/w_j snapped to the scale and the
    CR the matrix would have with that one change (batched), ranked by benefit: lowest CR after the change
    first, ties (to 1e-9) broken by the larger deviation |log ε|. Ranking by ε alone would put first a change
    that helps less than the second one; the consultant wants the change that helps most."""
    n = len(names)
    cols = ["row", "col", "i", "j", "value", "epsilon", "best_fit", "suggested", "cr_after"]
    if n <= 2:
        return pd.DataFrame(columns=cols)
    iu = np.triu_indices(n, 1)
    vals = A[iu]
    ok = ~np.isnan(vals)
    I, J, vals = iu[0][ok], iu[1][ok], vals[ok]
    best = w[I] / w[J]
    eps = vals * w[J] / w[I]
    sugg = np.asarray(snap_to_scale(best))
    stack = np.repeat(A[None], len(I), axis=0)
    k = np.arange(len(I))
    stack[k, I, J] = sugg
    stack[k, J, I] = 1 / sugg
    _, lam, _ = _solve_stack(stack, method)
    cr_after = _cr_of(lam, n, ri_value)
    o = np.lexsort((-np.abs(np.log(eps)), np.round(cr_after, 9)))
    I, J = I[o], J[o]
    return pd.DataFrame({"row": [names[i] for i in I], "col": [names[j] for j in J], "i": I, "j": J,
                         "value": vals[o], "epsilon": eps[o], "best_fit": best[o], "suggested": sugg[o],
                         "cr_after": cr_after[o]})


def _analyse_matrix(A: np.ndarray, names: tuple[str, ...], method: str, ri: str, top: int | None,
                    source: str = "") -> AHPResult:
    n = A.shape[0]
    if n == 0:
        raise InputError(t("ahp.no_judgments"), location=source, hint=t("ahp.pairs.hint"))
    missing = int(np.isnan(A).sum() // 2)
    if missing:
        _check_connected(A, names, source)
    ri_value = random_index(n, ri, missing, location=_at(source, t("ahp.loc.matrix", n=n)))
    w, lam, filled = _solve_stack(A[None], method)
    w, lam, filled = w[0], float(lam[0]), filled[0]
    ci = max((lam - n) / (n - 1), 0.0) if n > 2 else 0.0
    cr = float(_cr_of(np.array([lam]), n, ri_value)[0])
    thr = cr_threshold(n)
    diag = _diagnosis(A, w, names, method, ri_value)
    mi = diag[diag["suggested"] != np.asarray(snap_to_scale(diag["value"].to_numpy()))] if len(diag) else diag
    mi = mi.reset_index(drop=True)
    if top is not None:
        mi = mi.head(top)
    gci = geometric_consistency_index(A, w if method == "geometric" else None) if n > 2 else 0.0
    return AHPResult(
        names=names, matrix=A, completed=filled, weights=pd.Series(w, index=list(names), name="weight"),
        method=method, lambda_max=lam, ci=ci, cr=cr, ri=ri_value, ri_table=ri, threshold=thr,
        consistent=bool(n <= 2 or cr <= thr + 1e-12), gci=gci, gci_threshold=gci_threshold(n), n=n,
        missing=missing, most_inconsistent=mi,
    )


def analyse(judgments: Any, *, names: Sequence[str] | None = None, method: Method = "eigen",
            ri: RITable | str = "saaty2005", top: int | None = 5) -> AHPResult:
    """Weights, λmax, CI, CR (with the RI table named) and the ranked most-inconsistent judgments, in one call.

    This is the single fast entry point (about 1–3 ms for a 10×10 matrix including diagnosis). ``judgments`` may
    be a matrix (NaN or blanks for unjudged pairs: Harker's method for ``eigen``, logarithmic least squares for
    ``geometric``), a DataFrame, a :class:`JudgmentSet` with one participant, a list of
    :class:`toolkit.model.schema.Judgment` or of ``(a, b, value)``. ``top`` limits ``most_inconsistent`` (None = all
    pairs whose value differs from its best fit on the scale).

    Examples
    --------
    >>> r = analyse([("线索量", "品牌曝光", 3), ("线索量", "内容产出", 5), ("品牌曝光", "内容产出", 2)])
    >>> r.weights.round(3).to_dict()
    {'线索量': 0.648, '品牌曝光': 0.23, '内容产出': 0.122}
    """
    if method not in ("eigen", "geometric"):
        raise InputError(t("ahp.method_unknown", method=method), hint=t("ahp.method_unknown.hint"))
    if ri not in RI_TABLES:
        raise InputError(t("ahp.ri_unknown", table=ri), hint=t("ahp.ri_unknown.hint", known=", ".join(RI_TABLES)))
    A, nm, source = _as_matrix(judgments, names)
    return _analyse_matrix(A, nm, method, ri, top, source)


def diagnose(judgments: Any, *, names: Sequence[str] | None = None, method: Method = "eigen",
             ri: RITable | str = "saaty2005") -> pd.DataFrame:
    """All judged pairs ranked from most to least inconsistent (ε, best fit, snapped suggestion, CR after)."""
    A, nm, source = _as_matrix(judgments, names)
    r = _analyse_matrix(A, nm, method, ri, None, source)
    w = r.weights.to_numpy()
    return _diagnosis(A, w, nm, method, r.ri)


def next_pairs(judgments: Any, *, names: Sequence[str] | None = None, k: int = 3) -> pd.DataFrame:
    """The unjudged pairs most worth asking next, for an incomplete (or disconnected) set of judgments.

    Pairs whose elements are farthest apart in the comparison graph come first (a pair across two disconnected
    groups is infinitely far): comparison graphs of small diameter give the most reliable weights (Szádoczki,
    Bozóki et al.), and a cross-group pair is the only way to make a disconnected set usable. Ties go to pairs
    whose elements have been compared least often.
    """
    from scipy.sparse.csgraph import shortest_path

    if isinstance(judgments, AHPResult):
        A, nm = judgments.matrix, judgments.names
    elif isinstance(judgments, np.ndarray) and names is not None:
        A, nm = np.asarray(judgments, dtype=float), tuple(names)
    else:
        js = judgment_set(judgments, elements=names)
        A, nm = js.matrix(), js.elements
    n = len(nm)
    known = ~np.isnan(A) & ~np.eye(n, dtype=bool)
    dist = shortest_path(known.astype(float), directed=False, unweighted=True)
    deg = known.sum(1)
    iu = np.triu_indices(n, 1)
    todo = ~known[iu]
    I, J = iu[0][todo], iu[1][todo]
    d = dist[I, J]
    load = deg[I] + deg[J]
    order = np.lexsort((J, I, load, -np.where(np.isinf(d), np.finfo(float).max, d)))[:k]
    return pd.DataFrame({"a": [nm[i] for i in I[order]], "b": [nm[j] for j in J[order]], "distance": d[order],
                         "compared": load[order]})


# ============================================================================================ repair
@dataclass(frozen=True)
class Change:
    """A proposed change of one judgment (a over b), with the CR before and after. Never applied by itself."""

    a: str
    b: str
    row: int
    col: int
    original: float
    proposed: float
    cr_before: float
    cr_after: float

    def describe(self, lang: str | None = None) -> str:
        return t("ahp.change", lang, a=self.a, b=self.b, old=_fmt(self.original), new=_fmt(self.proposed),
                 before=f"{self.cr_before:.3f}", after=f"{self.cr_after:.3f}")


@dataclass
class RepairPlan:
    """The fewest changes (greedy, each the single change that lowers CR most) that reach the threshold."""

    changes: list[Change]
    cr_before: float
    cr_after: float
    threshold: float
    reaches_threshold: bool
    method: str
    ri_table: str

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(c) for c in self.changes],
                            columns=["a", "b", "row", "col", "original", "proposed", "cr_before", "cr_after"])


def repair_plan(judgments: Any, *, names: Sequence[str] | None = None, method: Method = "eigen",
                ri: RITable | str = "saaty2005", threshold: float | None = None,
                max_changes: int | None = None) -> RepairPlan:
    """Propose the fewest judgment changes that bring CR to the threshold, one at a time, for the consultant.

    At each step every judged pair is tried at its best-fit value w_i/w_j snapped to Saaty's scale (all at once,
    as a stack), and the change giving the lowest CR is kept; this greedy search is what Expert Choice's
    "most inconsistent → best fit" loop does by hand, and it stops as soon as the threshold is met. The
    proposals are returned, never applied: use :func:`accept_change` for each one the consultant agrees to.
    """
    A, nm, source = _as_matrix(judgments, names)
    A = A.copy()
    n = len(nm)
    base = _analyse_matrix(A, nm, method, ri, None, source)
    thr = base.threshold if threshold is None else float(threshold)
    limit = n * (n - 1) // 2 if max_changes is None else int(max_changes)
    cr = base.cr
    changes: list[Change] = []
    w = base.weights.to_numpy()
    touched: set[tuple[int, int]] = set()
    while cr > thr + 1e-12 and len(changes) < limit and n > 2:
        d = _diagnosis(A, w, nm, method, base.ri)
        d = d[(d["suggested"] != np.asarray(snap_to_scale(d["value"].to_numpy())))
              & ~d.apply(lambda r: (int(r.i), int(r.j)) in touched, axis=1)]
        if d.empty:
            break
        best = d.loc[d["cr_after"].idxmin()]
        if best.cr_after >= cr - 1e-12:
            break
        i, j = int(best.i), int(best.j)
        changes.append(Change(a=nm[i], b=nm[j], row=i, col=j, original=float(A[i, j]),
                              proposed=float(best.suggested), cr_before=float(cr), cr_after=float(best.cr_after)))
        touched.add((i, j))
        A[i, j], A[j, i] = best.suggested, 1 / best.suggested
        wk, lam, _ = _solve_stack(A[None], method)
        w, cr = wk[0], float(_cr_of(lam, n, base.ri)[0])
    return RepairPlan(changes=changes, cr_before=base.cr, cr_after=cr, threshold=thr,
                      reaches_threshold=bool(cr <= thr + 1e-12), method=method, ri_table=ri)


@dataclass(frozen=True)
class AuditRecord:
    """Who changed which judgment, from what to what, and when (kept with the engagement)."""

    a: str
    b: str
    original: float | None
    new: float
    who: str
    when: str
    participant: str = ""
    cr_before: float | None = None
    cr_after: float | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def accept_change(judgments: Any, change: Change | tuple[str, str, float], *, who: str,
                  when: dt.datetime | None = None, value: float | str | None = None,
                  participant: str | None = None, reason: str = "") -> tuple[Any, AuditRecord]:
    """Apply one change the consultant accepted; return a NEW judgment collection and the audit record.

    ``judgments`` is a :class:`JudgmentSet` or a list of :class:`toolkit.model.schema.Judgment` (the role's
    ``weighting.judgments``); the same type comes back and the input is not modified. ``value`` overrides the
    proposed value (the consultant may pick another point of the scale).
    """
    if not who or not str(who).strip():
        raise InputError(t("ahp.who_required"), hint=t("ahp.who_required.hint"))
    if isinstance(change, Change):
        a, b, proposed = change.a, change.b, change.proposed
    else:
        a, b, proposed = change[0], change[1], change[2]
    new = parse_value(proposed if value is None else value, f"({a}, {b})")
    _check_scale(new, f"({a}, {b})")
    stamp = (when or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    model_list = isinstance(judgments, list) and all(hasattr(x, "model_copy") for x in judgments)
    js = judgment_set(judgments)
    part = participant if participant is not None else (js.participants[0] if len(js.participants) == 1 else "")
    if a not in js.elements:
        _known_name(a, js.elements, f"({a}, {b})")
    if b not in js.elements:
        _known_name(b, js.elements, f"({a}, {b})")
    pairs = js.pairs
    mine = pairs["participant"] == part
    fwd = mine & (pairs["a"] == a) & (pairs["b"] == b)
    rev = mine & (pairs["a"] == b) & (pairs["b"] == a)
    original = None
    if fwd.any():
        original = float(pairs.loc[fwd, "value"].iloc[0])
    elif rev.any():
        original = 1 / float(pairs.loc[rev, "value"].iloc[0])
    single = len(js.participants) <= 1
    cr_before = analyse(js, top=0).cr if single and original is not None else None
    new_pairs = pairs.copy()
    new_pairs.loc[fwd, "value"] = new
    new_pairs.loc[rev, "value"] = 1 / new
    if not (fwd.any() or rev.any()):
        new_pairs = pd.concat([new_pairs, pd.DataFrame([{"a": a, "b": b, "value": new, "participant": part,
                                                         "where": t("ahp.loc.accepted", who=who)}])],
                              ignore_index=True)
    out = js.with_pairs(new_pairs)
    cr_after = analyse(out, top=0).cr if single else None
    record = AuditRecord(a=a, b=b, original=original, new=new, who=str(who), when=stamp, participant=part,
                         cr_before=cr_before, cr_after=cr_after, reason=reason)
    if model_list:
        new_list = []
        done = False
        for x in judgments:
            xp = x.participant or ""
            if xp == part and x.a == a and x.b == b:
                new_list.append(x.model_copy(update={"value": new}))
                done = True
            elif xp == part and x.a == b and x.b == a:
                new_list.append(x.model_copy(update={"value": 1 / new}))
                done = True
            else:
                new_list.append(x.model_copy())
        if not done:
            cls = type(judgments[0]) if judgments else None
            if cls is None:
                from toolkit.model.schema import Judgment as cls
            new_list.append(cls(a=a, b=b, value=new, participant=part or None))
        return new_list, record
    return out, record


# ============================================================================================ groups
def aggregate_judgments(matrices: np.ndarray, weights: Sequence[float] | None = None) -> np.ndarray:
    """Weighted geometric mean of a (k, n, n) stack, cell by cell, skipping NaN (unjudged) cells.

    The geometric mean is the only aggregation that keeps the result reciprocal (Aczél & Saaty 1983): the
    arithmetic mean of 2, 3, 4 is 3 but that of their reciprocals is 13/36, not 1/3. A pair nobody judged stays NaN.
    """
    S = np.asarray(matrices, dtype=float)
    lam = np.ones(len(S)) if weights is None else np.asarray(weights, dtype=float)
    known = ~np.isnan(S)
    wk = lam[:, None, None] * known
    tot = wk.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.exp((np.where(known, np.log(np.where(known, S, 1.0)), 0.0) * wk).sum(0) / tot)
    out[tot == 0] = np.nan
    return out


@dataclass
class GroupResult:
    """Group AHP: the aggregate, each participant's own consistency, and how much they agree."""

    aggregate: AHPResult
    weights: pd.Series
    aggregation: str
    participants: pd.DataFrame
    individual: pd.DataFrame
    consensus: float
    disagreement: pd.DataFrame

    def to_dict(self, top: int | None = 5) -> dict[str, Any]:
        d = self.aggregate.to_dict(top)
        d["weights"] = {k: float(v) for k, v in self.weights.items()}
        d["aggregation"] = self.aggregation
        d["consensus"] = None if self.consensus != self.consensus else float(self.consensus)
        d["participants"] = [
            {"participant": r.participant, "weight": float(r.weight), "cr": None if pd.isna(r.cr) else float(r.cr),
             "consistent": bool(r.consistent), "connected": bool(r.connected), "included": bool(r.included)}
            for r in self.participants.itertuples()]
        return d


def consensus(P: np.ndarray, lam: np.ndarray) -> float:
    """Group homogeneity of priority vectors ``P`` (participants × elements) with participant weights ``lam``.

    Relative homogeneity from Shannon α/γ diversity of the priority vectors (Goepel's AHP-OS idea):
    1/D_β = exp(H_α − H_γ) lies in [1/K, 1]; rescaled to [0, 1] so that 1 means identical priorities."""
    K = len(P)
    if K <= 1:
        return 1.0
    lam = lam / lam.sum()
    H = -(P * np.log(P)).sum(-1)
    pbar = (lam[:, None] * P).sum(0)
    h_gamma = -(pbar * np.log(pbar)).sum()
    inv_db = math.exp(float((lam * H).sum() - h_gamma))
    return float(np.clip((inv_db - 1 / K) / (1 - 1 / K), 0.0, 1.0))


def group_analyse(judgments: Any, *, weights: Mapping[str, float] | None = None,
                  aggregation: Literal["aij", "aip"] = "aij", method: Method = "eigen",
                  ri: RITable | str = "saaty2005", exclude_inconsistent: bool = False,
                  cr_limit: float | None = None, top: int | None = 5) -> GroupResult:
    """Aggregate several participants' judgments (AIJ) or priorities (AIP), with participant weights.

    AIJ (default, the group as one "synergistic unit", Forman & Peniwati 1998): the weighted geometric mean of the
    judgments, then :func:`analyse`. AIP: the normalised weighted geometric mean of each participant's priorities;
    the ``aggregate`` then still describes the AIJ matrix (its consistency and diagnosis). Each participant's
    CR is reported; with ``exclude_inconsistent`` those above ``cr_limit`` (default: the size threshold) are
    left out of the aggregate but kept in the report.
    """
    js = judgment_set(judgments)
    parts = js.participants
    if not parts:
        raise InputError(t("ahp.no_judgments"), location=js.source, hint=t("ahp.pairs.hint"))
    pw = dict(js.participant_weights)
    if weights:
        pw.update(weights)
    unknown = [p for p in pw if p not in parts]
    if weights and any(p not in parts for p in weights):
        raise InputError(t("ahp.unknown_participant", name=t("ahp.list_sep").join(p for p in weights if p not in parts)),
                         location=js.source, hint=t("ahp.unknown_participant.hint", known=t("ahp.list_sep").join(parts)))
    del unknown
    lam = np.array([float(pw.get(p, 1.0)) for p in parts])
    if np.any(lam <= 0):
        raise InputError(t("ahp.bad_participant_weight", value=lam.min()),
                         location=_at(js.source, "participants[" + parts[int(lam.argmin())] + "]"),
                         hint=t("ahp.bad_participant_weight.hint"))
    stack = js.stack()
    n = js.n
    rows, ind = [], []
    limit = None if cr_limit is None else float(cr_limit)
    for k, p in enumerate(parts):
        A = stack[k]
        groups = _connected_groups(A)
        if len(groups) > 1:
            cr, wv, ok = float("nan"), np.full(n, np.nan), False
        else:
            r = _analyse_matrix(A, js.elements, method, ri, 0, _at(js.source, t("ahp.loc.participant", name=p)))
            cr, wv = r.cr, r.weights.to_numpy()
            ok = cr <= (r.threshold if limit is None else limit) + 1e-12 or n <= 2
        judged = int((~np.isnan(A[np.triu_indices(n, 1)])).sum())
        rows.append({"participant": p, "weight": lam[k], "judged": judged, "cr": cr,
                     "threshold": cr_threshold(n) if limit is None else limit, "consistent": bool(ok),
                     "connected": len(groups) == 1})
        ind.append(wv)
    table = pd.DataFrame(rows)
    table["included"] = table["consistent"] if exclude_inconsistent else True
    if not table["included"].any():
        raise InputError(t("ahp.all_excluded"), location=js.source, hint=t("ahp.all_excluded.hint"))
    inc = table["included"].to_numpy()
    G = aggregate_judgments(stack[inc], lam[inc])
    agg = analyse(G, names=js.elements, method=method, ri=ri, top=top)
    individual = pd.DataFrame(np.array(ind), index=pd.Index(parts, name="participant"), columns=list(js.elements))
    usable = inc & table["connected"].to_numpy()
    P = np.array(ind)[usable]
    if aggregation == "aip":
        if not usable.any():
            raise InputError(t("ahp.all_excluded"), location=js.source, hint=t("ahp.all_excluded.hint"))
        lw = lam[usable] / lam[usable].sum()
        g = np.exp((lw[:, None] * np.log(P)).sum(0))
        wts = pd.Series(g / g.sum(), index=list(js.elements), name="weight")
    elif aggregation == "aij":
        wts = agg.weights
    else:
        raise InputError(t("ahp.aggregation_unknown", value=aggregation), hint=t("ahp.aggregation_unknown.hint"))
    homogeneity = consensus(P, lam[usable]) if usable.sum() > 0 else float("nan")
    # disagreement per pair: weighted geometric SD of the judgments of those included
    iu = np.triu_indices(n, 1)
    L = np.log(stack[inc][:, iu[0], iu[1]])
    known = ~np.isnan(L)
    wk = lam[inc][:, None] * known
    tot = wk.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.nansum(L * wk, 0) / tot
        var = np.nansum(wk * (np.nan_to_num(L) - mu) ** 2, 0) / tot
    dis = pd.DataFrame({"a": [js.elements[i] for i in iu[0]], "b": [js.elements[j] for j in iu[1]],
                        "judged_by": known.sum(0), "gmean": np.exp(mu), "gsd": np.exp(np.sqrt(var)),
                        "min": np.exp(np.nanmin(np.where(known, L, np.inf), 0)),
                        "max": np.exp(np.nanmax(np.where(known, L, -np.inf), 0))})
    dis = dis[dis["judged_by"] > 0].sort_values("gsd", ascending=False, kind="stable").reset_index(drop=True)
    return GroupResult(aggregate=agg, weights=wts, aggregation=aggregation, participants=table,
                       individual=individual, consensus=homogeneity, disagreement=dis)
