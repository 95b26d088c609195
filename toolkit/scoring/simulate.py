"""A seeded generator of a realistic year of actuals and 360 ratings for an engagement's employees.

Used by the tests, the notebooks and the calibration review when a client has no history yet. What makes it
realistic enough to review a scheme on:

* each employee has a latent performance level θ ~ N(0, 1); every indicator loads on it (ρ ≈ 0.6), plus a
  persistent employee × indicator effect and month-to-month noise — so indicators correlate, but not perfectly;
* one pair of indicators per role is made nearly redundant (they share an extra common factor), so the
  calibration review has a redundant pair to find;
* actuals spread around the target on the scale of the role's threshold-to-target gap (lower-is-better mirrored,
  counts Poisson, band indicators scattered on both sides of the target);
* ratings 1..levels from each rater group of the role; self-ratings run +0.4 high; one peer (``P-LENIENT``) rates
  +1 level high for everyone he rates — the lenient rater the review should flag;
* about ``missing_rate`` of the values are left empty, and some employees have no subordinate ratings.

Everything is drawn from one ``numpy.random.default_rng(seed)``: same seed, same file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit.model.safe_cells import write_csv
from toolkit.scheme.rulebook import EVENT_CYCLE

#: The generator's event calendar: one event a quarter, its result reported for the quarter. 按项目 itself has
#: no period (``EVENT_CYCLE``): a result counts in the period it is reported for, here in each period of the
#: role that the quarter covers, and a period without an event on record does not have the indicator due.
EVENT_REPORTED_FOR = "quarterly"

__all__ = ["cycle_periods", "simulate_actuals", "simulate_employees", "write_sample_actuals"]

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉玲宇浩凯晨欣怡佳琪子轩梓涵雨婷思雅文博"


def cycle_periods(cycle: str, year: int) -> list[str]:
    """Period labels of one cycle in one year (per-event results: the generator's ``EVENT_REPORTED_FOR``).

    The simulated file uses the same labels a user's file would, so it is read and scored the same way.

    Examples
    --------
    >>> cycle_periods("quarterly", 2027), cycle_periods("half_year", 2027), cycle_periods("annual", 2027)
    (['2027-Q1', '2027-Q2', '2027-Q3', '2027-Q4'], ['2027-H1', '2027-H2'], ['2027'])
    >>> cycle_periods("monthly", 2027)[-1], cycle_periods("per_event", 2027) == cycle_periods("quarterly", 2027)
    ('2027-12', True)
    """
    if cycle == "monthly":
        return [f"{year}-{m:02d}" for m in range(1, 13)]
    if cycle == EVENT_CYCLE:
        return cycle_periods(EVENT_REPORTED_FOR, year)
    if cycle == "quarterly":
        return [f"{year}-Q{q}" for q in range(1, 5)]
    if cycle == "half_year":
        return [f"{year}-H1", f"{year}-H2"]
    return [str(year)]


def simulate_employees(eng: Any, seed: int = 2026) -> list[Any]:
    """Employees for each role's headcount (ids E001…, Chinese names, pay data), when the engagement has none.

    A scheme can then be reviewed (scores, grades, pay cost) before the client has sent a staff list.

    Examples
    --------
    >>> from toolkit.model.schema import Engagement
    >>> eng = Engagement.model_validate({"client": {"name": "甲", "size": "small", "marketing_headcount": 6},
    ...     "roles": [{"id": "r", "name": "专员", "role_type": "content", "headcount": 2}]})
    >>> staff = simulate_employees(eng, seed=1)
    >>> [(e.id, e.role, e.salary, e.base_pay) for e in staff]
    [('E001', 'r', 15900.0, 4800.0), ('E002', 'r', 12900.0, 3900.0)]
    >>> [e.name for e in staff] == [e.name for e in simulate_employees(eng, seed=1)]   # same seed, same people
    True
    """
    from toolkit.model.schema import Employee

    rng = np.random.default_rng(seed)
    out = []
    k = 0
    for role in eng.roles:
        mid = float(rng.choice([9000, 11000, 13000, 16000, 20000]))
        for _ in range(role.headcount):
            k += 1
            name = rng.choice(list(_SURNAMES)) + "".join(rng.choice(list(_GIVEN), size=rng.integers(1, 3)))
            salary = round(mid * float(rng.uniform(0.8, 1.25)), -2)
            out.append(Employee(id=f"E{k:03d}", name=str(name), role=role.id, group="default",
                                base_pay=round(salary * 0.3, -2), salary=salary, salary_midpoint=mid))
    return out


def _spread(ri: Any) -> float:
    """The scale of normal variation of an indicator's actual: about the threshold-to-target gap."""
    g, t, x = ri.target, ri.threshold, ri.stretch
    if g is not None and t is not None and t != g:
        return abs(g - t)
    if g is not None and x is not None and x != g:
        return abs(x - g) / 1.5
    return abs(g) * 0.1 if g else 1.0


def simulate_actuals(eng: Any, year: int = 2026, seed: int = 2026, missing_rate: float = 0.03,
                     scheme: Any = None) -> pd.DataFrame:
    """A long ACTUALS frame (the README's ACTUALS layout) for every employee of ``eng`` over ``year``.

    Quantitative indicators get an ``actual`` per period of their cycle; rated indicators get one row per rater
    with ``rater_kind``, ``rater`` and ``rating``. Empty strings mark missing values, as a user's file would.
    A seeded year lets the calibration review run before the client has any history.

    Examples
    --------
    >>> from toolkit.model.schema import Engagement
    >>> eng = Engagement.model_validate({"client": {"name": "甲", "size": "small", "marketing_headcount": 6},
    ...     "roles": [{"id": "r", "name": "专员", "role_type": "content", "headcount": 2, "indicators": [
    ...         {"id": "ctr", "weight": 60, "threshold": 1.5, "target": 2, "stretch": 2.5},
    ...         {"id": "content_quality", "weight": 40, "target": 4}]}]})
    >>> a = simulate_actuals(eng, year=2026, seed=1)
    >>> a.iloc[0].tolist()
    ['E001', 'r', 'ctr', '2026-01', '2.13', '', '', '']
    >>> a.groupby(["indicator", "rater_kind"]).size().to_dict()   # 2 people × 12 months, rated by 2 groups
    {('content_quality', 'self'): 24, ('content_quality', 'supervisor'): 24, ('ctr', ''): 24}
    >>> a.equals(simulate_actuals(eng, year=2026, seed=1))
    True
    """
    from toolkit.scheme.resolve import resolve_scheme

    rng = np.random.default_rng(seed)
    scheme = scheme or resolve_scheme(eng)
    employees = list(eng.employees) or simulate_employees(eng, seed)
    theta = {e.id: float(rng.normal()) for e in employees}
    by_role: dict[str, list[Any]] = {}
    for e in employees:
        by_role.setdefault(e.role, []).append(e)
    rows: list[dict[str, Any]] = []
    for rs in scheme.roles:
        staff = by_role.get(rs.role.id, [])
        if not staff:
            continue
        quant = [ri for ri in rs.indicators if ri.rule.type != "rating"]
        twin = {quant[0].id, quant[1].id} if len(quant) >= 2 else set()  # the redundant pair
        groups = rs.role.raters or eng.raters
        n = len(staff)
        th = np.array([theta[e.id] for e in staff])
        shared = rng.normal(size=n)
        for ri in rs.indicators:
            periods = cycle_periods(ri.cycle, year)
            m = len(periods)
            persist = rng.normal(size=(n, 1))
            common = shared[:, None] * (1.2 if ri.id in twin else 0.0)
            z = 0.6 * th[:, None] + 0.35 * persist + common + 0.35 * rng.normal(size=(n, m))
            if ri.rule.type == "rating":
                levels = ri.rule.levels
                for kind in [g.kind for g in groups]:
                    raters = _raters(kind, staff, rs.role.id, rng)
                    for i, e in enumerate(staff):
                        if kind == "subordinate" and rng.random() < 0.5:
                            continue  # no direct reports: the group is missing, weights re-normalised
                        for rater in raters[i]:
                            bias = 0.4 if kind == "self" else (1.0 if rater == "P-LENIENT" else 0.0)
                            r = np.clip(np.round(3.2 + 0.8 * z[i] + bias + 0.4 * rng.normal(size=m)), 1, levels)
                            for p, val in zip(periods, r):
                                miss = rng.random() < missing_rate
                                rows.append({"employee": e.id, "role": rs.role.id, "indicator": ri.id,
                                             "period": p, "actual": "", "rating": "" if miss else int(val),
                                             "rater_kind": kind, "rater": rater})
                continue
            values = _actuals(ri, z, rng)
            for i, e in enumerate(staff):
                for j, p in enumerate(periods):
                    v = values[i, j]
                    miss = rng.random() < missing_rate
                    rows.append({"employee": e.id, "role": rs.role.id, "indicator": ri.id, "period": p,
                                 "actual": "" if miss else _fmt(v), "rating": "", "rater_kind": "", "rater": ""})
    return pd.DataFrame(rows, columns=["employee", "role", "indicator", "period", "actual", "rating", "rater_kind",
                                       "rater"])


def _fmt(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _raters(kind: str, staff: list[Any], role: str, rng: np.random.Generator) -> list[list[str]]:
    n = len(staff)
    if kind == "self":
        return [[e.id] for e in staff]
    if kind == "supervisor":
        return [[f"SUP-{role}"] for _ in staff]
    if kind == "peer":
        pool = ["P-LENIENT"] + [f"P-{role}-{k}" for k in range(1, 4)]
        return [list(rng.choice(pool, size=2, replace=False)) for _ in range(n)]
    return [[f"{kind[:3].upper()}-{role}-{k}" for k in range(1, 3)] for _ in range(n)]


def _actuals(ri: Any, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    kind, g, d = ri.rule.type, ri.target, _spread(ri)
    if kind == "veto":
        return rng.poisson(np.where(z < -1.8, 0.3, 0.01)).astype(float)
    if kind == "bonus":
        return rng.poisson(np.clip(0.1 + 0.15 * z, 0.02, None)).astype(float)
    if kind == "deduction" and not ri.rule.relative and (g or 0) <= 1:
        return rng.poisson(np.clip(0.6 - 0.4 * z, 0.05, None)).astype(float)
    if g is None:
        return 10 + 3 * z
    if ri.direction == "lower":
        v = g - d * (0.65 * z + 0.05)
        return np.maximum(v, 0.05 * abs(g))
    if ri.direction == "band":
        return g + 0.5 * d * z  # scattered on both sides of the target
    v = g + d * (0.65 * z + 0.05)
    return np.maximum(v, 0.0)


def write_sample_actuals(sample_dir: str | Path, year: int = 2026, seed: int = 2026) -> Path:
    """Write ``<sample_dir>/actuals_<year>.csv`` (UTF-8 with BOM so Excel opens the Chinese correctly).

    This is how the shipped sample actuals are made, so they can be regenerated from the engagement file alone.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from toolkit.model.paths import samples_dir
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = shutil.copy(samples_dir() / "midsize_company" / "engagement.yaml", d)
    ...     out = write_sample_actuals(d, year=2027, seed=1)
    ...     print(out.name, out.read_bytes()[:3], out.read_text(encoding="utf-8-sig").splitlines()[0])
    actuals_2027.csv b'\\xef\\xbb\\xbf' employee,role,indicator,period,actual,rating,rater_kind,rater
    """
    from toolkit.model.engagement import load_engagement

    sample_dir = Path(sample_dir)
    eng = load_engagement(sample_dir / "engagement.yaml")
    df = simulate_actuals(eng, year=year, seed=seed)
    out = sample_dir / f"actuals_{year}.csv"
    return write_csv(out, df)
