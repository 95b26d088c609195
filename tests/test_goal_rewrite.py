"""SMART rewrite suggestions: for the samples' and a new client's vague goals, the proposals name a catalogue
indicator that serves the goal's strategy item, keep what is known and mark what the client must fill."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import MIDSIZE, SMALL

from toolkit.checks.goal_rewrite import match_strategy, rank_indicators, suggest_rewrites
from toolkit.checks.goals import smart_check
from toolkit.model.catalogue import load_catalogue
from toolkit.model.engagement import load_engagement

NEW_CLIENT = Path(__file__).parent / "data" / "goal_new_client.yaml"

#: goal id -> (how a client would say it vaguely, indicators that serve that goal's strategy item), judged by hand
#: from the strategy texts of the samples
SAMPLE_VAGUE = {
    # 巩固江浙沪市场的品牌地位，让消费者记住定位
    "g_brand_awareness": ("提升品牌形象", {"brand_awareness", "brand_recognition", "share_of_voice"}),
    # 新开 30 家门店 / 小程序与会员私域带动线上订单
    "g_store_members": ("做好新店开业活动的会员拉新", {"member_active_rate", "private_traffic_conversion",
                                                  "event_leads", "new_customers", "follower_net_growth"}),
    # 以小程序点单和会员私域带动线上订单
    "g_paid_roas": ("加强线上投放效果", {"roas", "cvr", "private_traffic_conversion", "ctr"}),
    # 新开门店、单店盈亏平衡
    "g_site_research": ("做好新店商圈调研", {"report_timeliness", "research_plan_completion", "report_accuracy",
                                         "report_adoption_rate", "market_share", "expansion_plan_completion"}),
    # 从华东区域品牌走向全国品牌
    "g_awareness": ("扩大全国品牌影响力", {"brand_awareness", "brand_recognition", "share_of_voice"}),
    # 营业收入增长 25%，市场中心带来的商机贡献上升
    "g_pipeline": ("加强营销对销售的支持", {"marketing_sourced_pipeline", "sales_target_completion",
                                         "sales_growth_rate", "mql_to_sql_rate"}),
    # 拓展三四线城市经销网络
    "g_channel": ("拓展三四线城市经销网络", {"new_channel_partners", "channel_sell_through_rate", "market_share"}),
    # 线上直营收入占比、会员私域
    "g_roas": ("优化线上广告投放", {"roas", "cvr", "ctr", "private_traffic_conversion"}),
    "g_members": ("建设会员私域", {"private_traffic_conversion", "member_active_rate", "follower_net_growth"}),
    # 控制营销费用率，提高每一元营销投入的产出
    "g_expense": ("控制营销费用", {"marketing_expense_ratio", "budget_execution_rate", "campaign_roi", "cac"}),
}

#: the new client's goals are vague in the file; what serves each goal's strategy item
NEW_CLIENT_SERVES = {
    "g_leads": {"mql_count", "new_customers", "cac", "lead_cost", "mql_to_sql_rate"},          # 新签客户翻番
    "g_renewal": {"customer_retention_rate", "customer_churn_rate", "csat", "repurchase_rate"},  # 续费、流失
    "g_brand": {"brand_awareness", "brand_recognition", "share_of_voice", "positive_media_exposure"},
    "g_events": {"event_leads", "event_attendance_rate", "post_event_conversion_rate", "new_customers"},
    "g_cost": {"marketing_expense_ratio", "budget_execution_rate", "cac", "campaign_roi"},
}


def _vague(goal, text):
    return goal.model_copy(update={"text": text, "metric": None, "unit": None, "baseline": None, "target": None,
                                   "deadline": None, "owner": None, "data_source": None})


@pytest.mark.parametrize("path", [SMALL, MIDSIZE], ids=["small", "midsize"])
def test_sample_vague_goals_get_an_indicator_serving_their_strategy(path: Path) -> None:
    eng = load_engagement(path)
    for g in eng.goals:
        text, serves = SAMPLE_VAGUE[g.id]
        goal = _vague(g, text)
        assert not smart_check(goal, engagement=eng).ok  # it is refused …
        rewrites = suggest_rewrites(goal, eng)
        assert 1 <= len(rewrites) <= 3
        assert rewrites[0].indicator in serves, (g.id, [r.indicator for r in rewrites])  # … and rewritten
        assert rewrites[0].strategy == g.strategy


def test_new_client_vague_goals_get_an_indicator_serving_their_strategy() -> None:
    eng = load_engagement(NEW_CLIENT)
    assert {g.id for g in eng.goals} == set(NEW_CLIENT_SERVES)
    for g in eng.goals:
        assert smart_check(g, engagement=eng).vague, g.text
        rewrites = suggest_rewrites(g, eng, year=2027)
        assert rewrites[0].indicator in NEW_CLIENT_SERVES[g.id], (g.text, [r.indicator for r in rewrites])
        cat = load_catalogue()
        assert all(cat[r.indicator].quantitative for r in rewrites)


def test_blanks_are_marked_in_both_languages_and_listed() -> None:
    eng = load_engagement(NEW_CLIENT)
    r = suggest_rewrites(eng.goals[1], eng, year=2027)[0]
    assert r.blanks == ["baseline", "target", "owner"], "no role of this client carries the indicator"
    assert "【待填：基线值】" in r.text_zh and "【待填：目标值】" in r.text_zh
    assert "[to fill: baseline]" in r.text_en and "[to fill: target]" in r.text_en
    assert r.deadline == dt.date(2027, 12, 31) and "2027-12-31" in r.text_zh
    assert load_catalogue()[r.indicator].data_source_zh in r.text_zh


def test_known_values_are_filled_not_blanked() -> None:
    eng = load_engagement(SMALL)  # effective 2027-01-01; the role ad_placement carries roas with target 3
    g = _vague(eng.goals[2], "加强线上投放效果")
    roas = next(r for r in suggest_rewrites(g, eng) if r.indicator == "roas")
    assert roas.deadline == dt.date(2027, 12, 31), "the scheme year comes from the engagement"
    assert roas.baseline == 2.2, "the baseline another goal of the engagement states for ROAS"
    assert roas.owner == "广告投放专员" and "owner" not in roas.blanks, "the role that carries the indicator"
    assert roas.reference == "3" and "3倍" in roas.text_zh


def test_without_year_or_engagement_the_deadline_is_a_blank() -> None:
    r = suggest_rewrites("加强品牌建设")[0]
    assert r.deadline is None and "deadline" in r.blanks and "【待填：截止日期】" in r.text_zh


def test_a_bare_sentence_finds_the_strategy_item_it_serves() -> None:
    eng = load_engagement(SMALL)
    assert match_strategy("做好会员私域运营", eng)[0].id == "s_digital"
    r = suggest_rewrites("巩固品牌地位", eng)[0]
    assert r.strategy == ["s_east_brand"] and r.indicator in SAMPLE_VAGUE["g_brand_awareness"][1]


def test_ranking_is_by_meaning_not_by_shared_words() -> None:
    # no word of "做好客户关系维护工作" appears in 客户留存率's name; the concept does the work
    top = [i for i, _, _ in rank_indicators("做好客户关系维护工作")[:3]]
    assert set(top) <= {"customer_retention_rate", "csat", "repurchase_rate", "customer_churn_rate",
                        "complaint_count", "nps"}
    assert rank_indicators("Improve customer relationships")[0][0] in {"customer_retention_rate", "csat"}


def test_number_of_rewrites_is_one_to_three() -> None:
    assert len(suggest_rewrites("提升品牌形象", n=1)) == 1
    assert len(suggest_rewrites("提升品牌形象", n=9)) == 3


def test_cli_suggest(cli) -> None:
    proc = cli("goal", "加强品牌建设", "--suggest", "--engagement", str(SMALL))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "改写建议" in proc.stdout and "【待填：目标值】" in proc.stdout and "brand_awareness" in proc.stdout
    assert proc.stderr == "", "jieba's log must not reach stderr"
    proc = cli("--lang", "en", "goal", "加强品牌建设", "--suggest", "--year", "2027", "--json")
    data = json.loads(proc.stdout)
    assert data["suggestions"][0]["indicator"] in {"brand_awareness", "brand_recognition"}
    assert data["suggestions"][0]["deadline"] == "2027-12-31" and "[to fill: target]" in data["suggestions"][0]["text_en"]


def test_cli_goal_of_an_engagement_and_bad_input(cli, tmp_path: Path) -> None:
    proc = cli("goal", "--engagement", str(NEW_CLIENT), "--goal", "g_renewal", "--suggest", "-n", "1")
    assert proc.returncode == 1 and proc.stdout.count("【待填") >= 2
    assert "customer_retention_rate" in proc.stdout or "csat" in proc.stdout
    proc = cli("goal", "--engagement", str(NEW_CLIENT), "--goal", "nope")
    assert proc.returncode == 2 and "g_leads" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("goal", "--goal", "g_leads")
    assert proc.returncode == 2 and "--engagement" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("goal", "加强品牌建设", "--engagement", str(tmp_path / "missing.yaml"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_workshop_goals_tab_proposes_rewrites_as_you_type(tmp_path: Path) -> None:
    import shutil

    from toolkit.workshop.session import open_workshop
    from toolkit.workshop.widgets import GoalEditor

    path = tmp_path / "engagement.yaml"
    shutil.copy(SMALL, path)
    ws = open_workshop(path)
    ed = GoalEditor(ws)
    gid = ws.engagement.goals[0].id
    assert "goal-rewrites" not in ed.feedback[gid].value, "a SMART goal needs no rewrite"
    ed.boxes[gid].value = "加强品牌建设"
    fb = ed.feedback[gid].value
    assert "goal-rewrites" in fb and "改写建议" in fb and "品牌知名度" in fb and "【待填：目标值】" in fb
    assert "brand_awareness" not in fb, "names, never ids, on the client's page"
    ed.boxes[gid].value = "华东区域品牌认知度 2027-12-31 前由 15% 提升到 20%"
    assert "goal-rewrites" not in ed.feedback[gid].value
    ws.journal.close()  # type: ignore[union-attr]
