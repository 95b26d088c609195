"""The Saaty 1/9 … 9 scale: values, verbal labels (同等重要 … 极端重要), parsing of typed judgments and the
tolerances with which a typed value is accepted as a scale value or a reciprocal.
"""
from __future__ import annotations

import math
import re
from typing import Any, Literal

import numpy as np

from toolkit.model.errors import InputError
from toolkit.model.messages import t

__all__ = [
    "LOG_SCALE",
    "RECIPROCAL_TOL",
    "SAATY_VERBAL",
    "SCALE",
    "SCALE_TOL",
    "Method",
    "check_scale",
    "fmt_judgment",
    "is_missing",
    "located",
    "parse_value",
    "snap_to_scale",
]


Method = Literal["eigen", "geometric"]


#: Saaty's 1–9 scale and its reciprocals, ascending: the values a judgment may take.
SCALE: np.ndarray = np.array([1 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)])


LOG_SCALE = np.log(SCALE)


#: Verbal judgments ("a is … more important than b"). Reciprocals are spelled with 不重要 / "less".
SAATY_VERBAL: dict[str, float] = {
    "同等重要": 1, "同样重要": 1, "一样重要": 1, "同等": 1,
    "稍微重要": 3, "稍重要": 3, "略微重要": 3, "稍微": 3,
    "明显重要": 5, "明显": 5,
    "强烈重要": 7, "非常重要": 7, "强烈": 7,
    "极端重要": 9, "极其重要": 9, "绝对重要": 9, "极端": 9,
    "稍微不重要": 1 / 3, "明显不重要": 1 / 5, "强烈不重要": 1 / 7, "极端不重要": 1 / 9,
    "equal": 1, "moderate": 3, "strong": 5, "very strong": 7, "extreme": 9,
    "moderately less": 1 / 3, "strongly less": 1 / 5, "very strongly less": 1 / 7, "extremely less": 1 / 9,
}


RECIPROCAL_TOL = 0.02  # |log(a_ij · a_ji)|: accepts 0.33 for 1/3 as typed in a spreadsheet


SCALE_TOL = 1.02       # 0.11 is accepted as 1/9, 9.1 is not


# ============================================================================================ scale, RI
def snap_to_scale(x: float | np.ndarray) -> float | np.ndarray:
    """The nearest value of Saaty's scale (1/9 … 9), nearest in log space so that 1/3 and 3 are symmetric.

    Examples
    --------
    >>> snap_to_scale(2.466), snap_to_scale(0.3), snap_to_scale([7.6, 1.2]).tolist()
    (3.0, 0.3333333333333333, [8.0, 1.0])
    """
    arr = np.asarray(x, dtype=float)
    idx = np.abs(np.log(arr)[..., None] - LOG_SCALE).argmin(-1)
    out = SCALE[idx]
    return float(out) if np.ndim(out) == 0 else out


# ============================================================================================ parsing
_FRACTION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[/／]\s*(\d+(?:\.\d+)?)\s*$")


_MISSING_TOKENS = {"", "-", "—", "?", "？", "na", "n/a", "nan", "none", "null", "缺", "缺失", "未比较"}


def located(source: str, place: str = "") -> str:
    """``file: place`` for error locations, whichever of the two is known (never a doubled colon).

    Examples
    --------
    >>> located("a.csv", "第 3 行"), located("", "第 3 行"), located("a.csv: ", "")
    ('a.csv: 第 3 行', '第 3 行', 'a.csv')
    """
    source = str(source or "").rstrip(": ").strip()
    place = str(place or "").strip()
    return f"{source}: {place}" if source and place else source or place


def is_missing(v: Any) -> bool:
    """Is this cell an unjudged pair (blank, ``-``, ``?``, NaN, None …)?

    Examples
    --------
    >>> [is_missing(v) for v in ("", "?", "缺", 3, "1/3")]
    [True, True, True, False, False]
    """
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and v.strip().lower() in _MISSING_TOKENS


def parse_value(v: Any, location: str = "") -> float:
    """A judgment value from a number, a fraction ("1/3"), or Saaty's verbal scale ("稍微重要", "明显不重要").

    Raises :class:`InputError` naming ``location`` for anything else (text, zero, negative, NaN).

    Examples
    --------
    >>> parse_value("1/3"), parse_value("明显重要"), parse_value(7)
    (0.3333333333333333, 5.0, 7.0)
    """
    if isinstance(v, bool):
        raise InputError(t("ahp.not_number", value=v), location=location, hint=t("ahp.not_number.hint"))
    if isinstance(v, (int, float, np.integer, np.floating)):
        x = float(v)
    elif isinstance(v, str):
        s = v.strip()
        key = s.lower()
        if key in SAATY_VERBAL:
            return float(SAATY_VERBAL[key])
        m = _FRACTION.match(s)
        if m:
            num, den = float(m.group(1)), float(m.group(2))
            if den == 0:
                raise InputError(t("ahp.zero", value=s), location=location, hint=t("ahp.zero.hint"))
            x = num / den
        else:
            try:
                x = float(s)
            except ValueError:
                raise InputError(t("ahp.not_number", value=s), location=location,
                                 hint=t("ahp.not_number.hint")) from None
    else:
        raise InputError(t("ahp.not_number", value=v), location=location, hint=t("ahp.not_number.hint"))
    if not math.isfinite(x):
        raise InputError(t("ahp.not_number", value=v), location=location, hint=t("ahp.not_number.hint"))
    if x == 0:
        raise InputError(t("ahp.zero", value=v), location=location, hint=t("ahp.zero.hint"))
    if x < 0:
        raise InputError(t("ahp.negative", value=v), location=location, hint=t("ahp.zero.hint"))
    return x


def check_scale(x: float, location: str) -> None:
    """Raise an :class:`InputError` at ``location`` for a value outside 1/9 … 9 (with the tolerance of typed values).

    Examples
    --------
    >>> check_scale(9.1, "B3") is None
    True
    """
    if not (1 / 9 / SCALE_TOL <= x <= 9 * SCALE_TOL):
        raise InputError(t("ahp.out_of_scale", value=fmt_judgment(x)), location=location, hint=t("ahp.out_of_scale.hint"))


def fmt_judgment(x: float) -> str:
    """A judgment as people write it: 3, 1/3, 2.466.

    Examples
    --------
    >>> fmt_judgment(3.0), fmt_judgment(1 / 3), fmt_judgment(2.466)
    ('3', '1/3', '2.466')
    """
    if x >= 1:
        return f"{x:g}" if abs(x - round(x)) > 1e-9 else str(round(x))
    inv = 1 / x
    return f"1/{round(inv)}" if abs(inv - round(inv)) < 1e-6 else f"{x:.4g}"
