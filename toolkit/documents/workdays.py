"""Chinese working days for the scheme's deadlines: no deadline on 春节 or 国庆.

Years the State Council has published are read from ``chinesecalendar`` (official holidays and make-up working
days). A later year is estimated: the statutory holidays (全国年节及纪念日放假办法: 元旦, 清明, 端午, 中秋, lunar
dates from ``lunardate``), the breaks every recent official schedule has given (2024–2026 in ``chinesecalendar``:
春节 除夕–初七, 劳动节 5/1–5/5, 国庆 10/1–10/7, eight days with an adjacent 中秋) and weekends — and the document
says so (``doc.calendar_note_estimated``).

Examples
--------
>>> import datetime as dt
>>> next_workday(dt.date(2026, 10, 1))                  # 国庆 2026: the official calendar
datetime.date(2026, 10, 8)
>>> next_workday(dt.date(2027, 2, 5)), is_official(2027)  # 除夕 2027: estimated, the break runs to 初七 (Fri 12 Feb)
(datetime.date(2027, 2, 15), False)
"""
from __future__ import annotations

import datetime as dt
import warnings
from functools import cache

__all__ = ["add_workdays", "estimated_holidays", "is_official", "is_workday", "next_workday"]


def is_official(year: int) -> bool:
    """Whether the official holiday schedule of ``year`` is known to the installed calendar."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _qingming(year: int) -> dt.date:
    y = year % 100  # the usual 21st-century rule for the solar term 清明
    return dt.date(year, 4, int(y * 0.2422 + 4.81) - int((y - 1) / 4) if y else 5)


def _span(first: dt.date, last: dt.date) -> set[dt.date]:
    return {first + dt.timedelta(days=k) for k in range((last - first).days + 1)}


@cache
def estimated_holidays(year: int) -> frozenset[dt.date]:
    """The days off of ``year`` as recent official schedules gave them: the statutory holidays and the customary
    breaks around them (春节 除夕–初七, 劳动节 5/1–5/5, 国庆 10/1–10/7, or eight days with 中秋 next to it).

    The make-up working days (调休, usually Saturdays or Sundays next to a break) are left out: they are decided
    each year, and leaving them out only ever moves a deadline to a later working day, never onto a day off.

    Examples
    --------
    >>> days = estimated_holidays(2027)
    >>> min(d for d in days if d.month == 2), max(d for d in days if d.month == 2)   # 除夕 to 初七
    (datetime.date(2027, 2, 5), datetime.date(2027, 2, 12))
    >>> max(d for d in estimated_holidays(2028) if d.month == 10)                    # 中秋 on 3 Oct 2028
    datetime.date(2028, 10, 8)
    """
    from lunardate import LunarDate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        new_year = LunarDate(year, 1, 1).to_solar_date()
        mid_autumn = LunarDate(year, 8, 15).to_solar_date()
        days = {dt.date(year, 1, 1), _qingming(year), LunarDate(year, 5, 5).to_solar_date(), mid_autumn}
    days |= _span(new_year - dt.timedelta(days=1), new_year + dt.timedelta(days=6))  # 除夕 to 初七
    days |= _span(dt.date(year, 5, 1), dt.date(year, 5, 5))
    if dt.date(year, 10, 1) <= mid_autumn <= dt.date(year, 10, 8):  # 中秋 in the week: 10/1–10/8 (2017, 2020, 2025)
        days |= _span(dt.date(year, 10, 1), dt.date(year, 10, 8))
    elif dt.date(year, 9, 29) <= mid_autumn < dt.date(year, 10, 1):  # 中秋 just before: eight days from it (2023)
        days |= _span(mid_autumn, mid_autumn + dt.timedelta(days=7))
    else:
        days |= _span(dt.date(year, 10, 1), dt.date(year, 10, 7))
    return frozenset(days)


def is_workday(d: dt.date) -> bool:
    """A working day: the official calendar where published, else neither a weekend nor an estimated day off.

    Examples
    --------
    >>> is_workday(dt.date(2026, 10, 8)), is_workday(dt.date(2027, 10, 5)), is_workday(dt.date(2027, 10, 8))
    (True, False, True)
    """
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return d.weekday() < 5 and d not in estimated_holidays(d.year)


def next_workday(d: dt.date) -> dt.date:
    """``d`` itself when it is a working day, else the next one."""
    while not is_workday(d):
        d += dt.timedelta(days=1)
    return d


def add_workdays(d: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``d``.

    Examples
    --------
    >>> add_workdays(dt.date(2026, 9, 30), 1)               # over 国庆
    datetime.date(2026, 10, 8)
    """
    for _ in range(n):
        d = next_workday(d + dt.timedelta(days=1))
    return d
