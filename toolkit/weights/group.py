"""Group judgments: weighted geometric-mean aggregation (AIJ) or aggregation of priorities (AIP), each
participant's own result, and the consensus indicator.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    "CONSENSUS_SCALE",
    "GroupResult",
    "aggregate_judgments",
    "cluster_judges",
    "consensus",
    "consensus_label",
    "group_analyse",
    "similarity_matrix",
]


# ============================================================================================ groups
def aggregate_judgments(matrices: np.ndarray, weights: Sequence[float] | None = None) -> np.ndarray:
    """Weighted geometric mean of a (k, n, n) stack, cell by cell, skipping NaN (unjudged) cells.

    The geometric mean is the only aggregation that keeps the result reciprocal (Aczél & Saaty 1983): the
    arithmetic mean of 2, 3, 4 is 3 but that of their reciprocals is 13/36, not 1/3. A pair nobody judged stays NaN.

    Examples
    --------
    >>> import numpy as np
    >>> G = aggregate_judgments(np.array([[[1, 2], [1/2, 1]], [[1, 8], [1/8, 1]]]))
    >>> G.round(6).tolist()
    [[1.0, 4.0], [0.25, 1.0]]
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
    """Group AHP: the aggregate, each participant's own consistency and help, and how much they agree.

    ``judges`` holds each connected participant's own analysis (their weights, CR and their *own* most
    inconsistent judgments — cells they entered, not averaged cells nobody entered); ``repairs`` the minimal
    repair plan of every participant above the threshold. ``flagged`` lists the included participants above the
    threshold: the aggregate may pass while one of them does not, and that must not pass silently.
    """

    aggregate: AHPResult
    weights: pd.Series
    aggregation: str
    participants: pd.DataFrame
    individual: pd.DataFrame
    consensus: float
    disagreement: pd.DataFrame
    judges: dict[str, AHPResult] = field(default_factory=dict)
    repairs: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged(self) -> list[str]:
        """Included participants whose own CR is above the threshold (connected ones only).

        Examples
        --------
        >>> g = group_analyse([("a", "b", 2, "甲"), ("b", "c", 2, "甲"), ("a", "c", 4, "甲"),
        ...                    ("a", "b", 2, "乙"), ("b", "c", 2, "乙"), ("a", "c", "1/4", "乙")])
        >>> g.flagged
        ['乙']
        """
        p = self.participants
        return [str(x) for x in p.loc[p["included"] & p["connected"] & ~p["consistent"], "participant"]]

    @property
    def consistent(self) -> bool:
        """The aggregate passes and no included participant is above the threshold.

        Examples
        --------
        >>> group_analyse([("a", "b", 3, "甲"), ("a", "b", 2, "乙")]).consistent
        True
        """
        return bool(self.aggregate.consistent and not self.flagged)

    @property
    def consensus_label(self) -> str:
        """AHP-OS's word for :attr:`consensus` (very low … very high), in the current language.

        Examples
        --------
        >>> from toolkit.model.messages import language
        >>> with language("en"):
        ...     group_analyse([("a", "b", 3, "甲"), ("a", "b", 3, "乙")]).consensus_label
        'very high'
        """
        return consensus_label(self.consensus)

    def clusters(self, threshold: float = 0.8) -> list[list[str]]:
        """Sub-groups of agreeing participants (:func:`cluster_judges` over the included, connected ones).

        Examples
        --------
        >>> g = group_analyse([("a", "b", 3, "甲"), ("a", "b", 3, "乙"), ("a", "b", "1/3", "丙")])
        >>> g.clusters()
        [['甲', '乙'], ['丙']]
        """
        p = self.participants
        use = list(p.loc[p["included"] & p["connected"], "participant"])
        return cluster_judges(self.individual.loc[use].to_numpy(), use, threshold=threshold)

    def to_dict(self, top: int | None = 5) -> dict[str, Any]:
        """The ``appraisal ahp --json`` object of a group file: the aggregate plus each participant and help.

        Examples
        --------
        >>> g = group_analyse([("a", "b", 3, "甲"), ("a", "b", 2, "乙")])
        >>> sorted(g.to_dict())[:4], g.to_dict()["flagged"]
        (['aggregation', 'ci', 'consensus', 'consensus_label'], [])
        """
        d = self.aggregate.to_dict(top)
        d["weights"] = {k: float(v) for k, v in self.weights.items()}
        d["aggregation"] = self.aggregation
        d["consensus"] = None if self.consensus != self.consensus else float(self.consensus)
        d["consensus_label"] = self.consensus_label
        d["flagged"] = self.flagged
        d["participants"] = []
        for r in self.participants.itertuples():
            row: dict[str, Any] = {
                "participant": r.participant, "weight": float(r.weight), "cr": None if pd.isna(r.cr) else float(r.cr),
                "consistent": bool(r.consistent), "connected": bool(r.connected), "included": bool(r.included)}
            own = self.judges.get(r.participant)
            if own is not None:
                row["most_inconsistent"] = own.to_dict(top)["most_inconsistent"]
            plan = self.repairs.get(r.participant)
            if plan is not None:
                row["repair"] = {"changes": [{"a": c.a, "b": c.b, "original": c.original, "proposed": c.proposed,
                                              "cr_after": c.cr_after} for c in plan.changes],
                                 "cr_after": plan.cr_after, "reaches_threshold": plan.reaches_threshold,
                                 "proven_minimal": plan.proven_minimal}
            d["participants"].append(row)
        return d


#: AHP-OS verbal scale of the consensus S* (Goepel, bpmsg.com "AHP consensus word scale", from 140 nodes of 35
#: group projects): upper bounds of very low, low, moderate, high; above is very high.
CONSENSUS_SCALE: tuple[tuple[float, str], ...] = ((0.5, "very_low"), (0.625, "low"), (0.75, "moderate"),
                                                    (0.875, "high"), (math.inf, "very_high"))


def _entropy(P: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.nansum(np.where(P > 0, P * np.log(P), 0.0), axis=-1)


def consensus(P: np.ndarray, lam: np.ndarray | None = None, *, scale_max: float = 9.0) -> float:
    """AHP-OS consensus S* of priority vectors ``P`` (participants × elements), 0 = none, 1 = identical.

    Goepel's definition, as AHP-OS computes it (``AhpGroup::getConsensus``): Shannon α entropy H_α (the mean of
    the individual entropies), γ entropy H_γ (of the mean priority vector), D_β = exp(H_γ − H_α), and the
    correction c = exp(H_γ,max − H_α,min) with H_γ,max = ln n and H_α,min the entropy of a vector that rates one
    element ``scale_max`` times every other one (M/(n+M−1), 1/(n+M−1), …). S* = (1/D_β − 1/c)/(1 − 1/c): 0 when
    n participants each rate a different element 9× over the rest (AHP-OS's validation case), 1 for identical
    priorities. AHP-OS weighs participants equally; ``lam`` (participant weights) generalises the two means and
    changes nothing when the weights are equal.

    Examples
    --------
    >>> import numpy as np
    >>> e = np.full((3, 3), 1 / 11) + np.eye(3) * 8 / 11      # each rates a different element 9x
    >>> round(consensus(e), 12), consensus(np.tile([0.5, 0.3, 0.2], (4, 1)))
    (0.0, 1.0)
    """
    P = np.asarray(P, dtype=float)
    K, n = P.shape
    if K <= 1 or n <= 1:
        return 1.0
    lw = np.full(K, 1.0 / K) if lam is None else np.asarray(lam, dtype=float) / np.sum(lam)
    h_alpha = float((lw * _entropy(P)).sum())
    h_gamma = float(_entropy((lw[:, None] * P).sum(0)))
    M = float(scale_max)
    hi = np.array([M] + [1.0] * (n - 1)) / (n + M - 1)
    cor = math.exp(math.log(n) - float(_entropy(hi)))
    inv_db = math.exp(h_alpha - h_gamma)
    return float((inv_db - 1 / cor) / (1 - 1 / cor))


def consensus_label(s: float, lang: str | None = None) -> str:
    """AHP-OS's words for a consensus S*: < 0.5 very low, < 0.625 low, < 0.75 moderate, < 0.875 high, else very
    high, so that 0.85 is not read as "agreement" without saying how AHP-OS grades it.

    Examples
    --------
    >>> consensus_label(0.86, "en"), consensus_label(0.4, "zh")
    ('high', '很低')
    """
    if math.isnan(s):
        return "—"
    key = next(k for bound, k in CONSENSUS_SCALE if s < bound)
    return t(f"ahp.consensus.{key}", lang)


def similarity_matrix(P: np.ndarray, *, scale_max: float = 9.0) -> np.ndarray:
    """Pairwise S* of every two participants (AHP-OS ``AhpCluster::betaMatrix``), a symmetric K × K matrix.

    Examples
    --------
    >>> import numpy as np
    >>> S = similarity_matrix(np.array([[0.6, 0.3, 0.1], [0.6, 0.3, 0.1], [0.1, 0.3, 0.6]]))
    >>> S.round(3).tolist()[0]
    [1.0, 1.0, 0.542]
    """
    P = np.asarray(P, dtype=float)
    K = len(P)
    S = np.ones((K, K))
    for a in range(K):
        for b in range(a + 1, K):
            S[a, b] = S[b, a] = consensus(P[[a, b]], scale_max=scale_max)
    return S


def cluster_judges(P: np.ndarray, names: Sequence[str], *, threshold: float = 0.8,
                   scale_max: float = 9.0) -> list[list[str]]:
    """Sub-groups of participants whose priorities agree, as AHP-OS's group consensus cluster analysis does.

    The similarity of two participants is their pairwise S* (:func:`similarity_matrix`); repeatedly, the
    participant with the most others above ``threshold`` founds a cluster with them, and those are removed; what
    is left with nobody above the threshold comes last, one participant per list. Useful when one number of
    consensus hides two camps (e.g. brand vs sales).

    Examples
    --------
    >>> import numpy as np
    >>> P = np.array([[0.6, 0.3, 0.1], [0.62, 0.28, 0.1], [0.1, 0.3, 0.6], [0.12, 0.3, 0.58]])
    >>> cluster_judges(P, ["甲", "乙", "丙", "丁"])
    [['甲', '乙'], ['丙', '丁']]
    """
    S = similarity_matrix(P, scale_max=scale_max)
    left = list(range(len(names)))
    out: list[list[str]] = []
    while left:
        counts = [sum(S[i, j] > threshold for j in left) for i in left]
        best = int(np.argmax(counts))
        if counts[best] < 2:
            out += [[names[i]] for i in left]
            break
        i = left[best]
        members = [j for j in left if S[i, j] > threshold]
        out.append([names[j] for j in members])
        left = [j for j in left if j not in members]
    return out


def group_analyse(judgments: Any, *, weights: Mapping[str, float] | None = None,
                  aggregation: Literal["aij", "aip"] = "aij", method: Method = "eigen",
                  ri: RITable | str = "saaty2005", exclude_inconsistent: bool = False,
                  cr_limit: float | None = None, top: int | None = 5, exclude: Sequence[str] = (),
                  downweight: float | None = None, repair: bool = True) -> GroupResult:
    """Aggregate several participants' judgments (AIJ) or priorities (AIP), with participant weights.

    AIJ (default, the group as one "synergistic unit", Forman & Peniwati 1998): the weighted geometric mean of the
    judgments, then :func:`analyse`. AIP: the normalised weighted geometric mean of each participant's priorities;
    the ``aggregate`` then still describes the AIJ matrix (its consistency and diagnosis). Each participant's
    CR is reported; with ``exclude_inconsistent`` those above ``cr_limit`` (default: the size threshold) are
    left out of the aggregate but kept in the report; ``exclude`` leaves out the participants named;
    ``downweight`` (a factor in (0, 1]) multiplies the weight of every participant above the threshold instead.

    Per-judge help: ``judges`` has each participant's own analysis (their own worst judgments) and, with
    ``repair``, ``repairs`` the minimal repair plan of each participant above the threshold; ``flagged`` names
    the included ones above it. ``consensus`` is AHP-OS's S* of the included participants.

    Examples
    --------
    >>> rows = [("a", "b", 2, "甲"), ("b", "c", 2, "甲"), ("a", "c", 4, "甲"),
    ...         ("a", "b", 2, "乙"), ("b", "c", 2, "乙"), ("a", "c", "1/4", "乙")]
    >>> g = group_analyse(rows)
    >>> g.flagged, len(g.repairs["乙"].changes), round(g.repairs["乙"].cr_after, 9)   # one change fixes 乙
    (['乙'], 1, 0.0)
    >>> group_analyse(rows, exclude=["乙"]).weights.round(3).to_list()
    [0.571, 0.286, 0.143]
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
    judges: dict[str, AHPResult] = {}
    limit = None if cr_limit is None else float(cr_limit)
    for k, p in enumerate(parts):
        A = stack[k]
        groups = connected_groups(A)
        if len(groups) > 1:
            cr, wv, ok = float("nan"), np.full(n, np.nan), False
        else:
            r = analyse_matrix(A, js.elements, method, ri, top, located(js.source, t("ahp.loc.participant", name=p)))
            cr, wv = r.cr, r.weights.to_numpy()
            judges[p] = r
            ok = cr <= (r.threshold if limit is None else limit) + 1e-12 or n <= 2
        judged = int((~np.isnan(A[np.triu_indices(n, 1)])).sum())
        rows.append({"participant": p, "weight": lam[k], "judged": judged, "cr": cr,
                     "threshold": cr_threshold(n) if limit is None else limit, "consistent": bool(ok),
                     "connected": len(groups) == 1})
        ind.append(wv)
    table = pd.DataFrame(rows)
    unknown_ex = [p for p in exclude if p not in parts]
    if unknown_ex:
        raise InputError(t("ahp.unknown_participant", name=t("ahp.list_sep").join(unknown_ex)), location=js.source,
                         hint=t("ahp.unknown_participant.hint", known=t("ahp.list_sep").join(parts)))
    table["included"] = (table["consistent"] if exclude_inconsistent else True) & ~table["participant"].isin(
        list(exclude))
    if downweight is not None:
        if not 0 < float(downweight) <= 1:
            raise InputError(t("ahp.bad_downweight", value=downweight), location=js.source,
                             hint=t("ahp.bad_downweight.hint"))
        bad = (table["connected"] & ~table["consistent"]).to_numpy()
        lam = np.where(bad, lam * float(downweight), lam)
        table["weight"] = lam
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
    homogeneity = consensus(P) if usable.sum() > 0 else float("nan")   # AHP-OS: participants count equally
    repairs: dict[str, Any] = {}
    if repair:
        from toolkit.weights.diagnosis import repair_plan

        for row in table.itertuples():
            if row.connected and not row.consistent:
                repairs[row.participant] = repair_plan(judges[row.participant], method=method, ri=ri,
                                                       threshold=None if limit is None else limit)
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
                       individual=individual, consensus=homogeneity, disagreement=dis, judges=judges, repairs=repairs)
