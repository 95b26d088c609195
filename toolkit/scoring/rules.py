"""Scoring rules: one description per rule, two evaluators (numpy for the engine, Excel for the KPI forms).

Every rule is written once as a small expression tree (:func:`rule_expression`). :func:`apply_rule` evaluates the
tree over numpy arrays (vectorised: one array operation per node, no per-row Python), and :func:`excel_formula`
prints the same tree as an Excel/LibreOffice formula. Because both come from the same tree, a filled KPI form
recalculated by a spreadsheet gives exactly the engine's score (tested by recalculating with LibreOffice).

Conventions shared by all rules (``A`` actual, ``T`` 门槛值 threshold, ``G`` 目标值 target, ``X`` 挑战值 stretch):

* a missing actual (NaN in Python, an empty cell in Excel) gives a missing score (NaN / ``""``), never 0;
* ``direction="lower"`` (lower is better) mirrors a rule by negating ``A, T, G, X`` — so ``A < T`` reads
  "worse than the threshold" in both directions; ratio-type rules use ``G / A`` instead of ``A / G``;
* ``direction="band"`` (close to target is best) folds the actual around the target, ``A' = G − |A − G|``, so
  overshooting by 5 scores like undershooting by 5; the threshold is folded the same way and the score is
  capped at the target's score.

Formulas (higher is better; see each ``_expr_*`` function):

=========  ==================================================================================================
linear     ``A < T → score_below``; ``T ≤ A < G → sT + (A−T)/(G−T)·(sG−sT)``; ``G ≤ A < X → sG +
           (A−G)/(X−G)·(sX−sG)``; ``A ≥ X → sX`` (defaults 0/60/100/120; without a stretch: capped at sG)
ratio      ``clip(A/G·100, floor, cap)``; lower: ``clip(G/A·100, floor, cap)``, ``A ≤ 0 → cap``
band       ``max(floor, 100 − points_per_pct · max(0, |A−G|/|G|·100 − tolerance·100))``
steps      score of the highest step whose ``at`` the value reaches (value = ``A``, or ``A/G·100`` for
           ``basis="ratio"``), ``score_below`` under the first step
deduction  ``clip(base − points · shortfall / per, floor, cap)``, shortfall = ``max(0, (G−A)/|G|·100)`` (relative)
           or ``max(0, G−A)`` (absolute)
bonus      ``min(cap, max(0, A/per·points))`` — points added to the total, not weighted
veto       ``1`` when ``A > limit`` (``A < limit`` for higher-is-better), else ``0`` — a 1 sets the total to 0
rating     a level ``A`` in ``1..levels``; with a target level ``G``: like linear with ``T = G−1`` and
           ``X = min(G+1, levels)`` by default (``X = G`` → capped at sG), below ``T`` linear from score_min at
           level 1 to sT; without a target: ``score_max · A / levels`` (1–5: 20/40/60/80/100)
=========  ==================================================================================================

Examples
--------
>>> from toolkit.model.indicators import LinearRule
>>> apply_rule(LinearRule(), "higher", [80, 90, 100, 130], threshold=80, target=100, stretch=120).tolist()
[60.0, 80.0, 100.0, 120.0]
>>> excel_formula(LinearRule(), "higher", "D5", "E5", "F5", "G5")
'=IF(D5="","",IF(D5<E5,0,IF(D5<F5,60+(D5-E5)/(F5-E5)*40,IF(D5<G5,100+(D5-F5)/(G5-F5)*20,120))))'
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "WEIGHTED_RULES",
    "Expr",
    "apply_rule",
    "excel_formula",
    "excel_total_formula",
    "indicator_table",
    "needs_anchors",
    "rule_expression",
    "rule_range",
    "score_matrix",
    "score_values",
]

#: rules whose score enters the weighted total (bonus points are added, veto flags zero the total)
WEIGHTED_RULES = frozenset({"linear", "ratio", "band", "steps", "deduction", "rating"})


# --------------------------------------------------------------------------------------------- expression tree
@dataclass(frozen=True)
class Expr:
    """A node of a rule's formula: ``op`` with ``args`` (numbers, variable names or other nodes)."""

    op: str
    args: tuple[Any, ...]

    # arithmetic sugar so rules read like their formulas
    def __add__(self, o: Any) -> Expr: return Expr("+", (self, o))
    def __radd__(self, o: Any) -> Expr: return Expr("+", (o, self))
    def __sub__(self, o: Any) -> Expr: return Expr("-", (self, o))
    def __rsub__(self, o: Any) -> Expr: return Expr("-", (o, self))
    def __mul__(self, o: Any) -> Expr: return Expr("*", (self, o))
    def __rmul__(self, o: Any) -> Expr: return Expr("*", (o, self))
    def __truediv__(self, o: Any) -> Expr: return Expr("/", (self, o))
    def __rtruediv__(self, o: Any) -> Expr: return Expr("/", (o, self))
    def __neg__(self) -> Expr: return Expr("neg", (self,))
    def __lt__(self, o: Any) -> Expr: return Expr("<", (self, o))  # type: ignore[override]
    def __le__(self, o: Any) -> Expr: return Expr("<=", (self, o))  # type: ignore[override]
    def __gt__(self, o: Any) -> Expr: return Expr(">", (self, o))  # type: ignore[override]
    def __ge__(self, o: Any) -> Expr: return Expr(">=", (self, o))  # type: ignore[override]


Node = Expr | float | int


def var(name: str) -> Expr:
    return Expr("var", (name,))


def IF(cond: Node, a: Node, b: Node) -> Expr:
    return Expr("IF", (cond, a, b))


def MIN(a: Node, b: Node) -> Expr:
    return Expr("MIN", (a, b))


def MAX(a: Node, b: Node) -> Expr:
    return Expr("MAX", (a, b))


def ABS(a: Node) -> Expr:
    return Expr("ABS", (a,))




# --------------------------------------------------------------------------------------------- rules
def _anchors(direction: str, A: Expr, T: Expr | None, G: Expr | None, X: Expr | None
             ) -> tuple[Expr, Expr | None, Expr | None, Expr | None]:
    """Mirror (lower) or fold (band) the variables so that every rule can be written for higher-is-better."""
    if direction == "lower":
        return -A, (-T if T is not None else None), (-G if G is not None else None), (-X if X is not None else None)
    if direction == "band":
        if G is None:
            raise ValueError("a band (close-to-target) indicator needs a target")
        Tf = (G - ABS(T - G)) if T is not None else None
        return G - ABS(A - G), Tf, G, None
    return A, T, G, X


def _need(name: str, v: Any, rule: str) -> Any:
    if v is None:
        raise ValueError(f"the {rule} rule needs a {name} value")
    return v


def _expr_linear(r: Any, direction: str, A: Expr, T: Expr | None, G: Expr | None, X: Expr | None) -> Node:
    A, T, G, X = _anchors(direction, A, T, G, X)
    T = _need("threshold", T, "linear")
    G = _need("target", G, "linear")
    sT, sG, sX, sb = r.score_threshold, r.score_target, r.score_stretch, r.score_below
    upper: Node = (IF(A < X, sG + (A - G) / (X - G) * (sX - sG), sX) if X is not None else sG)
    return IF(A < T, sb, IF(A < G, sT + (A - T) / (G - T) * (sG - sT), upper))


def _expr_ratio(r: Any, direction: str, A: Expr, T: Expr | None, G: Expr | None, X: Expr | None) -> Node:
    G = _need("target", G, "ratio")
    if direction == "lower":
        return IF(A <= 0, r.cap, MAX(r.floor, MIN(r.cap, G / A * 100)))
    if direction == "band":
        A = G - ABS(A - G)
    return MAX(r.floor, MIN(r.cap, A / G * 100))


def _expr_band(r: Any, direction: str, A: Expr, T: Expr | None, G: Expr | None, X: Expr | None) -> Node:
    G = _need("target", G, "band")
    return MAX(r.floor, 100 - r.points_per_pct * MAX(0, ABS(A - G) / ABS(G) * 100 - r.tolerance * 100))


def _expr_steps(r: Any, direction: str, A: Expr, T: Expr | None, G: Expr | None, X: Expr | None) -> Node:
    steps = sorted(r.steps)
    if r.basis == "ratio":
        G = _need("target", G, "steps (ratio basis)")
        if direction == "lower":
            V: Node = IF(A <= 0, steps[-1][0], G / A * 100)
        else:
            V = (G - ABS(A - G)) / G * 100 if direction == "band" else A / G * 100
        sign = 1.0
    else:
        V, sign = (-A, -1.0) if direction == "lower" else (A, 1.0)
        if direction == "band":
            raise ValueError("steps in actual units cannot be folded around a target; use basis: ratio")
        if direction == "lower":
            steps = sorted(steps, key=lambda s: -s[0])
    out: Node = r.score_below
    for at, score in steps:  # innermost = lowest step: IF(V>=at_n, s_n, IF(V>=at_n-1, ...))
        out = IF(V >= sign * at, score, out)
    return out


def _expr_deduction(r: Any, direction: str, A: Expr, T: Expr | None, G: Expr | None, X: Expr | None) -> Node:
    G = _need("target", G, "deduction")
    if direction == "band":
        A = G - ABS(A - G)
    gap = (A - G) if direction == "lower" else (G - A)
    short = MAX(0, gap / ABS(G) * 100) if r.relative else MAX(0, gap)
    return MAX(r.floor, MIN(r.cap, r.base - r.points * short / r.per))


def _expr_bonus(r: Any, direction: str, A: Expr, T: Expr | None, G: Expr | None, X: Expr | None) -> Node:
    return MIN(r.cap, MAX(0, A / r.per * r.points))


def _expr_veto(r: Any, direction: str, A: Expr, T: Expr | None, G: Expr | None, X: Expr | None) -> Node:
    breach = (A < r.limit) if direction == "higher" else (A > r.limit)
    return IF(breach, 1, 0)


def _expr_rating(r: Any, direction: str, A: Expr, T: Expr | None, G: Expr | None, X: Expr | None) -> Node:
    # Without a target the scale is read as a share of the top level, so the middle level (合格) lands on the
    # C line (3/5 → 60). With a target the levels are anchored like the linear rule, so "meets the target
    # level" scores 100 exactly as a quantitative indicator does.
    if G is None:
        return r.score_max * A / r.levels
    Te: Node = T if T is not None else G - 1
    Xe: Node = X if X is not None else MIN(G + 1, r.levels)
    sT, sG, sX, s1 = r.score_threshold, r.score_target, r.score_stretch, r.score_min
    upper = IF(Xe <= G, sG, IF(A < Xe, sG + (A - G) / (Xe - G) * (sX - sG), sX))
    return IF(A < Te, s1 + (A - 1) / (Te - 1) * (sT - s1), IF(A < G, sT + (A - Te) / (G - Te) * (sG - sT), upper))


_BUILDERS: dict[str, Callable[..., Node]] = {
    "linear": _expr_linear, "ratio": _expr_ratio, "band": _expr_band, "steps": _expr_steps,
    "deduction": _expr_deduction, "bonus": _expr_bonus, "veto": _expr_veto, "rating": _expr_rating,
}


def needs_anchors(rule: Any) -> tuple[str, ...]:
    """Which of threshold/target/stretch a rule reads (stretch is optional for linear).

    Scoring checks these before it starts, so that a missing anchor is one located error, not a column of NaN.

    Examples
    --------
    >>> from toolkit.model.indicators import LinearRule, RatingRule, RatioRule
    >>> needs_anchors(LinearRule()), needs_anchors(RatioRule()), needs_anchors(RatingRule())
    (('threshold', 'target'), ('target',), ())
    """
    kind = rule.type
    if kind == "linear":
        return ("threshold", "target")
    if kind in ("ratio", "band", "deduction") or (kind == "steps" and rule.basis == "ratio"):
        return ("target",)
    return ()


def rule_expression(rule: Any, direction: str = "higher", *, threshold: bool = True, target: bool = True,
                    stretch: bool = True) -> Node:
    """The expression tree of ``rule`` over variables ``A``, ``T``, ``G``, ``X`` (the single source of truth).

    ``threshold``/``target``/``stretch`` say whether that anchor is available; a missing stretch caps a
    linear rule at the target's score. The numpy and the Excel evaluators both walk this tree, so the engine
    and a recalculated KPI form cannot disagree.

    Examples
    --------
    >>> from toolkit.model.indicators import LinearRule, VetoRule
    >>> rule_expression(VetoRule(limit=0), "lower")   # 1 (veto) when A > 0
    Expr(op='IF', args=(Expr(op='>', args=(Expr(op='var', args=('A',)), 0.0)), 1, 0))
    >>> capped = rule_expression(LinearRule(), stretch=False)
    >>> capped.op, capped.args[2].args[2]   # without a stretch, A ≥ G scores the target's 100
    ('IF', 100.0)
    """
    if direction not in ("higher", "lower", "band"):
        raise ValueError(f"direction must be higher, lower or band, not {direction!r}")
    build = _BUILDERS[rule.type]
    return build(rule, direction, var("A"), var("T") if threshold else None, var("G") if target else None,
                 var("X") if stretch else None)


def rule_range(rule: Any, target: float | None = None, stretch: float | None = None) -> tuple[float, float]:
    """The lowest and highest score a rule can give (used for 'share at floor/cap' in calibration).

    ``target``/``stretch`` are the role's anchors where they change the range: a rating scale scores
    differently with and without a target level, and a rating whose target is the top level is capped there.

    Examples
    --------
    >>> from toolkit.model.indicators import RatingRule
    >>> rule_range(RatingRule()), rule_range(RatingRule(), target=4), rule_range(RatingRule(), target=5)
    ((20.0, 100.0), (0.0, 120.0), (0.0, 100.0))
    """
    k = rule.type
    if k == "rating":
        def known(v: Any) -> Any:
            return None if v is None or np.isnan(v) else v

        ends = apply_rule(rule, "higher", [1, rule.levels], target=known(target), stretch=known(stretch))
        return (float(ends.min()), float(ends.max()))
    if k == "linear":
        return (min(rule.score_below, rule.score_threshold), max(rule.score_target, rule.score_stretch))
    if k in ("ratio",):
        return (rule.floor, rule.cap)
    if k == "band":
        return (rule.floor, 100.0)
    if k == "steps":
        scores = [s for _, s in rule.steps] + [rule.score_below]
        return (min(scores), max(scores))
    if k == "deduction":
        return (rule.floor, min(rule.cap, rule.base) if rule.cap >= rule.floor else rule.cap)
    if k == "bonus":
        return (0.0, rule.cap)
    if k == "veto":
        return (0.0, 1.0)
    raise ValueError(k)


# --------------------------------------------------------------------------------------------- numpy backend
_NP_BIN = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "<": np.less, "<=": np.less_equal,
           ">": np.greater, ">=": np.greater_equal}


def _eval(node: Node, env: dict[str, Any]) -> Any:
    if not isinstance(node, Expr):
        return float(node)
    op, args = node.op, node.args
    if op == "var":
        return env[args[0]]
    vals = [_eval(a, env) for a in args]
    if op in _NP_BIN:
        return _NP_BIN[op](vals[0], vals[1])
    if op == "neg":
        return np.negative(vals[0])
    if op == "IF":
        return np.where(vals[0], vals[1], vals[2])
    if op == "MIN":
        return np.minimum(vals[0], vals[1])
    if op == "MAX":
        return np.maximum(vals[0], vals[1])
    if op == "ABS":
        return np.abs(vals[0])
    raise ValueError(op)


def apply_rule(rule: Any, direction: str, actual: Any, threshold: Any = None, target: Any = None,
               stretch: Any = None) -> np.ndarray:
    """Score ``actual`` (array-like) with ``rule``; anchors are scalars or arrays broadcastable to it.

    NaN actuals give NaN scores (missing, to be reported — never 0). Vectorised: each node of the rule's
    expression is one numpy operation over the whole array.

    Examples
    --------
    >>> from toolkit.model.indicators import RatioRule
    >>> apply_rule(RatioRule(cap=120), "lower", [50, 100, 200], target=100).tolist()
    [120.0, 100.0, 50.0]
    """
    a = np.asarray(actual, dtype=float)
    expr = rule_expression(rule, direction, threshold=threshold is not None, target=target is not None,
                           stretch=stretch is not None)
    env = {"A": a}
    for k, v in (("T", threshold), ("G", target), ("X", stretch)):
        if v is not None:
            env[k] = np.asarray(v, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.asarray(_eval(expr, env), dtype=float)
    out = np.broadcast_to(out, a.shape).astype(float, copy=True)
    out[np.isnan(a)] = np.nan
    return out


# --------------------------------------------------------------------------------------------- Excel backend
def _num(x: float) -> str:
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        s = str(int(x))
    else:
        s = repr(x).upper()  # shortest round-trip text, 1E-05 style
    return f"({s})" if x < 0 else s


_PREC = {"<": 1, "<=": 1, ">": 1, ">=": 1, "=": 1, "+": 2, "-": 2, "*": 3, "/": 3, "neg": 4}


def _xl(node: Node, refs: dict[str, str], parent: int = 0, right: bool = False) -> str:
    if not isinstance(node, Expr):
        return _num(node)
    op, args = node.op, node.args
    if op == "var":
        return refs[args[0]]
    if op in ("IF", "MIN", "MAX", "ABS"):
        return f"{op}(" + ",".join(_xl(a, refs) for a in args) + ")"
    if op == "neg":
        return f"(-{_xl(args[0], refs, 4)})"
    p = _PREC[op]
    text = f"{_xl(args[0], refs, p)}{op}{_xl(args[1], refs, p, right=True)}"
    # parenthesise when the parent binds tighter, or on the right of a non-associative operator
    if p < parent or (right and p == parent and p in (2, 3)):
        return f"({text})"
    return text


def _ref(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, (int, float, np.floating, np.integer)):
        return _num(float(v))
    s = str(v).strip().lstrip("=")
    if not s:
        return None
    return s


def excel_formula(rule: Any, direction: str, actual_ref: str, threshold_ref: Any = None, target_ref: Any = None,
                  stretch_ref: Any = None, *, blank: str = '""') -> str:
    """The Excel/LibreOffice formula computing exactly :func:`apply_rule`'s score for one cell.

    Parameters
    ----------
    rule : one of the model's scoring rules (``LinearRule`` …)
    direction : ``"higher"``, ``"lower"`` or ``"band"`` (the indicator's direction)
    actual_ref : the cell holding the actual value or rating, e.g. ``"D5"`` or ``"$D$5"``
    threshold_ref, target_ref, stretch_ref : cells (``"E5"``) or numbers to inline; ``None`` when the
        indicator has no such anchor (a linear rule without stretch is capped at the target's score)
    blank : what the formula shows while the actual is empty (default the empty string ``""``)

    Returns
    -------
    str
        A formula starting with ``=``, using only ``IF``, ``MIN``, ``MAX``, ``ABS`` and arithmetic, so that
        Excel, LibreOffice and WPS give the same value. Empty actual → ``blank``.

    Examples
    --------
    A lower-is-better ratio against a target typed in as a number (an actual of 0 or less scores the cap):

    >>> from toolkit.model.indicators import RatioRule
    >>> excel_formula(RatioRule(cap=120), "lower", "D5", target_ref=100)
    '=IF(D5="","",IF(D5<=0,120,MAX(0,MIN(120,100/D5*100))))'
    """
    refs = {"A": _ref(actual_ref)}
    if refs["A"] is None:
        raise ValueError("actual_ref is required")
    for k, v in (("T", threshold_ref), ("G", target_ref), ("X", stretch_ref)):
        r = _ref(v)
        if r is not None:
            refs[k] = r
    expr = rule_expression(rule, direction, threshold="T" in refs, target="G" in refs, stretch="X" in refs)
    a = refs["A"]
    return f'=IF({a}="",{blank},{_xl(expr, refs)})'


def excel_total_formula(score_refs: Sequence[str], weights: Sequence[Any], bonus_refs: Sequence[str] = (),
                        veto_refs: Sequence[str] = (), missing: str = "renormalise") -> str:
    """The period total as :func:`toolkit.scoring.totals.period_totals_by_rule` computes it, for one form.

    ``Σ wᵢ·sᵢ / Σ wᵢ`` under the rulebook's missing-value policy: over the indicators that have a score
    (``renormalise``), over all of them with a blank counting 0 (``zero``), or blank unless every one is scored
    (``exclude_period``); plus bonus points, and 0 if any veto flag is 1. Weights are cells or numbers.

    Examples
    --------
    >>> excel_total_formula(["K1", "K2"], [60, 40], missing="zero")
    '=IF((IF(K1="",0,1)+IF(K2="",0,1))=0,"",(IF(K1="",0,K1*60)+IF(K2="",0,K2*40))/(60+40))'
    """
    if len(score_refs) != len(weights):
        raise ValueError("one weight per score")
    num = "+".join(f"IF({s}=\"\",0,{s}*{_ref(w)})" for s, w in zip(score_refs, weights))
    den = "+".join(f"IF({s}=\"\",0,{_ref(w)})" for s, w in zip(score_refs, weights))
    if missing == "zero":
        count = "+".join(f"IF({s}=\"\",0,1)" for s in score_refs)
        total = f"IF(({count})=0,\"\",({num})/({'+'.join(_ref(w) for w in weights)})"
    elif missing == "exclude_period":
        blanks = "+".join(f"IF({s}=\"\",1,0)" for s in score_refs)
        total = f"IF(({blanks})>0,\"\",({num})/({'+'.join(_ref(w) for w in weights)})"
    else:
        total = f"IF(({den})=0,\"\",({num})/({den})"
    if bonus_refs:
        total += "+" + "+".join(f"N({b})" for b in bonus_refs)
    total += ")"
    if veto_refs:
        total = f"IF(({'+'.join(f'N({v})' for v in veto_refs)})>0,0,{total})"
    return "=" + total


# --------------------------------------------------------------------------------------------- scheme-wide scoring
def indicator_table(scheme: Any) -> pd.DataFrame:
    """One row per role × indicator with everything scoring needs (from :func:`toolkit.scheme.resolve.resolve_scheme`).

    Columns: role, indicator, weight (percent), threshold, target, stretch, direction, rule_type, cycle,
    quantitative, weighted (enters the weighted total), rule (the rule object), lo/hi (score range),
    allow_negative (the catalogue allows a negative actual, e.g. NPS). A flat table so that a what-if can
    change a weight or a rule in one cell and score again.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> from toolkit.scheme.resolve import resolve_scheme
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    >>> table = indicator_table(resolve_scheme(eng))
    >>> len(table), table.groupby("role")["weight"].sum().unique().tolist()
    (45, [100.0])
    >>> row = table.loc[1]
    >>> anchors = row[["threshold", "target", "stretch", "lo", "hi"]].astype(float).tolist()
    >>> row["indicator"], row["rule_type"], anchors
    ('marketing_sourced_pipeline', 'linear', [28.0, 32.0, 35.0, 0.0, 120.0])
    """
    import pandas as pd

    rows = []
    for rs in scheme.roles:
        for ri in rs.indicators:
            lo, hi = rule_range(ri.rule, ri.target, ri.stretch)
            rows.append({
                "role": rs.role.id, "indicator": ri.id, "weight": float(ri.weight),
                "threshold": ri.threshold, "target": ri.target, "stretch": ri.stretch,
                "direction": ri.direction, "rule_type": ri.rule.type, "cycle": ri.cycle,
                "quantitative": ri.quantitative, "weighted": ri.rule.type in WEIGHTED_RULES,
                "rule": ri.rule, "lo": lo, "hi": hi, "allow_negative": ri.indicator.allow_negative,
            })
    cols = ["role", "indicator", "weight", "threshold", "target", "stretch", "direction", "rule_type", "cycle",
            "quantitative", "weighted", "rule", "lo", "hi", "allow_negative"]
    return pd.DataFrame(rows, columns=cols)


def score_values(values: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Score a long frame of values (columns role, indicator, value) against an :func:`indicator_table`.

    Returns ``values`` with columns weight, rule_type, weighted and score added. The loop runs over the
    role × indicator pairs (a dozen or so), each scored as one vectorised :func:`apply_rule` call over all of
    its rows; ``value`` NaN → ``score`` NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> from toolkit.model.indicators import LinearRule
    >>> table = pd.DataFrame({"role": ["r"], "indicator": ["roas"], "weight": [25.0], "threshold": [2.8],
    ...                       "target": [3.2], "stretch": [3.8], "direction": ["higher"],
    ...                       "rule_type": ["linear"], "weighted": [True], "rule": [LinearRule()]})
    >>> values = pd.DataFrame({"role": ["r"] * 3, "indicator": ["roas"] * 3,
    ...                        "value": [3.0, 3.5, float("nan")]})
    >>> score_values(values, table)[["value", "weight", "score"]].round(4).values.tolist()
    [[3.0, 25.0, 80.0], [3.5, 25.0, 110.0], [nan, 25.0, nan]]
    """
    import pandas as pd

    out = values.copy()
    score = np.full(len(out), np.nan)
    weight = np.zeros(len(out))
    weighted = np.zeros(len(out), dtype=bool)
    rtype = np.empty(len(out), dtype=object)
    v = out["value"].to_numpy(dtype=float)
    lookup = {(r.role, r.indicator): r for r in table.itertuples(index=False)}
    for key, idx in out.groupby(["role", "indicator"], sort=False, observed=True).indices.items():
        spec = lookup.get(tuple(key))
        if spec is None:
            raise KeyError(f"no scheme entry for role {key[0]!r}, indicator {key[1]!r}")

        def anchor(x: Any) -> Any:
            return None if x is None or (isinstance(x, float) and np.isnan(x)) else x

        score[idx] = apply_rule(spec.rule, spec.direction, v[idx], anchor(spec.threshold), anchor(spec.target),
                                anchor(spec.stretch))
        weight[idx] = spec.weight
        weighted[idx] = spec.weighted
        rtype[idx] = spec.rule_type
    out["weight"] = weight
    out["rule_type"] = pd.Categorical(rtype)
    out["weighted"] = weighted
    out["score"] = score
    return out


def score_matrix(actual: np.ndarray, specs: Sequence[tuple[Any, str, Any, Any, Any]]) -> np.ndarray:
    """Score a dense block ``actual[i, ...]`` (indicator first) where ``specs[i] = (rule, direction, threshold,
    target, stretch)`` — the fast path for large populations (one :func:`apply_rule` call per indicator).

    Examples
    --------
    >>> from toolkit.model.indicators import LinearRule, RatioRule
    >>> score_matrix(np.array([[2.0, 2.5], [50, 100]]), [(LinearRule(), "higher", 1.5, 2.0, 2.5),
    ...                                                  (RatioRule(), "higher", None, 100, None)]).tolist()
    [[100.0, 120.0], [50.0, 100.0]]
    """
    out = np.empty(actual.shape, dtype=float)
    for i, (rule, direction, t_, g_, x_) in enumerate(specs):
        out[i] = apply_rule(rule, direction, actual[i], t_, g_, x_)
    return out
