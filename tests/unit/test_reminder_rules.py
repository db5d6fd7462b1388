"""Reminder rules the policy tests left implicit: the settings' limits, quiet hours at their
bounds, which reminder wins a shared day, and monthly checks across the turn of the year."""

from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.calendar import working_calendar
from bot.reminders.policy import (
    DEFAULT_SETTINGS,
    MAX_DAYS_BEFORE,
    MAX_OVERDUE_EVERY,
    MAX_OVERDUE_LIMIT,
    ReminderKind,
    ReminderSettings,
    plan_reminders,
    status_checks,
)
from bot.terms import Window

BARNAUL = ZoneInfo("Asia/Barnaul")
CALENDAR = working_calendar([2023, 2024])
ONLY_BEFORE_AND_DUE = replace(DEFAULT_SETTINGS, notify_on_open=False, overdue_limit=0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("send_hour", 0), ("send_hour", 23), ("send_minute", 0), ("send_minute", 59),
     ("days_before", ()), ("days_before", (1, MAX_DAYS_BEFORE)),
     ("overdue_every_working_days", 1), ("overdue_every_working_days", MAX_OVERDUE_EVERY),
     ("overdue_limit", 0), ("overdue_limit", MAX_OVERDUE_LIMIT),
     ("ongoing_check_day", 1), ("ongoing_check_day", 31)],
)  # fmt: skip
def test_settings_at_their_limits_are_accepted(field: str, value: Any) -> None:
    assert getattr(replace(DEFAULT_SETTINGS, **{field: value}), field) == value


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("send_hour", -1, "send_hour must be 0–23, not -1"),
        ("send_hour", 24, "send_hour must be 0–23, not 24"),
        ("send_minute", -1, "send_minute must be 0–59, not -1"),
        ("send_minute", 60, "send_minute must be 0–59, not 60"),
        ("days_before", (0,), f"days_before must be whole days 1–{MAX_DAYS_BEFORE}"),
        ("days_before", (MAX_DAYS_BEFORE + 1,), "days_before must be whole days 1–366"),
        ("days_before", (3, 3), "days_before must not repeat a day"),
        ("overdue_every_working_days", 0, "overdue_every_working_days must be 1–60"),
        ("overdue_every_working_days", 61, "overdue_every_working_days must be 1–60"),
        ("overdue_limit", -1, "overdue_limit must be 0–20"),
        ("overdue_limit", 21, "overdue_limit must be 0–20"),
        ("ongoing_check_day", 0, "ongoing_check_day must be a day of the month, 1–31"),
        ("ongoing_check_day", 32, "ongoing_check_day must be a day of the month, 1–31"),
        ("quiet_start", time(21, tzinfo=UTC), "quiet hours are local wall-clock times"),
        ("quiet_end", time(8, tzinfo=UTC), "quiet hours are local wall-clock times"),
    ],
)
def test_settings_past_their_limits_are_refused(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")) as refused:
        replace(DEFAULT_SETTINGS, **{field: value})
    assert ";" not in str(refused.value)


def test_every_problem_is_named() -> None:
    with pytest.raises(ValueError) as refused:
        ReminderSettings(send_hour=24, overdue_limit=21)
    assert str(refused.value) == "send_hour must be 0–23, not 24; overdue_limit must be 0–20"


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [(time(20, 59), False), (time(21, 0), True), (time(23, 59), True), (time(0, 0), True),
     (time(7, 59), True), (time(8, 0), False), (time(12, 0), False)],
)  # fmt: skip
def test_quiet_hours_over_midnight_start_at_their_exact_start(moment: time, quiet: bool) -> None:
    assert DEFAULT_SETTINGS.is_quiet(moment) is quiet


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [(time(12, 59), False), (time(13, 0), True), (time(13, 59), True), (time(14, 0), False)],
)
def test_quiet_hours_within_a_day(moment: time, quiet: bool) -> None:
    lunch = replace(DEFAULT_SETTINGS, quiet_start=time(13), quiet_end=time(14))
    assert lunch.is_quiet(moment) is quiet


def test_equal_quiet_bounds_mean_no_quiet_hours() -> None:
    never = replace(DEFAULT_SETTINGS, quiet_start=time(9), quiet_end=time(9))
    assert not never.is_quiet(time(9))
    assert not never.is_quiet(time(3))


def test_the_nearer_reminder_wins_a_shared_day() -> None:
    # Ends Monday 18 March: «1 day before» (Sunday) and «3 days before» (Friday) both fall
    # on Friday 15 March; the nearer one is sent.
    window = Window(date(2024, 3, 1), date(2024, 3, 18))
    settings = replace(ONLY_BEFORE_AND_DUE, days_before=(3, 1))

    reminders = plan_reminders(window, BARNAUL, settings, CALENDAR)

    assert [(r.local_day, r.kind, r.sequence) for r in reminders] == [
        (date(2024, 3, 15), ReminderKind.BEFORE, 1),
        (date(2024, 3, 18), ReminderKind.DUE, 0),
    ]


def test_the_due_day_wins_over_a_reminder_before_it() -> None:
    # Ends Sunday 17 March: the due-day message moves to Friday, where «1 day before» was.
    window = Window(date(2024, 3, 1), date(2024, 3, 17))
    settings = replace(ONLY_BEFORE_AND_DUE, days_before=(1,))

    reminders = plan_reminders(window, BARNAUL, settings, CALENDAR)

    assert [(r.local_day, r.kind, r.days_left) for r in reminders] == [
        (date(2024, 3, 15), ReminderKind.DUE, 2)
    ]


def test_a_reminder_before_the_deadline_wins_over_the_opening() -> None:
    # Opens Friday 15 March, ends Monday 18: «3 days before» is the opening day itself.
    window = Window(date(2024, 3, 15), date(2024, 3, 18))
    settings = replace(DEFAULT_SETTINGS, days_before=(3,), overdue_limit=0)

    reminders = plan_reminders(window, BARNAUL, settings, CALENDAR)

    assert [(r.local_day, r.kind, r.sequence) for r in reminders] == [
        (date(2024, 3, 15), ReminderKind.BEFORE, 3),
        (date(2024, 3, 18), ReminderKind.DUE, 0),
    ]


def test_monthly_status_checks_cross_december_into_january() -> None:
    window = Window(date(2023, 11, 1), date(2024, 2, 29))

    checks = status_checks(
        window,
        BARNAUL,
        DEFAULT_SETTINGS,
        CALENDAR,
        after=datetime(2023, 11, 1, tzinfo=UTC),
        until=datetime(2024, 2, 29, tzinfo=UTC),
    )

    assert [(c.local_day, c.sequence) for c in checks] == [
        (date(2023, 11, 24), 202311),  # the 25th is a Saturday
        (date(2023, 12, 25), 202312),
        (date(2024, 1, 25), 202401),
        (date(2024, 2, 22), 202402),  # the 25th is a Sunday and the 23rd a holiday
    ]
    assert all(c.kind is ReminderKind.STATUS_CHECK for c in checks)
