"""Chinese working days for the scheme's deadlines: no deadline on 春节 or 国庆.

Years the State Council has published are read from ``chinesecalendar`` (official holidays and make-up working
days); a later year is estimated from the statutory holidays (全国年节及纪念日放假办法: 元旦, 春节 除夕–初三,
清明, 劳动节 5/1–5/2, 端午, 中秋, 国庆 10/1–10/3, lunar dates from ``lunardate``) and weekends, and said so.

Examples
--------
>>> import datetime as dt
>>> next_workday(dt.date(2026, 10, 1))                  # 国庆 2026: the official calendar
datetime.date(2026, 10, 8)
>>> next_workday(dt.date(2027, 2, 6)), is_official(2027)  # 春节 2027: estimated
(datetime.date(2027, 2, 9), False)
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


@cache
def estimated_holidays(year: int) -> frozenset[dt.date]:
    """The statutory days off of ``year`` (without make-up working days, which are decided each year).

    Examples
    --------
    >>> sorted(d.isoformat() for d in estimated_holidays(2027) if d.month == 2)[:2]
    ['2027-02-05', '2027-02-06']
    """
    from lunardate import LunarDate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        new_year = LunarDate(year, 1, 1).to_solar_date()
        days = {dt.date(year, 1, 1), _qingming(year), dt.date(year, 5, 1), dt.date(year, 5, 2),
                LunarDate(year, 5, 5).to_solar_date(), LunarDate(year, 8, 15).to_solar_date(),
                dt.date(year, 10, 1), dt.date(year, 10, 2), dt.date(year, 10, 3)}
        days |= {new_year + dt.timedelta(days=k) for k in (-1, 0, 1, 2)}  # 除夕 to 初三
    return frozenset(days)


def is_workday(d: dt.date) -> bool:
    """A working day: the official calendar where published, else not a weekend or a statutory holiday.

    Examples
    --------
    >>> is_workday(dt.date(2026, 10, 8)), is_workday(dt.date(2027, 10, 4))
    (True, True)
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
