"""Reading the cached random-index table of incomplete matrices (``ri_incomplete.json``, written by
:mod:`toolkit.weights.ri_simulation`): kept apart so that :mod:`toolkit.weights.consistency` can use the table
without importing the simulation, which itself needs the consistency module.

Examples
--------
>>> TABLE_PATH.name
'ri_incomplete.json'
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["TABLE_PATH", "load_table", "simulated_ratio"]

TABLE_PATH = Path(__file__).with_name("ri_incomplete.json")


@lru_cache(maxsize=1)
def load_table() -> dict[str, Any] | None:
    """The shipped table, read once (None when the file is absent).

    Examples
    --------
    >>> load_table()["seed"], load_table()["draws"]
    (20130613, 20000)
    """
    if not TABLE_PATH.exists():
        return None
    return json.loads(TABLE_PATH.read_text(encoding="utf-8"))


def simulated_ratio(n: int, missing: int) -> tuple[float, int, int] | None:
    """CI(n, m)/CI(n, 0) from the shipped table with its draws and seed, or None when not covered.

    Examples
    --------
    >>> ratio, draws, seed = simulated_ratio(8, 12)
    >>> bool(0.3 < ratio < 0.8), draws
    (True, 20000)
    """
    table = load_table()
    if table is None:
        return None
    row = table["ci"].get(str(n))
    if row is None or str(missing) not in row:
        return None
    base = row["0"]
    return (row[str(missing)] / base if base > 0 else math.nan), int(table["draws"]), int(table["seed"])
