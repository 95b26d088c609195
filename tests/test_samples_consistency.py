"""The samples say of their people what the employee list says, and their notes promise nothing the scheme
and the engine do not do."""
from __future__ import annotations

import re

import pytest


def _title_ok(eng, name: str, title: str) -> bool:
    """A listed employee is named by their role; a management role's holder by a manager's title."""
    emp = next((e for e in eng.employees if e.name == name), None)
    if emp is None:
        return True  # not appraised here (e.g. the department head, another department's director)
    role = next(r for r in eng.roles if r.id == emp.role)
    bare = re.sub(r"（.*?）", "", title)
    return bare == role.name or (role.role_type == "management" and bare.endswith(("总监", "经理")))


@pytest.mark.parametrize("which", ["small", "mid"])
def test_goal_owners_and_ahp_participants_hold_their_listed_roles(which, request):
    eng = request.getfixturevalue(which)
    wrong = []
    for g in eng.goals:
        title, _, name = (g.owner or "").rpartition(" ")
        if not _title_ok(eng, name, title):
            wrong.append(f"{g.id}: {g.owner}")
    for r in eng.roles:
        for p in getattr(r.weighting, "participants", None) or []:
            if not _title_ok(eng, p.name, p.title):
                wrong.append(f"{r.id}: {p.name} {p.title}")
    assert wrong == []


@pytest.mark.parametrize("which", ["small", "mid"])
def test_notes_promise_nothing_the_engine_does_not_do(which, request):
    notes = request.getfixturevalue(which).notes
    # no trial period without a pay link: neither the scheme nor the engine has one
    assert not re.search(r"试运行|不与绩效工资挂钩|正式挂钩", notes)
    # a longer-cycle indicator counts in every period it covers (the rulebook's other-cycles rule)
    assert "不计入月度得分" not in notes and "不纳入个人月度得分" not in notes
