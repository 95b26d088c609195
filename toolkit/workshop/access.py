"""Who may open the workshop page: invitation tokens, an optional room password, and the access mode.

Every person on the roster (and the facilitator) has an unguessable token (:func:`secrets.token_urlsafe`, 24 bytes)
kept beside the engagement in ``<engagement>.workshop-tokens.json`` (mode 600, written atomically under a file
lock so two kernels adding people at once cannot lose one). An invitation link is the page URL with
``?token=…``; the page finds whose token it is with :func:`hmac.compare_digest` (constant time).

Access modes (``APPRAISAL_WORKSHOP_ACCESS``, set by ``appraisal workshop``):

* ``open`` (default, only on 127.0.0.1): the page opens for the facilitator; ``?participant=NAME`` must name a
  person on the roster; tokens work too.
* ``tokens``: every page needs a valid token (the facilitator's link is printed by the command).
* ``password``: a page without a token asks for the room password first (its PBKDF2 hash is passed in
  ``APPRAISAL_WORKSHOP_PASSWORD_HASH``; the password itself never reaches the kernels).
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote

from toolkit.model.fileio import atomic_write_text
from toolkit.model.messages import get_language, t

__all__ = [
    "FACILITATOR",
    "MODES",
    "TokenStore",
    "check_password",
    "hash_password",
    "invitation_url",
    "is_loopback",
    "known_hint",
    "tokens_path",
]

#: the key of the facilitator's token in the store
FACILITATOR = "\x00facilitator"
MODES = ("open", "tokens", "password")


def tokens_path(engagement: str | os.PathLike[str]) -> Path:
    p = Path(engagement)
    return p.with_name(p.stem + ".workshop-tokens.json")


def is_loopback(ip: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: the only addresses the page may listen on without tokens
    or a password."""
    import ipaddress

    if ip.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip.strip("[]")).is_loopback
    except ValueError:
        return False


def hash_password(password: str, *, salt: bytes | None = None, rounds: int = 200_000) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, rounds)
    return f"pbkdf2_sha256${rounds}${salt.hex()}${digest.hex()}"


def check_password(password: str, hashed: str) -> bool:
    try:
        _, rounds, salt, digest = hashed.split("$")
        mine = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(rounds))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(mine.hex(), digest)


def invitation_url(base: str, token: str) -> str:
    """The page URL with the token (``base`` ends with ``/``)."""
    return f"{base}?token={quote(token)}"


class TokenStore:
    """The tokens of one engagement's workshop (facilitator and participants), created on demand."""

    def __init__(self, engagement: str | os.PathLike[str]) -> None:
        self.path = tokens_path(engagement)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def all(self) -> dict[str, str]:
        """name → token (the facilitator under :data:`FACILITATOR`)."""
        return self._read()

    def ensure(self, names: Iterable[str]) -> dict[str, str]:
        """Give every name (and the facilitator) a token if it has none; returns name → token."""
        wanted = [FACILITATOR, *names]
        current = self._read()
        if all(n in current for n in wanted):
            return current
        with self._locked():
            current = self._read()
            missing = [n for n in wanted if n not in current]
            for n in missing:
                current[n] = secrets.token_urlsafe(24)
            if missing:
                atomic_write_text(self.path, json.dumps(current, ensure_ascii=False, indent=1), mode=0o600)
        return current

    def token(self, name: str | None) -> str:
        """The token of ``name`` (``None``: the facilitator), created when missing."""
        key = FACILITATOR if name is None else name
        return self.ensure([] if name is None else [name])[key]

    def whose(self, token: str | None) -> tuple[bool, str | None]:
        """``(True, None)`` for the facilitator's token, ``(True, name)`` for a participant's, ``(False, None)``
        for anything else. Every stored token is compared (constant time), so timing tells nothing."""
        if not token:
            return False, None
        found: tuple[bool, str | None] = (False, None)
        given = token.encode("utf-8")
        for name, tok in self._read().items():
            if hmac.compare_digest(given, tok.encode("utf-8")):
                found = (True, None if name == FACILITATOR else name)
        return found


def known_hint(name: str, known: list[str], lang: str | None = None) -> str:
    """'Did you mean …' for a name not on the roster (a typo such as 钱立成 for 钱立诚), then who is on it."""
    import difflib

    close = difflib.get_close_matches(name, known, n=1, cutoff=0.3)
    sep = ", " if (lang or get_language()) == "en" else "、"
    listed = t("workshop.roster.list", lang, names=sep.join(known)) if known else t("workshop.roster.empty", lang)
    return (t("workshop.roster.did_you_mean", lang, name=close[0]) + " " if close else "") + listed
