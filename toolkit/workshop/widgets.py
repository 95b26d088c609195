"""ipywidgets panels for the workshop page (Voila) and for interactive notebooks (JupyterLab).

Each panel is a small class holding a :class:`~toolkit.workshop.session.Workshop` and an ipywidgets tree in ``.widget``;
it displays itself in a notebook (``_ipython_display_``). Panels only show and forward: the controller journals the
answer and the weights engine computes. Every interactive element carries a stable CSS class (``ws-…``,
``pair-I-J``, ``part-K``, ``ahp-result`` …) so browser tests can find it.

Examples
--------
In a notebook::

    from toolkit.workshop.session import Workshop
    from toolkit.workshop.widgets import PairwisePanel
    PairwisePanel(Workshop(eng), role="brand_manager")      # sliders + live weights, CR, diagnosis
"""
from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from toolkit.model.errors import ToolkitError
from toolkit.model.messages import t
from toolkit.workshop.session import SCALE_VALUES, Workshop

__all__ = [
    "GoalEditor",
    "IndicatorPicker",
    "PairwisePanel",
    "Panel",
    "ResultsView",
    "scale_options",
]


def _fmt_value(v: float) -> str:
    if v >= 1:
        return f"{v:g}"
    return f"1/{round(1 / v):d}"


def scale_options(lang: str | None = None) -> list[tuple[str, float]]:
    """Saaty's verbal scale in the active language: ``(label, value)``, left end = left indicator stronger."""
    out = []
    for v in SCALE_VALUES:
        k = round(v if v >= 1 else 1 / v)
        verbal = t(f"workshop.scale.{k}", lang)
        if v > 1:
            label = f"← {verbal} {k}"
        elif v == 1:
            label = f"{verbal} 1"
        else:
            label = f"{verbal} {k} →"
        out.append((label, v))
    return out


def _column_widths(k: int) -> tuple[int, int, int]:
    """(column, slider, indicator label) widths in px for ``k`` participant columns, so that the row fits a
    1366 px wide screen: one column 420 px with the verbal readout; two 330 px with it; from three on the
    readout is left out (the status beside each slider shows the value) and the columns share ~1080 px, each
    slider widget at least 130 px, its track ≥ 120 px (six columns: 180 px columns, 140 px sliders)."""
    if k <= 1:
        return 420, 420, 150
    if k == 2:
        return 330, 270, 150
    col = max(170, min(300, 1080 // k))
    return col, max(130, col - 40), 120


def _nearest(v: float) -> float:
    import math

    return min(SCALE_VALUES, key=lambda s: abs(math.log(s) - math.log(v)))


class Panel:
    widget: w.Widget

    @staticmethod
    def _role_dropdown(workshop: Workshop, role: str | None, lang: str, css: str) -> w.Dropdown:
        """The role chooser every per-role panel starts with (first role unless one is given)."""
        roles = workshop.roles()
        dropdown = w.Dropdown(options=[(name, rid) for rid, name in roles], value=role or roles[0][0],
                              description=t("workshop.role", lang))
        dropdown.add_class(css)
        return dropdown

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


# ============================================================================================ goals
class GoalEditor(Panel):
    """One text box per department goal with SMART feedback updated on every keystroke."""

    def __init__(self, workshop: Workshop, *, lang: str | None = None) -> None:
        self.ws = workshop
        self.lang = lang or workshop.lang
        self.boxes: dict[str, w.Textarea] = {}
        self.feedback: dict[str, w.HTML] = {}
        rows: list[w.Widget] = []
        goals = workshop.engagement.goals
        if not goals:
            rows.append(w.HTML(t("workshop.goal.none", self.lang)))
        for i, g in enumerate(goals):
            box = w.Textarea(value=workshop.goal_text(g.id), placeholder=t("workshop.goal.placeholder", self.lang),
                             continuous_update=True, layout=w.Layout(width="640px", height="48px"),
                             disabled=bool(workshop.view))
            box.add_class(f"goal-text-{i}")
            fb = w.HTML()
            fb.add_class("goal-smart")
            fb.add_class(f"goal-smart-{i}")
            box.observe(lambda ch, gid=g.id: self._changed(gid, ch["new"]), names="value")
            self.boxes[g.id], self.feedback[g.id] = box, fb
            strategies = workshop.strategy_texts(g.id)
            head = w.HTML(f"<b>{i + 1}. {html.escape(g.text)}</b>" + (
                f"<div class='goal-strategy'><small>{html.escape(t('workshop.goal.serves', self.lang))}"
                f"{html.escape(t('workshop.strategy.sep', self.lang).join(strategies))}</small></div>" if strategies else ""))
            head.add_class(f"goal-head-{i}")
            rows.append(w.VBox([head, box, fb]))
            self._render(g.id)
        self.widget = w.VBox(rows)
        self.widget.add_class("ws-goals")

    def _changed(self, goal_id: str, text: str) -> None:
        with self.ws.lock:
            if getattr(self, "_syncing", False):
                return
            self.ws.set_goal_text(goal_id, text)
        self._render(goal_id)

    def _render(self, goal_id: str) -> None:
        from toolkit.checks.goals import smart_check
        from toolkit.model.schema import Goal

        g = next(x for x in self.ws.engagement.goals if x.id == goal_id)
        text = self.ws.goal_text(goal_id)
        if len(text.strip()) < 2:
            self.feedback[goal_id].value = ""
            return
        r = smart_check(g.model_copy(update={"text": text}) if isinstance(g, Goal) else text, lang=self.lang,
                        engagement=self.ws.engagement)
        head = t("workshop.goal.smart_ok", self.lang) if r.ok else t(
            "workshop.goal.smart_score", self.lang, score=f"{r.score:.0%}")
        strategies = t("workshop.strategy.sep", self.lang).join(self.ws.strategy_texts(goal_id))

        def message(it: dict[str, Any]) -> str:  # the strategy by its text, not its id
            if it["field"] == "strategy" and it["ok"] and strategies:
                return t("workshop.goal.serves", self.lang) + strategies
            return str(it["message"])

        items = "".join(f"<li class='{'ok' if it['ok'] else 'miss'}'>{'✓' if it['ok'] else '✗'} "
                        f"{html.escape(message(it))}</li>" for it in r.items)
        vague = (f"<div class='miss'>{html.escape(t('workshop.goal.vague', self.lang, words='、'.join(r.vague)))}"
                 "</div>") if r.vague else ""
        self.feedback[goal_id].value = f"<div><b>{head}</b>{vague}<ul>{items}</ul>{self._rewrites(g, text, r)}</div>"

    def _rewrites(self, g: Any, text: str, r: Any) -> str:
        """1–3 SMART rewrites for a goal that does not pass (names, never ids), blanks marked for the client."""
        from toolkit.checks.goal_rewrite import suggest_rewrites

        if r.ok:
            return ""
        found = suggest_rewrites(g.model_copy(update={"text": text}), self.ws.engagement)
        if not found:
            return ""
        rows = "".join(f"<li>{html.escape(s.text(self.lang))}</li>" for s in found)
        return (f"<div class='goal-rewrites'><b>{html.escape(t('rewrite.title', self.lang, n=len(found)))}</b>"
                f"<ol>{rows}</ol></div>")

    def sync(self) -> None:
        with self.ws.lock:
            self._syncing = True
            try:
                for gid, box in self.boxes.items():
                    if box.value != self.ws.goal_text(gid):
                        box.value = self.ws.goal_text(gid)
                    self._render(gid)
            finally:
                self._syncing = False


# ============================================================================================ indicators
class IndicatorPicker(Panel):
    """Pick a role's indicators from the catalogue; the quantitative/qualitative balance is shown live."""

    def __init__(self, workshop: Workshop, *, role: str | None = None, lang: str | None = None) -> None:
        self.ws = workshop
        self.lang = lang or workshop.lang
        self.role = self._role_dropdown(workshop, role, self.lang, "ind-role")
        self.picker = w.SelectMultiple(rows=12, layout=w.Layout(width="520px"), disabled=bool(workshop.view),
                                       description="")
        self.picker.add_class("ind-picker")
        self.balance = w.HTML()
        self.balance.add_class("ind-balance")
        self._syncing = False
        self.role.observe(lambda _: self.sync(), names="value")
        self.picker.observe(self._changed, names="value")
        self.widget = w.VBox([self.role, w.HTML(t("workshop.ind.pick", self.lang)), self.picker, self.balance])
        self.widget.add_class("ws-indicators")
        self.sync()

    def _catalogue(self) -> dict[str, Any]:
        from toolkit.model.catalogue import load_catalogue

        try:
            return load_catalogue()
        except ToolkitError:
            return {}

    def sync(self) -> None:
        cat = self._catalogue()
        rid = self.role.value
        role = self.ws.engagement.role(rid)
        chosen = self.ws.indicators(rid)
        typical = [i for i, ind in cat.items() if role.role_type in ind.typical_roles]
        others = [i for i in cat if i not in typical]
        order = list(dict.fromkeys(chosen + typical + others))
        q, ql = t("workshop.ind.quant", self.lang), t("workshop.ind.qual", self.lang)
        opts = [(self.ws.indicator_label(i) + t("workshop.result.paren", self.lang,
                                                text=q if (cat[i].quantitative if i in cat else True) else ql), i)
                for i in order]
        with self.ws.lock:
            self._syncing = True
            try:
                self.picker.options = opts
                self.picker.value = tuple(chosen)
            finally:
                self._syncing = False
        self._render()

    def _changed(self, change: dict[str, Any]) -> None:
        with self.ws.lock:
            if self._syncing:
                return
            self.ws.set_indicators(self.role.value, list(change["new"]))
        self._render()

    def balance_numbers(self) -> dict[str, Any]:
        """Counts and the quantitative weight share (current AHP weights, else the role's direct weights)."""
        cat = self._catalogue()
        rid = self.role.value
        ids = self.ws.indicators(rid)
        quant = {i: (cat[i].quantitative if i in cat else True) for i in ids}
        weights = self.ws.analysis(rid, group=True).weights if len(ids) >= 2 else {}
        if not weights:
            direct = {ri.id: ri.weight for ri in self.ws.engagement.role(rid).indicators if ri.weight is not None}
            total = sum(direct.get(i, 0) for i in ids)
            weights = {i: direct.get(i, 0) / total for i in ids} if total else {i: 1 / len(ids) for i in ids} if ids else {}
        share = sum(v for i, v in weights.items() if quant.get(i))
        from toolkit.scheme.resolve import role_band

        try:
            band = role_band(self.ws.engagement.role(rid))
        except ToolkitError:
            band = None
        return {"quantitative": sum(quant.values()), "qualitative": len(ids) - sum(quant.values()),
                "share": share, "band": band}

    def _render(self) -> None:
        b = self.balance_numbers()
        if b["quantitative"] + b["qualitative"] == 0:
            self.balance.value = t("workshop.ind.none", self.lang)
            return
        text = t("workshop.ind.balance", self.lang, nq=b["quantitative"], nl=b["qualitative"], share=f"{b['share']:.0%}")
        if b["band"]:
            lo, hi = b["band"]
            text += t("workshop.ind.band", self.lang, lo=f"{lo:.0%}", hi=f"{hi:.0%}")
            if not (lo - 1e-9 <= b["share"] <= hi + 1e-9):
                text += f" <span class='cr-fail'>⚠ {t('workshop.ind.out_of_band', self.lang)}</span>"
        self.balance.value = text


# ============================================================================================ weights
class ResultsView(Panel):
    """Weights, CR and the most inconsistent judgment with its suggested value, plus 'accept suggestion'."""

    def __init__(self, workshop: Workshop, *, lang: str | None = None) -> None:
        self.ws = workshop
        self.lang = lang or workshop.lang
        self.html = w.HTML()
        self.html.add_class("ahp-result")
        self.accept = w.Button(description=t("workshop.accept", self.lang), button_style="warning",
                               layout=w.Layout(display="none", width="auto", align_self="flex-start"))
        self.accept.add_class("ahp-accept")
        self.message = w.HTML()
        self.message.add_class("ahp-accept-msg")
        self.use = w.Button(description=t("workshop.use_judgments", self.lang), icon="exchange",
                            layout=w.Layout(display="none", width="auto", align_self="flex-start"),
                            tooltip=t("workshop.use_judgments.tip", self.lang))
        self.use.add_class("ahp-use-judgments")
        #: the CR lines again, compact, for the top of the weights tab (visible without scrolling at 1366×768)
        self.summary = w.HTML()
        self.summary.add_class("ahp-summary")
        self.widget = w.VBox([self.html, self.use, self.accept, self.message])
        self.target: tuple[str, str] | None = None
        self.role: str | None = None
        self.shown: list[str] = []
        self.accept.on_click(self._accept)
        self.use.on_click(self._use_judgments)
        self.on_accepted: Any = None

    def show(self, role: str, participants: list[str]) -> None:
        lang = self.lang
        self.role, self.shown = role, list(participants)
        ids = self.ws.indicators(role)
        if len(ids) < 2:
            self.html.value = t("workshop.pair.need_two", lang)
            self.summary.value = ""
            self.accept.layout.display = "none"
            self.use.layout.display = "none"
            return
        label = {i: html.escape(self.ws.indicator_label(i)) for i in ids}
        singles = {p: self.ws.analysis(role, p) for p in participants}
        show_group = not self.ws.view and len(participants) >= 2
        group = self.ws.analysis(role, group=True) if show_group else None
        pending = None
        if group is not None and len(group.participants) < 2:  # the group only from those who answered
            pending = t("workshop.result.group_pending", lang, n=sum(1 for a in singles.values() if a.answered))
            group = None
        cols = [(p or t("workshop.participant.group", lang), a) for p, a in singles.items()]
        if group is not None:
            cols.append((t("workshop.result.group", lang, method=(group.aggregation or "aij").upper(),
                           n=len(group.participants) or 1), group))
        direct = self.ws.file_weights(role)  # the file's weights while the role is weighted directly
        final = None if direct is not None else self.ws.final_percent(role)
        so_far = t("workshop.result.so_far", lang) if direct is not None else t("workshop.result.ahp", lang)
        head = "".join(f"<th>{html.escape(c)}<br><small>{html.escape(so_far)}</small></th>" for c, _ in cols)
        if direct is not None:
            head = f"<th class='w-current'>{html.escape(t('workshop.result.current_file', lang))}</th>" + head
        else:
            head += f"<th class='w-final'>{html.escape(t('workshop.result.final', lang))}</th>"
        main = cols[-1][1]
        rows = []
        for k, i in enumerate(ids):
            cells = "".join(f"<td class='w-{k}'>{a.weights.get(i, 0):.1%}</td>" for _, a in cols)
            if direct is not None:
                cells = f"<td class='wc-{k}'><b>{direct.get(i, 0):g}%</b></td>" + cells
            else:
                cells += f"<td class='wf-{k}'><b>{f'{final[i]}%' if final and i in final else '—'}</b></td>"
            bar = f"<span class='bar' style='width:{main.weights.get(i, 0) * 200:.0f}px'></span>"
            rows.append(f"<tr><td>{label[i]}</td>{cells}<td>{bar}</td></tr>")
        parts = [f"<table><tr><th>{t('workshop.result.indicator', lang)}</th>{head}<th></th></tr>{''.join(rows)}</table>"]
        if direct is not None:
            parts.append(f"<div class='w-direct-note'>{html.escape(t('workshop.result.direct_note', lang))}</div>")
            self.use.layout.display = "none" if self.ws.view else "inline-flex"
        else:
            self.use.layout.display = "none"
            if final is None:
                parts.append(f"<div class='w-final-note'>{html.escape(t('workshop.result.final_pending', lang))}"
                             "</div>")
        focus = None
        lines: list[str] = []
        for name, a in cols:
            r = a.result
            if r is None:
                continue
            ok = bool(r.consistent)
            cls = "cr-pass" if ok else "cr-fail"
            verdict = t("workshop.result.pass" if ok else "workshop.result.fail", lang)
            who = f"{html.escape(name)}{t('workshop.who.sep', lang)}" if len(cols) > 1 else ""
            missing = a.pairs - a.answered
            if a.provisional:  # not enough answers to judge consistency yet
                line = (f"<div class='cr-line'>{who}<span class='cr-pending'>"
                        f"{t('workshop.result.missing', lang, n=missing)}</span> · "
                        f"<i>{t('workshop.result.provisional', lang)}</i>")
            else:
                line = (f"<div class='cr-line'>{who}<span class='cr-value'>"
                        f"{t('workshop.result.cr', lang, cr=f'{r.cr:.3f}', threshold=f'{r.threshold:.2f}')}</span>"
                        + t("workshop.result.paren", lang, text=f"<span class='{cls}'>{verdict}</span>"))
                if missing > 0:
                    line += f" · {t('workshop.result.missing', lang, n=missing)}"
            parts.append(line + "</div>")
            lines.append(line + "</div>")
            if a.consensus is not None:
                from toolkit.weights.group import consensus_label

                parts.append(f"<div class='consensus'>"
                             f"{t('workshop.result.consensus', lang, consensus=f'{a.consensus:.2f}')}"
                             f"{html.escape(t('workshop.result.paren', lang, text=consensus_label(a.consensus, lang)))}"
                             "</div>")
            if a.suggestion and a.participant is not None and focus is None:
                focus = a
        if pending:
            parts.append(f"<div class='group-pending'>{html.escape(pending)}</div>")
            lines.append(f"<div class='group-pending'>{html.escape(pending)}</div>")
        self.summary.value = "".join(lines)
        if focus is not None:
            s = focus.suggestion
            assert s is not None
            who = focus.participant or t("workshop.participant.group", lang)
            parts.append("<div class='ahp-worst'>" + (f"{html.escape(who)}{t('workshop.who.sep', lang)}"
                                                      if len(cols) > 1 else "") + html.escape(
                t("workshop.result.worst", lang, a=self.ws.indicator_label(s["a"]), b=self.ws.indicator_label(s["b"]),
                  value=_fmt_value(s["value"]), suggested=_fmt_value(s["suggested"]),
                  cr_after=f"{s['cr_after']:.3f}")) + "</div>")
            if s.get("reversed") and s.get("implied"):  # the judge's own mistake, in words they recognise
                parts.append("<div class='ahp-reversed'>" + html.escape(t(
                    "ahp.cli.reversed", lang, value=_fmt_value(s["value"]),
                    implied=_fmt_value(float(s["implied"]))).strip()) + "</div>")
            self.target = (role, focus.participant or "")
            self.accept.layout.display = "inline-flex"
        else:
            self.target = None
            self.accept.layout.display = "none"
        self.html.value = "".join(parts)

    def _use_judgments(self, _: Any = None) -> None:
        """The explicit choice to replace a directly weighted role's file weights by the judgments' weights."""
        if self.role is None:
            return
        with self.ws.lock:
            self.ws.use_judgments(self.role)
            self.message.value = html.escape(t("workshop.use_judgments.done", self.lang))
            self.show(self.role, self.shown)

    def _accept(self, _: Any = None) -> None:
        if self.target is None:
            return
        role, p = self.target
        try:
            out = self.ws.accept_suggestion(role, p)
        except ToolkitError as exc:
            self.message.value = f"<span class='cr-fail'>{html.escape(str(exc))}</span>"
            return
        self.message.value = html.escape(t("workshop.accepted", self.lang, a=self.ws.indicator_label(out["a"]),
                                           b=self.ws.indicator_label(out["b"]), old=_fmt_value(out["old"]),
                                           new=_fmt_value(out["new"]), who=out["who"]))
        if self.on_accepted:
            self.on_accepted()


class PairwisePanel(Panel):
    """Pairwise comparisons on Saaty's verbal scale for one participant, or every participant side by side.

    A participant view (``Workshop(participant=...)``) shows only that participant's sliders and result.
    Sliders carry the classes ``pair-I-J`` (I < J: positions in the role's indicator list) and ``part-K``
    (position in the participant list).
    """

    def __init__(self, workshop: Workshop, *, role: str | None = None, participant: str | None = None,
                 lang: str | None = None) -> None:
        self.ws = workshop
        self.lang = lang or workshop.lang
        self.role = self._role_dropdown(workshop, role, self.lang, "role-select")
        parts = workshop.visible_participants(self.role.value)
        opts = self._participant_options(parts)
        first = participant if participant is not None else (parts[0] if len(parts) == 1 else "*")
        self.participant = w.Dropdown(options=opts, value=first, description=t("workshop.participant", self.lang))
        self.participant.add_class("participant-select")
        self.rows = w.VBox()
        self.rows.add_class("pair-rows")
        self.results = ResultsView(workshop, lang=self.lang)
        self.results.on_accepted = self.sync_values
        self.sliders: dict[tuple[str, str, str], w.SelectionSlider] = {}
        self.status: dict[tuple[str, str, str], w.HTML] = {}
        self._syncing = False
        #: called with no argument after every change of what the panel shows (an answer, an accepted
        #: suggestion, another role or participant): views that depend on the judgments redraw themselves
        self.listeners: list[Any] = []
        self.role.observe(lambda _: self.build(), names="value")
        self.participant.observe(lambda _: None if self._syncing else self.build(), names="value")
        header = w.HTML(f"<i>{t('workshop.pair.header', self.lang)}</i>")
        controls = w.HBox([self.role, self.participant]) if not workshop.view else w.HBox([self.role])
        self.widget = w.VBox([controls, self.results.summary, header, self.rows, self.results.widget])
        self.widget.add_class("ws-weights")
        self.build()

    def _participant_options(self, parts: list[str]) -> list[tuple[str, str]]:
        opts = [(p or t("workshop.participant.group", self.lang), p) for p in parts]
        if len(parts) > 1:
            opts.append((t("workshop.participant.all", self.lang), "*"))
        return opts

    def _update_participant_menu(self, parts: list[str]) -> None:
        opts = self._participant_options(parts)
        if list(self.participant.options) != opts:
            keep = self.participant.value if self.participant.value in [v for _, v in opts] else opts[-1][1]
            self._syncing = True
            try:
                self.participant.options = opts
                self.participant.value = keep
            finally:
                self._syncing = False

    # which participants' sliders are on screen
    def shown(self) -> list[str]:
        v = self.participant.value
        return self.ws.visible_participants(self.role.value) if v == "*" else [v]

    def build(self) -> None:
        rid = self.role.value
        ids = self.ws.indicators(rid)
        all_parts = self.ws.visible_participants(rid)
        self._ids, self._parts = ids, all_parts
        self._update_participant_menu(all_parts)
        shown = self.shown()
        self.sliders, self.status = {}, {}
        options = scale_options(self.lang)
        rows: list[w.Widget] = []
        col, slider_w, label_w = _column_widths(len(shown))
        if len(shown) > 1:
            heads = []
            for p in shown:
                head = w.HTML(f"<b>{html.escape(p or t('workshop.participant.group', self.lang))}</b>",
                              layout=w.Layout(width=f"{col}px"))
                head.add_class("part-head")
                heads.append(head)
            rows.append(w.HBox([w.HTML("", layout=w.Layout(width=f"{label_w}px"))] + heads))
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                a, b = ids[i], ids[j]
                label_a = w.HTML(html.escape(self.ws.indicator_label(a)), layout=w.Layout(width=f"{label_w}px"))
                label_b = w.HTML(html.escape(self.ws.indicator_label(b)), layout=w.Layout(width=f"{label_w}px"))
                label_a.add_class("pair-label")
                label_b.add_class("pair-label")
                cells: list[w.Widget] = [label_a]
                for p in shown:
                    v = self.ws.judgment(rid, p, a, b)
                    s = w.SelectionSlider(options=options, value=_nearest(v) if v is not None else 1.0,
                                          continuous_update=False, description="", readout=len(shown) <= 2,
                                          layout=w.Layout(width=f"{slider_w}px"))
                    s.add_class(f"pair-{i}-{j}")
                    s.add_class(f"part-{all_parts.index(p) if p in all_parts else 0}")
                    s.add_class("pair-slider")
                    st = w.HTML(layout=w.Layout(width=f"{col - slider_w if len(shown) > 1 else 80}px"))
                    st.add_class("pair-status")
                    s.observe(lambda ch, p=p, a=a, b=b: self._answer(p, a, b, ch["new"]), names="value")
                    self.sliders[(p, a, b)], self.status[(p, a, b)] = s, st
                    cells += [s, st] if len(shown) > 1 else [s, label_b, st]
                    if len(shown) == 1:  # answering "equally important" needs no slider move
                        confirm = w.Button(description=t("workshop.pair.confirm", self.lang),
                                           layout=w.Layout(width="auto"))
                        confirm.add_class("pair-confirm")
                        confirm.on_click(lambda _, p=p, a=a, b=b: self._answer(p, a, b, self.sliders[(p, a, b)].value))
                        cells.append(confirm)
                if len(shown) > 1:
                    cells.append(label_b)
                row = w.HBox(cells)
                row.add_class("pair-row")
                rows.append(row)
        if len(ids) < 2:
            rows.append(w.HTML(t("workshop.pair.need_two", self.lang)))
        self.rows.children = rows
        self._render_status()
        self.results.show(rid, shown)
        self._notify()

    def _render_status(self) -> None:
        rid = self.role.value
        for (p, a, b), st in self.status.items():
            v = self.ws.judgment(rid, p, a, b)
            s = self.sliders[(p, a, b)]
            if v is None:
                st.value = f"<span style='color:#999'>{t('workshop.pair.unanswered', self.lang)}</span>"
                s.add_class("pair-unanswered")
            else:
                st.value = f"<span class='pair-answered'>✓ {_fmt_value(v)}</span>"
                s.remove_class("pair-unanswered")

    def _answer(self, participant: str, a: str, b: str, value: float) -> None:
        with self.ws.lock:
            if self._syncing:
                return
            rid = self.role.value
            try:
                self.ws.answer(rid, participant, a, b, float(value))
            except ToolkitError as exc:
                self.results.message.value = f"<span class='cr-fail'>{html.escape(str(exc))}</span>"
                return
            self._render_status()
            self.results.show(rid, self.shown())
        self._notify()

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener()

    def sync_values(self) -> None:
        """Move the sliders to the stored answers (after a refresh or an accepted suggestion), silently."""
        rid = self.role.value
        with self.ws.lock:
            if self._ids != self.ws.indicators(rid) or self._parts != self.ws.visible_participants(rid):
                self.build()  # another browser changed the role's indicators or the participants
                return
            self._syncing = True
            try:
                for (p, a, b), s in self.sliders.items():
                    v = self.ws.judgment(rid, p, a, b)
                    target = _nearest(v) if v is not None else 1.0
                    if s.value != target:
                        s.value = target
            finally:
                self._syncing = False
            self._render_status()
            self.results.show(rid, self.shown())
        self._notify()
