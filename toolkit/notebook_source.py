"""The source of the guided notebooks in ``notebooks/``: one place that writes all five, so they stay alike.

Every notebook is a worksheet for a client meeting: a short introduction, ONE cell tagged ``parameters``
(typed and commented, so ``papermill --help-notebook`` and :func:`papermill.inspect_notebook` describe it),
then thin cells that call the toolkit and show a table or a chart, with an explanation before each. The
explanations come from the message catalogue (``templates/i18n/notebooks.yaml``), Chinese first with the
English below, so one notebook serves both languages; tables and charts follow the ``lang`` parameter.

Regenerate after editing: ``python -m toolkit.notebook_source`` (a test fails when the files are stale).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .i18n import t
from .paths import notebooks_dir

__all__ = ["NOTEBOOK_NAMES", "PARAMETERS_SOURCE", "build_notebook", "stale_notebooks", "write_notebooks"]

NOTEBOOK_NAMES = ("01_goals", "02_indicators", "03_weights", "04_calibration_review", "05_scheme")

PARAMETERS_SOURCE = '''\
# Parameters: the batch runner (appraisal build) replaces these; edit them when working by hand.
engagement: str = "../data_samples/small_company/engagement.yaml"  # path to the engagement YAML (UTF-8)
role: str = ""  # role id (roles[].id); empty: the first role, or the whole department
lang: str = "zh"  # language of tables and charts: zh or en
output_dir: str = ""  # folder for the results JSON and documents; empty: show only, write nothing
interactive: bool = False  # True: show the workshop controls (ipywidgets); the numbers stay the same'''


def _md(key: str) -> str:
    """Markdown text for a cell: Chinese, then the English in a quieter style."""
    zh, en = t(key, "zh"), t(key, "en")
    en_lines = "\n".join(f"> {line}" if line.strip() else ">" for line in en.splitlines())
    return f"{zh}\n\n{en_lines}"


# Each notebook: a list of ("md", catalogue key) / ("code", source) / ("params", None).
_CELLS: dict[str, list[tuple[str, str | None]]] = {
    "01_goals": [
        ("md", "nb.goals.intro"),
        ("params", None),
        ("code", '''\
import pandas as pd
from IPython.display import display
from toolkit import worksheet
from toolkit.goals import alignment_findings, alignment_matrix, goal_findings, smart_check

ws = worksheet.begin("01_goals", engagement, role, lang, output_dir, interactive)
eng = ws.eng
pd.DataFrame([eng.client.model_dump()])'''),
        ("md", "nb.goals.strategy"),
        ("code", '''\
strategy = pd.DataFrame([s.model_dump() for s in eng.strategy], columns=["id", "text"])
goals = pd.DataFrame([g.model_dump(mode="json") for g in eng.goals])
display(strategy)
goals'''),
        ("md", "nb.goals.smart"),
        ("code", '''\
smart = [smart_check(g, lang) for g in eng.goals]
smart_table = pd.DataFrame([{"goal": r.goal_id, "text": r.text, "score": round(r.score, 2), "ok": r.ok,
                             "vague": "、".join(r.vague)} for r in smart])
smart_table'''),
        ("md", "nb.goals.smart_detail"),
        ("code", '''\
for r in smart:
    if not r.ok:
        print(f"{r.goal_id}: {r.text}")
        display(r.to_frame().loc[lambda f: ~f["ok"]])'''),
        ("md", "nb.goals.alignment"),
        ("code", '''\
matrix = alignment_matrix(eng)
matrix'''),
        ("code", '''\
findings = goal_findings(eng) + alignment_findings(eng)
pd.DataFrame([f.to_dict() for f in findings], columns=["severity", "code", "location", "message", "hint"])'''),
        ("md", "nb.save"),
        ("code", '''\
ws.save(goals=[r.to_dict() for r in smart], smart_ok=sum(r.ok for r in smart), n_goals=len(smart),
        alignment=matrix.to_dict(), findings=[f.to_dict() for f in findings])'''),
    ],
    "02_indicators": [
        ("md", "nb.indicators.intro"),
        ("params", None),
        ("code", '''\
import pandas as pd
import seaborn as sns
from IPython.display import display
from toolkit import worksheet
from toolkit.catalogue import catalogue_frame
from toolkit.scheme import resolve_role

ws = worksheet.begin("02_indicators", engagement, role, lang, output_dir, interactive, per_role=True)
eng, the_role = ws.eng, ws.role
rs = resolve_role(eng, the_role)
pd.DataFrame([{"id": the_role.id, "name": the_role.name, "type": the_role.role_type,
               "headcount": the_role.headcount, "indicators": len(rs.indicators)}])'''),
        ("md", "nb.indicators.catalogue"),
        ("code", '''\
catalogue = catalogue_frame(role_type=the_role.role_type, lang=lang)
catalogue["chosen"] = catalogue["id"].isin([i.id for i in rs.indicators])
catalogue'''),
        ("md", "nb.indicators.chosen"),
        ("code", '''\
table = rs.table(lang)
table'''),
        ("md", "nb.indicators.balance"),
        ("code", '''\
share = rs.quant_share
band = rs.band
in_band = band is None or (band[0] - 1e-9 <= share <= band[1] + 1e-9)
balance = pd.DataFrame([{"quantitative share": round(share, 3),
                         "band": f"{band[0]:.0%}–{band[1]:.0%}" if band else "—", "in band": in_band}])
display(balance)
ax = sns.barplot(data=table, x="weight", y="name", hue="quantitative", dodge=False)
ax.set(xlabel="%", ylabel="")
worksheet.show_figure(ax)'''),
        ("md", "nb.indicators.interactive"),
        ("code", '''\
if interactive:
    from toolkit.widgets import IndicatorPicker
    from toolkit.workshop import Workshop

    display(IndicatorPicker(Workshop(eng, lang=lang), role=the_role.id, lang=lang))'''),
        ("md", "nb.save"),
        ("code", '''\
ws.save(indicators=table["id"].tolist(), weights=dict(zip(table["id"], table["weight"])),
        quant_share=round(share, 6), band=list(band) if band else None, in_band=bool(in_band),
        n_catalogue=len(catalogue))'''),
    ],
    "03_weights": [
        ("md", "nb.weights.intro"),
        ("params", None),
        ("code", '''\
import pandas as pd
from IPython.display import display
from toolkit import worksheet
from toolkit.scheme import resolve_role

ws = worksheet.begin("03_weights", engagement, role, lang, output_dir, interactive, per_role=True)
eng, the_role = ws.eng, ws.role
rs = resolve_role(eng, the_role)
uses_ahp = the_role.weighting.method == "ahp" and bool(the_role.weighting.judgments)
pd.DataFrame([{"role": the_role.name, "method": the_role.weighting.method,
               "judgments": len(the_role.weighting.judgments),
               "participants": len(the_role.weighting.participants)}])'''),
        ("md", "nb.weights.judgments"),
        ("code", '''\
judgments = pd.DataFrame([j.model_dump() for j in the_role.weighting.judgments],
                         columns=["a", "b", "value", "participant"]).fillna({"participant": "—"})
if len(judgments):  # one row per pair, one column per participant
    display(judgments.pivot_table(index=["a", "b"], columns="participant", values="value", sort=False).round(3))'''),
        ("md", "nb.weights.ahp"),
        ("code", '''\
from toolkit.hierarchy import role_weights

rw = role_weights(the_role, lang=lang) if uses_ahp else None
result = None if rw is None else getattr(rw.ahp, "aggregate", rw.ahp)
if rw is not None:
    display(rw.table)
    print(f"CR = {result.cr:.4f}  ({'≤' if result.consistent else '>'} {result.threshold:g})")
    for note in rw.notes:
        print(note)
else:
    display(rs.table(lang)[["id", "name", "quantitative", "weight"]])'''),
        ("md", "nb.weights.group"),
        ("code", '''\
group = rw.ahp if rw is not None and hasattr(rw.ahp, "aggregate") else None
if group is not None:
    display(group.participants)
    print(f"consensus = {group.consensus:.3f}")
    display(group.disagreement.head(5))'''),
        ("md", "nb.weights.diagnosis"),
        ("code", '''\
from toolkit.ahp import repair_plan

if result is not None and result.n > 2:
    display(result.most_inconsistent.head(5))
    plan = repair_plan(result.matrix, names=result.names)
    display(pd.DataFrame([vars(c) for c in plan.changes]))
    print(f"CR {plan.cr_before:.4f} -> {plan.cr_after:.4f}")
else:
    plan = None'''),
        ("md", "nb.weights.sensitivity"),
        ("code", '''\
from toolkit.sensitivity import monte_carlo, one_at_a_time

weights = (result.weights if result is not None
           else pd.Series({i.id: i.weight / 100 for i in rs.indicators}))
oat = one_at_a_time(weights)
display(oat)
mc = monte_carlo(result.matrix, draws=2000, seed=20261125) if result is not None and result.n > 2 else None
if mc is not None:
    display(mc.summary)'''),
        ("code", '''\
from toolkit.plots_weights import plot_judgments, plot_weights

if result is not None and result.n > 1:
    worksheet.show_figure(plot_judgments(result))
worksheet.show_figure(plot_weights(mc if mc is not None else weights))'''),
        ("md", "nb.weights.interactive"),
        ("code", '''\
if interactive:
    from toolkit.widgets import PairwisePanel
    from toolkit.workshop import Workshop

    display(PairwisePanel(Workshop(eng, lang=lang), role=the_role.id, lang=lang))'''),
        ("md", "nb.save"),
        ("code", '''\
ws.save(method=the_role.weighting.method,
        weights={i.id: i.weight for i in rs.indicators},
        cr=None if result is None else float(result.cr),
        consistent=None if result is None else bool(result.consistent),
        consensus=None if group is None else float(group.consensus),
        repair=None if plan is None else {"cr_after": float(plan.cr_after), "changes": len(plan.changes)},
        sensitivity=oat, monte_carlo=None if mc is None else mc.summary)'''),
    ],
    "04_calibration_review": [
        ("md", "nb.calibration.intro"),
        ("params", None),
        ("code", '''\
import pandas as pd
from IPython.display import display
from toolkit import calibration as cal
from toolkit import worksheet
from toolkit.appraise import appraise, summary
from toolkit.plots_scores import (plot_grades_vs_target, plot_pay_by_grade, plot_score_by_role,
                                  plot_what_if)
from toolkit.scheme import resolve_scheme
from toolkit.scoring import indicator_table

ws = worksheet.begin("04_calibration_review", engagement, role, lang, output_dir, interactive)
eng = ws.eng
table = indicator_table(resolve_scheme(eng))
actuals, source = worksheet.calibration_actuals(ws, table)
print(source)
actuals.head()'''),
        ("md", "nb.calibration.scores"),
        ("code", '''\
result = appraise(eng, actuals, table=table)
facts = summary(result, eng)
display(cal.score_distribution_by_role(result.totals))
worksheet.show_figure(plot_score_by_role(result.totals, lang))
result.totals.head(10)'''),
        ("md", "nb.calibration.distribution"),
        ("code", '''\
dist = cal.grade_distribution(result.totals, eng)
display(dist)
worksheet.show_figure(plot_grades_vs_target(dist, lang))
cal.rating_distribution_by_rater(result.ratings)'''),
        ("md", "nb.calibration.redundancy"),
        ("code", '''\
display(cal.discrimination(result.annual, result.table))
redundant = cal.redundant_pairs(result.annual, threshold=0.8)
redundant'''),
        ("md", "nb.calibration.pay"),
        ("code", '''\
cost = cal.pay_cost_by_grade(result.totals, eng)
display(cost)
worksheet.show_figure(plot_pay_by_grade(cost, lang))
pd.Series(result.budget.to_dict())'''),
        ("md", "nb.calibration.whatif"),
        ("code", '''\
harder = table.assign(**{c: table[c] * 1.1 for c in ("threshold", "target", "stretch")})
compare = cal.what_if(eng, actuals, table, harder, labels=("now", "plus10"))
worksheet.show_figure(plot_what_if(compare, lang))
compare.head(10)'''),
        ("md", "nb.save"),
        ("code", '''\
ws.save(source=source, employees=facts["employees"], mean_total=facts["mean_total"], grades=facts["grades"],
        budget=facts["budget"], distribution=dist, redundant_pairs=redundant,
        what_if={"mean_delta": float(compare["delta"].mean()),
                 "grade_changed": int(compare["grade_changed"].sum())})'''),
    ],
    "05_scheme": [
        ("md", "nb.scheme.intro"),
        ("params", None),
        ("code", '''\
import pandas as pd
from IPython.display import display
from toolkit import worksheet
from toolkit.scheme import resolve_scheme

ws = worksheet.begin("05_scheme", engagement, role, lang, output_dir, interactive)
scheme = resolve_scheme(ws.eng)
pd.DataFrame([{"role": r.role.name, "indicators": len(r.indicators), "weights": r.weights_method,
               "quantitative share": round(r.quant_share, 3)} for r in scheme.roles])'''),
        ("md", "nb.scheme.render"),
        ("code", '''\
documents = worksheet.render_documents(ws)
pd.DataFrame({"file": list(documents.values())}, index=list(documents))'''),
        ("md", "nb.save"),
        ("code", '''\
ws.save(documents=list(documents.values()), roles=[r.role.id for r in scheme.roles],
        weights={r.role.id: {i.id: i.weight for i in r.indicators} for r in scheme.roles})'''),
    ],
}


def build_notebook(name: str) -> Any:
    """The notebook ``name`` as an nbformat object (not written)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    cells = []
    for i, (kind, body) in enumerate(_CELLS[name]):
        cid = f"{name.split('_')[0]}-{i:02d}"
        if kind == "md":
            cells.append(nbformat.v4.new_markdown_cell(_md(str(body)), id=cid))
        elif kind == "params":
            cells.append(nbformat.v4.new_code_cell(PARAMETERS_SOURCE, id=cid, metadata={"tags": ["parameters"]}))
        else:
            cells.append(nbformat.v4.new_code_cell(str(body), id=cid))
    nb.cells = cells
    return nb


def _text(name: str) -> str:
    import nbformat

    return nbformat.writes(build_notebook(name)) + "\n"


def write_notebooks(directory: str | Path | None = None) -> list[Path]:
    """Write every notebook to ``directory`` (default ``notebooks/``), atomically; returns the paths."""
    from .fileio import atomic_write_text

    out = Path(directory) if directory else notebooks_dir()
    return [atomic_write_text(out / f"{name}.ipynb", _text(name)) for name in NOTEBOOK_NAMES]


def stale_notebooks(directory: str | Path | None = None) -> list[str]:
    """Names of notebooks whose file differs from what this module would write (empty = up to date)."""
    out = Path(directory) if directory else notebooks_dir()
    stale = []
    for name in NOTEBOOK_NAMES:
        path = out / f"{name}.ipynb"
        if not path.is_file() or path.read_text(encoding="utf-8") != _text(name):
            stale.append(name)
    return stale


if __name__ == "__main__":  # python -m toolkit.notebook_source [DIR]
    for p in write_notebooks(sys.argv[1] if len(sys.argv) > 1 else None):
        print(p)
