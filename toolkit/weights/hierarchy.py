"""Hierarchies of criteria (定量/定性 → categories → indicators) and a role's final whole-percent weights.

Why: an appraisal form needs weights in whole percent that sum to exactly 100, respect the role's quantitative
share band and give every indicator at least 5%; AHP gives real-valued priorities. :func:`role_weights` is the one
place where that conversion happens, so documents, forms, notebooks and the workshop all show the same numbers.

Examples
--------
>>> import pandas as pd
>>> allocate_percent(pd.Series({"a": 0.62, "b": 0.35, "c": 0.03})).to_dict()
{'a': 61, 'b': 34, 'c': 5}
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit.model.errors import InputError
from toolkit.model.messages import t
from toolkit.weights.analysis import AHPResult, analyse
from toolkit.weights.group import GroupResult, group_analyse
from toolkit.weights.judgments import judgment_set

__all__ = ["BandOverride", "HNode", "HierarchyResult", "RoleWeights", "allocate_percent", "role_weights", "synthesise"]


@dataclass(frozen=True)
class HNode:
    """A node of the hierarchy. ``judgments`` compare its children (any input :func:`toolkit.weights.analysis.analyse`
    takes, named by the children's names); ``None`` gives the children equal local weights."""

    name: str
    children: tuple[HNode, ...] = ()
    judgments: Any = None
    label: str | None = None

    @property
    def leaf(self) -> bool:
        """True for a node without children (an indicator).

        Examples
        --------
        >>> HNode("线索量").leaf, HNode("定量", (HNode("线索量"),)).leaf
        (True, False)
        """
        return not self.children


@dataclass
class HierarchyResult:
    """Local and global weights of every node (``table``) and the AHP result of every judged parent."""

    table: pd.DataFrame
    nodes: dict[str, AHPResult] = field(default_factory=dict)

    def leaves(self) -> pd.Series:
        """Global weights of the leaves (sum to 1), in tree order.

        Examples
        --------
        >>> root = HNode("目标", (HNode("定量", (HNode("线索量"), HNode("ROI"))), HNode("定性")), [("定量", "定性", 3)])
        >>> synthesise(root).leaves().to_dict()
        {'线索量': 0.375, 'ROI': 0.375, '定性': 0.25}
        """
        leaf = self.table[self.table["leaf"]]
        return pd.Series(leaf["global"].to_numpy(), index=leaf["name"].to_list(), name="global")

    @property
    def consistent(self) -> bool:
        """True when every judged node of the tree passes its CR threshold.

        Examples
        --------
        >>> synthesise(HNode("目标", (HNode("a"), HNode("b")), [("a", "b", 3)])).consistent
        True
        """
        return all(r.consistent for r in self.nodes.values())


def _local(node: HNode, method: str, ri: str, path: str) -> tuple[np.ndarray, AHPResult | None]:
    names = [c.name for c in node.children]
    if len(set(names)) != len(names):
        dup = sorted({x for x in names if names.count(x) > 1})
        raise InputError(t("ahp.duplicate_element", name=t("ahp.list_sep").join(dup)), location=path)
    if node.judgments is None or len(names) == 1:
        return np.full(len(names), 1.0 / len(names)), None
    j = node.judgments
    if isinstance(j, np.ndarray):
        res = analyse(j, names=names, method=method, ri=ri, top=5)  # type: ignore[arg-type]
    else:
        js = judgment_set(j, elements=names, source=path)
        res = analyse(js, method=method, ri=ri, top=5)  # type: ignore[arg-type]
    return res.weights.reindex(names).to_numpy(), res


def synthesise(root: HNode, *, method: str = "eigen", ri: str = "saaty2005") -> HierarchyResult:
    """Local weights at each parent and global weights (the product of local weights down the path).

    Distributive synthesis: the global weights of the leaves sum to 1.

    Examples
    --------
    >>> root = HNode("目标", (HNode("定量", (HNode("线索量"), HNode("ROI")), [("线索量", "ROI", 3)]), HNode("定性")),
    ...              [("定量", "定性", 3)])
    >>> synthesise(root).table[["name", "local", "global"]].round(4).values.tolist()
    [['定量', 0.75, 0.75], ['线索量', 0.75, 0.5625], ['ROI', 0.25, 0.1875], ['定性', 0.25, 0.25]]
    """
    rows: list[dict[str, Any]] = []
    nodes: dict[str, AHPResult] = {}

    def walk(node: HNode, path: str, level: int, glob: float) -> None:
        if node.leaf:
            return
        local, res = _local(node, method, ri, path)
        if res is not None:
            nodes[path] = res
        for c, lw in zip(node.children, local):
            cpath = f"{path}/{c.name}"
            rows.append({"path": cpath, "level": level + 1, "parent": node.name, "name": c.name,
                         "label": c.label or c.name, "local": float(lw), "global": float(glob * lw),
                         "leaf": c.leaf})
            walk(c, cpath, level + 1, glob * lw)

    walk(root, root.name, 0, 1.0)
    return HierarchyResult(table=pd.DataFrame(rows, columns=["path", "level", "parent", "name", "label", "local",
                                                             "global", "leaf"]), nodes=nodes)


# ============================================================================================ whole percent
def _largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Integers summing to ``total`` nearest to ``values`` (which sum to ``total``): floors, then +1 by remainder."""
    v = np.round(np.asarray(values, dtype=float), 9)
    floors = np.floor(v).astype(int)
    rest = int(total - floors.sum())
    if rest > 0:
        order = np.argsort(-(v - floors), kind="stable")
        floors[order[:rest]] += 1
    elif rest < 0:
        order = np.argsort(v - floors, kind="stable")
        floors[order[:-rest]] -= 1
    return floors


def _floor_fill(w: np.ndarray, total: float, floor: float) -> np.ndarray:
    """Scale ``w`` to ``total`` with no entry below ``floor``: entries under it are raised to it and the others
    shrink proportionally (water-filling; stops after at most len(w) rounds)."""
    w = np.asarray(w, dtype=float)
    out = w / w.sum() * total
    fixed = np.zeros(len(w), dtype=bool)
    for _ in range(len(w)):
        low = (out < floor - 1e-12) & ~fixed
        if not low.any():
            break
        fixed |= low
        free = ~fixed
        rest = total - floor * fixed.sum()
        out = np.where(fixed, floor, w / w[free].sum() * rest if free.any() else 0.0)
    return out


def allocate_percent(weights: pd.Series | Mapping[str, float], *, min_pct: float = 5,
                     quantitative: pd.Series | Mapping[str, bool] | None = None,
                     band: tuple[float, float] | None = None, total: int = 100,
                     notes: list[str] | None = None, adjusted: dict[str, float] | None = None) -> pd.Series:
    """Whole-percent weights summing to exactly ``total`` that keep the AHP proportions as far as the rules allow.

    1. the quantitative share is moved to the nearest edge of ``band`` if outside it (both groups rescaled
       proportionally), 2. no weight below ``min_pct`` (raised, the rest of its group shrinks proportionally),
    3. largest-remainder rounding, first of the two group totals (kept inside the band), then inside each group.
    Each adjustment made is appended to ``notes`` as a sentence for the document; ``adjusted`` (when given) receives
    each weight after steps 1–2, the number that the rounding turns into a whole percent.

    Examples
    --------
    >>> import pandas as pd
    >>> allocate_percent(pd.Series({"a": 0.5, "b": 0.3, "c": 0.2}), quantitative={"a": True, "b": False, "c": False},
    ...                  band=(0.6, 0.7)).to_dict()
    {'a': 60, 'b': 24, 'c': 16}
    """
    w = pd.Series(weights, dtype=float)
    if w.empty:
        return pd.Series(dtype=int)
    if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise InputError(t("hier.bad_weights"), hint=t("hier.bad_weights.hint"))
    n = len(w)
    if min_pct * n > total + 1e-9:
        raise InputError(t("hier.min_infeasible", n=n, min=min_pct, total=total),
                         hint=t("hier.min_infeasible.hint", max=int(total // min_pct)))
    w = w / w.sum() * total
    q = pd.Series(False, index=w.index) if quantitative is None else pd.Series(quantitative).reindex(w.index)
    if q.isna().any():
        raise InputError(t("hier.quant_unknown", ids=t("ahp.list_sep").join(map(str, q.index[q.isna()]))))
    q = q.astype(bool)
    groups = [q.to_numpy(), ~q.to_numpy()]
    share = float(w[q].sum()) / total
    target = share
    if band is not None and q.any() and (~q).any():
        lo, hi = band
        # the floor per indicator limits how far a group can shrink
        lo_eff = max(lo, min_pct * q.sum() / total)
        hi_eff = min(hi, 1 - min_pct * (~q).sum() / total)
        if lo_eff > hi_eff + 1e-12:
            raise InputError(t("hier.band_infeasible", lo=f"{lo:.0%}", hi=f"{hi:.0%}", min=min_pct),
                             hint=t("hier.band_infeasible.hint"))
        target = min(max(share, lo_eff), hi_eff)
        if abs(target - share) > 1e-12 and notes is not None:
            notes.append(t("hier.note_band", share=f"{share:.1%}", target=f"{target:.0%}", lo=f"{lo:.0%}",
                           hi=f"{hi:.0%}"))
    elif band is not None and notes is not None and (q.all() or (~q).all()):
        notes.append(t("hier.note_band_one_group"))
    if band is not None and q.any() and (~q).any():
        gq = _largest_remainder(np.array([target * total, (1 - target) * total]), total)
        lo_i, hi_i = math.ceil(band[0] * total - 1e-9), math.floor(band[1] * total + 1e-9)
        gq[0] = min(max(gq[0], lo_i), hi_i)
        gq[1] = total - gq[0]
    else:  # no band to keep: one group, so the floor and the rounding act on all weights together
        groups = [np.ones(n, dtype=bool)]
        gq = np.array([total])
    out = pd.Series(0, index=w.index, dtype=int)
    raised = []
    for g, gt in zip(groups, gq):
        if not g.any():
            continue
        vals = w[g].to_numpy()
        filled = _floor_fill(vals, float(gt), float(min_pct))
        if adjusted is not None:
            adjusted.update(zip(w.index[g], map(float, filled)))
        raised += [i for i, a, b in zip(w.index[g], vals / vals.sum() * gt, filled) if b > a + 1e-9]
        out[g] = _largest_remainder(filled, int(gt))
    if raised and notes is not None:
        notes.append(t("hier.note_min", ids=t("ahp.list_sep").join(map(str, raised)), min=min_pct))
    return out


# ============================================================================================ role weights
@dataclass(frozen=True)
class BandOverride:
    """The role's quantitative share band moved (or, with ``advise``, would move) the AHP weights.

    ``before``: whole percent from the AHP weights without the band (minimum and rounding applied); ``after``:
    with the band. ``mode`` is the engagement's choice (``weighting.band``): ``"enforce"``, ``"advise"``, or
    None when nobody chose (enforced, and ``appraisal check`` warns so that the consultant decides).
    """

    band: tuple[float, float]
    share_before: float
    share_after: float
    before: dict[str, int]
    after: dict[str, int]
    mode: str | None

    @property
    def applied(self) -> bool:
        """True when the percent in use are ``after`` (the band was enforced).

        Examples
        --------
        >>> BandOverride((0.6, 0.7), 0.5, 0.6, {"a": 50}, {"a": 60}, "advise").applied
        False
        """
        return self.mode != "advise"


@dataclass
class RoleWeights:
    """A role's final weights: whole percent (``percent``) and how they were obtained (``table``, ``ahp``)."""

    role_id: str
    percent: dict[str, int]
    table: pd.DataFrame
    ahp: AHPResult | GroupResult
    band: tuple[float, float] | None
    quant_share: float
    notes: list[str]
    band_override: BandOverride | None = None

    @property
    def consistent(self) -> bool:
        """The role's AHP judgments (the group aggregate for several participants) pass their threshold.

        Examples
        --------
        >>> import pandas as pd
        >>> r = analyse([("a", "b", 2)])
        >>> RoleWeights("r", {"a": 67, "b": 33}, pd.DataFrame(), r, None, 0.0, []).consistent
        True
        """
        res = self.ahp.aggregate if isinstance(self.ahp, GroupResult) else self.ahp
        return res.consistent


def _band_for(role: Any) -> tuple[float, float] | None:
    if role.quant_share:
        return tuple(role.quant_share)  # type: ignore[return-value]
    if role.preset:
        try:
            from toolkit.model.catalogue import load_presets

            preset = load_presets().get(role.preset)
        except Exception:  # noqa: BLE001 - presets are optional here: no band then
            return None
        return tuple(preset.quant_share) if preset else None  # type: ignore[return-value]
    return None


def role_weights(role: Any, catalogue: Mapping[str, Any] | None = None, *, method: str = "eigen",
                 ri: str = "saaty2005", min_pct: float = 5, band: tuple[float, float] | None = None,
                 lang: str | None = None) -> RoleWeights:
    """Final whole-percent weights of a role whose ``weighting.judgments`` compare its indicator ids.

    Several participants (``judgment.participant`` set) are aggregated by ``role.weighting.aggregation`` (AIJ or
    AIP) with the weights of ``role.weighting.participants``. Then :func:`allocate_percent` applies the role's
    quantitative share band (``role.quant_share``, else its preset's), the minimum per indicator and
    sum-exact rounding. ``catalogue`` (id → :class:`toolkit.model.indicators.Indicator`) says which indicators are
    quantitative; by default the project catalogue is loaded.

    Examples
    --------
    >>> from toolkit.model.catalogue import load_catalogue
    >>> from toolkit.model.schema import Judgment, Role, RoleIndicator, Weighting
    >>> cat = load_catalogue()
    >>> q = [i for i, ind in cat.items() if ind.quantitative][:2]
    >>> role = Role(id="r", name="专员", role_type="sales", indicators=[RoleIndicator(id=i) for i in q],
    ...             weighting=Weighting(method="ahp", judgments=[Judgment(a=q[0], b=q[1], value=3)]))
    >>> sorted(role_weights(role, cat).percent.values())
    [25, 75]
    """
    if catalogue is None:
        from toolkit.model.catalogue import load_catalogue

        catalogue = load_catalogue()
    ids = [ri_.id for ri_ in role.indicators]
    base = f"roles[{role.id}].weighting"
    unknown = [i for i in ids if i not in catalogue]
    if unknown:
        raise InputError(t("ref.unknown_indicator", id=unknown[0]), location=f"roles[{role.id}].indicators")
    judgments = list(role.weighting.judgments)
    if not ids:
        raise InputError(t("hier.no_indicators"), location=f"roles[{role.id}].indicators")
    if not judgments and len(ids) > 1:
        raise InputError(t("ahp.no_judgments"), location=f"{base}.judgments", hint=t("hier.no_judgments.hint"))
    for k, j in enumerate(judgments):
        for side in (j.a, j.b):
            if side not in ids:
                raise InputError(t("ref.judgment_element", id=side), location=f"{base}.judgments[{k}]",
                                 hint=t("ahp.unknown_element.hint", known=t("ahp.list_sep").join(ids)))
    if len(ids) == 1:
        js_res = analyse(np.ones((1, 1)), names=ids)
    else:
        js = judgment_set(judgments, elements=ids, source=f"{base}.judgments")
        if any(p for p in js.participants):
            pw = {p.name: p.weight for p in role.weighting.participants}
            js_res = group_analyse(js, weights={k: v for k, v in pw.items() if k in js.participants} or None,
                                   aggregation=role.weighting.aggregation, method=method, ri=ri)  # type: ignore
        else:
            js_res = analyse(js, method=method, ri=ri)  # type: ignore[arg-type]
    w = js_res.weights.reindex(ids)
    quant = pd.Series({i: bool(catalogue[i].quantitative) for i in ids})
    band = band if band is not None else _band_for(role)
    mode = getattr(role.weighting, "band", None)
    notes: list[str] = []
    adjusted: dict[str, float] = {}
    free_notes: list[str] = []
    free_adj: dict[str, float] = {}
    free = allocate_percent(w, min_pct=min_pct, quantitative=quant, band=None, notes=free_notes, adjusted=free_adj)
    override = None
    if band is not None:
        banded_notes: list[str] = []
        banded_adj: dict[str, float] = {}
        banded = allocate_percent(w, min_pct=min_pct, quantitative=quant, band=band, notes=banded_notes,
                                  adjusted=banded_adj)
        ahp_share = float(w[quant.to_numpy()].sum() / w.sum())
        outside = ahp_share < band[0] - 1e-9 or ahp_share > band[1] + 1e-9   # rounding alone is no override
        if outside and quant.any() and (~quant).any() and not banded.equals(free):
            override = BandOverride(band=tuple(band), share_before=float(free[quant].sum()) / 100,  # type: ignore
                                    share_after=float(banded[quant].sum()) / 100,
                                    before={str(k): int(v) for k, v in free.items()},
                                    after={str(k): int(v) for k, v in banded.items()}, mode=mode)
        if mode == "advise":
            pct, notes, adjusted = free, free_notes, free_adj
        else:
            pct, notes, adjusted = banded, banded_notes, banded_adj
    else:
        pct, notes, adjusted = free, free_notes, free_adj
    from toolkit.model.catalogue import indicator_name

    table = pd.DataFrame({
        "id": ids,
        "name": [indicator_name(catalogue[i], lang) for i in ids],
        "quantitative": quant.to_numpy(),
        "ahp": w.to_numpy(),
        "adjusted": [adjusted[i] for i in ids],  # percent after band and minimum, before whole-percent rounding
        "percent": pct.reindex(ids).to_numpy(),
    })
    share = float(table.loc[table["quantitative"], "percent"].sum()) / 100.0
    return RoleWeights(role_id=role.id, percent={i: int(v) for i, v in zip(ids, table["percent"])}, table=table,
                       ahp=js_res, band=band, quant_share=share, notes=notes, band_override=override)
