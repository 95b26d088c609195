"""Edit distance for 'did you mean' hints on unknown ids and field names (a typo like 'wieght' → 'weight')."""
from __future__ import annotations

from collections.abc import Iterable

__all__ = ["closest", "edit_distance"]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings.

    Examples
    --------
    >>> edit_distance("wieght", "weight")
    2
    >>> edit_distance("线索量", "线索数量")
    1
    """
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def closest(name: str, choices: Iterable[str], *, k: int = 3, max_distance: int | None = None) -> list[str]:
    """The ``k`` choices nearest to ``name`` (ties in alphabetical order), optionally within ``max_distance``.

    Examples
    --------
    >>> closest("lead_cnt", ["lead_count", "lead_cost", "brand_awareness"], k=2)
    ['lead_cost', 'lead_count']
    >>> closest("wieght", ["weight", "name"], max_distance=2)
    ['weight']
    """
    scored = sorted((edit_distance(name, c), c) for c in set(choices))
    return [c for d, c in scored if max_distance is None or d <= max_distance][:k]
