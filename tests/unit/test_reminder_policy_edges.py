"""Edges of the reminder policy that mutation testing found untested: quiet hours for
catch-ups, the send moment of a day, and the windows of a mixed term with a rule or an event."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.policy import (
    DEFAULT_SETTINGS,
    ReminderSettings,
    after_quiet,
    send_moment,
    windows_for_task,
)
from bot.terms import ParsedTerm, SchoolYear, TermKind, Window

BARNAUL = ZoneInfo("Asia/Barnaul")  # UTC+7, no DST
SY = SchoolYear(2023)
MONDAYS = "FREQ=WEEKLY;BYDAY=MO"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BARNAUL).astimezone(UTC)


# ---------------------------------------------------------------------- after_quiet


@pytest.mark.parametrize(
    ("hour", "minute", "expected_day", "expected_hour"),
    [
        (6, 30, date(2024, 3, 11), 8),  # early morning: waits until 08:00 the same day
        (22, 0, date(2024, 3, 12), 8),  # late evening: until 08:00 the next day
        (21, 0, date(2024, 3, 12), 8),  # the quiet hours' exact start is quiet
        (0, 0, date(2024, 3, 11), 8),  # midnight
        (7, 59, date(2024, 3, 11), 8),
    ],
)
def test_a_catch_up_in_quiet_hours_waits_for_their_end(
    hour: int, minute: int, expected_day: date, expected_hour: int
) -> None:
    moment = local(date(2024, 3, 11), hour, minute)
    moved = after_quiet(moment, BARNAUL, DEFAULT_SETTINGS)
    assert moved == local(expected_day, expected_hour)
    assert moved.tzinfo is UTC


@pytest.mark.parametrize(("hour", "minute"), [(8, 0), (9, 0), (20, 59), (12, 30)])
def test_a_catch_up_outside_quiet_hours_goes_now(hour: int, minute: int) -> None:
    moment = local(date(2024, 3, 11), hour, minute)
    assert after_quiet(moment, BARNAUL, DEFAULT_SETTINGS) is moment


def test_quiet_hours_of_other_bounds_are_honoured() -> None:
    settings = ReminderSettings(quiet_start=time(20, 0), quiet_end=time(9, 30))
    assert after_quiet(local(date(2024, 3, 11), 20, 0), BARNAUL, settings) == local(
        date(2024, 3, 12), 9, 30
    )
    assert after_quiet(local(date(2024, 3, 11), 9, 0), BARNAUL, settings) == local(
        date(2024, 3, 11), 9, 30
    )


def test_equal_bounds_mean_no_quiet_hours() -> None:
    settings = ReminderSettings(quiet_start=time(8, 0), quiet_end=time(8, 0))
    moment = local(date(2024, 3, 11), 3, 0)
    assert after_quiet(moment, BARNAUL, settings) is moment


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        after_quiet(datetime(2024, 3, 11, 6, 30), BARNAUL, DEFAULT_SETTINGS)


# ---------------------------------------------------------------------- send_moment


def test_the_send_moment_is_the_send_time_in_the_plans_zone() -> None:
    assert send_moment(date(2024, 3, 11), BARNAUL, DEFAULT_SETTINGS) == datetime(
        2024, 3, 11, 2, 0, tzinfo=UTC
    )
    later = ReminderSettings(send_hour=10, send_minute=15)
    assert send_moment(date(2024, 3, 12), BARNAUL, later) == datetime(
        2024, 3, 12, 3, 15, tzinfo=UTC
    )
    moscow = ZoneInfo("Europe/Moscow")
    assert send_moment(date(2024, 3, 11), moscow, DEFAULT_SETTINGS) == datetime(
        2024, 3, 11, 6, 0, tzinfo=UTC
    )


# ---------------------------------------------------------------------- mixed terms


def mixed(
    windows: tuple[Window, ...],
    rule: str | None = None,
    event: str | None = None,
    offset_days: int | None = None,
) -> ParsedTerm:
    return ParsedTerm("…", TermKind.MIXED, windows, rule, event, offset_days, (), ())


def days(windows: tuple[Window, ...]) -> list[tuple[date | None, date]]:
    return [(w.start, w.end) for w in windows]


def test_a_mixed_rule_falls_on_its_days_inside_each_window() -> None:
    term = mixed((Window(date(2024, 3, 1), date(2024, 3, 31)),), rule=MONDAYS)
    found = windows_for_task(term, (), SY, {}, None)
    mondays = [date(2024, 3, d) for d in (4, 11, 18, 25)]
    assert days(found) == [(d, d) for d in mondays]


def test_a_mixed_rule_in_a_window_without_a_start_looks_at_its_last_day() -> None:
    # 4 March 2024 is a Monday: a window «до 4 марта» holds one occurrence
    term = mixed((Window(None, date(2024, 3, 4)), Window(None, date(2024, 3, 5))), rule=MONDAYS)
    assert days(windows_for_task(term, (), SY, {}, None)) == [(date(2024, 3, 4), date(2024, 3, 4))]


def test_a_mixed_rule_over_the_whole_year_runs_through_the_autumn_after_it() -> None:
    term = mixed((Window(SY.start, SY.end),), rule=MONDAYS)
    found = windows_for_task(term, (), SY, {}, None)
    assert found[0] == Window(date(2023, 9, 4), date(2023, 9, 4))
    assert found[-1] == Window(date(2024, 12, 30), date(2024, 12, 30))
    assert len(found) == len(set(found))


def test_a_mixed_term_adds_its_events_window_and_keeps_the_admins_date_as_a_fallback() -> None:
    term = mixed((Window(SY.start, SY.end),), event="exam", offset_days=10)
    exam = {"exam": (date(2024, 5, 30), date(2024, 5, 24))}
    assert days(windows_for_task(term, (), SY, exam, date(2024, 1, 15))) == [
        (date(2024, 5, 24), date(2024, 6, 3))
    ]
    # nothing from its parts: the admin's date
    assert days(windows_for_task(term, (), SY, {}, date(2024, 1, 15))) == [
        (None, date(2024, 1, 15))
    ]
    assert windows_for_task(term, (), SY, {}, None) == ()


def test_a_relative_term_without_offset_is_due_on_the_event_day() -> None:
    term = ParsedTerm("в день экзамена", TermKind.RELATIVE, (), None, "exam", None, (), ())
    assert days(windows_for_task(term, (), SY, {"exam": date(2024, 5, 24)}, None)) == [
        (None, date(2024, 5, 24))
    ]
    before = ParsedTerm("за месяц", TermKind.RELATIVE, (), None, "exam", -30, (), ())
    assert days(windows_for_task(before, (), SY, {"exam": date(2024, 5, 24)}, None)) == [
        (None, date(2024, 5, 24) - timedelta(days=30))
    ]
    assert windows_for_task(before, (), SY, {"exam": ()}, None) == ()
