"""A deliberately naive second implementation of the scheme's rules, written from the sentences the scheme
document prints (plain loops and dicts; nothing of the toolkit's scoring engine).

It decides each rule by which sentence the document states, so a document that promises one rule while the
engine applies another makes the literal-reading test fail. Inputs are the engagement (as loaded), the document
text, and each indicator's score per period (the indicator score functions are checked against the KPI forms'
formulas elsewhere; this reads everything above them: periods, missing values, other cycles, the annual score,
bands, the forced distribution and pay).
"""
from __future__ import annotations

import math

#: the sentences as the Chinese scheme prints them (copied from the document, not from the code)
SENTENCES = {
    "missing.renormalise": "某项指标当期没有数据时，该指标不计入当期得分，其余指标的权重按比例放大",
    "missing.zero": "某项指标当期没有数据时，该指标当期得分按 0 分计",
    "missing.exclude": "任一加权指标当期没有数据的，该考核期不评分",
    "carry": "以其所属周期的得分计入所覆盖的每一个考核期",
    "shorter_mean": "以其在该考核期内各期得分的平均值计入",
    "events": "某考核期没有项目记录的，该指标当期不参加考核，不视为缺少数据",
    "events.missing": "有项目记录但缺少结果的，按缺少数据处理",
    "annual.mean": "年度得分为当年已评分各考核期综合得分的算术平均值",
    "veto": "当期综合得分为 0 分，当年年度得分亦为 0 分",
    "bands": "均先按综合得分所在的分数段确定",
    "forced.annual": "年度等级实行强制分布",
    "forced.period": "每一考核期的等级实行强制分布",
    "ties": "分数相同者归入其中较高的一档",
    "clamp": "每档内各人保留其分数段等级，但不高于该档最高等级、不低于该档最低等级",
    "pay.period": "当期绩效工资 = 绩效工资基数 × 当期等级对应的绩效系数",
    "pay.annual": "当期绩效工资 = 绩效工资基数 × 年度等级对应的绩效系数",
    "pay.pool": "绩效奖金实行总额控制",
    "pay.none": "本办法不设绩效工资",
}


def stated(text: str) -> set[str]:
    """Which of the rules above the document states."""
    return {name for name, sentence in SENTENCES.items() if sentence in text}


def months(label: str) -> set[tuple[int, int]]:
    label = str(label)
    y = int(label[:4])
    rest = label[5:]
    if rest == "":
        return {(y, m) for m in range(1, 13)}
    if rest[0] == "Q":
        q = int(rest[1])
        return {(y, m) for m in range(3 * q - 2, 3 * q + 1)}
    if rest[0] == "H":
        h = int(rest[1])
        return {(y, m) for m in range(6 * h - 5, 6 * h + 1)}
    return {(y, int(rest))}


def label_of(y: int, m: int, cycle: str) -> str:
    if cycle == "quarterly":
        return f"{y}-Q{(m + 2) // 3}"
    if cycle == "half_year":
        return f"{y}-H{1 if m <= 6 else 2}"
    if cycle == "annual":
        return str(y)
    return f"{y}-{m:02d}"


def _nan(x: float) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def naive_appraisal(eng, text: str, scores: list[dict], indicators: dict[tuple[str, str], dict]) -> dict[str, dict]:
    """Totals, grades and pay per employee, by the document's words.

    ``scores``: dicts with employee, role, indicator, period, score (None/NaN = no data);
    ``indicators``: (role, indicator) → {"weight": percent, "kind": weighted / bonus / veto, "cycle": …}.
    """
    rules = stated(text)
    assert len(rules & {"missing.renormalise", "missing.zero", "missing.exclude"}) == 1, rules
    assert "annual.mean" in rules and "bands" in rules, rules
    role_cycle = {r.id: (r.cycle or eng.cycles.default) for r in eng.roles}

    # 1. each employee's rows, relabelled to the role's periods (a row counts in every period it overlaps)
    per: dict[str, dict[str, dict[str, list[float | None]]]] = {}
    role_of: dict[str, str] = {}
    for row in scores:
        e, r = row["employee"], row["role"]
        role_of[e] = r
        labels = sorted({label_of(y, m, role_cycle[r]) for (y, m) in months(row["period"])})
        for lab in labels:
            per.setdefault(e, {}).setdefault(lab, {}).setdefault(row["indicator"], []).append(row["score"])

    # 2. period totals
    out: dict[str, dict] = {}
    for e, periods in per.items():
        r = role_of[e]
        ptot: dict[str, float | None] = {}
        pveto: dict[str, bool] = {}
        # 按项目 indicators of the role: without the document's per-event rule, due in every period like any other
        events = [ind for (rr, ind), spec in indicators.items() if rr == r and spec.get("cycle") == "per_event"]
        for lab, inds in periods.items():
            num = den_present = den_due = bonus = 0.0
            veto = False
            any_score = False
            if "events" not in rules:
                inds = {**{ind: [None] for ind in events}, **inds}
            elif "events.missing" not in rules:  # an event on record without a result: not due either
                inds = {ind: vals for ind, vals in inds.items() if ind not in events
                        or any(not _nan(v) for v in vals)}
            for ind, vals in inds.items():
                spec = indicators[(r, ind)]
                have = [v for v in vals if not _nan(v)]
                if spec["kind"] == "veto":
                    if have and max(have) > 0:
                        veto = True
                    continue
                if spec["kind"] == "bonus":
                    if have:
                        bonus += sum(have) / len(have)
                    continue
                if spec["kind"] != "weighted":
                    continue
                den_due += spec["weight"]
                if have:
                    any_score = True
                    s = sum(have) / len(have)  # "以其在该考核期内各期得分的平均值计入"
                    num += spec["weight"] * s
                    den_present += spec["weight"]
            if "missing.renormalise" in rules:
                total = num / den_present if den_present > 0 else None
            elif "missing.zero" in rules:
                total = num / den_due if (den_due > 0 and any_score) else None
            else:
                total = num / den_due if (den_due > 0 and den_present >= den_due - 1e-12) else None
            if total is not None:
                total += bonus
            if veto and "veto" in rules:
                total = 0.0
            ptot[lab] = total
            pveto[lab] = veto
        scored = [v for v in ptot.values() if v is not None]
        annual = sum(scored) / len(scored) if scored else None
        if any(pveto.values()) and "veto" in rules:
            annual = 0.0
        out[e] = {"role": r, "periods": ptot, "annual": annual}

    # 3. grades: bands, then the forced distribution where the document says so
    bands = sorted(eng.grades, key=lambda g: -g.min_score)
    order = [g.code for g in bands]

    def band(x):
        if x is None:
            return None
        for g in bands:
            if x >= g.min_score:
                return g.code
        return bands[-1].code

    for o in out.values():
        o["grade"] = band(o["annual"])
        o["period_grades"] = {lab: band(v) for lab, v in o["periods"].items()}
    d = eng.distribution
    groups = {emp.id: emp.group for emp in eng.employees}
    bins = [(k.split("+"), v) for k, v in d.shares.items()]
    bins.sort(key=lambda b: order.index(b[0][0]))

    def force(items: list[tuple[str, float]]) -> dict[str, str]:
        """items: (employee, total) of one calibration group, all scored."""
        n = len(items)
        ranked = sorted(items, key=lambda it: (-it[1], it[0]))
        quotas = [share * n for _, share in bins]
        counts = [math.floor(q + 1e-9) for q in quotas]
        left = n - sum(counts)
        by_rest = sorted(range(len(bins)), key=lambda i: (-(quotas[i] - counts[i]), i))
        for i in by_rest[:left]:
            counts[i] += 1
        place: dict[str, int] = {}
        pos = 0
        for bi, c in enumerate(counts):
            for _ in range(c):
                if pos < n:
                    place[ranked[pos][0]] = bi
                    pos += 1
        while pos < n:
            place[ranked[pos][0]] = len(bins) - 1
            pos += 1
        best_for_score: dict[float, int] = {}
        for emp, tot in ranked:  # "分数相同者归入其中较高的一档"
            best_for_score[tot] = min(best_for_score.get(tot, place[emp]), place[emp])
        result = {}
        for emp, tot in ranked:
            members = bins[best_for_score[tot]][0]
            g = band(tot)
            if g in members:
                result[emp] = g
            elif order.index(g) > order.index(members[-1]):
                result[emp] = members[-1]
            else:
                result[emp] = members[0]
        return result

    if d.mode == "forced" and d.shares:
        if "forced.annual" in rules:
            by_group: dict[str, list] = {}
            for e, o in out.items():
                if o["annual"] is not None:
                    by_group.setdefault(groups.get(e) or "default", []).append((e, o["annual"]))
            for items in by_group.values():
                if len(items) >= d.min_group_size:
                    for e, g in force(items).items():
                        out[e]["grade"] = g
        if "forced.period" in rules:
            by_gp: dict[tuple[str, str], list] = {}
            for e, o in out.items():
                for lab, v in o["periods"].items():
                    if v is not None:
                        by_gp.setdefault((groups.get(e) or "default", lab), []).append((e, v))
            for (_, lab), items in by_gp.items():
                if len(items) >= d.min_group_size:
                    for e, g in force(items).items():
                        out[e]["period_grades"][lab] = g

    # 4. pay
    ru = eng.result_use
    base = {emp.id: emp.base_pay for emp in eng.employees}
    coef = ru.bonus_coefficients
    for e, o in out.items():
        if "pay.none" in rules:
            o["pay"] = None
        elif "pay.period" in rules or "pay.annual" in rules:
            total = 0.0
            paid = 0
            for lab, v in o["periods"].items():
                if v is None:
                    continue
                g = o["period_grades"][lab] if "pay.period" in rules else o["grade"]
                total += base[e] * coef[g]
                paid += 1
            o["pay"] = total if paid else None
    if "pay.pool" in rules:
        points = {}
        for e, o in out.items():
            n_scored = sum(1 for v in o["periods"].values() if v is not None)
            points[e] = base[e] * coef.get(o["grade"], float("nan")) * n_scored if o["grade"] else 0.0
        total_points = sum(p for p in points.values() if not _nan(p))
        months_covered = set()
        for row in scores:
            months_covered |= months(row["period"])
        per_year = {"monthly": 12, "quarterly": 4, "half_year": 2, "annual": 1}[eng.cycles.default]
        span = len(months_covered) * per_year / 12
        pool = ru.bonus_pool * min(1.0, span / per_year)
        for e, o in out.items():
            o["pay"] = pool * points[e] / total_points
    return out
