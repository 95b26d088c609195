"""The workshop's state and controller: answers in, weights/CR/diagnosis out, every answer journaled at once.

This is the face the widgets (:mod:`toolkit.workshop.widgets`) talk to; it holds no domain rules. Weights, consistency,
the most inconsistent judgment and the group aggregate come from the weights engine (:mod:`toolkit.weights`); goal
feedback from :func:`toolkit.checks.goals.smart_check`; persistence from :mod:`toolkit.workshop.journal` (answers) and
:func:`toolkit.model.engagement.save_engagement` (the YAML, written atomically, previous version kept).

State = the engagement's *base* text (recorded in the journal) + the journal's current values, keyed as::

    j/<role>/<participant>/<a>/<b>   a judgment (a before b in the role's indicator order; participant "" = joint)
    goal/<goal id>/text              a goal statement
    ind/<role>                       the role's indicator ids
    participant/<name>               {"weight": w} for a participant added in the room
    method/<role>                    "ahp": the consultant chose to replace a role's direct (file) weights by
                                     the weights from the judgments (explicit; see :meth:`Workshop.use_judgments`)

Without a journal (``Workshop(engagement)``) the same controller drives the panels inside a JupyterLab notebook.
"""
from __future__ import annotations

import math
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.model.errors import InputError
from toolkit.model.messages import t
from toolkit.model.schema import Engagement, Judgment, Participant, RoleIndicator, Weighting
from toolkit.workshop.access import known_hint
from toolkit.workshop.journal import Journal

__all__ = ["SCALE_VALUES", "Analysis", "Workshop", "judgment_key", "open_workshop"]

#: Saaty's scale, left end = the left indicator is extremely more important (9) … right end = 1/9.
SCALE_VALUES: tuple[float, ...] = tuple([9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]
                                        + [1 / k for k in (2, 3, 4, 5, 6, 7, 8, 9)])


def judgment_key(role: str, participant: str | None, a: str, b: str) -> str:
    return f"j/{role}/{participant or ''}/{a}/{b}"


def snap(value: float) -> float:
    """The nearest point of :data:`SCALE_VALUES` (in log space), so a slider can show it exactly."""
    arr = np.log(np.asarray(SCALE_VALUES))
    return SCALE_VALUES[int(np.argmin(np.abs(arr - math.log(value))))]


@dataclass
class Analysis:
    """What the page shows for one role and one participant (or the group)."""

    role: str
    participant: str | None
    result: Any = None                 # toolkit.weights.analysis.AHPResult (or None: fewer than 2 indicators)
    group: Any = None                  # toolkit.weights.group.GroupResult when several participants answered
    answered: int = 0
    pairs: int = 0
    provisional: bool = False          # comparisons still disconnected: weights shown with unanswered = 1,
                                       # no CR verdict and no suggestion (they would blame the real answers)
    suggestion: dict[str, Any] | None = None   # most inconsistent judgment: a, b, value, suggested, cr_after
    aggregation: str | None = None     # group only: "aij" | "aip"
    participants: list[str] = field(default_factory=list)   # group only: whose answers were aggregated
    consensus: float | None = None     # group only: Shannon homogeneity of the priorities (1 = identical)

    @property
    def weights(self) -> dict[str, float]:
        src = self.group.weights if self.group is not None else (
            self.result.weights if self.result is not None else {})
        return {str(k): float(v) for k, v in dict(src).items()}


class Workshop:
    """Live workshop state over one engagement.

    Parameters
    ----------
    engagement
        The engagement as loaded (its judgments, goals and indicators are the starting values).
    path
        The engagement file (needed to save). ``journal``: an open :class:`~toolkit.workshop.journal.Journal`, or ``None``
        for an in-memory session (notebooks). ``who``: the person at the keyboard, recorded with every answer.
        ``participant``: a participant view — only that person's answers are shown and written.
    """

    def __init__(self, engagement: Engagement, *, path: str | os.PathLike[str] | None = None,
                 journal: Journal | None = None, who: str | None = None, participant: str | None = None,
                 lang: str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.journal = journal
        self.lang = lang
        self.view = participant or None
        self.who = who or participant or (journal.who if journal else "") or t("workshop.who.default", lang)
        #: held while state changes; widgets hold it too while they sync, so a background refresh and a user's
        #: answer never interleave
        self.lock = threading.RLock()
        self._listeners: list[Callable[[str], None]] = []
        self._cache: dict[tuple[str, str | None], Analysis] = {}
        self._seen = 0
        self._set_base(engagement)
        if journal is not None:
            self._overlay(journal.state())
            self._seen = journal.last_seq()
        if self.view and self.view not in self.roster():
            raise InputError(t("workshop.error.unknown_participant", lang, name=self.view),
                             hint=known_hint(self.view, list(self.roster()), lang))

    # ------------------------------------------------------------------------------------------ state
    def _set_base(self, engagement: Engagement) -> None:
        self.engagement = engagement
        vals: dict[str, Any] = {}
        for g in engagement.goals:
            vals[f"goal/{g.id}/text"] = g.text
        for role in engagement.roles:
            ids = [ri.id for ri in role.indicators]
            vals[f"ind/{role.id}"] = ids
            for j in role.weighting.judgments:
                if j.a not in ids or j.b not in ids or j.a == j.b:
                    continue
                a, b, v = (j.a, j.b, j.value) if ids.index(j.a) < ids.index(j.b) else (j.b, j.a, 1 / j.value)
                vals[judgment_key(role.id, j.participant, a, b)] = float(v)
        self.base_values = dict(vals)
        self.values = vals
        self._cache.clear()

    def _overlay(self, state: dict[str, Any]) -> None:
        self.values = dict(self.base_values)
        for k, v in state.items():
            self.values[k] = v
        self._cache.clear()

    def on_change(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(what)`` after a refresh brought other browsers' answers in (``what``='refresh')."""
        self._listeners.append(callback)

    # ------------------------------------------------------------------------------------------ reading
    def roles(self) -> list[tuple[str, str]]:
        """(id, name) of the roles this page works on: all of them, or in a participant view only the roles that
        person judges. Names in the page's language (the preset's English name in English)."""
        ids = self.roles_of(self.view) if self.view else [r.id for r in self.engagement.roles]
        return [(r.id, self.role_label(r.id)) for r in self.engagement.roles if r.id in ids]

    def role_label(self, role: str) -> str:
        r = self.engagement.role(role)
        if (self.lang or _language()) == "en" and r.preset:
            from toolkit.model.catalogue import load_presets

            try:
                preset = load_presets().get(r.preset)
            except InputError:
                preset = None
            if preset is not None:
                return preset.name_en
        return r.name

    # ------------------------------------------------------------------------------------------ roster
    def members(self, role: str) -> list[str]:
        """Who judges ``role``: the participants the engagement names for it, then those the facilitator added
        for it in the room (``participant/<name>`` with ``roles``; an entry without ``roles`` — older journals,
        :meth:`add_participant` without roles — judges every role)."""
        out = [p.name for p in self.engagement.role(role).weighting.participants]
        for k, v in self.values.items():
            if k.startswith("participant/") and isinstance(v, dict):
                name = k.split("/", 1)[1]
                roles = v.get("roles")
                if (roles is None or role in roles) and name not in out:
                    out.append(name)
        return out

    def roster(self) -> dict[str, list[str]]:
        """Every person on the roster → the roles they judge (engagement order)."""
        out: dict[str, list[str]] = {}
        for r in self.engagement.roles:
            for name in self.members(r.id):
                out.setdefault(name, []).append(r.id)
        for k, v in self.values.items():  # added without a role the engagement still has
            if k.startswith("participant/") and isinstance(v, dict):
                out.setdefault(k.split("/", 1)[1], [])
        return out

    def roles_of(self, name: str) -> list[str]:
        return list(self.roster().get(name, []))

    def indicators(self, role: str) -> list[str]:
        return list(self.values.get(f"ind/{role}", []))

    def indicator_label(self, ind_id: str) -> str:
        from toolkit.model.catalogue import indicator_name, load_catalogue

        try:
            cat = load_catalogue()
        except InputError:
            return ind_id
        return indicator_name(cat[ind_id], self.lang) if ind_id in cat else ind_id

    def participants(self, role: str | None = None) -> list[str]:
        """Participants in order of appearance; ``""`` is the joint judgment of the room, listed when nobody is
        named or when joint answers exist (for ``role``, or any role) alongside named ones."""
        names: list[str] = []
        for r in [role] if role is not None else [x.id for x in self.engagement.roles]:
            names += [m for m in self.members(r) if m not in names]
        joint = False
        for k in self.values:
            if k.startswith("j/"):
                _, r, p = k.split("/")[:3]
                joint = joint or (not p and (role is None or r == role))
                if p and p not in names:
                    names.append(p)
        return ([""] if joint or not names else []) + names

    def participant_weight(self, name: str, role: str | None = None) -> float:
        """The weight of ``name`` in the group: as the engagement declares it for ``role``, else as added in
        the room, else 1."""
        if role is not None:
            for p in self.engagement.role(role).weighting.participants:
                if p.name == name:
                    return float(p.weight)
        v = self.values.get(f"participant/{name}")
        if isinstance(v, dict):
            return float(v.get("weight", 1.0))
        for r in self.engagement.roles:
            for p in r.weighting.participants:
                if p.name == name:
                    return float(p.weight)
        return 1.0

    def visible_participants(self, role: str | None = None) -> list[str]:
        """Whose answers this page may show: only the viewer's in a participant view."""
        return [self.view] if self.view else self.participants(role)

    def judgment(self, role: str, participant: str | None, a: str, b: str) -> float | None:
        ids = self.indicators(role)
        if ids.index(a) > ids.index(b):
            v = self.values.get(judgment_key(role, participant, b, a))
            return None if v is None else 1 / v
        v = self.values.get(judgment_key(role, participant, a, b))
        return None if v is None else float(v)

    def matrix(self, role: str, participant: str | None) -> np.ndarray:
        ids = self.indicators(role)
        n = len(ids)
        m = np.full((n, n), np.nan)
        np.fill_diagonal(m, 1.0)
        pos = {x: i for i, x in enumerate(ids)}
        prefix = f"j/{role}/{participant or ''}/"
        for k, v in self.values.items():
            if v is None or not k.startswith(prefix):
                continue
            a, b = k[len(prefix):].split("/")
            if a in pos and b in pos:
                i, j = pos[a], pos[b]
                m[i, j], m[j, i] = float(v), 1 / float(v)
        return m

    def goal_text(self, goal_id: str) -> str:
        return str(self.values.get(f"goal/{goal_id}/text", ""))

    def strategy_texts(self, goal_id: str) -> list[str]:
        """The texts of the strategy items a goal serves (the id when the engagement does not define it)."""
        known = {s.id: s.text for s in self.engagement.strategy}
        goal = next((g for g in self.engagement.goals if g.id == goal_id), None)
        return [known.get(s, s) for s in (goal.strategy if goal is not None else [])]

    # ------------------------------------------------------------------------------------------ weights
    def file_weights(self, role: str) -> dict[str, float] | None:
        """The role's current weights as the engagement file gives them (percent), while the role is weighted
        directly (``weighting.method: direct`` with weights) and the consultant has not chosen to replace them by
        the judgments' weights. ``None`` otherwise: the judgments decide."""
        if self.values.get(f"method/{role}") == "ahp":
            return None
        r = self.engagement.role(role)
        if r.weighting.method != "direct":
            return None
        given = {ri.id: float(ri.weight) for ri in r.indicators if ri.weight is not None}
        if not given:
            return None
        return {i: given.get(i, 0.0) for i in self.indicators(role)}

    def is_direct(self, role: str) -> bool:
        """True while the file's direct weights are the role's weights (the judgments are only a proposal)."""
        return self.file_weights(role) is not None

    def use_judgments(self, role: str, use: bool = True) -> dict[str, Any]:
        """Explicitly choose (journaled) to replace a directly weighted role's file weights by the judgments'
        weights: the next :meth:`save` writes ``weighting.method: ahp`` for it. Without this choice, saving keeps
        ``method: direct`` and the file weights, and stores the judgments beside them."""
        with self.lock:
            self._cache = {k: v for k, v in self._cache.items() if k[0] != role}
        return self._write(f"method/{role}", "ahp" if use else None, kind="method", role=role)

    def final_percent(self, role: str) -> dict[str, int] | None:
        """The final whole-percent weights the forms use, from :func:`toolkit.weights.hierarchy.role_weights` (the role's
        quantitative band, minimum 5 %, largest-remainder rounding) over the visible participants' judgments.
        ``None`` while the comparisons are incomplete (or the role cannot be weighted yet)."""
        from toolkit.weights.hierarchy import role_weights

        ids = self.indicators(role)
        if not ids:
            return None
        base = self.engagement.role(role)
        judgments: list[Judgment] = []
        for p in self.visible_participants(role):
            m = self.matrix(role, p)
            for i, j in np.argwhere(np.triu(~np.isnan(m), 1)):
                judgments.append(Judgment(a=ids[i], b=ids[j], value=float(m[i, j]), participant=p or None))
        if len(ids) > 1 and not judgments:
            return None
        old = {ri.id: ri for ri in base.indicators}
        named = {j.participant for j in judgments if j.participant}
        declared = {x.name: x for x in base.weighting.participants}
        parts = [declared.get(p) or Participant(name=p, weight=self.participant_weight(p, role)) for p in named]
        r = base.model_copy(update={
            "indicators": [old.get(i) or RoleIndicator(id=i, basic=True) for i in ids],
            "weighting": Weighting(method="ahp", participants=parts, judgments=judgments,
                                   aggregation=base.weighting.aggregation)})
        try:
            return dict(role_weights(r, lang=self.lang).percent)
        except InputError:  # incomplete (disconnected) comparisons, an unknown indicator …
            return None

    # ------------------------------------------------------------------------------------------ analysis
    def analysis(self, role: str, participant: str | None = None, *, group: bool = False) -> Analysis:
        """Weights, CR and the most inconsistent judgment with its suggested value (cached until an answer)."""
        key = (role, None if group else (participant or ""))
        with self.lock:
            hit = self._cache.get(key)
            if hit is not None:
                return hit
            out = self._group(role) if group else self._single(role, participant or "")
            self._cache[key] = out
            return out

    def _single(self, role: str, participant: str) -> Analysis:
        from toolkit.weights.analysis import analyse

        ids = self.indicators(role)
        n = len(ids)
        out = Analysis(role, participant, pairs=n * (n - 1) // 2)
        if n < 2:
            return out
        m = self.matrix(role, participant)
        out.answered = int((~np.isnan(np.triu(m, 1)) & np.triu(np.ones_like(m, bool), 1)).sum())
        try:
            out.result = analyse(m, names=ids, top=1)
        except InputError:  # disconnected: not enough answers yet
            filled = np.where(np.isnan(m), 1.0, m)
            out.result = analyse(filled, names=ids, top=1)
            out.provisional = True
        out.suggestion = None if out.provisional else _suggestion(out.result, m)
        return out

    def _group(self, role: str) -> Analysis:
        """The group result for the room. AIJ (default): the engine's weighted geometric mean of the judgments
        (:func:`toolkit.weights.group.aggregate_judgments`) analysed once — each participant's own analysis is already
        cached, so one answer costs two analyses. AIP goes through :func:`toolkit.weights.group.group_analyse`."""
        from toolkit.weights.analysis import analyse
        from toolkit.weights.group import aggregate_judgments

        ids = self.indicators(role)
        n = len(ids)
        out = Analysis(role, None, pairs=n * (n - 1) // 2)
        upper = np.triu(np.ones((n, n), bool), 1)
        mats = {p: self.matrix(role, p) for p in self.participants(role)}
        parts = [p for p, m in mats.items() if (~np.isnan(m) & upper).any()]
        if n < 2 or len(parts) < 2:
            single = self._single(role, parts[0] if parts else "")
            single.participant = None
            return single
        weights = np.array([self.participant_weight(p, role) for p in parts])
        stack = np.stack([mats[p] for p in parts])
        out.aggregation = self.engagement.role(role).weighting.aggregation
        out.participants = parts
        out.answered = int((~np.isnan(stack) & upper).sum())
        out.pairs *= len(parts)
        if out.aggregation == "aip":
            return self._group_aip(out, ids, parts, stack, weights)
        G = aggregate_judgments(stack, weights)
        try:
            out.result = analyse(G, names=ids, top=1)
        except InputError:
            out.result = analyse(np.where(np.isnan(G), 1.0, G), names=ids, top=1)
            out.provisional = True
        singles = [self.analysis(role, p) for p in parts]
        out.consensus = _consensus(np.array([a.result.weights.to_numpy() for a in singles]), weights)
        return out

    def _group_aip(self, out: Analysis, ids: list[str], parts: list[str], stack: np.ndarray,
                   weights: np.ndarray) -> Analysis:
        import pandas as pd

        from toolkit.weights.group import group_analyse
        from toolkit.weights.judgments import JudgmentSet

        def judgment_set(s: np.ndarray) -> JudgmentSet:
            k, i, j = np.nonzero(~np.isnan(s) & np.triu(np.ones(s.shape[1:], bool), 1))
            pairs = pd.DataFrame({"a": np.array(ids)[i], "b": np.array(ids)[j], "value": s[k, i, j],
                                  "participant": np.array(parts)[k], "where": "workshop"})
            return JudgmentSet(tuple(ids), pairs)

        w = dict(zip(parts, weights.tolist()))
        try:
            out.group = group_analyse(judgment_set(stack), weights=w, aggregation="aip", top=1)
        except InputError:
            out.group = group_analyse(judgment_set(np.where(np.isnan(stack), 1.0, stack)), weights=w,
                                      aggregation="aip", top=1)
            out.provisional = True
        out.result = out.group.aggregate
        out.consensus = float(out.group.consensus)
        return out

    # ------------------------------------------------------------------------------------------ writing
    def _write(self, key: str, value: Any, *, kind: str = "answer", role: str | None = None,
               participant: str | None = None, a: str | None = None, b: str | None = None, note: str = "",
               who: str | None = None) -> dict[str, Any]:
        with self.lock:
            old = self.values.get(key)
            if self.journal is not None:
                event = self.journal.record(key, value, kind=kind, role=role, participant=participant, a=a, b=b,
                                            note=note, who=who or self.who)
                self._seen = max(self._seen, int(event["seq"]))
            else:
                event = {"key": key, "old": old, "new": value, "kind": kind, "who": who or self.who}
            if value is None:
                self.values.pop(key, None)
            else:
                self.values[key] = value
            return event

    def _check_participant(self, participant: str | None, role: str | None = None) -> str:
        p = participant or ""
        if self.view and p != self.view:
            raise InputError(t("workshop.error.unknown_participant", self.lang, name=p),
                             hint=t("workshop.participant.view", self.lang, name=self.view))
        if self.view and role is not None and role not in self.roles_of(self.view):
            raise InputError(t("workshop.error.not_member", self.lang, name=p, role=self.role_label(role)))
        return p

    def answer(self, role: str, participant: str | None, a: str, b: str, value: float | None, *,
               kind: str = "answer", note: str = "") -> Analysis:
        """Record one comparison (``value`` = how much more important ``a`` is than ``b``; None clears it) and
        return the fresh analysis of that participant. Journaled before anything else happens."""
        p = self._check_participant(participant, role)
        ids = self.indicators(role)
        if a not in ids or b not in ids or a == b:
            raise InputError(t("ref.judgment_element", self.lang, id=f"{a}/{b}"), location=f"roles.{role}",
                             hint=t("ref.known_ids", self.lang, known=", ".join(ids)))
        if ids.index(a) > ids.index(b):
            a, b, value = b, a, (None if value is None else 1 / value)
        if value is not None:
            value = float(value)
            if not (1 / 9 - 1e-9 <= value <= 9 + 1e-9):
                raise InputError(t("workshop.error.out_of_scale", self.lang, value=value),
                                 location=judgment_key(role, p, a, b))
        self._write(judgment_key(role, p, a, b), value, kind=kind, role=role, participant=p, a=a, b=b, note=note)
        with self.lock:
            self._cache.pop((role, p), None)
            self._cache.pop((role, None), None)
        return self.analysis(role, p)

    def accept_suggestion(self, role: str, participant: str | None = None) -> dict[str, Any]:
        """Apply the suggested value of the most inconsistent judgment — only when asked — and record it.

        The audit record of the weights engine (who, when, original, new, CR before/after) is kept in the
        journal event's note.
        """
        import json

        from toolkit.weights.diagnosis import accept_change

        p = self._check_participant(participant)
        current = self.analysis(role, p)
        s = current.suggestion
        if not s:
            raise InputError(t("workshop.result.empty", self.lang))
        ids = self.indicators(role)
        m = self.matrix(role, p)
        iu = np.argwhere(np.triu(~np.isnan(m), 1))
        pairs = [Judgment(a=ids[i], b=ids[j], value=float(m[i, j]), participant=p or None) for i, j in iu]
        _, record = accept_change(pairs, (s["a"], s["b"], s["suggested"]), who=self.who, participant=p,
                                  reason="workshop")
        after = self.answer(role, p, s["a"], s["b"], s["suggested"], kind="accept",
                            note=json.dumps(record.to_dict(), ensure_ascii=False))
        return {"a": s["a"], "b": s["b"], "old": s["value"], "new": s["suggested"], "who": self.who,
                "record": record.to_dict(), "analysis": after}

    def set_goal_text(self, goal_id: str, text: str) -> dict[str, Any]:
        return self._write(f"goal/{goal_id}/text", text, kind="goal")

    def set_indicators(self, role: str, ids: list[str]) -> dict[str, Any]:
        with self.lock:
            self._cache = {k: v for k, v in self._cache.items() if k[0] != role}
        return self._write(f"ind/{role}", list(ids), kind="indicators", role=role)

    def add_participant(self, name: str, weight: float = 1.0, roles: list[str] | None = None) -> dict[str, Any]:
        """Put ``name`` on the roster (journaled): judging ``roles`` (``None``: every role). Only the facilitator's
        page offers this; a participant page never adds anyone."""
        name = name.strip()
        if not name or "/" in name or name.startswith("\x00"):
            raise InputError(t("workshop.error.bad_name", self.lang, name=name or "—"))
        if self.view:
            raise InputError(t("workshop.error.unknown_participant", self.lang, name=name),
                             hint=t("workshop.participant.view", self.lang, name=self.view))
        known = [r.id for r in self.engagement.roles]
        bad = [r for r in roles or [] if r not in known]
        if bad:
            raise InputError(t("workshop.error.unknown_role", self.lang, role=", ".join(bad)))
        value: dict[str, Any] = {"weight": float(weight)}
        if roles is not None:
            value["roles"] = list(roles)
        return self._write(f"participant/{name}", value, kind="participant")

    # ------------------------------------------------------------------------------------------ sync & save
    def refresh(self) -> bool:
        """Bring in what other browsers (kernels) wrote since; True when something changed."""
        if self.journal is None:
            return False
        last = self.journal.last_seq()
        if last == self._seen:
            return False
        with self.lock:
            base = self.journal.base_text
            if base != getattr(self, "_base_text", base):
                self._set_base(_engagement_from_text(base, self.path))
            self._base_text = base
            self._overlay(self.journal.state())
            self._seen = last
        for cb in list(self._listeners):
            cb("refresh")
        return True

    def file_changed(self) -> bool:
        """The engagement file was edited outside the workshop since the journal last saw it."""
        return self.journal is not None and self.journal.file_changed()

    def keep_answers(self) -> None:
        """Choice after a hand edit: keep the workshop's state (the edited file is copied aside)."""
        if self.journal is not None:
            self.journal.acknowledge_file()

    def reload_file(self) -> None:
        """Choice after a hand edit: take the file as it is now (answers stay in the journal history)."""
        if self.journal is None or self.path is None:
            return
        from toolkit.model.engagement import load_engagement

        self.journal.reload_from_file()
        with self.lock:
            self._set_base(load_engagement(self.path))
            self._base_text = self.journal.base_text
            self._overlay(self.journal.state())
            self._seen = self.journal.last_seq()

    def to_engagement(self) -> Engagement:
        """The engagement with every workshop answer applied (a fresh object loaded from the base)."""
        eng = _engagement_from_text(self.journal.base_text, self.path) if self.journal is not None else (
            self.engagement.model_copy(deep=True))
        for g in eng.goals:
            text = self.values.get(f"goal/{g.id}/text")
            if text and text != g.text:
                g.text = text
        for role in eng.roles:
            ids = self.indicators(role.id)
            if ids != [ri.id for ri in role.indicators]:
                old = {ri.id: ri for ri in role.indicators}
                role.indicators = [old.get(i) or RoleIndicator(id=i, basic=True) for i in ids]
            judgments: list[Judgment] = []
            used: list[str] = []
            for p in self.participants(role.id):
                m = self.matrix(role.id, p)
                for i, j in np.argwhere(np.triu(~np.isnan(m), 1)):
                    judgments.append(Judgment(a=ids[i], b=ids[j], value=_nice(m[i, j]), participant=p or None))
                    if p and p not in used:
                        used.append(p)
            if judgments or role.weighting.judgments:
                declared = {x.name: x for x in role.weighting.participants}
                parts = [declared.get(p) or Participant(name=p, weight=self.participant_weight(p, role.id)) for p in used]
                # a role weighted directly keeps its file weights unless the consultant chose the judgments
                # (use_judgments); a role without file weights takes the judgments' weights as before
                method = "ahp" if judgments and not self.is_direct(role.id) else role.weighting.method
                if method == "ahp" and role.weighting.method == "direct":
                    pct = self.final_percent(role.id)  # the old direct weights would contradict the judgments
                    for ri in role.indicators if pct else []:
                        ri.weight = float(pct[ri.id]) if ri.id in pct else None  # type: ignore[index,operator]
                role.weighting = Weighting(method=method,
                                           participants=parts, judgments=judgments,
                                           aggregation=role.weighting.aggregation)
        return eng

    def save(self) -> Path:
        """Write the engagement YAML atomically (the previous version kept as ``.prev.yaml``).

        Judgments are saved under each role's ``weighting``. A role weighted directly (``method: direct`` with
        weights in the file) stays direct with its file weights unless :meth:`use_judgments` was chosen for it;
        then it is saved as ``method: ahp``. A role without file weights becomes ``method: ahp`` once judged.
        """
        from toolkit.model.engagement import save_engagement

        if self.path is None:
            raise InputError(t("workshop.error.no_engagement", self.lang))
        with self.lock:
            eng = self.to_engagement()
            out = save_engagement(eng, self.path, keep_previous=True)
            if self.journal is not None:
                self.journal.mark_saved(self.path)
                self._base_text = self.journal.base_text
                self._seen = self.journal.last_seq()
        return out


def _language() -> str:
    from toolkit.model.messages import get_language

    return get_language()


def _nice(v: float) -> float:
    """Round a stored judgment for the YAML (1/3 stays a float the loader reads back exactly enough)."""
    return round(float(v), 6)


def _consensus(P: np.ndarray, weights: np.ndarray) -> float | None:
    """The engine's consensus S* (the one :func:`toolkit.weights.group.group_analyse` reports: AHP-OS counts
    every participant equally, so ``weights`` do not enter it)."""
    from toolkit.weights.group import consensus

    if np.isnan(P).any():
        return None
    return float(consensus(P))


def _suggestion(result: Any, judged: np.ndarray) -> dict[str, Any] | None:
    mi = getattr(result, "most_inconsistent", None)
    if mi is None or len(mi) == 0 or result.consistent:
        return None
    r = mi.iloc[0]
    i, j = int(r["i"]), int(r["j"])
    if np.isnan(judged[i, j]):
        return None
    return {"a": str(r["row"]), "b": str(r["col"]), "value": float(r["value"]),
            "suggested": float(snap(float(r["suggested"]))), "cr_after": float(r["cr_after"]),
            "cr": float(result.cr), "reversed": bool(r.get("reversed", False)),
            "implied": None if _isna(r.get("implied")) else float(r["implied"])}


def _isna(x: Any) -> bool:
    """None or NaN (what the other judgments imply is NaN for a judgment nothing else bears on)."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def _engagement_from_text(text: str, path: Path | None) -> Engagement:
    """Load an engagement from the journal's base text (comments kept for a later save)."""
    from toolkit.model.engagement import load_engagement
    from toolkit.workshop.journal import file_identity

    if path is not None and path.exists():
        try:
            if file_identity(path)[2] == text:
                return load_engagement(path)
        except OSError:
            pass
    folder = path.parent if path is not None else None
    fd, tmp = tempfile.mkstemp(suffix=".yaml", dir=folder, prefix=".workshop-base-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return load_engagement(tmp)
    finally:
        os.unlink(tmp)


def open_workshop(path: str | os.PathLike[str], *, who: str | None = None, participant: str | None = None,
                  resolve: str | None = None, lang: str | None = None) -> Workshop:
    """Open an engagement's workshop with its journal, restoring every answer given so far.

    Raises :class:`toolkit.workshop.journal.JournalConflict` (with the check and its ``keep``/``reload`` choices) when
    the journal is foreign, corrupt or the file was edited by hand; call again with ``resolve=``.
    """
    from toolkit.model.engagement import load_engagement

    path = Path(path)
    eng = load_engagement(path)  # validates first: bad input stops here with located messages
    journal = Journal.open(path, who=who or participant or "", resolve=resolve)  # type: ignore[arg-type]
    base = journal.base_text
    if base != path.read_text(encoding="utf-8-sig"):
        eng = _engagement_from_text(base, path)
    ws = Workshop(eng, path=path, journal=journal, who=who, participant=participant, lang=lang)
    ws._base_text = base
    return ws
