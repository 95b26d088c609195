"""Small engagements and actuals shared by the scoring tests (built in code, so the numbers are visible)."""
from __future__ import annotations

from pathlib import Path

from toolkit.model.schema import Engagement

HAND_ACTUALS = """employee,indicator,period,actual,rating,rater_kind,rater
E1,ctr,2026-01,2.25,,,
E1,ctr,2026-02,1.75,,,
E1,lead_cost,2026-01,135,,,
E1,lead_cost,2026-02,,,,
E1,creative_brand_fit,2026-01,,4,supervisor,boss
E1,creative_brand_fit,2026-01,,5,peer,p1
E1,creative_brand_fit,2026-01,,3,peer,p2
E1,creative_brand_fit,2026-01,,5,self,E1
E1,creative_brand_fit,2026-02,,3,supervisor,boss
E1,creative_brand_fit,2026-02,,4,self,E1
E1,industry_award,2026-01,1,,,
E1,industry_award,2026-02,0,,,
"""


def hand_engagement(extra_employees: int = 0) -> Engagement:
    """One ad-placement role, four indicators with explicit anchors and rules, one employee E1."""
    emps = [{"id": "E1", "name": "张伟", "role": "ad_placement", "base_pay": 5000, "salary": 10000,
             "salary_midpoint": 12000}]
    emps += [{"id": f"X{k}", "name": f"员工{k}", "role": "ad_placement", "base_pay": 4000, "salary": 9000,
              "salary_midpoint": 9000} for k in range(extra_employees)]
    return Engagement.model_validate({
        "client": {"name": "手算公司", "size": "medium", "marketing_headcount": 1 + extra_employees},
        "roles": [{
            "id": "ad_placement", "name": "广告投放", "preset": "ad_placement", "role_type": "sales",
            "cycle": "monthly",
            "raters": [{"kind": "supervisor", "weight": 0.6}, {"kind": "peer", "weight": 0.2},
                       {"kind": "self", "weight": 0.2}],
            "indicators": [
                {"id": "ctr", "weight": 50, "threshold": 1.5, "target": 2.0, "stretch": 2.5,
                 "rule": {"type": "linear"}},
                {"id": "lead_cost", "weight": 30, "threshold": 150, "target": 120, "stretch": 100,
                 "rule": {"type": "linear"}},
                {"id": "creative_brand_fit", "weight": 20, "rule": {"type": "rating", "levels": 5}},
                {"id": "industry_award", "weight": 0, "rule": {"type": "bonus", "points": 2, "per": 1, "cap": 5}},
            ],
        }],
        "employees": emps,
    })


def write_hand_case(tmp: Path) -> tuple[Path, Path]:
    from toolkit.model.engagement import save_engagement

    eng_path = tmp / "engagement.yaml"
    save_engagement(hand_engagement(), eng_path)
    act = tmp / "actuals.csv"
    act.write_text(HAND_ACTUALS, encoding="utf-8")
    return eng_path, act
