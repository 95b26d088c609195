"""Diagnosis and consultant-approved repair of inconsistent judgments. Nothing here changes a judgment behind
the consultant's back: :func:`repair_plan` only proposes, :func:`accept_change` returns a new set plus an
:class:`AuditRecord`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit.model.errors import InputError
from toolkit.model.messages import t
from toolkit.weights.analysis import analyse, analyse_matrix, as_matrix, check_connected, diagnosis_table
from toolkit.weights.consistency import RITable, cr_of, cr_threshold, random_index, solve_stack
from toolkit.weights.judgments import judgment_set, known_name
from toolkit.weights.repair import minimal_repair
from toolkit.weights.scale import Method, check_scale, fmt_judgment, located, parse_value

__all__ = [
    "AuditRecord",
    "Change",
    "RepairPlan",
    "accept_change",
    "diagnose",
    "repair_plan",
]


def diagnose(judgments: Any, *, names: Sequence[str] | None = None, method: Method = "eigen",
             ri: RITable | str = "saaty2005") -> pd.DataFrame:
    """All judged pairs ranked from most to least inconsistent (ε, best fit, snapped suggestion, CR after).

    Examples
    --------
    >>> d = diagnose([("a", "b", 2), ("b", "c", 2), ("a", "c", "1/4"), ("a", "d", 8), ("b", "d", 4), ("c", "d", 2)])
    >>> top = d.iloc[0]
    >>> top.row, top.col, float(top.value), float(top.suggested)
    ('a', 'c', 0.25, 4.0)
    """
    A, nm, source = as_matrix(judgments, names)
    r = analyse_matrix(A, nm, method, ri, None, source)
    w = r.weights.to_numpy()
    return diagnosis_table(A, w, nm, method, r.ri)


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
        """One sentence for the consultant, in the catalogue's language.

        Examples
        --------
        >>> Change("品牌", "线索", 0, 1, 5.0, 3.0, 0.2, 0.05).describe("zh")
        '把「品牌 对 线索」从 5 改为 3，CR 由 0.200 降至 0.050'
        """
        return t("ahp.change", lang, a=self.a, b=self.b, old=fmt_judgment(self.original), new=fmt_judgment(self.proposed),
                 before=f"{self.cr_before:.3f}", after=f"{self.cr_after:.3f}")


@dataclass
class RepairPlan:
    """The fewest judgment changes that bring CR to the threshold, and whether that number is proven minimal.

    ``proven_minimal``: no set of fewer changed judgments can reach the threshold, even with continuous values in
    [1/9, 9] (every such set was refuted, see :func:`toolkit.weights.repair.minimal_repair`); ``lower_bound`` is
    the least number of changes proven necessary; ``search`` is ``"exact"`` or ``"greedy"``.
    """

    changes: list[Change]
    cr_before: float
    cr_after: float
    threshold: float
    reaches_threshold: bool
    method: str
    ri_table: str
    proven_minimal: bool = False
    lower_bound: int = 0
    search: str = "exact"

    def table(self) -> pd.DataFrame:
        """The changes as a DataFrame (one row per change, in the order to apply them).

        Examples
        --------
        >>> plan = repair_plan([("a", "b", 2), ("b", "c", 2), ("a", "c", "1/4"), ("a", "d", 8), ("b", "d", 4),
        ...                     ("c", "d", 2)])
        >>> plan.table()[["a", "b", "original", "proposed"]].to_dict("records")
        [{'a': 'a', 'b': 'c', 'original': 0.25, 'proposed': 4.0}]
        """
        return pd.DataFrame([asdict(c) for c in self.changes],
                            columns=["a", "b", "row", "col", "original", "proposed", "cr_before", "cr_after"])


def repair_plan(judgments: Any, *, names: Sequence[str] | None = None, method: Method = "eigen",
                ri: RITable | str = "saaty2005", threshold: float | None = None,
                max_changes: int | None = None, max_subsets: int = 12_000) -> RepairPlan:
    """Propose the fewest judgment changes (values on Saaty's scale) that bring CR to the threshold.

    An exact level-by-level search (:func:`toolkit.weights.repair.minimal_repair`): all sets of one changed
    judgment, then of two, …, each solved for the lowest reachable CR at once; a level whose every set is refuted
    proves that more changes are needed, so the plan says whether it is ``proven_minimal``. Beyond ``max_subsets``
    sets it falls back to a greedy search that uses, at each step, the scale value minimising CR (not w_i/w_j,
    which the bad judgment itself pulls). The changes are ordered so that each one lowers CR most among those
    left, and a change that would raise CR is never proposed. Nothing is applied: use :func:`accept_change`.

    Examples
    --------
    >>> bad = [("线索量", "ROI", 5), ("线索量", "品牌曝光", 3), ("线索量", "满意度", "1/2"),
    ...        ("ROI", "品牌曝光", 3), ("ROI", "满意度", "1/3"), ("品牌曝光", "满意度", 5)]
    >>> plan = repair_plan(bad)
    >>> len(plan.changes), plan.proven_minimal, plan.reaches_threshold
    (2, True, True)
    >>> for change in plan.changes:
    ...     print(change.describe("zh"))
    把「品牌曝光 对 满意度」从 5 改为 1/7，CR 由 0.846 降至 0.101
    把「线索量 对 ROI」从 5 改为 1，CR 由 0.101 降至 0.006
    """
    A, nm, source = as_matrix(judgments, names)
    A = A.copy()
    n = len(nm)
    if n == 0:
        raise InputError(t("ahp.no_judgments"), location=source, hint=t("ahp.pairs.hint"))
    missing = int(np.isnan(A).sum() // 2)
    if missing:
        check_connected(A, nm, source)
    ri_value = random_index(n, ri, missing, location=located(source, t("ahp.loc.matrix", n=n)))
    cr0 = float(cr_of(solve_stack(A[None], method)[1], n, ri_value)[0])   # no full diagnosis: the search is it
    thr = cr_threshold(n) if threshold is None else float(threshold)
    found = minimal_repair(A, method=method, ri_value=ri_value, threshold=thr, max_subsets=max_subsets)
    todo = list(found.changes)
    if max_changes is not None:
        todo = todo[: int(max_changes)] if len(todo) > int(max_changes) else todo
    changes: list[Change] = []
    cr = cr0
    B = A.copy()
    while todo:  # order: each step the change that lowers CR most among those left
        trial = []
        for i, j, v in todo:
            C = B.copy()
            C[i, j], C[j, i] = v, 1 / v
            trial.append(float(cr_of(solve_stack(C[None], method)[1], n, ri_value)[0]))
        k = int(np.argmin(trial))
        i, j, v = todo.pop(k)
        changes.append(Change(a=nm[i], b=nm[j], row=i, col=j, original=float(B[i, j]), proposed=float(v),
                              cr_before=float(cr), cr_after=trial[k]))
        B[i, j], B[j, i] = v, 1 / v
        cr = trial[k]
    complete = max_changes is None or len(changes) == len(found.changes)
    return RepairPlan(changes=changes, cr_before=cr0, cr_after=cr, threshold=thr,
                      reaches_threshold=bool(cr <= thr + 1e-12), method=method, ri_table=ri,
                      proven_minimal=bool(found.proven and complete and found.reaches_threshold),
                      lower_bound=found.lower_bound, search=found.search)


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
        """Plain data for ``toolkit.model.schema.JudgmentAudit``.

        Examples
        --------
        >>> AuditRecord("a", "b", 5.0, 3.0, "王顾问", "2026-11-25T10:00:00+00:00").to_dict()["who"]
        '王顾问'
        """
        return asdict(self)


def accept_change(judgments: Any, change: Change | tuple[str, str, float], *, who: str,
                  when: dt.datetime | None = None, value: float | str | None = None,
                  participant: str | None = None, reason: str = "") -> tuple[Any, AuditRecord]:
    """Apply one change the consultant accepted; return a NEW judgment collection and the audit record.

    ``judgments`` is a :class:`JudgmentSet` or a list of :class:`toolkit.model.schema.Judgment` (the role's
    ``weighting.judgments``); the same type comes back and the input is not modified. ``value`` overrides the
    proposed value (the consultant may pick another point of the scale).

    Examples
    --------
    >>> import datetime as dt
    >>> new, rec = accept_change([("a", "b", 2), ("b", "c", 2), ("a", "c", "1/4")], ("a", "c", 4), who="王顾问",
    ...                          when=dt.datetime(2026, 11, 25, 10, 0))
    >>> rec.original, rec.new, round(rec.cr_after, 6), rec.when
    (0.25, 4.0, 0.0, '2026-11-25T10:00:00')
    """
    if not who or not str(who).strip():
        raise InputError(t("ahp.who_required"), hint=t("ahp.who_required.hint"))
    if isinstance(change, Change):
        a, b, proposed = change.a, change.b, change.proposed
    else:
        a, b, proposed = change[0], change[1], change[2]
    new = parse_value(proposed if value is None else value, f"({a}, {b})")
    check_scale(new, f"({a}, {b})")
    stamp = (when or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    model_list = isinstance(judgments, list) and all(hasattr(x, "model_copy") for x in judgments)
    js = judgment_set(judgments)
    part = participant if participant is not None else (js.participants[0] if len(js.participants) == 1 else "")
    if a not in js.elements:
        known_name(a, js.elements, f"({a}, {b})")
    if b not in js.elements:
        known_name(b, js.elements, f"({a}, {b})")
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
