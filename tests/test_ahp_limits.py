"""Issue 16, item 4: AHP work is bounded. Above ``limits.MAX_ELEMENTS`` a matrix is refused with a located
message before any work is spent; above ``limits.FULL_DIAGNOSIS_MAX`` the diagnosis is screened (only the most
deviating judgments are diagnosed and may change) and nothing is claimed minimal; a repair plan stops at
``limits.MAX_REPAIR_CHANGES`` changes and says the judgments need a new round instead.
"""
from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from toolkit.model.errors import InputError
from toolkit.weights import analysis, diagnosis, repair
from toolkit.weights.analysis import analyse
from toolkit.weights.diagnosis import repair_plan
from toolkit.weights.limits import FULL_DIAGNOSIS_MAX, MAX_ELEMENTS, MAX_REPAIR_CHANGES, SCREENED_PAIRS

VALUES = np.array([1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9])


def _random(n: int, seed: int = 1) -> np.ndarray:
    """A matrix of random scale values: as inconsistent as judgments get (the hostile user's input)."""
    rng = np.random.default_rng(seed)
    A = np.ones((n, n))
    iu = np.triu_indices(n, 1)
    v = rng.choice(VALUES, size=len(iu[0]))
    A[iu], A[(iu[1], iu[0])] = v, 1 / v
    return A


def _two_reversed(n: int) -> tuple[np.ndarray, set[tuple[int, int]]]:
    """A consistent matrix on the scale (weights 1, 3, 9, … cycled) with two 9s typed as 1/9 (CR above 0.10)."""
    w = np.array([[1.0, 3.0, 9.0][k % 3] for k in range(n)])
    A = w[:, None] / w[None, :]
    planted = {(2, 3), (5, 6)}                     # w 9 over w 1
    for i, j in planted:
        A[i, j], A[j, i] = 1 / 9, 9
    return A, planted


def _write_yaml(path: Path, A: np.ndarray) -> Path:
    n = len(A)
    rows = "\n".join("  - [" + ", ".join(f"{x:.6g}" for x in r) + "]" for r in A)
    path.write_text("elements: [" + ", ".join(f"c{k}" for k in range(n)) + "]\nmatrix:\n" + rows + "\n",
                    encoding="utf-8")
    return path


def _cli(*args: str, mem_gib: float = 3.0) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process under an address-space limit: a regression to the 30 GiB stack fails
    here with an error instead of taking the machine down."""
    limit = int(mem_gib * 2**30)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run([str(Path(sys.executable).with_name("appraisal")), *args], capture_output=True, text=True,
                          preexec_fn=cap, timeout=600, check=False)


def test_300_elements_with_alonso_lamata_is_refused_with_its_place(tmp_path: Path) -> None:
    f = _write_yaml(tmp_path / "m300.yaml", _random(300))
    out = _cli("ahp", "--ri", "alonso-lamata", str(f))
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and "MemoryError" not in out.stderr
    assert "m300.yaml: elements" in out.stderr and "300" in out.stderr and str(MAX_ELEMENTS) in out.stderr
    assert "44,850" in out.stderr and "分层" in out.stderr          # the reason and the way out


def test_the_bound_is_inclusive_and_every_entry_point_checks_it() -> None:
    r = analyse(_random(MAX_ELEMENTS), ri="alonso-lamata")
    assert r.n == MAX_ELEMENTS and r.screened
    big = _random(MAX_ELEMENTS + 1)
    for call in (lambda: analyse(big, ri="alonso-lamata"), lambda: repair_plan(big, ri="alonso-lamata"),
                 lambda: analyse([(f"e{k}", f"e{k + 1}", 2) for k in range(MAX_ELEMENTS)])):
        with pytest.raises(InputError) as exc:
            call()
        assert str(MAX_ELEMENTS) in exc.value.message and exc.value.hint


def test_full_and_screened_diagnosis_find_the_same_reversed_judgment() -> None:
    """Two ways to the same answer: the full diagnosis at n = FULL_DIAGNOSIS_MAX and the screened one just above
    it both put the planted reversals first and repair them with one change back to 9."""
    for n, scope in ((FULL_DIAGNOSIS_MAX, "full"), (FULL_DIAGNOSIS_MAX + 5, "screened")):
        A, planted = _two_reversed(n)
        r = analyse(A, ri="alonso-lamata", top=None)
        assert not r.consistent and r.to_dict()["diagnosis"]["scope"] == scope
        assert r.pairs == n * (n - 1) // 2
        assert r.diagnosed == (r.pairs if scope == "full" else SCREENED_PAIRS)
        top = r.most_inconsistent.head(2)
        assert set(zip(top.i, top.j)) == planted and (top.suggested == 9).all()
        plan = repair_plan(A, ri="alonso-lamata")
        assert len(plan.changes) == 1 and plan.reaches_threshold
        assert (plan.changes[0].row, plan.changes[0].col) in planted and plan.changes[0].proposed == 9
        assert plan.proven_minimal == (scope == "full")      # a screened search proves nothing about the rest


def _count_solved(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every eigenproblem cell the engine solves (stack size × n²), counted where the modules call it."""
    cells: list[int] = []
    real = repair.solve_stack

    def counting(stack: np.ndarray, method: str):  # type: ignore[no-untyped-def]
        cells.append(int(np.asarray(stack).size))
        return real(stack, method)

    for mod in (repair, analysis, diagnosis):
        monkeypatch.setattr(mod, "solve_stack", counting)
    return cells


def test_work_stays_bounded_up_to_the_largest_accepted_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    """The work (eigenproblem cells) of analysis + repair plan on random judgments: at the bound it is a small
    multiple of the work at n = FULL_DIAGNOSIS_MAX, where the unscreened diagnosis would be ~40× more."""
    cells = _count_solved(monkeypatch)
    work = {}
    for n in (FULL_DIAGNOSIS_MAX, MAX_ELEMENTS):
        cells.clear()
        analyse(_random(n), ri="alonso-lamata")
        repair_plan(_random(n), ri="alonso-lamata")
        work[n] = sum(cells)
    per_step_unscreened = MAX_ELEMENTS * (MAX_ELEMENTS - 1) // 2 * 17 * MAX_ELEMENTS ** 2
    assert work[MAX_ELEMENTS] < per_step_unscreened           # less than ONE unscreened greedy step
    assert work[MAX_ELEMENTS] < 12 * work[FULL_DIAGNOSIS_MAX]  # (50/20)² = 6.25 from the matrix size alone


def test_a_plan_stops_at_the_stated_length_and_says_to_judge_again(tmp_path: Path) -> None:
    A = _random(9)
    plan = repair_plan(A)
    assert len(plan.changes) == MAX_REPAIR_CHANGES and not plan.reaches_threshold
    f = _write_yaml(tmp_path / "r9.yaml", A)
    zh = _cli("ahp", str(f))
    assert zh.returncode == 1 and "重新评判" in zh.stdout and f"{MAX_REPAIR_CHANGES}. " in zh.stdout
    en = _cli("--lang", "en", "ahp", str(f))
    assert en.returncode == 1 and "new round of judging" in en.stdout, en.stderr


def test_cli_says_when_the_diagnosis_was_screened(tmp_path: Path) -> None:
    A, _ = _two_reversed(FULL_DIAGNOSIS_MAX + 5)
    out = _cli("ahp", "--ri", "alonso-lamata", str(_write_yaml(tmp_path / "m25.yaml", A)))
    assert out.returncode == 1, out.stderr
    assert f"只诊断偏离度 ε 最大的 {SCREENED_PAIRS} 个判断（共 300 个）" in out.stdout
    assert "已证明不能更少" not in out.stdout
