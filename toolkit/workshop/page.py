"""The whole workshop page served by Voila: tabs for goals, indicators, judgments and results around the panels
of :mod:`toolkit.workshop.widgets`, with the page CSS.
"""
from __future__ import annotations

import html
import threading
from typing import Any

import ipywidgets as w

from toolkit.model.errors import ToolkitError
from toolkit.model.messages import t
from toolkit.workshop.session import Workshop
from toolkit.workshop.widgets import GoalEditor, IndicatorPicker, PairwisePanel, Panel

__all__ = [
    "PAGE_CSS",
    "WorkshopPage",
    "workshop_page",
]


PAGE_CSS = """<style>
.ws-title h2 {margin: 4px 0;}
.ws-banner {background: #fff4e5; border-left: 4px solid #f0a020; padding: 4px 8px;}
.ws-status {color: #555;}
.ahp-result table {border-collapse: collapse; margin: 4px 0;}
.ahp-result td, .ahp-result th {padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left;}
.ahp-result .bar {display: inline-block; height: 10px; background: #3b7dd8;}
.ahp-result .cr-pass {color: #1a7f37; font-weight: bold;}
.ahp-result .cr-fail {color: #c62828; font-weight: bold;}
.pair-unanswered .widget-readout {color: #999;}
.pair-slider .widget-readout {min-width: 118px; text-align: left;}
.goal-smart ul {margin: 2px 0;}
.goal-smart .ok {color: #1a7f37;} .goal-smart .miss {color: #c62828;}
</style>"""


# ============================================================================================ page
class WorkshopPage(Panel):
    """The whole workshop page: title, conflict banner, tabs (goals, indicators, weights), save button.

    ``poll`` (seconds) starts a background check for other browsers' answers and for hand edits of the file.
    """

    def __init__(self, workshop: Workshop, *, lang: str | None = None, tab: int | None = None,
                 poll: float | None = None) -> None:
        self.ws = workshop
        self.lang = lang or workshop.lang
        eng = workshop.engagement
        title = w.HTML(f"{PAGE_CSS}<h2>{html.escape(t('workshop.title', self.lang, client=eng.client.name))}</h2>")
        title.add_class("ws-title")
        self.banner = w.HTML(layout=w.Layout(display="none"))
        self.banner.add_class("ws-banner")
        self.banner.observe(lambda ch: setattr(self.banner.layout, "display", "block" if ch["new"] else "none"),
                            names="value")
        self.keep = w.Button(description=t("workshop.choice.keep", self.lang), layout=w.Layout(width="auto"))
        self.keep.add_class("ws-keep")
        self.reload = w.Button(description=t("workshop.choice.reload", self.lang), layout=w.Layout(width="auto"))
        self.reload.add_class("ws-reload")
        self.choice = w.HBox([self.keep, self.reload], layout=w.Layout(display="none"))
        self.keep.on_click(lambda _: self._resolve("keep"))
        self.reload.on_click(lambda _: self._resolve("reload"))
        self.goals = GoalEditor(workshop, lang=self.lang)
        self.indicators = IndicatorPicker(workshop, lang=self.lang)
        self.weights = PairwisePanel(workshop, lang=self.lang)
        self.tabs = w.Tab(children=[self.goals.widget, self.indicators.widget, self.weights.widget])
        self.tabs.titles = tuple(t(f"workshop.tab.{k}", self.lang) for k in ("goals", "indicators", "weights"))
        # the workshop runs goals → indicators → weights; a participant only gives judgments
        self.tabs.selected_index = tab if tab is not None else (2 if workshop.view else 0)
        self.tabs.observe(self._tab_changed, names="selected_index")
        self.save = w.Button(description=t("workshop.save", self.lang), button_style="primary", icon="save",
                             layout=w.Layout(width="auto"))
        self.save.add_class("ws-save")
        self.save.on_click(self._save)
        self.refresh_button = w.Button(description=t("workshop.refresh", self.lang), icon="refresh",
                                       layout=w.Layout(width="auto"))
        self.refresh_button.add_class("ws-refresh")
        self.refresh_button.on_click(lambda _: self.poll_once())
        self.status = w.HTML()
        self.status.add_class("ws-status")
        where = ""
        if workshop.journal is not None:
            where = t("workshop.journal.where", self.lang, journal=workshop.journal.path.name)
            check = workshop.journal.check
            if check is not None and check.status in ("ok", "moved", "new"):
                where = html.escape(check.message(self.lang)) + " · " + where
        if workshop.view:
            where = html.escape(t("workshop.participant.view", self.lang, name=workshop.view)) + " · " + where
        self.status.value = where
        bar = w.HBox([self.save, self.refresh_button]) if not workshop.view else w.HBox([self.refresh_button])
        self.widget = w.VBox([title, self.banner, self.choice, self.tabs, bar, self.status])
        self.widget.add_class("ws-page")
        self._stop = threading.Event()
        self._poll_lock = threading.Lock()
        if poll:
            threading.Thread(target=self._poll_loop, args=(poll,), daemon=True).start()

    def _tab_changed(self, change: dict[str, Any]) -> None:
        if change["new"] == 1:
            self.indicators.sync()
        elif change["new"] == 2:
            self.weights.build()

    def poll_once(self) -> None:
        """Check for hand edits of the engagement file and for other browsers' answers."""
        with self._poll_lock:
            if self.ws.file_changed():
                from toolkit.workshop.journal import JournalCheck

                check = JournalCheck("edited", self.ws.journal.path, self.ws.path)  # type: ignore[union-attr,arg-type]
                self.banner.value = html.escape(check.message(self.lang))
                self.choice.layout.display = "flex"
                return
            if self.ws.refresh():
                self.goals.sync()
                self.indicators.sync()
                self.weights.sync_values()

    def _poll_loop(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001, S112 - a failed background poll must never kill the page
                continue

    def _resolve(self, choice: str) -> None:
        if choice == "keep":
            self.ws.keep_answers()
        else:
            self.ws.reload_file()
            self.goals.sync()
            self.indicators.sync()
            self.weights.build()
        self.banner.value = ""
        self.choice.layout.display = "none"

    def _save(self, _: Any = None) -> None:
        if self.ws.file_changed():
            self.poll_once()  # ask first: never overwrite a hand edit silently
            return
        try:
            out = self.ws.save()
        except ToolkitError as exc:
            self.banner.value = html.escape(str(exc))
            return
        self.banner.value = ""
        self.status.value = html.escape(t("workshop.saved", self.lang, path=out.name,
                                          prev=out.with_suffix(".prev.yaml").name))

    def close(self) -> None:
        self._stop.set()


def workshop_page(path: str | None = None, *, participant: str | None = None, lang: str | None = None,
                  resolve: str | None = None, poll: float | None = 2.0) -> w.Widget:
    """The workshop page for the Voila notebook: reads what it needs from the environment and the URL.

    The engagement comes from ``path`` or ``APPRAISAL_WORKSHOP_ENGAGEMENT`` (set by ``appraisal workshop``);
    the participant view from ``?participant=NAME`` in the page URL (Voila passes it as ``QUERY_STRING``) or
    ``APPRAISAL_WORKSHOP_PARTICIPANT``; ``?lang=en`` switches language. A journal conflict (foreign, corrupt,
    hand-edited) shows its message and the two safe choices instead of the page; bad input shows its located
    message — never a traceback.
    """
    import os
    from urllib.parse import parse_qs

    from toolkit.workshop.journal import JournalConflict
    from toolkit.workshop.session import open_workshop

    query = {k: v[-1] for k, v in parse_qs(os.environ.get("QUERY_STRING", "")).items()}
    path = path or os.environ.get("APPRAISAL_WORKSHOP_ENGAGEMENT")
    participant = participant or query.get("participant") or os.environ.get("APPRAISAL_WORKSHOP_PARTICIPANT") or None
    lang = lang or (query.get("lang") if query.get("lang") in ("zh", "en") else None)
    box = w.VBox()
    box.add_class("ws-root")

    def error(text: str) -> None:
        msg = w.HTML(f"{PAGE_CSS}<div class='ws-banner ws-error'>{html.escape(text)}</div>")
        box.children = [msg]

    def build(choice: str | None) -> None:
        try:
            ws = open_workshop(path, participant=participant, resolve=choice, lang=lang)  # type: ignore[arg-type]
        except JournalConflict as exc:
            check = exc.check
            assert check is not None
            msg = w.HTML(f"{PAGE_CSS}<div class='ws-banner ws-conflict'>{html.escape(check.message(lang))}</div>")
            buttons = []
            for c in check.choices:
                b = w.Button(description=t(f"workshop.choice.{c}", lang), layout=w.Layout(width="auto"),
                             tooltip=check.choice_text(c, lang))
                b.add_class(f"ws-{c}")
                b.on_click(lambda _, c=c: build(c))
                buttons.append(w.VBox([b, w.HTML(f"<small>{html.escape(check.choice_text(c, lang))}</small>")]))
            box.children = [msg, w.HBox(buttons)]
            return
        except ToolkitError as exc:
            error(str(exc))
            return
        box.children = [WorkshopPage(ws, lang=lang, poll=poll).widget]

    if not path:
        error(t("workshop.error.no_engagement", lang))
    else:
        build(resolve)
    return box
