"""SMART parsing and checks, and the strategy-alignment check."""
from __future__ import annotations

import datetime as dt

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
