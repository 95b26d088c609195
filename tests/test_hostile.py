"""Issue 16: hostile input and hard faults — no injection anywhere, no traceback, nothing lost.

Each case of the issue has a test here (or in ``test_hostile_batch.py`` for the real ``appraisal build`` runs,
``test_journal.py`` for the journal): it reproduced the fault before the fix and passes now. The fuzz test feeds
hostile strings into every text field of the engagement that the schema accepts and into every text column of
the actuals, then reads back every output: CSV, XLSX, HTML, DOCX, PDF text.
"""
from __future__ import annotations

import copy
import csv
import errno
import io
import json
import os
import shutil
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from toolkit.cli import main
from toolkit.model.errors import InputError
from toolkit.model.paths import samples_dir
from toolkit.model.safe_cells import FORMULA_PREFIXES, csv_text, is_formula_like, neutralise, write_xlsx

SMALL = samples_dir() / "small_company"

#: every string carries a marker (QZ<n>) so that it can be found in any output
HOSTILE = ['=HYPERLINK("http://x","QZ1")', "=cmd|' /C calc'!QZ2", "@SUM(1+1)QZ3", "+1+2QZ4", "-1-2QZ5",
           "＝1+1QZ6", "\t=1+1QZ7", "<script>alert('QZ8')</script>", "{{7*7}}QZ9", "{% if 1 %}QZ10{% endif %}",
           "../../etc/QZ11", "'; import os; os.system('QZ12') #", '"""QZ13', "${7*7}QZ14", "&amp;<b>QZ15</b>",
           "＠QZ16", "－QZ17", "＋QZ18", "\rQZ19"]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


# ------------------------------------------------------------------------------------------------- item 1
def test_neutralise_follows_the_owasp_rule() -> None:
    for prefix in FORMULA_PREFIXES:
        assert neutralise(prefix + "1") == "'" + prefix + "1"
    assert neutralise("林嘉禾") == "林嘉禾" and neutralise(-5.0) == -5.0 and neutralise("1-2") == "1-2"
    import pandas as pd

    text = csv_text(pd.DataFrame({"name": ["=1+1", "ok"], "n": [-1.5, 2.0]}))
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == ["'=1+1", "-1.5"] and rows[2] == ["ok", "2.0"]


def test_write_xlsx_stores_formula_like_text_as_text(tmp_path: Path) -> None:
    import pandas as pd
    from openpyxl import load_workbook

    df = pd.DataFrame({"name": HOSTILE + ["\x00nul\x07"], "x": range(len(HOSTILE) + 1)})
    path = write_xlsx(tmp_path / "t.xlsx", {"a/b:c*" * 10: df})
    ws = load_workbook(path).worksheets[0]
    assert len(ws.title) <= 31 and "/" not in ws.title
    for (cell,) in ws.iter_rows(min_row=2, max_col=1):
        assert cell.data_type == "s", cell.value
        assert cell.quotePrefix == is_formula_like(cell.value)
    assert ws.cell(row=len(HOSTILE) + 2, column=1).value == "\ufffdnul\ufffd"  # visible, not a crash


def _hostile_engagement(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The small sample with a hostile string in every text field the schema accepts; returns the path and
    the employee id map (old -> hostile id). Actuals beside it use the new ids and hostile rater names."""
    from toolkit.model.engagement import parse_engagement

    y = YAML(typ="safe", pure=True)
    data = y.load((SMALL / "engagement.yaml").read_text(encoding="utf-8"))
    leaves: list[tuple[Any, ...]] = []

    def walk(node: Any, loc: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, loc + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, loc + (i,))
        elif isinstance(node, str):
            leaves.append(loc)

    walk(data, ())

    def at(loc: tuple[Any, ...]) -> tuple[Any, Any]:
        node = data
        for k in loc[:-1]:
            node = node[k]
        return node, loc[-1]

    n = 0
    accepted = []
    for loc in leaves:
        node, key = at(loc)
        old = node[key]
        node[key] = HOSTILE[n % len(HOSTILE)] + ("" if loc == ("client", "name") else old)
        try:
            parse_engagement(copy.deepcopy(data))
        except InputError:
            node[key] = old  # an id with a pattern, an enum, a date: not free text
            continue
        accepted.append(loc)
        n += 1
    fields = {".".join(k for k in loc if isinstance(k, str)) for loc in accepted}
    assert {"client.name", "strategy.text", "goals.text", "roles.name", "employees.name", "employees.id",
            "notes"} <= fields, fields
    ids = {}
    for e0, e1 in zip(y.load((SMALL / "engagement.yaml").read_text(encoding="utf-8"))["employees"],
                      data["employees"]):
        ids[e0["id"]] = e1["id"]
    out = tmp_path / "hostile"
    out.mkdir()
    buf = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, buf)
    (out / "engagement.yaml").write_text(buf.getvalue(), encoding="utf-8")
    return out / "engagement.yaml", ids


def _hostile_actuals(path: Path, ids: dict[str, str]) -> Path:
    rows = list(csv.DictReader(io.StringIO((SMALL / "actuals_2026.csv").read_text(encoding="utf-8-sig"))))
    raters = {}
    for r in rows:
        r["employee"] = ids[r["employee"]]
        if r["rater"]:
            r["rater"] = raters.setdefault(r["rater"], HOSTILE[len(raters) % len(HOSTILE)].replace("\t", "").lstrip("\r"))
    target = path.parent / "actuals_2026.csv"
    with open(target, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return target


def _assert_no_formula_from_user(xlsx: Path) -> int:
    """No cell holding user text is a formula; formula-like text is a string cell with the quote prefix."""
    from openpyxl import load_workbook

    checked = 0
    for ws in load_workbook(xlsx).worksheets:
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str) or "QZ" not in c.value:
                    continue
                checked += 1
                assert c.data_type != "f", f"{xlsx.name} {ws.title}!{c.coordinate}: formula {c.value!r}"
                if is_formula_like(c.value):
                    assert c.quotePrefix, f"{xlsx.name} {ws.title}!{c.coordinate}: no quote prefix {c.value!r}"
    return checked


def _assert_csv_safe(path: Path) -> int:
    checked = 0
    for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
        for field in row:
            if "QZ" in field:
                checked += 1
                assert not is_formula_like(field), f"{path.name}: {field!r}"
    return checked


@pytest.mark.slow
def test_fuzz_hostile_text_in_every_field_reaches_every_output_as_text(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    eng, ids = _hostile_engagement(tmp_path)
    actuals = _hostile_actuals(eng, ids)
    rc, _, err = _run(capsys, "check", str(eng))
    assert rc in (0, 1) and "Traceback" not in err, err

    # appraisal score: every CSV and the XLSX
    rc, _, err = _run(capsys, "score", str(eng), str(actuals), "--out", str(tmp_path / "score"))
    assert rc in (0, 1), err
    seen = sum(_assert_csv_safe(p) for p in (tmp_path / "score").glob("*.csv"))
    seen_x = _assert_no_formula_from_user(tmp_path / "score" / "scores.xlsx")
    assert seen >= len(ids) and seen_x >= len(ids)  # the hostile names and ids did reach the tables
    for name in ("totals.csv", "rater_bias.csv"):
        text = (tmp_path / "score" / name).read_text(encoding="utf-8-sig")
        assert "QZ" in text and "\n=" not in text and ",=" not in text

    # appraisal render: HTML, DOCX, PDF, every KPI form
    docs = tmp_path / "docs"
    rc, _out, err = _run(capsys, "render", str(eng), "--out", str(docs))
    assert rc in (0, 1), err
    html = (docs / "scheme.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;QZ8&#39;)" in html.replace("&#x27;", "&#39;")
    assert "{{7*7}}QZ9" in html and "<b>QZ15" not in html
    from docx import Document

    d = Document(str(docs / "scheme.docx"))
    text = "\n".join(p.text for p in d.paragraphs) + "\n".join(
        c.text for tb in d.tables for row in tb.rows for c in row.cells)
    assert "{{7*7}}QZ9" in text and "{% if 1 %}QZ10{% endif %}" in text
    pdf = subprocess.run(["pdftotext", str(docs / "scheme.pdf"), "-"], capture_output=True, text=True, check=True)
    assert "QZ9" in pdf.stdout and "{{7*7}}" in pdf.stdout
    for x in docs.glob("*.xlsx"):
        _assert_no_formula_from_user(x)
    # the client name did not become a path: everything is inside --out
    assert all(docs in p.resolve().parents for p in docs.rglob("*"))


# ------------------------------------------------------------------------------------------------- item 2
def _small_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "eng"
    shutil.copytree(SMALL, dst)
    return dst / "engagement.yaml"


def _edit(path: Path, old: str, new: str, count: int = 1) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def test_empty_actuals_is_a_located_error_also_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    eng = _small_copy(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    rc, out, err = _run(capsys, "score", str(eng), str(empty), "--out", str(tmp_path / "o"))
    assert rc == 2 and "Traceback" not in err and "empty.csv" in err and "文件是空的" in err
    rc, out, err = _run(capsys, "score", "--json", str(eng), str(empty), "--out", str(tmp_path / "o"))
    assert rc == 2 and json.loads(out)["exit_code"] == 2 and json.loads(out)["location"].endswith("empty.csv")
    assert not (tmp_path / "o").exists()  # nothing written


@pytest.mark.parametrize("case", ["nul", "long_client", "long_role"])
def test_check_refuses_what_render_cannot_write(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               case: str) -> None:
    eng = _small_copy(tmp_path)
    if case == "nul":
        _edit(eng, "name: 杭州山岚茶饮有限公司", 'name: "杭州\\0山岚"')
        words, where = "U+0000", "client.name"
    elif case == "long_client":
        _edit(eng, "name: 杭州山岚茶饮有限公司", "name: " + "长" * 300)
        words, where = "300", "client.name"
    else:
        rid = "a" * 300
        _edit(eng, "  - id: ad_placement", f"  - id: {rid}")
        _edit(eng, "role: ad_placement", f"role: {rid}", count=-1)
        words, where = "300", "roles[0].id"
    for cmd in (["check", str(eng)], ["render", str(eng), "--out", str(tmp_path / "docs")]):
        rc, out, err = _run(capsys, *cmd)
        assert rc == 2, (cmd, out, err)
        assert "Traceback" not in err and words in err and where in err and "第 " in err, err
    assert not (tmp_path / "docs").exists()


def test_disk_full_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC while writing (simulated: no tmpfs can be mounted here) names the file and leaves no .part."""
    eng = _small_copy(tmp_path)
    out = tmp_path / "o"

    def full(fd: int) -> None:  # what a full disk reports when the data is flushed: no file name
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    rc, _, err = _run(capsys, "score", str(eng), str(eng.parent / "actuals_2026.csv"), "--out", str(out))
    assert rc == 2 and "Traceback" not in err
    assert str(out / "totals.csv") in err and os.strerror(errno.ENOSPC) in err, err
    assert not list(out.glob(".*.part")) and not (out / "totals.csv").exists()


def test_killed_writer_leaves_no_part_file_forever(tmp_path: Path) -> None:
    """kill -9 during `render` left `.part` files; the next write into the folder removes dead writers' parts."""
    from toolkit.model.fileio import _HOST, atomic_write_text

    proc = subprocess.Popen(["sleep", "0"])
    proc.wait()  # a pid that is certainly dead now
    stale = tmp_path / f".scheme.html.{_HOST}-{proc.pid}.abcd.part"
    stale.write_text("half", encoding="utf-8")
    alive = tmp_path / f".scheme.html.{_HOST}-{os.getpid()}.efgh.part"
    alive.write_text("mine, still writing", encoding="utf-8")
    other = tmp_path / f".scheme.html.otherhost-{proc.pid}.ijkl.part"
    other.write_text("another machine's", encoding="utf-8")
    atomic_write_text(tmp_path / "scheme.html", "<p>ok</p>")
    assert not stale.exists() and alive.exists() and other.exists()


def test_saved_engagement_and_previous_copy_keep_the_file_mode(tmp_path: Path) -> None:
    from toolkit.model.engagement import load_engagement, save_engagement

    eng = _small_copy(tmp_path)
    os.chmod(eng, 0o600)
    e = load_engagement(eng)
    save_engagement(e, eng, keep_previous=True)
    assert stat.S_IMODE(eng.stat().st_mode) == 0o600
    assert stat.S_IMODE(eng.with_suffix(".prev.yaml").stat().st_mode) == 0o600


# ------------------------------------------------------------------------------------------------- item 4
def test_alias_bomb_is_refused_in_milliseconds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines + ["client: *a8"]) + "\n", encoding="utf-8")
    assert bomb.stat().st_size < 1024
    from toolkit.model.yamlio import read_yaml

    t0 = time.perf_counter()
    with pytest.raises(InputError) as exc:
        read_yaml(bomb)
    assert time.perf_counter() - t0 < 1.0  # was 220 s and 2.4 GB
    assert "别名" in exc.value.message and "第 " in exc.value.location
    rc, _, err = _run(capsys, "check", str(bomb))
    assert rc == 2 and "Traceback" not in err


def test_ordinary_aliases_still_load(tmp_path: Path) -> None:
    from toolkit.model.yamlio import read_yaml

    p = tmp_path / "a.yaml"
    p.write_text("base: &b {x: 1, y: [1, 2]}\nother: *b\nthird: {<<: *b, z: 3}\n", encoding="utf-8")
    data = read_yaml(p)
    assert data["other"]["y"] == [1, 2] and data["third"]["z"] == 3


def test_deep_nesting_is_a_located_error(tmp_path: Path) -> None:
    from toolkit.model.yamlio import read_yaml

    p = tmp_path / "deep.yaml"
    p.write_text("client: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(InputError):
        read_yaml(p)


# ------------------------------------------------------------------------------------------------- item 7
def test_nul_inside_yaml_is_located_not_called_not_utf8(tmp_path: Path) -> None:
    from toolkit.model.yamlio import read_yaml

    p = tmp_path / "e.yaml"
    p.write_bytes("client:\n  name: 杭州\x00\n".encode())
    with pytest.raises(InputError) as exc:
        read_yaml(p)
    assert "NUL" in exc.value.message and "UTF-8" not in exc.value.message
    assert exc.value.location.endswith("第 2 行第 11 列")
    p.write_bytes(b"client:\n  name: \xff\xfe\n")
    with pytest.raises(InputError) as exc:
        read_yaml(p)
    assert "0xFF" in exc.value.message and "第 2 行" in exc.value.location


def _score_error(tmp_path: Path, text: str, name: str = "a.csv") -> InputError:
    from toolkit.model.engagement import load_engagement
    from toolkit.scoring.actuals import read_actuals

    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_actuals(p, load_engagement(SMALL / "engagement.yaml"))
    return exc.value


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "Infinity"])
def test_infinite_actuals_are_refused(tmp_path: Path, value: str) -> None:
    err = _score_error(tmp_path, f"employee,indicator,period,actual\nSL001,ctr,2026-01,{value}\n")
    f = err.findings[0]
    assert f.code == "scoring.not_finite" and f.location == "a.csv: row 2, column actual"


def test_decimal_comma_is_not_read_as_thousands(tmp_path: Path) -> None:
    err = _score_error(tmp_path, 'employee,indicator,period,actual\nSL001,ctr,2026-01,"1,44%"\n')
    assert err.findings[0].code == "scoring.decimal_comma"
    from toolkit.model.engagement import load_engagement
    from toolkit.scoring.actuals import read_actuals

    p = tmp_path / "ok.csv"
    p.write_text('employee,indicator,period,actual\nSL001,ctr,2026-01,"1,234.5"\nSL002,ctr,2026-01,85%\n',
                 encoding="utf-8")
    assert read_actuals(p, load_engagement(SMALL / "engagement.yaml"))["actual"].tolist() == [1234.5, 85.0]


def test_two_columns_meaning_actual_are_an_error(tmp_path: Path) -> None:
    err = _score_error(tmp_path, "employee,indicator,period,actual,实际值\nSL001,ctr,2026-01,1.2,1.3\n")
    assert err.location == "a.csv: row 1, column actual" and "E" in err.message and "D" in err.message


def test_ragged_csv_names_the_row(tmp_path: Path) -> None:
    err = _score_error(tmp_path, "employee,indicator,period,actual\nSL001,ctr,2026-01,1.2\nSL002,ctr,2026-01,1,2\n")
    assert err.location == "a.csv: row 3" and "5" in err.message and "4" in err.message


def test_nul_in_actuals_csv(tmp_path: Path) -> None:
    err = _score_error(tmp_path, "employee,indicator,period,actual\nSL001,ctr,2026-01,1\x00\n")
    assert err.location == "a.csv: row 2"


def test_merged_cells_and_uncached_formulas_in_xlsx(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from toolkit.model.engagement import load_engagement
    from toolkit.scoring.actuals import read_actuals

    eng = load_engagement(SMALL / "engagement.yaml")
    wb = Workbook()
    ws = wb.active
    ws.append(["employee", "indicator", "period", "actual"])
    ws.append(["SL001", "ctr", "2026-01", 1.2])
    ws.append([None, "ctr", "2026-02", 1.3])
    ws.merge_cells("A2:A3")
    wb.save(tmp_path / "merged.xlsx")
    with pytest.raises(InputError) as exc:
        read_actuals(tmp_path / "merged.xlsx", eng)
    assert "A2:A3" in exc.value.message and '""' not in exc.value.message

    wb = Workbook()
    ws = wb.active
    ws.append(["employee", "indicator", "period", "actual"])
    ws.append(["SL001", "ctr", "2026-01", "=1+0.2"])  # openpyxl saves no cached value
    wb.save(tmp_path / "formula.xlsx")
    with pytest.raises(InputError) as exc:
        read_actuals(tmp_path / "formula.xlsx", eng)
    assert exc.value.location == "formula.xlsx: row 2, cell D2"


def test_empty_employee_cell_says_so(tmp_path: Path) -> None:
    err = _score_error(tmp_path, "employee,indicator,period,actual\n,ctr,2026-01,1\n")
    assert [f.code for f in err.findings] == ["scoring.empty_employee"]
