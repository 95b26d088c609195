"""The ``appraisal`` command as a user runs it: help everywhere, exit codes, no tracebacks on bad input."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import MIDSIZE, SMALL, dump_raw


def _no_traceback(proc) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


@pytest.mark.parametrize("cmd", ["check", "indicators", "roles", "goal", "new"])
def test_help_on_every_command(cli, cmd: str) -> None:
    proc = cli(cmd, "--help")
    assert proc.returncode == 0 and "用法" in proc.stdout and "Usage" not in proc.stdout


def test_top_level_help_lists_commands(cli) -> None:
    proc = cli("--help")
    assert proc.returncode == 0
    for cmd in ("check", "indicators", "roles", "goal", "new"):
        assert cmd in proc.stdout


@pytest.mark.parametrize("path", [SMALL, MIDSIZE], ids=["small", "midsize"])
def test_check_samples_pass(cli, path: Path) -> None:
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    proc = cli("check", str(path))
    _no_traceback(proc)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_check_json(cli) -> None:
    proc = cli("check", str(SMALL), "--json")
    data = json.loads(proc.stdout)
    assert data["exit_code"] == proc.returncode
    assert all({"severity", "code", "location", "message"} <= set(f) for f in data["findings"])


def test_check_warning_exit_1_and_error_exit_2(cli, tmp_path: Path, small_raw) -> None:
    small_raw["goals"][0]["text"] = "加强品牌建设"
    for key in ("metric", "target", "baseline", "unit", "deadline"):
        small_raw["goals"][0].pop(key, None)
    p = dump_raw(small_raw, tmp_path / "warn.yaml")
    proc = cli("check", str(p))
    assert proc.returncode == 1, proc.stdout
    assert "goals[0]" in proc.stdout and "加强" in proc.stdout

    role = next(r for r in small_raw["roles"] if r.get("weighting", {}).get("method", "direct") == "direct")
    role["indicators"][0]["weight"] = role["indicators"][0]["weight"] + 9
    p2 = dump_raw(small_raw, tmp_path / "err.yaml")
    proc = cli("check", str(p2))
    assert proc.returncode == 2
    assert "100" in proc.stdout


@pytest.mark.parametrize("content, needle", [
    (None, "找不到文件"),
    ("", "空"),
    (b"\x00\x01\x02binary", "NUL"),  # named as NUL, not "not UTF-8" (issue: hostile input)
    ("- a\n- b\n", "list"),
    ("client: {name: x\n", "行"),
])
def test_bad_files_exit_2_without_traceback(cli, tmp_path: Path, content, needle: str) -> None:
    p = tmp_path / "e.yaml"
    if isinstance(content, bytes):
        p.write_bytes(content)
    elif content is not None:
        p.write_text(content, encoding="utf-8")
    proc = cli("check", str(p))
    _no_traceback(proc)
    assert proc.returncode == 2
    assert needle in proc.stderr, proc.stderr


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d["roles"][0]["indicators"][0].__setitem__("id", "no_such_kpi"), "roles[0].indicators[0].id"),
    (lambda d: d["roles"][1].__setitem__("id", d["roles"][0]["id"]), "roles[1].id"),
    (lambda d: d["roles"][0]["indicators"][0].__setitem__("target", -1), "roles[0].indicators[0].target"),
])
def test_semantic_errors_exit_2(cli, tmp_path: Path, small_raw, mutate, needle: str) -> None:
    mutate(small_raw)
    p = dump_raw(small_raw, tmp_path / "e.yaml")
    proc = cli("check", str(p))
    _no_traceback(proc)
    assert proc.returncode == 2 and needle in proc.stderr, proc.stderr


def test_english_messages(cli, tmp_path: Path) -> None:
    proc = cli("--lang", "en", "check", str(tmp_path / "missing.yaml"))
    assert proc.returncode == 2 and "file not found" in proc.stderr


def test_indicators_filters_and_json(cli) -> None:
    proc = cli("indicators", "--category", "qualitative", "--json")
    data = json.loads(proc.stdout)
    assert data and all(d["category"] == "qualitative" and d["scale"] for d in data)
    proc = cli("indicators", "--role", "ad_placement")
    assert proc.returncode == 0 and "ctr" in proc.stdout.lower()
    proc = cli("indicators", "--role", "astronaut")
    assert proc.returncode == 2 and "astronaut" in proc.stderr


def test_roles_lists_presets(cli) -> None:
    proc = cli("roles", "--json")
    data = json.loads(proc.stdout)
    assert len(data) >= 7
    assert {"ad_placement", "event_planning", "market_research"} <= {d["id"] for d in data}


def test_goal_command(cli) -> None:
    proc = cli("goal", "提升品牌形象", "--json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 1 and data["vague"] == ["提升"]
    proc = cli("goal", "华东区域品牌认知度 2027-12-31 前由 15% 提升到 20%", "--json")
    data = json.loads(proc.stdout)
    assert data["parsed"]["target"] == 20 and data["parsed"]["deadline"] == "2027-12-31"


def test_new_writes_a_checkable_engagement(cli, tmp_path: Path) -> None:
    proc = cli("new", str(tmp_path / "c"), "--client", "测试茶饮", "--size", "small",
               "--roles", "ad_placement,event_planning", "--roles", "market_research")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "c" / "engagement.yaml"
    assert "测试茶饮" in path.read_text(encoding="utf-8")
    proc = cli("check", str(path))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    # refuses to overwrite, and an unknown role is a clear error
    assert cli("new", str(tmp_path / "c"), "--client", "x", "--size", "small", "--roles", "brand").returncode == 2
    proc = cli("new", str(tmp_path / "d"), "--client", "x", "--size", "small", "--roles", "pilot")
    assert proc.returncode == 2 and "pilot" in proc.stderr
    _no_traceback(proc)


def test_new_for_every_preset_and_size_has_no_errors() -> None:
    from toolkit.checks.engagement import check_engagement
    from toolkit.model.catalogue import load_presets
    from toolkit.model.engagement import new_engagement

    for size in ("small", "medium", "large"):
        eng = new_engagement("客户", size, list(load_presets()))
        bad = [f for f in check_engagement(eng) if f.code in ("scheme.lagging_monthly",) or f.severity == "error"]
        assert not bad, [f.format() for f in bad]


def test_impossible_date_and_tab_are_located(cli, tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8")
    p = tmp_path / "date.yaml"
    p.write_text(text.replace("deadline: 2027-12-31", "deadline: 2027-13-31", 1), encoding="utf-8")
    proc = cli("check", str(p))
    _no_traceback(proc)
    assert proc.returncode == 2 and "不存在" in proc.stderr and "行" in proc.stderr
    p2 = tmp_path / "tab.yaml"
    p2.write_text("client:\n\tname: x\n", encoding="utf-8")
    proc = cli("check", str(p2))
    assert proc.returncode == 2 and "Tab" in proc.stderr


def test_duplicate_employee_ids(cli, tmp_path: Path, small_raw) -> None:
    small_raw["employees"][1]["id"] = small_raw["employees"][0]["id"]
    proc = cli("check", str(dump_raw(small_raw, tmp_path / "e.yaml")))
    assert proc.returncode == 2 and "employees[1].id" in proc.stderr


def test_unknown_field_is_named_with_suggestion(cli, tmp_path: Path, small_raw) -> None:
    ind = small_raw["roles"][0]["indicators"][0]
    ind["wieght"] = ind.pop("weight")
    small_raw["colour"] = "blue"
    proc = cli("check", str(dump_raw(small_raw, tmp_path / "e.yaml")))
    assert proc.returncode == 2
    assert "wieght" in proc.stderr and "weight" in proc.stderr and "colour" in proc.stderr


def test_json_errors_go_to_stdout_as_json(cli, tmp_path: Path) -> None:
    proc = cli("check", "--json", str(tmp_path / "missing.yaml"))
    data = json.loads(proc.stdout)
    assert proc.returncode == 2 and data["exit_code"] == 2 and "missing.yaml" in data["location"]


def test_scheme_findings_carry_line_numbers(cli, tmp_path: Path, small_raw) -> None:
    role = next(r for r in small_raw["roles"] if r.get("weighting", {}).get("method", "direct") == "direct")
    role["indicators"][0]["weight"] += 3
    proc = cli("check", str(dump_raw(small_raw, tmp_path / "e.yaml")))
    line = next(l for l in proc.stdout.splitlines() if "scheme.weights_sum" in l)
    assert "行" in line


def test_check_accepts_the_folder_new_wrote(cli, tmp_path: Path) -> None:
    assert cli("new", str(tmp_path / "c"), "--client", "x", "--size", "small", "--roles", "brand").returncode == 0
    assert cli("check", str(tmp_path / "c")).returncode in (0, 1)


def test_new_writes_commented_file_without_placeholders(cli, tmp_path: Path) -> None:
    proc = cli("new", str(tmp_path / "c"), "--client", "某公司", "--size", "small",
               "--roles", "ad_placement,event_planning,market_research", "--headcount", "7")
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "c" / "engagement.yaml").read_text(encoding="utf-8")
    assert text.startswith("# ") and "version: 1" in text and "（填写" not in text
    from toolkit.model.engagement import load_engagement

    eng = load_engagement(tmp_path / "c" / "engagement.yaml")
    assert eng.strategy == [] and eng.goals == []
    assert sorted(r.headcount for r in eng.roles) == [2, 2, 3] and eng.client.marketing_headcount == 7
    proc = cli("check", str(tmp_path / "c"))
    assert proc.returncode == 1 and "align.no_goals" in proc.stdout


def test_new_in_english_and_duplicate_roles(cli, tmp_path: Path) -> None:
    proc = cli("--lang", "en", "new", str(tmp_path / "e"), "--client", "ACME", "--size", "medium",
               "--roles", "brand,content")
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "e" / "engagement.yaml").read_text(encoding="utf-8")
    assert "Brand" in text and "品牌" not in text
    proc = cli("new", str(tmp_path / "d"), "--client", "x", "--size", "small", "--roles", "brand,brand")
    assert proc.returncode == 2 and "brand" in proc.stderr and not (tmp_path / "d" / "engagement.yaml").exists()


def test_unwritable_output_is_exit_2_without_traceback(cli, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    proc = cli("new", str(blocker / "sub"), "--client", "x", "--size", "small", "--roles", "brand")
    _no_traceback(proc)
    assert proc.returncode == 2 and str(blocker) in proc.stderr
