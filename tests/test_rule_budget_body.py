"""The budget rule names the body the engagement has: the 绩效管理委员会, or the small company's leaders."""
from __future__ import annotations

from conftest import with_changes

from toolkit.documents.content import build_document


def _budget(doc) -> str:
    return next(b.text for c in doc.chapters for a in c.articles for b in a.blocks
                if getattr(b, "text", "") and ("预算为" in b.text or "performance-pay budget" in b.text))


def test_small_company_budget_overrun_goes_to_its_leaders(small):
    eng = with_changes(small, result_use__pay_rule="coefficient", result_use__bonus_pool=180000)
    zh = build_document(eng, "zh")
    sentence = _budget(zh)
    assert "绩效管理委员会" not in sentence
    assert "由总经理、市场部经理和行政人事主管在公布结果前调整" in sentence
    en = _budget(build_document(eng, "en"))
    assert "committee" not in en.lower()
    assert ("resolved by the General Manager, the Marketing Manager and the Admin & HR Supervisor before results"
            in en)
    # the organisation chapter names the same people as those who approve the results
    assert "总经理、市场部经理和行政人事主管负责审定本办法" in zh.all_text()


def test_midsize_budget_overrun_goes_to_the_committee(mid):
    assert "超出时由绩效管理委员会在公布结果前调整" in _budget(build_document(mid, "zh"))
    assert "resolved by the Performance Management Committee before" in _budget(build_document(mid, "en"))
