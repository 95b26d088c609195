"""The appraisal calendar: each period of the chosen cycle with its scoring, feedback and appeal deadlines.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from toolkit.documents.wording import zh_numeral
from toolkit.documents.workdays import add_workdays, is_official, next_workday
from toolkit.model.schema import Engagement

__all__ = [
    "CYCLE_MONTHS",
    "calendar_years_estimated",
    "date_text",
    "deadline_calendar",
    "period_label",
]


# --------------------------------------------------------------------------------------------- calendar
CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "half_year": 6, "annual": 12}


def _first_period_start(start: dt.date, months: int) -> dt.date:
    m0 = ((start.month - 1) // months) * months + 1
    first = dt.date(start.year, m0, 1)
    if first < start.replace(day=1) or start.day > 1:
        # a period already under way when the scheme starts: begin with the next one
        total = start.year * 12 + (m0 - 1) + months
        first = dt.date(total // 12, total % 12 + 1, 1)
    return first


def deadline_calendar(eng: Engagement, *, start: dt.date | None = None, today: dt.date | None = None,
                      periods: int | None = None) -> list[dict[str, dt.date]]:
    """The deadlines of the first year of the scheme, one row per appraisal period.

    Each period ends on its last day; self-review and data are due on ``cycles.submit_day`` of the next month,
    ratings on ``review_day`` (results published), interviews on ``interview_day`` — each moved to the next
    Chinese working day when it falls on a weekend or public holiday (:mod:`toolkit.documents.workdays`);
    appeals close ``appeal.window_days`` working days after publication.
    """
    today = today or dt.date.today()
    if start is None:
        eff = eng.governance.effective_date
        start = eff or (dt.date(today.year + (today.month == 12), today.month % 12 + 1, 1))
    months = CYCLE_MONTHS.get(eng.cycles.default, 1)
    first = _first_period_start(start, months)
    n = periods or max(1, 12 // months)
    idx = np.arange(n)
    month_index = first.year * 12 + (first.month - 1) + idx * months  # start month of each period
    end_index = month_index + months  # first month after the period
    def dates(day: int) -> np.ndarray:
        y, m = end_index // 12, end_index % 12 + 1
        return np.array([np.datetime64(f"{yy:04d}-{mm:02d}-{day:02d}") for yy, mm in zip(y, m)])
    period_start = np.array([np.datetime64(f"{i // 12:04d}-{i % 12 + 1:02d}-01") for i in month_index])
    period_end = np.array([np.datetime64(f"{i // 12:04d}-{i % 12 + 1:02d}-01") for i in end_index]) - 1
    submit, review, interview = dates(eng.cycles.submit_day), dates(eng.cycles.review_day), dates(
        eng.cycles.interview_day)
    window = eng.appeal.window_days
    rows = []
    for i in range(n):
        published = next_workday(review[i].astype(dt.date))
        rows.append({"start": period_start[i].astype(dt.date), "end": period_end[i].astype(dt.date),
                     "submit": next_workday(submit[i].astype(dt.date)), "review": published,
                     "interview": next_workday(interview[i].astype(dt.date)),
                     "appeal": add_workdays(published, window) if window else None})
    return rows


def calendar_years_estimated(rows: list[dict[str, dt.date]]) -> list[int]:
    """Years of the calendar whose official holiday schedule is not published yet: their dates are estimated from
    the statutory holidays and the customary breaks (春节 除夕–初七, 5/1–5/5, 10/1–10/7;
    :func:`toolkit.documents.workdays.estimated_holidays`), which ``doc.calendar_note_estimated`` says."""
    years = sorted({d.year for r in rows for d in r.values() if d is not None})
    return [y for y in years if not is_official(y)]


def date_text(d: dt.date | None, lang: str) -> str:
    if d is None:
        return "—"
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()


def period_label(row: dict[str, dt.date], cycle: str, lang: str) -> str:
    s = row["start"]
    if cycle == "monthly":
        return f"{s.year}年{s.month}月" if lang == "zh" else f"{s:%Y-%m}"
    if cycle == "quarterly":
        q = (s.month - 1) // 3 + 1
        return f"{s.year}年第{zh_numeral(q)}季度" if lang == "zh" else f"{s.year} Q{q}"
    if cycle == "half_year":
        h = 1 if s.month <= 6 else 2
        return (f"{s.year}年{'上' if h == 1 else '下'}半年" if lang == "zh" else f"{s.year} H{h}")
    return f"{s.year}年度" if lang == "zh" else f"{s.year}"
