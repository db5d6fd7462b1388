"""When an overdue assignment is escalated and when the weekly digest is due (pure)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.control.escalation import (
    digest_moment,
    escalation_day,
    escalation_moment,
    iso_week,
    week_start,
)
from bot.reminders.calendar import working_calendar
from bot.reminders.policy import DEFAULT_SETTINGS, ReminderSettings

BARNAUL = ZoneInfo("Asia/Barnaul")
CALENDAR = working_calendar(range(2023, 2025))


def test_five_working_days_after_new_years_eve_land_after_the_holidays() -> None:
    # Friday 29.12.2023; 30–31 December a weekend, 1–8 January the New Year holidays.
    moment = escalation_moment(date(2023, 12, 29), 5, BARNAUL, DEFAULT_SETTINGS, CALENDAR)

    assert moment == datetime(2024, 1, 15, 2, 0, tzinfo=UTC)  # 09:00 in Barnaul (UTC+7)
    assert moment.astimezone(BARNAUL).date() == date(2024, 1, 15)


@pytest.mark.parametrize(
    ("deadline", "working_days", "expected"),
    [
        (date(2024, 3, 6), 5, date(2024, 3, 14)),  # Wednesday; 8 March is a holiday
        (date(2024, 3, 1), 1, date(2024, 3, 4)),  # Friday: the weekend does not count
        (date(2024, 3, 2), 1, date(2024, 3, 4)),  # a Saturday deadline: Monday is the first
        (date(2024, 4, 26), 3, date(2024, 5, 6)),  # 29, 30 April and 1 May off: 2, 3, 6 May
    ],
)
def test_the_deadline_day_never_counts_and_days_off_are_skipped(
    deadline: date, working_days: int, expected: date
) -> None:
    assert escalation_day(deadline, working_days, CALENDAR) == expected


def test_zero_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        escalation_day(date(2024, 3, 6), 0, CALENDAR)


def test_the_send_time_is_the_plans_and_leaves_quiet_hours() -> None:
    late = ReminderSettings(send_hour=22)

    moment = escalation_moment(date(2024, 3, 6), 1, BARNAUL, late, CALENDAR)

    local = moment.astimezone(BARNAUL)
    assert (local.date(), local.time()) == (date(2024, 3, 8), time(8, 0))


def test_the_digest_is_due_from_monday_at_the_send_time_all_week() -> None:
    wednesday = date(2024, 3, 13)

    assert week_start(wednesday) == date(2024, 3, 11)
    assert week_start(date(2024, 3, 11)) == date(2024, 3, 11)
    assert iso_week(wednesday) == "2024-W11"
    assert iso_week(date(2024, 12, 30)) == "2025-W01"
    assert digest_moment(wednesday, BARNAUL, DEFAULT_SETTINGS) == datetime(
        2024, 3, 11, 2, 0, tzinfo=UTC
    )
