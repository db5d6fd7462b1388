"""The working calendar's own corners: extra holidays, preloaded years, steps of zero."""

from datetime import date

from bot.reminders.calendar import WorkingCalendar, working_calendar

MONDAY = date(2024, 3, 11)
FRIDAY = date(2024, 3, 15)


def test_an_extra_holiday_on_a_weekday_is_a_day_off() -> None:
    calendar = WorkingCalendar(extra_holidays=[MONDAY])

    assert not calendar.is_working_day(MONDAY)
    assert calendar.is_working_day(date(2024, 3, 12))
    assert calendar.on_or_before(MONDAY) == date(2024, 3, 7)  # 8 March is a holiday


def test_an_extra_working_day_wins_over_an_extra_holiday() -> None:
    calendar = WorkingCalendar(extra_holidays=[MONDAY], extra_working_days=[MONDAY])

    assert calendar.is_working_day(MONDAY)


def test_a_preloaded_calendar_knows_the_new_year_holidays() -> None:
    calendar = working_calendar([2024])

    assert not calendar.is_working_day(date(2024, 1, 8))
    assert calendar.is_working_day(date(2024, 1, 9))
    assert calendar.add_working_days(date(2023, 12, 29), 1) == date(2024, 1, 9)


def test_zero_working_days_is_the_day_itself() -> None:
    calendar = working_calendar()

    assert calendar.add_working_days(FRIDAY, 0) == FRIDAY
    assert calendar.add_working_days(FRIDAY, 1) == date(2024, 3, 18)
    assert calendar.add_working_days(FRIDAY, -5) == date(2024, 3, 7)
