"""The reminder policy with explicit moments: the clock is whatever `after`/`until` say."""

import argparse
import io
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.commands.plans import run_preview
from bot.reminders.calendar import WorkingCalendar, working_calendar
from bot.reminders.policy import (
    DEFAULT_SETTINGS,
    PlannedReminder,
    ReminderKind,
    ReminderSettings,
    due_reminders,
    occurrences,
    ongoing_windows,
    plan_reminders,
    status_checks,
    windows_for_task,
)
from bot.terms import SchoolYear, Window, parse_term

BARNAUL = ZoneInfo("Asia/Barnaul")  # UTC+7, no DST
VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")  # UTC+10, no DST
BERLIN = ZoneInfo("Europe/Berlin")  # CET/CEST
SCHOOL_YEAR = SchoolYear(2023)
CALENDAR = working_calendar([2023, 2024])

OPENS, BEFORE, DUE = ReminderKind.OPENS, ReminderKind.BEFORE, ReminderKind.DUE
OVERDUE, STATUS_CHECK = ReminderKind.OVERDUE, ReminderKind.STATUS_CHECK

VPR_WINDOW = Window(date(2024, 3, 1), date(2024, 5, 20))  # «с 1 марта по 20 мая 2024 года»
FRIDAY = date(2024, 3, 15)
SATURDAY = date(2024, 3, 16)
SUNDAY = date(2024, 3, 17)
MONDAY = date(2024, 3, 18)
NO_OVERDUE = replace(DEFAULT_SETTINGS, overdue_limit=0)
DUE_DAY_ONLY = replace(NO_OVERDUE, days_before=(), notify_on_open=False)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tz)


def plan(
    window: Window, tz: ZoneInfo = BARNAUL, settings: ReminderSettings = DEFAULT_SETTINGS
) -> list[PlannedReminder]:
    return plan_reminders(window, tz, settings, CALENDAR)


def summary(reminders: list[PlannedReminder]) -> list[tuple[date, ReminderKind, int, int]]:
    return [(r.local_day, r.kind, r.sequence, r.days_left) for r in reminders]


# ------------------------------------------------------------------------- calendar


def test_calendar_knows_weekends_and_russian_holidays() -> None:
    assert CALENDAR.is_working_day(FRIDAY)
    assert not CALENDAR.is_working_day(SATURDAY)
    assert not CALENDAR.is_working_day(date(2024, 5, 9))  # День Победы
    assert not CALENDAR.is_working_day(date(2024, 1, 3))  # новогодние каникулы
    assert not CALENDAR.is_working_day(date(2024, 4, 29))  # a day off moved from 27 April
    assert CALENDAR.previous_working_day(date(2024, 1, 3)) == date(2023, 12, 29)
    assert CALENDAR.previous_working_day(MONDAY) == FRIDAY
    assert CALENDAR.on_or_before(FRIDAY) == FRIDAY
    assert CALENDAR.add_working_days(date(2024, 5, 8), 1) == date(2024, 5, 13)
    assert CALENDAR.add_working_days(MONDAY, -1) == FRIDAY
    assert CALENDAR.add_working_days(SATURDAY, 0) == SATURDAY


def test_transferred_working_saturday_is_known_only_when_given() -> None:
    working_saturday = date(2024, 4, 27)  # worked in exchange for 29 April
    assert not CALENDAR.is_working_day(working_saturday)
    assert WorkingCalendar(extra_working_days=[working_saturday]).is_working_day(working_saturday)


# --------------------------------------------------------------------- one window


def test_full_schedule_of_a_window() -> None:
    assert summary(plan(VPR_WINDOW)) == [
        (date(2024, 3, 1), OPENS, 0, 80),
        (date(2024, 5, 6), BEFORE, 14, 14),
        # 3 days before is Friday 17 May; 1 day before is Sunday, moved to the same Friday:
        # one reminder that day, the more urgent one
        (date(2024, 5, 17), BEFORE, 1, 3),
        (date(2024, 5, 20), DUE, 0, 0),
        (date(2024, 5, 23), OVERDUE, 1, -3),
        (date(2024, 5, 28), OVERDUE, 2, -8),
        (date(2024, 5, 31), OVERDUE, 3, -11),
    ]
    assert all(r.deadline == VPR_WINDOW.end for r in plan(VPR_WINDOW))


def test_0900_in_vladivostok_is_2300_utc_of_the_previous_day() -> None:
    [due] = plan(Window(None, FRIDAY), VLADIVOSTOK, DUE_DAY_ONLY)

    assert due.at == utc(2024, 3, 14, 23, 0)
    assert due.local_day == FRIDAY
    assert due.at.tzinfo is UTC


def test_0900_in_barnaul_is_0200_utc() -> None:
    [due] = plan(Window(None, FRIDAY), BARNAUL, DUE_DAY_ONLY)

    assert due.at == utc(2024, 3, 15, 2, 0)


def test_configured_send_time_is_local() -> None:
    settings = replace(DUE_DAY_ONLY, send_hour=14, send_minute=30)

    [due] = plan(Window(None, FRIDAY), VLADIVOSTOK, settings)

    assert due.at == local(FRIDAY, 14, 30, VLADIVOSTOK)


def test_due_day_on_saturday_is_reminded_on_friday() -> None:
    [due] = plan(Window(None, SATURDAY), settings=DUE_DAY_ONLY)

    assert (due.local_day, due.kind, due.days_left) == (FRIDAY, DUE, 1)


@pytest.mark.parametrize(
    ("deadline", "reminded"),
    [
        (date(2024, 5, 9), date(2024, 5, 8)),  # День Победы
        (date(2024, 5, 10), date(2024, 5, 8)),  # a holiday moved from 6 January
        (date(2024, 1, 3), date(2023, 12, 29)),  # новогодние каникулы, then a weekend
        (date(2024, 2, 23), date(2024, 2, 22)),  # День защитника Отечества
    ],
)
def test_reminder_on_a_holiday_moves_to_the_previous_working_day(
    deadline: date, reminded: date
) -> None:
    [due] = plan(Window(None, deadline), settings=DUE_DAY_ONLY)

    assert due.local_day == reminded
    assert due.days_left == (deadline - reminded).days


def test_days_off_are_kept_when_told_to() -> None:
    settings = replace(DUE_DAY_ONLY, skip_non_working_days=False)

    [due] = plan(Window(None, SATURDAY), settings=settings)

    assert due.local_day == SATURDAY


def test_reminders_never_move_before_the_window_opens() -> None:
    # opens on Saturday, due on Monday: the opening notice moves forward to Monday, where the
    # due-day reminder is more urgent; «1 day before» (Sunday) cannot go back to Friday
    reminders = plan(Window(SATURDAY, MONDAY), settings=NO_OVERDUE)

    assert summary(reminders) == [(MONDAY, DUE, 0, 0)]


def test_reminders_moved_onto_the_opening_day_keep_the_most_urgent() -> None:
    reminders = plan(Window(FRIDAY, SUNDAY), settings=NO_OVERDUE)

    assert summary(reminders) == [(FRIDAY, DUE, 0, 2)]


def test_window_made_of_days_off_is_reminded_on_the_working_day_before_it() -> None:
    reminders = plan(Window(date(2024, 1, 3), date(2024, 1, 8)), settings=NO_OVERDUE)

    assert summary(reminders) == [(date(2023, 12, 29), DUE, 0, 10)]


def test_window_without_start_has_no_opening_notice() -> None:
    reminders = plan(Window(None, date(2024, 4, 10)), settings=NO_OVERDUE)

    assert summary(reminders) == [
        (date(2024, 3, 27), BEFORE, 14, 14),
        (date(2024, 4, 5), BEFORE, 3, 5),  # 7 April is a Sunday
        (date(2024, 4, 9), BEFORE, 1, 1),
        (date(2024, 4, 10), DUE, 0, 0),
    ]


def test_one_day_window_is_reminded_on_its_day_only() -> None:
    reminders = plan(Window(date(2024, 4, 10), date(2024, 4, 10)), settings=NO_OVERDUE)

    assert summary(reminders) == [(date(2024, 4, 10), DUE, 0, 0)]


def test_opening_notice_gives_way_to_a_reminder_on_the_same_day() -> None:
    window = Window(date(2024, 3, 27), date(2024, 4, 10))  # opens exactly 14 days before

    reminders = plan(window, settings=NO_OVERDUE)

    assert [r.kind for r in reminders] == [BEFORE, BEFORE, BEFORE, DUE]
    assert len({r.local_day for r in reminders}) == len(reminders)


def test_notices_can_be_switched_off() -> None:
    settings = replace(NO_OVERDUE, notify_on_open=False, notify_on_due_day=False)

    reminders = plan(VPR_WINDOW, settings=settings)

    assert [r.kind for r in reminders] == [BEFORE, BEFORE]  # 3 and 1 days share a Friday


# ------------------------------------------------------------------------ overdue


def test_overdue_nudges_count_working_days_and_stop_at_the_limit() -> None:
    settings = replace(DUE_DAY_ONLY, overdue_every_working_days=2, overdue_limit=4)

    reminders = plan(Window(None, date(2024, 5, 6)), settings=settings)

    # after Monday 6 May: 7, 8 | 13 (9–12 are off), 14 | 15, 16 | 17, 20
    assert summary(reminders) == [
        (date(2024, 5, 6), DUE, 0, 0),
        (date(2024, 5, 8), OVERDUE, 1, -2),
        (date(2024, 5, 14), OVERDUE, 2, -8),
        (date(2024, 5, 16), OVERDUE, 3, -10),
        (date(2024, 5, 20), OVERDUE, 4, -14),
    ]


def test_no_overdue_nudges_with_a_zero_limit() -> None:
    assert all(r.kind is not OVERDUE for r in plan(VPR_WINDOW, settings=NO_OVERDUE))


# ------------------------------------------------------------------- quiet hours


def test_send_time_inside_evening_quiet_hours_moves_to_the_next_morning() -> None:
    settings = replace(DUE_DAY_ONLY, send_hour=22)

    [due] = plan(Window(None, FRIDAY), BARNAUL, settings)

    assert due.at == local(SATURDAY, 8, 0, BARNAUL)
    assert (due.local_day, due.days_left) == (SATURDAY, -1)


def test_send_time_inside_morning_quiet_hours_moves_to_their_end() -> None:
    settings = replace(DUE_DAY_ONLY, send_hour=6, send_minute=15)

    [due] = plan(Window(None, FRIDAY), BARNAUL, settings)

    assert due.at == local(FRIDAY, 8, 0, BARNAUL)


def test_equal_quiet_bounds_mean_no_quiet_hours() -> None:
    settings = replace(DUE_DAY_ONLY, send_hour=23, quiet_start=time(0), quiet_end=time(0))

    [due] = plan(Window(None, FRIDAY), BARNAUL, settings)

    assert due.at == local(FRIDAY, 23, 0, BARNAUL)


def test_quiet_hours_within_one_day() -> None:
    settings = replace(DUE_DAY_ONLY, send_hour=13, quiet_start=time(12), quiet_end=time(14))

    [due] = plan(Window(None, FRIDAY), BARNAUL, settings)

    assert due.at == local(FRIDAY, 14, 0, BARNAUL)


# ----------------------------------------------------------------------- time zones


def test_zone_with_daylight_saving_time() -> None:
    settings = replace(NO_OVERDUE, days_before=(1,), skip_non_working_days=False)
    start_of_summer_time = date(2024, 3, 31)

    before, due = plan(Window(None, start_of_summer_time), BERLIN, settings)

    assert before.at == utc(2024, 3, 30, 8, 0)  # 09:00 CET, UTC+1
    assert due.at == utc(2024, 3, 31, 7, 0)  # 09:00 CEST, UTC+2

    before, due = plan(Window(None, date(2024, 10, 27)), BERLIN, settings)

    assert before.at == utc(2024, 10, 26, 7, 0)  # CEST
    assert due.at == utc(2024, 10, 27, 8, 0)  # CET again


def test_send_time_in_the_dst_gap_goes_out_an_hour_later() -> None:
    settings = replace(
        DUE_DAY_ONLY,
        send_hour=2,
        send_minute=30,
        quiet_start=time(0),
        quiet_end=time(0),
        skip_non_working_days=False,
    )

    [due] = plan(Window(None, date(2024, 3, 31)), BERLIN, settings)

    # 02:30 does not exist that night: it is 03:30 CEST, as PEP 495 resolves it
    assert due.at == utc(2024, 3, 31, 1, 30)
    assert due.at.astimezone(BERLIN).time() == time(3, 30)


# --------------------------------------------------------------- the moving clock


def test_due_reminders_bounds_are_after_exclusive_until_inclusive() -> None:
    [due] = plan(Window(None, FRIDAY), settings=DUE_DAY_ONLY)

    def between(after: datetime, until: datetime) -> list[PlannedReminder]:
        return due_reminders(
            Window(None, FRIDAY), BARNAUL, DUE_DAY_ONLY, CALENDAR, after=after, until=until
        )

    assert between(due.at - timedelta(hours=1), due.at) == [due]
    assert between(due.at, due.at + timedelta(hours=1)) == []
    assert between(due.at - timedelta(microseconds=1), due.at - timedelta(microseconds=1)) == []


def test_a_clock_ticking_every_hour_sees_every_reminder_exactly_once() -> None:
    expected = plan(VPR_WINDOW, VLADIVOSTOK)
    seen: list[PlannedReminder] = []
    tick = utc(2024, 2, 25, 0, 0)
    while tick < utc(2024, 6, 10, 0, 0):
        after, tick = tick, tick + timedelta(hours=1)
        seen += due_reminders(
            VPR_WINDOW, VLADIVOSTOK, DEFAULT_SETTINGS, CALENDAR, after=after, until=tick
        )

    assert seen == expected


def test_naive_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        due_reminders(VPR_WINDOW, BARNAUL, after=datetime(2024, 3, 1), until=utc(2024, 3, 2))


# ---------------------------------------------------------------- status checks

SCHOOL_YEAR_WINDOW = Window(SCHOOL_YEAR.start, SCHOOL_YEAR.end)


def test_monthly_status_check_of_an_ongoing_window() -> None:
    checks = status_checks(
        SCHOOL_YEAR_WINDOW,
        BARNAUL,
        DEFAULT_SETTINGS,
        CALENDAR,
        after=local(date(2024, 2, 1), 0, 0, BARNAUL),
        until=local(date(2024, 4, 30), 0, 0, BARNAUL),
    )

    assert summary(checks) == [
        # 25 February is a Sunday and 23 February a holiday
        (date(2024, 2, 22), STATUS_CHECK, 202402, 191),
        (date(2024, 3, 25), STATUS_CHECK, 202403, 159),
        (date(2024, 4, 25), STATUS_CHECK, 202404, 128),
    ]
    assert checks[0].at == local(date(2024, 2, 22), 9, 0, BARNAUL)


def test_status_check_on_a_late_day_uses_the_end_of_short_months() -> None:
    settings = replace(DEFAULT_SETTINGS, ongoing_check_day=31)

    checks = status_checks(
        SCHOOL_YEAR_WINDOW,
        BARNAUL,
        settings,
        CALENDAR,
        after=utc(2024, 2, 1),
        until=utc(2024, 3, 1),
    )

    assert [c.local_day for c in checks] == [date(2024, 2, 29)]


def test_status_checks_stay_inside_the_window_and_can_be_switched_off() -> None:
    window = Window(date(2024, 3, 1), date(2024, 4, 20))
    after, until = utc(2023, 9, 1), utc(2024, 8, 31)

    checks = status_checks(window, BARNAUL, DEFAULT_SETTINGS, CALENDAR, after=after, until=until)
    off = replace(DEFAULT_SETTINGS, ongoing_status_check=False)

    assert [c.sequence for c in checks] == [202403]
    assert status_checks(window, BARNAUL, off, CALENDAR, after=after, until=until) == []


# ------------------------------------------------------------ what a task gets


def test_occurrences_of_a_monthly_rule() -> None:
    days = occurrences("FREQ=MONTHLY;BYMONTHDAY=25", date(2023, 9, 1), date(2024, 8, 31))

    assert days == [date(y, m, 25) for y, m in [(2023, 9), (2023, 10), (2023, 11), (2023, 12)]] + [
        date(2024, m, 25) for m in range(1, 9)
    ]


def test_recurring_term_gives_one_deadline_per_occurrence() -> None:
    term = parse_term("ежемесячно до 25 числа", SCHOOL_YEAR)

    windows = windows_for_task(term, (), SCHOOL_YEAR, {}, None)

    assert len(windows) == 16  # September 2023 … December 2024
    assert windows[0] == Window(date(2023, 9, 25), date(2023, 9, 25))
    assert windows[-1] == Window(date(2024, 12, 25), date(2024, 12, 25))
    # 25 May 2024 is a Saturday: the one-day window is reminded of on Friday
    may = next(w for w in windows if w.end == date(2024, 5, 25))
    assert summary(plan(may, settings=NO_OVERDUE)) == [(date(2024, 5, 24), DUE, 0, 1)]


def test_weekly_recurring_term() -> None:
    term = parse_term("еженедельно по пятницам", SCHOOL_YEAR)

    windows = windows_for_task(term, (), SCHOOL_YEAR, {}, None)

    assert windows[0].end == date(2023, 9, 1)
    assert all(w.end.weekday() == 4 for w in windows)


def test_relative_term_counts_from_the_first_declared_event_date() -> None:
    term = parse_term("за 1 месяц до начала экзамена", SCHOOL_YEAR)
    events = {"exam": (date(2024, 5, 23), date(2024, 5, 28))}

    assert windows_for_task(term, (), SCHOOL_YEAR, events, None) == (
        Window(None, date(2024, 4, 23)),
    )
    assert windows_for_task(term, (), SCHOOL_YEAR, {}, None) == ()
    assert windows_for_task(term, (), SCHOOL_YEAR, {"exam": date(2024, 5, 23)}, None) == (
        Window(None, date(2024, 4, 23)),
    )


def test_relative_term_after_an_event_opens_on_the_event_day() -> None:
    term = parse_term("в течение 10 дней после объявления результатов", SCHOOL_YEAR)

    windows = windows_for_task(term, (), SCHOOL_YEAR, {"results": (date(2024, 6, 20),)}, None)

    assert windows == (Window(date(2024, 6, 20), date(2024, 6, 30)),)


def test_admin_date_gives_external_and_undeclared_relative_terms_a_deadline() -> None:
    external = parse_term("по графику Рособрнадзора", SCHOOL_YEAR)
    relative = parse_term("за 1 месяц до начала экзамена", SCHOOL_YEAR)
    set_date = date(2024, 2, 15)

    assert windows_for_task(external, (), SCHOOL_YEAR, {}, None) == ()
    assert windows_for_task(external, (), SCHOOL_YEAR, {}, set_date) == (Window(None, set_date),)
    assert windows_for_task(relative, (), SCHOOL_YEAR, {}, set_date) == (Window(None, set_date),)
    assert windows_for_task(None, (), SCHOOL_YEAR, {}, set_date) == (Window(None, set_date),)


def test_ongoing_term_gets_status_checks_not_a_due_date() -> None:
    term = parse_term("в течение учебного года", SCHOOL_YEAR)

    assert windows_for_task(term, term.windows, SCHOOL_YEAR, {}, None) == ()
    assert ongoing_windows(term, term.windows, SCHOOL_YEAR) == (SCHOOL_YEAR_WINDOW,)


def test_fixed_and_mixed_terms_keep_their_dates() -> None:
    fixed = parse_term("до 15 марта 2024", SCHOOL_YEAR)
    mixed = parse_term("в течение года, до 1 марта", SCHOOL_YEAR)

    assert windows_for_task(fixed, (), SCHOOL_YEAR, {}, None) == fixed.windows
    # the «в течение года» part is a status check, not a due date on 31 August
    assert windows_for_task(mixed, (), SCHOOL_YEAR, {}, None) == (Window(None, date(2024, 3, 1)),)
    assert ongoing_windows(mixed, (), SCHOOL_YEAR) == (SCHOOL_YEAR_WINDOW,)


def test_explicit_windows_override_the_term() -> None:
    term = parse_term("в течение учебного года", SCHOOL_YEAR)
    explicit = (Window(date(2024, 2, 1), date(2024, 2, 15)),)

    assert windows_for_task(term, explicit, SCHOOL_YEAR, {}, None) == explicit
    assert ongoing_windows(term, explicit, SCHOOL_YEAR) == ()
    assert windows_for_task(None, explicit, SCHOOL_YEAR, {}, None) == explicit


# ------------------------------------------------------------------------ preview

ALTAI_PLAN = Path(__file__).resolve().parents[2] / "data" / "plans" / "altai-gia-2024.yaml"


def test_preview_prints_each_local_day_by_party_with_the_kind() -> None:
    out = io.StringIO()
    args = argparse.Namespace(path=ALTAI_PLAN, first=date(2024, 5, 2), last=date(2024, 5, 6))

    assert run_preview(args, out) == 0

    text = out.getvalue()
    assert "(Asia/Barnaul; at 09:00, 14/3/1 days before and on the day" in text
    days = [line.split()[0] for line in text.splitlines() if line[:1].isdigit()]
    assert days == ["2024-05-02", "2024-05-06"]  # nothing on Friday 3 May, 4–5 May are off
    assert "    09:00 opens        7.5 opens, due 2024-05-31: Проверка готовности ППЭ" in text
    assert "09:00 overdue      4.5 overdue by 6 days (nudge 1), due 2024-04-30" in text


def test_preview_says_one_day_not_one_days() -> None:
    out = io.StringIO()
    args = argparse.Namespace(path=ALTAI_PLAN, first=date(2024, 2, 21), last=date(2024, 2, 21))

    assert run_preview(args, out) == 0

    text = out.getvalue()
    assert "5.1.3 1 day left, due 2024-02-22" in text
    assert " 1 days left" not in text


# ---------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"send_hour": 24}, "send_hour"),
        ({"send_minute": -1}, "send_minute"),
        ({"days_before": (3, 3)}, "repeat"),
        ({"days_before": (0,)}, "days_before"),
        ({"overdue_limit": 21}, "overdue_limit"),
        ({"overdue_every_working_days": 0}, "overdue_every_working_days"),
        ({"ongoing_check_day": 32}, "ongoing_check_day"),
    ],
)
def test_settings_are_validated(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(DEFAULT_SETTINGS, **change)  # type: ignore[arg-type]


def test_default_settings() -> None:
    assert DEFAULT_SETTINGS.send_time == time(9, 0)
    assert DEFAULT_SETTINGS.is_quiet(time(21, 0))
    assert DEFAULT_SETTINGS.is_quiet(time(7, 59))
    assert not DEFAULT_SETTINGS.is_quiet(time(8, 0))


# ---------------------------------------------------------------------- properties

ZONES = [
    ZoneInfo(name)
    for name in (
        "UTC",
        "Asia/Barnaul",
        "Asia/Vladivostok",
        "Europe/Berlin",
        "America/Havana",  # DST changes at midnight
        "Australia/Lord_Howe",  # a half-hour DST shift
    )
]

windows = st.builds(
    lambda start, length, open_: Window(start if open_ else None, start + timedelta(days=length)),
    st.dates(date(2022, 1, 1), date(2027, 12, 31)),
    st.integers(0, 200),
    st.booleans(),
)
times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
reminder_settings = st.builds(
    ReminderSettings,
    send_hour=st.integers(0, 23),
    send_minute=st.integers(0, 59),
    days_before=st.lists(st.integers(1, 60), unique=True, max_size=5).map(tuple),
    notify_on_open=st.booleans(),
    notify_on_due_day=st.booleans(),
    overdue_every_working_days=st.integers(1, 10),
    overdue_limit=st.integers(0, 20),
    quiet_start=times,
    quiet_end=times,
    skip_non_working_days=st.booleans(),
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(windows, st.sampled_from(ZONES), reminder_settings)
def test_reminders_are_sorted_unique_per_day_and_never_in_quiet_hours(
    window: Window, tz: ZoneInfo, settings: ReminderSettings
) -> None:
    reminders = plan_reminders(window, tz, settings, CALENDAR)

    assert reminders == sorted(reminders)
    assert [r.at for r in reminders] == sorted({r.at for r in reminders})
    assert len({r.local_day for r in reminders}) == len(reminders)
    for reminder in reminders:
        assert reminder.at.tzinfo is UTC
        assert reminder.local_day == reminder.at.astimezone(tz).date()
        assert not settings.is_quiet(reminder.at.astimezone(tz).time())
        assert reminder.deadline == window.end
        assert reminder.days_left == (window.end - reminder.local_day).days
    overdue = [r for r in reminders if r.kind is OVERDUE]
    assert len(overdue) <= settings.overdue_limit
    assert [r.sequence for r in overdue] == sorted(r.sequence for r in overdue)
    assert sum(r.kind is DUE for r in reminders) <= 1
    if settings.notify_on_due_day and settings.overdue_limit == 0:
        assert [r.kind for r in reminders][-1:] == [DUE]
