"""What the guided notebooks call at their edges: open the engagement, show figures, save the results file.

The notebooks in ``notebooks/`` are thin worksheets: one ``parameters`` cell, then calls into the engines. This
module holds the little they share so that they stay readable:

* :func:`begin` loads the engagement (by *path*, so Chinese text never passes through papermill's
  ``\\uXXXX``-escaped parameters), picks the role, sets the language and the plotting theme;
* :func:`show_figure` puts a matplotlib figure into the notebook as a PNG whatever the backend
  (batch runs use ``MPLBACKEND=Agg``, where ``plt.show()`` shows nothing);
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .fileio import atomic_write_text, sha256_file
from .i18n import set_language, t
from .model import Engagement, Role

__all__ = [
    "FAULT_ENV",
    "Worksheet",
    "begin",
    "calibration_actuals",
    "read_results",
    "render_documents",
    "results_path",
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

    @property
    def role_id(self) -> str:
        return self.role.id if self.role is not None else ""

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
          interactive: bool = False, *, per_role: bool = False) -> Worksheet:
    """Open a worksheet: load and validate the engagement, choose the role, set language and chart theme.

    ``role=""`` in a per-role worksheet means the engagement's first role, which is handy when a consultant
    opens the notebook by hand; the batch runner always passes the role id.
    """
    from .engagement import load_engagement
    from .fonts import use_cjk_theme

    if lang not in ("zh", "en"):
        raise InputError(t("batch.bad_lang", lang=lang), location="lang", hint="zh | en")
    set_language(lang)
    if not engagement:
        raise InputError(t("batch.no_engagement"), location="engagement")
    path = Path(engagement).expanduser().resolve()
    if not path.is_file():
        raise InputError(t("batch.engagement_missing", path=str(path)), location="engagement")
    eng = load_engagement(path)
    chosen: Role | None = None
    if per_role or role:
        ids = [r.id for r in eng.roles]
        if not role:
            chosen = eng.roles[0]
        elif role in ids:
            chosen = eng.role(role)
        else:
            raise InputError(t("batch.unknown_role", role=role), location="role",
                             hint=t("batch.known_roles", roles=", ".join(ids)))
    _inject_fault(chosen.id if chosen else "", notebook)
    use_cjk_theme()
    out = Path(output_dir).expanduser().resolve() if output_dir else None
    return Worksheet(notebook=notebook, engagement_path=path, eng=eng, role=chosen, lang=lang, output_dir=out,
                     interactive=interactive)


def show_figure(fig: Any = None, *, dpi: int = 110) -> None:
    """Display a matplotlib figure (or an Axes' figure) as a PNG and close it, independent of the backend."""
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    if fig is None:
        fig = plt.gcf()
    fig = getattr(fig, "figure", fig)  # an Axes
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"))


# ------------------------------------------------------------------------------------------------- calibration
def calibration_actuals(ws: Worksheet, table: Any) -> tuple[Any, str]:
    """The actuals to try the scheme on: ``actuals*.csv``/``.xlsx`` beside the engagement, else simulated.

    Returns the validated long frame and a one-line note on where it came from (shown in the notebook and
    saved in the results, so a reader knows whether the numbers are real history or a simulation).
    """
    from .actuals import read_actuals, validate_actuals

    folder = ws.engagement_path.parent
    found = sorted(p for p in folder.glob("actuals*") if p.suffix.lower() in (".csv", ".xlsx"))
    if found:
        path = found[-1]
        return read_actuals(path, ws.eng, table), t("batch.actuals_file", path=path.name)
    from .simulate import simulate_actuals

    raw = simulate_actuals(ws.eng, seed=2026)
    return validate_actuals(raw, ws.eng, table, file="simulated"), t("batch.actuals_simulated", seed=2026)


def render_documents(ws: Worksheet) -> dict[str, str]:
    """Render the scheme documents into ``documents/`` and the KPI forms into ``forms/`` of the output folder.

    Returns ``{kind: path relative to the output folder}``; relative paths keep the results file the same
    wherever the build was put. Without an output folder nothing is written.
    """
    if ws.output_dir is None:
        return {}
    from .render import render_all

    paths = render_all(ws.eng, ws.output_dir / "documents", lang=ws.lang)  # one pass: the document is built once
    forms = ws.output_dir / "forms"
    forms.mkdir(parents=True, exist_ok=True)
    for key, p in list(paths.items()):
        if Path(p).suffix == ".xlsx":  # each move is atomic, like render_all's own writes
            target = forms / Path(p).name
            os.replace(p, target)
            paths[key] = target
    return {k: str(Path(p).resolve().relative_to(ws.output_dir)) for k, p in paths.items()}
