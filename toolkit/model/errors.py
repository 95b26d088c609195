"""Errors and findings a user can cause, each with a location in their input and a hint to fix it.

Every face (CLI, notebook, workshop) shows these the same way; the CLI turns a :class:`ToolkitError` into exit
code 2 without a traceback.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

__all__ = ["Finding", "InputError", "ToolkitError", "format_findings"]

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    """One problem or remark about an input, located precisely enough to fix it.

    ``location`` is a path into the input (``roles[2].indicators[1].target``), optionally followed by the
    file position (``line 34, column 9``) or a table cell (``actuals.csv: row 5, column actual``).
    """

    severity: Severity
    code: str
    location: str
    message: str
    hint: str = ""

    def format(self) -> str:
        from toolkit.model.messages import t

        label = t(f"severity.{self.severity}")
        text = f"{label} [{self.code}] {self.location}: {self.message}" if self.location else (
            f"{label} [{self.code}] {self.message}")
        if self.hint:
            text += f" — {t('hint')}: {self.hint}"
        return text

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def format_findings(findings: list[Finding] | tuple[Finding, ...]) -> str:
    """One line per finding, errors first, in a stable order."""
    order = {"error": 0, "warning": 1, "info": 2}
    return "\n".join(f.format() for f in sorted(findings, key=lambda f: order[f.severity]))


@dataclass
class ToolkitError(Exception):
    """A mistake in the user's input or environment that they can fix: message, where, and how."""

    message: str
    location: str = ""
    hint: str = ""
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        lines = []
        head = f"{self.location}: {self.message}" if self.location else self.message
        from toolkit.model.messages import t

        lines.append(head + (f" — {t('hint')}: {self.hint}" if self.hint else ""))
        if self.findings:
            lines.append(format_findings(self.findings))
        return "\n".join(lines)


class InputError(ToolkitError):
    """An input file or value is malformed (syntax, type, range, unknown reference)."""
