"""The AHP engine: published examples, properties, incomplete and group judgments, diagnosis, repair, bad input,
and the ``appraisal ahp`` command."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.cli import main
from toolkit.model.errors import InputError
from toolkit.model.messages import language
from toolkit.weights.analysis import analyse
from toolkit.weights.consistency import (
    consistency_ratio,
    cr_threshold,
    geometric_consistency_index,
    priorities,
    random_index,
)
from toolkit.weights.diagnosis import AuditRecord, accept_change, diagnose, repair_plan
from toolkit.weights.group import aggregate_judgments, group_analyse
from toolkit.weights.judgments import judgment_set, read_judgments
from toolkit.weights.scale import SCALE, parse_value, snap_to_scale

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data_samples" / "ahp"

DRINKS = {("coffee", "wine"): 9, ("coffee", "tea"): 5, ("coffee", "beer"): 2, ("coffee", "soda"): 1,
          ("coffee", "milk"): 1, ("coffee", "water"): 1 / 2, ("wine", "tea"): 1 / 3, ("wine", "beer"): 1 / 9,
          ("wine", "soda"): 1 / 9, ("wine", "milk"): 1 / 9, ("wine", "water"): 1 / 9, ("tea", "beer"): 1 / 3,
          ("tea", "soda"): 1 / 4, ("tea", "milk"): 1 / 3, ("tea", "water"): 1 / 9, ("beer", "soda"): 1 / 2,
          ("beer", "milk"): 1, ("beer", "water"): 1 / 3, ("soda", "milk"): 2, ("soda", "water"): 1 / 2,
          ("milk", "water"): 1 / 3}


def random_reciprocal(rng: np.random.Generator, n: int, near: float | None = None) -> np.ndarray:
    """A reciprocal matrix with Saaty-scale entries: uniform, or near-consistent (lognormal noise, snapped)."""
    iu = np.triu_indices(n, 1)
    if near is None:
        up = rng.choice(SCALE, len(iu[0]))
    else:
        w = rng.uniform(1, 4, n)
        up = snap_to_scale(np.clip(w[iu[0]] / w[iu[1]] * np.exp(rng.normal(0, near, len(iu[0]))), 1 / 9, 9))
    A = np.ones((n, n))
    A[iu] = up
    A[(iu[1], iu[0])] = 1 / up
    return A


# ============================================================================================ published examples
def test_saaty_drinks_example_reproduces_published_numbers():
    # Saaty (1980) drinks consumption in the USA; eigenvector .177 .019 .042 .116 .190 .129 .327, CR .022
    r = analyse(DRINKS)
    published = {"coffee": 0.177, "wine": 0.019, "tea": 0.042, "beer": 0.116, "soda": 0.190, "milk": 0.129,
                 "water": 0.327}
    assert r.weights.round(3).to_dict() == published
    assert round(r.cr, 3) == 0.022
    assert r.ri == 1.35 and r.ri_table == "saaty2005" and r.consistent and r.method == "eigen"


def test_drinks_sample_file_matches_published_example():
    r = analyse(read_judgments(SAMPLES / "drinks_matrix.yaml"))
    assert r.weights.round(3).to_list() == [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]


def test_wikipedia_leader_example_criteria():
    # Wikipedia "Analytic hierarchy process – leader example": criteria priorities and CR
    A = np.array([[1, 4, 3, 7], [1 / 4, 1, 1 / 3, 3], [1 / 3, 3, 1, 5], [1 / 7, 1 / 3, 1 / 5, 1]])
    r = analyse(A, names=["Experience", "Education", "Charisma", "Age"])
    assert np.allclose(r.weights.to_numpy(), [0.547, 0.127, 0.270, 0.056], atol=1e-3)
    assert round(r.cr, 3) == 0.044


def test_agrees_with_ahpy_high_precision_same_ri():
    ahpy = pytest.importorskip("ahpy")
    rng = np.random.default_rng(7)
    for n in (3, 5, 8, 10):
        A = random_reciprocal(rng, n, near=0.3)
        names = [f"e{i}" for i in range(n)]
        comp = {(names[i], names[j]): A[i, j] for i in range(n) for j in range(i + 1, n)}
        c = ahpy.Compare("x", comp, precision=12, random_index="saaty")
        r = analyse(A, names=names)
        assert max(abs(c.target_weights[k] - r.weights[k]) for k in names) < 1e-6
        assert abs(c.consistency_ratio - r.cr) < 1e-6


# ============================================================================================ RI, CR, thresholds
def test_random_index_tables_and_formula_beyond_15():
    assert random_index(12) == 1.54  # not pyDecision's non-monotone 1.48
    assert random_index(3, "alonso-lamata") == 0.5247
    assert random_index(16, "alonso-lamata") == pytest.approx((1.7699 * 16 - 4.3513) / 15)
    with pytest.raises(InputError) as e:
        random_index(16)
    assert "alonso-lamata" in e.value.hint
    sa = [random_index(n) for n in range(3, 16)]
    assert sa == sorted(sa)


def test_thresholds_depend_on_size():
    assert [cr_threshold(n) for n in (1, 2, 3, 4, 5, 9)] == [0, 0, 0.05, 0.08, 0.10, 0.10]


def test_n_1_and_2_are_consistent_not_nan():
    r1 = analyse(np.array([[1.0]]), names=["唯一"])
    assert r1.weights.to_list() == [1.0] and r1.cr == 0 and r1.consistent
    r2 = analyse(np.array([[1, 7], [1 / 7, 1]]))
    assert r2.cr == 0 and r2.consistent and not np.isnan(r2.lambda_max)
    assert r2.weights.to_list() == pytest.approx([7 / 8, 1 / 8])


def test_large_n_works_with_alonso_lamata():
    A = random_reciprocal(np.random.default_rng(3), 18, near=0.2)
    r = analyse(A, ri="alonso-lamata")
    assert r.n == 18 and np.isfinite(r.cr) and r.weights.sum() == pytest.approx(1)
    with pytest.raises(InputError):
        analyse(A)  # the Saaty 2005 table stops at 15


def test_geometric_method_is_the_row_geometric_mean():
    A = random_reciprocal(np.random.default_rng(1), 6)
    g = np.prod(A, axis=1) ** (1 / 6)
    r = analyse(A, method="geometric")
    assert np.allclose(r.weights.to_numpy(), g / g.sum(), atol=1e-12)
    assert r.method == "geometric"
    assert r.gci == pytest.approx(geometric_consistency_index(A))


def test_batched_functions_match_single():
    rng = np.random.default_rng(2)
    S = np.stack([random_reciprocal(rng, 7) for _ in range(20)])
    W = priorities(S)
    crs = consistency_ratio(S)
    for k in (0, 7, 19):
        r = analyse(S[k])
        assert np.allclose(W[k], r.weights.to_numpy(), atol=1e-12)
        assert crs[k] == pytest.approx(r.cr)


# ============================================================================================ properties
weights_st = st.lists(st.floats(1.0, 3.0), min_size=1, max_size=9)


@settings(max_examples=60, deadline=None)
@given(weights_st, st.sampled_from(["eigen", "geometric"]))
def test_consistent_matrix_gives_generating_weights_and_cr_zero(w, method):
    w = np.array(w)
    A = w[:, None] / w[None, :]
    r = analyse(A, method=method)
    assert np.allclose(r.weights.to_numpy(), w / w.sum(), atol=1e-9)
    assert abs(r.cr) < 1e-9 and r.consistent


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 9), st.integers(0, 2**32 - 1), st.sampled_from(["eigen", "geometric"]))
def test_relabelling_permutes_weights(n, seed, method):
    rng = np.random.default_rng(seed)
    A = random_reciprocal(rng, n)
    p = rng.permutation(n)
    names = [f"x{i}" for i in range(n)]
    r = analyse(A, names=names, method=method)
    rp = analyse(A[np.ix_(p, p)], names=[names[i] for i in p], method=method)
    assert np.allclose(rp.weights[names].to_numpy(), r.weights.to_numpy(), atol=1e-10)
    assert rp.cr == pytest.approx(r.cr, abs=1e-10)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(0, 2**32 - 1), st.sampled_from(["eigen", "geometric"]))
def test_weights_positive_and_sum_to_one(n, seed, method):
    r = analyse(random_reciprocal(np.random.default_rng(seed), n), method=method)
    assert (r.weights > 0).all() and r.weights.sum() == pytest.approx(1, abs=1e-12)
    assert r.cr >= 0


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 7), st.integers(2, 5), st.integers(0, 2**32 - 1), st.sampled_from(["aij", "aip"]))
def test_group_of_identical_participants_equals_single(n, k, seed, aggregation):
    rng = np.random.default_rng(seed)
    A = random_reciprocal(rng, n)
    names = [f"指标{i}" for i in range(n)]
    rows = [(names[i], names[j], A[i, j], f"p{q}") for q in range(k) for i in range(n) for j in range(i + 1, n)]
    g = group_analyse(rows, weights={f"p{q}": float(q + 1) for q in range(k)}, aggregation=aggregation)
    single = analyse(A, names=names)
    assert np.allclose(g.weights[names].to_numpy(), single.weights.to_numpy(), atol=1e-9)
    assert g.aggregate.cr == pytest.approx(single.cr, abs=1e-9)
    assert g.consensus == pytest.approx(1.0)
    assert np.allclose(g.participants["cr"], single.cr)


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 7), st.integers(2, 5), st.integers(0, 2**32 - 1))
def test_geometric_aij_equals_aip(n, k, seed):
    # Barzilai & Golany: with row geometric means, aggregating judgments and priorities give the same weights
    rng = np.random.default_rng(seed)
    names = [f"e{i}" for i in range(n)]
    rows = []
    for q in range(k):
        A = random_reciprocal(rng, n)
        rows += [(names[i], names[j], A[i, j], f"p{q}") for i in range(n) for j in range(i + 1, n)]
    pw = {f"p{q}": float(rng.uniform(0.5, 3)) for q in range(k)}
    aij = group_analyse(rows, weights=pw, aggregation="aij", method="geometric")
    aip = group_analyse(rows, weights=pw, aggregation="aip", method="geometric")
    assert np.allclose(aij.weights.to_numpy(), aip.weights.to_numpy(), atol=1e-10)


# ============================================================================================ input forms
def test_verbal_scale_and_fractions():
    assert [parse_value(x) for x in ("同等重要", "稍微重要", "明显重要", "强烈重要", "极端重要")] == [1, 3, 5, 7, 9]
    assert parse_value("明显不重要") == pytest.approx(1 / 5)
    assert parse_value(" 1/3 ") == pytest.approx(1 / 3)
    assert parse_value("4") == 4 and parse_value(6) == 6


def test_pair_list_csv_with_chinese_names_equals_matrix():
    js = read_judgments(SAMPLES / "marketing_pairs.csv")
    assert js.elements == ("销售线索数量", "营销活动ROI", "品牌曝光量", "客户满意度")
    A = js.matrix()
    assert A[0, 1] == 3 and A[0, 2] == 5 and A[2, 3] == 0.5 and A[1, 0] == pytest.approx(1 / 3)
    r1 = analyse(js)
    r2 = analyse(A, names=list(js.elements))
    assert np.allclose(r1.weights, r2.weights)


def test_upper_triangle_forms_equal_full_matrix(tmp_path):
    full = analyse(read_judgments(SAMPLES / "marketing_upper.yaml"))
    no_diag = tmp_path / "u.yaml"
    no_diag.write_text("elements: [销售线索数量, 营销活动ROI, 品牌曝光量, 内容产出质量]\n"
                       "matrix:\n  - [2, 3, 5]\n  - [2, 4]\n  - [2]\n", encoding="utf-8")
    blank_lower = tmp_path / "b.csv"
    blank_lower.write_text(",销售线索数量,营销活动ROI,品牌曝光量,内容产出质量\n销售线索数量,1,2,3,5\n"
                           "营销活动ROI,,1,2,4\n品牌曝光量,,,1,2\n内容产出质量,,,,1\n", encoding="utf-8")
    for f in (no_diag, blank_lower):
        r = analyse(read_judgments(f))
        assert np.allclose(r.weights.to_numpy(), full.weights.to_numpy())


def test_xlsx_matrix_sample():
    js = read_judgments(SAMPLES / "sales_matrix.xlsx")
    assert js.elements[0] == "销售额达成率"
    r = analyse(js)
    assert r.consistent and r.weights.idxmax() == "销售额达成率"


def test_model_judgments_and_tuples():
    from toolkit.model.schema import Judgment

    js = judgment_set([Judgment(a="x", b="y", value="1/3"), Judgment(a="y", b="z", value=2),
                       Judgment(a="x", b="z", value=1)])
    assert js.matrix()[0, 1] == pytest.approx(1 / 3)


# ============================================================================================ incomplete
def test_harker_equals_eigenvector_of_completed_matrix():
    js = read_judgments(SAMPLES / "incomplete.yaml")
    r = analyse(js)
    assert r.missing == 5
    w = r.weights.to_numpy()
    C = r.completed
    assert np.allclose(C @ w, r.lambda_max * w, atol=1e-10)  # w is the Perron vector of the completed matrix
    known = ~np.isnan(r.matrix)
    assert np.allclose(C[known], r.matrix[known])
    # RI for 5 missing of 10: Saaty's 1.11 times the simulated ratio CI(5, 5)/CI(5, 0) (issue 13), not the
    # linear Ágoston–Csató approximation 1 − 2m/((n−1)(n−2)), which understated it
    from toolkit.weights.ri_table import load_table

    ci = load_table()["ci"]["5"]
    assert r.ri == pytest.approx(1.11 * ci["5"] / ci["0"])
    assert r.ri > 1.11 * (1 - 2 * 5 / (4 * 3))


def test_incomplete_geometric_is_least_squares():
    A = random_reciprocal(np.random.default_rng(4), 5, near=0.3)
    A[0, 3] = A[3, 0] = np.nan
    r = analyse(A, method="geometric")
    x = np.log(r.weights.to_numpy())
    iu = [(i, j) for i in range(5) for j in range(i + 1, 5) if not np.isnan(A[i, j])]

    def loss(v):
        return sum((np.log(A[i, j]) - v[i] + v[j]) ** 2 for i, j in iu)

    rng = np.random.default_rng(0)
    assert all(loss(x) <= loss(x + rng.normal(0, 0.01, 5)) for _ in range(20))


def test_disconnected_comparisons_name_the_groups():
    with pytest.raises(InputError) as e, language("zh"):
        analyse([("线索量", "转化率", 3), ("品牌认知度", "团队协作", 2)])
    msg = str(e.value)
    assert "{线索量、转化率}" in msg and "{品牌认知度、团队协作}" in msg


# ============================================================================================ diagnosis, repair
def test_diagnosis_finds_the_broken_judgment():
    w = np.array([8, 4, 2, 1.0])
    A = w[:, None] / w[None, :]
    A[0, 3], A[3, 0] = 1 / 2, 2  # should be 8
    r = analyse(A, names=list("abcd"), top=None)
    top = r.most_inconsistent.iloc[0]
    assert (top.row, top.col) == ("a", "d")
    assert top.cr_after < r.cr
    d = diagnose(A, names=list("abcd"))
    assert len(d) == 6 and d.iloc[0]["epsilon"] < 1  # judged too low: a_ij·w_j/w_i < 1


def test_diagnosis_cr_after_is_the_cr_of_the_changed_matrix():
    A = random_reciprocal(np.random.default_rng(5), 6, near=0.6)
    r = analyse(A, top=None)
    for row in r.most_inconsistent.head(3).itertuples():
        B = A.copy()
        B[row.i, row.j], B[row.j, row.i] = row.suggested, 1 / row.suggested
        assert analyse(B).cr == pytest.approx(row.cr_after)


def test_repair_plan_reaches_threshold_and_is_never_applied_silently():
    rng = np.random.default_rng(11)
    A = random_reciprocal(rng, 6, near=0.9)
    names = [f"指标{i}" for i in range(6)]
    js = judgment_set(A, elements=names)
    before = js.pairs.copy()
    plan = repair_plan(js)
    assert plan.cr_before > plan.threshold and plan.reaches_threshold and plan.changes
    pd.testing.assert_frame_equal(js.pairs, before)  # proposals only
    cur = js
    records: list[AuditRecord] = []
    for ch in plan.changes:
        cur, rec = accept_change(cur, ch, who="王顾问", when=dt.datetime(2026, 11, 25, 10, 0))
        records.append(rec)
    assert analyse(cur).cr == pytest.approx(plan.cr_after)
    assert analyse(cur).cr <= plan.threshold
    assert records[0].who == "王顾问" and records[0].when.startswith("2026-11-25T10:00")
    assert records[0].original == pytest.approx(plan.changes[0].original)
    assert records[0].new == plan.changes[0].proposed
    pd.testing.assert_frame_equal(js.pairs, before)


def test_accept_change_on_model_judgments_returns_new_list():
    from toolkit.model.schema import Judgment

    js = [Judgment(a="a", b="b", value=3), Judgment(a="b", b="c", value=3), Judgment(a="a", b="c", value="1/3")]
    plan = repair_plan(js)
    assert plan.changes
    new, rec = accept_change(js, plan.changes[0], who="李", value=None)
    assert js[2].value == pytest.approx(1 / 3)  # input untouched
    assert isinstance(new[0], Judgment) and len(new) == 3
    assert rec.cr_after < rec.cr_before
    with pytest.raises(InputError):
        accept_change(js, plan.changes[0], who="")


# ============================================================================================ groups
def test_group_sample_reports_each_participant():
    g = group_analyse(read_judgments(SAMPLES / "workshop_group.csv"))
    assert list(g.participants["participant"]) == ["市场总监", "品牌经理", "销售经理"]
    assert g.participants["cr"].notna().all() and 0 < g.consensus < 1
    assert not g.participants.set_index("participant").loc["销售经理", "consistent"]
    ex = group_analyse(read_judgments(SAMPLES / "workshop_group.csv"), exclude_inconsistent=True)
    assert list(ex.participants["included"]) == [True, True, False]
    assert not np.allclose(ex.weights, g.weights)
    assert g.disagreement.iloc[0]["gsd"] >= g.disagreement.iloc[-1]["gsd"]


def test_participant_weight_two_equals_duplicating_them():
    rng = np.random.default_rng(9)
    A, B = random_reciprocal(rng, 4), random_reciprocal(rng, 4)
    G1 = aggregate_judgments(np.stack([A, B]), [2, 1])
    G2 = aggregate_judgments(np.stack([A, A, B]))
    assert np.allclose(G1, G2)
    assert np.allclose(G1 * G1.T, 1)  # reciprocal


def test_aggregate_skips_unjudged_cells():
    A = np.array([[1, 3], [1 / 3, 1]])
    B = np.array([[1, np.nan], [np.nan, 1]])
    assert aggregate_judgments(np.stack([A, B]))[0, 1] == pytest.approx(3)


# ============================================================================================ bad input
@pytest.mark.parametrize("text, needle", [
    ("elements: [a, b, c]\nmatrix:\n  - [1, 2, 3]\n  - [1/2, 1]\n  - [1/3, 1, 1]\n", "matrix[1]"),
    ("elements: [a, b]\nmatrix:\n  - [1, 0]\n  - [1, 1]\n", "matrix[0][1]"),
    ("elements: [a, b]\nmatrix:\n  - [1, -2]\n  - [1, 1]\n", "matrix[0][1]"),
    ("elements: [a, b]\nmatrix:\n  - [1, abc]\n  - [1, 1]\n", "matrix[0][1]"),
    ("elements: [a, b]\nmatrix:\n  - [2, 3]\n  - [1/3, 1]\n", "matrix[0][0]"),
    ("elements: [a, b]\nmatrix:\n  - [1, 3]\n  - [3, 1]\n", "matrix[1][0]"),
    ("elements: [a, b]\nmatrix:\n  - [1, 12]\n  - [1/12, 1]\n", "matrix[0][1]"),
    ("elements: [a, b]\njudgments:\n  - [a, c, 3]\n", "judgments[0]"),
    ("elements: [a, b]\njudgments:\n  - [a, b, 3]\n  - [b, a, 3]\n", "judgments[1]"),
    ("elements: [a, b]\njudgments:\n  - [a, b, 1/11]\n", "judgments[0]"),
])
def test_bad_input_names_the_place(tmp_path, text, needle):
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    original = f.read_bytes()
    with pytest.raises(InputError) as e:
        analyse(read_judgments(f))
    assert needle in e.value.location
    assert f.read_bytes() == original


def test_bad_cell_in_csv_and_xlsx_is_named(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text(",甲,乙\n甲,1,x\n乙,,1\n", encoding="utf-8")
    with pytest.raises(InputError) as e, language("en"):
        read_judgments(f)
    assert "row 2, column 3" in e.value.location and "甲 / 乙" in e.value.location
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["", "甲", "乙"])
    ws.append(["甲", 1, 3])
    ws.append(["乙", 3, 1])
    x = tmp_path / "m.xlsx"
    wb.save(x)
    with pytest.raises(InputError) as e:
        read_judgments(x)
    assert "B3" in e.value.location
    g = tmp_path / "p.csv"
    g.write_text("a,b,value\n甲,乙,3\n甲,丙,0\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_judgments(g)
    assert "p.csv" in e.value.location and "3" in e.value.location


def test_unknown_element_suggests_close_name(tmp_path):
    with pytest.raises(InputError) as e, language("zh"):
        judgment_set([("销售线索数量", "营销活动ROI", 3)], elements=["销售线索数量", "营销活动ROl"])
    assert "营销活动ROl" in e.value.hint


# ============================================================================================ CLI
def run_cli(*args: str) -> tuple[int, str, str]:
    p = subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True, cwd=ROOT, check=False,
                       env={"APPRAISAL_LANG": "zh", "PATH": "/usr/bin:/bin"})
    return p.returncode, p.stdout, p.stderr


def test_cli_json_has_the_issue_keys(tmp_path):
    code, out, err = run_cli("ahp", str(SAMPLES / "drinks_matrix.yaml"), "--json")
    assert code == 0, err
    d = json.loads(out)
    for key in ("weights", "lambda_max", "ci", "cr", "ri", "threshold", "consistent", "method", "most_inconsistent"):
        assert key in d
    assert round(d["weights"]["水"], 3) == 0.327 and d["method"] == "eigen"
    assert set(d["most_inconsistent"][0]) >= {"row", "col", "value", "suggested", "cr_after"}


def test_cli_text_methods_and_ri(capsys):
    assert main(["ahp", str(SAMPLES / "marketing_pairs.csv"), "--method", "geometric", "--ri", "alonso-lamata"]) == 0
    out = capsys.readouterr().out
    assert "方根法" in out and "alonso-lamata" in out and "CR =" in out


def test_cli_group_file_lists_participants(capsys):
    """销售经理's own CR is 0.0624 > 0.05 (n = 3): exit 1 although the aggregate passes (issue 13)."""
    assert main(["ahp", str(SAMPLES / "workshop_group.csv"), "--json"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert d["flagged"] == ["销售经理"] and d["consistent"] is True  # the aggregate itself passes
    mgr = d["participants"][2]
    assert mgr["repair"]["proven_minimal"] and mgr["most_inconsistent"][0]["row"] == "销售线索数量"
    assert [p["participant"] for p in d["participants"]] == ["市场总监", "品牌经理", "销售经理"]
    assert all(p["cr"] is not None for p in d["participants"]) and "consensus" in d


def test_cli_bad_input_exit_2_no_traceback(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(",a,b\na,1,3\nb,3,1\n", encoding="utf-8")
    for args in (["ahp", str(f)], ["ahp", str(tmp_path / "missing.yaml")]):
        code, _, err = run_cli(*args)
        assert code == 2 and "Traceback" not in err and err.strip()
    code, _, err = run_cli("ahp", str(f))
    assert "bad.csv" in err


def test_audit_record_fits_the_engagement_model():
    from toolkit.model.schema import Judgment, JudgmentAudit, Weighting

    js = [Judgment(a="a", b="b", value=3), Judgment(a="b", b="c", value=3), Judgment(a="a", b="c", value="1/3")]
    new, rec = accept_change(js, ("a", "c", 5), who="王顾问", reason="workshop")
    w = Weighting(method="ahp", judgments=new, audit=[JudgmentAudit(**rec.to_dict())])
    assert w.audit[0].original == pytest.approx(1 / 3) and w.audit[0].new == 5 and w.audit[0].who == "王顾问"


def test_a_result_can_be_fed_back_with_its_names():
    from toolkit.weights.sensitivity import monte_carlo

    r = analyse(np.array([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]), names=["甲", "乙", "丙"])
    assert monte_carlo(r, draws=20, seed=0).summary.index.tolist() == ["甲", "乙", "丙"]
    assert repair_plan(r).cr_before == pytest.approx(r.cr)


@pytest.mark.parametrize("name, content", [
    ("empty.csv", b""),
    ("header_only.csv", b"a,b,value\n"),
    ("top_list.yaml", b"- 1\n- 2\n"),
    ("not_excel.xlsx", b"garbage"),
    ("matrix_scalar.yaml", b"elements: [x, y]\nmatrix: 5\n"),
    ("short_item.yaml", b"judgments:\n  - [x, y]\n"),
    ("gbk.csv", "要素A,要素B,判断值\n甲,乙,九十\n".encode("gb18030")),
    ("names.csv", "a,b,value\n甲,乙,3\n".encode() + b"\xff\xfe"),
    ("unknown.docx", b"x"),
])
def test_cli_never_shows_a_traceback(tmp_path, name, content):
    f = tmp_path / name
    f.write_bytes(content)
    code, out, err = run_cli("ahp", str(f))
    assert code == 2, out
    assert "Traceback" not in err and name in err


def test_group_participant_with_disconnected_answers_is_reported_not_fatal():
    rows = [("x", "y", 3, "甲"), ("x", "z", 3, "乙")]
    g = group_analyse(rows)
    assert list(g.participants["connected"]) == [False, False]
    assert g.participants["cr"].isna().all()
    assert g.weights.sum() == pytest.approx(1)  # the aggregate is connected


def test_next_pairs_bridge_groups_first_then_shorten_the_graph():
    from toolkit.weights.analysis import next_pairs

    disconnected = [("线索量", "转化率", 3), ("品牌认知度", "团队协作", 2), ("品牌认知度", "活动", 2)]
    first = next_pairs(disconnected, k=1).iloc[0]
    groups = [{"线索量", "转化率"}, {"品牌认知度", "团队协作", "活动"}]
    assert np.isinf(first.distance)
    assert any(first.a in g for g in groups) and not any({first.a, first.b} <= g for g in groups)
    asked = disconnected + [(first.a, first.b, 1)]
    analyse(asked)  # now connected
    path = [("a", "b", 2), ("b", "c", 2), ("c", "d", 2), ("d", "e", 2)]  # a chain: a and e are 4 apart
    top = next_pairs(path, k=1).iloc[0]
    assert {top.a, top.b} == {"a", "e"} and top.distance == 4
    assert len(next_pairs(DRINKS)) == 0  # complete: nothing to ask


# ============================================================================================ new-user trial
def _matrix_yaml(rows: list[list[object]], elements: list[str] | None = None) -> str:
    head = f"elements: [{', '.join(elements)}]\n" if elements is not None else ""
    return head + "matrix:\n" + "".join("  - [" + ", ".join(map(str, r)) + "]\n" for r in rows)


_M3 = [[1, 2, 3], ["1/2", 1, 2], ["1/3", "1/2", 1]]


@pytest.mark.parametrize("name, content, place", [
    ("names_mismatch.yaml", _matrix_yaml(_M3, ["A", "B"]), "elements"),
    ("dupnames.yaml", _matrix_yaml(_M3, ["A", "A", "B"]), "elements[1]"),
    ("big16.yaml", _matrix_yaml([[1] * 16 for _ in range(16)]), "16×16"),
    ("dupnames.csv", ",A,B,A\nA,1,2,3\nB,1/2,1,2\nA,1/3,1/2,1\n", "第 4 行第 1 列"),
    ("blank_name.csv", ",A,B\nA,1,2\n,1/2,1\n", "第 3 行第 1 列"),
    ("names_differ.csv", ",A,B\nA,1,2\nC,1/2,1\n", "第 3 行第 1 列"),
    ("two_columns.csv", "a,b\nX,Y\nX,Z\nY,Z\n", "第 1 行"),
    ("disconnected.csv", "a,b,value\nX,Y,3\nZ,W,2\n", "4×4"),
    ("bad_weight.yaml", "participants: [{name: p, weight: -1}]\njudgments:\n  - [A, B, 3, p]\n", "participants[0]"),
])
def test_cli_every_error_names_the_file_the_place_and_a_hint(tmp_path, name, content, place):
    """Trial: `names_mismatch.yaml:: …` (doubled colon, no place), no hint for repeated names, no file for n = 16."""
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    code, _, err = run_cli("ahp", str(f))
    assert code == 2 and "Traceback" not in err
    assert "::" not in err and f"{name}: " in err, err
    assert place in err and " — 建议: " in err, err


def test_cli_exit_code_1_when_inconsistent_0_when_consistent(tmp_path):
    """As `appraisal check`: 0 clean, 1 a warning (CR above the threshold), 2 bad input; text and JSON alike."""
    for args in ([], ["--json"]):
        code, out, _ = run_cli("ahp", str(SAMPLES / "incomplete.yaml"), *args)
        assert code == 1 and ("未通过" in out or '"consistent": false' in out)
        code, _, _ = run_cli("ahp", str(SAMPLES / "drinks_matrix.yaml"), *args)
        assert code == 0
    assert main(["ahp", str(SAMPLES / "incomplete.yaml")]) == 1
    assert main(["ahp", str(SAMPLES / "marketing_upper.yaml")]) == 0
    assert main(["ahp", str(SAMPLES / "workshop_group.csv")]) == 1  # aggregate passes, 销售经理 does not
    assert main(["ahp", str(SAMPLES / "workshop_group.csv"), "--exclude", "销售经理"]) == 0
    assert main(["ahp", str(SAMPLES / "workshop_group.csv"), "--exclude-inconsistent"]) == 0
    f = tmp_path / "group.csv"  # the aggregate of p (inconsistent) and q is above 0.05
    f.write_text("a,b,value,participant\nX,Y,3,p\nX,Z,3,p\nY,Z,1/5,p\nX,Y,3,q\nX,Z,3,q\nY,Z,1,q\n", encoding="utf-8")
    assert main(["ahp", str(f)]) == 1


def test_most_inconsistent_ranked_by_cr_after_then_distance_from_what_the_others_imply():
    """``incomplete.yaml`` is a 5-cycle: 线索量>转化率 2, 转化率>品牌认知度 3, 品牌认知度>活动执行 2,
    活动执行>团队协作 2 imply 线索量 : 团队协作 = 24, but it was judged 3. Changing any one edge of the cycle to
    the value the other four imply makes it consistent (CR 0): the old ε ranking offered CR 0.1045 at best."""
    r = analyse(read_judgments(SAMPLES / "incomplete.yaml"), top=None)
    mi = r.most_inconsistent
    assert mi["cr_after"].iloc[0] == pytest.approx(mi["cr_after"].min())
    cr = mi["cr_after"].round(9).to_numpy()
    dev = np.abs(np.log(mi["value"].to_numpy() / mi["implied"].to_numpy()))
    assert np.all(np.diff(cr) >= 0)
    ties = np.diff(cr) == 0
    assert ties.any() and np.all(np.diff(dev)[ties] <= 1e-12)  # ties: farther from what the others imply first
    assert float(mi["cr_after"].iloc[0]) < 1e-9
    top = mi.iloc[0]
    assert top.implied == pytest.approx(top.value / 8)          # 3 / 24 = the cycle's excess
    assert top.suggested == pytest.approx(top.implied)        # 1/4 is on the scale
    # the same order in diagnose(), and ε travels with the JSON and the text
    d = diagnose(read_judgments(SAMPLES / "incomplete.yaml"))
    assert np.all(np.diff(d["cr_after"].round(9).to_numpy()) >= 0)
    assert [x["epsilon"] for x in r.to_dict(3)["most_inconsistent"]] == pytest.approx(list(mi["epsilon"].head(3)))
    _, out, _ = run_cli("ahp", str(SAMPLES / "incomplete.yaml"))
    lines = [x for x in out.splitlines() if x.strip().startswith(("1.", "2."))]
    assert "0.0000" in lines[0] and "ε = " in lines[0]


@pytest.mark.parametrize("lang, needle", [("zh", "按定义"), ("en", "by definition")])
def test_cli_two_elements_are_consistent_by_definition(tmp_path, capsys, lang, needle):
    f = tmp_path / "n2.yaml"
    f.write_text("judgments:\n  - [甲, 乙, 3]\n", encoding="utf-8")
    with language(lang):
        assert main(["ahp", str(f)]) == 0
    out = capsys.readouterr().out
    assert needle in out and "0.00" not in out.split("CR ≤")[-1][:6] and "CR ≤ 0.00" not in out


def test_two_column_csv_says_the_value_column_is_missing(tmp_path):
    f = tmp_path / "pairs.csv"
    f.write_text("a,b\n线索量,转化率\n线索量,品牌\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_judgments(f)
    assert "判断值列" in e.value.message and "a,b,value[,participant]" in e.value.hint
    assert e.value.location == "pairs.csv: 第 1 行（表头）"
    m = tmp_path / "ab_matrix.csv"  # a matrix whose elements are called A and B is still a matrix
    m.write_text(",A,B\nA,1,3\nB,1/3,1\n", encoding="utf-8")
    assert read_judgments(m).elements == ("A", "B")


def test_unknown_sheet_lists_the_available_sheets():
    from openpyxl import load_workbook

    path = SAMPLES / "sales_matrix.xlsx"
    sheets = load_workbook(path, read_only=True).sheetnames
    with pytest.raises(InputError) as e:
        read_judgments(path, sheet="Nope")
    assert "Nope" in e.value.message and "Worksheet" not in str(e.value)
    assert all(s in e.value.hint for s in sheets)
    assert read_judgments(path, sheet="0").elements == read_judgments(path).elements
    with language("en"):
        code, _, err = run_cli("ahp", str(path), "--sheet", "Nope")
    assert code == 2 and sheets[0] in err


@pytest.mark.parametrize("value, zh, en", [
    (20, "超出 1/9～9 的标度范围", "outside Saaty's scale"),
    ("很重要", "不是数字或分数", "is not a number"),
    ("3/0", "不能为 0", "cannot be 0"),
])
def test_judgment_model_messages_come_from_the_catalogue(value, zh, en):
    from pydantic import ValidationError

    from toolkit.model.schema import Judgment

    for lang, needle, foreign in (("zh", zh, "outside"), ("en", en, "超出")):
        with language(lang), pytest.raises(ValidationError) as e:
            Judgment(a="a", b="b", value=value)
        assert needle in str(e.value) and foreign not in str(e.value)


def test_english_output_has_no_chinese_punctuation_in_places(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(_matrix_yaml([[1, 2, "x"], ["1/2", 1, 2], [3, "1/2", 1]], ["A", "B", "C"]), encoding="utf-8")
    g = tmp_path / "disc.csv"
    g.write_text("a,b,value\nX,Y,3\nZ,W,2\n", encoding="utf-8")
    for path in (f, g):
        p = subprocess.run([sys.executable, "-m", "toolkit", "ahp", str(path)], capture_output=True, text=True,
                           cwd=ROOT, check=False, env={"APPRAISAL_LANG": "en", "PATH": "/usr/bin:/bin"})
        assert p.returncode == 2 and not set("（）、；「」") & set(p.stderr), p.stderr
