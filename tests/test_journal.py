"""The workshop journal: answers survive, concurrent writers never corrupt it, foreign/corrupt/edited detected."""
from __future__ import annotations

import multiprocessing as mp
import sqlite3
import threading
from pathlib import Path

import pytest

from toolkit.workshop.journal import Journal, JournalConflict, check_journal, journal_path

ENGAGEMENT = """# 客户方案（注释应保留）
client: {name: 测试公司, size: small, marketing_headcount: 6}
roles:
  - id: brand
    name: 品牌专员
    role_type: brand
"""


@pytest.fixture
def eng(tmp_path: Path) -> Path:
    p = tmp_path / "engagement.yaml"
    p.write_text(ENGAGEMENT, encoding="utf-8")
    return p


def key(p: str, a: str, b: str) -> str:
    return f"j/brand/{p}/{a}/{b}"


def test_answers_are_saved_at_once_with_old_and_new_and_restored(eng: Path) -> None:
    j = Journal.open(eng, who="顾问")
    first = j.record(key("张总", "a", "b"), 3.0, role="brand", participant="张总", a="a", b="b")
    second = j.record(key("张总", "a", "b"), 5.0, role="brand", participant="张总", a="a", b="b", who="张总")
    assert first["old"] is None and second["old"] == 3.0 and second["new"] == 5.0
    j.close()  # a fresh connection (another process / a restarted kernel) sees everything
    again = Journal.open(eng)
    assert again.check is not None and again.check.status == "ok"
    assert again.state() == {key("张总", "a", "b"): 5.0}
    hist = again.history(key("张总", "a", "b"))
    assert list(hist["who"]) == ["顾问", "张总"]
    assert list(hist["old"]) == [None, 3.0] and list(hist["new"]) == [3.0, 5.0]
    assert hist["ts"].is_monotonic_increasing
    again.close()


def test_replay_shows_how_judgments_evolved(eng: Path) -> None:
    with Journal.open(eng) as j:
        e1 = j.record("k1", 3.0)
        j.record("k2", 1 / 3)
        e3 = j.record("k1", 7.0)
        j.record("k2", None)  # cleared
        assert j.replay(e1["seq"]) == {"k1": 3.0}
        assert j.replay(e3["seq"]) == {"k1": 7.0, "k2": pytest.approx(1 / 3)}
        assert j.replay() == j.state() == {"k1": 7.0}


def _writer(eng: str, who: str, n: int) -> None:
    j = Journal.open(eng, who=who)
    for i in range(n):
        j.record(key("张总", "a", "b"), float(i % 9 + 1), role="brand", participant="张总", a="a", b="b")
        j.record(f"{who}/{i}", i)
    j.close()


def test_two_processes_answering_the_same_comparison_never_corrupt(eng: Path) -> None:
    Journal.open(eng).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(eng), who, 40)) for who in ("浏览器1", "浏览器2")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    con = sqlite3.connect(journal_path(eng))
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with Journal.open(eng) as j:
        hist = j.history(key("张总", "a", "b"))
        assert len(hist) == 80 and set(hist["who"]) == {"浏览器1", "浏览器2"}
        # the writers were serialised: each event's old value is exactly the previous event's new value
        assert list(hist["old"])[1:] == list(hist["new"])[:-1]
        assert j.state()[key("张总", "a", "b")] == hist["new"].iloc[-1]
        assert sum(k.startswith("浏览器") for k in j.state()) == 80


def test_threads_sharing_one_journal(eng: Path) -> None:
    with Journal.open(eng) as j:
        def work(t: int) -> None:
            for i in range(25):
                j.record("same", t * 100 + i)
        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        hist = j.history("same")
        assert len(hist) == 100 and list(hist["old"])[1:] == list(hist["new"])[:-1]


def test_hand_edited_engagement_is_detected_and_both_choices_lose_nothing(eng: Path) -> None:
    with Journal.open(eng) as j:
        j.record("goal/g1/text", "品牌认知度由 15% 提升到 20%")
    eng.write_text(ENGAGEMENT + "notes: 手工修改\n", encoding="utf-8")
    assert check_journal(eng).status == "edited"
    with pytest.raises(JournalConflict) as err:
        Journal.open(eng)
    assert err.value.check is not None and err.value.check.choices == ("keep", "reload")
    assert "手工修改" in str(err.value)

    # keep: the workshop answers stay, the hand-edited file is copied aside, base stays the journal's
    with Journal.open(eng, resolve="keep") as j:
        assert j.state() == {"goal/g1/text": "品牌认知度由 15% 提升到 20%"}
        assert "手工修改" not in j.base_text
    copies = list(eng.parent.glob("engagement.edited-*.yaml"))
    assert len(copies) == 1 and "手工修改" in copies[0].read_text(encoding="utf-8")
    assert check_journal(eng).status == "ok"  # acknowledged: no question next time

    # reload: the file wins, the answers remain in the history
    eng.write_text(ENGAGEMENT + "notes: 第二次修改\n", encoding="utf-8")
    with Journal.open(eng, resolve="reload") as j:
        assert j.state() == {}
        assert "第二次修改" in j.base_text
        assert j.replay(int(j.history("goal/g1/text")["seq"].iloc[0])) == {
            "goal/g1/text": "品牌认知度由 15% 提升到 20%"}


def test_edit_while_running_is_seen_by_the_open_journal(eng: Path) -> None:
    with Journal.open(eng) as j:
        assert not j.file_changed()
        eng.write_text(ENGAGEMENT + "notes: x\n", encoding="utf-8")
        assert j.file_changed()
        j.acknowledge_file()
        assert not j.file_changed()
        assert len(list(eng.parent.glob("engagement.edited-*.yaml"))) == 1


def test_journal_of_another_engagement(eng: Path, tmp_path: Path) -> None:
    other = tmp_path / "other" / "engagement.yaml"
    other.parent.mkdir()
    other.write_text(ENGAGEMENT.replace("测试公司", "另一家公司"), encoding="utf-8")
    with Journal.open(other) as j:
        j.record("x", 1)
    journal_path(eng).write_bytes(journal_path(other).read_bytes())
    check = check_journal(eng)
    assert check.status == "foreign" and check.recorded_path == str(other.resolve())
    with pytest.raises(JournalConflict, match="另一个方案文件"):
        Journal.open(eng)
    with Journal.open(eng, resolve="reload") as j:
        assert j.state() == {}
    aside = list(tmp_path.glob("engagement.journal.foreign-*.sqlite"))
    assert len(aside) == 1  # set aside, not deleted


def test_foreign_journal_keep_applies_its_answers_to_this_engagement(eng: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(ENGAGEMENT.replace("测试公司", "另一家公司"), encoding="utf-8")
    with Journal.open(other) as j:
        j.record("x", 1)
    journal_path(eng).write_bytes(journal_path(other).read_bytes())
    with Journal.open(eng, resolve="keep") as j:
        assert j.state() == {"x": 1}
        assert "测试公司" in j.base_text and "另一家公司" not in j.base_text
    assert check_journal(eng).status == "ok"


def test_moved_folder_is_accepted_without_question(eng: Path, tmp_path: Path) -> None:
    with Journal.open(eng) as j:
        j.record("x", 2)
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "engagement.yaml").write_bytes(eng.read_bytes())
    (moved / "engagement.journal.sqlite").write_bytes(journal_path(eng).read_bytes())
    with Journal.open(moved / "engagement.yaml") as j:
        assert j.check is not None and j.check.status == "moved"
        assert j.state() == {"x": 2}


def test_corrupt_journal_is_set_aside_never_deleted(eng: Path, tmp_path: Path) -> None:
    journal_path(eng).write_bytes(b"this is not a database" * 100)
    check = check_journal(eng)
    assert check.status == "corrupt"
    with pytest.raises(JournalConflict, match="已损坏"):
        Journal.open(eng)
    with Journal.open(eng, resolve="reload") as j:
        assert j.state() == {}
    aside = list(tmp_path.glob("engagement.journal.corrupt-*.sqlite"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")


def test_corrupt_identity_keep_salvages_answers(eng: Path) -> None:
    with Journal.open(eng) as j:
        j.record("x", 5)
    con = sqlite3.connect(journal_path(eng))
    con.execute("DELETE FROM meta WHERE key='base_text'")
    con.commit()
    con.close()
    assert check_journal(eng).status == "corrupt"
    with Journal.open(eng, resolve="keep") as j:
        assert j.state() == {"x": 5}
        assert j.history("x")["kind"].iloc[-1] == "salvage"


def test_mark_saved_makes_the_file_the_new_base(eng: Path) -> None:
    with Journal.open(eng) as j:
        j.record("x", 1)
        eng.write_text(ENGAGEMENT + "notes: saved by the workshop\n", encoding="utf-8")
        j.mark_saved()
        assert not j.file_changed() and "saved by the workshop" in j.base_text
        assert j.state() == {"x": 1}
    assert check_journal(eng).status == "ok"


def test_close_journal_leaves_one_file_after_a_killed_kernel(eng: Path) -> None:
    import subprocess
    import sys

    from toolkit.workshop.journal import close_journal

    # a kernel killed by the page server never closes its connection: SQLite keeps -wal/-shm beside the journal
    code = ("import os, signal, sys; from toolkit.workshop.journal import Journal; "
            "j = Journal.open(sys.argv[1], who='张总'); j.record('j/brand//a/b', 3.0); "
            "os.kill(os.getpid(), signal.SIGKILL)")
    subprocess.run([sys.executable, "-c", code, str(eng)], check=False)
    jp = journal_path(eng)
    side = [Path(f"{jp}-wal"), Path(f"{jp}-shm")]
    assert all(p.exists() for p in side)
    assert close_journal(eng) is True  # the server is gone: the WAL is folded in, one file left
    assert not any(p.exists() for p in side)
    holder = Journal.open(eng)  # reopening switches back to WAL; every answer is there
    assert holder.state()["j/brand//a/b"] == 3.0 and all(p.exists() for p in side)
    assert close_journal(eng) is False  # someone still holds it open: nothing changes under them
    holder.record("j/brand//a/b", 5.0)
    assert Journal.open(eng).state()["j/brand//a/b"] == 5.0
    holder.close()
    assert close_journal(eng.with_name("missing.yaml")) is False


def test_two_damaged_journals_in_one_second_are_both_kept(eng: Path, tmp_path: Path) -> None:
    """Issue 16: the second set-aside within the same second used to overwrite the first."""
    for n in range(2):
        journal_path(eng).write_bytes(b"damaged %d " % n * 100)
        with Journal.open(eng, resolve="reload"):
            pass
        journal_path(eng).unlink()
        for side in ("-wal", "-shm"):
            Path(f"{journal_path(eng)}{side}").unlink(missing_ok=True)
    aside = sorted(tmp_path.glob("engagement.journal.corrupt-*.sqlite"))
    assert len(aside) == 2, aside
    assert {p.read_bytes()[:9] for p in aside} == {b"damaged 0", b"damaged 1"}


def test_torn_journal_is_salvaged_from_the_periodic_backup(eng: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: a half-truncated journal salvaged 0 answers; the backup (every BACKUP_SECONDS) keeps them."""
    import toolkit.workshop.journal as jmod

    monkeypatch.setattr(jmod, "BACKUP_SECONDS", 0.0)  # back up after every answer ...
    j = Journal.open(eng)
    for i in range(5):
        j.record(f"k{i}", i)
    monkeypatch.setattr(jmod, "BACKUP_SECONDS", 1e9)  # ... then not any more: these two are lost with the file
    j.record("k5", 5)
    j.record("k6", 6)
    assert jmod.backup_path(journal_path(eng)).exists()
    j._con.close()  # the process dies: no backup on close
    jp = journal_path(eng)
    data = jp.read_bytes()
    jp.write_bytes(data[: len(data) // 2])  # torn
    for side in ("-wal", "-shm"):
        Path(f"{jp}{side}").unlink(missing_ok=True)
    assert check_journal(eng).status == "corrupt"
    with Journal.open(eng, resolve="keep") as again:
        state = again.state()
    assert {f"k{i}": i for i in range(5)}.items() <= state.items(), state
