"""The workshop page in a real browser: Voila serving notebooks/workshop.ipynb, Playwright driving Debian Chromium.

Answer comparisons, watch weights and CR change on screen, kill the kernel, reopen: every answer is restored.
Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from procs import CHROMIUM, CHROMIUM_ARGS, alive, free_port, kernels_of

from toolkit.cli.workshop import voila_command
from toolkit.model.paths import ROOT, samples_dir
from toolkit.workshop.journal import journal_path

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = ROOT / "test-artifacts"


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    """Wait until the server listens on ``port``; fail with its log if it exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            assert proc.poll() is None, log.read_text(errors="replace")
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {seconds:g} s")


@pytest.fixture
def engagement(tmp_path: Path) -> Path:
    src = samples_dir() / "small_company" / "engagement.yaml"
    dst = tmp_path / "engagement.yaml"
    shutil.copy(src, dst)
    return dst


@pytest.fixture
def server(engagement: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/install-system-deps.sh --test` (make test does)")
    port = free_port()
    env = dict(os.environ, APPRAISAL_WORKSHOP_ENGAGEMENT=str(engagement), APPRAISAL_WHO="测试顾问")
    log = open(tmp_path / "voila.log", "wb")  # noqa: SIM115 - closed in finally, after the server
    proc = subprocess.Popen(voila_command(port), env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=tmp_path, start_new_session=True)
    try:
        _wait_for_port(port, proc, tmp_path / "voila.log")
        yield f"http://127.0.0.1:{port}/", proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser: object, url: str):  # type: ignore[no-untyped-def]
    """Open the page; the room's page opens on the goals tab, so go to the weights (a participant's opens there)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(url, timeout=90_000)
    page.locator(".ws-page").wait_for(timeout=90_000)
    if "participant=" not in url:
        page.locator(".ws-goals").wait_for(timeout=30_000)  # the first tab: 部门目标
        page.locator(".lm-TabBar-tab", has_text="指标权重").click()
    page.locator(".ahp-result").wait_for(timeout=90_000)
    page.locator(".pair-0-1 .noUi-handle").first.wait_for(timeout=30_000)
    return page


def _move(page, pair: str, key: str, times: int, expect: str) -> str:  # type: ignore[no-untyped-def]
    """Move a slider with the keyboard; wait until the answer is confirmed on screen; return the result text."""
    before = page.locator(".ahp-result").inner_text()
    handle = page.locator(f".{pair} .noUi-handle").first
    handle.focus()
    for _ in range(times):
        page.keyboard.press(key)
    row = page.locator(".pair-row", has=page.locator(f".{pair}"))
    row.locator(".pair-status", has_text=f"✓ {expect}").wait_for(timeout=15_000)
    page.wait_for_function("(b) => document.querySelector('.ahp-result').innerText !== b", arg=before,
                           timeout=15_000)
    return page.locator(".ahp-result").inner_text()


def _weights(text: str) -> list[str]:
    return [line for line in text.splitlines() if "%" in line and "CR" not in line]


def test_answers_update_weights_and_survive_a_killed_kernel(server, browser, engagement: Path) -> None:  # type: ignore[no-untyped-def]
    url, proc = server
    ARTIFACTS.mkdir(exist_ok=True)
    page = _open(browser, url)
    start = page.locator(".ahp-result").inner_text()
    assert "尚有 6 对未作答" in start and "CR =" not in start  # nothing answered: equal weights, no verdict
    assert page.locator(".ws-title").inner_text().startswith("绩效考核方案工作坊")

    after1 = _move(page, "pair-0-1", "ArrowLeft", 2, "3")     # left indicator moderately more important
    after2 = _move(page, "pair-0-2", "ArrowRight", 4, "1/5")  # right indicator strongly more important
    assert "CR =" not in after2  # the fourth indicator is not compared yet
    _move(page, "pair-0-3", "ArrowLeft", 1, "2")
    after3 = _move(page, "pair-1-2", "ArrowLeft", 6, "7")     # inconsistent with the answers above
    assert len({start, after1, after2, after3}) == 4
    assert _weights(start) != _weights(after1) != _weights(after3)
    assert "一致性检验未通过" in after3 and "最不一致的判断" in after3
    page.screenshot(path=str(ARTIFACTS / "workshop_answered.png"), full_page=True)

    # the answers are in the journal the moment they were given
    import sqlite3

    con = sqlite3.connect(journal_path(engagement))
    keys = dict(con.execute("SELECT key, value FROM current WHERE key LIKE 'j/%'").fetchall())
    who = {r[0] for r in con.execute("SELECT who FROM events WHERE kind='answer'")}
    con.close()
    assert len(keys) == 4 and who == {"测试顾问"}

    # kill the kernel the way a crash would (SIGKILL), then reopen the page: a new kernel restores everything
    kernels = kernels_of(proc.pid)
    assert kernels, "no kernel found under the Voila server"
    for k in kernels:
        os.kill(k, signal.SIGKILL)
    page.close()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{k}").exists() and "Z" not in Path(f"/proc/{k}/stat").read_text().split()[2]
              for k in kernels) and time.monotonic() < deadline:
        time.sleep(0.1)

    again = _open(browser, url)
    restored = again.locator(".ahp-result").inner_text()
    assert _weights(restored) == _weights(after3)
    assert restored.split("·")[0] == after3.split("·")[0]  # same CR line
    for pair, expect in (("pair-0-1", "3"), ("pair-0-2", "1/5"), ("pair-0-3", "2"), ("pair-1-2", "7")):
        row = again.locator(".pair-row", has=again.locator(f".{pair}"))
        assert row.locator(".pair-status").inner_text().strip() == f"✓ {expect}"
    again.screenshot(path=str(ARTIFACTS / "workshop_restored.png"), full_page=True)

    # accepting the suggestion is explicit, changes the judgment on screen and is recorded
    again.locator(".ahp-accept button, button.ahp-accept").first.click()
    again.locator(".ahp-accept-msg", has_text="已采纳").wait_for(timeout=15_000)
    con = sqlite3.connect(journal_path(engagement))
    kinds = [r[0] for r in con.execute("SELECT kind FROM events WHERE key LIKE 'j/%' ORDER BY seq")]
    note = con.execute("SELECT note FROM events WHERE kind='accept'").fetchone()[0]
    con.close()
    assert kinds[-1] == "accept" and "测试顾问" in note
    again.close()


def _name_participants(path: Path, names: list[tuple[str, float]]) -> None:
    text = path.read_text(encoding="utf-8")
    block = "    weighting:\n      method: ahp\n      participants:\n" + "".join(
        f"        - {{name: {n}, weight: {w}}}\n" for n, w in names)
    marker = "  - id: event_planning\n"
    assert marker in text
    path.write_text(text.replace(marker, block + marker, 1), encoding="utf-8")


@pytest.fixture
def engagement_with_participants(engagement: Path) -> Path:
    _name_participants(engagement, [("张总", 2), ("李经理", 1)])
    return engagement


def test_participant_view_hides_others_and_the_room_sees_every_answer(engagement_with_participants: Path,
                                                                      tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    eng = engagement_with_participants
    port = free_port()
    env = dict(os.environ, APPRAISAL_WORKSHOP_ENGAGEMENT=str(eng))
    proc = subprocess.Popen(voila_command(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=tmp_path, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        room = _open(browser, url)  # the consultant's screen: everyone side by side
        assert room.locator(".pair-0-1").count() == 2
        _move(room, "pair-0-1.part-1", "ArrowRight", 2, "1/3")  # 李经理's answer typed by the consultant

        me = _open(browser, url + "?participant=%E5%BC%A0%E6%80%BB")  # 张总 on their own laptop
        assert me.locator(".pair-0-1").count() == 1
        assert "张总" in me.locator(".ws-status").inner_text() and "李经理" not in me.locator(".ahp-result").inner_text()
        _move(me, "pair-0-1", "ArrowLeft", 4, "5")
        me.screenshot(path=str(ARTIFACTS / "workshop_participant.png"), full_page=True)

        # the room's page picks 张总's answer up by itself (poll) and shows the group aggregate
        row = room.locator(".pair-row", has=room.locator(".pair-0-1"))
        row.locator(".pair-status", has_text="✓ 5").wait_for(timeout=20_000)
        room.locator(".ahp-result", has_text="群体综合").wait_for(timeout=20_000)
        room.screenshot(path=str(ARTIFACTS / "workshop_room.png"), full_page=True)
        me.close()
        room.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)



def test_cli_culls_kernels_of_closed_pages_and_stops_cleanly(engagement: Path, tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    """`appraisal workshop`: each page load starts a kernel; closed pages lose theirs after the idle timeout;
    Ctrl+C stops the server and every kernel and leaves the journal as one file (no -wal/-shm)."""
    port = free_port()
    log = open(tmp_path / "cli.log", "wb")  # noqa: SIM115 - closed in finally
    cli = subprocess.Popen([str(Path(sys.executable).with_name("appraisal")), "workshop", str(engagement),
                            "--no-browser", f"--port={port}", "--idle-timeout=4"],
                           stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True)
    try:
        _wait_for_port(port, cli, tmp_path / "cli.log")
        url = f"http://127.0.0.1:{port}/"
        first = _open(browser, url)
        goals = first.locator(".ws-goals").inner_text()
        assert "华东区域品牌认知度" in goals and "g_brand_awareness" not in goals
        first.close()  # closed without beforeunload, like a killed tab
        second = _open(browser, url)
        assert len(kernels_of(cli.pid)) >= 1
        # the open page keeps its kernel; the closed one goes after the idle timeout (4 s, checked every 1 s)
        deadline = time.monotonic() + 30
        while len(kernels_of(cli.pid)) > 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        kernels = kernels_of(cli.pid)
        assert len(kernels) == 1, (tmp_path / "cli.log").read_text(errors="replace")
        text = _move(second, "pair-0-1", "ArrowLeft", 2, "3")  # the remaining page still works
        assert "当前权重（方案文件）" in text
        second.close()
        deadline = time.monotonic() + 30
        while kernels_of(cli.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not kernels_of(cli.pid)
        third = _open(browser, url)  # a new page gets a new kernel, with the answer restored
        row = third.locator(".pair-row", has=third.locator(".pair-0-1"))
        assert row.locator(".pair-status").inner_text().strip() == "✓ 3"
        kernels = kernels_of(cli.pid)
        assert kernels
        # Ctrl+C: the command stops the server and its kernels and closes the journal cleanly
        os.kill(cli.pid, signal.SIGINT)
        assert cli.wait(60) == 0
        third.close()
        assert not any(alive(k) for k in kernels)
        jp = journal_path(engagement)
        assert jp.exists() and not Path(f"{jp}-wal").exists() and not Path(f"{jp}-shm").exists()
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
            cli.wait(10)
        log.close()
