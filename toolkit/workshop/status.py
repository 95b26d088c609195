"""The facilitator's status view: who has finished which role, each judge's CR and worst judgment, the group
result from those who answered only, and help for a failing group CR (which judge and which pair drive it).

:func:`role_status` computes the numbers (plain data, tested without a browser); :class:`StatusPanel` shows them
with the invitation links and a form to add a person to the roster. Every number comes from the weights engine:
per-judge analysis and diagnosis (:func:`toolkit.weights.analysis.analyse`, via the workshop's cached analyses),
the AIJ aggregate (:func:`toolkit.weights.group.aggregate_judgments`), AHP-OS's consensus S* and its verbal
scale (:func:`toolkit.weights.group.consensus_label`).
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w
import numpy as np

from toolkit.model.errors import ToolkitError
from toolkit.model.messages import t
from toolkit.workshop.session import Workshop, snap

__all__ = ["JudgeStatus", "RoleStatus", "StatusPanel", "fmt_value", "role_status"]


def fmt_value(v: float) -> str:
    """A judgment as the page writes it: 3, 1/5."""
    return f"{v:g}" if v >= 1 else f"1/{round(1 / v):d}"


@dataclass
class JudgeStatus:
    name: str
    answered: int
    pairs: int
    cr: float | None = None            # None while incomplete/disconnected (no verdict yet)
    threshold: float | None = None
    consistent: bool | None = None
    worst: dict[str, Any] | None = None   # the judge's own most inconsistent judgment with its suggested value

    @property
    def done(self) -> bool:
        return self.pairs > 0 and self.answered >= self.pairs


@dataclass
class RoleStatus:
    role: str
    judges: list[JudgeStatus] = field(default_factory=list)
    answered_by: list[str] = field(default_factory=list)   # whose answers the group result uses
    group_cr: float | None = None
    group_threshold: float | None = None
    group_consistent: bool | None = None
    group_weights: dict[str, float] = field(default_factory=dict)
    consensus: float | None = None
    consensus_label: str | None = None
    driver: dict[str, Any] | None = None      # judge whose removal lowers the group CR most, and the worst pair
    disagreement: dict[str, Any] | None = None

    @property
    def open(self) -> list[str]:
        return [j.name for j in self.judges if not j.done]


def role_status(ws: Workshop, role: str, lang: str | None = None) -> RoleStatus:
    """Progress, per-judge consistency and group help for one role (the facilitator's view)."""
    from toolkit.weights.analysis import analyse
    from toolkit.weights.group import aggregate_judgments, consensus_label

    ids = ws.indicators(role)
    n = len(ids)
    out = RoleStatus(role)
    upper = np.triu(np.ones((n, n), bool), 1)
    for p in ws.participants(role):
        a = ws.analysis(role, p)
        js = JudgeStatus(p, a.answered, a.pairs)
        if a.result is not None and not a.provisional and a.answered:
            js.cr, js.threshold = float(a.result.cr), float(a.result.threshold)
            js.consistent = bool(a.result.consistent)
            js.worst = a.suggestion
        out.judges.append(js)
        if a.answered:
            out.answered_by.append(p)
    if n < 2 or len(out.answered_by) < 2:
        return out
    g = ws.analysis(role, group=True)
    out.group_weights = g.weights
    out.consensus = g.consensus
    if g.consensus is not None:
        out.consensus_label = consensus_label(g.consensus, lang)
    mats = {p: ws.matrix(role, p) for p in out.answered_by}
    stack = np.stack([mats[p] for p in out.answered_by])
    logs = np.log(stack[:, upper])
    both = (~np.isnan(logs)).sum(0) >= 2   # pairs judged by two or more
    spread = np.where(both, np.nanmax(np.where(both, logs, 0), 0) - np.nanmin(np.where(both, logs, 0), 0), 0)
    if both.any() and spread.max() > 0:
        k = int(np.nanargmax(spread))
        i, j = np.argwhere(upper)[k]
        out.disagreement = {"a": ids[i], "b": ids[j], "lo": float(np.exp(np.nanmin(logs[:, k]))),
                            "hi": float(np.exp(np.nanmax(logs[:, k])))}
    if g.result is None or g.provisional:
        return out
    out.group_cr, out.group_threshold = float(g.result.cr), float(g.result.threshold)
    out.group_consistent = bool(g.result.consistent)
    mi = getattr(g.result, "most_inconsistent", None)
    if out.group_consistent or mi is None or len(mi) == 0:
        return out
    # which judge drives the group CR: leave each one out of the AIJ aggregate in turn
    weights = np.array([ws.participant_weight(p, role) for p in out.answered_by])
    best: tuple[float, str] | None = None
    for k, p in enumerate(out.answered_by):
        keep = np.arange(len(out.answered_by)) != k
        G = aggregate_judgments(stack[keep], weights[keep])
        if np.isnan(G[upper]).any():
            continue
        cr = float(analyse(G, names=ids, top=1).cr)
        if best is None or cr < best[0]:
            best = (cr, p)
    top = mi.iloc[0]
    a, b = str(top["row"]), str(top["col"])
    if best is not None:
        own = ws.judgment(role, best[1], a, b)
        out.driver = {"name": best[1], "cr_without": best[0], "a": a, "b": b, "value": own,
                      "suggested": snap(float(top["suggested"])), "group_value": float(top["value"])}
    return out


class StatusPanel:
    """The facilitator's tab: progress per participant and role, who is still open, per-judge CR and worst
    judgment for everyone who fails, the group result and its help, the invitation links, and 'add participant'."""

    def __init__(self, ws: Workshop, *, lang: str | None = None, base_url: str | None = None,
                 tokens: Any = None) -> None:
        self.ws, self.lang = ws, lang or ws.lang
        self.base_url, self.tokens = base_url, tokens
        self.table = w.HTML()
        self.table.add_class("ws-status-table")
        self.details = w.HTML()
        self.details.add_class("ws-status-details")
        self.links = w.HTML()
        self.links.add_class("ws-invitations")
        self.name = w.Text(placeholder=t("workshop.status.add_name", self.lang), layout=w.Layout(width="160px"))
        self.name.add_class("ws-add-name")
        self.add_roles = w.SelectMultiple(options=[(label, rid) for rid, label in ws.roles()], rows=3,
                                          layout=w.Layout(width="240px"))
        self.add_roles.add_class("ws-add-roles")
        self.add = w.Button(description=t("workshop.status.add", self.lang), icon="user-plus",
                            layout=w.Layout(width="auto"))
        self.add.add_class("ws-add")
        self.add.on_click(self._add)
        self.message = w.HTML()
        self.message.add_class("ws-add-msg")
        form = w.HBox([self.name, self.add_roles, self.add], layout=w.Layout(align_items="flex-start"))
        self.widget = w.VBox([self.table, self.details, w.HTML(f"<b>{html.escape(t('workshop.status.invitations', self.lang))}</b>"),
                              self.links, form, self.message])
        self.widget.add_class("ws-status-view")
        self.render()

    def _link(self, name: str) -> str | None:
        if self.tokens is None or self.base_url is None:
            return None
        from toolkit.workshop.access import invitation_url

        return invitation_url(self.base_url, self.tokens.token(name))

    def _add(self, _: Any = None) -> None:
        name = self.name.value.strip()
        try:
            self.ws.add_participant(name, roles=list(self.add_roles.value))
        except ToolkitError as exc:
            self.message.value = f"<span class='cr-fail'>{html.escape(str(exc))}</span>"
            return
        link = self._link(name)
        self.message.value = html.escape(t("workshop.status.added", self.lang, name=name, url=link or "—"))
        self.name.value = ""
        self.render()

    def render(self) -> None:
        lang, ws = self.lang, self.ws
        roles = [(rid, label) for rid, label in ws.roles()]
        stats = {rid: role_status(ws, rid, lang) for rid, _ in roles}
        people: list[str] = []
        for st in stats.values():
            people += [j.name for j in st.judges if j.name not in people]
        head = "".join(f"<th>{html.escape(label)}</th>" for _, label in roles)
        rows = []
        for k, p in enumerate(people):
            cells = []
            for rid, _ in roles:
                js = next((j for j in stats[rid].judges if j.name == p), None)
                if js is None:
                    cells.append(f"<td class='st-none'>{t('workshop.status.not_member', lang)}</td>")
                    continue
                if js.done:
                    text, cls = "✓ " + t("workshop.status.done", lang), "st-done"
                elif js.answered == 0:
                    text, cls = t("workshop.status.open", lang), "st-open"
                else:
                    text, cls = t("workshop.status.partial", lang, answered=js.answered, pairs=js.pairs), "st-partial"
                if js.cr is not None:
                    mark = "cr-pass" if js.consistent else "cr-fail"
                    text += f" · <span class='{mark}'>{t('workshop.status.cr_of', lang, cr=f'{js.cr:.3f}')}</span>"
                cells.append(f"<td class='{cls}'>{text}</td>")
            name = p or t("workshop.participant.group", lang)
            rows.append(f"<tr class='st-row st-row-{k}'><td>{html.escape(name)}</td>{''.join(cells)}</tr>")
        if not people:
            table = f"<div class='st-empty'>{html.escape(t('workshop.status.no_roster', lang))}</div>"
        else:
            table = (f"<table><tr><th>{html.escape(t('workshop.status.person', lang))}</th>{head}</tr>"
                     f"{''.join(rows)}</table>")
        still = sorted({(j.name or t("workshop.participant.group", lang)) for st in stats.values() for j in st.judges
                        if not j.done}, key=lambda x: people.index(x) if x in people else 0)
        sep = t("workshop.roles.sep", lang)
        summary = (t("workshop.status.still_open", lang, names=sep.join(still)) if still
                   else t("workshop.status.all_done", lang)) if people else ""
        self.table.value = f"{table}<div class='st-open-list'>{html.escape(summary)}</div>"
        self.details.value = "".join(self._role_details(rid, label, stats[rid]) for rid, label in roles)
        self.links.value = self._links_html(people)

    def _role_details(self, rid: str, label: str, st: RoleStatus) -> str:
        lang, ws = self.lang, self.ws
        lab = ws.indicator_label
        sep = t("workshop.roles.sep", lang)
        out = [(f"<div class='st-role st-role-{html.escape(rid)}'><b>"
                f"{html.escape(t('workshop.status.role_head', lang, role=label))}</b><ul>")]
        for j in st.judges:
            if j.consistent is False and j.worst:
                s = j.worst
                worst = t("workshop.result.worst", lang, a=lab(s["a"]), b=lab(s["b"]), value=fmt_value(s["value"]),
                          suggested=fmt_value(s["suggested"]), cr_after=f"{s['cr_after']:.3f}")
                out.append(f"<li class='st-fail'>{html.escape(t('workshop.status.fails', lang, name=j.name or t('workshop.participant.group', lang), cr=f'{j.cr:.3f}', threshold=f'{j.threshold:.2f}', worst=worst))}</li>")
        names = [p or t("workshop.participant.group", lang) for p in st.answered_by]
        if not st.answered_by:
            out.append(f"<li class='st-group'>{html.escape(t('workshop.status.group_none', lang))}</li>")
        elif len(st.answered_by) == 1:
            out.append(f"<li class='st-group'>{html.escape(t('workshop.status.group_one', lang, name=names[0]))}</li>")
        else:
            method = ws.engagement.role(rid).weighting.aggregation.upper()
            line = t("workshop.status.group_from", lang, method=method, n=len(names), names=sep.join(names))
            if st.group_cr is not None:
                line += " · " + t("workshop.status.group_cr", lang, cr=f"{st.group_cr:.3f}",
                                  threshold=f"{st.group_threshold:.2f}")
            out.append(f"<li class='st-group'>{html.escape(line)}</li>")
            if st.group_consistent:
                out.append(f"<li class='cr-pass st-group-ok'>{html.escape(t('workshop.status.group_ok', lang))}</li>")
            if st.driver:
                d = st.driver
                out.append("<li class='st-group-help cr-fail'>" + html.escape(t(
                    "workshop.status.group_help", lang, name=d["name"] or t("workshop.participant.group", lang),
                    cr_without=f"{d['cr_without']:.3f}", a=lab(d["a"]), b=lab(d["b"]),
                    value=fmt_value(d["value"]) if d["value"] else "—", suggested=fmt_value(d["suggested"]))) + "</li>")
            if st.consensus is not None:
                out.append("<li class='st-consensus'>" + html.escape(t(
                    "workshop.status.consensus", lang, s=f"{st.consensus:.2f}", label=st.consensus_label)) + "</li>")
            if st.disagreement:
                d = st.disagreement
                out.append("<li class='st-disagree'>" + html.escape(t(
                    "workshop.status.disagree", lang, a=lab(d["a"]), b=lab(d["b"]), lo=fmt_value(d["lo"]),
                    hi=fmt_value(d["hi"]))) + "</li>")
        out.append("</ul></div>")
        return "".join(out)

    def _links_html(self, people: list[str]) -> str:
        if self.tokens is None or self.base_url is None:
            return ""
        sep = t("workshop.roles.sep", self.lang)
        rows = []
        for p in [x for x in people if x]:
            roles = sep.join(self.ws.role_label(r) for r in self.ws.roles_of(p))
            url = html.escape(self._link(p) or "")
            rows.append(f"<li class='st-link'>{html.escape(p)}{html.escape(t('workshop.result.paren', self.lang, text=roles))}"
                        f"{html.escape(t('workshop.who.sep', self.lang))}<a href='{url}' target='_blank'>{url}</a></li>")
        return f"<ul>{''.join(rows)}</ul>"
