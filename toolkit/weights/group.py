"""Group judgments: weighted geometric-mean aggregation (AIJ) or aggregation of priorities (AIP), each
participant's own result, and the consensus indicator.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from toolkit.model.errors import InputError
from toolkit.model.messages import t
from toolkit.weights.analysis import AHPResult, analyse, analyse_matrix, connected_groups
from toolkit.weights.consistency import RITable, cr_threshold
from toolkit.weights.judgments import judgment_set
from toolkit.weights.scale import Method, located

__all__ = [
    "GroupResult",
    "aggregate_judgments",
    "consensus",
    "group_analyse",
]


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
                         location=located(js.source, "participants[" + parts[int(lam.argmin())] + "]"),
                         hint=t("ahp.bad_participant_weight.hint"))
    stack = js.stack()
    n = js.n
    rows, ind = [], []
    limit = None if cr_limit is None else float(cr_limit)
    for k, p in enumerate(parts):
        A = stack[k]
        groups = connected_groups(A)
        if len(groups) > 1:
            cr, wv, ok = float("nan"), np.full(n, np.nan), False
        else:
            r = analyse_matrix(A, js.elements, method, ri, 0, located(js.source, t("ahp.loc.participant", name=p)))
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
