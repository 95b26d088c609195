"""What the guided notebooks call at their edges: open the engagement, show figures, save the results file.

The notebooks in ``notebooks/`` are thin worksheets: one ``parameters`` cell, then calls into the engines. This
module holds the little they share so that they stay readable:

* :func:`begin` opens the engagement (by *path*, so Chinese text never passes through papermill's
  ``\\uXXXX``-escaped parameters), picks the role, sets the language and the plotting theme. In a build it takes
  the engagement, its check result and resolved scheme from the file the build prepared once
  (:mod:`toolkit.notebooks.prepared`); run by hand, or when anything changed since, it loads the YAML;
  ``ws.scheme``, ``ws.role_scheme()`` and ``ws.findings`` give the same objects either way;
* :func:`show_figure` puts a matplotlib figure into the notebook as a PNG whatever the backend
  (batch runs use ``MPLBACKEND=Agg``, where ``plt.show()`` shows nothing);
* :func:`show` puts a table in front of the client: columns labelled through the message catalogue
  (``nb.col.<column>``), internal columns dropped, ids replaced by names, numbers rounded, '—' for missing
  values and a sentence instead of an empty table; :func:`relabel` does the same for a chart's tick labels;
* :meth:`Worksheet.save` writes the notebook's results JSON atomically; the batch runner reads these files,
  never the notebook, to fill its summary table and manifest (scrapbook is unmaintained).

A test-only fault injection (``APPRAISAL_TEST_FAULT=<role>:<kill|hang|error>``) lets the batch tests kill or hang
one role's kernel; it does nothing unless that variable is set.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.model.errors import InputError
from toolkit.model.fileio import atomic_write_text, sha256_file
from toolkit.model.messages import set_language, t
from toolkit.model.schema import Engagement, Role

__all__ = [
    "FAULT_ENV",
    "Worksheet",
    "begin",
    "calibration_actuals",
    "cr_text",
    "display_names",
    "figure_png",
    "format_frame",
    "kind_label",
    "note",
    "participant_count",
    "read_results",
    "relabel",
    "render_documents",
    "results_path",
    "show",
    "show_figure",
    "to_jsonable",
]

#: test-only, comma-separated ``<role id or *>:<kill|hang|error>[:<notebook>]``: that role's worksheet fails on purpose
FAULT_ENV = "APPRAISAL_TEST_FAULT"


def results_path(output_dir: str | os.PathLike[str], notebook: str, role: str = "") -> Path:
    """Where a notebook writes its results: ``<output_dir>/results/<notebook>[__<role>].json``."""
    name = f"{notebook}__{role}.json" if role else f"{notebook}.json"
    return Path(output_dir) / "results" / name


def read_results(path: str | os.PathLike[str]) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def to_jsonable(obj: Any) -> Any:
    """Plain JSON types from numpy/pandas/dataclass values (NaN -> None), so results files are portable."""
    import numpy as np
    import pandas as pd

    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, pd.Series):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, pd.DataFrame):
        return to_jsonable(obj.to_dict(orient="records"))
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict())
    return obj


@dataclass
class Worksheet:
    """One notebook run: the engagement, the role it is about (if any), language and output folder."""

    notebook: str
    engagement_path: Path
    eng: Engagement
    role: Role | None
    lang: str
    output_dir: Path | None
    interactive: bool = False
    results: dict[str, Any] = field(default_factory=dict)
    #: the build's prepared engagement (:mod:`toolkit.notebooks.prepared`), None when loaded from the YAML
    prepared: Any = field(default=None, repr=False)
    _scheme: Any = field(default=None, init=False, repr=False)

    @property
    def role_id(self) -> str:
        return self.role.id if self.role is not None else ""

    @property
    def source(self) -> str:
        """``"prepared"`` (the build's prepared file) or ``"loaded"`` (the YAML read by this notebook)."""
        return "prepared" if self.prepared is not None else "loaded"

    @property
    def scheme(self) -> Any:
        """The resolved scheme of the whole engagement (:func:`toolkit.scheme.resolve.resolve_scheme`)."""
        if self._scheme is None:
            if self.prepared is not None:
                self._scheme = self.prepared.scheme()
            else:
                from toolkit.scheme.resolve import resolve_scheme

                self._scheme = resolve_scheme(self.eng)
        return self._scheme

    def role_scheme(self, role: Role | None = None) -> Any:
        """The resolved scheme of ``role`` (default: this worksheet's role), without resolving the others."""
        role = role or self.role
        if role is None:
            raise ValueError("a department-level worksheet has no role: pass one")
        if self._scheme is not None:
            return self._scheme.role(role.id)
        if self.prepared is not None:
            return self.prepared.role_scheme(role.id)
        from toolkit.scheme.resolve import resolve_role

        return resolve_role(self.eng, role)

    @property
    def findings(self) -> list[Any]:
        """:func:`toolkit.checks.engagement.check_engagement` of the engagement, in this worksheet's language."""
        found = self.prepared.findings if self.prepared is not None else None
        if found is None:
            from toolkit.checks.engagement import check_engagement
            from toolkit.model.messages import language

            with language(self.lang):
                found = check_engagement(self.eng)
        return found

    @property
    def names(self) -> dict[str, str]:
        """Display names for the ids of this engagement (indicators, roles, employees) in its language."""
        return display_names(self.eng, self.lang)

    def show(self, frame: Any, columns: Any = None, **kw: Any) -> None:
        """:func:`show` with this worksheet's language and names."""
        show(frame, columns, lang=self.lang, names=self.names, **kw)

    def save(self, **results: Any) -> Path | None:
        """Write the results JSON (atomically); returns its path, or None when no ``output_dir`` was given.

        The mode (interactive or batch) is recorded but is *not* part of the numbers, so that the two modes
        can be compared key by key.
        """
        self.results.update(results)
        if self.output_dir is None:
            return None
        payload = {
            "notebook": self.notebook,
            "role": self.role_id,
            "client": self.eng.client.name,
            "engagement": str(self.engagement_path),
            "engagement_sha256": sha256_file(self.engagement_path),
            "lang": self.lang,
            "interactive": self.interactive,
            "engagement_source": self.source,
            "results": to_jsonable(self.results),
        }
        path = results_path(self.output_dir, self.notebook, self.role_id)
        atomic_write_text(path, json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
        return path


def _inject_fault(role_id: str, notebook: str) -> None:
    for spec in filter(None, os.environ.get(FAULT_ENV, "").split(",")):
        parts = spec.split(":")
        who, mode = parts[0], parts[1] if len(parts) > 1 else "error"
        only = parts[2] if len(parts) > 2 else ""
        if who not in (role_id, "*") or (only and only != notebook):
            continue
        if mode == "kill":
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
        elif mode == "hang":
            import time

            time.sleep(24 * 3600)
        else:
            raise RuntimeError(f"injected fault for role {role_id!r} ({FAULT_ENV})")


def begin(notebook: str, engagement: str, role: str = "", lang: str = "zh", output_dir: str = "",
          interactive: bool = False, *, per_role: bool = False, prefer: str = "") -> Worksheet:
    """Open a worksheet: open the engagement, choose the role, set language and chart theme.

    In a build, ``output_dir`` holds the engagement the build prepared (loaded, validated, checked and
    resolved once, :mod:`toolkit.notebooks.prepared`): it is used when it matches this engagement file,
    language, catalogue and code, and this process has the build's secret. Otherwise the YAML is loaded
    and validated here; the numbers are the same either way (``ws.source`` says which).

    ``role=""`` in a per-role worksheet means the engagement's first role, which is handy when a consultant
    opens the notebook by hand; the batch runner always passes the role id. ``prefer="ahp"`` (the weights
    worksheet) makes it the first role weighted by AHP pairwise judgments instead, so the worksheet opened
    by hand has judgments to show; without such a role it is the first role.
    """
    from toolkit.documents.fonts import use_cjk_theme
    from toolkit.notebooks.prepared import load_prepared

    if lang not in ("zh", "en"):
        raise InputError(t("batch.bad_lang", lang=lang), location="lang", hint="zh | en")
    set_language(lang)
    if not engagement:
        raise InputError(t("batch.no_engagement"), location="engagement")
    path = Path(engagement).expanduser().resolve()
    if not path.is_file():
        raise InputError(t("batch.engagement_missing", path=str(path)), location="engagement")
    out = Path(output_dir).expanduser().resolve() if output_dir else None
    prepared = load_prepared(out, path, lang)
    if prepared is not None:
        eng = prepared.eng
    else:
        from toolkit.model.engagement import load_engagement

        eng = load_engagement(path)
    chosen: Role | None = None
    if per_role or role:
        ids = [r.id for r in eng.roles]
        if not role:
            ahp = [r for r in eng.roles if r.weighting.method == prefer and r.weighting.judgments]
            chosen = ahp[0] if prefer and ahp else eng.roles[0]
        elif role in ids:
            chosen = eng.role(role)
        else:
            raise InputError(t("batch.unknown_role", role=role), location="role",
                             hint=t("batch.known_roles", roles=", ".join(ids)))
    _inject_fault(chosen.id if chosen else "", notebook)
    use_cjk_theme()
    return Worksheet(notebook=notebook, engagement_path=path, eng=eng, role=chosen, lang=lang, output_dir=out,
                     interactive=interactive, prepared=prepared)


def figure_png(fig: Any, *, dpi: int = 110) -> bytes:
    """A matplotlib figure (or an Axes' figure) as PNG bytes, cropped to its content; the figure is closed."""
    import io

    import matplotlib.pyplot as plt

    fig = getattr(fig, "figure", fig)  # an Axes
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def show_figure(fig: Any = None, *, dpi: int = 110) -> None:
    """Display a matplotlib figure (or an Axes' figure) as a PNG and close it, independent of the backend."""
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    display(Image(data=figure_png(plt.gcf() if fig is None else fig, dpi=dpi), format="png"))


# ------------------------------------------------------------------------------------------------- calibration
def calibration_actuals(ws: Worksheet, table: Any) -> tuple[Any, str]:
    """The actuals to try the scheme on: ``actuals*.csv``/``.xlsx`` beside the engagement, else simulated.

    Returns the validated long frame and a one-line note on where it came from (shown in the notebook and
    saved in the results, so a reader knows whether the numbers are real history or a simulation).
    """
    from toolkit.scoring.actuals import read_actuals, validate_actuals

    folder = ws.engagement_path.parent
    found = sorted(p for p in folder.glob("actuals*") if p.suffix.lower() in (".csv", ".xlsx"))
    if found:
        path = found[-1]
        return read_actuals(path, ws.eng, table), t("batch.actuals_file", path=path.name)
    from toolkit.scoring.simulate import simulate_actuals

    raw = simulate_actuals(ws.eng, seed=2026, scheme=ws.scheme)
    return validate_actuals(raw, ws.eng, table, file="simulated"), t("batch.actuals_simulated", seed=2026)


def render_documents(ws: Worksheet) -> dict[str, str]:
    """Render the scheme documents into ``documents/`` and the KPI forms into ``forms/`` of the output folder.

    Returns ``{kind: path relative to the output folder}``; relative paths keep the results file the same
    wherever the build was put. Without an output folder nothing is written.
    """
    if ws.output_dir is None:
        return {}
    from toolkit.documents.render import render_all

    # one pass: the document is built once; the checks are the build's (render_all would run them again)
    paths = render_all(ws.eng, ws.output_dir / "documents", lang=ws.lang, findings=ws.findings)
    forms = ws.output_dir / "forms"
    forms.mkdir(parents=True, exist_ok=True)
    for key, p in list(paths.items()):
        if Path(p).suffix == ".xlsx":  # each move is atomic, like render_all's own writes
            target = forms / Path(p).name
            os.replace(p, target)
            paths[key] = target
    return {k: str(Path(p).resolve().relative_to(ws.output_dir)) for k, p in paths.items()}


# ------------------------------------------------------------------------------------------------- display
#: the most rows a worksheet table shows (a longer one shows its first rows and says how many there are)
SHOW_ROWS = 500
#: columns that only matter to the code (matrix positions), never shown to the client
INTERNAL_COLUMNS = ("i", "j")
#: columns (and index names) holding ids that are shown as names
ID_COLUMNS = frozenset({"id", "indicator", "element", "a", "b", "row", "col", "role", "employee", "goal",
                        "lower_swap", "upper_swap", "indicator_a", "indicator_b", "strategy", "goals", "rater"})
#: columns holding codes shown through the document catalogue (column -> key prefix)
CODE_COLUMNS = {"category": "doc.category.", "direction": "doc.direction.", "cycle": "doc.cycle.",
                "rule": "doc.rule_kind.", "size": "size.", "severity": "severity.", "rater_kind": "doc.rater.",
                "flag": "nb.flag."}


def display_names(eng: Engagement | None = None, lang: str | None = None) -> dict[str, str]:
    """``{id: display name}`` for every catalogue indicator and, given an engagement, its roles and employees.

    Tables and charts for the client show these names instead of ids; the results files keep the ids.
    """
    from toolkit.model.catalogue import indicator_name, load_catalogue

    names = {k: indicator_name(ind, lang) for k, ind in load_catalogue().items()}
    if eng is not None:
        names.update({s.id: s.text for s in eng.strategy})  # the client's own words stand for their ids
        names.update({g.id: g.text for g in eng.goals})
        names.update({r.id: r.name for r in eng.roles})
        # the role's line manager as a rater (simulated ratings name it SUP-<role>)
        names.update({f"SUP-{r.id}": t("nb.rater.supervisor", lang, role=r.name) for r in eng.roles})
        names.update({e.id: e.name for e in eng.employees})
    return names


def cr_text(result: Any, lang: str | None = None) -> str:
    """The consistency ratio in words: its value, the threshold, and one verdict (the engine's ``consistent``)."""
    if result is None or getattr(result, "n", 3) <= 2:
        return t("nb.cr.na", lang)
    key = "nb.cr.ok" if result.consistent else "nb.cr.bad"
    return t(key, lang, cr=f"{result.cr:.3f}", threshold=f"{result.threshold:.2f}")


def _label(column: Any, lang: str | None) -> str:
    from toolkit.model.messages import messages

    key = f"nb.col.{column}"
    return t(key, lang) if key in messages() else str(column)


def _cell(value: Any, percent: bool, digits: int, lang: str | None, names: dict[str, str],
          saaty: bool = False) -> str:
    import numpy as np

    if value is None or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return "—"
    if saaty and isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
            and value > 0:
        from toolkit.documents.wording import saaty_text

        return saaty_text(float(value))
    if isinstance(value, (bool, np.bool_)):
        return t("nb.yes" if value else "nb.no", lang)
    if isinstance(value, (int, np.integer)):
        return f"{value:.0%}" if percent else str(int(value))
    if isinstance(value, (float, np.floating)):
        if percent:
            return f"{value:.1%}"
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = f"{value:.{digits}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text
    if isinstance(value, (list, tuple, set)):
        sep = "、" if lang != "en" else ", "
        return sep.join(_cell(v, percent, digits, lang, names) for v in value) or "—"
    text = str(value)
    if not text:
        return "—"
    if " ↔ " in text:
        return " ↔ ".join(names.get(x, x) for x in text.split(" ↔ "))
    if text not in names and (m := _RATER_ID.match(text)) and m.group(1) in names:
        # a rater without a person behind it (simulated ratings: CUS-<role>-1 …): the role's name and a number
        return t("nb.rater.numbered", lang, role=names[m.group(1)], n=m.group(2) or "1")
    return names.get(text, text)


#: a rater id made of a kind, a role id and a number (``CUS-ad_placement-2``, ``P-brand-1``), as simulated ratings
#: write them
_RATER_ID = re.compile(r"^[A-Z]{1,4}-([a-z][a-z0-9_]*)(?:-(\d+))?$")


def _code(value: Any, prefix: str, lang: str | None) -> Any:
    from toolkit.model.messages import messages

    key = f"{prefix}{value}"
    return t(key, lang) if isinstance(value, str) and key in messages() else value


def format_frame(frame: Any, columns: Any = None, *, lang: str | None = None, names: dict[str, str] | None = None,
                 percent: tuple[str, ...] | list[str] = (), digits: int = 3, index: bool | None = None,
                 labels: bool = False, saaty: bool | tuple[str, ...] | list[str] = ()) -> Any:
    """A client-ready copy of ``frame`` (all cells text): what :func:`show` displays.

    ``columns`` picks and orders the columns (default: all but :data:`INTERNAL_COLUMNS` and the English forms
    ``<x>_en`` of a column ``<x>``, which stand in for ``<x>`` in English where filled in); each is labelled
    ``t("nb.col.<column>")`` when the catalogue has that key. Ids in :data:`ID_COLUMNS` become ``names``,
    codes in :data:`CODE_COLUMNS` their catalogue text. ``percent`` columns are shown as percentages,
    other floats with ``digits`` decimals (so ``2e-16`` reads ``0.000``), missing values as '—'. A default
    ``RangeIndex`` is hidden; another index is kept (names mapped; with ``labels=True`` its entries are
    labelled like columns, for a frame of named figures). ``saaty`` columns (``True``: all) hold pairwise
    judgments, shown as Saaty fractions (``1/2``, not ``0.500``); a ``unit`` column is named in ``lang``.

    Examples
    --------
    >>> import pandas as pd
    >>> format_frame(pd.DataFrame({"share": [0.25], "diff": [2e-16], "i": [0]}), percent=["share"],
    ...              lang="en").to_dict("records")
    [{'Share': '25.0%', 'Difference': '0.000'}]
    >>> names = pd.DataFrame({"name": ["山岚茶业", "某公司"], "name_en": ["Shanlan Tea", None]})
    >>> format_frame(names, lang="en").iloc[:, 0].tolist(), list(format_frame(names, lang="zh").columns)
    (['Shanlan Tea', '某公司'], ['名称'])
    """
    import pandas as pd

    names = names or {}
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(frame.name if frame.name is not None else "value")
    # a name's English form (``name_en`` beside ``name``) is not a column of its own: in English it stands in
    # for the name where the client gave one, in Chinese it is not shown
    pairs = [c for c in frame.columns if isinstance(c, str) and c.endswith("_en") and c[:-3] in frame.columns]
    if pairs:
        frame = frame.copy()
        for c in pairs:
            if lang == "en":
                en = frame[c].astype(object)
                frame[c[:-3]] = frame[c[:-3]].where(en.isna() | (en.astype(str).str.strip() == ""), en)
    cols = list(columns) if columns is not None else [c for c in frame.columns
                                                      if c not in INTERNAL_COLUMNS and c not in pairs]

    def values(c: Any) -> list[str]:
        raw = frame[c].tolist()
        if c in CODE_COLUMNS:
            raw = [_code(v, CODE_COLUMNS[c], lang) for v in raw]
        if c == "unit":
            from toolkit.documents.wording import unit_label

            raw = [unit_label(v, lang or "zh") if isinstance(v, str) else v for v in raw]
        as_saaty = saaty is True or (not isinstance(saaty, bool) and c in saaty)
        return [_cell(v, c in percent, digits, lang, names if c in ID_COLUMNS else {}, as_saaty) for v in raw]

    out = pd.DataFrame({_label(c, lang): values(c) for c in cols})
    keep_index = index if index is not None else not isinstance(frame.index, pd.RangeIndex)
    if keep_index:
        idx_names = names if set(frame.index.names) & ID_COLUMNS else {}
        idx = [_label(v, lang) for v in frame.index] if labels else [" / ".join(_cell(x, False, digits, lang, idx_names) for x in (v if isinstance(v, tuple) else (v,)))
               for v in frame.index]
        out.index = pd.Index(idx, name=_label(frame.index.name, lang) if frame.index.name else None)
    else:
        out.index = pd.Index([""] * len(out))
    if isinstance(frame.columns, pd.Index) and frame.columns.name and columns is None:
        out.columns.name = _label(frame.columns.name, lang)
    return out


def show(frame: Any, columns: Any = None, *, lang: str | None = None, names: dict[str, str] | None = None,
         percent: tuple[str, ...] | list[str] = (), digits: int = 3, index: bool | None = None,
         empty: str = "nb.empty", labels: bool = False, saaty: bool | tuple[str, ...] | list[str] = ()) -> None:
    """Display ``frame`` for the client (see :func:`format_frame`); an empty table becomes one sentence.

    ``empty`` is the catalogue key of that sentence, e.g. ``nb.empty.findings`` ("no problems found"). All
    rows and columns are shown, up to :data:`SHOW_ROWS` rows; a longer table shows those and says so.
    """
    import pandas as pd
    from IPython.display import display

    if frame is None or len(frame) == 0:
        print(t(empty, lang))
        return
    n = len(frame)
    if n > SHOW_ROWS:
        frame = frame.iloc[:SHOW_ROWS]
    # every row and column shown (pandas would cut a long table to "…" rows and add "86 rows × 10 columns" in
    # English): the client copy is a document, not a console
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", None,
                           "display.max_colwidth", None, "display.show_dimensions", False):
        display(format_frame(frame, columns, lang=lang, names=names, percent=percent, digits=digits, index=index,
                             labels=labels, saaty=saaty))
    if n > SHOW_ROWS:
        print(t("nb.table.first_rows", lang, n=n, shown=SHOW_ROWS))


def relabel(obj: Any, names: dict[str, str]) -> Any:
    """Replace ids by names in the tick labels of a chart (an Axes or every Axes of a Figure); returns ``obj``."""
    axes = obj.axes if isinstance(getattr(obj, "axes", None), list) else [getattr(obj, "axes", obj)]
    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [lab.get_text() for lab in axis.get_ticklabels()]
            if any(lab in names for lab in labels):
                axis.set_ticks(axis.get_ticklocs(), [names.get(lab, lab) for lab in labels])
    return obj


def participant_count(role: Role) -> int:
    """How many people gave the role's judgments: distinct named participants, unnamed judgments count as one.

    ``weighting.participants`` may be empty when one person's judgments were typed without a name.
    """
    people = {j.participant or "" for j in role.weighting.judgments}
    return max(len(role.weighting.participants), len(people))


def kind_label(lang: str | None = None) -> dict[bool, str]:
    """``{True: "quantitative", False: "qualitative"}`` in ``lang``, for chart legends."""
    return {True: t("nb.kind.quantitative", lang), False: t("nb.kind.qualitative", lang)}


def note(key: str, lang: str | None = None, **kw: Any) -> None:
    """Show a catalogue text as Markdown from inside a code cell (a section that appears only when it runs)."""
    from IPython.display import Markdown, display

    display(Markdown(t(key, lang, **kw)))
