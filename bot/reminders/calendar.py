"""Russian working days: weekends and public holidays, from the maintained `holidays` package."""

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

__all__ = ["WorkingCalendar", "working_calendar"]

_SATURDAY = 5


@lru_cache(maxsize=64)
def _russian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("RU", years=year))


class WorkingCalendar:
    """Saturdays, Sundays and Russian public holidays (with their transferred days off) are off.

    `holidays` knows the days off that a government decree moves (2024-04-29 «substituted from
    04/27/2024») but not the Saturdays that become working days in exchange (2024-04-27,
    2024-11-02, 2024-12-28): those stay days off here unless passed as `extra_working_days`.
    Holidays are loaded once per year, on first use.
    """

    def __init__(
        self,
        years: Iterable[int] = (),
        *,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_working = frozenset(extra_working_days)
        self._years: dict[int, frozenset[date]] = {}
        for year in years:
            self._holidays(year)

    def _holidays(self, year: int) -> frozenset[date]:
        found = self._years.get(year)
        if found is None:
            found = self._years[year] = _russian_holidays(year)
        return found

    def is_working_day(self, day: date) -> bool:
        if day in self._extra_working:
            return True
        if day in self._extra_holidays:
            return False
        return day.weekday() < _SATURDAY and day not in self._holidays(day.year)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def on_or_before(self, day: date) -> date:
        """`day` itself when it is a working day, else the previous working day."""
        return day if self.is_working_day(day) else self.previous_working_day(day)

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (before it when negative); `day` for 0."""
        step = self.next_working_day if count > 0 else self.previous_working_day
        for _ in range(abs(count)):
            day = step(day)
        return day


def working_calendar(years: Iterable[int] = ()) -> WorkingCalendar:
    """A Russian working calendar with the holidays of `years` preloaded."""
    return WorkingCalendar(years)
