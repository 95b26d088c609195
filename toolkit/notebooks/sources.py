"""The source of the guided notebooks in ``notebooks/``: one place that writes all five, so they stay alike.

Every notebook is a worksheet for a client meeting: a short introduction, ONE cell tagged ``parameters``
(typed and commented, so ``papermill --help-notebook`` and :func:`papermill.inspect_notebook` describe it),
then thin cells that call the toolkit and show a table or a chart, with an explanation before each. The
explanations come from the message catalogue (``templates/i18n/notebooks.yaml``) in ONE language per file:
``notebooks/*.ipynb`` speak Chinese (``lang = "zh"``), ``notebooks/en/*.ipynb`` English (``lang = "en"``); the
batch build runs the template of its ``--lang``, so a run never shows a text twice.

Regenerate after editing: ``python -m toolkit.notebooks.sources`` (a test fails when the files are stale).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from toolkit.model.messages import t
from toolkit.model.paths import notebooks_dir

__all__ = ["LANGUAGES", "NOTEBOOK_NAMES", "PARAMETERS_SOURCE", "build_notebook", "notebook_path", "parameters_source",
           "stale_notebooks", "write_notebooks"]

NOTEBOOK_NAMES = ("01_goals", "02_indicators", "03_weights", "04_calibration_review", "05_scheme")

PARAMETERS_SOURCE = '''\
# Parameters: the batch runner (appraisal build) replaces these; edit them when working by hand.
engagement: str = "../data_samples/small_company/engagement.yaml"  # path to the engagement YAML (UTF-8)
role: str = ""  # role id (roles[].id); empty: the first role, or the whole department
lang: str = "zh"  # language of tables and charts: zh or en
output_dir: str = ""  # folder for the results JSON and documents; empty: show only, write nothing
interactive: bool = False  # True: show the workshop controls (ipywidgets); the numbers stay the same'''

#: the languages a notebook file is written in: zh in notebooks/, en in notebooks/en/
LANGUAGES = ("zh", "en")


def parameters_source(lang: str = "zh") -> str:
    """The parameters cell of a notebook written in ``lang`` (its default ``lang`` and engagement path)."""
    if lang == "zh":
        return PARAMETERS_SOURCE
    return (PARAMETERS_SOURCE.replace('"../data_samples/', '"../../data_samples/')
            .replace('lang: str = "zh"  # language of tables and charts: zh or en',
                     f'lang: str = "{lang}"  # language of tables and charts (this file\'s texts are {lang}; zh: notebooks/)'))


def notebook_path(name: str, lang: str = "zh", directory: str | Path | None = None) -> Path:
    """Where the notebook ``name`` in ``lang`` lives: ``notebooks/<name>.ipynb`` or ``notebooks/<lang>/…``."""
    out = Path(directory) if directory else notebooks_dir()
    return (out if lang == "zh" else out / lang) / f"{name}.ipynb"


#: the save cell explains itself in a comment: the client's copy drops it (it has no output)
SAVE_COMMENT = """\
# Save the results: the key numbers of this worksheet go to output_dir/results/<notebook>[__<role>].json;
# the batch build reads them for its summary and manifest.json (the audit trail). Nothing is shown.
"""


def _md(key: str, lang: str = "zh") -> str:
    """Markdown text for a cell, from the message catalogue, in ``lang`` only."""
    return t(key, lang)


# Each notebook: a list of ("md", catalogue key) / ("code", source) / ("params", None).
_CELLS: dict[str, list[tuple[str, str | None]]] = {
    "01_goals": [
        ("md", "nb.goals.intro"),
        ("params", None),
        ("code", '''\
import pandas as pd
from toolkit.notebooks import worksheet
from toolkit.checks.goals import alignment_findings, alignment_matrix, goal_findings, smart_check
from toolkit.model.messages import t

ws = worksheet.begin("01_goals", engagement, role, lang, output_dir, interactive)
eng = ws.eng
ws.show(pd.DataFrame([eng.client.model_dump()]))'''),
        ("md", "nb.goals.strategy"),
        ("code", '''\
strategy = pd.DataFrame([s.model_dump() for s in eng.strategy], columns=["id", "text"])
goals = pd.DataFrame([g.model_dump(mode="json") for g in eng.goals])
ws.show(strategy[["text"]])
ws.show(goals.drop(columns="id"))'''),
        ("md", "nb.goals.smart"),
        ("code", '''\
smart = [smart_check(g, lang, engagement=eng) for g in eng.goals]
smart_table = pd.DataFrame([{"goal": r.goal_id, "text": r.text, "score": round(r.score, 2), "ok": r.ok,
                             "vague": "、".join(r.vague)} for r in smart])
ws.show(smart_table)'''),
        ("md", "nb.goals.smart_detail"),
        ("code", '''\
for r in smart:
    if not r.ok:
        print(f"{r.goal_id}: {r.text}")
        ws.show(r.to_frame().loc[lambda f: ~f["ok"]])'''),
        ("md", "nb.goals.rewrite"),
        ("code", '''\
from toolkit.checks.goal_rewrite import suggest_rewrites
rewrites = {g.id: suggest_rewrites(g, eng) for g, r in zip(eng.goals, smart) if not r.ok}
goal_text = {g.id: g.text for g in eng.goals}
rewrite_table = pd.DataFrame([{"text": goal_text[gid], "indicator": s.indicator,
                               "blanks": ("、" if lang == "zh" else ", ").join(t(f"goal.field.{b}", lang)
                                                                             for b in s.blanks)}
                              for gid, found in rewrites.items() for s in found],
                             columns=["text", "indicator", "blanks"])
ws.show(rewrite_table, empty="nb.empty.rewrites")
for gid, found in rewrites.items():  # each rewrite in full, to copy into the engagement file
    print(goal_text[gid])
    for s in found:
        print("  •", s.text(lang))'''),
        ("md", "nb.goals.alignment"),
        ("code", '''\
matrix = alignment_matrix(eng)
goal_of = {f"{g.id} {g.text}": g.text for g in eng.goals}  # rows are labelled "<id> <text>": the text is enough
ws.show(matrix.rename(index=lambda row: goal_of.get(row, row)))'''),
        ("code", '''\
findings = goal_findings(eng) + alignment_findings(eng)
ws.show(pd.DataFrame([f.to_dict() for f in findings], columns=["severity", "location", "message", "hint"]),
        empty="nb.empty.findings")'''),
        ("code", SAVE_COMMENT + '''\
ws.save(goals=[r.to_dict() for r in smart], smart_ok=sum(r.ok for r in smart), n_goals=len(smart),
        rewrites={gid: [s.to_dict() for s in found] for gid, found in rewrites.items()},
        alignment=matrix.to_dict(), findings=[f.to_dict() for f in findings]);'''),
    ],
    "02_indicators": [
        ("md", "nb.indicators.intro"),
        ("params", None),
        ("code", '''\
import pandas as pd
import seaborn as sns
from IPython.display import display
from toolkit.notebooks import worksheet
from toolkit.model.messages import t
from toolkit.model.catalogue import catalogue_frame

ws = worksheet.begin("02_indicators", engagement, role, lang, output_dir, interactive, per_role=True)
eng, the_role = ws.eng, ws.role
rs = ws.role_scheme()
ws.show(pd.DataFrame([{"name": the_role.name, "type": the_role.role_type,
                       "headcount": the_role.headcount, "indicators": len(rs.indicators)}]))'''),
        ("md", "nb.indicators.catalogue"),
        ("code", '''\
catalogue = catalogue_frame(role_type=the_role.role_type, lang=lang)
catalogue["chosen"] = catalogue["id"].isin([i.id for i in rs.indicators])
ws.show(catalogue.drop(columns=["id", "roles"], errors="ignore"))'''),
        ("md", "nb.indicators.chosen"),
        ("code", '''\
table = rs.table(lang)
ws.show(table.drop(columns="id"))'''),
        ("md", "nb.indicators.balance"),
        ("code", '''\
share = rs.quant_share
band = rs.band
in_band = band is None or (band[0] - 1e-9 <= share <= band[1] + 1e-9)
balance = pd.DataFrame([{"quant_share": share, "band": f"{band[0]:.0%}–{band[1]:.0%}" if band else "—",
                         "in_band": in_band}])
ws.show(balance, percent=["quant_share"])
ax = sns.barplot(data=table.assign(kind=table["quantitative"].map(worksheet.kind_label(lang))),
                 x="weight", y="name", hue="kind", dodge=False)
ax.set(xlabel=t("nb.col.weight", lang), ylabel="")
ax.legend(title="")
worksheet.show_figure(ax)'''),
        ("code", '''\
if interactive:  # the workshop controls; batch mode (and the client's copy) shows nothing here
    worksheet.note("nb.indicators.interactive", lang)
    from toolkit.workshop.widgets import IndicatorPicker
    from toolkit.workshop.session import Workshop

    display(IndicatorPicker(Workshop(eng, lang=lang), role=the_role.id, lang=lang))'''),
        ("code", SAVE_COMMENT + '''\
ws.save(indicators=table["id"].tolist(), weights=dict(zip(table["id"], table["weight"])),
        quant_share=round(share, 6), band=list(band) if band else None, in_band=bool(in_band),
        n_catalogue=len(catalogue));'''),
    ],
    "03_weights": [
        ("md", "nb.weights.intro"),
        ("params", None),
        ("code", '''\
import pandas as pd
from IPython.display import display
from toolkit.notebooks import worksheet
from toolkit.model.messages import t

ws = worksheet.begin("03_weights", engagement, role, lang, output_dir, interactive, per_role=True, prefer="ahp")
eng, the_role = ws.eng, ws.role
rs = ws.role_scheme()
uses_ahp = the_role.weighting.method == "ahp" and bool(the_role.weighting.judgments)
ws.show(pd.DataFrame([{"role": the_role.name, "method": t(f"nb.method.{the_role.weighting.method}", lang),
                       "judgments": len(the_role.weighting.judgments),
                       "participants": worksheet.participant_count(the_role)}]))'''),
        ("md", "nb.weights.judgments"),
        ("code", '''\
judgments = pd.DataFrame([j.model_dump() for j in the_role.weighting.judgments],
                         columns=["a", "b", "value", "participant"]).fillna({"participant": "—"})
ws.show(None if judgments.empty else  # one row per pair, one column per participant
        judgments.pivot_table(index=["a", "b"], columns="participant", values="value", sort=False),
        empty="nb.empty.judgments", saaty=True)'''),
        ("md", "nb.weights.ahp"),
        ("code", '''\
from toolkit.weights.hierarchy import role_weights

rw = role_weights(the_role, lang=lang) if uses_ahp else None
result = None if rw is None else getattr(rw.ahp, "aggregate", rw.ahp)
if rw is not None:
    ws.show(rw.table.drop(columns=["id"], errors="ignore"), percent=["ahp"], digits=1)
    print(worksheet.cr_text(result, lang))
    for note in rw.notes:
        print(note)
    if rw.band_override is not None:  # the band moved the AHP weights: show both, the consultant chooses
        bo = rw.band_override
        ws.show(pd.DataFrame({"before": bo.before, "after": bo.after}))
        print(t("ahp.check.band_override.hint", lang))
else:
    ws.show(rs.table(lang)[["name", "quantitative", "weight"]])'''),
        ("md", "nb.weights.group"),
        ("code", '''\
group = rw.ahp if rw is not None and hasattr(rw.ahp, "aggregate") else None
if group is not None:
    ws.show(group.participants)
    print(t("ahp.cli.consensus_s", lang, c=f"{group.consensus:.3f}", label=group.consensus_label))
    ws.show(group.disagreement.head(5))
    if len(group.participants) >= 3:
        print(t("ahp.cli.clusters", lang, threshold="0.8",
                groups=t("ahp.group_sep", lang).join("{" + t("ahp.list_sep", lang).join(g) + "}"
                                                     for g in group.clusters())))
else:
    print(t("nb.empty.group", lang))'''),
        ("md", "nb.weights.diagnosis"),
        ("code", '''\
from toolkit.weights.diagnosis import repair_plan

if result is not None and result.n > 2 and group is not None:
    # a group: the aggregate's cells are means nobody typed; help each judge above the threshold instead
    plan = None
    for name, judge_plan in group.repairs.items():
        own = group.judges[name]
        print(t("ahp.cli.judge_flag", lang, name=name, cr=f"{own.cr:.4f}", threshold=f"{own.threshold:.2f}"))
        ws.show(own.most_inconsistent.head(5))
        ws.show(pd.DataFrame([vars(c) for c in judge_plan.changes]))
        print(t("ahp.cli.judge_options", lang, name=name))
        plan = judge_plan if plan is None else plan
    if not group.repairs and result.consistent:
        print(t("nb.empty.repair", lang))
elif result is not None and result.consistent:
    plan = None  # one verdict: consistent, nothing to change (no suggestions shown beside it)
    print(t("nb.empty.repair", lang))
elif result is not None and result.n > 2:
    ws.show(result.most_inconsistent.head(5))
    plan = repair_plan(result.matrix, names=result.names)
    ws.show(pd.DataFrame([vars(c) for c in plan.changes]), empty="nb.empty.repair")
    print(f"CR {plan.cr_before:.4f} -> {plan.cr_after:.4f}"
          + ("" if not plan.changes else "  " + (t("ahp.cli.repair_proven", lang) if plan.proven_minimal
                                                 else t("ahp.cli.repair_unproven", lang, lb=plan.lower_bound))))
else:
    plan = None
    print(t("nb.empty.diagnosis", lang))'''),
        ("md", "nb.weights.sensitivity"),
        ("code", '''\
from toolkit.notebooks.live import DRAWS, SEED  # the live charts of interactive mode use the same draws
from toolkit.weights.sensitivity import monte_carlo, one_at_a_time

weights = (result.weights if result is not None
           else pd.Series({i.id: i.weight / 100 for i in rs.indicators}))
oat = one_at_a_time(weights)
ws.show(oat, percent=["weight", "lower", "upper"])
mc = (monte_carlo(result.matrix, names=result.names, draws=DRAWS, seed=SEED)
      if result is not None and result.n > 2 else None)
if mc is not None:
    ws.show(mc.summary, percent=["base", "mean", "q05", "q50", "q95", "p_consistent"])'''),
        ("code", '''\
from toolkit.documents.plots_weights import plot_judgments, plot_weights

if result is not None and result.n > 1:
    worksheet.show_figure(worksheet.relabel(plot_judgments(result, lang=lang), ws.names))
worksheet.show_figure(worksheet.relabel(plot_weights(mc if mc is not None else weights, lang=lang), ws.names))'''),
        ("code", '''\
if interactive:  # the workshop controls; batch mode (and the client's copy) shows nothing here
    worksheet.note("nb.weights.interactive", lang)
    from toolkit.workshop.widgets import PairwisePanel
    from toolkit.workshop.session import Workshop

    from toolkit.notebooks.live import LiveWeights

    panel = PairwisePanel(Workshop(eng, lang=lang), role=the_role.id, lang=lang)
    display(panel, LiveWeights(panel, names=ws.names, lang=lang))  # heatmap, tables, chart follow the sliders'''),
        ("code", SAVE_COMMENT + '''\
ws.save(method=the_role.weighting.method,
        weights={i.id: i.weight for i in rs.indicators},
        cr=None if result is None else float(result.cr),
        consistent=None if result is None else bool(result.consistent),
        consensus=None if group is None else float(group.consensus),
        repair=None if plan is None else {"cr_after": float(plan.cr_after), "changes": len(plan.changes)},
        sensitivity=oat, monte_carlo=None if mc is None else mc.summary);'''),
    ],
    "04_calibration_review": [
        ("md", "nb.calibration.intro"),
        ("params", None),
        ("code", '''\
import pandas as pd
from toolkit.scoring import calibration as cal
from toolkit.notebooks import worksheet
from toolkit.scoring.appraise import appraise, summary
from toolkit.documents.plots_scores import plot_grades_vs_target, plot_pay_by_grade, plot_score_by_role, plot_what_if
from toolkit.scoring.rules import indicator_table

ws = worksheet.begin("04_calibration_review", engagement, role, lang, output_dir, interactive)
eng = ws.eng
table = indicator_table(ws.scheme)
actuals, source = worksheet.calibration_actuals(ws, table)
print(source)
ws.show(actuals.head(), columns=["employee", "role", "indicator", "period", "actual", "rating"])'''),
        ("md", "nb.calibration.scores"),
        ("code", '''\
result = appraise(eng, actuals, table=table)
facts = summary(result, eng)
ws.show(cal.score_distribution_by_role(result.totals), digits=1)
worksheet.show_figure(worksheet.relabel(plot_score_by_role(result.totals, lang), ws.names))
ws.show(result.totals.head(10), digits=1, percent=["coverage"],
        columns=["employee", "role", "total", "grade", "coverage", "bonus", "veto", "performance_pay"])'''),
        ("md", "nb.calibration.distribution"),
        ("code", '''\
dist = cal.grade_distribution(result.totals, eng)
ws.show(dist, percent=["share", "target_share", "diff"])
worksheet.show_figure(plot_grades_vs_target(dist, lang))
ws.show(cal.rating_distribution_by_rater(result.ratings), digits=2)'''),
        ("md", "nb.calibration.redundancy"),
        ("code", '''\
ws.show(cal.discrimination(result.annual, result.table), digits=2)
redundant = cal.redundant_pairs(result.annual, threshold=0.8)
ws.show(redundant, empty="nb.empty.redundant")'''),
        ("md", "nb.calibration.pay"),
        ("code", '''\
cost = cal.pay_cost_by_grade(result.totals, eng)
ws.show(cost, percent=["pay_share"], digits=2)
worksheet.show_figure(plot_pay_by_grade(cost, lang))
ws.show(pd.Series(result.budget.to_dict(), name="value").to_frame(), digits=2, labels=True)'''),
        ("md", "nb.calibration.whatif"),
        ("code", '''\
harder = table.assign(**{c: table[c] * 1.1 for c in ("threshold", "target", "stretch")})
compare = cal.what_if(eng, actuals, table, harder, labels=("now", "plus10"))
worksheet.show_figure(plot_what_if(compare, lang))
ws.show(compare.head(10), digits=1)'''),
        ("code", SAVE_COMMENT + '''\
ws.save(source=source, employees=facts["employees"], mean_total=facts["mean_total"], grades=facts["grades"],
        budget=facts["budget"], distribution=dist, redundant_pairs=redundant,
        what_if={"mean_delta": float(compare["delta"].mean()),
                 "grade_changed": int(compare["grade_changed"].sum())});'''),
    ],
    "05_scheme": [
        ("md", "nb.scheme.intro"),
        ("params", None),
        ("code", '''\
import pandas as pd
from toolkit.notebooks import worksheet
from toolkit.model.messages import t

ws = worksheet.begin("05_scheme", engagement, role, lang, output_dir, interactive)
scheme = ws.scheme
ws.show(pd.DataFrame([{"role": r.role.name, "indicators": len(r.indicators),
                       "method": t(f"nb.method.{r.weights_method}", lang),
                       "quant_share": r.quant_share} for r in scheme.roles]), percent=["quant_share"])'''),
        ("md", "nb.scheme.render"),
        ("code", '''\
documents = worksheet.render_documents(ws)
ws.show(pd.DataFrame({"file": list(documents.values())}), empty="nb.empty.documents")'''),
        ("code", SAVE_COMMENT + '''\
ws.save(documents=list(documents.values()), roles=[r.role.id for r in scheme.roles],
        weights={r.role.id: {i.id: i.weight for i in r.indicators} for r in scheme.roles});'''),
    ],
}


def build_notebook(name: str, lang: str = "zh") -> Any:
    """The notebook ``name`` in ``lang`` as an nbformat object (not written)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    cells = []
    for i, (kind, body) in enumerate(_CELLS[name]):
        cid = f"{name.split('_')[0]}-{i:02d}"
        if kind == "md":
            cells.append(nbformat.v4.new_markdown_cell(_md(str(body), lang), id=cid, metadata={"i18n": str(body)}))
        elif kind == "params":
            cells.append(nbformat.v4.new_code_cell(parameters_source(lang), id=cid,
                                                   metadata={"tags": ["parameters"]}))
        else:
            cells.append(nbformat.v4.new_code_cell(str(body), id=cid))
    nb.cells = cells
    return nb


def _text(name: str, lang: str = "zh") -> str:
    import nbformat

    return nbformat.writes(build_notebook(name, lang)) + "\n"


def write_notebooks(directory: str | Path | None = None) -> list[Path]:
    """Write every notebook in every language under ``directory`` (default ``notebooks/``), atomically."""
    from toolkit.model.fileio import atomic_write_text

    paths = []
    for lang in LANGUAGES:
        for name in NOTEBOOK_NAMES:
            path = notebook_path(name, lang, directory)
            path.parent.mkdir(parents=True, exist_ok=True)
            paths.append(atomic_write_text(path, _text(name, lang)))
    return paths


def stale_notebooks(directory: str | Path | None = None) -> list[str]:
    """Notebooks whose file differs from what this module would write (``name`` or ``en/name``; empty = fresh)."""
    stale = []
    for lang in LANGUAGES:
        for name in NOTEBOOK_NAMES:
            path = notebook_path(name, lang, directory)
            if not path.is_file() or path.read_text(encoding="utf-8") != _text(name, lang):
                stale.append(name if lang == "zh" else f"{lang}/{name}")
    return stale


if __name__ == "__main__":  # python -m toolkit.notebooks.sources [DIR]
    for p in write_notebooks(sys.argv[1] if len(sys.argv) > 1 else None):
        print(p)
