"""How much AHP work one matrix may cost: stated bounds instead of a machine that hangs.

Why: the full diagnosis tries every judged pair at every scale value (n²/2 · 17 eigenproblems of size n) and
leaves each pair out once, so its cost grows like n⁵ and its memory like n⁴ (a 300×300 matrix asked for 30 GiB, a
120×120 one ran 56 s in 2.6 GB). A workshop matrix has 3–9 elements (Saaty's 7 ± 2); beyond
:data:`FULL_DIAGNOSIS_MAX` the diagnosis is *screened* (only the :data:`SCREENED_PAIRS` judgments that deviate most
from the weights, Saaty's ε = a_ij·w_j/w_i, are diagnosed and repaired, and no plan is claimed minimal), and beyond
:data:`MAX_ELEMENTS` a matrix is refused with the reason: nobody can judge n(n−1)/2 pairs consistently, and the
elements should be split into a hierarchy. A repair plan stops at :data:`MAX_REPAIR_CHANGES` changes: a matrix
that needs more is a new round of judging, not a repair (and each greedy step costs n²/2 · 17 eigenproblems).
"""
from __future__ import annotations

from toolkit.model.errors import InputError
from toolkit.model.messages import t

__all__ = ["FULL_DIAGNOSIS_MAX", "MAX_ELEMENTS", "MAX_REPAIR_CHANGES", "SCREENED_PAIRS", "check_size", "screened"]

#: the largest matrix accepted at all (1,225 pairwise judgments)
MAX_ELEMENTS = 50
#: up to this n every judged pair is diagnosed and the repair plan may be proven minimal
FULL_DIAGNOSIS_MAX = 20
#: above FULL_DIAGNOSIS_MAX, how many of the most deviating judgments are diagnosed and may be changed
SCREENED_PAIRS = 20
#: the longest repair plan searched: a matrix that needs more changed judgments is judged again, not repaired
MAX_REPAIR_CHANGES = 12


def check_size(n: int, location: str = "") -> None:
    """Refuse a matrix of more than :data:`MAX_ELEMENTS` elements before any work is spent on it.

    Examples
    --------
    >>> check_size(MAX_ELEMENTS)                       # at the bound: accepted
    >>> try:
    ...     check_size(MAX_ELEMENTS + 1, "m.yaml")
    ... except InputError as exc:
    ...     print(exc.location)
    m.yaml
    """
    if n > MAX_ELEMENTS:
        raise InputError(t("ahp.too_many_elements", n=n, max=MAX_ELEMENTS, pairs=f"{n * (n - 1) // 2:,}"),
                         location=location, hint=t("ahp.too_many_elements.hint", max=MAX_ELEMENTS))


def screened(n: int) -> bool:
    """Whether an n×n matrix gets the screened (bounded) diagnosis instead of the full one.

    Examples
    --------
    >>> screened(FULL_DIAGNOSIS_MAX), screened(FULL_DIAGNOSIS_MAX + 1)
    (False, True)
    """
    return n > FULL_DIAGNOSIS_MAX
