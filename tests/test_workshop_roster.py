"""Issue 18 without a browser: the roster, invitation tokens, refusals, the facilitator's status view, English."""
from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import ipywidgets as w
import pytest

from toolkit.cli import main
from toolkit.model.engagement import load_engagement
from toolkit.model.errors import InputError
from toolkit.model.paths import samples_dir
from toolkit.workshop.access import TokenStore, check_password, hash_password, is_loopback, tokens_path
from toolkit.workshop.page import WorkshopPage, workshop_page
from toolkit.workshop.session import open_workshop
from toolkit.workshop.status import StatusPanel, role_status
from toolkit.workshop.widgets import PairwisePanel


def name_participants(path: Path, role_index: int, names: list[tuple[str, float]]) -> None:
    """Give one role of the sample a `weighting.participants` list (as the consultant would in the YAML)."""
    text = path.read_text(encoding="utf-8")
    eng = load_engagement(path)
    role = eng.roles[role_index]
    people = "".join(f"        - {{name: {n}, weight: {w}}}\n" for n, w in names)
    head, tail = text.split(f"  - id: {role.id}\n", 1)
    nxt = re.search(r"^  - id: |^\S", tail, re.MULTILINE)
    cut = nxt.start() if nxt else len(tail)
    body = tail[:cut]
    if "    weighting:\n" in body:  # the role has a weighting block already: add the participants to it
        body = body.replace("    weighting:\n", "    weighting:\n      participants:\n" + people, 1)
    else:
        body += "    weighting:\n      method: ahp\n      participants:\n" + people
    path.write_text(head + f"  - id: {role.id}\n" + body + tail[cut:], encoding="utf-8")


@pytest.fixture
def eng_path(tmp_path: Path) -> Path:
    dst = tmp_path / "engagement.yaml"
    shutil.copy(samples_dir() / "small_company" / "engagement.yaml", dst)
    name_participants(dst, 0, [("张总", 2), ("钱立诚", 1), ("李经理", 1)])
    name_participants(dst, 1, [("张总", 1)])
    return dst


def _texts(widget: w.Widget) -> list[str]:
    """Every text a widget tree shows (values, descriptions, options, tab titles)."""
    out: list[str] = []
    todo = [widget]
    while todo:
        x = todo.pop()
        for attr in ("value", "description", "placeholder", "tooltip"):
            v = getattr(x, attr, None)
            if isinstance(v, str):
                out.append(v)
        for o in getattr(x, "options", ()) or ():
            out.append(o[0] if isinstance(o, tuple) else str(o))
        out += list(getattr(x, "titles", ()) or ())
        todo += list(getattr(x, "children", ()) or ())
    return out


def test_a_typo_is_refused_with_a_suggestion_and_nobody_is_added(eng_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        open_workshop(eng_path, participant="钱立成")
    text = str(exc.value)
    assert "钱立成" in text and "是否是「钱立诚」" in text
    ws = open_workshop(eng_path)
    assert "钱立成" not in ws.roster() and set(ws.roster()) == {"张总", "钱立诚", "李经理"}
    assert not [k for k in ws.journal.state() if k.startswith("participant/")]  # type: ignore[union-attr]
    # the page says so instead of opening (open mode, ?participant=)
    os.environ["QUERY_STRING"] = "participant=%E9%92%B1%E7%AB%8B%E6%88%90"
    try:
        box = workshop_page(str(eng_path), poll=None)
    finally:
        del os.environ["QUERY_STRING"]
    shown = box.children[0].value
    assert "ws-refused" in shown and "钱立诚" in shown and len(box.children) == 1


def test_roles_per_person_and_no_column_for_non_members(eng_path: Path) -> None:
    ws = open_workshop(eng_path)
    r0, r1, r2 = (r.id for r in ws.engagement.roles)
    assert ws.roster() == {"张总": [r0, r1], "钱立诚": [r0], "李经理": [r0]}
    # r1 has joint judgments in the file beside 张总; r2 names nobody: the room's joint judgment only
    assert ws.participants(r1) == ["", "张总"] and ws.participants(r2) == [""]
    panel = PairwisePanel(ws, role=r1)
    assert {p for p, _, _ in panel.sliders} == {"", "张总"}  # no column of 未作答 for 钱立诚 / 李经理
    # a participant page lists only their roles and opens on the first of them
    view = open_workshop(eng_path, participant="钱立诚")
    assert [rid for rid, _ in view.roles()] == [r0]
    vp = PairwisePanel(view)
    assert vp.role.value == r0 and [v for _, v in vp.role.options] == [r0]
    ids = view.indicators(r1)
    with pytest.raises(InputError):
        view.answer(r1, "钱立诚", ids[0], ids[1], 3)  # not a participant of that role


def test_group_only_from_those_who_answered(eng_path: Path) -> None:
    ws = open_workshop(eng_path)
    rid = ws.roles()[0][0]
    ids = ws.indicators(rid)
    panel = PairwisePanel(ws)
    html = panel.results.html.value
    assert "群体综合（" not in html and "已作答 0 人" in html  # no group column before anyone answered
    ws.answer(rid, "张总", ids[0], ids[1], 3)
    panel.build()
    assert "群体综合（" not in panel.results.html.value and "已作答 1 人" in panel.results.html.value
    ws.answer(rid, "李经理", ids[0], ids[1], 2)
    panel.build()
    assert "群体综合（AIJ，2 人）" in panel.results.html.value  # 钱立诚 has not answered: not counted
    assert ws.analysis(rid, group=True).participants == ["张总", "李经理"]


def test_tokens_are_unguessable_private_and_compared_safely(eng_path: Path) -> None:
    store = TokenStore(eng_path)
    toks = store.ensure(["张总", "钱立诚"])
    assert len({toks["张总"], toks["钱立诚"], store.token(None)}) == 3
    assert all(len(v) >= 32 for v in toks.values())
    assert stat.S_IMODE(tokens_path(eng_path).stat().st_mode) == 0o600
    assert store.whose(toks["张总"]) == (True, "张总") and store.whose(store.token(None)) == (True, None)
    assert store.whose("x" + toks["张总"][1:]) == (False, None) and store.whose("") == (False, None)
    assert TokenStore(eng_path).ensure(["张总"])["张总"] == toks["张总"]  # stable across restarts
    h = hash_password("茶山 2027")
    assert check_password("茶山 2027", h) and not check_password("茶山 2028", h) and "茶山" not in h
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")


def _page(eng_path: Path, query: str, monkeypatch: pytest.MonkeyPatch, mode: str = "tokens") -> w.Widget:
    monkeypatch.setenv("QUERY_STRING", query)
    monkeypatch.setenv("APPRAISAL_WORKSHOP_ACCESS", mode)
    monkeypatch.setenv("APPRAISAL_WORKSHOP_URL", "http://127.0.0.1:8866/")
    return workshop_page(str(eng_path), poll=None)


def test_pages_by_token(eng_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TokenStore(eng_path)
    tok = store.token("钱立诚")
    refused = _page(eng_path, "", monkeypatch)
    assert "ws-refused" in refused.children[0].value and "邀请链接" in refused.children[0].value
    bad = _page(eng_path, "token=abc", monkeypatch)
    assert "邀请链接无效" in bad.children[0].value
    mismatch = _page(eng_path, f"token={tok}&participant=%E5%BC%A0%E6%80%BB", monkeypatch)
    assert "钱立诚" in mismatch.children[0].value and "ws-refused" in mismatch.children[0].value
    mine = _page(eng_path, f"token={tok}", monkeypatch)
    texts = _texts(mine)
    assert any("参与人视图：钱立诚" in x for x in texts) and not any("作答进度" in x or x == "进度" for x in texts)
    boss = _page(eng_path, f"token={store.token(None)}", monkeypatch)
    assert "进度" in _texts(boss)
    assert any(store.token("张总") in x for x in _texts(boss))  # the facilitator sees the invitation links
    # password mode: the page asks first; a wrong password keeps it closed
    monkeypatch.setenv("APPRAISAL_WORKSHOP_PASSWORD_HASH", hash_password("s3cret"))
    gate = _page(eng_path, "", monkeypatch, mode="password")
    field = gate.children[1].children[0]
    field.value = "wrong"
    gate.children[1].children[1].click()
    assert "密码不正确" in gate.children[2].value and len(gate.children) == 3
    field.value = "s3cret"
    gate.children[1].children[1].click()
    assert "进度" in _texts(gate)


def test_status_view_progress_per_judge_help_and_group_driver(eng_path: Path) -> None:
    ws = open_workshop(eng_path)
    rid = ws.roles()[0][0]
    ids = ws.indicators(rid)
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    consistent = [3, 5, 2, 2, 1 / 2, 1 / 3]
    wild = [1 / 7, 7, 1 / 5, 5, 1 / 7, 9]       # far from everything: fails and drives the group CR
    for (i, j), v in zip(pairs, consistent):
        ws.answer(rid, "张总", ids[i], ids[j], v)
        ws.answer(rid, "李经理", ids[i], ids[j], v * (1.0 if v != 5 else 0.8))
    for (i, j), v in zip(pairs[:3], wild[:3]):
        ws.answer(rid, "钱立诚", ids[i], ids[j], v)
    st = role_status(ws, rid)
    by = {j.name: j for j in st.judges}
    assert by["张总"].done and not by["钱立诚"].done and st.open == ["钱立诚"]
    for (i, j), v in zip(pairs[3:], wild[3:]):
        ws.answer(rid, "钱立诚", ids[i], ids[j], v)
    st = role_status(ws, rid)
    by = {j.name: j for j in st.judges}
    assert by["钱立诚"].consistent is False and by["钱立诚"].worst is not None
    assert by["张总"].consistent is True
    assert st.answered_by == ["张总", "钱立诚", "李经理"] or set(st.answered_by) == {"张总", "钱立诚", "李经理"}
    assert st.consensus is not None and st.consensus_label
    assert st.group_consistent is False  # the wild judge pulls the AIJ aggregate over the threshold
    assert st.driver is not None and st.driver["name"] == "钱立诚"
    assert st.driver["cr_without"] < st.group_cr  # type: ignore[operator]
    panel = StatusPanel(ws)
    text = panel.table.value + panel.details.value
    assert "✓ 已完成" in text and "钱立诚 的 CR" in text and "最不一致的判断" in text
    assert "AHP-OS 标度" in text and "群体 CR 主要由 钱立诚 推高" in text
    other = ws.roles()[1][0]
    assert "还没有人作答" in text or "只有" in text or other not in text  # the second role: nobody answered


def test_english_page_has_no_chinese_ui_text(eng_path: Path) -> None:
    ws = open_workshop(eng_path, lang="en")
    page = WorkshopPage(ws, lang="en", base_url="http://127.0.0.1:8866/", tokens=TokenStore(eng_path))
    page.weights.participant.value = "*"
    rid = ws.roles()[0][0]
    ids = ws.indicators(rid)
    for p in ("张总", "李经理"):
        for k, b in enumerate(ids[1:]):
            ws.answer(rid, p, ids[0], b, 3 if p == "张总" else 1 / (k + 2))
    page.weights.build()
    page.status_view.render()  # type: ignore[union-attr]
    data = {"张总", "钱立诚", "李经理", load_engagement(eng_path).client.name}
    data |= {g.text for g in ws.engagement.goals} | {s.text for s in ws.engagement.strategy}
    leftovers = []
    feedback = "".join(f.value for f in page.goals.feedback.values())
    assert "serves strategy: " in feedback and "；" not in feedback
    goal_heads = [c.children[0] for c in page.goals.widget.children]
    for text in _texts(page.weights.widget) + _texts(page.status_view.widget) + _texts(page.indicators.widget) + [
            h.value for h in goal_heads] + list(page.tabs.titles) + [page.save.description]:
        for d in sorted(data, key=len, reverse=True):
            text = text.replace(d, "")
        text = re.sub(r"<style>.*?</style>", "", text, flags=re.DOTALL)
        if re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", text):
            leftovers.append(text)
    assert not leftovers, leftovers[:3]
    assert [label for _, label in ws.roles()] == ["Paid media specialist", "Event planner", "Market researcher"] or all(
        not re.search(r"[\u4e00-\u9fff]", label) for _, label in ws.roles())


def test_cli_refuses_a_lan_address_without_tokens_or_password(eng_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["workshop", str(eng_path), "--ip", "0.0.0.0", "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "--tokens" in err and "--password" in err
