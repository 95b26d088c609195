"""SMART parsing and checks, and the strategy-alignment check."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import SMALL

from toolkit.checks.goals import (
    alignment_findings,
    alignment_matrix,
    goal_findings,
    parse_goal_text,
    smart_check,
)
from toolkit.model.engagement import load_engagement
from toolkit.model.schema import Goal


@pytest.mark.parametrize("text, expected", [
    ("华东区域品牌认知度 2027-12-31 前由 15% 提升到 20%",
     {"metric": "华东区域品牌认知度", "baseline": 15.0, "target": 20.0, "unit": "%", "deadline": dt.date(2027, 12, 31)}),
    ("2027年Q2前有效线索数达到 500 个", {"metric": "有效线索数", "target": 500.0, "unit": "个",
                                     "deadline": dt.date(2027, 6, 30)}),
    ("降低获客成本至 80 元，2027年底前", {"metric": "获客成本", "target": 80.0, "unit": "元",
                                   "deadline": dt.date(2027, 12, 31)}),
    ("2027年3月新媒体粉丝从 1.2 万提升到 2 万", {"baseline": 1.2, "target": 2.0, "unit": "万",
                                         "deadline": dt.date(2027, 3, 31)}),
    ("Raise brand awareness in East China from 15% to 20% by 2027-12-31",
     {"metric": "brand awareness in East China", "baseline": 15.0, "target": 20.0, "unit": "%",
      "deadline": dt.date(2027, 12, 31)}),
])
def test_parse_goal_text(text: str, expected: dict) -> None:
    parsed = parse_goal_text(text)
    for key, value in expected.items():
        assert parsed.get(key) == value, (key, parsed)


def test_vague_goal_is_flagged_and_incomplete() -> None:
    r = smart_check("提升品牌形象")
    assert not r.ok and r.vague == ["提升"]
    missing = {i["field"] for i in r.items if not i["ok"]}
    assert {"unit", "baseline", "target", "deadline", "owner", "data_source", "strategy"} <= missing


@pytest.mark.parametrize("word", ["加强", "优化", "确保", "显著"])
def test_vague_words_without_numbers(word: str) -> None:
    assert word in smart_check(f"{word}市场推广工作").vague


def test_vague_word_with_a_number_is_not_vague() -> None:
    assert smart_check("品牌认知度提升到 20%").vague == []


def test_structured_goal_complete_is_ok() -> None:
    g = Goal(id="g1", text="华东区域品牌认知度 2027-12-31 前由 15% 提升到 20%", strategy=["s1"], owner="品牌经理",
             data_source="第三方品牌调研")
    r = smart_check(g)
    assert r.ok and r.score == 1.0


def test_structured_fields_win_over_text() -> None:
    g = Goal(id="g", text="提升线上销售", metric="线上销售额", unit="万元", baseline=300, target=450,
             deadline=dt.date(2027, 12, 31), owner="市场经理", data_source="ERP", strategy=["s1"])
    r = smart_check(g)
    assert all(i["ok"] for i in r.items)
    assert r.vague == ["提升"] and not r.ok, "vague wording is still reported"


def test_english_messages() -> None:
    r = smart_check("提升品牌形象", lang="en")
    assert any("no numeric target" in str(i["message"]) for i in r.items)


def test_goal_and_alignment_findings_on_mutated_sample() -> None:
    eng = load_engagement(SMALL)
    eng.goals[0].strategy = []
    eng.goals[0].owner = None
    eng.roles[0].indicators[0].goal = None
    eng.roles[0].indicators[0].basic = False
    codes = {f.code for f in goal_findings(eng) + alignment_findings(eng)}
    assert "goal.not_smart" in codes
    assert "align.goal_without_strategy" in codes
    assert "align.indicator_untraced" in codes


def test_strategy_without_goal() -> None:
    from toolkit.model.schema import StrategyItem

    eng = load_engagement(SMALL)
    eng.strategy.append(StrategyItem(id="zz_unserved", text="海外市场拓展"))
    found = [f for f in alignment_findings(eng) if f.code == "align.strategy_without_goal"]
    assert found and "zz_unserved" in found[0].location


def test_alignment_matrix_shape() -> None:
    eng = load_engagement(SMALL)
    m = alignment_matrix(eng)
    assert m.shape == (len(eng.goals), len(eng.roles))
    assert (m != "").any().any()


@pytest.mark.parametrize("text, expected", [
    ("Q3 内把官网线索转化率提高到 5%", {"metric": "官网线索转化率", "target": 5.0, "unit": "%", "deadline": "Q3"}),
    ("年底前公众号粉丝增长到10万", {"metric": "公众号粉丝", "target": 10.0, "unit": "万", "deadline": "年底"}),
    ("到2027年底，线索转化率从3%提高到5%", {"metric": "线索转化率", "baseline": 3.0, "target": 5.0,
                                     "deadline": dt.date(2027, 12, 31)}),
    ("2027年第三季度末前把线索转化率提高到 5%", {"metric": "线索转化率", "deadline": dt.date(2027, 9, 30)}),
    ("Reduce cost per lead from 150 yuan to 120 yuan by end of Q3 2027",
     {"metric": "cost per lead", "baseline": 150.0, "target": 120.0, "unit": "yuan", "deadline": dt.date(2027, 9, 30)}),
    ("2027年6月底前获客成本降至 ８０ 元", {"metric": "获客成本", "target": 80.0, "deadline": dt.date(2027, 6, 30)}),
    ("2027/13/40 前线索达到 500 个", {"invalid_date": "2027/13/40", "target": 500.0}),
])
def test_parse_more_phrasings(text: str, expected: dict) -> None:
    parsed = parse_goal_text(text)
    for key, value in expected.items():
        assert parsed.get(key) == value, (key, parsed)


def test_relative_year_resolves_against_today() -> None:
    parsed = parse_goal_text("明年3月31日前完成3场新品发布会")
    assert parsed["deadline"] == dt.date(dt.date.today().year + 1, 3, 31)
    assert parsed["metric"] == "新品发布会" and parsed["target"] == 3.0 and parsed["unit"] == "场"


def test_vague_and_invalid_deadlines_are_explained() -> None:
    r = smart_check("年底前公众号粉丝增长到10万")
    deadline = next(i for i in r.items if i["field"] == "deadline")
    assert not deadline["ok"] and "年底" in str(deadline["message"])
    r = smart_check("2027/13/40 前线索达到 500 个")
    deadline = next(i for i in r.items if i["field"] == "deadline")
    assert "2027/13/40" in str(deadline["message"])


def test_empty_goal_is_an_input_error() -> None:
    from toolkit.model.errors import InputError

    with pytest.raises(InputError):
        smart_check(" ")


def test_past_deadline_is_a_warning() -> None:
    eng = load_engagement(SMALL)
    eng.goals[0].deadline = dt.date(2020, 3, 31)
    assert any(f.code == "goal.deadline_past" for f in goal_findings(eng))
    assert not any(f.code == "goal.deadline_past" for f in goal_findings(eng, today=dt.date(2019, 1, 1)))


# ---------------------------------------------------------------------------------------------- issue 19
@pytest.mark.parametrize("text, expected", [
    ("单条有效线索成本由¥680降到¥520", {"metric": "单条有效线索成本", "baseline": 680.0, "target": 520.0, "unit": "元"}),
    ("单条有效线索成本由￥680降到￥520", {"metric": "单条有效线索成本", "baseline": 680.0, "target": 520.0, "unit": "元"}),
    ("单条有效线索成本由RMB680降到RMB520", {"baseline": 680.0, "target": 520.0, "unit": "元"}),
    ("品牌曝光量从8万次提升到12万次", {"metric": "品牌曝光量", "baseline": 8.0, "target": 12.0, "unit": "万次"}),
    ("线上渠道销售额达到150万元", {"target": 150.0, "unit": "万元"}),
    ("2027年第二季度结束前，线下门店活动带来的订单数达到800单",
     {"metric": "线下门店活动带来的订单数", "target": 800.0, "unit": "单", "deadline": dt.date(2027, 6, 30)}),
    ("活动到场率提升5个百分点", {"change": 5.0, "change_type": "points", "unit": "个百分点"}),
    ("品牌认知度提升20%", {"change": 20.0, "change_type": "relative", "metric": "品牌认知度"}),
])
def test_the_issues_examples(text: str, expected: dict) -> None:
    parsed = parse_goal_text(text)
    for key, value in expected.items():
        assert parsed.get(key) == value, (key, parsed)
    assert "target" not in parsed or "change" not in parsed


@pytest.mark.parametrize("phrase, date", [
    ("2027年上半年", dt.date(2027, 6, 30)), ("2027年内", dt.date(2027, 12, 31)), ("年底", dt.date(2027, 12, 31)),
    ("第三季度末", dt.date(2027, 9, 30)), ("第二季度结束前", dt.date(2027, 6, 30)),
    ("截止2027年12月", dt.date(2027, 12, 31)), ("期限2028年3月31日", dt.date(2028, 3, 31)),
    ("下半年", dt.date(2027, 12, 31)), ("by the end of Q3 2027", dt.date(2027, 9, 30)),
])
def test_deadline_phrases_mean_their_date(phrase: str, date: dt.date) -> None:
    parsed = parse_goal_text(f"{phrase}，有效线索数达到500个", year=2027)
    assert parsed["deadline"] == date and parsed["metric"] == "有效线索数", parsed


def test_a_year_less_phrase_takes_the_engagements_scheme_year_and_says_so() -> None:
    eng = load_engagement(SMALL)  # governance.effective_date 2027-01-01
    g = Goal(id="g", text="年底前公众号粉丝增长到10万")
    r = smart_check(g, engagement=eng)
    assert r.parsed["deadline"] == dt.date(2027, 12, 31) and r.parsed["year_source"] == "engagement"
    item = next(i for i in r.items if i["field"] == "deadline")
    assert item["ok"] and "方案年度 2027" in str(item["message"])
    eng.governance.effective_date = None
    r = smart_check(g, engagement=eng, year=2029)
    assert r.parsed["deadline"] == dt.date(2029, 12, 31) and r.parsed["year_source"] == "argument"
    r = smart_check(g, engagement=eng)  # no year anywhere: the clock is not read, the phrase stays vague
    assert r.parsed["deadline"] == "年底" and "year_source" not in r.parsed


def test_relative_year_from_today_is_said() -> None:
    r = smart_check("明年3月31日前完成3场新品发布会", lang="en", today=dt.date(2026, 5, 1))
    assert r.parsed["deadline"] == dt.date(2027, 3, 31) and r.parsed["year_source"] == "today"
    assert "counted from today" in str(next(i for i in r.items if i["field"] == "deadline")["message"])


@pytest.mark.parametrize("text", ["加强品牌建设", "做好客户关系维护工作", "品牌美誉度", "2027年加强新媒体运营",
                                  "Build a stronger social media presence"])
def test_no_measurable_quantity_is_not_s_whatever_the_verb(text: str) -> None:
    r = smart_check(text)
    s = next(i for i in r.items if i["field"] == "metric")
    assert not s["ok"] and r.vague and not r.ok


def test_an_activity_is_named_as_such() -> None:
    s = next(i for i in smart_check("加强品牌建设").items if i["field"] == "metric")
    assert "品牌建设" in str(s["message"]) and "不是可衡量的量" in str(s["message"])
    s = next(i for i in smart_check("提升品牌认知度").items if i["field"] == "metric")
    assert "品牌认知度" in str(s["message"]) and "没有数量" in str(s["message"])


def test_points_change_with_baseline_derives_the_target_and_says_so() -> None:
    r = smart_check("活动到场率由60%提升5个百分点", lang="en")
    assert r.parsed["target"] == 65.0 and r.parsed["target_derived"]
    msg = str(next(i for i in r.items if i["field"] == "target")["message"])
    assert "percentage points" in msg and "65" in msg


def test_structured_target_wins_over_a_change_in_the_text() -> None:
    g = Goal(id="g", text="品牌认知度提升20%", target=30, unit="%")
    r = smart_check(g)
    assert r.parsed["target"] == 30 and "change" not in r.parsed


def test_jieba_runs_quietly_with_an_unwritable_cache(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    ro = tmp_path / "ro"
    ro.mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": "/proc/no-cache", "HOME": "/proc/no-home", "TMPDIR": "/proc/no-tmp"}
    code = ("from toolkit.checks.goals import parse_goal_text;"
            "print(parse_goal_text('2027年第二季度结束前，线下门店活动带来的订单数达到800单')['metric'])")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env, cwd=ro, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "线下门店活动带来的订单数"
    assert proc.stderr == "", proc.stderr
