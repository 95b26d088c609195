"""Workshop panels and controller driven as plain Python objects (no browser): what the room sees and what is kept."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from toolkit.cli import main
from toolkit.model.engagement import load_engagement
from toolkit.model.errors import InputError
from toolkit.model.paths import samples_dir
from toolkit.weights.analysis import analyse
from toolkit.weights.group import group_analyse
from toolkit.weights.judgments import judgment_set
from toolkit.workshop.journal import Journal, JournalConflict
from toolkit.workshop.page import WorkshopPage, workshop_page
from toolkit.workshop.session import Workshop, open_workshop
from toolkit.workshop.widgets import GoalEditor, IndicatorPicker, PairwisePanel, scale_options


@pytest.fixture
def eng_path(tmp_path: Path) -> Path:
    dst = tmp_path / "engagement.yaml"
    shutil.copy(samples_dir() / "small_company" / "engagement.yaml", dst)
    return dst


def _with_participants(path: Path, names: list[tuple[str, float]], aggregation: str = "aij") -> None:
    """Name the first role's workshop participants (as a consultant would in the YAML)."""
    text = path.read_text(encoding="utf-8")
    eng = load_engagement(path)
    role = eng.roles[0]
    block = f"    weighting:\n      method: ahp\n      aggregation: {aggregation}\n      participants:\n" + "".join(
        f"        - {{name: {n}, weight: {w}}}\n" for n, w in names)
    marker = f"  - id: {eng.roles[1].id}\n"
    assert marker in text and "weighting" not in text.split(marker)[0].split(f"- id: {role.id}")[1]
    path.write_text(text.replace(marker, block + marker, 1), encoding="utf-8")


def test_scale_is_saaty_in_chinese_left_means_left_stronger() -> None:
    opts = scale_options("zh")
    assert len(opts) == 17 and opts[0][1] == 9 and opts[8] == ("同等重要 1", 1.0) and opts[-1][1] == pytest.approx(1 / 9)
    assert opts[0][0].startswith("←") and "极端重要" in opts[0][0] and opts[-1][0].endswith("→")
    assert [v for _, v in opts] == sorted((v for _, v in opts), reverse=True)


def test_slider_answers_update_weights_cr_and_are_journaled(eng_path: Path) -> None:
    ws = open_workshop(eng_path, who="顾问甲")
    panel = PairwisePanel(ws)
    ids = ws.indicators(panel.role.value)
    start = panel.results.html.value
    assert "尚有 6 对未作答" in start and "CR =" not in start  # nothing to judge consistency on yet
    panel.sliders[("", ids[0], ids[1])].value = 3
    panel.sliders[("", ids[0], ids[2])].value = 5
    assert "CR =" not in panel.results.html.value  # ids[3] still unconnected: weights provisional
    panel.sliders[("", ids[0], ids[3])].value = 2
    panel.sliders[("", ids[1], ids[2])].value = 3
    html = panel.results.html.value
    # the page shows exactly what the weights engine computes for the same (incomplete) judgments
    expected = analyse(ws.matrix(panel.role.value, ""), names=ids)
    assert f"CR = {expected.cr:.3f}" in html and "尚有 2 对未作答" in html
    assert f"{expected.weights[ids[0]]:.1%}" in html and expected.weights.idxmax() == ids[0]
    state = ws.journal.state()  # type: ignore[union-attr]
    assert state[f"j/{panel.role.value}//{ids[0]}/{ids[1]}"] == 3
    hist = ws.journal.history()  # type: ignore[union-attr]
    assert set(hist[hist["kind"] == "answer"]["who"]) == {"顾问甲"}
    ws.journal.close()  # type: ignore[union-attr]

    # a new session (new kernel) restores the sliders exactly
    again = open_workshop(eng_path)
    panel2 = PairwisePanel(again)
    assert panel2.sliders[("", ids[0], ids[1])].value == 3 and panel2.sliders[("", ids[1], ids[2])].value == 3
    assert panel2.results.html.value == html
    assert "✓ 5" in panel2.status[("", ids[0], ids[2])].value
    assert "未作答" in panel2.status[("", ids[1], ids[3])].value


def test_accepting_a_suggestion_is_explicit_and_recorded(eng_path: Path) -> None:
    ws = open_workshop(eng_path, who="顾问甲")
    panel = PairwisePanel(ws)
    rid = panel.role.value
    a, b, c, d = ws.indicators(rid)[:4]
    panel.sliders[("", a, d)].value = 2
    panel.sliders[("", a, b)].value = 5
    panel.sliders[("", b, c)].value = 5
    panel.sliders[("", a, c)].value = 1 / 5  # contradicts the two above
    assert panel.results.accept.layout.display != "none"
    assert "最不一致的判断" in panel.results.html.value
    suggestion = ws.analysis(rid, "").suggestion
    assert suggestion is not None
    before = ws.journal.state()  # type: ignore[union-attr]
    assert before == ws.journal.state()  # nothing applied by itself  # type: ignore[union-attr]
    panel.results.accept.click()
    key = f"j/{rid}//{suggestion['a']}/{suggestion['b']}" if ws.indicators(rid).index(suggestion["a"]) < \
        ws.indicators(rid).index(suggestion["b"]) else f"j/{rid}//{suggestion['b']}/{suggestion['a']}"
    ev = ws.journal.history(key).iloc[-1]  # type: ignore[union-attr]
    assert ev["kind"] == "accept" and ev["who"] == "顾问甲" and '"cr_after"' in ev["note"]
    assert "已采纳" in panel.results.message.value
    # the slider moved to the accepted value, and CR went down
    assert ws.judgment(rid, "", suggestion["a"], suggestion["b"]) == pytest.approx(suggestion["suggested"])
    assert ws.analysis(rid, "").result.cr < suggestion["cr"]


def test_participants_kept_apart_group_aggregate_and_participant_view(eng_path: Path) -> None:
    _with_participants(eng_path, [("张总", 2.0), ("李经理", 1.0)])
    ws = open_workshop(eng_path)
    panel = PairwisePanel(ws)
    rid = panel.role.value
    ids = ws.indicators(rid)
    assert panel.participant.value == "*"  # everyone side by side
    assert {p for p, _, _ in panel.sliders} == {"张总", "李经理"}
    panel.sliders[("张总", ids[0], ids[1])].value = 5
    panel.sliders[("李经理", ids[0], ids[1])].value = 1 / 3
    panel.sliders[("张总", ids[1], ids[2])].value = 2
    panel.sliders[("李经理", ids[1], ids[2])].value = 2
    assert ws.judgment(rid, "张总", ids[0], ids[1]) == 5 and ws.judgment(rid, "李经理", ids[0], ids[1]) == 1 / 3
    group = ws.analysis(rid, group=True)
    filled = []
    for p in ("张总", "李经理"):
        m = ws.matrix(rid, p)
        filled += [(ids[i], ids[j], float(np.where(np.isnan(m), 1, m)[i, j]), p)
                   for i in range(len(ids)) for j in range(i + 1, len(ids))]
    from toolkit.model.schema import Judgment

    expected = group_analyse(judgment_set([Judgment(a=a, b=b, value=v, participant=p) for a, b, v, p in filled],
                                          elements=ids), weights={"张总": 2.0, "李经理": 1.0})
    assert group.weights == pytest.approx(expected.weights.to_dict())
    assert group.result.cr == pytest.approx(expected.aggregate.cr)
    assert group.consensus == pytest.approx(expected.consensus)
    assert "群体综合" in panel.results.html.value
    ws.journal.close()  # type: ignore[union-attr]

    # participant view: only 李经理's sliders and result, nobody else's answers on the page
    view = open_workshop(eng_path, participant="李经理")
    vp = PairwisePanel(view)
    assert {p for p, _, _ in vp.sliders} == {"李经理"}
    html = vp.results.html.value
    assert "张总" not in html and "群体综合" not in html
    with pytest.raises(InputError):
        view.answer(rid, "张总", ids[0], ids[1], 3)  # cannot write someone else's answer
    vp.sliders[("李经理", ids[2], ids[3])].value = 4
    assert view.journal.history().iloc[-1]["who"] == "李经理"  # type: ignore[union-attr]


def test_two_sessions_see_each_others_answers_after_refresh(eng_path: Path) -> None:
    one, two = open_workshop(eng_path, who="甲"), open_workshop(eng_path, who="乙")
    page_two = WorkshopPage(two)
    rid = one.roles()[0][0]
    ids = one.indicators(rid)
    one.answer(rid, "", ids[0], ids[1], 7)
    assert page_two.weights.sliders[("", ids[0], ids[1])].value == 1
    page_two.poll_once()
    assert page_two.weights.sliders[("", ids[0], ids[1])].value == 7
    # syncing the slider did not write a second event
    assert len(two.journal.history(f"j/{rid}//{ids[0]}/{ids[1]}")) == 1  # type: ignore[union-attr]


def test_goal_editor_gives_smart_feedback_as_you_type(eng_path: Path) -> None:
    ws = open_workshop(eng_path)
    ed = GoalEditor(ws)
    gid = ws.engagement.goals[0].id
    ed.boxes[gid].value = "提升品牌形象"
    assert "含糊用语" in ed.feedback[gid].value and "提升" in ed.feedback[gid].value
    ed.boxes[gid].value = "华东区域品牌认知度 2027-12-31 前由 15% 提升到 20%"
    fb = ed.feedback[gid].value
    assert "含糊用语" not in fb and "目标值：20" in fb
    assert ws.journal.state()[f"goal/{gid}/text"].startswith("华东区域")  # type: ignore[union-attr]


def test_indicator_picker_shows_the_balance_live(eng_path: Path) -> None:
    ws = open_workshop(eng_path)
    pick = IndicatorPicker(ws)
    rid = pick.role.value
    chosen = list(pick.picker.value)
    from toolkit.model.catalogue import load_catalogue

    cat = load_catalogue()
    nq = sum(cat[i].quantitative for i in chosen)
    assert f"定量 {nq} 项、定性 {len(chosen) - nq} 项" in pick.balance.value
    quant_only = [i for i in chosen if cat[i].quantitative]
    pick.picker.value = tuple(quant_only)
    assert "定性 0 项" in pick.balance.value and "定量权重占比 100%" in pick.balance.value
    assert ws.indicators(rid) == quant_only and ws.journal.state()[f"ind/{rid}"] == quant_only  # type: ignore[union-attr]


def test_save_writes_yaml_atomically_keeps_previous_and_comments(eng_path: Path) -> None:
    original = eng_path.read_text(encoding="utf-8")
    ws = open_workshop(eng_path, who="顾问甲")
    rid = ws.roles()[0][0]
    ids = ws.indicators(rid)
    ws.answer(rid, "", ids[0], ids[1], 3)
    ws.answer(rid, "", ids[1], ids[2], 1 / 2)
    page = WorkshopPage(ws)
    page.save.click()
    assert "已保存" in page.status.value
    assert eng_path.with_suffix(".prev.yaml").read_text(encoding="utf-8") == original
    saved = eng_path.read_text(encoding="utf-8")
    assert saved.splitlines()[0] == original.splitlines()[0]  # comments kept
    eng = load_engagement(eng_path)
    js = {(j.a, j.b): j.value for j in eng.role(rid).weighting.judgments}
    assert js == {(ids[0], ids[1]): 3, (ids[1], ids[2]): pytest.approx(0.5)}
    # ad_placement is weighted directly: saving judgments keeps method: direct and the file weights …
    assert eng.role(rid).weighting.method == "direct"
    assert [ri.weight for ri in eng.role(rid).indicators] == [20, 30, 25, 25]
    # saving is not a hand edit: reopening asks nothing
    ws.journal.close()  # type: ignore[union-attr]
    assert open_workshop(eng_path).journal.check.status == "ok"  # type: ignore[union-attr]


def test_hand_edit_during_the_workshop_offers_keep_or_reload(eng_path: Path) -> None:
    ws = open_workshop(eng_path)
    page = WorkshopPage(ws)
    rid = ws.roles()[0][0]
    ids = ws.indicators(rid)
    ws.answer(rid, "", ids[0], ids[1], 3)
    eng_path.write_text(eng_path.read_text(encoding="utf-8").replace("杭州山岚茶饮有限公司", "杭州山岚茶饮（手改）"),
                        encoding="utf-8")
    page.save.click()  # must not overwrite the hand edit silently
    assert "手工修改" in page.banner.value and page.choice.layout.display == "flex"
    assert "手改" in eng_path.read_text(encoding="utf-8")
    page.reload.click()
    assert page.choice.layout.display == "none"
    assert ws.engagement.client.name == "杭州山岚茶饮（手改）" and ws.judgment(rid, "", ids[0], ids[1]) is None
    # the answer is still in the history
    assert ws.journal.replay().get(f"j/{rid}//{ids[0]}/{ids[1]}") is None  # type: ignore[union-attr]
    assert (ws.journal.history(f"j/{rid}//{ids[0]}/{ids[1]}")["new"] == 3).any()  # type: ignore[union-attr]


def test_page_offers_choices_for_a_foreign_journal(eng_path: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other.yaml"
    other.write_text(eng_path.read_text(encoding="utf-8").replace("杭州山岚茶饮有限公司", "别家公司"), encoding="utf-8")
    with Journal.open(other) as j:
        j.record("x", 1)
    (tmp_path / "engagement.journal.sqlite").write_bytes((tmp_path / "other.journal.sqlite").read_bytes())
    with pytest.raises(JournalConflict):
        open_workshop(eng_path)
    monkeypatch.setenv("APPRAISAL_WORKSHOP_ENGAGEMENT", str(eng_path))
    box = workshop_page(poll=None)
    text = box.children[0].value
    assert "另一个方案文件" in text
    buttons = [c.children[0] for c in box.children[1].children]
    assert [b.description for b in buttons] == ["保留工作坊答案", "重新载入文件"]
    buttons[1].click()
    assert "ws-page" in box.children[0]._dom_classes
    assert list(tmp_path.glob("engagement.journal.foreign-*.sqlite"))


def test_page_without_engagement_or_with_bad_engagement_shows_a_message(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("APPRAISAL_WORKSHOP_ENGAGEMENT", raising=False)
    assert "appraisal workshop" in workshop_page(poll=None).children[0].value
    bad = tmp_path / "bad.yaml"
    bad.write_text("client: [\n", encoding="utf-8")
    assert "YAML" in workshop_page(str(bad), poll=None).children[0].value


def test_cli_rejects_bad_input_without_traceback(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["workshop", str(tmp_path / "missing.yaml"), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "找不到文件" in err and "Traceback" not in err


def test_in_memory_workshop_for_notebooks(eng_path: Path) -> None:
    ws = Workshop(load_engagement(eng_path))  # no journal: usable in a JupyterLab notebook
    panel = PairwisePanel(ws)
    ids = ws.indicators(panel.role.value)
    panel.sliders[("", ids[0], ids[1])].value = 9
    weights = ws.analysis(panel.role.value, "").weights
    assert max(weights, key=weights.get) == ids[0] and weights[ids[0]] > 1.5 / len(ids)
    assert not list(eng_path.parent.glob("*.sqlite"))


def test_indicator_change_in_one_browser_rebuilds_the_other(eng_path: Path) -> None:
    one, two = open_workshop(eng_path, who="甲"), open_workshop(eng_path, who="乙")
    page_two = WorkshopPage(two)
    rid = one.roles()[0][0]
    ids = one.indicators(rid)
    one.set_indicators(rid, ids[:3])
    one.add_participant("王主管")
    page_two.poll_once()
    assert {(a, b) for _, a, b in page_two.weights.sliders} == {(ids[0], ids[1]), (ids[0], ids[2]), (ids[1], ids[2])}
    assert "王主管" in [v for _, v in page_two.weights.participant.options]
    assert tuple(page_two.indicators.picker.value) == tuple(ids[:3])


def test_joint_answers_stay_visible_when_a_named_participant_joins(eng_path: Path) -> None:
    ws = open_workshop(eng_path)
    rid = ws.roles()[0][0]
    ids = ws.indicators(rid)
    ws.answer(rid, None, ids[0], ids[1], 3)
    ws.journal.close()  # type: ignore[union-attr]
    room = open_workshop(eng_path)
    room.add_participant("张总")
    room.answer(rid, "张总", ids[0], ids[1], 1 / 3)
    assert room.participants() == ["", "张总"]
    panel = PairwisePanel(room)
    assert {p for p, _, _ in panel.sliders} == {"", "张总"}
    assert "共同判断" in panel.results.html.value and "群体综合" in panel.results.html.value


def test_english_page(eng_path: Path) -> None:
    page = WorkshopPage(open_workshop(eng_path, lang="en"), lang="en")
    assert page.tabs.titles == ("Goals", "Indicators", "Weights", "Progress")  # the facilitator's page
    assert page.save.description == "Save to engagement"
    assert "equally important 1" in [label for label, _ in scale_options("en")]


def test_aip_aggregation_goes_through_the_engine(eng_path: Path) -> None:
    _with_participants(eng_path, [("张总", 1.0), ("李经理", 3.0)], aggregation="aip")
    ws = open_workshop(eng_path)
    rid = ws.roles()[0][0]
    ids = ws.indicators(rid)
    values = {"张总": [3, 5, 2, 3, 1 / 2, 1 / 3], "李经理": [1 / 2, 3, 1, 2, 1 / 3, 1 / 5]}
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    for p, vals in values.items():
        for (i, j), v in zip(pairs, vals):
            ws.answer(rid, p, ids[i], ids[j], v)
    group = ws.analysis(rid, group=True)
    from toolkit.model.schema import Judgment

    expected = group_analyse(judgment_set([Judgment(a=ids[i], b=ids[j], value=v, participant=p)
                                           for p, vals in values.items() for (i, j), v in zip(pairs, vals)],
                                          elements=ids), weights={"张总": 1.0, "李经理": 3.0}, aggregation="aip")
    assert group.aggregation == "aip" and not group.provisional
    assert group.weights == pytest.approx(expected.weights.to_dict())
    assert group.consensus == pytest.approx(expected.consensus)
    assert "AIP" in PairwisePanel(ws).results.html.value


def test_direct_role_shows_file_weights_until_the_judgments_are_chosen_explicitly(eng_path: Path) -> None:
    ws = open_workshop(eng_path, who="顾问甲")
    page = WorkshopPage(ws)
    panel = page.weights
    assert panel.role.value == "ad_placement"
    html = panel.results.html.value
    # the file's weights are the current weights; the AHP column is only what the judgments say so far
    assert "当前权重（方案文件）" in html and "目前判断所得权重" in html and "最终权重" not in html
    assert [f"<td class='wc-{k}'><b>{v}%</b></td>" in html for k, v in enumerate((20, 30, 25, 25))] == [True] * 4
    assert panel.results.use.layout.display != "none"
    ids = ws.indicators("ad_placement")
    values = {(0, 1): 3, (0, 2): 2, (0, 3): 1, (1, 2): 2, (1, 3): 3, (2, 3): 1}
    for (i, j), v in values.items():
        if v == 1:  # "equally important" is confirmed without moving the slider
            ws.answer("ad_placement", "", ids[i], ids[j], 1)
        else:
            panel.sliders[("", ids[i], ids[j])].value = v
    panel.build()
    assert "当前权重（方案文件）" in panel.results.html.value  # answering alone never replaces the file weights
    panel.results.use.click()  # the explicit choice, journaled
    assert ws.journal.state()["method/ad_placement"] == "ahp"  # type: ignore[union-attr]
    html = panel.results.html.value
    assert "当前权重（方案文件）" not in html and "最终权重（整数 %，用于考核表）" in html
    final = ws.final_percent("ad_placement")
    assert final is not None and sum(final.values()) == 100 and min(final.values()) >= 5
    page.save.click()
    role = load_engagement(eng_path).role("ad_placement")
    assert role.weighting.method == "ahp" and len(role.weighting.judgments) == 6
    assert {ri.id: ri.weight for ri in role.indicators} == final


def test_final_whole_percent_weights_are_the_documents(eng_path: Path) -> None:
    """event_planning's judgments give raw AHP 34.9/18.4/9.8/18.4/18.4 %; the forms use 35/18/10/19/18."""
    from toolkit.weights.hierarchy import role_weights

    ws = open_workshop(eng_path)
    expected = role_weights(load_engagement(eng_path).role("event_planning")).percent
    assert ws.final_percent("event_planning") == expected
    panel = PairwisePanel(ws, role="event_planning")
    html = panel.results.html.value
    assert "最终权重（整数 %，用于考核表）" in html and "当前权重" not in html
    ids = ws.indicators("event_planning")
    cells = [f"<td class='wf-{k}'><b>{expected[i]}%</b></td>" for k, i in enumerate(ids)]
    assert all(c in html for c in cells), html
    a = ws.analysis("event_planning")
    assert any(abs(a.weights[i] * 100 - expected[i]) > 0.1 for i in ids)  # the raw weights are not whole
    # an incomplete comparison has no final weights yet, and says so
    ws.answer("event_planning", "", ids[0], ids[1], None)
    ws.answer("event_planning", "", ids[0], ids[2], None)
    ws.answer("event_planning", "", ids[0], ids[3], None)
    ws.answer("event_planning", "", ids[0], ids[4], None)
    assert ws.final_percent("event_planning") is None
    panel.build()
    assert "在所有比较完成后显示" in panel.results.html.value


def test_page_opens_on_goals_with_goal_and_strategy_texts(eng_path: Path) -> None:
    ws = open_workshop(eng_path)
    page = WorkshopPage(ws)
    assert page.tabs.selected_index == 0 and page.tabs.titles[0] == "部门目标"
    eng = load_engagement(eng_path)
    head = page.goals.widget.children[0].children[0].value
    strategy = {s.id: s.text for s in eng.strategy}
    assert eng.goals[0].text in head and strategy[eng.goals[0].strategy[0]] in head
    assert "g_brand_awareness" not in head and "s_east_brand" not in head
    feedback = page.goals.feedback[eng.goals[0].id].value
    assert "服务于战略：" + strategy["s_east_brand"] in feedback and "s_east_brand" not in feedback
    ws.journal.close()  # type: ignore[union-attr]
    # a participant (on the roster) only gives judgments: their page opens on the weights, without the progress tab
    _with_participants(eng_path, [("张总", 1.0)])
    mine = WorkshopPage(open_workshop(eng_path, participant="张总", resolve="reload"))
    assert mine.tabs.selected_index == 2 and len(mine.tabs.children) == 3
