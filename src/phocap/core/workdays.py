"""Working days in Vietnam: Monday to Friday, except the public holidays of the Labour Code (Tết Dương lịch, Tết
Nguyên Đán, Giỗ Tổ Hùng Vương, 30/4, 1/5, Quốc khánh) and the days given in lieu — from the `holidays` package,
which computes the lunar dates. Deadlines counted in working days (a posting period, acknowledging a complaint)
go through here."""

from __future__ import annotations

import datetime as dt
import functools

import holidays


@functools.cache
def _holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("VN", years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, else the first after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The day on which `days` working days counted from `start` end: `start` counts as the first when it is a
    working day (a period of 5 working days posted on Monday 23/10/2023 ends on Friday 27/10/2023), and `days` 0
    is the day before the first."""
    day = next_working_day(start)
    if days <= 0:
        return day - dt.timedelta(days=1)
    for _ in range(days - 1):
        day = next_working_day(day + dt.timedelta(days=1))
    return day


def working_days_after(start: dt.date, days: int) -> dt.date:
    """The last day of a deadline of `days` working days that starts counting the day after `start` (a complaint
    received on Friday must be acknowledged within 3 working days: by Wednesday)."""
    return add_working_days(start + dt.timedelta(days=1), days)
