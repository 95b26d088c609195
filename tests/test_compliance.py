"""Compliance checks: forced distribution on small groups, dismissal wording, democratic procedure, appeals."""
from __future__ import annotations

import pytest
from conftest import with_changes

from toolkit.checks.compliance import calibration_groups, compliance_findings, dismissal_words
from toolkit.checks.engagement import check_engagement
from toolkit.documents.content import build_document
from toolkit.model.messages import language


def codes(findings):
    return [f.code for f in findings]


def test_samples_are_clean(small, mid):
    assert compliance_findings(small) == []
    assert compliance_findings(mid) == []


def test_forced_distribution_on_small_group_warns_per_group(mid):
    groups = calibration_groups(mid)
    assert sum(groups.values()) == len(mid.employees)
    eng = with_changes(mid, distribution__min_group_size=max(groups.values()) + 1)
    found = [f for f in compliance_findings(eng) if f.code == "compliance.forced_small_group"]
    assert len(found) == len(groups)
    assert all(f.severity == "warning" and f.location == "distribution.mode" for f in found)
    assert str(max(groups.values())) in found[0].message or str(min(groups.values())) in found[0].message


def test_small_company_forced_distribution_uses_headcount(small):
    eng = with_changes(small, employees=[], distribution={"mode": "forced", "shares": {"A": 0.3, "B": 0.6, "C": 0.1},
                                                   "min_group_size": 25})
    (f,) = [f for f in compliance_findings(eng) if f.code == "compliance.forced_small_group"]
    assert str(small.client.marketing_headcount) in f.message


def test_guideline_distribution_is_not_flagged(mid):
    eng = with_changes(mid, distribution__mode="guideline", distribution__min_group_size=1000)
    assert "compliance.forced_small_group" not in codes(compliance_findings(eng))


@pytest.mark.parametrize("text, word", [
    ("连续两次考核为 D 级者末位淘汰", "末位淘汰"),
    ("考核不合格者，公司予以辞退", "辞退"),
    ("年度排名最后 5% 的员工解除劳动合同", "解除劳动合同"),
    ("The bottom 10% are dismissed each year", "dismissed"),
])
def test_dismissal_wording_is_found_with_its_location(small, text, word):
    eng = with_changes(small, result_use__bottom_grade_action=text)
    (f,) = [f for f in compliance_findings(eng) if f.code == "compliance.dismissal_wording"]
    assert f.location == "result_use.bottom_grade_action"
    assert word in f.message
    assert "18" in f.message  # cites 指导案例18号


def test_dismissal_wording_in_promotion_and_notes(small):
    eng = with_changes(small, result_use__promotion="末位者不得晋升，并予以辞退", notes="实行末位淘汰")
    locs = sorted(f.location for f in compliance_findings(eng) if f.code == "compliance.dismissal_wording")
    assert locs == ["notes", "result_use.promotion"]


def test_negated_dismissal_wording_is_fine():
    assert dismissal_words("不得仅以考核等级为由解除劳动合同") == []
    assert dismissal_words("Staff are never dismissed for a ranking alone") == []
    assert dismissal_words("考核居于末位不等同于不能胜任工作，公司不以此辞退员工") == []


def test_democratic_procedure_removed(small):
    eng = with_changes(small, governance__democratic_procedure=False)
    (f,) = [f for f in compliance_findings(eng) if f.code == "compliance.no_democratic_procedure"]
    assert f.location == "governance.democratic_procedure"
    assert "第四条" in f.message
    # the lead's check includes our findings, and the document drops the clause and the sign-off sheet
    assert "compliance.no_democratic_procedure" in codes(check_engagement(eng))
    doc = build_document(eng, figures=False)
    keys = [a.title for c in doc.chapters for a in c.articles]
    assert "民主程序与公示" not in keys
    assert "acknowledgement" not in [a.key for a in doc.appendices]
    assert "acknowledgement" in [a.key for a in build_document(small, figures=False).appendices]


def test_missing_appeal_channel_deadline_and_decider(small):
    eng = with_changes(small, appeal={"channel": "", "window_days": None, "decision_days": 7, "decider": " "})
    found = {f.code: f.location for f in compliance_findings(eng)}
    assert found["compliance.no_appeal_channel"] == "appeal.channel"
    assert found["compliance.no_appeal_deadline"] == "appeal.window_days"
    assert found["compliance.no_appeal_decider"] == "appeal.decider"


def test_zero_coefficient_for_forced_bottom_grade(mid):
    bottom = min(mid.grades, key=lambda g: g.min_score).code
    coeffs = dict(mid.result_use.bonus_coefficients, **{bottom: 0.0})
    eng = with_changes(mid, result_use__bonus_coefficients=coeffs)
    (f,) = [f for f in compliance_findings(eng) if f.code == "compliance.zero_pay_bottom"]
    assert bottom in f.message


def test_messages_in_english(small):
    eng = with_changes(small, governance__democratic_procedure=False, result_use__bottom_grade_action="末位淘汰")
    with language("en"):
        msgs = [f.message for f in compliance_findings(eng)]
    assert any("Article 4 of the Labour Contract Law" in m for m in msgs)
    assert any("Guiding Case No. 18" in m for m in msgs)


def test_input_is_not_modified(small):
    before = small.model_dump()
    compliance_findings(small)
    assert small.model_dump() == before


def test_second_instance_on_the_committee_is_not_independent(mid):
    # the 总经理 sits on the 绩效管理委员会 that approves results and decides appeals
    eng = with_changes(mid, appeal__second_instance="总经理")
    (f,) = [f for f in compliance_findings(eng) if f.code == "compliance.appeal_second_not_independent"]
    assert f.severity == "warning" and f.location == "appeal.second_instance"
    assert "总经理" in f.message and "绩效管理委员会" in f.message and f.hint
    with language("en"):
        (en,) = [f for f in compliance_findings(eng) if f.code == "compliance.appeal_second_not_independent"]
    assert "second appeal instance" in en.message and "Performance Management Committee" in en.message
    assert "appeal.second_instance" in en.hint
    for body in ("绩效管理委员会", "市场中心绩效管理委员会"):  # the committee reviewing itself
        assert "compliance.appeal_second_not_independent" in codes(
            compliance_findings(with_changes(mid, appeal__second_instance=body)))


def test_small_company_leader_as_second_instance_is_not_independent(small):
    # 总经理 approves the results (one of the leaders) and decides appeals
    for second in ("总经理", small.governance.committee[-1]):
        eng = with_changes(small, appeal={"channel": "总经理办公室", "window_days": 5, "decision_days": 7,
                                          "decider": "总经理", "second_instance": second})
        found = [f for f in compliance_findings(eng) if f.code == "compliance.appeal_second_not_independent"]
        assert [f.location for f in found] == ["appeal.second_instance"], second
        assert second in found[0].message
    # the first-instance decider named again, though outside the leaders
    eng = with_changes(small, appeal={"channel": "总经理办公室", "window_days": 5, "decision_days": 7,
                                      "decider": "监事和执行董事", "second_instance": "执行董事"})
    assert "compliance.appeal_second_not_independent" in codes(compliance_findings(eng))


def test_second_instance_outside_committee_and_decider_is_fine(small, mid):
    for eng, second in ((mid, "董事长"), (small, "执行董事"), (mid, "董事会")):
        found = codes(compliance_findings(with_changes(eng, appeal__second_instance=second)))
        assert "compliance.appeal_second_not_independent" not in found, second
