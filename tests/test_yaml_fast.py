"""The fast YAML path (libyaml with YAML 1.2 rules) reads every file exactly as the round-trip loader does.

:func:`toolkit.model.yamlio.read_yaml` reads ordinary files with libyaml and leaves anything unusual to ruamel's
round-trip loader; positions and comments come from the round-trip tree, built only when asked for. These tests
compare the two loaders value by value and type by type, on every YAML file of the repository and on a list of
edge cases, and check that positions, comments and errors are those of the round-trip loader.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import FoldedScalarString

from toolkit.model.errors import InputError
from toolkit.model.yamlio import LoadedMap, dump_yaml, position_of, read_yaml, unfold_cjk
from toolkit.model.yamlio import _fast_load as fast_load

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(p for d in ("data_samples", "templates", "tests/data") for p in (ROOT / d).rglob("*.yaml"))


def norm(x):
    """Values with their kind (str/int/float/bool/date/None), subclasses folded (ScalarFloat is a float)."""
    if isinstance(x, dict):
        return ("map", [(norm(k), norm(v)) for k, v in x.items()])
    if isinstance(x, list):
        return ("seq", [norm(v) for v in x])
    if isinstance(x, bool):
        return ("bool", x)
    if isinstance(x, int):
        return ("int", int(x))
    if isinstance(x, float):
        return ("float", "nan" if math.isnan(x) else float(x))
    if isinstance(x, FoldedScalarString):
        return ("folded", str(x), list(getattr(x, "fold_pos", []) or []))
    if isinstance(x, str):
        return ("str", str(x))
    if isinstance(x, dt.date):
        return (type(x).__name__, x.isoformat())
    assert x is None, type(x)
    return ("null",)


def rt_load(text: str):
    return YAML(typ="rt").load(text)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_repository_file_reads_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    data = read_yaml(path, expect_mapping=False)
    assert norm(data) == norm(rt_load(text))
    assert norm(unfold_cjk(data)) == norm(unfold_cjk(rt_load(text)))


def test_the_samples_take_the_fast_path() -> None:
    for name in ("small_company", "midsize_company"):
        data = read_yaml(ROOT / "data_samples" / name / "engagement.yaml")
        assert isinstance(data, LoadedMap), name


EDGE = [
    "a: yes\nb: no\nc: on\nd: off\ne: y\n",
    "a: 010\nb: 0o10\nc: 0x1f\nd: 0b101\ne: 1_000\nf: +5\ng: -0\nh: 9223372036854775808\n",
    "a: 1e3\nb: 1.5E-2\nc: .5\nd: -.inf\ne: .NaN\nf: 1_0.5\ng: 1.\nh: +1.5\ni: -.5\nj: 5e\n",
    "a: 1:20\nb: 1:20.5\nc: 12:30:45\n",
    "a: 2026-01-31\nb: 2026-1-3\nc: '2026-01-31'\nd: 2026-01\ne: 2026\n",
    "a: 2026-01-31T10:00:00\nb: 2026-01-31 10:00:00 +8\n",
    "a: ~\nb: null\nc: Null\nd:\ne: ''\nf: NULL\ng: True\nh: FALSE\ni: tRUE\n",
    "a: 'it''s'\nb: \"x\\ty\\u4e2d\\n\"\nc: \"a\\\n  b\"\nd: \"\\x41\\U0001F600\\/\"\n",
    "a: plain\n  continued\n\n  para\nb: 'multi\n  line'\nc: \"multi\n\n  line\"\n",
    "a: |\n  line1\n  line2\nb: |-\n  x\n\n\nc: |+\n  y\n\nd: 1\n",
    "a: >\n  共同\n  制定\n\n  新段\n   more\n  back\nb: >+\n  k\n\n\nc: 1\n",
    "notes: >-\n  年度等级为 D 的员工，\n  并安排针对性培训 and\n  keep English spaces\n",
    "roles:\n  - id: a\n    text: >\n      第一行\n      第二行\n  - id: b\n",
    "a: >2\n    indented\n   less\n",
    "- a\n- b: 1\n  c: [1, 2, {d: e}]\n- - x\n  - y\n",
    "{a: 1, b: [x, y], 'c d': {e: f}, g: [a: b], h: {x: }}\n",
    "? complex\n: value\n1: a\n'1': b\n",
    "a: 1\na: 2\n", "1: a\n1.0: b\n", "a: {b: c, b: d}\n", "[a, b]: c\n",
    "a: !!str 5\n", "a: &x 1\nb: *x\n", "<<: {a: 1}\n", "a: =\n",
    "a: '#'\nb: x#y\nc: x #y\n", "a: # c\n  b\n", "--- \na: 1\n...\n", "a: ---\n",
    "a:   x  \nb:\ty\n", "a: x\r\nb:\r\n  - 1\r\n", "a: x\rb: y\n", "%YAML 1.1\n---\na: yes\n",
    "- >\n top\n", ">\n top level\n folded\n", "|\n lit\n", "a:\n  - b\n  -\n  - c\n", "a: [\n  1,\n  2\n]\n",
    "中文键: 值\nkey with spaces: v\n", "a: _\nb: 1__0\nc: 0x_1\n",
]


@pytest.mark.parametrize("text", EDGE)
def test_edge_cases_read_as_the_round_trip_loader_reads_them(text: str, tmp_path: Path) -> None:
    try:
        expected, rt_error = rt_load(text), None
    except Exception as exc:  # noqa: BLE001
        expected, rt_error = None, exc
    try:
        fast, fast_error = fast_load(text), None
    except Exception as exc:  # noqa: BLE001 - unusual or refused: the round-trip loader decides
        fast, fast_error = None, exc
    if fast_error is None:
        assert rt_error is None, f"the fast path accepts what the round-trip loader refuses: {rt_error!r}"
        assert norm(fast) == norm(expected)
        assert norm(unfold_cjk(fast)) == norm(unfold_cjk(expected))
    p = tmp_path / "e.yaml"
    p.write_text(text, encoding="utf-8", newline="")
    try:
        got = read_yaml(p, expect_mapping=False)
    except InputError:
        assert rt_error is not None or expected is None or fast_error is not None
    else:
        if fast_error is None:
            assert norm(got) == norm(expected)


def test_positions_and_comments_are_the_round_trip_loaders(tmp_path: Path) -> None:
    text = ("# a comment\nclient:\n  name: 甲  # eol\nroles:\n  - id: a\n    weight: 0.50\n  - id: b\n"
            "    weight: 0.5\n")
    p = tmp_path / "e.yaml"
    p.write_text(text, encoding="utf-8")
    data = read_yaml(p)
    assert isinstance(data, LoadedMap) and data._rt is None  # nothing parsed twice yet
    rt = rt_load(text)
    for loc in [("client", "name"), ("roles", 1), ("roles", 1, "weight"), ("roles", 5), ("nope",)]:
        assert position_of(data, loc) == position_of(rt, loc), loc
    data["roles"][1]["weight"] = 0.25
    data["extra"] = [1]
    out = dump_yaml(data)
    assert "# a comment" in out and "# eol" in out and "weight: 0.25" in out and "weight: 0.50" in out
    assert YAML(typ="safe").load(out) == {"client": {"name": "甲"}, "roles": [{"id": "a", "weight": 0.5},
                                                                          {"id": "b", "weight": 0.25}],
                                          "extra": [1]}


def test_errors_are_located_by_the_round_trip_loader(tmp_path: Path) -> None:
    p = tmp_path / "e.yaml"
    p.write_text("client:\n  name: a\n  name: b\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_yaml(p)
    assert "第 3 行" in exc.value.location
    p.write_text("client:\n  start: 2027-13-40\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_yaml(p)
    assert "2027-13-40" in exc.value.message and "第 2 行第 10 列" in exc.value.location
