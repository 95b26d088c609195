"""The engagement model: loading, round-trip saving, size-profile defaults, and every bad input."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import MIDSIZE, SMALL, dump_raw, load_raw

from toolkit.model.engagement import load_engagement, new_engagement, save_engagement
from toolkit.model.errors import InputError


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("path", [SMALL, MIDSIZE], ids=["small", "midsize"])
def test_samples_load(path: Path) -> None:
    eng = load_engagement(path)
    assert eng.roles and eng.goals and eng.strategy
    assert eng.client.name


def test_small_company_gets_small_profile_defaults() -> None:
    eng = load_engagement(SMALL)
    assert eng.client.size == "small"
    raw = load_raw(SMALL)
    if "distribution" not in raw:
        assert eng.distribution.mode == "none"
    if "cycles" not in raw:
        assert eng.cycles.default == "monthly"
    if "raters" not in raw:
        assert {r.kind for r in eng.raters} == {"supervisor", "self"}
    if "result_use" not in raw:
        assert eng.result_use.non_cash, "a small company gets non-cash incentives by default"
    for role in eng.roles:
        assert 3 <= len(role.indicators) <= 5


def test_profiles_differ_by_size() -> None:
    from toolkit.model.catalogue import size_profiles

    p = size_profiles()
    assert p["small"].distribution["mode"] == "none"
    assert p["large"].distribution["mode"] == "forced"
    assert "360" in p["large"].methods and "360" not in p["small"].methods
    assert p["small"].indicators_per_role[1] < p["large"].indicators_per_role[1]


def test_round_trip_keeps_comments_order_and_meaning(tmp_path: Path) -> None:
    src = tmp_path / "e.yaml"
    src.write_text(SMALL.read_text(encoding="utf-8"), encoding="utf-8")
    eng = load_engagement(src)
    out = tmp_path / "out.yaml"
    save_engagement(eng, out)
    original, saved = src.read_text(encoding="utf-8"), out.read_text(encoding="utf-8")
    comments = [line.strip() for line in original.splitlines() if line.strip().startswith("#")]
    assert comments and all(c in saved for c in comments)
    top_keys = lambda text: [l.split(":")[0] for l in text.splitlines() if l and l[0].isalpha()]
    assert top_keys(saved) == top_keys(original)
    assert load_engagement(out).model_dump() == eng.model_dump()
    # profile defaults are not written back
    if "distribution" not in load_raw(src):
        assert "distribution" not in load_raw(out)


def test_save_records_changes_and_keeps_previous(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(SMALL.read_text(encoding="utf-8"), encoding="utf-8")
    eng = load_engagement(path)
    eng.client.name = "新客户有限公司"
    save_engagement(eng, path, keep_previous=True)
    assert load_engagement(path).client.name == "新客户有限公司"
    assert load_engagement(path.with_suffix(".prev.yaml")).client.name != "新客户有限公司"


def test_new_engagement_from_presets_is_valid(tmp_path: Path) -> None:
    from toolkit.model.catalogue import load_presets

    ids = list(load_presets())[:3]
    eng = new_engagement("测试公司", "small", ids)
    assert [r.id for r in eng.roles] == ids
    for role in eng.roles:
        assert 3 <= len(role.indicators) <= 5
        assert sum(i.weight for i in role.indicators) == 100
    save_engagement(eng, tmp_path / "engagement.yaml")
    again = load_engagement(tmp_path / "engagement.yaml")
    assert again.model_dump() == eng.model_dump()


# ----------------------------------------------------------------------------------------------- bad input
def _expect_error(path: Path, *needles: str) -> InputError:
    before = _sha(path) if path.exists() and path.is_file() else None
    with pytest.raises(InputError) as info:
        load_engagement(path)
    text = str(info.value)
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    if before:
        assert _sha(path) == before, "a check must never modify its input"
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    _expect_error(tmp_path / "nope.yaml", "nope.yaml")


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.yaml"
    p.write_text("  \n", encoding="utf-8")
    _expect_error(p, "empty.yaml")


def test_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    _expect_error(p, "bin.yaml", "UTF-8")


def test_gbk_file_is_reported_as_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "gbk.yaml"
    p.write_bytes("client:\n  name: 某公司\n".encode("gbk"))
    _expect_error(p, "UTF-8")


def test_list_instead_of_mapping(tmp_path: Path) -> None:
    p = tmp_path / "list.yaml"
    p.write_text("- a\n- b\n", encoding="utf-8")
    _expect_error(p, "list")


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("client:\n  name: 公司\n  size: [small\nroles: []\n", encoding="utf-8")
    err = _expect_error(p, "bad.yaml")
    assert "第" in str(err) and "行" in str(err) and "列" in str(err)


def test_duplicate_key_is_a_syntax_error(tmp_path: Path) -> None:
    p = tmp_path / "dup.yaml"
    p.write_text("client:\n  name: a\n  name: b\n", encoding="utf-8")
    _expect_error(p, "dup.yaml")


def test_unknown_indicator_id_is_located_with_hint(tmp_path: Path, small_raw) -> None:
    small_raw["roles"][1]["indicators"][0]["id"] = "clik_rate_typo"
    p = dump_raw(small_raw, tmp_path / "e.yaml")
    err = _expect_error(p, "roles[1].indicators[0].id", "clik_rate_typo")
    assert err.findings[0].hint, "an unknown id comes with a did-you-mean hint"


def test_duplicate_role_id(tmp_path: Path, small_raw) -> None:
    small_raw["roles"][1]["id"] = small_raw["roles"][0]["id"]
    p = dump_raw(small_raw, tmp_path / "e.yaml")
    _expect_error(p, "roles[1].id", small_raw["roles"][0]["id"])


def test_negative_target(tmp_path: Path, small_raw) -> None:
    ind = small_raw["roles"][0]["indicators"][0]
    ind["target"] = -5
    p = dump_raw(small_raw, tmp_path / "e.yaml")
    _expect_error(p, "roles[0].indicators[0].target", "-5")


def test_every_mistake_reported_at_once_with_positions(tmp_path: Path, small_raw) -> None:
    small_raw["client"]["size"] = "huge"
    small_raw["client"]["marketing_headcount"] = "six"
    del small_raw["roles"][0]["name"]
    small_raw["roles"][0]["colour"] = "blue"
    p = dump_raw(small_raw, tmp_path / "e.yaml")
    err = _expect_error(p, "client.size", "client.marketing_headcount", "roles[0].name", "roles[0].colour")
    assert len(err.findings) >= 4
    assert all("行" in f.location for f in err.findings if f.location.startswith(("client", "roles[0].colour")))


def test_judgment_outside_scale_and_fraction_values(tmp_path: Path, small_raw) -> None:
    role = small_raw["roles"][0]
    ids = [i["id"] for i in role["indicators"]]
    role["weighting"] = {"method": "ahp", "judgments": [
        {"a": ids[0], "b": ids[1], "value": "1/3"},
        {"a": ids[0], "b": ids[2], "value": 12},
    ]}
    p = dump_raw(small_raw, tmp_path / "e.yaml")
    _expect_error(p, "roles[0].weighting.judgments[1].value", "1/9")


def test_dump_never_writes_invalid_yaml_whatever_the_indentation() -> None:
    """A comment between a key and its first list item, in the other common indentation style."""
    from ruamel.yaml import YAML

    from toolkit.model.yamlio import dump_yaml

    text = "roles:\n# a comment\n- id: a\n  items:\n  # inner\n  - 1\n"
    data = YAML(typ="rt").load(text)
    data["roles"][0]["items"].append(2)
    out = dump_yaml(data)
    assert YAML(typ="safe").load(out) == {"roles": [{"id": "a", "items": [1, 2]}]}


def test_folded_chinese_text_has_no_fold_spaces_and_round_trips(tmp_path: Path) -> None:
    from toolkit.model.yamlio import dump_yaml

    raw = load_raw(SMALL)
    raw.pop("notes", None)
    path = tmp_path / "e.yaml"
    path.write_text(dump_yaml(raw) + "notes: >-\n  共同制定绩效改进计划，\n  并安排针对性培训 and\n  keep English spaces\n",
                    encoding="utf-8")
    eng = load_engagement(path)
    assert eng.notes == "共同制定绩效改进计划，并安排针对性培训 and keep English spaces"
    out = tmp_path / "out.yaml"
    save_engagement(eng, out)
    assert "notes: >-" in out.read_text(encoding="utf-8"), "unchanged folded text keeps its style"
    assert load_engagement(out).notes == eng.notes
