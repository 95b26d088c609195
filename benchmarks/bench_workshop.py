"""Workshop responsiveness: time from one answer to fresh weights, CR and diagnosis (10×10), and page start time.

Goal (issue 7): under 50 ms per answer for a 10×10 matrix; the page starts in a few seconds. Printed as
median / p95 in ms and as a ratio to the goal, measured side by side in one run:

* ``engine``       — :func:`toolkit.weights.analysis.analyse` alone on the 10×10 matrix (the floor);
* ``answer``       — ``Workshop.answer`` with the SQLite journal (commit with fsync) + analysis;
* ``slider``       — a slider's value set in Python: observer → journal → analysis → result HTML re-rendered;
* ``group slider`` — the same with 3 participants side by side and the group aggregate (AIJ) re-computed;
* ``page start``   — Voila + Chromium: from ``goto`` to the result table on screen (skipped without Chromium).

Run: ``.venv/bin/python benchmarks/bench_workshop.py [--rounds N] [--no-browser]``
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

GOAL_MS = 50.0


def _stats(samples: list[float]) -> tuple[float, float]:
    arr = np.asarray(samples) * 1000
    return float(np.median(arr)), float(np.percentile(arr, 95))


def _engagement_file(folder: Path, participants: list[str]) -> Path:
    from toolkit.model.catalogue import load_catalogue

    ids = list(load_catalogue())[:10]
    parts = "".join(f"        - {{name: {p}}}\n" for p in participants)
    text = (
        "client: {name: 基准测试公司, size: medium, marketing_headcount: 20}\n"
        "roles:\n  - id: bench\n    name: 基准岗位\n    role_type: brand\n    indicators:\n"
        + "".join(f"      - {{id: {i}, basic: true}}\n" for i in ids)
        + ("    weighting:\n      method: ahp\n      participants:\n" + parts if parts else "")
    )
    path = folder / "engagement.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _fill(ws, participants: list[str], rng: np.random.Generator) -> None:  # type: ignore[no-untyped-def]
    from toolkit.workshop.session import SCALE_VALUES

    ids = ws.indicators("bench")
    for p in participants:
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                ws.answer("bench", p, ids[i], ids[j], float(rng.choice(SCALE_VALUES)))


def bench_python(rounds: int) -> list[tuple[str, float, float]]:
    from toolkit.weights.analysis import analyse
    from toolkit.workshop.session import SCALE_VALUES, open_workshop
    from toolkit.workshop.widgets import PairwisePanel

    rng = np.random.default_rng(7)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = _engagement_file(Path(tmp), [])
        ws = open_workshop(path, who="bench")
        _fill(ws, [""], rng)
        ids = ws.indicators("bench")
        m = ws.matrix("bench", "")
        samples = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            analyse(m, names=ids, top=1)
            samples.append(time.perf_counter() - t0)
        rows.append(("engine (analyse 10×10)", *_stats(samples)))

        samples = []
        for k in range(rounds):
            i, j = sorted(rng.choice(len(ids), 2, replace=False))
            t0 = time.perf_counter()
            ws.answer("bench", "", ids[i], ids[j], float(SCALE_VALUES[k % len(SCALE_VALUES)]))
            samples.append(time.perf_counter() - t0)
        rows.append(("answer (journal + analysis)", *_stats(samples)))

        panel = PairwisePanel(ws)
        keys = list(panel.sliders)
        samples = []
        for k in range(rounds):
            s = panel.sliders[keys[int(rng.integers(len(keys)))]]
            new = SCALE_VALUES[(SCALE_VALUES.index(s.value) + 1 + k % 3) % len(SCALE_VALUES)]
            t0 = time.perf_counter()
            s.value = new
            samples.append(time.perf_counter() - t0)
        rows.append(("slider (+ result HTML)", *_stats(samples)))
        ws.journal.close()  # type: ignore[union-attr]

    with tempfile.TemporaryDirectory() as tmp:
        names = ["张总", "李经理", "王主管"]
        path = _engagement_file(Path(tmp), names)
        ws = open_workshop(path, who="bench")
        _fill(ws, names, rng)
        panel = PairwisePanel(ws)
        keys = list(panel.sliders)
        samples = []
        for k in range(max(rounds // 2, 5)):
            s = panel.sliders[keys[int(rng.integers(len(keys)))]]
            new = SCALE_VALUES[(SCALE_VALUES.index(s.value) + 1 + k % 3) % len(SCALE_VALUES)]
            t0 = time.perf_counter()
            s.value = new
            samples.append(time.perf_counter() - t0)
        rows.append(("group slider (3 people, AIJ)", *_stats(samples)))
        ws.journal.close()  # type: ignore[union-attr]
    return rows


def bench_page(runs: int = 2) -> list[float]:
    """Seconds from page request to the page on screen (its first tab), with a fresh kernel each time."""
    from playwright.sync_api import sync_playwright

    from toolkit.cli.workshop import voila_command
    from toolkit.model.paths import samples_dir

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        eng = Path(tmp) / "engagement.yaml"
        shutil.copy(samples_dir() / "small_company" / "engagement.yaml", eng)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        env = dict(os.environ, APPRAISAL_WORKSHOP_ENGAGEMENT=str(eng))
        t_server = time.perf_counter()
        proc = subprocess.Popen(voila_command(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, cwd=tmp)
        try:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            out.append(time.perf_counter() - t_server)
            with sync_playwright() as p:
                b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic"])
                for _ in range(runs):
                    page = b.new_page()
                    t0 = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}/", timeout=90_000)
                    page.locator(".ws-goals").wait_for(timeout=90_000)  # the page opens on its first tab
                    out.append(time.perf_counter() - t0)
                    page.close()
                b.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(20)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=60)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    print(f"workshop update after one answer, 10×10 matrix, {args.rounds} rounds; goal {GOAL_MS:.0f} ms")
    print(f"{'what':32s} {'median ms':>10s} {'p95 ms':>9s} {'p95/goal':>9s}")
    for name, med, p95 in bench_python(args.rounds):
        print(f"{name:32s} {med:10.2f} {p95:9.2f} {p95 / GOAL_MS:9.2f}")
    if args.no_browser or not Path("/usr/bin/chromium").exists():
        print("page start: skipped (no /usr/bin/chromium or --no-browser)")
        return
    times = bench_page()
    print(f"voila server listening after {times[0]:.2f} s")
    print("page + kernel + widgets on screen: " + ", ".join(f"{x:.2f} s" for x in times[1:]))


if __name__ == "__main__":
    main()
