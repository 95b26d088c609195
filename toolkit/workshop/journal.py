"""The workshop journal: every answer saved the moment it is given, in SQLite beside the engagement file.

Why SQLite: a workshop runs one Voila kernel per browser, so several processes may write at once, and a kernel
can die at any moment. SQLite in WAL mode with ``BEGIN IMMEDIATE`` transactions serialises the writers, reads the
old value and appends the event in one step, and survives a killed process without losing a committed answer.

The journal holds three things:

* ``events`` — the append-only history: who, when, what (``key``), old and new value. Nothing is ever deleted,
  so the evolution of every judgment can be replayed (:meth:`Journal.history`, :meth:`Journal.replay`).
* ``current`` — the latest value per key, maintained in the same transaction (fast restore).
* ``meta`` — the engagement's identity: the path and SHA-256 of the file the journal was started from, and a
  snapshot of that file's text (the *base*). Restoring = base + current values, whatever happened to the file.

Opening a journal checks that identity (:func:`check_journal`). A journal from another engagement, a corrupt
journal, or an engagement file edited by hand since the journal last saw it raises :class:`JournalConflict`
with a clear message and two safe choices, ``keep`` and ``reload`` (see :meth:`Journal.open`); neither
choice deletes anything.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> eng = d / "engagement.yaml"; _ = eng.write_text("client: {name: 甲}\\n", encoding="utf-8")
>>> j = Journal.open(eng, who="顾问")
>>> j.record("j/brand/张总/a/b", 3.0, role="brand", participant="张总", a="a", b="b")["old"] is None
True
>>> j.state()["j/brand/张总/a/b"]
3.0
>>> j.close()
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self

import pandas as pd

from toolkit.model.errors import ToolkitError
from toolkit.model.messages import t

__all__ = [
    "BACKUP_SECONDS",
    "SCHEMA_VERSION",
    "Journal",
    "JournalCheck",
    "JournalConflict",
    "backup_path",
    "check_journal",
    "close_journal",
    "file_identity",
    "journal_path",
]

SCHEMA_VERSION = 1

#: at most this many seconds of answers are lost when the journal file is torn (see Journal.backup)
BACKUP_SECONDS = 60.0
Status = Literal["new", "ok", "moved", "edited", "foreign", "corrupt"]
Choice = Literal["keep", "reload"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    who TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    role TEXT, participant TEXT, a TEXT, b TEXT,
    old TEXT, new TEXT,
    note TEXT
);
CREATE INDEX IF NOT EXISTS events_key ON events(key);
CREATE TABLE IF NOT EXISTS current (
    key TEXT PRIMARY KEY,
    value TEXT,
    seq INTEGER NOT NULL,
    role TEXT, participant TEXT, a TEXT, b TEXT
);
"""
_META_KEYS = ("schema", "journal_id", "engagement_path", "engagement_hash", "base_text", "created")


def journal_path(engagement_path: str | os.PathLike[str]) -> Path:
    """``engagement.yaml`` → ``engagement.journal.sqlite`` in the same folder."""
    p = Path(engagement_path)
    return p.with_name(p.stem + ".journal.sqlite")


def file_identity(path: str | os.PathLike[str]) -> tuple[str, str, str]:
    """(resolved path, SHA-256 of the bytes, text) of an engagement file, read in one go."""
    p = Path(path).resolve()
    raw = p.read_bytes()
    return str(p), hashlib.sha256(raw).hexdigest(), raw.decode("utf-8-sig", errors="replace")


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="milliseconds")


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%dT%H%M%S")


@dataclass
class JournalCheck:
    """What :func:`check_journal` found, with the message to show and the safe choices on offer."""

    status: Status
    journal: Path
    engagement: Path
    recorded_path: str = ""
    recorded_hash: str = ""
    current_hash: str = ""
    detail: str = ""
    answers: int = 0

    @property
    def needs_choice(self) -> bool:
        return self.status in ("edited", "foreign", "corrupt")

    @property
    def choices(self) -> tuple[str, ...]:
        return ("keep", "reload") if self.needs_choice else ()

    def message(self, lang: str | None = None) -> str:
        return t(f"workshop.journal.{self.status}", lang, journal=self.journal.name, engagement=self.engagement.name,
                 recorded=self.recorded_path, answers=self.answers, detail=self.detail)

    def choice_text(self, choice: str, lang: str | None = None) -> str:
        return t(f"workshop.journal.{self.status}.{choice}", lang)


@dataclass
class JournalConflict(ToolkitError):
    """The journal cannot be used as it is without the user choosing ``keep`` or ``reload``."""

    check: JournalCheck | None = field(default=None)


def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
    if not create and not path.exists():
        raise FileNotFoundError(path)
    con = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA busy_timeout=30000")
    mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":  # pragma: no cover - only on file systems without shared memory
        con.execute("PRAGMA journal_mode=DELETE")
    con.execute("PRAGMA synchronous=FULL")  # a committed answer survives even a power cut
    return con


def _read_meta(path: Path) -> dict[str, str]:
    """Meta of an existing journal; raises sqlite3.DatabaseError / ValueError when it is damaged."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)
    try:
        ok = con.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise sqlite3.DatabaseError(str(ok))
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = {"meta", "events", "current"} - tables
        if missing:
            raise ValueError("missing tables: " + ", ".join(sorted(missing)))
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        lacking = [k for k in _META_KEYS if k not in meta]
        if lacking:
            raise ValueError("missing identity: " + ", ".join(lacking))
        meta["_answers"] = str(con.execute("SELECT count(*) FROM current").fetchone()[0])
        return meta
    finally:
        con.close()


def check_journal(engagement_path: str | os.PathLike[str], path: str | os.PathLike[str] | None = None) -> JournalCheck:
    """Compare a journal's recorded identity with the engagement file as it is now.

    ``ok``: same path and content. ``moved``: same content, other folder (the folder was copied; fine).
    ``edited``: same path, the file changed since the journal last saved it (edited by hand during the workshop).
    ``foreign``: other path and other content (a journal of another engagement). ``corrupt``: not a readable
    journal. ``new``: no journal yet.
    """
    eng = Path(engagement_path)
    jpath = Path(path) if path is not None else journal_path(eng)
    cur_path, cur_hash, _ = file_identity(eng)
    if not jpath.exists():
        return JournalCheck("new", jpath, eng, current_hash=cur_hash)
    try:
        meta = _read_meta(jpath)
    except (sqlite3.DatabaseError, ValueError) as exc:
        return JournalCheck("corrupt", jpath, eng, current_hash=cur_hash, detail=str(exc))
    rec_path, rec_hash = meta["engagement_path"], meta["engagement_hash"]
    answers = int(meta["_answers"])
    if rec_hash == cur_hash:
        status: Status = "ok" if rec_path == cur_path else "moved"
    else:
        status = "edited" if rec_path == cur_path else "foreign"
    return JournalCheck(status, jpath, eng, rec_path, rec_hash, cur_hash, answers=answers)


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class Journal:
    """An open workshop journal. Safe to share between threads; open one per process.

    Use :meth:`open`; the constructor takes an already-checked file.
    """

    def __init__(self, path: Path, engagement: Path, *, who: str = "") -> None:
        self.path = Path(path)
        self.engagement = Path(engagement)
        self.who = who or os.environ.get("APPRAISAL_WHO", "") or t("workshop.who.default")
        self._lock = threading.RLock()
        self._con = _connect(self.path, create=True)
        self._con.executescript(_SCHEMA)
        self.check: JournalCheck | None = None
        self._backed_up = 0.0  # time.monotonic() of the last periodic copy

    # ------------------------------------------------------------------------------------------ opening
    @classmethod
    def open(cls, engagement_path: str | os.PathLike[str], *, path: str | os.PathLike[str] | None = None,
             who: str = "", resolve: Choice | None = None) -> Journal:
        """Open (or start) the journal of an engagement, checking that it belongs to it.

        Parameters
        ----------
        resolve
            What to do when :func:`check_journal` finds a problem; without it a :class:`JournalConflict` is
            raised carrying the check, so the face can ask. Nothing is ever deleted:

            * ``edited`` (the file was edited by hand): ``keep`` continues the workshop from the journal and
              first copies the hand-edited file to ``<name>.edited-<time>.yaml``; ``reload`` takes the file as it
              is now as the new base (the workshop answers stay in the history, see :meth:`history`).
            * ``foreign`` (a journal of another engagement, or of this one moved *and* edited): ``keep`` applies
              its answers on top of this engagement file (answers about unknown roles or indicators are ignored
              by the workshop); ``reload`` sets it aside as ``<journal>.foreign-<time>.sqlite`` and starts afresh.
            * ``corrupt``: the damaged file is set aside as ``<journal>.corrupt-<time>.sqlite``; ``keep`` salvages
              the latest answers that can still be read, ``reload`` starts from the engagement file.
        """
        eng = Path(engagement_path)
        jpath = Path(path) if path is not None else journal_path(eng)
        check = check_journal(eng, jpath)
        if check.needs_choice and resolve is None:
            raise JournalConflict(check.message(), location=str(jpath),
                                  hint=" / ".join(f"{c}: {check.choice_text(c)}" for c in check.choices), check=check)
        salvaged: list[tuple[Any, ...]] = []
        if check.status == "corrupt":
            if resolve == "keep":
                salvaged = _salvage(jpath)
            _set_aside(jpath, "corrupt")
        elif check.status == "foreign":
            if resolve == "reload":
                _set_aside(jpath, "foreign")
        elif check.status == "edited" and resolve == "keep":
            shutil.copy2(eng, _unique(eng.with_name(f"{eng.stem}.edited-{_stamp()}{eng.suffix}")))
        self = cls(jpath, eng, who=who)
        self.check = check
        cur_path, cur_hash, cur_text = file_identity(eng)
        with self._tx() as con:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            if not meta:
                self._write_meta(con, {"schema": str(SCHEMA_VERSION), "journal_id": uuid.uuid4().hex,
                                       "engagement_path": cur_path, "engagement_hash": cur_hash,
                                       "base_text": cur_text, "created": _now()})
                if check.status in ("corrupt", "foreign"):
                    self._event(con, "journal", f"journal/{check.status}", None, resolve,
                                note=f"{check.journal.name}: {check.detail}".strip(": "))
                for row in salvaged:
                    key, value, role, participant, a, b = row
                    self._put(con, "salvage", key, _load(value), role, participant, a, b, note="salvaged")
            elif check.status == "moved" or (check.status == "foreign" and resolve == "keep"):
                self._write_meta(con, {"engagement_path": cur_path})
                self._event(con, "journal", "journal/" + check.status, meta["engagement_path"], cur_path,
                            note=resolve or "")
                if check.status == "foreign":
                    self._write_meta(con, {"engagement_hash": cur_hash, "base_text": cur_text})
            elif check.status == "edited":
                if resolve == "reload":
                    self._reset(con, cur_hash, cur_text, reason="reload")
                else:
                    self._write_meta(con, {"engagement_hash": cur_hash})
                    self._event(con, "journal", "journal/edited", meta["engagement_hash"], cur_hash, note="keep")
        return self

    # ------------------------------------------------------------------------------------------ plumbing
    class _Tx:
        def __init__(self, journal: Journal) -> None:
            self.j = journal

        def __enter__(self) -> sqlite3.Connection:
            self.j._lock.acquire()
            try:
                self.j._con.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.j._lock.release()
                raise
            return self.j._con

        def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
            try:
                self.j._con.execute("ROLLBACK" if exc_type else "COMMIT")
            finally:
                self.j._lock.release()

    def _tx(self) -> Journal._Tx:
        return Journal._Tx(self)

    @staticmethod
    def _write_meta(con: sqlite3.Connection, values: dict[str, str]) -> None:
        con.executemany("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        list(values.items()))

    def _event(self, con: sqlite3.Connection, kind: str, key: str, old: Any, new: Any, *, role: str | None = None,
               participant: str | None = None, a: str | None = None, b: str | None = None, note: str = "",
               who: str | None = None, ts: str | None = None) -> int:
        cur = con.execute(
            "INSERT INTO events(ts, who, kind, key, role, participant, a, b, old, new, note) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (ts or _now(), who or self.who, kind, key, role, participant, a, b, _dump(old), _dump(new), note))
        return int(cur.lastrowid or 0)

    def _put(self, con: sqlite3.Connection, kind: str, key: str, value: Any, role: str | None,
             participant: str | None, a: str | None, b: str | None, *, note: str = "", who: str | None = None
             ) -> dict[str, Any]:
        row = con.execute("SELECT value FROM current WHERE key=?", (key,)).fetchone()
        old = _load(row[0]) if row else None
        ts = _now()
        seq = self._event(con, kind, key, old, value, role=role, participant=participant, a=a, b=b, note=note,
                          who=who, ts=ts)
        con.execute("INSERT INTO current(key, value, seq, role, participant, a, b) VALUES (?,?,?,?,?,?,?) "
                    "ON CONFLICT(key) DO UPDATE SET value=excluded.value, seq=excluded.seq",
                    (key, _dump(value), seq, role, participant, a, b))
        return {"seq": seq, "ts": ts, "who": who or self.who, "kind": kind, "key": key, "old": old, "new": value}

    def _reset(self, con: sqlite3.Connection, new_hash: str, new_text: str, *, reason: str) -> None:
        """Make the file the new base: every current value is closed by a recorded event, then cleared."""
        for key, value, role, participant, a, b in con.execute(
                "SELECT key, value, role, participant, a, b FROM current").fetchall():
            self._event(con, "reset", key, _load(value), None, role=role, participant=participant, a=a, b=b,
                        note=reason)
        con.execute("DELETE FROM current")
        old_hash = con.execute("SELECT value FROM meta WHERE key='engagement_hash'").fetchone()[0]
        self._write_meta(con, {"engagement_hash": new_hash, "base_text": new_text})
        self._event(con, "journal", "journal/base", old_hash, new_hash, note=reason)

    # ------------------------------------------------------------------------------------------ writing
    def record(self, key: str, value: Any, *, kind: str = "answer", role: str | None = None,
               participant: str | None = None, a: str | None = None, b: str | None = None, note: str = "",
               who: str | None = None) -> dict[str, Any]:
        """Save one answer now (one transaction): returns the event with the old value it replaced.

        ``value`` is any JSON value; ``None`` clears the answer. Concurrent writers (threads or processes) are
        serialised, so each event's ``old`` is exactly the value the previous writer left.
        """
        with self._tx() as con:
            event = self._put(con, kind, key, value, role, participant, a, b, note=note, who=who)
        self._maybe_backup()
        return event

    def record_many(self, items: Iterable[dict[str, Any]], *, kind: str = "answer", who: str | None = None,
                    note: str = "") -> list[dict[str, Any]]:
        """Several answers in one transaction (all or nothing); each item has ``key``, ``value`` and optional
        ``role``, ``participant``, ``a``, ``b``."""
        with self._tx() as con:
            events = [self._put(con, kind, it["key"], it.get("value"), it.get("role"), it.get("participant"),
                                it.get("a"), it.get("b"), note=note, who=who) for it in items]
        self._maybe_backup()
        return events

    def _maybe_backup(self) -> None:
        if time.monotonic() - self._backed_up >= BACKUP_SECONDS:
            self.backup()

    def backup(self) -> Path | None:
        """Copy the journal, consistently (SQLite's online backup API), to :func:`backup_path`, atomically.

        Done after an answer at most every :data:`BACKUP_SECONDS` and when the journal is closed, so a journal
        torn by a crash or a full disk loses at most the last minute of answers (:func:`_salvage` reads it).
        A failing backup never fails the answer: the answer is already committed.
        """
        target = backup_path(self.path)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
        try:
            with self._lock:
                dst = sqlite3.connect(str(tmp))
                try:
                    self._con.backup(dst)
                finally:
                    dst.close()
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(self.path.stat().st_mode))
            os.replace(tmp, target)
        except (sqlite3.Error, OSError):
            with contextlib.suppress(OSError):
                tmp.unlink()
            return None
        finally:
            self._backed_up = time.monotonic()
        return target

    def mark_saved(self, engagement_path: str | os.PathLike[str] | None = None) -> str:
        """After the engagement file was written: it becomes the new base (its hash and text are recorded).

        The current values stay (they equal what was saved) so a later restore gives the same state.
        """
        cur_path, cur_hash, cur_text = file_identity(engagement_path or self.engagement)
        with self._tx() as con:
            old = con.execute("SELECT value FROM meta WHERE key='engagement_hash'").fetchone()[0]
            self._write_meta(con, {"engagement_path": cur_path, "engagement_hash": cur_hash, "base_text": cur_text})
            self._event(con, "saved", "journal/saved", old, cur_hash)
        return cur_hash

    def reload_from_file(self) -> None:
        """The user chose to take the engagement file as it is now (hand edits win; answers stay in history)."""
        _, cur_hash, cur_text = file_identity(self.engagement)
        with self._tx() as con:
            self._reset(con, cur_hash, cur_text, reason="reload")

    def acknowledge_file(self) -> None:
        """The user chose to keep the workshop's state over a hand-edited file (the file is copied aside)."""
        eng = self.engagement
        shutil.copy2(eng, eng.with_name(f"{eng.stem}.edited-{_stamp()}{eng.suffix}"))
        _, cur_hash, _ = file_identity(eng)
        with self._tx() as con:
            old = con.execute("SELECT value FROM meta WHERE key='engagement_hash'").fetchone()[0]
            self._write_meta(con, {"engagement_hash": cur_hash})
            self._event(con, "journal", "journal/edited", old, cur_hash, note="keep")

    # ------------------------------------------------------------------------------------------ reading
    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._con.execute("SELECT key, value FROM meta").fetchall())

    @property
    def base_text(self) -> str:
        """The engagement text the current values apply to."""
        return self.meta()["base_text"]

    def file_changed(self) -> bool:
        """Has the engagement file been changed by someone else since the journal last saw it?"""
        try:
            _, cur_hash, _ = file_identity(self.engagement)
        except OSError:
            return True
        return cur_hash != self.meta()["engagement_hash"]

    def last_seq(self) -> int:
        """The number of the latest event: cheap way to see whether another browser answered."""
        with self._lock:
            return int(self._con.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])

    def state(self) -> dict[str, Any]:
        """Latest value per key (cleared answers are left out)."""
        with self._lock:
            rows = self._con.execute("SELECT key, value FROM current WHERE value IS NOT NULL").fetchall()
        return {k: _load(v) for k, v in rows}

    def history(self, key: str | None = None, *, role: str | None = None) -> pd.DataFrame:
        """Every event in order: seq, ts, who, kind, key, role, participant, a, b, old, new, note."""
        sql = "SELECT seq, ts, who, kind, key, role, participant, a, b, old, new, note FROM events"
        cond, args = [], []
        if key is not None:
            cond.append("key=?"); args.append(key)
        if role is not None:
            cond.append("role=?"); args.append(role)
        if cond:
            sql += " WHERE " + " AND ".join(cond)
        cols = ["seq", "ts", "who", "kind", "key", "role", "participant", "a", "b", "old", "new", "note"]
        with self._lock:
            rows = self._con.execute(sql + " ORDER BY seq", args).fetchall()
        frame = pd.DataFrame(rows, columns=cols, dtype=object)
        frame["seq"] = frame["seq"].astype("int64")
        for col in ("old", "new"):
            frame[col] = pd.Series([_load(v) for v in frame[col]], index=frame.index, dtype=object)
        return frame

    def replay(self, until: int | str | dt.datetime | None = None) -> dict[str, Any]:
        """The state as it was after event ``until`` (a seq number, or a time): how the judgments evolved.

        Folds the value-carrying events (answers, accepted suggestions, resets) — the last event per key wins.
        """
        events = self.history()
        events = events[~events["kind"].isin(["journal", "saved"])]
        if until is not None:
            if isinstance(until, int):
                events = events[events["seq"] <= until]
            else:
                stamp = pd.Timestamp(until)
                ts = pd.to_datetime(events["ts"], utc=True)
                stamp = stamp.tz_localize(ts.dt.tz) if stamp.tzinfo is None else stamp.tz_convert("UTC")
                events = events[ts <= stamp]
        last = events.drop_duplicates("key", keep="last")
        last = last[[v is not None for v in last["new"]]]
        return dict(zip(last["key"], last["new"]))

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.backup()
        with self._lock:
            try:
                self._con.close()
            except sqlite3.Error:  # pragma: no cover
                pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def close_journal(engagement_path: str | os.PathLike[str], path: str | os.PathLike[str] | None = None) -> bool:
    """Fold the WAL into the journal and leave it as one file (no ``-wal``/``-shm`` beside it).

    Called by ``appraisal workshop`` after the page server stopped: kernels killed by the server never close their
    connections, so SQLite keeps its side files. A full checkpoint followed by a switch to rollback mode removes
    them; the next :meth:`Journal.open` switches back to WAL. Returns False (and changes nothing) when another
    process still holds the journal open.
    """
    jp = Path(path) if path is not None else journal_path(engagement_path)
    if not jp.exists():
        return False
    try:
        con = sqlite3.connect(str(jp), timeout=5.0, isolation_level=None)
        try:
            busy = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy:
                return False
            return str(con.execute("PRAGMA journal_mode=DELETE").fetchone()[0]).lower() == "delete"
        finally:
            con.close()
    except sqlite3.Error:
        return False


def _unique(target: Path) -> Path:
    """``target``, or ``<stem>-2<suffix>``, ``-3`` … when taken: two set-asides in one second keep both files."""
    n = 2
    out = target
    while any(Path(str(out) + side).exists() for side in ("", "-wal", "-shm")):
        out = target.with_name(f"{target.stem}-{n}{target.suffix}")
        n += 1
    return out


def backup_path(path: str | os.PathLike[str]) -> Path:
    """Where the periodic copy of a journal lives: ``<journal>.backup.sqlite`` beside it."""
    p = Path(path)
    return p.with_name(f"{p.stem}.backup{p.suffix}")


def _set_aside(path: Path, why: str) -> Path:
    """Rename a journal (and its WAL side files) out of the way; it is kept for inspection, never deleted."""
    target = _unique(path.with_name(f"{path.stem}.{why}-{_stamp()}{path.suffix}"))
    for suffix in ("", "-wal", "-shm"):
        side = Path(str(path) + suffix)
        if side.exists():
            os.replace(side, Path(str(target) + suffix))
    return target


def _read_current(path: Path) -> list[tuple[Any, ...]]:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
        try:
            return con.execute("SELECT key, value, role, participant, a, b FROM current").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return []


def _salvage(path: Path) -> list[tuple[Any, ...]]:
    """The latest answers that can still be read: the periodic backup, updated by what the damaged file still
    holds (best effort). A torn journal thus loses at most the answers since the last backup."""
    rows: dict[str, tuple[Any, ...]] = {}
    backup = backup_path(path)
    if backup.exists():
        rows.update((r[0], r) for r in _read_current(backup))
    rows.update((r[0], r) for r in _read_current(path))
    return list(rows.values())
