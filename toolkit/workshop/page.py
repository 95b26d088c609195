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
    "server_watch",
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
.ahp-summary {background: #f6f8fa; padding: 2px 8px; margin: 2px 0;}
.ahp-summary .cr-line, .ahp-summary .group-pending {display: inline-block; margin-right: 18px;}
.ahp-summary .cr-pass {color: #1a7f37; font-weight: bold;} .ahp-summary .cr-fail {color: #c62828; font-weight: bold;}
.pair-label, .part-head {white-space: normal; overflow-wrap: anywhere; line-height: 1.2;}
.pair-label .widget-html-content, .part-head .widget-html-content {white-space: normal; line-height: 1.2;}
.ws-status-view table {border-collapse: collapse;} .ws-status-view td, .ws-status-view th {padding: 2px 10px;
  border-bottom: 1px solid #eee; text-align: left;}
.ws-status-view .st-done {color: #1a7f37;} .ws-status-view .st-open {color: #999;} .ws-status-view .cr-fail {color: #c62828;}
.ws-status-view .cr-pass {color: #1a7f37;}
.ws-refused {max-width: 720px;}
</style>"""


# ============================================================================================ page
class WorkshopPage(Panel):
    """The whole workshop page: title, conflict banner, tabs (goals, indicators, weights), save button.

    ``poll`` (seconds) starts a background check for other browsers' answers and for hand edits of the file.
    """

    def __init__(self, workshop: Workshop, *, lang: str | None = None, tab: int | None = None,
                 poll: float | None = None, facilitator: bool | None = None, base_url: str | None = None,
                 tokens: Any = None) -> None:
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
        # the facilitator (not a participant page) also gets the progress tab with the invitation links
        self.status_view = None
        tabs, keys = [self.goals.widget, self.indicators.widget, self.weights.widget], ["goals", "indicators", "weights"]
        if (facilitator if facilitator is not None else not workshop.view) and not workshop.view:
            from toolkit.workshop.status import StatusPanel

            self.status_view = StatusPanel(workshop, lang=self.lang, base_url=base_url, tokens=tokens)
            tabs.append(self.status_view.widget)
            keys.append("status")
        self.tabs = w.Tab(children=tabs)
        self.tabs.titles = tuple(t(f"workshop.tab.{k}", self.lang) for k in keys)
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
        elif change["new"] == 3 and self.status_view is not None:
            self.status_view.render()

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
                if self.status_view is not None and self.tabs.selected_index == 3:
                    self.status_view.render()

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


def server_watch(lang: str | None = None) -> Any:
    """A banner the browser itself shows when the page's server is gone (the kernel cannot: it died with it).

    The page asks the server for a small static file every 2 s; two failed requests in a row show the notice.
    Displayed by ``notebooks/workshop.ipynb`` after the page."""
    import os
    from urllib.parse import parse_qs

    from IPython.display import HTML

    if lang is None:
        q = {k: v[-1] for k, v in parse_qs(os.environ.get("QUERY_STRING", "")).items()}
        lang = q.get("lang") if q.get("lang") in ("zh", "en") else None
    text = html.escape(t("workshop.access.server_gone", lang))
    return HTML(f"""<div class="ws-server-gone" style="display:none;position:fixed;top:0;left:0;right:0;z-index:10000;
background:#c62828;color:#fff;padding:10px 16px;font-size:15px">{text}</div>
<script>(function () {{
  if (window.__wsServerWatch) return; window.__wsServerWatch = true;
  var fails = 0, url = location.origin + location.pathname.replace(/[^/]*$/, "") + "voila/static/extension.js";
  function check() {{
    fetch(url, {{method: "HEAD", cache: "no-store"}}).then(function () {{ fails = 0; }}).catch(function () {{
      fails += 1;
      if (fails >= 2) document.querySelectorAll(".ws-server-gone").forEach(function (e) {{ e.style.display = "block"; }});
    }});
  }}
  setInterval(check, 2000);
}})();</script>""")


def _identity(path: str, query: dict[str, str], participant: str | None, lang: str | None
              ) -> tuple[str, str | None, bool]:
    """Who opens this page: ``("ok", participant, facilitator)``, ``("password", participant, False)`` when
    the room password must be asked first, or ``("refused", message, False)``."""
    import os

    from toolkit.workshop.access import TokenStore

    mode = os.environ.get("APPRAISAL_WORKSHOP_ACCESS", "open")
    token = query.get("token")
    if token:
        ok, owner = TokenStore(path).whose(token)
        if not ok:
            return "refused", t("workshop.access.bad_token", lang), False
        if owner is None:  # the facilitator's link; it may open a participant's view too
            return "ok", participant, participant is None
        if participant and participant != owner:
            return "refused", t("workshop.access.token_mismatch", lang, owner=owner, name=participant), False
        return "ok", owner, False
    if mode == "tokens":
        return "refused", t("workshop.access.need_token", lang), False
    if mode == "password":
        return "password", participant, False
    return "ok", participant, participant is None


def workshop_page(path: str | None = None, *, participant: str | None = None, lang: str | None = None,
                  resolve: str | None = None, poll: float | None = 2.0) -> w.Widget:
    """The workshop page for the Voila notebook: reads what it needs from the environment and the URL.

    The engagement comes from ``path`` or ``APPRAISAL_WORKSHOP_ENGAGEMENT`` (set by ``appraisal workshop``);
    who opens the page from ``?token=…`` (an invitation link, see :mod:`toolkit.workshop.access`), else
    ``?participant=NAME`` (Voila passes the URL query as ``QUERY_STRING``) or ``APPRAISAL_WORKSHOP_PARTICIPANT``;
    ``?lang=en`` switches language. A name that is not on the roster, an unknown token, or a page without a token
    where tokens are required is refused with a clear message — nobody is added silently. A journal conflict
    (foreign, corrupt, hand-edited) shows its message and the two safe choices instead of the page; bad input
    shows its located message — never a traceback.
    """
    import os
    from urllib.parse import parse_qs

    from toolkit.workshop.access import TokenStore, check_password
    from toolkit.workshop.journal import JournalConflict
    from toolkit.workshop.session import open_workshop

    query = {k: v[-1] for k, v in parse_qs(os.environ.get("QUERY_STRING", "")).items()}
    path = path or os.environ.get("APPRAISAL_WORKSHOP_ENGAGEMENT")
    participant = participant or query.get("participant") or os.environ.get("APPRAISAL_WORKSHOP_PARTICIPANT") or None
    lang = lang or (query.get("lang") if query.get("lang") in ("zh", "en") else None)
    base_url = os.environ.get("APPRAISAL_WORKSHOP_URL")
    box = w.VBox()
    box.add_class("ws-root")

    def error(text: str, cls: str = "ws-error") -> None:
        msg = w.HTML(f"{PAGE_CSS}<div class='ws-banner {cls}'><b>{html.escape(t('workshop.access.refused', lang))}"
                     f"</b><br>{html.escape(text)}</div>" if cls == "ws-refused" else
                     f"{PAGE_CSS}<div class='ws-banner {cls}'>{html.escape(text)}</div>")
        box.children = [msg]

    def build(choice: str | None, who: str | None, facilitator: bool) -> None:
        try:
            ws = open_workshop(path, participant=who, resolve=choice, lang=lang)  # type: ignore[arg-type]
        except JournalConflict as exc:
            check = exc.check
            assert check is not None
            msg = w.HTML(f"{PAGE_CSS}<div class='ws-banner ws-conflict'>{html.escape(check.message(lang))}</div>")
            buttons = []
            for c in check.choices:
                b = w.Button(description=t(f"workshop.choice.{c}", lang), layout=w.Layout(width="auto"),
                             tooltip=check.choice_text(c, lang))
                b.add_class(f"ws-{c}")
                b.on_click(lambda _, c=c: build(c, who, facilitator))
                buttons.append(w.VBox([b, w.HTML(f"<small>{html.escape(check.choice_text(c, lang))}</small>")]))
            box.children = [msg, w.HBox(buttons)]
            return
        except ToolkitError as exc:
            error(str(exc), "ws-refused" if who else "ws-error")
            return
        if who and not ws.roles_of(who):
            error(t("workshop.access.no_roles", lang, name=who), "ws-refused")
            return
        box.children = [WorkshopPage(ws, lang=lang, poll=poll, facilitator=facilitator, base_url=base_url,
                                     tokens=TokenStore(path) if facilitator else None).widget]  # type: ignore[arg-type]

    def ask_password(who: str | None) -> None:
        field = w.Password(placeholder=t("workshop.access.password", lang), layout=w.Layout(width="240px"))
        field.add_class("ws-password")
        go = w.Button(description=t("workshop.access.enter", lang), button_style="primary",
                      layout=w.Layout(width="auto"))
        go.add_class("ws-password-go")
        note = w.HTML()
        note.add_class("ws-password-msg")

        def submit(_: Any = None) -> None:
            if check_password(field.value, os.environ.get("APPRAISAL_WORKSHOP_PASSWORD_HASH", "")):
                build(resolve, who, who is None)
            else:
                note.value = f"<span class='cr-fail'>{html.escape(t('workshop.access.wrong_password', lang))}</span>"
        go.on_click(submit)
        field.observe(lambda ch: None, names="value")
        box.children = [w.HTML(f"{PAGE_CSS}<p>{html.escape(t('workshop.access.password_prompt', lang))}</p>"),
                        w.HBox([field, go]), note]

    if not path:
        error(t("workshop.error.no_engagement", lang))
        return box
    state, who, facilitator = _identity(path, query, participant, lang)
    if state == "refused":
        error(str(who), "ws-refused")
    elif state == "password":
        ask_password(who)
    else:
        build(resolve, who, facilitator)
    return box
